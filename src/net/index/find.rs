//! What `find` asks of an estate: every object by id (and id prefix), by name, by the
//! addresses it holds, and every route by destination, across regions.
//!
//! Invariants (those of the parent index, and):
//! - Each part is built on first use, once per estate version (a `OnceLock` each), in
//!   one pass over the loaded regions: a question then costs a hash probe, a binary
//!   search or a trie walk, never a scan of the estate (the one exception: a name
//!   shorter than three bytes, which no trigram can narrow, scans the flat list of
//!   names).
//! - Parts hold positions, not references; whatever they yield is checked against the
//!   object found there (its id, name, address or destination), so an index used with
//!   another version of the estate leaves an object out, never names a wrong one.
//! - Route destinations are listed, not decided: which route *wins* for an address is
//!   [`Net::vpc_lookup`] / [`Net::tgw_lookup`]'s to say. A route to a prefix list is
//!   listed under each of its entries when they were read (a TGW table whose search
//!   already answered a list's entries as routes of their own is not expanded twice,
//!   as [`super::lpm::compile_tgw`] does), else kept apart as not evaluated.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

use super::{AddressIndex, Net, at};
use crate::model::{
    Destination, FirewallEndpoint, FirewallPolicy, Instance, InternetGateway, NatGateway,
    NetworkAcl, NetworkFirewall, NetworkInterface, Peering, PrefixList, RegionEstate, RouteState,
    RuleGroup, SecurityGroup, Subnet, TgwAttachment, TgwRouteTable, TransitGateway, Vpc,
    VpcEndpoint, VpcPeeringConnection, VpcRouteTable,
};

/// The kinds of object `find` knows, in the order it lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundKind {
    Instance,
    NetworkInterface,
    NatGateway,
    VpcEndpoint,
    FirewallEndpoint,
    Subnet,
    Vpc,
    VpcRouteTable,
    InternetGateway,
    SecurityGroup,
    NetworkAcl,
    VpcPeeringConnection,
    TransitGateway,
    TgwRouteTable,
    TgwAttachment,
    Peering,
    PrefixList,
    NetworkFirewall,
    FirewallPolicy,
    RuleGroup,
}

impl FoundKind {
    /// The JSON spelling (the same as `show`'s `kind` where `show` has the kind).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instance => "instance",
            Self::NetworkInterface => "network_interface",
            Self::NatGateway => "nat_gateway",
            Self::VpcEndpoint => "vpc_endpoint",
            Self::FirewallEndpoint => "firewall_endpoint",
            Self::Subnet => "subnet",
            Self::Vpc => "vpc",
            Self::VpcRouteTable => "vpc_route_table",
            Self::InternetGateway => "internet_gateway",
            Self::SecurityGroup => "security_group",
            Self::NetworkAcl => "network_acl",
            Self::VpcPeeringConnection => "vpc_peering_connection",
            Self::TransitGateway => "transit_gateway",
            Self::TgwRouteTable => "tgw_route_table",
            Self::TgwAttachment => "tgw_attachment",
            Self::Peering => "peering",
            Self::PrefixList => "prefix_list",
            Self::NetworkFirewall => "network_firewall",
            Self::FirewallPolicy => "firewall_policy",
            Self::RuleGroup => "rule_group",
        }
    }

    /// In words, for text output.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::Instance => "instance",
            Self::NetworkInterface => "interface (ENI)",
            Self::NatGateway => "NAT gateway",
            Self::VpcEndpoint => "VPC endpoint",
            Self::FirewallEndpoint => "firewall endpoint",
            Self::Subnet => "subnet",
            Self::Vpc => "VPC",
            Self::VpcRouteTable => "VPC route table",
            Self::InternetGateway => "internet gateway",
            Self::SecurityGroup => "security group",
            Self::NetworkAcl => "network ACL",
            Self::VpcPeeringConnection => "VPC peering",
            Self::TransitGateway => "transit gateway",
            Self::TgwRouteTable => "TGW route table",
            Self::TgwAttachment => "TGW attachment",
            Self::Peering => "TGW peering",
            Self::PrefixList => "prefix list",
            Self::NetworkFirewall => "network firewall",
            Self::FirewallPolicy => "firewall policy",
            Self::RuleGroup => "rule group",
        }
    }
}

/// An object `find` found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Found<'a> {
    Instance(&'a Instance),
    NetworkInterface(&'a NetworkInterface),
    NatGateway(&'a NatGateway),
    VpcEndpoint(&'a VpcEndpoint),
    /// A Network Firewall endpoint that is not also read as a VPC endpoint.
    FirewallEndpoint(&'a NetworkFirewall, &'a FirewallEndpoint),
    Subnet(&'a Subnet),
    Vpc(&'a Vpc),
    VpcRouteTable(&'a VpcRouteTable),
    InternetGateway(&'a InternetGateway),
    SecurityGroup(&'a SecurityGroup),
    NetworkAcl(&'a NetworkAcl),
    VpcPeeringConnection(&'a VpcPeeringConnection),
    TransitGateway(&'a TransitGateway),
    TgwRouteTable(&'a TgwRouteTable),
    TgwAttachment(&'a TgwAttachment),
    Peering(&'a Peering),
    /// A prefix list carries no region of its own: the region it was read in.
    PrefixList(&'a str, &'a PrefixList),
    NetworkFirewall(&'a NetworkFirewall),
    FirewallPolicy(&'a FirewallPolicy),
    RuleGroup(&'a RuleGroup),
}

impl<'a> Found<'a> {
    /// What kind of object it is.
    #[must_use]
    pub fn kind(&self) -> FoundKind {
        match self {
            Self::Instance(_) => FoundKind::Instance,
            Self::NetworkInterface(_) => FoundKind::NetworkInterface,
            Self::NatGateway(_) => FoundKind::NatGateway,
            Self::VpcEndpoint(_) => FoundKind::VpcEndpoint,
            Self::FirewallEndpoint(..) => FoundKind::FirewallEndpoint,
            Self::Subnet(_) => FoundKind::Subnet,
            Self::Vpc(_) => FoundKind::Vpc,
            Self::VpcRouteTable(_) => FoundKind::VpcRouteTable,
            Self::InternetGateway(_) => FoundKind::InternetGateway,
            Self::SecurityGroup(_) => FoundKind::SecurityGroup,
            Self::NetworkAcl(_) => FoundKind::NetworkAcl,
            Self::VpcPeeringConnection(_) => FoundKind::VpcPeeringConnection,
            Self::TransitGateway(_) => FoundKind::TransitGateway,
            Self::TgwRouteTable(_) => FoundKind::TgwRouteTable,
            Self::TgwAttachment(_) => FoundKind::TgwAttachment,
            Self::Peering(_) => FoundKind::Peering,
            Self::PrefixList(..) => FoundKind::PrefixList,
            Self::NetworkFirewall(_) => FoundKind::NetworkFirewall,
            Self::FirewallPolicy(_) => FoundKind::FirewallPolicy,
            Self::RuleGroup(_) => FoundKind::RuleGroup,
        }
    }

    /// Its AWS id.
    #[must_use]
    pub fn id(&self) -> &'a str {
        match self {
            Self::Instance(x) => &x.id,
            Self::NetworkInterface(x) => &x.id,
            Self::NatGateway(x) => &x.id,
            Self::VpcEndpoint(x) => &x.id,
            Self::FirewallEndpoint(_, e) => e.endpoint_id.as_deref().unwrap_or_default(),
            Self::Subnet(x) => &x.id,
            Self::Vpc(x) => &x.id,
            Self::VpcRouteTable(x) => &x.id,
            Self::InternetGateway(x) => &x.id,
            Self::SecurityGroup(x) => &x.id,
            Self::NetworkAcl(x) => &x.id,
            Self::VpcPeeringConnection(x) => &x.id,
            Self::TransitGateway(x) => &x.id,
            Self::TgwRouteTable(x) => &x.id,
            Self::TgwAttachment(x) => &x.id,
            Self::Peering(x) => &x.id,
            Self::PrefixList(_, x) => &x.id,
            Self::NetworkFirewall(x) => &x.id,
            Self::FirewallPolicy(x) => &x.id,
            Self::RuleGroup(x) => &x.id,
        }
    }

    /// Its name (the `Name` tag; a firewall object's own name), if it has one.
    #[must_use]
    pub fn name(&self) -> Option<&'a str> {
        let name = match self {
            Self::Instance(x) => x.name.as_deref(),
            Self::NatGateway(x) => x.name.as_deref(),
            Self::Subnet(x) => x.name.as_deref(),
            Self::Vpc(x) => x.name.as_deref(),
            Self::VpcRouteTable(x) => x.name.as_deref(),
            Self::InternetGateway(x) => x.name.as_deref(),
            Self::SecurityGroup(x) => x.name.as_deref(),
            Self::VpcPeeringConnection(x) => x.name.as_deref(),
            Self::TransitGateway(x) => x.name.as_deref(),
            Self::TgwRouteTable(x) => x.name.as_deref(),
            Self::TgwAttachment(x) => x.name.as_deref(),
            Self::Peering(x) => x.name.as_deref(),
            Self::PrefixList(_, x) => x.name.as_deref(),
            Self::NetworkFirewall(x) => Some(x.name.as_str()),
            Self::FirewallPolicy(x) => Some(x.name.as_str()),
            Self::RuleGroup(x) => Some(x.name.as_str()),
            Self::NetworkInterface(_)
            | Self::VpcEndpoint(_)
            | Self::FirewallEndpoint(..)
            | Self::NetworkAcl(_) => None,
        };
        name.filter(|n| !n.is_empty())
    }

    /// The region it was read in.
    #[must_use]
    pub fn region(&self) -> &'a str {
        match self {
            Self::Instance(x) => &x.region,
            Self::NetworkInterface(x) => &x.region,
            Self::NatGateway(x) => &x.region,
            Self::VpcEndpoint(x) => &x.region,
            Self::FirewallEndpoint(f, _) => &f.region,
            Self::Subnet(x) => &x.region,
            Self::Vpc(x) => &x.region,
            Self::VpcRouteTable(x) => &x.region,
            Self::InternetGateway(x) => &x.region,
            Self::SecurityGroup(x) => &x.region,
            Self::NetworkAcl(x) => &x.region,
            Self::VpcPeeringConnection(x) => &x.region,
            Self::TransitGateway(x) => &x.region,
            Self::TgwRouteTable(x) => &x.region,
            Self::TgwAttachment(x) => &x.region,
            Self::Peering(x) => &x.region,
            Self::PrefixList(region, _) => region,
            Self::NetworkFirewall(x) => &x.region,
            Self::FirewallPolicy(x) => &x.region,
            Self::RuleGroup(x) => &x.region,
        }
    }

    /// The VPC it sits in, if it sits in one.
    #[must_use]
    pub fn vpc_id(&self) -> Option<&'a str> {
        match self {
            Self::Instance(x) => x.vpc_id.as_deref(),
            Self::NetworkInterface(x) => Some(x.vpc_id.as_str()),
            Self::NatGateway(x) => Some(x.vpc_id.as_str()),
            Self::VpcEndpoint(x) => Some(x.vpc_id.as_str()),
            Self::FirewallEndpoint(f, _) | Self::NetworkFirewall(f) => Some(f.vpc_id.as_str()),
            Self::Subnet(x) => Some(x.vpc_id.as_str()),
            Self::Vpc(x) => Some(x.id.as_str()),
            Self::VpcRouteTable(x) => Some(x.vpc_id.as_str()),
            Self::InternetGateway(x) => x.vpc_ids.first().map(String::as_str),
            Self::SecurityGroup(x) => Some(x.vpc_id.as_str()),
            Self::NetworkAcl(x) => Some(x.vpc_id.as_str()),
            Self::VpcPeeringConnection(x) => Some(x.requester.vpc_id.as_str()),
            Self::TgwAttachment(x) if x.kind == crate::model::AttachmentKind::Vpc => {
                x.resource_id.as_deref()
            }
            Self::TransitGateway(_)
            | Self::TgwRouteTable(_)
            | Self::TgwAttachment(_)
            | Self::Peering(_)
            | Self::PrefixList(..)
            | Self::FirewallPolicy(_)
            | Self::RuleGroup(_) => None,
        }
        .filter(|v| !v.is_empty())
    }

    /// The subnet it sits in, if one.
    #[must_use]
    pub fn subnet_id(&self) -> Option<&'a str> {
        match self {
            Self::Instance(x) => x.subnet_id.as_deref(),
            Self::NetworkInterface(x) => Some(x.subnet_id.as_str()),
            Self::NatGateway(x) => Some(x.subnet_id.as_str()),
            Self::FirewallEndpoint(_, e) => Some(e.subnet_id.as_str()),
            Self::VpcEndpoint(x) => x.subnet_ids.first().map(String::as_str),
            _ => None,
        }
        .filter(|s| !s.is_empty())
    }
}

/// How an object holds an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holding {
    /// One of its private IPs.
    PrivateIp,
    /// Its public IP (an instance's or an interface's), or a NAT gateway's Elastic IP.
    PublicIp,
}

/// How a route's destination lies against a prefix asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    /// The same prefix.
    Same,
    /// Inside the prefix (more specific).
    Inside,
    /// Covers the prefix (less specific).
    Covers,
}

/// A route table of either kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TableRef<'a> {
    Tgw(&'a TgwRouteTable),
    Vpc(&'a VpcRouteTable),
}

impl<'a> TableRef<'a> {
    /// The table's id.
    #[must_use]
    pub fn id(&self) -> &'a str {
        match self {
            Self::Tgw(t) => &t.id,
            Self::Vpc(t) => &t.id,
        }
    }

    /// The table's region.
    #[must_use]
    pub fn region(&self) -> &'a str {
        match self {
            Self::Tgw(t) => &t.region,
            Self::Vpc(t) => &t.region,
        }
    }

    /// The table's destination of route `i`.
    fn destination(&self, i: usize) -> Option<&'a Destination> {
        match self {
            Self::Tgw(t) => t.routes.get(i).map(|r| &r.destination),
            Self::Vpc(t) => t.routes.get(i).map(|r| &r.destination),
        }
    }
}

/// A route whose destination overlaps a prefix asked about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteHit<'a> {
    pub table: TableRef<'a>,
    /// The route's position in its table.
    pub route: usize,
    /// The destination matched: the route's CIDR, or the entry of its prefix list.
    pub prefix: IpNet,
    pub overlap: Overlap,
}

/// Where an object sits: its kind, region and position (`sub`: the endpoint of a
/// firewall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Loc {
    kind: FoundKind,
    region: u32,
    pos: u32,
    sub: u32,
}

fn resolve<'a>(regions: &[&'a RegionEstate], loc: Loc) -> Option<Found<'a>> {
    let r: &'a RegionEstate = regions.get(loc.region as usize).copied()?;
    let p = loc.pos as usize;
    Some(match loc.kind {
        FoundKind::Instance => Found::Instance(r.instances.get(p)?),
        FoundKind::NetworkInterface => Found::NetworkInterface(r.network_interfaces.get(p)?),
        FoundKind::NatGateway => Found::NatGateway(r.nat_gateways.get(p)?),
        FoundKind::VpcEndpoint => Found::VpcEndpoint(r.vpc_endpoints.get(p)?),
        FoundKind::FirewallEndpoint => {
            let f = r.firewalls.get(p)?;
            Found::FirewallEndpoint(f, f.endpoints.get(loc.sub as usize)?)
        }
        FoundKind::Subnet => Found::Subnet(r.subnets.get(p)?),
        FoundKind::Vpc => Found::Vpc(r.vpcs.get(p)?),
        FoundKind::VpcRouteTable => Found::VpcRouteTable(r.vpc_route_tables.get(p)?),
        FoundKind::InternetGateway => Found::InternetGateway(r.internet_gateways.get(p)?),
        FoundKind::SecurityGroup => Found::SecurityGroup(r.security_groups.get(p)?),
        FoundKind::NetworkAcl => Found::NetworkAcl(r.network_acls.get(p)?),
        FoundKind::VpcPeeringConnection => Found::VpcPeeringConnection(r.vpc_peerings.get(p)?),
        FoundKind::TransitGateway => Found::TransitGateway(r.tgws.get(p)?),
        FoundKind::TgwRouteTable => Found::TgwRouteTable(r.tgw_route_tables.get(p)?),
        FoundKind::TgwAttachment => Found::TgwAttachment(r.attachments.get(p)?),
        FoundKind::Peering => Found::Peering(r.peerings.get(p)?),
        FoundKind::PrefixList => Found::PrefixList(&r.region, r.prefix_lists.get(p)?),
        FoundKind::NetworkFirewall => Found::NetworkFirewall(r.firewalls.get(p)?),
        FoundKind::FirewallPolicy => Found::FirewallPolicy(r.firewall_policies.get(p)?),
        FoundKind::RuleGroup => Found::RuleGroup(r.rule_groups.get(p)?),
    })
}

/// Calls `each` with every object of a region, its id and its name: each object
/// once (a peering's attachment is the peering; a firewall endpoint also read as a
/// VPC endpoint is that endpoint).
fn each_object<'r>(
    ri: u32,
    r: &'r RegionEstate,
    mut each: impl FnMut(Loc, &'r str, Option<&'r str>),
) {
    fn list<'r, T>(
        ri: u32,
        kind: FoundKind,
        items: &'r [T],
        id: impl Fn(&'r T) -> &'r str,
        name: impl Fn(&'r T) -> Option<&'r str>,
        each: &mut impl FnMut(Loc, &'r str, Option<&'r str>),
    ) {
        for (i, x) in items.iter().enumerate() {
            let loc = Loc {
                kind,
                region: ri,
                pos: at(i),
                sub: 0,
            };
            each(loc, id(x), name(x));
        }
    }
    use FoundKind as K;
    list(
        ri,
        K::Instance,
        &r.instances,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::NetworkInterface,
        &r.network_interfaces,
        |x| &x.id,
        |_| None,
        &mut each,
    );
    list(
        ri,
        K::NatGateway,
        &r.nat_gateways,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::VpcEndpoint,
        &r.vpc_endpoints,
        |x| &x.id,
        |_| None,
        &mut each,
    );
    for (i, f) in r.firewalls.iter().enumerate() {
        for (j, e) in f.endpoints.iter().enumerate() {
            if let Some(id) = e.endpoint_id.as_deref()
                && !r.vpc_endpoints.iter().any(|v| v.id == id)
            {
                let loc = Loc {
                    kind: K::FirewallEndpoint,
                    region: ri,
                    pos: at(i),
                    sub: at(j),
                };
                each(loc, id, None);
            }
        }
    }
    list(
        ri,
        K::Subnet,
        &r.subnets,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::Vpc,
        &r.vpcs,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::VpcRouteTable,
        &r.vpc_route_tables,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::InternetGateway,
        &r.internet_gateways,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::SecurityGroup,
        &r.security_groups,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::NetworkAcl,
        &r.network_acls,
        |x| &x.id,
        |_| None,
        &mut each,
    );
    list(
        ri,
        K::VpcPeeringConnection,
        &r.vpc_peerings,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::TransitGateway,
        &r.tgws,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::TgwRouteTable,
        &r.tgw_route_tables,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    for (i, a) in r.attachments.iter().enumerate() {
        if r.peerings.iter().any(|p| p.id == a.id) {
            continue;
        }
        let loc = Loc {
            kind: K::TgwAttachment,
            region: ri,
            pos: at(i),
            sub: 0,
        };
        each(loc, &a.id, a.name.as_deref());
    }
    list(
        ri,
        K::Peering,
        &r.peerings,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::PrefixList,
        &r.prefix_lists,
        |x| &x.id,
        |x| x.name.as_deref(),
        &mut each,
    );
    list(
        ri,
        K::NetworkFirewall,
        &r.firewalls,
        |x| &x.id,
        |x| Some(x.name.as_str()),
        &mut each,
    );
    list(
        ri,
        K::FirewallPolicy,
        &r.firewall_policies,
        |x| &x.id,
        |x| Some(x.name.as_str()),
        &mut each,
    );
    list(
        ri,
        K::RuleGroup,
        &r.rule_groups,
        |x| &x.id,
        |x| Some(x.name.as_str()),
        &mut each,
    );
}

/// Every id, sorted: an exact id or a prefix is a binary search.
#[derive(Debug, Clone, Default)]
struct IdIndex {
    ids: Vec<(Box<str>, Loc)>,
}

impl IdIndex {
    fn build(regions: &[&RegionEstate]) -> Self {
        let mut ids: Vec<(Box<str>, Loc)> = Vec::new();
        for (ri, r) in regions.iter().enumerate() {
            each_object(at(ri), r, |loc, id, _| {
                if !id.is_empty() {
                    ids.push((Box::from(id), loc));
                }
            });
        }
        // Stable: one id in several regions keeps the regions' (name) order.
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        Self { ids }
    }

    /// Entries whose id starts with `prefix` (all of them equal to it when `exact`).
    fn starting_with(&self, prefix: &str, exact: bool) -> &[(Box<str>, Loc)] {
        let start = self.ids.partition_point(|(id, _)| &**id < prefix);
        let rest = &self.ids[start..];
        let len = rest.partition_point(|(id, _)| {
            if exact {
                &**id == prefix
            } else {
                id.starts_with(prefix)
            }
        });
        &rest[..len]
    }
}

/// Every name, lower-cased, with a trigram index over them.
#[derive(Debug, Clone, Default)]
struct NameIndex {
    names: Vec<(Box<str>, Loc)>,
    /// Three bytes of a lower-cased name → the names holding them (ascending, once).
    grams: HashMap<u32, Vec<u32>, foldhash::fast::FixedState>,
}

fn trigrams(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.as_bytes()
        .windows(3)
        .map(|w| u32::from(w[0]) << 16 | u32::from(w[1]) << 8 | u32::from(w[2]))
}

impl NameIndex {
    fn build(regions: &[&RegionEstate]) -> Self {
        let mut index = Self::default();
        for (ri, r) in regions.iter().enumerate() {
            each_object(at(ri), r, |loc, _, name| {
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    index.names.push((name.to_lowercase().into(), loc));
                }
            });
        }
        for (i, (name, _)) in index.names.iter().enumerate() {
            let i = at(i);
            for g in trigrams(name) {
                let list = index.grams.entry(g).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        index
    }

    /// Positions in `names` of the names containing `lower` (already lower-cased).
    fn containing(&self, lower: &str) -> Vec<u32> {
        if lower.len() < 3 {
            return (0..self.names.len())
                .filter(|&i| self.names[i].0.contains(lower))
                .map(at)
                .collect();
        }
        // The rarest trigram of the text narrows the candidates; each is then checked.
        let mut rarest: Option<&[u32]> = None;
        for g in trigrams(lower) {
            let Some(list) = self.grams.get(&g) else {
                return Vec::new();
            };
            if rarest.is_none_or(|r| list.len() < r.len()) {
                rarest = Some(list);
            }
        }
        rarest
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|&i| {
                self.names
                    .get(i as usize)
                    .is_some_and(|(n, _)| n.contains(lower))
            })
            .collect()
    }
}

/// Every address an instance, interface or NAT gateway holds.
#[derive(Debug, Clone, Default)]
struct HolderIndex {
    by_address: HashMap<IpAddr, Vec<(Holding, Loc)>, foldhash::fast::FixedState>,
}

impl HolderIndex {
    fn build(regions: &[&RegionEstate]) -> Self {
        let mut index = Self::default();
        let mut add = |addr: IpAddr, how: Holding, kind: FoundKind, ri: usize, i: usize| {
            let loc = Loc {
                kind,
                region: at(ri),
                pos: at(i),
                sub: 0,
            };
            let list = index.by_address.entry(addr).or_default();
            if !list.contains(&(how, loc)) {
                list.push((how, loc));
            }
        };
        for (ri, r) in regions.iter().enumerate() {
            for (i, x) in r.instances.iter().enumerate() {
                if let Some(a) = x.private_ip {
                    add(a, Holding::PrivateIp, FoundKind::Instance, ri, i);
                }
                if let Some(a) = x.public_ip {
                    add(a, Holding::PublicIp, FoundKind::Instance, ri, i);
                }
            }
            for (i, x) in r.network_interfaces.iter().enumerate() {
                for a in &x.private_ips {
                    add(*a, Holding::PrivateIp, FoundKind::NetworkInterface, ri, i);
                }
                if let Some(a) = x.public_ip {
                    add(a, Holding::PublicIp, FoundKind::NetworkInterface, ri, i);
                }
            }
            for (i, x) in r.nat_gateways.iter().enumerate() {
                for a in &x.private_ips {
                    add(*a, Holding::PrivateIp, FoundKind::NatGateway, ri, i);
                }
                for a in &x.public_ips {
                    add(*a, Holding::PublicIp, FoundKind::NatGateway, ri, i);
                }
            }
        }
        index
    }
}

/// A route's place: table kind, region, table, route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RouteLoc {
    tgw: bool,
    region: u32,
    table: u32,
    route: u32,
}

/// Every route of every table by destination (prefix-list routes by each entry).
#[derive(Debug, Clone, Default)]
struct RouteIndex {
    v4: PrefixMap<Ipv4Net, Vec<RouteLoc>>,
    v6: PrefixMap<Ipv6Net, Vec<RouteLoc>>,
    /// Routes to prefix lists whose entries were not read.
    not_evaluated: Vec<RouteLoc>,
}

impl RouteIndex {
    fn insert(&mut self, net: IpNet, loc: RouteLoc) {
        match net {
            IpNet::V4(n) => self.v4.entry(n.trunc()).or_default().push(loc),
            IpNet::V6(n) => self.v6.entry(n.trunc()).or_default().push(loc),
        }
    }

    fn add(
        &mut self,
        lists: &[PrefixList],
        destination: &Destination,
        expand: bool,
        loc: RouteLoc,
    ) {
        match destination {
            Destination::Cidr(c) => self.insert(*c, loc),
            Destination::PrefixList(_) if !expand => {}
            Destination::PrefixList(id) => {
                match super::super::lpm::prefix_list_entries(lists, id) {
                    Some(entries) => {
                        for e in entries {
                            self.insert(*e, loc);
                        }
                    }
                    None => self.not_evaluated.push(loc),
                }
            }
        }
    }

    fn build(regions: &[&RegionEstate]) -> Self {
        let mut index = Self::default();
        for (ri, r) in regions.iter().enumerate() {
            let lists = r.prefix_lists.as_slice();
            for (ti, t) in r.tgw_route_tables.iter().enumerate() {
                for (i, route) in t.routes.iter().enumerate() {
                    if route.state == RouteState::Deleted {
                        continue;
                    }
                    // A reference the route search already answered entry by entry.
                    let expand = match &route.destination {
                        Destination::PrefixList(id) => !t
                            .routes
                            .iter()
                            .any(|x| x.prefix_list_id.as_deref() == Some(id.as_str())),
                        Destination::Cidr(_) => true,
                    };
                    let loc = RouteLoc {
                        tgw: true,
                        region: at(ri),
                        table: at(ti),
                        route: at(i),
                    };
                    index.add(lists, &route.destination, expand, loc);
                }
            }
            for (ti, t) in r.vpc_route_tables.iter().enumerate() {
                for (i, route) in t.routes.iter().enumerate() {
                    if route.state == RouteState::Deleted {
                        continue;
                    }
                    let loc = RouteLoc {
                        tgw: false,
                        region: at(ri),
                        table: at(ti),
                        route: at(i),
                    };
                    index.add(lists, &route.destination, true, loc);
                }
            }
        }
        index
    }
}

/// The parts of the index `find` uses, each built on first use.
#[derive(Debug, Clone, Default)]
pub(super) struct FindIndex {
    ids: OnceLock<IdIndex>,
    names: OnceLock<NameIndex>,
    holders: OnceLock<HolderIndex>,
    routes: OnceLock<RouteIndex>,
}

impl AddressIndex {
    /// Every location whose CIDR overlaps `net` (contains it, is it or lies inside
    /// it), with that CIDR.
    fn overlapping(&self, net: IpNet) -> Vec<(IpNet, (u32, u32))> {
        let mut out = Vec::new();
        match net {
            IpNet::V4(n) => {
                let n = n.trunc();
                for (p, v) in self.v4.cover(&n) {
                    out.extend(v.iter().map(|l| (IpNet::V4(p), *l)));
                }
                for (p, v) in self.v4.children(&n) {
                    if p.prefix_len() > n.prefix_len() {
                        out.extend(v.iter().map(|l| (IpNet::V4(p), *l)));
                    }
                }
            }
            IpNet::V6(n) => {
                let n = n.trunc();
                for (p, v) in self.v6.cover(&n) {
                    out.extend(v.iter().map(|l| (IpNet::V6(p), *l)));
                }
                for (p, v) in self.v6.children(&n) {
                    if p.prefix_len() > n.prefix_len() {
                        out.extend(v.iter().map(|l| (IpNet::V6(p), *l)));
                    }
                }
            }
        }
        out
    }
}

/// How `block` lies against `asked`.
#[must_use]
pub fn overlap_of(block: IpNet, asked: IpNet) -> Overlap {
    let (block, asked) = (block.trunc(), asked.trunc());
    if block == asked {
        Overlap::Same
    } else if block.prefix_len() > asked.prefix_len() {
        Overlap::Inside
    } else {
        Overlap::Covers
    }
}

impl<'a> Net<'a> {
    fn find_index(&self) -> &FindIndex {
        &self.index.find
    }

    fn ids(&self) -> &IdIndex {
        self.find_index()
            .ids
            .get_or_init(|| IdIndex::build(&self.regions))
    }

    fn names(&self) -> &NameIndex {
        self.find_index()
            .names
            .get_or_init(|| NameIndex::build(&self.regions))
    }

    fn holders(&self) -> &HolderIndex {
        self.find_index()
            .holders
            .get_or_init(|| HolderIndex::build(&self.regions))
    }

    fn routes_by_destination(&self) -> &RouteIndex {
        self.find_index()
            .routes
            .get_or_init(|| RouteIndex::build(&self.regions))
    }

    /// Builds every part `find` uses now instead of on first use (benchmarks).
    pub fn prepare_find(&self) {
        let _ = (
            self.ids(),
            self.names(),
            self.holders(),
            self.routes_by_destination(),
        );
        let _ = self
            .index
            .subnet_addresses
            .get_or_init(|| AddressIndex::of_subnets(&self.regions));
        let _ = self
            .index
            .vpc_addresses
            .get_or_init(|| AddressIndex::of_vpcs(&self.regions));
    }

    /// Every object with exactly this id, in every region (a peering is seen in both
    /// of its regions), kinds in [`FoundKind`] order.
    #[must_use]
    pub fn objects_with_id(&self, id: &str) -> Vec<Found<'a>> {
        self.with_id(id, true)
    }

    /// Every object whose id starts with `prefix`, in id order.
    #[must_use]
    pub fn objects_with_id_prefix(&self, prefix: &str) -> Vec<Found<'a>> {
        self.with_id(prefix, false)
    }

    fn with_id(&self, text: &str, exact: bool) -> Vec<Found<'a>> {
        let mut out: Vec<Found<'a>> = self
            .ids()
            .starting_with(text, exact)
            .iter()
            .filter_map(|(id, loc)| resolve(&self.regions, *loc).filter(|f| f.id() == &**id))
            .collect();
        if exact {
            out.sort_by_key(Found::kind);
        }
        out
    }

    /// Every object whose name contains `text`, ignoring case; in kind order, then
    /// region and name.
    #[must_use]
    pub fn objects_named(&self, text: &str) -> Vec<Found<'a>> {
        let lower = text.to_lowercase();
        if lower.is_empty() {
            return Vec::new();
        }
        let names = self.names();
        let mut out: Vec<Found<'a>> = names
            .containing(&lower)
            .into_iter()
            .filter_map(|i| names.names.get(i as usize))
            .filter_map(|(_, loc)| resolve(&self.regions, *loc))
            .filter(|f| f.name().is_some_and(|n| n.to_lowercase().contains(&lower)))
            .collect();
        out.sort_by(|a, b| {
            (a.kind(), a.region(), a.name(), a.id()).cmp(&(b.kind(), b.region(), b.name(), b.id()))
        });
        out
    }

    /// Instances, interfaces and NAT gateways holding `addr` (as a private IP, a
    /// public IP or an Elastic IP), in every region.
    #[must_use]
    pub fn address_holders(&self, addr: IpAddr) -> Vec<(Found<'a>, Holding)> {
        let Some(list) = self.holders().by_address.get(&addr) else {
            return Vec::new();
        };
        let mut out: Vec<(Found<'a>, Holding)> = list
            .iter()
            .filter_map(|(how, loc)| Some((resolve(&self.regions, *loc)?, *how)))
            .filter(|(f, how)| holds(f, *how, addr))
            .collect();
        out.sort_by(|a, b| (a.0.kind(), a.1, a.0.region()).cmp(&(b.0.kind(), b.1, b.0.region())));
        out
    }

    /// Subnets whose CIDR overlaps `cidr` (contains it, is it or lies inside it).
    #[must_use]
    pub fn subnets_overlapping(&self, cidr: IpNet) -> Vec<&'a Subnet> {
        let index = self
            .index
            .subnet_addresses
            .get_or_init(|| AddressIndex::of_subnets(&self.regions));
        index
            .overlapping(cidr)
            .into_iter()
            .filter_map(|(block, (ri, i))| {
                let region: &'a RegionEstate = self.regions.get(ri as usize).copied()?;
                let s = region.subnets.get(i as usize)?;
                (s.cidr.map(|c| c.trunc()) == Some(block)).then_some(s)
            })
            .collect()
    }

    /// VPC CIDR blocks overlapping `cidr`, with the VPC holding each.
    #[must_use]
    pub fn vpc_cidrs_overlapping(&self, cidr: IpNet) -> Vec<(&'a Vpc, IpNet)> {
        let index = self
            .index
            .vpc_addresses
            .get_or_init(|| AddressIndex::of_vpcs(&self.regions));
        let overlapping = index.overlapping(cidr);
        let mut out: Vec<(&'a Vpc, IpNet)> = Vec::with_capacity(overlapping.len());
        // A VPC that lists a block twice is one answer.
        let mut seen = std::collections::HashSet::with_capacity_and_hasher(
            overlapping.len(),
            foldhash::fast::FixedState::default(),
        );
        for (block, (ri, i)) in overlapping {
            if let Some(v) = self
                .regions
                .get(ri as usize)
                .copied()
                .and_then(|r| r.vpcs.get(i as usize))
                && let Some(b) = v.cidr_blocks.iter().find(|c| c.trunc() == block)
                && seen.insert((ri, i, block))
            {
                out.push((v, *b));
            }
        }
        out
    }

    /// Routes of every VPC and TGW route table whose destination overlaps `cidr`: the
    /// same prefix first, then those inside it (wider first), then those covering it
    /// (most specific first); by region, then each region's tables in its order. The
    /// first `limit` of them, and how many there are in all (a supernet can match
    /// every route of the estate: only those shown are ordered and resolved).
    #[must_use]
    pub fn routes_overlapping(&self, cidr: IpNet, limit: usize) -> (Vec<RouteHit<'a>>, usize) {
        type Key = (Overlap, u8, u32, bool, u32, u32);
        let index = self.routes_by_destination();
        let asked = cidr.trunc();
        let mut hits: Vec<(Key, IpNet, RouteLoc)> = Vec::new();
        // Ordered on positions (regions by name, then each region's tables in its
        // order, TGW tables first), not on ids.
        let mut add = |prefix: IpNet, locs: &[RouteLoc]| {
            let overlap = overlap_of(prefix, asked);
            let len = match overlap {
                Overlap::Covers => u8::MAX - prefix.prefix_len(),
                Overlap::Same | Overlap::Inside => prefix.prefix_len(),
            };
            hits.extend(locs.iter().map(|l| {
                (
                    (overlap, len, l.region, !l.tgw, l.table, l.route),
                    prefix,
                    *l,
                )
            }));
        };
        match asked {
            IpNet::V4(n) => {
                for (p, v) in index.v4.cover(&n) {
                    add(IpNet::V4(p), v);
                }
                for (p, v) in index.v4.children(&n) {
                    if p.prefix_len() > n.prefix_len() {
                        add(IpNet::V4(p), v);
                    }
                }
            }
            IpNet::V6(n) => {
                for (p, v) in index.v6.cover(&n) {
                    add(IpNet::V6(p), v);
                }
                for (p, v) in index.v6.children(&n) {
                    if p.prefix_len() > n.prefix_len() {
                        add(IpNet::V6(p), v);
                    }
                }
            }
        }
        let total = hits.len();
        if limit == 0 {
            return (Vec::new(), total);
        }
        if hits.len() > limit {
            hits.select_nth_unstable_by_key(limit - 1, |h| h.0);
            hits.truncate(limit);
        }
        hits.sort_unstable_by_key(|h| h.0);
        let shown = hits
            .into_iter()
            .filter_map(|(key, prefix, loc)| {
                let table = self.table_at(loc)?;
                let matches = match table.destination(loc.route as usize)? {
                    Destination::Cidr(c) => c.trunc() == prefix,
                    Destination::PrefixList(_) => true,
                };
                matches.then_some(RouteHit {
                    table,
                    route: loc.route as usize,
                    prefix,
                    overlap: key.0,
                })
            })
            .collect();
        (shown, total)
    }

    /// Routes to prefix lists whose entries were not read, in every table: none of
    /// them was matched against anything.
    #[must_use]
    pub fn routes_not_evaluated(&self) -> Vec<(TableRef<'a>, usize)> {
        self.routes_by_destination()
            .not_evaluated
            .iter()
            .filter_map(|loc| {
                let table = self.table_at(*loc)?;
                matches!(
                    table.destination(loc.route as usize)?,
                    Destination::PrefixList(_)
                )
                .then_some((table, loc.route as usize))
            })
            .collect()
    }

    fn table_at(&self, loc: RouteLoc) -> Option<TableRef<'a>> {
        let r: &'a RegionEstate = self.regions.get(loc.region as usize).copied()?;
        Some(if loc.tgw {
            TableRef::Tgw(r.tgw_route_tables.get(loc.table as usize)?)
        } else {
            TableRef::Vpc(r.vpc_route_tables.get(loc.table as usize)?)
        })
    }

    /// The account that owns an object: recorded (a TGW's, a VPC's, an attachment's
    /// resource owner, a peering side's, a prefix list's, a firewall object's ARN) or
    /// fixed by AWS's rules (a subnet, route table, network ACL or internet gateway is
    /// its VPC owner's; a TGW route table its TGW owner's). `None` where the estate
    /// does not say: an instance, interface, NAT gateway, endpoint or security group
    /// in a shared VPC may be a participant account's.
    #[must_use]
    pub fn owner_of(&self, found: &Found<'a>) -> Option<&'a str> {
        let vpc_owner = |vpc_id: &str| {
            self.vpc_in(found.region(), vpc_id)
                .map(|v| v.owner_id.as_str())
        };
        let arn_account = |arn: &'a str| arn.split(':').nth(4);
        let owner = match found {
            Found::TransitGateway(t) => Some(t.owner_id.as_str()),
            Found::TgwRouteTable(t) => self
                .tgw_in(&t.region, &t.tgw_id)
                .map(|g| g.owner_id.as_str()),
            Found::TgwAttachment(a) => a.resource_owner_id.as_deref().or(a.tgw_owner_id.as_deref()),
            Found::Peering(p) => Some(if p.requester.region == p.region {
                p.requester.account_id.as_str()
            } else {
                p.accepter.account_id.as_str()
            }),
            Found::Vpc(v) => Some(v.owner_id.as_str()),
            // Read with their owner (a shared subnet is its VPC owner's; a
            // participant's instance, interface or group is the participant's).
            Found::Subnet(s) => s
                .owner_id
                .as_deref()
                .or_else(|| found.vpc_id().and_then(vpc_owner)),
            Found::VpcRouteTable(t) => t
                .owner_id
                .as_deref()
                .or_else(|| found.vpc_id().and_then(vpc_owner)),
            // Not guessed from the VPC: in a shared VPC they may be a participant's.
            Found::Instance(i) => i.owner_id.as_deref(),
            Found::NetworkInterface(e) => e.owner_id.as_deref(),
            Found::SecurityGroup(g) => g.owner_id.as_deref(),
            Found::NatGateway(_) | Found::VpcEndpoint(_) => found.vpc_id().and_then(vpc_owner),
            Found::NetworkAcl(_) | Found::InternetGateway(_) => found.vpc_id().and_then(vpc_owner),
            Found::VpcPeeringConnection(p) => Some(p.requester.owner_id.as_str()),
            Found::PrefixList(_, l) => l.owner_id.as_deref(),
            Found::NetworkFirewall(f) | Found::FirewallEndpoint(f, _) => arn_account(&f.arn),
            Found::FirewallPolicy(p) => arn_account(&p.arn),
            Found::RuleGroup(g) => arn_account(&g.arn),
        };
        owner.filter(|o| !o.is_empty())
    }
}

/// Whether `found` still holds `addr` as `how` says (the index may be stale).
fn holds(found: &Found<'_>, how: Holding, addr: IpAddr) -> bool {
    match (found, how) {
        (Found::Instance(i), Holding::PrivateIp) => i.private_ip == Some(addr),
        (Found::Instance(i), Holding::PublicIp) => i.public_ip == Some(addr),
        (Found::NetworkInterface(e), Holding::PrivateIp) => e.private_ips.contains(&addr),
        (Found::NetworkInterface(e), Holding::PublicIp) => e.public_ip == Some(addr),
        (Found::NatGateway(n), Holding::PrivateIp) => n.private_ips.contains(&addr),
        (Found::NatGateway(n), Holding::PublicIp) => n.public_ips.contains(&addr),
        _ => false,
    }
}
