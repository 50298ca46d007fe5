//! AWS Network Firewall policy evaluation for one flow: the path engine's firewall hop.
//!
//! Invariants:
//! - Pure: a policy, its rule groups and the flow in, an [`Evaluation`] out. No I/O.
//! - Exact, or say so: a rule this module cannot evaluate (a keyword outside the
//!   supported Suricata subset, TCP flags, custom actions, a domain-list group, a rule
//!   group the estate does not hold) is listed in `not_evaluated`; when such a rule could
//!   have decided before the rule that did, the outcome is [`Outcome::Unverified`],
//!   never a guess.
//!
//! Model (AWS Network Firewall semantics, see each function for sources):
//! - Stateless rule groups run first, on every packet: groups by reference priority,
//!   rules by rule priority, the first match's standard action decides
//!   (`aws:pass`, `aws:drop`, `aws:forward_to_sfe`); no match → the policy's stateless
//!   default action.
//! - Forwarded packets go to the stateful engine, in `STRICT_ORDER` (groups by
//!   priority, rules as written, first pass/drop/reject decides, then the stateful
//!   default actions) or `DEFAULT_ACTION_ORDER` (pass, then drop, reject, alert rules;
//!   no match passes).
//! - A TCP flow is checked in two phases, the handshake (both directions, not
//!   established, no application protocol yet) and the application data (established,
//!   `tls` with an SNI, `http` with a Host, else unknown); it passes only if both do.
//!   This is a model: the engine itself decides per packet, and a `pass` matched on a
//!   TCP packet may pass the rest of the flow; the phases are the packets a rule set
//!   must let through under `aws:drop_strict` for the flow to work.
//! - `$HOME_NET`: a rule group's own `HOME_NET` variable, else the policy variable,
//!   else the firewall VPC's CIDRs; `$EXTERNAL_NET` is its negation.
//! - Suricata parsing and matching: `suricata.rs` ([`parse_rules`], [`Rule`]).

mod suricata;
#[cfg(test)]
mod tests;

pub use suricata::{
    Action, AddrSpec, Buffer, ContentMatch, FlowOptions, PortSpec, Rule, RuleError, RuleProtocol,
    Unparsed, parse_rule, parse_rules,
};

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{FirewallPolicy, RuleGroup, RuleGroupRef, StatelessRule};
use suricata::{App, Match, Packet, PortVal, Vars, rule_matches};

/// The transport protocol of a traced flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    /// The IANA protocol number (6, 17, 1).
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::Tcp => 6,
            Self::Udp => 17,
            Self::Icmp => 1,
        }
    }

    /// The word used on the command line and in output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
        }
    }
}

/// One flow as the client opens it (forward direction: client → server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSpec {
    pub protocol: Protocol,
    /// The client's address as the firewall sees it (before any NAT further on).
    pub src: IpAddr,
    pub dst: IpAddr,
    /// `None`: any ephemeral port (rules on source ports then match only `any`).
    pub src_port: Option<u16>,
    /// `None` for ICMP.
    pub dst_port: Option<u16>,
    /// The TLS server name (`tls.sni`), when the flow is TLS.
    pub sni: Option<String>,
    /// The HTTP Host header (`http.host`), when the flow is plain HTTP.
    pub http_host: Option<String>,
}

/// What the policy does with the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Drop,
    /// Dropped with a TCP reset / ICMP unreachable sent back.
    Reject,
    /// A rule that could have decided first was not evaluated.
    Unverified,
}

/// A policy's `$HOME_NET` as people are told it: the policy variable, or the CIDRs
/// of the VPCs its firewalls sit in (Network Firewall's default, the same rule the
/// evaluation follows). The console and `fw show` both show [`PolicyHomeNet::describe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHomeNet {
    pub cidrs: Vec<String>,
    /// True when the policy's `PolicyVariables` set it.
    pub from_variable: bool,
}

impl PolicyHomeNet {
    /// The policy's `$HOME_NET` in `region` (where its firewalls are).
    #[must_use]
    pub fn of(region: &crate::model::RegionEstate, policy: &crate::model::FirewallPolicy) -> Self {
        match policy.policy_variables.get("HOME_NET") {
            Some(cidrs) => Self {
                cidrs: cidrs.clone(),
                from_variable: true,
            },
            None => Self {
                cidrs: region
                    .firewalls
                    .iter()
                    .filter(|f| f.policy_arn == policy.arn)
                    .filter_map(|f| region.vpcs.iter().find(|v| v.id == f.vpc_id))
                    .flat_map(|v| v.cidr_blocks.iter().map(ToString::to_string))
                    .collect(),
                from_variable: false,
            },
        }
    }

    /// One line: `10.0.0.0/8 (policy variable)`, or `not set: Network Firewall uses
    /// the firewall VPC's CIDR (…)`.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.from_variable {
            format!("{} (policy variable)", self.cidrs.join(", "))
        } else {
            format!(
                "not set: Network Firewall uses the firewall VPC's CIDR ({})",
                if self.cidrs.is_empty() {
                    "unknown".to_string()
                } else {
                    self.cidrs.join(", ")
                }
            )
        }
    }
}

/// The policy's inputs, resolved by the caller from the estate.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    pub policy: &'a FirewallPolicy,
    /// The rule groups the estate holds in the policy's region; a reference whose ARN
    /// is not among them is "not evaluated".
    pub rule_groups: &'a [RuleGroup],
    /// The CIDRs of the VPC the firewall sits in: `$HOME_NET` when no variable sets it.
    pub firewall_vpc_cidrs: &'a [IpNet],
}

/// The result of evaluating one direction of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub outcome: Outcome,
    /// The rule or default action that decided, in words an operator recognises:
    /// `stateful group allow-amazon (priority 20) sid 892125: pass tls …` or
    /// `stateful default action aws:drop_strict`.
    pub decided_by: String,
    /// Each step in evaluation order (stateless groups, default, each stateful phase).
    pub steps: Vec<String>,
    /// Rules or groups that were not evaluated, each with why.
    pub not_evaluated: Vec<String>,
    /// Alert rules that matched (they log, they do not decide).
    pub alerts: Vec<String>,
    /// `$HOME_NET` as used, and where it came from (`policy variables`, `rule group
    /// <name> variables`, or `the firewall VPC's CIDR (default)`).
    pub home_net: Vec<IpNet>,
    pub home_net_source: String,
}

/// Evaluates the client → server direction of `flow` (for TCP: the handshake, then the
/// application data with its SNI / Host).
#[must_use]
pub fn evaluate(input: &PolicyInput<'_>, flow: &FlowSpec) -> Evaluation {
    forward(input, flow).0
}

/// Evaluates the server → client packets of `flow` at a firewall endpoint.
/// `saw_forward`: true when the same endpoint passed the forward direction (its
/// stateful engine holds the flow); false on an asymmetric path.
///
/// Model: stateless rules run on the swapped tuple. With `saw_forward` and the forward
/// direction passed, the return packets belong to a flow the stateful engine holds
/// and pass, unless an explicit `flow:to_client` drop/reject rule matches them first
/// (checked in policy order). Without `saw_forward` the engine picks the flow up
/// midstream: a drop default action (`aws:drop_strict`, `aws:drop_established`)
/// drops it.
#[must_use]
pub fn evaluate_return(input: &PolicyInput<'_>, flow: &FlowSpec, saw_forward: bool) -> Evaluation {
    let ctx = Ctx::new(input);
    let mut notes = Notes::default();
    ctx.home_net_steps(&mut notes);
    let rev = Tuple::of(flow).swapped();
    let sl = ctx.stateless(&mut notes, "server → client", flow.protocol, &rev);
    let out = |outcome: Outcome, decided_by: String, notes: Notes| {
        ctx.finish(outcome, decided_by, notes, None)
    };
    match sl.action {
        None => return out(Outcome::Unverified, sl.decided_by, notes),
        Some(Std::Drop) => return out(Outcome::Drop, sl.decided_by, notes),
        Some(Std::Pass) => {
            notes.step("stateful (server → client): skipped (stateless aws:pass)".into());
            return out(Outcome::Pass, sl.decided_by, notes);
        }
        Some(Std::Forward) => {}
    }
    let tcp = flow.protocol == Protocol::Tcp;
    if !saw_forward {
        let pkt = rev.packet(flow, false, true, App::Unknown);
        if let Some(d) = ctx.drop_default() {
            notes.step(format!(
                "stateful (server → client): this endpoint never saw the flow's first packets \
                 (asymmetric path); {d} drops them"
            ));
            return out(Outcome::Drop, format!("stateful default action {d}"), notes);
        }
        let dec = ctx.stateful_packet(&mut notes, &pkt);
        notes.step(format!(
            "stateful (server → client, midstream): this endpoint never saw the flow's first \
             packets (asymmetric path); {}",
            dec.step
        ));
        return ctx.finish(dec.outcome, dec.decided_by, notes, dec.group);
    }
    let (fwd, info) = forward(input, flow);
    notes.step(format!(
        "forward direction at this endpoint: {} ({})",
        outcome_word(fwd.outcome),
        fwd.decided_by
    ));
    for n in &fwd.not_evaluated {
        notes.not_eval(n.clone());
    }
    if fwd.outcome != Outcome::Pass {
        notes.step(format!(
            "stateful (server → client): no return packets; the forward direction is {} here",
            outcome_word(fwd.outcome)
        ));
        return out(
            fwd.outcome,
            format!("forward direction not passed: {}", fwd.decided_by),
            notes,
        );
    }
    if ctx.strict
        && !tcp
        && !info.passed_by_rule
        && ctx.has_default("aws:drop_established")
        && !ctx.has_default("aws:drop_strict")
    {
        notes.step(
            "stateful (server → client): the reply makes the flow established; no rule passed \
             the flow, so aws:drop_established drops it"
                .into(),
        );
        return out(
            Outcome::Drop,
            "stateful default action aws:drop_established".into(),
            notes,
        );
    }
    let pkt = rev.packet(flow, false, true, info.app);
    let dec = ctx.explicit_return_drop(&mut notes, &pkt);
    notes.step(format!("stateful (server → client): {}", dec.step));
    ctx.finish(dec.outcome, dec.decided_by, notes, dec.group)
}

// ---------------------------------------------------------------------------------

/// A standard stateless action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    Pass,
    Drop,
    Forward,
}

impl Std {
    const ALL: [Self; 3] = [Self::Pass, Self::Drop, Self::Forward];

    fn parse(s: &str) -> Option<Self> {
        match s {
            "aws:pass" => Some(Self::Pass),
            "aws:drop" => Some(Self::Drop),
            "aws:forward_to_sfe" => Some(Self::Forward),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "aws:pass",
            Self::Drop => "aws:drop",
            Self::Forward => "aws:forward_to_sfe",
        }
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Drop => "drop",
        Outcome::Reject => "reject",
        Outcome::Unverified => "unverified",
    }
}

fn action_outcome(a: Action) -> Outcome {
    match a {
        Action::Pass | Action::Alert => Outcome::Pass,
        Action::Drop => Outcome::Drop,
        Action::Reject => Outcome::Reject,
    }
}

const DECIDING: [Outcome; 3] = [Outcome::Pass, Outcome::Drop, Outcome::Reject];

/// What the evaluation collects on its way.
#[derive(Debug, Default)]
struct Notes {
    steps: Vec<String>,
    not_evaluated: Vec<String>,
    alerts: Vec<String>,
}

impl Notes {
    fn step(&mut self, s: String) {
        self.steps.push(s);
    }
    fn not_eval(&mut self, s: String) {
        if !self.not_evaluated.contains(&s) {
            self.not_evaluated.push(s);
        }
    }
    fn alert(&mut self, s: String) {
        if !self.alerts.contains(&s) {
            self.alerts.push(s);
        }
    }
}

/// A flow's addresses and ports in one direction.
#[derive(Debug, Clone, Copy)]
struct Tuple {
    src: IpAddr,
    dst: IpAddr,
    sport: PortVal,
    dport: PortVal,
}

impl Tuple {
    fn of(flow: &FlowSpec) -> Self {
        let ports = matches!(flow.protocol, Protocol::Tcp | Protocol::Udp);
        Self {
            src: flow.src,
            dst: flow.dst,
            sport: match flow.src_port {
                Some(p) if ports => PortVal::Exact(p),
                None if ports => PortVal::Ephemeral,
                _ => PortVal::NoPort,
            },
            dport: match flow.dst_port {
                Some(p) if ports => PortVal::Exact(p),
                _ => PortVal::NoPort,
            },
        }
    }

    fn swapped(self) -> Self {
        Self {
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
        }
    }

    fn packet<'f>(
        self,
        flow: &'f FlowSpec,
        to_server: bool,
        established: bool,
        app: App,
    ) -> Packet<'f> {
        Packet {
            proto: flow.protocol,
            src: self.src,
            dst: self.dst,
            sport: self.sport,
            dport: self.dport,
            to_server,
            established,
            app,
            sni: flow.sni.as_deref(),
            host: flow.http_host.as_deref(),
        }
    }
}

/// A stateful group reference, resolved and parsed once per evaluation.
struct StatefulGroup<'a> {
    reference: &'a RuleGroupRef,
    group: Option<&'a RuleGroup>,
    rules: Vec<Result<Rule, RuleError>>,
    drop_to_alert: bool,
    /// This group's `$HOME_NET` and where it comes from.
    home_net: Vec<IpNet>,
    home_net_source: String,
}

impl StatefulGroup<'_> {
    fn name(&self) -> &str {
        self.group
            .map_or(self.reference.arn.as_str(), |g| g.name.as_str())
    }

    fn label(&self) -> String {
        match self.reference.priority {
            Some(p) => format!("{} (priority {p})", self.name()),
            None => self.name().to_string(),
        }
    }

    fn effective(&self, a: Action) -> Action {
        match a {
            Action::Drop | Action::Reject if self.drop_to_alert => Action::Alert,
            other => other,
        }
    }
}

/// The stateless engine's answer for one packet (`action: None`: unverified).
struct StatelessDecision {
    action: Option<Std>,
    decided_by: String,
}

/// The stateful engine's answer for one packet.
struct PacketDecision {
    outcome: Outcome,
    decided_by: String,
    /// The step's text after the phase label.
    step: String,
    /// The deciding rule's group (index into `Ctx::stateful`).
    group: Option<usize>,
    by_rule: bool,
}

/// What `evaluate_return` needs to know about the forward direction.
struct ForwardInfo {
    passed_by_rule: bool,
    app: App,
}

struct Ctx<'a> {
    input: &'a PolicyInput<'a>,
    strict: bool,
    stateless: Vec<(&'a RuleGroupRef, Option<&'a RuleGroup>)>,
    stateful: Vec<StatefulGroup<'a>>,
    home_net: Vec<IpNet>,
    home_net_source: String,
    setup_notes: Vec<String>,
}

fn parse_cidrs(defs: &[String], what: &str, notes: &mut Vec<String>) -> Vec<IpNet> {
    defs.iter()
        .filter_map(|d| {
            let n = suricata::parse_net(d);
            if n.is_none() {
                notes.push(format!("{what}: `{d}` is not a CIDR (ignored)"));
            }
            n
        })
        .collect()
}

fn fmt_nets(nets: &[IpNet]) -> String {
    if nets.is_empty() {
        return "(empty)".into();
    }
    nets.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Ctx<'a> {
    fn new(input: &'a PolicyInput<'a>) -> Self {
        let policy = input.policy;
        let find = |arn: &str| input.rule_groups.iter().find(|g| g.arn == arn);
        let mut setup_notes = Vec::new();
        // $HOME_NET: the policy variable when set, else the firewall VPC's CIDRs
        // (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_PolicyVariables.html).
        let (home_net, home_net_source) = match policy.policy_variables.get("HOME_NET") {
            Some(defs) => (
                parse_cidrs(defs, "policy variable HOME_NET", &mut setup_notes),
                "policy variables".to_string(),
            ),
            None => (
                input.firewall_vpc_cidrs.to_vec(),
                "the firewall VPC's CIDR (default)".to_string(),
            ),
        };
        let mut stateless: Vec<_> = policy
            .stateless_rule_groups
            .iter()
            .map(|r| (r, find(&r.arn)))
            .collect();
        stateless.sort_by_key(|(r, _)| r.priority.unwrap_or(i32::MAX));
        let strict = policy.stateful_rule_order.as_deref() == Some("STRICT_ORDER");
        let mut refs: Vec<&RuleGroupRef> = policy.stateful_rule_groups.iter().collect();
        refs.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
        let stateful = refs
            .into_iter()
            .map(|r| {
                let group = find(&r.arn);
                let rules = group
                    .and_then(|g| g.rules_string.as_deref())
                    .map(parse_rules)
                    .unwrap_or_default();
                // A rule group's own HOME_NET wins: "Policy variables affect all rule
                // groups that don't already define HOME_NET"
                // (https://docs.aws.amazon.com/network-firewall/latest/developerguide/troubleshooting-rules.html).
                let (gh, gs) = match group.and_then(|g| g.ip_sets.get("HOME_NET").map(|d| (g, d))) {
                    Some((g, defs)) => (
                        parse_cidrs(
                            defs,
                            &format!("rule group {} variable HOME_NET", g.name),
                            &mut setup_notes,
                        ),
                        format!("rule group {} variables", g.name),
                    ),
                    None => (home_net.clone(), home_net_source.clone()),
                };
                StatefulGroup {
                    reference: r,
                    group,
                    rules,
                    drop_to_alert: r.override_action.as_deref() == Some("DROP_TO_ALERT"),
                    home_net: gh,
                    home_net_source: gs,
                }
            })
            .collect();
        Self {
            input,
            strict,
            stateless,
            stateful,
            home_net,
            home_net_source,
            setup_notes,
        }
    }

    fn has_default(&self, action: &str) -> bool {
        self.input
            .policy
            .stateful_default_actions
            .iter()
            .any(|a| a == action)
    }

    /// The drop default action in force (strict order only).
    fn drop_default(&self) -> Option<&'static str> {
        if !self.strict {
            None
        } else if self.has_default("aws:drop_strict") {
            Some("aws:drop_strict")
        } else if self.has_default("aws:drop_established") {
            Some("aws:drop_established")
        } else {
            None
        }
    }

    fn home_net_steps(&self, notes: &mut Notes) {
        notes.step(format!(
            "HOME_NET = {} ({})",
            fmt_nets(&self.home_net),
            self.home_net_source
        ));
        for g in &self.stateful {
            if g.home_net_source != self.home_net_source {
                notes.step(format!(
                    "stateful group {} uses its own HOME_NET = {} (a rule group's variable \
                     takes precedence over the policy's)",
                    g.name(),
                    fmt_nets(&g.home_net)
                ));
            }
        }
        for n in &self.setup_notes {
            notes.not_eval(n.clone());
        }
        for g in &self.stateful {
            if g.group
                .is_some_and(|g| g.kind != crate::model::RuleGroupKind::Stateful)
            {
                notes.not_eval(format!(
                    "stateful reference {} names a group that is not STATEFUL",
                    g.name()
                ));
            }
        }
    }

    fn vars<'g>(&'g self, g: &'g StatefulGroup<'_>) -> Vars<'g> {
        static EMPTY: BTreeMap<String, Vec<String>> = BTreeMap::new();
        Vars {
            home_net: &g.home_net,
            ip_sets: g.group.map_or(&EMPTY, |x| &x.ip_sets),
            policy_vars: &self.input.policy.policy_variables,
            port_sets: g.group.map_or(&EMPTY, |x| &x.port_sets),
        }
    }

    fn finish(
        &self,
        outcome: Outcome,
        decided_by: String,
        notes: Notes,
        group: Option<usize>,
    ) -> Evaluation {
        let (home_net, home_net_source) = match group.and_then(|i| self.stateful.get(i)) {
            Some(g) => (g.home_net.clone(), g.home_net_source.clone()),
            None => (self.home_net.clone(), self.home_net_source.clone()),
        };
        Evaluation {
            outcome,
            decided_by,
            steps: notes.steps,
            not_evaluated: notes.not_evaluated,
            alerts: notes.alerts,
            home_net,
            home_net_source,
        }
    }

    /// The stateless engine on one packet (`label`: its direction, for the steps).
    /// Standard actions `aws:pass` / `aws:drop` / `aws:forward_to_sfe`, custom actions
    /// publish metrics only
    /// (https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-action.html).
    fn stateless(
        &self,
        notes: &mut Notes,
        label: &str,
        proto: Protocol,
        t: &Tuple,
    ) -> StatelessDecision {
        let mut uncertain: Vec<(Vec<Std>, String)> = Vec::new();
        let mut unmatched: Vec<String> = Vec::new();
        let mut decided: Option<(Std, String)> = None;
        'groups: for (r, g) in &self.stateless {
            let Some(g) = g else {
                let why = format!("stateless group {} (not in the estate)", r.arn);
                notes.not_eval(why.clone());
                uncertain.push((Std::ALL.to_vec(), why));
                continue;
            };
            let mut rules: Vec<&StatelessRule> = g.stateless_rules.iter().collect();
            rules.sort_by_key(|x| x.priority);
            let glabel = match r.priority {
                Some(p) => format!("{} (priority {p})", g.name),
                None => g.name.clone(),
            };
            for rule in rules {
                let std = rule.actions.iter().find_map(|a| Std::parse(a));
                let custom: Vec<&str> = rule
                    .actions
                    .iter()
                    .filter(|a| Std::parse(a).is_none())
                    .map(String::as_str)
                    .collect();
                let what = format!("stateless group {glabel} rule priority {}", rule.priority);
                match stateless_match(rule, proto, t) {
                    Match::No => {}
                    Match::Unknown(why) => {
                        let w = format!("{what}: {why} not evaluated");
                        notes.not_eval(w.clone());
                        uncertain.push((std.map_or(Std::ALL.to_vec(), |s| vec![s]), w));
                    }
                    Match::Yes => {
                        if !custom.is_empty() {
                            notes.step(format!(
                                "stateless ({label}): {what} custom action {} (publishes metrics only)",
                                custom.join(", ")
                            ));
                        }
                        if let Some(s) = std {
                            decided = Some((s, format!("{what}: {}", s.as_str())));
                            notes.step(format!(
                                "stateless ({label}): {glabel} rule priority {} matched: {}",
                                rule.priority,
                                s.as_str()
                            ));
                            break 'groups;
                        }
                        let w = format!("{what}: no standard action");
                        notes.not_eval(w.clone());
                        uncertain.push((Std::ALL.to_vec(), w));
                    }
                }
            }
            unmatched.push(g.name.clone());
        }
        let (action, decided_by) = match decided {
            Some(d) => d,
            None => {
                let defaults = &self.input.policy.stateless_default_actions;
                let custom: Vec<&str> = defaults
                    .iter()
                    .filter(|a| Std::parse(a).is_none())
                    .map(String::as_str)
                    .collect();
                let Some(s) = defaults.iter().find_map(|a| Std::parse(a)) else {
                    notes.step(format!(
                        "stateless ({label}): no rule matched; the policy has no standard stateless default action"
                    ));
                    return StatelessDecision {
                        action: None,
                        decided_by: "stateless default action missing".into(),
                    };
                };
                let in_groups = if unmatched.is_empty() {
                    "no stateless rule groups".to_string()
                } else {
                    format!("no rule matched in {}", unmatched.join(", "))
                };
                let extra = if custom.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (custom action {} publishes metrics only)",
                        custom.join(", ")
                    )
                };
                notes.step(format!(
                    "stateless ({label}): {in_groups}; default {}{extra}",
                    s.as_str()
                ));
                (s, format!("stateless default action {}", s.as_str()))
            }
        };
        if let Some((_, why)) = uncertain
            .iter()
            .find(|(acts, _)| acts.iter().any(|a| *a != action))
        {
            notes.step(format!(
                "stateless ({label}): unverified: {why} could decide before {decided_by}"
            ));
            return StatelessDecision {
                action: None,
                decided_by: format!("unverified: {why} could decide before {decided_by}"),
            };
        }
        StatelessDecision {
            action: Some(action),
            decided_by,
        }
    }

    /// The stateful engine on one packet.
    fn stateful_packet(&self, notes: &mut Notes, pkt: &Packet<'_>) -> PacketDecision {
        let mut uncertain: Vec<(Outcome, String)> = Vec::new();
        let found = if self.strict {
            self.strict_rules(notes, pkt, &mut uncertain, |_, _| true)
        } else {
            self.default_order_rules(notes, pkt, &mut uncertain)
        };
        let dec = found.unwrap_or_else(|| self.stateful_default(notes, pkt));
        if let Some((_, why)) = uncertain.iter().find(|(o, _)| *o != dec.outcome) {
            return PacketDecision {
                outcome: Outcome::Unverified,
                decided_by: format!("unverified: {why} could decide before {}", dec.decided_by),
                step: format!("unverified: {why} could decide before {}", dec.decided_by),
                group: dec.group,
                by_rule: dec.by_rule,
            };
        }
        dec
    }

    /// A group or rule that cannot be evaluated: what it is, or `None` when usable.
    fn group_unusable(&self, g: &StatefulGroup<'_>) -> Option<String> {
        match g.group {
            None => Some(format!(
                "stateful group {} (not in the estate)",
                g.reference.arn
            )),
            Some(x) if x.other_source.is_some() => Some(format!(
                "stateful group {} ({} rules source)",
                g.label(),
                x.other_source.as_deref().unwrap_or_default()
            )),
            Some(x) if x.rules_string.is_none() => Some(format!(
                "stateful group {} (no rules string held)",
                g.label()
            )),
            Some(_) => None,
        }
    }

    fn rule_decision(g: &StatefulGroup<'_>, gi: usize, rule: &Rule, act: Action) -> PacketDecision {
        PacketDecision {
            outcome: action_outcome(act),
            decided_by: format!(
                "stateful group {} sid {}: {}",
                g.label(),
                rule.sid,
                rule.text.trim()
            ),
            step: format!("{} by {} sid {}", act.as_str(), g.name(), rule.sid),
            group: Some(gi),
            by_rule: true,
        }
    }

    /// `STRICT_ORDER`: groups by priority, rules as written, first pass/drop/reject.
    fn strict_rules(
        &self,
        notes: &mut Notes,
        pkt: &Packet<'_>,
        uncertain: &mut Vec<(Outcome, String)>,
        only: impl Fn(&Rule, Action) -> bool,
    ) -> Option<PacketDecision> {
        for (gi, g) in self.stateful.iter().enumerate() {
            if let Some(why) = self.group_unusable(g) {
                notes.not_eval(why.clone());
                uncertain.extend(DECIDING.iter().map(|o| (*o, why.clone())));
                continue;
            }
            let vars = self.vars(g);
            for r in &g.rules {
                let rule = match r {
                    Ok(rule) => rule,
                    Err(e) => {
                        let why = format!(
                            "stateful group {} line {}: not parsed ({}): {}",
                            g.label(),
                            e.line,
                            e.reason,
                            e.text
                        );
                        notes.not_eval(why.clone());
                        uncertain.extend(DECIDING.iter().map(|o| (*o, why.clone())));
                        continue;
                    }
                };
                let act = g.effective(rule.action);
                if !only(rule, act) {
                    continue;
                }
                match rule_matches(rule, pkt, &vars) {
                    Match::No => {}
                    Match::Unknown(why) => {
                        let w = format!(
                            "stateful group {} sid {}: {why} not evaluated",
                            g.label(),
                            rule.sid
                        );
                        notes.not_eval(w.clone());
                        if act != Action::Alert {
                            uncertain.push((action_outcome(act), w));
                        }
                    }
                    Match::Yes if act == Action::Alert => {
                        notes.alert(format!(
                            "stateful group {} sid {}: {}",
                            g.label(),
                            rule.sid,
                            rule.text
                        ));
                    }
                    Match::Yes => return Some(Self::rule_decision(g, gi, rule, act)),
                }
            }
        }
        None
    }

    /// `DEFAULT_ACTION_ORDER`: every pass rule, then drop, reject, alert
    /// (https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-action.html).
    fn default_order_rules(
        &self,
        notes: &mut Notes,
        pkt: &Packet<'_>,
        uncertain: &mut Vec<(Outcome, String)>,
    ) -> Option<PacketDecision> {
        for class in [Action::Pass, Action::Drop, Action::Reject, Action::Alert] {
            for (gi, g) in self.stateful.iter().enumerate() {
                if let Some(why) = self.group_unusable(g) {
                    notes.not_eval(why.clone());
                    if class != Action::Alert {
                        uncertain.push((action_outcome(class), why));
                    }
                    continue;
                }
                let vars = self.vars(g);
                for r in &g.rules {
                    let rule = match r {
                        Ok(rule) => rule,
                        Err(e) => {
                            let why = format!(
                                "stateful group {} line {}: not parsed ({}): {}",
                                g.label(),
                                e.line,
                                e.reason,
                                e.text
                            );
                            notes.not_eval(why.clone());
                            if class != Action::Alert {
                                uncertain.push((action_outcome(class), why));
                            }
                            continue;
                        }
                    };
                    let act = g.effective(rule.action);
                    if act != class {
                        continue;
                    }
                    match rule_matches(rule, pkt, &vars) {
                        Match::No => {}
                        Match::Unknown(why) => {
                            let w = format!(
                                "stateful group {} sid {}: {why} not evaluated",
                                g.label(),
                                rule.sid
                            );
                            notes.not_eval(w.clone());
                            if act != Action::Alert {
                                uncertain.push((action_outcome(act), w));
                            }
                        }
                        Match::Yes if act == Action::Alert => {
                            notes.alert(format!(
                                "stateful group {} sid {}: {}",
                                g.label(),
                                rule.sid,
                                rule.text
                            ));
                        }
                        Match::Yes => return Some(Self::rule_decision(g, gi, rule, act)),
                    }
                }
            }
        }
        None
    }

    /// No rule decided: the stateful default actions (strict order) or pass.
    fn stateful_default(&self, notes: &mut Notes, pkt: &Packet<'_>) -> PacketDecision {
        let decision = |outcome, decided_by: String, step: String| PacketDecision {
            outcome,
            decided_by,
            step,
            group: None,
            by_rule: false,
        };
        if !self.strict {
            return decision(
                Outcome::Pass,
                "no stateful rule matched (DEFAULT_ACTION_ORDER): pass".into(),
                "no rule matched (DEFAULT_ACTION_ORDER); passes".into(),
            );
        }
        if self.has_default("aws:alert_strict")
            || (self.has_default("aws:alert_established") && pkt.established)
        {
            let a = if self.has_default("aws:alert_strict") {
                "aws:alert_strict"
            } else {
                "aws:alert_established"
            };
            notes.alert(format!("stateful default action {a}"));
        }
        if self.has_default("aws:drop_strict") {
            return decision(
                Outcome::Drop,
                "stateful default action aws:drop_strict".into(),
                "no rule passed; aws:drop_strict drops it".into(),
            );
        }
        if self.has_default("aws:drop_established") {
            return if pkt.established {
                decision(
                    Outcome::Drop,
                    "stateful default action aws:drop_established".into(),
                    "no rule passed; aws:drop_established drops it (established connection)".into(),
                )
            } else {
                decision(
                    Outcome::Pass,
                    "stateful default action aws:drop_established (lets packets of a connection \
                     not yet established through)"
                        .into(),
                    "no rule matched; aws:drop_established lets the not-yet-established packet through"
                        .into(),
                )
            };
        }
        decision(
            Outcome::Pass,
            "no stateful rule matched; no drop default action: pass".into(),
            "no rule matched; no drop default action, passes".into(),
        )
    }

    /// Return packets of a flow the engine holds: pass unless an explicit
    /// `flow:to_client` drop/reject rule matches first.
    fn explicit_return_drop(&self, notes: &mut Notes, pkt: &Packet<'_>) -> PacketDecision {
        let mut uncertain = Vec::new();
        let only =
            |r: &Rule, a: Action| r.flow.to_client && matches!(a, Action::Drop | Action::Reject);
        let dec = self
            .strict_rules(notes, pkt, &mut uncertain, only)
            .unwrap_or(PacketDecision {
                outcome: Outcome::Pass,
                decided_by: "stateful engine: return packets of an established flow it holds"
                    .into(),
                step:
                    "the return packets belong to the established flow the stateful engine holds \
                   (the forward direction passed here); no to_client drop rule matched; passes"
                        .into(),
                group: None,
                by_rule: false,
            });
        if let Some((_, why)) = uncertain.iter().find(|(o, _)| *o != dec.outcome) {
            let w = format!("unverified: {why} could decide before {}", dec.decided_by);
            return PacketDecision {
                outcome: Outcome::Unverified,
                decided_by: w.clone(),
                step: w,
                group: dec.group,
                by_rule: dec.by_rule,
            };
        }
        dec
    }
}

fn port_in(ranges: &[crate::model::PortRange], p: PortVal) -> bool {
    ranges.is_empty()
        || ranges.iter().any(|r| match p {
            PortVal::Exact(x) => r.from <= x && x <= r.to,
            PortVal::Ephemeral => r.from <= 1024 && r.to == u16::MAX,
            PortVal::NoPort => false,
        })
}

fn cidrs_match(defs: &[String], ip: IpAddr) -> Result<bool, Unparsed> {
    if defs.is_empty() {
        return Ok(true);
    }
    let mut bad = None;
    for d in defs {
        match suricata::parse_net(d) {
            Some(n) if n.contains(&ip) => return Ok(true),
            Some(_) => {}
            None => bad = Some(d.clone()),
        }
    }
    bad.map_or(Ok(false), |b| {
        Err(Unparsed(format!("address `{b}` is not a CIDR;")))
    })
}

/// One stateless rule against one packet.
fn stateless_match(rule: &StatelessRule, proto: Protocol, t: &Tuple) -> Match {
    if !rule.protocols.is_empty() && !rule.protocols.contains(&proto.number()) {
        return Match::No;
    }
    let mut unknown = Vec::new();
    for (defs, ip) in [(&rule.sources, t.src), (&rule.destinations, t.dst)] {
        match cidrs_match(defs, ip) {
            Ok(false) => return Match::No,
            Ok(true) => {}
            Err(e) => unknown.push(e.0),
        }
    }
    if matches!(proto, Protocol::Tcp | Protocol::Udp)
        && !(port_in(&rule.source_ports, t.sport) && port_in(&rule.destination_ports, t.dport))
    {
        return Match::No;
    }
    if rule.tcp_flags {
        unknown.push("TCP flags".to_string());
    }
    if unknown.is_empty() {
        Match::Yes
    } else {
        Match::Unknown(unknown.join(" "))
    }
}

/// The forward direction, with what `evaluate_return` needs to know about it.
fn forward(input: &PolicyInput<'_>, flow: &FlowSpec) -> (Evaluation, ForwardInfo) {
    let ctx = Ctx::new(input);
    let mut notes = Notes::default();
    ctx.home_net_steps(&mut notes);
    let fwd = Tuple::of(flow);
    let rev = fwd.swapped();
    let tcp = flow.protocol == Protocol::Tcp;
    let app = if !tcp {
        App::None
    } else if flow.sni.is_some() {
        App::Tls
    } else if flow.http_host.is_some() {
        App::Http
    } else {
        App::Unknown
    };
    let app_label = match app {
        App::Tls => format!(
            "application (tls sni {})",
            flow.sni.as_deref().unwrap_or_default()
        ),
        App::Http => format!(
            "application (http host {})",
            flow.http_host.as_deref().unwrap_or_default()
        ),
        _ => "application (protocol unknown: no SNI or Host)".to_string(),
    };
    // (phase label, direction, packet, forward tuple?)
    let mut packets: Vec<(String, &str, Packet<'_>, bool)> = Vec::new();
    if tcp {
        packets.push((
            "handshake".into(),
            "client → server",
            fwd.packet(flow, true, false, App::None),
            true,
        ));
        packets.push((
            "handshake".into(),
            "server → client",
            rev.packet(flow, false, false, App::None),
            false,
        ));
        packets.push((app_label, "", fwd.packet(flow, true, true, app), true));
    } else {
        packets.push((
            flow.protocol.as_str().to_string(),
            "",
            fwd.packet(flow, true, false, App::None),
            true,
        ));
    }
    let sl_fwd = ctx.stateless(&mut notes, "client → server", flow.protocol, &fwd);
    let mut sl_rev: Option<StatelessDecision> = None;
    let mut last: Option<(String, Option<usize>)> = None;
    let mut passed_by_rule = false;
    for (phase, dir, pkt, is_fwd) in &packets {
        if !*is_fwd && sl_rev.is_none() {
            sl_rev =
                Some(ctx.stateless(&mut notes, "server → client handshake", flow.protocol, &rev));
        }
        let sl = if *is_fwd {
            &sl_fwd
        } else {
            sl_rev.as_ref().unwrap_or(&sl_fwd)
        };
        let phase = if dir.is_empty() {
            (*phase).clone()
        } else {
            format!("{phase} ({dir})")
        };
        match sl.action {
            None => {
                notes.step(format!(
                    "stateful {phase}: not reached (stateless unverified)"
                ));
                let e = ctx.finish(Outcome::Unverified, sl.decided_by.clone(), notes, None);
                return (
                    e,
                    ForwardInfo {
                        passed_by_rule,
                        app,
                    },
                );
            }
            Some(Std::Drop) => {
                notes.step(format!(
                    "stateful {phase}: not reached (stateless aws:drop)"
                ));
                let e = ctx.finish(Outcome::Drop, sl.decided_by.clone(), notes, None);
                return (
                    e,
                    ForwardInfo {
                        passed_by_rule,
                        app,
                    },
                );
            }
            Some(Std::Pass) => {
                notes.step(format!("stateful {phase}: skipped (stateless aws:pass)"));
                last = Some((sl.decided_by.clone(), None));
                continue;
            }
            Some(Std::Forward) => {}
        }
        let dec = ctx.stateful_packet(&mut notes, pkt);
        notes.step(format!("stateful {phase}: {}", dec.step));
        if dec.outcome != Outcome::Pass {
            notes.step("the flow stops here".into());
            let e = ctx.finish(dec.outcome, dec.decided_by, notes, dec.group);
            return (
                e,
                ForwardInfo {
                    passed_by_rule,
                    app,
                },
            );
        }
        passed_by_rule = dec.by_rule;
        last = Some((dec.decided_by, dec.group));
    }
    if !tcp && ctx.strict && !passed_by_rule && ctx.drop_default() == Some("aws:drop_established") {
        notes.step(
            "note: no rule passed this flow; its reply packets make it established and \
             aws:drop_established drops them (see the return direction)"
                .into(),
        );
    }
    let (decided_by, group) = last.unwrap_or_default();
    let e = ctx.finish(Outcome::Pass, decided_by, notes, group);
    (
        e,
        ForwardInfo {
            passed_by_rule,
            app,
        },
    )
}
