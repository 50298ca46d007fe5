//! Command-line options and building the backend they describe.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::backend::Backend;
use crate::backend::aws::{AwsBackend, AwsOptions};
use crate::backend::sim::{Faults, Scenario, Simulator, generate};
use crate::discovery::DiscoveryPlan;

/// How batch results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Aligned human tables.
    #[default]
    Text,
    /// One JSON document per command (JSON Lines).
    Json,
}

/// netops: a terminal operations console for AWS Transit Gateway networks.
///
/// Without --batch it opens the interactive console. With --demo it runs on a built-in
/// simulated estate (no AWS account needed); otherwise it reads AWS through the
/// standard credential chain.
#[derive(Debug, Clone, Parser)]
#[command(name = "netops", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Use the built-in simulated estate instead of AWS.
    #[arg(long)]
    pub demo: bool,

    /// Simulate this scenario file (TOML or JSON) instead of the built-in one (implies --demo).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Simulate a generated estate with N spoke VPCs (implies --demo); see --scenario-routes.
    #[arg(long, value_name = "N")]
    pub scenario_scale: Option<usize>,

    /// With --scenario-scale: extra static routes in the hub's post-inspection table.
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub scenario_routes: usize,

    /// Simulator: add this latency to every call, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub sim_latency_ms: Option<u64>,

    /// Simulator: make this region's endpoint unreachable (repeatable).
    #[arg(long, value_name = "REGION")]
    pub sim_region_down: Vec<String>,

    /// Run commands from FILE (or - for standard input) without a screen, one per line.
    #[arg(long, value_name = "FILE|-")]
    pub batch: Option<String>,

    /// Batch output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Batch: go on after a failed command instead of stopping.
    #[arg(long)]
    pub keep_going: bool,

    /// AWS profile (from ~/.aws/config); defaults to AWS_PROFILE or `default`.
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Home region; defaults to the profile's. Regions holding a peer of a TGW found
    /// there are read too.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Read exactly these regions (comma-separated), without following peerings.
    #[arg(long, value_name = "R1,R2", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// A custom endpoint (e.g. a local emulator); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Regions read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,

    /// Attempts per AWS call (1 disables retries); throttling is retried with backoff.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_attempts: u32,

    /// Give up on a single AWS call after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub call_timeout: u64,

    /// Refuse every change (the console hides change actions).
    #[arg(long)]
    pub read_only: bool,

    /// Keymap file layered over the defaults (default: the config dir's keymap.toml).
    #[arg(long, value_name = "FILE")]
    pub keymap: Option<PathBuf>,

    /// Log file (default: ~/.local/state/netops/netops.log). RUST_LOG sets the level.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a command failed (stderr names the line and the resource)
  2  usage or parse error (nothing was run)
  4  partial data: some region could not be read (the rest is printed)";

impl Cli {
    /// True when the simulator is the backend.
    #[must_use]
    pub fn simulated(&self) -> bool {
        self.demo || self.scenario.is_some() || self.scenario_scale.is_some()
    }
}

/// A backend ready to use, the regions to read, and how to name it.
pub struct Setup {
    pub backend: Arc<dyn Backend>,
    pub plan: DiscoveryPlan,
    /// `DEMO (reference)` or `AWS profile default`.
    pub label: String,
}

/// Builds the backend and discovery plan the options describe.
///
/// # Errors
/// A message for the user (bad scenario, no region, unreadable AWS config).
pub async fn setup(cli: &Cli) -> Result<Setup, String> {
    let (backend, label): (Arc<dyn Backend>, String) = if cli.simulated() {
        let scenario = if let Some(path) = &cli.scenario {
            Scenario::load(path).map_err(|e| e.to_string())?
        } else if let Some(spokes) = cli.scenario_scale {
            generate(spokes, cli.scenario_routes).map_err(|e| e.to_string())?
        } else {
            Scenario::builtin().map_err(|e| e.to_string())?
        };
        let faults = faults_from(cli, &scenario.faults);
        let name = scenario.name.clone();
        let sim = Simulator::from_scenario(scenario).map_err(|e| e.to_string())?;
        sim.set_faults(faults);
        (Arc::new(sim), format!("DEMO ({name})"))
    } else {
        let aws = AwsBackend::connect(AwsOptions {
            profile: cli.profile.clone(),
            home_region: cli.region.clone().or_else(|| cli.regions.first().cloned()),
            endpoint_url: cli.endpoint_url.clone(),
            max_attempts: cli.max_attempts,
            operation_timeout: Some(Duration::from_secs(cli.call_timeout.max(1))),
            read_only: cli.read_only,
        })
        .await
        .map_err(|e| e.message)?;
        let label = format!(
            "AWS profile {}",
            cli.profile.clone().unwrap_or_else(|| "default".into())
        );
        (Arc::new(aws), label)
    };
    let plan = if cli.regions.is_empty() {
        let regions = match &cli.region {
            Some(r) => vec![r.clone()],
            None => backend.info().default_regions,
        };
        if regions.is_empty() {
            return Err(
                "no region: pass --region or --regions, or set a region in the AWS profile".into(),
            );
        }
        DiscoveryPlan {
            regions,
            follow_peers: true,
            concurrency: cli.concurrency,
        }
    } else {
        DiscoveryPlan {
            regions: cli.regions.clone(),
            follow_peers: false,
            concurrency: cli.concurrency,
        }
    };
    Ok(Setup {
        backend,
        plan,
        label,
    })
}

/// The scenario's faults with the `--sim-*` flags applied.
#[must_use]
pub fn faults_from(cli: &Cli, base: &Faults) -> Faults {
    let mut f = base.clone();
    if let Some(ms) = cli.sim_latency_ms {
        f.latency_ms = ms;
    }
    f.regions_down.extend(cli.sim_region_down.iter().cloned());
    f
}
