//! Command-line options and building the backend they describe.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgGroup, Parser, ValueEnum};

use crate::backend::aws::{AwsBackend, AwsOptions};
use crate::backend::sim::{Faults, Scenario, Simulator, generate};
use crate::backend::{Backend, Changer};
use crate::discovery::DiscoveryPlan;
use crate::exit;
use crate::model::Estate;
use crate::text::quote;

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
#[command(
    override_usage = "netops [OPTIONS]                      the console on AWS\n       netops --demo [OPTIONS]               the console on the simulated estate\n       netops --snapshot DIR [OPTIONS]       the console on a saved or AWS CLI capture (read-only)\n       netops [--demo] --batch FILE|- [OPTIONS]  commands without a screen"
)]
#[command(group = ArgGroup::new("simulated").multiple(true).args(["demo", "scenario", "scenario_scale", "scenario_accounts"]))]
pub struct Cli {
    /// Use the built-in simulated estate instead of AWS.
    #[arg(long)]
    pub demo: bool,

    /// Simulate this scenario file (TOML or JSON) instead of the built-in one (implies --demo).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Open a snapshot: a folder of AWS CLI JSON (`aws ec2 describe-… --output json`,
    /// one file per call, named by its top-level key) or one `snapshot save` wrote.
    /// Read-only: every change is refused. See the README for the layout.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["demo", "scenario", "scenario_scale", "scenario_accounts", "endpoint_url"])]
    pub snapshot: Option<PathBuf>,

    /// With --snapshot: the account of a flat capture whose files do not name it.
    #[arg(
        long,
        value_name = "ID",
        requires = "snapshot",
        conflicts_with = "simulated"
    )]
    pub account: Option<String>,

    /// Read every ACTIVE account of the AWS Organization (Organizations ListAccounts,
    /// from the management or a delegated-administrator account) as one estate, each
    /// through --role-name (the caller's own with the base credentials). With --demo:
    /// the simulated organization.
    #[arg(long, conflicts_with_all = ["snapshot", "accounts"])]
    pub org: bool,

    /// Read exactly these accounts (comma-separated ids) as one estate, each through
    /// --role-name or its config entry.
    #[arg(
        long,
        value_name = "ID,…",
        value_delimiter = ',',
        conflicts_with = "snapshot"
    )]
    pub accounts: Vec<String>,

    /// The role assumed in each account read with --org or --accounts (a config
    /// `[[accounts]]` entry's role_arn or profile wins).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub role_name: String,

    /// Simulate a generated estate with N spoke VPCs (implies --demo); see --scenario-routes.
    #[arg(long, value_name = "N")]
    pub scenario_scale: Option<usize>,

    /// With --scenario-scale: extra static routes in the hub's post-inspection table.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 0,
        requires = "scenario_scale"
    )]
    pub scenario_routes: usize,

    /// Simulate a generated organization (implies --demo, read as --org reads it): a
    /// network account whose hub TGW in each of two regions is shared with N workload
    /// accounts, each owning --scenario-spokes-per-account spokes per region attached
    /// to it.
    #[arg(long, value_name = "N", conflicts_with_all = ["scenario", "scenario_scale"])]
    pub scenario_accounts: Option<usize>,

    /// With --scenario-accounts: spoke VPCs per workload account and region.
    #[arg(
        long,
        value_name = "M",
        default_value_t = 10,
        requires = "scenario_accounts"
    )]
    pub scenario_spokes_per_account: usize,

    /// Simulator (--demo, --scenario, --scenario-scale, --scenario-accounts): add this latency to every
    /// call, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub sim_latency_ms: Option<u64>,

    /// Simulator (--demo, --scenario, --scenario-scale, --scenario-accounts): make this region's endpoint
    /// unreachable (repeatable).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub sim_region_down: Vec<String>,

    /// Run commands from FILE (or - for standard input) without a screen, one per line.
    #[arg(long, value_name = "FILE|-")]
    pub batch: Option<String>,

    /// Batch output format (with --batch).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, requires = "batch")]
    pub output: OutputFormat,

    /// Batch: go on after a failed command instead of stopping.
    #[arg(long, requires = "batch")]
    pub keep_going: bool,

    /// AWS profile (from ~/.aws/config); defaults to AWS_PROFILE or `default`.
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Home region; defaults to the profile's. Regions holding a peer of a TGW found
    /// there are read too.
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,

    /// Read exactly these regions (comma-separated), without following peerings.
    #[arg(long, value_name = "R1,R2", value_delimiter = ',', value_parser = parse_region)]
    pub regions: Vec<String>,

    /// A custom endpoint (e.g. a local emulator); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL", conflicts_with = "simulated")]
    pub endpoint_url: Option<String>,

    /// Regions read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,

    /// Attempts per AWS read that fails transiently (5xx, broken connection,
    /// timeout; 1 disables those retries). Throttled reads are retried with backoff
    /// by the scheduler (`read_retries` in the config's [throttle]). A change is sent
    /// once (again only when throttled).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        conflicts_with = "simulated"
    )]
    pub max_attempts: u32,

    /// Give up on a single AWS call (or simulator call) after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub call_timeout: u64,

    /// Console: do not show the last known estate at start, nor keep one for the next
    /// (it is kept in the state directory, per profile and regions).
    #[arg(long)]
    pub no_cache: bool,

    /// Refuse every change (the console hides change actions).
    #[arg(long)]
    pub read_only: bool,

    /// Batch: apply change commands (without it they are previewed and nothing changes).
    #[arg(long, requires = "batch")]
    pub yes: bool,

    /// Send change commands as EC2 dry runs: AWS says whether they would be allowed.
    #[arg(long)]
    pub dry_run: bool,

    /// Batch: apply a change whose impact cuts a spoke's egress or breaks isolation.
    #[arg(long, requires = "batch")]
    pub accept_impact: bool,

    /// The AWS profile for the other side of a peering in another account (accept,
    /// reject and routes there).
    #[arg(long, value_name = "NAME", conflicts_with = "simulated")]
    pub peer_profile: Option<String>,

    /// Config file (default: the config dir's config.toml): per-profile `read_only`
    /// and `peer_profiles`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Keymap file layered over the defaults (default: the config dir's keymap.toml).
    /// The console only: batch has no keys.
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub keymap: Option<PathBuf>,

    /// Log file (default: ~/.local/state/netops/netops.log). RUST_LOG sets the level.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// The audit log: a line before and after every change sent (default:
    /// ~/.local/state/netops/audit.jsonl, audit-simulated.jsonl for the simulator).
    /// A change is never sent when it cannot be written.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a command failed (stderr names the line and the resource), or no region could be read
  2  usage or parse error (nothing was run)
  3  audit found something at or above --fail-on (default error), diff a new
     finding at or above its --fail-on, or a probe found a leak, a block or an
     unreachable address
  4  partial data: some region could not be read (the rest is printed)
  128+n  stopped by signal n (SIGINT 130, SIGTERM 143): a change in flight was
     finished and logged, nothing more was sent";

impl Cli {
    /// True when the simulator is the backend.
    #[must_use]
    pub fn simulated(&self) -> bool {
        self.demo
            || self.scenario.is_some()
            || self.scenario_scale.is_some()
            || self.scenario_accounts.is_some()
    }
}

/// A backend ready to use, the regions to read, and how to name it.
pub struct Setup {
    pub backend: Arc<dyn Backend>,
    /// The capability to change the network; `None` with `--read-only`, so a
    /// read-only session holds no object that could change anything (and the AWS
    /// clients refuse mutating operations at the SDK layer besides).
    pub changer: Option<Arc<dyn Changer>>,
    /// The capability to run probes on instances (SSM Run Command); `None` with
    /// `--read-only`.
    pub prober: Option<Arc<dyn crate::backend::Prober>>,
    pub plan: DiscoveryPlan,
    /// `DEMO (reference)` or `AWS profile default`.
    pub label: String,
    /// The profile name the audit log records (`demo` for the simulator).
    pub profile: String,
}

/// A backend, its changer and prober (none when read-only), and its label.
type Capabilities = (
    Arc<dyn Backend>,
    Option<Arc<dyn Changer>>,
    Option<Arc<dyn crate::backend::Prober>>,
    String,
);

/// Builds the backend and discovery plan the options describe.
///
/// # Errors
/// A message for the user (bad scenario, no region, unreadable AWS config).
pub async fn setup(cli: &Cli) -> Result<Setup, String> {
    if !cli.simulated() {
        let sim_only = [
            ("--sim-latency-ms", cli.sim_latency_ms.is_some()),
            ("--sim-region-down", !cli.sim_region_down.is_empty()),
        ];
        if let Some((name, _)) = sim_only.iter().find(|(_, given)| *given) {
            return Err(format!(
                "{name} needs a simulated estate (--demo, --scenario FILE, --scenario-scale N or --scenario-accounts N); it has no effect on AWS"
            ));
        }
    }
    let config = crate::config::load(cli.config.as_deref()).map_err(|e| e.message)?;
    crate::backend::throttle::Scheduler::configure_process(&config.throttle)?;
    let profile = if cli.simulated() {
        "demo".to_string()
    } else {
        cli.profile.clone().unwrap_or_else(|| "default".into())
    };
    let settings = config.profile(&profile);
    let mut read_only = cli.read_only || settings.read_only;
    let (backend, changer, prober, label): Capabilities = if let Some(dir) = &cli.snapshot {
        let snapshot = crate::snapshot::open(
            dir,
            &crate::snapshot::Hints {
                region: cli.region.clone(),
                account: cli.account.clone(),
            },
        )
        .map_err(|e| e.message)?;
        crate::error::set_read_only_because(crate::error::ReadOnlyBecause::Snapshot);
        let backend = crate::backend::snapshot::SnapshotBackend::new(snapshot);
        let label = backend.info().label;
        (Arc::new(backend), None, None, label)
    } else if cli.simulated() {
        // A generated organization is read as --org reads one.
        let many = cli.org || !cli.accounts.is_empty() || cli.scenario_accounts.is_some();
        let scenario = if let Some(path) = &cli.scenario {
            Scenario::load(path).map_err(|e| e.to_string())?
        } else if let Some(spokes) = cli.scenario_scale {
            generate(spokes, cli.scenario_routes)
                .map_err(|e| format!("--scenario-scale {spokes}: {e}"))?
        } else if let Some(accounts) = cli.scenario_accounts {
            let spokes = cli.scenario_spokes_per_account;
            crate::backend::sim::generate_organization(accounts, 2, spokes).map_err(|e| {
                format!(
                    "--scenario-accounts {accounts} --scenario-spokes-per-account {spokes}: {e}"
                )
            })?
        } else if many {
            Scenario::organization().map_err(|e| e.to_string())?
        } else {
            Scenario::builtin().map_err(|e| e.to_string())?
        };
        read_only |= config.account_read_only(&scenario.account_id);
        let faults = faults_from(cli, &scenario.faults);
        let name = scenario.name.clone();
        let sim = Simulator::from_scenario(scenario).map_err(|e| e.to_string())?;
        sim.set_faults(faults);
        sim.set_call_timeout(Some(Duration::from_secs(cli.call_timeout)));
        // The demo's state machines (a peering being accepted) take real seconds.
        sim.set_clock(crate::backend::sim::SimClock::real());
        sim.set_read_only(read_only);
        let sim = Arc::new(sim);
        if many {
            let org = sim.accounts_backend(&cli.accounts, &cli.role_name, |id| {
                read_only || config.account_read_only(id)
            });
            let changer = org.changer();
            let prober = org.prober();
            let n = org.members().len();
            (
                Arc::new(org),
                changer,
                prober,
                format!("DEMO ({name}, {n} accounts)"),
            )
        } else {
            let changer = sim.changer();
            let prober = sim.prober();
            (sim, changer, prober, format!("DEMO ({name})"))
        }
    } else {
        if let Some(profile) = &cli.profile {
            check_profile(profile)?;
        }
        let mut aws = AwsBackend::connect(AwsOptions {
            profile: cli.profile.clone(),
            home_region: cli.region.clone().or_else(|| cli.regions.first().cloned()),
            endpoint_url: cli.endpoint_url.clone(),
            max_attempts: cli.max_attempts,
            operation_timeout: Some(Duration::from_secs(cli.call_timeout)),
            read_only,
        })
        .await
        .map_err(|e| e.message)?;
        // Read-only by account: decided on the account the credentials resolve to,
        // whatever profile name led there.
        if !read_only && config.has_accounts() {
            match aws.account().await {
                Ok(Some(account)) if config.account_read_only(&account.id) => {
                    aws = aws.with_read_only(true);
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(format!(
                        "the config sets read_only per account, and the account cannot be told: {}",
                        e.message
                    ));
                }
            }
        }
        let aws = Arc::new(aws);
        let label = format!(
            "AWS profile {}",
            cli.profile.clone().unwrap_or_else(|| "default".into())
        );
        let configured = config
            .accounts
            .values()
            .any(|a| a.role_arn.is_some() || a.profile.is_some());
        if cli.org || !cli.accounts.is_empty() || configured {
            let options = AwsOptions {
                profile: cli.profile.clone(),
                home_region: cli.region.clone().or_else(|| cli.regions.first().cloned()),
                endpoint_url: cli.endpoint_url.clone(),
                max_attempts: cli.max_attempts,
                operation_timeout: Some(Duration::from_secs(cli.call_timeout)),
                read_only,
            };
            let plan = crate::backend::aws::org::AccountsPlan {
                org: cli.org,
                ids: cli.accounts.clone(),
                role_name: cli.role_name.clone(),
                read_only,
            };
            let org = crate::backend::aws::org::accounts_backend(
                Arc::clone(&aws),
                &options,
                &plan,
                &config,
            )
            .await
            .map_err(|e| e.message)?;
            let changer = org.changer();
            let n = org.members().len();
            let prober = org.prober();
            (
                Arc::new(org) as Arc<dyn Backend>,
                changer,
                prober,
                format!("{label}, {n} accounts"),
            )
        } else {
            let changer = match aws.changer() {
                Some(local) if cli.peer_profile.is_some() || !settings.peer_profiles.is_empty() => {
                    Some(peer_changers(cli, local, &settings).await?)
                }
                other => other,
            };
            let prober = aws.prober();
            (aws, changer, prober, label)
        }
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
        changer,
        prober,
        plan,
        label,
        profile,
    })
}

/// This account's changer with those of the peer accounts (`--peer-profile`, the
/// config's `peer_profiles`), each from its own profile's credentials.
async fn peer_changers(
    cli: &Cli,
    local: Arc<dyn Changer>,
    settings: &crate::config::ProfileConfig,
) -> Result<Arc<dyn Changer>, String> {
    let connect = |profile: String| async move {
        check_profile(&profile)?;
        let aws = Arc::new(
            AwsBackend::connect(AwsOptions {
                profile: Some(profile.clone()),
                home_region: cli.region.clone().or_else(|| cli.regions.first().cloned()),
                endpoint_url: cli.endpoint_url.clone(),
                max_attempts: cli.max_attempts,
                operation_timeout: Some(Duration::from_secs(cli.call_timeout)),
                read_only: false,
            })
            .await
            .map_err(|e| format!("peer profile {profile}: {}", e.message))?,
        );
        aws.changer()
            .ok_or_else(|| format!("peer profile {profile} cannot change anything"))
    };
    let mut by_account = std::collections::BTreeMap::new();
    for (account, profile) in &settings.peer_profiles {
        by_account.insert(account.clone(), connect(profile.clone()).await?);
    }
    let peer = match &cli.peer_profile {
        Some(p) => Some(connect(p.clone()).await?),
        None => None,
    };
    Ok(Arc::new(crate::backend::AccountChangers {
        local,
        by_account,
        peer,
    }))
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

/// Parses an AWS region name (`us-east-1`, `us-gov-west-1`, `eu-central-2`,
/// `us-isob-east-1`): `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`.
///
/// # Errors
/// A message naming the value (empty, as in `--regions us-east-1,,eu-west-1`, or not
/// shaped like a region).
pub fn parse_region(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("empty region name (check for a stray comma)".into());
    }
    let parts: Vec<&str> = s.split('-').collect();
    let lower = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let ok = match parts.as_slice() {
        [geo, area, n] => geo.len() == 2 && lower(geo) && lower(area) && digits(n),
        [geo, partition, area, n] => {
            geo.len() == 2
                && lower(geo)
                && (*partition == "gov" || (partition.starts_with("iso") && lower(partition)))
                && lower(area)
                && digits(n)
        }
        _ => false,
    };
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{}` is not an AWS region name (like us-east-1 or eu-west-1)",
            quote(s)
        ))
    }
}

/// The AWS config and credentials files, honouring `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/config`, `~/.aws/credentials`);
/// `true` marks the credentials file.
#[must_use]
pub fn aws_config_files() -> Vec<(PathBuf, bool)> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()));
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
            .map(|p| (p, name == "credentials"))
    };
    [
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Profile names an AWS config (`[default]`, `[profile NAME]`) or credentials file
/// (`[NAME]`) defines.
#[must_use]
pub fn profiles_in(text: &str, credentials_file: bool) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
        .filter_map(|section| {
            let section = section.trim();
            if credentials_file || section == "default" {
                Some(section.to_string())
            } else {
                let name = section.strip_prefix("profile")?;
                name.starts_with([' ', '\t'])
                    .then(|| name.trim().to_string())
            }
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Checks that an AWS profile is defined, so that a typo is not reported later as
/// expired credentials. `default` always passes, and so does any profile when
/// credentials come from the environment: as AWS's own tools do, a profile named
/// explicitly must exist, exactly (a variant such as `PROD` for `prod` would dodge
/// that profile's `read_only`).
///
/// # Errors
/// "AWS profile `x` does not exist", listing the profiles that do and the files read.
pub fn check_profile(profile: &str) -> Result<(), String> {
    if profile == "default" {
        return Ok(());
    }
    let files = aws_config_files();
    let mut known = BTreeSet::new();
    for (path, credentials) in &files {
        if let Ok(text) = std::fs::read_to_string(path) {
            known.extend(profiles_in(&text, *credentials));
        }
    }
    if known.contains(profile) {
        return Ok(());
    }
    let read = files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ");
    // `PROD` or `prod ` is not `prod`: never taken for it (its read_only would not
    // apply), but named.
    let near: Vec<&String> = known
        .iter()
        .filter(|k| k.eq_ignore_ascii_case(profile.trim()))
        .collect();
    if let Some(near) = near.first() {
        return Err(format!(
            "AWS profile `{}` does not exist (profile names are exact: did you mean `{}`?); profiles are read from {read}",
            quote(profile),
            quote(near)
        ));
    }
    Err(if known.is_empty() {
        format!(
            "AWS profile `{}` does not exist: no profile is defined in {read}",
            quote(profile)
        )
    } else {
        format!(
            "AWS profile `{}` does not exist; profiles defined in {read}: {}",
            quote(profile),
            known
                .iter()
                .map(|p| quote(p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// When no region could be read at all, the message naming every region's reason
/// (`None` when at least one region loaded, or none was asked for).
#[must_use]
pub fn nothing_loaded(estate: &Estate) -> Option<String> {
    if estate.loaded().next().is_some() {
        return None;
    }
    let reasons: Vec<String> = estate
        .failed()
        // Our own sentences, whole (hints at their end included); only made
        // terminal-safe.
        .map(|(region, error)| format!("\n  {region}: {}", crate::text::terminal_safe(error)))
        .collect();
    (!reasons.is_empty()).then(|| format!("no region could be read:{}", reasons.concat()))
}

/// The exit code the state of discovery alone calls for: `0` when every region
/// loaded, `4` (partial) when some did and some did not, `1` when none did (nothing
/// to show is a failure, not partial data; see [`nothing_loaded`] for the message).
#[must_use]
pub fn exit_code_for(estate: &Estate) -> i32 {
    if nothing_loaded(estate).is_some() {
        exit::COMMAND_FAILED
    } else if estate.failed().next().is_some() {
        exit::PARTIAL
    } else {
        exit::OK
    }
}

/// Reads a batch script from a path or `-` (standard input) as bytes, so that a file
/// that is not UTF-8 is reported with the line and byte at fault
/// ([`script_from_bytes`]); the batch front end's script reader.
///
/// # Errors
/// A message naming the file (cut and escaped).
pub fn read_script(source: &str) -> Result<String, String> {
    if source == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| format!("cannot read the batch script from standard input: {e}"))?;
        script_from_bytes(bytes, "from standard input").map_err(|e| e.message)
    } else {
        let bytes = std::fs::read(source)
            .map_err(|e| format!("cannot read batch script {}: {e}", quote(source)))?;
        script_from_bytes(bytes, source).map_err(|e| e.message)
    }
}

/// The message when the console is started without a terminal.
pub const NEEDS_TERMINAL: &str =
    "the console needs a terminal (standard input and output); use --batch FILE|- for scripts";

/// Checks that standard input and output are terminals, as the console needs.
///
/// # Errors
/// [`NEEDS_TERMINAL`]: print it (`netops: …`) and exit 2.
pub fn require_terminal() -> Result<(), &'static str> {
    check_terminal(
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    )
}

fn check_terminal(stdin: bool, stdout: bool) -> Result<(), &'static str> {
    if stdin && stdout {
        Ok(())
    } else {
        Err(NEEDS_TERMINAL)
    }
}

/// Decodes a batch script read as bytes. `source` names it in the error (`standard
/// input` or the path).
///
/// # Errors
/// When the bytes are not UTF-8: the message names the first bad line and its byte.
fn script_from_bytes(bytes: Vec<u8>, source: &str) -> Result<String, crate::error::CommandError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let bad = e.utf8_error().valid_up_to();
        let line_start = bytes[..bad]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line = bytes[..bad].iter().filter(|b| **b == b'\n').count() + 1;
        crate::error::CommandError::invalid(format!(
            "batch script {} is not UTF-8 text: line {line}, byte {} (0x{:02x}); save it as UTF-8",
            crate::text::quote(source),
            bad - line_start + 1,
            bytes[bad]
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_from_bytes_names_the_bad_line() {
        assert_eq!(
            script_from_bytes(b"tgws\nvpcs\n".to_vec(), "-").as_deref(),
            Ok("tgws\nvpcs\n")
        );
        let err = script_from_bytes(b"tgws\nvpcs\nshow \xff\xfe\n".to_vec(), "s.txt")
            .expect_err("not UTF-8")
            .message;
        assert!(err.contains("s.txt"), "{err}");
        assert!(err.contains("line 3, byte 6"), "{err}");
    }

    use crate::model::{RegionEstate, RegionLoad};

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
        ] {
            assert_eq!(parse_region(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "",
            "mars-1",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "us--1",
            "u-east-1",
        ] {
            assert!(parse_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profiles_from_config_and_credentials() {
        let config = "[default]\nregion = us-east-1\n[profile dev]\n[ profile  prod ]\n[sso-session corp]\n[services x]\n";
        assert_eq!(
            profiles_in(config, false),
            BTreeSet::from(["default".into(), "dev".into(), "prod".into()])
        );
        assert_eq!(
            profiles_in("[ci]\naws_access_key_id = x\n", true),
            BTreeSet::from(["ci".into()])
        );
    }

    #[test]
    fn nothing_loaded_is_exit_1_naming_every_region() {
        let mut estate = Estate::default();
        assert_eq!(exit_code_for(&estate), exit::OK);
        for r in ["us-east-1", "eu-west-1"] {
            estate.regions.insert(
                r.into(),
                RegionLoad::Failed {
                    error: crate::error::BackendError::new(
                        crate::error::ErrorKind::Unreachable,
                        format!("{r} is down"),
                    ),
                },
            );
        }
        assert_eq!(exit_code_for(&estate), exit::COMMAND_FAILED);
        let message = nothing_loaded(&estate).expect("message");
        assert!(message.contains("us-east-1 is down"), "{message}");
        assert!(message.contains("eu-west-1 is down"), "{message}");
        estate.regions.insert(
            "us-east-1".into(),
            RegionLoad::Loaded {
                estate: Box::new(RegionEstate::new("us-east-1")),
            },
        );
        assert_eq!(exit_code_for(&estate), exit::PARTIAL);
        assert_eq!(nothing_loaded(&estate), None);
    }

    #[test]
    fn read_script_names_the_line_that_is_not_utf8() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("script.txt");
        std::fs::write(&path, b"tgws\nshow vpc-\xc3\x28\n").expect("write");
        let path = path.to_str().expect("utf-8 path");
        let err = read_script(path).expect_err("not UTF-8");
        assert!(err.contains(path), "{err}");
        assert!(err.contains("line 2, byte 10"), "{err}");
        std::fs::write(path, "tgws\n").expect("write");
        assert_eq!(read_script(path).as_deref(), Ok("tgws\n"));
        let err = read_script(&dir.path().join("nope").display().to_string()).expect_err("missing");
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn the_console_needs_both_ends_on_a_terminal() {
        assert_eq!(check_terminal(true, true), Ok(()));
        assert_eq!(check_terminal(false, true), Err(NEEDS_TERMINAL));
        assert_eq!(check_terminal(true, false), Err(NEEDS_TERMINAL));
    }
}
