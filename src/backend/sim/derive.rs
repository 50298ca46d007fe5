//! Loading a scenario: the regions and owners the scenario left out, and the ids and
//! references it must get right. What AWS then shows of it is derived by
//! [`crate::net::change::derive`].

use std::collections::{BTreeSet, HashMap};

use crate::error::CommandError;
use crate::model::{AttachmentKind, RegionEstate};

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
        // A name is the Name tag on AWS, and AWS lists it among the tags.
        if let Some(name) = &x.name {
            x.tags
                .entry("Name".to_string())
                .or_insert_with(|| name.clone());
        }
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

pub(super) fn check_unique_ids(estate: &RegionEstate) -> Result<(), CommandError> {
    let mut seen = BTreeSet::new();
    let ids = estate.object_ids();
    for id in ids {
        if id.is_empty() {
            return Err(CommandError::invalid(format!(
                "an object in {} has no id",
                estate.region
            )));
        }
        if !seen.insert(id) {
            return Err(CommandError::invalid(format!(
                "id {id} appears twice in {}",
                estate.region
            )));
        }
    }
    Ok(())
}

pub(super) fn check_references(estate: &RegionEstate) -> Result<(), CommandError> {
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
            return Err(CommandError::invalid(format!(
                "TGW route table {} in {region} belongs to unknown TGW {}",
                table.id, table.tgw_id
            )));
        }
        let mut destinations = BTreeSet::new();
        for route in &table.routes {
            if !destinations.insert(&route.destination) {
                return Err(CommandError::invalid(format!(
                    "route {} appears twice in TGW route table {} ({region}); AWS allows one route per destination",
                    route.destination, table.id
                )));
            }
        }
    }
    for att in &estate.attachments {
        if !tgws.contains(att.tgw_id.as_str()) {
            return Err(CommandError::invalid(format!(
                "attachment {} in {region} belongs to unknown TGW {}",
                att.id, att.tgw_id
            )));
        }
        if att.kind == AttachmentKind::Vpc {
            let vpc = att.resource_id.as_deref().unwrap_or_default();
            if !vpcs.contains(vpc) {
                return Err(CommandError::invalid(format!(
                    "VPC attachment {} in {region} names unknown VPC {vpc:?}",
                    att.id
                )));
            }
            for subnet in &att.subnet_ids {
                if subnets.get(subnet.as_str()) != Some(&vpc) {
                    return Err(CommandError::invalid(format!(
                        "VPC attachment {} in {region} uses subnet {subnet}, which is not in {vpc}",
                        att.id
                    )));
                }
            }
        }
    }
    for subnet in &estate.subnets {
        if !vpcs.contains(subnet.vpc_id.as_str()) {
            return Err(CommandError::invalid(format!(
                "subnet {} in {region} belongs to unknown VPC {}",
                subnet.id, subnet.vpc_id
            )));
        }
    }
    for rt in &estate.vpc_route_tables {
        if !vpcs.contains(rt.vpc_id.as_str()) {
            return Err(CommandError::invalid(format!(
                "route table {} in {region} belongs to unknown VPC {}",
                rt.id, rt.vpc_id
            )));
        }
    }
    for peering in &estate.peerings {
        if !tgws.contains(peering.requester.tgw_id.as_str()) {
            return Err(CommandError::invalid(format!(
                "peering {} in {region}: requester TGW {} is not in {region}",
                peering.id, peering.requester.tgw_id
            )));
        }
        if peering.accepter.region.is_empty() || peering.accepter.tgw_id.is_empty() {
            return Err(CommandError::invalid(format!(
                "peering {} in {region} needs accepter.tgw_id and accepter.region",
                peering.id
            )));
        }
    }
    Ok(())
}
