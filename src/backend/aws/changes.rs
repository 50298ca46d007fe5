//! The AWS [`Changer`]: each [`Change`] is one EC2 call, with `DryRun` passed through.
//!
//! Invariants:
//! - Errors are classified like reads ([`super::errors`]), then settled by
//!   [`ChangeOp::settle`]: `DryRunOperation` is a successful dry run, a timeout of a
//!   non-idempotent call is `OutcomeUnknown`.
//! - Every change is sent once: SDK retries are off for changes, since a call that
//!   timed out may have been carried out (a retried create makes a second peering; a
//!   retried route answers "already exists" for a route this very call made).

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types as ec2;

use super::AwsBackend;
use crate::backend::change::REQUEST_TAG_KEY;
use crate::backend::{
    BackendError, Change, ChangeOp, ChangeOutcome, Changer, TgwRouteTarget, VpcTarget,
};

/// Changes through the AWS backend's clients.
#[derive(Debug, Clone)]
pub struct AwsChanger {
    backend: Arc<AwsBackend>,
}

impl AwsChanger {
    /// A changer over `backend`'s clients (see [`AwsBackend::changer`], which refuses
    /// to build one for a read-only backend).
    #[must_use]
    pub(crate) fn new(backend: Arc<AwsBackend>) -> Self {
        Self { backend }
    }
}

fn outcome(
    request_id: Option<&str>,
    created_id: Option<&str>,
    state: Option<&str>,
) -> ChangeOutcome {
    ChangeOutcome {
        request_id: request_id.map(str::to_string),
        created_id: created_id.map(str::to_string),
        state: state.map(str::to_string),
        dry_run: false,
    }
}

/// Sets a VPC route's target on any of the three route builders (they share setter
/// names but no trait).
macro_rules! vpc_target {
    ($req:expr, $target:expr) => {
        match $target {
            VpcTarget::TransitGateway(id) => $req.transit_gateway_id(id),
            VpcTarget::NatGateway(id) => $req.nat_gateway_id(id),
            VpcTarget::InternetGateway(id) => $req.gateway_id(id),
            VpcTarget::VpcEndpoint(id) => $req.vpc_endpoint_id(id),
            VpcTarget::PeeringConnection(id) => $req.vpc_peering_connection_id(id),
            VpcTarget::NetworkInterface(id) => $req.network_interface_id(id),
        }
    };
}

/// Sets a VPC route's destination (IPv4 or IPv6) on a route builder.
macro_rules! vpc_destination {
    ($req:expr, $cidr:expr) => {
        match $cidr {
            ipnet::IpNet::V4(_) => $req.destination_cidr_block($cidr.to_string()),
            ipnet::IpNet::V6(_) => $req.destination_ipv6_cidr_block($cidr.to_string()),
        }
    };
}

#[async_trait]
impl Changer for AwsChanger {
    #[allow(clippy::too_many_lines)]
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        let region = op.region.as_str();
        let clients = self.backend.clients(region)?;
        // A change is sent once: the SDK must not send it again after a timeout or a
        // broken connection (the first may have been carried out). A throttled call is
        // refused before it runs; the runtime sends that again itself.
        let ec2_once = aws_sdk_ec2::Client::from_conf(
            clients
                .ec2
                .config()
                .to_builder()
                .retry_config(RetryConfig::disabled())
                .build(),
        );
        let firewall_once = aws_sdk_networkfirewall::Client::from_conf(
            clients
                .firewall
                .config()
                .to_builder()
                .retry_config(RetryConfig::disabled())
                .build(),
        );
        let c = &ec2_once;
        let cx = self.backend.cx(region);
        let action = op.action();
        let dry = op.dry_run;
        tracing::info!(region, action, dry_run = dry, change = ?op.change, "applying a change");
        if let Some((toggle, enable)) = op.change.toggle() {
            let result =
                super::firewall_changes::toggle(&firewall_once, cx, op, toggle, enable).await;
            return op.settle(result.map_err(|e| e.in_region(region)));
        }
        let result = match &op.change {
            Change::CreateTgwRoute {
                route_table_id,
                cidr,
                target,
            } => {
                let req = c
                    .create_transit_gateway_route()
                    .transit_gateway_route_table_id(route_table_id)
                    .destination_cidr_block(cidr.to_string())
                    .dry_run(dry);
                let req = match target {
                    TgwRouteTarget::Attachment(id) => req.transit_gateway_attachment_id(id),
                    TgwRouteTarget::Blackhole => req.blackhole(true),
                };
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.route().and_then(|r| r.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::ReplaceTgwRoute {
                route_table_id,
                cidr,
                target,
            } => {
                let req = c
                    .replace_transit_gateway_route()
                    .transit_gateway_route_table_id(route_table_id)
                    .destination_cidr_block(cidr.to_string())
                    .dry_run(dry);
                let req = match target {
                    TgwRouteTarget::Attachment(id) => req.transit_gateway_attachment_id(id),
                    TgwRouteTarget::Blackhole => req.blackhole(true),
                };
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.route().and_then(|r| r.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            } => {
                let req = c
                    .delete_transit_gateway_route()
                    .transit_gateway_route_table_id(route_table_id)
                    .destination_cidr_block(cidr.to_string())
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.route().and_then(|r| r.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::AssociateTgwRouteTable {
                route_table_id,
                attachment_id,
            } => {
                let req = c
                    .associate_transit_gateway_route_table()
                    .transit_gateway_route_table_id(route_table_id)
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.association().and_then(|a| a.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::DisassociateTgwRouteTable {
                route_table_id,
                attachment_id,
            } => {
                let req = c
                    .disassociate_transit_gateway_route_table()
                    .transit_gateway_route_table_id(route_table_id)
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.association().and_then(|a| a.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::EnablePropagation {
                route_table_id,
                attachment_id,
            } => {
                let req = c
                    .enable_transit_gateway_route_table_propagation()
                    .transit_gateway_route_table_id(route_table_id)
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.propagation().and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::DisablePropagation {
                route_table_id,
                attachment_id,
            } => {
                let req = c
                    .disable_transit_gateway_route_table_propagation()
                    .transit_gateway_route_table_id(route_table_id)
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    outcome(
                        o.request_id(),
                        None,
                        o.propagation().and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::CreatePeering {
                tgw_id,
                peer_tgw_id,
                peer_region,
                peer_account_id,
                request_tag,
            } => {
                let tags = ec2::TagSpecification::builder()
                    .resource_type(ec2::ResourceType::TransitGatewayAttachment)
                    .tags(
                        ec2::Tag::builder()
                            .key(REQUEST_TAG_KEY)
                            .value(request_tag)
                            .build(),
                    )
                    .build();
                let req = c
                    .create_transit_gateway_peering_attachment()
                    .transit_gateway_id(tgw_id)
                    .peer_transit_gateway_id(peer_tgw_id)
                    .peer_region(peer_region)
                    .peer_account_id(peer_account_id)
                    .tag_specifications(tags)
                    .dry_run(dry)
                    .customize()
                    .config_override(
                        aws_sdk_ec2::config::Builder::new().retry_config(RetryConfig::disabled()),
                    );
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let p = o.transit_gateway_peering_attachment();
                    outcome(
                        o.request_id(),
                        p.and_then(|p| p.transit_gateway_attachment_id()),
                        p.and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::AcceptPeering { attachment_id } => {
                let req = c
                    .accept_transit_gateway_peering_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let p = o.transit_gateway_peering_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        p.and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::RejectPeering { attachment_id } => {
                let req = c
                    .reject_transit_gateway_peering_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let p = o.transit_gateway_peering_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        p.and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::DeletePeering { attachment_id } => {
                let req = c
                    .delete_transit_gateway_peering_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let p = o.transit_gateway_peering_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        p.and_then(|p| p.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::AcceptVpcAttachment { attachment_id } => {
                let req = c
                    .accept_transit_gateway_vpc_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let a = o.transit_gateway_vpc_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        a.and_then(|a| a.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::SetApplianceMode { attachment_id, on } => {
                use aws_sdk_ec2::types::{
                    ApplianceModeSupportValue, ModifyTransitGatewayVpcAttachmentRequestOptions,
                };
                let req = c
                    .modify_transit_gateway_vpc_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .options(
                        ModifyTransitGatewayVpcAttachmentRequestOptions::builder()
                            .appliance_mode_support(if *on {
                                ApplianceModeSupportValue::Enable
                            } else {
                                ApplianceModeSupportValue::Disable
                            })
                            .build(),
                    )
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let a = o.transit_gateway_vpc_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        a.and_then(|a| a.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::RejectVpcAttachment { attachment_id } => {
                let req = c
                    .reject_transit_gateway_vpc_attachment()
                    .transit_gateway_attachment_id(attachment_id)
                    .dry_run(dry);
                cx.call("ec2", action, req.send()).await.map(|o| {
                    let a = o.transit_gateway_vpc_attachment();
                    outcome(
                        o.request_id(),
                        None,
                        a.and_then(|a| a.state()).map(|s| s.as_str()),
                    )
                })
            }
            Change::CreateVpcRoute {
                route_table_id,
                cidr,
                target,
            } => {
                let req = c.create_route().route_table_id(route_table_id).dry_run(dry);
                let req = vpc_destination!(req, cidr);
                let req = vpc_target!(req, target);
                cx.call("ec2", action, req.send())
                    .await
                    .map(|o| outcome(o.request_id(), None, None))
            }
            Change::ReplaceVpcRoute {
                route_table_id,
                cidr,
                target,
            } => {
                let req = c
                    .replace_route()
                    .route_table_id(route_table_id)
                    .dry_run(dry);
                let req = vpc_destination!(req, cidr);
                let req = vpc_target!(req, target);
                cx.call("ec2", action, req.send())
                    .await
                    .map(|o| outcome(o.request_id(), None, None))
            }
            Change::DeleteVpcRoute {
                route_table_id,
                cidr,
            } => {
                let req = c.delete_route().route_table_id(route_table_id).dry_run(dry);
                let req = vpc_destination!(req, cidr);
                cx.call("ec2", action, req.send())
                    .await
                    .map(|o| outcome(o.request_id(), None, None))
            }
            Change::DisableRuleGroup(_) | Change::EnableRuleGroup(_) => {
                unreachable!("toggles are applied above")
            }
        };
        op.settle(result.map_err(|e| e.in_region(region)))
    }
}
