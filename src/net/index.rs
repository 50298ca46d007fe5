//! An index of an [`Estate`] by id, and the relations the network rules follow.
//!
//! Invariants:
//! - [`EstateIndex`] owns positions (region, position in the region's list), not
//!   references: it can live next to the estate and is rebuilt when the data changes.
//!   [`Net`] pairs it with the estate for lookups; every lookup compares the id of what
//!   it finds with the id asked for, so a stale index answers `None`, never a wrong
//!   object.
//! - Building is linear in the number of objects; route tables compile into tries
//!   lazily, on their first lookup, and once (a `OnceLock` each), so building stays
//!   cheap for estates of tens of thousands of VPCs and a shared index is `Sync`.
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
    NetworkFirewall, Peering, RegionEstate, RuleGroup, Subnet, TgwAttachment, TgwRouteTable,
    TransitGateway, Vpc, VpcEndpoint, VpcRouteTable,
};

type Ids = HashMap<Box<str>, u32>;
type Many = HashMap<Box<str>, Vec<u32>>;

fn key(s: &str) -> Box<str> {
    s.into()
}

fn at(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn ids<'a>(items: impl Iterator<Item = &'a str>) -> Ids {
    let mut map = Ids::new();
    for (i, id) in items.enumerate() {
        // The first of duplicated ids wins, as a linear `find` would.
        map.entry(key(id)).or_insert(at(i));
    }
    map
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

    subnet_table: Ids,
    vpc_main_table: Ids,
    vpc_tables: Many,
    vpc_subnets: Many,
    vpc_attachments: Many,
    vpc_igws: Many,
    tgw_tables: Many,
    tgw_attachments: Many,
    attachment_table: Ids,
    attachment_propagations: Many,
    /// Firewall endpoint `vpce-…` id → (firewall, endpoint).
    firewall_endpoints: HashMap<Box<str>, (u32, u32)>,

    tgw_tries: Vec<OnceLock<RouteTrie>>,
    vpc_tries: Vec<OnceLock<VpcTrie>>,
}

impl RegionIndex {
    #[allow(clippy::too_many_lines)]
    fn build(r: &RegionEstate) -> Self {
        let mut x = Self {
            name: r.region.clone(),
            tgws: ids(r.tgws.iter().map(|o| o.id.as_str())),
            tgw_route_tables: ids(r.tgw_route_tables.iter().map(|o| o.id.as_str())),
            attachments: ids(r.attachments.iter().map(|o| o.id.as_str())),
            peerings: ids(r.peerings.iter().map(|o| o.id.as_str())),
            vpcs: ids(r.vpcs.iter().map(|o| o.id.as_str())),
            subnets: ids(r.subnets.iter().map(|o| o.id.as_str())),
            vpc_route_tables: ids(r.vpc_route_tables.iter().map(|o| o.id.as_str())),
            internet_gateways: ids(r.internet_gateways.iter().map(|o| o.id.as_str())),
            nat_gateways: ids(r.nat_gateways.iter().map(|o| o.id.as_str())),
            vpc_endpoints: ids(r.vpc_endpoints.iter().map(|o| o.id.as_str())),
            instances: ids(r.instances.iter().map(|o| o.id.as_str())),
            tgw_tries: r.tgw_route_tables.iter().map(|_| OnceLock::new()).collect(),
            vpc_tries: r.vpc_route_tables.iter().map(|_| OnceLock::new()).collect(),
            ..Self::default()
        };
        for (map, names) in [
            (
                &mut x.firewalls,
                r.firewalls
                    .iter()
                    .map(|o| [o.id.as_str(), o.name.as_str(), o.arn.as_str()])
                    .collect::<Vec<_>>(),
            ),
            (
                &mut x.firewall_policies,
                r.firewall_policies
                    .iter()
                    .map(|o| [o.id.as_str(), o.name.as_str(), o.arn.as_str()])
                    .collect(),
            ),
            (
                &mut x.rule_groups,
                r.rule_groups
                    .iter()
                    .map(|o| [o.id.as_str(), o.name.as_str(), o.arn.as_str()])
                    .collect(),
            ),
        ] {
            for (i, names) in names.iter().enumerate() {
                for n in names.iter().filter(|n| !n.is_empty()) {
                    map.entry(key(n)).or_insert(at(i));
                }
            }
        }
        for (i, t) in r.vpc_route_tables.iter().enumerate() {
            x.vpc_tables.entry(key(&t.vpc_id)).or_default().push(at(i));
            for a in &t.associations {
                if a.main {
                    x.vpc_main_table.entry(key(&t.vpc_id)).or_insert(at(i));
                }
                if let Some(s) = &a.subnet_id {
                    x.subnet_table.entry(key(s)).or_insert(at(i));
                }
            }
        }
        for (i, s) in r.subnets.iter().enumerate() {
            x.vpc_subnets.entry(key(&s.vpc_id)).or_default().push(at(i));
        }
        for (i, igw) in r.internet_gateways.iter().enumerate() {
            for v in &igw.vpc_ids {
                x.vpc_igws.entry(key(v)).or_default().push(at(i));
            }
        }
        for (i, a) in r.attachments.iter().enumerate() {
            x.tgw_attachments
                .entry(key(&a.tgw_id))
                .or_default()
                .push(at(i));
            if a.kind == crate::model::AttachmentKind::Vpc
                && let Some(v) = &a.resource_id
            {
                x.vpc_attachments.entry(key(v)).or_default().push(at(i));
            }
        }
        for (i, t) in r.tgw_route_tables.iter().enumerate() {
            x.tgw_tables.entry(key(&t.tgw_id)).or_default().push(at(i));
            for l in &t.associations {
                x.attachment_table
                    .entry(key(&l.attachment_id))
                    .or_insert(at(i));
            }
            for l in &t.propagations {
                x.attachment_propagations
                    .entry(key(&l.attachment_id))
                    .or_default()
                    .push(at(i));
            }
        }
        for a in &r.attachments {
            if let Some(assoc) = &a.association
                && let Some(&t) = x.tgw_route_tables.get(assoc.route_table_id.as_str())
            {
                x.attachment_table.entry(key(&a.id)).or_insert(t);
            }
        }
        for (i, fw) in r.firewalls.iter().enumerate() {
            for (j, e) in fw.endpoints.iter().enumerate() {
                if let Some(id) = &e.endpoint_id {
                    x.firewall_endpoints
                        .entry(key(id))
                        .or_insert((at(i), at(j)));
                }
            }
        }
        x
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

/// The index of one estate version. Build with [`EstateIndex::build`], use through
/// [`Net`].
#[derive(Debug, Clone, Default)]
pub struct EstateIndex {
    /// Loaded regions, in name order (the estate's order).
    regions: Vec<RegionIndex>,
    by_name: HashMap<String, u32>,
    subnet_addresses: AddressIndex,
    vpc_addresses: AddressIndex,
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
            for (i, s) in region.subnets.iter().enumerate() {
                if let Some(c) = s.cidr {
                    index.subnet_addresses.insert(c, (ri, at(i)));
                }
            }
            for (i, v) in region.vpcs.iter().enumerate() {
                for c in &v.cidr_blocks {
                    index.vpc_addresses.insert(*c, (ri, at(i)));
                }
            }
        }
        index
    }

    /// Number of regions indexed.
    #[must_use]
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// Compiles every route table now instead of on first lookup (benchmarks, or to
    /// pay the cost before a burst of traces).
    pub fn compile_all(&self, estate: &Estate) {
        let net = Net::with_index(estate, self);
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
                let i = *self.index.regions.get(ri)?.$field.get(id)?;
                let region: &'a RegionEstate = self.regions.get(ri).copied()?;
                let found = region.$field.get(i as usize)?;
                let matches: fn(&$ty, &str) -> bool = $matches;
                matches(found, id).then_some(found)
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
    Instance
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
        pick: impl Fn(&RegionIndex) -> &Many,
        list: impl Fn(&'a RegionEstate) -> &'a [T],
        id: &str,
    ) -> Vec<&'a T> {
        let Some((_, ix, r)) = self.ri_of(region) else {
            return Vec::new();
        };
        pick(ix)
            .get(id)
            .map(|v| v.iter().filter_map(|&i| list(r).get(i as usize)).collect())
            .unwrap_or_default()
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
        let t = r
            .vpc_route_tables
            .get(*ix.vpc_main_table.get(vpc_id)? as usize)?;
        (t.vpc_id == vpc_id && t.is_main()).then_some(t)
    }

    /// The route table a subnet uses: its explicit association, else its VPC's main
    /// table. The one implementation of that rule.
    #[must_use]
    pub fn subnet_route_table(&self, subnet: &Subnet) -> Option<(&'a VpcRouteTable, TableChoice)> {
        let (_, ix, r) = self.ri_of(&subnet.region)?;
        if let Some(&i) = ix.subnet_table.get(subnet.id.as_str())
            && let Some(t) = r.vpc_route_tables.get(i as usize)
            && t.associations
                .iter()
                .any(|a| a.subnet_id.as_deref() == Some(&subnet.id))
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
        let t = r
            .tgw_route_tables
            .get(*ix.attachment_table.get(att.id.as_str())? as usize)?;
        let listed = t.associations.iter().any(|l| l.attachment_id == att.id)
            || att
                .association
                .as_ref()
                .is_some_and(|a| a.route_table_id == t.id);
        listed.then_some(t)
    }

    /// The TGW route tables an attachment propagates into.
    #[must_use]
    pub fn propagating_route_tables(&self, att: &TgwAttachment) -> Vec<&'a TgwRouteTable> {
        self.many(
            &att.region,
            |x| &x.attachment_propagations,
            |r| &r.tgw_route_tables,
            &att.id,
        )
        .into_iter()
        .filter(|t| t.propagations.iter().any(|l| l.attachment_id == att.id))
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
        for (ri, i) in self.index.vpc_addresses.containing(addr) {
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
        let slot = self.ri_of(&table.region).and_then(|(_, ix, r)| {
            let i = *ix.tgw_route_tables.get(table.id.as_str())? as usize;
            let same = r
                .tgw_route_tables
                .get(i)
                .is_some_and(|t| std::ptr::eq(t, table));
            same.then(|| ix.tgw_tries.get(i)).flatten()
        });
        match slot {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| lpm::compile_tgw(table))),
            // A table not from this estate (a preview of a change): compile it now.
            None => Cow::Owned(lpm::compile_tgw(table)),
        }
    }

    /// The compiled trie of a VPC route table (with its VPC's implicit local routes).
    #[must_use]
    pub fn vpc_trie(&self, table: &VpcRouteTable) -> Cow<'_, VpcTrie> {
        let cidrs: &[IpNet] = self
            .vpc_in(&table.region, &table.vpc_id)
            .map_or(&[], |v| v.cidr_blocks.as_slice());
        let slot = self.ri_of(&table.region).and_then(|(_, ix, r)| {
            let i = *ix.vpc_route_tables.get(table.id.as_str())? as usize;
            let same = r
                .vpc_route_tables
                .get(i)
                .is_some_and(|t| std::ptr::eq(t, table));
            same.then(|| ix.vpc_tries.get(i)).flatten()
        });
        match slot {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| lpm::compile_vpc(table, cidrs))),
            None => Cow::Owned(lpm::compile_vpc(table, cidrs)),
        }
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

    /// The account id ARNs use in `region` (see [`super::arn::account_id`]).
    #[must_use]
    pub fn account_id(&self, region: &str) -> String {
        super::arn::account_id(self.estate, region)
    }
}

#[cfg(test)]
mod tests;
