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
            egress_ip: "198.51.100.10".parse().expect("ip"),
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
            egress_ip: "198.51.100.20".parse().expect("ip"),
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
            egress_ip: "203.0.113.25".parse().expect("ip"),
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
        assert!(!is_public(ip.parse().expect("ip")), "{ip}");
    }
    for ip in ["8.8.8.8", "198.51.100.10", "203.0.113.25", "52.94.236.248"] {
        assert!(is_public(ip.parse().expect("ip")), "{ip}");
    }
}
