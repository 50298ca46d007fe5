//! Where inspection happens: every inspection point of the estate (Network Firewall
//! endpoints, Gateway Load Balancer endpoints, TGW network-function attachments), and
//! each spoke's path from its TGW to the first of them, per AZ.
//!
//! Invariants:
//! - Pure, and asked of [`super::trace`]: a spoke path is the full trace (policy
//!   applied) of HTTPS to `internet` with the SNI [`super::baseline::EGRESS_SNI`], cut
//!   from the first TGW route table hop to the first inspection hop. Nothing here
//!   re-derives routing.
//! - A path that reaches no inspection point says why (the trace's verdict): that is
//!   the finding an operator needs ("bypasses inspection").
//! - Spokes are [`super::audit::Roles`]' spokes, so console, batch and audit agree on
//!   which VPCs are spokes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::audit::Roles;
use super::index::Net;
use super::trace::{self, Hop, HopKind, TraceQuery, Verdict};
use crate::model::AttachmentKind;

/// One spoke's path, from one AZ, to the first inspection point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpokePath {
    /// The spoke VPC's name, else its id.
    pub spoke: String,
    pub vpc_id: String,
    pub region: String,
    pub az: String,
    /// What the trace started from (an instance id, else a subnet id).
    pub from: String,
    /// From the first TGW route table hop to the first inspection hop, inclusive
    /// (to the end of the trace when none is reached; empty when the trace never
    /// enters a TGW).
    pub hops: Vec<Hop>,
    /// The endpoint id (`vpce-…`) or attachment id reached, if any.
    pub inspection: Option<String>,
    /// Other firewall endpoints the flow hash may pick instead (ECMP, an
    /// appliance-mode attachment's AZ): the trace follows the first choice and
    /// lists the rest, so this path is one of several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// Why no inspection point is reached (the trace's verdict), or a caveat.
    pub note: Option<String>,
}

impl SpokePath {
    /// The path in one line: `tgw-rtb-… → tgw-attach-… → vpce-…` (routing and
    /// inspection hops; VPC route tables, ACLs and groups left out), else the note.
    #[must_use]
    pub fn path_text(&self) -> String {
        let ids: Vec<&str> = self
            .hops
            .iter()
            .filter(|h| {
                matches!(
                    h.kind,
                    HopKind::TgwRouteTable
                        | HopKind::TgwPeering
                        | HopKind::VpcAttachment
                        | HopKind::Firewall
                        | HopKind::Appliance
                )
            })
            .map(|h| h.id.as_str())
            .collect();
        match (&self.inspection, &self.note) {
            (Some(_), _) if self.alternatives.is_empty() => ids.join(" → "),
            (Some(_), _) => format!(
                "{} (or {} by flow hash)",
                ids.join(" → "),
                self.alternatives.join(", ")
            ),
            (None, Some(note)) => note.clone(),
            (None, None) => "no inspection point reached".into(),
        }
    }
}

/// What kind of inspection point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// An AWS Network Firewall endpoint (one per AZ).
    NetworkFirewall,
    /// A Gateway Load Balancer endpoint (an appliance behind it).
    GatewayLoadBalancer,
    /// A TGW attachment of kind `network-function` (a firewall attached natively).
    NetworkFunction,
}

impl InspectionKind {
    /// The words it is shown with.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NetworkFirewall => "network firewall",
            Self::GatewayLoadBalancer => "GWLB endpoint",
            Self::NetworkFunction => "network-function attachment",
        }
    }
}

/// One inspection point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionHop {
    pub kind: InspectionKind,
    pub region: String,
    /// The endpoint id (`vpce-…`) or attachment id (`tgw-attach-…`).
    pub id: String,
    /// The firewall's name, the endpoint's service, the attachment's name.
    pub name: Option<String>,
    pub vpc_id: Option<String>,
    pub az: Option<String>,
    /// The endpoint's status (`READY`), the endpoint's or attachment's state.
    pub status: Option<String>,
    /// The firewall (id) an endpoint belongs to; the TGW of an attachment.
    pub parent: Option<String>,
}

/// Every inspection point in the loaded regions, by region then kind then id.
#[must_use]
pub fn inspection_hops(net: &Net<'_>) -> Vec<InspectionHop> {
    let mut out = Vec::new();
    for r in net.regions() {
        let mut here = Vec::new();
        for fw in &r.firewalls {
            for ep in &fw.endpoints {
                here.push(InspectionHop {
                    kind: InspectionKind::NetworkFirewall,
                    region: r.region.clone(),
                    id: ep
                        .endpoint_id
                        .clone()
                        .unwrap_or_else(|| format!("(no endpoint in {})", ep.availability_zone)),
                    name: Some(fw.name.clone()),
                    vpc_id: Some(fw.vpc_id.clone()),
                    az: Some(ep.availability_zone.clone()),
                    status: ep.status.clone(),
                    parent: Some(fw.id.clone()),
                });
            }
        }
        // A Network Firewall endpoint is itself a GatewayLoadBalancer-type VPC
        // endpoint: listed once, as the firewall's.
        let firewall_endpoints: Vec<&str> = r
            .firewalls
            .iter()
            .flat_map(|f| f.endpoints.iter().filter_map(|e| e.endpoint_id.as_deref()))
            .collect();
        for e in r.vpc_endpoints.iter().filter(|e| {
            e.endpoint_type.eq_ignore_ascii_case("GatewayLoadBalancer")
                && !firewall_endpoints.contains(&e.id.as_str())
        }) {
            let azs: Vec<String> = e
                .subnet_ids
                .iter()
                .filter_map(|s| net.subnet_in(&r.region, s))
                .map(|s| s.availability_zone.clone())
                .collect();
            here.push(InspectionHop {
                kind: InspectionKind::GatewayLoadBalancer,
                region: r.region.clone(),
                id: e.id.clone(),
                name: Some(e.service_name.clone()).filter(|s| !s.is_empty()),
                vpc_id: Some(e.vpc_id.clone()),
                az: (!azs.is_empty()).then(|| azs.join(", ")),
                status: Some(e.state.clone()).filter(|s| !s.is_empty()),
                parent: None,
            });
        }
        for a in r
            .attachments
            .iter()
            .filter(|a| a.kind == AttachmentKind::NetworkFunction)
        {
            here.push(InspectionHop {
                kind: InspectionKind::NetworkFunction,
                region: r.region.clone(),
                id: a.id.clone(),
                name: a.name.clone().or_else(|| a.resource_id.clone()),
                vpc_id: None,
                az: None,
                status: Some(a.state.to_string()),
                parent: Some(a.tgw_id.clone()),
            });
        }
        here.sort_by(|a, b| (a.kind, &a.az, &a.id).cmp(&(b.kind, &b.az, &b.id)));
        out.extend(here);
    }
    out
}

/// Each spoke's path to inspection, per AZ where it has a subnet.
#[must_use]
pub fn spoke_paths(net: &Net<'_>) -> Vec<SpokePath> {
    spoke_paths_where(net, |_| true, usize::MAX).0
}

/// [`spoke_paths`] for the spokes of one region only.
#[must_use]
pub fn spoke_paths_in(net: &Net<'_>, region: &str) -> Vec<SpokePath> {
    spoke_paths_where(net, |r| r == region, usize::MAX).0
}

/// [`spoke_paths_in`] for at most `max_spokes` spokes (a console view traces only
/// what it can show), with how many spokes were left out.
#[must_use]
pub fn spoke_paths_capped(
    net: &Net<'_>,
    region: &str,
    max_spokes: usize,
) -> (Vec<SpokePath>, usize) {
    spoke_paths_where(net, |r| r == region, max_spokes)
}

/// The spoke paths that concern the firewalls using `p`: those reaching one of
/// their endpoints, and those (in the policy's region) reaching no inspection at all.
#[must_use]
pub fn policy_spoke_paths(net: &Net<'_>, p: &crate::model::FirewallPolicy) -> Vec<SpokePath> {
    let endpoints: Vec<&str> = net
        .region(&p.region)
        .map(|r| {
            r.firewalls
                .iter()
                .filter(|f| f.policy_arn == p.arn)
                .flat_map(|f| f.endpoints.iter().filter_map(|e| e.endpoint_id.as_deref()))
                .collect()
        })
        .unwrap_or_default();
    if endpoints.is_empty() {
        return Vec::new();
    }
    spoke_paths_in(net, &p.region)
        .into_iter()
        .filter(|s| {
            s.inspection
                .as_deref()
                .is_none_or(|i| endpoints.contains(&i))
        })
        .collect()
}

fn spoke_paths_where(
    net: &Net<'_>,
    region_wanted: impl Fn(&str) -> bool,
    max_spokes: usize,
) -> (Vec<SpokePath>, usize) {
    let roles = Roles::of(net);
    let mut out = Vec::new();
    let spokes: Vec<_> = roles
        .spokes
        .iter()
        .filter(|(v, _)| region_wanted(&v.region))
        .collect();
    let left_out = spokes.len().saturating_sub(max_spokes);
    for (vpc, _) in spokes.into_iter().take(max_spokes) {
        let Some(r) = net.region(&vpc.region) else {
            continue;
        };
        // The first subnet with a CIDR in each AZ, AZs in name order.
        let mut by_az = BTreeMap::new();
        for s in r
            .subnets
            .iter()
            .filter(|s| s.vpc_id == vpc.id && s.cidr.is_some())
        {
            by_az.entry(s.availability_zone.as_str()).or_insert(s);
        }
        let spoke = super::baseline::vpc_name(vpc);
        for (az, subnet) in by_az {
            let from = r
                .instances
                .iter()
                .find(|i| i.subnet_id.as_deref() == Some(subnet.id.as_str()))
                .map_or_else(|| subnet.id.clone(), |i| i.id.clone());
            let mut path = SpokePath {
                spoke: spoke.clone(),
                vpc_id: vpc.id.clone(),
                region: vpc.region.clone(),
                az: az.to_string(),
                from: from.clone(),
                hops: Vec::new(),
                inspection: None,
                alternatives: Vec::new(),
                note: None,
            };
            let query = TraceQuery {
                from,
                to: "internet".into(),
                protocol: None,
                port: None,
                sni: Some(super::baseline::EGRESS_SNI.into()),
                routing_only: false,
                http_host: None,
            };
            match trace::trace(net, &query) {
                Ok(t) => {
                    cut(&mut path, &t.hops, &t.verdict);
                    if let Some(first) = path.inspection.clone() {
                        for alt in &t.alternatives {
                            if let Some(fw) = alt.firewalls.first()
                                && *fw != first
                                && !path.alternatives.contains(fw)
                            {
                                path.alternatives.push(fw.clone());
                            }
                        }
                    }
                }
                Err(e) => path.note = Some(format!("not traced: {e}")),
            }
            out.push(path);
        }
    }
    (out, left_out)
}

/// Keeps the hops from the first TGW route table to the first inspection hop.
fn cut(path: &mut SpokePath, hops: &[Hop], verdict: &Verdict) {
    let Some(start) = hops.iter().position(|h| h.kind == HopKind::TgwRouteTable) else {
        path.note = Some(format!(
            "bypasses inspection: never enters a TGW; {}",
            verdict.summary()
        ));
        return;
    };
    if let Some(end) = hops[start..]
        .iter()
        .position(|h| matches!(h.kind, HopKind::Firewall | HopKind::Appliance))
    {
        let end = start + end;
        path.hops = hops[start..=end].to_vec();
        path.inspection = Some(hops[end].id.clone());
        return;
    }
    path.hops = hops[start..].to_vec();
    // (A network-function attachment is an Appliance hop of the trace itself.)
    path.note = Some(format!("bypasses inspection: {}", verdict.summary()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trace::tests::demo;

    #[tokio::test]
    async fn spoke_a_reaches_a_firewall_endpoint_in_each_az_through_the_tgw() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let paths = spoke_paths(&net);
        let a: Vec<&SpokePath> = paths.iter().filter(|p| p.spoke == "spoke-a").collect();
        assert_eq!(a.len(), 2, "{paths:#?}");
        assert_eq!(a[0].az, "us-east-1a");
        assert_eq!(a[1].az, "us-east-1b");
        // Appliance mode is on for the inspection attachment: the TGW picks the AZ
        // by flow hash, so from either AZ the path reaches either endpoint; the
        // trace follows one and lists the other.
        for p in &a {
            let mut reached: Vec<&str> = p.inspection.iter().map(String::as_str).collect();
            reached.extend(p.alternatives.iter().map(String::as_str));
            reached.sort_unstable();
            assert_eq!(
                reached,
                ["vpce-0e1a2b3c4d5e6f791", "vpce-0e1a2b3c4d5e6f792"],
                "{p:#?}"
            );
            assert!(p.path_text().contains("by flow hash"), "{}", p.path_text());
        }
        for p in &a {
            assert_eq!(p.hops.first().map(|h| h.kind), Some(HopKind::TgwRouteTable));
            assert!(p.hops[0].id.starts_with("tgw-rtb-"), "{p:#?}");
            assert_eq!(p.hops.last().map(|h| h.kind), Some(HopKind::Firewall));
            assert_eq!(p.note, None);
            let text = p.path_text();
            assert!(text.starts_with("tgw-rtb-"), "{text}");
            assert!(text.contains(" → tgw-attach-"), "{text}");
            assert!(
                text.contains(&format!("→ {}", p.inspection.as_deref().unwrap_or("?"))),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn spoke_b_leaking_through_its_own_igw_reaches_no_inspection_and_says_so() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let paths = spoke_paths(&net);
        let leak = paths
            .iter()
            .find(|p| p.spoke == "spoke-b" && p.az == "us-east-1b")
            .expect("spoke-b in us-east-1b");
        assert_eq!(leak.inspection, None, "{leak:#?}");
        let note = leak.note.as_deref().unwrap_or("");
        assert!(note.starts_with("bypasses inspection"), "{note}");
        assert!(note.contains("igw-0e1a2b3c4d5e6f7c2"), "{note}");
        assert_eq!(leak.path_text(), note);
    }

    #[tokio::test]
    async fn a_capped_view_traces_only_the_spokes_it_shows() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let (paths, left_out) = spoke_paths_capped(&net, "us-east-1", 1);
        assert_eq!(left_out, 1);
        assert!(
            paths.iter().all(|p| p.spoke == paths[0].spoke),
            "{paths:#?}"
        );
        assert_eq!(spoke_paths_capped(&net, "us-east-1", 10).1, 0);
    }

    #[tokio::test]
    async fn inspection_hops_list_the_firewall_endpoints_per_az() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let hops = inspection_hops(&net);
        let ids: Vec<&str> = hops
            .iter()
            .filter(|h| h.kind == InspectionKind::NetworkFirewall)
            .map(|h| h.id.as_str())
            .collect();
        assert_eq!(ids, ["vpce-0e1a2b3c4d5e6f791", "vpce-0e1a2b3c4d5e6f792"]);
        assert_eq!(hops[0].az.as_deref(), Some("us-east-1a"));
        assert_eq!(hops[0].status.as_deref(), Some("READY"));
    }

    #[test]
    fn gwlb_endpoints_and_network_function_attachments_are_inspection_points() {
        use crate::model::{Estate, RegionEstate, RegionLoad, Subnet, TgwAttachment, VpcEndpoint};
        let mut r = RegionEstate::new("us-east-1");
        r.subnets.push(Subnet {
            id: "subnet-g".into(),
            region: "us-east-1".into(),
            vpc_id: "vpc-i".into(),
            availability_zone: "us-east-1a".into(),
            ..Subnet::default()
        });
        r.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-g".into(),
            region: "us-east-1".into(),
            vpc_id: "vpc-i".into(),
            service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-1".into(),
            endpoint_type: "GatewayLoadBalancer".into(),
            state: "available".into(),
            subnet_ids: vec!["subnet-g".into()],
        });
        r.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-s3".into(),
            endpoint_type: "Gateway".into(),
            ..VpcEndpoint::default()
        });
        r.attachments.push(TgwAttachment {
            id: "tgw-attach-nf".into(),
            region: "us-east-1".into(),
            tgw_id: "tgw-1".into(),
            kind: AttachmentKind::NetworkFunction,
            ..TgwAttachment::default()
        });
        let mut estate = Estate::default();
        estate.regions.insert(
            "us-east-1".into(),
            RegionLoad::Loaded {
                estate: Box::new(r),
            },
        );
        let hops = inspection_hops(&Net::new(&estate));
        let got: Vec<(InspectionKind, &str, Option<&str>)> = hops
            .iter()
            .map(|h| (h.kind, h.id.as_str(), h.az.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    InspectionKind::GatewayLoadBalancer,
                    "vpce-g",
                    Some("us-east-1a")
                ),
                (InspectionKind::NetworkFunction, "tgw-attach-nf", None),
            ]
        );
    }
}
