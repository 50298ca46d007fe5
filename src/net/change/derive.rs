//! What AWS shows of what was said: from the facts a scenario or a change states
//! (static routes, associations, propagations, requested peerings) to what a read
//! answers (propagated routes, blackhole states, association details, the accepter's
//! view of each peering and the peering attachments).
//!
//! Two entry points, one set of rules:
//! - [`derive()`]: a whole estate at once (the simulator's scenario);
//! - [`refresh_attachment`], [`put_route`], [`delete_static`]: only what one change
//!   touched, for [`super::apply`] (the simulator's changes and the preview's
//!   projection), so a change costs what it touches, not what exists.
//!
//! Invariants:
//! - [`derive()`] is a pure function of the stated regions: it never changes them, and
//!   running it twice gives the same answer.
//! - The requester's record of a peering is authoritative; the accepter's view and
//!   both peering attachments take its state.
//! - A table's routes are sorted by destination; a static route hides a propagated
//!   route for the same prefix.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::CommandError;
use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, Peering, PeeringSide,
    RegionEstate, RouteState, RouteTableLink, RouteTarget, RouteType, TgwAttachment, TgwRoute,
    TgwRouteTable,
};

/// AWS quota: routes per TGW route table (static and propagated).
pub const ROUTES_PER_TGW_ROUTE_TABLE: usize = 10_000;
/// AWS quota: attachments per transit gateway.
pub const ATTACHMENTS_PER_TGW: usize = 5_000;

/// What AWS shows of the stated regions `authored`.
///
/// # Errors
/// A sentence naming the object at fault (an unknown attachment linked, a peering
/// attachment propagating, two associations of one attachment, a quota exceeded).
pub fn derive(
    authored: &BTreeMap<String, RegionEstate>,
) -> Result<BTreeMap<String, RegionEstate>, CommandError> {
    let mut regions = authored.clone();
    mirror_peerings(&mut regions)?;
    for estate in regions.values_mut() {
        derive_links_and_routes(estate)?;
        check_quotas(estate)?;
    }
    Ok(regions)
}

fn check_quotas(estate: &RegionEstate) -> Result<(), CommandError> {
    for table in &estate.tgw_route_tables {
        if table.routes.len() > ROUTES_PER_TGW_ROUTE_TABLE {
            return Err(CommandError::invalid(format!(
                "TGW route table {} in {} would hold {} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table (RouteLimitExceeded)",
                table.id,
                estate.region,
                table.routes.len()
            )));
        }
    }
    let mut per_tgw: HashMap<&str, usize> = HashMap::new();
    for att in &estate.attachments {
        *per_tgw.entry(att.tgw_id.as_str()).or_default() += 1;
    }
    if let Some((tgw, n)) = per_tgw.into_iter().find(|(_, n)| *n > ATTACHMENTS_PER_TGW) {
        return Err(CommandError::invalid(format!(
            "transit gateway {tgw} in {} would have {n} attachments; AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway (TransitGatewayAttachmentLimitExceeded)",
            estate.region
        )));
    }
    Ok(())
}

/// Derives the accepter's view of each peering and the peering attachment on both
/// sides (same id), unless the scenario lists them already.
fn mirror_peerings(regions: &mut BTreeMap<String, RegionEstate>) -> Result<(), CommandError> {
    let requested: Vec<Peering> = regions
        .values()
        .flat_map(|r| r.peerings.iter().cloned())
        .filter(|p| p.region == p.requester.region)
        .collect();
    for peering in requested {
        let accepter_region = peering.accepter.region.clone();
        let accepter = regions
            .entry(accepter_region.clone())
            .or_insert_with(|| RegionEstate::new(&accepter_region));
        if !accepter
            .tgws
            .iter()
            .any(|t| t.id == peering.accepter.tgw_id)
        {
            return Err(CommandError::invalid(format!(
                "peering {}: accepter TGW {} is not in {accepter_region}",
                peering.id, peering.accepter.tgw_id
            )));
        }
        match accepter.peerings.iter_mut().find(|p| p.id == peering.id) {
            // Listed by the scenario on both sides: the requester's state wins.
            Some(view) => view.state = peering.state.clone(),
            None => accepter.peerings.push(Peering {
                region: accepter_region.clone(),
                ..peering.clone()
            }),
        }
        for (side, other) in [
            (&peering.requester, &peering.accepter),
            (&peering.accepter, &peering.requester),
        ] {
            let estate = regions.get_mut(&side.region).ok_or_else(|| {
                CommandError::invalid(format!(
                    "peering {}: region {} missing",
                    peering.id, side.region
                ))
            })?;
            if let Some(att) = estate.attachments.iter_mut().find(|a| a.id == peering.id) {
                att.state = peering.state.clone();
            } else {
                estate
                    .attachments
                    .push(peering_attachment(&peering, side, other));
            }
        }
    }
    Ok(())
}

fn derive_links_and_routes(estate: &mut RegionEstate) -> Result<(), CommandError> {
    let region = estate.region.clone();
    let attachments: HashMap<String, TgwAttachment> = estate
        .attachments
        .iter()
        .map(|a| (a.id.clone(), a.clone()))
        .collect();
    let vpc_cidrs: HashMap<String, Vec<ipnet::IpNet>> = estate
        .vpcs
        .iter()
        .map(|v| (v.id.clone(), v.cidr_blocks.clone()))
        .collect();
    let mut associated: HashMap<String, String> = HashMap::new();
    for table in &mut estate.tgw_route_tables {
        for (links, state) in [
            (&mut table.associations, "associated"),
            (&mut table.propagations, "enabled"),
        ] {
            for link in links.iter_mut() {
                let att = attachments.get(&link.attachment_id).ok_or_else(|| {
                    CommandError::invalid(format!(
                        "TGW route table {} in {region} links unknown attachment {}",
                        table.id, link.attachment_id
                    ))
                })?;
                complete_link(link, att, state);
            }
        }
        for link in &table.associations {
            if let Some(previous) = associated.insert(link.attachment_id.clone(), table.id.clone())
            {
                return Err(CommandError::invalid(format!(
                    "attachment {} in {region} is associated with both {previous} and {}; AWS allows one association",
                    link.attachment_id, table.id
                )));
            }
        }
        for route in &mut table.routes {
            route.route_type = RouteType::Static;
            for target in &mut route.targets {
                if let Some(att) = attachments.get(&target.attachment_id) {
                    target.resource_type = Some(att.kind.clone());
                    target.resource_id.clone_from(&att.resource_id);
                }
            }
            // The one rule for "does this TGW route forward" (crate::net).
            let usable =
                crate::net::targets::tgw_route_usable(&route.targets, |id| attachments.get(id));
            if !usable {
                route.state = RouteState::Blackhole;
            }
        }
        let statics: BTreeSet<Destination> =
            table.routes.iter().map(|r| r.destination.clone()).collect();
        let mut found = Vec::new();
        for link in &table.propagations {
            let Some(att) = attachments.get(&link.attachment_id) else {
                continue;
            };
            if att.kind == AttachmentKind::Peering {
                return Err(CommandError::invalid(format!(
                    "TGW route table {} in {region}: peering attachment {} cannot propagate routes (AWS refuses it); add a static route instead",
                    table.id, att.id
                )));
            }
            if att.kind != AttachmentKind::Vpc || !att.state.is_usable() {
                continue;
            }
            let cidrs = att
                .resource_id
                .as_ref()
                .and_then(|v| vpc_cidrs.get(v))
                .cloned()
                .unwrap_or_default();
            for cidr in cidrs {
                let destination = Destination::Cidr(cidr);
                if !statics.contains(&destination) {
                    found.push(propagated(&region, table, att, destination));
                }
            }
        }
        table.routes.extend(found);
        table
            .routes
            .sort_by(|a, b| a.destination.cmp(&b.destination));
    }
    for att in &mut estate.attachments {
        att.association = associated.get(&att.id).map(|table| AttachmentAssociation {
            route_table_id: table.clone(),
            state: "associated".into(),
        });
        if att.kind == AttachmentKind::Peering && att.state == AttachmentState::Available {
            att.appliance_mode = None;
        }
    }
    Ok(())
}

fn complete_link(link: &mut RouteTableLink, att: &TgwAttachment, state: &str) {
    link.resource_type = Some(att.kind.clone());
    link.resource_id.clone_from(&att.resource_id);
    if link.state.is_empty() {
        link.state = state.to_string();
    }
}

/// The attachment record of `peering` on `side` (the same id in both regions).
#[must_use]
pub fn peering_attachment(
    peering: &Peering,
    side: &PeeringSide,
    other: &PeeringSide,
) -> TgwAttachment {
    TgwAttachment {
        id: peering.id.clone(),
        region: side.region.clone(),
        tgw_id: side.tgw_id.clone(),
        tgw_owner_id: Some(side.account_id.clone()),
        name: peering.name.clone(),
        kind: AttachmentKind::Peering,
        state: peering.state.clone(),
        resource_id: Some(other.tgw_id.clone()),
        resource_owner_id: Some(other.account_id.clone()),
        ..TgwAttachment::default()
    }
}

/// Whether a static route to `targets` forwards in `r` (the one rule, in
/// [`crate::net::targets`]).
#[must_use]
pub fn usable(r: &RegionEstate, targets: &[RouteTarget]) -> bool {
    crate::net::targets::tgw_route_usable(targets, |id| r.attachments.iter().find(|a| a.id == id))
}

/// Puts `route` in `table` at its place by destination, in place of any route for the
/// same destination (a static hides a propagated route for its prefix).
pub fn put_route(table: &mut TgwRouteTable, route: TgwRoute) {
    table.routes.retain(|x| x.destination != route.destination);
    let at = table
        .routes
        .partition_point(|x| x.destination < route.destination);
    table.routes.insert(at, route);
}

/// The propagated route `att` gives `table` for `destination`.
fn propagated(
    region: &str,
    table: &TgwRouteTable,
    att: &TgwAttachment,
    destination: Destination,
) -> TgwRoute {
    TgwRoute {
        derived: false,
        route_table_id: table.id.clone(),
        region: region.to_string(),
        destination,
        route_type: RouteType::Propagated,
        state: RouteState::Active,
        targets: vec![RouteTarget {
            attachment_id: att.id.clone(),
            resource_type: Some(att.kind.clone()),
            resource_id: att.resource_id.clone(),
        }],
        prefix_list_id: None,
    }
}

/// The propagated routes `att` gives `table` in `r`: its VPC's CIDRs when it is a
/// usable VPC attachment, less those a static route holds.
#[must_use]
pub fn propagated_routes(
    r: &RegionEstate,
    table: &TgwRouteTable,
    att: &TgwAttachment,
) -> Vec<TgwRoute> {
    if att.kind != AttachmentKind::Vpc || !att.state.is_usable() {
        return Vec::new();
    }
    let cidrs = att
        .resource_id
        .as_deref()
        .and_then(|v| r.vpcs.iter().find(|x| x.id == v))
        .map(|v| v.cidr_blocks.clone())
        .unwrap_or_default();
    cidrs
        .into_iter()
        .map(Destination::Cidr)
        .filter(|d| {
            !table
                .routes
                .iter()
                .any(|x| x.route_type == RouteType::Static && &x.destination == d)
        })
        .map(|destination| propagated(&r.region, table, att, destination))
        .collect()
}

/// Deletes the static route for `destination` from table `table_id` of `r`; a
/// propagated route for the same prefix comes back.
pub fn delete_static(r: &mut RegionEstate, table_id: &str, destination: &Destination) {
    let Some(ti) = r.tgw_route_tables.iter().position(|t| t.id == table_id) else {
        return;
    };
    r.tgw_route_tables[ti]
        .routes
        .retain(|x| !(x.destination == *destination && x.route_type == RouteType::Static));
    let table = &r.tgw_route_tables[ti];
    // Only attachments whose VPC holds exactly that prefix (a table may have
    // thousands of propagations: each is not re-derived).
    let vpcs: std::collections::HashSet<&str> = r
        .vpcs
        .iter()
        .filter(|x| {
            x.cidr_blocks
                .iter()
                .any(|c| Destination::Cidr(*c) == *destination)
        })
        .map(|x| x.id.as_str())
        .collect();
    let holds = |att: &TgwAttachment| {
        att.kind == AttachmentKind::Vpc
            && att.state.is_usable()
            && att.resource_id.as_deref().is_some_and(|v| vpcs.contains(v))
    };
    let by_id: HashMap<&str, &TgwAttachment> =
        r.attachments.iter().map(|a| (a.id.as_str(), a)).collect();
    let back: Vec<TgwRoute> = table
        .propagations
        .iter()
        .filter_map(|l| by_id.get(l.attachment_id.as_str()).copied())
        .filter(|att| holds(att))
        .map(|att| propagated(&r.region, table, att, destination.clone()))
        .collect();
    for route in back {
        put_route(&mut r.tgw_route_tables[ti], route);
    }
}

/// After attachment `att_id` changed state (or links) in `r`: static routes to it are
/// active or blackhole as its usability says, and the propagated routes it gives are
/// rebuilt. Only the tables that route to it or take its propagation are touched.
pub fn refresh_attachment(r: &mut RegionEstate, att_id: &str) {
    let states: Vec<(usize, usize, RouteState)> = r
        .tgw_route_tables
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.routes.iter().enumerate().filter_map(move |(ri, x)| {
                (x.route_type == RouteType::Static
                    && x.targets.iter().any(|tg| tg.attachment_id == att_id))
                .then_some((ti, ri))
            })
        })
        .map(|(ti, ri)| {
            let state = if usable(r, &r.tgw_route_tables[ti].routes[ri].targets) {
                RouteState::Active
            } else {
                RouteState::Blackhole
            };
            (ti, ri, state)
        })
        .collect();
    for (ti, ri, state) in states {
        r.tgw_route_tables[ti].routes[ri].state = state;
    }
    let Some(att) = r.attachments.iter().find(|a| a.id == att_id).cloned() else {
        return;
    };
    for ti in 0..r.tgw_route_tables.len() {
        let table = &r.tgw_route_tables[ti];
        let propagates = table.propagations.iter().any(|l| l.attachment_id == att_id);
        let had = table.routes.iter().any(|x| {
            x.route_type == RouteType::Propagated
                && x.targets.iter().any(|tg| tg.attachment_id == att_id)
        });
        if !propagates && !had {
            continue;
        }
        let new = if propagates {
            propagated_routes(r, table, &att)
        } else {
            Vec::new()
        };
        let table = &mut r.tgw_route_tables[ti];
        table.routes.retain(|x| {
            !(x.route_type == RouteType::Propagated
                && x.targets.iter().any(|tg| tg.attachment_id == att_id))
        });
        for route in new {
            put_route(table, route);
        }
    }
}
