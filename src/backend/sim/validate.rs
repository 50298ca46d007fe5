//! What AWS would refuse in a scenario, found in one pass: every problem is reported,
//! each naming the object, so a scenario author fixes them all at once.
//!
//! Checked here (on the scenario as written, before the simulator derives anything):
//! - CIDRs with host bits (`10.0.0.1/16`): AWS refuses them; the canonical form is
//!   named. TGW routes, VPC routes, VPC and subnet CIDRs.
//! - A subnet outside its VPC's CIDRs.
//! - A TGW ASN outside AWS's private ranges (64512–65534, 4200000000–4294967294).
//! - References from NAT gateways, instances (and their security groups), VPC route
//!   tables (targets and subnet associations), security groups and network ACLs
//!   (VPC, subnet associations) to objects the region does not have.
//! - One id in two regions (a peering is the one object AWS shows in both).
//!
//! Dangling references between TGW objects and duplicates within a region are checked
//! when the simulator loads the scenario (`Simulator::from_scenario`).

use std::collections::{HashMap, HashSet};

use ipnet::IpNet;

use crate::error::CommandError;
use crate::model::{Destination, RegionEstate, VpcRouteTarget};
use crate::text::quote;

/// AWS's private ASN ranges for a TGW's Amazon side.
pub const PRIVATE_ASNS: [std::ops::RangeInclusive<u64>; 2] =
    [64_512..=65_534, 4_200_000_000..=4_294_967_294];

/// Every problem found in a scenario's regions, in scenario order.
pub fn check(regions: &[RegionEstate]) -> Vec<String> {
    let mut problems = Vec::new();
    for estate in regions {
        check_region(estate, &mut problems);
    }
    check_ids_across_regions(regions, &mut problems);
    problems
}

fn host_bits(net: &IpNet, what: impl FnOnce() -> String, problems: &mut Vec<String>) {
    let canonical = net.trunc();
    if canonical != *net {
        problems.push(format!(
            "{}: CIDR {net} has host bits set (AWS refuses it); write {canonical}",
            what()
        ));
    }
}

fn check_region(estate: &RegionEstate, problems: &mut Vec<String>) {
    let region = quote(&estate.region);
    let ids = |v: &mut dyn Iterator<Item = &str>| -> HashSet<String> {
        v.map(ToString::to_string).collect()
    };
    let tgws = ids(&mut estate.tgws.iter().map(|t| t.id.as_str()));
    let nats = ids(&mut estate.nat_gateways.iter().map(|n| n.id.as_str()));
    let igws = ids(&mut estate.internet_gateways.iter().map(|i| i.id.as_str()));
    let instances = ids(&mut estate.instances.iter().map(|i| i.id.as_str()));
    let endpoints = ids(
        &mut estate.vpc_endpoints.iter().map(|e| e.id.as_str()).chain(
            estate
                .firewalls
                .iter()
                .flat_map(|f| f.endpoints.iter().filter_map(|e| e.endpoint_id.as_deref())),
        ),
    );
    let vpcs: HashMap<&str, &[IpNet]> = estate
        .vpcs
        .iter()
        .map(|v| (v.id.as_str(), v.cidr_blocks.as_slice()))
        .collect();
    let subnets: HashMap<&str, &str> = estate
        .subnets
        .iter()
        .map(|s| (s.id.as_str(), s.vpc_id.as_str()))
        .collect();

    for tgw in &estate.tgws {
        if !PRIVATE_ASNS.iter().any(|r| r.contains(&tgw.asn)) {
            problems.push(format!(
                "TGW {} in {region}: ASN {} is outside AWS's private ranges 64512-65534 and 4200000000-4294967294",
                quote(&tgw.id),
                tgw.asn
            ));
        }
    }
    for table in &estate.tgw_route_tables {
        for route in &table.routes {
            if let Destination::Cidr(net) = &route.destination {
                host_bits(
                    net,
                    || format!("TGW route table {} in {region}", quote(&table.id)),
                    problems,
                );
            }
        }
    }
    for vpc in &estate.vpcs {
        for net in &vpc.cidr_blocks {
            host_bits(
                net,
                || format!("VPC {} in {region}", quote(&vpc.id)),
                problems,
            );
        }
    }
    for subnet in &estate.subnets {
        let Some(net) = &subnet.cidr else { continue };
        let what = || format!("subnet {} in {region}", quote(&subnet.id));
        host_bits(net, what, problems);
        if let Some(vpc_cidrs) = vpcs.get(subnet.vpc_id.as_str())
            && !vpc_cidrs.is_empty()
            && !vpc_cidrs.iter().any(|v| v.contains(&net.trunc()))
        {
            problems.push(format!(
                "{}: CIDR {net} is outside its VPC {} ({})",
                what(),
                quote(&subnet.vpc_id),
                vpc_cidrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    // A reference from `what` to a `kind` the region must have.
    let missing = |what: String, kind: &str, id: &str| {
        format!("{what}: {kind} {} does not exist in {region}", quote(id))
    };
    let subnet_in = |subnet: &str, vpc: Option<&str>| -> Result<(), CommandError> {
        match (subnets.get(subnet), vpc) {
            (None, _) => Err(CommandError::invalid(format!(
                "subnet {} does not exist in {region}",
                quote(subnet)
            ))),
            (Some(actual), Some(vpc)) if *actual != vpc => Err(CommandError::invalid(format!(
                "subnet {} is in VPC {}, not in {}",
                quote(subnet),
                quote(actual),
                quote(vpc)
            ))),
            _ => Ok(()),
        }
    };
    for nat in &estate.nat_gateways {
        let what = || format!("NAT gateway {} in {region}", quote(&nat.id));
        if !nat.vpc_id.is_empty() && !vpcs.contains_key(nat.vpc_id.as_str()) {
            problems.push(missing(what(), "VPC", &nat.vpc_id));
        }
        if !nat.subnet_id.is_empty()
            && let Err(e) = subnet_in(
                &nat.subnet_id,
                Some(nat.vpc_id.as_str()).filter(|v| !v.is_empty()),
            )
        {
            problems.push(format!("{}: {}", what(), e.message));
        }
    }
    for instance in &estate.instances {
        let what = || format!("instance {} in {region}", quote(&instance.id));
        if let Some(vpc) = &instance.vpc_id
            && !vpcs.contains_key(vpc.as_str())
        {
            problems.push(missing(what(), "VPC", vpc));
        }
        if let Some(subnet) = &instance.subnet_id
            && let Err(e) = subnet_in(subnet, instance.vpc_id.as_deref())
        {
            problems.push(format!("{}: {}", what(), e.message));
        }
    }
    let groups = ids(&mut estate.security_groups.iter().map(|g| g.id.as_str()));
    for instance in &estate.instances {
        for g in &instance.security_group_ids {
            if !groups.contains(g) {
                let what = format!("instance {} in {region}", quote(&instance.id));
                problems.push(missing(what, "security group", g));
            }
        }
    }
    for g in &estate.security_groups {
        let what = || format!("security group {} in {region}", quote(&g.id));
        if !vpcs.contains_key(g.vpc_id.as_str()) {
            problems.push(missing(what(), "VPC", &g.vpc_id));
        }
        for rule in g.ingress.iter().chain(&g.egress) {
            for net in &rule.cidrs {
                host_bits(net, what, problems);
            }
        }
    }
    for acl in &estate.network_acls {
        let what = || format!("network ACL {} in {region}", quote(&acl.id));
        if !vpcs.contains_key(acl.vpc_id.as_str()) {
            problems.push(missing(what(), "VPC", &acl.vpc_id));
        }
        for subnet in &acl.subnet_ids {
            if let Err(e) = subnet_in(subnet, Some(acl.vpc_id.as_str())) {
                problems.push(format!("{}: association: {}", what(), e.message));
            }
        }
        for entry in &acl.entries {
            if let Some(net) = &entry.cidr {
                host_bits(net, what, problems);
            }
        }
    }
    for table in &estate.vpc_route_tables {
        let what = || format!("VPC route table {} in {region}", quote(&table.id));
        for assoc in &table.associations {
            if let Some(subnet) = &assoc.subnet_id
                && let Err(e) = subnet_in(subnet, Some(table.vpc_id.as_str()))
            {
                problems.push(format!("{}: association: {}", what(), e.message));
            }
        }
        for route in &table.routes {
            if let Destination::Cidr(net) = &route.destination {
                host_bits(net, what, problems);
            }
            let (kind, known) = match &route.target {
                VpcRouteTarget::NatGateway(id) => ("NAT gateway", nats.contains(id)),
                VpcRouteTarget::InternetGateway(id) => ("internet gateway", igws.contains(id)),
                VpcRouteTarget::TransitGateway(id) => ("TGW", tgws.contains(id)),
                VpcRouteTarget::Instance(id) => ("instance", instances.contains(id)),
                VpcRouteTarget::VpcEndpoint(id) => ("VPC endpoint", endpoints.contains(id)),
                // Not modelled by the simulator: nothing to check against.
                _ => continue,
            };
            if !known {
                let what = format!("{}: route {}", what(), route.destination);
                problems.push(missing(what, kind, route.target.id()));
            }
        }
    }
}

fn check_ids_across_regions(regions: &[RegionEstate], problems: &mut Vec<String>) {
    // A peering (and its attachment) carries one id in both regions, as in AWS.
    let peerings: HashSet<&str> = regions
        .iter()
        .flat_map(|r| r.peerings.iter().map(|p| p.id.as_str()))
        .collect();
    let mut first: HashMap<&str, &str> = HashMap::new();
    let mut reported: HashSet<&str> = HashSet::new();
    for estate in regions {
        let ids = estate.object_ids();
        let mut here: HashSet<&str> = HashSet::new();
        for id in ids {
            let id = id.as_str();
            if id.is_empty() || peerings.contains(id) || !here.insert(id) {
                continue;
            }
            match first.get(id) {
                Some(other) if *other != estate.region.as_str() && reported.insert(id) => {
                    problems.push(format!(
                        "id {} is used in both {} and {}; AWS ids are unique across regions",
                        quote(id),
                        quote(other),
                        quote(&estate.region)
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(id, estate.region.as_str());
                }
            }
        }
    }
}
