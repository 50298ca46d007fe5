//! `fw disable|enable POLICY GROUP`: a rule group toggle planned as a change.
//!
//! Invariants: the preview names the policy's group order before and after (in
//! evaluation order); the op carries the policy's update token as read, so a
//! colleague's change made since is detected, never overwritten; the inverse
//! (for `undo`) is the opposite toggle.

use super::{Draft, invalid};
use crate::backend::{Change, ChangeOp, RuleGroupToggle};
use crate::error::CommandError;
use crate::model::{FirewallPolicy, RuleGroupKind, RuleGroupRef};
use crate::net::Net;

/// Finds a policy by name or ARN in the loaded regions.
fn find_policy<'a>(net: &Net<'a>, name: &str) -> Result<&'a FirewallPolicy, CommandError> {
    let found: Vec<&FirewallPolicy> = net
        .regions()
        .flat_map(|r| r.firewall_policies.iter())
        .filter(|p| p.name == name || p.arn == name)
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<String> = net
                .regions()
                .flat_map(|r| r.firewall_policies.iter().map(|p| p.name.clone()))
                .collect();
            Err(CommandError::new(
                crate::error::ErrorKind::NotFound,
                format!(
                    "no firewall policy {name} in the loaded regions{}",
                    if known.is_empty() {
                        " (none was read: is Network Firewall readable here?)".to_string()
                    } else {
                        format!(" (known: {})", known.join(", "))
                    }
                ),
            ))
        }
        many => Err(invalid(format!(
            "{name} names a policy in {} regions ({}): give its ARN",
            many.len(),
            many.iter()
                .map(|p| p.region.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The group's ARN and name, by name or ARN: a rule group of the policy's region,
/// or a reference or disabled record of the policy.
fn find_group(
    net: &Net<'_>,
    p: &FirewallPolicy,
    name: &str,
) -> Result<(String, String), CommandError> {
    if let Some(g) = net.rule_group_in(&p.region, name) {
        return Ok((g.arn.clone(), g.name.clone()));
    }
    if let Some(d) = p
        .disabled
        .iter()
        .find(|d| d.name == name || d.reference.arn == name)
    {
        return Ok((d.reference.arn.clone(), d.name.clone()));
    }
    if let Some(r) = p
        .stateful_rule_groups
        .iter()
        .chain(&p.stateless_rule_groups)
        .find(|r| r.arn == name || r.arn.rsplit('/').next() == Some(name))
    {
        let short = r.arn.rsplit('/').next().unwrap_or(&r.arn).to_string();
        return Ok((r.arn.clone(), short));
    }
    let mut known: Vec<String> = p
        .stateful_rule_groups
        .iter()
        .chain(&p.stateless_rule_groups)
        .map(|r| group_label(net, p, r))
        .collect();
    known.extend(p.disabled.iter().map(|d| format!("{} (disabled)", d.name)));
    Err(CommandError::new(
        crate::error::ErrorKind::NotFound,
        format!(
            "{} has no rule group {name} (its groups: {})",
            p.name,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    ))
}

fn group_label(net: &Net<'_>, p: &FirewallPolicy, r: &RuleGroupRef) -> String {
    net.rule_group_in(&p.region, &r.arn).map_or_else(
        || r.arn.rsplit('/').next().unwrap_or(&r.arn).to_string(),
        |g| g.name.clone(),
    )
}

/// A policy's groups of one kind in evaluation order, in one line:
/// `10 allow-icmp, 20 allow-amazon` (`(none)` when empty), then what is disabled.
#[must_use]
pub fn group_order(net: &Net<'_>, p: &FirewallPolicy, kind: &RuleGroupKind) -> String {
    let (refs, by_priority) = match kind {
        RuleGroupKind::Stateless => (&p.stateless_rule_groups, true),
        _ => (
            &p.stateful_rule_groups,
            p.stateful_rule_order.as_deref() == Some("STRICT_ORDER"),
        ),
    };
    let mut ordered: Vec<&RuleGroupRef> = refs.iter().collect();
    if by_priority {
        ordered.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
    }
    let mut words: Vec<String> = ordered
        .iter()
        .map(|r| {
            let name = group_label(net, p, r);
            let over = r
                .override_action
                .as_deref()
                .map_or_else(String::new, |o| format!(" ({o})"));
            match r.priority {
                Some(n) => format!("{n} {name}{over}"),
                None => format!("{name}{over}"),
            }
        })
        .collect();
    if words.is_empty() {
        words.push("(none)".into());
    }
    let disabled: Vec<String> = p
        .disabled
        .iter()
        .filter(|d| &d.kind == kind)
        .map(|d| d.name.clone())
        .collect();
    let mut out = words.join(", ");
    if !disabled.is_empty() {
        out.push_str(&format!("; disabled: {}", disabled.join(", ")));
    }
    out
}

/// Plans `fw disable` (`enable` false) or `fw enable`.
///
/// # Errors
/// A policy or group that names nothing loaded (with what is there).
pub(super) fn toggle(
    net: &Net<'_>,
    policy: &str,
    group: &str,
    enable: bool,
) -> Result<Draft, CommandError> {
    let p = find_policy(net, policy)?;
    let (group_arn, group_name) = find_group(net, p, group)?;
    let toggle = RuleGroupToggle {
        policy_arn: p.arn.clone(),
        policy_name: p.name.clone(),
        group_arn: group_arn.clone(),
        group_name: group_name.clone(),
        update_token: p.update_token.clone(),
    };
    let (change, inverse) = if enable {
        (
            Change::EnableRuleGroup(toggle.clone()),
            Change::DisableRuleGroup(RuleGroupToggle {
                update_token: None,
                ..toggle
            }),
        )
    } else {
        (
            Change::DisableRuleGroup(toggle.clone()),
            Change::EnableRuleGroup(RuleGroupToggle {
                update_token: None,
                ..toggle
            }),
        )
    };
    let mut d = super::Draft::new(format!(
        "{} rule group {group_name} in firewall policy {}",
        if enable { "enable" } else { "disable" },
        p.name
    ));
    // Which kind the group is: its reference, its record, else the rule group.
    let kind = p
        .stateless_rule_groups
        .iter()
        .any(|r| r.arn == group_arn)
        .then_some(RuleGroupKind::Stateless)
        .or_else(|| {
            p.disabled
                .iter()
                .find(|x| x.reference.arn == group_arn)
                .map(|x| x.kind.clone())
        })
        .or_else(|| {
            net.rule_group_in(&p.region, &group_arn)
                .map(|g| g.kind.clone())
        })
        .unwrap_or(RuleGroupKind::Stateful);
    let mut after = p.clone();
    let edited = if enable {
        after.enable_group(&group_arn, &group_name)
    } else {
        after.disable_group(&group_arn, &group_name)
    };
    let kind_word = match kind {
        RuleGroupKind::Stateless => "stateless groups",
        _ => "stateful groups",
    };
    d.row(
        &p.region,
        format!("{} {kind_word}", p.name),
        group_order(net, p, &kind),
        match &edited {
            Ok(_) => group_order(net, &after, &kind),
            Err(e) => format!("(refused: {})", e.message),
        },
    );
    let firewalls: Vec<String> = net
        .region(&p.region)
        .map(|r| {
            r.firewalls
                .iter()
                .filter(|f| f.policy_arn == p.arn)
                .map(|f| format!("{} ({})", f.name, f.vpc_id))
                .collect()
        })
        .unwrap_or_default();
    if !firewalls.is_empty() {
        d.row(
            &p.region,
            "firewalls using it".into(),
            firewalls.join(", "),
            "the same policy, changed for all of them".into(),
        );
    }
    if let Ok(record) = &edited
        && !enable
    {
        let (key, value) = record.tag();
        d.row(
            &p.region,
            format!("{} tag {key}", p.name),
            "(none)".into(),
            value,
        );
    }
    d.ops.push(ChangeOp::new(&p.region, change));
    d.inverse.push(ChangeOp::new(&p.region, inverse));
    Ok(d)
}

/// The rule group toggle a stale update token refused in this execution (someone
/// changed the policy since it was read), the same for the console and batch.
#[must_use]
pub fn conflicted_toggle(exec: &super::exec::Execution) -> Option<&crate::backend::ChangeOp> {
    exec.results.iter().find_map(|r| match &r.outcome {
        Some(Err(e)) if e.kind == crate::backend::ErrorKind::Conflict => {
            r.op.change.toggle().map(|_| &r.op)
        }
        _ => None,
    })
}

/// What a colleague changed in a policy between two reads, in words (or that it is
/// gone, or was not read before).
#[must_use]
pub fn their_changes(
    before: Option<&crate::model::FirewallPolicy>,
    after: Option<&crate::model::FirewallPolicy>,
    name: &str,
) -> Vec<String> {
    match (before, after) {
        (Some(b), Some(a)) => what_changed(b, a),
        (_, None) => vec![format!("{name} is gone")],
        (None, Some(_)) => vec![format!("{name} was not read before")],
    }
}

/// What changed in a policy between two reads, in words (a colleague's change
/// found by a stale update token): tokens, default actions, rule order, each group
/// reference added, removed or moved, variables, disabled records.
#[must_use]
pub fn what_changed(before: &FirewallPolicy, after: &FirewallPolicy) -> Vec<String> {
    let mut out = Vec::new();
    let short = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    let list = |v: &[String]| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v.join(", ")
        }
    };
    for (what, b, a) in [
        (
            "stateless default actions",
            &before.stateless_default_actions,
            &after.stateless_default_actions,
        ),
        (
            "stateless fragment default actions",
            &before.stateless_fragment_default_actions,
            &after.stateless_fragment_default_actions,
        ),
        (
            "stateful default actions",
            &before.stateful_default_actions,
            &after.stateful_default_actions,
        ),
    ] {
        if b != a {
            out.push(format!("{what}: {} → {}", list(b), list(a)));
        }
    }
    if before.stateful_rule_order != after.stateful_rule_order {
        out.push(format!(
            "stateful rule order: {} → {}",
            before
                .stateful_rule_order
                .as_deref()
                .unwrap_or("DEFAULT_ACTION_ORDER"),
            after
                .stateful_rule_order
                .as_deref()
                .unwrap_or("DEFAULT_ACTION_ORDER")
        ));
    }
    for (kind, b, a) in [
        (
            "stateless",
            &before.stateless_rule_groups,
            &after.stateless_rule_groups,
        ),
        (
            "stateful",
            &before.stateful_rule_groups,
            &after.stateful_rule_groups,
        ),
    ] {
        for r in b {
            match a.iter().find(|x| x.arn == r.arn) {
                None => out.push(format!("{kind} group {} removed", short(&r.arn))),
                Some(x) if x != r => out.push(format!(
                    "{kind} group {}: priority {} → {}, override {} → {}",
                    short(&r.arn),
                    r.priority.map_or_else(|| "-".into(), |p| p.to_string()),
                    x.priority.map_or_else(|| "-".into(), |p| p.to_string()),
                    r.override_action.as_deref().unwrap_or("-"),
                    x.override_action.as_deref().unwrap_or("-"),
                )),
                Some(_) => {}
            }
        }
        for x in a {
            if !b.iter().any(|r| r.arn == x.arn) {
                out.push(format!(
                    "{kind} group {} added{}",
                    short(&x.arn),
                    x.priority
                        .map_or_else(String::new, |p| format!(" at priority {p}"))
                ));
            }
        }
    }
    if before.policy_variables != after.policy_variables {
        out.push(format!(
            "policy variables: {:?} → {:?}",
            before.policy_variables, after.policy_variables
        ));
    }
    let names = |p: &FirewallPolicy| {
        p.disabled
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()
    };
    if names(before) != names(after) {
        out.push(format!(
            "disabled by netops: {} → {}",
            list(&names(before)),
            list(&names(after))
        ));
    }
    if out.is_empty() && before.update_token != after.update_token {
        out.push("a new update token, with no change netops models (a description, tags, TLS or encryption settings)".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, priority: i32, over: Option<&str>) -> RuleGroupRef {
        RuleGroupRef {
            arn: format!("arn:aws:network-firewall:us-east-1:1:stateful-rulegroup/{name}"),
            priority: Some(priority),
            override_action: over.map(str::to_string),
            deep_threat_inspection: None,
        }
    }

    #[test]
    fn what_a_colleague_changed_is_said_group_by_group() {
        let before = FirewallPolicy {
            name: "p".into(),
            update_token: Some("t1".into()),
            stateful_default_actions: vec!["aws:drop_strict".into()],
            stateful_rule_groups: vec![r("a", 10, None), r("b", 20, None)],
            ..FirewallPolicy::default()
        };
        let mut after = before.clone();
        after.update_token = Some("t2".into());
        after.stateful_rule_groups = vec![r("a", 10, Some("DROP_TO_ALERT")), r("c", 30, None)];
        after
            .stateful_default_actions
            .push("aws:alert_established".into());
        let lines = what_changed(&before, &after);
        assert_eq!(
            lines,
            vec![
                "stateful default actions: aws:drop_strict → aws:drop_strict, aws:alert_established",
                "stateful group a: priority 10 → 10, override - → DROP_TO_ALERT",
                "stateful group b removed",
                "stateful group c added at priority 30",
            ]
        );
        let mut touched = before.clone();
        touched.update_token = Some("t3".into());
        assert_eq!(
            what_changed(&before, &touched).len(),
            1,
            "a token alone is said too"
        );
    }
}
