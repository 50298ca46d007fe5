//! The simulator behind `--demo`: the [`Backend`] and [`Changer`] contracts over an
//! in-memory estate.
//!
//! Invariants (AWS semantics the simulator keeps, so tests of it mean something):
//! - The scenario states facts (static routes, associations, propagations, requested
//!   peerings); what AWS shows of them is derived once at load
//!   ([`crate::net::change::derive::derive`]). A change is
//!   [`crate::net::change::apply`] on that estate — the same semantics the preview's
//!   projection uses — which re-derives what it touched. Readers take the current
//!   snapshot (an `Arc`), so a change never tears a read.
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
//! - AWS quotas hold: 10,000 routes per TGW route table, 5,000 attachments per TGW.
//! - Routes are answered through the same 1000-at-a-time search as AWS, so the
//!   splitting reader is exercised against the simulator too.
//! - Faults and latency apply per call, as configured in the scenario or injected;
//!   latency can also be put on one optional part only
//!   ([`Simulator::set_part_latency`]), and a call slower than the call timeout
//!   ([`Simulator::set_call_timeout`]) fails with `Timeout`.
//! - Timed state machines (peering `pending → available`, `deleting → deleted`) run
//!   on the [`SimClock`] the simulator is given; due transitions
//!   ([`crate::net::change::transition`]) are applied before any read or change.

pub mod accounts;
mod calls;
mod change;
pub mod clock;
pub mod derive;
pub mod generate;
pub mod generate_org;
mod probe;
pub mod rates;
pub mod scenario;
mod validate;
mod visibility;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

pub use crate::net::change::{ATTACHMENTS_PER_TGW, ROUTES_PER_TGW_ROUTE_TABLE};
pub use change::{ACCEPT_SECS, DELETE_SECS, PEERING_INITIATE_SECS};
pub use clock::{ManualClock, SimClock};
pub use generate::generate;
pub use generate_org::{OrgShape, generate_organization};
pub use scenario::{Faults, Scenario, ScenarioError};

use super::throttle::{Attempt, CallKey, Resend, Scheduler, ThrottleConfig};
use super::{
    Backend, BackendError, BackendInfo, Changer, ErrorKind, OptionalData, OptionalPart, RoutePage,
    RouteQuery,
};
use crate::model::{Account, AttachmentState, RegionEstate};

/// A transition AWS makes on its own some time after a call.
#[derive(Debug, Clone)]
struct Timer {
    /// Clock second at which it happens.
    due: u64,
    region: String,
    attachment_id: String,
    to: AttachmentState,
}

/// Authored state, its derived snapshot, and pending timed transitions.
#[derive(Debug)]
struct SimState {
    derived: Arc<BTreeMap<String, RegionEstate>>,
    timers: Vec<Timer>,
}

/// The in-memory backend.
#[derive(Debug)]
pub struct Simulator {
    name: String,
    account_id: String,
    /// The organization ([`accounts`]); empty: the one account `account_id`.
    accounts: Vec<scenario::ScenarioAccount>,
    shares: Vec<scenario::ResourceShare>,
    home_region: String,
    state: Mutex<SimState>,
    faults: Mutex<Faults>,
    part_latency: Mutex<BTreeMap<OptionalPart, Duration>>,
    call_timeout: Mutex<Option<Duration>>,
    clock: Mutex<SimClock>,
    next_id: AtomicU64,
    read_only: AtomicBool,
    /// SSM commands sent ([`probe`]).
    commands: Mutex<probe::Commands>,
    /// The estate probes are evaluated on, per snapshot ([`probe`]).
    evaluated: Mutex<probe::Evaluated>,
    /// Every change the simulator made, in order: its own change log, for tests
    /// that hold the audit log against what really happened.
    applied: Mutex<Vec<crate::backend::ChangeOp>>,
    /// Every call goes through it, as the AWS backend's do ([`Simulator::set_scheduler`]).
    scheduler: Mutex<Arc<Scheduler>>,
    /// AWS's side of throttling: its buckets and random refusals ([`rates`]).
    rates: Mutex<rates::AwsRates>,
    /// The origin of the buckets' time.
    started: std::time::Instant,
    /// Who sees what of the current snapshot ([`visibility`]), built on first use.
    visibility: Mutex<Option<Arc<visibility::Visibility>>>,
}

tokio::task_local! {
    /// The account a call is made as (an organization's account view,
    /// [`accounts::SimAccount`]); unset: the scenario's account. Keys the scheduler's
    /// and the simulated AWS's per-account buckets.
    static CALLER: String;
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Simulator {
    /// Every change the simulator made (dry runs and refusals are not changes), in
    /// the order it made them, whether or not its answer reached the caller.
    #[must_use]
    pub fn applied_changes(&self) -> Vec<crate::backend::ChangeOp> {
        lock(&self.applied).clone()
    }

    fn record_applied(&self, op: &crate::backend::ChangeOp) {
        lock(&self.applied).push(op.clone());
    }

    /// The built-in demo estate.
    ///
    /// # Errors
    /// Only if the embedded scenario is broken (a test guards against that).
    pub fn demo() -> Result<Self, ScenarioError> {
        Self::from_scenario(Scenario::builtin()?)
    }

    /// Builds a simulator from a scenario, completing what AWS would derive. Its
    /// clock is [`SimClock::Instant`] until [`Simulator::set_clock`] says otherwise.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] naming the object at fault: a dangling reference
    /// (route table of an unknown TGW, attachment of an unknown VPC), a duplicate id or
    /// route, a propagation from a peering attachment, an AWS quota exceeded.
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
        let mut authored: BTreeMap<String, RegionEstate> = BTreeMap::new();
        for region in scenario.regions {
            if authored.contains_key(&region.region) {
                return Err(invalid(format!("region {} is listed twice", region.region)));
            }
            authored.insert(region.region.clone(), region);
        }
        for estate in authored.values_mut() {
            derive::fill_regions(estate);
            derive::fill_owners(estate, &scenario.account_id);
            derive::check_unique_ids(estate).map_err(|e| invalid(e.message))?;
            derive::check_references(estate).map_err(|e| invalid(e.message))?;
        }
        let derived =
            crate::net::change::derive::derive(&authored).map_err(|e| invalid(e.message))?;
        Ok(Self {
            name: if scenario.name.is_empty() {
                "custom".into()
            } else {
                scenario.name
            },
            account_id: scenario.account_id,
            accounts: scenario.accounts,
            shares: scenario.shares,
            home_region,
            state: Mutex::new(SimState {
                derived: Arc::new(derived),
                timers: Vec::new(),
            }),
            faults: Mutex::new(scenario.faults),
            commands: Mutex::new(probe::Commands::new()),
            evaluated: Mutex::new(probe::Evaluated::default()),
            applied: Mutex::new(Vec::new()),
            part_latency: Mutex::new(BTreeMap::new()),
            call_timeout: Mutex::new(None),
            clock: Mutex::new(SimClock::Instant),
            next_id: AtomicU64::new(1),
            read_only: AtomicBool::new(false),
            scheduler: Mutex::new(Arc::new(Scheduler::unmetered(ThrottleConfig::default()))),
            rates: Mutex::new(rates::AwsRates::default()),
            started: std::time::Instant::now(),
            visibility: Mutex::new(None),
        })
    }

    /// Sends every call through `scheduler` (by default one that meters nothing and
    /// sends throttled reads again): an AWS-like one shows it keeping within AWS's
    /// buckets ([`Faults::rate_limits`]) and absorbing throttling.
    pub fn set_scheduler(&self, scheduler: Arc<Scheduler>) {
        *lock(&self.scheduler) = scheduler;
    }

    /// Calls AWS would have counted (not refused for the rate), by (account, region,
    /// API): what a benchmark's bound is computed from.
    #[must_use]
    pub fn answered_calls(&self) -> BTreeMap<rates::RateKey, u64> {
        lock(&self.rates).answered()
    }

    /// Replaces the injected faults (tests, benchmarks, `--sim-*` flags).
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    /// Adds `latency` to every call of one optional part only (`None` removes it), so
    /// a test can show a region's topology arriving before, say, Network Firewall.
    pub fn set_part_latency(&self, part: OptionalPart, latency: Option<Duration>) {
        let mut map = lock(&self.part_latency);
        match latency {
            Some(l) => map.insert(part, l),
            None => map.remove(&part),
        };
    }

    /// A limit on each call (`--call-timeout`): a call whose injected latency exceeds
    /// it fails with [`ErrorKind::Timeout`] once the limit has passed.
    pub fn set_call_timeout(&self, timeout: Option<Duration>) {
        *lock(&self.call_timeout) = timeout;
    }

    /// Makes the simulator read-only (`--read-only`): [`Simulator::changer`] answers
    /// `None`, and [`Changer::apply`] refuses with [`ErrorKind::ReadOnly`].
    pub fn set_read_only(&self, read_only: bool) {
        self.read_only.store(read_only, Ordering::SeqCst);
    }

    /// True when changes are refused.
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.read_only.load(Ordering::SeqCst)
    }

    /// The mutating capability, or `None` when read-only (as
    /// [`AwsBackend::changer`](crate::backend::aws::AwsBackend::changer)).
    #[must_use]
    pub fn changer(self: &Arc<Self>) -> Option<Arc<dyn Changer>> {
        if self.is_read_only() {
            return None;
        }
        Some(Arc::clone(self) as Arc<dyn Changer>)
    }

    /// The probing capability (simulated SSM Run Command), or `None` when read-only.
    #[must_use]
    pub fn prober(self: &Arc<Self>) -> Option<Arc<dyn crate::backend::Prober>> {
        if self.is_read_only() {
            return None;
        }
        Some(Arc::clone(self) as Arc<dyn crate::backend::Prober>)
    }

    /// The clock timed transitions run on ([`SimClock::real`] for the demo).
    pub fn set_clock(&self, clock: SimClock) {
        *lock(&self.clock) = clock;
    }

    /// The regions the scenario lists, home region first.
    #[must_use]
    pub fn scenario_regions(&self) -> Vec<String> {
        let snapshot = self.snapshot();
        let mut out = vec![self.home_region.clone()];
        out.extend(snapshot.keys().filter(|r| **r != self.home_region).cloned());
        out
    }

    /// The current derived estate of every region (after due timed transitions).
    #[must_use]
    pub fn snapshot(&self) -> Arc<BTreeMap<String, RegionEstate>> {
        let now = lock(&self.clock).now();
        let mut state = lock(&self.state);
        advance(&mut state, now);
        Arc::clone(&state.derived)
    }

    fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Applies latency, the call timeout and region-wide faults for one call.
    async fn call(&self, region: &str, api: &str) -> Result<Faults, BackendError> {
        self.call_with(region, api, Duration::ZERO).await
    }

    /// The account the current call is made as.
    fn caller(&self) -> String {
        CALLER
            .try_with(Clone::clone)
            .unwrap_or_else(|_| self.account_id.clone())
    }

    /// Runs `f` as `account` (its calls metered in that account's buckets).
    pub(crate) async fn as_caller<T>(
        &self,
        account: &str,
        f: impl std::future::Future<Output = T>,
    ) -> T {
        CALLER.scope(account.to_string(), f).await
    }

    /// One call through the scheduler: reads are sent again when throttled.
    async fn call_with(
        &self,
        region: &str,
        api: &str,
        extra: Duration,
    ) -> Result<Faults, BackendError> {
        let scheduler = Arc::clone(&*lock(&self.scheduler));
        let caller = self.caller();
        let key = CallKey {
            account: &caller,
            region,
            service: rates::service_of(api),
            action: api,
        };
        let resend = Resend::Reads { attempts: 1 };
        scheduler
            .run(key, resend, || self.attempt(region, api, extra))
            .await
    }

    /// One attempt of a call: latency, the call timeout, region-wide faults, then
    /// AWS's rate limits and random throttling.
    async fn attempt(&self, region: &str, api: &str, extra: Duration) -> Attempt<Faults> {
        match self.answer(region, api, extra).await {
            Ok(Ok(faults)) => Attempt::Done(Ok(faults)),
            Ok(Err(throttled)) => Attempt::Throttled(throttled),
            Err(e) => Attempt::Done(Err(e)),
        }
    }

    /// `Err`: a fault that no retry changes (they mean "retries exhausted");
    /// `Ok(Err)`: refused for the rate.
    async fn answer(
        &self,
        region: &str,
        api: &str,
        extra: Duration,
    ) -> Result<Result<Faults, BackendError>, BackendError> {
        let faults = self.faults();
        let delay = Duration::from_millis(
            faults.latency_ms + faults.region_latency_ms.get(region).copied().unwrap_or(0),
        ) + extra;
        let timeout = *lock(&self.call_timeout);
        if let Some(limit) = timeout
            && delay > limit
        {
            tokio::time::sleep(limit).await;
            return Err(BackendError::new(
                ErrorKind::Timeout,
                format!(
                    "{api} in {region} timed out after {} ms (the endpoint did not answer in time); try again, or raise --call-timeout",
                    limit.as_millis()
                ),
            )
            .in_region(region));
        }
        let listed = |list: &[String]| list.iter().any(|r| r == region);
        let region_fault = [
            &faults.regions_down,
            &faults.regions_throttled,
            &faults.regions_timing_out,
        ]
        .iter()
        .any(|l| listed(l));
        // Decided when the request arrives; its answer comes after the latency.
        let refused = if region_fault {
            None
        } else {
            let now = self.started.elapsed();
            lock(&self.rates).arrive(&faults, &self.caller(), region, api, now)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(throttled) = refused {
            return Ok(Err(throttled));
        }
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
        Ok(Ok(faults))
    }
}

impl Simulator {
    /// A region's topology as the caller sees it: `seen` makes it from the stored
    /// region (without the optional parts), and the calls the AWS backend would make
    /// to read that much are made (through the scheduler, as the caller): the
    /// listings, then each table's associations, propagations and routes (read
    /// through the same search-and-split path as AWS, tables concurrently). So an
    /// account sees, and pays for, its own share only.
    pub(crate) async fn topology_seen(
        &self,
        region: &str,
        seen: impl FnOnce(&visibility::Snapshot, &RegionEstate) -> RegionEstate,
    ) -> Result<RegionEstate, BackendError> {
        let snapshot = self.snapshot();
        let mut estate = snapshot
            .get(region)
            .map_or_else(|| RegionEstate::new(region), |r| seen(&snapshot, r));
        drop(snapshot);
        self.topology_calls(region, Some(&estate)).await?;
        let ids: Vec<String> = estate
            .tgw_route_tables
            .iter()
            .map(|t| t.id.clone())
            .collect();
        let routes = futures::future::try_join_all(estate.tgw_route_tables.iter().zip(&ids).map(
            |(table, id)| async move {
                let (_, routes) = futures::try_join!(
                    self.table_calls(region, table),
                    self.tgw_routes(region, id)
                )?;
                Ok::<_, BackendError>(routes)
            },
        ))
        .await?;
        for (table, routes) in estate.tgw_route_tables.iter_mut().zip(routes) {
            table.routes = routes;
        }
        Ok(estate)
    }

    /// An optional part as the caller sees it: `seen` makes a region holding (at
    /// least) the part's objects the caller sees from the stored region, and the
    /// calls reading that many are made; then the part's faults (denied parts).
    pub(crate) async fn optional_seen(
        &self,
        region: &str,
        part: OptionalPart,
        seen: impl FnOnce(&visibility::Snapshot, &RegionEstate) -> RegionEstate,
    ) -> Result<OptionalData, BackendError> {
        let extra = lock(&self.part_latency)
            .get(&part)
            .copied()
            .unwrap_or_default();
        let snapshot = self.snapshot();
        let view = snapshot.get(region).map(|r| seen(&snapshot, r));
        drop(snapshot);
        let faults = match part {
            OptionalPart::NetworkFirewall => {
                self.firewall_calls(region, view.as_ref(), extra).await?
            }
            OptionalPart::Instances => self.instance_calls(region, view.as_ref(), extra).await?,
        };
        let view = view.unwrap_or_else(|| RegionEstate::new(region));
        let denied = |name: &str| faults.denied_parts.iter().any(|p| p == name);
        let denial = |name: &str| {
            format!(
                "access denied reading {name} in {region}: the caller lacks the {name} read permissions"
            )
        };
        if denied(part.name()) {
            return Err(
                BackendError::new(ErrorKind::AccessDenied, denial(part.name())).in_region(region),
            );
        }
        match part {
            OptionalPart::NetworkFirewall => Ok(OptionalData::NetworkFirewall {
                firewalls: view.firewalls,
                policies: view.firewall_policies,
                rule_groups: view.rule_groups,
                gaps: Vec::new(),
            }),
            OptionalPart::Instances => {
                let mut instances = view.instances;
                let mut gaps = Vec::new();
                if denied("ssm") {
                    instances.iter_mut().for_each(|i| i.ssm = None);
                    gaps.push(crate::model::Gap {
                        part: "ssm".into(),
                        error: denial("ssm"),
                    });
                }
                Ok(OptionalData::Instances { instances, gaps })
            }
        }
    }
}

/// Applies the timed transitions due at `now`.
fn advance(state: &mut SimState, now: u64) {
    let (due, pending): (Vec<Timer>, Vec<Timer>) =
        state.timers.drain(..).partition(|t| t.due <= now);
    state.timers = pending;
    if due.is_empty() {
        return;
    }
    let regions = Arc::make_mut(&mut state.derived);
    for timer in due {
        crate::net::change::transition(regions, &timer.region, &timer.attachment_id, &timer.to);
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

    fn call_stats(&self) -> Option<crate::backend::throttle::CallStats> {
        Some(lock(&self.scheduler).stats())
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        Ok((!self.account_id.is_empty()).then(|| Account {
            id: self.account_id.clone(),
            alias: None,
        }))
    }

    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError> {
        self.topology_seen(region, |_, stored| RegionEstate {
            firewalls: Vec::new(),
            firewall_policies: Vec::new(),
            rule_groups: Vec::new(),
            instances: Vec::new(),
            ..stored.clone()
        })
        .await
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        self.optional_seen(region, part, |_, stored| match part {
            OptionalPart::NetworkFirewall => RegionEstate {
                firewalls: stored.firewalls.clone(),
                firewall_policies: stored.firewall_policies.clone(),
                rule_groups: stored.rule_groups.clone(),
                ..RegionEstate::new(region)
            },
            OptionalPart::Instances => RegionEstate {
                instances: stored.instances.clone(),
                ..RegionEstate::new(region)
            },
        })
        .await
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        // AWS answers prefix-list routes through their own API.
        let api = if query == RouteQuery::PrefixLists {
            "GetTransitGatewayPrefixListReferences"
        } else {
            "SearchTransitGatewayRoutes"
        };
        self.call(region, api).await?;
        let snapshot = self.snapshot();
        let table = snapshot
            .get(region)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == route_table_id))
            .ok_or_else(|| BackendError::not_found("TGW route table", route_table_id, region))?;
        Ok(super::routes::answer_query(&table.routes, query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttachmentKind, RouteState, RouteType};

    #[test]
    fn builtin_scenario_loads() {
        let sim = Simulator::demo().expect("builtin scenario");
        assert_eq!(sim.scenario_regions(), vec!["us-east-1", "eu-west-1"]);
        let snapshot = sim.snapshot();
        let use1 = &snapshot["us-east-1"];
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
        let euw1 = &snapshot["eu-west-1"];
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
            sim.snapshot()["us-east-1"].tgw_route_tables[0].routes[0].state,
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
