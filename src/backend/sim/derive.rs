//! The simulator's derivation: from AUTHORED state (what the scenario or a change
//! said: static routes, associations, propagations, requested peerings) to DERIVED
//! state (what AWS would show: propagated routes, blackhole states, association
//! details, the accepter's view of each peering and the peering attachments).
//!
//! Invariants:
//! - [`derive()`] is a pure function of the authored regions: it never changes them, and
//!   running it twice gives the same answer. Every change re-runs it whole.
//! - The requester's record of a peering is authoritative; the accepter's view and
//!   both peering attachments take its state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{
    AttachmentAssociation, AttachmentKind, AttachmentState, Destination, Peering, RegionEstate,
    RouteState, RouteTableLink, RouteType, TgwAttachment, TgwRoute,
};

/// AWS quota: routes per TGW route table (static and propagated).
pub const ROUTES_PER_TGW_ROUTE_TABLE: usize = 10_000;
/// AWS quota: attachments per transit gateway.
pub const ATTACHMENTS_PER_TGW: usize = 5_000;

/// The derived regions of `authored`.
///
/// # Errors
/// A sentence naming the object at fault (an unknown attachment linked, a peering
/// attachment propagating, two associations of one attachment, a quota exceeded).
pub fn derive(
    authored: &BTreeMap<String, RegionEstate>,
) -> Result<BTreeMap<String, RegionEstate>, String> {
    let mut regions = authored.clone();
    mirror_peerings(&mut regions)?;
    for estate in regions.values_mut() {
        derive_links_and_routes(estate)?;
        check_quotas(estate)?;
    }
    Ok(regions)
}

fn check_quotas(estate: &RegionEstate) -> Result<(), String> {
    for table in &estate.tgw_route_tables {
        if table.routes.len() > ROUTES_PER_TGW_ROUTE_TABLE {
            return Err(format!(
                "TGW route table {} in {} would hold {} routes; AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table (RouteLimitExceeded)",
                table.id,
                estate.region,
                table.routes.len()
            ));
        }
    }
    let mut per_tgw: HashMap<&str, usize> = HashMap::new();
    for att in &estate.attachments {
        *per_tgw.entry(att.tgw_id.as_str()).or_default() += 1;
    }
    if let Some((tgw, n)) = per_tgw.into_iter().find(|(_, n)| *n > ATTACHMENTS_PER_TGW) {
        return Err(format!(
            "transit gateway {tgw} in {} would have {n} attachments; AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway (TransitGatewayAttachmentLimitExceeded)",
            estate.region
        ));
    }
    Ok(())
}

pub(super) fn fill_regions(estate: &mut RegionEstate) {
    let region = estate.region.clone();
    let set = |r: &mut String| {
        if r.is_empty() {
            r.clone_from(&region);
        }
    };
    estate.tgws.iter_mut().for_each(|x| set(&mut x.region));
    for table in &mut estate.tgw_route_tables {
        set(&mut table.region);
        for route in &mut table.routes {
            set(&mut route.region);
            route.route_table_id.clone_from(&table.id);
        }
    }
    estate
        .attachments
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate.peerings.iter_mut().for_each(|x| {
        set(&mut x.region);
        set(&mut x.requester.region);
    });
    estate.vpcs.iter_mut().for_each(|x| set(&mut x.region));
    estate.subnets.iter_mut().for_each(|x| set(&mut x.region));
    estate
        .vpc_route_tables
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate
        .internet_gateways
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate
        .nat_gateways
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate
        .vpc_endpoints
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate.firewalls.iter_mut().for_each(|x| set(&mut x.region));
    estate
        .firewall_policies
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate
        .rule_groups
        .iter_mut()
        .for_each(|x| set(&mut x.region));
    estate.instances.iter_mut().for_each(|x| set(&mut x.region));
}

/// Owner accounts, as the EC2 API always reports them: a TGW or VPC without one is the
/// scenario account's; an attachment is owned by its TGW's owner, and a VPC
/// attachment's resource by the VPC's owner.
pub(super) fn fill_owners(estate: &mut RegionEstate, account: &str) {
    for tgw in &mut estate.tgws {
        if tgw.owner_id.is_empty() {
            tgw.owner_id = account.to_string();
        }
    }
    for vpc in &mut estate.vpcs {
        if vpc.owner_id.is_empty() {
            vpc.owner_id = account.to_string();
        }
    }
    let owner_of = |id: Option<&str>, owners: &[(&str, &str)]| {
        let owner = id
            .and_then(|id| owners.iter().find(|(i, _)| *i == id))
            .map_or(account, |(_, o)| *o);
        (!owner.is_empty()).then(|| owner.to_string())
    };
    let tgw_owners: Vec<(&str, &str)> = estate
        .tgws
        .iter()
        .map(|t| (t.id.as_str(), t.owner_id.as_str()))
        .collect();
    let vpc_owners: Vec<(&str, &str)> = estate
        .vpcs
        .iter()
        .map(|v| (v.id.as_str(), v.owner_id.as_str()))
        .collect();
    for att in &mut estate.attachments {
        if att.tgw_owner_id.is_none() {
            att.tgw_owner_id = owner_of(Some(&att.tgw_id), &tgw_owners);
        }
        if att.resource_owner_id.is_none() && att.kind == AttachmentKind::Vpc {
            att.resource_owner_id = owner_of(att.resource_id.as_deref(), &vpc_owners);
        }
    }
}

pub(super) fn check_unique_ids(estate: &RegionEstate) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let ids = estate.object_ids();
    for id in ids {
        if id.is_empty() {
            return Err(format!("an object in {} has no id", estate.region));
        }
        if !seen.insert(id) {
            return Err(format!("id {id} appears twice in {}", estate.region));
        }
    }
    Ok(())
}

pub(super) fn check_references(estate: &RegionEstate) -> Result<(), String> {
    let region = &estate.region;
    let tgws: BTreeSet<&str> = estate.tgws.iter().map(|t| t.id.as_str()).collect();
    let vpcs: BTreeSet<&str> = estate.vpcs.iter().map(|v| v.id.as_str()).collect();
    let subnets: HashMap<&str, &str> = estate
        .subnets
        .iter()
        .map(|s| (s.id.as_str(), s.vpc_id.as_str()))
        .collect();
    for table in &estate.tgw_route_tables {
        if !tgws.contains(table.tgw_id.as_str()) {
            return Err(format!(
                "TGW route table {} in {region} belongs to unknown TGW {}",
                table.id, table.tgw_id
            ));
        }
        let mut destinations = BTreeSet::new();
        for route in &table.routes {
            if !destinations.insert(&route.destination) {
                return Err(format!(
                    "route {} appears twice in TGW route table {} ({region}); AWS allows one route per destination",
                    route.destination, table.id
                ));
            }
        }
    }
    for att in &estate.attachments {
        if !tgws.contains(att.tgw_id.as_str()) {
            return Err(format!(
                "attachment {} in {region} belongs to unknown TGW {}",
                att.id, att.tgw_id
            ));
        }
        if att.kind == AttachmentKind::Vpc {
            let vpc = att.resource_id.as_deref().unwrap_or_default();
            if !vpcs.contains(vpc) {
                return Err(format!(
                    "VPC attachment {} in {region} names unknown VPC {vpc:?}",
                    att.id
                ));
            }
            for subnet in &att.subnet_ids {
                if subnets.get(subnet.as_str()) != Some(&vpc) {
                    return Err(format!(
                        "VPC attachment {} in {region} uses subnet {subnet}, which is not in {vpc}",
                        att.id
                    ));
                }
            }
        }
    }
    for subnet in &estate.subnets {
        if !vpcs.contains(subnet.vpc_id.as_str()) {
            return Err(format!(
                "subnet {} in {region} belongs to unknown VPC {}",
                subnet.id, subnet.vpc_id
            ));
        }
    }
    for rt in &estate.vpc_route_tables {
        if !vpcs.contains(rt.vpc_id.as_str()) {
            return Err(format!(
                "route table {} in {region} belongs to unknown VPC {}",
                rt.id, rt.vpc_id
            ));
        }
    }
    for peering in &estate.peerings {
        if !tgws.contains(peering.requester.tgw_id.as_str()) {
            return Err(format!(
                "peering {} in {region}: requester TGW {} is not in {region}",
                peering.id, peering.requester.tgw_id
            ));
        }
        if peering.accepter.region.is_empty() || peering.accepter.tgw_id.is_empty() {
            return Err(format!(
                "peering {} in {region} needs accepter.tgw_id and accepter.region",
                peering.id
            ));
        }
    }
    Ok(())
}

/// Derives the accepter's view of each peering and the peering attachment on both
/// sides (same id), unless the scenario lists them already.
fn mirror_peerings(regions: &mut BTreeMap<String, RegionEstate>) -> Result<(), String> {
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
            return Err(format!(
                "peering {}: accepter TGW {} is not in {accepter_region}",
                peering.id, peering.accepter.tgw_id
            ));
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
            let estate = regions
                .get_mut(&side.region)
                .ok_or_else(|| format!("peering {}: region {} missing", peering.id, side.region))?;
            if let Some(att) = estate.attachments.iter_mut().find(|a| a.id == peering.id) {
                att.state = peering.state.clone();
            } else {
                estate.attachments.push(TgwAttachment {
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
                });
            }
        }
    }
    Ok(())
}

fn derive_links_and_routes(estate: &mut RegionEstate) -> Result<(), String> {
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
                    format!(
                        "TGW route table {} in {region} links unknown attachment {}",
                        table.id, link.attachment_id
                    )
                })?;
                complete_link(link, att, state);
            }
        }
        for link in &table.associations {
            if let Some(previous) = associated.insert(link.attachment_id.clone(), table.id.clone())
            {
                return Err(format!(
                    "attachment {} in {region} is associated with both {previous} and {}; AWS allows one association",
                    link.attachment_id, table.id
                ));
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
        let mut propagated = Vec::new();
        for link in &table.propagations {
            let Some(att) = attachments.get(&link.attachment_id) else {
                continue;
            };
            if att.kind == AttachmentKind::Peering {
                return Err(format!(
                    "TGW route table {} in {region}: peering attachment {} cannot propagate routes (AWS refuses it); add a static route instead",
                    table.id, att.id
                ));
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
                if statics.contains(&destination) {
                    continue;
                }
                propagated.push(TgwRoute {
                    route_table_id: table.id.clone(),
                    region: region.clone(),
                    destination,
                    route_type: RouteType::Propagated,
                    state: RouteState::Active,
                    targets: vec![crate::model::RouteTarget {
                        attachment_id: att.id.clone(),
                        resource_type: Some(att.kind.clone()),
                        resource_id: att.resource_id.clone(),
                    }],
                });
            }
        }
        table.routes.extend(propagated);
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
