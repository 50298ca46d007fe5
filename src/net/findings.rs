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
            Self::AttachmentNotAvailable { .. } => "attachment_not_available",
            Self::PartNotRead { .. } => "part_not_read",
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
        }
    }

    /// What to do about it, when there is a usual next step.
    #[must_use]
    pub fn fix(&self) -> Option<String> {
        match &self.kind {
            FindingKind::BlackholeRoute { destination, .. } => Some(format!(
                "delete the route to {destination}, or replace it with one to an available attachment"
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
