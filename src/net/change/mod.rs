//! What a change means: what AWS refuses ([`validate`]) and what it does to an estate
//! ([`apply`], then [`derive`]'s re-derivation of what the change touched). Written
//! once, and asked by everything that needs it:
//! - the simulator's changer is [`apply`] on its estate, plus its clock for the
//!   [`Later`] transitions and its faults;
//! - the preview's projection ([`crate::ops::project`]) is [`apply`] on a copy, with
//!   the later transitions taken at once (what AWS shows once the change settled);
//! - the plan's check ([`crate::plan::check`]) refuses what [`validate`] refuses, and
//!   adds the operator's warnings and ways out.
//!
//! A new kind of change is then: the op ([`crate::model::change`]), its arms here, the
//! AWS call, and the command words.
//!
//! Invariants:
//! - Pure: regions and an op in; a refusal, or the regions changed and what AWS
//!   answered. No clock, no I/O. `apply` changes nothing when it refuses.
//! - Read-level semantics, as AWS shows an estate: a static route hides a propagated
//!   route for the same prefix and deleting it brings the propagated one back;
//!   propagating a VPC attachment adds its VPC's CIDRs; a static route to an attachment
//!   that is not usable is a `blackhole`; a peering is one id visible in both regions,
//!   its attachment records included; a table's routes stay sorted by destination.
//! - A refusal carries AWS's error code and words ([`Refusal`]), in the region the call
//!   was made in.
//! - What cannot be known before AWS does it (routes a VPN learns over BGP, a peer
//!   region that is not loaded) is said in [`Applied::notes`], never guessed.

pub mod derive;
pub mod shows;

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::change::{Change, ChangeOp, REQUEST_TAG_KEY, TgwRouteTarget};
use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, Estate, Peering,
    PeeringSide, RegionEstate, RegionLoad, RouteState, RouteTableLink, RouteTarget, RouteType,
    TgwAttachment, TgwRoute, TgwRouteTable, VpcRoute, VpcRouteTable, VpcRouteTarget,
};
pub use derive::{ATTACHMENTS_PER_TGW, ROUTES_PER_TGW_ROUTE_TABLE};

/// Seconds AWS takes to move a new peering from `initiatingRequest` to
/// `pendingAcceptance`.
pub const PEERING_INITIATE_SECS: u64 = 2;
/// Seconds from accept (`pending`) to `available`, for peerings and VPC attachments.
pub const ACCEPT_SECS: u64 = 10;
/// Seconds from `deleting` to `deleted`.
pub const DELETE_SECS: u64 = 5;
/// Seconds from `modifying` back to `available` (an attachment's options changed).
pub const MODIFY_SECS: u64 = 5;

/// How AWS refuses a change (the backends map it to their error kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    NotFound,
    AlreadyExists,
    IncorrectState,
    InvalidInput,
    QuotaExceeded,
    /// The object changed since it was read (a stale update token).
    Conflict,
}

/// What AWS answers a change it will not make: its error code and a sentence naming
/// the objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// AWS's error code: `RouteAlreadyExists`, `InvalidRouteTableID.NotFound`…
    pub code: &'static str,
    pub message: String,
    /// The id that was not found, for a `NotFound`.
    pub resource: Option<String>,
}

impl Refusal {
    fn new(kind: RefusalKind, code: &'static str, message: String) -> Self {
        Self {
            kind,
            code,
            message,
            resource: None,
        }
    }

    fn invalid(message: String) -> Self {
        Self::new(RefusalKind::InvalidInput, "InvalidParameterValue", message)
    }

    fn state(message: String) -> Self {
        Self::new(RefusalKind::IncorrectState, "IncorrectState", message)
    }

    fn not_found(region: &str, code: &'static str, what: &str, id: &str) -> Self {
        Self {
            resource: Some(id.to_string()),
            ..Self::new(
                RefusalKind::NotFound,
                code,
                format!("{what} {id} not found in {region} (refresh, or check the id and region)"),
            )
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// A state AWS moves an attachment to by itself, some time after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Later {
    pub after_secs: u64,
    pub attachment_id: String,
    pub to: AttachmentState,
}

/// What an applied change answered, and what follows by itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The state AWS answers (`active`, `pendingAcceptance`, `deleting`…), when it does.
    pub state: Option<String>,
    /// Transitions AWS makes later, in order (a peering accepted becomes `available`).
    pub later: Vec<Later>,
    /// What the change does that cannot be known before it happens.
    pub notes: Vec<String>,
}

/// What AWS chooses when a change is made: the id of a new peering, a policy's new
/// update token (kept as it was when `None`).
#[derive(Debug, Clone, Default)]
pub struct Chosen {
    pub attachment_id: String,
    pub update_token: Option<String>,
}

/// The regions a change is asked of: the simulator's (every region AWS has) or an
/// estate read by netops (the regions that loaded).
pub trait Regions {
    fn region(&self, name: &str) -> Option<&RegionEstate>;
    fn region_mut(&mut self, name: &str) -> Option<&mut RegionEstate>;
    fn names(&self) -> Vec<String>;
    /// True when a region missing here has nothing (the simulator); false when it was
    /// not read (an estate), so what it holds is not known.
    fn complete(&self) -> bool;
}

impl Regions for BTreeMap<String, RegionEstate> {
    fn region(&self, name: &str) -> Option<&RegionEstate> {
        self.get(name)
    }
    fn region_mut(&mut self, name: &str) -> Option<&mut RegionEstate> {
        self.get_mut(name)
    }
    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
    fn complete(&self) -> bool {
        true
    }
}

impl Regions for Estate {
    fn region(&self, name: &str) -> Option<&RegionEstate> {
        match self.regions.get(name) {
            Some(RegionLoad::Loaded { estate }) => Some(estate),
            _ => None,
        }
    }
    fn region_mut(&mut self, name: &str) -> Option<&mut RegionEstate> {
        match self.regions.get_mut(name) {
            Some(RegionLoad::Loaded { estate }) => Some(estate),
            _ => None,
        }
    }
    fn names(&self) -> Vec<String> {
        self.loaded().map(|r| r.region.clone()).collect()
    }
    fn complete(&self) -> bool {
        false
    }
}

fn canonical(cidr: IpNet) -> Result<Destination, Refusal> {
    let trunc = cidr.trunc();
    if trunc == cidr {
        Ok(Destination::Cidr(cidr))
    } else {
        Err(Refusal::invalid(format!(
            "{cidr} is not a valid CIDR block: it has host bits set; use {trunc}"
        )))
    }
}

fn tgw_table<'a>(
    r: Option<&'a RegionEstate>,
    region: &str,
    id: &str,
) -> Result<&'a TgwRouteTable, Refusal> {
    r.and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == id))
        .ok_or_else(|| {
            Refusal::not_found(
                region,
                "InvalidRouteTableID.NotFound",
                "TGW route table",
                id,
            )
        })
}

fn vpc_table<'a>(
    r: Option<&'a RegionEstate>,
    region: &str,
    id: &str,
) -> Result<&'a VpcRouteTable, Refusal> {
    r.and_then(|r| r.vpc_route_tables.iter().find(|t| t.id == id))
        .ok_or_else(|| {
            Refusal::not_found(region, "InvalidRouteTableID.NotFound", "route table", id)
        })
}

fn attachment<'a>(
    r: Option<&'a RegionEstate>,
    region: &str,
    id: &str,
) -> Result<&'a TgwAttachment, Refusal> {
    r.and_then(|r| r.attachments.iter().find(|a| a.id == id))
        .ok_or_else(|| {
            Refusal::not_found(
                region,
                "InvalidTransitGatewayAttachmentID.NotFound",
                "TGW attachment",
                id,
            )
        })
}

fn same_tgw(table: &TgwRouteTable, att: &TgwAttachment) -> Result<(), Refusal> {
    if table.tgw_id == att.tgw_id {
        Ok(())
    } else {
        Err(Refusal::invalid(format!(
            "attachment {} belongs to {}, but route table {} belongs to {}",
            att.id, att.tgw_id, table.id, table.tgw_id
        )))
    }
}

/// The peering `id` (the requester's record when its region is there).
fn find_peering<'a>(regions: &'a impl Regions, id: &str) -> Option<&'a Peering> {
    let names = regions.names();
    let all: Vec<&Peering> = names
        .iter()
        .filter_map(|n| regions.region(n))
        .flat_map(|r| r.peerings.iter())
        .filter(|p| p.id == id)
        .collect();
    all.iter()
        .find(|p| p.region == p.requester.region)
        .or_else(|| all.first())
        .copied()
}

/// Whether AWS takes `op` on these regions; `Ok` carries the state it answers.
///
/// # Errors
/// The [`Refusal`] AWS answers with.
#[allow(clippy::too_many_lines)]
pub fn validate(regions: &impl Regions, op: &ChangeOp) -> Result<Option<String>, Refusal> {
    let region = op.region.as_str();
    let r = regions.region(region);
    match &op.change {
        Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
            if op.dry_run {
                return Err(Refusal::new(
                    RefusalKind::InvalidInput,
                    "InvalidRequestException",
                    "Network Firewall has no dry run: UpdateFirewallPolicy cannot be asked whether it would be allowed".into(),
                ));
            }
            let policy = r
                .and_then(|e| e.firewall_policies.iter().find(|p| p.arn == t.policy_arn))
                .ok_or_else(|| {
                    Refusal::not_found(
                        region,
                        "ResourceNotFoundException",
                        "firewall policy",
                        &t.policy_arn,
                    )
                })?;
            if let Some(token) = &t.update_token
                && policy.update_token.as_ref() != Some(token)
            {
                return Err(Refusal::new(
                    RefusalKind::Conflict,
                    "InvalidTokenException",
                    format!(
                        "{} changed since it was read (update token {token} is stale): re-read it and decide again; nothing was changed",
                        policy.name
                    ),
                ));
            }
            let mut edited = policy.clone();
            if matches!(op.change, Change::EnableRuleGroup(_)) {
                edited.enable_group(&t.group_arn, &t.group_name)
            } else {
                edited.disable_group(&t.group_arn, &t.group_name)
            }
            .map_err(|e| {
                Refusal::new(
                    RefusalKind::InvalidInput,
                    "InvalidRequestException",
                    e.message,
                )
            })?;
            Ok(None)
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
            let table = tgw_table(r, region, route_table_id)?;
            let destination = canonical(*cidr)?;
            let mut state = RouteState::Blackhole;
            if let TgwRouteTarget::Attachment(id) = target {
                let att = attachment(r, region, id)?;
                same_tgw(table, att)?;
                if att.state.is_usable() {
                    state = RouteState::Active;
                }
            }
            let existing = table
                .routes
                .iter()
                .any(|x| x.destination == destination && x.route_type == RouteType::Static);
            let create = matches!(op.change, Change::CreateTgwRoute { .. });
            if create && existing {
                return Err(Refusal::new(
                    RefusalKind::AlreadyExists,
                    "RouteAlreadyExists",
                    format!(
                        "route {destination} already exists in TGW route table {route_table_id}"
                    ),
                ));
            }
            if !create && !existing {
                return Err(Refusal::not_found(
                    region,
                    "InvalidRoute.NotFound",
                    &format!("static route {destination} in"),
                    route_table_id,
                ));
            }
            let hides_propagated = table.routes.iter().any(|x| x.destination == destination);
            if create && !hides_propagated && table.routes.len() >= ROUTES_PER_TGW_ROUTE_TABLE {
                return Err(route_quota(table, table.routes.len()));
            }
            Ok(Some(state.to_string()))
        }
        Change::DeleteTgwRoute {
            route_table_id,
            cidr,
        } => {
            let table = tgw_table(r, region, route_table_id)?;
            let destination = canonical(*cidr)?;
            if !table
                .routes
                .iter()
                .any(|x| x.destination == destination && x.route_type == RouteType::Static)
            {
                return Err(Refusal::not_found(
                    region,
                    "InvalidRoute.NotFound",
                    &format!("static route {destination} in"),
                    route_table_id,
                ));
            }
            Ok(Some("deleted".into()))
        }
        Change::AssociateTgwRouteTable {
            route_table_id,
            attachment_id,
        }
        | Change::EnablePropagation {
            route_table_id,
            attachment_id,
        } => {
            let table = tgw_table(r, region, route_table_id)?;
            let att = attachment(r, region, attachment_id)?;
            same_tgw(table, att)?;
            let associate = matches!(op.change, Change::AssociateTgwRouteTable { .. });
            // What can never be comes before what is not yet.
            if !associate && att.kind == AttachmentKind::Peering {
                return Err(Refusal::invalid(format!(
                    "peering attachment {attachment_id} cannot propagate routes; add a static route instead"
                )));
            }
            if !att.state.is_usable() {
                return Err(Refusal::state(format!(
                    "attachment {attachment_id} is {}; it must be available",
                    att.state
                )));
            }
            if associate {
                if let Some(current) = &att.association {
                    return Err(Refusal::new(
                        RefusalKind::AlreadyExists,
                        "Resource.AlreadyAssociated",
                        format!(
                            "attachment {attachment_id} is already associated with {}; disassociate it first",
                            current.route_table_id
                        ),
                    ));
                }
                return Ok(Some("associated".into()));
            }
            if table
                .propagations
                .iter()
                .any(|l| l.attachment_id == *attachment_id)
            {
                return Err(Refusal::new(
                    RefusalKind::AlreadyExists,
                    "TransitGatewayRouteTablePropagation.Duplicate",
                    format!("attachment {attachment_id} already propagates into {route_table_id}"),
                ));
            }
            if let Some(r) = r {
                let added = derive::propagated_routes(r, table, att).len();
                if added > 0 && table.routes.len() + added > ROUTES_PER_TGW_ROUTE_TABLE {
                    return Err(route_quota(table, table.routes.len() + added));
                }
            }
            Ok(Some("enabled".into()))
        }
        Change::DisassociateTgwRouteTable {
            route_table_id,
            attachment_id,
        }
        | Change::DisablePropagation {
            route_table_id,
            attachment_id,
        } => {
            let table = tgw_table(r, region, route_table_id)?;
            attachment(r, region, attachment_id)?;
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
                return Err(Refusal::not_found(
                    region,
                    code,
                    &format!("{what} {attachment_id} in"),
                    route_table_id,
                ));
            }
            Ok(Some(
                if associate {
                    "disassociated"
                } else {
                    "disabled"
                }
                .into(),
            ))
        }
        Change::CreatePeering {
            tgw_id,
            peer_tgw_id,
            peer_region,
            peer_account_id,
            ..
        } => {
            let tgw = r
                .and_then(|e| e.tgws.iter().find(|t| t.id == *tgw_id))
                .ok_or_else(|| {
                    Refusal::not_found(
                        region,
                        "InvalidTransitGatewayID.NotFound",
                        "transit gateway",
                        tgw_id,
                    )
                })?;
            let peer_estate = regions.region(peer_region);
            let mut sides = vec![(region, tgw.id.as_str())];
            // An estate read by netops shows only its own account's TGWs: another
            // account's peer TGW is not checked there.
            let checkable =
                regions.complete() || (peer_estate.is_some() && *peer_account_id == tgw.owner_id);
            if checkable {
                let peer = peer_estate
                    .and_then(|e| e.tgws.iter().find(|t| t.id == *peer_tgw_id))
                    .ok_or_else(|| {
                        Refusal::not_found(
                            peer_region,
                            "InvalidTransitGatewayID.NotFound",
                            "peer transit gateway",
                            peer_tgw_id,
                        )
                    })?;
                sides.push((peer_region.as_str(), peer.id.as_str()));
            }
            for (reg, tgw) in sides {
                let count = regions.region(reg).map_or(0, |e| {
                    e.attachments.iter().filter(|a| a.tgw_id == tgw).count()
                });
                if count >= ATTACHMENTS_PER_TGW {
                    return Err(Refusal::new(
                        RefusalKind::QuotaExceeded,
                        "TransitGatewayAttachmentLimitExceeded",
                        format!(
                            "transit gateway {tgw} in {reg} has {count} attachments; AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway"
                        ),
                    ));
                }
            }
            Ok(Some(AttachmentState::InitiatingRequest.to_string()))
        }
        Change::AcceptPeering { attachment_id } | Change::RejectPeering { attachment_id } => {
            let peering = find_peering(regions, attachment_id).ok_or_else(|| {
                Refusal::not_found(
                    region,
                    "InvalidTransitGatewayAttachmentID.NotFound",
                    "peering attachment",
                    attachment_id,
                )
            })?;
            let accept = matches!(op.change, Change::AcceptPeering { .. });
            let verb = if accept { "accept" } else { "reject" };
            if peering.accepter.region != region {
                return Err(Refusal::invalid(format!(
                    "peering {attachment_id} must be {verb}ed in the accepter's region {} (by account {}), not in {region}",
                    peering.accepter.region, peering.accepter.account_id
                )));
            }
            if peering.state != AttachmentState::PendingAcceptance {
                return Err(Refusal::state(format!(
                    "peering {attachment_id} is {}; only a pendingAcceptance peering can be {verb}ed",
                    peering.state
                )));
            }
            Ok(Some(
                if accept {
                    AttachmentState::Pending
                } else {
                    AttachmentState::Rejected
                }
                .to_string(),
            ))
        }
        Change::DeletePeering { attachment_id } => {
            let peering = find_peering(regions, attachment_id)
                .filter(|p| region == p.requester.region || region == p.accepter.region)
                .ok_or_else(|| {
                    Refusal::not_found(
                        region,
                        "InvalidTransitGatewayAttachmentID.NotFound",
                        "peering attachment",
                        attachment_id,
                    )
                })?;
            if matches!(
                peering.state,
                AttachmentState::Deleting | AttachmentState::Deleted | AttachmentState::Rejected
            ) {
                return Err(Refusal::state(format!(
                    "peering {attachment_id} is {} and cannot be deleted",
                    peering.state
                )));
            }
            Ok(Some(AttachmentState::Deleting.to_string()))
        }
        Change::AcceptVpcAttachment { attachment_id }
        | Change::RejectVpcAttachment { attachment_id } => {
            let att = attachment(r, region, attachment_id)?;
            let accept = matches!(op.change, Change::AcceptVpcAttachment { .. });
            if att.kind != AttachmentKind::Vpc {
                return Err(Refusal::invalid(format!(
                    "{attachment_id} is a {} attachment, not a VPC attachment",
                    att.kind
                )));
            }
            if att.state != AttachmentState::PendingAcceptance {
                return Err(Refusal::state(format!(
                    "VPC attachment {attachment_id} is {}; only a pendingAcceptance attachment can be {}",
                    att.state,
                    if accept { "accepted" } else { "rejected" }
                )));
            }
            Ok(Some(
                if accept {
                    AttachmentState::Pending
                } else {
                    AttachmentState::Rejected
                }
                .to_string(),
            ))
        }
        Change::SetApplianceMode { attachment_id, .. } => {
            let att = attachment(r, region, attachment_id)?;
            if att.kind != AttachmentKind::Vpc {
                return Err(Refusal::invalid(format!(
                    "{attachment_id} is a {} attachment; appliance mode is an option of VPC attachments",
                    att.kind
                )));
            }
            if !att.state.is_usable() {
                return Err(Refusal::state(format!(
                    "VPC attachment {attachment_id} is {}; it must be available to be modified",
                    att.state
                )));
            }
            Ok(Some(AttachmentState::Modifying.to_string()))
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
            let table = vpc_table(r, region, route_table_id)?;
            let destination = canonical(*cidr)?;
            // The one rule the plan's check shows too (AWS's answer to CreateRoute).
            if let Some(refusal) = r.and_then(|e| {
                crate::net::targets::vpc_route_target_refusal(e, table, &target.to_model())
            }) {
                return Err(Refusal {
                    resource: refusal.not_found().then(|| target.id().to_string()),
                    ..Refusal::new(
                        if refusal.not_found() {
                            RefusalKind::NotFound
                        } else {
                            RefusalKind::InvalidInput
                        },
                        refusal.code,
                        refusal.message,
                    )
                });
            }
            let target = target.to_model();
            if !crate::net::lpm::more_specific_than_local_allowed(&target)
                && r.and_then(|e| e.vpcs.iter().find(|v| v.id == table.vpc_id))
                    .is_some_and(|v| v.cidr_blocks.iter().any(|c| c.contains(cidr) && c != cidr))
            {
                return Err(Refusal::invalid(format!(
                    "{cidr} is inside the VPC's own range: only a NAT gateway, a network interface or a VPC endpoint can take a route more specific than local"
                )));
            }
            let create = matches!(op.change, Change::CreateVpcRoute { .. });
            match table.routes.iter().find(|x| x.destination == destination) {
                Some(_) if create => Err(Refusal::new(
                    RefusalKind::AlreadyExists,
                    "RouteAlreadyExists",
                    format!("route {destination} already exists in route table {route_table_id}"),
                )),
                Some(x) if x.target == VpcRouteTarget::Local => Err(Refusal::invalid(format!(
                    "the local route {destination} of {route_table_id} cannot be replaced"
                ))),
                None if !create => Err(Refusal::not_found(
                    region,
                    "InvalidRoute.NotFound",
                    &format!("route {destination} in"),
                    route_table_id,
                )),
                _ => Ok(Some("active".into())),
            }
        }
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => {
            let table = vpc_table(r, region, route_table_id)?;
            let destination = canonical(*cidr)?;
            match table.routes.iter().find(|x| x.destination == destination) {
                None => Err(Refusal::not_found(
                    region,
                    "InvalidRoute.NotFound",
                    &format!("route {destination} in"),
                    route_table_id,
                )),
                Some(x) if x.target == VpcRouteTarget::Local => Err(Refusal::invalid(format!(
                    "the local route {destination} of {route_table_id} cannot be deleted"
                ))),
                Some(_) => Ok(Some("deleted".into())),
            }
        }
    }
}

fn route_quota(table: &TgwRouteTable, routes: usize) -> Refusal {
    Refusal::new(
        RefusalKind::QuotaExceeded,
        "RouteLimitExceeded",
        format!(
            "TGW route table {} would hold {routes} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table",
            table.id
        ),
    )
}

/// `op` made on `regions` as AWS makes it: validated, applied, and what it touched
/// re-derived. A dry run is validated and changes nothing.
///
/// # Errors
/// The [`Refusal`] AWS answers with; nothing is changed then.
pub fn apply(
    regions: &mut impl Regions,
    op: &ChangeOp,
    chosen: &Chosen,
) -> Result<Applied, Refusal> {
    let state = validate(regions, op)?;
    let mut applied = Applied {
        state,
        ..Applied::default()
    };
    if op.dry_run {
        return Ok(applied);
    }
    edit(regions, op, chosen, &mut applied);
    Ok(applied)
}

/// AWS's own later transition: attachment `id` (a peering, in every region that
/// shows it; a VPC attachment, in `region`) becomes `to`, and what routes through it
/// is re-derived.
pub fn transition(regions: &mut impl Regions, region: &str, id: &str, to: &AttachmentState) {
    let is_peering = find_peering(regions, id).is_some();
    let names = if is_peering {
        regions.names()
    } else {
        vec![region.to_string()]
    };
    for name in names {
        let Some(r) = regions.region_mut(&name) else {
            continue;
        };
        let mut touched = false;
        for p in r.peerings.iter_mut().filter(|p| p.id == id) {
            p.state = to.clone();
            touched = true;
        }
        for a in r.attachments.iter_mut().filter(|a| a.id == id) {
            a.state = to.clone();
            if a.kind == AttachmentKind::Peering && *to == AttachmentState::Available {
                a.appliance_mode = None;
            }
            touched = true;
        }
        if touched {
            derive::refresh_attachment(r, id);
        }
    }
}

/// Applies `op`'s later transitions at once: the estate as it is once AWS settled.
pub fn settle(regions: &mut impl Regions, op: &ChangeOp, applied: &Applied) {
    for later in &applied.later {
        transition(regions, &op.region, &later.attachment_id, &later.to);
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

fn table_mut<'a>(r: &'a mut RegionEstate, id: &str) -> Option<&'a mut TgwRouteTable> {
    r.tgw_route_tables.iter_mut().find(|t| t.id == id)
}

/// The edit of a validated op.
#[allow(clippy::too_many_lines)]
fn edit(regions: &mut impl Regions, op: &ChangeOp, chosen: &Chosen, applied: &mut Applied) {
    let region = op.region.as_str();
    let later = |id: &str, to: AttachmentState, after_secs: u64| Later {
        after_secs,
        attachment_id: id.to_string(),
        to,
    };
    match &op.change {
        Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
            let Some(policy) = regions.region_mut(region).and_then(|r| {
                r.firewall_policies
                    .iter_mut()
                    .find(|p| p.arn == t.policy_arn)
            }) else {
                return;
            };
            let _ = if matches!(op.change, Change::EnableRuleGroup(_)) {
                policy.enable_group(&t.group_arn, &t.group_name)
            } else {
                policy.disable_group(&t.group_arn, &t.group_name)
            };
            if let Some(token) = &chosen.update_token {
                policy.update_token = Some(token.clone());
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
            let Some(r) = regions.region_mut(region) else {
                return;
            };
            let targets = match target {
                TgwRouteTarget::Blackhole => Vec::new(),
                TgwRouteTarget::Attachment(id) => {
                    let att = r.attachments.iter().find(|a| a.id == *id);
                    vec![RouteTarget {
                        attachment_id: id.clone(),
                        resource_type: att.map(|a| a.kind.clone()),
                        resource_id: att.and_then(|a| a.resource_id.clone()),
                    }]
                }
            };
            let state = if derive::usable(r, &targets) {
                RouteState::Active
            } else {
                RouteState::Blackhole
            };
            let route = TgwRoute {
                derived: false,
                route_table_id: route_table_id.clone(),
                region: region.to_string(),
                destination: Destination::Cidr(*cidr),
                route_type: RouteType::Static,
                state,
                targets,
                prefix_list_id: None,
            };
            if let Some(table) = table_mut(r, route_table_id) {
                derive::put_route(table, route);
            }
        }
        Change::DeleteTgwRoute {
            route_table_id,
            cidr,
        } => {
            if let Some(r) = regions.region_mut(region) {
                derive::delete_static(r, route_table_id, &Destination::Cidr(*cidr));
            }
        }
        Change::AssociateTgwRouteTable {
            route_table_id,
            attachment_id,
        }
        | Change::EnablePropagation {
            route_table_id,
            attachment_id,
        } => {
            let Some(r) = regions.region_mut(region) else {
                return;
            };
            let Some(att) = r
                .attachments
                .iter()
                .find(|a| a.id == *attachment_id)
                .cloned()
            else {
                return;
            };
            let associate = matches!(op.change, Change::AssociateTgwRouteTable { .. });
            let Some(table) = table_mut(r, route_table_id) else {
                return;
            };
            if associate {
                table.associations.push(link(&att, "associated"));
                if let Some(a) = r.attachments.iter_mut().find(|a| a.id == *attachment_id) {
                    a.association = Some(AttachmentAssociation {
                        route_table_id: route_table_id.clone(),
                        state: "associated".into(),
                    });
                }
            } else {
                table.propagations.push(link(&att, "enabled"));
                derive::refresh_attachment(r, attachment_id);
                if att.kind != AttachmentKind::Vpc {
                    applied.notes.push(format!(
                        "the routes {} attachment {attachment_id} would propagate into {route_table_id} are learned (BGP) and not known before it happens",
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
            let Some(r) = regions.region_mut(region) else {
                return;
            };
            let kind = r
                .attachments
                .iter()
                .find(|a| a.id == *attachment_id)
                .map(|a| a.kind.clone());
            let Some(table) = table_mut(r, route_table_id) else {
                return;
            };
            if associate {
                table
                    .associations
                    .retain(|l| l.attachment_id != *attachment_id);
                if let Some(a) = r.attachments.iter_mut().find(|a| a.id == *attachment_id)
                    && a.association
                        .as_ref()
                        .is_some_and(|x| x.route_table_id == *route_table_id)
                {
                    a.association = None;
                }
            } else {
                table
                    .propagations
                    .retain(|l| l.attachment_id != *attachment_id);
                derive::refresh_attachment(r, attachment_id);
                if let Some(kind) = kind.filter(|k| *k != AttachmentKind::Vpc) {
                    applied.notes.push(format!(
                        "the routes {kind} attachment {attachment_id} propagated into {route_table_id} are learned (BGP); those that go are not all known"
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
            let owner = regions
                .region(region)
                .and_then(|r| r.tgws.iter().find(|t| t.id == *tgw_id))
                .map(|t| t.owner_id.clone())
                .unwrap_or_default();
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
                id: chosen.attachment_id.clone(),
                region: region.to_string(),
                name: None,
                state: AttachmentState::InitiatingRequest,
                status_message: None,
                requester: requester.clone(),
                accepter: accepter.clone(),
                tags: BTreeMap::from([(REQUEST_TAG_KEY.to_string(), request_tag.clone())]),
            };
            for (side, other) in [(&requester, &accepter), (&accepter, &requester)] {
                let Some(r) = regions.region_mut(&side.region) else {
                    applied.notes.push(format!(
                        "{} is not loaded, so its side of the new peering is not shown",
                        side.region
                    ));
                    continue;
                };
                r.peerings.push(Peering {
                    region: side.region.clone(),
                    ..peering.clone()
                });
                r.attachments
                    .push(derive::peering_attachment(&peering, side, other));
            }
            applied.later.push(later(
                &chosen.attachment_id,
                AttachmentState::PendingAcceptance,
                PEERING_INITIATE_SECS,
            ));
        }
        Change::AcceptPeering { attachment_id } | Change::RejectPeering { attachment_id } => {
            if matches!(op.change, Change::AcceptPeering { .. }) {
                transition(regions, region, attachment_id, &AttachmentState::Pending);
                applied.later.push(later(
                    attachment_id,
                    AttachmentState::Available,
                    ACCEPT_SECS,
                ));
            } else {
                transition(regions, region, attachment_id, &AttachmentState::Rejected);
            }
        }
        Change::DeletePeering { attachment_id } => {
            // AWS drops a deleted attachment's associations and propagations.
            for name in regions.names() {
                if let Some(r) = regions.region_mut(&name) {
                    for t in &mut r.tgw_route_tables {
                        t.associations.retain(|l| l.attachment_id != *attachment_id);
                        t.propagations.retain(|l| l.attachment_id != *attachment_id);
                    }
                    for a in r.attachments.iter_mut().filter(|a| a.id == *attachment_id) {
                        a.association = None;
                    }
                }
            }
            transition(regions, region, attachment_id, &AttachmentState::Deleting);
            applied
                .later
                .push(later(attachment_id, AttachmentState::Deleted, DELETE_SECS));
        }
        Change::AcceptVpcAttachment { attachment_id }
        | Change::RejectVpcAttachment { attachment_id } => {
            if matches!(op.change, Change::AcceptVpcAttachment { .. }) {
                transition(regions, region, attachment_id, &AttachmentState::Pending);
                applied.later.push(later(
                    attachment_id,
                    AttachmentState::Available,
                    ACCEPT_SECS,
                ));
            } else {
                transition(regions, region, attachment_id, &AttachmentState::Rejected);
            }
        }
        Change::SetApplianceMode { attachment_id, on } => {
            if let Some(a) = regions
                .region_mut(region)
                .and_then(|r| r.attachments.iter_mut().find(|a| a.id == *attachment_id))
            {
                a.appliance_mode = Some(*on);
            }
            transition(regions, region, attachment_id, &AttachmentState::Modifying);
            applied.later.push(later(
                attachment_id,
                AttachmentState::Available,
                MODIFY_SECS,
            ));
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
            if let Some(table) = regions.region_mut(region).and_then(|r| {
                r.vpc_route_tables
                    .iter_mut()
                    .find(|t| t.id == *route_table_id)
            }) {
                let destination = Destination::Cidr(*cidr);
                table.routes.retain(|x| x.destination != destination);
                table.routes.push(VpcRoute {
                    destination,
                    target: target.to_model(),
                    state: RouteState::Active,
                });
            }
        }
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => {
            if let Some(table) = regions.region_mut(region).and_then(|r| {
                r.vpc_route_tables
                    .iter_mut()
                    .find(|t| t.id == *route_table_id)
            }) {
                table
                    .routes
                    .retain(|x| x.destination != Destination::Cidr(*cidr));
            }
        }
    }
}
