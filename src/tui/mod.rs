//! The interactive console: a tree of the estate, a detail pane, a status bar.
//!
//! Module map:
//! - [`keymap`]: keys → actions, per layer; defaults embedded, a user file layered over.
//! - [`state`]: the state, [`state::Msg`], [`state::Effect`] and the pure
//!   [`state::update`].
//! - [`tree`]: node identities, the `/` filter, building the tree items.
//! - [`view`]: `draw(&State, &mut Frame)`.
//! - [`layout`]: screen geometry shared by `draw` and `update`.
//! - [`harness`]: runs the console headless against a backend (tests, benchmarks).
//! - [`terminal`]: the terminal guard, the panic hook and the OSC 52 clipboard.
//!
//! - [`modal`]: the stack of screens over the panes (help, command output, the trace
//!   view; confirm, form, wizard next), each with its own small state and update.
//! - [`change`]: a planned change's confirmation, the peering wizard, pick lists.
//! - [`trace_view`]: `:trace` hop by hop; Enter jumps to a hop's object, `[` comes back.
//! - [`probe_view`]: the live probe matrix (`E`, `:probe egress`, `:probe ping`) over
//!   the same [`crate::probe::ProbeRun`] `--batch` drives.
//! - [`content`]: what the detail pane and help show, built by `update` once per
//!   change (with wrapped heights), so `view` only renders and does not import `state`'s
//!   logic back.
//!
//! The flow: a key goes through the keymap layer of the top modal to an action;
//! `update` applies it and returns effects; the one [`crate::runtime::Runtime`] (the
//! same one `--batch` and the test harness use) executes them and feeds their reports
//! back as messages. The UI task owns the state; nothing else touches it. It draws
//! only when something changed, and the spinner ticks only while a region is loading.
//! Signals (TERM, INT, HUP, QUIT) restore the terminal before the process exits;
//! Ctrl-C quits and Ctrl-Z suspends whatever the keymap says.

pub mod cache;
pub mod change;
pub mod content;
pub mod dialog;
pub mod diff_view;
pub mod findings_view;
pub mod harness;
pub mod history;
pub mod keymap;
pub mod layout;
pub mod modal;
pub mod popup;
pub mod probe_view;
pub mod prompt;
pub mod state;
pub mod terminal;
pub mod trace_view;
pub mod tree;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::{FutureExt, StreamExt};

use crate::backend::Backend;
use crate::discovery::DiscoveryPlan;
use crate::runtime::{Clock, Effect, Runtime};
use keymap::{Key, KeyCode};
use state::{Msg, State, StateInit, update_all};

/// How the console starts.
#[derive(Clone, Default)]
pub struct TuiOptions {
    /// The capability to change the network; `None` when read-only.
    pub changer: Option<Arc<dyn crate::backend::Changer>>,
    /// The capability to run probes on instances (SSM Run Command); `None` when
    /// read-only: the probe keys are hidden and refused then.
    pub prober: Option<Arc<dyn crate::backend::Prober>>,
    /// Shows the read-only badge, refuses change commands and hides change keys.
    pub read_only: bool,
    /// Where changes are logged (`audit.jsonl`); a change is refused when it cannot be.
    pub audit: crate::ops::log::Audit,
    /// The profile name the audit log records.
    pub profile: String,
    /// A keymap file to layer over the defaults instead of `<config dir>/keymap.toml`.
    pub keymap_file: Option<PathBuf>,
    /// "DEMO (reference)" or "AWS profile X", for the status bar.
    pub backend_label: String,
    /// Where the last known estate is kept ([`cache`]); `None` with `--no-cache`.
    pub cache_dir: Option<PathBuf>,
}

/// Converts a crossterm key event to the keymap's notation.
#[must_use]
pub fn key_from_event(ev: &crossterm::event::KeyEvent) -> Option<Key> {
    use crossterm::event::{KeyCode as C, KeyModifiers as M};
    let code = match ev.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Backspace => KeyCode::Backspace,
        C::Delete => KeyCode::Delete,
        C::Insert => KeyCode::Insert,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(
        Key {
            code,
            ctrl: ev.modifiers.contains(M::CONTROL),
            alt: ev.modifiers.contains(M::ALT),
            shift: ev.modifiers.contains(M::SHIFT),
        }
        .normalized(),
    )
}

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user quit.
    Quit,
    /// A signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) ended it after the terminal was
    /// restored; the process should exit with 128 + this number.
    Signal(i32),
    /// The terminal went away (its input failed or ended): as a hang-up.
    TerminalLost,
}

/// The signals that end the console, with their numbers.
struct Signals {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut streams = Vec::new();
        for (number, kind) in [
            (15, SignalKind::terminate()),
            (2, SignalKind::interrupt()),
            (1, SignalKind::hangup()),
            (3, SignalKind::quit()),
        ] {
            streams.push((number, signal(kind)?));
        }
        Ok(Self { streams })
    }

    /// The next signal's number.
    async fn next(&mut self) -> i32 {
        let waits = self.streams.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                s.recv().await;
                n
            })
        });
        futures::future::select_all(waits).await.0
    }
}

fn event_to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => key_from_event(&k).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => Some(Msg::Scroll {
                down: m.kind == MouseEventKind::ScrollDown,
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Runs the console until the user quits or a signal ends it. The terminal is
/// restored on every exit path: normal return, error (the guard's `Drop`), signal
/// and panic (the hook).
///
/// # Errors
/// When the terminal cannot be set up or drawn to.
pub async fn run(
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    opts: TuiOptions,
) -> color_eyre::Result<Ending> {
    let (keymap, keymap_error) = keymap::load(opts.keymap_file.as_deref());
    if let Some(e) = &keymap_error {
        tracing::error!(error = %e, "keymap not loaded; using the defaults");
    }
    let mut signals = Signals::install().wrap_err("cannot listen for signals")?;
    let mut guard = terminal::TerminalGuard::enter().wrap_err("cannot set up the terminal")?;
    let size = guard
        .terminal()
        .wrap_err("cannot use the terminal")?
        .size()
        .wrap_err("cannot read the terminal size")?;
    let mut state = State::new(StateInit {
        plan,
        backend_label: opts.backend_label,
        read_only: opts.read_only,
        keymap,
        keymap_error: keymap_error.map(|e| e.to_string()),
        size: (size.width, size.height),
    });
    state.changes.audit_log = opts.audit.path().map(std::path::Path::to_path_buf);
    if let Some(why) = opts.audit.refusal()
        && !opts.read_only
    {
        state.message = Some((why, state::Severity::Error));
    }
    state.changes.profile = opts.profile.clone();
    state.changes.history_file = history::path(&opts.profile);
    if let Some(path) = &state.changes.history_file {
        state.prompt.history = history::load(path);
    }
    state.changes.session_tag = format!("netops-{}-{}", std::process::id(), Clock::System.now());
    state.probes.available = opts.prober.is_some();
    state.data.cache_dir.clone_from(&opts.cache_dir);
    if let Some((path, taken_at)) = opts.cache_dir.as_deref().and_then(cache::latest) {
        state
            .changes
            .jobs
            .push(state::FrontJob::OpenCache { path, taken_at });
    }
    let mut runtime = Runtime::new(backend, Clock::System)
        .with_changer(opts.changer)
        .with_prober(opts.prober)
        .with_audit(opts.audit.clone(), &opts.profile);
    let mut settled_pending = false;
    let mut full_frame_logged = false;
    // The probe matrix's elapsed times are measured from the console's start, in
    // milliseconds; `update` only ever sees them in messages.
    let started = std::time::Instant::now();
    let now_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pending = vec![Msg::Start];
    let (answers_tx, mut answers_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    loop {
        if !pending.is_empty() {
            // One burst, one rebuild of what depends on the data; the time first, so
            // a probe started or answered in this burst is stamped with it.
            let burst = std::iter::once(Msg::Now(now_ms())).chain(pending.drain(..));
            for effect in update_all(&mut state, burst) {
                match runtime.execute(effect) {
                    Some(Effect::Copy(text)) => {
                        if let Err(e) = terminal::copy_osc52(&text) {
                            tracing::warn!(error = %e, "clipboard write failed");
                        }
                    }
                    Some(Effect::Suspend) => {
                        guard.suspend().wrap_err("cannot suspend")?;
                        state.dirty = true;
                    }
                    _ => {}
                }
            }
            // File reads and queries run off this thread; their answers come back
            // as messages.
            for job in state.take_jobs() {
                let answers = answers_tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Some(msg) = run_job(job, Clock::System) {
                        let _ = answers.send(msg);
                    }
                });
            }
        }
        if state.quit {
            break;
        }
        // Shown once, in the message line: a log that cannot be written never blocks
        // nor draws over the screen.
        if let Some(problem) = crate::logging::take_write_failure() {
            pending.push(Msg::Warn(format!(
                "the log cannot be written ({problem}); netops carries on without it"
            )));
            continue;
        }
        if state.dirty {
            guard
                .terminal()
                .wrap_err("cannot use the terminal")?
                .draw(|frame| view::draw(&state, frame))
                .wrap_err("cannot draw")?;
            state.dirty = false;
            if !full_frame_logged
                && !state.is_loading()
                && state.data.estate.loaded().next().is_some()
            {
                full_frame_logged = true;
                let ms = crate::logging::since_start().as_secs_f64() * 1000.0;
                tracing::info!(
                    ms = format!("{ms:.1}"),
                    "first full frame: every region read and drawn, {ms:.1} ms after the process started"
                );
            }
            #[cfg(debug_assertions)]
            test_hooks::after_frame();
        }
        let loading = state.is_loading() || state.change_busy() || state.probe_busy();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    pending.extend(event_to_msg(event));
                    // Take every event already waiting (a paste, a burst of keys) so
                    // they cost one frame, not one frame each.
                    // (Polled with this task's own waker through a zero timeout: a
                    // synchronous read beside the stream could block on crossterm's
                    // reader lock, and a no-op waker would lose the stream's wake-up.)
                    while let Ok(Some(Ok(more))) =
                        tokio::time::timeout(Duration::ZERO, events.next()).await
                    {
                        pending.extend(event_to_msg(more));
                    }
                }
                // The terminal is gone (a closed pty, a dead SSH session): leave at
                // once. crossterm's reader thread would spin on the dead descriptor.
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "terminal input failed; leaving");
                    guard.abandon();
                    return Ok(Ending::TerminalLost);
                }
                None => {
                    guard.abandon();
                    return Ok(Ending::TerminalLost);
                }
            },
            Some(report) = runtime.next() => {
                // Once the estate is read: settle the changes an earlier run left
                // unknown in the audit log (killed after their intent line).
                if !settled_pending && matches!(report, crate::runtime::Report::DiscoveryDone { .. }) {
                    settled_pending = true;
                    pending_settlement(&mut runtime, &state);
                }
                pending.push(Msg::from(report));
                // Take whatever else is queued so a burst costs one frame.
                while let Some(Some(more)) = runtime.next().now_or_never() {
                    pending.push(Msg::from(more));
                }
            }
            number = signals.next() => {
                tracing::info!(signal = number, "signal received; leaving");
                // A change already sent is waited for, so its answer line is written.
                runtime.finish_changes(Duration::from_secs(30)).await;
                // Best effort: after SIGHUP the terminal may be gone, and failing to
                // restore a terminal that no longer exists is not worth a report.
                if let Err(e) = guard.restore() {
                    tracing::warn!(error = %e, "terminal not restored");
                    guard.abandon();
                }
                return Ok(Ending::Signal(number));
            }
            Some(answer) = answers_rx.recv() => pending.push(answer),
            _ = tick.tick(), if loading => {
                pending.push(Msg::Tick);
                let progress = runtime.progress();
                if progress != state.data.progress {
                    pending.push(Msg::Progress(progress));
                }
            }
        }
    }
    guard.restore().wrap_err("cannot restore the terminal")?;
    Ok(Ending::Quit)
}

/// Settles the changes an earlier run left unknown in the audit log from what the
/// console has read (the lines are written by the runtime).
fn pending_settlement(runtime: &mut Runtime, state: &State) {
    let settled =
        crate::ops::exec::settlement(runtime.audit(), runtime.session(), &state.data.estate);
    if !settled.is_empty() {
        tracing::info!(
            count = settled.len(),
            "settling changes an earlier run left unknown"
        );
        runtime.execute(Effect::Record {
            task: SETTLE_TASK,
            entries: settled,
        });
    }
}

/// The task id of settling an earlier run's changes.
const SETTLE_TASK: crate::runtime::TaskId = crate::runtime::tasks::SETTLE;

/// Does a front-end job (reading the audit log) and answers what the console
/// should hear of it.
#[must_use]
pub fn run_job(job: state::FrontJob, clock: Clock) -> Option<Msg> {
    match job {
        state::FrontJob::ReadLog { path, last } => {
            let title = format!(":audit-log ({})", path.display());
            Some(Msg::Answer {
                title,
                result: match crate::ops::log::read(&path, last) {
                    Ok((entries, bad)) => {
                        let lines: Vec<String> = if entries.is_empty() && bad == 0 {
                            vec!["no change has been logged yet".into()]
                        } else {
                            crate::ops::log::output("audit-log", &entries, bad)
                                .to_text()
                                .lines()
                                .map(str::to_string)
                                .collect()
                        };
                        Ok(lines)
                    }
                    Err(e) => Err(crate::error::CommandError::other(format!(
                        "cannot read the audit log {}: {e}",
                        path.display()
                    ))),
                },
            })
        }
        state::FrontJob::RememberLine { path, line } => {
            if let Err(e) = history::append(&path, &line) {
                tracing::warn!(path = %path.display(), error = %e, "prompt history not written");
            }
            None
        }
        state::FrontJob::OpenCache { path, taken_at } => {
            match crate::snapshot::open(&path, &crate::snapshot::Hints::default()) {
                Ok(snapshot) => Some(Msg::Cached {
                    estate: Box::new(snapshot.into_estate()),
                    age: cache::age(taken_at, clock.now()),
                    path,
                }),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e.message, "cached estate not read");
                    None
                }
            }
        }
        state::FrontJob::SaveCache {
            dir,
            estate,
            profile,
            now,
        } => {
            if let Err(e) = cache::save(&dir, &estate, &profile, now) {
                tracing::warn!(dir = %dir.display(), error = %e, "estate not cached");
            }
            None
        }
        state::FrontJob::Diff { command, estate } => {
            let title = format!(":{}", command.to_line());
            Some(Msg::Diffed {
                result: crate::query::diff_of(&estate, &command)
                    .map(Box::new)
                    .map_err(|e| crate::error::CommandError::new(e.kind, format!("{title} — {e}"))),
                title,
            })
        }
        state::FrontJob::Query { command, estate } => {
            let title = format!(":{}", command.to_line());
            let result = crate::query::run_with(&crate::net::Net::new(&estate), &command)
                .map(|output| output.to_text().lines().map(str::to_string).collect())
                .map_err(|e| crate::error::CommandError::new(e.kind, format!("{title} — {e}")));
            Some(Msg::Answer { title, result })
        }
    }
}

/// Hooks for the end-to-end tests of the real binary; compiled into debug builds only,
/// never into a release.
#[cfg(debug_assertions)]
mod test_hooks {
    /// A deliberate crash after the first frame, so the tmux test can prove the panic
    /// path restores the terminal before color-eyre prints its report.
    pub fn after_frame() {
        assert!(
            std::env::var_os("NETOPS_TEST_PANIC_AFTER_FIRST_FRAME").is_none(),
            "NETOPS_TEST_PANIC_AFTER_FIRST_FRAME is set"
        );
    }
}
