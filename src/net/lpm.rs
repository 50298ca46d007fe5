//! Which route wins: longest-prefix match for VPC and TGW route tables.
//!
//! Both kinds of table compile into a [`RouteTrie`] (one prefix trie per address
//! family, from the `prefix-trie` crate), whose values are the positions of the routes
//! in the table; the rules below then pick among the routes of the longest matching
//! prefix. The trie answers in O(prefix length), so a 10,000-route table costs the same
//! per lookup as a 10-route one.
//!
//! What is modelled (AWS's documented semantics):
//! - **VPC route tables** ("Route priority" in the VPC user guide): the most specific
//!   route wins. `local` comes first in the sense AWS gives it: the VPC's own CIDRs are
//!   always routed locally unless a route is *more* specific, and AWS accepts such a
//!   route only for a whole subnet's CIDR towards a NAT gateway, a network interface or a
//!   Gateway Load Balancer / firewall endpoint ("middlebox routing", used to send traffic
//!   between subnets through a firewall). So a more specific route does win over
//!   `local`, exactly as in AWS; at an equal prefix `local` wins. A VPC always has a
//!   local route per CIDR block; when a table read from somewhere omits it, the VPC's
//!   CIDRs are routed locally all the same (an implicit local route,
//!   [`VpcRouteRef::ImplicitLocal`]).
//! - **TGW route tables** ("Route evaluation order" in the Transit Gateway guide): the
//!   most specific route wins; for the same prefix a static route beats a propagated
//!   one, and among propagated routes a VPC's beats Direct Connect's, which beats
//!   Connect's, which beats VPN's. What is left at the top is kept whole: several
//!   targets (one route with several, or several VPN routes) are ECMP and every one of
//!   them is returned — the TGW hashes each flow to one of them, per direction.
//! - A route in state `blackhole`, or with no target, is a decision of its own: the
//!   packet is dropped there. It is never skipped in favour of a less specific route
//!   (AWS does not fall back either).
//! - A route in state `deleted` no longer exists and is ignored.
//! - **Prefix lists** ("Route priority for prefix lists" in the VPC guide; "Route
//!   evaluation order" in the Transit Gateway guide): a route to a prefix list routes
//!   each of the list's entries as a route of its own, so it takes part in the
//!   longest-prefix match entry by entry. At an equal prefix it ranks below a static
//!   route to that CIDR and above every propagated route. In a TGW table the entries
//!   of a referenced list may also come back from the route search as CIDR routes
//!   carrying the list's id ([`TgwRoute::prefix_list_id`]): they rank the same, and
//!   the reference is then not expanded a second time.
//! - A route to a prefix list whose entries were not read cannot be matched. Such
//!   routes are returned as `prefix_list_routes` on every decision so a caller can say
//!   "not evaluated" instead of guessing.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

use crate::model::{
    AttachmentKind, Destination, PrefixList, RouteState, RouteTarget, RouteType, TgwRoute,
    TgwRouteTable, VpcRoute, VpcRouteTable, VpcRouteTarget,
};

/// The entries of prefix list `id` among `lists`, when they were read.
#[must_use]
pub fn prefix_list_entries<'l>(lists: &'l [PrefixList], id: &str) -> Option<&'l [IpNet]> {
    lists
        .iter()
        .find(|l| l.id == id)
        .and_then(|l| l.entries.as_deref())
}

/// The routes of one table in prefix tries: prefix → positions of the routes with
/// exactly that destination (several for ECMP or a static and a propagated route).
#[derive(Debug, Clone, Default)]
pub struct RouteTrie {
    v4: PrefixMap<Ipv4Net, Vec<u32>>,
    v6: PrefixMap<Ipv6Net, Vec<u32>>,
    prefix_lists: Vec<u32>,
}

impl RouteTrie {
    /// Compiles `(position, destination)` pairs. Host bits of a destination are
    /// ignored (AWS stores the network address). A prefix-list destination is
    /// compiled as its entries when `entries` knows them, else set aside as not
    /// evaluated.
    pub fn build<'r, 'l>(
        routes: impl IntoIterator<Item = (u32, &'r Destination)>,
        entries: impl Fn(&str) -> Option<&'l [IpNet]>,
    ) -> Self {
        let mut trie = Self::default();
        for (pos, dest) in routes {
            match dest {
                Destination::Cidr(net) => trie.insert(*net, pos),
                Destination::PrefixList(id) => match entries(id) {
                    Some(nets) => {
                        for net in nets {
                            trie.insert(*net, pos);
                        }
                    }
                    None => trie.prefix_lists.push(pos),
                },
            }
        }
        trie
    }

    fn insert(&mut self, net: IpNet, pos: u32) {
        let at = match net {
            IpNet::V4(n) => self.v4.entry(n.trunc()).or_default(),
            IpNet::V6(n) => self.v6.entry(n.trunc()).or_default(),
        };
        if !at.contains(&pos) {
            at.push(pos);
        }
    }

    /// The longest prefix containing `addr`, with the positions of its routes.
    #[must_use]
    pub fn longest(&self, addr: IpAddr) -> Option<(IpNet, &[u32])> {
        match addr {
            IpAddr::V4(a) => self
                .v4
                .get_lpm(&Ipv4Net::from(a))
                .map(|(p, v)| (IpNet::V4(p), v.as_slice())),
            IpAddr::V6(a) => self
                .v6
                .get_lpm(&Ipv6Net::from(a))
                .map(|(p, v)| (IpNet::V6(p), v.as_slice())),
        }
    }

    /// Every prefix containing `addr`, longest first (to explain a decision: what
    /// else matched and lost).
    #[must_use]
    pub fn covering(&self, addr: IpAddr) -> Vec<(IpNet, &[u32])> {
        let mut out: Vec<(IpNet, &[u32])> = match addr {
            IpAddr::V4(a) => self
                .v4
                .cover(&Ipv4Net::from(a))
                .map(|(p, v)| (IpNet::V4(p), v.as_slice()))
                .collect(),
            IpAddr::V6(a) => self
                .v6
                .cover(&Ipv6Net::from(a))
                .map(|(p, v)| (IpNet::V6(p), v.as_slice()))
                .collect(),
        };
        out.sort_by_key(|(p, _)| std::cmp::Reverse(p.prefix_len()));
        out
    }

    /// Positions of routes to prefix lists whose entries were not read (never
    /// matched, see module docs).
    #[must_use]
    pub fn prefix_list_routes(&self) -> &[u32] {
        &self.prefix_lists
    }

    /// Number of distinct prefixes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// True when no CIDR route was compiled.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn pos(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------- TGW

/// Compiles a TGW route table; `lists` are its region's prefix lists.
#[must_use]
pub fn compile_tgw(table: &TgwRouteTable, lists: &[PrefixList]) -> RouteTrie {
    // A reference whose entries the search already answered as routes of their own.
    let answered = |id: &str| {
        table
            .routes
            .iter()
            .any(|r| r.prefix_list_id.as_deref() == Some(id))
    };
    RouteTrie::build(
        table
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.state != RouteState::Deleted)
            .map(|(i, r)| (pos(i), &r.destination)),
        |id| {
            if answered(id) {
                Some(&[])
            } else {
                prefix_list_entries(lists, id)
            }
        },
    )
}

/// Precedence of a route among routes to the same prefix: lower wins.
#[must_use]
pub fn tgw_route_rank(route: &TgwRoute) -> u8 {
    if route.route_type != RouteType::Propagated {
        let via_list = route.prefix_list_id.is_some()
            || matches!(route.destination, Destination::PrefixList(_));
        return u8::from(via_list);
    }
    match route.targets.first().and_then(|t| t.resource_type.as_ref()) {
        Some(AttachmentKind::Vpc) => 2,
        Some(AttachmentKind::DirectConnectGateway) => 3,
        Some(AttachmentKind::Connect) => 4,
        Some(AttachmentKind::Vpn) => 5,
        _ => 6,
    }
}

/// What a TGW route table does with a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TgwOutcome<'a> {
    /// Forwarded over `targets`; more than one is ECMP (the flow hash picks one).
    Forward {
        prefix: IpNet,
        /// The winning routes (one, or several equal VPN routes).
        routes: Vec<&'a TgwRoute>,
        targets: Vec<&'a RouteTarget>,
    },
    /// Dropped by a blackhole route (or a route left with no target).
    Blackhole { prefix: IpNet, route: &'a TgwRoute },
    /// No route matches: dropped.
    NoRoute,
}

/// A TGW route table's decision for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgwDecision<'a> {
    pub outcome: TgwOutcome<'a>,
    /// Routes to prefix lists that were not evaluated; when not empty, the decision
    /// holds only if none of those lists contains the address.
    pub prefix_list_routes: Vec<&'a TgwRoute>,
}

impl TgwDecision<'_> {
    /// More than one target: the TGW spreads flows by hash (and per direction).
    #[must_use]
    pub fn is_ecmp(&self) -> bool {
        matches!(&self.outcome, TgwOutcome::Forward { targets, .. } if targets.len() > 1)
    }
}

/// Picks among the routes to one prefix (the rules in the module docs).
fn tgw_pick<'a>(prefix: IpNet, routes: Vec<&'a TgwRoute>) -> TgwOutcome<'a> {
    let Some(best) = routes.iter().map(|r| tgw_route_rank(r)).min() else {
        return TgwOutcome::NoRoute;
    };
    let winners: Vec<&TgwRoute> = routes
        .into_iter()
        .filter(|r| tgw_route_rank(r) == best)
        .collect();
    let forwarding: Vec<&TgwRoute> = winners
        .iter()
        .copied()
        .filter(|r| r.state != RouteState::Blackhole && !r.targets.is_empty())
        .collect();
    if forwarding.is_empty() {
        return TgwOutcome::Blackhole {
            prefix,
            route: winners[0],
        };
    }
    let mut targets: Vec<&RouteTarget> = Vec::new();
    for r in &forwarding {
        for t in &r.targets {
            if !targets.iter().any(|x| x.attachment_id == t.attachment_id) {
                targets.push(t);
            }
        }
    }
    TgwOutcome::Forward {
        prefix,
        routes: forwarding,
        targets,
    }
}

/// The decision of a compiled TGW table for `addr`.
#[must_use]
pub fn tgw_select<'a>(table: &'a TgwRouteTable, trie: &RouteTrie, addr: IpAddr) -> TgwDecision<'a> {
    let outcome = match trie.longest(addr) {
        Some((prefix, positions)) => tgw_pick(
            prefix,
            positions
                .iter()
                .filter_map(|&i| table.routes.get(i as usize))
                .collect(),
        ),
        None => TgwOutcome::NoRoute,
    };
    TgwDecision {
        outcome,
        prefix_list_routes: trie
            .prefix_list_routes()
            .iter()
            .filter_map(|&i| table.routes.get(i as usize))
            .collect(),
    }
}

/// One-off lookup that compiles the table first (with no prefix list's entries);
/// use [`crate::net::Net`] to reuse the compiled trie across lookups.
#[must_use]
pub fn tgw_lookup(table: &TgwRouteTable, addr: IpAddr) -> TgwDecision<'_> {
    tgw_select(table, &compile_tgw(table, &[]), addr)
}

// ---------------------------------------------------------------------------- VPC

/// The route a VPC table used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VpcRouteRef<'a> {
    /// A route of the table, with its position.
    Table { index: usize, route: &'a VpcRoute },
    /// The local route AWS always has for a VPC CIDR, absent from the table as read.
    ImplicitLocal { cidr: IpNet },
}

static LOCAL: VpcRouteTarget = VpcRouteTarget::Local;

impl<'a> VpcRouteRef<'a> {
    /// Where the route sends traffic.
    #[must_use]
    pub fn target(&self) -> &'a VpcRouteTarget {
        match self {
            Self::Table { route, .. } => &route.target,
            Self::ImplicitLocal { .. } => &LOCAL,
        }
    }

    /// The route's destination as written.
    #[must_use]
    pub fn destination(&self) -> Destination {
        match self {
            Self::Table { route, .. } => route.destination.clone(),
            Self::ImplicitLocal { cidr } => Destination::Cidr(*cidr),
        }
    }
}

/// What a VPC route table does with a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcOutcome<'a> {
    Forward {
        prefix: IpNet,
        route: VpcRouteRef<'a>,
    },
    /// The winning route is in state `blackhole` (its target is gone).
    Blackhole {
        prefix: IpNet,
        route: VpcRouteRef<'a>,
    },
    NoRoute,
}

/// A VPC route table's decision for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcDecision<'a> {
    pub outcome: VpcOutcome<'a>,
    /// Routes to prefix lists that were not evaluated (see [`TgwDecision`]).
    pub prefix_list_routes: Vec<&'a VpcRoute>,
}

impl<'a> VpcDecision<'a> {
    /// The target traffic is forwarded to, unless dropped.
    #[must_use]
    pub fn target(&self) -> Option<&'a VpcRouteTarget> {
        match &self.outcome {
            VpcOutcome::Forward { route, .. } => Some(route.target()),
            _ => None,
        }
    }
}

/// A compiled VPC route table: its routes plus the implicit local routes of the VPC's
/// CIDRs that the table as read lacks (positions past the table's routes).
#[derive(Debug, Clone, Default)]
pub struct VpcTrie {
    trie: RouteTrie,
    implicit_local: Vec<IpNet>,
}

/// Compiles a VPC route table; `vpc_cidrs` are its VPC's CIDR blocks, `lists` its
/// region's prefix lists.
#[must_use]
pub fn compile_vpc(table: &VpcRouteTable, vpc_cidrs: &[IpNet], lists: &[PrefixList]) -> VpcTrie {
    let implicit_local: Vec<IpNet> = vpc_cidrs
        .iter()
        .map(IpNet::trunc)
        .filter(|c| {
            !table
                .routes
                .iter()
                .any(|r| r.destination.cidr().map(|d| d.trunc()) == Some(*c))
        })
        .collect();
    let implicit: Vec<Destination> = implicit_local
        .iter()
        .map(|c| Destination::Cidr(*c))
        .collect();
    let n = table.routes.len();
    let trie = RouteTrie::build(
        table
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.state != RouteState::Deleted)
            .map(|(i, r)| (pos(i), &r.destination))
            .chain(implicit.iter().enumerate().map(|(i, d)| (pos(n + i), d))),
        |id| prefix_list_entries(lists, id),
    );
    VpcTrie {
        trie,
        implicit_local,
    }
}

/// The decision of a compiled VPC table for `addr`.
#[must_use]
pub fn vpc_select<'a>(
    table: &'a VpcRouteTable,
    compiled: &VpcTrie,
    addr: IpAddr,
) -> VpcDecision<'a> {
    let n = table.routes.len();
    let outcome = match compiled.trie.longest(addr) {
        None => VpcOutcome::NoRoute,
        Some((prefix, positions)) => {
            let candidates: Vec<VpcRouteRef<'a>> = positions
                .iter()
                .filter_map(|&i| {
                    let i = i as usize;
                    match table.routes.get(i) {
                        Some(route) => Some(VpcRouteRef::Table { index: i, route }),
                        None => compiled
                            .implicit_local
                            .get(i - n)
                            .map(|cidr| VpcRouteRef::ImplicitLocal { cidr: *cidr }),
                    }
                })
                .collect();
            // At an equal prefix `local` wins, then a route to the CIDR itself, then
            // a route to a prefix list holding it; otherwise the table's order.
            let via_list =
                |r: &VpcRouteRef<'_>| matches!(r.destination(), Destination::PrefixList(_));
            let chosen = candidates
                .iter()
                .find(|r| *r.target() == VpcRouteTarget::Local)
                .or_else(|| candidates.iter().find(|r| !via_list(r)))
                .or(candidates.first())
                .copied();
            match chosen {
                Some(route @ VpcRouteRef::Table { route: r, .. })
                    if r.state == RouteState::Blackhole =>
                {
                    VpcOutcome::Blackhole { prefix, route }
                }
                Some(route) => VpcOutcome::Forward { prefix, route },
                None => VpcOutcome::NoRoute,
            }
        }
    };
    VpcDecision {
        outcome,
        prefix_list_routes: compiled
            .trie
            .prefix_list_routes()
            .iter()
            .filter_map(|&i| table.routes.get(i as usize))
            .collect(),
    }
}

/// One-off lookup that compiles the table first.
#[must_use]
pub fn vpc_lookup<'a>(
    table: &'a VpcRouteTable,
    vpc_cidrs: &[IpNet],
    addr: IpAddr,
) -> VpcDecision<'a> {
    vpc_select(table, &compile_vpc(table, vpc_cidrs, &[]), addr)
}

/// Whether AWS accepts a VPC route more specific than the VPC's local route: only
/// towards a NAT gateway, a network interface or a Gateway Load Balancer / firewall
/// endpoint, and only for a whole subnet's CIDR (checked by the caller, which knows
/// the subnets). The simulator's change path should refuse the rest as AWS does.
#[must_use]
pub fn more_specific_than_local_allowed(target: &VpcRouteTarget) -> bool {
    matches!(
        target,
        VpcRouteTarget::NatGateway(_)
            | VpcRouteTarget::NetworkInterface(_)
            | VpcRouteTarget::VpcEndpoint(_)
    )
}

#[cfg(test)]
mod tests;
