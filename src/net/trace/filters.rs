//! Network ACLs (stateless, per subnet) and security groups (stateful, per interface)
//! for the trace.
//!
//! Semantics (Amazon VPC user guide; "Network ACLs for transit gateways"):
//! - A network ACL's entries run by rule number, lowest first; the first that matches
//!   decides; none matching is the implicit deny (`*`). A subnet without an explicit
//!   association uses its VPC's default ACL. Port ranges match the packet's destination
//!   port. Traffic between interfaces of one subnet is not filtered, except that a
//!   packet from an instance to a transit gateway interface in the same subnet meets
//!   both the outbound and the inbound rules.
//! - A reply's destination port is the client's ephemeral port, unknown here: an entry
//!   decides it only when its range covers all of 1024-65535 or none of it; otherwise
//!   the entry is "not evaluated".
//! - A security group allows only; a packet passes when one rule of one group of the
//!   interface allows it. Replies of an allowed flow pass (stateful). Rules naming
//!   another group match a source whose interface carries that group; a rule naming a
//!   prefix list matches its entries ("not evaluated" when they were not read).
//! - ICMP is taken to be echo (type 8).

use std::net::IpAddr;

use crate::model::{
    NaclEntry, NetworkAcl, PrefixList, RegionEstate, SecurityGroup, SgRule, Subnet,
};

/// What a filter does with a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Filtered {
    Allow(String),
    Deny(String),
    /// The entry that would decide cannot be evaluated.
    Unknown(String),
}

/// The packet as a filter sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Packet {
    pub protocol: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// `None`: an ephemeral port (a reply to the client).
    pub dst_port: Option<u16>,
}

const EPHEMERAL: (u16, u16) = (1024, 65535);
/// ICMP echo request: what `trace --proto icmp` stands for (a ping).
const ICMP_ECHO: i32 = 8;

/// The network ACL of a subnet: its explicit association, else its VPC's default.
pub(super) fn acl_of<'a>(region: &'a RegionEstate, subnet: &Subnet) -> Option<&'a NetworkAcl> {
    region
        .network_acls
        .iter()
        .find(|a| a.subnet_ids.contains(&subnet.id))
        .or_else(|| {
            region
                .network_acls
                .iter()
                .find(|a| a.is_default && a.vpc_id == subnet.vpc_id)
        })
}

fn protocol_matches(rule: &str, protocol: u8) -> bool {
    match rule {
        "-1" | "all" => true,
        "tcp" => protocol == 6,
        "udp" => protocol == 17,
        "icmp" => protocol == 1,
        n => n.parse::<u8>().is_ok_and(|n| n == protocol),
    }
}

fn entry_text(e: &NaclEntry) -> String {
    let ports = match (e.from_port, e.to_port) {
        (Some(f), Some(t)) if f == t => format!(" port {f}"),
        (Some(f), Some(t)) => format!(" ports {f}-{t}"),
        _ => String::new(),
    };
    format!(
        "rule {}: {} {}{} {}",
        e.rule_number,
        if e.allow { "allow" } else { "deny" },
        if e.protocol == "-1" {
            "all"
        } else {
            &e.protocol
        },
        ports,
        e.cidr.map_or_else(|| "-".to_string(), |c| c.to_string())
    )
}

/// Evaluates one direction of an ACL: `egress` for a packet leaving the subnet (the
/// entry's CIDR matches the destination), else entering it (the source).
pub(super) fn acl(acl: &NetworkAcl, egress: bool, p: Packet) -> Filtered {
    let peer = if egress { p.dst } else { p.src };
    let mut entries: Vec<&NaclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    for e in entries {
        if !protocol_matches(&e.protocol, p.protocol) {
            continue;
        }
        if !e.cidr.is_some_and(|c| c.contains(&peer)) {
            continue;
        }
        let ported = matches!(p.protocol, 6 | 17) && e.protocol != "-1";
        if ported && let (Some(from), Some(to)) = (e.from_port, e.to_port) {
            match p.dst_port {
                Some(port) => {
                    if !(from..=to).contains(&i32::from(port)) {
                        continue;
                    }
                }
                None => {
                    let (lo, hi) = (i32::from(EPHEMERAL.0), i32::from(EPHEMERAL.1));
                    if to < lo || from > hi {
                        continue;
                    }
                    if !(from <= lo && to >= hi) {
                        return Filtered::Unknown(format!(
                            "{} of {} (the reply's ephemeral port may fall outside {from}-{to})",
                            entry_text(e),
                            acl.id
                        ));
                    }
                }
            }
        }
        let text = entry_text(e);
        return if e.allow {
            Filtered::Allow(text)
        } else {
            Filtered::Deny(text)
        };
    }
    Filtered::Deny("no entry matches: the implicit deny (*)".into())
}

fn sg_rule_text(g: &SecurityGroup, r: &SgRule) -> String {
    format!("{} allows {} from/to {}", g.id, r.traffic(), r.peers())
}

/// Evaluates an interface's groups: `ingress` for a packet arriving (the rule's peer
/// is the source), else leaving (the destination). `peer_groups` are the groups of
/// the interface at the other end, when known; `lists` the region's prefix lists (a
/// rule naming one allows its entries).
pub(super) fn groups(
    groups: &[&SecurityGroup],
    ingress: bool,
    p: Packet,
    peer_groups: &[String],
    lists: &[PrefixList],
) -> Filtered {
    let peer = if ingress { p.src } else { p.dst };
    let mut unknown = None;
    for g in groups {
        let rules = if ingress { &g.ingress } else { &g.egress };
        for r in rules {
            if !protocol_matches(&r.protocol, p.protocol) {
                continue;
            }
            let ports_ok = match (r.protocol.as_str(), r.from_port, r.to_port) {
                ("-1" | "all", ..) | (_, None, _) | (_, _, None) => true,
                (_, Some(from), Some(to)) if p.protocol == 1 => {
                    from == -1 || from == ICMP_ECHO || to == -1
                }
                (_, Some(from), Some(to)) => p
                    .dst_port
                    .is_some_and(|port| (from..=to).contains(&i32::from(port))),
            };
            if !ports_ok {
                continue;
            }
            let by_cidr = r.cidrs.iter().any(|c| c.contains(&peer));
            let by_group = r.groups.iter().any(|x| peer_groups.contains(x));
            let entries = |id: &String| crate::net::lpm::prefix_list_entries(lists, id);
            let by_list = r
                .prefix_lists
                .iter()
                .filter_map(entries)
                .any(|e| e.iter().any(|c| c.contains(&peer)));
            if by_cidr || by_group || by_list {
                return Filtered::Allow(sg_rule_text(g, r));
            }
            if r.prefix_lists.iter().any(|id| entries(id).is_none()) && unknown.is_none() {
                unknown = Some(format!(
                    "{} (prefix list entries not read)",
                    sg_rule_text(g, r)
                ));
            }
        }
    }
    match unknown {
        Some(u) => Filtered::Unknown(u),
        None => Filtered::Deny(format!(
            "no rule of {} allows it",
            groups
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The security groups (as read) with these ids in a region.
pub(super) fn lookup<'a>(region: &'a RegionEstate, ids: &[String]) -> Vec<&'a SecurityGroup> {
    region
        .security_groups
        .iter()
        .filter(|g| ids.contains(&g.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        n: i32,
        egress: bool,
        allow: bool,
        proto: &str,
        cidr: &str,
        ports: Option<(i32, i32)>,
    ) -> NaclEntry {
        NaclEntry {
            rule_number: n,
            egress,
            protocol: proto.into(),
            allow,
            cidr: Some(cidr.parse().expect("cidr")),
            from_port: ports.map(|p| p.0),
            to_port: ports.map(|p| p.1),
        }
    }

    fn pkt(dst_port: Option<u16>) -> Packet {
        Packet {
            protocol: 6,
            src: "10.0.0.10".parse().expect("ip"),
            dst: "203.0.113.80".parse().expect("ip"),
            dst_port,
        }
    }

    #[test]
    fn the_lowest_matching_rule_decides_and_nothing_matching_is_denied() {
        let a = NetworkAcl {
            id: "acl-1".into(),
            entries: vec![
                entry(200, true, true, "-1", "0.0.0.0/0", None),
                entry(100, true, false, "6", "0.0.0.0/0", Some((443, 443))),
                entry(100, false, true, "6", "0.0.0.0/0", Some((1024, 65535))),
            ],
            ..Default::default()
        };
        assert!(
            matches!(acl(&a, true, pkt(Some(443))), Filtered::Deny(r) if r.starts_with("rule 100"))
        );
        assert!(
            matches!(acl(&a, true, pkt(Some(80))), Filtered::Allow(r) if r.starts_with("rule 200"))
        );
        // Inbound: the reply to an ephemeral port is covered by 1024-65535.
        assert!(matches!(acl(&a, false, pkt(None)), Filtered::Allow(_)));
        // Inbound to 22: no entry matches.
        assert!(
            matches!(acl(&a, false, pkt(Some(22))), Filtered::Deny(r) if r.contains("implicit deny"))
        );
    }

    #[test]
    fn a_narrow_ephemeral_range_is_not_evaluated() {
        let a = NetworkAcl {
            id: "acl-1".into(),
            entries: vec![entry(
                100,
                false,
                true,
                "6",
                "0.0.0.0/0",
                Some((32768, 60999)),
            )],
            ..Default::default()
        };
        assert!(matches!(acl(&a, false, pkt(None)), Filtered::Unknown(_)));
    }

    #[test]
    fn security_groups_allow_by_cidr_or_group_and_deny_otherwise() {
        let g = SecurityGroup {
            id: "sg-1".into(),
            egress: vec![SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                cidrs: vec!["0.0.0.0/0".parse().expect("cidr")],
                ..Default::default()
            }],
            ingress: vec![SgRule {
                protocol: "-1".into(),
                groups: vec!["sg-2".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(matches!(
            groups(&[&g], false, pkt(Some(443)), &[], &[]),
            Filtered::Allow(_)
        ));
        assert!(matches!(
            groups(&[&g], false, pkt(Some(80)), &[], &[]),
            Filtered::Deny(_)
        ));
        assert!(matches!(
            groups(&[&g], true, pkt(Some(22)), &["sg-2".into()], &[]),
            Filtered::Allow(_)
        ));
        assert!(matches!(
            groups(&[&g], true, pkt(Some(22)), &[], &[]),
            Filtered::Deny(_)
        ));
    }

    #[test]
    fn a_rule_naming_a_prefix_list_allows_its_entries_or_is_not_evaluated() {
        let g = SecurityGroup {
            id: "sg-1".into(),
            egress: vec![SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                prefix_lists: vec!["pl-web".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let list = |entries: Option<&str>| PrefixList {
            id: "pl-web".into(),
            entries: entries.map(|e| vec![e.parse().expect("cidr")]),
            ..PrefixList::default()
        };
        let holding = [list(Some("203.0.113.0/24"))];
        let elsewhere = [list(Some("198.51.100.0/24"))];
        let unread = [list(None)];
        let verdict = |lists: &[PrefixList]| groups(&[&g], false, pkt(Some(443)), &[], lists);
        assert!(matches!(verdict(&holding), Filtered::Allow(_)));
        assert!(matches!(verdict(&elsewhere), Filtered::Deny(_)));
        assert!(matches!(verdict(&unread), Filtered::Unknown(_)));
        assert!(matches!(verdict(&[]), Filtered::Unknown(_)));
    }
}
