//! Discovery benchmark: time to read the demo estate and large generated estates
//! through the simulator, with and without per-call latency (to show regions and
//! route searches overlapping). Run: `cargo bench --bench discovery`.
//! Prints mean and worst of N runs; no timing is asserted anywhere.

use std::sync::Arc;
use std::time::{Duration, Instant};

use netops::backend::sim::{Faults, Scenario, Simulator, generate};
use netops::discovery::{DiscoveryPlan, discover};

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

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
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
