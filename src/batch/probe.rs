//! `probe egress` and `probe ping` in a batch script: the same [`ProbeRun`] the
//! console drives, waited on to the end, its matrix printed once (progress, a line
//! per verdict, on stderr when it is a terminal).

use std::io::Write;

use super::change::{ChangeOptions, Session, World};
use crate::command::Command;
use crate::error::CommandError;
use crate::error::ErrorKind;
use crate::probe::ProbeRun;
use crate::query::Output;
use crate::runtime::Runtime;

/// Runs one probe command to its end.
///
/// # Errors
/// Read-only sessions (probes run commands on instances), a URL or id that is
/// wrong (named).
pub(super) async fn run(
    runtime: &mut Runtime,
    world: &World,
    session: &mut Session,
    opts: &ChangeOptions,
    cmd: &Command,
    progress: bool,
    err: &mut dyn Write,
) -> Result<Output, CommandError> {
    if crate::error::read_only_because() == Some(crate::error::ReadOnlyBecause::Snapshot) {
        // A snapshot: the engine's expectations, each row "not probed".
        let mut run = ProbeRun::plan(&world.net(), cmd, session.tasks(1 << 20))?;
        run.not_probed("snapshot: not probed");
        return Ok(run.output());
    }
    if opts.read_only || !runtime.can_probe() {
        return Err(CommandError::new(
            ErrorKind::ReadOnly,
            crate::error::read_only(
                &format!("`{}`", cmd.to_line()),
                crate::error::Refused::Probe,
            ),
        ));
    }
    let mut run = ProbeRun::plan(&world.net(), cmd, session.tasks(1 << 20))?;
    let start = std::time::Instant::now();
    let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    for effect in run.start(now()) {
        runtime.execute(effect);
    }
    if progress {
        let _ = writeln!(
            err,
            "probing {} row(s) through SSM Run Command…",
            run.rows.len()
        );
    }
    while !run.is_done() {
        let Some(report) = runtime.next().await else {
            break;
        };
        if !run.owns(&report) {
            continue;
        }
        let before: Vec<bool> = run.rows.iter().map(|r| r.verdict.is_some()).collect();
        run.on_report(&report, now());
        if progress {
            for (r, had) in run.rows.iter().zip(before) {
                if !had && r.verdict.is_some() {
                    let _ = writeln!(err, "  {}: {} ({})", r.label, r.status(), r.reason);
                }
            }
        }
    }
    Ok(run.output())
}
