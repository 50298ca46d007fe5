//! Screens of the console, driven with keys against the demo simulator and rendered
//! into ratatui's `TestBackend` (120×40 and 80×24).

use std::sync::Arc;

use netops::backend::Backend;
use netops::backend::sim::Simulator;
use netops::discovery::DiscoveryPlan;
use netops::tui::harness::Harness;

pub fn demo_plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

pub async fn demo(width: u16, height: u16) -> Harness {
    let sim: Arc<dyn Backend> = Arc::new(Simulator::demo().expect("demo scenario"));
    let mut h = Harness::new(sim, demo_plan(), "DEMO (reference)", width, height).expect("keymap");
    h.start().await;
    h
}

/// Snapshot settings: times of day are filtered so a clock never leaks in.
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

#[tokio::test]
async fn main_screen_120x40() {
    let mut h = demo(120, 40).await;
    screen!("tui_main_120x40", h);
}

#[tokio::test]
async fn main_screen_80x24() {
    let mut h = demo(80, 24).await;
    screen!("tui_main_80x24", h);
}

/// A newcomer finds the blackhole: down to post-inspection, Tab into its routes.
#[tokio::test]
async fn blackhole_route_in_post_inspection() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = demo(w, hgt).await;
        h.keys("jjjjj").await;
        let text = h.render();
        assert!(text.contains("10.2.0.0/16"), "{text}");
        assert!(text.contains("✗ 10.2.0.0/16"), "{text}");
        h.keys("<Tab>G").await;
        screen!(format!("tui_blackhole_{w}x{hgt}"), h);
    }
}

/// Jump from hub-use1 across the pending peering to hub-euw1, and back.
#[tokio::test]
async fn jump_across_the_peering_and_back() {
    let mut h = demo(120, 40).await;
    h.keys("jj").await; // the us-east-1 TGW
    h.keys("p").await;
    screen!("tui_jumped_to_eu_west_1", h);
    let text = h.render();
    assert!(text.contains("TGW hub-euw1"), "{text}");
    h.keys("[").await;
    let text = h.render();
    assert!(text.contains("┌ TGW hub-use1"), "{text}");
    h.keys("]").await;
    let text = h.render();
    assert!(text.contains("┌ TGW hub-euw1"), "{text}");
}

#[tokio::test]
async fn peering_detail() {
    let mut h = demo(120, 40).await;
    // us-east-1 TGW → Peerings folder → the peering.
    h.keys("jj").await;
    h.keys("jjjjj").await;
    h.keys("lj").await;
    screen!("tui_peering_detail", h);
}

#[tokio::test]
async fn filter_by_cidr() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = demo(w, hgt).await;
        h.keys("/10.1.0.0/16<Enter>").await;
        screen!(format!("tui_filter_10_1_{w}x{hgt}"), h);
    }
}

#[tokio::test]
async fn help_overlay() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = demo(w, hgt).await;
        h.keys("?").await;
        screen!(format!("tui_help_{w}x{hgt}"), h);
    }
}

#[tokio::test]
async fn command_prompt_output() {
    let mut h = demo(120, 40).await;
    // `peer` is a change command too: `peeri` completes to the listing.
    h.keys(":peeri").await;
    h.keys("<Tab>").await;
    screen!("tui_command_typing", h);
    h.keys("<Enter>").await;
    screen!("tui_command_peerings", h);
}

/// `:trace` from spoke-b's instance to the internet: the trace view, hop by hop.
#[tokio::test]
async fn trace_view_spoke_b_to_internet() {
    let mut h = demo(120, 40).await;
    h.keys(":trace i-0e1a2b3c4d5e6f7d2 internet<Enter>").await;
    let text = h.render();
    assert!(text.contains("reaches internet as 203.0.113.25"), "{text}");
    screen!("tui_trace_spoke_b_internet", h);
    // Narrow: every hop still on one line, cut with an ellipsis.
    let mut h = demo(80, 24).await;
    h.keys(":trace i-0e1a2b3c4d5e6f7d2 internet<Enter>").await;
    let text = h.render();
    assert!(text.contains("  3 internet-gateway"), "{text}");
    assert!(text.contains('…'), "{text}");
    assert!(text.contains("verdict: reaches internet as"), "{text}");
}

#[tokio::test]
async fn attachment_and_vpc_details() {
    let mut h = demo(120, 40).await;
    // us-east-1 TGW → Attachments → inspection.
    h.keys("jjjjjjlj").await;
    screen!("tui_attachment_inspection", h);
    // us-east-1 → VPCs → spoke-b.
    h.keys("h").await; // to the Attachments folder
    h.keys("h").await; // collapse it
    h.keys("jjljjj").await;
    screen!("tui_vpc_spoke_b", h);
}

#[tokio::test]
async fn failed_region_shows_its_error_and_can_be_retried() {
    let sim = Simulator::demo().expect("demo");
    sim.set_faults(netops::backend::sim::Faults {
        regions_down: vec!["eu-west-1".into()],
        ..Default::default()
    });
    let sim = Arc::new(sim);
    let backend: Arc<dyn Backend> = sim.clone();
    let plan = DiscoveryPlan {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        follow_peers: true,
        concurrency: 4,
    };
    let mut h = Harness::new(backend, plan, "DEMO (reference)", 120, 40).expect("keymap");
    h.start().await;
    h.keys("G").await; // the failed region is the last row
    screen!("tui_failed_region", h);
    sim.set_faults(netops::backend::sim::Faults::default());
    h.keys("r").await;
    let text = h.render();
    assert!(text.contains("eu-west-1  1 TGW"), "{text}");
    assert!(text.contains("0 errors"), "{text}");
}

/// No region could be read (issue 18: the overview said "Findings (0) nothing to
/// report" of an estate never read): no verdict on what is not known.
#[tokio::test]
async fn an_estate_never_read_has_no_findings_verdict() {
    let sim = Simulator::demo().expect("demo");
    sim.set_faults(netops::backend::sim::Faults {
        regions_down: vec!["us-east-1".into(), "eu-west-1".into()],
        ..Default::default()
    });
    let backend: Arc<dyn Backend> = Arc::new(sim);
    let mut h = Harness::new(backend, demo_plan(), "DEMO (reference)", 120, 40).expect("keymap");
    h.start().await;
    let text = h.render();
    assert!(text.contains("none yet: no region has been read"), "{text}");
    assert!(!text.contains("nothing to report"), "{text}");
}

/// Before any region answers, the console is already drawn, with spinners.
#[tokio::test]
async fn loading_screen() {
    let sim: Arc<dyn Backend> = Arc::new(Simulator::demo().expect("demo"));
    let mut h = Harness::new(sim, demo_plan(), "DEMO (reference)", 80, 24).expect("keymap");
    h.send(netops::tui::state::Msg::Start);
    h.send(netops::tui::state::Msg::Discovery {
        generation: 1,
        event: netops::discovery::DiscoveryEvent::Started("us-east-1".into()),
        at: netops::tui::harness::FIXED_TIME,
    });
    screen!("tui_loading_80x24", h);
}

/// A route table of thousands of routes: the detail pane pages through a window of
/// them, and the tree lists at most 200 as children.
#[tokio::test]
async fn large_route_table_pages_in_the_detail_pane() {
    let sim =
        Simulator::from_scenario(netops::backend::sim::generate(20, 3_000).expect("within quotas"))
            .expect("generated");
    let backend: Arc<dyn Backend> = Arc::new(sim);
    let mut h =
        Harness::new(backend, demo_plan(), "DEMO (generated-20x3000)", 80, 24).expect("keymap");
    h.start().await;
    h.keys("jjjjj").await;
    let text = h.render();
    assert!(text.contains("Route table post-inspection"), "{text}");
    h.keys("<Tab><C-f><C-f>jjj").await;
    screen!("tui_large_route_table_80x24", h);
    let text = h.render();
    assert!(text.contains("row 32/3020"), "{text}");
    // At 80 columns the header and footer rows that do not fit say so with …
    // (they used to stop mid-id).
    for start in ["TGW ", "propagating ", "row 32/3020 "] {
        let row = text
            .lines()
            .find_map(|l| {
                l.split_once("││")
                    .map(|(_, r)| r)
                    .filter(|r| r.starts_with(start))
            })
            .unwrap_or_else(|| panic!("{start}: {text}"));
        assert!(row.ends_with("…│"), "{row}");
    }
    h.keys("G").await;
    assert!(h.render().contains("row 3020/3020"));
    // Expanding the table in the tree lists 200 routes and says where the rest are.
    h.keys("<Esc>l").await;
    let shown = h
        .state
        .nav
        .tree
        .borrow()
        .flatten(&h.state.nav.items)
        .iter()
        .filter(|f| {
            matches!(
                f.identifier.last(),
                Some(netops::tui::tree::NodeId::Route(_))
            )
        })
        .count();
    assert_eq!(shown, netops::tui::tree::MAX_ROUTE_CHILDREN);
    h.keys(&"j".repeat(201)).await;
    let text = h.render();
    assert!(text.contains("… 2820 more"), "{text}");
}

/// A detail view whose lines wrap: scrolling to the bottom reaches its last wrapped row.
/// (The clamp used to count logical lines while the view wrapped them, so the end of a
/// long wrapped detail could not be reached.)
#[tokio::test]
async fn wrapped_detail_scrolls_to_its_last_row() {
    let mut h = demo(60, 14).await;
    // The account node: findings and hints wrap at this width.
    h.keys("g<Tab>G").await;
    let text = h.render();
    assert!(
        text.contains("jump across a"),
        "the last line of the account view is reachable:\n{text}"
    );
    let body = h.state.content.detail.body.as_ref().expect("text detail");
    // Long lines are broken into rows that hang under their column (each row one
    // line), so the view's height is its rows, and it is taller than the pane.
    assert!(body.height > 14, "{} rows", body.height);
    assert!(
        body.lines
            .iter()
            .all(|l| l.width() <= usize::from(body.width)),
        "every row fits the pane"
    );
    assert!(
        body.lines.iter().any(|l| l.to_string().starts_with("    ")),
        "a broken line hangs under its text"
    );
}

/// A paste into the `:` prompt is taken in one update and drawn as its visible tail.
#[tokio::test]
async fn a_long_paste_is_cut_and_shown_by_its_tail() {
    let mut h = demo(80, 24).await;
    h.keys(":").await;
    let paste = format!("show {}", "x".repeat(100_000));
    h.send(netops::tui::state::Msg::Paste(paste));
    h.settle().await;
    assert_eq!(
        h.state.prompt.input.chars().count(),
        netops::tui::state::MAX_INPUT
    );
    let text = h.render();
    assert!(text.contains(":xxxxxxxx"), "{text}");
    assert!(text.contains("input cut at 4096 characters") || h.state.message.is_some());
}

/// Ctrl-C quits from any layer, even with a keymap that binds it to something else.
#[tokio::test]
async fn ctrl_c_quits_from_anywhere() {
    for prefix in ["", "?", ":", "/"] {
        let mut h = demo(80, 24).await;
        h.keys(prefix).await;
        h.keys("<C-c>").await;
        assert!(h.state.quit, "after {prefix:?}");
    }
}

/// The harness drives the production runtime: nothing is left running once settled.
#[tokio::test]
async fn harness_settles_the_production_runtime() {
    let h = demo(80, 24).await;
    assert!(h.runtime.is_idle());
    assert!(h.runtime.running().is_empty());
    assert!(h.state.data.estate.region("eu-west-1").is_some());
}

/// A region's topology is on screen before its optional services answer: Network
/// Firewall is made slow (and only it), and the topology event comes first, with the
/// firewall merged into the same region once it answers.
#[tokio::test]
async fn topology_shows_before_a_slow_network_firewall() {
    use netops::backend::OptionalPart;
    use netops::runtime::{Clock, DiscoveryPlanData, Effect, Report, Runtime};
    let sim = Simulator::demo().expect("demo scenario");
    sim.set_part_latency(
        OptionalPart::NetworkFirewall,
        Some(std::time::Duration::from_millis(300)),
    );
    let mut rt = Runtime::new(Arc::new(sim), Clock::Fixed(0));
    rt.execute(Effect::Discover {
        generation: 1,
        plan: DiscoveryPlanData::from(&demo_plan()),
    });
    let mut order = Vec::new();
    let mut estate = netops::model::Estate::default();
    while let Some(report) = rt.next().await {
        if let Report::Discovery { event, .. } = report {
            match &event {
                netops::discovery::DiscoveryEvent::Finished(r, Ok(e)) if r == "us-east-1" => {
                    assert!(e.firewalls.is_empty(), "topology carries no firewall");
                    assert!(!e.tgws.is_empty());
                    order.push("topology");
                }
                netops::discovery::DiscoveryEvent::Part(r, OptionalPart::NetworkFirewall, _)
                    if r == "us-east-1" =>
                {
                    order.push("network-firewall");
                }
                _ => {}
            }
            netops::discovery::apply_event(&mut estate, event);
        }
    }
    assert_eq!(order, ["topology", "network-firewall"]);
    let region = estate.region("us-east-1").expect("loaded");
    assert_eq!(region.firewalls.len(), 1, "merged once it answered");
    assert!(region.gaps.is_empty(), "{:?}", region.gaps);
}

/// Names are anyone's to set: control characters and escape sequences in them are
/// shown escaped in the tree and the detail pane, never passed to the terminal nor
/// silently dropped.
#[tokio::test]
async fn escape_sequences_in_names_are_shown_escaped() {
    use netops::backend::sim::scenario::Scenario;
    let mut scenario = Scenario::builtin().expect("builtin");
    let evil = "evil\u{1b}[2J\u{7}tgw";
    scenario.regions[0].tgws[0].name = Some(evil.into());
    let sim: Arc<dyn Backend> = Arc::new(Simulator::from_scenario(scenario).expect("sim"));
    let mut h = Harness::new(sim, demo_plan(), "DEMO (reference)", 120, 40).expect("keymap");
    h.start().await;
    // Select the TGW so its detail shows too.
    h.keys("jj").await;
    let text = h.render();
    // In the tree, the detail title and the detail body.
    assert!(text.matches(r"evil\x1b[2J\x07tgw").count() >= 3, "{text}");
    let raw = h
        .terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .any(|c| c.symbol().chars().any(|ch| ch.is_control() && ch != '\n'));
    assert!(!raw, "no control character reaches a cell");
}

fn findings_overlay(h: &Harness) -> (Vec<String>, Option<String>) {
    match h.state.overlay() {
        Some(netops::tui::state::Overlay::Findings { rows, selected }) => (rows, selected),
        other => panic!("no findings list on top: {other:?}"),
    }
}

/// Findings are a list to pick from (issue 18 #3): `F`, `:audit` and Enter on the
/// overview open it; the selected finding is shown in full, its fix included, at
/// 80x24; typing filters; Enter shows its object in the tree and `[` comes back.
#[tokio::test]
async fn findings_are_a_list_that_leads_to_the_object() {
    let mut h = demo(80, 24).await;
    let before = h.state.selected();
    h.keys("F").await;
    let (rows, selected) = findings_overlay(&h);
    assert!(!rows.is_empty(), "the demo has findings");
    assert_eq!(selected.as_ref(), rows.first());
    let text = h.render();
    assert!(text.contains("fix: "), "the fix is shown in full: {text}");
    screen!("tui_findings_80x24", h);

    // Typing filters (the blackhole in post-inspection), Backspace widens again.
    h.keys("10.2.0").await;
    let (filtered, selected) = findings_overlay(&h);
    assert!(!filtered.is_empty() && filtered.len() <= rows.len());
    assert!(
        filtered.iter().all(|r| r.contains("10.2.0")),
        "{filtered:?}"
    );
    let chosen = selected.expect("a selection");
    let target = h
        .state
        .data
        .findings
        .iter()
        .find(|f| f.text == chosen)
        .expect("the finding")
        .path
        .clone();
    h.keys("<Enter>").await;
    assert_eq!(h.state.overlay(), None, "the list closes on Enter");
    assert_eq!(
        h.state.selected(),
        target,
        "its object is selected in the tree"
    );
    h.keys("[").await;
    assert_eq!(h.state.selected(), before, "[ comes back");

    // The same list from :audit, and from Enter on the overview.
    h.keys(":audit<Enter>").await;
    assert_eq!(findings_overlay(&h).0, rows);
    h.keys("<Esc>").await;
    assert_eq!(h.state.overlay(), None);
    h.keys("g<Enter>").await;
    assert_eq!(findings_overlay(&h).0, rows);
}

/// Beside a popup nothing of the panes behind shows through (issue 18 #10): before,
/// cut-off words of the detail pane ("lished;", "rev:1;)") stood in the strip right of
/// every popup. Checked on the trace view over a route-table detail, at two sizes.
#[tokio::test]
async fn nothing_of_the_panes_shows_beside_a_popup() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = demo(w, hgt).await;
        h.keys("jjjjj<Tab>").await;
        h.keys(":trace i-0e1a2b3c4d5e6f7d2 internet<Enter>").await;
        let text = h.render();
        let area = netops::tui::layout::popup((w, hgt));
        let rows: Vec<&str> = text.lines().collect();
        for y in area.y..area.y + area.height {
            let row: Vec<char> = rows[usize::from(y)].chars().collect();
            let outside: String = row
                .iter()
                .enumerate()
                .filter(|(x, _)| {
                    let x = u16::try_from(*x).expect("x");
                    (x > 0 && x < area.x) || (x >= area.x + area.width && x + 1 < w)
                })
                .map(|(_, c)| *c)
                .collect();
            assert!(
                outside.trim().is_empty(),
                "row {y} shows {outside:?} beside the popup at {w}x{hgt}:\n{text}"
            );
        }
    }
}

/// Where to trace from (issue 18 #8): Tab after `:trace ` lists the candidates with
/// what they are (`id  name  (vpc, az)`), above the status bar at 80x24; a subnet's
/// detail lists the instances in it.
#[tokio::test]
async fn trace_completion_names_what_each_id_is() {
    let mut h = demo(80, 24).await;
    h.keys(":trace i-<Tab>").await;
    assert!(
        h.state.prompt.completions.len() > 1,
        "{:?}",
        h.state.prompt.completions
    );
    let text = h.render();
    assert!(
        text.contains("i-0e1a2b3c4d5e6f7d2  spoke-b-workload  (spoke-b, us-east-1b)"),
        "{text}"
    );
    assert!(text.contains("candidates above"), "{text}");
    screen!("tui_trace_completion_80x24", h);
    h.keys("<Esc>").await;

    // The subnet of spoke-b's workload lists it.
    h.keys("/subnet-0e1a2b3c4d5e6f762<Enter>").await;
    let text = h.render();
    assert!(text.contains("In this subnet"), "{text}");
}

/// Instances are tree nodes under their subnet (issue 18 #8): the filter finds one by
/// name, its detail says where it sits, what its SSM agent says and how to trace or
/// probe from it, and `t` on it types `:trace i-… ` for you.
#[tokio::test]
async fn an_instance_is_a_node_to_trace_from() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = demo(w, hgt).await;
        h.keys("/spoke-b-workload<Enter>").await;
        assert_eq!(
            h.state.selected().last(),
            Some(&netops::tui::tree::NodeId::Instance(
                "i-0e1a2b3c4d5e6f7d2".into()
            )),
            "the filter lands on the instance"
        );
        let text = h.render();
        assert!(text.contains("Instance spoke-b-workload"), "{text}");
        assert!(text.contains("203.0.113.25"), "its public IP: {text}");
        assert!(text.contains("Online"), "its SSM agent: {text}");
        if w == 80 {
            // A title that does not fit says so with … (it used to stop mid-word).
            let top = text.lines().next().unwrap_or_default();
            assert!(top.contains("filter: spoke-b-workl…┐"), "{top}");
        }
        screen!(format!("tui_instance_{w}x{hgt}"), h);
        h.keys("t").await;
        assert_eq!(h.state.prompt.input, "trace i-0e1a2b3c4d5e6f7d2 ");
    }
}

/// `f` opens the `:` prompt with `find ` typed (issue 20 #6); Tab offers ids, and
/// the answer is a popup like any `:` query's.
#[tokio::test]
async fn f_types_find_at_the_prompt_and_the_answer_pops_up() {
    let mut h = demo(120, 40).await;
    h.keys("f").await;
    assert_eq!(h.state.prompt.input, "find ");
    screen!("tui_find_prompt", h);
    h.keys("subnet-0e1a2b3c4d5e6f76<Tab>").await;
    assert_eq!(
        h.state.prompt.completions,
        ["subnet-0e1a2b3c4d5e6f761", "subnet-0e1a2b3c4d5e6f762"]
    );
    h.keys("<C-u>find 10.0.0.10<Enter>").await;
    let text = h.render();
    assert!(text.contains(":find 10.0.0.10"), "{text}");
    assert!(text.contains("10.0.0.10 is held by 2 objects"), "{text}");
    assert!(text.contains("i-0e1a2b3c4d5e6f7d1"), "{text}");
    h.keys("<Esc>").await;
    assert!(!h.render().contains("is held by"), "the popup closed");
}

/// With security groups and interfaces read (the `filters` scenario): an instance's
/// detail lists its groups' rules both ways, and its subnet's detail lists the
/// interfaces of no instance (a Lambda function's) beside the instances.
#[tokio::test]
async fn an_instance_shows_its_security_groups_and_a_subnet_its_interfaces() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/filters.toml");
    let scenario = netops::backend::sim::Scenario::load(&path).expect("scenario");
    let sim: Arc<dyn Backend> = Arc::new(Simulator::from_scenario(scenario).expect("loads"));
    let mut h = Harness::new(sim, demo_plan(), "SIM (filters)", 120, 40).expect("keymap");
    h.start().await;
    h.keys("/spoke-b-workload<Enter>").await;
    let text = h.render();
    assert!(text.contains("Security groups (1)"), "{text}");
    assert!(
        text.contains("spoke-b-workload (sg-0e1a2b3c4d5e6f7e2)"),
        "{text}"
    );
    assert!(
        text.contains("in   tcp 22         from sg-0e1a2b3c4d5e6f7e1"),
        "{text}"
    );
    assert!(
        text.contains("out  all            to   0.0.0.0/0"),
        "{text}"
    );
    h.keys("<Esc>/subnet-0e1a2b3c4d5e6f762<Enter>").await;
    let text = h.render();
    assert!(text.contains("In this subnet (2)"), "{text}");
    assert!(
        text.contains("eni-0e1a2b3c4d5e6f7f1  lambda  10.1.1.20  AWS Lambda VPC"),
        "{text}"
    );
    assert!(
        text.contains("    ENI-report-builder"),
        "wrapped under its row: {text}"
    );
}

/// The demo as an organization (`--demo --org`): the tree's root says how many
/// accounts were read and how many not, the overview lists each account with what it
/// holds or why it was not read, and the denied account is a gap in each region.
#[tokio::test]
async fn an_organization_overview_lists_its_accounts() {
    let sim = Arc::new(
        Simulator::from_scenario(
            netops::backend::sim::scenario::Scenario::organization().expect("org"),
        )
        .expect("sim"),
    );
    let org: Arc<dyn Backend> =
        Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
    for (w, h) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new(
            Arc::clone(&org),
            demo_plan(),
            "DEMO (organization, 5 accounts)",
            w,
            h,
        )
        .expect("keymap");
        harness.start().await;
        let text = harness.render();
        assert!(text.contains("accounts 5 read"), "{text}");
        assert!(text.contains("555566667777"), "{text}");
        screen!(format!("organization_overview_{w}x{h}"), harness);
    }
}

/// An organization of many accounts: the overview lists the unread ones first and a
/// few others, and counts the rest, so the regions and findings stay in view.
#[tokio::test]
async fn an_organizations_overview_caps_its_account_list() {
    use netops::backend::sim::generate_org::OrgShape;
    let scenario = OrgShape {
        accounts: 20,
        regions: 1,
        spokes_per_account_region: 1,
        denied_account: true,
    }
    .generate()
    .expect("valid");
    let sim = Arc::new(Simulator::from_scenario(scenario).expect("sim"));
    let org: Arc<dyn Backend> =
        Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
    let mut h = Harness::new(org, demo_plan(), "DEMO (org)", 120, 40).expect("keymap");
    h.start().await;
    let text = h.render();
    assert!(text.contains("Accounts (22)"), "{text}");
    assert!(text.contains("not read"), "{text}");
    assert!(text.contains("… 14 more accounts"), "{text}");
    assert!(text.contains("Regions"), "{text}");
}
