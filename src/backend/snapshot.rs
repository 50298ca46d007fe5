//! The third backend, read-only: an opened [`crate::snapshot::Snapshot`] answering
//! reads as AWS would have when it was captured. It has no changer and no prober:
//! a snapshot cannot be changed, and nothing runs on its instances.

use async_trait::async_trait;

use super::{
    Backend, BackendError, BackendInfo, ErrorKind, OptionalData, OptionalPart, RoutePage,
    RouteQuery,
};
use crate::model::{Account, RegionEstate};
use crate::snapshot::Snapshot;

/// Reads from a snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotBackend {
    snapshot: Snapshot,
    label: String,
}

impl SnapshotBackend {
    #[must_use]
    pub fn new(snapshot: Snapshot) -> Self {
        let when = snapshot
            .manifest
            .as_ref()
            .map(|m| m.taken_at.clone())
            .filter(|t| !t.is_empty());
        let label = match when {
            Some(t) => format!("SNAPSHOT {} ({t})", snapshot.dir.display()),
            None => format!("SNAPSHOT {}", snapshot.dir.display()),
        };
        Self { snapshot, label }
    }

    /// The snapshot's regions, in name order.
    #[must_use]
    pub fn regions(&self) -> Vec<String> {
        self.snapshot.regions.keys().cloned().collect()
    }

    fn region(&self, region: &str) -> Result<&RegionEstate, BackendError> {
        self.snapshot.regions.get(region).ok_or_else(|| {
            BackendError::new(
                ErrorKind::NotFound,
                format!(
                    "{region} is not in the snapshot (it holds {})",
                    self.regions().join(", ")
                ),
            )
            .in_region(region)
        })
    }
}

#[async_trait]
impl Backend for SnapshotBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "snapshot".into(),
            label: self.label.clone(),
            default_regions: self.regions(),
        }
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        Ok(self.snapshot.account.clone())
    }

    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError> {
        let stored = self.region(region)?;
        Ok(RegionEstate {
            firewalls: Vec::new(),
            firewall_policies: Vec::new(),
            rule_groups: Vec::new(),
            instances: Vec::new(),
            ..stored.clone()
        })
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        let stored = self.region(region)?;
        let gaps = |names: &[&str]| {
            self.snapshot
                .optional_gaps
                .get(region)
                .into_iter()
                .flatten()
                .filter(|g| names.contains(&g.part.as_str()))
                .cloned()
                .collect()
        };
        Ok(match part {
            OptionalPart::NetworkFirewall => OptionalData::NetworkFirewall {
                firewalls: stored.firewalls.clone(),
                policies: stored.firewall_policies.clone(),
                rule_groups: stored.rule_groups.clone(),
                gaps: gaps(&["network-firewall"]),
            },
            OptionalPart::Instances => OptionalData::Instances {
                instances: stored.instances.clone(),
                gaps: gaps(&["instances", "ssm"]),
            },
        })
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        let table = self
            .region(region)?
            .tgw_route_tables
            .iter()
            .find(|t| t.id == route_table_id)
            .ok_or_else(|| BackendError::not_found("TGW route table", route_table_id, region))?;
        Ok(super::routes::answer_query(&table.routes, query))
    }
}
