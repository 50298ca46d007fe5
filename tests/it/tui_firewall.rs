//! The console's firewall view: the Firewalls folder, a firewall's endpoints and spoke
//! paths, a rule group's rules, and toggling a rule group through the change
//! confirmation (against the demo simulator, with the production runtime).

use std::sync::Arc;

use netops::backend::sim::Simulator;
use netops::backend::{Backend, Changer};
use netops::model::FirewallPolicy;
use netops::tui::harness::Harness;
use netops::tui::modal::Modal;
use netops::tui::state::Overlay;
use netops::tui::tree::{Node, NodeId};

use super::tui_screens::{demo, demo_plan};

const ALLOW_AMAZON: &str =
    "arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/allow-amazon";

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

/// From the top of the demo's tree: us-east-1's Firewalls folder, opened, then its
/// one firewall.
const TO_FIREWALL: &str = "jjjjjjjjjlj";
/// From the firewall: its policy, opened.
const TO_POLICY: &str = "ljl";
/// From the policy: drop-remote (stateless 10), allow-icmp (stateful 10),
/// allow-amazon (stateful 20).
const TO_ALLOW_AMAZON: &str = "jjj";

fn policy(h: &Harness) -> FirewallPolicy {
    h.state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.firewall_policies.iter())
        .find(|p| p.name == "egress-policy")
        .cloned()
        .expect("egress-policy")
}

/// The preview's row of the policy's stateful group order: (before, after).
fn order_row(h: &Harness) -> (String, String) {
    match h.state.modals.last() {
        Some(Modal::Change(view)) => view
            .plan
            .rows
            .iter()
            .find(|r| r.object == "egress-policy stateful groups")
            .map(|r| (r.before.clone(), r.after.clone()))
            .expect("the group order row"),
        _ => panic!("no change confirmation open"),
    }
}

fn selected_last(h: &Harness) -> Option<NodeId> {
    h.state.selected().last().cloned()
}

#[tokio::test]
async fn firewall_detail_shows_endpoints_per_az_and_spoke_paths() {
    let mut h = demo(120, 45).await;
    h.keys(TO_FIREWALL).await;
    assert!(
        matches!(h.state.selected_node(), Some(Node::Firewall(..))),
        "{}",
        h.render()
    );
    let text = h.render();
    assert!(text.contains("Firewalls (1)"), "{text}");
    assert!(
        text.contains("us-east-1a   vpce-0e1a2b3c4d5e6f791"),
        "{text}"
    );
    assert!(
        text.contains("vpce-0e1a2b3c4d5e6f792 by flow hash"),
        "{text}"
    );
    assert!(text.contains("✗ bypasses inspection"), "{text}");
    screen!("tui_firewall_detail", h);
}

#[tokio::test]
async fn rule_group_detail_shows_its_rules_as_written() {
    let mut h = demo(120, 40).await;
    h.keys(TO_FIREWALL).await;
    h.keys(TO_POLICY).await;
    h.keys(TO_ALLOW_AMAZON).await;
    assert_eq!(
        selected_last(&h),
        Some(NodeId::RuleGroup(ALLOW_AMAZON.into()))
    );
    let text = h.render();
    assert!(
        text.contains(r#"content:".amazon.com"; endswith;"#),
        "{text}"
    );
    screen!("tui_firewall_rule_group", h);
}

/// `t` on allow-amazon plans `fw disable` through the `:` prompt's confirmation;
/// applied on the simulator, the tree shows it disabled; `t` again enables it back
/// at priority 20.
#[tokio::test]
async fn toggle_key_disables_and_enables_a_rule_group_through_the_confirmation() {
    let sim = Arc::new(Simulator::demo().expect("demo scenario"));
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let changer: Arc<dyn Changer> = sim as Arc<dyn Changer>;
    let mut h = Harness::changing(backend, changer, demo_plan(), None, 120, 45).expect("keymap");
    h.start().await;
    h.keys(TO_FIREWALL).await;
    h.keys(TO_POLICY).await;
    h.keys(TO_ALLOW_AMAZON).await;
    assert_eq!(
        selected_last(&h),
        Some(NodeId::RuleGroup(ALLOW_AMAZON.into()))
    );

    h.keys("t").await;
    match h.state.overlay() {
        Some(Overlay::Change { line, stage, .. }) => {
            assert_eq!(line, "fw disable egress-policy allow-amazon");
            assert_eq!(stage, "review");
        }
        other => panic!("the change confirmation expected: {other:?}"),
    }
    assert_eq!(
        order_row(&h),
        (
            "10 allow-icmp, 20 allow-amazon".to_string(),
            "10 allow-icmp; disabled: allow-amazon".to_string()
        )
    );
    let text = h.render();
    assert!(text.contains("spoke-a loses internet egress"), "{text}");
    screen!("tui_firewall_toggle_preview", h);
    // The lost egress is acknowledged, then applied.
    h.keys("!y").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "finished"),
        "{}",
        h.render()
    );
    let p = policy(&h);
    assert!(
        p.disabled.iter().any(|d| d.name == "allow-amazon"),
        "the re-read policy is in the estate: {p:#?}"
    );
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
    let text = h.render();
    assert!(text.contains("allow-amazon ⊘ disabled"), "{text}");
    // The policy, with its disabled group.
    h.keys("kkk").await;
    assert!(matches!(
        h.state.selected_node(),
        Some(Node::FirewallPolicy(..))
    ));
    screen!("tui_firewall_policy_disabled", h);

    // The same key on the disabled group enables it again, at priority 20.
    h.keys(TO_ALLOW_AMAZON).await;
    assert_eq!(
        selected_last(&h),
        Some(NodeId::RuleGroup(ALLOW_AMAZON.into()))
    );
    h.keys("t").await;
    match h.state.overlay() {
        Some(Overlay::Change { line, .. }) => {
            assert_eq!(line, "fw enable egress-policy allow-amazon");
        }
        other => panic!("the change confirmation expected: {other:?}"),
    }
    assert_eq!(
        order_row(&h),
        (
            "10 allow-icmp; disabled: allow-amazon".to_string(),
            "10 allow-icmp, 20 allow-amazon".to_string()
        )
    );
    h.keys("!y").await;
    assert!(
        matches!(h.state.overlay(), Some(Overlay::Change { ref stage, .. }) if stage == "finished"),
        "{}",
        h.render()
    );
    h.keys("<Esc>").await;
    let p = policy(&h);
    assert!(p.disabled.is_empty(), "{p:#?}");
    assert!(
        p.stateful_rule_groups
            .iter()
            .any(|r| r.arn == ALLOW_AMAZON && r.priority == Some(20)),
        "{p:#?}"
    );
    assert!(!h.render().contains("⊘ disabled"));
}

/// Read-only: the toggle is refused and nothing is planned.
#[tokio::test]
async fn toggle_is_refused_read_only() {
    let mut h = demo(120, 40).await;
    h.keys(TO_FIREWALL).await;
    h.keys(TO_POLICY).await;
    h.keys(TO_ALLOW_AMAZON).await;
    for key in ["t", "T"] {
        h.keys(key).await;
        assert_eq!(h.state.overlay(), None, "{key}");
        assert!(h.render().contains("read-only"), "{key}: {}", h.render());
    }
}

/// Enter on a trace's firewall hop shows the firewall in the tree (its folder
/// opened), not just its VPC.
#[tokio::test]
async fn enter_on_a_firewall_hop_selects_the_firewall() {
    let mut h = demo(120, 40).await;
    h.keys(":").await;
    h.send(netops::tui::state::Msg::Paste(
        "trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com".into(),
    ));
    h.keys("<Enter>").await;
    h.keys("jjjjjj").await;
    match h.state.overlay() {
        Some(Overlay::Trace { selected, .. }) => {
            assert_eq!(selected.as_deref(), Some("vpce-0e1a2b3c4d5e6f791"));
        }
        other => panic!("the trace view expected: {other:?}"),
    }
    h.keys("<Enter>").await;
    assert!(
        matches!(h.state.selected_node(), Some(Node::Firewall(..))),
        "{}",
        h.render()
    );
    assert!(h.render().contains("▾ Firewalls (1)"), "{}", h.render());
}
