//! ARNs of every object the estate holds.
//!
//! EC2 resources have the form `arn:<partition>:ec2:<region>:<account>:<type>/<id>`;
//! Network Firewall objects carry their own ARN as read. The partition follows the
//! region (`cn-…` is `aws-cn`, `us-gov-…` is `aws-us-gov`). The account is the
//! estate's (the account netops reads as), else the region's first TGW owner, as the
//! console has always done: objects shared from another account through RAM still
//! show in the reading account.

use super::findings::{ObjectKind, ObjectRef};
use crate::model::Estate;

/// The partition of a region.
#[must_use]
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The ARN of an EC2 resource.
#[must_use]
pub fn ec2_arn(region: &str, account: &str, resource_type: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{account}:{resource_type}/{id}",
        partition(region)
    )
}

/// The EC2 resource type in ARNs for an object kind; `None` for kinds without an EC2
/// ARN (Network Firewall objects, regions).
#[must_use]
pub fn ec2_resource_type(kind: ObjectKind) -> Option<&'static str> {
    Some(match kind {
        ObjectKind::TransitGateway => "transit-gateway",
        ObjectKind::TgwRouteTable => "transit-gateway-route-table",
        ObjectKind::TgwAttachment | ObjectKind::Peering => "transit-gateway-attachment",
        ObjectKind::Vpc => "vpc",
        ObjectKind::Subnet => "subnet",
        ObjectKind::VpcRouteTable => "route-table",
        ObjectKind::InternetGateway => "internet-gateway",
        ObjectKind::NatGateway => "natgateway",
        ObjectKind::VpcEndpoint => "vpc-endpoint",
        ObjectKind::Instance => "instance",
        ObjectKind::NetworkFirewall
        | ObjectKind::FirewallPolicy
        | ObjectKind::RuleGroup
        | ObjectKind::Region
        | ObjectKind::Gap => return None,
    })
}

/// The account id ARNs use in `region`: the estate's account, else the owner of the
/// region's first TGW.
#[must_use]
pub fn account_id(estate: &Estate, region: &str) -> String {
    estate
        .account
        .as_ref()
        .map(|a| a.id.clone())
        .or_else(|| {
            estate
                .region(region)
                .and_then(|r| r.tgws.first())
                .map(|t| t.owner_id.clone())
        })
        .unwrap_or_default()
}

/// The account that owns an object, as read: a TGW's owner, a table's TGW owner, an
/// attachment's creator (its resource's owner, else the TGW's), a VPC's owner, and for
/// what lives in a VPC its own `owner_id` when read, else its VPC's owner. `None`
/// when the estate does not say (or the object is not in it).
#[must_use]
pub fn owner(estate: &Estate, object: &ObjectRef) -> Option<String> {
    let r = estate.region(&object.region)?;
    let id = object.id.as_str();
    let vpc_owner = |vpc: &str| {
        r.vpcs
            .iter()
            .find(|v| v.id == vpc)
            .map(|v| v.owner_id.clone())
    };
    let tgw_owner = |tgw: &str| {
        r.tgws
            .iter()
            .find(|t| t.id == tgw)
            .map(|t| t.owner_id.clone())
    };
    let found = match object.kind {
        ObjectKind::TransitGateway => tgw_owner(id),
        ObjectKind::TgwRouteTable => r
            .tgw_route_tables
            .iter()
            .find(|t| t.id == id)
            .and_then(|t| tgw_owner(&t.tgw_id)),
        ObjectKind::TgwAttachment => r.attachments.iter().find(|a| a.id == id).and_then(|a| {
            a.resource_owner_id
                .clone()
                .or_else(|| a.tgw_owner_id.clone())
        }),
        ObjectKind::Peering => r
            .peerings
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.requester.account_id.clone()),
        ObjectKind::Vpc => vpc_owner(id),
        ObjectKind::Subnet => r
            .subnets
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.owner_id.clone().or_else(|| vpc_owner(&x.vpc_id))),
        ObjectKind::VpcRouteTable => r
            .vpc_route_tables
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.owner_id.clone().or_else(|| vpc_owner(&x.vpc_id))),
        ObjectKind::InternetGateway => r
            .internet_gateways
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.vpc_ids.first().and_then(|v| vpc_owner(v))),
        ObjectKind::NatGateway => r
            .nat_gateways
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| vpc_owner(&x.vpc_id)),
        ObjectKind::VpcEndpoint => r
            .vpc_endpoints
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| vpc_owner(&x.vpc_id)),
        ObjectKind::Instance => r.instances.iter().find(|x| x.id == id).and_then(|x| {
            x.owner_id
                .clone()
                .or_else(|| x.vpc_id.as_deref().and_then(vpc_owner))
        }),
        ObjectKind::NetworkFirewall => r
            .firewalls
            .iter()
            .find(|x| x.id == id || x.name == id || x.arn == id)
            .and_then(|x| vpc_owner(&x.vpc_id)),
        ObjectKind::FirewallPolicy | ObjectKind::RuleGroup => {
            // Their ARNs carry the account.
            object_arn(estate, object).and_then(|a| a.split(':').nth(4).map(str::to_string))
        }
        ObjectKind::Region | ObjectKind::Gap => None,
    };
    found.filter(|o| !o.is_empty())
}

/// The ARN of an object; `None` when it has none (a region, a gap) or, for Network
/// Firewall objects, when it is not in the estate. Needs no index: EC2 ARNs are
/// built from the id, Network Firewall ones are read.
#[must_use]
pub fn object_arn(estate: &Estate, object: &ObjectRef) -> Option<String> {
    let region = object.region.as_str();
    let r = || estate.region(region);
    let id = object.id.as_str();
    match object.kind {
        ObjectKind::NetworkFirewall => r()?
            .firewalls
            .iter()
            .find(|x| x.id == id || x.name == id || x.arn == id)
            .map(|x| x.arn.clone()),
        ObjectKind::FirewallPolicy => r()?
            .firewall_policies
            .iter()
            .find(|x| x.id == id || x.name == id || x.arn == id)
            .map(|x| x.arn.clone()),
        ObjectKind::RuleGroup => r()?
            .rule_groups
            .iter()
            .find(|x| x.id == id || x.name == id || x.arn == id)
            .map(|x| x.arn.clone()),
        kind => Some(ec2_arn(
            region,
            &owner(estate, object).unwrap_or_else(|| account_id(estate, region)),
            ec2_resource_type(kind)?,
            id,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_follows_region() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(
            ec2_arn("eu-west-1", "111122223333", "vpc", "vpc-1"),
            "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1"
        );
        assert_eq!(
            ec2_arn("cn-north-1", "1", "subnet", "subnet-1"),
            "arn:aws-cn:ec2:cn-north-1:1:subnet/subnet-1"
        );
    }
}
