//! Generated organizations for scale tests and benchmarks (`--scenario-accounts N`).
//!
//! Shape (seed 002's, at scale): a **network account** owns one hub TGW per region,
//! shared through RAM with every other account, and in each region an egress VPC
//! attached to the hub (a NAT gateway and an internet gateway behind it); `accounts`
//! **workload accounts** each own `spokes_per_account_region` spoke VPCs in every
//! region, each attached to the network account's hub there, with one instance (its
//! interface and security group too) owned by the workload account. The hub's
//! `spokes` table holds every spoke attachment's association, a default route to
//! the egress VPC, the other regions' ranges towards the peering, and every spoke's
//! propagated route (east-west traffic goes through the hub); its `egress` table,
//! associated with the egress VPC and the peerings, holds every spoke's propagated
//! route (the way back). The home region's hub peers with each other region's hub
//! (available), so discovery that follows peers reads every region. Optionally one
//! more account whose role cannot be assumed ([`OrgShape::denied_account`]).
//!
//! Addresses: region `r` (0–3) holds its spokes in `10.(64·r).0.0/10`, one /24 per
//! spoke (a /25 subnet, the instance at `.10`); egress VPCs are `100.64.(4·r).0/22`.
//! Ids are AWS-shaped (17 hex digits) and unique across regions. Sizes beyond AWS's
//! quotas (5,000 attachments per TGW, 10,000 routes per TGW route table) are refused,
//! never capped.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::scenario::{ResourceShare, Scenario, ScenarioAccount, ScenarioError};
use crate::model::{
    AttachmentKind, Destination, Instance, InternetGateway, NatGateway, NetworkInterface, Peering,
    PeeringSide, PingStatus, RegionEstate, RouteTableLink, RouteTarget, SecurityGroup, SgRule,
    SsmStatus, Subnet, TgwAttachment, TgwRoute, TgwRouteTable, Toggle, TransitGateway, Vpc,
    VpcRoute, VpcRouteTable, VpcRouteTableAssociation, VpcRouteTarget,
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

    /// Attachments on the home region's hub (the busiest): spokes, the egress VPC,
    /// a peering to each other region.
    fn hub_attachments(&self) -> usize {
        self.spokes()
            .saturating_add(1)
            .saturating_add(self.regions.saturating_sub(1))
    }

    /// Routes in a hub's `spokes` table: a propagated one per spoke, the default
    /// route, one per other region.
    fn spokes_table_routes(&self) -> usize {
        self.spokes()
            .saturating_add(1)
            .saturating_add(self.regions.saturating_sub(1))
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
                "{} accounts × {} spokes need {attachments} attachments on each region's hub TGW (spokes, the egress VPC, peerings); AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway, so at most {} spokes per region",
                self.accounts,
                self.spokes_per_account_region,
                ATTACHMENTS_PER_TGW - extra
            ));
        }
        let routes = self.spokes_table_routes();
        if routes > ROUTES_PER_TGW_ROUTE_TABLE {
            return refuse(format!(
                "the hub's spokes table would hold {routes} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table"
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
        let regions: Vec<RegionEstate> = (0..self.regions).map(|r| self.region(r)).collect();
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

    /// One region: the hub, the egress VPC, the peerings (home region), the spokes.
    #[allow(clippy::too_many_lines)]
    fn region(&self, r: usize) -> RegionEstate {
        let name = ORG_REGIONS[r];
        let az = format!("{name}a");
        let net = NETWORK_ACCOUNT.to_string();
        let tgw = id("tgw", 0, r, 0, 1);
        let spokes_table = id("tgw-rtb", 0, r, 0, 1);
        let egress_table = id("tgw-rtb", 0, r, 0, 2);
        let egress_att = id("tgw-attach", 0, r, 0, 1);
        // The peering between the home hub and region `other`'s (other ≥ 1).
        let peering = |other: usize| id("tgw-attach", 0, 0, 0xf, other);
        let peerings_here: Vec<(usize, String)> = if r == 0 {
            (1..self.regions).map(|o| (o, peering(o))).collect()
        } else {
            vec![(0, peering(r))]
        };

        let mut e = RegionEstate {
            region: name.into(),
            ..RegionEstate::default()
        };
        e.tgws.push(TransitGateway {
            id: tgw.clone(),
            name: Some(format!("hub-{name}")),
            owner_id: net.clone(),
            asn: 64_512 + r as u64,
            dns_support: Toggle::Enable,
            vpn_ecmp_support: Toggle::Enable,
            ..TransitGateway::default()
        });
        if r == 0 {
            for o in 1..self.regions {
                e.peerings.push(Peering {
                    id: peering(o),
                    name: Some(format!("{name}-to-{}", ORG_REGIONS[o])),
                    state: crate::model::AttachmentState::Available,
                    requester: PeeringSide {
                        tgw_id: tgw.clone(),
                        region: name.into(),
                        account_id: net.clone(),
                    },
                    accepter: PeeringSide {
                        tgw_id: id("tgw", 0, o, 0, 1),
                        region: ORG_REGIONS[o].into(),
                        account_id: net.clone(),
                    },
                    ..Peering::default()
                });
            }
        }

        // The egress VPC: TGW subnet → NAT gateway → public subnet → internet gateway.
        let evpc = id("vpc", 0, r, 0, 1);
        let (tgw_subnet, public_subnet) = (id("subnet", 0, r, 0, 1), id("subnet", 0, r, 0, 2));
        let (nat, igw) = (id("nat", 0, r, 0, 1), id("igw", 0, r, 0, 1));
        let o3 = (4 * r) as u8;
        e.vpcs.push(Vpc {
            id: evpc.clone(),
            name: Some(format!("egress-{name}")),
            owner_id: net.clone(),
            cidr_blocks: vec![cidr(100, 64, o3, 0, 22)],
            ..Vpc::default()
        });
        for (sid, label, third) in [
            (&tgw_subnet, "egress-tgw-a", o3),
            (&public_subnet, "egress-public-a", o3 + 1),
        ] {
            e.subnets.push(Subnet {
                id: sid.clone(),
                vpc_id: evpc.clone(),
                name: Some(label.into()),
                cidr: Some(cidr(100, 64, third, 0, 28)),
                availability_zone: az.clone(),
                ..Subnet::default()
            });
        }
        let all_spokes = cidr(10, 0, 0, 0, 8);
        e.vpc_route_tables.push(VpcRouteTable {
            id: id("rtb", 0, r, 0, 1),
            vpc_id: evpc.clone(),
            name: Some("egress-tgw-a".into()),
            associations: vec![
                VpcRouteTableAssociation {
                    main: true,
                    ..VpcRouteTableAssociation::default()
                },
                VpcRouteTableAssociation {
                    subnet_id: Some(tgw_subnet.clone()),
                    ..VpcRouteTableAssociation::default()
                },
            ],
            routes: vec![
                vpc_route(cidr(100, 64, o3, 0, 22), VpcRouteTarget::Local),
                vpc_route(cidr(0, 0, 0, 0, 0), VpcRouteTarget::NatGateway(nat.clone())),
            ],
            ..VpcRouteTable::default()
        });
        e.vpc_route_tables.push(VpcRouteTable {
            id: id("rtb", 0, r, 0, 2),
            vpc_id: evpc.clone(),
            name: Some("egress-public-a".into()),
            associations: vec![VpcRouteTableAssociation {
                subnet_id: Some(public_subnet.clone()),
                ..VpcRouteTableAssociation::default()
            }],
            routes: vec![
                vpc_route(cidr(100, 64, o3, 0, 22), VpcRouteTarget::Local),
                vpc_route(
                    cidr(0, 0, 0, 0, 0),
                    VpcRouteTarget::InternetGateway(igw.clone()),
                ),
                vpc_route(all_spokes, VpcRouteTarget::TransitGateway(tgw.clone())),
            ],
            ..VpcRouteTable::default()
        });
        e.internet_gateways.push(InternetGateway {
            id: igw,
            name: Some(format!("egress-{name}")),
            vpc_ids: vec![evpc.clone()],
            ..InternetGateway::default()
        });
        e.nat_gateways.push(NatGateway {
            id: nat,
            name: Some(format!("egress-{name}")),
            vpc_id: evpc.clone(),
            subnet_id: public_subnet,
            state: "available".into(),
            connectivity: "public".into(),
            public_ips: vec![IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10 + r as u8))],
            private_ips: vec![IpAddr::V4(Ipv4Addr::new(100, 64, o3 + 1, 5))],
            ..NatGateway::default()
        });
        e.attachments.push(TgwAttachment {
            id: egress_att.clone(),
            tgw_id: tgw.clone(),
            tgw_owner_id: Some(net.clone()),
            name: Some(format!("egress-{name}")),
            kind: AttachmentKind::Vpc,
            resource_id: Some(evpc),
            resource_owner_id: Some(net.clone()),
            subnet_ids: vec![tgw_subnet],
            appliance_mode: Some(false),
            ..TgwAttachment::default()
        });

        // The hub's tables.
        let mut spokes_rt = TgwRouteTable {
            id: spokes_table,
            tgw_id: tgw.clone(),
            name: Some("spokes".into()),
            routes: vec![tgw_route(cidr(0, 0, 0, 0, 0), &egress_att)],
            ..TgwRouteTable::default()
        };
        let mut egress_rt = TgwRouteTable {
            id: egress_table,
            tgw_id: tgw.clone(),
            name: Some("egress".into()),
            associations: vec![link(egress_att)],
            ..TgwRouteTable::default()
        };
        for (other, att) in &peerings_here {
            spokes_rt.routes.push(tgw_route(region_range(*other), att));
            egress_rt.routes.push(tgw_route(region_range(*other), att));
            egress_rt.associations.push(link(att.clone()));
        }

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
                    ..SecurityGroup::default()
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
                spokes_rt.associations.push(link(att.clone()));
                spokes_rt.propagations.push(link(att.clone()));
                egress_rt.propagations.push(link(att));
            }
        }
        e.tgw_route_tables = vec![spokes_rt, egress_rt];
        e
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
        assert_eq!(progress.line(), "accounts 7/7, regions 14/14");
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
            // 15 spokes, the egress VPC, one peering.
            assert_eq!(r.attachments.len(), 17, "{region}");
            assert_eq!(r.tgw_route_tables.len(), 2, "{region}");
            for table in &r.tgw_route_tables {
                let propagated = table
                    .routes
                    .iter()
                    .filter(|x| x.route_type == RouteType::Propagated)
                    .count();
                assert_eq!(propagated, 15, "{region} {:?}", table.name);
            }
            let gap = r
                .gaps
                .iter()
                .find(|g| g.part == format!("account {DENIED_ACCOUNT}"))
                .expect("the denied account is a gap");
            assert!(gap.error.contains("AccessDenied"), "{gap:?}");
        }

        let net = Net::new(&merged);
        let from = id("i", 1, 0, 0, 0);
        let out = trace(&net, &query(&from, "internet")).expect("trace");
        assert!(
            matches!(&out.verdict, Verdict::ReachesInternet { egress_ip, .. } if egress_ip.to_string() == "198.51.100.10"),
            "{:?}",
            out.verdict
        );
        // Another account's instance in the same region, through the hub.
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
        // A spoke in eu-west-1 (10.64.0.0/10), over the peering.
        let far = trace(&net, &query(&from, "10.64.4.10")).expect("trace");
        assert!(
            matches!(far.verdict, Verdict::Delivered { .. }),
            "{:?}",
            far.verdict
        );
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
