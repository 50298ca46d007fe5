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

use std::collections::{BTreeMap, HashSet};
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

    /// What this account sees of `estate` (the module docs' rules).
    fn view(&self, estate: RegionEstate) -> RegionEstate {
        visible(
            estate,
            &self.account,
            &self.sim.shared_with(&self.account),
            &self.sim.account_id,
        )
    }
}

/// What `account` sees of `estate`, `shared` being the ids shared with it and
/// `default_owner` the owner of objects that name none.
#[allow(clippy::too_many_lines)]
fn visible(
    mut r: RegionEstate,
    account: &str,
    shared: &HashSet<String>,
    default_owner: &str,
) -> RegionEstate {
    let owner_or = |o: Option<&str>| -> String {
        o.filter(|o| !o.is_empty())
            .unwrap_or(default_owner)
            .to_string()
    };
    let tgw_owner: BTreeMap<String, String> = r
        .tgws
        .iter()
        .map(|t| (t.id.clone(), owner_or(Some(&t.owner_id))))
        .collect();
    let vpc_owner: BTreeMap<String, String> = r
        .vpcs
        .iter()
        .map(|v| (v.id.clone(), owner_or(Some(&v.owner_id))))
        .collect();
    let owns_tgw = |id: &str| tgw_owner.get(id).is_some_and(|o| o == account);
    let owner_of_vpc = |id: &str| {
        vpc_owner
            .get(id)
            .cloned()
            .unwrap_or_else(|| default_owner.to_string())
    };
    let owns_vpc = |id: &str| owner_of_vpc(id) == account;

    r.tgws.retain(|t| owns_tgw(&t.id) || shared.contains(&t.id));
    r.tgw_route_tables.retain(|t| owns_tgw(&t.tgw_id));
    r.attachments.retain(|a| {
        owns_tgw(&a.tgw_id)
            || (a.kind == AttachmentKind::Vpc
                && a.resource_owner_id.as_deref().map_or_else(
                    || a.resource_id.as_deref().is_some_and(&owns_vpc),
                    |o| o == account,
                ))
    });
    r.peerings
        .retain(|p| p.requester.account_id == account || p.accepter.account_id == account);

    for s in &mut r.subnets {
        if s.owner_id.is_none() {
            s.owner_id = Some(owner_of_vpc(&s.vpc_id));
        }
    }
    r.subnets
        .retain(|s| s.owner_id.as_deref() == Some(account) || shared.contains(&s.id));
    // A participant sees the VPCs of the subnets shared with it, and their tables.
    let seen_vpcs: HashSet<String> = r.subnets.iter().map(|s| s.vpc_id.clone()).collect();
    r.vpcs
        .retain(|v| owns_vpc(&v.id) || seen_vpcs.contains(&v.id));
    for t in &mut r.vpc_route_tables {
        if t.owner_id.is_none() {
            t.owner_id = Some(owner_of_vpc(&t.vpc_id));
        }
    }
    r.vpc_route_tables
        .retain(|t| owns_vpc(&t.vpc_id) || seen_vpcs.contains(&t.vpc_id));
    r.internet_gateways
        .retain(|g| g.vpc_ids.iter().any(|v| owns_vpc(v)));
    r.nat_gateways.retain(|n| owns_vpc(&n.vpc_id));
    r.vpc_endpoints.retain(|e| owns_vpc(&e.vpc_id));
    r.network_acls.retain(|a| owns_vpc(&a.vpc_id));
    r.vpc_peerings
        .retain(|p| owns_vpc(&p.requester.vpc_id) || owns_vpc(&p.accepter.vpc_id));
    let firewall_policies: HashSet<String> = r
        .firewalls
        .iter()
        .filter(|f| owns_vpc(&f.vpc_id))
        .map(|f| f.policy_arn.clone())
        .collect();
    r.firewalls.retain(|f| owns_vpc(&f.vpc_id));
    r.firewall_policies
        .retain(|p| firewall_policies.contains(&p.arn));
    let groups: HashSet<String> = r
        .firewall_policies
        .iter()
        .flat_map(|p| {
            p.stateful_rule_groups
                .iter()
                .chain(p.stateless_rule_groups.iter())
                .map(|g| g.arn.clone())
        })
        .collect();
    r.rule_groups.retain(|g| groups.contains(&g.arn));

    for i in &mut r.instances {
        if i.owner_id.is_none() {
            i.owner_id = Some(
                i.vpc_id
                    .as_deref()
                    .map_or_else(|| default_owner.to_string(), &owner_of_vpc),
            );
        }
    }
    r.instances
        .retain(|i| i.owner_id.as_deref() == Some(account));
    for e in &mut r.network_interfaces {
        if e.owner_id.is_none() {
            e.owner_id = Some(owner_of_vpc(&e.vpc_id));
        }
    }
    r.network_interfaces
        .retain(|e| e.owner_id.as_deref() == Some(account) || owns_vpc(&e.vpc_id));
    for g in &mut r.security_groups {
        if g.owner_id.is_none() {
            g.owner_id = Some(owner_of_vpc(&g.vpc_id));
        }
    }
    r.security_groups
        .retain(|g| g.owner_id.as_deref() == Some(account));
    r.prefix_lists.retain(|l| {
        l.owner_id
            .as_deref()
            .is_none_or(|o| o == account || o == "AWS")
    });
    r
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
            .as_caller(&self.account, self.sim.load_topology(region))
            .await
            .map(|r| self.view(r))
    }

    async fn load_optional(
        &self,
        region: &str,
        part: OptionalPart,
    ) -> Result<OptionalData, BackendError> {
        let data = self
            .sim
            .as_caller(&self.account, self.sim.load_optional(region, part))
            .await?;
        // Filter the part through the same rules: it is applied to a region holding
        // the topology's VPCs (to know owners) and only the part's objects kept.
        let Some(stored) = self.sim.snapshot().get(region).cloned() else {
            return Ok(data);
        };
        let mut r = RegionEstate {
            firewalls: Vec::new(),
            firewall_policies: Vec::new(),
            rule_groups: Vec::new(),
            instances: Vec::new(),
            ..stored
        };
        data.clone().apply_to(&mut r);
        let seen = self.view(r);
        Ok(match data {
            OptionalData::NetworkFirewall { gaps, .. } => OptionalData::NetworkFirewall {
                firewalls: seen.firewalls,
                policies: seen.firewall_policies,
                rule_groups: seen.rule_groups,
                gaps,
            },
            OptionalData::Instances { gaps, .. } => OptionalData::Instances {
                instances: seen.instances,
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
