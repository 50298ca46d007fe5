//! The simulator behind `--demo`: the [`Backend`] contract over an in-memory estate.
//!
//! Invariants (AWS semantics the simulator keeps, so tests of it mean something):
//! - Unknown ids are errors (`NotFound`), never empty answers; a region AWS has but the
//!   scenario does not list is simply empty, as a fresh AWS region is.
//! - A peering is one attachment id visible in both regions; the scenario lists it on
//!   the requester side and the simulator derives the accepter's view.
//! - Propagated routes are derived from propagations (VPC CIDRs of the propagating
//!   attachment); a static route for the same prefix wins and hides the propagated one.
//!   Peering attachments cannot propagate (AWS refuses it), so a scenario that says so
//!   is rejected.
//! - A static route whose target attachment is gone or unusable is `blackhole`.
//! - Every TGW, VPC and attachment carries its owner account, as the EC2 API reports
//!   (`OwnerId`, `TransitGatewayOwnerId`, `ResourceOwnerId`); a scenario may leave them
//!   out and they default to the TGW's / VPC's owner, else the scenario's account.
//! - One route per destination per table: duplicates are refused at load.
//! - Routes are answered through the same 1000-at-a-time search as AWS, so the
//!   splitting reader is exercised against the simulator too.
//! - Faults and latency apply per call, as configured in the scenario or injected.

pub mod generate;
pub mod scenario;
mod validate;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

pub use generate::generate;
pub use scenario::{Faults, Scenario, ScenarioError};

use super::{Backend, BackendError, BackendInfo, ErrorKind, RoutePage, RouteQuery};
use crate::model::{
    Account, AttachmentAssociation, AttachmentKind, AttachmentState, Destination, Gap, Peering,
    RegionEstate, RouteState, RouteTableLink, RouteType, TgwAttachment, TgwRoute,
};

/// The in-memory backend.
#[derive(Debug)]
pub struct Simulator {
    name: String,
    account_id: String,
    home_region: String,
    regions: BTreeMap<String, RegionEstate>,
    faults: Mutex<Faults>,
}

impl Simulator {
    /// The built-in demo estate.
    ///
    /// # Errors
    /// Only if the embedded scenario is broken (a test guards against that).
    pub fn demo() -> Result<Self, ScenarioError> {
        Self::from_scenario(Scenario::builtin()?)
    }

    /// Builds a simulator from a scenario, completing what AWS would derive.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] naming the object at fault: a dangling reference
    /// (route table of an unknown TGW, attachment of an unknown VPC), a duplicate id or
    /// route, a propagation from a peering attachment.
    pub fn from_scenario(scenario: Scenario) -> Result<Self, ScenarioError> {
        // Errors name the file the scenario came from, else its name.
        let origin = if !scenario.origin.is_empty() {
            scenario.origin.clone()
        } else if !scenario.name.is_empty() {
            scenario.name.clone()
        } else {
            "scenario".to_string()
        };
        let invalid = |message: String| ScenarioError::Invalid {
            path: origin.clone(),
            message,
        };
        let home_region = scenario
            .regions
            .first()
            .map(|r| r.region.clone())
            .unwrap_or_default();
        let mut regions: BTreeMap<String, RegionEstate> = BTreeMap::new();
        for region in scenario.regions {
            if regions.contains_key(&region.region) {
                return Err(invalid(format!("region {} is listed twice", region.region)));
            }
            regions.insert(region.region.clone(), region);
        }
        for estate in regions.values_mut() {
            fill_regions(estate);
            fill_owners(estate, &scenario.account_id);
            check_unique_ids(estate).map_err(&invalid)?;
            check_references(estate).map_err(&invalid)?;
        }
        mirror_peerings(&mut regions).map_err(&invalid)?;
        for estate in regions.values_mut() {
            derive_links_and_routes(estate).map_err(&invalid)?;
        }
        Ok(Self {
            name: if scenario.name.is_empty() {
                "custom".into()
            } else {
                scenario.name
            },
            account_id: scenario.account_id,
            home_region,
            regions,
            faults: Mutex::new(scenario.faults),
        })
    }

    /// Replaces the injected faults (tests, benchmarks, `--sim-*` flags).
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// The regions the scenario lists, home region first.
    #[must_use]
    pub fn scenario_regions(&self) -> Vec<String> {
        let mut out = vec![self.home_region.clone()];
        out.extend(
            self.regions
                .keys()
                .filter(|r| **r != self.home_region)
                .cloned(),
        );
        out
    }

    fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Applies latency and region-wide faults for one call.
    async fn call(&self, region: &str, api: &str) -> Result<Faults, BackendError> {
        let faults = self.faults();
        let delay = faults.latency_ms + faults.region_latency_ms.get(region).copied().unwrap_or(0);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let listed = |list: &[String]| list.iter().any(|r| r == region);
        if listed(&faults.regions_down) {
            return Err(BackendError::new(
                ErrorKind::Unreachable,
                format!(
                    "cannot reach the EC2 endpoint for {region} ({api}): connection refused (simulated outage)"
                ),
            )
            .in_region(region));
        }
        if listed(&faults.regions_throttled) {
            return Err(BackendError::new(
                ErrorKind::Throttled,
                format!("{api} in {region} was throttled (RequestLimitExceeded) and retries are exhausted; try again shortly"),
            )
            .in_region(region));
        }
        if listed(&faults.regions_timing_out) {
            return Err(BackendError::new(
                ErrorKind::Timeout,
                format!("{api} in {region} timed out (simulated)"),
            )
            .in_region(region));
        }
        Ok(faults)
    }
}

#[async_trait]
impl Backend for Simulator {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "demo".into(),
            label: self.name.clone(),
            default_regions: vec![self.home_region.clone()],
        }
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        Ok((!self.account_id.is_empty()).then(|| Account {
            id: self.account_id.clone(),
            alias: None,
        }))
    }

    async fn load_region(&self, region: &str) -> Result<RegionEstate, BackendError> {
        let faults = self.call(region, "DescribeTransitGateways").await?;
        let Some(stored) = self.regions.get(region) else {
            return Ok(RegionEstate::new(region));
        };
        let mut estate = stored.clone();
        // Routes come back through the same search-and-split path as AWS, tables read
        // concurrently as the AWS backend does.
        let ids: Vec<String> = estate
            .tgw_route_tables
            .iter()
            .map(|t| t.id.clone())
            .collect();
        let routes =
            futures::future::try_join_all(ids.iter().map(|id| self.tgw_routes(region, id))).await?;
        for (table, routes) in estate.tgw_route_tables.iter_mut().zip(routes) {
            table.routes = routes;
        }
        for part in &faults.denied_parts {
            let error = format!(
                "access denied reading {part} in {region}: the caller lacks the {part} read permissions"
            );
            match part.as_str() {
                "network-firewall" => {
                    estate.firewalls.clear();
                    estate.firewall_policies.clear();
                    estate.rule_groups.clear();
                }
                "ssm" => estate.instances.iter_mut().for_each(|i| i.ssm = None),
                _ => continue,
            }
            estate.gaps.push(Gap {
                part: part.clone(),
                error,
            });
        }
        Ok(estate)
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        self.call(region, "SearchTransitGatewayRoutes").await?;
        let table = self
            .regions
            .get(region)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == route_table_id))
            .ok_or_else(|| BackendError::not_found("TGW route table", route_table_id, region))?;
        Ok(super::routes::answer_query(&table.routes, query))
    }
}

fn fill_regions(estate: &mut RegionEstate) {
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
fn fill_owners(estate: &mut RegionEstate, account: &str) {
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

fn check_unique_ids(estate: &RegionEstate) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let ids = estate
        .tgws
        .iter()
        .map(|x| &x.id)
        .chain(estate.tgw_route_tables.iter().map(|x| &x.id))
        .chain(estate.attachments.iter().map(|x| &x.id))
        .chain(estate.vpcs.iter().map(|x| &x.id))
        .chain(estate.subnets.iter().map(|x| &x.id))
        .chain(estate.vpc_route_tables.iter().map(|x| &x.id))
        .chain(estate.internet_gateways.iter().map(|x| &x.id))
        .chain(estate.nat_gateways.iter().map(|x| &x.id))
        .chain(estate.vpc_endpoints.iter().map(|x| &x.id))
        .chain(estate.instances.iter().map(|x| &x.id));
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

fn check_references(estate: &RegionEstate) -> Result<(), String> {
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
        if !accepter.peerings.iter().any(|p| p.id == peering.id) {
            accepter.peerings.push(Peering {
                region: accepter_region.clone(),
                ..peering.clone()
            });
        }
        for (side, other) in [
            (&peering.requester, &peering.accepter),
            (&peering.accepter, &peering.requester),
        ] {
            let estate = regions
                .get_mut(&side.region)
                .ok_or_else(|| format!("peering {}: region {} missing", peering.id, side.region))?;
            if !estate.attachments.iter().any(|a| a.id == peering.id) {
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
            let mut usable = !route.targets.is_empty();
            for target in &mut route.targets {
                match attachments.get(&target.attachment_id) {
                    Some(att) => {
                        target.resource_type = Some(att.kind.clone());
                        target.resource_id.clone_from(&att.resource_id);
                        usable &= att.state.is_usable();
                    }
                    None => usable = false,
                }
            }
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
        if let Some(table) = associated.get(&att.id) {
            att.association = Some(AttachmentAssociation {
                route_table_id: table.clone(),
                state: "associated".into(),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scenario_loads() {
        let sim = Simulator::demo().expect("builtin scenario");
        assert_eq!(sim.scenario_regions(), vec!["us-east-1", "eu-west-1"]);
        let use1 = &sim.regions["us-east-1"];
        let post = use1
            .tgw_route_tables
            .iter()
            .find(|t| t.name.as_deref() == Some("post-inspection"))
            .expect("post-inspection");
        let blackholes: Vec<String> = post
            .routes
            .iter()
            .filter(|r| r.state == RouteState::Blackhole)
            .map(|r| r.destination.to_string())
            .collect();
        assert_eq!(blackholes, vec!["10.2.0.0/16"]);
        let propagated: Vec<String> = post
            .routes
            .iter()
            .filter(|r| r.route_type == RouteType::Propagated)
            .map(|r| r.destination.to_string())
            .collect();
        assert_eq!(propagated, vec!["10.0.0.0/16", "10.1.0.0/16"]);
        let euw1 = &sim.regions["eu-west-1"];
        assert_eq!(euw1.peerings.len(), 1, "accepter sees the peering");
        assert_eq!(euw1.peerings[0].region, "eu-west-1");
        assert!(
            euw1.attachments
                .iter()
                .any(|a| a.kind == AttachmentKind::Peering)
        );
    }

    fn tiny(routes: &str) -> String {
        format!(
            r#"
name = "t"
[[regions]]
region = "us-east-1"
[[regions.tgws]]
id = "tgw-1"
[[regions.tgw_route_tables]]
id = "tgw-rtb-1"
tgw_id = "tgw-1"
routes = [{routes}]
"#
        )
    }

    #[test]
    fn duplicate_routes_are_refused() {
        let text = tiny(
            r#"{ destination = { cidr = "10.0.0.0/8" } }, { destination = { cidr = "10.0.0.0/8" } }"#,
        );
        let err = Simulator::from_scenario(Scenario::parse(&text, "t.toml").expect("parse"))
            .expect_err("duplicate");
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert!(err.to_string().contains("t.toml"), "names the file: {err}");
    }

    #[test]
    fn route_without_target_is_blackhole() {
        let text = tiny(r#"{ destination = { cidr = "10.0.0.0/8" } }"#);
        let sim = Simulator::from_scenario(Scenario::parse(&text, "t.toml").expect("parse"))
            .expect("load");
        assert_eq!(
            sim.regions["us-east-1"].tgw_route_tables[0].routes[0].state,
            RouteState::Blackhole
        );
    }

    #[tokio::test]
    async fn unknown_route_table_is_not_found() {
        let sim = Simulator::demo().expect("demo");
        let err = sim
            .search_routes("us-east-1", "tgw-rtb-nope", RouteQuery::All)
            .await
            .expect_err("unknown");
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(err.message.contains("tgw-rtb-nope"));
        assert!(err.message.contains("us-east-1"));
    }

    #[tokio::test]
    async fn region_down_fails_only_that_region() {
        let sim = Simulator::demo().expect("demo");
        sim.set_faults(Faults {
            regions_down: vec!["eu-west-1".into()],
            ..Faults::default()
        });
        assert!(sim.load_region("us-east-1").await.is_ok());
        let err = sim.load_region("eu-west-1").await.expect_err("down");
        assert_eq!(err.kind, ErrorKind::Unreachable);
    }
}
