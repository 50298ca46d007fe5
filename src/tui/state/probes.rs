//! Probes from the console: `E` and `:probe …` open the live probe matrix over the
//! one probe run ([`crate::probe::ProbeRun`]).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A probe command at `:` (or `E`): planned on the console's estate as it is now,
/// every row sent at once, the matrix opened over the panes. Refused, with nothing
/// sent, in a session without a prober.
pub(super) fn run_probe(state: &mut State, cmd: &crate::command::Command, fx: &mut Vec<Effect>) {
    let line = cmd.to_line();
    if crate::error::read_only_because() == Some(crate::error::ReadOnlyBecause::Snapshot) {
        // A snapshot: the matrix of the engine's expectations, nothing sent.
        match crate::probe::ProbeRun::plan(&state.data.net(), cmd, state.probes.next_task) {
            Ok(mut run) => {
                run.not_probed("snapshot: not probed");
                state
                    .modals
                    .push(Modal::Probe(Box::new(ProbeView::new(run))));
                state.info("snapshot: not probed — the matrix shows what the engine expects");
            }
            Err(e) => state.error(format!(":{line} — {e}")),
        }
        return;
    }
    if !state.probes.available {
        state.error(if state.read_only {
            crate::error::read_only(&format!("`{line}`"), crate::error::Refused::Probe)
        } else {
            format!(
                "`{line}` needs SSM Run Command, which this session cannot use; nothing was sent"
            )
        });
        return;
    }
    let now_ms = state.probes.now_ms;
    match ProbeView::launch(&state.data.net(), cmd, &mut state.probes.next_task, now_ms) {
        Ok((view, started)) => {
            fx.extend(started);
            state.modals.push(Modal::Probe(Box::new(view)));
        }
        Err(e) => state.error(format!(":{line} — {e}")),
    }
}
