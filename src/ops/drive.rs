//! Driving the change state machines on the runtime from an async front end
//! (`--batch`, tests): the same effects and reports the console routes through its
//! update loop.

use super::exec::Execution;
use crate::backend::BackendError;
use crate::model::RegionEstate;
use crate::runtime::{Effect, Observation, ObserveQuery, Report, Runtime, TaskId};

/// Runs an execution to its end (or until the runtime has nothing left to report).
/// When `stop` is requested the execution is interrupted: nothing more is sent, the
/// change in flight is waited for, nothing more is re-read.
pub async fn run(runtime: &mut Runtime, exec: &mut Execution, stop: &crate::runtime::Stop) {
    for effect in exec.start() {
        runtime.execute(effect);
    }
    while !exec.is_done() {
        if stop.requested().is_some() && !exec.interrupted() {
            for effect in exec.interrupt() {
                runtime.execute(effect);
            }
            continue;
        }
        let report = tokio::select! {
            report = runtime.next() => report,
            () = stop.wait(), if !exec.interrupted() => continue,
        };
        let Some(report) = report else {
            break;
        };
        for effect in exec.on_report(&report) {
            runtime.execute(effect);
        }
    }
}

/// Writes audit lines through the runtime ([`Effect::Record`]), task id `task`.
///
/// # Errors
/// Why the lines could not be written.
pub async fn record(
    runtime: &mut Runtime,
    entries: Vec<crate::ops::log::Entry>,
    task: TaskId,
) -> Result<(), crate::error::CommandError> {
    runtime.execute(Effect::Record { task, entries });
    while let Some(report) = runtime.next().await {
        if let Report::Recorded { task: t, result } = report
            && t == task
        {
            return result;
        }
    }
    Err(crate::error::CommandError::other(
        "the runtime stopped before the audit lines were written",
    ))
}

/// Reads the topology of each region (concurrently), task ids from `first_task`.
pub async fn observe(
    runtime: &mut Runtime,
    regions: &[String],
    first_task: TaskId,
) -> Vec<(String, Result<RegionEstate, BackendError>)> {
    let mut pending: Vec<(TaskId, String)> = Vec::new();
    for (i, region) in regions.iter().enumerate() {
        let task = first_task + i as u64;
        pending.push((task, region.clone()));
        runtime.execute(Effect::Observe {
            task,
            region: region.clone(),
            query: ObserveQuery::Topology,
        });
    }
    let mut out = Vec::new();
    while !pending.is_empty() {
        let Some(report) = runtime.next().await else {
            break;
        };
        if let Report::Observed {
            task,
            region,
            result,
        } = report
            && let Some(pos) = pending.iter().position(|(t, _)| *t == task)
        {
            pending.remove(pos);
            out.push((
                region,
                result.and_then(|o| match o {
                    Observation::Topology(e) => Ok(*e),
                    Observation::Route(_) | Observation::Firewall(_) => Err(BackendError::new(
                        crate::backend::ErrorKind::Other,
                        "another answer where a topology was asked",
                    )),
                }),
            ));
        }
    }
    out
}

pub use super::exec::merge_topology;

/// The wait before poll `n` (0-based) of a state AWS is moving: at once, then 1 s,
/// doubling to 8 s.
#[must_use]
pub fn poll_delay_ms(n: u32) -> u64 {
    if n == 0 {
        0
    } else {
        (1000u64 << (n - 1).min(3)).min(8000)
    }
}

/// Reads one region's Network Firewall part (a policy's fresh version after a
/// stale update token), task id `task`.
///
/// # Errors
/// The read's error.
pub async fn observe_firewall(
    runtime: &mut Runtime,
    region: &str,
    task: TaskId,
) -> Result<crate::backend::OptionalData, BackendError> {
    runtime.execute(Effect::Observe {
        task,
        region: region.to_string(),
        query: ObserveQuery::Firewall,
    });
    while let Some(report) = runtime.next().await {
        if let Report::Observed {
            task: t, result, ..
        } = report
            && t == task
        {
            return result.and_then(|o| match o {
                Observation::Firewall(d) => Ok(*d),
                _ => Err(BackendError::new(
                    crate::backend::ErrorKind::Other,
                    "another answer where the firewall part was asked",
                )),
            });
        }
    }
    Err(BackendError::new(
        crate::backend::ErrorKind::Other,
        "the runtime stopped before the firewall re-read answered",
    ))
}

/// After a toggle met a stale update token: the policy as it is now, and what the
/// colleague changed, in words (`None` when the op was no toggle or not refused so).
pub async fn conflict_report(
    runtime: &mut Runtime,
    exec: &Execution,
    estate: &mut crate::model::Estate,
    task: TaskId,
) -> Option<Result<Vec<String>, BackendError>> {
    let op = super::firewall::conflicted_toggle(exec)?.clone();
    let (toggle, _) = op.change.toggle()?;
    let before = estate
        .region(&op.region)
        .and_then(|r| {
            r.firewall_policies
                .iter()
                .find(|p| p.arn == toggle.policy_arn)
        })
        .cloned();
    let data = match observe_firewall(runtime, &op.region, task).await {
        Ok(d) => d,
        Err(e) => return Some(Err(e)),
    };
    super::exec::merge_firewall(estate, &op.region, data);
    let after = estate
        .region(&op.region)
        .and_then(|r| {
            r.firewall_policies
                .iter()
                .find(|p| p.arn == toggle.policy_arn)
        })
        .cloned();
    Some(Ok(super::firewall::their_changes(
        before.as_ref(),
        after.as_ref(),
        &toggle.policy_name,
    )))
}
