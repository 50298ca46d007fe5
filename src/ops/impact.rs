//! A change's impact on paths: the audit and a set of probe traces (each spoke to the
//! internet, each spoke to each peered region's VPCs, spoke-to-spoke isolation)
//! evaluated on the estate before and after, and what differs, in words.
//!
//! Invariants:
//! - Reachability is asked of [`crate::net::trace`] and [`crate::net::audit`], never
//!   re-derived here.
//! - A lost egress or a broken isolation is a warning the user must accept
//!   explicitly ([`ImpactLine::needs_acceptance`]).
//!
//! The probes (spokes as the audit's roles say, on both estates):
//! - *egress*: from each spoke (its first instance with a private IP, else its first
//!   subnet's first host) to the internet ([`crate::net::trace::INTERNET_PROBE`]), a
//!   full trace (the firewall's policy applied) of HTTPS with the SNI [`EGRESS_SNI`],
//!   the flow seed 001's `allow-amazon` rule group passes: a lost egress is then a
//!   routing (or policy) loss, not the policy's usual drop of everything else.
//! - *peered*: from each spoke to the first host of each VPC CIDR in another region
//!   whose TGW peers (in any state, before or after) with the spoke's TGW: a full
//!   trace of ICMP (seed 004 checks these paths with `ping`; seed 001 allows ICMP), so
//!   "reaches 172.16.1.0/24 through inspection" means the firewall lets it through.
//! - *isolation*: the spoke pairs the audit's isolation check picks, on either side,
//!   traced in routing mode (as the audit does): a pair delivered with no firewall on
//!   the path is an isolation break.
//!
//! A probe *works* when the forward path arrives, the reply arrives and both cross
//! the same firewall endpoints. A probe that starts or stops working is a line (good
//! or warning); one that works on both sides but differently (another egress IP,
//! other firewall endpoints) is an info line; one that fails on both sides, even at
//! another hop, is not a line.
//!
//! Findings: the audit ([`crate::net::audit`]) before and after; a finding is the same
//! when its kind, objects and facts other than the traced path and reason are the
//! same. Gone: "fixes: …" (good); new: "new: …" (warning).
//!
//! Speed (a change on the 2,000-spoke generated estate within 100 ms): a
//! [`Baseline`] holds the before-estate's index, audit findings and every trace the
//! audit and the probes asked for, computed once per estate version and reused for
//! any number of previews ([`impact_with`]). After the change only the traces the
//! change can affect are traced again; the rest are answered from the baseline.
//! What changed is read from the estate diff's records ([`super::diff::objects`]),
//! so the preview and `diff` share one comparison and neither is told of any ops. A
//! trace is affected when one of its hops (forward or return) names an object whose
//! record the change alters (attachment, peering, a route table's associations, a
//! security group's or network ACL's rules, a firewall whose policy or rule groups
//! changed), or a TGW / VPC route table hop whose table gained, lost or changed a
//! route for a prefix holding one of the flow's addresses (source, destination,
//! egress IP): a longest prefix lookup for an address depends only on the routes
//! whose prefix holds it. A trace with flow-hash alternatives (whose paths are not
//! listed hop by hop) is traced again whenever its region changes at all. Changes
//! these tests do not follow (a VPC's CIDRs, a subnet, a gateway, an endpoint, an
//! instance or interface, a security group or ACL that appears or goes, a region
//! read on one side only) re-trace every trace with a hop in their region or across
//! a peering: exact, at the cost of a baseline's worth of tracing in that region.
//!
//! Measured (`cargo bench --bench net -- 2000`, release, 2,000 spokes and 8,000 extra
//! routes in post-inspection, 2 shared cores): baseline 250–390 ms (4,000 traces:
//! the audit's and the probes'); warm project + impact 67 ms for a route created in
//! post-inspection, 67 ms for a spoke's static route deleted, 80 ms for the spoke
//! table's default route deleted (all 2,000 spokes re-traced); cold (baseline
//! included) 330–460 ms. The 100 ms goal holds warm only: compute the [`Baseline`]
//! once per estate version, when it is read.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use crate::backend::ChangeOp;
use crate::model::{Destination, Estate, RegionEstate};
use crate::net::audit;
use crate::net::trace::{self, HopKind, Trace, TraceQuery, Verdict};
use crate::net::{EstateIndex, Finding, Net};

use super::diff::objects::{self, Kind, ObjectChange, Part, What};
use super::project::Projected;

pub use crate::net::baseline::{Baseline, EGRESS_SNI};
use crate::net::baseline::{Probe, ProbeKind, probes};

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
///
/// Cold: computes the [`Baseline`] of `before` first. To preview several changes of
/// one estate version, compute the baseline once and call [`impact_with`].
#[must_use]
pub fn impact(before: &Estate, after: &Estate, ops: &[ChangeOp]) -> Impact {
    if !ops.iter().any(ChangeOp::mutates) {
        return Impact {
            not_evaluated: dry_runs(ops),
            ..Impact::default()
        };
    }
    impact_with(&Baseline::new(before), before, after, ops)
}

/// [`impact`] with the projection's gaps (`projected.not_modelled`) among
/// `not_evaluated`.
#[must_use]
pub fn impact_projected(
    baseline: &Baseline,
    before: &Estate,
    projected: &Projected,
    ops: &[ChangeOp],
) -> Impact {
    let mut out = impact_with(baseline, before, &projected.estate, ops);
    let mut gaps = projected.not_modelled.clone();
    gaps.append(&mut out.not_evaluated);
    out.not_evaluated = gaps;
    out
}

/// [`impact`], answering the before side and every unaffected trace from `baseline`
/// (computed from `before`).
#[must_use]
pub fn impact_with(
    baseline: &Baseline,
    before: &Estate,
    after: &Estate,
    ops: &[ChangeOp],
) -> Impact {
    let mut out = Impact {
        not_evaluated: dry_runs(ops),
        ..Impact::default()
    };
    if !ops.iter().any(ChangeOp::mutates) {
        return out;
    }
    let changes = Changes::between(before, after);
    let paths = paths_with(baseline, before, after, &changes);
    out.lines = paths.impact.lines;
    out.probes = paths.impact.probes;
    out.not_evaluated.extend(paths.impact.not_evaluated);
    for f in &paths.fixed {
        out.lines.push(ImpactLine {
            tone: Tone::Good,
            text: format!("fixes: {}", f.message()),
            needs_acceptance: false,
        });
    }
    for f in &paths.new {
        out.lines.push(ImpactLine {
            tone: Tone::Warning,
            text: format!("new: {}", f.message()),
            needs_acceptance: false,
        });
    }
    out
}

/// What two estates differ by on paths: the probe lines (in `impact.lines`) and the
/// audit's findings that appear and go. Shared by the change preview ([`impact_with`])
/// and the estate diff ([`crate::ops::diff`]).
#[derive(Debug, Default)]
pub(crate) struct PathChanges {
    pub impact: Impact,
    /// Findings of `after` that `before` does not have.
    pub new: Vec<Finding>,
    /// Findings of `before` that `after` does not have.
    pub fixed: Vec<Finding>,
}

/// [`PathChanges`] between `before` (whose `baseline` answers its side) and `after`,
/// tracing again on `after` only what `changes` affects.
pub(crate) fn paths_with(
    baseline: &Baseline,
    before: &Estate,
    after: &Estate,
    changes: &Changes,
) -> PathChanges {
    let mut out = PathChanges::default();
    if changes.is_empty() {
        return out;
    }
    let before_net = Net::with_index(before, &baseline.index);
    let after_index = EstateIndex::build(after);
    let after_net = Net::with_index(after, &after_index);

    // Probes: the union of both sides' probe sets, in the before side's order.
    let after_probes = probes(&after_net);
    let mut seen: HashSet<&TraceQuery> = baseline.probes.iter().map(|p| &p.query).collect();
    let added: Vec<&Probe> = after_probes
        .iter()
        .filter(|p| seen.insert(&p.query))
        .collect();
    let mut retraced = 0usize;
    for p in baseline.probes.iter().chain(added) {
        let before_t = match baseline.traces.get(&p.query) {
            Some(t) => Some(Arc::clone(t)),
            None => trace::trace(&before_net, &p.query).ok().map(Arc::new),
        };
        let after_t = match &before_t {
            Some(t) if !changes.affects(t) => Some(Arc::clone(t)),
            _ => {
                retraced += 1;
                trace::trace(&after_net, &p.query).ok().map(Arc::new)
            }
        };
        out.impact.probes += 1;
        compare(p, before_t.as_deref(), after_t.as_deref(), &mut out.impact);
    }

    // The audit after the change, unaffected traces answered from the baseline.
    let after_findings = audit::audit_with(&after_net, &mut |q| {
        if let Some(t) = baseline.traces.get(q)
            && !changes.affects(t)
        {
            return Ok(Arc::clone(t));
        }
        retraced += 1;
        trace::trace(&after_net, q).map(Arc::new)
    });
    let before_keys: HashSet<String> = baseline.findings.iter().map(finding_key).collect();
    let after_keys: HashSet<String> = after_findings.iter().map(finding_key).collect();
    out.fixed = baseline
        .findings
        .iter()
        .filter(|f| !after_keys.contains(&finding_key(f)))
        .cloned()
        .collect();
    out.new = after_findings
        .into_iter()
        .filter(|f| !before_keys.contains(&finding_key(f)))
        .collect();
    tracing::debug!(
        probes = out.impact.probes,
        retraced,
        "impact: traces answered again after the change"
    );
    out
}

/// The dry runs among `ops`, in words.
fn dry_runs(ops: &[ChangeOp]) -> Vec<String> {
    ops.iter()
        .filter(|op| op.dry_run)
        .map(|op| {
            format!(
                "{} in {} is a dry run: it changes nothing",
                op.action(),
                op.region
            )
        })
        .collect()
}

/// Forward and reply arrive, through the same firewall endpoints.
fn works(t: &Trace) -> bool {
    t.verdict.arrives() && t.return_verdict.as_ref().is_some_and(Verdict::arrives) && t.symmetric
}

/// A trace's outcome in words.
fn words(t: Option<&Trace>) -> String {
    let Some(t) = t else {
        return "not traceable".into();
    };
    if !t.verdict.arrives() {
        return t.verdict.summary();
    }
    let inspected = if t.firewalls.is_empty() {
        String::new()
    } else {
        format!(" through {}", t.firewalls.join(", "))
    };
    match &t.return_verdict {
        Some(rv) if !rv.arrives() => {
            format!(
                "{}{inspected}, but the reply is {}",
                t.verdict.summary(),
                rv.summary()
            )
        }
        _ if !t.symmetric => format!(
            "{}{inspected}, but the reply crosses other firewall endpoints (asymmetric)",
            t.verdict.summary()
        ),
        _ => format!("{}{inspected}", t.verdict.summary()),
    }
}

/// Isolation broken: delivered (routing only) with no firewall on the path.
fn breaks_isolation(t: &Trace) -> bool {
    matches!(t.verdict.settled(), Verdict::Delivered { .. }) && t.firewalls.is_empty()
}

fn line(out: &mut Impact, tone: Tone, text: String, needs_acceptance: bool) {
    out.lines.push(ImpactLine {
        tone,
        text,
        needs_acceptance,
    });
}

fn compare(p: &Probe, before: Option<&Trace>, after: Option<&Trace>, out: &mut Impact) {
    let same = match (before, after) {
        (Some(b), Some(a)) => {
            std::ptr::eq(b, a)
                || (b.verdict == a.verdict
                    && b.return_verdict == a.return_verdict
                    && b.firewalls == a.firewalls
                    && b.symmetric == a.symmetric)
        }
        (None, None) => true,
        _ => false,
    };
    if same {
        return;
    }
    if let Some(a) = after
        && let Verdict::Unverified { not_evaluated, .. } = &a.verdict
    {
        out.not_evaluated.push(format!(
            "{} to {}: {}",
            p.from,
            p.to,
            not_evaluated.join("; ")
        ));
    }
    let (was, now) = (words(before), words(after));
    match p.kind {
        ProbeKind::Isolation => {
            let routed = |t: Option<&Trace>| match t {
                None => "not traceable".to_string(),
                Some(t) if t.firewalls.is_empty() => t.verdict.summary(),
                Some(t) => format!("{} through {}", t.verdict.summary(), t.firewalls.join(", ")),
            };
            let (was, now) = (routed(before), routed(after));
            let (b, a) = (
                before.is_some_and(breaks_isolation),
                after.is_some_and(breaks_isolation),
            );
            match (b, a) {
                (false, true) => line(
                    out,
                    Tone::Warning,
                    format!(
                        "{} can now reach {}: isolation broken (now: {now}, no firewall on the path; was: {was})",
                        p.from, p.to
                    ),
                    true,
                ),
                (true, false) => line(
                    out,
                    Tone::Good,
                    format!(
                        "{} no longer reaches {} around inspection: isolation restored (was: {was}; now: {now})",
                        p.from, p.to
                    ),
                    false,
                ),
                _ => {}
            }
        }
        ProbeKind::Egress | ProbeKind::Peered => {
            let (b, a) = (before.is_some_and(works), after.is_some_and(works));
            let egress = p.kind == ProbeKind::Egress;
            let inspected = after.is_some_and(|t| !t.firewalls.is_empty());
            match (b, a) {
                (true, false) if egress => line(
                    out,
                    Tone::Warning,
                    format!(
                        "{} loses internet egress: its HTTPS to {} becomes {} (was: {was}; now: {now})",
                        p.from,
                        p.query.sni.as_deref().unwrap_or("the internet"),
                        if after.is_some_and(|t| !t.verdict.arrives()) {
                            "dropped"
                        } else {
                            "broken"
                        }
                    ),
                    true,
                ),
                (true, false) => line(
                    out,
                    Tone::Warning,
                    format!(
                        "{} no longer reaches {} (was: {was}; now: {now})",
                        p.from, p.to
                    ),
                    false,
                ),
                (false, true) if egress => line(
                    out,
                    Tone::Good,
                    format!("{} gains internet egress (now: {now}; was: {was})", p.from),
                    false,
                ),
                (false, true) => line(
                    out,
                    Tone::Good,
                    format!(
                        "{} reaches {}{} (now: {now}; was: {was})",
                        p.from,
                        p.to,
                        if inspected { " through inspection" } else { "" }
                    ),
                    false,
                ),
                // Still failing, differently: not a change of reachability.
                (false, false) => {}
                _ => line(
                    out,
                    Tone::Info,
                    format!(
                        "{}'s path to {} changes (was: {was}; now: {now})",
                        p.from, p.to
                    ),
                    false,
                ),
            }
        }
    }
}

/// The identity of a finding across the two audits: its kind's facts (but the traced
/// path and reason, which may read differently for the same fault) and its objects.
fn finding_key(f: &Finding) -> String {
    let mut kind = serde_json::to_value(&f.kind).unwrap_or_default();
    if let Some(m) = kind.as_object_mut() {
        m.remove("path");
        m.remove("reason");
    }
    format!("{}|{}|{:?}", f.region, kind, f.objects)
}

// --------------------------------------------------------------------- changes

/// What differs between two estates, as far as a trace can tell: worked out from the
/// estate diff's records ([`super::diff::objects`]), so the change preview and
/// `diff` share one comparison.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Objects whose record changed (attachments, peerings, route tables whose
    /// associations changed, security groups and network ACLs whose rules changed,
    /// firewalls and their endpoints whose policy changed).
    whole: HashSet<String>,
    /// Route tables (TGW and VPC, by id) → the destinations whose routes changed.
    prefixes: HashMap<String, Vec<Destination>>,
    /// Regions with any change (for traces with flow-hash alternatives).
    regions: HashSet<String>,
    /// Regions where something changed that the finer tests above do not follow
    /// (a VPC's CIDRs, a subnet, a gateway, an instance, an interface, a group or ACL
    /// that appears or goes, a part not read): every trace with a hop there, or that
    /// crosses a peering, is traced again.
    coarse: HashSet<String>,
    /// Something differs at all.
    any: bool,
}

impl Changes {
    /// The changes between two estates.
    pub(crate) fn between(before: &Estate, after: &Estate) -> Self {
        Self::from_objects(before, after, &objects::compare(before, after))
    }

    /// The changes the diff's `records` (of `before` → `after`) stand for.
    pub(crate) fn from_objects(before: &Estate, after: &Estate, records: &[ObjectChange]) -> Self {
        let mut c = Self {
            any: !records.is_empty(),
            ..Self::default()
        };
        // Firewall objects, per region: resolved to the firewalls they change below.
        let mut firewall_side: HashMap<&str, Vec<&ObjectChange>> = HashMap::new();
        for o in records {
            c.regions.insert(o.region.clone());
            for r in &o.also_in {
                c.regions.insert(r.clone());
            }
            match o.kind {
                Kind::Region => {
                    // A region loaded on one side only: everything in it changed.
                    c.coarse.insert(o.region.clone());
                    for r in [before.region(&o.region), after.region(&o.region)]
                        .into_iter()
                        .flatten()
                    {
                        c.whole.extend(r.object_ids().cloned());
                        c.whole.extend(r.peerings.iter().map(|p| p.id.clone()));
                    }
                }
                Kind::TgwRouteTable | Kind::VpcRouteTable if o.what == What::Changed => {
                    for f in &o.fields {
                        match &f.part {
                            Part::Route(d) => {
                                c.prefixes.entry(o.id.clone()).or_default().push(d.clone());
                            }
                            // The trace reads the routes propagation made, compared
                            // on their own.
                            Part::Propagation => {}
                            Part::Rules | Part::Other => {
                                c.whole.insert(o.id.clone());
                            }
                        }
                    }
                }
                Kind::TgwRouteTable | Kind::VpcRouteTable | Kind::TgwAttachment | Kind::Peering => {
                    c.whole.insert(o.id.clone());
                }
                // Rules only: the group's or ACL's own hop is the one that reads them.
                Kind::SecurityGroup | Kind::NetworkAcl
                    if o.what == What::Changed
                        && o.fields.iter().all(|f| f.part == Part::Rules) =>
                {
                    c.whole.insert(o.id.clone());
                }
                Kind::NetworkFirewall | Kind::FirewallPolicy | Kind::RuleGroup => {
                    firewall_side.entry(o.region.as_str()).or_default().push(o);
                }
                _ => {
                    c.coarse.insert(o.region.clone());
                    for r in &o.also_in {
                        c.coarse.insert(r.clone());
                    }
                }
            }
        }
        for (region, changed) in firewall_side {
            let sides: Vec<&RegionEstate> = [before.region(region), after.region(region)]
                .into_iter()
                .flatten()
                .collect();
            c.firewalls(&sides, &changed);
        }
        c
    }

    /// A policy or rule group that changed changes every firewall using it: its
    /// endpoints are the hops that evaluate the policy.
    fn firewalls(&mut self, sides: &[&RegionEstate], changed: &[&ObjectChange]) {
        let has = |kind: Kind, id: &str| changed.iter().any(|o| o.kind == kind && o.id == id);
        let mut policies: HashSet<&str> = HashSet::new();
        for r in sides {
            for p in &r.firewall_policies {
                if has(Kind::FirewallPolicy, &p.id) {
                    policies.insert(p.arn.as_str());
                }
            }
            for g in &r.rule_groups {
                if !has(Kind::RuleGroup, &g.id) {
                    continue;
                }
                for s in sides {
                    for p in &s.firewall_policies {
                        if p.stateful_rule_groups
                            .iter()
                            .chain(&p.stateless_rule_groups)
                            .any(|x| x.arn == g.arn)
                        {
                            policies.insert(p.arn.as_str());
                        }
                    }
                }
            }
        }
        for r in sides {
            for fw in &r.firewalls {
                if policies.contains(fw.policy_arn.as_str()) || has(Kind::NetworkFirewall, &fw.id) {
                    self.whole.insert(fw.id.clone());
                    self.whole.insert(fw.arn.clone());
                    self.whole.insert(fw.name.clone());
                    self.whole
                        .extend(fw.endpoints.iter().filter_map(|e| e.endpoint_id.clone()));
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        !self.any
    }

    /// True when `t` (traced on the before estate) may trace differently after.
    fn affects(&self, t: &Trace) -> bool {
        if self.is_empty() {
            return false;
        }
        let mut addrs: Vec<IpAddr> = vec![t.flow.src, t.flow.dst];
        for v in [Some(&t.verdict), t.return_verdict.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Verdict::ReachesInternet { egress_ip, .. } = v.settled() {
                addrs.push(*egress_ip);
            }
        }
        let holds = |id: &str| {
            self.prefixes.get(id).is_some_and(|ds| {
                ds.iter().any(|d| match d {
                    Destination::Cidr(c) => addrs.iter().any(|a| c.contains(a)),
                    Destination::PrefixList(_) => true,
                })
            })
        };
        let hops = t.hops.iter().chain(t.return_hops.iter());
        let any_whole = !self.whole.is_empty();
        let any_coarse = !self.coarse.is_empty();
        for h in hops {
            if any_whole
                && (self.whole.contains(&h.id)
                    || h.object
                        .as_ref()
                        .is_some_and(|o| o.id != h.id && self.whole.contains(&o.id))
                    // A security group hop names every group of the interface.
                    || (h.kind == HopKind::SecurityGroup
                        && h.id.split(',').any(|id| self.whole.contains(id))))
            {
                return true;
            }
            if matches!(
                h.kind,
                HopKind::TgwRouteTable | HopKind::VpcRouteTable | HopKind::Drop
            ) && holds(&h.id)
            {
                return true;
            }
            if !t.alternatives.is_empty() && self.regions.contains(&h.region) {
                return true;
            }
            if any_coarse
                && (self.coarse.contains(&h.region)
                    || matches!(h.kind, HopKind::TgwPeering | HopKind::VpcPeering))
            {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Change, TgwRouteTarget, VpcTarget};
    use crate::net::trace::tests::demo;
    use crate::ops::project::project;

    const USE1: &str = "us-east-1";
    const EUW1: &str = "eu-west-1";
    const TGW: &str = "tgw-0e1a2b3c4d5e6f701";
    const SPOKE_TABLE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
    const EU_TABLE: &str = "tgw-rtb-0f9e8d7c6b5a4f311";

    fn cidr(s: &str) -> ipnet::IpNet {
        s.parse().expect("cidr")
    }

    /// The impact of `ops` on `before`, checked against the same computed with no
    /// trace reused (every trace asked again of the after-estate).
    fn run(before: &Estate, ops: &[ChangeOp]) -> Impact {
        let p = project(before, ops);
        let baseline = Baseline::new(before);
        assert!(baseline.traces() > 0);
        let warm = impact_with(&baseline, before, &p.estate, ops);
        let uncached = Baseline {
            index: EstateIndex::build(before),
            findings: baseline.findings.clone(),
            traces: HashMap::new(),
            probes: baseline.probes.clone(),
        };
        let full = impact_with(&uncached, before, &p.estate, ops);
        assert_eq!(warm, full, "reusing unaffected traces changes nothing");
        assert_eq!(impact(before, &p.estate, ops), warm);
        warm
    }

    fn texts(i: &Impact) -> String {
        i.lines
            .iter()
            .map(|l| format!("{:?} {} {}", l.tone, l.needs_acceptance, l.text))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn deleting_the_spokes_default_route_loses_egress_and_needs_acceptance() {
        let before = demo().await;
        let ops = [ChangeOp::new(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: SPOKE_TABLE.into(),
                cidr: cidr("0.0.0.0/0"),
            },
        )];
        let i = run(&before, &ops);
        let lost = i
            .lines
            .iter()
            .find(|l| l.text.starts_with("spoke-a loses internet egress"))
            .unwrap_or_else(|| panic!("{}", texts(&i)));
        assert_eq!(lost.tone, Tone::Warning);
        assert!(lost.needs_acceptance);
        assert!(
            lost.text.contains("was: reaches internet as"),
            "{}",
            lost.text
        );
        assert!(lost.text.contains(SPOKE_TABLE), "{}", lost.text);
        assert!(i.needs_acceptance());
        assert!(i.probes > 0);
    }

    #[tokio::test]
    async fn deleting_spoke_bs_own_default_route_loses_its_egress() {
        let before = demo().await;
        let ops = [ChangeOp::new(
            USE1,
            Change::DeleteVpcRoute {
                route_table_id: "rtb-0e1a2b3c4d5e6f789".into(),
                cidr: cidr("0.0.0.0/0"),
            },
        )];
        let i = run(&before, &ops);
        assert!(
            i.lines
                .iter()
                .any(|l| l.text.starts_with("spoke-b loses internet egress") && l.needs_acceptance),
            "{}",
            texts(&i)
        );
        // It also fixes the audit's bypass finding.
        assert!(
            i.lines
                .iter()
                .any(|l| l.tone == Tone::Good && l.text.starts_with("fixes: ")),
            "{}",
            texts(&i)
        );
    }

    #[tokio::test]
    async fn accepting_the_peering_and_routing_both_sides_reaches_the_peer_through_inspection() {
        let before = demo().await;
        let att = || TgwRouteTarget::Attachment(PEERING.into());
        let mut ops = vec![
            ChangeOp::new(
                EUW1,
                Change::AcceptPeering {
                    attachment_id: PEERING.into(),
                },
            ),
            ChangeOp::new(
                USE1,
                Change::AssociateTgwRouteTable {
                    route_table_id: SPOKE_TABLE.into(),
                    attachment_id: PEERING.into(),
                },
            ),
            ChangeOp::new(
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: POST.into(),
                    cidr: cidr("172.16.1.0/24"),
                    target: att(),
                },
            ),
            ChangeOp::new(
                EUW1,
                Change::AssociateTgwRouteTable {
                    route_table_id: EU_TABLE.into(),
                    attachment_id: PEERING.into(),
                },
            ),
            ChangeOp::new(
                EUW1,
                Change::CreateTgwRoute {
                    route_table_id: EU_TABLE.into(),
                    cidr: cidr("10.0.0.0/8"),
                    target: att(),
                },
            ),
        ];
        for rtb in ["rtb-0e1a2b3c4d5e6f783", "rtb-0e1a2b3c4d5e6f784"] {
            ops.push(ChangeOp::new(
                USE1,
                Change::CreateVpcRoute {
                    route_table_id: rtb.into(),
                    cidr: cidr("172.16.1.0/24"),
                    target: VpcTarget::TransitGateway(TGW.into()),
                },
            ));
        }
        let p = project(&before, &ops);
        assert!(p.not_modelled.is_empty(), "{:?}", p.not_modelled);
        let i = run(&before, &ops);
        let reach = i
            .lines
            .iter()
            .find(|l| l.text.starts_with("spoke-a reaches 172.16.1.0/24"))
            .unwrap_or_else(|| panic!("{}", texts(&i)));
        assert_eq!(reach.tone, Tone::Good);
        assert!(reach.text.contains("through inspection"), "{}", reach.text);
        assert!(!i.needs_acceptance(), "{}", texts(&i));
        // The pending peering's finding is fixed.
        assert!(
            i.lines.iter().any(|l| l.text.starts_with("fixes: ")),
            "{}",
            texts(&i)
        );
    }

    #[tokio::test]
    async fn fixing_the_blackhole_is_a_fix_and_a_no_op_says_nothing() {
        let before = demo().await;
        let ops = [ChangeOp::new(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.2.0.0/16"),
            },
        )];
        let i = run(&before, &ops);
        let fix = i
            .lines
            .iter()
            .find(|l| l.text.starts_with("fixes: ") && l.text.contains("10.2.0.0/16"))
            .unwrap_or_else(|| panic!("{}", texts(&i)));
        assert_eq!(fix.tone, Tone::Good);
        assert!(!i.needs_acceptance());

        assert!(run(&before, &[]).lines.is_empty());
        assert!(
            run(&before, &[ops[0].clone().as_dry_run()])
                .lines
                .is_empty()
        );
        // Refused (an unknown table): nothing changes.
        let refused = [ChangeOp::new(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: "tgw-rtb-nope".into(),
                cidr: cidr("10.2.0.0/16"),
            },
        )];
        assert!(run(&before, &refused).lines.is_empty());
        let p = project(&before, &refused);
        let i = impact_projected(&Baseline::new(&before), &before, &p, &refused);
        assert_eq!(i.not_evaluated.len(), 1, "{:?}", i.not_evaluated);
    }

    #[tokio::test]
    async fn a_route_between_spokes_breaks_isolation() {
        let before = demo().await;
        let ops = [ChangeOp::new(
            USE1,
            Change::CreateTgwRoute {
                route_table_id: SPOKE_TABLE.into(),
                cidr: cidr("10.1.0.0/16"),
                target: TgwRouteTarget::Attachment("tgw-attach-0e1a2b3c4d5e6f723".into()),
            },
        )];
        let i = run(&before, &ops);
        let broken = i
            .lines
            .iter()
            .find(|l| l.text.contains("isolation broken"))
            .unwrap_or_else(|| panic!("{}", texts(&i)));
        assert!(
            broken.text.starts_with("spoke-a can now reach spoke-b"),
            "{}",
            broken.text
        );
        assert!(broken.needs_acceptance);
    }
}
