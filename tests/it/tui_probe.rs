//! The live probe matrix in the console (`E`, `:probe egress`): the same `ProbeRun`
//! as `--batch`, driven through the production runtime against the demo simulator's
//! prober (it answers from the path engine); read-only refusal; a firewall toggle
//! seen live.

use std::sync::Arc;

use netops::backend::sim::Simulator;
use netops::backend::{Backend, Changer, Prober};
use netops::runtime::Effect;
use netops::tui::harness::Harness;
use netops::tui::state::{Msg, Overlay, update};

use super::tui_screens::{demo, demo_plan};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"\d\d:\d\d:\d\d UTC", "[time] UTC");
    // SSM command ids are generated per run.
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[command-id]",
    );
    s
}

/// A console over the demo that can change it and probe it.
async fn probing() -> (Harness, Arc<Simulator>) {
    let sim = Arc::new(Simulator::demo().expect("demo scenario"));
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let changer: Arc<dyn Changer> = Arc::clone(&sim) as Arc<dyn Changer>;
    let prober: Option<Arc<dyn Prober>> = sim.prober();
    assert!(prober.is_some(), "the demo can probe");
    let mut h = Harness::changing(backend, changer, demo_plan(), None, 120, 40)
        .expect("keymap")
        .with_prober(prober);
    h.start().await;
    (h, sim)
}

async fn command(h: &mut Harness, line: &str) {
    h.keys(":").await;
    h.send(Msg::Paste(line.to_string()));
    h.keys("<Enter>").await;
}

/// The verdict, observed IP and reason of one row of the matrix shown.
fn row(h: &Harness, label: &str) -> (String, Option<String>, String) {
    let run = h.state.probe_run().expect("the probe matrix is open");
    let r = run
        .rows
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label}: {:?}", run.rows));
    (
        r.status(),
        r.observed_ip.map(|ip| ip.to_string()),
        r.reason.clone(),
    )
}

#[tokio::test]
async fn e_probes_every_spoke_and_shows_the_matrix() {
    let (mut h, _sim) = probing().await;
    // `keys` settles: it runs the probes through the runtime until every task ended.
    h.keys("E").await;
    let run = h.state.probe_run().expect("E opens the probe matrix");
    assert!(run.is_done(), "every row has its verdict: {:?}", run.rows);
    assert_eq!(run.line, "probe egress");
    let (verdict, ip, _) = row(&h, "spoke-a");
    assert_eq!(verdict, "centralized");
    assert_eq!(ip.as_deref(), Some("198.51.100.10"));
    let (verdict, _, reason) = row(&h, "spoke-b");
    assert_eq!(verdict, "leak");
    assert!(reason.contains("igw-0e1a2b3c4d5e6f7c2"), "{reason}");
    let (verdict, _, _) = row(&h, "workload-euw1");
    assert_eq!(verdict, "isolated");
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Probe { ref tally, .. }) if tally == "1 isolated, 1 centralized, 1 leak"
    ));
    // Probe tasks have their own range, apart from reads, audits and changes.
    assert!(
        run.rows
            .iter()
            .filter_map(|r| r.task)
            .all(|t| t >= netops::tui::state::PROBE_TASKS),
        "{:?}",
        run.rows
    );
    let text = h.render();
    assert!(text.contains("✓ centralized"), "{text}");
    assert!(text.contains("✗ leak"), "{text}");
    settings().bind(|| insta::assert_snapshot!("tui_probe_egress_matrix", text));

    // j/j selects spoke-b: its explanation names the IGW route and the engine.
    h.keys("jj").await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Probe { selected: Some(ref s), .. }) if s == "spoke-b"
    ));
    let text = h.render();
    assert!(text.contains("engine: leaks as 203.0.113.25"), "{text}");
    // Enter shows the row in full; Esc comes back to the matrix, Esc again closes.
    h.keys("<Enter>").await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Output { ref title, .. }) if title.ends_with("spoke-b")
    ));
    // At 80 columns the row is read in full (issue 18 #10): every line fits the
    // popup, wrapped under its own text, none cut at the edge.
    h.keys("<Esc>").await;
    h.resize(80, 24);
    h.keys("<Enter>").await;
    let Some(Overlay::Output { lines, .. }) = h.state.overlay() else {
        panic!("the row in full");
    };
    let inner = usize::from(netops::tui::layout::popup((80, 24)).width - 2);
    assert!(
        lines.iter().all(|l| l.chars().count() <= inner),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("  igw-")),
        "a long line wraps under its text: {lines:#?}"
    );
    let words = |v: &[String]| v.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(&lines).contains("engine: leaks as 203.0.113.25"),
        "{lines:#?}"
    );
    h.keys("<Esc>").await;
    assert!(matches!(h.state.overlay(), Some(Overlay::Probe { .. })));
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
}

#[tokio::test]
async fn probe_commands_at_the_prompt_open_the_same_view() {
    let (mut h, _sim) = probing().await;
    command(&mut h, "probe egress --vpc spoke-a").await;
    let run = h.state.probe_run().expect("the probe matrix");
    assert_eq!(run.rows.len(), 1, "{:?}", run.rows);
    assert_eq!(row(&h, "spoke-a").0, "centralized");
    // r runs it again (new tasks), on the estate as it is now.
    let before: Vec<_> = run.rows.iter().filter_map(|r| r.task).collect();
    h.keys("r").await;
    let run = h.state.probe_run().expect("still open");
    let after: Vec<_> = run.rows.iter().filter_map(|r| r.task).collect();
    assert!(
        after.iter().all(|t| !before.contains(t)),
        "{before:?} {after:?}"
    );
    assert_eq!(row(&h, "spoke-a").0, "centralized");
    h.keys("q").await;
    // A URL that fails validation is refused with its reason; nothing opens.
    command(&mut h, "probe egress --url ftp://example.com").await;
    assert_eq!(h.state.overlay(), None);
    let (text, _) = h.state.message.clone().expect("a message");
    assert!(text.contains(":probe egress"), "{text}");
}

#[tokio::test]
async fn closing_while_probes_run_cancels_them() {
    let (mut h, _sim) = probing().await;
    // Pressed without settling: the probes are sent, not answered yet.
    let fx = update(&mut h.state, Msg::Key(netops::tui::keymap::Key::char('E')));
    let tasks: Vec<u64> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Probe { task, .. } => Some(*task),
            _ => None,
        })
        .collect();
    assert_eq!(tasks.len(), 3, "{fx:?}");
    assert!(h.state.probe_busy());
    // Elapsed follows the front end's clock on each tick (update reads none).
    update(&mut h.state, Msg::Now(1_500));
    update(&mut h.state, Msg::Tick);
    let run = h.state.probe_run().expect("open");
    assert!(
        run.rows.iter().all(|r| r.elapsed_ms == Some(1_500)),
        "{:?}",
        run.rows
    );
    let text = h.render();
    assert!(text.contains("sending") && text.contains("1.5 s"), "{text}");
    let fx = update(
        &mut h.state,
        Msg::Key(netops::tui::keymap::Key::plain(
            netops::tui::keymap::KeyCode::Esc,
        )),
    );
    let cancelled: Vec<u64> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Cancel(t) => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(cancelled, tasks);
    assert_eq!(h.state.overlay(), None);
}

#[tokio::test]
async fn read_only_e_sends_nothing_and_says_why() {
    let mut h = demo(120, 40).await;
    let fx = update(&mut h.state, Msg::Key(netops::tui::keymap::Key::char('E')));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Probe { .. })),
        "nothing sent: {fx:?}"
    );
    assert_eq!(h.state.overlay(), None);
    let (text, _) = h.state.message.clone().expect("a message");
    assert!(text.contains("read-only"), "{text}");
    assert!(text.contains("SSM"), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
    // Hidden from help (and from the hints).
    h.keys("?").await;
    let help = h.render();
    assert!(!help.contains("Verify centralized egress"), "{help}");
    assert!(!help.contains("Probe matrix"), "{help}");
}

#[tokio::test]
async fn help_lists_the_probe_key_when_probes_can_run() {
    let (mut h, _sim) = probing().await;
    h.keys("?").await;
    let help = h
        .state
        .content
        .help
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert!(
        help.iter().any(|l| l.contains("Verify centralized egress")),
        "{help:?}"
    );
}

fn allow_amazon_priority(h: &Harness) -> Option<i32> {
    h.state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.firewall_policies.iter())
        .filter(|p| p.name == "egress-policy")
        .flat_map(|p| p.stateful_rule_groups.iter())
        .find(|g| g.arn.ends_with("/allow-amazon"))
        .and_then(|g| g.priority)
}

/// Applies the change typed at `:` from its confirmation: Tab to Apply, accept
/// the impact warnings, Enter.
async fn apply(h: &mut Harness, line: &str) {
    command(h, line).await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "review"),
        "{:?} {:?}",
        h.state.overlay(),
        h.state.message
    );
    h.keys("!<Tab><Enter>").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "finished"),
        "{:?} {:?}",
        h.state.overlay(),
        h.state.message
    );
    let (text, _) = h.state.message.clone().expect("a message");
    assert!(text.contains("applied and verified"), "{text}");
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
}

#[tokio::test]
async fn a_firewall_toggle_is_seen_live_by_the_next_probe() {
    let (mut h, _sim) = probing().await;
    assert_eq!(allow_amazon_priority(&h), Some(20));
    apply(&mut h, "fw disable egress-policy allow-amazon").await;
    assert_eq!(allow_amazon_priority(&h), None, "disabled");
    h.keys("E").await;
    let (verdict, _, reason) = row(&h, "spoke-a");
    assert_eq!(verdict, "blocked", "{reason}");
    assert!(reason.contains("aws:drop_strict"), "{reason}");
    h.keys("<Esc>").await;

    apply(&mut h, "fw enable egress-policy allow-amazon").await;
    assert_eq!(
        allow_amazon_priority(&h),
        Some(20),
        "restored at its priority"
    );
    h.keys("E").await;
    let (verdict, ip, reason) = row(&h, "spoke-a");
    assert_eq!(verdict, "centralized", "{reason}");
    assert_eq!(ip.as_deref(), Some("198.51.100.10"));
}

#[tokio::test]
async fn a_colleagues_change_during_a_toggle_is_shown_and_needs_a_new_confirmation() {
    let (mut h, sim) = probing().await;
    sim.set_faults(netops::backend::sim::Faults {
        concurrent_policy_change: vec!["egress-policy".into()],
        ..netops::backend::sim::Faults::default()
    });
    command(&mut h, "fw disable egress-policy allow-amazon").await;
    h.keys("!<Tab><Enter>").await;
    // Refused by the stale token, re-read, and planned again for a new confirmation.
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "review"),
        "{:?} {:?}",
        h.state.overlay(),
        h.state.message
    );
    let text = h.render();
    assert!(text.contains("someone else changed the policy"), "{text}");
    assert!(
        text.contains("aws:alert_established"),
        "what they changed: {text}"
    );
    // Nothing of theirs was overwritten, and the group is still there.
    assert_eq!(allow_amazon_priority(&h), Some(20));
    let snap = sim.snapshot();
    let p = snap["us-east-1"]
        .firewall_policies
        .iter()
        .find(|p| p.name == "egress-policy")
        .expect("policy");
    assert!(
        p.stateful_default_actions
            .iter()
            .any(|a| a == "aws:alert_established")
    );
    assert_eq!(p.stateful_rule_groups.len(), 2);
    // The new confirmation applies on their version.
    h.keys("!<Tab><Enter>").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "finished"),
        "{:?} {:?}",
        h.state.overlay(),
        h.state.message
    );
    assert_eq!(allow_amazon_priority(&h), None, "disabled now");
    let snap = sim.snapshot();
    let p = snap["us-east-1"]
        .firewall_policies
        .iter()
        .find(|p| p.name == "egress-policy")
        .expect("policy");
    assert!(
        p.stateful_default_actions
            .iter()
            .any(|a| a == "aws:alert_established")
    );
}

/// Every dialog at 80x24, the default terminal (issue 18 #4): the probe matrix, the
/// trace view, the actions menu and the peering wizard keep their marks, verdicts
/// and controls on screen.
#[tokio::test]
async fn every_dialog_at_80x24() {
    let (mut h, _sim) = probing().await;
    h.resize(80, 24);
    h.keys("E").await;
    let text = h.render();
    assert!(
        text.contains("✗ leak") && text.contains("✓ centralized"),
        "{text}"
    );
    settings().bind(|| insta::assert_snapshot!("tui_probe_80x24", text));
    h.keys("<Esc>").await;

    command(&mut h, "trace i-0e1a2b3c4d5e6f7d2 internet").await;
    let text = h.render();
    assert!(text.contains("verdict: reaches internet"), "{text}");
    settings().bind(|| insta::assert_snapshot!("tui_trace_80x24", text));
    h.keys("<Esc>").await;

    // Account, region, TGW: the actions menu of a TGW.
    h.keys("ggjj").await;
    h.keys("x").await;
    let text = h.render();
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Menu { .. })),
        "{text}"
    );
    settings().bind(|| insta::assert_snapshot!("tui_actions_menu_80x24", text));
    h.keys("<Esc>").await;

    command(&mut h, "peer connect tgw-attach-0e1a2b3c4d5e6f7a1").await;
    let text = h.render();
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 2, .. })),
        "{text}"
    );
    assert!(
        text.contains("Enter applies this step"),
        "its controls stay: {text}"
    );
    // A long aws command wraps under itself, not back to the first column (#10).
    assert!(
        text.contains("│    --transit-gateway-attachment-id"),
        "{text}"
    );
    settings().bind(|| insta::assert_snapshot!("tui_wizard_80x24", text));
}
