//! The global in-flight limit, shared fairly: waiters queue per account (first come,
//! first served within an account) and a freed slot goes to the account with the
//! fewest calls waiting (of equals, the one that has waited longest). So an account
//! with thousands of queued calls never holds up a small one; an account reading
//! what its first answers named (a route table's searches after the listings) is
//! served at once rather than after every other account's backlog; and of many
//! similar accounts, each is served through in turn (the shortest remaining work
//! first), so accounts finish one after another instead of all at the very end. A
//! call sent again (a retry) keeps its place: it waits at the head of its account's
//! queue, not behind the calls that came after it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

#[derive(Debug, Default)]
struct State {
    free: usize,
    /// Waiters by account, in arrival order. A waiter that gave up leaves a closed
    /// sender behind, skipped when its turn comes.
    queues: HashMap<Arc<str>, VecDeque<oneshot::Sender<()>>>,
    /// Accounts with waiters, in the order they first waited. Invariant: `free > 0`
    /// only when this is empty (a freed slot goes to a waiter when there is one).
    turns: VecDeque<Arc<str>>,
}

/// A limited number of slots, handed out by account, the fewest waiting first.
#[derive(Debug)]
pub struct FairSlots {
    state: Mutex<State>,
}

/// A slot held; given back when dropped.
#[derive(Debug)]
pub struct Slot<'a> {
    slots: &'a FairSlots,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.release();
    }
}

/// A wait for a slot that may be abandoned (the call cancelled): a slot granted
/// to it after it was given up is passed on, never lost.
struct Waiting<'a> {
    slots: &'a FairSlots,
    rx: Option<oneshot::Receiver<()>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                self.slots.release();
            }
        }
    }
}

impl FairSlots {
    /// `slots` slots (at least one).
    #[must_use]
    pub fn new(slots: usize) -> Self {
        Self {
            state: Mutex::new(State {
                free: slots.max(1),
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot on behalf of `account`.
    pub async fn acquire(&self, account: &Arc<str>) -> Slot<'_> {
        self.acquire_as(account, false).await
    }

    /// Waits for a slot on behalf of `account` for a call sent again: at the head of
    /// the account's queue (it came first).
    pub async fn acquire_again(&self, account: &Arc<str>) -> Slot<'_> {
        self.acquire_as(account, true).await
    }

    async fn acquire_as(&self, account: &Arc<str>, again: bool) -> Slot<'_> {
        let rx = {
            let mut s = self.lock();
            if s.free > 0 && s.turns.is_empty() {
                s.free -= 1;
                return Slot { slots: self };
            }
            let (tx, rx) = oneshot::channel();
            let queue = s.queues.entry(Arc::clone(account)).or_default();
            let first = queue.is_empty();
            if again {
                queue.push_front(tx);
            } else {
                queue.push_back(tx);
            }
            if first {
                s.turns.push_back(Arc::clone(account));
            }
            rx
        };
        let mut waiting = Waiting {
            slots: self,
            rx: Some(rx),
        };
        if let Some(rx) = waiting.rx.as_mut() {
            // The sender is only dropped unsent when the whole scheduler goes away.
            let _ = rx.await;
        }
        waiting.rx = None;
        Slot { slots: self }
    }

    /// Hands a slot to the first live waiter of the account with the fewest waiting
    /// (the longest waiting of equals), or frees it.
    fn release(&self) {
        let mut s = self.lock();
        loop {
            let shortest = {
                let state = &*s;
                state
                    .turns
                    .iter()
                    .enumerate()
                    .min_by_key(|(at, account)| {
                        (state.queues.get(*account).map_or(0, VecDeque::len), *at)
                    })
                    .map(|(at, _)| at)
            };
            let Some(at) = shortest else { break };
            let account = Arc::clone(&s.turns[at]);
            let (next, more) = match s.queues.get_mut(&account) {
                Some(queue) => (queue.pop_front(), !queue.is_empty()),
                None => (None, false),
            };
            if !more {
                s.queues.remove(&account);
                s.turns.remove(at);
            }
            if let Some(tx) = next
                && tx.send(()).is_ok()
            {
                return;
            }
        }
        s.free += 1;
    }
}
