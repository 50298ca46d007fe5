//! Egress probe benchmark: `probe egress` over 1, 10 and 100 spokes of a generated
//! estate on the simulator, with SSM latency injected on every call
//! (`ssm_latency_ms`) and each command running `probe_run_ms` on its instance. The
//! runtime sends every probe at once and polls them concurrently, so probing N
//! spokes should take about as long as probing one (the goal: at most 1.2×).
//!
//! `cargo bench --bench probe [-- LATENCY_MS RUN_MS]` (defaults 200 and 1500).
//! Prints timings; no timing is asserted anywhere.

use std::sync::Arc;
use std::time::Instant;

use netops::backend::Backend;
use netops::backend::sim::{Faults, Simulator, generate};
use netops::discovery::DiscoveryPlan;
use netops::model::{Instance, PingStatus, SsmStatus};
use netops::probe::ProbeRun;
use netops::runtime::{Clock, Runtime};

/// A generated estate with one SSM-managed instance in each spoke's subnet.
fn estate(spokes: usize, latency_ms: u64, run_ms: u64) -> Arc<Simulator> {
    let mut scenario = generate(spokes, 0).expect("generated scenario");
    let region = scenario
        .regions
        .iter_mut()
        .find(|r| r.region == "us-east-1")
        .expect("us-east-1");
    let mut instances = Vec::new();
    for s in &region.subnets {
        if !s.id.starts_with("subnet-1") {
            continue;
        }
        let Some(ipnet::IpNet::V4(cidr)) = s.cidr else {
            continue;
        };
        let ip = std::net::Ipv4Addr::from(u32::from(cidr.network()) + 10);
        instances.push(Instance {
            owner_id: None,
            id: format!("i-{}", &s.id["subnet-".len()..]),
            region: "us-east-1".into(),
            name: Some(format!("probe-{}", s.vpc_id)),
            vpc_id: Some(s.vpc_id.clone()),
            subnet_id: Some(s.id.clone()),
            private_ip: Some(ip.into()),
            public_ip: None,
            security_group_ids: Vec::new(),
            state: "running".into(),
            ssm: Some(SsmStatus {
                ping_status: PingStatus::Online,
                platform: Some("Amazon Linux".into()),
                agent_version: Some("3.3.1142.0".into()),
            }),
        });
    }
    region.instances = instances;
    let sim = Simulator::from_scenario(scenario).expect("simulator");
    sim.set_faults(Faults {
        ssm_latency_ms: latency_ms,
        probe_run_ms: run_ms,
        ..Faults::default()
    });
    Arc::new(sim)
}

/// Discovers the estate, then times the probe run alone (plan, send, poll, judge):
/// the seconds from the first `SendCommand` to the last verdict.
async fn probe(sim: Arc<Simulator>) -> (bool, f64, String) {
    let plan = DiscoveryPlan {
        regions: vec!["us-east-1".into()],
        follow_peers: false,
        concurrency: 4,
    };
    let prober = sim.prober();
    let backend: Arc<dyn Backend> = sim;
    let estate = netops::discovery::discover(Arc::clone(&backend), plan).await;
    let index = netops::net::EstateIndex::build(&estate);
    let net = netops::net::Net::with_index(&estate, &index);
    // Seed 001's policy lets `.amazon.com` out: the probe's URL is one of those.
    let cmd = netops::command::parse_line("probe egress --url https://www.amazon.com")
        .expect("parses")
        .expect("a command");
    let mut runtime = Runtime::new(backend, Clock::System).with_prober(prober);
    let started = Instant::now();
    let mut run = ProbeRun::plan(&net, &cmd, 1).expect("plan");
    let now = |s: Instant| u64::try_from(s.elapsed().as_millis()).unwrap_or(u64::MAX);
    for effect in run.start(now(started)) {
        runtime.execute(effect);
    }
    while !run.is_done() {
        let Some(report) = runtime.next().await else {
            break;
        };
        run.on_report(&report, now(started));
    }
    let secs = started.elapsed().as_secs_f64();
    (run.is_done(), secs, run.tally())
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let latency = args.first().copied().unwrap_or(200);
    let run_ms = args.get(1).copied().unwrap_or(1500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("egress probe, SSM latency {latency} ms per call, commands run {run_ms} ms");
    let mut one = None;
    for spokes in [1usize, 10, 100] {
        let mut times = Vec::new();
        let mut title = String::new();
        for _ in 0..3 {
            let (done, secs, t) = rt.block_on(probe(estate(spokes, latency, run_ms)));
            assert!(done, "the probe run did not finish: {t}");
            times.push(secs);
            title = t;
        }
        times.sort_by(f64::total_cmp);
        let median = times[1];
        let base = *one.get_or_insert(median);
        println!(
            "{spokes:>4} spokes: min {:.2} s  median {median:.2} s  max {:.2} s  ({:.2}× one spoke)  [{title}]",
            times[0],
            times[2],
            median / base
        );
    }
}
