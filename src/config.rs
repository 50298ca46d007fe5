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
//!
//! # Or, instead of [accounts."ID"] tables (TOML takes one form per file): the
//! # accounts read with --org / --accounts (or these, when they say how to reach
//! # them and neither flag is given), each how it is reached:
//! [[accounts]]
//! id = "222233334444"
//! role_arn = "arn:aws:iam::222233334444:role/NetopsRead"   # or: profile = "bu-a"
//! external_id = "netops"           # optional, for AssumeRole
//! regions = ["us-east-1"]          # optional: only these regions there
//! read_only = true
//! ```
//!
//! `[accounts."ID"]` tables and `[[accounts]]` entries are the same settings; use
//! either form.
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
    #[serde(deserialize_with = "accounts_either")]
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
    /// The role to assume there (else `--role-name` in the account).
    pub role_arn: Option<String>,
    /// An AWS profile whose credentials reach the account (instead of a role).
    pub profile: Option<String>,
    /// `ExternalId` for AssumeRole.
    pub external_id: Option<String>,
    /// Only these regions are read there (else every region asked for).
    pub regions: Vec<String>,
}

/// An `[[accounts]]` entry: an [`AccountConfig`] with its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AccountEntry {
    id: String,
    read_only: bool,
    role_arn: Option<String>,
    profile: Option<String>,
    external_id: Option<String>,
    regions: Vec<String>,
}

/// `[accounts."ID"]` tables or `[[accounts]]` entries.
fn accounts_either<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, AccountConfig>, D::Error> {
    struct Either;
    impl<'de> serde::de::Visitor<'de> for Either {
        type Value = BTreeMap<String, AccountConfig>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("[accounts.\"ID\"] tables or [[accounts]] entries with an id")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let entries: Vec<AccountEntry> =
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
            let mut out = BTreeMap::new();
            for e in entries {
                if e.id.is_empty() {
                    return Err(serde::de::Error::custom("an [[accounts]] entry has no id"));
                }
                if e.role_arn.is_some() && e.profile.is_some() {
                    return Err(serde::de::Error::custom(format!(
                        "account {}: give role_arn or profile, not both",
                        e.id
                    )));
                }
                let id = e.id.clone();
                let config = AccountConfig {
                    read_only: e.read_only,
                    role_arn: e.role_arn,
                    profile: e.profile,
                    external_id: e.external_id,
                    regions: e.regions,
                };
                if out.insert(id.clone(), config).is_some() {
                    return Err(serde::de::Error::custom(format!(
                        "account {id} is listed twice"
                    )));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(Either)
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

    #[test]
    fn accounts_as_tables_or_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[[accounts]]\nid = \"222233334444\"\nrole_arn = \"arn:aws:iam::222233334444:role/NetopsRead\"\nexternal_id = \"x\"\nregions = [\"us-east-1\"]\nread_only = true\n\n[[accounts]]\nid = \"333344445555\"\nprofile = \"bu-a\"\n",
        )
        .expect("write");
        let c = load(Some(&path)).expect("loads");
        let a = &c.accounts["222233334444"];
        assert!(a.read_only && c.account_read_only("222233334444"));
        assert_eq!(
            a.role_arn.as_deref(),
            Some("arn:aws:iam::222233334444:role/NetopsRead")
        );
        assert_eq!(a.regions, ["us-east-1"]);
        assert_eq!(c.accounts["333344445555"].profile.as_deref(), Some("bu-a"));

        std::fs::write(&path, "[accounts.\"111122223333\"]\nread_only = true\n").expect("write");
        assert!(
            load(Some(&path))
                .expect("loads")
                .account_read_only("111122223333")
        );

        for bad in [
            "[[accounts]]\nrole_arn = \"x\"\n",
            "[[accounts]]\nid = \"1\"\nrole_arn = \"x\"\nprofile = \"y\"\n",
            "[[accounts]]\nid = \"1\"\nregoins = []\n",
        ] {
            std::fs::write(&path, bad).expect("write");
            let e = load(Some(&path)).expect_err(bad).message;
            assert!(e.contains("config.toml"), "{e}");
        }
    }
}
