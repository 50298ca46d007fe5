//! The terminal guard, the panic hook and the OSC 52 clipboard.
//!
//! Invariants:
//! - Entering raw mode and the alternate screen happens in one place, and leaving
//!   them in one idempotent function, called by `Drop`, by [`TerminalGuard::restore`]
//!   and by the panic hook — whichever comes first; the others do nothing.
//! - The panic hook restores the terminal *before* chaining to the previous hook
//!   (color-eyre's), so its report is printed on a normal screen.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Whether the terminal is currently in the console's modes.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Leaves raw mode, the alternate screen and mouse capture; shows the cursor.
/// Safe to call any number of times.
pub fn restore_terminal() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let screen = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    raw.and(screen)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore_terminal();
            previous(info);
        }));
    });
}

/// Owns the terminal while the console runs.
pub struct TerminalGuard {
    /// Always `Some` while the guard lives; [`TerminalGuard::abandon`] takes it.
    terminal: Option<Terminal<CrosstermBackend<Stdout>>>,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, captures the mouse, installs the
    /// panic hook.
    ///
    /// # Errors
    /// When stdout is not a terminal or the modes cannot be set (the terminal is
    /// restored before returning).
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        ACTIVE.store(true, Ordering::SeqCst);
        let setup = || -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
            enable_raw_mode()?;
            execute!(
                io::stdout(),
                EnterAlternateScreen,
                EnableMouseCapture,
                EnableBracketedPaste
            )?;
            let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
            terminal.clear()?;
            Ok(terminal)
        };
        match setup() {
            Ok(terminal) => Ok(Self {
                terminal: Some(terminal),
            }),
            Err(e) => {
                let _ = restore_terminal();
                Err(e)
            }
        }
    }

    /// Ctrl-Z: gives the terminal back, stops the process (SIGTSTP, as the shell
    /// expects), and when the shell resumes it (SIGCONT) takes the terminal again and
    /// redraws from scratch.
    ///
    /// # Errors
    /// When the terminal cannot be restored or taken again.
    pub fn suspend(&mut self) -> io::Result<()> {
        self.restore()?;
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        ACTIVE.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        // Not `Terminal::clear`: it reads the cursor position, which waits for the
        // input reader the console's event stream holds. An empty frame makes ratatui
        // forget what it drew, so the next frame is drawn whole.
        if let Some(t) = self.terminal.as_mut() {
            t.draw(|_| {})?;
        }
        Ok(())
    }

    /// The terminal to draw on.
    ///
    /// # Errors
    /// Never while the guard lives (only [`TerminalGuard::abandon`] takes it).
    pub fn terminal(&mut self) -> io::Result<&mut Terminal<CrosstermBackend<Stdout>>> {
        self.terminal
            .as_mut()
            .ok_or_else(|| io::Error::other("the terminal was abandoned"))
    }

    /// The terminal went away (a hang-up, a closed pty): restore what can be
    /// restored and let go of it without another write. ratatui's own drop would try
    /// to show the cursor and print its failure on a stderr that no longer exists.
    pub fn abandon(mut self) {
        let _ = restore_terminal();
        if let Some(terminal) = self.terminal.take() {
            std::mem::forget(terminal);
        }
    }

    /// Restores the terminal now (also done on drop).
    ///
    /// # Errors
    /// When the terminal refuses to leave raw mode or the alternate screen.
    pub fn restore(&mut self) -> io::Result<()> {
        if let Some(t) = self.terminal.as_mut() {
            let _ = t.show_cursor();
        }
        restore_terminal()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore_terminal();
    }
}

/// Base64 (standard alphabet, padded), enough for OSC 52.
#[must_use]
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The OSC 52 sequence that puts `text` on the clipboard. Terminals pass it through
/// SSH; tmux needs `set -g set-clipboard on` (its default is `external`).
#[must_use]
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Writes `text` to the clipboard with OSC 52.
///
/// # Errors
/// When stdout cannot be written.
pub fn copy_osc52(text: &str) -> io::Result<()> {
    let mut out = io::stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(osc52("tgw-1"), "\x1b]52;c;dGd3LTE=\x07");
    }
}
