//! The error every layer shares: a [`BackendError`] with a kind an operator can act
//! on, kept whole from the backend through discovery to the model (a failed region
//! keeps its kind, not just a sentence) and the front ends (exit codes, messages).
//!
//! Kinds are decided by exact AWS error code in the AWS backend
//! (`backend::aws::errors`), never by prefix.

use serde::{Deserialize, Serialize};

/// What kind of failure, in terms an operator can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No credentials, or expired ones.
    Credentials,
    /// The caller lacks a permission.
    AccessDenied,
    /// Throttled, and retries were exhausted.
    Throttled,
    /// A resource id that does not exist (in that region).
    NotFound,
    /// The endpoint could not be reached.
    Unreachable,
    /// The call timed out.
    Timeout,
    /// The connection broke after the request was sent: the call may have been
    /// carried out (a change whose answer is lost is [`Self::OutcomeUnknown`]).
    ConnectionLost,
    /// The request was malformed (bad id, bad CIDR...).
    InvalidInput,
    /// The API is not available here (e.g. not implemented by an emulator).
    Unsupported,
    /// Optimistic concurrency lost: the object changed since it was read (a stale
    /// Network Firewall `UpdateToken`). Re-read, then decide again.
    Conflict,
    /// The object is not in a state that allows the change (accepting a peering that
    /// is not `pendingAcceptance`).
    IncorrectState,
    /// What the change would create exists already (a route for that CIDR, an
    /// association of that attachment).
    AlreadyExists,
    /// A dry run found that the change would be allowed; nothing changed.
    DryRunOk,
    /// A change timed out or was cut off after it was sent: it may or may not have
    /// happened. Re-read before anything else; never send it again blindly.
    OutcomeUnknown,
    /// An AWS quota would be exceeded (routes per TGW route table, attachments per TGW).
    QuotaExceeded,
    /// netops runs read-only, and the call would have changed something.
    ReadOnly,
    /// Anything else.
    Other,
}

/// A backend failure, naming the region and the resource where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub kind: ErrorKind,
    pub region: Option<String>,
    pub resource: Option<String>,
    /// A full sentence for the user: what failed and what to do about it.
    pub message: String,
}

impl BackendError {
    /// A new error with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            region: None,
            resource: None,
            message: message.into(),
        }
    }

    /// Attaches the region.
    #[must_use]
    pub fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    /// Attaches the resource id.
    #[must_use]
    pub fn for_resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_string());
        self
    }

    /// "resource X not found in REGION (refresh with Ctrl-r)".
    #[must_use]
    pub fn not_found(what: &str, id: &str, region: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("{what} {id} not found in {region} (refresh, or check the id and region)"),
        )
        .in_region(region)
        .for_resource(id)
    }
}

/// Why a command failed. Shown (text and JSON) with any huge echoed input cut
/// ([`crate::text::cut_long_words`]): a 1 MB argument never makes a 1 MB error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}", crate::text::cut_long_words(message))]
pub struct CommandError {
    /// What kind of failure (`not_found`, `invalid_input` in JSON), the same kinds a
    /// backend error has, so a front end maps both to exit codes and words alike.
    pub kind: ErrorKind,
    #[serde(serialize_with = "serialize_cut")]
    pub message: String,
}

fn serialize_cut<S: serde::Serializer>(message: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::text::cut_long_words(message))
}

impl CommandError {
    /// A failure of this kind with this message.
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Input refused: a bad id, CIDR, URL, typed line, config, keymap or scenario
    /// ([`ErrorKind::InvalidInput`]).
    #[must_use]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// A failure no other kind names, such as a file that cannot be read or
    /// written ([`ErrorKind::Other`]).
    #[must_use]
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Other, message)
    }
}

/// What a read-only session refuses to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A change to the network.
    Change,
    /// A command run on instances (SSM `SendCommand`: probes).
    Probe,
}

/// The one sentence a read-only session refuses with, in every front end and
/// backend: `subject` is what was asked (a command line, an API call).
#[must_use]
/// Why the session cannot change anything, when it is not the user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnlyBecause {
    /// The estate is a snapshot (`--snapshot`).
    Snapshot,
}

static READ_ONLY_BECAUSE: std::sync::OnceLock<ReadOnlyBecause> = std::sync::OnceLock::new();

/// Why the session is read-only, when it is not the user's choice.
#[must_use]
pub fn read_only_because() -> Option<ReadOnlyBecause> {
    READ_ONLY_BECAUSE.get().copied()
}

/// Records, once per process, why every change is refused (the refusals then say so).
pub fn set_read_only_because(why: ReadOnlyBecause) {
    let _ = READ_ONLY_BECAUSE.set(why);
}

pub fn read_only(subject: &str, refused: Refused) -> String {
    if READ_ONLY_BECAUSE.get() == Some(&ReadOnlyBecause::Snapshot) {
        return match refused {
            Refused::Change => format!(
                "a snapshot cannot be changed: {subject} was not run (the estate on screen is a capture, not a live account)"
            ),
            Refused::Probe => format!(
                "snapshot: not probed: {subject} runs commands on live instances, and a snapshot has none"
            ),
        };
    }
    let does = match refused {
        Refused::Change => "would change the network",
        Refused::Probe => "runs commands on instances through SSM (SendCommand)",
    };
    // What was refused first: a status line cuts the end, never the subject.
    format!(
        "netops is read-only: {subject} {does}; nothing was sent (--read-only, or read_only for this profile or account in the config)"
    )
}
