//! Changes in the console: the confirmation dialog, read-only refusal, the peering
//! wizard, against the demo simulator (its Instant clock: AWS's transitions are
//! immediate) with the production runtime; screens are `TestBackend` snapshots.

use std::sync::Arc;

use netops::backend::sim::Simulator;
use netops::backend::{Backend, Changer};
use netops::runtime::Effect;
use netops::tui::harness::Harness;
use netops::tui::state::{Msg, Overlay, update};

use super::tui_screens::{demo, demo_plan};

const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
const POST_INSPECTION: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
const SPOKE_TABLE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"\d\d:\d\d:\d\d UTC", "[time] UTC");
    s
}

macro_rules! screen {
    ($name:expr, $h:expr) => {{
        let text = $h.render();
        settings().bind(|| insta::assert_snapshot!($name, text));
    }};
}

/// A console over the demo that can change it; the audit log in a temp dir.
async fn changing(log: Option<std::path::PathBuf>) -> Harness {
    let sim = Arc::new(Simulator::demo().expect("demo scenario"));
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let changer: Arc<dyn Changer> = sim as Arc<dyn Changer>;
    let mut h = Harness::changing(backend, changer, demo_plan(), log, 120, 40).expect("keymap");
    h.start().await;
    h
}

fn temp_log(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("netops-tui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("audit.jsonl")
}

async fn command(h: &mut Harness, line: &str) {
    h.keys(":").await;
    h.send(Msg::Paste(line.to_string()));
    h.keys("<Enter>").await;
}

fn has_route(h: &Harness, table: &str, cidr: &str) -> bool {
    h.state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.tgw_route_tables.iter())
        .filter(|t| t.id == table)
        .flat_map(|t| t.routes.iter())
        .any(|r| matches!(&r.destination, netops::model::Destination::Cidr(c) if c.to_string() == cidr))
}

/// Issue 18: at 80×24 the delete confirmation's type-the-id field scrolled away
/// under its preview, so typing seemed to do nothing. The field and the buttons are
/// pinned under the preview, at any height; what is typed shows in the field.
#[tokio::test]
async fn at_80x24_the_type_the_id_field_and_the_buttons_stay_on_screen() {
    let mut h = changing(Some(temp_log("del80"))).await;
    h.resize(80, 24);
    command(&mut h, &format!("route del {POST_INSPECTION} 10.2.0.0/16")).await;
    h.keys("tgw-rtb").await;
    let text = h.render();
    assert!(
        text.contains(&format!("type {POST_INSPECTION} to confirm")),
        "{text}"
    );
    assert!(text.contains("› [tgw-rtb▏]"), "{text}");
    assert!(
        text.contains("[ Cancel ]") && text.contains("[ Apply ]"),
        "{text}"
    );
    screen!("tui_change_route_del_confirm_80x24", h);
    // The preview does not fit: it says how much is below, and ↓ (not a letter:
    // the field takes letters) shows it, the field keeping what was typed.
    assert!(text.contains("↓ 1 row below (↓ scrolls)"), "{text}");
    assert!(!text.contains("+ fixes"), "{text}");
    h.keys("<Down>").await;
    let text = h.render();
    assert!(
        text.contains("+ fixes: blackhole route 10.2.0.0/16"),
        "{text}"
    );
    assert!(text.contains("↑ 1 row above"), "{text}");
    assert!(text.contains("› [tgw-rtb▏]"), "{text}");
}

#[tokio::test]
async fn route_del_asks_to_type_the_id_and_defaults_to_cancel() {
    let log = temp_log("del");
    let mut h = changing(Some(log.clone())).await;
    command(&mut h, &format!("route del {POST_INSPECTION} 10.2.0.0/16")).await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Change { ref stage, .. }) if stage == "review"
    ));
    screen!("tui_change_route_del_confirm", h);
    // Enter on the default button cancels: nothing sent.
    h.keys("<Enter>").await;
    assert_eq!(h.state.overlay(), None);
    assert!(has_route(&h, POST_INSPECTION, "10.2.0.0/16"));
    // Apply without the id does nothing; typing it enables Apply.
    command(&mut h, &format!("route del {POST_INSPECTION} 10.2.0.0/16")).await;
    h.keys("<Tab><Enter>").await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Change { ref stage, .. }) if stage == "review"
    ));
    h.keys(POST_INSPECTION).await;
    h.keys("<Enter>").await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Change { ref stage, .. }) if stage == "finished"
    ));
    assert!(
        !has_route(&h, POST_INSPECTION, "10.2.0.0/16"),
        "deleted and re-read"
    );
    let text = std::fs::read_to_string(&log).expect("audit log written");
    assert!(text.contains("DeleteTransitGatewayRoute"), "{text}");
    assert!(text.contains("2026-01-02T09:30:00Z"), "{text}");
    assert_eq!(h.state.changes.undo.len(), 1, "undo remembers the delete");
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
    // :undo plans the inverse (here AWS would refuse it: the route's attachment is
    // gone, so the dialog says so and offers only Close).
    command(&mut h, "undo").await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Change { ref line, .. }) if line == "undo"
    ));
    // :audit-log shows the change.
    h.keys("<Esc>").await;
    command(&mut h, "audit-log").await;
    match h.state.overlay() {
        Some(Overlay::Output { lines, .. }) => {
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("DeleteTransitGatewayRoute")),
                "{lines:?}"
            );
        }
        other => panic!("audit log output expected, got {other:?}"),
    }
}

#[tokio::test]
async fn route_add_preview() {
    let mut h = changing(None).await;
    command(
        &mut h,
        &format!("route add {SPOKE_TABLE} 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
    )
    .await;
    screen!("tui_change_route_add_preview", h);
    // Esc cancels: nothing sent.
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
    assert!(!has_route(&h, SPOKE_TABLE, "10.9.0.0/16"));
    // Tab to Apply, Enter: sent, verified, in the tree's estate.
    command(
        &mut h,
        &format!("route add {SPOKE_TABLE} 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
    )
    .await;
    h.keys("<Tab><Enter>").await;
    assert!(has_route(&h, SPOKE_TABLE, "10.9.0.0/16"));
    h.keys("<Esc>").await;
    // :undo deletes it again (destructive: the id is typed).
    command(&mut h, "undo").await;
    h.keys(SPOKE_TABLE).await;
    h.keys("y").await;
    assert!(!has_route(&h, SPOKE_TABLE, "10.9.0.0/16"), "undone");
    assert!(h.state.changes.undo.is_empty());
}

#[tokio::test]
async fn read_only_refuses_change_commands_and_keys() {
    let mut h = demo(120, 40).await;
    command(&mut h, &format!("route del {POST_INSPECTION} 10.2.0.0/16")).await;
    assert_eq!(h.state.overlay(), None);
    screen!("tui_change_read_only_refusal", h);
    let (text, _) = h.state.message.clone().expect("a message");
    assert!(text.contains("read-only"), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
    h.keys("x").await;
    assert_eq!(h.state.overlay(), None, "the actions key does nothing");
    h.keys("?").await;
    let help = h.render();
    assert!(!help.contains("Actions menu"), "change keys hidden: {help}");
}

#[tokio::test]
async fn wizard_from_accept_to_done() {
    let log = temp_log("wizard");
    let mut h = changing(Some(log.clone())).await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert!(matches!(
        h.state.overlay(),
        Some(Overlay::Wizard { step: 2, .. })
    ));
    screen!("tui_wizard_accept_step", h);
    // Enter applies the accept; the re-read shows it available; routes are next.
    h.keys("<Enter>").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 3, .. })),
        "{:?}",
        h.state.overlay()
    );
    h.keys("<Enter>").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 4, .. })),
        "{:?}",
        h.state.overlay()
    );
    screen!("tui_wizard_done", h);
    let text = std::fs::read_to_string(&log).expect("audit log written");
    assert!(
        text.contains("AcceptTransitGatewayPeeringAttachment"),
        "{text}"
    );
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
}

#[tokio::test]
async fn wizard_key_on_a_tgw_offers_the_other_tgws() {
    let mut h = changing(None).await;
    // Account, region, TGW.
    h.keys("jj").await;
    h.keys("W").await;
    match h.state.overlay() {
        Some(Overlay::Menu { items, .. }) => {
            assert!(
                items.iter().any(|i| i.contains("tgw-0f9e8d7c6b5a4f301")),
                "{items:?}"
            );
        }
        other => panic!("pick list expected, got {other:?}"),
    }
    h.keys("<Enter>").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { .. })),
        "{:?}",
        h.state.overlay()
    );
}

/// Cancelling the wizard while its change is in flight waits for AWS's answer and
/// shows it: the report is not dropped and the estate takes it in.
#[tokio::test]
async fn cancelling_with_an_apply_in_flight_still_reports_it() {
    let mut h = changing(None).await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    // Enter, by hand: the Apply effect is taken, not run yet.
    let pending = update(
        &mut h.state,
        Msg::Key(netops::tui::keymap::Key::plain(
            netops::tui::keymap::KeyCode::Enter,
        )),
    );
    let (task, op) = pending
        .iter()
        .find_map(|e| match e {
            Effect::Apply { task, op, .. } => Some((*task, op.clone())),
            _ => None,
        })
        .expect("the accept is sent");
    // Esc while it is in flight: the wizard stays, cancelling.
    let fx = update(
        &mut h.state,
        Msg::Key(netops::tui::keymap::Key::plain(
            netops::tui::keymap::KeyCode::Esc,
        )),
    );
    assert!(
        fx.iter()
            .all(|e| !matches!(e, Effect::Cancel(t) if *t == task))
    );
    assert!(matches!(h.state.overlay(), Some(Overlay::Wizard { .. })));
    // AWS answers (the simulator, for real); the wizard re-reads, then stops and
    // shows what happened.
    let _ = op;
    for e in pending {
        h.runtime.execute(e);
    }
    h.settle().await;
    let screen = h.render();
    assert!(screen.contains("cancelled after AWS answered"), "{screen}");
    assert!(
        screen.contains("verified"),
        "the accept's answer is shown: {screen}"
    );
    let still = h
        .state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.peerings.iter())
        .filter(|p| p.id == PEERING)
        .any(|p| p.state.to_string() != "pendingAcceptance");
    assert!(still, "the estate took the accept in");
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
}

#[tokio::test]
async fn keys_on_a_peering_accept_and_list_actions() {
    let mut h = changing(None).await;
    h.keys("/use1-to-euw1<Enter><Esc>").await;
    h.keys("x").await;
    match h.state.overlay() {
        Some(Overlay::Menu { items, .. }) => {
            assert!(
                items.iter().any(|i| i.starts_with("accept peering")),
                "{items:?}"
            );
            assert!(
                items.iter().any(|i| i.starts_with("reject peering")),
                "{items:?}"
            );
            assert!(
                items.iter().any(|i| i.starts_with("peering wizard")),
                "{items:?}"
            );
        }
        other => panic!("actions menu expected, got {other:?}; {}", h.render()),
    }
    h.keys("<Esc>A").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref line, .. }) if line == &format!("peer accept {PEERING}")),
        "{:?}",
        h.state.overlay()
    );
    h.keys("<Esc>W").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 2, .. })),
        "{:?}",
        h.state.overlay()
    );
}

#[tokio::test]
async fn add_route_key_prefills_the_prompt_and_tab_offers_that_tgws_attachments() {
    let mut h = changing(None).await;
    h.keys("/post-inspection<Enter><Esc>").await;
    h.keys("a").await;
    let screen = h.render();
    assert_eq!(
        h.state.prompt.input,
        format!("route add {POST_INSPECTION} "),
        "{screen}"
    );
    h.send(Msg::Paste("10.9.0.0/16 ".into()));
    h.keys("<Tab>").await;
    let offered = h.state.prompt.completions.clone();
    assert!(
        offered
            .iter()
            .all(|a| a.starts_with("tgw-attach-0e1a2b3c4d5e6f7")),
        "only us-east-1's TGW attachments: {offered:?}"
    );
    assert!(offered.len() >= 3, "{offered:?}");
}

#[tokio::test]
async fn delete_key_on_a_route_row_confirms_the_route_del() {
    let mut h = changing(None).await;
    h.keys("/post-inspection<Enter><Esc><Tab>d").await;
    assert!(
        matches!(
            h.state.overlay(),
            Some(Overlay::Change { ref line, .. })
                if line.starts_with(&format!("route del {POST_INSPECTION} "))
        ),
        "{:?}",
        h.state.overlay()
    );
    // Help lists the change keys and the confirm, wizard and menu layers.
    h.keys("<Esc>?").await;
    let help: Vec<String> = h
        .state
        .content
        .help
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(help.iter().any(|l| l.contains("Actions menu")), "{help:?}");
    assert!(
        help.iter().any(|l| l.contains("Peering wizard")),
        "{help:?}"
    );
}

#[tokio::test]
async fn read_only_change_keys_do_nothing() {
    let mut h = demo(120, 40).await;
    h.keys("/use1-to-euw1<Enter><Esc>").await;
    for key in ["A", "R", "D", "W", "x"] {
        h.keys(key).await;
        assert_eq!(h.state.overlay(), None, "{key}");
        let (text, _) = h.state.message.clone().expect("a message");
        assert!(text.contains("read-only"), "{key}: {text}");
    }
}

/// A change whose audit line cannot be written is not sent, and the console says
/// where it tried (issue 16, item 3: it used to be applied and logged nowhere).
#[tokio::test]
async fn a_change_whose_audit_log_cannot_be_written_is_not_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let afile = dir.path().join("afile");
    std::fs::write(&afile, "").expect("a regular file");
    let mut h = changing(Some(afile.join("audit.jsonl"))).await;
    command(
        &mut h,
        &format!("route add {SPOKE_TABLE} 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
    )
    .await;
    h.keys("y").await;
    assert!(
        !has_route(&h, SPOKE_TABLE, "10.9.0.0/16"),
        "nothing was sent"
    );
    let screen = h.render();
    let (text, _) = h.state.message.clone().expect("a message");
    assert!(
        text.contains("afile") && text.contains("nothing was sent"),
        "{text}\n{screen}"
    );
}

/// The wizard for two TGWs with no peering between them (the demo's is deleted
/// first); answers the create's Apply effect, not yet run.
async fn wizard_at_create(h: &mut Harness) -> (u64, Effect) {
    command(h, &format!("peer delete {PEERING}")).await;
    h.keys(PEERING).await;
    h.keys("<Enter><Esc>").await;
    command(
        h,
        "peer connect tgw-0e1a2b3c4d5e6f701 tgw-0f9e8d7c6b5a4f301",
    )
    .await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 1, .. })),
        "{:?}\n{}",
        h.state.overlay(),
        h.render()
    );
    let fx = update(
        &mut h.state,
        Msg::Key(netops::tui::keymap::Key::plain(
            netops::tui::keymap::KeyCode::Enter,
        )),
    );
    fx.into_iter()
        .find_map(|e| match &e {
            Effect::Apply { task, .. } => Some((*task, e.clone())),
            _ => None,
        })
        .expect("the create is sent")
}

fn lost() -> netops::backend::BackendError {
    netops::backend::BackendError::new(
        netops::backend::ErrorKind::OutcomeUnknown,
        "CreateTransitGatewayPeeringAttachment may or may not have happened (timed out)",
    )
}

/// A create whose answer was lost and that did not happen: the wizard stops and
/// says to run it again; it never sends a second create by itself.
#[tokio::test]
async fn a_lost_create_that_did_not_happen_stops_the_wizard() {
    let mut h = changing(None).await;
    let (task, _apply) = wizard_at_create(&mut h).await;
    let fx = update(
        &mut h.state,
        Msg::Applied {
            task,
            result: Err(lost()),
        },
    );
    for e in fx {
        h.runtime.execute(e);
    }
    h.settle().await;
    let screen = h.render();
    assert!(screen.contains("is visible yet"), "{screen}");
    assert!(matches!(h.state.overlay(), Some(Overlay::Wizard { .. })));
}

/// A create whose answer was lost but that did happen: the re-read finds the
/// peering and the wizard carries on with it.
#[tokio::test]
async fn a_lost_create_that_happened_carries_on() {
    let mut h = changing(None).await;
    let (task, apply) = wizard_at_create(&mut h).await;
    h.runtime.execute(apply);
    // The real answer is dropped; the console hears that it was lost.
    let report = h.runtime.next().await.expect("the create's report");
    assert!(matches!(report, netops::runtime::Report::Applied { .. }));
    let fx = update(
        &mut h.state,
        Msg::Applied {
            task,
            result: Err(lost()),
        },
    );
    for e in fx {
        h.runtime.execute(e);
    }
    h.settle().await;
    let screen = h.render();
    assert!(screen.contains("found tgw-attach-5"), "{screen}");
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Wizard { step: 2.., .. })),
        "{:?}\n{screen}",
        h.state.overlay()
    );
}

/// A console over a simulator the test keeps (to change it behind the console's back
/// or inject faults).
async fn changing_sim(prepare: impl FnOnce(&Simulator)) -> (Harness, Arc<Simulator>) {
    let sim = Arc::new(Simulator::demo().expect("demo scenario"));
    prepare(&sim);
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let changer: Arc<dyn Changer> = Arc::clone(&sim) as Arc<dyn Changer>;
    let mut h = Harness::changing(backend, changer, demo_plan(), None, 120, 40).expect("keymap");
    h.start().await;
    (h, sim)
}

fn apply_now(sim: &Simulator, region: &str, change: netops::backend::Change) {
    let op = netops::backend::ChangeOp::new(region, change);
    futures::executor::block_on(sim.apply(&op)).expect("applied behind the console");
}

fn wizard_step(h: &Harness) -> Option<usize> {
    match h.state.overlay() {
        Some(Overlay::Wizard { step, .. }) => Some(step),
        _ => None,
    }
}

/// Fresh: no peering between the two TGWs; the wizard creates one and carries it
/// through accept and routes to verified.
#[tokio::test]
async fn wizard_fresh_from_create_to_verified() {
    let (mut h, sim) = changing_sim(|sim| {
        apply_now(
            sim,
            "us-east-1",
            netops::backend::Change::DeletePeering {
                attachment_id: PEERING.into(),
            },
        );
    })
    .await;
    command(
        &mut h,
        "peer connect tgw-0e1a2b3c4d5e6f701 tgw-0f9e8d7c6b5a4f301",
    )
    .await;
    assert_eq!(wizard_step(&h), Some(1), "create first");
    for want in [2, 3, 4] {
        h.keys("<Enter>").await;
        assert_eq!(wizard_step(&h), Some(want), "{}", h.render());
    }
    assert!(h.render().contains("delivered"), "{}", h.render());
    let live: Vec<_> = sim.snapshot()["us-east-1"]
        .peerings
        .iter()
        .filter(|p| p.state == netops::model::AttachmentState::Available)
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(live.len(), 1, "one new peering, available: {live:?}");
}

/// Resumed: the wizard starts at whatever step the network is at — routes when the
/// peering was accepted elsewhere, verified when it is already connected.
#[tokio::test]
async fn wizard_resumes_where_the_network_is() {
    let (mut h, _sim) = changing_sim(|sim| {
        apply_now(
            sim,
            "eu-west-1",
            netops::backend::Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
    })
    .await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert_eq!(wizard_step(&h), Some(3), "accepted elsewhere: routes next");
    h.keys("<Enter>").await;
    assert_eq!(wizard_step(&h), Some(4));
    h.keys("<Esc>").await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert_eq!(wizard_step(&h), Some(4), "already connected: nothing to do");
}

/// A fault mid-flow: the routes step is throttled after its first change; the wizard
/// says what was and was not applied; reopened after the fault clears, it proposes
/// only what is missing and finishes.
#[tokio::test]
async fn wizard_throttled_mid_flow_resumes_with_what_is_missing() {
    let (mut h, sim) = changing_sim(|sim| {
        apply_now(
            sim,
            "eu-west-1",
            netops::backend::Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
    })
    .await;
    sim.set_faults(netops::backend::sim::Faults {
        throttled_actions: vec!["CreateTransitGatewayRoute".into()],
        ..netops::backend::sim::Faults::default()
    });
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert_eq!(wizard_step(&h), Some(3));
    h.keys("<Enter>").await;
    let screen = h.render();
    assert!(screen.contains("throttled"), "{screen}");
    assert!(screen.contains("partially applied"), "{screen}");
    sim.set_faults(netops::backend::sim::Faults::default());
    h.keys("<Esc>").await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert_eq!(wizard_step(&h), Some(3));
    let screen = h.render();
    assert!(
        !screen.contains("us-east-1  tgw-attach-0e1a2b3c4d5e6f7a1 association"),
        "the association made before the fault is not proposed again: {screen}"
    );
    h.keys("<Enter>").await;
    assert_eq!(wizard_step(&h), Some(4), "{}", h.render());
}

/// The `:` prompt validates a change command as it is typed (the plan's checks,
/// without the impact), and says nothing about a line that is not one yet.
#[tokio::test]
async fn the_prompt_validates_change_commands_as_you_type() {
    use netops::tui::state::PromptCheck;
    let mut h = changing(None).await;
    let typed = |h: &mut Harness, line: &str| {
        h.send(Msg::Paste(line.to_string()));
        h.state.prompt_check.clone()
    };
    h.keys(":").await;
    assert_eq!(typed(&mut h, "route ad"), None, "not a command yet");
    h.keys("<Esc>:").await;
    match typed(
        &mut h,
        "route add tgw-rtb-0e1a2b3c4d5e6f711 10.1.0.1/16 tgw-attach-0e1a2b3c4d5e6f722",
    ) {
        Some(PromptCheck::Refused(why)) => {
            assert!(why.contains("the network is 10.1.0.0/16"), "{why}")
        }
        other => panic!("refused expected: {other:?}"),
    }
    h.keys("<Esc>:").await;
    match typed(
        &mut h,
        "route add tgw-rtb-0e1a2b3c4d5e6f711 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722",
    ) {
        Some(PromptCheck::Warning(w)) => assert!(w.contains("it skips inspection"), "{w}"),
        other => panic!("warning expected: {other:?}"),
    }
    h.keys("<Esc>:").await;
    assert_eq!(
        typed(&mut h, &format!("peer accept {PEERING}")),
        Some(PromptCheck::Ready)
    );
    assert!(h.render().contains("✓ Enter previews it"), "{}", h.render());
}

/// The state of the demo peering as the console's estate holds it.
fn peering_state(h: &Harness) -> Option<String> {
    h.state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.peerings.iter())
        .find(|p| p.id == PEERING)
        .map(|p| p.state.to_string())
}

/// Issue 18: cancelling the wizard while AWS moves the peering left the tree at
/// "pending" until Ctrl-R. The peering is now re-read until it settles, wizard or
/// not, and nothing more is planned or sent.
#[tokio::test]
async fn a_peering_waited_on_is_re_read_until_it_settles_after_the_wizard_closes() {
    let (clock, hand) = netops::backend::sim::SimClock::manual();
    let (mut h, sim) = changing_sim(|s| s.set_clock(clock)).await;
    command(&mut h, &format!("peer connect {PEERING}")).await;
    assert_eq!(wizard_step(&h), Some(2), "{:?}", h.state.overlay());
    // Accept; AWS takes the peering to pending and keeps it there (the clock stands).
    h.send(Msg::Key(netops::tui::harness::parse_keys("<Enter>")[0]));
    let waiting = h
        .settle_until(|s| {
            matches!(
                s.modals.last(),
                Some(netops::tui::modal::Modal::Wizard(w))
                    if matches!(w.stage, netops::tui::change::WizStage::Waiting { .. })
            )
        })
        .await;
    assert!(waiting, "the wizard waits on AWS: {:?}", h.state.overlay());
    assert_eq!(peering_state(&h).as_deref(), Some("pending"));
    h.send(Msg::Key(netops::tui::harness::parse_keys("<Esc>")[0]));
    assert_eq!(h.state.overlay(), None, "the wizard closes at once");
    assert_eq!(h.state.changes.watches.len(), 1, "and leaves a watch");
    // AWS finishes; the console sees it without a refresh.
    hand.advance(60);
    let settled = h
        .settle_until(|s| {
            s.data
                .estate
                .loaded()
                .flat_map(|r| r.peerings.iter())
                .any(|p| p.id == PEERING && p.state.to_string() == "available")
        })
        .await;
    assert!(settled, "still {:?}", peering_state(&h));
    h.settle().await;
    assert!(
        h.state.changes.watches.is_empty(),
        "the watch ends once settled"
    );
    let (text, _) = h.state.message.clone().expect("said");
    assert!(text.contains("has settled"), "{text}");
    // Nothing was planned or sent after the cancel: no route was added.
    assert!(
        sim.applied_changes()
            .iter()
            .all(|c| !format!("{c:?}").contains("CreateTgwRoute")),
        "{:?}",
        sim.applied_changes()
    );
}

/// `:diff` (issue 19 #4) in the console: a snapshot saved with `:snapshot save`, a
/// route deleted, then `:diff DIR` opens the diff as a list — the route table that
/// changed, then the finding it fixed; Enter on the table shows it in the tree.
#[tokio::test]
async fn diff_view_lists_what_changed_and_enter_shows_it() {
    let log = temp_log("diffview");
    let mut h = changing(Some(log)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("before");
    command(&mut h, &format!("snapshot save {}", snap.display())).await;
    h.settle().await;
    h.keys("<Esc>").await;
    assert!(snap.join("netops-snapshot.json").is_file());
    command(&mut h, &format!("diff {}", snap.display())).await;
    h.settle().await;
    match h.state.overlay() {
        Some(Overlay::Diff { rows, .. }) => assert!(rows.is_empty(), "{rows:?}"),
        other => panic!("{other:?}"),
    }
    assert!(h.render().contains("no differences"));
    h.keys("<Esc>").await;
    command(&mut h, &format!("route del {POST_INSPECTION} 10.2.0.0/16")).await;
    h.keys(POST_INSPECTION).await;
    h.keys("<Enter>").await;
    h.settle().await;
    h.keys("<Esc>").await;
    assert!(!has_route(&h, POST_INSPECTION, "10.2.0.0/16"));
    command(&mut h, &format!("diff {}", snap.display())).await;
    h.settle().await;
    let Some(Overlay::Diff { rows, selected }) = h.state.overlay() else {
        panic!("{:?}", h.state.overlay());
    };
    assert!(rows[0].contains(POST_INSPECTION), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("fixes: blackhole route 10.2.0.0/16")),
        "{rows:?}"
    );
    assert_eq!(selected.as_deref(), Some(rows[0].as_str()));
    let text = h.render();
    assert!(
        text.contains("route 10.2.0.0/16 removed"),
        "the selected row in full: {text}"
    );
    // At 80×24 too: the rows and the selected one's detail.
    h.resize(80, 24);
    let text = h.render();
    assert!(
        text.contains("fixes: blackhole route 10.2.0.0/16"),
        "{text}"
    );
    assert!(text.contains("route 10.2.0.0/16 removed"), "{text}");
    h.keys("<Enter>").await;
    assert_eq!(h.state.overlay(), None);
    assert_eq!(
        h.state.selected().last(),
        Some(&netops::tui::tree::NodeId::RouteTable(
            POST_INSPECTION.into()
        ))
    );
}
