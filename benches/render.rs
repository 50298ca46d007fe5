//! Render benchmark: time to first frame and per-frame cost on a large generated
//! estate (`netops::backend::sim::generate`), rendered into ratatui's `TestBackend`.
//!
//! `cargo bench --bench render [-- SPOKES ROUTES FRAMES]` (defaults 2000 8000 300: the
//! post-inspection table then holds 10,000 routes, AWS's quota per route table).
//!
//! Then the console while an organization loads (issue 20: the first frame at once,
//! key + frame ≤ 16 ms p99 while 300 accounts load): the generated organization of
//! 300 accounts × 2 regions × 10 spokes read account by account through the simulator
//! with AWS's buckets, 30 % of calls throttled and 15 ms a call, keys pressed every
//! few milliseconds until it has loaded (`-- org [ACCOUNTS]` runs that part alone).
//!
//! Prints mean and p99; no timing is asserted anywhere.

use std::sync::Arc;
use std::time::{Duration, Instant};

use netops::backend::Backend;
use netops::backend::sim::{Faults, Simulator, generate, generate_organization};
use netops::backend::throttle::Scheduler;
use netops::discovery::DiscoveryPlan;
use netops::tui::harness::Harness;
use netops::tui::state::Msg;

fn stats(name: &str, mut samples: Vec<Duration>) {
    if samples.is_empty() {
        println!("{name:<48} n=0");
        return;
    }
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(u32::MAX);
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    let max = samples[n - 1];
    println!("{name:<48} n={n:<5} mean={mean:>10.3?} p99={p99:>10.3?} max={max:>10.3?}");
}

/// The console while `accounts` accounts load: keys pressed every few milliseconds,
/// each followed by a frame, as the console's loop runs them; the reports that
/// arrive in between (a region's topology, its parts) applied in the same loop, as
/// one burst, before the next key.
fn org_loading(accounts: usize) {
    // The console's thread is this one; the reads run on two workers, as they do
    // beside the console.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let sim = Simulator::from_scenario(
        generate_organization(accounts, 2, 10).expect("within AWS quotas"),
    )
    .expect("generated organization");
    sim.set_faults(Faults {
        latency_ms: 15,
        throttle_percent: 30,
        throttle_seed: 1,
        rate_limits: true,
        ..Faults::default()
    });
    sim.set_scheduler(Arc::new(Scheduler::standard()));
    let sim = Arc::new(sim);
    let org = sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| true);
    let members = org.members().len();
    let backend: Arc<dyn Backend> = Arc::new(org);
    let plan = DiscoveryPlan {
        regions: sim.scenario_regions(),
        follow_peers: true,
        concurrency: 4,
    };
    let regions = plan.regions.len();
    rt.block_on(async {
        let t = Instant::now();
        let mut h = Harness::new(
            backend,
            plan,
            &format!("DEMO (org, {members} accounts)"),
            120,
            40,
        )
        .expect("keymap");
        h.send(Msg::Start);
        h.draw();
        let first_frame = t.elapsed();
        let mut keys = Vec::new();
        let mut bursts = Vec::new();
        let mut burst_then_key = Vec::new();
        let mut reports = 0;
        let mut i = 0u32;
        loop {
            let p = Instant::now();
            let (applied, idle) = h.pump();
            let pumped = p.elapsed();
            // Loaded: every region read and drawn (later tasks, a timer, are not
            // loading).
            let loaded =
                h.state.data.estate.loaded().count() == regions && !h.state.is_loading();
            if idle || loaded {
                break;
            }
            reports += applied;
            if applied > 0 && std::env::var("RENDER_TRACE").is_ok() {
                eprintln!("{:>8.3?} {applied} reports, loading={}", t.elapsed(), h.state.is_loading());
            }
            let key = if i.is_multiple_of(2) { 'j' } else { 'k' };
            i += 1;
            let k = Instant::now();
            h.send(Msg::Key(netops::tui::keymap::Key::char(key)));
            h.draw();
            let key_frame = k.elapsed();
            keys.push(key_frame);
            if applied > 0 {
                bursts.push(pumped);
                burst_then_key.push(pumped + key_frame);
            }
            tokio::time::sleep(Duration::from_millis(4)).await;
        }
        let loaded = t.elapsed();
        let screen = h.render();
        println!(
            "org of {members} accounts × 2 regions × 10 spokes, loading through AWS-like buckets, 30 % throttled, 15 ms a call:"
        );
        println!("time to first frame (before data):     {first_frame:.3?}");
        println!(
            "loaded in {loaded:.2?}: {} regions, {reports} reports applied; {} keys pressed meanwhile",
            h.state.data.estate.loaded().count(),
            keys.len()
        );
        stats("key + frame while loading", keys);
        stats("report burst applied (a region, a part)", bursts);
        stats("report burst, then key + frame", burst_then_key);
        assert!(screen.contains("us-east-1"), "{screen}");
    });
}

fn frames(h: &mut Harness, count: usize) -> Vec<Duration> {
    (0..count)
        .map(|_| {
            let t = Instant::now();
            h.draw();
            t.elapsed()
        })
        .collect()
}

fn main() {
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if words.first().map(String::as_str) == Some("org") {
        org_loading(words.get(1).and_then(|w| w.parse().ok()).unwrap_or(300));
        return;
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let spokes = args.first().copied().unwrap_or(2_000);
    let routes = args.get(1).copied().unwrap_or(8_000);
    let count = args.get(2).copied().unwrap_or(300);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let build = Instant::now();
        let sim = Simulator::from_scenario(generate(spokes, routes).expect("within AWS quotas")).expect("generated scenario");
        println!(
            "estate: {spokes} spokes, {routes} extra routes (post-inspection holds {} routes); simulator built in {:.1?}",
            routes + spokes,
            build.elapsed()
        );
        let backend: Arc<dyn Backend> = Arc::new(sim);
        let plan = DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        };

        // Time to first frame: the console's first draw happens before any region
        // answers (the screen never waits on the network).
        let t = Instant::now();
        let mut h = Harness::new(Arc::clone(&backend), plan.clone(), "bench", 120, 40)
            .expect("keymap");
        h.send(Msg::Start);
        h.draw();
        let first_frame = t.elapsed();
        h.settle().await;
        let loaded = t.elapsed();
        let t2 = Instant::now();
        h.draw();
        let first_loaded_frame = t2.elapsed();
        println!("time to first frame (before data):     {first_frame:.3?}");
        println!("discovery + update until settled:      {loaded:.3?}");
        println!("first frame with the estate loaded:    {first_loaded_frame:.3?}");

        stats("frame: overview (account selected)", frames(&mut h, count));

        h.keys("jjjjj").await;
        let screen = h.render();
        assert!(screen.contains("post-inspection"), "{screen}");
        stats("frame: post-inspection route table", frames(&mut h, count));

        h.keys("<Tab>").await;
        h.keys("<C-f><C-f><C-f>").await;
        stats("frame: route table, cursor paged down", frames(&mut h, count));

        let moves: Vec<Duration> = (0..count)
            .map(|_| {
                let t = Instant::now();
                h.send(Msg::Key(netops::tui::keymap::Key::char('j')));
                h.draw();
                t.elapsed()
            })
            .collect();
        stats("key j + frame in the route table", moves);

        // The attachments folder of the hub, opened: thousands of tree rows.
        h.keys("<Esc>h").await; // back to the tree, to the Route tables folder
        h.keys("h").await;
        h.keys("jl").await;
        let screen = h.render();
        assert!(screen.contains("Attachments"), "{screen}");
        stats("frame: attachments folder open", frames(&mut h, count));
        let moves: Vec<Duration> = (0..count)
            .map(|_| {
                let t = Instant::now();
                h.send(Msg::Key(netops::tui::keymap::Key::char('j')));
                h.draw();
                t.elapsed()
            })
            .collect();
        stats("key j + frame in the open attachments", moves);

        let t = Instant::now();
        h.keys("/10.0.3.0/24<Enter>").await;
        h.draw();
        println!("filter 10.0.3.0/24 typed + frame:      {:.3?}", t.elapsed());
    });
    org_loading(300);
}
