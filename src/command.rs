//! The command vocabulary: one parser for `--batch` lines, the TUI's `:` prompt and
//! keymap `run` strings, so a command means the same thing wherever it is typed.
//!
//! Lines are split like a shell (quotes allowed) and parsed with clap, so every
//! command has `--help` and errors name the offending word.

use clap::{Parser, Subcommand};

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

/// What the path engine is asked by `trace FROM TO [--proto] [--port] [--sni]`, the
/// same from a batch line and the console's `:` prompt.
#[must_use]
pub fn trace_query(
    from: &str,
    to: &str,
    proto: Option<Proto>,
    port: Option<u16>,
    sni: Option<&str>,
) -> crate::net::trace::TraceQuery {
    crate::net::trace::TraceQuery {
        from: from.to_string(),
        to: to.to_string(),
        protocol: proto.map(Proto::protocol),
        port,
        sni: sni.map(str::to_string),
        routing_only: false,
    }
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
    crate::text::check_command_line(trimmed).map_err(|message| ParseError {
        message,
        is_help: false,
    })?;
    let words = shlex::split(trimmed).ok_or_else(|| ParseError {
        message: format!("unbalanced quote in `{}`", crate::text::quote(trimmed)),
        is_help: false,
    })?;
    match Line::try_parse_from(&words) {
        Ok(parsed) => Ok(Some(parsed.command)),
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
            Err(ParseError { message, is_help })
        }
    }
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
            Self::Regions => "regions".into(),
            Self::Trace {
                from,
                to,
                proto,
                port,
                sni,
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
                line
            }
            Self::Audit { fail_on } => match fail_on {
                FailOn::Error => "audit".into(),
                FailOn::Warning => "audit --fail-on warning".into(),
                FailOn::Info => "audit --fail-on info".into(),
            },
        }
    }
}

/// A word as a shell would need it typed back.
fn quote_word(w: &str) -> String {
    shlex::try_quote(w).map_or_else(|_| w.to_string(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "attachments tgw-1",
            "trace i-1 internet --sni www.amazon.com",
            "trace subnet-1 10.2.0.5 --proto udp --port 53",
            "audit --fail-on warning",
        ] {
            let cmd = parse_line(line).expect("ok").expect("some");
            assert_eq!(cmd.to_line(), line);
        }
    }
}
