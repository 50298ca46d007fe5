//! Route targets: can traffic go there, and where does it lead.
//!
//! Invariants:
//! - One rule per target kind, used by the console, `--batch`, the simulator (which
//!   turns an unusable static TGW route into `blackhole`, as AWS does) and the trace.
//! - A target kind the estate does not hold (network interfaces, VPN gateways…) is
//!   [`Usability::NotEvaluated`], never assumed usable or broken.
//! - What AWS refuses as a VPC route target ([`vpc_route_target_refusal`]) is one rule,
//!   asked by the plan check and by the simulator alike, so the two cannot drift.

use serde::Serialize;

use super::index::Net;
use crate::model::{
    AttachmentKind, AttachmentState, Estate, FirewallEndpoint, InternetGateway, NatGateway,
    NetworkFirewall, Peering, PeeringSide, RegionEstate, RouteState, RouteTarget, TgwAttachment,
    TgwRoute, TransitGateway, Vpc, VpcEndpoint, VpcRoute, VpcRouteTable, VpcRouteTarget,
};

/// Whether traffic can be sent to a route target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "usability", rename_all = "snake_case")]
pub enum Usability {
    Usable,
    /// The route itself is in state `blackhole`.
    Blackhole,
    /// The target does not exist (deleted, or never created) in the route's region.
    Missing {
        id: String,
    },
    /// The target exists but is not in a state that forwards (`pendingAcceptance`,
    /// a NAT gateway `deleted`, an internet gateway not attached to the VPC…).
    NotUsable {
        id: String,
        state: String,
    },
    /// The estate does not hold this kind of target.
    NotEvaluated {
        id: String,
    },
}

impl Usability {
    /// True only when traffic is known to flow.
    #[must_use]
    pub fn is_usable(&self) -> bool {
        matches!(self, Self::Usable)
    }
}

/// Usability of a TGW attachment as a route target; `None` means the attachment is
/// not there. Usable in `available` and `modifying` (AWS keeps forwarding while an
/// attachment's options change).
///
/// The simulator's derivation should call this (through [`tgw_route_usable`]) instead
/// of its own check.
#[must_use]
pub fn attachment_usability(id: &str, attachment: Option<&TgwAttachment>) -> Usability {
    match attachment {
        None => Usability::Missing { id: id.to_string() },
        Some(a) if a.state.is_usable() => Usability::Usable,
        Some(a) => Usability::NotUsable {
            id: id.to_string(),
            state: a.state.to_string(),
        },
    }
}

/// Whether a TGW route forwards, given a way to find attachments by id: it needs at
/// least one target and every target usable (otherwise AWS shows it as `blackhole`).
/// Works on a region being built (the simulator) as well as on an indexed estate.
pub fn tgw_route_usable<'a>(
    targets: &[RouteTarget],
    attachment: impl Fn(&str) -> Option<&'a TgwAttachment>,
) -> bool {
    !targets.is_empty()
        && targets.iter().all(|t| {
            attachment_usability(&t.attachment_id, attachment(&t.attachment_id)).is_usable()
        })
}

/// The lookups resolving a TGW route target needs: [`Net`] answers them from its
/// index, [`Scan`] by scanning one region (no index to build, for a caller that resolves
/// a handful of targets, such as one visible screen of routes).
pub trait Lookup<'a> {
    fn attachment_in(&self, region: &str, id: &str) -> Option<&'a TgwAttachment>;
    fn vpc_in(&self, region: &str, id: &str) -> Option<&'a Vpc>;
    fn peering_in(&self, region: &str, id: &str) -> Option<&'a Peering>;
    fn tgw_in(&self, region: &str, id: &str) -> Option<&'a TransitGateway>;
}

impl<'a> Lookup<'a> for Net<'a> {
    fn attachment_in(&self, region: &str, id: &str) -> Option<&'a TgwAttachment> {
        Net::attachment_in(self, region, id)
    }
    fn vpc_in(&self, region: &str, id: &str) -> Option<&'a Vpc> {
        Net::vpc_in(self, region, id)
    }
    fn peering_in(&self, region: &str, id: &str) -> Option<&'a Peering> {
        Net::peering_in(self, region, id)
    }
    fn tgw_in(&self, region: &str, id: &str) -> Option<&'a TransitGateway> {
        Net::tgw_in(self, region, id)
    }
}

/// Lookups by scanning a region's lists (see [`Lookup`]).
#[derive(Debug, Clone, Copy)]
pub struct Scan<'a>(pub &'a Estate);

impl<'a> Lookup<'a> for Scan<'a> {
    fn attachment_in(&self, region: &str, id: &str) -> Option<&'a TgwAttachment> {
        self.0
            .region(region)?
            .attachments
            .iter()
            .find(|x| x.id == id)
    }
    fn vpc_in(&self, region: &str, id: &str) -> Option<&'a Vpc> {
        self.0.region(region)?.vpcs.iter().find(|x| x.id == id)
    }
    fn peering_in(&self, region: &str, id: &str) -> Option<&'a Peering> {
        self.0.region(region)?.peerings.iter().find(|x| x.id == id)
    }
    fn tgw_in(&self, region: &str, id: &str) -> Option<&'a TransitGateway> {
        self.0.region(region)?.tgws.iter().find(|x| x.id == id)
    }
}

/// Why AWS refuses a VPC route target: its error code and a sentence naming the
/// objects (both VPCs, when the target is in another one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRefusal {
    /// AWS's error code: `InvalidNatGatewayID.NotFound`, `InvalidParameterValue`…
    pub code: &'static str,
    pub message: String,
}

impl TargetRefusal {
    /// True when AWS answers that the target does not exist (a `….NotFound` code),
    /// false when it exists but cannot take the route.
    #[must_use]
    pub fn not_found(&self) -> bool {
        self.code.ends_with(".NotFound")
    }
}

/// A peering connection or ENI state AWS routes to no more (it answers as if the
/// object did not exist).
fn gone(state: &str) -> bool {
    state_is(
        state,
        &["deleted", "deleting", "rejected", "failed", "expired"],
    )
}

/// Why AWS would refuse `CreateRoute` / `ReplaceRoute` in `table` (a route table of
/// `region`) to `target`, or `None` when it takes it. AWS's rules:
/// - an internet gateway must exist (`InvalidGatewayID.NotFound`) and be attached to
///   the table's VPC;
/// - a NAT gateway, a VPC endpoint (Network Firewall or Gateway Load Balancer only:
///   interface and gateway endpoints are no route targets) and a network interface
///   must exist and be in the table's VPC;
/// - a VPC peering connection must exist (not deleted, rejected, failed or expired)
///   and join the table's VPC; one waiting for acceptance is taken (a blackhole until
///   it is active: see [`Net::vpc_target_usability_of`]);
/// - a transit gateway must exist in the region and the VPC must be attached to it
///   (otherwise AWS answers `InvalidTransitGatewayID.NotFound`);
/// - a target in another VPC is `InvalidParameterValue`, naming both VPCs.
///
/// A firewall endpoint the region's Network Firewall part could not read (a gap) is
/// not refused: the estate cannot tell.
#[must_use]
pub fn vpc_route_target_refusal(
    region: &RegionEstate,
    table: &VpcRouteTable,
    target: &VpcRouteTarget,
) -> Option<TargetRefusal> {
    let r = region.region.as_str();
    let table_vpc = || vpc_named(region, &table.vpc_id);
    let not_found = |code: &'static str, what: &str, id: &str, why: &str| TargetRefusal {
        code,
        message: format!("{what} {id} {why} in {r}"),
    };
    let elsewhere = |what: &str, id: &str, where_: String| TargetRefusal {
        code: "InvalidParameterValue",
        message: format!(
            "route table {} is in {} and {what} {id} {where_}: they belong to different networks; route to one in {} instead",
            table.id,
            table_vpc(),
            table.vpc_id,
        ),
    };
    match target {
        VpcRouteTarget::InternetGateway(id) => {
            let Some(igw) = region.internet_gateways.iter().find(|g| &g.id == id) else {
                return Some(not_found(
                    "InvalidGatewayID.NotFound",
                    "internet gateway",
                    id,
                    "does not exist",
                ));
            };
            if igw.vpc_ids.contains(&table.vpc_id) {
                return None;
            }
            Some(match igw.vpc_ids.first() {
                Some(other) => elsewhere(
                    "internet gateway",
                    id,
                    format!("is attached to {}", vpc_named(region, other)),
                ),
                None => TargetRefusal {
                    code: "InvalidParameterValue",
                    message: format!(
                        "internet gateway {id} is attached to no VPC: attach it to {} before route table {} can use it",
                        table_vpc(),
                        table.id
                    ),
                },
            })
        }
        VpcRouteTarget::NatGateway(id) => {
            let nat = region
                .nat_gateways
                .iter()
                .find(|n| &n.id == id && !state_is(&n.state, &["deleted"]));
            match nat {
                None => Some(not_found(
                    "InvalidNatGatewayID.NotFound",
                    "NAT gateway",
                    id,
                    "does not exist",
                )),
                Some(n) if n.vpc_id != table.vpc_id => Some(elsewhere(
                    "NAT gateway",
                    id,
                    format!("is in {}", vpc_named(region, &n.vpc_id)),
                )),
                Some(_) => None,
            }
        }
        VpcRouteTarget::VpcEndpoint(id) => {
            let firewall = region.firewalls.iter().find(|f| {
                f.endpoints
                    .iter()
                    .any(|e| e.endpoint_id.as_deref() == Some(id.as_str()))
            });
            let endpoint = region.vpc_endpoints.iter().find(|e| &e.id == id);
            let vpc_id = match (firewall, endpoint) {
                (Some(f), _) => f.vpc_id.as_str(),
                (None, Some(e)) if state_is(&e.state, &["deleted"]) => {
                    return Some(not_found(
                        "InvalidVpcEndpointId.NotFound",
                        "VPC endpoint",
                        id,
                        "is deleted",
                    ));
                }
                (None, Some(e)) => {
                    if state_is(&e.endpoint_type, &["Interface", "Gateway"]) {
                        return Some(TargetRefusal {
                            code: "InvalidParameterValue",
                            message: format!(
                                "{id} is {} {} endpoint ({}): a route can only send to a Gateway Load Balancer or Network Firewall endpoint",
                                if e.endpoint_type.eq_ignore_ascii_case("Interface") {
                                    "an"
                                } else {
                                    "a"
                                },
                                e.endpoint_type,
                                e.service_name
                            ),
                        });
                    }
                    e.vpc_id.as_str()
                }
                (None, None) if region.gaps.iter().any(|g| g.part == "network-firewall") => {
                    return None;
                }
                (None, None) => {
                    return Some(not_found(
                        "InvalidVpcEndpointId.NotFound",
                        "VPC endpoint",
                        id,
                        "does not exist",
                    ));
                }
            };
            (vpc_id != table.vpc_id).then(|| {
                elsewhere(
                    "VPC endpoint",
                    id,
                    format!("is in {}", vpc_named(region, vpc_id)),
                )
            })
        }
        VpcRouteTarget::NetworkInterface(id) => {
            match region.network_interfaces.iter().find(|e| &e.id == id) {
                None => Some(not_found(
                    "InvalidNetworkInterfaceID.NotFound",
                    "network interface",
                    id,
                    "does not exist",
                )),
                Some(e) if e.vpc_id != table.vpc_id => Some(elsewhere(
                    "network interface",
                    id,
                    format!("is in {}", vpc_named(region, &e.vpc_id)),
                )),
                Some(_) => None,
            }
        }
        VpcRouteTarget::PeeringConnection(id) => {
            let Some(p) = region.vpc_peerings.iter().find(|p| &p.id == id) else {
                return Some(not_found(
                    "InvalidVpcPeeringConnectionID.NotFound",
                    "VPC peering connection",
                    id,
                    "does not exist",
                ));
            };
            if gone(&p.status) {
                return Some(not_found(
                    "InvalidVpcPeeringConnectionID.NotFound",
                    "VPC peering connection",
                    id,
                    &format!("is {}", p.status),
                ));
            }
            if p.requester.vpc_id == table.vpc_id || p.accepter.vpc_id == table.vpc_id {
                return None;
            }
            Some(TargetRefusal {
                code: "InvalidParameterValue",
                message: format!(
                    "VPC peering connection {id} joins {} and {}, not {} of route table {}: a route can only use a peering of its own VPC",
                    vpc_named(region, &p.requester.vpc_id),
                    vpc_named(region, &p.accepter.vpc_id),
                    table_vpc(),
                    table.id
                ),
            })
        }
        VpcRouteTarget::TransitGateway(id) => {
            if !region.tgws.iter().any(|t| &t.id == id) {
                return Some(not_found(
                    "InvalidTransitGatewayID.NotFound",
                    "transit gateway",
                    id,
                    "does not exist",
                ));
            }
            let attached = region.attachments.iter().any(|a| {
                &a.tgw_id == id
                    && a.kind == AttachmentKind::Vpc
                    && a.resource_id.as_deref() == Some(table.vpc_id.as_str())
                    && !matches!(
                        a.state,
                        AttachmentState::Deleted
                            | AttachmentState::Deleting
                            | AttachmentState::Failed
                            | AttachmentState::Failing
                            | AttachmentState::Rejected
                            | AttachmentState::Rejecting
                    )
            });
            (!attached).then(|| TargetRefusal {
                code: "InvalidTransitGatewayID.NotFound",
                message: format!(
                    "{} is not attached to transit gateway {id}: attach the VPC first (AWS answers as if {id} did not exist)",
                    table_vpc()
                ),
            })
        }
        _ => None,
    }
}

/// Where a TGW route target in `region` leads./// Where a TGW route target in `region` leads.
pub fn tgw_target_leads_to<'a>(
    lookup: &impl Lookup<'a>,
    region: &str,
    target: &RouteTarget,
) -> LeadsTo<'a> {
    let Some(att) = lookup.attachment_in(region, &target.attachment_id) else {
        return LeadsTo::AttachmentGone {
            id: target.attachment_id.clone(),
        };
    };
    let resource = att.resource_id.as_deref();
    match att.kind {
        AttachmentKind::Vpc => LeadsTo::Vpc {
            attachment: att,
            vpc_id: resource.unwrap_or("-").to_string(),
            vpc: resource.and_then(|v| lookup.vpc_in(region, v)),
        },
        AttachmentKind::Peering | AttachmentKind::TgwPeering => {
            let peering = lookup.peering_in(region, &att.id);
            let side = peering.map(|p| p.other_side(region));
            let tgw = side.and_then(|s| lookup.tgw_in(&s.region, &s.tgw_id));
            LeadsTo::PeerTgw {
                attachment: att,
                peering,
                side,
                tgw,
            }
        }
        AttachmentKind::Vpn | AttachmentKind::DirectConnectGateway | AttachmentKind::Connect => {
            LeadsTo::LeavesAws { attachment: att }
        }
        _ => LeadsTo::OtherAttachment { attachment: att },
    }
}

fn state_is(state: &str, ok: &[&str]) -> bool {
    ok.iter().any(|s| state.eq_ignore_ascii_case(s))
}

impl<'a> Net<'a> {
    /// Usability of each target of a TGW route, in order.
    #[must_use]
    pub fn tgw_route_usability(&self, route: &TgwRoute) -> Vec<Usability> {
        route
            .targets
            .iter()
            .map(|t| {
                if route.state == RouteState::Blackhole {
                    return Usability::Blackhole;
                }
                attachment_usability(
                    &t.attachment_id,
                    self.attachment_in(&route.region, &t.attachment_id),
                )
            })
            .collect()
    }

    /// Usability of a TGW route target in `region`.
    #[must_use]
    pub fn tgw_target_usability(&self, region: &str, target: &RouteTarget) -> Usability {
        attachment_usability(
            &target.attachment_id,
            self.attachment_in(region, &target.attachment_id),
        )
    }

    /// Usability of a VPC route's target, for a route of `vpc` (in the VPC's region).
    #[must_use]
    pub fn vpc_target_usability(&self, vpc: &Vpc, route: &VpcRoute) -> Usability {
        if route.state == RouteState::Blackhole {
            return Usability::Blackhole;
        }
        self.vpc_target_usability_of(vpc, &route.target)
    }

    /// Usability of a VPC route target, regardless of the route's state.
    #[must_use]
    pub fn vpc_target_usability_of(&self, vpc: &Vpc, target: &VpcRouteTarget) -> Usability {
        let region = vpc.region.as_str();
        let id = target.id().to_string();
        let missing = || Usability::Missing { id: id.clone() };
        let not_usable = |state: &str| Usability::NotUsable {
            id: id.clone(),
            state: state.to_string(),
        };
        match target {
            VpcRouteTarget::Local => Usability::Usable,
            VpcRouteTarget::InternetGateway(g) => match self.internet_gateway_in(region, g) {
                None => missing(),
                Some(igw) if igw.vpc_ids.contains(&vpc.id) => Usability::Usable,
                Some(_) => not_usable("detached"),
            },
            VpcRouteTarget::NatGateway(n) => match self.nat_gateway_in(region, n) {
                None => missing(),
                Some(nat) if state_is(&nat.state, &["available", ""]) => Usability::Usable,
                Some(nat) => not_usable(&nat.state),
            },
            VpcRouteTarget::TransitGateway(t) => {
                if self.tgw_in(region, t).is_none() {
                    return missing();
                }
                // Traffic reaches the TGW through the VPC's attachment to it.
                let atts: Vec<&TgwAttachment> = self
                    .vpc_attachments(region, &vpc.id)
                    .into_iter()
                    .filter(|a| &a.tgw_id == t)
                    .collect();
                match atts.iter().find(|a| a.state.is_usable()) {
                    Some(_) => Usability::Usable,
                    None => match atts.first() {
                        Some(a) => not_usable(a.state.as_str()),
                        None => not_usable("not attached"),
                    },
                }
            }
            VpcRouteTarget::VpcEndpoint(e) => {
                if let Some((_, ep)) = self.firewall_endpoint(region, e) {
                    return match ep.status.as_deref() {
                        None => Usability::Usable,
                        Some(s) if state_is(s, &["READY", "available"]) => Usability::Usable,
                        Some(s) => not_usable(s),
                    };
                }
                match self.vpc_endpoint_in(region, e) {
                    None => missing(),
                    Some(ep) if state_is(&ep.state, &["available", ""]) => Usability::Usable,
                    Some(ep) => not_usable(&ep.state),
                }
            }
            VpcRouteTarget::PeeringConnection(p) => match self.vpc_peering_in(region, p) {
                None => missing(),
                Some(pcx) if state_is(&pcx.status, &["active", ""]) => Usability::Usable,
                Some(pcx) => not_usable(&pcx.status),
            },
            _ => Usability::NotEvaluated { id },
        }
    }

    /// Where a TGW route target leads.
    #[must_use]
    pub fn tgw_target_leads_to(&self, region: &str, target: &RouteTarget) -> LeadsTo<'a> {
        tgw_target_leads_to(self, region, target)
    }

    /// Where a VPC route target leads, for a route of `vpc`.
    #[must_use]
    pub fn vpc_target_leads_to(&self, vpc: &'a Vpc, target: &VpcRouteTarget) -> LeadsTo<'a> {
        let region = vpc.region.as_str();
        match target {
            VpcRouteTarget::Local => LeadsTo::Local { vpc },
            VpcRouteTarget::InternetGateway(g) => match self.internet_gateway_in(region, g) {
                Some(igw) => LeadsTo::Internet { igw },
                None => LeadsTo::Missing { id: g.clone() },
            },
            VpcRouteTarget::NatGateway(n) => match self.nat_gateway_in(region, n) {
                Some(nat) => LeadsTo::Nat {
                    nat,
                    subnet: self.subnet_in(region, &nat.subnet_id),
                },
                None => LeadsTo::Missing { id: n.clone() },
            },
            VpcRouteTarget::TransitGateway(t) => match self.tgw_in(region, t) {
                Some(tgw) => LeadsTo::Tgw {
                    tgw,
                    attachment: self
                        .vpc_attachments(region, &vpc.id)
                        .into_iter()
                        .find(|a| a.tgw_id == tgw.id),
                },
                None => LeadsTo::Missing { id: t.clone() },
            },
            VpcRouteTarget::VpcEndpoint(e) => {
                if let Some((firewall, endpoint)) = self.firewall_endpoint(region, e) {
                    return LeadsTo::Firewall { firewall, endpoint };
                }
                match self.vpc_endpoint_in(region, e) {
                    Some(endpoint) => LeadsTo::Endpoint { endpoint },
                    None => LeadsTo::Missing { id: e.clone() },
                }
            }
            other => LeadsTo::NotEvaluated {
                id: other.id().to_string(),
            },
        }
    }
}

/// What a route target leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadsTo<'a> {
    /// A TGW route target whose attachment is not in the estate.
    AttachmentGone { id: String },
    /// Into a VPC, through its TGW attachment.
    Vpc {
        attachment: &'a TgwAttachment,
        vpc_id: String,
        vpc: Option<&'a Vpc>,
    },
    /// Across a TGW peering to the TGW on the other side.
    PeerTgw {
        attachment: &'a TgwAttachment,
        peering: Option<&'a Peering>,
        side: Option<&'a PeeringSide>,
        tgw: Option<&'a TransitGateway>,
    },
    /// Out of AWS: a VPN, Direct Connect gateway or Connect attachment.
    LeavesAws { attachment: &'a TgwAttachment },
    /// Another kind of attachment (network function…).
    OtherAttachment { attachment: &'a TgwAttachment },
    /// Stays in the VPC.
    Local { vpc: &'a Vpc },
    /// To the internet through an internet gateway.
    Internet { igw: &'a InternetGateway },
    /// To a NAT gateway (the source becomes one of its public IPs), in its subnet.
    Nat {
        nat: &'a NatGateway,
        subnet: Option<&'a crate::model::Subnet>,
    },
    /// To a Transit Gateway, through the VPC's attachment to it.
    Tgw {
        tgw: &'a TransitGateway,
        attachment: Option<&'a TgwAttachment>,
    },
    /// To a Network Firewall endpoint (inspection).
    Firewall {
        firewall: &'a NetworkFirewall,
        endpoint: &'a FirewallEndpoint,
    },
    /// To another VPC endpoint (Gateway Load Balancer, gateway, interface).
    Endpoint { endpoint: &'a VpcEndpoint },
    /// A VPC route target that is not in the estate.
    Missing { id: String },
    /// A VPC route target of a kind the estate does not hold.
    NotEvaluated { id: String },
}

/// A VPC by id and name, as messages name it.
fn vpc_named(region: &RegionEstate, vpc_id: &str) -> String {
    let name = region
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .and_then(|v| v.name.as_deref());
    crate::text::id_named(name, vpc_id)
}

impl LeadsTo<'_> {
    /// The attachment the target goes through, for TGW targets.
    #[must_use]
    pub fn attachment(&self) -> Option<&TgwAttachment> {
        match self {
            Self::Vpc { attachment, .. }
            | Self::PeerTgw { attachment, .. }
            | Self::LeavesAws { attachment }
            | Self::OtherAttachment { attachment } => Some(attachment),
            Self::Tgw { attachment, .. } => *attachment,
            _ => None,
        }
    }

    /// In words, as the `routes` command prints it: the VPC's name, the peer's region,
    /// a VPN; an attachment that does not forward is marked `[attachment <state>]`.
    #[must_use]
    pub fn describe(&self) -> String {
        let resource = |a: &TgwAttachment| a.resource_id.clone().unwrap_or_else(|| "-".into());
        let mut text = match self {
            Self::AttachmentGone { .. } => return "attachment gone".to_string(),
            Self::Vpc { vpc_id, vpc, .. } => {
                format!(
                    "VPC {}",
                    crate::text::named(vpc.and_then(|v| v.name.as_deref()), vpc_id)
                )
            }
            Self::PeerTgw {
                attachment,
                side,
                tgw,
                ..
            } => match side {
                Some(side) => format!(
                    "peer {} in {}",
                    crate::text::named(tgw.and_then(|t| t.name.as_deref()), &side.tgw_id),
                    side.region
                ),
                None => format!("peer {}", resource(attachment)),
            },
            Self::LeavesAws { attachment } => match attachment.kind {
                AttachmentKind::Vpn => format!("VPN {}", resource(attachment)),
                AttachmentKind::DirectConnectGateway => {
                    format!("Direct Connect gateway {}", resource(attachment))
                }
                _ => format!("{} {}", attachment.kind, resource(attachment)),
            },
            Self::OtherAttachment { attachment } => {
                format!("{} {}", attachment.kind, resource(attachment))
            }
            Self::Local { vpc } => format!(
                "local to VPC {}",
                crate::text::named(vpc.name.as_deref(), &vpc.id)
            ),
            Self::Internet { igw } => {
                format!(
                    "internet via {}",
                    crate::text::named(igw.name.as_deref(), &igw.id)
                )
            }
            Self::Nat { nat, .. } => {
                let ips: Vec<String> = nat.public_ips.iter().map(ToString::to_string).collect();
                let mut t = format!(
                    "NAT gateway {}",
                    crate::text::named(nat.name.as_deref(), &nat.id)
                );
                if !ips.is_empty() {
                    t.push_str(&format!(" as {}", ips.join(",")));
                }
                t
            }
            Self::Tgw { tgw, .. } => {
                format!(
                    "Transit Gateway {}",
                    crate::text::named(tgw.name.as_deref(), &tgw.id)
                )
            }
            Self::Firewall { firewall, endpoint } => format!(
                "firewall {} in {}",
                if firewall.name.is_empty() {
                    &firewall.id
                } else {
                    &firewall.name
                },
                endpoint.availability_zone
            ),
            Self::Endpoint { endpoint } => {
                format!("endpoint {} ({})", endpoint.id, endpoint.service_name)
            }
            Self::Missing { id } => format!("{id} gone"),
            Self::NotEvaluated { id } => id.clone(),
        };
        if let Some(att) = self.attachment()
            && !att.state.is_usable()
        {
            text.push_str(&format!(" [attachment {}]", att.state));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AttachmentState;

    fn att(id: &str, state: AttachmentState) -> TgwAttachment {
        TgwAttachment {
            id: id.into(),
            state,
            ..TgwAttachment::default()
        }
    }

    fn target(id: &str) -> RouteTarget {
        RouteTarget {
            attachment_id: id.into(),
            ..RouteTarget::default()
        }
    }

    #[test]
    fn attachment_usable_only_when_available_or_modifying() {
        for (state, usable) in [
            (AttachmentState::Available, true),
            (AttachmentState::Modifying, true),
            (AttachmentState::PendingAcceptance, false),
            (AttachmentState::Pending, false),
            (AttachmentState::Deleted, false),
            (AttachmentState::Failed, false),
            (AttachmentState::Rejected, false),
        ] {
            let a = att("a", state.clone());
            assert_eq!(
                attachment_usability("a", Some(&a)).is_usable(),
                usable,
                "{state}"
            );
        }
        assert_eq!(
            attachment_usability("gone", None),
            Usability::Missing { id: "gone".into() }
        );
    }

    #[test]
    fn tgw_route_needs_a_target_and_every_target_usable() {
        let up = att("up", AttachmentState::Available);
        let down = att("down", AttachmentState::PendingAcceptance);
        let find = |id: &str| [&up, &down].into_iter().find(|a| a.id == id);
        assert!(tgw_route_usable(&[target("up")], find));
        assert!(!tgw_route_usable(&[], find), "no target: blackhole");
        assert!(!tgw_route_usable(&[target("up"), target("down")], find));
        assert!(!tgw_route_usable(&[target("gone")], find));
    }
}
