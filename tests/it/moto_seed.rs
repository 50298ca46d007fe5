//! Seeding moto from a [`Scenario`], so the AWS backend is checked against the same
//! topology the simulator serves.
//!
//! Created, per region (in this order): VPCs (first CIDR, extra CIDRs associated,
//! Name), subnets (CIDR, AZ, Name), internet gateways (attached), Elastic IPs with
//! the scenario's public address (moto honours `Address`) and NAT gateways on them,
//! VPC endpoints, instances (subnet, private IP, Name), TGWs (ASN, default
//! association/propagation, DNS and VPN ECMP options, Name), TGW route tables
//! (Name), VPC attachments (subnets, appliance mode; Name set afterwards with
//! CreateTags because moto ignores the attachment's TagSpecifications),
//! associations, propagations, static routes, VPC route tables (the scenario's main
//! table is moto's main table, renamed) with subnet associations and routes, Network
//! Firewalls (name, policy ARN, VPC, subnets). Then peerings: created from the
//! requester's region and, when the scenario says `available`, accepted in the
//! accepter's region.
//!
//! Not seeded (moto 5.2.5 cannot, or the API does not allow it), each noted in
//! [`IdMap::skipped`]:
//! - propagated routes (moto never propagates; the scenario lists them for the
//!   simulator) and ECMP targets beyond the first (one attachment per static route);
//! - a static route whose target attachment is not in the scenario (decommissioned):
//!   created as an explicit blackhole, which is what AWS shows for it;
//! - VPC routes to targets other than IGW, NAT, TGW and VPC endpoint (ENI, peering...);
//! - Network Firewall policies and rule groups (moto: not implemented), firewall sync
//!   states / endpoint ids;
//! - SSM managed-instance state (moto has no DescribeInstanceInformation);
//! - ids: moto makes its own; the returned [`IdMap`] translates.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    ApplianceModeSupportValue, CreateTransitGatewayVpcAttachmentRequestOptions,
    DefaultRouteTableAssociationValue, DefaultRouteTablePropagationValue, DnsSupportValue,
    DomainType, Filter, ResourceType, Tag, TagSpecification, TransitGatewayRequestOptions,
    VpcEndpointType, VpnEcmpSupportValue,
};
use netops::backend::sim::scenario::Scenario;
use netops::model::{Destination, RegionEstate, RouteState, RouteType, VpcRouteTarget};

use super::moto::{Seeders, region_clients};

/// An AMI moto knows in every region.
const MOTO_AMI: &str = "ami-12c6146b";

/// Scenario id → moto id, and what could not be seeded.
#[derive(Debug, Default, Clone)]
pub struct IdMap {
    pub ids: BTreeMap<String, String>,
    /// Human-readable notes of what was not created, and why.
    pub skipped: Vec<String>,
    /// The moto account the resources were created in.
    pub account: String,
}

impl IdMap {
    /// The moto id of a scenario object; panics when it was not seeded.
    pub fn get(&self, scenario_id: &str) -> &str {
        self.ids
            .get(scenario_id)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{scenario_id} was not seeded into moto"))
    }

    /// The moto id of a scenario object, if seeded.
    pub fn try_get(&self, scenario_id: &str) -> Option<&str> {
        self.ids.get(scenario_id).map(String::as_str)
    }

    /// The scenario id of a moto object.
    pub fn scenario_id(&self, moto_id: &str) -> Option<&str> {
        self.ids
            .iter()
            .find(|(_, m)| m.as_str() == moto_id)
            .map(|(s, _)| s.as_str())
    }

    fn put(&mut self, scenario_id: &str, moto_id: Option<&str>) -> String {
        let moto_id = moto_id
            .unwrap_or_else(|| panic!("moto returned no id for {scenario_id}"))
            .to_string();
        self.ids.insert(scenario_id.to_string(), moto_id.clone());
        moto_id
    }
}

fn name_spec(kind: ResourceType, name: Option<&String>) -> Option<Vec<TagSpecification>> {
    name.map(|n| {
        vec![
            TagSpecification::builder()
                .resource_type(kind)
                .tags(Tag::builder().key("Name").value(n).build())
                .build(),
        ]
    })
}

fn name_tag(name: &str) -> Tag {
    Tag::builder().key("Name").value(name).build()
}

/// Seeds every scenario region that has clients in `clients`, then the peerings.
pub async fn seed(scenario: &Scenario, clients: &Seeders) -> IdMap {
    let mut map = IdMap::default();
    for region in &scenario.regions {
        if clients.iter().any(|(r, _)| *r == region.region) {
            seed_region(region, clients, &mut map).await;
        } else {
            map.skipped.push(format!(
                "region {}: no moto clients asked for",
                region.region
            ));
        }
    }
    seed_peerings(scenario, clients, &mut map).await;
    map
}

#[allow(clippy::too_many_lines)]
async fn seed_region(r: &RegionEstate, clients: &Seeders, map: &mut IdMap) {
    let region = r.region.as_str();
    let ec2 = &region_clients(clients, region).ec2;

    for vpc in &r.vpcs {
        let Some(first) = vpc.cidr_blocks.first() else {
            map.skipped.push(format!("vpc {}: no CIDR", vpc.id));
            continue;
        };
        let out = ec2
            .create_vpc()
            .cidr_block(first.to_string())
            .set_tag_specifications(name_spec(ResourceType::Vpc, vpc.name.as_ref()))
            .send()
            .await
            .expect("CreateVpc");
        let id = map.put(&vpc.id, out.vpc().and_then(|v| v.vpc_id()));
        for extra in vpc.cidr_blocks.iter().skip(1) {
            ec2.associate_vpc_cidr_block()
                .vpc_id(&id)
                .cidr_block(extra.to_string())
                .send()
                .await
                .expect("AssociateVpcCidrBlock");
        }
    }

    for subnet in &r.subnets {
        let mut req = ec2
            .create_subnet()
            .vpc_id(map.get(&subnet.vpc_id))
            .availability_zone(&subnet.availability_zone)
            .set_tag_specifications(name_spec(ResourceType::Subnet, subnet.name.as_ref()));
        if let Some(cidr) = subnet.cidr {
            req = req.cidr_block(cidr.to_string());
        }
        let out = req.send().await.expect("CreateSubnet");
        map.put(&subnet.id, out.subnet().and_then(|s| s.subnet_id()));
    }

    for igw in &r.internet_gateways {
        let out = ec2
            .create_internet_gateway()
            .set_tag_specifications(name_spec(ResourceType::InternetGateway, igw.name.as_ref()))
            .send()
            .await
            .expect("CreateInternetGateway");
        let id = map.put(
            &igw.id,
            out.internet_gateway().and_then(|g| g.internet_gateway_id()),
        );
        for vpc in &igw.vpc_ids {
            ec2.attach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(map.get(vpc))
                .send()
                .await
                .expect("AttachInternetGateway");
        }
    }

    for nat in &r.nat_gateways {
        let mut alloc = ec2.allocate_address().domain(DomainType::Vpc);
        if let Some(ip) = nat.public_ips.first() {
            alloc = alloc.address(ip.to_string());
        }
        let eip = alloc.send().await.expect("AllocateAddress");
        let out = ec2
            .create_nat_gateway()
            .subnet_id(map.get(&nat.subnet_id))
            .allocation_id(eip.allocation_id().expect("allocation id"))
            .set_tag_specifications(name_spec(ResourceType::Natgateway, nat.name.as_ref()))
            .send()
            .await
            .expect("CreateNatGateway");
        map.put(&nat.id, out.nat_gateway().and_then(|n| n.nat_gateway_id()));
    }

    for ep in &r.vpc_endpoints {
        let subnets: Vec<String> = ep
            .subnet_ids
            .iter()
            .map(|s| map.get(s).to_string())
            .collect();
        let out = ec2
            .create_vpc_endpoint()
            .vpc_id(map.get(&ep.vpc_id))
            .service_name(&ep.service_name)
            .vpc_endpoint_type(VpcEndpointType::from(ep.endpoint_type.as_str()))
            .set_subnet_ids(Some(subnets))
            .send()
            .await
            .expect("CreateVpcEndpoint");
        map.put(&ep.id, out.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()));
    }

    for inst in &r.instances {
        let Some(subnet) = inst.subnet_id.as_deref().and_then(|s| map.try_get(s)) else {
            map.skipped
                .push(format!("instance {}: no subnet (hybrid?)", inst.id));
            continue;
        };
        let mut req = ec2
            .run_instances()
            .image_id(MOTO_AMI)
            .min_count(1)
            .max_count(1)
            .subnet_id(subnet)
            .set_tag_specifications(name_spec(ResourceType::Instance, inst.name.as_ref()));
        if let Some(ip) = inst.private_ip {
            req = req.private_ip_address(ip.to_string());
        }
        let out = req.send().await.expect("RunInstances");
        map.put(
            &inst.id,
            out.instances().first().and_then(|i| i.instance_id()),
        );
        if inst.ssm.is_some() {
            map.skipped.push(format!(
                "instance {}: SSM status (moto has no DescribeInstanceInformation)",
                inst.id
            ));
        }
    }

    for tgw in &r.tgws {
        let options = TransitGatewayRequestOptions::builder()
            .amazon_side_asn(i64::try_from(tgw.asn).expect("ASN fits i64"))
            .default_route_table_association(DefaultRouteTableAssociationValue::from(
                tgw.default_route_table_association.as_str(),
            ))
            .default_route_table_propagation(DefaultRouteTablePropagationValue::from(
                tgw.default_route_table_propagation.as_str(),
            ))
            .dns_support(DnsSupportValue::from(tgw.dns_support.as_str()))
            .vpn_ecmp_support(VpnEcmpSupportValue::from(tgw.vpn_ecmp_support.as_str()))
            .build();
        let out = ec2
            .create_transit_gateway()
            .options(options)
            .set_tag_specifications(name_spec(ResourceType::TransitGateway, tgw.name.as_ref()))
            .send()
            .await
            .expect("CreateTransitGateway");
        let created = out.transit_gateway().expect("a TGW");
        map.put(&tgw.id, created.transit_gateway_id());
        if map.account.is_empty() {
            map.account = created.owner_id().unwrap_or_default().to_string();
        }
    }

    for rtb in &r.tgw_route_tables {
        let out = ec2
            .create_transit_gateway_route_table()
            .transit_gateway_id(map.get(&rtb.tgw_id))
            .set_tag_specifications(name_spec(
                ResourceType::TransitGatewayRouteTable,
                rtb.name.as_ref(),
            ))
            .send()
            .await
            .expect("CreateTransitGatewayRouteTable");
        map.put(
            &rtb.id,
            out.transit_gateway_route_table()
                .and_then(|t| t.transit_gateway_route_table_id()),
        );
    }

    for att in r.attachments.iter().filter(|a| a.kind.as_str() == "vpc") {
        let Some(vpc) = att.resource_id.as_deref() else {
            map.skipped.push(format!("attachment {}: no VPC", att.id));
            continue;
        };
        let subnets: Vec<String> = att
            .subnet_ids
            .iter()
            .map(|s| map.get(s).to_string())
            .collect();
        let appliance = if att.appliance_mode == Some(true) {
            ApplianceModeSupportValue::Enable
        } else {
            ApplianceModeSupportValue::Disable
        };
        let out = ec2
            .create_transit_gateway_vpc_attachment()
            .transit_gateway_id(map.get(&att.tgw_id))
            .vpc_id(map.get(vpc))
            .set_subnet_ids(Some(subnets))
            .options(
                CreateTransitGatewayVpcAttachmentRequestOptions::builder()
                    .appliance_mode_support(appliance)
                    .build(),
            )
            .send()
            .await
            .expect("CreateTransitGatewayVpcAttachment");
        let id = map.put(
            &att.id,
            out.transit_gateway_vpc_attachment()
                .and_then(|a| a.transit_gateway_attachment_id()),
        );
        if let Some(name) = &att.name {
            ec2.create_tags()
                .resources(&id)
                .tags(name_tag(name))
                .send()
                .await
                .expect("CreateTags on a VPC attachment");
        }
    }
    for att in r.attachments.iter().filter(|a| a.kind.as_str() != "vpc") {
        if !matches!(att.kind.as_str(), "peering" | "tgw-peering") {
            map.skipped.push(format!(
                "attachment {}: kind {} is not created in moto",
                att.id, att.kind
            ));
        }
    }

    for rtb in &r.tgw_route_tables {
        let rtb_id = map.get(&rtb.id).to_string();
        for assoc in &rtb.associations {
            let Some(att) = map.try_get(&assoc.attachment_id) else {
                map.skipped.push(format!(
                    "association {} -> {}: attachment not seeded",
                    rtb.id, assoc.attachment_id
                ));
                continue;
            };
            ec2.associate_transit_gateway_route_table()
                .transit_gateway_route_table_id(&rtb_id)
                .transit_gateway_attachment_id(att)
                .send()
                .await
                .expect("AssociateTransitGatewayRouteTable");
        }
        for prop in &rtb.propagations {
            let Some(att) = map.try_get(&prop.attachment_id) else {
                map.skipped.push(format!(
                    "propagation {} -> {}: attachment not seeded",
                    rtb.id, prop.attachment_id
                ));
                continue;
            };
            ec2.enable_transit_gateway_route_table_propagation()
                .transit_gateway_route_table_id(&rtb_id)
                .transit_gateway_attachment_id(att)
                .send()
                .await
                .expect("EnableTransitGatewayRouteTablePropagation");
        }
        for route in &rtb.routes {
            let Destination::Cidr(cidr) = &route.destination else {
                map.skipped.push(format!(
                    "route {} {}: prefix-list routes are not seeded",
                    rtb.id, route.destination
                ));
                continue;
            };
            if route.route_type == RouteType::Propagated {
                map.skipped.push(format!(
                    "route {} {cidr}: propagated (moto does not propagate)",
                    rtb.id
                ));
                continue;
            }
            if route.targets.len() > 1 {
                map.skipped.push(format!(
                    "route {} {cidr}: ECMP targets beyond the first",
                    rtb.id
                ));
            }
            let target = route
                .targets
                .first()
                .and_then(|t| map.try_get(&t.attachment_id))
                .map(str::to_string);
            let mut req = ec2
                .create_transit_gateway_route()
                .transit_gateway_route_table_id(&rtb_id)
                .destination_cidr_block(cidr.to_string());
            match target {
                Some(att) if route.state != RouteState::Blackhole => {
                    req = req.transit_gateway_attachment_id(att);
                }
                _ => {
                    map.skipped.push(format!(
                        "route {} {cidr}: target not seeded, created as a blackhole",
                        rtb.id
                    ));
                    req = req.blackhole(true);
                }
            }
            req.send().await.expect("CreateTransitGatewayRoute");
        }
    }

    for table in &r.vpc_route_tables {
        let vpc = map.get(&table.vpc_id).to_string();
        let id = if table.is_main() {
            let out = ec2
                .describe_route_tables()
                .filters(Filter::builder().name("vpc-id").values(&vpc).build())
                .filters(
                    Filter::builder()
                        .name("association.main")
                        .values("true")
                        .build(),
                )
                .send()
                .await
                .expect("DescribeRouteTables");
            let id = map.put(
                &table.id,
                out.route_tables().first().and_then(|t| t.route_table_id()),
            );
            if let Some(name) = &table.name {
                ec2.create_tags()
                    .resources(&id)
                    .tags(name_tag(name))
                    .send()
                    .await
                    .expect("CreateTags on the main route table");
            }
            id
        } else {
            let out = ec2
                .create_route_table()
                .vpc_id(&vpc)
                .set_tag_specifications(name_spec(ResourceType::RouteTable, table.name.as_ref()))
                .send()
                .await
                .expect("CreateRouteTable");
            map.put(
                &table.id,
                out.route_table().and_then(|t| t.route_table_id()),
            )
        };
        for assoc in &table.associations {
            if let Some(subnet) = &assoc.subnet_id {
                ec2.associate_route_table()
                    .route_table_id(&id)
                    .subnet_id(map.get(subnet))
                    .send()
                    .await
                    .expect("AssociateRouteTable");
            }
        }
        for route in &table.routes {
            let Destination::Cidr(cidr) = &route.destination else {
                map.skipped.push(format!(
                    "vpc route {} {}: prefix-list routes are not seeded",
                    table.id, route.destination
                ));
                continue;
            };
            let req = ec2
                .create_route()
                .route_table_id(&id)
                .destination_cidr_block(cidr.to_string());
            let target_id = map.try_get(route.target.id()).map(str::to_string);
            let req = match (&route.target, target_id) {
                (VpcRouteTarget::Local, _) => continue,
                (VpcRouteTarget::InternetGateway(_), Some(t)) => req.gateway_id(t),
                (VpcRouteTarget::NatGateway(_), Some(t)) => req.nat_gateway_id(t),
                (VpcRouteTarget::TransitGateway(_), Some(t)) => req.transit_gateway_id(t),
                (VpcRouteTarget::VpcEndpoint(_), Some(t)) => req.vpc_endpoint_id(t),
                (other, _) => {
                    map.skipped.push(format!(
                        "vpc route {} {cidr} -> {other}: target kind not seeded",
                        table.id
                    ));
                    continue;
                }
            };
            req.send().await.expect("CreateRoute");
        }
    }

    let firewall = &region_clients(clients, region).firewall;
    for fw in &r.firewalls {
        let mut req = firewall
            .create_firewall()
            .firewall_name(&fw.name)
            .firewall_policy_arn(&fw.policy_arn)
            .vpc_id(map.get(&fw.vpc_id));
        for ep in &fw.endpoints {
            req = req.subnet_mappings(
                aws_sdk_networkfirewall::types::SubnetMapping::builder()
                    .subnet_id(map.get(&ep.subnet_id))
                    .build()
                    .expect("subnet mapping"),
            );
        }
        let out = req.send().await.expect("CreateFirewall");
        let created = out.firewall().expect("a firewall");
        map.put(
            &fw.id,
            Some(created.firewall_id())
                .filter(|s| !s.is_empty())
                .or(created.firewall_arn()),
        );
        map.put(&fw.arn, created.firewall_arn());
    }
    for p in &r.firewall_policies {
        map.skipped.push(format!(
            "firewall policy {}: moto 5.2.5 does not implement firewall policies",
            p.name
        ));
    }
    for g in &r.rule_groups {
        map.skipped.push(format!(
            "rule group {}: moto 5.2.5 does not implement rule groups",
            g.name
        ));
    }
}

async fn seed_peerings(scenario: &Scenario, clients: &Seeders, map: &mut IdMap) {
    let mut done: Vec<String> = Vec::new();
    for region in &scenario.regions {
        for p in &region.peerings {
            if done.contains(&p.id) {
                continue;
            }
            let requester_region = if p.requester.region.is_empty() {
                region.region.as_str()
            } else {
                p.requester.region.as_str()
            };
            let (Some(tgw), Some(peer)) = (
                map.try_get(&p.requester.tgw_id).map(str::to_string),
                map.try_get(&p.accepter.tgw_id).map(str::to_string),
            ) else {
                map.skipped
                    .push(format!("peering {}: a side's TGW was not seeded", p.id));
                continue;
            };
            done.push(p.id.clone());
            let ec2 = &region_clients(clients, requester_region).ec2;
            let out = ec2
                .create_transit_gateway_peering_attachment()
                .transit_gateway_id(tgw)
                .peer_transit_gateway_id(peer)
                .peer_account_id(&map.account)
                .peer_region(&p.accepter.region)
                .set_tag_specifications(name_spec(
                    ResourceType::TransitGatewayAttachment,
                    p.name.as_ref(),
                ))
                .send()
                .await
                .expect("CreateTransitGatewayPeeringAttachment");
            let id = map.put(
                &p.id,
                out.transit_gateway_peering_attachment()
                    .and_then(|a| a.transit_gateway_attachment_id()),
            );
            match p.state.as_str() {
                "pendingAcceptance" => {}
                "available" | "pending" => {
                    region_clients(clients, &p.accepter.region)
                        .ec2
                        .accept_transit_gateway_peering_attachment()
                        .transit_gateway_attachment_id(&id)
                        .send()
                        .await
                        .expect("AcceptTransitGatewayPeeringAttachment");
                }
                other => map.skipped.push(format!(
                    "peering {}: state {other} left as pendingAcceptance",
                    p.id
                )),
            }
        }
    }
}
