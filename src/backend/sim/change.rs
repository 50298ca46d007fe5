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
    BackendError, Change, ChangeOp, ChangeOutcome, Changer, ErrorKind, TgwRouteTarget,
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
            Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
                let enable = matches!(op.change, Change::EnableRuleGroup(_));
                if dry {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        r,
                        "InvalidRequestException",
                        "Network Firewall has no dry run: UpdateFirewallPolicy cannot be asked whether it would be allowed".into(),
                    ));
                }
                let policy = region_of(derived, r)
                    .and_then(|e| e.firewall_policies.iter().find(|p| p.arn == t.policy_arn))
                    .ok_or_else(|| {
                        not_found(
                            r,
                            "ResourceNotFoundException",
                            "firewall policy",
                            &t.policy_arn,
                        )
                    })?;
                if let Some(token) = &t.update_token
                    && policy.update_token.as_ref() != Some(token)
                {
                    return Err(err(
                        ErrorKind::Conflict,
                        r,
                        "InvalidTokenException",
                        format!(
                            "{} changed since it was read (update token {token} is stale): re-read it and decide again; nothing was changed",
                            policy.name
                        ),
                    ));
                }
                let mut edited = policy.clone();
                let result = if enable {
                    edited.enable_group(&t.group_arn, &t.group_name)
                } else {
                    edited.disable_group(&t.group_arn, &t.group_name)
                };
                result
                    .map_err(|m| err(ErrorKind::InvalidInput, r, "InvalidRequestException", m))?;
                edited.update_token = Some(format!(
                    "sim-token-{}",
                    self.next_id.fetch_add(1, Ordering::SeqCst)
                ));
                let region = region.clone();
                Effect::Apply(Box::new(move |authored| {
                    if let Some(e) = authored.get_mut(&region)
                        && let Some(p) =
                            e.firewall_policies.iter_mut().find(|p| p.arn == edited.arn)
                    {
                        *p = edited;
                    }
                }))
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
                // The one rule the plan check asks too (AWS's answer to CreateRoute).
                if let Some(refusal) = estate.and_then(|e| {
                    crate::net::targets::vpc_route_target_refusal(e, table, &target.to_model())
                }) {
                    return Err(if refusal.not_found() {
                        err(ErrorKind::NotFound, r, refusal.code, refusal.message)
                            .for_resource(target.id())
                    } else {
                        err(ErrorKind::InvalidInput, r, refusal.code, refusal.message)
                    });
                }
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

impl Simulator {
    /// The `concurrent_policy_change` fault: a colleague changes the policy (once)
    /// just before netops's change lands.
    fn colleague_edits(&self, state: &mut SimState, region: &str, policy_arn: &str) {
        let mut faults = lock(&self.faults);
        let Some(region_estate) = state.authored.get_mut(region) else {
            return;
        };
        let Some(policy) = region_estate
            .firewall_policies
            .iter_mut()
            .find(|p| p.arn == policy_arn)
        else {
            return;
        };
        let Some(i) = faults
            .concurrent_policy_change
            .iter()
            .position(|n| *n == policy.name)
        else {
            return;
        };
        faults.concurrent_policy_change.remove(i);
        policy
            .stateful_default_actions
            .push("aws:alert_established".into());
        policy.update_token = Some(format!(
            "sim-token-{}",
            self.next_id.fetch_add(1, Ordering::SeqCst)
        ));
        tracing::info!(policy = %policy.name, "simulator: a colleague changed the policy");
        if let Ok(derived) = super::derive::derive(&state.authored) {
            state.derived = Arc::new(derived);
        }
    }
}

#[async_trait]
impl Changer for Simulator {
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        if self.is_read_only() {
            return Err(BackendError::new(
                ErrorKind::ReadOnly,
                crate::error::read_only(
                    &format!("{} in {}", op.action(), op.region),
                    crate::error::Refused::Change,
                ),
            )
            .in_region(&op.region));
        }
        let faults = self.call(&op.region, op.action()).await?;
        if faults.throttled_actions.iter().any(|a| a == op.action()) {
            return Err(BackendError::new(
                ErrorKind::Throttled,
                format!(
                    "{} in {} was throttled (RequestLimitExceeded) and retries are exhausted; nothing changed; try again shortly",
                    op.action(),
                    op.region
                ),
            )
            .in_region(&op.region));
        }
        let lose_answer =
            !op.dry_run && faults.timeout_after_apply.iter().any(|a| a == op.action());
        let now = lock(&self.clock).now();
        // The state's lock is held only in this block: the wait for a lost answer
        // below must not hold it.
        let outcome = {
            let mut guard = lock(&self.state);
            let state: &mut SimState = &mut guard;
            advance(state, now);
            if let Some((t, _)) = op.change.toggle() {
                self.colleague_edits(state, &op.region, &t.policy_arn);
            }
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
                }
                Err(message) => {
                    state.authored = backup;
                    let kind = if message.contains("AWS allows") {
                        ErrorKind::QuotaExceeded
                    } else {
                        ErrorKind::InvalidInput
                    };
                    return Err(BackendError::new(kind, message).in_region(&op.region));
                }
            }
            outcome
        };
        tracing::info!(region = %op.region, action = op.action(), change = ?op.change, "simulator: change applied");
        self.record_applied(op);
        // Timers already due (an instant clock) take effect before the answer.
        let _ = self.snapshot();
        if lose_answer {
            // The answer is awaited until the call gives up: the change is made, and
            // the caller may be gone before it hears anything.
            let wait = std::time::Duration::from_millis(faults.latency_ms);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return Err(BackendError::new(
                ErrorKind::Timeout,
                format!(
                    "{} in {} timed out waiting for the answer (simulated: the change did happen)",
                    op.action(),
                    op.region
                ),
            )
            .in_region(&op.region));
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{SimClock, derive};
    use super::*;
    use crate::backend::{Backend, OptionalPart, VpcTarget};
    use crate::model::AttachmentState as S;

    const USE1: &str = "us-east-1";
    const EUW1: &str = "eu-west-1";
    const SPOKE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const EUW1_RTB: &str = "tgw-rtb-0f9e8d7c6b5a4f311";
    const INSPECTION: &str = "tgw-attach-0e1a2b3c4d5e6f721";
    const SPOKE_A: &str = "tgw-attach-0e1a2b3c4d5e6f722";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
    const HUB_USE1: &str = "tgw-0e1a2b3c4d5e6f701";
    const HUB_EUW1: &str = "tgw-0f9e8d7c6b5a4f301";

    fn net(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    fn op(region: &str, change: Change) -> ChangeOp {
        ChangeOp::new(region, change)
    }

    fn create_route(rtb: &str, cidr: &str, att: &str) -> ChangeOp {
        op(
            USE1,
            Change::CreateTgwRoute {
                route_table_id: rtb.into(),
                cidr: net(cidr),
                target: TgwRouteTarget::Attachment(att.into()),
            },
        )
    }

    async fn route(sim: &Simulator, region: &str, rtb: &str, cidr: &str) -> Option<TgwRoute> {
        sim.tgw_routes(region, rtb)
            .await
            .expect("routes")
            .into_iter()
            .find(|r| r.destination == Destination::Cidr(net(cidr)))
    }

    #[tokio::test]
    async fn a_static_route_change_re_derives_the_table() {
        let sim = Simulator::demo().expect("demo");
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let out = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect("created");
        assert_eq!(out.state.as_deref(), Some("active"));
        assert!(out.request_id.is_some());
        let r = route(&sim, USE1, SPOKE, "10.50.0.0/16")
            .await
            .expect("present");
        assert_eq!(r.route_type, RouteType::Static);
        assert_eq!(r.state, RouteState::Active);
        assert_eq!(
            r.targets[0].resource_id.as_deref(),
            Some("vpc-0e1a2b3c4d5e6f732")
        );

        // The same route again: AWS's RouteAlreadyExists.
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("exists");
        assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
        assert!(err.message.contains("RouteAlreadyExists"), "{err}");

        // A static route over a propagated prefix hides it; deleting it brings it back.
        sim.apply(&create_route(POST, "10.0.0.0/16", INSPECTION))
            .await
            .expect("static over propagated");
        let r = route(&sim, USE1, POST, "10.0.0.0/16")
            .await
            .expect("present");
        assert_eq!(r.route_type, RouteType::Static);
        sim.apply(&op(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: POST.into(),
                cidr: net("10.0.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        let r = route(&sim, USE1, POST, "10.0.0.0/16")
            .await
            .expect("propagated again");
        assert_eq!(r.route_type, RouteType::Propagated);

        sim.apply(&op(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: SPOKE.into(),
                cidr: net("10.50.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let err = sim
            .apply(&op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: SPOKE.into(),
                    cidr: net("10.50.0.0/16"),
                },
            ))
            .await
            .expect_err("gone");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    }

    #[tokio::test]
    async fn propagation_changes_re_derive_propagated_routes() {
        let sim = Simulator::demo().expect("demo");
        assert!(route(&sim, USE1, SPOKE, "10.0.0.0/16").await.is_none());
        let enable = op(
            USE1,
            Change::EnablePropagation {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        sim.apply(&enable).await.expect("enabled");
        let r = route(&sim, USE1, SPOKE, "10.0.0.0/16")
            .await
            .expect("propagated");
        assert_eq!(r.route_type, RouteType::Propagated);
        let err = sim.apply(&enable).await.expect_err("twice");
        assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
        sim.apply(&op(
            USE1,
            Change::DisablePropagation {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("disabled");
        assert!(route(&sim, USE1, SPOKE, "10.0.0.0/16").await.is_none());
        // Peering attachments cannot propagate.
        let err = sim
            .apply(&op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE.into(),
                    attachment_id: PEERING.into(),
                },
            ))
            .await
            .expect_err("peering");
        assert!(
            matches!(
                err.kind,
                ErrorKind::InvalidInput | ErrorKind::IncorrectState
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn derivation_is_idempotent() {
        let sim = Simulator::demo().expect("demo");
        let state = lock(&sim.state);
        let once = derive::derive(&state.authored).expect("derive");
        let twice = derive::derive(&state.authored).expect("derive");
        assert_eq!(once, twice);
        assert_eq!(&once, state.derived.as_ref());
    }

    #[tokio::test]
    async fn the_peering_lifecycle_runs_on_the_clock_and_blackholes_on_delete() {
        let sim = Simulator::demo().expect("demo");
        let (clock, hand) = SimClock::manual();
        sim.set_clock(clock);
        let peering_state = |sim: &Simulator, region: &str| {
            sim.snapshot()[region]
                .peerings
                .iter()
                .find(|p| p.id == PEERING)
                .map(|p| p.state.clone())
        };
        // Accept must happen in the accepter's region.
        let accept_use1 = op(
            USE1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let err = sim.apply(&accept_use1).await.expect_err("wrong side");
        assert!(err.message.contains("accepter's region eu-west-1"), "{err}");
        let accept = op(
            EUW1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let out = sim.apply(&accept).await.expect("accepted");
        assert_eq!(out.state.as_deref(), Some("pending"));
        assert_eq!(peering_state(&sim, USE1), Some(S::Pending));
        assert_eq!(peering_state(&sim, EUW1), Some(S::Pending));
        let err = sim.apply(&accept).await.expect_err("not pendingAcceptance");
        assert_eq!(err.kind, ErrorKind::IncorrectState, "{err}");
        hand.advance(ACCEPT_SECS);
        assert_eq!(peering_state(&sim, USE1), Some(S::Available));
        assert_eq!(peering_state(&sim, EUW1), Some(S::Available));

        // Each side: associate and route the remote CIDRs over the peering.
        sim.apply(&op(
            EUW1,
            Change::CreateTgwRoute {
                route_table_id: EUW1_RTB.into(),
                cidr: net("10.0.0.0/8"),
                target: TgwRouteTarget::Attachment(PEERING.into()),
            },
        ))
        .await
        .expect("route over peering");
        let r = route(&sim, EUW1, EUW1_RTB, "10.0.0.0/8")
            .await
            .expect("route");
        assert_eq!(r.state, RouteState::Active);

        // Deleting the peering blackholes the route (re-derived), then it is deleted.
        let out = sim
            .apply(&op(
                USE1,
                Change::DeletePeering {
                    attachment_id: PEERING.into(),
                },
            ))
            .await
            .expect("deleting");
        assert_eq!(out.state.as_deref(), Some("deleting"));
        let r = route(&sim, EUW1, EUW1_RTB, "10.0.0.0/8")
            .await
            .expect("route");
        assert_eq!(r.state, RouteState::Blackhole);
        assert_eq!(peering_state(&sim, EUW1), Some(S::Deleting));
        hand.advance(DELETE_SECS);
        assert_eq!(peering_state(&sim, USE1), Some(S::Deleted));
    }

    #[tokio::test]
    async fn create_peering_is_tagged_and_moves_to_pending_acceptance() {
        let sim = Simulator::demo().expect("demo");
        let create = op(
            USE1,
            Change::CreatePeering {
                tgw_id: HUB_USE1.into(),
                peer_tgw_id: HUB_EUW1.into(),
                peer_region: EUW1.into(),
                peer_account_id: "111122223333".into(),
                request_tag: "req-42".into(),
            },
        );
        assert!(!create.is_idempotent());
        let out = sim.apply(&create).await.expect("created");
        let id = out.created_id.expect("id");
        assert!(id.starts_with("tgw-attach-"), "{id}");
        // The instant clock: initiatingRequest is already over.
        for region in [USE1, EUW1] {
            let snap = sim.snapshot();
            let p = snap[region]
                .peerings
                .iter()
                .find(|p| p.id == id)
                .expect("visible on both sides");
            assert_eq!(p.state, S::PendingAcceptance);
            assert_eq!(
                p.tags.get(REQUEST_TAG_KEY).map(String::as_str),
                Some("req-42")
            );
            assert!(snap[region].attachments.iter().any(|a| a.id == id));
        }
        let err = sim
            .apply(&op(
                USE1,
                Change::CreatePeering {
                    tgw_id: HUB_USE1.into(),
                    peer_tgw_id: "tgw-0nope".into(),
                    peer_region: EUW1.into(),
                    peer_account_id: "111122223333".into(),
                    request_tag: "req-43".into(),
                },
            ))
            .await
            .expect_err("unknown peer");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
        assert!(err.message.contains("tgw-0nope"), "{err}");
    }

    #[tokio::test]
    async fn aws_validations_name_the_problem() {
        let sim = Simulator::demo().expect("demo");
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.1/16", SPOKE_A))
            .await
            .expect_err("host bits");
        assert_eq!(err.kind, ErrorKind::InvalidInput);
        assert!(err.message.contains("use 10.50.0.0/16"), "{err}");
        let err = sim
            .apply(&create_route("tgw-rtb-0nope", "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("unknown table");
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(err.message.contains("tgw-rtb-0nope"), "{err}");
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", "tgw-attach-0nope"))
            .await
            .expect_err("unknown attachment");
        assert_eq!(err.kind, ErrorKind::NotFound);
        let err = sim
            .apply(&op(
                USE1,
                Change::AssociateTgwRouteTable {
                    route_table_id: POST.into(),
                    attachment_id: SPOKE_A.into(),
                },
            ))
            .await
            .expect_err("already associated with spoke");
        assert_eq!(err.kind, ErrorKind::AlreadyExists);
        assert!(err.message.contains("Resource.AlreadyAssociated"), "{err}");
        let err = sim
            .apply(&op(
                USE1,
                Change::AcceptVpcAttachment {
                    attachment_id: SPOKE_A.into(),
                },
            ))
            .await
            .expect_err("available already");
        assert_eq!(err.kind, ErrorKind::IncorrectState);
        // A VPC route over a NAT gateway that does not exist.
        let err = sim
            .apply(&op(
                USE1,
                Change::CreateVpcRoute {
                    route_table_id: "rtb-0e1a2b3c4d5e6f780".into(),
                    cidr: net("192.168.0.0/16"),
                    target: VpcTarget::NatGateway("nat-0nope".into()),
                },
            ))
            .await
            .expect_err("unknown NAT");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    }

    /// A VPC route to another VPC's NAT gateway, internet gateway or endpoint, or to
    /// a peering or interface that does not exist, is refused as AWS refuses it, by
    /// the same rule as the plan check; nothing changes.
    #[tokio::test]
    async fn vpc_route_targets_are_checked_as_aws_does() {
        let sim = Simulator::demo().expect("demo");
        let before = sim.snapshot();
        let spoke_a_rtb = "rtb-0e1a2b3c4d5e6f787";
        for (target, kind, code) in [
            (
                VpcTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::InternetGateway("igw-0e1a2b3c4d5e6f7c2".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::VpcEndpoint("vpce-0e1a2b3c4d5e6f791".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::PeeringConnection("pcx-0nope".into()),
                ErrorKind::NotFound,
                "InvalidVpcPeeringConnectionID.NotFound",
            ),
            (
                VpcTarget::NetworkInterface("eni-0nope".into()),
                ErrorKind::NotFound,
                "InvalidNetworkInterfaceID.NotFound",
            ),
            (
                VpcTarget::InternetGateway("igw-0nope".into()),
                ErrorKind::NotFound,
                "InvalidGatewayID.NotFound",
            ),
        ] {
            for create in [true, false] {
                let change = if create {
                    Change::CreateVpcRoute {
                        route_table_id: spoke_a_rtb.into(),
                        cidr: net("192.168.0.0/16"),
                        target: target.clone(),
                    }
                } else {
                    Change::ReplaceVpcRoute {
                        route_table_id: spoke_a_rtb.into(),
                        cidr: net("0.0.0.0/0"),
                        target: target.clone(),
                    }
                };
                let err = sim
                    .apply(&op(USE1, change))
                    .await
                    .expect_err("AWS refuses it");
                assert_eq!(err.kind, kind, "{target:?}: {err}");
                assert!(
                    err.message.contains(code) && err.message.contains(target.id()),
                    "{target:?}: {err}"
                );
            }
        }
        assert_eq!(sim.snapshot(), before, "nothing changed");
    }

    #[tokio::test]
    async fn associations_and_vpc_routes_change_and_re_derive() {
        let sim = Simulator::demo().expect("demo");
        sim.apply(&op(
            USE1,
            Change::DisassociateTgwRouteTable {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("disassociated");
        let att = |sim: &Simulator| {
            sim.snapshot()[USE1]
                .attachments
                .iter()
                .find(|a| a.id == SPOKE_A)
                .expect("attachment")
                .association
                .clone()
        };
        assert_eq!(att(&sim), None);
        sim.apply(&op(
            USE1,
            Change::AssociateTgwRouteTable {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("associated");
        assert_eq!(att(&sim).map(|a| a.route_table_id), Some(POST.to_string()));

        let rtb = "rtb-0e1a2b3c4d5e6f780";
        let vpc_route = |sim: &Simulator| {
            sim.snapshot()[USE1]
                .vpc_route_tables
                .iter()
                .find(|t| t.id == rtb)
                .expect("table")
                .routes
                .iter()
                .find(|r| r.destination == Destination::Cidr(net("192.168.0.0/16")))
                .map(|r| r.target.clone())
        };
        sim.apply(&op(
            USE1,
            Change::CreateVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
                target: VpcTarget::TransitGateway(HUB_USE1.into()),
            },
        ))
        .await
        .expect("vpc route");
        assert_eq!(
            vpc_route(&sim),
            Some(VpcRouteTarget::TransitGateway(HUB_USE1.into()))
        );
        sim.apply(&op(
            USE1,
            Change::ReplaceVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
                target: VpcTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()),
            },
        ))
        .await
        .expect("replaced");
        assert_eq!(
            vpc_route(&sim),
            Some(VpcRouteTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()))
        );
        sim.apply(&op(
            USE1,
            Change::DeleteVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        assert_eq!(vpc_route(&sim), None);
    }

    #[tokio::test]
    async fn a_read_only_simulator_has_no_changer_and_refuses_changes() {
        let sim = std::sync::Arc::new(Simulator::demo().expect("demo"));
        assert!(sim.changer().is_some());
        sim.set_read_only(true);
        assert!(sim.changer().is_none());
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("read-only");
        assert_eq!(err.kind, ErrorKind::ReadOnly);
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
    }

    #[tokio::test]
    async fn a_dry_run_validates_and_changes_nothing() {
        let sim = Simulator::demo().expect("demo");
        let out = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A).as_dry_run())
            .await
            .expect("would succeed");
        assert!(out.dry_run);
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.1/16", SPOKE_A).as_dry_run())
            .await
            .expect_err("still validated");
        assert_eq!(err.kind, ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn the_route_quota_is_aws_s() {
        let sim =
            Simulator::from_scenario(super::super::generate(100, 9_900).expect("at the quota"))
                .expect("sim");
        let err = sim
            .apply(&ChangeOp::new(
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: "tgw-rtb-00000000000000002".into(),
                    cidr: net("12.0.0.0/24"),
                    target: TgwRouteTarget::Blackhole,
                },
            ))
            .await
            .expect_err("over the quota");
        assert_eq!(err.kind, ErrorKind::QuotaExceeded, "{err}");
        assert!(err.message.contains("RouteLimitExceeded"), "{err}");
        assert!(err.message.contains("10000 routes"), "{err}");
    }

    #[tokio::test]
    async fn concurrent_changes_all_land() {
        let sim = std::sync::Arc::new(Simulator::demo().expect("demo"));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let sim = std::sync::Arc::clone(&sim);
                tokio::spawn(async move {
                    sim.apply(&create_route(SPOKE, &format!("10.200.{i}.0/24"), SPOKE_A))
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("join").expect("created");
        }
        let routes = sim.tgw_routes(USE1, SPOKE).await.expect("routes");
        assert_eq!(routes.len(), 33, "0.0.0.0/0 and the 32 new routes");
    }

    #[tokio::test]
    async fn a_call_slower_than_the_call_timeout_times_out() {
        let sim = Simulator::demo().expect("demo");
        sim.set_faults(crate::backend::sim::Faults {
            latency_ms: 60_000,
            ..Default::default()
        });
        sim.set_call_timeout(Some(Duration::from_millis(50)));
        let start = std::time::Instant::now();
        let err = sim.load_topology(USE1).await.expect_err("timeout");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "gave up at the limit"
        );
        assert_eq!(err.kind, ErrorKind::Timeout);
        assert!(err.message.contains("50 ms"), "{err}");
        sim.set_faults(crate::backend::sim::Faults::default());
        sim.set_call_timeout(None);
        assert!(sim.load_topology(USE1).await.is_ok());
    }

    #[tokio::test]
    async fn latency_on_one_part_delays_only_that_part() {
        let sim = Simulator::demo().expect("demo");
        sim.set_part_latency(
            OptionalPart::NetworkFirewall,
            Some(Duration::from_millis(400)),
        );
        let start = std::time::Instant::now();
        let topology = sim.load_topology(USE1).await.expect("topology");
        assert!(start.elapsed() < Duration::from_millis(400));
        assert!(!topology.tgws.is_empty());
        assert!(topology.firewalls.is_empty(), "topology has no firewalls");
        sim.load_optional(USE1, OptionalPart::Instances)
            .await
            .expect("instances");
        assert!(start.elapsed() < Duration::from_millis(400));
        let fw = sim
            .load_optional(USE1, OptionalPart::NetworkFirewall)
            .await
            .expect("firewall");
        assert!(start.elapsed() >= Duration::from_millis(400));
        let mut region = topology;
        fw.apply_to(&mut region);
        assert!(!region.firewalls.is_empty());
        // The whole region still loads with everything.
        let whole = sim.load_region(USE1).await.expect("region");
        assert_eq!(whole.firewalls, region.firewalls);
        assert!(whole.gaps.is_empty());
    }
}
