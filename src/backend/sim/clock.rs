//! The simulator's clock, for AWS's asynchronous state machines (a peering goes
//! `pending → available` some seconds after it is accepted).
//!
//! Invariant: the simulator never reads the system time itself; it asks its clock,
//! so tests decide when time passes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How time passes for the simulator.
#[derive(Debug, Clone, Default)]
pub enum SimClock {
    /// Every timed transition is already due: a state machine reaches its end at the
    /// next read (tests that do not care about intermediate states).
    #[default]
    Instant,
    /// Time moves only when a [`ManualClock`] advances it (tests of intermediate
    /// states).
    Manual(Arc<AtomicU64>),
    /// Real seconds since the clock was made (the demo).
    Real(std::time::Instant),
}

impl SimClock {
    /// Real seconds, starting now.
    #[must_use]
    pub fn real() -> Self {
        Self::Real(std::time::Instant::now())
    }

    /// A clock at 0 that moves only through the returned handle.
    #[must_use]
    pub fn manual() -> (Self, ManualClock) {
        let secs = Arc::new(AtomicU64::new(0));
        (Self::Manual(Arc::clone(&secs)), ManualClock(secs))
    }

    /// Seconds since the origin; `u64::MAX` for [`SimClock::Instant`].
    #[must_use]
    pub fn now(&self) -> u64 {
        match self {
            Self::Instant => u64::MAX,
            Self::Manual(secs) => secs.load(Ordering::SeqCst),
            Self::Real(start) => start.elapsed().as_secs(),
        }
    }
}

/// The handle that moves a [`SimClock::Manual`].
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// Moves time forward.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}
