//! The audit journal: what netops asked AWS to change, and what became of it, in
//! `audit.jsonl` (its own file in the state directory, or `--audit-log PATH`; never
//! beside the debug log). Read back by `audit-log`.
//!
//! Invariants:
//! - Every change sent has an **intent** line written and fsync'd *before* the call
//!   leaves ([`Record::Intent`]), and an **answer** line after it
//!   ([`Record::Answer`]: applied, failed, or outcome unknown); a re-read that
//!   verifies it or settles an unknown outcome adds a **settled** line. The lines of
//!   one change share its `op_id`: together they are its one entry, and the newest
//!   line says what became of it ([`Entry::applied`]). An intent with no answer (netops
//!   was killed while the call was out) reads as "outcome unknown — check" until a
//!   later run that reads that region settles it ([`pending`]).
//! - Appended, never rewritten: one `write` per batch of lines (appends from two
//!   netops never interleave a line), then `fsync`.
//! - The file is the user's own: a symlink, a file another user owns, something
//!   that is not a regular file, or a directory others can write to is refused
//!   ([`AuditLog::open`]); it is created 0600 and a looser mode is tightened.
//! - A change is never sent without its intent line: if the log cannot be opened or
//!   written, the change is refused (the runtime checks, and so do the front ends).
//! - Nothing secret: the profile's name and the account id, never credentials; the
//!   change as data, the before/after rows, the result and AWS's request id.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::error::CommandError;

/// What one line records about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// Written and fsync'd before the call was sent.
    Intent,
    /// What the call answered: applied, failed, or outcome unknown.
    Answer,
    /// What a re-read showed: the change verified, or an unknown outcome settled.
    Settled,
    /// A line from before intent and answer lines were kept (one line per change).
    #[default]
    Legacy,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339 UTC.
    pub time: String,
    /// The AWS profile (`demo` for the simulator).
    pub profile: String,
    pub account: Option<String>,
    /// How netops acted in that account when it is not the one read with the base
    /// credentials: `role NAME`, `profile NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub region: String,
    /// The command line that planned it.
    pub command: String,
    /// The API action.
    pub action: String,
    /// The change as data ([`crate::backend::Change`]).
    pub change: serde_json::Value,
    pub before: String,
    pub after: String,
    /// `sending`, `applied`, `failed: …`, `outcome unknown: …`, `verified: …`.
    pub result: String,
    pub request_ids: Vec<String>,
    #[serde(default)]
    pub record: Record,
    /// The change this line is about: the same on its intent, answer and settled lines.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub op_id: String,
    /// What became of the change as far as this line knows: `true` AWS made it,
    /// `false` it did not, absent: not known (yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<bool>,
    /// The process that sent it (an intent whose process is gone and that never got
    /// an answer is settled by the next run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The runtime that sent it (one per netops run).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session: String,
}

impl Entry {
    /// A line about `op` (the rest — time, profile, process, run — is stamped by the
    /// runtime that writes it).
    #[must_use]
    pub fn about(
        op: &crate::backend::ChangeOp,
        intent: &Intent,
        record: Record,
        result: String,
        applied: Option<bool>,
        request_ids: Vec<String>,
    ) -> Self {
        Self {
            time: String::new(),
            profile: String::new(),
            account: op.account.clone(),
            via: None,
            region: op.region.clone(),
            command: intent.command.clone(),
            action: op.action().to_string(),
            change: serde_json::to_value(&op.change).unwrap_or_default(),
            before: intent.before.clone(),
            after: intent.after.clone(),
            result,
            request_ids,
            record,
            op_id: intent.op_id.clone(),
            applied,
            pid: None,
            session: String::new(),
        }
    }
}

/// What the sender knows of a change before it goes out: the rest of its intent
/// line comes from the runtime (time, profile, account, pid).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Intent {
    pub op_id: String,
    pub command: String,
    pub before: String,
    pub after: String,
}

/// The audit log's file name in the state directory.
pub const FILE_NAME: &str = "audit.jsonl";
/// The file simulated changes (`--demo`, `--scenario`) go to, so a real audit trail
/// holds only real changes.
pub const SIMULATED_FILE_NAME: &str = "audit-simulated.jsonl";

/// Where the audit log goes when `--audit-log` is not given: the platform state
/// directory (`~/.local/state/netops/` on Linux). `None` when there is none (no
/// home directory): then only `--audit-log` can say where.
#[must_use]
pub fn default_path(simulated: bool) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "netops")?;
    let dir = dirs.state_dir()?.to_path_buf();
    Some(dir.join(if simulated {
        SIMULATED_FILE_NAME
    } else {
        FILE_NAME
    }))
}

/// The open audit log.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating) the audit log at `path` for appending, refusing anything that
    /// is not the user's own regular file in a directory only they can write to.
    ///
    /// # Errors
    /// A sentence naming the path and what is wrong with it.
    pub fn open(path: &Path) -> Result<Self, CommandError> {
        let shown = path.display();
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.exists() {
            create_private_dirs(&parent).map_err(|e| {
                CommandError::other(format!(
                    "cannot create the directory {}: {e}",
                    parent.display()
                ))
            })?;
        }
        check_directory(&parent)?;
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if meta.file_type().is_symlink() {
                return Err(CommandError::invalid(format!(
                    "{shown} is a symbolic link: netops writes its audit log only to a regular file of its own"
                )));
            }
            if !meta.is_file() {
                return Err(CommandError::invalid(format!(
                    "{shown} is not a regular file"
                )));
            }
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
            // Refuse a symlink planted between the check above and the open.
            options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
        }
        let file = options
            .open(path)
            .map_err(|e| CommandError::other(format!("cannot open {shown}: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = file
                .metadata()
                .map_err(|e| CommandError::other(format!("cannot read {shown}: {e}")))?;
            if !meta.is_file() {
                return Err(CommandError::invalid(format!(
                    "{shown} is not a regular file"
                )));
            }
            if meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(CommandError::new(
                    crate::error::ErrorKind::AccessDenied,
                    format!(
                        "{shown} belongs to another user (uid {}): netops writes its audit log only to a file of its own",
                        meta.uid()
                    ),
                ));
            }
            if meta.mode() & 0o077 != 0 {
                rustix::fs::fchmod(&file, rustix::fs::Mode::from_raw_mode(0o600)).map_err(|e| {
                    CommandError::new(
                        crate::error::ErrorKind::AccessDenied,
                        format!(
                            "{shown} is readable by others and its mode cannot be set to 600: {e}"
                        ),
                    )
                })?;
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Where it is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends entries, one line each, in one write, then fsyncs: when this
    /// returns `Ok` the lines survive a crash.
    ///
    /// # Errors
    /// The write or the sync failed.
    pub fn append(&self, entries: &[Entry]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(&buf)?;
        file.sync_data()
    }
}

#[cfg(unix)]
fn create_private_dirs(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dirs(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Refuses a directory other users can write to (they could replace the log).
#[cfg(unix)]
fn check_directory(dir: &Path) -> Result<(), CommandError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(dir)
        .map_err(|e| CommandError::other(format!("cannot read {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(CommandError::invalid(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(CommandError::new(
            crate::error::ErrorKind::AccessDenied,
            format!(
                "{} can be written by other users: the audit log must not land in a shared directory; choose one only you can write to (--audit-log PATH)",
                dir.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_directory(dir: &Path) -> Result<(), CommandError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(CommandError::invalid(format!(
            "{} is not a directory",
            dir.display()
        )))
    }
}

/// Where changes are logged in this session.
#[derive(Debug, Clone, Default)]
pub enum Audit {
    /// Not logged: in-process tests and tools that build a runtime themselves.
    /// The binary never runs so.
    #[default]
    Off,
    /// The open log.
    Log(Arc<AuditLog>),
    /// The log could not be opened: no change may be sent.
    Broken {
        path: Option<PathBuf>,
        reason: String,
    },
}

impl Audit {
    /// Opens the log at `path` (or says why there is none).
    #[must_use]
    pub fn open(path: Option<&Path>) -> Self {
        match path {
            None => Self::Broken {
                path: None,
                reason: "no state directory could be found for it (no home directory): pass --audit-log PATH".into(),
            },
            Some(p) => match AuditLog::open(p) {
                Ok(log) => Self::Log(Arc::new(log)),
                Err(e) => Self::Broken {
                    path: Some(p.to_path_buf()),
                    reason: e.message,
                },
            },
        }
    }

    /// The file, when there is one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Off => None,
            Self::Log(l) => Some(l.path()),
            Self::Broken { path, .. } => path.as_deref(),
        }
    }

    /// Why no change may be sent, when so: a sentence saying where netops tried.
    #[must_use]
    pub fn refusal(&self) -> Option<String> {
        match self {
            Self::Broken { path, reason } => Some(match path {
                Some(p) => format!(
                    "the audit log {} cannot be written ({reason}): no change is sent without its audit line; nothing was sent (choose another file with --audit-log PATH)",
                    p.display()
                ),
                None => format!(
                    "there is no audit log ({reason}): no change is sent without its audit line; nothing was sent"
                ),
            }),
            _ => None,
        }
    }
}

/// Every line in the file, oldest first, and how many could not be read. A missing
/// file is no lines.
///
/// # Errors
/// The file exists but cannot be read.
pub fn read_lines(path: &Path) -> io::Result<(Vec<Entry>, usize)> {
    let file = match File::open(path) {
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
    Ok((out, bad))
}

/// One change as the log tells it: its intent (or legacy line) with the newest
/// result, in the order the changes were first written.
#[must_use]
pub fn changes(lines: &[Entry]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for line in lines {
        if line.op_id.is_empty() {
            out.push(line.clone());
            continue;
        }
        match by_id.get(&line.op_id) {
            None => {
                by_id.insert(line.op_id.clone(), out.len());
                out.push(line.clone());
            }
            Some(&i) => {
                let change = &mut out[i];
                change.result.clone_from(&line.result);
                change.record = line.record;
                change.applied = line.applied;
                for id in &line.request_ids {
                    if !change.request_ids.contains(id) {
                        change.request_ids.push(id.clone());
                    }
                }
            }
        }
    }
    for change in &mut out {
        if change.record == Record::Intent {
            change.result = format!(
                "outcome unknown — check: netops stopped before AWS answered{}; the next run that reads {} settles it",
                change
                    .pid
                    .map_or_else(String::new, |p| format!(" (process {p})")),
                change.region
            );
        }
    }
    out
}

/// The changes in the file (the last `last` when given), and how many lines could
/// not be read.
///
/// # Errors
/// The file exists but cannot be read.
pub fn read(path: &Path, last: Option<usize>) -> io::Result<(Vec<Entry>, usize)> {
    let (lines, bad) = read_lines(path)?;
    let mut out = changes(&lines);
    if let Some(n) = last {
        let skip = out.len().saturating_sub(n);
        out.drain(..skip);
    }
    Ok((out, bad))
}

/// True when process `pid` is still running (its change may still be answered).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(raw) = i32::try_from(pid) else {
            return false;
        };
        match rustix::process::Pid::from_raw(raw) {
            Some(p) => {
                let gone = matches!(
                    rustix::process::test_kill_process(p),
                    Err(rustix::io::Errno::SRCH)
                );
                // A killed process whose parent has not reaped it yet is a zombie:
                // it answers a signal test, but it will send nothing more.
                let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|s| {
                        s.rsplit_once(')')
                            .map(|(_, rest)| rest.trim_start().starts_with('Z'))
                    })
                    .unwrap_or(false);
                !gone && !zombie
            }
            None => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The changes whose outcome the log does not know and whose sender is gone (killed
/// after its intent line, or left with an unknown outcome): a run that reads their
/// region settles them from what AWS shows.
#[must_use]
pub fn pending(lines: &[Entry], session: &str) -> Vec<Entry> {
    let me = std::process::id();
    changes(lines)
        .into_iter()
        .filter(|c| !c.op_id.is_empty() && c.applied.is_none() && c.session != session)
        .filter(|c| c.pid.is_none_or(|p| p == me || !alive(p)))
        .collect()
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

    fn entry(n: u32, record: Record, applied: Option<bool>) -> Entry {
        Entry {
            via: None,
            time: rfc3339(1_796_147_383),
            profile: "demo".into(),
            account: Some("111122223333".into()),
            region: "us-east-1".into(),
            command: format!("route add tgw-rtb-1 10.{n}.0.0/16 tgw-attach-1"),
            action: "CreateTransitGatewayRoute".into(),
            change: serde_json::json!({"op": "create_tgw_route"}),
            before: "(none)".into(),
            after: "static → tgw-attach-1".into(),
            result: match record {
                Record::Intent => "sending".into(),
                _ => "applied".into(),
            },
            request_ids: vec![],
            record,
            op_id: format!("op-{n}"),
            applied,
            pid: Some(u32::MAX - 7),
            session: "s1".into(),
        }
    }

    #[test]
    fn intent_answer_and_settled_lines_are_one_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).expect("open");
        log.append(&[entry(1, Record::Intent, None)])
            .expect("append");
        log.append(&[entry(1, Record::Answer, Some(true))])
            .expect("append");
        log.append(&[entry(2, Record::Intent, None)])
            .expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 3);
        let (all, bad) = read(&path, None).expect("read");
        assert_eq!((all.len(), bad), (2, 0));
        assert_eq!(all[0].applied, Some(true));
        assert_eq!(all[0].result, "applied");
        // An intent nobody answered: outcome unknown until a re-read settles it.
        assert!(
            all[1].result.starts_with("outcome unknown — check"),
            "{}",
            all[1].result
        );
        let (lines, _) = read_lines(&path).expect("lines");
        let pending = pending(&lines, "s2");
        assert!(
            super::pending(&lines, "s1").is_empty(),
            "its own session's are in flight"
        );
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].op_id, "op-2");
        let (last, _) = read(&path, Some(1)).expect("read");
        assert_eq!(last[0].op_id, "op-2");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_line_from_before_intent_lines_is_a_change_of_its_own() {
        let legacy = r#"{"time":"2026-12-01T17:49:43Z","profile":"demo","account":null,"region":"us-east-1","command":"route del t 10.0.0.0/16","action":"DeleteTransitGatewayRoute","change":{},"before":"","after":"","result":"verified: gone","request_ids":[]}"#;
        let e: Entry = serde_json::from_str(legacy).expect("legacy line");
        assert_eq!(e.record, Record::Legacy);
        assert_eq!(changes(&[e.clone(), e]).len(), 2);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_sender_not_yet_reaped_is_gone() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "exit 0"])
            .spawn()
            .expect("sh");
        let pid = child.id();
        // Not waited for: a zombie until reaped.
        let started = std::time::Instant::now();
        while alive(pid) && started.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!alive(pid), "a zombie sends nothing more");
        assert!(alive(std::process::id()));
        child.wait().expect("reaped");
    }

    #[test]
    fn a_missing_log_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (entries, bad) = read(&dir.path().join("audit.jsonl"), None).expect("read");
        assert!(entries.is_empty());
        assert_eq!(bad, 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_a_device_or_a_shared_directory_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").expect("target");
        let link = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let e = AuditLog::open(&link).expect_err("symlink").message;
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "");
        let e = AuditLog::open(Path::new("/dev/null"))
            .expect_err("device")
            .message;
        assert!(e.contains("/dev"), "{e}");
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).expect("dir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let e = AuditLog::open(&shared.join("audit.jsonl"))
            .expect_err("shared")
            .message;
        assert!(e.contains("other users"), "{e}");
        assert!(!shared.join("audit.jsonl").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_looser_mode_is_tightened_and_a_new_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        AuditLog::open(&path).expect("open");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let nested = dir.path().join("a/b/audit.jsonl");
        AuditLog::open(&nested).expect("open nested");
        let mode = std::fs::metadata(dir.path().join("a/b"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn a_broken_log_refuses_changes_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("afile");
        std::fs::write(&file, "").expect("file");
        let audit = Audit::open(Some(&file.join("audit.jsonl")));
        let why = audit.refusal().expect("refused");
        assert!(why.contains("afile"), "{why}");
        assert!(why.contains("nothing was sent"), "{why}");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_147_383), "2026-12-01T17:49:43Z");
    }
}
