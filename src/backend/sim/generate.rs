//! Large generated estates for benchmarks and scale tests (`--scenario-scale N`).
//!
//! Shape: the reference hub in us-east-1 (an inspection VPC with TGW, firewall and
//! public subnets, a Network Firewall with seed 001's policy, a NAT gateway and an
//! internet gateway) with `spokes` spoke VPCs (one /24 each in 10.0.0.0/8, routed
//! to the TGW), all associated with `spoke` and propagating into `post-inspection`,
//! plus `extra_routes` static routes in `post-inspection` towards eu-west-1 over an
//! available peering, so a single table can hold thousands of routes — within AWS's
//! quotas, which [`generate`] enforces.

use std::fmt::Write as _;

use super::scenario::{Scenario, ScenarioError};
use crate::net::change::{ATTACHMENTS_PER_TGW, ROUTES_PER_TGW_ROUTE_TABLE};

/// Generates a scenario with `spokes` spoke VPCs and `extra_routes` extra static
/// routes in the hub's `post-inspection` table.
///
/// # Errors
/// [`ScenarioError::Invalid`] naming the AWS quota a size would exceed: the hub TGW
/// carries `spokes + 2` attachments (at most [`ATTACHMENTS_PER_TGW`]), and
/// `post-inspection` holds `spokes + extra_routes` routes (at most
/// [`ROUTES_PER_TGW_ROUTE_TABLE`]). Sizes are refused, never silently capped.
pub fn generate(spokes: usize, extra_routes: usize) -> Result<Scenario, ScenarioError> {
    let refuse = |message: String| ScenarioError::Invalid {
        path: format!("generated estate ({spokes} spokes, {extra_routes} routes)"),
        message,
    };
    let attachments = spokes.saturating_add(2);
    if attachments > ATTACHMENTS_PER_TGW {
        return Err(refuse(format!(
            "{spokes} spokes need {attachments} attachments on the hub TGW (spokes, inspection, peering); AWS allows {ATTACHMENTS_PER_TGW} attachments per transit gateway, so at most {} spokes",
            ATTACHMENTS_PER_TGW - 2
        )));
    }
    let routes = spokes.saturating_add(extra_routes);
    if routes > ROUTES_PER_TGW_ROUTE_TABLE {
        return Err(refuse(format!(
            "post-inspection would hold {routes} routes ({spokes} propagated + {extra_routes} static); AWS allows {ROUTES_PER_TGW_ROUTE_TABLE} routes per transit gateway route table, so at most {} extra routes with {spokes} spokes",
            ROUTES_PER_TGW_ROUTE_TABLE - spokes
        )));
    }
    let mut s = String::with_capacity(512 * (spokes + 8) + 128 * extra_routes);
    let _ = write!(
        s,
        r#"name = "generated-{spokes}x{extra_routes}"
description = "Generated: {spokes} spokes, {extra_routes} extra routes"
account_id = "111122223333"

[[regions]]
region = "us-east-1"
[[regions.tgws]]
id = "tgw-00000000000000001"
name = "hub-use1"
owner_id = "111122223333"
asn = 64512
[[regions.tgw_route_tables]]
id = "tgw-rtb-00000000000000001"
tgw_id = "tgw-00000000000000001"
name = "spoke"
associations = [
"#
    );
    for i in 0..spokes {
        let _ = writeln!(s, "  {{ attachment_id = \"tgw-attach-1{i:016x}\" }},");
    }
    let _ = write!(
        s,
        r#"]
routes = [{{ destination = {{ cidr = "0.0.0.0/0" }}, targets = [{{ attachment_id = "tgw-attach-00000000000000001" }}] }}]
[[regions.tgw_route_tables]]
id = "tgw-rtb-00000000000000002"
tgw_id = "tgw-00000000000000001"
name = "post-inspection"
associations = [{{ attachment_id = "tgw-attach-00000000000000001" }}]
propagations = [
"#
    );
    for i in 0..spokes {
        let _ = writeln!(s, "  {{ attachment_id = \"tgw-attach-1{i:016x}\" }},");
    }
    s.push_str("]\nroutes = [\n");
    for k in 0..extra_routes {
        let _ = writeln!(
            s,
            "  {{ destination = {{ cidr = \"11.{}.{}.0/24\" }}, targets = [{{ attachment_id = \"tgw-attach-0000000000000000p\" }}] }},",
            k / 256,
            k % 256
        );
    }
    s.push_str(
        r#"]
[[regions.attachments]]
id = "tgw-attach-00000000000000001"
tgw_id = "tgw-00000000000000001"
name = "inspection"
resource_id = "vpc-00000000000000001"
subnet_ids = ["subnet-00000000000000001"]
appliance_mode = true
[[regions.vpcs]]
id = "vpc-00000000000000001"
name = "inspection"
cidr_blocks = ["100.64.0.0/22"]
[[regions.subnets]]
id = "subnet-00000000000000001"
vpc_id = "vpc-00000000000000001"
name = "inspection-tgw-a"
cidr = "100.64.0.0/28"
availability_zone = "us-east-1a"
[[regions.subnets]]
id = "subnet-00000000000000002"
vpc_id = "vpc-00000000000000001"
name = "inspection-firewall-a"
cidr = "100.64.1.0/28"
availability_zone = "us-east-1a"
[[regions.subnets]]
id = "subnet-00000000000000003"
vpc_id = "vpc-00000000000000001"
name = "inspection-public-a"
cidr = "100.64.2.0/28"
availability_zone = "us-east-1a"
[[regions.vpc_route_tables]]
id = "rtb-00000000000000001"
vpc_id = "vpc-00000000000000001"
name = "inspection-tgw-a"
associations = [{ main = true }, { subnet_id = "subnet-00000000000000001" }]
routes = [{ destination = { cidr = "0.0.0.0/0" }, target = { kind = "vpc_endpoint", id = "vpce-00000000000000001" } }]
[[regions.vpc_route_tables]]
id = "rtb-00000000000000002"
vpc_id = "vpc-00000000000000001"
name = "inspection-firewall-a"
associations = [{ subnet_id = "subnet-00000000000000002" }]
routes = [
  { destination = { cidr = "0.0.0.0/0" }, target = { kind = "nat_gateway", id = "nat-00000000000000001" } },
  { destination = { cidr = "10.0.0.0/8" }, target = { kind = "transit_gateway", id = "tgw-00000000000000001" } },
]
[[regions.vpc_route_tables]]
id = "rtb-00000000000000003"
vpc_id = "vpc-00000000000000001"
name = "inspection-public-a"
associations = [{ subnet_id = "subnet-00000000000000003" }]
routes = [
  { destination = { cidr = "0.0.0.0/0" }, target = { kind = "internet_gateway", id = "igw-00000000000000001" } },
  { destination = { cidr = "10.0.0.0/8" }, target = { kind = "vpc_endpoint", id = "vpce-00000000000000001" } },
]
[[regions.internet_gateways]]
id = "igw-00000000000000001"
vpc_ids = ["vpc-00000000000000001"]
[[regions.nat_gateways]]
id = "nat-00000000000000001"
vpc_id = "vpc-00000000000000001"
subnet_id = "subnet-00000000000000003"
state = "available"
connectivity = "public"
public_ips = ["198.51.100.10"]
private_ips = ["100.64.2.5"]
[[regions.firewalls]]
id = "fw-00000000000000001"
name = "inspection-firewall"
arn = "arn:aws:network-firewall:us-east-1:111122223333:firewall/inspection-firewall"
vpc_id = "vpc-00000000000000001"
policy_arn = "arn:aws:network-firewall:us-east-1:111122223333:firewall-policy/egress-policy"
endpoints = [{ availability_zone = "us-east-1a", subnet_id = "subnet-00000000000000002", endpoint_id = "vpce-00000000000000001", status = "READY" }]
[[regions.firewall_policies]]
id = "policy-00000000000000001"
name = "egress-policy"
arn = "arn:aws:network-firewall:us-east-1:111122223333:firewall-policy/egress-policy"
stateless_default_actions = ["aws:forward_to_sfe"]
stateful_rule_order = "STRICT_ORDER"
stateful_default_actions = ["aws:drop_strict", "aws:alert_strict"]
stateful_rule_groups = [{ arn = "arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/allow-amazon", priority = 20 }]
policy_variables = { HOME_NET = ["10.0.0.0/8"] }
[[regions.rule_groups]]
id = "rg-00000000000000001"
name = "allow-amazon"
arn = "arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/allow-amazon"
kind = "STATEFUL"
rule_order = "STRICT_ORDER"
rules_string = """
pass tcp any any <> $EXTERNAL_NET 443 (msg:"Allowing TCP in port 443"; flow:not_established; sid:892123; rev:1;)
pass tls any any -> $EXTERNAL_NET 443 (tls.sni; dotprefix; content:".amazon.com"; endswith; msg:"Allowing .amazon.com HTTPS requests"; sid:892125; rev:1;)
"""
[[regions.peerings]]
id = "tgw-attach-0000000000000000p"
name = "use1-to-euw1"
state = "available"
requester = { tgw_id = "tgw-00000000000000001", region = "us-east-1", account_id = "111122223333" }
accepter = { tgw_id = "tgw-00000000000000002", region = "eu-west-1", account_id = "111122223333" }
"#,
    );
    for i in 0..spokes {
        let _ = write!(
            s,
            r#"[[regions.attachments]]
id = "tgw-attach-1{i:016x}"
tgw_id = "tgw-00000000000000001"
name = "spoke-{i}"
resource_id = "vpc-1{i:016x}"
subnet_ids = ["subnet-1{i:016x}"]
[[regions.vpcs]]
id = "vpc-1{i:016x}"
name = "spoke-{i}"
cidr_blocks = ["10.{}.{}.0/24"]
[[regions.subnets]]
id = "subnet-1{i:016x}"
vpc_id = "vpc-1{i:016x}"
cidr = "10.{}.{}.0/25"
availability_zone = "us-east-1a"
[[regions.vpc_route_tables]]
id = "rtb-1{i:016x}"
vpc_id = "vpc-1{i:016x}"
associations = [{{ main = true }}]
routes = [
  {{ destination = {{ cidr = "10.{}.{}.0/24" }}, target = {{ kind = "local" }} }},
  {{ destination = {{ cidr = "0.0.0.0/0" }}, target = {{ kind = "transit_gateway", id = "tgw-00000000000000001" }} }},
]
"#,
            i / 256,
            i % 256,
            i / 256,
            i % 256,
            i / 256,
            i % 256
        );
    }
    s.push_str(
        r#"
[[regions]]
region = "eu-west-1"
[[regions.tgws]]
id = "tgw-00000000000000002"
name = "hub-euw1"
owner_id = "111122223333"
asn = 64513
"#,
    );
    Scenario::parse(&s, "generated.toml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use crate::backend::sim::Simulator;

    #[tokio::test]
    async fn generated_estate_loads_with_every_route() {
        let sim =
            Simulator::from_scenario(generate(300, 2_500).expect("within quotas")).expect("valid");
        let use1 = sim.load_region("us-east-1").await.expect("load");
        let post = use1
            .tgw_route_tables
            .iter()
            .find(|t| t.name.as_deref() == Some("post-inspection"))
            .expect("table");
        // 300 propagated spoke routes + 2,500 static routes, read 1000 at a time.
        assert_eq!(post.routes.len(), 2_800);
        assert_eq!(use1.attachments.len(), 302);
    }

    #[test]
    fn sizes_over_aws_quotas_are_refused_naming_the_quota() {
        let err = generate(5_000, 0).expect_err("5,002 attachments");
        assert!(
            err.to_string()
                .contains("5000 attachments per transit gateway"),
            "{err}"
        );
        assert!(err.to_string().contains("at most 4998 spokes"), "{err}");
        let err = generate(100, 9_901).expect_err("10,001 routes");
        assert!(
            err.to_string()
                .contains("10000 routes per transit gateway route table"),
            "{err}"
        );
        assert!(
            generate(100, 9_900).is_ok(),
            "exactly at the quota is allowed"
        );
    }
}
