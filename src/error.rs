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
