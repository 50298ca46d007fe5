//! The hop-by-hop walk behind [`super::trace`]: a small state machine over positions
//! (in a subnet, entering a TGW, at a firewall endpoint, at a NAT gateway), each step
//! asking [`Net`] which route wins and where its target leads.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use super::filters::{self, Filtered, Packet};
use super::{
    Alternative, FlowView, Hop, HopKind, Origin, Path, Target, Trace, Verdict, hop, is_public,
};
use crate::model::{
    AttachmentKind, FirewallEndpoint, InternetGateway, NatGateway, NetworkFirewall, Subnet,
    TgwAttachment, Vpc, VpcRouteTarget,
};
use crate::net::findings::{ObjectKind, ObjectRef};
use crate::net::firewall::{self, FlowSpec, Outcome, PolicyInput};
use crate::net::index::{Net, TableChoice};
use crate::net::lpm::{TgwOutcome, VpcOutcome};
use crate::net::targets::{LeadsTo, Usability};

/// A path longer than this is cut (no real path comes near it; a loop is named
/// before it is reached).
pub const MAX_HOPS: usize = 64;

/// At most this many flow-hash paths are traced per trace.
const MAX_PATHS: usize = 32;

/// Where the packet is.
#[derive(Clone)]
enum Pos<'a> {
    /// In a subnet: its route table decides.
    Subnet(&'a Subnet),
    /// Entering a TGW through an attachment (from the AZ given, when known).
    Tgw {
        att: &'a TgwAttachment,
        az: Option<String>,
    },
    Firewall {
        fw: &'a NetworkFirewall,
        ep: &'a FirewallEndpoint,
    },
    Nat(&'a NatGateway),
    /// Arriving from the internet at an internet gateway (return path).
    IgwInbound {
        igw: &'a InternetGateway,
        vpc: &'a Vpc,
    },
}

impl<'a> Pos<'a> {
    /// The object the packet is at.
    fn id(&self) -> String {
        match self {
            Self::Subnet(s) => s.id.clone(),
            Self::Tgw { att, .. } => att.id.clone(),
            Self::Firewall { ep, .. } => ep
                .endpoint_id
                .clone()
                .unwrap_or_else(|| ep.subnet_id.clone()),
            Self::Nat(n) => n.id.clone(),
            Self::IgwInbound { igw, .. } => igw.id.clone(),
        }
    }

    /// The position's identity for loop detection: (entering a TGW, the object).
    fn ident(&self) -> (bool, &'a str) {
        match self {
            Self::Subnet(s) => (false, &s.id),
            Self::Tgw { att, .. } => (true, &att.id),
            Self::Firewall { ep, .. } => (
                false,
                ep.endpoint_id.as_deref().unwrap_or(ep.subnet_id.as_str()),
            ),
            Self::Nat(n) => (false, &n.id),
            Self::IgwInbound { igw, .. } => (false, &igw.id),
        }
    }

    /// The position in words.
    fn key(&self) -> String {
        match self {
            Self::Tgw { att, .. } => format!("{} into the TGW", att.id),
            other => other.id(),
        }
    }
}

/// A NAT translation made on the way out, undone on the way back.
#[derive(Debug, Clone)]
struct Translation {
    nat_id: String,
    public: IpAddr,
    original: IpAddr,
}

/// A flow-hash choice point met on one walk.
#[derive(Debug, Clone)]
struct Branch {
    options: Vec<String>,
    picked: usize,
}

/// What one direction's walk found, besides its path.
#[derive(Clone, Default)]
struct Memory<'a> {
    translations: Vec<Translation>,
    /// Attachment id → AZ picked under appliance mode (kept for the return).
    appliance_az: BTreeMap<String, String>,
    /// Firewall endpoint → the flow as its stateful engine saw it.
    firewall_flows: BTreeMap<String, FlowSpec>,
    delivered_in: Option<&'a Subnet>,
    /// The source address as the destination saw it.
    delivered_src: Option<IpAddr>,
    egress: Option<(&'a InternetGateway, &'a Vpc, IpAddr)>,
}

struct Walker<'n, 'a> {
    net: &'n Net<'a>,
    flow: &'n FlowSpec,
    routing_only: bool,
    returning: bool,
    choices: Vec<usize>,
    branches: Vec<Branch>,
    hops: Vec<Hop>,
    firewalls: Vec<String>,
    not_evaluated: Vec<String>,
    /// Positions visited (with the addresses) → the hop count at the first visit.
    seen: HashMap<((bool, &'a str), IpAddr, IpAddr), usize>,
    src: IpAddr,
    dst: IpAddr,
    mem: Memory<'a>,
    /// The forward walk's memory, on the return walk.
    fwd: Option<&'n Memory<'a>>,
    /// The subnet of the interface the packet is at (`None`: outside the VPC).
    here: Option<&'a Subnet>,
    /// The sender's security groups (for rules that name a group).
    origin_groups: Vec<String>,
    /// Filters the estate does not hold for a region the path crossed.
    unread: std::collections::BTreeSet<String>,
    /// A verdict reached before the first position (the sender's security groups).
    pending: Option<Verdict>,
}

enum Step<'a> {
    Next(Pos<'a>),
    Done(Verdict),
}

impl<'n, 'a> Walker<'n, 'a> {
    fn new(net: &'n Net<'a>, flow: &'n FlowSpec, src: IpAddr, dst: IpAddr) -> Self {
        Self {
            net,
            flow,
            routing_only: false,
            returning: false,
            choices: Vec::new(),
            branches: Vec::new(),
            hops: Vec::new(),
            firewalls: Vec::new(),
            not_evaluated: Vec::new(),
            seen: HashMap::new(),
            src,
            dst,
            mem: Memory::default(),
            fwd: None,
            here: None,
            origin_groups: Vec::new(),
            unread: std::collections::BTreeSet::new(),
            pending: None,
        }
    }

    /// Starts at the origin: its subnet, and its security groups' outbound rules.
    fn begin(&mut self, origin: &Origin<'a>) {
        self.here = Some(origin.subnet);
        self.origin_groups = origin.groups.clone();
        if let Some(o) = &origin.hop.object
            && o.kind == ObjectKind::Instance
            && let Some(Step::Done(v)) = self.sg_check(
                &origin.subnet.region,
                o.clone(),
                &origin.groups.clone(),
                false,
                &[],
            )
        {
            self.pending = Some(v);
        }
    }

    /// The packet as filters see it: a reply goes to the client's ephemeral port.
    fn packet(&self) -> Packet {
        Packet {
            protocol: self.flow.protocol.number(),
            src: self.src,
            dst: self.dst,
            dst_port: if self.returning {
                None
            } else {
                self.flow.dst_port
            },
        }
    }

    /// The packet moves from the interface it is at to one in `to` (`None`: out of
    /// the VPC); the network ACLs on the way decide. `into_tgw`: the new interface is a
    /// transit gateway's, which meets both directions' rules even in the same subnet.
    fn cross(&mut self, to: Option<&'a Subnet>, into_tgw: bool) -> Option<Step<'a>> {
        let from = self.here;
        self.here = to;
        if self.routing_only {
            return None;
        }
        match (from, to) {
            (Some(a), Some(b)) if a.id == b.id => {
                if into_tgw {
                    self.acl_check(a, true).or_else(|| self.acl_check(a, false))
                } else {
                    None
                }
            }
            (a, b) => a
                .and_then(|a| self.acl_check(a, true))
                .or_else(|| b.and_then(|b| self.acl_check(b, false))),
        }
    }

    fn acl_check(&mut self, subnet: &'a Subnet, egress: bool) -> Option<Step<'a>> {
        let region = self.net.region(&subnet.region)?;
        if region.network_acls.is_empty() {
            self.unread
                .insert(format!("network ACLs in {}", subnet.region));
            return None;
        }
        let Some(acl) = filters::acl_of(region, subnet) else {
            self.not_evaluated
                .push(format!("the network ACL of {} (none read)", subnet.id));
            return None;
        };
        let way = if egress { "out of" } else { "into" };
        let mut h = hop(
            HopKind::NetworkAcl,
            ObjectRef::new(ObjectKind::Subnet, &subnet.id, &subnet.region),
            None,
            Some(&subnet.availability_zone),
        );
        h.id = acl.id.clone();
        let result = filters::acl(acl, egress, self.packet());
        let what = format!("{way} {}", subnet.id);
        let id = acl.id.clone();
        self.filter_hop(h, result, &what, &subnet.region, |rule| {
            format!("network ACL {id} denies traffic {what}: {rule}")
        })
    }

    /// Records a filter's hop; a deny ends the path there (the hop's id is where).
    fn filter_hop(
        &mut self,
        mut h: Hop,
        result: Filtered,
        what: &str,
        region: &str,
        reason: impl FnOnce(&str) -> String,
    ) -> Option<Step<'a>> {
        match result {
            Filtered::Allow(rule) => {
                h.decision = format!("allows {what}");
                h.rule = rule;
                self.push(h);
                None
            }
            Filtered::Unknown(unknown) => {
                h.decision = format!("not evaluated {what}");
                h.rule = unknown.clone();
                self.push(h);
                self.not_evaluated.push(unknown);
                None
            }
            Filtered::Deny(rule) => {
                h.decision = format!("denies {what}");
                h.rule = rule.clone();
                let at = h.id.clone();
                self.push(h);
                Some(self.drop_at(&at, region, reason(&rule)))
            }
        }
    }

    /// The security groups of an interface: `ingress` for the receiver, else the
    /// sender. Replies are not checked (security groups are stateful).
    fn sg_check(
        &mut self,
        region: &str,
        owner: ObjectRef,
        groups: &[String],
        ingress: bool,
        peer_groups: &[String],
    ) -> Option<Step<'a>> {
        if self.returning || self.routing_only {
            return None;
        }
        if groups.is_empty() {
            self.unread
                .insert(format!("security groups of {}", owner.id));
            return None;
        }
        let r = self.net.region(region)?;
        if r.security_groups.is_empty() {
            self.unread.insert(format!("security groups in {region}"));
            return None;
        }
        let found = filters::lookup(r, groups);
        if found.len() < groups.len() {
            self.not_evaluated.push(format!(
                "security groups {} (not all read)",
                groups.join(", ")
            ));
            return None;
        }
        let way = if ingress { "into" } else { "out of" };
        let mut h = hop(HopKind::SecurityGroup, owner.clone(), None, None);
        h.id = groups.join(",");
        let result = filters::groups(&found, ingress, self.packet(), peer_groups, &r.prefix_lists);
        let what = format!("{way} {}", owner.id);
        let id = h.id.clone();
        self.filter_hop(h, result, &what, region, |rule| {
            format!("security group {id} of {} denies it: {rule}", owner.id)
        })
    }

    /// A flow-hash choice: the option the current path takes.
    fn choose(&mut self, options: Vec<String>) -> usize {
        let k = self.branches.len();
        let picked = self
            .choices
            .get(k)
            .copied()
            .unwrap_or(0)
            .min(options.len().saturating_sub(1));
        self.branches.push(Branch { options, picked });
        picked
    }

    /// Routes to prefix lists the lookup could not weigh (their entries are not read):
    /// the decision holds only if none of them contains the destination.
    fn prefix_lists(&mut self, table: &str, routes: impl Iterator<Item = String>) {
        let routes: Vec<String> = routes.collect();
        if !routes.is_empty() {
            self.not_evaluated.push(format!(
                "prefix-list routes in {table} ({}): entries not read",
                routes.join(", ")
            ));
        }
    }

    fn push(&mut self, h: Hop) {
        self.hops.push(h);
    }

    fn drop_at(&mut self, at: &str, region: &str, reason: String) -> Step<'a> {
        Step::Done(self.dropped(at, region, reason))
    }

    /// Records the drop hop and returns the verdict.
    fn dropped(&mut self, at: &str, region: &str, reason: String) -> Verdict {
        self.push(Hop {
            kind: HopKind::Drop,
            id: at.to_string(),
            name: None,
            region: region.to_string(),
            az: None,
            decision: "dropped".into(),
            rule: reason.clone(),
            object: None,
        });
        Verdict::Dropped {
            at: at.to_string(),
            reason,
        }
    }

    fn stop_unverified(&mut self, what: String) -> Step<'a> {
        self.not_evaluated.push(what.clone());
        Step::Done(Verdict::Unverified {
            not_evaluated: vec![what],
            otherwise: None,
        })
    }

    fn run(&mut self, start: Pos<'a>) -> Path {
        let mut pos = start;
        let pending = self.pending.take();
        let verdict = loop {
            if let Some(v) = pending {
                break v;
            }
            if self.hops.len() >= MAX_HOPS {
                let at = pos.id();
                break Verdict::Dropped {
                    at,
                    reason: format!("the path is longer than {MAX_HOPS} hops"),
                };
            }
            let key = (pos.ident(), self.src, self.dst);
            if let Some(&first) = self.seen.get(&key) {
                // The routing decisions since the first visit are the loop.
                let cycle: Vec<String> = self.hops[first..]
                    .iter()
                    .filter(|h| matches!(h.kind, HopKind::VpcRouteTable | HopKind::TgwRouteTable))
                    .map(|h| h.id.clone())
                    .collect();
                let region = self
                    .hops
                    .last()
                    .map(|h| h.region.clone())
                    .unwrap_or_default();
                let reason = format!(
                    "routing loop: {} comes back to {}",
                    cycle.join(" → "),
                    pos.key()
                );
                break self.dropped(&pos.id(), &region, reason);
            }
            self.seen.insert(key, self.hops.len());
            let step = match pos {
                Pos::Subnet(s) => self.subnet(s),
                Pos::Tgw { att, az } => self.tgw(att, az),
                Pos::Firewall { fw, ep } => self.firewall(fw, ep),
                Pos::Nat(nat) => self.nat(nat),
                Pos::IgwInbound { igw, vpc } => self.igw_inbound(igw, vpc),
            };
            match step {
                Step::Next(p) => pos = p,
                Step::Done(v) => break v,
            }
        };
        let verdict = match verdict {
            Verdict::Unverified { .. } => Verdict::Unverified {
                not_evaluated: dedup(std::mem::take(&mut self.not_evaluated)),
                otherwise: None,
            },
            v if !self.not_evaluated.is_empty() => Verdict::Unverified {
                not_evaluated: dedup(std::mem::take(&mut self.not_evaluated)),
                otherwise: Some(Box::new(v)),
            },
            v => v,
        };
        Path {
            hops: std::mem::take(&mut self.hops),
            verdict,
            firewalls: std::mem::take(&mut self.firewalls),
        }
    }

    // ------------------------------------------------------------------ subnet

    fn subnet(&mut self, subnet: &'a Subnet) -> Step<'a> {
        let net = self.net;
        let region = subnet.region.as_str();
        let Some(vpc) = net.subnet_vpc(subnet) else {
            return self.drop_at(
                &subnet.id,
                region,
                format!(
                    "VPC {} of subnet {} is not in the estate",
                    subnet.vpc_id, subnet.id
                ),
            );
        };
        let Some((table, choice)) = net.subnet_route_table(subnet) else {
            return self.drop_at(
                &subnet.id,
                region,
                format!(
                    "subnet {} has no route table (no explicit association, no main table)",
                    subnet.id
                ),
            );
        };
        let decision = net.vpc_lookup(table, self.dst);
        self.prefix_lists(
            &table.id,
            decision
                .prefix_list_routes
                .iter()
                .map(|r| format!("{} → {}", r.destination, r.target)),
        );
        let how = match choice {
            TableChoice::Explicit => format!("explicit association of {}", subnet.id),
            TableChoice::Main => {
                format!("main route table of {} (no explicit association)", vpc.id)
            }
        };
        let mut h = hop(
            HopKind::VpcRouteTable,
            ObjectRef::new(ObjectKind::VpcRouteTable, &table.id, region),
            table.name.as_deref(),
            Some(&subnet.availability_zone),
        );
        match decision.outcome {
            VpcOutcome::NoRoute => {
                h.decision = "no route".into();
                h.rule = how;
                let id = table.id.clone();
                self.push(h);
                self.drop_at(&id, region, format!("no route to {} in {id}", self.dst))
            }
            VpcOutcome::Blackhole { prefix, route } => {
                h.decision = "blackhole".into();
                let prefix = via_list(prefix, &route.destination());
                h.rule = format!("{prefix} → {} (blackhole); {how}", route.target());
                let id = table.id.clone();
                self.push(h);
                self.drop_at(
                    &id,
                    region,
                    format!(
                        "route {prefix} → {} in {id} is a blackhole (its target is gone)",
                        route.target()
                    ),
                )
            }
            VpcOutcome::Forward { prefix, route } => {
                let target = route.target();
                let prefix = via_list(prefix, &route.destination());
                h.decision = format!("forward to {}", target.id());
                h.rule = format!("{prefix} → {}; {how}", target.id());
                self.push(h);
                self.vpc_target(vpc, subnet, target)
            }
        }
    }

    fn vpc_target(&mut self, vpc: &'a Vpc, from: &'a Subnet, target: &VpcRouteTarget) -> Step<'a> {
        let net = self.net;
        let region = vpc.region.as_str();
        if let VpcRouteTarget::Local = target {
            return self.deliver_local(vpc);
        }
        if let VpcRouteTarget::PeeringConnection(pcx) = target {
            return self.vpc_peering(vpc, pcx);
        }
        match net.vpc_target_usability_of(vpc, target) {
            Usability::Usable | Usability::NotEvaluated { .. } => {}
            Usability::Missing { id } => {
                return self.drop_at(
                    &id,
                    region,
                    format!("route target {id} is not in the estate (deleted?)"),
                );
            }
            Usability::NotUsable { id, state } => {
                return self.drop_at(&id, region, format!("route target {id} is {state}"));
            }
            Usability::Blackhole => {
                let id = target.id().to_string();
                return self.drop_at(&id, region, format!("route target {id} is a blackhole"));
            }
        }
        match net.vpc_target_leads_to(vpc, target) {
            LeadsTo::Tgw { tgw, attachment } => {
                let Some(att) = attachment.filter(|a| a.state.is_usable()) else {
                    return self.drop_at(
                        &tgw.id,
                        region,
                        format!("{} has no usable attachment to {}", vpc.id, tgw.id),
                    );
                };
                let az = from.availability_zone.clone();
                let Some(tgw_subnet) = self.attachment_subnet_in(att, &az) else {
                    return self.drop_at(
                        &att.id,
                        region,
                        format!(
                            "attachment {} has no subnet in {az}: resources in that AZ cannot reach the TGW",
                            att.id
                        ),
                    );
                };
                if let Some(stop) = self.cross(Some(tgw_subnet), true) {
                    return stop;
                }
                let mut h = hop(
                    HopKind::TgwAttachment,
                    ObjectRef::new(ObjectKind::TgwAttachment, &att.id, region),
                    att.name.as_deref(),
                    Some(&az),
                );
                h.decision = format!(
                    "into {}",
                    crate::text::id_named(tgw.name.as_deref(), &tgw.id)
                );
                h.rule = format!(
                    "{} in {} ({az})",
                    self.interface_of(att, tgw_subnet),
                    tgw_subnet.id
                );
                self.push(h);
                Step::Next(Pos::Tgw { att, az: Some(az) })
            }
            LeadsTo::Nat { nat, .. } => Step::Next(Pos::Nat(nat)),
            LeadsTo::Internet { igw } => self.igw_outbound(igw, vpc),
            LeadsTo::Firewall { firewall, endpoint } => Step::Next(Pos::Firewall {
                fw: firewall,
                ep: endpoint,
            }),
            LeadsTo::Endpoint { endpoint } => {
                let mut h = hop(
                    HopKind::VpcEndpoint,
                    ObjectRef::new(ObjectKind::VpcEndpoint, &endpoint.id, region),
                    None,
                    None,
                );
                h.rule = format!(
                    "{} endpoint for {}",
                    endpoint.endpoint_type, endpoint.service_name
                );
                if endpoint
                    .endpoint_type
                    .eq_ignore_ascii_case("GatewayLoadBalancer")
                {
                    h.kind = HopKind::Appliance;
                    h.decision = "to the appliance behind the endpoint (not evaluated)".into();
                    self.push(h);
                    self.not_evaluated.push(format!(
                        "the appliance behind Gateway Load Balancer endpoint {}",
                        endpoint.id
                    ));
                    // The appliance hands the packet back to the endpoint, whose
                    // subnet's route table forwards it on.
                    let next = endpoint
                        .subnet_ids
                        .iter()
                        .filter_map(|s| net.subnet_in(region, s))
                        .find(|s| s.availability_zone == from.availability_zone)
                        .or_else(|| {
                            endpoint
                                .subnet_ids
                                .iter()
                                .find_map(|s| net.subnet_in(region, s))
                        });
                    if let Some(s) = next
                        && let Some(stop) = self.cross(Some(s), false)
                    {
                        return stop;
                    }
                    return match next {
                        Some(s) => Step::Next(Pos::Subnet(s)),
                        None => {
                            self.stop_unverified(format!("the subnet of endpoint {}", endpoint.id))
                        }
                    };
                }
                h.decision = format!("delivered to {}", endpoint.service_name);
                self.push(h);
                Step::Done(Verdict::Delivered {
                    to: format!("{} through {}", endpoint.service_name, endpoint.id),
                })
            }
            LeadsTo::Missing { id } | LeadsTo::AttachmentGone { id } => self.drop_at(
                &id,
                region,
                format!("route target {id} is not in the estate (deleted?)"),
            ),
            LeadsTo::NotEvaluated { id } => match target {
                VpcRouteTarget::VpnGateway(vgw) => {
                    let mut h = hop(
                        HopKind::LeavesAws,
                        ObjectRef::new(ObjectKind::Vpc, &vpc.id, region),
                        None,
                        None,
                    );
                    h.id = vgw.clone();
                    h.decision = "leaves AWS".into();
                    h.rule = format!("virtual private gateway {vgw}");
                    self.push(h);
                    Step::Done(Verdict::LeavesAws {
                        via: format!("virtual private gateway {vgw}"),
                    })
                }
                _ => self.stop_unverified(format!(
                    "route target {id} ({}): netops does not follow this kind of target",
                    target_kind(target)
                )),
            },
            other => {
                self.stop_unverified(format!("route target {}: not followed", other.describe()))
            }
        }
    }

    /// Local delivery in `vpc`: to the subnet holding the destination, or back into
    /// a NAT gateway that translated this flow.
    fn deliver_local(&mut self, vpc: &'a Vpc) -> Step<'a> {
        let net = self.net;
        let region = vpc.region.as_str();
        if self.returning
            && let Some(fwd) = self.fwd
            && let Some(tr) = fwd.translations.iter().rev().find(|t| {
                net.nat_gateway_in(region, &t.nat_id).is_some_and(|n| {
                    n.vpc_id == vpc.id
                        && (n.private_ips.contains(&self.dst) || t.public == self.dst)
                })
            })
            && let Some(nat) = net.nat_gateway_in(region, &tr.nat_id)
        {
            let mut h = hop(
                HopKind::NatGateway,
                ObjectRef::new(ObjectKind::NatGateway, &nat.id, region),
                nat.name.as_deref(),
                None,
            );
            if let Some(s) = net.subnet_in(region, &nat.subnet_id)
                && let Some(stop) = self.cross(Some(s), false)
            {
                return stop;
            }
            h.decision = format!("translates {} back to {}", tr.public, tr.original);
            h.rule = "return traffic of a flow this NAT gateway opened".into();
            self.push(h);
            self.dst = tr.original;
            return match net.subnet_in(region, &nat.subnet_id) {
                Some(s) => Step::Next(Pos::Subnet(s)),
                None => self.drop_at(
                    &nat.id,
                    region,
                    format!("the subnet of {} is not in the estate", nat.id),
                ),
            };
        }
        let dst = self.dst;
        let Some(subnet) = net
            .subnets_containing(dst)
            .into_iter()
            .find(|s| s.vpc_id == vpc.id && s.region == vpc.region)
        else {
            return self.drop_at(
                &vpc.id,
                region,
                format!(
                    "no subnet of {} holds {dst}",
                    crate::text::id_named(vpc.name.as_deref(), &vpc.id)
                ),
            );
        };
        if let Some(stop) = self.cross(Some(subnet), false) {
            return stop;
        }
        let who = self.who_has(region, dst);
        if let Some((id, _, groups)) = &who {
            let peer_groups = if self.src == self.flow.src {
                self.origin_groups.clone()
            } else {
                Vec::new()
            };
            let owner = ObjectRef::new(ObjectKind::Instance, id, region);
            if let Some(stop) = self.sg_check(region, owner, groups, true, &peer_groups) {
                return stop;
            }
        }
        let mut h = hop(
            HopKind::Destination,
            who.as_ref().map_or_else(
                || ObjectRef::new(ObjectKind::Subnet, &subnet.id, region),
                |(id, _, _)| ObjectRef::new(ObjectKind::Instance, id, region),
            ),
            who.as_ref().and_then(|(_, n, _)| n.as_deref()),
            Some(&subnet.availability_zone),
        );
        h.decision = format!("delivered to {dst}");
        h.rule = format!(
            "{dst} is in {}",
            crate::text::id_named(subnet.name.as_deref(), &subnet.id)
        );
        self.push(h);
        self.mem.delivered_in = Some(subnet);
        self.mem.delivered_src = Some(self.src);
        Step::Done(Verdict::Delivered {
            to: match who {
                Some((id, _, _)) => format!("{dst} ({id})"),
                None => format!("{dst} in {}", subnet.id),
            },
        })
    }

    /// The instance holding an address: id, name, security groups.
    fn who_has(&self, region: &str, ip: IpAddr) -> Option<(String, Option<String>, Vec<String>)> {
        let r = self.net.region(region)?;
        r.instances
            .iter()
            .find(|i| i.private_ip == Some(ip))
            .map(|i| (i.id.clone(), i.name.clone(), i.security_group_ids.clone()))
    }

    fn vpc_peering(&mut self, vpc: &'a Vpc, pcx: &str) -> Step<'a> {
        let net = self.net;
        let region = vpc.region.as_str();
        let Some(peering) = net
            .vpc_peering_in(region, pcx)
            .or_else(|| net.vpc_peering(pcx))
        else {
            return self.drop_at(
                pcx,
                region,
                format!("VPC peering connection {pcx} is not in the estate"),
            );
        };
        if !peering.status.eq_ignore_ascii_case("active") {
            return self.drop_at(
                pcx,
                region,
                format!("VPC peering connection {pcx} is {}", peering.status),
            );
        }
        let peer = if peering.requester.vpc_id == vpc.id {
            &peering.accepter
        } else {
            &peering.requester
        };
        if let Some(stop) = self.cross(None, false) {
            return stop;
        }
        let mut h = hop(
            HopKind::VpcPeering,
            ObjectRef::new(ObjectKind::Vpc, &peer.vpc_id, &peer.region),
            peering.name.as_deref(),
            None,
        );
        h.id = pcx.to_string();
        h.decision = format!("to {} in {}", peer.vpc_id, peer.region);
        h.rule = "VPC peering (not transitive: only the peer VPC's own CIDRs)".into();
        self.push(h);
        if !peer.cidr_blocks.iter().any(|c| c.contains(&self.dst)) {
            return self.drop_at(
                pcx,
                region,
                format!(
                    "{} is not in peer VPC {}: VPC peering does not forward transit traffic",
                    self.dst, peer.vpc_id
                ),
            );
        }
        match net.vpc_in(&peer.region, &peer.vpc_id) {
            Some(peer_vpc) => self.deliver_local(peer_vpc),
            None => self.stop_unverified(format!(
                "peer VPC {} in {} (not loaded)",
                peer.vpc_id, peer.region
            )),
        }
    }

    fn attachment_subnet_in(&self, att: &TgwAttachment, az: &str) -> Option<&'a Subnet> {
        att.subnet_ids
            .iter()
            .filter_map(|s| self.net.subnet_in(&att.region, s))
            .find(|s| s.availability_zone == az)
    }

    /// The attachment's network interface in a subnet, by id when the estate holds it.
    fn interface_of(&self, att: &TgwAttachment, subnet: &Subnet) -> String {
        self.net
            .region(&att.region)
            .and_then(|r| {
                r.network_interfaces.iter().find(|e| {
                    e.subnet_id == subnet.id
                        && e.interface_type == "transit_gateway"
                        && e.description
                            .as_deref()
                            .is_some_and(|d| d.contains(&att.id))
                })
            })
            .map_or_else(
                || "attachment interface".to_string(),
                |e| format!("interface {}", e.id),
            )
    }

    // --------------------------------------------------------------------- TGW

    fn tgw(&mut self, att: &'a TgwAttachment, az: Option<String>) -> Step<'a> {
        let net = self.net;
        let region = att.region.as_str();
        if !att.state.is_usable() {
            return self.drop_at(
                &att.id,
                region,
                format!("attachment {} is {}", att.id, att.state),
            );
        }
        let Some(table) = net.associated_route_table(att) else {
            return self.drop_at(
                &att.id,
                region,
                format!(
                    "attachment {} is associated with no TGW route table: the TGW drops what arrives on it",
                    att.id
                ),
            );
        };
        let decision = net.tgw_lookup(table, self.dst);
        self.prefix_lists(
            &table.id,
            decision
                .prefix_list_routes
                .iter()
                .map(|r| r.destination.to_string()),
        );
        let mut h = hop(
            HopKind::TgwRouteTable,
            ObjectRef::new(ObjectKind::TgwRouteTable, &table.id, region),
            table.name.as_deref(),
            az.as_deref(),
        );
        let assoc = format!(
            "associated with {}",
            crate::text::id_named(att.name.as_deref(), &att.id)
        );
        match decision.outcome {
            TgwOutcome::NoRoute => {
                h.decision = "no route".into();
                h.rule = assoc;
                let id = table.id.clone();
                self.push(h);
                self.drop_at(
                    &id,
                    region,
                    format!("no route to {} in TGW route table {id}", self.dst),
                )
            }
            TgwOutcome::Blackhole { prefix, route } => {
                h.decision = "blackhole".into();
                let prefix = tgw_via_list(prefix, route);
                let gone: Vec<&str> = route
                    .targets
                    .iter()
                    .map(|t| t.attachment_id.as_str())
                    .collect();
                h.rule = format!("{} {prefix} (blackhole); {assoc}", route.route_type);
                let id = table.id.clone();
                self.push(h);
                self.drop_at(
                    &id,
                    region,
                    format!(
                        "{} route {prefix} in {} is a blackhole{}",
                        route.route_type,
                        crate::text::id_named(table.name.as_deref(), &id),
                        if gone.is_empty() {
                            String::new()
                        } else {
                            format!(" (target {} is gone)", gone.join(", "))
                        }
                    ),
                )
            }
            TgwOutcome::Forward {
                prefix,
                routes,
                targets,
            } => {
                let kind = routes.first().map_or("static", |r| r.route_type.as_str());
                let prefix = match routes.first() {
                    Some(r) => tgw_via_list(prefix, r),
                    None => prefix.to_string(),
                };
                let pick = if targets.len() > 1 {
                    let options: Vec<String> =
                        targets.iter().map(|t| t.attachment_id.clone()).collect();
                    let p = self.choose(options.clone());
                    h.rule = format!(
                        "{kind} {prefix} → ECMP over {} ({}): the flow hash picks one, each direction separately; traced {}; {assoc}",
                        options.len(),
                        options.join(", "),
                        options[p]
                    );
                    p
                } else {
                    h.rule = format!("{kind} {prefix} → {}; {assoc}", targets[0].attachment_id);
                    0
                };
                let target = targets[pick];
                h.decision = format!("forward to {}", target.attachment_id);
                self.push(h);
                if let Usability::NotUsable { id, state } = net.tgw_target_usability(region, target)
                {
                    return self.drop_at(&id, region, format!("target attachment {id} is {state}"));
                }
                self.tgw_target(region, &target.attachment_id, az)
            }
        }
    }

    fn tgw_target(&mut self, region: &str, target_id: &str, az: Option<String>) -> Step<'a> {
        let net = self.net;
        let target = crate::model::RouteTarget {
            attachment_id: target_id.to_string(),
            ..Default::default()
        };
        match net.tgw_target_leads_to(region, &target) {
            LeadsTo::Vpc {
                attachment,
                vpc_id,
                vpc,
            } => {
                let subnets: Vec<&'a Subnet> = attachment
                    .subnet_ids
                    .iter()
                    .filter_map(|s| net.subnet_in(region, s))
                    .collect();
                if subnets.is_empty() {
                    return self.drop_at(
                        &attachment.id,
                        region,
                        format!(
                            "attachment {} has no subnet the estate holds",
                            attachment.id
                        ),
                    );
                }
                let mut azs: Vec<&str> = subnets
                    .iter()
                    .map(|s| s.availability_zone.as_str())
                    .collect();
                azs.sort_unstable();
                azs.dedup();
                let (chosen, why) = if attachment.appliance_mode == Some(true) {
                    if let Some(kept) = self
                        .fwd
                        .and_then(|f| f.appliance_az.get(&attachment.id))
                        .cloned()
                        && azs.contains(&kept.as_str())
                    {
                        let why = format!(
                            "appliance mode on: the flow stays in {kept}, the AZ its forward direction used"
                        );
                        (kept, why)
                    } else {
                        let options: Vec<String> = azs.iter().map(|s| (*s).to_string()).collect();
                        let p = self.choose(options.clone());
                        let why = if options.len() > 1 {
                            format!(
                                "appliance mode on: the TGW picks one AZ by flow hash ({}) and keeps both directions there; traced {}",
                                options.join(" or "),
                                options[p]
                            )
                        } else {
                            format!("appliance mode on: one AZ ({})", options[p])
                        };
                        (options[p].clone(), why)
                    }
                } else {
                    match az.as_deref() {
                        Some(a) if azs.contains(&a) => (
                            a.to_string(),
                            format!("same AZ as it entered the TGW ({a})"),
                        ),
                        Some(a) => (
                            azs[0].to_string(),
                            format!(
                                "no attachment subnet in {a}: the TGW uses {} (cross-AZ)",
                                azs[0]
                            ),
                        ),
                        None => {
                            let options: Vec<String> =
                                azs.iter().map(|s| (*s).to_string()).collect();
                            let p = self.choose(options.clone());
                            (
                                options[p].clone(),
                                format!(
                                    "arrived over a peering: the TGW picks the AZ ({}); traced {}",
                                    options.join(" or "),
                                    options[p]
                                ),
                            )
                        }
                    }
                };
                if attachment.appliance_mode == Some(true) {
                    self.mem
                        .appliance_az
                        .insert(attachment.id.clone(), chosen.clone());
                }
                let Some(subnet) = subnets
                    .iter()
                    .copied()
                    .find(|s| s.availability_zone == chosen)
                else {
                    return self.drop_at(
                        &attachment.id,
                        region,
                        format!("attachment {} has no subnet in {chosen}", attachment.id),
                    );
                };
                let mut h = hop(
                    HopKind::VpcAttachment,
                    ObjectRef::new(ObjectKind::TgwAttachment, &attachment.id, region),
                    attachment.name.as_deref(),
                    Some(&chosen),
                );
                h.decision = format!(
                    "into {}",
                    crate::text::id_named(vpc.and_then(|v| v.name.as_deref()), &vpc_id)
                );
                h.rule = format!(
                    "{} in {}; {why}",
                    self.interface_of(attachment, subnet),
                    subnet.id
                );
                self.push(h);
                // The TGW's own interface: its subnet's inbound rules do not apply.
                self.here = Some(subnet);
                Step::Next(Pos::Subnet(subnet))
            }
            LeadsTo::PeerTgw {
                attachment,
                peering,
                side,
                tgw,
            } => {
                if let Some(p) = peering
                    && !p.state.is_usable()
                {
                    return self.drop_at(
                        &attachment.id,
                        region,
                        format!("peering {} is {}", p.id, p.state),
                    );
                }
                let Some(side) = side else {
                    return self
                        .stop_unverified(format!("the far side of peering {}", attachment.id));
                };
                let mut h = hop(
                    HopKind::TgwPeering,
                    ObjectRef::new(ObjectKind::Peering, &attachment.id, region),
                    attachment.name.as_deref(),
                    None,
                );
                h.decision = format!(
                    "across to {} in {}",
                    crate::text::id_named(tgw.and_then(|t| t.name.as_deref()), &side.tgw_id),
                    side.region
                );
                h.rule = "TGW peering (static routes only)".into();
                self.push(h);
                if net.region(&side.region).is_none() {
                    return self.stop_unverified(format!("region {} (not loaded)", side.region));
                }
                match net.attachment_in(&side.region, &attachment.id) {
                    Some(far) => Step::Next(Pos::Tgw { att: far, az: None }),
                    None => self.stop_unverified(format!(
                        "peering attachment {} as seen in {}",
                        attachment.id, side.region
                    )),
                }
            }
            LeadsTo::LeavesAws { attachment } => {
                let via = format!(
                    "{} attachment {}{}",
                    attachment.kind,
                    crate::text::id_named(attachment.name.as_deref(), &attachment.id),
                    attachment
                        .resource_id
                        .as_deref()
                        .map_or_else(String::new, |r| format!(" ({r})"))
                );
                let mut h = hop(
                    HopKind::LeavesAws,
                    ObjectRef::new(ObjectKind::TgwAttachment, &attachment.id, region),
                    attachment.name.as_deref(),
                    None,
                );
                h.decision = "leaves AWS".into();
                h.rule = via.clone();
                self.push(h);
                Step::Done(Verdict::LeavesAws { via })
            }
            LeadsTo::OtherAttachment { attachment } => {
                if attachment.kind == AttachmentKind::NetworkFunction {
                    // An inspection hop: AWS Network Firewall attached to the TGW
                    // natively. Its policy and where the TGW sends the packet after it
                    // are not evaluated.
                    let mut h = hop(
                        HopKind::Appliance,
                        ObjectRef::new(ObjectKind::TgwAttachment, &attachment.id, region),
                        attachment.name.as_deref(),
                        None,
                    );
                    h.decision = "to the firewall attached to the TGW (not evaluated)".into();
                    h.rule = format!(
                        "network-function attachment {}{}",
                        attachment.id,
                        attachment
                            .resource_id
                            .as_deref()
                            .map_or_else(String::new, |r| format!(" ({r})"))
                    );
                    self.push(h);
                    self.stop_unverified(format!(
                        "network-function attachment {} (a firewall attached to the TGW natively)",
                        attachment.id
                    ))
                } else {
                    self.stop_unverified(format!(
                        "{} attachment {}",
                        attachment.kind, attachment.id
                    ))
                }
            }
            LeadsTo::AttachmentGone { id } => self.drop_at(
                &id,
                region,
                format!("target attachment {id} is not in the estate (deleted)"),
            ),
            other => self.stop_unverified(format!("TGW target {}", other.describe())),
        }
    }

    // ---------------------------------------------------------------- firewall

    fn firewall(&mut self, fw: &'a NetworkFirewall, ep: &'a FirewallEndpoint) -> Step<'a> {
        let net = self.net;
        let region = fw.region.as_str();
        let ep_id = ep
            .endpoint_id
            .clone()
            .unwrap_or_else(|| ep.subnet_id.clone());
        if let Some(s) = net.subnet_in(region, &ep.subnet_id)
            && let Some(stop) = self.cross(Some(s), false)
        {
            return stop;
        }
        let mut h = hop(
            HopKind::Firewall,
            ObjectRef::new(ObjectKind::NetworkFirewall, &fw.id, region),
            Some(&fw.name),
            Some(&ep.availability_zone),
        );
        h.id = ep_id.clone();
        if let Some(status) = &ep.status
            && !status.eq_ignore_ascii_case("READY")
        {
            self.push(h);
            return self.drop_at(
                &ep_id,
                region,
                format!("firewall endpoint {ep_id} is {status}"),
            );
        }
        self.firewalls.push(ep_id.clone());
        let policy = net.firewall_policy_in(region, &fw.policy_arn);
        let vpc_cidrs = net
            .vpc_in(region, &fw.vpc_id)
            .map(|v| v.cidr_blocks.clone())
            .unwrap_or_default();
        let groups = net.region(region).map_or(&[][..], |r| &r.rule_groups[..]);
        let outcome = match policy {
            _ if self.routing_only => {
                h.decision = "crossed".into();
                h.rule = "routing only: the policy is not applied".into();
                Outcome::Pass
            }
            None => {
                h.decision = "policy not read".into();
                h.rule = format!("policy {} is not in the estate", fw.policy_arn);
                self.not_evaluated
                    .push(format!("firewall policy {} (not read)", fw.policy_arn));
                Outcome::Pass
            }
            Some(policy) => {
                let input = PolicyInput {
                    policy,
                    rule_groups: groups,
                    firewall_vpc_cidrs: &vpc_cidrs,
                };
                let eval = if self.returning {
                    let seen = self.fwd.and_then(|f| f.firewall_flows.get(&ep_id)).cloned();
                    let saw = seen.is_some();
                    let flow = seen.unwrap_or_else(|| FlowSpec {
                        src: self.dst,
                        dst: self.src,
                        ..self.flow.clone()
                    });
                    firewall::evaluate_return(&input, &flow, saw)
                } else {
                    let flow = FlowSpec {
                        src: self.src,
                        dst: self.dst,
                        ..self.flow.clone()
                    };
                    self.mem.firewall_flows.insert(ep_id.clone(), flow.clone());
                    firewall::evaluate(&input, &flow)
                };
                // The TCP phase the flow stopped at: a drop after the handshake
                // passed (on the TLS SNI or HTTP Host) looks like a hang, not a
                // refused connection, to the client.
                let application = eval
                    .steps
                    .iter()
                    .rev()
                    .find(|st| st.starts_with("stateful "))
                    .is_some_and(|st| st.starts_with("stateful application"));
                h.decision = match (eval.outcome, application) {
                    (Outcome::Pass, _) => "pass".into(),
                    (Outcome::Drop, true) => {
                        "drop (application data, after the TCP handshake passed)".into()
                    }
                    (Outcome::Drop, false) => "drop".into(),
                    (Outcome::Reject, _) => "reject".into(),
                    (Outcome::Unverified, _) => "unverified".into(),
                };
                let home: Vec<String> = eval.home_net.iter().map(ToString::to_string).collect();
                h.rule = format!(
                    "{} [policy {}; $HOME_NET {} from {}]",
                    eval.decided_by,
                    policy.name,
                    home.join(","),
                    eval.home_net_source
                );
                if eval.outcome == Outcome::Unverified {
                    self.not_evaluated
                        .extend(eval.not_evaluated.iter().cloned());
                }
                eval.outcome
            }
        };
        let reason = h.rule.clone();
        self.push(h);
        match outcome {
            Outcome::Drop | Outcome::Reject => {
                self.drop_at(&ep_id, region, format!("firewall {}: {reason}", fw.name))
            }
            Outcome::Pass | Outcome::Unverified => match net.subnet_in(region, &ep.subnet_id) {
                Some(s) => Step::Next(Pos::Subnet(s)),
                None => self.drop_at(
                    &ep_id,
                    region,
                    format!("the firewall subnet {} is not in the estate", ep.subnet_id),
                ),
            },
        }
    }

    // --------------------------------------------------------------- NAT / IGW

    fn nat(&mut self, nat: &'a NatGateway) -> Step<'a> {
        let net = self.net;
        let region = nat.region.as_str();
        if let Some(s) = net.subnet_in(region, &nat.subnet_id)
            && let Some(stop) = self.cross(Some(s), false)
        {
            return stop;
        }
        let mut h = hop(
            HopKind::NatGateway,
            ObjectRef::new(ObjectKind::NatGateway, &nat.id, region),
            nat.name.as_deref(),
            net.subnet_in(region, &nat.subnet_id)
                .map(|s| s.availability_zone.as_str()),
        );
        let private = nat.connectivity.eq_ignore_ascii_case("private");
        let new_src = if private {
            nat.private_ips.first().copied()
        } else {
            nat.public_ips.first().copied()
        };
        let Some(new_src) = new_src else {
            self.push(h);
            return self.drop_at(
                &nat.id,
                region,
                format!(
                    "NAT gateway {} has no {} address",
                    nat.id,
                    if private { "private" } else { "Elastic IP" }
                ),
            );
        };
        h.decision = format!("source {} becomes {new_src}", self.src);
        h.rule = if private {
            "private NAT gateway: its private address".into()
        } else {
            "public NAT gateway: its Elastic IP".into()
        };
        self.push(h);
        self.mem.translations.push(Translation {
            nat_id: nat.id.clone(),
            public: new_src,
            original: self.src,
        });
        self.src = new_src;
        match net.subnet_in(region, &nat.subnet_id) {
            Some(s) => Step::Next(Pos::Subnet(s)),
            None => self.drop_at(
                &nat.id,
                region,
                format!("the subnet of {} is not in the estate", nat.id),
            ),
        }
    }

    /// The public address an internet gateway gives a private source: its instance's
    /// or interface's public IP in this VPC.
    fn public_ip_of(&self, region: &str, vpc: &Vpc, private: IpAddr) -> Option<IpAddr> {
        let r = self.net.region(region)?;
        r.instances
            .iter()
            .find(|i| i.private_ip == Some(private) && i.vpc_id.as_deref() == Some(&vpc.id))
            .and_then(|i| i.public_ip)
            .or_else(|| {
                r.network_interfaces
                    .iter()
                    .find(|e| e.vpc_id == vpc.id && e.private_ips.contains(&private))
                    .and_then(|e| e.public_ip)
            })
            .or_else(|| {
                r.nat_gateways
                    .iter()
                    .find(|n| n.vpc_id == vpc.id && n.private_ips.contains(&private))
                    .and_then(|n| n.public_ips.first().copied())
            })
    }

    fn igw_outbound(&mut self, igw: &'a InternetGateway, vpc: &'a Vpc) -> Step<'a> {
        let region = vpc.region.as_str();
        if let Some(stop) = self.cross(None, false) {
            return stop;
        }
        let mut h = hop(
            HopKind::InternetGateway,
            ObjectRef::new(ObjectKind::InternetGateway, &igw.id, region),
            igw.name.as_deref(),
            None,
        );
        let src = self.src;
        let public_src = if is_public(src) {
            Some(src)
        } else {
            self.public_ip_of(region, vpc, src)
        };
        let Some(public_src) = public_src else {
            h.decision = "drops".into();
            h.rule = format!("source {src} has no public IP or Elastic IP");
            let id = igw.id.clone();
            self.push(h);
            return self.drop_at(
                &id,
                region,
                format!(
                    "source {src} has no public IP or Elastic IP: an internet gateway forwards only traffic from public addresses"
                ),
            );
        };
        if !is_public(self.dst) {
            h.decision = "drops".into();
            h.rule = format!("destination {} is not a public address", self.dst);
            let id = igw.id.clone();
            self.push(h);
            return self.drop_at(
                &id,
                region,
                format!(
                    "destination {} is private: an internet gateway forwards only to public addresses",
                    self.dst
                ),
            );
        }
        h.decision = format!("to the internet as {public_src}");
        h.rule = if public_src == src {
            format!("source {src} is public")
        } else {
            format!("source {src} is translated to its public IP {public_src}")
        };
        self.push(h);
        self.mem.egress = Some((igw, vpc, public_src));
        self.src = public_src;
        Step::Done(Verdict::ReachesInternet {
            egress_ip: public_src,
            via: crate::text::id_named(igw.name.as_deref(), &igw.id),
        })
    }

    /// The reply from the internet: the gateway maps the public address back to its
    /// private owner (a NAT gateway, an instance) and the VPC routes it (the gateway's
    /// own route table when one is associated with it, else locally).
    fn igw_inbound(&mut self, igw: &'a InternetGateway, vpc: &'a Vpc) -> Step<'a> {
        let net = self.net;
        let region = vpc.region.as_str();
        let public = self.dst;
        let r = net.region(region);
        let nat = r.and_then(|r| {
            r.nat_gateways
                .iter()
                .find(|n| n.vpc_id == vpc.id && n.public_ips.contains(&public))
        });
        let private = nat
            .and_then(|n| n.private_ips.first().copied())
            .or_else(|| {
                r.and_then(|r| {
                    r.instances
                        .iter()
                        .find(|i| {
                            i.public_ip == Some(public) && i.vpc_id.as_deref() == Some(&vpc.id)
                        })
                        .and_then(|i| i.private_ip)
                        .or_else(|| {
                            r.network_interfaces
                                .iter()
                                .find(|e| e.public_ip == Some(public) && e.vpc_id == vpc.id)
                                .and_then(|e| e.private_ips.first().copied())
                        })
                })
            });
        let mut h = hop(
            HopKind::InternetGateway,
            ObjectRef::new(ObjectKind::InternetGateway, &igw.id, region),
            igw.name.as_deref(),
            None,
        );
        let Some(private) = private else {
            h.decision = "drops".into();
            h.rule = format!("no address in {} owns {public}", vpc.id);
            self.push(h);
            return self.drop_at(
                &igw.id,
                region,
                format!("{public} belongs to nothing behind {}", igw.id),
            );
        };
        h.decision = format!("from the internet to {public}, which is {private}");
        h.rule = "the internet gateway maps the public address to its private owner".into();
        self.push(h);
        if let Some(n) = nat {
            return self.unnat(n, public);
        }
        self.dst = private;
        // Ingress routing: a route table associated with the gateway decides first.
        let edge = r.and_then(|r| {
            r.vpc_route_tables.iter().find(|t| {
                t.vpc_id == vpc.id
                    && t.associations
                        .iter()
                        .any(|a| a.gateway_id.as_deref() == Some(&igw.id))
            })
        });
        if let Some(table) = edge
            && let VpcOutcome::Forward { prefix, route } = net.vpc_lookup(table, private).outcome
            && !matches!(route.target(), VpcRouteTarget::Local)
            && let Some(owner) = net
                .subnets_containing(private)
                .into_iter()
                .find(|s| s.vpc_id == vpc.id)
        {
            let target = route.target();
            let mut g = hop(
                HopKind::VpcRouteTable,
                ObjectRef::new(ObjectKind::VpcRouteTable, &table.id, region),
                table.name.as_deref(),
                Some(&owner.availability_zone),
            );
            g.decision = format!("forward to {}", target.id());
            g.rule = format!(
                "{prefix} → {}; route table of gateway {}",
                target.id(),
                igw.id
            );
            self.push(g);
            return self.vpc_target(vpc, owner, target);
        }
        self.deliver_local(vpc)
    }

    /// Back through the NAT gateway that owns `public`: undo its translation.
    fn unnat(&mut self, nat: &'a NatGateway, public: IpAddr) -> Step<'a> {
        let region = nat.region.as_str();
        let original = self
            .fwd
            .and_then(|f| {
                f.translations
                    .iter()
                    .rev()
                    .find(|t| t.nat_id == nat.id && t.public == public)
            })
            .map(|t| t.original);
        let Some(original) = original else {
            return self.drop_at(
                &nat.id,
                region,
                format!("{} holds no flow to {public}", nat.id),
            );
        };
        if let Some(s) = self.net.subnet_in(region, &nat.subnet_id)
            && let Some(stop) = self.cross(Some(s), false)
        {
            return stop;
        }
        let mut h = hop(
            HopKind::NatGateway,
            ObjectRef::new(ObjectKind::NatGateway, &nat.id, region),
            nat.name.as_deref(),
            self.net
                .subnet_in(region, &nat.subnet_id)
                .map(|s| s.availability_zone.as_str()),
        );
        h.decision = format!("translates {public} back to {original}");
        h.rule = "return traffic of a flow this NAT gateway opened".into();
        self.push(h);
        self.dst = original;
        match self.net.subnet_in(region, &nat.subnet_id) {
            Some(s) => Step::Next(Pos::Subnet(s)),
            None => self.drop_at(
                &nat.id,
                region,
                format!("the subnet of {} is not in the estate", nat.id),
            ),
        }
    }
}

fn target_kind(t: &VpcRouteTarget) -> &'static str {
    match t {
        VpcRouteTarget::NetworkInterface(_) => "a network interface (an appliance)",
        VpcRouteTarget::Instance(_) => "an instance (an appliance)",
        VpcRouteTarget::EgressOnlyInternetGateway(_) => "an egress-only internet gateway (IPv6)",
        VpcRouteTarget::CarrierGateway(_) => "a carrier gateway",
        VpcRouteTarget::LocalGateway(_) => "an Outposts local gateway",
        VpcRouteTarget::CoreNetwork(_) => "a Cloud WAN core network",
        _ => "unknown",
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

/// One forward walk and its return, for the flow-hash choices given.
struct Run<'a> {
    forward: Path,
    branches: Vec<Branch>,
    back: Option<Path>,
    /// Filters (network ACLs, security groups) not read for a region on the path.
    unread: std::collections::BTreeSet<String>,
    _mem: Memory<'a>,
}

fn one<'a>(
    net: &Net<'a>,
    origin: &Origin<'a>,
    flow: &FlowSpec,
    routing_only: bool,
    choices: Vec<usize>,
) -> Run<'a> {
    let mut w = Walker::new(net, flow, origin.ip, flow.dst);
    w.routing_only = routing_only;
    w.choices = choices;
    w.push(origin.hop.clone());
    w.begin(origin);
    let forward = w.run(Pos::Subnet(origin.subnet));
    let branches = std::mem::take(&mut w.branches);
    let mem = std::mem::take(&mut w.mem);
    let mut unread = std::mem::take(&mut w.unread);
    let back = match forward.verdict.settled() {
        Verdict::Delivered { .. } => mem.delivered_in.map(|subnet| {
            let mut r = Walker::new(net, flow, flow.dst, mem.delivered_src.unwrap_or(origin.ip));
            r.returning = true;
            r.routing_only = routing_only;
            r.fwd = Some(&mem);
            r.here = Some(subnet);
            let p = r.run(Pos::Subnet(subnet));
            unread.append(&mut r.unread);
            p
        }),
        Verdict::ReachesInternet { egress_ip, .. } => mem.egress.map(|(igw, vpc, _)| {
            let mut r = Walker::new(net, flow, flow.dst, *egress_ip);
            r.returning = true;
            r.routing_only = routing_only;
            r.fwd = Some(&mem);
            let p = r.run(Pos::IgwInbound { igw, vpc });
            unread.append(&mut r.unread);
            p
        }),
        _ => None,
    };
    Run {
        forward,
        branches,
        back,
        unread,
        _mem: mem,
    }
}

fn symmetric(forward: &[String], back: &[String]) -> bool {
    let mut a: Vec<&String> = forward.iter().collect();
    let mut b: Vec<&String> = back.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// Traces the flow: the primary path (first option at every flow-hash choice), its
/// return, and every other flow-hash path's verdict.
pub(super) fn run<'a>(
    net: &Net<'a>,
    origin: &Origin<'a>,
    target: &Target,
    flow: &FlowSpec,
    routing_only: bool,
) -> Trace {
    let primary = one(net, origin, flow, routing_only, Vec::new());
    let mut alternatives = Vec::new();
    // Depth-first over the choice points: each run names the options it met; every
    // option not taken at a point past the fixed prefix is a new path.
    let mut queue: Vec<Vec<usize>> = Vec::new();
    let expand = |prefix_len: usize, branches: &[Branch], queue: &mut Vec<Vec<usize>>| {
        for i in prefix_len..branches.len() {
            for alt in 0..branches[i].options.len() {
                if alt != branches[i].picked {
                    let mut c: Vec<usize> = branches[..i].iter().map(|b| b.picked).collect();
                    c.push(alt);
                    queue.push(c);
                }
            }
        }
    };
    expand(0, &primary.branches, &mut queue);
    let mut runs = 1;
    while let Some(choices) = queue.pop() {
        if runs >= MAX_PATHS {
            break;
        }
        runs += 1;
        let fixed = choices.len();
        let r = one(net, origin, flow, routing_only, choices.clone());
        expand(fixed, &r.branches, &mut queue);
        let described: Vec<String> = r
            .branches
            .iter()
            .zip(
                primary
                    .branches
                    .iter()
                    .map(Some)
                    .chain(std::iter::repeat(None)),
            )
            .filter(|(b, p)| p.is_none_or(|p| p.options.get(p.picked) != b.options.get(b.picked)))
            .map(|(b, _)| b.options[b.picked].clone())
            .collect();
        alternatives.push(Alternative {
            choices: described,
            verdict: r.forward.verdict.clone(),
            firewalls: r.forward.firewalls.clone(),
        });
    }
    let mut notes: Vec<String> = primary
        .unread
        .iter()
        .map(|what| format!("{what} were not read: not evaluated"))
        .collect();
    if runs >= MAX_PATHS && !queue.is_empty() {
        notes.push(format!(
            "more than {MAX_PATHS} flow-hash paths: the first {MAX_PATHS} are traced"
        ));
    }
    let (return_hops, return_verdict, return_firewalls) = match primary.back {
        Some(p) => (p.hops, Some(p.verdict), p.firewalls),
        None => (Vec::new(), None, Vec::new()),
    };
    if let Some(rv) = &return_verdict
        && !rv.arrives()
    {
        notes.push("the return path is dropped: a reply never arrives, so a TCP flow fails even though the forward path arrives".into());
    }
    let sym = return_verdict.is_none() || symmetric(&primary.forward.firewalls, &return_firewalls);
    if !sym {
        notes.push(format!(
            "asymmetric: forward crosses {}, return crosses {}; a stateful firewall sees half the flow",
            list_or_none(&primary.forward.firewalls),
            list_or_none(&return_firewalls)
        ));
    }
    // Accounts that were not read in a region the path crosses: when the path does
    // not end cleanly, what they own may be why, and the trace says so by account.
    let unsettled = !primary.forward.verdict.arrives()
        || matches!(primary.forward.verdict, Verdict::Unverified { .. })
        || !primary.unread.is_empty();
    if unsettled {
        let mut regions: Vec<&str> = primary
            .forward
            .hops
            .iter()
            .chain(return_hops.iter())
            .filter_map(|h| h.object.as_ref().map(|o| o.region.as_str()))
            .collect();
        regions.sort_unstable();
        regions.dedup();
        for r in regions.iter().filter_map(|r| net.region(r)) {
            for g in &r.gaps {
                if let Some(account) = g.part.strip_prefix("account ") {
                    notes.push(format!(
                        "account {account} was not read in {} ({}): what it owns on this path is not evaluated",
                        r.region, g.error
                    ));
                }
            }
        }
    }
    Trace {
        flow: FlowView {
            protocol: flow.protocol,
            src: flow.src,
            dst: flow.dst,
            dst_port: flow.dst_port,
            sni: flow.sni.clone(),
            http_host: flow.http_host.clone(),
            to: target.label.clone(),
        },
        hops: primary.forward.hops,
        verdict: primary.forward.verdict,
        firewalls: primary.forward.firewalls,
        return_hops,
        return_verdict,
        symmetric: sym,
        return_firewalls,
        alternatives,
        notes,
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "no firewall".into()
    } else {
        v.join(", ")
    }
}

/// The prefix a route matched, naming the prefix list it is an entry of:
/// `pl-0abc (entry 192.168.0.0/16)`.
fn via_list(prefix: ipnet::IpNet, destination: &crate::model::Destination) -> String {
    match destination {
        crate::model::Destination::PrefixList(id) => format!("{id} (entry {prefix})"),
        crate::model::Destination::Cidr(_) => prefix.to_string(),
    }
}

fn tgw_via_list(prefix: ipnet::IpNet, route: &crate::model::TgwRoute) -> String {
    match &route.prefix_list_id {
        Some(id) => format!("{id} (entry {prefix})"),
        None => via_list(prefix, &route.destination),
    }
}
