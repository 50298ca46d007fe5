use std::sync::Arc;

use super::*;
use crate::backend::sim::Simulator;
use crate::discovery::{DiscoveryPlan, discover};
use crate::model::Estate;

pub(crate) async fn demo() -> Estate {
    let sim = Arc::new(Simulator::demo().expect("demo"));
    discover(
        sim,
        DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        },
    )
    .await
}

const SPOKE_A_INSTANCE: &str = "i-0e1a2b3c4d5e6f7d1";
const SPOKE_B_INSTANCE: &str = "i-0e1a2b3c4d5e6f7d2";
const FIREWALL_SUBNET_A: &str = "subnet-0e1a2b3c4d5e6f743";

fn q(from: &str, to: &str) -> TraceQuery {
    TraceQuery {
        from: from.into(),
        to: to.into(),
        protocol: None,
        port: None,
        sni: None,
        routing_only: false,
        http_host: None,
    }
}

fn sni(from: &str, name: &str) -> TraceQuery {
    TraceQuery {
        sni: Some(name.into()),
        ..q(from, "internet")
    }
}

fn kinds(hops: &[Hop]) -> Vec<HopKind> {
    hops.iter().map(|h| h.kind).collect()
}

#[tokio::test]
async fn spoke_a_to_amazon_reaches_the_internet_through_the_firewall_as_a_nat_eip() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(&net, &sni(SPOKE_A_INSTANCE, "www.amazon.com")).expect("trace");
    assert_eq!(
        t.verdict,
        Verdict::ReachesInternet {
            egress_ip: "198.51.100.10".parse().expect("test value"),
            via: "igw-0e1a2b3c4d5e6f7c1 (inspection-igw)".into()
        },
        "{t:#?}"
    );
    assert_eq!(
        kinds(&t.hops),
        vec![
            HopKind::Source,
            HopKind::VpcRouteTable,
            HopKind::TgwAttachment,
            HopKind::TgwRouteTable,
            HopKind::VpcAttachment,
            HopKind::VpcRouteTable,
            HopKind::Firewall,
            HopKind::VpcRouteTable,
            HopKind::NatGateway,
            HopKind::VpcRouteTable,
            HopKind::InternetGateway,
        ]
    );
    assert_eq!(t.firewalls, vec!["vpce-0e1a2b3c4d5e6f791".to_string()]);
    assert!(t.symmetric, "{t:#?}");
    assert_eq!(t.return_firewalls, t.firewalls);
    let into_inspection = &t.hops[4];
    assert!(
        into_inspection.rule.contains("appliance mode on")
            && into_inspection.rule.contains("flow hash"),
        "{into_inspection:?}"
    );
    // The other AZ the flow hash may pick: the same verdict through the other NAT.
    assert_eq!(t.alternatives.len(), 1, "{:#?}", t.alternatives);
    assert_eq!(t.alternatives[0].choices, vec!["us-east-1b".to_string()]);
    assert_eq!(
        t.alternatives[0].verdict,
        Verdict::ReachesInternet {
            egress_ip: "198.51.100.20".parse().expect("test value"),
            via: "igw-0e1a2b3c4d5e6f7c1 (inspection-igw)".into()
        }
    );
    assert_eq!(
        t.return_verdict,
        Some(Verdict::Delivered {
            to: format!("10.0.0.10 ({SPOKE_A_INSTANCE})")
        })
    );
    assert!(t.firewalls.iter().all(|f| t.return_firewalls.contains(f)));
}

#[tokio::test]
async fn spoke_a_to_google_is_dropped_by_the_strict_default() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(&net, &sni(SPOKE_A_INSTANCE, "www.google.com")).expect("trace");
    let Verdict::Dropped { at, reason } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert_eq!(at, "vpce-0e1a2b3c4d5e6f791");
    assert!(reason.contains("aws:drop_strict"), "{reason}");
    assert!(t.return_hops.is_empty());
}

#[tokio::test]
async fn spoke_b_leaves_through_its_own_internet_gateway_with_no_firewall() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(&net, &sni(SPOKE_B_INSTANCE, "www.amazon.com")).expect("trace");
    assert_eq!(
        t.verdict,
        Verdict::ReachesInternet {
            egress_ip: "203.0.113.25".parse().expect("test value"),
            via: "igw-0e1a2b3c4d5e6f7c2 (spoke-b-igw)".into()
        },
        "{t:#?}"
    );
    assert!(t.firewalls.is_empty());
    assert!(t.symmetric);
    assert_eq!(
        t.return_verdict,
        Some(Verdict::Delivered {
            to: format!("10.1.1.10 ({SPOKE_B_INSTANCE})")
        })
    );
}

#[tokio::test]
async fn a_private_source_is_dropped_at_the_internet_gateway() {
    let mut estate = demo().await;
    if let Some(crate::model::RegionLoad::Loaded { estate: r }) =
        estate.regions.get_mut("us-east-1")
    {
        for i in &mut r.instances {
            i.public_ip = None;
        }
    }
    let net = Net::new(&estate);
    let t = trace(&net, &q(SPOKE_B_INSTANCE, "internet")).expect("trace");
    let Verdict::Dropped { at, reason } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert_eq!(at, "igw-0e1a2b3c4d5e6f7c2");
    assert!(reason.contains("no public IP"), "{reason}");
}

#[tokio::test]
async fn the_firewall_subnet_to_the_decommissioned_spoke_stops_at_the_blackhole() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(&net, &q(FIREWALL_SUBNET_A, "10.2.0.5")).expect("trace");
    let Verdict::Dropped { at, reason } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert_eq!(at, "tgw-rtb-0e1a2b3c4d5e6f712");
    assert!(
        reason.contains("blackhole") && reason.contains("10.2.0.0/16"),
        "{reason}"
    );
    assert!(reason.contains("tgw-attach-0e1a2b3c4d5e6f7ff"), "{reason}");
}

#[tokio::test]
async fn bad_queries_name_what_is_wrong() {
    let estate = demo().await;
    let net = Net::new(&estate);
    for (query, needle) in [
        (q("i-0000", "internet"), "no instance i-0000"),
        (q("192.168.99.1", "internet"), "in no subnet"),
        (q("nonsense", "internet"), "is not an instance"),
        (q(SPOKE_A_INSTANCE, "elsewhere"), "is not an IP address"),
        (q(SPOKE_A_INSTANCE, "::1"), "keeps its address family"),
        (
            TraceQuery {
                protocol: Some(Protocol::Icmp),
                port: Some(22),
                ..q(SPOKE_A_INSTANCE, "internet")
            },
            "icmp has no ports",
        ),
        (
            TraceQuery {
                protocol: Some(Protocol::Udp),
                ..sni(SPOKE_A_INSTANCE, "x")
            },
            "needs tcp",
        ),
    ] {
        let e = trace(&net, &query).expect_err("bad query");
        assert!(e.0.contains(needle), "{e} lacks {needle}");
    }
}

/// What every trace to an address answered on the instance itself must show: two
/// hops (source, destination), delivered, the reply back, no route table, gateway,
/// TGW or firewall on the way.
fn answered_on_the_instance(t: &Trace) {
    assert_eq!(
        kinds(&t.hops),
        vec![HopKind::Source, HopKind::Destination],
        "{t:#?}"
    );
    assert!(
        matches!(t.verdict, Verdict::Delivered { .. }),
        "{:?}",
        t.verdict
    );
    assert!(t.firewalls.is_empty() && t.return_firewalls.is_empty());
    assert!(
        t.return_verdict.as_ref().is_some_and(Verdict::arrives),
        "{t:#?}"
    );
    assert!(t.symmetric);
    assert!(t.alternatives.is_empty());
    let mut text: Vec<String> = t
        .hops
        .iter()
        .flat_map(|h| {
            [
                h.id.clone(),
                h.name.clone().unwrap_or_default(),
                h.decision.clone(),
                h.rule.clone(),
            ]
        })
        .chain(t.notes.iter().cloned())
        .collect();
    text.push(t.verdict.summary());
    text.extend(t.return_verdict.as_ref().map(Verdict::summary));
    let text = text.join("\n").to_lowercase();
    for absent in [
        "internet",
        "nat gateway",
        "nat-",
        "igw-",
        "tgw-",
        "firewall",
    ] {
        assert!(!text.contains(absent), "{absent}: {t:#?}");
    }
}

#[tokio::test]
async fn the_instance_metadata_service_is_link_local_not_the_internet() {
    let estate = demo().await;
    let net = Net::new(&estate);
    // spoke-a (default route to the TGW) and spoke-b's public instance (default
    // route to its own internet gateway): neither sends 169.254.169.254 anywhere.
    for from in [SPOKE_A_INSTANCE, SPOKE_B_INSTANCE] {
        let t = trace(&net, &q(from, "169.254.169.254")).expect("trace");
        answered_on_the_instance(&t);
        let summary = t.verdict.summary();
        assert!(
            summary.contains("instance metadata service") && summary.contains("link-local"),
            "{summary}"
        );
    }
}

#[tokio::test]
async fn the_amazon_dns_and_time_sync_addresses_are_answered_on_the_instance() {
    let estate = demo().await;
    let net = Net::new(&estate);
    for (to, service) in [
        ("169.254.169.253", "Amazon DNS"),
        ("169.254.169.123", "Time Sync"),
    ] {
        let t = trace(
            &net,
            &TraceQuery {
                protocol: Some(Protocol::Udp),
                port: Some(if to.ends_with("253") { 53 } else { 123 }),
                ..q(SPOKE_A_INSTANCE, to)
            },
        )
        .expect("trace");
        answered_on_the_instance(&t);
        let summary = t.verdict.summary();
        assert!(
            summary.contains(service) && summary.contains("link-local"),
            "{summary}"
        );
    }
}

#[tokio::test]
async fn the_vpc_base_plus_two_is_the_amazon_provided_dns_resolver() {
    let estate = demo().await;
    let net = Net::new(&estate);
    // spoke-a is 10.0.0.0/16: its resolver is 10.0.0.2.
    let t = trace(
        &net,
        &TraceQuery {
            protocol: Some(Protocol::Udp),
            port: Some(53),
            ..q(SPOKE_A_INSTANCE, "10.0.0.2")
        },
    )
    .expect("trace");
    answered_on_the_instance(&t);
    let summary = t.verdict.summary();
    assert!(
        summary.contains("DNS resolver") && summary.contains("vpc-0e1a2b3c4d5e6f732"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_ping_to_the_instance_metadata_service_gets_no_answer() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(
        &net,
        &TraceQuery {
            protocol: Some(Protocol::Icmp),
            ..q(SPOKE_A_INSTANCE, "169.254.169.254")
        },
    )
    .expect("trace");
    let Verdict::Dropped { reason, .. } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert!(
        reason.contains("does not answer ping")
            && reason.contains("instance metadata service")
            && reason.contains("link-local"),
        "{reason}"
    );
    assert_eq!(t.return_verdict, None);
    assert!(!t.hops.iter().any(|h| h.kind == HopKind::VpcRouteTable));
}

#[tokio::test]
async fn another_link_local_address_is_not_routed() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let t = trace(&net, &q(SPOKE_B_INSTANCE, "169.254.1.1")).expect("trace");
    let Verdict::Dropped { reason, .. } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert!(reason.contains("link-local"), "{reason}");
    assert!(
        !t.hops
            .iter()
            .any(|h| matches!(h.kind, HopKind::InternetGateway | HopKind::VpcRouteTable)),
        "{t:#?}"
    );
}

#[test]
fn public_addresses() {
    for ip in [
        "10.0.0.1",
        "172.16.1.1",
        "192.168.0.1",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "0.1.2.3",
        "224.0.0.1",
    ] {
        assert!(!is_public(ip.parse().expect("test value")), "{ip}");
    }
    for ip in ["8.8.8.8", "198.51.100.10", "203.0.113.25", "52.94.236.248"] {
        assert!(is_public(ip.parse().expect("test value")), "{ip}");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{
        AttachmentKind, Destination, InternetGateway, RegionEstate, RegionLoad, RouteTableLink,
        RouteTarget, Subnet, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, Vpc, VpcRoute,
        VpcRouteTable, VpcRouteTableAssociation, VpcRouteTarget,
    };
    use crate::net::lpm::{TgwOutcome, VpcOutcome};

    const R: &str = "us-east-1";

    /// A random hub-and-spoke-ish region: `n` VPCs (10.i.0.0/16, two subnets in two
    /// AZs, attached to one TGW), each VPC table and each TGW table holding random
    /// routes over a small set of prefixes to random targets (some gone, some looping).
    fn estate_strategy() -> impl Strategy<Value = Estate> {
        let prefixes = [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.2.0.0/16",
            "10.1.0.0/24",
        ];
        (2usize..5)
            .prop_flat_map(move |n| {
                let vpc_routes = prop::collection::vec(
                    prop::collection::vec((0..prefixes.len(), 0usize..3), 0..4),
                    n,
                );
                let tgw_routes = prop::collection::vec(
                    prop::collection::vec((0..prefixes.len(), 0..n + 1, any::<bool>()), 0..5),
                    2,
                );
                let assoc = prop::collection::vec(0usize..3, n);
                (Just(n), vpc_routes, tgw_routes, assoc)
            })
            .prop_map(move |(n, vpc_routes, tgw_routes, assoc)| {
                let mut r = RegionEstate::new(R);
                r.tgws.push(TransitGateway {
                    id: "tgw-1".into(),
                    region: R.into(),
                    ..Default::default()
                });
                r.internet_gateways.push(InternetGateway {
                    id: "igw-0".into(),
                    region: R.into(),
                    name: None,
                    vpc_ids: vec!["vpc-0".into()],
                });
                for (i, own_routes) in vpc_routes.iter().enumerate().take(n) {
                    let vpc = format!("vpc-{i}");
                    let cidr: ipnet::IpNet = format!("10.{i}.0.0/16").parse().expect("test value");
                    r.vpcs.push(Vpc {
                        id: vpc.clone(),
                        region: R.into(),
                        cidr_blocks: vec![cidr],
                        ..Default::default()
                    });
                    for (j, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
                        r.subnets.push(Subnet {
                            id: format!("subnet-{i}{j}"),
                            region: R.into(),
                            vpc_id: vpc.clone(),
                            cidr: Some(format!("10.{i}.{j}.0/24").parse().expect("test value")),
                            availability_zone: (*az).into(),
                            ..Default::default()
                        });
                    }
                    r.attachments.push(TgwAttachment {
                        id: format!("tgw-attach-{i}"),
                        region: R.into(),
                        tgw_id: "tgw-1".into(),
                        kind: AttachmentKind::Vpc,
                        resource_id: Some(vpc.clone()),
                        subnet_ids: vec![format!("subnet-{i}0")],
                        appliance_mode: Some(i % 2 == 0),
                        ..Default::default()
                    });
                    let mut routes = vec![VpcRoute {
                        destination: Destination::Cidr(cidr),
                        target: VpcRouteTarget::Local,
                        state: Default::default(),
                    }];
                    for &(p, t) in own_routes {
                        let target = match t {
                            0 => VpcRouteTarget::TransitGateway("tgw-1".into()),
                            1 => VpcRouteTarget::InternetGateway("igw-0".into()),
                            _ => VpcRouteTarget::NatGateway("nat-gone".into()),
                        };
                        routes.push(VpcRoute {
                            destination: Destination::Cidr(
                                prefixes[p].parse().expect("test value"),
                            ),
                            target,
                            state: Default::default(),
                        });
                    }
                    routes.dedup_by(|a, b| a.destination == b.destination);
                    r.vpc_route_tables.push(VpcRouteTable {
                        id: format!("rtb-{i}"),
                        region: R.into(),
                        vpc_id: vpc,
                        associations: vec![VpcRouteTableAssociation {
                            main: true,
                            ..Default::default()
                        }],
                        routes,
                        ..Default::default()
                    });
                }
                for (k, routes) in tgw_routes.iter().enumerate() {
                    let mut table = TgwRouteTable {
                        id: format!("tgw-rtb-{k}"),
                        region: R.into(),
                        tgw_id: "tgw-1".into(),
                        ..Default::default()
                    };
                    for (i, a) in assoc.iter().enumerate() {
                        if *a == k {
                            table.associations.push(RouteTableLink {
                                attachment_id: format!("tgw-attach-{i}"),
                                ..Default::default()
                            });
                        }
                    }
                    for &(p, t, blackhole) in routes {
                        table.routes.push(TgwRoute {
                            derived: false,
                            route_table_id: table.id.clone(),
                            region: R.into(),
                            destination: Destination::Cidr(
                                prefixes[p].parse().expect("test value"),
                            ),
                            route_type: Default::default(),
                            state: if blackhole && t == n {
                                crate::model::RouteState::Blackhole
                            } else {
                                Default::default()
                            },
                            targets: vec![RouteTarget {
                                attachment_id: format!("tgw-attach-{t}"),
                                ..Default::default()
                            }],
                            prefix_list_id: None,
                        });
                    }
                    r.tgw_route_tables.push(table);
                }
                let mut estate = Estate::default();
                estate.regions.insert(
                    R.into(),
                    RegionLoad::Loaded {
                        estate: Box::new(r),
                    },
                );
                estate
            })
    }

    fn consistent(net: &Net<'_>, hops: &[Hop], dst: std::net::IpAddr) -> Result<(), TestCaseError> {
        for h in hops {
            let target = h.decision.strip_prefix("forward to ");
            match (h.kind, target) {
                (HopKind::VpcRouteTable, Some(t)) => {
                    let table = net.vpc_route_table_in(R, &h.id).expect("table");
                    let d = net.vpc_lookup(table, dst);
                    let VpcOutcome::Forward { route, .. } = d.outcome else {
                        return Err(TestCaseError::fail(format!("{h:?} but lookup drops")));
                    };
                    prop_assert_eq!(route.target().id(), t);
                }
                (HopKind::TgwRouteTable, Some(t)) => {
                    let table = net.tgw_route_table_in(R, &h.id).expect("table");
                    let TgwOutcome::Forward { targets, .. } = net.tgw_lookup(table, dst).outcome
                    else {
                        return Err(TestCaseError::fail(format!("{h:?} but lookup drops")));
                    };
                    prop_assert!(targets.iter().any(|x| x.attachment_id == t));
                }
                _ => {}
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any trace on any such estate ends (delivered, internet, or a named drop),
        /// within the hop limit, and every routing hop is the one its table's lookup
        /// gives for the destination.
        #[test]
        fn trace_terminates_and_every_hop_agrees_with_its_table(
            estate in estate_strategy(),
            src_vpc in 0usize..4,
            src_subnet in 0usize..2,
            dst in prop::sample::select(vec!["10.0.0.9", "10.1.1.9", "10.2.0.9", "10.3.0.9", "10.9.9.9", "internet", "10.0.0.2", "10.1.0.2", "169.254.169.254", "169.254.7.7"]),
        ) {
            let net = Net::new(&estate);
            let from = format!("subnet-{}{src_subnet}", src_vpc % (estate.loaded().next().expect("test value").vpcs.len()));
            let t = trace(&net, &TraceQuery {
                from, to: dst.into(), protocol: None, port: None, sni: None, http_host: None, routing_only: false,
            }).expect("trace");
            prop_assert!(t.hops.len() <= MAX_HOPS + 2, "{} hops", t.hops.len());
            prop_assert!(t.return_hops.len() <= MAX_HOPS + 2);
            consistent(&net, &t.hops, t.flow.dst)?;
            if let Verdict::Dropped { reason, .. } = &t.verdict {
                prop_assert!(!reason.is_empty());
            }
        }

        /// The audit (which the console runs in the background) ends on any such
        /// estate, and every finding names at least one object.
        #[test]
        fn audit_ends_on_any_estate_and_each_finding_names_an_object(estate in estate_strategy()) {
            let found = crate::net::audit::audit(&Net::new(&estate));
            for f in &found {
                prop_assert!(!f.objects.is_empty(), "{f:?}");
                prop_assert!(!f.message().is_empty());
            }
        }
    }
}

/// The domain's "peering and inspection together" trap, then its fix: a remote region
/// reached through the firewall both ways.
#[tokio::test]
async fn a_peered_region_through_inspection_needs_the_firewall_subnets_to_route_it() {
    use crate::model::{
        AttachmentKind, AttachmentState, Destination, RegionLoad, RouteTableLink, RouteTarget,
        TgwRoute, VpcRoute, VpcRouteTarget,
    };
    let mut estate = demo().await;
    let peering = "tgw-attach-0e1a2b3c4d5e6f7a1";
    let route = |table: &str, region: &str, cidr: &str| TgwRoute {
        derived: false,
        route_table_id: table.into(),
        region: region.into(),
        destination: Destination::Cidr(cidr.parse().expect("test value")),
        route_type: Default::default(),
        state: Default::default(),
        targets: vec![RouteTarget {
            attachment_id: peering.into(),
            ..Default::default()
        }],
        prefix_list_id: None,
    };
    for (name, r) in &mut estate.regions {
        let RegionLoad::Loaded { estate: r } = r else {
            continue;
        };
        for p in &mut r.peerings {
            p.state = AttachmentState::Available;
        }
        for a in &mut r.attachments {
            if a.kind == AttachmentKind::Peering {
                a.state = AttachmentState::Available;
            }
        }
        for t in &mut r.tgw_route_tables {
            let link = RouteTableLink {
                attachment_id: peering.into(),
                ..Default::default()
            };
            match (name.as_str(), t.name.as_deref()) {
                // us-east-1: the peering uses the spoke table (to inspection); the
                // post-inspection table sends the remote CIDR to the peering.
                ("us-east-1", Some("spoke")) => t.associations.push(link),
                ("us-east-1", Some("post-inspection")) => {
                    t.routes
                        .push(route(&t.id.clone(), "us-east-1", "172.16.1.0/24"));
                }
                ("eu-west-1", Some("main")) => {
                    t.associations.push(link);
                    t.routes
                        .push(route(&t.id.clone(), "eu-west-1", "10.0.0.0/8"));
                }
                _ => {}
            }
        }
    }
    let query = TraceQuery {
        protocol: Some(Protocol::Icmp),
        ..q(SPOKE_A_INSTANCE, "i-0f9e8d7c6b5a4f371")
    };
    // The trap: the firewall subnets route only 10.0.0.0/8 back to the TGW, so the
    // remote 172.16.1.0/24 follows 0.0.0.0/0 to the NAT and dies at the internet
    // gateway (a private destination).
    let t = trace(&Net::new(&estate), &query).expect("trace");
    let Verdict::Dropped { at, reason } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert_eq!(at, "igw-0e1a2b3c4d5e6f7c1", "{t:#?}");
    assert!(reason.contains("172.16.1.10 is private"), "{reason}");

    // The fix: the firewall subnets route the remote CIDR to the TGW.
    if let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut("us-east-1") {
        for t in &mut r.vpc_route_tables {
            if t.name
                .as_deref()
                .is_some_and(|n| n.starts_with("inspection-firewall"))
            {
                t.routes.push(VpcRoute {
                    destination: Destination::Cidr("172.16.0.0/12".parse().expect("test value")),
                    target: VpcRouteTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
                    state: Default::default(),
                });
            }
        }
    }
    let t = trace(&Net::new(&estate), &query).expect("trace");
    assert_eq!(
        t.verdict,
        Verdict::Delivered {
            to: "172.16.1.10 (i-0f9e8d7c6b5a4f371)".into()
        },
        "{t:#?}"
    );
    assert!(t.hops.iter().any(|h| h.kind == HopKind::TgwPeering));
    assert_eq!(t.firewalls, vec!["vpce-0e1a2b3c4d5e6f791".to_string()]);
    assert_eq!(
        t.return_verdict,
        Some(Verdict::Delivered {
            to: format!("10.0.0.10 ({SPOKE_A_INSTANCE})")
        }),
        "{:#?}",
        t.return_hops
    );
    assert!(t.symmetric, "{t:#?}");
}

mod hop_kinds {
    use super::*;
    use crate::model::{
        Destination, RegionEstate, RegionLoad, VpcPeeringConnection, VpcPeeringSide, VpcRoute,
        VpcRouteTarget,
    };

    fn use1(estate: &mut Estate) -> &mut RegionEstate {
        match estate.regions.get_mut("us-east-1") {
            Some(RegionLoad::Loaded { estate }) => estate,
            _ => panic!("us-east-1 not loaded"),
        }
    }

    fn add_route(r: &mut RegionEstate, table: &str, cidr: &str, target: VpcRouteTarget) {
        let t = r
            .vpc_route_tables
            .iter_mut()
            .find(|t| t.name.as_deref() == Some(table))
            .expect("table");
        t.routes.push(VpcRoute {
            destination: Destination::Cidr(cidr.parse().expect("cidr")),
            target,
            state: Default::default(),
        });
    }

    #[tokio::test]
    async fn vpc_peering_delivers_to_the_peer_vpc_only() {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        r.vpc_peerings.push(VpcPeeringConnection {
            id: "pcx-0a1".into(),
            region: "us-east-1".into(),
            name: Some("a-to-b".into()),
            status: "active".into(),
            requester: VpcPeeringSide {
                vpc_id: "vpc-0e1a2b3c4d5e6f732".into(),
                region: "us-east-1".into(),
                owner_id: "111122223333".into(),
                cidr_blocks: vec!["10.0.0.0/16".parse().expect("cidr")],
            },
            accepter: VpcPeeringSide {
                vpc_id: "vpc-0e1a2b3c4d5e6f733".into(),
                region: "us-east-1".into(),
                owner_id: "111122223333".into(),
                cidr_blocks: vec!["10.1.0.0/16".parse().expect("cidr")],
            },
        });
        let pcx = VpcRouteTarget::PeeringConnection("pcx-0a1".into());
        add_route(r, "spoke-a-isolated", "10.1.0.0/16", pcx.clone());
        add_route(r, "spoke-a-isolated", "10.100.0.0/22", pcx);
        let net = Net::new(&estate);
        let t = trace(&net, &q(SPOKE_A_INSTANCE, SPOKE_B_INSTANCE)).expect("trace");
        assert_eq!(
            t.verdict,
            Verdict::Delivered {
                to: format!("10.1.1.10 ({SPOKE_B_INSTANCE})")
            },
            "{t:#?}"
        );
        assert!(
            t.hops
                .iter()
                .any(|h| h.kind == HopKind::VpcPeering && h.id == "pcx-0a1")
        );
        // Not transitive: the inspection VPC is not the peer.
        let t = trace(&net, &q(SPOKE_A_INSTANCE, "10.100.0.5")).expect("trace");
        let Verdict::Dropped { reason, .. } = &t.verdict else {
            panic!("{t:#?}")
        };
        assert!(
            reason.contains("does not forward transit traffic"),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn an_appliance_behind_a_gwlb_endpoint_makes_the_verdict_unverified() {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        // The firewall's own record goes: its vpce- ids become plain GWLB endpoints.
        r.firewalls.clear();
        let net = Net::new(&estate);
        let t = trace(&net, &sni(SPOKE_A_INSTANCE, "www.google.com")).expect("trace");
        let Verdict::Unverified {
            not_evaluated,
            otherwise,
        } = &t.verdict
        else {
            panic!("{t:#?}")
        };
        assert!(
            not_evaluated[0].contains("Gateway Load Balancer endpoint vpce-0e1a2b3c4d5e6f791"),
            "{not_evaluated:?}"
        );
        assert!(
            matches!(otherwise.as_deref(), Some(Verdict::ReachesInternet { .. })),
            "{otherwise:?}"
        );
        assert!(t.hops.iter().any(|h| h.kind == HopKind::Appliance));
    }

    #[tokio::test]
    async fn a_prefix_list_route_is_not_evaluated() {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        let t = r
            .vpc_route_tables
            .iter_mut()
            .find(|t| t.name.as_deref() == Some("spoke-b-isolated-b"))
            .expect("table");
        t.routes.push(VpcRoute {
            destination: Destination::PrefixList("pl-63a5400a".into()),
            target: VpcRouteTarget::VpcEndpoint("vpce-0e1a2b3c4d5e6f796".into()),
            state: Default::default(),
        });
        let net = Net::new(&estate);
        let t = trace(&net, &q(SPOKE_B_INSTANCE, "internet")).expect("trace");
        let Verdict::Unverified { not_evaluated, .. } = &t.verdict else {
            panic!("{t:#?}")
        };
        assert!(
            not_evaluated[0].contains("pl-63a5400a"),
            "{not_evaluated:?}"
        );
    }

    #[tokio::test]
    async fn an_az_without_an_attachment_subnet_cannot_reach_the_tgw() {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        for a in &mut r.attachments {
            if a.id == "tgw-attach-0e1a2b3c4d5e6f722" {
                a.subnet_ids.retain(|s| s == "subnet-0e1a2b3c4d5e6f751");
            }
        }
        let net = Net::new(&estate);
        // spoke-a's AZ-b subnet: its attachment has no subnet in us-east-1b now.
        let t = trace(&net, &q("subnet-0e1a2b3c4d5e6f752", "internet")).expect("trace");
        let Verdict::Dropped { at, reason } = &t.verdict else {
            panic!("{t:#?}")
        };
        assert_eq!(at, "tgw-attach-0e1a2b3c4d5e6f722");
        assert!(reason.contains("no subnet in us-east-1b"), "{reason}");
    }

    #[tokio::test]
    async fn a_trace_from_an_ip_or_an_eni_starts_in_its_subnet() {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        r.network_interfaces.push(crate::model::NetworkInterface {
            owner_id: None,
            id: "eni-0a1".into(),
            region: "us-east-1".into(),
            vpc_id: "vpc-0e1a2b3c4d5e6f733".into(),
            subnet_id: "subnet-0e1a2b3c4d5e6f762".into(),
            availability_zone: "us-east-1b".into(),
            interface_type: "interface".into(),
            private_ips: vec!["10.1.1.10".parse().expect("ip")],
            public_ip: Some("203.0.113.25".parse().expect("ip")),
            instance_id: Some(SPOKE_B_INSTANCE.into()),
            security_group_ids: Vec::new(),
            description: None,
        });
        let net = Net::new(&estate);
        for from in ["eni-0a1", "10.1.1.10"] {
            let t = trace(&net, &q(from, "internet")).expect("trace");
            assert!(
                matches!(&t.verdict, Verdict::ReachesInternet { egress_ip, .. } if egress_ip.to_string() == "203.0.113.25"),
                "{from}: {t:#?}"
            );
        }
    }
}

#[tokio::test]
async fn a_firewall_attached_to_the_tgw_natively_is_an_inspection_hop_not_evaluated() {
    use crate::model::{AttachmentKind, AttachmentState, RegionLoad, RouteTarget, TgwAttachment};
    let mut estate = demo().await;
    let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut("us-east-1") else {
        panic!("us-east-1")
    };
    let tgw = r.tgws[0].id.clone();
    r.attachments.push(TgwAttachment {
        id: "tgw-attach-0aaaaaaaaaaaaaaa1".into(),
        region: "us-east-1".into(),
        tgw_id: tgw,
        name: Some("native-firewall".into()),
        kind: AttachmentKind::NetworkFunction,
        state: AttachmentState::Available,
        resource_id: Some("native-firewall".into()),
        ..TgwAttachment::default()
    });
    // The spoke table's default route goes to the native firewall.
    let table = r
        .tgw_route_tables
        .iter_mut()
        .find(|t| t.id == "tgw-rtb-0e1a2b3c4d5e6f711")
        .expect("spoke table");
    let route = table
        .routes
        .iter_mut()
        .find(|x| x.destination.cidr().is_some_and(|c| c.prefix_len() == 0))
        .expect("default route");
    route.targets = vec![RouteTarget {
        attachment_id: "tgw-attach-0aaaaaaaaaaaaaaa1".into(),
        resource_type: Some(AttachmentKind::NetworkFunction),
        resource_id: Some("native-firewall".into()),
    }];
    let net = Net::new(&estate);
    let t = trace(&net, &sni(SPOKE_A_INSTANCE, "www.amazon.com")).expect("trace");
    let last = t.hops.last().expect("hops");
    assert_eq!(last.kind, HopKind::Appliance, "{t:#?}");
    assert_eq!(last.id, "tgw-attach-0aaaaaaaaaaaaaaa1");
    assert!(
        matches!(&t.verdict, Verdict::Unverified { not_evaluated, .. }
            if not_evaluated.iter().any(|n| n.contains("network-function attachment"))),
        "{:?}",
        t.verdict
    );
}

/// A route to a prefix list is matched by the list's entries and the hop names the
/// list; with the entries not read the route is "not evaluated", never guessed.
#[tokio::test]
async fn a_route_to_a_prefix_list_is_matched_by_its_entries_and_named() {
    use crate::model::{Destination, PrefixList, RegionLoad, RouteState, VpcRoute};
    let mut estate = demo().await;
    let net = Net::new(&estate);
    let before = trace(&net, &q(SPOKE_B_INSTANCE, "8.8.8.8")).expect("trace");
    let table_id = before
        .hops
        .iter()
        .find(|h| h.kind == HopKind::VpcRouteTable)
        .expect("a route table hop")
        .id
        .clone();
    let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut("us-east-1") else {
        panic!("demo us-east-1");
    };
    let table = r
        .vpc_route_tables
        .iter_mut()
        .find(|t| t.id == table_id)
        .expect("table");
    let default = table
        .routes
        .iter()
        .find(|x| x.destination.to_string() == "0.0.0.0/0")
        .expect("a default route")
        .target
        .clone();
    table.routes.push(VpcRoute {
        destination: Destination::PrefixList("pl-0dns".into()),
        target: default.clone(),
        state: RouteState::Active,
    });
    r.prefix_lists.push(PrefixList {
        id: "pl-0dns".into(),
        entries: Some(vec!["8.8.8.0/24".parse().expect("cidr")]),
        ..PrefixList::default()
    });

    let net = Net::new(&estate);
    let t = trace(&net, &q(SPOKE_B_INSTANCE, "8.8.8.8")).expect("trace");
    assert_eq!(t.verdict, before.verdict);
    let hop = t
        .hops
        .iter()
        .find(|h| h.kind == HopKind::VpcRouteTable)
        .expect("hop");
    assert!(
        hop.rule
            .starts_with(&format!("pl-0dns (entry 8.8.8.0/24) → {}", default.id())),
        "{}",
        hop.rule
    );

    let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut("us-east-1") else {
        panic!("demo us-east-1");
    };
    r.prefix_lists[0].entries = None;
    let net = Net::new(&estate);
    let t = trace(&net, &q(SPOKE_B_INSTANCE, "8.8.8.8")).expect("trace");
    match &t.verdict {
        Verdict::Unverified {
            not_evaluated,
            otherwise,
        } => {
            assert!(
                not_evaluated
                    .iter()
                    .any(|n| n.contains("pl-0dns") && n.contains("entries not read")),
                "{not_evaluated:?}"
            );
            assert_eq!(otherwise.as_deref(), Some(&before.verdict));
        }
        other => panic!("{other:?}"),
    }
}
