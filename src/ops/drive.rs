//! Driving the change state machines on the runtime from an async front end
//! (`--batch`, tests): the same effects and reports the console routes through its
//! update loop.

use super::exec::Execution;
use crate::backend::BackendError;
use crate::model::RegionEstate;
use crate::runtime::{Effect, Observation, ObserveQuery, Report, Runtime, TaskId};

/// Runs an execution to its end (or until the runtime has nothing left to report).
pub async fn run(runtime: &mut Runtime, exec: &mut Execution) {
    for effect in exec.start() {
        runtime.execute(effect);
    }
    while !exec.is_done() {
        let Some(report) = runtime.next().await else {
            break;
        };
        for effect in exec.on_report(&report) {
            runtime.execute(effect);
        }
    }
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
