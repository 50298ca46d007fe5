//! The last known estate, kept for the next start: after each full read the console
//! saves what it read as a snapshot ([`crate::snapshot`]) in the state directory
//! (`~/.local/state/netops/cache/PROFILE/REGIONS/<unix seconds>/` on Linux), and the
//! next console with the same profile and regions shows the newest at once, marked
//! as such, while the live read runs. `--no-cache` turns it off.
//!
//! A cached estate never drives a change: change keys wait for the live read.
//! The cache names the user's resources: it is the user's alone (0700 directories).
//! The last [`KEEP`] captures are kept, and older ones go first past [`MAX_BYTES`].
//! A cache that cannot be read or written costs the cache, never the session
//! (logged).

use std::path::{Path, PathBuf};

/// Captures kept per profile and regions.
pub const KEEP: usize = 3;
/// Past this many bytes in all, the oldest captures are removed (the newest stays).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

fn safe(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        format!("x{name}")
    } else {
        name
    }
}

/// The cache folder of `profile` reading `regions`, or `None` without a state
/// directory.
#[must_use]
pub fn dir(profile: &str, regions: &[String]) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "netops")?;
    let mut regions = regions.to_vec();
    regions.sort();
    Some(
        dirs.state_dir()?
            .join("cache")
            .join(safe(profile))
            .join(safe(&regions.join("+"))),
    )
}

/// The captures in `dir`, newest last: (folder, Unix seconds).
fn captures(dir: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, u64)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let secs = e.file_name().to_str()?.parse::<u64>().ok()?;
            e.path()
                .join(crate::snapshot::MANIFEST)
                .is_file()
                .then(|| (e.path(), secs))
        })
        .collect();
    out.sort_by_key(|(_, s)| *s);
    out
}

/// The newest complete capture in `dir`.
#[must_use]
pub fn latest(dir: &Path) -> Option<(PathBuf, u64)> {
    captures(dir).pop()
}

fn size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                total += e.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}

fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Saves `estate` as the newest capture (taken at `now`), then prunes.
///
/// # Errors
/// A message when the capture cannot be written.
pub fn save(
    dir: &Path,
    estate: &crate::model::Estate,
    profile: &str,
    now: u64,
) -> Result<PathBuf, String> {
    private_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let target = dir.join(now.to_string());
    // Written aside, then renamed: a capture is never seen half-written.
    let partial = dir.join(format!(".partial-{now}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    private_dir(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    crate::snapshot::save(
        estate,
        &partial,
        &crate::snapshot::SaveInfo {
            taken_at: crate::journal::rfc3339(now),
            profile: profile.to_string(),
        },
    )
    .map_err(|e| e.message)?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&partial, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    prune(dir);
    Ok(target)
}

/// Keeps the newest [`KEEP`] captures, and drops the oldest past [`MAX_BYTES`].
fn prune(dir: &Path) {
    let mut all = captures(dir);
    while all.len() > KEEP {
        let (old, _) = all.remove(0);
        let _ = std::fs::remove_dir_all(old);
    }
    let mut sizes: Vec<u64> = all.iter().map(|(p, _)| size(p)).collect();
    while all.len() > 1 && sizes.iter().sum::<u64>() > MAX_BYTES {
        let (old, _) = all.remove(0);
        sizes.remove(0);
        let _ = std::fs::remove_dir_all(old);
    }
}

/// "14 min ago", "2 h ago", "3 days ago".
#[must_use]
pub fn age(taken: u64, now: u64) -> String {
    let secs = now.saturating_sub(taken);
    match secs {
        0..60 => "just now".to_string(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn captures_are_kept_newest_last_and_pruned() {
        let demo = crate::net::trace::tests::demo().await;
        let home = tempfile::tempdir().expect("tempdir");
        let dir = home.path().join("cache");
        assert!(latest(&dir).is_none());
        for t in [100, 200, 300, 400] {
            save(&dir, &demo, "demo", t).expect("saves");
        }
        let kept: Vec<u64> = captures(&dir).into_iter().map(|(_, s)| s).collect();
        assert_eq!(kept, [200, 300, 400]);
        assert_eq!(latest(&dir).map(|(_, s)| s), Some(400));
        // A half-written capture (no manifest) is never taken.
        std::fs::create_dir_all(dir.join("500")).expect("mkdir");
        assert_eq!(latest(&dir).map(|(_, s)| s), Some(400));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert_eq!(age(0, 14 * 60 + 5), "14 min ago");
        assert_eq!(age(0, 3 * 3600), "3 h ago");
    }
}
