//! A token bucket that adapts to what AWS answers, and the back-off between retries.
//!
//! Pure: time is passed in (`now`, a [`Duration`] since any fixed origin), so tests
//! drive it with a clock of their own.
//!
//! How it adapts (AIMD):
//! - A throttled answer gives its token back: AWS refused the request before it
//!   counted (an empty bucket has nothing to take).
//! - The rate is cut only when throttled answers dominate: when the throttled share
//!   of recent answers (a moving average over about [`SHARE_WINDOW`] answers) reaches
//!   one half, the refill rate halves (never below a tenth of the configured rate)
//!   and the bucket is emptied, at most once per [`CUT_COOLDOWN`]. Cutting on every
//!   single throttle would collapse the rate under the occasional throttling AWS
//!   answers anyway (and under the simulator's random throttling), although sending
//!   slower would not have avoided those: their retries absorb them.
//! - The rate then recovers by a twentieth of the configured rate per second, so a
//!   halved rate is whole again after ten seconds without another cut.

use std::time::Duration;

use super::classes::BucketSpec;

/// The moving average of the throttled share weighs each answer 1/`SHARE_WINDOW`.
pub const SHARE_WINDOW: f64 = 32.0;
/// The throttled share of recent answers at which the rate is cut.
pub const CUT_SHARE: f64 = 0.5;
/// What a cut multiplies the rate by.
pub const CUT_FACTOR: f64 = 0.5;
/// The lowest rate, as a share of the configured one.
pub const RATE_FLOOR: f64 = 0.1;
/// How fast the rate recovers: this share of the configured rate per second.
pub const RECOVERY_PER_SEC: f64 = 0.05;
/// The shortest time between two cuts.
pub const CUT_COOLDOWN: Duration = Duration::from_secs(1);
/// How many times the back-off doubles for a read throttled now and then (its
/// bucket's throttles a minority, see [`Bucket::throttles_dominate`]): at most
/// 2 × the base (100–200 ms by default).
pub const OCCASIONAL_DOUBLINGS: u32 = 1;

/// One account's bucket for one API in one region.
#[derive(Debug, Clone)]
pub struct Bucket {
    spec: BucketSpec,
    /// The refill rate in force (the configured one unless cut).
    rate: f64,
    tokens: f64,
    /// When `tokens` and `rate` were last brought up to date.
    at: Duration,
    /// Moving average of throttled answers (1) among all answers (0).
    throttled_share: f64,
    last_cut: Option<Duration>,
    /// False for AWS's own bucket in the simulator: fixed, never adapting.
    adaptive: bool,
}

impl Bucket {
    /// A full bucket that adapts to throttling (the client's).
    #[must_use]
    pub fn adaptive(spec: BucketSpec, now: Duration) -> Self {
        Self {
            spec,
            rate: spec.refill_per_sec,
            tokens: spec.capacity,
            at: now,
            throttled_share: 0.0,
            last_cut: None,
            adaptive: true,
        }
    }

    /// A full bucket with a fixed rate (what AWS keeps for an account: the
    /// simulator's).
    #[must_use]
    pub fn fixed(spec: BucketSpec, now: Duration) -> Self {
        Self {
            adaptive: false,
            ..Self::adaptive(spec, now)
        }
    }

    /// The refill rate in force, tokens per second.
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// True when throttled answers dominate the bucket's recent answers, or its rate
    /// is still cut from when they did: AWS's bucket runs short (someone else spends
    /// the account's tokens), not just now and then.
    #[must_use]
    pub fn throttles_dominate(&self) -> bool {
        self.throttled_share >= CUT_SHARE || self.rate < self.spec.refill_per_sec
    }

    /// Tokens in the bucket as of the last update (may be fractional).
    #[must_use]
    pub fn tokens(&self) -> f64 {
        self.tokens
    }

    fn advance(&mut self, now: Duration) {
        let dt = now.saturating_sub(self.at).as_secs_f64();
        if dt <= 0.0 {
            return;
        }
        self.tokens = (self.tokens + dt * self.rate).min(self.spec.capacity);
        if self.adaptive {
            self.rate = (self.rate + dt * RECOVERY_PER_SEC * self.spec.refill_per_sec)
                .min(self.spec.refill_per_sec);
        }
        self.at = now;
    }

    /// Takes a token, or says how long until one is there.
    ///
    /// # Errors
    /// The wait until the next token, when the bucket is empty.
    pub fn try_take(&mut self, now: Duration) -> Result<(), Duration> {
        self.advance(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - self.tokens) / self.rate;
        Err(Duration::from_secs_f64(wait.max(0.000_1)))
    }

    /// Records an answer to a call that took a token. Returns true when this answer
    /// cut the rate.
    pub fn answered(&mut self, now: Duration, throttled: bool) -> bool {
        self.advance(now);
        let sample = if throttled { 1.0 } else { 0.0 };
        self.throttled_share += (sample - self.throttled_share) / SHARE_WINDOW;
        if !throttled || !self.adaptive {
            return false;
        }
        // AWS did not count the refused request: its token is still ours.
        self.tokens = (self.tokens + 1.0).min(self.spec.capacity);
        let cooled = self
            .last_cut
            .is_none_or(|at| now.saturating_sub(at) >= CUT_COOLDOWN);
        if self.throttled_share < CUT_SHARE || !cooled {
            return false;
        }
        self.rate = (self.rate * CUT_FACTOR).max(self.spec.refill_per_sec * RATE_FLOOR);
        // Someone else spends this account's tokens: ours are not there either.
        self.tokens = self.tokens.min(0.0);
        self.last_cut = Some(now);
        // A new observation starts at the new rate.
        self.throttled_share = 0.0;
        true
    }
}

/// How many times the back-off before retry number `retry` (0 for the first) of a
/// throttled read doubles: `retry` while throttles dominate its bucket, at most
/// [`OCCASIONAL_DOUBLINGS`] while they come now and then. AWS refusing a request
/// now and then (while the scheduler keeps within the bucket) says nothing about the
/// next one: waiting longer would not make it likelier to pass, only hold up the one
/// read, and with thousands of calls some are refused many times in a row. When
/// throttles dominate, the bucket is short, and waits grow to the cap.
#[must_use]
pub fn doublings(retry: u32, throttles_dominate: bool) -> u32 {
    if throttles_dominate {
        retry
    } else {
        retry.min(OCCASIONAL_DOUBLINGS)
    }
}

/// The wait before retry number `retry` (0 for the first): exponential from `base`,
/// capped at `cap`, with "equal jitter": half the ceiling for sure, the other half
/// scaled by `unit` (a random number in [0, 1]), so retries spread out but never
/// come straight back.
#[must_use]
pub fn backoff(retry: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    let ceiling = base.saturating_mul(1u32 << retry.min(20)).min(cap);
    let half = ceiling / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: BucketSpec = BucketSpec {
        capacity: 100.0,
        refill_per_sec: 20.0,
    };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn a_full_bucket_bursts_then_refills_at_its_rate() {
        let mut b = Bucket::adaptive(SPEC, Duration::ZERO);
        for i in 0..100 {
            assert_eq!(b.try_take(Duration::ZERO), Ok(()), "token {i}");
        }
        let wait = b.try_take(Duration::ZERO).expect_err("empty");
        assert!(close(wait.as_secs_f64(), 1.0 / 20.0), "{wait:?}");
        // One second later: twenty tokens, not more.
        let mut taken = 0;
        while b.try_take(secs(1.0)).is_ok() {
            taken += 1;
        }
        assert_eq!(taken, 20);
        // Never more than the capacity, however long it rests.
        let mut taken = 0;
        while b.try_take(secs(1000.0)).is_ok() {
            taken += 1;
        }
        assert_eq!(taken, 100);
    }

    #[test]
    fn a_throttled_answer_gives_its_token_back() {
        let mut b = Bucket::adaptive(SPEC, Duration::ZERO);
        b.try_take(Duration::ZERO).expect("token");
        assert!(close(b.tokens(), 99.0));
        assert!(
            !b.answered(Duration::ZERO, true),
            "one throttle cuts nothing"
        );
        assert!(close(b.tokens(), 100.0), "{}", b.tokens());
        assert!(close(b.rate(), 20.0));
    }

    #[test]
    fn occasional_throttling_never_cuts_the_rate() {
        // One answer in three throttled, for a long time (the simulator's 30 %).
        let mut b = Bucket::adaptive(SPEC, Duration::ZERO);
        for i in 0..10_000u32 {
            let now = secs(f64::from(i) / 20.0);
            let _ = b.try_take(now);
            assert!(!b.answered(now, i % 3 == 0), "cut at answer {i}");
        }
        assert!(close(b.rate(), 20.0));
    }

    #[test]
    fn dominant_throttling_cuts_by_half_once_per_cooldown_then_recovers_slowly() {
        let mut b = Bucket::adaptive(SPEC, Duration::ZERO);
        let mut cuts = Vec::new();
        // Every answer throttled, 100 answers over one second.
        for i in 0..100u32 {
            let now = secs(f64::from(i) / 100.0);
            if b.answered(now, true) {
                cuts.push((i, b.rate(), b.tokens()));
            }
        }
        assert_eq!(cuts.len(), 1, "one cut within the cooldown: {cuts:?}");
        // The share reaches one half at the 22nd throttled answer (1 - (31/32)^22 ≥ ½).
        let (at, rate, tokens) = cuts[0];
        assert_eq!(at, 21, "{cuts:?}");
        assert!(close(rate, 10.0), "halved: {rate}");
        assert!(tokens <= 0.0, "emptied at the cut: {tokens}");
        // Still throttled after each cooldown: cut again, never below the floor.
        let mut last_cut = Duration::ZERO;
        let mut rates = Vec::new();
        for round in 1..=20u32 {
            let start = 1.0 + f64::from(round) * 1.5;
            for i in 0..40u32 {
                let now = secs(start + f64::from(i) / 1000.0);
                if b.answered(now, true) {
                    last_cut = now;
                    rates.push(b.rate());
                }
            }
        }
        assert_eq!(rates.len(), 20, "one cut a round: {rates:?}");
        assert!(rates.windows(2).all(|w| w[1] <= w[0]), "{rates:?}");
        assert!(close(rates[19], 2.0), "the floor is a tenth: {rates:?}");
        // No more throttling: a twentieth of the rate back per second, 18 s to whole.
        let _ = b.answered(last_cut + secs(9.0), false);
        assert!(close(b.rate(), 2.0 + 9.0), "{}", b.rate());
        let _ = b.answered(last_cut + secs(18.0), false);
        assert!(close(b.rate(), 20.0), "{}", b.rate());
        let _ = b.answered(last_cut + secs(100.0), false);
        assert!(close(b.rate(), 20.0), "never above the configured rate");
    }

    #[test]
    fn a_fixed_bucket_never_adapts() {
        let mut b = Bucket::fixed(SPEC, Duration::ZERO);
        for i in 0..200u32 {
            assert!(!b.answered(secs(f64::from(i) / 100.0), true));
        }
        assert!(close(b.rate(), 20.0));
        assert!(close(b.tokens(), 100.0));
    }

    #[test]
    fn occasional_throttles_keep_the_back_off_short_dominant_ones_grow_it() {
        let mut b = Bucket::adaptive(SPEC, Duration::ZERO);
        // One answer in three throttled: a minority.
        for i in 0..300u32 {
            let now = secs(f64::from(i) / 20.0);
            let _ = b.try_take(now);
            let _ = b.answered(now, i % 3 == 0);
        }
        assert!(!b.throttles_dominate());
        assert_eq!(doublings(0, false), 0);
        assert_eq!(doublings(9, false), OCCASIONAL_DOUBLINGS);
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        assert_eq!(
            backoff(doublings(9, false), base, cap, 1.0),
            Duration::from_millis(200)
        );
        // Every answer throttled: the rate is cut, and waits grow to the cap.
        let mut i = 300u32;
        while !b.throttles_dominate() {
            i += 1;
            let _ = b.answered(secs(f64::from(i) / 20.0), true);
        }
        assert!(b.rate() < 20.0, "cut: {}", b.rate());
        assert_eq!(doublings(9, true), 9);
        assert_eq!(backoff(doublings(9, true), base, cap, 1.0), cap);
    }

    #[test]
    fn backoff_doubles_to_its_cap_with_equal_jitter() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        assert_eq!(backoff(0, base, cap, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(0, base, cap, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_millis(800));
        assert_eq!(backoff(3, base, cap, 0.5), Duration::from_millis(600));
        assert_eq!(backoff(9, base, cap, 1.0), cap);
        assert_eq!(backoff(40, base, cap, 0.0), cap / 2, "no overflow");
    }
}
