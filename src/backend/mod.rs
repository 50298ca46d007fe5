//! The backend contract: one async trait for reading an estate ([`Backend`]) and a
//! separate one for changing it ([`Changer`], typed operations as data in [`change`]),
//! both implemented by the AWS backend ([`aws`]) and the simulator ([`sim`]).
//!
//! Invariants:
//! - A backend reads one region at a time; regions are independent, and discovery
//!   ([`crate::discovery`]) runs them in parallel with bounded concurrency.
//! - A region's core topology ([`Backend::load_topology`]) is read apart from its
//!   optional parts ([`OptionalPart`]: Network Firewall, instances with SSM), so it can
//!   be shown before they answer. The topology either loads or fails as a whole with a
//!   [`BackendError`] that says in a user's words what went wrong; an optional part
//!   that fails is a named [`Gap`] ([`RegionEstate::add_gap`]).
//!   [`Backend::load_region`] runs all of them concurrently and merges.
//! - TGW routes are read through [`routes::read_all_routes`], which splits searches
//!   so a table of any size is read completely despite the 1000-route answer limit.
//! - Errors keep their kind ([`ErrorKind`]), classified by exact AWS error code.
//! - Every call to AWS, and every simulated one, goes through one scheduler
//!   ([`throttle`]): per account × region × API token buckets, a fair in-flight
//!   limit, reads retried on throttling; changes are never sent again there.
//! - A read-only session holds no [`Changer`]: both backends' `changer()` answer
//!   `None`, and the AWS clients refuse mutating operations at the SDK layer.

pub mod accounts;
pub mod aws;
pub mod change;
pub mod probe;
pub mod routes;
pub mod sim;
pub mod snapshot;
pub mod throttle;

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use change::{
    AccountChangers, Change, ChangeOp, ChangeOutcome, Changer, RuleGroupToggle, TgwRouteTarget,
    VpcTarget,
};
pub use probe::Prober;

use crate::model::{
    Account, FirewallPolicy, Gap, Instance, NetworkFirewall, RegionEstate, RuleGroup, TgwRoute,
};

pub use crate::error::{BackendError, ErrorKind};

/// Who the backend talks to, for the status bar and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendInfo {
    /// `aws` or `demo`.
    pub kind: String,
    /// Profile name, or the scenario name for the simulator.
    pub label: String,
    /// Regions to read first when the user named none.
    pub default_regions: Vec<String>,
}

/// One `SearchTransitGatewayRoutes` call's worth of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteQuery {
    /// Every route (filter on state only).
    All,
    /// Routes whose destination is inside (or equal to) this CIDR.
    SubnetOf(ipnet::IpNet),
    /// The route for exactly this CIDR.
    Exact(ipnet::IpNet),
    /// Routes whose destination is a managed prefix list (AWS:
    /// `GetTransitGatewayPrefixListReferences`, since CIDR searches cannot reach them).
    PrefixLists,
}

/// One answer of a route search: at most the API limit, and whether more exist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoutePage {
    pub routes: Vec<TgwRoute>,
    pub additional_routes_available: bool,
}

/// A part of a region that is read after, and apart from, its core topology: its
/// failure is a named [`Gap`], never a failed region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionalPart {
    /// Network Firewall firewalls, policies and rule groups.
    NetworkFirewall,
    /// EC2 instances with their SSM managed-instance status.
    Instances,
}

impl OptionalPart {
    /// Every optional part, in the order a region merges them.
    pub const ALL: [Self; 2] = [Self::NetworkFirewall, Self::Instances];

    /// The name gaps and faults use: `network-firewall`, `instances`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::NetworkFirewall => "network-firewall",
            Self::Instances => "instances",
        }
    }

    /// Parses [`OptionalPart::name`].
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl std::fmt::Display for OptionalPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one optional part answered, ready to merge into its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionalData {
    NetworkFirewall {
        firewalls: Vec<NetworkFirewall>,
        policies: Vec<FirewallPolicy>,
        rule_groups: Vec<RuleGroup>,
        /// Pieces of the part that failed while others were read.
        gaps: Vec<Gap>,
    },
    Instances {
        instances: Vec<Instance>,
        /// e.g. `ssm` when the instances were read but SSM was not.
        gaps: Vec<Gap>,
    },
}

impl OptionalData {
    /// The part this answers.
    #[must_use]
    pub fn part(&self) -> OptionalPart {
        match self {
            Self::NetworkFirewall { .. } => OptionalPart::NetworkFirewall,
            Self::Instances { .. } => OptionalPart::Instances,
        }
    }

    /// Merges this part into `estate` (read before or after it, in any order):
    /// replaces the part's objects, completes firewall endpoints' AZs from the
    /// region's subnets, and keeps the part's gaps.
    pub fn apply_to(self, estate: &mut RegionEstate) {
        match self {
            Self::NetworkFirewall {
                mut firewalls,
                policies,
                rule_groups,
                gaps,
            } => {
                let azs: HashMap<&str, &str> = estate
                    .subnets
                    .iter()
                    .map(|s| (s.id.as_str(), s.availability_zone.as_str()))
                    .collect();
                for fw in &mut firewalls {
                    for ep in &mut fw.endpoints {
                        if ep.availability_zone.is_empty()
                            && let Some(az) = azs.get(ep.subnet_id.as_str())
                        {
                            ep.availability_zone = (*az).to_string();
                        }
                    }
                    fw.endpoints
                        .sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
                }
                estate.firewalls = firewalls;
                estate.firewall_policies = policies;
                estate.rule_groups = rule_groups;
                estate.gaps.extend(gaps);
            }
            Self::Instances { instances, gaps } => {
                estate.instances = instances;
                estate.gaps.extend(gaps);
            }
        }
    }
}

/// The contract both backends implement.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Who this backend talks to.
    fn info(&self) -> BackendInfo;

    /// The account, when the backend can tell (owner of the resources read).
    async fn account(&self) -> Result<Option<Account>, BackendError>;

    /// The core topology of one region, read first so it can be shown at once: VPCs,
    /// subnets, route tables, internet and NAT gateways, endpoints, ENIs, VPC peering
    /// connections, TGWs, TGW route tables with their routes, attachments and peerings.
    /// No Network Firewall, no
    /// instances or SSM (see [`Backend::load_optional`]). Fails as a whole.
    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError>;

    /// One optional part of a region. Its failure is the caller's to turn into a
    /// [`Gap`] ([`RegionEstate::add_gap`]); the topology stands without it.
    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError>;

    /// Reads everything netops models in one region, TGW routes included: the
    /// topology and every optional part concurrently, merged; an optional part that
    /// fails is a named gap.
    async fn load_region(&self, region: &str) -> Result<RegionEstate, BackendError> {
        let optional = futures::future::join_all(
            OptionalPart::ALL
                .into_iter()
                .map(|part| self.load_optional(region, part)),
        );
        let (topology, optional) = futures::join!(self.load_topology(region), optional);
        let mut estate = topology?;
        for (part, result) in OptionalPart::ALL.into_iter().zip(optional) {
            match result {
                Ok(data) => data.apply_to(&mut estate),
                Err(e) => estate.add_gap(part.name(), &e.message),
            }
        }
        Ok(estate)
    }

    /// One route search on a TGW route table, with the API's answer limit
    /// (1000 routes, `additional_routes_available` beyond that).
    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError>;

    /// The call scheduler's counters (calls sent, throttled, retried, waiting), for
    /// a status line; `None` for a backend that makes no calls.
    fn call_stats(&self) -> Option<throttle::CallStats> {
        None
    }

    /// Progress of a read spanning many accounts (`accounts 37/212, regions 80/424`);
    /// `None` for one account.
    fn progress(&self) -> Option<String> {
        None
    }

    /// Every route of a TGW route table, however large.
    async fn tgw_routes(
        &self,
        region: &str,
        route_table_id: &str,
    ) -> Result<Vec<TgwRoute>, BackendError> {
        routes::read_all_routes(|q| self.search_routes(region, route_table_id, q)).await
    }
}
