//! The pure update function: messages in, state and effects out. No terminal, no
//! runtime; region data comes from the simulator and is fed in as messages.

use netops::backend::Backend;
use netops::backend::sim::Simulator;
use netops::discovery::{DiscoveryEvent, DiscoveryPlan};
use netops::model::RegionLoad;
use netops::tui::harness::parse_keys;
use netops::tui::keymap::{Action, Keymap};
use netops::tui::state::{Effect, Focus, Mode, Msg, Overlay, State, StateInit, update};
use netops::tui::tree::NodeId;

const T: u64 = 1_000;

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

fn fresh() -> State {
    State::new(StateInit {
        plan: plan(),
        backend_label: "DEMO (reference)".into(),
        read_only: false,
        keymap: Keymap::builtin().expect("keymap"),
        keymap_error: None,
        size: (120, 40),
    })
}

/// The effects of keys, less the audit every data change asks for (the audit's own
/// tests look at it: `a_data_change_asks_for_one_audit_and_takes_only_the_newest`).
/// The front end's jobs (a `:` query, the audit log read) are answered after each
/// key, as the console's loop does.
fn keys(state: &mut State, seq: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for k in parse_keys(seq) {
        fx.extend(update(state, Msg::Key(k)));
        for job in state.take_jobs() {
            if let Some(answer) = netops::tui::run_job(job, netops::runtime::Clock::Fixed(0)) {
                fx.extend(update(state, answer));
            }
        }
    }
    fx.retain(|e| !matches!(e, Effect::Audit { .. }));
    fx
}

async fn region(name: &str) -> DiscoveryEvent {
    let sim = Simulator::demo().expect("demo");
    DiscoveryEvent::Finished(name.into(), sim.load_region(name).await.map(Box::new))
}

/// A state with both demo regions loaded under discovery generation 1.
async fn loaded() -> State {
    let mut s = fresh();
    update(&mut s, Msg::Start);
    for r in ["us-east-1", "eu-west-1"] {
        update(
            &mut s,
            Msg::Discovery {
                generation: 1,
                event: DiscoveryEvent::Started(r.into()),
                at: T,
            },
        );
        update(
            &mut s,
            Msg::Discovery {
                generation: 1,
                event: region(r).await,
                at: T,
            },
        );
    }
    s
}

fn selected_last(s: &State) -> NodeId {
    s.selected().last().cloned().expect("something selected")
}

#[test]
fn start_asks_for_discovery_of_the_plan() {
    let mut s = fresh();
    let fx = update(&mut s, Msg::Start);
    match fx.as_slice() {
        [
            Effect::Discover {
                generation: 1,
                plan,
            },
        ] => {
            assert_eq!(plan.regions, vec!["us-east-1".to_string()]);
            assert!(plan.follow_peers);
        }
        other => panic!("unexpected effects {other:?}"),
    }
}

#[tokio::test]
async fn regions_stream_in_and_the_screen_is_usable_meanwhile() {
    let mut s = fresh();
    update(&mut s, Msg::Start);
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started("us-east-1".into()),
            at: T,
        },
    );
    assert!(s.is_loading());
    assert_eq!(
        s.data.estate.regions.get("us-east-1"),
        Some(&RegionLoad::Loading)
    );
    // Keys work while loading.
    keys(&mut s, "?");
    assert_eq!(s.overlay(), Some(Overlay::Help));
    keys(&mut s, "<Esc>");
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: region("us-east-1").await,
            at: T,
        },
    );
    assert!(!s.is_loading());
    assert_eq!(s.data.last_refresh, Some(T));
    assert!(s.data.estate.region("us-east-1").is_some());
}

#[tokio::test]
async fn stale_results_are_dropped() {
    let mut s = loaded().await;
    // Refresh: generation 2.
    let fx = keys(&mut s, "<C-r>");
    assert!(
        matches!(fx.as_slice(), [Effect::Discover { generation: 2, .. }]),
        "{fx:?}"
    );
    // A late answer of generation 1 for a failed read must not replace anything.
    let late = DiscoveryEvent::Finished(
        "us-east-1".into(),
        Err(netops::backend::BackendError::new(
            netops::backend::ErrorKind::Timeout,
            "old timeout",
        )),
    );
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: late,
            at: T + 1,
        },
    );
    assert!(
        s.data.estate.region("us-east-1").is_some(),
        "stale failure ignored"
    );
    assert_eq!(s.data.last_refresh, Some(T));
    // While generation 2 runs, the loaded data stays visible.
    update(
        &mut s,
        Msg::Discovery {
            generation: 2,
            event: DiscoveryEvent::Started("us-east-1".into()),
            at: T + 2,
        },
    );
    assert!(s.data.loading.contains("us-east-1"));
    assert!(s.data.estate.region("us-east-1").is_some());
    update(
        &mut s,
        Msg::Discovery {
            generation: 2,
            event: region("us-east-1").await,
            at: T + 3,
        },
    );
    assert_eq!(s.data.last_refresh, Some(T + 3));
    assert!(!s.is_loading());
}

#[tokio::test]
async fn a_newer_region_reload_beats_an_older_discovery_answer() {
    let mut s = loaded().await;
    // Select us-east-1 and reload it: generation 2 for that region only.
    keys(&mut s, "j");
    let fx = keys(&mut s, "r");
    assert_eq!(
        fx,
        vec![Effect::LoadRegion {
            generation: 2,
            region: "us-east-1".into()
        }]
    );
    // The generation-1 discovery answer arriving now is older: dropped.
    let old = DiscoveryEvent::Finished(
        "us-east-1".into(),
        Err(netops::backend::BackendError::new(
            netops::backend::ErrorKind::Other,
            "old",
        )),
    );
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: old,
            at: T + 1,
        },
    );
    assert!(s.data.estate.region("us-east-1").is_some());
    assert!(s.data.loading.contains("us-east-1"));
}

#[tokio::test]
async fn failed_region_is_shown_and_retried() {
    let mut s = fresh();
    update(&mut s, Msg::Start);
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started("eu-west-1".into()),
            at: T,
        },
    );
    let err = netops::backend::BackendError::new(
        netops::backend::ErrorKind::Unreachable,
        "cannot reach eu-west-1",
    );
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Finished("eu-west-1".into(), Err(err)),
            at: T,
        },
    );
    update(&mut s, Msg::DiscoveryDone { generation: 1 });
    assert_eq!(s.error_count(), 1);
    let (text, _) = s.message.clone().expect("a message");
    assert!(text.contains("press r to retry"), "{text}");
    keys(&mut s, "j");
    assert_eq!(selected_last(&s), NodeId::Region("eu-west-1".into()));
    let fx = keys(&mut s, "<Enter>");
    assert_eq!(
        fx,
        vec![Effect::LoadRegion {
            generation: 2,
            region: "eu-west-1".into()
        }]
    );
}

#[tokio::test]
async fn movement_follows_the_visible_tree() {
    let mut s = loaded().await;
    assert_eq!(selected_last(&s), NodeId::Account);
    keys(&mut s, "jj");
    assert!(matches!(selected_last(&s), NodeId::Tgw(_)));
    keys(&mut s, "k");
    assert_eq!(selected_last(&s), NodeId::Region("us-east-1".into()));
    keys(&mut s, "G");
    assert!(
        matches!(selected_last(&s), NodeId::Folder(_)),
        "{:?}",
        s.selected()
    );
    keys(&mut s, "g");
    assert_eq!(selected_last(&s), NodeId::Account);
    // h on an open node closes it; on a closed one goes to the parent.
    keys(&mut s, "jh");
    assert_eq!(s.selected().len(), 2);
    assert!(!s.nav.tree.borrow().opened().contains(&s.selected()));
    keys(&mut s, "h");
    assert_eq!(selected_last(&s), NodeId::Account);
    keys(&mut s, "l");
    assert!(
        s.nav
            .tree
            .borrow()
            .opened()
            .contains(&vec![NodeId::Account])
    );
}

#[tokio::test]
async fn route_table_opens_lazily_and_the_detail_cursor_moves() {
    let mut s = loaded().await;
    keys(&mut s, "jjjjj"); // post-inspection
    assert!(matches!(selected_last(&s), NodeId::RouteTable(_)));
    assert_eq!(s.nav.detail.rows.len(), 3);
    keys(&mut s, "l");
    keys(&mut s, "j");
    assert_eq!(selected_last(&s), NodeId::Route(0));
    keys(&mut s, "hh"); // back to the table, closed
    keys(&mut s, "<Tab>");
    assert_eq!(s.nav.focus, Focus::Detail);
    keys(&mut s, "G");
    assert_eq!(s.nav.detail.cursor, 2);
    // Enter on the blackhole route: its attachment is gone, so an error says so.
    keys(&mut s, "<Enter>");
    let (text, _) = s.message.clone().expect("message");
    assert!(text.contains("no longer exists"), "{text}");
    // Enter on a live route jumps to its attachment; [ comes back.
    keys(&mut s, "g<Enter>");
    assert!(
        matches!(selected_last(&s), NodeId::Attachment(_)),
        "{:?}",
        s.selected()
    );
    keys(&mut s, "[");
    assert!(matches!(selected_last(&s), NodeId::RouteTable(_)));
}

#[tokio::test]
async fn jump_across_the_peering_with_history() {
    let mut s = loaded().await;
    keys(&mut s, "jj");
    let from = s.selected();
    keys(&mut s, "p");
    assert_eq!(
        s.selected(),
        vec![
            NodeId::Account,
            NodeId::Region("eu-west-1".into()),
            NodeId::Tgw("tgw-0f9e8d7c6b5a4f301".into())
        ]
    );
    keys(&mut s, "p"); // and across again, from the other side
    assert_eq!(s.selected(), from);
    keys(&mut s, "[[");
    assert_eq!(s.selected(), from);
    keys(&mut s, "]");
    assert!(matches!(&s.selected()[1], NodeId::Region(r) if r == "eu-west-1"));
}

#[tokio::test]
async fn jump_to_an_unread_region_loads_it() {
    let mut s = fresh();
    update(&mut s, Msg::Start);
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started("us-east-1".into()),
            at: T,
        },
    );
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: region("us-east-1").await,
            at: T,
        },
    );
    keys(&mut s, "jj");
    let fx = keys(&mut s, "p");
    assert_eq!(
        fx,
        vec![Effect::LoadRegion {
            generation: 2,
            region: "eu-west-1".into()
        }]
    );
}

#[tokio::test]
async fn cidr_filter_keeps_matches_and_esc_clears_it() {
    let mut s = loaded().await;
    keys(&mut s, "/10.1.0.0/16");
    assert_eq!(s.prompt.mode, Mode::Filter);
    assert_eq!(
        s.nav.filter.as_ref().map(|f| f.text.as_str()),
        Some("10.1.0.0/16")
    );
    keys(&mut s, "<Enter>");
    assert_eq!(s.prompt.mode, Mode::Normal);
    let visible: Vec<_> = s
        .nav
        .tree
        .borrow()
        .flatten(&s.nav.items)
        .into_iter()
        .map(|f| f.identifier)
        .collect();
    let has = |id: &NodeId| visible.iter().any(|p| p.last() == Some(id));
    assert!(
        has(&NodeId::Vpc("vpc-0e1a2b3c4d5e6f733".into())),
        "spoke-b kept"
    );
    assert!(
        !has(&NodeId::Vpc("vpc-0e1a2b3c4d5e6f732".into())),
        "spoke-a hidden"
    );
    // The route to 10.1.0.0/16 and the default route (which contains it) both show.
    let routes = visible
        .iter()
        .filter(|p| matches!(p.last(), Some(NodeId::Route(_))))
        .count();
    assert_eq!(routes, 2);
    keys(&mut s, "<Esc>");
    assert_eq!(s.nav.filter, None);
    let visible = s.nav.tree.borrow().flatten(&s.nav.items).len();
    assert!(visible > 10);
}

#[tokio::test]
async fn command_prompt_completes_and_runs_queries() {
    let mut s = loaded().await;
    keys(&mut s, ":rou<Tab>");
    assert_eq!(s.prompt.input, "route");
    assert_eq!(
        s.prompt.completions,
        vec![
            "route-tables".to_string(),
            "routes".to_string(),
            "route".to_string()
        ]
    );
    keys(&mut s, "<C-u>routes tgw-rtb-0e1a2b3c4d5e6f71<Tab>");
    assert_eq!(s.prompt.input, "routes tgw-rtb-0e1a2b3c4d5e6f71");
    keys(&mut s, "2<Tab><Enter>");
    match &s.overlay() {
        Some(Overlay::Output { title, lines }) => {
            assert_eq!(title, ":routes tgw-rtb-0e1a2b3c4d5e6f712");
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("10.2.0.0/16") && l.contains("blackhole")),
                "{lines:?}"
            );
        }
        other => panic!("no output: {other:?}"),
    }
    keys(&mut s, "q");
    assert_eq!(s.overlay(), None);
    keys(&mut s, ":nope<Enter>");
    let (text, _) = s.message.clone().expect("error");
    assert!(text.contains("unrecognized subcommand 'nope'"), "{text}");
}

#[tokio::test]
async fn keymap_commands_copy_and_quit_are_effects() {
    let mut s = loaded().await;
    keys(&mut s, "jj");
    let fx = keys(&mut s, "y");
    assert_eq!(fx, vec![Effect::Copy("tgw-0e1a2b3c4d5e6f701".into())]);
    let fx = keys(&mut s, "Y");
    assert_eq!(
        fx,
        vec![Effect::Copy(
            "arn:aws:ec2:us-east-1:111122223333:transit-gateway/tgw-0e1a2b3c4d5e6f701".into()
        )]
    );
    keys(&mut s, "P"); // bound to ":peerings" in the default keymap
    assert!(matches!(&s.overlay(), Some(Overlay::Output { title, .. }) if title == ":peerings"));
    keys(&mut s, "<Esc>");
    let fx = keys(&mut s, "q");
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(s.quit);
}

#[tokio::test]
async fn redraw_only_when_something_changed() {
    let mut s = loaded().await;
    s.dirty = false;
    // No region loading: ticks change nothing.
    update(&mut s, Msg::Tick);
    assert!(!s.dirty);
    assert_eq!(s.spinner, 0);
    update(&mut s, Msg::Action(Action::Down));
    assert!(s.dirty);
    s.dirty = false;
    update(
        &mut s,
        Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started("ap-south-1".into()),
            at: T,
        },
    );
    assert!(s.dirty);
    s.dirty = false;
    update(&mut s, Msg::Tick);
    assert!(s.dirty);
    assert_eq!(s.spinner, 1);
}

#[tokio::test]
async fn applying_a_filter_selects_the_first_match_not_the_account() {
    let mut s = loaded().await;
    keys(&mut s, "/post-inspection<Enter>");
    assert_eq!(
        selected_last(&s),
        NodeId::RouteTable("tgw-rtb-0e1a2b3c4d5e6f712".into())
    );
    // From there one key jumps on: filter to the peering, then across it.
    keys(&mut s, "<Esc>/use1-to<Enter>p");
    assert!(matches!(&s.selected()[1], NodeId::Region(r) if r == "eu-west-1"));
}

/// A burst of messages applied at once ends where the same messages one by one end:
/// the data-derived parts (index, findings, tree) are rebuilt once, not per message.
#[tokio::test]
async fn a_burst_ends_where_one_by_one_ends() {
    let one_by_one = loaded().await;
    let mut burst = fresh();
    let mut msgs = vec![Msg::Start];
    for r in ["us-east-1", "eu-west-1"] {
        msgs.push(Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started(r.into()),
            at: T,
        });
        msgs.push(Msg::Discovery {
            generation: 1,
            event: region(r).await,
            at: T,
        });
    }
    msgs.extend(parse_keys("jj").into_iter().map(Msg::Key));
    netops::tui::state::update_all(&mut burst, msgs);
    let mut expected = one_by_one;
    keys(&mut expected, "jj");
    assert_eq!(burst.data.estate, expected.data.estate);
    assert_eq!(burst.data.findings, expected.data.findings);
    assert_eq!(burst.selected(), expected.selected());
    assert_eq!(
        burst.nav.tree.borrow().flatten(&burst.nav.items).len(),
        expected
            .nav
            .tree
            .borrow()
            .flatten(&expected.nav.items)
            .len()
    );
}

fn trace_selected(s: &State) -> Option<String> {
    match s.overlay() {
        Some(Overlay::Trace { selected, .. }) => selected,
        other => panic!("no trace view on top: {other:?}"),
    }
}

/// `:trace` opens the trace view; Enter on the VPC route table hop selects its VPC in
/// the tree and closes the view; `[` reopens it with the same hop selected.
#[tokio::test]
async fn enter_on_a_trace_hop_selects_its_node_and_back_reopens_the_view() {
    let mut s = loaded().await;
    keys(&mut s, ":trace i-0e1a2b3c4d5e6f7d2 internet<Enter>");
    match s.overlay() {
        Some(Overlay::Trace { title, selected }) => {
            assert_eq!(
                title,
                ":trace i-0e1a2b3c4d5e6f7d2 internet — tcp/443 by default (--proto, --port, --sni change it)",
                "a bare trace says the flow it stands for"
            );
            assert_eq!(selected.as_deref(), Some("i-0e1a2b3c4d5e6f7d2"));
        }
        other => panic!("{other:?}"),
    }
    keys(&mut s, "j");
    let hop = trace_selected(&s).expect("a hop");
    assert!(
        hop.starts_with("rtb-"),
        "second hop is the VPC route table: {hop}"
    );
    let before = s.selected();
    keys(&mut s, "<Enter>");
    assert_eq!(s.overlay(), None, "the view closes on a jump");
    assert_eq!(
        selected_last(&s),
        NodeId::Vpc("vpc-0e1a2b3c4d5e6f733".into()),
        "the route table is shown by its VPC"
    );
    keys(&mut s, "[");
    assert_eq!(
        trace_selected(&s),
        Some(hop),
        "[ reopens the view as it was"
    );
    assert_eq!(s.selected(), before, "and the tree goes back too");
    // Esc closes it; a second [ has no trace to come back to.
    keys(&mut s, "<Esc>");
    assert_eq!(s.overlay(), None);
    keys(&mut s, "[");
    assert_eq!(s.overlay(), None);
}

#[tokio::test]
async fn a_bad_trace_query_is_a_command_error() {
    let mut s = loaded().await;
    keys(&mut s, ":trace i-00000000000000000 internet<Enter>");
    assert_eq!(s.overlay(), None);
    let (text, severity) = s.message.clone().expect("an error");
    assert_eq!(severity, netops::tui::state::Severity::Error);
    assert!(
        text.starts_with(":trace i-00000000000000000 internet — "),
        "{text}"
    );
}

/// `t` on a subnet opens the `:` prompt with `trace <subnet> ` typed; elsewhere it
/// says what to select.
#[tokio::test]
async fn t_on_a_subnet_prefills_a_trace() {
    let mut s = loaded().await;
    keys(&mut s, "t");
    assert_eq!(s.prompt.mode, Mode::Normal);
    assert!(s.message.is_some(), "t off a subnet says what to select");
    keys(&mut s, "/subnet-0e1a2b3c4d5e6f762<Enter>");
    assert_eq!(
        selected_last(&s),
        NodeId::Subnet("subnet-0e1a2b3c4d5e6f762".into())
    );
    keys(&mut s, "t");
    assert_eq!(s.prompt.mode, Mode::Command);
    assert_eq!(s.prompt.input, "trace subnet-0e1a2b3c4d5e6f762 ");
    keys(&mut s, "internet<Enter>");
    match s.overlay() {
        Some(Overlay::Trace { title, .. }) => {
            assert_eq!(
                title,
                ":trace subnet-0e1a2b3c4d5e6f762 internet — tcp/443 by default (--proto, --port, --sni change it)"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// The findings come from an audit the runtime runs off the console's thread: a burst
/// of data asks for one, and only the newest request's answer is shown.
#[tokio::test]
async fn a_data_change_asks_for_one_audit_and_takes_only_the_newest() {
    let mut s = fresh();
    update(&mut s, Msg::Start);
    let mut burst = Vec::new();
    for r in ["us-east-1", "eu-west-1"] {
        burst.push(Msg::Discovery {
            generation: 1,
            event: DiscoveryEvent::Started(r.into()),
            at: T,
        });
        burst.push(Msg::Discovery {
            generation: 1,
            event: region(r).await,
            at: T,
        });
    }
    let fx = netops::tui::state::update_all(&mut s, burst);
    let audits: Vec<(u64, netops::runtime::Snapshot)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Audit { task, estate } => Some((*task, estate.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(audits.len(), 1, "one audit per burst: {fx:?}");
    let (first, snapshot) = audits[0].clone();
    assert!(
        s.data.findings.is_empty(),
        "nothing until the audit answers"
    );
    let found = netops::net::audit::audit(&netops::net::Net::new(&snapshot.0));
    assert!(!found.is_empty());

    // Another change asks again; the first audit's late answer is ignored.
    let fx = keys(&mut s, "<C-r>");
    assert!(!fx.is_empty());
    let fx = netops::tui::state::update_all(
        &mut s,
        [
            Msg::Discovery {
                generation: 2,
                event: DiscoveryEvent::Started("us-east-1".into()),
                at: T + 1,
            },
            Msg::Discovery {
                generation: 2,
                event: region("us-east-1").await,
                at: T + 1,
            },
        ],
    );
    let second = fx
        .iter()
        .find_map(|e| match e {
            Effect::Audit { task, .. } => Some(*task),
            _ => None,
        })
        .expect("a second audit");
    assert_ne!(first, second);
    let baseline = std::sync::Arc::new(netops::net::baseline::Baseline::new(&s.data.estate));
    update(
        &mut s,
        Msg::Audited {
            task: first,
            findings: found.clone(),
            baseline: std::sync::Arc::clone(&baseline),
        },
    );
    assert!(s.data.findings.is_empty(), "a superseded audit is dropped");
    assert!(s.data.baseline.is_none(), "and so is its baseline");
    update(
        &mut s,
        Msg::Audited {
            task: second,
            findings: found.clone(),
            baseline,
        },
    );
    assert_eq!(s.data.findings.len(), found.len());
    assert!(
        s.data.baseline.is_some(),
        "previews of this version reuse its baseline"
    );
    assert!(
        s.data
            .findings
            .iter()
            .any(|f| f.text.contains("blackhole route 10.2.0.0/16")),
        "{:?}",
        s.data.findings
    );
}
