//! A change as data: what the console and `--batch` plan, preview, confirm, log and
//! compare before anything is sent, and what the backends send. Its meaning (what AWS
//! refuses, what it does to an estate) is [`crate::net::change`]'s.
//!
//! Invariants:
//! - A change names its region and may be a dry run; it carries no client or SDK type.
//! - It serializes as data (the audit log and JSON output show it as it is).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The tag key a peering request is tagged with, so a create whose outcome is
/// unknown can be found again.
pub const REQUEST_TAG_KEY: &str = "netops:request-id";

/// Where a TGW route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TgwRouteTarget {
    /// A TGW attachment (`tgw-attach-…`).
    Attachment(String),
    /// Drop the traffic.
    Blackhole,
}

/// Where a VPC route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcTarget {
    /// `tgw-…`
    TransitGateway(String),
    /// `nat-…`
    NatGateway(String),
    /// `igw-…`
    InternetGateway(String),
    /// `vpce-…` (Network Firewall or Gateway Load Balancer endpoint)
    VpcEndpoint(String),
    /// `pcx-…`
    PeeringConnection(String),
    /// `eni-…`
    NetworkInterface(String),
}

impl VpcTarget {
    /// The target id.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::TransitGateway(id)
            | Self::NatGateway(id)
            | Self::InternetGateway(id)
            | Self::VpcEndpoint(id)
            | Self::PeeringConnection(id)
            | Self::NetworkInterface(id) => id,
        }
    }

    /// The model's view of this target.
    #[must_use]
    pub fn to_model(&self) -> crate::model::VpcRouteTarget {
        use crate::model::VpcRouteTarget as M;
        match self {
            Self::TransitGateway(id) => M::TransitGateway(id.clone()),
            Self::NatGateway(id) => M::NatGateway(id.clone()),
            Self::InternetGateway(id) => M::InternetGateway(id.clone()),
            Self::VpcEndpoint(id) => M::VpcEndpoint(id.clone()),
            Self::PeeringConnection(id) => M::PeeringConnection(id.clone()),
            Self::NetworkInterface(id) => M::NetworkInterface(id.clone()),
        }
    }
}

/// One change, as EC2 names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// `CreateTransitGatewayRoute` (static).
    CreateTgwRoute {
        route_table_id: String,
        cidr: IpNet,
        target: TgwRouteTarget,
    },
    /// `ReplaceTransitGatewayRoute`.
    ReplaceTgwRoute {
        route_table_id: String,
        cidr: IpNet,
        target: TgwRouteTarget,
    },
    /// `DeleteTransitGatewayRoute`.
    DeleteTgwRoute { route_table_id: String, cidr: IpNet },
    /// `AssociateTransitGatewayRouteTable`.
    AssociateTgwRouteTable {
        route_table_id: String,
        attachment_id: String,
    },
    /// `DisassociateTransitGatewayRouteTable`.
    DisassociateTgwRouteTable {
        route_table_id: String,
        attachment_id: String,
    },
    /// `EnableTransitGatewayRouteTablePropagation`.
    EnablePropagation {
        route_table_id: String,
        attachment_id: String,
    },
    /// `DisableTransitGatewayRouteTablePropagation`.
    DisablePropagation {
        route_table_id: String,
        attachment_id: String,
    },
    /// `CreateTransitGatewayPeeringAttachment`, in the requester's region, tagged
    /// [`REQUEST_TAG_KEY`]` = request_tag`.
    CreatePeering {
        tgw_id: String,
        peer_tgw_id: String,
        peer_region: String,
        peer_account_id: String,
        request_tag: String,
    },
    /// `AcceptTransitGatewayPeeringAttachment`, in the accepter's region.
    AcceptPeering { attachment_id: String },
    /// `RejectTransitGatewayPeeringAttachment`, in the accepter's region.
    RejectPeering { attachment_id: String },
    /// `DeleteTransitGatewayPeeringAttachment`.
    DeletePeering { attachment_id: String },
    /// `AcceptTransitGatewayVpcAttachment`.
    AcceptVpcAttachment { attachment_id: String },
    /// `RejectTransitGatewayVpcAttachment`.
    RejectVpcAttachment { attachment_id: String },
    /// `ModifyTransitGatewayVpcAttachment` with `ApplianceModeSupport`: whether the TGW
    /// keeps both directions of a flow on one AZ's attachment subnet (what a stateful
    /// inspection VPC needs).
    SetApplianceMode { attachment_id: String, on: bool },
    /// `CreateRoute` in a VPC route table.
    CreateVpcRoute {
        route_table_id: String,
        cidr: IpNet,
        target: VpcTarget,
    },
    /// `ReplaceRoute` in a VPC route table.
    ReplaceVpcRoute {
        route_table_id: String,
        cidr: IpNet,
        target: VpcTarget,
    },
    /// `DeleteRoute` in a VPC route table.
    DeleteVpcRoute { route_table_id: String, cidr: IpNet },
    /// Network Firewall: remove a rule group's reference from a policy, recorded
    /// first as a [`crate::model::DisabledGroup`] tag on the policy (`TagResource`,
    /// then `UpdateFirewallPolicy` on the document exactly as `DescribeFirewallPolicy`
    /// returned it, with its `UpdateToken`).
    DisableRuleGroup(RuleGroupToggle),
    /// Network Firewall: put a disabled group's reference back as its tag recorded
    /// it (priority, override), then remove the tag (`UntagResource`).
    EnableRuleGroup(RuleGroupToggle),
}

/// Which rule group of which policy a toggle is about, and the policy version the
/// preview was computed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleGroupToggle {
    pub policy_arn: String,
    pub policy_name: String,
    pub group_arn: String,
    pub group_name: String,
    /// The policy's `UpdateToken` when the plan was made. The changer refuses with
    /// `Conflict` when the policy it reads has another token (someone changed it
    /// since the preview), and `UpdateFirewallPolicy` refuses a stale one too
    /// (`InvalidTokenException`): nobody's change is overwritten. `None`: the token was
    /// not read (the changer then uses the one it reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_token: Option<String>,
}

impl Change {
    /// The rule group toggle, for the two Network Firewall changes.
    #[must_use]
    pub fn toggle(&self) -> Option<(&RuleGroupToggle, bool)> {
        match self {
            Self::DisableRuleGroup(t) => Some((t, false)),
            Self::EnableRuleGroup(t) => Some((t, true)),
            _ => None,
        }
    }
}

impl Change {
    /// The route table and destination of a route change (TGW or VPC).
    #[must_use]
    pub fn route(&self) -> Option<(&str, IpNet)> {
        match self {
            Self::CreateTgwRoute {
                route_table_id,
                cidr,
                ..
            }
            | Self::ReplaceTgwRoute {
                route_table_id,
                cidr,
                ..
            }
            | Self::DeleteTgwRoute {
                route_table_id,
                cidr,
            }
            | Self::CreateVpcRoute {
                route_table_id,
                cidr,
                ..
            }
            | Self::ReplaceVpcRoute {
                route_table_id,
                cidr,
                ..
            }
            | Self::DeleteVpcRoute {
                route_table_id,
                cidr,
            } => Some((route_table_id, *cidr)),
            _ => None,
        }
    }

    /// The attachment (or peering) a change is about, and the TGW route table when
    /// it links one to the other.
    #[must_use]
    pub fn attachment(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Self::AssociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Self::DisassociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Self::EnablePropagation {
                route_table_id,
                attachment_id,
            }
            | Self::DisablePropagation {
                route_table_id,
                attachment_id,
            } => Some((attachment_id, Some(route_table_id))),
            Self::AcceptPeering { attachment_id }
            | Self::RejectPeering { attachment_id }
            | Self::DeletePeering { attachment_id }
            | Self::AcceptVpcAttachment { attachment_id }
            | Self::RejectVpcAttachment { attachment_id }
            | Self::SetApplianceMode { attachment_id, .. } => Some((attachment_id, None)),
            _ => None,
        }
    }

    /// The object a preview row names for this change (`tgw-rtb-… 10.9.0.0/16`,
    /// `tgw-attach-… in tgw-rtb-…`, `tgw-attach-…`).
    #[must_use]
    pub fn object(&self) -> String {
        if let Some((table, cidr)) = self.route() {
            return format!("{table} {cidr}");
        }
        match self.attachment() {
            Some((att, Some(table))) => format!("{att} in {table}"),
            Some((att, None)) => att.to_string(),
            None => match self {
                Self::CreatePeering {
                    tgw_id,
                    peer_tgw_id,
                    ..
                } => format!("{tgw_id} ↔ {peer_tgw_id}"),
                Self::DisableRuleGroup(t) | Self::EnableRuleGroup(t) => {
                    format!("{} in {}", t.group_name, t.policy_name)
                }
                _ => String::new(),
            },
        }
    }

    /// The EC2 action that carries it out.
    #[must_use]
    pub fn action(&self) -> &'static str {
        match self {
            Self::CreateTgwRoute { .. } => "CreateTransitGatewayRoute",
            Self::ReplaceTgwRoute { .. } => "ReplaceTransitGatewayRoute",
            Self::DeleteTgwRoute { .. } => "DeleteTransitGatewayRoute",
            Self::AssociateTgwRouteTable { .. } => "AssociateTransitGatewayRouteTable",
            Self::DisassociateTgwRouteTable { .. } => "DisassociateTransitGatewayRouteTable",
            Self::EnablePropagation { .. } => "EnableTransitGatewayRouteTablePropagation",
            Self::DisablePropagation { .. } => "DisableTransitGatewayRouteTablePropagation",
            Self::CreatePeering { .. } => "CreateTransitGatewayPeeringAttachment",
            Self::AcceptPeering { .. } => "AcceptTransitGatewayPeeringAttachment",
            Self::RejectPeering { .. } => "RejectTransitGatewayPeeringAttachment",
            Self::DeletePeering { .. } => "DeleteTransitGatewayPeeringAttachment",
            Self::AcceptVpcAttachment { .. } => "AcceptTransitGatewayVpcAttachment",
            Self::RejectVpcAttachment { .. } => "RejectTransitGatewayVpcAttachment",
            Self::SetApplianceMode { .. } => "ModifyTransitGatewayVpcAttachment",
            Self::CreateVpcRoute { .. } => "CreateRoute",
            Self::ReplaceVpcRoute { .. } => "ReplaceRoute",
            Self::DeleteVpcRoute { .. } => "DeleteRoute",
            Self::DisableRuleGroup(_) | Self::EnableRuleGroup(_) => "UpdateFirewallPolicy",
        }
    }
}

/// A change in one region, possibly a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeOp {
    pub region: String,
    /// The account the change must run in when it is not the one netops reads as
    /// (accepting a peering requested from another account): its changer comes from
    /// `--peer-profile` or the config's profile mapping. `None`: this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Ask AWS whether the change would be allowed, changing nothing (EC2 `DryRun`).
    pub dry_run: bool,
    pub change: Change,
}

impl ChangeOp {
    /// A change in `region`.
    #[must_use]
    pub fn new(region: &str, change: Change) -> Self {
        Self {
            region: region.to_string(),
            account: None,
            dry_run: false,
            change,
        }
    }

    /// The same change, run in another account.
    #[must_use]
    pub fn in_account(mut self, account: &str) -> Self {
        self.account = Some(account.to_string());
        self
    }

    /// The same change as a dry run.
    #[must_use]
    pub fn as_dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// The EC2 action that carries it out.
    #[must_use]
    pub fn action(&self) -> &'static str {
        self.change.action()
    }

    /// True when repeating the call after an unknown outcome cannot do harm: the
    /// second call changes nothing more (it answers "already exists" or "incorrect
    /// state"). Creating a peering is not: each call creates another attachment.
    #[must_use]
    pub fn is_idempotent(&self) -> bool {
        !matches!(self.change, Change::CreatePeering { .. })
    }

    /// True when applying it changes the network (everything but a dry run).
    #[must_use]
    pub fn mutates(&self) -> bool {
        !self.dry_run
    }

    /// The equivalent AWS CLI command, with `--region` (and `--dry-run` for a dry run).
    #[must_use]
    pub fn aws_cli(&self) -> String {
        if let Some((t, enable)) = self.change.toggle() {
            let q =
                |v: &str| shlex::try_quote(v).map_or_else(|_| v.to_string(), |q| q.into_owned());
            let (key, _) = crate::model::DisabledGroup {
                name: t.group_name.clone(),
                ..Default::default()
            }
            .tag();
            let token = t.update_token.as_deref().unwrap_or("TOKEN");
            let update = format!(
                "aws network-firewall update-firewall-policy --region {} --firewall-policy-arn {} --update-token {} --firewall-policy file://policy.json",
                q(&self.region),
                q(&t.policy_arn),
                q(token)
            );
            return if enable {
                format!(
                    "{update} && aws network-firewall untag-resource --region {} --resource-arn {} --tag-keys {}",
                    q(&self.region),
                    q(&t.policy_arn),
                    q(&key)
                )
            } else {
                format!(
                    "aws network-firewall tag-resource --region {} --resource-arn {} --tags Key={},Value=… && {update}",
                    q(&self.region),
                    q(&t.policy_arn),
                    q(&key)
                )
            };
        }
        let mut words: Vec<String> = vec!["aws".into(), "ec2".into()];
        fn arg(words: &mut Vec<String>, flag: &str, value: &str) {
            words.push(format!("--{flag}"));
            words.push(
                shlex::try_quote(value).map_or_else(|_| value.to_string(), |q| q.into_owned()),
            );
        }
        let (sub, args): (&str, Vec<(&str, String)>) = match &self.change {
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
                let mut a = vec![
                    ("transit-gateway-route-table-id", route_table_id.clone()),
                    ("destination-cidr-block", cidr.to_string()),
                ];
                match target {
                    TgwRouteTarget::Attachment(id) => {
                        a.push(("transit-gateway-attachment-id", id.clone()));
                    }
                    TgwRouteTarget::Blackhole => a.push(("blackhole", String::new())),
                }
                let sub = if matches!(self.change, Change::CreateTgwRoute { .. }) {
                    "create-transit-gateway-route"
                } else {
                    "replace-transit-gateway-route"
                };
                (sub, a)
            }
            Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            } => (
                "delete-transit-gateway-route",
                vec![
                    ("transit-gateway-route-table-id", route_table_id.clone()),
                    ("destination-cidr-block", cidr.to_string()),
                ],
            ),
            Change::AssociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Change::DisassociateTgwRouteTable {
                route_table_id,
                attachment_id,
            }
            | Change::EnablePropagation {
                route_table_id,
                attachment_id,
            }
            | Change::DisablePropagation {
                route_table_id,
                attachment_id,
            } => (
                match &self.change {
                    Change::AssociateTgwRouteTable { .. } => {
                        "associate-transit-gateway-route-table"
                    }
                    Change::DisassociateTgwRouteTable { .. } => {
                        "disassociate-transit-gateway-route-table"
                    }
                    Change::EnablePropagation { .. } => {
                        "enable-transit-gateway-route-table-propagation"
                    }
                    _ => "disable-transit-gateway-route-table-propagation",
                },
                vec![
                    ("transit-gateway-route-table-id", route_table_id.clone()),
                    ("transit-gateway-attachment-id", attachment_id.clone()),
                ],
            ),
            Change::CreatePeering {
                tgw_id,
                peer_tgw_id,
                peer_region,
                peer_account_id,
                request_tag,
            } => (
                "create-transit-gateway-peering-attachment",
                vec![
                    ("transit-gateway-id", tgw_id.clone()),
                    ("peer-transit-gateway-id", peer_tgw_id.clone()),
                    ("peer-account-id", peer_account_id.clone()),
                    ("peer-region", peer_region.clone()),
                    (
                        "tag-specifications",
                        format!(
                            "ResourceType=transit-gateway-attachment,Tags=[{{Key={REQUEST_TAG_KEY},Value={request_tag}}}]"
                        ),
                    ),
                ],
            ),
            Change::AcceptPeering { attachment_id }
            | Change::RejectPeering { attachment_id }
            | Change::DeletePeering { attachment_id }
            | Change::AcceptVpcAttachment { attachment_id }
            | Change::RejectVpcAttachment { attachment_id } => (
                match &self.change {
                    Change::AcceptPeering { .. } => "accept-transit-gateway-peering-attachment",
                    Change::RejectPeering { .. } => "reject-transit-gateway-peering-attachment",
                    Change::DeletePeering { .. } => "delete-transit-gateway-peering-attachment",
                    Change::AcceptVpcAttachment { .. } => "accept-transit-gateway-vpc-attachment",
                    _ => "reject-transit-gateway-vpc-attachment",
                },
                vec![("transit-gateway-attachment-id", attachment_id.clone())],
            ),
            Change::SetApplianceMode { attachment_id, on } => (
                "modify-transit-gateway-vpc-attachment",
                vec![
                    ("transit-gateway-attachment-id", attachment_id.clone()),
                    (
                        "options",
                        format!(
                            "ApplianceModeSupport={}",
                            if *on { "enable" } else { "disable" }
                        ),
                    ),
                ],
            ),
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
                let dest = if cidr.addr().is_ipv4() {
                    "destination-cidr-block"
                } else {
                    "destination-ipv6-cidr-block"
                };
                let flag = match target {
                    VpcTarget::TransitGateway(_) => "transit-gateway-id",
                    VpcTarget::NatGateway(_) => "nat-gateway-id",
                    VpcTarget::InternetGateway(_) => "gateway-id",
                    VpcTarget::VpcEndpoint(_) => "vpc-endpoint-id",
                    VpcTarget::PeeringConnection(_) => "vpc-peering-connection-id",
                    VpcTarget::NetworkInterface(_) => "network-interface-id",
                };
                (
                    if matches!(self.change, Change::CreateVpcRoute { .. }) {
                        "create-route"
                    } else {
                        "replace-route"
                    },
                    vec![
                        ("route-table-id", route_table_id.clone()),
                        (dest, cidr.to_string()),
                        (flag, target.id().to_string()),
                    ],
                )
            }
            Change::DisableRuleGroup(_) | Change::EnableRuleGroup(_) => ("", Vec::new()),
            Change::DeleteVpcRoute {
                route_table_id,
                cidr,
            } => (
                "delete-route",
                vec![
                    ("route-table-id", route_table_id.clone()),
                    (
                        if cidr.addr().is_ipv4() {
                            "destination-cidr-block"
                        } else {
                            "destination-ipv6-cidr-block"
                        },
                        cidr.to_string(),
                    ),
                ],
            ),
        };
        words.push(sub.to_string());
        arg(&mut words, "region", &self.region);
        for (flag, value) in args {
            if value.is_empty() {
                words.push(format!("--{flag}"));
            } else {
                arg(&mut words, flag, &value);
            }
        }
        if self.dry_run {
            words.push("--dry-run".into());
        }
        words.join(" ")
    }

    /// EC2 supports `DryRun` on every action here; Network Firewall has none (its
    /// toggles are refused in a dry run, with that reason).
    #[must_use]
    pub fn supports_dry_run(&self) -> bool {
        self.change.toggle().is_none()
    }
}
