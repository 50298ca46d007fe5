//! Every SDK call through the scheduler ([`crate::backend::throttle`]): reads through
//! [`Cx::read`] (sent again on throttling and transient failures), everything else
//! through [`Cx::call`] (sent once). The SDK's own retries are off for clients
//! [`super::AwsBackend::connect`] builds, so each attempt the scheduler makes is one
//! request and draws one token.
//!
//! What may be sent again is decided on the SDK error, by exact code and by the kind
//! of failure ([`verdict`]), after it is classified for the user.

use std::future::Future;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use std::time::Instant;

use aws_sdk_ec2::error::DisplayErrorContext;

use super::errors::{Cx, classify};
use crate::backend::throttle::{Attempt, CallKey, Resend};
use crate::backend::{BackendError, ErrorKind};

/// AWS's codes for a failure on its side that may pass (besides any 5xx status).
const TRANSIENT_CODES: [&str; 7] = [
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

impl Cx<'_> {
    /// Awaits one attempt, logging it, and says what it came to.
    pub(crate) async fn attempt<T, E>(
        self,
        service: &'static str,
        action: &'static str,
        fut: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> crate::backend::throttle::Attempt<T>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let start = Instant::now();
        let result = fut.await;
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(_) => tracing::debug!(region = self.region, service, action, ms, "call ok"),
            Err(e) => tracing::debug!(
                region = self.region,
                service,
                action,
                ms,
                error = %DisplayErrorContext(e),
                "call failed"
            ),
        }
        match result {
            Ok(v) => crate::backend::throttle::Attempt::Done(Ok(v)),
            Err(e) => verdict(&e, classify(&e, self, service, action)),
        }
    }
    /// A read (`Describe*`, `Get*`, `List*`, `Search*`): waits for its token and a
    /// slot, and is sent again (`make` builds each attempt) when throttled, up to the
    /// scheduler's `read_retries`, or when it fails transiently, up to
    /// `--max-attempts` attempts in all.
    pub(crate) async fn read<T, E, F, Fut>(
        self,
        service: &'static str,
        action: &'static str,
        mut make: F,
    ) -> Result<T, BackendError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let resend = Resend::Reads {
            attempts: self.attempts,
        };
        self.scheduled(service, action, resend, || Some(make()))
            .await
    }

    /// One call through the scheduler; `make` gives each attempt's future (`None`
    /// once a call to be sent once has been sent).
    pub(super) async fn scheduled<T, E, F, Fut>(
        self,
        service: &'static str,
        action: &'static str,
        resend: Resend,
        mut make: F,
    ) -> Result<T, BackendError>
    where
        F: FnMut() -> Option<Fut>,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let key = CallKey {
            account: self.account,
            region: self.region,
            service,
            action,
        };
        self.scheduler
            .run(key, resend, || {
                // Boxed: an SDK call's future is large, and a region's reads run
                // many of them in one task.
                let fut = make().map(Box::pin);
                async move {
                    match fut {
                        Some(fut) => self.attempt(service, action, fut).await,
                        None => Attempt::Done(Err(BackendError::new(
                            ErrorKind::Other,
                            format!(
                                "internal: {action} in {} was asked for again after it was sent; it was not sent again",
                                self.region
                            ),
                        )
                        .in_region(self.region))),
                    }
                }
            })
            .await
    }
}

/// What a failed attempt came to: throttled (AWS refused it for the rate, by exact
/// code), transient (a 5xx, a broken connection, a timeout: it may pass, and for a
/// change it may have been carried out), or final. `classified` is the error the
/// user sees if it is not retried.
pub(super) fn verdict<T, E>(err: &SdkError<E, HttpResponse>, classified: BackendError) -> Attempt<T>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match classified.kind {
        ErrorKind::Throttled => return Attempt::Throttled(classified),
        // Nothing a retry changes (moto answers what it lacks with a 500).
        ErrorKind::ReadOnly | ErrorKind::Credentials | ErrorKind::Unsupported => {
            return Attempt::Done(Err(classified));
        }
        _ => {}
    }
    let transient = match err {
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        SdkError::ServiceError(_) => {
            err.code().is_some_and(|c| TRANSIENT_CODES.contains(&c))
                || err
                    .raw_response()
                    .is_some_and(|r| matches!(r.status().as_u16(), 500 | 502 | 503 | 504))
        }
        _ => false,
    };
    if transient {
        Attempt::Transient(classified)
    } else {
        Attempt::Done(Err(classified))
    }
}
