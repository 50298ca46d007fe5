//! Probes from the console: `E` and `:probe …` open the live probe matrix over the
//! one probe run ([`crate::probe::ProbeRun`]).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A probe command at `:` (or `E`): planned on the console's estate as it is now,
/// every row sent at once, the matrix opened over the panes. Refused, with nothing
/// sent, in a session without a prober.
pub(super) fn run_probe(state: &mut State, cmd: &crate::command::Command, fx: &mut Vec<Effect>) {
    let line = cmd.to_line();
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
    match plan_probe(state, cmd) {
        Ok(view) => {
            let view = start_probe(state, view, fx);
            state.modals.push(Modal::Probe(Box::new(view)));
        }
        Err(e) => state.error(format!(":{line} — {e}")),
    }
}

pub(super) fn plan_probe(
    state: &mut State,
    cmd: &crate::command::Command,
) -> Result<ProbeView, crate::error::CommandError> {
    state.sync();
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    let run = crate::probe::ProbeRun::plan(&net, cmd, state.probes.next_task)?;
    Ok(ProbeView::new(run))
}

/// Sends every probeable row; the run's task ids are reserved.
pub(super) fn start_probe(
    state: &mut State,
    mut view: ProbeView,
    fx: &mut Vec<Effect>,
) -> ProbeView {
    let rows = u64::try_from(view.run.rows.len()).unwrap_or(u64::MAX);
    state.probes.next_task = state.probes.next_task.saturating_add(rows);
    fx.extend(view.run.start(state.probes.now_ms));
    view
}

/// A key on the probe matrix.
pub(super) fn act_probe(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let Some(Modal::Probe(view)) = state.modals.last_mut() else {
        return;
    };
    match view.update(action) {
        ProbeOutcome::Keep => {}
        ProbeOutcome::Close => {
            let cancel = view.cancel();
            if !cancel.is_empty() {
                state.info(format!(
                    "probe matrix closed: {} probe(s) still waiting were cancelled",
                    cancel.len()
                ));
            }
            fx.extend(cancel);
            state.modals.pop();
        }
        ProbeOutcome::Detail => {
            let title = view
                .selected_row()
                .map(|r| format!(":{} — {}", view.run.line, r.label))
                .unwrap_or_default();
            let lines = view.detail_lines();
            if !lines.is_empty() {
                state.modals.push(Modal::Output {
                    title,
                    lines,
                    scroll: Scroll::default(),
                });
            }
        }
        ProbeOutcome::Rerun => {
            fx.extend(view.cancel());
            let line = view.run.line.clone();
            let selected = view.selected;
            let planned = crate::command::parse_line(&line)
                .map_err(|e| e.message)
                .and_then(|cmd| cmd.ok_or_else(|| "empty command".to_string()))
                .and_then(|cmd| plan_probe(state, &cmd).map_err(|e| e.to_string()));
            match planned {
                Ok(mut fresh) => {
                    fresh.selected = selected.min(fresh.run.rows.len().saturating_sub(1));
                    let fresh = start_probe(state, fresh, fx);
                    if let Some(Modal::Probe(view)) = state.modals.last_mut() {
                        **view = fresh;
                    }
                    state.info(format!(":{line} — probing again"));
                }
                Err(e) => {
                    state.modals.pop();
                    state.error(format!(":{line} — {e}"));
                }
            }
        }
    }
}
