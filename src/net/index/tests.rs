use std::sync::Arc;

use super::*;
use crate::backend::sim::Simulator;
use crate::discovery::{DiscoveryPlan, discover};
use crate::model::{RouteState, VpcRouteTarget};
use crate::net::lpm::{TgwOutcome, VpcOutcome};
use crate::net::targets::{LeadsTo, Usability};

async fn estate_of(sim: Simulator) -> Estate {
    discover(
        Arc::new(sim),
        DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        },
    )
    .await
}

async fn demo() -> Estate {
    estate_of(Simulator::demo().expect("demo")).await
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn ids_keep_the_first_position_and_check_what_they_find() {
    let ids = Ids::build([("a", 0), ("a", 1), ("b", 2)]);
    assert_eq!(ids.get("a", |_| true), Some(0));
    assert_eq!(ids.get("a", |p| p == 1), None, "a position that is not `a`");
    assert_eq!(ids.get("c", |_| true), None);
    let groups = Groups::build([("v", 3), ("w", 1), ("v", 0), ("v", 7)]);
    assert_eq!(groups.get("v"), [0, 3, 7], "in position order");
    assert_eq!(groups.get("w"), [1]);
    assert!(groups.get("x").is_empty());
}

#[tokio::test]
async fn finds_every_kind_by_id_with_its_region() {
    let estate = demo().await;
    let net = Net::new(&estate);
    assert_eq!(
        net.tgw("tgw-0e1a2b3c4d5e6f701").map(|t| t.region.as_str()),
        Some("us-east-1")
    );
    assert!(net.tgw_route_table("tgw-rtb-0e1a2b3c4d5e6f711").is_some());
    assert!(net.attachment("tgw-attach-0e1a2b3c4d5e6f721").is_some());
    assert!(net.vpc("vpc-0e1a2b3c4d5e6f731").is_some());
    assert!(net.subnet("subnet-0e1a2b3c4d5e6f741").is_some());
    assert!(net.vpc_route_table("rtb-0e1a2b3c4d5e6f789").is_some());
    assert!(net.nat_gateway("nat-0e1a2b3c4d5e6f7b1").is_some());
    assert!(net.internet_gateway("igw-0e1a2b3c4d5e6f7c2").is_some());
    assert!(net.vpc_endpoint("vpce-0e1a2b3c4d5e6f791").is_some());
    assert!(net.instance("i-0e1a2b3c4d5e6f7d1").is_some());
    assert!(net.firewall_policy("egress-policy").is_some(), "by name");
    assert!(net.vpc("vpc-nope").is_none());
    // A peering's attachment is in both regions, under the same id.
    let p = "tgw-attach-0e1a2b3c4d5e6f7a1";
    assert_eq!(
        net.peering_in("eu-west-1", p).map(|x| x.region.as_str()),
        Some("eu-west-1")
    );
    assert_eq!(
        net.peering_in("us-east-1", p).map(|x| x.region.as_str()),
        Some("us-east-1")
    );
    assert_eq!(
        net.attachment_in("eu-west-1", p).map(|x| x.region.as_str()),
        Some("eu-west-1")
    );
}

#[tokio::test]
async fn a_stale_index_answers_none_not_a_wrong_object() {
    let estate = demo().await;
    let index = EstateIndex::build(&estate);
    let mut changed = estate.clone();
    if let Some(crate::model::RegionLoad::Loaded { estate: r }) =
        changed.regions.get_mut("us-east-1")
    {
        r.vpcs.reverse();
    }
    let net = Net::with_index(&changed, &index);
    for vpc in changed.loaded().flat_map(|r| &r.vpcs) {
        if let Some(found) = net.vpc_in(&vpc.region, &vpc.id) {
            assert_eq!(found.id, vpc.id);
        }
    }
}

#[tokio::test]
async fn subnet_uses_explicit_table_else_main() {
    let estate = demo().await;
    let net = Net::new(&estate);
    for region in net.regions() {
        for subnet in &region.subnets {
            let explicit = region.vpc_route_tables.iter().find(|t| {
                t.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(&subnet.id))
            });
            let main = region
                .vpc_route_tables
                .iter()
                .find(|t| t.vpc_id == subnet.vpc_id && t.is_main());
            let expected = explicit
                .map(|t| (t.id.as_str(), TableChoice::Explicit))
                .or(main.map(|t| (t.id.as_str(), TableChoice::Main)));
            let got = net
                .subnet_route_table(subnet)
                .map(|(t, how)| (t.id.as_str(), how));
            assert_eq!(got, expected, "{}", subnet.id);
        }
    }
}

#[tokio::test]
async fn relations_follow_the_demo_topology() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let inspection = net.attachment("tgw-attach-0e1a2b3c4d5e6f721").expect("att");
    assert_eq!(
        net.associated_route_table(inspection)
            .map(|t| t.name.as_deref()),
        Some(Some("post-inspection"))
    );
    let spoke_a = net.vpc("vpc-0e1a2b3c4d5e6f732").expect("spoke-a");
    assert_eq!(net.vpc_attachments(&spoke_a.region, &spoke_a.id).len(), 1);
    assert!(!net.vpc_subnets(spoke_a).is_empty());
    for s in net.vpc_subnets(spoke_a) {
        assert_eq!(
            net.subnet_vpc(s).map(|v| v.id.as_str()),
            Some(spoke_a.id.as_str())
        );
    }
    let hub = net.tgw("tgw-0e1a2b3c4d5e6f701").expect("hub");
    assert_eq!(net.tgw_route_tables_of(hub).len(), 2);
    assert!(net.tgw_attachments_of(hub).len() >= 3);
    let spoke_subnet = net.vpc_subnets(spoke_a)[0];
    let addr = spoke_subnet.cidr.expect("cidr").network();
    assert_eq!(
        net.subnets_containing(addr).first().map(|s| s.id.as_str()),
        Some(spoke_subnet.id.as_str())
    );
    assert_eq!(
        net.vpcs_containing(addr).first().map(|v| v.id.as_str()),
        Some(spoke_a.id.as_str())
    );
}

#[tokio::test]
async fn lookups_through_the_index_follow_the_demo_routes() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let post = net
        .tgw_route_table("tgw-rtb-0e1a2b3c4d5e6f712")
        .expect("post-inspection");
    assert!(matches!(
        net.tgw_lookup(post, ip("10.2.0.5")).outcome,
        TgwOutcome::Blackhole { .. }
    ));
    match net.tgw_lookup(post, ip("10.0.1.5")).outcome {
        TgwOutcome::Forward { targets, .. } => {
            let lead = net.tgw_target_leads_to("us-east-1", targets[0]);
            assert!(matches!(lead, LeadsTo::Vpc { .. }), "{lead:?}");
        }
        other => panic!("{other:?}"),
    }
    let spoke = net
        .tgw_route_table("tgw-rtb-0e1a2b3c4d5e6f711")
        .expect("spoke");
    assert!(matches!(
        net.tgw_lookup(spoke, ip("1.1.1.1")).outcome,
        TgwOutcome::Forward { .. }
    ));
    // Every subnet's table sends its own VPC's addresses locally.
    for region in net.regions() {
        for subnet in &region.subnets {
            let (table, _) = net.subnet_route_table(subnet).expect("table");
            let own = subnet.cidr.expect("cidr").network();
            let d = net.vpc_lookup(table, own);
            assert_eq!(d.target(), Some(&VpcRouteTarget::Local), "{}", subnet.id);
        }
    }
}

#[tokio::test]
async fn target_usability_in_the_demo() {
    let estate = demo().await;
    let net = Net::new(&estate);
    let post = net
        .tgw_route_table("tgw-rtb-0e1a2b3c4d5e6f712")
        .expect("post-inspection");
    let bh = post
        .routes
        .iter()
        .find(|r| r.state == RouteState::Blackhole)
        .expect("blackhole");
    assert_eq!(net.tgw_route_usability(bh), vec![Usability::Blackhole]);
    assert!(matches!(
        net.tgw_target_usability("us-east-1", &bh.targets[0]),
        Usability::Missing { .. }
    ));
    // Every route of every VPC table in the demo: local, IGW, NAT, TGW and firewall
    // endpoint targets are all present and usable.
    for region in net.regions() {
        for table in &region.vpc_route_tables {
            let vpc = net.vpc_in(&region.region, &table.vpc_id).expect("vpc");
            for route in &table.routes {
                let u = net.vpc_target_usability(vpc, route);
                assert_eq!(u, Usability::Usable, "{} {}", table.id, route.target);
                let lead = net.vpc_target_leads_to(vpc, &route.target);
                assert!(
                    !matches!(lead, LeadsTo::Missing { .. } | LeadsTo::NotEvaluated { .. }),
                    "{lead:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_vpc_route_into_a_local_range_is_local_first() {
    let estate = demo().await;
    let net = Net::new(&estate);
    for region in net.regions() {
        for table in &region.vpc_route_tables {
            let vpc = net.vpc_in(&region.region, &table.vpc_id).expect("vpc");
            for cidr in &vpc.cidr_blocks {
                let d = net.vpc_lookup(table, cidr.network());
                assert!(matches!(d.outcome, VpcOutcome::Forward { .. }));
                assert_eq!(d.target(), Some(&VpcRouteTarget::Local));
            }
        }
    }
}

/// The association and propagation lookups go straight to the attachment's entry in
/// a table's list, and agree with a scan of the lists, with or without the
/// attachment's own `association` field, and on an estate the index was not built
/// for (the entry it remembers no longer names the attachment).
#[tokio::test]
async fn association_and_propagation_lookups_agree_with_a_scan_of_the_lists() {
    let mut estate = demo().await;
    // Without the attachments' own field, only the tables' lists say it.
    for r in estate.regions.values_mut() {
        if let crate::model::RegionLoad::Loaded { estate: r } = r {
            for a in &mut r.attachments {
                a.association = None;
            }
        }
    }
    let index = EstateIndex::build(&estate);
    let net = Net::with_index(&estate, &index);
    let mut checked = 0;
    for r in net.regions() {
        for a in &r.attachments {
            let scanned = r
                .tgw_route_tables
                .iter()
                .find(|t| t.associations.iter().any(|l| l.attachment_id == a.id));
            assert_eq!(
                net.associated_route_table(a).map(|t| &t.id),
                scanned.map(|t| &t.id),
                "{}",
                a.id
            );
            let propagating: Vec<&String> = r
                .tgw_route_tables
                .iter()
                .filter(|t| t.propagations.iter().any(|l| l.attachment_id == a.id))
                .map(|t| &t.id)
                .collect();
            let looked_up: Vec<&String> = net
                .propagating_route_tables(a)
                .into_iter()
                .map(|t| &t.id)
                .collect();
            assert_eq!(looked_up, propagating, "{}", a.id);
            checked += usize::from(scanned.is_some()) + propagating.len();
        }
    }
    assert!(checked > 4, "the demo has associations and propagations");

    // The same index over an estate whose lists lost their first entries.
    let mut changed = estate.clone();
    for r in changed.regions.values_mut() {
        if let crate::model::RegionLoad::Loaded { estate: r } = r {
            for t in &mut r.tgw_route_tables {
                if !t.associations.is_empty() {
                    t.associations.remove(0);
                }
                if !t.propagations.is_empty() {
                    t.propagations.remove(0);
                }
            }
        }
    }
    let net = Net::with_index(&changed, &index);
    for r in net.regions() {
        for a in &r.attachments {
            let listed = |t: &&crate::model::TgwRouteTable| {
                t.associations.iter().any(|l| l.attachment_id == a.id)
            };
            assert_eq!(
                net.associated_route_table(a).map(|t| &t.id),
                r.tgw_route_tables.iter().find(listed).map(|t| &t.id),
                "{} on a changed estate",
                a.id
            );
            for t in net.propagating_route_tables(a) {
                assert!(
                    t.propagations.iter().any(|l| l.attachment_id == a.id),
                    "{} does not propagate into {} any more",
                    a.id,
                    t.id
                );
            }
        }
    }
}
