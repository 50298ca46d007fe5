//! Change benchmark: a batch script of 100 route adds on the simulator (each planned,
//! checked, applied once, verified by the exact route search, logged), and the wall
//! time of `peer connect` on the demo's real clock against AWS's own transition time.
//!
//! `cargo bench --bench changes [-- ROUTES]` (default 100). Prints timings; no timing
//! is asserted anywhere.

use std::sync::Arc;
use std::time::Instant;

use netops::backend::Backend;
use netops::backend::sim::{ACCEPT_SECS, SimClock, Simulator};
use netops::batch::{BatchOptions, ChangeOptions, ChangerHandle, run_script};
use netops::cli::OutputFormat;
use netops::discovery::DiscoveryPlan;

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        follow_peers: true,
        concurrency: 4,
    }
}

async fn run(sim: Arc<Simulator>, script: &str, log: &std::path::Path) -> (i32, f64) {
    let opts = BatchOptions {
        output: OutputFormat::Json,
        keep_going: false,
        progress: false,
        changes: ChangeOptions {
            changer: ChangerHandle(sim.changer()),
            yes: true,
            audit: netops::ops::log::Audit::open(Some(log)),
            profile: "bench".into(),
            ..ChangeOptions::default()
        },
        stop: netops::batch::Stop::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let backend: Arc<dyn Backend> = sim;
    let code = run_script(script, backend, plan(), &opts, &mut out, &mut err).await;
    (code, started.elapsed().as_secs_f64())
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");

    // Discovery alone, to subtract.
    let (code, read_only) = rt.block_on(run(
        Arc::new(Simulator::demo().expect("demo")),
        "tgws\n",
        &log,
    ));
    assert_eq!(code, 0);
    let script: String = (0..n)
        .map(|i| {
            format!(
                "route add tgw-rtb-0e1a2b3c4d5e6f711 10.{}.{}.0/24 tgw-attach-0e1a2b3c4d5e6f722\n",
                200 + i / 250,
                i % 250
            )
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..5 {
        let (code, secs) = rt.block_on(run(
            Arc::new(Simulator::demo().expect("demo")),
            &script,
            &log,
        ));
        assert_eq!(code, 0, "the route adds apply");
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{n} route adds in one batch script (demo simulator): min {:.3} s, median {:.3} s, max {:.3} s (discovery alone {:.3} s)",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        read_only
    );

    // The wizard's wall time on the demo's real clock: AWS's transition (accept →
    // available) plus at most one poll interval.
    let sim = Simulator::demo().expect("demo");
    sim.set_clock(SimClock::real());
    let (code, secs) = rt.block_on(run(
        Arc::new(sim),
        "peer connect tgw-attach-0e1a2b3c4d5e6f7a1\n",
        &log,
    ));
    assert_eq!(code, 0, "peer connect completes");
    println!(
        "peer connect on the demo clock: {secs:.1} s wall for an accept that AWS (the simulator) takes {ACCEPT_SECS} s to make available ({:.1} s of polling beyond it; polls at 0, 1, 2, 4, 8 s…)",
        secs - ACCEPT_SECS as f64
    );
}
