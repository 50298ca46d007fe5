//! Throttling at organization scale (issue 20, item 4): the scheduler absorbs it.
//!
//! - The simulator answering 30 % of its calls with throttling at random, on top of
//!   AWS's own buckets: the demo estate loads whole, no throttle surfaced.
//! - moto behind a fault proxy answering about 30 % of EC2 requests with AWS's
//!   `RequestLimitExceeded` (HTTP 503, EC2's XML error): the reference estate reads
//!   whole through the real SDK, the same as without the proxy. Before the scheduler,
//!   the default settings lost a whole region in 2 of 3 runs; the control read here,
//!   with the scheduler's retries off, loses one.
//!
//! Only counts and contents are asserted, never times.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use netops::backend::Backend;
use netops::backend::ErrorKind;
use netops::backend::aws::AwsBackend;
use netops::backend::sim::scenario::Scenario;
use netops::backend::sim::{Faults, Simulator};
use netops::backend::throttle::{Scheduler, ThrottleConfig};
use netops::discovery::{DiscoveryPlan, discover};
use netops::model::Estate;

use super::moto::{clients_at, fresh_account, moto, moto_backend};
use super::moto_seed::seed;

const USE1: &str = "us-east-1";
const EUW1: &str = "eu-west-1";

fn plan() -> DiscoveryPlan {
    DiscoveryPlan {
        regions: vec![USE1.to_string()],
        follow_peers: true,
        concurrency: 4,
    }
}

/// AWS-like buckets, with back-offs short enough for a test.
fn scheduler(read_retries: Option<u32>) -> Arc<Scheduler> {
    Arc::new(
        Scheduler::new(ThrottleConfig {
            read_retries,
            backoff_base_ms: Some(10),
            backoff_max_ms: Some(200),
            ..ThrottleConfig::default()
        })
        .expect("config"),
    )
}

/// The estate with each region's gaps in one order (optional parts fail in the
/// order their calls answer).
fn settled(mut estate: Estate) -> Estate {
    for load in estate.regions.values_mut() {
        if let netops::model::RegionLoad::Loaded { estate } = load {
            estate
                .gaps
                .sort_by(|a, b| (&a.part, &a.error).cmp(&(&b.part, &b.error)));
        }
    }
    estate
}

#[tokio::test]
async fn throttle_simulator_absorbs_30_percent_of_calls_throttled() {
    let plain = discover(Arc::new(Simulator::demo().expect("demo")), plan()).await;
    assert_eq!(
        plain.loaded().count(),
        2,
        "{:?}",
        plain.failed().collect::<Vec<_>>()
    );

    let throttling = Faults {
        throttle_percent: 30,
        throttle_seed: 20,
        rate_limits: true,
        ..Faults::default()
    };
    let sim = Simulator::demo().expect("demo");
    sim.set_faults(throttling.clone());
    sim.set_scheduler(scheduler(None));
    let sim = Arc::new(sim);
    let estate = discover(Arc::clone(&sim) as Arc<dyn Backend>, plan()).await;
    assert_eq!(
        estate.failed().collect::<Vec<_>>(),
        Vec::<(&str, &str)>::new(),
        "no region lost"
    );
    for region in estate.loaded() {
        assert!(
            region.gaps.is_empty(),
            "{}: {:?}",
            region.region,
            region.gaps
        );
    }
    assert_eq!(
        estate, plain,
        "the whole demo estate, as without throttling"
    );
    let stats = sim.call_stats().expect("the simulator schedules its calls");
    assert!(stats.throttled > 0, "{stats:?}");
    assert_eq!(
        stats.retried, stats.throttled,
        "every throttle absorbed: {stats:?}"
    );
    // About 30 % of what was sent (the draw is seeded: this run repeats).
    let share = stats.throttled as f64 / stats.sent as f64;
    assert!((0.15..0.45).contains(&share), "{share}: {stats:?}");
    assert_eq!((stats.waiting, stats.in_flight), (0, 0), "{stats:?}");

    // The same faults without the scheduler's retries: the throttling surfaces.
    let sim = Simulator::demo().expect("demo");
    sim.set_faults(throttling);
    sim.set_scheduler(scheduler(Some(0)));
    let lost = discover(Arc::new(sim), plan()).await;
    let failed: Vec<_> = lost.failed().collect();
    assert!(!failed.is_empty(), "the control lost nothing");
    assert!(
        failed.iter().all(|(_, e)| e.contains("throttled")),
        "{failed:?}"
    );
}

/// A loopback proxy in front of moto: answers about `percent` % of EC2 requests
/// (their order number through a seeded hash) with AWS's `RequestLimitExceeded`,
/// forwards everything else. Ends with the test process.
struct ThrottlingProxy {
    port: u16,
    throttled: Arc<AtomicU64>,
    forwarded: Arc<AtomicU64>,
}

fn throttled_pick(n: u64, percent: u64) -> bool {
    let mut z = n.wrapping_add(0x5EED).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 100 < percent
}

fn throttling_proxy(upstream: u16, percent: u64) -> ThrottlingProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let throttled = Arc::new(AtomicU64::new(0));
    let forwarded = Arc::new(AtomicU64::new(0));
    let ec2_requests = Arc::new(AtomicU64::new(0));
    let (t, f) = (Arc::clone(&throttled), Arc::clone(&forwarded));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let (t, f, n) = (Arc::clone(&t), Arc::clone(&f), Arc::clone(&ec2_requests));
            std::thread::spawn(move || serve(client, upstream, percent, &t, &f, &n));
        }
    });
    ThrottlingProxy {
        port,
        throttled,
        forwarded,
    }
}

/// One request: its head (request line and headers, as sent) and body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = header(&head, "content-length").map_or(0, |v| v.parse().unwrap_or(0));
    assert!(
        header(&head, "transfer-encoding").is_none(),
        "the SDK sent a chunked request: {head:?}"
    );
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter().skip(1).find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// A response as moto sent it (to the end: the proxy asked it to close), framed
/// again with a length so the SDK's connection stays open.
fn reframe(raw: &[u8]) -> Vec<u8> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head: Vec<String> = String::from_utf8_lossy(&raw[..split])
        .split("\r\n")
        .map(str::to_string)
        .collect();
    let rest = &raw[split + 4..];
    let body: Vec<u8> = if header(&head, "transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let end = at
                + rest[at..]
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .expect("chunk size");
            let size_text = String::from_utf8_lossy(&rest[at..end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
                .expect("chunk size");
            at = end + 2;
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[at..at + size]);
            at += size + 2;
        }
        out
    } else {
        match header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
            Some(n) => rest[..n.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    let mut out = format!("{}\r\n", head[0]);
    for h in head.iter().skip(1) {
        let name = h
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            out.push_str(h);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

fn serve(
    client: TcpStream,
    upstream: u16,
    percent: u64,
    throttled: &AtomicU64,
    forwarded: &AtomicU64,
    ec2_requests: &AtomicU64,
) {
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = client;
    while let Some((head, body)) = read_request(&mut reader) {
        // EC2's query protocol carries the action in the form body; SSM and
        // Network Firewall (JSON, `X-Amz-Target`) pass untouched.
        let ec2 = header(&head, "x-amz-target").is_none()
            && String::from_utf8_lossy(&body).contains("Action=");
        if ec2 && throttled_pick(ec2_requests.fetch_add(1, Ordering::SeqCst), percent) {
            let n = throttled.fetch_add(1, Ordering::SeqCst);
            let xml = format!(
                "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy-{n}</RequestID></Response>"
            );
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{xml}",
                xml.len()
            );
            if writer.write_all(answer.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else {
            return;
        };
        let mut request = format!("{}\r\n", head[0]);
        for h in head.iter().skip(1) {
            if !h.to_ascii_lowercase().starts_with("connection:") {
                request.push_str(h);
                request.push_str("\r\n");
            }
        }
        request.push_str("Connection: close\r\n\r\n");
        let mut raw = Vec::new();
        if up.write_all(request.as_bytes()).is_err()
            || up.write_all(&body).is_err()
            || up.read_to_end(&mut raw).is_err()
        {
            return;
        }
        forwarded.fetch_add(1, Ordering::SeqCst);
        if writer.write_all(&reframe(&raw)).is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn throttle_moto_behind_a_throttling_proxy_reads_the_whole_estate() {
    let account = fresh_account();
    let (direct, seeders) = moto_backend(&[USE1, EUW1], &account).await;
    seed(&Scenario::builtin().expect("builtin"), &seeders).await;
    let expected = settled(discover(Arc::new(direct), plan()).await);
    assert_eq!(expected.loaded().count(), 2, "{expected:?}");
    assert!(expected.loaded().any(|r| !r.tgws.is_empty()));

    let port = tokio::task::spawn_blocking(|| moto().port)
        .await
        .expect("moto");
    let proxy = throttling_proxy(port, 30);
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    // The harness's clients: no SDK retries, so the scheduler is all there is.
    let through = |scheduler: Arc<Scheduler>| {
        AwsBackend::from_clients(
            "moto",
            [USE1, EUW1]
                .iter()
                .map(|r| (r.to_string(), clients_at(&endpoint, r, &account)))
                .collect(),
        )
        .with_scheduler(scheduler)
    };

    let absorbing = scheduler(None);
    let got = settled(discover(Arc::new(through(Arc::clone(&absorbing))), plan()).await);
    assert_eq!(
        got.failed().collect::<Vec<_>>(),
        Vec::<(&str, &str)>::new(),
        "no region lost"
    );
    assert_eq!(got, expected, "the whole estate, as read without the proxy");
    let stats = absorbing.stats();
    let throttled = proxy.throttled.load(Ordering::SeqCst);
    assert!(throttled > 0, "the proxy throttled nothing");
    assert!(proxy.forwarded.load(Ordering::SeqCst) > 0);
    assert_eq!(
        stats.throttled, throttled,
        "every throttle reached the scheduler: {stats:?}"
    );
    assert_eq!(stats.retried, throttled, "and was absorbed: {stats:?}");

    // Control: the same proxy with the scheduler's retries off loses a region to
    // throttling, as the SDK's own three attempts did (issue 20: 2 runs in 3).
    let lost = discover(Arc::new(through(scheduler(Some(0)))), plan()).await;
    let failed: Vec<_> = lost
        .regions
        .values()
        .filter_map(|r| match r {
            netops::model::RegionLoad::Failed { error } => Some(error.clone()),
            _ => None,
        })
        .collect();
    assert!(!failed.is_empty(), "the control lost nothing: {lost:?}");
    assert!(
        failed
            .iter()
            .all(|e| e.kind == ErrorKind::Throttled && e.message.contains("RequestLimitExceeded")),
        "{failed:?}"
    );
}
