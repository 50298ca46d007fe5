//! The path engine: a packet traced hop by hop across VPCs, Transit Gateways,
//! peerings, Network Firewall, NAT and internet gateways, both directions, from the
//! estate already read (no AWS call).
//!
//! Invariants:
//! - Every hop names the object and the rule that decided (the route, the firewall
//!   rule, the AZ choice), asked of [`crate::net`]'s one implementation of each rule
//!   (longest prefix match, target resolution, firewall evaluation).
//! - Exact, or say so: what the estate cannot tell (a prefix list, an appliance behind
//!   a Gateway Load Balancer endpoint, a firewall rule outside the supported subset, a
//!   region not loaded) makes the verdict `unverified`, naming what was not evaluated.
//!   Network ACLs and security groups are hops where the estate holds them
//!   ([`filters`]); where it does not, `notes` says which were not read.
//! - A choice AWS makes by flow hash (ECMP, the AZ of an appliance-mode attachment) is
//!   a branch: the trace follows the first option and lists the verdict of every other
//!   one in `alternatives`, so nothing depends on a guessed hash.
//! - Terminates on any estate: a position seen twice is a routing loop (named), and a
//!   path is cut at [`MAX_HOPS`].
//! - An address answered without leaving the instance (169.254.169.254 and AWS's
//!   other link-local services, the VPC's DNS resolver at its base + 2) is never
//!   routed: its verdict names the service ([`local`]).

mod filters;
mod local;
mod walk;

#[cfg(test)]
pub(crate) mod tests;

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::findings::{ObjectKind, ObjectRef};
use super::firewall::{FlowSpec, Protocol};
use super::index::Net;
use crate::model::Subnet;
use crate::text::quote;

pub use walk::MAX_HOPS;

/// What the operator asked: `trace FROM TO [--proto] [--port] [--sni]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceQuery {
    /// An instance id, an ENI id, a subnet id, or an IP inside a known subnet.
    pub from: String,
    /// An IP (private or public), an instance id, or `internet`.
    pub to: String,
    pub protocol: Option<Protocol>,
    pub port: Option<u16>,
    /// The TLS server name the firewall sees (implies tcp/443).
    pub sni: Option<String>,
    /// The HTTP Host header the firewall sees, for plain HTTP (implies tcp/80).
    pub http_host: Option<String>,
    /// Routing only: firewall endpoints are crossed without applying their policy
    /// (the audit asks whether routing gets packets there and back).
    pub routing_only: bool,
}

/// A query that names nothing the estate holds, or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TraceError(pub String);

/// The address `internet` is traced as: any public address would do; this one is in
/// a documentation range, so it never names a real host.
pub const INTERNET_PROBE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 80));

/// What a hop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    /// Where the packet starts (instance, ENI, subnet, address).
    Source,
    /// A VPC route table decided.
    VpcRouteTable,
    /// Into a Transit Gateway through an attachment's interface.
    TgwAttachment,
    /// A TGW route table decided.
    TgwRouteTable,
    /// Across a TGW peering to the peer region.
    TgwPeering,
    /// Out of a Transit Gateway into a VPC, through its attachment's interface.
    VpcAttachment,
    /// A Network Firewall endpoint evaluated its policy.
    Firewall,
    /// An appliance endpoint (Gateway Load Balancer) whose appliance is not evaluated.
    Appliance,
    NatGateway,
    InternetGateway,
    VpcEndpoint,
    VpcPeering,
    /// Out of AWS through a VPN, Direct Connect or Connect attachment.
    LeavesAws,
    /// Arrived.
    Destination,
    /// A network ACL allowed the packet out of or into a subnet.
    NetworkAcl,
    /// A security group allowed the packet out of or into an interface.
    SecurityGroup,
    /// Dropped here.
    Drop,
}

impl HopKind {
    /// The word a hop kind is shown with (as `kind` in JSON, in kebab case).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::VpcRouteTable => "vpc-route-table",
            Self::TgwAttachment => "tgw-attachment",
            Self::TgwRouteTable => "tgw-route-table",
            Self::TgwPeering => "tgw-peering",
            Self::VpcAttachment => "vpc-attachment",
            Self::Firewall => "firewall",
            Self::Appliance => "appliance",
            Self::NatGateway => "nat-gateway",
            Self::InternetGateway => "internet-gateway",
            Self::VpcEndpoint => "vpc-endpoint",
            Self::VpcPeering => "vpc-peering",
            Self::LeavesAws => "leaves-aws",
            Self::Destination => "destination",
            Self::NetworkAcl => "network-acl",
            Self::SecurityGroup => "security-group",
            Self::Drop => "drop",
        }
    }
}

/// One hop: the object, where it is, and the rule that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub kind: HopKind,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub region: String,
    pub az: Option<String>,
    /// What happened here, in words (`forward to tgw-attach-… (inspection)`).
    pub decision: String,
    /// The rule that decided (`0.0.0.0/0 → tgw-… (explicit association)`).
    pub rule: String,
    /// Where Enter jumps in the console.
    #[serde(skip)]
    pub object: Option<ObjectRef>,
}

/// How a trace ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    /// Arrived at the destination address.
    Delivered { to: String },
    /// Left through an internet gateway with this public source address.
    ReachesInternet { egress_ip: IpAddr, via: String },
    /// Dropped at a hop.
    Dropped { at: String, reason: String },
    /// Left AWS through a VPN, Direct Connect or Connect attachment.
    LeavesAws { via: String },
    /// Something on the path was not evaluated; `otherwise` is what the trace found
    /// assuming it lets the packet through (`None` when the trace could not go on).
    Unverified {
        not_evaluated: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        otherwise: Option<Box<Verdict>>,
    },
}

impl Verdict {
    /// The verdict in one line: `delivered`, `reaches internet as …`, `dropped at …`.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Delivered { to } => format!("delivered to {to}"),
            Self::ReachesInternet { egress_ip, via } => {
                format!("reaches internet as {egress_ip} via {via}")
            }
            Self::Dropped { at, reason } => format!("dropped at {at}: {reason}"),
            Self::LeavesAws { via } => format!("leaves AWS via {via}"),
            Self::Unverified {
                not_evaluated,
                otherwise,
            } => match otherwise {
                Some(v) => format!(
                    "unverified: not evaluated: {}; otherwise {}",
                    not_evaluated.join("; "),
                    v.summary()
                ),
                None => format!("unverified: not evaluated: {}", not_evaluated.join("; ")),
            },
        }
    }

    /// The verdict once what was not evaluated is set aside.
    #[must_use]
    pub fn settled(&self) -> &Verdict {
        match self {
            Self::Unverified {
                otherwise: Some(v), ..
            } => v.settled(),
            other => other,
        }
    }

    /// True when the packet arrives (delivered, reaches the internet, leaves AWS),
    /// setting aside what was not evaluated.
    #[must_use]
    pub fn arrives(&self) -> bool {
        matches!(
            self.settled(),
            Self::Delivered { .. } | Self::ReachesInternet { .. } | Self::LeavesAws { .. }
        )
    }
}

/// A path the flow hash could have taken instead of the traced one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    /// The choices that differ from the traced path (`us-east-1b for tgw-attach-…`).
    pub choices: Vec<String>,
    pub verdict: Verdict,
    /// The firewall endpoints this path crosses.
    pub firewalls: Vec<String>,
}

/// One direction of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Path {
    pub hops: Vec<Hop>,
    pub verdict: Verdict,
    /// Firewall endpoints (`vpce-…`) crossed, in order.
    pub firewalls: Vec<String>,
}

/// The flow as traced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowView {
    pub protocol: Protocol,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub dst_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The HTTP Host header (plain HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_host: Option<String>,
    /// `internet` when the destination was given that way.
    pub to: String,
}

/// A whole trace: the forward path, the return path, and whether both cross the
/// same firewall endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub flow: FlowView,
    pub hops: Vec<Hop>,
    pub verdict: Verdict,
    pub return_hops: Vec<Hop>,
    /// `None` when the forward path does not arrive (nothing comes back).
    pub return_verdict: Option<Verdict>,
    /// Both directions cross the same firewall endpoints (true when neither crosses
    /// one, and when nothing comes back: `return_verdict` is then `None`). A stateful
    /// firewall that sees one direction only drops the flow.
    pub symmetric: bool,
    pub firewalls: Vec<String>,
    pub return_firewalls: Vec<String>,
    /// Paths the flow hash could take instead, with their verdicts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// What every trace leaves out (security groups, network ACLs) and other caveats.
    pub notes: Vec<String>,
}

/// Where a trace starts.
#[derive(Debug, Clone)]
pub(crate) struct Origin<'a> {
    pub subnet: &'a Subnet,
    pub ip: IpAddr,
    /// Shown as the first hop.
    pub hop: Hop,
    /// The security groups of the sending interface (empty: none known).
    pub groups: Vec<String>,
}

/// Where a trace goes.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub ip: IpAddr,
    /// `internet`, an instance id, or the address as given.
    pub label: String,
}

/// Traces `query` over the estate.
///
/// # Errors
/// A [`TraceError`] naming what the query gets wrong: an id the estate does not hold,
/// an address in no known subnet, a port without a protocol that has ports.
pub fn trace(net: &Net<'_>, query: &TraceQuery) -> Result<Trace, TraceError> {
    let (protocol, port) = match (&query.sni, query.protocol, query.port) {
        (Some(_), None | Some(Protocol::Tcp), None) => (Protocol::Tcp, Some(443)),
        (Some(_), None | Some(Protocol::Tcp), Some(p)) => (Protocol::Tcp, Some(p)),
        (Some(_), Some(p), _) => {
            return Err(TraceError(format!(
                "--sni is a TLS server name: it needs tcp, not {}",
                p.as_str()
            )));
        }
        (None, Some(Protocol::Icmp), Some(_)) => {
            return Err(TraceError("icmp has no ports: drop --port".into()));
        }
        (None, Some(p), port) => (p, port),
        (None, None, Some(p)) => (Protocol::Tcp, Some(p)),
        (None, None, None) if query.http_host.is_some() => (Protocol::Tcp, Some(80)),
        (None, None, None) => (Protocol::Tcp, Some(443)),
    };
    if query.http_host.is_some() && (query.sni.is_some() || protocol != Protocol::Tcp) {
        return Err(TraceError(
            "an HTTP Host is plain HTTP over tcp: drop --sni (TLS) or the other protocol".into(),
        ));
    }
    let origin = resolve_from(net, &query.from)?;
    let target = resolve_to(net, &query.to)?;
    if origin.ip.is_ipv4() != target.ip.is_ipv4() {
        return Err(TraceError(format!(
            "FROM is {} and TO is {}: a packet keeps its address family (IPv4 or IPv6)",
            origin.ip, target.ip
        )));
    }
    let flow = FlowSpec {
        protocol,
        src: origin.ip,
        dst: target.ip,
        src_port: None,
        dst_port: port,
        sni: query.sni.clone(),
        http_host: query.http_host.clone(),
    };
    if let Some(t) = local::answered_locally(net, &origin, &target, &flow) {
        return Ok(t);
    }
    Ok(walk::run(net, &origin, &target, &flow, query.routing_only))
}

fn hop(kind: HopKind, object: ObjectRef, name: Option<&str>, az: Option<&str>) -> Hop {
    Hop {
        kind,
        id: object.id.clone(),
        name: name.map(str::to_string),
        region: object.region.clone(),
        az: az.map(str::to_string),
        decision: String::new(),
        rule: String::new(),
        object: Some(object),
    }
}

fn resolve_from<'a>(net: &Net<'a>, from: &str) -> Result<Origin<'a>, TraceError> {
    let from = from.trim();
    let subnet_of = |region: &str, id: &str, what: &str| {
        net.subnet_in(region, id).ok_or_else(|| {
            TraceError(format!(
                "{what} is in subnet {id}, which the estate does not hold"
            ))
        })
    };
    if from.starts_with("i-") {
        let inst = net.instance(from).ok_or_else(|| {
            TraceError(format!("no instance {} in the loaded regions", quote(from)))
        })?;
        let sid = inst
            .subnet_id
            .as_deref()
            .ok_or_else(|| TraceError(format!("instance {from} has no subnet (not in a VPC?)")))?;
        let ip = inst
            .private_ip
            .ok_or_else(|| TraceError(format!("instance {from} has no private IP")))?;
        let subnet = subnet_of(&inst.region, sid, &format!("instance {from}"))?;
        let mut h = hop(
            HopKind::Source,
            ObjectRef::new(ObjectKind::Instance, &inst.id, &inst.region),
            inst.name.as_deref(),
            Some(&subnet.availability_zone),
        );
        h.decision = format!("sends from {ip}");
        h.rule = match inst.public_ip {
            Some(p) => format!("in {}; public IP {p}", subnet.id),
            None => format!("in {}; no public IP", subnet.id),
        };
        return Ok(Origin {
            subnet,
            ip,
            hop: h,
            groups: inst.security_group_ids.clone(),
        });
    }
    if from.starts_with("eni-") {
        let eni = net.network_interface(from).ok_or_else(|| {
            TraceError(format!(
                "no network interface {} in the loaded regions",
                quote(from)
            ))
        })?;
        let ip = *eni
            .private_ips
            .first()
            .ok_or_else(|| TraceError(format!("network interface {from} has no private IP")))?;
        let subnet = subnet_of(&eni.region, &eni.subnet_id, &format!("interface {from}"))?;
        let mut h = hop(
            HopKind::Source,
            ObjectRef::new(ObjectKind::Subnet, &subnet.id, &eni.region),
            eni.description.as_deref(),
            Some(&subnet.availability_zone),
        );
        h.id = eni.id.clone();
        h.decision = format!("sends from {ip}");
        h.rule = format!("{} interface in {}", eni.interface_type, subnet.id);
        return Ok(Origin {
            subnet,
            ip,
            hop: h,
            groups: eni.security_group_ids.clone(),
        });
    }
    if from.starts_with("subnet-") {
        let subnet = net.subnet(from).ok_or_else(|| {
            TraceError(format!("no subnet {} in the loaded regions", quote(from)))
        })?;
        let cidr = subnet
            .cidr
            .ok_or_else(|| TraceError(format!("subnet {from} has no IPv4 CIDR")))?;
        let ip = first_host(cidr);
        let mut h = hop(
            HopKind::Source,
            ObjectRef::new(ObjectKind::Subnet, &subnet.id, &subnet.region),
            subnet.name.as_deref(),
            Some(&subnet.availability_zone),
        );
        h.decision = format!("sends from {ip}");
        h.rule = format!("first host AWS leaves usable in {cidr}");
        return Ok(Origin {
            subnet,
            ip,
            hop: h,
            groups: Vec::new(),
        });
    }
    let ip: IpAddr = from.parse().map_err(|_| {
        TraceError(format!(
            "FROM `{}` is not an instance (i-…), interface (eni-…), subnet (subnet-…) or IP address",
            quote(from)
        ))
    })?;
    let subnet = *net
        .subnets_containing(ip)
        .first()
        .ok_or_else(|| TraceError(format!("{ip} is in no subnet the estate holds")))?;
    let mut h = hop(
        HopKind::Source,
        ObjectRef::new(ObjectKind::Subnet, &subnet.id, &subnet.region),
        subnet.name.as_deref(),
        Some(&subnet.availability_zone),
    );
    h.decision = format!("sends from {ip}");
    h.rule = format!(
        "{ip} is in {}",
        subnet.cidr.map_or_else(String::new, |c| c.to_string())
    );
    // An address an instance holds sends with that instance's groups.
    let groups = net
        .region(&subnet.region)
        .and_then(|r| r.instances.iter().find(|i| i.private_ip == Some(ip)))
        .map(|i| i.security_group_ids.clone())
        .unwrap_or_default();
    Ok(Origin {
        subnet,
        ip,
        hop: h,
        groups,
    })
}

/// The first address AWS leaves usable in a subnet (it reserves the first four).
#[must_use]
pub fn first_host(cidr: IpNet) -> IpAddr {
    match cidr {
        IpNet::V4(n) => {
            let base = u32::from(n.network());
            let host = if n.prefix_len() <= 28 { base + 4 } else { base };
            IpAddr::V4(host.into())
        }
        IpNet::V6(n) => {
            let base = u128::from(n.network());
            IpAddr::V6((base + 4).into())
        }
    }
}

fn resolve_to(net: &Net<'_>, to: &str) -> Result<Target, TraceError> {
    let to = to.trim();
    if to.eq_ignore_ascii_case("internet") {
        return Ok(Target {
            ip: INTERNET_PROBE,
            label: "internet".into(),
        });
    }
    if to.starts_with("i-") {
        let inst = net.instance(to).ok_or_else(|| {
            TraceError(format!("no instance {} in the loaded regions", quote(to)))
        })?;
        let ip = inst
            .private_ip
            .ok_or_else(|| TraceError(format!("instance {to} has no private IP")))?;
        return Ok(Target {
            ip,
            label: to.to_string(),
        });
    }
    let ip: IpAddr = to.parse().map_err(|_| {
        TraceError(format!(
            "TO `{}` is not an IP address, an instance (i-…) or `internet`",
            quote(to)
        ))
    })?;
    Ok(Target {
        ip,
        label: ip.to_string(),
    })
}

/// True for an address an internet gateway forwards to or from: not private
/// (RFC 1918), shared (RFC 6598), loopback, link-local, multicast or reserved.
/// Documentation ranges count as public (the demo uses them for its Elastic IPs).
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}
