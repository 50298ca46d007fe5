//! The headless front end: `netops --batch FILE|-`.
//!
//! Invariants:
//! - The whole script is parsed before anything runs: a typo on line 9 must not leave
//!   lines 1–8 applied (exit 2, every bad line named).
//! - Lines run in order against one discovered estate; the first failing command stops
//!   the script (exit 1) unless `--keep-going`.
//! - Data from a region that could not be read is never passed off as complete:
//!   warnings on stderr, `incomplete_regions` in every JSON document, exit 4.
//! - stdout carries only results (text tables or JSON Lines); messages go to stderr.
//!   In JSON mode every stdout line is a JSON document, help included.
//! - Each command's output is written (and flushed) when it completes, so what was
//!   printed survives a signal, and errors on stderr follow the results before them.
//! - A signal (SIGTERM, SIGINT, SIGHUP: [`Stop`]) stops the script: nothing more is
//!   sent, a change in flight is waited for (its audit answer line is written), what
//!   is known is printed, and the exit code is 128 + the signal's number.
//! - Changes an earlier run left unknown in the audit log (killed after its intent
//!   line) are settled from what the loaded estate shows, before line 1 runs.
//! - Output that could not be written is a failure (exit 1, said on stderr), except a
//!   closed pipe (`| head -1`), which ends the output quietly.
//! - Nothing loaded at all (every region failed) is exit 1 naming every region's
//!   reason, not "partial".
//! - Discovery runs on the same [`Runtime`] as the console.

mod change;
mod probe;

pub use change::{ChangeOptions, ChangerHandle, ProberHandle};

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use crate::backend::Backend;
use crate::cli::OutputFormat;
use crate::command::{Command, parse_line};
use crate::discovery::{DiscoveryEvent, DiscoveryPlan, apply_event};
use crate::model::Estate;
use crate::query;
use crate::runtime::{Clock, DiscoveryPlanData, Effect, Report, Runtime};
use serde_json::json;

pub use crate::runtime::Stop;

/// stdout for results: remembers the first write error instead of dropping it.
struct Output<'a> {
    out: &'a mut dyn Write,
    error: Option<std::io::Error>,
}

impl Output<'_> {
    fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }

    /// Pushes what was written out to the reader now.
    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
    }

    fn finish(&mut self) -> Option<std::io::Error> {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        self.error.take()
    }

    /// True when the reader went away (`| head -1`): stop quietly.
    fn closed(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Exit codes (defined in [`crate::exit`], re-exported for the batch API).
pub use crate::exit;

/// How to run a script.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub output: OutputFormat,
    pub keep_going: bool,
    /// Print per-region progress on stderr (when it is a terminal).
    pub progress: bool,
    /// How change commands behave (`--yes`, `--dry-run`, read-only, the audit log).
    pub changes: ChangeOptions,
    /// Set by a signal: stop sending, finish what is in flight, exit 128 + n.
    pub stop: Stop,
}

/// A parsed script line.
#[derive(Debug, Clone)]
enum Step {
    Run(Command),
    Help(String),
}

/// Parses every line; all errors are reported, numbered from 1.
fn parse_script(script: &str) -> Result<Vec<(usize, String, Step)>, Vec<String>> {
    let mut steps = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in script.lines().enumerate() {
        let number = i + 1;
        match parse_line(line) {
            Ok(Some(cmd)) => steps.push((number, line.trim().to_string(), Step::Run(cmd))),
            Ok(None) => {}
            Err(e) if e.is_help => {
                steps.push((number, line.trim().to_string(), Step::Help(e.message)))
            }
            Err(e) => errors.push(format!(
                "line {number}: `{}`: {}",
                crate::text::quote(line.trim()),
                e.message
            )),
        }
    }
    if errors.is_empty() {
        Ok(steps)
    } else {
        Err(errors)
    }
}

/// Runs a script and returns the exit code. `out` gets results, `err` messages.
pub async fn run_script(
    script: &str,
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    opts: &BatchOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let steps = match parse_script(script) {
        Ok(steps) => steps,
        Err(errors) => {
            for e in errors {
                let _ = writeln!(err, "netops: {e}");
            }
            let _ = writeln!(err, "netops: nothing was run (see `help` for the commands)");
            return exit::USAGE;
        }
    };
    if steps.is_empty() {
        let _ = writeln!(err, "netops: the batch script has no commands");
        return exit::OK;
    }
    let mut runtime = Runtime::new(backend, Clock::System)
        .with_changer(opts.changes.changer.0.clone())
        .with_prober(opts.changes.prober.0.clone())
        .with_audit(opts.changes.audit.clone(), &opts.changes.profile);
    if let Some(ms) = opts.changes.retry_base_ms {
        runtime = runtime.with_retry_base_ms(ms);
    }
    let estate = tokio::select! {
        estate = load(&mut runtime, plan, opts.progress, err) => estate,
        () = opts.stop.wait() => Estate::default(),
    };
    if let Some(n) = opts.stop.requested() {
        let _ = writeln!(err, "netops: stopped by signal {n} before any command ran");
        return 128 + n;
    }
    if let Some(message) = crate::cli::nothing_loaded(&estate) {
        let _ = writeln!(err, "netops: {message}");
        return exit::COMMAND_FAILED;
    }
    // A region not read, or an account not read in a region (its role could not be
    // assumed, its read failed): the output is partial either way.
    let incomplete: Vec<serde_json::Value> = estate
        .failed()
        .map(|(region, error)| json!({ "region": region, "error": error }))
        .chain(estate.loaded().flat_map(|r| {
            r.gaps.iter().filter_map(move |g| {
                let account = g.part.strip_prefix("account ")?;
                Some(json!({ "region": r.region, "account": account, "error": g.error }))
            })
        }))
        .collect();
    for (region, error) in estate.failed() {
        let _ = writeln!(err, "warning: region {region} could not be read: {error}");
    }
    for region in estate.loaded() {
        for gap in &region.gaps {
            let _ = writeln!(
                err,
                "warning: {} in {} not read: {}",
                gap.part, region.region, gap.error
            );
        }
    }

    // One index per version of the estate: every command asks the same network
    // questions; a change re-reads what it touched and re-indexes.
    settle_pending(&mut runtime, &estate, err).await;
    let mut world = change::World::new(estate);
    let mut session = change::Session::new();
    let mut out = Output { out, error: None };
    let mut code = exit::OK;
    let mut printed_text = false;
    for (number, line, step) in steps {
        if out.closed() {
            break;
        }
        if opts.stop.requested().is_some() {
            break;
        }
        let cmd = match step {
            Step::Help(text) => {
                match opts.output {
                    OutputFormat::Text => out.write(&text),
                    OutputFormat::Json => out.write(&format!(
                        "{}\n",
                        json!({ "command": help_command(&line), "line": number, "help": text })
                    )),
                }
                continue;
            }
            Step::Run(cmd) => cmd,
        };
        let result = if change::handles(&cmd) {
            let ran = {
                let mut sink = |output: query::Output| {
                    emit(
                        &mut out,
                        opts,
                        &mut printed_text,
                        &output,
                        number,
                        &incomplete,
                    );
                    out.flush();
                };
                change::run(
                    &mut runtime,
                    &mut world,
                    &mut session,
                    &opts.changes,
                    &cmd,
                    &opts.stop,
                    &mut sink,
                )
                .await
            };
            if ran.interrupted && ran.failed.is_none() {
                break;
            }
            match ran.failed {
                None => continue,
                Some(e) => Err(e),
            }
        } else if cmd.is_probe() {
            probe::run(
                &mut runtime,
                &world,
                &mut session,
                &opts.changes,
                &cmd,
                opts.progress,
                err,
            )
            .await
        } else {
            query::run_with(&world.net(), &cmd)
        };
        match result {
            Ok(output) if output.failed_check && code == exit::OK => {
                code = exit::FINDINGS;
                emit(
                    &mut out,
                    opts,
                    &mut printed_text,
                    &output,
                    number,
                    &incomplete,
                );
            }
            Ok(output) => emit(
                &mut out,
                opts,
                &mut printed_text,
                &output,
                number,
                &incomplete,
            ),
            Err(e) => {
                out.flush();
                let _ = writeln!(
                    err,
                    "netops: line {number} `{}`: {e}",
                    crate::text::quote(&line)
                );
                if opts.output == OutputFormat::Json {
                    out.write(&format!(
                        "{}\n",
                        json!({ "command": cmd.to_line(), "line": number, "error": e })
                    ));
                }
                out.flush();
                code = exit::COMMAND_FAILED;
                if opts.stop.requested().is_some() {
                    break;
                }
                if !opts.keep_going {
                    let _ = writeln!(
                        err,
                        "netops: stopped at line {number} (use --keep-going to run the rest)"
                    );
                    break;
                }
            }
        }
    }
    if let Some(e) = out.finish()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(err, "netops: cannot write the output: {e}");
        return exit::COMMAND_FAILED;
    }
    if let Some(n) = opts.stop.requested() {
        let _ = writeln!(
            err,
            "netops: stopped by signal {n}: nothing more was sent (the audit log says what was)"
        );
        return 128 + n;
    }
    if code == exit::OK && !incomplete.is_empty() {
        let _ = writeln!(
            err,
            "netops: output is partial: {} region(s) or account(s) in a region could not be read",
            incomplete.len()
        );
        code = exit::PARTIAL;
    }
    code
}

/// Writes one command's output in the chosen format.
fn emit(
    out: &mut Output<'_>,
    opts: &BatchOptions,
    printed_text: &mut bool,
    output: &query::Output,
    number: usize,
    incomplete: &[serde_json::Value],
) {
    match opts.output {
        OutputFormat::Text => {
            // A blank line between commands' tables, none before the first.
            if *printed_text {
                out.write("\n");
            }
            *printed_text = true;
            out.write(&output.to_text());
        }
        OutputFormat::Json => {
            let mut doc = output.to_json();
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("line".into(), json!(number));
                if !incomplete.is_empty() {
                    obj.insert("incomplete_regions".into(), json!(incomplete));
                }
            }
            out.write(&format!("{doc}\n"));
        }
    }
    out.flush();
}

/// The command a help line asked about: `help` itself, or the command before `--help`.
fn help_command(line: &str) -> String {
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|w| *w != "--help" && *w != "-h")
        .collect();
    if words.is_empty() {
        "help".into()
    } else {
        words.join(" ")
    }
}

async fn load(
    runtime: &mut Runtime,
    plan: DiscoveryPlan,
    progress: bool,
    err: &mut dyn Write,
) -> Estate {
    let mut estate = Estate::default();
    runtime.execute(Effect::Discover {
        generation: 1,
        plan: DiscoveryPlanData::from(&plan),
    });
    let started = std::time::Instant::now();
    // A read over many accounts says how far it is, once a second while it changes.
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut said: Option<String> = None;
    loop {
        let report = tokio::select! {
            report = runtime.next() => report,
            _ = every.tick(), if progress => {
                let now = runtime.progress();
                if now.is_some() && now != said {
                    let _ = writeln!(err, "reading {}…", now.as_deref().unwrap_or_default());
                    said = now;
                }
                continue;
            }
        };
        let Some(report) = report else { break };
        let event = match report {
            Report::Account(Some(account)) => {
                estate.account = Some(account);
                continue;
            }
            Report::Discovery { event, .. } => event,
            Report::Account(None)
            | Report::DiscoveryDone { .. }
            | Report::Timer { .. }
            | Report::Applied { .. }
            | Report::Observed { .. }
            | Report::Probe { .. }
            | Report::Recorded { .. }
            | Report::Audited { .. } => {
                continue;
            }
        };
        if progress {
            match &event {
                DiscoveryEvent::Started(r) => {
                    let _ = writeln!(err, "loading {r}…");
                }
                DiscoveryEvent::Finished(r, Ok(e)) => {
                    let _ = writeln!(
                        err,
                        "loaded {r}: {} TGWs, {} routes ({:.1}s)",
                        e.tgws.len(),
                        e.route_count(),
                        started.elapsed().as_secs_f64()
                    );
                }
                DiscoveryEvent::Finished(r, Err(e)) => {
                    let _ = writeln!(err, "failed {r}: {e}");
                }
                DiscoveryEvent::Part(r, part, Ok(_)) => {
                    let _ = writeln!(err, "loaded {part} in {r}");
                }
                DiscoveryEvent::Part(r, part, Err(e)) => {
                    let _ = writeln!(err, "{part} in {r} not read: {e}");
                }
            }
        }
        apply_event(&mut estate, event);
    }
    if let Some(p) = runtime.progress() {
        let _ = writeln!(err, "read {p}");
    }
    estate
}

/// Settles the changes an earlier run left unknown in the audit log (its intent
/// line written, its answer never) from what this estate shows.
async fn settle_pending(runtime: &mut Runtime, estate: &Estate, err: &mut dyn Write) {
    let settled = crate::ops::exec::settlement(runtime.audit(), runtime.session(), estate);
    if settled.is_empty() {
        return;
    }
    for s in &settled {
        let _ = writeln!(
            err,
            "netops: an earlier run's {} in {} ({}): {}",
            s.action, s.region, s.command, s.result
        );
    }
    if let Err(e) = crate::ops::drive::record(runtime, settled, SETTLE_TASK).await {
        let _ = writeln!(err, "netops: warning: {}", e.message);
    }
}

/// The task id settling an earlier run's changes uses (apart from discovery's and
/// the change session's).
const SETTLE_TASK: crate::runtime::TaskId = crate::runtime::tasks::SETTLE;

/// True when progress lines should go to stderr.
#[must_use]
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sim::{Faults, Simulator};

    async fn run(script: &str, output: OutputFormat, faults: Faults) -> (i32, String, String) {
        let sim = Simulator::demo().expect("demo");
        sim.set_faults(faults);
        let plan = DiscoveryPlan {
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            follow_peers: true,
            concurrency: 4,
        };
        let opts = BatchOptions {
            output,
            keep_going: false,
            progress: false,
            changes: ChangeOptions::default(),
            stop: Stop::default(),
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_script(script, Arc::new(sim), plan, &opts, &mut out, &mut err).await;
        (
            code,
            String::from_utf8(out).expect("utf8"),
            String::from_utf8(err).expect("utf8"),
        )
    }

    #[tokio::test]
    async fn parse_errors_run_nothing_and_name_every_line() {
        let (code, out, err) =
            run("tgws\ntgw\nroutes\n", OutputFormat::Text, Faults::default()).await;
        assert_eq!(code, exit::USAGE);
        assert!(out.is_empty());
        assert!(err.contains("line 2: `tgw`"), "{err}");
        assert!(err.contains("line 3: `routes`"), "{err}");
    }

    #[tokio::test]
    async fn failed_command_stops_with_exit_1_naming_line_and_resource() {
        let (code, out, err) = run(
            "tgws\nroutes tgw-rtb-missing\nvpcs\n",
            OutputFormat::Text,
            Faults::default(),
        )
        .await;
        assert_eq!(code, exit::COMMAND_FAILED);
        assert!(err.contains("line 2 `routes tgw-rtb-missing`"), "{err}");
        assert!(err.contains("tgw-rtb-missing not found"), "{err}");
        assert!(out.contains("hub-use1"));
        assert!(
            !out.contains("spoke-a"),
            "vpcs did not run after the failure"
        );
    }

    #[tokio::test]
    async fn region_down_is_partial_exit_4_with_the_rest() {
        let faults = Faults {
            regions_down: vec!["eu-west-1".into()],
            ..Faults::default()
        };
        let (code, out, err) = run("tgws\n", OutputFormat::Json, faults).await;
        assert_eq!(code, exit::PARTIAL);
        let doc: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON doc");
        assert_eq!(doc["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(doc["incomplete_regions"][0]["region"], "eu-west-1");
        assert!(err.contains("region eu-west-1 could not be read"), "{err}");
    }

    #[tokio::test]
    async fn json_is_one_document_per_command() {
        let (code, out, _) = run(
            "tgws\npeerings\nnat-gateways\n",
            OutputFormat::Json,
            Faults::default(),
        )
        .await;
        assert_eq!(code, exit::OK);
        let docs: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[2]["command"], "nat-gateways");
        assert_eq!(docs[2]["line"], 3);
        assert_eq!(docs[2]["items"][0]["public_ips"][0], "198.51.100.10");
    }

    async fn run_into(script: &str, output: OutputFormat, out: &mut dyn Write) -> (i32, String) {
        let sim = Simulator::demo().expect("demo");
        let plan = DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        };
        let opts = BatchOptions {
            output,
            keep_going: false,
            progress: false,
            changes: ChangeOptions::default(),
            stop: Stop::default(),
        };
        let mut err = Vec::new();
        let code = run_script(script, Arc::new(sim), plan, &opts, out, &mut err).await;
        (code, String::from_utf8(err).expect("utf8"))
    }

    /// A stdout that fails every write with `kind`.
    struct Failing(std::io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(self.0, "no room"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn output_that_cannot_be_written_is_exit_1_said_on_stderr() {
        let (code, err) = run_into(
            "tgws\n",
            OutputFormat::Text,
            &mut Failing(std::io::ErrorKind::StorageFull),
        )
        .await;
        assert_eq!(code, exit::COMMAND_FAILED);
        assert!(err.contains("cannot write the output"), "{err}");
    }

    #[tokio::test]
    async fn a_closed_pipe_ends_the_output_quietly() {
        let (code, err) = run_into(
            "tgws\nvpcs\n",
            OutputFormat::Text,
            &mut Failing(std::io::ErrorKind::BrokenPipe),
        )
        .await;
        assert_eq!(code, exit::OK);
        assert!(err.is_empty(), "{err}");
    }

    #[tokio::test]
    async fn help_in_json_mode_is_a_json_document() {
        let mut out = Vec::new();
        let (code, _) = run_into("help\ntgws\nroutes --help\n", OutputFormat::Json, &mut out).await;
        assert_eq!(code, exit::OK);
        let docs: Vec<serde_json::Value> = String::from_utf8(out)
            .expect("utf8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is JSON"))
            .collect();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0]["command"], "help");
        assert!(docs[0]["help"].as_str().is_some_and(|h| h.contains("tgws")));
        assert_eq!(docs[2]["command"], "routes");
        assert_eq!(docs[2]["line"], 3);
    }

    #[tokio::test]
    async fn nothing_loaded_is_exit_1_naming_every_region() {
        let faults = Faults {
            regions_down: vec!["us-east-1".into(), "eu-west-1".into()],
            ..Faults::default()
        };
        let (code, out, err) = run("tgws\n", OutputFormat::Text, faults).await;
        assert_eq!(code, exit::COMMAND_FAILED, "{err}");
        assert!(out.is_empty());
        assert!(err.contains("no region could be read"), "{err}");
        assert!(err.contains("us-east-1:"), "{err}");
        assert!(err.contains("eu-west-1:"), "{err}");
    }

    #[tokio::test]
    async fn a_json_error_names_its_kind() {
        let (code, out, _) = run("show vpc-missing\n", OutputFormat::Json, Faults::default()).await;
        assert_eq!(code, exit::COMMAND_FAILED);
        let doc: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
        assert_eq!(doc["error"]["kind"], "not_found");
    }
}
