//! Network Firewall rule group toggles through the real SDK, against
//! aws-smithy-mocks: moto 5.2.5 has no firewall policies (DescribeFirewallPolicy,
//! UpdateFirewallPolicy, TagResource and UntagResource on policies are missing), so
//! the answers are shaped after the AWS API reference. Every call's input is logged
//! in order, so a test can check what was sent, in which order, and what was not.

use std::sync::{Arc, Mutex};

use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_networkfirewall::Client;
use aws_sdk_networkfirewall::operation::describe_firewall_policy::{
    DescribeFirewallPolicyInput, DescribeFirewallPolicyOutput,
};
use aws_sdk_networkfirewall::operation::list_firewall_policies::ListFirewallPoliciesOutput;
use aws_sdk_networkfirewall::operation::list_firewalls::ListFirewallsOutput;
use aws_sdk_networkfirewall::operation::list_rule_groups::ListRuleGroupsOutput;
use aws_sdk_networkfirewall::operation::tag_resource::{TagResourceInput, TagResourceOutput};
use aws_sdk_networkfirewall::operation::untag_resource::{
    UntagResourceError, UntagResourceInput, UntagResourceOutput,
};
use aws_sdk_networkfirewall::operation::update_firewall_policy::{
    UpdateFirewallPolicyError, UpdateFirewallPolicyInput, UpdateFirewallPolicyOutput,
};
use aws_sdk_networkfirewall::types as nfw;
use aws_smithy_mocks::{MockResponse, Rule, mock};
use netops::backend::aws::AwsBackend;
use netops::backend::{
    Backend, Change, ChangeOp, ErrorKind, OptionalData, OptionalPart, RuleGroupToggle,
};
use netops::model::{DisabledGroup, RuleGroupKind, RuleGroupRef};

use super::aws_mocks::{REGION, backend, clients};

const POLICY: &str = "arn:aws:network-firewall:eu-west-1:111122223333:firewall-policy/egress";
const TOKEN: &str = "1a2b3c4d-0001-4000-8000-000000000001";
const THREATS: &str = "arn:aws:network-firewall:eu-west-1:aws-managed:stateful-rulegroup/AttackInfrastructureStrictOrder";
const ALLOW_AMAZON: &str =
    "arn:aws:network-firewall:eu-west-1:111122223333:stateful-rulegroup/allow-amazon";
const BLOCK: &str = "arn:aws:network-firewall:eu-west-1:111122223333:stateful-rulegroup/block";
const STATELESS: &str = "arn:aws:network-firewall:eu-west-1:111122223333:stateless-rulegroup/sl";
const TLS: &str =
    "arn:aws:network-firewall:eu-west-1:111122223333:tls-configuration/inspect-outbound";
const KMS: &str = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
const KEY: &str = "netops:disabled:allow-amazon";

/// A call the mocks answered, with its input.
#[derive(Debug, Clone)]
enum Call {
    Describe(DescribeFirewallPolicyInput),
    Tag(TagResourceInput),
    Update(Box<UpdateFirewallPolicyInput>),
    Untag(UntagResourceInput),
}

type Log = Arc<Mutex<Vec<Call>>>;

fn calls(log: &Log) -> Vec<Call> {
    log.lock().expect("log lock").clone()
}

fn names(log: &Log) -> Vec<&'static str> {
    calls(log)
        .iter()
        .map(|c| match c {
            Call::Describe(_) => "DescribeFirewallPolicy",
            Call::Tag(_) => "TagResource",
            Call::Update(_) => "UpdateFirewallPolicy",
            Call::Untag(_) => "UntagResource",
        })
        .collect()
}

fn stateful(
    arn: &str,
    priority: i32,
    action: Option<nfw::OverrideAction>,
) -> nfw::StatefulRuleGroupReference {
    nfw::StatefulRuleGroupReference::builder()
        .resource_arn(arn)
        .priority(priority)
        .set_override(action.map(|a| nfw::StatefulRuleGroupOverride::builder().action(a).build()))
        .build()
        .expect("stateful reference")
}

fn stateless(arn: &str, priority: i32) -> nfw::StatelessRuleGroupReference {
    nfw::StatelessRuleGroupReference::builder()
        .resource_arn(arn)
        .priority(priority)
        .build()
        .expect("stateless reference")
}

/// A policy document using every field `FirewallPolicy` has, with `stateful` as its
/// stateful references.
fn document(stateful_refs: Vec<nfw::StatefulRuleGroupReference>) -> nfw::FirewallPolicy {
    nfw::FirewallPolicy::builder()
        .stateless_default_actions("aws:forward_to_sfe")
        .stateless_default_actions("MetricsAction")
        .stateless_fragment_default_actions("aws:forward_to_sfe")
        .stateless_custom_actions(
            nfw::CustomAction::builder()
                .action_name("MetricsAction")
                .action_definition(
                    nfw::ActionDefinition::builder()
                        .publish_metric_action(
                            nfw::PublishMetricAction::builder()
                                .dimensions(
                                    nfw::Dimension::builder()
                                        .value("egress")
                                        .build()
                                        .expect("dimension"),
                                )
                                .build()
                                .expect("metric action"),
                        )
                        .build(),
                )
                .build()
                .expect("custom action"),
        )
        .stateless_rule_group_references(stateless(STATELESS, 5))
        .set_stateful_rule_group_references(Some(stateful_refs))
        .stateful_default_actions("aws:drop_established")
        .stateful_default_actions("aws:alert_established")
        .stateful_engine_options(
            nfw::StatefulEngineOptions::builder()
                .rule_order(nfw::RuleOrder::StrictOrder)
                .stream_exception_policy(nfw::StreamExceptionPolicy::Reject)
                .flow_timeouts(
                    nfw::FlowTimeouts::builder()
                        .tcp_idle_timeout_seconds(350)
                        .build(),
                )
                .build(),
        )
        .tls_inspection_configuration_arn(TLS)
        .policy_variables(
            nfw::PolicyVariables::builder()
                .rule_variables(
                    "HOME_NET",
                    nfw::IpSet::builder()
                        .definition("10.0.0.0/8")
                        .definition("192.168.0.0/16")
                        .build()
                        .expect("ip set"),
                )
                .build(),
        )
        .enable_tls_session_holding(true)
        .build()
        .expect("policy document")
}

fn threats() -> nfw::StatefulRuleGroupReference {
    nfw::StatefulRuleGroupReference::builder()
        .resource_arn(THREATS)
        .priority(10)
        .r#override(
            nfw::StatefulRuleGroupOverride::builder()
                .action(nfw::OverrideAction::DropToAlert)
                .build(),
        )
        .deep_threat_inspection(true)
        .build()
        .expect("threats reference")
}

/// The document with all three stateful groups referenced.
fn full() -> nfw::FirewallPolicy {
    document(vec![
        threats(),
        stateful(ALLOW_AMAZON, 20, Some(nfw::OverrideAction::DropToAlert)),
        stateful(BLOCK, 30, None),
    ])
}

/// The document with allow-amazon removed (as netops disables it).
fn without_allow_amazon() -> nfw::FirewallPolicy {
    document(vec![threats(), stateful(BLOCK, 30, None)])
}

fn tag(key: &str, value: &str) -> nfw::Tag {
    nfw::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("tag")
}

/// `DescribeFirewallPolicy`'s answer: `doc`, `token`, tags, a description and a
/// customer KMS key.
fn described(
    doc: nfw::FirewallPolicy,
    token: &str,
    tags: Vec<nfw::Tag>,
) -> DescribeFirewallPolicyOutput {
    DescribeFirewallPolicyOutput::builder()
        .update_token(token)
        .firewall_policy_response(
            nfw::FirewallPolicyResponse::builder()
                .firewall_policy_name("egress")
                .firewall_policy_arn(POLICY)
                .firewall_policy_id("pol-0001")
                .description("egress inspection")
                .firewall_policy_status(nfw::ResourceStatus::Active)
                .set_tags(Some(tags))
                .encryption_configuration(
                    nfw::EncryptionConfiguration::builder()
                        .key_id(KMS)
                        .r#type(nfw::EncryptionType::CustomerKms)
                        .build()
                        .expect("encryption"),
                )
                .number_of_associations(1)
                .build()
                .expect("policy response"),
        )
        .firewall_policy(doc)
        .build()
        .expect("describe output")
}

/// How `UpdateFirewallPolicy` answers.
#[derive(Clone, Copy)]
enum Update {
    Ok,
    InvalidToken,
    /// An error that does not prove the update was refused.
    Internal,
}

/// Mocks answering DescribeFirewallPolicy with `answer`, logging every call.
fn firewall(
    log: &Log,
    answer: DescribeFirewallPolicyOutput,
    update: Update,
    untag_ok: bool,
) -> Vec<Rule> {
    let (l1, l2, l3, l4) = (log.clone(), log.clone(), log.clone(), log.clone());
    vec![
        mock!(Client::describe_firewall_policy).then_compute_output(move |input| {
            l1.lock().expect("log").push(Call::Describe(input.clone()));
            answer.clone()
        }),
        mock!(Client::tag_resource).then_compute_output(move |input| {
            l2.lock().expect("log").push(Call::Tag(input.clone()));
            TagResourceOutput::builder().build()
        }),
        mock!(Client::update_firewall_policy).then_compute_response(move |input| {
            l3.lock()
                .expect("log")
                .push(Call::Update(Box::new(input.clone())));
            match update {
                Update::Ok => MockResponse::Output(
                    UpdateFirewallPolicyOutput::builder()
                        .update_token("1a2b3c4d-0002-4000-8000-000000000002")
                        .firewall_policy_response(
                            nfw::FirewallPolicyResponse::builder()
                                .firewall_policy_name("egress")
                                .firewall_policy_arn(POLICY)
                                .firewall_policy_id("pol-0001")
                                .build()
                                .expect("policy response"),
                        )
                        .build()
                        .expect("update output"),
                ),
                Update::InvalidToken => MockResponse::Error(UpdateFirewallPolicyError::generic(
                    ErrorMetadata::builder()
                        .code("InvalidTokenException")
                        .message("Update token is invalid")
                        .build(),
                )),
                Update::Internal => MockResponse::Error(UpdateFirewallPolicyError::generic(
                    ErrorMetadata::builder()
                        .code("InternalServerError")
                        .message("internal failure")
                        .build(),
                )),
            }
        }),
        mock!(Client::untag_resource).then_compute_response(move |input| {
            l4.lock().expect("log").push(Call::Untag(input.clone()));
            if untag_ok {
                MockResponse::Output(UntagResourceOutput::builder().build())
            } else {
                MockResponse::Error(UntagResourceError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not allowed to untag")
                        .build(),
                ))
            }
        }),
    ]
}

fn aws(rules: &[Rule]) -> Arc<AwsBackend> {
    Arc::new(backend(clients(&[], &[], rules)))
}

fn toggle(token: Option<&str>) -> RuleGroupToggle {
    RuleGroupToggle {
        policy_arn: POLICY.into(),
        policy_name: "egress".into(),
        group_arn: ALLOW_AMAZON.into(),
        group_name: "allow-amazon".into(),
        update_token: token.map(str::to_string),
    }
}

fn disable(token: Option<&str>) -> ChangeOp {
    ChangeOp::new(REGION, Change::DisableRuleGroup(toggle(token)))
}

fn enable(token: Option<&str>) -> ChangeOp {
    ChangeOp::new(REGION, Change::EnableRuleGroup(toggle(token)))
}

/// The record netops writes when disabling allow-amazon.
fn record() -> DisabledGroup {
    DisabledGroup {
        name: "allow-amazon".into(),
        kind: RuleGroupKind::Stateful,
        reference: RuleGroupRef {
            arn: ALLOW_AMAZON.into(),
            priority: Some(20),
            override_action: Some("DROP_TO_ALERT".into()),
            deep_threat_inspection: None,
        },
    }
}

fn the_update(log: &Log) -> UpdateFirewallPolicyInput {
    calls(log)
        .into_iter()
        .find_map(|c| match c {
            Call::Update(i) => Some(*i),
            _ => None,
        })
        .expect("UpdateFirewallPolicy was sent")
}

#[tokio::test]
async fn aws_firewall_disable_records_first_and_keeps_every_other_field() {
    let log = Log::default();
    let b = aws(&firewall(
        &log,
        described(full(), TOKEN, vec![tag("team", "net")]),
        Update::Ok,
        true,
    ));
    let changer = Arc::clone(&b).changer().expect("changer");
    let out = changer
        .apply(&disable(Some(TOKEN)))
        .await
        .expect("disabled");
    assert!(!out.dry_run);
    assert_eq!(out.state, None, "nothing to report");
    assert_eq!(
        names(&log),
        [
            "DescribeFirewallPolicy",
            "TagResource",
            "UpdateFirewallPolicy"
        ],
        "recorded before anything is removed"
    );
    let Call::Describe(d) = &calls(&log)[0] else {
        panic!("describe first")
    };
    assert_eq!(d.firewall_policy_arn(), Some(POLICY));
    let Call::Tag(t) = &calls(&log)[1] else {
        panic!("tag second")
    };
    assert_eq!(t.resource_arn(), Some(POLICY));
    let (key, value) = record().tag();
    assert_eq!(key, KEY);
    assert_eq!(
        t.tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect::<Vec<_>>(),
        [(key, value.clone())]
    );
    assert_eq!(
        value,
        format!("STATEFUL priority=20 override=DROP_TO_ALERT arn={ALLOW_AMAZON}")
    );
    let u = the_update(&log);
    assert_eq!(u.firewall_policy_arn(), Some(POLICY));
    assert_eq!(u.update_token(), Some(TOKEN), "the token read");
    assert_eq!(u.dry_run(), None);
    // The document as read, minus exactly the one reference: every other field
    // (custom actions, engine options, variables, TLS…) is the same.
    assert_eq!(u.firewall_policy(), Some(&without_allow_amazon()));
    assert_eq!(u.description(), Some("egress inspection"));
    let enc = u
        .encryption_configuration()
        .expect("encryption passed through");
    assert_eq!(enc.key_id(), Some(KMS));
    assert_eq!(enc.r#type(), &nfw::EncryptionType::CustomerKms);
}

#[tokio::test]
async fn aws_firewall_disable_of_a_stateless_group_and_without_a_planned_token() {
    let log = Log::default();
    let b = aws(&firewall(
        &log,
        described(full(), TOKEN, vec![]),
        Update::Ok,
        true,
    ));
    let op = ChangeOp::new(
        REGION,
        Change::DisableRuleGroup(RuleGroupToggle {
            group_arn: STATELESS.into(),
            group_name: "sl".into(),
            ..toggle(None)
        }),
    );
    Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&op)
        .await
        .expect("disabled");
    let Call::Tag(t) = &calls(&log)[1] else {
        panic!("tag second")
    };
    assert_eq!(t.tags()[0].key(), "netops:disabled:sl");
    assert_eq!(
        t.tags()[0].value(),
        format!("STATELESS priority=5 arn={STATELESS}")
    );
    let u = the_update(&log);
    assert_eq!(u.update_token(), Some(TOKEN), "the token read is used");
    let mut expected = full();
    expected.stateless_rule_group_references = Some(Vec::new());
    assert_eq!(u.firewall_policy(), Some(&expected));
}

#[tokio::test]
async fn aws_firewall_disable_refuses_a_group_not_referenced() {
    let log = Log::default();
    let (key, value) = record().tag();
    let b = aws(&firewall(
        &log,
        described(without_allow_amazon(), TOKEN, vec![tag(&key, &value)]),
        Update::Ok,
        true,
    ));
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&disable(Some(TOKEN)))
        .await
        .expect_err("already disabled");
    assert_eq!(err.kind, ErrorKind::InvalidInput);
    assert!(err.message.contains("already disabled"), "{err}");
    assert_eq!(names(&log), ["DescribeFirewallPolicy"], "nothing was sent");
}

#[tokio::test]
async fn aws_firewall_enable_restores_priority_and_override_then_untags() {
    let log = Log::default();
    let (key, value) = record().tag();
    let b = aws(&firewall(
        &log,
        described(
            without_allow_amazon(),
            TOKEN,
            vec![tag("team", "net"), tag(&key, &value)],
        ),
        Update::Ok,
        true,
    ));
    let out = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&enable(Some(TOKEN)))
        .await
        .expect("enabled");
    assert_eq!(out.state, None);
    assert_eq!(
        names(&log),
        [
            "DescribeFirewallPolicy",
            "UpdateFirewallPolicy",
            "UntagResource"
        ],
        "the tag goes only once the reference is back"
    );
    let u = the_update(&log);
    assert_eq!(u.update_token(), Some(TOKEN));
    // Back in place: priority 20 between 10 and 30, DROP_TO_ALERT kept.
    assert_eq!(u.firewall_policy(), Some(&full()));
    assert_eq!(u.description(), Some("egress inspection"));
    let Some(Call::Untag(un)) = calls(&log).pop() else {
        panic!("untag last")
    };
    assert_eq!(un.resource_arn(), Some(POLICY));
    assert_eq!(un.tag_keys(), [KEY.to_string()]);
}

#[tokio::test]
async fn aws_firewall_enable_reports_a_tag_it_could_not_remove() {
    let log = Log::default();
    let (key, value) = record().tag();
    let b = aws(&firewall(
        &log,
        described(without_allow_amazon(), TOKEN, vec![tag(&key, &value)]),
        Update::Ok,
        false,
    ));
    let out = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&enable(None))
        .await
        .expect("enabled even though the tag stayed");
    let state = out.state.expect("a note");
    assert!(state.starts_with("enabled;"), "{state}");
    assert!(state.contains(KEY), "{state}");
    assert!(
        state.contains("ignored while the group is referenced"),
        "{state}"
    );
}

#[tokio::test]
async fn aws_firewall_enable_refusals_send_nothing() {
    let (key, value) = record().tag();
    let taken = document(vec![threats(), stateful(BLOCK, 20, None)]);
    let cases = [
        (described(full(), TOKEN, vec![]), "not disabled"),
        (
            described(without_allow_amazon(), TOKEN, vec![]),
            "netops did not disable it",
        ),
        (
            described(taken, TOKEN, vec![tag(&key, &value)]),
            "priority 20 in egress is taken by",
        ),
        (
            described(
                without_allow_amazon(),
                TOKEN,
                vec![tag(&key, &format!("STATEFUL priority=20 arn={BLOCK}x"))],
            ),
            "records",
        ),
    ];
    for (answer, says) in cases {
        let log = Log::default();
        let b = aws(&firewall(&log, answer, Update::Ok, true));
        let err = Arc::clone(&b)
            .changer()
            .expect("changer")
            .apply(&enable(Some(TOKEN)))
            .await
            .expect_err("refused");
        assert_eq!(err.kind, ErrorKind::InvalidInput, "{err}");
        assert!(err.message.contains(says), "{says}: {err}");
        assert_eq!(
            names(&log),
            ["DescribeFirewallPolicy"],
            "{says}: nothing sent"
        );
    }
}

#[tokio::test]
async fn aws_firewall_a_token_changed_since_the_plan_is_a_conflict_and_sends_nothing() {
    let log = Log::default();
    let fresh = "1a2b3c4d-0009-4000-8000-000000000009";
    let b = aws(&firewall(
        &log,
        described(full(), fresh, vec![]),
        Update::Ok,
        true,
    ));
    let changer = Arc::clone(&b).changer().expect("changer");
    for op in [disable(Some(TOKEN)), enable(Some(TOKEN))] {
        let err = changer.apply(&op).await.expect_err("conflict");
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert!(
            err.message.contains("egress changed since it was read"),
            "{err}"
        );
        assert!(err.message.contains(&format!("{TOKEN} → {fresh}")), "{err}");
        assert!(err.message.contains("nothing was sent"), "{err}");
        assert_eq!(err.region.as_deref(), Some(REGION));
    }
    assert_eq!(
        names(&log),
        ["DescribeFirewallPolicy", "DescribeFirewallPolicy"],
        "no TagResource, UpdateFirewallPolicy or UntagResource"
    );
}

#[tokio::test]
async fn aws_firewall_a_stale_token_at_update_is_a_conflict_and_the_fresh_tag_goes_again() {
    let log = Log::default();
    let b = aws(&firewall(
        &log,
        described(full(), TOKEN, vec![]),
        Update::InvalidToken,
        true,
    ));
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&disable(Some(TOKEN)))
        .await
        .expect_err("refused by AWS");
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("changed by someone else"), "{err}");
    assert!(err.message.contains("nothing was changed"), "{err}");
    assert!(err.message.contains("removed again"), "{err}");
    assert_eq!(
        names(&log),
        [
            "DescribeFirewallPolicy",
            "TagResource",
            "UpdateFirewallPolicy",
            "UntagResource"
        ]
    );
    let Some(Call::Untag(un)) = calls(&log).pop() else {
        panic!("untag last")
    };
    assert_eq!(un.tag_keys(), [KEY.to_string()]);

    // A tag that was there before (stale: the group is referenced) is left alone.
    let log = Log::default();
    let b = aws(&firewall(
        &log,
        described(full(), TOKEN, vec![tag(KEY, "STATEFUL priority=7 arn=old")]),
        Update::InvalidToken,
        true,
    ));
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&disable(None))
        .await
        .expect_err("refused by AWS");
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(
        names(&log),
        [
            "DescribeFirewallPolicy",
            "TagResource",
            "UpdateFirewallPolicy"
        ],
        "no untag of a tag netops did not add"
    );

    // Enabling refused the same way keeps its tag (the record is still needed).
    let log = Log::default();
    let (key, value) = record().tag();
    let b = aws(&firewall(
        &log,
        described(without_allow_amazon(), TOKEN, vec![tag(&key, &value)]),
        Update::InvalidToken,
        true,
    ));
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&enable(Some(TOKEN)))
        .await
        .expect_err("refused by AWS");
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("not enabled"), "{err}");
    assert_eq!(
        names(&log),
        ["DescribeFirewallPolicy", "UpdateFirewallPolicy"]
    );
}

#[tokio::test]
async fn aws_firewall_an_update_that_may_have_happened_keeps_the_record() {
    let log = Log::default();
    let b = aws(&firewall(
        &log,
        described(full(), TOKEN, vec![]),
        Update::Internal,
        true,
    ));
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&disable(Some(TOKEN)))
        .await
        .expect_err("failed");
    assert_eq!(err.kind, ErrorKind::Other, "{err}");
    assert!(err.message.contains("may or may not"), "{err}");
    assert!(err.message.contains("tag is left"), "{err}");
    assert_eq!(
        names(&log),
        [
            "DescribeFirewallPolicy",
            "TagResource",
            "UpdateFirewallPolicy"
        ],
        "the tag may be the only record of the removed reference: kept"
    );
}

#[tokio::test]
async fn aws_firewall_no_dry_run_and_read_only_refuses_before_sending() {
    let log = Log::default();
    let rules = firewall(&log, described(full(), TOKEN, vec![]), Update::Ok, true);
    let b = aws(&rules);
    let err = Arc::clone(&b)
        .changer()
        .expect("changer")
        .apply(&disable(Some(TOKEN)).as_dry_run())
        .await
        .expect_err("no dry run");
    assert_eq!(err.kind, ErrorKind::InvalidInput);
    assert!(err.message.contains("no dry run"), "{err}");
    assert!(calls(&log).is_empty(), "nothing was called");

    // A read-only backend has no changer at all...
    let read_only = Arc::new(backend(clients(&[], &[], &rules)).with_read_only(true));
    assert!(read_only.changer().is_none());
    // ...and a changer over guarded clients reads the policy but is refused at the
    // first mutation, by the SDK-layer guard, before it is sent.
    let leaky = Arc::new(AwsBackend::from_clients(
        "mock-profile",
        vec![(REGION.to_string(), clients(&[], &[], &rules).guarded())],
    ));
    let err = leaky
        .changer()
        .expect("changer")
        .apply(&disable(Some(TOKEN)))
        .await
        .expect_err("refused by the guard");
    assert_eq!(err.kind, ErrorKind::ReadOnly, "{err}");
    assert!(err.message.contains("TagResource"), "{err}");
    assert!(err.message.contains("was not sent"), "{err}");
    assert!(
        !names(&log).contains(&"UpdateFirewallPolicy"),
        "{:?}",
        names(&log)
    );
}

/// The rules a `NetworkFirewall` read needs, with `answer` as the only policy.
fn reader(answer: DescribeFirewallPolicyOutput) -> Vec<Rule> {
    vec![
        mock!(Client::list_firewalls).then_output(|| ListFirewallsOutput::builder().build()),
        mock!(Client::list_firewall_policies).then_output(|| {
            ListFirewallPoliciesOutput::builder()
                .firewall_policies(
                    nfw::FirewallPolicyMetadata::builder()
                        .name("egress")
                        .arn(POLICY)
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_firewall_policy).then_output(move || answer.clone()),
        mock!(Client::list_rule_groups).then_output(|| ListRuleGroupsOutput::builder().build()),
    ]
}

#[tokio::test]
async fn aws_firewall_the_reader_shows_disabled_groups_and_ignores_stale_tags() {
    let (key, value) = record().tag();
    let stale = DisabledGroup {
        name: "block".into(),
        kind: RuleGroupKind::Stateful,
        reference: RuleGroupRef {
            arn: BLOCK.into(),
            priority: Some(30),
            ..RuleGroupRef::default()
        },
    }
    .tag();
    let b = backend(clients(
        &[],
        &[],
        &reader(described(
            without_allow_amazon(),
            TOKEN,
            vec![
                tag(&key, &value),
                tag(&stale.0, &stale.1),
                tag("team", "net"),
            ],
        )),
    ));
    let data = b
        .load_optional(REGION, OptionalPart::NetworkFirewall)
        .await
        .expect("firewall part");
    let OptionalData::NetworkFirewall { policies, gaps, .. } = data else {
        panic!("the firewall part")
    };
    assert!(gaps.is_empty(), "{gaps:?}");
    let p = &policies[0];
    assert_eq!(p.update_token.as_deref(), Some(TOKEN));
    assert_eq!(
        p.disabled,
        [record()],
        "block is referenced: its tag is stale"
    );
    assert!(
        p.stateful_rule_groups.iter().all(|r| r.arn != ALLOW_AMAZON),
        "{:?}",
        p.stateful_rule_groups
    );
}
