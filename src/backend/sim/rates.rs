//! AWS's side of throttling in the simulator: per account × region × API token
//! buckets that answer throttling when empty ([`super::Faults::rate_limits`]), and
//! throttling at random ([`super::Faults::throttle_percent`]), decided when a request
//! arrives, before anything is done.
//!
//! Invariants:
//! - A refused request spends no token (AWS's bucket had none to give) and changes
//!   nothing.
//! - Buckets are AWS's: one per account, region and API. Accounts never share one.
//! - The random draw is a hash of the seed, the account, the region, the API and the
//!   call's number for that API in that account and region: a run repeats, whatever
//!   the timing (which of two concurrent calls of one API gets the n-th number may
//!   vary).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::Faults;
use crate::backend::throttle::{ApiClass, Bucket};
use crate::backend::{BackendError, ErrorKind};

/// The service an API belongs to (the simulator names only the API).
#[must_use]
pub fn service_of(api: &str) -> &'static str {
    match api {
        "SendCommand" | "GetCommandInvocation" | "DescribeInstanceInformation" => "ssm",
        "ListFirewalls"
        | "DescribeFirewall"
        | "ListFirewallPolicies"
        | "DescribeFirewallPolicy"
        | "ListRuleGroups"
        | "DescribeRuleGroup"
        | "UpdateFirewallPolicy"
        | "TagResource"
        | "UntagResource" => "network-firewall",
        _ => "ec2",
    }
}

/// AWS's throttling code for `service`.
fn code(service: &str) -> &'static str {
    if service == "ec2" {
        "RequestLimitExceeded"
    } else {
        "ThrottlingException"
    }
}

/// Who a call counts against: account, region, API.
pub type RateKey = (String, String, String);

/// What AWS keeps per account: buckets, draws, and what it answered, each by
/// account, region and API.
#[derive(Debug, Default)]
pub struct AwsRates {
    buckets: HashMap<RateKey, Bucket>,
    draws: HashMap<RateKey, u64>,
    /// Calls let through (not refused for the rate).
    answered: BTreeMap<RateKey, u64>,
}

/// A number from a hash of the parts (FNV-1a, then SplitMix64's finaliser).
fn draw(seed: u64, parts: &[&str], n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut z = h ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl AwsRates {
    /// Decides whether a call of `api` arriving at `now` is refused for the rate.
    pub fn arrive(
        &mut self,
        faults: &Faults,
        account: &str,
        region: &str,
        api: &str,
        now: Duration,
    ) -> Option<BackendError> {
        let key = (account.to_string(), region.to_string(), api.to_string());
        let service = service_of(api);
        let refused = |why: &str| {
            Some(
                BackendError::new(
                    ErrorKind::Throttled,
                    format!(
                        "{api} in {region} was throttled ({}: {why}) and retries are exhausted; try again in a moment",
                        code(service)
                    ),
                )
                .in_region(region),
            )
        };
        if faults.throttle_percent > 0 {
            let n = self.draws.entry(key.clone()).or_insert(0);
            let this = *n;
            *n += 1;
            let percent = u64::from(faults.throttle_percent.min(100));
            if draw(faults.throttle_seed, &[account, region, api], this) % 100 < percent {
                return refused("simulated");
            }
        }
        if faults.rate_limits {
            let spec = ApiClass::of(service, api).default_spec();
            let bucket = self
                .buckets
                .entry(key.clone())
                .or_insert_with(|| Bucket::fixed(spec, now));
            if bucket.try_take(now).is_err() {
                return refused("the account's bucket for it is empty");
            }
        }
        *self.answered.entry(key).or_insert(0) += 1;
        None
    }

    /// Calls let through so far, by (account, region, API).
    #[must_use]
    pub fn answered(&self) -> BTreeMap<RateKey, u64> {
        self.answered.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_throttling_is_seeded_and_near_its_percent() {
        let faults = Faults {
            throttle_percent: 30,
            throttle_seed: 7,
            ..Faults::default()
        };
        let run = || {
            let mut rates = AwsRates::default();
            (0..2000)
                .map(|_| {
                    rates
                        .arrive(&faults, "1", "us-east-1", "DescribeVpcs", Duration::ZERO)
                        .is_some()
                })
                .collect::<Vec<bool>>()
        };
        let first = run();
        assert_eq!(first, run(), "the same seed throttles the same calls");
        let throttled = first.iter().filter(|t| **t).count();
        assert!((500..700).contains(&throttled), "{throttled} of 2000");
        let other = Faults {
            throttle_seed: 8,
            ..faults.clone()
        };
        let mut rates = AwsRates::default();
        let second: Vec<bool> = (0..2000)
            .map(|_| {
                rates
                    .arrive(&other, "1", "us-east-1", "DescribeVpcs", Duration::ZERO)
                    .is_some()
            })
            .collect();
        assert_ne!(first, second, "another seed, another draw");
    }

    #[test]
    fn an_empty_bucket_answers_throttling_and_refills() {
        let faults = Faults {
            rate_limits: true,
            ..Faults::default()
        };
        let mut rates = AwsRates::default();
        let arrive = |rates: &mut AwsRates, api: &str, at: f64| {
            rates.arrive(&faults, "1", "us-east-1", api, Duration::from_secs_f64(at))
        };
        // EC2's non-mutating bucket: 100, then 20 a second.
        for i in 0..100 {
            assert!(arrive(&mut rates, "DescribeVpcs", 0.0).is_none(), "{i}");
        }
        let refused = arrive(&mut rates, "DescribeVpcs", 0.0).expect("empty");
        assert_eq!(refused.kind, ErrorKind::Throttled);
        assert!(
            refused.message.contains("RequestLimitExceeded"),
            "{}",
            refused.message
        );
        // Another API has its own bucket, and so has another account.
        assert!(arrive(&mut rates, "DescribeSubnets", 0.0).is_none());
        assert!(
            rates
                .arrive(&faults, "2", "us-east-1", "DescribeVpcs", Duration::ZERO)
                .is_none(),
            "another account's bucket is full"
        );
        // A second later, twenty more.
        let later = (0..25)
            .filter(|_| arrive(&mut rates, "DescribeVpcs", 1.0).is_none())
            .count();
        assert_eq!(later, 20);
        let answered = rates.answered();
        let key = |account: &str| {
            (
                account.to_string(),
                "us-east-1".to_string(),
                "DescribeVpcs".to_string(),
            )
        };
        assert_eq!(answered.get(&key("1")), Some(&120));
        assert_eq!(answered.get(&key("2")), Some(&1));
    }
}
