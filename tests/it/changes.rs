//! Changing the network from `--batch` on the simulator: plan → preview → (with
//! `--yes`) apply → verify → audit log; `peer connect` from every state, resumed after
//! faults mid-flow; read-only; dry runs; undo.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use netops::backend::Backend;
use netops::backend::sim::{Faults, Simulator};
use netops::batch::{BatchOptions, ChangeOptions, ChangerHandle, exit, run_script};
use netops::cli::OutputFormat;
use netops::discovery::DiscoveryPlan;
use netops::model::AttachmentState;
use serde_json::Value;

use super::support::Run;

const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
const HUB_USE1: &str = "tgw-0e1a2b3c4d5e6f701";
const HUB_EUW1: &str = "tgw-0f9e8d7c6b5a4f301";
const SPOKE_RTB: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
const SPOKE_A_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f722";

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

/// Runs a script in process on `sim` (instant clock: AWS's transitions are done at
/// the next read), logging to `log`.
async fn batch(
    sim: &Arc<Simulator>,
    script: &str,
    output: OutputFormat,
    log: &Path,
    set: impl FnOnce(&mut ChangeOptions),
) -> Run {
    let mut changes = ChangeOptions {
        changer: ChangerHandle(sim.changer()),
        yes: true,
        audit: netops::ops::log::Audit::open(Some(log)),
        profile: "demo".into(),
        ..ChangeOptions::default()
    };
    set(&mut changes);
    let opts = BatchOptions {
        output,
        keep_going: false,
        progress: false,
        changes,
        stop: netops::batch::Stop::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let backend: Arc<dyn Backend> = Arc::clone(sim) as Arc<dyn Backend>;
    let code = run_script(script, backend, plan(), &opts, &mut out, &mut err).await;
    Run {
        code,
        stdout: String::from_utf8(out).expect("utf-8"),
        stderr: String::from_utf8(err).expect("utf-8"),
    }
}

fn demo() -> Arc<Simulator> {
    Arc::new(Simulator::demo().expect("demo"))
}

/// The changes in the audit log, one each (its intent, answer and settled lines
/// folded into one, the newest result winning).
fn log_lines(path: &Path) -> Vec<Value> {
    let (changes, bad) = netops::ops::log::read(path, None).expect("audit log readable");
    assert_eq!(bad, 0, "every audit line is JSON");
    changes
        .iter()
        .map(|c| serde_json::to_value(c).expect("json"))
        .collect()
}

fn live_peerings(sim: &Simulator) -> Vec<(String, AttachmentState)> {
    let snapshot = sim.snapshot();
    let mut out: Vec<(String, AttachmentState)> = snapshot
        .values()
        .flat_map(|r| r.peerings.iter())
        .filter(|p| {
            !matches!(
                p.state,
                AttachmentState::Deleted | AttachmentState::Deleting | AttachmentState::Rejected
            )
        })
        .map(|p| (p.id.clone(), p.state.clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    (dir, log)
}

/// The "done when", in process: one `peer connect` takes the pending
/// peering to available with routes on both sides, and spoke-a's ping to the
/// eu-west-1 instance is delivered through the firewall, symmetric.
#[tokio::test]
async fn peer_connect_takes_the_pending_peering_to_routes_both_ways() {
    let sim = demo();
    let (_dir, log) = tmp();
    let script = format!(
        "peer connect {PEERING}\ntrace i-0e1a2b3c4d5e6f7d1 172.16.1.10 --proto icmp\npeer connect {PEERING}\n"
    );
    let r = batch(&sim, &script, OutputFormat::Json, &log, |_| {}).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    let connected: Vec<&Value> = docs.iter().filter(|d| d["connected"] == true).collect();
    assert_eq!(connected.len(), 2, "{r:?}");
    assert_eq!(connected[0]["changed"], true);
    // The demo's firewall policy drops eu-west-1 → spoke-a: said as a policy drop,
    // never under a ✓ (issue 18 #7).
    assert_eq!(connected[0]["policy_drop"], true, "{}", connected[0]);
    let checks: Vec<&str> = connected[0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        checks
            .iter()
            .any(|c| c.starts_with("⚠ routing ✓ both ways; the firewall policy drops")),
        "{checks:?}"
    );
    assert!(
        checks.iter().any(|c| c.starts_with("✓ trace")),
        "{checks:?}"
    );
    assert_eq!(
        connected[1]["changed"], false,
        "a second run changes nothing"
    );
    let trace = docs
        .iter()
        .find(|d| {
            d["command"]
                .as_str()
                .is_some_and(|c| c.starts_with("trace"))
        })
        .expect("trace doc");
    assert_eq!(trace["verdict"]["result"], "delivered", "{trace}");
    assert_eq!(trace["symmetric"], true, "{trace}");
    assert!(
        trace["firewalls"].as_array().is_some_and(|f| !f.is_empty()),
        "through the firewall: {trace}"
    );
    // Routes both sides, as AWS (the simulator) now says.
    let snapshot = sim.snapshot();
    let route_to_peering = |region: &str, rtb: &str, cidr: &str| {
        snapshot[region]
            .tgw_route_tables
            .iter()
            .find(|t| t.id == rtb)
            .and_then(|t| {
                t.routes.iter().find(|r| {
                    r.destination.to_string() == cidr
                        && r.targets.iter().any(|x| x.attachment_id == PEERING)
                })
            })
            .map(|r| r.state.to_string())
    };
    assert_eq!(
        route_to_peering("us-east-1", "tgw-rtb-0e1a2b3c4d5e6f712", "172.16.1.0/24").as_deref(),
        Some("active")
    );
    assert_eq!(
        route_to_peering("eu-west-1", "tgw-rtb-0f9e8d7c6b5a4f311", "10.0.0.0/16").as_deref(),
        Some("active")
    );
    assert_eq!(
        live_peerings(&sim),
        vec![(PEERING.to_string(), AttachmentState::Available)]
    );
    // One audit line per applied change: accept + 2 associations + 5 routes.
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 8, "{lines:#?}");
    assert!(lines.iter().all(|l| {
        l["result"]
            .as_str()
            .is_some_and(|r| r.starts_with("verified"))
    }));
    assert_eq!(lines[0]["action"], "AcceptTransitGatewayPeeringAttachment");
    assert_eq!(
        lines[0]["region"], "eu-west-1",
        "accepted in the accepter's region"
    );
    assert_eq!(lines[0]["profile"], "demo");
    assert!(lines[0]["request_ids"][0].as_str().is_some());
}

/// Without `--yes` the plan is printed, nothing changes, exit 0.
#[tokio::test]
async fn without_yes_a_change_is_only_previewed() {
    let sim = demo();
    let (_dir, log) = tmp();
    let before = sim.snapshot();
    let r = batch(
        &sim,
        &format!("route add {SPOKE_RTB} 10.9.0.0/16 {SPOKE_A_ATT}\npeer connect {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |o| o.yes = false,
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(
        r.stdout.contains("plan: add a route to 10.9.0.0/16"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(
            "aws ec2 create-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-0e1a2b3c4d5e6f711 --destination-cidr-block 10.9.0.0/16"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("not applied"), "{r:?}");
    assert!(r.stdout.contains("plan: accept the peering"), "{r:?}");
    assert_eq!(sim.snapshot(), before, "nothing changed");
    assert!(log_lines(&log).is_empty());
}

/// Read-only refuses every change command before planning (exit 1), reads still work.
#[tokio::test]
async fn read_only_refuses_every_change_command() {
    let sim = demo();
    sim.set_read_only(true);
    let (_dir, log) = tmp();
    for line in [
        format!("route add {SPOKE_RTB} 10.9.0.0/16 {SPOKE_A_ATT}"),
        format!("route blackhole {SPOKE_RTB} 10.9.0.0/16"),
        format!("route replace {SPOKE_RTB} 0.0.0.0/0 {SPOKE_A_ATT}"),
        format!("route del {SPOKE_RTB} 0.0.0.0/0"),
        format!("assoc {SPOKE_RTB} {PEERING}"),
        format!("disassoc {SPOKE_RTB} {SPOKE_A_ATT}"),
        format!("prop on {SPOKE_RTB} {SPOKE_A_ATT}"),
        format!("prop off {SPOKE_RTB} {SPOKE_A_ATT}"),
        "vpc-route add rtb-0e1a2b3c4d5e6f787 10.9.0.0/16 tgw-0e1a2b3c4d5e6f701".into(),
        "vpc-route replace rtb-0e1a2b3c4d5e6f787 0.0.0.0/0 tgw-0e1a2b3c4d5e6f701".into(),
        "vpc-route del rtb-0e1a2b3c4d5e6f787 0.0.0.0/0".into(),
        format!("attach accept {SPOKE_A_ATT}"),
        format!("attach reject {SPOKE_A_ATT}"),
        format!("peer create {HUB_USE1} {HUB_EUW1}"),
        format!("peer accept {PEERING}"),
        format!("peer reject {PEERING}"),
        format!("peer delete {PEERING}"),
        format!("peer connect {PEERING}"),
        "undo".into(),
    ] {
        let r = batch(
            &sim,
            &format!("{line}\ntgws\n"),
            OutputFormat::Text,
            &log,
            |o| {
                o.read_only = true;
                o.changer = ChangerHandle(None);
            },
        )
        .await;
        assert_eq!(r.code, exit::COMMAND_FAILED, "{line}: {r:?}");
        assert!(r.stderr.contains("read-only"), "{line}: {r:?}");
        assert!(r.stderr.contains("nothing was sent"), "{line}: {r:?}");
        assert!(!r.stdout.contains("hub-use1"), "stopped at the refusal");
    }
    let r = batch(&sim, "tgws\npeerings\n", OutputFormat::Text, &log, |o| {
        o.read_only = true;
    })
    .await;
    assert_eq!(r.code, exit::OK, "reads work read-only: {r:?}");
    assert!(log_lines(&log).is_empty());
}

/// `--dry-run` asks AWS (the simulator validates) and changes nothing.
#[tokio::test]
async fn dry_run_reports_the_verdict_and_changes_nothing() {
    let sim = demo();
    let (_dir, log) = tmp();
    let before = sim.snapshot();
    let r = batch(
        &sim,
        &format!("route add {SPOKE_RTB} 10.9.0.0/16 {SPOKE_A_ATT}\n"),
        OutputFormat::Json,
        &log,
        |o| {
            o.yes = false;
            o.dry_run = true;
        },
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    assert!(
        docs[0]["plan"]["aws_cli"][0]
            .as_str()
            .is_some_and(|c| c.ends_with("--dry-run")),
        "{r:?}"
    );
    assert_eq!(docs[1]["dry_run"], true);
    assert!(
        docs[1]["summary"][0]
            .as_str()
            .is_some_and(|s| s.contains("dry run: AWS would allow it")),
        "{r:?}"
    );
    assert_eq!(sim.snapshot(), before);
    assert!(log_lines(&log).is_empty(), "a dry run is not a change");
    // A dry run AWS would refuse says why.
    let r = batch(
        &sim,
        &format!("route add {SPOKE_RTB} 0.0.0.0/0 {SPOKE_A_ATT}\n"),
        OutputFormat::Text,
        &log,
        |o| o.dry_run = true,
    )
    .await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("already has a static route"), "{r:?}");
}

/// Bad input names what is wrong and sends nothing.
#[tokio::test]
async fn bad_input_is_named_and_nothing_is_sent() {
    let sim = demo();
    let (_dir, log) = tmp();
    let before = sim.snapshot();
    for (line, says) in [
        (
            format!("route add {SPOKE_RTB} 10.1.0.1/16 {SPOKE_A_ATT}"),
            "has host bits set: the network is 10.1.0.0/16",
        ),
        (
            format!("route add tgw-rtb-nope 10.9.0.0/16 {SPOKE_A_ATT}"),
            "tgw-rtb-nope not found",
        ),
        (
            format!("route add {SPOKE_RTB} 10.9.0.0/16 tgw-attach-0f9e8d7c6b5a4f321"),
            "tgw-attach-0f9e8d7c6b5a4f321 is an attachment of tgw-0f9e8d7c6b5a4f301 in eu-west-1",
        ),
        (
            format!("route add {SPOKE_RTB} 0.0.0.0/0 {SPOKE_A_ATT}"),
            "already has a static route to 0.0.0.0/0",
        ),
        (
            format!("route add {SPOKE_RTB} 10.9.0.0/16"),
            "need the target attachment",
        ),
        (
            "vpc-route add rtb-0e1a2b3c4d5e6f787 10.9.0.0/16 tgw-attach-1".into(),
            "is not a VPC route target",
        ),
        (format!("attach accept {SPOKE_A_ATT}"), "pendingAcceptance"),
        (format!("peer accept {PEERING}x"), "not found"),
    ] {
        let r = batch(&sim, &format!("{line}\n"), OutputFormat::Text, &log, |_| {}).await;
        // A CIDR that can never be right is refused before any line runs (exit 2);
        // what the estate refuses is found when the line is planned (exit 1).
        let code = if line.contains("10.1.0.1/16") {
            exit::USAGE
        } else {
            exit::COMMAND_FAILED
        };
        assert_eq!(r.code, code, "{line}: {r:?}");
        assert!(r.stderr.contains(says), "{line}: wanted {says:?}: {r:?}");
    }
    assert_eq!(sim.snapshot(), before);
    assert!(log_lines(&log).is_empty());
}

/// A VPC route to a target AWS refuses (another VPC's NAT gateway, internet gateway
/// or firewall endpoint; a peering or interface that does not exist) is refused
/// before anything is sent (issue 16): exit 1, nothing changed, nothing logged.
#[tokio::test]
async fn vpc_routes_to_targets_aws_refuses_are_never_sent() {
    let sim = demo();
    let (_dir, log) = tmp();
    let before = sim.snapshot();
    for (target, says) in [
        ("nat-0e1a2b3c4d5e6f7b1", "vpc-0e1a2b3c4d5e6f731"),
        ("igw-0e1a2b3c4d5e6f7c2", "vpc-0e1a2b3c4d5e6f733"),
        ("vpce-0e1a2b3c4d5e6f791", "vpc-0e1a2b3c4d5e6f731"),
        (
            "pcx-0e1a2b3c4d5e6f7e1",
            "InvalidVpcPeeringConnectionID.NotFound",
        ),
        (
            "eni-0e1a2b3c4d5e6f7e2",
            "InvalidNetworkInterfaceID.NotFound",
        ),
    ] {
        for line in [
            format!("vpc-route add rtb-0e1a2b3c4d5e6f787 192.168.0.0/16 {target}"),
            format!("vpc-route replace rtb-0e1a2b3c4d5e6f787 0.0.0.0/0 {target}"),
        ] {
            let r = batch(&sim, &format!("{line}\n"), OutputFormat::Text, &log, |_| {}).await;
            assert_eq!(r.code, exit::COMMAND_FAILED, "{line}: {r:?}");
            assert!(
                r.stderr.contains("refused, nothing was sent") && r.stderr.contains(says),
                "{line}: {r:?}"
            );
            assert!(!r.stdout.contains("applied:"), "{line}: {r:?}");
        }
    }
    assert_eq!(sim.snapshot(), before);
    assert!(log_lines(&log).is_empty());
}

/// Route changes, then undo re-applies the before-state through the same pipeline.
#[tokio::test]
async fn route_changes_apply_verify_log_and_undo() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!(
            "route add {SPOKE_RTB} 10.9.0.0/16 {SPOKE_A_ATT}\nroute blackhole {SPOKE_RTB} 10.9.0.0/16\nundo\nroutes {SPOKE_RTB}\nundo\nroutes {SPOKE_RTB}\naudit-log --last 2\n"
        ),
        OutputFormat::Json,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    let routes: Vec<&Value> = docs
        .iter()
        .filter(|d| {
            d["command"]
                .as_str()
                .is_some_and(|c| c.starts_with("routes"))
        })
        .collect();
    let dest = |doc: &Value, cidr: &str| {
        doc["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|r| r["destination"]["cidr"] == cidr)
                .cloned()
        })
    };
    let after_first_undo = dest(routes[0], "10.9.0.0/16").expect("route back");
    assert_eq!(after_first_undo["state"], "active", "{after_first_undo}");
    assert!(
        dest(routes[1], "10.9.0.0/16").is_none(),
        "second undo removed the route"
    );
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 4, "add, blackhole, 2 undos: {lines:#?}");
    assert_eq!(lines[1]["action"], "ReplaceTransitGatewayRoute");
    assert_eq!(lines[2]["command"], "undo");
    let shown = docs.last().expect("audit-log doc");
    assert_eq!(shown["items"].as_array().map(Vec::len), Some(2));
}

/// A fault mid-flow: the routes step is throttled after the accept went through;
/// the run says exactly what was applied; a second run resumes and finishes.
#[tokio::test]
async fn peer_connect_resumes_after_throttling_mid_flow() {
    let sim = demo();
    let (_dir, log) = tmp();
    sim.set_faults(Faults {
        throttled_actions: vec!["CreateTransitGatewayRoute".into()],
        ..Faults::default()
    });
    let r = batch(
        &sim,
        &format!("peer connect {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stdout.contains("partially applied: 1 of 7"), "{r:?}");
    assert!(r.stdout.contains("CreateRoute: not sent"), "{r:?}");
    // A throttled change is a result, never listed as "applied" (issue 16, item 12).
    assert!(!r.stdout.contains("applied:\n"), "{r:?}");
    assert!(r.stderr.contains("run `peer connect"), "{r:?}");
    let applied = log_lines(&log).len();
    assert_eq!(
        applied,
        3,
        "accept, association, the throttled route: {:#?}",
        log_lines(&log)
    );
    sim.set_faults(Faults::default());
    let r = batch(
        &sim,
        &format!("peer connect {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("connected:"), "{r:?}");
    assert!(
        !r.stdout
            .contains(&format!("us-east-1  {PEERING} association")),
        "the association made before the fault is not proposed again: {r:?}"
    );
}

/// A create whose answer is lost: the peering is found by its request tag, never
/// created twice, and the flow carries on to available with routes.
#[tokio::test]
async fn a_lost_create_answer_is_found_by_its_tag_not_retried() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!("peer delete {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(live_peerings(&sim).is_empty());
    sim.set_faults(Faults {
        timeout_after_apply: vec!["CreateTransitGatewayPeeringAttachment".into()],
        ..Faults::default()
    });
    let r = batch(
        &sim,
        &format!("peer connect {HUB_USE1} {HUB_EUW1}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("the answer was lost"), "{r:?}");
    assert!(
        r.stdout.contains("the re-read shows it: found tgw-attach-"),
        "{r:?}"
    );
    assert!(r.stdout.contains("connected:"), "{r:?}");
    let live = live_peerings(&sim);
    assert_eq!(live.len(), 1, "exactly one peering: {live:?}");
    assert_eq!(live[0].1, AttachmentState::Available);
}

/// 100 route adds in one script: each planned, applied once, verified, logged.
#[tokio::test]
async fn a_hundred_route_adds_in_one_script() {
    let sim = demo();
    let (_dir, log) = tmp();
    let script: String = (0..100)
        .map(|i| {
            format!(
                "route add {SPOKE_RTB} 10.{}.{}.0/24 {SPOKE_A_ATT}\n",
                200 + i / 100,
                i % 100
            )
        })
        .collect();
    let r = batch(&sim, &script, OutputFormat::Json, &log, |_| {}).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(log_lines(&log).len(), 100);
    let table = sim.snapshot()["us-east-1"]
        .tgw_route_tables
        .iter()
        .find(|t| t.id == SPOKE_RTB)
        .map(|t| t.routes.len())
        .expect("table");
    assert_eq!(table, 101);
}

/// The binary: `--read-only` refuses with exit 1; `--yes` applies and the audit log
/// beside `--log-file` gets one line per change; `audit-log` shows it.
#[test]
fn the_binary_applies_with_yes_and_logs_in_its_own_audit_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str], script: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_netops"));
        super::support::isolate(&mut cmd, dir.path());
        cmd.args(["--demo", "--batch", "-", "--log-file"])
            .arg(dir.path().join("netops.log"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn netops");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(script.as_bytes()).expect("script");
        }
        let out = child.wait_with_output().expect("netops ran");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let add = format!("route add {SPOKE_RTB} 10.9.0.0/16 {SPOKE_A_ATT}\n");
    let (code, _, err) = run(&["--read-only", "--yes"], &add);
    assert_eq!(code, exit::COMMAND_FAILED, "{err}");
    assert!(err.contains("read-only"), "{err}");
    // `read_only = true` for the profile in the config refuses the same way.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[profiles.demo]\nread_only = true\n").expect("config");
    let config_arg = config.to_string_lossy().to_string();
    let (code, _, err) = run(&["--config", &config_arg, "--yes"], &add);
    assert_eq!(code, exit::COMMAND_FAILED, "{err}");
    assert!(err.contains("read-only"), "{err}");
    let (code, out, err) = run(&[], &add);
    assert_eq!(code, exit::OK, "{err}");
    assert!(out.contains("not applied"), "{out}");
    let (code, out, err) = run(&["--yes"], &format!("{add}audit-log\n"));
    assert_eq!(code, exit::OK, "{out}{err}");
    assert!(
        out.contains("verified: 10.9.0.0/16 → tgw-attach-0e1a2b3c4d5e6f722 (active)"),
        "{out}"
    );
    // Not beside the debug log: its own file in the state directory, simulated
    // changes apart from real ones.
    assert!(!dir.path().join("audit.jsonl").exists());
    let path = dir
        .path()
        .join(".local/state/netops")
        .join(netops::ops::log::SIMULATED_FILE_NAME);
    let audit = std::fs::read_to_string(&path).expect("audit log in the state dir");
    let (changes, _) = netops::ops::log::read(&path, None).expect("read");
    assert_eq!(changes.len(), 1, "{audit}");
    assert_eq!(changes[0].applied, Some(true), "{audit}");
    // An intent line before the call, an answer after, the re-read's verdict.
    assert_eq!(audit.lines().count(), 3, "{audit}");
    assert!(out.contains("CreateTransitGatewayRoute"), "{out}");
    assert!(!audit.to_lowercase().contains("secret"), "{audit}");
}

/// A plain `peer create` whose answer is lost: the re-read finds it by its tag and
/// says so; nothing is sent again, and the audit log has the one create.
#[tokio::test]
async fn peer_create_with_a_lost_answer_is_found_not_repeated() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!("peer delete {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    sim.set_faults(Faults {
        timeout_after_apply: vec!["CreateTransitGatewayPeeringAttachment".into()],
        ..Faults::default()
    });
    let r = batch(
        &sim,
        &format!("peer create {HUB_USE1} {HUB_EUW1}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("the answer was lost"), "{r:?}");
    assert!(
        r.stdout.contains("the re-read shows it: found tgw-attach-"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("tagged netops:request-id=netops-"),
        "{r:?}"
    );
    assert_eq!(live_peerings(&sim).len(), 1);
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 2, "the delete and the one create: {lines:#?}");
}

/// Issue 17's stale preview: after the accept, both sides of the peering are
/// re-read before the routing step is planned, so its preview never speaks of the
/// peering as still pendingAcceptance (the simulator's instant clock makes the
/// accepted peering available at once, as moto does).
#[tokio::test]
async fn peer_connect_plans_the_routes_on_both_sides_as_they_are_after_the_accept() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!("peer connect {PEERING}\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let routes_step = r
        .stdout
        .split("plan: route ")
        .nth(1)
        .expect("a routing step");
    for stale in [
        "is pendingAcceptance",
        "blackhole until it is available",
        "AWS would refuse",
        "new: blackhole route",
    ] {
        assert!(!routes_step.contains(stale), "{stale}: {routes_step}");
    }
}

/// The change kind added to show what a new kind touches (issue 17): `attach options
/// --appliance-mode` is previewed, applied once, verified from the re-read, logged,
/// and undone; what AWS refuses (a peering attachment) and what changes nothing are
/// refused before anything is sent; the words are checked at parse.
#[tokio::test]
async fn attach_options_sets_appliance_mode_verifies_logs_and_undoes() {
    let sim = demo();
    let (_dir, log) = tmp();
    let mode = |sim: &Simulator| {
        sim.snapshot()["us-east-1"]
            .attachments
            .iter()
            .find(|a| a.id == SPOKE_A_ATT)
            .and_then(|a| a.appliance_mode)
    };
    assert_eq!(mode(&sim), Some(false));
    let r = batch(
        &sim,
        &format!("attach options {SPOKE_A_ATT} --appliance-mode on\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("appliance mode off"), "{}", r.stdout);
    assert!(
        r.stdout.contains("modify-transit-gateway-vpc-attachment")
            && r.stdout.contains("ApplianceModeSupport=enable"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("has appliance mode on"),
        "verified: {}",
        r.stdout
    );
    assert_eq!(mode(&sim), Some(true));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["action"], "ModifyTransitGatewayVpcAttachment");

    // Nothing to change, a peering attachment, and bad words: refused, nothing sent.
    let sent = sim.applied_changes().len();
    for (script, says) in [
        (
            format!("attach options {SPOKE_A_ATT} --appliance-mode on\n"),
            "nothing to change",
        ),
        (
            "attach options tgw-attach-0e1a2b3c4d5e6f7a1 --appliance-mode on\n".to_string(),
            "appliance mode is an option of VPC attachments",
        ),
        (
            format!("attach options {SPOKE_A_ATT}\n"),
            "needs an option to set",
        ),
        (
            format!("attach accept {SPOKE_A_ATT} --appliance-mode on\n"),
            "goes with `attach options`",
        ),
    ] {
        let r = batch(&sim, &script, OutputFormat::Text, &log, |_| {}).await;
        assert_ne!(r.code, exit::OK, "{script}: {r:?}");
        assert!(
            r.stdout.contains(says) || r.stderr.contains(says),
            "{script}: {r:?}"
        );
    }
    assert_eq!(sim.applied_changes().len(), sent, "nothing was sent");

    // Undo reverses a change of its own run.
    let r = batch(
        &sim,
        &format!("attach options {SPOKE_A_ATT} --appliance-mode off\nundo\n"),
        OutputFormat::Text,
        &log,
        |_| {},
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(mode(&sim), Some(true), "undo put it back");
    assert_eq!(
        log_lines(&log).len(),
        3,
        "the change, its opposite and the undo"
    );
}
