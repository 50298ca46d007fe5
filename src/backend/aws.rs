//! The AWS backend: real aws-sdk clients, one set per region, built from one
//! `aws-config` load.
//!
//! Invariants:
//! - No aws-sdk type appears in a public signature except [`RegionClients`] and
//!   [`AwsBackend::from_clients`], the seam tests use to inject mocked or moto clients.
//! - Every list call is fully paginated; the independent calls of a region run
//!   concurrently, and per-route-table reads run at most [`TABLE_CONCURRENCY`] at once.
//! - An EC2 failure fails the whole region with a classified [`BackendError`] naming
//!   the region and the API call. Network Firewall and SSM are optional: their
//!   failures become [`Gap`]s and the rest of the region still loads.
//! - `SearchTransitGatewayRoutes` is never sent `MaxResults` (the default is the API
//!   maximum, 1000, and some emulators reject the parameter).
//!   [`RouteQuery::PrefixLists`] is answered from `GetTransitGatewayPrefixListReferences`.
//! - The route tables' own association lists are authoritative for an attachment's
//!   association.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types as ec2;
use futures::{StreamExt, TryStreamExt};
use ipnet::IpNet;

use super::{Backend, BackendError, BackendInfo, ErrorKind, RoutePage, RouteQuery};
use crate::model::{
    Account, AttachmentAssociation, AttachmentKind, AttachmentState, Destination, FirewallEndpoint,
    FirewallPolicy, Gap, Instance, InternetGateway, NatGateway, NetworkFirewall, Peering,
    PeeringSide, PingStatus, RegionEstate, ResourceState, RouteState, RouteTableLink, RouteTarget,
    RouteType, RuleGroup, RuleGroupKind, RuleGroupRef, SsmStatus, Subnet, TgwAttachment, TgwRoute,
    TgwRouteTable, Toggle, TransitGateway, Vpc, VpcEndpoint, VpcRoute, VpcRouteTable,
    VpcRouteTableAssociation, VpcRouteTarget, name_tag,
};

/// How many TGW route tables (associations, propagations, routes) are read at once.
pub const TABLE_CONCURRENCY: usize = 4;

/// How many per-resource describe calls (firewalls, policies, rule groups) run at once.
const DESCRIBE_CONCURRENCY: usize = 4;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Profile name from `~/.aws/config`; `None` uses the default chain.
    pub profile: Option<String>,
    /// The region to read first; `None` uses the profile's region.
    pub home_region: Option<String>,
    /// A custom endpoint (moto, LocalStack, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Attempts per call, retries included (at least 1).
    pub max_attempts: u32,
    /// A limit on each call, retries included.
    pub operation_timeout: Option<Duration>,
}

/// The clients of one region. A test seam: tests build these from mocked or moto
/// clients and pass them to [`AwsBackend::from_clients`].
#[derive(Debug, Clone)]
pub struct RegionClients {
    pub ec2: aws_sdk_ec2::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub firewall: aws_sdk_networkfirewall::Client,
}

/// The AWS backend.
#[derive(Debug)]
pub struct AwsBackend {
    /// `None` for a backend built from fixed clients (tests).
    sdk_config: Option<SdkConfig>,
    label: String,
    home_region: Option<String>,
    clients: Mutex<HashMap<String, RegionClients>>,
}

impl AwsBackend {
    /// Loads the AWS configuration (profile, region, credentials chain, retries,
    /// timeouts). Credentials are resolved lazily, on the first call.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] when no region can be determined.
    pub async fn connect(opts: AwsOptions) -> Result<Self, BackendError> {
        let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(3));
        if let Some(t) = opts.operation_timeout {
            timeouts = timeouts.operation_timeout(t);
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)))
            .timeout_config(timeouts.build());
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &opts.home_region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let label = opts
            .profile
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let Some(region) = config.region().map(|r| r.as_ref().to_string()) else {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "no AWS region for profile {label}: pass --region or set `region` in the profile"
                ),
            ));
        };
        tracing::info!(profile = %label, region, endpoint = ?opts.endpoint_url, "aws configuration loaded");
        Ok(Self {
            sdk_config: Some(config),
            label,
            home_region: Some(region),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// A backend over fixed per-region clients (tests: mocks or moto). Regions not in
    /// the list fail with an error. The first region is the home region.
    #[must_use]
    pub fn from_clients(label: &str, clients: Vec<(String, RegionClients)>) -> Self {
        let home_region = clients.first().map(|(r, _)| r.clone());
        Self {
            sdk_config: None,
            label: label.to_string(),
            home_region,
            clients: Mutex::new(clients.into_iter().collect()),
        }
    }

    /// The region read first when none is named.
    #[must_use]
    pub fn home_region(&self) -> Option<String> {
        self.home_region.clone()
    }

    /// The clients of `region`, built on first use.
    fn clients(&self, region: &str) -> Result<RegionClients, BackendError> {
        let mut cache = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(region) {
            return Ok(c.clone());
        }
        let Some(config) = &self.sdk_config else {
            return Err(BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "region {region} is not configured for backend {}",
                    self.label
                ),
            )
            .in_region(region));
        };
        let r = Region::new(region.to_string());
        let built = RegionClients {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(config)
                    .region(r.clone())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(config)
                    .region(r.clone())
                    .build(),
            ),
            firewall: aws_sdk_networkfirewall::Client::from_conf(
                aws_sdk_networkfirewall::config::Builder::from(config)
                    .region(r)
                    .build(),
            ),
        };
        cache.insert(region.to_string(), built.clone());
        Ok(built)
    }

    fn cx<'a>(&'a self, region: &'a str) -> Cx<'a> {
        Cx {
            region,
            profile: &self.label,
        }
    }
}

// ---------------------------------------------------------------------------------
// Error classification

/// Where a call was made, for error messages.
#[derive(Clone, Copy)]
struct Cx<'a> {
    region: &'a str,
    profile: &'a str,
}

impl Cx<'_> {
    /// Awaits one SDK call, logging it, and classifies its error.
    async fn call<T, E>(
        self,
        service: &'static str,
        action: &'static str,
        fut: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, BackendError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let start = Instant::now();
        let result = fut.await;
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(_) => tracing::debug!(region = self.region, service, action, ms, "call ok"),
            Err(e) => tracing::debug!(
                region = self.region,
                service,
                action,
                ms,
                error = %DisplayErrorContext(e),
                "call failed"
            ),
        }
        result.map_err(|e| classify(&e, self, service, action))
    }
}

fn service_title(service: &str) -> &str {
    match service {
        "ec2" => "EC2",
        "ssm" => "SSM",
        "network-firewall" => "Network Firewall",
        other => other,
    }
}

/// Turns an SDK error into a [`BackendError`] an operator can act on.
fn classify<E>(
    err: &SdkError<E, HttpResponse>,
    cx: Cx<'_>,
    service: &str,
    action: &str,
) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let region = cx.region;
    let profile = cx.profile;
    let title = service_title(service);
    let detail = error_chain(err);
    let (kind, message) = match err {
        SdkError::DispatchFailure(d) => {
            if d.is_timeout() {
                (
                    ErrorKind::Timeout,
                    format!(
                        "{action} in {region} timed out connecting to the {title} endpoint: {detail}; check --endpoint-url / network"
                    ),
                )
            } else if !d.is_io() && mentions_credentials(&detail) {
                credentials_error(profile, region, action, &detail)
            } else {
                (
                    ErrorKind::Unreachable,
                    format!(
                        "cannot reach the {title} endpoint for {region} ({action}): {detail}; check --endpoint-url / network"
                    ),
                )
            }
        }
        SdkError::TimeoutError(_) => (
            ErrorKind::Timeout,
            format!(
                "{action} in {region} timed out (the {title} endpoint did not answer in time); try again, or raise --call-timeout"
            ),
        ),
        SdkError::ConstructionFailure(_) => {
            if mentions_credentials(&detail) {
                credentials_error(profile, region, action, &detail)
            } else {
                (
                    ErrorKind::Other,
                    format!("could not build the {action} request for {region}: {detail}"),
                )
            }
        }
        _ => {
            let code = err.code().unwrap_or_default();
            let msg = err.message().unwrap_or_default();
            let status = err.raw_response().map(|r| r.status().as_u16());
            classify_code(code, msg, status, cx, title, service, action, &detail)
        }
    };
    BackendError::new(kind, message).in_region(region)
}

/// The error and its causes, `Display` only, without repeats: short enough for a
/// status line (the full debug form goes to the log).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    let mut joined = parts.join(": ");
    if joined.len() > 400 {
        let cut = (0..=400)
            .rev()
            .find(|i| joined.is_char_boundary(*i))
            .unwrap_or(0);
        joined.truncate(cut);
        joined.push('…');
    }
    joined
}

fn mentions_credentials(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["credential", "identity", "token", "sso", "no auth"]
        .iter()
        .any(|w| t.contains(w))
}

fn credentials_error(profile: &str, region: &str, action: &str, why: &str) -> (ErrorKind, String) {
    (
        ErrorKind::Credentials,
        format!(
            "credentials expired or invalid for profile {profile} ({action} in {region}: {why}): run `aws sso login --profile {profile}`"
        ),
    )
}

#[allow(clippy::too_many_arguments)]
fn classify_code(
    code: &str,
    msg: &str,
    status: Option<u16>,
    cx: Cx<'_>,
    title: &str,
    service: &str,
    action: &str,
    detail: &str,
) -> (ErrorKind, String) {
    let region = cx.region;
    let said = if msg.is_empty() {
        String::new()
    } else {
        format!(": {}", msg.trim_end_matches('.'))
    };
    match code {
        "AuthFailure"
        | "UnauthorizedOperation"
        | "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedException" => (
            ErrorKind::AccessDenied,
            format!(
                "access denied: {service}:{action} in {region} was refused ({code}){said}; ask for that permission or use another profile"
            ),
        ),
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException" => (
            ErrorKind::Throttled,
            format!(
                "{action} in {region} was throttled ({code}) and retries are exhausted; try again in a moment, or raise --max-attempts"
            ),
        ),
        "ExpiredToken"
        | "ExpiredTokenException"
        | "RequestExpired"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException" => {
            credentials_error(cx.profile, region, action, &format!("{code}{said}"))
        }
        "UnknownOperation" | "UnknownOperationException" | "InvalidAction" => (
            ErrorKind::Unsupported,
            format!(
                "{action} is not supported by the {title} endpoint for {region} ({code}){said}"
            ),
        ),
        c if c.starts_with("Invalid") && (c.ends_with(".NotFound") || c.ends_with("NotFound")) => (
            ErrorKind::NotFound,
            format!("{action} in {region}: not found ({code}){said}"),
        ),
        "ResourceNotFoundException" => (
            ErrorKind::NotFound,
            format!("{action} in {region}: not found ({code}){said}"),
        ),
        c if c.starts_with("Invalid") || c == "ValidationException" || c == "MissingParameter" => (
            ErrorKind::InvalidInput,
            format!("{title} rejected {action} in {region} as invalid ({code}){said}"),
        ),
        _ if msg.to_ascii_lowercase().contains("not yet implemented")
            || msg.to_ascii_lowercase().contains("not been implemented")
            || matches!(status, Some(404 | 501)) =>
        {
            let why = match (status, code) {
                (Some(s), "") => format!("HTTP {s}"),
                (Some(s), c) => format!("HTTP {s}, {c}"),
                (None, c) => c.to_string(),
            };
            (
                ErrorKind::Unsupported,
                format!(
                    "{action} is not supported by the {title} endpoint for {region} ({why}){said}"
                ),
            )
        }
        "" => (
            ErrorKind::Other,
            match status {
                Some(s) => format!(
                    "{action} failed in {region}: the {title} endpoint answered HTTP {s} without an AWS error code"
                ),
                None => format!("{action} failed in {region}: {detail}"),
            },
        ),
        _ => (
            ErrorKind::Other,
            format!("{action} failed in {region} ({code}){said}"),
        ),
    }
}

// ---------------------------------------------------------------------------------
// Mapping helpers

fn tags_name(tags: &[ec2::Tag]) -> Option<String> {
    name_tag(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

fn toggle(s: Option<&str>) -> Toggle {
    s.map(Toggle::parse).unwrap_or_default()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

fn text(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

fn parse_net(s: &str) -> Option<IpNet> {
    match s.parse::<IpNet>() {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(cidr = s, error = %e, "ignoring an unparsable CIDR");
            None
        }
    }
}

fn parse_ip(s: Option<&str>) -> Option<IpAddr> {
    s.and_then(|s| s.parse().ok())
}

fn kind_of(t: Option<&ec2::TransitGatewayAttachmentResourceType>) -> Option<AttachmentKind> {
    t.map(|t| AttachmentKind::parse(t.as_str()))
}

fn map_tgw(t: &ec2::TransitGateway, region: &str) -> TransitGateway {
    let o = t.options();
    TransitGateway {
        id: text(t.transit_gateway_id()),
        region: region.to_string(),
        name: tags_name(t.tags()),
        owner_id: text(t.owner_id()),
        state: t
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        asn: o
            .and_then(ec2::TransitGatewayOptions::amazon_side_asn)
            .and_then(|a| u64::try_from(a).ok())
            .unwrap_or_default(),
        default_route_table_association: toggle(
            o.and_then(|o| o.default_route_table_association())
                .map(ec2::DefaultRouteTableAssociationValue::as_str),
        ),
        default_route_table_propagation: toggle(
            o.and_then(|o| o.default_route_table_propagation())
                .map(ec2::DefaultRouteTablePropagationValue::as_str),
        ),
        association_default_route_table_id: owned(
            o.and_then(|o| o.association_default_route_table_id()),
        ),
        propagation_default_route_table_id: owned(
            o.and_then(|o| o.propagation_default_route_table_id()),
        ),
        dns_support: toggle(
            o.and_then(|o| o.dns_support())
                .map(ec2::DnsSupportValue::as_str),
        ),
        vpn_ecmp_support: toggle(
            o.and_then(|o| o.vpn_ecmp_support())
                .map(ec2::VpnEcmpSupportValue::as_str),
        ),
        cidr_blocks: o
            .map(|o| o.transit_gateway_cidr_blocks().to_vec())
            .unwrap_or_default(),
    }
}

fn map_route_table(t: &ec2::TransitGatewayRouteTable, region: &str) -> TgwRouteTable {
    TgwRouteTable {
        id: text(t.transit_gateway_route_table_id()),
        region: region.to_string(),
        tgw_id: text(t.transit_gateway_id()),
        name: tags_name(t.tags()),
        state: t
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        default_association: t.default_association_route_table().unwrap_or(false),
        default_propagation: t.default_propagation_route_table().unwrap_or(false),
        associations: Vec::new(),
        propagations: Vec::new(),
        routes: Vec::new(),
    }
}

fn map_attachment(a: &ec2::TransitGatewayAttachment, region: &str) -> TgwAttachment {
    TgwAttachment {
        id: text(a.transit_gateway_attachment_id()),
        region: region.to_string(),
        tgw_id: text(a.transit_gateway_id()),
        tgw_owner_id: owned(a.transit_gateway_owner_id()),
        name: tags_name(a.tags()),
        kind: kind_of(a.resource_type()).unwrap_or_default(),
        state: a
            .state()
            .map(|s| AttachmentState::parse(s.as_str()))
            .unwrap_or_default(),
        resource_id: owned(a.resource_id()),
        resource_owner_id: owned(a.resource_owner_id()),
        association: a.association().map(|x| AttachmentAssociation {
            route_table_id: text(x.transit_gateway_route_table_id()),
            state: x
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        }),
        subnet_ids: Vec::new(),
        appliance_mode: None,
    }
}

fn peering_side(info: &ec2::PeeringTgwInfo) -> PeeringSide {
    PeeringSide {
        tgw_id: text(info.transit_gateway_id().or(info.core_network_id())),
        region: text(info.region()),
        account_id: text(info.owner_id()),
    }
}

fn map_peering(p: &ec2::TransitGatewayPeeringAttachment, region: &str) -> Option<Peering> {
    // moto lists VPC attachments here too, without TGW info: skip anything that is
    // not a peering.
    let requester = p.requester_tgw_info()?;
    let accepter = p.accepter_tgw_info()?;
    Some(Peering {
        id: text(p.transit_gateway_attachment_id()),
        region: region.to_string(),
        name: tags_name(p.tags()),
        state: p
            .state()
            .map(|s| AttachmentState::parse(s.as_str()))
            .unwrap_or_default(),
        status_message: p
            .status()
            .and_then(ec2::PeeringAttachmentStatus::message)
            .map(str::to_string),
        requester: peering_side(requester),
        accepter: peering_side(accepter),
    })
}

fn map_vpc(v: &ec2::Vpc, region: &str) -> Vpc {
    let mut cidrs: Vec<IpNet> = Vec::new();
    let primary = v.cidr_block().and_then(parse_net);
    cidrs.extend(primary);
    for assoc in v.cidr_block_association_set() {
        let live = assoc
            .cidr_block_state()
            .and_then(|s| s.state())
            .is_none_or(|s| s.as_str() == "associated");
        if let Some(net) = assoc.cidr_block().and_then(parse_net)
            && live
            && !cidrs.contains(&net)
        {
            cidrs.push(net);
        }
    }
    for assoc in v.ipv6_cidr_block_association_set() {
        if let Some(net) = assoc.ipv6_cidr_block().and_then(parse_net)
            && !cidrs.contains(&net)
        {
            cidrs.push(net);
        }
    }
    Vpc {
        id: text(v.vpc_id()),
        region: region.to_string(),
        name: tags_name(v.tags()),
        owner_id: text(v.owner_id()),
        state: v
            .state()
            .map(|s| ResourceState::parse(s.as_str()))
            .unwrap_or_default(),
        cidr_blocks: cidrs,
        is_default: v.is_default().unwrap_or(false),
    }
}

fn map_subnet(s: &ec2::Subnet, region: &str) -> Subnet {
    Subnet {
        id: text(s.subnet_id()),
        region: region.to_string(),
        vpc_id: text(s.vpc_id()),
        name: tags_name(s.tags()),
        cidr: s.cidr_block().and_then(parse_net),
        availability_zone: text(s.availability_zone()),
        availability_zone_id: owned(s.availability_zone_id()),
    }
}

/// The target of a VPC route. An instance route also names its ENI; the instance
/// is the more useful of the two.
fn vpc_route_target(r: &ec2::Route) -> VpcRouteTarget {
    let s = |x: &str| x.to_string();
    if let Some(id) = r.gateway_id() {
        VpcRouteTarget::from_gateway_id(id)
    } else if let Some(id) = r.nat_gateway_id() {
        VpcRouteTarget::NatGateway(s(id))
    } else if let Some(id) = r.transit_gateway_id() {
        VpcRouteTarget::TransitGateway(s(id))
    } else if let Some(id) = r.vpc_peering_connection_id() {
        VpcRouteTarget::PeeringConnection(s(id))
    } else if let Some(id) = r.egress_only_internet_gateway_id() {
        VpcRouteTarget::EgressOnlyInternetGateway(s(id))
    } else if let Some(id) = r.instance_id() {
        VpcRouteTarget::Instance(s(id))
    } else if let Some(id) = r.network_interface_id() {
        VpcRouteTarget::NetworkInterface(s(id))
    } else if let Some(id) = r.carrier_gateway_id() {
        VpcRouteTarget::CarrierGateway(s(id))
    } else if let Some(id) = r.local_gateway_id() {
        VpcRouteTarget::LocalGateway(s(id))
    } else if let Some(id) = r.core_network_arn() {
        VpcRouteTarget::CoreNetwork(s(id))
    } else {
        VpcRouteTarget::Unknown(String::new())
    }
}

fn map_vpc_route(r: &ec2::Route) -> Option<VpcRoute> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else if let Some(c) = r.destination_ipv6_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else {
        Destination::PrefixList(r.destination_prefix_list_id()?.to_string())
    };
    Some(VpcRoute {
        destination,
        target: vpc_route_target(r),
        state: r
            .state()
            .map(|s| RouteState::parse(s.as_str()))
            .unwrap_or_default(),
    })
}

fn map_vpc_route_table(t: &ec2::RouteTable, region: &str) -> VpcRouteTable {
    VpcRouteTable {
        id: text(t.route_table_id()),
        region: region.to_string(),
        vpc_id: text(t.vpc_id()),
        name: tags_name(t.tags()),
        associations: t
            .associations()
            .iter()
            .map(|a| VpcRouteTableAssociation {
                subnet_id: owned(a.subnet_id()),
                gateway_id: owned(a.gateway_id()),
                main: a.main().unwrap_or(false),
            })
            .collect(),
        routes: t.routes().iter().filter_map(map_vpc_route).collect(),
    }
}

fn map_igw(g: &ec2::InternetGateway, region: &str) -> InternetGateway {
    InternetGateway {
        id: text(g.internet_gateway_id()),
        region: region.to_string(),
        name: tags_name(g.tags()),
        vpc_ids: g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
    }
}

fn map_nat(n: &ec2::NatGateway, region: &str) -> NatGateway {
    let addrs = n.nat_gateway_addresses();
    NatGateway {
        id: text(n.nat_gateway_id()),
        region: region.to_string(),
        name: tags_name(n.tags()),
        vpc_id: text(n.vpc_id()),
        subnet_id: text(n.subnet_id()),
        state: n
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        connectivity: n
            .connectivity_type()
            .map_or_else(|| "public".to_string(), |c| c.as_str().to_string()),
        public_ips: addrs
            .iter()
            .filter_map(|a| parse_ip(a.public_ip()))
            .collect(),
        private_ips: addrs
            .iter()
            .filter_map(|a| parse_ip(a.private_ip()))
            .collect(),
    }
}

fn map_endpoint(e: &ec2::VpcEndpoint, region: &str) -> VpcEndpoint {
    VpcEndpoint {
        id: text(e.vpc_endpoint_id()),
        region: region.to_string(),
        vpc_id: text(e.vpc_id()),
        service_name: text(e.service_name()),
        endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: e
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        subnet_ids: e.subnet_ids().to_vec(),
    }
}

fn map_instance(i: &ec2::Instance, region: &str) -> Instance {
    Instance {
        id: text(i.instance_id()),
        region: region.to_string(),
        name: tags_name(i.tags()),
        vpc_id: owned(i.vpc_id()),
        subnet_id: owned(i.subnet_id()),
        private_ip: parse_ip(i.private_ip_address()),
        state: i
            .state()
            .and_then(ec2::InstanceState::name)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        ssm: None,
    }
}

fn map_tgw_route(r: &ec2::TransitGatewayRoute, rtb: &str, region: &str) -> Option<TgwRoute> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        Destination::Cidr(parse_net(c)?)
    } else {
        Destination::PrefixList(r.prefix_list_id()?.to_string())
    };
    Some(TgwRoute {
        route_table_id: rtb.to_string(),
        region: region.to_string(),
        destination,
        route_type: r
            .r#type()
            .map(|t| RouteType::parse(t.as_str()))
            .unwrap_or_default(),
        state: r
            .state()
            .map(|s| RouteState::parse(s.as_str()))
            .unwrap_or_default(),
        targets: r
            .transit_gateway_attachments()
            .iter()
            .map(|a| RouteTarget {
                attachment_id: text(a.transit_gateway_attachment_id()),
                resource_type: kind_of(a.resource_type()),
                resource_id: owned(a.resource_id()),
            })
            .collect(),
    })
}

fn link(
    attachment_id: Option<&str>,
    resource_type: Option<&ec2::TransitGatewayAttachmentResourceType>,
    resource_id: Option<&str>,
    state: Option<&str>,
) -> RouteTableLink {
    RouteTableLink {
        attachment_id: text(attachment_id),
        resource_type: kind_of(resource_type),
        resource_id: owned(resource_id),
        state: text(state),
    }
}

// ---------------------------------------------------------------------------------
// Optional services

/// What Network Firewall answered: whatever could be read, and a gap per failure.
#[derive(Default)]
struct FirewallPart {
    firewalls: Vec<NetworkFirewall>,
    policies: Vec<FirewallPolicy>,
    rule_groups: Vec<RuleGroup>,
    gaps: Vec<Gap>,
}

fn gap(part: &str, e: &BackendError) -> Gap {
    Gap {
        part: part.to_string(),
        error: e.message.clone(),
    }
}

async fn read_firewalls(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<NetworkFirewall>, BackendError> {
    let listed = cx
        .call(
            "network-firewall",
            "ListFirewalls",
            client
                .list_firewalls()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_firewall();
            if let Some(arn) = meta.firewall_arn() {
                req = req.firewall_arn(arn);
            } else if let Some(name) = meta.firewall_name() {
                req = req.firewall_name(name);
            }
            let out = cx
                .call("network-firewall", "DescribeFirewall", req.send())
                .await?;
            Ok::<_, BackendError>(map_firewall(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|f| async move { Ok(f) })
        .try_collect()
        .await
}

fn map_firewall(
    out: &aws_sdk_networkfirewall::operation::describe_firewall::DescribeFirewallOutput,
    region: &str,
) -> Option<NetworkFirewall> {
    let fw = out.firewall()?;
    let mut endpoints: Vec<FirewallEndpoint> = out
        .firewall_status()
        .and_then(|s| s.sync_states())
        .map(|states| {
            states
                .iter()
                .map(|(az, state)| {
                    let att = state.attachment();
                    FirewallEndpoint {
                        availability_zone: az.clone(),
                        subnet_id: text(att.and_then(|a| a.subnet_id())),
                        endpoint_id: owned(att.and_then(|a| a.endpoint_id())),
                        status: att.and_then(|a| a.status()).map(|s| s.as_str().to_string()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if endpoints.is_empty() {
        // No sync states yet (provisioning, or an emulator): the subnets are known;
        // their AZs are filled in from the region's subnets when the estate is built.
        endpoints = fw
            .subnet_mappings()
            .iter()
            .map(|m| FirewallEndpoint {
                availability_zone: String::new(),
                subnet_id: m.subnet_id().to_string(),
                endpoint_id: None,
                status: None,
            })
            .collect();
    }
    endpoints.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    Some(NetworkFirewall {
        // Some emulators omit the id; the ARN is as unique.
        id: if fw.firewall_id().is_empty() {
            text(fw.firewall_arn())
        } else {
            fw.firewall_id().to_string()
        },
        region: region.to_string(),
        name: text(fw.firewall_name()),
        arn: text(fw.firewall_arn()),
        vpc_id: fw.vpc_id().to_string(),
        policy_arn: fw.firewall_policy_arn().to_string(),
        endpoints,
    })
}

async fn read_policies(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<FirewallPolicy>, BackendError> {
    let listed = cx
        .call(
            "network-firewall",
            "ListFirewallPolicies",
            client
                .list_firewall_policies()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_firewall_policy();
            if let Some(arn) = meta.arn() {
                req = req.firewall_policy_arn(arn);
            } else if let Some(name) = meta.name() {
                req = req.firewall_policy_name(name);
            }
            let out = cx
                .call("network-firewall", "DescribeFirewallPolicy", req.send())
                .await?;
            Ok::<_, BackendError>(map_policy(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|p| async move { Ok(p) })
        .try_collect()
        .await
}

fn map_policy(
    out: &aws_sdk_networkfirewall::operation::describe_firewall_policy::DescribeFirewallPolicyOutput,
    region: &str,
) -> Option<FirewallPolicy> {
    let resp = out.firewall_policy_response()?;
    let token = out.update_token();
    let mut policy = FirewallPolicy {
        id: resp.firewall_policy_id().to_string(),
        region: region.to_string(),
        name: resp.firewall_policy_name().to_string(),
        arn: resp.firewall_policy_arn().to_string(),
        update_token: (!token.is_empty()).then(|| token.to_string()),
        ..FirewallPolicy::default()
    };
    if let Some(p) = out.firewall_policy() {
        policy.stateless_default_actions = p.stateless_default_actions().to_vec();
        policy.stateless_fragment_default_actions = p.stateless_fragment_default_actions().to_vec();
        policy.stateful_default_actions = p.stateful_default_actions().to_vec();
        policy.stateful_rule_order = p
            .stateful_engine_options()
            .and_then(|o| o.rule_order())
            .map(|o| o.as_str().to_string());
        policy.stateless_rule_groups = p
            .stateless_rule_group_references()
            .iter()
            .map(|r| RuleGroupRef {
                arn: r.resource_arn().to_string(),
                priority: Some(r.priority()),
            })
            .collect();
        policy.stateful_rule_groups = p
            .stateful_rule_group_references()
            .iter()
            .map(|r| RuleGroupRef {
                arn: r.resource_arn().to_string(),
                priority: r.priority(),
            })
            .collect();
    }
    Some(policy)
}

async fn read_rule_groups(
    cx: Cx<'_>,
    client: &aws_sdk_networkfirewall::Client,
) -> Result<Vec<RuleGroup>, BackendError> {
    let listed = cx
        .call(
            "network-firewall",
            "ListRuleGroups",
            client
                .list_rule_groups()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await?;
    futures::stream::iter(listed)
        .map(|meta| async move {
            let mut req = client.describe_rule_group();
            if let Some(arn) = meta.arn() {
                req = req.rule_group_arn(arn);
            } else if let Some(name) = meta.name() {
                req = req.rule_group_name(name);
            }
            let out = cx
                .call("network-firewall", "DescribeRuleGroup", req.send())
                .await?;
            Ok::<_, BackendError>(map_rule_group(&out, cx.region))
        })
        .buffered(DESCRIBE_CONCURRENCY)
        .try_filter_map(|g| async move { Ok(g) })
        .try_collect()
        .await
}

fn map_rule_group(
    out: &aws_sdk_networkfirewall::operation::describe_rule_group::DescribeRuleGroupOutput,
    region: &str,
) -> Option<RuleGroup> {
    let resp = out.rule_group_response()?;
    Some(RuleGroup {
        id: resp.rule_group_id().to_string(),
        region: region.to_string(),
        name: resp.rule_group_name().to_string(),
        arn: resp.rule_group_arn().to_string(),
        kind: resp
            .r#type()
            .map(|t| RuleGroupKind::parse(t.as_str()))
            .unwrap_or_default(),
        capacity: resp.capacity(),
        description: owned(resp.description()),
        rules_string: out
            .rule_group()
            .and_then(|g| g.rules_source())
            .and_then(|s| s.rules_string())
            .map(str::to_string),
    })
}

async fn read_firewall_part(cx: Cx<'_>, client: &aws_sdk_networkfirewall::Client) -> FirewallPart {
    let (firewalls, policies, groups) = tokio::join!(
        read_firewalls(cx, client),
        read_policies(cx, client),
        read_rule_groups(cx, client)
    );
    let mut part = FirewallPart::default();
    match firewalls {
        Ok(v) => part.firewalls = v,
        Err(e) => part.gaps.push(gap("network-firewall", &e)),
    }
    match policies {
        Ok(v) => part.policies = v,
        Err(e) => part.gaps.push(gap("network-firewall", &e)),
    }
    match groups {
        Ok(v) => part.rule_groups = v,
        Err(e) => part.gaps.push(gap("network-firewall", &e)),
    }
    part
}

/// One SSM managed instance.
struct ManagedInstance {
    id: String,
    name: Option<String>,
    ip: Option<IpAddr>,
    hybrid: bool,
    status: SsmStatus,
}

async fn read_ssm(
    cx: Cx<'_>,
    client: &aws_sdk_ssm::Client,
) -> Result<Vec<ManagedInstance>, BackendError> {
    let infos = cx
        .call(
            "ssm",
            "DescribeInstanceInformation",
            client
                .describe_instance_information()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await?;
    Ok(infos
        .iter()
        .filter_map(|i| {
            Some(ManagedInstance {
                id: i.instance_id()?.to_string(),
                name: owned(i.name().or(i.computer_name())),
                ip: parse_ip(i.ip_address()),
                hybrid: i
                    .resource_type()
                    .is_some_and(|t| t.as_str() == "ManagedInstance"),
                status: SsmStatus {
                    ping_status: i
                        .ping_status()
                        .map_or(PingStatus::Other(String::new()), |p| {
                            PingStatus::parse(p.as_str())
                        }),
                    platform: owned(i.platform_name()),
                    agent_version: owned(i.agent_version()),
                },
            })
        })
        .collect())
}

// ---------------------------------------------------------------------------------
// The region read

/// The per-table details of one TGW route table.
struct TableDetails {
    associations: Vec<RouteTableLink>,
    propagations: Vec<RouteTableLink>,
    routes: Vec<TgwRoute>,
}

impl AwsBackend {
    async fn read_table(
        &self,
        cx: Cx<'_>,
        ec2c: &aws_sdk_ec2::Client,
        rtb: &str,
    ) -> Result<TableDetails, BackendError> {
        let assoc = cx.call(
            "ec2",
            "GetTransitGatewayRouteTableAssociations",
            ec2c.get_transit_gateway_route_table_associations()
                .transit_gateway_route_table_id(rtb)
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        );
        let props = cx.call(
            "ec2",
            "GetTransitGatewayRouteTablePropagations",
            ec2c.get_transit_gateway_route_table_propagations()
                .transit_gateway_route_table_id(rtb)
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        );
        let (assoc, props, routes) =
            tokio::try_join!(assoc, props, self.tgw_routes(cx.region, rtb))?;
        Ok(TableDetails {
            associations: assoc
                .iter()
                .map(|a| {
                    link(
                        a.transit_gateway_attachment_id(),
                        a.resource_type(),
                        a.resource_id(),
                        a.state().map(ec2::TransitGatewayAssociationState::as_str),
                    )
                })
                .collect(),
            propagations: props
                .iter()
                .map(|p| {
                    link(
                        p.transit_gateway_attachment_id(),
                        p.resource_type(),
                        p.resource_id(),
                        p.state().map(ec2::TransitGatewayPropagationState::as_str),
                    )
                })
                .collect(),
            routes,
        })
    }

    /// Everything EC2 knows about the region (fails as a whole).
    #[allow(clippy::too_many_lines)]
    async fn read_ec2(
        &self,
        cx: Cx<'_>,
        c: &aws_sdk_ec2::Client,
    ) -> Result<RegionEstate, BackendError> {
        let region = cx.region;
        let (
            tgws,
            rtbs,
            attachments,
            vpc_attachments,
            peerings,
            vpcs,
            subnets,
            route_tables,
            igws,
            nats,
            endpoints,
            reservations,
        ) = tokio::try_join!(
            cx.call(
                "ec2",
                "DescribeTransitGateways",
                c.describe_transit_gateways()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeTransitGatewayRouteTables",
                c.describe_transit_gateway_route_tables()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeTransitGatewayAttachments",
                c.describe_transit_gateway_attachments()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeTransitGatewayVpcAttachments",
                c.describe_transit_gateway_vpc_attachments()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeTransitGatewayPeeringAttachments",
                c.describe_transit_gateway_peering_attachments()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeVpcs",
                c.describe_vpcs()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeSubnets",
                c.describe_subnets()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeRouteTables",
                c.describe_route_tables()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeInternetGateways",
                c.describe_internet_gateways()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeNatGateways",
                c.describe_nat_gateways()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeVpcEndpoints",
                c.describe_vpc_endpoints()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            cx.call(
                "ec2",
                "DescribeInstances",
                c.describe_instances()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
        )?;

        let mut estate = RegionEstate::new(region);
        estate.tgws = tgws.iter().map(|t| map_tgw(t, region)).collect();
        estate.peerings = peerings
            .iter()
            .filter_map(|p| map_peering(p, region))
            .collect();
        estate.vpcs = vpcs.iter().map(|v| map_vpc(v, region)).collect();
        estate.subnets = subnets.iter().map(|s| map_subnet(s, region)).collect();
        estate.vpc_route_tables = route_tables
            .iter()
            .map(|t| map_vpc_route_table(t, region))
            .collect();
        estate.internet_gateways = igws.iter().map(|g| map_igw(g, region)).collect();
        estate.nat_gateways = nats.iter().map(|n| map_nat(n, region)).collect();
        estate.vpc_endpoints = endpoints.iter().map(|e| map_endpoint(e, region)).collect();
        estate.instances = reservations
            .iter()
            .flat_map(ec2::Reservation::instances)
            .map(|i| map_instance(i, region))
            .collect();

        let vpc_details: HashMap<&str, &ec2::TransitGatewayVpcAttachment> = vpc_attachments
            .iter()
            .filter_map(|a| Some((a.transit_gateway_attachment_id()?, a)))
            .collect();
        estate.attachments = attachments
            .iter()
            .map(|a| {
                let mut att = map_attachment(a, region);
                if let Some(v) = vpc_details.get(att.id.as_str()) {
                    att.subnet_ids = v.subnet_ids().to_vec();
                    att.appliance_mode = Some(
                        v.options()
                            .and_then(|o| o.appliance_mode_support())
                            .is_some_and(|m| m.as_str() == "enable"),
                    );
                    if att.name.is_none() {
                        att.name = tags_name(v.tags());
                    }
                }
                att
            })
            .collect();

        let mut tables: Vec<TgwRouteTable> =
            rtbs.iter().map(|t| map_route_table(t, region)).collect();
        let ids: Vec<String> = tables.iter().map(|t| t.id.clone()).collect();
        let details: Vec<TableDetails> = futures::stream::iter(ids)
            .map(|id| async move { self.read_table(cx, c, &id).await })
            .buffered(TABLE_CONCURRENCY)
            .try_collect()
            .await?;
        for (table, d) in tables.iter_mut().zip(details) {
            table.associations = d.associations;
            table.propagations = d.propagations;
            table.routes = d.routes;
        }
        // The route tables' own association lists are authoritative (moto reports the
        // TGW's default table in DescribeTransitGatewayAttachments even when default
        // association is disabled).
        let associated: HashMap<&str, (&str, &str)> = tables
            .iter()
            .flat_map(|t| {
                t.associations
                    .iter()
                    .map(move |a| (a.attachment_id.as_str(), (t.id.as_str(), a.state.as_str())))
            })
            .collect();
        for att in &mut estate.attachments {
            match associated.get(att.id.as_str()) {
                Some((rtb, state)) => {
                    att.association = Some(AttachmentAssociation {
                        route_table_id: (*rtb).to_string(),
                        state: (*state).to_string(),
                    });
                }
                None => {
                    // Not in the association list of the table it names: not associated.
                    let stale = att
                        .association
                        .as_ref()
                        .is_some_and(|a| tables.iter().any(|t| t.id == a.route_table_id));
                    if stale {
                        att.association = None;
                    }
                }
            }
        }
        estate.tgw_route_tables = tables;
        Ok(estate)
    }
}

fn merge_ssm(estate: &mut RegionEstate, managed: Vec<ManagedInstance>) {
    let mut by_id: BTreeMap<String, ManagedInstance> =
        managed.into_iter().map(|m| (m.id.clone(), m)).collect();
    for inst in &mut estate.instances {
        if let Some(m) = by_id.remove(&inst.id) {
            inst.ssm = Some(m.status);
        }
    }
    // Managed instances EC2 does not list: hybrid (mi-…) servers, or instances in
    // another account registered here.
    for (_, m) in by_id {
        estate.instances.push(Instance {
            id: m.id,
            region: estate.region.clone(),
            name: m.name,
            vpc_id: None,
            subnet_id: None,
            private_ip: m.ip,
            state: if m.hybrid { "hybrid" } else { "unknown" }.to_string(),
            ssm: Some(m.status),
        });
    }
}

fn merge_firewalls(estate: &mut RegionEstate, part: FirewallPart) {
    let azs: HashMap<&str, &str> = estate
        .subnets
        .iter()
        .map(|s| (s.id.as_str(), s.availability_zone.as_str()))
        .collect();
    let mut firewalls = part.firewalls;
    for fw in &mut firewalls {
        for ep in &mut fw.endpoints {
            if ep.availability_zone.is_empty()
                && let Some(az) = azs.get(ep.subnet_id.as_str())
            {
                ep.availability_zone = (*az).to_string();
            }
        }
        fw.endpoints
            .sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    }
    estate.firewalls = firewalls;
    estate.firewall_policies = part.policies;
    estate.rule_groups = part.rule_groups;
    estate.gaps.extend(part.gaps);
}

#[async_trait]
impl Backend for AwsBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "aws".to_string(),
            label: self.label.clone(),
            default_regions: self.home_region.iter().cloned().collect(),
        }
    }

    async fn account(&self) -> Result<Option<Account>, BackendError> {
        // Discovery takes the account from the owner of the first TGW or VPC read;
        // asking STS would cost a dependency and a call for the same answer.
        Ok(None)
    }

    async fn load_region(&self, region: &str) -> Result<RegionEstate, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let start = Instant::now();
        let (ec2_part, firewall_part, ssm_part) = tokio::join!(
            self.read_ec2(cx, &clients.ec2),
            read_firewall_part(cx, &clients.firewall),
            read_ssm(cx, &clients.ssm)
        );
        let mut estate = ec2_part.map_err(|e| e.in_region(region))?;
        merge_firewalls(&mut estate, firewall_part);
        match ssm_part {
            Ok(managed) => merge_ssm(&mut estate, managed),
            Err(e) => estate.gaps.push(gap("ssm", &e)),
        }
        tracing::info!(
            region,
            tgws = estate.tgws.len(),
            route_tables = estate.tgw_route_tables.len(),
            routes = estate.route_count(),
            attachments = estate.attachments.len(),
            peerings = estate.peerings.len(),
            vpcs = estate.vpcs.len(),
            instances = estate.instances.len(),
            gaps = estate.gaps.len(),
            ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            "aws region read"
        );
        Ok(estate)
    }

    async fn search_routes(
        &self,
        region: &str,
        route_table_id: &str,
        query: RouteQuery,
    ) -> Result<RoutePage, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let mut req = clients
            .ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(route_table_id)
            .filters(
                ec2::Filter::builder()
                    .name("state")
                    .values("active")
                    .values("blackhole")
                    .build(),
            );
        match query {
            RouteQuery::PrefixLists => {
                return self.prefix_list_routes(region, route_table_id).await;
            }
            RouteQuery::All => {}
            RouteQuery::SubnetOf(net) => {
                req = req.filters(
                    ec2::Filter::builder()
                        .name("route-search.subnet-of-match")
                        .values(net.to_string())
                        .build(),
                );
            }
            RouteQuery::Exact(net) => {
                req = req.filters(
                    ec2::Filter::builder()
                        .name("route-search.exact-match")
                        .values(net.to_string())
                        .build(),
                );
            }
        }
        let out = cx
            .call("ec2", "SearchTransitGatewayRoutes", req.send())
            .await
            .map_err(|e| e.for_resource(route_table_id))?;
        Ok(RoutePage {
            routes: out
                .routes()
                .iter()
                .filter_map(|r| map_tgw_route(r, route_table_id, region))
                .collect(),
            additional_routes_available: out.additional_routes_available().unwrap_or(false),
        })
    }
}

impl AwsBackend {
    /// Prefix-list routes of a TGW route table, read as prefix-list references: CIDR
    /// searches cannot select them, so a table too large for one search answer would
    /// otherwise lose them.
    async fn prefix_list_routes(
        &self,
        region: &str,
        route_table_id: &str,
    ) -> Result<RoutePage, BackendError> {
        let clients = self.clients(region)?;
        let cx = self.cx(region);
        let mut routes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let req = clients
                .ec2
                .get_transit_gateway_prefix_list_references()
                .transit_gateway_route_table_id(route_table_id)
                .set_next_token(token.take());
            let out = cx
                .call("ec2", "GetTransitGatewayPrefixListReferences", req.send())
                .await
                .map_err(|e| e.for_resource(route_table_id))?;
            for reference in out.transit_gateway_prefix_list_references() {
                let Some(list) = reference.prefix_list_id() else {
                    continue;
                };
                let target = reference.transit_gateway_attachment().and_then(|a| {
                    a.transit_gateway_attachment_id().map(|id| RouteTarget {
                        attachment_id: id.to_string(),
                        resource_type: a.resource_type().map(|t| AttachmentKind::parse(t.as_str())),
                        resource_id: a.resource_id().map(ToString::to_string),
                    })
                });
                let blackhole = reference.blackhole().unwrap_or(false) || target.is_none();
                routes.push(TgwRoute {
                    route_table_id: route_table_id.to_string(),
                    region: region.to_string(),
                    destination: Destination::PrefixList(list.to_string()),
                    route_type: RouteType::Static,
                    state: if blackhole {
                        RouteState::Blackhole
                    } else {
                        RouteState::Active
                    },
                    targets: target.into_iter().collect(),
                });
            }
            token = out.next_token().map(ToString::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(RoutePage {
            routes,
            additional_routes_available: false,
        })
    }
}
