//! The command vocabulary: one parser for `--batch` lines, the TUI's `:` prompt and
//! keymap `run` strings, so a command means the same thing wherever it is typed.
//!
//! Lines are split like a shell (quotes allowed) and parsed with clap, so every
//! command has `--help` and errors name the offending word.

use clap::{Parser, Subcommand};

use crate::error::CommandError;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
#[command(rename_all = "kebab-case")]
pub enum Command {
    /// List Transit Gateways in every loaded region.
    Tgws,
    /// List TGW route tables, optionally of one TGW.
    RouteTables {
        /// Only this Transit Gateway (tgw-…).
        tgw: Option<String>,
    },
    /// List every route of a TGW route table (however many there are).
    Routes {
        /// The TGW route table (tgw-rtb-…).
        route_table: String,
    },
    /// List TGW attachments, optionally of one TGW.
    Attachments {
        /// Only this Transit Gateway (tgw-…).
        tgw: Option<String>,
    },
    /// List TGW peerings, each once, with both sides.
    Peerings,
    /// List VPCs.
    Vpcs,
    /// List NAT gateways with their public IPs.
    NatGateways,
    /// Show any object by id: TGW, route table, attachment, VPC, subnet, NAT gateway, VPC route table…
    Show {
        /// The AWS id (tgw-…, tgw-rtb-…, tgw-attach-…, vpc-…, subnet-…, nat-…, rtb-…, igw-…, vpce-…, i-…).
        id: String,
    },
    /// Find anything, anywhere: what holds an IP address (instance, interface, NAT
    /// gateway, endpoint, subnet) and how each route table routes it; the subnets,
    /// VPC CIDRs and routes overlapping a CIDR; what an id is; objects by name.
    ///
    /// Across every loaded account and region: `find 10.42.7.19`, `find
    /// 10.42.0.0/16`, `find i-0abc…` (or its first 6 characters after the dash),
    /// `find spoke-a` (names containing it, any case). Each object with its kind,
    /// VPC, subnet, account and region; `show ID` has it in full. Exits 1 when
    /// nothing matches.
    Find {
        /// An IP address, a CIDR, an AWS id (or its beginning) or part of a name.
        what: String,
    },
    /// List regions and whether they loaded.
    Regions,
    /// Trace a packet hop by hop, both directions, across VPCs, TGWs, peerings,
    /// firewall, NAT and internet gateways (from the estate already read; no AWS call).
    Trace {
        /// Where it starts: an instance (i-…), interface (eni-…), subnet (subnet-…) or
        /// an IP inside a known subnet.
        from: String,
        /// Where it goes: an IP (private or public), an instance (i-…) or `internet`.
        to: String,
        /// Protocol (default tcp).
        #[arg(long, value_enum)]
        proto: Option<Proto>,
        /// Destination port (default 443 for tcp).
        #[arg(long)]
        port: Option<u16>,
        /// The TLS server name the firewall sees (implies --proto tcp --port 443).
        #[arg(long)]
        sni: Option<String>,
        /// The HTTP Host header the firewall sees, for plain HTTP (implies --proto
        /// tcp --port 80; not with --sni).
        #[arg(long, conflicts_with = "sni")]
        host: Option<String>,
    },
    /// Audit the whole estate: blackholes, missing return routes, egress that bypasses
    /// inspection, asymmetry, isolation breaks, peerings without routes, overlapping
    /// CIDRs, HOME_NET, AZs without a firewall endpoint. Exits 3 on findings at or
    /// above --fail-on.
    Audit {
        /// The lowest severity that makes the exit code 3.
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
    },
    /// Write the topology, or one trace's path, as a Mermaid or Graphviz DOT diagram
    /// (for design reviews and incident write-ups).
    ///
    /// The text output is the diagram alone: `netops --demo --batch - <<< 'export
    /// mermaid' > estate.mmd`. The topology: per region its TGWs, route tables (with
    /// route counts), attachments (VPCs with name and CIDRs, inspection VPCs marked),
    /// associations and propagations, blackhole routes (✗), and peerings between TGWs
    /// with their state. With --trace: one trace's hops instead.
    Export {
        /// mermaid or dot.
        #[arg(value_enum)]
        format: ExportFormat,
        /// Only this region (peer TGWs elsewhere are drawn as stubs).
        #[arg(long, value_name = "REGION", conflicts_with = "trace")]
        region: Option<String>,
        /// Draw one trace instead: its hops in order (forward, then return) with each
        /// hop's decision and the verdict. FROM and TO as for `trace`.
        #[arg(long, num_args = 2, value_names = ["FROM", "TO"])]
        trace: Option<Vec<String>>,
        /// With --trace: the protocol (default tcp, as for `trace`).
        #[arg(long, value_enum, requires = "trace")]
        proto: Option<Proto>,
        /// With --trace: the destination port (default 443 for tcp).
        #[arg(long, requires = "trace")]
        port: Option<u16>,
        /// With --trace: the TLS server name the firewall sees.
        #[arg(long, requires = "trace")]
        sni: Option<String>,
        /// With --trace: the HTTP Host header the firewall sees (not with --sni).
        #[arg(long, requires = "trace", conflicts_with = "sni")]
        host: Option<String>,
    },
    /// Compare two snapshots, or a snapshot with what is loaded now: the objects
    /// added, removed and changed, by region and object (routes with their targets
    /// and state, associations, propagations, attachment and peering states, rule
    /// groups and their order, HOME_NET, security groups, ACL entries…); then what
    /// that did to paths: the probe traces (spoke → internet, spoke ↔ spoke, spoke →
    /// peered regions) whose verdict changed, and the audit's findings new and fixed.
    /// Exits 3 on a new finding at or above --fail-on.
    Diff {
        /// The snapshot to compare from (a folder `snapshot save` wrote).
        a: String,
        /// The snapshot to compare to (default: the estate loaded now).
        b: Option<String>,
        /// The lowest severity of a new finding that makes the exit code 3.
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
    },
    /// AWS Network Firewall: list the firewalls, or show a policy (its rule groups
    /// in evaluation order, default actions, HOME_NET) or a rule group (its rules).
    #[command(subcommand)]
    Fw(FwCommand),
    /// TGW peerings: create, accept, reject, delete, wait for a state, or carry one
    /// from any state to `available` with routes on both sides (`connect`). A change
    /// is previewed; it applies with --yes in batch, or after confirming in the console.
    #[command(subcommand)]
    Peer(PeerCommand),
    /// Run checks on instances through SSM Run Command: `probe egress` (is internet
    /// traffic centralized?) and `probe ping`.
    #[command(subcommand)]
    Probe(ProbeCommand),
    /// A static route in a TGW route table: add (to an attachment), blackhole,
    /// replace (its target) or del.
    Route {
        #[arg(value_enum)]
        action: RouteAction,
        /// The TGW route table (tgw-rtb-…).
        route_table: String,
        /// The destination CIDR (canonical: 10.1.0.0/16, not 10.1.0.1/16).
        cidr: String,
        /// The target attachment (tgw-attach-…), for add and replace.
        attachment: Option<String>,
    },
    /// Associate an attachment with a TGW route table (the table its traffic is
    /// routed by).
    Assoc {
        /// The TGW route table (tgw-rtb-…).
        route_table: String,
        /// The attachment (tgw-attach-…).
        attachment: String,
    },
    /// Remove an attachment's association with a TGW route table.
    Disassoc {
        /// The TGW route table (tgw-rtb-…).
        route_table: String,
        /// The attachment (tgw-attach-…).
        attachment: String,
    },
    /// Turn route propagation from an attachment into a TGW route table on or off.
    Prop {
        #[arg(value_enum)]
        state: OnOff,
        /// The TGW route table (tgw-rtb-…).
        route_table: String,
        /// The attachment (tgw-attach-…).
        attachment: String,
    },
    /// A route in a VPC route table: add, replace (its target) or del.
    VpcRoute {
        #[arg(value_enum)]
        action: VpcRouteAction,
        /// The VPC route table (rtb-…).
        route_table: String,
        /// The destination CIDR.
        cidr: String,
        /// The target, for add and replace: tgw-, nat-, igw-, vpce-, pcx- or eni-….
        target: Option<String>,
    },
    /// Approve or refuse a VPC attachment waiting in pendingAcceptance (from another
    /// account, to a TGW shared through RAM), or set its options.
    Attach {
        #[arg(value_enum)]
        action: AttachAction,
        /// The attachment (tgw-attach-…).
        attachment: String,
        /// With `options`: appliance mode, which keeps both directions of a flow on
        /// one AZ's attachment (what a stateful inspection VPC needs).
        #[arg(long, value_enum, value_name = "on|off")]
        appliance_mode: Option<OnOff>,
    },
    /// The changes netops applied (the audit log, newest last).
    AuditLog {
        /// Only the last N entries.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
    },
    /// Undo the last route change made since netops started (re-applies its
    /// before-state, previewed and confirmed like any change).
    Undo,
    /// Snapshots: save the loaded estate as a folder of AWS CLI JSON that
    /// `netops --snapshot DIR` opens.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
}

/// `snapshot …`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
#[command(rename_all = "kebab-case")]
pub enum SnapshotCommand {
    /// Write the loaded estate to DIR: per region the AWS CLI's JSON files (all TGW
    /// routes, static and propagated, in TransitGatewayRoutes.json), under
    /// accounts/<id>/<region>/, and a netops-snapshot.json manifest.
    Save {
        /// The folder to write (created; files of the same names are replaced).
        dir: String,
    },
}

/// `fw …`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum FwCommand {
    /// Every Network Firewall: region, VPC, policy, endpoints per AZ.
    List,
    /// A firewall policy or a rule group, by name or ARN.
    Show {
        /// The policy's or rule group's name or ARN.
        name: String,
    },
    /// Take a rule group out of a policy (Network Firewall has no "disabled" flag):
    /// its reference (priority, override) is kept in a `netops:disabled:GROUP` tag on
    /// the policy, for anyone's netops to restore. Previewed with the impact on
    /// traces; guarded by the policy's update token.
    Disable {
        /// The firewall policy's name or ARN.
        policy: String,
        /// The rule group's name or ARN.
        group: String,
    },
    /// Put a disabled rule group back at its old priority with its old override.
    Enable {
        /// The firewall policy's name or ARN.
        policy: String,
        /// The rule group's name or ARN.
        group: String,
    },
}

/// `probe …`: checks run on instances through SSM Run Command.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum ProbeCommand {
    /// Verify centralized egress: curl an IP echo service from an online
    /// SSM-managed instance in each spoke and compare the address seen with the NAT
    /// gateways' public IPs the path engine says the spoke reaches. Verdicts:
    /// centralized, leak, blocked, unprobeable. Exits 3 on a leak or a block.
    Egress {
        /// Only this spoke VPC (vpc-… or its name).
        #[arg(long)]
        vpc: Option<String>,
        /// Probe from this instance (i-…); repeat for several.
        #[arg(long = "instance")]
        instances: Vec<String>,
        /// The URL to ask (http or https; answers the caller's IP).
        #[arg(long, default_value = crate::backend::probe::DEFAULT_PROBE_URL)]
        url: String,
    },
    /// Ping from an instance to an address or instance (across a peering too):
    /// reachable or unreachable, with the path engine's explanation. Exits 3 when
    /// unreachable.
    Ping {
        /// The instance that pings (i-…).
        from: String,
        /// An IP address or an instance (i-…).
        to: String,
    },
}

/// `peer …`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum PeerCommand {
    /// Request a peering from a local TGW to a peer TGW (in another region or account).
    Create {
        /// The requesting TGW (tgw-…), in a loaded region.
        local_tgw: String,
        /// The peer TGW (tgw-…).
        peer_tgw: String,
        /// The peer's region (default: where the peer TGW was read, else the local one).
        #[arg(long, value_name = "REGION")]
        peer_region: Option<String>,
        /// The peer's account (default: the peer TGW's owner, else this account).
        #[arg(long, value_name = "ACCOUNT")]
        peer_account: Option<String>,
    },
    /// Accept a peering waiting in pendingAcceptance (runs in the accepter's region).
    Accept {
        /// The peering attachment (tgw-attach-…).
        id: String,
    },
    /// Reject a peering waiting in pendingAcceptance (runs in the accepter's region).
    Reject {
        /// The peering attachment (tgw-attach-…).
        id: String,
    },
    /// Delete a peering (its routes become blackholes).
    Delete {
        /// The peering attachment (tgw-attach-…).
        id: String,
    },
    /// Wait until a peering reaches a state (available, pendingAcceptance, deleted…).
    Wait {
        /// The peering attachment (tgw-attach-…).
        id: String,
        /// The state to wait for.
        state: String,
        /// Give up after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        timeout: u64,
    },
    /// Carry a peering from whatever state it is in to `available` with routes on
    /// both sides, and verify: `peer connect ID`, or `peer connect LOCAL-TGW PEER-TGW`
    /// (creates the peering when there is none).
    Connect {
        /// The peering attachment (tgw-attach-…), or the local TGW (tgw-…).
        id_or_tgw: String,
        /// The peer TGW, when the first argument is the local TGW.
        peer_tgw: Option<String>,
        /// Give up waiting on AWS's state transitions after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 900)]
        timeout: u64,
    },
}

/// `route ACTION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RouteAction {
    Add,
    Blackhole,
    Replace,
    Del,
}

/// `vpc-route ACTION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VpcRouteAction {
    Add,
    Replace,
    Del,
}

/// `prop on|off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// `attach accept|reject|options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AttachAction {
    Accept,
    Reject,
    /// Set the attachment's options (`--appliance-mode on|off`).
    Options,
}

/// The diagram syntax of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Mermaid `flowchart` (renders on GitHub, GitLab, in many wikis).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

impl ExportFormat {
    /// The word it is typed as.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mermaid => "mermaid",
            Self::Dot => "dot",
        }
    }
}

/// `--proto` of `trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
}

impl Proto {
    /// The engine's protocol.
    #[must_use]
    pub fn protocol(self) -> crate::net::firewall::Protocol {
        match self {
            Self::Tcp => crate::net::firewall::Protocol::Tcp,
            Self::Udp => crate::net::firewall::Protocol::Udp,
            Self::Icmp => crate::net::firewall::Protocol::Icmp,
        }
    }
}

/// What the path engine is asked by `trace FROM TO [--proto] [--port] [--sni]
/// [--host]` (or `export FORMAT --trace FROM TO …`), the same from a batch line and
/// the console's `:` prompt (`None` for another command).
#[must_use]
pub fn trace_query(cmd: &Command) -> Option<crate::net::trace::TraceQuery> {
    let (from, to, proto, port, sni, host) = match cmd {
        Command::Trace {
            from,
            to,
            proto,
            port,
            sni,
            host,
        } => (from, to, proto, port, sni, host),
        // `export … --trace FROM TO`: the same query, the same defaults.
        Command::Export {
            trace: Some(ends),
            proto,
            port,
            sni,
            host,
            ..
        } => match ends.as_slice() {
            [from, to] => (from, to, proto, port, sni, host),
            _ => return None,
        },
        _ => return None,
    };
    Some(crate::net::trace::TraceQuery {
        from: from.clone(),
        to: to.clone(),
        protocol: proto.map(Proto::protocol),
        port: *port,
        sni: sni.clone(),
        routing_only: false,
        http_host: host.clone(),
    })
}

/// `--fail-on` of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    /// The lowest severity that fails.
    #[must_use]
    pub fn severity(self) -> crate::net::Severity {
        match self {
            Self::Error => crate::net::Severity::Error,
            Self::Warning => crate::net::Severity::Warning,
            Self::Info => crate::net::Severity::Info,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "netops command",
    no_binary_name = true,
    disable_help_flag = false,
    disable_version_flag = true,
    help_template = "{subcommands}"
)]
struct Line {
    #[command(subcommand)]
    command: Command,
}

/// A line that did not parse, with clap's explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// True when the user asked for help: the message is the help text, not an error.
    pub is_help: bool,
    /// True when the line is a command whose argument is wrong (a CIDR, an id's
    /// shape, a state, a URL): the command is known, its input is refused.
    pub bad_argument: bool,
}

/// Parses one command line. Blank lines and `#` comments are `Ok(None)`.
///
/// # Errors
/// A [`ParseError`] naming what is wrong (unknown command, missing or extra argument,
/// unbalanced quote), or carrying the help text when `--help`/`help` was asked for.
pub fn parse_line(line: &str) -> Result<Option<Command>, ParseError> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    check_command_line(trimmed).map_err(|e| ParseError {
        message: e.message,
        is_help: false,
        bad_argument: false,
    })?;
    let words = shlex::split(trimmed).ok_or_else(|| ParseError {
        message: format!("unbalanced quote in `{}`", crate::text::quote(trimmed)),
        is_help: false,
        bad_argument: false,
    })?;
    match Line::try_parse_from(&words) {
        Ok(parsed) => {
            check_args(&parsed.command).map_err(|e| ParseError {
                message: e.message,
                is_help: false,
                bad_argument: true,
            })?;
            Ok(Some(parsed.command))
        }
        Err(e) => {
            let is_help = matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            let rendered = e.render().to_string();
            let message = if is_help {
                rendered
            } else {
                // clap names the problem before its usage boilerplate; keep that part.
                rendered
                    .lines()
                    .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                    .map(|l| l.trim().trim_start_matches("error: "))
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            Err(ParseError {
                message,
                is_help,
                bad_argument: false,
            })
        }
    }
}

/// The peering states `peer wait` can wait for (AWS's, as EC2 spells them).
pub const PEERING_STATES: [&str; 12] = [
    "initiatingRequest",
    "pendingAcceptance",
    "pending",
    "available",
    "modifying",
    "deleting",
    "deleted",
    "failed",
    "failing",
    "rejected",
    "rejecting",
    "rollingBack",
];

/// Checks an id's shape: `prefix` then lower-case letters and digits (AWS ids are
/// hex). Says which id is wrong and what was expected.
fn id_shape(what: &str, id: &str, prefixes: &[&str]) -> Result<(), CommandError> {
    let ok = prefixes.iter().any(|p| {
        id.strip_prefix(p).is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 32
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '-')
        })
    });
    if ok {
        return Ok(());
    }
    let expected = prefixes
        .iter()
        .map(|p| format!("{p}…"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(CommandError::invalid(format!(
        "`{}` is not a {what} id (expected {expected}: the prefix, then letters and digits)",
        crate::text::quote(id)
    )))
}

/// Checks that `id` has the shape of some AWS id: a lower-case prefix, a dash, then
/// letters, digits and dashes (nothing a shell or a terminal would act on).
fn any_id(what: &str, id: &str) -> Result<(), CommandError> {
    let shaped = id.split_once('-').is_some_and(|(prefix, rest)| {
        !prefix.is_empty()
            && prefix.chars().all(|c| c.is_ascii_lowercase())
            && !rest.is_empty()
            && id.len() <= 64
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    if shaped {
        Ok(())
    } else {
        Err(CommandError::invalid(format!(
            "`{}` is not a {what} id (an AWS id: a prefix such as tgw-attach-, nat- or eni-, then letters and digits)",
            crate::text::quote(id)
        )))
    }
}

/// Checks every argument of a change or probe command before anything runs: ids'
/// shapes, CIDRs (canonical, no leading zeros), states, regions, accounts, URLs. A
/// script with a bad line runs no line at all.
///
/// # Errors
/// A sentence naming the argument and what is wrong with it.
pub fn check_args(cmd: &Command) -> Result<(), CommandError> {
    const TABLE: &[&str] = &["tgw-rtb-"];
    const ATTACH: &[&str] = &["tgw-attach-"];
    let cidr = |c: &str| crate::plan::canonical_cidr(c).map(|_| ());
    match cmd {
        Command::Route {
            route_table,
            cidr: c,
            attachment,
            ..
        } => {
            id_shape("TGW route table", route_table, TABLE)?;
            cidr(c)?;
            // Any AWS id's shape: what kind it must be is the plan's to say, with the
            // estate at hand ("vpc-… is a VPC: use its attachment tgw-attach-…").
            if let Some(a) = attachment {
                any_id("route target", a)?;
            }
        }
        Command::Assoc {
            route_table,
            attachment,
        }
        | Command::Disassoc {
            route_table,
            attachment,
        }
        | Command::Prop {
            route_table,
            attachment,
            ..
        } => {
            id_shape("TGW route table", route_table, TABLE)?;
            id_shape("TGW attachment", attachment, ATTACH)?;
        }
        Command::VpcRoute {
            route_table,
            cidr: c,
            target,
            ..
        } => {
            id_shape("VPC route table", route_table, &["rtb-"])?;
            cidr(c)?;
            if let Some(t) = target {
                any_id("route target", t)?;
            }
        }
        Command::Attach {
            action,
            attachment,
            appliance_mode,
        } => {
            id_shape("TGW attachment", attachment, ATTACH)?;
            match (action, appliance_mode) {
                (AttachAction::Options, None) => {
                    return Err(CommandError::invalid(
                        "`attach options` needs an option to set: --appliance-mode on|off",
                    ));
                }
                (AttachAction::Accept | AttachAction::Reject, Some(_)) => {
                    return Err(CommandError::invalid(format!(
                        "--appliance-mode goes with `attach options`, not `attach {}`",
                        value_name(*action)
                    )));
                }
                _ => {}
            }
        }
        Command::Peer(p) => match p {
            PeerCommand::Create {
                local_tgw,
                peer_tgw,
                peer_region,
                peer_account,
            } => {
                id_shape("Transit Gateway", local_tgw, &["tgw-"])?;
                id_shape("Transit Gateway", peer_tgw, &["tgw-"])?;
                if let Some(r) = peer_region {
                    crate::cli::parse_region(r)
                        .map_err(|e| CommandError::invalid(format!("--peer-region: {e}")))?;
                }
                if let Some(a) = peer_account
                    && !(a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err(CommandError::invalid(format!(
                        "--peer-account `{}` is not an AWS account id (12 digits)",
                        crate::text::quote(a)
                    )));
                }
            }
            PeerCommand::Accept { id }
            | PeerCommand::Reject { id }
            | PeerCommand::Delete { id } => {
                id_shape("TGW peering attachment", id, ATTACH)?;
            }
            PeerCommand::Wait { id, state, .. } => {
                id_shape("TGW peering attachment", id, ATTACH)?;
                if !PEERING_STATES.iter().any(|s| s.eq_ignore_ascii_case(state)) {
                    return Err(CommandError::invalid(format!(
                        "`{}` is not a peering state; one of: {}",
                        crate::text::quote(state),
                        PEERING_STATES.join(", ")
                    )));
                }
            }
            PeerCommand::Connect {
                id_or_tgw,
                peer_tgw,
                ..
            } => {
                id_shape(
                    "peering attachment or Transit Gateway",
                    id_or_tgw,
                    &["tgw-"],
                )?;
                if let Some(p) = peer_tgw {
                    id_shape("Transit Gateway", p, &["tgw-"])?;
                }
            }
        },
        Command::Probe(p) => match p {
            ProbeCommand::Egress { instances, url, .. } => {
                for i in instances {
                    id_shape("instance", i, &["i-"])?;
                }
                crate::backend::probe::ProbeUrl::parse(url)?;
            }
            ProbeCommand::Ping { from, to } => {
                id_shape("instance", from, &["i-"])?;
                if to.parse::<std::net::IpAddr>().is_err() {
                    id_shape("instance (or an IP address)", to, &["i-"])?;
                }
            }
        },
        Command::Export {
            region: Some(r), ..
        } => {
            crate::cli::parse_region(r)
                .map_err(|e| CommandError::invalid(format!("--region: {e}")))?;
        }
        Command::Find { what } => {
            crate::query::find::FindQuery::parse(what)?;
        }
        Command::Fw(FwCommand::Disable { policy, group } | FwCommand::Enable { policy, group }) => {
            for (what, v) in [("policy", policy), ("rule group", group)] {
                if v.is_empty() || v.len() > 2048 || v.chars().any(char::is_control) {
                    return Err(CommandError::invalid(format!(
                        "`{}` is not a firewall {what} name or ARN",
                        crate::text::quote(v)
                    )));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Command names, for completion at the `:` prompt.
#[must_use]
pub fn command_names() -> Vec<String> {
    use clap::CommandFactory;
    Line::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The help text listing every command.
#[must_use]
pub fn help_text() -> String {
    use clap::CommandFactory;
    let mut cmd = Line::command();
    cmd.render_long_help().to_string()
}

impl Command {
    /// The command as it would be typed.
    #[must_use]
    pub fn to_line(&self) -> String {
        match self {
            Self::Tgws => "tgws".into(),
            Self::RouteTables { tgw: None } => "route-tables".into(),
            Self::RouteTables { tgw: Some(t) } => format!("route-tables {t}"),
            Self::Routes { route_table } => format!("routes {route_table}"),
            Self::Attachments { tgw: None } => "attachments".into(),
            Self::Attachments { tgw: Some(t) } => format!("attachments {t}"),
            Self::Peerings => "peerings".into(),
            Self::Vpcs => "vpcs".into(),
            Self::NatGateways => "nat-gateways".into(),
            Self::Show { id } => format!("show {id}"),
            Self::Find { what } => format!("find {}", quote_word(what)),
            Self::Regions => "regions".into(),
            Self::Trace {
                from,
                to,
                proto,
                port,
                sni,
                host,
            } => {
                let mut line = format!("trace {} {}", quote_word(from), quote_word(to));
                if let Some(p) = proto {
                    line.push_str(&format!(" --proto {}", p.protocol().as_str()));
                }
                if let Some(p) = port {
                    line.push_str(&format!(" --port {p}"));
                }
                if let Some(s) = sni {
                    line.push_str(&format!(" --sni {}", quote_word(s)));
                }
                if let Some(h) = host {
                    line.push_str(&format!(" --host {}", quote_word(h)));
                }
                line
            }
            Self::Audit { fail_on } => match fail_on {
                FailOn::Error => "audit".into(),
                FailOn::Warning => "audit --fail-on warning".into(),
                FailOn::Info => "audit --fail-on info".into(),
            },
            Self::Export {
                format,
                region,
                trace,
                proto,
                port,
                sni,
                host,
            } => {
                let mut line = format!("export {}", format.as_str());
                if let Some(r) = region {
                    line.push_str(&format!(" --region {}", quote_word(r)));
                }
                if let Some(ends) = trace {
                    line.push_str(" --trace");
                    for w in ends {
                        line.push(' ');
                        line.push_str(&quote_word(w));
                    }
                }
                if let Some(p) = proto {
                    line.push_str(&format!(" --proto {}", p.protocol().as_str()));
                }
                if let Some(p) = port {
                    line.push_str(&format!(" --port {p}"));
                }
                if let Some(s) = sni {
                    line.push_str(&format!(" --sni {}", quote_word(s)));
                }
                if let Some(h) = host {
                    line.push_str(&format!(" --host {}", quote_word(h)));
                }
                line
            }
            Self::Diff { a, b, fail_on } => {
                let mut line = format!("diff {}", quote_word(a));
                if let Some(b) = b {
                    line.push(' ');
                    line.push_str(&quote_word(b));
                }
                match fail_on {
                    FailOn::Error => {}
                    FailOn::Warning => line.push_str(" --fail-on warning"),
                    FailOn::Info => line.push_str(" --fail-on info"),
                }
                line
            }
            Self::Fw(FwCommand::List) => "fw list".into(),
            Self::Fw(FwCommand::Show { name }) => format!("fw show {}", quote_word(name)),
            Self::Fw(FwCommand::Disable { policy, group }) => {
                format!("fw disable {} {}", quote_word(policy), quote_word(group))
            }
            Self::Fw(FwCommand::Enable { policy, group }) => {
                format!("fw enable {} {}", quote_word(policy), quote_word(group))
            }
            Self::Probe(ProbeCommand::Egress {
                vpc,
                instances,
                url,
            }) => {
                let mut line = "probe egress".to_string();
                if let Some(v) = vpc {
                    line.push_str(&format!(" --vpc {}", quote_word(v)));
                }
                for i in instances {
                    line.push_str(&format!(" --instance {}", quote_word(i)));
                }
                if url != crate::backend::probe::DEFAULT_PROBE_URL {
                    line.push_str(&format!(" --url {}", quote_word(url)));
                }
                line
            }
            Self::Probe(ProbeCommand::Ping { from, to }) => {
                format!("probe ping {} {}", quote_word(from), quote_word(to))
            }
            Self::Peer(p) => match p {
                PeerCommand::Create {
                    local_tgw,
                    peer_tgw,
                    peer_region,
                    peer_account,
                } => {
                    let mut line = format!("peer create {local_tgw} {peer_tgw}");
                    if let Some(r) = peer_region {
                        line.push_str(&format!(" --peer-region {r}"));
                    }
                    if let Some(a) = peer_account {
                        line.push_str(&format!(" --peer-account {a}"));
                    }
                    line
                }
                PeerCommand::Accept { id } => format!("peer accept {id}"),
                PeerCommand::Reject { id } => format!("peer reject {id}"),
                PeerCommand::Delete { id } => format!("peer delete {id}"),
                PeerCommand::Wait { id, state, timeout } => {
                    let mut line = format!("peer wait {id} {}", quote_word(state));
                    if *timeout != 600 {
                        line.push_str(&format!(" --timeout {timeout}"));
                    }
                    line
                }
                PeerCommand::Connect {
                    id_or_tgw,
                    peer_tgw,
                    timeout,
                } => {
                    let mut line = format!("peer connect {id_or_tgw}");
                    if let Some(p) = peer_tgw {
                        line.push(' ');
                        line.push_str(p);
                    }
                    if *timeout != 900 {
                        line.push_str(&format!(" --timeout {timeout}"));
                    }
                    line
                }
            },
            Self::Route {
                action,
                route_table,
                cidr,
                attachment,
            } => {
                let mut line = format!(
                    "route {} {route_table} {}",
                    value_name(*action),
                    quote_word(cidr)
                );
                if let Some(a) = attachment {
                    line.push(' ');
                    line.push_str(&quote_word(a));
                }
                line
            }
            Self::Assoc {
                route_table,
                attachment,
            } => format!("assoc {route_table} {attachment}"),
            Self::Disassoc {
                route_table,
                attachment,
            } => format!("disassoc {route_table} {attachment}"),
            Self::Prop {
                state,
                route_table,
                attachment,
            } => format!("prop {} {route_table} {attachment}", value_name(*state)),
            Self::VpcRoute {
                action,
                route_table,
                cidr,
                target,
            } => {
                let mut line = format!(
                    "vpc-route {} {route_table} {}",
                    value_name(*action),
                    quote_word(cidr)
                );
                if let Some(t) = target {
                    line.push(' ');
                    line.push_str(&quote_word(t));
                }
                line
            }
            Self::Attach {
                action,
                attachment,
                appliance_mode,
            } => {
                let mut line = format!("attach {} {attachment}", value_name(*action));
                if let Some(m) = appliance_mode {
                    line.push_str(" --appliance-mode ");
                    line.push_str(&value_name(*m));
                }
                line
            }
            Self::AuditLog { last: None } => "audit-log".into(),
            Self::AuditLog { last: Some(n) } => format!("audit-log --last {n}"),
            Self::Undo => "undo".into(),
            Self::Snapshot(SnapshotCommand::Save { dir }) => {
                format!("snapshot save {}", quote_word(dir))
            }
        }
    }
}

/// The word clap parses a value-enum from.
fn value_name(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

impl Command {
    /// True for the commands that run checks on instances through SSM (`probe …`):
    /// they need a prober (none in a read-only session) and the runtime.
    #[must_use]
    pub fn is_probe(&self) -> bool {
        matches!(self, Self::Probe(_))
    }

    /// True for the commands that change the network (refused in read-only mode,
    /// previewed and confirmed): everything but reads, `peer wait` and `audit-log`.
    #[must_use]
    pub fn is_change(&self) -> bool {
        match self {
            Self::Peer(PeerCommand::Wait { .. }) => false,
            Self::Peer(_)
            | Self::Fw(FwCommand::Disable { .. } | FwCommand::Enable { .. })
            | Self::Route { .. }
            | Self::Assoc { .. }
            | Self::Disassoc { .. }
            | Self::Prop { .. }
            | Self::VpcRoute { .. }
            | Self::Attach { .. }
            | Self::Undo => true,
            _ => false,
        }
    }
}

/// A word as a shell would need it typed back.
fn quote_word(w: &str) -> String {
    shlex::try_quote(w).map_or_else(|_| w.to_string(), |q| q.into_owned())
}

/// Checks a command line (batch script line, `:` prompt, keymap `run` string) before
/// it is parsed: control characters (a NUL, an ESC, a stray CR) are refused with a
/// clear message instead of a confusing "did you mean". Tabs count as spaces.
///
/// # Errors
/// The message names the character and its column (counted in characters, from 1).
pub fn check_command_line(line: &str) -> Result<(), crate::error::CommandError> {
    match line
        .chars()
        .enumerate()
        .find(|(_, c)| *c != '\t' && crate::text::is_unsafe_char(*c))
    {
        None => Ok(()),
        Some((i, c)) => Err(crate::error::CommandError::invalid(format!(
            "control character {} at column {}: commands are plain text",
            crate::text::terminal_safe(&c.to_string()),
            i + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_command_line_refuses_controls() {
        assert!(check_command_line("show\tvpc-1").is_ok());
        assert!(check_command_line("show 東京").is_ok());
        let err = check_command_line("show \u{0}vpc")
            .expect_err("NUL")
            .message;
        assert!(err.contains("\\x00"), "{err}");
        assert!(err.contains("column 6"), "{err}");
        assert!(!err.contains('\u{0}'), "{err}");
    }

    #[test]
    fn parses_every_read_command() {
        assert_eq!(parse_line("tgws"), Ok(Some(Command::Tgws)));
        assert_eq!(
            parse_line("  routes tgw-rtb-0abc  "),
            Ok(Some(Command::Routes {
                route_table: "tgw-rtb-0abc".into()
            }))
        );
        assert_eq!(
            parse_line("route-tables"),
            Ok(Some(Command::RouteTables { tgw: None }))
        );
        assert_eq!(parse_line("nat-gateways"), Ok(Some(Command::NatGateways)));
        assert_eq!(parse_line("# comment"), Ok(None));
        assert_eq!(parse_line(""), Ok(None));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = parse_line("tgw").expect_err("unknown");
        assert!(
            e.message.contains("unrecognized subcommand 'tgw'"),
            "{}",
            e.message
        );
        let e = parse_line("routes").expect_err("missing");
        assert!(e.message.contains("<ROUTE_TABLE>"), "{}", e.message);
        let e = parse_line("vpcs extra").expect_err("extra");
        assert!(e.message.contains("extra"), "{}", e.message);
        let e = parse_line("show 'unbalanced").expect_err("quote");
        assert!(e.message.contains("unbalanced quote"), "{}", e.message);
    }

    #[test]
    fn export_takes_a_format_and_trace_options_only_with_trace() {
        assert_eq!(
            parse_line("export dot"),
            Ok(Some(Command::Export {
                format: ExportFormat::Dot,
                region: None,
                trace: None,
                proto: None,
                port: None,
                sni: None,
                host: None,
            }))
        );
        let cmd = parse_line("export mermaid --trace i-1 internet --port 80")
            .expect("ok")
            .expect("some");
        let q = trace_query(&cmd).expect("a trace query");
        assert_eq!((q.from.as_str(), q.to.as_str()), ("i-1", "internet"));
        assert_eq!((q.port, q.protocol), (Some(80), None));
        for (line, why) in [
            ("export", "<FORMAT>"),
            ("export svg", "svg"),
            ("export dot --trace i-1", "2 values"),
            ("export dot --port 80", "--trace"),
            (
                "export dot --region eu-west-1 --trace i-1 internet",
                "cannot be used",
            ),
            ("export dot --region nowhere", "--region"),
        ] {
            let e = parse_line(line).expect_err(line);
            assert!(e.message.contains(why), "{line}: {}", e.message);
        }
    }

    #[test]
    fn help_is_help_not_error() {
        let e = parse_line("routes --help").expect_err("help");
        assert!(e.is_help);
        assert!(e.message.contains("route table"));
    }

    #[test]
    fn round_trips_to_line() {
        for line in [
            "tgws",
            "routes tgw-rtb-1",
            "show vpc-1",
            "find 10.42.7.19",
            "find 10.42.0.0/16",
            "find 'my vpc'",
            "attachments tgw-1",
            "trace i-1 internet --sni www.amazon.com",
            "trace subnet-1 10.2.0.5 --proto udp --port 53",
            "audit --fail-on warning",
            "diff snapshots/monday",
            "diff snapshots/monday 'snapshots/tues day' --fail-on warning",
            "peer create tgw-1 tgw-2 --peer-region eu-west-1",
            "peer connect tgw-attach-1",
            "peer connect tgw-1 tgw-2 --timeout 60",
            "peer wait tgw-attach-1 available",
            "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1",
            "route blackhole tgw-rtb-1 10.9.0.0/16",
            "route del tgw-rtb-1 10.9.0.0/16",
            "prop off tgw-rtb-1 tgw-attach-1",
            "vpc-route replace rtb-1 0.0.0.0/0 nat-1",
            "attach reject tgw-attach-1",
            "audit-log --last 5",
            "fw list",
            "fw show egress-policy",
            "export mermaid",
            "export dot --region eu-west-1",
            "export mermaid --trace i-1 internet --sni www.amazon.com",
            "export dot --trace subnet-1 10.2.0.5 --proto udp --port 53",
            "undo",
        ] {
            let cmd = parse_line(line).expect("ok").expect("some");
            assert_eq!(cmd.to_line(), line);
        }
    }
}
