use std::net::IpAddr;

use proptest::prelude::*;

use super::*;
use crate::model::{PrefixList, RouteTarget, VpcRouteTableAssociation};

fn net(s: &str) -> IpNet {
    s.parse().expect("cidr")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

fn tgw_route(
    dest: &str,
    kind: RouteType,
    state: RouteState,
    targets: &[(&str, AttachmentKind)],
) -> TgwRoute {
    TgwRoute {
        derived: false,
        route_table_id: "tgw-rtb-1".into(),
        region: "us-east-1".into(),
        destination: Destination::Cidr(net(dest)),
        route_type: kind,
        state,
        targets: targets
            .iter()
            .map(|(id, k)| RouteTarget {
                attachment_id: (*id).into(),
                resource_type: Some(k.clone()),
                resource_id: None,
            })
            .collect(),
        prefix_list_id: None,
    }
}

fn tgw_table(routes: Vec<TgwRoute>) -> TgwRouteTable {
    TgwRouteTable {
        id: "tgw-rtb-1".into(),
        region: "us-east-1".into(),
        routes,
        ..TgwRouteTable::default()
    }
}

fn vpc_route(dest: &str, target: VpcRouteTarget) -> VpcRoute {
    VpcRoute {
        destination: Destination::Cidr(net(dest)),
        target,
        state: RouteState::Active,
    }
}

fn vpc_table(routes: Vec<VpcRoute>) -> VpcRouteTable {
    VpcRouteTable {
        id: "rtb-1".into(),
        region: "us-east-1".into(),
        vpc_id: "vpc-1".into(),
        associations: vec![VpcRouteTableAssociation {
            main: true,
            ..VpcRouteTableAssociation::default()
        }],
        routes,
        ..VpcRouteTable::default()
    }
}

fn forwarded_to<'a>(d: &TgwDecision<'a>) -> Vec<&'a str> {
    match &d.outcome {
        TgwOutcome::Forward { targets, .. } => {
            targets.iter().map(|t| t.attachment_id.as_str()).collect()
        }
        _ => Vec::new(),
    }
}

use AttachmentKind::{Peering, Vpc, Vpn};
use RouteState::{Active, Blackhole};
use RouteType::{Propagated, Static};

#[test]
fn tgw_longest_prefix_wins_over_default() {
    let t = tgw_table(vec![
        tgw_route("0.0.0.0/0", Static, Active, &[("inspection", Vpc)]),
        tgw_route("10.1.0.0/16", Propagated, Active, &[("spoke-b", Vpc)]),
        tgw_route("172.16.1.0/24", Static, Active, &[("peering", Peering)]),
    ]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("10.1.2.3"))), ["spoke-b"]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("172.16.1.9"))), ["peering"]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("8.8.8.8"))), ["inspection"]);
}

#[test]
fn tgw_static_beats_propagated_at_equal_prefix() {
    let t = tgw_table(vec![
        tgw_route("10.1.0.0/16", Propagated, Active, &[("propagated", Vpc)]),
        tgw_route("10.1.0.0/16", Static, Active, &[("static", Vpc)]),
    ]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("10.1.0.1"))), ["static"]);
}

#[test]
fn tgw_more_specific_propagated_beats_less_specific_static() {
    let t = tgw_table(vec![
        tgw_route("10.0.0.0/8", Static, Active, &[("static", Vpc)]),
        tgw_route("10.1.0.0/16", Propagated, Active, &[("propagated", Vpc)]),
    ]);
    assert_eq!(
        forwarded_to(&tgw_lookup(&t, ip("10.1.0.1"))),
        ["propagated"]
    );
}

#[test]
fn tgw_vpc_propagation_beats_vpn_propagation() {
    let t = tgw_table(vec![
        tgw_route("10.9.0.0/16", Propagated, Active, &[("vpn", Vpn)]),
        tgw_route("10.9.0.0/16", Propagated, Active, &[("vpc", Vpc)]),
    ]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("10.9.0.1"))), ["vpc"]);
}

#[test]
fn tgw_ecmp_keeps_every_equal_target() {
    // Seed 003: 0.0.0.0/0 over several VPN attachments.
    let t = tgw_table(vec![
        tgw_route("0.0.0.0/0", Propagated, Active, &[("vpn-1", Vpn)]),
        tgw_route("0.0.0.0/0", Propagated, Active, &[("vpn-2", Vpn)]),
        tgw_route("10.0.0.0/8", Static, Active, &[("a", Vpn), ("b", Vpn)]),
    ]);
    let d = tgw_lookup(&t, ip("1.1.1.1"));
    assert!(d.is_ecmp());
    assert_eq!(forwarded_to(&d), ["vpn-1", "vpn-2"]);
    let d = tgw_lookup(&t, ip("10.0.0.1"));
    assert_eq!(forwarded_to(&d), ["a", "b"], "one route, two targets");
}

#[test]
fn tgw_blackhole_is_a_decision_not_a_fallthrough() {
    let t = tgw_table(vec![
        tgw_route("0.0.0.0/0", Static, Active, &[("inspection", Vpc)]),
        tgw_route("10.2.0.0/16", Static, Blackhole, &[("gone", Vpc)]),
        tgw_route("10.3.0.0/16", Static, Active, &[]),
    ]);
    for addr in ["10.2.0.5", "10.3.0.5"] {
        match tgw_lookup(&t, ip(addr)).outcome {
            TgwOutcome::Blackhole { prefix, .. } => assert!(prefix.contains(&ip(addr))),
            other => panic!("{addr}: {other:?}"),
        }
    }
    assert_eq!(
        forwarded_to(&tgw_lookup(&t, ip("10.4.0.5"))),
        ["inspection"]
    );
}

#[test]
fn tgw_no_route_and_deleted_routes() {
    let mut deleted = tgw_route("10.0.0.0/8", Static, Active, &[("x", Vpc)]);
    deleted.state = RouteState::Deleted;
    let t = tgw_table(vec![deleted]);
    assert_eq!(tgw_lookup(&t, ip("10.0.0.1")).outcome, TgwOutcome::NoRoute);
}

#[test]
fn tgw_prefix_list_routes_are_reported_not_matched() {
    let mut t = tgw_table(vec![tgw_route(
        "0.0.0.0/0",
        Static,
        Active,
        &[("inspection", Vpc)],
    )]);
    t.routes.push(TgwRoute {
        destination: Destination::PrefixList("pl-123".into()),
        ..t.routes[0].clone()
    });
    let d = tgw_lookup(&t, ip("10.0.0.1"));
    assert_eq!(forwarded_to(&d), ["inspection"]);
    assert_eq!(d.prefix_list_routes.len(), 1);
}

fn list(id: &str, entries: &[&str]) -> PrefixList {
    PrefixList {
        id: id.into(),
        entries: Some(entries.iter().map(|e| net(e)).collect()),
        ..PrefixList::default()
    }
}

fn pl_route(id: &str, to: &str) -> TgwRoute {
    TgwRoute {
        destination: Destination::PrefixList(id.into()),
        ..tgw_route("0.0.0.0/0", Static, Active, &[(to, Vpc)])
    }
}

/// Each entry of a referenced list is a route of its own in the longest-prefix match;
/// at an equal prefix a static route beats the list, and the list beats a propagated
/// route ("Route evaluation order", Transit Gateway guide).
#[test]
fn tgw_prefix_list_entries_take_part_in_the_match_ranked_between_static_and_propagated() {
    let lists = [list("pl-onprem", &["10.1.0.0/16", "192.168.0.0/16"])];
    let t = tgw_table(vec![
        tgw_route("10.0.0.0/8", Static, Active, &[("wide", Vpc)]),
        pl_route("pl-onprem", "dx"),
        tgw_route("192.168.0.0/16", Propagated, Active, &[("vpc-prop", Vpc)]),
    ]);
    let trie = compile_tgw(&t, &lists);
    let at = |a: &str| forwarded_to(&tgw_select(&t, &trie, ip(a)));
    assert_eq!(at("10.1.2.3"), ["dx"], "the longer entry wins over the /8");
    assert_eq!(at("10.2.0.1"), ["wide"]);
    assert_eq!(
        at("192.168.1.1"),
        ["dx"],
        "the list beats a propagated route"
    );
    assert!(
        tgw_select(&t, &trie, ip("10.1.2.3"))
            .prefix_list_routes
            .is_empty()
    );

    let t = tgw_table(vec![
        tgw_route("10.1.0.0/16", Static, Active, &[("static", Vpc)]),
        pl_route("pl-onprem", "dx"),
    ]);
    let trie = compile_tgw(&t, &lists);
    assert_eq!(
        forwarded_to(&tgw_select(&t, &trie, ip("10.1.2.3"))),
        ["static"]
    );
    match tgw_select(&t, &trie, ip("10.1.2.3")).outcome {
        TgwOutcome::Forward { prefix, .. } => assert_eq!(prefix, net("10.1.0.0/16")),
        other => panic!("{other:?}"),
    }

    // A blackhole reference drops what its entries match.
    let mut hole = pl_route("pl-onprem", "dx");
    hole.state = Blackhole;
    hole.targets.clear();
    let t = tgw_table(vec![
        tgw_route("0.0.0.0/0", Static, Active, &[("egress", Vpc)]),
        hole,
    ]);
    let trie = compile_tgw(&t, &lists);
    assert!(matches!(
        tgw_select(&t, &trie, ip("192.168.9.9")).outcome,
        TgwOutcome::Blackhole { .. }
    ));
    assert_eq!(
        forwarded_to(&tgw_select(&t, &trie, ip("8.8.8.8"))),
        ["egress"]
    );
}

/// The route search answers a reference's entries as CIDR routes carrying the list's
/// id: they rank as the list does, and the reference is not expanded again.
#[test]
fn tgw_search_answered_list_entries_rank_as_the_list() {
    let mut entry = tgw_route("10.1.0.0/16", Static, Active, &[("dx", Vpc)]);
    entry.prefix_list_id = Some("pl-onprem".into());
    let t = tgw_table(vec![
        entry.clone(),
        pl_route("pl-onprem", "dx"),
        tgw_route("10.1.0.0/16", Propagated, Active, &[("prop", Vpc)]),
    ]);
    let lists = [list("pl-onprem", &["10.1.0.0/16", "172.16.0.0/12"])];
    let trie = compile_tgw(&t, &lists);
    let d = tgw_select(&t, &trie, ip("10.1.0.9"));
    assert_eq!(forwarded_to(&d), ["dx"]);
    match &d.outcome {
        TgwOutcome::Forward { routes, .. } => assert_eq!(routes.len(), 1, "{routes:?}"),
        other => panic!("{other:?}"),
    }
    // The entries the search answered are the table's: the list's other entry is not
    // added behind them.
    assert_eq!(
        tgw_select(&t, &trie, ip("172.16.0.1")).outcome,
        TgwOutcome::NoRoute
    );

    let mut t = t;
    t.routes
        .push(tgw_route("10.1.0.0/16", Static, Active, &[("static", Vpc)]));
    let trie = compile_tgw(&t, &lists);
    assert_eq!(
        forwarded_to(&tgw_select(&t, &trie, ip("10.1.0.9"))),
        ["static"]
    );
}

/// A gateway endpoint's route to the S3 list sends the service's addresses to the
/// endpoint and nothing else; at an equal prefix a route to the CIDR itself wins
/// ("Route priority for prefix lists", VPC guide).
#[test]
fn vpc_prefix_list_routes_match_their_entries() {
    let s3 = list("pl-63a5400a", &["52.216.0.0/15", "54.231.0.0/16"]);
    let t = vpc_table(vec![
        vpc_route("10.0.0.0/16", VpcRouteTarget::Local),
        vpc_route("0.0.0.0/0", VpcRouteTarget::NatGateway("nat-1".into())),
        VpcRoute {
            destination: Destination::PrefixList("pl-63a5400a".into()),
            target: VpcRouteTarget::VpcEndpoint("vpce-s3".into()),
            state: Active,
        },
        vpc_route(
            "54.231.0.0/16",
            VpcRouteTarget::TransitGateway("tgw-1".into()),
        ),
    ]);
    let cidrs = [net("10.0.0.0/16")];
    let compiled = compile_vpc(&t, &cidrs, std::slice::from_ref(&s3));
    let at = |a: &str| vpc_select(&t, &compiled, ip(a)).target().cloned();
    assert_eq!(
        at("52.217.1.1"),
        Some(VpcRouteTarget::VpcEndpoint("vpce-s3".into()))
    );
    assert_eq!(
        at("8.8.8.8"),
        Some(VpcRouteTarget::NatGateway("nat-1".into()))
    );
    assert_eq!(
        at("54.231.9.9"),
        Some(VpcRouteTarget::TransitGateway("tgw-1".into())),
        "a route to the CIDR itself beats the list at an equal prefix"
    );
    assert!(
        vpc_select(&t, &compiled, ip("52.217.1.1"))
            .prefix_list_routes
            .is_empty()
    );

    // Entries not read: the route is set aside and reported.
    let compiled = compile_vpc(&t, &cidrs, &[]);
    let d = vpc_select(&t, &compiled, ip("52.217.1.1"));
    assert_eq!(
        d.target(),
        Some(&VpcRouteTarget::NatGateway("nat-1".into()))
    );
    assert_eq!(d.prefix_list_routes.len(), 1);
}

#[test]
fn tgw_ipv6_is_its_own_family() {
    let t = tgw_table(vec![
        tgw_route("0.0.0.0/0", Static, Active, &[("v4", Vpc)]),
        tgw_route("2001:db8::/32", Static, Active, &[("v6", Vpc)]),
    ]);
    assert_eq!(forwarded_to(&tgw_lookup(&t, ip("2001:db8::1"))), ["v6"]);
    assert_eq!(
        tgw_lookup(&t, ip("2001:db9::1")).outcome,
        TgwOutcome::NoRoute
    );
}

#[test]
fn vpc_local_routes_the_vpc_cidr_even_with_a_default_route() {
    let t = vpc_table(vec![
        vpc_route("10.0.0.0/16", VpcRouteTarget::Local),
        vpc_route("0.0.0.0/0", VpcRouteTarget::TransitGateway("tgw-1".into())),
    ]);
    let cidrs = [net("10.0.0.0/16")];
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.0.3.4")).target(),
        Some(&VpcRouteTarget::Local)
    );
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.1.3.4")).target(),
        Some(&VpcRouteTarget::TransitGateway("tgw-1".into()))
    );
}

#[test]
fn vpc_supernet_route_does_not_beat_local() {
    // The inspection VPC's firewall subnets route 10.0.0.0/8 to the TGW; their own
    // VPC (10.100.0.0/22, inside it) still stays local.
    let t = vpc_table(vec![
        vpc_route("10.0.0.0/8", VpcRouteTarget::TransitGateway("tgw-1".into())),
        vpc_route("10.100.0.0/22", VpcRouteTarget::Local),
    ]);
    let cidrs = [net("10.100.0.0/22")];
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.100.1.1")).target(),
        Some(&VpcRouteTarget::Local)
    );
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.1.0.1")).target(),
        Some(&VpcRouteTarget::TransitGateway("tgw-1".into()))
    );
}

#[test]
fn vpc_more_specific_middlebox_route_beats_local() {
    // AWS "middlebox routing": a subnet CIDR inside the VPC sent to a firewall endpoint.
    let t = vpc_table(vec![
        vpc_route("10.0.0.0/16", VpcRouteTarget::Local),
        vpc_route("10.0.1.0/24", VpcRouteTarget::VpcEndpoint("vpce-fw".into())),
    ]);
    let cidrs = [net("10.0.0.0/16")];
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.0.1.7")).target(),
        Some(&VpcRouteTarget::VpcEndpoint("vpce-fw".into()))
    );
    assert_eq!(
        vpc_lookup(&t, &cidrs, ip("10.0.2.7")).target(),
        Some(&VpcRouteTarget::Local)
    );
    assert!(more_specific_than_local_allowed(
        &VpcRouteTarget::VpcEndpoint("vpce-fw".into())
    ));
    assert!(!more_specific_than_local_allowed(
        &VpcRouteTarget::TransitGateway("tgw-1".into())
    ));
}

#[test]
fn vpc_local_wins_a_tie_and_is_implicit_when_missing() {
    let t = vpc_table(vec![
        vpc_route(
            "10.0.0.0/16",
            VpcRouteTarget::TransitGateway("tgw-1".into()),
        ),
        vpc_route("10.0.0.0/16", VpcRouteTarget::Local),
    ]);
    assert_eq!(
        vpc_lookup(&t, &[], ip("10.0.0.1")).target(),
        Some(&VpcRouteTarget::Local)
    );

    // A table as read without its local route: the VPC's CIDR is local all the same.
    let t = vpc_table(vec![vpc_route(
        "0.0.0.0/0",
        VpcRouteTarget::NatGateway("nat-1".into()),
    )]);
    let d = vpc_lookup(&t, &[net("10.5.0.0/16")], ip("10.5.0.9"));
    assert!(matches!(
        d.outcome,
        VpcOutcome::Forward {
            route: VpcRouteRef::ImplicitLocal { .. },
            ..
        }
    ));
    assert_eq!(d.target(), Some(&VpcRouteTarget::Local));
}

#[test]
fn vpc_blackhole_and_no_route() {
    let mut bh = vpc_route("0.0.0.0/0", VpcRouteTarget::NatGateway("nat-gone".into()));
    bh.state = RouteState::Blackhole;
    let t = vpc_table(vec![vpc_route("10.0.0.0/16", VpcRouteTarget::Local), bh]);
    assert!(matches!(
        vpc_lookup(&t, &[], ip("8.8.8.8")).outcome,
        VpcOutcome::Blackhole { .. }
    ));
    let t = vpc_table(vec![vpc_route("10.0.0.0/16", VpcRouteTarget::Local)]);
    assert_eq!(
        vpc_lookup(&t, &[], ip("8.8.8.8")).outcome,
        VpcOutcome::NoRoute
    );
}

#[test]
fn covering_lists_every_match_longest_first() {
    let trie = RouteTrie::build(
        [
            Destination::Cidr(net("0.0.0.0/0")),
            Destination::Cidr(net("10.0.0.0/8")),
            Destination::Cidr(net("10.1.0.0/16")),
            Destination::Cidr(net("10.2.0.0/16")),
        ]
        .iter()
        .enumerate()
        .map(|(i, d)| (u32::try_from(i).expect("small"), d)),
        |_| None,
    );
    let lens: Vec<u8> = trie
        .covering(ip("10.1.0.1"))
        .iter()
        .map(|(p, _)| p.prefix_len())
        .collect();
    assert_eq!(lens, [16, 8, 0]);
    assert_eq!(trie.len(), 4);
}

// ------------------------------------------------------------- property: vs oracle

/// The brute-force oracle: scan every route, keep those containing the address, sort
/// by (longest prefix, rank) and keep the ties of the first. Written independently of
/// the trie and of `tgw_pick`'s filtering.
/// A route to a prefix list stands for one route per entry; a list whose entries were
/// not read matches nothing.
fn oracle_tgw(
    table: &TgwRouteTable,
    lists: &[PrefixList],
    addr: IpAddr,
) -> (Option<u8>, Vec<usize>) {
    let mut hits: Vec<(u8, u8, usize)> = table
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.state != RouteState::Deleted)
        .flat_map(|(i, r)| {
            let cidrs: Vec<IpNet> = match &r.destination {
                Destination::Cidr(c) => vec![*c],
                Destination::PrefixList(id) => lists
                    .iter()
                    .filter(|l| &l.id == id)
                    .flat_map(|l| l.entries.clone().unwrap_or_default())
                    .collect(),
            };
            cidrs
                .into_iter()
                .filter(|c| c.contains(&addr))
                .map(move |c| (c.prefix_len(), tgw_route_rank(r), i))
                .collect::<Vec<_>>()
        })
        .collect();
    hits.sort_by_key(|&(len, rank, i)| (std::cmp::Reverse(len), rank, i));
    hits.dedup();
    let Some(&(len, rank, _)) = hits.first() else {
        return (None, Vec::new());
    };
    (
        Some(len),
        hits.iter()
            .filter(|h| h.0 == len && h.1 == rank)
            .map(|h| h.2)
            .collect(),
    )
}

fn arb_v4_prefix() -> impl Strategy<Value = IpNet> {
    // A small address space (10.0.0.0/20 and its supernets) so routes overlap often.
    (0u32..4096, 0u8..=32).prop_map(|(host, len)| {
        let addr = std::net::Ipv4Addr::from(0x0A00_0000 | host);
        IpNet::V4(Ipv4Net::new(addr, len).expect("len <= 32").trunc())
    })
}

fn arb_destination() -> impl Strategy<Value = Destination> {
    prop_oneof![
        4 => arb_v4_prefix().prop_map(Destination::Cidr),
        1 => (0u8..3).prop_map(|i| Destination::PrefixList(format!("pl-{i}"))),
    ]
}

/// Lists `pl-0`…`pl-2`: a few overlapping entries each, or (one time in four) entries
/// not read.
fn arb_lists() -> impl Strategy<Value = Vec<PrefixList>> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::collection::vec(arb_v4_prefix(), 0..4).prop_map(Some),
            1 => Just(None),
        ],
        3,
    )
    .prop_map(|entries| {
        entries
            .into_iter()
            .enumerate()
            .map(|(i, entries)| PrefixList {
                id: format!("pl-{i}"),
                entries,
                ..PrefixList::default()
            })
            .collect()
    })
}

fn arb_route() -> impl Strategy<Value = TgwRoute> {
    (
        arb_destination(),
        any::<bool>(),
        prop_oneof![
            Just(Vpc),
            Just(Vpn),
            Just(Peering),
            Just(AttachmentKind::DirectConnectGateway)
        ],
        prop_oneof![4 => Just(Active), 1 => Just(Blackhole), 1 => Just(RouteState::Deleted)],
        0usize..3,
        0u8..6,
    )
        .prop_map(|(dest, propagated, kind, state, n_targets, id)| TgwRoute {
            derived: false,
            route_table_id: "tgw-rtb-p".into(),
            region: "r".into(),
            destination: dest,
            route_type: if propagated { Propagated } else { Static },
            state,
            targets: (0..n_targets)
                .map(|k| RouteTarget {
                    attachment_id: format!("att-{id}-{k}"),
                    resource_type: Some(kind.clone()),
                    resource_id: None,
                })
                .collect(),
            prefix_list_id: None,
        })
}

fn arb_addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        8 => (0u32..4096).prop_map(|h| IpAddr::V4(std::net::Ipv4Addr::from(0x0A00_0000 | h))),
        1 => any::<u32>().prop_map(|a| IpAddr::V4(std::net::Ipv4Addr::from(a))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tgw_lpm_agrees_with_brute_force(
        routes in proptest::collection::vec(arb_route(), 0..40),
        lists in arb_lists(),
        addrs in proptest::collection::vec(arb_addr(), 1..16),
    ) {
        let table = tgw_table(routes);
        let trie = compile_tgw(&table, &lists);
        for addr in addrs {
            let (len, winners) = oracle_tgw(&table, &lists, addr);
            let decision = tgw_select(&table, &trie, addr);
            let chosen: Vec<usize> = match &decision.outcome {
                TgwOutcome::NoRoute => {
                    prop_assert_eq!(len, None, "{}: trie found nothing", addr);
                    continue;
                }
                TgwOutcome::Forward { prefix, routes, targets } => {
                    prop_assert_eq!(Some(prefix.prefix_len()), len);
                    prop_assert!(!targets.is_empty());
                    routes.iter().map(|r| index_of(&table, r)).collect()
                }
                TgwOutcome::Blackhole { prefix, route } => {
                    prop_assert_eq!(Some(prefix.prefix_len()), len);
                    // Blackhole only when no winner can forward.
                    let none_forward = winners.iter().all(|&i| {
                        let r = &table.routes[i];
                        r.state == Blackhole || r.targets.is_empty()
                    });
                    prop_assert!(none_forward);
                    vec![index_of(&table, route)]
                }
            };
            let forwarding: Vec<usize> = winners
                .iter()
                .copied()
                .filter(|&i| table.routes[i].state != Blackhole && !table.routes[i].targets.is_empty())
                .collect();
            if forwarding.is_empty() {
                prop_assert!(winners.contains(&chosen[0]));
            } else {
                prop_assert_eq!(chosen, forwarding, "{}", addr);
            }
        }
    }

    #[test]
    fn vpc_lpm_agrees_with_brute_force(
        dests in proptest::collection::vec((arb_v4_prefix(), 0u8..4), 0..30),
        addrs in proptest::collection::vec(arb_addr(), 1..16),
    ) {
        let routes: Vec<VpcRoute> = dests
            .iter()
            .map(|(d, t)| VpcRoute {
                destination: Destination::Cidr(*d),
                target: match t {
                    0 => VpcRouteTarget::Local,
                    1 => VpcRouteTarget::TransitGateway("tgw-1".into()),
                    2 => VpcRouteTarget::NatGateway("nat-1".into()),
                    _ => VpcRouteTarget::VpcEndpoint("vpce-1".into()),
                },
                state: Active,
            })
            .collect();
        let table = vpc_table(routes);
        let compiled = compile_vpc(&table, &[], &[]);
        for addr in addrs {
            let best = table
                .routes
                .iter()
                .filter_map(|r| r.destination.cidr())
                .filter(|c| c.contains(&addr))
                .map(|c| c.prefix_len())
                .max();
            let d = vpc_select(&table, &compiled, addr);
            match (&d.outcome, best) {
                (VpcOutcome::NoRoute, None) => {}
                (VpcOutcome::Forward { prefix, route }, Some(len)) => {
                    prop_assert_eq!(prefix.prefix_len(), len);
                    prop_assert!(route.destination().cidr().is_some_and(|c| c.contains(&addr)));
                    let local_tied = table.routes.iter().any(|r| {
                        r.target == VpcRouteTarget::Local
                            && r.destination.cidr().is_some_and(|c| c.prefix_len() == len && c.contains(&addr))
                    });
                    prop_assert_eq!(*route.target() == VpcRouteTarget::Local, local_tied);
                }
                (other, best) => prop_assert!(false, "{addr}: {other:?} vs oracle {best:?}"),
            }
        }
    }
}

fn index_of(table: &TgwRouteTable, route: &TgwRoute) -> usize {
    table
        .routes
        .iter()
        .position(|r| std::ptr::eq(r, route))
        .expect("route from the table")
}
