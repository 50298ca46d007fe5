//! What the path engine expects of a live egress probe, and the verdict a live
//! answer earns: the reasoning half of `probe egress` and `probe ping` (the running
//! half is [`crate::probe`]).
//!
//! Invariants:
//! - Pure: the estate in, expectations and verdicts out. Every expectation is a
//!   [`trace`] of the probe's own flow (the instance to the internet, TCP to the URL's
//!   port, the URL's host as TLS SNI for https), never re-derived here.
//! - Central egress IPs are the public IPs of the NAT gateways in hub VPCs (the
//!   audit's roles: inspection VPCs and VPCs a TGW default route leads to, holding a
//!   NAT gateway). A spoke's expected IPs are the NAT public IPs its traced path
//!   reaches, in every AZ the flow hash could pick.
//! - A live answer the engine did not predict is said (`disagreement`): the
//!   difference is a finding in itself (a security group, a network ACL, a change not
//!   yet read).

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::Serialize;

use super::Net;
use super::audit::Roles;
use super::firewall::Protocol;
use super::trace::{self, HopKind, Trace, TraceQuery, Verdict};
use crate::error::{CommandError, ErrorKind};
use crate::model::{Instance, PingStatus, Vpc};

/// Which spokes and instances a probe runs on.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only this VPC (id or name).
    pub vpc: Option<String>,
    /// Probe from these instances (their VPCs become the probed ones).
    pub instances: Vec<String>,
}

/// The probe's flow: the URL's host and port, TLS or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

/// What the engine says the probe's flow does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    /// Out through a central NAT gateway.
    Centralized { ip: IpAddr, nat: String },
    /// Out with another address: `route` is the route that lets the spoke out.
    Leak { ip: IpAddr, route: String },
    /// Dropped: `at` the hop, `reason` the rule or default action.
    Blocked { at: String, reason: String },
    /// No internet path by design: the spoke's own route table `at` has no route
    /// for the flow. Nothing is expected to answer.
    Isolated { at: String },
    /// The engine could not tell (what was not evaluated, or not traceable).
    NotEvaluated { why: String },
}

impl Expectation {
    /// In words.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Centralized { ip, nat } => format!("centralized as {ip} ({nat})"),
            Self::Leak { ip, route } => format!("leaks as {ip} through {route}"),
            Self::Blocked { at, reason } => format!("dropped at {at}: {reason}"),
            Self::Isolated { at } => {
                format!("isolated: no internet path ({at} has no route for it), none expected")
            }
            Self::NotEvaluated { why } => format!("not evaluated: {why}"),
        }
    }
}

/// One spoke to probe: where from, what the engine expects.
#[derive(Debug, Clone, Serialize)]
pub struct EgressTarget {
    /// The spoke's name, else its VPC id.
    pub spoke: String,
    pub vpc_id: String,
    pub region: String,
    /// The instance to probe from, when one can be used.
    pub instance_id: Option<String>,
    /// Why the spoke cannot be probed live (no instance, agent not online…).
    pub unprobeable: Option<String>,
    /// The NAT public IPs the engine says the spoke's traffic reaches (any AZ).
    pub expected: Vec<IpAddr>,
    /// Every central NAT public IP (hub VPCs), for the verdict.
    pub central: Vec<IpAddr>,
    pub engine: Expectation,
    /// The engine's trace of the probe's flow (none when it could not be traced).
    #[serde(skip)]
    pub trace: Option<Trace>,
}

/// A live probe's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EgressVerdict {
    Centralized,
    Leak,
    Blocked,
    /// No answer from a spoke with no internet path by design: not a failure.
    Isolated,
    Unprobeable,
}

impl EgressVerdict {
    /// The word shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Centralized => "centralized",
            Self::Leak => "leak",
            Self::Blocked => "blocked",
            Self::Isolated => "isolated",
            Self::Unprobeable => "unprobeable",
        }
    }

    /// True for the verdicts that fail a batch run (exit 3).
    #[must_use]
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Leak | Self::Blocked)
    }
}

/// What came back from the instance, classified by [`crate::probe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    /// The echo service answered this address.
    Ip { ip: IpAddr },
    /// No answer: a timeout, a refused or reset connection (`detail` says which).
    NoAnswer { detail: String },
    /// The probe itself could not run or answered something unusable.
    Unusable { detail: String },
}

/// A verdict with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub verdict: EgressVerdict,
    pub observed_ip: Option<IpAddr>,
    /// Why, in words: the route that leaks, the hop that drops, the reason it could
    /// not be probed.
    pub reason: String,
    /// When the live answer is not what the engine predicted: the difference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
}

/// The public IPs of the NAT gateways in hub VPCs (every loaded region).
#[must_use]
pub fn central_ips(net: &Net<'_>) -> Vec<IpAddr> {
    hub_nat_ips(net, &Roles::of(net))
}

fn hub_nat_ips(net: &Net<'_>, roles: &Roles<'_>) -> Vec<IpAddr> {
    let mut out: BTreeSet<IpAddr> = BTreeSet::new();
    for r in net.regions() {
        for n in &r.nat_gateways {
            if roles.hubs.contains(&(r.region.clone(), n.vpc_id.clone())) {
                out.extend(n.public_ips.iter().copied());
            }
        }
    }
    out.into_iter().collect()
}

/// The NAT gateway whose public IP this is (`nat-… (name)`).
fn nat_of(net: &Net<'_>, ip: IpAddr) -> Option<String> {
    net.regions()
        .flat_map(|r| r.nat_gateways.iter())
        .find(|n| n.public_ips.contains(&ip))
        .map(|n| match &n.name {
            Some(name) => format!("{} ({name})", n.id),
            None => n.id.clone(),
        })
}

/// The route that sends the flow out of the spoke to an internet or NAT gateway
/// outside the hubs: `0.0.0.0/0 → igw-… in rtb-… (name)`.
fn leaking_route(t: &Trace) -> String {
    for w in t.hops.windows(2) {
        if w[0].kind == HopKind::VpcRouteTable
            && matches!(w[1].kind, HopKind::InternetGateway | HopKind::NatGateway)
        {
            let rule = w[0].rule.split(';').next().unwrap_or_default().trim();
            let name = w[0]
                .name
                .as_deref()
                .map_or_else(String::new, |n| format!(" ({n})"));
            return format!("route {rule} in {}{name}", w[0].id);
        }
    }
    t.hops
        .iter()
        .rev()
        .find(|h| h.kind == HopKind::InternetGateway)
        .map_or_else(
            || "a path the trace does not show".to_string(),
            |h| format!("internet gateway {}", h.id),
        )
}

/// The engine's expectation of one traced flow.
#[must_use]
pub fn expectation(net: &Net<'_>, t: &Trace, central: &[IpAddr]) -> Expectation {
    let not_evaluated = match &t.verdict {
        Verdict::Unverified { not_evaluated, .. } => Some(not_evaluated.join("; ")),
        _ => None,
    };
    match t.verdict.settled() {
        Verdict::ReachesInternet { egress_ip, .. } => {
            let back = t.return_verdict.as_ref().is_some_and(Verdict::arrives);
            if !back || !t.symmetric {
                let why = if t.symmetric {
                    "the reply does not come back".to_string()
                } else {
                    "the reply crosses other firewall endpoints (asymmetric): the stateful firewall drops the flow".to_string()
                };
                let at = t
                    .return_hops
                    .last()
                    .map_or_else(|| "the return path".to_string(), |h| h.id.clone());
                return Expectation::Blocked { at, reason: why };
            }
            if central.contains(egress_ip) {
                Expectation::Centralized {
                    ip: *egress_ip,
                    nat: nat_of(net, *egress_ip).unwrap_or_else(|| "a central NAT".into()),
                }
            } else {
                Expectation::Leak {
                    ip: *egress_ip,
                    route: leaking_route(t),
                }
            }
        }
        Verdict::Dropped { at, reason } => match not_evaluated {
            Some(why) => Expectation::NotEvaluated {
                why: format!("{why} (otherwise dropped at {at}: {reason})"),
            },
            // No route in the spoke's own route table, before the flow left its
            // VPC: a spoke kept off the internet on purpose.
            None if at.starts_with("rtb-")
                && reason.starts_with("no route to")
                && t.hops
                    .iter()
                    .take_while(|h| h.id != *at)
                    .all(|h| !h.id.starts_with("tgw-")) =>
            {
                Expectation::Isolated { at: at.clone() }
            }
            None => Expectation::Blocked {
                at: at.clone(),
                reason: reason.clone(),
            },
        },
        Verdict::Delivered { to } => Expectation::Blocked {
            at: to.clone(),
            reason: "the flow is delivered inside AWS, not to the internet".into(),
        },
        Verdict::LeavesAws { via } => Expectation::NotEvaluated {
            why: format!("the flow leaves AWS via {via} (on-premises egress is not modelled)"),
        },
        Verdict::Unverified { not_evaluated, .. } => Expectation::NotEvaluated {
            why: not_evaluated.join("; "),
        },
    }
}

/// Every NAT public IP the flow reaches: the traced path's and each flow-hash
/// alternative's.
fn reached_nats(t: &Trace, central: &[IpAddr]) -> Vec<IpAddr> {
    let mut out: BTreeSet<IpAddr> = BTreeSet::new();
    let verdicts = std::iter::once(&t.verdict).chain(t.alternatives.iter().map(|a| &a.verdict));
    for v in verdicts {
        if let Verdict::ReachesInternet { egress_ip, .. } = v.settled()
            && central.contains(egress_ip)
        {
            out.insert(*egress_ip);
        }
    }
    out.into_iter().collect()
}

/// The trace query of the probe's flow from `from`.
#[must_use]
pub fn flow_query(from: &str, flow: &Flow) -> TraceQuery {
    TraceQuery {
        from: from.to_string(),
        to: "internet".into(),
        protocol: Some(Protocol::Tcp),
        port: Some(flow.port),
        sni: flow.tls.then(|| flow.host.clone()),
        routing_only: false,
        http_host: (!flow.tls).then(|| flow.host.clone()),
    }
}

/// Why an instance cannot run the probe, if it cannot.
fn unusable(net: &Net<'_>, i: &Instance, vpc: &Vpc, egress_works: bool) -> Option<String> {
    if i.state != "running" {
        return Some(format!("{} is {}, not running", i.id, i.state));
    }
    let Some(ssm) = &i.ssm else {
        let ssm_gap = net.region(&i.region).and_then(|r| {
            r.gaps
                .iter()
                .find(|g| g.part == "ssm" || g.part.starts_with("instances"))
        });
        if let Some(g) = ssm_gap {
            return Some(format!(
                "SSM managed-instance information was not read in {} ({}): cannot tell whether {} is online",
                i.region, g.error, i.id
            ));
        }
        return Some(format!(
            "{} is not managed by SSM (no agent registered: check its instance profile has AmazonSSMManagedInstanceCore){}",
            i.id,
            endpoints_clause(net, vpc, egress_works)
        ));
    };
    if ssm.ping_status != PingStatus::Online {
        return Some(format!(
            "the SSM agent on {} is {}, not Online{}",
            i.id,
            ssm.ping_status,
            endpoints_clause(net, vpc, egress_works)
        ));
    }
    if ssm
        .platform
        .as_deref()
        .is_some_and(|p| p.to_ascii_lowercase().contains("windows"))
    {
        return Some(format!(
            "{} runs Windows: AWS-RunShellScript needs Linux",
            i.id
        ));
    }
    None
}

/// ", and the VPC has no SSM endpoints …" when that explains an agent offline.
fn endpoints_clause(net: &Net<'_>, vpc: &Vpc, egress_works: bool) -> String {
    let have: Vec<&str> = net
        .region(&vpc.region)
        .map(|r| {
            r.vpc_endpoints
                .iter()
                .filter(|e| e.vpc_id == vpc.id && e.endpoint_type.eq_ignore_ascii_case("Interface"))
                .filter_map(|e| e.service_name.rsplit('.').next())
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = ["ssm", "ssmmessages", "ec2messages"]
        .into_iter()
        .filter(|s| !have.contains(s))
        .collect();
    if missing.is_empty() || egress_works {
        String::new()
    } else {
        format!(
            "; the VPC has no {} interface endpoint{} and no internet path, so an agent there cannot reach SSM",
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" }
        )
    }
}

/// Something named that the loaded regions do not hold.
fn not_found(message: String) -> CommandError {
    CommandError::new(ErrorKind::NotFound, message)
}

/// The spokes to probe (or the VPCs of the named instances), each with an instance
/// to probe from or the reason there is none, and what the engine expects.
///
/// # Errors
/// A VPC or instance named that the estate does not hold.
pub fn targets(
    net: &Net<'_>,
    sel: &Selection,
    flow: &Flow,
) -> Result<Vec<EgressTarget>, CommandError> {
    let roles = Roles::of(net);
    let central = hub_nat_ips(net, &roles);
    // (vpc, named instance) pairs to probe.
    let mut picks: Vec<(&Vpc, Option<&Instance>)> = Vec::new();
    for id in &sel.instances {
        let i = net
            .instance(id)
            .ok_or_else(|| not_found(format!("no instance {id} in the loaded regions")))?;
        let vpc_id = i
            .vpc_id
            .as_deref()
            .ok_or_else(|| CommandError::invalid(format!("instance {id} is not in a VPC")))?;
        let vpc = net.vpc_in(&i.region, vpc_id).ok_or_else(|| {
            not_found(format!("instance {id} is in {vpc_id}, which was not read"))
        })?;
        picks.push((vpc, Some(i)));
    }
    if sel.instances.is_empty() {
        match &sel.vpc {
            Some(name) => {
                let vpc = net
                    .regions()
                    .flat_map(|r| r.vpcs.iter())
                    .find(|v| v.id == *name || v.name.as_deref() == Some(name.as_str()))
                    .ok_or_else(|| not_found(format!("no VPC {name} in the loaded regions")))?;
                picks.push((vpc, None));
            }
            None => picks.extend(roles.spokes.iter().map(|(v, _)| (*v, None))),
        }
    } else if let Some(name) = &sel.vpc {
        picks.retain(|(v, _)| v.id == *name || v.name.as_deref() == Some(name.as_str()));
        if picks.is_empty() {
            return Err(CommandError::invalid(format!(
                "none of the named instances is in VPC {name}"
            )));
        }
    }
    let mut out = Vec::new();
    for (vpc, named) in picks {
        let region = net.region(&vpc.region);
        let instances: Vec<&Instance> = match named {
            Some(i) => vec![i],
            None => region
                .map(|r| {
                    r.instances
                        .iter()
                        .filter(|i| i.vpc_id.as_deref() == Some(vpc.id.as_str()))
                        .filter(|i| i.subnet_id.is_some() && i.private_ip.is_some())
                        .collect()
                })
                .unwrap_or_default(),
        };
        // The engine's view from the first instance (else the first subnet).
        let from = instances.first().map(|i| i.id.clone()).or_else(|| {
            net.vpc_subnets(vpc)
                .into_iter()
                .find(|s| s.cidr.is_some())
                .map(|s| s.id.clone())
        });
        let trace = from.and_then(|f| trace::trace(net, &flow_query(&f, flow)).ok());
        let engine = trace.as_ref().map_or_else(
            || Expectation::NotEvaluated {
                why: format!("{} has no subnet to trace from", vpc.id),
            },
            |t| expectation(net, t, &central),
        );
        let egress_works = trace.as_ref().is_some_and(|t| t.verdict.arrives());
        let mut expected = trace
            .as_ref()
            .map(|t| reached_nats(t, &central))
            .unwrap_or_default();
        if expected.is_empty() {
            // The spoke reaches no central NAT: expect its region's hub NATs.
            expected = region
                .map(|r| {
                    r.nat_gateways
                        .iter()
                        .filter(|n| roles.hubs.contains(&(r.region.clone(), n.vpc_id.clone())))
                        .flat_map(|n| n.public_ips.iter().copied())
                        .collect()
                })
                .unwrap_or_default();
        }
        // The instance: the first usable one, else why none is.
        let mut why_not: Vec<String> = Vec::new();
        let mut chosen: Option<&Instance> = None;
        for i in &instances {
            match unusable(net, i, vpc, egress_works) {
                None => {
                    chosen = Some(i);
                    break;
                }
                Some(why) => why_not.push(why),
            }
        }
        let mut target = EgressTarget {
            spoke: super::baseline::vpc_name(vpc),
            vpc_id: vpc.id.clone(),
            region: vpc.region.clone(),
            instance_id: None,
            unprobeable: None,
            expected,
            central: central.clone(),
            engine,
            trace: None,
        };
        match chosen {
            Some(i) => {
                target.instance_id = Some(i.id.clone());
                // The engine's view from the chosen instance itself.
                if instances.first().map(|f| &f.id) != Some(&i.id)
                    && let Ok(t) = trace::trace(net, &flow_query(&i.id, flow))
                {
                    target.engine = expectation(net, &t, &central);
                    target.trace = Some(t);
                } else {
                    target.trace = trace;
                }
            }
            None => {
                target.instance_id = instances.first().map(|i| i.id.clone());
                target.unprobeable = Some(if instances.is_empty() {
                    format!(
                        "no instance in {} ({}): launch one with the SSM agent, or name one with --instance",
                        target.spoke, vpc.id
                    )
                } else {
                    why_not.join("; ")
                });
                target.trace = trace;
            }
        }
        out.push(target);
    }
    Ok(out)
}

/// The verdict of a live answer, with the engine's explanation and any
/// disagreement.
#[must_use]
pub fn judge(target: &EgressTarget, observed: &Observed) -> Judgement {
    let engine = &target.engine;
    match observed {
        Observed::Ip { ip } if target.central.contains(ip) => {
            let disagreement = match engine {
                Expectation::Centralized { .. } | Expectation::NotEvaluated { .. } => None,
                other => Some(format!(
                    "the engine expected it to be {}; live, it left through a central NAT: a change not yet read? re-read the region",
                    other.summary()
                )),
            };
            Judgement {
                verdict: EgressVerdict::Centralized,
                observed_ip: Some(*ip),
                reason: format!("egress as {ip}, a central NAT Elastic IP"),
                disagreement,
            }
        }
        Observed::Ip { ip } => {
            let (reason, disagreement) = match engine {
                Expectation::Leak { ip: e, route } => (
                    format!(
                        "egress as {ip}, not a central NAT IP: {route} lets {} out",
                        target.spoke
                    ),
                    (e != ip).then(|| format!("the engine expected {e}, live {ip}")),
                ),
                other => (
                    format!("egress as {ip}, not a central NAT IP"),
                    Some(format!(
                        "the engine expected it to be {}: the live path differs from what netops read (a route or NAT not read, a proxy, a change not yet read)",
                        other.summary()
                    )),
                ),
            };
            Judgement {
                verdict: EgressVerdict::Leak,
                observed_ip: Some(*ip),
                reason,
                disagreement,
            }
        }
        Observed::NoAnswer { detail } if matches!(engine, Expectation::Isolated { .. }) => {
            Judgement {
                verdict: EgressVerdict::Isolated,
                observed_ip: None,
                reason: format!("no answer ({detail}): {}", engine.summary()),
                disagreement: None,
            }
        }
        Observed::NoAnswer { detail } => {
            let (reason, disagreement) = match engine {
                Expectation::Blocked { at, reason } => (
                    format!("no answer ({detail}): dropped at {at}: {reason}"),
                    None,
                ),
                Expectation::NotEvaluated { why } => (
                    format!("no answer ({detail}); the engine could not tell why: {why}"),
                    None,
                ),
                other => (
                    format!("no answer ({detail})"),
                    Some(format!(
                        "the engine expected it to be {}: something netops does not model or did not read stops it (a security group, a network ACL, DNS, a change not yet read)",
                        other.summary()
                    )),
                ),
            };
            Judgement {
                verdict: EgressVerdict::Blocked,
                observed_ip: None,
                reason,
                disagreement,
            }
        }
        Observed::Unusable { detail } => Judgement {
            verdict: EgressVerdict::Unprobeable,
            observed_ip: None,
            reason: detail.clone(),
            disagreement: None,
        },
    }
}

/// What the engine says of a ping from an instance to an address or instance.
#[derive(Debug, Clone, Serialize)]
pub struct PingTarget {
    pub from: String,
    pub region: String,
    /// The address pinged.
    pub to_ip: IpAddr,
    /// As given (an instance id, or the address).
    pub to: String,
    /// The engine: arrives (both ways) or not, in words.
    pub engine_reachable: bool,
    pub engine: String,
    /// Why it cannot be probed live, if it cannot.
    pub unprobeable: Option<String>,
}

/// The engine's view of `probe ping FROM TO`.
///
/// # Errors
/// An instance or address the estate does not hold.
pub fn ping_target(net: &Net<'_>, from: &str, to: &str) -> Result<PingTarget, CommandError> {
    let i = net
        .instance(from)
        .ok_or_else(|| not_found(format!("no instance {from} in the loaded regions (FROM must be an instance: the ping runs on it)")))?;
    let to_ip: IpAddr = if to.starts_with("i-") {
        net.instance(to).and_then(|t| t.private_ip).ok_or_else(|| {
            not_found(format!(
                "no instance {to} with a private IP in the loaded regions"
            ))
        })?
    } else {
        to.parse().map_err(|_| {
            CommandError::invalid(format!(
                "{to:?} is neither an IP address nor an instance id (i-…)"
            ))
        })?
    };
    let t = trace::trace(
        net,
        &TraceQuery {
            from: from.to_string(),
            to: to_ip.to_string(),
            protocol: Some(Protocol::Icmp),
            port: None,
            sni: None,
            routing_only: false,
            http_host: None,
        },
    )
    .map_err(|e| CommandError::invalid(e.0))?;
    let back = t.return_verdict.as_ref().is_some_and(Verdict::arrives);
    let engine_reachable = t.verdict.arrives() && back && t.symmetric;
    let engine = if engine_reachable {
        format!(
            "{}; the reply comes back{}",
            t.verdict.summary(),
            if t.firewalls.is_empty() {
                String::new()
            } else {
                format!(" through {}", t.firewalls.join(", "))
            }
        )
    } else if !t.verdict.arrives() {
        t.verdict.summary()
    } else if !back {
        format!(
            "{}, but the reply is {}",
            t.verdict.summary(),
            t.return_verdict
                .as_ref()
                .map_or_else(|| "lost".to_string(), Verdict::summary)
        )
    } else {
        "asymmetric: the reply crosses other firewall endpoints, and the stateful firewall drops the flow".into()
    };
    let vpc = i.vpc_id.as_deref().and_then(|v| net.vpc_in(&i.region, v));
    let unprobeable = vpc.and_then(|v| unusable(net, i, v, true));
    Ok(PingTarget {
        from: from.to_string(),
        region: i.region.clone(),
        to_ip,
        to: to.to_string(),
        engine_reachable,
        engine,
        unprobeable,
    })
}
