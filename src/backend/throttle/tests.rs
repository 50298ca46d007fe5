//! The scheduler's behaviour: what is retried and what never is, and who is served
//! first. No timing assertions: waits are made short, and only order and counts are
//! checked.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::*;
use crate::error::ErrorKind;

/// Short back-offs, so retries take milliseconds.
fn quick(read_retries: u32) -> ThrottleConfig {
    ThrottleConfig {
        read_retries: Some(read_retries),
        backoff_base_ms: Some(1),
        backoff_max_ms: Some(2),
        ..ThrottleConfig::default()
    }
}

fn key(action: &'static str) -> CallKey<'static> {
    CallKey {
        account: "111122223333",
        region: "us-east-1",
        service: "ec2",
        action,
    }
}

fn throttled() -> BackendError {
    BackendError::new(ErrorKind::Throttled, "RequestLimitExceeded")
}

/// Answers `Throttled` (or `Transient`) `failures` times, then `Ok(attempt number)`.
async fn flaky(
    s: &Scheduler,
    action: &'static str,
    resend: Resend,
    failures: u32,
    transient: bool,
) -> (Result<u32, BackendError>, u32) {
    let calls = AtomicU32::new(0);
    let result = s
        .run(key(action), resend, || {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n <= failures {
                    if transient {
                        Attempt::Transient(BackendError::new(ErrorKind::Timeout, "slow"))
                    } else {
                        Attempt::Throttled(throttled())
                    }
                } else {
                    Attempt::Done(Ok(n))
                }
            }
        })
        .await;
    (result, calls.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_throttled_read_is_sent_again_until_it_is_answered() {
    let s = Scheduler::new(quick(5)).expect("config");
    let (result, calls) = flaky(&s, "DescribeVpcs", Resend::Reads { attempts: 1 }, 4, false).await;
    assert_eq!(result.expect("answered at last"), 5);
    assert_eq!(calls, 5);
    let stats = s.stats();
    assert_eq!(
        (stats.sent, stats.throttled, stats.retried),
        (5, 4, 4),
        "{stats:?}"
    );
    assert_eq!((stats.waiting, stats.in_flight), (0, 0), "{stats:?}");
}

#[tokio::test]
async fn a_read_throttled_past_its_retries_surfaces_the_throttle() {
    let s = Scheduler::new(quick(2)).expect("config");
    let (result, calls) = flaky(&s, "DescribeVpcs", Resend::Reads { attempts: 1 }, 10, false).await;
    assert_eq!(result.expect_err("exhausted").kind, ErrorKind::Throttled);
    assert_eq!(calls, 3, "the first and two retries");
}

#[tokio::test]
async fn a_change_is_never_sent_again_by_the_scheduler() {
    let s = Scheduler::new(quick(12)).expect("config");
    for transient in [false, true] {
        let (result, calls) = flaky(
            &s,
            "CreateTransitGatewayRoute",
            Resend::Reads { attempts: 5 },
            1,
            transient,
        )
        .await;
        assert!(result.is_err(), "transient={transient}");
        assert_eq!(calls, 1, "sent once (transient={transient})");
    }
    assert_eq!(s.stats().retried, 0);
}

#[tokio::test]
async fn a_read_sent_once_is_not_retried_either() {
    let s = Scheduler::new(quick(12)).expect("config");
    let (result, calls) = flaky(&s, "DescribeFirewallPolicy", Resend::Never, 1, false).await;
    assert!(result.is_err());
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn transient_read_failures_are_retried_up_to_the_attempts() {
    let s = Scheduler::new(quick(12)).expect("config");
    let (result, calls) = flaky(&s, "DescribeVpcs", Resend::Reads { attempts: 3 }, 2, true).await;
    assert_eq!(result.expect("third attempt"), 3);
    assert_eq!(calls, 3);
    let (result, calls) = flaky(&s, "DescribeVpcs", Resend::Reads { attempts: 3 }, 3, true).await;
    assert_eq!(
        result.expect_err("out of attempts").kind,
        ErrorKind::Timeout
    );
    assert_eq!(calls, 3);
}

#[tokio::test]
async fn an_unmetered_scheduler_still_retries_and_counts() {
    let s = Scheduler::unmetered(quick(3));
    assert!(s.spec("ec2", "DescribeVpcs").is_none());
    let (result, _) = flaky(&s, "DescribeVpcs", Resend::Reads { attempts: 1 }, 2, false).await;
    assert!(result.is_ok());
    assert_eq!(s.stats().throttled, 2);
}

/// Waits until `n` calls wait in the scheduler.
async fn until_waiting(s: &Scheduler, n: usize) {
    for _ in 0..10_000 {
        if s.stats().waiting >= n {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
    panic!("{n} calls never waited: {:?}", s.stats());
}

/// With one slot taken, a big account queues six calls before a small account
/// queues one: the small account's call goes second, not seventh.
#[tokio::test]
async fn a_small_account_is_not_starved_by_a_big_one() {
    let s = Arc::new(
        Scheduler::new(ThrottleConfig {
            max_concurrency: Some(1),
            ..quick(0)
        })
        .expect("config"),
    );
    let order = Arc::new(Mutex::new(Vec::new()));
    let (release, hold) = tokio::sync::oneshot::channel::<()>();
    let blocker = {
        let s = Arc::clone(&s);
        tokio::spawn(async move {
            let mut hold = Some(hold);
            s.run(key("DescribeVpcs"), Resend::Never, move || {
                let hold = hold.take();
                async move {
                    if let Some(h) = hold {
                        let _ = h.await;
                    }
                    Attempt::Done(Ok(()))
                }
            })
            .await
        })
    };
    until_waiting(&s, 0).await;
    while s.stats().in_flight == 0 {
        tokio::task::yield_now().await;
    }
    let mut tasks = Vec::new();
    let mut queue = |account: &'static str, label: String, waiting: usize| {
        let s = Arc::clone(&s);
        let order = Arc::clone(&order);
        tasks.push(tokio::spawn(async move {
            let key = CallKey {
                account,
                ..key("DescribeSubnets")
            };
            s.run(key, Resend::Never, || {
                let order = Arc::clone(&order);
                let label = label.clone();
                async move {
                    order
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(label);
                    Attempt::Done(Ok(()))
                }
            })
            .await
        }));
        waiting
    };
    for i in 0..6 {
        let n = queue("big", format!("big-{i}"), i + 1);
        until_waiting(&s, n).await;
    }
    let n = queue("small", "small".into(), 7);
    until_waiting(&s, n).await;
    let _ = release.send(());
    blocker.await.expect("blocker").expect("answered");
    for t in tasks {
        t.await.expect("task").expect("answered");
    }
    let order = order.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(order.len(), 7, "{order:?}");
    assert_eq!(
        order[0], "small",
        "the account with the fewest waiting first, though it came last: {order:?}"
    );
    assert_eq!(
        order[1..],
        ["big-0", "big-1", "big-2", "big-3", "big-4", "big-5"],
        "an account's calls keep their order: {order:?}"
    );
}

/// A bucket of two with a slow refill: the third call waits for its token.
#[tokio::test]
async fn calls_wait_for_their_bucket() {
    let s = Arc::new(
        Scheduler::new(ThrottleConfig {
            ec2_read: BucketConfig {
                bucket: Some(2.0),
                refill_per_sec: Some(1000.0),
            },
            ..quick(0)
        })
        .expect("config"),
    );
    for _ in 0..5 {
        let (result, _) = flaky(&s, "DescribeVpcs", Resend::Never, 0, false).await;
        assert!(result.is_ok());
    }
    // Another account's bucket is its own, full.
    let lane = s.lane(&key("DescribeVpcs"), &s.account("111122223333"));
    let other = s.lane(
        &CallKey {
            account: "444455556666",
            ..key("DescribeVpcs")
        },
        &s.account("444455556666"),
    );
    let tokens = |l: &Lane| {
        l.bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .tokens()
    };
    assert!(tokens(&lane) < 2.0, "spent: {}", tokens(&lane));
    assert!((tokens(&other) - 2.0).abs() < f64::EPSILON);
    assert_eq!(s.stats().sent, 5);
}

/// A call sent again keeps its place: it is served before the calls its account
/// queued after it (an early call's retry does not wait for the whole account).
#[tokio::test]
async fn a_retry_waits_at_the_head_of_its_accounts_queue() {
    let slots = Arc::new(fair::FairSlots::new(1));
    let account: Arc<str> = Arc::from("111122223333");
    let held = slots.acquire(&account).await;
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (label, again) in [("first", false), ("second", false), ("retry", true)] {
        let (slots, account, order) =
            (Arc::clone(&slots), Arc::clone(&account), Arc::clone(&order));
        tasks.push(tokio::spawn(async move {
            let _slot = if again {
                slots.acquire_again(&account).await
            } else {
                slots.acquire(&account).await
            };
            order
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(label);
        }));
        // Each waits before the next comes.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }
    drop(held);
    for t in tasks {
        t.await.expect("task");
    }
    let order = order.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(order, ["retry", "first", "second"]);
}
