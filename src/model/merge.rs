//! One region as several accounts see it, made one: a snapshot's account folders, or
//! the live reads of an organization's accounts.
//!
//! The same object (a RAM-shared TGW, its attachments, a shared subnet, a peering)
//! appears in each account that can see it. It is kept once, by id; the copy read by
//! the account that owns it wins, since some fields only the owner sees (the TGW's
//! options, a shared subnet's route table associations). Objects only their owner
//! can read (instances, security groups, route tables) arrive once anyway.
//!
//! Indexed by id, and the index kept from one account's merge to the next
//! ([`merge_region_with`]), so merging a few hundred accounts' regions is linear in
//! what they hold.

use std::collections::HashMap;

use super::RegionEstate;

/// Ids → positions in one list of a merged region.
type Ids = HashMap<String, usize, foldhash::fast::FixedState>;

/// The id index of a region being merged into ([`merge_region_with`]): kept from one
/// account's merge to the next, so merging hundreds of accounts indexes each object
/// once. It belongs to one merged region; used with another it is rebuilt.
#[derive(Debug, Default)]
pub struct MergeIndex {
    tgws: Ids,
    tgw_route_tables: Ids,
    attachments: Ids,
    peerings: Ids,
    vpcs: Ids,
    subnets: Ids,
    vpc_route_tables: Ids,
    internet_gateways: Ids,
    nat_gateways: Ids,
    vpc_endpoints: Ids,
    firewalls: Ids,
    firewall_policies: Ids,
    rule_groups: Ids,
    instances: Ids,
    network_interfaces: Ids,
    vpc_peerings: Ids,
    security_groups: Ids,
    network_acls: Ids,
    prefix_lists: Ids,
}

/// Adds `from` into `into`, one object per id; `owner_wins(x)` says whether `x` is its
/// owner's copy, which replaces a copy already there. `at` indexes `into` (rebuilt
/// when it does not match it).
fn merge<T>(
    into: &mut Vec<T>,
    at: &mut Ids,
    from: Vec<T>,
    id: impl Fn(&T) -> &str,
    owner_wins: impl Fn(&T) -> bool,
) {
    if from.is_empty() {
        return;
    }
    if at.len() != into.len() {
        *at = into
            .iter()
            .enumerate()
            .map(|(i, x)| (id(x).to_string(), i))
            .collect();
    }
    for x in from {
        match at.get(id(&x)) {
            Some(&i) if owner_wins(&x) => into[i] = x,
            Some(_) => {}
            None => {
                at.insert(id(&x).to_string(), into.len());
                into.push(x);
            }
        }
    }
}

/// Merges `from`, read by `account` (when known), into `into`.
pub fn merge_region(into: &mut RegionEstate, from: RegionEstate, account: Option<&str>) {
    merge_region_with(into, &mut MergeIndex::default(), from, account);
}

/// [`merge_region`] with `into`'s id index kept in `index` between merges.
pub fn merge_region_with(
    into: &mut RegionEstate,
    index: &mut MergeIndex,
    from: RegionEstate,
    account: Option<&str>,
) {
    let mine = |owner: Option<&str>| account.is_some() && owner == account;
    let RegionEstate {
        region: _,
        tgws,
        tgw_route_tables,
        attachments,
        peerings,
        vpcs,
        subnets,
        vpc_route_tables,
        internet_gateways,
        nat_gateways,
        vpc_endpoints,
        firewalls,
        firewall_policies,
        rule_groups,
        instances,
        network_interfaces,
        vpc_peerings,
        security_groups,
        network_acls,
        prefix_lists,
        gaps,
    } = from;
    let i = index;
    merge(
        &mut into.tgws,
        &mut i.tgws,
        tgws,
        |x| &x.id,
        |x| mine(Some(&x.owner_id)),
    );
    merge(
        &mut into.tgw_route_tables,
        &mut i.tgw_route_tables,
        tgw_route_tables,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.attachments,
        &mut i.attachments,
        attachments,
        |x| &x.id,
        |x| mine(x.tgw_owner_id.as_deref()),
    );
    merge(
        &mut into.peerings,
        &mut i.peerings,
        peerings,
        |x| &x.id,
        |x| mine(Some(&x.requester.account_id)),
    );
    merge(
        &mut into.vpcs,
        &mut i.vpcs,
        vpcs,
        |x| &x.id,
        |x| mine(Some(&x.owner_id)),
    );
    merge(
        &mut into.subnets,
        &mut i.subnets,
        subnets,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.vpc_route_tables,
        &mut i.vpc_route_tables,
        vpc_route_tables,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.internet_gateways,
        &mut i.internet_gateways,
        internet_gateways,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.nat_gateways,
        &mut i.nat_gateways,
        nat_gateways,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.vpc_endpoints,
        &mut i.vpc_endpoints,
        vpc_endpoints,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.firewalls,
        &mut i.firewalls,
        firewalls,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.firewall_policies,
        &mut i.firewall_policies,
        firewall_policies,
        |x| &x.arn,
        |_| false,
    );
    merge(
        &mut into.rule_groups,
        &mut i.rule_groups,
        rule_groups,
        |x| &x.arn,
        |_| false,
    );
    merge(
        &mut into.instances,
        &mut i.instances,
        instances,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.network_interfaces,
        &mut i.network_interfaces,
        network_interfaces,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.vpc_peerings,
        &mut i.vpc_peerings,
        vpc_peerings,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.security_groups,
        &mut i.security_groups,
        security_groups,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.network_acls,
        &mut i.network_acls,
        network_acls,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.prefix_lists,
        &mut i.prefix_lists,
        prefix_lists,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    // A gap of one account stays (another account may hold the part): said once.
    for gap in gaps {
        if !into.gaps.contains(&gap) {
            into.gaps.push(gap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Subnet, TransitGateway};

    #[test]
    fn one_object_per_id_and_the_owners_copy_wins() {
        let tgw = |owner: &str, asn: u64| TransitGateway {
            id: "tgw-1".into(),
            owner_id: owner.into(),
            asn,
            ..TransitGateway::default()
        };
        let subnet = |owner: &str, name: &str| Subnet {
            id: "subnet-1".into(),
            owner_id: Some(owner.into()),
            name: Some(name.into()),
            ..Subnet::default()
        };
        // The participant's copies come first; the owner's replace them.
        let mut into = RegionEstate::new("us-east-1");
        into.tgws.push(tgw("111111111111", 1));
        into.subnets
            .push(subnet("111111111111", "participant's view"));
        let mut owner = RegionEstate::new("us-east-1");
        owner.tgws.push(tgw("111111111111", 2));
        owner.subnets.push(subnet("111111111111", "owner's view"));
        owner.subnets.push(Subnet {
            id: "subnet-2".into(),
            ..Subnet::default()
        });
        merge_region(&mut into, owner, Some("111111111111"));
        assert_eq!(into.tgws.len(), 1);
        assert_eq!(into.tgws[0].asn, 2);
        assert_eq!(into.subnets.len(), 2);
        assert_eq!(into.subnets[0].name.as_deref(), Some("owner's view"));

        // A non-owner's copy never replaces one already there.
        let mut other = RegionEstate::new("us-east-1");
        other
            .subnets
            .push(subnet("111111111111", "another participant"));
        merge_region(&mut into, other, Some("222222222222"));
        assert_eq!(into.subnets[0].name.as_deref(), Some("owner's view"));
    }
}
