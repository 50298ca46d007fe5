//! The backend contract: one async trait for reading (and, later, changing) an estate,
//! implemented by the AWS backend ([`aws`]) and the simulator ([`sim`]).
//!
//! Invariants:
//! - A backend reads one region at a time; regions are independent, and discovery
//!   ([`crate::discovery`]) runs them in parallel with bounded concurrency.
//! - A region either loads (possibly with [`Gap`](crate::model::Gap)s for optional
//!   services such as Network Firewall or SSM) or fails as a whole with a
//!   [`BackendError`] that says in a user's words what went wrong.
//! - TGW routes are read through [`routes::read_all_routes`], which splits searches
//!   so a table of any size is read completely despite the 1000-route answer limit.

pub mod aws;
pub mod routes;
pub mod sim;

use async_trait::async_trait;
use serde::Serialize;

use crate::model::{Account, RegionEstate, TgwRoute};

/// What kind of failure, in terms an operator can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No credentials, or expired ones.
    Credentials,
    /// The caller lacks a permission.
    AccessDenied,
    /// Throttled, and retries were exhausted.
    Throttled,
    /// A resource id that does not exist (in that region).
    NotFound,
    /// The endpoint could not be reached.
    Unreachable,
    /// The call timed out.
    Timeout,
    /// The request was malformed (bad id, bad CIDR...).
    InvalidInput,
    /// The API is not available here (e.g. not implemented by an emulator).
    Unsupported,
    /// Anything else.
    Other,
}

/// A backend failure, naming the region and the resource where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub kind: ErrorKind,
    pub region: Option<String>,
    pub resource: Option<String>,
    /// A full sentence for the user: what failed and what to do about it.
    pub message: String,
}

impl BackendError {
    /// A new error with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            region: None,
            resource: None,
            message: message.into(),
        }
    }

    /// Attaches the region.
    #[must_use]
    pub fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    /// Attaches the resource id.
    #[must_use]
    pub fn for_resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_string());
        self
    }

    /// "resource X not found in REGION (refresh with Ctrl-r)".
    #[must_use]
    pub fn not_found(what: &str, id: &str, region: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("{what} {id} not found in {region} (refresh, or check the id and region)"),
        )
        .in_region(region)
        .for_resource(id)
    }
}

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

/// The contract both backends implement.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Who this backend talks to.
    fn info(&self) -> BackendInfo;

    /// The account, when the backend can tell (owner of the resources read).
    async fn account(&self) -> Result<Option<Account>, BackendError>;

    /// Reads everything netops models in one region, TGW routes included.
    async fn load_region(&self, region: &str) -> Result<RegionEstate, BackendError>;

    /// One route search on a TGW route table, with the API's answer limit
    /// (1000 routes, `additional_routes_available` beyond that).
    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError>;

    /// Every route of a TGW route table, however large.
    async fn tgw_routes(
        &self,
        region: &str,
        route_table_id: &str,
    ) -> Result<Vec<TgwRoute>, BackendError> {
        routes::read_all_routes(|q| self.search_routes(region, route_table_id, q)).await
    }
}
