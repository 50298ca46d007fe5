//! Network Firewall rule group toggles: read-modify-write of the policy document
//! exactly as `DescribeFirewallPolicy` returned it, with its `UpdateToken`.
//!
//! Invariants:
//! - The document sent is the one read, with only the one reference removed (or put
//!   back): the SDK struct is cloned and only its reference list is edited, so every
//!   other field (default actions, custom actions, engine options, variables, TLS
//!   inspection…) goes back untouched, and so do the description and the encryption
//!   configuration.
//! - A plan's token that is not the one read is a `Conflict`, and nothing is sent.
//!   `UpdateFirewallPolicy` is always sent with the token read, so a change made by
//!   someone else in between is refused by AWS too (`InvalidTokenException`).
//! - Disabling records the reference first (`TagResource`), then removes it: the
//!   removed settings are never lost. Enabling puts it back, then removes the tag.

use aws_sdk_networkfirewall::operation::RequestId;
use aws_sdk_networkfirewall::operation::describe_firewall_policy::DescribeFirewallPolicyOutput;
use aws_sdk_networkfirewall::types as nfw;

use super::errors::Cx;
use crate::backend::change::RuleGroupToggle;
use crate::backend::{BackendError, ChangeOp, ChangeOutcome, ErrorKind};
use crate::model::{DISABLED_TAG_PREFIX, DisabledGroup, RuleGroupKind, RuleGroupRef};

const SERVICE: &str = "network-firewall";

/// True when an error is AWS (or the read-only guard) refusing the call, so it
/// surely did not happen; false after a timeout or a cut-off, when it may have.
fn refused(kind: ErrorKind) -> bool {
    !matches!(
        kind,
        ErrorKind::Timeout
            | ErrorKind::ConnectionLost
            | ErrorKind::Unreachable
            | ErrorKind::OutcomeUnknown
            | ErrorKind::Other
    )
}

fn invalid(message: String) -> BackendError {
    BackendError::new(ErrorKind::InvalidInput, message)
}

/// Disables (`enable` false) or re-enables a rule group in a policy.
///
/// # Errors
/// Classified; `Conflict` when the policy's token is not the one the plan saw.
pub(super) async fn toggle(
    client: &aws_sdk_networkfirewall::Client,
    cx: Cx<'_>,
    op: &ChangeOp,
    toggle: &RuleGroupToggle,
    enable: bool,
) -> Result<ChangeOutcome, BackendError> {
    let verb = if enable { "enable" } else { "disable" };
    if op.dry_run {
        return Err(invalid(format!(
            "Network Firewall has no dry run: UpdateFirewallPolicy cannot be asked whether it would {verb} {} in {}; nothing was sent",
            toggle.group_name, toggle.policy_name
        )));
    }
    let described = cx
        .call(
            SERVICE,
            "DescribeFirewallPolicy",
            client
                .describe_firewall_policy()
                .firewall_policy_arn(&toggle.policy_arn)
                .send(),
        )
        .await?;
    let token = described.update_token().to_string();
    if let Some(planned) = &toggle.update_token
        && *planned != token
    {
        return Err(BackendError::new(
            ErrorKind::Conflict,
            format!(
                "{} changed since it was read (update token {planned} → {token}): nothing was sent; re-read it, look at what changed, and confirm again",
                toggle.policy_name
            ),
        )
        .for_resource(&toggle.policy_arn));
    }
    let Some(doc) = described.firewall_policy() else {
        return Err(BackendError::new(
            ErrorKind::Other,
            format!(
                "DescribeFirewallPolicy answered no policy document for {}: nothing was sent",
                toggle.policy_name
            ),
        ));
    };
    let read = Read {
        client,
        cx,
        toggle,
        described: &described,
        doc,
        token,
    };
    let result = if enable {
        read.enable().await
    } else {
        read.disable().await
    };
    result.map_err(|e| e.for_resource(&toggle.policy_arn))
}

/// The policy as read, and what the toggle needs to write it back.
struct Read<'a> {
    client: &'a aws_sdk_networkfirewall::Client,
    cx: Cx<'a>,
    toggle: &'a RuleGroupToggle,
    described: &'a DescribeFirewallPolicyOutput,
    doc: &'a nfw::FirewallPolicy,
    token: String,
}

impl Read<'_> {
    /// The tag key that records the group.
    fn key(&self) -> String {
        format!("{DISABLED_TAG_PREFIX}{}", self.toggle.group_name)
    }

    /// The policy's tag recording the group, if any.
    fn existing_tag(&self) -> Option<&nfw::Tag> {
        let key = self.key();
        self.described
            .firewall_policy_response()
            .map(nfw::FirewallPolicyResponse::tags)
            .unwrap_or_default()
            .iter()
            .find(|t| t.key() == key)
    }

    fn referenced(&self) -> bool {
        let arn = self.toggle.group_arn.as_str();
        self.doc
            .stateful_rule_group_references()
            .iter()
            .any(|r| r.resource_arn() == arn)
            || self
                .doc
                .stateless_rule_group_references()
                .iter()
                .any(|r| r.resource_arn() == arn)
    }

    /// `UpdateFirewallPolicy` with `doc`, the token read, and the description and
    /// encryption configuration passed through.
    async fn update(&self, doc: nfw::FirewallPolicy) -> Result<Option<String>, BackendError> {
        let resp = self.described.firewall_policy_response();
        let req = self
            .client
            .update_firewall_policy()
            .firewall_policy_arn(&self.toggle.policy_arn)
            .update_token(&self.token)
            .firewall_policy(doc)
            .set_description(resp.and_then(|r| r.description()).map(str::to_string))
            .set_encryption_configuration(resp.and_then(|r| r.encryption_configuration()).cloned());
        let out = self
            .cx
            .call(SERVICE, "UpdateFirewallPolicy", req.send())
            .await?;
        Ok(out.request_id().map(str::to_string))
    }

    async fn untag(&self) -> Result<(), BackendError> {
        self.cx
            .call(
                SERVICE,
                "UntagResource",
                self.client
                    .untag_resource()
                    .resource_arn(&self.toggle.policy_arn)
                    .tag_keys(self.key())
                    .send(),
            )
            .await
            .map(|_| ())
    }

    async fn disable(&self) -> Result<ChangeOutcome, BackendError> {
        let t = self.toggle;
        let policy = &t.policy_name;
        let existing = self.existing_tag();
        let Some((record, edited)) = without_reference(self.doc, &t.group_arn, &t.group_name)
        else {
            return Err(invalid(if existing.is_some() {
                format!(
                    "{} is already disabled in {policy} (its {} tag records it): nothing was sent",
                    t.group_name,
                    self.key()
                )
            } else {
                format!(
                    "{policy} does not reference rule group {} ({}): nothing was sent",
                    t.group_name, t.group_arn
                )
            }));
        };
        let (key, value) = record.tag();
        // Record first: whatever happens next, the removed settings are kept.
        self.cx
            .call(
                SERVICE,
                "TagResource",
                self.client
                    .tag_resource()
                    .resource_arn(&t.policy_arn)
                    .tags(
                        nfw::Tag::builder()
                            .key(&key)
                            .value(&value)
                            .build()
                            .map_err(|e| invalid(format!("the tag {key} cannot be built: {e}")))?,
                    )
                    .send(),
            )
            .await
            .map_err(|e| BackendError {
                message: format!(
                    "{} could not be recorded on {policy}, so it was not disabled (nothing was changed): {}",
                    t.group_name, e.message
                ),
                ..e
            })?;
        tracing::info!(policy = %t.policy_arn, %key, %value, "recorded the rule group reference");
        match self.update(edited).await {
            Ok(request_id) => {
                tracing::info!(policy = %t.policy_arn, group = %t.group_arn, token = %self.token, "rule group disabled");
                Ok(ChangeOutcome {
                    request_id,
                    ..ChangeOutcome::default()
                })
            }
            Err(e) => Err(self.undo_record(e, existing.is_none()).await),
        }
    }

    /// After a failed update of a disable: removes the tag added just before (when
    /// AWS refused the update, so the reference is surely still there), and says so.
    async fn undo_record(&self, e: BackendError, added: bool) -> BackendError {
        let t = self.toggle;
        let key = self.key();
        // Only an answer that refused the update proves the reference is still in the
        // policy; after a timeout the update may have happened, and the tag is then
        // the only record of the removed reference.
        let refused = refused(e.kind);
        let tag_note = if !added {
            format!("; the {key} tag was there before and is left")
        } else if !refused {
            format!(
                "; the {key} tag is left: it records the reference in case the update happened (re-read {})",
                t.policy_name
            )
        } else {
            match self.untag().await {
                Ok(()) => format!("; the {key} tag added for it was removed again"),
                Err(u) => {
                    tracing::warn!(policy = %t.policy_arn, %key, error = %u, "could not remove the tag after a failed disable");
                    format!(
                        "; the {key} tag added for it could not be removed ({}): it is ignored while the group is referenced",
                        u.message
                    )
                }
            }
        };
        let message = if e.kind == ErrorKind::Conflict {
            format!(
                "{} was changed by someone else since netops read it (update token {}), so {} was not disabled and nothing was changed: {}{tag_note}; re-read it, look at what changed, and confirm again",
                t.policy_name, self.token, t.group_name, e.message
            )
        } else if refused {
            format!(
                "{} was not disabled in {} (nothing was changed): {}{tag_note}",
                t.group_name, t.policy_name, e.message
            )
        } else {
            format!(
                "{} may or may not have been disabled in {}: {}{tag_note}",
                t.group_name, t.policy_name, e.message
            )
        };
        BackendError { message, ..e }
    }

    async fn enable(&self) -> Result<ChangeOutcome, BackendError> {
        let t = self.toggle;
        let policy = &t.policy_name;
        let key = self.key();
        if self.referenced() {
            return Err(invalid(format!(
                "{} is not disabled in {policy}: it is referenced; nothing was sent",
                t.group_name
            )));
        }
        let Some(tag) = self.existing_tag() else {
            return Err(invalid(format!(
                "{policy} has no record of rule group {} (no {key} tag): netops did not disable it; nothing was sent",
                t.group_name
            )));
        };
        let Some(record) = DisabledGroup::from_tag(tag.key(), tag.value()) else {
            return Err(invalid(format!(
                "the {key} tag on {policy} cannot be read ({:?}): nothing was sent",
                tag.value()
            )));
        };
        if record.reference.arn != t.group_arn {
            return Err(invalid(format!(
                "the {key} tag on {policy} records {}, not {}: nothing was sent",
                record.reference.arn, t.group_arn
            )));
        }
        let edited = with_reference(self.doc, &record, policy)?;
        let request_id = self.update(edited).await.map_err(|e| {
            let message = if e.kind == ErrorKind::Conflict {
                format!(
                    "{policy} was changed by someone else since netops read it (update token {}), so {} was not enabled and nothing was changed: {}; re-read it, look at what changed, and confirm again",
                    self.token, t.group_name, e.message
                )
            } else if refused(e.kind) {
                format!(
                    "{} was not enabled in {policy}: {}; the {key} tag still records it",
                    t.group_name, e.message
                )
            } else {
                format!(
                    "{} may or may not have been enabled in {policy}: {}; the {key} tag still records it (re-read {policy})",
                    t.group_name, e.message
                )
            };
            BackendError { message, ..e }
        })?;
        tracing::info!(policy = %t.policy_arn, group = %t.group_arn, token = %self.token, "rule group enabled");
        let state = match self.untag().await {
            Ok(()) => None,
            Err(u) => {
                tracing::warn!(policy = %t.policy_arn, %key, error = %u, "could not remove the tag after enabling");
                Some(format!(
                    "enabled; the {key} tag could not be removed ({}): it is ignored while the group is referenced",
                    u.message
                ))
            }
        };
        Ok(ChangeOutcome {
            request_id,
            state,
            ..ChangeOutcome::default()
        })
    }
}

/// `doc` without the reference to `arn`, and the record of what was removed; `None`
/// when `doc` does not reference it.
fn without_reference(
    doc: &nfw::FirewallPolicy,
    arn: &str,
    name: &str,
) -> Option<(DisabledGroup, nfw::FirewallPolicy)> {
    let mut edited = doc.clone();
    let record = |kind, reference| DisabledGroup {
        name: name.to_string(),
        kind,
        reference,
    };
    if let Some(refs) = edited.stateful_rule_group_references.as_mut()
        && let Some(i) = refs.iter().position(|r| r.resource_arn() == arn)
    {
        let r = refs.remove(i);
        let reference = RuleGroupRef {
            arn: arn.to_string(),
            priority: r.priority(),
            override_action: r
                .r#override()
                .and_then(nfw::StatefulRuleGroupOverride::action)
                .map(|a| a.as_str().to_string()),
            deep_threat_inspection: r.deep_threat_inspection(),
        };
        return Some((record(RuleGroupKind::Stateful, reference), edited));
    }
    if let Some(refs) = edited.stateless_rule_group_references.as_mut()
        && let Some(i) = refs.iter().position(|r| r.resource_arn() == arn)
    {
        let r = refs.remove(i);
        let reference = RuleGroupRef {
            arn: arn.to_string(),
            priority: Some(r.priority()),
            ..RuleGroupRef::default()
        };
        return Some((record(RuleGroupKind::Stateless, reference), edited));
    }
    None
}

/// `doc` with `record`'s reference put back, references in priority order.
///
/// # Errors
/// `InvalidInput` when another reference of the same kind holds its priority, or a
/// stateless record has none.
fn with_reference(
    doc: &nfw::FirewallPolicy,
    record: &DisabledGroup,
    policy: &str,
) -> Result<nfw::FirewallPolicy, BackendError> {
    let r = &record.reference;
    let taken = |holder: &str| {
        invalid(format!(
            "priority {} in {policy} is taken by {holder} now: {} cannot go back to it; nothing was sent",
            r.priority.unwrap_or_default(),
            record.name
        ))
    };
    let built = |e: aws_sdk_networkfirewall::error::BuildError| {
        invalid(format!(
            "the reference to {} cannot be built: {e}",
            record.name
        ))
    };
    let mut edited = doc.clone();
    match record.kind {
        RuleGroupKind::Stateless => {
            let Some(priority) = r.priority else {
                return Err(invalid(format!(
                    "the {DISABLED_TAG_PREFIX}{} tag on {policy} has no priority, which a stateless reference needs: nothing was sent",
                    record.name
                )));
            };
            let refs = edited
                .stateless_rule_group_references
                .get_or_insert_default();
            if let Some(holder) = refs.iter().find(|x| x.priority() == priority) {
                return Err(taken(holder.resource_arn()));
            }
            refs.push(
                nfw::StatelessRuleGroupReference::builder()
                    .resource_arn(&r.arn)
                    .priority(priority)
                    .build()
                    .map_err(built)?,
            );
            refs.sort_by_key(nfw::StatelessRuleGroupReference::priority);
        }
        _ => {
            let refs = edited
                .stateful_rule_group_references
                .get_or_insert_default();
            if let Some(p) = r.priority
                && let Some(holder) = refs.iter().find(|x| x.priority() == Some(p))
            {
                return Err(taken(holder.resource_arn()));
            }
            refs.push(
                nfw::StatefulRuleGroupReference::builder()
                    .resource_arn(&r.arn)
                    .set_priority(r.priority)
                    .set_override(r.override_action.as_deref().map(|a| {
                        nfw::StatefulRuleGroupOverride::builder()
                            .action(nfw::OverrideAction::from(a))
                            .build()
                    }))
                    .set_deep_threat_inspection(r.deep_threat_inspection)
                    .build()
                    .map_err(built)?,
            );
            refs.sort_by_key(|x| x.priority().unwrap_or(i32::MAX));
        }
    }
    Ok(edited)
}
