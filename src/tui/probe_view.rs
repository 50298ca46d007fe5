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

use crate::probe::{Phase, ProbeRun, Row};
use crate::runtime::Effect;

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

    /// Handles an action of the `[probe]` layer.
    pub fn update(&mut self, action: &Action) -> ProbeOutcome {
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
