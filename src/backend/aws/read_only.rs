//! The read-only guard: an SDK interceptor that refuses, before anything is
//! serialized or sent, every operation whose name does not start with `Describe`,
//! `Get`, `Search` or `List`. Installed on every client of a read-only backend, so a
//! bug above the backend cannot change anything.

use aws_sdk_ec2::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// Operation name prefixes that only read.
pub const READ_PREFIXES: [&str; 4] = ["Describe", "Get", "Search", "List"];

/// True when an operation name only reads (by AWS's naming convention).
#[must_use]
pub fn is_read_operation(name: &str) -> bool {
    READ_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Why a call was refused: it would change something and netops runs read-only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", crate::error::read_only(&format!("{service}:{operation}"), crate::error::Refused::Change))]
pub struct ReadOnlyRefusal {
    pub service: String,
    pub operation: String,
}

/// The interceptor. An operation whose name the config bag does not carry is refused
/// too: the guard fails closed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyGuard;

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "NetopsReadOnlyGuard"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg.load::<Metadata>().map_or_else(
            || ("unknown".to_string(), "an unnamed operation".to_string()),
            |m| (m.service().to_string(), m.name().to_string()),
        );
        if is_read_operation(&operation) {
            Ok(())
        } else {
            Err(Box::new(ReadOnlyRefusal { service, operation }))
        }
    }
}
