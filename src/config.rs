//! The config file: per-profile settings an operator keeps across sessions
//! (`<config dir>/config.toml`, e.g. `~/.config/netops/config.toml`, or `--config`).
//!
//! ```toml
//! [profiles.prod]
//! read_only = true                 # never change anything through this profile
//!
//! [profiles.network]
//! # Peerings from other accounts are accepted with these profiles.
//! peer_profiles = { "222233334444" = "network-eu" }
//!
//! [accounts."111122223333"]
//! read_only = true                 # whichever profile's credentials lead there
//!
//! [throttle]                       # the call scheduler (README, "Throttling")
//! max_concurrency = 64
//! ```
//!
//! Invariants: unknown keys are errors naming the file (a typo must not silently
//! turn read-only off); a missing default file is no settings; a missing file given
//! with `--config` is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Settings by AWS profile name (`demo` for the simulator).
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// Settings by account id, decided on the account the credentials resolve to
    /// (whatever profile led there).
    pub accounts: BTreeMap<String, AccountConfig>,
    /// The call scheduler's limits (`[throttle]`, see
    /// [`crate::backend::throttle::ThrottleConfig`]).
    pub throttle: crate::backend::throttle::ThrottleConfig,
}

/// One account's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountConfig {
    /// Refuse every change in this account.
    pub read_only: bool,
}

/// One profile's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileConfig {
    /// Refuse every change through this profile, as `--read-only` does.
    pub read_only: bool,
    /// Account id → the AWS profile whose credentials change things there (accepting
    /// a peering requested from this profile's account).
    pub peer_profiles: BTreeMap<String, String>,
}

impl Config {
    /// True when some account has settings of its own.
    #[must_use]
    pub fn has_accounts(&self) -> bool {
        !self.accounts.is_empty()
    }

    /// True when the config makes `account` read-only.
    #[must_use]
    pub fn account_read_only(&self, account: &str) -> bool {
        self.accounts.get(account).is_some_and(|a| a.read_only)
    }

    /// The settings of `profile` (defaults when the file does not name it).
    #[must_use]
    pub fn profile(&self, profile: &str) -> ProfileConfig {
        self.profiles.get(profile).cloned().unwrap_or_default()
    }
}

/// `<config dir>/config.toml`.
#[must_use]
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "netops").map(|d| d.config_dir().join("config.toml"))
}

/// Reads the config: `path` when given (it must exist), else the default file when
/// it exists.
///
/// # Errors
/// A sentence naming the file and what is wrong in it.
pub fn load(path: Option<&Path>) -> Result<Config, crate::error::CommandError> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(Config::default()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(crate::error::CommandError::other(format!(
                "cannot read the config {}: {e}",
                path.display()
            )));
        }
    };
    let config: Config = toml::from_str(&text).map_err(|e| {
        crate::error::CommandError::invalid(format!("config {}: {e}", path.display()))
    })?;
    config.throttle.validate().map_err(|e| {
        crate::error::CommandError::invalid(format!("config {}: [throttle] {e}", path.display()))
    })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profiles_and_refuses_typos() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[profiles.prod]\nread_only = true\n[profiles.net]\npeer_profiles = { \"222233334444\" = \"net-eu\" }\n",
        )
        .expect("write");
        let c = load(Some(&path)).expect("loads");
        assert!(c.profile("prod").read_only);
        assert!(!c.profile("other").read_only);
        assert_eq!(
            c.profile("net")
                .peer_profiles
                .get("222233334444")
                .map(String::as_str),
            Some("net-eu")
        );
        std::fs::write(&path, "[profiles.prod]\nread_onyl = true\n").expect("write");
        let e = load(Some(&path)).expect_err("typo").message;
        assert!(e.contains("read_onyl") && e.contains("config.toml"), "{e}");
        std::fs::write(&path, "[throttle.ec2_read]\nrefill_per_sec = 0\n").expect("write");
        let e = load(Some(&path)).expect_err("no refill").message;
        assert!(
            e.contains("[throttle] ec2_read.refill_per_sec") && e.contains("config.toml"),
            "{e}"
        );
        std::fs::write(&path, "[throttle]\nmax_concurrency = 8\n").expect("write");
        let c = load(Some(&path)).expect("loads");
        assert_eq!(c.throttle.max_concurrency, Some(8));
        let e = load(Some(&dir.path().join("missing.toml")))
            .expect_err("missing")
            .message;
        assert!(e.contains("cannot read the config"), "{e}");
    }
}
