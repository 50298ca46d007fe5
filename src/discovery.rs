//! Discovery: reading many regions in parallel and following peerings to new regions.
//!
//! Invariants:
//! - At most `concurrency` regions are read at once; each result is sent as soon as it
//!   arrives, so a front end can show a region before the slowest one answers.
//! - With `follow_peers`, a region that holds the other side of a peering found in a
//!   loaded region is read too (once), so both sides of every peering are visible.
//! - A failed region is reported as such and never stops the others.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::backend::{Backend, BackendError};
use crate::model::{Estate, RegionEstate, RegionLoad};

/// What discovery reports, in order of arrival.
#[derive(Debug, Clone)]
pub enum DiscoveryEvent {
    /// A region is being read.
    Started(String),
    /// A region finished reading.
    Finished(String, Result<Box<RegionEstate>, BackendError>),
}

/// How to discover.
#[derive(Debug, Clone)]
pub struct DiscoveryPlan {
    pub regions: Vec<String>,
    pub follow_peers: bool,
    pub concurrency: usize,
}

/// Reads the planned regions, sending each event to `tx` as it happens. Returns when
/// every region (including followed peer regions) has finished.
pub async fn discover_streaming(
    backend: Arc<dyn Backend>,
    plan: DiscoveryPlan,
    tx: mpsc::UnboundedSender<DiscoveryEvent>,
) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = Vec::new();
    for region in plan.regions {
        if seen.insert(region.clone()) {
            queue.push(region);
        }
    }
    queue.reverse();
    let limit = plan.concurrency.max(1);
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < limit {
            let Some(region) = queue.pop() else { break };
            let _ = tx.send(DiscoveryEvent::Started(region.clone()));
            let backend = Arc::clone(&backend);
            running.push(async move {
                let result = backend.load_region(&region).await;
                (region, result)
            });
        }
        let Some((region, result)) = running.next().await else {
            break;
        };
        if let Ok(estate) = &result {
            tracing::info!(
                region,
                tgws = estate.tgws.len(),
                routes = estate.route_count(),
                "region loaded"
            );
            if plan.follow_peers {
                for peering in &estate.peerings {
                    let other = peering.other_side(&region).region.clone();
                    if !other.is_empty() && seen.insert(other.clone()) {
                        queue.insert(0, other);
                    }
                }
            }
        } else if let Err(e) = &result {
            tracing::warn!(region, error = %e, "region failed");
        }
        let _ = tx.send(DiscoveryEvent::Finished(region, result.map(Box::new)));
    }
}

/// Reads the planned regions and returns the whole estate.
pub async fn discover(backend: Arc<dyn Backend>, plan: DiscoveryPlan) -> Estate {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let account = backend.account().await.ok().flatten();
    let worker = discover_streaming(backend, plan, tx);
    let mut estate = Estate {
        account,
        ..Estate::default()
    };
    let collector = async {
        let mut events = Vec::new();
        while let Some(ev) = rx.recv().await {
            events.push(ev);
        }
        events
    };
    let ((), events) = tokio::join!(worker, collector);
    for ev in events {
        apply_event(&mut estate, ev);
    }
    estate
}

/// Folds one discovery event into an estate.
pub fn apply_event(estate: &mut Estate, event: DiscoveryEvent) {
    match event {
        DiscoveryEvent::Started(region) => {
            estate.regions.insert(region, RegionLoad::Loading);
        }
        DiscoveryEvent::Finished(region, Ok(loaded)) => {
            if estate.account.is_none() {
                estate.account = loaded
                    .tgws
                    .first()
                    .map(|t| t.owner_id.clone())
                    .or_else(|| loaded.vpcs.first().map(|v| v.owner_id.clone()))
                    .filter(|id| !id.is_empty())
                    .map(|id| crate::model::Account { id, alias: None });
            }
            estate
                .regions
                .insert(region, RegionLoad::Loaded { estate: loaded });
        }
        DiscoveryEvent::Finished(region, Err(e)) => {
            estate.regions.insert(
                region,
                RegionLoad::Failed {
                    error: e.message.clone(),
                },
            );
        }
    }
}
