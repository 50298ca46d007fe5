//! API classes, their default buckets, and the `[throttle]` table of the config file.
//!
//! The EC2 figures are AWS's documented defaults ("Request throttling for the Amazon
//! EC2 API", <https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>,
//! table "Request token bucket sizes and refill rates"): each API has its own bucket
//! per account and Region, sized by the API's category. AWS documents no request rates
//! for SSM's Run Command and instance information, nor for Network Firewall: those
//! figures are netops's own choice, conservative, and say so ([`ApiClass::documented`]).

use serde::Deserialize;

/// The size of a token bucket and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketSpec {
    /// Tokens a full bucket holds: the burst.
    pub capacity: f64,
    /// Tokens added per second, up to `capacity`.
    pub refill_per_sec: f64,
}

/// Which bucket size an API gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiClass {
    /// EC2 `Describe*`, `Get*`, `List*`, `Search*` (non-mutating actions).
    Ec2Read,
    /// The EC2 reads AWS gives a smaller bucket when they are called without a
    /// filter or pagination (`DescribeInstances`, `DescribeNetworkInterfaces`,
    /// `DescribeSecurityGroups`…). netops does not know at this layer whether a call
    /// is paged, so these always get the smaller bucket: never more than AWS allows.
    Ec2ReadUnfiltered,
    /// Every other EC2 action (mutating actions).
    Ec2Change,
    /// EC2's resource-intensive mutating actions (VPC peering connections, security
    /// group ingress rules…).
    Ec2Intensive,
    /// SSM reads (`DescribeInstanceInformation`, `GetCommandInvocation`).
    SsmRead,
    /// SSM actions that do something (`SendCommand`).
    SsmChange,
    /// Network Firewall `Describe*` / `List*`.
    FirewallRead,
    /// Network Firewall changes (`UpdateFirewallPolicy`, tagging).
    FirewallChange,
    /// Any other service (STS, Organizations…).
    Other,
}

/// EC2's "unfiltered and unpaginated non-mutating actions".
const EC2_UNFILTERED: [&str; 7] = [
    "DescribeInstances",
    "DescribeInstanceStatus",
    "DescribeNetworkInterfaces",
    "DescribeSecurityGroups",
    "DescribeSnapshots",
    "DescribeSpotInstanceRequests",
    "DescribeVolumes",
];

/// EC2's "resource-intensive actions".
const EC2_INTENSIVE: [&str; 9] = [
    "AcceptVpcPeeringConnection",
    "AuthorizeSecurityGroupIngress",
    "CancelSpotInstanceRequests",
    "CreateKeyPair",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "RevokeSecurityGroupIngress",
    "RequestSpotInstances",
];

/// True for an action that only reads (`Describe*`, `Get*`, `List*`, `Search*`:
/// EC2's definition of non-mutating, and the naming every AWS service netops calls
/// follows). Only these are ever sent again by the scheduler.
#[must_use]
pub fn is_read(action: &str) -> bool {
    ["Describe", "Get", "List", "Search"]
        .iter()
        .any(|p| action.starts_with(p))
}

impl ApiClass {
    /// Every class, in the order the config lists them.
    pub const ALL: [Self; 9] = [
        Self::Ec2Read,
        Self::Ec2ReadUnfiltered,
        Self::Ec2Change,
        Self::Ec2Intensive,
        Self::SsmRead,
        Self::SsmChange,
        Self::FirewallRead,
        Self::FirewallChange,
        Self::Other,
    ];

    /// The class of `action` of `service` (`ec2`, `ssm`, `network-firewall`, …).
    #[must_use]
    pub fn of(service: &str, action: &str) -> Self {
        let read = is_read(action);
        match service {
            "ec2" if EC2_UNFILTERED.contains(&action) => Self::Ec2ReadUnfiltered,
            "ec2" if EC2_INTENSIVE.contains(&action) => Self::Ec2Intensive,
            "ec2" if read => Self::Ec2Read,
            "ec2" => Self::Ec2Change,
            "ssm" if read => Self::SsmRead,
            "ssm" => Self::SsmChange,
            "network-firewall" if read => Self::FirewallRead,
            "network-firewall" => Self::FirewallChange,
            _ => Self::Other,
        }
    }

    /// The key of this class in the config's `[throttle]` table.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ec2Read => "ec2_read",
            Self::Ec2ReadUnfiltered => "ec2_read_unfiltered",
            Self::Ec2Change => "ec2_change",
            Self::Ec2Intensive => "ec2_intensive",
            Self::SsmRead => "ssm_read",
            Self::SsmChange => "ssm_change",
            Self::FirewallRead => "firewall_read",
            Self::FirewallChange => "firewall_change",
            Self::Other => "other",
        }
    }

    /// True when [`ApiClass::default_spec`] is AWS's documented figure; false when
    /// AWS documents none and netops chose it.
    #[must_use]
    pub fn documented(self) -> bool {
        matches!(
            self,
            Self::Ec2Read | Self::Ec2ReadUnfiltered | Self::Ec2Change | Self::Ec2Intensive
        )
    }

    /// The bucket each API of this class gets unless the config says otherwise.
    #[must_use]
    pub fn default_spec(self) -> BucketSpec {
        let (capacity, refill_per_sec) = match self {
            // AWS's documented EC2 defaults (bucket maximum capacity, refill rate).
            Self::Ec2Read => (100.0, 20.0),
            Self::Ec2ReadUnfiltered => (50.0, 10.0),
            Self::Ec2Change | Self::Ec2Intensive => (50.0, 5.0),
            // Chosen: AWS documents no request rate for these SSM and Network
            // Firewall APIs. A region reads each once or a few times; these figures
            // never slow that, and keep a whole organization's reads well below
            // what the services answered in practice.
            Self::SsmRead | Self::FirewallRead => (20.0, 5.0),
            Self::SsmChange | Self::FirewallChange => (10.0, 2.0),
            // Chosen, for services netops does not call yet (STS, Organizations).
            Self::Other => (20.0, 5.0),
        };
        BucketSpec {
            capacity,
            refill_per_sec,
        }
    }
}

/// One class's bucket as the config file gives it; what is left out keeps its
/// default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BucketConfig {
    /// Tokens a full bucket holds (at least 1).
    pub bucket: Option<f64>,
    /// Tokens added per second (more than 0; fractions allowed, as AWS uses them).
    pub refill_per_sec: Option<f64>,
}

/// The config file's `[throttle]` table. Every key is optional.
///
/// ```toml
/// [throttle]
/// max_concurrency = 64        # calls in flight at once, all accounts and regions
/// read_retries = 12           # a throttled read is sent again up to this many times
/// backoff_base_ms = 100       # first wait before a retry (doubling, with jitter)
/// backoff_max_ms = 5000       # the longest wait before a retry
///
/// [throttle.ec2_read]         # any class: ec2_read, ec2_read_unfiltered, ec2_change,
/// bucket = 100                # ec2_intensive, ssm_read, ssm_change, firewall_read,
/// refill_per_sec = 20         # firewall_change, other
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    pub max_concurrency: Option<usize>,
    pub read_retries: Option<u32>,
    pub backoff_base_ms: Option<u64>,
    pub backoff_max_ms: Option<u64>,
    pub ec2_read: BucketConfig,
    pub ec2_read_unfiltered: BucketConfig,
    pub ec2_change: BucketConfig,
    pub ec2_intensive: BucketConfig,
    pub ssm_read: BucketConfig,
    pub ssm_change: BucketConfig,
    pub firewall_read: BucketConfig,
    pub firewall_change: BucketConfig,
    pub other: BucketConfig,
}

// Equality of configs compares the figures as written; `validate` refuses NaN, so
// equality is reflexive for every config netops accepts (the config file derives
// `Eq`).
impl Eq for ThrottleConfig {}

/// The default in-flight limit: enough to keep many regions and accounts busy, few
/// enough that a machine's connections and memory stay modest.
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;
/// How many times a throttled read is sent again before its error is surfaced.
pub const DEFAULT_READ_RETRIES: u32 = 12;
/// The first wait before a retry, doubling after each.
pub const DEFAULT_BACKOFF_BASE_MS: u64 = 100;
/// The longest wait before a retry.
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 5_000;

impl ThrottleConfig {
    /// The config entry of `class`.
    #[must_use]
    pub fn class(&self, class: ApiClass) -> BucketConfig {
        match class {
            ApiClass::Ec2Read => self.ec2_read,
            ApiClass::Ec2ReadUnfiltered => self.ec2_read_unfiltered,
            ApiClass::Ec2Change => self.ec2_change,
            ApiClass::Ec2Intensive => self.ec2_intensive,
            ApiClass::SsmRead => self.ssm_read,
            ApiClass::SsmChange => self.ssm_change,
            ApiClass::FirewallRead => self.firewall_read,
            ApiClass::FirewallChange => self.firewall_change,
            ApiClass::Other => self.other,
        }
    }

    /// The bucket each API of `class` gets: the config's figures over the defaults.
    #[must_use]
    pub fn spec(&self, class: ApiClass) -> BucketSpec {
        let d = class.default_spec();
        let c = self.class(class);
        BucketSpec {
            capacity: c.bucket.unwrap_or(d.capacity),
            refill_per_sec: c.refill_per_sec.unwrap_or(d.refill_per_sec),
        }
    }

    /// Checks every figure.
    ///
    /// # Errors
    /// A sentence naming the key and what it must be.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_concurrency == Some(0) {
            return Err("max_concurrency must be at least 1".into());
        }
        if let (Some(base), Some(max)) = (self.backoff_base_ms, self.backoff_max_ms)
            && base > max
        {
            return Err(format!(
                "backoff_base_ms ({base}) must not exceed backoff_max_ms ({max})"
            ));
        }
        for class in ApiClass::ALL {
            let c = self.class(class);
            let name = class.name();
            if let Some(b) = c.bucket
                && !(b.is_finite() && b >= 1.0)
            {
                return Err(format!(
                    "{name}.bucket must be a number of at least 1, not {b}"
                ));
            }
            if let Some(r) = c.refill_per_sec
                && !(r.is_finite() && r > 0.0)
            {
                return Err(format!(
                    "{name}.refill_per_sec must be a number above 0, not {r}"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_fall_into_aws_categories() {
        assert_eq!(ApiClass::of("ec2", "DescribeVpcs"), ApiClass::Ec2Read);
        assert_eq!(
            ApiClass::of("ec2", "SearchTransitGatewayRoutes"),
            ApiClass::Ec2Read
        );
        assert_eq!(
            ApiClass::of("ec2", "DescribeNetworkInterfaces"),
            ApiClass::Ec2ReadUnfiltered
        );
        assert_eq!(
            ApiClass::of("ec2", "CreateTransitGatewayRoute"),
            ApiClass::Ec2Change
        );
        assert_eq!(
            ApiClass::of("ec2", "AcceptVpcPeeringConnection"),
            ApiClass::Ec2Intensive
        );
        assert_eq!(ApiClass::of("ssm", "SendCommand"), ApiClass::SsmChange);
        assert_eq!(
            ApiClass::of("ssm", "GetCommandInvocation"),
            ApiClass::SsmRead
        );
        assert_eq!(
            ApiClass::of("network-firewall", "UpdateFirewallPolicy"),
            ApiClass::FirewallChange
        );
        assert_eq!(ApiClass::of("sts", "AssumeRole"), ApiClass::Other);
        assert!(is_read("ListFirewalls") && !is_read("AcceptTransitGatewayPeeringAttachment"));
        let d = ApiClass::Ec2Read.default_spec();
        assert!((d.capacity - 100.0).abs() < f64::EPSILON);
        assert!((d.refill_per_sec - 20.0).abs() < f64::EPSILON);
    }

    #[test]
    fn the_config_overrides_one_figure_and_refuses_nonsense() {
        let c: ThrottleConfig =
            toml::from_str("max_concurrency = 8\n[ec2_read]\nrefill_per_sec = 0.5\n")
                .expect("parses");
        c.validate().expect("valid");
        let s = c.spec(ApiClass::Ec2Read);
        assert!((s.capacity - 100.0).abs() < f64::EPSILON, "kept: {s:?}");
        assert!((s.refill_per_sec - 0.5).abs() < f64::EPSILON, "{s:?}");
        for bad in [
            "[ec2_read]\nbucket = 0.5\n",
            "[ssm_read]\nrefill_per_sec = 0\n",
            "max_concurrency = 0\n",
            "backoff_base_ms = 10\nbackoff_max_ms = 5\n",
        ] {
            let c: ThrottleConfig = toml::from_str(bad).expect("parses");
            assert!(c.validate().is_err(), "{bad}");
        }
        assert!(toml::from_str::<ThrottleConfig>("[ec2_raed]\nbucket = 5\n").is_err());
    }
}
