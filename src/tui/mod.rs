//! The interactive console. (being written: this placeholder only fixes the entry point's signature)

use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::Backend;
use crate::discovery::DiscoveryPlan;

/// Options from the command line.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    pub read_only: bool,
    pub keymap_file: Option<PathBuf>,
    pub backend_label: String,
}

/// Runs the console until the user quits.
///
/// # Errors
/// Terminal errors.
pub async fn run(
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    opts: TuiOptions,
) -> color_eyre::Result<()> {
    let _ = (backend, plan, opts);
    Err(color_eyre::eyre::eyre!(
        "the interactive console is not built yet; use --batch"
    ))
}
