//! Mapping: SDK shapes into [`crate::model`] types. Pure functions, no I/O; the only
//! place that reads SDK structs field by field.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use aws_sdk_ec2::types as ec2;
use aws_sdk_networkfirewall::types as nfw;
use ipnet::IpNet;

use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, FirewallEndpoint,
    FirewallPolicy, Instance, InternetGateway, NaclEntry, NatGateway, NetworkAcl, NetworkFirewall,
    NetworkInterface, Peering, PeeringSide, PortRange, ResourceState, RouteState, RouteTableLink,
    RouteTarget, RouteType, RuleGroup, RuleGroupKind, RuleGroupRef, SecurityGroup, SgRule,
    StatelessRule, Subnet, TgwAttachment, TgwRoute, TgwRouteTable, Toggle, TransitGateway, Vpc,
    VpcEndpoint, VpcPeeringConnection, VpcPeeringSide, VpcRoute, VpcRouteTable,
    VpcRouteTableAssociation, VpcRouteTarget, name_tag,
};
pub(super) fn tags_name(tags: &[ec2::Tag]) -> Option<String> {
    name_tag(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

pub(super) fn toggle(s: Option<&str>) -> Toggle {
    s.map(Toggle::parse).unwrap_or_default()
}

pub(super) fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

pub(super) fn text(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

pub(super) fn parse_net(s: &str) -> Option<IpNet> {
    match s.parse::<IpNet>() {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(cidr = s, error = %e, "ignoring an unparsable CIDR");
            None
        }
    }
}

pub(super) fn parse_ip(s: Option<&str>) -> Option<IpAddr> {
    s.and_then(|s| s.parse().ok())
}

pub(super) fn kind_of(
    t: Option<&ec2::TransitGatewayAttachmentResourceType>,
) -> Option<AttachmentKind> {
    t.map(|t| AttachmentKind::parse(t.as_str()))
}

pub(super) fn map_tgw(t: &ec2::TransitGateway, region: &str) -> TransitGateway {
    let o = t.options();
    TransitGateway {
        id: text(t.transit_gateway_id()),
        region: region.to_string(),
        name: tags_name(t.tags()),
        owner_id: text(t.owner_id()),
        state: t
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        asn: o
            .and_then(ec2::TransitGatewayOptions::amazon_side_asn)
            .and_then(|a| u64::try_from(a).ok())
            .unwrap_or_default(),
        default_route_table_association: toggle(
            o.and_then(|o| o.default_route_table_association())
                .map(ec2::DefaultRouteTableAssociationValue::as_str),
        ),
        default_route_table_propagation: toggle(
            o.and_then(|o| o.default_route_table_propagation())
                .map(ec2::DefaultRouteTablePropagationValue::as_str),
        ),
        association_default_route_table_id: owned(
            o.and_then(|o| o.association_default_route_table_id()),
        ),
        propagation_default_route_table_id: owned(
            o.and_then(|o| o.propagation_default_route_table_id()),
        ),
        dns_support: toggle(
            o.and_then(|o| o.dns_support())
                .map(ec2::DnsSupportValue::as_str),
        ),
        vpn_ecmp_support: toggle(
            o.and_then(|o| o.vpn_ecmp_support())
                .map(ec2::VpnEcmpSupportValue::as_str),
        ),
        cidr_blocks: o
            .map(|o| o.transit_gateway_cidr_blocks().to_vec())
            .unwrap_or_default(),
    }
}

pub(super) fn map_route_table(t: &ec2::TransitGatewayRouteTable, region: &str) -> TgwRouteTable {
    TgwRouteTable {
        id: text(t.transit_gateway_route_table_id()),
        region: region.to_string(),
        tgw_id: text(t.transit_gateway_id()),
        name: tags_name(t.tags()),
        state: t
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        default_association: t.default_association_route_table().unwrap_or(false),
        default_propagation: t.default_propagation_route_table().unwrap_or(false),
        associations: Vec::new(),
        propagations: Vec::new(),
        routes: Vec::new(),
    }
}

pub(super) fn map_attachment(a: &ec2::TransitGatewayAttachment, region: &str) -> TgwAttachment {
    TgwAttachment {
        id: text(a.transit_gateway_attachment_id()),
        region: region.to_string(),
        tgw_id: text(a.transit_gateway_id()),
        tgw_owner_id: owned(a.transit_gateway_owner_id()),
        name: tags_name(a.tags()),
        kind: kind_of(a.resource_type()).unwrap_or_default(),
        state: a
            .state()
            .map(|s| AttachmentState::parse(s.as_str()))
            .unwrap_or_default(),
        resource_id: owned(a.resource_id()),
        resource_owner_id: owned(a.resource_owner_id()),
        association: a.association().map(|x| AttachmentAssociation {
            route_table_id: text(x.transit_gateway_route_table_id()),
            state: x
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        }),
        subnet_ids: Vec::new(),
        appliance_mode: None,
    }
}

pub(super) fn peering_side(info: &ec2::PeeringTgwInfo) -> PeeringSide {
    PeeringSide {
        tgw_id: text(info.transit_gateway_id().or(info.core_network_id())),
        region: text(info.region()),
        account_id: text(info.owner_id()),
    }
}

pub(super) fn map_peering(
    p: &ec2::TransitGatewayPeeringAttachment,
    region: &str,
) -> Option<Peering> {
    // moto lists VPC attachments here too, without TGW info: skip anything that is
    // not a peering.
    let requester = p.requester_tgw_info()?;
    let accepter = p.accepter_tgw_info()?;
    Some(Peering {
        id: text(p.transit_gateway_attachment_id()),
        region: region.to_string(),
        name: tags_name(p.tags()),
        state: p
            .state()
            .map(|s| AttachmentState::parse(s.as_str()))
            .unwrap_or_default(),
        status_message: p
            .status()
            .and_then(ec2::PeeringAttachmentStatus::message)
            .map(str::to_string),
        requester: peering_side(requester),
        accepter: peering_side(accepter),
        tags: p
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
    })
}

pub(super) fn map_vpc(v: &ec2::Vpc, region: &str) -> Vpc {
    let mut cidrs: Vec<IpNet> = Vec::new();
    let primary = v.cidr_block().and_then(parse_net);
    cidrs.extend(primary);
    for assoc in v.cidr_block_association_set() {
        let live = assoc
            .cidr_block_state()
            .and_then(|s| s.state())
            .is_none_or(|s| s.as_str() == "associated");
        if let Some(net) = assoc.cidr_block().and_then(parse_net)
            && live
            && !cidrs.contains(&net)
        {
            cidrs.push(net);
        }
    }
    for assoc in v.ipv6_cidr_block_association_set() {
        if let Some(net) = assoc.ipv6_cidr_block().and_then(parse_net)
            && !cidrs.contains(&net)
        {
            cidrs.push(net);
        }
    }
    Vpc {
        id: text(v.vpc_id()),
        region: region.to_string(),
        name: tags_name(v.tags()),
        owner_id: text(v.owner_id()),
        state: v
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        cidr_blocks: cidrs,
        is_default: v.is_default().unwrap_or(false),
    }
}

pub(super) fn map_subnet(s: &ec2::Subnet, region: &str) -> Subnet {
    Subnet {
        id: text(s.subnet_id()),
        owner_id: owned(s.owner_id()),
        region: region.to_string(),
        vpc_id: text(s.vpc_id()),
        name: tags_name(s.tags()),
        cidr: s.cidr_block().and_then(parse_net),
        availability_zone: text(s.availability_zone()),
        availability_zone_id: owned(s.availability_zone_id()),
    }
}

/// The target of a VPC route. An instance route also names its ENI; the instance
/// is the more useful of the two.
pub(super) fn vpc_route_target(r: &ec2::Route) -> VpcRouteTarget {
    let s = |x: &str| x.to_string();
    if let Some(id) = r.gateway_id() {
        VpcRouteTarget::from_gateway_id(id)
    } else if let Some(id) = r.nat_gateway_id() {
        VpcRouteTarget::NatGateway(s(id))
    } else if let Some(id) = r.transit_gateway_id() {
        VpcRouteTarget::TransitGateway(s(id))
    } else if let Some(id) = r.vpc_peering_connection_id() {
        VpcRouteTarget::PeeringConnection(s(id))
    } else if let Some(id) = r.egress_only_internet_gateway_id() {
        VpcRouteTarget::EgressOnlyInternetGateway(s(id))
    } else if let Some(id) = r.instance_id() {
        VpcRouteTarget::Instance(s(id))
    } else if let Some(id) = r.network_interface_id() {
        VpcRouteTarget::NetworkInterface(s(id))
    } else if let Some(id) = r.carrier_gateway_id() {
        VpcRouteTarget::CarrierGateway(s(id))
    } else if let Some(id) = r.local_gateway_id() {
        VpcRouteTarget::LocalGateway(s(id))
    } else if let Some(id) = r.core_network_arn() {
        VpcRouteTarget::CoreNetwork(s(id))
    } else {
        VpcRouteTarget::Unknown(String::new())
    }
}

pub(super) fn map_vpc_route(r: &ec2::Route) -> Option<VpcRoute> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else if let Some(c) = r.destination_ipv6_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else {
        Destination::PrefixList(r.destination_prefix_list_id()?.to_string())
    };
    Some(VpcRoute {
        destination,
        target: vpc_route_target(r),
        state: r
            .state()
            .map(|s| RouteState::parse(s.as_str()))
            .unwrap_or_default(),
    })
}

pub(super) fn map_vpc_route_table(t: &ec2::RouteTable, region: &str) -> VpcRouteTable {
    VpcRouteTable {
        id: text(t.route_table_id()),
        owner_id: owned(t.owner_id()),
        region: region.to_string(),
        vpc_id: text(t.vpc_id()),
        name: tags_name(t.tags()),
        associations: t
            .associations()
            .iter()
            .map(|a| VpcRouteTableAssociation {
                subnet_id: owned(a.subnet_id()),
                gateway_id: owned(a.gateway_id()),
                main: a.main().unwrap_or(false),
            })
            .collect(),
        routes: t.routes().iter().filter_map(map_vpc_route).collect(),
    }
}

pub(super) fn map_igw(g: &ec2::InternetGateway, region: &str) -> InternetGateway {
    InternetGateway {
        id: text(g.internet_gateway_id()),
        region: region.to_string(),
        name: tags_name(g.tags()),
        vpc_ids: g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
    }
}

pub(super) fn map_nat(n: &ec2::NatGateway, region: &str) -> NatGateway {
    let addrs = n.nat_gateway_addresses();
    NatGateway {
        id: text(n.nat_gateway_id()),
        region: region.to_string(),
        name: tags_name(n.tags()),
        vpc_id: text(n.vpc_id()),
        subnet_id: text(n.subnet_id()),
        state: n
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        connectivity: n
            .connectivity_type()
            .map_or_else(|| "public".to_string(), |c| c.as_str().to_string()),
        public_ips: addrs
            .iter()
            .filter_map(|a| parse_ip(a.public_ip()))
            .collect(),
        private_ips: addrs
            .iter()
            .filter_map(|a| parse_ip(a.private_ip()))
            .collect(),
    }
}

pub(super) fn map_endpoint(e: &ec2::VpcEndpoint, region: &str) -> VpcEndpoint {
    VpcEndpoint {
        id: text(e.vpc_endpoint_id()),
        region: region.to_string(),
        vpc_id: text(e.vpc_id()),
        service_name: text(e.service_name()),
        endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: e
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        subnet_ids: e.subnet_ids().to_vec(),
    }
}

pub(super) fn map_instance(i: &ec2::Instance, region: &str) -> Instance {
    Instance {
        id: text(i.instance_id()),
        // The reservation's OwnerId (set by the caller, which has it).
        owner_id: None,
        region: region.to_string(),
        name: tags_name(i.tags()),
        vpc_id: owned(i.vpc_id()),
        subnet_id: owned(i.subnet_id()),
        private_ip: parse_ip(i.private_ip_address()),
        public_ip: parse_ip(i.public_ip_address()),
        security_group_ids: i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        state: i
            .state()
            .and_then(ec2::InstanceState::name)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        ssm: None,
    }
}

/// An ENI. `private_ips` holds the primary private IPv4 address first (as AWS lists
/// `PrivateIpAddresses`), then the secondary ones, then any IPv6 addresses, so an
/// `eni-…` resolves by any address it answers on.
pub(super) fn map_network_interface(n: &ec2::NetworkInterface, region: &str) -> NetworkInterface {
    let mut private_ips: Vec<IpAddr> = Vec::new();
    let primary = parse_ip(n.private_ip_address());
    private_ips.extend(primary);
    for ip in n
        .private_ip_addresses()
        .iter()
        .filter_map(|a| parse_ip(a.private_ip_address()))
        .chain(
            n.ipv6_addresses()
                .iter()
                .filter_map(|a| parse_ip(a.ipv6_address())),
        )
    {
        if !private_ips.contains(&ip) {
            private_ips.push(ip);
        }
    }
    NetworkInterface {
        id: text(n.network_interface_id()),
        owner_id: owned(n.owner_id()),
        region: region.to_string(),
        security_group_ids: n
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        vpc_id: text(n.vpc_id()),
        subnet_id: text(n.subnet_id()),
        availability_zone: text(n.availability_zone()),
        interface_type: n
            .interface_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        private_ips,
        public_ip: n
            .association()
            .and_then(|a| parse_ip(a.public_ip()))
            .or_else(|| {
                // The primary address's association, when the top-level one is absent.
                n.private_ip_addresses()
                    .iter()
                    .find(|a| a.primary() == Some(true))
                    .and_then(|a| a.association())
                    .and_then(|a| parse_ip(a.public_ip()))
            }),
        instance_id: owned(n.attachment().and_then(|a| a.instance_id())),
        description: n
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
    }
}
/// One `IpPermission`: its IPv4 and IPv6 ranges together, in the order AWS gives them.
fn map_sg_rule(p: &ec2::IpPermission) -> SgRule {
    SgRule {
        protocol: text(p.ip_protocol()),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidrs: p
            .ip_ranges()
            .iter()
            .filter_map(ec2::IpRange::cidr_ip)
            .chain(p.ipv6_ranges().iter().filter_map(ec2::Ipv6Range::cidr_ipv6))
            .filter_map(parse_net)
            .collect(),
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .filter_map(|l| owned(l.prefix_list_id()))
            .collect(),
        groups: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| owned(g.group_id()))
            .collect(),
    }
}

/// A security group; its name is the `Name` tag, else the group name.
pub(super) fn map_security_group(g: &ec2::SecurityGroup, region: &str) -> SecurityGroup {
    SecurityGroup {
        id: text(g.group_id()),
        owner_id: owned(g.owner_id()),
        region: region.to_string(),
        vpc_id: text(g.vpc_id()),
        name: tags_name(g.tags()).or_else(|| owned(g.group_name())),
        ingress: g.ip_permissions().iter().map(map_sg_rule).collect(),
        egress: g.ip_permissions_egress().iter().map(map_sg_rule).collect(),
    }
}

/// A network ACL; its entries keep the order AWS gives them (the engine sorts them
/// by rule number).
pub(super) fn map_network_acl(a: &ec2::NetworkAcl, region: &str) -> NetworkAcl {
    NetworkAcl {
        id: text(a.network_acl_id()),
        region: region.to_string(),
        vpc_id: text(a.vpc_id()),
        is_default: a.is_default().unwrap_or(false),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|s| owned(s.subnet_id()))
            .collect(),
        entries: a
            .entries()
            .iter()
            .map(|e| NaclEntry {
                rule_number: e.rule_number().unwrap_or_default(),
                egress: e.egress().unwrap_or(false),
                protocol: text(e.protocol()),
                allow: e
                    .rule_action()
                    .is_some_and(|r| r.as_str() == ec2::RuleAction::Allow.as_str()),
                cidr: e.cidr_block().or(e.ipv6_cidr_block()).and_then(parse_net),
                from_port: e.port_range().and_then(ec2::PortRange::from),
                to_port: e.port_range().and_then(ec2::PortRange::to),
            })
            .collect(),
    }
}

fn peering_vpc_side(info: Option<&ec2::VpcPeeringConnectionVpcInfo>) -> VpcPeeringSide {
    let Some(info) = info else {
        return VpcPeeringSide::default();
    };
    let mut cidr_blocks: Vec<IpNet> = Vec::new();
    let primary = info.cidr_block().and_then(parse_net);
    cidr_blocks.extend(primary);
    for net in info
        .cidr_block_set()
        .iter()
        .filter_map(|c| c.cidr_block().and_then(parse_net))
        .chain(
            info.ipv6_cidr_block_set()
                .iter()
                .filter_map(|c| c.ipv6_cidr_block().and_then(parse_net)),
        )
    {
        if !cidr_blocks.contains(&net) {
            cidr_blocks.push(net);
        }
    }
    VpcPeeringSide {
        vpc_id: text(info.vpc_id()),
        region: text(info.region()),
        owner_id: text(info.owner_id()),
        cidr_blocks,
    }
}

/// A VPC peering connection. AWS omits a side's CIDRs until the peering is active
/// (and keeps listing rejected/deleted ones for a while): `status` says which.
pub(super) fn map_vpc_peering(p: &ec2::VpcPeeringConnection, region: &str) -> VpcPeeringConnection {
    VpcPeeringConnection {
        id: text(p.vpc_peering_connection_id()),
        region: region.to_string(),
        name: tags_name(p.tags()),
        status: p
            .status()
            .and_then(ec2::VpcPeeringConnectionStateReason::code)
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        requester: peering_vpc_side(p.requester_vpc_info()),
        accepter: peering_vpc_side(p.accepter_vpc_info()),
    }
}

pub(super) fn map_tgw_route(
    r: &ec2::TransitGatewayRoute,
    rtb: &str,
    region: &str,
) -> Option<TgwRoute> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else {
        Destination::PrefixList(r.prefix_list_id()?.to_string())
    };
    Some(TgwRoute {
        derived: false,
        route_table_id: rtb.to_string(),
        region: region.to_string(),
        destination,
        route_type: r
            .r#type()
            .map(|t| RouteType::parse(t.as_str()))
            .unwrap_or_default(),
        state: r
            .state()
            .map(|s| RouteState::parse(s.as_str()))
            .unwrap_or_default(),
        targets: r
            .transit_gateway_attachments()
            .iter()
            // An entry without an attachment id names nothing (moto 5.2.5 answers one
            // for a route to a peering attachment).
            .filter(|a| {
                a.transit_gateway_attachment_id()
                    .is_some_and(|id| !id.is_empty())
            })
            .map(|a| RouteTarget {
                attachment_id: text(a.transit_gateway_attachment_id()),
                resource_type: kind_of(a.resource_type()),
                resource_id: owned(a.resource_id()),
            })
            .collect(),
        // A referenced prefix list's entries come back as routes with both a CIDR
        // and the list's id.
        prefix_list_id: r
            .destination_cidr_block()
            .and(r.prefix_list_id())
            .map(ToString::to_string),
    })
}

pub(super) fn link(
    attachment_id: Option<&str>,
    resource_type: Option<&ec2::TransitGatewayAttachmentResourceType>,
    resource_id: Option<&str>,
    state: Option<&str>,
) -> RouteTableLink {
    RouteTableLink {
        attachment_id: text(attachment_id),
        resource_type: kind_of(resource_type),
        resource_id: owned(resource_id),
        state: text(state),
    }
}

pub(super) fn map_firewall(
    out: &aws_sdk_networkfirewall::operation::describe_firewall::DescribeFirewallOutput,
    region: &str,
) -> Option<NetworkFirewall> {
    let fw = out.firewall()?;
    let mut endpoints: Vec<FirewallEndpoint> = out
        .firewall_status()
        .and_then(|s| s.sync_states())
        .map(|states| {
            states
                .iter()
                .map(|(az, state)| {
                    let att = state.attachment();
                    FirewallEndpoint {
                        availability_zone: az.clone(),
                        subnet_id: text(att.and_then(|a| a.subnet_id())),
                        endpoint_id: owned(att.and_then(|a| a.endpoint_id())),
                        status: att.and_then(|a| a.status()).map(|s| s.as_str().to_string()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if endpoints.is_empty() {
        // No sync states yet (provisioning, or an emulator): the subnets are known;
        // their AZs are filled in from the region's subnets when the estate is built.
        endpoints = fw
            .subnet_mappings()
            .iter()
            .map(|m| FirewallEndpoint {
                availability_zone: String::new(),
                subnet_id: m.subnet_id().to_string(),
                endpoint_id: None,
                status: None,
            })
            .collect();
    }
    endpoints.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    Some(NetworkFirewall {
        // Some emulators omit the id; the ARN is as unique.
        id: if fw.firewall_id().is_empty() {
            text(fw.firewall_arn())
        } else {
            fw.firewall_id().to_string()
        },
        region: region.to_string(),
        name: text(fw.firewall_name()),
        arn: text(fw.firewall_arn()),
        vpc_id: fw.vpc_id().to_string(),
        policy_arn: fw.firewall_policy_arn().to_string(),
        endpoints,
    })
}

pub(super) fn map_policy(
    out: &aws_sdk_networkfirewall::operation::describe_firewall_policy::DescribeFirewallPolicyOutput,
    region: &str,
) -> Option<FirewallPolicy> {
    let resp = out.firewall_policy_response()?;
    let token = out.update_token();
    let mut policy = FirewallPolicy {
        id: resp.firewall_policy_id().to_string(),
        region: region.to_string(),
        name: resp.firewall_policy_name().to_string(),
        arn: resp.firewall_policy_arn().to_string(),
        update_token: (!token.is_empty()).then(|| token.to_string()),
        ..FirewallPolicy::default()
    };
    if let Some(p) = out.firewall_policy() {
        policy.stateless_default_actions = p.stateless_default_actions().to_vec();
        policy.stateless_fragment_default_actions = p.stateless_fragment_default_actions().to_vec();
        policy.stateful_default_actions = p.stateful_default_actions().to_vec();
        policy.stateful_rule_order = p
            .stateful_engine_options()
            .and_then(|o| o.rule_order())
            .map(|o| o.as_str().to_string());
        policy.stateless_rule_groups = p
            .stateless_rule_group_references()
            .iter()
            .map(|r| RuleGroupRef {
                arn: r.resource_arn().to_string(),
                priority: Some(r.priority()),
                ..RuleGroupRef::default()
            })
            .collect();
        policy.stateful_rule_groups = p
            .stateful_rule_group_references()
            .iter()
            .map(|r| RuleGroupRef {
                arn: r.resource_arn().to_string(),
                priority: r.priority(),
                override_action: r
                    .r#override()
                    .and_then(nfw::StatefulRuleGroupOverride::action)
                    .map(|a| a.as_str().to_string()),
                deep_threat_inspection: r.deep_threat_inspection(),
            })
            .collect();
        policy.policy_variables = p
            .policy_variables()
            .and_then(nfw::PolicyVariables::rule_variables)
            .map(ip_sets)
            .unwrap_or_default();
    }
    // Groups netops disabled, as their tags record them; a tag whose group is
    // referenced again (re-enabled by hand, or a failed disable) is stale and ignored.
    policy.disabled = resp
        .tags()
        .iter()
        .filter_map(|t| crate::model::DisabledGroup::from_tag(t.key(), t.value()))
        .filter(|d| {
            !policy
                .stateful_rule_groups
                .iter()
                .chain(&policy.stateless_rule_groups)
                .any(|r| r.arn == d.reference.arn)
        })
        .collect();
    policy.disabled.sort_by(|a, b| a.name.cmp(&b.name));
    Some(policy)
}

/// IP set variables (`HOME_NET` → its CIDRs), in name order.
fn ip_sets(vars: &HashMap<String, nfw::IpSet>) -> BTreeMap<String, Vec<String>> {
    vars.iter()
        .map(|(name, set)| (name.clone(), set.definition().to_vec()))
        .collect()
}

/// A stateless rule's port ranges; a range outside 0..=65535 (not one AWS accepts) is
/// dropped with a warning rather than wrapped.
fn port_ranges(ranges: &[nfw::PortRange]) -> Vec<PortRange> {
    ranges
        .iter()
        .filter_map(
            |r| match (u16::try_from(r.from_port()), u16::try_from(r.to_port())) {
                (Ok(from), Ok(to)) => Some(PortRange { from, to }),
                _ => {
                    tracing::warn!(
                        from = r.from_port(),
                        to = r.to_port(),
                        "ignoring an out-of-range port range"
                    );
                    None
                }
            },
        )
        .collect()
}

fn map_stateless_rule(r: &nfw::StatelessRule) -> StatelessRule {
    let def = r.rule_definition();
    let m = def.and_then(nfw::RuleDefinition::match_attributes);
    let addrs = |a: &[nfw::Address]| -> Vec<String> {
        a.iter()
            .map(|x| x.address_definition().to_string())
            .collect()
    };
    StatelessRule {
        priority: r.priority(),
        actions: def.map(|d| d.actions().to_vec()).unwrap_or_default(),
        sources: m.map(|m| addrs(m.sources())).unwrap_or_default(),
        destinations: m.map(|m| addrs(m.destinations())).unwrap_or_default(),
        source_ports: m.map(|m| port_ranges(m.source_ports())).unwrap_or_default(),
        destination_ports: m
            .map(|m| port_ranges(m.destination_ports()))
            .unwrap_or_default(),
        protocols: m
            .map(|m| {
                m.protocols()
                    .iter()
                    .filter_map(|p| u8::try_from(*p).ok())
                    .collect()
            })
            .unwrap_or_default(),
        tcp_flags: m.is_some_and(|m| !m.tcp_flags().is_empty()),
    }
}

/// A 5-tuple `StatefulRule` as the equivalent Suricata rule line, e.g.
/// `pass tcp $HOME_NET any -> any 443 (msg:"web"; sid:1;)`, so the firewall
/// evaluator reads one rule language.
pub(super) fn suricata_line(r: &nfw::StatefulRule) -> String {
    fn word(s: &str) -> String {
        if s.eq_ignore_ascii_case("any") {
            "any".to_string()
        } else {
            s.to_string()
        }
    }
    let action = r.action().as_str().to_ascii_lowercase();
    let header = r.header().map_or_else(
        // A rule without a header is not one AWS accepts; keep it visible anyway.
        || "ip any any -> any any".to_string(),
        |h| {
            let direction = match h.direction() {
                nfw::StatefulRuleDirection::Any => "<>",
                _ => "->",
            };
            format!(
                "{} {} {} {} {} {}",
                h.protocol().as_str().to_ascii_lowercase(),
                word(h.source()),
                word(h.source_port()),
                direction,
                word(h.destination()),
                word(h.destination_port()),
            )
        },
    );
    let options: Vec<String> = r
        .rule_options()
        .iter()
        .map(|o| {
            if o.settings().is_empty() {
                format!("{};", o.keyword())
            } else {
                format!("{}:{};", o.keyword(), o.settings().join(","))
            }
        })
        .collect();
    format!("{action} {header} ({})", options.join(" "))
}

pub(super) fn map_rule_group(
    out: &aws_sdk_networkfirewall::operation::describe_rule_group::DescribeRuleGroupOutput,
    region: &str,
) -> Option<RuleGroup> {
    let resp = out.rule_group_response()?;
    let group = out.rule_group();
    let source = group.and_then(nfw::RuleGroup::rules_source);
    let vars = group.and_then(nfw::RuleGroup::rule_variables);
    // `StatefulRules` (5-tuple) become Suricata lines, after any rules string.
    let mut lines: Vec<String> = source
        .and_then(nfw::RulesSource::rules_string)
        .map(str::to_string)
        .into_iter()
        .collect();
    lines.extend(
        source
            .map(nfw::RulesSource::stateful_rules)
            .unwrap_or_default()
            .iter()
            .map(suricata_line),
    );
    Some(RuleGroup {
        id: resp.rule_group_id().to_string(),
        region: region.to_string(),
        name: resp.rule_group_name().to_string(),
        arn: resp.rule_group_arn().to_string(),
        kind: resp
            .r#type()
            .map(|t| RuleGroupKind::parse(t.as_str()))
            .unwrap_or_default(),
        capacity: resp.capacity(),
        description: owned(resp.description()),
        rules_string: (!lines.is_empty()).then(|| lines.join("\n")),
        rule_order: group
            .and_then(nfw::RuleGroup::stateful_rule_options)
            .and_then(nfw::StatefulRuleOptions::rule_order)
            .map(|o| o.as_str().to_string()),
        ip_sets: vars
            .and_then(nfw::RuleVariables::ip_sets)
            .map(ip_sets)
            .unwrap_or_default(),
        port_sets: vars
            .and_then(nfw::RuleVariables::port_sets)
            .map(|sets| {
                sets.iter()
                    .map(|(name, set)| (name.clone(), set.definition().to_vec()))
                    .collect()
            })
            .unwrap_or_default(),
        stateless_rules: source
            .and_then(nfw::RulesSource::stateless_rules_and_custom_actions)
            .map(|s| s.stateless_rules().iter().map(map_stateless_rule).collect())
            .unwrap_or_default(),
        // Domain lists are not emulated: the evaluator reports the group as not
        // evaluated.
        other_source: source
            .and_then(nfw::RulesSource::rules_source_list)
            .map(|_| "domain list (RulesSourceList)".to_string()),
    })
}
