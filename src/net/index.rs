//! An index of an [`Estate`] by id, and the relations the network rules follow.
//!
//! Invariants:
//! - [`EstateIndex`] owns positions (region, position in the region's list), not
//!   references: it can live next to the estate and is rebuilt when the data changes.
//!   [`Net`] pairs it with the estate for lookups; every lookup compares the id of what
//!   it finds with the id asked for, so a stale index answers `None`, never a wrong
//!   object.
//! - Building is linear in the number of objects. Route tables, and the address tries
//!   behind [`Net::subnets_containing`], compile lazily, on first use, and once (a
//!   `OnceLock` each), so building stays cheap for estates of tens of thousands of VPCs
//!   and a shared index is `Sync`. So do the parts `find` asks (every id, name, held
//!   address and route destination across regions, in the `find` module).
//! - Relations follow AWS's rules, each in one place: a subnet uses its explicitly
//!   associated route table, else its VPC's main table; an attachment is associated
//!   with at most one TGW route table (the table's association list is authoritative,
//!   the attachment's own `association` field is the fallback).

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

use super::lpm::{self, RouteTrie, TgwDecision, VpcDecision, VpcTrie};
use crate::model::{
    Estate, FirewallEndpoint, FirewallPolicy, Instance, InternetGateway, NatGateway,
    NetworkFirewall, NetworkInterface, Peering, PrefixList, RegionEstate, RuleGroup, Subnet,
    TgwAttachment, TgwRouteTable, TransitGateway, Vpc, VpcEndpoint, VpcPeeringConnection,
    VpcRouteTable,
};

mod find;
pub use find::{Found, FoundKind, Holding, Overlap, RouteHit, TableRef, overlap_of};

fn at(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Ids are kept as 64-bit hashes, not strings: an index of ~10^6 entries then makes no
/// allocation per entry. foldhash with a fixed seed is fast and good enough, as ids are
/// ASCII strings from AWS or our own files (hash flooding is not a concern); the rare
/// collision is kept apart, and every lookup checks the id of what it finds.
fn h(id: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6e65_746f_7073).hash_one(id)
}

/// Keys that are already hashes pass through.
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ByHash<V> = HashMap<u64, V, std::hash::BuildHasherDefault<PassThrough>>;

/// One position per key (the first given wins, as a linear `find` would).
#[derive(Debug, Clone, Default)]
struct Ids {
    map: ByHash<u32>,
    /// Keys whose hash collided with another key's.
    overflow: Vec<(Box<str>, u32)>,
}

impl Ids {
    fn build<'k>(pairs: impl IntoIterator<Item = (&'k str, u32)>) -> Self {
        let pairs = pairs.into_iter();
        let mut ids = Self {
            map: ByHash::with_capacity_and_hasher(pairs.size_hint().0, Default::default()),
            overflow: Vec::new(),
        };
        // The key each hash was first given for, to tell a collision from a repeat.
        let mut first: ByHash<&str> = ByHash::default();
        for (key, pos) in pairs {
            let hash = h(key);
            match first.get(&hash) {
                None => {
                    first.insert(hash, key);
                    ids.map.insert(hash, pos);
                }
                Some(k) if *k == key => {}
                Some(_) => {
                    if !ids.overflow.iter().any(|(k, _)| &**k == key) {
                        ids.overflow.push((key.into(), pos));
                    }
                }
            }
        }
        ids
    }

    /// The position for `key`; `is` tells whether a position holds that key.
    fn get(&self, key: &str, is: impl Fn(u32) -> bool) -> Option<u32> {
        if let Some(&p) = self.map.get(&h(key))
            && is(p)
        {
            return Some(p);
        }
        self.overflow
            .iter()
            .find(|(k, p)| &**k == key && is(*p))
            .map(|(_, p)| *p)
    }
}

/// Several positions per key, grouped in one flat list. A hash collision merges two
/// keys' groups; every caller filters the group by the key it asked for.
#[derive(Debug, Clone, Default)]
struct Groups {
    ranges: ByHash<(u32, u32)>,
    flat: Vec<u32>,
}

impl Groups {
    fn build<'k>(pairs: impl IntoIterator<Item = (&'k str, u32)>) -> Self {
        let mut keyed: Vec<(u64, u32)> = pairs.into_iter().map(|(k, p)| (h(k), p)).collect();
        keyed.sort_unstable();
        let mut groups = Self {
            ranges: ByHash::with_capacity_and_hasher(keyed.len(), Default::default()),
            flat: Vec::with_capacity(keyed.len()),
        };
        for (hash, pos) in keyed {
            let start = at(groups.flat.len());
            groups.flat.push(pos);
            groups.ranges.entry(hash).or_insert((start, 0)).1 += 1;
        }
        groups
    }

    fn get(&self, key: &str) -> &[u32] {
        self.ranges
            .get(&h(key))
            .and_then(|&(start, len)| self.flat.get(start as usize..(start + len) as usize))
            .unwrap_or(&[])
    }
}

/// How a subnet came to use its route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableChoice {
    /// The table is explicitly associated with the subnet.
    Explicit,
    /// No explicit association: the VPC's main route table applies.
    Main,
}

/// One region's index.
#[derive(Debug, Clone, Default)]
struct RegionIndex {
    name: String,
    tgws: Ids,
    tgw_route_tables: Ids,
    attachments: Ids,
    peerings: Ids,
    vpcs: Ids,
    subnets: Ids,
    vpc_route_tables: Ids,
    internet_gateways: Ids,
    nat_gateways: Ids,
    vpc_endpoints: Ids,
    /// By id, name and ARN (the CLI accepts any of them).
    firewalls: Ids,
    firewall_policies: Ids,
    rule_groups: Ids,
    instances: Ids,
    network_interfaces: Ids,
    vpc_peerings: Ids,

    subnet_table: Ids,
    vpc_main_table: Ids,
    vpc_tables: Groups,
    vpc_subnets: Groups,
    vpc_attachments: Groups,
    vpc_igws: Groups,
    tgw_tables: Groups,
    tgw_attachments: Groups,
    attachment_table: Ids,
    /// An attachment's entry in its table's `associations` (so a lookup checks one
    /// entry, not a 5,000-attachment list).
    attachment_entry: Ids,
    /// Every propagation as (table, entry in its `propagations`), and each
    /// attachment's among them: a lookup checks one entry per table, not a list.
    propagation_entries: Vec<(u32, u32)>,
    attachment_propagation_entries: Groups,
    /// Firewall endpoint `vpce-…` id → (firewall, endpoint).
    firewall_endpoints: HashMap<Box<str>, (u32, u32)>,

    tgw_tries: Vec<OnceLock<RouteTrie>>,
    vpc_tries: Vec<OnceLock<VpcTrie>>,
}

impl RegionIndex {
    fn build(r: &RegionEstate) -> Self {
        fn by_id<'a, T>(list: &'a [T], id: impl Fn(&'a T) -> &'a str) -> Ids {
            Ids::build(list.iter().enumerate().map(|(i, o)| (id(o), at(i))))
        }
        fn by_names<'a, T>(list: &'a [T], names: impl Fn(&'a T) -> [&'a str; 3]) -> Ids {
            Ids::build(list.iter().enumerate().flat_map(|(i, o)| {
                names(o)
                    .into_iter()
                    .filter(|n| !n.is_empty())
                    .map(move |n| (n, at(i)))
            }))
        }
        let tgw_route_tables = by_id(&r.tgw_route_tables, |o| &o.id);
        let mut main_tables = Vec::new();
        let mut subnet_tables = Vec::new();
        for (i, t) in r.vpc_route_tables.iter().enumerate() {
            for a in &t.associations {
                if a.main {
                    main_tables.push((t.vpc_id.as_str(), at(i)));
                }
                if let Some(s) = &a.subnet_id {
                    subnet_tables.push((s.as_str(), at(i)));
                }
            }
        }
        // Associations listed by the tables first, then the attachments' own field.
        let mut attachment_tables: Vec<(&str, u32)> = r
            .tgw_route_tables
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                t.associations
                    .iter()
                    .map(move |l| (l.attachment_id.as_str(), at(i)))
            })
            .collect();
        for a in &r.attachments {
            if let Some(assoc) = &a.association
                && let Some(t) = tgw_route_tables.get(&assoc.route_table_id, |p| {
                    r.tgw_route_tables
                        .get(p as usize)
                        .is_some_and(|t| t.id == assoc.route_table_id)
                })
            {
                attachment_tables.push((a.id.as_str(), t));
            }
        }
        let mut propagation_entries = Vec::new();
        let mut propagation_keys = Vec::new();
        for (i, t) in r.tgw_route_tables.iter().enumerate() {
            for (j, l) in t.propagations.iter().enumerate() {
                propagation_keys.push((l.attachment_id.as_str(), at(propagation_entries.len())));
                propagation_entries.push((at(i), at(j)));
            }
        }
        let mut firewall_endpoints = HashMap::new();
        for (i, fw) in r.firewalls.iter().enumerate() {
            for (j, e) in fw.endpoints.iter().enumerate() {
                if let Some(id) = &e.endpoint_id {
                    firewall_endpoints
                        .entry(id.as_str().into())
                        .or_insert((at(i), at(j)));
                }
            }
        }
        let atts = || r.attachments.iter().enumerate();
        Self {
            name: r.region.clone(),
            tgws: by_id(&r.tgws, |o| &o.id),
            tgw_route_tables,
            attachments: by_id(&r.attachments, |o| &o.id),
            peerings: by_id(&r.peerings, |o| &o.id),
            vpcs: by_id(&r.vpcs, |o| &o.id),
            subnets: by_id(&r.subnets, |o| &o.id),
            vpc_route_tables: by_id(&r.vpc_route_tables, |o| &o.id),
            internet_gateways: by_id(&r.internet_gateways, |o| &o.id),
            nat_gateways: by_id(&r.nat_gateways, |o| &o.id),
            vpc_endpoints: by_id(&r.vpc_endpoints, |o| &o.id),
            instances: by_id(&r.instances, |o| &o.id),
            network_interfaces: by_id(&r.network_interfaces, |o| &o.id),
            vpc_peerings: by_id(&r.vpc_peerings, |o| &o.id),
            firewalls: by_names(&r.firewalls, |o| [&o.id, &o.name, &o.arn]),
            firewall_policies: by_names(&r.firewall_policies, |o| [&o.id, &o.name, &o.arn]),
            rule_groups: by_names(&r.rule_groups, |o| [&o.id, &o.name, &o.arn]),
            subnet_table: Ids::build(subnet_tables),
            vpc_main_table: Ids::build(main_tables),
            vpc_tables: Groups::build(
                r.vpc_route_tables
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.vpc_id.as_str(), at(i))),
            ),
            vpc_subnets: Groups::build(
                r.subnets
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.vpc_id.as_str(), at(i))),
            ),
            vpc_attachments: Groups::build(atts().filter_map(|(i, a)| {
                let vpc = a.resource_id.as_deref()?;
                (a.kind == crate::model::AttachmentKind::Vpc).then_some((vpc, at(i)))
            })),
            vpc_igws: Groups::build(
                r.internet_gateways
                    .iter()
                    .enumerate()
                    .flat_map(|(i, g)| g.vpc_ids.iter().map(move |v| (v.as_str(), at(i)))),
            ),
            tgw_tables: Groups::build(
                r.tgw_route_tables
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.tgw_id.as_str(), at(i))),
            ),
            tgw_attachments: Groups::build(atts().map(|(i, a)| (a.tgw_id.as_str(), at(i)))),
            attachment_table: Ids::build(attachment_tables),
            attachment_entry: Ids::build(r.tgw_route_tables.iter().flat_map(|t| {
                t.associations
                    .iter()
                    .enumerate()
                    .map(|(j, l)| (l.attachment_id.as_str(), at(j)))
            })),
            attachment_propagation_entries: Groups::build(propagation_keys),
            propagation_entries,
            firewall_endpoints,
            tgw_tries: r.tgw_route_tables.iter().map(|_| OnceLock::new()).collect(),
            vpc_tries: r.vpc_route_tables.iter().map(|_| OnceLock::new()).collect(),
        }
    }
}

/// Where an address falls: subnets and VPCs whose CIDR contains it, across regions.
#[derive(Debug, Clone, Default)]
struct AddressIndex {
    v4: PrefixMap<Ipv4Net, Vec<(u32, u32)>>,
    v6: PrefixMap<Ipv6Net, Vec<(u32, u32)>>,
}

impl AddressIndex {
    fn insert(&mut self, net: IpNet, loc: (u32, u32)) {
        match net {
            IpNet::V4(n) => self.v4.entry(n.trunc()).or_default().push(loc),
            IpNet::V6(n) => self.v6.entry(n.trunc()).or_default().push(loc),
        }
    }

    /// Every location whose CIDR contains `addr`, most specific first.
    fn containing(&self, addr: IpAddr) -> Vec<(u32, u32)> {
        let mut hits: Vec<(u8, (u32, u32))> = match addr {
            IpAddr::V4(a) => self
                .v4
                .cover(&Ipv4Net::from(a))
                .flat_map(|(p, v)| v.iter().map(move |l| (p.prefix_len(), *l)))
                .collect(),
            IpAddr::V6(a) => self
                .v6
                .cover(&Ipv6Net::from(a))
                .flat_map(|(p, v)| v.iter().map(move |l| (p.prefix_len(), *l)))
                .collect(),
        };
        hits.sort_by_key(|(len, l)| (std::cmp::Reverse(*len), *l));
        hits.into_iter().map(|(_, l)| l).collect()
    }
}

impl AddressIndex {
    fn of_subnets(regions: &[&RegionEstate]) -> Self {
        let mut index = Self::default();
        for (ri, region) in regions.iter().enumerate() {
            for (i, s) in region.subnets.iter().enumerate() {
                if let Some(c) = s.cidr {
                    index.insert(c, (at(ri), at(i)));
                }
            }
        }
        index
    }

    fn of_vpcs(regions: &[&RegionEstate]) -> Self {
        let mut index = Self::default();
        for (ri, region) in regions.iter().enumerate() {
            for (i, v) in region.vpcs.iter().enumerate() {
                for c in &v.cidr_blocks {
                    index.insert(*c, (at(ri), at(i)));
                }
            }
        }
        index
    }
}

/// The index of one estate version. Build with [`EstateIndex::build`], use through
/// [`Net`].
#[derive(Debug, Clone, Default)]
pub struct EstateIndex {
    /// Loaded regions, in name order (the estate's order).
    regions: Vec<RegionIndex>,
    by_name: HashMap<String, u32>,
    /// Built on first use: only address questions (a trace's FROM) need them.
    subnet_addresses: OnceLock<AddressIndex>,
    vpc_addresses: OnceLock<AddressIndex>,
    /// What `find` asks (ids, names, addresses held, routes by destination), each
    /// part built on its first question.
    find: find::FindIndex,
}

impl EstateIndex {
    /// Indexes every loaded region of `estate`.
    #[must_use]
    pub fn build(estate: &Estate) -> Self {
        let mut index = Self::default();
        for (ri, region) in estate.loaded().enumerate() {
            let ri = at(ri);
            index.by_name.insert(region.region.clone(), ri);
            index.regions.push(RegionIndex::build(region));
        }
        index
    }

    /// Number of regions indexed.
    #[must_use]
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// Compiles every route table and the address tries now instead of on first use
    /// (benchmarks, or to pay the cost before a burst of traces).
    pub fn compile_all(&self, estate: &Estate) {
        let net = Net::with_index(estate, self);
        self.subnet_addresses
            .get_or_init(|| AddressIndex::of_subnets(&net.regions));
        self.vpc_addresses
            .get_or_init(|| AddressIndex::of_vpcs(&net.regions));
        for region in estate.loaded() {
            for t in &region.tgw_route_tables {
                let _ = net.tgw_trie(t);
            }
            for t in &region.vpc_route_tables {
                let _ = net.vpc_trie(t);
            }
        }
    }
}

/// An estate and its index: the network questions, answered.
#[derive(Debug, Clone)]
pub struct Net<'a> {
    estate: &'a Estate,
    regions: Vec<&'a RegionEstate>,
    index: Cow<'a, EstateIndex>,
}

macro_rules! lookups {
    ($($(#[$m:meta])* $name:ident, $name_in:ident, $field:ident, $ty:ty, $matches:expr;)+) => {
        $(
            $(#[$m])*
            #[must_use]
            pub fn $name(&self, id: &str) -> Option<&'a $ty> {
                (0..self.regions.len()).find_map(|ri| self.$field(ri, id))
            }

            /// The same, in one region.
            #[must_use]
            pub fn $name_in(&self, region: &str, id: &str) -> Option<&'a $ty> {
                self.$field(self.region_pos(region)?, id)
            }

            fn $field(&self, ri: usize, id: &str) -> Option<&'a $ty> {
                let region: &'a RegionEstate = self.regions.get(ri).copied()?;
                let matches: fn(&$ty, &str) -> bool = $matches;
                let is = |p: u32| region.$field.get(p as usize).is_some_and(|o| matches(o, id));
                let i = self.index.regions.get(ri)?.$field.get(id, is)?;
                region.$field.get(i as usize)
            }
        )+
    };
}

fn by_id<T: HasId>(o: &T, id: &str) -> bool {
    o.id() == id
}

trait HasId {
    fn id(&self) -> &str;
}

macro_rules! has_id {
    ($($ty:ty),+) => { $(impl HasId for $ty { fn id(&self) -> &str { &self.id } })+ };
}
has_id!(
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
    Instance,
    NetworkInterface,
    VpcPeeringConnection
);

impl<'a> Net<'a> {
    /// Indexes `estate` for this use only (a command, a test). Long-lived callers keep
    /// an [`EstateIndex`] per data version and use [`Net::with_index`].
    #[must_use]
    pub fn new(estate: &'a Estate) -> Self {
        Self {
            estate,
            regions: estate.loaded().collect(),
            index: Cow::Owned(EstateIndex::build(estate)),
        }
    }

    /// Pairs an estate with the index built from it.
    #[must_use]
    pub fn with_index(estate: &'a Estate, index: &'a EstateIndex) -> Self {
        Self {
            estate,
            regions: estate.loaded().collect(),
            index: Cow::Borrowed(index),
        }
    }

    /// The estate.
    #[must_use]
    pub fn estate(&self) -> &'a Estate {
        self.estate
    }

    /// Loaded regions in name order.
    pub fn regions(&self) -> impl Iterator<Item = &'a RegionEstate> + '_ {
        self.regions.iter().copied()
    }

    /// A loaded region by name.
    #[must_use]
    pub fn region(&self, name: &str) -> Option<&'a RegionEstate> {
        self.regions.get(self.region_pos(name)?).copied()
    }

    fn region_pos(&self, name: &str) -> Option<usize> {
        let ri = *self.index.by_name.get(name)? as usize;
        (self.regions.get(ri)?.region == name && self.index.regions.get(ri)?.name == name)
            .then_some(ri)
    }

    fn ri_of(&self, region: &str) -> Option<(usize, &RegionIndex, &'a RegionEstate)> {
        let ri = self.region_pos(region)?;
        Some((
            ri,
            self.index.regions.get(ri)?,
            self.regions.get(ri).copied()?,
        ))
    }

    lookups! {
        /// A Transit Gateway by id (first region by name that has it).
        tgw, tgw_in, tgws, TransitGateway, by_id;
        /// A TGW route table by id.
        tgw_route_table, tgw_route_table_in, tgw_route_tables, TgwRouteTable, by_id;
        /// A TGW attachment by id (a peering's is found in the first of its regions).
        attachment, attachment_in, attachments, TgwAttachment, by_id;
        /// A peering by its attachment id.
        peering, peering_in, peerings, Peering, by_id;
        /// A VPC by id.
        vpc, vpc_in, vpcs, Vpc, by_id;
        /// A subnet by id.
        subnet, subnet_in, subnets, Subnet, by_id;
        /// A VPC route table by id.
        vpc_route_table, vpc_route_table_in, vpc_route_tables, VpcRouteTable, by_id;
        /// An internet gateway by id.
        internet_gateway, internet_gateway_in, internet_gateways, InternetGateway, by_id;
        /// A NAT gateway by id.
        nat_gateway, nat_gateway_in, nat_gateways, NatGateway, by_id;
        /// A VPC endpoint by id.
        vpc_endpoint, vpc_endpoint_in, vpc_endpoints, VpcEndpoint, by_id;
        /// An instance by id.
        instance, instance_in, instances, Instance, by_id;
        /// A network interface by id.
        network_interface, network_interface_in, network_interfaces, NetworkInterface, by_id;
        /// A VPC peering connection by id (found in the first of its regions).
        vpc_peering, vpc_peering_in, vpc_peerings, VpcPeeringConnection, by_id;
        /// A Network Firewall by id, name or ARN.
        firewall, firewall_in, firewalls, NetworkFirewall,
            |o, id| o.id == id || o.name == id || o.arn == id;
        /// A firewall policy by id, name or ARN.
        firewall_policy, firewall_policy_in, firewall_policies, FirewallPolicy,
            |o, id| o.id == id || o.name == id || o.arn == id;
        /// A rule group by id, name or ARN.
        rule_group, rule_group_in, rule_groups, RuleGroup,
            |o, id| o.id == id || o.name == id || o.arn == id;
    }

    fn many<T>(
        &self,
        region: &str,
        pick: impl Fn(&RegionIndex) -> &Groups,
        list: impl Fn(&'a RegionEstate) -> &'a [T],
        id: &str,
    ) -> Vec<&'a T> {
        let Some((_, ix, r)) = self.ri_of(region) else {
            return Vec::new();
        };
        pick(ix)
            .get(id)
            .iter()
            .filter_map(|&i| list(r).get(i as usize))
            .collect()
    }

    /// The VPC a subnet belongs to.
    #[must_use]
    pub fn subnet_vpc(&self, subnet: &Subnet) -> Option<&'a Vpc> {
        self.vpc_in(&subnet.region, &subnet.vpc_id)
    }

    /// The subnets of a VPC, in the region's order.
    #[must_use]
    pub fn vpc_subnets(&self, vpc: &Vpc) -> Vec<&'a Subnet> {
        self.many(&vpc.region, |x| &x.vpc_subnets, |r| &r.subnets, &vpc.id)
            .into_iter()
            .filter(|s| s.vpc_id == vpc.id)
            .collect()
    }

    /// The route tables of a VPC, in the region's order.
    #[must_use]
    pub fn vpc_route_tables_of(&self, vpc: &Vpc) -> Vec<&'a VpcRouteTable> {
        self.many(
            &vpc.region,
            |x| &x.vpc_tables,
            |r| &r.vpc_route_tables,
            &vpc.id,
        )
        .into_iter()
        .filter(|t| t.vpc_id == vpc.id)
        .collect()
    }

    /// The VPC's main route table.
    #[must_use]
    pub fn main_route_table(&self, region: &str, vpc_id: &str) -> Option<&'a VpcRouteTable> {
        let (_, ix, r) = self.ri_of(region)?;
        let is = |p: u32| {
            r.vpc_route_tables
                .get(p as usize)
                .is_some_and(|t| t.vpc_id == vpc_id && t.is_main())
        };
        r.vpc_route_tables
            .get(ix.vpc_main_table.get(vpc_id, is)? as usize)
    }

    /// The route table a subnet uses: its explicit association, else its VPC's main
    /// table. The one implementation of that rule.
    #[must_use]
    pub fn subnet_route_table(&self, subnet: &Subnet) -> Option<(&'a VpcRouteTable, TableChoice)> {
        let (_, ix, r) = self.ri_of(&subnet.region)?;
        let explicit = |t: &VpcRouteTable| {
            t.associations
                .iter()
                .any(|a| a.subnet_id.as_deref() == Some(&subnet.id))
        };
        let is = |p: u32| r.vpc_route_tables.get(p as usize).is_some_and(explicit);
        if let Some(i) = ix.subnet_table.get(&subnet.id, is)
            && let Some(t) = r.vpc_route_tables.get(i as usize)
        {
            return Some((t, TableChoice::Explicit));
        }
        self.main_route_table(&subnet.region, &subnet.vpc_id)
            .map(|t| (t, TableChoice::Main))
    }

    /// Internet gateways attached to a VPC.
    #[must_use]
    pub fn vpc_internet_gateways(&self, vpc: &Vpc) -> Vec<&'a InternetGateway> {
        self.many(
            &vpc.region,
            |x| &x.vpc_igws,
            |r| &r.internet_gateways,
            &vpc.id,
        )
        .into_iter()
        .filter(|g| g.vpc_ids.contains(&vpc.id))
        .collect()
    }

    /// TGW attachments of a VPC (one per TGW it is attached to).
    #[must_use]
    pub fn vpc_attachments(&self, region: &str, vpc_id: &str) -> Vec<&'a TgwAttachment> {
        self.many(region, |x| &x.vpc_attachments, |r| &r.attachments, vpc_id)
            .into_iter()
            .filter(|a| a.resource_id.as_deref() == Some(vpc_id))
            .collect()
    }

    /// The route tables of a TGW.
    #[must_use]
    pub fn tgw_route_tables_of(&self, tgw: &TransitGateway) -> Vec<&'a TgwRouteTable> {
        self.many(
            &tgw.region,
            |x| &x.tgw_tables,
            |r| &r.tgw_route_tables,
            &tgw.id,
        )
        .into_iter()
        .filter(|t| t.tgw_id == tgw.id)
        .collect()
    }

    /// The attachments of a TGW.
    #[must_use]
    pub fn tgw_attachments_of(&self, tgw: &TransitGateway) -> Vec<&'a TgwAttachment> {
        self.many(
            &tgw.region,
            |x| &x.tgw_attachments,
            |r| &r.attachments,
            &tgw.id,
        )
        .into_iter()
        .filter(|a| a.tgw_id == tgw.id)
        .collect()
    }

    /// The TGW route table an attachment is associated with: the one whose
    /// associations list it, else the one its `association` names.
    #[must_use]
    pub fn associated_route_table(&self, att: &TgwAttachment) -> Option<&'a TgwRouteTable> {
        let (_, ix, r) = self.ri_of(&att.region)?;
        // The attachment's own field, else its indexed entry in the table's list; a
        // scan of the list only when neither answers (an estate the index does not
        // know in detail), so the answer never depends on the index being current.
        let listed = |t: &TgwRouteTable| {
            att.association
                .as_ref()
                .is_some_and(|a| a.route_table_id == t.id)
                || ix
                    .attachment_entry
                    .get(&att.id, |j| {
                        t.associations
                            .get(j as usize)
                            .is_some_and(|l| l.attachment_id == att.id)
                    })
                    .is_some()
                || t.associations.iter().any(|l| l.attachment_id == att.id)
        };
        let is = |p: u32| r.tgw_route_tables.get(p as usize).is_some_and(listed);
        r.tgw_route_tables
            .get(ix.attachment_table.get(&att.id, is)? as usize)
    }

    /// The TGW route tables an attachment propagates into.
    #[must_use]
    pub fn propagating_route_tables(&self, att: &TgwAttachment) -> Vec<&'a TgwRouteTable> {
        let Some((_, ix, r)) = self.ri_of(&att.region) else {
            return Vec::new();
        };
        ix.attachment_propagation_entries
            .get(&att.id)
            .iter()
            .filter_map(|&k| ix.propagation_entries.get(k as usize))
            .filter_map(|&(i, j)| {
                let t = r.tgw_route_tables.get(i as usize)?;
                t.propagations
                    .get(j as usize)
                    .is_some_and(|l| l.attachment_id == att.id)
                    .then_some(t)
            })
            .collect()
    }

    /// The Network Firewall endpoint with this `vpce-…` id.
    #[must_use]
    pub fn firewall_endpoint(
        &self,
        region: &str,
        endpoint_id: &str,
    ) -> Option<(&'a NetworkFirewall, &'a FirewallEndpoint)> {
        let (_, ix, r) = self.ri_of(region)?;
        let &(f, e) = ix.firewall_endpoints.get(endpoint_id)?;
        let fw = r.firewalls.get(f as usize)?;
        let ep = fw.endpoints.get(e as usize)?;
        (ep.endpoint_id.as_deref() == Some(endpoint_id)).then_some((fw, ep))
    }

    /// Subnets whose CIDR contains `addr`, most specific first, across regions (more
    /// than one when CIDRs overlap across VPCs).
    #[must_use]
    pub fn subnets_containing(&self, addr: IpAddr) -> Vec<&'a Subnet> {
        self.index
            .subnet_addresses
            .get_or_init(|| AddressIndex::of_subnets(&self.regions))
            .containing(addr)
            .into_iter()
            .filter_map(|(ri, i)| {
                let region: &'a RegionEstate = self.regions.get(ri as usize).copied()?;
                region.subnets.get(i as usize)
            })
            .filter(|s| s.cidr.is_some_and(|c| c.contains(&addr)))
            .collect()
    }

    /// VPCs with a CIDR containing `addr`, most specific first, across regions.
    #[must_use]
    pub fn vpcs_containing(&self, addr: IpAddr) -> Vec<&'a Vpc> {
        let mut out: Vec<&Vpc> = Vec::new();
        let vpcs = self
            .index
            .vpc_addresses
            .get_or_init(|| AddressIndex::of_vpcs(&self.regions));
        for (ri, i) in vpcs.containing(addr) {
            if let Some(v) = self
                .regions
                .get(ri as usize)
                .copied()
                .and_then(|r| r.vpcs.get(i as usize))
                && v.cidr_blocks.iter().any(|c| c.contains(&addr))
                && !out.iter().any(|o| std::ptr::eq(*o, v))
            {
                out.push(v);
            }
        }
        out
    }

    /// The compiled trie of a TGW route table (compiled on first use).
    #[must_use]
    pub fn tgw_trie(&self, table: &TgwRouteTable) -> Cow<'_, RouteTrie> {
        let lists = self.prefix_lists(&table.region);
        let slot = self.ri_of(&table.region).and_then(|(_, ix, r)| {
            let is = |p: u32| {
                r.tgw_route_tables
                    .get(p as usize)
                    .is_some_and(|t| std::ptr::eq(t, table))
            };
            ix.tgw_tries
                .get(ix.tgw_route_tables.get(&table.id, is)? as usize)
        });
        match slot {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| lpm::compile_tgw(table, lists))),
            // A table not from this estate (a preview of a change): compile it now.
            None => Cow::Owned(lpm::compile_tgw(table, lists)),
        }
    }

    /// The compiled trie of a VPC route table (with its VPC's implicit local routes).
    #[must_use]
    pub fn vpc_trie(&self, table: &VpcRouteTable) -> Cow<'_, VpcTrie> {
        let cidrs: &[IpNet] = self
            .vpc_in(&table.region, &table.vpc_id)
            .map_or(&[], |v| v.cidr_blocks.as_slice());
        let lists = self.prefix_lists(&table.region);
        let slot = self.ri_of(&table.region).and_then(|(_, ix, r)| {
            let is = |p: u32| {
                r.vpc_route_tables
                    .get(p as usize)
                    .is_some_and(|t| std::ptr::eq(t, table))
            };
            ix.vpc_tries
                .get(ix.vpc_route_tables.get(&table.id, is)? as usize)
        });
        match slot {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| lpm::compile_vpc(table, cidrs, lists))),
            None => Cow::Owned(lpm::compile_vpc(table, cidrs, lists)),
        }
    }

    /// The prefix lists of `region` (with their entries, where read).
    #[must_use]
    pub fn prefix_lists(&self, region: &str) -> &'a [PrefixList] {
        self.region_pos(region)
            .and_then(|ri| self.regions.get(ri).copied())
            .map_or(&[], |r| r.prefix_lists.as_slice())
    }

    /// A prefix list by id, in `region`.
    #[must_use]
    pub fn prefix_list(&self, region: &str, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists(region).iter().find(|l| l.id == id)
    }

    /// What a TGW route table does with `addr`.
    #[must_use]
    pub fn tgw_lookup<'t>(&self, table: &'t TgwRouteTable, addr: IpAddr) -> TgwDecision<'t> {
        lpm::tgw_select(table, &self.tgw_trie(table), addr)
    }

    /// What a VPC route table does with `addr`.
    #[must_use]
    pub fn vpc_lookup<'t>(&self, table: &'t VpcRouteTable, addr: IpAddr) -> VpcDecision<'t> {
        lpm::vpc_select(table, &self.vpc_trie(table), addr)
    }

    /// The ARN of an object (see [`super::arn::object_arn`]).
    #[must_use]
    pub fn arn(&self, object: &super::findings::ObjectRef) -> Option<String> {
        super::arn::object_arn(self.estate, object)
    }

    /// The account id ARNs use in `region` (see [`super::arn::account_id`]).
    #[must_use]
    pub fn account_id(&self, region: &str) -> String {
        super::arn::account_id(self.estate, region)
    }
}

#[cfg(test)]
mod tests;
