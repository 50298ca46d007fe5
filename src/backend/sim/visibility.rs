//! Who sees what of the simulated estate ([`super::accounts`]'s rules), indexed once
//! per snapshot: for each region and account, the positions of the objects the
//! account sees. An account's view is then a copy of its own objects, whatever the
//! region holds: read by hundreds of accounts, a region of thousands of objects is
//! walked once, as AWS keeps each account's resources apart, not once per account.
//!
//! The rules (an object without an owner is its VPC owner's, else the scenario
//! account's):
//! - a TGW: its owner and the accounts it is shared with; its route tables: its owner;
//! - an attachment: the TGW's owner and, for a VPC attachment, the VPC's owner; a TGW
//!   peering: the accounts of both sides;
//! - a subnet: its owner and the accounts it is shared with; a VPC and its route
//!   tables: the VPC's owner and whoever sees one of its subnets;
//! - internet gateways (any of their VPCs), NAT gateways, endpoints, network ACLs,
//!   firewalls (and their policies and rule groups), VPC peerings (either side): the
//!   VPC's owner;
//! - interfaces: their owner and the VPC's owner; security groups and instances:
//!   their owner; prefix lists: their owner, or everyone for AWS's and unowned ones.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::model::{AttachmentKind, RegionEstate};

type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The stored estate, every region.
pub(super) type Snapshot = Arc<BTreeMap<String, RegionEstate>>;

/// Positions of the objects one account sees in one region, per kind, ascending.
#[derive(Debug, Default, Clone)]
pub(super) struct Seen {
    pub tgws: Vec<usize>,
    pub tgw_route_tables: Vec<usize>,
    pub attachments: Vec<usize>,
    pub peerings: Vec<usize>,
    pub vpcs: Vec<usize>,
    pub subnets: Vec<usize>,
    pub vpc_route_tables: Vec<usize>,
    pub internet_gateways: Vec<usize>,
    pub nat_gateways: Vec<usize>,
    pub vpc_endpoints: Vec<usize>,
    pub network_acls: Vec<usize>,
    pub vpc_peerings: Vec<usize>,
    pub network_interfaces: Vec<usize>,
    pub security_groups: Vec<usize>,
    pub prefix_lists: Vec<usize>,
    pub firewalls: Vec<usize>,
    pub instances: Vec<usize>,
}

impl Seen {
    fn tidy(&mut self) {
        for v in [
            &mut self.tgws,
            &mut self.tgw_route_tables,
            &mut self.attachments,
            &mut self.peerings,
            &mut self.vpcs,
            &mut self.subnets,
            &mut self.vpc_route_tables,
            &mut self.internet_gateways,
            &mut self.nat_gateways,
            &mut self.vpc_endpoints,
            &mut self.network_acls,
            &mut self.vpc_peerings,
            &mut self.network_interfaces,
            &mut self.security_groups,
            &mut self.prefix_lists,
            &mut self.firewalls,
            &mut self.instances,
        ] {
            v.sort_unstable();
            v.dedup();
        }
    }
}

/// One region's index.
#[derive(Debug, Default)]
pub(super) struct RegionSeen {
    by_account: Map<String, Seen>,
    /// Objects every account sees (AWS's and unowned prefix lists).
    everyone: Vec<usize>,
    /// VPC id → owner, to stamp owners on what a view returns.
    vpc_owner: Map<String, String>,
}

/// The index of one snapshot.
#[derive(Debug)]
pub(super) struct Visibility {
    snapshot: Snapshot,
    regions: Map<String, RegionSeen>,
    default_owner: String,
}

impl Visibility {
    /// True when this index is of `snapshot`.
    pub fn is_of(&self, snapshot: &Snapshot) -> bool {
        Arc::ptr_eq(&self.snapshot, snapshot)
    }

    /// Indexes `snapshot`; `shared` maps an id to the accounts it is shared with,
    /// `default_owner` owns what names no owner.
    pub fn build(
        snapshot: &Snapshot,
        shared: &HashMap<String, Vec<String>>,
        default_owner: &str,
    ) -> Self {
        Self {
            snapshot: Arc::clone(snapshot),
            regions: snapshot
                .iter()
                .map(|(name, r)| (name.clone(), index(r, shared, default_owner)))
                .collect(),
            default_owner: default_owner.to_string(),
        }
    }

    /// The owner of what names none (the scenario's account).
    pub fn default_owner(&self) -> &str {
        &self.default_owner
    }

    /// What `account` sees of `region`, and the region's VPC owners.
    pub fn of<'a>(&'a self, region: &str, account: &str) -> Option<AccountSeen<'a>> {
        let r = self.regions.get(region)?;
        Some(AccountSeen {
            seen: r.by_account.get(account),
            everyone: &r.everyone,
            vpc_owner: &r.vpc_owner,
        })
    }
}

/// One account's part of a region's index.
pub(super) struct AccountSeen<'a> {
    pub seen: Option<&'a Seen>,
    pub everyone: &'a [usize],
    pub vpc_owner: &'a Map<String, String>,
}

#[allow(clippy::too_many_lines)]
fn index(r: &RegionEstate, shared: &HashMap<String, Vec<String>>, default: &str) -> RegionSeen {
    let owner_or = |o: &str| {
        if o.is_empty() {
            default.to_string()
        } else {
            o.to_string()
        }
    };
    let tgw_owner: Map<&str, String> = r
        .tgws
        .iter()
        .map(|t| (t.id.as_str(), owner_or(&t.owner_id)))
        .collect();
    let vpc_owner: Map<String, String> = r
        .vpcs
        .iter()
        .map(|v| (v.id.clone(), owner_or(&v.owner_id)))
        .collect();
    let vpc_of = |id: &str| -> &str { vpc_owner.get(id).map_or(default, String::as_str) };
    let sharers = |id: &str| shared.get(id).map_or(&[][..], Vec::as_slice);

    let mut by: Map<String, Seen> = Map::default();
    let mut add = |account: &str, kind: fn(&mut Seen) -> &mut Vec<usize>, i: usize| {
        if let Some(s) = by.get_mut(account) {
            kind(s).push(i);
        } else {
            let mut s = Seen::default();
            kind(&mut s).push(i);
            by.insert(account.to_string(), s);
        }
    };

    for (i, t) in r.tgws.iter().enumerate() {
        add(&tgw_owner[t.id.as_str()], |s| &mut s.tgws, i);
        for a in sharers(&t.id) {
            add(a, |s| &mut s.tgws, i);
        }
    }
    for (i, t) in r.tgw_route_tables.iter().enumerate() {
        if let Some(o) = tgw_owner.get(t.tgw_id.as_str()) {
            add(o, |s| &mut s.tgw_route_tables, i);
        }
    }
    for (i, a) in r.attachments.iter().enumerate() {
        if let Some(o) = tgw_owner.get(a.tgw_id.as_str()) {
            add(o, |s| &mut s.attachments, i);
        }
        if a.kind == AttachmentKind::Vpc {
            match (&a.resource_owner_id, &a.resource_id) {
                (Some(o), _) => add(o, |s| &mut s.attachments, i),
                (None, Some(v)) => add(vpc_of(v), |s| &mut s.attachments, i),
                (None, None) => {}
            }
        }
    }
    for (i, p) in r.peerings.iter().enumerate() {
        add(&p.requester.account_id, |s| &mut s.peerings, i);
        add(&p.accepter.account_id, |s| &mut s.peerings, i);
    }
    // Subnets, and the VPCs (and their tables) of the subnets an account sees.
    let mut vpc_seers: Map<&str, Vec<&str>> = Map::default();
    for (i, s) in r.subnets.iter().enumerate() {
        let owner = s.owner_id.as_deref().unwrap_or_else(|| vpc_of(&s.vpc_id));
        add(owner, |x| &mut x.subnets, i);
        vpc_seers.entry(&s.vpc_id).or_default().push(owner);
        for a in sharers(&s.id) {
            add(a, |x| &mut x.subnets, i);
            vpc_seers.entry(&s.vpc_id).or_default().push(a);
        }
    }
    let seers = |vpc: &str| -> Vec<&str> {
        let mut v = vec![vpc_of(vpc)];
        if let Some(more) = vpc_seers.get(vpc) {
            v.extend(more.iter().copied());
        }
        v.sort_unstable();
        v.dedup();
        v
    };
    for (i, v) in r.vpcs.iter().enumerate() {
        for a in seers(&v.id) {
            add(a, |x| &mut x.vpcs, i);
        }
    }
    for (i, t) in r.vpc_route_tables.iter().enumerate() {
        for a in seers(&t.vpc_id) {
            add(a, |x| &mut x.vpc_route_tables, i);
        }
    }
    for (i, g) in r.internet_gateways.iter().enumerate() {
        for v in &g.vpc_ids {
            add(vpc_of(v), |x| &mut x.internet_gateways, i);
        }
    }
    for (i, n) in r.nat_gateways.iter().enumerate() {
        add(vpc_of(&n.vpc_id), |x| &mut x.nat_gateways, i);
    }
    for (i, e) in r.vpc_endpoints.iter().enumerate() {
        add(vpc_of(&e.vpc_id), |x| &mut x.vpc_endpoints, i);
    }
    for (i, a) in r.network_acls.iter().enumerate() {
        add(vpc_of(&a.vpc_id), |x| &mut x.network_acls, i);
    }
    for (i, p) in r.vpc_peerings.iter().enumerate() {
        add(vpc_of(&p.requester.vpc_id), |x| &mut x.vpc_peerings, i);
        add(vpc_of(&p.accepter.vpc_id), |x| &mut x.vpc_peerings, i);
    }
    for (i, e) in r.network_interfaces.iter().enumerate() {
        let owner = e.owner_id.as_deref().unwrap_or_else(|| vpc_of(&e.vpc_id));
        add(owner, |x| &mut x.network_interfaces, i);
        add(vpc_of(&e.vpc_id), |x| &mut x.network_interfaces, i);
    }
    for (i, g) in r.security_groups.iter().enumerate() {
        let owner = g.owner_id.as_deref().unwrap_or_else(|| vpc_of(&g.vpc_id));
        add(owner, |x| &mut x.security_groups, i);
    }
    let mut everyone = Vec::new();
    for (i, l) in r.prefix_lists.iter().enumerate() {
        match l.owner_id.as_deref() {
            None | Some("AWS") => everyone.push(i),
            Some(o) => add(o, |x| &mut x.prefix_lists, i),
        }
    }
    for (i, f) in r.firewalls.iter().enumerate() {
        add(vpc_of(&f.vpc_id), |x| &mut x.firewalls, i);
    }
    for (i, inst) in r.instances.iter().enumerate() {
        let owner = inst
            .owner_id
            .as_deref()
            .unwrap_or_else(|| inst.vpc_id.as_deref().map_or(default, vpc_of));
        add(owner, |x| &mut x.instances, i);
    }
    for s in by.values_mut() {
        s.tidy();
    }
    RegionSeen {
        by_account: by,
        everyone,
        vpc_owner,
    }
}
