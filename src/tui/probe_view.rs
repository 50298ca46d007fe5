//! The live probe matrix (`E`, `:probe egress`, `:probe ping`): a modal over the
//! [`ProbeRun`] state machine the batch front end drives too, with a selection over
//! its rows.
//!
//! Invariants:
//! - The run is the same [`ProbeRun`] as `--batch`: planned on the console's estate
//!   as it is when the key is pressed, every row sent at once, each report folded in
//!   with [`ProbeRun::on_report`]; this view adds only the selection and the words.
//! - Closing or re-running cancels every row still waiting for SSM
//!   ([`ProbeView::cancel`]): nothing keeps running that no one looks at.

use crate::command::Command;
use crate::error::CommandError;
use crate::net::Net;
use crate::probe::{Phase, ProbeRun, Row};
use crate::runtime::{Effect, TaskId};

use super::dialog::{Ctx, Dialog, Outcome, Then};
use super::keymap::Action;

/// The probe matrix modal.
#[derive(Debug, Clone)]
pub struct ProbeView {
    pub run: ProbeRun,
    /// The selected row.
    pub selected: usize,
}

/// What the view wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    Keep,
    /// Close (after cancelling what still runs).
    Close,
    /// Plan and send the same command again.
    Rerun,
    /// Show the selected row in full.
    Detail,
}

impl Dialog for ProbeView {
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome {
        match self.key(action) {
            ProbeOutcome::Keep => Outcome::keep(),
            ProbeOutcome::Close => {
                let cancel = self.cancel();
                let n = cancel.len();
                let out = Outcome::close().with(cancel);
                if n == 0 {
                    out
                } else {
                    out.info(format!(
                        "probe matrix closed: {n} probe(s) still waiting were cancelled"
                    ))
                }
            }
            ProbeOutcome::Detail => {
                // Wrapped at the popup's width under their own text: the why and
                // engine lines are read in full, not cut at the edge.
                let lines: Vec<String> = self
                    .detail_lines()
                    .iter()
                    .flat_map(|l| crate::text::wrap_hanging(l, ctx.width))
                    .collect();
                if lines.is_empty() {
                    return Outcome::keep();
                }
                let title = self
                    .selected_row()
                    .map(|r| format!(":{} — {}", self.run.line, r.label))
                    .unwrap_or_default();
                Outcome::keep().then(Then::Output { title, lines })
            }
            ProbeOutcome::Rerun => self.rerun(ctx),
        }
    }
}

/// How a verdict reads: a symbol (never colour alone) and its tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Unknown,
    Running,
    /// Background: what the engine expected.
    Note,
}

impl ProbeView {
    #[must_use]
    pub fn new(run: ProbeRun) -> Self {
        Self { run, selected: 0 }
    }

    /// Plans `cmd` on the estate as it is now and sends every row at once: the
    /// run's task ids are taken from `tasks`.
    ///
    /// # Errors
    /// The command's error when it cannot be planned (nothing is sent).
    pub fn launch(
        net: &Net<'_>,
        cmd: &Command,
        tasks: &mut TaskId,
        now_ms: u64,
    ) -> Result<(Self, Vec<Effect>), CommandError> {
        let run = ProbeRun::plan(net, cmd, *tasks)?;
        let rows = u64::try_from(run.rows.len()).unwrap_or(u64::MAX);
        *tasks = tasks.saturating_add(rows);
        let mut view = Self::new(run);
        let effects = view.run.start(now_ms);
        Ok((view, effects))
    }

    /// The selected row.
    #[must_use]
    pub fn selected_row(&self) -> Option<&Row> {
        self.run.rows.get(self.selected)
    }

    /// True while some row waits for its verdict.
    #[must_use]
    pub fn busy(&self) -> bool {
        !self.run.is_done()
    }

    /// Cancels the tasks of the rows still running.
    #[must_use]
    pub fn cancel(&self) -> Vec<Effect> {
        self.run
            .rows
            .iter()
            .filter(|r| r.verdict.is_none())
            .filter_map(|r| r.task.map(Effect::Cancel))
            .collect()
    }

    /// What an action of the `[probe]` layer asks for.
    pub fn key(&mut self, action: &Action) -> ProbeOutcome {
        let last = self.run.rows.len().saturating_sub(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Open | Action::Submit => return ProbeOutcome::Detail,
            Action::Refresh | Action::ReloadRegion => return ProbeOutcome::Rerun,
            Action::Back | Action::Cancel | Action::Quit => return ProbeOutcome::Close,
            _ => {}
        }
        ProbeOutcome::Keep
    }

    /// The same command planned again on the estate as it is now and sent; the
    /// rows still waiting are cancelled first.
    fn rerun(&mut self, ctx: &mut Ctx<'_>) -> Outcome {
        let cancel = self.cancel();
        let line = self.run.line.clone();
        let planned = crate::command::parse_line(&line)
            .map_err(|e| e.message)
            .and_then(|cmd| cmd.ok_or_else(|| "empty command".to_string()))
            .and_then(|cmd| {
                Self::launch(ctx.net, &cmd, ctx.probe_tasks, ctx.now_ms).map_err(|e| e.to_string())
            });
        match planned {
            Ok((mut fresh, started)) => {
                fresh.selected = self.selected.min(fresh.run.rows.len().saturating_sub(1));
                *self = fresh;
                Outcome::effects(cancel)
                    .with(started)
                    .info(format!(":{line} — probing again"))
            }
            Err(e) => Outcome::close()
                .with(cancel)
                .error(format!(":{line} — {e}")),
        }
    }

    /// The title: the kind of run and its tally (`egress probe: 1 centralized, 1 leak`).
    #[must_use]
    pub fn title(&self) -> String {
        let kind = match self.run.kind {
            crate::probe::Kind::Egress => "egress probe",
            crate::probe::Kind::Ping => "ping probe",
        };
        format!(":{} — {kind}: {}", self.run.line, self.run.tally())
    }

    /// The selected row's explanation: why, what the engine expected, and where the
    /// live answer and the engine disagree.
    #[must_use]
    pub fn explanation(&self) -> Vec<(String, Tone)> {
        let Some(r) = self.selected_row() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let (symbol, tone) = verdict_mark(r);
        let reason = if r.reason.is_empty() {
            match &r.phase {
                Phase::Queued | Phase::Sending => "sending the command through SSM…".to_string(),
                Phase::Running { command_id, .. } => {
                    format!("SSM command {command_id}: waiting for the instance's answer…")
                }
                Phase::Done => String::new(),
            }
        } else {
            r.reason.clone()
        };
        out.push((
            format!("{symbol} {}: {} — {reason}", r.label, r.status()),
            tone,
        ));
        out.push((format!("engine: {}", engine_summary(r)), Tone::Note));
        if let Some(d) = &r.disagreement {
            out.push((format!("! live and engine disagree: {d}"), Tone::Bad));
        }
        out
    }

    /// The selected row in full, for the detail popup.
    #[must_use]
    pub fn detail_lines(&self) -> Vec<String> {
        let Some(r) = self.selected_row() else {
            return Vec::new();
        };
        let dash = || "-".to_string();
        let mut lines = vec![
            format!("row:          {}", r.label),
            format!("region:       {}", r.region),
            format!("instance:     {}", r.instance.clone().unwrap_or_else(dash)),
            format!(
                "SSM command:  {}",
                r.command_id.clone().unwrap_or_else(dash)
            ),
            format!("status:       {}", r.status()),
            format!(
                "observed IP:  {}",
                r.observed_ip.map_or_else(dash, |ip| ip.to_string())
            ),
            format!("expected:     {}", join_ips(&r.expected())),
            format!("elapsed:      {}", elapsed(r.elapsed_ms)),
            String::new(),
            format!("why:          {}", r.reason),
            format!("engine:       {}", engine_summary(r)),
        ];
        if let Some(d) = &r.disagreement {
            lines.push(format!("! live and engine disagree: {d}"));
        }
        lines
    }
}

/// What the engine expected of the row.
#[must_use]
pub fn engine_summary(r: &Row) -> String {
    r.engine_summary()
}

/// A row's mark: ✓ good, ✗ bad, ○ isolated by design (no internet path, none
/// expected), ? unprobeable, or `None` while running (the view shows the spinner
/// then).
#[must_use]
pub fn verdict_mark(r: &Row) -> (&'static str, Tone) {
    match r.verdict.as_deref() {
        Some("centralized" | "reachable") => ("✓", Tone::Good),
        Some("isolated") => ("○", Tone::Note),
        Some("unprobeable") => ("?", Tone::Unknown),
        Some(_) if r.failure => ("✗", Tone::Bad),
        Some(_) => ("?", Tone::Unknown),
        None => ("…", Tone::Running),
    }
}

pub use crate::probe::{elapsed, join_ips};

/// Only the parts that change on screen: the modal stack compares views by them.
impl PartialEq for ProbeView {
    fn eq(&self, other: &Self) -> bool {
        let key = |v: &Self| {
            v.run
                .rows
                .iter()
                .map(|r| (r.task, r.status(), r.elapsed_ms, r.observed_ip))
                .collect::<Vec<_>>()
        };
        self.run.line == other.run.line
            && self.selected == other.selected
            && key(self) == key(other)
    }
}

impl Eq for ProbeView {}
