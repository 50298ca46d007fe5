//! The estate as it would be after a change: what AWS would show once the change has
//! been applied and has settled (a peering accepted is `available`, a static route to
//! a gone attachment is `blackhole`), so the path engine can be asked about it before
//! anything is sent.
//!
//! Invariants:
//! - Pure: an estate and ops in, a new estate out; the input is never changed.
//! - Read-level semantics, as [`crate::backend::sim::derive`] derives them: a static
//!   route hides a propagated route for the same prefix and deleting it brings the
//!   propagated one back; propagating a VPC attachment adds its VPC's CIDRs; a
//!   peering is one id visible in both regions, its attachment records included.
//! - What cannot be projected exactly (routes a VPN learns over BGP, the id of a
//!   peering not yet created) is named in [`Projected::not_modelled`], never guessed.
//! - An op AWS would refuse (an id the estate does not hold, a route that already
//!   exists, accepting a peering that is not `pendingAcceptance`, accepting it outside
//!   the accepter's region…) changes nothing and is named in `not_modelled`, as the
//!   simulator's [`Changer`](crate::backend::Changer) refuses it.
//! - Settled states: the simulator's timed transitions are taken as done
//!   (`initiatingRequest → pendingAcceptance`, `pending → available`,
//!   `deleting → deleted`).
//! - Route order inside a table is not meaningful (lookups are by prefix): a new route
//!   goes last (the simulator sorts by destination).
//!
//! Where it cannot match the simulator (tested against it op by op in `tests`):
//! - AWS quotas (10,000 routes per table, 5,000 attachments per TGW) are not
//!   checked: an op the simulator refuses with `QuotaExceeded` is projected as done.
//! - A static route the scenario wrote as `blackhole` *with* a target becomes
//!   `active` here when its attachment becomes usable; the simulator keeps the
//!   written state. Routes made by changes are never written that way.
//! - A new peering whose peer region is not loaded shows its requester side only
//!   (said in `not_modelled`), and the peer TGW is not checked.

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::backend::change::REQUEST_TAG_KEY;
use crate::backend::{Change, ChangeOp, TgwRouteTarget};
use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, Estate, Peering,
    PeeringSide, RegionEstate, RegionLoad, RouteState, RouteTableLink, RouteTarget, RouteType,
    TgwAttachment, TgwRoute, TgwRouteTable, VpcRoute, VpcRouteTarget,
};

/// The id a peering that does not exist yet is shown with.
pub const NEW_PEERING_ID: &str = "tgw-attach-(new)";

/// An estate after some changes.
#[derive(Debug, Clone)]
pub struct Projected {
    pub estate: Estate,
    /// What the projection could not model, in words.
    pub not_modelled: Vec<String>,
}

/// `estate` with `ops` applied in order (dry runs change nothing).
#[must_use]
pub fn project(estate: &Estate, ops: &[ChangeOp]) -> Projected {
    let mut out = Projected {
        estate: estate.clone(),
        not_modelled: Vec::new(),
    };
    for op in ops.iter().filter(|op| op.mutates()) {
        if let Err(why) = apply(&mut out.estate, op, &mut out.not_modelled) {
            out.not_modelled
                .push(format!("{} in {}: {why}", op.action(), op.region));
        }
    }
    out
}

fn region_mut<'e>(estate: &'e mut Estate, name: &str) -> Option<&'e mut RegionEstate> {
    match estate.regions.get_mut(name) {
        Some(RegionLoad::Loaded { estate }) => Some(estate),
        _ => None,
    }
}

fn loaded_mut<'e>(estate: &'e mut Estate, name: &str) -> Result<&'e mut RegionEstate, String> {
    region_mut(estate, name).ok_or_else(|| format!("region {name} is not loaded"))
}

fn canonical(cidr: IpNet) -> Result<Destination, String> {
    if cidr.trunc() == cidr {
        Ok(Destination::Cidr(cidr))
    } else {
        Err(format!(
            "{cidr} has host bits set; AWS refuses it (use {})",
            cidr.trunc()
        ))
    }
}

fn table_index(r: &RegionEstate, id: &str) -> Result<usize, String> {
    r.tgw_route_tables
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(|| format!("TGW route table {id} is not in the estate; AWS would refuse it"))
}

fn attachment<'r>(r: &'r RegionEstate, id: &str) -> Result<&'r TgwAttachment, String> {
    r.attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| format!("attachment {id} is not in the estate; AWS would refuse it"))
}

fn usable(r: &RegionEstate, targets: &[RouteTarget]) -> bool {
    crate::net::targets::tgw_route_usable(targets, |id| r.attachments.iter().find(|a| a.id == id))
}

/// Puts `route` in `table`, in place of any route for the same destination (a static
/// hides a propagated route for its prefix).
fn put_route(table: &mut TgwRouteTable, route: TgwRoute) {
    table.routes.retain(|x| x.destination != route.destination);
    table.routes.push(route);
}

/// The propagated routes `att` gives `table` (its VPC's CIDRs, statics hiding them),
/// as the simulator derives them.
fn propagated_routes(
    r: &RegionEstate,
    table: &TgwRouteTable,
    att: &TgwAttachment,
) -> Vec<TgwRoute> {
    if att.kind != AttachmentKind::Vpc || !att.state.is_usable() {
        return Vec::new();
    }
    let cidrs = att
        .resource_id
        .as_deref()
        .and_then(|v| r.vpcs.iter().find(|x| x.id == v))
        .map(|v| v.cidr_blocks.clone())
        .unwrap_or_default();
    cidrs
        .into_iter()
        .map(Destination::Cidr)
        .filter(|d| {
            !table
                .routes
                .iter()
                .any(|x| x.route_type == RouteType::Static && &x.destination == d)
        })
        .map(|destination| TgwRoute {
            route_table_id: table.id.clone(),
            region: r.region.clone(),
            destination,
            route_type: RouteType::Propagated,
            state: RouteState::Active,
            targets: vec![RouteTarget {
                attachment_id: att.id.clone(),
                resource_type: Some(att.kind.clone()),
                resource_id: att.resource_id.clone(),
            }],
        })
        .collect()
}

/// After `att_id` changed state (or links) in `r`: static routes to it are active or
/// blackhole as its usability says, and the propagated routes it gives are rebuilt.
fn refresh_attachment(r: &mut RegionEstate, att_id: &str) {
    let states: Vec<(usize, usize, RouteState)> = r
        .tgw_route_tables
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.routes.iter().enumerate().filter_map(move |(ri, x)| {
                (x.route_type == RouteType::Static
                    && x.targets.iter().any(|tg| tg.attachment_id == att_id))
                .then_some((ti, ri))
            })
        })
        .map(|(ti, ri)| {
            let state = if usable(r, &r.tgw_route_tables[ti].routes[ri].targets) {
                RouteState::Active
            } else {
                RouteState::Blackhole
            };
            (ti, ri, state)
        })
        .collect();
    for (ti, ri, state) in states {
        r.tgw_route_tables[ti].routes[ri].state = state;
    }
    let Some(att) = r.attachments.iter().find(|a| a.id == att_id).cloned() else {
        return;
    };
    for ti in 0..r.tgw_route_tables.len() {
        let table = &r.tgw_route_tables[ti];
        let propagates = table.propagations.iter().any(|l| l.attachment_id == att_id);
        let had = table.routes.iter().any(|x| {
            x.route_type == RouteType::Propagated
                && x.targets.iter().any(|tg| tg.attachment_id == att_id)
        });
        if !propagates && !had {
            continue;
        }
        let new = if propagates {
            propagated_routes(r, table, &att)
        } else {
            Vec::new()
        };
        let table = &mut r.tgw_route_tables[ti];
        table.routes.retain(|x| {
            !(x.route_type == RouteType::Propagated
                && x.targets.iter().any(|tg| tg.attachment_id == att_id))
        });
        table.routes.extend(new);
    }
}

fn link(att: &TgwAttachment, state: &str) -> RouteTableLink {
    RouteTableLink {
        attachment_id: att.id.clone(),
        resource_type: Some(att.kind.clone()),
        resource_id: att.resource_id.clone(),
        state: state.to_string(),
    }
}

/// Every loaded region's records of peering `id` (peering and attachment) take `to`.
fn set_peering_state(estate: &mut Estate, id: &str, to: &AttachmentState) {
    let regions: Vec<String> = estate.loaded().map(|r| r.region.clone()).collect();
    for name in regions {
        let Some(r) = region_mut(estate, &name) else {
            continue;
        };
        let mut touched = false;
        for p in r.peerings.iter_mut().filter(|p| p.id == id) {
            p.state = to.clone();
            touched = true;
        }
        for a in r.attachments.iter_mut().filter(|a| a.id == id) {
            a.state = to.clone();
            if *to == AttachmentState::Available {
                a.appliance_mode = None;
            }
            touched = true;
        }
        if touched {
            refresh_attachment(r, id);
        }
    }
}

/// The peering `id` as the estate shows it (the requester's record when loaded).
fn find_peering(estate: &Estate, id: &str) -> Option<Peering> {
    let all: Vec<&Peering> = estate
        .loaded()
        .flat_map(|r| r.peerings.iter())
        .filter(|p| p.id == id)
        .collect();
    all.iter()
        .find(|p| p.region == p.requester.region)
        .or_else(|| all.first())
        .map(|p| (*p).clone())
}

#[allow(clippy::too_many_lines)]
fn apply(estate: &mut Estate, op: &ChangeOp, notes: &mut Vec<String>) -> Result<(), String> {
    let region = op.region.as_str();
    match &op.change {
        Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
            let r = loaded_mut(estate, region)?;
            let policy = r
                .firewall_policies
                .iter_mut()
                .find(|p| p.arn == t.policy_arn)
                .ok_or_else(|| format!("no firewall policy {} in {region}", t.policy_name))?;
            if matches!(op.change, Change::EnableRuleGroup(_)) {
                policy.enable_group(&t.group_arn, &t.group_name)?;
            } else {
                policy.disable_group(&t.group_arn, &t.group_name)?;
            }
        }
        Change::CreateTgwRoute {
            route_table_id,
            cidr,
            target,
        }
        | Change::ReplaceTgwRoute {
            route_table_id,
            cidr,
            target,
        } => {
            let create = matches!(op.change, Change::CreateTgwRoute { .. });
            let r = loaded_mut(estate, region)?;
            let ti = table_index(r, route_table_id)?;
            let destination = canonical(*cidr)?;
            let table = &r.tgw_route_tables[ti];
            let existing = table
                .routes
                .iter()
                .any(|x| x.destination == destination && x.route_type == RouteType::Static);
            if create && existing {
                return Err(format!(
                    "route {destination} already exists in {route_table_id}; AWS would refuse it"
                ));
            }
            if !create && !existing {
                return Err(format!(
                    "no static route {destination} in {route_table_id} to replace; AWS would refuse it"
                ));
            }
            let (targets, state) = match target {
                TgwRouteTarget::Blackhole => (Vec::new(), RouteState::Blackhole),
                TgwRouteTarget::Attachment(id) => {
                    let att = attachment(r, id)?;
                    if att.tgw_id != table.tgw_id {
                        return Err(format!(
                            "attachment {id} belongs to {}, not to {}'s {}; AWS would refuse it",
                            att.tgw_id, route_table_id, table.tgw_id
                        ));
                    }
                    let targets = vec![RouteTarget {
                        attachment_id: id.clone(),
                        resource_type: Some(att.kind.clone()),
                        resource_id: att.resource_id.clone(),
                    }];
                    let state = if usable(r, &targets) {
                        RouteState::Active
                    } else {
                        RouteState::Blackhole
                    };
                    (targets, state)
                }
            };
            let route = TgwRoute {
                route_table_id: route_table_id.clone(),
                region: region.to_string(),
                destination,
                route_type: RouteType::Static,
                state,
                targets,
            };
            put_route(&mut r.tgw_route_tables[ti], route);
        }
        Change::DeleteTgwRoute {
            route_table_id,
            cidr,
        } => {
            let r = loaded_mut(estate, region)?;
            let ti = table_index(r, route_table_id)?;
            let destination = canonical(*cidr)?;
            let table = &mut r.tgw_route_tables[ti];
            let before = table.routes.len();
            table
                .routes
                .retain(|x| !(x.destination == destination && x.route_type == RouteType::Static));
            if table.routes.len() == before {
                return Err(format!(
                    "no static route {destination} in {route_table_id} to delete; AWS would refuse it"
                ));
            }
            // A propagated route for the same prefix comes back.
            let table = &r.tgw_route_tables[ti];
            let mut back = Vec::new();
            // Only attachments whose VPC holds exactly that prefix (a table may have
            // thousands of propagations: each is not re-derived).
            let holds = |att: &TgwAttachment| {
                att.resource_id.as_deref().is_some_and(|v| {
                    r.vpcs.iter().any(|x| {
                        x.id == v
                            && x.cidr_blocks
                                .iter()
                                .any(|c| Destination::Cidr(*c) == destination)
                    })
                })
            };
            let by_id: std::collections::HashMap<&str, &TgwAttachment> =
                r.attachments.iter().map(|a| (a.id.as_str(), a)).collect();
            for l in &table.propagations {
                if let Some(att) = by_id.get(l.attachment_id.as_str()).copied()
                    && holds(att)
                {
                    back.extend(
                        propagated_routes(r, table, att)
                            .into_iter()
                            .filter(|x| x.destination == destination),
                    );
                }
            }
            r.tgw_route_tables[ti].routes.extend(back);
        }
        Change::AssociateTgwRouteTable {
            route_table_id,
            attachment_id,
        }
        | Change::EnablePropagation {
            route_table_id,
            attachment_id,
        } => {
            let associate = matches!(op.change, Change::AssociateTgwRouteTable { .. });
            let r = loaded_mut(estate, region)?;
            let ti = table_index(r, route_table_id)?;
            let att = attachment(r, attachment_id)?.clone();
            let table = &r.tgw_route_tables[ti];
            if att.tgw_id != table.tgw_id {
                return Err(format!(
                    "attachment {attachment_id} belongs to {}, not to {}'s {}; AWS would refuse it",
                    att.tgw_id, route_table_id, table.tgw_id
                ));
            }
            if !att.state.is_usable() {
                return Err(format!(
                    "attachment {attachment_id} is {}; AWS would refuse it (it must be available)",
                    att.state
                ));
            }
            if associate {
                if let Some(current) = &att.association {
                    return Err(format!(
                        "attachment {attachment_id} is already associated with {}; AWS would refuse it",
                        current.route_table_id
                    ));
                }
                r.tgw_route_tables[ti]
                    .associations
                    .push(link(&att, "associated"));
                if let Some(a) = r.attachments.iter_mut().find(|a| a.id == *attachment_id) {
                    a.association = Some(AttachmentAssociation {
                        route_table_id: route_table_id.clone(),
                        state: "associated".into(),
                    });
                }
            } else {
                if att.kind == AttachmentKind::Peering {
                    return Err(format!(
                        "peering attachment {attachment_id} cannot propagate routes; AWS would refuse it"
                    ));
                }
                if table
                    .propagations
                    .iter()
                    .any(|l| l.attachment_id == *attachment_id)
                {
                    return Err(format!(
                        "attachment {attachment_id} already propagates into {route_table_id}; AWS would refuse it"
                    ));
                }
                r.tgw_route_tables[ti]
                    .propagations
                    .push(link(&att, "enabled"));
                refresh_attachment(r, attachment_id);
                if att.kind != AttachmentKind::Vpc {
                    notes.push(format!(
                        "{} in {region}: the routes {} attachment {attachment_id} would propagate into {route_table_id} are learned (BGP) and not known before it happens",
                        op.action(),
                        att.kind
                    ));
                }
            }
        }
        Change::DisassociateTgwRouteTable {
            route_table_id,
            attachment_id,
        }
        | Change::DisablePropagation {
            route_table_id,
            attachment_id,
        } => {
            let associate = matches!(op.change, Change::DisassociateTgwRouteTable { .. });
            let r = loaded_mut(estate, region)?;
            let ti = table_index(r, route_table_id)?;
            let att = attachment(r, attachment_id)?.clone();
            let table = &mut r.tgw_route_tables[ti];
            let links = if associate {
                &mut table.associations
            } else {
                &mut table.propagations
            };
            let before = links.len();
            links.retain(|l| l.attachment_id != *attachment_id);
            if links.len() == before {
                return Err(format!(
                    "attachment {attachment_id} is not {} {route_table_id}; AWS would refuse it",
                    if associate {
                        "associated with"
                    } else {
                        "propagating into"
                    }
                ));
            }
            if associate {
                if let Some(a) = r.attachments.iter_mut().find(|a| a.id == *attachment_id)
                    && a.association
                        .as_ref()
                        .is_some_and(|x| x.route_table_id == *route_table_id)
                {
                    a.association = None;
                }
            } else {
                refresh_attachment(r, attachment_id);
                if att.kind != AttachmentKind::Vpc {
                    notes.push(format!(
                        "{} in {region}: the routes {} attachment {attachment_id} propagated into {route_table_id} are learned (BGP); those that go are not all known",
                        op.action(),
                        att.kind
                    ));
                }
            }
        }
        Change::CreatePeering {
            tgw_id,
            peer_tgw_id,
            peer_region,
            peer_account_id,
            request_tag,
        } => {
            let r = loaded_mut(estate, region)?;
            let owner = r
                .tgws
                .iter()
                .find(|t| t.id == *tgw_id)
                .map(|t| t.owner_id.clone())
                .ok_or_else(|| {
                    format!("transit gateway {tgw_id} is not in the estate; AWS would refuse it")
                })?;
            if let Some(peer) = region_mut(estate, peer_region)
                && !peer.tgws.iter().any(|t| t.id == *peer_tgw_id)
            {
                return Err(format!(
                    "peer transit gateway {peer_tgw_id} is not in {peer_region}; AWS would refuse it"
                ));
            }
            let requester = PeeringSide {
                tgw_id: tgw_id.clone(),
                region: region.to_string(),
                account_id: owner,
            };
            let accepter = PeeringSide {
                tgw_id: peer_tgw_id.clone(),
                region: peer_region.clone(),
                account_id: peer_account_id.clone(),
            };
            let peering = Peering {
                id: NEW_PEERING_ID.to_string(),
                region: region.to_string(),
                name: None,
                state: AttachmentState::PendingAcceptance,
                status_message: None,
                requester: requester.clone(),
                accepter: accepter.clone(),
                tags: BTreeMap::from([(REQUEST_TAG_KEY.to_string(), request_tag.clone())]),
            };
            for (side, other) in [(&requester, &accepter), (&accepter, &requester)] {
                let Some(r) = region_mut(estate, &side.region) else {
                    notes.push(format!(
                        "{} in {region}: {} is not loaded, so its side of the new peering is not shown",
                        op.action(),
                        side.region
                    ));
                    continue;
                };
                r.peerings.push(Peering {
                    region: side.region.clone(),
                    ..peering.clone()
                });
                r.attachments.push(TgwAttachment {
                    id: NEW_PEERING_ID.to_string(),
                    region: side.region.clone(),
                    tgw_id: side.tgw_id.clone(),
                    tgw_owner_id: Some(side.account_id.clone()),
                    name: None,
                    kind: AttachmentKind::Peering,
                    state: AttachmentState::PendingAcceptance,
                    resource_id: Some(other.tgw_id.clone()),
                    resource_owner_id: Some(other.account_id.clone()),
                    ..TgwAttachment::default()
                });
            }
            notes.push(format!(
                "{} in {region}: the new peering's id is chosen by AWS; it is shown as {NEW_PEERING_ID}, pendingAcceptance until {peer_region} accepts it",
                op.action()
            ));
        }
        Change::AcceptPeering { attachment_id }
        | Change::RejectPeering { attachment_id }
        | Change::DeletePeering { attachment_id } => {
            let p = find_peering(estate, attachment_id).ok_or_else(|| {
                format!("peering {attachment_id} is not in the estate; AWS would refuse it")
            })?;
            let to = match &op.change {
                Change::AcceptPeering { .. } | Change::RejectPeering { .. } => {
                    let accept = matches!(op.change, Change::AcceptPeering { .. });
                    let verb = if accept { "accept" } else { "reject" };
                    if p.accepter.region != region {
                        return Err(format!(
                            "peering {attachment_id} must be {verb}ed in the accepter's region {}; AWS would refuse it",
                            p.accepter.region
                        ));
                    }
                    if p.state != AttachmentState::PendingAcceptance {
                        return Err(format!(
                            "peering {attachment_id} is {}; only a pendingAcceptance peering can be {verb}ed",
                            p.state
                        ));
                    }
                    if accept {
                        AttachmentState::Available
                    } else {
                        AttachmentState::Rejected
                    }
                }
                _ => {
                    if region != p.requester.region && region != p.accepter.region {
                        return Err(format!(
                            "peering {attachment_id} does not touch {region}; AWS would refuse it"
                        ));
                    }
                    if matches!(
                        p.state,
                        AttachmentState::Deleting
                            | AttachmentState::Deleted
                            | AttachmentState::Rejected
                    ) {
                        return Err(format!(
                            "peering {attachment_id} is {} and cannot be deleted",
                            p.state
                        ));
                    }
                    // AWS drops a deleted attachment's associations and propagations.
                    let regions: Vec<String> = estate.loaded().map(|r| r.region.clone()).collect();
                    for name in regions {
                        if let Some(r) = region_mut(estate, &name) {
                            for t in &mut r.tgw_route_tables {
                                t.associations.retain(|l| l.attachment_id != *attachment_id);
                                t.propagations.retain(|l| l.attachment_id != *attachment_id);
                            }
                            for a in r.attachments.iter_mut().filter(|a| a.id == *attachment_id) {
                                a.association = None;
                            }
                        }
                    }
                    AttachmentState::Deleted
                }
            };
            set_peering_state(estate, attachment_id, &to);
        }
        Change::AcceptVpcAttachment { attachment_id }
        | Change::RejectVpcAttachment { attachment_id } => {
            let accept = matches!(op.change, Change::AcceptVpcAttachment { .. });
            let r = loaded_mut(estate, region)?;
            let att = attachment(r, attachment_id)?;
            if att.kind != AttachmentKind::Vpc {
                return Err(format!(
                    "{attachment_id} is a {} attachment, not a VPC attachment; AWS would refuse it",
                    att.kind
                ));
            }
            if att.state != AttachmentState::PendingAcceptance {
                return Err(format!(
                    "VPC attachment {attachment_id} is {}; only a pendingAcceptance attachment can be {}",
                    att.state,
                    if accept { "accepted" } else { "rejected" }
                ));
            }
            if let Some(a) = r.attachments.iter_mut().find(|a| a.id == *attachment_id) {
                a.state = if accept {
                    AttachmentState::Available
                } else {
                    AttachmentState::Rejected
                };
            }
            refresh_attachment(r, attachment_id);
        }
        Change::CreateVpcRoute {
            route_table_id,
            cidr,
            target,
        }
        | Change::ReplaceVpcRoute {
            route_table_id,
            cidr,
            target,
        } => {
            let create = matches!(op.change, Change::CreateVpcRoute { .. });
            let r = loaded_mut(estate, region)?;
            let destination = canonical(*cidr)?;
            // The rule the plan check and the simulator ask too.
            if let Some(table) = r.vpc_route_tables.iter().find(|t| t.id == *route_table_id)
                && let Some(refusal) =
                    crate::net::targets::vpc_route_target_refusal(r, table, &target.to_model())
            {
                return Err(format!(
                    "{} ({}); AWS would refuse it",
                    refusal.message, refusal.code
                ));
            }
            let table = r
                .vpc_route_tables
                .iter_mut()
                .find(|t| t.id == *route_table_id)
                .ok_or_else(|| {
                    format!(
                        "route table {route_table_id} is not in the estate; AWS would refuse it"
                    )
                })?;
            match table.routes.iter().find(|x| x.destination == destination) {
                Some(_) if create => {
                    return Err(format!(
                        "route {destination} already exists in {route_table_id}; AWS would refuse it"
                    ));
                }
                Some(x) if x.target == VpcRouteTarget::Local => {
                    return Err(format!(
                        "the local route {destination} of {route_table_id} cannot be replaced"
                    ));
                }
                None if !create => {
                    return Err(format!(
                        "no route {destination} in {route_table_id} to replace; AWS would refuse it"
                    ));
                }
                _ => {}
            }
            table.routes.retain(|x| x.destination != destination);
            table.routes.push(VpcRoute {
                destination,
                target: target.to_model(),
                state: RouteState::Active,
            });
        }
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => {
            let r = loaded_mut(estate, region)?;
            let destination = canonical(*cidr)?;
            let table = r
                .vpc_route_tables
                .iter_mut()
                .find(|t| t.id == *route_table_id)
                .ok_or_else(|| {
                    format!(
                        "route table {route_table_id} is not in the estate; AWS would refuse it"
                    )
                })?;
            match table.routes.iter().find(|x| x.destination == destination) {
                None => {
                    return Err(format!(
                        "no route {destination} in {route_table_id} to delete; AWS would refuse it"
                    ));
                }
                Some(x) if x.target == VpcRouteTarget::Local => {
                    return Err(format!(
                        "the local route {destination} of {route_table_id} cannot be deleted"
                    ));
                }
                Some(_) => {}
            }
            table.routes.retain(|x| x.destination != destination);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::backend::sim::{Scenario, Simulator};
    use crate::backend::{Backend, Changer, VpcTarget};
    use crate::discovery::{DiscoveryPlan, discover};

    const USE1: &str = "us-east-1";
    const EUW1: &str = "eu-west-1";
    const TGW: &str = "tgw-0e1a2b3c4d5e6f701";
    const SPOKE_TABLE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const INSPECTION: &str = "tgw-attach-0e1a2b3c4d5e6f721";
    const SPOKE_A: &str = "tgw-attach-0e1a2b3c4d5e6f722";
    const SPOKE_B: &str = "tgw-attach-0e1a2b3c4d5e6f723";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
    const SPOKE_A_RTB: &str = "rtb-0e1a2b3c4d5e6f787";
    const SPOKE_B_RTB_B: &str = "rtb-0e1a2b3c4d5e6f789";

    fn cidr(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    async fn read(sim: &Arc<Simulator>) -> Estate {
        discover(
            Arc::clone(sim) as Arc<dyn Backend>,
            DiscoveryPlan {
                regions: vec![USE1.into()],
                follow_peers: true,
                concurrency: 4,
            },
        )
        .await
    }

    /// Route order, list order and the id AWS gives a new peering do not matter.
    fn normal(estate: &Estate, new_id: Option<&str>) -> BTreeMap<String, RegionEstate> {
        let mut out = BTreeMap::new();
        for r in estate.loaded() {
            let mut r = r.clone();
            for t in &mut r.tgw_route_tables {
                t.routes.sort_by(|a, b| {
                    (
                        &a.destination,
                        &a.targets[..].first().map(|x| &x.attachment_id),
                    )
                        .cmp(&(
                            &b.destination,
                            &b.targets[..].first().map(|x| &x.attachment_id),
                        ))
                });
                t.associations
                    .sort_by(|a, b| a.attachment_id.cmp(&b.attachment_id));
                t.propagations
                    .sort_by(|a, b| a.attachment_id.cmp(&b.attachment_id));
            }
            if let Some(id) = new_id {
                for p in &mut r.peerings {
                    if p.id == id {
                        p.id = NEW_PEERING_ID.into();
                    }
                }
                for a in &mut r.attachments {
                    if a.id == id {
                        a.id = NEW_PEERING_ID.into();
                    }
                }
            }
            r.attachments.sort_by(|a, b| a.id.cmp(&b.id));
            r.peerings.sort_by(|a, b| a.id.cmp(&b.id));
            out.insert(r.region.clone(), r);
        }
        out
    }

    /// Applies `ops` to a simulator (instant clock) and to the projection of what it
    /// showed before; both must show the same regions.
    async fn agrees(sim: Simulator, ops: &[ChangeOp]) -> Projected {
        let sim = Arc::new(sim);
        let before = read(&sim).await;
        let mut created = None;
        for op in ops {
            let out = sim.apply(op).await.expect("the simulator accepts the op");
            created = created.or(out.created_id);
        }
        let after = read(&sim).await;
        let projected = project(&before, ops);
        let (want, got) = (
            normal(&after, created.as_deref()),
            normal(&projected.estate, None),
        );
        for (name, w) in &want {
            let Some(g) = got.get(name) else {
                continue;
            };
            assert_eq!(
                w.tgw_route_tables, g.tgw_route_tables,
                "{name} TGW route tables after {ops:?}"
            );
            assert_eq!(
                w.attachments, g.attachments,
                "{name} attachments after {ops:?}"
            );
            assert_eq!(w.peerings, g.peerings, "{name} peerings after {ops:?}");
            assert_eq!(
                w.vpc_route_tables, g.vpc_route_tables,
                "{name} VPC route tables after {ops:?}"
            );
            assert_eq!(w, g, "{name} after {ops:?}");
        }
        assert_ne!(before, projected.estate, "{ops:?} changes something");
        projected
    }

    fn demo() -> Simulator {
        Simulator::demo().expect("demo")
    }

    fn op(region: &str, change: Change) -> ChangeOp {
        ChangeOp::new(region, change)
    }

    #[tokio::test]
    async fn tgw_routes_project_as_the_simulator_derives_them() {
        let create = |rtb: &str, c: &str, target: TgwRouteTarget| {
            op(
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: rtb.into(),
                    cidr: cidr(c),
                    target,
                },
            )
        };
        let att = |id: &str| TgwRouteTarget::Attachment(id.into());
        // A new static route, a blackhole, one to a pending peering (blackhole too).
        agrees(demo(), &[create(POST, "172.16.0.0/16", att(INSPECTION))]).await;
        agrees(
            demo(),
            &[create(POST, "192.168.0.0/16", TgwRouteTarget::Blackhole)],
        )
        .await;
        agrees(demo(), &[create(POST, "172.16.1.0/24", att(PEERING))]).await;
        // Replacing the demo's blackhole, then deleting it.
        let replace = op(
            USE1,
            Change::ReplaceTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.2.0.0/16"),
                target: att(SPOKE_A),
            },
        );
        agrees(demo(), std::slice::from_ref(&replace)).await;
        let delete = |c: &str| {
            op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: POST.into(),
                    cidr: cidr(c),
                },
            )
        };
        agrees(demo(), &[delete("10.2.0.0/16")]).await;
        // A static hides spoke-a's propagated route; deleting it brings it back.
        let hide = create(POST, "10.0.0.0/16", att(INSPECTION));
        let p = agrees(demo(), std::slice::from_ref(&hide)).await;
        let post = p
            .estate
            .region(USE1)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == POST))
            .expect("post-inspection");
        assert_eq!(
            post.routes
                .iter()
                .filter(|r| r.destination == Destination::Cidr(cidr("10.0.0.0/16")))
                .count(),
            1
        );
        agrees(demo(), &[hide, delete("10.0.0.0/16")]).await;
        // The spoke table's default route.
        agrees(
            demo(),
            &[op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: SPOKE_TABLE.into(),
                    cidr: cidr("0.0.0.0/0"),
                },
            )],
        )
        .await;
    }

    #[tokio::test]
    async fn associations_and_propagations_project_as_the_simulator_derives_them() {
        let disassociate = op(
            USE1,
            Change::DisassociateTgwRouteTable {
                route_table_id: SPOKE_TABLE.into(),
                attachment_id: SPOKE_B.into(),
            },
        );
        agrees(demo(), std::slice::from_ref(&disassociate)).await;
        agrees(
            demo(),
            &[
                disassociate,
                op(
                    USE1,
                    Change::AssociateTgwRouteTable {
                        route_table_id: POST.into(),
                        attachment_id: SPOKE_B.into(),
                    },
                ),
            ],
        )
        .await;
        let disable = op(
            USE1,
            Change::DisablePropagation {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        agrees(demo(), std::slice::from_ref(&disable)).await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE_TABLE.into(),
                    attachment_id: SPOKE_A.into(),
                },
            )],
        )
        .await;
        // A dry run changes nothing.
        let p = project(
            &read(&Arc::new(demo())).await,
            &[op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE_TABLE.into(),
                    attachment_id: SPOKE_A.into(),
                },
            )
            .as_dry_run()],
        );
        assert!(p.not_modelled.is_empty());
    }

    #[tokio::test]
    async fn peerings_project_as_the_simulator_derives_them() {
        let accept = op(
            EUW1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let delete = op(
            USE1,
            Change::DeletePeering {
                attachment_id: PEERING.into(),
            },
        );
        let route = op(
            USE1,
            Change::CreateTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("172.16.1.0/24"),
                target: TgwRouteTarget::Attachment(PEERING.into()),
            },
        );
        let p = agrees(demo(), std::slice::from_ref(&accept)).await;
        assert!(p.not_modelled.is_empty(), "{:?}", p.not_modelled);
        agrees(demo(), &[accept.clone(), route.clone()]).await;
        agrees(demo(), std::slice::from_ref(&delete)).await;
        // Routes to a deleted peering are blackholes.
        let p = agrees(demo(), &[accept.clone(), route, delete]).await;
        let post = p
            .estate
            .region(USE1)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == POST))
            .expect("post-inspection");
        assert!(post.routes.iter().any(|r| r.destination
            == Destination::Cidr(cidr("172.16.1.0/24"))
            && r.state == RouteState::Blackhole));
        agrees(
            demo(),
            &[op(
                EUW1,
                Change::RejectPeering {
                    attachment_id: PEERING.into(),
                },
            )],
        )
        .await;
        let p = agrees(
            demo(),
            &[op(
                USE1,
                Change::CreatePeering {
                    tgw_id: TGW.into(),
                    peer_tgw_id: "tgw-0f9e8d7c6b5a4f301".into(),
                    peer_region: EUW1.into(),
                    peer_account_id: "111122223333".into(),
                    request_tag: "req-1".into(),
                },
            )],
        )
        .await;
        assert!(
            p.not_modelled.iter().any(|n| n.contains(NEW_PEERING_ID)),
            "{:?}",
            p.not_modelled
        );
        // Accepting in the wrong region is refused: nothing changes, and it is said.
        let before = read(&Arc::new(demo())).await;
        let wrong = project(
            &before,
            &[op(
                USE1,
                Change::AcceptPeering {
                    attachment_id: PEERING.into(),
                },
            )],
        );
        assert_eq!(wrong.estate, before);
        assert!(
            wrong.not_modelled[0].contains("accepter's region"),
            "{:?}",
            wrong.not_modelled
        );
        // An id the estate does not hold: said, no panic.
        let unknown = project(
            &before,
            &[op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: "tgw-rtb-nope".into(),
                    cidr: cidr("10.0.0.0/8"),
                },
            )],
        );
        assert_eq!(unknown.estate, before);
        assert_eq!(unknown.not_modelled.len(), 1);
    }

    #[tokio::test]
    async fn vpc_attachments_and_vpc_routes_project_as_the_simulator_derives_them() {
        let mut scenario = Scenario::builtin().expect("builtin");
        for r in &mut scenario.regions {
            for a in &mut r.attachments {
                if a.id == SPOKE_B {
                    a.state = AttachmentState::PendingAcceptance;
                }
            }
        }
        let pending = || Simulator::from_scenario(scenario.clone()).expect("scenario");
        let p = agrees(
            pending(),
            &[op(
                USE1,
                Change::AcceptVpcAttachment {
                    attachment_id: SPOKE_B.into(),
                },
            )],
        )
        .await;
        assert!(
            p.estate
                .region(USE1)
                .is_some_and(|r| r.tgw_route_tables.iter().any(|t| t.id == POST
                    && t.routes
                        .iter()
                        .any(|x| x.destination == Destination::Cidr(cidr("10.1.0.0/16")))))
        );
        agrees(
            pending(),
            &[op(
                USE1,
                Change::RejectVpcAttachment {
                    attachment_id: SPOKE_B.into(),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::CreateVpcRoute {
                    route_table_id: SPOKE_A_RTB.into(),
                    cidr: cidr("172.16.0.0/12"),
                    target: VpcTarget::TransitGateway(TGW.into()),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::ReplaceVpcRoute {
                    route_table_id: SPOKE_B_RTB_B.into(),
                    cidr: cidr("0.0.0.0/0"),
                    target: VpcTarget::TransitGateway(TGW.into()),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::DeleteVpcRoute {
                    route_table_id: SPOKE_B_RTB_B.into(),
                    cidr: cidr("0.0.0.0/0"),
                },
            )],
        )
        .await;
    }
}
