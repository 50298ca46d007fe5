//! Discovery benchmark: time to read the demo estate and large generated estates
//! through the simulator, with and without per-call latency (to show regions and
//! route searches overlapping), and under throttling: AWS's buckets on both sides and
//! 30 % of calls throttled at random, against the time the buckets themselves allow —
//! for one account, and for a generated organization read account by account (issue
//! 20: 300 accounts × 2 regions × 10 spokes, with `find` timed on the estate read).
//!
//! Run: `cargo bench --bench discovery` (`-- throttled` for the throttling part only;
//! `-- org [ACCOUNTS…]` for the organizations alone, default 100 and 300).
//! Prints figures; no timing is asserted anywhere.

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netops::backend::Backend;
use netops::backend::sim::rates::service_of;
use netops::backend::sim::{Faults, Scenario, Simulator, generate, generate_organization};
use netops::backend::throttle::{Scheduler, ThrottleConfig};
use netops::discovery::{DiscoveryPlan, discover};
use netops::model::Estate;

/// Percent of calls the simulator answers with throttling at random.
const THROTTLE_PERCENT: u8 = 30;

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

fn measure(label: &str, runs: u32, make: &dyn Fn() -> Simulator, rt: &tokio::runtime::Runtime) {
    let mut times = Vec::new();
    let mut routes = 0;
    for _ in 0..runs {
        let sim = Arc::new(make());
        let start = Instant::now();
        let estate = rt.block_on(discover(sim, plan()));
        times.push(start.elapsed());
        routes = estate.loaded().map(|r| r.route_count()).sum::<usize>();
    }
    let total: Duration = times.iter().sum();
    let worst = times.iter().max().copied().unwrap_or_default();
    println!(
        "{label:<48} routes={routes:>6}  mean={:>9.3} ms  worst={:>9.3} ms  (n={runs})",
        total.as_secs_f64() * 1000.0 / f64::from(runs),
        worst.as_secs_f64() * 1000.0
    );
}

/// One throttling workload.
struct Workload {
    label: String,
    /// 1: one account (`generate(spokes, routes)`, read `rounds` times at once, the
    /// calls per API a much larger account would make, so that the buckets, not the
    /// burst, set the pace). More: a generated organization of `accounts` workload
    /// accounts × 2 regions × `spokes` spokes each (and the network account), read
    /// once, account by account, through `accounts_backend` as `--org` reads it.
    accounts: usize,
    spokes: usize,
    routes: usize,
    rounds: usize,
    /// Per-call latency of the simulator, milliseconds.
    latency_ms: u64,
    /// The seed of the random throttling: which calls are refused.
    seed: u64,
}

impl Workload {
    fn scenario(&self) -> Scenario {
        if self.accounts == 1 {
            generate(self.spokes, self.routes).expect("within quotas")
        } else {
            generate_organization(self.accounts, 2, self.spokes).expect("within quotas")
        }
    }

    /// Reads the estate as the workload says: `rounds` reads at once of the one
    /// account, or the organization once, every region at once.
    fn read(&self, sim: &Arc<Simulator>, rt: &tokio::runtime::Runtime) -> Vec<Estate> {
        if self.accounts == 1 {
            return rt.block_on(futures::future::join_all((0..self.rounds).map(|_| {
                let backend: Arc<dyn Backend> = Arc::clone(sim) as Arc<dyn Backend>;
                discover(backend, plan())
            })));
        }
        let org = sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| true);
        let plan = DiscoveryPlan {
            regions: sim.scenario_regions(),
            follow_peers: true,
            concurrency: 4,
        };
        vec![rt.block_on(discover(Arc::new(org), plan))]
    }
}

/// The time the buckets and the in-flight limit allow for a read, and what sets it.
struct Bound {
    /// The slowest bucket's time beyond its burst.
    buckets: Duration,
    buckets_set_by: String,
    /// The in-flight limit's share.
    in_flight: Duration,
}

impl Bound {
    /// The bound: both limits apply at once, so the read can be no faster than the
    /// slower of the two (a sum would count twice the time they overlap).
    fn total(&self) -> Duration {
        self.buckets.max(self.in_flight)
    }
}

/// The time AWS's buckets and the scheduler's in-flight limit allow for `calls` (the
/// calls a read needs: those answered by account, region and API when nothing is
/// throttled), each call taking `latency`, `percent` % of attempts throttled at random.
///
/// - **Buckets.** AWS keeps one per account × region × API (the scheduler keeps the
///   same, from the same defaults): a burst of C tokens, then R a second. The n
///   calls of one bucket take at least (n − C)⁺ / R seconds after the first; buckets
///   are independent and run in parallel, so the buckets' bound is the largest of
///   these over all buckets. (The random refusals spend no token: a refused request
///   is not counted by AWS, and the scheduler gives its token back.)
/// - **In-flight limit.** At most S calls (`max_concurrency`) are in flight at once,
///   each holding its slot for one round trip L. A refused attempt holds one too, and
///   with p of attempts refused at random a needed call takes 1 / (1 − p) attempts on
///   average: the calls need N / (1 − p) × L / S seconds of the limit at least. It
///   binds when that exceeds the buckets' bound (an organization: many buckets, each
///   within its burst; one account: few buckets, far beyond it).
/// - Not counted (so the bound is, if anything, low): the round trips each read
///   needs one after another (a listing before the tables it names; a route search
///   split into narrower ones), and the back-off before a retry (the scheduler's
///   choice, not a limit's).
fn bound(calls: &BTreeMap<(String, String, String), u64>, latency: Duration, percent: u8) -> Bound {
    let buckets = Scheduler::standard();
    let mut worst = (
        Duration::ZERO,
        String::from("none (every bucket's burst suffices)"),
    );
    for ((account, region, api), n) in calls {
        let Some(spec) = buckets.spec(service_of(api), api) else {
            continue;
        };
        #[allow(clippy::cast_precision_loss)]
        let beyond = (*n as f64 - spec.capacity).max(0.0);
        let secs = beyond / spec.refill_per_sec;
        if secs > worst.0.as_secs_f64() {
            worst = (
                Duration::from_secs_f64(secs),
                format!(
                    "{api} of {account} in {region}: {n} calls, bucket {} + {}/s",
                    spec.capacity, spec.refill_per_sec
                ),
            );
        }
    }
    let slots = ThrottleConfig::default()
        .max_concurrency
        .unwrap_or(netops::backend::throttle::classes::DEFAULT_MAX_CONCURRENCY);
    let total: u64 = calls.values().sum();
    #[allow(clippy::cast_precision_loss)]
    let attempts = total as f64 / (1.0 - f64::from(percent) / 100.0);
    #[allow(clippy::cast_precision_loss)]
    let in_flight = Duration::from_secs_f64(attempts * latency.as_secs_f64() / slots as f64);
    Bound {
        buckets: worst.0,
        buckets_set_by: worst.1,
        in_flight,
    }
}

/// Peak resident memory of this process since the last [`reset_peak_rss`] (Linux),
/// in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Resets the peak resident memory to what is resident now (Linux: `clear_refs` 5),
/// so the next [`peak_rss_mib`] is the peak of what runs in between. False when it
/// cannot (the peak then covers the whole process).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A hash of the estate's JSON, written straight into the hasher: two reads are
/// equal when their fingerprints are (the estate itself need not be kept).
fn fingerprint(estate: &Estate) -> u64 {
    struct Hashing(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(std::collections::hash_map::DefaultHasher::new());
    serde_json::to_writer(&mut h, estate).expect("serialisable");
    h.0.finish()
}

/// What a read brought back, for "nothing lost".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    regions: usize,
    vpcs: usize,
    attachments: usize,
    instances: usize,
    routes: usize,
    gaps: usize,
}

fn counts(estate: &Estate) -> Counts {
    let loaded: Vec<_> = estate.loaded().collect();
    Counts {
        regions: loaded.len(),
        vpcs: loaded.iter().map(|r| r.vpcs.len()).sum(),
        attachments: loaded.iter().map(|r| r.attachments.len()).sum(),
        instances: loaded.iter().map(|r| r.instances.len()).sum(),
        routes: loaded.iter().map(|r| r.route_count()).sum(),
        gaps: loaded.iter().map(|r| r.gaps.len()).sum(),
    }
}

fn throttled(w: &Workload, rt: &tokio::runtime::Runtime) -> Option<Estate> {
    let scenario = w.scenario();
    let latency = Duration::from_millis(w.latency_ms);
    // The calls a read needs, answered without throttling or latency: the bound's
    // numerator, and the estate every throttled read must equal. Its wall time is
    // what the read costs in CPU here (the simulator and the merge included).
    let (calls, want, want_counts, cpu) = {
        let counting = Arc::new(Simulator::from_scenario(scenario.clone()).expect("sim"));
        let start = Instant::now();
        let plain = w.read(&counting, rt);
        let cpu = start.elapsed();
        (
            counting.answered_calls(),
            fingerprint(&plain[0]),
            counts(&plain[0]),
            cpu,
        )
    };
    let total: u64 = calls.values().sum();
    let b = bound(&calls, latency, THROTTLE_PERCENT);

    let sim = Simulator::from_scenario(scenario).expect("sim");
    sim.set_faults(Faults {
        latency_ms: w.latency_ms,
        throttle_percent: THROTTLE_PERCENT,
        throttle_seed: w.seed,
        rate_limits: true,
        ..Faults::default()
    });
    sim.set_scheduler(Arc::new(Scheduler::standard()));
    let sim = Arc::new(sim);
    let reset = reset_peak_rss();
    let rss_before = peak_rss_mib();
    let start = Instant::now();
    let mut estates = w.read(&sim, rt);
    let took = start.elapsed();
    let peak = peak_rss_mib();
    let got = counts(&estates[0]);
    let complete = estates
        .iter()
        .all(|e| e.failed().next().is_none() && fingerprint(e) == want);
    let throttling_gaps = estates
        .iter()
        .flat_map(|e| e.loaded().flat_map(|r| r.gaps.iter()))
        .filter(|g| g.error.contains("throttl"))
        .count();
    let stats = sim.call_stats().unwrap_or_default();
    let ratio = took.as_secs_f64() / b.total().as_secs_f64();
    println!(
        "{:<52} calls={total:>6}  measured={:>7.2} s  bound={:>7.2} s  ratio={ratio:.2}  complete={complete}",
        w.label,
        took.as_secs_f64(),
        b.total().as_secs_f64(),
    );
    println!(
        "{:<52} bound: buckets {:.2} s (set by {}), in-flight limit {:.2} s; unthrottled read without latency {:.2} s",
        "",
        b.buckets.as_secs_f64(),
        b.buckets_set_by,
        b.in_flight.as_secs_f64(),
        cpu.as_secs_f64(),
    );
    println!(
        "{:<52} read: {} regions, {} VPCs, {} attachments, {} instances, {} routes, {} gaps (wanted {want_counts:?}); throttling gaps {throttling_gaps}",
        "", got.regions, got.vpcs, got.attachments, got.instances, got.routes, got.gaps,
    );
    println!(
        "{:<52} sent={} throttled={} retried={} rate cuts={}; peak RSS {} ({})",
        "",
        stats.sent,
        stats.throttled,
        stats.retried,
        stats.rate_cuts,
        peak.map_or_else(|| "unknown".into(), |m| format!("{m:.0} MiB")),
        if reset {
            format!(
                "during the read; {} resident before it, the simulator's included",
                rss_before.map_or_else(|| "?".into(), |m| format!("{m:.0} MiB"))
            )
        } else {
            "the whole process".into()
        },
    );
    assert!(
        complete,
        "a throttled read lost something: {got:?} vs {want_counts:?}"
    );
    drop(sim);
    estates.pop()
}

/// `find` on the organization's estate, each question cold (a fresh index, built on
/// the way) and warm (the index kept, as the console and a batch keep it), and the
/// issue's goal: ≤ 10 ms per answer.
fn find_timings(estate: &Estate, accounts: usize) {
    use netops::command::Command;
    use netops::net::{EstateIndex, Net};
    use netops::query::run_with;
    // The last workload account's last spoke in us-east-1 (10 spokes each).
    let k = accounts * 10 - 1;
    let spoke = format!("10.{}.{}", k / 256, k % 256);
    let last = accounts - 1;
    let questions: Vec<(&str, String)> = vec![
        ("IP: the last account's instance", format!("{spoke}.10")),
        ("IP: a NAT gateway's Elastic IP", "198.51.100.10".into()),
        ("CIDR: the last account's /24", format!("{spoke}.0/24")),
        ("CIDR 10.0.0.0/8: every spoke", "10.0.0.0/8".into()),
        (
            "id: the last account's VPC",
            format!("vpc-10{last:07x}{:08x}", 9),
        ),
        ("name", format!("workload-{last}-spoke-9")),
    ];
    for (what, q) in questions {
        let cmd = Command::Find { what: q.clone() };
        let t = Instant::now();
        let index = EstateIndex::build(estate);
        let net = Net::with_index(estate, &index);
        let first = run_with(&net, &cmd).expect("find answers");
        let cold = t.elapsed();
        let reps: u32 = 100;
        let t = Instant::now();
        for _ in 0..reps {
            let _ = run_with(&net, &cmd);
        }
        let warm = t.elapsed() / reps;
        let count = |key: &str| first.json[key].as_array().map_or(0, Vec::len);
        println!(
            "{accounts:>4} accounts, find {q:<26} {what:<34} cold {cold:>9.3?}, warm {warm:>9.3?} ({} objects, {} VPC CIDRs, {} routes listed)",
            count("objects"),
            count("vpc_cidrs"),
            count("routes"),
        );
    }
}

/// The organizations of `sizes` accounts, each read under three draws of the random
/// throttling (seeds 1–3: with some 19,000 attempts, the longest run of refusals of
/// one call, and so the last call's finish, varies from draw to draw); `find` timed
/// on the last estate of each size.
fn organizations(sizes: &[usize], rt: &tokio::runtime::Runtime) {
    for &accounts in sizes {
        let mut last = None;
        for seed in 1..=3 {
            let w = Workload {
                label: format!("throttled 30 %: org {accounts} acc × 2 reg × 10, seed {seed}"),
                accounts,
                spokes: 10,
                routes: 0,
                rounds: 1,
                latency_ms: 15,
                seed,
            };
            last = throttled(&w, rt);
        }
        if let Some(estate) = last {
            find_timings(&estate, accounts);
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // `cargo bench` passes `--bench`; a bare word selects the parts to run.
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let only = words.first().cloned();
    if only.as_deref() == Some("org") {
        let sizes: Vec<usize> = words.iter().filter_map(|w| w.parse().ok()).collect();
        let sizes = if sizes.is_empty() {
            vec![100, 300]
        } else {
            sizes
        };
        organizations(&sizes, &rt);
        return;
    }
    if only.as_deref().is_none_or(|o| "throttled".starts_with(o)) {
        throttled(
            &Workload {
                label: "throttled 30 %: 500 spokes, 9,500-route table".into(),
                accounts: 1,
                spokes: 500,
                routes: 9_000,
                rounds: 8,
                latency_ms: 10,
                seed: 1,
            },
            &rt,
        );
        organizations(&[300], &rt);
        if only.is_some() {
            return;
        }
    }
    let demo = Scenario::builtin().expect("builtin");
    measure(
        "demo estate",
        50,
        &|| Simulator::from_scenario(demo.clone()).expect("sim"),
        &rt,
    );
    let big = generate(500, 9_000).expect("within quotas");
    measure(
        "generated: 500 spokes, 9,500-route table",
        5,
        &|| Simulator::from_scenario(big.clone()).expect("sim"),
        &rt,
    );
    let with_latency = |ms: u64| {
        let s = Simulator::from_scenario(demo.clone()).expect("sim");
        s.set_faults(Faults {
            latency_ms: ms,
            ..Faults::default()
        });
        s
    };
    measure("demo estate, 20 ms per call", 5, &|| with_latency(20), &rt);
    let start = Instant::now();
    let sim = Simulator::from_scenario(generate(2_000, 0).expect("within quotas")).expect("sim");
    println!(
        "building a 2,000-spoke simulator: {:.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    drop(sim);
}
