//! What an estate answers before any change: its index, its audit and the probe
//! traces a change's impact is compared against ([`crate::ops::impact`]), computed
//! once per estate version — in the console, off the screen's thread with the audit
//! (the runtime's `Effect::Audit`), in a batch script once per version.
//!
//! Invariants: pure (an estate in, answers out); a baseline is used only with the
//! estate version it was computed from.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ipnet::IpNet;

use super::audit::{self, Roles};
use super::firewall::Protocol;
use super::trace::{self, Trace, TraceQuery};
use super::{EstateIndex, Finding, Net};
use crate::model::Estate;

/// The TLS server name the egress probe sends (seed 001 lets `.amazon.com` out).
pub const EGRESS_SNI: &str = "www.amazon.com";

/// What the before-estate answers, computed once per estate version: its index, its
/// audit, and every trace the audit and the probes asked for.
///
/// Use it only with the estate it was computed from (an index used with another
/// estate version answers nothing, so the impact would be empty, never wrong).
#[derive(Debug)]
pub struct Baseline {
    pub(crate) index: EstateIndex,
    pub(crate) findings: Vec<Finding>,
    /// Keyed by the query itself (hashed field by field, nothing formatted).
    pub(crate) traces: HashMap<TraceQuery, Arc<Trace>>,
    /// The before-estate's probes.
    pub(crate) probes: Vec<Probe>,
}

impl Baseline {
    /// The baseline of `before`: a full audit plus every probe, traced.
    #[must_use]
    pub fn new(before: &Estate) -> Self {
        let index = EstateIndex::build(before);
        let net = Net::with_index(before, &index);
        let mut traces: HashMap<TraceQuery, Arc<Trace>> = HashMap::new();
        let findings = audit::audit_with(&net, &mut |q| {
            let t = Arc::new(trace::trace(&net, q)?);
            traces.insert(q.clone(), Arc::clone(&t));
            Ok(t)
        });
        let probes = probes(&net);
        for p in &probes {
            if traces.contains_key(&p.query) {
                continue;
            }
            if let Ok(t) = trace::trace(&net, &p.query) {
                traces.insert(p.query.clone(), Arc::new(t));
            }
        }
        drop(net);
        Self {
            index,
            findings,
            traces,
            probes,
        }
    }

    /// The estate's audit (the same as [`audit::audit`]'s).
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How many traces it holds.
    #[must_use]
    pub fn traces(&self) -> usize {
        self.traces.len()
    }
}

/// What a probe checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProbeKind {
    Egress,
    Peered,
    Isolation,
}

/// One probe trace and what it stands for.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub kind: ProbeKind,
    /// The spoke's name (or id).
    pub from: String,
    /// What it probes: `internet`, a CIDR, the other spoke's name.
    pub to: String,
    pub query: TraceQuery,
}

fn probe(kind: ProbeKind, from: String, to: String, query: TraceQuery) -> Probe {
    Probe {
        kind,
        from,
        to,
        query,
    }
}

/// A VPC's name, else its id.
pub(crate) fn vpc_name(v: &crate::model::Vpc) -> String {
    v.name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| v.id.clone())
}

/// Every probe of [`crate::ops::impact`]'s docs, on one estate.
pub(crate) fn probes(net: &Net<'_>) -> Vec<Probe> {
    let roles = Roles::of(net);
    let spokes: HashSet<(&str, &str)> = roles
        .spokes
        .iter()
        .map(|(v, _)| (v.region.as_str(), v.id.as_str()))
        .collect();
    let mut out = Vec::new();
    // Instances by VPC, first one each (with a subnet and a private IP).
    let mut first_instance: HashMap<(&str, &str), &str> = HashMap::new();
    for r in net.regions() {
        for i in &r.instances {
            if let (Some(vpc), Some(_), Some(_)) = (&i.vpc_id, &i.subnet_id, &i.private_ip) {
                first_instance
                    .entry((r.region.as_str(), vpc.as_str()))
                    .or_insert(i.id.as_str());
            }
        }
    }
    // Remote CIDRs per (region, TGW): spoke VPCs attached to a TGW peered with it.
    let mut remote: HashMap<(String, String), Vec<IpNet>> = HashMap::new();
    for r in net.regions() {
        for p in &r.peerings {
            for (side, other) in [(&p.requester, &p.accepter), (&p.accepter, &p.requester)] {
                if side.region != r.region {
                    continue;
                }
                let Some(o) = net.region(&other.region) else {
                    continue;
                };
                let cidrs = remote
                    .entry((side.region.clone(), side.tgw_id.clone()))
                    .or_default();
                for v in &o.vpcs {
                    if spokes.contains(&(o.region.as_str(), v.id.as_str()))
                        && net
                            .vpc_attachments(&o.region, &v.id)
                            .iter()
                            .any(|a| a.tgw_id == other.tgw_id)
                    {
                        for c in &v.cidr_blocks {
                            if !cidrs.contains(c) {
                                cidrs.push(*c);
                            }
                        }
                    }
                }
            }
        }
    }
    for (vpc, atts) in &roles.spokes {
        let from = match first_instance.get(&(vpc.region.as_str(), vpc.id.as_str())) {
            Some(i) => (*i).to_string(),
            None => match net.vpc_subnets(vpc).into_iter().find(|s| s.cidr.is_some()) {
                Some(s) => s.id.clone(),
                None => continue,
            },
        };
        let name = vpc_name(vpc);
        out.push(probe(
            ProbeKind::Egress,
            name.clone(),
            "internet".into(),
            TraceQuery {
                from: from.clone(),
                to: "internet".into(),
                protocol: None,
                port: None,
                sni: Some(EGRESS_SNI.into()),
                routing_only: false,
                http_host: None,
            },
        ));
        let mut done: HashSet<IpNet> = HashSet::new();
        for att in atts {
            let Some(cidrs) = remote.get(&(vpc.region.clone(), att.tgw_id.clone())) else {
                continue;
            };
            for c in cidrs {
                if !done.insert(*c) {
                    continue;
                }
                out.push(probe(
                    ProbeKind::Peered,
                    name.clone(),
                    c.to_string(),
                    TraceQuery {
                        from: from.clone(),
                        to: trace::first_host(*c).to_string(),
                        protocol: Some(Protocol::Icmp),
                        port: None,
                        sni: None,
                        routing_only: false,
                        http_host: None,
                    },
                ));
            }
        }
    }
    for (a, b) in audit::isolation_pairs(net, &roles) {
        if let Some((src, dst)) = audit::pair_endpoints(net, a, b) {
            out.push(probe(
                ProbeKind::Isolation,
                vpc_name(a),
                vpc_name(b),
                audit::routing(&src.id, &dst.to_string()),
            ));
        }
    }
    out
}
