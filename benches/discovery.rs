//! Discovery benchmark: time to read the demo estate and large generated estates
//! through the simulator, with and without per-call latency (to show regions and
//! route searches overlapping), and under throttling: AWS's buckets on both sides and
//! 30 % of calls throttled at random, against the time the buckets themselves allow.
//! Run: `cargo bench --bench discovery` (`-- throttl` for the throttling part only).
//! Prints mean and worst of N runs; no timing is asserted anywhere.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netops::backend::Backend;
use netops::backend::sim::rates::service_of;
use netops::backend::sim::{Faults, Scenario, Simulator, generate};
use netops::backend::throttle::Scheduler;
use netops::discovery::{DiscoveryPlan, discover};
use netops::model::Estate;

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

/// One throttling workload. `accounts` is 1 until the simulator generates an
/// organization (the multi-account generator): then each account gets its buckets,
/// the bound is the slowest account's, and the in-flight limit joins the bound.
struct Workload {
    label: &'static str,
    spokes: usize,
    routes: usize,
    accounts: usize,
    /// Reads of the estate at once, in the one account: the calls per API a much
    /// larger account would make, so that the buckets, not the burst, set the pace.
    rounds: usize,
    /// Per-call latency of the simulator, milliseconds.
    latency_ms: u64,
}

/// `rounds` reads of the estate at once.
fn read_rounds(sim: &Arc<Simulator>, rounds: usize, rt: &tokio::runtime::Runtime) -> Vec<Estate> {
    rt.block_on(futures::future::join_all((0..rounds).map(|_| {
        let backend: Arc<dyn Backend> = Arc::clone(sim) as Arc<dyn Backend>;
        discover(backend, plan())
    })))
}

/// The time AWS's buckets allow for `calls` (answered calls by account, region and
/// API), after each bucket's burst: the slowest bucket's (calls − capacity) / refill.
fn bucket_bound(calls: &BTreeMap<(String, String, String), u64>) -> (Duration, String) {
    let buckets = Scheduler::standard();
    let mut worst = (
        Duration::ZERO,
        String::from("none (every bucket's burst suffices)"),
    );
    for ((_, region, api), n) in calls {
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
                    "{api} in {region}: {n} calls, bucket {} + {}/s",
                    spec.capacity, spec.refill_per_sec
                ),
            );
        }
    }
    worst
}

/// Peak resident memory of this process so far (Linux), in MiB.
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

fn throttled(w: &Workload, rt: &tokio::runtime::Runtime) {
    assert_eq!(
        w.accounts, 1,
        "one account until the simulator generates more"
    );
    let scenario = generate(w.spokes, w.routes).expect("within quotas");
    // The calls a read makes, answered without throttling: the bound's numerator,
    // and the estate every throttled read must equal.
    let counting = Arc::new(Simulator::from_scenario(scenario.clone()).expect("sim"));
    let plain = read_rounds(&counting, w.rounds, rt);
    let calls = counting.answered_calls();
    let total: u64 = calls.values().sum();
    let (bound, binding) = bucket_bound(&calls);

    let sim = Simulator::from_scenario(scenario).expect("sim");
    sim.set_faults(Faults {
        latency_ms: w.latency_ms,
        throttle_percent: 30,
        throttle_seed: 1,
        rate_limits: true,
        ..Faults::default()
    });
    sim.set_scheduler(Arc::new(Scheduler::standard()));
    let sim = Arc::new(sim);
    let start = Instant::now();
    let estates = read_rounds(&sim, w.rounds, rt);
    let took = start.elapsed();
    let complete = estates
        .iter()
        .all(|e| e.failed().next().is_none() && *e == plain[0]);
    let stats = sim.call_stats().unwrap_or_default();
    let ratio = if bound.is_zero() {
        f64::NAN
    } else {
        took.as_secs_f64() / bound.as_secs_f64()
    };
    println!(
        "{:<48} calls={total:>6}  measured={:>8.2} s  bound={:>8.2} s  ratio={ratio:.2}  complete={complete}",
        w.label,
        took.as_secs_f64(),
        bound.as_secs_f64(),
    );
    println!(
        "{:<48} bound set by {binding}; sent={} throttled={} retried={} rate cuts={}; peak RSS {}",
        "",
        stats.sent,
        stats.throttled,
        stats.retried,
        stats.rate_cuts,
        peak_rss_mib().map_or_else(|| "unknown".into(), |m| format!("{m:.0} MiB")),
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // `cargo bench` passes `--bench`; a bare word selects the parts to run.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if only.as_deref().is_none_or(|o| "throttled".starts_with(o)) {
        throttled(
            &Workload {
                label: "throttled 30 %: 500 spokes, 9,500-route table",
                spokes: 500,
                routes: 9_000,
                accounts: 1,
                rounds: 8,
                latency_ms: 10,
            },
            &rt,
        );
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
