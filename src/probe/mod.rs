//! Running live probes — `probe egress` and `probe ping` — as one state machine over
//! the runtime, shared by `--batch` and the console: rows of a live matrix (spoke,
//! instance, observed IP, expected IPs, verdict, elapsed).
//!
//! Invariants:
//! - Pure: reports and the caller's clock (milliseconds) in, effects and rows out;
//!   the runtime sends and polls ([`crate::runtime::Effect::Probe`]), every row at
//!   once, so probing N spokes takes about as long as probing one.
//! - The engine ([`crate::net::egress`]) says what each row should see and judges
//!   what it saw; this module only classifies what the instance printed
//!   ([`classify`]): curl's exit codes for "no answer", an IP in the body for an
//!   answer, anything else "unprobeable" with the reason.
//! - What a user types reaches the instance only as a validated [`ProbeUrl`],
//!   rendered by [`crate::backend::probe::ProbeSpec::commands`].

use std::net::IpAddr;

use serde::Serialize;
use serde_json::json;

use crate::backend::probe::{Invocation, InvocationStatus, ProbeRequest, ProbeSpec, ProbeUrl};
use crate::command::{Command, ProbeCommand};
use crate::error::CommandError;
use crate::net::Net;
use crate::net::egress::{
    self, EgressTarget, EgressVerdict, Flow, Judgement, Observed, PingTarget,
};
use crate::query::{Output, Section};
use crate::runtime::{Effect, ProbeEvent, Report, TaskId};

/// curl exit codes that mean the network gave no (usable) answer.
const NO_ANSWER_CODES: [(i32, &str); 7] = [
    (6, "could not resolve the host"),
    (7, "could not connect (refused or unreachable)"),
    (28, "timed out"),
    (35, "the TLS handshake failed"),
    (52, "the server sent nothing"),
    (55, "the connection broke while sending"),
    (56, "the connection was reset"),
];

/// Classifies an egress probe's end: an IP, no answer, or unusable.
#[must_use]
pub fn classify(
    result: &Result<Invocation, crate::backend::BackendError>,
    instance: &str,
) -> Observed {
    let inv = match result {
        Ok(inv) => inv,
        Err(e) => {
            return Observed::Unusable {
                detail: format!("the probe could not run: {}", e.message),
            };
        }
    };
    let first = |s: &str| {
        s.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    match &inv.status {
        InvocationStatus::Success => {
            let ip = inv
                .stdout
                .split(|c: char| c.is_whitespace() || c == ',')
                .find_map(|w| w.trim().parse::<IpAddr>().ok());
            match ip {
                Some(ip) => Observed::Ip { ip },
                None => Observed::Unusable {
                    detail: format!(
                        "the URL answered, but not with an IP address ({:?}): use an echo service such as https://checkip.amazonaws.com",
                        first(&inv.stdout).chars().take(60).collect::<String>()
                    ),
                },
            }
        }
        InvocationStatus::Failed => {
            let code = inv.response_code.unwrap_or(-1);
            let stderr = first(&inv.stderr);
            match NO_ANSWER_CODES.iter().find(|(c, _)| *c == code) {
                Some((_, what)) => Observed::NoAnswer {
                    detail: if stderr.is_empty() {
                        format!("curl exit {code}: {what}")
                    } else {
                        stderr
                    },
                },
                None if code == 127 => Observed::Unusable {
                    detail: format!("curl is not installed on {instance} (exit 127)"),
                },
                None => Observed::Unusable {
                    detail: format!(
                        "the command failed with exit {code}{}",
                        if stderr.is_empty() {
                            String::new()
                        } else {
                            format!(": {stderr}")
                        }
                    ),
                },
            }
        }
        InvocationStatus::TimedOut => Observed::Unusable {
            detail: format!(
                "SSM timed out ({}): the agent on {instance} did not run the command in time",
                if inv.status_details.is_empty() {
                    "TimedOut"
                } else {
                    &inv.status_details
                }
            ),
        },
        other => Observed::Unusable {
            detail: format!(
                "the command ended {} ({})",
                other.as_str(),
                inv.status_details
            ),
        },
    }
}

/// One row's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not sent (unprobeable rows stay here, with their verdict).
    Queued,
    /// `SendCommand` on its way.
    Sending,
    /// Sent; the invocation's latest status.
    Running {
        command_id: String,
        status: String,
    },
    Done,
}

/// What a row probes.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Egress(Box<EgressTarget>),
    Ping(PingTarget),
}

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The spoke (egress) or `FROM → TO` (ping).
    pub label: String,
    pub region: String,
    pub instance: Option<String>,
    pub subject: Subject,
    pub phase: Phase,
    #[serde(skip)]
    pub task: Option<TaskId>,
    pub command_id: Option<String>,
    /// The verdict's word (`centralized`, `leak`, `blocked`, `unprobeable`,
    /// `reachable`, `unreachable`), once known.
    pub verdict: Option<String>,
    /// True when the verdict fails the run (leak, blocked, unreachable).
    pub failure: bool,
    pub observed_ip: Option<IpAddr>,
    /// Why, in words.
    pub reason: String,
    /// The live answer is not what the engine predicted: the difference.
    pub disagreement: Option<String>,
    /// Milliseconds from sending to the verdict (or so far).
    pub elapsed_ms: Option<u64>,
    #[serde(skip)]
    started_ms: Option<u64>,
}

impl Row {
    fn new(label: String, region: String, instance: Option<String>, subject: Subject) -> Self {
        Self {
            label,
            region,
            instance,
            subject,
            phase: Phase::Queued,
            task: None,
            command_id: None,
            verdict: None,
            failure: false,
            observed_ip: None,
            reason: String::new(),
            disagreement: None,
            elapsed_ms: None,
            started_ms: None,
        }
    }

    /// The expected egress IPs (egress rows).
    #[must_use]
    pub fn expected(&self) -> Vec<IpAddr> {
        match &self.subject {
            Subject::Egress(t) => t.expected.clone(),
            Subject::Ping(_) => Vec::new(),
        }
    }

    /// What the engine expected of the row, in words.
    #[must_use]
    pub fn engine_summary(&self) -> String {
        match &self.subject {
            Subject::Egress(t) => t.engine.summary(),
            Subject::Ping(t) => t.engine.clone(),
        }
    }

    /// The status word while running, else the verdict.
    #[must_use]
    pub fn status(&self) -> String {
        match (&self.verdict, &self.phase) {
            (Some(v), _) => v.clone(),
            (None, Phase::Queued) => "queued".into(),
            (None, Phase::Sending) => "sending".into(),
            (None, Phase::Running { status, .. }) => status.to_ascii_lowercase(),
            (None, Phase::Done) => "done".into(),
        }
    }

    fn judge(&mut self, j: &Judgement) {
        self.verdict = Some(j.verdict.as_str().to_string());
        self.failure = j.verdict.is_failure();
        self.observed_ip = j.observed_ip;
        self.reason.clone_from(&j.reason);
        self.disagreement.clone_from(&j.disagreement);
    }
}

/// What kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Egress,
    Ping,
}

/// A probe run: every row, sent at once, judged as answers come.
#[derive(Debug, Clone)]
pub struct ProbeRun {
    /// The command as typed.
    pub line: String,
    pub kind: Kind,
    pub rows: Vec<Row>,
    spec: ProbeSpec,
    next_task: TaskId,
}

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(crate::error::ErrorKind::InvalidInput, message)
}

impl ProbeRun {
    /// Plans `probe egress` or `probe ping` on this estate; tasks take ids from
    /// `first_task` up.
    ///
    /// # Errors
    /// A URL that fails validation (named), a VPC or instance that names nothing
    /// loaded, a command that is not a probe.
    pub fn plan(net: &Net<'_>, cmd: &Command, first_task: TaskId) -> Result<Self, CommandError> {
        let line = cmd.to_line();
        match cmd {
            Command::Probe(ProbeCommand::Egress {
                vpc,
                instances,
                url,
            }) => {
                let url = ProbeUrl::parse(url)?;
                let flow = Flow {
                    host: url.host.clone(),
                    port: url.port,
                    tls: url.is_tls(),
                };
                let sel = egress::Selection {
                    vpc: vpc.clone(),
                    instances: instances.clone(),
                };
                let targets = egress::targets(net, &sel, &flow)?;
                if targets.is_empty() {
                    return Err(invalid(
                        "no spoke VPC to probe: none is attached to a TGW apart from the hubs (name one with --vpc or --instance)",
                    ));
                }
                let rows = targets
                    .into_iter()
                    .map(|t| {
                        let mut row = Row::new(
                            t.spoke.clone(),
                            t.region.clone(),
                            t.instance_id.clone(),
                            Subject::Egress(Box::new(t.clone())),
                        );
                        if let Some(why) = &t.unprobeable {
                            row.judge(&egress::judge(
                                &t,
                                &Observed::Unusable {
                                    detail: why.clone(),
                                },
                            ));
                            row.phase = Phase::Done;
                        }
                        row
                    })
                    .collect();
                Ok(Self {
                    line,
                    kind: Kind::Egress,
                    rows,
                    spec: ProbeSpec::Curl { url },
                    next_task: first_task,
                })
            }
            Command::Probe(ProbeCommand::Ping { from, to }) => {
                let t = egress::ping_target(net, from, to)?;
                let mut row = Row::new(
                    format!("{from} → {to}"),
                    t.region.clone(),
                    Some(from.clone()),
                    Subject::Ping(t.clone()),
                );
                if let Some(why) = &t.unprobeable {
                    row.verdict = Some("unprobeable".into());
                    row.reason.clone_from(why);
                    row.phase = Phase::Done;
                }
                Ok(Self {
                    line,
                    kind: Kind::Ping,
                    rows: vec![row],
                    spec: ProbeSpec::Ping { ip: t.to_ip },
                    next_task: first_task,
                })
            }
            other => Err(invalid(format!("`{}` is not a probe", other.to_line()))),
        }
    }

    /// Judges every row not yet sent as "not probed", with why and what the engine
    /// expects of it: a snapshot has no live instance to run anything on, but the
    /// matrix of expectations still stands.
    pub fn not_probed(&mut self, why: &str) {
        for row in &mut self.rows {
            if row.phase != Phase::Queued || row.verdict.is_some() {
                continue;
            }
            row.verdict = Some("not probed".into());
            row.failure = false;
            // The engine's expectation is the row's `engine` line, shown beside it.
            row.reason = why.to_string();
            row.phase = Phase::Done;
        }
    }

    /// Sends every probeable row at once.
    pub fn start(&mut self, now_ms: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        for row in &mut self.rows {
            if row.phase != Phase::Queued {
                continue;
            }
            let Some(instance) = row.instance.clone() else {
                continue;
            };
            let spec = match (&row.subject, &self.spec) {
                (Subject::Ping(t), _) => ProbeSpec::Ping { ip: t.to_ip },
                (Subject::Egress(_), spec) => spec.clone(),
            };
            let task = self.next_task;
            self.next_task += 1;
            row.task = Some(task);
            row.phase = Phase::Sending;
            row.started_ms = Some(now_ms);
            row.elapsed_ms = Some(0);
            effects.push(Effect::Probe {
                task,
                region: row.region.clone(),
                request: ProbeRequest {
                    instance_id: instance,
                    comment: format!("netops {}", self.line).chars().take(100).collect(),
                    spec,
                },
            });
        }
        effects
    }

    /// True when the report is one of this run's.
    #[must_use]
    pub fn owns(&self, report: &Report) -> bool {
        match report {
            Report::Probe { task, .. } => self.rows.iter().any(|r| r.task == Some(*task)),
            _ => false,
        }
    }

    /// Takes a report (others are ignored).
    pub fn on_report(&mut self, report: &Report, now_ms: u64) {
        let Report::Probe { task, event } = report else {
            return;
        };
        let Some(row) = self.rows.iter_mut().find(|r| r.task == Some(*task)) else {
            return;
        };
        row.elapsed_ms = row.started_ms.map(|s| now_ms.saturating_sub(s));
        match event {
            ProbeEvent::Sent { command_id } => {
                row.command_id = Some(command_id.clone());
                row.phase = Phase::Running {
                    command_id: command_id.clone(),
                    status: "sent".into(),
                };
            }
            ProbeEvent::Status { status } => {
                if let Phase::Running { status: s, .. } = &mut row.phase {
                    s.clone_from(status);
                }
            }
            ProbeEvent::Done(result) => {
                row.phase = Phase::Done;
                let instance = row.instance.clone().unwrap_or_default();
                match &row.subject {
                    Subject::Egress(t) => {
                        let j = egress::judge(t, &classify(result, &instance));
                        row.judge(&j);
                    }
                    Subject::Ping(t) => judge_ping(row, t.clone(), result),
                }
            }
        }
    }

    /// Keeps running rows' elapsed time current (the console's tick).
    pub fn tick(&mut self, now_ms: u64) {
        for row in &mut self.rows {
            if row.verdict.is_none()
                && let Some(s) = row.started_ms
            {
                row.elapsed_ms = Some(now_ms.saturating_sub(s));
            }
        }
    }

    /// True when every row has its verdict.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.rows.iter().all(|r| r.verdict.is_some())
    }

    /// True when some row failed (leak, blocked, unreachable): batch exit 3.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|r| r.failure)
    }

    /// Counts per verdict, in words: `1 centralized, 1 leak`.
    #[must_use]
    pub fn tally(&self) -> String {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for r in &self.rows {
            let v = r.status();
            match counts.iter_mut().find(|(k, _)| *k == v) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The matrix as tables and one JSON document.
    #[must_use]
    pub fn output(&self) -> Output {
        let mut sections = Vec::new();
        match self.kind {
            Kind::Egress => {
                let mut t = Section::new(&[
                    "SPOKE",
                    "REGION",
                    "INSTANCE",
                    "OBSERVED IP",
                    "EXPECTED",
                    "VERDICT",
                    "ELAPSED",
                ])
                .titled(format!("egress probe: {}", self.tally()));
                for r in &self.rows {
                    t.row(vec![
                        r.label.clone(),
                        r.region.clone(),
                        r.instance.clone().unwrap_or_else(|| "-".into()),
                        r.observed_ip
                            .map_or_else(|| "-".into(), |ip| ip.to_string()),
                        join_ips(&r.expected()),
                        r.status(),
                        elapsed(r.elapsed_ms),
                    ]);
                }
                sections.push(t);
            }
            Kind::Ping => {
                let mut t = Section::new(&["FROM → TO", "REGION", "VERDICT", "ELAPSED"])
                    .titled(format!("ping probe: {}", self.tally()));
                for r in &self.rows {
                    t.row(vec![
                        r.label.clone(),
                        r.region.clone(),
                        r.status(),
                        elapsed(r.elapsed_ms),
                    ]);
                }
                sections.push(t);
            }
        }
        let mut why = Section::new(&[]).titled("why:");
        for r in &self.rows {
            let engine = r.engine_summary();
            why.row(vec![format!(
                "  {}: {} — {}",
                r.label,
                r.status(),
                r.reason
            )]);
            why.row(vec![format!("    engine: {engine}")]);
            if let Some(d) = &r.disagreement {
                why.row(vec![format!("    ! live and engine disagree: {d}")]);
            }
        }
        sections.push(why);
        Output {
            command: self.line.clone(),
            sections,
            json: json!({
                "kind": self.kind,
                "rows": self.rows,
                "failed": self.failed(),
                "done": self.is_done(),
            }),
            failed_check: self.failed(),
        }
    }
}

fn judge_ping(
    row: &mut Row,
    t: PingTarget,
    result: &Result<Invocation, crate::backend::BackendError>,
) {
    let live = match result {
        Ok(inv) if inv.status == InvocationStatus::Success => Some(true),
        Ok(inv) if inv.status == InvocationStatus::Failed && inv.response_code == Some(1) => {
            Some(false)
        }
        _ => None,
    };
    match live {
        Some(ok) => {
            row.verdict = Some(if ok { "reachable" } else { "unreachable" }.into());
            row.failure = !ok;
            row.reason = if ok {
                format!("{} answers ping: {}", t.to_ip, t.engine)
            } else {
                format!("no reply from {} (100% packet loss): {}", t.to_ip, t.engine)
            };
            if ok != t.engine_reachable {
                row.disagreement = Some(format!(
                    "the engine expected {}: {} — a security group, a network ACL or a change not yet read differs from what netops read",
                    if t.engine_reachable {
                        "reachable"
                    } else {
                        "unreachable"
                    },
                    t.engine
                ));
            }
        }
        None => {
            row.verdict = Some("unprobeable".into());
            row.reason = match classify(result, &t.from) {
                Observed::Unusable { detail } | Observed::NoAnswer { detail } => detail,
                Observed::Ip { ip } => format!("unexpected output {ip}"),
            };
        }
    }
}

/// IPs joined with commas, `-` when none.
#[must_use]
pub fn join_ips(ips: &[IpAddr]) -> String {
    if ips.is_empty() {
        "-".into()
    } else {
        ips.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Milliseconds as `1.2 s`, `-` when not started.
#[must_use]
pub fn elapsed(ms: Option<u64>) -> String {
    ms.map_or_else(
        || "-".into(),
        |ms| format!("{}.{} s", ms / 1000, (ms % 1000) / 100),
    )
}

/// The verdict word of an egress row, as data (for tests and the console).
#[must_use]
pub fn verdict_of(row: &Row) -> Option<EgressVerdict> {
    match row.verdict.as_deref() {
        Some("centralized") => Some(EgressVerdict::Centralized),
        Some("leak") => Some(EgressVerdict::Leak),
        Some("blocked") => Some(EgressVerdict::Blocked),
        Some("isolated") => Some(EgressVerdict::Isolated),
        Some("unprobeable") => Some(EgressVerdict::Unprobeable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendError, ErrorKind};

    fn inv(
        status: &str,
        code: i32,
        stdout: &str,
        stderr: &str,
    ) -> Result<Invocation, BackendError> {
        Ok(Invocation {
            status: InvocationStatus::parse(status),
            status_details: status.into(),
            response_code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        })
    }

    #[test]
    fn what_the_instance_printed_is_an_ip_no_answer_or_unusable() {
        assert_eq!(
            classify(&inv("Success", 0, "198.51.100.10\n", ""), "i-1"),
            Observed::Ip {
                ip: "198.51.100.10".parse().expect("ip")
            }
        );
        assert_eq!(
            classify(
                &inv(
                    "Failed",
                    28,
                    "",
                    "curl: (28) Connection timed out after 5001 milliseconds\n"
                ),
                "i-1"
            ),
            Observed::NoAnswer {
                detail: "curl: (28) Connection timed out after 5001 milliseconds".into()
            }
        );
        assert!(matches!(
            classify(&inv("Failed", 7, "", ""), "i-1"),
            Observed::NoAnswer { detail } if detail.contains("could not connect")
        ));
        assert!(matches!(
            classify(&inv("Failed", 127, "", "sh: curl: command not found"), "i-1"),
            Observed::Unusable { detail } if detail.contains("curl is not installed on i-1")
        ));
        assert!(matches!(
            classify(&inv("Success", 0, "<html>hello</html>", ""), "i-1"),
            Observed::Unusable { detail } if detail.contains("not with an IP address")
        ));
        assert!(matches!(
            classify(&inv("TimedOut", -1, "", ""), "i-1"),
            Observed::Unusable { detail } if detail.contains("did not run the command in time")
        ));
        assert!(matches!(
            classify(&Err(BackendError::new(ErrorKind::InvalidInput, "i-1 is not managed (InvalidInstanceId)")), "i-1"),
            Observed::Unusable { detail } if detail.contains("InvalidInstanceId")
        ));
    }

    #[tokio::test]
    async fn engine_and_live_disagreeing_is_said() {
        let sim = std::sync::Arc::new(crate::backend::sim::Simulator::demo().expect("demo"));
        let estate = crate::discovery::discover(
            sim,
            crate::discovery::DiscoveryPlan {
                regions: vec!["us-east-1".into()],
                follow_peers: false,
                concurrency: 2,
            },
        )
        .await;
        let index = crate::net::EstateIndex::build(&estate);
        let net = Net::with_index(&estate, &index);
        let cmd = crate::command::parse_line("probe egress --vpc spoke-a")
            .expect("parses")
            .expect("a command");
        let run = ProbeRun::plan(&net, &cmd, 1).expect("plan");
        let Subject::Egress(t) = &run.rows[0].subject else {
            panic!("egress")
        };
        // The engine says centralized; live there is no answer: blocked, and the
        // difference is said (a security group, an ACL, a change not yet read).
        let j = egress::judge(
            t,
            &Observed::NoAnswer {
                detail: "curl: (28)".into(),
            },
        );
        assert_eq!(j.verdict, EgressVerdict::Blocked);
        assert!(
            j.disagreement
                .as_deref()
                .is_some_and(|d| d.contains("security group")),
            "{j:?}"
        );
        // Live leaks through an address the engine never saw.
        let j = egress::judge(
            t,
            &Observed::Ip {
                ip: "192.0.2.99".parse().expect("ip"),
            },
        );
        assert_eq!(j.verdict, EgressVerdict::Leak);
        assert!(j.disagreement.is_some(), "{j:?}");
        // As expected: no disagreement.
        let j = egress::judge(
            t,
            &Observed::Ip {
                ip: "198.51.100.20".parse().expect("ip"),
            },
        );
        assert_eq!(j.verdict, EgressVerdict::Centralized);
        assert_eq!(j.disagreement, None);
    }
}
