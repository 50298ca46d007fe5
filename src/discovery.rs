//! Discovery: reading many regions in parallel and following peerings to new regions.
//!
//! Invariants:
//! - At most `concurrency` regions are read at once; each result is sent as soon as it
//!   arrives, so a front end can show a region before the slowest one answers.
//! - A region's core topology (VPCs, TGWs, route tables, attachments, peerings) is sent
//!   as soon as it is read ([`DiscoveryEvent::Finished`]); its optional parts (Network
//!   Firewall, instances and SSM) are read at the same time and follow as
//!   [`DiscoveryEvent::Part`] events, never before their region's topology. A slow or
//!   failing optional service never holds the topology back; its failure is a named gap.
//! - With `follow_peers`, a region that holds the other side of a peering found in a
//!   loaded region is read too (once), as soon as the topology shows the peering.
//! - A failed region is reported as such and never stops the others.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::backend::{Backend, BackendError, OptionalData, OptionalPart};
use crate::model::{Estate, RegionEstate, RegionLoad};

/// What discovery reports, in order of arrival.
#[derive(Debug, Clone)]
pub enum DiscoveryEvent {
    /// A region is being read.
    Started(String),
    /// A region's core topology was read (or the region failed as a whole).
    Finished(String, Result<Box<RegionEstate>, BackendError>),
    /// An optional part of a region whose topology was sent before.
    Part(String, OptionalPart, Result<OptionalData, BackendError>),
}

/// How to discover.
#[derive(Debug, Clone)]
pub struct DiscoveryPlan {
    pub regions: Vec<String>,
    pub follow_peers: bool,
    pub concurrency: usize,
}

/// One finished piece of reading.
enum Done {
    Topology(String, Result<Box<RegionEstate>, BackendError>),
    Part(String, OptionalPart, Result<OptionalData, BackendError>),
}

/// Optional parts that answered before their region's topology.
type HeldParts = HashMap<String, Vec<(OptionalPart, Result<OptionalData, BackendError>)>>;

type Work = Pin<Box<dyn std::future::Future<Output = Done> + Send>>;

/// Reads the planned regions, sending each event to `tx` as it happens. Returns when
/// every region (including followed peer regions) and every optional part has
/// finished.
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
    let mut running: FuturesUnordered<Work> = FuturesUnordered::new();
    let mut regions_running = 0usize;
    let mut held: HeldParts = HashMap::new();
    let mut topology_ok: HashSet<String> = HashSet::new();
    let mut topology_done: HashSet<String> = HashSet::new();
    loop {
        while regions_running < limit {
            let Some(region) = queue.pop() else { break };
            let _ = tx.send(DiscoveryEvent::Started(region.clone()));
            regions_running += 1;
            let b = Arc::clone(&backend);
            let r = region.clone();
            running.push(Box::pin(async move {
                let result = b.load_topology(&r).await.map(Box::new);
                Done::Topology(r, result)
            }));
            for part in OptionalPart::ALL {
                let b = Arc::clone(&backend);
                let r = region.clone();
                running.push(Box::pin(async move {
                    let result = b.load_optional(&r, part).await;
                    Done::Part(r, part, result)
                }));
            }
        }
        let Some(done) = running.next().await else {
            break;
        };
        match done {
            Done::Topology(region, result) => {
                regions_running -= 1;
                topology_done.insert(region.clone());
                if let Ok(estate) = &result {
                    tracing::info!(
                        region,
                        tgws = estate.tgws.len(),
                        routes = estate.route_count(),
                        "region topology loaded"
                    );
                    topology_ok.insert(region.clone());
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
                let ok = result.is_ok();
                let _ = tx.send(DiscoveryEvent::Finished(region.clone(), result));
                let parts = held.remove(&region).unwrap_or_default();
                if ok {
                    for (part, r) in parts {
                        let _ = tx.send(DiscoveryEvent::Part(region.clone(), part, r));
                    }
                }
            }
            Done::Part(region, part, result) => {
                if let Err(e) = &result {
                    tracing::warn!(region, part = part.name(), error = %e, "optional part not read");
                }
                if topology_ok.contains(&region) {
                    let _ = tx.send(DiscoveryEvent::Part(region, part, result));
                } else if !topology_done.contains(&region) {
                    held.entry(region).or_default().push((part, result));
                }
            }
        }
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
            estate
                .regions
                .insert(region, RegionLoad::Failed { error: e });
        }
        DiscoveryEvent::Part(region, part, result) => {
            if let Some(RegionLoad::Loaded { estate: loaded }) = estate.regions.get_mut(&region) {
                match result {
                    Ok(data) => data.apply_to(loaded),
                    Err(e) => loaded.add_gap(part.name(), &e.message),
                }
            }
        }
    }
}
