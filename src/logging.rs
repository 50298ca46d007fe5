//! Logging through `tracing` to a file: the TUI owns the terminal, so nothing is ever
//! logged to stdout or stderr. `RUST_LOG` is honoured (default `netops=info`).
//!
//! Invariants:
//! - A log that cannot be written never blocks nor draws on the screen: write errors
//!   are swallowed by the writer (the batch front end holds the stderr lock, so a
//!   report on stderr from a background task would hang; in the console it would be
//!   drawn over the screen). The first failure is kept for the front ends to show
//!   once, outside any lock: [`take_write_failure`].
//! - The log is capped: past [`ROTATE_AT`] bytes it is moved to `netops.log.1` (the
//!   previous `.1` is dropped) and a fresh file is started.
//! - A log file netops creates is readable by its owner only (mode 600): it may hold
//!   ids and account numbers.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Size at which the log file is rotated to `<name>.1`.
pub const ROTATE_AT: u64 = 10 * 1024 * 1024;

/// Set once a log write failed; the message waits in [`FAILURE`] until taken.
static FAILED: AtomicBool = AtomicBool::new(false);
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the process's start: called first thing in `main`, so the console can log how
/// long its first full frame took, whole process (the startup benchmark reads it).
pub fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Time since [`mark_start`] (or since the first call, when it was never marked).
#[must_use]
pub fn since_start() -> std::time::Duration {
    STARTED.get_or_init(std::time::Instant::now).elapsed()
}
static FAILURE: Mutex<Option<String>> = Mutex::new(None);

fn record_failure(path: &Path, e: &io::Error) {
    if !FAILED.swap(true, Ordering::SeqCst) {
        *FAILURE.lock().unwrap_or_else(PoisonError::into_inner) = Some(format!(
            "cannot write the log file {}: {e} (logging goes on without it)",
            path.display()
        ));
    }
}

/// The first log write failure, once: later calls (and later failures) give `None`.
/// Front ends call it after discovery / between commands and show it once (the
/// console's status line; stderr in batch mode, outside the stderr lock).
#[must_use]
pub fn take_write_failure() -> Option<String> {
    FAILURE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}

/// Where logs go when `--log-file` is not given: the platform state/cache dir
/// (`~/.local/state/netops/netops.log` on Linux), else the temp dir.
#[must_use]
pub fn default_log_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "netops")
        .map(|d| {
            d.state_dir()
                .map_or_else(|| d.cache_dir().to_path_buf(), Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir)
        .join("netops.log")
}

/// The open log file: where it is, how big it has grown, when to rotate.
#[derive(Debug)]
struct LogFile {
    path: PathBuf,
    file: Option<File>,
    written: u64,
    /// `None` for what is not a regular file (`/dev/full`, a FIFO): never rotated.
    rotate_at: Option<u64>,
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn rotated_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

impl LogFile {
    fn open(path: &Path, rotate_at: u64) -> io::Result<Self> {
        let regular = std::fs::metadata(path).map_or(true, |m| m.is_file());
        let mut log = Self {
            path: path.to_path_buf(),
            file: None,
            written: 0,
            rotate_at: regular.then_some(rotate_at),
        };
        if regular && std::fs::metadata(path).is_ok_and(|m| m.len() >= rotate_at) {
            log.rotate()?;
        }
        let file = open_append(path)?;
        log.written = file.metadata().map_or(0, |m| m.len());
        log.file = Some(file);
        Ok(log)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        std::fs::rename(&self.path, rotated_path(&self.path))?;
        self.file = Some(open_append(&self.path)?);
        self.written = 0;
        Ok(())
    }

    fn write_record(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(cap) = self.rotate_at
            && self.written > 0
            && self.written + buf.len() as u64 > cap
        {
            self.rotate()?;
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => {
                // A rotation failed half-way: try to reopen.
                self.file = Some(open_append(&self.path)?);
                self.file
                    .as_mut()
                    .ok_or_else(|| io::Error::other("log file closed"))?
            }
        };
        file.write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(())
    }
}

/// The writer `tracing` uses: never fails, never blocks on the terminal.
#[derive(Debug)]
struct LogSink {
    inner: Mutex<LogFile>,
}

/// One event's access to the log file.
struct SinkGuard<'a>(MutexGuard<'a, LogFile>);

impl Write for SinkGuard<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Err(e) = self.0.write_record(buf) {
            record_failure(&self.0.path, &e);
        }
        // Swallowed: a log that cannot be written must not stop (or be reported by)
        // the code that logs.
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.0.file
            && let Err(e) = f.flush()
        {
            record_failure(&self.0.path, &e);
        }
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogSink {
    type Writer = SinkGuard<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        SinkGuard(self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Installs the file logger. Returns the path used.
///
/// # Errors
/// When the log file cannot be created (the message names the path).
pub fn init(path: Option<&Path>) -> Result<PathBuf, crate::error::CommandError> {
    let path = path.map_or_else(default_log_path, Path::to_path_buf);
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            crate::error::CommandError::other(format!(
                "cannot create log directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    let log = LogFile::open(&path, ROTATE_AT).map_err(|e| {
        crate::error::CommandError::other(format!("cannot open log file {}: {e}", path.display()))
    })?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("netops=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        // tracing-subscriber would otherwise eprintln! a failed write: that takes the
        // stderr lock the batch front end holds (a hang) and draws over the console.
        .log_internal_errors(false)
        .with_writer(LogSink {
            inner: Mutex::new(log),
        })
        .try_init();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_past_the_cap_and_creates_owner_only_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("netops.log");
        let mut log = LogFile::open(&path, 100).expect("open");
        for _ in 0..3 {
            log.write_record(&[b'a'; 40]).expect("write");
        }
        // 80 bytes fit, the third record would pass 100: rotated first.
        assert_eq!(
            std::fs::metadata(rotated_path(&path)).expect(".1").len(),
            80
        );
        assert_eq!(std::fs::metadata(&path).expect("log").len(), 40);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("log").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // An oversized log found at start is rotated before writing.
        drop(log);
        std::fs::write(&path, [b'b'; 150]).expect("write");
        let log = LogFile::open(&path, 100).expect("reopen");
        assert_eq!(log.written, 0);
        assert_eq!(
            std::fs::metadata(rotated_path(&path)).expect(".1").len(),
            150
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_is_swallowed_and_reported_once() {
        let sink = LogSink {
            inner: Mutex::new(LogFile::open(Path::new("/dev/full"), ROTATE_AT).expect("open")),
        };
        let mut w = sink.make_writer();
        assert_eq!(w.write(b"hello\n").expect("swallowed"), 6);
        w.flush().expect("swallowed");
        drop(w);
        let mut w = sink.make_writer();
        assert!(w.write_all(b"again\n").is_ok());
        let failure = take_write_failure().expect("recorded");
        assert!(failure.contains("/dev/full"), "{failure}");
        assert_eq!(take_write_failure(), None, "reported once");
    }
}
