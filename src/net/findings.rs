//! Findings: what an operator should look at, as data.
//!
//! Invariants:
//! - A finding is data (kind with its facts, severity, region, objects involved); each
//!   front end renders it: [`Finding::message`] is the sentence, [`Finding::fix`] the
//!   suggested next step, the console adds its symbol and jump target.
//! - The order is stable: regions by name; within a region blackhole routes (by table,
//!   then route), peerings not available (each peering once, in the first region that
//!   shows it), other attachments not available, parts not read.
//! - `objects[0]` is the object to jump to.

use serde::Serialize;

use crate::model::{AttachmentKind, AttachmentState, Destination, Estate, RouteState};

/// How much a finding matters. Ordered: `Info < Warning < Error` (for `--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The word used in output and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// The kind of an object a finding (or a trace hop) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Region,
    Gap,
    TransitGateway,
    TgwRouteTable,
    TgwAttachment,
    Peering,
    Vpc,
    Subnet,
    VpcRouteTable,
    InternetGateway,
    NatGateway,
    VpcEndpoint,
    NetworkFirewall,
    FirewallPolicy,
    RuleGroup,
    Instance,
}

/// An object by kind, id and region (ids are unique per kind within a region).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub id: String,
    pub region: String,
}

impl ObjectRef {
    /// A reference.
    #[must_use]
    pub fn new(kind: ObjectKind, id: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            region: region.into(),
        }
    }
}

/// What was found, with the facts its message needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingKind {
    /// A TGW route in state `blackhole`: traffic to it is dropped.
    BlackholeRoute {
        tgw_id: String,
        route_table_id: String,
        route_table_name: Option<String>,
        destination: Destination,
    },
    /// A peering that does not forward (waiting for acceptance, failed, rejected…).
    PeeringNotAvailable {
        peering_id: String,
        name: Option<String>,
        state: AttachmentState,
        requester_region: String,
        accepter_region: String,
        /// The TGW on this region's side.
        tgw_id: String,
    },
    /// A non-peering attachment that does not forward.
    AttachmentNotAvailable {
        attachment_id: String,
        name: Option<String>,
        attachment_kind: AttachmentKind,
        state: AttachmentState,
        tgw_id: String,
    },
    /// An active static route whose target attachment does not forward.
    RouteToUnusableAttachment {
        route_table_id: String,
        destination: Destination,
        attachment_id: String,
        state: String,
    },
    /// The forward path arrives, the reply does not.
    MissingReturnRoute {
        from: String,
        to: String,
        /// The return path's verdict in words.
        reason: String,
    },
    /// A spoke reaches the internet without crossing a firewall endpoint.
    EgressBypassesInspection {
        vpc_id: String,
        vpc_name: Option<String>,
        /// The route table (and subnet) that sends it out.
        route_table_id: String,
        /// The internet or NAT gateway it leaves through.
        via: String,
        /// The address the internet sees, when a trace got out.
        egress_ip: Option<std::net::IpAddr>,
        /// The traced path, when a trace got out; empty when only the route was found.
        path: Vec<String>,
    },
    /// Appliance mode is off on an inspection VPC's TGW attachment.
    ApplianceModeOff {
        attachment_id: String,
        vpc_id: String,
    },
    /// ECMP over VPN attachments: each direction is hashed apart.
    EcmpOverVpn {
        route_table_id: String,
        destination: Destination,
        attachments: Vec<String>,
    },
    /// One spoke reaches another without inspection.
    IsolationBreak {
        from_vpc: String,
        to_vpc: String,
        path: Vec<String>,
    },
    /// An available peering that a side does not route to (or does not associate).
    PeeringWithoutRoutes {
        peering_id: String,
        name: Option<String>,
        /// What is missing on which side, in words.
        missing: Vec<String>,
    },
    /// Two VPCs whose CIDRs overlap.
    OverlappingCidrs {
        vpc_id: String,
        cidr: ipnet::IpNet,
        other_vpc_id: String,
        other_region: String,
        other_cidr: ipnet::IpNet,
    },
    /// A firewall that inspects other VPCs' traffic with `$HOME_NET` left at its own
    /// VPC's CIDR.
    HomeNetNotOverridden {
        firewall: String,
        policy: String,
        home_net: Vec<ipnet::IpNet>,
        /// True when the policy's rules use `$HOME_NET` / `$EXTERNAL_NET`.
        rules_use_it: bool,
    },
    /// Traffic to `destination` goes round: the TGW route sends it to a VPC whose
    /// route table sends it back to the TGW, and so on (a routing loop, until the
    /// TTL runs out).
    RoutingLoop {
        route_table_id: String,
        destination: Destination,
        attachment_id: String,
        /// The loop, hop by hop, as the trace found it.
        path: Vec<String>,
    },
    /// An AZ with spoke or TGW subnets but no firewall endpoint: traffic hairpins
    /// to another AZ's endpoint.
    AzWithoutFirewall {
        availability_zone: String,
        firewall: String,
        subnets: Vec<String>,
    },
    /// A part of a region that could not be read (e.g. Network Firewall without
    /// permission): what it would show is unknown.
    PartNotRead {
        part: String,
        error: String,
        /// Position in the region's gaps.
        gap: usize,
    },
}

impl FindingKind {
    /// The kind's name in JSON and on the command line.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BlackholeRoute { .. } => "blackhole_route",
            Self::PeeringNotAvailable { .. } => "peering_not_available",
            Self::RoutingLoop { .. } => "routing_loop",
            Self::AttachmentNotAvailable { .. } => "attachment_not_available",
            Self::PartNotRead { .. } => "part_not_read",
            Self::RouteToUnusableAttachment { .. } => "route_to_unusable_attachment",
            Self::MissingReturnRoute { .. } => "missing_return_route",
            Self::EgressBypassesInspection { .. } => "egress_bypasses_inspection",
            Self::ApplianceModeOff { .. } => "appliance_mode_off",
            Self::EcmpOverVpn { .. } => "ecmp_over_vpn",
            Self::IsolationBreak { .. } => "isolation_break",
            Self::PeeringWithoutRoutes { .. } => "peering_without_routes",
            Self::OverlappingCidrs { .. } => "overlapping_cidrs",
            Self::HomeNetNotOverridden { .. } => "home_net_not_overridden",
            Self::AzWithoutFirewall { .. } => "az_without_firewall",
        }
    }
}

/// Something an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The region it was found in.
    pub region: String,
    /// The objects involved; the first is where to look.
    pub objects: Vec<ObjectRef>,
}

fn name_or<'a>(name: Option<&'a str>, id: &'a str) -> &'a str {
    name.filter(|n| !n.is_empty()).unwrap_or(id)
}

impl Finding {
    /// The finding in one sentence, as the console's findings panel shows it (after
    /// its symbol).
    #[must_use]
    pub fn message(&self) -> String {
        match &self.kind {
            FindingKind::BlackholeRoute {
                route_table_id,
                route_table_name,
                destination,
                ..
            } => format!(
                "blackhole route {destination} in {}",
                name_or(route_table_name.as_deref(), route_table_id)
            ),
            FindingKind::RoutingLoop {
                route_table_id,
                destination,
                attachment_id,
                ..
            } => format!(
                "routing loop for {destination}: {route_table_id} sends it to {attachment_id}, whose VPC sends it back to the Transit Gateway"
            ),
            FindingKind::PeeringNotAvailable {
                peering_id,
                name,
                state,
                requester_region,
                accepter_region,
                ..
            } => format!(
                "peering {} {requester_region} → {accepter_region} is {state}",
                name_or(name.as_deref(), peering_id)
            ),
            FindingKind::AttachmentNotAvailable {
                attachment_id,
                name,
                state,
                ..
            } => format!(
                "attachment {} is {state}",
                name_or(name.as_deref(), attachment_id)
            ),
            FindingKind::PartNotRead { part, error, .. } => {
                format!("{part} not read in {}: {error}", self.region)
            }
            FindingKind::RouteToUnusableAttachment {
                route_table_id,
                destination,
                attachment_id,
                state,
            } => format!(
                "route {destination} in {route_table_id} goes to {attachment_id}, which is {state}"
            ),
            FindingKind::MissingReturnRoute { from, to, reason } => {
                format!("{from} reaches {to}, the reply does not come back: {reason}")
            }
            FindingKind::EgressBypassesInspection {
                vpc_id,
                vpc_name,
                route_table_id,
                via,
                egress_ip,
                ..
            } => match egress_ip {
                Some(ip) => format!(
                    "spoke {} reaches the internet as {ip} through {via} without inspection ({route_table_id})",
                    name_or(vpc_name.as_deref(), vpc_id)
                ),
                None => format!(
                    "spoke {} routes to {via} in {route_table_id}, bypassing inspection",
                    name_or(vpc_name.as_deref(), vpc_id)
                ),
            },
            FindingKind::ApplianceModeOff {
                attachment_id,
                vpc_id,
            } => format!(
                "appliance mode is off on inspection VPC {vpc_id}'s attachment {attachment_id}: cross-AZ flows can cross two firewall endpoints"
            ),
            FindingKind::EcmpOverVpn {
                route_table_id,
                destination,
                attachments,
            } => format!(
                "{destination} in {route_table_id} is ECMP over {} VPN attachments: each direction is hashed apart, stateful appliances see half flows",
                attachments.len()
            ),
            FindingKind::IsolationBreak {
                from_vpc, to_vpc, ..
            } => format!("spoke {from_vpc} reaches spoke {to_vpc} without inspection"),
            FindingKind::PeeringWithoutRoutes {
                peering_id,
                name,
                missing,
            } => format!(
                "peering {} is available but {}",
                name_or(name.as_deref(), peering_id),
                missing.join("; ")
            ),
            FindingKind::OverlappingCidrs {
                vpc_id,
                cidr,
                other_vpc_id,
                other_region,
                other_cidr,
                ..
            } => format!("{vpc_id} {cidr} overlaps {other_vpc_id} {other_cidr} ({other_region})"),
            FindingKind::HomeNetNotOverridden {
                firewall,
                policy,
                home_net,
                ..
            } => format!(
                "firewall {firewall} inspects other VPCs but policy {policy} leaves $HOME_NET at {}: spoke addresses count as $EXTERNAL_NET",
                home_net
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            FindingKind::AzWithoutFirewall {
                availability_zone,
                firewall,
                subnets,
            } => format!(
                "{availability_zone} has {} spoke/TGW subnet(s) but no endpoint of firewall {firewall}: traffic crosses AZs to be inspected",
                subnets.len()
            ),
        }
    }

    /// What to do about it, when there is a usual next step.
    #[must_use]
    pub fn fix(&self) -> Option<String> {
        match &self.kind {
            FindingKind::BlackholeRoute { destination, .. } => Some(format!(
                "delete the route to {destination}, or replace it with one to an available attachment"
            )),
            FindingKind::RoutingLoop {
                route_table_id,
                destination,
                ..
            } => Some(format!(
                "send {destination} in {route_table_id} to the attachment of the VPC that holds it (or delete the route), or give that VPC a route for it that does not lead back to the TGW"
            )),
            FindingKind::PeeringNotAvailable {
                state,
                accepter_region,
                ..
            } => match state {
                AttachmentState::PendingAcceptance => Some(format!(
                    "accept the peering in {accepter_region} (the accepter's region and account)"
                )),
                AttachmentState::Failed | AttachmentState::Rejected => {
                    Some("delete the peering and request it again".into())
                }
                _ => None,
            },
            FindingKind::AttachmentNotAvailable { state, .. } => match state {
                AttachmentState::PendingAcceptance => {
                    Some("accept the attachment in the Transit Gateway owner's account".into())
                }
                AttachmentState::Failed | AttachmentState::Rejected => {
                    Some("delete the attachment and create it again".into())
                }
                _ => None,
            },
            FindingKind::PartNotRead { part, .. } => Some(format!(
                "grant read access to {part} in {}, then refresh",
                self.region
            )),
            FindingKind::RouteToUnusableAttachment { attachment_id, .. } => Some(format!(
                "make {attachment_id} available (accept it), or point the route elsewhere"
            )),
            FindingKind::MissingReturnRoute { .. } => Some(
                "add the route back toward the source in the table the return path names".into(),
            ),
            FindingKind::EgressBypassesInspection { via, .. } => Some(format!(
                "remove the route to {via} (and the instance's public IP); send 0.0.0.0/0 to the Transit Gateway"
            )),
            FindingKind::ApplianceModeOff { attachment_id, .. } => Some(format!(
                "enable appliance mode on {attachment_id} (ModifyTransitGatewayVpcAttachment ApplianceModeSupport=enable)"
            )),
            FindingKind::EcmpOverVpn { .. } => Some(
                "keep stateful inspection off ECMP paths, or make the appliances share flow state".into(),
            ),
            FindingKind::IsolationBreak { .. } => Some(
                "remove the route (or propagation) that joins the spokes, or send it through inspection".into(),
            ),
            FindingKind::PeeringWithoutRoutes { .. } => Some(
                "associate the peering attachment on each side and add static routes to the remote CIDRs".into(),
            ),
            FindingKind::OverlappingCidrs { .. } => {
                Some("renumber one VPC (an IPAM pool prevents overlaps)".into())
            }
            FindingKind::HomeNetNotOverridden { .. } => Some(
                "set the policy's PolicyVariables HOME_NET to the spokes' supernet (e.g. 10.0.0.0/8)".into(),
            ),
            FindingKind::AzWithoutFirewall {
                availability_zone, ..
            } => Some(format!(
                "add a firewall endpoint in {availability_zone}, or keep spokes out of it"
            )),
        }
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Doc<'a> {
            #[serde(flatten)]
            kind: &'a FindingKind,
            severity: Severity,
            region: &'a str,
            objects: &'a [ObjectRef],
            message: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            fix: Option<String>,
        }
        Doc {
            kind: &self.kind,
            severity: self.severity,
            region: &self.region,
            objects: &self.objects,
            message: self.message(),
            fix: self.fix(),
        }
        .serialize(s)
    }
}

fn state_severity(state: &AttachmentState) -> Severity {
    match state {
        AttachmentState::Failed
        | AttachmentState::Failing
        | AttachmentState::Rejected
        | AttachmentState::Rejecting => Severity::Error,
        AttachmentState::Deleted | AttachmentState::Deleting => Severity::Info,
        _ => Severity::Warning,
    }
}

/// Findings across loaded regions: blackhole routes, attachments and peerings that do
/// not forward (each peering once), parts of a region that could not be read.
#[must_use]
pub fn findings(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut peerings_seen = std::collections::HashSet::new();
    for region in estate.loaded() {
        let r = region.region.as_str();
        for table in &region.tgw_route_tables {
            for route in table
                .routes
                .iter()
                .filter(|x| x.state == RouteState::Blackhole)
            {
                let mut objects = vec![ObjectRef::new(ObjectKind::TgwRouteTable, &table.id, r)];
                objects.extend(
                    route
                        .targets
                        .iter()
                        .map(|t| ObjectRef::new(ObjectKind::TgwAttachment, &t.attachment_id, r)),
                );
                out.push(Finding {
                    kind: FindingKind::BlackholeRoute {
                        tgw_id: table.tgw_id.clone(),
                        route_table_id: table.id.clone(),
                        route_table_name: table.name.clone(),
                        destination: route.destination.clone(),
                    },
                    severity: Severity::Error,
                    region: r.to_string(),
                    objects,
                });
            }
        }
        for peering in &region.peerings {
            if peering.state.is_usable() || !peerings_seen.insert(peering.id.as_str()) {
                continue;
            }
            let this = if peering.requester.region == r {
                &peering.requester
            } else {
                &peering.accepter
            };
            out.push(Finding {
                kind: FindingKind::PeeringNotAvailable {
                    peering_id: peering.id.clone(),
                    name: peering.name.clone(),
                    state: peering.state.clone(),
                    requester_region: peering.requester.region.clone(),
                    accepter_region: peering.accepter.region.clone(),
                    tgw_id: this.tgw_id.clone(),
                },
                severity: state_severity(&peering.state),
                region: r.to_string(),
                objects: vec![
                    ObjectRef::new(ObjectKind::Peering, &peering.id, r),
                    ObjectRef::new(
                        ObjectKind::TransitGateway,
                        &peering.requester.tgw_id,
                        &peering.requester.region,
                    ),
                    ObjectRef::new(
                        ObjectKind::TransitGateway,
                        &peering.accepter.tgw_id,
                        &peering.accepter.region,
                    ),
                ],
            });
        }
        for att in region
            .attachments
            .iter()
            .filter(|a| !a.state.is_usable() && a.kind != AttachmentKind::Peering)
        {
            let mut objects = vec![
                ObjectRef::new(ObjectKind::TgwAttachment, &att.id, r),
                ObjectRef::new(ObjectKind::TransitGateway, &att.tgw_id, r),
            ];
            if att.kind == AttachmentKind::Vpc
                && let Some(vpc) = &att.resource_id
            {
                objects.push(ObjectRef::new(ObjectKind::Vpc, vpc, r));
            }
            out.push(Finding {
                kind: FindingKind::AttachmentNotAvailable {
                    attachment_id: att.id.clone(),
                    name: att.name.clone(),
                    attachment_kind: att.kind.clone(),
                    state: att.state.clone(),
                    tgw_id: att.tgw_id.clone(),
                },
                severity: state_severity(&att.state),
                region: r.to_string(),
                objects,
            });
        }
        for (i, gap) in region.gaps.iter().enumerate() {
            out.push(Finding {
                kind: FindingKind::PartNotRead {
                    part: gap.part.clone(),
                    error: gap.error.clone(),
                    gap: i,
                },
                severity: Severity::Warning,
                region: r.to_string(),
                objects: vec![ObjectRef::new(ObjectKind::Gap, &gap.part, r)],
            });
        }
    }
    out
}
