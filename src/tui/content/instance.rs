//! The detail pane of an EC2 instance: where it sits, what its security groups let
//! in and out, how its subnet routes, and how to trace or probe from it.

use ratatui::text::{Line, Span};

use super::{ContentInput, heading, key, kv, named, vpc_routes};
use crate::model::{Instance, PingStatus, RegionEstate};
use crate::tui::keymap::Action;
use crate::tui::tree::{SYM_BAD, SYM_PENDING, bad, dim, pending};

pub(super) fn instance_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    instance: &Instance,
) -> Vec<Line<'static>> {
    let ip = |ip: Option<std::net::IpAddr>| ip.map_or_else(|| "-".to_string(), |a| a.to_string());
    let subnet = instance
        .subnet_id
        .as_deref()
        .and_then(|id| state.net.subnet_in(&region.region, id));
    let vpc = instance
        .vpc_id
        .as_deref()
        .and_then(|id| state.net.vpc_in(&region.region, id));
    let mut lines = vec![
        kv("id", instance.id.clone()),
        kv("name", instance.name.clone().unwrap_or_else(|| "-".into())),
        if instance.state == "running" {
            kv("state", instance.state.clone())
        } else {
            Line::from(vec![
                Span::styled(format!("{:<16}", "state"), dim()),
                Span::styled(format!("{SYM_PENDING} {}", instance.state), pending()),
            ])
        },
        kv("private IP", ip(instance.private_ip)),
        kv("public IP", ip(instance.public_ip)),
        kv(
            "subnet",
            subnet.map_or_else(
                || instance.subnet_id.clone().unwrap_or_else(|| "-".into()),
                |s| {
                    format!(
                        "{}  {}",
                        named(s.name.as_deref(), &s.id),
                        s.availability_zone
                    )
                },
            ),
        ),
        kv(
            "VPC",
            vpc.map_or_else(
                || instance.vpc_id.clone().unwrap_or_else(|| "-".into()),
                |v| named(v.name.as_deref(), &v.id),
            ),
        ),
        ssm_line(instance),
        Line::from(""),
    ];
    lines.push(heading(format!(
        "Security groups ({})",
        instance.security_group_ids.len()
    )));
    if instance.security_group_ids.is_empty() {
        lines.push(Line::from(Span::styled("none read: not evaluated", dim())));
    }
    for id in &instance.security_group_ids {
        let Some(g) = region.security_groups.iter().find(|g| &g.id == id) else {
            lines.push(Line::from(vec![
                Span::raw(format!("  {id}  ")),
                Span::styled("not read: rules not evaluated", pending()),
            ]));
            continue;
        };
        lines.push(Line::from(format!("  {}", named(g.name.as_deref(), &g.id))));
        for (dir, rules) in [("in ", &g.ingress), ("out", &g.egress)] {
            if rules.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("    {dir}  nothing allowed"),
                    dim(),
                )));
            }
            for r in rules {
                lines.push(Line::from(format!(
                    "    {dir}  {:<14} {} {}",
                    r.traffic(),
                    if dir == "in " { "from" } else { "to  " },
                    r.peers()
                )));
            }
        }
    }
    lines.push(Line::from(""));
    if let Some(s) = subnet {
        match state.net.subnet_route_table(s) {
            Some((t, _)) => {
                lines.push(heading(format!(
                    "Leaves through {}",
                    named(t.name.as_deref(), &t.id)
                )));
                vpc_routes(t, &mut lines);
            }
            None => lines.push(Line::from(Span::styled(
                format!("{SYM_BAD} its subnet has no route table"),
                bad(),
            ))),
        }
        lines.push(Line::from(""));
    }
    lines.push(heading("From here"));
    lines.push(Line::from(format!(
        "  {:<10} trace from it (:trace {} …)",
        key(state, &Action::Trace),
        instance.id
    )));
    lines.push(Line::from(format!(
        "  :probe egress --instance {}",
        instance.id
    )));
    lines.push(Line::from(Span::styled(
        "             curl through SSM from it, checked against the NAT gateways' EIPs",
        dim(),
    )));
    lines
}

fn ssm_line(instance: &Instance) -> Line<'static> {
    let (text, style) = match &instance.ssm {
        None => ("not managed: probes cannot run here".to_string(), pending()),
        Some(s) => {
            let mut text = s.ping_status.to_string();
            if let Some(p) = &s.platform {
                text.push_str(&format!(", {p}"));
            }
            if let Some(v) = &s.agent_version {
                text.push_str(&format!(", agent {v}"));
            }
            let style = if s.ping_status == PingStatus::Online {
                ratatui::style::Style::default()
            } else {
                pending()
            };
            (text, style)
        }
    };
    Line::from(vec![
        Span::styled(format!("{:<16}", "SSM"), dim()),
        Span::styled(text, style),
    ])
}
