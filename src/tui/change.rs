//! Changes in the console: the confirmation dialog of a planned change, the guided
//! peering wizard and the pick lists (the actions menu, the wizard's peer TGW).
//!
//! Invariants:
//! - Nothing is sent without an explicit key: the dialog opens on Cancel, a refused
//!   plan offers only Close, a destructive plan (`confirm_id`) needs the id typed
//!   exactly, and an impact that cuts egress or breaks isolation needs its own
//!   acknowledgement key before Apply does anything.
//! - While a change is in flight the dialog cannot be closed: AWS's answer is always
//!   shown (applied, failed, partially applied), never dropped. The wizard's cancel
//!   waits for that answer too; waits and re-reads are cancelled at once.
//! - The wizard keeps no step number: every step is [`connect::next_step`] on the
//!   console's estate as the last re-read left it, so it resumes anywhere.
//! - These types hold no console state; `state` feeds them the estate and task ids,
//!   and folds what they re-read into its data.

use std::collections::BTreeMap;

use crate::backend::Change;
use crate::model::Estate;
use crate::net::Net;
use crate::ops::connect::{self, Next, Target};
use crate::ops::exec::Execution;
use crate::ops::{self, ChangePlan, Tone, drive};
use crate::runtime::{Effect, Observation, ObserveQuery, Report, TaskId};

use super::keymap::Action;

/// The focused button of a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Apply,
}

/// Where a planned change is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Shown; waiting for the user.
    Review,
    /// Sent; waiting for AWS and the re-read.
    Applying(Box<Execution>),
    /// AWS answered: the summary lines, and whether it all applied and verified.
    Finished { lines: Vec<String>, ok: bool },
}

/// A planned change shown before it is applied.
#[derive(Debug, Clone)]
pub struct ConfirmView {
    pub plan: ChangePlan,
    /// The preview as text lines (the same tables `--batch` prints).
    pub preview: Vec<String>,
    pub button: Button,
    /// What the user typed of the resource id (destructive changes).
    pub typed: String,
    /// The impact warnings were acknowledged.
    pub accepted: bool,
    pub scroll: usize,
    pub stage: Stage,
    /// Lines shown above the preview: why this plan is shown again (a colleague
    /// changed the firewall policy meanwhile, and what they changed).
    pub notice: Vec<String>,
    /// A re-read of a firewall policy after a stale update token: the Observe task,
    /// its region, and the policy as it was before.
    pub reread: Option<Reread>,
}

/// The re-read that follows a toggle refused by a stale update token.
#[derive(Debug, Clone)]
pub struct Reread {
    pub task: TaskId,
    pub region: String,
    pub before: Option<crate::model::FirewallPolicy>,
    pub policy_arn: String,
}

impl PartialEq for ConfirmView {
    fn eq(&self, other: &Self) -> bool {
        self.plan.line == other.plan.line
            && self.button == other.button
            && self.typed == other.typed
            && self.accepted == other.accepted
            && self.scroll == other.scroll
            && self.stage_name() == other.stage_name()
    }
}

impl Eq for ConfirmView {}

/// What a key did to a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Keep,
    /// Close, with this message for the message line.
    Close(String),
    /// Apply it now.
    Start,
    /// Stay open and say this.
    Say(String),
}

impl ConfirmView {
    #[must_use]
    pub fn new(plan: ChangePlan) -> Self {
        let preview = plan
            .preview()
            .to_text()
            .lines()
            .map(str::to_string)
            .collect();
        Self {
            plan,
            preview,
            button: Button::Cancel,
            typed: String::new(),
            accepted: false,
            scroll: 0,
            stage: Stage::Review,
            notice: Vec::new(),
            reread: None,
        }
    }

    /// `review`, `applying` or `finished`.
    #[must_use]
    pub fn stage_name(&self) -> &'static str {
        match self.stage {
            Stage::Review => "review",
            Stage::Applying(_) => "applying",
            Stage::Finished { .. } => "finished",
        }
    }

    /// True while typed characters go to the id field.
    #[must_use]
    pub fn takes_text(&self) -> bool {
        matches!(self.stage, Stage::Review) && self.plan.confirm_id.is_some()
    }

    /// Types a character of the id. The id typed exactly is consent: Apply takes
    /// the focus (Enter applies, Tab goes back to Cancel); a wrong id gives it back.
    pub fn type_char(&mut self, c: char) {
        if self.typed.chars().count() < 200 {
            self.typed.push(c);
        }
        self.follow_typed();
    }

    fn follow_typed(&mut self) {
        if let Some(id) = &self.plan.confirm_id {
            self.button = if &self.typed == id {
                Button::Apply
            } else {
                Button::Cancel
            };
        }
    }

    /// Why Apply does nothing yet, or `None` when it may apply.
    #[must_use]
    pub fn blocker(&self) -> Option<String> {
        if let Some(why) = self.plan.refusal() {
            return Some(format!("refused, nothing can be sent: {why}"));
        }
        if let Some(id) = &self.plan.confirm_id
            && &self.typed != id
        {
            return Some(format!("type {id} to confirm this destructive change"));
        }
        if self.plan.needs_acceptance() && !self.accepted {
            return Some(
                "the impact cuts a spoke's egress or breaks isolation: press ! to accept it first"
                    .into(),
            );
        }
        None
    }

    /// Handles an action of the `[confirm]` layer.
    pub fn update(&mut self, action: &Action) -> ConfirmOutcome {
        match &self.stage {
            Stage::Applying(_) => {
                return match action {
                    Action::Down => {
                        self.scroll = self.scroll.saturating_add(1);
                        ConfirmOutcome::Keep
                    }
                    Action::Up => {
                        self.scroll = self.scroll.saturating_sub(1);
                        ConfirmOutcome::Keep
                    }
                    _ => ConfirmOutcome::Say(
                        "applying: AWS's answer is shown here when it comes (it cannot be dropped)"
                            .into(),
                    ),
                };
            }
            Stage::Finished { .. } => {
                return match action {
                    Action::Down => {
                        self.scroll = self.scroll.saturating_add(1);
                        ConfirmOutcome::Keep
                    }
                    Action::Up => {
                        self.scroll = self.scroll.saturating_sub(1);
                        ConfirmOutcome::Keep
                    }
                    Action::Submit
                    | Action::Confirm
                    | Action::Cancel
                    | Action::Back
                    | Action::Quit => ConfirmOutcome::Close(String::new()),
                    _ => ConfirmOutcome::Keep,
                };
            }
            Stage::Review => {}
        }
        let refused = self.plan.refused();
        match action {
            Action::NextField | Action::PrevField | Action::Left | Action::Right => {
                if !refused {
                    self.button = match self.button {
                        Button::Cancel => Button::Apply,
                        Button::Apply => Button::Cancel,
                    };
                }
                ConfirmOutcome::Keep
            }
            Action::Submit if self.button == Button::Cancel || refused => {
                ConfirmOutcome::Close(format!("cancelled: {} was not sent", self.plan.line))
            }
            Action::Submit | Action::Confirm => match self.blocker() {
                None => ConfirmOutcome::Start,
                Some(why) => ConfirmOutcome::Say(why),
            },
            Action::Cancel | Action::Back | Action::Quit => {
                ConfirmOutcome::Close(format!("cancelled: {} was not sent", self.plan.line))
            }
            Action::AcceptImpact => {
                if self.plan.needs_acceptance() {
                    self.accepted = true;
                    ConfirmOutcome::Say("impact accepted; Apply sends the change".into())
                } else {
                    ConfirmOutcome::Say("nothing to accept: no warning needs it".into())
                }
            }
            Action::DeleteChar => {
                self.typed.pop();
                self.follow_typed();
                ConfirmOutcome::Keep
            }
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1);
                ConfirmOutcome::Keep
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                ConfirmOutcome::Keep
            }
            _ => ConfirmOutcome::Keep,
        }
    }

    /// Sends the plan: its tasks take ids from `first_task`; answers how many ids it
    /// may use and the effects.
    pub fn start(&mut self, first_task: TaskId) -> Vec<Effect> {
        let mut exec = Execution::new(self.plan.clone(), first_task);
        let fx = exec.start();
        self.stage = Stage::Applying(Box::new(exec));
        fx
    }

    /// Task ids a plan may use.
    #[must_use]
    pub fn task_span(plan: &ChangePlan) -> u64 {
        plan.ops.len() as u64 * 4 + 8
    }

    /// Feeds a report to the execution; `None` when it is not this dialog's.
    pub fn on_report(&mut self, report: &Report) -> Option<Vec<Effect>> {
        let Stage::Applying(exec) = &mut self.stage else {
            return None;
        };
        if !exec.owns(report) {
            return None;
        }
        Some(exec.on_report(report))
    }

    /// The execution, when it is done (to be folded into the estate and logged).
    #[must_use]
    pub fn done_execution(&self) -> Option<&Execution> {
        match &self.stage {
            Stage::Applying(exec) if exec.is_done() => Some(exec),
            _ => None,
        }
    }

    /// Progress while applying: "applying 2/5", "verifying".
    #[must_use]
    pub fn progress(&self) -> Option<String> {
        let Stage::Applying(exec) = &self.stage else {
            return None;
        };
        let total = exec.results.len();
        let sent = exec.results.iter().filter(|r| r.outcome.is_some()).count();
        Some(match exec.phase() {
            ops::exec::Phase::Applying => format!("applying {}/{total}", (sent + 1).min(total)),
            ops::exec::Phase::Verifying => "verifying (re-reading what changed)".into(),
            ops::exec::Phase::Recording => "writing the audit log".into(),
            ops::exec::Phase::Done => "done".into(),
        })
    }

    /// The dialog's text: the result (when there is one), the preview, the impact
    /// marks, and what is still needed before Apply.
    #[must_use]
    pub fn body(&self) -> Vec<(String, Tone)> {
        let mut out = Vec::new();
        for l in &self.notice {
            out.push((l.clone(), Tone::Warning));
        }
        if !self.notice.is_empty() {
            out.push((String::new(), Tone::Info));
        }
        if let Stage::Finished { lines, ok } = &self.stage {
            out.push((
                if *ok {
                    "✓ applied and verified:".to_string()
                } else {
                    "✗ not (fully) applied:".to_string()
                },
                if *ok { Tone::Good } else { Tone::Warning },
            ));
            for l in lines {
                out.push((format!("  {l}"), Tone::Info));
            }
            out.push((String::new(), Tone::Info));
        }
        for l in &self.preview {
            let t = l.trim_start();
            let tone = if t.starts_with("! ") || t.starts_with("refused:") {
                Tone::Warning
            } else if t.starts_with("+ ") {
                Tone::Good
            } else {
                Tone::Info
            };
            out.push((l.clone(), tone));
        }
        if matches!(self.stage, Stage::Review) {
            out.push((String::new(), Tone::Info));
            if let Some(why) = self.plan.refusal() {
                out.push((
                    format!("✗ refused, nothing can be sent: {why}"),
                    Tone::Warning,
                ));
            } else {
                if self.plan.needs_acceptance() {
                    out.push((
                        if self.accepted {
                            "✓ impact accepted".to_string()
                        } else {
                            "! this cuts a spoke's egress or breaks isolation: press ! to accept it"
                                .to_string()
                        },
                        Tone::Warning,
                    ));
                }
                if let Some(id) = &self.plan.confirm_id {
                    let mark = if &self.typed == id { "✓" } else { "›" };
                    out.push((format!("destructive: type {id} to confirm"), Tone::Warning));
                    out.push((format!("{mark} [{}▏]", self.typed), Tone::Info));
                }
            }
        }
        out
    }
}

/// What a pick list item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuRun {
    /// Runs a command line (as typed at `:`).
    Line(String),
    /// Opens the `:` prompt with this text, for the user to finish.
    Prompt(String),
    /// The wizard's pick list of peer TGWs for this local TGW.
    PickPeer(String),
}

/// One line of a pick list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub label: String,
    pub run: MenuRun,
}

/// A pick list: the actions menu, or the wizard's choice of peer TGW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuView {
    pub title: String,
    pub items: Vec<MenuItem>,
    pub cursor: usize,
    /// Typed text: filters the items; with `typed_line`, Enter on no match runs it.
    pub typed: String,
    /// `{}` is replaced by the typed text (the wizard: `peer connect LOCAL {}`).
    pub typed_line: Option<String>,
}

impl MenuView {
    /// The items matching what was typed.
    #[must_use]
    pub fn shown(&self) -> Vec<&MenuItem> {
        let t = self.typed.to_lowercase();
        self.items
            .iter()
            .filter(|i| t.is_empty() || i.label.to_lowercase().contains(&t))
            .collect()
    }

    /// Handles an action of the `[menu]` layer: `Some(run)` when an item was chosen.
    pub fn update(&mut self, action: &Action) -> Option<Option<MenuRun>> {
        let n = self.shown().len();
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(n.saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::DeleteChar => {
                self.typed.pop();
                self.cursor = 0;
            }
            Action::Cancel | Action::Back | Action::Quit => return Some(None),
            Action::Submit | Action::Open => {
                if let Some(item) = self.shown().get(self.cursor) {
                    return Some(Some(item.run.clone()));
                }
                if let Some(template) = &self.typed_line
                    && !self.typed.trim().is_empty()
                {
                    return Some(Some(MenuRun::Line(
                        template.replace("{}", self.typed.trim()),
                    )));
                }
            }
            _ => {}
        }
        None
    }

    pub fn type_char(&mut self, c: char) {
        if self.typed.chars().count() < 200 {
            self.typed.push(c);
            self.cursor = 0;
        }
    }
}

/// Where the wizard is.
#[derive(Debug, Clone)]
pub enum WizStage {
    /// A step to preview, confirm and apply (or being applied, or just applied).
    Step(Box<ConfirmView>),
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
    },
    /// Stopped: why, and how to resume.
    Stopped(String),
}

/// The guided peering wizard.
#[derive(Debug, Clone)]
pub struct WizardView {
    pub target: Target,
    /// The command line (`peer connect …`).
    pub line: String,
    pub request_tag: String,
    pub stage: WizStage,
    /// What was applied so far, one line each.
    pub history: Vec<String>,
    /// The step the flow is at (1 create, 2 accept, 3 routes, 4 verified).
    pub step: usize,
    polls: u32,
    /// Waited so far in this wait (the poll delays), in milliseconds.
    pub waited_ms: u64,
    timer: Option<TaskId>,
    pending_delay: u64,
    observing: BTreeMap<TaskId, String>,
    observe_errors: Vec<String>,
    /// Cancel was asked while a change was in flight: stop after its answer.
    pub cancelling: bool,
    pub scroll: usize,
}

impl PartialEq for WizardView {
    fn eq(&self, other: &Self) -> bool {
        self.line == other.line
            && self.step == other.step
            && self.history == other.history
            && self.cancelling == other.cancelling
    }
}

impl Eq for WizardView {}

/// What a report did to the wizard.
#[derive(Debug)]
pub enum WizardEvent {
    NotMine,
    Effects(Vec<Effect>),
    /// The step's change is done (fold it in, then `step_done`).
    ExecDone,
    /// The re-reads are in and merged into the estate (re-evaluate with `advance`).
    Observed,
}

/// The step a plan is (1 create, 2 accept, 3 routes).
fn step_of(plan: &ChangePlan) -> usize {
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

impl WizardView {
    #[must_use]
    pub fn new(target: Target, line: String, request_tag: String) -> Self {
        Self {
            target,
            line,
            request_tag,
            stage: WizStage::Stopped(String::new()),
            history: Vec::new(),
            step: 1,
            polls: 0,
            waited_ms: 0,
            timer: None,
            pending_delay: 0,
            observing: BTreeMap::new(),
            observe_errors: Vec::new(),
            cancelling: false,
            scroll: 0,
        }
    }

    /// True while a change is in flight (cancel then waits for its answer).
    #[must_use]
    pub fn applying(&self) -> bool {
        matches!(&self.stage, WizStage::Step(c) if matches!(c.stage, Stage::Applying(_)))
    }

    /// True while it works in the background (a change, a wait).
    #[must_use]
    pub fn busy(&self) -> bool {
        self.applying() || matches!(self.stage, WizStage::Waiting { .. })
    }

    /// Works out the next step from the estate; `next_task` hands out task ids.
    pub fn advance(
        &mut self,
        net: &Net<'_>,
        baseline: Option<&crate::net::baseline::Baseline>,
        next_task: &mut TaskId,
    ) -> Vec<Effect> {
        match connect::next_step(net, &self.target, &self.request_tag) {
            Ok(Next::Apply(draft)) => {
                let plan = ops::finish_with(net, self.line.clone(), draft, false, baseline);
                self.step = step_of(&plan);
                self.polls = 0;
                self.waited_ms = 0;
                self.scroll = 0;
                self.stage = WizStage::Step(Box::new(ConfirmView::new(plan)));
                Vec::new()
            }
            Ok(Next::Wait {
                peering,
                state,
                regions,
            }) => {
                use crate::model::AttachmentState as S;
                self.step = match state {
                    S::InitiatingRequest | S::Initiating => 1,
                    S::PendingAcceptance | S::Pending => 2,
                    _ => 3,
                };
                let fresh = !matches!(self.stage, WizStage::Waiting { .. });
                if fresh {
                    self.polls = 0;
                    self.waited_ms = 0;
                }
                self.stage = WizStage::Waiting {
                    peering,
                    state: state.to_string(),
                    regions,
                };
                self.poll(next_task)
            }
            Ok(Next::Done(message)) => {
                let checks = connect::check(net, &self.target);
                self.step = 4;
                self.stage = WizStage::Done {
                    message,
                    checks: checks.lines,
                    ok: checks.ok,
                };
                Vec::new()
            }
            Err(e) => {
                self.stage = WizStage::Stopped(e.message);
                Vec::new()
            }
        }
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
        let WizStage::Waiting { regions, .. } = &self.stage else {
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
    ) -> WizardEvent {
        match report {
            Report::Timer { task } if self.timer == Some(*task) => {
                self.timer = None;
                self.waited_ms += self.pending_delay;
                WizardEvent::Effects(self.observe(next_task))
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
                        crate::ops::exec::merge_firewall(estate, region, (**data).clone());
                    }
                    Ok(Observation::Route(_)) => {}
                    Err(e) => self
                        .observe_errors
                        .push(format!("re-reading {region}: {}", e.message)),
                }
                if !self.observing.is_empty() {
                    return WizardEvent::Effects(Vec::new());
                }
                if !self.observe_errors.is_empty() {
                    self.stage = WizStage::Stopped(format!(
                        "{}; run :{} again to resume",
                        self.observe_errors.join("; "),
                        self.line
                    ));
                }
                WizardEvent::Observed
            }
            _ => {
                let WizStage::Step(view) = &mut self.stage else {
                    return WizardEvent::NotMine;
                };
                match view.on_report(report) {
                    None => WizardEvent::NotMine,
                    Some(fx) if view.done_execution().is_some() => {
                        debug_assert!(fx.is_empty());
                        WizardEvent::ExecDone
                    }
                    Some(fx) => WizardEvent::Effects(fx),
                }
            }
        }
    }

    /// The step's change is done and folded in: the wizard goes on (or stops, when
    /// it failed or the user cancelled meanwhile).
    pub fn step_done(&mut self, lines: Vec<String>, ok: bool) -> bool {
        let WizStage::Step(view) = &mut self.stage else {
            return false;
        };
        self.history.push(format!(
            "{} {}",
            if ok { "✓" } else { "✗" },
            view.plan.title
        ));
        for l in &lines {
            self.history.push(format!("    {l}"));
        }
        view.stage = Stage::Finished {
            lines: lines.clone(),
            ok,
        };
        if self.cancelling {
            self.stage = WizStage::Stopped(format!(
                "cancelled after AWS answered the change in flight (shown above); run :{} to resume",
                self.line
            ));
            return false;
        }
        if !ok {
            self.stage = WizStage::Stopped(format!(
                "{}; run :{} again to resume from here",
                lines.join("; "),
                self.line
            ));
            return false;
        }
        true
    }

    /// The create's answer was lost (a timeout: it may or may not have happened) and
    /// the execution re-read its region into the estate. Never a blind retry: when
    /// the estate now shows the peering, the wizard carries on with it; when it still
    /// proposes a create, it stops and says to run it again later.
    pub fn lost_create(
        &mut self,
        lines: Vec<String>,
        net: &Net<'_>,
        next_task: &mut TaskId,
    ) -> Vec<Effect> {
        if !self.step_done(lines.clone(), false) && self.cancelling {
            return Vec::new();
        }
        // The estate just changed (the re-read): no baseline of it yet.
        let fx = self.advance(net, None, next_task);
        if matches!(&self.stage, WizStage::Step(v) if step_of(&v.plan) == 1) {
            self.stage = WizStage::Stopped(format!(
                "{}; no peering tagged {}={} is visible yet: run :{} again in a minute (it looks again before creating anything)",
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
        fx
    }

    /// Cancel: effects that stop the waits, and whether the wizard may close now.
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
