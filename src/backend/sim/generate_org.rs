//! Generated organizations for scale tests and benchmarks (`--scenario-accounts N`).
//!
//! Shape (seed 002's, at scale): a **network account** owns one hub TGW per region,
//! shared through RAM with every other account, and in each region the inspection
//! VPC attached to it (a Network Firewall that passes traffic between spokes and
//! HTTPS out, a NAT gateway and an internet gateway: the reference hub of
//! [`super::generate`]); `accounts` **workload accounts** each own
//! `spokes_per_account_region` spoke VPCs in every region, each attached to the
//! network account's hub there, with one instance (its interface and security group
//! too) owned by the workload account. The hub's `spoke` table holds every spoke
//! attachment's association and a default route to inspection; its
//! `post-inspection` table, associated with inspection, holds every spoke's
//! propagated route and the other regions' ranges towards the peering. So every
//! packet between spokes, and out to the internet, crosses the firewall; between
//! regions it crosses both regions' firewalls, each way. The home region's hub peers
//! with each other region's hub (available; what arrives over it is associated with
//! `spoke`), so discovery that follows peers reads every region. Optionally one more
//! account whose role cannot be assumed ([`OrgShape::denied_account`]).
//!
//! Addresses: region `r` (0–3) holds its spokes in `10.(64·r).0.0/10`, one /24 per
//! spoke (a /25 subnet, the instance at `.10`); inspection VPCs are
//! `100.64.(4·r).0/22`, the NAT gateways' Elastic IPs `198.51.100.(10+r)`. Ids are
//! AWS-shaped (17 hex digits) and unique across regions. Sizes beyond AWS's quotas
//! (5,000 attachments per TGW, 10,000 routes per TGW route table) are refused, never
//! capped.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::scenario::{ResourceShare, Scenario, ScenarioAccount, ScenarioError};
use crate::model::{
    AttachmentKind, Destination, Instance, NetworkInterface, Peering, PeeringSide, PingStatus,
    RegionEstate, RouteTableLink, RouteTarget, SecurityGroup, SgRule, SsmStatus, Subnet,
    TgwAttachment, TgwRoute, TgwRouteTable, Vpc, VpcRoute, VpcRouteTable, VpcRouteTableAssociation,
    VpcRouteTarget,
};
use crate::net::change::{ATTACHMENTS_PER_TGW, ROUTES_PER_TGW_ROUTE_TABLE};

/// The regions a generated organization uses, in order (the first is home).
pub const ORG_REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];

/// The network account of a generated organization.
pub const NETWORK_ACCOUNT: &str = "100000000001";

/// The account whose role cannot be assumed, when [`OrgShape::denied_account`].
pub const DENIED_ACCOUNT: &str = "900000000001";

/// The id of workload account `a` (0-based): `200000000001`, `200000000002`, …
#[must_use]
pub fn workload_account(a: usize) -> String {
    format!("2{:011}", a + 1)
}

/// The size of a generated organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgShape {
    /// Workload accounts (the network account comes on top).
    pub accounts: usize,
    /// Regions, 1 to [`ORG_REGIONS`]`.len()`.
    pub regions: usize,
    /// Spoke VPCs per workload account and region.
    pub spokes_per_account_region: usize,
    /// One more account, owning nothing, whose role cannot be assumed
    /// (`AccessDenied`): a named gap in every read.
    pub denied_account: bool,
}

/// `accounts` workload accounts × `regions` regions × `spokes_per_account_region`
/// spokes, with no denied account (see [`OrgShape`] and the module docs).
///
/// # Errors
/// See [`OrgShape::generate`].
pub fn generate_organization(
    accounts: usize,
    regions: usize,
    spokes_per_account_region: usize,
) -> Result<Scenario, ScenarioError> {
    OrgShape {
        accounts,
        regions,
        spokes_per_account_region,
        denied_account: false,
    }
    .generate()
}

/// An AWS-shaped id: `prefix-` and 17 hex digits from a kind digit (0: the network
/// account's, 1: a spoke's), the region, the account and the spoke.
fn id(prefix: &str, kind: u8, region: usize, account: usize, spoke: usize) -> String {
    format!("{prefix}-{kind:x}{region:x}{account:07x}{spoke:08x}")
}

fn cidr(a: u8, b: u8, c: u8, d: u8, len: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new(Ipv4Addr::new(a, b, c, d), len).unwrap_or_default())
}

fn link(attachment_id: String) -> RouteTableLink {
    RouteTableLink {
        attachment_id,
        ..RouteTableLink::default()
    }
}

fn tgw_route(destination: IpNet, attachment_id: &str) -> TgwRoute {
    TgwRoute {
        route_table_id: String::new(),
        region: String::new(),
        destination: Destination::Cidr(destination),
        route_type: crate::model::RouteType::Static,
        state: crate::model::RouteState::Active,
        targets: vec![RouteTarget {
            attachment_id: attachment_id.to_string(),
            ..RouteTarget::default()
        }],
        derived: false,
        prefix_list_id: None,
    }
}

fn vpc_route(destination: IpNet, target: VpcRouteTarget) -> VpcRoute {
    VpcRoute {
        destination: Destination::Cidr(destination),
        target,
        state: crate::model::RouteState::Active,
    }
}

/// Region `r`'s spoke range, `10.(64·r).0.0/10`.
fn region_range(r: usize) -> IpNet {
    cidr(10, (64 * r) as u8, 0, 0, 10)
}

/// Region `r`'s hub as the network account runs it, in the scenario's TOML: the hub
/// TGW (its tables are added in code) and the inspection VPC attached to it (TGW,
/// firewall and public subnets; a Network Firewall that passes traffic between the
/// spokes and HTTPS out, dropping the rest; a NAT gateway and an internet gateway),
/// as the reference estate's hub ([`super::generate`]).
fn hub(r: usize) -> String {
    let name = ORG_REGIONS[r];
    let account = NETWORK_ACCOUNT;
    let asn = 64_512 + r;
    let (o0, o1, o2) = (4 * r, 4 * r + 1, 4 * r + 2);
    let eip = 10 + r;
    let tgw = id("tgw", 0, r, 0, 1);
    let att = id("tgw-attach", 0, r, 0, 1);
    let vpc = id("vpc", 0, r, 0, 1);
    let (sn_tgw, sn_fw, sn_pub) = (
        id("subnet", 0, r, 0, 1),
        id("subnet", 0, r, 0, 2),
        id("subnet", 0, r, 0, 3),
    );
    let (rtb_tgw, rtb_fw, rtb_pub) = (
        id("rtb", 0, r, 0, 1),
        id("rtb", 0, r, 0, 2),
        id("rtb", 0, r, 0, 3),
    );
    let vpce = id("vpce", 0, r, 0, 1);
    let nat = id("nat", 0, r, 0, 1);
    let igw = id("igw", 0, r, 0, 1);
    let fw = id("fw", 0, r, 0, 1);
    let policy = id("policy", 0, r, 0, 1);
    let group = id("rg", 0, r, 0, 1);
    let arn = |kind: &str, n: &str| format!("arn:aws:network-firewall:{name}:{account}:{kind}/{n}");
    let (fw_arn, policy_arn, group_arn) = (
        arn("firewall", "inspection"),
        arn("firewall-policy", "egress-policy"),
        arn("stateful-rulegroup", "allow-east-west-and-https"),
    );
    format!(
        r#"region = "{name}"
[[tgws]]
id = "{tgw}"
name = "hub-{name}"
owner_id = "{account}"
asn = {asn}
default_route_table_association = "disable"
default_route_table_propagation = "disable"
dns_support = "enable"
vpn_ecmp_support = "enable"
[[attachments]]
id = "{att}"
tgw_id = "{tgw}"
tgw_owner_id = "{account}"
name = "inspection-{name}"
resource_id = "{vpc}"
resource_owner_id = "{account}"
subnet_ids = ["{sn_tgw}"]
appliance_mode = true
[[vpcs]]
id = "{vpc}"
name = "inspection-{name}"
owner_id = "{account}"
cidr_blocks = ["100.64.{o0}.0/22"]
[[subnets]]
id = "{sn_tgw}"
vpc_id = "{vpc}"
name = "inspection-tgw-a"
cidr = "100.64.{o0}.0/28"
availability_zone = "{name}a"
[[subnets]]
id = "{sn_fw}"
vpc_id = "{vpc}"
name = "inspection-firewall-a"
cidr = "100.64.{o1}.0/28"
availability_zone = "{name}a"
[[subnets]]
id = "{sn_pub}"
vpc_id = "{vpc}"
name = "inspection-public-a"
cidr = "100.64.{o2}.0/28"
availability_zone = "{name}a"
[[vpc_route_tables]]
id = "{rtb_tgw}"
vpc_id = "{vpc}"
name = "inspection-tgw-a"
associations = [{{ main = true }}, {{ subnet_id = "{sn_tgw}" }}]
routes = [
  {{ destination = {{ cidr = "100.64.{o0}.0/22" }}, target = {{ kind = "local" }} }},
  {{ destination = {{ cidr = "0.0.0.0/0" }}, target = {{ kind = "vpc_endpoint", id = "{vpce}" }} }},
]
[[vpc_route_tables]]
id = "{rtb_fw}"
vpc_id = "{vpc}"
name = "inspection-firewall-a"
associations = [{{ subnet_id = "{sn_fw}" }}]
routes = [
  {{ destination = {{ cidr = "100.64.{o0}.0/22" }}, target = {{ kind = "local" }} }},
  {{ destination = {{ cidr = "0.0.0.0/0" }}, target = {{ kind = "nat_gateway", id = "{nat}" }} }},
  {{ destination = {{ cidr = "10.0.0.0/8" }}, target = {{ kind = "transit_gateway", id = "{tgw}" }} }},
]
[[vpc_route_tables]]
id = "{rtb_pub}"
vpc_id = "{vpc}"
name = "inspection-public-a"
associations = [{{ subnet_id = "{sn_pub}" }}]
routes = [
  {{ destination = {{ cidr = "100.64.{o0}.0/22" }}, target = {{ kind = "local" }} }},
  {{ destination = {{ cidr = "0.0.0.0/0" }}, target = {{ kind = "internet_gateway", id = "{igw}" }} }},
  {{ destination = {{ cidr = "10.0.0.0/8" }}, target = {{ kind = "vpc_endpoint", id = "{vpce}" }} }},
]
[[internet_gateways]]
id = "{igw}"
name = "inspection-{name}"
vpc_ids = ["{vpc}"]
[[nat_gateways]]
id = "{nat}"
name = "inspection-{name}"
vpc_id = "{vpc}"
subnet_id = "{sn_pub}"
state = "available"
connectivity = "public"
public_ips = ["198.51.100.{eip}"]
private_ips = ["100.64.{o2}.5"]
[[firewalls]]
id = "{fw}"
name = "inspection"
arn = "{fw_arn}"
vpc_id = "{vpc}"
policy_arn = "{policy_arn}"
endpoints = [{{ availability_zone = "{name}a", subnet_id = "{sn_fw}", endpoint_id = "{vpce}", status = "READY" }}]
[[firewall_policies]]
id = "{policy}"
name = "egress-policy"
arn = "{policy_arn}"
stateless_default_actions = ["aws:forward_to_sfe"]
stateful_rule_order = "STRICT_ORDER"
stateful_default_actions = ["aws:drop_strict", "aws:alert_strict"]
stateful_rule_groups = [{{ arn = "{group_arn}", priority = 10 }}]
policy_variables = {{ HOME_NET = ["10.0.0.0/8"] }}
[[rule_groups]]
id = "{group}"
name = "allow-east-west-and-https"
arn = "{group_arn}"
kind = "STATEFUL"
rule_order = "STRICT_ORDER"
rules_string = """
pass ip $HOME_NET any -> $HOME_NET any (msg:"Spokes to spokes"; sid:1000001; rev:1;)
pass tcp $HOME_NET any <> $EXTERNAL_NET 443 (msg:"HTTPS out"; flow:not_established; sid:1000002; rev:1;)
pass tls $HOME_NET any -> $EXTERNAL_NET 443 (msg:"HTTPS out"; sid:1000003; rev:1;)
"""
"#
    )
}

impl OrgShape {
    fn origin(&self) -> String {
        format!(
            "generated organization ({} accounts × {} regions × {} spokes)",
            self.accounts, self.regions, self.spokes_per_account_region
        )
    }

    /// Spokes in one region.
    fn spokes(&self) -> usize {
        self.accounts.saturating_mul(self.spokes_per_account_region)
    }

    /// Attachments on the home region's hub (the busiest): spokes, inspection,
    /// a peering to each other region.
    fn hub_attachments(&self) -> usize {
        self.spokes()
            .saturating_add(1)
            .saturating_add(self.regions.saturating_sub(1))
    }

    /// Routes in a hub's `post-inspection` table: a propagated one per spoke, one
    /// per other region.
    fn post_inspection_routes(&self) -> usize {
        self.spokes().saturating_add(self.regions.saturating_sub(1))
    }

    fn check(&self) -> Result<(), ScenarioError> {
        let refuse = |message: String| {
            Err(ScenarioError::Invalid {
                path: self.origin(),
                message,
            })
        };
        if self.accounts == 0 || self.spokes_per_account_region == 0 {
            return refuse("an organization needs at least one workload account and one spoke per account and region".into());
        }
        if !(1..=ORG_REGIONS.len()).contains(&self.regions) {
            return refuse(format!(
                "{} regions: a generated organization has 1 to {} ({})",
                self.regions,
                ORG_REGIONS.len(),
                ORG_REGIONS.join(", ")
            ));
        }
        let attachments = self.hub_attachments();
        if attachments > ATTACHMENTS_PER_TGW {
            let extra = attachments - self.spokes();
            return refuse(format!(
                "{} accounts × {} spokes need {attachments} attachments on each region's hub TGW (spokes, inspection, peerings); AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway, so at most {} spokes per region",
                self.accounts,
                self.spokes_per_account_region,
                ATTACHMENTS_PER_TGW - extra
            ));
        }
        let routes = self.post_inspection_routes();
        if routes > ROUTES_PER_TGW_ROUTE_TABLE {
            return refuse(format!(
                "the hub's post-inspection table would hold {routes} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table"
            ));
        }
        Ok(())
    }

    /// The scenario.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] for no account or spoke, more regions than
    /// [`ORG_REGIONS`], or a size over AWS's quotas (naming the quota).
    pub fn generate(&self) -> Result<Scenario, ScenarioError> {
        self.check()?;
        let regions = (0..self.regions)
            .map(|r| self.region(r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut accounts = vec![ScenarioAccount {
            id: NETWORK_ACCOUNT.into(),
            name: "network".into(),
            ..ScenarioAccount::default()
        }];
        accounts.extend((0..self.accounts).map(|a| ScenarioAccount {
            id: workload_account(a),
            name: format!("workload-{a}"),
            ..ScenarioAccount::default()
        }));
        if self.denied_account {
            accounts.push(ScenarioAccount {
                id: DENIED_ACCOUNT.into(),
                name: "sandbox".into(),
                deny_assume_role: Some("AccessDenied".into()),
                ..ScenarioAccount::default()
            });
        }
        let principals = accounts
            .iter()
            .filter(|a| a.id != NETWORK_ACCOUNT)
            .map(|a| a.id.clone())
            .collect();
        let shares = vec![ResourceShare {
            name: "transit-gateways".into(),
            owner: NETWORK_ACCOUNT.into(),
            resources: regions
                .iter()
                .flat_map(|r| r.tgws.iter().map(|t| t.id.clone()))
                .collect(),
            principals,
        }];
        let problems = super::validate::check(&regions);
        if let Some(first) = problems.first() {
            return Err(ScenarioError::Invalid {
                path: self.origin(),
                message: format!("{} problems, the first: {first}", problems.len()),
            });
        }
        Ok(Scenario {
            name: format!(
                "org-{}x{}x{}",
                self.accounts, self.regions, self.spokes_per_account_region
            ),
            description: format!(
                "Generated organization: a network account's hub TGW per region shared with {} workload accounts, {} spokes each per region, in {} regions",
                self.accounts, self.spokes_per_account_region, self.regions
            ),
            account_id: NETWORK_ACCOUNT.into(),
            regions,
            accounts,
            shares,
            origin: self.origin(),
            ..Scenario::default()
        })
    }

    /// One region: the hub and inspection (the network account's), the peerings,
    /// the spokes.
    fn region(&self, r: usize) -> Result<RegionEstate, ScenarioError> {
        let name = ORG_REGIONS[r];
        let net = NETWORK_ACCOUNT.to_string();
        let tgw = id("tgw", 0, r, 0, 1);
        let inspection_att = id("tgw-attach", 0, r, 0, 1);
        let mut e: RegionEstate =
            toml::from_str(&hub(r)).map_err(|err| ScenarioError::Invalid {
                path: self.origin(),
                message: format!("the hub template of {name} does not parse: {err}"),
            })?;
        // The peering between the home hub and region `other`'s (other ≥ 1): listed
        // by the home region (the requester), its accepter's side derived.
        let peering = |other: usize| id("tgw-attach", 0, 0, 0xf, other);
        let peerings_here: Vec<(usize, String)> = if r == 0 {
            (1..self.regions).map(|o| (o, peering(o))).collect()
        } else {
            vec![(0, peering(r))]
        };
        if r == 0 {
            for (o, other) in ORG_REGIONS.iter().enumerate().take(self.regions).skip(1) {
                e.peerings.push(Peering {
                    id: peering(o),
                    name: Some(format!("{name}-to-{other}")),
                    state: crate::model::AttachmentState::Available,
                    requester: PeeringSide {
                        tgw_id: tgw.clone(),
                        region: name.into(),
                        account_id: net.clone(),
                    },
                    accepter: PeeringSide {
                        tgw_id: id("tgw", 0, o, 0, 1),
                        region: (*other).into(),
                        account_id: net.clone(),
                    },
                    ..Peering::default()
                });
            }
        }

        // The hub's tables: `spoke` sends everything to inspection (spokes and what
        // arrives over a peering are associated with it); `post-inspection` takes
        // inspected traffic to a spoke (each propagates there) or over the peering
        // to the other region (inspected there again on the way in).
        let mut spoke_rt = TgwRouteTable {
            id: id("tgw-rtb", 0, r, 0, 1),
            tgw_id: tgw.clone(),
            name: Some("spoke".into()),
            routes: vec![tgw_route(cidr(0, 0, 0, 0, 0), &inspection_att)],
            ..TgwRouteTable::default()
        };
        let mut post_rt = TgwRouteTable {
            id: id("tgw-rtb", 0, r, 0, 2),
            tgw_id: tgw.clone(),
            name: Some("post-inspection".into()),
            associations: vec![link(inspection_att)],
            ..TgwRouteTable::default()
        };
        for (other, att) in &peerings_here {
            post_rt.routes.push(tgw_route(region_range(*other), att));
            spoke_rt.associations.push(link(att.clone()));
        }

        let az = format!("{name}a");
        let all_spokes = cidr(10, 0, 0, 0, 8);
        // The spokes, account by account.
        let spokes = self.spokes_per_account_region;
        e.vpcs.reserve(self.spokes());
        for a in 0..self.accounts {
            let owner = workload_account(a);
            for s in 0..spokes {
                let k = a * spokes + s;
                let (b, c) = ((64 * r + k / 256) as u8, (k % 256) as u8);
                let vpc = id("vpc", 1, r, a, s);
                let subnet = id("subnet", 1, r, a, s);
                let att = id("tgw-attach", 1, r, a, s);
                let sg = id("sg", 1, r, a, s);
                let instance = id("i", 1, r, a, s);
                let label = format!("workload-{a}-spoke-{s}");
                let range = cidr(10, b, c, 0, 24);
                e.vpcs.push(Vpc {
                    id: vpc.clone(),
                    name: Some(label.clone()),
                    owner_id: owner.clone(),
                    cidr_blocks: vec![range],
                    ..Vpc::default()
                });
                e.subnets.push(Subnet {
                    id: subnet.clone(),
                    vpc_id: vpc.clone(),
                    name: Some(format!("{label}-a")),
                    cidr: Some(cidr(10, b, c, 0, 25)),
                    availability_zone: az.clone(),
                    owner_id: Some(owner.clone()),
                    ..Subnet::default()
                });
                e.vpc_route_tables.push(VpcRouteTable {
                    id: id("rtb", 1, r, a, s),
                    vpc_id: vpc.clone(),
                    name: Some(label.clone()),
                    associations: vec![VpcRouteTableAssociation {
                        main: true,
                        ..VpcRouteTableAssociation::default()
                    }],
                    routes: vec![
                        vpc_route(range, VpcRouteTarget::Local),
                        vpc_route(
                            cidr(0, 0, 0, 0, 0),
                            VpcRouteTarget::TransitGateway(tgw.clone()),
                        ),
                    ],
                    owner_id: Some(owner.clone()),
                    ..VpcRouteTable::default()
                });
                e.security_groups.push(SecurityGroup {
                    id: sg.clone(),
                    region: name.into(),
                    vpc_id: vpc.clone(),
                    name: Some(format!("{label}-workload")),
                    ingress: vec![SgRule {
                        protocol: "-1".into(),
                        cidrs: vec![all_spokes],
                        ..SgRule::default()
                    }],
                    egress: vec![SgRule {
                        protocol: "-1".into(),
                        cidrs: vec![cidr(0, 0, 0, 0, 0)],
                        ..SgRule::default()
                    }],
                    owner_id: Some(owner.clone()),
                });
                let ip = IpAddr::V4(Ipv4Addr::new(10, b, c, 10));
                e.network_interfaces.push(NetworkInterface {
                    id: id("eni", 1, r, a, s),
                    region: name.into(),
                    vpc_id: vpc.clone(),
                    subnet_id: subnet.clone(),
                    availability_zone: az.clone(),
                    interface_type: "interface".into(),
                    private_ips: vec![ip],
                    instance_id: Some(instance.clone()),
                    security_group_ids: vec![sg.clone()],
                    owner_id: Some(owner.clone()),
                    ..NetworkInterface::default()
                });
                e.instances.push(Instance {
                    id: instance,
                    name: Some(format!("{label}-workload")),
                    vpc_id: Some(vpc.clone()),
                    subnet_id: Some(subnet.clone()),
                    private_ip: Some(ip),
                    security_group_ids: vec![sg],
                    state: "running".into(),
                    ssm: Some(SsmStatus {
                        ping_status: PingStatus::Online,
                        platform: Some("Amazon Linux".into()),
                        agent_version: Some("3.3.1142.0".into()),
                    }),
                    owner_id: Some(owner.clone()),
                    ..Instance::default()
                });
                e.attachments.push(TgwAttachment {
                    id: att.clone(),
                    tgw_id: tgw.clone(),
                    tgw_owner_id: Some(net.clone()),
                    name: Some(label),
                    kind: AttachmentKind::Vpc,
                    resource_id: Some(vpc),
                    resource_owner_id: Some(owner.clone()),
                    subnet_ids: vec![subnet],
                    appliance_mode: Some(false),
                    ..TgwAttachment::default()
                });
                spoke_rt.associations.push(link(att.clone()));
                post_rt.propagations.push(link(att));
            }
        }
        e.tgw_route_tables = vec![spoke_rt, post_rt];
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::backend::Backend;
    use crate::backend::sim::Simulator;
    use crate::discovery::{DiscoveryPlan, discover};
    use crate::model::{Estate, RouteType};
    use crate::net::Net;
    use crate::net::trace::{TraceQuery, Verdict, trace};

    async fn read(backend: Arc<dyn Backend>) -> Estate {
        discover(
            backend,
            DiscoveryPlan {
                regions: vec!["us-east-1".into()],
                follow_peers: true,
                concurrency: 4,
            },
        )
        .await
    }

    fn ids(e: &Estate) -> BTreeSet<String> {
        e.loaded()
            .flat_map(|r| {
                r.object_ids()
                    .cloned()
                    .chain(
                        r.peerings
                            .iter()
                            .map(|p| format!("{} in {}", p.id, r.region)),
                    )
                    .chain(r.tgw_route_tables.iter().flat_map(|t| {
                        t.routes
                            .iter()
                            .map(move |x| format!("{} {}", t.id, x.destination))
                    }))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn query(from: &str, to: &str) -> TraceQuery {
        TraceQuery {
            from: from.into(),
            to: to.into(),
            protocol: None,
            port: None,
            sni: None,
            routing_only: false,
            http_host: None,
        }
    }

    /// 5 workload accounts × 2 regions × 3 spokes, read account by account through
    /// AssumeRole and merged: every account's VPCs, attachments and instances, with
    /// their owners; the hub's tables (only the network account can read them) hold
    /// every spoke's propagated route; the denied account is a named gap; traces from
    /// a workload instance reach the internet through the network account's egress
    /// VPC, another account's instance through the hub, and a spoke in the other
    /// region over the peering.
    #[tokio::test]
    async fn a_small_generated_org_read_account_by_account_is_complete() {
        let shape = OrgShape {
            accounts: 5,
            regions: 2,
            spokes_per_account_region: 3,
            denied_account: true,
        };
        let sim =
            Arc::new(Simulator::from_scenario(shape.generate().expect("valid")).expect("sim"));
        let whole = read(Arc::clone(&sim) as Arc<dyn Backend>).await;
        let backend =
            Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
        let progress = backend.progress();
        let merged = read(Arc::clone(&backend) as Arc<dyn Backend>).await;
        assert_eq!(progress.line(), "accounts 6/7, regions 14/14");
        assert_eq!(ids(&merged), ids(&whole), "nothing lost, nothing twice");

        for region in ["us-east-1", "eu-west-1"] {
            let r = merged.region(region).expect("read");
            assert_eq!(r.tgws.len(), 1);
            assert_eq!(r.tgws[0].owner_id, NETWORK_ACCOUNT);
            for a in 0..5 {
                let owner = workload_account(a);
                let vpcs: Vec<&str> = r
                    .vpcs
                    .iter()
                    .filter(|v| v.owner_id == owner)
                    .map(|v| v.id.as_str())
                    .collect();
                assert_eq!(vpcs.len(), 3, "{owner} in {region}");
                for vpc in vpcs {
                    let att = r
                        .attachments
                        .iter()
                        .find(|x| x.resource_id.as_deref() == Some(vpc))
                        .expect("attached");
                    assert_eq!(att.tgw_id, r.tgws[0].id);
                    assert_eq!(att.tgw_owner_id.as_deref(), Some(NETWORK_ACCOUNT));
                    assert_eq!(att.resource_owner_id.as_deref(), Some(owner.as_str()));
                    let instance = r
                        .instances
                        .iter()
                        .find(|i| i.vpc_id.as_deref() == Some(vpc))
                        .expect("an instance");
                    assert_eq!(instance.owner_id.as_deref(), Some(owner.as_str()));
                    assert!(
                        r.vpc_route_tables
                            .iter()
                            .any(|t| t.vpc_id == vpc && t.owner_id.as_deref() == Some(&owner)),
                        "its route table, the owner's"
                    );
                }
            }
            // 15 spokes, inspection, one peering.
            assert_eq!(r.attachments.len(), 17, "{region}");
            let table = |name: &str| {
                r.tgw_route_tables
                    .iter()
                    .find(|t| t.name.as_deref() == Some(name))
                    .expect("table")
            };
            let post = table("post-inspection");
            let propagated: BTreeSet<String> = post
                .routes
                .iter()
                .filter(|x| x.route_type == RouteType::Propagated)
                .map(|x| x.destination.to_string())
                .collect();
            let spokes: BTreeSet<String> = r
                .vpcs
                .iter()
                .filter(|v| v.owner_id != NETWORK_ACCOUNT)
                .map(|v| v.cidr_blocks[0].to_string())
                .collect();
            assert_eq!(propagated, spokes, "{region}: every spoke's route");
            // Every spoke and the peering are associated with `spoke`.
            assert_eq!(table("spoke").associations.len(), 16, "{region}");
            let gap = r
                .gaps
                .iter()
                .find(|g| g.part == format!("account {DENIED_ACCOUNT}"))
                .expect("the denied account is a gap");
            assert!(gap.error.contains("AccessDenied"), "{gap:?}");
        }

        let net = Net::new(&merged);
        let from = id("i", 1, 0, 0, 0);
        let out = trace(
            &net,
            &TraceQuery {
                sni: Some("www.amazon.com".into()),
                ..query(&from, "internet")
            },
        )
        .expect("trace");
        assert!(
            matches!(&out.verdict, Verdict::ReachesInternet { egress_ip, .. } if egress_ip.to_string() == "198.51.100.10"),
            "{:?}",
            out.verdict
        );
        assert_eq!(
            out.firewalls.len(),
            1,
            "through inspection: {:?}",
            out.firewalls
        );
        // Another account's instance in the same region, through the hub and
        // inspection both ways.
        let other = trace(&net, &query(&from, "10.0.5.10")).expect("trace");
        assert!(
            matches!(other.verdict, Verdict::Delivered { .. }),
            "{:?}",
            other.verdict
        );
        assert!(
            matches!(other.return_verdict, Some(Verdict::Delivered { .. })),
            "{:?}",
            other.return_verdict
        );
        assert!(other.symmetric && other.firewalls.len() == 1, "{other:?}");
        // A spoke in eu-west-1 (10.64.0.0/10), over the peering, through both
        // regions' inspection.
        let far = trace(&net, &query(&from, "10.64.4.10")).expect("trace");
        assert!(
            matches!(far.verdict, Verdict::Delivered { .. }),
            "{:?}",
            far.verdict
        );
        assert_eq!(far.firewalls.len(), 2, "{:?}", far.firewalls);
    }

    /// Each account's read is metered as that account, for what it sees: a workload
    /// account lists its own VPCs and never searches the hub's routes (only the TGW
    /// owner can); the network account searches every table's routes.
    #[tokio::test]
    async fn each_account_pays_for_its_own_share_of_calls() {
        let sim = Arc::new(
            Simulator::from_scenario(generate_organization(3, 2, 2).expect("valid")).expect("sim"),
        );
        let backend = sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false);
        let _ = read(Arc::new(backend) as Arc<dyn Backend>).await;
        let calls = sim.answered_calls();
        let count = |account: &str, api: &str| -> u64 {
            calls
                .iter()
                .filter(|((a, _, x), _)| a == account && x == api)
                .map(|(_, n)| n)
                .sum()
        };
        let workload = workload_account(1);
        assert_eq!(count(&workload, "SearchTransitGatewayRoutes"), 0);
        assert_eq!(
            count(&workload, "GetTransitGatewayRouteTableAssociations"),
            0
        );
        assert_eq!(count(&workload, "DescribeVpcs"), 2, "one page per region");
        assert!(count(NETWORK_ACCOUNT, "SearchTransitGatewayRoutes") >= 4);
        assert_eq!(
            count(NETWORK_ACCOUNT, "GetTransitGatewayRouteTablePropagations"),
            4,
            "two tables in each of two regions"
        );
        let accounts: BTreeSet<&str> = calls.keys().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(accounts.len(), 4, "{accounts:?}");
    }

    /// The issue's scale (300 accounts × 2 regions × 10 spokes: 3,000 spoke
    /// attachments on each hub) is a valid scenario within AWS's quotas; beyond them
    /// a size is refused naming the quota.
    #[test]
    fn the_issues_scale_loads_and_sizes_over_quotas_are_refused() {
        let sim = Simulator::from_scenario(generate_organization(300, 2, 10).expect("valid"))
            .expect("loads");
        let snapshot = sim.snapshot();
        for r in snapshot.values() {
            assert_eq!(r.attachments.len(), 3_002, "{}", r.region);
            assert_eq!(r.vpcs.len(), 3_001, "{}", r.region);
        }
        assert_eq!(sim.organization().len(), 301);

        let err = generate_organization(500, 2, 10).expect_err("5,002 attachments");
        assert!(
            err.to_string().contains(
                "AWS allows 5000 attachments per transit gateway, so at most 4998 spokes"
            ),
            "{err}"
        );
        assert!(generate_organization(499, 2, 10).is_ok(), "4,992 + 2");
        let err = generate_organization(3, 5, 1).expect_err("5 regions");
        assert!(err.to_string().contains("1 to 4"), "{err}");
        assert!(generate_organization(0, 2, 1).is_err());
    }
}
