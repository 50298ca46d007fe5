//! Many accounts, one estate: a [`Backend`] that reads every member account of an
//! organization (or the accounts named) through its own backend and merges what they
//! see into one estate, and a [`Changer`] that sends each change with the credentials
//! of the account that owns its object.
//!
//! Invariants:
//! - Each region is read in every member account concurrently (the call scheduler
//!   decides what is in flight) and merged with
//!   [`crate::model::merge::merge_region_with`]: one object per id, the owner's copy
//!   winning.
//! - Partial visibility is data: an account whose role cannot be assumed, or whose
//!   read of a region fails, is a gap of that region named after the account
//!   (`account 222233334444: role … cannot be assumed …`), never a silent hole and
//!   never the region's failure while another account read it.
//! - A TGW route table's routes are searched in the account that owns its TGW (the
//!   only one that can).
//! - A change goes to the account that owns what it changes: a TGW's tables and
//!   attachments to the TGW owner, a VPC route or an appliance-mode switch to the VPC
//!   owner, a peering acceptance to the accepter, a firewall policy to the firewall's
//!   VPC owner ([`Owners::of`]). An owner netops has no changer for refuses before
//!   anything is sent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use futures::StreamExt;

use super::{
    Backend, BackendError, BackendInfo, Change, ChangeOp, ChangeOutcome, Changer, ErrorKind,
    OptionalData, OptionalPart, RoutePage, RouteQuery,
};
use crate::model::{Account, Gap, RegionEstate};

/// One member account.
pub struct Member {
    pub id: String,
    /// The account's name in the organization, when known.
    pub name: Option<String>,
    /// How it is read, for gaps and the audit log: `role NAME`, `profile NAME`, or
    /// `base credentials`.
    pub via: String,
    /// Regions to read in it; `None`: every region asked for.
    pub regions: Option<Vec<String>>,
    /// Its reader, or why it has none (the role could not be assumed).
    pub reader: Result<Arc<dyn Backend>, BackendError>,
    /// Its changer; `None` when read-only (the config's `read_only`, `--read-only`).
    pub changer: Option<Arc<dyn Changer>>,
    /// Its prober (SSM Run Command in this account); `None` when read-only.
    pub prober: Option<Arc<dyn super::Prober>>,
}

impl Member {
    fn reads(&self, region: &str) -> bool {
        self.regions
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == region))
    }

    fn gap(&self, error: &str) -> Gap {
        Gap {
            part: format!("account {}", self.id),
            error: error.to_string(),
        }
    }
}

/// Progress of a read over many accounts: per account, regions asked, read and
/// failed. An account counts as read once every region asked of it so far was read
/// (one whose role cannot be assumed never is); a region counts once it answered,
/// read or not.
#[derive(Debug, Default)]
pub struct Progress {
    /// Per member: (regions asked, regions read, regions failed).
    per_member: Vec<(AtomicUsize, AtomicUsize, AtomicUsize)>,
}

impl Progress {
    fn new(members: usize) -> Self {
        Self {
            per_member: (0..members)
                .map(|_| {
                    (
                        AtomicUsize::new(0),
                        AtomicUsize::new(0),
                        AtomicUsize::new(0),
                    )
                })
                .collect(),
        }
    }

    fn asked(&self, member: usize) {
        if let Some((a, _, _)) = self.per_member.get(member) {
            a.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn answered(&self, member: usize, read: bool) {
        if let Some((_, ok, failed)) = self.per_member.get(member) {
            if read { ok } else { failed }.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `accounts 37/212, regions 80/424`.
    #[must_use]
    pub fn line(&self) -> String {
        let (mut accounts_read, mut asked, mut answered) = (0, 0, 0);
        for (a, ok, failed) in &self.per_member {
            let (a, ok, failed) = (
                a.load(Ordering::Relaxed),
                ok.load(Ordering::Relaxed),
                failed.load(Ordering::Relaxed),
            );
            asked += a;
            answered += ok + failed;
            if a > 0 && ok >= a {
                accounts_read += 1;
            }
        }
        format!(
            "accounts {accounts_read}/{}, regions {answered}/{asked}",
            self.per_member.len()
        )
    }
}

/// Who owns what, learned from the reads: where each change must be sent.
#[derive(Debug, Default)]
pub struct Owners {
    /// TGW id → owner.
    tgws: HashMap<String, String>,
    /// TGW route table id → its TGW's owner.
    tgw_tables: HashMap<String, String>,
    /// Attachment id → (TGW owner, attached resource's owner).
    attachments: HashMap<String, (Option<String>, Option<String>)>,
    /// Peering id → (requester account, accepter account).
    peerings: HashMap<String, (String, String)>,
    /// VPC route table id → owner.
    vpc_tables: HashMap<String, String>,
    /// Firewall policy name → the owner of its firewall's VPC.
    policies: HashMap<String, String>,
    /// Instance id → its owner.
    instances: HashMap<String, String>,
}

impl Owners {
    fn learn(&mut self, r: &RegionEstate) {
        let vpc_owner: HashMap<&str, &str> = r
            .vpcs
            .iter()
            .map(|v| (v.id.as_str(), v.owner_id.as_str()))
            .collect();
        for t in &r.tgws {
            self.tgws.insert(t.id.clone(), t.owner_id.clone());
        }
        for t in &r.tgw_route_tables {
            if let Some(o) = self.tgws.get(&t.tgw_id).cloned() {
                self.tgw_tables.insert(t.id.clone(), o);
            }
        }
        for a in &r.attachments {
            self.attachments.insert(
                a.id.clone(),
                (a.tgw_owner_id.clone(), a.resource_owner_id.clone()),
            );
        }
        for p in &r.peerings {
            self.peerings.insert(
                p.id.clone(),
                (
                    p.requester.account_id.clone(),
                    p.accepter.account_id.clone(),
                ),
            );
        }
        for t in &r.vpc_route_tables {
            let owner = t
                .owner_id
                .clone()
                .or_else(|| vpc_owner.get(t.vpc_id.as_str()).map(|o| (*o).to_string()));
            if let Some(o) = owner {
                self.vpc_tables.insert(t.id.clone(), o);
            }
        }
        for i in &r.instances {
            let owner = i.owner_id.clone().or_else(|| {
                i.vpc_id
                    .as_deref()
                    .and_then(|v| vpc_owner.get(v))
                    .map(|o| (*o).to_string())
            });
            if let Some(o) = owner {
                self.instances.insert(i.id.clone(), o);
            }
        }
        for f in &r.firewalls {
            if let (Some(o), Some(p)) = (
                vpc_owner.get(f.vpc_id.as_str()),
                r.firewall_policies.iter().find(|p| p.arn == f.policy_arn),
            ) {
                self.policies.insert(p.name.clone(), (*o).to_string());
            }
        }
    }

    /// The account `change` must be sent from, when known.
    #[must_use]
    pub fn of(&self, change: &Change) -> Option<String> {
        let nonempty = |o: &String| (!o.is_empty()).then(|| o.clone());
        match change {
            Change::CreateTgwRoute { route_table_id, .. }
            | Change::ReplaceTgwRoute { route_table_id, .. }
            | Change::DeleteTgwRoute { route_table_id, .. }
            | Change::AssociateTgwRouteTable { route_table_id, .. }
            | Change::DisassociateTgwRouteTable { route_table_id, .. }
            | Change::EnablePropagation { route_table_id, .. }
            | Change::DisablePropagation { route_table_id, .. } => {
                self.tgw_tables.get(route_table_id).and_then(nonempty)
            }
            Change::CreatePeering { tgw_id, .. } => self.tgws.get(tgw_id).and_then(nonempty),
            Change::AcceptPeering { attachment_id } | Change::RejectPeering { attachment_id } => {
                self.peerings
                    .get(attachment_id)
                    .and_then(|(_, acc)| nonempty(acc))
            }
            Change::DeletePeering { attachment_id } => self
                .peerings
                .get(attachment_id)
                .and_then(|(req, _)| nonempty(req)),
            Change::AcceptVpcAttachment { attachment_id }
            | Change::RejectVpcAttachment { attachment_id } => self
                .attachments
                .get(attachment_id)
                .and_then(|(tgw, _)| tgw.clone()),
            Change::SetApplianceMode { attachment_id, .. } => self
                .attachments
                .get(attachment_id)
                .and_then(|(tgw, vpc)| vpc.clone().or_else(|| tgw.clone())),
            Change::CreateVpcRoute { route_table_id, .. }
            | Change::ReplaceVpcRoute { route_table_id, .. }
            | Change::DeleteVpcRoute { route_table_id, .. } => {
                self.vpc_tables.get(route_table_id).and_then(nonempty)
            }
            Change::DisableRuleGroup(t) | Change::EnableRuleGroup(t) => {
                self.policies.get(&t.policy_name).and_then(nonempty)
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every member account, read as one estate.
pub struct AccountsBackend {
    kind: String,
    label: String,
    caller: Option<Account>,
    default_regions: Vec<String>,
    members: Vec<Member>,
    /// Accounts read at once within a region (all, unless said).
    concurrency: usize,
    owners: Arc<Mutex<Owners>>,
    progress: Arc<Progress>,
}

impl AccountsBackend {
    /// Reads `members`; `caller` is the account the base credentials belong to.
    #[must_use]
    pub fn new(
        kind: &str,
        label: &str,
        caller: Option<Account>,
        default_regions: Vec<String>,
        members: Vec<Member>,
    ) -> Self {
        let progress = Arc::new(Progress::new(members.len()));
        // Every account at once: the call scheduler's in-flight limit and its
        // fairness decide what is sent (a limit here would leave slots idle while a
        // few accounts wait out their retries).
        let concurrency = members.len().max(1);
        Self {
            kind: kind.to_string(),
            label: label.to_string(),
            caller,
            default_regions,
            members,
            concurrency,
            owners: Arc::new(Mutex::new(Owners::default())),
            progress,
        }
    }

    /// Reads at most `accounts` accounts of a region at once (at least one).
    #[must_use]
    pub fn with_concurrency(mut self, accounts: usize) -> Self {
        self.concurrency = accounts.max(1);
        self
    }

    /// The members, in the order given.
    #[must_use]
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Progress of the reads so far.
    #[must_use]
    pub fn progress(&self) -> Arc<Progress> {
        Arc::clone(&self.progress)
    }

    /// The prober that runs each probe in the account that owns its instance; `None`
    /// when no member can run one.
    #[must_use]
    pub fn prober(&self) -> Option<Arc<dyn super::Prober>> {
        let by_account: HashMap<String, Arc<dyn super::Prober>> = self
            .members
            .iter()
            .filter_map(|m| Some((m.id.clone(), Arc::clone(m.prober.as_ref()?))))
            .collect();
        if by_account.is_empty() {
            return None;
        }
        Some(Arc::new(OwnerProber {
            by_account,
            owners: Arc::clone(&self.owners),
        }))
    }

    /// The changer that sends each change from its owner's account; `None` when no
    /// member can change anything.
    #[must_use]
    pub fn changer(&self) -> Option<Arc<dyn Changer>> {
        let by_account: HashMap<String, Arc<dyn Changer>> = self
            .members
            .iter()
            .filter_map(|m| Some((m.id.clone(), Arc::clone(m.changer.as_ref()?))))
            .collect();
        if by_account.is_empty() {
            return None;
        }
        let read_only: Vec<String> = self
            .members
            .iter()
            .filter(|m| m.changer.is_none() && m.reader.is_ok())
            .map(|m| m.id.clone())
            .collect();
        let via = self
            .members
            .iter()
            .map(|m| (m.id.clone(), m.via.clone()))
            .collect();
        Some(Arc::new(OwnerChanger {
            by_account,
            read_only,
            via,
            owners: Arc::clone(&self.owners),
            fallback: self.caller.as_ref().map(|a| a.id.clone()),
        }))
    }
}

#[async_trait]
impl Backend for AccountsBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: self.kind.clone(),
            label: self.label.clone(),
            default_regions: self.default_regions.clone(),
        }
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        Ok(self.caller.clone())
    }

    fn progress(&self) -> Option<String> {
        (self.members.len() > 1).then(|| self.progress.line())
    }

    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError> {
        // By index: a borrowed member in the stream's closure trips async_trait's
        // lifetimes.
        let readers: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].reads(region))
            .collect();
        for &i in &readers {
            self.progress.asked(i);
        }
        let mut reads: Vec<(usize, Option<Result<RegionEstate, BackendError>>)> =
            futures::stream::iter(readers)
                .map(|i| async move {
                    let result = match &self.members[i].reader {
                        Ok(b) => Some(b.load_topology(region).await),
                        Err(_) => None,
                    };
                    self.progress.answered(i, matches!(result, Some(Ok(_))));
                    (i, result)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        // Merge in the members' order, so the estate does not depend on who answered
        // first.
        reads.sort_by_key(|(i, _)| *i);
        let ordered = reads.into_iter().map(|(i, r)| (&self.members[i], r));
        let mut merged = RegionEstate::new(region);
        let mut index = crate::model::merge::MergeIndex::default();
        let mut gaps = Vec::new();
        let mut read = 0;
        let mut first_error = None;
        for (m, result) in ordered {
            match result {
                Some(Ok(r)) => {
                    read += 1;
                    crate::model::merge::merge_region_with(&mut merged, &mut index, r, Some(&m.id));
                }
                Some(Err(e)) => {
                    gaps.push(m.gap(&e.message));
                    first_error.get_or_insert(e);
                }
                None => {
                    if let Err(e) = &m.reader {
                        gaps.push(m.gap(&e.message));
                        first_error.get_or_insert_with(|| e.clone());
                    }
                }
            }
        }
        if read == 0 {
            return Err(first_error.unwrap_or_else(|| {
                BackendError::new(
                    ErrorKind::InvalidInput,
                    format!("no account is read in {region}"),
                )
            }));
        }
        merged.gaps.extend(gaps);
        lock(&self.owners).learn(&merged);
        Ok(merged)
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        let readers: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].reads(region) && self.members[i].reader.is_ok())
            .collect();
        let mut answers: Vec<(usize, Result<OptionalData, BackendError>)> =
            futures::stream::iter(readers)
                .map(|i| async move {
                    let r = match &self.members[i].reader {
                        Ok(b) => b.load_optional(region, part).await,
                        Err(e) => Err(e.clone()),
                    };
                    (i, r)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        answers.sort_by_key(|(i, _)| *i);
        let ordered = answers.into_iter().map(|(i, r)| (&self.members[i], r));
        let mut merged = RegionEstate::new(region);
        let mut index = crate::model::merge::MergeIndex::default();
        let mut gaps = Vec::new();
        let mut any = false;
        let mut first_error = None;
        for (m, answer) in ordered {
            match answer {
                Ok(data) => {
                    any = true;
                    let mut r = RegionEstate::new(region);
                    data.apply_to(&mut r);
                    // A part one account could not read keeps its part's name.
                    for g in std::mem::take(&mut r.gaps) {
                        gaps.push(Gap {
                            part: g.part,
                            error: format!("account {}: {}", m.id, g.error),
                        });
                    }
                    crate::model::merge::merge_region_with(&mut merged, &mut index, r, Some(&m.id));
                }
                Err(e) => {
                    gaps.push(Gap {
                        part: part.name().to_string(),
                        error: format!("account {}: {}", m.id, e.message),
                    });
                    first_error.get_or_insert(e);
                }
            }
        }
        if !any && let Some(e) = first_error {
            return Err(e);
        }
        lock(&self.owners).learn(&merged);
        Ok(match part {
            OptionalPart::NetworkFirewall => OptionalData::NetworkFirewall {
                firewalls: merged.firewalls,
                policies: merged.firewall_policies,
                rule_groups: merged.rule_groups,
                gaps,
            },
            OptionalPart::Instances => OptionalData::Instances {
                instances: merged.instances,
                gaps,
            },
        })
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        let owner = lock(&self.owners).tgw_tables.get(route_table_id).cloned();
        let member = owner
            .and_then(|o| self.members.iter().find(|m| m.id == o))
            .or_else(|| self.members.iter().find(|m| m.reader.is_ok()));
        match member.map(|m| &m.reader) {
            Some(Ok(b)) => b.search_routes(region, route_table_id, query).await,
            Some(Err(e)) => Err(e.clone()),
            None => Err(BackendError::new(
                ErrorKind::NotFound,
                format!("no account can read {route_table_id}"),
            )),
        }
    }

    async fn tgw_routes(
        &self,
        region: &str,
        route_table_id: &str,
    ) -> Result<Vec<crate::model::TgwRoute>, BackendError> {
        let owner = lock(&self.owners).tgw_tables.get(route_table_id).cloned();
        let member = owner
            .and_then(|o| self.members.iter().find(|m| m.id == o))
            .or_else(|| self.members.iter().find(|m| m.reader.is_ok()));
        match member.map(|m| &m.reader) {
            Some(Ok(b)) => b.tgw_routes(region, route_table_id).await,
            Some(Err(e)) => Err(e.clone()),
            None => Err(BackendError::new(
                ErrorKind::NotFound,
                format!("no account can read {route_table_id}"),
            )),
        }
    }
}

/// Runs each probe in the account that owns its instance (SSM commands run only in
/// the instance's own account).
struct OwnerProber {
    by_account: HashMap<String, Arc<dyn super::Prober>>,
    owners: Arc<Mutex<Owners>>,
}

impl OwnerProber {
    fn of(&self, instance: &str) -> Result<&Arc<dyn super::Prober>, BackendError> {
        let owner = lock(&self.owners).instances.get(instance).cloned();
        owner
            .as_ref()
            .and_then(|o| self.by_account.get(o))
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::AccessDenied,
                    match owner {
                        Some(o) => format!(
                            "{instance} belongs to account {o}, which netops cannot run commands in (read-only, or not read); nothing was sent"
                        ),
                        None => format!(
                            "which account owns {instance} is not known (its instances were not read); nothing was sent"
                        ),
                    },
                )
            })
    }
}

#[async_trait]
impl super::Prober for OwnerProber {
    async fn send(
        &self,
        region: &str,
        request: &super::probe::ProbeRequest,
    ) -> Result<String, BackendError> {
        self.of(&request.instance_id)?.send(region, request).await
    }

    async fn invocation(
        &self,
        region: &str,
        command_id: &str,
        instance_id: &str,
    ) -> Result<super::probe::Invocation, BackendError> {
        self.of(instance_id)?
            .invocation(region, command_id, instance_id)
            .await
    }
}

/// Sends each change from the account that owns its object.
struct OwnerChanger {
    by_account: HashMap<String, Arc<dyn Changer>>,
    /// Accounts read but not changed (read-only in the config).
    read_only: Vec<String>,
    /// Account → how netops acts there (`role NAME`…).
    via: HashMap<String, String>,
    owners: Arc<Mutex<Owners>>,
    /// The caller's account, for an object whose owner was not learned.
    fallback: Option<String>,
}

impl OwnerChanger {
    fn account(&self, op: &ChangeOp) -> Option<String> {
        op.account
            .clone()
            .or_else(|| lock(&self.owners).of(&op.change))
            .or_else(|| self.fallback.clone())
    }
}

#[async_trait]
impl Changer for OwnerChanger {
    fn route(&self, op: &ChangeOp) -> Option<(String, String)> {
        let account = self.account(op)?;
        let via = self.via.get(&account).cloned().unwrap_or_default();
        Some((account, via))
    }

    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        let account = self.account(op);
        let Some(account) = account else {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "{} on {}: which account owns it is not known (re-read the estate); nothing was sent",
                    op.action(),
                    op.change.object()
                ),
            )
            .in_region(&op.region));
        };
        match self.by_account.get(&account) {
            Some(changer) => {
                let mut sent = op.clone();
                sent.account = Some(account);
                changer.apply(&sent).await
            }
            None if self.read_only.contains(&account) => Err(BackendError::new(
                ErrorKind::ReadOnly,
                format!(
                    "{} runs in account {account}, which is read-only in the config; nothing was sent",
                    op.action()
                ),
            )
            .in_region(&op.region)),
            None => Err(BackendError::new(
                ErrorKind::AccessDenied,
                format!(
                    "{} runs in account {account}, which netops cannot act in (not read, or its role could not be assumed); nothing was sent",
                    op.action()
                ),
            )
            .in_region(&op.region)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::backend::sim::Simulator;
    use crate::backend::sim::accounts::org;
    use crate::backend::sim::scenario::Scenario;
    use crate::discovery::{DiscoveryPlan, discover};
    use crate::model::Estate;
    use crate::net::Net;
    use crate::net::trace::{TraceQuery, Verdict, trace};

    async fn read(backend: Arc<dyn Backend>) -> Estate {
        discover(
            backend,
            DiscoveryPlan {
                regions: vec!["us-east-1".into()],
                follow_peers: true,
                concurrency: 4,
            },
        )
        .await
    }

    fn ids(e: &Estate) -> BTreeSet<String> {
        e.loaded()
            .flat_map(|r| {
                r.object_ids()
                    .cloned()
                    .chain(r.peerings.iter().map(|p| p.id.clone()))
                    .chain(r.firewalls.iter().map(|f| f.id.clone()))
                    .chain(r.tgw_route_tables.iter().flat_map(|t| {
                        t.routes
                            .iter()
                            .map(move |x| format!("{} {}", t.id, x.destination))
                    }))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn sim() -> Arc<Simulator> {
        Arc::new(Simulator::from_scenario(Scenario::organization().expect("org")).expect("sim"))
    }

    /// Seed 002's organization read account by account is the whole estate, each
    /// object once, each with its owner; the account whose role cannot be assumed is
    /// a named gap; a trace from business unit A's instance (in the network account's
    /// shared subnet) reaches the internet through the security account's inspection.
    #[tokio::test]
    async fn an_organization_read_account_by_account_is_one_estate() {
        let sim = sim();
        let whole = read(Arc::clone(&sim) as Arc<dyn Backend>).await;
        let backend =
            Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
        let progress = backend.progress();
        let merged = read(Arc::clone(&backend) as Arc<dyn Backend>).await;
        assert_eq!(ids(&merged), ids(&whole), "nothing lost, nothing twice");
        assert_eq!(
            progress.line(),
            "accounts 5/6, regions 12/12",
            "two regions in each of six accounts asked; the denied one answered at once, unread"
        );

        let r = merged.region("us-east-1").expect("read");
        let owner = |name: &str| {
            r.vpcs
                .iter()
                .find(|v| v.name.as_deref() == Some(name))
                .map(|v| v.owner_id.as_str())
        };
        assert_eq!(owner("inspection"), Some(org::SECURITY));
        assert_eq!(owner("spoke-b"), Some(org::BU_B));
        assert_eq!(owner("spoke-a"), Some(org::NETWORK));
        let instance = r
            .instances
            .iter()
            .find(|i| i.id == "i-0e1a2b3c4d5e6f7d1")
            .expect("business unit A's instance");
        assert_eq!(instance.owner_id.as_deref(), Some(org::BU_A));
        let subnet = r
            .subnets
            .iter()
            .find(|s| Some(&s.id) == instance.subnet_id.as_ref())
            .expect("its subnet");
        assert_eq!(
            subnet.owner_id.as_deref(),
            Some(org::NETWORK),
            "the owner's copy won"
        );
        let gap = r
            .gaps
            .iter()
            .find(|g| g.part == format!("account {}", org::DENIED))
            .expect("the denied account is a gap");
        assert!(
            gap.error.contains(
                "OrganizationAccountAccessRole cannot be assumed in 555566667777: AccessDenied"
            ),
            "{gap:?}"
        );

        let net = Net::new(&merged);
        let t = trace(
            &net,
            &TraceQuery {
                from: "i-0e1a2b3c4d5e6f7d1".into(),
                to: "internet".into(),
                protocol: None,
                port: None,
                sni: Some("www.amazon.com".into()),
                routing_only: false,
                http_host: None,
            },
        )
        .expect("trace");
        assert!(
            matches!(t.verdict, Verdict::ReachesInternet { .. }),
            "{:?}",
            t.verdict
        );
        assert!(
            !t.firewalls.is_empty(),
            "through the security account's firewall"
        );
    }

    /// Each change goes to the account that owns its object: a TGW route to the
    /// network account, spoke-b's VPC route to business unit B; an account that was
    /// not read (the denied one) is refused before anything is sent.
    #[tokio::test]
    async fn a_change_is_sent_from_the_owners_account() {
        let sim = sim();
        let backend = sim.accounts_backend(&[], "OrganizationAccountAccessRole", |id| {
            id == org::SECURITY
        });
        let backend = Arc::new(backend);
        let estate = read(Arc::clone(&backend) as Arc<dyn Backend>).await;
        let changer = backend.changer().expect("a changer");
        let r = estate.region("us-east-1").expect("read");
        let post = r
            .tgw_route_tables
            .iter()
            .find(|t| t.name.as_deref() == Some("post-inspection"))
            .expect("post-inspection");
        let cidr = post
            .routes
            .iter()
            .find(|x| x.route_type == crate::model::RouteType::Static)
            .and_then(|x| x.destination.cidr())
            .expect("a static CIDR route");
        changer
            .apply(&ChangeOp::new(
                "us-east-1",
                Change::DeleteTgwRoute {
                    route_table_id: post.id.clone(),
                    cidr,
                },
            ))
            .await
            .expect("deleted in the network account");
        let spoke_b = r
            .vpc_route_tables
            .iter()
            .find(|t| t.owner_id.as_deref() == Some(org::BU_B))
            .expect("a spoke-b table");
        changer
            .apply(&ChangeOp::new(
                "us-east-1",
                Change::CreateVpcRoute {
                    route_table_id: spoke_b.id.clone(),
                    cidr: "10.99.0.0/16".parse().expect("cidr"),
                    target: crate::backend::VpcTarget::TransitGateway(
                        "tgw-0e1a2b3c4d5e6f701".into(),
                    ),
                },
            ))
            .await
            .expect("added in business unit B");
        let sent: Vec<Option<String>> = sim
            .applied_changes()
            .into_iter()
            .map(|op| op.account)
            .collect();
        assert_eq!(
            sent,
            [Some(org::NETWORK.to_string()), Some(org::BU_B.to_string())]
        );

        // The security account is read-only in this test's config: its firewall policy
        // is not changed.
        let inspection = r
            .vpc_route_tables
            .iter()
            .find(|t| t.owner_id.as_deref() == Some(org::SECURITY))
            .expect("an inspection table");
        let e = changer
            .apply(&ChangeOp::new(
                "us-east-1",
                Change::DeleteVpcRoute {
                    route_table_id: inspection.id.clone(),
                    cidr: "0.0.0.0/0".parse().expect("cidr"),
                },
            ))
            .await
            .expect_err("read-only account");
        assert_eq!(e.kind, ErrorKind::ReadOnly, "{e}");
        assert_eq!(sim.applied_changes().len(), 2, "nothing more was sent");
    }

    /// A probe runs in the account that owns its instance; an instance of an account
    /// netops may not act in is refused before anything is sent.
    #[tokio::test]
    async fn a_probe_runs_in_the_instances_account() {
        use crate::backend::probe::{ProbeRequest, ProbeSpec};
        let sim = sim();
        let backend = Arc::new(
            sim.accounts_backend(&[], "OrganizationAccountAccessRole", |id| id == org::BU_B),
        );
        let _ = read(Arc::clone(&backend) as Arc<dyn Backend>).await;
        let prober = backend.prober().expect("a prober");
        let request = |instance: &str| ProbeRequest {
            instance_id: instance.into(),
            spec: ProbeSpec::Ping {
                ip: "10.1.1.10".parse().expect("ip"),
            },
            comment: "netops probe test".into(),
        };
        prober
            .send("us-east-1", &request("i-0e1a2b3c4d5e6f7d1"))
            .await
            .expect("business unit A's instance, in its account");
        let e = prober
            .send("us-east-1", &request("i-0e1a2b3c4d5e6f7d2"))
            .await
            .expect_err("business unit B is read-only here");
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert!(e.message.contains(org::BU_B), "{e}");
    }

    /// A trace into an account that could not be read says which account, and why.
    #[tokio::test]
    async fn a_trace_into_an_unread_account_names_it() {
        let mut scenario = Scenario::organization().expect("org");
        for a in &mut scenario.accounts {
            if a.id == org::BU_B {
                a.deny_assume_role = Some("AccessDenied".into());
            }
        }
        let sim = Arc::new(Simulator::from_scenario(scenario).expect("sim"));
        let backend =
            Arc::new(sim.accounts_backend(&[], "OrganizationAccountAccessRole", |_| false));
        let estate = read(backend as Arc<dyn Backend>).await;
        let net = Net::new(&estate);
        let t = trace(
            &net,
            &TraceQuery {
                from: "i-0e1a2b3c4d5e6f7d1".into(),
                to: "10.1.1.10".into(),
                protocol: None,
                port: None,
                sni: None,
                routing_only: false,
                http_host: None,
            },
        )
        .expect("trace");
        assert!(
            !t.verdict.arrives(),
            "spoke-b's VPC was not read: {:?}",
            t.verdict
        );
        assert!(
            t.notes.iter().any(|n| n.contains(&format!(
                "account {} was not read in us-east-1 (role OrganizationAccountAccessRole cannot be assumed in {}: AccessDenied)",
                org::BU_B,
                org::BU_B
            ))),
            "{:?}",
            t.notes
        );
    }
}
