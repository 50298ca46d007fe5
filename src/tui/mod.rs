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
//! The flow: a key goes through the keymap to an action; `update` applies it and
//! returns effects; this module's runtime executes them (`tokio::spawn` of discovery
//! and region reloads) and feeds their results back as messages over a channel. The
//! UI task owns the state; nothing else touches it. It draws only when something
//! changed, and the spinner ticks only while a region is loading.

pub mod harness;
pub mod keymap;
pub mod layout;
pub mod state;
pub mod terminal;
pub mod tree;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::backend::Backend;
use crate::discovery::{DiscoveryEvent, DiscoveryPlan, discover_streaming};
use keymap::{Key, KeyCode};
use state::{Effect, Msg, State, StateInit, update};

/// How the console starts.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// Shows the read-only badge (and, later, refuses changes).
    pub read_only: bool,
    /// A keymap file to layer over the defaults instead of `<config dir>/keymap.toml`.
    pub keymap_file: Option<PathBuf>,
    /// "DEMO (reference)" or "AWS profile X", for the status bar.
    pub backend_label: String,
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

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Starts the effects' background work; results come back on `tx`.
fn execute(effect: Effect, backend: &Arc<dyn Backend>, tx: &mpsc::UnboundedSender<Msg>) {
    match effect {
        Effect::Discover { generation, plan } => {
            let backend = Arc::clone(backend);
            let tx = tx.clone();
            tokio::spawn(async move {
                let (etx, mut erx) = mpsc::unbounded_channel::<DiscoveryEvent>();
                let account_backend = Arc::clone(&backend);
                let account_tx = tx.clone();
                tokio::spawn(async move {
                    match account_backend.account().await {
                        Ok(account) => {
                            let _ = account_tx.send(Msg::Account(account));
                        }
                        Err(e) => tracing::warn!(error = %e, "account lookup failed"),
                    }
                });
                let worker =
                    tokio::spawn(discover_streaming(backend, DiscoveryPlan::from(&plan), etx));
                while let Some(event) = erx.recv().await {
                    let _ = tx.send(Msg::Discovery {
                        generation,
                        event,
                        at: now_unix(),
                    });
                }
                if let Err(e) = worker.await {
                    tracing::error!(error = %e, "discovery task failed");
                }
                let _ = tx.send(Msg::DiscoveryDone { generation });
            });
        }
        Effect::LoadRegion { generation, region } => {
            let backend = Arc::clone(backend);
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(Msg::Discovery {
                    generation,
                    event: DiscoveryEvent::Started(region.clone()),
                    at: now_unix(),
                });
                let result = backend.load_region(&region).await;
                if let Err(e) = &result {
                    tracing::warn!(region, error = %e, "region reload failed");
                }
                let _ = tx.send(Msg::Discovery {
                    generation,
                    event: DiscoveryEvent::Finished(region, result.map(Box::new)),
                    at: now_unix(),
                });
            });
        }
        Effect::Copy(text) => {
            if let Err(e) = terminal::copy_osc52(&text) {
                tracing::warn!(error = %e, "clipboard write failed");
            }
        }
        Effect::Quit => {}
    }
}

/// Runs the console until the user quits. The terminal is restored on every exit
/// path: normal return, error (the guard's `Drop`) and panic (the hook).
///
/// # Errors
/// When the terminal cannot be set up or drawn to.
pub async fn run(
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    opts: TuiOptions,
) -> color_eyre::Result<()> {
    let (keymap, keymap_error) = keymap::load(opts.keymap_file.as_deref());
    if let Some(e) = &keymap_error {
        tracing::error!(error = %e, "keymap not loaded; using the defaults");
    }
    let mut guard = terminal::TerminalGuard::enter().wrap_err("cannot set up the terminal")?;
    let size = guard
        .terminal
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
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pending = vec![Msg::Start];
    // A deliberate crash after the first frame, so the end-to-end test can prove the
    // panic path restores the terminal before color-eyre prints its report.
    let panic_for_test = std::env::var_os("NETOPS_TEST_PANIC_AFTER_FIRST_FRAME").is_some();
    loop {
        for msg in pending.drain(..) {
            for effect in update(&mut state, msg) {
                execute(effect, &backend, &tx);
            }
        }
        if state.quit {
            break;
        }
        if state.dirty {
            guard
                .terminal
                .draw(|frame| view::draw(&state, frame))
                .wrap_err("cannot draw")?;
            state.dirty = false;
            assert!(
                !panic_for_test,
                "NETOPS_TEST_PANIC_AFTER_FIRST_FRAME is set"
            );
        }
        let loading = state.is_loading();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = key_from_event(&k) {
                        pending.push(Msg::Key(key));
                    }
                }
                Some(Ok(Event::Resize(w, h))) => pending.push(Msg::Resize(w, h)),
                Some(Ok(Event::Mouse(m))) => match m.kind {
                    MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => pending.push(Msg::Scroll {
                        down: m.kind == MouseEventKind::ScrollDown,
                        column: m.column,
                        row: m.row,
                    }),
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).wrap_err("cannot read terminal input"),
                None => break,
            },
            Some(msg) = rx.recv() => {
                pending.push(msg);
                // Take whatever else is queued so a burst costs one frame.
                while let Ok(more) = rx.try_recv() {
                    pending.push(more);
                }
            }
            _ = tick.tick(), if loading => pending.push(Msg::Tick),
        }
    }
    guard.restore().wrap_err("cannot restore the terminal")?;
    Ok(())
}
