//! The simulator's [`Changer`]: [`crate::net::change`]'s semantics on the simulator's
//! estate, with its clock for what AWS does later and its faults.
//!
//! Invariants:
//! - A change is validated and applied under one lock, on a copy of the current
//!   estate that replaces it only when the change is made; concurrent changes are
//!   therefore serialized and never interleave, and a refused change changes nothing.
//! - A dry run validates and changes nothing (EC2 `DryRunOperation`).
//! - Errors carry AWS's error code in the message and the matching [`ErrorKind`]:
//!   unknown ids `NotFound`, a route that exists `AlreadyExists`, accepting a peering
//!   not in `pendingAcceptance` `IncorrectState`, a non-canonical CIDR `InvalidInput`
//!   naming the canonical form, a quota `QuotaExceeded`, a stale token `Conflict`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::{SimState, Simulator, Timer, advance, lock};
use crate::backend::{BackendError, ChangeOp, ChangeOutcome, Changer, ErrorKind};
use crate::net::change::{self as semantics, Chosen, Refusal, RefusalKind};

pub use crate::net::change::{ACCEPT_SECS, DELETE_SECS, PEERING_INITIATE_SECS};

/// AWS's refusal as the error a backend answers.
fn refused(op: &ChangeOp, refusal: Refusal) -> BackendError {
    let kind = match refusal.kind {
        RefusalKind::NotFound => ErrorKind::NotFound,
        RefusalKind::AlreadyExists => ErrorKind::AlreadyExists,
        RefusalKind::IncorrectState => ErrorKind::IncorrectState,
        RefusalKind::InvalidInput => ErrorKind::InvalidInput,
        RefusalKind::QuotaExceeded => ErrorKind::QuotaExceeded,
        RefusalKind::Conflict => ErrorKind::Conflict,
    };
    let error = BackendError::new(kind, refusal.to_string()).in_region(&op.region);
    match &refusal.resource {
        Some(id) => error.for_resource(id),
        None => error,
    }
}

impl Simulator {
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// What AWS would choose for `op` if it were made now.
    fn chosen(&self, op: &ChangeOp) -> Chosen {
        use crate::backend::Change;
        Chosen {
            attachment_id: if matches!(op.change, Change::CreatePeering { .. }) && !op.dry_run {
                format!("tgw-attach-5{:016x}", self.new_id())
            } else {
                String::new()
            },
            update_token: op
                .change
                .toggle()
                .map(|_| format!("sim-token-{}", self.new_id())),
        }
    }

    /// The `concurrent_policy_change` fault: a colleague changes the policy (once)
    /// just before netops's change lands.
    fn colleague_edits(&self, state: &mut SimState, region: &str, policy_arn: &str) {
        let mut faults = lock(&self.faults);
        let Some(i) = state.derived.get(region).and_then(|r| {
            let policy = r.firewall_policies.iter().find(|p| p.arn == policy_arn)?;
            faults
                .concurrent_policy_change
                .iter()
                .position(|n| *n == policy.name)
        }) else {
            return;
        };
        faults.concurrent_policy_change.remove(i);
        let token = format!("sim-token-{}", self.new_id());
        let Some(policy) = Arc::make_mut(&mut state.derived)
            .get_mut(region)
            .and_then(|r| r.firewall_policies.iter_mut().find(|p| p.arn == policy_arn))
        else {
            return;
        };
        policy
            .stateful_default_actions
            .push("aws:alert_established".into());
        policy.update_token = Some(token);
        tracing::info!(policy = %policy.name, "simulator: a colleague changed the policy");
    }
}

#[async_trait]
impl Changer for Simulator {
    async fn apply(&self, op: &ChangeOp) -> Result<ChangeOutcome, BackendError> {
        if self.is_read_only() {
            return Err(BackendError::new(
                ErrorKind::ReadOnly,
                crate::error::read_only(
                    &format!("{} in {}", op.action(), op.region),
                    crate::error::Refused::Change,
                ),
            )
            .in_region(&op.region));
        }
        let faults = self.call(&op.region, op.action()).await?;
        if faults.throttled_actions.iter().any(|a| a == op.action()) {
            return Err(BackendError::new(
                ErrorKind::Throttled,
                format!(
                    "{} in {} was throttled (RequestLimitExceeded) and retries are exhausted; nothing changed; try again shortly",
                    op.action(),
                    op.region
                ),
            )
            .in_region(&op.region));
        }
        let lose_answer =
            !op.dry_run && faults.timeout_after_apply.iter().any(|a| a == op.action());
        let now = lock(&self.clock).now();
        // The state's lock is held only in this block: the wait for a lost answer
        // below must not hold it.
        let outcome = {
            let mut guard = lock(&self.state);
            let state: &mut SimState = &mut guard;
            advance(state, now);
            if let Some((t, _)) = op.change.toggle() {
                self.colleague_edits(state, &op.region, &t.policy_arn);
            }
            let request_id = Some(format!("sim-{}", self.new_id()));
            let chosen = self.chosen(op);
            if op.dry_run {
                semantics::validate(&*state.derived, op).map_err(|r| refused(op, r))?;
                return Ok(ChangeOutcome {
                    request_id,
                    dry_run: true,
                    ..ChangeOutcome::default()
                });
            }
            let mut next = (*state.derived).clone();
            let applied = semantics::apply(&mut next, op, &chosen).map_err(|r| refused(op, r))?;
            state.derived = Arc::new(next);
            state.timers.extend(applied.later.iter().map(|later| Timer {
                due: now.saturating_add(later.after_secs),
                region: op.region.clone(),
                attachment_id: later.attachment_id.clone(),
                to: later.to.clone(),
            }));
            ChangeOutcome {
                request_id,
                created_id: (!chosen.attachment_id.is_empty()).then_some(chosen.attachment_id),
                state: applied.state,
                dry_run: false,
            }
        };
        tracing::info!(region = %op.region, action = op.action(), change = ?op.change, "simulator: change applied");
        self.record_applied(op);
        // Timers already due (an instant clock) take effect before the answer.
        let _ = self.snapshot();
        if lose_answer {
            // The answer is awaited until the call gives up: the change is made, and
            // the caller may be gone before it hears anything.
            let wait = std::time::Duration::from_millis(faults.latency_ms);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return Err(BackendError::new(
                ErrorKind::Timeout,
                format!(
                    "{} in {} timed out waiting for the answer (simulated: the change did happen)",
                    op.action(),
                    op.region
                ),
            )
            .in_region(&op.region));
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ipnet::IpNet;

    use super::super::SimClock;
    use super::*;
    use crate::backend::change::REQUEST_TAG_KEY;
    use crate::backend::{Backend, OptionalPart, VpcTarget};
    use crate::backend::{Change, TgwRouteTarget};
    use crate::model::AttachmentState as S;
    use crate::model::{Destination, RouteState, RouteType, TgwRoute, VpcRouteTarget};

    const USE1: &str = "us-east-1";
    const EUW1: &str = "eu-west-1";
    const SPOKE: &str = "tgw-rtb-0e1a2b3c4d5e6f711";
    const POST: &str = "tgw-rtb-0e1a2b3c4d5e6f712";
    const EUW1_RTB: &str = "tgw-rtb-0f9e8d7c6b5a4f311";
    const INSPECTION: &str = "tgw-attach-0e1a2b3c4d5e6f721";
    const SPOKE_A: &str = "tgw-attach-0e1a2b3c4d5e6f722";
    const PEERING: &str = "tgw-attach-0e1a2b3c4d5e6f7a1";
    const HUB_USE1: &str = "tgw-0e1a2b3c4d5e6f701";
    const HUB_EUW1: &str = "tgw-0f9e8d7c6b5a4f301";

    fn net(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    fn op(region: &str, change: Change) -> ChangeOp {
        ChangeOp::new(region, change)
    }

    fn create_route(rtb: &str, cidr: &str, att: &str) -> ChangeOp {
        op(
            USE1,
            Change::CreateTgwRoute {
                route_table_id: rtb.into(),
                cidr: net(cidr),
                target: TgwRouteTarget::Attachment(att.into()),
            },
        )
    }

    async fn route(sim: &Simulator, region: &str, rtb: &str, cidr: &str) -> Option<TgwRoute> {
        sim.tgw_routes(region, rtb)
            .await
            .expect("routes")
            .into_iter()
            .find(|r| r.destination == Destination::Cidr(net(cidr)))
    }

    #[tokio::test]
    async fn a_static_route_change_re_derives_the_table() {
        let sim = Simulator::demo().expect("demo");
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let out = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect("created");
        assert_eq!(out.state.as_deref(), Some("active"));
        assert!(out.request_id.is_some());
        let r = route(&sim, USE1, SPOKE, "10.50.0.0/16")
            .await
            .expect("present");
        assert_eq!(r.route_type, RouteType::Static);
        assert_eq!(r.state, RouteState::Active);
        assert_eq!(
            r.targets[0].resource_id.as_deref(),
            Some("vpc-0e1a2b3c4d5e6f732")
        );

        // The same route again: AWS's RouteAlreadyExists.
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("exists");
        assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
        assert!(err.message.contains("RouteAlreadyExists"), "{err}");

        // A static route over a propagated prefix hides it; deleting it brings it back.
        sim.apply(&create_route(POST, "10.0.0.0/16", INSPECTION))
            .await
            .expect("static over propagated");
        let r = route(&sim, USE1, POST, "10.0.0.0/16")
            .await
            .expect("present");
        assert_eq!(r.route_type, RouteType::Static);
        sim.apply(&op(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: POST.into(),
                cidr: net("10.0.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        let r = route(&sim, USE1, POST, "10.0.0.0/16")
            .await
            .expect("propagated again");
        assert_eq!(r.route_type, RouteType::Propagated);

        sim.apply(&op(
            USE1,
            Change::DeleteTgwRoute {
                route_table_id: SPOKE.into(),
                cidr: net("10.50.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let err = sim
            .apply(&op(
                USE1,
                Change::DeleteTgwRoute {
                    route_table_id: SPOKE.into(),
                    cidr: net("10.50.0.0/16"),
                },
            ))
            .await
            .expect_err("gone");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    }

    #[tokio::test]
    async fn propagation_changes_re_derive_propagated_routes() {
        let sim = Simulator::demo().expect("demo");
        assert!(route(&sim, USE1, SPOKE, "10.0.0.0/16").await.is_none());
        let enable = op(
            USE1,
            Change::EnablePropagation {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        );
        sim.apply(&enable).await.expect("enabled");
        let r = route(&sim, USE1, SPOKE, "10.0.0.0/16")
            .await
            .expect("propagated");
        assert_eq!(r.route_type, RouteType::Propagated);
        let err = sim.apply(&enable).await.expect_err("twice");
        assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
        sim.apply(&op(
            USE1,
            Change::DisablePropagation {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("disabled");
        assert!(route(&sim, USE1, SPOKE, "10.0.0.0/16").await.is_none());
        // Peering attachments cannot propagate.
        let err = sim
            .apply(&op(
                USE1,
                Change::EnablePropagation {
                    route_table_id: SPOKE.into(),
                    attachment_id: PEERING.into(),
                },
            ))
            .await
            .expect_err("peering");
        assert!(
            matches!(
                err.kind,
                ErrorKind::InvalidInput | ErrorKind::IncorrectState
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_peering_lifecycle_runs_on_the_clock_and_blackholes_on_delete() {
        let sim = Simulator::demo().expect("demo");
        let (clock, hand) = SimClock::manual();
        sim.set_clock(clock);
        let peering_state = |sim: &Simulator, region: &str| {
            sim.snapshot()[region]
                .peerings
                .iter()
                .find(|p| p.id == PEERING)
                .map(|p| p.state.clone())
        };
        // Accept must happen in the accepter's region.
        let accept_use1 = op(
            USE1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let err = sim.apply(&accept_use1).await.expect_err("wrong side");
        assert!(err.message.contains("accepter's region eu-west-1"), "{err}");
        let accept = op(
            EUW1,
            Change::AcceptPeering {
                attachment_id: PEERING.into(),
            },
        );
        let out = sim.apply(&accept).await.expect("accepted");
        assert_eq!(out.state.as_deref(), Some("pending"));
        assert_eq!(peering_state(&sim, USE1), Some(S::Pending));
        assert_eq!(peering_state(&sim, EUW1), Some(S::Pending));
        let err = sim.apply(&accept).await.expect_err("not pendingAcceptance");
        assert_eq!(err.kind, ErrorKind::IncorrectState, "{err}");
        hand.advance(ACCEPT_SECS);
        assert_eq!(peering_state(&sim, USE1), Some(S::Available));
        assert_eq!(peering_state(&sim, EUW1), Some(S::Available));

        // Each side: associate and route the remote CIDRs over the peering.
        sim.apply(&op(
            EUW1,
            Change::CreateTgwRoute {
                route_table_id: EUW1_RTB.into(),
                cidr: net("10.0.0.0/8"),
                target: TgwRouteTarget::Attachment(PEERING.into()),
            },
        ))
        .await
        .expect("route over peering");
        let r = route(&sim, EUW1, EUW1_RTB, "10.0.0.0/8")
            .await
            .expect("route");
        assert_eq!(r.state, RouteState::Active);

        // Deleting the peering blackholes the route (re-derived), then it is deleted.
        let out = sim
            .apply(&op(
                USE1,
                Change::DeletePeering {
                    attachment_id: PEERING.into(),
                },
            ))
            .await
            .expect("deleting");
        assert_eq!(out.state.as_deref(), Some("deleting"));
        let r = route(&sim, EUW1, EUW1_RTB, "10.0.0.0/8")
            .await
            .expect("route");
        assert_eq!(r.state, RouteState::Blackhole);
        assert_eq!(peering_state(&sim, EUW1), Some(S::Deleting));
        hand.advance(DELETE_SECS);
        assert_eq!(peering_state(&sim, USE1), Some(S::Deleted));
    }

    #[tokio::test]
    async fn create_peering_is_tagged_and_moves_to_pending_acceptance() {
        let sim = Simulator::demo().expect("demo");
        let create = op(
            USE1,
            Change::CreatePeering {
                tgw_id: HUB_USE1.into(),
                peer_tgw_id: HUB_EUW1.into(),
                peer_region: EUW1.into(),
                peer_account_id: "111122223333".into(),
                request_tag: "req-42".into(),
            },
        );
        assert!(!create.is_idempotent());
        let out = sim.apply(&create).await.expect("created");
        let id = out.created_id.expect("id");
        assert!(id.starts_with("tgw-attach-"), "{id}");
        // The instant clock: initiatingRequest is already over.
        for region in [USE1, EUW1] {
            let snap = sim.snapshot();
            let p = snap[region]
                .peerings
                .iter()
                .find(|p| p.id == id)
                .expect("visible on both sides");
            assert_eq!(p.state, S::PendingAcceptance);
            assert_eq!(
                p.tags.get(REQUEST_TAG_KEY).map(String::as_str),
                Some("req-42")
            );
            assert!(snap[region].attachments.iter().any(|a| a.id == id));
        }
        let err = sim
            .apply(&op(
                USE1,
                Change::CreatePeering {
                    tgw_id: HUB_USE1.into(),
                    peer_tgw_id: "tgw-0nope".into(),
                    peer_region: EUW1.into(),
                    peer_account_id: "111122223333".into(),
                    request_tag: "req-43".into(),
                },
            ))
            .await
            .expect_err("unknown peer");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
        assert!(err.message.contains("tgw-0nope"), "{err}");
    }

    #[tokio::test]
    async fn aws_validations_name_the_problem() {
        let sim = Simulator::demo().expect("demo");
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.1/16", SPOKE_A))
            .await
            .expect_err("host bits");
        assert_eq!(err.kind, ErrorKind::InvalidInput);
        assert!(err.message.contains("use 10.50.0.0/16"), "{err}");
        let err = sim
            .apply(&create_route("tgw-rtb-0nope", "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("unknown table");
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(err.message.contains("tgw-rtb-0nope"), "{err}");
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", "tgw-attach-0nope"))
            .await
            .expect_err("unknown attachment");
        assert_eq!(err.kind, ErrorKind::NotFound);
        let err = sim
            .apply(&op(
                USE1,
                Change::AssociateTgwRouteTable {
                    route_table_id: POST.into(),
                    attachment_id: SPOKE_A.into(),
                },
            ))
            .await
            .expect_err("already associated with spoke");
        assert_eq!(err.kind, ErrorKind::AlreadyExists);
        assert!(err.message.contains("Resource.AlreadyAssociated"), "{err}");
        let err = sim
            .apply(&op(
                USE1,
                Change::AcceptVpcAttachment {
                    attachment_id: SPOKE_A.into(),
                },
            ))
            .await
            .expect_err("available already");
        assert_eq!(err.kind, ErrorKind::IncorrectState);
        // A VPC route over a NAT gateway that does not exist.
        let err = sim
            .apply(&op(
                USE1,
                Change::CreateVpcRoute {
                    route_table_id: "rtb-0e1a2b3c4d5e6f780".into(),
                    cidr: net("192.168.0.0/16"),
                    target: VpcTarget::NatGateway("nat-0nope".into()),
                },
            ))
            .await
            .expect_err("unknown NAT");
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    }

    /// A VPC route to another VPC's NAT gateway, internet gateway or endpoint, or to
    /// a peering or interface that does not exist, is refused as AWS refuses it, by
    /// the same rule as the plan check; nothing changes.
    #[tokio::test]
    async fn vpc_route_targets_are_checked_as_aws_does() {
        let sim = Simulator::demo().expect("demo");
        let before = sim.snapshot();
        let spoke_a_rtb = "rtb-0e1a2b3c4d5e6f787";
        for (target, kind, code) in [
            (
                VpcTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::InternetGateway("igw-0e1a2b3c4d5e6f7c2".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::VpcEndpoint("vpce-0e1a2b3c4d5e6f791".into()),
                ErrorKind::InvalidInput,
                "InvalidParameterValue",
            ),
            (
                VpcTarget::PeeringConnection("pcx-0nope".into()),
                ErrorKind::NotFound,
                "InvalidVpcPeeringConnectionID.NotFound",
            ),
            (
                VpcTarget::NetworkInterface("eni-0nope".into()),
                ErrorKind::NotFound,
                "InvalidNetworkInterfaceID.NotFound",
            ),
            (
                VpcTarget::InternetGateway("igw-0nope".into()),
                ErrorKind::NotFound,
                "InvalidGatewayID.NotFound",
            ),
        ] {
            for create in [true, false] {
                let change = if create {
                    Change::CreateVpcRoute {
                        route_table_id: spoke_a_rtb.into(),
                        cidr: net("192.168.0.0/16"),
                        target: target.clone(),
                    }
                } else {
                    Change::ReplaceVpcRoute {
                        route_table_id: spoke_a_rtb.into(),
                        cidr: net("0.0.0.0/0"),
                        target: target.clone(),
                    }
                };
                let err = sim
                    .apply(&op(USE1, change))
                    .await
                    .expect_err("AWS refuses it");
                assert_eq!(err.kind, kind, "{target:?}: {err}");
                assert!(
                    err.message.contains(code) && err.message.contains(target.id()),
                    "{target:?}: {err}"
                );
            }
        }
        assert_eq!(sim.snapshot(), before, "nothing changed");
    }

    #[tokio::test]
    async fn associations_and_vpc_routes_change_and_re_derive() {
        let sim = Simulator::demo().expect("demo");
        sim.apply(&op(
            USE1,
            Change::DisassociateTgwRouteTable {
                route_table_id: SPOKE.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("disassociated");
        let att = |sim: &Simulator| {
            sim.snapshot()[USE1]
                .attachments
                .iter()
                .find(|a| a.id == SPOKE_A)
                .expect("attachment")
                .association
                .clone()
        };
        assert_eq!(att(&sim), None);
        sim.apply(&op(
            USE1,
            Change::AssociateTgwRouteTable {
                route_table_id: POST.into(),
                attachment_id: SPOKE_A.into(),
            },
        ))
        .await
        .expect("associated");
        assert_eq!(att(&sim).map(|a| a.route_table_id), Some(POST.to_string()));

        let rtb = "rtb-0e1a2b3c4d5e6f780";
        let vpc_route = |sim: &Simulator| {
            sim.snapshot()[USE1]
                .vpc_route_tables
                .iter()
                .find(|t| t.id == rtb)
                .expect("table")
                .routes
                .iter()
                .find(|r| r.destination == Destination::Cidr(net("192.168.0.0/16")))
                .map(|r| r.target.clone())
        };
        sim.apply(&op(
            USE1,
            Change::CreateVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
                target: VpcTarget::TransitGateway(HUB_USE1.into()),
            },
        ))
        .await
        .expect("vpc route");
        assert_eq!(
            vpc_route(&sim),
            Some(VpcRouteTarget::TransitGateway(HUB_USE1.into()))
        );
        sim.apply(&op(
            USE1,
            Change::ReplaceVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
                target: VpcTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()),
            },
        ))
        .await
        .expect("replaced");
        assert_eq!(
            vpc_route(&sim),
            Some(VpcRouteTarget::NatGateway("nat-0e1a2b3c4d5e6f7b1".into()))
        );
        sim.apply(&op(
            USE1,
            Change::DeleteVpcRoute {
                route_table_id: rtb.into(),
                cidr: net("192.168.0.0/16"),
            },
        ))
        .await
        .expect("deleted");
        assert_eq!(vpc_route(&sim), None);
    }

    #[tokio::test]
    async fn a_read_only_simulator_has_no_changer_and_refuses_changes() {
        let sim = std::sync::Arc::new(Simulator::demo().expect("demo"));
        assert!(sim.changer().is_some());
        sim.set_read_only(true);
        assert!(sim.changer().is_none());
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A))
            .await
            .expect_err("read-only");
        assert_eq!(err.kind, ErrorKind::ReadOnly);
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
    }

    #[tokio::test]
    async fn a_dry_run_validates_and_changes_nothing() {
        let sim = Simulator::demo().expect("demo");
        let out = sim
            .apply(&create_route(SPOKE, "10.50.0.0/16", SPOKE_A).as_dry_run())
            .await
            .expect("would succeed");
        assert!(out.dry_run);
        assert!(route(&sim, USE1, SPOKE, "10.50.0.0/16").await.is_none());
        let err = sim
            .apply(&create_route(SPOKE, "10.50.0.1/16", SPOKE_A).as_dry_run())
            .await
            .expect_err("still validated");
        assert_eq!(err.kind, ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn the_route_quota_is_aws_s() {
        let sim =
            Simulator::from_scenario(super::super::generate(100, 9_900).expect("at the quota"))
                .expect("sim");
        let err = sim
            .apply(&ChangeOp::new(
                USE1,
                Change::CreateTgwRoute {
                    route_table_id: "tgw-rtb-00000000000000002".into(),
                    cidr: net("12.0.0.0/24"),
                    target: TgwRouteTarget::Blackhole,
                },
            ))
            .await
            .expect_err("over the quota");
        assert_eq!(err.kind, ErrorKind::QuotaExceeded, "{err}");
        assert!(err.message.contains("RouteLimitExceeded"), "{err}");
        assert!(err.message.contains("10000 routes"), "{err}");
    }

    #[tokio::test]
    async fn concurrent_changes_all_land() {
        let sim = std::sync::Arc::new(Simulator::demo().expect("demo"));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let sim = std::sync::Arc::clone(&sim);
                tokio::spawn(async move {
                    sim.apply(&create_route(SPOKE, &format!("10.200.{i}.0/24"), SPOKE_A))
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("join").expect("created");
        }
        let routes = sim.tgw_routes(USE1, SPOKE).await.expect("routes");
        assert_eq!(routes.len(), 33, "0.0.0.0/0 and the 32 new routes");
    }

    #[tokio::test]
    async fn a_call_slower_than_the_call_timeout_times_out() {
        let sim = Simulator::demo().expect("demo");
        sim.set_faults(crate::backend::sim::Faults {
            latency_ms: 60_000,
            ..Default::default()
        });
        sim.set_call_timeout(Some(Duration::from_millis(50)));
        let start = std::time::Instant::now();
        let err = sim.load_topology(USE1).await.expect_err("timeout");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "gave up at the limit"
        );
        assert_eq!(err.kind, ErrorKind::Timeout);
        assert!(err.message.contains("50 ms"), "{err}");
        sim.set_faults(crate::backend::sim::Faults::default());
        sim.set_call_timeout(None);
        assert!(sim.load_topology(USE1).await.is_ok());
    }

    #[tokio::test]
    async fn latency_on_one_part_delays_only_that_part() {
        let sim = Simulator::demo().expect("demo");
        sim.set_part_latency(
            OptionalPart::NetworkFirewall,
            Some(Duration::from_millis(400)),
        );
        let start = std::time::Instant::now();
        let topology = sim.load_topology(USE1).await.expect("topology");
        assert!(start.elapsed() < Duration::from_millis(400));
        assert!(!topology.tgws.is_empty());
        assert!(topology.firewalls.is_empty(), "topology has no firewalls");
        sim.load_optional(USE1, OptionalPart::Instances)
            .await
            .expect("instances");
        assert!(start.elapsed() < Duration::from_millis(400));
        let fw = sim
            .load_optional(USE1, OptionalPart::NetworkFirewall)
            .await
            .expect("firewall");
        assert!(start.elapsed() >= Duration::from_millis(400));
        let mut region = topology;
        fw.apply_to(&mut region);
        assert!(!region.firewalls.is_empty());
        // The whole region still loads with everything.
        let whole = sim.load_region(USE1).await.expect("region");
        assert_eq!(whole.firewalls, region.firewalls);
        assert!(whole.gaps.is_empty());
    }
}
