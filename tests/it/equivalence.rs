//! One change semantics, two front ends (issue 17): the same change scripts run
//! through `--batch` and through the console (keys in the test harness) leave the
//! same audit-log lines (times, processes and run ids aside) and the same estate.
//! A behaviour that differs between the console and batch is a bug.

use std::path::Path;
use std::sync::Arc;

use netops::backend::sim::{Faults, Simulator};
use netops::backend::{Backend, Changer};
use netops::batch::{BatchOptions, ChangeOptions, ChangerHandle, run_script};
use netops::cli::OutputFormat;
use netops::discovery::DiscoveryPlan;
use netops::ops::log;
use netops::tui::harness::Harness;
use netops::tui::modal::Modal;
use netops::tui::state::Msg;

const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
const SPOKE_RTB: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
const POST_RTB: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
const SPOKE_A_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f722";
const SPOKE_B_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f723";
const HUB_USE1: &str = "tgw-0e1a2b3c4d5e6f701";
const HUB_EUW1: &str = "tgw-0f9e8d7c6b5a4f301";

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

/// What an audit line says, without what differs between two runs by nature: the
/// time, the process, the run and its task ids, the profile label.
fn comparable(path: &Path) -> Vec<serde_json::Value> {
    let (lines, bad) = log::read_lines(path).expect("audit log");
    assert_eq!(bad, 0);
    lines
        .into_iter()
        .map(|mut l| {
            // A peering create's request tag is unique to its run by design.
            if let Some(change) = l.change.as_object_mut()
                && let Some(serde_json::Value::String(tag)) = change.remove("request_tag")
            {
                l.result = l.result.replace(&tag, "<request tag>");
            }
            serde_json::json!({
                "record": l.record,
                "region": l.region,
                "command": l.command,
                "action": l.action,
                "change": l.change,
                "before": l.before,
                "after": l.after,
                "result": l.result,
                "applied": l.applied,
                "request_ids": l.request_ids,
            })
        })
        .collect()
}

/// Runs the lines through `--batch` (`--yes --accept-impact`, going on after a
/// failure) on a fresh demo with `faults`.
async fn through_batch(
    lines: &[String],
    faults: &Faults,
    dir: &Path,
) -> (Arc<Simulator>, Vec<serde_json::Value>) {
    let sim = Arc::new(Simulator::demo().expect("demo"));
    sim.set_faults(faults.clone());
    let path = dir.join("batch.jsonl");
    let opts = BatchOptions {
        output: OutputFormat::Text,
        keep_going: true,
        progress: false,
        changes: ChangeOptions {
            changer: ChangerHandle(sim.changer()),
            yes: true,
            accept_impact: true,
            audit: log::Audit::open(Some(&path)),
            profile: "demo".into(),
            retry_base_ms: Some(1),
            ..ChangeOptions::default()
        },
        stop: netops::batch::Stop::default(),
    };
    let script: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    run_script(&script, backend, plan(), &opts, &mut out, &mut err).await;
    (sim, comparable(&path))
}

/// Runs the lines at the console's `:` prompt, confirming each as a user would:
/// typing the id a destructive change asks for, `!` for an impact that must be
/// accepted, `y` (a change) or Enter (a wizard step) to apply, Esc to close.
async fn through_console(
    lines: &[String],
    faults: &Faults,
    dir: &Path,
) -> (Arc<Simulator>, Vec<serde_json::Value>) {
    let sim = Arc::new(Simulator::demo().expect("demo"));
    sim.set_faults(faults.clone());
    let path = dir.join("console.jsonl");
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let changer: Arc<dyn Changer> = Arc::clone(&sim) as Arc<dyn Changer>;
    let mut h =
        Harness::changing(backend, changer, plan(), Some(path.clone()), 160, 50).expect("keymap");
    h.start().await;
    for line in lines {
        h.keys(":").await;
        h.send(Msg::Paste(line.clone()));
        h.keys("<Enter>").await;
        confirm(&mut h).await;
        h.keys("<Esc>").await;
    }
    (sim, comparable(&path))
}

/// What the top dialog asks of the user now.
enum Ask {
    /// A change to confirm: the id to type, whether the impact must be accepted.
    Change(Option<String>, bool),
    /// A wizard step to apply (accept the impact first?).
    Step(bool),
    /// The wizard waits on AWS.
    Wait,
    Nothing,
}

fn ask(h: &Harness) -> Ask {
    use netops::tui::change::WizStage;
    match h.state.modals.last() {
        Some(Modal::Change(view)) if view.stage_name() == "review" && !view.plan.refused() => {
            Ask::Change(view.plan.confirm_id.clone(), view.plan.needs_acceptance())
        }
        Some(Modal::Wizard(w)) => match &w.stage {
            WizStage::Step(view) if view.stage_name() == "review" && !view.plan.refused() => {
                Ask::Step(view.plan.needs_acceptance())
            }
            WizStage::Step(view) if view.stage_name() == "review" => Ask::Nothing,
            WizStage::Done { .. } | WizStage::Stopped(_) => Ask::Nothing,
            _ => Ask::Wait,
        },
        _ => Ask::Nothing,
    }
}

/// Confirms whatever the line opened, until it is done.
async fn confirm(h: &mut Harness) {
    for _ in 0..40 {
        match ask(h) {
            Ask::Change(id, accept) => {
                if accept {
                    h.keys("!").await;
                }
                match id {
                    // Typed exactly, the id moves the focus to Apply.
                    Some(id) => {
                        h.keys(&id).await;
                        h.keys("<Enter>").await;
                    }
                    None => h.keys("y").await,
                }
            }
            Ask::Step(accept) => {
                if accept {
                    h.keys("!").await;
                }
                h.keys("<Enter>").await;
            }
            Ask::Wait => {
                // Waiting on AWS (the simulator's instant clock): the next re-read
                // settles it.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                h.settle().await;
            }
            Ask::Nothing => return,
        }
    }
}

async fn same(name: &str, lines: &[String], faults: Faults) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bsim, blog) = through_batch(lines, &faults, dir.path()).await;
    let (csim, clog) = through_console(lines, &faults, dir.path()).await;
    assert!(!blog.is_empty(), "{name}: something was sent");
    let brief = |log: &[serde_json::Value]| -> Vec<String> {
        log.iter()
            .map(|l| format!("{} {} {}", l["record"], l["action"], l["command"]))
            .collect()
    };
    assert_eq!(
        brief(&blog),
        brief(&clog),
        "{name}: the same lines in the same order"
    );
    assert_eq!(
        blog.len(),
        clog.len(),
        "{name}: the same number of audit lines\nbatch: {blog:#?}\nconsole: {clog:#?}"
    );
    for (b, c) in blog.iter().zip(&clog) {
        assert_eq!(b, c, "{name}: the same audit line");
    }
    let sent = |sim: &Simulator| -> Vec<serde_json::Value> {
        sim.applied_changes()
            .iter()
            .map(|op| {
                let mut v = serde_json::to_value(op).expect("json");
                if let Some(change) = v["change"].as_object_mut() {
                    change.remove("request_tag");
                }
                v
            })
            .collect()
    };
    assert_eq!(sent(&bsim), sent(&csim), "{name}: the same changes sent");
    // The estate after, the request tag a created peering carries aside.
    let estate = |sim: &Simulator| {
        let mut snapshot = (*sim.snapshot()).clone();
        for region in snapshot.values_mut() {
            for p in &mut region.peerings {
                p.tags.remove(netops::backend::change::REQUEST_TAG_KEY);
            }
        }
        snapshot
    };
    assert!(
        estate(&bsim) == estate(&csim),
        "{name}: the same estate after"
    );
}

#[tokio::test]
async fn route_changes_and_undo_are_the_same_in_batch_and_console() {
    same(
        "routes",
        &[
            format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}"),
            format!("route replace {SPOKE_RTB} 10.50.0.0/16 {SPOKE_B_ATT}"),
            "undo".into(),
            format!("route del {POST_RTB} 10.2.0.0/16"),
        ],
        Faults::default(),
    )
    .await;
}

#[tokio::test]
async fn associations_and_propagation_are_the_same_in_batch_and_console() {
    same(
        "assoc/prop",
        &[
            format!("prop off {POST_RTB} {SPOKE_B_ATT}"),
            format!("prop on {POST_RTB} {SPOKE_B_ATT}"),
            format!("disassoc {SPOKE_RTB} {SPOKE_B_ATT}"),
            format!("assoc {SPOKE_RTB} {SPOKE_B_ATT}"),
        ],
        Faults::default(),
    )
    .await;
}

#[tokio::test]
async fn peer_accept_and_connect_are_the_same_in_batch_and_console() {
    same(
        "peer accept then connect (resumed)",
        &[
            format!("peer accept {PEERING}"),
            format!("peer connect {PEERING}"),
        ],
        Faults::default(),
    )
    .await;
    same(
        "peer connect from pendingAcceptance",
        &[format!("peer connect {PEERING}")],
        Faults::default(),
    )
    .await;
    same(
        "peer connect fresh",
        &[
            format!("peer delete {PEERING}"),
            format!("peer connect {HUB_USE1} {HUB_EUW1}"),
        ],
        Faults::default(),
    )
    .await;
}

#[tokio::test]
async fn attachment_options_are_the_same_in_batch_and_console() {
    same(
        "attach options and undo",
        &[
            format!("attach options {SPOKE_A_ATT} --appliance-mode on"),
            "undo".into(),
        ],
        Faults::default(),
    )
    .await;
}

#[tokio::test]
async fn firewall_toggles_are_the_same_in_batch_and_console() {
    same(
        "fw disable/enable",
        &[
            "fw disable egress-policy allow-amazon".into(),
            "fw enable egress-policy allow-amazon".into(),
        ],
        Faults::default(),
    )
    .await;
}

#[tokio::test]
async fn refused_lost_and_partial_changes_are_the_same_in_batch_and_console() {
    same(
        "refused, then applied",
        &[
            format!("route add {SPOKE_RTB} 0.0.0.0/0 {SPOKE_A_ATT}"),
            format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}"),
        ],
        Faults::default(),
    )
    .await;
    same(
        "a lost answer settled",
        &[format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}")],
        Faults {
            timeout_after_apply: vec!["CreateTransitGatewayRoute".into()],
            ..Faults::default()
        },
    )
    .await;
    same(
        "partially applied (throttled mid-flow)",
        &[format!("peer connect {PEERING}")],
        Faults {
            throttled_actions: vec!["CreateTransitGatewayRoute".into()],
            ..Faults::default()
        },
    )
    .await;
}
