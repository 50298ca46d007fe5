//! The AWS backend: real aws-sdk clients, one set per region, built from one
//! `aws-config` load.
//!
//! Modules: [`errors`] (classification by exact AWS code), `mapping` (SDK shapes into
//! the model), `reads` (topology, optional parts, route searches), [`changes`] (the
//! [`Changer`] over EC2's mutating calls), [`read_only`] (the SDK-layer guard), `calls`
//! (every call through the scheduler, [`crate::backend::throttle`]).
//!
//! Invariants:
//! - No aws-sdk type appears in a public signature except [`RegionClients`] and
//!   [`AwsBackend::from_clients`], the seam tests use to inject mocked or moto clients.
//! - Every call goes through the scheduler: a token from the account × region × API
//!   bucket and an in-flight slot before each attempt; reads are sent again there
//!   (throttling, transient failures), changes never. The SDK's own retries are off
//!   on the clients [`AwsBackend::connect`] builds.
//! - Every list call is fully paginated; the independent calls of a region run
//!   concurrently, and per-route-table reads run at most [`TABLE_CONCURRENCY`] at once.
//! - An EC2 failure fails the region's topology with a classified [`BackendError`]
//!   naming the region and the API call. Network Firewall and instances/SSM are
//!   optional parts: their failures become named gaps and the topology still loads.
//! - `SearchTransitGatewayRoutes` is never sent `MaxResults` (the default is the API
//!   maximum, 1000, and some emulators reject the parameter).
//!   [`RouteQuery::PrefixLists`](crate::backend::RouteQuery::PrefixLists) is answered
//!   from `GetTransitGatewayPrefixListReferences`.
//! - The route tables' own association lists are authoritative for an attachment's
//!   association.
//! - ENIs and VPC peering connections are topology (read with it, failing with it);
//!   ENIs are read alongside the whole topology read so they do not lengthen it.
//! - Network Firewall 5-tuple `StatefulRules` are turned into Suricata lines in the
//!   rule group's `rules_string`; a domain list (`RulesSourceList`) is named in
//!   `other_source`, not emulated.
//! - A read-only backend installs [`read_only::ReadOnlyGuard`] on every client it
//!   builds or is given, and has no changer ([`AwsBackend::changer`] is `None`).

/// Every item of a paginated list call: `$items` of each page, one scheduled read
/// per page ([`Cx::read`]: a token each, a throttled page sent again on its own).
macro_rules! paginate {
    ($cx:expr, $service:literal, $action:literal, $request:expr, $items:ident) => {
        async {
            let request = $request;
            let mut items = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = request.clone().set_next_token(token.clone());
                let out = $cx.read($service, $action, || page.clone().send()).await?;
                items.extend_from_slice(out.$items());
                match out.next_token() {
                    // An unchanged token would ask for the same page forever.
                    Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                        token = Some(next.to_string());
                    }
                    _ => break,
                }
            }
            Ok::<_, crate::backend::BackendError>(items)
        }
    };
}

mod calls;

pub mod changes;
pub mod errors;
mod firewall_changes;
mod mapping;
pub mod org;
mod prefix_lists;
pub mod probe;
pub mod read_only;
mod reads;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::Region;

pub use changes::AwsChanger;
use errors::Cx;
pub use errors::kind_of_code;
use read_only::ReadOnlyGuard;

use super::throttle::Scheduler;
use super::{BackendError, Changer, ErrorKind};

/// How many TGW route tables (associations, propagations, routes) are read at once.
pub const TABLE_CONCURRENCY: usize = 4;

/// How many per-resource describe calls (firewalls, policies, rule groups) run at once.
pub(crate) const DESCRIBE_CONCURRENCY: usize = 4;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Profile name from `~/.aws/config`; `None` uses the default chain.
    pub profile: Option<String>,
    /// The region to read first; `None` uses the profile's region.
    pub home_region: Option<String>,
    /// A custom endpoint (moto, LocalStack, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Attempts of a read that fails transiently (a 5xx, a broken connection, a
    /// timeout), the first included (at least 1). Throttled reads are sent again by
    /// the scheduler (`read_retries`); changes are sent once.
    pub max_attempts: u32,
    /// A limit on each call, retries included.
    pub operation_timeout: Option<Duration>,
    /// Refuse every mutating call at the SDK layer, and build no changer.
    pub read_only: bool,
}

/// The clients of one region. A test seam: tests build these from mocked or moto
/// clients and pass them to [`AwsBackend::from_clients`].
#[derive(Debug, Clone)]
pub struct RegionClients {
    pub ec2: aws_sdk_ec2::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub firewall: aws_sdk_networkfirewall::Client,
}

/// The AWS backend.
#[derive(Debug)]
pub struct AwsBackend {
    /// `None` for a backend built from fixed clients (tests).
    sdk_config: Option<SdkConfig>,
    label: String,
    home_region: Option<String>,
    /// `--endpoint-url`, named in connection errors.
    endpoint_url: Option<String>,
    clients: Mutex<HashMap<String, RegionClients>>,
    read_only: bool,
    /// Every call goes through it ([`throttle`]); shared by the process's backends.
    scheduler: Arc<Scheduler>,
    /// The account the scheduler's buckets are keyed by (the label until told).
    throttle_account: String,
    /// Attempts of a read that fails transiently (`--max-attempts`).
    attempts: u32,
}

impl AwsBackend {
    /// Loads the AWS configuration (profile, region, credentials chain, retries,
    /// timeouts). Credentials are resolved lazily, on the first call.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] when no region can be determined.
    pub async fn connect(opts: AwsOptions) -> Result<Self, BackendError> {
        let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(3));
        if let Some(t) = opts.operation_timeout {
            timeouts = timeouts.operation_timeout(t);
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // The scheduler sends reads again itself, each attempt with a token; the
            // SDK sending them again would bypass it.
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts.build());
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &opts.home_region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let label = opts
            .profile
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let Some(region) = config.region().map(|r| r.as_ref().to_string()) else {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "no AWS region for profile {label}: pass --region or set `region` in the profile"
                ),
            ));
        };
        tracing::info!(profile = %label, region, endpoint = ?opts.endpoint_url, "aws configuration loaded");
        Ok(Self {
            sdk_config: Some(config),
            home_region: Some(region),
            endpoint_url: opts.endpoint_url,
            clients: Mutex::new(HashMap::new()),
            read_only: opts.read_only,
            scheduler: Scheduler::process(),
            throttle_account: label.clone(),
            attempts: opts.max_attempts.max(1),
            label,
        })
    }

    /// A backend over fixed per-region clients (tests: mocks or moto). Regions not in
    /// the list fail with an error. The first region is the home region.
    #[must_use]
    pub fn from_clients(label: &str, clients: Vec<(String, RegionClients)>) -> Self {
        let home_region = clients.first().map(|(r, _)| r.clone());
        Self {
            sdk_config: None,
            label: label.to_string(),
            home_region,
            endpoint_url: None,
            clients: Mutex::new(clients.into_iter().collect()),
            read_only: false,
            // Its own, so that tests in one process do not share buckets; the
            // clients' own retry settings decide about transient failures.
            scheduler: Arc::new(Scheduler::standard()),
            throttle_account: label.to_string(),
            attempts: 1,
        }
    }

    /// Sends every call through `scheduler` (one shared by several backends).
    #[must_use]
    pub fn with_scheduler(mut self, scheduler: Arc<Scheduler>) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// Keys the scheduler's buckets by `account` (an account id) rather than the
    /// profile label.
    #[must_use]
    pub fn with_throttle_account(mut self, account: &str) -> Self {
        self.throttle_account = account.to_string();
        self
    }

    /// Makes the backend read-only (or not): every client, given or built later,
    /// refuses mutating operations before they are sent, and [`AwsBackend::changer`]
    /// answers `None`.
    #[must_use]
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        if read_only {
            let cache = self
                .clients
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for c in cache.values_mut() {
                *c = c.clone().guarded();
            }
        }
        self
    }

    /// Names `url` as the endpoint in connection errors (what [`AwsBackend::connect`]
    /// does with `--endpoint-url`), for a backend built from clients that use it.
    #[must_use]
    pub fn with_endpoint_url(mut self, url: &str) -> Self {
        self.endpoint_url = Some(url.to_string());
        self
    }

    /// True when mutating calls are refused.
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The mutating capability over the same clients, or `None` when read-only: a
    /// read-only session holds no object that could change anything.
    #[must_use]
    pub fn changer(self: &Arc<Self>) -> Option<Arc<dyn Changer>> {
        if self.read_only {
            return None;
        }
        Some(Arc::new(AwsChanger::new(Arc::clone(self))))
    }

    /// The probing capability (SSM Run Command) over the same clients, or `None` when
    /// read-only: `SendCommand` runs commands on instances, which a read-only session
    /// never does.
    #[must_use]
    pub fn prober(self: &Arc<Self>) -> Option<Arc<dyn crate::backend::probe::Prober>> {
        if self.read_only {
            return None;
        }
        Some(Arc::new(probe::AwsProber::new(Arc::clone(self))))
    }

    /// The region read first when none is named.
    #[must_use]
    pub fn home_region(&self) -> Option<String> {
        self.home_region.clone()
    }

    /// The clients of `region`, built on first use.
    pub(crate) fn clients(&self, region: &str) -> Result<RegionClients, BackendError> {
        let mut cache = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(region) {
            return Ok(c.clone());
        }
        let Some(config) = &self.sdk_config else {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "region {region} is not configured for backend {}",
                    self.label
                ),
            )
            .in_region(region));
        };
        let r = Region::new(region.to_string());
        let built = RegionClients {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(config)
                    .region(r.clone())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(config)
                    .region(r.clone())
                    .build(),
            ),
            firewall: aws_sdk_networkfirewall::Client::from_conf(
                aws_sdk_networkfirewall::config::Builder::from(config)
                    .region(r)
                    .build(),
            ),
        };
        let built = if self.read_only {
            built.guarded()
        } else {
            built
        };
        cache.insert(region.to_string(), built.clone());
        Ok(built)
    }

    /// The scheduler its calls go through.
    pub(crate) fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    pub(crate) fn cx<'a>(&'a self, region: &'a str) -> Cx<'a> {
        Cx {
            region,
            profile: &self.label,
            endpoint: self.endpoint_url.as_deref(),
            scheduler: &self.scheduler,
            account: &self.throttle_account,
            attempts: self.attempts,
        }
    }
}
impl RegionClients {
    /// The same clients with the read-only guard installed.
    #[must_use]
    pub fn guarded(self) -> Self {
        Self {
            ec2: aws_sdk_ec2::Client::from_conf(
                self.ec2
                    .config()
                    .to_builder()
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                self.ssm
                    .config()
                    .to_builder()
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            firewall: aws_sdk_networkfirewall::Client::from_conf(
                self.firewall
                    .config()
                    .to_builder()
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
        }
    }
}
