//! The global in-flight limit, shared fairly: waiters queue per account (first come,
//! first served within an account) and a freed slot goes to the next account in
//! turn, so an account with thousands of queued calls gets one slot in N, never the
//! whole queue ahead of a small account.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

#[derive(Debug, Default)]
struct State {
    free: usize,
    /// Waiters by account, in arrival order. A waiter that gave up leaves a closed
    /// sender behind, skipped when its turn comes.
    queues: HashMap<Arc<str>, VecDeque<oneshot::Sender<()>>>,
    /// Accounts with waiters, in the order they are served. Invariant: `free > 0`
    /// only when this is empty (a freed slot goes to a waiter when there is one).
    turns: VecDeque<Arc<str>>,
}

/// A limited number of slots, handed out round-robin by account.
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
        let rx = {
            let mut s = self.lock();
            if s.free > 0 && s.turns.is_empty() {
                s.free -= 1;
                return Slot { slots: self };
            }
            let (tx, rx) = oneshot::channel();
            let queue = s.queues.entry(Arc::clone(account)).or_default();
            let first = queue.is_empty();
            queue.push_back(tx);
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

    /// Hands a slot to the next account's first live waiter, or frees it.
    fn release(&self) {
        let mut s = self.lock();
        while let Some(account) = s.turns.pop_front() {
            let (next, more) = match s.queues.get_mut(&account) {
                Some(queue) => (queue.pop_front(), !queue.is_empty()),
                None => (None, false),
            };
            if more {
                s.turns.push_back(Arc::clone(&account));
            } else {
                s.queues.remove(&account);
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
