//! The scheduler every AWS call goes through (and every simulated one): a client-side
//! token bucket per account × region × API, one limit on the calls in flight shared
//! fairly between accounts, and the retries of reads.
//!
//! - **Buckets** ([`bucket`], sized by [`classes`]): EC2 throttles each account in
//!   each Region with a token bucket per API, its size set by the API's category; the
//!   scheduler keeps the same buckets on its side, keyed by the account the caller
//!   names (today the profile label, the account id with several accounts), so it
//!   does not send what AWS would refuse. A throttled answer gives the token back and
//!   feeds the bucket's adaptation: when throttles dominate (someone else spends the
//!   account's tokens) the rate is cut, then recovers slowly.
//! - **Fair interleaving** ([`fair`]): buckets are independent, so an account waits
//!   for its own tokens only; what accounts share is the in-flight limit, whose
//!   waiters are served by account, the account with the fewest calls waiting first.
//!   One huge account's backlog therefore never sits in front of a smaller one, an
//!   account's follow-up reads (a route table's searches after its listings) are
//!   served at once, and similar accounts finish one after another. Within one
//!   bucket, waiters are served first come, first served; a retry waits at the head
//!   of its account's queue (it came first).
//! - **Retries**: a read (`Describe*`, `Get*`, `List*`, `Search*`) answered with
//!   throttling is sent again after a back-off with jitter, up to `read_retries`
//!   times, waiting for a token again each time; the back-off doubles with each
//!   retry, but only twice while its bucket is throttled now and then (throttles a
//!   minority of its recent answers: waiting longer would not make the next try
//!   likelier to pass), up to `backoff_max_ms` once throttles dominate
//!   ([`bucket::doublings`]). A read that failed transiently (a 5xx, a broken
//!   connection, a timeout) is sent again up to the caller's `attempts`, its
//!   back-off doubling each time.
//!
//! Invariants:
//! - Nothing is sent without a token from its bucket and a slot (for metered
//!   schedulers; [`Scheduler::unmetered`] keeps counters and retries only).
//! - A call that is not a read is sent at most once here, whatever the answer: a
//!   change whose answer never came may have been carried out. A change answered with
//!   throttling was refused before it ran (AWS's throttling codes say so), and the
//!   runtime (not this scheduler) sends it again, under its one audit intent line.
//! - [`Scheduler::stats`] is a handful of atomic loads: cheap enough for every frame.

pub mod bucket;
pub mod classes;
pub mod fair;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

pub use bucket::{Bucket, backoff, doublings};
pub use classes::{ApiClass, BucketConfig, BucketSpec, ThrottleConfig, is_read};
use fair::FairSlots;

use crate::error::BackendError;

/// Who a call is for and what it is: the bucket it draws from.
#[derive(Debug, Clone, Copy)]
pub struct CallKey<'a> {
    /// The account the call is made in (an id, or the profile label).
    pub account: &'a str,
    pub region: &'a str,
    /// `ec2`, `ssm`, `network-firewall`…
    pub service: &'a str,
    /// The API action (`DescribeVpcs`).
    pub action: &'a str,
}

/// What one attempt of a call came to.
#[derive(Debug)]
pub enum Attempt<T> {
    /// An answer to keep: a result, or an error that no retry would change.
    Done(Result<T, BackendError>),
    /// AWS refused it for the rate (`RequestLimitExceeded`, `Throttling`…): nothing
    /// was carried out.
    Throttled(BackendError),
    /// A failure that may pass (5xx, a broken connection, a timeout). For a change
    /// it may have been carried out.
    Transient(BackendError),
}

/// Whether the scheduler may send a call again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Reads are retried (throttling, and transient failures up to `attempts` in
    /// all); other calls never.
    Reads {
        /// Attempts for transient failures, the first included (at least 1).
        attempts: u32,
    },
    /// Sent once, whatever it is (the caller decides about any retry).
    Never,
}

/// The scheduler's counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    /// Attempts sent (each retry counts).
    pub sent: u64,
    /// Attempts answered with throttling.
    pub throttled: u64,
    /// Attempts that were retries.
    pub retried: u64,
    /// Times a bucket's rate was cut because throttles dominated its answers.
    pub rate_cuts: u64,
    /// Calls waiting now (for a token, a slot, or a retry's back-off).
    pub waiting: usize,
    /// Calls in flight now.
    pub in_flight: usize,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    throttled: AtomicU64,
    retried: AtomicU64,
    rate_cuts: AtomicU64,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
}

/// Counts one waiting (or in-flight) call while it lives.
struct Gauge<'a>(&'a AtomicUsize);

impl<'a> Gauge<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BucketKey {
    account: Arc<str>,
    region: String,
    service: String,
    action: String,
}

/// One bucket and its queue.
#[derive(Debug)]
struct Lane {
    bucket: Mutex<Bucket>,
    /// Held while waiting for a token: waiters of one bucket are served in order.
    turn: tokio::sync::Mutex<()>,
}

/// The scheduler. One per process serves every AWS backend ([`Scheduler::process`]).
#[derive(Debug)]
pub struct Scheduler {
    config: ThrottleConfig,
    /// `None`: unmetered (no buckets, no in-flight limit).
    slots: Option<FairSlots>,
    lanes: Mutex<HashMap<BucketKey, Arc<Lane>>>,
    accounts: Mutex<HashMap<String, Arc<str>>>,
    counters: Counters,
    origin: Instant,
    /// Jitter: a SplitMix64 sequence.
    jitter: AtomicU64,
}

static PROCESS: Mutex<Option<Arc<Scheduler>>> = Mutex::new(None);

impl Scheduler {
    /// A scheduler with AWS-like buckets, the config's figures over the defaults.
    ///
    /// # Errors
    /// The config's first invalid figure ([`ThrottleConfig::validate`]).
    pub fn new(config: ThrottleConfig) -> Result<Self, String> {
        config.validate()?;
        let slots = config
            .max_concurrency
            .unwrap_or(classes::DEFAULT_MAX_CONCURRENCY);
        Ok(Self::build(config, Some(FairSlots::new(slots))))
    }

    /// A scheduler that meters nothing (no buckets, no in-flight limit) but retries
    /// reads and counts like any other: the simulator's default, which AWS's limits
    /// would only slow down.
    #[must_use]
    pub fn unmetered(config: ThrottleConfig) -> Self {
        Self::build(config, None)
    }

    fn build(config: ThrottleConfig, slots: Option<FairSlots>) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64);
        Self {
            config,
            slots,
            lanes: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            origin: Instant::now(),
            jitter: AtomicU64::new(seed),
        }
    }

    /// A scheduler with AWS's default figures.
    #[must_use]
    pub fn standard() -> Self {
        Self::build(
            ThrottleConfig::default(),
            Some(FairSlots::new(classes::DEFAULT_MAX_CONCURRENCY)),
        )
    }

    /// The scheduler the AWS backends of this process share, with the config given
    /// to [`Scheduler::configure_process`] (defaults until then).
    #[must_use]
    pub fn process() -> Arc<Self> {
        let mut current = PROCESS.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(current.get_or_insert_with(|| Arc::new(Self::standard())))
    }

    /// Replaces the process's scheduler by one with `config` (the config file's
    /// `[throttle]`), for the backends built after this.
    ///
    /// # Errors
    /// The config's first invalid figure.
    pub fn configure_process(config: &ThrottleConfig) -> Result<(), String> {
        let scheduler = Arc::new(Self::new(config.clone())?);
        *PROCESS.lock().unwrap_or_else(PoisonError::into_inner) = Some(scheduler);
        Ok(())
    }

    /// The counters now.
    #[must_use]
    pub fn stats(&self) -> CallStats {
        let c = &self.counters;
        CallStats {
            sent: c.sent.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            rate_cuts: c.rate_cuts.load(Ordering::Relaxed),
            waiting: c.waiting.load(Ordering::Relaxed),
            in_flight: c.in_flight.load(Ordering::Relaxed),
        }
    }

    /// The bucket spec the calls of `service`'s `action` draw from, or `None` when
    /// this scheduler meters nothing.
    #[must_use]
    pub fn spec(&self, service: &str, action: &str) -> Option<BucketSpec> {
        self.slots
            .as_ref()
            .map(|_| self.config.spec(ApiClass::of(service, action)))
    }

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// A number in [0, 1) for jitter.
    fn unit(&self) -> f64 {
        let mut z = self
            .jitter
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn account(&self, account: &str) -> Arc<str> {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            accounts
                .entry(account.to_string())
                .or_insert_with(|| Arc::from(account)),
        )
    }

    fn lane(&self, key: &CallKey<'_>, account: &Arc<str>) -> Arc<Lane> {
        let id = BucketKey {
            account: Arc::clone(account),
            region: key.region.to_string(),
            service: key.service.to_string(),
            action: key.action.to_string(),
        };
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(lanes.entry(id).or_insert_with(|| {
            let spec = self.config.spec(ApiClass::of(key.service, key.action));
            Arc::new(Lane {
                bucket: Mutex::new(Bucket::adaptive(spec, self.now())),
                turn: tokio::sync::Mutex::new(()),
            })
        }))
    }

    /// Waits until the lane's bucket gives a token (in turn with its other waiters).
    async fn token(&self, lane: &Lane) {
        let _turn = lane.turn.lock().await;
        loop {
            let wait = {
                let mut bucket = lane.bucket.lock().unwrap_or_else(PoisonError::into_inner);
                match bucket.try_take(self.now()) {
                    Ok(()) => return,
                    Err(wait) => wait,
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn read_retries(&self) -> u32 {
        self.config
            .read_retries
            .unwrap_or(classes::DEFAULT_READ_RETRIES)
    }

    fn backoff(&self, doublings: u32) -> Duration {
        let base = Duration::from_millis(
            self.config
                .backoff_base_ms
                .unwrap_or(classes::DEFAULT_BACKOFF_BASE_MS),
        );
        let cap = Duration::from_millis(
            self.config
                .backoff_max_ms
                .unwrap_or(classes::DEFAULT_BACKOFF_MAX_MS)
                .max(base.as_millis().try_into().unwrap_or(u64::MAX)),
        );
        backoff(doublings, base, cap, self.unit())
    }

    /// Runs one call: waits for its token and a slot before each attempt, and sends
    /// it again as `resend` allows (reads only). `attempt` makes and awaits one
    /// attempt; it is called once per attempt.
    ///
    /// # Errors
    /// The last attempt's error when it is not retried, or retries are exhausted.
    pub async fn run<T, F, Fut>(
        &self,
        key: CallKey<'_>,
        resend: Resend,
        mut attempt: F,
    ) -> Result<T, BackendError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let account = self.account(key.account);
        let lane = self.slots.as_ref().map(|_| self.lane(&key, &account));
        let (throttle_budget, transient_budget) = match resend {
            Resend::Reads { attempts } if is_read(key.action) => {
                (self.read_retries(), attempts.max(1) - 1)
            }
            _ => (0, 0),
        };
        let (mut throttles, mut transients) = (0u32, 0u32);
        loop {
            let answer = {
                let waiting = Gauge::new(&self.counters.waiting);
                if let Some(lane) = &lane {
                    self.token(lane).await;
                }
                let slot = match &self.slots {
                    Some(slots) if throttles + transients > 0 => {
                        Some(slots.acquire_again(&account).await)
                    }
                    Some(slots) => Some(slots.acquire(&account).await),
                    None => None,
                };
                drop(waiting);
                let _flying = Gauge::new(&self.counters.in_flight);
                self.counters.sent.fetch_add(1, Ordering::Relaxed);
                let answer = attempt().await;
                drop(slot);
                answer
            };
            let throttled = matches!(answer, Attempt::Throttled(_));
            if throttled {
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(lane) = &lane {
                let cut = lane
                    .bucket
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .answered(self.now(), throttled);
                if cut {
                    self.counters.rate_cuts.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        account = key.account,
                        region = key.region,
                        action = key.action,
                        "throttled often: sending this API slower for a while"
                    );
                }
            }
            let error = match answer {
                Attempt::Done(result) => return result,
                Attempt::Throttled(e) if throttles < throttle_budget => {
                    throttles += 1;
                    e
                }
                Attempt::Transient(e) if transients < transient_budget => {
                    transients += 1;
                    e
                }
                Attempt::Throttled(e) | Attempt::Transient(e) => return Err(e),
            };
            let retry = throttles + transients - 1;
            // A throttle on a bucket throttled now and then is sent again soon; one
            // whose bucket runs short (or a transient failure, or no bucket to tell)
            // waits longer each time.
            let dominate = !throttled
                || lane.as_ref().is_none_or(|lane| {
                    lane.bucket
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .throttles_dominate()
                });
            let delay = self.backoff(doublings(retry, dominate));
            tracing::debug!(
                region = key.region,
                action = key.action,
                retry = retry + 1,
                ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error.message,
                "read sent again after a back-off"
            );
            self.counters.retried.fetch_add(1, Ordering::Relaxed);
            let _waiting = Gauge::new(&self.counters.waiting);
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests;
