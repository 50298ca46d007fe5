//! The AWS [`Prober`]: SSM `SendCommand` and `GetCommandInvocation`.
//!
//! Invariants:
//! - `SendCommand` runs `AWS-RunShellScript` with exactly [`ProbeSpec::commands`]
//!   (the one place shell text is made) and is sent **without SDK retries**: it is not
//!   idempotent, and a retried send after a lost answer would run the probe twice.
//! - The comment is cut to SSM's 100-character limit; output is cut to
//!   [`OUTPUT_LIMIT`] characters (SSM truncates too; this guards a misbehaving
//!   endpoint), on character boundaries.
//! - `InvalidInstanceId` on `SendCommand` is [`ErrorKind::InvalidInput`] naming the
//!   instance and saying why SSM refuses it (not managed, or agent not online);
//!   `InvocationDoesNotExist` is [`ErrorKind::NotFound`] ([`invocation_not_found`]),
//!   which the caller retries while SSM creates the invocation.
//! - A read-only backend builds no prober, and its clients' guard refuses
//!   `SendCommand` anyway.
//!
//! [`ProbeSpec::commands`]: crate::backend::probe::ProbeSpec::commands

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_sdk_ssm::error::ProvideErrorMetadata;

use super::AwsBackend;
use crate::backend::probe::{
    DELIVERY_TIMEOUT_SECS, EXECUTION_TIMEOUT_SECS, Invocation, InvocationStatus, OUTPUT_LIMIT,
    ProbeRequest, Prober, RUN_SHELL_DOCUMENT, invocation_not_found,
};
use crate::backend::{BackendError, ErrorKind};

/// SSM's limit on `SendCommand`'s `Comment`, in characters.
pub const COMMENT_LIMIT: usize = 100;

/// Runs probes through the AWS backend's SSM clients.
#[derive(Debug, Clone)]
pub struct AwsProber {
    backend: Arc<AwsBackend>,
}

impl AwsProber {
    pub(crate) fn new(backend: Arc<AwsBackend>) -> Self {
        Self { backend }
    }
}

/// `text`'s first `limit` characters (never splitting one).
fn first_chars(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[async_trait]
impl Prober for AwsProber {
    async fn send(&self, region: &str, request: &ProbeRequest) -> Result<String, BackendError> {
        let ssm = self.backend.clients(region)?.ssm;
        let cx = self.backend.cx(region);
        let instance = request.instance_id.as_str();
        let req = ssm
            .send_command()
            .document_name(RUN_SHELL_DOCUMENT)
            .instance_ids(instance)
            .parameters("commands", request.spec.commands())
            .parameters("executionTimeout", vec![EXECUTION_TIMEOUT_SECS.to_string()])
            .timeout_seconds(DELIVERY_TIMEOUT_SECS)
            .comment(first_chars(&request.comment, COMMENT_LIMIT))
            .customize()
            // Not idempotent: a retry would run the command a second time.
            .config_override(
                aws_sdk_ssm::config::Builder::new().retry_config(RetryConfig::disabled()),
            );
        let mut code: Option<String> = None;
        let sent = async {
            let r = req.send().await;
            if let Err(e) = &r {
                code = e.code().map(str::to_string);
            }
            r
        };
        let out = cx
            .call("ssm", "SendCommand", sent)
            .await
            .map_err(|e| match code.as_deref() {
                Some("InvalidInstanceId") => BackendError::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "SSM cannot run a command on {instance} in {region}: the instance is not managed by SSM or its SSM agent is not online (InvalidInstanceId); check that it runs the agent with an instance profile allowing SSM and can reach the SSM endpoints"
                    ),
                )
                .in_region(region),
                _ => e,
            })?;
        out.command()
            .and_then(|c| c.command_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::Other,
                    format!("SendCommand in {region} to {instance} answered no command id"),
                )
                .in_region(region)
            })
    }

    async fn invocation(
        &self,
        region: &str,
        command_id: &str,
        instance_id: &str,
    ) -> Result<Invocation, BackendError> {
        let ssm = self.backend.clients(region)?.ssm;
        let cx = self.backend.cx(region);
        let req = ssm
            .get_command_invocation()
            .command_id(command_id)
            .instance_id(instance_id);
        let mut code: Option<String> = None;
        let asked = async {
            let r = req.send().await;
            if let Err(e) = &r {
                code = e.code().map(str::to_string);
            }
            r
        };
        let out = cx
            .call("ssm", "GetCommandInvocation", asked)
            .await
            .map_err(|e| match code.as_deref() {
                Some("InvocationDoesNotExist") => {
                    invocation_not_found(command_id, instance_id).in_region(region)
                }
                _ => e,
            })?;
        Ok(Invocation {
            status: InvocationStatus::parse(out.status().map_or("", |s| s.as_str())),
            status_details: out.status_details().unwrap_or_default().to_string(),
            response_code: Some(out.response_code()),
            stdout: first_chars(
                out.standard_output_content().unwrap_or_default(),
                OUTPUT_LIMIT,
            )
            .to_string(),
            stderr: first_chars(
                out.standard_error_content().unwrap_or_default(),
                OUTPUT_LIMIT,
            )
            .to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::first_chars;

    #[test]
    fn first_chars_cuts_on_character_boundaries() {
        assert_eq!(first_chars("abc", 5), "abc");
        assert_eq!(first_chars("abc", 3), "abc");
        assert_eq!(first_chars("abc", 2), "ab");
        assert_eq!(first_chars("éé€x", 3), "éé€");
        assert_eq!(first_chars("", 0), "");
    }
}
