//! Network Firewall rule group toggles: read-modify-write of the policy document
//! exactly as `DescribeFirewallPolicy` returned it, with its `UpdateToken`.
//!
//! (Contract stub: the helper implementing it replaces this body.)

use super::errors::Cx;
use crate::backend::change::RuleGroupToggle;
use crate::backend::{BackendError, ChangeOp, ChangeOutcome, ErrorKind};

/// Disables (`enable` false) or re-enables a rule group in a policy.
///
/// # Errors
/// Classified; `Conflict` when the policy's token is not the one the plan saw.
pub(super) async fn toggle(
    _client: &aws_sdk_networkfirewall::Client,
    _cx: Cx<'_>,
    _op: &ChangeOp,
    _toggle: &RuleGroupToggle,
    _enable: bool,
) -> Result<ChangeOutcome, BackendError> {
    Err(BackendError::new(
        ErrorKind::Unsupported,
        "rule group toggles are not built yet",
    ))
}
