//! The estate as it would be after a change: what AWS would show once the change has
//! been applied and has settled (a peering accepted is `available`, a static route to
//! a gone attachment is `blackhole`), so the path engine can be asked about it before
//! anything is sent.
//!
//! It is [`crate::net::change::apply`] — the semantics the simulator's changer runs —
//! on a copy of the estate, with AWS's later transitions taken at once
//! ([`crate::net::change::settle`]). Nothing here states what a change does.
//!
//! Invariants:
//! - Pure: an estate and ops in, a new estate out; the input is never changed.
//! - What cannot be projected exactly (routes a VPN learns over BGP, the id of a
//!   peering not yet created, a peer region that is not loaded) is named in
//!   [`Projected::not_modelled`], never guessed.
//! - An op AWS would refuse changes nothing and is named in `not_modelled` with AWS's
//!   words and code, as the simulator refuses it.

use crate::backend::{Change, ChangeOp};
use crate::model::Estate;
use crate::net::change::{self as semantics, Chosen};

/// The id a peering that does not exist yet is shown with.
pub const NEW_PEERING_ID: &str = "tgw-attach-(new)";

/// An estate after some changes.
#[derive(Debug, Clone)]
pub struct Projected {
    pub estate: Estate,
    /// What the projection could not model, in words.
    pub not_modelled: Vec<String>,
}

/// `estate` with `ops` applied in order (dry runs change nothing).
#[must_use]
pub fn project(estate: &Estate, ops: &[ChangeOp]) -> Projected {
    let mut out = Projected {
        estate: estate.clone(),
        not_modelled: Vec::new(),
    };
    let chosen = Chosen {
        attachment_id: NEW_PEERING_ID.to_string(),
        update_token: None,
    };
    for op in ops.iter().filter(|op| op.mutates()) {
        let say =
            |what: &dyn std::fmt::Display| format!("{} in {}: {what}", op.action(), op.region);
        match semantics::apply(&mut out.estate, op, &chosen) {
            Ok(applied) => {
                semantics::settle(&mut out.estate, op, &applied);
                out.not_modelled
                    .extend(applied.notes.iter().map(|n| say(n)));
                if let Change::CreatePeering { peer_region, .. } = &op.change {
                    out.not_modelled.push(say(&format!(
                        "the new peering's id is chosen by AWS; it is shown as {NEW_PEERING_ID}, pendingAcceptance until {peer_region} accepts it"
                    )));
                }
            }
            Err(refusal) => out
                .not_modelled
                .push(say(&format!("{refusal}; AWS would refuse it"))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use std::collections::BTreeMap;

    use ipnet::IpNet;

    use super::*;
    use crate::backend::TgwRouteTarget;
    use crate::backend::sim::{Scenario, Simulator};
    use crate::backend::{Backend, Changer, VpcTarget};
    use crate::discovery::{DiscoveryPlan, discover};
    use crate::model::{AttachmentState, Destination, RegionEstate, RouteState};

    const USE1: &str = "us-east-1";
    const EUW1: &str = "eu-west-1";
    const TGW: &str = "tgw-0e1a2b3c4d5e6f701";
    const SPOKE_TABLE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const INSPECTION: &str = "tgw-attach-0e1a2b3c4d5e6f721";
    const SPOKE_A: &str = "tgw-attach-0e1a2b3c4d5e6f722";
    const SPOKE_B: &str = "tgw-attach-0e1a2b3c4d5e6f723";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
    const SPOKE_A_RTB: &str = "rtb-0e1a2b3c4d5e6f787";
    const SPOKE_B_RTB_B: &str = "rtb-0e1a2b3c4d5e6f789";

    fn cidr(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    async fn read(sim: &Arc<Simulator>) -> Estate {
        discover(
            Arc::clone(sim) as Arc<dyn Backend>,
            DiscoveryPlan {
                regions: vec![USE1.into()],
                follow_peers: true,
                concurrency: 4,
            },
        )
        .await
    }

    /// Route order, list order and the id AWS gives a new peering do not matter.
    fn normal(estate: &Estate, new_id: Option<&str>) -> BTreeMap<String, RegionEstate> {
        let mut out = BTreeMap::new();
        for r in estate.loaded() {
            let mut r = r.clone();
            for t in &mut r.tgw_route_tables {
                t.routes.sort_by(|a, b| {
                    (
                        &a.destination,
                        &a.targets[..].first().map(|x| &x.attachment_id),
                    )
                        .cmp(&(
                            &b.destination,
                            &b.targets[..].first().map(|x| &x.attachment_id),
                        ))
                });
                t.associations
                    .sort_by(|a, b| a.attachment_id.cmp(&b.attachment_id));
                t.propagations
                    .sort_by(|a, b| a.attachment_id.cmp(&b.attachment_id));
            }
            if let Some(id) = new_id {
                for p in &mut r.peerings {
                    if p.id == id {
                        p.id = NEW_PEERING_ID.into();
                    }
                }
                for a in &mut r.attachments {
                    if a.id == id {
                        a.id = NEW_PEERING_ID.into();
                    }
                }
            }
            r.attachments.sort_by(|a, b| a.id.cmp(&b.id));
            r.peerings.sort_by(|a, b| a.id.cmp(&b.id));
            out.insert(r.region.clone(), r);
        }
        out
    }

    /// Applies `ops` to a simulator (instant clock) and to the projection of what it
    /// showed before; both must show the same regions.
    async fn agrees(sim: Simulator, ops: &[ChangeOp]) -> Projected {
        let sim = Arc::new(sim);
        let before = read(&sim).await;
        let mut created = None;
        for op in ops {
            let out = sim.apply(op).await.expect("the simulator accepts the op");
            created = created.or(out.created_id);
        }
        let after = read(&sim).await;
        let projected = project(&before, ops);
        let (want, got) = (
            normal(&after, created.as_deref()),
            normal(&projected.estate, None),
        );
        for (name, w) in &want {
            let Some(g) = got.get(name) else {
                continue;
            };
            assert_eq!(
                w.tgw_route_tables, g.tgw_route_tables,
                "{name} TGW route tables after {ops:?}"
            );
            assert_eq!(
                w.attachments, g.attachments,
                "{name} attachments after {ops:?}"
            );
            assert_eq!(w.peerings, g.peerings, "{name} peerings after {ops:?}");
            assert_eq!(
                w.vpc_route_tables, g.vpc_route_tables,
                "{name} VPC route tables after {ops:?}"
            );
            assert_eq!(w, g, "{name} after {ops:?}");
        }
        // One op always changes something (a pair may put back what was there).
        if ops.len() == 1 {
            assert_ne!(before, projected.estate, "{ops:?} changes something");
        }
        projected
    }

    fn demo() -> Simulator {
        Simulator::demo().expect("demo")
    }

    fn op(region: &str, change: Change) -> ChangeOp {
        ChangeOp::new(region, change)
    }

    #[tokio::test]
    async fn tgw_routes_project_as_the_simulator_derives_them() {
        let create = |rtb: &str, c: &str, target: TgwRouteTarget| {
            op(
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: rtb.into(),
                    cidr: cidr(c),
                    target,
                },
            )
        };
        let att = |id: &str| TgwRouteTarget::Attachment(id.into());
        // A new static route, a blackhole, one to a pending peering (blackhole too).
        agrees(demo(), &[create(POST, "172.16.0.0/16", att(INSPECTION))]).await;
        agrees(
            demo(),
            &[create(POST, "192.168.0.0/16", TgwRouteTarget::Blackhole)],
        )
        .await;
        agrees(demo(), &[create(POST, "172.16.1.0/24", att(PEERING))]).await;
        // Replacing the demo's blackhole, then deleting it.
        let replace = op(
            USE1,
            Change::ReplaceTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("10.2.0.0/16"),
                target: att(SPOKE_A),
            },
        );
        agrees(demo(), std::slice::from_ref(&replace)).await;
        let delete = |c: &str| {
            op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: POST.into(),
                    cidr: cidr(c),
                },
            )
        };
        agrees(demo(), &[delete("10.2.0.0/16")]).await;
        // A static hides spoke-a's propagated route; deleting it brings it back.
        let hide = create(POST, "10.0.0.0/16", att(INSPECTION));
        let p = agrees(demo(), std::slice::from_ref(&hide)).await;
        let post = p
            .estate
            .region(USE1)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == POST))
            .expect("post-inspection");
        assert_eq!(
            post.routes
                .iter()
                .filter(|r| r.destination == Destination::Cidr(cidr("10.0.0.0/16")))
                .count(),
            1
        );
        agrees(demo(), &[hide, delete("10.0.0.0/16")]).await;
        // The spoke table's default route.
        agrees(
            demo(),
            &[op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: SPOKE_TABLE.into(),
                    cidr: cidr("0.0.0.0/0"),
                },
            )],
        )
        .await;
    }

    #[tokio::test]
    async fn associations_and_propagations_project_as_the_simulator_derives_them() {
        let disassociate = op(
            USE1,
            Change::DisassociateTgwRouteTable {
                route_table_id: SPOKE_TABLE.into(),
                attachment_id: SPOKE_B.into(),
            },
        );
        agrees(demo(), std::slice::from_ref(&disassociate)).await;
        agrees(
            demo(),
            &[
                disassociate,
                op(
                    USE1,
                    Change::AssociateTgwRouteTable {
                        route_table_id: POST.into(),
                        attachment_id: SPOKE_B.into(),
                    },
                ),
            ],
        )
        .await;
        let disable = op(
            USE1,
            Change::DisablePropagation {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        agrees(demo(), std::slice::from_ref(&disable)).await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE_TABLE.into(),
                    attachment_id: SPOKE_A.into(),
                },
            )],
        )
        .await;
        // A dry run changes nothing.
        let p = project(
            &read(&Arc::new(demo())).await,
            &[op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE_TABLE.into(),
                    attachment_id: SPOKE_A.into(),
                },
            )
            .as_dry_run()],
        );
        assert!(p.not_modelled.is_empty());
    }

    #[tokio::test]
    async fn peerings_project_as_the_simulator_derives_them() {
        let accept = op(
            EUW1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let delete = op(
            USE1,
            Change::DeletePeering {
                attachment_id: PEERING.into(),
            },
        );
        let route = op(
            USE1,
            Change::CreateTgwRoute {
                route_table_id: POST.into(),
                cidr: cidr("172.16.1.0/24"),
                target: TgwRouteTarget::Attachment(PEERING.into()),
            },
        );
        let p = agrees(demo(), std::slice::from_ref(&accept)).await;
        assert!(p.not_modelled.is_empty(), "{:?}", p.not_modelled);
        agrees(demo(), &[accept.clone(), route.clone()]).await;
        agrees(demo(), std::slice::from_ref(&delete)).await;
        // Routes to a deleted peering are blackholes.
        let p = agrees(demo(), &[accept.clone(), route, delete]).await;
        let post = p
            .estate
            .region(USE1)
            .and_then(|r| r.tgw_route_tables.iter().find(|t| t.id == POST))
            .expect("post-inspection");
        assert!(post.routes.iter().any(|r| r.destination
            == Destination::Cidr(cidr("172.16.1.0/24"))
            && r.state == RouteState::Blackhole));
        agrees(
            demo(),
            &[op(
                EUW1,
                Change::RejectPeering {
                    attachment_id: PEERING.into(),
                },
            )],
        )
        .await;
        let p = agrees(
            demo(),
            &[op(
                USE1,
                Change::CreatePeering {
                    tgw_id: TGW.into(),
                    peer_tgw_id: "tgw-0f9e8d7c6b5a4f301".into(),
                    peer_region: EUW1.into(),
                    peer_account_id: "111122223333".into(),
                    request_tag: "req-1".into(),
                },
            )],
        )
        .await;
        assert!(
            p.not_modelled.iter().any(|n| n.contains(NEW_PEERING_ID)),
            "{:?}",
            p.not_modelled
        );
        // Accepting in the wrong region is refused: nothing changes, and it is said.
        let before = read(&Arc::new(demo())).await;
        let wrong = project(
            &before,
            &[op(
                USE1,
                Change::AcceptPeering {
                    attachment_id: PEERING.into(),
                },
            )],
        );
        assert_eq!(wrong.estate, before);
        assert!(
            wrong.not_modelled[0].contains("accepter's region"),
            "{:?}",
            wrong.not_modelled
        );
        // An id the estate does not hold: said, no panic.
        let unknown = project(
            &before,
            &[op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: "tgw-rtb-nope".into(),
                    cidr: cidr("10.0.0.0/8"),
                },
            )],
        );
        assert_eq!(unknown.estate, before);
        assert_eq!(unknown.not_modelled.len(), 1);
    }

    #[tokio::test]
    async fn vpc_attachments_and_vpc_routes_project_as_the_simulator_derives_them() {
        let mut scenario = Scenario::builtin().expect("builtin");
        for r in &mut scenario.regions {
            for a in &mut r.attachments {
                if a.id == SPOKE_B {
                    a.state = AttachmentState::PendingAcceptance;
                }
            }
        }
        let pending = || Simulator::from_scenario(scenario.clone()).expect("scenario");
        let p = agrees(
            pending(),
            &[op(
                USE1,
                Change::AcceptVpcAttachment {
                    attachment_id: SPOKE_B.into(),
                },
            )],
        )
        .await;
        assert!(
            p.estate
                .region(USE1)
                .is_some_and(|r| r.tgw_route_tables.iter().any(|t| t.id == POST
                    && t.routes
                        .iter()
                        .any(|x| x.destination == Destination::Cidr(cidr("10.1.0.0/16")))))
        );
        agrees(
            pending(),
            &[op(
                USE1,
                Change::RejectVpcAttachment {
                    attachment_id: SPOKE_B.into(),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::CreateVpcRoute {
                    route_table_id: SPOKE_A_RTB.into(),
                    cidr: cidr("172.16.0.0/12"),
                    target: VpcTarget::TransitGateway(TGW.into()),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::ReplaceVpcRoute {
                    route_table_id: SPOKE_B_RTB_B.into(),
                    cidr: cidr("0.0.0.0/0"),
                    target: VpcTarget::TransitGateway(TGW.into()),
                },
            )],
        )
        .await;
        agrees(
            demo(),
            &[op(
                USE1,
                Change::DeleteVpcRoute {
                    route_table_id: SPOKE_B_RTB_B.into(),
                    cidr: cidr("0.0.0.0/0"),
                },
            )],
        )
        .await;
    }
}
