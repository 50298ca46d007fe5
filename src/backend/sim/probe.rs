//! The simulator's [`Prober`]: SSM Run Command answered by the path engine over
//! the simulated network, so a toggle or a route change really changes a verdict.
//!
//! Invariants:
//! - A command is evaluated when it is sent, on the estate as it is then (the
//!   trace engine, [`crate::net::trace`]): `curl` out to the internet (TCP to the
//!   URL's port, its host as TLS SNI for https), `ping` as ICMP both ways.
//! - Its invocation answers like SSM's: `InvocationDoesNotExist` on the first poll,
//!   `InProgress` until [`Faults::probe_run_ms`](super::Faults) has passed, then
//!   `Success` (stdout: the public IP the echo service sees) or `Failed` with curl's
//!   exit code 28 and its message (no answer), as a dropped flow would on AWS.
//! - Every call costs [`Faults::ssm_latency_ms`](super::Faults).
//! - The instance must exist, run and have an Online SSM agent, else SendCommand
//!   answers `InvalidInstanceId` (`InvalidInput`), as SSM does.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Simulator, lock};
use crate::backend::probe::{
    CONNECT_TIMEOUT_SECS, Invocation, InvocationStatus, ProbeRequest, ProbeSpec, Prober,
    TOTAL_TIMEOUT_SECS, invocation_not_found,
};
use crate::backend::{BackendError, ErrorKind};
use crate::model::{Estate, PingStatus, RegionEstate, RegionLoad};
use crate::net::firewall::Protocol;
use crate::net::trace::{self, TraceQuery, Verdict};
use crate::net::{EstateIndex, Net};

/// A command sent to the simulator.
#[derive(Debug, Clone)]
pub(super) struct SimCommand {
    instance_id: String,
    sent: Instant,
    polls: u32,
    result: Invocation,
}

/// The commands sent so far, by command id.
pub(super) type Commands = HashMap<String, SimCommand>;

fn failed(code: i32, stderr: String, stdout: String) -> Invocation {
    Invocation {
        status: InvocationStatus::Failed,
        status_details: "Failed".into(),
        response_code: Some(code),
        stdout,
        stderr,
    }
}

fn success(stdout: String) -> Invocation {
    Invocation {
        status: InvocationStatus::Success,
        status_details: "Success".into(),
        response_code: Some(0),
        stdout,
        stderr: String::new(),
    }
}

/// The estate a command is evaluated on, with its index: built once per derived
/// snapshot (many probes sent at once share it).
#[derive(Debug, Default)]
pub(super) struct Evaluated {
    source: Option<Arc<BTreeMap<String, RegionEstate>>>,
    view: Option<Arc<(Estate, EstateIndex)>>,
}

/// What the instance would print, from the trace of its flow.
fn evaluate(view: &(Estate, EstateIndex), instance_id: &str, spec: &ProbeSpec) -> Invocation {
    let (estate, index) = view;
    let net = Net::with_index(estate, index);
    match spec {
        ProbeSpec::Curl { url } => {
            let q = TraceQuery {
                from: instance_id.to_string(),
                to: "internet".into(),
                protocol: Some(Protocol::Tcp),
                port: Some(url.port),
                sni: url.is_tls().then(|| url.host.clone()),
                routing_only: false,
                http_host: (!url.is_tls()).then(|| url.host.clone()),
            };
            let t = match trace::trace(&net, &q) {
                Ok(t) => t,
                Err(e) => {
                    return failed(
                        7,
                        format!("curl: (7) Failed to connect to {}: {e}", url.host),
                        String::new(),
                    );
                }
            };
            let back = t.return_verdict.as_ref().is_some_and(Verdict::arrives) && t.symmetric;
            match t.verdict.settled() {
                Verdict::ReachesInternet { egress_ip, .. } if back => {
                    success(format!("{egress_ip}\n"))
                }
                _ => {
                    // A drop at the TLS phase (after the handshake passed) waits for the
                    // total timeout; anything else never connects.
                    let tls_phase = t
                        .hops
                        .iter()
                        .any(|h| h.decision.contains("after the TCP handshake passed"));
                    let message = if tls_phase {
                        format!(
                            "curl: (28) Operation timed out after {}001 milliseconds with 0 bytes received",
                            TOTAL_TIMEOUT_SECS
                        )
                    } else {
                        format!(
                            "curl: (28) Connection timed out after {}001 milliseconds",
                            CONNECT_TIMEOUT_SECS
                        )
                    };
                    failed(28, message, String::new())
                }
            }
        }
        ProbeSpec::Ping { ip } => {
            let q = TraceQuery {
                from: instance_id.to_string(),
                to: ip.to_string(),
                protocol: Some(Protocol::Icmp),
                port: None,
                sni: None,
                routing_only: false,
                http_host: None,
            };
            let ok = trace::trace(&net, &q).is_ok_and(|t| {
                t.verdict.arrives()
                    && t.return_verdict.as_ref().is_some_and(Verdict::arrives)
                    && t.symmetric
            });
            let head = format!("PING {ip} ({ip}) 56(84) bytes of data.\n");
            if ok {
                success(format!(
                    "{head}64 bytes from {ip}: icmp_seq=1 ttl=63 time=1.02 ms\n64 bytes from {ip}: icmp_seq=2 ttl=63 time=0.98 ms\n64 bytes from {ip}: icmp_seq=3 ttl=63 time=1.01 ms\n\n--- {ip} ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n"
                ))
            } else {
                failed(
                    1,
                    String::new(),
                    format!(
                        "{head}\n--- {ip} ping statistics ---\n3 packets transmitted, 0 received, 100% packet loss, time 2047ms\n"
                    ),
                )
            }
        }
    }
}

impl Simulator {
    /// The current estate, as a reader would see it, with its index (cached while
    /// the snapshot stays the same).
    fn current_estate(&self) -> Arc<(Estate, EstateIndex)> {
        let snapshot = self.snapshot();
        let mut cache = lock(&self.evaluated);
        if let (Some(source), Some(view)) = (&cache.source, &cache.view)
            && Arc::ptr_eq(source, &snapshot)
        {
            return Arc::clone(view);
        }
        let estate = Estate {
            account: None,
            regions: snapshot
                .iter()
                .map(|(name, r)| {
                    (
                        name.clone(),
                        RegionLoad::Loaded {
                            estate: Box::new(r.clone()),
                        },
                    )
                })
                .collect(),
        };
        let index = EstateIndex::build(&estate);
        let view = Arc::new((estate, index));
        cache.source = Some(snapshot);
        cache.view = Some(Arc::clone(&view));
        view
    }

    async fn ssm_call(&self, region: &str, api: &str) -> Result<super::Faults, BackendError> {
        let faults = self.faults();
        self.call_with(region, api, Duration::from_millis(faults.ssm_latency_ms))
            .await
    }
}

#[async_trait]
impl Prober for Simulator {
    async fn send(&self, region: &str, request: &ProbeRequest) -> Result<String, BackendError> {
        if self.is_read_only() {
            return Err(BackendError::new(
                ErrorKind::ReadOnly,
                crate::error::read_only("ssm:SendCommand", crate::error::Refused::Probe),
            ));
        }
        self.ssm_call(region, "SendCommand").await?;
        let view = self.current_estate();
        let instance = view
            .0
            .region(region)
            .and_then(|r| r.instances.iter().find(|i| i.id == request.instance_id));
        let online = instance.is_some_and(|i| {
            i.state == "running"
                && i.ssm
                    .as_ref()
                    .is_some_and(|s| s.ping_status == PingStatus::Online)
        });
        if !online {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "{} in {region} is not a managed instance with an Online SSM agent (InvalidInstanceId)",
                    request.instance_id
                ),
            )
            .in_region(region)
            .for_resource(&request.instance_id));
        }
        let result = evaluate(&view, &request.instance_id, &request.spec);
        let id = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.next_id.fetch_add(1, Ordering::SeqCst),
            self.next_id.load(Ordering::SeqCst)
        );
        tracing::info!(%region, command_id = %id, instance = %request.instance_id, spec = ?request.spec, status = ?result.status, "simulator: command sent");
        lock(&self.commands).insert(
            id.clone(),
            SimCommand {
                instance_id: request.instance_id.clone(),
                sent: Instant::now(),
                polls: 0,
                result,
            },
        );
        Ok(id)
    }

    async fn invocation(
        &self,
        region: &str,
        command_id: &str,
        instance_id: &str,
    ) -> Result<Invocation, BackendError> {
        let faults = self.ssm_call(region, "GetCommandInvocation").await?;
        let mut commands = lock(&self.commands);
        let Some(cmd) = commands
            .get_mut(command_id)
            .filter(|c| c.instance_id == instance_id)
        else {
            return Err(invocation_not_found(command_id, instance_id));
        };
        cmd.polls += 1;
        if cmd.polls == 1 {
            // Right after SendCommand, SSM has not made the invocation yet.
            return Err(invocation_not_found(command_id, instance_id));
        }
        if cmd.sent.elapsed() < Duration::from_millis(faults.probe_run_ms) {
            return Ok(Invocation {
                status: InvocationStatus::InProgress,
                status_details: "InProgress".into(),
                response_code: Some(-1),
                stdout: String::new(),
                stderr: String::new(),
            });
        }
        Ok(cmd.result.clone())
    }
}
