//! Error classification: every SDK failure becomes a [`BackendError`] whose kind an
//! operator (and the change flow) can act on.
//!
//! Invariants:
//! - Service error codes are classified by the **exact** AWS code ([`kind_of_code`]),
//!   never by a prefix: `InvalidTokenException` is a [`ErrorKind::Conflict`] (stale
//!   Network Firewall `UpdateToken`), `InvalidRouteTableID.NotFound` is
//!   [`ErrorKind::NotFound`], `InvalidParameterValue` is [`ErrorKind::InvalidInput`].
//!   A code missing from the table is [`ErrorKind::Other`], named in the message.
//! - A call refused by the read-only guard ([`super::read_only`]) is
//!   [`ErrorKind::ReadOnly`]; nothing was sent.

use std::future::Future;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use super::read_only::ReadOnlyRefusal;
use crate::backend::{BackendError, ErrorKind};

/// Where a call is made (for error messages) and who schedules it.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'a> {
    pub(crate) region: &'a str,
    pub(crate) profile: &'a str,
    /// The custom endpoint (`--endpoint-url`), when there is one.
    pub(crate) endpoint: Option<&'a str>,
    /// The scheduler every call goes through, and the account its buckets are for.
    pub(crate) scheduler: &'a crate::backend::throttle::Scheduler,
    pub(crate) account: &'a str,
    /// Attempts of a read that fails transiently (`--max-attempts`).
    pub(crate) attempts: u32,
}

impl Cx<'_> {
    /// Sends one SDK call once, through the scheduler (its token and slot), logging
    /// it, and classifies its error. Never sent again here, whatever the answer:
    /// changes go through this (reads that may be retried through
    /// [`Cx::read`](super::calls)).
    pub(crate) async fn call<T, E>(
        self,
        service: &'static str,
        action: &'static str,
        fut: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, BackendError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut fut = Some(fut);
        self.scheduled(
            service,
            action,
            crate::backend::throttle::Resend::Never,
            || fut.take(),
        )
        .await
    }
}

fn service_title(service: &str) -> &str {
    match service {
        "ec2" => "EC2",
        "ssm" => "SSM",
        "network-firewall" => "Network Firewall",
        "sts" => "STS",
        "organizations" => "Organizations",
        other => other,
    }
}

/// Turns an SDK error into a [`BackendError`] an operator can act on.
pub(crate) fn classify<E>(
    err: &SdkError<E, HttpResponse>,
    cx: Cx<'_>,
    service: &str,
    action: &str,
) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let region = cx.region;
    let profile = cx.profile;
    let title = service_title(service);
    if let Some(refusal) = find_cause::<ReadOnlyRefusal>(err) {
        return BackendError::new(
            ErrorKind::ReadOnly,
            format!("{refusal} ({action} in {region} was not sent)"),
        )
        .in_region(region);
    }
    let detail = error_chain(err);
    let (kind, message) = match err {
        SdkError::DispatchFailure(d) => {
            let endpoint = match cx.endpoint {
                Some(url) => format!("the {title} endpoint {}", crate::text::quote(url)),
                None => format!("the {title} endpoint"),
            };
            let reason = dispatch_reason(&detail);
            if d.is_timeout() {
                (
                    ErrorKind::Timeout,
                    format!(
                        "{action} in {region} timed out connecting to {endpoint}: {reason}; check --endpoint-url / network"
                    ),
                )
            } else if !d.is_io() && mentions_credentials(&detail) {
                credentials_error(profile, region, action, &detail)
            } else if d.is_io() && !never_connected(err) {
                (
                    ErrorKind::ConnectionLost,
                    format!(
                        "the connection to {endpoint} for {region} broke during {action}: {reason}"
                    ),
                )
            } else {
                (
                    ErrorKind::Unreachable,
                    format!(
                        "cannot reach {endpoint} for {region} ({action}): {reason}; check --endpoint-url / network"
                    ),
                )
            }
        }
        SdkError::TimeoutError(_) => (
            ErrorKind::Timeout,
            format!(
                "{action} in {region} timed out (the {title} endpoint did not answer in time); try again, or raise --call-timeout"
            ),
        ),
        SdkError::ConstructionFailure(_) => {
            if mentions_credentials(&detail) {
                credentials_error(profile, region, action, &detail)
            } else {
                (
                    ErrorKind::Other,
                    format!("could not build the {action} request for {region}: {detail}"),
                )
            }
        }
        _ => {
            let code = err.code().unwrap_or_default();
            let msg = err.message().unwrap_or_default();
            let status = err.raw_response().map(|r| r.status().as_u16());
            classify_code(code, msg, status, cx, title, service, action, &detail)
        }
    };
    BackendError::new(kind, message).in_region(region)
}

/// True when the connection was never made (refused, no route, the name does not
/// resolve): the request surely did not leave. Any other I/O failure may have come
/// after the request was sent.
fn never_connected(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::AddrNotAvailable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::HostUnreachable
            )
        {
            return true;
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("dns error")
            || text.contains("failed to lookup")
            || text.contains("connection refused")
            || text.contains("tcp connect error")
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// The error and its causes, `Display` only, without repeats and without the Debug
/// dumps some SDK errors embed (a whole `Request { … }`): short enough for a status
/// line (the full debug form goes to the log).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = without_dump(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    let mut joined = parts.join(": ");
    if joined.len() > 240 {
        let cut = (0..=240)
            .rev()
            .find(|i| joined.is_char_boundary(*i))
            .unwrap_or(0);
        joined.truncate(cut);
        joined.push('…');
    }
    joined
}

/// `text` up to the first Debug dump of a request or response (the smithy runtime's
/// "failed to apply endpoint `…` to request `Request { body: … }`"), trimmed.
fn without_dump(text: &str) -> String {
    const DUMPS: [&str; 6] = [
        " to request `",
        "Request {",
        "Response {",
        "HttpResponse",
        "SdkBody",
        "headers:",
    ];
    let cut = DUMPS
        .iter()
        .filter_map(|d| text.find(d))
        .min()
        .unwrap_or(text.len());
    text[..cut]
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '`' | ':' | ',' | '('))
        .to_string()
}

/// Why a request could not be sent, in a few words: the connection refused, the
/// host name not found, the endpoint not a URL. `detail` is [`error_chain`]'s text.
fn dispatch_reason(detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if let Some(start) = detail.find("failed to apply endpoint `") {
        // The endpoint (named by the caller), then the causes, if any.
        let rest = &detail[start + "failed to apply endpoint `".len()..];
        let causes = rest
            .split_once(": ")
            .map_or("", |(_, c)| c.trim_matches('`'));
        let like = "like http://localhost:5000";
        return if causes.is_empty() {
            format!("not a valid endpoint URL (it needs a scheme and a host, {like})")
        } else {
            format!("not a valid endpoint URL: {causes} ({like})")
        };
    }
    for (needle, reason) in [
        ("connection refused", "connection refused"),
        ("connection reset", "connection reset"),
        ("timed out", "timed out"),
        ("no route to host", "no route to host"),
        ("network is unreachable", "network is unreachable"),
    ] {
        if lower.contains(needle) {
            return reason.to_string();
        }
    }
    for start in [
        "dns error",
        "unsupported scheme",
        "invalid peer certificate",
        "invalid URI",
    ] {
        if let Some(i) = lower.find(&start.to_ascii_lowercase()) {
            return detail[i..].to_string();
        }
    }
    detail.to_string()
}

fn mentions_credentials(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["credential", "identity", "token", "sso", "no auth"]
        .iter()
        .any(|w| t.contains(w))
}

/// How to get working credentials for `profile`, and how to check them.
fn credentials_fix(profile: &str) -> String {
    format!(
        "refresh them (`aws sso login --profile {profile}` for SSO; otherwise new access keys or session token in the profile, or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables, which win over it), then check with `aws sts get-caller-identity --profile {profile}`"
    )
}

/// No usable credentials for the call (none found, or the provider failed).
fn credentials_error(profile: &str, region: &str, action: &str, why: &str) -> (ErrorKind, String) {
    // The default chain found nothing at all: nothing expired, nothing to refresh.
    // Say where it looked, and how to give it credentials.
    if why.contains("no providers in chain provided credentials") {
        return (
            ErrorKind::Credentials,
            format!(
                "no AWS credentials were found for profile {profile} ({action} in {region}): the SDK's chain looked at the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables, web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the profile {profile} in ~/.aws/config and ~/.aws/credentials (with its SSO, process or role settings), then the container and instance metadata, and none gave credentials: run `aws configure` or `aws configure sso`, export keys, or pass --profile NAME of a profile that has them (`aws configure list --profile {profile}` shows what the chain sees)"
            ),
        );
    }
    (
        ErrorKind::Credentials,
        format!(
            "no usable credentials for profile {profile} ({action} in {region}: {why}): {}",
            credentials_fix(profile)
        ),
    )
}

/// AWS refused the credentials themselves (`code`): expired, unknown, or signed with
/// the wrong secret. Never "access denied": no permission would help.
fn refused_credentials(
    profile: &str,
    region: &str,
    action: &str,
    code: &str,
    said: &str,
) -> (ErrorKind, String) {
    let what = match code {
        "ExpiredToken" | "ExpiredTokenException" => "have expired",
        "RequestExpired" => {
            "were refused as expired (the request's signature is out of date: check this machine's clock too)"
        }
        "SignatureDoesNotMatch" | "IncompleteSignature" => {
            "are invalid: the secret key does not match the access key (or this machine's clock is off)"
        }
        _ => "are invalid: AWS does not recognise them",
    };
    (
        ErrorKind::Credentials,
        format!(
            "the credentials of profile {profile} {what} ({code} on {action} in {region}{said}): {}",
            credentials_fix(profile)
        ),
    )
}

/// The first error in `err`'s source chain of type `T`.
fn find_cause<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// The kind of an AWS service error code (EC2, SSM, Network Firewall), by exact code.
/// `None` for a code this table does not know.
#[must_use]
pub fn kind_of_code(code: &str) -> Option<ErrorKind> {
    use ErrorKind as K;
    Some(match code {
        "UnauthorizedOperation"
        | "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedException"
        | "Blocked"
        | "OptInRequired" => K::AccessDenied,
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "ThrottledException" => K::Throttled,
        // The credentials themselves: EC2's AuthFailure is "AWS was not able to
        // validate the provided access credentials".
        "AuthFailure"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "RequestExpired"
        | "InvalidAccessKeyId"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature" => K::Credentials,
        "UnknownOperation"
        | "UnknownOperationException"
        | "InvalidAction"
        | "UnsupportedOperation"
        | "UnsupportedOperationException" => K::Unsupported,
        // EC2's `<Resource>.NotFound` codes for everything netops reads or changes.
        "InvalidTransitGatewayID.NotFound"
        | "InvalidTransitGatewayAttachmentID.NotFound"
        | "InvalidRouteTableID.NotFound"
        | "InvalidRouteTableId.NotFound"
        | "InvalidRoute.NotFound"
        | "InvalidAssociationID.NotFound"
        | "InvalidVpcID.NotFound"
        | "InvalidSubnetID.NotFound"
        | "InvalidInternetGatewayID.NotFound"
        | "InvalidGatewayID.NotFound"
        | "InvalidNatGatewayID.NotFound"
        | "NatGatewayNotFound"
        | "InvalidVpcEndpointId.NotFound"
        | "InvalidVpcPeeringConnectionID.NotFound"
        | "InvalidVpcPeeringConnectionId.NotFound"
        | "InvalidNetworkInterfaceID.NotFound"
        | "InvalidInstanceID.NotFound"
        | "InvalidPrefixListID.NotFound"
        | "InvalidPrefixListId.NotFound"
        | "InvalidTransitGatewayMulticastDomainId.NotFound"
        | "ResourceNotFoundException"
        | "InvocationDoesNotExist" => K::NotFound,
        "InvalidParameterValue"
        | "InvalidParameter"
        | "InvalidParameterCombination"
        | "InvalidParameterDependency"
        | "InvalidParameterException"
        | "MissingParameter"
        | "ValidationException"
        | "ValidationError"
        | "InvalidRequest"
        | "InvalidRequestException"
        | "InvalidFilter"
        | "InvalidCharacter"
        | "InvalidPaginationToken"
        | "InvalidNextToken"
        | "InvalidID"
        | "InvalidTransitGatewayID.Malformed"
        | "InvalidTransitGatewayAttachmentID.Malformed"
        | "InvalidRouteTableID.Malformed"
        | "InvalidVpcID.Malformed"
        | "InvalidSubnetID.Malformed"
        | "InvalidInstanceID.Malformed"
        | "InvalidInstanceId"
        | "InvalidDocument"
        // SSM Run Command's own refusals (SendCommand, GetCommandInvocation).
        | "InvalidCommandId"
        | "InvalidParameters"
        | "InvalidPluginName"
        | "UnsupportedPlatformType"
        | "DuplicateInstanceId"
        | "InvalidTag"
        | "IdempotentParameterMismatch" => K::InvalidInput,
        // Network Firewall's optimistic concurrency: the UpdateToken is stale.
        "InvalidTokenException" | "ConcurrentModificationException" => K::Conflict,
        "IncorrectState"
        | "IncorrectInstanceState"
        | "InvalidState"
        | "InvalidStateTransition"
        | "DependencyViolation"
        | "InvalidOperationException"
        | "ResourceInUse"
        | "ResourceOwnerCheckException" => K::IncorrectState,
        "RouteAlreadyExists"
        | "Resource.AlreadyAssociated"
        | "TransitGatewayRouteTablePropagation.Duplicate"
        | "TransitGatewayRouteTableAssociation.Duplicate"
        | "VpcPeeringConnectionAlreadyExists"
        | "ResourceAlreadyExistsException" => K::AlreadyExists,
        "DryRunOperation" => K::DryRunOk,
        "RouteLimitExceeded"
        | "TransitGatewayLimitExceeded"
        | "TransitGatewayAttachmentLimitExceeded"
        | "ResourceLimitExceeded"
        | "LimitExceededException" => K::QuotaExceeded,
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
fn classify_code(
    code: &str,
    msg: &str,
    status: Option<u16>,
    cx: Cx<'_>,
    title: &str,
    service: &str,
    action: &str,
    detail: &str,
) -> (ErrorKind, String) {
    let region = cx.region;
    let said = if msg.is_empty() {
        String::new()
    } else {
        format!(": {}", msg.trim_end_matches('.'))
    };
    let lower = msg.to_ascii_lowercase();
    let kind = kind_of_code(code);
    let message = match kind {
        Some(ErrorKind::AccessDenied) => format!(
            "access denied: {service}:{action} in {region} was refused ({code}){said}; ask for that permission or use another profile"
        ),
        Some(ErrorKind::Throttled) if crate::backend::throttle::is_read(action) => format!(
            "{action} in {region} was throttled ({code}) and retries are exhausted; try again in a moment, or raise read_retries in the config's [throttle] table"
        ),
        Some(ErrorKind::Throttled) => format!(
            "{action} in {region} was throttled ({code}) and retries are exhausted; try again in a moment"
        ),
        Some(ErrorKind::Credentials) => {
            return refused_credentials(cx.profile, region, action, code, &said);
        }
        Some(ErrorKind::Unsupported) => {
            format!("{action} is not supported by the {title} endpoint for {region} ({code}){said}")
        }
        Some(ErrorKind::NotFound) => {
            format!("{action} in {region}: not found ({code}){said}")
        }
        Some(ErrorKind::InvalidInput) => {
            format!("{title} rejected {action} in {region} as invalid ({code}){said}")
        }
        Some(ErrorKind::Conflict) => format!(
            "{action} in {region} was refused because the object changed since it was read ({code}){said}; refresh and apply again"
        ),
        Some(ErrorKind::IncorrectState) => format!(
            "{action} in {region}: the object is not in a state that allows it ({code}){said}; refresh to see its state"
        ),
        Some(ErrorKind::AlreadyExists) => {
            format!("{action} in {region}: it exists already ({code}){said}")
        }
        Some(ErrorKind::DryRunOk) => {
            format!("{action} in {region} would succeed (dry run, nothing changed)")
        }
        Some(ErrorKind::QuotaExceeded) => format!(
            "{action} in {region} would exceed an AWS quota ({code}){said}; request a quota increase or remove unused objects"
        ),
        Some(other) => format!("{action} failed in {region} ({other:?}, {code}){said}"),
        None if lower.contains("not yet implemented")
            || lower.contains("not been implemented")
            || matches!(status, Some(404 | 501)) =>
        {
            let why = match (status, code) {
                (Some(s), "") => format!("HTTP {s}"),
                (Some(s), c) => format!("HTTP {s}, {c}"),
                (None, c) => c.to_string(),
            };
            return (
                ErrorKind::Unsupported,
                format!(
                    "{action} is not supported by the {title} endpoint for {region} ({why}){said}"
                ),
            );
        }
        None if code.is_empty() => match status {
            Some(s) => format!(
                "{action} failed in {region}: the {title} endpoint answered HTTP {s} without an AWS error code"
            ),
            None => format!("{action} failed in {region}: {detail}"),
        },
        None => format!("{action} failed in {region} ({code}){said}"),
    };
    (kind.unwrap_or(ErrorKind::Other), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use crate::backend::aws::{AwsBackend, RegionClients};

    static SCHEDULER: std::sync::LazyLock<crate::backend::throttle::Scheduler> =
        std::sync::LazyLock::new(|| {
            crate::backend::throttle::Scheduler::unmetered(
                crate::backend::throttle::ThrottleConfig::default(),
            )
        });

    static CX: std::sync::LazyLock<Cx<'static>> = std::sync::LazyLock::new(|| Cx {
        region: "us-east-1",
        profile: "prod",
        endpoint: None,
        scheduler: &SCHEDULER,
        account: "prod",
        attempts: 1,
    });

    /// No credentials at all is not "expired or invalid … sso login": it says none
    /// were found, where the chain looked, and how to give it some (issue 18).
    #[test]
    fn no_credentials_at_all_says_none_were_found_and_where_the_chain_looked() {
        let (kind, message) = credentials_error(
            "default",
            "us-east-1",
            "DescribeTransitGateways",
            "dispatch failure: other: the credential provider was not enabled: no providers in chain provided credentials",
        );
        assert_eq!(kind, ErrorKind::Credentials);
        assert!(
            message.starts_with("no AWS credentials were found for profile default"),
            "{message}"
        );
        for place in [
            "AWS_ACCESS_KEY_ID",
            "~/.aws/config",
            "instance metadata",
            "aws configure",
        ] {
            assert!(message.contains(place), "{place}: {message}");
        }
        assert!(!message.contains("expired"), "{message}");
        assert!(!message.contains("sso login"), "{message}");
    }

    /// Bad or expired credentials are a credentials problem of the profile, never
    /// "access denied … ask for that permission" (issue 16).
    #[test]
    fn credential_codes_say_the_credentials_are_bad_and_how_to_fix_them() {
        for (code, expired) in [
            ("AuthFailure", false),
            ("InvalidClientTokenId", false),
            ("UnrecognizedClientException", false),
            ("SignatureDoesNotMatch", false),
            ("InvalidAccessKeyId", false),
            ("IncompleteSignature", false),
            ("ExpiredToken", true),
            ("ExpiredTokenException", true),
            ("RequestExpired", true),
        ] {
            assert_eq!(kind_of_code(code), Some(ErrorKind::Credentials), "{code}");
            let (kind, message) = classify_code(
                code,
                "The security token included in the request is invalid.",
                Some(403),
                *CX,
                "EC2",
                "ec2",
                "DescribeTransitGateways",
                "",
            );
            assert_eq!(kind, ErrorKind::Credentials, "{code}");
            let lower = message.to_lowercase();
            assert!(
                lower.contains("credentials") && message.contains("profile prod"),
                "{code}: {message}"
            );
            assert!(
                lower.contains(if expired { "expired" } else { "invalid" }),
                "{code}: {message}"
            );
            assert!(message.contains(code), "{code}: {message}");
            assert!(
                message.contains("aws sts get-caller-identity --profile prod"),
                "{code}: {message}"
            );
            assert!(!lower.contains("access denied"), "{code}: {message}");
            assert!(
                !message.contains("ask for that permission"),
                "{code}: {message}"
            );
        }
        // A refused permission is still access denied.
        let (kind, message) = classify_code(
            "UnauthorizedOperation",
            "",
            Some(403),
            *CX,
            "EC2",
            "ec2",
            "DescribeTransitGateways",
            "",
        );
        assert_eq!(kind, ErrorKind::AccessDenied);
        assert!(message.contains("ask for that permission"), "{message}");
    }

    fn clients_at(endpoint: &str) -> RegionClients {
        use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let region = Region::new("us-east-1");
        RegionClients {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(region.clone())
                    .endpoint_url(endpoint)
                    .credentials_provider(credentials.clone())
                    .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(region.clone())
                    .endpoint_url(endpoint)
                    .credentials_provider(credentials.clone())
                    .retry_config(aws_sdk_ssm::config::retry::RetryConfig::disabled())
                    .build(),
            ),
            firewall: aws_sdk_networkfirewall::Client::from_conf(
                aws_sdk_networkfirewall::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(region)
                    .endpoint_url(endpoint)
                    .credentials_provider(credentials)
                    .retry_config(aws_sdk_networkfirewall::config::retry::RetryConfig::disabled())
                    .build(),
            ),
        }
    }

    /// A bad `--endpoint-url` is named with the reason in a short sentence, never a
    /// Debug dump of the request (issue 16). Only 127.0.0.1:1, where nothing listens.
    #[tokio::test]
    async fn a_bad_endpoint_is_named_shortly_without_a_request_dump() {
        for (endpoint, reason) in [
            ("http://127.0.0.1:1", "connection refused"),
            ("127.0.0.1:1", "not a valid endpoint URL"),
        ] {
            let backend =
                AwsBackend::from_clients("test", vec![("us-east-1".into(), clients_at(endpoint))])
                    .with_endpoint_url(endpoint);
            let err = backend
                .load_region("us-east-1")
                .await
                .expect_err("nothing listens there");
            let m = &err.message;
            assert_eq!(err.kind, ErrorKind::Unreachable, "{endpoint}: {m}");
            assert!(m.len() < 300, "{endpoint}: {} chars: {m}", m.len());
            for dump in [
                "Request {",
                "Response {",
                "headers:",
                "HttpResponse",
                "SdkBody",
            ] {
                assert!(!m.contains(dump), "{endpoint}: {dump}: {m}");
            }
            assert!(m.contains(endpoint), "{endpoint}: {m}");
            assert!(m.contains(reason), "{endpoint}: {m}");
            assert!(m.contains("us-east-1"), "{endpoint}: {m}");
        }
    }
}
