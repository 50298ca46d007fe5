//! Checking a change against the estate before any call: what AWS would refuse, and
//! what the change would do that an operator may not mean. The first step of the
//! change commands (plan → preview → confirm → apply → verify, issue 9); no command
//! calls it yet.
//!
//! Invariants:
//! - Pure: the estate and one [`ChangeOp`] in, [`Problem`]s out; nothing is sent.
//! - A [`Level::Refused`] problem is what AWS would answer with an error (a route that
//!   exists, a state that forbids the change, an id in another TGW or region): the
//!   change must not be sent. A [`Level::Warning`] is legal but worth a second look
//!   (a route shadowed by a more specific one, a target that does not forward yet).
//! - Each message names the objects and, where there is one, the way out.

use ipnet::IpNet;
use serde::Serialize;

use crate::backend::{Change, ChangeOp, TgwRouteTarget};
use crate::model::{
    AttachmentKind, AttachmentState, Destination, RouteType, TgwRouteTable, VpcRouteTarget,
};
use crate::net::Net;
use crate::net::change::Refusal;

/// How much a problem stops the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Legal, but the operator should know.
    Warning,
    /// AWS would refuse it (or it contradicts the estate): do not send it.
    Refused,
}

/// One thing found about a planned change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub level: Level,
    pub message: String,
}

fn refused(message: String) -> Problem {
    Problem {
        level: Level::Refused,
        message,
    }
}

fn warning(message: String) -> Problem {
    Problem {
        level: Level::Warning,
        message,
    }
}

/// A rule group toggle's warning: a policy read without its update token cannot tell
/// a colleague's change made since (what AWS refuses is `validate`'s).
fn rule_group_toggle(
    net: &Net<'_>,
    region: &str,
    t: &crate::backend::RuleGroupToggle,
) -> Vec<Problem> {
    net.region(region)
        .and_then(|r| r.firewall_policies.iter().find(|p| p.arn == t.policy_arn))
        .filter(|p| p.update_token.is_none())
        .map(|p| {
            warning(format!(
                "{}'s update token was not read: a colleague's change made since the read would not be detected before the update",
                p.name
            ))
        })
        .into_iter()
        .collect()
}

/// Parses a CIDR as an operator types it, refusing host bits: `10.1.0.1/16` names
/// its canonical form `10.1.0.0/16` (AWS refuses it too).
///
/// # Errors
/// A sentence naming what is wrong with the text.
pub fn canonical_cidr(text: &str) -> Result<IpNet, crate::error::CommandError> {
    // `10.050.0.0/16` is not read as 10.50.0.0/16: AWS refuses leading zeros.
    let addr = text.trim().split('/').next().unwrap_or_default();
    if addr.contains('.')
        && addr
            .split('.')
            .any(|octet| octet.len() > 1 && octet.starts_with('0'))
    {
        return Err(crate::error::CommandError::invalid(format!(
            "{:?} is not a CIDR: an octet has a leading zero (write 10.50.0.0/16, not 10.050.0.0/16)",
            crate::text::quote(text)
        )));
    }
    let net: IpNet = text.trim().parse().map_err(|_| {
        crate::error::CommandError::invalid(format!(
            "{:?} is not a CIDR (like 10.1.0.0/16)",
            crate::text::quote(text)
        ))
    })?;
    if net.network() != net.addr() {
        return Err(crate::error::CommandError::invalid(format!(
            "{net} has host bits set: the network is {}",
            net.trunc()
        )));
    }
    Ok(net)
}

/// Everything found about `op` on this estate; empty when nothing stands in its way.
///
/// What AWS refuses is [`crate::net::change::validate`]'s answer, said in an
/// operator's words with the way out ([`explain`]); the rest is netops's own
/// refusals (a change that changes nothing, a region not read) and warnings.
#[must_use]
pub fn check(net: &Net<'_>, op: &ChangeOp) -> Vec<Problem> {
    let region = op.region.as_str();
    if net.region(region).is_none() {
        return vec![refused(format!(
            "region {region} is not loaded: read it first (--regions)"
        ))];
    }
    let mut out = Vec::new();
    if let Err(refusal) = crate::net::change::validate(net.estate(), op) {
        out.push(refused(explain(net, op, &refusal)));
    }
    let refused_by_aws = !out.is_empty();
    out.extend(match &op.change {
        Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
            rule_group_toggle(net, region, t)
        }
        Change::CreateTgwRoute {
            route_table_id,
            cidr,
            target,
        } => tgw_route(
            net,
            region,
            route_table_id,
            *cidr,
            Some(target),
            Kind::Create,
        ),
        Change::ReplaceTgwRoute {
            route_table_id,
            cidr,
            target,
        } => tgw_route(
            net,
            region,
            route_table_id,
            *cidr,
            Some(target),
            Kind::Replace,
        ),
        Change::DeleteTgwRoute {
            route_table_id,
            cidr,
        } => tgw_route(net, region, route_table_id, *cidr, None, Kind::Delete),
        Change::DisassociateTgwRouteTable {
            route_table_id,
            attachment_id,
        } if !refused_by_aws => vec![warning(format!(
            "until {attachment_id} is associated again, the TGW drops what arrives on it"
        ))],
        Change::CreatePeering {
            tgw_id,
            peer_tgw_id,
            peer_region,
            ..
        } => create_peering(net, tgw_id, peer_tgw_id, peer_region),
        Change::CreateVpcRoute {
            route_table_id,
            cidr,
            target,
        } => vpc_route(
            net,
            region,
            route_table_id,
            *cidr,
            Some(&target.to_model()),
            Kind::Create,
        ),
        Change::ReplaceVpcRoute {
            route_table_id,
            cidr,
            target,
        } => vpc_route(
            net,
            region,
            route_table_id,
            *cidr,
            Some(&target.to_model()),
            Kind::Replace,
        ),
        Change::DeleteVpcRoute {
            route_table_id,
            cidr,
        } => vpc_route(net, region, route_table_id, *cidr, None, Kind::Delete),
        _ => Vec::new(),
    });
    out
}

/// AWS's refusal of `op`, in an operator's words: what stands in the way and, where
/// there is one, the way out; AWS's code last.
fn explain(net: &Net<'_>, op: &ChangeOp, refusal: &Refusal) -> String {
    let region = op.region.as_str();
    let code = refusal.code;
    let said = match (&op.change, code) {
        (Change::DisableRuleGroup(_) | Change::EnableRuleGroup(_), _) if op.dry_run => Some(
            "Network Firewall has no dry run: preview the toggle without --dry-run and cancel at the confirmation instead".to_string(),
        ),
        (
            Change::CreateTgwRoute { route_table_id, .. }
            | Change::ReplaceTgwRoute { route_table_id, .. }
            | Change::DeleteTgwRoute { route_table_id, .. }
            | Change::AssociateTgwRouteTable { route_table_id, .. }
            | Change::DisassociateTgwRouteTable { route_table_id, .. }
            | Change::EnablePropagation { route_table_id, .. }
            | Change::DisablePropagation { route_table_id, .. },
            "InvalidRouteTableID.NotFound",
        ) => Some(match net.tgw_route_table(route_table_id) {
            Some(t) => format!(
                "TGW route table {route_table_id} is in {}, not {region}",
                t.region
            ),
            None => format!("no TGW route table {route_table_id} in the loaded regions"),
        }),
        (
            Change::CreateTgwRoute {
                route_table_id,
                cidr,
                ..
            },
            "RouteAlreadyExists",
        ) => net
            .tgw_route_table_in(region, route_table_id)
            .and_then(|t| static_route(t, *cidr))
            .map(|r| {
                format!(
                    "{route_table_id} already has a static route to {cidr} ({}): replace it instead",
                    targets_of(&r.targets)
                )
            }),
        (
            Change::ReplaceTgwRoute {
                route_table_id,
                cidr,
                ..
            }
            | Change::DeleteTgwRoute {
                route_table_id,
                cidr,
            },
            "InvalidRoute.NotFound",
        ) => net.tgw_route_table_in(region, route_table_id).map(|t| {
            match t.routes.iter().find(|r| {
                r.destination == Destination::Cidr(*cidr) && r.route_type == RouteType::Propagated
            }) {
                Some(r) => format!(
                    "the route to {cidr} in {route_table_id} is propagated from {}: disable that propagation instead",
                    targets_of(&r.targets)
                ),
                None => format!("{route_table_id} has no static route to {cidr}"),
            }
        }),
        (
            Change::CreateTgwRoute {
                route_table_id,
                target: TgwRouteTarget::Attachment(att_id),
                ..
            }
            | Change::ReplaceTgwRoute {
                route_table_id,
                target: TgwRouteTarget::Attachment(att_id),
                ..
            },
            "InvalidTransitGatewayAttachmentID.NotFound" | "InvalidParameterValue",
        ) => net
            .tgw_route_table_in(region, route_table_id)
            .map(|table| wrong_route_target(net, region, table, att_id)),
        (
            Change::AssociateTgwRouteTable { attachment_id, .. }
            | Change::DisassociateTgwRouteTable { attachment_id, .. }
            | Change::EnablePropagation { attachment_id, .. }
            | Change::DisablePropagation { attachment_id, .. }
            | Change::AcceptVpcAttachment { attachment_id }
            | Change::RejectVpcAttachment { attachment_id },
            "InvalidTransitGatewayAttachmentID.NotFound",
        ) => Some(format!("no attachment {attachment_id} in {region}")),
        (
            Change::AcceptPeering { attachment_id }
            | Change::RejectPeering { attachment_id }
            | Change::DeletePeering { attachment_id },
            "InvalidTransitGatewayAttachmentID.NotFound",
        ) => Some(match net.peering(attachment_id) {
            Some(p) => format!(
                "peering {attachment_id} joins {} and {}, not {region}",
                p.requester.region, p.accepter.region
            ),
            None => format!("no peering {attachment_id} in the loaded regions"),
        }),
        (
            Change::DisassociateTgwRouteTable {
                route_table_id,
                attachment_id,
            },
            "InvalidAssociation.NotFound",
        ) => Some(
            match net
                .attachment_in(region, attachment_id)
                .and_then(|a| net.associated_route_table(a))
            {
                Some(t) => format!("{attachment_id} is associated with {}, not {route_table_id}", t.id),
                None => format!("{attachment_id} is associated with no route table"),
            },
        ),
        (
            Change::AssociateTgwRouteTable {
                route_table_id,
                attachment_id,
            },
            "Resource.AlreadyAssociated",
        ) => net
            .attachment_in(region, attachment_id)
            .and_then(|a| net.associated_route_table(a))
            .map(|t| {
                if t.id == *route_table_id {
                    format!("{attachment_id} is already associated with {route_table_id}")
                } else {
                    format!(
                        "{attachment_id} is associated with {}: an attachment has one association, disassociate it first",
                        t.id
                    )
                }
            }),
        (Change::EnablePropagation { attachment_id, .. }, "InvalidParameterValue")
            if net
                .attachment_in(region, attachment_id)
                .is_some_and(|a| a.kind == AttachmentKind::Peering) =>
        {
            Some(format!(
                "{attachment_id} is a peering attachment: peerings do not propagate, add static routes"
            ))
        }
        (
            Change::DisablePropagation {
                route_table_id,
                attachment_id,
            },
            "InvalidPropagation.NotFound",
        ) => Some(format!(
            "{attachment_id} does not propagate into {route_table_id}"
        )),
        (
            Change::AcceptPeering { attachment_id } | Change::RejectPeering { attachment_id },
            "IncorrectState",
        ) => net.peering(attachment_id).map(|p| {
            format!(
                "{} needs the peering in pendingAcceptance; {attachment_id} is {}",
                op.action(),
                p.state
            )
        }),
        (
            Change::AcceptVpcAttachment { attachment_id }
            | Change::RejectVpcAttachment { attachment_id },
            "IncorrectState",
        ) => net.attachment_in(region, attachment_id).map(|a| {
            format!(
                "{} needs the attachment in pendingAcceptance; {attachment_id} is {}",
                op.action(),
                a.state
            )
        }),
        (
            Change::CreateVpcRoute { route_table_id, .. }
            | Change::ReplaceVpcRoute { route_table_id, .. }
            | Change::DeleteVpcRoute { route_table_id, .. },
            "InvalidRouteTableID.NotFound",
        ) => Some(format!("no VPC route table {route_table_id} in {region}")),
        (
            Change::CreateVpcRoute {
                route_table_id,
                cidr,
                ..
            },
            "RouteAlreadyExists",
        ) => net
            .vpc_route_table_in(region, route_table_id)
            .and_then(|t| {
                t.routes
                    .iter()
                    .find(|r| r.destination == Destination::Cidr(*cidr))
            })
            .map(|r| {
                format!(
                    "{route_table_id} already has a route to {cidr} (→ {}): replace it instead",
                    r.target
                )
            }),
        (
            Change::ReplaceVpcRoute {
                route_table_id,
                cidr,
                ..
            }
            | Change::DeleteVpcRoute {
                route_table_id,
                cidr,
            },
            "InvalidRoute.NotFound",
        ) => Some(format!("{route_table_id} has no route to {cidr}")),
        _ => None,
    };
    match said {
        Some(words) => format!("{words} (AWS answers {code})"),
        None => refusal.to_string(),
    }
}

/// The static route to `cidr` in `table`, if any.
fn static_route(table: &TgwRouteTable, cidr: IpNet) -> Option<&crate::model::TgwRoute> {
    table
        .routes
        .iter()
        .find(|r| r.destination == Destination::Cidr(cidr) && r.route_type == RouteType::Static)
}

/// Why `att_id` cannot take a route in `table`, and what to route to instead.
fn wrong_route_target(net: &Net<'_>, region: &str, table: &TgwRouteTable, att_id: &str) -> String {
    let table_id = table.id.as_str();
    let must = format!(
        "the target must be a tgw-attach-… attachment of {}",
        table.tgw_id
    );
    match net.attachment_in(region, att_id) {
        Some(att) => format!(
            "attachment {att_id} belongs to {}, route table {table_id} to {}: {must}",
            att.tgw_id, table.tgw_id
        ),
        None => match net.attachment(att_id) {
            Some(elsewhere) => format!(
                "{att_id} is an attachment of {} in {}, and route table {table_id} is {}'s in {region}: {must}{}",
                elsewhere.tgw_id,
                elsewhere.region,
                table.tgw_id,
                peering_hint(net, table, &elsewhere.tgw_id).map_or_else(String::new, |p| format!(
                    "; to reach {}, use the peering attachment {p}",
                    elsewhere.region
                ))
            ),
            None => format!("no attachment {att_id} in {region}"),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Replace,
    Delete,
}

/// A TGW route's own refusal (a replace that changes nothing) and its warnings: a
/// static route winning over a propagated one, a target that does not forward,
/// shadowing.
fn tgw_route(
    net: &Net<'_>,
    region: &str,
    table_id: &str,
    cidr: IpNet,
    target: Option<&TgwRouteTarget>,
    kind: Kind,
) -> Vec<Problem> {
    let Some(table) = net.tgw_route_table_in(region, table_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let static_route = static_route(table, cidr);
    if kind == Kind::Create
        && static_route.is_none()
        && let Some(r) = table.routes.iter().find(|r| {
            r.destination == Destination::Cidr(cidr) && r.route_type == RouteType::Propagated
        })
    {
        out.push(warning(format!(
            "the static route will win over the route to {cidr} propagated from {}",
            targets_of(&r.targets)
        )));
    }
    // A replace that changes nothing is not sent: AWS would answer it alike whether
    // or not it ran, so its audit line could never say which (a lost answer could
    // not be settled).
    if kind == Kind::Replace
        && let Some(r) = static_route
        && match target {
            Some(TgwRouteTarget::Attachment(a)) => {
                r.targets.len() == 1 && &r.targets[0].attachment_id == a
            }
            Some(TgwRouteTarget::Blackhole) => r.targets.is_empty(),
            None => false,
        }
    {
        out.push(refused(format!(
            "{cidr} in {table_id} already goes to {}: nothing to change",
            targets_of(&r.targets)
        )));
    }
    if let Some(TgwRouteTarget::Attachment(att_id)) = target
        && let Some(att) = net.attachment_in(region, att_id)
        && att.tgw_id == table.tgw_id
    {
        if att.state.never_available() {
            let what = if matches!(
                att.kind,
                AttachmentKind::Peering | AttachmentKind::TgwPeering
            ) {
                "peering"
            } else {
                "attachment"
            };
            let why = match att.state {
                AttachmentState::Deleting | AttachmentState::Deleted => "is going away",
                AttachmentState::Rejecting | AttachmentState::Rejected => "was rejected",
                _ => "failed",
            };
            out.push(warning(format!(
                "{att_id} is {}: the route will be a blackhole (the {what} {why}; it never becomes available)",
                att.state
            )));
        } else if !att.state.is_usable() {
            out.push(warning(format!(
                "attachment {att_id} is {}: the route is a blackhole until it is available",
                att.state
            )));
        }
    }
    if kind != Kind::Delete {
        let to = match target {
            Some(TgwRouteTarget::Attachment(a)) => a.clone(),
            _ => "blackhole".to_string(),
        };
        out.extend(shadowing(
            net,
            region,
            cidr,
            &to,
            kind == Kind::Create,
            table
                .routes
                .iter()
                .filter_map(|r| Some((r.destination.cidr()?, targets_of(&r.targets)))),
        ));
    }
    out
}

/// The live peering attachment between the table's TGW and `peer_tgw`, if any.
fn peering_hint(net: &Net<'_>, table: &TgwRouteTable, peer_tgw: &str) -> Option<String> {
    net.region(&table.region)?
        .peerings
        .iter()
        .find(|p| {
            let pair = [p.requester.tgw_id.as_str(), p.accepter.tgw_id.as_str()];
            pair.contains(&table.tgw_id.as_str())
                && pair.contains(&peer_tgw)
                && !p.state.never_available()
        })
        .map(|p| p.id.clone())
}

/// What to say when a TGW route's target `id` is not an attachment id: what the
/// target must be and, when the estate has one, the attachment to use instead (a
/// VPC's or VPN's attachment to the table's TGW, the peering attachment to another
/// TGW). Never "use `route blackhole`": that fits only an operator who meant to drop.
#[must_use]
pub fn tgw_target_not_an_attachment(net: &Net<'_>, table: &TgwRouteTable, id: &str) -> String {
    let tgw = table.tgw_id.as_str();
    let must = format!("the target must be a tgw-attach-… attachment of {tgw}");
    let shown = crate::text::quote(id);
    let attachment_of = |resource: &str| {
        net.region(&table.region).and_then(|r| {
            r.attachments
                .iter()
                .find(|a| a.tgw_id == tgw && a.resource_id.as_deref() == Some(resource))
                .map(|a| a.id.clone())
        })
    };
    let kind = [
        ("vpc-", "a VPC"),
        ("vpn-", "a VPN connection"),
        ("tgw-rtb-", "a TGW route table"),
        ("tgw-connect-peer-", "a Connect peer"),
        ("tgw-", "a transit gateway"),
        ("nat-", "a NAT gateway"),
        ("igw-", "an internet gateway"),
        ("vpce-", "a VPC endpoint"),
        ("eni-", "a network interface"),
        ("pcx-", "a VPC peering connection"),
        ("subnet-", "a subnet"),
        ("rtb-", "a VPC route table"),
        ("i-", "an instance"),
    ]
    .into_iter()
    .find(|(prefix, _)| id.starts_with(prefix))
    .map(|(_, kind)| kind);
    let Some(kind) = kind else {
        return format!("{must}; {shown} is not an attachment id");
    };
    let vpc_route_target = ["nat-", "igw-", "vpce-", "eni-", "pcx-"]
        .iter()
        .any(|p| id.starts_with(p));
    let advice = if id == tgw {
        format!("{shown} is the transit gateway itself: a route sends to one of its attachments")
    } else if kind == "a transit gateway" {
        match peering_hint(net, table, id) {
            Some(p) => {
                format!("{shown} is a transit gateway: use the peering attachment {p} instead")
            }
            None => format!(
                "{shown} is a transit gateway that {tgw} is not peered with: peer them first (`peer create`), then route to the peering attachment"
            ),
        }
    } else if vpc_route_target {
        format!("{shown} is {kind}, a target of VPC routes (`vpc-route`), not of TGW routes")
    } else {
        match attachment_of(id) {
            Some(a) => format!("{shown} is {kind}: use its attachment {a} instead"),
            None if matches!(kind, "a VPC" | "a VPN connection") => {
                format!("{shown} is {kind} with no attachment to {tgw}: attach it first")
            }
            None => format!("{shown} is {kind}"),
        }
    };
    format!("{must}; {advice}")
}

fn targets_of(targets: &[crate::model::RouteTarget]) -> String {
    if targets.is_empty() {
        return "blackhole".into();
    }
    targets
        .iter()
        .map(|t| t.attachment_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a new route to `cidr` (going to `to`) changes for addresses other routes of
/// the table send today, said only when a path changes:
/// - the most specific route covering `cidr` sent its addresses elsewhere: they move
///   (louder when they leave an inspection point);
/// - more specific routes inside `cidr` to other targets keep their addresses.
///
/// A route to the target its addresses already go to changes nothing and says nothing.
fn shadowing(
    net: &Net<'_>,
    region: &str,
    cidr: IpNet,
    to: &str,
    create: bool,
    routes: impl Iterator<Item = (IpNet, String)>,
) -> Vec<Problem> {
    let mut inside = Vec::new();
    let mut covering: Option<(IpNet, String)> = None;
    for (other, target) in routes {
        if other == cidr {
            continue;
        }
        if cidr.contains(&other) {
            if target != to {
                inside.push(format!("{other} → {target}"));
            }
        } else if other.contains(&cidr)
            && covering
                .as_ref()
                .is_none_or(|(c, _)| other.prefix_len() > c.prefix_len())
        {
            covering = Some((other, target));
        }
    }
    let mut out = Vec::new();
    if create
        && let Some((other, from)) = covering
        && from != to
    {
        // An inspection point: a firewall or appliance endpoint, or the TGW
        // attachment of the VPC that holds them.
        let vpc_of = net
            .attachment_in(region, &from)
            .and_then(|a| a.resource_id.clone());
        let inspected = crate::net::inspection::inspection_hops(net)
            .iter()
            .any(|h| {
                h.region == region && (h.id == from || (vpc_of.is_some() && h.vpc_id == vpc_of))
            });
        out.push(warning(if inspected && !to.is_empty() {
            format!(
                "traffic to {cidr} will go to {to} instead of the inspection point {from} ({other} sends it there now): it skips inspection"
            )
        } else {
            format!("traffic to {cidr} will go to {to} instead of {from} ({other} sends it there now)")
        }));
    }
    if !inside.is_empty() {
        out.push(warning(format!(
            "the more specific {} keep their own targets within {cidr}",
            list(&inside)
        )));
    }
    out
}

fn list(items: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

fn create_peering(
    net: &Net<'_>,
    tgw_id: &str,
    peer_tgw_id: &str,
    peer_region: &str,
) -> Vec<Problem> {
    if tgw_id == peer_tgw_id {
        return vec![refused(format!("{tgw_id} cannot peer with itself"))];
    }
    let mut out = Vec::new();
    let existing = net.regions().flat_map(|r| r.peerings.iter()).find(|p| {
        let pair = [p.requester.tgw_id.as_str(), p.accepter.tgw_id.as_str()];
        pair.contains(&tgw_id)
            && pair.contains(&peer_tgw_id)
            && !matches!(
                p.state,
                AttachmentState::Deleted
                    | AttachmentState::Deleting
                    | AttachmentState::Rejected
                    | AttachmentState::Failed
            )
    });
    if let Some(p) = existing {
        out.push(refused(format!(
            "{tgw_id} and {peer_tgw_id} are already peered by {} ({})",
            p.id, p.state
        )));
    }
    if net.region(peer_region).is_some() && net.tgw_in(peer_region, peer_tgw_id).is_none() {
        out.push(warning(format!(
            "{peer_tgw_id} is not among {peer_region}'s Transit Gateways as read (another account?)"
        )));
    }
    out
}

/// A VPC route's own refusal (a replace that changes nothing) and its warnings: a
/// target that does not forward, shadowing.
fn vpc_route(
    net: &Net<'_>,
    region: &str,
    table_id: &str,
    cidr: IpNet,
    target: Option<&VpcRouteTarget>,
    kind: Kind,
) -> Vec<Problem> {
    let Some(table) = net.vpc_route_table_in(region, table_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let existing = table
        .routes
        .iter()
        .find(|r| r.destination == Destination::Cidr(cidr));
    // A replace that changes nothing is not sent (its outcome could never be told).
    if kind == Kind::Replace
        && let (Some(r), Some(t)) = (existing, target)
        && &r.target == t
    {
        out.push(refused(format!(
            "{cidr} in {table_id} already goes to {}: nothing to change",
            r.target
        )));
    }
    if let (Some(target), Some(vpc)) = (target, net.vpc_in(region, &table.vpc_id))
        && net
            .region(region)
            .and_then(|r| crate::net::targets::vpc_route_target_refusal(r, table, target))
            .is_none()
    {
        use crate::net::targets::Usability;
        match net.vpc_target_usability_of(vpc, target) {
            Usability::Missing { id } => {
                out.push(warning(format!(
                    "{id} is not in {region} as read: AWS may refuse the route"
                )));
            }
            Usability::NotUsable { id, state } => {
                out.push(warning(not_forwarding(&id, &state, target)));
            }
            _ => {}
        }
    }
    if kind != Kind::Delete {
        let to = target.map(ToString::to_string).unwrap_or_default();
        out.extend(shadowing(
            net,
            region,
            cidr,
            &to,
            kind == Kind::Create,
            table
                .routes
                .iter()
                .filter_map(|r| Some((r.destination.cidr()?, r.target.to_string()))),
        ));
    }
    out
}

/// The warning for a VPC route target that exists but does not forward: a blackhole
/// until it is ready, or for good when it is going away.
fn not_forwarding(id: &str, state: &str, target: &VpcRouteTarget) -> String {
    let going = ["deleting", "deleted", "failed", "rejected", "expired"]
        .iter()
        .any(|s| state.eq_ignore_ascii_case(s));
    if going {
        format!("{id} is {state}: the route will be a blackhole ({id} never forwards again)")
    } else {
        let ready = match target {
            VpcRouteTarget::PeeringConnection(_) => "active",
            _ => "available",
        };
        format!("{id} is {state}: the route is a blackhole until it is {ready}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::VpcTarget;
    use crate::net::trace::tests::demo;

    const USE1: &str = "us-east-1";
    const SPOKE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const INSPECTION: &str = "tgw-attach-0e1a2b3c4d5e6f721";
    const SPOKE_A: &str = "tgw-attach-0e1a2b3c4d5e6f722";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";

    fn cidr(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    fn levels(net: &Net<'_>, region: &str, change: Change) -> Vec<(Level, String)> {
        check(net, &ChangeOp::new(region, change))
            .into_iter()
            .map(|p| (p.level, p.message))
            .collect()
    }

    #[test]
    fn cidrs_with_host_bits_name_their_network() {
        assert_eq!(canonical_cidr("10.1.0.0/16"), Ok(cidr("10.1.0.0/16")));
        let e = canonical_cidr("10.1.0.1/16").expect_err("host bits");
        assert!(e.message.contains("10.1.0.0/16"), "{e}");
        let e = canonical_cidr("10.1.0/16").expect_err("malformed");
        assert!(e.message.contains("not a CIDR"), "{e}");
    }

    #[tokio::test]
    async fn a_replace_that_changes_nothing_is_refused() {
        let estate = demo().await;
        let net = Net::new(&estate);
        // The spoke table's default route already goes to the inspection attachment.
        let p = levels(
            &net,
            USE1,
            Change::ReplaceTgwRoute {
                route_table_id: SPOKE.into(),
                cidr: cidr("0.0.0.0/0"),
                target: TgwRouteTarget::Attachment("tgw-attach-0e1a2b3c4d5e6f721".into()),
            },
        );
        assert!(
            p.iter()
                .any(|(l, m)| *l == Level::Refused && m.contains("nothing to change")),
            "{p:?}"
        );
        let p = levels(
            &net,
            USE1,
            Change::ReplaceVpcRoute {
                route_table_id: "rtb-0e1a2b3c4d5e6f787".into(),
                cidr: cidr("0.0.0.0/0"),
                target: VpcTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            },
        );
        assert!(
            p.iter()
                .any(|(l, m)| *l == Level::Refused && m.contains("nothing to change")),
            "{p:?}"
        );
    }

    #[tokio::test]
    async fn tgw_routes_are_checked_against_the_table() {
        let estate = demo().await;
        let net = Net::new(&estate);
        // A new route to the peer region: shadowed by nothing, shadows 0.0.0.0/0? No:
        // post-inspection has no default route. Clean.
        let p = levels(
            &net,
            USE1,
            Change::CreateTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("172.16.1.0/24"),
                target: TgwRouteTarget::Attachment(PEERING.into()),
            },
        );
        // The peering waits for acceptance: legal, but a blackhole until then.
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, Level::Warning);
        assert!(p[0].1.contains("pendingAcceptance"), "{p:?}");

        // The same CIDR as the spoke table's static default route.
        let p = levels(
            &net,
            USE1,
            Change::CreateTgwRoute {
                route_table_id: SPOKE.into(),
                cidr: cidr("0.0.0.0/0"),
                target: TgwRouteTarget::Blackhole,
            },
        );
        assert!(
            p.iter()
                .any(|(l, m)| *l == Level::Refused && m.contains("already has a static route")),
            "{p:?}"
        );

        // A more specific route in post-inspection is shadowed by nothing but takes
        // its addresses from the propagated 10.0.0.0/16.
        let p = levels(
            &net,
            USE1,
            Change::CreateTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.0.5.0/24"),
                target: TgwRouteTarget::Attachment(INSPECTION.into()),
            },
        );
        assert!(
            p.iter().any(|(l, m)| *l == Level::Warning
                && m.contains("traffic to 10.0.5.0/24 will go to tgw-attach-0e1a2b3c4d5e6f721 instead of tgw-attach-0e1a2b3c4d5e6f722 (10.0.0.0/16 sends it there now)")),
            "{p:?}"
        );
        // The same target as the route it takes its addresses from: no path changes,
        // nothing said (issue 18: the check cried wolf on every more specific route).
        let p = levels(
            &net,
            USE1,
            Change::CreateTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.0.5.0/24"),
                target: TgwRouteTarget::Attachment(SPOKE_A.into()),
            },
        );
        assert!(p.is_empty(), "{p:?}");

        // A propagated route cannot be deleted.
        let p = levels(
            &net,
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.0.0.0/16"),
            },
        );
        assert!(p[0].1.contains("disable that propagation"), "{p:?}");

        // A table in another region.
        let p = levels(
            &net,
            "eu-west-1",
            Change::DeleteTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.2.0.0/16"),
            },
        );
        assert!(p[0].1.contains("is in us-east-1, not eu-west-1"), "{p:?}");
    }

    /// A route to a peering that is going away (deleting, deleted, rejected, failed)
    /// is a blackhole for good: the warning does not promise "until it is available"
    /// (issue 16); a pending one still does.
    #[tokio::test]
    async fn a_route_to_a_peering_that_is_going_away_is_a_blackhole_for_good() {
        use crate::model::AttachmentState as S;
        for state in [S::Deleting, S::Deleted, S::Rejected, S::Failed] {
            let mut estate = demo().await;
            for a in &mut use1(&mut estate).attachments {
                if a.id == PEERING {
                    a.state = state.clone();
                }
            }
            let net = Net::new(&estate);
            let p = levels(
                &net,
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: POST.into(),
                    cidr: cidr("172.16.1.0/24"),
                    target: TgwRouteTarget::Attachment(PEERING.into()),
                },
            );
            let w: Vec<&String> = p
                .iter()
                .filter(|(_, m)| m.contains(PEERING))
                .map(|(_, m)| m)
                .collect();
            assert_eq!(w.len(), 1, "{state}: {p:?}");
            assert!(
                w[0].contains(&format!("{PEERING} is {state}"))
                    && w[0].contains("the route will be a blackhole")
                    && w[0].contains("never becomes available"),
                "{state}: {w:?}"
            );
            assert!(!w[0].contains("until it is available"), "{state}: {w:?}");
        }
    }

    #[tokio::test]
    async fn associations_and_propagations_follow_aws_rules() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let p = levels(
            &net,
            USE1,
            Change::AssociateTgwRouteTable {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        assert!(p[0].1.contains("disassociate it first"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::EnablePropagation {
                route_table_id: SPOKE.into(),
                attachment_id: PEERING.into(),
            },
        );
        assert!(p[0].1.contains("peerings do not propagate"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::EnablePropagation {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        assert!(p[0].1.contains("already propagates"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::AssociateTgwRouteTable {
                route_table_id: SPOKE.into(),
                attachment_id: PEERING.into(),
            },
        );
        // The plan used to pass this; AWS (and the simulator) refuse it until the
        // peering is available: one semantics now answers both.
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, Level::Refused, "{p:?}");
        assert!(p[0].1.contains("it must be available"), "{p:?}");
    }

    #[tokio::test]
    async fn peering_answers_run_in_the_accepter_region_from_pending_acceptance() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let accept = |region: &str| {
            levels(
                &net,
                region,
                Change::AcceptPeering {
                    attachment_id: PEERING.into(),
                },
            )
        };
        assert!(accept("eu-west-1").is_empty());
        let p = accept(USE1);
        assert!(p[0].1.contains("accepter's region eu-west-1"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::CreatePeering {
                tgw_id: "tgw-0e1a2b3c4d5e6f701".into(),
                peer_tgw_id: "tgw-0f9e8d7c6b5a4f301".into(),
                peer_region: "eu-west-1".into(),
                peer_account_id: "111122223333".into(),
                request_tag: "t".into(),
            },
        );
        assert!(
            p[0].1
                .contains("already peered by tgw-attach-0e1a2b3c4d5e6f7a1"),
            "{p:?}"
        );
        let p = levels(
            &net,
            USE1,
            Change::AcceptVpcAttachment {
                attachment_id: SPOKE_A.into(),
            },
        );
        assert!(p[0].1.contains("IncorrectState"), "{p:?}");
    }

    #[tokio::test]
    async fn vpc_routes_respect_local_and_existing_routes() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let table = "rtb-0e1a2b3c4d5e6f787";
        let p = levels(
            &net,
            USE1,
            Change::DeleteVpcRoute {
                route_table_id: table.into(),
                cidr: cidr("10.0.0.0/16"),
            },
        );
        assert!(p[0].1.contains("local route"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::CreateVpcRoute {
                route_table_id: table.into(),
                cidr: cidr("0.0.0.0/0"),
                target: VpcTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            },
        );
        assert!(p[0].1.contains("already has a route"), "{p:?}");
        let p = levels(
            &net,
            USE1,
            Change::CreateVpcRoute {
                route_table_id: table.into(),
                cidr: cidr("10.0.9.0/24"),
                target: VpcTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            },
        );
        assert!(
            p.iter()
                .any(|(l, m)| *l == Level::Refused && m.contains("inside the VPC's own range")),
            "{p:?}"
        );
        let p = levels(
            &net,
            USE1,
            Change::CreateVpcRoute {
                route_table_id: table.into(),
                cidr: cidr("172.16.0.0/12"),
                target: VpcTarget::InternetGateway("igw-0e1a2b3c4d5e6f7c2".into()),
            },
        );
        // spoke-b's internet gateway, from spoke-a's table: AWS refuses it.
        assert!(
            p.iter().any(|(l, m)| *l == Level::Refused
                && m.contains("InvalidParameterValue")
                && m.contains(SPOKE_A_VPC)
                && m.contains(SPOKE_B_VPC)),
            "{p:?}"
        );
    }

    const SPOKE_A_RTB: &str = "rtb-0e1a2b3c4d5e6f787";
    const INSPECTION_VPC: &str = "vpc-0e1a2b3c4d5e6f731";
    const SPOKE_A_VPC: &str = "vpc-0e1a2b3c4d5e6f732";
    const SPOKE_B_VPC: &str = "vpc-0e1a2b3c4d5e6f733";

    fn use1(estate: &mut crate::model::Estate) -> &mut crate::model::RegionEstate {
        match estate.regions.get_mut(USE1) {
            Some(crate::model::RegionLoad::Loaded { estate }) => estate,
            _ => panic!("us-east-1 is loaded"),
        }
    }

    fn pcx(id: &str, status: &str, a: &str, b: &str) -> crate::model::VpcPeeringConnection {
        let side = |vpc: &str| crate::model::VpcPeeringSide {
            vpc_id: vpc.into(),
            region: USE1.into(),
            owner_id: "111122223333".into(),
            cidr_blocks: Vec::new(),
        };
        crate::model::VpcPeeringConnection {
            id: id.into(),
            region: USE1.into(),
            name: None,
            status: status.into(),
            requester: side(a),
            accepter: side(b),
        }
    }

    fn eni(id: &str, vpc: &str, subnet: &str) -> crate::model::NetworkInterface {
        crate::model::NetworkInterface {
            id: id.into(),
            region: USE1.into(),
            vpc_id: vpc.into(),
            subnet_id: subnet.into(),
            availability_zone: "us-east-1a".into(),
            interface_type: "interface".into(),
            ..crate::model::NetworkInterface::default()
        }
    }

    /// The demo with VPC peerings and interfaces to route to: pcx-…1 spoke-a ↔
    /// spoke-b active, pcx-…2 inspection ↔ spoke-b active, pcx-…3 spoke-a ↔ spoke-b
    /// waiting for acceptance, pcx-…4 spoke-a ↔ spoke-b deleted; eni-…a in spoke-a,
    /// eni-…b in spoke-b.
    async fn demo_with_peerings_and_interfaces() -> crate::model::Estate {
        let mut estate = demo().await;
        let r = use1(&mut estate);
        r.vpc_peerings = vec![
            pcx("pcx-0000000000000001", "active", SPOKE_A_VPC, SPOKE_B_VPC),
            pcx(
                "pcx-0000000000000002",
                "active",
                INSPECTION_VPC,
                SPOKE_B_VPC,
            ),
            pcx(
                "pcx-0000000000000003",
                "pending-acceptance",
                SPOKE_A_VPC,
                SPOKE_B_VPC,
            ),
            pcx("pcx-0000000000000004", "deleted", SPOKE_A_VPC, SPOKE_B_VPC),
        ];
        r.network_interfaces = vec![
            eni(
                "eni-000000000000000a",
                SPOKE_A_VPC,
                "subnet-0e1a2b3c4d5e6f751",
            ),
            eni(
                "eni-000000000000000b",
                SPOKE_B_VPC,
                "subnet-0e1a2b3c4d5e6f761",
            ),
        ];
        estate
    }

    /// The problems of `vpc-route add rtb-…787 192.168.0.0/16 TARGET` (spoke-a).
    fn add_from_spoke_a(net: &Net<'_>, target: VpcTarget) -> Vec<(Level, String)> {
        levels(
            net,
            USE1,
            Change::CreateVpcRoute {
                route_table_id: SPOKE_A_RTB.into(),
                cidr: cidr("192.168.0.0/16"),
                target,
            },
        )
    }

    fn refusals(p: &[(Level, String)]) -> Vec<&str> {
        p.iter()
            .filter(|(l, _)| *l == Level::Refused)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    #[tokio::test]
    async fn vpc_route_targets_in_another_vpc_are_refused_naming_both_vpcs() {
        let estate = demo_with_peerings_and_interfaces().await;
        let net = Net::new(&estate);
        for (target, other_vpc) in [
            // inspection's NAT gateway and firewall endpoint
            (
                VpcTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()),
                INSPECTION_VPC,
            ),
            (
                VpcTarget::VpcEndpoint("vpce-0e1a2b3c4d5e6f791".into()),
                INSPECTION_VPC,
            ),
            // spoke-b's internet gateway and interface
            (
                VpcTarget::InternetGateway("igw-0e1a2b3c4d5e6f7c2".into()),
                SPOKE_B_VPC,
            ),
            (
                VpcTarget::NetworkInterface("eni-000000000000000b".into()),
                SPOKE_B_VPC,
            ),
            // a peering between two other VPCs
            (
                VpcTarget::PeeringConnection("pcx-0000000000000002".into()),
                SPOKE_B_VPC,
            ),
        ] {
            let p = add_from_spoke_a(&net, target.clone());
            let r = refusals(&p);
            assert_eq!(r.len(), 1, "{target:?}: {p:?}");
            assert!(
                r[0].contains("InvalidParameterValue")
                    && r[0].contains(SPOKE_A_VPC)
                    && r[0].contains(other_vpc)
                    && r[0].contains(target.id()),
                "{target:?}: {r:?}"
            );
        }
    }

    #[tokio::test]
    async fn vpc_route_targets_that_do_not_exist_are_refused_with_aws_codes() {
        let estate = demo_with_peerings_and_interfaces().await;
        let net = Net::new(&estate);
        for (target, code) in [
            (
                VpcTarget::NatGateway("nat-0nope".into()),
                "InvalidNatGatewayID.NotFound",
            ),
            (
                VpcTarget::InternetGateway("igw-0nope".into()),
                "InvalidGatewayID.NotFound",
            ),
            (
                VpcTarget::PeeringConnection("pcx-0nope".into()),
                "InvalidVpcPeeringConnectionID.NotFound",
            ),
            // deleted: gone for routing
            (
                VpcTarget::PeeringConnection("pcx-0000000000000004".into()),
                "InvalidVpcPeeringConnectionID.NotFound",
            ),
            (
                VpcTarget::NetworkInterface("eni-0nope".into()),
                "InvalidNetworkInterfaceID.NotFound",
            ),
            (
                VpcTarget::VpcEndpoint("vpce-0nope".into()),
                "InvalidVpcEndpointId.NotFound",
            ),
            (
                VpcTarget::TransitGateway("tgw-0nope".into()),
                "InvalidTransitGatewayID.NotFound",
            ),
            // eu-west-1's TGW, from a us-east-1 table
            (
                VpcTarget::TransitGateway("tgw-0f9e8d7c6b5a4f301".into()),
                "InvalidTransitGatewayID.NotFound",
            ),
        ] {
            let p = add_from_spoke_a(&net, target.clone());
            let r = refusals(&p);
            assert_eq!(r.len(), 1, "{target:?}: {p:?}");
            assert!(
                r[0].contains(code) && r[0].contains(target.id()),
                "{target:?}: {r:?}"
            );
        }
    }

    #[tokio::test]
    async fn vpc_route_targets_in_the_tables_own_vpc_pass() {
        let estate = demo_with_peerings_and_interfaces().await;
        let net = Net::new(&estate);
        for target in [
            VpcTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            VpcTarget::NetworkInterface("eni-000000000000000a".into()),
            VpcTarget::PeeringConnection("pcx-0000000000000001".into()),
        ] {
            let p = add_from_spoke_a(&net, target.clone());
            assert!(refusals(&p).is_empty(), "{target:?}: {p:?}");
        }
        // A peering waiting for acceptance: AWS takes the route, as a blackhole.
        let p = add_from_spoke_a(
            &net,
            VpcTarget::PeeringConnection("pcx-0000000000000003".into()),
        );
        assert!(refusals(&p).is_empty(), "{p:?}");
        assert!(
            p.iter().any(|(l, m)| *l == Level::Warning
                && m.contains("pending-acceptance")
                && m.contains("blackhole")),
            "{p:?}"
        );
        // An interface endpoint (SSM) is no route target, even in the same VPC.
        let p = add_from_spoke_a(
            &net,
            VpcTarget::VpcEndpoint("vpce-0e1a2b3c4d5e6f793".into()),
        );
        let r = refusals(&p);
        assert!(
            r.len() == 1 && r[0].contains("Interface") && r[0].contains("Gateway Load Balancer"),
            "{p:?}"
        );
    }

    #[tokio::test]
    async fn a_route_to_a_tgw_the_vpc_is_not_attached_to_is_refused() {
        let mut estate = demo().await;
        use1(&mut estate).attachments.retain(|a| a.id != SPOKE_A);
        let net = Net::new(&estate);
        let p = add_from_spoke_a(
            &net,
            VpcTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
        );
        let r = refusals(&p);
        assert_eq!(r.len(), 1, "{p:?}");
        assert!(
            r[0].contains("InvalidTransitGatewayID.NotFound")
                && r[0].contains(SPOKE_A_VPC)
                && r[0].contains("not attached"),
            "{r:?}"
        );
    }
}
