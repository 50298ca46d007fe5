//! Applying a [`ChangePlan`]: each op once, in order, through the runtime
//! ([`Effect::Apply`]); then a re-read of what changed ([`Effect::Observe`]) and a
//! verdict per op. A state machine the console and `--batch` both drive: it answers
//! effects to run and takes the reports that come back.
//!
//! Invariants:
//! - An op is sent once. The first failure stops the run: the ops before it are
//!   applied (and verified), the failed one and those after it are not, and
//!   [`Execution::summary`] says exactly that. An unknown outcome (a create that
//!   timed out) is never retried here; the caller re-reads.
//! - Verification reads what each op changed: the exact route search for TGW routes,
//!   the region's topology for the rest, once per region.
//! - The observations are handed to the front end ([`Execution::merge_into`]) so the
//!   estate it shows and plans the next change on is what AWS now says.

use std::collections::BTreeMap;

use super::ChangePlan;
use super::log::Entry;
use crate::backend::{BackendError, Change, ChangeOp, ChangeOutcome, ErrorKind, TgwRouteTarget};
use crate::model::{
    AttachmentState, Destination, Estate, RegionEstate, RegionLoad, RouteState, RouteType, TgwRoute,
};
use crate::runtime::{Effect, Observation, ObserveQuery, Report, TaskId};

/// Where the execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Applying,
    Verifying,
    Done,
}

/// One op's fate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpResult {
    pub op: ChangeOp,
    /// `None`: not sent (an earlier op failed).
    pub outcome: Option<Result<ChangeOutcome, BackendError>>,
    /// What the re-read showed, when it was read.
    pub verified: Option<Result<String, String>>,
}

impl OpResult {
    /// One word for the result.
    #[must_use]
    pub fn status(&self) -> String {
        match (&self.outcome, &self.verified) {
            (None, _) => "not applied".into(),
            (Some(Err(e)), Some(Ok(found))) if e.kind == ErrorKind::OutcomeUnknown => {
                format!(
                    "outcome unknown ({}), but the re-read shows it did happen: {found}; not sent again",
                    e.message
                )
            }
            (Some(Err(e)), _) if e.kind == ErrorKind::OutcomeUnknown => {
                format!(
                    "outcome unknown: {}; the re-read does not show it yet: run the command again later (it looks before sending anything)",
                    e.message
                )
            }
            (Some(Err(e)), _) => format!("failed: {}", e.message),
            (Some(Ok(o)), _) if o.dry_run => "dry run: AWS would allow it".into(),
            (Some(Ok(_)), Some(Ok(text))) => format!("verified: {text}"),
            (Some(Ok(_)), Some(Err(text))) => format!("applied, NOT verified: {text}"),
            (Some(Ok(_)), None) => "applied".into(),
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
    /// Observe task → (region, route query or topology).
    observing: BTreeMap<TaskId, (String, ObserveQuery)>,
    topologies: BTreeMap<String, RegionEstate>,
    routes: Vec<(String, String, ipnet::IpNet, Vec<TgwRoute>)>,
    /// Network Firewall parts re-read, by region.
    firewalls: BTreeMap<String, crate::backend::OptionalData>,
    observe_errors: Vec<String>,
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
            })
            .collect();
        Self {
            plan,
            results,
            phase: Phase::Applying,
            next_task: first_task,
            applying: None,
            observing: BTreeMap::new(),
            topologies: BTreeMap::new(),
            routes: Vec::new(),
            firewalls: BTreeMap::new(),
            observe_errors: Vec::new(),
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

    fn task(&mut self) -> TaskId {
        let t = self.next_task;
        self.next_task += 1;
        t
    }

    /// The first effects.
    pub fn start(&mut self) -> Vec<Effect> {
        self.apply_next(0)
    }

    fn apply_next(&mut self, i: usize) -> Vec<Effect> {
        if let Some(op) = self.plan.ops.get(i).cloned() {
            let task = self.task();
            self.applying = Some((task, i));
            vec![Effect::Apply { task, op }]
        } else {
            self.applying = None;
            self.verify()
        }
    }

    /// True when the report is one of this execution's.
    #[must_use]
    pub fn owns(&self, report: &Report) -> bool {
        match report {
            Report::Applied { task, .. } => self.applying.is_some_and(|(t, _)| t == *task),
            Report::Observed { task, .. } => self.observing.contains_key(task),
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
                    self.applying = None;
                    self.verify()
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
                if self.observing.is_empty() {
                    self.conclude();
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Re-reads what the applied ops changed.
    fn verify(&mut self) -> Vec<Effect> {
        self.phase = Phase::Verifying;
        let mut effects = Vec::new();
        let mut regions: Vec<String> = Vec::new();
        let applied: Vec<ChangeOp> = self
            .results
            .iter()
            .filter(|r| matches!(&r.outcome, Some(Ok(o)) if !o.dry_run))
            .map(|r| r.op.clone())
            .collect();
        // An unknown outcome is looked for too (its region's topology).
        let unknown: Vec<String> = self
            .results
            .iter()
            .filter(|r| matches!(&r.outcome, Some(Err(e)) if e.kind == ErrorKind::OutcomeUnknown))
            .map(|r| r.op.region.clone())
            .collect();
        let mut firewall_regions: Vec<String> = Vec::new();
        for op in &applied {
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
        for r in unknown {
            if !regions.contains(&r) {
                regions.push(r);
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
            self.conclude();
        }
        effects
    }

    fn conclude(&mut self) {
        for i in 0..self.results.len() {
            let verdict = match &self.results[i].outcome {
                Some(Ok(o)) if !o.dry_run => Some(self.check(&self.results[i].op, o)),
                // An answer that was lost: the re-read says whether it happened.
                Some(Err(e)) if e.kind == ErrorKind::OutcomeUnknown => {
                    Some(self.check(&self.results[i].op, &ChangeOutcome::default()))
                }
                _ => None,
            };
            self.results[i].verified = verdict;
        }
        self.phase = Phase::Done;
    }

    /// True when an op's answer was lost but the re-read shows it happened.
    fn recovered(r: &OpResult) -> bool {
        matches!(
            (&r.outcome, &r.verified),
            (Some(Err(e)), Some(Ok(_))) if e.kind == ErrorKind::OutcomeUnknown
        )
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

    /// What the re-read says about one applied op.
    fn check(&self, op: &ChangeOp, outcome: &ChangeOutcome) -> Result<String, String> {
        let region = op.region.as_str();
        let unread = || {
            Err(format!(
                "{region} could not be re-read{}",
                if self.observe_errors.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", self.observe_errors.join("; "))
                }
            ))
        };
        match &op.change {
            Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
                let Some(crate::backend::OptionalData::NetworkFirewall { policies, .. }) =
                    self.firewalls.get(region)
                else {
                    return unread();
                };
                let Some(p) = policies.iter().find(|p| p.arn == t.policy_arn) else {
                    return Err(format!("{} is not in {region} any more", t.policy_name));
                };
                check_toggle(p, t, matches!(op.change, Change::EnableRuleGroup(_)))
            }
            Change::CreateTgwRoute {
                route_table_id,
                cidr,
                target,
            }
            | Change::ReplaceTgwRoute {
                route_table_id,
                cidr,
                target,
            } => {
                let Some(routes) = self.observed_routes(region, route_table_id, *cidr) else {
                    return unread();
                };
                let Some(r) = routes.iter().find(|r| r.route_type == RouteType::Static) else {
                    return Err(format!("no static route to {cidr} in {route_table_id}"));
                };
                match target {
                    TgwRouteTarget::Blackhole if r.state == RouteState::Blackhole => {
                        Ok(format!("{cidr} is a blackhole in {route_table_id}"))
                    }
                    TgwRouteTarget::Attachment(a)
                        if r.targets.iter().any(|t| &t.attachment_id == a) =>
                    {
                        Ok(format!("{cidr} → {a} ({}) in {route_table_id}", r.state))
                    }
                    // moto 5.2.5 stores no target for a route to a peering attachment;
                    // AWS always names it. Said, not hidden.
                    TgwRouteTarget::Attachment(a)
                        if r.state == RouteState::Active
                            && r.targets.iter().all(|t| t.attachment_id.is_empty()) =>
                    {
                        Ok(format!(
                            "{cidr} is an active static route in {route_table_id} (the API did not name its target; {a} was asked)"
                        ))
                    }
                    TgwRouteTarget::Attachment(a) if r.state == RouteState::Blackhole => {
                        Ok(format!(
                            "{cidr} → {a} in {route_table_id} is a blackhole until {a} is available"
                        ))
                    }
                    _ => Err(format!(
                        "{cidr} in {route_table_id} is {} → {}",
                        r.state,
                        r.targets
                            .iter()
                            .map(|t| t.attachment_id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            } => {
                let Some(routes) = self.observed_routes(region, route_table_id, *cidr) else {
                    return unread();
                };
                if routes.iter().any(|r| r.route_type == RouteType::Static) {
                    Err(format!(
                        "the static route to {cidr} is still in {route_table_id}"
                    ))
                } else if let Some(p) = routes.first() {
                    Ok(format!(
                        "static route gone; {cidr} is propagated ({}) in {route_table_id}",
                        p.state
                    ))
                } else {
                    Ok(format!("no route to {cidr} in {route_table_id}"))
                }
            }
            _ => {
                let Some(estate) = self.topologies.get(region) else {
                    return unread();
                };
                check_topology(estate, op, outcome)
            }
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

    /// True when every op was applied (or dry-run) and verified.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.results.iter().all(|r| {
            matches!(&r.outcome, Some(Ok(o)) if o.dry_run)
                || matches!((&r.outcome, &r.verified), (Some(Ok(_)), Some(Ok(_))))
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

    /// What happened, one line per op, then a sentence on partial application.
    #[must_use]
    pub fn summary(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .results
            .iter()
            .map(|r| format!("{} {}: {}", r.op.region, r.op.action(), r.status()))
            .collect();
        let applied = self
            .results
            .iter()
            .filter(|r| matches!(&r.outcome, Some(Ok(o)) if !o.dry_run))
            .count();
        if self.failure().is_some() {
            let total = self.results.len();
            out.push(if applied == 0 {
                "nothing was changed".to_string()
            } else {
                format!(
                    "partially applied: {applied} of {total} changes were made (listed above); the rest were not sent"
                )
            });
        }
        out
    }

    /// Audit log lines for the ops that were sent (dry runs are not changes).
    #[must_use]
    pub fn log_entries(&self, time: &str, profile: &str, account: Option<&str>) -> Vec<Entry> {
        self.results
            .iter()
            .filter(|r| matches!(&r.outcome, Some(res) if !matches!(res, Ok(o) if o.dry_run)))
            .map(|r| {
                let row = self
                    .plan
                    .rows
                    .iter()
                    .find(|row| mentions(&r.op, &row.object));
                Entry {
                    time: time.to_string(),
                    profile: profile.to_string(),
                    account: account.map(str::to_string),
                    region: r.op.region.clone(),
                    command: self.plan.line.clone(),
                    action: r.op.action().to_string(),
                    change: serde_json::to_value(&r.op.change).unwrap_or_default(),
                    before: row.map(|x| x.before.clone()).unwrap_or_default(),
                    after: row.map(|x| x.after.clone()).unwrap_or_default(),
                    result: r.status(),
                    request_ids: match &r.outcome {
                        Some(Ok(o)) => o.request_id.iter().cloned().collect(),
                        Some(Err(_)) | None => Vec::new(),
                    },
                }
            })
            .collect()
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

/// What a re-read policy says about a toggle: the group is gone and recorded
/// (disable), or back at its recorded priority with no record left (enable).
fn check_toggle(
    p: &crate::model::FirewallPolicy,
    t: &crate::backend::RuleGroupToggle,
    enable: bool,
) -> Result<String, String> {
    let referenced = p
        .stateful_rule_groups
        .iter()
        .chain(&p.stateless_rule_groups)
        .find(|r| r.arn == t.group_arn);
    let recorded = p.disabled.iter().find(|d| d.reference.arn == t.group_arn);
    let priority = |r: &crate::model::RuleGroupRef| {
        r.priority
            .map_or_else(String::new, |n| format!(" at priority {n}"))
    };
    match (enable, referenced, recorded) {
        (false, None, Some(d)) => Ok(format!(
            "{} is disabled in {}; its reference{} is kept in tag {}",
            t.group_name,
            t.policy_name,
            priority(&d.reference),
            d.tag().0
        )),
        (false, None, None) => Err(format!(
            "{} is no longer referenced by {}, but no {}{} tag records it",
            t.group_name,
            t.policy_name,
            crate::model::DISABLED_TAG_PREFIX,
            t.group_name
        )),
        (false, Some(_), _) => Err(format!(
            "{} still references {}",
            t.policy_name, t.group_name
        )),
        (true, Some(r), _) => Ok(format!(
            "{} is enabled in {}{}",
            t.group_name,
            t.policy_name,
            priority(r)
        )),
        (true, None, _) => Err(format!(
            "{} does not reference {}",
            t.policy_name, t.group_name
        )),
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

fn peering_state(estate: &RegionEstate, id: &str) -> Option<AttachmentState> {
    estate
        .peerings
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.state.clone())
        .or_else(|| {
            estate
                .attachments
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.state.clone())
        })
}

fn expect_state(
    estate: &RegionEstate,
    id: &str,
    ok: &[AttachmentState],
    absent_ok: bool,
) -> Result<String, String> {
    match peering_state(estate, id) {
        Some(s) if ok.contains(&s) => Ok(format!("{id} is {s}")),
        Some(s) => Err(format!("{id} is {s}")),
        None if absent_ok => Ok(format!("{id} is gone")),
        None => Err(format!("{id} is not in {}", estate.region)),
    }
}

fn check_topology(
    estate: &RegionEstate,
    op: &ChangeOp,
    outcome: &ChangeOutcome,
) -> Result<String, String> {
    use AttachmentState as S;
    let associated = |table: &str, att: &str| {
        estate
            .tgw_route_tables
            .iter()
            .any(|t| t.id == table && t.associations.iter().any(|l| l.attachment_id == att))
            || estate.attachments.iter().any(|a| {
                a.id == att
                    && a.association
                        .as_ref()
                        .is_some_and(|x| x.route_table_id == table)
            })
    };
    let propagating = |table: &str, att: &str| {
        estate
            .tgw_route_tables
            .iter()
            .any(|t| t.id == table && t.propagations.iter().any(|l| l.attachment_id == att))
    };
    let vpc_route = |table: &str, cidr: ipnet::IpNet| {
        estate
            .vpc_route_tables
            .iter()
            .find(|t| t.id == table)
            .map(|t| {
                t.routes
                    .iter()
                    .find(|r| r.destination == Destination::Cidr(cidr))
                    .map(|r| r.target.id().to_string())
            })
    };
    match &op.change {
        Change::DisableRuleGroup(_) | Change::EnableRuleGroup(_) => {
            Err("a rule group toggle is verified from the firewall re-read".into())
        }
        Change::AssociateTgwRouteTable {
            route_table_id,
            attachment_id,
        } => {
            if associated(route_table_id, attachment_id) {
                Ok(format!(
                    "{attachment_id} is associated with {route_table_id}"
                ))
            } else {
                Err(format!(
                    "{attachment_id} is not associated with {route_table_id}"
                ))
            }
        }
        Change::DisassociateTgwRouteTable {
            route_table_id,
            attachment_id,
        } => {
            if associated(route_table_id, attachment_id) {
                Err(format!(
                    "{attachment_id} is still associated with {route_table_id}"
                ))
            } else {
                Ok(format!(
                    "{attachment_id} is not associated with {route_table_id}"
                ))
            }
        }
        Change::EnablePropagation {
            route_table_id,
            attachment_id,
        } => {
            if propagating(route_table_id, attachment_id) {
                Ok(format!("{attachment_id} propagates into {route_table_id}"))
            } else {
                Err(format!(
                    "{attachment_id} does not propagate into {route_table_id}"
                ))
            }
        }
        Change::DisablePropagation {
            route_table_id,
            attachment_id,
        } => {
            if propagating(route_table_id, attachment_id) {
                Err(format!(
                    "{attachment_id} still propagates into {route_table_id}"
                ))
            } else {
                Ok(format!(
                    "{attachment_id} no longer propagates into {route_table_id}"
                ))
            }
        }
        Change::CreatePeering { request_tag, .. } => {
            let found = estate.peerings.iter().find(|p| {
                Some(&p.id) == outcome.created_id.as_ref()
                    || p.tags.get(crate::backend::change::REQUEST_TAG_KEY) == Some(request_tag)
            });
            match found {
                Some(p) => Ok(format!(
                    "found {} tagged {}={request_tag}, {}",
                    p.id,
                    crate::backend::change::REQUEST_TAG_KEY,
                    p.state
                )),
                None => Err("the new peering is not visible yet".into()),
            }
        }
        Change::AcceptPeering { attachment_id } | Change::AcceptVpcAttachment { attachment_id } => {
            expect_state(
                estate,
                attachment_id,
                &[S::Pending, S::Available, S::Modifying],
                false,
            )
        }
        Change::RejectPeering { attachment_id } | Change::RejectVpcAttachment { attachment_id } => {
            expect_state(estate, attachment_id, &[S::Rejecting, S::Rejected], true)
        }
        Change::DeletePeering { attachment_id } => {
            expect_state(estate, attachment_id, &[S::Deleting, S::Deleted], true)
        }
        Change::CreateVpcRoute {
            route_table_id,
            cidr,
            target,
        }
        | Change::ReplaceVpcRoute {
            route_table_id,
            cidr,
            target,
        } => match vpc_route(route_table_id, *cidr) {
            None => Err(format!("{route_table_id} is not in {}", estate.region)),
            Some(Some(t)) if t == target.id() => Ok(format!("{cidr} → {t} in {route_table_id}")),
            Some(Some(t)) => Err(format!("{cidr} → {t} in {route_table_id}")),
            Some(None) => Err(format!("no route to {cidr} in {route_table_id}")),
        },
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => match vpc_route(route_table_id, *cidr) {
            None => Err(format!("{route_table_id} is not in {}", estate.region)),
            Some(Some(t)) => Err(format!("{cidr} → {t} is still in {route_table_id}")),
            Some(None) => Ok(format!("no route to {cidr} in {route_table_id}")),
        },
        Change::CreateTgwRoute { .. }
        | Change::ReplaceTgwRoute { .. }
        | Change::DeleteTgwRoute { .. } => Ok("read by route search".into()),
    }
}
