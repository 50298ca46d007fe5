//! Applying a [`ChangePlan`]: each op once, in order, through the runtime
//! ([`Effect::Apply`]); then a re-read of what changed ([`Effect::Observe`]) and a
//! verdict per op. A state machine the console and `--batch` both drive: it answers
//! effects to run and takes the reports that come back.
//!
//! Invariants:
//! - An op is sent once. The first failure (or lost answer) stops the run: the ops
//!   before it are applied (and verified), those after it are not sent, and
//!   [`Execution::summary`] says exactly that, counting what AWS really made.
//! - An answer that was lost (outcome unknown) is never sent again: the re-read
//!   settles it as applied or not applied ([`OpResult::applied`]); only a re-read
//!   that fails leaves it unknown, for the next run to settle ([`settle_pending`]).
//! - Verification reads what each op changed or may have changed: the exact route
//!   search for TGW routes, the region's topology for the rest, once per region.
//! - The runtime writes each op's intent and answer lines; the execution adds the
//!   settled line (what the re-read showed) through [`Effect::Record`] and is done
//!   when it is written. Preview rows are matched to ops by region and object (both
//!   sides of a peering share the attachment id).
//! - The observations are handed to the front end ([`Execution::merge_into`]) so the
//!   estate it shows and plans the next change on is what AWS now says.

use std::collections::BTreeMap;

use super::ChangePlan;
use super::log::{Entry, Intent, Record};
use crate::backend::{BackendError, Change, ChangeOp, ChangeOutcome, ErrorKind};
use crate::model::{Destination, Estate, RegionEstate, RegionLoad, TgwRoute};
use crate::net::change::shows::{self as after, Shown};
use crate::runtime::{Effect, Observation, ObserveQuery, Report, TaskId};

/// Where the execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Applying,
    Verifying,
    /// Writing the settled lines to the audit log.
    Recording,
    Done,
}

/// What a re-read shows about one op.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// The change is there.
    Shows(String),
    /// It is not.
    Not(String),
    /// The region (or route, or policy) could not be re-read.
    Unread(String),
}

/// What the re-read after a change said: a verdict with its line, not an error.
/// In JSON it keeps the shape it has always had: `{"Ok": line}` / `{"Err": line}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Verified {
    /// The change shows: what was found.
    #[serde(rename = "Ok")]
    Yes(String),
    /// It does not show, or could not be re-read: why.
    #[serde(rename = "Err")]
    No(String),
}

/// One op's fate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpResult {
    pub op: ChangeOp,
    /// `None`: not sent (an earlier op failed, or netops was asked to stop).
    pub outcome: Option<Result<ChangeOutcome, BackendError>>,
    /// What the re-read showed, when it was read.
    pub verified: Option<Verified>,
    /// What became of it: `true` AWS made the change (it answered so, or its answer
    /// was lost and the re-read shows it), `false` it did not, `None` not known (an
    /// answer lost and a re-read that failed).
    pub applied: Option<bool>,
}

impl OpResult {
    fn unknown(&self) -> Option<&BackendError> {
        match &self.outcome {
            Some(Err(e)) if e.kind == ErrorKind::OutcomeUnknown => Some(e),
            _ => None,
        }
    }

    /// One line for the result.
    #[must_use]
    pub fn status(&self) -> String {
        if let Some(e) = self.unknown() {
            // Settled: the cause of the lost answer is in the answer line; here what
            // the re-read found.
            return match (&self.applied, &self.verified) {
                (Some(true), Some(Verified::Yes(found))) => format!(
                    "applied: the answer was lost (a timeout or a broken connection after sending), but the re-read shows it: {found}; not sent again"
                ),
                (Some(false), Some(Verified::No(why))) => format!(
                    "not applied: the answer was lost and the re-read does not show it ({why}); not sent again"
                ),
                (_, Some(Verified::No(why))) => format!(
                    "outcome unknown: {}; the re-read failed ({why}): netops settles it when it next reads {}",
                    e.message, self.op.region
                ),
                _ => format!(
                    "outcome unknown: {}; not re-read: netops settles it when it next reads {}",
                    e.message, self.op.region
                ),
            };
        }
        match (&self.outcome, &self.verified) {
            (None, _) => "not sent".into(),
            (Some(Err(e)), _) => format!("failed: {}", e.message),
            (Some(Ok(o)), _) if o.dry_run => "dry run: AWS would allow it".into(),
            (Some(Ok(_)), Some(Verified::Yes(text))) => format!("verified: {text}"),
            (Some(Ok(_)), Some(Verified::No(text))) => format!("applied, NOT verified: {text}"),
            (Some(Ok(_)), None) => "applied (not re-read)".into(),
        }
    }
}

/// A plan being applied.
#[derive(Debug, Clone)]
pub struct Execution {
    pub plan: ChangePlan,
    pub results: Vec<OpResult>,
    phase: Phase,
    next_task: TaskId,
    /// Apply task → op index.
    applying: Option<(TaskId, usize)>,
    /// Each op's apply task (its id in the audit log), once sent.
    sent_as: Vec<Option<TaskId>>,
    /// Observe task → (region, route query or topology).
    observing: BTreeMap<TaskId, (String, ObserveQuery)>,
    topologies: BTreeMap<String, RegionEstate>,
    routes: Vec<(String, String, ipnet::IpNet, Vec<TgwRoute>)>,
    /// Network Firewall parts re-read, by region.
    firewalls: BTreeMap<String, crate::backend::OptionalData>,
    observe_errors: Vec<String>,
    /// The task writing the settled lines.
    recording: Option<TaskId>,
    /// Why the settled lines could not be written, if so.
    pub audit_error: Option<String>,
    /// Asked to stop (a signal): nothing more is sent, nothing re-read.
    stopping: bool,
}

impl Execution {
    /// An execution of `plan` whose tasks take ids from `first_task` up.
    #[must_use]
    pub fn new(plan: ChangePlan, first_task: TaskId) -> Self {
        let results = plan
            .ops
            .iter()
            .map(|op| OpResult {
                op: op.clone(),
                outcome: None,
                verified: None,
                applied: None,
            })
            .collect();
        let sent_as = vec![None; plan.ops.len()];
        Self {
            plan,
            results,
            phase: Phase::Applying,
            next_task: first_task,
            applying: None,
            sent_as,
            observing: BTreeMap::new(),
            topologies: BTreeMap::new(),
            routes: Vec::new(),
            firewalls: BTreeMap::new(),
            observe_errors: Vec::new(),
            recording: None,
            audit_error: None,
            stopping: false,
        }
    }

    /// Where it is.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// True when done.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// True when it was asked to stop.
    #[must_use]
    pub fn interrupted(&self) -> bool {
        self.stopping
    }

    /// How many task ids an execution of `ops` ops may take (apply, observe and
    /// record tasks).
    #[must_use]
    pub fn tasks_needed(ops: usize) -> u64 {
        ops as u64 * 3 + 4
    }

    fn task(&mut self) -> TaskId {
        let t = self.next_task;
        self.next_task += 1;
        t
    }

    /// The first effects.
    pub fn start(&mut self) -> Vec<Effect> {
        self.apply_next(0)
    }

    /// The audit log's id of op `i`'s change (the runtime adds its session).
    fn op_id(task: TaskId) -> String {
        format!("t{task}")
    }

    fn apply_next(&mut self, i: usize) -> Vec<Effect> {
        if self.stopping {
            self.applying = None;
            return self.conclude();
        }
        if let Some(op) = self.plan.ops.get(i).cloned() {
            let task = self.task();
            self.applying = Some((task, i));
            self.sent_as[i] = Some(task);
            let intent = intent_for(&self.plan, &op, task);
            vec![Effect::Apply { task, op, intent }]
        } else {
            self.applying = None;
            self.verify()
        }
    }

    /// Stop: send nothing more and re-read nothing; an op already sent is waited
    /// for (its answer line is written by the runtime). Answers effects to run
    /// (cancelling re-reads under way, writing what is known).
    pub fn interrupt(&mut self) -> Vec<Effect> {
        if self.stopping || self.is_done() {
            return Vec::new();
        }
        self.stopping = true;
        match self.phase {
            Phase::Verifying => {
                let mut effects: Vec<Effect> =
                    self.observing.keys().map(|t| Effect::Cancel(*t)).collect();
                self.observing.clear();
                effects.extend(self.conclude());
                effects
            }
            Phase::Applying | Phase::Recording | Phase::Done => Vec::new(),
        }
    }

    /// True when the report is one of this execution's.
    #[must_use]
    pub fn owns(&self, report: &Report) -> bool {
        match report {
            Report::Applied { task, .. } => self.applying.is_some_and(|(t, _)| t == *task),
            Report::Observed { task, .. } => self.observing.contains_key(task),
            Report::Recorded { task, .. } => self.recording == Some(*task),
            _ => false,
        }
    }

    /// Takes a report; answers the next effects. Reports of other tasks are ignored.
    pub fn on_report(&mut self, report: &Report) -> Vec<Effect> {
        match report {
            Report::Applied { task, result } => {
                let Some((t, i)) = self.applying else {
                    return Vec::new();
                };
                if t != *task {
                    return Vec::new();
                }
                if let Some(r) = self.results.get_mut(i) {
                    r.outcome = Some(result.clone());
                }
                if result.is_ok() {
                    self.apply_next(i + 1)
                } else {
                    // The first failure (or lost answer) stops the run: the re-read
                    // says what became of a lost one.
                    self.applying = None;
                    if self.stopping {
                        self.conclude()
                    } else {
                        self.verify()
                    }
                }
            }
            Report::Observed {
                task,
                region,
                result,
            } => {
                let Some((_, query)) = self.observing.remove(task) else {
                    return Vec::new();
                };
                match (result, query) {
                    (Ok(Observation::Topology(estate)), _) => {
                        self.topologies.insert(region.clone(), (**estate).clone());
                    }
                    (
                        Ok(Observation::Route(routes)),
                        ObserveQuery::Route {
                            route_table_id,
                            cidr,
                        },
                    ) => {
                        self.routes
                            .push((region.clone(), route_table_id, cidr, routes.clone()));
                    }
                    (Ok(Observation::Firewall(data)), _) => {
                        self.firewalls.insert(region.clone(), (**data).clone());
                    }
                    (Ok(Observation::Route(_)), _) => {}
                    (Err(e), _) => self
                        .observe_errors
                        .push(format!("re-reading {region}: {}", e.message)),
                }
                if self.observing.is_empty() && self.phase == Phase::Verifying {
                    return self.conclude();
                }
                Vec::new()
            }
            Report::Recorded { task, result } => {
                if self.recording != Some(*task) {
                    return Vec::new();
                }
                self.recording = None;
                if let Err(e) = result {
                    self.audit_error = Some(e.message.clone());
                }
                self.phase = Phase::Done;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Re-reads what the ops changed, and what the ops whose answer was lost may
    /// have changed.
    fn verify(&mut self) -> Vec<Effect> {
        self.phase = Phase::Verifying;
        let mut effects = Vec::new();
        let mut regions: Vec<String> = Vec::new();
        let sent: Vec<ChangeOp> = self
            .results
            .iter()
            .filter(|r| matches!(&r.outcome, Some(Ok(o)) if !o.dry_run) || r.unknown().is_some())
            .map(|r| r.op.clone())
            .collect();
        let mut firewall_regions: Vec<String> = Vec::new();
        for op in &sent {
            match &op.change {
                Change::DisableRuleGroup(_) | Change::EnableRuleGroup(_) => {
                    if !firewall_regions.contains(&op.region) {
                        firewall_regions.push(op.region.clone());
                    }
                }
                Change::CreateTgwRoute {
                    route_table_id,
                    cidr,
                    ..
                }
                | Change::ReplaceTgwRoute {
                    route_table_id,
                    cidr,
                    ..
                }
                | Change::DeleteTgwRoute {
                    route_table_id,
                    cidr,
                } => {
                    let task = self.task();
                    let query = ObserveQuery::Route {
                        route_table_id: route_table_id.clone(),
                        cidr: *cidr,
                    };
                    self.observing
                        .insert(task, (op.region.clone(), query.clone()));
                    effects.push(Effect::Observe {
                        task,
                        region: op.region.clone(),
                        query,
                    });
                }
                _ => {
                    if !regions.contains(&op.region) {
                        regions.push(op.region.clone());
                    }
                }
            }
        }
        // Both sides of a peering: the other side's copy changed too.
        if !sent.is_empty() {
            for r in &self.plan.reread {
                if !regions.contains(r) {
                    regions.push(r.clone());
                }
            }
        }
        for region in regions {
            let task = self.task();
            self.observing
                .insert(task, (region.clone(), ObserveQuery::Topology));
            effects.push(Effect::Observe {
                task,
                region,
                query: ObserveQuery::Topology,
            });
        }
        for region in firewall_regions {
            let task = self.task();
            self.observing
                .insert(task, (region.clone(), ObserveQuery::Firewall));
            effects.push(Effect::Observe {
                task,
                region,
                query: ObserveQuery::Firewall,
            });
        }
        if effects.is_empty() {
            return self.conclude();
        }
        effects
    }

    /// Says what became of each op, and writes it to the audit log.
    fn conclude(&mut self) -> Vec<Effect> {
        let mut lines = Vec::new();
        for i in 0..self.results.len() {
            let seen = match &self.results[i].outcome {
                Some(Ok(o)) if !o.dry_run && !self.stopping => {
                    Some(self.check(&self.results[i].op, o))
                }
                Some(Err(e)) if e.kind == ErrorKind::OutcomeUnknown && !self.stopping => {
                    Some(self.check(&self.results[i].op, &ChangeOutcome::default()))
                }
                _ => None,
            };
            let r = &mut self.results[i];
            let lost = r.unknown().is_some();
            // A peering created may take a while to show: not seeing it yet does not
            // say it was not made (the next run looks again by its request tag).
            let seen = match seen {
                Some(Seen::Not(t))
                    if lost && matches!(r.op.change, Change::CreatePeering { .. }) =>
                {
                    Some(Seen::Unread(t))
                }
                other => other,
            };
            r.applied = match (&r.outcome, &seen) {
                (Some(Ok(o)), _) => Some(!o.dry_run),
                (Some(Err(_)), Some(Seen::Shows(_))) if lost => Some(true),
                (Some(Err(_)), Some(Seen::Not(_))) if lost => Some(false),
                (Some(Err(_)), _) if lost => None,
                (Some(Err(_)) | None, _) => Some(false),
            };
            r.verified = seen.map(|s| match s {
                Seen::Shows(t) => Verified::Yes(t),
                Seen::Not(t) | Seen::Unread(t) => Verified::No(t),
            });
            // What the re-read said goes to the log as the change's last word: a
            // verification, or a lost answer settled (or still unknown).
            let sent = matches!(&r.outcome, Some(Ok(o)) if !o.dry_run) || lost;
            if sent
                && r.verified.is_some()
                && let Some(task) = self.sent_as[i]
            {
                lines.push(settled_line(r, &self.plan, task));
            }
        }
        if lines.is_empty() {
            self.phase = Phase::Done;
            return Vec::new();
        }
        self.phase = Phase::Recording;
        let task = self.task();
        self.recording = Some(task);
        vec![Effect::Record {
            task,
            entries: lines,
        }]
    }

    /// True when an op's answer was lost but the re-read shows it happened.
    fn recovered(r: &OpResult) -> bool {
        r.unknown().is_some() && r.applied == Some(true)
    }

    fn observed_routes(
        &self,
        region: &str,
        table: &str,
        cidr: ipnet::IpNet,
    ) -> Option<&[TgwRoute]> {
        self.routes
            .iter()
            .rev()
            .find(|(r, t, c, _)| r == region && t == table && *c == cidr)
            .map(|(_, _, _, routes)| routes.as_slice())
    }

    /// What the re-read says about one op.
    fn check(&self, op: &ChangeOp, outcome: &ChangeOutcome) -> Seen {
        let region = op.region.as_str();
        let unread = || {
            Seen::Unread(format!(
                "{region} could not be re-read{}",
                if self.observe_errors.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", self.observe_errors.join("; "))
                }
            ))
        };
        let seen = |r: Shown| match r {
            Shown::Yes(t) => Seen::Shows(t),
            Shown::No(t) => Seen::Not(t),
        };
        match &op.change {
            Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
                let Some(crate::backend::OptionalData::NetworkFirewall { policies, .. }) =
                    self.firewalls.get(region)
                else {
                    return unread();
                };
                let Some(p) = policies.iter().find(|p| p.arn == t.policy_arn) else {
                    return Seen::Not(format!("{} is not in {region} any more", t.policy_name));
                };
                seen(after::toggle(
                    p,
                    t,
                    matches!(op.change, Change::EnableRuleGroup(_)),
                ))
            }
            Change::CreateTgwRoute {
                route_table_id,
                cidr,
                ..
            }
            | Change::ReplaceTgwRoute {
                route_table_id,
                cidr,
                ..
            }
            | Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            } => match self.observed_routes(region, route_table_id, *cidr) {
                Some(routes) => seen(after::tgw_route(&op.change, routes)),
                None => unread(),
            },
            _ => match self.topologies.get(region) {
                Some(estate) => seen(after::topology(estate, op, outcome.created_id.as_deref())),
                None => unread(),
            },
        }
    }

    /// Folds what was re-read into the front end's estate (topologies keep the
    /// optional parts already read: firewalls, instances).
    pub fn merge_into(&self, estate: &mut Estate) {
        for (region, topology) in &self.topologies {
            merge_topology(estate, region, topology.clone());
        }
        for (region, data) in &self.firewalls {
            merge_firewall(estate, region, data.clone());
        }
        for (region, table_id, cidr, routes) in &self.routes {
            if let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut(region)
                && let Some(table) = r.tgw_route_tables.iter_mut().find(|t| &t.id == table_id)
            {
                table
                    .routes
                    .retain(|x| x.destination != Destination::Cidr(*cidr));
                table.routes.extend(routes.iter().cloned().map(|mut x| {
                    x.route_table_id.clone_from(table_id);
                    x.region.clone_from(region);
                    x
                }));
            }
        }
    }

    /// True when every op was applied (or dry-run) and verified, or its lost answer
    /// was settled as applied.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.results.iter().all(|r| {
            matches!(&r.outcome, Some(Ok(o)) if o.dry_run)
                || matches!(
                    (&r.outcome, &r.verified),
                    (Some(Ok(_)), Some(Verified::Yes(_)))
                )
                || Self::recovered(r)
        })
    }

    /// The error that stopped the run, if any (a lost answer the re-read found is
    /// not one).
    #[must_use]
    pub fn failure(&self) -> Option<&BackendError> {
        self.results.iter().find_map(|r| match &r.outcome {
            Some(Err(_)) if Self::recovered(r) => None,
            Some(Err(e)) => Some(e),
            _ => None,
        })
    }

    /// How many ops AWS made (answered so, or settled by the re-read).
    #[must_use]
    pub fn applied_count(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.applied == Some(true))
            .count()
    }

    /// True when some op was not sent (the run stopped before it).
    #[must_use]
    pub fn stopped_early(&self) -> bool {
        self.results.iter().any(|r| r.outcome.is_none())
    }

    /// True when some op's outcome is still unknown (a lost answer the re-read could
    /// not settle).
    #[must_use]
    pub fn unsettled(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.unknown().is_some() && r.applied.is_none())
    }

    /// What happened, one line per op, then a sentence on partial application.
    #[must_use]
    pub fn summary(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .results
            .iter()
            .map(|r| format!("{} {}: {}", r.op.region, r.op.action(), r.status()))
            .collect();
        let applied = self.applied_count();
        let total = self.results.len();
        let unknown = self
            .results
            .iter()
            .filter(|r| r.unknown().is_some() && r.applied.is_none())
            .count();
        let unsent = self.results.iter().any(|r| r.outcome.is_none());
        if self.failure().is_some() || self.stopping || unsent {
            let stopped = if self.stopping {
                "netops was asked to stop: "
            } else {
                ""
            };
            out.push(match (applied, unknown) {
                (0, 0) => format!("{stopped}nothing was changed"),
                (0, u) => format!(
                    "{stopped}{u} change(s) may or may not have been made (see above); nothing else was sent"
                ),
                (a, 0) if a == total => format!("{stopped}all {total} changes were made"),
                (a, u) => format!(
                    "{stopped}partially applied: {a} of {total} changes were made{} (listed above); the rest were not sent",
                    if u > 0 {
                        format!(", {u} may or may not have been")
                    } else {
                        String::new()
                    }
                ),
            });
        }
        if let Some(e) = &self.audit_error {
            out.push(format!("warning: {e}"));
        }
        out
    }

    /// The id a created peering got (or `None`).
    #[must_use]
    pub fn created_id(&self) -> Option<String> {
        self.results.iter().find_map(|r| match &r.outcome {
            Some(Ok(o)) => o.created_id.clone(),
            _ => None,
        })
    }
}

/// What the audit log says of op `op` sent as task `task` of `plan`: its command and
/// its preview row (in its region: both sides of a peering share the attachment id).
fn intent_for(plan: &ChangePlan, op: &ChangeOp, task: TaskId) -> Intent {
    let row = row_for(plan, op);
    Intent {
        op_id: Execution::op_id(task),
        command: plan.line.clone(),
        before: row.map(|x| x.before.clone()).unwrap_or_default(),
        after: row.map(|x| x.after.clone()).unwrap_or_default(),
    }
}

/// The audit line saying what a re-read showed about an op that was sent.
fn settled_line(r: &OpResult, plan: &ChangePlan, task: TaskId) -> Entry {
    Entry::about(
        &r.op,
        &intent_for(plan, &r.op, task),
        Record::Settled,
        r.status(),
        r.applied,
        match &r.outcome {
            Some(Ok(o)) => o.request_id.iter().cloned().collect(),
            _ => Vec::new(),
        },
    )
}

/// What this run must write to settle the changes an earlier run left unknown in
/// the audit log (killed after its intent line): read from the log, judged on this
/// estate. Nothing when the session writes no log (off, broken, read-only).
#[must_use]
pub fn settlement(audit: &super::log::Audit, session: &str, estate: &Estate) -> Vec<Entry> {
    let super::log::Audit::Log(log) = audit else {
        return Vec::new();
    };
    let Ok((lines, _)) = super::log::read_lines(log.path()) else {
        return Vec::new();
    };
    settle_pending(&super::log::pending(&lines, session), estate)
}

/// Settled lines for the changes the log left unknown (`pending`) whose region
/// this estate holds: applied or not applied, from what AWS shows now.
#[must_use]
pub fn settle_pending(pending: &[Entry], estate: &Estate) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in pending {
        let Ok(change) = serde_json::from_value::<Change>(p.change.clone()) else {
            continue;
        };
        let mut op = ChangeOp::new(&p.region, change);
        op.account.clone_from(&p.account);
        if let (Some(mine), Some(theirs)) = (
            estate.account.as_ref().map(|a| a.id.as_str()),
            p.account.as_deref(),
        ) && mine != theirs
        {
            continue;
        }
        let Some(seen) = after::in_estate(estate, &op) else {
            continue;
        };
        let (applied, result) = match seen {
            Shown::Yes(found) => (
                true,
                format!(
                    "applied: its answer never came (netops stopped), and a later read shows it: {found}"
                ),
            ),
            Shown::No(why) => (
                false,
                format!(
                    "not applied: its answer never came (netops stopped), and a later read does not show it ({why})"
                ),
            ),
        };
        let mut line = p.clone();
        line.record = Record::Settled;
        line.result = result;
        line.applied = Some(applied);
        line.time = String::new();
        line.pid = None;
        line.session = String::new();
        line.profile = String::new();
        out.push(line);
    }
    out
}

/// The preview row about this op: in its region (both sides of a peering share the
/// attachment id), naming its route table too when a row does.
fn row_for<'a>(plan: &'a ChangePlan, op: &ChangeOp) -> Option<&'a super::Row> {
    let rows = || {
        plan.rows
            .iter()
            .filter(|row| row.region == op.region && mentions(op, &row.object))
    };
    let table = op.change.attachment().and_then(|(_, t)| t);
    rows()
        .find(|row| table.is_some_and(|t| row.object.contains(t)))
        .or_else(|| rows().next())
}

/// True when a preview row is about this op's object.
fn mentions(op: &ChangeOp, object: &str) -> bool {
    if let Some((table, cidr)) = op.change.route() {
        return object.contains(table) && object.contains(&cidr.to_string());
    }
    if let Some((t, _)) = op.change.toggle() {
        // The row with the policy's group order (`egress-policy stateful groups`).
        return object.starts_with(&format!("{} ", t.policy_name)) && object.ends_with(" groups");
    }
    match (&op.change, op.change.attachment()) {
        (_, Some((att, _))) => object.contains(att),
        (Change::CreatePeering { tgw_id, .. }, None) => object.contains(tgw_id.as_str()),
        _ => false,
    }
}

/// Puts a re-read topology into the estate, keeping the region's optional parts.
pub fn merge_topology(estate: &mut Estate, region: &str, mut fresh: RegionEstate) {
    if let Some(RegionLoad::Loaded { estate: old }) = estate.regions.get(region) {
        keep_optional(&mut fresh, old);
    }
    estate.regions.insert(
        region.to_string(),
        RegionLoad::Loaded {
            estate: Box::new(fresh),
        },
    );
}

/// Puts a re-read Network Firewall part into the estate (its old gaps go).
pub fn merge_firewall(estate: &mut Estate, region: &str, data: crate::backend::OptionalData) {
    if let Some(RegionLoad::Loaded { estate: r }) = estate.regions.get_mut(region) {
        let part = crate::backend::OptionalPart::NetworkFirewall.name();
        r.gaps.retain(|g| !g.part.starts_with(part));
        data.apply_to(r);
    }
}

/// The optional parts (read apart from the topology) carried over to a re-read
/// topology.
fn keep_optional(fresh: &mut RegionEstate, old: &RegionEstate) {
    fresh.firewalls.clone_from(&old.firewalls);
    fresh.firewall_policies.clone_from(&old.firewall_policies);
    fresh.rule_groups.clone_from(&old.rule_groups);
    fresh.instances.clone_from(&old.instances);
    let optional: Vec<&str> = crate::backend::OptionalPart::ALL
        .iter()
        .map(|p| p.name())
        .collect();
    for gap in &old.gaps {
        if optional.iter().any(|p| gap.part.starts_with(p)) || gap.part == "ssm" {
            fresh.gaps.push(gap.clone());
        }
    }
}
