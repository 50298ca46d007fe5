//! The path engine and the audit on scenario files (`tests/scenarios/`): each audit
//! class positive on the scenario built to show it and negative on the demo; traces
//! that need those scenarios (ECMP over VPN, a routing loop, asymmetry, HOME_NET).

use std::path::Path;
use std::sync::Arc;

use netops::backend::sim::Simulator;
use netops::backend::sim::scenario::Scenario;
use netops::discovery::{DiscoveryPlan, discover};
use netops::model::Estate;
use netops::net::Net;
use netops::net::audit::audit;
use netops::net::firewall::Protocol;
use netops::net::trace::{TraceQuery, Verdict, trace};

async fn load(name: &str) -> Estate {
    let scenario = if name == "demo" {
        Scenario::builtin().expect("builtin")
    } else {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios")
            .join(format!("{name}.toml"));
        Scenario::load(&path).expect("scenario")
    };
    let sim = Arc::new(Simulator::from_scenario(scenario).expect("loads"));
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

async fn codes(name: &str) -> Vec<&'static str> {
    let estate = load(name).await;
    audit(&Net::new(&estate))
        .iter()
        .map(|f| f.kind.code())
        .collect()
}

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

#[tokio::test]
async fn the_demo_audit_names_the_blackhole_the_leaky_spoke_and_the_pending_peering() {
    let found = codes("demo").await;
    assert_eq!(
        found,
        vec![
            "peering_not_available",
            "blackhole_route",
            "egress_bypasses_inspection"
        ]
    );
}

#[tokio::test]
async fn each_audit_class_fires_on_its_scenario_and_not_on_the_demo() {
    let demo = codes("demo").await;
    for (scenario, class) in [
        ("missing_return", "missing_return_route"),
        ("isolation_break", "isolation_break"),
        ("home_net_default", "home_net_not_overridden"),
        ("overlapping_cidrs", "overlapping_cidrs"),
        ("appliance_mode_off", "appliance_mode_off"),
        ("ecmp_vpn", "ecmp_over_vpn"),
    ] {
        let found = codes(scenario).await;
        assert!(found.contains(&class), "{scenario}: {found:?}");
        assert!(!demo.contains(&class), "demo has {class}");
    }
}

#[tokio::test]
async fn audit_findings_carry_objects_messages_and_fixes() {
    let estate = load("isolation_break").await;
    let found = audit(&Net::new(&estate));
    let f = found
        .iter()
        .find(|f| f.kind.code() == "isolation_break")
        .expect("isolation break");
    let doc = serde_json::to_value(f).expect("json");
    assert_eq!(doc["kind"], "isolation_break");
    assert_eq!(doc["severity"], "error");
    assert_eq!(doc["objects"][0]["id"], "vpc-0e1a2b3c4d5e6f732");
    assert_eq!(doc["objects"][1]["id"], "vpc-0e1a2b3c4d5e6f733");
    assert!(
        doc["message"]
            .as_str()
            .expect("test value")
            .contains("without inspection")
    );
    assert!(doc["fix"].is_string());
    let path = doc["path"].as_array().expect("path");
    assert!(
        path.iter().any(|h| h
            .as_str()
            .expect("test value")
            .contains("tgw-rtb-0e1a2b3c4d5e6f711")),
        "{path:?}"
    );
}

#[tokio::test]
async fn ecmp_over_vpn_leaves_aws_and_lists_the_other_pod() {
    let estate = load("ecmp_vpn").await;
    let t = trace(&Net::new(&estate), &q("i-0e1a2b3c4d5e6f7d1", "internet")).expect("trace");
    let Verdict::LeavesAws { via } = &t.verdict else {
        panic!("{t:#?}")
    };
    assert!(via.contains("tgw-attach-0e1a2b3c4d5e6f7e1"), "{via}");
    let ecmp = &t.hops[3];
    assert!(ecmp.rule.contains("ECMP over 2"), "{ecmp:?}");
    assert_eq!(t.alternatives.len(), 1);
    assert!(
        matches!(&t.alternatives[0].verdict, Verdict::LeavesAws { via } if via.contains("7e2"))
    );
}

#[tokio::test]
async fn a_routing_loop_is_dropped_and_named() {
    let estate = load("routing_loop").await;
    let t = trace(
        &Net::new(&estate),
        &TraceQuery {
            protocol: Some(Protocol::Icmp),
            ..q("i-0e1a2b3c4d5e6f7d1", "10.3.0.5")
        },
    )
    .expect("trace");
    let Verdict::Dropped { reason, .. } = t.verdict.settled() else {
        panic!("{t:#?}")
    };
    assert!(reason.contains("routing loop"), "{reason}");
    // The loop is named by the tables on it, not the path before it.
    for table in ["tgw-rtb-0e1a2b3c4d5e6f712", "rtb-0e1a2b3c4d5e6f783"] {
        assert!(reason.contains(table), "{table}: {reason}");
    }
    assert!(!reason.contains("rtb-0e1a2b3c4d5e6f787"), "{reason}");
    assert!(
        t.hops.len() < netops::net::trace::MAX_HOPS,
        "{}",
        t.hops.len()
    );
}

/// Issue 18: the audit names the loop (only an ICMP trace showed it), once, with its
/// table, prefix and the attachment it goes round through; the demo has none.
#[tokio::test]
async fn the_audit_finds_a_routing_loop_between_a_tgw_table_and_a_vpc() {
    let estate = load("routing_loop").await;
    let findings = audit(&Net::new(&estate));
    let loops: Vec<_> = findings
        .iter()
        .filter(|f| f.kind.code() == "routing_loop")
        .collect();
    assert_eq!(loops.len(), 1, "{findings:#?}");
    let message = loops[0].message();
    for part in [
        "10.3.0.0/16",
        "tgw-rtb-0e1a2b3c4d5e6f712",
        "tgw-attach-0e1a2b3c4d5e6f721",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert!(loops[0].fix().is_some());
    let demo = load("demo").await;
    assert!(
        !audit(&Net::new(&demo))
            .iter()
            .any(|f| f.kind.code() == "routing_loop")
    );
}

#[tokio::test]
async fn appliance_mode_off_makes_a_cross_az_flow_asymmetric() {
    // spoke-b's AZ-a subnet to an address in spoke-a's AZ-b subnet, through inspection.
    let query = TraceQuery {
        protocol: Some(Protocol::Icmp),
        ..q("subnet-0e1a2b3c4d5e6f761", "10.0.1.5")
    };
    let off = load("appliance_mode_off").await;
    let t = trace(&Net::new(&off), &query).expect("trace");
    assert!(t.verdict.arrives(), "{t:#?}");
    assert!(!t.symmetric, "{t:#?}");
    assert_eq!(t.firewalls, vec!["vpce-0e1a2b3c4d5e6f791".to_string()]);
    assert_eq!(
        t.return_firewalls,
        vec!["vpce-0e1a2b3c4d5e6f792".to_string()]
    );
    assert!(
        t.notes.iter().any(|n| n.contains("asymmetric")),
        "{:?}",
        t.notes
    );

    let on = load("demo").await;
    let t = trace(&Net::new(&on), &query).expect("trace");
    assert!(t.symmetric, "{t:#?}");
    assert_eq!(t.firewalls, t.return_firewalls);
}

#[tokio::test]
async fn home_net_not_overridden_drops_spoke_icmp_at_the_firewall() {
    let query = TraceQuery {
        protocol: Some(Protocol::Icmp),
        ..q("i-0e1a2b3c4d5e6f7d1", "internet")
    };
    let estate = load("home_net_default").await;
    let t = trace(&Net::new(&estate), &query).expect("trace");
    assert!(
        matches!(&t.verdict, Verdict::Dropped { at, .. } if at == "vpce-0e1a2b3c4d5e6f791"),
        "{t:#?}"
    );
    let fw = t
        .hops
        .iter()
        .find(|h| h.id == "vpce-0e1a2b3c4d5e6f791")
        .expect("fw hop");
    assert!(fw.rule.contains("10.100.0.0/22"), "{}", fw.rule);

    let demo = load("demo").await;
    let t = trace(&Net::new(&demo), &query).expect("trace");
    assert!(
        matches!(t.verdict, Verdict::ReachesInternet { .. }),
        "{t:#?}"
    );
}

#[tokio::test]
async fn missing_return_route_names_the_table_that_drops_the_reply() {
    let estate = load("missing_return").await;
    let t = trace(
        &Net::new(&estate),
        &TraceQuery {
            sni: Some("www.amazon.com".into()),
            ..q("i-0e1a2b3c4d5e6f7d1", "internet")
        },
    )
    .expect("trace");
    assert!(t.verdict.arrives(), "{t:#?}");
    let Some(Verdict::Dropped { at, .. }) = &t.return_verdict else {
        panic!("{t:#?}")
    };
    assert_eq!(at, "tgw-rtb-0e1a2b3c4d5e6f712");
}

#[tokio::test]
async fn security_groups_and_network_acls_are_hops_when_read() {
    let estate = load("filters").await;
    let net = Net::new(&estate);
    let t = trace(
        &net,
        &TraceQuery {
            sni: Some("www.amazon.com".into()),
            ..q("i-0e1a2b3c4d5e6f7d1", "internet")
        },
    )
    .expect("trace");
    assert!(
        matches!(t.verdict, Verdict::ReachesInternet { .. }),
        "{t:#?}"
    );
    let kinds: Vec<&str> = t.hops.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds[1], "security-group", "{kinds:?}");
    assert!(kinds.contains(&"network-acl"), "{kinds:?}");
    assert!(
        t.return_hops
            .iter()
            .any(|h| h.kind.as_str() == "network-acl"),
        "replies meet the stateless ACLs too"
    );
    assert!(
        !t.notes
            .iter()
            .any(|n| n.contains("us-east-1 were not read")),
        "{:?}",
        t.notes
    );

    // HTTP is not in the sender's security group.
    let t = trace(
        &net,
        &TraceQuery {
            port: Some(80),
            ..q("i-0e1a2b3c4d5e6f7d1", "internet")
        },
    )
    .expect("trace");
    assert!(
        matches!(&t.verdict, Verdict::Dropped { at, reason } if at == "sg-0e1a2b3c4d5e6f7e1" && reason.contains("denies")),
        "{t:#?}"
    );

    // SSH is allowed by the group but denied out of the subnet by ACL rule 90.
    let t = trace(
        &net,
        &TraceQuery {
            port: Some(22),
            ..q("i-0e1a2b3c4d5e6f7d1", "i-0e1a2b3c4d5e6f7d2")
        },
    )
    .expect("trace");
    assert!(
        matches!(&t.verdict, Verdict::Dropped { at, reason } if at == "acl-0e1a2b3c4d5e6f7f2" && reason.contains("rule 90")),
        "{t:#?}"
    );
}

/// AWS: a packet from an instance to a transit gateway interface in the same subnet
/// meets the subnet ACL's inbound rules too ("Network ACLs for transit gateways").
#[tokio::test]
async fn the_tgw_interface_in_the_instance_subnet_meets_the_inbound_rules() {
    let mut estate = load("filters").await;
    if let Some(netops::model::RegionLoad::Loaded { estate: r }) =
        estate.regions.get_mut("us-east-1")
    {
        for acl in &mut r.network_acls {
            acl.entries.retain(|e| e.rule_number != 80);
        }
    }
    let t = trace(
        &Net::new(&estate),
        &TraceQuery {
            sni: Some("www.amazon.com".into()),
            ..q("i-0e1a2b3c4d5e6f7d1", "internet")
        },
    )
    .expect("trace");
    assert!(
        matches!(&t.verdict, Verdict::Dropped { reason, .. } if reason.contains("into subnet-0e1a2b3c4d5e6f751") && reason.contains("implicit deny")),
        "{t:#?}"
    );
}

#[tokio::test]
async fn filters_not_read_are_named_in_the_notes() {
    let estate = load("demo").await;
    let t = trace(&Net::new(&estate), &q("i-0e1a2b3c4d5e6f7d1", "internet")).expect("trace");
    for needle in [
        "network ACLs in us-east-1 were not read",
        "security groups of i-0e1a2b3c4d5e6f7d1 were not read",
    ] {
        assert!(
            t.notes.iter().any(|n| n.contains(needle)),
            "{needle}: {:?}",
            t.notes
        );
    }
}
