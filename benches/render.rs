//! Render benchmark: time to first frame and per-frame cost on a large generated
//! estate (`netops::backend::sim::generate`), rendered into ratatui's `TestBackend`.
//!
//! `cargo bench --bench render [-- SPOKES ROUTES FRAMES]` (defaults 2000 8000 300: the
//! post-inspection table then holds 10,000 routes, AWS's quota per route table).
//! Prints mean and p99; no timing is asserted anywhere.

use std::sync::Arc;
use std::time::{Duration, Instant};

use netops::backend::Backend;
use netops::backend::sim::{Simulator, generate};
use netops::discovery::DiscoveryPlan;
use netops::tui::harness::Harness;
use netops::tui::state::Msg;

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len().max(1);
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(u32::MAX);
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    println!("{name:<48} n={n:<5} mean={mean:>10.3?} p99={p99:>10.3?}");
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
}
