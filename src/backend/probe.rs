//! Running a probe on an instance: SSM Run Command (`AWS-RunShellScript`), a
//! capability apart from reading ([`super::Backend`]) and changing ([`super::Changer`]).
//!
//! Invariants:
//! - What runs is data ([`ProbeSpec`]): the shell text is rendered from it by
//!   [`ProbeSpec::commands`] only, after [`ProbeUrl::parse`] (or an IP address) has
//!   validated every byte a user typed, and every value is single-quoted, so nothing
//!   typed can run as shell on the instance.
//! - The AWS prober sends [`ProbeSpec::commands`]; the simulator evaluates the spec
//!   itself with the trace engine over its estate: both answer the same
//!   [`Invocation`]s (first `NotFound` — SSM's `InvocationDoesNotExist` right after
//!   `SendCommand` —, then `InProgress`, then a terminal status).
//! - A read-only session holds no prober (SendCommand is not a read).

use async_trait::async_trait;
use serde::Serialize;

use super::{BackendError, ErrorKind};

/// The SSM document that runs shell commands on Linux.
pub const RUN_SHELL_DOCUMENT: &str = "AWS-RunShellScript";

/// curl's connect timeout, in seconds.
pub const CONNECT_TIMEOUT_SECS: u32 = 5;
/// curl's total timeout, in seconds.
pub const TOTAL_TIMEOUT_SECS: u32 = 10;
/// `SendCommand`'s `TimeoutSeconds` (SSM's minimum: 30).
pub const DELIVERY_TIMEOUT_SECS: i32 = 30;
/// The document's `executionTimeout`.
pub const EXECUTION_TIMEOUT_SECS: u32 = 20;
/// `GetCommandInvocation` returns at most this many characters of output.
pub const OUTPUT_LIMIT: usize = 24_000;

/// The URL the egress probe asks by default: it answers the caller's public IP.
pub const DEFAULT_PROBE_URL: &str = "https://checkip.amazonaws.com";

/// A URL validated for a probe: http or https, a host name or IPv4 address, an
/// optional port and path, and none of the characters a shell treats specially.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeUrl {
    /// As given (validated).
    pub url: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-cased host (what TLS SNI or the HTTP Host header carries).
    pub host: String,
    pub port: u16,
}

impl ProbeUrl {
    /// Validates `text`.
    ///
    /// # Errors
    /// A message naming what is wrong: the scheme, a missing host, a character that
    /// is not allowed (named, with its position), a bad port.
    pub fn parse(text: &str) -> Result<Self, crate::error::CommandError> {
        let (scheme, rest) = text.split_once("://").ok_or_else(|| {
            crate::error::CommandError::invalid(format!(
                "{text:?} is not a URL: it must start with http:// or https://"
            ))
        })?;
        let scheme_lc = scheme.to_ascii_lowercase();
        let default_port = match scheme_lc.as_str() {
            "http" => 80,
            "https" => 443,
            _ => {
                return Err(crate::error::CommandError::invalid(format!(
                    "{text:?}: the scheme must be http or https, not {scheme:?}"
                )));
            }
        };
        // Every character must be one a URL needs and a shell never acts on inside
        // single quotes or out of them.
        for (i, c) in text.char_indices() {
            let ok = c.is_ascii_alphanumeric() || "-._~:/?=%+,@#".contains(c);
            if !ok {
                let what = match c {
                    ' ' | '\t' => "a space".to_string(),
                    '\n' | '\r' => "a line break".to_string(),
                    c if c.is_control() => format!("control character U+{:04X}", c as u32),
                    c => format!("{c:?}"),
                };
                return Err(crate::error::CommandError::invalid(format!(
                    "{text:?}: {what} at position {i} is not allowed in a probe URL (allowed: letters, digits and - . _ ~ : / ? = % + , @ #; percent-encode anything else)"
                )));
            }
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(crate::error::CommandError::invalid(format!(
                "{text:?}: credentials in a probe URL (user@host) are not allowed"
            )));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    crate::error::CommandError::invalid(format!(
                        "{text:?}: {p:?} is not a port (1-65535)"
                    ))
                })?,
            ),
            None => (authority, default_port),
        };
        if host.is_empty() {
            return Err(crate::error::CommandError::invalid(format!(
                "{text:?} names no host"
            )));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if host.parse::<std::net::Ipv4Addr>().is_err() && !host.split('.').all(label_ok) {
            return Err(crate::error::CommandError::invalid(format!(
                "{text:?}: {host:?} is not a host name"
            )));
        }
        Ok(Self {
            url: text.to_string(),
            scheme: scheme_lc,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// True for https.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        self.scheme == "https"
    }
}

/// What to run on the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeSpec {
    /// `curl` the URL, printing the body (the egress IP, from an echo service).
    Curl { url: ProbeUrl },
    /// `ping` an address three times.
    Ping { ip: std::net::IpAddr },
}

impl ProbeSpec {
    /// The shell lines `AWS-RunShellScript` runs: the one place they are written.
    #[must_use]
    pub fn commands(&self) -> Vec<String> {
        match self {
            Self::Curl { url } => {
                let quoted = shlex::try_quote(&url.url)
                    .map_or_else(|_| "''".to_string(), std::borrow::Cow::into_owned);
                vec![format!(
                    "curl --silent --show-error --proto =http,https --max-redirs 0 --connect-timeout {CONNECT_TIMEOUT_SECS} --max-time {TOTAL_TIMEOUT_SECS} -- {quoted}"
                )]
            }
            Self::Ping { ip } => vec![format!("ping -c 3 -W 2 -- {ip}")],
        }
    }
}

/// One probe to run on one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeRequest {
    pub instance_id: String,
    pub spec: ProbeSpec,
    /// `SendCommand`'s comment (shown in the SSM console): `netops probe …`.
    pub comment: String,
}

/// An invocation's status, as `GetCommandInvocation` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum InvocationStatus {
    Pending,
    InProgress,
    Delayed,
    Success,
    Cancelled,
    TimedOut,
    Failed,
    Cancelling,
    Other(String),
}

impl InvocationStatus {
    /// Parses the API's spelling.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "Pending" => Self::Pending,
            "InProgress" => Self::InProgress,
            "Delayed" => Self::Delayed,
            "Success" => Self::Success,
            "Cancelled" => Self::Cancelled,
            "TimedOut" => Self::TimedOut,
            "Failed" => Self::Failed,
            "Cancelling" => Self::Cancelling,
            other => Self::Other(other.to_string()),
        }
    }

    /// The API's spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Delayed => "Delayed",
            Self::Success => "Success",
            Self::Cancelled => "Cancelled",
            Self::TimedOut => "TimedOut",
            Self::Failed => "Failed",
            Self::Cancelling => "Cancelling",
            Self::Other(s) => s,
        }
    }

    /// True when the invocation will not change any more.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Success | Self::Cancelled | Self::TimedOut | Self::Failed | Self::Other(_)
        )
    }
}

/// What `GetCommandInvocation` answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    pub status: InvocationStatus,
    /// `StatusDetails` (e.g. `DeliveryTimedOut`, `Undeliverable`).
    pub status_details: String,
    /// The command's exit code (`ResponseCode`; -1 while it runs).
    pub response_code: Option<i32>,
    /// `StandardOutputContent` (at most [`OUTPUT_LIMIT`] characters).
    pub stdout: String,
    /// `StandardErrorContent`.
    pub stderr: String,
}

/// The capability, implemented by the AWS backend and the simulator.
#[async_trait]
pub trait Prober: Send + Sync {
    /// `SendCommand` (`AWS-RunShellScript` with [`ProbeSpec::commands`]) to one
    /// instance; the command id.
    ///
    /// # Errors
    /// Classified: an instance SSM does not manage or whose agent is not online is
    /// `InvalidInput` (SSM's `InvalidInstanceId`), naming it.
    async fn send(&self, region: &str, request: &ProbeRequest) -> Result<String, BackendError>;

    /// `GetCommandInvocation`.
    ///
    /// # Errors
    /// `NotFound` for `InvocationDoesNotExist` (the caller retries it for a while:
    /// an invocation may not exist yet right after `SendCommand`).
    async fn invocation(
        &self,
        region: &str,
        command_id: &str,
        instance_id: &str,
    ) -> Result<Invocation, BackendError>;
}

/// The error a prober answers while an invocation does not exist yet.
#[must_use]
pub fn invocation_not_found(command_id: &str, instance_id: &str) -> BackendError {
    BackendError::new(
        ErrorKind::NotFound,
        format!(
            "InvocationDoesNotExist: no invocation of command {command_id} on {instance_id} yet"
        ),
    )
}
