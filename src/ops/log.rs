//! The audit log: one JSON line per applied change in `audit.jsonl`, beside the log
//! file (the state dir), read back by `audit-log`.
//!
//! Invariants:
//! - Appended, never rewritten; the file is created owner-only (0600).
//! - Nothing secret: the profile's name and the account id, never credentials; the
//!   change as data, the before/after rows, the result and AWS's request id.
//! - A line that cannot be written is an error the front end shows: a change that
//!   is not logged is said so, never silently.

use std::fs::OpenOptions;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One applied change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339 UTC.
    pub time: String,
    /// The AWS profile (`demo` for the simulator).
    pub profile: String,
    pub account: Option<String>,
    pub region: String,
    /// The command line that planned it.
    pub command: String,
    /// The EC2 action.
    pub action: String,
    /// The change as data.
    pub change: serde_json::Value,
    pub before: String,
    pub after: String,
    /// `applied`, `verified`, `failed: …`, `outcome unknown: …`.
    pub result: String,
    pub request_ids: Vec<String>,
}

/// `audit.jsonl` beside the log file.
#[must_use]
pub fn path_beside(log_file: &Path) -> PathBuf {
    log_file.with_file_name("audit.jsonl")
}

/// Appends entries, one line each.
///
/// # Errors
/// The file cannot be created or written.
pub fn append(path: &Path, entries: &[Entry]) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    // One write per batch of lines: appends from two netops never interleave a line.
    file.write_all(&buf)?;
    file.flush()
}

/// The entries in the file, oldest first (the last `last` when given). A missing
/// file is no entries; a line that does not parse is skipped and counted.
///
/// # Errors
/// The file exists but cannot be read.
pub fn read(path: &Path, last: Option<usize>) -> io::Result<(Vec<Entry>, usize)> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    let mut bad = 0;
    for line in io::BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(e) => out.push(e),
            Err(_) => bad += 1,
        }
    }
    if let Some(n) = last {
        let skip = out.len().saturating_sub(n);
        out.drain(..skip);
    }
    Ok((out, bad))
}

/// The log as `audit-log` shows it, in batch and in the console: one row per
/// change, then how many lines could not be read.
#[must_use]
pub fn output(command: &str, entries: &[Entry], unreadable: usize) -> crate::query::Output {
    use crate::query::Section;
    let mut table = Section::new(&["TIME", "PROFILE", "REGION", "ACTION", "COMMAND", "RESULT"]);
    for e in entries {
        table.row(vec![
            e.time.clone(),
            e.profile.clone(),
            e.region.clone(),
            e.action.clone(),
            e.command.clone(),
            e.result.clone(),
        ]);
    }
    let mut sections = vec![table];
    if unreadable > 0 {
        let mut w = Section::new(&[]);
        w.row(vec![format!(
            "{unreadable} line(s) could not be read and were skipped"
        )]);
        sections.push(w);
    }
    crate::query::Output {
        command: command.to_string(),
        sections,
        json: serde_json::json!({ "items": entries, "unreadable_lines": unreadable }),
        failed_check: false,
    }
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-12-01T17:49:43Z`).
#[must_use]
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> Entry {
        Entry {
            time: rfc3339(1_796_147_383),
            profile: "demo".into(),
            account: Some("111122223333".into()),
            region: "us-east-1".into(),
            command: format!("route add tgw-rtb-1 10.{n}.0.0/16 tgw-attach-1"),
            action: "CreateTransitGatewayRoute".into(),
            change: serde_json::json!({"op": "create_tgw_route"}),
            before: "(none)".into(),
            after: "static → tgw-attach-1".into(),
            result: "verified".into(),
            request_ids: vec!["sim-1".into()],
        }
    }

    #[test]
    fn appends_one_line_per_change_and_reads_the_last() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_beside(&dir.path().join("netops.log"));
        append(&path, &[entry(1)]).expect("append");
        append(&path, &[entry(2), entry(3)]).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 3);
        let (all, bad) = read(&path, None).expect("read");
        assert_eq!((all.len(), bad), (3, 0));
        let (last, _) = read(&path, Some(2)).expect("read");
        assert_eq!(last, vec![entry(2), entry(3)]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_log_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (entries, bad) = read(&dir.path().join("audit.jsonl"), None).expect("read");
        assert!(entries.is_empty());
        assert_eq!(bad, 0);
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_147_383), "2026-12-01T17:49:43Z");
    }
}
