//! The AWS prober (SSM Run Command) through the real SSM SDK client: with
//! aws-smithy-mocks for what AWS answers (responses shaped after the API reference's
//! `SendCommand` and `GetCommandInvocation` examples), and against moto 5.2.5.
//!
//! What moto 5.2.5 does, measured: `SendCommand` accepts any instance id (it checks
//! nothing against EC2 or SSM's inventory, so `InvalidInstanceId` cannot be shown)
//! and records the command with its parameters; `GetCommandInvocation` answers
//! `Success`, `ResponseCode` 0, `StatusDetails` `Success` and **empty** output at once
//! (nothing runs), `InvocationDoesNotExist` for an instance the command was not sent
//! to, and `InvalidCommandId` for an unknown command id. So the polling sequence and
//! output parsing are covered by the mocks.

use std::sync::{Arc, Mutex};

use aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationOutput;
use aws_sdk_ssm::operation::send_command::{SendCommandInput, SendCommandOutput};
use aws_sdk_ssm::types::{Command, CommandInvocationStatus, CommandStatus};
use aws_smithy_mocks::{Rule, mock};
use netops::backend::ErrorKind;
use netops::backend::aws::AwsBackend;
use netops::backend::probe::{
    DELIVERY_TIMEOUT_SECS, EXECUTION_TIMEOUT_SECS, InvocationStatus, OUTPUT_LIMIT, ProbeRequest,
    ProbeSpec, ProbeUrl, Prober, RUN_SHELL_DOCUMENT,
};

use super::aws_mocks::{REGION, backend, clients};
use super::moto::{fresh_account, moto_backend, region_clients};

const INSTANCE: &str = "i-0123456789abcdef0";
const COMMAND_ID: &str = "5e5a6a4b-6e42-4fd1-a4a7-1c4a5b2d9f10";

fn checkip() -> ProbeSpec {
    ProbeSpec::Curl {
        url: ProbeUrl::parse("https://checkip.amazonaws.com").expect("a valid probe URL"),
    }
}

fn request() -> ProbeRequest {
    ProbeRequest {
        instance_id: INSTANCE.to_string(),
        spec: checkip(),
        comment: "netops probe egress https://checkip.amazonaws.com".to_string(),
    }
}

fn prober_over(ssm: &[Rule]) -> Arc<dyn Prober> {
    let b = Arc::new(backend(clients(&[], ssm, &[])));
    b.prober().expect("a read-write backend has a prober")
}

/// `SendCommand`'s answer, after the API reference's example.
fn send_output() -> SendCommandOutput {
    SendCommandOutput::builder()
        .command(
            Command::builder()
                .command_id(COMMAND_ID)
                .document_name(RUN_SHELL_DOCUMENT)
                .instance_ids(INSTANCE)
                .status(CommandStatus::Pending)
                .status_details("Pending")
                .timeout_seconds(DELIVERY_TIMEOUT_SECS)
                .target_count(1)
                .build(),
        )
        .build()
}

/// A `GetCommandInvocation` answer, after the API reference's example.
fn invocation_output(
    status: CommandInvocationStatus,
    details: &str,
    code: i32,
    stdout: &str,
    stderr: &str,
) -> GetCommandInvocationOutput {
    GetCommandInvocationOutput::builder()
        .command_id(COMMAND_ID)
        .instance_id(INSTANCE)
        .document_name(RUN_SHELL_DOCUMENT)
        .plugin_name("aws:runShellScript")
        .status(status)
        .status_details(details)
        .response_code(code)
        .standard_output_content(stdout)
        .standard_error_content(stderr)
        .build()
}

/// An SSM (awsJson1_1) error as AWS sends it: HTTP 400 and the code in `__type`.
fn aws_error(code: &str) -> String {
    format!(r#"{{"__type":"{code}"}}"#)
}

#[tokio::test]
async fn aws_ssm_send_command_carries_the_rendered_spec_without_retries() {
    let seen: Arc<Mutex<Option<SendCommandInput>>> = Arc::default();
    let keep = Arc::clone(&seen);
    let rule = mock!(aws_sdk_ssm::Client::send_command)
        .match_requests(move |input| {
            *keep.lock().expect("lock") = Some(input.clone());
            true
        })
        .then_output(send_output);
    let prober = prober_over(std::slice::from_ref(&rule));

    let id = prober.send(REGION, &request()).await.expect("SendCommand");
    assert_eq!(id, COMMAND_ID);
    assert_eq!(rule.num_calls(), 1);

    let input = seen
        .lock()
        .expect("lock")
        .clone()
        .expect("a request was sent");
    assert_eq!(input.document_name(), Some("AWS-RunShellScript"));
    assert_eq!(input.instance_ids(), [INSTANCE]);
    let params = input.parameters().expect("parameters");
    assert_eq!(params.get("commands"), Some(&checkip().commands()));
    assert_eq!(
        params.get("executionTimeout"),
        Some(&vec![EXECUTION_TIMEOUT_SECS.to_string()])
    );
    assert_eq!(input.timeout_seconds(), Some(30));
    assert_eq!(
        input.comment(),
        Some("netops probe egress https://checkip.amazonaws.com")
    );
}

#[tokio::test]
async fn aws_ssm_send_command_cuts_a_long_comment_to_100_characters() {
    let seen: Arc<Mutex<Option<String>>> = Arc::default();
    let keep = Arc::clone(&seen);
    let rule = mock!(aws_sdk_ssm::Client::send_command)
        .match_requests(move |input| {
            *keep.lock().expect("lock") = input.comment().map(str::to_string);
            true
        })
        .then_output(send_output);
    let prober = prober_over(&[rule]);
    let mut req = request();
    req.comment = format!("netops probe {}", "é".repeat(200));
    prober.send(REGION, &req).await.expect("SendCommand");
    let comment = seen.lock().expect("lock").clone().expect("a comment");
    assert_eq!(comment.chars().count(), 100, "{comment}");
    assert!(comment.starts_with("netops probe é"));
}

/// `SendCommand` is not idempotent: even on a client configured to retry, a failed
/// send is not sent again (a retry could run the probe twice).
#[tokio::test]
async fn aws_ssm_send_command_is_never_retried() {
    let rule = mock!(aws_sdk_ssm::Client::send_command)
        .sequence()
        .http_status(500, Some(aws_error("InternalServerError")))
        .output(send_output)
        .build();
    let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(aws_smithy_mocks::RuleMode::Sequential)
        .with_rule(&rule);
    let ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .retry_config(aws_sdk_ssm::config::retry::RetryConfig::standard().with_max_attempts(3))
            .region(aws_sdk_ssm::config::Region::new(REGION))
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "AKIDMOCK", "secret", None, None, "mocks",
            ))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build(),
    );
    let mut c = clients(&[], &[], &[]);
    c.ssm = ssm;
    let b = Arc::new(AwsBackend::from_clients(
        "mock-profile",
        vec![(REGION.to_string(), c)],
    ));
    let prober = b.prober().expect("prober");
    let err = prober
        .send(REGION, &request())
        .await
        .expect_err("the 500 is not retried");
    assert_eq!(rule.num_calls(), 1, "SendCommand was retried: {err:?}");
    assert!(err.message.contains("SendCommand"), "{}", err.message);
}

#[tokio::test]
async fn aws_ssm_send_command_to_an_unmanaged_instance_is_invalid_input_naming_it() {
    let rule = mock!(aws_sdk_ssm::Client::send_command)
        .sequence()
        .http_status(400, Some(aws_error("InvalidInstanceId")))
        .build();
    let prober = prober_over(&[rule]);
    let err = prober
        .send(REGION, &request())
        .await
        .expect_err("InvalidInstanceId");
    assert_eq!(err.kind, ErrorKind::InvalidInput, "{err:?}");
    assert_eq!(err.region.as_deref(), Some(REGION));
    assert!(err.message.contains(INSTANCE), "{}", err.message);
    assert!(
        err.message.contains("not managed by SSM") && err.message.contains("not online"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn aws_ssm_send_command_errors_are_classified_by_code() {
    for (code, kind) in [
        ("InvalidDocument", ErrorKind::InvalidInput),
        ("AccessDeniedException", ErrorKind::AccessDenied),
        ("ThrottlingException", ErrorKind::Throttled),
    ] {
        let rule = mock!(aws_sdk_ssm::Client::send_command)
            .sequence()
            .http_status(400, Some(aws_error(code)))
            .build();
        let prober = prober_over(&[rule]);
        let err = prober.send(REGION, &request()).await.expect_err(code);
        assert_eq!(err.kind, kind, "{code}: {err:?}");
        assert!(err.message.contains(code), "{code}: {}", err.message);
    }
}

/// What the front end sees while polling: not found yet, running, then done.
#[tokio::test]
async fn aws_ssm_invocation_polling_sequence() {
    let rule = mock!(aws_sdk_ssm::Client::get_command_invocation)
        .match_requests(|input| {
            input.command_id() == Some(COMMAND_ID) && input.instance_id() == Some(INSTANCE)
        })
        .sequence()
        .http_status(400, Some(aws_error("InvocationDoesNotExist")))
        .output(|| {
            invocation_output(
                CommandInvocationStatus::InProgress,
                "InProgress",
                -1,
                "",
                "",
            )
        })
        .output(|| {
            invocation_output(
                CommandInvocationStatus::Success,
                "Success",
                0,
                "198.51.100.10\n",
                "",
            )
        })
        .build();
    let prober = prober_over(&[rule]);

    let err = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect_err("InvocationDoesNotExist");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    assert!(
        err.message.contains("InvocationDoesNotExist"),
        "{}",
        err.message
    );
    assert!(err.message.contains(COMMAND_ID) && err.message.contains(INSTANCE));

    let running = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect("InProgress");
    assert_eq!(running.status, InvocationStatus::InProgress);
    assert!(!running.status.is_terminal());
    assert_eq!(running.response_code, Some(-1));

    let done = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect("Success");
    assert_eq!(done.status, InvocationStatus::Success);
    assert!(done.status.is_terminal());
    assert_eq!(done.status_details, "Success");
    assert_eq!(done.response_code, Some(0));
    assert_eq!(done.stdout, "198.51.100.10\n");
    assert_eq!(
        done.stdout.trim().parse::<std::net::Ipv4Addr>().ok(),
        Some([198, 51, 100, 10].into())
    );
    assert_eq!(done.stderr, "");
}

#[tokio::test]
async fn aws_ssm_invocation_failed_and_timed_out() {
    let stderr = "curl: (28) Connection timed out after 5001 milliseconds";
    let rule = mock!(aws_sdk_ssm::Client::get_command_invocation)
        .sequence()
        .output(move || {
            invocation_output(CommandInvocationStatus::Failed, "Failed", 28, "", stderr)
        })
        .output(|| {
            invocation_output(
                CommandInvocationStatus::TimedOut,
                "DeliveryTimedOut",
                -1,
                "",
                "",
            )
        })
        .build();
    let prober = prober_over(&[rule]);

    let failed = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect("Failed");
    assert_eq!(failed.status, InvocationStatus::Failed);
    assert!(failed.status.is_terminal());
    assert_eq!(failed.response_code, Some(28));
    assert_eq!(failed.stderr, stderr);
    assert_eq!(failed.stdout, "");

    let timed_out = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect("TimedOut");
    assert_eq!(timed_out.status, InvocationStatus::TimedOut);
    assert!(timed_out.status.is_terminal());
    assert_eq!(timed_out.status_details, "DeliveryTimedOut");
}

#[tokio::test]
async fn aws_ssm_invocation_output_is_cut_to_the_limit() {
    // SSM itself returns at most 24,000 characters; the prober guards too, on
    // character boundaries (multi-byte characters here).
    let long = "é".repeat(OUTPUT_LIMIT + 500);
    let err_long = "x".repeat(OUTPUT_LIMIT + 1);
    let rule = mock!(aws_sdk_ssm::Client::get_command_invocation).then_output(move || {
        invocation_output(
            CommandInvocationStatus::Success,
            "Success",
            0,
            &long,
            &err_long,
        )
    });
    let prober = prober_over(&[rule]);
    let inv = prober
        .invocation(REGION, COMMAND_ID, INSTANCE)
        .await
        .expect("Success");
    assert_eq!(OUTPUT_LIMIT, 24_000);
    assert_eq!(inv.stdout.chars().count(), 24_000);
    assert!(inv.stdout.chars().all(|c| c == 'é'));
    assert_eq!(inv.stderr.chars().count(), 24_000);
}

#[test]
fn aws_ssm_hostile_probe_urls_are_refused() {
    for bad in [
        "https://x/$(reboot)",
        "https://x/`id`",
        "https://x/;rm -rf /",
        "https://x/a|b",
        "https://x/a&b",
        "https://x/a>b",
        "https://x/'q'",
        "https://x/\"q\"",
        "https://x/a\nb",
        "https://x/a b",
        "file:///etc/passwd",
        "ftp://x",
        "-https://x",
        "https://user@x/",
        "https://x:99999/",
        "https://-x-/",
    ] {
        let got = ProbeUrl::parse(bad);
        assert!(got.is_err(), "{bad:?} was accepted: {got:?}");
    }
}

#[test]
fn aws_ssm_accepted_probe_urls_are_one_shell_word() {
    for good in [
        "https://checkip.amazonaws.com",
        "http://ifconfig.me/ip",
        "https://example.com:8443/a/b?x=1%26y",
    ] {
        let url = ProbeUrl::parse(good).unwrap_or_else(|e| panic!("{good:?} refused: {e}"));
        let commands = ProbeSpec::Curl { url }.commands();
        assert_eq!(commands.len(), 1, "{commands:?}");
        let words = shlex::split(&commands[0]).expect("the command is valid shell");
        assert_eq!(words.first().map(String::as_str), Some("curl"), "{words:?}");
        assert_eq!(words.last().map(String::as_str), Some(good), "{words:?}");
        assert_eq!(words[words.len() - 2], "--", "{words:?}");
    }
}

/// Through the real SDK against moto: a command id comes back, and moto's invocation
/// is immediately `Success` with empty output (moto runs nothing; output parsing is
/// covered by the mocks above).
#[tokio::test]
async fn aws_ssm_moto_send_command_and_invocation() {
    const USE1: &str = "us-east-1";
    let (backend, seeders) = moto_backend(&[USE1], &fresh_account()).await;
    let c = region_clients(&seeders, USE1);
    let instance_id = c
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .expect("RunInstances")
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .expect("instance id")
        .to_string();
    let backend = Arc::new(backend);
    let prober = backend.prober().expect("prober");
    let req = ProbeRequest {
        instance_id: instance_id.clone(),
        ..request()
    };

    let command_id = prober.send(USE1, &req).await.expect("SendCommand on moto");
    assert!(!command_id.is_empty());

    // What moto recorded is what was sent.
    let listed = c
        .ssm
        .list_commands()
        .command_id(&command_id)
        .send()
        .await
        .expect("ListCommands");
    let cmd = listed.commands().first().expect("the command");
    assert_eq!(cmd.document_name(), Some(RUN_SHELL_DOCUMENT));
    assert_eq!(cmd.instance_ids(), [instance_id.as_str()]);
    assert_eq!(cmd.timeout_seconds(), Some(DELIVERY_TIMEOUT_SECS));
    let params = cmd.parameters().expect("parameters");
    assert_eq!(params.get("commands"), Some(&checkip().commands()));

    // moto answers Success at once, exit code 0, and empty output.
    let inv = prober
        .invocation(USE1, &command_id, &instance_id)
        .await
        .expect("GetCommandInvocation on moto");
    assert_eq!(inv.status, InvocationStatus::Success);
    assert_eq!(inv.status_details, "Success");
    assert_eq!(inv.response_code, Some(0));
    assert_eq!(inv.stdout, "", "moto returns empty command output");
    assert_eq!(inv.stderr, "");

    // An instance the command was not sent to: InvocationDoesNotExist, NotFound.
    let err = prober
        .invocation(USE1, &command_id, "i-00000000000000000")
        .await
        .expect_err("no invocation on another instance");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");

    // An unknown command id: moto's InvalidCommandId, invalid input.
    let err = prober
        .invocation(USE1, "00000000-0000-0000-0000-000000000000", &instance_id)
        .await
        .expect_err("unknown command");
    assert_eq!(err.kind, ErrorKind::InvalidInput, "{err:?}");
    assert!(err.message.contains("InvalidCommandId"), "{}", err.message);

    // moto does not check the instance: SendCommand to one that does not exist is
    // accepted (AWS answers InvalidInstanceId; the mocks cover that).
    let ghost = ProbeRequest {
        instance_id: "i-0fffffffffffffff0".to_string(),
        ..request()
    };
    assert!(prober.send(USE1, &ghost).await.is_ok());
}

/// A read-only backend has no prober, and its guard would refuse SendCommand.
#[test]
fn aws_ssm_read_only_backend_has_no_prober() {
    let b = Arc::new(backend(clients(&[], &[], &[])).with_read_only(true));
    assert!(b.prober().is_none());
}
