//! The detail pane of the Network Firewall objects: a firewall (endpoints per AZ,
//! spoke paths), a policy (rule order, default actions, HOME_NET, its groups in
//! evaluation order) and a rule group (its rules as written).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn or_none(words: &[String]) -> String {
    if words.is_empty() {
        "(none)".into()
    } else {
        words.join(", ")
    }
}

/// Rule order, default actions and HOME_NET of a policy.
pub(super) fn policy_head(
    region: &RegionEstate,
    p: &FirewallPolicy,
    lines: &mut Vec<Line<'static>>,
) {
    lines.push(kv(
        "rule order",
        p.stateful_rule_order
            .clone()
            .unwrap_or_else(|| "DEFAULT_ACTION_ORDER".into()),
    ));
    lines.push(kv("stateless dflt", or_none(&p.stateless_default_actions)));
    lines.push(kv(
        "fragment dflt",
        or_none(&p.stateless_fragment_default_actions),
    ));
    lines.push(kv("stateful dflt", or_none(&p.stateful_default_actions)));
    lines.push(kv(
        "HOME_NET",
        crate::net::firewall::PolicyHomeNet::of(region, p).describe(),
    ));
    for (name, cidrs) in p.policy_variables.iter().filter(|(n, _)| *n != "HOME_NET") {
        lines.push(kv(name, cidrs.join(", ")));
    }
}

/// The policy's groups in evaluation order, disabled ones dimmed and marked.
pub(super) fn group_rows(
    region: &RegionEstate,
    p: &FirewallPolicy,
    lines: &mut Vec<Line<'static>>,
) {
    let groups = tree::policy_groups(region, p);
    if groups.is_empty() {
        lines.push(Line::from("  (no rule groups)"));
    }
    for g in groups {
        let kind = match g.kind {
            RuleGroupKind::Stateless => "stateless",
            _ => "stateful",
        };
        let text = format!(
            "  {kind:<10}{:>4}  {:<24}{}",
            g.priority
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
            g.name,
            g.override_action
                .map_or_else(String::new, |o| format!(" ({o})"))
        );
        if g.disabled {
            lines.push(Line::from(vec![
                Span::styled(text, dim()),
                Span::styled(format!("  {SYM_DISABLED} disabled"), pending()),
            ]));
        } else {
            lines.push(Line::from(text));
        }
    }
}

/// Spoke paths as lines: the path to inspection, or why there is none.
pub(super) fn spoke_path_rows(paths: &[SpokePath], lines: &mut Vec<Line<'static>>) {
    if paths.is_empty() {
        lines.push(Line::from(Span::styled("  (no spoke VPCs found)", dim())));
    }
    for sp in paths.iter().take(LIST_CAP) {
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", sp.spoke)),
            Span::styled(format!("{} · from {}", sp.az, sp.from), dim()),
        ]));
        if sp.inspection.is_some() {
            lines.push(Line::from(format!("    {}", sp.path_text())));
        } else {
            lines.push(Line::from(Span::styled(
                format!("    {SYM_BAD} {}", sp.path_text()),
                bad(),
            )));
        }
    }
}

pub(super) fn firewall_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    fw: &NetworkFirewall,
) -> Vec<Line<'static>> {
    let vpc = region.vpcs.iter().find(|v| v.id == fw.vpc_id);
    let policy = region
        .firewall_policies
        .iter()
        .find(|p| p.arn == fw.policy_arn);
    let mut lines = vec![
        kv("id", fw.id.clone()),
        kv("region", region.region.clone()),
        kv(
            "VPC",
            match vpc {
                Some(v) => vpc_with_cidrs(v),
                None => fw.vpc_id.clone(),
            },
        ),
        kv(
            "policy",
            policy.map_or_else(
                || format!("{} (not read)", fw.policy_arn),
                |p| p.name.clone(),
            ),
        ),
        Line::from(""),
        heading("Endpoints (one per AZ)"),
    ];
    let mut endpoints: Vec<_> = fw.endpoints.iter().collect();
    endpoints.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    for e in endpoints {
        let status = e.status.as_deref().unwrap_or("unknown");
        let mut spans = vec![Span::raw(format!(
            "  {:<12} {} {} ",
            e.availability_zone,
            e.endpoint_id.as_deref().unwrap_or("(none)"),
            e.subnet_id
        ))];
        if status.eq_ignore_ascii_case("READY") {
            spans.push(Span::styled(status.to_string(), ok()));
        } else {
            spans.push(Span::styled(format!("{SYM_PENDING} {status}"), pending()));
        }
        lines.push(Line::from(spans));
    }
    if let Some(p) = policy {
        lines.push(Line::from(""));
        lines.push(heading(format!("Policy {}", p.name)));
        policy_head(region, p, &mut lines);
        lines.push(Line::from(""));
        lines.push(heading("Rule groups (evaluation order)"));
        group_rows(region, p, &mut lines);
    }
    // This firewall's endpoints, and the paths that reach no inspection at all.
    let mine: Vec<&str> = fw
        .endpoints
        .iter()
        .filter_map(|e| e.endpoint_id.as_deref())
        .collect();
    // Traces only the spokes it can list: selecting a firewall stays quick on an
    // estate of thousands of spokes.
    let (paths, left_out) = inspection::spoke_paths_capped(&state.net, &region.region, LIST_CAP);
    let paths: Vec<SpokePath> = paths
        .into_iter()
        .filter(|s| s.inspection.as_deref().is_none_or(|i| mine.contains(&i)))
        .collect();
    lines.push(Line::from(""));
    lines.push(heading(
        "Spoke paths to the firewall (HTTPS to the internet)",
    ));
    spoke_path_rows(&paths, &mut lines);
    if left_out > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "  … {left_out} more spokes not traced here: :fw show {} lists them all",
                policy.map_or("POLICY", |p| p.name.as_str())
            ),
            dim(),
        )));
    }
    let others: Vec<_> = inspection::inspection_hops(&state.net)
        .into_iter()
        .filter(|h| h.region == region.region && h.parent.as_deref() != Some(fw.id.as_str()))
        .collect();
    lines.push(Line::from(""));
    lines.push(heading(format!(
        "Other inspection hops in {} ({})",
        region.region,
        others.len()
    )));
    if others.is_empty() {
        lines.push(Line::from(Span::styled("  none", dim())));
    }
    for h in others.iter().take(LIST_CAP) {
        lines.push(Line::from(format!(
            "  {:<28} {:<24} {:<12} {}",
            h.kind.as_str(),
            h.id,
            h.az.as_deref().unwrap_or("-"),
            h.status.as_deref().unwrap_or("-")
        )));
    }
    lines.push(Line::from(""));
    lines.push(kv("ARN", fw.arn.clone()));
    lines
}

pub(super) fn policy_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    p: &FirewallPolicy,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    policy_head(region, p, &mut lines);
    let firewalls: Vec<String> = region
        .firewalls
        .iter()
        .filter(|f| f.policy_arn == p.arn)
        .map(|f| format!("{} ({})", f.name, f.vpc_id))
        .collect();
    lines.push(kv("firewalls", or_none(&firewalls)));
    lines.push(Line::from(""));
    lines.push(heading("Rule groups (evaluation order)"));
    group_rows(region, p, &mut lines);
    if !p.disabled.is_empty() {
        lines.push(Line::from(""));
        lines.push(heading("Disabled rule groups (netops:disabled: tags)"));
        for d in &p.disabled {
            lines.push(Line::from(vec![
                Span::styled(format!("  {SYM_DISABLED} "), pending()),
                Span::raw(format!(
                    "{:<24} {:<10} priority {:<5} override {}",
                    d.name,
                    d.kind.to_string(),
                    d.reference
                        .priority
                        .map_or_else(|| "-".to_string(), |n| n.to_string()),
                    d.reference.override_action.as_deref().unwrap_or("-")
                )),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(heading(
        "Spoke paths to the firewall (HTTPS to the internet)",
    ));
    spoke_path_rows(&inspection::policy_spoke_paths(&state.net, p), &mut lines);
    lines.push(Line::from(""));
    lines.push(kv("ARN", p.arn.clone()));
    if !state.read_only {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                "on a rule group, {} disables or enables it (a change, confirmed first)",
                toggle_keys(state)
            ),
            dim(),
        )));
    }
    lines
}

/// The keys that toggle a rule group: toggle-rule-group's, and trace's (which
/// toggles on a rule group).
pub(super) fn toggle_keys(state: &ContentInput<'_>) -> String {
    let toggle = key(state, &Action::ToggleRuleGroup);
    match state.keymap.key_for(Layer::Normal, &Action::Trace) {
        Some(k) => format!("{k} / {toggle}"),
        None => toggle,
    }
}

pub(super) fn rule_group_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    p: &FirewallPolicy,
    arn: &str,
) -> Vec<Line<'static>> {
    let entry = tree::policy_groups(region, p)
        .into_iter()
        .find(|g| g.arn == arn);
    let mut lines = Vec::new();
    let status = match &entry {
        Some(g) if g.disabled => kv_spans(
            "in policy",
            vec![
                Span::styled(format!("{SYM_DISABLED} disabled"), pending()),
                Span::raw(format!(
                    " in {} (recorded: priority {}, override {})",
                    p.name,
                    g.priority
                        .map_or_else(|| "-".to_string(), |n| n.to_string()),
                    g.override_action.unwrap_or("-")
                )),
            ],
        ),
        Some(g) => kv(
            "in policy",
            format!(
                "enabled in {}, priority {}{}",
                p.name,
                g.priority
                    .map_or_else(|| "-".to_string(), |n| n.to_string()),
                g.override_action
                    .map_or_else(String::new, |o| format!(", override {o}"))
            ),
        ),
        None => kv("in policy", format!("not listed by {}", p.name)),
    };
    lines.push(status);
    let Some(g) = entry.as_ref().and_then(|e| e.group) else {
        lines.push(kv("ARN", arn.to_string()));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "the rule group itself was not read (its rules are not known)",
            pending(),
        )));
        return lines;
    };
    lines.push(kv("type", g.kind.to_string()));
    lines.push(kv(
        "capacity",
        g.capacity.map_or_else(|| "-".into(), |n| n.to_string()),
    ));
    lines.push(kv(
        "rule order",
        g.rule_order.clone().unwrap_or_else(|| "-".into()),
    ));
    if let Some(d) = &g.description {
        lines.push(kv("description", d.clone()));
    }
    for (name, cidrs) in &g.ip_sets {
        lines.push(kv(&format!("ip set {name}"), cidrs.join(", ")));
    }
    for (name, ports) in &g.port_sets {
        lines.push(kv(&format!("port set {name}"), ports.join(", ")));
    }
    lines.push(kv("ARN", arn.to_string()));
    if !state.read_only {
        lines.push(Line::from(Span::styled(
            format!(
                "{} {} it (a change, confirmed first)",
                toggle_keys(state),
                if entry.as_ref().is_some_and(|e| e.disabled) {
                    "enables"
                } else {
                    "disables"
                }
            ),
            dim(),
        )));
    }
    lines.push(Line::from(""));
    // Every rule, exactly as written: the pane renders only the visible window.
    let rules: Vec<&str> = g
        .rules_string
        .as_deref()
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).collect())
        .unwrap_or_default();
    lines.push(heading(format!(
        "Rules ({})",
        rules.len() + g.stateless_rules.len()
    )));
    for line in rules {
        lines.push(Line::from(format!("  {line}")));
    }
    for r in &g.stateless_rules {
        lines.push(Line::from(format!("  {}", r.describe())));
    }
    if let Some(src) = &g.other_source {
        lines.push(Line::from(Span::styled(
            format!("  ({src}: not shown as rules)"),
            dim(),
        )));
    }
    lines
}
