use std::collections::HashMap;

use super::*;
use crate::model::{
    Destination, Instance, NaclEntry, NetworkAcl, RegionEstate, RegionLoad, RouteState,
    RouteTarget, RouteType, SecurityGroup, SgRule, TgwRoute,
};
use crate::net::trace::tests::demo;
use crate::net::{EstateIndex, FindingKind};

const USE1: &str = "us-east-1";
const EUW1: &str = "eu-west-1";
const SPOKE_TABLE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
const INSPECTION_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f721";
const SPOKE_A_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f722";
const SPOKE_B_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f723";
const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
const SPOKE_A_VPC: &str = "vpc-0e1a2b3c4d5e6f732";
const SPOKE_A_SUBNET: &str = "subnet-0e1a2b3c4d5e6f751";
const POLICY: &str = "egress-policy";
const ALLOW_AMAZON: &str =
    "arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/allow-amazon";

fn cidr(s: &str) -> ipnet::IpNet {
    s.parse().expect("cidr")
}

fn region<'e>(e: &'e mut Estate, name: &str) -> &'e mut RegionEstate {
    match e.regions.get_mut(name) {
        Some(RegionLoad::Loaded { estate }) => estate,
        _ => panic!("{name} not loaded"),
    }
}

fn tgw_table<'e>(e: &'e mut Estate, id: &str) -> &'e mut crate::model::TgwRouteTable {
    region(e, USE1)
        .tgw_route_tables
        .iter_mut()
        .find(|t| t.id == id)
        .expect("table")
}

fn policy(e: &mut Estate) -> &mut crate::model::FirewallPolicy {
    region(e, USE1)
        .firewall_policies
        .iter_mut()
        .find(|p| p.name == POLICY)
        .expect("policy")
}

/// The diff, checked against the same computed with no trace reused (every trace
/// asked again of the after-estate): the "affected" test must never hide a change.
fn check(before: &Estate, after: &Estate) -> EstateDiff {
    let d = diff(before, after);
    let baseline = Baseline::new(before);
    assert_eq!(diff_with(&baseline, before, after), d);
    let uncached = Baseline {
        index: EstateIndex::build(before),
        findings: baseline.findings.clone(),
        traces: HashMap::new(),
        probes: baseline.probes.clone(),
    };
    assert_eq!(
        diff_with(&uncached, before, after),
        d,
        "reusing unaffected traces changes nothing"
    );
    d
}

fn texts(d: &EstateDiff) -> String {
    output(d, "diff".into(), FailOn::Error).to_text()
}

/// The one record of `id` (fails when there are none or several).
fn one<'d>(d: &'d EstateDiff, kind: Kind, id: &str) -> &'d ObjectChange {
    let found: Vec<&ObjectChange> = d
        .changes
        .iter()
        .filter(|c| c.kind == kind && c.id == id)
        .collect();
    assert_eq!(found.len(), 1, "{kind:?} {id}:\n{}", texts(d));
    found[0]
}

fn field_texts(c: &ObjectChange) -> Vec<&str> {
    c.fields.iter().map(|f| f.text.as_str()).collect()
}

fn has_field(c: &ObjectChange, text: &str) {
    assert!(
        c.fields.iter().filter(|f| f.text == text).count() == 1,
        "{text:?} not once in {:#?}",
        field_texts(c)
    );
}

#[tokio::test]
async fn identical_estates_differ_in_nothing() {
    let before = demo().await;
    let d = check(&before, &before.clone());
    assert!(d.is_empty());
    assert!(d.paths.is_empty() && d.findings_new.is_empty() && d.findings_fixed.is_empty());
    let out = output(&d, "diff a".into(), FailOn::Info);
    assert!(!out.failed_check);
    assert!(
        out.to_text().starts_with("no differences"),
        "{}",
        out.to_text()
    );
    assert_eq!(out.json["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn a_route_added_is_one_field_of_its_table() {
    let before = demo().await;
    let mut after = before.clone();
    tgw_table(&mut after, POST).routes.push(TgwRoute {
        derived: false,
        route_table_id: POST.into(),
        region: USE1.into(),
        destination: Destination::Cidr(cidr("10.9.0.0/16")),
        route_type: RouteType::Static,
        state: RouteState::Active,
        targets: vec![RouteTarget {
            attachment_id: SPOKE_B_ATT.into(),
            ..RouteTarget::default()
        }],
        prefix_list_id: None,
    });
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
    let c = one(&d, Kind::TgwRouteTable, POST);
    assert_eq!(c.what, What::Changed);
    assert_eq!(c.name.as_deref(), Some("post-inspection"));
    assert_eq!(
        field_texts(c),
        [format!(
            "route 10.9.0.0/16 added: static → {SPOKE_B_ATT} active"
        )]
    );
    assert_eq!(c.region, USE1);
}

#[tokio::test]
async fn a_route_removed_fixes_its_blackhole() {
    let before = demo().await;
    let mut after = before.clone();
    let routes = &mut tgw_table(&mut after, POST).routes;
    routes.retain(|r| r.destination != Destination::Cidr(cidr("10.2.0.0/16")));
    let d = check(&before, &after);
    let c = one(&d, Kind::TgwRouteTable, POST);
    has_field(
        c,
        "route 10.2.0.0/16 removed (was static → tgw-attach-0e1a2b3c4d5e6f7ff blackhole)",
    );
    assert!(
        d.findings_fixed
            .iter()
            .any(|f| matches!(f.kind, FindingKind::BlackholeRoute { .. })),
        "{}",
        texts(&d)
    );
    assert!(d.findings_new.is_empty(), "{}", texts(&d));
    assert!(
        texts(&d).contains("fixes: blackhole route 10.2.0.0/16 in post-inspection"),
        "{}",
        texts(&d)
    );
    // Nothing new: --fail-on info passes.
    assert!(!output(&d, "diff a".into(), FailOn::Info).failed_check);
}

#[tokio::test]
async fn a_route_turned_blackhole_is_a_new_finding_a_lost_path_and_fails() {
    let before = demo().await;
    let mut after = before.clone();
    for r in &mut tgw_table(&mut after, SPOKE_TABLE).routes {
        if r.destination == Destination::Cidr(cidr("0.0.0.0/0")) {
            r.state = RouteState::Blackhole;
        }
    }
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
    let c = one(&d, Kind::TgwRouteTable, SPOKE_TABLE);
    assert_eq!(
        field_texts(c),
        [format!(
            "route 0.0.0.0/0: static → {INSPECTION_ATT} active → blackhole"
        )]
    );
    let f = &c.fields[0];
    assert_eq!(f.before.as_deref(), Some("active"));
    assert_eq!(f.after.as_deref(), Some("blackhole"));
    let text = texts(&d);
    assert!(
        text.contains("new: blackhole route 0.0.0.0/0 in spoke"),
        "{text}"
    );
    let lost = d
        .paths
        .iter()
        .find(|l| l.text.starts_with("spoke-a loses internet egress"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(lost.tone, Tone::Warning);
    // A blackhole is an error: the default --fail-on fails.
    let out = output(&d, "diff a".into(), FailOn::Error);
    assert!(out.failed_check);
    let json = out.to_json();
    assert_eq!(json["command"], "diff a");
    assert_eq!(json["changes"][0]["kind"], "tgw_route_table");
    assert_eq!(json["changes"][0]["fields"][0]["after"], "blackhole");
    assert_eq!(json["findings_new"][0]["kind"], "blackhole_route");
    assert!(json["paths"].as_array().is_some_and(|p| !p.is_empty()));
    assert!(json["findings_fixed"].is_array());
}

#[tokio::test]
async fn an_association_moved_shows_on_the_attachment_and_both_tables() {
    let before = demo().await;
    let mut after = before.clone();
    let link = {
        let spoke = tgw_table(&mut after, SPOKE_TABLE);
        let i = spoke
            .associations
            .iter()
            .position(|l| l.attachment_id == SPOKE_A_ATT)
            .expect("associated");
        spoke.associations.remove(i)
    };
    tgw_table(&mut after, POST).associations.push(link);
    let att = region(&mut after, USE1)
        .attachments
        .iter_mut()
        .find(|a| a.id == SPOKE_A_ATT)
        .expect("attachment");
    let assoc = att.association.as_mut().expect("association");
    assoc.route_table_id = POST.into();
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 3, "{}", texts(&d));
    let spoke = one(&d, Kind::TgwRouteTable, SPOKE_TABLE);
    assert_eq!(spoke.fields.len(), 1);
    assert!(
        spoke.fields[0]
            .text
            .starts_with(&format!("association {SPOKE_A_ATT} removed (was ")),
        "{}",
        spoke.fields[0].text
    );
    let post = one(&d, Kind::TgwRouteTable, POST);
    assert!(
        post.fields[0]
            .text
            .starts_with(&format!("association {SPOKE_A_ATT} added: ")),
        "{}",
        post.fields[0].text
    );
    let att = one(&d, Kind::TgwAttachment, SPOKE_A_ATT);
    assert_eq!(att.fields.len(), 1, "{:?}", field_texts(att));
    let t = &att.fields[0].text;
    assert!(
        t.starts_with(&format!("association: {SPOKE_TABLE} ("))
            && t.contains(&format!("→ {POST} (")),
        "{t}"
    );
    // post-inspection has no default route: spoke-a's egress is gone.
    assert!(
        d.paths
            .iter()
            .any(|l| l.text.starts_with("spoke-a loses internet egress")),
        "{}",
        texts(&d)
    );
}

#[tokio::test]
async fn a_propagation_removed_is_named() {
    let before = demo().await;
    let mut after = before.clone();
    tgw_table(&mut after, POST)
        .propagations
        .retain(|l| l.attachment_id != SPOKE_B_ATT);
    let d = check(&before, &after);
    let c = one(&d, Kind::TgwRouteTable, POST);
    assert_eq!(c.fields.len(), 1, "{:?}", field_texts(c));
    assert!(
        c.fields[0]
            .text
            .starts_with(&format!("propagation {SPOKE_B_ATT} removed")),
        "{}",
        c.fields[0].text
    );
}

#[tokio::test]
async fn a_peering_state_change_is_one_record_for_both_regions() {
    let before = demo().await;
    let mut after = before.clone();
    for r in [EUW1, USE1] {
        for p in &mut region(&mut after, r).peerings {
            if p.id == PEERING {
                p.state = crate::model::AttachmentState::Available;
            }
        }
    }
    let d = check(&before, &after);
    let c = one(&d, Kind::Peering, PEERING);
    assert_eq!(c.region, EUW1);
    assert_eq!(c.also_in, [USE1]);
    assert_eq!(field_texts(c), ["state: pendingAcceptance → available"]);
    assert!(
        d.findings_fixed
            .iter()
            .any(|f| matches!(f.kind, FindingKind::PeeringNotAvailable { .. })),
        "{}",
        texts(&d)
    );
}

#[tokio::test]
async fn rule_groups_reordered_say_the_new_order() {
    let before = demo().await;
    let mut after = before.clone();
    for r in &mut policy(&mut after).stateful_rule_groups {
        r.priority = r.priority.map(|p| 30 - p);
    }
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
    let c = one(
        &d,
        Kind::FirewallPolicy,
        &policy(&mut after.clone()).id.clone(),
    );
    assert_eq!(c.name.as_deref(), Some(POLICY));
    has_field(
        c,
        "stateful rule group allow-icmp: priority 10 → priority 20",
    );
    has_field(
        c,
        "stateful rule group allow-amazon: priority 20 → priority 10",
    );
    has_field(
        c,
        "stateful evaluation order: allow-icmp, allow-amazon → allow-amazon, allow-icmp",
    );
}

#[tokio::test]
async fn a_rule_group_disabled_loses_egress() {
    let before = demo().await;
    let mut after = before.clone();
    policy(&mut after)
        .disable_group(ALLOW_AMAZON, "allow-amazon")
        .expect("disabled");
    let d = check(&before, &after);
    let id = policy(&mut after).id.clone();
    let c = one(&d, Kind::FirewallPolicy, &id);
    has_field(
        c,
        "stateful rule group allow-amazon disabled (was priority 20)",
    );
    has_field(
        c,
        "stateful evaluation order: allow-icmp, allow-amazon → allow-icmp",
    );
    assert!(
        d.paths
            .iter()
            .any(|l| l.text.starts_with("spoke-a loses internet egress")),
        "{}",
        texts(&d)
    );
}

#[tokio::test]
async fn home_net_left_to_its_default_is_a_field_and_a_finding() {
    let before = demo().await;
    let mut after = before.clone();
    policy(&mut after).policy_variables.remove("HOME_NET");
    let d = check(&before, &after);
    let id = policy(&mut after).id.clone();
    let c = one(&d, Kind::FirewallPolicy, &id);
    assert_eq!(
        field_texts(c),
        [
            "HOME_NET: 10.0.0.0/8 (policy variable) → not set: Network Firewall uses the firewall VPC's CIDR (10.100.0.0/22)"
        ]
    );
    assert!(
        texts(&d).contains("new: ") && !d.findings_new.is_empty(),
        "{}",
        texts(&d)
    );
}

fn with_filters(e: &mut Estate) {
    let r = region(e, USE1);
    r.security_groups.push(SecurityGroup {
        owner_id: None,
        id: "sg-0e1a2b3c4d5e6f7e1".into(),
        region: USE1.into(),
        vpc_id: SPOKE_A_VPC.into(),
        name: Some("workload".into()),
        ingress: vec![],
        egress: vec![SgRule {
            protocol: "-1".into(),
            cidrs: vec![cidr("0.0.0.0/0")],
            ..SgRule::default()
        }],
    });
    let all = |egress| NaclEntry {
        rule_number: 100,
        egress,
        protocol: "-1".into(),
        allow: true,
        cidr: Some(cidr("0.0.0.0/0")),
        from_port: None,
        to_port: None,
    };
    r.network_acls.push(NetworkAcl {
        id: "acl-0e1a2b3c4d5e6f7f1".into(),
        region: USE1.into(),
        vpc_id: SPOKE_A_VPC.into(),
        is_default: true,
        subnet_ids: vec![SPOKE_A_SUBNET.into()],
        entries: vec![all(false), all(true)],
    });
}

#[tokio::test]
async fn a_security_group_rule_added_and_an_acl_entry_changed() {
    let mut before = demo().await;
    with_filters(&mut before);
    let mut after = before.clone();
    let r = region(&mut after, USE1);
    r.security_groups[0].ingress.push(SgRule {
        protocol: "tcp".into(),
        from_port: Some(443),
        to_port: Some(443),
        cidrs: vec![cidr("10.0.0.0/8")],
        ..SgRule::default()
    });
    r.network_acls[0].entries[0].allow = false;
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 2, "{}", texts(&d));
    let sg = one(&d, Kind::SecurityGroup, "sg-0e1a2b3c4d5e6f7e1");
    assert_eq!(
        field_texts(sg),
        ["ingress rule tcp 443 from 10.0.0.0/8 added"]
    );
    // Enter shows its VPC (the tree has no security group node).
    assert_eq!(sg.object.id, SPOKE_A_VPC);
    let acl = one(&d, Kind::NetworkAcl, "acl-0e1a2b3c4d5e6f7f1");
    assert_eq!(
        field_texts(acl),
        ["inbound rule 100: allow all 0.0.0.0/0 → deny all 0.0.0.0/0"]
    );
}

#[tokio::test]
async fn an_instance_added() {
    let before = demo().await;
    let mut after = before.clone();
    region(&mut after, USE1).instances.push(Instance {
        id: "i-0e1a2b3c4d5e6f7d9".into(),
        region: USE1.into(),
        name: Some("spoke-a-batch".into()),
        vpc_id: Some(SPOKE_A_VPC.into()),
        subnet_id: Some(SPOKE_A_SUBNET.into()),
        private_ip: Some("10.0.0.20".parse().expect("ip")),
        state: "running".into(),
        ..Instance::default()
    });
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
    let c = one(&d, Kind::Instance, "i-0e1a2b3c4d5e6f7d9");
    assert_eq!(c.what, What::Added);
    assert_eq!(
        c.summary.as_deref(),
        Some("10.0.0.20 in subnet-0e1a2b3c4d5e6f751, running")
    );
    assert!(c.fields.is_empty());
    // And the other way round it is removed.
    let d = check(&after, &before);
    assert_eq!(
        one(&d, Kind::Instance, "i-0e1a2b3c4d5e6f7d9").what,
        What::Removed
    );
}

#[tokio::test]
async fn many_changes_each_appear_once_grouped_by_region() {
    let before = demo().await;
    let mut after = before.clone();
    for r in &mut tgw_table(&mut after, SPOKE_TABLE).routes {
        r.state = RouteState::Blackhole;
    }
    tgw_table(&mut after, POST)
        .propagations
        .retain(|l| l.attachment_id != SPOKE_B_ATT);
    for r in [EUW1, USE1] {
        for p in &mut region(&mut after, r).peerings {
            p.state = crate::model::AttachmentState::Available;
        }
    }
    region(&mut after, EUW1).vpcs[0]
        .cidr_blocks
        .push(cidr("172.16.2.0/24"));
    let d = check(&before, &after);
    let keys: Vec<(&str, Kind, &str)> = d
        .changes
        .iter()
        .map(|c| (c.region.as_str(), c.kind, c.id.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (EUW1, Kind::Peering, PEERING),
            (EUW1, Kind::Vpc, "vpc-0f9e8d7c6b5a4f331"),
            (USE1, Kind::TgwRouteTable, SPOKE_TABLE),
            (USE1, Kind::TgwRouteTable, POST),
        ]
    );
    let out = output(&d, "diff a b".into(), FailOn::Error);
    let titles: Vec<&str> = out
        .sections
        .iter()
        .filter_map(|s| s.title.as_deref())
        .collect();
    assert!(
        titles[0].starts_with("eu-west-1: 2 object(s)"),
        "{titles:?}"
    );
    assert!(
        titles[1].starts_with("us-east-1: 2 object(s)"),
        "{titles:?}"
    );
    assert!(titles[2].starts_with("paths: "), "{titles:?}");
    assert!(titles[3].starts_with("findings: "), "{titles:?}");
    let text = out.to_text();
    assert!(text.contains("CIDR 172.16.2.0/24 added"), "{text}");
    assert!(text.contains("(the same in us-east-1)"), "{text}");
}

#[tokio::test]
async fn a_region_loaded_on_one_side_only_is_one_record() {
    let before = demo().await;
    let mut after = before.clone();
    after.regions.insert(
        EUW1.into(),
        RegionLoad::Failed {
            error: crate::error::BackendError::new(
                crate::error::ErrorKind::AccessDenied,
                "not authorized",
            ),
        },
    );
    let d = check(&before, &after);
    let c = one(&d, Kind::Region, EUW1);
    assert_eq!(c.what, What::Changed);
    assert!(
        c.fields[0].text.contains("failed: not authorized"),
        "{}",
        c.fields[0].text
    );
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
}

#[tokio::test]
async fn the_diff_command_compares_saved_snapshots_and_the_loaded_estate() {
    let estate = demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let monday = dir.path().join("monday");
    crate::snapshot::save(&estate, &monday, &crate::snapshot::SaveInfo::default()).expect("saves");
    // The loaded estate loses post-inspection's blackhole route since Monday.
    let mut now = estate.clone();
    if let Some(crate::model::RegionLoad::Loaded { estate: r }) = now.regions.get_mut("us-east-1") {
        let t = r
            .tgw_route_tables
            .iter_mut()
            .find(|t| t.id == "tgw-rtb-0e1a2b3c4d5e6f712")
            .expect("post-inspection");
        t.routes
            .retain(|x| x.destination.to_string() != "10.2.0.0/16");
    }
    let line = format!("diff {} --fail-on warning", monday.display());
    let cmd = crate::command::parse_line(&line)
        .expect("parses")
        .expect("a command");
    assert!(!cmd.is_change() && !cmd.is_probe());
    let out = crate::query::run(&now, &cmd).expect("runs");
    let text = out.to_text();
    assert!(text.contains("route 10.2.0.0/16 removed"), "{text}");
    assert!(
        text.contains("fixes: blackhole route 10.2.0.0/16"),
        "{text}"
    );
    assert!(!out.failed_check, "a fix is no new finding");
    // Two snapshots: the same one twice is no difference.
    let cmd =
        crate::command::parse_line(&format!("diff {} {}", monday.display(), monday.display()))
            .expect("parses")
            .expect("a command");
    let out = crate::query::run(&now, &cmd).expect("runs");
    assert!(
        out.to_text().contains("no differences"),
        "{}",
        out.to_text()
    );
    // A folder with no capture is refused, naming it.
    let cmd = crate::command::parse_line(&format!("diff {}", dir.path().join("nothing").display()))
        .expect("parses")
        .expect("a command");
    let err = crate::query::run(&now, &cmd).expect_err("no snapshot there");
    assert_eq!(err.kind, ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_prefix_list_entry_added() {
    let mut before = demo().await;
    region(&mut before, USE1)
        .prefix_lists
        .push(crate::model::PrefixList {
            id: "pl-0onprem".into(),
            name: Some("onprem".into()),
            entries: Some(vec![cidr("198.51.100.0/24")]),
            ..crate::model::PrefixList::default()
        });
    let mut after = before.clone();
    region(&mut after, USE1).prefix_lists[0]
        .entries
        .as_mut()
        .expect("entries")
        .push(cidr("192.0.2.0/24"));
    let d = check(&before, &after);
    assert_eq!(d.changes.len(), 1, "{}", texts(&d));
    let pl = one(&d, Kind::PrefixList, "pl-0onprem");
    assert_eq!(field_texts(pl), ["entry 192.0.2.0/24 added"]);
}
