//! Logging through `tracing` to a file: the TUI owns the terminal, so nothing is ever
//! logged to stdout or stderr. `RUST_LOG` is honoured (default `netops=info`).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

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

/// Installs the file logger. Returns the path used.
///
/// # Errors
/// When the log file cannot be created (the message names the path).
pub fn init(path: Option<&Path>) -> Result<PathBuf, String> {
    let path = path.map_or_else(default_log_path, Path::to_path_buf);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    }
    let file: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("netops=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(path)
}
