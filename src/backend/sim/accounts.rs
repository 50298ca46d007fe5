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
use crate::backend::{
    Backend, BackendError, BackendInfo, Changer, ErrorKind, OptionalData, OptionalPart, RoutePage,
    RouteQuery,
};
use crate::model::{Account, AttachmentKind, RegionEstate};

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

    /// Ids shared with `account` through RAM.
    fn shared_with(&self, account: &str) -> HashSet<String> {
        self.shares
            .iter()
            .filter(|s| s.principals.iter().any(|p| p == account))
            .flat_map(|s| s.resources.iter().cloned())
            .collect()
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

    /// The rules of what this account sees, over one stored region.
    fn view<'a>(&'a self, stored: &'a RegionEstate, shared: &'a HashSet<String>) -> View<'a> {
        View::new(stored, &self.account, shared, &self.sim.account_id)
    }
}

/// What one account sees of a stored region (the module docs' rules). Borrows the
/// region and clones only what the account sees: read by hundreds of accounts, a
/// region is filtered, never copied whole.
struct View<'a> {
    r: &'a RegionEstate,
    account: &'a str,
    /// Ids shared with the account.
    shared: &'a HashSet<String>,
    /// The owner of objects that name none.
    default_owner: &'a str,
    tgw_owner: HashMap<&'a str, &'a str>,
    vpc_owner: HashMap<&'a str, &'a str>,
}

impl<'a> View<'a> {
    fn new(
        r: &'a RegionEstate,
        account: &'a str,
        shared: &'a HashSet<String>,
        default_owner: &'a str,
    ) -> Self {
        let owner_or = |o: &'a str| if o.is_empty() { default_owner } else { o };
        Self {
            r,
            account,
            shared,
            default_owner,
            tgw_owner: r
                .tgws
                .iter()
                .map(|t| (t.id.as_str(), owner_or(&t.owner_id)))
                .collect(),
            vpc_owner: r
                .vpcs
                .iter()
                .map(|v| (v.id.as_str(), owner_or(&v.owner_id)))
                .collect(),
        }
    }

    fn owns_tgw(&self, id: &str) -> bool {
        self.tgw_owner.get(id).is_some_and(|o| *o == self.account)
    }

    fn owner_of_vpc(&self, id: &str) -> &'a str {
        self.vpc_owner
            .get(id)
            .copied()
            .unwrap_or(self.default_owner)
    }

    fn owns_vpc(&self, id: &str) -> bool {
        self.owner_of_vpc(id) == self.account
    }

    /// The topology: everything but the optional parts (firewalls, instances).
    fn topology(&self) -> RegionEstate {
        let r = self.r;
        let account = self.account;
        let tgws = r
            .tgws
            .iter()
            .filter(|t| self.owns_tgw(&t.id) || self.shared.contains(&t.id))
            .cloned()
            .collect();
        let tgw_route_tables = r
            .tgw_route_tables
            .iter()
            .filter(|t| self.owns_tgw(&t.tgw_id))
            .cloned()
            .collect();
        let attachments = r
            .attachments
            .iter()
            .filter(|a| {
                self.owns_tgw(&a.tgw_id)
                    || (a.kind == AttachmentKind::Vpc
                        && a.resource_owner_id.as_deref().map_or_else(
                            || a.resource_id.as_deref().is_some_and(|v| self.owns_vpc(v)),
                            |o| o == account,
                        ))
            })
            .cloned()
            .collect();
        let peerings = r
            .peerings
            .iter()
            .filter(|p| p.requester.account_id == account || p.accepter.account_id == account)
            .cloned()
            .collect();
        let subnets: Vec<_> = r
            .subnets
            .iter()
            .filter_map(|s| {
                let owner = s
                    .owner_id
                    .as_deref()
                    .unwrap_or_else(|| self.owner_of_vpc(&s.vpc_id));
                (owner == account || self.shared.contains(&s.id)).then(|| {
                    let mut s = s.clone();
                    s.owner_id.get_or_insert_with(|| owner.to_string());
                    s
                })
            })
            .collect();
        // A participant sees the VPCs of the subnets shared with it, and their tables.
        let seen_vpcs: HashSet<&str> = subnets.iter().map(|s| s.vpc_id.as_str()).collect();
        let sees_vpc = |id: &str| self.owns_vpc(id) || seen_vpcs.contains(id);
        let vpcs = r.vpcs.iter().filter(|v| sees_vpc(&v.id)).cloned().collect();
        let vpc_route_tables = r
            .vpc_route_tables
            .iter()
            .filter(|t| sees_vpc(&t.vpc_id))
            .map(|t| {
                let mut t = t.clone();
                if t.owner_id.is_none() {
                    t.owner_id = Some(self.owner_of_vpc(&t.vpc_id).to_string());
                }
                t
            })
            .collect();
        let network_interfaces = r
            .network_interfaces
            .iter()
            .filter_map(|e| {
                let owner = e
                    .owner_id
                    .as_deref()
                    .unwrap_or_else(|| self.owner_of_vpc(&e.vpc_id));
                (owner == account || self.owns_vpc(&e.vpc_id)).then(|| {
                    let mut e = e.clone();
                    e.owner_id.get_or_insert_with(|| owner.to_string());
                    e
                })
            })
            .collect();
        let security_groups = r
            .security_groups
            .iter()
            .filter_map(|g| {
                let owner = g
                    .owner_id
                    .as_deref()
                    .unwrap_or_else(|| self.owner_of_vpc(&g.vpc_id));
                (owner == account).then(|| {
                    let mut g = g.clone();
                    g.owner_id.get_or_insert_with(|| owner.to_string());
                    g
                })
            })
            .collect();
        RegionEstate {
            region: r.region.clone(),
            tgws,
            tgw_route_tables,
            attachments,
            peerings,
            vpcs,
            subnets,
            vpc_route_tables,
            internet_gateways: r
                .internet_gateways
                .iter()
                .filter(|g| g.vpc_ids.iter().any(|v| self.owns_vpc(v)))
                .cloned()
                .collect(),
            nat_gateways: r
                .nat_gateways
                .iter()
                .filter(|n| self.owns_vpc(&n.vpc_id))
                .cloned()
                .collect(),
            vpc_endpoints: r
                .vpc_endpoints
                .iter()
                .filter(|e| self.owns_vpc(&e.vpc_id))
                .cloned()
                .collect(),
            network_acls: r
                .network_acls
                .iter()
                .filter(|a| self.owns_vpc(&a.vpc_id))
                .cloned()
                .collect(),
            vpc_peerings: r
                .vpc_peerings
                .iter()
                .filter(|p| self.owns_vpc(&p.requester.vpc_id) || self.owns_vpc(&p.accepter.vpc_id))
                .cloned()
                .collect(),
            network_interfaces,
            security_groups,
            prefix_lists: r
                .prefix_lists
                .iter()
                .filter(|l| {
                    l.owner_id
                        .as_deref()
                        .is_none_or(|o| o == account || o == "AWS")
                })
                .cloned()
                .collect(),
            gaps: r.gaps.clone(),
            ..RegionEstate::new(&r.region)
        }
    }

    /// Network Firewall: the firewalls in the account's VPCs, their policies and the
    /// policies' rule groups.
    fn firewalls(&self) -> RegionEstate {
        let r = self.r;
        let firewalls: Vec<_> = r
            .firewalls
            .iter()
            .filter(|f| self.owns_vpc(&f.vpc_id))
            .cloned()
            .collect();
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
        let instances = self
            .r
            .instances
            .iter()
            .filter_map(|i| {
                let owner = i.owner_id.as_deref().unwrap_or_else(|| {
                    i.vpc_id
                        .as_deref()
                        .map_or(self.default_owner, |v| self.owner_of_vpc(v))
                });
                (owner == self.account).then(|| {
                    let mut i = i.clone();
                    i.owner_id.get_or_insert_with(|| owner.to_string());
                    i
                })
            })
            .collect();
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
        let shared = self.sim.shared_with(&self.account);
        self.sim
            .as_caller(
                &self.account,
                self.sim
                    .topology_seen(region, |stored| self.view(stored, &shared).topology()),
            )
            .await
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        let shared = self.sim.shared_with(&self.account);
        self.sim
            .as_caller(
                &self.account,
                self.sim.optional_seen(region, part, |stored| {
                    let view = self.view(stored, &shared);
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
