//! Scenario files: the estate a simulator starts from.
//!
//! A scenario is written in the model's own shape (TOML or JSON): per region, the
//! objects as `show` would print them, with most fields optional. On load the
//! simulator completes what AWS would derive (see [`super::Simulator::from_scenario`]):
//! `region` fields, propagated routes, blackhole states, association details and the
//! accepter's view of each peering. The same file seeds moto in the conformance
//! suite, so both backends are checked against one topology.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::RegionEstate;

/// The built-in demo estate: the seeds' reference network.
pub const DEFAULT_SCENARIO: &str = include_str!("default.toml");

/// Faults and latency the simulator injects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay added to every call, in milliseconds.
    pub latency_ms: u64,
    /// Extra per-region delays: region name → milliseconds.
    pub region_latency_ms: std::collections::BTreeMap<String, u64>,
    /// Regions whose endpoint is unreachable.
    pub regions_down: Vec<String>,
    /// Regions that answer every call with throttling (retries exhausted).
    pub regions_throttled: Vec<String>,
    /// Regions whose calls time out.
    pub regions_timing_out: Vec<String>,
    /// EC2 change actions (`AcceptTransitGatewayPeeringAttachment`…) answered with
    /// throttling (retries exhausted) before anything changes, while reads work.
    pub throttled_actions: Vec<String>,
    /// EC2 change actions that take effect but whose answer is lost: the call
    /// times out after the change happened (a create's outcome is then unknown).
    pub timeout_after_apply: Vec<String>,
    /// Parts of a region that are denied (e.g. `network-firewall`, `ssm`), as an IAM
    /// policy without those permissions would.
    pub denied_parts: Vec<String>,
    /// Firewall policies (by name) that a colleague changes just before netops's
    /// next change to them lands: the simulator edits the policy (adds
    /// `aws:alert_established` to its stateful default actions) and issues a new
    /// update token, so the change meets `InvalidTokenException`. Once per policy.
    pub concurrent_policy_change: Vec<String>,
    /// Milliseconds each SSM call takes (`SendCommand`, `GetCommandInvocation`).
    pub ssm_latency_ms: u64,
    /// Milliseconds a probe command runs on the instance before its invocation
    /// reaches a terminal status.
    pub probe_run_ms: u64,
    /// Percent of calls (0–100) answered with throttling at random, before anything
    /// is done, as AWS does when others spend the account's tokens: the scheduler
    /// absorbs them by sending reads again.
    pub throttle_percent: u8,
    /// The seed of that draw: whether the n-th call of an API in a region is
    /// throttled is decided by a hash of the seed, the account, the region, the API
    /// and n, so a run repeats.
    pub throttle_seed: u64,
    /// Enforce AWS's default request-rate buckets, per account, region and API
    /// (EC2's documented figures; netops's choice where AWS documents none), answering
    /// throttling when one is empty.
    pub rate_limits: bool,
}

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name, shown in the status bar as `DEMO (name)`.
    pub name: String,
    pub description: String,
    pub account_id: String,
    pub faults: Faults,
    /// Regions in the order the scenario lists them; the first is the home region.
    pub regions: Vec<RegionEstate>,
    /// The organization's accounts (Organizations `ListAccounts`); empty: the one
    /// account `account_id`. Objects say whose they are with their `owner_id` (a
    /// subnet, route table, instance, interface or security group without one is its
    /// VPC owner's).
    pub accounts: Vec<ScenarioAccount>,
    /// RAM resource shares: TGWs and subnets an account shares with others.
    pub shares: Vec<ResourceShare>,
    /// Where the scenario was read from (a file path, `builtin:default.toml`), so that
    /// errors found when the simulator loads it name the file. Not part of the file.
    #[serde(skip)]
    pub origin: String,
}

/// One account of the simulated organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE` unless said (`SUSPENDED` accounts are not read).
    pub status: Option<String>,
    /// AssumeRole into this account fails with this AWS error code (e.g.
    /// `AccessDenied`): its role does not trust the caller.
    pub deny_assume_role: Option<String>,
}

/// A RAM resource share: `owner` shares `resources` (TGW or subnet ids) with
/// `principals` (account ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceShare {
    pub name: String,
    pub owner: String,
    pub resources: Vec<String>,
    pub principals: Vec<String>,
}

/// A scenario that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("scenario {path} is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error("scenario {path} is not valid JSON: {message}")]
    Json { path: String, message: String },
    /// Well-formed TOML or JSON with a wrong key, type or value: the message names the
    /// line (with a caret) and the key, with the nearest valid key as a hint.
    #[error("scenario {path}: {message}")]
    Field { path: String, message: String },
    #[error("scenario {path}: {message}")]
    Invalid { path: String, message: String },
}

/// The Amazon-side ASN AWS gives a TGW created without one.
pub const DEFAULT_ASN: u64 = 64_512;

/// How many problems an invalid scenario lists before summing up the rest.
const MAX_PROBLEMS: usize = 50;

/// How much of one line of the input an error message quotes.
const LINE_QUOTE_MAX: usize = 240;

/// Serde's words for a well-formed document with a wrong key, type or value (as
/// opposed to broken syntax).
fn is_data_error(message: &str) -> bool {
    [
        "unknown field",
        "unknown variant",
        "invalid type",
        "invalid value",
        "invalid length",
        "missing field",
        "duplicate field",
    ]
    .iter()
    .any(|w| message.contains(w))
}

/// Edit distance (Levenshtein) between two short keys.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// For serde's "unknown field `asm`, expected one of `id`, `asn`, …" (or an unknown
/// variant), the nearest valid name: `did you mean `asn`?`.
fn did_you_mean(message: &str) -> Option<String> {
    let (_, rest) = message
        .split_once("unknown field `")
        .or_else(|| message.split_once("unknown variant `"))?;
    let (wrong, rest) = rest.split_once('`')?;
    let (_, expected) = rest.split_once("expected")?;
    let nearest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|valid| (distance(wrong, valid), valid))
        .min()?;
    let (d, valid) = nearest;
    // Only a plausible typo: a few edits, or one name containing the other.
    (d <= 2.max(wrong.chars().count() / 3) || valid.contains(wrong) || wrong.contains(valid))
        .then(|| format!("did you mean `{valid}`?"))
}

/// A parser's message cut to a readable length: lines quoting the input (`12 | …`)
/// to [`LINE_QUOTE_MAX`], the parser's own lines (the list of valid keys) to more.
fn shorten_lines(message: &str) -> String {
    let quotes_input = |l: &str| {
        l.trim_start()
            .split_once(" |")
            .is_some_and(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()))
    };
    message
        .lines()
        .map(|l| {
            let max = if quotes_input(l) {
                LINE_QUOTE_MAX
            } else {
                4 * LINE_QUOTE_MAX
            };
            crate::text::truncate_for_message(l, max)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line `line` (1-based) of `text` with a caret under byte column `column`
/// (1-based), laid out as the TOML parser lays out its errors.
fn snippet(text: &str, line: usize, column: usize) -> String {
    let Some(source) = text.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let shown = crate::text::truncate_for_message(source, LINE_QUOTE_MAX);
    let mut at = column.saturating_sub(1).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    let mut out = format!(
        "\n{pad} |\n{number} | {}",
        crate::text::terminal_safe(&shown)
    );
    if at <= LINE_QUOTE_MAX {
        let width = source[..at].chars().count();
        out.push_str(&format!("\n{pad} | {}^", " ".repeat(width)));
    }
    out
}

impl Scenario {
    /// Parses a scenario from text; `origin` names it in errors and decides the format
    /// (`.json` is JSON, anything else TOML). Every level rejects unknown keys, and
    /// the scenario is checked for what AWS would refuse (see `validate`), every
    /// problem listed at once. A TGW without `asn` gets AWS's default, 64512.
    ///
    /// # Errors
    /// A [`ScenarioError`] naming the file, and for a parse error the line (with a
    /// caret) and the key at fault, with the nearest valid key as a hint.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let path = || crate::text::quote(origin);
        let mut scenario: Self = if origin.ends_with(".json") {
            serde_json::from_str(text).map_err(|e| {
                let (line, column) = (e.line(), e.column());
                let full = e.to_string();
                let plain = full
                    .strip_suffix(&format!(" at line {line} column {column}"))
                    .unwrap_or(&full);
                let mut message = format!(
                    "line {line}, column {column}: {}{}",
                    shorten_lines(plain),
                    snippet(text, line, column)
                );
                if let Some(hint) = did_you_mean(plain) {
                    message.push_str(&format!("\n{hint}"));
                }
                if e.is_data() {
                    ScenarioError::Field {
                        path: path(),
                        message,
                    }
                } else {
                    ScenarioError::Json {
                        path: path(),
                        message,
                    }
                }
            })?
        } else {
            toml::from_str(text).map_err(|e| {
                let mut message = shorten_lines(&e.to_string());
                if let Some(hint) = did_you_mean(e.message()) {
                    message.push_str(&format!("\n{hint}"));
                }
                if is_data_error(e.message()) {
                    ScenarioError::Field {
                        path: path(),
                        message,
                    }
                } else {
                    ScenarioError::Toml {
                        path: path(),
                        message,
                    }
                }
            })?
        };
        if scenario.regions.is_empty() {
            return Err(ScenarioError::Invalid {
                path: path(),
                message: "no [[regions]]: a scenario needs at least one region".into(),
            });
        }
        if let Some(r) = scenario.regions.iter().find(|r| r.region.is_empty()) {
            return Err(ScenarioError::Invalid {
                path: path(),
                message: format!(
                    "a [[regions]] entry has no `region` name (it lists {} TGWs)",
                    r.tgws.len()
                ),
            });
        }
        for tgw in scenario.regions.iter_mut().flat_map(|r| r.tgws.iter_mut()) {
            if tgw.asn == 0 {
                tgw.asn = DEFAULT_ASN;
            }
        }
        let problems = super::validate::check(&scenario.regions);
        if !problems.is_empty() {
            let mut message = if problems.len() == 1 {
                problems[0].clone()
            } else {
                format!("{} problems:", problems.len())
            };
            if problems.len() > 1 {
                for p in problems.iter().take(MAX_PROBLEMS) {
                    message.push_str(&format!("\n  - {p}"));
                }
                if problems.len() > MAX_PROBLEMS {
                    message.push_str(&format!("\n  … and {} more", problems.len() - MAX_PROBLEMS));
                }
            }
            return Err(ScenarioError::Invalid {
                path: path(),
                message,
            });
        }
        scenario.origin = origin.to_string();
        Ok(scenario)
    }

    /// Loads a scenario file.
    ///
    /// # Errors
    /// See [`Scenario::parse`]; also when the file cannot be read.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: origin.clone(),
            source,
        })?;
        Self::parse(&text, &origin)
    }

    /// The built-in demo scenario.
    ///
    /// # Errors
    /// Only if the embedded file is broken (a test guards against that).
    pub fn builtin() -> Result<Self, ScenarioError> {
        Self::parse(DEFAULT_SCENARIO, "builtin:default.toml")
    }

    /// The built-in demo scenario's text (to derive variants from, in tests).
    #[must_use]
    pub fn builtin_text() -> &'static str {
        DEFAULT_SCENARIO
    }
}
