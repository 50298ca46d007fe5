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
//! TODO(fw helper): the semantics below are the contract; bodies are being written.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{FirewallPolicy, RuleGroup};

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
    let _ = (input, flow);
    todo!("fw helper")
}

/// Evaluates the server → client packets of `flow` at a firewall endpoint.
/// `saw_forward`: true when the same endpoint passed the forward direction (its
/// stateful engine holds the flow); false on an asymmetric path.
#[must_use]
pub fn evaluate_return(input: &PolicyInput<'_>, flow: &FlowSpec, saw_forward: bool) -> Evaluation {
    let _ = (input, flow, saw_forward);
    todo!("fw helper")
}
