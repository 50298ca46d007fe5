//! What a re-read must show once AWS made a change: the postcondition of each kind
//! of change, beside its semantics ([`super::validate`], [`super::apply`]), so a new
//! kind states what it does and how to see it done in one place. The execution
//! ([`crate::ops::exec`]) verifies a change, and settles a lost answer, with these.
//!
//! Invariants:
//! - Pure: what was re-read and the op in, a verdict in words out.
//! - A state AWS passes through on the way (`pending`, `modifying`, `deleting`)
//!   counts as done: the re-read comes right after the call.

use crate::model::change::{Change, ChangeOp, REQUEST_TAG_KEY, RuleGroupToggle, TgwRouteTarget};
use crate::model::{
    AttachmentState, Destination, Estate, RegionEstate, RouteState, RouteType, TgwRoute,
};

/// What a re-read shows of a change, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The change is there.
    Yes(String),
    /// It is not.
    No(String),
}

/// What a re-read route search shows about a TGW route change.
pub fn tgw_route(change: &Change, routes: &[TgwRoute]) -> Shown {
    match change {
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
            let Some(r) = routes.iter().find(|r| r.route_type == RouteType::Static) else {
                return Shown::No(format!("no static route to {cidr} in {route_table_id}"));
            };
            match target {
                TgwRouteTarget::Blackhole if r.state == RouteState::Blackhole => {
                    Shown::Yes(format!("{cidr} is a blackhole in {route_table_id}"))
                }
                TgwRouteTarget::Attachment(a)
                    if r.targets.iter().any(|t| &t.attachment_id == a) =>
                {
                    Shown::Yes(format!("{cidr} → {a} ({}) in {route_table_id}", r.state))
                }
                // moto 5.2.5 stores no target for a route to a peering attachment;
                // AWS always names it. Said, not hidden.
                TgwRouteTarget::Attachment(a)
                    if r.state == RouteState::Active
                        && r.targets.iter().all(|t| t.attachment_id.is_empty()) =>
                {
                    Shown::Yes(format!(
                        "{cidr} is an active static route in {route_table_id} (the API did not name its target; {a} was asked)"
                    ))
                }
                TgwRouteTarget::Attachment(a) if r.state == RouteState::Blackhole => {
                    Shown::Yes(format!(
                        "{cidr} → {a} in {route_table_id} is a blackhole until {a} is available"
                    ))
                }
                _ => Shown::No(format!(
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
            if routes.iter().any(|r| r.route_type == RouteType::Static) {
                Shown::No(format!(
                    "the static route to {cidr} is still in {route_table_id}"
                ))
            } else if let Some(p) = routes.first() {
                Shown::Yes(format!(
                    "static route gone; {cidr} is propagated ({}) in {route_table_id}",
                    p.state
                ))
            } else {
                Shown::Yes(format!("no route to {cidr} in {route_table_id}"))
            }
        }
        _ => Shown::No("not a TGW route change".into()),
    }
}

/// What a re-read policy says about a toggle: the group is gone and recorded
/// (disable), or back at its recorded priority with no record left (enable).
pub fn toggle(p: &crate::model::FirewallPolicy, t: &RuleGroupToggle, enable: bool) -> Shown {
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
        (false, None, Some(d)) => Shown::Yes(format!(
            "{} is disabled in {}; its reference{} is kept in tag {}",
            t.group_name,
            t.policy_name,
            priority(&d.reference),
            d.tag().0
        )),
        (false, None, None) => Shown::No(format!(
            "{} is no longer referenced by {}, but no {}{} tag records it",
            t.group_name,
            t.policy_name,
            crate::model::DISABLED_TAG_PREFIX,
            t.group_name
        )),
        (false, Some(_), _) => Shown::No(format!(
            "{} still references {}",
            t.policy_name, t.group_name
        )),
        (true, Some(r), _) => Shown::Yes(format!(
            "{} is enabled in {}{}",
            t.group_name,
            t.policy_name,
            priority(r)
        )),
        (true, None, _) => Shown::No(format!(
            "{} does not reference {}",
            t.policy_name, t.group_name
        )),
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

fn expect_state(estate: &RegionEstate, id: &str, ok: &[AttachmentState], absent_ok: bool) -> Shown {
    match peering_state(estate, id) {
        Some(s) if ok.contains(&s) => Shown::Yes(format!("{id} is {s}")),
        Some(s) => Shown::No(format!("{id} is {s}")),
        None if absent_ok => Shown::Yes(format!("{id} is gone")),
        None => Shown::No(format!("{id} is not in {}", estate.region)),
    }
}

pub fn topology(estate: &RegionEstate, op: &ChangeOp, created_id: Option<&str>) -> Shown {
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
            Shown::No("a rule group toggle is verified from the firewall re-read".into())
        }
        Change::AssociateTgwRouteTable {
            route_table_id,
            attachment_id,
        } => {
            if associated(route_table_id, attachment_id) {
                Shown::Yes(format!(
                    "{attachment_id} is associated with {route_table_id}"
                ))
            } else {
                Shown::No(format!(
                    "{attachment_id} is not associated with {route_table_id}"
                ))
            }
        }
        Change::DisassociateTgwRouteTable {
            route_table_id,
            attachment_id,
        } => {
            if associated(route_table_id, attachment_id) {
                Shown::No(format!(
                    "{attachment_id} is still associated with {route_table_id}"
                ))
            } else {
                Shown::Yes(format!(
                    "{attachment_id} is not associated with {route_table_id}"
                ))
            }
        }
        Change::EnablePropagation {
            route_table_id,
            attachment_id,
        } => {
            if propagating(route_table_id, attachment_id) {
                Shown::Yes(format!("{attachment_id} propagates into {route_table_id}"))
            } else {
                Shown::No(format!(
                    "{attachment_id} does not propagate into {route_table_id}"
                ))
            }
        }
        Change::DisablePropagation {
            route_table_id,
            attachment_id,
        } => {
            if propagating(route_table_id, attachment_id) {
                Shown::No(format!(
                    "{attachment_id} still propagates into {route_table_id}"
                ))
            } else {
                Shown::Yes(format!(
                    "{attachment_id} no longer propagates into {route_table_id}"
                ))
            }
        }
        Change::CreatePeering { request_tag, .. } => {
            let found = estate.peerings.iter().find(|p| {
                Some(p.id.as_str()) == created_id
                    || p.tags.get(REQUEST_TAG_KEY) == Some(request_tag)
            });
            match found {
                Some(p) => Shown::Yes(format!(
                    "found {} tagged {}={request_tag}, {}",
                    p.id, REQUEST_TAG_KEY, p.state
                )),
                None => Shown::No("the new peering is not visible yet".into()),
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
        Change::SetApplianceMode { attachment_id, on } => {
            let word = if *on { "on" } else { "off" };
            match estate.attachments.iter().find(|a| a.id == *attachment_id) {
                Some(a) if a.appliance_mode == Some(*on) => Shown::Yes(format!(
                    "{attachment_id} has appliance mode {word} ({})",
                    a.state
                )),
                Some(a) => Shown::No(format!(
                    "{attachment_id} shows appliance mode {}, not {word}",
                    a.appliance_mode
                        .map_or("unknown", |m| if m { "on" } else { "off" })
                )),
                None => Shown::No(format!("{attachment_id} is not in the re-read")),
            }
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
            None => Shown::No(format!("{route_table_id} is not in {}", estate.region)),
            Some(Some(t)) if t == target.id() => {
                Shown::Yes(format!("{cidr} → {t} in {route_table_id}"))
            }
            Some(Some(t)) => Shown::No(format!("{cidr} → {t} in {route_table_id}")),
            Some(None) => Shown::No(format!("no route to {cidr} in {route_table_id}")),
        },
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => match vpc_route(route_table_id, *cidr) {
            None => Shown::No(format!("{route_table_id} is not in {}", estate.region)),
            Some(Some(t)) => Shown::No(format!("{cidr} → {t} is still in {route_table_id}")),
            Some(None) => Shown::Yes(format!("no route to {cidr} in {route_table_id}")),
        },
        Change::CreateTgwRoute { .. }
        | Change::ReplaceTgwRoute { .. }
        | Change::DeleteTgwRoute { .. } => Shown::Yes("read by route search".into()),
    }
}

/// What an estate shows about a change: `Yes` it is there, `No` it is not, `None`
/// its region (or the part it is about) was not read. For settling a change whose
/// outcome a killed run never learned.
#[must_use]
pub fn in_estate(estate: &Estate, op: &ChangeOp) -> Option<Shown> {
    let region = estate.region(&op.region)?;
    match &op.change {
        Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
            if region.firewall_policies.is_empty() {
                return None;
            }
            Some(
                match region
                    .firewall_policies
                    .iter()
                    .find(|p| p.arn == t.policy_arn)
                {
                    Some(p) => toggle(p, t, matches!(op.change, Change::EnableRuleGroup(_))),
                    None => Shown::No(format!(
                        "{} is not in {} any more",
                        t.policy_name, op.region
                    )),
                },
            )
        }
        _ => {
            if let Some((table, cidr)) = op.change.route()
                && let Some(t) = region.tgw_route_tables.iter().find(|t| t.id == table)
            {
                let routes: Vec<TgwRoute> = t
                    .routes
                    .iter()
                    .filter(|r| r.destination == Destination::Cidr(cidr))
                    .cloned()
                    .collect();
                return Some(tgw_route(&op.change, &routes));
            }
            Some(topology(region, op, None))
        }
    }
}
