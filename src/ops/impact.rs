//! A change's impact on paths: the audit and a set of probe traces (each spoke to the
//! internet, each spoke to each peered region's VPCs, spoke-to-spoke isolation)
//! evaluated on the estate before and after, and what differs, in words.
//!
//! Invariants:
//! - Reachability is asked of [`crate::net::trace`] and [`crate::net::audit`], never
//!   re-derived here.
//! - A lost egress or a broken isolation is a warning the user must accept
//!   explicitly ([`ImpactLine::needs_acceptance`]).

use serde::Serialize;

use crate::backend::ChangeOp;
use crate::model::Estate;

/// How an impact line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Fixes something or opens a path the change is for.
    Good,
    /// A path or finding that changes, neither better nor worse.
    Info,
    /// Loses a path, breaks isolation, adds a finding.
    Warning,
}

/// One thing the change does to paths or findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactLine {
    pub tone: Tone,
    /// "spoke-b loses internet egress", "fixes the blackhole 10.2.0.0/16 in …".
    pub text: String,
    /// Cuts a spoke's egress or breaks isolation: the user must accept it explicitly.
    pub needs_acceptance: bool,
}

/// Everything a change does to paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Impact {
    pub lines: Vec<ImpactLine>,
    /// How many probe traces were compared.
    pub probes: usize,
    /// What was not evaluated (the projection's gaps among them).
    pub not_evaluated: Vec<String>,
}

impl Impact {
    /// True when some line must be accepted explicitly.
    #[must_use]
    pub fn needs_acceptance(&self) -> bool {
        self.lines.iter().any(|l| l.needs_acceptance)
    }
}

/// What `ops` change between `before` and `after` (= `project(before, ops)`).
#[must_use]
pub fn impact(before: &Estate, after: &Estate, ops: &[ChangeOp]) -> Impact {
    let _ = (before, after, ops);
    Impact::default()
}
