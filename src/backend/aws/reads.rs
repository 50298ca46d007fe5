//! Reads: the region's topology, its optional parts, and route searches.
//!
//! Every list call is fully paginated through [`paginate!`]; the independent calls of
//! a region run concurrently, per-route-table reads at most [`TABLE_CONCURRENCY`] at
//! once.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use async_trait::async_trait;
use aws_sdk_ec2::types as ec2;
use futures::{StreamExt, TryStreamExt};
use std::time::Instant;

use super::errors::Cx;
use super::mapping::{
    link, map_attachment, map_endpoint, map_firewall, map_igw, map_instance, map_nat,
    map_network_acl, map_network_interface, map_peering, map_policy, map_route_table,
    map_rule_group, map_security_group, map_subnet, map_tgw, map_tgw_route, map_vpc,
    map_vpc_peering, map_vpc_route_table, owned, parse_ip, tags_name,
};
use super::{AwsBackend, DESCRIBE_CONCURRENCY, TABLE_CONCURRENCY, prefix_lists};
use crate::backend::{
    Backend, BackendError, BackendInfo, OptionalData, OptionalPart, RoutePage, RouteQuery,
};
use crate::model::{
    Account, AttachmentAssociation, AttachmentKind, Destination, FirewallPolicy, Gap, Instance,
    NetworkAcl, NetworkFirewall, NetworkInterface, PingStatus, RegionEstate, RouteState,
    RouteTableLink, RouteTarget, RouteType, RuleGroup, SecurityGroup, SsmStatus, TgwRoute,
    TgwRouteTable,
};

fn gap(part: &str, e: &BackendError) -> Gap {
    Gap {
        part: part.to_string(),
        error: e.message.clone(),
    }
}

async fn read_firewalls(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<NetworkFirewall>, BackendError> {
    let listed = paginate!(
        cx,
        "network-firewall",
        "ListFirewalls",
        client.list_firewalls(),
        firewalls
    )
    .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_firewall();
            if let Some(arn) = meta.firewall_arn() {
                req = req.firewall_arn(arn);
            } else if let Some(name) = meta.firewall_name() {
                req = req.firewall_name(name);
            }
            let out = cx
                .read("network-firewall", "DescribeFirewall", || {
                    req.clone().send()
                })
                .await?;
            Ok::<_, BackendError>(map_firewall(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|f| async move { Ok(f) })
        .try_collect()
        .await
}

async fn read_policies(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<FirewallPolicy>, BackendError> {
    let listed = paginate!(
        cx,
        "network-firewall",
        "ListFirewallPolicies",
        client.list_firewall_policies(),
        firewall_policies
    )
    .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_firewall_policy();
            if let Some(arn) = meta.arn() {
                req = req.firewall_policy_arn(arn);
            } else if let Some(name) = meta.name() {
                req = req.firewall_policy_name(name);
            }
            let out = cx
                .read("network-firewall", "DescribeFirewallPolicy", || {
                    req.clone().send()
                })
                .await?;
            Ok::<_, BackendError>(map_policy(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|p| async move { Ok(p) })
        .try_collect()
        .await
}

async fn read_rule_groups(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<RuleGroup>, BackendError> {
    let listed = paginate!(
        cx,
        "network-firewall",
        "ListRuleGroups",
        client.list_rule_groups(),
        rule_groups
    )
    .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_rule_group();
            if let Some(arn) = meta.arn() {
                req = req.rule_group_arn(arn);
            } else if let Some(name) = meta.name() {
                req = req.rule_group_name(name);
            }
            let out = cx
                .read("network-firewall", "DescribeRuleGroup", || {
                    req.clone().send()
                })
                .await?;
            Ok::<_, BackendError>(map_rule_group(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|g| async move { Ok(g) })
        .try_collect()
        .await
}

/// Network Firewall: each of its three listings may fail alone (a gap each).
pub(super) async fn read_firewall_part(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> OptionalData {
    let (firewalls, policies, groups) = tokio::join!(
        read_firewalls(cx, client),
        read_policies(cx, client),
        read_rule_groups(cx, client)
    );
    let mut gaps = Vec::new();
    let firewalls = firewalls.unwrap_or_else(|e| {
        gaps.push(gap(OptionalPart::NetworkFirewall.name(), &e));
        Vec::new()
    });
    let policies = policies.unwrap_or_else(|e| {
        gaps.push(gap(OptionalPart::NetworkFirewall.name(), &e));
        Vec::new()
    });
    let rule_groups = groups.unwrap_or_else(|e| {
        gaps.push(gap(OptionalPart::NetworkFirewall.name(), &e));
        Vec::new()
    });
    OptionalData::NetworkFirewall {
        firewalls,
        policies,
        rule_groups,
        gaps,
    }
}

/// One SSM managed instance.
struct ManagedInstance {
    id: String,
    name: Option<String>,
    ip: Option<IpAddr>,
    hybrid: bool,
    status: SsmStatus,
}

async fn read_ssm(
    cx: Cx<'_>,
    client: &aws_sdk_ssm::Client,
) -> Result<Vec<ManagedInstance>, BackendError> {
    let infos = paginate!(
        cx,
        "ssm",
        "DescribeInstanceInformation",
        client.describe_instance_information(),
        instance_information_list
    )
    .await?;
    Ok(infos
        .iter()
        .filter_map(|i| {
            Some(ManagedInstance {
                id: i.instance_id()?.to_string(),
                name: owned(i.name().or(i.computer_name())),
                ip: parse_ip(i.ip_address()),
                hybrid: i
                    .resource_type()
                    .is_some_and(|t| t.as_str() == "ManagedInstance"),
                status: SsmStatus {
                    ping_status: i
                        .ping_status()
                        .map_or(PingStatus::Other(String::new()), |p| {
                            PingStatus::parse(p.as_str())
                        }),
                    platform: owned(i.platform_name()),
                    agent_version: owned(i.agent_version()),
                },
            })
        })
        .collect())
}

/// The per-table details of one TGW route table.
struct TableDetails {
    associations: Vec<RouteTableLink>,
    propagations: Vec<RouteTableLink>,
    routes: Vec<TgwRoute>,
}

impl AwsBackend {
    async fn read_table(
        &self,
        cx: Cx<'_>,
        ec2c: &aws_sdk_ec2::Client,
        rtb: &str,
    ) -> Result<TableDetails, BackendError> {
        let assoc = paginate!(
            cx,
            "ec2",
            "GetTransitGatewayRouteTableAssociations",
            ec2c.get_transit_gateway_route_table_associations()
                .transit_gateway_route_table_id(rtb),
            associations
        );
        let props = paginate!(
            cx,
            "ec2",
            "GetTransitGatewayRouteTablePropagations",
            ec2c.get_transit_gateway_route_table_propagations()
                .transit_gateway_route_table_id(rtb),
            transit_gateway_route_table_propagations
        );
        let (assoc, props, routes) =
            tokio::try_join!(assoc, props, self.tgw_routes(cx.region, rtb))?;
        Ok(TableDetails {
            associations: assoc
                .iter()
                .map(|a| {
                    link(
                        a.transit_gateway_attachment_id(),
                        a.resource_type(),
                        a.resource_id(),
                        a.state().map(ec2::TransitGatewayAssociationState::as_str),
                    )
                })
                .collect(),
            propagations: props
                .iter()
                .map(|p| {
                    link(
                        p.transit_gateway_attachment_id(),
                        p.resource_type(),
                        p.resource_id(),
                        p.state().map(ec2::TransitGatewayPropagationState::as_str),
                    )
                })
                .collect(),
            routes,
        })
    }

    /// The region's core topology from EC2 (fails as a whole), its ENIs included.
    ///
    /// ENIs belong to the topology, not to the optional `instances` part: the path
    /// engine needs them to name a TGW attachment's interface in an AZ and to resolve
    /// `trace eni-…`, which should work as soon as the topology shows (and without
    /// instances/SSM permissions). They cost one call, `DescribeNetworkInterfaces` with
    /// the API's largest page (1000; a big account's few thousand ENIs are a few
    /// pages), needing the same `ec2:Describe*` permission as the rest of the topology.
    /// So that it does not lengthen the topology read, it runs alongside all of it,
    /// the per-route-table reads included, which take longer on any account with TGW
    /// route tables.
    ///
    /// Security groups and network ACLs (what the trace evaluates at an ENI and a
    /// subnet) are read the same way and for the same reasons: one paginated call each
    /// (`DescribeSecurityGroups`, `DescribeNetworkAcls`, 1000 a page), alongside the
    /// rest.
    async fn read_topology(
        &self,
        cx: Cx<'_>,
        c: &aws_sdk_ec2::Client,
    ) -> Result<RegionEstate, BackendError> {
        let (mut estate, enis, security_groups, network_acls, lists) = tokio::try_join!(
            self.read_core(cx, c),
            read_network_interfaces(cx, c),
            read_security_groups(cx, c),
            read_network_acls(cx, c),
            // A failure here is a gap, not the region's.
            async { Ok(prefix_lists::describe(cx, c).await) },
        )?;
        estate.network_interfaces = enis;
        estate.security_groups = security_groups;
        estate.network_acls = network_acls;
        let used = estate.prefix_lists_used();
        let mut lists = match lists {
            Ok(lists) => lists,
            Err(e) => {
                estate.gaps.push(gap("prefix-lists", &e));
                Vec::new()
            }
        };
        if !used.is_empty()
            && let Some(g) = prefix_lists::read_entries(cx, c, &mut lists, &used).await
            && !estate.gaps.iter().any(|x| x.part == g.part)
        {
            estate.gaps.push(g);
        }
        prefix_lists::keep(&mut lists, &used);
        estate.prefix_lists = lists;
        Ok(estate)
    }

    /// Everything of the topology but ENIs.
    #[allow(clippy::too_many_lines)]
    async fn read_core(
        &self,
        cx: Cx<'_>,
        c: &aws_sdk_ec2::Client,
    ) -> Result<RegionEstate, BackendError> {
        let region = cx.region;
        let (
            tgws,
            rtbs,
            attachments,
            vpc_attachments,
            peerings,
            vpcs,
            subnets,
            route_tables,
            igws,
            nats,
            endpoints,
            vpc_peerings,
        ) = tokio::try_join!(
            paginate!(
                cx,
                "ec2",
                "DescribeTransitGateways",
                c.describe_transit_gateways(),
                transit_gateways
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeTransitGatewayRouteTables",
                c.describe_transit_gateway_route_tables(),
                transit_gateway_route_tables
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeTransitGatewayAttachments",
                c.describe_transit_gateway_attachments(),
                transit_gateway_attachments
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeTransitGatewayVpcAttachments",
                c.describe_transit_gateway_vpc_attachments(),
                transit_gateway_vpc_attachments
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeTransitGatewayPeeringAttachments",
                c.describe_transit_gateway_peering_attachments(),
                transit_gateway_peering_attachments
            ),
            paginate!(cx, "ec2", "DescribeVpcs", c.describe_vpcs(), vpcs),
            paginate!(cx, "ec2", "DescribeSubnets", c.describe_subnets(), subnets),
            paginate!(
                cx,
                "ec2",
                "DescribeRouteTables",
                c.describe_route_tables(),
                route_tables
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeInternetGateways",
                c.describe_internet_gateways(),
                internet_gateways
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeNatGateways",
                c.describe_nat_gateways(),
                nat_gateways
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeVpcEndpoints",
                c.describe_vpc_endpoints(),
                vpc_endpoints
            ),
            paginate!(
                cx,
                "ec2",
                "DescribeVpcPeeringConnections",
                c.describe_vpc_peering_connections(),
                vpc_peering_connections
            ),
        )?;

        let mut estate = RegionEstate::new(region);
        estate.tgws = tgws.iter().map(|t| map_tgw(t, region)).collect();
        estate.peerings = peerings
            .iter()
            .filter_map(|p| map_peering(p, region))
            .collect();
        estate.vpcs = vpcs.iter().map(|v| map_vpc(v, region)).collect();
        estate.subnets = subnets.iter().map(|s| map_subnet(s, region)).collect();
        estate.vpc_route_tables = route_tables
            .iter()
            .map(|t| map_vpc_route_table(t, region))
            .collect();
        estate.internet_gateways = igws.iter().map(|g| map_igw(g, region)).collect();
        estate.nat_gateways = nats.iter().map(|n| map_nat(n, region)).collect();
        estate.vpc_endpoints = endpoints.iter().map(|e| map_endpoint(e, region)).collect();
        estate.vpc_peerings = vpc_peerings
            .iter()
            .map(|p| map_vpc_peering(p, region))
            .collect();

        let vpc_details: HashMap<&str, &ec2::TransitGatewayVpcAttachment> = vpc_attachments
            .iter()
            .filter_map(|a| Some((a.transit_gateway_attachment_id()?, a)))
            .collect();
        estate.attachments = attachments
            .iter()
            .map(|a| {
                let mut att = map_attachment(a, region);
                if let Some(v) = vpc_details.get(att.id.as_str()) {
                    att.subnet_ids = v.subnet_ids().to_vec();
                    att.appliance_mode = Some(
                        v.options()
                            .and_then(|o| o.appliance_mode_support())
                            .is_some_and(|m| m.as_str() == "enable"),
                    );
                    if att.name.is_none() {
                        att.name = tags_name(v.tags());
                    }
                }
                att
            })
            .collect();

        let mut tables: Vec<TgwRouteTable> =
            rtbs.iter().map(|t| map_route_table(t, region)).collect();
        let ids: Vec<String> = tables.iter().map(|t| t.id.clone()).collect();
        let details: Vec<TableDetails> = futures::stream::iter(ids)
            .map(|id| async move { self.read_table(cx, c, &id).await })
            .buffered(TABLE_CONCURRENCY)
            .try_collect()
            .await?;
        for (table, d) in tables.iter_mut().zip(details) {
            table.associations = d.associations;
            table.propagations = d.propagations;
            table.routes = d.routes;
        }
        // The route tables' own association lists are authoritative (moto reports the
        // TGW's default table in DescribeTransitGatewayAttachments even when default
        // association is disabled).
        let associated: HashMap<&str, (&str, &str)> = tables
            .iter()
            .flat_map(|t| {
                t.associations
                    .iter()
                    .map(move |a| (a.attachment_id.as_str(), (t.id.as_str(), a.state.as_str())))
            })
            .collect();
        for att in &mut estate.attachments {
            match associated.get(att.id.as_str()) {
                Some((rtb, state)) => {
                    att.association = Some(AttachmentAssociation {
                        route_table_id: (*rtb).to_string(),
                        state: (*state).to_string(),
                    });
                }
                None => {
                    // Not in the association list of the table it names (or naming a
                    // table this region does not have: moto reports the requester's
                    // table for a peering in the accepter's region): not associated.
                    att.association = None;
                }
            }
        }
        // A peering attachment as seen in this region belongs to this region's side
        // and is in the peering's state (moto 5.2.5 reports the requester's TGW and a
        // stale `pendingAcceptance` for the accepter's record; AWS reports the
        // accepter's TGW there).
        for att in &mut estate.attachments {
            if att.kind != crate::model::AttachmentKind::Peering {
                continue;
            }
            if let Some(p) = estate.peerings.iter().find(|p| p.id == att.id) {
                let side = if p.accepter.region == region && p.requester.region != region {
                    &p.accepter
                } else {
                    &p.requester
                };
                if !side.tgw_id.is_empty() && att.tgw_id != side.tgw_id {
                    att.tgw_id.clone_from(&side.tgw_id);
                }
                att.state = p.state.clone();
            }
        }
        estate.tgw_route_tables = tables;
        Ok(estate)
    }
}

/// Every ENI of the region, 1000 a page (the API's largest).
async fn read_network_interfaces(
    cx: Cx<'_>,
    c: &aws_sdk_ec2::Client,
) -> Result<Vec<NetworkInterface>, BackendError> {
    let enis = paginate!(
        cx,
        "ec2",
        "DescribeNetworkInterfaces",
        c.describe_network_interfaces().max_results(1000),
        network_interfaces
    )
    .await?;
    Ok(enis
        .iter()
        .map(|n| map_network_interface(n, cx.region))
        .collect())
}

/// Every security group of the region, 1000 a page (the API's largest).
async fn read_security_groups(
    cx: Cx<'_>,
    c: &aws_sdk_ec2::Client,
) -> Result<Vec<SecurityGroup>, BackendError> {
    let groups = paginate!(
        cx,
        "ec2",
        "DescribeSecurityGroups",
        c.describe_security_groups().max_results(1000),
        security_groups
    )
    .await?;
    Ok(groups
        .iter()
        .map(|g| map_security_group(g, cx.region))
        .collect())
}

/// Every network ACL of the region, 1000 a page (the API's largest); entries in the
/// order AWS gives them.
async fn read_network_acls(
    cx: Cx<'_>,
    c: &aws_sdk_ec2::Client,
) -> Result<Vec<NetworkAcl>, BackendError> {
    let acls = paginate!(
        cx,
        "ec2",
        "DescribeNetworkAcls",
        c.describe_network_acls().max_results(1000),
        network_acls
    )
    .await?;
    Ok(acls.iter().map(|a| map_network_acl(a, cx.region)).collect())
}

/// Instances with their SSM status: EC2 lists them (a failure fails the part), SSM
/// completes them (a failure is an `ssm` gap, the instances stay).
async fn read_instances(
    cx: Cx<'_>,
    ec2c: &aws_sdk_ec2::Client,
    ssm: &aws_sdk_ssm::Client,
) -> Result<OptionalData, BackendError> {
    let (reservations, managed) = tokio::join!(
        paginate!(
            cx,
            "ec2",
            "DescribeInstances",
            ec2c.describe_instances(),
            reservations
        ),
        read_ssm(cx, ssm)
    );
    let mut instances: Vec<Instance> = reservations?
        .iter()
        .flat_map(|r| {
            r.instances().iter().map(move |i| Instance {
                owner_id: owned(r.owner_id()),
                ..map_instance(i, cx.region)
            })
        })
        .collect();
    let mut gaps = Vec::new();
    match managed {
        Ok(managed) => merge_ssm(&mut instances, cx.region, managed),
        Err(e) => gaps.push(gap("ssm", &e)),
    }
    Ok(OptionalData::Instances { instances, gaps })
}

fn merge_ssm(instances: &mut Vec<Instance>, region: &str, managed: Vec<ManagedInstance>) {
    let mut by_id: BTreeMap<String, ManagedInstance> =
        managed.into_iter().map(|m| (m.id.clone(), m)).collect();
    for inst in instances.iter_mut() {
        if let Some(m) = by_id.remove(&inst.id) {
            inst.ssm = Some(m.status);
        }
    }
    // Managed instances EC2 does not list: hybrid (mi-…) servers, or instances in
    // another account registered here.
    for (_, m) in by_id {
        instances.push(Instance {
            owner_id: None,
            id: m.id,
            region: region.to_string(),
            name: m.name,
            vpc_id: None,
            subnet_id: None,
            private_ip: m.ip,
            public_ip: None,
            security_group_ids: Vec::new(),
            state: if m.hybrid { "hybrid" } else { "unknown" }.to_string(),
            ssm: Some(m.status),
        });
    }
}

#[async_trait]
impl Backend for AwsBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "aws".to_string(),
            label: self.label.clone(),
            default_regions: self.home_region.iter().cloned().collect(),
        }
    }

    fn call_stats(&self) -> Option<crate::backend::throttle::CallStats> {
        Some(self.scheduler().stats())
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        // Discovery takes the account from the owner of the first TGW or VPC read;
        // asking STS would cost a dependency and a call for the same answer.
        Ok(None)
    }

    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let start = Instant::now();
        let estate = self
            .read_topology(cx, &clients.ec2)
            .await
            .map_err(|e| e.in_region(region))?;
        tracing::info!(
            region,
            tgws = estate.tgws.len(),
            route_tables = estate.tgw_route_tables.len(),
            routes = estate.route_count(),
            attachments = estate.attachments.len(),
            peerings = estate.peerings.len(),
            vpcs = estate.vpcs.len(),
            vpc_peerings = estate.vpc_peerings.len(),
            enis = estate.network_interfaces.len(),
            security_groups = estate.security_groups.len(),
            network_acls = estate.network_acls.len(),
            ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            "aws region topology read"
        );
        Ok(estate)
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        match part {
            OptionalPart::NetworkFirewall => Ok(read_firewall_part(cx, &clients.firewall).await),
            OptionalPart::Instances => read_instances(cx, &clients.ec2, &clients.ssm)
                .await
                .map_err(|e| e.in_region(region)),
        }
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let mut req = clients
            .ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(route_table_id)
            .filters(
                ec2::Filter::builder()
                    .name("state")
                    .values("active")
                    .values("blackhole")
                    .build(),
            );
        match query {
            RouteQuery::PrefixLists => {
                return self.prefix_list_routes(region, route_table_id).await;
            }
            RouteQuery::All => {}
            RouteQuery::SubnetOf(net) => {
                req = req.filters(
                    ec2::Filter::builder()
                        .name("route-search.subnet-of-match")
                        .values(net.to_string())
                        .build(),
                );
            }
            RouteQuery::Exact(net) => {
                req = req.filters(
                    ec2::Filter::builder()
                        .name("route-search.exact-match")
                        .values(net.to_string())
                        .build(),
                );
            }
        }
        let out = cx
            .read("ec2", "SearchTransitGatewayRoutes", || req.clone().send())
            .await
            .map_err(|e| e.for_resource(route_table_id))?;
        Ok(RoutePage {
            routes: out
                .routes()
                .iter()
                .filter_map(|r| map_tgw_route(r, route_table_id, region))
                .collect(),
            additional_routes_available: out.additional_routes_available().unwrap_or(false),
        })
    }
}

impl AwsBackend {
    /// Prefix-list routes of a TGW route table, read as prefix-list references: CIDR
    /// searches cannot select them, so a table too large for one search answer would
    /// otherwise lose them.
    async fn prefix_list_routes(
        &self,
        region: &str,
        route_table_id: &str,
    ) -> Result<RoutePage, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let mut routes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let req = clients
                .ec2
                .get_transit_gateway_prefix_list_references()
                .transit_gateway_route_table_id(route_table_id)
                .set_next_token(token.take());
            let out = cx
                .read("ec2", "GetTransitGatewayPrefixListReferences", || {
                    req.clone().send()
                })
                .await
                .map_err(|e| e.for_resource(route_table_id))?;
            for reference in out.transit_gateway_prefix_list_references() {
                let Some(list) = reference.prefix_list_id() else {
                    continue;
                };
                let target = reference.transit_gateway_attachment().and_then(|a| {
                    a.transit_gateway_attachment_id().map(|id| RouteTarget {
                        attachment_id: id.to_string(),
                        resource_type: a.resource_type().map(|t| AttachmentKind::parse(t.as_str())),
                        resource_id: a.resource_id().map(ToString::to_string),
                    })
                });
                let blackhole = reference.blackhole().unwrap_or(false) || target.is_none();
                routes.push(TgwRoute {
                    derived: false,
                    route_table_id: route_table_id.to_string(),
                    region: region.to_string(),
                    destination: Destination::PrefixList(list.to_string()),
                    route_type: RouteType::Static,
                    state: if blackhole {
                        RouteState::Blackhole
                    } else {
                        RouteState::Active
                    },
                    targets: target.into_iter().collect(),
                    prefix_list_id: None,
                });
            }
            token = out.next_token().map(ToString::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(RoutePage {
            routes,
            additional_routes_available: false,
        })
    }
}
