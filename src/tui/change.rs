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
//! - These types hold no console state. Each keeps the dialog contract
//!   ([`Dialog::update`] with a [`Ctx`] of the estate and task ids, answering an
//!   [`Outcome`]); `state` folds what they re-read into its data.

use crate::ops::connect::Target;
use crate::ops::exec::Execution;
pub use crate::ops::session::{Connect, ConnectStage, Event as WizardEvent, StepView};
use crate::ops::{self, ChangePlan, Tone};
use crate::runtime::{Effect, Report, TaskId};

pub use super::dialog::MenuRun;
use super::dialog::{Ctx, Dialog, Outcome, Then};
use super::keymap::Action;
use crate::model::Estate;

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

    /// Handles an action of the `[confirm]` layer (the dialog's and the wizard's
    /// step's review).
    pub fn review(&mut self, action: &Action) -> ConfirmOutcome {
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
        out
    }

    /// What the user must do or know before Apply, drawn pinned above the buttons
    /// (never scrolled away with the preview, whatever the terminal's height): the
    /// refusal, the impact to accept, the type-the-id field.
    #[must_use]
    pub fn controls(&self) -> Vec<(String, Tone)> {
        let mut out = Vec::new();
        if matches!(self.stage, Stage::Review) {
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

    /// The wizard's first step for a new peering: pick the peer TGW among the other
    /// TGWs of the estate (any region), or type its id.
    #[must_use]
    pub fn peers(estate: &Estate, local: &str) -> Self {
        let items = estate
            .loaded()
            .flat_map(|r| r.tgws.iter())
            .filter(|t| t.id != local)
            .map(|t| MenuItem {
                label: format!(
                    "{} {} ({})",
                    t.id,
                    t.name.as_deref().unwrap_or(""),
                    t.region
                ),
                run: MenuRun::Line(format!("peer connect {local} {}", t.id)),
            })
            .collect();
        Self {
            title: format!("Peering wizard: 1. pick the peer TGW for {local} (or type its id)"),
            items,
            cursor: 0,
            typed: String::new(),
            typed_line: Some(format!("peer connect {local} {{}}")),
        }
    }

    /// Handles an action of the `[menu]` layer: `Some(run)` when an item was chosen,
    /// `Some(None)` when the list is closed.
    pub fn pick(&mut self, action: &Action) -> Option<Option<MenuRun>> {
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

/// Where the wizard is: the `peer connect` session's stage, its steps shown in the
/// confirmation dialog.
pub type WizStage = ConnectStage<ConfirmView>;

/// The guided peering wizard: the one `peer connect` session ([`Connect`], the same
/// `--batch` drives) with its steps confirmed in the dialog.
#[derive(Debug, Clone)]
pub struct WizardView {
    pub flow: Connect<ConfirmView>,
    pub scroll: usize,
}

impl std::ops::Deref for WizardView {
    type Target = Connect<ConfirmView>;
    fn deref(&self) -> &Self::Target {
        &self.flow
    }
}

impl std::ops::DerefMut for WizardView {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.flow
    }
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

impl WizardView {
    #[must_use]
    pub fn new(target: Target, line: String, request_tag: String) -> Self {
        Self {
            flow: Connect::new(target, line, request_tag),
            scroll: 0,
        }
    }
}

impl Dialog for ConfirmView {
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome {
        match self.review(action) {
            ConfirmOutcome::Keep => Outcome::keep(),
            ConfirmOutcome::Close(text) => Outcome::close().info(text),
            ConfirmOutcome::Start => {
                let first = ctx.change_span(Self::task_span(&self.plan));
                Outcome::effects(self.start(first))
            }
            ConfirmOutcome::Say(text) => Outcome::say(text),
        }
    }
}

impl Dialog for MenuView {
    fn update(&mut self, action: &Action, _: &mut Ctx<'_>) -> Outcome {
        match self.pick(action) {
            None => Outcome::keep(),
            Some(None) => Outcome::close(),
            Some(Some(run)) => Outcome::close().then(Then::Run(run)),
        }
    }
}

impl Dialog for WizardView {
    /// The wizard's keys: a step's review takes the confirmation's keys; cancel
    /// stops it (waiting for an answer in flight first); a finished wizard closes.
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome {
        let cancel = matches!(action, Action::Cancel | Action::Back | Action::Quit);
        let line = self.line.clone();
        match &mut self.flow.stage {
            WizStage::Step(view) if matches!(view.stage, Stage::Review) => match action {
                _ if cancel => Outcome::close().info(format!(
                    "peering wizard closed: nothing was sent; :{line} resumes from where the network is"
                )),
                Action::Confirm | Action::Submit => match view.blocker() {
                    Some(why) => Outcome::say(why),
                    None => {
                        let first = ctx.change_span(ConfirmView::task_span(&view.plan));
                        Outcome::effects(view.start(first))
                    }
                },
                Action::Down => {
                    self.scroll = self.scroll.saturating_add(1);
                    Outcome::keep()
                }
                Action::Up => {
                    self.scroll = self.scroll.saturating_sub(1);
                    Outcome::keep()
                }
                other => match view.review(other) {
                    ConfirmOutcome::Say(text) => Outcome::say(text),
                    _ => Outcome::keep(),
                },
            },
            WizStage::Waiting { peering, .. } if cancel => {
                // AWS keeps moving the peering: the console keeps re-reading it
                // until it settles (the dispatcher keeps this session as a watch).
                let peering = peering.clone();
                self.flow.watch_only = true;
                Outcome::close().info(format!(
                    "peering wizard closed: {peering} is still re-read until it settles; :{line} resumes"
                ))
            }
            WizStage::Step(_) if cancel => {
                let (more, close) = self.flow.cancel();
                if close {
                    Outcome::close().with(more).info(format!(
                        "peering wizard cancelled while waiting (nothing was in flight); :{line} resumes"
                    ))
                } else {
                    Outcome::effects(more).info(
                        "cancelling: a change is in flight; its answer is shown before the wizard stops",
                    )
                }
            }
            WizStage::Done { .. } | WizStage::Stopped(_)
                if cancel || matches!(action, Action::Confirm | Action::Submit) =>
            {
                Outcome::close()
            }
            _ => {
                match action {
                    Action::Down => self.scroll = self.scroll.saturating_add(1),
                    Action::Up => self.scroll = self.scroll.saturating_sub(1),
                    _ => {}
                }
                Outcome::keep()
            }
        }
    }
}

impl StepView for ConfirmView {
    fn new(plan: ChangePlan) -> Self {
        Self::new(plan)
    }

    fn plan(&self) -> &ChangePlan {
        &self.plan
    }

    fn start(&mut self, first_task: TaskId) -> Vec<Effect> {
        Self::start(self, first_task)
    }

    fn on_report(&mut self, report: &Report) -> Option<Vec<Effect>> {
        Self::on_report(self, report)
    }

    fn done_execution(&self) -> Option<&Execution> {
        Self::done_execution(self)
    }

    fn applying(&self) -> bool {
        matches!(self.stage, Stage::Applying(_))
    }

    fn finish(&mut self, lines: Vec<String>, ok: bool) {
        self.stage = Stage::Finished { lines, ok };
    }
}
