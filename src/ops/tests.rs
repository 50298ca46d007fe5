//! Planning change commands on the demo estate: rows, AWS CLI, checks, inverses, and
//! `peer connect`'s steps worked out from what the estate shows.

use super::connect::{Next, Target, check, next_step};
use super::*;
use crate::command::parse_line;
use crate::net::trace::tests::demo;

const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";

fn cmd(line: &str) -> Command {
    parse_line(line).expect("parses").expect("a command")
}

fn ctx() -> Context {
    Context {
        request_tag: "req-1".into(),
        ..Context::default()
    }
}

#[tokio::test]
async fn a_route_add_plans_one_op_with_its_row_cli_and_inverse() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let p = plan(
        &net,
        &cmd("route add tgw-rtb-0e1a2b3c4d5e6f711 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
        &ctx(),
    )
    .expect("planned");
    assert_eq!(p.ops.len(), 1);
    assert_eq!(p.ops[0].region, "us-east-1");
    assert!(!p.refused(), "{:?}", p.problems);
    assert_eq!(p.rows[0].before, "(none)");
    assert_eq!(p.rows[0].after, "static → tgw-attach-0e1a2b3c4d5e6f722");
    assert_eq!(
        p.cli[0],
        "aws ec2 create-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-0e1a2b3c4d5e6f711 --destination-cidr-block 10.9.0.0/16 --transit-gateway-attachment-id tgw-attach-0e1a2b3c4d5e6f722"
    );
    assert!(p.confirm_id.is_none(), "adding is not destructive");
    assert!(matches!(
        &p.inverse[0].change,
        Change::DeleteTgwRoute { cidr, .. } if cidr.to_string() == "10.9.0.0/16"
    ));
    // The path change is said: the default route sends 10.9.0.0/16 to inspection
    // today; the new route takes it past.
    assert!(
        p.problems.iter().any(|x| x.level == Level::Warning
            && x.message.contains("instead of the inspection point tgw-attach-0e1a2b3c4d5e6f721 (0.0.0.0/0 sends it there now): it skips inspection")),
        "{:?}",
        p.problems
    );
}

#[tokio::test]
async fn destructive_changes_ask_for_the_id_and_remember_the_before_state() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let del = plan(
        &net,
        &cmd("route del tgw-rtb-0e1a2b3c4d5e6f711 0.0.0.0/0"),
        &ctx(),
    )
    .expect("planned");
    assert_eq!(del.confirm_id.as_deref(), Some("tgw-rtb-0e1a2b3c4d5e6f711"));
    assert!(matches!(
        &del.inverse[0].change,
        Change::CreateTgwRoute { target: TgwRouteTarget::Attachment(a), .. }
            if a == "tgw-attach-0e1a2b3c4d5e6f721"
    ));
    let replace = plan(
        &net,
        &cmd("route replace tgw-rtb-0e1a2b3c4d5e6f711 0.0.0.0/0 tgw-attach-0e1a2b3c4d5e6f722"),
        &ctx(),
    )
    .expect("planned");
    assert_eq!(
        replace.confirm_id.as_deref(),
        Some("tgw-rtb-0e1a2b3c4d5e6f711")
    );
    let reject = plan(&net, &cmd(&format!("peer reject {PEERING}")), &ctx()).expect("planned");
    assert_eq!(reject.confirm_id.as_deref(), Some(PEERING));
    assert_eq!(
        reject.ops[0].region, "eu-west-1",
        "answered in the accepter's region"
    );
}

#[tokio::test]
async fn what_aws_would_refuse_is_refused_before_anything_is_sent() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let exists = plan(
        &net,
        &cmd("route add tgw-rtb-0e1a2b3c4d5e6f711 0.0.0.0/0 tgw-attach-0e1a2b3c4d5e6f722"),
        &ctx(),
    )
    .expect("planned");
    assert!(exists.refused());
    assert!(
        exists
            .refusal()
            .is_some_and(|r| r.contains("already has a static route to 0.0.0.0/0"))
    );
    // The line is refused when it is parsed (before any line of a script runs)…
    let line = "route add tgw-rtb-0e1a2b3c4d5e6f711 10.1.0.1/16 tgw-attach-0e1a2b3c4d5e6f722";
    let parse = parse_line(line).expect_err("host bits");
    assert!(parse.bad_argument, "{}", parse.message);
    assert!(
        parse.message.contains("the network is 10.1.0.0/16"),
        "{}",
        parse.message
    );
    // …and by the plan, for a command built another way.
    let built = Command::Route {
        action: crate::command::RouteAction::Add,
        route_table: "tgw-rtb-0e1a2b3c4d5e6f711".into(),
        cidr: "10.1.0.1/16".into(),
        attachment: Some("tgw-attach-0e1a2b3c4d5e6f722".into()),
    };
    let err = plan(&net, &built, &ctx()).expect_err("host bits");
    assert!(err.message.contains("the network is 10.1.0.0/16"), "{err}");
    let err = plan(&net, &cmd("tgws"), &ctx()).expect_err("a read");
    assert!(err.message.contains("not a change command"), "{err}");
}

#[tokio::test]
async fn undo_plans_the_newest_inverse_and_says_when_there_is_none() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let err = plan(&net, &Command::Undo, &ctx()).expect_err("nothing to undo");
    assert!(err.message.contains("nothing to undo"), "{err}");
    let add = plan(
        &net,
        &cmd("route add tgw-rtb-0e1a2b3c4d5e6f711 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
        &ctx(),
    )
    .expect("planned");
    let with_history = Context {
        undo: vec![UndoEntry {
            line: add.line.clone(),
            inverse: add.inverse.clone(),
        }],
        ..ctx()
    };
    let undo = plan(&net, &Command::Undo, &with_history).expect("planned");
    assert_eq!(undo.ops, add.inverse);
    assert!(undo.title.contains("undo `route add"), "{}", undo.title);
}

#[tokio::test]
async fn connect_steps_follow_the_peering_state() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let target = Target::Peering(PEERING.into());
    // pendingAcceptance: accept, in the accepter's region.
    let Next::Apply(d) = next_step(&net, &target, "req").expect("a step") else {
        panic!("accept first");
    };
    assert!(matches!(d.ops[0].change, Change::AcceptPeering { .. }));
    assert_eq!(d.ops[0].region, "eu-west-1");
    // Two TGWs with a live peering between them find it instead of creating one.
    let tgws = Target::Tgws {
        local: "tgw-0e1a2b3c4d5e6f701".into(),
        peer: "tgw-0f9e8d7c6b5a4f301".into(),
    };
    let Next::Apply(d) = next_step(&net, &tgws, "req").expect("a step") else {
        panic!("accept first");
    };
    assert!(matches!(d.ops[0].change, Change::AcceptPeering { .. }));

    // Available: routes on both sides, through inspection on us-east-1.
    let mut available = estate.clone();
    for r in available.regions.values_mut() {
        if let crate::model::RegionLoad::Loaded { estate } = r {
            for p in &mut estate.peerings {
                p.state = crate::model::AttachmentState::Available;
            }
            for a in &mut estate.attachments {
                if a.id == PEERING {
                    a.state = crate::model::AttachmentState::Available;
                }
            }
        }
    }
    let net = Net::new(&available);
    let Next::Apply(d) = next_step(&net, &target, "req").expect("a step") else {
        panic!("routes");
    };
    let summary: Vec<String> = d
        .ops
        .iter()
        .map(|o| format!("{} {}", o.region, o.aws_cli()))
        .collect();
    let has = |needle: &str| summary.iter().any(|s| s.contains(needle));
    // us-east-1: the peering uses the spoke table (to inspection), post-inspection
    // routes the remote CIDR to it, the firewall subnets send it back to the TGW.
    assert!(
        has(
            "associate-transit-gateway-route-table --region us-east-1 --transit-gateway-route-table-id tgw-rtb-0e1a2b3c4d5e6f711"
        ),
        "{summary:#?}"
    );
    assert!(
        has(
            "--transit-gateway-route-table-id tgw-rtb-0e1a2b3c4d5e6f712 --destination-cidr-block 172.16.1.0/24"
        ),
        "{summary:#?}"
    );
    assert!(
        has(
            "create-route --region us-east-1 --route-table-id rtb-0e1a2b3c4d5e6f783 --destination-cidr-block 172.16.1.0/24 --transit-gateway-id tgw-0e1a2b3c4d5e6f701"
        ),
        "{summary:#?}"
    );
    // eu-west-1: no inspection, the table its VPC uses, the spokes' CIDRs.
    assert!(
        has(
            "--region eu-west-1 --transit-gateway-route-table-id tgw-rtb-0f9e8d7c6b5a4f311 --destination-cidr-block 10.0.0.0/16"
        ),
        "{summary:#?}"
    );
    assert!(
        !has("10.100.0.0/22"),
        "the inspection VPC is not a destination: {summary:#?}"
    );
    // Before the routes, the check says the path is not there.
    assert!(!check(&net, &target).ok);
}

#[tokio::test]
async fn a_dead_peering_cannot_be_connected_and_says_how_to_start_again() {
    let mut estate = demo().await;
    for r in estate.regions.values_mut() {
        if let crate::model::RegionLoad::Loaded { estate } = r {
            for p in &mut estate.peerings {
                p.state = crate::model::AttachmentState::Rejected;
            }
        }
    }
    let net = Net::new(&estate);
    let err = next_step(&net, &Target::Peering(PEERING.into()), "req").expect_err("dead");
    assert!(err.message.contains("is rejected"), "{err}");
    assert!(
        err.message
            .contains("peer connect tgw-0e1a2b3c4d5e6f701 tgw-0f9e8d7c6b5a4f301"),
        "{err}"
    );
    // The TGW pair with only a dead peering: a new one is requested.
    let tgws = Target::Tgws {
        local: "tgw-0e1a2b3c4d5e6f701".into(),
        peer: "tgw-0f9e8d7c6b5a4f301".into(),
    };
    let Next::Apply(d) = next_step(&net, &tgws, "req-9").expect("create") else {
        panic!("create");
    };
    assert!(matches!(
        &d.ops[0].change,
        Change::CreatePeering { request_tag, peer_region, .. }
            if request_tag == "req-9" && peer_region == "eu-west-1"
    ));
}

/// On a generated estate of 80 spokes, a change that
/// re-routes every spoke loses each spoke's egress, one line each, and must be
/// accepted.
#[tokio::test]
async fn a_change_that_reroutes_every_spoke_is_compared_probe_by_probe() {
    use std::sync::Arc;
    let sim = Arc::new(
        crate::backend::sim::Simulator::from_scenario(
            crate::backend::sim::generate(80, 0).expect("generated"),
        )
        .expect("simulator"),
    );
    let estate = crate::discovery::discover(
        sim as Arc<dyn crate::backend::Backend>,
        crate::discovery::DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: false,
            concurrency: 1,
        },
    )
    .await;
    let op = ChangeOp::new(
        "us-east-1",
        Change::DeleteTgwRoute {
            route_table_id: "tgw-rtb-00000000000000001".into(),
            cidr: "0.0.0.0/0".parse().expect("cidr"),
        },
    );
    let after = project::project(&estate, std::slice::from_ref(&op));
    let out = impact::impact(&estate, &after.estate, std::slice::from_ref(&op));
    let lost: Vec<&String> = out
        .lines
        .iter()
        .filter(|l| l.text.contains("loses internet egress"))
        .map(|l| &l.text)
        .collect();
    assert_eq!(lost.len(), 80, "{:#?}", out.lines);
    assert!(out.needs_acceptance());
    assert!(out.probes >= 80);
}

/// A TGW route to something that is not an attachment says what the target must be
/// (and which attachment to use), not "use `route blackhole`", which only fits when
/// the operator meant to drop traffic (issue 16).
#[tokio::test]
async fn a_tgw_route_to_a_wrong_kind_of_target_names_the_attachment_to_use() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let spoke = "tgw-rtb-0e1a2b3c4d5e6f711";
    for (target, wants) in [
        // spoke-a's VPC: its attachment to the hub is the target.
        (
            "vpc-0e1a2b3c4d5e6f732",
            &[
                "vpc-0e1a2b3c4d5e6f732 is a VPC",
                "use its attachment tgw-attach-0e1a2b3c4d5e6f722 instead",
                "tgw-0e1a2b3c4d5e6f701",
            ][..],
        ),
        // The hub itself.
        (
            "tgw-0e1a2b3c4d5e6f701",
            &[
                "tgw-0e1a2b3c4d5e6f701 is the transit gateway",
                "tgw-attach-",
            ][..],
        ),
        // The peer TGW: its peering attachment is the way there.
        (
            "tgw-0f9e8d7c6b5a4f301",
            &[
                "tgw-0f9e8d7c6b5a4f301 is a transit gateway",
                "use the peering attachment tgw-attach-0e1a2b3c4d5e6f7a1 instead",
            ][..],
        ),
        (
            "nat-0e1a2b3c4d5e6f7b1",
            &[
                "nat-0e1a2b3c4d5e6f7b1 is a NAT gateway",
                "tgw-0e1a2b3c4d5e6f701",
            ][..],
        ),
    ] {
        let e = plan(
            &net,
            &cmd(&format!("route add {spoke} 10.9.0.0/16 {target}")),
            &ctx(),
        )
        .expect_err("not an attachment");
        assert!(
            e.message
                .contains("the target must be a tgw-attach-… attachment of"),
            "{target}: {e}"
        );
        for want in wants {
            assert!(e.message.contains(want), "{target}: wanted {want:?}: {e}");
        }
        assert!(!e.message.contains("route blackhole"), "{target}: {e}");
    }
    // An attachment of the other region's TGW: named with its TGW and region.
    let p = plan(
        &net,
        &cmd(&format!(
            "route add {spoke} 10.9.0.0/16 tgw-attach-0f9e8d7c6b5a4f321"
        )),
        &ctx(),
    )
    .expect("planned");
    let refusal = p.refusal().expect("refused");
    assert!(
        refusal.contains("tgw-0f9e8d7c6b5a4f301")
            && refusal.contains("eu-west-1")
            && refusal
                .contains("the target must be a tgw-attach-… attachment of tgw-0e1a2b3c4d5e6f701"),
        "{refusal}"
    );
    assert!(!refusal.contains("route blackhole"), "{refusal}");
}
