//! The one effect runtime: the console, `--batch` and the headless test harness all
//! hand it the same [`Effect`]s and read back the same [`Report`]s, so tests exercise
//! the production path.
//!
//! Invariants:
//! - Every asynchronous effect carries a task id (the requester's generation). The
//!   runtime keeps a registry of running tasks by id; [`Effect::Cancel`] aborts one.
//! - "Latest request wins" per kind of task: starting a discovery aborts the previous
//!   discovery, reloading a region aborts the previous reload of that region, and a
//!   report from a task that was superseded or cancelled is dropped here, before any
//!   front end sees it.
//! - Reports of one task arrive in the order the task produced them; a task's last
//!   report is followed by its completion, after which [`Runtime::next`] no longer waits
//!   for it. [`Runtime::next`] returns `None` only when no task is running and nothing is
//!   queued: that is what "settled" means for the harness and the batch front end.
//! - Effects the runtime cannot run itself (the clipboard, quitting) are handed back to
//!   the front end by [`Runtime::execute`].
//! - Time stamps come from the [`Clock`] the runtime is given (fixed in tests).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::backend::{Backend, BackendError, ChangeOp, ChangeOutcome, Changer, ErrorKind};
use crate::discovery::{DiscoveryEvent, DiscoveryPlan, discover_streaming};
use crate::model::Account;

/// A task's id: the generation the requester gave it. Unique per requester.
pub type TaskId = u64;

/// The blocks task ids are taken from, one per kind of requester, in one place so
/// that they never overlap (discovery generations count up from 1 below them all).
pub mod tasks {
    use super::TaskId;
    /// Settling what an earlier run left unknown in the audit log.
    pub const SETTLE: TaskId = 1 << 39;
    /// Audits of the estate (the console, newest wins).
    pub const AUDIT: TaskId = 1 << 48;
    /// Change work: applies, re-reads, waits, records — the console's and batch's.
    pub const CHANGES: TaskId = 1 << 50;
    /// Probes (SSM Run Command).
    pub const PROBES: TaskId = 1 << 52;

    // Each block has room for 2^39 ids before the next starts (checked when
    // building, so a block moved by hand cannot overlap another unnoticed).
    const _: () = assert!(SETTLE >= 1 << 39);
    const _: () = assert!(AUDIT - SETTLE >= 1 << 39);
    const _: () = assert!(CHANGES - AUDIT >= 1 << 39);
    const _: () = assert!(PROBES - CHANGES >= 1 << 39);
}

/// Work for the runtime (or, for the last two, for the front end).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read these regions (following peerings as the plan says); the account too.
    Discover {
        generation: TaskId,
        plan: DiscoveryPlanData,
    },
    /// Read one region again.
    LoadRegion { generation: TaskId, region: String },
    /// Wake the requester after `after_ms` milliseconds (waiting on a peering, polling).
    Timer { task: TaskId, after_ms: u64 },
    /// Apply one change, once: the runtime never sends a change again after a lost
    /// answer (an unknown outcome is reported as such, for the requester to re-read);
    /// only a throttled one, which AWS refused before running it. The intent line
    /// is written to the audit log (and fsync'd) before the call leaves, the answer
    /// line when it comes back; a change whose intent line cannot be written is not
    /// sent.
    Apply {
        task: TaskId,
        op: ChangeOp,
        intent: crate::journal::Intent,
    },
    /// Append lines to the audit log (a re-read verified a change or settled an
    /// unknown outcome); the runtime stamps them with the time, profile, account and
    /// process. Reports [`Report::Recorded`].
    Record {
        task: TaskId,
        entries: Vec<crate::journal::Entry>,
    },
    /// Re-read what a change touched (verification, waiting on a peering): one
    /// region's topology, or one TGW route by the exact route search.
    Observe {
        task: TaskId,
        region: String,
        query: ObserveQuery,
    },
    /// Run a probe on an instance (SSM Run Command): send it once, then poll its
    /// invocation with backoff (first poll within [`PROBE_POLL_MS`]`[0]` ms;
    /// `InvocationDoesNotExist` retried) until it ends or [`PROBE_DEADLINE_MS`]
    /// passes. Reports [`Report::Probe`] events.
    Probe {
        task: TaskId,
        region: String,
        request: crate::backend::probe::ProbeRequest,
    },
    /// Audit this version of the estate ([`crate::net::audit`]) off the front end's
    /// thread, with its impact baseline ([`crate::net::baseline`]); the newest
    /// request wins.
    Audit { task: TaskId, estate: Snapshot },
    /// Abort a running task; its pending reports are dropped.
    Cancel(TaskId),
    /// Put text on the clipboard (OSC 52). Front end.
    Copy(String),
    /// Leave. Front end.
    Quit,
    /// Suspend the process (Ctrl-Z) and resume cleanly. Front end.
    Suspend,
}

/// An estate handed to a background task as it was when asked (shared, not copied
/// again); shown in debug output by its regions, not its contents.
#[derive(Clone, PartialEq)]
pub struct Snapshot(pub std::sync::Arc<crate::model::Estate>);

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let regions: Vec<&String> = self.0.regions.keys().collect();
        write!(f, "Snapshot({regions:?})")
    }
}

/// What [`Effect::Observe`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObserveQuery {
    /// The region's topology (no optional parts): states, associations, routes.
    Topology,
    /// One TGW route, by `SearchTransitGatewayRoutes` with an exact match.
    Route {
        route_table_id: String,
        cidr: ipnet::IpNet,
    },
    /// The region's Network Firewall part (firewalls, policies with their update
    /// tokens and disabled-group tags, rule groups).
    Firewall,
}

/// What [`Effect::Observe`] found.
#[derive(Debug, Clone)]
pub enum Observation {
    Topology(Box<crate::model::RegionEstate>),
    /// The routes for exactly that CIDR (static or propagated; none when gone).
    Route(Vec<crate::model::TgwRoute>),
    /// The region's Network Firewall part.
    Firewall(Box<crate::backend::OptionalData>),
}

/// A [`DiscoveryPlan`] that can be compared in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryPlanData {
    pub regions: Vec<String>,
    pub follow_peers: bool,
    pub concurrency: usize,
}

impl From<&DiscoveryPlanData> for DiscoveryPlan {
    fn from(p: &DiscoveryPlanData) -> Self {
        Self {
            regions: p.regions.clone(),
            follow_peers: p.follow_peers,
            concurrency: p.concurrency,
        }
    }
}

impl From<&DiscoveryPlan> for DiscoveryPlanData {
    fn from(p: &DiscoveryPlan) -> Self {
        Self {
            regions: p.regions.clone(),
            follow_peers: p.follow_peers,
            concurrency: p.concurrency,
        }
    }
}

/// What a task reports back.
#[derive(Debug, Clone)]
pub enum Report {
    /// A discovery or reload event of task `task`, stamped with the runtime's clock.
    Discovery {
        task: TaskId,
        event: DiscoveryEvent,
        at: u64,
    },
    /// A full discovery finished.
    DiscoveryDone { task: TaskId },
    /// The backend told who the account is.
    Account(Option<Account>),
    /// A timer fired.
    Timer { task: TaskId },
    /// Lines asked for with [`Effect::Record`] were written (or why not).
    Recorded {
        task: TaskId,
        result: Result<(), crate::error::CommandError>,
    },
    /// A change was applied (or refused: read-only, or what AWS answered).
    Applied {
        task: TaskId,
        result: Result<ChangeOutcome, BackendError>,
    },
    /// What [`Effect::Observe`] read.
    Observed {
        task: TaskId,
        region: String,
        result: Result<Observation, BackendError>,
    },
    /// A probe's progress ([`Effect::Probe`]).
    Probe { task: TaskId, event: ProbeEvent },
    /// The audit asked for with [`Effect::Audit`] finished.
    Audited {
        task: TaskId,
        findings: Vec<crate::net::Finding>,
        /// The version's impact baseline (its index, audit and probe traces), for
        /// change previews of the same version.
        baseline: Arc<crate::net::baseline::Baseline>,
    },
}

/// A request to stop (a signal's number), shared between the signal handler and the
/// batch: nothing more is sent once it is set.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    signal: Arc<std::sync::atomic::AtomicI32>,
    notify: Arc<tokio::sync::Notify>,
}

impl Stop {
    /// Asks to stop because of signal `n`.
    pub fn request(&self, n: i32) {
        let _ = self.signal.compare_exchange(
            0,
            n,
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.notify.notify_waiters();
    }

    /// The signal that asked to stop, if one did.
    #[must_use]
    pub fn requested(&self) -> Option<i32> {
        match self.signal.load(std::sync::atomic::Ordering::SeqCst) {
            0 => None,
            n => Some(n),
        }
    }

    /// Returns once a stop is requested.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.requested().is_some() {
                return;
            }
            notified.await;
        }
    }
}

/// How many times a throttled change is sent again (AWS refused it before running it).
pub const CHANGE_THROTTLE_RETRIES: u32 = 3;

/// Who is changing what, for the audit log's lines: shared by the runtime's change
/// tasks.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    pub audit: crate::journal::Audit,
    /// The AWS profile the audit log records (`demo` for the simulator).
    pub profile: String,
    /// The account the backend reported (changes in another account name theirs).
    pub account: Option<String>,
    /// This run, among others appending to the same log.
    pub session: String,
    pub clock: Option<Clock>,
    /// Op id → the account (and how netops acted there) its intent line named, so
    /// the op's later lines (the re-read's settled line) name the same account.
    pub routed: Routed,
}

/// Op id → (account, how netops acted there), shared by a run's change tasks.
pub type Routed = std::sync::Arc<std::sync::Mutex<HashMap<String, (String, Option<String>)>>>;

impl Journal {
    /// Fills in what every line carries.
    fn stamp(&self, e: &mut crate::journal::Entry) {
        e.time = crate::journal::rfc3339(self.clock.unwrap_or(Clock::System).now());
        e.profile.clone_from(&self.profile);
        {
            let mut routed = self
                .routed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match (&e.account, routed.get(&e.op_id)) {
                (Some(account), None) if e.record == crate::journal::Record::Intent => {
                    routed.insert(e.op_id.clone(), (account.clone(), e.via.clone()));
                }
                (None, Some((account, via))) => {
                    e.account = Some(account.clone());
                    e.via.clone_from(via);
                }
                _ => {}
            }
        }
        if e.account.is_none() {
            e.account.clone_from(&self.account);
        }
        e.pid = Some(std::process::id());
        e.session.clone_from(&self.session);
        // Task ids are unique in one run only: the run makes them unique in the log.
        if !e.op_id.is_empty() && !e.op_id.contains('/') {
            e.op_id = format!("{}/{}", self.session, e.op_id);
        }
    }

    /// Writes lines, stamped. `Ok` when there is no log (`Audit::Off`).
    fn write(
        &self,
        mut entries: Vec<crate::journal::Entry>,
    ) -> Result<(), crate::error::CommandError> {
        use crate::error::CommandError;
        use crate::journal::Audit;
        match &self.audit {
            Audit::Off => Ok(()),
            Audit::Broken { .. } => Err(CommandError::other(
                self.audit.refusal().unwrap_or_default(),
            )),
            Audit::Log(log) => {
                for e in &mut entries {
                    self.stamp(e);
                }
                log.append(&entries).map_err(|e| {
                    CommandError::other(format!(
                        "the audit log {} cannot be written: {e}",
                        log.path().display()
                    ))
                })
            }
        }
    }
}

/// Sends one change: the intent line first (nothing is sent without it), the call
/// (again only when throttled), the answer line.
async fn apply_task(
    changer: Arc<dyn Changer>,
    journal: Journal,
    op: ChangeOp,
    intent: crate::journal::Intent,
    retry_base_ms: u64,
) -> Result<ChangeOutcome, BackendError> {
    use crate::journal::Record;
    // Many accounts: the account it goes to (its object's owner) is named on every
    // line, with the role used there.
    let mut op = op;
    let mut via = None;
    if let Some((account, how)) = changer.route(&op) {
        op.account.get_or_insert(account);
        via = Some(how).filter(|h| !h.is_empty());
    }
    let logged = !op.dry_run;
    if logged {
        let mut line = crate::journal::Entry::about(
            &op,
            &intent,
            Record::Intent,
            "sending".into(),
            None,
            Vec::new(),
        );
        line.via.clone_from(&via);
        // Written here, not on a blocking thread: with no await between the write
        // and the call, a cancelled task (a dropped runtime, as a killed process)
        // has either written its intent and maybe sent the call, or done neither,
        // never a stray line landing after the next run has read the log. One
        // small append and fsync per change.
        let written = journal.write(vec![line]).map_err(|e| e.message);
        if let Err(why) = written {
            let why = if why.contains("nothing was sent") {
                why
            } else {
                format!("{why}; no change is sent without its audit line: nothing was sent")
            };
            return Err(BackendError::new(
                ErrorKind::Other,
                format!("{} in {} refused: {why}", op.action(), op.region),
            )
            .in_region(&op.region));
        }
    }
    let mut attempt = 0u32;
    let result = loop {
        match op.settle(changer.apply(&op).await) {
            Err(e) if e.kind == ErrorKind::Throttled && attempt < CHANGE_THROTTLE_RETRIES => {
                attempt += 1;
                tracing::info!(
                    action = op.action(),
                    attempt,
                    "change throttled: sending it again"
                );
                tokio::time::sleep(Duration::from_millis(retry_base_ms << attempt)).await;
            }
            other => break other,
        }
    };
    if logged {
        let (text, applied, ids) = match &result {
            Ok(o) => (
                "applied".to_string(),
                Some(true),
                o.request_id.iter().cloned().collect(),
            ),
            Err(e) if e.kind == ErrorKind::OutcomeUnknown => {
                (format!("outcome unknown: {}", e.message), None, Vec::new())
            }
            Err(e) => (format!("failed: {}", e.message), Some(false), Vec::new()),
        };
        let mut line =
            crate::journal::Entry::about(&op, &intent, Record::Answer, text, applied, ids);
        line.via = via;
        // Straight after the answer, with no await between: the answer line is
        // written whenever the answer was heard. The intent line is already on disk:
        // if this one cannot be written, the next run settles the change from what
        // AWS shows.
        if let Err(e) = journal.write(vec![line]) {
            tracing::error!(error = %e.message, "audit answer line not written");
        }
    }
    result
}

/// Delays between a probe's invocation polls, in milliseconds; the last repeats.
pub const PROBE_POLL_MS: [u64; 5] = [250, 500, 1000, 2000, 3000];
/// How many times a throttled `SendCommand` is sent again (after 1, 2, 4 s).
pub const PROBE_SEND_RETRIES: u32 = 3;
/// How long a probe is polled before it is given up (SSM's delivery timeout plus
/// the command's execution timeout, and a margin).
pub const PROBE_DEADLINE_MS: u64 = 60_000;

/// What [`Effect::Probe`] reports.
#[derive(Debug, Clone)]
pub enum ProbeEvent {
    /// `SendCommand` answered this command id.
    Sent { command_id: String },
    /// A poll answered a status that is not final yet (`Pending`, `InProgress`…,
    /// or `waiting` while the invocation does not exist yet).
    Status { status: String },
    /// The end: the invocation's final state, or why there is none (the send
    /// failed, or nothing ended before the deadline).
    Done(Result<crate::backend::probe::Invocation, BackendError>),
}

/// Sends one probe and polls it to its end.
async fn probe_task(
    prober: Arc<dyn crate::backend::Prober>,
    region: String,
    request: crate::backend::probe::ProbeRequest,
    report: impl Fn(ProbeEvent),
) {
    // A throttled SendCommand was refused before it ran anything: sending it again
    // is safe (any other failure is not retried: the command may have run).
    let mut attempt = 0u32;
    let command_id = loop {
        match prober.send(&region, &request).await {
            Ok(id) => break id,
            Err(e) if e.kind == ErrorKind::Throttled && attempt < PROBE_SEND_RETRIES => {
                attempt += 1;
                report(ProbeEvent::Status {
                    status: format!("throttled, sending again ({attempt})"),
                });
                tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
            }
            Err(e) => return report(ProbeEvent::Done(Err(e))),
        }
    };
    report(ProbeEvent::Sent {
        command_id: command_id.clone(),
    });
    let start = tokio::time::Instant::now();
    let mut polls = 0usize;
    loop {
        let delay = PROBE_POLL_MS[polls.min(PROBE_POLL_MS.len() - 1)];
        polls += 1;
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        match prober
            .invocation(&region, &command_id, &request.instance_id)
            .await
        {
            Ok(inv) if inv.status.is_terminal() => return report(ProbeEvent::Done(Ok(inv))),
            Ok(inv) => report(ProbeEvent::Status {
                status: inv.status.as_str().to_string(),
            }),
            Err(e) if e.kind == ErrorKind::NotFound => report(ProbeEvent::Status {
                status: "waiting".into(),
            }),
            // A throttled poll is a read: poll again at the next delay.
            Err(e) if e.kind == ErrorKind::Throttled => report(ProbeEvent::Status {
                status: "throttled".into(),
            }),
            Err(e) => return report(ProbeEvent::Done(Err(e))),
        }
        if start.elapsed() >= std::time::Duration::from_millis(PROBE_DEADLINE_MS) {
            return report(ProbeEvent::Done(Err(BackendError::new(
                ErrorKind::Timeout,
                format!(
                    "command {command_id} on {} did not end within {} s",
                    request.instance_id,
                    PROBE_DEADLINE_MS / 1000
                ),
            ))));
        }
    }
}

/// Where time stamps come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock (Unix seconds).
    System,
    /// Always this time (tests, screenshots).
    Fixed(u64),
}

impl Clock {
    /// Now, in Unix seconds.
    #[must_use]
    pub fn now(self) -> u64 {
        match self {
            Self::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Self::Fixed(t) => t,
        }
    }
}

/// A message on the runtime's own channel.
enum Envelope {
    Report(TaskId, Report),
    /// The task ended; nothing more will come from it.
    Finished(TaskId),
}

struct Running {
    kind: String,
    handle: AbortHandle,
}

/// Executes effects and streams their results.
pub struct Runtime {
    backend: Arc<dyn Backend>,
    /// `None` in a read-only session: no object here could change anything.
    changer: Option<Arc<dyn Changer>>,
    /// `None` in a read-only session: nothing runs on instances.
    prober: Option<Arc<dyn crate::backend::Prober>>,
    clock: Clock,
    tx: mpsc::UnboundedSender<Envelope>,
    rx: mpsc::UnboundedReceiver<Envelope>,
    running: HashMap<TaskId, Running>,
    /// The newest task of each kind ("discover", "region:eu-west-1", …).
    latest: HashMap<String, TaskId>,
    cancelled: HashSet<TaskId>,
    journal: Journal,
    /// The first wait before a throttled change is sent again (doubling).
    retry_base_ms: u64,
}

impl Drop for Runtime {
    /// A runtime that goes away takes its tasks with it (a task in the middle of a
    /// call stops at its next await, as a killed process would).
    fn drop(&mut self) {
        for running in self.running.values() {
            running.handle.abort();
        }
    }
}

impl Runtime {
    /// The backend's progress over many accounts ([`Backend::progress`]).
    #[must_use]
    pub fn progress(&self) -> Option<String> {
        self.backend.progress()
    }
}

impl Runtime {
    /// A runtime over `backend`, stamping reports with `clock`.
    #[must_use]
    pub fn new(backend: Arc<dyn Backend>, clock: Clock) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            backend,
            changer: None,
            prober: None,
            clock,
            tx,
            rx,
            running: HashMap::new(),
            latest: HashMap::new(),
            cancelled: HashSet::new(),
            journal: Journal {
                session: format!(
                    "{}-{}",
                    std::process::id(),
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos())
                ),
                clock: Some(clock),
                ..Journal::default()
            },
            retry_base_ms: 125,
        }
    }

    /// Where changes are logged, and the profile the lines name.
    #[must_use]
    pub fn with_audit(mut self, audit: crate::journal::Audit, profile: &str) -> Self {
        self.journal.audit = audit;
        self.journal.profile = profile.to_string();
        self
    }

    /// The first wait before a throttled change is sent again (tests shorten it).
    #[must_use]
    pub fn with_retry_base_ms(mut self, ms: u64) -> Self {
        self.retry_base_ms = ms;
        self
    }

    /// This run's id in the audit log.
    #[must_use]
    pub fn session(&self) -> &str {
        &self.journal.session
    }

    /// Where changes are logged.
    #[must_use]
    pub fn audit(&self) -> &crate::journal::Audit {
        &self.journal.audit
    }

    /// Gives the runtime the capability to change the network (never in read-only).
    #[must_use]
    pub fn with_changer(mut self, changer: Option<Arc<dyn Changer>>) -> Self {
        self.changer = changer;
        self
    }

    /// Gives the runtime the capability to run probes on instances (never in
    /// read-only).
    #[must_use]
    pub fn with_prober(mut self, prober: Option<Arc<dyn crate::backend::Prober>>) -> Self {
        self.prober = prober;
        self
    }

    /// True when probes can run.
    #[must_use]
    pub fn can_probe(&self) -> bool {
        self.prober.is_some()
    }

    /// The backend effects run against.
    #[must_use]
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// Ids of the tasks running now.
    #[must_use]
    pub fn running(&self) -> Vec<TaskId> {
        let mut ids: Vec<TaskId> = self.running.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// True when no task runs and no report waits.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.running.is_empty() && self.rx.is_empty()
    }

    /// Starts an effect. Effects for the front end (clipboard, quit) are handed back.
    pub fn execute(&mut self, effect: Effect) -> Option<Effect> {
        match effect {
            Effect::Discover { generation, plan } => {
                let backend = Arc::clone(&self.backend);
                let clock = self.clock;
                self.spawn(generation, "discover".into(), move |tx| async move {
                    discover_task(backend, DiscoveryPlan::from(&plan), generation, clock, tx).await;
                });
                None
            }
            Effect::LoadRegion { generation, region } => {
                let backend = Arc::clone(&self.backend);
                let clock = self.clock;
                let kind = format!("region:{region}");
                // The same streaming read as discovery, for one region, no peers followed.
                let plan = DiscoveryPlan {
                    regions: vec![region],
                    follow_peers: false,
                    concurrency: 1,
                };
                self.spawn(generation, kind, move |tx| async move {
                    let (etx, mut erx) = mpsc::unbounded_channel::<DiscoveryEvent>();
                    let forward = async {
                        while let Some(event) = erx.recv().await {
                            let _ = tx.send(Envelope::Report(
                                generation,
                                Report::Discovery {
                                    task: generation,
                                    event,
                                    at: clock.now(),
                                },
                            ));
                        }
                    };
                    tokio::join!(discover_streaming(backend, plan, etx), forward);
                });
                None
            }
            Effect::Timer { task, after_ms } => {
                self.spawn(task, format!("timer:{task}"), move |tx| async move {
                    tokio::time::sleep(Duration::from_millis(after_ms)).await;
                    let _ = tx.send(Envelope::Report(task, Report::Timer { task }));
                });
                None
            }
            Effect::Probe {
                task,
                region,
                request,
            } => {
                let prober = self.prober.clone();
                self.spawn(task, format!("probe:{task}"), move |tx| async move {
                    let report = |event| {
                        let _ = tx.send(Envelope::Report(task, Report::Probe { task, event }));
                    };
                    match prober {
                        Some(p) => probe_task(p, region, request, report).await,
                        None => report(ProbeEvent::Done(Err(BackendError::new(
                            ErrorKind::ReadOnly,
                            crate::error::read_only("a probe", crate::error::Refused::Probe),
                        )))),
                    }
                });
                None
            }
            Effect::Apply { task, op, intent } => {
                let changer = self.changer.clone();
                let journal = self.journal.clone();
                let retry_base_ms = self.retry_base_ms;
                self.spawn(task, format!("change:{task}"), move |tx| async move {
                    let result = match changer {
                        Some(changer) => {
                            apply_task(changer, journal, op, intent, retry_base_ms).await
                        }
                        None => Err(BackendError::new(
                            ErrorKind::ReadOnly,
                            crate::error::read_only(
                                &format!("{} in {}", op.action(), op.region),
                                crate::error::Refused::Change,
                            ),
                        )
                        .in_region(&op.region)),
                    };
                    let _ = tx.send(Envelope::Report(task, Report::Applied { task, result }));
                });
                None
            }
            Effect::Record { task, entries } => {
                let journal = self.journal.clone();
                self.spawn(task, format!("record:{task}"), move |tx| async move {
                    let result = journal.write(entries);
                    let _ = tx.send(Envelope::Report(task, Report::Recorded { task, result }));
                });
                None
            }
            Effect::Observe {
                task,
                region,
                query,
            } => {
                let backend = Arc::clone(&self.backend);
                self.spawn(task, format!("observe:{task}"), move |tx| async move {
                    let result = match query {
                        ObserveQuery::Firewall => backend
                            .load_optional(&region, crate::backend::OptionalPart::NetworkFirewall)
                            .await
                            .map(|d| Observation::Firewall(Box::new(d))),
                        ObserveQuery::Topology => backend
                            .load_topology(&region)
                            .await
                            .map(|e| Observation::Topology(Box::new(e))),
                        ObserveQuery::Route {
                            route_table_id,
                            cidr,
                        } => backend
                            .search_routes(
                                &region,
                                &route_table_id,
                                crate::backend::RouteQuery::Exact(cidr),
                            )
                            .await
                            .map(|page| {
                                Observation::Route(
                                    page.routes
                                        .into_iter()
                                        .filter(|r| {
                                            r.destination == crate::model::Destination::Cidr(cidr)
                                        })
                                        .collect(),
                                )
                            }),
                    };
                    let _ = tx.send(Envelope::Report(
                        task,
                        Report::Observed {
                            task,
                            region,
                            result,
                        },
                    ));
                });
                None
            }
            Effect::Audit { task, estate } => {
                self.spawn(task, "audit".into(), move |tx| async move {
                    // CPU work (a trace per spoke): kept off the async workers.
                    // The impact baseline holds the audit: one pass gives the findings
                    // shown and what change previews compare against.
                    let done = tokio::task::spawn_blocking(move || {
                        crate::net::baseline::Baseline::new(&estate.0)
                    })
                    .await;
                    match done {
                        Ok(baseline) => {
                            let findings = baseline.findings().to_vec();
                            let _ = tx.send(Envelope::Report(
                                task,
                                Report::Audited {
                                    task,
                                    findings,
                                    baseline: Arc::new(baseline),
                                },
                            ));
                        }
                        // A defect, not a finding: logged; the console keeps what it shows.
                        Err(e) => tracing::error!(task, error = %e, "audit failed"),
                    }
                });
                None
            }
            Effect::Cancel(task) => {
                self.cancel(task);
                None
            }
            local @ (Effect::Copy(_) | Effect::Quit | Effect::Suspend) => Some(local),
        }
    }

    /// Aborts a running task and drops whatever it already reported.
    pub fn cancel(&mut self, task: TaskId) {
        if let Some(running) = self.running.remove(&task) {
            running.handle.abort();
            self.cancelled.insert(task);
            tracing::debug!(task, kind = running.kind, "task cancelled");
        }
    }

    fn spawn<F, Fut>(&mut self, task: TaskId, kind: String, work: F)
    where
        F: FnOnce(mpsc::UnboundedSender<Envelope>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        // Latest request wins: the previous task of this kind is superseded.
        if let Some(previous) = self.latest.insert(kind.clone(), task)
            && previous != task
        {
            self.cancel(previous);
        }
        self.cancelled.remove(&task);
        let tx = self.tx.clone();
        let done = self.tx.clone();
        let fut = work(tx);
        let handle = tokio::spawn(async move {
            fut.await;
            let _ = done.send(Envelope::Finished(task));
        });
        self.running.insert(
            task,
            Running {
                kind,
                handle: handle.abort_handle(),
            },
        );
    }

    /// Waits (at most `limit`) for the changes already sent to be answered, so their
    /// audit answer lines are written before the process leaves; other reports are
    /// dropped.
    pub async fn finish_changes(&mut self, limit: Duration) {
        let in_flight = |rt: &Self| rt.running.values().any(|r| r.kind.starts_with("change:"));
        let deadline = tokio::time::Instant::now() + limit;
        while in_flight(self) {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }

    /// The next report. `None` when nothing runs and nothing is queued (settled).
    pub async fn next(&mut self) -> Option<Report> {
        loop {
            let envelope = if self.running.is_empty() {
                self.rx.try_recv().ok()?
            } else {
                self.rx.recv().await?
            };
            match envelope {
                Envelope::Finished(task) => {
                    self.running.remove(&task);
                }
                Envelope::Report(task, report) => {
                    if let Report::Account(Some(account)) = &report
                        && self.journal.account.is_none()
                    {
                        self.journal.account = Some(account.id.clone());
                    }
                    if !self.cancelled.contains(&task) {
                        return Some(report);
                    }
                }
            }
        }
    }
}

async fn discover_task(
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    task: TaskId,
    clock: Clock,
    tx: mpsc::UnboundedSender<Envelope>,
) {
    let account_backend = Arc::clone(&backend);
    let account_tx = tx.clone();
    let account = async move {
        match account_backend.account().await {
            Ok(account) => {
                let _ = account_tx.send(Envelope::Report(task, Report::Account(account)));
            }
            Err(e) => tracing::warn!(error = %e, "account lookup failed"),
        }
    };
    let (etx, mut erx) = mpsc::unbounded_channel::<DiscoveryEvent>();
    let forward = async {
        while let Some(event) = erx.recv().await {
            let _ = tx.send(Envelope::Report(
                task,
                Report::Discovery {
                    task,
                    event,
                    at: clock.now(),
                },
            ));
        }
    };
    tokio::join!(account, discover_streaming(backend, plan, etx), forward);
    let _ = tx.send(Envelope::Report(task, Report::DiscoveryDone { task }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sim::{Faults, Simulator};

    fn demo() -> Arc<dyn Backend> {
        Arc::new(Simulator::demo().expect("demo"))
    }

    fn plan() -> DiscoveryPlanData {
        DiscoveryPlanData {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        }
    }

    /// A prober that answers a script: SendCommand once, then each poll in turn
    /// (the last repeats), recording when each poll came.
    struct Scripted {
        polls: std::sync::Mutex<Vec<std::time::Instant>>,
        sent: std::sync::Mutex<Option<std::time::Instant>>,
        answers: Vec<Result<crate::backend::probe::Invocation, BackendError>>,
        /// Sends answered with throttling before one is taken.
        throttles: std::sync::atomic::AtomicU32,
        sends: std::sync::atomic::AtomicU32,
    }

    #[async_trait::async_trait]
    impl crate::backend::Prober for Scripted {
        async fn send(
            &self,
            _region: &str,
            _request: &crate::backend::probe::ProbeRequest,
        ) -> Result<String, BackendError> {
            self.sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self
                .throttles
                .fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |n| n.checked_sub(1),
                )
                .is_ok()
            {
                return Err(BackendError::new(
                    ErrorKind::Throttled,
                    "ThrottlingException",
                ));
            }
            *self.sent.lock().expect("lock") = Some(std::time::Instant::now());
            Ok("cmd-1".into())
        }
        async fn invocation(
            &self,
            _region: &str,
            _command_id: &str,
            instance_id: &str,
        ) -> Result<crate::backend::probe::Invocation, BackendError> {
            let mut polls = self.polls.lock().expect("lock");
            polls.push(std::time::Instant::now());
            let i = (polls.len() - 1).min(self.answers.len() - 1);
            match &self.answers[i] {
                Ok(inv) => Ok(inv.clone()),
                Err(_) => Err(crate::backend::probe::invocation_not_found(
                    "cmd-1",
                    instance_id,
                )),
            }
        }
    }

    fn invocation(status: &str, code: i32, stdout: &str) -> crate::backend::probe::Invocation {
        crate::backend::probe::Invocation {
            status: crate::backend::probe::InvocationStatus::parse(status),
            status_details: status.into(),
            response_code: Some(code),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[tokio::test]
    async fn a_probe_retries_a_missing_invocation_polls_with_backoff_and_ends_on_a_final_status() {
        let prober = Arc::new(Scripted {
            polls: std::sync::Mutex::new(Vec::new()),
            sent: std::sync::Mutex::new(None),
            answers: vec![
                Err(BackendError::new(
                    ErrorKind::NotFound,
                    "InvocationDoesNotExist",
                )),
                Ok(invocation("InProgress", -1, "")),
                Ok(invocation("Success", 0, "198.51.100.10\n")),
            ],
            throttles: std::sync::atomic::AtomicU32::new(0),
            sends: std::sync::atomic::AtomicU32::new(0),
        });
        let mut rt = Runtime::new(demo(), Clock::Fixed(7))
            .with_prober(Some(Arc::clone(&prober) as Arc<dyn crate::backend::Prober>));
        rt.execute(Effect::Probe {
            task: 5,
            region: "us-east-1".into(),
            request: crate::backend::probe::ProbeRequest {
                instance_id: "i-1".into(),
                spec: crate::backend::probe::ProbeSpec::Ping {
                    ip: "10.0.0.1".parse().expect("ip"),
                },
                comment: "test".into(),
            },
        });
        let events: Vec<String> = drain(&mut rt)
            .await
            .into_iter()
            .map(|r| match r {
                Report::Probe { task: 5, event } => match event {
                    ProbeEvent::Sent { command_id } => format!("sent {command_id}"),
                    ProbeEvent::Status { status } => status,
                    ProbeEvent::Done(Ok(inv)) => format!("done {}", inv.status.as_str()),
                    ProbeEvent::Done(Err(e)) => format!("error {}", e.message),
                },
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            events,
            vec!["sent cmd-1", "waiting", "InProgress", "done Success"]
        );
        let sent = prober.sent.lock().expect("lock").expect("sent");
        let polls = prober.polls.lock().expect("lock").clone();
        assert_eq!(polls.len(), 3);
        assert!(
            polls[0] - sent < std::time::Duration::from_secs(1),
            "the first poll comes within 1 s"
        );
        let gaps: Vec<std::time::Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[1] >= gaps[0], "polling backs off: {gaps:?}");
    }

    #[tokio::test]
    async fn a_throttled_send_is_sent_again_since_it_ran_nothing() {
        let prober = Arc::new(Scripted {
            polls: std::sync::Mutex::new(Vec::new()),
            sent: std::sync::Mutex::new(None),
            answers: vec![Ok(invocation("Success", 0, "198.51.100.10\n"))],
            throttles: std::sync::atomic::AtomicU32::new(1),
            sends: std::sync::atomic::AtomicU32::new(0),
        });
        let mut rt = Runtime::new(demo(), Clock::Fixed(7))
            .with_prober(Some(Arc::clone(&prober) as Arc<dyn crate::backend::Prober>));
        rt.execute(Effect::Probe {
            task: 7,
            region: "us-east-1".into(),
            request: crate::backend::probe::ProbeRequest {
                instance_id: "i-1".into(),
                spec: crate::backend::probe::ProbeSpec::Ping {
                    ip: "10.0.0.1".parse().expect("ip"),
                },
                comment: "test".into(),
            },
        });
        let reports = drain(&mut rt).await;
        assert_eq!(prober.sends.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(
            matches!(
                reports.last(),
                Some(Report::Probe {
                    event: ProbeEvent::Done(Ok(_)),
                    ..
                })
            ),
            "{reports:?}"
        );
    }

    #[tokio::test]
    async fn without_a_prober_a_probe_is_refused_as_read_only() {
        let mut rt = Runtime::new(demo(), Clock::Fixed(7));
        rt.execute(Effect::Probe {
            task: 6,
            region: "us-east-1".into(),
            request: crate::backend::probe::ProbeRequest {
                instance_id: "i-1".into(),
                spec: crate::backend::probe::ProbeSpec::Ping {
                    ip: "10.0.0.1".parse().expect("ip"),
                },
                comment: "test".into(),
            },
        });
        match drain(&mut rt).await.as_slice() {
            [
                Report::Probe {
                    event: ProbeEvent::Done(Err(e)),
                    ..
                },
            ] => assert_eq!(e.kind, ErrorKind::ReadOnly),
            other => panic!("{other:?}"),
        }
    }

    async fn drain(rt: &mut Runtime) -> Vec<Report> {
        let mut out = Vec::new();
        while let Some(r) = rt.next().await {
            out.push(r);
        }
        out
    }

    #[tokio::test]
    async fn discovery_streams_then_settles() {
        let mut rt = Runtime::new(demo(), Clock::Fixed(7));
        assert!(
            rt.execute(Effect::Discover {
                generation: 1,
                plan: plan()
            })
            .is_none()
        );
        assert_eq!(rt.running(), vec![1]);
        let reports = drain(&mut rt).await;
        assert!(rt.is_idle());
        let finished: Vec<&str> = reports
            .iter()
            .filter_map(|r| match r {
                Report::Discovery {
                    event: DiscoveryEvent::Finished(region, Ok(_)),
                    at: 7,
                    ..
                } => Some(region.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(finished, ["us-east-1", "eu-west-1"], "followed the peering");
        assert!(matches!(
            reports.last(),
            Some(Report::DiscoveryDone { task: 1 })
        ));
    }

    #[tokio::test]
    async fn latest_request_wins_per_kind() {
        let sim = Simulator::demo().expect("demo");
        sim.set_faults(Faults {
            latency_ms: 200,
            ..Faults::default()
        });
        let mut rt = Runtime::new(Arc::new(sim), Clock::Fixed(0));
        for generation in [1, 2] {
            rt.execute(Effect::LoadRegion {
                generation,
                region: "us-east-1".into(),
            });
        }
        // Another kind is not superseded.
        rt.execute(Effect::LoadRegion {
            generation: 3,
            region: "eu-west-1".into(),
        });
        assert_eq!(rt.running(), vec![2, 3]);
        let tasks: HashSet<TaskId> = drain(&mut rt)
            .await
            .iter()
            .filter_map(|r| match r {
                Report::Discovery { task, .. } => Some(*task),
                _ => None,
            })
            .collect();
        assert_eq!(tasks, HashSet::from([2, 3]));
    }

    #[tokio::test]
    async fn cancelled_timer_never_fires_and_others_do() {
        let mut rt = Runtime::new(demo(), Clock::Fixed(0));
        rt.execute(Effect::Timer {
            task: 5,
            after_ms: 10_000,
        });
        rt.execute(Effect::Timer {
            task: 6,
            after_ms: 1,
        });
        rt.execute(Effect::Cancel(5));
        let reports = drain(&mut rt).await;
        assert!(matches!(reports.as_slice(), [Report::Timer { task: 6 }]));
        assert!(rt.is_idle());
    }

    #[test]
    fn front_end_effects_are_handed_back() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        rt.block_on(async {
            let mut runtime = Runtime::new(demo(), Clock::System);
            assert_eq!(
                runtime.execute(Effect::Copy("x".into())),
                Some(Effect::Copy("x".into()))
            );
            assert_eq!(runtime.execute(Effect::Quit), Some(Effect::Quit));
            assert!(runtime.next().await.is_none());
        });
    }

    fn route_op() -> ChangeOp {
        ChangeOp::new(
            "us-east-1",
            crate::backend::Change::CreateTgwRoute {
                route_table_id: "tgw-rtb-0e1a2b3c4d5e6f711".into(),
                cidr: "10.99.0.0/16".parse().expect("cidr"),
                target: crate::backend::TgwRouteTarget::Blackhole,
            },
        )
    }

    #[tokio::test]
    async fn a_change_is_applied_once_through_the_changer() {
        let sim = Arc::new(Simulator::demo().expect("demo"));
        let changer: Arc<dyn Changer> = Arc::clone(&sim) as Arc<dyn Changer>;
        let mut rt = Runtime::new(sim, Clock::Fixed(0)).with_changer(Some(changer));
        rt.execute(Effect::Apply {
            task: 9,
            op: route_op(),
            intent: crate::journal::Intent::default(),
        });
        let reports = drain(&mut rt).await;
        assert!(
            matches!(
                reports.as_slice(),
                [Report::Applied {
                    task: 9,
                    result: Ok(_)
                }]
            ),
            "{reports:?}"
        );
        // A second identical change is answered by the backend, not retried around.
        rt.execute(Effect::Apply {
            task: 10,
            op: route_op(),
            intent: crate::journal::Intent::default(),
        });
        match drain(&mut rt).await.as_slice() {
            [Report::Applied { result: Err(e), .. }] => {
                assert_eq!(e.kind, ErrorKind::AlreadyExists, "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn read_only_runtime_refuses_every_change() {
        let mut rt = Runtime::new(demo(), Clock::Fixed(0));
        rt.execute(Effect::Apply {
            task: 1,
            op: route_op(),
            intent: crate::journal::Intent::default(),
        });
        match drain(&mut rt).await.as_slice() {
            [Report::Applied { result: Err(e), .. }] => {
                assert_eq!(e.kind, ErrorKind::ReadOnly);
                assert!(e.message.contains("read-only"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A changer that records, when it is called, what the audit log already holds,
    /// and answers as told.
    struct Watching {
        log: std::path::PathBuf,
        seen: std::sync::Mutex<Vec<String>>,
        answers: std::sync::Mutex<Vec<Result<ChangeOutcome, BackendError>>>,
        delay_ms: u64,
    }

    #[async_trait::async_trait]
    impl Changer for Watching {
        async fn apply(&self, _op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            self.seen.lock().expect("lock").push(text);
            tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
            self.answers
                .lock()
                .expect("lock")
                .pop()
                .unwrap_or_else(|| Ok(ChangeOutcome::default()))
        }
    }

    fn watching(
        dir: &std::path::Path,
        answers: Vec<Result<ChangeOutcome, BackendError>>,
        delay_ms: u64,
    ) -> (Arc<Watching>, Runtime) {
        let log = dir.join("audit.jsonl");
        let changer = Arc::new(Watching {
            log: log.clone(),
            seen: std::sync::Mutex::new(Vec::new()),
            answers: std::sync::Mutex::new(answers),
            delay_ms,
        });
        let rt = Runtime::new(demo(), Clock::Fixed(0))
            .with_changer(Some(Arc::clone(&changer) as Arc<dyn Changer>))
            .with_audit(crate::journal::Audit::open(Some(&log)), "test")
            .with_retry_base_ms(1);
        (changer, rt)
    }

    fn intent() -> crate::journal::Intent {
        crate::journal::Intent {
            op_id: "t1".into(),
            command: "route add …".into(),
            ..crate::journal::Intent::default()
        }
    }

    #[tokio::test]
    async fn the_intent_line_is_on_disk_before_the_call_and_the_answer_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (changer, mut rt) = watching(dir.path(), Vec::new(), 0);
        rt.execute(Effect::Apply {
            task: 1,
            op: route_op(),
            intent: intent(),
        });
        let reports = drain(&mut rt).await;
        assert!(matches!(
            reports.as_slice(),
            [Report::Applied { result: Ok(_), .. }]
        ));
        let seen = changer.seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 1);
        assert!(seen[0].contains("\"record\":\"intent\""), "{}", seen[0]);
        let (lines, _) = crate::journal::read_lines(&dir.path().join("audit.jsonl")).expect("read");
        let records: Vec<_> = lines.iter().map(|l| l.record).collect();
        assert_eq!(
            records,
            vec![
                crate::journal::Record::Intent,
                crate::journal::Record::Answer
            ]
        );
        assert_eq!(lines[1].applied, Some(true));
        assert!(lines[0].op_id.ends_with("/t1"), "{}", lines[0].op_id);
        assert_eq!(lines[0].op_id, lines[1].op_id);
    }

    #[tokio::test]
    async fn a_change_is_not_sent_when_its_intent_cannot_be_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("afile");
        std::fs::write(&file, "").expect("file");
        let (changer, rt) = watching(dir.path(), Vec::new(), 0);
        let mut rt = rt.with_audit(
            crate::journal::Audit::open(Some(&file.join("audit.jsonl"))),
            "test",
        );
        rt.execute(Effect::Apply {
            task: 1,
            op: route_op(),
            intent: intent(),
        });
        match drain(&mut rt).await.as_slice() {
            [Report::Applied { result: Err(e), .. }] => {
                assert!(e.message.contains("nothing was sent"), "{e}");
                assert!(e.message.contains("afile"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            changer.seen.lock().expect("lock").is_empty(),
            "never called"
        );
    }

    #[tokio::test]
    async fn only_a_throttled_change_is_sent_again_and_a_lost_answer_never() {
        let dir = tempfile::tempdir().expect("tempdir");
        let throttled = || Err(BackendError::new(ErrorKind::Throttled, "slow down"));
        // Answers are popped from the end: throttled twice, then applied.
        let (changer, mut rt) = watching(
            dir.path(),
            vec![Ok(ChangeOutcome::default()), throttled(), throttled()],
            0,
        );
        rt.execute(Effect::Apply {
            task: 1,
            op: route_op(),
            intent: intent(),
        });
        assert!(matches!(
            drain(&mut rt).await.as_slice(),
            [Report::Applied { result: Ok(_), .. }]
        ));
        assert_eq!(changer.seen.lock().expect("lock").len(), 3);
        let timeout = || Err(BackendError::new(ErrorKind::Timeout, "no answer"));
        let (changer, mut rt) = watching(dir.path(), vec![timeout()], 0);
        rt.execute(Effect::Apply {
            task: 2,
            op: route_op(),
            intent: intent(),
        });
        match drain(&mut rt).await.as_slice() {
            [Report::Applied { result: Err(e), .. }] => {
                assert_eq!(e.kind, ErrorKind::OutcomeUnknown, "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(changer.seen.lock().expect("lock").len(), 1, "sent once");
    }

    #[tokio::test]
    async fn leaving_waits_for_the_change_in_flight_and_its_answer_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_changer, mut rt) = watching(dir.path(), Vec::new(), 200);
        rt.execute(Effect::Apply {
            task: 1,
            op: route_op(),
            intent: intent(),
        });
        rt.finish_changes(Duration::from_secs(10)).await;
        let (lines, _) = crate::journal::read_lines(&dir.path().join("audit.jsonl")).expect("read");
        assert_eq!(lines.len(), 2, "intent and answer: {lines:#?}");
    }
}
