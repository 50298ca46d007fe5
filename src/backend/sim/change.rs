//! The simulator's [`Changer`]: AWS's validations and error kinds, applied to the
//! authored state, then a full re-derivation.
//!
//! Invariants:
//! - A change is validated against the current derived state and applied to the
//!   authored state under one lock, then [`super::derive::derive`] runs; if it fails,
//!   the authored state is restored and the change is refused. Concurrent changes are
//!   therefore serialized and never interleave.
//! - A dry run validates and changes nothing (EC2 `DryRunOperation`).
//! - Errors carry AWS's error code in the message and the matching [`ErrorKind`]:
//!   unknown ids `NotFound`, a route that exists `AlreadyExists`, accepting a peering
//!   not in `pendingAcceptance` `IncorrectState`, a non-canonical CIDR `InvalidInput`
//!   naming the canonical form, a quota `QuotaExceeded`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use ipnet::IpNet;

use super::derive::{ATTACHMENTS_PER_TGW, ROUTES_PER_TGW_ROUTE_TABLE};
use super::{SimState, Simulator, Timer, advance, lock};
use crate::backend::change::REQUEST_TAG_KEY;
use crate::backend::{
    BackendError, Change, ChangeOp, ChangeOutcome, Changer, ErrorKind, TgwRouteTarget, VpcTarget,
};
use crate::model::{
    AttachmentKind, AttachmentState, Destination, Peering, PeeringSide, RegionEstate, RouteState,
    RouteTableLink, RouteTarget, RouteType, TgwAttachment, TgwRoute, VpcRoute, VpcRouteTarget,
};

/// Seconds AWS takes to move a new peering from `initiatingRequest` to
/// `pendingAcceptance`.
pub const PEERING_INITIATE_SECS: u64 = 2;
/// Seconds from accept (`pending`) to `available`, for peerings and VPC attachments.
pub const ACCEPT_SECS: u64 = 10;
/// Seconds from `deleting` to `deleted`.
pub const DELETE_SECS: u64 = 5;

fn err(kind: ErrorKind, region: &str, code: &str, message: String) -> BackendError {
    BackendError::new(kind, format!("{message} ({code})")).in_region(region)
}

fn not_found(region: &str, code: &str, what: &str, id: &str) -> BackendError {
    err(
        ErrorKind::NotFound,
        region,
        code,
        format!("{what} {id} not found in {region} (refresh, or check the id and region)"),
    )
    .for_resource(id)
}

fn canonical(region: &str, cidr: IpNet) -> Result<Destination, BackendError> {
    let trunc = cidr.trunc();
    if trunc == cidr {
        Ok(Destination::Cidr(cidr))
    } else {
        Err(err(
            ErrorKind::InvalidInput,
            region,
            "InvalidParameterValue",
            format!("{cidr} is not a valid CIDR block: it has host bits set; use {trunc}"),
        ))
    }
}

/// Sets the state of an attachment (a peering's authoritative record, or a VPC
/// attachment) in the authored state.
pub(super) fn set_attachment_state(
    authored: &mut BTreeMap<String, RegionEstate>,
    region: &str,
    attachment_id: &str,
    to: AttachmentState,
) {
    for estate in authored.values_mut() {
        if let Some(p) = estate
            .peerings
            .iter_mut()
            .find(|p| p.id == attachment_id && p.region == p.requester.region)
        {
            p.state = to;
            return;
        }
    }
    if let Some(a) = authored
        .get_mut(region)
        .and_then(|e| e.attachments.iter_mut().find(|a| a.id == attachment_id))
    {
        a.state = to;
    }
}

/// An edit of the authored regions.
type Edit = Box<dyn FnOnce(&mut BTreeMap<String, RegionEstate>) + Send>;

/// What a validated change does to the authored state.
enum Effect {
    None,
    Apply(Edit),
}

impl Simulator {
    fn new_attachment_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst);
        format!("tgw-attach-5{n:016x}")
    }
}

/// The derived region, or an empty one (a region AWS has but the scenario does not).
fn region_of<'a>(
    derived: &'a BTreeMap<String, RegionEstate>,
    region: &str,
) -> Option<&'a RegionEstate> {
    derived.get(region)
}

fn tgw_table<'a>(
    derived: &'a BTreeMap<String, RegionEstate>,
    region: &str,
    id: &str,
) -> Result<&'a crate::model::TgwRouteTable, BackendError> {
    region_of(derived, region)
        .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == id))
        .ok_or_else(|| {
            not_found(
                region,
                "InvalidRouteTableID.NotFound",
                "TGW route table",
                id,
            )
        })
}

fn attachment<'a>(
    derived: &'a BTreeMap<String, RegionEstate>,
    region: &str,
    id: &str,
) -> Result<&'a TgwAttachment, BackendError> {
    region_of(derived, region)
        .and_then(|r| r.attachments.iter().find(|a| a.id == id))
        .ok_or_else(|| {
            not_found(
                region,
                "InvalidTransitGatewayAttachmentID.NotFound",
                "TGW attachment",
                id,
            )
        })
}

fn same_tgw(
    region: &str,
    table: &crate::model::TgwRouteTable,
    att: &TgwAttachment,
) -> Result<(), BackendError> {
    if table.tgw_id == att.tgw_id {
        Ok(())
    } else {
        Err(err(
            ErrorKind::InvalidInput,
            region,
            "InvalidParameterValue",
            format!(
                "attachment {} belongs to {}, but route table {} belongs to {}",
                att.id, att.tgw_id, table.id, table.tgw_id
            ),
        ))
    }
}

fn authored_table<'a>(
    authored: &'a mut BTreeMap<String, RegionEstate>,
    region: &str,
    id: &str,
) -> Option<&'a mut crate::model::TgwRouteTable> {
    authored
        .get_mut(region)
        .and_then(|r| r.tgw_route_tables.iter_mut().find(|t| t.id == id))
}

fn authored_vpc_table<'a>(
    authored: &'a mut BTreeMap<String, RegionEstate>,
    region: &str,
    id: &str,
) -> Option<&'a mut crate::model::VpcRouteTable> {
    authored
        .get_mut(region)
        .and_then(|r| r.vpc_route_tables.iter_mut().find(|t| t.id == id))
}

fn tgw_route(
    region: &str,
    table: &str,
    destination: Destination,
    target: &TgwRouteTarget,
) -> TgwRoute {
    TgwRoute {
        route_table_id: table.to_string(),
        region: region.to_string(),
        destination,
        route_type: RouteType::Static,
        state: match target {
            TgwRouteTarget::Blackhole => RouteState::Blackhole,
            TgwRouteTarget::Attachment(_) => RouteState::Active,
        },
        targets: match target {
            TgwRouteTarget::Blackhole => Vec::new(),
            TgwRouteTarget::Attachment(id) => vec![RouteTarget {
                attachment_id: id.clone(),
                resource_type: None,
                resource_id: None,
            }],
        },
    }
}

/// The authoritative (requester-side) record of a peering.
fn find_peering<'a>(derived: &'a BTreeMap<String, RegionEstate>, id: &str) -> Option<&'a Peering> {
    derived
        .values()
        .flat_map(|r| r.peerings.iter())
        .find(|p| p.id == id && p.region == p.requester.region)
}

impl Simulator {
    /// Validates `op` against the derived state; answers what it would do.
    #[allow(clippy::too_many_lines)]
    fn plan(
        &self,
        op: &ChangeOp,
        derived: &BTreeMap<String, RegionEstate>,
        timers: &mut Vec<Timer>,
        now: u64,
        outcome: &mut ChangeOutcome,
    ) -> Result<Effect, BackendError> {
        let region = op.region.clone();
        let r = region.as_str();
        let dry = op.dry_run;
        let mut timer = |attachment_id: &str, to: AttachmentState, secs: u64| {
            if !dry {
                timers.push(Timer {
                    due: now.saturating_add(secs),
                    region: region.clone(),
                    attachment_id: attachment_id.to_string(),
                    to,
                });
            }
        };
        let effect = match &op.change {
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
                let table = tgw_table(derived, r, route_table_id)?;
                let destination = canonical(r, *cidr)?;
                if let TgwRouteTarget::Attachment(id) = target {
                    let att = attachment(derived, r, id)?;
                    same_tgw(r, table, att)?;
                }
                let existing = table
                    .routes
                    .iter()
                    .find(|x| x.destination == destination && x.route_type == RouteType::Static);
                let create = matches!(op.change, Change::CreateTgwRoute { .. });
                if create && existing.is_some() {
                    return Err(err(
                        ErrorKind::AlreadyExists,
                        r,
                        "RouteAlreadyExists",
                        format!(
                            "route {destination} already exists in TGW route table {route_table_id}"
                        ),
                    ));
                }
                if !create && existing.is_none() {
                    return Err(not_found(
                        r,
                        "InvalidRoute.NotFound",
                        &format!("static route {destination} in"),
                        route_table_id,
                    ));
                }
                let replaces_propagated = table.routes.iter().any(|x| x.destination == destination);
                if create
                    && !replaces_propagated
                    && table.routes.len() >= ROUTES_PER_TGW_ROUTE_TABLE
                {
                    return Err(err(
                        ErrorKind::QuotaExceeded,
                        r,
                        "RouteLimitExceeded",
                        format!(
                            "TGW route table {route_table_id} holds {} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table",
                            table.routes.len()
                        ),
                    ));
                }
                outcome.state = Some(
                    if matches!(target, TgwRouteTarget::Blackhole) {
                        "blackhole"
                    } else {
                        "active"
                    }
                    .into(),
                );
                let (rtb, target) = (route_table_id.clone(), target.clone());
                let region = region.clone();
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_table(a, &region, &rtb) {
                        t.routes.retain(|x| x.destination != destination);
                        t.routes
                            .push(tgw_route(&region, &rtb, destination, &target));
                    }
                }))
            }
            Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            } => {
                let table = tgw_table(derived, r, route_table_id)?;
                let destination = canonical(r, *cidr)?;
                if !table
                    .routes
                    .iter()
                    .any(|x| x.destination == destination && x.route_type == RouteType::Static)
                {
                    return Err(not_found(
                        r,
                        "InvalidRoute.NotFound",
                        &format!("static route {destination} in"),
                        route_table_id,
                    ));
                }
                outcome.state = Some("deleted".into());
                let (rtb, region) = (route_table_id.clone(), region.clone());
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_table(a, &region, &rtb) {
                        t.routes.retain(|x| x.destination != destination);
                    }
                }))
            }
            Change::AssociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Change::EnablePropagation {
                route_table_id,
                attachment_id,
            } => {
                let table = tgw_table(derived, r, route_table_id)?;
                let att = attachment(derived, r, attachment_id)?;
                same_tgw(r, table, att)?;
                let associate = matches!(op.change, Change::AssociateTgwRouteTable { .. });
                if !att.state.is_usable() {
                    return Err(err(
                        ErrorKind::IncorrectState,
                        r,
                        "IncorrectState",
                        format!(
                            "attachment {attachment_id} is {}; it must be available",
                            att.state
                        ),
                    ));
                }
                if associate {
                    if let Some(current) = &att.association {
                        return Err(err(
                            ErrorKind::AlreadyExists,
                            r,
                            "Resource.AlreadyAssociated",
                            format!(
                                "attachment {attachment_id} is already associated with {}; disassociate it first",
                                current.route_table_id
                            ),
                        ));
                    }
                    outcome.state = Some("associated".into());
                } else {
                    if att.kind == AttachmentKind::Peering {
                        return Err(err(
                            ErrorKind::InvalidInput,
                            r,
                            "InvalidParameterValue",
                            format!(
                                "peering attachment {attachment_id} cannot propagate routes; add a static route instead"
                            ),
                        ));
                    }
                    if table
                        .propagations
                        .iter()
                        .any(|l| l.attachment_id == *attachment_id)
                    {
                        return Err(err(
                            ErrorKind::AlreadyExists,
                            r,
                            "TransitGatewayRouteTablePropagation.Duplicate",
                            format!(
                                "attachment {attachment_id} already propagates into {route_table_id}"
                            ),
                        ));
                    }
                    outcome.state = Some("enabled".into());
                }
                let (rtb, id, region) = (
                    route_table_id.clone(),
                    attachment_id.clone(),
                    region.clone(),
                );
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_table(a, &region, &rtb) {
                        let links = if associate {
                            &mut t.associations
                        } else {
                            &mut t.propagations
                        };
                        links.push(RouteTableLink {
                            attachment_id: id,
                            ..RouteTableLink::default()
                        });
                    }
                }))
            }
            Change::DisassociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Change::DisablePropagation {
                route_table_id,
                attachment_id,
            } => {
                let table = tgw_table(derived, r, route_table_id)?;
                attachment(derived, r, attachment_id)?;
                let associate = matches!(op.change, Change::DisassociateTgwRouteTable { .. });
                let links = if associate {
                    &table.associations
                } else {
                    &table.propagations
                };
                if !links.iter().any(|l| l.attachment_id == *attachment_id) {
                    let (code, what) = if associate {
                        ("InvalidAssociation.NotFound", "association with attachment")
                    } else {
                        ("InvalidPropagation.NotFound", "propagation from attachment")
                    };
                    return Err(not_found(
                        r,
                        code,
                        &format!("{what} {attachment_id} in"),
                        route_table_id,
                    ));
                }
                outcome.state = Some(
                    if associate {
                        "disassociated"
                    } else {
                        "disabled"
                    }
                    .into(),
                );
                let (rtb, id, region) = (
                    route_table_id.clone(),
                    attachment_id.clone(),
                    region.clone(),
                );
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_table(a, &region, &rtb) {
                        let links = if associate {
                            &mut t.associations
                        } else {
                            &mut t.propagations
                        };
                        links.retain(|l| l.attachment_id != id);
                    }
                }))
            }
            Change::CreatePeering {
                tgw_id,
                peer_tgw_id,
                peer_region,
                peer_account_id,
                request_tag,
            } => {
                let estate = region_of(derived, r);
                let tgw = estate
                    .and_then(|e| e.tgws.iter().find(|t| t.id == *tgw_id))
                    .ok_or_else(|| {
                        not_found(
                            r,
                            "InvalidTransitGatewayID.NotFound",
                            "transit gateway",
                            tgw_id,
                        )
                    })?;
                let peer = region_of(derived, peer_region)
                    .and_then(|e| e.tgws.iter().find(|t| t.id == *peer_tgw_id))
                    .ok_or_else(|| {
                        not_found(
                            peer_region,
                            "InvalidTransitGatewayID.NotFound",
                            "peer transit gateway",
                            peer_tgw_id,
                        )
                        .in_region(r)
                    })?;
                for (reg, t) in [(r, tgw), (peer_region.as_str(), peer)] {
                    let count = region_of(derived, reg).map_or(0, |e| {
                        e.attachments.iter().filter(|a| a.tgw_id == t.id).count()
                    });
                    if count >= ATTACHMENTS_PER_TGW {
                        return Err(err(
                            ErrorKind::QuotaExceeded,
                            r,
                            "TransitGatewayAttachmentLimitExceeded",
                            format!(
                                "transit gateway {} in {reg} has {count} attachments; AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway",
                                t.id
                            ),
                        ));
                    }
                }
                let id = if dry {
                    String::new()
                } else {
                    self.new_attachment_id()
                };
                let peering = Peering {
                    id: id.clone(),
                    region: region.clone(),
                    name: None,
                    state: AttachmentState::InitiatingRequest,
                    status_message: None,
                    requester: PeeringSide {
                        tgw_id: tgw_id.clone(),
                        region: region.clone(),
                        account_id: tgw.owner_id.clone(),
                    },
                    accepter: PeeringSide {
                        tgw_id: peer_tgw_id.clone(),
                        region: peer_region.clone(),
                        account_id: peer_account_id.clone(),
                    },
                    tags: [(REQUEST_TAG_KEY.to_string(), request_tag.clone())].into(),
                };
                outcome.created_id = (!dry).then(|| id.clone());
                outcome.state = Some(AttachmentState::InitiatingRequest.to_string());
                timer(
                    &id,
                    AttachmentState::PendingAcceptance,
                    PEERING_INITIATE_SECS,
                );
                let region = region.clone();
                Effect::Apply(Box::new(move |a| {
                    a.entry(region.clone())
                        .or_insert_with(|| RegionEstate::new(&region))
                        .peerings
                        .push(peering);
                }))
            }
            Change::AcceptPeering { attachment_id } | Change::RejectPeering { attachment_id } => {
                let peering = find_peering(derived, attachment_id).ok_or_else(|| {
                    not_found(
                        r,
                        "InvalidTransitGatewayAttachmentID.NotFound",
                        "peering attachment",
                        attachment_id,
                    )
                })?;
                let accept = matches!(op.change, Change::AcceptPeering { .. });
                let verb = if accept { "accept" } else { "reject" };
                if peering.accepter.region != r {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        r,
                        "InvalidParameterValue",
                        format!(
                            "peering {attachment_id} must be {verb}ed in the accepter's region {} (by account {}), not in {r}",
                            peering.accepter.region, peering.accepter.account_id
                        ),
                    ));
                }
                if peering.state != AttachmentState::PendingAcceptance {
                    return Err(err(
                        ErrorKind::IncorrectState,
                        r,
                        "IncorrectState",
                        format!(
                            "peering {attachment_id} is {}; only a pendingAcceptance peering can be {verb}ed",
                            peering.state
                        ),
                    ));
                }
                let to = if accept {
                    timer(attachment_id, AttachmentState::Available, ACCEPT_SECS);
                    AttachmentState::Pending
                } else {
                    AttachmentState::Rejected
                };
                outcome.state = Some(to.to_string());
                let (id, region) = (attachment_id.clone(), region.clone());
                Effect::Apply(Box::new(move |a| set_attachment_state(a, &region, &id, to)))
            }
            Change::DeletePeering { attachment_id } => {
                let peering = find_peering(derived, attachment_id).ok_or_else(|| {
                    not_found(
                        r,
                        "InvalidTransitGatewayAttachmentID.NotFound",
                        "peering attachment",
                        attachment_id,
                    )
                })?;
                if r != peering.requester.region && r != peering.accepter.region {
                    return Err(not_found(
                        r,
                        "InvalidTransitGatewayAttachmentID.NotFound",
                        "peering attachment",
                        attachment_id,
                    ));
                }
                if matches!(
                    peering.state,
                    AttachmentState::Deleting
                        | AttachmentState::Deleted
                        | AttachmentState::Rejected
                ) {
                    return Err(err(
                        ErrorKind::IncorrectState,
                        r,
                        "IncorrectState",
                        format!(
                            "peering {attachment_id} is {} and cannot be deleted",
                            peering.state
                        ),
                    ));
                }
                timer(attachment_id, AttachmentState::Deleted, DELETE_SECS);
                outcome.state = Some(AttachmentState::Deleting.to_string());
                let (id, region) = (attachment_id.clone(), region.clone());
                Effect::Apply(Box::new(move |a| {
                    set_attachment_state(a, &region, &id, AttachmentState::Deleting);
                    // AWS drops a deleted attachment's associations and propagations.
                    for estate in a.values_mut() {
                        for t in &mut estate.tgw_route_tables {
                            t.associations.retain(|l| l.attachment_id != id);
                            t.propagations.retain(|l| l.attachment_id != id);
                        }
                    }
                }))
            }
            Change::AcceptVpcAttachment { attachment_id }
            | Change::RejectVpcAttachment { attachment_id } => {
                let att = attachment(derived, r, attachment_id)?;
                let accept = matches!(op.change, Change::AcceptVpcAttachment { .. });
                if att.kind != AttachmentKind::Vpc {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        r,
                        "InvalidParameterValue",
                        format!(
                            "{attachment_id} is a {} attachment, not a VPC attachment",
                            att.kind
                        ),
                    ));
                }
                if att.state != AttachmentState::PendingAcceptance {
                    return Err(err(
                        ErrorKind::IncorrectState,
                        r,
                        "IncorrectState",
                        format!(
                            "VPC attachment {attachment_id} is {}; only a pendingAcceptance attachment can be {}",
                            att.state,
                            if accept { "accepted" } else { "rejected" }
                        ),
                    ));
                }
                let to = if accept {
                    timer(attachment_id, AttachmentState::Available, ACCEPT_SECS);
                    AttachmentState::Pending
                } else {
                    AttachmentState::Rejected
                };
                outcome.state = Some(to.to_string());
                let (id, region) = (attachment_id.clone(), region.clone());
                Effect::Apply(Box::new(move |a| set_attachment_state(a, &region, &id, to)))
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
                let estate = region_of(derived, r);
                let table = estate
                    .and_then(|e| e.vpc_route_tables.iter().find(|t| t.id == *route_table_id))
                    .ok_or_else(|| {
                        not_found(
                            r,
                            "InvalidRouteTableID.NotFound",
                            "route table",
                            route_table_id,
                        )
                    })?;
                let destination = canonical(r, *cidr)?;
                check_vpc_target(r, estate, target)?;
                let existing = table.routes.iter().find(|x| x.destination == destination);
                let create = matches!(op.change, Change::CreateVpcRoute { .. });
                match existing {
                    Some(_) if create => {
                        return Err(err(
                            ErrorKind::AlreadyExists,
                            r,
                            "RouteAlreadyExists",
                            format!(
                                "route {destination} already exists in route table {route_table_id}"
                            ),
                        ));
                    }
                    Some(x) if x.target == VpcRouteTarget::Local => {
                        return Err(err(
                            ErrorKind::InvalidInput,
                            r,
                            "InvalidParameterValue",
                            format!(
                                "the local route {destination} of {route_table_id} cannot be replaced"
                            ),
                        ));
                    }
                    None if !create => {
                        return Err(not_found(
                            r,
                            "InvalidRoute.NotFound",
                            &format!("route {destination} in"),
                            route_table_id,
                        ));
                    }
                    _ => {}
                }
                outcome.state = Some("active".into());
                let (rtb, region, target) =
                    (route_table_id.clone(), region.clone(), target.to_model());
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_vpc_table(a, &region, &rtb) {
                        t.routes.retain(|x| x.destination != destination);
                        t.routes.push(VpcRoute {
                            destination,
                            target,
                            state: RouteState::Active,
                        });
                    }
                }))
            }
            Change::DeleteVpcRoute {
                route_table_id,
                cidr,
            } => {
                let table = region_of(derived, r)
                    .and_then(|e| e.vpc_route_tables.iter().find(|t| t.id == *route_table_id))
                    .ok_or_else(|| {
                        not_found(
                            r,
                            "InvalidRouteTableID.NotFound",
                            "route table",
                            route_table_id,
                        )
                    })?;
                let destination = canonical(r, *cidr)?;
                match table.routes.iter().find(|x| x.destination == destination) {
                    None => {
                        return Err(not_found(
                            r,
                            "InvalidRoute.NotFound",
                            &format!("route {destination} in"),
                            route_table_id,
                        ));
                    }
                    Some(x) if x.target == VpcRouteTarget::Local => {
                        return Err(err(
                            ErrorKind::InvalidInput,
                            r,
                            "InvalidParameterValue",
                            format!(
                                "the local route {destination} of {route_table_id} cannot be deleted"
                            ),
                        ));
                    }
                    Some(_) => {}
                }
                outcome.state = Some("deleted".into());
                let (rtb, region) = (route_table_id.clone(), region.clone());
                Effect::Apply(Box::new(move |a| {
                    if let Some(t) = authored_vpc_table(a, &region, &rtb) {
                        t.routes.retain(|x| x.destination != destination);
                    }
                }))
            }
        };
        Ok(if dry { Effect::None } else { effect })
    }
}

fn check_vpc_target(
    region: &str,
    estate: Option<&RegionEstate>,
    target: &VpcTarget,
) -> Result<(), BackendError> {
    let id = target.id();
    fn has<'a>(mut ids: impl Iterator<Item = &'a String>, id: &str) -> bool {
        ids.any(|x| x == id)
    }
    let known = |ids: &mut dyn Iterator<Item = &String>| has(ids, id);
    let (found, code, what) = match (target, estate) {
        (_, None) => (false, "InvalidParameterValue", "target"),
        (VpcTarget::TransitGateway(_), Some(e)) => (
            known(&mut e.tgws.iter().map(|t| &t.id)),
            "InvalidTransitGatewayID.NotFound",
            "transit gateway",
        ),
        (VpcTarget::NatGateway(_), Some(e)) => (
            known(&mut e.nat_gateways.iter().map(|t| &t.id)),
            "InvalidNatGatewayID.NotFound",
            "NAT gateway",
        ),
        (VpcTarget::InternetGateway(_), Some(e)) => (
            known(&mut e.internet_gateways.iter().map(|t| &t.id)),
            "InvalidInternetGatewayID.NotFound",
            "internet gateway",
        ),
        (VpcTarget::VpcEndpoint(_), Some(e)) => (
            known(&mut e.vpc_endpoints.iter().map(|t| &t.id)),
            "InvalidVpcEndpointId.NotFound",
            "VPC endpoint",
        ),
        // Peering connections and network interfaces are not modelled: accepted.
        (VpcTarget::PeeringConnection(_) | VpcTarget::NetworkInterface(_), Some(_)) => {
            (true, "", "")
        }
    };
    if found {
        Ok(())
    } else {
        Err(not_found(region, code, what, id))
    }
}

#[async_trait]
impl Changer for Simulator {
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        self.call(&op.region, op.action()).await?;
        let now = lock(&self.clock).now();
        let mut guard = lock(&self.state);
        let state: &mut SimState = &mut guard;
        advance(state, now);
        let derived = Arc::clone(&state.derived);
        let mut outcome = ChangeOutcome {
            request_id: Some(format!(
                "sim-{}",
                self.next_id.fetch_add(1, Ordering::SeqCst)
            )),
            ..ChangeOutcome::default()
        };
        let mut timers = Vec::new();
        let effect = self.plan(op, &derived, &mut timers, now, &mut outcome)?;
        if op.dry_run {
            return Ok(ChangeOutcome {
                dry_run: true,
                created_id: None,
                state: None,
                ..outcome
            });
        }
        let Effect::Apply(apply) = effect else {
            return Ok(outcome);
        };
        let backup = state.authored.clone();
        apply(&mut state.authored);
        match super::derive::derive(&state.authored) {
            Ok(derived) => {
                state.derived = Arc::new(derived);
                state.timers.extend(timers);
                drop(guard);
                tracing::info!(region = %op.region, action = op.action(), change = ?op.change, "simulator: change applied");
                // Timers already due (an instant clock) take effect before the answer.
                let _ = self.snapshot();
                Ok(outcome)
            }
            Err(message) => {
                state.authored = backup;
                let kind = if message.contains("AWS allows") {
                    ErrorKind::QuotaExceeded
                } else {
                    ErrorKind::InvalidInput
                };
                Err(BackendError::new(kind, message).in_region(&op.region))
            }
        }
    }
}
