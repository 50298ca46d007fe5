//! Change commands in `--batch`: plan → preview → (with `--yes`) apply → verify →
//! audit log, through [`crate::ops`] and the same runtime as the console.
//!
//! Invariants:
//! - Read-only (`--read-only`, or a profile's `read_only`): every change command is
//!   refused before it is planned; nothing is sent (exit 1).
//! - Without `--yes` a change is previewed and nothing is sent (exit 0); `--dry-run`
//!   sends EC2 dry runs and reports AWS's permission verdict.
//! - A plan AWS would refuse is not sent (exit 1). A plan whose impact must be
//!   accepted (lost egress, broken isolation) is sent only with `--accept-impact`.
//! - After a change the estate is what AWS now says (the re-reads), so the next line
//!   plans on it.

use serde_json::json;

use crate::command::{Command, PeerCommand};
use crate::error::CommandError;
use crate::error::ErrorKind;
use crate::model::Estate;
use crate::net::{EstateIndex, Net};
use crate::ops::connect::{self, Target};
use crate::ops::drive;
use crate::ops::exec::Execution;
use crate::ops::session::{Connect, ConnectStage, Event, PlainStep, step_of};
use crate::ops::{self, ChangePlan, Context, UndoEntry, log};
use crate::query::{Output, Section};
use crate::runtime::{Runtime, TaskId};

use super::Stop;

/// The mutating capability, or none (read-only): shown in debug output by whether
/// it is there.
#[derive(Clone, Default)]
pub struct ChangerHandle(pub Option<std::sync::Arc<dyn crate::backend::Changer>>);

impl std::fmt::Debug for ChangerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Changer" } else { "None" })
    }
}

/// The probing capability (SSM Run Command), or none (read-only).
#[derive(Clone, Default)]
pub struct ProberHandle(pub Option<std::sync::Arc<dyn crate::backend::Prober>>);

impl std::fmt::Debug for ProberHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Prober" } else { "None" })
    }
}

/// How change commands behave in a batch.
#[derive(Debug, Clone, Default)]
pub struct ChangeOptions {
    /// The capability to change (`None` when read-only).
    pub changer: ChangerHandle,
    /// The capability to run probes on instances (`None` when read-only).
    pub prober: ProberHandle,
    /// Apply (without it, plans are printed and nothing changes).
    pub yes: bool,
    /// Send EC2 dry runs instead of changes.
    pub dry_run: bool,
    /// Apply plans that cut egress or break isolation.
    pub accept_impact: bool,
    /// Refuse every change command.
    pub read_only: bool,
    /// Where changes are logged (`audit.jsonl`); a change is refused when it cannot be.
    pub audit: crate::ops::log::Audit,
    /// The profile name the audit log records.
    pub profile: String,
    /// The first wait before a throttled change is sent again (`None`: the
    /// runtime's default; tests shorten it).
    pub retry_base_ms: Option<u64>,
}

/// Task ids of change work (apart from discovery's).
const CHANGE_TASKS: TaskId = crate::runtime::tasks::CHANGES;

/// What lives across the lines of one script.
pub(super) struct Session {
    pub undo: Vec<UndoEntry>,
    /// How many changes `undo` reversed.
    pub undone: usize,
    next_task: TaskId,
    requests: u64,
}

impl Session {
    pub fn new() -> Self {
        Self {
            undo: Vec::new(),
            undone: 0,
            next_task: CHANGE_TASKS,
            requests: 0,
        }
    }

    pub(super) fn tasks(&mut self, n: u64) -> TaskId {
        let t = self.next_task;
        self.next_task += n;
        t
    }

    fn request_tag(&mut self) -> String {
        self.requests += 1;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("netops-{}-{secs}-{}", std::process::id(), self.requests)
    }
}

/// The estate, its index and its impact baseline, rebuilt after a change.
pub(super) struct World {
    pub estate: Estate,
    pub index: EstateIndex,
    /// Computed on the first preview of this version of the estate.
    baseline: Option<std::sync::Arc<crate::ops::impact::Baseline>>,
}

impl World {
    pub fn new(estate: Estate) -> Self {
        let index = EstateIndex::build(&estate);
        Self {
            estate,
            index,
            baseline: None,
        }
    }

    pub fn net(&self) -> Net<'_> {
        Net::with_index(&self.estate, &self.index)
    }

    fn reindex(&mut self) {
        self.index = EstateIndex::build(&self.estate);
        self.baseline = None;
    }

    /// The impact baseline of this version of the estate.
    fn baseline(&mut self) -> std::sync::Arc<crate::ops::impact::Baseline> {
        let estate = &self.estate;
        std::sync::Arc::clone(
            self.baseline.get_or_insert_with(|| {
                std::sync::Arc::new(crate::ops::impact::Baseline::new(estate))
            }),
        )
    }
}

/// Whether a change command failed (what it printed went out as it came).
pub(super) struct Ran {
    /// Exit 1: refused, failed, not verified, timed out. The message is for stderr.
    pub failed: Option<CommandError>,
    /// It stopped because netops was asked to (a signal).
    pub interrupted: bool,
}

impl Ran {
    fn failed(e: CommandError) -> Self {
        Self {
            failed: Some(e),
            interrupted: false,
        }
    }

    fn ok() -> Self {
        Self {
            failed: None,
            interrupted: false,
        }
    }
}

/// Where a command's outputs go, each as soon as it is known.
pub(super) type Emit<'a> = &'a mut dyn FnMut(Output);

fn failed(kind: ErrorKind, message: impl Into<String>) -> CommandError {
    CommandError::new(kind, message)
}

/// True for the commands this module runs (changes, `peer wait`, `audit-log`).
#[must_use]
pub(super) fn handles(cmd: &Command) -> bool {
    cmd.is_change()
        || matches!(
            cmd,
            Command::Peer(PeerCommand::Wait { .. }) | Command::AuditLog { .. }
        )
}

/// Runs one change-side command; its outputs go to `emit` as they come.
pub(super) async fn run(
    runtime: &mut Runtime,
    world: &mut World,
    session: &mut Session,
    opts: &ChangeOptions,
    cmd: &Command,
    stop: &Stop,
    emit: Emit<'_>,
) -> Ran {
    let line = cmd.to_line();
    if cmd.is_change() && opts.read_only {
        return Ran::failed(failed(
            ErrorKind::ReadOnly,
            crate::error::read_only(&format!("`{line}`"), crate::error::Refused::Change),
        ));
    }
    if cmd.is_change()
        && !opts.dry_run
        && let Some(why) = opts.audit.refusal()
    {
        return Ran::failed(failed(ErrorKind::Other, why));
    }
    match cmd {
        Command::AuditLog { last } => audit_log(opts, *last, emit),
        Command::Peer(PeerCommand::Wait { id, state, timeout }) => {
            wait(runtime, world, session, id, state, *timeout, stop, emit).await
        }
        Command::Peer(PeerCommand::Connect {
            id_or_tgw,
            peer_tgw,
            timeout,
        }) => {
            connect(
                runtime,
                world,
                session,
                opts,
                cmd,
                (id_or_tgw, peer_tgw.as_deref()),
                *timeout,
                stop,
                emit,
            )
            .await
        }
        _ => {
            let ctx = Context {
                request_tag: session.request_tag(),
                dry_run: opts.dry_run,
                undo: session.undo.clone(),
                undone: session.undone,
                baseline: Some(world.baseline()),
            };
            let plan = match ops::plan(&world.net(), cmd, &ctx) {
                Ok(p) => p,
                Err(e) => return Ran::failed(e),
            };
            let result = apply_plan(runtime, world, session, opts, plan, stop, emit).await;
            if matches!(cmd, Command::Undo) && matches!(result, Ok(Applied::Yes)) {
                session.undo.pop();
                session.undone += 1;
            }
            Ran {
                interrupted: matches!(result, Ok(Applied::Interrupted))
                    || stop.requested().is_some(),
                failed: result.err(),
            }
        }
    }
}

/// Whether a plan was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Yes,
    /// Previewed only (no `--yes`), or a dry run.
    No,
    /// Stopped by a signal: what was sent is said, the rest was not sent.
    Interrupted,
}

/// Previews a plan and says whether it may be sent: `Ok(None)` go on; `Ok(Some(_))`
/// stop here without sending (previewed only, or a signal came); `Err` refused.
fn preflight(
    plan: &ChangePlan,
    opts: &ChangeOptions,
    stop: &Stop,
    emit: Emit<'_>,
) -> Result<Option<Applied>, CommandError> {
    emit(plan.preview());
    if let Some(why) = plan.refusal() {
        return Err(failed(
            ErrorKind::InvalidInput,
            format!("refused, nothing was sent: {why}"),
        ));
    }
    if !opts.yes && !opts.dry_run {
        emit(note(
            &plan.line,
            "not applied: this is the plan; run with --yes to apply it (or --dry-run to ask AWS whether it would be allowed)",
            json!({"applied": false}),
        ));
        return Ok(Some(Applied::No));
    }
    if plan.needs_acceptance() && !opts.accept_impact && !opts.dry_run {
        return Err(failed(
            ErrorKind::InvalidInput,
            "not applied: the impact above cuts a spoke's egress or breaks isolation; pass --accept-impact to apply it anyway",
        ));
    }
    if stop.requested().is_some() {
        return Ok(Some(Applied::Interrupted));
    }
    Ok(None)
}

/// Folds a finished execution in: the estate as re-read, what it printed, undo.
/// Answers its summary lines.
fn conclude(
    world: &mut World,
    session: &mut Session,
    opts: &ChangeOptions,
    exec: &Execution,
    emit: Emit<'_>,
) -> Vec<String> {
    if !opts.dry_run {
        exec.merge_into(&mut world.estate);
        world.reindex();
    }
    let summary = exec.summary();
    let applied = exec.applied_count();
    let mut section = Section::new(&[]).titled(if opts.dry_run { "dry run:" } else { "result:" });
    for s in &summary {
        section.row(vec![format!("  {s}")]);
    }
    emit(Output {
        command: exec.plan.line.clone(),
        sections: vec![section],
        json: json!({
            "applied": !opts.dry_run && applied > 0,
            "applied_count": applied,
            "dry_run": opts.dry_run,
            "results": exec.results,
            "summary": summary,
            "succeeded": exec.succeeded(),
            "interrupted": exec.interrupted(),
            "audit_log_error": exec.audit_error,
        }),
        failed_check: false,
    });
    // What was made can be undone, lost answers settled as applied included.
    let undoable = !opts.dry_run
        && exec.succeeded()
        && !exec.plan.inverse.is_empty()
        && !matches!(
            crate::command::parse_line(&exec.plan.line),
            Ok(Some(Command::Undo))
        );
    if undoable {
        session.undo.push(UndoEntry {
            line: exec.plan.line.clone(),
            inverse: exec.plan.inverse.clone(),
        });
    }
    summary
}

/// Previews a plan and, when allowed, applies and verifies it.
async fn apply_plan(
    runtime: &mut Runtime,
    world: &mut World,
    session: &mut Session,
    opts: &ChangeOptions,
    plan: ChangePlan,
    stop: &Stop,
    emit: Emit<'_>,
) -> Result<Applied, CommandError> {
    if let Some(stopped) = preflight(&plan, opts, stop, emit)? {
        return Ok(stopped);
    }
    let line = plan.line.clone();
    let count = plan.ops.len();
    let mut exec = Execution::new(plan, session.tasks(Execution::tasks_needed(count)));
    drive::run(runtime, &mut exec, stop).await;
    let summary = conclude(world, session, opts, &exec, emit);
    if exec.interrupted() {
        return Ok(Applied::Interrupted);
    }
    if let Some(e) = exec.failure() {
        // A colleague changed the firewall policy since it was read: show what they
        // changed and the plan on the policy as it is now; apply nothing more (the
        // user confirms again by running the line again).
        let task = session.tasks(1);
        if let Some(report) = drive::conflict_report(runtime, &exec, &mut world.estate, task).await
        {
            world.reindex();
            let mut section = Section::new(&[]).titled(
                "someone else changed the policy since it was read; nothing of theirs was overwritten:",
            );
            match &report {
                Ok(lines) => {
                    for l in lines {
                        section.row(vec![format!("  {l}")]);
                    }
                }
                Err(e) => section.row(vec![format!(
                    "  the policy could not be re-read: {}",
                    e.message
                )]),
            }
            emit(Output {
                command: line.clone(),
                sections: vec![section],
                json: json!({ "conflict": true, "their_changes": report.as_ref().ok() }),
                failed_check: false,
            });
            let ctx = Context {
                request_tag: session.request_tag(),
                dry_run: false,
                undo: session.undo.clone(),
                undone: session.undone,
                baseline: Some(world.baseline()),
            };
            if let Ok(Some(cmd)) = crate::command::parse_line(&line)
                && let Ok(plan) = ops::plan(&world.net(), &cmd, &ctx)
            {
                emit(plan.preview());
            }
            return Err(failed(
                e.kind,
                format!(
                    "{line}: not applied: {}; the plan above is on the policy as it is now: run the line again to apply it",
                    e.message
                ),
            ));
        }
        return Err(failed(e.kind, format!("{line}: {}", summary.join("; "))));
    }
    if exec.stopped_early() {
        // A lost answer (settled as made) stopped the run before the rest was sent.
        return Err(failed(
            ErrorKind::OutcomeUnknown,
            format!("{line}: {}", summary.join("; ")),
        ));
    }
    if !exec.succeeded() {
        return Err(failed(
            ErrorKind::Other,
            format!(
                "{line}: applied, but the re-read does not show it: {}",
                summary.join("; ")
            ),
        ));
    }
    if opts.dry_run {
        return Ok(Applied::No);
    }
    Ok(Applied::Yes)
}

fn note(line: &str, text: &str, payload: serde_json::Value) -> Output {
    let mut s = Section::new(&[]);
    s.row(vec![text.to_string()]);
    Output {
        command: line.to_string(),
        sections: vec![s],
        json: payload,
        failed_check: false,
    }
}

fn audit_log(opts: &ChangeOptions, last: Option<usize>, emit: Emit<'_>) -> Ran {
    let line = Command::AuditLog { last }.to_line();
    let Some(path) = opts.audit.path() else {
        return Ran::failed(failed(
            ErrorKind::Other,
            opts.audit
                .refusal()
                .unwrap_or_else(|| "this session keeps no audit log".into()),
        ));
    };
    match log::read(path, last) {
        Ok((entries, bad)) => {
            let mut output = log::output(&line, &entries, bad);
            if let Some(table) = output.sections.first_mut() {
                table.title = Some(format!("audit log {}", path.display()));
            }
            if let Some(doc) = output.json.as_object_mut() {
                doc.insert("path".into(), json!(path));
            }
            emit(output);
            Ran::ok()
        }
        Err(e) => Ran::failed(failed(
            ErrorKind::Other,
            format!("cannot read the audit log {}: {e}", path.display()),
        )),
    }
}

/// Re-reads the regions of a peering and folds them into the estate.
async fn refresh(
    runtime: &mut Runtime,
    world: &mut World,
    session: &mut Session,
    regions: &[String],
) -> Result<(), CommandError> {
    let base = session.tasks(regions.len() as u64);
    for (region, result) in drive::observe(runtime, regions, base).await {
        match result {
            Ok(fresh) => drive::merge_topology(&mut world.estate, &region, fresh),
            Err(e) => {
                return Err(failed(
                    e.kind,
                    format!("re-reading {region}: {}", e.message),
                ));
            }
        }
    }
    world.reindex();
    Ok(())
}

fn peering_regions(world: &World, id: &str) -> Vec<String> {
    let net = world.net();
    net.peering(id).map_or_else(Vec::new, |p| {
        let mut r = vec![p.requester.region.clone()];
        if p.accepter.region != p.requester.region {
            r.push(p.accepter.region.clone());
        }
        r.retain(|x| net.region(x).is_some());
        r
    })
}

/// Waits `ms` on a runtime timer (as the console does), or until netops is asked
/// to stop; false when it was.
async fn pause(runtime: &mut Runtime, session: &mut Session, ms: u64, stop: &Stop) -> bool {
    if ms == 0 {
        return stop.requested().is_none();
    }
    let task = session.tasks(1);
    runtime.execute(crate::runtime::Effect::Timer { task, after_ms: ms });
    loop {
        tokio::select! {
            report = runtime.next() => match report {
                Some(crate::runtime::Report::Timer { task: t }) if t == task => {
                    return stop.requested().is_none();
                }
                Some(_) => {}
                None => return stop.requested().is_none(),
            },
            () = stop.wait() => {
                runtime.execute(crate::runtime::Effect::Cancel(task));
                return false;
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn wait(
    runtime: &mut Runtime,
    world: &mut World,
    session: &mut Session,
    id: &str,
    state: &str,
    timeout: u64,
    stop: &Stop,
    emit: Emit<'_>,
) -> Ran {
    let line = Command::Peer(PeerCommand::Wait {
        id: id.into(),
        state: state.into(),
        timeout,
    })
    .to_line();
    let started = std::time::Instant::now();
    let mut n = 0;
    loop {
        let delay = drive::poll_delay_ms(n);
        n += 1;
        if !pause(runtime, session, delay, stop).await {
            return Ran {
                failed: None,
                interrupted: true,
            };
        }
        let regions = peering_regions(world, id);
        if let Err(e) = refresh(runtime, world, session, &regions).await {
            return Ran::failed(e);
        }
        match connect::reached(&world.net(), id, state) {
            Ok(Some(s)) => {
                emit(note(
                    &line,
                    &format!(
                        "{id} is {s} (after {:.1} s)",
                        started.elapsed().as_secs_f64()
                    ),
                    json!({"id": id, "state": s.to_string(), "elapsed_s": started.elapsed().as_secs_f64()}),
                ));
                return Ran::ok();
            }
            Ok(None) => {}
            Err(e) => return Ran::failed(e),
        }
        if started.elapsed().as_secs() >= timeout {
            return Ran::failed(failed(
                ErrorKind::Timeout,
                format!("{id} did not become {state} within {timeout} s"),
            ));
        }
    }
}

/// `peer connect` in batch: the one session ([`Connect`]) the console's wizard
/// drives, each step confirmed by `--yes` instead of a key.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
async fn connect(
    runtime: &mut Runtime,
    world: &mut World,
    session: &mut Session,
    opts: &ChangeOptions,
    cmd: &Command,
    (first, second): (&str, Option<&str>),
    timeout: u64,
    stop: &Stop,
    emit: Emit<'_>,
) -> Ran {
    let line = cmd.to_line();
    let target = match Target::parse(first, second) {
        Ok(t) => t,
        Err(e) => return Ran::failed(e),
    };
    let started = std::time::Instant::now();
    let mut flow: Connect<PlainStep> = Connect::new(target, line.clone(), session.request_tag());
    let mut tasks = session.tasks(1 << 32);
    let baseline = world.baseline();
    let mut fx = flow.advance(&world.net(), Some(&baseline), opts.dry_run, &mut tasks);
    // The kind of the last step's failure, for the exit code and JSON.
    let mut failure_kind = ErrorKind::Other;
    loop {
        match &flow.stage {
            ConnectStage::Step(step) if step.exec.is_none() => {
                let plan = step.plan.clone();
                match preflight(&plan, opts, stop, emit) {
                    Err(e) => return Ran::failed(e),
                    Ok(Some(Applied::Interrupted)) => {
                        return Ran {
                            failed: None,
                            interrupted: true,
                        };
                    }
                    Ok(Some(_)) => {
                        if flow.applied_steps > 0 || step_of(&plan) > 1 {
                            emit(note(
                                &line,
                                "the next steps depend on this one: they are planned when it is applied",
                                json!({"connected": false}),
                            ));
                        }
                        return Ran::ok();
                    }
                    Ok(None) => fx.extend(flow.confirm(&mut tasks)),
                }
            }
            ConnectStage::Done {
                message,
                checks,
                ok,
                policy_drop,
            } => {
                let mut s = Section::new(&[]).titled(if flow.applied_steps == 0 {
                    "already connected: nothing to change"
                } else {
                    "connected:"
                });
                s.row(vec![format!("  {message}")]);
                for c in checks {
                    s.row(vec![format!("  {c}")]);
                }
                emit(Output {
                    command: line.clone(),
                    sections: vec![s],
                    json: json!({
                        "connected": true,
                        "changed": flow.applied_steps > 0,
                        "message": message,
                        "checks": checks,
                        "policy_drop": policy_drop,
                        "elapsed_s": started.elapsed().as_secs_f64(),
                    }),
                    failed_check: false,
                });
                let failed_check = (!ok).then(|| {
                    failed(
                        ErrorKind::Other,
                        format!(
                            "{line}: routes are in place but the trace check failed (see above)"
                        ),
                    )
                });
                return Ran {
                    failed: failed_check,
                    interrupted: false,
                };
            }
            ConnectStage::Stopped(why) => {
                return Ran::failed(failed(failure_kind, why.clone()));
            }
            ConnectStage::Waiting { peering, state, .. }
                if started.elapsed().as_secs() >= timeout =>
            {
                let message = format!(
                    "{peering} is still {state} after {timeout} s; run `{line}` again to resume"
                );
                for e in flow.cancel().0 {
                    runtime.execute(e);
                }
                return Ran::failed(failed(ErrorKind::Timeout, message));
            }
            ConnectStage::Step(_) | ConnectStage::Waiting { .. } => {}
        }
        for e in fx.drain(..) {
            runtime.execute(e);
        }
        let report = tokio::select! {
            report = runtime.next() => report,
            () = stop.wait(), if !flow.applying() => {
                for e in flow.cancel().0 {
                    runtime.execute(e);
                }
                return Ran {
                    failed: None,
                    interrupted: true,
                };
            }
        };
        let Some(report) = report else {
            return Ran::failed(failed(
                ErrorKind::Other,
                format!("{line}: the runtime stopped before the session ended"),
            ));
        };
        match flow.on_report(&report, &mut world.estate, &mut tasks) {
            Event::NotMine => {}
            Event::Effects(more) => fx.extend(more),
            Event::ExecDone => {
                let Some(exec) = flow.done_execution().cloned() else {
                    continue;
                };
                let summary = conclude(world, session, opts, &exec, emit);
                if let Some(e) = exec.failure() {
                    failure_kind = e.kind;
                }
                if exec.interrupted() || stop.requested().is_some() {
                    return Ran {
                        failed: None,
                        interrupted: true,
                    };
                }
                if opts.dry_run {
                    emit(note(
                        &line,
                        "the next steps depend on this one: they are planned when it is applied",
                        json!({"connected": false}),
                    ));
                    return Ran {
                        failed: exec.failure().map(|e| failed(e.kind, e.message.clone())),
                        interrupted: false,
                    };
                }
                let ok = exec.succeeded();
                let baseline = world.baseline();
                fx.extend(flow.step_done(summary, ok, &world.net(), Some(&baseline), &mut tasks));
                if let Some(found) = flow
                    .history
                    .last()
                    .filter(|h| h.contains("carrying on with the peering found"))
                {
                    emit(note(&line, found.trim(), json!({"recovered": true})));
                }
            }
            Event::Observed => {
                world.reindex();
                if !matches!(flow.stage, ConnectStage::Stopped(_)) {
                    let baseline = world.baseline();
                    fx.extend(flow.advance(
                        &world.net(),
                        Some(&baseline),
                        opts.dry_run,
                        &mut tasks,
                    ));
                }
            }
        }
    }
}
