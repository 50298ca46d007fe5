//! Changing the network: a capability separate from reading ([`super::Backend`]).
//!
//! Invariants:
//! - A change is data ([`ChangeOp`]): it can be shown, confirmed, logged and compared
//!   before anything is sent. Each names its region and may be a dry run.
//! - A read-only session builds no [`Changer`] at all (see
//!   [`AwsBackend::changer`](super::aws::AwsBackend::changer)).
//! - A dry run that AWS would allow answers `Ok` with [`ChangeOutcome::dry_run`] set
//!   (EC2's `DryRunOperation` error is the success of a dry run).
//! - A change whose answer was lost (a timeout, a connection that broke after the
//!   request left) fails with [`ErrorKind::OutcomeUnknown`], whatever the change: it
//!   may or may not have happened. The caller re-reads and settles it from what AWS
//!   shows; it is never sent again (a creating peering is looked for by its request
//!   tag).

use async_trait::async_trait;
use serde::Serialize;

use super::{BackendError, ErrorKind};

pub use crate::model::change::{
    Change, ChangeOp, REQUEST_TAG_KEY, RuleGroupToggle, TgwRouteTarget, VpcTarget,
};

impl ChangeOp {
    /// Settles a backend's answer for this op: a dry run's `DryRunOk` becomes success,
    /// and a timeout or a connection lost after sending becomes `OutcomeUnknown` (the
    /// change may or may not have happened; it is re-read, never sent again).
    ///
    /// # Errors
    /// The classified error.
    pub fn settle(
        &self,
        result: Result<ChangeOutcome, BackendError>,
    ) -> Result<ChangeOutcome, BackendError> {
        match result {
            Err(e) if e.kind == ErrorKind::DryRunOk && self.dry_run => Ok(ChangeOutcome {
                dry_run: true,
                ..ChangeOutcome::default()
            }),
            Err(e)
                if !self.dry_run
                    && matches!(e.kind, ErrorKind::Timeout | ErrorKind::ConnectionLost) =>
            {
                let mut message = format!(
                    "{} in {} may or may not have happened ({}): re-read before trying again, never retry blindly",
                    self.action(),
                    self.region,
                    e.message
                );
                if let Change::CreatePeering { request_tag, .. } = &self.change {
                    message.push_str("; look for a peering tagged ");
                    message.push_str(REQUEST_TAG_KEY);
                    message.push('=');
                    message.push_str(request_tag);
                }
                Err(BackendError {
                    kind: ErrorKind::OutcomeUnknown,
                    message,
                    ..e
                })
            }
            other => other,
        }
    }
}

/// What a change answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ChangeOutcome {
    /// AWS's request id, for support cases and CloudTrail.
    pub request_id: Option<String>,
    /// The id of what was created (a peering attachment), when something was.
    pub created_id: Option<String>,
    /// The state the object is in right after the call (`pendingAcceptance`,
    /// `associating`, `enabling`…), when the API says.
    pub state: Option<String>,
    /// A dry run that AWS would allow; nothing changed.
    pub dry_run: bool,
}

/// The mutating capability, implemented by the AWS backend and the simulator.
#[async_trait]
pub trait Changer: Send + Sync {
    /// Applies one change (or dry-runs it).
    ///
    /// # Errors
    /// A classified [`BackendError`]: `NotFound`, `AlreadyExists`, `IncorrectState`,
    /// `InvalidInput`, `QuotaExceeded`, `OutcomeUnknown`…
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError>;

    /// Where `op` will be sent when it names no account: the owner's account and how
    /// netops acts there (`role NAME`, `profile NAME`, `base credentials`), so the
    /// audit line says so before it is sent. `None`: the one account read.
    fn route(&self, _op: &ChangeOp) -> Option<(String, String)> {
        None
    }
}

/// A changer per account: this account's, and those of other accounts (a peering
/// accepted on the other side), chosen by [`ChangeOp::account`].
pub struct AccountChangers {
    pub local: std::sync::Arc<dyn Changer>,
    /// Account id → its changer (from the config's `peer_profiles`).
    pub by_account: std::collections::BTreeMap<String, std::sync::Arc<dyn Changer>>,
    /// `--peer-profile`: for any other account not mapped.
    pub peer: Option<std::sync::Arc<dyn Changer>>,
}

#[async_trait]
impl Changer for AccountChangers {
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        let Some(account) = &op.account else {
            return self.local.apply(op).await;
        };
        match self.by_account.get(account).or(self.peer.as_ref()) {
            Some(changer) => changer.apply(op).await,
            None => Err(BackendError::new(
                ErrorKind::AccessDenied,
                format!(
                    "{} runs in account {account}, which netops has no credentials for: pass --peer-profile NAME (or map {account} to a profile under peer_profiles in the config); nothing was sent",
                    op.action()
                ),
            )
            .in_region(&op.region)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peering() -> ChangeOp {
        ChangeOp::new(
            "us-east-1",
            Change::CreatePeering {
                tgw_id: "tgw-1".into(),
                peer_tgw_id: "tgw-2".into(),
                peer_region: "eu-west-1".into(),
                peer_account_id: "111122223333".into(),
                request_tag: "req-7".into(),
            },
        )
    }

    fn route() -> ChangeOp {
        ChangeOp::new(
            "us-east-1",
            Change::DeleteTgwRoute {
                route_table_id: "tgw-rtb-1".into(),
                cidr: "10.0.0.0/16".parse().expect("cidr"),
            },
        )
    }

    #[test]
    fn a_timeout_of_a_non_idempotent_change_is_an_unknown_outcome() {
        let timeout =
            || Err(BackendError::new(ErrorKind::Timeout, "timed out").in_region("us-east-1"));
        let err = peering().settle(timeout()).expect_err("unknown");
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert!(err.message.contains("netops:request-id=req-7"), "{err}");
        assert!(err.message.contains("never retry blindly"), "{err}");
        // So does any other change: a route whose answer was lost may exist.
        let err = route().settle(timeout()).expect_err("unknown");
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert!(err.message.contains("may or may not"), "{err}");
        // A dry run changes nothing: its timeout stays a timeout.
        assert_eq!(
            route()
                .as_dry_run()
                .settle(timeout())
                .expect_err("timeout")
                .kind,
            ErrorKind::Timeout
        );
    }

    #[test]
    fn dry_run_ok_is_success_only_for_a_dry_run() {
        let ok = || Err(BackendError::new(ErrorKind::DryRunOk, "would succeed"));
        let out = route().as_dry_run().settle(ok()).expect("dry run ok");
        assert!(out.dry_run);
        assert!(!route().as_dry_run().mutates());
        assert!(route().mutates());
        assert_eq!(
            route().settle(ok()).expect_err("not a dry run").kind,
            ErrorKind::DryRunOk
        );
    }

    #[tokio::test]
    async fn a_change_in_another_account_needs_that_account_s_changer() {
        use crate::backend::sim::Simulator;
        use std::sync::Arc;
        let local = Arc::new(Simulator::demo().expect("demo"));
        let peer = Arc::new(Simulator::demo().expect("demo"));
        let accept = ChangeOp::new(
            "eu-west-1",
            Change::AcceptPeering {
                attachment_id: "tgw-attach-0e1a2b3c4d5e6f7a1".into(),
            },
        )
        .in_account("222233334444");
        let without = AccountChangers {
            local: Arc::clone(&local) as Arc<dyn Changer>,
            by_account: std::collections::BTreeMap::new(),
            peer: None,
        };
        let err = without.apply(&accept).await.expect_err("no credentials");
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert!(err.message.contains("--peer-profile"), "{err}");
        let with = AccountChangers {
            local: Arc::clone(&local) as Arc<dyn Changer>,
            by_account: std::collections::BTreeMap::new(),
            peer: Some(Arc::clone(&peer) as Arc<dyn Changer>),
        };
        with.apply(&accept)
            .await
            .expect("accepted with the peer's changer");
        let state = |sim: &Simulator| {
            sim.snapshot()["eu-west-1"]
                .peerings
                .iter()
                .find(|p| p.id == "tgw-attach-0e1a2b3c4d5e6f7a1")
                .map(|p| p.state.clone())
        };
        assert_ne!(
            state(&peer),
            Some(crate::model::AttachmentState::PendingAcceptance),
            "the peer account's side changed"
        );
        assert_eq!(
            state(&local),
            Some(crate::model::AttachmentState::PendingAcceptance),
            "this account's did not"
        );
    }

    #[test]
    fn a_change_serializes_as_data() {
        let json = serde_json::to_value(route()).expect("json");
        assert_eq!(json["region"], "us-east-1");
        assert_eq!(json["change"]["op"], "delete_tgw_route");
        assert_eq!(json["change"]["cidr"], "10.0.0.0/16");
    }
}
