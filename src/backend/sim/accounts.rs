//! The simulator as an AWS Organization: its accounts (`ListAccounts`), AssumeRole
//! into each, and what each account can see of the one simulated estate.
//!
//! AWS shows each account only its own objects and what was shared with it through
//! RAM ([`super::scenario::ResourceShare`]); netops reads every account and merges
//! (`crate::backend::accounts`). The rules modelled here:
//! - a TGW: its owner, and the accounts it is shared with; its route tables (and so
//!   its routes) only its owner;
//! - an attachment: the TGW's owner and the attached VPC's owner; a TGW peering: the
//!   accounts of both sides;
//! - a subnet: its owner (the VPC's) and the accounts it is shared with; a
//!   participant of a shared subnet also sees its VPC and the VPC's route tables
//!   (read-only), as AWS shows them;
//! - internet and NAT gateways, endpoints, network ACLs, firewalls, VPC peerings: the
//!   VPC's owner;
//! - instances, interfaces and security groups: their owner (a participant's
//!   instance in a shared subnet is the participant's); the VPC's owner also sees
//!   every interface in its subnets.
//!
//! An object without an `owner_id` belongs to its VPC's owner (or the scenario's
//! account); each view stamps the owner on what it returns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;

use super::Simulator;
use super::scenario::{ResourceShare, Scenario, ScenarioAccount, ScenarioError};
use super::visibility::{Seen, Snapshot, Visibility};
use crate::backend::{
    Backend, BackendError, BackendInfo, Changer, ErrorKind, OptionalData, OptionalPart, RoutePage,
    RouteQuery,
};
use crate::model::{Account, RegionEstate};

/// The organization demo's accounts (seed 002's shape).
pub mod org {
    /// Owns the TGWs and the spoke-a VPC, whose subnets it shares with business unit A.
    pub const NETWORK: &str = "111122223333";
    /// Runs the inspection VPC (Network Firewall) attached to the shared TGW.
    pub const SECURITY: &str = "222233334444";
    /// Business unit A: its workload instance sits in the network account's shared
    /// subnet.
    pub const BU_A: &str = "333344445555";
    /// Business unit B: owns spoke-b, attached to the shared TGW.
    pub const BU_B: &str = "444455556666";
    /// An account whose role does not trust netops.
    pub const DENIED: &str = "555566667777";
    /// Runs the European hub (eu-west-1's TGW and workload VPC): the peering from
    /// the network account's hub is accepted here.
    pub const NETWORK_EU: &str = "666677778888";
}

impl Scenario {
    /// The demo as an organization in seed 002's shape: the network account owns the
    /// us-east-1 TGW and shares it (RAM) with the security and business-unit accounts
    /// (a second network account runs eu-west-1's hub, peered across accounts), and
    /// shares spoke-a's subnets with business unit A, whose instance runs there; the
    /// security account runs the inspection VPC; business unit B owns spoke-b; one
    /// account's role cannot be assumed. The same topology as the demo, so a trace
    /// from business unit A's instance to the internet crosses the security account's
    /// inspection.
    ///
    /// # Errors
    /// The built-in scenario does not parse (a build defect).
    pub fn organization() -> Result<Self, ScenarioError> {
        use org::{BU_A, BU_B, DENIED, NETWORK, NETWORK_EU, SECURITY};
        let mut s = Self::builtin()?;
        s.name = "organization".into();
        s.description = "the demo run by five accounts (seed 002): network, security, two business units, one denied".into();
        s.account_id = NETWORK.into();
        let mut spoke_a_subnets = Vec::new();
        let mut tgws = Vec::new();
        for r in &mut s.regions {
            let europe = r.region == "eu-west-1";
            if europe {
                for t in &mut r.tgws {
                    t.owner_id = NETWORK_EU.into();
                }
            } else {
                tgws.extend(r.tgws.iter().map(|t| t.id.clone()));
            }
            for p in &mut r.peerings {
                p.accepter.account_id = NETWORK_EU.into();
            }
            for v in &mut r.vpcs {
                v.owner_id = match v.name.as_deref() {
                    _ if europe => NETWORK_EU.into(),
                    Some("inspection") => SECURITY.into(),
                    Some("spoke-b") => BU_B.into(),
                    _ => NETWORK.into(),
                };
                if v.name.as_deref() == Some("spoke-a") {
                    spoke_a_subnets.extend(
                        r.subnets
                            .iter()
                            .filter(|x| x.vpc_id == v.id)
                            .map(|x| x.id.clone()),
                    );
                }
            }
            // Re-derived from the TGWs' and VPCs' owners.
            for a in &mut r.attachments {
                a.resource_owner_id = None;
                a.tgw_owner_id = None;
            }
            for i in &mut r.instances {
                if i.name.as_deref() == Some("spoke-a-workload") {
                    i.owner_id = Some(BU_A.into());
                }
            }
        }
        let account = |id: &str, name: &str| ScenarioAccount {
            id: id.into(),
            name: name.into(),
            ..ScenarioAccount::default()
        };
        s.accounts = vec![
            account(NETWORK, "network"),
            account(SECURITY, "security"),
            account(BU_A, "business-unit-a"),
            account(BU_B, "business-unit-b"),
            ScenarioAccount {
                deny_assume_role: Some("AccessDenied".into()),
                ..account(DENIED, "sandbox")
            },
            account(NETWORK_EU, "network-eu"),
        ];
        s.shares = vec![
            ResourceShare {
                name: "transit-gateways".into(),
                owner: NETWORK.into(),
                resources: tgws,
                principals: vec![SECURITY.into(), BU_A.into(), BU_B.into()],
            },
            ResourceShare {
                name: "spoke-a-subnets".into(),
                owner: NETWORK.into(),
                resources: spoke_a_subnets,
                principals: vec![BU_A.into()],
            },
        ];
        Ok(s)
    }
}

impl Simulator {
    /// The organization's accounts (`ListAccounts`): the scenario's, else its one
    /// account.
    #[must_use]
    pub fn organization(&self) -> Vec<ScenarioAccount> {
        if self.accounts.is_empty() {
            return vec![ScenarioAccount {
                id: self.account_id.clone(),
                name: self.name.clone(),
                ..ScenarioAccount::default()
            }];
        }
        self.accounts.clone()
    }

    /// AssumeRole `role` in `account`: a view of the estate as that account sees it,
    /// or the error STS would answer.
    ///
    /// # Errors
    /// [`ErrorKind::AccessDenied`] when the account is not in the organization or its
    /// role does not trust the caller.
    pub fn assume(self: &Arc<Self>, account: &str, role: &str) -> Result<SimAccount, BackendError> {
        let org = self.organization();
        let Some(member) = org.iter().find(|a| a.id == account) else {
            return Err(BackendError::new(
                ErrorKind::AccessDenied,
                format!(
                    "role {role} cannot be assumed in {account}: AccessDenied (not an account of this organization)"
                ),
            ));
        };
        if let Some(code) = &member.deny_assume_role {
            return Err(BackendError::new(
                ErrorKind::AccessDenied,
                format!("role {role} cannot be assumed in {account}: {code}"),
            ));
        }
        Ok(SimAccount {
            sim: Arc::clone(self),
            account: account.to_string(),
            role: role.to_string(),
        })
    }

    /// The organization read as one estate (`--demo --org`, `--demo --accounts`): the
    /// accounts `only` names (all ACTIVE ones when empty), each through AssumeRole of
    /// `role`; `read_only(id)` makes an account's changes refused.
    #[must_use]
    pub fn accounts_backend(
        self: &Arc<Self>,
        only: &[String],
        role: &str,
        read_only: impl Fn(&str) -> bool,
    ) -> crate::backend::accounts::AccountsBackend {
        let org = self.organization();
        let ids: Vec<String> = if only.is_empty() {
            org.iter()
                .filter(|a| a.status.as_deref().is_none_or(|s| s == "ACTIVE"))
                .map(|a| a.id.clone())
                .collect()
        } else {
            only.to_vec()
        };
        let members = ids
            .into_iter()
            .map(|id| {
                let view = self.assume(&id, role);
                let (changer, prober) = match &view {
                    Ok(v) if !read_only(&id) => (v.changer(), self.prober()),
                    _ => (None, None),
                };
                crate::backend::accounts::Member {
                    name: org.iter().find(|a| a.id == id).map(|a| a.name.clone()),
                    via: format!("role {role}"),
                    regions: None,
                    reader: view.map(|v| Arc::new(v) as Arc<dyn Backend>),
                    changer,
                    prober,
                    id,
                }
            })
            .collect();
        crate::backend::accounts::AccountsBackend::new(
            "demo",
            &self.name,
            Some(Account {
                id: self.account_id.clone(),
                alias: None,
            }),
            vec![self.home_region.clone()],
            members,
        )
    }
}

/// The simulated estate as one account sees it (after AssumeRole).
pub struct SimAccount {
    sim: Arc<Simulator>,
    account: String,
    role: String,
}

impl SimAccount {
    /// The account this view reads as.
    #[must_use]
    pub fn account_id(&self) -> &str {
        &self.account
    }

    /// The role assumed.
    #[must_use]
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The changer, acting in this account: the simulator applies changes to the one
    /// estate; which account sent each is in its audit entry (`ChangeOp::account`).
    #[must_use]
    pub fn changer(&self) -> Option<Arc<dyn Changer>> {
        self.sim.changer()
    }

    /// What this account sees of `stored` (a region of `snapshot`).
    fn view<'a>(&'a self, snapshot: &Snapshot, stored: &'a RegionEstate) -> View<'a> {
        View {
            r: stored,
            index: self.sim.visibility(snapshot),
            account: &self.account,
        }
    }
}

impl Simulator {
    /// Who sees what of `snapshot` ([`super::visibility`]): built once per snapshot.
    fn visibility(&self, snapshot: &Snapshot) -> Arc<Visibility> {
        let mut cached = self
            .visibility
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = cached.as_ref().filter(|v| v.is_of(snapshot)) {
            return Arc::clone(v);
        }
        let mut shared: HashMap<String, Vec<String>> = HashMap::new();
        for share in &self.shares {
            for resource in &share.resources {
                shared
                    .entry(resource.clone())
                    .or_default()
                    .extend(share.principals.iter().cloned());
            }
        }
        let built = Arc::new(Visibility::build(snapshot, &shared, &self.account_id));
        *cached = Some(Arc::clone(&built));
        built
    }
}

/// What one account sees of a stored region (the module docs' rules): its objects,
/// found through the snapshot's index and copied, with their owners stamped.
struct View<'a> {
    r: &'a RegionEstate,
    index: Arc<Visibility>,
    account: &'a str,
}

/// Copies of the objects of `all` at `at`.
fn pick<T: Clone>(all: &[T], at: &[usize]) -> Vec<T> {
    at.iter().filter_map(|&i| all.get(i)).cloned().collect()
}

impl View<'_> {
    /// Positions of what the account sees, and of what everyone sees.
    fn parts(&self) -> (Seen, Vec<usize>) {
        self.index
            .of(&self.r.region, self.account)
            .map(|a| (a.seen.cloned().unwrap_or_default(), a.everyone.to_vec()))
            .unwrap_or_default()
    }

    /// The owner of VPC `id` (the scenario's account for one not in the region).
    fn vpc_owner(&self, id: &str) -> String {
        self.index
            .of(&self.r.region, self.account)
            .and_then(|a| a.vpc_owner.get(id).cloned())
            .unwrap_or_else(|| self.index.default_owner().to_string())
    }

    /// The topology: everything but the optional parts (firewalls, instances).
    fn topology(&self) -> RegionEstate {
        let r = self.r;
        let (seen, everyone) = self.parts();
        let mut subnets = pick(&r.subnets, &seen.subnets);
        for x in &mut subnets {
            if x.owner_id.is_none() {
                x.owner_id = Some(self.vpc_owner(&x.vpc_id));
            }
        }
        let mut vpc_route_tables = pick(&r.vpc_route_tables, &seen.vpc_route_tables);
        for x in &mut vpc_route_tables {
            if x.owner_id.is_none() {
                x.owner_id = Some(self.vpc_owner(&x.vpc_id));
            }
        }
        let mut network_interfaces = pick(&r.network_interfaces, &seen.network_interfaces);
        for x in &mut network_interfaces {
            if x.owner_id.is_none() {
                x.owner_id = Some(self.vpc_owner(&x.vpc_id));
            }
        }
        let mut security_groups = pick(&r.security_groups, &seen.security_groups);
        for x in &mut security_groups {
            if x.owner_id.is_none() {
                x.owner_id = Some(self.vpc_owner(&x.vpc_id));
            }
        }
        let mut lists: Vec<usize> = seen.prefix_lists.iter().chain(&everyone).copied().collect();
        lists.sort_unstable();
        RegionEstate {
            region: r.region.clone(),
            tgws: pick(&r.tgws, &seen.tgws),
            tgw_route_tables: pick(&r.tgw_route_tables, &seen.tgw_route_tables),
            attachments: pick(&r.attachments, &seen.attachments),
            peerings: pick(&r.peerings, &seen.peerings),
            vpcs: pick(&r.vpcs, &seen.vpcs),
            subnets,
            vpc_route_tables,
            internet_gateways: pick(&r.internet_gateways, &seen.internet_gateways),
            nat_gateways: pick(&r.nat_gateways, &seen.nat_gateways),
            vpc_endpoints: pick(&r.vpc_endpoints, &seen.vpc_endpoints),
            network_acls: pick(&r.network_acls, &seen.network_acls),
            vpc_peerings: pick(&r.vpc_peerings, &seen.vpc_peerings),
            network_interfaces,
            security_groups,
            prefix_lists: pick(&r.prefix_lists, &lists),
            gaps: r.gaps.clone(),
            ..RegionEstate::new(&r.region)
        }
    }

    /// Network Firewall: the firewalls in the account's VPCs, their policies and the
    /// policies' rule groups.
    fn firewalls(&self) -> RegionEstate {
        let r = self.r;
        let (seen, _) = self.parts();
        let firewalls = pick(&r.firewalls, &seen.firewalls);
        let policy_arns: HashSet<&str> = firewalls.iter().map(|f| f.policy_arn.as_str()).collect();
        let firewall_policies: Vec<_> = r
            .firewall_policies
            .iter()
            .filter(|p| policy_arns.contains(p.arn.as_str()))
            .cloned()
            .collect();
        let groups: HashSet<&str> = firewall_policies
            .iter()
            .flat_map(|p| {
                p.stateful_rule_groups
                    .iter()
                    .chain(p.stateless_rule_groups.iter())
                    .map(|g| g.arn.as_str())
            })
            .collect();
        let rule_groups = r
            .rule_groups
            .iter()
            .filter(|g| groups.contains(g.arn.as_str()))
            .cloned()
            .collect();
        RegionEstate {
            firewalls,
            firewall_policies,
            rule_groups,
            ..RegionEstate::new(&r.region)
        }
    }

    /// Instances the account owns (a participant's in a shared subnet among them).
    fn instances(&self) -> RegionEstate {
        let (seen, _) = self.parts();
        let mut instances = pick(&self.r.instances, &seen.instances);
        for i in &mut instances {
            if i.owner_id.is_none() {
                i.owner_id = Some(self.account.to_string());
            }
        }
        RegionEstate {
            instances,
            ..RegionEstate::new(&self.r.region)
        }
    }
}

#[async_trait]
impl Backend for SimAccount {
    fn info(&self) -> BackendInfo {
        let mut info = self.sim.info();
        info.label = format!("{} as {}", info.label, self.account);
        info
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        let name = self
            .sim
            .organization()
            .into_iter()
            .find(|a| a.id == self.account)
            .map(|a| a.name)
            .filter(|n| !n.is_empty());
        Ok(Some(Account {
            id: self.account.clone(),
            alias: name,
        }))
    }

    async fn load_topology(&self, region: &str) -> Result<RegionEstate, BackendError> {
        self.sim
            .as_caller(
                &self.account,
                self.sim.topology_seen(region, |snapshot, stored| {
                    self.view(snapshot, stored).topology()
                }),
            )
            .await
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        self.sim
            .as_caller(
                &self.account,
                self.sim.optional_seen(region, part, |snapshot, stored| {
                    let view = self.view(snapshot, stored);
                    match part {
                        OptionalPart::NetworkFirewall => view.firewalls(),
                        OptionalPart::Instances => view.instances(),
                    }
                }),
            )
            .await
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        let snapshot = self.sim.snapshot();
        let owned = snapshot.get(region).is_some_and(|r| {
            r.tgw_route_tables.iter().any(|t| {
                t.id == route_table_id
                    && r.tgws.iter().any(|g| {
                        g.id == t.tgw_id
                            && (g.owner_id == self.account
                                || (g.owner_id.is_empty() && self.sim.account_id == self.account))
                    })
            })
        });
        drop(snapshot);
        if !owned {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                format!(
                    "InvalidRouteTableID.NotFound: {route_table_id} is not visible to account {} in {region}",
                    self.account
                ),
            )
            .in_region(region));
        }
        self.sim
            .as_caller(
                &self.account,
                self.sim.search_routes(region, route_table_id, query),
            )
            .await
    }
}
