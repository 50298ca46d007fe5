//! `peer connect`: carry a TGW peering from whatever state it is in to `available`
//! with routes on both sides, one step at a time.
//!
//! Invariants:
//! - The next step is worked out from what the estate shows ([`next_step`]), never
//!   from a saved step number: a flow that was cancelled, failed midway or was
//!   started by someone else resumes where the network is.
//! - The steps: create (no peering between the two TGWs), wait (AWS is moving it:
//!   `initiatingRequest`, `pending`), accept (`pendingAcceptance`, in the accepter's
//!   region), routes (`available`, routes missing on either side), done.
//! - Routes are proposed from what the engine knows about each side:
//!   - a side with centralized inspection (a VPC attached to the TGW holding Network
//!     Firewall endpoints): the peering is associated with the table that sends to
//!     inspection (the spoke table), the remote CIDRs are routed to the peering in
//!     the table the inspection attachment uses (post-inspection), and the firewall
//!     subnets' route tables get remote CIDR → TGW where no route covers it — so
//!     traffic to and from the peer crosses the firewall both ways;
//!   - a side without: the peering is associated with the table its VPCs use (the
//!     TGW's default association table where enabled) and the remote CIDRs are
//!     routed to the peering there;
//!   - on both sides, the route tables of attached VPCs that already send traffic
//!     to the TGW get remote CIDR → TGW where nothing covers it.
//! - Remote CIDRs are the CIDRs of the workload VPCs attached to the other TGW
//!   (inspection VPCs are not destinations).

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Draft, not_found, peer_answer, peer_create};
use crate::backend::{Change, ChangeOp, TgwRouteTarget, VpcTarget};
use crate::error::CommandError;
use crate::error::ErrorKind;
use crate::model::{AttachmentKind, AttachmentState, Peering, TgwRouteTable, TransitGateway};
use crate::net::Net;
use crate::net::lpm::TgwOutcome;

/// What `peer connect` was pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An existing peering attachment.
    Peering(String),
    /// Two TGWs: the peering between them, created when there is none.
    Tgws { local: String, peer: String },
}

impl Target {
    /// `peer connect ID` or `peer connect LOCAL-TGW PEER-TGW`.
    ///
    /// # Errors
    /// A sentence naming the expected forms.
    pub fn parse(first: &str, second: Option<&str>) -> Result<Self, CommandError> {
        match second {
            None if first.starts_with("tgw-attach-") => Ok(Self::Peering(first.to_string())),
            Some(peer) if first.starts_with("tgw-") && !first.starts_with("tgw-attach-") => {
                Ok(Self::Tgws {
                    local: first.to_string(),
                    peer: peer.to_string(),
                })
            }
            _ => Err(CommandError::new(
                ErrorKind::InvalidInput,
                "peer connect takes a peering attachment (tgw-attach-…) or two transit gateways (LOCAL-TGW PEER-TGW)",
            )),
        }
    }
}

/// The next step of `peer connect`.
#[derive(Debug, Clone)]
pub enum Next {
    /// A change to preview, confirm and apply.
    Apply(Draft),
    /// AWS is moving the peering: observe these regions again until its state changes.
    Wait {
        peering: String,
        state: AttachmentState,
        regions: Vec<String>,
    },
    /// Connected: available, routes on both sides. The sentence says what was checked.
    Done(String),
}

impl Next {
    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Apply(d) => d.title.clone(),
            Self::Wait { peering, state, .. } => {
                format!("waiting for {peering} ({state}): AWS is moving it")
            }
            Self::Done(s) => s.clone(),
        }
    }
}

fn invalid(message: String) -> CommandError {
    CommandError::new(ErrorKind::InvalidInput, message)
}

/// The peering between two TGWs that is still alive (newest states first).
fn peering_between<'a>(net: &Net<'a>, a: &str, b: &str) -> Option<&'a Peering> {
    let mut found: Vec<&Peering> = net
        .regions()
        .flat_map(|r| r.peerings.iter())
        .filter(|p| {
            (p.requester.tgw_id == a && p.accepter.tgw_id == b)
                || (p.requester.tgw_id == b && p.accepter.tgw_id == a)
        })
        .filter(|p| !is_dead(&p.state))
        .collect();
    found.sort_by_key(|p| p.id.clone());
    found.first().copied()
}

fn is_dead(state: &AttachmentState) -> bool {
    matches!(
        state,
        AttachmentState::Deleting
            | AttachmentState::Deleted
            | AttachmentState::Rejected
            | AttachmentState::Rejecting
            | AttachmentState::Failed
            | AttachmentState::Failing
    )
}

/// Works out the next step from the estate.
///
/// # Errors
/// An id that names nothing loaded, a peering that can no longer be connected
/// (rejected, deleted, failed), a region that is not loaded.
pub fn next_step(net: &Net<'_>, target: &Target, request_tag: &str) -> Result<Next, CommandError> {
    let peering = match target {
        Target::Peering(id) => net
            .peering(id)
            .ok_or_else(|| not_found(net, "TGW peering", id))?,
        Target::Tgws { local, peer } => {
            if net.tgw(local).is_none() {
                return Err(not_found(net, "transit gateway", local));
            }
            match peering_between(net, local, peer) {
                Some(p) => p,
                None => {
                    return Ok(Next::Apply(peer_create(
                        net,
                        local,
                        peer,
                        None,
                        None,
                        request_tag,
                    )?));
                }
            }
        }
    };
    let id = peering.id.clone();
    // The freshest view: the accepter's record when both are loaded and differ.
    let state = [&peering.accepter.region, &peering.requester.region]
        .iter()
        .filter_map(|r| net.peering_in(r, &id))
        .map(|p| p.state.clone())
        .next()
        .unwrap_or_else(|| peering.state.clone());
    match state {
        AttachmentState::PendingAcceptance => Ok(Next::Apply(peer_answer(net, &id, true)?)),
        AttachmentState::Available | AttachmentState::Modifying => routes(net, peering),
        s if is_dead(&s) => Err(invalid(format!(
            "peering {id} is {s}: it cannot be connected; `peer connect {} {}` requests a new one",
            peering.requester.tgw_id, peering.accepter.tgw_id
        ))),
        s => Ok(Next::Wait {
            peering: id,
            state: s,
            regions: vec![
                peering.requester.region.clone(),
                peering.accepter.region.clone(),
            ],
        }),
    }
}

/// One side of the peering.
struct Side<'a> {
    region: String,
    tgw: &'a TransitGateway,
}

fn side<'a>(net: &Net<'a>, p: &Peering, requester: bool) -> Result<Side<'a>, CommandError> {
    let s = if requester { &p.requester } else { &p.accepter };
    if net.region(&s.region).is_none() {
        return Err(invalid(format!(
            "peering {} reaches {} in {}, which is not loaded: add it with --regions",
            p.id, s.tgw_id, s.region
        )));
    }
    let tgw = net.tgw_in(&s.region, &s.tgw_id).ok_or_else(|| {
        invalid(format!(
            "peering {} names {} in {}, which was not read there (another account? use --peer-profile)",
            p.id, s.tgw_id, s.region
        ))
    })?;
    Ok(Side {
        region: s.region.clone(),
        tgw,
    })
}

/// VPC attachments of a TGW whose VPC is an inspection hub (the audit's roles: a
/// Network Firewall or Gateway Load Balancer endpoint in it).
fn inspection_attachments<'a>(
    net: &Net<'a>,
    tgw: &TransitGateway,
) -> Vec<&'a crate::model::TgwAttachment> {
    let roles = crate::net::audit::Roles::of(net);
    net.tgw_attachments_of(tgw)
        .into_iter()
        .filter(|a| a.kind == AttachmentKind::Vpc && a.state.is_usable())
        .filter(|a| {
            a.resource_id.as_ref().is_some_and(|vpc| {
                roles
                    .inspection
                    .contains(&(tgw.region.clone(), vpc.clone()))
            })
        })
        .collect()
}

/// The workload VPCs behind a TGW: the audit's spokes attached to it over a usable
/// attachment (inspection and egress hubs are not destinations).
fn workload_vpcs<'a>(net: &Net<'a>, tgw: &TransitGateway) -> Vec<&'a crate::model::Vpc> {
    crate::net::audit::Roles::of(net)
        .spokes
        .into_iter()
        .filter(|(_, atts)| {
            atts.iter()
                .any(|a| a.tgw_id == tgw.id && a.state.is_usable())
        })
        .map(|(vpc, _)| vpc)
        .collect()
}

/// Workload CIDRs behind a TGW.
fn workload_cidrs(net: &Net<'_>, tgw: &TransitGateway) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = Vec::new();
    for vpc in workload_vpcs(net, tgw) {
        for c in &vpc.cidr_blocks {
            if !out.contains(c) {
                out.push(*c);
            }
        }
    }
    out.sort();
    out
}

fn probe(cidr: IpNet) -> IpAddr {
    crate::net::trace::first_host(cidr)
}

/// True when the table already sends `cidr` (its first host) to `attachment`.
fn tgw_sends(net: &Net<'_>, table: &TgwRouteTable, cidr: IpNet, attachment: &str) -> bool {
    match net.tgw_lookup(table, probe(cidr)).outcome {
        TgwOutcome::Forward { targets, .. } => {
            targets.iter().any(|t| t.attachment_id == attachment)
        }
        _ => false,
    }
}

fn exact_static(table: &TgwRouteTable, cidr: IpNet) -> Option<&crate::model::TgwRoute> {
    table.routes.iter().find(|r| {
        r.destination == crate::model::Destination::Cidr(cidr)
            && r.route_type == crate::model::RouteType::Static
    })
}

/// Routes `cidrs` to the peering in `table`, where they are not already.
fn route_to_peering(
    net: &Net<'_>,
    d: &mut Draft,
    region: &str,
    table: &TgwRouteTable,
    cidrs: &[IpNet],
    peering: &str,
) {
    for &cidr in cidrs {
        if tgw_sends(net, table, cidr, peering) {
            continue;
        }
        // An active static route whose target the API does not name (moto 5.2.5, for
        // routes to peering attachments; AWS always names it) is taken as in place:
        // replacing it would be a change made on a guess.
        if exact_static(table, cidr)
            .is_some_and(|r| r.targets.is_empty() && r.state == crate::model::RouteState::Active)
        {
            continue;
        }
        let before = super::tgw_route_text(table, cidr);
        let change = if exact_static(table, cidr).is_some() {
            Change::ReplaceTgwRoute {
                route_table_id: table.id.clone(),
                cidr,
                target: TgwRouteTarget::Attachment(peering.into()),
            }
        } else {
            Change::CreateTgwRoute {
                route_table_id: table.id.clone(),
                cidr,
                target: TgwRouteTarget::Attachment(peering.into()),
            }
        };
        d.row(
            region,
            format!("{} {cidr}", table.id),
            before,
            format!("static → {peering}"),
        );
        d.ops.push(ChangeOp::new(region, change));
    }
}

/// Associates the peering's attachment on this side with `table`.
fn associate(net: &Net<'_>, d: &mut Draft, side: &Side<'_>, table: &TgwRouteTable, peering: &str) {
    let current = net
        .attachment_in(&side.region, peering)
        .and_then(|a| net.associated_route_table(a))
        .filter(|t| t.tgw_id == side.tgw.id);
    match current {
        Some(t) if t.id == table.id => {}
        Some(other) => {
            d.row(
                &side.region,
                format!("{peering} association"),
                format!("associated with {}", other.id),
                format!("associated with {}", table.id),
            );
            d.ops.push(ChangeOp::new(
                &side.region,
                Change::DisassociateTgwRouteTable {
                    route_table_id: other.id.clone(),
                    attachment_id: peering.into(),
                },
            ));
            d.ops.push(ChangeOp::new(
                &side.region,
                Change::AssociateTgwRouteTable {
                    route_table_id: table.id.clone(),
                    attachment_id: peering.into(),
                },
            ));
        }
        None => {
            d.row(
                &side.region,
                format!("{peering} association"),
                "not associated".into(),
                format!("associated with {}", table.id),
            );
            d.ops.push(ChangeOp::new(
                &side.region,
                Change::AssociateTgwRouteTable {
                    route_table_id: table.id.clone(),
                    attachment_id: peering.into(),
                },
            ));
        }
    }
}

/// VPC route tables in `vpc_ids` (their subnets' tables) that send something to the
/// TGW but not `cidrs`: add cidr → TGW.
fn vpc_routes_to_tgw(
    net: &Net<'_>,
    d: &mut Draft,
    side: &Side<'_>,
    tables: Vec<&crate::model::VpcRouteTable>,
    cidrs: &[IpNet],
    require_tgw_use: bool,
) {
    let tgw = &side.tgw.id;
    let mut seen: Vec<String> = Vec::new();
    for table in tables {
        if seen.contains(&table.id) {
            continue;
        }
        seen.push(table.id.clone());
        let uses_tgw = table.routes.iter().any(
            |r| matches!(&r.target, crate::model::VpcRouteTarget::TransitGateway(t) if t == tgw),
        );
        if require_tgw_use && !uses_tgw {
            continue;
        }
        for &cidr in cidrs {
            let decision = net.vpc_lookup(table, probe(cidr));
            let covered = matches!(decision.target(), Some(crate::model::VpcRouteTarget::TransitGateway(t)) if t == tgw);
            if covered {
                continue;
            }
            let exact = table
                .routes
                .iter()
                .find(|r| r.destination == crate::model::Destination::Cidr(cidr));
            d.row(
                &side.region,
                format!("{} {cidr}", table.id),
                exact.map_or("(none)".into(), |r| format!("→ {}", r.target.id())),
                format!("→ {tgw}"),
            );
            let target = VpcTarget::TransitGateway(tgw.clone());
            d.ops.push(ChangeOp::new(
                &side.region,
                if exact.is_some() {
                    Change::ReplaceVpcRoute {
                        route_table_id: table.id.clone(),
                        cidr,
                        target,
                    }
                } else {
                    Change::CreateVpcRoute {
                        route_table_id: table.id.clone(),
                        cidr,
                        target,
                    }
                },
            ));
        }
    }
}

/// The route tables the subnets of a VPC use.
fn subnet_tables<'a>(
    net: &Net<'a>,
    region: &str,
    vpc_id: &str,
) -> Vec<&'a crate::model::VpcRouteTable> {
    let Some(vpc) = net.vpc_in(region, vpc_id) else {
        return Vec::new();
    };
    net.vpc_subnets(vpc)
        .into_iter()
        .filter_map(|s| net.subnet_route_table(s).map(|(t, _)| t))
        .collect()
}

/// Proposes one side's association and routes.
fn side_routes(
    net: &Net<'_>,
    d: &mut Draft,
    side: &Side<'_>,
    remote: &[IpNet],
    peering: &str,
) -> Result<(), CommandError> {
    let tables = net.tgw_route_tables_of(side.tgw);
    let inspection = inspection_attachments(net, side.tgw);
    let region = side.region.as_str();
    if let Some(insp) = inspection.first() {
        let post = net.associated_route_table(insp).ok_or_else(|| {
            invalid(format!(
                "inspection attachment {} in {region} is associated with no route table: associate it first",
                insp.id
            ))
        })?;
        // The spoke table: sends the default route to inspection; most associations.
        let mut spoke: Vec<&TgwRouteTable> = tables
            .iter()
            .copied()
            .filter(|t| t.id != post.id)
            .filter(|t| tgw_sends(net, t, "0.0.0.0/0".parse().unwrap_or_default(), &insp.id))
            .collect();
        spoke.sort_by_key(|t| std::cmp::Reverse(t.associations.len()));
        let spoke = spoke.first().copied().ok_or_else(|| {
            invalid(format!(
                "no TGW route table in {region} sends traffic to the inspection attachment {}: cannot tell which table the peering should use",
                insp.id
            ))
        })?;
        associate(net, d, side, spoke, peering);
        route_to_peering(net, d, region, post, remote, peering);
        // Firewall subnets send what they inspected back to the TGW.
        let fw_vpc = insp.resource_id.clone().unwrap_or_default();
        let fw_tables: Vec<&crate::model::VpcRouteTable> = net
            .region(region)
            .map(|r| {
                r.firewalls
                    .iter()
                    .filter(|f| f.vpc_id == fw_vpc)
                    .flat_map(|f| f.endpoints.iter())
                    .filter_map(|e| net.subnet_in(region, &e.subnet_id))
                    .filter_map(|s| net.subnet_route_table(s).map(|(t, _)| t))
                    .collect()
            })
            .unwrap_or_default();
        vpc_routes_to_tgw(net, d, side, fw_tables, remote, false);
    } else {
        let table = side
            .tgw
            .association_default_route_table_id
            .as_deref()
            .filter(|_| side.tgw.default_route_table_association == crate::model::Toggle::Enable)
            .and_then(|id| tables.iter().copied().find(|t| t.id == id))
            .or_else(|| {
                let mut by_use: Vec<&TgwRouteTable> = tables
                    .iter()
                    .copied()
                    .filter(|t| {
                        t.associations.iter().any(|l| {
                            net.attachment_in(region, &l.attachment_id)
                                .is_some_and(|a| a.kind == AttachmentKind::Vpc)
                        })
                    })
                    .collect();
                by_use.sort_by_key(|t| std::cmp::Reverse(t.associations.len()));
                by_use.first().copied()
            })
            .or_else(|| tables.first().copied())
            .ok_or_else(|| {
                invalid(format!(
                    "{} in {region} has no route table to associate the peering with",
                    side.tgw.id
                ))
            })?;
        associate(net, d, side, table, peering);
        route_to_peering(net, d, region, table, remote, peering);
    }
    // Workload VPCs that already use the TGW learn the way to the remote side.
    let vpc_tables: Vec<&crate::model::VpcRouteTable> = workload_vpcs(net, side.tgw)
        .into_iter()
        .flat_map(|vpc| subnet_tables(net, region, &vpc.id))
        .collect();
    vpc_routes_to_tgw(net, d, side, vpc_tables, remote, true);
    Ok(())
}

fn routes(net: &Net<'_>, p: &Peering) -> Result<Next, CommandError> {
    let req = side(net, p, true)?;
    let acc = side(net, p, false)?;
    let req_cidrs = workload_cidrs(net, req.tgw);
    let acc_cidrs = workload_cidrs(net, acc.tgw);
    let mut d = Draft::new(format!(
        "route {} both ways: {} ({}) ↔ {} ({})",
        p.id, req.tgw.id, req.region, acc.tgw.id, acc.region
    ));
    side_routes(net, &mut d, &req, &acc_cidrs, &p.id)?;
    side_routes(net, &mut d, &acc, &req_cidrs, &p.id)?;
    if d.ops.is_empty() {
        return Ok(Next::Done(format!(
            "{} is available with routes on both sides: {} → {} in {}, {} → {} in {}",
            p.id,
            list(&acc_cidrs),
            p.id,
            req.region,
            list(&req_cidrs),
            p.id,
            acc.region
        )));
    }
    Ok(Next::Apply(d))
}

fn list(cidrs: &[IpNet]) -> String {
    if cidrs.is_empty() {
        return "(no workload CIDRs)".into();
    }
    cidrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `peer wait`: true when `state` is the one waited for; an error when the peering
/// can no longer get there.
///
/// # Errors
/// The peering is gone or in a dead state that is not the one waited for.
pub fn reached(
    net: &Net<'_>,
    id: &str,
    want: &str,
) -> Result<Option<AttachmentState>, CommandError> {
    let Some(p) = net.peering(id) else {
        if want == "deleted" {
            return Ok(Some(AttachmentState::Deleted));
        }
        return Err(not_found(net, "TGW peering", id));
    };
    let state = [&p.accepter.region, &p.requester.region]
        .iter()
        .filter_map(|r| net.peering_in(r, id))
        .map(|p| p.state.clone())
        .next()
        .unwrap_or_else(|| p.state.clone());
    if state.to_string().eq_ignore_ascii_case(want) {
        return Ok(Some(state));
    }
    if is_dead(&state) {
        return Err(invalid(format!(
            "peering {id} is {state}: it will not become {want}"
        )));
    }
    Ok(None)
}

/// What `peer connect` checked once the routes are in place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checks {
    /// Every trace routed both ways (or unverified where the estate says too little)
    /// and symmetric.
    pub ok: bool,
    /// Routed both ways, but a firewall policy drops the check's packets: the
    /// connection is done, and the policy decides what crosses it.
    pub policy_drop: bool,
    /// One line per direction, led by ✓ (delivered), ⚠ (routed, dropped by a
    /// policy) or ✗ (not routed).
    pub lines: Vec<String>,
}

/// A place to trace from on one side: a running instance in a workload VPC, else the
/// first host of a workload subnet.
fn endpoint(net: &Net<'_>, tgw: &TransitGateway) -> Option<(String, IpAddr)> {
    let region = net.region(&tgw.region)?;
    let vpcs: Vec<&crate::model::Vpc> = workload_vpcs(net, tgw);
    let instance = region
        .instances
        .iter()
        .filter(|i| {
            i.vpc_id
                .as_ref()
                .is_some_and(|v| vpcs.iter().any(|x| &x.id == v))
        })
        .find_map(|i| i.private_ip.map(|ip| (i.id.clone(), ip)));
    instance.or_else(|| {
        vpcs.iter().find_map(|vpc| {
            let subnet = net.vpc_subnets(vpc).into_iter().next()?;
            let ip = crate::net::trace::first_host(subnet.cidr?);
            Some((ip.to_string(), ip))
        })
    })
}

/// Traces each way across the peering (ICMP, seed 004's ping) and says whether both
/// are delivered and symmetric.
#[must_use]
pub fn check(net: &Net<'_>, target: &Target) -> Checks {
    let peering = match target {
        Target::Peering(id) => net.peering(id),
        Target::Tgws { local, peer } => peering_between(net, local, peer),
    };
    let Some(p) = peering else {
        return Checks::default();
    };
    let (Some(req), Some(acc)) = (
        net.tgw_in(&p.requester.region, &p.requester.tgw_id),
        net.tgw_in(&p.accepter.region, &p.accepter.tgw_id),
    ) else {
        return Checks {
            ok: true,
            policy_drop: false,
            lines: vec!["trace not evaluated: one side's TGW was not read".into()],
        };
    };
    let (Some(a), Some(b)) = (endpoint(net, req), endpoint(net, acc)) else {
        return Checks {
            ok: true,
            policy_drop: false,
            lines: vec!["trace not evaluated: no workload subnet on one side".into()],
        };
    };
    let mut out = Checks {
        ok: true,
        policy_drop: false,
        lines: Vec::new(),
    };
    for (from, to) in [(&a, &b), (&b, &a)] {
        let mut query = crate::net::trace::TraceQuery {
            from: from.0.clone(),
            to: to.1.to_string(),
            protocol: Some(crate::net::firewall::Protocol::Icmp),
            port: None,
            sni: None,
            routing_only: true,
            http_host: None,
        };
        // Routing decides whether the connection is done; the firewall's rules are
        // the policy's business, reported as they are.
        let routing = crate::net::trace::trace(net, &query);
        query.routing_only = false;
        let full = crate::net::trace::trace(net, &query);
        match (routing, full) {
            (Ok(r), Ok(t)) => {
                let delivered = |v: &crate::net::trace::Verdict| {
                    matches!(v.settled(), crate::net::trace::Verdict::Delivered { .. })
                };
                let routed = delivered(&r.verdict)
                    && r.return_verdict.as_ref().is_some_and(delivered)
                    && r.symmetric;
                let unnamed = unnamed_target(net, &r);
                out.ok &= routed || unnamed.is_some();
                let through = if t.firewalls.is_empty() {
                    String::new()
                } else {
                    format!(", through {}", t.firewalls.join(", "))
                };
                let dropped_by_policy = routed && !delivered(&t.verdict);
                out.policy_drop |= dropped_by_policy;
                let mut line = if dropped_by_policy {
                    // Said first: a ✓ beside a packet the policy drops reads as "works".
                    format!(
                        "⚠ routing ✓ both ways; the firewall policy drops {} → {} (icmp): {}{through}",
                        from.0,
                        to.1,
                        t.verdict.summary(),
                    )
                } else {
                    format!(
                        "{} trace {} → {} (icmp): {}{through}; return {}; {}",
                        if routed { "✓" } else { "✗" },
                        from.0,
                        to.1,
                        t.verdict.summary(),
                        t.return_verdict.as_ref().map_or_else(
                            || "none".to_string(),
                            crate::net::trace::Verdict::summary
                        ),
                        if t.symmetric {
                            "symmetric"
                        } else {
                            "ASYMMETRIC"
                        }
                    )
                };
                if let Some(route) = &unnamed {
                    line.push_str(&format!(
                        " (not evaluated: the API did not name the target of {route}, so the engine cannot follow it)"
                    ));
                } else if !routed {
                    line.push_str(&format!(" (routing: {})", r.verdict.summary()));
                }
                out.lines.push(line);
            }
            (Err(e), _) | (_, Err(e)) => {
                out.ok = false;
                out.lines
                    .push(format!("trace {} → {}: {}", from.0, to.1, e.0));
            }
        }
    }
    out
}

/// A TGW route on the trace's path that is active but whose target the API did not
/// name (moto 5.2.5 for routes to peering attachments): the trace stops there for a
/// reason that is the read's, not the network's.
fn unnamed_target(net: &Net<'_>, t: &crate::net::trace::Trace) -> Option<String> {
    let crate::net::trace::Verdict::Dropped { .. } = t.verdict.settled() else {
        return None;
    };
    let hop = t.hops.last()?;
    let table = net.tgw_route_table_in(&hop.region, &hop.id)?;
    let dst: IpAddr = t.flow.dst;
    table
        .routes
        .iter()
        .filter(|r| r.state == crate::model::RouteState::Active && r.targets.is_empty())
        .find(|r| r.destination.cidr().is_some_and(|c| c.contains(&dst)))
        .map(|r| format!("{} in {}", r.destination, table.id))
}
