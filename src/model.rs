//! Plain domain types for a Transit Gateway estate.
//!
//! Invariants:
//! - No aws-sdk type appears here; backends translate into these types.
//! - Every object carries the AWS `id` it is known by and the `region` it was read in,
//!   so JSON output can always be traced back to the console or CLI.
//! - States keep AWS spellings (`pendingAcceptance`, `blackhole`) so operators and
//!   scripts see the words the AWS documentation uses; a state this build does not know
//!   is kept verbatim as `Other` rather than dropped.

pub mod change;
pub mod merge;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Declares an enum that (de)serializes as the AWS string and keeps unknown strings.
macro_rules! aws_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know, kept as AWS sent it.
            Other(String),
        }

        impl $name {
            /// The AWS spelling.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(s) => s.as_str(),
                }
            }

            /// Parses the AWS spelling; unknown values become `Other`.
            #[must_use]
            pub fn parse(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

aws_enum!(
    /// Lifecycle state of a Transit Gateway, route table or VPC-level resource.
    ResourceState {
        Pending => "pending",
        Available => "available",
        Modifying => "modifying",
        Deleting => "deleting",
        Deleted => "deleted",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for ResourceState {
    fn default() -> Self {
        Self::Available
    }
}

aws_enum!(
    /// State of a TGW attachment (VPC, peering, VPN, ...), including the peering lifecycle.
    AttachmentState {
        InitiatingRequest => "initiatingRequest",
        Initiating => "initiating",
        PendingAcceptance => "pendingAcceptance",
        RollingBack => "rollingBack",
        Pending => "pending",
        Available => "available",
        Modifying => "modifying",
        Deleting => "deleting",
        Deleted => "deleted",
        Failed => "failed",
        Failing => "failing",
        Rejected => "rejected",
        Rejecting => "rejecting",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for AttachmentState {
    fn default() -> Self {
        Self::Available
    }
}

impl AttachmentState {
    /// True when traffic can flow over the attachment.
    #[must_use]
    pub fn is_usable(&self) -> bool {
        matches!(self, Self::Available | Self::Modifying)
    }

    /// True when the attachment is going away or never came to be (deleting,
    /// deleted, rejected, failed, or on the way there): it never becomes available.
    #[must_use]
    pub fn never_available(&self) -> bool {
        matches!(
            self,
            Self::Deleting
                | Self::Deleted
                | Self::Failing
                | Self::Failed
                | Self::Rejecting
                | Self::Rejected
                | Self::RollingBack
        )
    }
}

aws_enum!(
    /// What a TGW attachment connects to.
    AttachmentKind {
        Vpc => "vpc",
        Peering => "peering",
        Vpn => "vpn",
        DirectConnectGateway => "direct-connect-gateway",
        Connect => "connect",
        NetworkFunction => "network-function",
        TgwPeering => "tgw-peering",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for AttachmentKind {
    fn default() -> Self {
        Self::Vpc
    }
}

aws_enum!(
    /// Static or propagated TGW route.
    RouteType {
        Static => "static",
        Propagated => "propagated",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for RouteType {
    fn default() -> Self {
        Self::Static
    }
}

aws_enum!(
    /// State of a TGW or VPC route.
    RouteState {
        Active => "active",
        Blackhole => "blackhole",
        Pending => "pending",
        Deleting => "deleting",
        Deleted => "deleted",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for RouteState {
    fn default() -> Self {
        Self::Active
    }
}

aws_enum!(
    /// `enable`/`disable` options of a Transit Gateway.
    Toggle {
        Enable => "enable",
        Disable => "disable",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for Toggle {
    fn default() -> Self {
        Self::Disable
    }
}

aws_enum!(
    /// SSM agent ping status of a managed instance.
    PingStatus {
        Online => "Online",
        ConnectionLost => "ConnectionLost",
        Inactive => "Inactive",
    }
);

aws_enum!(
    /// Network Firewall rule group type.
    RuleGroupKind {
        Stateless => "STATELESS",
        Stateful => "STATEFUL",
    }
);

// `aws_enum!` variants cannot carry `#[default]`, so the impl is written out.
#[allow(clippy::derivable_impls)]
impl Default for RuleGroupKind {
    fn default() -> Self {
        Self::Stateful
    }
}

/// The AWS account an estate belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Account {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// A Transit Gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    pub owner_id: String,
    pub state: ResourceState,
    pub asn: u64,
    pub default_route_table_association: Toggle,
    pub default_route_table_propagation: Toggle,
    pub association_default_route_table_id: Option<String>,
    pub propagation_default_route_table_id: Option<String>,
    pub dns_support: Toggle,
    pub vpn_ecmp_support: Toggle,
    pub cidr_blocks: Vec<String>,
}

/// Where a TGW route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RouteTarget {
    pub attachment_id: String,
    pub resource_type: Option<AttachmentKind>,
    pub resource_id: Option<String>,
}

/// What a route matches: a CIDR or a managed prefix list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Cidr(IpNet),
    PrefixList(String),
}

impl Destination {
    /// The CIDR, when the destination is one.
    #[must_use]
    pub fn cidr(&self) -> Option<IpNet> {
        match self {
            Self::Cidr(net) => Some(*net),
            Self::PrefixList(_) => None,
        }
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cidr(net) => write!(f, "{net}"),
            Self::PrefixList(pl) => f.write_str(pl),
        }
    }
}

/// A route in a TGW route table. Identified by (`route_table_id`, `destination`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgwRoute {
    #[serde(default)]
    pub route_table_id: String,
    #[serde(default)]
    pub region: String,
    pub destination: Destination,
    #[serde(default)]
    pub route_type: RouteType,
    #[serde(default)]
    pub state: RouteState,
    /// Several targets mean ECMP (VPN) paths.
    #[serde(default)]
    pub targets: Vec<RouteTarget>,
    /// Not read but derived by netops: a propagated route of a snapshot that captured
    /// only static routes, worked out from the table's propagations.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
    /// The prefix list a CIDR route stands for: a TGW route table shows each entry of
    /// a referenced prefix list as a route of its own, which ranks as the reference
    /// does (below a static route to the same CIDR, above a propagated one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
}

/// An attachment associated with (or propagating into) a TGW route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RouteTableLink {
    pub attachment_id: String,
    pub resource_type: Option<AttachmentKind>,
    pub resource_id: Option<String>,
    pub state: String,
}

/// A TGW route table with its associations, propagations and routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct TgwRouteTable {
    pub id: String,
    pub region: String,
    pub tgw_id: String,
    pub name: Option<String>,
    pub state: ResourceState,
    pub default_association: bool,
    pub default_propagation: bool,
    pub associations: Vec<RouteTableLink>,
    pub propagations: Vec<RouteTableLink>,
    pub routes: Vec<TgwRoute>,
}

/// The route table an attachment is associated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct AttachmentAssociation {
    pub route_table_id: String,
    pub state: String,
}

/// A TGW attachment of any kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct TgwAttachment {
    pub id: String,
    pub region: String,
    pub tgw_id: String,
    pub tgw_owner_id: Option<String>,
    pub name: Option<String>,
    pub kind: AttachmentKind,
    pub state: AttachmentState,
    /// VPC id, peer TGW id, VPN connection id, DX gateway id...
    pub resource_id: Option<String>,
    pub resource_owner_id: Option<String>,
    pub association: Option<AttachmentAssociation>,
    /// VPC attachments only: the TGW subnets, one per AZ.
    pub subnet_ids: Vec<String>,
    /// VPC attachments only; `None` when not applicable or unknown.
    pub appliance_mode: Option<bool>,
}

/// One side of a TGW peering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PeeringSide {
    pub tgw_id: String,
    pub region: String,
    pub account_id: String,
}

/// A TGW peering attachment. The same `id` is visible in both regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    pub id: String,
    /// The region this record was read in.
    pub region: String,
    pub name: Option<String>,
    pub state: AttachmentState,
    pub status_message: Option<String>,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
    /// The attachment's tags (a change request's `netops:request-id` among them).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Peering {
    /// The side that is not in `region` (for jumping across the peering).
    #[must_use]
    pub fn other_side(&self, region: &str) -> &PeeringSide {
        if self.requester.region == region {
            &self.accepter
        } else {
            &self.requester
        }
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    pub owner_id: String,
    pub state: ResourceState,
    pub cidr_blocks: Vec<IpNet>,
    pub is_default: bool,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub name: Option<String>,
    pub cidr: Option<IpNet>,
    pub availability_zone: String,
    pub availability_zone_id: Option<String>,
    /// The account that owns it (AWS's `OwnerId`), when known: in a shared VPC a
    /// participant's instance sits in the owner's subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

/// What a VPC route sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum VpcRouteTarget {
    Local,
    InternetGateway(String),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    TransitGateway(String),
    /// Firewall or Gateway Load Balancer endpoint (`vpce-…`).
    VpcEndpoint(String),
    PeeringConnection(String),
    NetworkInterface(String),
    VpnGateway(String),
    Instance(String),
    CarrierGateway(String),
    LocalGateway(String),
    CoreNetwork(String),
    Unknown(String),
}

impl VpcRouteTarget {
    /// The target id as AWS shows it (`local` for the VPC's own range).
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::Local => "local",
            Self::InternetGateway(id)
            | Self::EgressOnlyInternetGateway(id)
            | Self::NatGateway(id)
            | Self::TransitGateway(id)
            | Self::VpcEndpoint(id)
            | Self::PeeringConnection(id)
            | Self::NetworkInterface(id)
            | Self::VpnGateway(id)
            | Self::Instance(id)
            | Self::CarrierGateway(id)
            | Self::LocalGateway(id)
            | Self::CoreNetwork(id)
            | Self::Unknown(id) => id,
        }
    }

    /// Classifies a gateway id by its prefix, as the EC2 API reports `GatewayId`.
    #[must_use]
    pub fn from_gateway_id(id: &str) -> Self {
        if id == "local" {
            Self::Local
        } else if id.starts_with("igw-") {
            Self::InternetGateway(id.to_string())
        } else if id.starts_with("vpce-") {
            Self::VpcEndpoint(id.to_string())
        } else if id.starts_with("vgw-") {
            Self::VpnGateway(id.to_string())
        } else if id.starts_with("nat-") {
            Self::NatGateway(id.to_string())
        } else if id.starts_with("tgw-") {
            Self::TransitGateway(id.to_string())
        } else {
            Self::Unknown(id.to_string())
        }
    }
}

impl std::fmt::Display for VpcRouteTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A route in a VPC route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcRoute {
    pub destination: Destination,
    pub target: VpcRouteTarget,
    #[serde(default)]
    pub state: RouteState,
}

/// A subnet (or gateway) association of a VPC route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VpcRouteTableAssociation {
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
    pub main: bool,
}

/// A VPC route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VpcRouteTable {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub name: Option<String>,
    pub associations: Vec<VpcRouteTableAssociation>,
    pub routes: Vec<VpcRoute>,
    /// The account that owns it (AWS's `OwnerId`), when known: in a shared VPC a
    /// participant's instance sits in the owner's subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

impl VpcRouteTable {
    /// True when this is the VPC's main route table.
    #[must_use]
    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    pub vpc_ids: Vec<String>,
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    pub vpc_id: String,
    pub subnet_id: String,
    pub state: String,
    /// `public` or `private`.
    pub connectivity: String,
    pub public_ips: Vec<IpAddr>,
    pub private_ips: Vec<IpAddr>,
}

/// A VPC endpoint (interface, gateway, or Gateway Load Balancer / firewall).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Interface`, `Gateway` or `GatewayLoadBalancer`.
    pub endpoint_type: String,
    pub state: String,
    pub subnet_ids: Vec<String>,
}

/// A Network Firewall endpoint in one AZ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct FirewallEndpoint {
    pub availability_zone: String,
    pub subnet_id: String,
    pub endpoint_id: Option<String>,
    pub status: Option<String>,
}

/// An AWS Network Firewall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NetworkFirewall {
    /// The firewall id (the name is separate, as in the API).
    pub id: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub vpc_id: String,
    pub policy_arn: String,
    pub endpoints: Vec<FirewallEndpoint>,
}

/// A rule group referenced by a firewall policy, with its priority (stateful
/// STRICT_ORDER and stateless references carry one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RuleGroupRef {
    pub arn: String,
    pub priority: Option<i32>,
    /// Stateful references only: `DROP_TO_ALERT` turns the group's drops into alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_action: Option<String>,
    /// Stateful references only: Deep Threat Inspection (AWS-managed threat groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deep_threat_inspection: Option<bool>,
}

/// A Network Firewall policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct FirewallPolicy {
    pub id: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    /// Needed for any change: a stale token is rejected (optimistic concurrency).
    pub update_token: Option<String>,
    pub stateless_default_actions: Vec<String>,
    pub stateless_fragment_default_actions: Vec<String>,
    /// `STRICT_ORDER` or `DEFAULT_ACTION_ORDER`.
    pub stateful_rule_order: Option<String>,
    pub stateful_default_actions: Vec<String>,
    pub stateless_rule_groups: Vec<RuleGroupRef>,
    pub stateful_rule_groups: Vec<RuleGroupRef>,
    /// `PolicyVariables.RuleVariables`: IP set name (e.g. `HOME_NET`) → CIDRs. When
    /// `HOME_NET` is absent, Network Firewall uses the inspection VPC's CIDRs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub policy_variables: BTreeMap<String, Vec<String>>,
    /// Rule groups netops disabled: their references, removed from the policy, as
    /// recorded in the policy's `netops:disabled:<group>` tags (see
    /// [`DisabledGroup`]), so every operator's netops sees them and can restore them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled: Vec<DisabledGroup>,
}

impl FirewallPolicy {
    /// Removes `group`'s reference (by ARN), answering the record of what was
    /// removed, which it also keeps in [`FirewallPolicy::disabled`]. The one place the
    /// model's toggle is written: the simulator and the impact projection use it.
    ///
    /// # Errors
    /// The group is not referenced (named; "already disabled" when it is recorded).
    pub fn disable_group(
        &mut self,
        group_arn: &str,
        group_name: &str,
    ) -> Result<DisabledGroup, crate::error::CommandError> {
        use crate::error::{CommandError, ErrorKind};
        let found = [
            (RuleGroupKind::Stateful, &mut self.stateful_rule_groups),
            (RuleGroupKind::Stateless, &mut self.stateless_rule_groups),
        ]
        .into_iter()
        .find_map(|(kind, refs)| {
            let i = refs.iter().position(|r| r.arn == group_arn)?;
            Some((kind, refs.remove(i)))
        });
        let Some((kind, reference)) = found else {
            return Err(
                if self.disabled.iter().any(|d| d.reference.arn == group_arn) {
                    CommandError::new(
                        ErrorKind::IncorrectState,
                        format!("{group_name} is already disabled in {}", self.name),
                    )
                } else {
                    CommandError::new(
                        ErrorKind::NotFound,
                        format!("{} does not reference rule group {group_name}", self.name),
                    )
                },
            );
        };
        let record = DisabledGroup {
            name: group_name.to_string(),
            kind,
            reference,
        };
        self.disabled.retain(|d| d.name != group_name);
        self.disabled.push(record.clone());
        self.disabled.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(record)
    }

    /// Puts a disabled group's reference back as it was recorded (priority,
    /// override), keeping the references in priority order.
    ///
    /// # Errors
    /// No record of the group (named; "not disabled" when it is referenced), or its
    /// priority is taken by another group now.
    pub fn enable_group(
        &mut self,
        group_arn: &str,
        group_name: &str,
    ) -> Result<DisabledGroup, crate::error::CommandError> {
        use crate::error::{CommandError, ErrorKind};
        let Some(i) = self
            .disabled
            .iter()
            .position(|d| d.reference.arn == group_arn)
        else {
            let referenced = self
                .stateful_rule_groups
                .iter()
                .chain(&self.stateless_rule_groups)
                .any(|r| r.arn == group_arn);
            return Err(if referenced {
                CommandError::new(
                    ErrorKind::IncorrectState,
                    format!(
                        "{group_name} is not disabled in {}: it is referenced",
                        self.name
                    ),
                )
            } else {
                CommandError::new(
                    ErrorKind::NotFound,
                    format!(
                        "{} has no record of rule group {group_name} (no {DISABLED_TAG_PREFIX}{group_name} tag): netops did not disable it",
                        self.name
                    ),
                )
            });
        };
        let record = self.disabled[i].clone();
        let refs = match record.kind {
            RuleGroupKind::Stateless => &mut self.stateless_rule_groups,
            _ => &mut self.stateful_rule_groups,
        };
        if let Some(p) = record.reference.priority
            && let Some(taken) = refs.iter().find(|r| r.priority == Some(p))
        {
            return Err(CommandError::new(
                ErrorKind::IncorrectState,
                format!(
                    "priority {p} in {} is taken by {} now: {group_name} cannot go back to it",
                    self.name, taken.arn
                ),
            ));
        }
        refs.push(record.reference.clone());
        refs.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
        self.disabled.remove(i);
        Ok(record)
    }
}

/// The tag key prefix that records a disabled rule group on its policy.
pub const DISABLED_TAG_PREFIX: &str = "netops:disabled:";

/// A rule group reference removed from a policy by `fw disable`, kept (as a tag on
/// the policy) with everything needed to put it back as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct DisabledGroup {
    /// The rule group's name (the tag key's suffix).
    pub name: String,
    pub kind: RuleGroupKind,
    /// The reference as it was: ARN, priority, override action.
    pub reference: RuleGroupRef,
}

impl DisabledGroup {
    /// The tag that records it: `netops:disabled:<name>` =
    /// `STATEFUL priority=20 override=DROP_TO_ALERT arn=arn:aws:…`. Network
    /// Firewall tag values take any characters up to 256.
    #[must_use]
    pub fn tag(&self) -> (String, String) {
        let mut value = self.kind.as_str().to_string();
        if let Some(p) = self.reference.priority {
            value.push_str(&format!(" priority={p}"));
        }
        if let Some(o) = &self.reference.override_action {
            value.push_str(&format!(" override={o}"));
        }
        if let Some(d) = self.reference.deep_threat_inspection {
            value.push_str(&format!(" deep-threat-inspection={d}"));
        }
        value.push_str(&format!(" arn={}", self.reference.arn));
        (format!("{DISABLED_TAG_PREFIX}{}", self.name), value)
    }

    /// Reads [`DisabledGroup::tag`]'s form back; `None` for any other tag or a value
    /// it cannot read (an unknown word, a bad number, no ARN).
    #[must_use]
    pub fn from_tag(key: &str, value: &str) -> Option<Self> {
        let name = key.strip_prefix(DISABLED_TAG_PREFIX)?;
        let mut words = value.split_whitespace();
        let kind = match words.next()? {
            "STATEFUL" => RuleGroupKind::Stateful,
            "STATELESS" => RuleGroupKind::Stateless,
            _ => return None,
        };
        let mut reference = RuleGroupRef::default();
        for w in words {
            let (k, v) = w.split_once('=')?;
            match k {
                "priority" => reference.priority = Some(v.parse().ok()?),
                "override" => reference.override_action = Some(v.to_string()),
                "deep-threat-inspection" => {
                    reference.deep_threat_inspection = Some(v.parse().ok()?);
                }
                "arn" => reference.arn = v.to_string(),
                _ => return None,
            }
        }
        if reference.arn.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self {
            name: name.to_string(),
            kind,
            reference,
        })
    }
}

/// A Network Firewall rule group (metadata; rules are summarised, not modelled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    pub id: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub kind: RuleGroupKind,
    pub capacity: Option<i32>,
    pub description: Option<String>,
    /// Suricata rules string, when the group is defined that way (AWS backends turn
    /// 5-tuple `StatefulRules` into this form too).
    pub rules_string: Option<String>,
    /// Stateful groups: `STRICT_ORDER` or `DEFAULT_ACTION_ORDER` (`StatefulRuleOptions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_order: Option<String>,
    /// `RuleVariables.IPSets`: name → CIDRs (may override `HOME_NET` for this group).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ip_sets: BTreeMap<String, Vec<String>>,
    /// `RuleVariables.PortSets`: name → port definitions (`443`, `8000:8080`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub port_sets: BTreeMap<String, Vec<String>>,
    /// Stateless groups: `StatelessRulesAndCustomActions.StatelessRules`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stateless_rules: Vec<StatelessRule>,
    /// What kind of rules source defines the group when it is neither a rules string
    /// nor stateless rules (e.g. `RulesSourceList` domain lists): the engine reports
    /// such groups as "not evaluated".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_source: Option<String>,
}

/// A port range of a stateless rule (`FromPort`..=`ToPort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

/// A stateless rule (`StatelessRule`: priority, match attributes, actions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct StatelessRule {
    /// Lower runs first; unique within the group.
    pub priority: i32,
    /// `aws:pass`, `aws:drop`, `aws:forward_to_sfe`, or custom action names.
    pub actions: Vec<String>,
    /// Source CIDRs; empty means any.
    pub sources: Vec<String>,
    /// Destination CIDRs; empty means any.
    pub destinations: Vec<String>,
    /// Empty means any.
    pub source_ports: Vec<PortRange>,
    /// Empty means any.
    pub destination_ports: Vec<PortRange>,
    /// IANA protocol numbers (6 TCP, 17 UDP, 1 ICMP); empty means any.
    pub protocols: Vec<u8>,
    /// True when the rule matches on TCP flags (the engine does not evaluate flags).
    pub tcp_flags: bool,
}

impl StatelessRule {
    /// The rule in one line, as `fw show` and the console print it:
    /// `priority 1: aws:drop (src any port any, dst any port 22, protocols 6)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let any = |v: &[String]| {
            if v.is_empty() {
                "any".to_string()
            } else {
                v.join(",")
            }
        };
        let ports = |v: &[PortRange]| {
            if v.is_empty() {
                "any".to_string()
            } else {
                v.iter()
                    .map(|r| {
                        if r.from == r.to {
                            r.from.to_string()
                        } else {
                            format!("{}:{}", r.from, r.to)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        let protocols = if self.protocols.is_empty() {
            "any".to_string()
        } else {
            self.protocols
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        format!(
            "priority {}: {} (src {} port {}, dst {} port {}, protocols {protocols}{})",
            self.priority,
            self.actions.join(", "),
            any(&self.sources),
            ports(&self.source_ports),
            any(&self.destinations),
            ports(&self.destination_ports),
            if self.tcp_flags { ", TCP flags" } else { "" }
        )
    }
}

/// An EC2 instance, with its SSM managed-instance status when SSM knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub private_ip: Option<IpAddr>,
    /// The public IPv4 address (auto-assigned or an Elastic IP), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<IpAddr>,
    /// The security groups of its primary interface.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    pub state: String,
    pub ssm: Option<SsmStatus>,
    /// The account that owns it (AWS's `OwnerId`), when known: in a shared VPC a
    /// participant's instance sits in the owner's subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

/// One rule of a security group (`IpPermission`, one per protocol and port range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6`, or a protocol number.
    pub protocol: String,
    /// TCP/UDP: the port range; ICMP: type and code; absent for all protocols.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// IPv4 and IPv6 ranges the rule allows.
    pub cidrs: Vec<IpNet>,
    /// Managed prefix lists the rule allows (entries not read).
    pub prefix_lists: Vec<String>,
    /// Security groups the rule allows (by member interfaces).
    pub groups: Vec<String>,
}

impl SgRule {
    /// What the rule allows, as AWS's console writes it: `all`, `tcp 443`,
    /// `udp 1024-65535`, `icmp 8--1` (ICMP type and code).
    #[must_use]
    pub fn traffic(&self) -> String {
        let proto = if self.protocol == "-1" {
            "all"
        } else {
            &self.protocol
        };
        match (self.from_port, self.to_port) {
            (Some(f), Some(t)) if f == t && f >= 0 => format!("{proto} {f}"),
            (Some(f), Some(t)) if f >= 0 => format!("{proto} {f}-{t}"),
            _ => proto.to_string(),
        }
    }

    /// Whom the rule allows: its ranges, groups and prefix lists, comma-separated.
    #[must_use]
    pub fn peers(&self) -> String {
        let mut peers: Vec<String> = self.cidrs.iter().map(ToString::to_string).collect();
        peers.extend(self.groups.iter().cloned());
        peers.extend(self.prefix_lists.iter().cloned());
        peers.join(",")
    }
}

/// A security group: stateful, allow rules only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub name: Option<String>,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    /// The account that owns it (AWS's `OwnerId`), when known: in a shared VPC a
    /// participant's instance sits in the owner's subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

/// One entry of a network ACL: stateless, evaluated by rule number, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    pub rule_number: i32,
    /// True for an outbound rule.
    pub egress: bool,
    /// `-1` (all) or a protocol number (`6`, `17`, `1`).
    pub protocol: String,
    /// `allow` or `deny`.
    pub allow: bool,
    /// IPv4 or IPv6 range.
    pub cidr: Option<IpNet>,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
}

/// A network ACL and the subnets it is associated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub subnet_ids: Vec<String>,
    pub entries: Vec<NaclEntry>,
}

/// An elastic network interface (an instance's, or one AWS manages for a TGW
/// attachment, NAT gateway or endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    /// `interface`, `transit_gateway`, `nat_gateway`, `vpc_endpoint`,
    /// `gateway_load_balancer_endpoint`, … as `InterfaceType` says.
    pub interface_type: String,
    pub private_ips: Vec<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<IpAddr>,
    /// The instance it is attached to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The account that owns it (AWS's `OwnerId`), when known: in a shared VPC a
    /// participant's instance sits in the owner's subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

/// One side of a VPC peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringSide {
    pub vpc_id: String,
    pub region: String,
    pub owner_id: String,
    pub cidr_blocks: Vec<IpNet>,
}

/// A VPC peering connection (`pcx-…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    pub id: String,
    pub region: String,
    pub name: Option<String>,
    /// `active`, `pending-acceptance`, `rejected`, `deleted`, …
    pub status: String,
    pub requester: VpcPeeringSide,
    pub accepter: VpcPeeringSide,
}

/// What SSM says about a managed instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsmStatus {
    pub ping_status: PingStatus,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub agent_version: Option<String>,
}

/// A piece of a region that could not be read while the rest was (for example
/// Network Firewall without permission). Reported, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// What could not be read, e.g. `network-firewall` or `ssm`.
    pub part: String,
    pub error: String,
}

/// Everything read from one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RegionEstate {
    pub region: String,
    pub tgws: Vec<TransitGateway>,
    pub tgw_route_tables: Vec<TgwRouteTable>,
    pub attachments: Vec<TgwAttachment>,
    pub peerings: Vec<Peering>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub vpc_route_tables: Vec<VpcRouteTable>,
    pub internet_gateways: Vec<InternetGateway>,
    pub nat_gateways: Vec<NatGateway>,
    pub vpc_endpoints: Vec<VpcEndpoint>,
    pub firewalls: Vec<NetworkFirewall>,
    pub firewall_policies: Vec<FirewallPolicy>,
    pub rule_groups: Vec<RuleGroup>,
    pub instances: Vec<Instance>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_peerings: Vec<VpcPeeringConnection>,
    /// Security groups; empty when not read (the trace then says they were not
    /// evaluated).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<SecurityGroup>,
    /// Network ACLs; empty when not read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_acls: Vec<NetworkAcl>,
    /// Managed prefix lists (customer- and AWS-managed) and the AWS service lists
    /// gateway endpoints route to; empty when none were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix_lists: Vec<PrefixList>,
    pub gaps: Vec<Gap>,
}

/// A prefix list: a named set of CIDRs a route (or a security group rule) can use as
/// its destination. AWS routes to every entry as if it were a route of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PrefixList {
    pub id: String,
    pub name: Option<String>,
    /// The account that owns it; `AWS` for the lists AWS manages.
    pub owner_id: Option<String>,
    /// `IPv4` or `IPv6`.
    pub address_family: Option<String>,
    pub max_entries: Option<i32>,
    /// `create-complete`, `modify-complete`…; empty for the AWS service lists.
    pub state: String,
    /// The entries, or `None` when they were not read (routes to the list are then
    /// "not evaluated").
    pub entries: Option<Vec<IpNet>>,
}

impl PrefixList {
    /// Its name, else its id.
    #[must_use]
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

impl RegionEstate {
    /// An empty estate for `region`.
    #[must_use]
    pub fn new(region: &str) -> Self {
        Self {
            region: region.to_string(),
            ..Self::default()
        }
    }

    /// The ids of every object the region holds that carries its own id (peerings
    /// aside: a peering shows the same id in both regions).
    pub fn object_ids(&self) -> impl Iterator<Item = &String> {
        self.tgws
            .iter()
            .map(|x| &x.id)
            .chain(self.tgw_route_tables.iter().map(|x| &x.id))
            .chain(self.attachments.iter().map(|x| &x.id))
            .chain(self.vpcs.iter().map(|x| &x.id))
            .chain(self.subnets.iter().map(|x| &x.id))
            .chain(self.vpc_route_tables.iter().map(|x| &x.id))
            .chain(self.internet_gateways.iter().map(|x| &x.id))
            .chain(self.nat_gateways.iter().map(|x| &x.id))
            .chain(self.vpc_endpoints.iter().map(|x| &x.id))
            .chain(self.instances.iter().map(|x| &x.id))
            .chain(self.network_interfaces.iter().map(|x| &x.id))
    }

    /// Records that a part of the region could not be read (e.g. `network-firewall`),
    /// so it is reported rather than silently missing.
    pub fn add_gap(&mut self, part: &str, error: &str) {
        self.gaps.push(Gap {
            part: part.to_string(),
            error: error.to_string(),
        });
    }

    /// The ids of the prefix lists the region uses: route destinations (VPC and TGW)
    /// and security group rules.
    #[must_use]
    pub fn prefix_lists_used(&self) -> std::collections::BTreeSet<String> {
        let routes = self
            .vpc_route_tables
            .iter()
            .flat_map(|t| t.routes.iter().map(|r| &r.destination))
            .chain(
                self.tgw_route_tables
                    .iter()
                    .flat_map(|t| t.routes.iter().map(|r| &r.destination)),
            )
            .filter_map(|d| match d {
                Destination::PrefixList(id) => Some(id.clone()),
                Destination::Cidr(_) => None,
            });
        let rules = self
            .security_groups
            .iter()
            .flat_map(|g| g.ingress.iter().chain(g.egress.iter()))
            .flat_map(|r| r.prefix_lists.iter().cloned());
        routes.chain(rules).collect()
    }

    /// Number of TGW routes in this region (all tables).
    #[must_use]
    pub fn route_count(&self) -> usize {
        self.tgw_route_tables.iter().map(|t| t.routes.len()).sum()
    }
}

/// The load state of one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RegionLoad {
    Loading,
    Loaded {
        estate: Box<RegionEstate>,
    },
    /// The region could not be read; the error keeps its kind.
    Failed {
        error: crate::error::BackendError,
    },
}

/// The whole estate: every region that was asked for, loaded or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Estate {
    pub account: Option<Account>,
    pub regions: BTreeMap<String, RegionLoad>,
}

impl Estate {
    /// Regions that loaded, in name order.
    pub fn loaded(&self) -> impl Iterator<Item = &RegionEstate> {
        self.regions.values().filter_map(|r| match r {
            RegionLoad::Loaded { estate } => Some(estate.as_ref()),
            _ => None,
        })
    }

    /// Regions that failed, with their errors.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.regions.iter().filter_map(|(name, r)| match r {
            RegionLoad::Failed { error } => Some((name.as_str(), error.message.as_str())),
            _ => None,
        })
    }

    /// The accounts the estate spans: those whose TGWs, VPCs and instances it holds
    /// (with how many of each, every region), and those not read (a gap named
    /// `account ID`), with why.
    #[must_use]
    pub fn accounts(&self) -> (BTreeMap<String, [usize; 3]>, BTreeMap<String, String>) {
        let mut seen: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        let mut unread = BTreeMap::new();
        let mut count = |owner: &str, i: usize| {
            if !owner.is_empty() {
                seen.entry(owner.to_string()).or_default()[i] += 1;
            }
        };
        for r in self.loaded() {
            for t in &r.tgws {
                count(&t.owner_id, 0);
            }
            for v in &r.vpcs {
                count(&v.owner_id, 1);
            }
            for i in &r.instances {
                let owner = i.owner_id.clone().or_else(|| {
                    let vpc = i.vpc_id.as_deref()?;
                    r.vpcs
                        .iter()
                        .find(|v| v.id == vpc)
                        .map(|v| v.owner_id.clone())
                });
                count(owner.as_deref().unwrap_or_default(), 2);
            }
            for g in &r.gaps {
                if let Some(id) = g.part.strip_prefix("account ") {
                    unread
                        .entry(id.to_string())
                        .or_insert_with(|| g.error.clone());
                }
            }
        }
        (seen, unread)
    }

    /// The loaded estate of one region.
    #[must_use]
    pub fn region(&self, region: &str) -> Option<&RegionEstate> {
        match self.regions.get(region) {
            Some(RegionLoad::Loaded { estate }) => Some(estate),
            _ => None,
        }
    }
}

/// The `Name` tag out of a list of (key, value) tags.
#[must_use]
pub fn name_tag<'a, I>(tags: I) -> Option<String>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    tags.into_iter()
        .find(|(k, _)| *k == "Name")
        .map(|(_, v)| v.to_string())
}
