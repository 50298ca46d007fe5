use super::*;

fn walk(items: &[TreeItem<'static, NodeId>], depth: usize, seen: &mut usize) {
    for it in items {
        assert_eq!(depth_of(it.identifier()), depth, "{:?}", it.identifier());
        *seen += 1;
        walk(it.children(), depth + 1, seen);
    }
}

/// `depth_of` is the built tree's shape (rows are fitted by it), checked on the
/// demo with every node open; and at 80 columns no row is wider than the pane,
/// its marks kept (issue 18 #4).
#[tokio::test]
async fn rows_fit_the_pane_at_their_depth_and_keep_their_marks() {
    let estate = crate::net::trace::tests::demo().await;
    let loading = BTreeSet::new();
    let mut opened = HashSet::new();
    // Open everything: build, open every path, until nothing new opens.
    loop {
        let input = TreeInput {
            estate: &estate,
            loading: &loading,
            opened: &opened,
            filter: None,
            spinner: "",
            order: &[],
            width: 30,
        };
        let built = build(&input);
        let mut seen = 0;
        walk(&built.items, 0, &mut seen);
        let mut paths = Vec::new();
        fn collect(items: &[TreeItem<'static, NodeId>], path: &NodePath, out: &mut Vec<NodePath>) {
            for it in items {
                let mut p = path.clone();
                p.push(it.identifier().clone());
                if !it.children().is_empty() {
                    out.push(p.clone());
                }
                collect(it.children(), &p, out);
            }
        }
        collect(&built.items, &Vec::new(), &mut paths);
        let before = opened.len();
        opened.extend(paths);
        if opened.len() == before {
            assert!(seen > 20, "the demo opened fully: {seen} rows");
            break;
        }
    }
    let blackhole = fit_route_row(
        Line::from(vec![
            Span::raw(format!("{:<18}", "10.2.0.0/16")),
            Span::styled(format!("{SYM_BAD} blackhole"), bad()),
        ]),
        18,
    );
    assert_eq!(blackhole.to_string(), "10.2.0.0/16 ✗ bla…");
    let table = fit_row(
        Line::from(vec![
            Span::raw("post-inspection"),
            Span::styled(format!("  {SYM_BAD} 1 blackhole  3 routes"), bad()),
        ]),
        22,
    );
    assert!(table.width() <= 22, "{table}");
    assert!(table.to_string().contains("✗ 1"), "{table}");
    assert!(table.to_string().starts_with("post"), "{table}");
    // An attachment: the kind label and the mark stay, the name is cut.
    let att = fit_row(
        Line::from(vec![
            Span::styled(format!("{:<8}", "peering"), dim()),
            Span::raw("use1-to-euw1-with-a-long-name"),
            Span::styled(format!("  {SYM_PENDING} pendingAcceptance"), pending()),
        ]),
        40,
    );
    assert_eq!(att.to_string(), "peering use1-to-euw1-with-a…  ◌ pending…");
}

fn net(s: &str) -> IpNet {
    s.parse().expect("cidr")
}

#[test]
fn findings_keep_their_console_text_and_jump_targets() {
    use crate::model::{Account, Destination, Gap, PeeringSide, RouteTarget, TgwRouteTable};
    let mut r = RegionEstate::new("us-east-1");
    r.tgw_route_tables.push(TgwRouteTable {
        id: "tgw-rtb-1".into(),
        region: "us-east-1".into(),
        tgw_id: "tgw-1".into(),
        name: Some("post-inspection".into()),
        routes: vec![TgwRoute {
            derived: false,
            route_table_id: "tgw-rtb-1".into(),
            region: "us-east-1".into(),
            destination: Destination::Cidr(net("10.2.0.0/16")),
            route_type: crate::model::RouteType::Static,
            state: RouteState::Blackhole,
            targets: vec![RouteTarget {
                attachment_id: "tgw-attach-gone".into(),
                ..RouteTarget::default()
            }],
            prefix_list_id: None,
        }],
        ..TgwRouteTable::default()
    });
    let side = |region: &str, tgw: &str| PeeringSide {
        tgw_id: tgw.into(),
        region: region.into(),
        account_id: "1".into(),
    };
    r.peerings.push(Peering {
        id: "tgw-attach-p".into(),
        region: "us-east-1".into(),
        name: None,
        state: AttachmentState::PendingAcceptance,
        requester: side("us-east-1", "tgw-1"),
        accepter: side("eu-west-1", "tgw-2"),
        ..Peering::default()
    });
    r.attachments.push(TgwAttachment {
        id: "tgw-attach-v".into(),
        region: "us-east-1".into(),
        tgw_id: "tgw-1".into(),
        name: Some("spoke-c".into()),
        state: AttachmentState::Failed,
        ..TgwAttachment::default()
    });
    r.gaps.push(Gap {
        part: "network-firewall".into(),
        error: "access denied".into(),
    });
    let mut estate = Estate {
        account: Some(Account {
            id: "111122223333".into(),
            alias: None,
        }),
        ..Estate::default()
    };
    estate.regions.insert(
        "us-east-1".into(),
        RegionLoad::Loaded {
            estate: Box::new(r),
        },
    );
    let found = findings(&net::Net::new(&estate));
    let texts: Vec<&str> = found.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "✗ blackhole route 10.2.0.0/16 in post-inspection",
            "◌ peering tgw-attach-p us-east-1 → eu-west-1 is pendingAcceptance",
            "◌ attachment spoke-c is failed",
            "✗ network-firewall not read in us-east-1: access denied",
        ]
    );
    assert_eq!(
        found[0].path,
        route_table_path("us-east-1", "tgw-1", "tgw-rtb-1")
    );
    assert_eq!(
        found[1].path.last(),
        Some(&NodeId::Peering("tgw-attach-p".into()))
    );
    assert_eq!(
        found[2].path,
        attachment_path("us-east-1", "tgw-1", "tgw-attach-v")
    );
    assert_eq!(found[3].path.last(), Some(&NodeId::Gap(0)));
    let json = serde_json::to_value(&found[0].finding).expect("json");
    assert_eq!(json["kind"], "blackhole_route");
    assert_eq!(json["severity"], "error");
    assert_eq!(
        json["message"],
        "blackhole route 10.2.0.0/16 in post-inspection"
    );
    assert_eq!(json["objects"][0]["kind"], "tgw_route_table");
    assert!(json["fix"].is_string());
    let node = resolve(
        &estate,
        &route_table_path("us-east-1", "tgw-1", "tgw-rtb-1")[..2],
    );
    assert!(
        node.is_some_and(|n| node_arn(&estate, &n).is_none()),
        "a region has no ARN"
    );
}

#[test]
fn cidr_filter_matches_overlapping_ranges() {
    let f = Filter::new("10.1.0.0/16");
    assert!(
        f.net_matches(&net("0.0.0.0/0")),
        "a default route contains it"
    );
    assert!(f.net_matches(&net("10.1.0.0/16")));
    assert!(f.net_matches(&net("10.1.1.0/24")), "a subnet inside it");
    assert!(f.net_matches(&net("10.0.0.0/8")), "the supernet");
    assert!(!f.net_matches(&net("10.0.0.0/16")));
    assert!(!f.net_matches(&net("10.100.0.0/22")));
}

#[test]
fn address_filter_matches_routes_that_contain_it() {
    let f = Filter::new(" 10.1.2.3 ");
    assert!(f.net_matches(&net("10.1.0.0/16")));
    assert!(f.net_matches(&net("0.0.0.0/0")));
    assert!(!f.net_matches(&net("10.0.0.0/16")));
}

#[test]
fn text_filter_is_case_insensitive_and_not_a_cidr() {
    let f = Filter::new("Spoke-B");
    assert!(f.text_matches(["vpc spoke-b"]));
    assert!(!f.text_matches(["spoke-a"]));
    assert!(!f.net_matches(&net("0.0.0.0/0")));
    assert!(Filter::new("  ").is_empty());
}
