//! Destinations answered without the packet leaving the instance: AWS's link-local
//! services (instance metadata at 169.254.169.254, the Amazon DNS resolver at
//! 169.254.169.253, the time sync service at 169.254.169.123, and their Nitro IPv6
//! addresses `fd00:ec2::…`) and the VPC's Amazon-provided DNS resolver at the base of
//! its primary CIDR plus two.
//!
//! Invariants:
//! - No route table, gateway or firewall is consulted for them: link-local traffic is
//!   never forwarded by the VPC (169.254.0.0/16 is not routable), and the resolver
//!   answers inside the VPC. A default route to a NAT or internet gateway changes
//!   nothing.
//! - The verdict names the service. A flow the service does not answer is said:
//!   a ping is dropped (none of them answers ICMP echo), another port arrives and is
//!   refused there (a note).
//! - Any other link-local address is dropped at the source: nothing routes it.

use std::net::IpAddr;

use super::{FlowView, Hop, HopKind, Origin, Target, Trace, Verdict};
use crate::net::findings::{ObjectKind, ObjectRef};
use crate::net::firewall::{FlowSpec, Protocol};
use crate::net::index::Net;

/// A service answered on the instance's host (or inside the VPC).
struct Service {
    /// In words, as the verdict names it.
    name: String,
    /// What the service answers: protocol and port.
    serves: &'static [(Protocol, u16)],
    /// Why the packet never leaves: `link-local: …` or `answered inside the VPC…`.
    why: String,
    object: Option<ObjectRef>,
}

const LINK_LOCAL: &str = "link-local, answered on the instance's host, never routed";
const ON_HOST: &str = "answered on the instance's host (Nitro), never routed";

/// The AWS service at a well-known address, if `ip` is one.
fn well_known(ip: IpAddr) -> Option<(&'static str, &'static [(Protocol, u16)])> {
    const DNS: &[(Protocol, u16)] = &[(Protocol::Udp, 53), (Protocol::Tcp, 53)];
    Some(match ip.to_string().as_str() {
        "169.254.169.254" | "fd00:ec2::254" => {
            ("instance metadata service (IMDS)", &[(Protocol::Tcp, 80)])
        }
        "169.254.169.253" | "fd00:ec2::253" => ("Amazon DNS resolver (Route 53 Resolver)", DNS),
        "169.254.169.123" | "fd00:ec2::123" => {
            ("Amazon Time Sync Service (NTP)", &[(Protocol::Udp, 123)])
        }
        _ => return None,
    })
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// The VPC's Amazon-provided DNS resolver address: its primary IPv4 CIDR's base + 2.
fn vpc_resolver(net: &Net<'_>, origin: &Origin<'_>, ip: IpAddr) -> Option<Service> {
    let vpc = net.subnet_vpc(origin.subnet)?;
    let primary = vpc.cidr_blocks.iter().find(|c| c.addr().is_ipv4())?;
    let ipnet::IpNet::V4(v4) = primary else {
        return None;
    };
    let resolver = IpAddr::V4(u32::from(v4.network()).checked_add(2)?.into());
    (resolver == ip).then(|| Service {
        name: format!("Amazon-provided DNS resolver of {}", vpc.id),
        serves: &[(Protocol::Udp, 53), (Protocol::Tcp, 53)],
        why: format!(
            "the VPC's base {} + 2, answered inside the VPC, never routed",
            v4.network()
        ),
        object: Some(ObjectRef::new(ObjectKind::Vpc, &vpc.id, &vpc.region)),
    })
}

/// The trace of a flow to an address answered without leaving the instance, or
/// `None` when the destination is routed as usual.
pub(super) fn answered_locally(
    net: &Net<'_>,
    origin: &Origin<'_>,
    target: &Target,
    flow: &FlowSpec,
) -> Option<Trace> {
    let ip = target.ip;
    let service = match well_known(ip) {
        Some((name, serves)) => Some(Service {
            name: name.to_string(),
            serves,
            why: if ip.is_ipv4() { LINK_LOCAL } else { ON_HOST }.to_string(),
            object: None,
        }),
        None => vpc_resolver(net, origin, ip),
    };
    let subnet = origin.subnet;
    let mut hop = Hop {
        kind: HopKind::Destination,
        id: ip.to_string(),
        name: None,
        region: subnet.region.clone(),
        az: Some(subnet.availability_zone.clone()),
        decision: String::new(),
        rule: String::new(),
        object: None,
    };
    let mut notes = Vec::new();
    let (verdict, return_verdict) = match service {
        None if is_link_local(ip) => {
            hop.kind = HopKind::Drop;
            hop.decision = "dropped".into();
            hop.rule = "link-local: the VPC forwards no link-local traffic".into();
            let reason = format!(
                "{ip} is link-local: it never leaves the instance and no AWS service answers there (the instance's link-local services are 169.254.169.254, .253 and .123)"
            );
            (
                Verdict::Dropped {
                    at: ip.to_string(),
                    reason,
                },
                None,
            )
        }
        None => return None,
        Some(s) => {
            let served = s
                .serves
                .iter()
                .any(|(p, port)| *p == flow.protocol && flow.dst_port.is_none_or(|d| d == *port));
            let serves = s
                .serves
                .iter()
                .map(|(p, port)| format!("{}/{port}", p.as_str()))
                .collect::<Vec<_>>()
                .join(" and ");
            hop.name = Some(s.name.clone());
            hop.object = s.object.clone();
            hop.rule = s.why.clone();
            if flow.protocol == Protocol::Icmp {
                hop.kind = HopKind::Drop;
                hop.decision = "no answer to ping".into();
                let reason = format!(
                    "the {} at {ip} does not answer ping, only {serves} ({})",
                    s.name, s.why
                );
                (
                    Verdict::Dropped {
                        at: ip.to_string(),
                        reason,
                    },
                    None,
                )
            } else {
                hop.decision = format!("answered by the {}", s.name);
                if !served {
                    notes.push(format!(
                        "the {} answers {serves} only: {}{} is refused there",
                        s.name,
                        flow.protocol.as_str(),
                        flow.dst_port.map_or_else(String::new, |p| format!("/{p}"))
                    ));
                }
                let back = Verdict::Delivered {
                    to: format!("{} ({})", origin.ip, origin.hop.id),
                };
                (
                    Verdict::Delivered {
                        to: format!("the {} at {ip}: {}", s.name, s.why),
                    },
                    Some(back),
                )
            }
        }
    };
    Some(Trace {
        flow: FlowView {
            protocol: flow.protocol,
            src: flow.src,
            dst: flow.dst,
            dst_port: flow.dst_port,
            sni: flow.sni.clone(),
            http_host: flow.http_host.clone(),
            to: target.label.clone(),
        },
        hops: vec![origin.hop.clone(), hop],
        verdict,
        return_hops: Vec::new(),
        return_verdict,
        symmetric: true,
        firewalls: Vec::new(),
        return_firewalls: Vec::new(),
        alternatives: Vec::new(),
        notes,
    })
}
