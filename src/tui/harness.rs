//! The console run headless: keys in, effects executed by the production
//! [`Runtime`] against a backend until it settles, the screen rendered into ratatui's
//! `TestBackend`. Used by the screen tests and the render benchmark; deterministic
//! where it matters (a fixed clock, no spinner ticks, and it waits until every task
//! has finished before a screen is looked at).

use std::sync::Arc;

use futures::FutureExt;

use super::keymap::{Key, Keymap};
use super::state::{Msg, State, StateInit, update, update_all};
use super::view;
use crate::backend::Backend;
use crate::discovery::DiscoveryPlan;
use crate::runtime::{Clock, Effect, Runtime};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The clock the harness reports: 2026-01-02 09:30:00 UTC.
pub const FIXED_TIME: u64 = 1_767_346_200;

/// A console driven by code.
pub struct Harness {
    pub state: State,
    /// The same runtime the console and `--batch` use.
    pub runtime: Runtime,
    queue: Vec<Effect>,
    /// Everything the console asked to copy.
    pub copied: Vec<String>,
    pub terminal: Terminal<TestBackend>,
}

/// Splits a key sequence like `"jj<Enter>/10.1<Esc>"` into keys.
#[must_use]
pub fn parse_keys(seq: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut rest = seq;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            // The shortest `<…>` that names a key (so "<A-<>" works).
            let found = rest
                .char_indices()
                .skip(1)
                .filter(|(_, ch)| *ch == '>')
                .find_map(|(i, _)| Key::parse(&rest[..=i]).map(|k| (k, i + 1)));
            if let Some((key, len)) = found {
                keys.push(key);
                rest = &rest[len..];
                continue;
            }
        }
        keys.push(Key::char(c));
        rest = &rest[c.len_utf8()..];
    }
    keys
}

impl Harness {
    /// A console over `backend` with the default keymap, `width`×`height` cells.
    ///
    /// # Errors
    /// When the embedded keymap is broken (tests guard against that).
    pub fn new(
        backend: Arc<dyn Backend>,
        plan: DiscoveryPlan,
        label: &str,
        width: u16,
        height: u16,
    ) -> Result<Self, super::keymap::KeymapError> {
        Ok(Self::with_keymap(
            backend,
            plan,
            label,
            Keymap::builtin()?,
            None,
            width,
            height,
        ))
    }

    /// A console that can change the network: `backend` (the simulator) reads and
    /// changes; changes are logged to `audit_log` when given (and refused when it
    /// cannot be written, as in the binary).
    ///
    /// # Errors
    /// When the embedded keymap is broken (tests guard against that).
    pub fn changing(
        backend: Arc<dyn Backend>,
        changer: Arc<dyn crate::backend::Changer>,
        plan: DiscoveryPlan,
        audit_log: Option<std::path::PathBuf>,
        width: u16,
        height: u16,
    ) -> Result<Self, super::keymap::KeymapError> {
        let mut h = Self::new(backend, plan, "DEMO (reference)", width, height)?;
        h.state.read_only = false;
        let audit = match &audit_log {
            Some(path) => crate::ops::log::Audit::open(Some(path)),
            None => crate::ops::log::Audit::Off,
        };
        h.state.changes.audit_log = audit_log;
        h.state.changes.profile = "demo".into();
        h.state.changes.session_tag = "netops-test".into();
        let backend = Arc::clone(h.runtime.backend());
        h.runtime = Runtime::new(backend, Clock::Fixed(FIXED_TIME))
            .with_changer(Some(changer))
            .with_audit(audit, "demo");
        Ok(h)
    }

    /// Gives the console the capability to run probes on instances (`E`, `:probe`):
    /// the runtime runs them through `prober`; `None` keeps them refused.
    #[must_use]
    pub fn with_prober(mut self, prober: Option<Arc<dyn crate::backend::Prober>>) -> Self {
        self.state.probes.available = prober.is_some();
        let backend = Arc::clone(self.runtime.backend());
        // The runtime is built by value; a fresh one stands in while it is rebuilt.
        let placeholder = Runtime::new(Arc::clone(&backend), Clock::Fixed(FIXED_TIME));
        let runtime = std::mem::replace(&mut self.runtime, placeholder);
        self.runtime = runtime.with_prober(prober);
        self
    }

    /// A console with a given keymap (and the error a broken user keymap gave).
    #[must_use]
    pub fn with_keymap(
        backend: Arc<dyn Backend>,
        plan: DiscoveryPlan,
        label: &str,
        keymap: Keymap,
        keymap_error: Option<String>,
        width: u16,
        height: u16,
    ) -> Self {
        let state = State::new(StateInit {
            plan,
            backend_label: label.to_string(),
            read_only: true,
            keymap,
            keymap_error,
            size: (width, height),
        });
        Self {
            state,
            runtime: Runtime::new(backend, Clock::Fixed(FIXED_TIME)),
            queue: Vec::new(),
            copied: Vec::new(),
            terminal: Terminal::new(TestBackend::new(width, height))
                .unwrap_or_else(|never| match never {}),
        }
    }

    /// Sends a message; its effects are queued until [`Harness::settle`].
    pub fn send(&mut self, msg: Msg) {
        let fx = update(&mut self.state, msg);
        self.queue.extend(fx);
        self.run_jobs();
    }

    /// Does the console's file work (the audit log) as the front end does.
    fn run_jobs(&mut self) {
        loop {
            let jobs = self.state.take_jobs();
            if jobs.is_empty() {
                break;
            }
            let msgs: Vec<Msg> = jobs
                .into_iter()
                .filter_map(|j| super::run_job(j, Clock::Fixed(FIXED_TIME)))
                .collect();
            let fx = update_all(&mut self.state, msgs);
            self.queue.extend(fx);
        }
    }

    /// Sends keys in the keymap notation, e.g. `"jj<Enter>"`, settling after each.
    pub async fn keys(&mut self, seq: &str) {
        for key in parse_keys(seq) {
            self.send(Msg::Key(key));
            self.settle().await;
        }
    }

    /// Runs queued effects, and those they cause, through the runtime until no task
    /// is running and nothing is queued.
    pub async fn settle(&mut self) {
        loop {
            for effect in std::mem::take(&mut self.queue) {
                if let Some(Effect::Copy(text)) = self.runtime.execute(effect) {
                    self.copied.push(text);
                }
            }
            match self.runtime.next().await {
                Some(report) => {
                    // As the console does: everything already reported is one burst.
                    let mut burst = vec![Msg::from(report)];
                    while let Some(Some(more)) = self.runtime.next().now_or_never() {
                        burst.push(Msg::from(more));
                    }
                    let fx = update_all(&mut self.state, burst);
                    self.queue.extend(fx);
                    self.run_jobs();
                }
                None if self.queue.is_empty() => break,
                None => {}
            }
        }
    }

    /// One turn of the console's loop, without waiting: runs the queued effects and
    /// applies, as one burst, every report already in. Answers how many reports were
    /// applied, and whether nothing is left running (no task, nothing queued). For
    /// measuring the console while work goes on in the background.
    pub fn pump(&mut self) -> (usize, bool) {
        for effect in std::mem::take(&mut self.queue) {
            if let Some(Effect::Copy(text)) = self.runtime.execute(effect) {
                self.copied.push(text);
            }
        }
        let mut burst = Vec::new();
        let mut idle = false;
        loop {
            match self.runtime.next().now_or_never() {
                Some(Some(report)) => burst.push(Msg::from(report)),
                Some(None) => {
                    idle = true;
                    break;
                }
                None => break,
            }
        }
        let applied = burst.len();
        if applied > 0 {
            let fx = update_all(&mut self.state, burst);
            self.queue.extend(fx);
            self.run_jobs();
        }
        (applied, idle && self.queue.is_empty())
    }

    /// Runs queued effects and the reports they cause until `done` holds (true), or
    /// until nothing is left to run without it holding (false). For waits that
    /// would poll for ever (their timers run in real time: a wait of a second or two).
    pub async fn settle_until(&mut self, done: impl Fn(&State) -> bool) -> bool {
        loop {
            if done(&self.state) {
                return true;
            }
            for effect in std::mem::take(&mut self.queue) {
                if let Some(Effect::Copy(text)) = self.runtime.execute(effect) {
                    self.copied.push(text);
                }
            }
            match self.runtime.next().await {
                Some(report) => {
                    let fx = update_all(&mut self.state, [Msg::from(report)]);
                    self.queue.extend(fx);
                    self.run_jobs();
                }
                None if self.queue.is_empty() => return done(&self.state),
                None => {}
            }
        }
    }

    /// Starts the console (discovery) and settles.
    pub async fn start(&mut self) {
        self.send(Msg::Start);
        self.settle().await;
    }

    /// Draws the current state.
    pub fn draw(&mut self) {
        let state = &self.state;
        let _ = self.terminal.draw(|frame| view::draw(state, frame));
    }

    /// Draws and returns the screen as text, one line per row, trailing spaces cut.
    pub fn render(&mut self) -> String {
        self.draw();
        screen_text(self.terminal.backend().buffer())
    }

    /// Resizes the screen.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.send(Msg::Resize(width, height));
    }
}

/// A buffer as plain text (symbols only), trailing spaces trimmed.
#[must_use]
pub fn screen_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sequences_split_into_keys() {
        let keys: Vec<String> = parse_keys("jG<Enter><C-f><A-<>/10.1<x")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            keys,
            [
                "j", "G", "<Enter>", "<C-f>", "<A-<>", "/", "1", "0", ".", "1", "<", "x"
            ]
        );
    }
}
