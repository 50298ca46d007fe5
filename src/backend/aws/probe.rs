//! The AWS [`Prober`]: SSM `SendCommand` and `GetCommandInvocation`.
//!
//! (Contract stub: the helper implementing it replaces this body.)

use std::sync::Arc;

use async_trait::async_trait;

use super::AwsBackend;
use crate::backend::probe::{Invocation, ProbeRequest, Prober};
use crate::backend::{BackendError, ErrorKind};

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

#[async_trait]
impl Prober for AwsProber {
    async fn send(&self, region: &str, _request: &ProbeRequest) -> Result<String, BackendError> {
        let _ = self.backend.clients(region)?;
        Err(BackendError::new(
            ErrorKind::Unsupported,
            "probes are not built yet",
        ))
    }

    async fn invocation(
        &self,
        region: &str,
        _command_id: &str,
        _instance_id: &str,
    ) -> Result<Invocation, BackendError> {
        let _ = self.backend.clients(region)?;
        Err(BackendError::new(
            ErrorKind::Unsupported,
            "probes are not built yet",
        ))
    }
}
