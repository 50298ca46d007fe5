//! The calls the AWS backend makes to read a region, made by the simulator too: one
//! per API and page (pages of the sizes the AWS backend asks for), each through the
//! scheduler. So a simulated read draws on the same buckets, meets the same
//! throttling and takes the same number of round trips as a real one.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};

use super::{Faults, Simulator};
use crate::backend::BackendError;
use crate::backend::aws::DESCRIBE_CONCURRENCY;
use crate::model::{RegionEstate, TgwRouteTable};

/// Pages of `items` at `size` a page (one call for none).
fn pages(items: usize, size: usize) -> usize {
    items.div_ceil(size).max(1)
}

/// EC2's largest page, which the AWS backend asks for (or gets by default).
const EC2_PAGE: usize = 1000;
/// Network Firewall's largest page.
const FIREWALL_PAGE: usize = 100;
/// `DescribeInstanceInformation`'s largest page.
const SSM_PAGE: usize = 50;
/// `DescribeManagedPrefixLists` / `GetManagedPrefixListEntries` as the AWS backend
/// asks for them.
const PREFIX_LIST_PAGE: usize = 100;

impl Simulator {
    /// `count` pages of `api`, one after another (each asks with the last one's
    /// token). The faults the first answered with.
    async fn paged(
        &self,
        region: &str,
        api: &'static str,
        count: usize,
        extra: Duration,
    ) -> Result<Faults, BackendError> {
        let faults = self.call_with(region, api, extra).await?;
        for _ in 1..count {
            self.call_with(region, api, extra).await?;
        }
        Ok(faults)
    }

    /// The topology's listings: the core describes, ENIs, security groups, network
    /// ACLs and prefix lists, concurrently (per-table reads are
    /// [`Simulator::table_calls`]).
    pub(super) async fn topology_calls(
        &self,
        region: &str,
        stored: Option<&RegionEstate>,
    ) -> Result<(), BackendError> {
        let n = |f: fn(&RegionEstate) -> usize| stored.map_or(0, f);
        let listings: [(&'static str, usize); 17] = [
            ("DescribeTransitGateways", n(|e| e.tgws.len())),
            (
                "DescribeTransitGatewayRouteTables",
                n(|e| e.tgw_route_tables.len()),
            ),
            (
                "DescribeTransitGatewayAttachments",
                n(|e| e.attachments.len()),
            ),
            (
                "DescribeTransitGatewayVpcAttachments",
                n(|e| e.attachments.len()),
            ),
            (
                "DescribeTransitGatewayPeeringAttachments",
                n(|e| e.peerings.len()),
            ),
            ("DescribeVpcs", n(|e| e.vpcs.len())),
            ("DescribeSubnets", n(|e| e.subnets.len())),
            ("DescribeRouteTables", n(|e| e.vpc_route_tables.len())),
            ("DescribeInternetGateways", n(|e| e.internet_gateways.len())),
            ("DescribeNatGateways", n(|e| e.nat_gateways.len())),
            ("DescribeVpcEndpoints", n(|e| e.vpc_endpoints.len())),
            ("DescribeVpcPeeringConnections", n(|e| e.vpc_peerings.len())),
            (
                "DescribeNetworkInterfaces",
                n(|e| e.network_interfaces.len()),
            ),
            ("DescribeSecurityGroups", n(|e| e.security_groups.len())),
            ("DescribeNetworkAcls", n(|e| e.network_acls.len())),
            // Managed and AWS service lists come from two calls; entries below.
            ("DescribeManagedPrefixLists", n(|e| e.prefix_lists.len())),
            ("DescribePrefixLists", 0),
        ];
        let size = |api: &str| {
            if api == "DescribeManagedPrefixLists" {
                PREFIX_LIST_PAGE
            } else {
                EC2_PAGE
            }
        };
        let entries = stored.map_or_else(Vec::new, |e| {
            e.prefix_lists
                .iter()
                .filter_map(|l| l.entries.as_ref().map(Vec::len))
                .collect()
        });
        let listed =
            futures::future::try_join_all(listings.iter().map(|(api, items)| {
                self.paged(region, api, pages(*items, size(api)), Duration::ZERO)
            }));
        let lists = futures::stream::iter(entries)
            .map(|count| {
                self.paged(
                    region,
                    "GetManagedPrefixListEntries",
                    pages(count, PREFIX_LIST_PAGE),
                    Duration::ZERO,
                )
            })
            .buffered(DESCRIBE_CONCURRENCY)
            .try_collect::<Vec<_>>();
        futures::try_join!(listed, lists)?;
        Ok(())
    }

    /// A TGW route table's associations and propagations (its routes are searched
    /// apart).
    pub(super) async fn table_calls(
        &self,
        region: &str,
        table: &TgwRouteTable,
    ) -> Result<(), BackendError> {
        futures::try_join!(
            self.paged(
                region,
                "GetTransitGatewayRouteTableAssociations",
                pages(table.associations.len(), EC2_PAGE),
                Duration::ZERO,
            ),
            self.paged(
                region,
                "GetTransitGatewayRouteTablePropagations",
                pages(table.propagations.len(), EC2_PAGE),
                Duration::ZERO,
            ),
        )?;
        Ok(())
    }

    /// Network Firewall: three listings, then a describe per firewall, policy and
    /// rule group, a few at a time. The faults the first listing answered with.
    pub(super) async fn firewall_calls(
        &self,
        region: &str,
        stored: Option<&RegionEstate>,
        extra: Duration,
    ) -> Result<Faults, BackendError> {
        let count = |f: fn(&RegionEstate) -> usize| stored.map_or(0, f);
        let describe = |list: &'static str, one: &'static str, items: usize| async move {
            let faults = self
                .paged(region, list, pages(items, FIREWALL_PAGE), extra)
                .await?;
            futures::stream::iter(0..items)
                .map(|_| self.call_with(region, one, extra))
                .buffered(DESCRIBE_CONCURRENCY)
                .try_collect::<Vec<_>>()
                .await?;
            Ok::<_, BackendError>(faults)
        };
        let (faults, _, _) = futures::try_join!(
            describe(
                "ListFirewalls",
                "DescribeFirewall",
                count(|e| e.firewalls.len())
            ),
            describe(
                "ListFirewallPolicies",
                "DescribeFirewallPolicy",
                count(|e| e.firewall_policies.len())
            ),
            describe(
                "ListRuleGroups",
                "DescribeRuleGroup",
                count(|e| e.rule_groups.len())
            ),
        )?;
        Ok(faults)
    }

    /// Instances (EC2) and their SSM status, concurrently. The faults EC2 answered
    /// with.
    pub(super) async fn instance_calls(
        &self,
        region: &str,
        stored: Option<&RegionEstate>,
        extra: Duration,
    ) -> Result<Faults, BackendError> {
        let instances = stored.map_or(0, |e| e.instances.len());
        let (faults, _) = futures::try_join!(
            self.paged(
                region,
                "DescribeInstances",
                pages(instances, EC2_PAGE),
                extra
            ),
            self.paged(
                region,
                "DescribeInstanceInformation",
                pages(instances, SSM_PAGE),
                extra
            ),
        )?;
        Ok(faults)
    }
}
