//! `diff A [B]`: what differs between two estates (two snapshots, or a snapshot and
//! what is loaded now) and what that does to paths.
//!
//! - Objects: every object of every kind a region holds, compared by id within its
//!   region ([`objects`]): added, removed, changed with each field before → after in
//!   words (`route 10.2.0.0/16: static → tgw-attach-… active → blackhole`).
//! - Paths: the change preview's machinery, unchanged ([`crate::ops::impact`]): the
//!   before-estate's [`Baseline`] (audit and probe traces), the probes (each spoke to
//!   the internet, spoke ↔ spoke isolation, each spoke to each peered region) compared
//!   on both sides and worded as the preview words them, and the audit's findings new
//!   and fixed.
//!
//! Invariants:
//! - Reachability is asked of the trace and the audit, never re-derived here.
//! - The traces the diff can affect are told from the object records themselves
//!   (`impact::Changes::from_objects`): a route compared by destination re-traces only
//!   the flows whose addresses that destination holds, so a diff of two versions of a
//!   2,000-spoke estate that differ in a few routes re-traces a few probes, not all of
//!   them. Changes the finer tests do not follow (a subnet, a gateway, an instance…)
//!   re-trace every trace with a hop in their region.
//! - Pure: two estates in, an [`EstateDiff`] out. Loading snapshots is the caller's.
//!
//! Measured (`cargo bench --bench net -- 2000`, release, 2,000 spokes and 8,000 extra
//! routes in post-inspection, 2 shared cores), against a copy differing in 10 routes
//! of post-inspection: objects 9–10 ms; the whole diff 275–380 ms cold (the
//! before-estate's baseline, 4,000 traces, is most of it), 32 ms warm with
//! [`diff_with`]. The goal is 1 s.

pub mod objects;

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::{Value, json};

use crate::command::{Command, FailOn};
use crate::error::{CommandError, ErrorKind};
use crate::model::Estate;
use crate::net::{Finding, Severity};
use crate::output::{Output, Section};

pub use objects::{FieldChange, Kind, ObjectChange, What};

use super::impact::{self, Baseline, Changes, ImpactLine, Tone};

/// Everything that differs between two estates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct EstateDiff {
    /// Objects added, removed and changed, by region, kind and id.
    pub changes: Vec<ObjectChange>,
    /// Findings of the after-estate that the before-estate does not have.
    pub findings_new: Vec<Finding>,
    /// Findings of the before-estate that are gone after.
    pub findings_fixed: Vec<Finding>,
    /// Probe traces whose verdict changed, worded as the change preview words them.
    pub paths: Vec<ImpactLine>,
    /// How many probe traces were compared.
    pub probes: usize,
    /// What the path part could not evaluate.
    pub not_evaluated: Vec<String>,
}

impl EstateDiff {
    /// True when the two estates hold the same objects.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// True when a new finding is at or above `severity` (`--fail-on`).
    #[must_use]
    pub fn fails_on(&self, severity: Severity) -> bool {
        self.findings_new.iter().any(|f| f.severity >= severity)
    }
}

/// What differs between `before` and `after`, objects and paths.
///
/// Cold: the before-estate's [`Baseline`] (its audit and every probe trace) is
/// computed here when anything differs; [`diff_with`] takes one already computed.
#[must_use]
pub fn diff(before: &Estate, after: &Estate) -> EstateDiff {
    let changes = objects::compare(before, after);
    if changes.is_empty() {
        return EstateDiff::default();
    }
    paths(&Baseline::new(before), before, after, changes)
}

/// [`diff`] with the before-estate's baseline (computed from `before`, as the
/// console keeps one per estate version).
#[must_use]
pub fn diff_with(baseline: &Baseline, before: &Estate, after: &Estate) -> EstateDiff {
    paths(baseline, before, after, objects::compare(before, after))
}

fn paths(
    baseline: &Baseline,
    before: &Estate,
    after: &Estate,
    changes: Vec<ObjectChange>,
) -> EstateDiff {
    let affected = Changes::from_objects(before, after, &changes);
    let p = impact::paths_with(baseline, before, after, &affected);
    EstateDiff {
        changes,
        findings_new: p.new,
        findings_fixed: p.fixed,
        paths: p.impact.lines,
        probes: p.impact.probes,
        not_evaluated: p.impact.not_evaluated,
    }
}

/// Runs `diff A [B]` once its estates are loaded: `before` is snapshot A, `after`
/// snapshot B or the estate loaded now.
///
/// # Errors
/// `cmd` is not `diff`.
pub fn run(before: &Estate, after: &Estate, cmd: &Command) -> Result<Output, CommandError> {
    let Command::Diff { fail_on, .. } = cmd else {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            format!("`{}` is not a diff", cmd.to_line()),
        ));
    };
    Ok(output(&diff(before, after), cmd.to_line(), *fail_on))
}

fn tone(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Info => "info",
        Tone::Warning => "warning",
    }
}

/// The diff as tables (by region, then object; then paths and findings) and one JSON
/// document; `failed_check` when a new finding is at or above `fail_on`.
#[must_use]
pub fn output(d: &EstateDiff, command: String, fail_on: FailOn) -> Output {
    let severity = fail_on.severity();
    let failed_check = d.fails_on(severity);
    let mut sections = Vec::new();
    if d.is_empty() {
        sections
            .push(Section::new(&[]).titled("no differences: both estates hold the same objects"));
    }
    let mut regions: Vec<&str> = d.changes.iter().map(|c| c.region.as_str()).collect();
    regions.dedup();
    for region in regions {
        let changes: Vec<&ObjectChange> = d.changes.iter().filter(|c| c.region == region).collect();
        let mut s = Section::new(&["OBJECT", "ID", "NAME", "CHANGE"]).titled(format!(
            "{region}: {} object(s) added, removed or changed",
            changes.len()
        ));
        for c in changes {
            let mut lines: Vec<String> = match (&c.summary, c.what) {
                (Some(summary), _) => vec![format!("{}: {summary}", c.what.as_str())],
                (None, What::Changed) => Vec::new(),
                (None, w) => vec![w.as_str().to_string()],
            };
            lines.extend(c.fields.iter().map(|f| f.text.clone()));
            if !c.also_in.is_empty() {
                lines.push(format!("(the same in {})", c.also_in.join(", ")));
            }
            for (i, line) in lines.into_iter().enumerate() {
                if i == 0 {
                    s.row(vec![
                        c.kind.as_str().to_string(),
                        c.id.clone(),
                        c.name.clone().unwrap_or_else(|| "-".into()),
                        line,
                    ]);
                } else {
                    s.row(vec![String::new(), String::new(), String::new(), line]);
                }
            }
        }
        sections.push(s);
    }
    if !d.is_empty() {
        let mut s = Section::new(&["TONE", "PATH"]).titled(format!(
            "paths: {} probe trace(s) compared (spoke → internet, spoke ↔ spoke, spoke → peered regions); {} changed",
            d.probes,
            d.paths.len()
        ));
        for l in &d.paths {
            s.row(vec![tone(l.tone).to_string(), l.text.clone()]);
        }
        sections.push(s);
        let mut s = Section::new(&["SEVERITY", "REGION", "FINDING"]).titled(format!(
            "findings: {} new, {} fixed; fails on new findings at {} and above",
            d.findings_new.len(),
            d.findings_fixed.len(),
            severity.as_str()
        ));
        for f in &d.findings_new {
            s.row(vec![
                f.severity.as_str().to_string(),
                f.region.clone(),
                format!("new: {}", f.message()),
            ]);
        }
        for f in &d.findings_fixed {
            s.row(vec![
                f.severity.as_str().to_string(),
                f.region.clone(),
                format!("fixes: {}", f.message()),
            ]);
        }
        sections.push(s);
        if !d.not_evaluated.is_empty() {
            let mut s = Section::new(&["NOT EVALUATED"]);
            for n in &d.not_evaluated {
                s.row(vec![n.clone()]);
            }
            sections.push(s);
        }
    }
    let json: Value = json!({
        "changes": d.changes,
        "findings_new": d.findings_new,
        "findings_fixed": d.findings_fixed,
        "paths": d.paths,
        "probes": d.probes,
        "not_evaluated": d.not_evaluated,
        "fail_on": severity.as_str(),
    });
    Output {
        command,
        sections,
        json,
        failed_check,
    }
}
