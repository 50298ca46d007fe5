//! The audit trail tells the truth (issue 16): a change whose answer is lost is
//! settled from what the re-read shows, never reported "nothing was changed" and
//! never sent again; every change sent has an intent line before it and an answer
//! after it; a run killed mid-change leaves an intent the next run settles; the
//! audit log refuses unsafe places and, when it cannot be written, no change is
//! sent. The property at the end holds the simulator's own change log against the
//! audit log over random scripts, faults and kills.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use netops::backend::Backend;
use netops::backend::sim::{Faults, Simulator};
use netops::batch::{BatchOptions, ChangeOptions, ChangerHandle, exit, run_script};
use netops::cli::OutputFormat;
use netops::discovery::DiscoveryPlan;
use netops::ops::log::{self, Audit};

use super::support::Run;

const SPOKE_RTB: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
const POST_RTB: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
const SPOKE_A_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f722";
const SPOKE_B_ATT: &str = "tgw-attach-0e1a2b3c4d5e6f723";
const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
const SPOKE_A_VPC_RTB: &str = "rtb-0e1a2b3c4d5e6f787";
const HUB_USE1: &str = "tgw-0e1a2b3c4d5e6f701";

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

fn demo() -> Arc<Simulator> {
    Arc::new(Simulator::demo().expect("demo"))
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    (dir, log)
}

/// Runs `script` in process on `sim`, applying (`--yes --accept-impact`), going on
/// after failures, logging to `log`.
async fn batch(sim: &Arc<Simulator>, script: &str, log: &Path) -> Run {
    let opts = options(sim, log);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let backend: Arc<dyn Backend> = Arc::clone(sim) as Arc<dyn Backend>;
    let code = run_script(script, backend, plan(), &opts, &mut out, &mut err).await;
    Run {
        code,
        stdout: String::from_utf8(out).expect("utf8"),
        stderr: String::from_utf8(err).expect("utf8"),
    }
}

fn options(sim: &Arc<Simulator>, log: &Path) -> BatchOptions {
    BatchOptions {
        output: OutputFormat::Text,
        keep_going: true,
        progress: false,
        changes: ChangeOptions {
            changer: ChangerHandle(sim.changer()),
            yes: true,
            accept_impact: true,
            audit: Audit::open(Some(log)),
            profile: "demo".into(),
            retry_base_ms: Some(1),
            ..ChangeOptions::default()
        },
        stop: netops::batch::Stop::default(),
    }
}

/// The changes the audit log holds (its lines folded per change).
fn changes(log: &Path) -> Vec<log::Entry> {
    let (changes, bad) = log::read(log, None).expect("audit log readable");
    assert_eq!(bad, 0, "every line is JSON");
    changes
}

/// The route to `cidr` in a TGW route table, as the simulator holds it: its targets.
fn tgw_route(sim: &Simulator, table: &str, cidr: &str) -> Option<Vec<String>> {
    let snapshot = sim.snapshot();
    snapshot["us-east-1"]
        .tgw_route_tables
        .iter()
        .find(|t| t.id == table)?
        .routes
        .iter()
        .find(|r| r.destination.to_string() == cidr)
        .map(|r| r.targets.iter().map(|t| t.attachment_id.clone()).collect())
}

fn lose(action: &str) -> Faults {
    Faults {
        timeout_after_apply: vec![action.into()],
        ..Faults::default()
    }
}

/// Item 1: each kind of change whose answer is lost (the call timed out after the
/// change was made) is settled by the re-read as applied, audited as applied, never
/// sent again; before the fix it read "failed … nothing was changed".
#[tokio::test]
async fn a_lost_answer_is_settled_as_applied_by_the_re_read_for_every_kind() {
    let cases: Vec<(&str, String, String)> = vec![
        (
            "CreateTransitGatewayRoute",
            String::new(),
            format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}"),
        ),
        (
            "ReplaceTransitGatewayRoute",
            format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}"),
            format!("route replace {SPOKE_RTB} 10.50.0.0/16 {SPOKE_B_ATT}"),
        ),
        (
            "DeleteTransitGatewayRoute",
            String::new(),
            format!("route del {POST_RTB} 10.2.0.0/16"),
        ),
        (
            "CreateRoute",
            String::new(),
            format!("vpc-route add {SPOKE_A_VPC_RTB} 10.50.0.0/16 {HUB_USE1}"),
        ),
        (
            "AcceptTransitGatewayPeeringAttachment",
            String::new(),
            format!("peer accept {PEERING}"),
        ),
        (
            "UpdateFirewallPolicy",
            String::new(),
            "fw disable egress-policy allow-amazon".into(),
        ),
    ];
    for (action, setup, line) in cases {
        let sim = demo();
        let (_dir, log) = tmp();
        if !setup.is_empty() {
            let r = batch(&sim, &format!("{setup}\n"), &log).await;
            assert_eq!(r.code, exit::OK, "{r:?}");
        }
        sim.set_faults(lose(action));
        let before = sim.applied_changes().len();
        let r = batch(&sim, &format!("{line}\n"), &log).await;
        assert_eq!(r.code, exit::OK, "{action}: {r:?}");
        assert!(
            r.stdout.contains("applied: the answer was lost")
                && r.stdout.contains("the re-read shows it")
                && r.stdout.contains("not sent again"),
            "{action}: {r:?}"
        );
        assert!(!r.stdout.contains("nothing was changed"), "{action}: {r:?}");
        // Sent once: the simulator made exactly this one change.
        let made = &sim.applied_changes()[before..];
        assert_eq!(made.len(), 1, "{action}: {made:?}");
        assert_eq!(made[0].action(), action);
        // One audit entry for it, saying applied.
        let logged = changes(&log);
        let last = logged.last().expect("an entry");
        assert_eq!(last.action, action, "{logged:#?}");
        assert_eq!(last.applied, Some(true), "{action}: {last:#?}");
        assert!(last.result.contains("the answer was lost"), "{last:#?}");
    }
}

/// Item 1, the later lines: after a lost `route replace` the estate is re-read, so
/// `undo` previews the real before-state (the route back to spoke-a) and puts it
/// back; before the fix it took the add's inverse and deleted the route.
#[tokio::test]
async fn undo_after_a_lost_replace_restores_the_real_before_state() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n"),
        &log,
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    sim.set_faults(lose("ReplaceTransitGatewayRoute"));
    let r = batch(
        &sim,
        &format!("route replace {SPOKE_RTB} 10.50.0.0/16 {SPOKE_B_ATT}\nundo\n"),
        &log,
    )
    .await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(
        tgw_route(&sim, SPOKE_RTB, "10.50.0.0/16"),
        Some(vec![SPOKE_A_ATT.to_string()]),
        "undo put spoke-a back, it did not delete the route: {r:?}"
    );
    let actions: Vec<&str> = sim.applied_changes().iter().map(|o| o.action()).collect();
    assert_eq!(
        actions,
        vec![
            "CreateTransitGatewayRoute",
            "ReplaceTransitGatewayRoute",
            "ReplaceTransitGatewayRoute"
        ],
        "nothing sent twice, no delete"
    );
}

/// Item 1, the count: a multi-step plan whose third op's answer is lost says how
/// many changes were really made (the lost one included) and sends nothing after
/// it; the audit log and the simulator agree.
#[tokio::test]
async fn a_partial_apply_counts_the_change_whose_answer_was_lost() {
    let sim = demo();
    let (_dir, log) = tmp();
    sim.set_faults(lose("CreateTransitGatewayRoute"));
    let r = batch(&sim, &format!("peer connect {PEERING}\n"), &log).await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    // accept, association, then the route whose answer was lost.
    assert!(r.stdout.contains("partially applied: 2 of 7"), "{r:?}");
    let made = sim.applied_changes();
    let logged: Vec<log::Entry> = changes(&log)
        .into_iter()
        .filter(|c| c.applied == Some(true))
        .collect();
    assert_eq!(made.len(), 3, "{made:?}");
    assert_eq!(logged.len(), made.len(), "{logged:#?}");
    // Run again: it resumes from what the network is, never re-sending the route.
    sim.set_faults(Faults::default());
    let r = batch(&sim, &format!("peer connect {PEERING}\n"), &log).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let creates: Vec<String> = sim
        .applied_changes()
        .iter()
        .filter_map(|o| o.change.route().map(|(t, c)| format!("{t} {c}")))
        .collect();
    let mut unique = creates.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        creates.len(),
        "no route sent twice: {creates:?}"
    );
}

/// Item 4: the audit lines of `peer connect` name, for each side, that side's route
/// table in `after` (preview rows are matched by region and object: both sides of a
/// peering share the attachment id).
#[tokio::test]
async fn each_sides_association_line_names_its_own_table() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(&sim, &format!("peer connect {PEERING}\n"), &log).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    let assocs: Vec<log::Entry> = changes(&log)
        .into_iter()
        .filter(|c| c.action == "AssociateTransitGatewayRouteTable")
        .collect();
    assert_eq!(assocs.len(), 2, "{assocs:#?}");
    for a in &assocs {
        let table = a.change["route_table_id"].as_str().expect("table");
        assert!(a.after.contains(table), "{} line: {a:#?}", a.region);
    }
    assert_ne!(assocs[0].region, assocs[1].region);
}

/// Item 2: an intent line is on disk before the call is sent, and the answer line
/// after; a run that dies between them (a kill) leaves an intent that reads
/// "outcome unknown — check", and the next run that reads that region settles it
/// from what AWS shows.
#[tokio::test]
async fn a_run_killed_mid_call_leaves_an_intent_the_next_run_settles() {
    let sim = demo();
    let (_dir, log) = tmp();
    // Every call takes 300 ms: the kill lands while the route is on its way.
    sim.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let opts = options(&sim, &log);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
    let script = format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n");
    // The kill: the run is dropped (its runtime's tasks with it) once the intent
    // line is on disk, while the call is still out.
    let intent_written = async {
        loop {
            if std::fs::read_to_string(&log).is_ok_and(|t| t.contains("\"intent\"")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let killed = tokio::select! {
        _ = run_script(&script, backend, plan(), &opts, &mut out, &mut err) => false,
        () = intent_written => true,
    };
    assert!(killed, "the run was cut off");
    let text = std::fs::read_to_string(&log).expect("the intent is on disk");
    let logged = changes(&log);
    assert_eq!(logged.len(), 1, "{text}");
    assert_eq!(logged[0].record, log::Record::Intent, "{text}");
    assert!(
        logged[0].result.starts_with("outcome unknown — check"),
        "{:#?}",
        logged[0]
    );
    // The simulator says whether the route was made; the next run says the same.
    let made = !sim.applied_changes().is_empty();
    sim.set_faults(Faults::default());
    let r = batch(&sim, "tgws\n", &log).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(
        r.stderr
            .contains("an earlier run's CreateTransitGatewayRoute"),
        "{r:?}"
    );
    let settled = changes(&log);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].applied, Some(made), "{:#?}", settled[0]);
}

/// Item 3: an audit log that cannot be opened sends no change (exit 1, naming where
/// it tried); reads still run. Before the fix the change was applied and logged
/// nowhere.
#[tokio::test]
async fn no_change_is_sent_when_the_audit_log_cannot_be_written() {
    let sim = demo();
    let dir = tempfile::tempdir().expect("tempdir");
    let afile = dir.path().join("afile");
    std::fs::write(&afile, "").expect("a regular file");
    let log = afile.join("netops.log");
    let r = batch(
        &sim,
        &format!("tgws\nroute add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n"),
        &log,
    )
    .await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stdout.contains("hub-use1"), "reads run: {r:?}");
    assert!(
        r.stderr.contains("afile") && r.stderr.contains("nothing was sent"),
        "{r:?}"
    );
    assert!(sim.applied_changes().is_empty());
}

/// Items 3 and 5 through the binary: the audit log is not the debug log's
/// neighbour (`--log-file /dev/null` does not make `/dev/audit.jsonl`); a symlink
/// in its place is refused and its target untouched; a looser mode is tightened.
#[cfg(unix)]
#[test]
fn the_audit_log_has_its_own_safe_place() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let mut cmd = super::support::netops_command(dir.path());
        cmd.args(["--demo", "--yes", "--batch", "-"]).args(args);
        super::support::run_with_stdin(
            cmd,
            &format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n"),
        )
    };
    let r = run(&["--log-file", "/dev/null"]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(!Path::new("/dev/audit.jsonl").exists());
    let state = dir.path().join(".local/state/netops");
    let audit = state.join(log::SIMULATED_FILE_NAME);
    assert_eq!(changes(&audit).len(), 1);
    let mode = std::fs::metadata(&audit)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A looser mode is put back to 600.
    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let r = run(&["--audit-log", audit.to_str().expect("utf8")]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(changes(&audit).len(), 2);
    let mode = std::fs::metadata(&audit)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A symlink where the log goes: refused, nothing sent, the target untouched.
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep\n").expect("target");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let r = run(&["--audit-log", link.to_str().expect("utf8")]);
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("symbolic link"), "{r:?}");
    assert!(r.stderr.contains("nothing was sent"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep\n");
}

/// Item 2 through the binary: SIGTERM while a change is in flight (every simulated
/// call takes 700 ms): batch stops sending, waits for the call, writes its answer
/// line, prints what it has (what was printed before is not lost: item 10), and
/// exits 143.
#[cfg(unix)]
#[test]
fn sigterm_mid_script_finishes_the_call_in_flight_and_exits_143() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let mut cmd = super::support::netops_command(dir.path());
    cmd.args(["--demo", "--yes", "--sim-latency-ms", "700", "--batch", "-"])
        .arg("--audit-log")
        .arg(&audit)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("netops");
    {
        use std::io::Write;
        let script: String = (50..56)
            .map(|n| format!("route add {SPOKE_RTB} 10.{n}.0.0/16 {SPOKE_A_ATT}\n"))
            .collect();
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("script");
    }
    // Wait until the second change's intent is on disk, then stop it.
    let started = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(&audit).unwrap_or_default();
        if text.lines().filter(|l| l.contains("\"intent\"")).count() >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no second intent: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let status = child.wait().expect("wait");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("verified: 10.50.0.0/16"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("stopped by signal 15"), "{stderr}");
    // Every change sent has its answer: nothing is left unknown.
    let logged = changes(&audit);
    assert!(logged.len() >= 2, "{logged:#?}");
    assert!(
        logged.iter().all(|c| c.applied.is_some()),
        "every change sent was answered: {logged:#?}"
    );
    assert!(logged.len() < 6, "it stopped sending: {logged:#?}");
}

/// The property (issue 16's "done when"): for every run, killed or not, every
/// change the simulator made has exactly one audit entry saying so, and nothing
/// reported as not applied was applied. Random scripts × random faults (answers
/// lost after the change, throttling) × a kill at a random moment; then a run that
/// reads the estate settles what the killed one left unknown.
mod property {
    use super::*;
    use proptest::prelude::*;

    fn line(n: u8, kind: u8) -> String {
        let cidr = format!("10.{}.0.0/16", 50 + n % 4);
        match kind % 7 {
            0 | 1 => format!("route add {SPOKE_RTB} {cidr} {SPOKE_A_ATT}"),
            2 => format!("route replace {SPOKE_RTB} {cidr} {SPOKE_B_ATT}"),
            3 => format!("route del {SPOKE_RTB} {cidr}"),
            4 => format!("vpc-route add {SPOKE_A_VPC_RTB} {cidr} {HUB_USE1}"),
            5 => format!("vpc-route del {SPOKE_A_VPC_RTB} {cidr}"),
            _ => "undo".to_string(),
        }
    }

    const ACTIONS: [&str; 5] = [
        "CreateTransitGatewayRoute",
        "ReplaceTransitGatewayRoute",
        "DeleteTransitGatewayRoute",
        "CreateRoute",
        "DeleteRoute",
    ];

    fn pick(mask: u8) -> Vec<String> {
        ACTIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, a)| (*a).to_string())
            .collect()
    }

    /// The changes as a multiset of (action, change as data).
    fn multiset<'a>(
        items: impl Iterator<Item = (String, String)> + 'a,
    ) -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for k in items {
            *m.entry(k).or_insert(0) += 1;
        }
        m
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn the_simulators_change_log_and_the_audit_log_agree(
            script in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..7),
            lost in any::<u8>(),
            throttled in any::<u8>(),
            latency in 0u64..4,
            kill_after in proptest::option::of(1u64..400),
        ) {
            // One thread: dropping the run stops every task of it at its current
            // await, as a killed process stops. (On several threads a task being
            // polled at that instant finishes its poll first — after the test has
            // already reset the faults — which no killed process can do.)
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let sim = demo();
                let (_dir, log) = tmp();
                sim.set_faults(Faults {
                    latency_ms: latency,
                    timeout_after_apply: pick(lost),
                    throttled_actions: pick(throttled & !lost),
                    ..Faults::default()
                });
                let text: String = script.iter().map(|(n, k)| format!("{}\n", line(*n, *k))).collect();
                let opts = options(&sim, &log);
                let backend: Arc<dyn Backend> = Arc::clone(&sim) as Arc<dyn Backend>;
                let (mut out, mut err) = (Vec::new(), Vec::new());
                let run = run_script(&text, backend, plan(), &opts, &mut out, &mut err);
                match kill_after {
                    Some(ms) => {
                        let _ = tokio::time::timeout(Duration::from_millis(ms), run).await;
                    }
                    None => {
                        run.await;
                    }
                }
                // The next run reads the estate and settles what was left unknown.
                sim.set_faults(Faults::default());
                let r = batch(&sim, "tgws\n", &log).await;
                prop_assert_eq!(r.code, exit::OK, "{:?}", r);
                let logged = changes(&log);
                prop_assert!(
                    logged.iter().all(|c| c.applied.is_some()),
                    "nothing left unknown: {:#?}", logged
                );
                let made = multiset(sim.applied_changes().iter().map(|o| {
                    (
                        o.action().to_string(),
                        serde_json::to_value(&o.change).expect("json").to_string(),
                    )
                }));
                let said = multiset(logged.iter().filter(|c| c.applied == Some(true)).map(|c| {
                    (c.action.clone(), c.change.to_string())
                }));
                prop_assert_eq!(
                    made, said,
                    "script:\n{}\nstdout:\n{}\nstderr:\n{}\nlog: {:#?}",
                    text,
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&err),
                    logged
                );
                Ok(())
            })?;
        }
    }
}

/// Item 6: every argument of every line is checked before line 1 runs: a bad CIDR
/// on line 2 leaves line 1 unapplied (exit 2); so do a leading zero, an unknown
/// peering state (which used to wait the whole timeout), a region or account that
/// cannot be, an id that is not one, a probe URL a shell would act on.
#[tokio::test]
async fn a_bad_argument_anywhere_runs_no_line() {
    let bad = [
        ("route add {S} 10.61.0.0/33 {A}", "not a CIDR"),
        ("route add {S} 10.050.0.0/16 {A}", "leading zero"),
        ("peer wait {P} availble", "not a peering state"),
        (
            "peer create tgw-0e1a2b3c4d5e6f701 tgw-0f9e8d7c6b5a4f301 --peer-region mars-1",
            "not an AWS region",
        ),
        (
            "peer create tgw-0e1a2b3c4d5e6f701 tgw-0f9e8d7c6b5a4f301 --peer-account abc",
            "12 digits",
        ),
        (
            "vpc-route add {R} 10.9.0.0/16 eni-$(id)",
            "not a route target id",
        ),
        (
            "probe egress --url 'https://x/$(reboot)'",
            "not allowed in a probe URL",
        ),
    ];
    for (line, says) in bad {
        let line = line
            .replace("{S}", SPOKE_RTB)
            .replace("{A}", SPOKE_A_ATT)
            .replace("{P}", PEERING)
            .replace("{R}", SPOKE_A_VPC_RTB);
        let sim = demo();
        let (_dir, log) = tmp();
        let script = format!("route add {SPOKE_RTB} 10.60.0.0/16 {SPOKE_A_ATT}\n{line}\n");
        let started = std::time::Instant::now();
        let r = batch(&sim, &script, &log).await;
        assert_eq!(r.code, exit::USAGE, "{line}: {r:?}");
        assert!(r.stderr.contains("line 2"), "{line}: {r:?}");
        assert!(r.stderr.contains(says), "{line}: wanted {says:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{line}: {r:?}");
        assert!(sim.applied_changes().is_empty(), "{line}: line 1 ran");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{line}: it waited"
        );
    }
}

/// Item 12, in words: a third `undo` says the changes are undone already, not that
/// none was applied; a self-peering is refused without "run again to resume"; a
/// change whose answer was lost is not "someone else's" change.
#[tokio::test]
async fn messages_say_what_happened() {
    let sim = demo();
    let (_dir, log) = tmp();
    let r = batch(
        &sim,
        &format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\nundo\nundo\n"),
        &log,
    )
    .await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("undone already"), "{r:?}");
    assert!(!r.stderr.contains("no route change was applied"), "{r:?}");
    let r = batch(&sim, &format!("peer connect {HUB_USE1} {HUB_USE1}\n"), &log).await;
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("cannot peer with itself"), "{r:?}");
    assert!(!r.stderr.contains("run `peer connect"), "{r:?}");
    sim.set_faults(lose("UpdateFirewallPolicy"));
    let r = batch(&sim, "fw disable egress-policy allow-amazon\n", &log).await;
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(!r.stdout.contains("someone else"), "{r:?}");
}

/// Item 2 with SIGKILL on the binary: the intent line is on disk before the call;
/// killed while it is out, the change reads "outcome unknown — check" (a read-only
/// run shows it as is), and the next run that reads the region settles it.
#[cfg(unix)]
#[test]
fn sigkill_mid_call_leaves_an_intent_that_reads_outcome_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let mut cmd = super::support::netops_command(dir.path());
    cmd.args([
        "--demo",
        "--yes",
        "--sim-latency-ms",
        "2000",
        "--batch",
        "-",
    ])
    .arg("--audit-log")
    .arg(&audit)
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("netops");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n").as_bytes())
            .expect("script");
    }
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&audit).is_ok_and(|t| t.contains("\"intent\"")) {
        assert!(started.elapsed() < Duration::from_secs(60), "no intent");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let shown = |args: &[&str]| {
        let mut cmd = super::support::netops_command(dir.path());
        cmd.args(["--demo", "--output", "json", "--batch", "-", "--audit-log"])
            .arg(&audit)
            .args(args);
        super::support::run_with_stdin(cmd, "audit-log\n")
    };
    let r = shown(&["--read-only"]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    let doc: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("json");
    assert!(
        doc["items"][0]["result"]
            .as_str()
            .is_some_and(|s| s.starts_with("outcome unknown — check")),
        "{doc}"
    );
    // A run that reads us-east-1 settles it (this simulator never got the route).
    let r = shown(&[]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(
        r.stderr
            .contains("an earlier run's CreateTransitGatewayRoute"),
        "{r:?}"
    );
    let doc: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("json");
    assert_eq!(doc["items"][0]["applied"], false, "{doc}");
}

/// Item 7: a profile name that is not exactly a known profile is refused, even with
/// credentials in the environment (which used to let `PROD` past `prod`'s
/// read_only); read_only per account is decided on the account, whatever the name.
#[test]
fn a_profile_must_be_named_exactly_and_read_only_follows_the_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let aws_config = dir.path().join("aws-config");
    std::fs::write(&aws_config, "[profile prod]\nregion = us-east-1\n").expect("config");
    let netops_config = dir.path().join("netops.toml");
    std::fs::write(&netops_config, "[profiles.prod]\nread_only = true\n").expect("config");
    for name in ["PROD", "prod "] {
        let mut cmd = super::support::netops_command(dir.path());
        cmd.env("AWS_CONFIG_FILE", &aws_config)
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
            .args(["--profile", name, "--config"])
            .arg(&netops_config)
            .args(["--yes", "--batch", "-"]);
        let r = super::support::run_with_stdin(cmd, "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{name:?}: {r:?}");
        assert!(r.stderr.contains("did you mean `prod`"), "{name:?}: {r:?}");
    }
    // The demo's account made read-only in the config: refused, whatever profile.
    std::fs::write(
        &netops_config,
        "[accounts.\"111122223333\"]\nread_only = true\n",
    )
    .expect("config");
    let mut cmd = super::support::netops_command(dir.path());
    cmd.args(["--demo", "--yes", "--config"])
        .arg(&netops_config)
        .args(["--batch", "-"]);
    let r = super::support::run_with_stdin(
        cmd,
        &format!("route add {SPOKE_RTB} 10.50.0.0/16 {SPOKE_A_ATT}\n"),
    );
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("read-only"), "{r:?}");
}

/// Item 11 and the messages of item 12 that the binary prints: options that would
/// have no effect are refused (exit 2), `--read-only=false` gets a usage of three
/// lines (not every option), the no-terminal message says `netops:` once.
#[test]
fn options_with_no_effect_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["--demo", "--endpoint-url", "http://127.0.0.1:1"][..],
        &["--demo", "--peer-profile", "x"],
        &["--demo", "--max-attempts", "5"],
        &["--demo", "--keymap", "k.toml"],
    ] {
        let mut cmd = super::support::netops_command(dir.path());
        cmd.args(args).args(["--batch", "-"]);
        let r = super::support::run_with_stdin(cmd, "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{args:?}: {r:?}");
        assert!(r.stderr.contains("cannot be used with"), "{args:?}: {r:?}");
    }
    let mut cmd = super::support::netops_command(dir.path());
    cmd.args(["--demo", "--read-only=false"]);
    let r = super::support::run_with_stdin(cmd, "");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stderr.lines().count() < 10, "{r:?}");
    assert!(!r.stderr.contains("--sim-region-down"), "{r:?}");
    let mut cmd = super::support::netops_command(dir.path());
    cmd.args(["--demo"]);
    let r = super::support::run_with_stdin(cmd, "");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert_eq!(r.stderr.matches("netops:").count(), 1, "{r:?}");
    assert!(r.stderr.contains("needs a terminal"), "{r:?}");
}
