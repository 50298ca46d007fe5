//! The audit: what is broken in the whole estate, found before a user does.
//!
//! Invariants:
//! - Every finding is data ([`Finding`]): kind, severity, the objects involved, and
//!   through [`Finding::message`] / [`Finding::fix`] a sentence and a next step.
//! - Reachability is asked of the path engine ([`super::trace`]) in routing mode (the
//!   firewall's rules are the firewall's business; routing must still get packets to
//!   it and back), never re-derived here.
//! - Roles are read from the estate: a *hub* is a VPC holding a Network Firewall or a
//!   Gateway Load Balancer endpoint (inspection), or a NAT gateway that a TGW default
//!   route sends to (central egress); a *spoke* is any other VPC attached to a TGW.
//! - The order is stable: the basic findings ([`super::findings::findings`]) first,
//!   then each class below in turn, each in region and object order.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::findings::{Finding, FindingKind, ObjectKind, ObjectRef, Severity, findings};
use super::index::Net;
use super::targets::LeadsTo;
use super::trace::{self, TraceQuery, Verdict};
use crate::model::{
    AttachmentKind, RouteState, RouteType, Subnet, TgwAttachment, Vpc, VpcRouteTarget,
};

/// At most this many VPC pairs are traced across each peering.
const PEER_PAIRS: usize = 50;

/// How the audit asks for a trace: [`trace::trace`] itself, or (for a change's
/// impact, [`crate::ops::impact`]) a cache that answers unaffected queries from an
/// earlier audit.
pub(crate) type Tracer<'t> =
    dyn FnMut(&TraceQuery) -> Result<Arc<trace::Trace>, trace::TraceError> + 't;

/// Audits the estate: every class of the module docs.
#[must_use]
pub fn audit(net: &Net<'_>) -> Vec<Finding> {
    audit_with(net, &mut |q| trace::trace(net, q).map(Arc::new))
}

/// [`audit`], asking `tracer` for every trace (each query is a routing-only
/// [`TraceQuery`] over `net`).
pub(crate) fn audit_with(net: &Net<'_>, tracer: &mut Tracer<'_>) -> Vec<Finding> {
    let mut out = findings(net.estate());
    let roles = Roles::of(net);
    unusable_route_targets(net, &mut out);
    egress(net, &roles, tracer, &mut out);
    asymmetry(net, &roles, &mut out);
    isolation(net, &roles, tracer, &mut out);
    peerings(net, &roles, tracer, &mut out);
    overlaps(net, &mut out);
    home_net(net, &mut out);
    az_coverage(net, &roles, &mut out);
    loops(net, tracer, &mut out);
    out
}

/// Routing loops between a TGW route table and a VPC: a static route sends a prefix
/// to a VPC attachment, and that VPC (whose CIDRs do not hold the prefix) routes it
/// back to a Transit Gateway. Each candidate is traced (routing only) from a VPC
/// whose attachment uses that table, and reported when the trace names a loop; the
/// cheap pre-check keeps a table of thousands of routes to its few candidates.
fn loops(net: &Net<'_>, tracer: &mut Tracer<'_>, out: &mut Vec<Finding>) {
    for r in net.regions() {
        for table in &r.tgw_route_tables {
            // A source whose traffic this table routes: a subnet of a VPC whose
            // attachment is associated with it.
            let Some(source) = table.associations.iter().find_map(|l| {
                let att = net.attachment_in(&r.region, &l.attachment_id)?;
                let vpc = net.vpc_in(&r.region, att.resource_id.as_deref()?)?;
                net.vpc_subnets(vpc).first().map(|s| s.id.clone())
            }) else {
                continue;
            };
            for route in &table.routes {
                if route.route_type != RouteType::Static
                    || route.state != RouteState::Active
                    || route.targets.len() != 1
                {
                    continue;
                }
                let Some(cidr) = route.destination.cidr() else {
                    continue;
                };
                let Some(att) = net.attachment_in(&r.region, &route.targets[0].attachment_id)
                else {
                    continue;
                };
                let Some(vpc) = att
                    .resource_id
                    .as_deref()
                    .filter(|_| att.kind == AttachmentKind::Vpc)
                    .and_then(|v| net.vpc_in(&r.region, v))
                else {
                    continue;
                };
                let host = cidr.network();
                if vpc.cidr_blocks.iter().any(|c| c.contains(&host)) {
                    continue;
                }
                let back_to_tgw = net.vpc_route_tables_of(vpc).iter().any(|t| {
                    matches!(
                        net.vpc_lookup(t, host).target(),
                        Some(VpcRouteTarget::TransitGateway(_))
                    )
                });
                if !back_to_tgw {
                    continue;
                }
                let Ok(t) = tracer(&routing(&source, &host.to_string())) else {
                    continue;
                };
                if let Verdict::Dropped { reason, .. } = t.verdict.settled()
                    && reason.starts_with("routing loop")
                {
                    out.push(Finding {
                        kind: FindingKind::RoutingLoop {
                            route_table_id: table.id.clone(),
                            destination: route.destination.clone(),
                            attachment_id: att.id.clone(),
                            path: path_words(&t.hops),
                        },
                        severity: Severity::Error,
                        region: r.region.clone(),
                        objects: vec![
                            ObjectRef::new(ObjectKind::TgwRouteTable, &table.id, &r.region),
                            ObjectRef::new(ObjectKind::TgwAttachment, &att.id, &r.region),
                            ObjectRef::new(ObjectKind::Vpc, &vpc.id, &r.region),
                        ],
                    });
                }
            }
        }
    }
}

/// Which VPCs are hubs (inspection, central egress) and which are spokes.
pub(crate) struct Roles<'a> {
    /// (region, vpc id) of inspection VPCs (firewall or GWLB endpoint).
    pub(crate) inspection: BTreeSet<(String, String)>,
    /// Spoke VPCs, with the attachments that join them to a TGW.
    pub(crate) spokes: Vec<(&'a Vpc, Vec<&'a TgwAttachment>)>,
    /// (region, vpc id) of hub VPCs: inspection VPCs and central egress VPCs (a TGW
    /// default route leads to them and they hold a NAT gateway).
    pub(crate) hubs: BTreeSet<(String, String)>,
}

impl<'a> Roles<'a> {
    pub(crate) fn of(net: &Net<'a>) -> Self {
        let mut inspection = BTreeSet::new();
        let mut hubs = BTreeSet::new();
        for r in net.regions() {
            let region = r.region.clone();
            for fw in &r.firewalls {
                inspection.insert((region.clone(), fw.vpc_id.clone()));
            }
            for e in &r.vpc_endpoints {
                if e.endpoint_type.eq_ignore_ascii_case("GatewayLoadBalancer") {
                    inspection.insert((region.clone(), e.vpc_id.clone()));
                }
            }
            // Central egress: the VPC a TGW default route leads to holds a NAT gateway.
            for t in &r.tgw_route_tables {
                for route in &t.routes {
                    if route
                        .destination
                        .cidr()
                        .is_some_and(|c| c.prefix_len() == 0)
                    {
                        for target in &route.targets {
                            if let Some(att) = net.attachment_in(&region, &target.attachment_id)
                                && att.kind == AttachmentKind::Vpc
                                && let Some(vpc) = &att.resource_id
                                && r.nat_gateways.iter().any(|n| &n.vpc_id == vpc)
                            {
                                hubs.insert((region.clone(), vpc.clone()));
                            }
                        }
                    }
                }
            }
        }
        hubs.extend(inspection.iter().cloned());
        let mut spokes = Vec::new();
        for r in net.regions() {
            for vpc in &r.vpcs {
                if hubs.contains(&(r.region.clone(), vpc.id.clone())) {
                    continue;
                }
                let atts = net.vpc_attachments(&r.region, &vpc.id);
                if !atts.is_empty() {
                    spokes.push((vpc, atts));
                }
            }
        }
        Self {
            inspection,
            spokes,
            hubs,
        }
    }

    fn is_inspection(&self, region: &str, vpc: &str) -> bool {
        self.inspection
            .contains(&(region.to_string(), vpc.to_string()))
    }

    fn is_spoke(&self, region: &str, vpc: &str) -> bool {
        self.spokes
            .iter()
            .any(|(v, _)| v.region == region && v.id == vpc)
    }

    fn region_inspects(&self, region: &str) -> bool {
        self.inspection.iter().any(|(r, _)| r == region)
    }
}

pub(crate) fn routing(from: &str, to: &str) -> TraceQuery {
    TraceQuery {
        from: from.to_string(),
        to: to.to_string(),
        protocol: None,
        port: None,
        sni: None,
        routing_only: true,
        http_host: None,
    }
}

/// The hops of a path in words, for a finding.
fn path_words(hops: &[trace::Hop]) -> Vec<String> {
    hops.iter()
        .map(|h| match &h.name {
            Some(n) => format!("{} {} ({n}): {}", kind_word(h.kind), h.id, h.decision),
            None => format!("{} {}: {}", kind_word(h.kind), h.id, h.decision),
        })
        .collect()
}

fn kind_word(k: trace::HopKind) -> &'static str {
    use trace::HopKind as H;
    match k {
        H::Source => "from",
        H::VpcRouteTable => "route table",
        H::TgwAttachment => "into TGW via",
        H::TgwRouteTable => "TGW route table",
        H::TgwPeering => "peering",
        H::VpcAttachment => "into VPC via",
        H::Firewall => "firewall",
        H::Appliance => "appliance",
        H::NatGateway => "NAT",
        H::InternetGateway => "internet gateway",
        H::VpcEndpoint => "endpoint",
        H::VpcPeering => "VPC peering",
        H::LeavesAws => "leaves via",
        H::Destination => "to",
        H::NetworkAcl => "network ACL",
        H::SecurityGroup => "security group",
        H::Drop => "dropped at",
    }
}

fn first_host(subnet: &Subnet) -> Option<IpAddr> {
    subnet.cidr.map(trace::first_host)
}

// ---------------------------------------------------------------- route targets

fn unusable_route_targets(net: &Net<'_>, out: &mut Vec<Finding>) {
    for r in net.regions() {
        for table in &r.tgw_route_tables {
            for route in &table.routes {
                if route.state != RouteState::Active || route.route_type != RouteType::Static {
                    continue;
                }
                for target in &route.targets {
                    let Some(att) = net.attachment_in(&r.region, &target.attachment_id) else {
                        continue;
                    };
                    if att.state.is_usable() {
                        continue;
                    }
                    out.push(Finding {
                        kind: FindingKind::RouteToUnusableAttachment {
                            route_table_id: table.id.clone(),
                            destination: route.destination.clone(),
                            attachment_id: att.id.clone(),
                            state: att.state.to_string(),
                        },
                        severity: Severity::Error,
                        region: r.region.clone(),
                        objects: vec![
                            ObjectRef::new(ObjectKind::TgwRouteTable, &table.id, &r.region),
                            ObjectRef::new(ObjectKind::TgwAttachment, &att.id, &r.region),
                        ],
                    });
                }
            }
        }
    }
}

// ----------------------------------------------------------- egress and return

/// For each spoke: routes to its own internet or NAT gateway, paths to the internet
/// that cross no firewall, and paths whose reply does not come back.
fn egress(net: &Net<'_>, roles: &Roles<'_>, tracer: &mut Tracer<'_>, out: &mut Vec<Finding>) {
    for (vpc, _) in &roles.spokes {
        let region = vpc.region.as_str();
        let Some(r) = net.region(region) else {
            continue;
        };
        // Sources: each route table in use (one subnet each), and each instance with
        // a public IP (an internet gateway lets only those out).
        let mut sources: Vec<(String, String)> = Vec::new();
        let mut tables_seen = HashSet::new();
        for subnet in net.vpc_subnets(vpc) {
            if let Some((table, _)) = net.subnet_route_table(subnet)
                && tables_seen.insert(table.id.as_str())
            {
                sources.push((subnet.id.clone(), table.id.clone()));
            }
        }
        for inst in r.instances.iter().filter(|i| {
            i.vpc_id.as_deref() == Some(&vpc.id) && i.public_ip.is_some() && i.subnet_id.is_some()
        }) {
            let table = inst
                .subnet_id
                .as_deref()
                .and_then(|s| net.subnet_in(region, s))
                .and_then(|s| net.subnet_route_table(s))
                .map(|(t, _)| t.id.clone())
                .unwrap_or_default();
            sources.push((inst.id.clone(), table));
        }
        let mut reported: HashSet<String> = HashSet::new();
        for (from, table_id) in &sources {
            let Ok(t) = tracer(&routing(from, "internet")) else {
                continue;
            };
            match t.verdict.settled() {
                Verdict::ReachesInternet { egress_ip, via } if t.firewalls.is_empty() => {
                    let bypass = !roles.region_inspects(region)
                        && t.hops.iter().any(|h| {
                            h.kind == trace::HopKind::InternetGateway
                                && net
                                    .internet_gateway_in(region, &h.id)
                                    .is_some_and(|g| g.vpc_ids.contains(&vpc.id))
                        });
                    if (roles.region_inspects(region) || bypass)
                        && reported.insert(table_id.clone())
                    {
                        out.push(bypass_finding(
                            vpc,
                            table_id,
                            via,
                            Some(*egress_ip),
                            path_words(&t.hops),
                            from,
                        ));
                    }
                }
                _ => {}
            }
            if t.verdict.arrives()
                && let Some(rv) = &t.return_verdict
                && !rv.arrives()
            {
                out.push(Finding {
                    kind: FindingKind::MissingReturnRoute {
                        from: from.clone(),
                        to: "internet".into(),
                        reason: rv.summary(),
                    },
                    severity: Severity::Error,
                    region: region.to_string(),
                    objects: return_objects(&t, region, vpc),
                });
            }
        }
        // Routes to the spoke's own gateways that no trace got out through (no
        // public IP behind them yet): still a way around inspection.
        for table in net.vpc_route_tables_of(vpc) {
            if reported.contains(&table.id) {
                continue;
            }
            let own = table.routes.iter().find_map(|route| match &route.target {
                VpcRouteTarget::InternetGateway(g)
                    if net
                        .internet_gateway_in(region, g)
                        .is_some_and(|x| x.vpc_ids.contains(&vpc.id)) =>
                {
                    Some(g.clone())
                }
                VpcRouteTarget::NatGateway(n)
                    if net
                        .nat_gateway_in(region, n)
                        .is_some_and(|x| x.vpc_id == vpc.id) =>
                {
                    Some(n.clone())
                }
                _ => None,
            });
            if let Some(via) = own {
                reported.insert(table.id.clone());
                out.push(bypass_finding(
                    vpc,
                    &table.id,
                    &via,
                    None,
                    Vec::new(),
                    &table.id,
                ));
            }
        }
    }
}

fn bypass_finding(
    vpc: &Vpc,
    table_id: &str,
    via: &str,
    egress_ip: Option<IpAddr>,
    path: Vec<String>,
    from: &str,
) -> Finding {
    let region = vpc.region.as_str();
    let mut objects = vec![
        ObjectRef::new(ObjectKind::Vpc, &vpc.id, region),
        ObjectRef::new(ObjectKind::VpcRouteTable, table_id, region),
    ];
    if from.starts_with("i-") {
        objects.push(ObjectRef::new(ObjectKind::Instance, from, region));
    }
    Finding {
        kind: FindingKind::EgressBypassesInspection {
            vpc_id: vpc.id.clone(),
            vpc_name: vpc.name.clone(),
            route_table_id: table_id.to_string(),
            via: via.to_string(),
            egress_ip,
            path,
        },
        severity: if egress_ip.is_some() {
            Severity::Error
        } else {
            Severity::Warning
        },
        region: region.to_string(),
        objects,
    }
}

fn return_objects(t: &trace::Trace, region: &str, vpc: &Vpc) -> Vec<ObjectRef> {
    let mut objects = Vec::new();
    if let Some(h) = t.return_hops.iter().rev().find(|h| {
        matches!(
            h.kind,
            trace::HopKind::VpcRouteTable | trace::HopKind::TgwRouteTable
        )
    }) && let Some(o) = &h.object
    {
        objects.push(o.clone());
    }
    objects.push(ObjectRef::new(ObjectKind::Vpc, &vpc.id, region));
    objects
}

// ------------------------------------------------------------------- asymmetry

fn asymmetry(net: &Net<'_>, roles: &Roles<'_>, out: &mut Vec<Finding>) {
    for r in net.regions() {
        let region = r.region.as_str();
        for att in &r.attachments {
            if att.kind == AttachmentKind::Vpc
                && att.appliance_mode == Some(false)
                && let Some(vpc) = &att.resource_id
                && roles.is_inspection(region, vpc)
            {
                out.push(Finding {
                    kind: FindingKind::ApplianceModeOff {
                        attachment_id: att.id.clone(),
                        vpc_id: vpc.clone(),
                    },
                    severity: Severity::Error,
                    region: region.to_string(),
                    objects: vec![
                        ObjectRef::new(ObjectKind::TgwAttachment, &att.id, region),
                        ObjectRef::new(ObjectKind::Vpc, vpc, region),
                    ],
                });
            }
        }
        for table in &r.tgw_route_tables {
            for route in &table.routes {
                if route.targets.len() < 2 {
                    continue;
                }
                let vpn: Vec<String> = route
                    .targets
                    .iter()
                    .filter(|t| {
                        t.resource_type == Some(AttachmentKind::Vpn)
                            || net
                                .attachment_in(region, &t.attachment_id)
                                .is_some_and(|a| a.kind == AttachmentKind::Vpn)
                    })
                    .map(|t| t.attachment_id.clone())
                    .collect();
                if vpn.len() >= 2 {
                    let mut objects =
                        vec![ObjectRef::new(ObjectKind::TgwRouteTable, &table.id, region)];
                    objects.extend(
                        vpn.iter()
                            .map(|a| ObjectRef::new(ObjectKind::TgwAttachment, a, region)),
                    );
                    out.push(Finding {
                        kind: FindingKind::EcmpOverVpn {
                            route_table_id: table.id.clone(),
                            destination: route.destination.clone(),
                            attachments: vpn,
                        },
                        severity: Severity::Warning,
                        region: region.to_string(),
                        objects,
                    });
                }
            }
        }
    }
}

// ------------------------------------------------------------------- isolation

/// A spoke that reaches another spoke with no firewall on the path: found from the
/// routes of each table spokes are associated with (and spoke VPC peerings), each
/// confirmed by a trace.
fn isolation(net: &Net<'_>, roles: &Roles<'_>, tracer: &mut Tracer<'_>, out: &mut Vec<Finding>) {
    let mut done: HashSet<(String, String)> = HashSet::new();
    for (from, to) in isolation_pairs(net, roles) {
        check_pair(net, from, to, tracer, &mut done, out);
    }
}

/// The spoke pairs the isolation check traces: for each TGW route table spokes are
/// associated with, each spoke a route of it leads to, from another member; and
/// spokes joined by a VPC peering connection. In order, without repeats.
pub(crate) fn isolation_pairs<'a>(net: &Net<'a>, roles: &Roles<'a>) -> Vec<(&'a Vpc, &'a Vpc)> {
    let mut pairs: Vec<(&'a Vpc, &'a Vpc)> = Vec::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut push = |from: &'a Vpc, to: &'a Vpc| {
        if seen.insert((from.id.as_str(), to.id.as_str())) {
            pairs.push((from, to));
        }
    };
    // Table → the spokes associated with it.
    let mut by_table: BTreeMap<(String, String), Vec<&Vpc>> = BTreeMap::new();
    for (vpc, atts) in &roles.spokes {
        for att in atts {
            if let Some(t) = net.associated_route_table(att) {
                by_table
                    .entry((t.region.clone(), t.id.clone()))
                    .or_default()
                    .push(vpc);
            }
        }
    }
    for ((region, table_id), members) in &by_table {
        let Some(table) = net.tgw_route_table_in(region, table_id) else {
            continue;
        };
        let mut targets: Vec<&Vpc> = Vec::new();
        for route in &table.routes {
            for target in &route.targets {
                if let LeadsTo::Vpc { vpc: Some(v), .. } = net.tgw_target_leads_to(region, target)
                    && roles.is_spoke(region, &v.id)
                    && !targets.iter().any(|x| x.id == v.id)
                {
                    targets.push(v);
                }
            }
        }
        for to in targets {
            let Some(from) = members.iter().find(|m| m.id != to.id) else {
                continue;
            };
            push(from, to);
        }
    }
    // Spoke to spoke over VPC peering connections.
    for (vpc, _) in &roles.spokes {
        for table in net.vpc_route_tables_of(vpc) {
            for route in &table.routes {
                if let VpcRouteTarget::PeeringConnection(pcx) = &route.target
                    && let Some(p) = net.vpc_peering(pcx)
                {
                    let other = if p.requester.vpc_id == vpc.id {
                        &p.accepter
                    } else {
                        &p.requester
                    };
                    if roles.is_spoke(&other.region, &other.vpc_id)
                        && let Some(to) = net.vpc_in(&other.region, &other.vpc_id)
                    {
                        push(vpc, to);
                    }
                }
            }
        }
    }
    pairs
}

/// The source subnet and destination address an isolation pair is traced with.
pub(crate) fn pair_endpoints<'a>(
    net: &Net<'a>,
    from: &Vpc,
    to: &Vpc,
) -> Option<(&'a Subnet, IpAddr)> {
    let src = net.vpc_subnets(from).into_iter().next()?;
    let dst = net.vpc_subnets(to).into_iter().find_map(first_host)?;
    Some((src, dst))
}

fn check_pair(
    net: &Net<'_>,
    from: &Vpc,
    to: &Vpc,
    tracer: &mut Tracer<'_>,
    done: &mut HashSet<(String, String)>,
    out: &mut Vec<Finding>,
) {
    if !done.insert((from.id.clone(), to.id.clone())) {
        return;
    }
    let Some((src, dst)) = pair_endpoints(net, from, to) else {
        return;
    };
    let Ok(t) = tracer(&routing(&src.id, &dst.to_string())) else {
        return;
    };
    if matches!(t.verdict.settled(), Verdict::Delivered { .. }) && t.firewalls.is_empty() {
        out.push(Finding {
            kind: FindingKind::IsolationBreak {
                from_vpc: from.id.clone(),
                to_vpc: to.id.clone(),
                path: path_words(&t.hops),
            },
            severity: Severity::Error,
            region: from.region.clone(),
            objects: vec![
                ObjectRef::new(ObjectKind::Vpc, &from.id, &from.region),
                ObjectRef::new(ObjectKind::Vpc, &to.id, &to.region),
            ],
        });
    }
}

// -------------------------------------------------------------------- peerings

fn peerings(net: &Net<'_>, roles: &Roles<'_>, tracer: &mut Tracer<'_>, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for r in net.regions() {
        for p in &r.peerings {
            if !p.state.is_usable() || !seen.insert(p.id.as_str()) {
                continue;
            }
            let mut missing = Vec::new();
            let mut objects = vec![ObjectRef::new(ObjectKind::Peering, &p.id, &r.region)];
            for side in [&p.requester, &p.accepter] {
                if net.region(&side.region).is_none() {
                    continue;
                }
                let Some(att) = net.attachment_in(&side.region, &p.id) else {
                    continue;
                };
                if net.associated_route_table(att).is_none() {
                    missing.push(format!(
                        "it is associated with no route table in {}",
                        side.region
                    ));
                }
                let routed = net.regions().filter(|x| x.region == side.region).any(|x| {
                    x.tgw_route_tables.iter().any(|t| {
                        t.tgw_id == side.tgw_id
                            && t.routes.iter().any(|route| {
                                route.targets.iter().any(|tg| tg.attachment_id == p.id)
                            })
                    })
                });
                if !routed {
                    missing.push(format!("no route in {} sends traffic to it", side.region));
                    objects.push(ObjectRef::new(
                        ObjectKind::TransitGateway,
                        &side.tgw_id,
                        &side.region,
                    ));
                }
            }
            if !missing.is_empty() {
                out.push(Finding {
                    kind: FindingKind::PeeringWithoutRoutes {
                        peering_id: p.id.clone(),
                        name: p.name.clone(),
                        missing,
                    },
                    severity: Severity::Warning,
                    region: r.region.clone(),
                    objects,
                });
                continue;
            }
            peered_returns(net, roles, p, tracer, out);
        }
    }
}

/// Spoke pairs across a working peering: the reply must come back too.
fn peered_returns(
    net: &Net<'_>,
    roles: &Roles<'_>,
    p: &crate::model::Peering,
    tracer: &mut Tracer<'_>,
    out: &mut Vec<Finding>,
) {
    let side_spokes = |tgw: &str, region: &str| -> Vec<&Vpc> {
        roles
            .spokes
            .iter()
            .filter(|(v, atts)| v.region == region && atts.iter().any(|a| a.tgw_id == tgw))
            .map(|(v, _)| *v)
            .collect()
    };
    let a = side_spokes(&p.requester.tgw_id, &p.requester.region);
    let b = side_spokes(&p.accepter.tgw_id, &p.accepter.region);
    let mut traced = 0;
    for from in &a {
        for to in &b {
            if traced >= PEER_PAIRS {
                return;
            }
            traced += 1;
            let Some(src) = net.vpc_subnets(from).into_iter().next() else {
                continue;
            };
            let Some(dst) = net.vpc_subnets(to).into_iter().find_map(first_host) else {
                continue;
            };
            let Ok(t) = tracer(&routing(&src.id, &dst.to_string())) else {
                continue;
            };
            if t.verdict.arrives()
                && let Some(rv) = &t.return_verdict
                && !rv.arrives()
            {
                out.push(Finding {
                    kind: FindingKind::MissingReturnRoute {
                        from: format!("{} ({})", from.id, from.region),
                        to: format!("{} ({})", to.id, to.region),
                        reason: rv.summary(),
                    },
                    severity: Severity::Error,
                    region: from.region.clone(),
                    objects: return_objects(&t, &from.region, from),
                });
            }
        }
    }
}

// -------------------------------------------------------------------- overlaps

fn overlaps(net: &Net<'_>, out: &mut Vec<Finding>) {
    let mut all: Vec<(IpNet, &Vpc)> = Vec::new();
    for r in net.regions() {
        for v in &r.vpcs {
            for c in &v.cidr_blocks {
                all.push((*c, v));
            }
        }
    }
    all.sort_by_key(|a| (a.0.network(), a.0.prefix_len()));
    // Sweep: each CIDR against the ones still open before it.
    let mut open: Vec<(IpNet, &Vpc)> = Vec::new();
    let mut seen = HashSet::new();
    for (cidr, vpc) in all {
        open.retain(|(c, _)| c.contains(&cidr.network()));
        for (c, v) in &open {
            if (v.id == vpc.id && v.region == vpc.region)
                || !seen.insert((v.id.clone(), vpc.id.clone()))
            {
                continue;
            }
            out.push(Finding {
                kind: FindingKind::OverlappingCidrs {
                    vpc_id: vpc.id.clone(),
                    cidr,
                    other_vpc_id: v.id.clone(),
                    other_region: v.region.clone(),
                    other_cidr: *c,
                },
                severity: Severity::Warning,
                region: vpc.region.clone(),
                objects: vec![
                    ObjectRef::new(ObjectKind::Vpc, &vpc.id, &vpc.region),
                    ObjectRef::new(ObjectKind::Vpc, &v.id, &v.region),
                ],
            });
        }
        open.push((cidr, vpc));
    }
}

// -------------------------------------------------------------------- HOME_NET

fn home_net(net: &Net<'_>, out: &mut Vec<Finding>) {
    for r in net.regions() {
        let region = r.region.as_str();
        for fw in &r.firewalls {
            if net.vpc_attachments(region, &fw.vpc_id).is_empty() {
                continue;
            }
            let Some(policy) = net.firewall_policy_in(region, &fw.policy_arn) else {
                continue;
            };
            if policy.policy_variables.contains_key("HOME_NET") {
                continue;
            }
            let rules_use_it = policy.stateful_rule_groups.iter().any(|g| {
                net.rule_group_in(region, &g.arn).is_some_and(|g| {
                    !g.ip_sets.contains_key("HOME_NET")
                        && g.rules_string
                            .as_deref()
                            .is_some_and(|s| s.contains("$HOME_NET") || s.contains("$EXTERNAL_NET"))
                })
            });
            let home: Vec<IpNet> = net
                .vpc_in(region, &fw.vpc_id)
                .map(|v| v.cidr_blocks.clone())
                .unwrap_or_default();
            out.push(Finding {
                kind: FindingKind::HomeNetNotOverridden {
                    firewall: fw.name.clone(),
                    policy: policy.name.clone(),
                    home_net: home,
                    rules_use_it,
                },
                severity: if rules_use_it {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                region: region.to_string(),
                objects: vec![
                    ObjectRef::new(ObjectKind::NetworkFirewall, &fw.id, region),
                    ObjectRef::new(ObjectKind::FirewallPolicy, &policy.id, region),
                ],
            });
        }
    }
}

// ---------------------------------------------------------------- AZ coverage

fn az_coverage(net: &Net<'_>, roles: &Roles<'_>, out: &mut Vec<Finding>) {
    for r in net.regions() {
        let region = r.region.as_str();
        for fw in &r.firewalls {
            let fw_atts = net.vpc_attachments(region, &fw.vpc_id);
            if fw_atts.is_empty() {
                continue;
            }
            let covered: BTreeSet<&str> = fw
                .endpoints
                .iter()
                .map(|e| e.availability_zone.as_str())
                .collect();
            let tgws: BTreeSet<&str> = fw_atts.iter().map(|a| a.tgw_id.as_str()).collect();
            let mut by_az: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut add = |s: &Subnet| {
                if !covered.contains(s.availability_zone.as_str()) {
                    by_az
                        .entry(s.availability_zone.clone())
                        .or_default()
                        .push(s.id.clone());
                }
            };
            for att in r
                .attachments
                .iter()
                .filter(|a| a.kind == AttachmentKind::Vpc && tgws.contains(a.tgw_id.as_str()))
            {
                for s in att
                    .subnet_ids
                    .iter()
                    .filter_map(|s| net.subnet_in(region, s))
                {
                    add(s);
                }
            }
            for (vpc, atts) in &roles.spokes {
                if vpc.region == region && atts.iter().any(|a| tgws.contains(a.tgw_id.as_str())) {
                    for s in net.vpc_subnets(vpc) {
                        add(s);
                    }
                }
            }
            for (az, mut subnets) in by_az {
                subnets.sort();
                subnets.dedup();
                let mut objects = vec![ObjectRef::new(ObjectKind::NetworkFirewall, &fw.id, region)];
                objects.extend(
                    subnets
                        .iter()
                        .take(5)
                        .map(|s| ObjectRef::new(ObjectKind::Subnet, s, region)),
                );
                out.push(Finding {
                    kind: FindingKind::AzWithoutFirewall {
                        availability_zone: az,
                        firewall: fw.name.clone(),
                        subnets,
                    },
                    severity: Severity::Warning,
                    region: region.to_string(),
                    objects,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttachmentState, Estate, RegionEstate, RegionLoad};
    use crate::net::trace::tests::demo;

    fn region<'e>(estate: &'e mut Estate, name: &str) -> &'e mut RegionEstate {
        match estate.regions.get_mut(name) {
            Some(RegionLoad::Loaded { estate }) => estate,
            _ => panic!("{name} not loaded"),
        }
    }

    fn codes(estate: &Estate) -> Vec<&'static str> {
        audit(&Net::new(estate))
            .iter()
            .map(|f| f.kind.code())
            .collect()
    }

    #[tokio::test]
    async fn an_available_peering_with_no_routes_is_named_with_both_sides() {
        let mut estate = demo().await;
        assert!(!codes(&estate).contains(&"peering_without_routes"));
        for r in ["us-east-1", "eu-west-1"] {
            let reg = region(&mut estate, r);
            for p in &mut reg.peerings {
                p.state = AttachmentState::Available;
            }
            for a in &mut reg.attachments {
                if a.kind == AttachmentKind::Peering {
                    a.state = AttachmentState::Available;
                }
            }
        }
        let found = audit(&Net::new(&estate));
        let f = found
            .iter()
            .find(|f| f.kind.code() == "peering_without_routes")
            .expect("finding");
        let FindingKind::PeeringWithoutRoutes { missing, .. } = &f.kind else {
            unreachable!()
        };
        assert!(
            missing.iter().any(|m| m.contains("us-east-1")),
            "{missing:?}"
        );
        assert!(
            missing.iter().any(|m| m.contains("eu-west-1")),
            "{missing:?}"
        );
    }

    #[tokio::test]
    async fn an_az_with_spoke_subnets_and_no_firewall_endpoint_is_named() {
        let mut estate = demo().await;
        assert!(!codes(&estate).contains(&"az_without_firewall"));
        let r = region(&mut estate, "us-east-1");
        let mut extra = r.subnets[8].clone();
        extra.id = "subnet-0e1a2b3c4d5e6f7c9".into();
        extra.cidr = Some("10.0.2.0/24".parse().expect("test value"));
        extra.availability_zone = "us-east-1c".into();
        r.subnets.push(extra);
        let found = audit(&Net::new(&estate));
        let f = found
            .iter()
            .find(|f| f.kind.code() == "az_without_firewall")
            .expect("finding");
        assert!(f.message().contains("us-east-1c"), "{}", f.message());
    }

    #[tokio::test]
    async fn a_static_route_to_a_pending_attachment_is_named() {
        let mut estate = demo().await;
        assert!(!codes(&estate).contains(&"route_to_unusable_attachment"));
        let r = region(&mut estate, "us-east-1");
        for a in &mut r.attachments {
            if a.id == "tgw-attach-0e1a2b3c4d5e6f721" {
                a.state = AttachmentState::PendingAcceptance;
            }
        }
        assert!(codes(&estate).contains(&"route_to_unusable_attachment"));
    }

    #[tokio::test]
    async fn home_net_set_by_the_policy_is_not_a_finding() {
        let mut estate = demo().await;
        assert!(!codes(&estate).contains(&"home_net_not_overridden"));
        let r = region(&mut estate, "us-east-1");
        r.firewall_policies[0].policy_variables.clear();
        let found = audit(&Net::new(&estate));
        let f = found
            .iter()
            .find(|f| f.kind.code() == "home_net_not_overridden")
            .expect("finding");
        assert_eq!(f.severity, Severity::Error, "the rules use $HOME_NET");
    }

    #[tokio::test]
    async fn egress_bypass_is_an_error_with_a_public_ip_a_warning_without_and_gone_without_the_route()
     {
        let mut estate = demo().await;
        let bypass = |estate: &Estate| {
            audit(&Net::new(estate))
                .into_iter()
                .filter(|f| f.kind.code() == "egress_bypasses_inspection")
                .map(|f| (f.severity, f.message()))
                .collect::<Vec<_>>()
        };
        let found = bypass(&estate);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Severity::Error);
        assert!(found[0].1.contains("203.0.113.25"), "{found:?}");

        // The route alone: a private source is dropped at the gateway, but the route is
        // still a way around inspection.
        let r = region(&mut estate, "us-east-1");
        for i in &mut r.instances {
            i.public_ip = None;
        }
        let found = bypass(&estate);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Severity::Warning);
        assert!(
            found[0].1.contains("routes to igw-0e1a2b3c4d5e6f7c2"),
            "{found:?}"
        );

        // No route to the spoke's own gateway: nothing bypasses inspection.
        let r = region(&mut estate, "us-east-1");
        for t in &mut r.vpc_route_tables {
            t.routes
                .retain(|x| !matches!(&x.target, VpcRouteTarget::InternetGateway(g) if g == "igw-0e1a2b3c4d5e6f7c2"));
        }
        assert!(bypass(&estate).is_empty());
    }
}
