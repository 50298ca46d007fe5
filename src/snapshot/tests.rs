use std::sync::Arc;

use super::*;
use crate::backend::snapshot::SnapshotBackend;
use crate::discovery::{DiscoveryPlan, discover};
use crate::model::{RegionLoad, RouteState};

fn loaded(estate: &Estate) -> BTreeMap<String, RegionEstate> {
    estate
        .loaded()
        .map(|r| (r.region.clone(), r.clone()))
        .collect()
}

async fn read_back(dir: &Path, hints: &Hints) -> Estate {
    let snapshot = open(dir, hints).expect("opens");
    let regions: Vec<String> = snapshot.regions.keys().cloned().collect();
    discover(
        Arc::new(SnapshotBackend::new(snapshot)),
        DiscoveryPlan {
            regions,
            follow_peers: false,
            concurrency: 4,
        },
    )
    .await
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != MANIFEST) {
                let rel = p.strip_prefix(dir).expect("under").display().to_string();
                out.insert(rel, std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    out
}

/// The demo saved and opened again is the same estate, object for object; saving
/// that gives the same files (the round trip of issue 19).
#[tokio::test]
async fn save_then_open_gives_the_same_estate_and_the_same_files() {
    let demo = crate::net::trace::tests::demo().await;
    let a = tempfile::tempdir().expect("tempdir");
    let saved = save(&demo, a.path(), &SaveInfo::default()).expect("saves");
    assert_eq!(saved.regions, ["eu-west-1", "us-east-1"]);
    assert!(
        a.path()
            .join("accounts/111122223333/us-east-1/Vpcs.json")
            .is_file()
    );
    let back = read_back(a.path(), &Hints::default()).await;
    assert_eq!(back.account, demo.account);
    let (want, got) = (loaded(&demo), loaded(&back));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (name, w) in &want {
        let g = &got[name];
        // Field by field first, for a readable failure.
        assert_eq!(w.tgws, g.tgws, "{name} tgws");
        assert_eq!(w.attachments, g.attachments, "{name} attachments");
        assert_eq!(w.peerings, g.peerings, "{name} peerings");
        assert_eq!(w.tgw_route_tables, g.tgw_route_tables, "{name} tables");
        assert_eq!(w.vpcs, g.vpcs, "{name} vpcs");
        assert_eq!(w.vpc_route_tables, g.vpc_route_tables, "{name} vpc tables");
        assert_eq!(w.instances, g.instances, "{name} instances");
        assert_eq!(w.firewalls, g.firewalls, "{name} firewalls");
        assert_eq!(w.firewall_policies, g.firewall_policies, "{name} policies");
        assert_eq!(w.rule_groups, g.rule_groups, "{name} rule groups");
        assert_eq!(w, g, "{name}");
    }
    let b = tempfile::tempdir().expect("tempdir");
    save(&back, b.path(), &SaveInfo::default()).expect("saves again");
    assert_eq!(
        files(a.path()),
        files(b.path()),
        "save → open → save: the same files"
    );
}

/// Every read command answers the same JSON on the opened snapshot as on the
/// estate it was saved from.
#[tokio::test]
async fn every_read_command_answers_the_same_on_the_snapshot() {
    let demo = crate::net::trace::tests::demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    save(&demo, dir.path(), &SaveInfo::default()).expect("saves");
    let back = read_back(dir.path(), &Hints::default()).await;
    for line in [
        "tgws",
        "route-tables",
        "routes tgw-rtb-0e1a2b3c4d5e6f712",
        "attachments",
        "peerings",
        "vpcs",
        "nat-gateways",
        "regions",
        "show i-0e1a2b3c4d5e6f7d2",
        "trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com",
        "trace i-0e1a2b3c4d5e6f7d2 172.16.1.10 --proto icmp",
        "audit",
        "fw list",
    ] {
        let cmd = crate::command::parse_line(line)
            .expect("parses")
            .expect("a command");
        let want = crate::query::run(&demo, &cmd).expect("runs live").to_json();
        let got = crate::query::run(&back, &cmd)
            .expect("runs on the snapshot")
            .to_json();
        assert_eq!(want, got, "{line}");
    }
}

/// A capture as the AWS CLI leaves it: flat, only static TGW routes, no ACL or
/// firewall files, one file malformed, unknown files and fields. The region comes
/// from the availability zones, propagated routes are derived (and say so), each
/// missing or broken file is a named gap, and the rest loads.
#[tokio::test]
async fn a_flat_cli_capture_with_static_routes_only_and_a_broken_file() {
    let demo = crate::net::trace::tests::demo().await;
    let full = tempfile::tempdir().expect("tempdir");
    save(&demo, full.path(), &SaveInfo::default()).expect("saves");
    let from = full.path().join("accounts/111122223333/us-east-1");
    let flat = tempfile::tempdir().expect("tempdir");
    for f in [
        "TransitGateways",
        "TransitGatewayRouteTables",
        "TransitGatewayAttachments",
        "TransitGatewayVpcAttachments",
        "TransitGatewayPropagations",
        "Vpcs",
        "Subnets",
        "RouteTables",
        "InternetGateways",
        "NatGateways",
        "Reservations",
    ] {
        let text = std::fs::read_to_string(from.join(format!("{f}.json"))).expect("read");
        // An unknown field, as a newer CLI may print.
        let text = text.replacen('{', "{\"ResponseMetadata\": {\"RequestId\": \"x\"},", 1);
        std::fs::write(flat.path().join(format!("{f}.json")), text).expect("write");
    }
    // Only the static routes, as `search-transit-gateway-routes --filters
    // Name=type,Values=static` prints them.
    let routes: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(from.join("TransitGatewayRoutes.json")).expect("read"),
    )
    .expect("json");
    let mut statics = routes["TransitGatewayRoutes"].clone();
    for t in statics.as_array_mut().expect("tables") {
        t["Routes"]
            .as_array_mut()
            .expect("routes")
            .retain(|r| r["Type"] == "static");
    }
    std::fs::write(
        flat.path().join("TransitGatewayStaticRoutes.json"),
        serde_json::json!({ "TransitGatewayStaticRoutes": statics }).to_string(),
    )
    .expect("write");
    std::fs::write(
        flat.path().join("VpcEndpoints.json"),
        "{\"VpcEndpoints\": [\n  {\"VpcEndpointId\": 7}\n]}",
    )
    .expect("write");
    std::fs::write(flat.path().join("notes.txt"), "not a capture").expect("write");

    let snapshot = open(flat.path(), &Hints::default()).expect("opens");
    assert_eq!(snapshot.regions.keys().collect::<Vec<_>>(), ["us-east-1"]);
    let r = &snapshot.regions["us-east-1"];
    let gap = |part: &str| {
        r.gaps
            .iter()
            .find(|g| g.part == part)
            .map(|g| g.error.clone())
    };
    assert_eq!(
        gap("network acls").as_deref(),
        Some("NetworkAcls.json is not in the snapshot")
    );
    let broken = gap("vpc endpoints").expect("a gap for the broken file");
    assert!(broken.contains("VpcEndpoints.json:2:"), "{broken}");
    assert!(broken.contains("invalid type"), "{broken}");
    assert!(
        gap("tgw routes").is_none(),
        "static routes are enough: {:?}",
        r.gaps
    );
    // The propagated routes are there, derived, as the simulator derives them.
    let want = demo.region("us-east-1").expect("demo");
    for (w, g) in want.tgw_route_tables.iter().zip(&r.tgw_route_tables) {
        let strip = |t: &crate::model::TgwRouteTable| {
            t.routes
                .iter()
                .map(|x| {
                    (
                        x.destination.clone(),
                        x.route_type.clone(),
                        x.state.clone(),
                        x.targets.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(w), strip(g), "{}", w.id);
        for route in &g.routes {
            assert_eq!(
                route.derived,
                route.route_type == RouteType::Propagated,
                "{route:?}"
            );
        }
    }
    assert!(
        r.tgw_route_tables
            .iter()
            .flat_map(|t| &t.routes)
            .any(|x| x.state == RouteState::Blackhole)
    );
    // And the route listing says which routes were derived.
    let estate = snapshot.clone().into_estate();
    let cmd = crate::command::parse_line("routes tgw-rtb-0e1a2b3c4d5e6f712")
        .expect("parses")
        .expect("a command");
    let text = crate::query::run(&estate, &cmd).expect("runs").to_text();
    assert!(text.contains("propagated (derived)"), "{text}");
    let gaps = &snapshot.optional_gaps["us-east-1"];
    assert!(
        gaps.iter()
            .any(|g| g.error == "Firewalls.json is not in the snapshot"),
        "{gaps:?}"
    );
}

/// Two accounts' folders hold one shared TGW region: one object per id, the TGW
/// owner's copy of a shared attachment winning; a TGW peering listed only by its two
/// attachments is paired; a flat folder without zones or ARNs asks for --region.
#[tokio::test]
async fn two_accounts_merge_and_a_peering_is_paired_from_its_attachments() {
    let demo = crate::net::trace::tests::demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    save(&demo, dir.path(), &SaveInfo::default()).expect("saves");
    let owner = dir.path().join("accounts/111122223333");
    // A second account sees spoke-b's attachment too (as the VPC's owner), with no
    // association (only the TGW owner sees it).
    let other = dir.path().join("accounts/444455556666/us-east-1");
    std::fs::create_dir_all(&other).expect("mkdir");
    let atts: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(owner.join("us-east-1/TransitGatewayAttachments.json"))
            .expect("read"),
    )
    .expect("json");
    let mut mine = atts["TransitGatewayAttachments"].clone();
    for a in mine.as_array_mut().expect("list") {
        a.as_object_mut().expect("object").remove("Association");
    }
    std::fs::write(
        other.join("TransitGatewayAttachments.json"),
        serde_json::json!({ "TransitGatewayAttachments": mine }).to_string(),
    )
    .expect("write");
    // No peering files: the peering is known only from its attachments.
    for region in ["us-east-1", "eu-west-1"] {
        std::fs::remove_file(
            owner
                .join(region)
                .join("TransitGatewayPeeringAttachments.json"),
        )
        .expect("rm");
    }
    let snapshot = open(dir.path(), &Hints::default()).expect("opens");
    let use1 = &snapshot.regions["us-east-1"];
    let want = demo.region("us-east-1").expect("demo");
    assert_eq!(
        use1.attachments, want.attachments,
        "the TGW owner's view wins"
    );
    let peering = use1
        .peerings
        .iter()
        .find(|p| p.id == "tgw-attach-0e1a2b3c4d5e6f7a1")
        .expect("paired");
    assert_eq!(
        (
            peering.requester.region.as_str(),
            peering.accepter.region.as_str()
        ),
        ("eu-west-1", "us-east-1")
    );
    assert!(
        snapshot.regions["eu-west-1"]
            .peerings
            .iter()
            .any(|p| p.id == peering.id)
    );

    let bare = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        bare.path().join("TransitGatewayRouteTables.json"),
        "{\"TransitGatewayRouteTables\": []}",
    )
    .expect("write");
    let err = open(bare.path(), &Hints::default()).expect_err("no region");
    assert!(err.message.contains("pass --region"), "{}", err.message);
    let ok = open(
        bare.path(),
        &Hints {
            region: Some("ap-south-1".into()),
            account: None,
        },
    )
    .expect("with --region");
    assert!(ok.regions.contains_key("ap-south-1"));
    assert!(matches!(
        demo.regions.get("us-east-1"),
        Some(RegionLoad::Loaded { .. })
    ));
}

#[test]
fn regions_from_zones() {
    assert_eq!(region_of_az("us-east-1a").as_deref(), Some("us-east-1"));
    assert_eq!(
        region_of_az("us-east-1-bos-1a").as_deref(),
        Some("us-east-1")
    );
    assert_eq!(
        region_of_az("us-gov-west-1b").as_deref(),
        Some("us-gov-west-1")
    );
    assert!(looks_like_region("eu-west-1"));
    assert!(!looks_like_region("accounts"));
}

/// Two accounts, two regions, a cross-account TGW peering (issue 19's fixture): the
/// demo saved, its eu-west-1 moved to a second account (every owner id there, and
/// the peering's accepter side, rewritten). Opened, the estate holds both accounts'
/// regions, the peering joins them, and a trace crosses it.
#[tokio::test]
async fn two_accounts_two_regions_and_a_cross_account_peering() {
    let demo = crate::net::trace::tests::demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    save(&demo, dir.path(), &SaveInfo::default()).expect("saves");
    let accounts = dir.path().join("accounts");
    let (home, other) = (accounts.join("111122223333"), accounts.join("444455556666"));
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::rename(home.join("eu-west-1"), other.join("eu-west-1")).expect("move");
    for e in std::fs::read_dir(other.join("eu-west-1"))
        .expect("dir")
        .filter_map(Result::ok)
    {
        let text = std::fs::read_to_string(e.path()).expect("read");
        std::fs::write(e.path(), text.replace("111122223333", "444455556666")).expect("write");
    }
    // The requester's record of the peering names the accepter's new account.
    let peerings = home.join("us-east-1/TransitGatewayPeeringAttachments.json");
    let text = std::fs::read_to_string(&peerings).expect("read");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    doc["TransitGatewayPeeringAttachments"][0]["AccepterTgwInfo"]["OwnerId"] =
        "444455556666".into();
    std::fs::write(&peerings, doc.to_string()).expect("write");
    std::fs::remove_file(dir.path().join(MANIFEST)).expect("rm");
    // The peering accepted and routed both ways, as the wizard leaves it: edited in
    // the capture's own JSON, as an operator's capture would hold it.
    let peering = "tgw-attach-0e1a2b3c4d5e6f7a1";
    let edit = |path: std::path::PathBuf, f: &dyn Fn(&mut serde_json::Value)| {
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        f(&mut doc);
        std::fs::write(&path, doc.to_string()).expect("write");
    };
    let (use1, euw1) = (home.join("us-east-1"), other.join("eu-west-1"));
    for d in [&use1, &euw1] {
        edit(d.join("TransitGatewayPeeringAttachments.json"), &|doc| {
            doc["TransitGatewayPeeringAttachments"][0]["State"] = "available".into();
            doc["TransitGatewayPeeringAttachments"][0]["Status"]["Code"] = "available".into();
        });
        edit(d.join("TransitGatewayAttachments.json"), &|doc| {
            for a in doc["TransitGatewayAttachments"]
                .as_array_mut()
                .expect("list")
            {
                if a["TransitGatewayAttachmentId"] == peering {
                    a["State"] = "available".into();
                }
            }
        });
    }
    let route = |cidr: &str, tgw: &str| {
        serde_json::json!({"DestinationCidrBlock": cidr, "Type": "static", "State": "active",
            "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": peering,
                "ResourceType": "peering", "ResourceId": tgw}]})
    };
    edit(use1.join("TransitGatewayRoutes.json"), &|doc| {
        for t in doc["TransitGatewayRoutes"].as_array_mut().expect("tables") {
            if t["TransitGatewayRouteTableId"] == "tgw-rtb-0e1a2b3c4d5e6f712" {
                let r = route("172.16.1.0/24", "tgw-0f9e8d7c6b5a4f301");
                t["Routes"].as_array_mut().expect("routes").push(r);
            }
        }
    });
    // The inspection VPC's firewall subnets send eu-west-1's range back to the TGW.
    edit(use1.join("RouteTables.json"), &|doc| {
        for t in doc["RouteTables"].as_array_mut().expect("tables") {
            let routes = t["Routes"].as_array_mut().expect("routes");
            if routes.iter().any(|r| {
                r["DestinationCidrBlock"] == "10.0.0.0/8" && r["TransitGatewayId"].is_string()
            }) {
                routes.push(serde_json::json!({"DestinationCidrBlock": "172.16.1.0/24",
                    "TransitGatewayId": "tgw-0e1a2b3c4d5e6f701", "State": "active"}));
            }
        }
    });
    edit(euw1.join("TransitGatewayRoutes.json"), &|doc| {
        let r = route("10.0.0.0/8", "tgw-0e1a2b3c4d5e6f701");
        doc["TransitGatewayRoutes"][0]["Routes"]
            .as_array_mut()
            .expect("routes")
            .push(r);
    });
    edit(euw1.join("TransitGatewayAssociations.json"), &|doc| {
        doc["TransitGatewayAssociations"][0]["Associations"]
            .as_array_mut()
            .expect("list")
            .push(serde_json::json!({"TransitGatewayAttachmentId": peering,
                "ResourceType": "peering", "ResourceId": "tgw-0e1a2b3c4d5e6f701",
                "State": "associated"}));
    });

    let snapshot = open(dir.path(), &Hints::default()).expect("opens");
    assert_eq!(
        snapshot.regions.keys().collect::<Vec<_>>(),
        ["eu-west-1", "us-east-1"]
    );
    let euw1 = &snapshot.regions["eu-west-1"];
    assert!(euw1.tgws.iter().all(|t| t.owner_id == "444455556666"));
    let p = &snapshot.regions["us-east-1"].peerings[0];
    assert_eq!(
        (
            p.requester.account_id.as_str(),
            p.accepter.account_id.as_str()
        ),
        ("111122223333", "444455556666")
    );
    let estate = snapshot.into_estate();
    let net = crate::net::Net::new(&estate);
    // spoke-a → eu-west-1's workload: through inspection, across the peering.
    let t = crate::net::trace::trace(
        &net,
        &crate::net::trace::TraceQuery {
            from: "i-0e1a2b3c4d5e6f7d1".into(),
            to: "172.16.1.10".into(),
            protocol: Some(crate::net::firewall::Protocol::Icmp),
            port: None,
            sni: None,
            routing_only: true,
            http_host: None,
        },
    )
    .expect("traces");
    let hops: Vec<String> = t.hops.iter().map(|h| h.id.clone()).collect();
    assert!(
        hops.iter()
            .any(|h| h.contains("tgw-attach-0e1a2b3c4d5e6f7a1")),
        "the path reaches the cross-account peering: {hops:?}"
    );
    assert!(t.verdict.arrives(), "{:?}", t.verdict);
    assert!(
        hops.iter().any(|h| h == "tgw-rtb-0f9e8d7c6b5a4f311"),
        "{hops:?}"
    );
    let found = crate::net::audit::audit(&net);
    assert!(
        !found
            .iter()
            .any(|f| matches!(f.kind, crate::net::FindingKind::PeeringNotAvailable { .. })),
        "{found:?}"
    );
}

/// `probe egress` on a snapshot: nothing runs, and the matrix of what the engine
/// expects of each spoke stands, each row "not probed" (no failure, no exit 3).
#[tokio::test]
async fn probe_egress_on_a_snapshot_shows_the_engines_expectations() {
    let demo = crate::net::trace::tests::demo().await;
    let net = crate::net::Net::new(&demo);
    let cmd = crate::command::parse_line("probe egress")
        .expect("parses")
        .expect("a command");
    let mut run = crate::probe::ProbeRun::plan(&net, &cmd, 1).expect("plans");
    run.not_probed("snapshot: not probed");
    assert!(run.is_done() && !run.failed());
    let text = run.output().to_text();
    assert!(text.contains("3 not probed"), "{text}");
    assert!(
        text.contains("engine: centralized as 198.51.100.10"),
        "{text}"
    );
    assert!(text.contains("engine: leaks as 203.0.113.25"), "{text}");
}

/// Prefix lists travel with a snapshot: the AWS service list a gateway endpoint
/// routes to (`PrefixLists.json`, with its CIDRs), a customer list a TGW table
/// references (`ManagedPrefixLists.json` and `PrefixListEntries.json`); routes to them
/// are matched by their entries after the round trip. Without the entries file the
/// routes to that list are "not evaluated", and the gap says which list.
#[tokio::test]
async fn prefix_lists_round_trip_and_missing_entries_are_a_named_gap() {
    use crate::model::{Destination, PrefixList, TgwRoute, VpcRoute, VpcRouteTarget};
    let mut demo = crate::net::trace::tests::demo().await;
    let Some(RegionLoad::Loaded { estate: r }) = demo.regions.get_mut("us-east-1") else {
        panic!("demo us-east-1");
    };
    r.prefix_lists = vec![
        PrefixList {
            id: "pl-0onprem".into(),
            name: Some("onprem".into()),
            owner_id: Some("111122223333".into()),
            address_family: Some("IPv4".into()),
            max_entries: Some(10),
            state: "create-complete".into(),
            entries: Some(vec!["192.168.0.0/16".parse().expect("cidr")]),
        },
        PrefixList {
            id: "pl-63a5400a".into(),
            name: Some("com.amazonaws.us-east-1.s3".into()),
            owner_id: Some("AWS".into()),
            entries: Some(vec![
                "52.216.0.0/15".parse().expect("cidr"),
                "54.231.0.0/17".parse().expect("cidr"),
            ]),
            ..PrefixList::default()
        },
    ];
    let attachment = r.attachments[0].clone();
    let table = &mut r.tgw_route_tables[0];
    let tgw_table = table.id.clone();
    table.routes.push(TgwRoute {
        route_table_id: tgw_table.clone(),
        region: "us-east-1".into(),
        destination: Destination::PrefixList("pl-0onprem".into()),
        route_type: RouteType::Static,
        state: RouteState::Active,
        targets: vec![crate::model::RouteTarget {
            attachment_id: attachment.id.clone(),
            resource_type: Some(attachment.kind.clone()),
            resource_id: attachment.resource_id.clone(),
        }],
        derived: false,
        prefix_list_id: None,
    });
    let vpc_table = r.vpc_route_tables[0].id.clone();
    r.vpc_route_tables[0].routes.push(VpcRoute {
        destination: Destination::PrefixList("pl-63a5400a".into()),
        target: VpcRouteTarget::VpcEndpoint("vpce-0s3".into()),
        state: RouteState::Active,
    });

    let a = tempfile::tempdir().expect("tempdir");
    save(&demo, a.path(), &SaveInfo::default()).expect("saves");
    let folder = a.path().join("accounts/111122223333/us-east-1");
    for f in ["ManagedPrefixLists", "PrefixLists", "PrefixListEntries"] {
        assert!(folder.join(format!("{f}.json")).is_file(), "{f}");
    }
    let managed = std::fs::read_to_string(folder.join("ManagedPrefixLists.json")).expect("read");
    assert!(managed.starts_with("{\n  \"PrefixLists\": ["), "{managed}");
    let back = read_back(a.path(), &Hints::default()).await;
    let (want, got) = (loaded(&demo), loaded(&back));
    assert_eq!(
        want["us-east-1"].prefix_lists,
        got["us-east-1"].prefix_lists
    );
    assert_eq!(want["us-east-1"], got["us-east-1"]);
    let b = tempfile::tempdir().expect("tempdir");
    save(&back, b.path(), &SaveInfo::default()).expect("saves again");
    assert_eq!(files(a.path()), files(b.path()));

    let lookups = |estate: &Estate| {
        let net = crate::net::Net::new(estate);
        let r = estate.region("us-east-1").expect("loaded");
        let t = r
            .tgw_route_tables
            .iter()
            .find(|t| t.id == tgw_table)
            .expect("table");
        let v = r
            .vpc_route_tables
            .iter()
            .find(|t| t.id == vpc_table)
            .expect("table");
        let tgw = net.tgw_lookup(t, "192.168.1.1".parse().expect("ip"));
        let vpc = net.vpc_lookup(v, "52.217.0.9".parse().expect("ip"));
        let via = match tgw.outcome {
            crate::net::lpm::TgwOutcome::Forward { targets, .. } => {
                targets.iter().map(|t| t.attachment_id.clone()).collect()
            }
            _ => Vec::new(),
        };
        (
            via,
            tgw.prefix_list_routes.len(),
            vpc.target().cloned(),
            vpc.prefix_list_routes.len(),
        )
    };
    assert_eq!(
        lookups(&back),
        (
            vec![attachment.id.clone()],
            0,
            Some(VpcRouteTarget::VpcEndpoint("vpce-0s3".into())),
            0
        )
    );

    std::fs::remove_file(folder.join("PrefixListEntries.json")).expect("rm");
    let snapshot = open(a.path(), &Hints::default()).expect("opens");
    let gaps = &snapshot.regions["us-east-1"].gaps;
    assert!(
        gaps.iter()
            .any(|g| g.part == "prefix-lists" && g.error.contains("pl-0onprem")),
        "{gaps:?}"
    );
    let estate = snapshot.into_estate();
    let (_, tgw_unread, vpc_target, vpc_unread) = lookups(&estate);
    assert_eq!(tgw_unread, 1, "the reference is not evaluated");
    assert_eq!(
        (vpc_target, vpc_unread),
        (Some(VpcRouteTarget::VpcEndpoint("vpce-0s3".into())), 0)
    );
}

/// An organization read (seed 002's demo) saves one folder per owner, each holding
/// what its account owns; opening it merges them back into the same estate, objects
/// and owners, and saving that again gives the same files.
#[tokio::test]
async fn an_organization_saves_one_folder_per_owner_and_opens_as_the_same_estate() {
    use crate::backend::sim::Simulator;
    use crate::backend::sim::accounts::org;
    use crate::backend::sim::scenario::Scenario;
    let sim =
        Arc::new(Simulator::from_scenario(Scenario::organization().expect("org")).expect("sim"));
    let backend = Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
    let live = discover(
        backend as Arc<dyn crate::backend::Backend>,
        DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        },
    )
    .await;
    let a = tempfile::tempdir().expect("tempdir");
    let saved = save(&live, a.path(), &SaveInfo::default()).expect("saves");
    assert_eq!(
        saved.accounts,
        [
            org::NETWORK,
            org::SECURITY,
            org::BU_A,
            org::BU_B,
            org::NETWORK_EU
        ],
        "one folder per owner (the denied account owns nothing read)"
    );
    let vpcs = |account: &str, region: &str| -> String {
        std::fs::read_to_string(
            a.path()
                .join(format!("accounts/{account}/{region}/Vpcs.json")),
        )
        .unwrap_or_default()
    };
    assert!(vpcs(org::SECURITY, "us-east-1").contains("inspection"));
    assert!(!vpcs(org::SECURITY, "us-east-1").contains("spoke-a"));
    assert!(vpcs(org::NETWORK_EU, "eu-west-1").contains("workload-euw1"));

    let back = read_back(a.path(), &Hints::default()).await;
    let objects = |e: &Estate| -> BTreeSet<(String, String, Option<String>)> {
        let mut out = BTreeSet::new();
        for r in e.loaded() {
            for v in &r.vpcs {
                out.insert((r.region.clone(), v.id.clone(), Some(v.owner_id.clone())));
            }
            for t in &r.tgws {
                out.insert((r.region.clone(), t.id.clone(), Some(t.owner_id.clone())));
            }
            for i in &r.instances {
                out.insert((r.region.clone(), i.id.clone(), i.owner_id.clone()));
            }
            for s in &r.subnets {
                out.insert((r.region.clone(), s.id.clone(), s.owner_id.clone()));
            }
            for x in &r.tgw_route_tables {
                for route in &x.routes {
                    out.insert((
                        r.region.clone(),
                        format!("{} {}", x.id, route.destination),
                        None,
                    ));
                }
            }
            for x in r
                .attachments
                .iter()
                .map(|x| x.id.clone())
                .chain(r.firewalls.iter().map(|f| f.id.clone()))
            {
                out.insert((r.region.clone(), x, None));
            }
        }
        out
    };
    assert_eq!(objects(&back), objects(&live));
    let b = tempfile::tempdir().expect("tempdir");
    save(&back, b.path(), &SaveInfo::default()).expect("saves again");
    assert_eq!(
        files(a.path()),
        files(b.path()),
        "save → open → save: the same files"
    );
}
