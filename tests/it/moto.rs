//! The moto server harness: one `moto_server` per test process, on a free loopback
//! port, shared by every test of that process.
//!
//! - Install: a Python venv at `<target>/moto-venv` (target = `CARGO_TARGET_DIR` or
//!   `<manifest>/target`) with the pinned `moto[server]==5.2.5`. The install runs
//!   under an exclusive file lock (`<target>/moto-venv.lock`) so parallel test
//!   processes do not race, and is marked complete by a stamp file written last; a
//!   half-made venv (interrupted install) is removed and made again.
//! - Lifetime: moto is started through a tiny Python wrapper that exits as soon as
//!   its stdin reaches EOF. The test process holds the write end of that pipe for its
//!   whole life (in a static), so however the test process ends (normally, panic,
//!   SIGKILL) the kernel closes the pipe and moto exits: no stray `moto_server`.
//! - Isolation: every test asks for a fresh account id ([`fresh_account`]); an SDK
//!   interceptor sends it as moto's `x-moto-account-id` header, so tests running in
//!   parallel against the one server never see each other's resources, and no test
//!   needs `/moto-api/reset`.
//! - Clients never retry (max attempts 1) and use static test credentials.
//!
//! The harness needs `python3` with `venv` and network access to PyPI on the first
//! run (about 50 s); later runs reuse the venv.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_ec2::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_ec2::error::BoxError;
use netops::backend::aws::{AwsBackend, RegionClients};

/// The pinned moto release the suite is written against.
pub const MOTO_VERSION: &str = "5.2.5";

/// Starts moto and keeps it alive while its stdin is open. The first argument is a
/// marker so `pgrep -f moto_server` finds the process.
const WRAPPER: &str = r"
import os, sys, threading
def watch():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(sys.argv[2:])
";

/// A running moto server.
pub struct Moto {
    pub port: u16,
    pub log: PathBuf,
    /// Kept so the child's stdin pipe stays open for the life of the test process.
    _child: Mutex<Child>,
}

impl Moto {
    /// The endpoint URL for SDK clients.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The venv's python, installing moto first if needed.
fn ensure_venv() -> Result<PathBuf, String> {
    let target = target_dir();
    std::fs::create_dir_all(&target).map_err(|e| format!("create {target:?}: {e}"))?;
    let venv = target.join("moto-venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join(format!(".netops-moto-{MOTO_VERSION}"));
    if stamp.exists() {
        return Ok(python);
    }
    let lock_path = target.join("moto-venv.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("open {lock_path:?}: {e}"))?;
    lock.lock()
        .map_err(|e| format!("lock {lock_path:?}: {e}"))?;
    // Another process may have finished the install while we waited for the lock.
    if stamp.exists() {
        return Ok(python);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(|e| format!("remove stale {venv:?}: {e}"))?;
    }
    let started = Instant::now();
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 -m venv: {e} (is python3 installed?)"))?;
    if !status.success() {
        return Err(format!("python3 -m venv {venv:?} failed: {status}"));
    }
    let out = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .arg(format!("moto[server]=={MOTO_VERSION}"))
        .output()
        .map_err(|e| format!("pip install moto: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pip install moto[server]=={MOTO_VERSION} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::write(&stamp, MOTO_VERSION).map_err(|e| format!("write {stamp:?}: {e}"))?;
    eprintln!(
        "moto harness: installed moto {MOTO_VERSION} into {venv:?} in {:.0?}",
        started.elapsed()
    );
    Ok(python)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a loopback port")
}

/// True once the server answers `GET /moto-api/` with HTTP 200.
fn answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && head.ends_with(b"200")
}

fn start() -> Result<Moto, String> {
    let python = ensure_venv()?;
    let logs = target_dir().join("moto-logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("create {logs:?}: {e}"))?;
    let mut last_error = String::new();
    for _ in 0..3 {
        let port = free_port();
        let log = logs.join(format!("moto-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("create {log:?}: {e}"))?;
        let err_file = log_file
            .try_clone()
            .map_err(|e| format!("clone log handle: {e}"))?;
        let mut child = Command::new(&python)
            .args([
                "-c",
                WRAPPER,
                "moto_server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| format!("start moto: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if answers(port) {
                return Ok(Moto {
                    port,
                    log,
                    _child: Mutex::new(child),
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let tail = std::fs::read_to_string(&log).unwrap_or_default();
                last_error = format!("moto exited early ({status}): {tail}");
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                last_error = format!("moto did not answer on port {port} within 30 s");
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Err(last_error)
}

/// The venv's python (boto3 comes with moto), for tests that script AWS as a user
/// would.
pub fn python() -> PathBuf {
    ensure_venv().unwrap_or_else(|e| panic!("moto harness: {e}"))
}

/// The process-wide moto server, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Result<Moto, String>> = OnceLock::new();
    match MOTO.get_or_init(start) {
        Ok(m) => m,
        Err(e) => panic!("moto harness: {e}"),
    }
}

/// A 12-digit account id no other test of this process uses.
pub fn fresh_account() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{:012}",
        200_000_000_000 + NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Sends moto's `x-moto-account-id` header so each test has its own account.
#[derive(Debug)]
struct MotoAccount(String);

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "MotoAccount"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0.clone());
        Ok(())
    }
}

fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "moto-harness")
}

/// Clients for `region` talking to `endpoint` as `account`, without retries.
pub fn clients_at(endpoint: &str, region: &str, account: &str) -> RegionClients {
    let r = Region::new(region.to_string());
    let ec2 = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(r.clone())
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_sdk_ec2::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .build(),
        )
        .interceptor(MotoAccount(account.to_string()))
        .build();
    let ssm = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(r.clone())
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled())
        .interceptor(MotoAccount(account.to_string()))
        .build();
    let firewall = aws_sdk_networkfirewall::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(r)
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .retry_config(aws_sdk_networkfirewall::config::retry::RetryConfig::disabled())
        .interceptor(MotoAccount(account.to_string()))
        .build();
    RegionClients {
        ec2: aws_sdk_ec2::Client::from_conf(ec2),
        ssm: aws_sdk_ssm::Client::from_conf(ssm),
        firewall: aws_sdk_networkfirewall::Client::from_conf(firewall),
    }
}

/// An Organizations client on moto as `account` (moto's Organizations is global).
pub fn organizations_at(endpoint: &str, account: &str) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(credentials())
            .retry_config(aws_sdk_organizations::config::retry::RetryConfig::disabled())
            .interceptor(MotoAccount(account.to_string()))
            .build(),
    )
}

/// Per-region moto clients, for seeding (the same clients the backend uses).
pub type Seeders = Vec<(String, RegionClients)>;

/// An [`AwsBackend`] over moto for `regions` as `account`, and the clients to seed
/// moto with.
pub async fn moto_backend(regions: &[&str], account: &str) -> (AwsBackend, Seeders) {
    let endpoint = tokio::task::spawn_blocking(|| moto().endpoint())
        .await
        .expect("moto start task");
    let clients: Seeders = regions
        .iter()
        .map(|r| (r.to_string(), clients_at(&endpoint, r, account)))
        .collect();
    let backend = AwsBackend::from_clients("moto", clients.clone());
    (backend, clients)
}

/// The seeding clients of one region.
pub fn region_clients<'a>(seeders: &'a Seeders, region: &str) -> &'a RegionClients {
    seeders
        .iter()
        .find(|(r, _)| r == region)
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("no moto clients for {region}"))
}

#[test]
fn moto_harness_starts_one_server_and_isolates_accounts() {
    let a = moto();
    let b = moto();
    assert_eq!(a.port, b.port, "one server per test process");
    assert!(answers(a.port), "moto log: {}", a.log.display());
    assert_ne!(fresh_account(), fresh_account());
}
