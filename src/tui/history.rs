//! The `:` prompt's history on disk: one file per profile in the state directory
//! (`~/.local/state/netops/history/PROFILE` on Linux), one line per command, the
//! newest last, capped at [`CAP`] lines. Read once when the console starts; each
//! submitted line is appended by the front end ([`super::state::FrontJob`]), never by
//! `update`.
//!
//! The lines can name the user's resources: the file is the user's alone (0600 in a
//! 0700 directory on Unix). A history that cannot be read or written costs the
//! history, never the session (logged).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Lines kept per profile.
pub const CAP: usize = 500;

/// The history file of `profile`, or `None` without a state directory.
#[must_use]
pub fn path(profile: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "netops")?;
    let name: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if name.is_empty() || name.starts_with('.') {
        format!("profile-{name}")
    } else {
        name
    };
    Some(dirs.state_dir()?.join("history").join(name))
}

/// The last [`CAP`] lines of the history at `path` (empty when there is none yet).
#[must_use]
pub fn load(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<String> = text
                .lines()
                // A line is recalled into the prompt as if typed: no control
                // characters (an edited file cannot put escapes on the screen).
                .map(|l| l.chars().filter(|c| !c.is_control()).collect::<String>())
                .filter(|l| !l.trim().is_empty())
                .collect();
            let skip = lines.len().saturating_sub(CAP);
            lines.into_iter().skip(skip).collect()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "prompt history not read");
            Vec::new()
        }
    }
}

/// Appends `line` to the history at `path`; past twice [`CAP`] lines the file is
/// rewritten with the last [`CAP`].
///
/// # Errors
/// The I/O error when the directory or the file cannot be written.
pub fn append(path: &Path, line: &str) -> std::io::Result<()> {
    let line: String = line.chars().filter(|c| !c.is_control()).collect();
    if line.trim().is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{line}")?;
    drop(file);
    let kept = std::fs::read_to_string(path)?;
    let count = kept.lines().count();
    if count > 2 * CAP {
        let tail: Vec<&str> = kept.lines().skip(count - CAP).collect();
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.create(true).write(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&tmp)?;
        writeln!(out, "{}", tail.join("\n"))?;
        drop(out);
        std::fs::rename(&tmp, path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_a_restart_capped_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("history").join("prod");
        assert!(load(&file).is_empty(), "no history yet");
        append(&file, "route add tgw-rtb-1 10.0.0.0/16 tgw-attach-1").expect("append");
        append(&file, "   ").expect("blank lines are not kept");
        append(&file, "peerings\u{1b}[2J").expect("control characters dropped");
        assert_eq!(
            load(&file),
            [
                "route add tgw-rtb-1 10.0.0.0/16 tgw-attach-1",
                "peerings[2J"
            ]
        );
        // A file edited by hand is read the same way.
        let edited = dir.path().join("edited");
        std::fs::write(&edited, "tgws\u{1b}]52;c;x\u{7}\n").expect("write");
        assert_eq!(load(&edited), ["tgws]52;c;x"]);
        for i in 0..(2 * CAP + 1) {
            append(&file, &format!("line {i}")).expect("append");
        }
        let kept = load(&file);
        assert_eq!(kept.len(), CAP);
        assert_eq!(kept.last().map(String::as_str), Some("line 1000"));
        let on_disk = std::fs::read_to_string(&file)
            .expect("read")
            .lines()
            .count();
        assert!(
            on_disk <= 2 * CAP,
            "the file is rewritten past twice the cap"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_profile_name_cannot_leave_the_history_directory() {
        let p = path("../../etc/passwd").expect("a state dir in tests");
        assert_eq!(
            p.file_name().and_then(|n| n.to_str()),
            Some("profile-.._.._etc_passwd")
        );
        assert_eq!(
            p.parent()
                .and_then(|d| d.file_name())
                .and_then(|n| n.to_str()),
            Some("history")
        );
    }
}
