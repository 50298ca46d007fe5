//! Between the AWS CLI's shapes ([`super::shapes`]) and the model, both ways, each
//! pair side by side so a saved snapshot reads back as the estate it came from.
//! The readings follow the live reader's (`backend::aws::mapping`): the same
//! fields, the same defaults.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::shapes as s;
use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, FirewallEndpoint,
    FirewallPolicy, Instance, InternetGateway, NaclEntry, NatGateway, NetworkAcl, NetworkFirewall,
    NetworkInterface, Peering, PeeringSide, PingStatus, PortRange, PrefixList, ResourceState,
    RouteState, RouteTableLink, RouteTarget, RouteType, RuleGroup, RuleGroupKind, RuleGroupRef,
    SecurityGroup, SgRule, SsmStatus, StatelessRule, Subnet, TgwAttachment, TgwRoute,
    TgwRouteTable, Toggle, TransitGateway, Vpc, VpcEndpoint, VpcPeeringConnection, VpcPeeringSide,
    VpcRoute, VpcRouteTable, VpcRouteTableAssociation, VpcRouteTarget, name_tag,
};

fn text(s: Option<&String>) -> String {
    s.cloned().unwrap_or_default()
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn net(s: Option<&String>) -> Option<IpNet> {
    s.and_then(|s| s.parse().ok())
}

fn ip(s: Option<&String>) -> Option<IpAddr> {
    s.and_then(|s| s.parse().ok())
}

fn name(tags: &[s::Tag]) -> Option<String> {
    name_tag(
        tags.iter()
            .filter_map(|t| Some((t.key.as_deref()?, t.value.as_deref().unwrap_or_default()))),
    )
}

fn name_tags(name: Option<&String>) -> Vec<s::Tag> {
    name.map(|n| s::Tag {
        key: Some("Name".into()),
        value: Some(n.clone()),
    })
    .into_iter()
    .collect()
}

fn toggle(s: Option<&String>) -> Toggle {
    s.map(|s| Toggle::parse(s)).unwrap_or_default()
}

pub fn tgw(t: &s::TransitGateway, region: &str) -> TransitGateway {
    let o = t.options.clone().unwrap_or_default();
    TransitGateway {
        id: text(t.transit_gateway_id.as_ref()),
        region: region.to_string(),
        name: name(&t.tags),
        owner_id: text(t.owner_id.as_ref()),
        state: t
            .state
            .as_deref()
            .map(ResourceState::parse)
            .unwrap_or_default(),
        asn: o
            .amazon_side_asn
            .and_then(|a| u64::try_from(a).ok())
            .unwrap_or_default(),
        default_route_table_association: toggle(o.default_route_table_association.as_ref()),
        default_route_table_propagation: toggle(o.default_route_table_propagation.as_ref()),
        association_default_route_table_id: o.association_default_route_table_id,
        propagation_default_route_table_id: o.propagation_default_route_table_id,
        dns_support: toggle(o.dns_support.as_ref()),
        vpn_ecmp_support: toggle(o.vpn_ecmp_support.as_ref()),
        cidr_blocks: o.transit_gateway_cidr_blocks,
    }
}

pub fn tgw_shape(t: &TransitGateway) -> s::TransitGateway {
    s::TransitGateway {
        transit_gateway_id: some(&t.id),
        transit_gateway_arn: some(&t.owner_id)
            .map(|owner| format!("arn:aws:ec2:{}:{owner}:transit-gateway/{}", t.region, t.id)),
        state: some(t.state.as_str()),
        owner_id: some(&t.owner_id),
        options: Some(s::TgwOptions {
            amazon_side_asn: i64::try_from(t.asn).ok(),
            default_route_table_association: Some(t.default_route_table_association.to_string()),
            association_default_route_table_id: t.association_default_route_table_id.clone(),
            default_route_table_propagation: Some(t.default_route_table_propagation.to_string()),
            propagation_default_route_table_id: t.propagation_default_route_table_id.clone(),
            vpn_ecmp_support: Some(t.vpn_ecmp_support.to_string()),
            dns_support: Some(t.dns_support.to_string()),
            transit_gateway_cidr_blocks: t.cidr_blocks.clone(),
        }),
        tags: name_tags(t.name.as_ref()),
    }
}

pub fn route_table(t: &s::TransitGatewayRouteTable, region: &str) -> TgwRouteTable {
    TgwRouteTable {
        id: text(t.transit_gateway_route_table_id.as_ref()),
        region: region.to_string(),
        tgw_id: text(t.transit_gateway_id.as_ref()),
        name: name(&t.tags),
        state: t
            .state
            .as_deref()
            .map(ResourceState::parse)
            .unwrap_or_default(),
        default_association: t.default_association_route_table.unwrap_or(false),
        default_propagation: t.default_propagation_route_table.unwrap_or(false),
        associations: Vec::new(),
        propagations: Vec::new(),
        routes: Vec::new(),
    }
}

pub fn route_table_shape(t: &TgwRouteTable) -> s::TransitGatewayRouteTable {
    s::TransitGatewayRouteTable {
        transit_gateway_route_table_id: some(&t.id),
        transit_gateway_id: some(&t.tgw_id),
        state: some(t.state.as_str()),
        default_association_route_table: Some(t.default_association),
        default_propagation_route_table: Some(t.default_propagation),
        tags: name_tags(t.name.as_ref()),
    }
}

pub fn attachment(a: &s::TransitGatewayAttachment, region: &str) -> TgwAttachment {
    TgwAttachment {
        id: text(a.transit_gateway_attachment_id.as_ref()),
        region: region.to_string(),
        tgw_id: text(a.transit_gateway_id.as_ref()),
        tgw_owner_id: a.transit_gateway_owner_id.clone(),
        name: name(&a.tags),
        kind: a
            .resource_type
            .as_deref()
            .map(AttachmentKind::parse)
            .unwrap_or_default(),
        state: a
            .state
            .as_deref()
            .map(AttachmentState::parse)
            .unwrap_or_default(),
        resource_id: a.resource_id.clone(),
        resource_owner_id: a.resource_owner_id.clone(),
        association: a.association.as_ref().map(|x| AttachmentAssociation {
            route_table_id: text(x.transit_gateway_route_table_id.as_ref()),
            state: text(x.state.as_ref()),
        }),
        subnet_ids: Vec::new(),
        appliance_mode: None,
    }
}

pub fn attachment_shape(a: &TgwAttachment) -> s::TransitGatewayAttachment {
    s::TransitGatewayAttachment {
        transit_gateway_attachment_id: some(&a.id),
        transit_gateway_id: some(&a.tgw_id),
        transit_gateway_owner_id: a.tgw_owner_id.clone(),
        resource_owner_id: a.resource_owner_id.clone(),
        resource_type: some(a.kind.as_str()),
        resource_id: a.resource_id.clone(),
        state: some(a.state.as_str()),
        association: a.association.as_ref().map(|x| s::AttachmentAssociation {
            transit_gateway_route_table_id: some(&x.route_table_id),
            state: some(&x.state),
        }),
        tags: name_tags(a.name.as_ref()),
    }
}

/// The VPC attachment's details (subnets, appliance mode) onto its attachment.
pub fn vpc_attachment_details(att: &mut TgwAttachment, v: &s::TransitGatewayVpcAttachment) {
    att.subnet_ids.clone_from(&v.subnet_ids);
    att.appliance_mode = Some(
        v.options
            .as_ref()
            .and_then(|o| o.appliance_mode_support.as_deref())
            == Some("enable"),
    );
    if att.name.is_none() {
        att.name = name(&v.tags);
    }
}

pub fn vpc_attachment_shape(a: &TgwAttachment) -> s::TransitGatewayVpcAttachment {
    s::TransitGatewayVpcAttachment {
        transit_gateway_attachment_id: some(&a.id),
        transit_gateway_id: some(&a.tgw_id),
        vpc_id: a.resource_id.clone(),
        vpc_owner_id: a.resource_owner_id.clone(),
        state: some(a.state.as_str()),
        subnet_ids: a.subnet_ids.clone(),
        options: a.appliance_mode.map(|on| s::VpcAttachmentOptions {
            appliance_mode_support: Some(if on { "enable" } else { "disable" }.into()),
            ..s::VpcAttachmentOptions::default()
        }),
        tags: name_tags(a.name.as_ref()),
    }
}

fn side(info: &s::PeeringTgwInfo) -> PeeringSide {
    PeeringSide {
        tgw_id: text(
            info.transit_gateway_id
                .as_ref()
                .or(info.core_network_id.as_ref()),
        ),
        region: text(info.region.as_ref()),
        account_id: text(info.owner_id.as_ref()),
    }
}

fn side_shape(p: &PeeringSide) -> s::PeeringTgwInfo {
    s::PeeringTgwInfo {
        transit_gateway_id: some(&p.tgw_id),
        core_network_id: None,
        owner_id: some(&p.account_id),
        region: some(&p.region),
    }
}

pub fn peering(p: &s::TransitGatewayPeeringAttachment, region: &str) -> Option<Peering> {
    let requester = p.requester_tgw_info.as_ref()?;
    let accepter = p.accepter_tgw_info.as_ref()?;
    Some(Peering {
        id: text(p.transit_gateway_attachment_id.as_ref()),
        region: region.to_string(),
        name: name(&p.tags),
        state: p
            .state
            .as_deref()
            .map(AttachmentState::parse)
            .unwrap_or_default(),
        status_message: p.status.as_ref().and_then(|s| s.message.clone()),
        requester: side(requester),
        accepter: side(accepter),
        tags: p
            .tags
            .iter()
            .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
            .collect(),
    })
}

pub fn peering_shape(p: &Peering) -> s::TransitGatewayPeeringAttachment {
    s::TransitGatewayPeeringAttachment {
        transit_gateway_attachment_id: some(&p.id),
        requester_tgw_info: Some(side_shape(&p.requester)),
        accepter_tgw_info: Some(side_shape(&p.accepter)),
        status: Some(s::StatusCode {
            code: some(p.state.as_str()),
            message: p.status_message.clone(),
        }),
        state: some(p.state.as_str()),
        tags: {
            let mut tags = p.tags.clone();
            if let Some(n) = &p.name {
                tags.entry("Name".into()).or_insert_with(|| n.clone());
            }
            tags.into_iter()
                .map(|(k, v)| s::Tag {
                    key: Some(k),
                    value: Some(v),
                })
                .collect()
        },
    }
}

pub fn tgw_route(r: &s::TransitGatewayRoute, rtb: &str, region: &str) -> Option<TgwRoute> {
    let destination = match (&r.destination_cidr_block, &r.prefix_list_id) {
        (Some(c), _) => Destination::Cidr(c.parse().ok()?),
        (None, Some(pl)) => Destination::PrefixList(pl.clone()),
        (None, None) => return None,
    };
    Some(TgwRoute {
        route_table_id: rtb.to_string(),
        region: region.to_string(),
        destination,
        route_type: r
            .r#type
            .as_deref()
            .map(RouteType::parse)
            .unwrap_or_default(),
        state: r
            .state
            .as_deref()
            .map(RouteState::parse)
            .unwrap_or_default(),
        targets: r
            .transit_gateway_attachments
            .iter()
            .filter(|a| {
                a.transit_gateway_attachment_id
                    .as_ref()
                    .is_some_and(|id| !id.is_empty())
            })
            .map(|a| RouteTarget {
                attachment_id: text(a.transit_gateway_attachment_id.as_ref()),
                resource_type: a.resource_type.as_deref().map(AttachmentKind::parse),
                resource_id: a.resource_id.clone(),
            })
            .collect(),
        derived: false,
        prefix_list_id: r
            .destination_cidr_block
            .as_ref()
            .and(r.prefix_list_id.clone()),
    })
}

pub fn tgw_route_shape(r: &TgwRoute) -> s::TransitGatewayRoute {
    let (cidr, pl) = match &r.destination {
        Destination::Cidr(c) => (Some(c.to_string()), r.prefix_list_id.clone()),
        Destination::PrefixList(p) => (None, Some(p.clone())),
    };
    s::TransitGatewayRoute {
        destination_cidr_block: cidr,
        prefix_list_id: pl,
        transit_gateway_attachments: r
            .targets
            .iter()
            .map(|t| s::TgwRouteAttachment {
                resource_id: t.resource_id.clone(),
                transit_gateway_attachment_id: some(&t.attachment_id),
                resource_type: t.resource_type.as_ref().map(|k| k.as_str().to_string()),
            })
            .collect(),
        r#type: some(r.route_type.as_str()),
        state: some(r.state.as_str()),
    }
}

pub fn link(l: &s::TableLink) -> RouteTableLink {
    RouteTableLink {
        attachment_id: text(l.transit_gateway_attachment_id.as_ref()),
        resource_type: l.resource_type.as_deref().map(AttachmentKind::parse),
        resource_id: l.resource_id.clone(),
        state: text(l.state.as_ref()),
    }
}

pub fn link_shape(l: &RouteTableLink) -> s::TableLink {
    s::TableLink {
        transit_gateway_attachment_id: some(&l.attachment_id),
        resource_id: l.resource_id.clone(),
        resource_type: l.resource_type.as_ref().map(|k| k.as_str().to_string()),
        state: some(&l.state),
    }
}

pub fn vpc(v: &s::Vpc, region: &str) -> Vpc {
    let mut cidrs: Vec<IpNet> = net(v.cidr_block.as_ref()).into_iter().collect();
    for a in &v.cidr_block_association_set {
        let live = a
            .cidr_block_state
            .as_ref()
            .and_then(|s| s.state.as_deref())
            .is_none_or(|s| s == "associated");
        if let Some(n) = net(a.cidr_block.as_ref())
            && live
            && !cidrs.contains(&n)
        {
            cidrs.push(n);
        }
    }
    for a in &v.ipv6_cidr_block_association_set {
        if let Some(n) = net(a.ipv6_cidr_block.as_ref())
            && !cidrs.contains(&n)
        {
            cidrs.push(n);
        }
    }
    Vpc {
        id: text(v.vpc_id.as_ref()),
        region: region.to_string(),
        name: name(&v.tags),
        owner_id: text(v.owner_id.as_ref()),
        state: v
            .state
            .as_deref()
            .map(ResourceState::parse)
            .unwrap_or_default(),
        cidr_blocks: cidrs,
        is_default: v.is_default.unwrap_or(false),
    }
}

pub fn vpc_shape(v: &Vpc) -> s::Vpc {
    let (v4, v6): (Vec<IpNet>, Vec<IpNet>) = v
        .cidr_blocks
        .iter()
        .partition(|n| matches!(n, IpNet::V4(_)));
    s::Vpc {
        vpc_id: some(&v.id),
        owner_id: some(&v.owner_id),
        state: some(v.state.as_str()),
        cidr_block: v4.first().map(ToString::to_string),
        cidr_block_association_set: v4
            .iter()
            .map(|n| s::CidrAssociation {
                cidr_block: Some(n.to_string()),
                cidr_block_state: Some(s::CidrState {
                    state: Some("associated".into()),
                }),
            })
            .collect(),
        ipv6_cidr_block_association_set: v6
            .iter()
            .map(|n| s::Ipv6CidrAssociation {
                ipv6_cidr_block: Some(n.to_string()),
            })
            .collect(),
        is_default: Some(v.is_default),
        tags: name_tags(v.name.as_ref()),
    }
}

pub fn subnet(x: &s::Subnet, region: &str) -> Subnet {
    Subnet {
        id: text(x.subnet_id.as_ref()),
        owner_id: x.owner_id.clone(),
        region: region.to_string(),
        vpc_id: text(x.vpc_id.as_ref()),
        name: name(&x.tags),
        cidr: net(x.cidr_block.as_ref()),
        availability_zone: text(x.availability_zone.as_ref()),
        availability_zone_id: x.availability_zone_id.clone(),
    }
}

pub fn subnet_shape(x: &Subnet) -> s::Subnet {
    s::Subnet {
        subnet_id: some(&x.id),
        vpc_id: some(&x.vpc_id),
        owner_id: x.owner_id.clone(),
        cidr_block: x.cidr.map(|c| c.to_string()),
        availability_zone: some(&x.availability_zone),
        availability_zone_id: x.availability_zone_id.clone(),
        tags: name_tags(x.name.as_ref()),
    }
}

fn vpc_route_target(r: &s::Route) -> VpcRouteTarget {
    let own = |x: &String| x.clone();
    if let Some(id) = &r.gateway_id {
        VpcRouteTarget::from_gateway_id(id)
    } else if let Some(id) = &r.nat_gateway_id {
        VpcRouteTarget::NatGateway(own(id))
    } else if let Some(id) = &r.transit_gateway_id {
        VpcRouteTarget::TransitGateway(own(id))
    } else if let Some(id) = &r.vpc_peering_connection_id {
        VpcRouteTarget::PeeringConnection(own(id))
    } else if let Some(id) = &r.egress_only_internet_gateway_id {
        VpcRouteTarget::EgressOnlyInternetGateway(own(id))
    } else if let Some(id) = &r.instance_id {
        VpcRouteTarget::Instance(own(id))
    } else if let Some(id) = &r.network_interface_id {
        VpcRouteTarget::NetworkInterface(own(id))
    } else if let Some(id) = &r.carrier_gateway_id {
        VpcRouteTarget::CarrierGateway(own(id))
    } else if let Some(id) = &r.local_gateway_id {
        VpcRouteTarget::LocalGateway(own(id))
    } else if let Some(id) = &r.core_network_arn {
        VpcRouteTarget::CoreNetwork(own(id))
    } else {
        VpcRouteTarget::Unknown(String::new())
    }
}

fn vpc_route(r: &s::Route) -> Option<VpcRoute> {
    let destination = if let Some(c) = r
        .destination_cidr_block
        .as_ref()
        .or(r.destination_ipv6_cidr_block.as_ref())
    {
        Destination::Cidr(c.parse().ok()?)
    } else {
        Destination::PrefixList(r.destination_prefix_list_id.clone()?)
    };
    Some(VpcRoute {
        destination,
        target: vpc_route_target(r),
        state: r
            .state
            .as_deref()
            .map(RouteState::parse)
            .unwrap_or_default(),
    })
}

fn vpc_route_shape(r: &VpcRoute) -> s::Route {
    let mut out = s::Route {
        state: some(r.state.as_str()),
        ..s::Route::default()
    };
    match &r.destination {
        Destination::Cidr(c @ IpNet::V4(_)) => out.destination_cidr_block = Some(c.to_string()),
        Destination::Cidr(c) => out.destination_ipv6_cidr_block = Some(c.to_string()),
        Destination::PrefixList(p) => out.destination_prefix_list_id = Some(p.clone()),
    }
    let id = Some(r.target.id().to_string());
    match &r.target {
        VpcRouteTarget::Local
        | VpcRouteTarget::InternetGateway(_)
        | VpcRouteTarget::VpcEndpoint(_)
        | VpcRouteTarget::VpnGateway(_)
        | VpcRouteTarget::Unknown(_) => out.gateway_id = id.filter(|i| !i.is_empty()),
        VpcRouteTarget::NatGateway(_) => out.nat_gateway_id = id,
        VpcRouteTarget::TransitGateway(_) => out.transit_gateway_id = id,
        VpcRouteTarget::PeeringConnection(_) => out.vpc_peering_connection_id = id,
        VpcRouteTarget::EgressOnlyInternetGateway(_) => out.egress_only_internet_gateway_id = id,
        VpcRouteTarget::Instance(_) => out.instance_id = id,
        VpcRouteTarget::NetworkInterface(_) => out.network_interface_id = id,
        VpcRouteTarget::CarrierGateway(_) => out.carrier_gateway_id = id,
        VpcRouteTarget::LocalGateway(_) => out.local_gateway_id = id,
        VpcRouteTarget::CoreNetwork(_) => out.core_network_arn = id,
    }
    out
}

pub fn vpc_route_table(t: &s::RouteTable, region: &str) -> VpcRouteTable {
    VpcRouteTable {
        id: text(t.route_table_id.as_ref()),
        owner_id: t.owner_id.clone(),
        region: region.to_string(),
        vpc_id: text(t.vpc_id.as_ref()),
        name: name(&t.tags),
        associations: t
            .associations
            .iter()
            .map(|a| VpcRouteTableAssociation {
                subnet_id: a.subnet_id.clone(),
                gateway_id: a.gateway_id.clone(),
                main: a.main.unwrap_or(false),
            })
            .collect(),
        routes: t.routes.iter().filter_map(vpc_route).collect(),
    }
}

pub fn vpc_route_table_shape(t: &VpcRouteTable) -> s::RouteTable {
    s::RouteTable {
        route_table_id: some(&t.id),
        vpc_id: some(&t.vpc_id),
        owner_id: t.owner_id.clone(),
        associations: t
            .associations
            .iter()
            .map(|a| s::RouteTableAssociation {
                subnet_id: a.subnet_id.clone(),
                gateway_id: a.gateway_id.clone(),
                main: Some(a.main),
            })
            .collect(),
        routes: t.routes.iter().map(vpc_route_shape).collect(),
        tags: name_tags(t.name.as_ref()),
    }
}

pub fn igw(g: &s::InternetGateway, region: &str) -> InternetGateway {
    InternetGateway {
        id: text(g.internet_gateway_id.as_ref()),
        region: region.to_string(),
        name: name(&g.tags),
        vpc_ids: g
            .attachments
            .iter()
            .filter_map(|a| a.vpc_id.clone())
            .collect(),
    }
}

pub fn igw_shape(g: &InternetGateway) -> s::InternetGateway {
    s::InternetGateway {
        internet_gateway_id: some(&g.id),
        owner_id: None,
        attachments: g
            .vpc_ids
            .iter()
            .map(|v| s::VpcLink {
                vpc_id: Some(v.clone()),
                state: Some("available".into()),
            })
            .collect(),
        tags: name_tags(g.name.as_ref()),
    }
}

pub fn nat(n: &s::NatGateway, region: &str) -> NatGateway {
    NatGateway {
        id: text(n.nat_gateway_id.as_ref()),
        region: region.to_string(),
        name: name(&n.tags),
        vpc_id: text(n.vpc_id.as_ref()),
        subnet_id: text(n.subnet_id.as_ref()),
        state: text(n.state.as_ref()),
        connectivity: n
            .connectivity_type
            .clone()
            .unwrap_or_else(|| "public".into()),
        public_ips: n
            .nat_gateway_addresses
            .iter()
            .filter_map(|a| ip(a.public_ip.as_ref()))
            .collect(),
        private_ips: n
            .nat_gateway_addresses
            .iter()
            .filter_map(|a| ip(a.private_ip.as_ref()))
            .collect(),
    }
}

pub fn nat_shape(n: &NatGateway) -> s::NatGateway {
    let count = n.public_ips.len().max(n.private_ips.len());
    s::NatGateway {
        nat_gateway_id: some(&n.id),
        vpc_id: some(&n.vpc_id),
        subnet_id: some(&n.subnet_id),
        state: some(&n.state),
        connectivity_type: some(&n.connectivity),
        nat_gateway_addresses: (0..count)
            .map(|i| s::NatAddress {
                public_ip: n.public_ips.get(i).map(ToString::to_string),
                private_ip: n.private_ips.get(i).map(ToString::to_string),
            })
            .collect(),
        tags: name_tags(n.name.as_ref()),
    }
}

pub fn endpoint(e: &s::VpcEndpoint, region: &str) -> VpcEndpoint {
    VpcEndpoint {
        id: text(e.vpc_endpoint_id.as_ref()),
        region: region.to_string(),
        vpc_id: text(e.vpc_id.as_ref()),
        service_name: text(e.service_name.as_ref()),
        endpoint_type: text(e.vpc_endpoint_type.as_ref()),
        state: text(e.state.as_ref()),
        subnet_ids: e.subnet_ids.clone(),
    }
}

pub fn endpoint_shape(e: &VpcEndpoint) -> s::VpcEndpoint {
    s::VpcEndpoint {
        vpc_endpoint_id: some(&e.id),
        vpc_id: some(&e.vpc_id),
        service_name: some(&e.service_name),
        vpc_endpoint_type: some(&e.endpoint_type),
        state: some(&e.state),
        subnet_ids: e.subnet_ids.clone(),
    }
}

/// An instance: a terminated one holds no address (AWS releases them), so it is kept
/// as such, with none.
pub fn instance(i: &s::Instance, region: &str) -> Instance {
    let state = i
        .state
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_default();
    let gone = state == "terminated";
    Instance {
        id: text(i.instance_id.as_ref()),
        owner_id: None,
        region: region.to_string(),
        name: name(&i.tags),
        vpc_id: i.vpc_id.clone(),
        subnet_id: i.subnet_id.clone(),
        private_ip: ip(i.private_ip_address.as_ref()).filter(|_| !gone),
        public_ip: ip(i.public_ip_address.as_ref()).filter(|_| !gone),
        security_group_ids: i
            .security_groups
            .iter()
            .filter_map(|g| g.group_id.clone())
            .collect(),
        state,
        ssm: None,
    }
}

pub fn instance_shape(i: &Instance) -> s::Instance {
    s::Instance {
        instance_id: some(&i.id),
        vpc_id: i.vpc_id.clone(),
        subnet_id: i.subnet_id.clone(),
        private_ip_address: i.private_ip.map(|a| a.to_string()),
        public_ip_address: i.public_ip.map(|a| a.to_string()),
        security_groups: i
            .security_group_ids
            .iter()
            .map(|g| s::GroupPair {
                group_id: Some(g.clone()),
            })
            .collect(),
        state: Some(s::InstanceState {
            name: some(&i.state),
        }),
        tags: name_tags(i.name.as_ref()),
    }
}

pub fn ssm_status(info: &s::InstanceInformation) -> SsmStatus {
    SsmStatus {
        ping_status: info
            .ping_status
            .as_deref()
            .map_or(PingStatus::Other(String::new()), PingStatus::parse),
        platform: info.platform_name.clone(),
        agent_version: info.agent_version.clone(),
    }
}

pub fn ssm_shape(i: &Instance) -> Option<s::InstanceInformation> {
    let ssm = i.ssm.as_ref()?;
    Some(s::InstanceInformation {
        instance_id: some(&i.id),
        ping_status: some(ssm.ping_status.as_str()),
        platform_name: ssm.platform.clone(),
        agent_version: ssm.agent_version.clone(),
        ip_address: i.private_ip.map(|a| a.to_string()),
        resource_type: Some(
            if i.id.starts_with("mi-") {
                "ManagedInstance"
            } else {
                "EC2Instance"
            }
            .into(),
        ),
        name: None,
        computer_name: None,
    })
}

pub fn eni(n: &s::NetworkInterface, region: &str) -> NetworkInterface {
    let mut private_ips: Vec<IpAddr> = ip(n.private_ip_address.as_ref()).into_iter().collect();
    for a in n
        .private_ip_addresses
        .iter()
        .filter_map(|a| ip(a.private_ip_address.as_ref()))
        .chain(
            n.ipv6_addresses
                .iter()
                .filter_map(|a| ip(a.ipv6_address.as_ref())),
        )
    {
        if !private_ips.contains(&a) {
            private_ips.push(a);
        }
    }
    NetworkInterface {
        id: text(n.network_interface_id.as_ref()),
        owner_id: n.owner_id.clone(),
        region: region.to_string(),
        vpc_id: text(n.vpc_id.as_ref()),
        subnet_id: text(n.subnet_id.as_ref()),
        availability_zone: text(n.availability_zone.as_ref()),
        interface_type: text(n.interface_type.as_ref()),
        private_ips,
        public_ip: n
            .association
            .as_ref()
            .and_then(|a| ip(a.public_ip.as_ref()))
            .or_else(|| {
                n.private_ip_addresses
                    .iter()
                    .find(|a| a.primary == Some(true))
                    .and_then(|a| a.association.as_ref())
                    .and_then(|a| ip(a.public_ip.as_ref()))
            }),
        instance_id: n.attachment.as_ref().and_then(|a| a.instance_id.clone()),
        security_group_ids: n.groups.iter().filter_map(|g| g.group_id.clone()).collect(),
        description: n.description.clone().filter(|d| !d.is_empty()),
    }
}

pub fn eni_shape(n: &NetworkInterface) -> s::NetworkInterface {
    let (v4, v6): (Vec<IpAddr>, Vec<IpAddr>) = n.private_ips.iter().partition(|a| a.is_ipv4());
    s::NetworkInterface {
        network_interface_id: some(&n.id),
        owner_id: n.owner_id.clone(),
        vpc_id: some(&n.vpc_id),
        subnet_id: some(&n.subnet_id),
        availability_zone: some(&n.availability_zone),
        interface_type: some(&n.interface_type),
        private_ip_address: v4.first().map(ToString::to_string),
        private_ip_addresses: v4
            .iter()
            .enumerate()
            .map(|(i, a)| s::PrivateIp {
                private_ip_address: Some(a.to_string()),
                primary: Some(i == 0),
                association: None,
            })
            .collect(),
        ipv6_addresses: v6
            .iter()
            .map(|a| s::Ipv6Address {
                ipv6_address: Some(a.to_string()),
            })
            .collect(),
        association: n.public_ip.map(|a| s::PublicIp {
            public_ip: Some(a.to_string()),
        }),
        attachment: n.instance_id.as_ref().map(|i| s::EniAttachment {
            instance_id: Some(i.clone()),
        }),
        groups: n
            .security_group_ids
            .iter()
            .map(|g| s::GroupPair {
                group_id: Some(g.clone()),
            })
            .collect(),
        description: n.description.clone(),
    }
}

fn sg_rule(p: &s::IpPermission) -> SgRule {
    SgRule {
        protocol: text(p.ip_protocol.as_ref()),
        from_port: p.from_port,
        to_port: p.to_port,
        cidrs: p
            .ip_ranges
            .iter()
            .filter_map(|r| net(r.cidr_ip.as_ref()))
            .chain(
                p.ipv6_ranges
                    .iter()
                    .filter_map(|r| net(r.cidr_ipv6.as_ref())),
            )
            .collect(),
        prefix_lists: p
            .prefix_list_ids
            .iter()
            .filter_map(|l| l.prefix_list_id.clone())
            .collect(),
        groups: p
            .user_id_group_pairs
            .iter()
            .filter_map(|g| g.group_id.clone())
            .collect(),
    }
}

fn sg_rule_shape(r: &SgRule) -> s::IpPermission {
    s::IpPermission {
        ip_protocol: some(&r.protocol),
        from_port: r.from_port,
        to_port: r.to_port,
        ip_ranges: r
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .map(|c| s::IpRange {
                cidr_ip: Some(c.to_string()),
            })
            .collect(),
        ipv6_ranges: r
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V6(_)))
            .map(|c| s::Ipv6Range {
                cidr_ipv6: Some(c.to_string()),
            })
            .collect(),
        prefix_list_ids: r
            .prefix_lists
            .iter()
            .map(|p| s::PrefixListId {
                prefix_list_id: Some(p.clone()),
            })
            .collect(),
        user_id_group_pairs: r
            .groups
            .iter()
            .map(|g| s::GroupPair {
                group_id: Some(g.clone()),
            })
            .collect(),
    }
}

pub fn security_group(g: &s::SecurityGroup, region: &str) -> SecurityGroup {
    SecurityGroup {
        id: text(g.group_id.as_ref()),
        owner_id: g.owner_id.clone(),
        region: region.to_string(),
        vpc_id: text(g.vpc_id.as_ref()),
        name: name(&g.tags).or_else(|| g.group_name.clone()),
        ingress: g.ip_permissions.iter().map(sg_rule).collect(),
        egress: g.ip_permissions_egress.iter().map(sg_rule).collect(),
    }
}

pub fn security_group_shape(g: &SecurityGroup) -> s::SecurityGroup {
    s::SecurityGroup {
        group_id: some(&g.id),
        owner_id: g.owner_id.clone(),
        group_name: g.name.clone(),
        vpc_id: some(&g.vpc_id),
        ip_permissions: g.ingress.iter().map(sg_rule_shape).collect(),
        ip_permissions_egress: g.egress.iter().map(sg_rule_shape).collect(),
        tags: Vec::new(),
    }
}

pub fn network_acl(a: &s::NetworkAcl, region: &str) -> NetworkAcl {
    NetworkAcl {
        id: text(a.network_acl_id.as_ref()),
        region: region.to_string(),
        vpc_id: text(a.vpc_id.as_ref()),
        is_default: a.is_default.unwrap_or(false),
        subnet_ids: a
            .associations
            .iter()
            .filter_map(|x| x.subnet_id.clone())
            .collect(),
        entries: a
            .entries
            .iter()
            .map(|e| NaclEntry {
                rule_number: e.rule_number.unwrap_or_default(),
                egress: e.egress.unwrap_or(false),
                protocol: text(e.protocol.as_ref()),
                allow: e.rule_action.as_deref() == Some("allow"),
                cidr: net(e.cidr_block.as_ref().or(e.ipv6_cidr_block.as_ref())),
                from_port: e.port_range.as_ref().and_then(|p| p.from),
                to_port: e.port_range.as_ref().and_then(|p| p.to),
            })
            .collect(),
    }
}

pub fn network_acl_shape(a: &NetworkAcl) -> s::NetworkAcl {
    s::NetworkAcl {
        network_acl_id: some(&a.id),
        vpc_id: some(&a.vpc_id),
        is_default: Some(a.is_default),
        associations: a
            .subnet_ids
            .iter()
            .map(|x| s::AclAssociation {
                subnet_id: Some(x.clone()),
            })
            .collect(),
        entries: a
            .entries
            .iter()
            .map(|e| s::AclEntry {
                rule_number: Some(e.rule_number),
                egress: Some(e.egress),
                protocol: some(&e.protocol),
                rule_action: Some(if e.allow { "allow" } else { "deny" }.into()),
                cidr_block: e
                    .cidr
                    .filter(|c| matches!(c, IpNet::V4(_)))
                    .map(|c| c.to_string()),
                ipv6_cidr_block: e
                    .cidr
                    .filter(|c| matches!(c, IpNet::V6(_)))
                    .map(|c| c.to_string()),
                port_range: (e.from_port.is_some() || e.to_port.is_some()).then_some(
                    s::PortRange {
                        from: e.from_port,
                        to: e.to_port,
                    },
                ),
            })
            .collect(),
    }
}

fn vpc_peering_side(info: Option<&s::VpcPeeringInfo>) -> VpcPeeringSide {
    let Some(info) = info else {
        return VpcPeeringSide::default();
    };
    let mut cidr_blocks: Vec<IpNet> = net(info.cidr_block.as_ref()).into_iter().collect();
    for n in info
        .cidr_block_set
        .iter()
        .filter_map(|c| net(c.cidr_block.as_ref()))
        .chain(
            info.ipv6_cidr_block_set
                .iter()
                .filter_map(|c| net(c.ipv6_cidr_block.as_ref())),
        )
    {
        if !cidr_blocks.contains(&n) {
            cidr_blocks.push(n);
        }
    }
    VpcPeeringSide {
        vpc_id: text(info.vpc_id.as_ref()),
        region: text(info.region.as_ref()),
        owner_id: text(info.owner_id.as_ref()),
        cidr_blocks,
    }
}

fn vpc_peering_side_shape(p: &VpcPeeringSide) -> s::VpcPeeringInfo {
    s::VpcPeeringInfo {
        vpc_id: some(&p.vpc_id),
        region: some(&p.region),
        owner_id: some(&p.owner_id),
        cidr_block: p
            .cidr_blocks
            .iter()
            .find(|c| matches!(c, IpNet::V4(_)))
            .map(ToString::to_string),
        cidr_block_set: p
            .cidr_blocks
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .map(|c| s::CidrBlock {
                cidr_block: Some(c.to_string()),
            })
            .collect(),
        ipv6_cidr_block_set: p
            .cidr_blocks
            .iter()
            .filter(|c| matches!(c, IpNet::V6(_)))
            .map(|c| s::Ipv6CidrBlock {
                ipv6_cidr_block: Some(c.to_string()),
            })
            .collect(),
    }
}

pub fn vpc_peering(p: &s::VpcPeeringConnection, region: &str) -> VpcPeeringConnection {
    VpcPeeringConnection {
        id: text(p.vpc_peering_connection_id.as_ref()),
        region: region.to_string(),
        name: name(&p.tags),
        status: p
            .status
            .as_ref()
            .and_then(|s| s.code.clone())
            .unwrap_or_default(),
        requester: vpc_peering_side(p.requester_vpc_info.as_ref()),
        accepter: vpc_peering_side(p.accepter_vpc_info.as_ref()),
    }
}

pub fn vpc_peering_shape(p: &VpcPeeringConnection) -> s::VpcPeeringConnection {
    s::VpcPeeringConnection {
        vpc_peering_connection_id: some(&p.id),
        status: Some(s::StatusCode {
            code: some(&p.status),
            message: None,
        }),
        requester_vpc_info: Some(vpc_peering_side_shape(&p.requester)),
        accepter_vpc_info: Some(vpc_peering_side_shape(&p.accepter)),
        tags: name_tags(p.name.as_ref()),
    }
}

// Network Firewall.

pub fn firewall(d: &s::DescribeFirewall, region: &str) -> Option<NetworkFirewall> {
    let fw = d.firewall.as_ref()?;
    let mut endpoints: Vec<FirewallEndpoint> = d
        .firewall_status
        .as_ref()
        .map(|st| {
            st.sync_states
                .iter()
                .map(|(az, state)| {
                    let att = state.attachment.clone().unwrap_or_default();
                    FirewallEndpoint {
                        availability_zone: az.clone(),
                        subnet_id: att.subnet_id.unwrap_or_default(),
                        endpoint_id: att.endpoint_id,
                        status: att.status,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if endpoints.is_empty() {
        endpoints = fw
            .subnet_mappings
            .iter()
            .map(|m| FirewallEndpoint {
                availability_zone: String::new(),
                subnet_id: text(m.subnet_id.as_ref()),
                endpoint_id: None,
                status: None,
            })
            .collect();
    }
    endpoints.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    let arn = text(fw.firewall_arn.as_ref());
    Some(NetworkFirewall {
        id: fw
            .firewall_id
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| arn.clone()),
        region: region.to_string(),
        name: text(fw.firewall_name.as_ref()),
        arn,
        vpc_id: text(fw.vpc_id.as_ref()),
        policy_arn: text(fw.firewall_policy_arn.as_ref()),
        endpoints,
    })
}

pub fn firewall_shape(f: &NetworkFirewall) -> s::DescribeFirewall {
    s::DescribeFirewall {
        firewall: Some(s::Firewall {
            firewall_name: some(&f.name),
            firewall_arn: some(&f.arn),
            firewall_id: some(&f.id),
            vpc_id: some(&f.vpc_id),
            firewall_policy_arn: some(&f.policy_arn),
            subnet_mappings: f
                .endpoints
                .iter()
                .map(|e| s::SubnetMapping {
                    subnet_id: some(&e.subnet_id),
                })
                .collect(),
        }),
        firewall_status: Some(s::FirewallStatus {
            sync_states: f
                .endpoints
                .iter()
                .filter(|e| !e.availability_zone.is_empty())
                .map(|e| {
                    (
                        e.availability_zone.clone(),
                        s::SyncState {
                            attachment: Some(s::SyncAttachment {
                                subnet_id: some(&e.subnet_id),
                                endpoint_id: e.endpoint_id.clone(),
                                status: e.status.clone(),
                            }),
                        },
                    )
                })
                .collect(),
        }),
    }
}

fn ip_sets(vars: &BTreeMap<String, s::IpSet>) -> BTreeMap<String, Vec<String>> {
    vars.iter()
        .map(|(k, v)| (k.clone(), v.definition.clone()))
        .collect()
}

fn ip_sets_shape(vars: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, s::IpSet> {
    vars.iter()
        .map(|(k, v)| {
            (
                k.clone(),
                s::IpSet {
                    definition: v.clone(),
                },
            )
        })
        .collect()
}

pub fn policy(d: &s::DescribeFirewallPolicy, region: &str) -> Option<FirewallPolicy> {
    let resp = d.firewall_policy_response.as_ref()?;
    let mut policy = FirewallPolicy {
        id: text(resp.firewall_policy_id.as_ref()),
        region: region.to_string(),
        name: text(resp.firewall_policy_name.as_ref()),
        arn: text(resp.firewall_policy_arn.as_ref()),
        update_token: d.update_token.clone().filter(|t| !t.is_empty()),
        ..FirewallPolicy::default()
    };
    if let Some(p) = &d.firewall_policy {
        policy
            .stateless_default_actions
            .clone_from(&p.stateless_default_actions);
        policy
            .stateless_fragment_default_actions
            .clone_from(&p.stateless_fragment_default_actions);
        policy
            .stateful_default_actions
            .clone_from(&p.stateful_default_actions);
        policy.stateful_rule_order = p
            .stateful_engine_options
            .as_ref()
            .and_then(|o| o.rule_order.clone());
        policy.stateless_rule_groups = p
            .stateless_rule_group_references
            .iter()
            .map(|r| RuleGroupRef {
                arn: text(r.resource_arn.as_ref()),
                priority: r.priority,
                ..RuleGroupRef::default()
            })
            .collect();
        policy.stateful_rule_groups = p
            .stateful_rule_group_references
            .iter()
            .map(|r| RuleGroupRef {
                arn: text(r.resource_arn.as_ref()),
                priority: r.priority,
                override_action: r.r#override.as_ref().and_then(|o| o.action.clone()),
                deep_threat_inspection: r.deep_threat_inspection,
            })
            .collect();
        policy.policy_variables = p
            .policy_variables
            .as_ref()
            .map(|v| ip_sets(&v.rule_variables))
            .unwrap_or_default();
    }
    policy.disabled = resp
        .tags
        .iter()
        .filter_map(|t| {
            crate::model::DisabledGroup::from_tag(t.key.as_deref()?, t.value.as_deref()?)
        })
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

pub fn policy_shape(p: &FirewallPolicy) -> s::DescribeFirewallPolicy {
    s::DescribeFirewallPolicy {
        update_token: p.update_token.clone(),
        firewall_policy_response: Some(s::PolicyResponse {
            firewall_policy_name: some(&p.name),
            firewall_policy_arn: some(&p.arn),
            firewall_policy_id: some(&p.id),
            tags: p
                .disabled
                .iter()
                .map(|d| {
                    let (k, v) = d.tag();
                    s::Tag {
                        key: Some(k),
                        value: Some(v),
                    }
                })
                .collect(),
        }),
        firewall_policy: Some(s::Policy {
            stateless_default_actions: p.stateless_default_actions.clone(),
            stateless_fragment_default_actions: p.stateless_fragment_default_actions.clone(),
            stateful_default_actions: p.stateful_default_actions.clone(),
            stateful_engine_options: p.stateful_rule_order.as_ref().map(|o| s::EngineOptions {
                rule_order: Some(o.clone()),
            }),
            stateless_rule_group_references: p
                .stateless_rule_groups
                .iter()
                .map(|r| s::StatelessRef {
                    resource_arn: some(&r.arn),
                    priority: r.priority,
                })
                .collect(),
            stateful_rule_group_references: p
                .stateful_rule_groups
                .iter()
                .map(|r| s::StatefulRef {
                    resource_arn: some(&r.arn),
                    priority: r.priority,
                    r#override: r.override_action.as_ref().map(|a| s::GroupOverride {
                        action: Some(a.clone()),
                    }),
                    deep_threat_inspection: r.deep_threat_inspection,
                })
                .collect(),
            policy_variables: (!p.policy_variables.is_empty()).then(|| s::RuleVariables {
                rule_variables: ip_sets_shape(&p.policy_variables),
            }),
        }),
    }
}

fn port_ranges(r: &[s::FwPortRange]) -> Vec<PortRange> {
    r.iter()
        .filter_map(|p| {
            Some(PortRange {
                from: u16::try_from(p.from_port?).ok()?,
                to: u16::try_from(p.to_port?).ok()?,
            })
        })
        .collect()
}

fn port_ranges_shape(r: &[PortRange]) -> Vec<s::FwPortRange> {
    r.iter()
        .map(|p| s::FwPortRange {
            from_port: Some(i32::from(p.from)),
            to_port: Some(i32::from(p.to)),
        })
        .collect()
}

fn stateless_rule(r: &s::StatelessRule) -> StatelessRule {
    let def = r.rule_definition.clone().unwrap_or_default();
    let m = def.match_attributes.unwrap_or_default();
    let addrs = |a: &[s::Address]| {
        a.iter()
            .filter_map(|x| x.address_definition.clone())
            .collect()
    };
    StatelessRule {
        priority: r.priority.unwrap_or_default(),
        actions: def.actions,
        sources: addrs(&m.sources),
        destinations: addrs(&m.destinations),
        source_ports: port_ranges(&m.source_ports),
        destination_ports: port_ranges(&m.destination_ports),
        protocols: m
            .protocols
            .iter()
            .filter_map(|p| u8::try_from(*p).ok())
            .collect(),
        tcp_flags: !m.tcp_flags.is_empty(),
    }
}

fn stateless_rule_shape(r: &StatelessRule) -> s::StatelessRule {
    let addrs = |a: &[String]| {
        a.iter()
            .map(|x| s::Address {
                address_definition: Some(x.clone()),
            })
            .collect()
    };
    s::StatelessRule {
        priority: Some(r.priority),
        rule_definition: Some(s::RuleDefinition {
            actions: r.actions.clone(),
            match_attributes: Some(s::MatchAttributes {
                sources: addrs(&r.sources),
                destinations: addrs(&r.destinations),
                source_ports: port_ranges_shape(&r.source_ports),
                destination_ports: port_ranges_shape(&r.destination_ports),
                protocols: r.protocols.iter().map(|p| i32::from(*p)).collect(),
                // The model keeps only that flags were set (the engine reports such a
                // rule as not evaluated); a placeholder keeps that through a save.
                tcp_flags: if r.tcp_flags {
                    vec![serde_json::json!({"Flags": ["SYN"]})]
                } else {
                    Vec::new()
                },
            }),
        }),
    }
}

/// A 5-tuple stateful rule as the Suricata line the firewall evaluator reads (as the
/// live reader turns `StatefulRules` into one rules language).
fn suricata_line(r: &s::StatefulRule) -> String {
    let word = |s: Option<&String>| match s.map(String::as_str) {
        None => "any".to_string(),
        Some(w) if w.eq_ignore_ascii_case("any") => "any".to_string(),
        Some(w) => w.to_string(),
    };
    let header = r.header.as_ref().map_or_else(
        || "ip any any -> any any".to_string(),
        |h| {
            format!(
                "{} {} {} {} {} {}",
                word(h.protocol.as_ref()).to_ascii_lowercase(),
                word(h.source.as_ref()),
                word(h.source_port.as_ref()),
                if h.direction.as_deref() == Some("ANY") {
                    "<>"
                } else {
                    "->"
                },
                word(h.destination.as_ref()),
                word(h.destination_port.as_ref()),
            )
        },
    );
    let options: Vec<String> = r
        .rule_options
        .iter()
        .map(|o| {
            let k = text(o.keyword.as_ref());
            if o.settings.is_empty() {
                format!("{k};")
            } else {
                format!("{k}:{};", o.settings.join(","))
            }
        })
        .collect();
    format!(
        "{} {header} ({})",
        text(r.action.as_ref()).to_ascii_lowercase(),
        options.join(" ")
    )
}

pub fn rule_group(d: &s::DescribeRuleGroup, region: &str) -> Option<RuleGroup> {
    let resp = d.rule_group_response.as_ref()?;
    let body = d.rule_group.clone().unwrap_or_default();
    let source = body.rules_source.unwrap_or_default();
    let vars = body.rule_variables.unwrap_or_default();
    let mut lines: Vec<String> = source.rules_string.clone().into_iter().collect();
    lines.extend(source.stateful_rules.iter().map(suricata_line));
    Some(RuleGroup {
        id: text(resp.rule_group_id.as_ref()),
        region: region.to_string(),
        name: text(resp.rule_group_name.as_ref()),
        arn: text(resp.rule_group_arn.as_ref()),
        kind: resp
            .r#type
            .as_deref()
            .map(RuleGroupKind::parse)
            .unwrap_or_default(),
        capacity: resp.capacity,
        description: resp.description.clone(),
        rules_string: (!lines.is_empty()).then(|| lines.join("\n")),
        rule_order: body.stateful_rule_options.and_then(|o| o.rule_order),
        ip_sets: ip_sets(&vars.ip_sets),
        port_sets: ip_sets(&vars.port_sets),
        stateless_rules: source
            .stateless_rules_and_custom_actions
            .map(|s| s.stateless_rules.iter().map(stateless_rule).collect())
            .unwrap_or_default(),
        other_source: source
            .rules_source_list
            .map(|_| "domain list (RulesSourceList)".to_string()),
    })
}

pub fn rule_group_shape(g: &RuleGroup) -> s::DescribeRuleGroup {
    s::DescribeRuleGroup {
        rule_group_response: Some(s::GroupResponse {
            rule_group_arn: some(&g.arn),
            rule_group_name: some(&g.name),
            rule_group_id: some(&g.id),
            r#type: some(g.kind.as_str()),
            capacity: g.capacity,
            description: g.description.clone(),
        }),
        rule_group: Some(s::GroupBody {
            rule_variables: (!g.ip_sets.is_empty() || !g.port_sets.is_empty()).then(|| {
                s::GroupVariables {
                    ip_sets: ip_sets_shape(&g.ip_sets),
                    port_sets: ip_sets_shape(&g.port_sets),
                }
            }),
            rules_source: Some(s::RulesSource {
                rules_string: g.rules_string.clone(),
                stateful_rules: Vec::new(),
                stateless_rules_and_custom_actions: (!g.stateless_rules.is_empty()).then(|| {
                    s::StatelessRules {
                        stateless_rules: g.stateless_rules.iter().map(stateless_rule_shape).collect(),
                    }
                }),
                rules_source_list: g
                    .other_source
                    .as_ref()
                    .map(|_| serde_json::json!({"Targets": [], "TargetTypes": [], "GeneratedRulesType": "ALLOWLIST"})),
            }),
            stateful_rule_options: g.rule_order.as_ref().map(|o| s::EngineOptions {
                rule_order: Some(o.clone()),
            }),
        }),
    }
}

// ---------------------------------------------------------------- prefix lists

/// The region's prefix lists from the three captures: the managed lists (metadata),
/// the AWS service lists (with their CIDRs) and the managed lists' entries, one
/// object per id, in that order (as the live read builds them).
#[must_use]
pub fn prefix_lists(
    managed: &[s::ManagedPrefixList],
    service: &[s::PrefixList],
    entries: &[s::ListEntries],
) -> Vec<PrefixList> {
    let cidrs =
        |list: &[String]| -> Vec<IpNet> { list.iter().filter_map(|c| c.parse().ok()).collect() };
    let mut out: Vec<PrefixList> = managed
        .iter()
        .filter_map(|l| {
            Some(PrefixList {
                id: l.prefix_list_id.clone()?,
                name: l.prefix_list_name.clone(),
                owner_id: l.owner_id.clone(),
                address_family: l.address_family.clone(),
                max_entries: l.max_entries,
                state: l.state.clone().unwrap_or_default(),
                entries: None,
            })
        })
        .collect();
    for l in service {
        let Some(id) = &l.prefix_list_id else {
            continue;
        };
        let found = Some(cidrs(&l.cidrs)).filter(|c| !c.is_empty());
        match out.iter_mut().find(|x| &x.id == id) {
            Some(known) => known.entries = found,
            None => out.push(PrefixList {
                id: id.clone(),
                name: l.prefix_list_name.clone(),
                owner_id: Some("AWS".into()),
                entries: found,
                ..PrefixList::default()
            }),
        }
    }
    for l in entries {
        let Some(id) = &l.prefix_list_id else {
            continue;
        };
        let found: Vec<IpNet> = l
            .entries
            .iter()
            .filter_map(|e| e.cidr.as_deref()?.parse().ok())
            .collect();
        match out.iter_mut().find(|x| &x.id == id) {
            Some(known) => known.entries = Some(found),
            None => out.push(PrefixList {
                id: id.clone(),
                entries: Some(found),
                ..PrefixList::default()
            }),
        }
    }
    out
}

/// The three captures of `lists` ([`prefix_lists`] reads them back): the managed
/// lists (those a managed-list describe showed), the AWS service lists with their
/// CIDRs, and every other list's entries.
#[must_use]
pub fn prefix_list_shapes(
    lists: &[PrefixList],
) -> (
    Vec<s::ManagedPrefixList>,
    Vec<s::PrefixList>,
    Vec<s::ListEntries>,
) {
    let aws = |l: &PrefixList| l.owner_id.as_deref() == Some("AWS");
    let managed = lists
        .iter()
        .filter(|l| !l.state.is_empty())
        .map(|l| s::ManagedPrefixList {
            prefix_list_id: Some(l.id.clone()),
            address_family: l.address_family.clone(),
            state: some(&l.state),
            prefix_list_name: l.name.clone(),
            max_entries: l.max_entries,
            owner_id: l.owner_id.clone(),
        })
        .collect();
    let service = lists
        .iter()
        .filter(|l| aws(l))
        .filter_map(|l| {
            Some(s::PrefixList {
                prefix_list_id: Some(l.id.clone()),
                prefix_list_name: l.name.clone(),
                cidrs: l
                    .entries
                    .as_ref()?
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            })
        })
        .collect();
    let entries = lists
        .iter()
        .filter(|l| !aws(l))
        .filter_map(|l| {
            Some(s::ListEntries {
                prefix_list_id: Some(l.id.clone()),
                entries: l
                    .entries
                    .as_ref()?
                    .iter()
                    .map(|c| s::PrefixListEntry {
                        cidr: Some(c.to_string()),
                        description: None,
                    })
                    .collect(),
            })
        })
        .collect();
    (managed, service, entries)
}
