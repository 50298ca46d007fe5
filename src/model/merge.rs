//! One region as several accounts see it, made one: a snapshot's account folders, or
//! the live reads of an organization's accounts.
//!
//! The same object (a RAM-shared TGW, its attachments, a shared subnet, a peering)
//! appears in each account that can see it. It is kept once, by id; the copy read by
//! the account that owns it wins, since some fields only the owner sees (the TGW's
//! options, a shared subnet's route table associations). Objects only their owner
//! can read (instances, security groups, route tables) arrive once anyway.
//!
//! Indexed by id, so merging a few hundred accounts' regions is linear in what they
//! hold.

use std::collections::HashMap;

use super::RegionEstate;

/// Adds `from` into `into`, one object per id; `owner_wins(x)` says whether `x` is its
/// owner's copy, which replaces a copy already there.
fn merge<T>(
    into: &mut Vec<T>,
    from: Vec<T>,
    id: impl Fn(&T) -> &str,
    owner_wins: impl Fn(&T) -> bool,
) {
    if from.is_empty() {
        return;
    }
    let mut at: HashMap<String, usize> = into
        .iter()
        .enumerate()
        .map(|(i, x)| (id(x).to_string(), i))
        .collect();
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
    merge(&mut into.tgws, tgws, |x| &x.id, |x| mine(Some(&x.owner_id)));
    merge(
        &mut into.tgw_route_tables,
        tgw_route_tables,
        |x| &x.id,
        |_| false,
    );
    merge(
        &mut into.attachments,
        attachments,
        |x| &x.id,
        |x| mine(x.tgw_owner_id.as_deref()),
    );
    merge(
        &mut into.peerings,
        peerings,
        |x| &x.id,
        |x| mine(Some(&x.requester.account_id)),
    );
    merge(&mut into.vpcs, vpcs, |x| &x.id, |x| mine(Some(&x.owner_id)));
    merge(
        &mut into.subnets,
        subnets,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.vpc_route_tables,
        vpc_route_tables,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.internet_gateways,
        internet_gateways,
        |x| &x.id,
        |_| false,
    );
    merge(&mut into.nat_gateways, nat_gateways, |x| &x.id, |_| false);
    merge(&mut into.vpc_endpoints, vpc_endpoints, |x| &x.id, |_| false);
    merge(&mut into.firewalls, firewalls, |x| &x.id, |_| false);
    merge(
        &mut into.firewall_policies,
        firewall_policies,
        |x| &x.arn,
        |_| false,
    );
    merge(&mut into.rule_groups, rule_groups, |x| &x.arn, |_| false);
    merge(
        &mut into.instances,
        instances,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(
        &mut into.network_interfaces,
        network_interfaces,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(&mut into.vpc_peerings, vpc_peerings, |x| &x.id, |_| false);
    merge(
        &mut into.security_groups,
        security_groups,
        |x| &x.id,
        |x| mine(x.owner_id.as_deref()),
    );
    merge(&mut into.network_acls, network_acls, |x| &x.id, |_| false);
    merge(
        &mut into.prefix_lists,
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
