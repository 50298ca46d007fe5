//! `find IP|CIDR|ID|NAME`: "who is 10.42.7.19?", across every loaded account and
//! region.
//!
//! - An address: what holds it (instance, interface, NAT gateway — private IP, public
//!   IP or Elastic IP —, the endpoint or attachment an interface belongs to, the
//!   subnet whose CIDR contains it), the VPC CIDRs containing it, and how each route
//!   table that may route towards it decides: the tables of the VPCs holding it and
//!   every TGW route table, each decision asked of [`Net::vpc_lookup`] /
//!   [`Net::tgw_lookup`] (the one longest-prefix engine), routes to prefix lists not
//!   evaluated said so.
//! - A CIDR: the subnets and VPC CIDRs overlapping it, and the routes of every table
//!   whose destination is it, lies inside it or covers it.
//! - An id (or its first six or more characters after the dash): what it is, where.
//! - Anything else: objects whose name contains it, ignoring case.
//!
//! Every question is answered from the estate index ([`crate::net::index`]): built
//! once per estate version, so an answer costs lookups, not a pass over the estate.
//! Ambiguity is an answer (every match is listed, up to [`LIMIT`] per section with
//! the rest counted); nothing at all is [`ErrorKind::NotFound`].

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Value, json};

use super::{CommandError, Section, opt};
use crate::error::ErrorKind;
use crate::model::{Destination, Estate, Vpc};
use crate::net::Net;
use crate::net::index::{Found, FoundKind, Holding, Overlap, RouteHit, TableRef, overlap_of};
use crate::net::lpm::{TgwOutcome, VpcOutcome, VpcRouteRef};

/// Rows listed per section; the rest are counted (`omitted`).
pub const LIMIT: usize = 200;

/// What `find` was asked, as its argument reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindQuery {
    Address(IpAddr),
    Cidr(IpNet),
    /// An AWS id (lower-cased), or its beginning.
    Id(String),
    /// Part of a name.
    Name(String),
}

/// AWS id prefixes, longest first (`tgw-attach-` before `tgw-`).
const ID_PREFIXES: &[&str] = &[
    "tgw-attach-",
    "tgw-rtb-",
    "eipalloc-",
    "subnet-",
    "vpce-",
    "eigw-",
    "dxgw-",
    "tgw-",
    "vpc-",
    "rtb-",
    "eni-",
    "nat-",
    "igw-",
    "acl-",
    "pcx-",
    "vgw-",
    "cgw-",
    "vpn-",
    "pl-",
    "sg-",
    "i-",
];

/// The characters an id prefix needs after its dash to be searched as a prefix.
pub const ID_PREFIX_MIN: usize = 6;

/// `(prefix, rest)` when `text` reads as an AWS id: a known prefix, then lower-case
/// letters and digits.
fn id_shape(text: &str) -> Option<(&'static str, &str)> {
    ID_PREFIXES.iter().find_map(|p| {
        let rest = text.strip_prefix(p)?;
        (!rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        .then_some((*p, rest))
    })
}

impl FindQuery {
    /// Reads `find`'s argument; refuses what cannot be looked for, before anything runs.
    ///
    /// # Errors
    /// An empty argument, a malformed address or CIDR (`10.0.0.0/33`, `10.0.0.256`),
    /// a CIDR with host bits (the network is named), more than 256 characters.
    pub fn parse(text: &str) -> Result<Self, CommandError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(CommandError::invalid(
                "`find` needs something to look for: an IP address (10.42.7.19), a CIDR (10.42.0.0/16), an id (i-0abc…, or its first 6 characters after the dash) or part of a name",
            ));
        }
        if t.chars().count() > 256 {
            return Err(CommandError::invalid(format!(
                "`{}` is too long to be an address, CIDR, id or name (at most 256 characters)",
                crate::text::quote(t)
            )));
        }
        if let Ok(addr) = t.parse::<IpAddr>() {
            return Ok(Self::Address(addr));
        }
        if let Some((addr, len)) = t.split_once('/')
            && looks_like_address(addr)
        {
            let ip: IpAddr = addr.parse().map_err(|_| {
                CommandError::invalid(format!(
                    "`{}` is not a CIDR: `{}` is not an IP address",
                    crate::text::quote(t),
                    crate::text::quote(addr)
                ))
            })?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            match len.parse::<u8>() {
                Ok(n) if n <= max => {}
                _ => {
                    return Err(CommandError::invalid(format!(
                        "`{}` is not a CIDR: the prefix length must be 0 to {max} (like {})",
                        crate::text::quote(t),
                        if ip.is_ipv4() {
                            "10.42.0.0/16"
                        } else {
                            "2001:db8::/32"
                        }
                    )));
                }
            }
            return crate::plan::canonical_cidr(t).map(Self::Cidr);
        }
        if looks_like_address(t) {
            return Err(CommandError::invalid(format!(
                "`{}` is not an IP address (like 10.42.7.19; no leading zeros)",
                crate::text::quote(t)
            )));
        }
        // An ARN: its last part is the id (EC2) or the name (Network Firewall).
        if let Some(tail) = t
            .strip_prefix("arn:")
            .and_then(|rest| rest.rsplit(['/', ':']).next())
            .filter(|tail| !tail.is_empty())
        {
            return Self::parse(tail);
        }
        let lower = t.to_ascii_lowercase();
        if id_shape(&lower).is_some() {
            return Ok(Self::Id(lower));
        }
        Ok(Self::Name(t.to_string()))
    }
}

/// A typed address (dotted digits, or IPv6 hex and colons): refused when it does not
/// parse rather than looked for as a name.
fn looks_like_address(text: &str) -> bool {
    let v4 = text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().filter(|c| *c == '.').count() == 3;
    let v6 = text.contains(':')
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    v4 || v6
}

/// Answers `find TEXT`.
///
/// # Errors
/// Input refused ([`FindQuery::parse`]), or nothing found in the loaded regions.
pub fn find(net: &Net<'_>, text: &str) -> Result<(Vec<Section>, Value), CommandError> {
    let query = FindQuery::parse(text)?;
    let answer = match &query {
        FindQuery::Address(addr) => address(net, *addr),
        FindQuery::Cidr(cidr) => prefix(net, *cidr),
        FindQuery::Id(id) => by_id(net, id),
        FindQuery::Name(name) => by_name(net, name),
    };
    if answer.is_empty() {
        return Err(nothing_found(&query, text, net));
    }
    Ok(answer.render(net, text.trim(), &query))
}

/// An object found, and how it matched.
struct Match<'a> {
    found: Found<'a>,
    how: String,
}

/// One route table's decision for an address, or one route overlapping a CIDR.
struct RouteRow<'a> {
    table: TableRef<'a>,
    /// The VPC or TGW the table belongs to, and its name.
    of: (String, Option<String>),
    /// `forward`, `blackhole` or `no_route` (an address); the route's state (a CIDR).
    result: String,
    destination: Option<String>,
    prefix_list: Option<String>,
    overlap: Option<Overlap>,
    route_type: Option<String>,
    /// Target id and what it leads to.
    targets: Vec<(String, String)>,
}

/// A VPC CIDR block found.
struct CidrRow<'a> {
    vpc: &'a Vpc,
    cidr: IpNet,
    relation: Overlap,
}

/// A route to a prefix list whose entries were not read.
struct NotEvaluated<'a> {
    table: TableRef<'a>,
    prefix_list: String,
}

#[derive(Default)]
struct Answer<'a> {
    /// `as` in JSON: `address`, `cidr`, `id`, `id_prefix` or `name`.
    read_as: &'static str,
    objects: Vec<Match<'a>>,
    cidrs: Vec<CidrRow<'a>>,
    routes: Vec<RouteRow<'a>>,
    not_evaluated: Vec<NotEvaluated<'a>>,
    /// Whether some route decided something (an address outside every VPC is still
    /// routed somewhere, or dropped by a blackhole).
    routed: bool,
    /// Matches past [`LIMIT`] counted, not laid out (a supernet matches every route):
    /// objects, VPC CIDRs, routes.
    uncounted: [usize; 3],
}

impl Answer<'_> {
    fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.cidrs.is_empty() && !self.routed
    }

    /// How many objects, VPC CIDRs and routes are left out of the answer.
    fn omitted(&self) -> [usize; 3] {
        [
            self.uncounted[0] + self.objects.len().saturating_sub(LIMIT),
            self.uncounted[1] + self.cidrs.len().saturating_sub(LIMIT),
            self.uncounted[2] + self.routes.len().saturating_sub(LIMIT),
        ]
    }
}

fn address<'a>(net: &Net<'a>, addr: IpAddr) -> Answer<'a> {
    let mut objects: Vec<Match<'_>> = Vec::new();
    let seen = |objects: &Vec<Match<'_>>, f: &Found<'_>| {
        objects.iter().any(|m| {
            m.found.kind() == f.kind() && m.found.id() == f.id() && m.found.region() == f.region()
        })
    };
    let holders = net.address_holders(addr);
    for (found, holding) in &holders {
        let how = match (holding, found) {
            (Holding::PrivateIp, _) => "private IP".to_string(),
            (Holding::PublicIp, Found::NatGateway(_)) => "Elastic IP".to_string(),
            (Holding::PublicIp, _) => "public IP".to_string(),
        };
        objects.push(Match { found: *found, how });
    }
    // What an interface belongs to: its instance, or the endpoint, NAT gateway or TGW
    // attachment its description names (AWS writes "VPC Endpoint Interface vpce-…").
    for (found, _) in &holders {
        let Found::NetworkInterface(eni) = found else {
            continue;
        };
        let owners = eni.instance_id.iter().map(String::as_str).chain(
            eni.description
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'))
                .filter(|w| {
                    ["vpce-", "nat-", "tgw-attach-", "i-"]
                        .iter()
                        .any(|p| w.starts_with(p))
                }),
        );
        for id in owners {
            for owner in net.objects_with_id(id) {
                if owner.region() == eni.region && !seen(&objects, &owner) {
                    objects.push(Match {
                        found: owner,
                        how: format!("through its interface {}", eni.id),
                    });
                }
            }
        }
    }
    for s in net.subnets_containing(addr) {
        objects.push(Match {
            found: Found::Subnet(s),
            how: format!(
                "{} contains it",
                s.cidr
                    .map_or_else(|| "its CIDR".to_string(), |c| c.to_string())
            ),
        });
    }
    let containing = net.vpcs_containing(addr);
    let cidrs: Vec<CidrRow<'_>> = containing
        .iter()
        .flat_map(|v| {
            v.cidr_blocks
                .iter()
                .filter(|c| c.contains(&addr))
                .map(|c| CidrRow {
                    vpc: v,
                    cidr: *c,
                    relation: Overlap::Covers,
                })
        })
        .collect();
    // The tables of every VPC that holds it (its CIDR, or an object with the address
    // such as a NAT gateway's Elastic IP), then every TGW route table.
    let mut vpcs: Vec<&Vpc> = containing;
    for m in &objects {
        if let Some(v) = m
            .found
            .vpc_id()
            .and_then(|id| net.vpc_in(m.found.region(), id))
            && !vpcs.iter().any(|x| std::ptr::eq(*x, v))
        {
            vpcs.push(v);
        }
    }
    let mut routes = Vec::new();
    let mut not_evaluated = Vec::new();
    for vpc in &vpcs {
        for table in net.vpc_route_tables_of(vpc) {
            let decision = net.vpc_lookup(table, addr);
            let mut row = RouteRow {
                table: TableRef::Vpc(table),
                of: (vpc.id.clone(), vpc.name.clone()),
                result: String::new(),
                destination: None,
                prefix_list: None,
                overlap: None,
                route_type: None,
                targets: Vec::new(),
            };
            let route_words = |prefix: IpNet, route: &VpcRouteRef<'_>| match route {
                VpcRouteRef::ImplicitLocal { cidr } => (format!("{cidr} (implicit local)"), None),
                VpcRouteRef::Table { route, .. } => match &route.destination {
                    Destination::PrefixList(pl) => {
                        (format!("{pl} (entry {prefix})"), Some(pl.clone()))
                    }
                    Destination::Cidr(c) => (c.to_string(), None),
                },
            };
            match &decision.outcome {
                VpcOutcome::Forward { prefix, route } => {
                    let (dest, pl) = route_words(*prefix, route);
                    row.result = "forward".into();
                    row.destination = Some(dest);
                    row.prefix_list = pl;
                    row.targets.push((
                        route.target().to_string(),
                        net.vpc_target_leads_to(vpc, route.target()).describe(),
                    ));
                }
                VpcOutcome::Blackhole { prefix, route } => {
                    let (dest, pl) = route_words(*prefix, route);
                    row.result = "blackhole".into();
                    row.destination = Some(dest);
                    row.prefix_list = pl;
                    row.targets
                        .push((route.target().to_string(), "(dropped: blackhole)".into()));
                }
                VpcOutcome::NoRoute => row.result = "no_route".into(),
            }
            for r in &decision.prefix_list_routes {
                if let Destination::PrefixList(pl) = &r.destination {
                    not_evaluated.push(NotEvaluated {
                        table: TableRef::Vpc(table),
                        prefix_list: pl.clone(),
                    });
                }
            }
            routes.push(row);
        }
    }
    for region in net.regions() {
        for table in &region.tgw_route_tables {
            let decision = net.tgw_lookup(table, addr);
            let tgw = net.tgw_in(&table.region, &table.tgw_id);
            let mut row = RouteRow {
                table: TableRef::Tgw(table),
                of: (table.tgw_id.clone(), tgw.and_then(|t| t.name.clone())),
                result: String::new(),
                destination: None,
                prefix_list: None,
                overlap: None,
                route_type: None,
                targets: Vec::new(),
            };
            let words = |prefix: &IpNet, route: &crate::model::TgwRoute| match (
                &route.destination,
                &route.prefix_list_id,
            ) {
                (Destination::PrefixList(pl), _) | (_, Some(pl)) => {
                    (format!("{pl} (entry {prefix})"), Some(pl.clone()))
                }
                (Destination::Cidr(c), None) => (c.to_string(), None),
            };
            match &decision.outcome {
                TgwOutcome::Forward {
                    prefix,
                    routes: winners,
                    targets,
                } => {
                    let first = winners.first();
                    if let Some(r) = first {
                        let (dest, pl) = words(prefix, r);
                        row.destination = Some(dest);
                        row.prefix_list = pl;
                        row.route_type = Some(r.route_type.to_string());
                    }
                    row.result = "forward".into();
                    row.targets = targets
                        .iter()
                        .map(|t| {
                            (
                                t.attachment_id.clone(),
                                net.tgw_target_leads_to(&table.region, t).describe(),
                            )
                        })
                        .collect();
                }
                TgwOutcome::Blackhole { prefix, route } => {
                    let (dest, pl) = words(prefix, route);
                    row.result = "blackhole".into();
                    row.destination = Some(dest);
                    row.prefix_list = pl;
                    row.route_type = Some(route.route_type.to_string());
                }
                TgwOutcome::NoRoute => row.result = "no_route".into(),
            }
            for r in &decision.prefix_list_routes {
                if let Destination::PrefixList(pl) = &r.destination {
                    not_evaluated.push(NotEvaluated {
                        table: TableRef::Tgw(table),
                        prefix_list: pl.clone(),
                    });
                }
            }
            routes.push(row);
        }
    }
    let routed = routes.iter().any(|r| r.result != "no_route");
    Answer {
        read_as: "address",
        objects,
        cidrs,
        routes,
        not_evaluated,
        routed,
        uncounted: [0; 3],
    }
}

fn overlap_words(o: Overlap) -> &'static str {
    match o {
        Overlap::Same => "same prefix",
        Overlap::Inside => "inside it",
        Overlap::Covers => "contains it",
    }
}

fn prefix<'a>(net: &Net<'a>, cidr: IpNet) -> Answer<'a> {
    let subnets = net.subnets_overlapping(cidr);
    let blocks = net.vpc_cidrs_overlapping(cidr);
    let (hits, total_routes) = net.routes_overlapping(cidr, LIMIT);
    let objects = subnets
        .iter()
        .take(LIMIT)
        .map(|s| {
            let block = s.cidr.unwrap_or(cidr);
            Match {
                found: Found::Subnet(s),
                how: format!("{block} {}", overlap_words(overlap_of(block, cidr))),
            }
        })
        .collect();
    let cidrs = blocks
        .iter()
        .take(LIMIT)
        .map(|(vpc, block)| CidrRow {
            vpc,
            cidr: *block,
            relation: overlap_of(*block, cidr),
        })
        .collect();
    let routes: Vec<RouteRow<'_>> = hits.iter().filter_map(|hit| route_row(net, *hit)).collect();
    let not_evaluated = net
        .routes_not_evaluated()
        .into_iter()
        .filter_map(|(table, i)| {
            let dest = match table {
                TableRef::Tgw(t) => &t.routes.get(i)?.destination,
                TableRef::Vpc(t) => &t.routes.get(i)?.destination,
            };
            Some(NotEvaluated {
                table,
                prefix_list: dest.to_string(),
            })
        })
        .collect();
    Answer {
        read_as: "cidr",
        routed: total_routes > 0,
        uncounted: [
            subnets.len().saturating_sub(LIMIT),
            blocks.len().saturating_sub(LIMIT),
            total_routes.saturating_sub(hits.len()),
        ],
        objects,
        cidrs,
        routes,
        not_evaluated,
    }
}

/// A route overlapping a CIDR, as a row.
fn route_row<'a>(net: &Net<'a>, hit: RouteHit<'a>) -> Option<RouteRow<'a>> {
    let mut row = RouteRow {
        table: hit.table,
        of: (String::new(), None),
        result: String::new(),
        destination: None,
        prefix_list: None,
        overlap: Some(hit.overlap),
        route_type: None,
        targets: Vec::new(),
    };
    match hit.table {
        TableRef::Tgw(t) => {
            let route = t.routes.get(hit.route)?;
            let tgw = net.tgw_in(&t.region, &t.tgw_id);
            row.of = (t.tgw_id.clone(), tgw.and_then(|g| g.name.clone()));
            row.result = route.state.to_string();
            row.route_type = Some(route.route_type.to_string());
            let pl = match &route.destination {
                Destination::PrefixList(pl) => Some(pl.clone()),
                Destination::Cidr(_) => route.prefix_list_id.clone(),
            };
            row.destination = Some(match &pl {
                Some(pl) => format!("{pl} (entry {})", hit.prefix),
                None => hit.prefix.to_string(),
            });
            row.prefix_list = pl;
            row.targets = route
                .targets
                .iter()
                .map(|x| {
                    (
                        x.attachment_id.clone(),
                        net.tgw_target_leads_to(&t.region, x).describe(),
                    )
                })
                .collect();
        }
        TableRef::Vpc(t) => {
            let route = t.routes.get(hit.route)?;
            let vpc = net.vpc_in(&t.region, &t.vpc_id);
            row.of = (t.vpc_id.clone(), vpc.and_then(|v| v.name.clone()));
            row.result = route.state.to_string();
            let pl = match &route.destination {
                Destination::PrefixList(pl) => Some(pl.clone()),
                Destination::Cidr(_) => None,
            };
            row.destination = Some(match &pl {
                Some(pl) => format!("{pl} (entry {})", hit.prefix),
                None => hit.prefix.to_string(),
            });
            row.prefix_list = pl;
            let leads = vpc.map_or_else(
                || "-".to_string(),
                |v| net.vpc_target_leads_to(v, &route.target).describe(),
            );
            row.targets.push((route.target.to_string(), leads));
        }
    }
    Some(row)
}

fn matches<'a>(found: Vec<Found<'a>>, how: &str) -> Vec<Match<'a>> {
    found
        .into_iter()
        .map(|found| Match {
            found,
            how: how.to_string(),
        })
        .collect()
}

fn by_id<'a>(net: &Net<'a>, id: &str) -> Answer<'a> {
    let exact = net.objects_with_id(id);
    if !exact.is_empty() {
        return Answer {
            read_as: "id",
            objects: matches(exact, "id"),
            ..Answer::default()
        };
    }
    if id_shape(id).is_some_and(|(_, rest)| rest.len() >= ID_PREFIX_MIN) {
        let found = net.objects_with_id_prefix(id);
        if !found.is_empty() {
            return Answer {
                read_as: "id_prefix",
                objects: matches(found, "id starts with it"),
                ..Answer::default()
            };
        }
    }
    // `vpc-prod` may be a name.
    by_name(net, id)
}

fn by_name<'a>(net: &Net<'a>, text: &str) -> Answer<'a> {
    // A firewall object's id is a UUID, which reads as a name.
    let exact = net.objects_with_id(text);
    if !exact.is_empty() {
        return Answer {
            read_as: "id",
            objects: matches(exact, "id"),
            ..Answer::default()
        };
    }
    Answer {
        read_as: "name",
        objects: matches(net.objects_named(text), "name"),
        ..Answer::default()
    }
}

fn nothing_found(query: &FindQuery, text: &str, net: &Net<'_>) -> CommandError {
    let estate: &Estate = net.estate();
    let regions: Vec<&str> = estate.loaded().map(|r| r.region.as_str()).collect();
    let failed: Vec<&str> = estate.failed().map(|(r, _)| r).collect();
    let q = crate::text::quote(text.trim());
    let what = match query {
        FindQuery::Address(_) => {
            format!("nothing holds `{q}`, no VPC CIDR contains it and no route table routes it")
        }
        FindQuery::Cidr(_) => format!("no subnet, VPC CIDR or route overlaps `{q}`"),
        FindQuery::Id(id) if id_shape(id).is_some_and(|(_, r)| r.len() >= ID_PREFIX_MIN) => {
            format!("no object has an id starting with `{q}` or a name containing it")
        }
        FindQuery::Id(_) | FindQuery::Name(_) => {
            format!("no object has the id `{q}` or a name containing it")
        }
    };
    let mut message = format!(
        "{what} in the loaded regions ({})",
        if regions.is_empty() {
            "none".to_string()
        } else {
            regions.join(", ")
        }
    );
    if failed.is_empty() {
        message.push_str("; add other regions with --regions");
    } else {
        message.push_str(&format!(
            "; {} could not be read, it may be there",
            failed.join(", ")
        ));
    }
    if let FindQuery::Id(id) = query
        && id_shape(id).is_some_and(|(_, r)| r.len() < ID_PREFIX_MIN)
    {
        message.push_str(&format!(
            " (an id is looked for by its beginning from {ID_PREFIX_MIN} characters after the dash)"
        ));
    }
    CommandError::new(ErrorKind::NotFound, message)
}

/// Whether `show ID` shows this kind of object.
fn showable(kind: FoundKind) -> bool {
    !matches!(
        kind,
        FoundKind::NetworkInterface
            | FoundKind::FirewallEndpoint
            | FoundKind::SecurityGroup
            | FoundKind::NetworkAcl
            | FoundKind::VpcPeeringConnection
    )
}

/// What an object is, in one line.
fn detail(net: &Net<'_>, found: &Found<'_>) -> String {
    let ips = |v: &[IpAddr]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match found {
        Found::Instance(i) => {
            let mut t = format!(
                "{}, {}",
                i.state,
                i.private_ip.map_or_else(|| "-".into(), |a| a.to_string())
            );
            if let Some(p) = i.public_ip {
                t.push_str(&format!(", public {p}"));
            }
            t
        }
        Found::NetworkInterface(e) => {
            let mut t = format!("{} {}", e.interface_type, ips(&e.private_ips));
            if let Some(p) = e.public_ip {
                t.push_str(&format!(", public {p}"));
            }
            if let Some(i) = &e.instance_id {
                t.push_str(&format!(", of {i}"));
            }
            if let Some(d) = e.description.as_deref().filter(|d| !d.is_empty()) {
                t.push_str(&format!(": {d}"));
            }
            t
        }
        Found::NatGateway(n) => format!(
            "{} {}, public {}, private {}",
            n.state,
            n.connectivity,
            ips(&n.public_ips),
            ips(&n.private_ips)
        ),
        Found::VpcEndpoint(e) => {
            let mut t = format!("{} {}, {}", e.endpoint_type, e.service_name, e.state);
            if let Some((fw, ep)) = net.firewall_endpoint(&e.region, &e.id) {
                t.push_str(&format!(
                    "; endpoint of firewall {} in {}",
                    fw.name, ep.availability_zone
                ));
            }
            t
        }
        Found::FirewallEndpoint(f, e) => format!(
            "endpoint of firewall {} in {}, {}",
            f.name,
            e.availability_zone,
            e.status.as_deref().unwrap_or("-")
        ),
        Found::Subnet(s) => format!(
            "{} in {}",
            s.cidr.map_or_else(|| "-".into(), |c| c.to_string()),
            s.availability_zone
        ),
        Found::Vpc(v) => format!(
            "{}, {}",
            v.cidr_blocks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            v.state
        ),
        Found::VpcRouteTable(t) => {
            let subnets = t
                .associations
                .iter()
                .filter(|a| a.subnet_id.is_some())
                .count();
            format!(
                "{}{} route(s), {subnets} subnet(s)",
                if t.is_main() { "main, " } else { "" },
                t.routes.len()
            )
        }
        Found::InternetGateway(g) => {
            if g.vpc_ids.is_empty() {
                "detached".into()
            } else {
                format!("attached to {}", g.vpc_ids.join(","))
            }
        }
        Found::SecurityGroup(g) => format!(
            "{} inbound, {} outbound rule(s)",
            g.ingress.len(),
            g.egress.len()
        ),
        Found::NetworkAcl(a) => format!(
            "{}{} subnet(s), {} entries",
            if a.is_default { "default, " } else { "" },
            a.subnet_ids.len(),
            a.entries.len()
        ),
        Found::VpcPeeringConnection(p) => format!(
            "{}: {} ({}) ↔ {} ({})",
            p.status, p.requester.vpc_id, p.requester.region, p.accepter.vpc_id, p.accepter.region
        ),
        Found::TransitGateway(t) => format!("AS{}, {}", t.asn, t.state),
        Found::TgwRouteTable(t) => format!(
            "of {}, {} route(s), {} association(s)",
            t.tgw_id,
            t.routes.len(),
            t.associations.len()
        ),
        Found::TgwAttachment(a) => format!(
            "{} {} → {} on {}",
            a.kind,
            a.state,
            a.resource_id.as_deref().unwrap_or("-"),
            a.tgw_id
        ),
        Found::Peering(p) => format!(
            "{}: {} ({}) → {} ({})",
            p.state, p.requester.tgw_id, p.requester.region, p.accepter.tgw_id, p.accepter.region
        ),
        Found::PrefixList(_, l) => match &l.entries {
            Some(e) => format!("{} entries", e.len()),
            None => "entries not read".into(),
        },
        Found::NetworkFirewall(f) => {
            format!("policy {}", f.policy_arn.rsplit('/').next().unwrap_or("-"))
        }
        Found::FirewallPolicy(p) => format!(
            "{} stateless, {} stateful rule group(s)",
            p.stateless_rule_groups.len(),
            p.stateful_rule_groups.len()
        ),
        Found::RuleGroup(g) => format!(
            "{}, capacity {}",
            g.kind,
            g.capacity.map_or_else(|| "-".into(), |c| c.to_string())
        ),
    }
}

/// The VPC an object sits in, as `vpc-… (name)`.
fn vpc_words(net: &Net<'_>, found: &Found<'_>) -> (Option<String>, Option<String>) {
    let Some(id) = found.vpc_id() else {
        return (None, None);
    };
    let name = net
        .vpc_in(found.region(), id)
        .and_then(|v| v.name.clone())
        .filter(|n| !n.is_empty());
    (Some(id.to_string()), name)
}

fn subnet_words(net: &Net<'_>, found: &Found<'_>) -> String {
    match found.subnet_id() {
        Some(id) => crate::text::id_named(
            net.subnet_in(found.region(), id)
                .and_then(|s| s.name.as_deref()),
            id,
        ),
        None => "-".into(),
    }
}

fn plural(n: usize, one: &str) -> String {
    crate::text::plural(n, one, &format!("{one}s"))
}

impl Answer<'_> {
    fn render(&self, net: &Net<'_>, text: &str, query: &FindQuery) -> (Vec<Section>, Value) {
        let loaded: Vec<&str> = net.regions().map(|r| r.region.as_str()).collect();
        let mut sections = Vec::new();

        // The objects.
        let title = match query {
            FindQuery::Address(a) if self.objects.is_empty() => format!(
                "{a} is held by nothing in the loaded regions ({})",
                loaded.join(", ")
            ),
            FindQuery::Address(a) => {
                format!("{a} is held by {}", plural(self.objects.len(), "object"))
            }
            FindQuery::Cidr(c) => format!("subnets overlapping {c}: {}", self.objects.len()),
            _ => match self.read_as {
                "id" => format!("{text}: {}", plural(self.objects.len(), "object")),
                "id_prefix" => format!(
                    "ids starting with {text}: {}",
                    plural(self.objects.len(), "object")
                ),
                _ => format!(
                    "names containing \"{text}\" (any case): {}",
                    plural(self.objects.len(), "object")
                ),
            },
        };
        let mut objects = Section::new(&[
            "KIND", "ID", "NAME", "HOW", "VPC", "SUBNET", "ACCOUNT", "REGION", "DETAIL",
        ])
        .titled(title);
        let mut objects_json = Vec::new();
        for m in self.objects.iter().take(LIMIT) {
            let f = &m.found;
            let owner = net.owner_of(f);
            let (vpc_id, vpc_name) = vpc_words(net, f);
            let detail = detail(net, f);
            objects.row(vec![
                f.kind().words().to_string(),
                f.id().to_string(),
                opt(f.name()),
                m.how.clone(),
                vpc_id.as_deref().map_or_else(
                    || "-".to_string(),
                    |v| crate::text::id_named(vpc_name.as_deref(), v),
                ),
                subnet_words(net, f),
                opt(owner),
                f.region().to_string(),
                detail.clone(),
            ]);
            objects_json.push(json!({
                "kind": f.kind().as_str(),
                "id": f.id(),
                "name": f.name(),
                "how": m.how,
                "region": f.region(),
                "owner_id": owner,
                "vpc_id": vpc_id,
                "vpc_name": vpc_name,
                "subnet_id": f.subnet_id(),
                "detail": detail,
                "show": showable(f.kind()).then(|| format!("show {}", f.id())),
            }));
        }
        let [more_objects, more_cidrs, more_routes] = self.omitted();
        if more_objects > 0 {
            objects.row(more_row(9, more_objects));
        }
        let address_or_cidr = matches!(query, FindQuery::Address(_) | FindQuery::Cidr(_));
        if !self.objects.is_empty() || address_or_cidr {
            sections.push(objects);
        }

        // VPC CIDRs.
        let mut cidrs_json = Vec::new();
        if address_or_cidr {
            let mut s = Section::new(&["VPC", "NAME", "CIDR", "RELATION", "ACCOUNT", "REGION"])
                .titled(match query {
                    FindQuery::Address(a) => format!("VPC CIDRs containing {a}"),
                    _ => format!("VPC CIDRs overlapping {text}"),
                });
            for c in self.cidrs.iter().take(LIMIT) {
                s.row(vec![
                    c.vpc.id.clone(),
                    opt(c.vpc.name.as_deref()),
                    c.cidr.to_string(),
                    overlap_words(c.relation).to_string(),
                    opt(Some(c.vpc.owner_id.as_str()).filter(|o| !o.is_empty())),
                    c.vpc.region.clone(),
                ]);
                cidrs_json.push(json!({
                    "vpc_id": c.vpc.id,
                    "name": c.vpc.name,
                    "cidr": c.cidr.to_string(),
                    "relation": c.relation,
                    "owner_id": Some(c.vpc.owner_id.as_str()).filter(|o| !o.is_empty()),
                    "region": c.vpc.region,
                }));
            }
            if more_cidrs > 0 {
                s.row(more_row(6, more_cidrs));
            }
            sections.push(s);
        }

        // Routes.
        let mut routes_json = Vec::new();
        if address_or_cidr {
            let (title, headers): (String, &[&str]) = match query {
                FindQuery::Address(a) => (
                    format!(
                        "how route tables route {a}: the tables of the VPCs holding it, and every TGW route table"
                    ),
                    &[
                        "TABLE", "NAME", "OF", "REGION", "ACCOUNT", "RESULT", "ROUTE", "TYPE",
                        "TARGET", "LEADS-TO",
                    ],
                ),
                _ => (
                    format!("routes whose destination is, lies inside or covers {text}"),
                    &[
                        "TABLE",
                        "NAME",
                        "OF",
                        "REGION",
                        "ACCOUNT",
                        "DESTINATION",
                        "RELATION",
                        "TYPE",
                        "STATE",
                        "TARGET",
                        "LEADS-TO",
                    ],
                ),
            };
            let mut s = Section::new(headers).titled(title);
            for r in self.routes.iter().take(LIMIT) {
                let (table_kind, table_name, owner) = match r.table {
                    TableRef::Tgw(t) => (
                        "tgw",
                        t.name.as_deref(),
                        net.owner_of(&Found::TgwRouteTable(t)),
                    ),
                    TableRef::Vpc(t) => (
                        "vpc",
                        t.name.as_deref(),
                        net.owner_of(&Found::VpcRouteTable(t)),
                    ),
                };
                let target_ids: Vec<&str> = r.targets.iter().map(|t| t.0.as_str()).collect();
                let leads: Vec<&str> = r.targets.iter().map(|t| t.1.as_str()).collect();
                let mut cells = vec![
                    r.table.id().to_string(),
                    opt(table_name),
                    crate::text::id_named(r.of.1.as_deref(), &r.of.0),
                    r.table.region().to_string(),
                    opt(owner),
                ];
                match r.overlap {
                    None => cells.extend([
                        r.result.replace('_', " "),
                        opt(r.destination.as_deref()),
                        opt(r.route_type.as_deref()),
                    ]),
                    Some(o) => cells.extend([
                        opt(r.destination.as_deref()),
                        overlap_words(o).to_string(),
                        opt(r.route_type.as_deref()),
                        r.result.clone(),
                    ]),
                }
                cells.push(if target_ids.is_empty() {
                    "-".into()
                } else {
                    target_ids.join(",")
                });
                cells.push(if leads.is_empty() {
                    "-".into()
                } else {
                    leads.join(" | ")
                });
                s.row(cells);
                routes_json.push(json!({
                    "table_kind": table_kind,
                    "route_table_id": r.table.id(),
                    "name": table_name,
                    "of": r.of.0,
                    "of_name": r.of.1,
                    "region": r.table.region(),
                    "owner_id": owner,
                    "result": r.overlap.is_none().then_some(r.result.as_str()),
                    "state": r.overlap.is_some().then_some(r.result.as_str()),
                    "relation": r.overlap,
                    "destination": r.destination,
                    "prefix_list": r.prefix_list,
                    "route_type": r.route_type,
                    "targets": r.targets.iter().map(|(id, leads)| json!({"id": id, "leads_to": leads})).collect::<Vec<_>>(),
                }));
            }
            if more_routes > 0 {
                s.row(more_row(headers.len(), more_routes));
            }
            sections.push(s);
        }

        // Prefix-list routes not evaluated.
        let mut not_evaluated_json = Vec::new();
        if !self.not_evaluated.is_empty() {
            let mut s = Section::new(&["TABLE", "REGION", "PREFIX-LIST"]).titled(format!(
                "not evaluated: routes to prefix lists whose entries were not read{}",
                match query {
                    FindQuery::Address(a) => {
                        format!(" (each decision above holds unless the list contains {a})")
                    }
                    _ => String::new(),
                }
            ));
            for n in self.not_evaluated.iter().take(LIMIT) {
                s.row(vec![
                    n.table.id().to_string(),
                    n.table.region().to_string(),
                    n.prefix_list.clone(),
                ]);
                not_evaluated_json.push(json!({
                    "route_table_id": n.table.id(),
                    "region": n.table.region(),
                    "prefix_list": n.prefix_list,
                }));
            }
            if self.not_evaluated.len() > LIMIT {
                s.row(more_row(3, self.not_evaluated.len() - LIMIT));
            }
            sections.push(s);
        }

        // Where to look next.
        let shown: Vec<&Found<'_>> = self
            .objects
            .iter()
            .map(|m| &m.found)
            .filter(|f| showable(f.kind()))
            .collect();
        let mut next = Section::new(&[]);
        match shown.as_slice() {
            [] => {}
            [one] => next.row(vec![
                "next".into(),
                format!("show {}: the whole object", one.id()),
            ]),
            _ => next.row(vec!["next".into(), "show ID: any of these in full".into()]),
        }
        if !next.rows.is_empty() {
            sections.push(next);
        }

        let json = json!({
            "query": text,
            "as": self.read_as,
            "objects": objects_json,
            "vpc_cidrs": cidrs_json,
            "routes": routes_json,
            "not_evaluated": not_evaluated_json,
            "omitted": {
                "objects": more_objects,
                "vpc_cidrs": more_cidrs,
                "routes": more_routes,
                "not_evaluated": self.not_evaluated.len().saturating_sub(LIMIT),
            },
        });
        (sections, json)
    }
}

/// The row that says how many more there are.
fn more_row(columns: usize, more: usize) -> Vec<String> {
    let mut row = vec![format!("… and {more} more (narrow the question)")];
    row.resize(columns.max(1), String::new());
    row
}

#[cfg(test)]
mod tests;
