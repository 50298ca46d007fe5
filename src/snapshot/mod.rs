//! Snapshots: an estate as a folder of AWS API responses, one file per describe
//! call, each the JSON the AWS CLI prints (`--output json`), named by the response's
//! top-level key (`Vpcs.json` holds `{"Vpcs": […]}`). netops opens one as a
//! read-only backend (`--snapshot DIR`) and writes one (`snapshot save DIR`).
//!
//! Layouts: `accounts/<account-id>/<region>/…`, `<region>/…`, or flat (the region
//! then comes from availability zones or ARNs, else `--region`; the account from
//! owner ids, else `--account`).
//!
//! Invariants:
//! - A missing file is a named gap of its region (as a failed read is live), never an
//!   error; a malformed one is a gap naming the file, line and column, and the rest
//!   still loads. Unknown files and fields are ignored.
//! - Only static TGW routes captured (`TransitGatewayStaticRoutes.json`): the
//!   propagated ones are derived from the propagations by the simulator's own rule
//!   ([`crate::net::change::derive::propagated_routes`]) and marked `derived`.
//! - One object per id across account folders: the owner's copy wins (a TGW's,
//!   an attachment's TGW owner, a VPC's owner).
//! - A TGW peering listed only as its two attachments (no peering file) is paired
//!   from them.
//! - [`save`] then [`open`] gives the same estate, and [`save`] of that gives the
//!   same files.

mod convert;
pub mod shapes;

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{CommandError, ErrorKind};
use crate::model::{
    Account, AttachmentKind, Estate, Gap, Peering, PeeringSide, RegionEstate, RouteTableLink,
    RouteType,
};
use shapes as s;

/// The manifest `snapshot save` writes beside the capture.
pub const MANIFEST: &str = "netops-snapshot.json";

/// What `snapshot save` records about a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Manifest {
    /// When the estate was read (RFC 3339, UTC).
    pub taken_at: String,
    /// The profile (or `demo`) it was read with.
    pub profile: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub netops_version: String,
    /// Parts that could not be read: their files are left out, and opening the
    /// snapshot shows these gaps in their place.
    pub not_read: Vec<NotRead>,
}

/// A part of a region that could not be read when the snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NotRead {
    pub region: String,
    pub part: String,
    pub error: String,
}

/// An opened snapshot.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub account: Option<Account>,
    /// Every region, topology and optional parts together.
    pub regions: BTreeMap<String, RegionEstate>,
    /// Gaps of the optional parts (Network Firewall, instances), per region, kept
    /// apart so the backend answers them with their part.
    pub optional_gaps: BTreeMap<String, Vec<Gap>>,
    pub manifest: Option<Manifest>,
    pub dir: PathBuf,
}

/// Where the region and account of a flat capture come from when the files do not
/// say.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub region: Option<String>,
    pub account: Option<String>,
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> CommandError {
    CommandError::new(
        ErrorKind::InvalidInput,
        format!("{what} {}: {e}", path.display()),
    )
}

/// One list of a response file: the value of `key`, other keys skipped, read as a
/// stream so an error names its line and column.
struct Keyed<T> {
    key: &'static str,
    item: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Keyed<T> {
    type Value = Option<Vec<T>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Keyed<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an object with a \"{}\" list", self.key)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(k) = map.next_key::<String>()? {
            if k == self.key {
                out = Some(map.next_value::<Vec<T>>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// Reads `<dir>/<key>.json`'s `key` list: `None` when the file is absent (a gap
/// saying so is added), or unreadable (a gap naming the file, line and column).
fn read_list<T: DeserializeOwned>(
    dir: &Path,
    key: &'static str,
    part: &str,
    gaps: &mut Vec<Gap>,
) -> Option<Vec<T>> {
    read_file_list(dir, key, key, part, gaps)
}

/// [`read_list`] for a file not named by its list (`describe-managed-prefix-lists`
/// prints `PrefixLists`, as `describe-prefix-lists` does).
fn read_file_list<T: DeserializeOwned>(
    dir: &Path,
    file: &'static str,
    key: &'static str,
    part: &str,
    gaps: &mut Vec<Gap>,
) -> Option<Vec<T>> {
    let path = dir.join(format!("{file}.json"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            gaps.push(Gap {
                part: part.to_string(),
                error: format!("{file}.json is not in the snapshot"),
            });
            return None;
        }
        Err(e) => {
            gaps.push(Gap {
                part: part.to_string(),
                error: format!("{}: {e}", path.display()),
            });
            return None;
        }
    };
    let mut de = serde_json::Deserializer::from_str(&text);
    let read = Keyed {
        key,
        item: PhantomData,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match read {
        Ok(Some(list)) => Some(list),
        Ok(None) => {
            gaps.push(Gap {
                part: part.to_string(),
                error: format!("{file}.json has no \"{key}\" list"),
            });
            None
        }
        Err(e) => {
            gaps.push(Gap {
                part: part.to_string(),
                error: format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()),
            });
            None
        }
    }
}

/// A folder holding a capture: at least one response file of a known name.
fn is_capture(dir: &Path) -> bool {
    FILES
        .iter()
        .any(|f| dir.join(format!("{f}.json")).is_file())
}

/// The response files netops reads.
const FILES: &[&str] = &[
    "TransitGateways",
    "TransitGatewayRouteTables",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayPeeringAttachments",
    "TransitGatewayRoutes",
    "TransitGatewayStaticRoutes",
    "TransitGatewayPropagations",
    "TransitGatewayAssociations",
    "Vpcs",
    "Subnets",
    "RouteTables",
    "InternetGateways",
    "NatGateways",
    "VpcEndpoints",
    "VpcPeeringConnections",
    "NetworkAcls",
    "SecurityGroups",
    "NetworkInterfaces",
    "Reservations",
    "InstanceInformationList",
    "Firewalls",
    "FirewallPolicies",
    "RuleGroups",
    "ManagedPrefixLists",
    "PrefixLists",
    "PrefixListEntries",
];

/// The parts of a region (as gaps name them) and the files that hold each. A part
/// that could not be read is saved as no files (and a manifest entry), so opening the
/// snapshot shows it unread, never as empty.
const PARTS: &[(&str, &[&str])] = &[
    ("transit gateways", &["TransitGateways"]),
    ("tgw route tables", &["TransitGatewayRouteTables"]),
    ("tgw attachments", &["TransitGatewayAttachments"]),
    ("tgw vpc attachments", &["TransitGatewayVpcAttachments"]),
    ("tgw peerings", &["TransitGatewayPeeringAttachments"]),
    (
        "tgw routes",
        &["TransitGatewayRoutes", "TransitGatewayStaticRoutes"],
    ),
    ("tgw propagations", &["TransitGatewayPropagations"]),
    ("vpcs", &["Vpcs"]),
    ("subnets", &["Subnets"]),
    ("vpc route tables", &["RouteTables"]),
    ("internet gateways", &["InternetGateways"]),
    ("nat gateways", &["NatGateways"]),
    ("vpc endpoints", &["VpcEndpoints"]),
    ("vpc peerings", &["VpcPeeringConnections"]),
    ("network acls", &["NetworkAcls"]),
    ("security groups", &["SecurityGroups"]),
    ("network interfaces", &["NetworkInterfaces"]),
    ("instances", &["Reservations", "InstanceInformationList"]),
    ("ssm", &["InstanceInformationList"]),
    (
        "network-firewall",
        &["Firewalls", "FirewallPolicies", "RuleGroups"],
    ),
    (
        "prefix-lists",
        &["ManagedPrefixLists", "PrefixLists", "PrefixListEntries"],
    ),
];

/// Parts answered with their optional part (Network Firewall, instances).
fn is_optional(part: &str) -> bool {
    matches!(part, "instances" | "ssm" | "network-firewall")
}

/// `us-east-1` from `us-east-1a` (or a Local Zone's `us-east-1-bos-1a`).
fn region_of_az(az: &str) -> Option<String> {
    let parts: Vec<&str> = az.split('-').collect();
    let i = parts
        .iter()
        .position(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    let digits: String = parts[i].chars().take_while(char::is_ascii_digit).collect();
    let mut region = parts[..i].join("-");
    region.push('-');
    region.push_str(&digits);
    Some(region)
}

fn looks_like_region(name: &str) -> bool {
    region_of_az(&format!("{name}a")).as_deref() == Some(name)
}

/// One account-and-region folder, read.
struct Folder {
    account: Option<String>,
    region: RegionEstate,
    optional_gaps: Vec<Gap>,
}

/// Reads one folder into a region estate (the region's name from `region`, else
/// from the files, else `hints`).
#[allow(clippy::too_many_lines)]
fn read_folder(
    dir: &Path,
    region: Option<&str>,
    account: Option<&str>,
    hints: &Hints,
) -> Result<Folder, CommandError> {
    let mut gaps = Vec::new();
    let mut optional_gaps = Vec::new();
    let g = &mut gaps;
    let tgws: Vec<s::TransitGateway> =
        read_list(dir, "TransitGateways", "transit gateways", g).unwrap_or_default();
    let tables: Vec<s::TransitGatewayRouteTable> =
        read_list(dir, "TransitGatewayRouteTables", "tgw route tables", g).unwrap_or_default();
    let atts: Vec<s::TransitGatewayAttachment> =
        read_list(dir, "TransitGatewayAttachments", "tgw attachments", g).unwrap_or_default();
    let vpc_atts: Vec<s::TransitGatewayVpcAttachment> = read_list(
        dir,
        "TransitGatewayVpcAttachments",
        "tgw vpc attachments",
        g,
    )
    .unwrap_or_default();
    let peerings: Option<Vec<s::TransitGatewayPeeringAttachment>> =
        read_list(dir, "TransitGatewayPeeringAttachments", "tgw peerings", g);
    // All routes, or only the static ones (propagated derived): whichever is there.
    let mut route_gaps = Vec::new();
    let all_routes: Option<Vec<s::TableRoutes>> =
        read_list(dir, "TransitGatewayRoutes", "tgw routes", &mut route_gaps);
    let (routes, derive) = match all_routes {
        Some(r) => (Some(r), false),
        None => {
            let mut static_gaps = Vec::new();
            match read_list::<s::TableRoutes>(
                dir,
                "TransitGatewayStaticRoutes",
                "tgw routes",
                &mut static_gaps,
            ) {
                Some(r) => (Some(r), true),
                None => {
                    // Neither: say both were looked for (a malformed file names itself).
                    g.extend(route_gaps);
                    g.extend(static_gaps);
                    (None, false)
                }
            }
        }
    };
    let assocs: Option<Vec<s::TableAssociations>> = read_list(
        dir,
        "TransitGatewayAssociations",
        "tgw associations",
        &mut Vec::new(),
    );
    let props: Vec<s::TablePropagations> =
        read_list(dir, "TransitGatewayPropagations", "tgw propagations", g).unwrap_or_default();
    let vpcs: Vec<s::Vpc> = read_list(dir, "Vpcs", "vpcs", g).unwrap_or_default();
    let subnets: Vec<s::Subnet> = read_list(dir, "Subnets", "subnets", g).unwrap_or_default();
    let rtbs: Vec<s::RouteTable> =
        read_list(dir, "RouteTables", "vpc route tables", g).unwrap_or_default();
    let igws: Vec<s::InternetGateway> =
        read_list(dir, "InternetGateways", "internet gateways", g).unwrap_or_default();
    let nats: Vec<s::NatGateway> =
        read_list(dir, "NatGateways", "nat gateways", g).unwrap_or_default();
    let endpoints: Vec<s::VpcEndpoint> =
        read_list(dir, "VpcEndpoints", "vpc endpoints", g).unwrap_or_default();
    let pcxs: Vec<s::VpcPeeringConnection> =
        read_list(dir, "VpcPeeringConnections", "vpc peerings", g).unwrap_or_default();
    let acls: Vec<s::NetworkAcl> =
        read_list(dir, "NetworkAcls", "network acls", g).unwrap_or_default();
    let sgs: Vec<s::SecurityGroup> =
        read_list(dir, "SecurityGroups", "security groups", g).unwrap_or_default();
    let enis: Vec<s::NetworkInterface> =
        read_list(dir, "NetworkInterfaces", "network interfaces", g).unwrap_or_default();
    let og = &mut optional_gaps;
    let reservations: Vec<s::Reservation> =
        read_list(dir, "Reservations", "instances", og).unwrap_or_default();
    let ssm: Option<Vec<s::InstanceInformation>> =
        read_list(dir, "InstanceInformationList", "ssm", og);
    let firewalls: Vec<s::DescribeFirewall> =
        read_list(dir, "Firewalls", "network-firewall", og).unwrap_or_default();
    let policies: Vec<s::DescribeFirewallPolicy> =
        read_list(dir, "FirewallPolicies", "network-firewall", og).unwrap_or_default();
    let groups: Vec<s::DescribeRuleGroup> =
        read_list(dir, "RuleGroups", "network-firewall", og).unwrap_or_default();
    // Prefix lists matter only when something uses one: their gaps are kept aside
    // until that is known.
    let mut list_gaps = Vec::new();
    let pg = &mut list_gaps;
    let managed: Vec<s::ManagedPrefixList> =
        read_file_list(dir, "ManagedPrefixLists", "PrefixLists", "prefix-lists", pg)
            .unwrap_or_default();
    let service: Vec<s::PrefixList> =
        read_list(dir, "PrefixLists", "prefix-lists", pg).unwrap_or_default();
    let list_entries: Vec<s::ListEntries> =
        read_list(dir, "PrefixListEntries", "prefix-lists", pg).unwrap_or_default();

    // The region: given by the layout, else from availability zones or ARNs.
    let inferred = subnets
        .iter()
        .filter_map(|x| x.availability_zone.as_deref())
        .chain(enis.iter().filter_map(|x| x.availability_zone.as_deref()))
        .find_map(region_of_az)
        .or_else(|| {
            tgws.iter()
                .filter_map(|t| t.transit_gateway_arn.as_deref())
                .chain(
                    firewalls
                        .iter()
                        .filter_map(|f| f.firewall.as_ref()?.firewall_arn.as_deref()),
                )
                .find_map(|arn| {
                    arn.split(':')
                        .nth(3)
                        .filter(|r| !r.is_empty())
                        .map(str::to_string)
                })
        });
    let region = match (region, inferred, &hints.region) {
        (Some(r), _, _) => r.to_string(),
        (None, Some(r), _) => r,
        (None, None, Some(r)) => r.clone(),
        (None, None, None) => {
            return Err(CommandError::new(
                ErrorKind::InvalidInput,
                format!(
                    "{}: the region cannot be told from the files (no availability zone or ARN): pass --region, or put the files in a folder named after the region",
                    dir.display()
                ),
            ));
        }
    };
    let account = account
        .map(str::to_string)
        .or_else(|| {
            tgws.iter()
                .filter_map(|t| t.owner_id.clone())
                .chain(vpcs.iter().filter_map(|v| v.owner_id.clone()))
                .next()
        })
        .or_else(|| hints.account.clone());
    let r = region.as_str();

    let mut estate = RegionEstate::new(r);
    estate.tgws = tgws.iter().map(|t| convert::tgw(t, r)).collect();
    estate.vpcs = vpcs.iter().map(|v| convert::vpc(v, r)).collect();
    estate.subnets = subnets.iter().map(|x| convert::subnet(x, r)).collect();
    estate.vpc_route_tables = rtbs
        .iter()
        .map(|t| convert::vpc_route_table(t, r))
        .collect();
    estate.internet_gateways = igws.iter().map(|x| convert::igw(x, r)).collect();
    estate.nat_gateways = nats.iter().map(|x| convert::nat(x, r)).collect();
    estate.vpc_endpoints = endpoints.iter().map(|x| convert::endpoint(x, r)).collect();
    estate.vpc_peerings = pcxs.iter().map(|x| convert::vpc_peering(x, r)).collect();
    estate.network_acls = acls.iter().map(|x| convert::network_acl(x, r)).collect();
    estate.security_groups = sgs.iter().map(|x| convert::security_group(x, r)).collect();
    estate.network_interfaces = enis.iter().map(|x| convert::eni(x, r)).collect();
    estate.peerings = peerings
        .unwrap_or_default()
        .iter()
        .filter_map(|p| convert::peering(p, r))
        .collect();
    let vpc_details: BTreeMap<&str, &s::TransitGatewayVpcAttachment> = vpc_atts
        .iter()
        .filter_map(|a| Some((a.transit_gateway_attachment_id.as_deref()?, a)))
        .collect();
    estate.attachments = atts
        .iter()
        .map(|a| {
            let mut att = convert::attachment(a, r);
            if let Some(v) = vpc_details.get(att.id.as_str()) {
                convert::vpc_attachment_details(&mut att, v);
            }
            att
        })
        .collect();
    let mut tables: Vec<crate::model::TgwRouteTable> =
        tables.iter().map(|t| convert::route_table(t, r)).collect();
    let routes_of: BTreeMap<String, &s::TableRoutes> = routes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Some((t.transit_gateway_route_table_id.clone()?, t)))
        .collect();
    let props_of: BTreeMap<String, &s::TablePropagations> = props
        .iter()
        .filter_map(|t| Some((t.transit_gateway_route_table_id.clone()?, t)))
        .collect();
    for table in &mut tables {
        table.propagations = props_of
            .get(&table.id)
            .map(|p| {
                p.transit_gateway_route_table_propagations
                    .iter()
                    .map(convert::link)
                    .collect()
            })
            .unwrap_or_default();
        // Associations: the table's own list when captured (as the live reader reads
        // them), else what each attachment says it is associated with.
        if let Some(list) = assocs.as_deref().and_then(|all| {
            all.iter()
                .find(|t| t.transit_gateway_route_table_id.as_deref() == Some(table.id.as_str()))
        }) {
            table.associations = list.associations.iter().map(convert::link).collect();
        } else {
            table.associations = estate
                .attachments
                .iter()
                .filter(|a| {
                    a.association
                        .as_ref()
                        .is_some_and(|x| x.route_table_id == table.id)
                })
                .map(|a| RouteTableLink {
                    attachment_id: a.id.clone(),
                    resource_type: Some(a.kind.clone()),
                    resource_id: a.resource_id.clone(),
                    state: a
                        .association
                        .as_ref()
                        .map(|x| x.state.clone())
                        .unwrap_or_default(),
                })
                .collect();
        }
        if let Some(t) = routes_of.get(&table.id) {
            table.routes = t
                .routes
                .iter()
                .filter_map(|x| convert::tgw_route(x, &table.id, r))
                // A static-only capture may still list propagated routes: they are
                // derived below either way.
                .filter(|x| !derive || x.route_type == RouteType::Static)
                .collect();
            if t.additional_routes_available == Some(true) {
                gaps.push(Gap {
                    part: "tgw routes".into(),
                    error: format!(
                        "{}: the capture says more routes were available than it holds (AdditionalRoutesAvailable)",
                        table.id
                    ),
                });
            }
        }
    }
    estate.tgw_route_tables = tables;
    if derive {
        derive_propagated(&mut estate);
    }
    // Instances, with their SSM status.
    let ssm_of: BTreeMap<String, &s::InstanceInformation> = ssm
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|i| Some((i.instance_id.clone()?, i)))
        .collect();
    estate.instances = reservations
        .iter()
        .flat_map(|x| x.instances.iter().map(move |i| (x.owner_id.as_ref(), i)))
        .map(|(owner, i)| {
            let mut inst = convert::instance(i, r);
            inst.owner_id = owner.cloned();
            inst.ssm = ssm_of.get(&inst.id).map(|info| convert::ssm_status(info));
            inst
        })
        .collect();
    estate.firewalls = firewalls
        .iter()
        .filter_map(|f| convert::firewall(f, r))
        .collect();
    estate.firewall_policies = policies
        .iter()
        .filter_map(|p| convert::policy(p, r))
        .collect();
    estate.rule_groups = groups
        .iter()
        .filter_map(|x| convert::rule_group(x, r))
        .collect();
    estate.prefix_lists = convert::prefix_lists(&managed, &service, &list_entries);
    let unread: Vec<String> = estate
        .prefix_lists_used()
        .into_iter()
        .filter(|id| crate::net::lpm::prefix_list_entries(&estate.prefix_lists, id).is_none())
        .collect();
    if !unread.is_empty() {
        gaps.push(Gap {
            part: "prefix-lists".into(),
            error: format!(
                "the entries of {} are not in the snapshot (PrefixLists.json / PrefixListEntries.json): routes to them are not evaluated",
                unread.join(", ")
            ),
        });
    }
    // A malformed file is always said; a missing one only when a list lacks entries.
    gaps.extend(
        list_gaps
            .into_iter()
            .filter(|g| !unread.is_empty() || !g.error.ends_with("is not in the snapshot")),
    );
    estate.gaps = gaps;
    Ok(Folder {
        account,
        region: estate,
        optional_gaps,
    })
}

/// The propagated routes a static-only capture leaves out, by the simulator's rule.
fn derive_propagated(estate: &mut RegionEstate) {
    let mut found = Vec::new();
    for (ti, table) in estate.tgw_route_tables.iter().enumerate() {
        for link in &table.propagations {
            if link.state != "enabled" {
                continue;
            }
            let Some(att) = estate
                .attachments
                .iter()
                .find(|a| a.id == link.attachment_id)
            else {
                continue;
            };
            for mut route in crate::net::change::derive::propagated_routes(estate, table, att) {
                route.derived = true;
                found.push((ti, route));
            }
        }
    }
    for (ti, route) in found {
        crate::net::change::derive::put_route(&mut estate.tgw_route_tables[ti], route);
    }
}

/// The capture folders under `dir`, each with its region and account when the
/// layout names them.
/// A capture folder, with the region and account its place in the layout names.
type Place = (PathBuf, Option<String>, Option<String>);

fn folders(dir: &Path) -> Result<Vec<Place>, CommandError> {
    let subdirs = |d: &Path| -> Result<Vec<PathBuf>, CommandError> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| io_error("cannot read the snapshot folder", d, &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        out.sort();
        Ok(out)
    };
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut out = Vec::new();
    let accounts = dir.join("accounts");
    if accounts.is_dir() {
        for acct in subdirs(&accounts)? {
            let account = name(&acct);
            if is_capture(&acct) {
                out.push((acct.clone(), None, account.clone()));
            }
            for region in subdirs(&acct)? {
                if is_capture(&region) {
                    out.push((region.clone(), name(&region), account.clone()));
                }
            }
        }
    } else {
        for region in subdirs(dir)? {
            if is_capture(&region) && name(&region).is_some_and(|n| looks_like_region(&n)) {
                out.push((region.clone(), name(&region), None));
            }
        }
        if is_capture(dir) {
            out.push((dir.to_path_buf(), None, None));
        }
    }
    if out.is_empty() {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            format!(
                "{} holds no snapshot: expected AWS CLI JSON files such as Vpcs.json or TransitGateways.json, flat or under <region>/ or accounts/<account-id>/<region>/",
                dir.display()
            ),
        ));
    }
    Ok(out)
}

/// TGW peerings known only from their attachments (no `TransitGatewayPeeringAttachments.json`):
/// the two regions' attachment records of one id make one peering. Which side asked
/// is not in those records; the first region by name is taken as the requester.
fn pair_peerings(regions: &mut BTreeMap<String, RegionEstate>) {
    let known: BTreeSet<String> = regions
        .values()
        .flat_map(|r| r.peerings.iter().map(|p| p.id.clone()))
        .collect();
    let mut sides: BTreeMap<String, Vec<(String, crate::model::TgwAttachment)>> = BTreeMap::new();
    for r in regions.values() {
        for a in r
            .attachments
            .iter()
            .filter(|a| a.kind == AttachmentKind::Peering)
        {
            if !known.contains(&a.id) {
                sides
                    .entry(a.id.clone())
                    .or_default()
                    .push((r.region.clone(), a.clone()));
            }
        }
    }
    for (id, found) in sides {
        let [(ra, a), (rb, b)] = found.as_slice() else {
            continue;
        };
        let side = |region: &str, att: &crate::model::TgwAttachment| PeeringSide {
            tgw_id: att.tgw_id.clone(),
            region: region.to_string(),
            account_id: att.tgw_owner_id.clone().unwrap_or_default(),
        };
        let peering = Peering {
            id: id.clone(),
            region: String::new(),
            name: a.name.clone().or_else(|| b.name.clone()),
            state: a.state.clone(),
            status_message: None,
            requester: side(ra, a),
            accepter: side(rb, b),
            tags: BTreeMap::new(),
        };
        for region in [ra, rb] {
            if let Some(r) = regions.get_mut(region) {
                r.peerings.push(Peering {
                    region: region.clone(),
                    ..peering.clone()
                });
            }
        }
    }
}

/// Opens the snapshot in `dir`.
///
/// # Errors
/// The folder cannot be read, holds no capture, or a flat capture's region cannot be
/// told. A missing or malformed file is not an error: it is a gap of its region.
pub fn open(dir: &Path, hints: &Hints) -> Result<Snapshot, CommandError> {
    let manifest = std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<Manifest>(&t).ok());
    let mut regions: BTreeMap<String, RegionEstate> = BTreeMap::new();
    let mut optional_gaps: BTreeMap<String, Vec<Gap>> = BTreeMap::new();
    let mut accounts: Vec<String> = Vec::new();
    for (path, region, account) in folders(dir)? {
        let mut folder = read_folder(&path, region.as_deref(), account.as_deref(), hints)?;
        let name = folder.region.region.clone();
        // Parts not read when the snapshot was taken: their gaps as recorded then,
        // not "not in the snapshot".
        let unread: Vec<&NotRead> = manifest
            .iter()
            .flat_map(|m| &m.not_read)
            .filter(|n| n.region == name)
            .collect();
        if !unread.is_empty() {
            let known = |g: &Gap| unread.iter().any(|n| n.part == g.part);
            folder.region.gaps.retain(|g| !known(g));
            folder.optional_gaps.retain(|g| !known(g));
            for n in unread {
                let gap = Gap {
                    part: n.part.clone(),
                    error: n.error.clone(),
                };
                if is_optional(&n.part) {
                    folder.optional_gaps.push(gap);
                } else {
                    folder.region.gaps.push(gap);
                }
            }
        }
        if let Some(a) = &folder.account
            && !accounts.contains(a)
        {
            accounts.push(a.clone());
        }
        let og = optional_gaps.entry(name.clone()).or_default();
        for gap in folder.optional_gaps {
            if !og.contains(&gap) {
                og.push(gap);
            }
        }
        match regions.get_mut(&name) {
            Some(into) => {
                crate::model::merge::merge_region(into, folder.region, folder.account.as_deref())
            }
            None => {
                regions.insert(name, folder.region);
            }
        }
    }
    pair_peerings(&mut regions);
    let account = hints
        .account
        .clone()
        .or_else(|| manifest.as_ref().and_then(|m| m.accounts.first().cloned()))
        .or_else(|| accounts.first().cloned())
        .map(|id| Account { id, alias: None });
    Ok(Snapshot {
        account,
        regions,
        optional_gaps,
        manifest,
        dir: dir.to_path_buf(),
    })
}

impl Snapshot {
    /// The snapshot as an estate, every region loaded (its optional parts' gaps
    /// with the rest), as a full read of it would give.
    #[must_use]
    pub fn into_estate(self) -> Estate {
        let mut optional_gaps = self.optional_gaps;
        Estate {
            account: self.account,
            regions: self
                .regions
                .into_iter()
                .map(|(name, mut r)| {
                    r.gaps
                        .extend(optional_gaps.remove(&name).unwrap_or_default());
                    (
                        name,
                        crate::model::RegionLoad::Loaded {
                            estate: Box::new(r),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// What `snapshot save` writes beside the files.
#[derive(Debug, Clone, Default)]
pub struct SaveInfo {
    pub taken_at: String,
    pub profile: String,
}

/// What a save wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub dir: String,
    pub files: usize,
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
}

fn write_file_list<T: Serialize>(
    dir: &Path,
    file: &str,
    key: &str,
    list: &[T],
) -> Result<(), CommandError> {
    let mut doc = serde_json::Map::new();
    doc.insert(
        key.to_string(),
        serde_json::to_value(list)
            .map_err(|e| CommandError::new(ErrorKind::Other, e.to_string()))?,
    );
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
        .map_err(|e| CommandError::new(ErrorKind::Other, e.to_string()))?;
    text.push('\n');
    let path = dir.join(format!("{file}.json"));
    std::fs::write(&path, text).map_err(|e| io_error("cannot write", &path, &e))
}

/// The files of one region, in the layout [`open`] reads.
/// Writes one list, unless its part was not read and the list is empty (then the
/// file is left out: what was read is written, what was not is not made up). Answers
/// whether it wrote.
fn put<T: Serialize>(
    unread: &BTreeSet<&str>,
    dir: &Path,
    key: &str,
    list: &[T],
) -> Result<bool, CommandError> {
    put_as(unread, dir, key, key, list)
}

/// [`put`] into a file not named by its list.
fn put_as<T: Serialize>(
    unread: &BTreeSet<&str>,
    dir: &Path,
    file: &str,
    key: &str,
    list: &[T],
) -> Result<bool, CommandError> {
    if unread.contains(file) && list.is_empty() {
        let _ = std::fs::remove_file(dir.join(format!("{file}.json")));
        return Ok(false);
    }
    write_file_list(dir, file, key, list).map(|()| true)
}

fn write_region(dir: &Path, r: &RegionEstate) -> Result<usize, CommandError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, &e))?;
    // The files of parts that were not read are left out (the manifest says why).
    let unread: BTreeSet<&str> = r
        .gaps
        .iter()
        .filter_map(|g| PARTS.iter().find(|(p, _)| *p == g.part))
        .flat_map(|(_, files)| files.iter().copied())
        .collect();
    let mut files = 0;
    let mut w = |key: &str, result: Result<bool, CommandError>| {
        if matches!(result, Ok(true)) {
            files += 1;
        }
        result
            .map(|_| ())
            .map_err(|e| CommandError::new(e.kind, format!("{key}: {}", e.message)))
    };
    let tgws: Vec<_> = r.tgws.iter().map(convert::tgw_shape).collect();
    w(
        "TransitGateways",
        put(&unread, dir, "TransitGateways", &tgws),
    )?;
    let tables: Vec<_> = r
        .tgw_route_tables
        .iter()
        .map(convert::route_table_shape)
        .collect();
    w(
        "TransitGatewayRouteTables",
        put(&unread, dir, "TransitGatewayRouteTables", &tables),
    )?;
    let atts: Vec<_> = r
        .attachments
        .iter()
        .map(convert::attachment_shape)
        .collect();
    w(
        "TransitGatewayAttachments",
        put(&unread, dir, "TransitGatewayAttachments", &atts),
    )?;
    // Every attachment the read had VPC-attachment details for (moto lists peering
    // attachments there too): what was read is what is written.
    let vpc_atts: Vec<_> = r
        .attachments
        .iter()
        .filter(|a| a.kind == AttachmentKind::Vpc || a.appliance_mode.is_some())
        .map(convert::vpc_attachment_shape)
        .collect();
    w(
        "TransitGatewayVpcAttachments",
        put(&unread, dir, "TransitGatewayVpcAttachments", &vpc_atts),
    )?;
    let peerings: Vec<_> = r.peerings.iter().map(convert::peering_shape).collect();
    w(
        "TransitGatewayPeeringAttachments",
        put(&unread, dir, "TransitGatewayPeeringAttachments", &peerings),
    )?;
    let routes: Vec<s::TableRoutes> = r
        .tgw_route_tables
        .iter()
        .map(|t| s::TableRoutes {
            transit_gateway_route_table_id: Some(t.id.clone()),
            routes: t.routes.iter().map(convert::tgw_route_shape).collect(),
            additional_routes_available: Some(false),
        })
        .collect();
    w(
        "TransitGatewayRoutes",
        put(&unread, dir, "TransitGatewayRoutes", &routes),
    )?;
    let props: Vec<s::TablePropagations> = r
        .tgw_route_tables
        .iter()
        .map(|t| s::TablePropagations {
            transit_gateway_route_table_id: Some(t.id.clone()),
            transit_gateway_route_table_propagations: t
                .propagations
                .iter()
                .map(convert::link_shape)
                .collect(),
        })
        .collect();
    w(
        "TransitGatewayPropagations",
        put(&unread, dir, "TransitGatewayPropagations", &props),
    )?;
    let assocs: Vec<s::TableAssociations> = r
        .tgw_route_tables
        .iter()
        .map(|t| s::TableAssociations {
            transit_gateway_route_table_id: Some(t.id.clone()),
            associations: t.associations.iter().map(convert::link_shape).collect(),
        })
        .collect();
    w(
        "TransitGatewayAssociations",
        put(&unread, dir, "TransitGatewayAssociations", &assocs),
    )?;
    macro_rules! list {
        ($key:literal, $items:expr, $f:expr) => {{
            let v: Vec<_> = $items.iter().map($f).collect();
            w($key, put(&unread, dir, $key, &v))?;
        }};
    }
    list!("Vpcs", r.vpcs, convert::vpc_shape);
    list!("Subnets", r.subnets, convert::subnet_shape);
    list!(
        "RouteTables",
        r.vpc_route_tables,
        convert::vpc_route_table_shape
    );
    list!("InternetGateways", r.internet_gateways, convert::igw_shape);
    list!("NatGateways", r.nat_gateways, convert::nat_shape);
    list!("VpcEndpoints", r.vpc_endpoints, convert::endpoint_shape);
    list!(
        "VpcPeeringConnections",
        r.vpc_peerings,
        convert::vpc_peering_shape
    );
    list!("NetworkAcls", r.network_acls, convert::network_acl_shape);
    list!(
        "SecurityGroups",
        r.security_groups,
        convert::security_group_shape
    );
    list!(
        "NetworkInterfaces",
        r.network_interfaces,
        convert::eni_shape
    );
    // One reservation per owner, in the order owners first appear.
    let mut reservations: Vec<s::Reservation> = Vec::new();
    for i in &r.instances {
        let shape = convert::instance_shape(i);
        match reservations.iter_mut().find(|x| x.owner_id == i.owner_id) {
            Some(x) => x.instances.push(shape),
            None => reservations.push(s::Reservation {
                owner_id: i.owner_id.clone(),
                instances: vec![shape],
            }),
        }
    }
    w(
        "Reservations",
        put(&unread, dir, "Reservations", &reservations),
    )?;
    let ssm: Vec<_> = r.instances.iter().filter_map(convert::ssm_shape).collect();
    w(
        "InstanceInformationList",
        put(&unread, dir, "InstanceInformationList", &ssm),
    )?;
    list!("Firewalls", r.firewalls, convert::firewall_shape);
    list!(
        "FirewallPolicies",
        r.firewall_policies,
        convert::policy_shape
    );
    list!("RuleGroups", r.rule_groups, convert::rule_group_shape);
    let (managed, service, entries) = convert::prefix_list_shapes(&r.prefix_lists);
    w(
        "ManagedPrefixLists",
        put_as(&unread, dir, "ManagedPrefixLists", "PrefixLists", &managed),
    )?;
    w("PrefixLists", put(&unread, dir, "PrefixLists", &service))?;
    w(
        "PrefixListEntries",
        put(&unread, dir, "PrefixListEntries", &entries),
    )?;
    Ok(files)
}

/// Writes `estate` to `dir` as a snapshot: one folder per region (under
/// `accounts/<id>/` when the account is known), the files [`open`] reads, all TGW
/// routes in `TransitGatewayRoutes.json`, and a [`MANIFEST`]. Regions that did not
/// load are named in the manifest, not written.
///
/// # Errors
/// A file or folder cannot be written.
pub fn save(estate: &Estate, dir: &Path, info: &SaveInfo) -> Result<Saved, CommandError> {
    let reader = estate.account.as_ref().map(|a| a.id.clone());
    let base = |account: Option<&str>| match account {
        Some(a) => dir.join("accounts").join(a),
        None => dir.to_path_buf(),
    };
    // An estate over several accounts is written as each account sees what it owns:
    // one folder per owner (opening merges them back).
    let (owners, _) = estate.accounts();
    let split = owners.len() > 1;
    let mut files = 0;
    let mut regions = Vec::new();
    let mut not_read = Vec::new();
    let mut written_accounts = std::collections::BTreeSet::new();
    for (name, load) in &estate.regions {
        match load {
            crate::model::RegionLoad::Loaded { estate: r } => {
                if split {
                    for (owner, part) in split_by_owner(r, reader.as_deref().unwrap_or_default()) {
                        files += write_region(&base(Some(&owner)).join(name), &part)?;
                        written_accounts.insert(owner);
                    }
                } else {
                    files += write_region(&base(reader.as_deref()).join(name), r)?;
                }
                regions.push(name.clone());
                not_read.extend(r.gaps.iter().map(|g| NotRead {
                    region: name.clone(),
                    part: g.part.clone(),
                    error: g.error.clone(),
                }));
            }
            other => not_read.push(NotRead {
                region: name.clone(),
                part: "region".into(),
                error: region_load_word(other),
            }),
        }
    }
    let accounts: Vec<String> = if split {
        written_accounts.into_iter().collect()
    } else {
        estate.account.iter().map(|a| a.id.clone()).collect()
    };
    let manifest = Manifest {
        taken_at: info.taken_at.clone(),
        profile: info.profile.clone(),
        accounts: accounts.clone(),
        regions: regions.clone(),
        netops_version: env!("CARGO_PKG_VERSION").to_string(),
        not_read,
    };
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| CommandError::new(ErrorKind::Other, e.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| io_error("cannot write", &path, &e))?;
    Ok(Saved {
        dir: dir.display().to_string(),
        files: files + 1,
        regions,
        accounts,
    })
}

/// One region of an estate over several accounts, split by owner: each object in the
/// folder of the account that owns it (a TGW's tables and attachments with the TGW, a
/// VPC's subnets, tables, gateways and firewalls with the VPC, an instance, interface
/// or group with its own owner when read). What names no owner, and the region's
/// gaps, go with `reader`, the account the estate was read as.
fn split_by_owner(r: &RegionEstate, reader: &str) -> BTreeMap<String, RegionEstate> {
    let or_reader = |o: Option<&str>| {
        o.filter(|o| !o.is_empty() && *o != "AWS")
            .unwrap_or(reader)
            .to_string()
    };
    let tgw_owner: BTreeMap<&str, String> = r
        .tgws
        .iter()
        .map(|t| (t.id.as_str(), or_reader(Some(&t.owner_id))))
        .collect();
    let vpc_owner: BTreeMap<&str, String> = r
        .vpcs
        .iter()
        .map(|v| (v.id.as_str(), or_reader(Some(&v.owner_id))))
        .collect();
    let of_tgw = |id: &str| {
        tgw_owner
            .get(id)
            .cloned()
            .unwrap_or_else(|| reader.to_string())
    };
    let of_vpc = |id: &str| {
        vpc_owner
            .get(id)
            .cloned()
            .unwrap_or_else(|| reader.to_string())
    };
    let mut out: BTreeMap<String, RegionEstate> = BTreeMap::new();
    for x in &r.tgws {
        folder_of(&mut out, &r.region, of_tgw(&x.id))
            .tgws
            .push(x.clone());
    }
    for x in &r.tgw_route_tables {
        folder_of(&mut out, &r.region, of_tgw(&x.tgw_id))
            .tgw_route_tables
            .push(x.clone());
    }
    for x in &r.attachments {
        folder_of(&mut out, &r.region, of_tgw(&x.tgw_id))
            .attachments
            .push(x.clone());
    }
    for x in &r.peerings {
        let side = if x.requester.region == r.region {
            &x.requester
        } else {
            &x.accepter
        };
        folder_of(&mut out, &r.region, or_reader(Some(&side.account_id)))
            .peerings
            .push(x.clone());
    }
    for x in &r.vpcs {
        folder_of(&mut out, &r.region, of_vpc(&x.id))
            .vpcs
            .push(x.clone());
    }
    for x in &r.subnets {
        let o = x.owner_id.clone().unwrap_or_else(|| of_vpc(&x.vpc_id));
        folder_of(&mut out, &r.region, o).subnets.push(x.clone());
    }
    for x in &r.vpc_route_tables {
        let o = x.owner_id.clone().unwrap_or_else(|| of_vpc(&x.vpc_id));
        folder_of(&mut out, &r.region, o)
            .vpc_route_tables
            .push(x.clone());
    }
    for x in &r.internet_gateways {
        let o = x
            .vpc_ids
            .first()
            .map_or_else(|| reader.to_string(), |v| of_vpc(v));
        folder_of(&mut out, &r.region, o)
            .internet_gateways
            .push(x.clone());
    }
    for x in &r.nat_gateways {
        folder_of(&mut out, &r.region, of_vpc(&x.vpc_id))
            .nat_gateways
            .push(x.clone());
    }
    for x in &r.vpc_endpoints {
        folder_of(&mut out, &r.region, of_vpc(&x.vpc_id))
            .vpc_endpoints
            .push(x.clone());
    }
    for x in &r.network_acls {
        folder_of(&mut out, &r.region, of_vpc(&x.vpc_id))
            .network_acls
            .push(x.clone());
    }
    for x in &r.vpc_peerings {
        folder_of(&mut out, &r.region, of_vpc(&x.requester.vpc_id))
            .vpc_peerings
            .push(x.clone());
    }
    for x in &r.firewalls {
        let o = of_vpc(&x.vpc_id);
        for p in r.firewall_policies.iter().filter(|p| p.arn == x.policy_arn) {
            let groups: Vec<&str> = p
                .stateful_rule_groups
                .iter()
                .chain(p.stateless_rule_groups.iter())
                .map(|g| g.arn.as_str())
                .collect();
            let folder = folder_of(&mut out, &r.region, o.clone());
            if !folder.firewall_policies.iter().any(|q| q.arn == p.arn) {
                folder.firewall_policies.push(p.clone());
            }
            for g in r
                .rule_groups
                .iter()
                .filter(|g| groups.contains(&g.arn.as_str()))
            {
                if !folder.rule_groups.iter().any(|q| q.arn == g.arn) {
                    folder.rule_groups.push(g.clone());
                }
            }
        }
        folder_of(&mut out, &r.region, o).firewalls.push(x.clone());
    }
    // Policies and groups no firewall uses: the reader's.
    let placed: std::collections::HashSet<String> = out
        .values()
        .flat_map(|f| {
            f.firewall_policies
                .iter()
                .map(|p| p.arn.clone())
                .chain(f.rule_groups.iter().map(|g| g.arn.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for p in r
        .firewall_policies
        .iter()
        .filter(|p| !placed.contains(&p.arn))
    {
        folder_of(&mut out, &r.region, reader.to_string())
            .firewall_policies
            .push(p.clone());
    }
    for g in r.rule_groups.iter().filter(|g| !placed.contains(&g.arn)) {
        folder_of(&mut out, &r.region, reader.to_string())
            .rule_groups
            .push(g.clone());
    }
    for x in &r.instances {
        let o = x
            .owner_id
            .clone()
            .or_else(|| x.vpc_id.as_deref().map(&of_vpc))
            .unwrap_or_else(|| reader.to_string());
        folder_of(&mut out, &r.region, o).instances.push(x.clone());
    }
    for x in &r.network_interfaces {
        let o = x.owner_id.clone().unwrap_or_else(|| of_vpc(&x.vpc_id));
        folder_of(&mut out, &r.region, o)
            .network_interfaces
            .push(x.clone());
    }
    for x in &r.security_groups {
        let o = x.owner_id.clone().unwrap_or_else(|| of_vpc(&x.vpc_id));
        folder_of(&mut out, &r.region, o)
            .security_groups
            .push(x.clone());
    }
    for x in &r.prefix_lists {
        folder_of(&mut out, &r.region, or_reader(x.owner_id.as_deref()))
            .prefix_lists
            .push(x.clone());
    }
    folder_of(&mut out, &r.region, reader.to_string())
        .gaps
        .clone_from(&r.gaps);
    out
}

/// The folder of `owner` in a split region, made on first use.
fn folder_of<'m>(
    out: &'m mut BTreeMap<String, RegionEstate>,
    region: &str,
    owner: String,
) -> &'m mut RegionEstate {
    out.entry(owner)
        .or_insert_with(|| RegionEstate::new(region))
}

fn region_load_word(load: &crate::model::RegionLoad) -> String {
    match load {
        crate::model::RegionLoad::Failed { error } => error.message.clone(),
        _ => "not read".to_string(),
    }
}

#[cfg(test)]
mod tests;
