//! The `peer connect` session: one pure state machine that carries a peering from
//! whatever state it is in to connected (create → wait → accept → wait → routes →
//! verified), driven through the runtime by the console's wizard and by `--batch`
//! alike. A front end only shows its stages and confirms its steps (a key in the
//! console, `--yes` in batch).
//!
//! Invariants:
//! - No step number is kept: every step is [`connect::next_step`] on the estate as
//!   the last re-read left it, so the session resumes anywhere.
//! - Waits are runtime timers ([`Effect::Timer`], at once, then 1, 2, 4, 8 s) and
//!   re-reads are [`Effect::Observe`]s of both sides; task ids come from the caller.
//! - A step is applied by an [`Execution`] (sent once, verified, logged); a create
//!   whose answer was lost is looked for by its request tag, never sent again.
//! - Cancelling while a change is in flight waits for its answer; waits and re-reads
//!   are cancelled at once.
//! - What a step is shown and confirmed with is the front end's ([`StepView`]): the
//!   console's confirmation dialog, or batch's plain step.

use std::collections::BTreeMap;

use super::connect::{self, Next, Target};
use super::exec::Execution;
use super::{ChangePlan, drive};
use crate::backend::Change;
use crate::model::Estate;
use crate::net::Net;
use crate::runtime::{Effect, Observation, ObserveQuery, Report, TaskId};

/// A step of the session as a front end holds it: the plan, then its execution.
pub trait StepView {
    /// A step to review.
    fn new(plan: ChangePlan) -> Self;
    /// Its plan.
    fn plan(&self) -> &ChangePlan;
    /// Sends it; task ids from `first_task`.
    fn start(&mut self, first_task: TaskId) -> Vec<Effect>;
    /// Feeds a report to its execution; `None` when it is not this step's.
    fn on_report(&mut self, report: &Report) -> Option<Vec<Effect>>;
    /// The execution, once it is done.
    fn done_execution(&self) -> Option<&Execution>;
    /// True while its change is in flight.
    fn applying(&self) -> bool;
    /// Its result, shown.
    fn finish(&mut self, lines: Vec<String>, ok: bool);
}

/// Batch's step: the plan, then its execution; nothing to show but the plan.
#[derive(Debug, Clone)]
pub struct PlainStep {
    pub plan: ChangePlan,
    pub exec: Option<Execution>,
    pub result: Option<(Vec<String>, bool)>,
}

impl StepView for PlainStep {
    fn new(plan: ChangePlan) -> Self {
        Self {
            plan,
            exec: None,
            result: None,
        }
    }

    fn plan(&self) -> &ChangePlan {
        &self.plan
    }

    fn start(&mut self, first_task: TaskId) -> Vec<Effect> {
        let mut exec = Execution::new(self.plan.clone(), first_task);
        let fx = exec.start();
        self.exec = Some(exec);
        fx
    }

    fn on_report(&mut self, report: &Report) -> Option<Vec<Effect>> {
        let exec = self.exec.as_mut()?;
        if !exec.owns(report) {
            return None;
        }
        Some(exec.on_report(report))
    }

    fn done_execution(&self) -> Option<&Execution> {
        self.exec.as_ref().filter(|e| e.is_done())
    }

    fn applying(&self) -> bool {
        self.exec.as_ref().is_some_and(|e| !e.is_done()) && self.result.is_none()
    }

    fn finish(&mut self, lines: Vec<String>, ok: bool) {
        self.result = Some((lines, ok));
    }
}

/// Where the session is.
#[derive(Debug, Clone)]
pub enum ConnectStage<S> {
    /// A step to preview, confirm and apply (or being applied, or just applied).
    Step(Box<S>),
    /// AWS is moving the peering: polling these regions.
    Waiting {
        peering: String,
        state: String,
        regions: Vec<String>,
    },
    /// Connected: the sentence and the trace checks.
    Done {
        message: String,
        checks: Vec<String>,
        ok: bool,
        /// Routed both ways, but a firewall policy drops the check's packets.
        policy_drop: bool,
    },
    /// Stopped: why, and how to resume.
    Stopped(String),
}

/// What a report did to the session.
#[derive(Debug)]
pub enum Event {
    NotMine,
    Effects(Vec<Effect>),
    /// The step's change is done: fold its execution into the estate, then
    /// [`Connect::step_done`].
    ExecDone,
    /// The re-reads are in and merged into the estate: [`Connect::advance`].
    Observed,
}

/// True for a failure that may pass when the same line runs again (AWS was slow,
/// throttled, unreachable, or an answer was lost), as opposed to a refusal.
fn transient(kind: crate::backend::ErrorKind) -> bool {
    use crate::backend::ErrorKind as K;
    matches!(
        kind,
        K::Timeout
            | K::Throttled
            | K::Unreachable
            | K::ConnectionLost
            | K::OutcomeUnknown
            | K::Conflict
    )
}

/// The step a plan is (1 create, 2 accept, 3 routes).
#[must_use]
pub fn step_of(plan: &ChangePlan) -> usize {
    if plan
        .ops
        .iter()
        .any(|o| matches!(o.change, Change::CreatePeering { .. }))
    {
        1
    } else if plan
        .ops
        .iter()
        .any(|o| matches!(o.change, Change::AcceptPeering { .. }))
    {
        2
    } else {
        3
    }
}

/// A `peer connect` in progress.
#[derive(Debug, Clone)]
pub struct Connect<S> {
    pub target: Target,
    /// The command line (`peer connect …`).
    pub line: String,
    pub request_tag: String,
    pub stage: ConnectStage<S>,
    /// What was applied so far, one line each.
    pub history: Vec<String>,
    /// The step the flow is at (1 create, 2 accept, 3 routes, 4 verified).
    pub step: usize,
    /// How many steps were applied.
    pub applied_steps: usize,
    polls: u32,
    /// Waited so far in this wait (the poll delays), in milliseconds.
    pub waited_ms: u64,
    timer: Option<TaskId>,
    pending_delay: u64,
    observing: BTreeMap<TaskId, String>,
    observe_errors: Vec<String>,
    /// Cancel was asked while a change was in flight: stop after its answer.
    pub cancelling: bool,
    /// Cancelled while AWS was moving the peering: it is still re-read until it
    /// settles (so the estate does not keep a state AWS has left), but nothing more
    /// is planned or sent; it stops at the first answer that is not a wait.
    pub watch_only: bool,
}

impl<S: StepView> Connect<S> {
    #[must_use]
    pub fn new(target: Target, line: String, request_tag: String) -> Self {
        Self {
            target,
            line,
            request_tag,
            stage: ConnectStage::Stopped(String::new()),
            history: Vec::new(),
            step: 1,
            applied_steps: 0,
            polls: 0,
            waited_ms: 0,
            timer: None,
            pending_delay: 0,
            observing: BTreeMap::new(),
            observe_errors: Vec::new(),
            cancelling: false,
            watch_only: false,
        }
    }

    /// True while a change is in flight (cancel then waits for its answer).
    #[must_use]
    pub fn applying(&self) -> bool {
        matches!(&self.stage, ConnectStage::Step(s) if s.applying())
    }

    /// True while it works in the background (a change, a wait).
    #[must_use]
    pub fn busy(&self) -> bool {
        self.applying() || matches!(self.stage, ConnectStage::Waiting { .. })
    }

    /// Works out the next step from the estate; `next_task` hands out task ids.
    pub fn advance(
        &mut self,
        net: &Net<'_>,
        baseline: Option<&crate::net::baseline::Baseline>,
        dry_run: bool,
        next_task: &mut TaskId,
    ) -> Vec<Effect> {
        let next = connect::next_step(net, &self.target, &self.request_tag);
        if self.watch_only && !matches!(next, Ok(Next::Wait { .. })) {
            let peering = match &self.stage {
                ConnectStage::Waiting { peering, .. } => peering.clone(),
                _ => "the peering".into(),
            };
            self.stage = ConnectStage::Stopped(format!(
                "{peering} has settled (re-read after the wizard closed); :{} carries it on",
                self.line
            ));
            return Vec::new();
        }
        match next {
            Ok(Next::Apply(draft)) => {
                let plan = super::finish_with(net, self.line.clone(), draft, dry_run, baseline);
                self.step = step_of(&plan);
                self.polls = 0;
                self.waited_ms = 0;
                self.stage = ConnectStage::Step(Box::new(S::new(plan)));
                Vec::new()
            }
            Ok(Next::Wait {
                peering,
                state,
                regions,
            }) => {
                use crate::model::AttachmentState as St;
                self.step = match state {
                    St::InitiatingRequest | St::Initiating => 1,
                    St::PendingAcceptance | St::Pending => 2,
                    _ => 3,
                };
                let fresh = !matches!(self.stage, ConnectStage::Waiting { .. });
                if fresh {
                    self.polls = 0;
                    self.waited_ms = 0;
                }
                self.stage = ConnectStage::Waiting {
                    peering,
                    state: state.to_string(),
                    regions,
                };
                self.poll(next_task)
            }
            Ok(Next::Done(message)) => {
                let checks = connect::check(net, &self.target);
                self.step = 4;
                self.stage = ConnectStage::Done {
                    message,
                    checks: checks.lines,
                    ok: checks.ok,
                    policy_drop: checks.policy_drop,
                };
                Vec::new()
            }
            Err(e) => {
                self.stage = ConnectStage::Stopped(e.message);
                Vec::new()
            }
        }
    }

    /// Sends the step under review; task ids from `next_task`.
    pub fn confirm(&mut self, next_task: &mut TaskId) -> Vec<Effect> {
        let ConnectStage::Step(step) = &mut self.stage else {
            return Vec::new();
        };
        let span = Execution::tasks_needed(step.plan().ops.len());
        let first = *next_task;
        *next_task += span;
        step.start(first)
    }

    /// The next poll of a wait: at once the first time, then after a growing delay.
    fn poll(&mut self, next_task: &mut TaskId) -> Vec<Effect> {
        let delay = drive::poll_delay_ms(self.polls);
        self.polls += 1;
        if delay == 0 {
            return self.observe(next_task);
        }
        let task = *next_task;
        *next_task += 1;
        self.timer = Some(task);
        self.pending_delay = delay;
        vec![Effect::Timer {
            task,
            after_ms: delay,
        }]
    }

    fn observe(&mut self, next_task: &mut TaskId) -> Vec<Effect> {
        let ConnectStage::Waiting { regions, .. } = &self.stage else {
            return Vec::new();
        };
        self.observe_errors.clear();
        let mut fx = Vec::new();
        for region in regions {
            let task = *next_task;
            *next_task += 1;
            self.observing.insert(task, region.clone());
            fx.push(Effect::Observe {
                task,
                region: region.clone(),
                query: ObserveQuery::Topology,
            });
        }
        fx
    }

    /// Takes a report: its own change's, its timer's or its re-reads'.
    pub fn on_report(
        &mut self,
        report: &Report,
        estate: &mut Estate,
        next_task: &mut TaskId,
    ) -> Event {
        match report {
            Report::Timer { task } if self.timer == Some(*task) => {
                self.timer = None;
                self.waited_ms += self.pending_delay;
                Event::Effects(self.observe(next_task))
            }
            Report::Observed {
                task,
                region,
                result,
            } if self.observing.contains_key(task) => {
                self.observing.remove(task);
                match result {
                    Ok(Observation::Topology(fresh)) => {
                        drive::merge_topology(estate, region, (**fresh).clone());
                    }
                    Ok(Observation::Firewall(data)) => {
                        super::exec::merge_firewall(estate, region, (**data).clone());
                    }
                    Ok(Observation::Route(_)) => {}
                    Err(e) => self
                        .observe_errors
                        .push(format!("re-reading {region}: {}", e.message)),
                }
                if !self.observing.is_empty() {
                    return Event::Effects(Vec::new());
                }
                if !self.observe_errors.is_empty() {
                    self.stage = ConnectStage::Stopped(format!(
                        "{}; run `{}` again to resume",
                        self.observe_errors.join("; "),
                        self.line
                    ));
                }
                Event::Observed
            }
            _ => {
                let ConnectStage::Step(step) = &mut self.stage else {
                    return Event::NotMine;
                };
                match step.on_report(report) {
                    None => Event::NotMine,
                    Some(fx) if step.done_execution().is_some() => {
                        debug_assert!(fx.is_empty());
                        Event::ExecDone
                    }
                    Some(fx) => Event::Effects(fx),
                }
            }
        }
    }

    /// The finished execution of the step under way, if any.
    #[must_use]
    pub fn done_execution(&self) -> Option<&Execution> {
        match &self.stage {
            ConnectStage::Step(s) => s.done_execution(),
            _ => None,
        }
    }

    /// The step's execution is done and folded into the estate (`lines` its summary,
    /// `ok` whether it all applied and verified): the session goes on with the
    /// estate as it now is, stops (a failure, a cancel), or — a create whose answer
    /// was lost — carries on with the peering the re-read found, never creating
    /// another. Answers the effects of what comes next.
    pub fn step_done(
        &mut self,
        lines: Vec<String>,
        ok: bool,
        net: &Net<'_>,
        baseline: Option<&crate::net::baseline::Baseline>,
        next_task: &mut TaskId,
    ) -> Vec<Effect> {
        let Some(exec) = self.done_execution() else {
            return Vec::new();
        };
        let lost_create = exec
            .failure()
            .is_some_and(|e| e.kind == crate::backend::ErrorKind::OutcomeUnknown)
            && exec
                .plan
                .ops
                .iter()
                .any(|o| matches!(o.change, Change::CreatePeering { .. }));
        let dry_run = exec.plan.ops.iter().any(|o| o.dry_run);
        let resumable = exec.failure().is_none_or(|e| transient(e.kind));
        let ConnectStage::Step(step) = &mut self.stage else {
            return Vec::new();
        };
        self.history.push(format!(
            "{} {}",
            if ok { "✓" } else { "✗" },
            step.plan().title
        ));
        for l in &lines {
            self.history.push(format!("    {l}"));
        }
        step.finish(lines.clone(), ok);
        if ok {
            self.applied_steps += 1;
        }
        if self.cancelling {
            self.stage = ConnectStage::Stopped(format!(
                "cancelled after AWS answered the change in flight (shown above); run `{}` to resume",
                self.line
            ));
            return Vec::new();
        }
        if lost_create {
            // The estate just changed (the re-read): no baseline of it yet.
            let fx = self.advance(net, None, dry_run, next_task);
            if matches!(&self.stage, ConnectStage::Step(s) if step_of(s.plan()) == 1) {
                self.stage = ConnectStage::Stopped(format!(
                    "{}; no peering tagged {}={} is visible yet: run `{}` again in a minute (it looks again before creating anything)",
                    lines.join("; "),
                    crate::backend::change::REQUEST_TAG_KEY,
                    self.request_tag,
                    self.line
                ));
                return Vec::new();
            }
            self.history.push(
                "  the create's answer was lost, but it did happen: carrying on with the peering found"
                    .into(),
            );
            return fx;
        }
        if !ok {
            self.stage = ConnectStage::Stopped(if resumable {
                format!(
                    "{}; run `{}` again to resume from here",
                    lines.join("; "),
                    self.line
                )
            } else {
                lines.join("; ")
            });
            return Vec::new();
        }
        self.advance(net, baseline, dry_run, next_task)
    }

    /// Cancel: effects that stop the waits, and whether the session may close now.
    pub fn cancel(&mut self) -> (Vec<Effect>, bool) {
        if self.applying() {
            self.cancelling = true;
            return (Vec::new(), false);
        }
        let mut fx: Vec<Effect> = self.timer.take().into_iter().map(Effect::Cancel).collect();
        fx.extend(
            std::mem::take(&mut self.observing)
                .into_keys()
                .map(Effect::Cancel),
        );
        (fx, true)
    }

    /// The step list: (mark, label) for 1 create, 2 accept, 3 routes, 4 verified.
    #[must_use]
    pub fn steps(&self) -> Vec<(&'static str, &'static str)> {
        let labels = ["1 create", "2 accept", "3 routes", "4 verified"];
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let n = i + 1;
                let mark = if n < self.step || (n == 4 && self.step == 4) {
                    "✓"
                } else if n == self.step {
                    "▶"
                } else {
                    "·"
                };
                (mark, *l)
            })
            .collect()
    }
}
