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
    /// Parts of a region that are denied (e.g. `network-firewall`, `ssm`), as an IAM
    /// policy without those permissions would.
    pub denied_parts: Vec<String>,
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
    /// Where the scenario was read from (a file path, `builtin:default.toml`), so that
    /// errors found when the simulator loads it name the file. Not part of the file.
    #[serde(skip)]
    pub origin: String,
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
    #[error("scenario {path} is not valid JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("scenario {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Scenario {
    /// Parses a scenario from text; `origin` names it in errors and decides the format
    /// (`.json` is JSON, anything else TOML).
    ///
    /// # Errors
    /// A [`ScenarioError`] naming the file, and for TOML the line and key at fault.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let mut scenario: Self = if origin.ends_with(".json") {
            serde_json::from_str(text).map_err(|source| ScenarioError::Json {
                path: origin.to_string(),
                source,
            })?
        } else {
            toml::from_str(text).map_err(|e| ScenarioError::Toml {
                path: origin.to_string(),
                message: e.to_string(),
            })?
        };
        if scenario.regions.is_empty() {
            return Err(ScenarioError::Invalid {
                path: origin.to_string(),
                message: "no [[regions]]: a scenario needs at least one region".into(),
            });
        }
        if let Some(r) = scenario.regions.iter().find(|r| r.region.is_empty()) {
            return Err(ScenarioError::Invalid {
                path: origin.to_string(),
                message: format!(
                    "a [[regions]] entry has no `region` name (it lists {} TGWs)",
                    r.tgws.len()
                ),
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
}
