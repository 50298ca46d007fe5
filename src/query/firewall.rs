//! `fw list` and `fw show`: the Network Firewalls, a policy's rule groups in the
//! order the engine evaluates them, a rule group's rules as written.
//!
//! Invariants: read-only and pure (the estate in, tables and one JSON document out);
//! rules are shown exactly as AWS returned them (Suricata text as is).

use serde_json::{Value, json};

use super::{CommandError, Section, opt, to_value};
use crate::model::{FirewallPolicy, RuleGroup, RuleGroupRef};
use crate::net::Net;
use crate::net::inspection::{InspectionHop, InspectionKind, inspection_hops, policy_spoke_paths};

/// `fw list`.
pub(super) fn list(net: &Net<'_>) -> (Vec<Section>, Value) {
    let mut t = Section::new(&["REGION", "FIREWALL", "VPC", "POLICY", "ENDPOINTS", "ARN"]);
    let mut items = Vec::new();
    for r in net.regions() {
        for fw in &r.firewalls {
            let vpc = net.vpc_in(&r.region, &fw.vpc_id);
            let vpc_text = match vpc.and_then(|v| v.name.as_deref()) {
                Some(name) => format!("{} ({name})", fw.vpc_id),
                None => fw.vpc_id.clone(),
            };
            let policy = net.firewall_policy_in(&r.region, &fw.policy_arn);
            let endpoints: Vec<String> = fw
                .endpoints
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({})",
                        e.availability_zone,
                        opt(e.endpoint_id.as_deref()),
                        opt(e.status.as_deref())
                    )
                })
                .collect();
            t.row(vec![
                r.region.clone(),
                fw.name.clone(),
                vpc_text,
                policy.map_or_else(|| fw.policy_arn.clone(), |p| p.name.clone()),
                endpoints.join(", "),
                fw.arn.clone(),
            ]);
            let mut item = to_value(fw);
            if let Some(obj) = item.as_object_mut() {
                obj.insert("vpc_name".into(), json!(vpc.and_then(|v| v.name.clone())));
                obj.insert("policy_name".into(), json!(policy.map(|p| p.name.clone())));
            }
            items.push(item);
        }
    }
    // Inspection that is not a Network Firewall: an appliance behind a Gateway Load
    // Balancer endpoint, or a firewall attached to the TGW natively.
    let others: Vec<InspectionHop> = inspection_hops(net)
        .into_iter()
        .filter(|h| h.kind != InspectionKind::NetworkFirewall)
        .collect();
    let mut sections = vec![t];
    if !others.is_empty() {
        let mut o = Section::new(&["REGION", "KIND", "ID", "NAME", "VPC", "AZ", "STATE"])
            .titled("other inspection hops");
        for h in &others {
            o.row(vec![
                h.region.clone(),
                h.kind.as_str().to_string(),
                h.id.clone(),
                opt(h.name.as_deref()),
                opt(h.vpc_id.as_deref()),
                opt(h.az.as_deref()),
                opt(h.status.as_deref()),
            ]);
        }
        sections.push(o);
    }
    (
        sections,
        json!({ "items": items, "inspection_hops": to_value(&others) }),
    )
}

/// `fw show NAME|ARN`: a policy, else a rule group.
pub(super) fn show(net: &Net<'_>, name: &str) -> Result<(Vec<Section>, Value), CommandError> {
    if let Some(p) = net
        .regions()
        .find_map(|r| net.firewall_policy_in(&r.region, name))
    {
        return Ok(policy(net, p));
    }
    if let Some(g) = net
        .regions()
        .find_map(|r| net.rule_group_in(&r.region, name))
    {
        return Ok(group(g));
    }
    Err(CommandError::not_found(
        "firewall policy or rule group",
        name,
        net.estate(),
    ))
}

fn group_name(net: &Net<'_>, region: &str, r: &RuleGroupRef) -> (String, Option<i32>) {
    match net.rule_group_in(region, &r.arn) {
        Some(g) => (g.name.clone(), g.capacity),
        None => (format!("{} (not read)", r.arn), None),
    }
}

/// The references in the order the engine evaluates them: by priority where
/// priorities apply (stateless always, stateful under STRICT_ORDER), else as listed.
fn in_order(refs: &[RuleGroupRef], by_priority: bool) -> Vec<&RuleGroupRef> {
    let mut out: Vec<&RuleGroupRef> = refs.iter().collect();
    if by_priority {
        out.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
    }
    out
}

fn policy(net: &Net<'_>, p: &FirewallPolicy) -> (Vec<Section>, Value) {
    let strict = p.stateful_rule_order.as_deref() == Some("STRICT_ORDER");
    let mut head = Section::new(&["FIELD", "VALUE"]).titled(format!("policy {}", p.name));
    let home_net = net.region(&p.region).map_or_else(
        || "not read".to_string(),
        |r| crate::net::firewall::PolicyHomeNet::of(r, p).describe(),
    );
    for (k, v) in [
        ("arn", p.arn.clone()),
        (
            "stateful rule order",
            p.stateful_rule_order
                .clone()
                .unwrap_or_else(|| "DEFAULT_ACTION_ORDER".into()),
        ),
        (
            "stateless default actions",
            p.stateless_default_actions.join(", "),
        ),
        (
            "stateless fragment default actions",
            p.stateless_fragment_default_actions.join(", "),
        ),
        (
            "stateful default actions",
            if p.stateful_default_actions.is_empty() {
                "(none)".to_string()
            } else {
                p.stateful_default_actions.join(", ")
            },
        ),
        ("HOME_NET", home_net),
    ] {
        head.row(vec![k.to_string(), v]);
    }
    for (name, cidrs) in p.policy_variables.iter().filter(|(n, _)| *n != "HOME_NET") {
        head.row(vec![format!("variable {name}"), cidrs.join(", ")]);
    }
    let mut stateless = Section::new(&["PRIORITY", "GROUP", "CAPACITY"])
        .titled("stateless rule groups (evaluated by priority, per packet)");
    for r in in_order(&p.stateless_rule_groups, true) {
        let (name, capacity) = group_name(net, &p.region, r);
        stateless.row(vec![
            r.priority.map_or_else(|| "-".into(), |n| n.to_string()),
            name,
            capacity.map_or_else(|| "-".into(), |n| n.to_string()),
        ]);
    }
    let mut stateful = Section::new(&["PRIORITY", "GROUP", "OVERRIDE", "CAPACITY"]).titled(
        if strict {
            "stateful rule groups (STRICT_ORDER: by priority, first match decides)"
        } else {
            "stateful rule groups (DEFAULT_ACTION_ORDER: pass rules of every group first, then drop, reject, alert)"
        },
    );
    for r in in_order(&p.stateful_rule_groups, strict) {
        let (name, capacity) = group_name(net, &p.region, r);
        stateful.row(vec![
            r.priority.map_or_else(|| "-".into(), |n| n.to_string()),
            name,
            opt(r.override_action.as_deref()),
            capacity.map_or_else(|| "-".into(), |n| n.to_string()),
        ]);
    }
    let mut sections = vec![head, stateless, stateful];
    if !p.disabled.is_empty() {
        let mut disabled = Section::new(&["GROUP", "KIND", "PRIORITY", "OVERRIDE", "ARN"])
            .titled("disabled rule groups (recorded in the policy's netops:disabled: tags)");
        for d in &p.disabled {
            disabled.row(vec![
                d.name.clone(),
                d.kind.to_string(),
                d.reference
                    .priority
                    .map_or_else(|| "-".into(), |n| n.to_string()),
                opt(d.reference.override_action.as_deref()),
                d.reference.arn.clone(),
            ]);
        }
        sections.push(disabled);
    }
    let paths = policy_spoke_paths(net, p);
    if !paths.is_empty() {
        let mut s = Section::new(&["SPOKE", "AZ", "PATH"]).titled("spoke paths to the firewall");
        for sp in &paths {
            s.row(vec![sp.spoke.clone(), sp.az.clone(), sp.path_text()]);
        }
        sections.push(s);
    }
    (
        sections,
        json!({
            "kind": "firewall_policy",
            "item": to_value(p),
            "spoke_paths": to_value(&paths),
        }),
    )
}

fn group(g: &RuleGroup) -> (Vec<Section>, Value) {
    let mut head = Section::new(&["FIELD", "VALUE"]).titled(format!("rule group {}", g.name));
    for (k, v) in [
        ("arn", g.arn.clone()),
        ("type", g.kind.to_string()),
        (
            "capacity",
            g.capacity.map_or_else(|| "-".into(), |n| n.to_string()),
        ),
        ("rule order", opt(g.rule_order.as_deref())),
        ("description", opt(g.description.as_deref())),
    ] {
        head.row(vec![k.to_string(), v]);
    }
    for (name, cidrs) in &g.ip_sets {
        head.row(vec![format!("ip set {name}"), cidrs.join(", ")]);
    }
    for (name, ports) in &g.port_sets {
        head.row(vec![format!("port set {name}"), ports.join(", ")]);
    }
    let mut rules = Section::new(&[]).titled("rules:");
    if let Some(text) = &g.rules_string {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            rules.row(vec![format!("  {line}")]);
        }
    }
    for r in &g.stateless_rules {
        rules.row(vec![format!("  {}", r.describe())]);
    }
    if let Some(src) = &g.other_source {
        rules.row(vec![format!("  ({src}: not shown as rules)")]);
    }
    (
        vec![head, rules],
        json!({ "kind": "rule_group", "item": to_value(g) }),
    )
}

#[cfg(test)]
mod tests {
    use crate::command::parse_line;
    use crate::net::trace::tests::demo;
    use crate::query::run;

    fn run_line(estate: &crate::model::Estate, line: &str) -> crate::query::Output {
        let cmd = parse_line(line).expect("parses").expect("a command");
        run(estate, &cmd).expect("runs")
    }

    #[tokio::test]
    async fn fw_list_names_every_firewall_with_vpc_policy_and_endpoints() {
        let estate = demo().await;
        let out = run_line(&estate, "fw list");
        let text = out.to_text();
        assert!(text.contains("inspection-firewall"), "{text}");
        assert!(
            text.contains("vpc-0e1a2b3c4d5e6f731 (inspection)"),
            "{text}"
        );
        assert!(text.contains("egress-policy"), "{text}");
        assert!(
            text.contains("us-east-1a vpce-0e1a2b3c4d5e6f791 (READY)"),
            "{text}"
        );
        assert_eq!(out.json["items"][0]["policy_name"], "egress-policy");
    }

    #[tokio::test]
    async fn fw_show_a_policy_lists_groups_in_evaluation_order() {
        let estate = demo().await;
        let text = run_line(&estate, "fw show egress-policy").to_text();
        let icmp = text.find("allow-icmp").expect("allow-icmp listed");
        let amazon = text.find("allow-amazon").expect("allow-amazon listed");
        assert!(icmp < amazon, "STRICT_ORDER: priority 10 before 20: {text}");
        assert!(text.contains("STRICT_ORDER: by priority"), "{text}");
        assert!(text.contains("aws:drop_strict"), "{text}");
        assert!(text.contains("10.0.0.0/8 (policy variable)"), "{text}");
        // By ARN too.
        let by_arn = run_line(
            &estate,
            "fw show arn:aws:network-firewall:us-east-1:111122223333:firewall-policy/egress-policy",
        );
        assert_eq!(by_arn.json["kind"], "firewall_policy");
    }

    #[tokio::test]
    async fn fw_show_a_group_prints_its_rules_as_written() {
        let estate = demo().await;
        let out = run_line(&estate, "fw show allow-amazon");
        let text = out.to_text();
        assert!(
            text.contains(r#"content:".amazon.com"; endswith;"#),
            "the Suricata text as is: {text}"
        );
        assert_eq!(out.json["kind"], "rule_group");
        let cmd = parse_line("fw show nope")
            .expect("parses")
            .expect("a command");
        let err = run(&estate, &cmd).expect_err("unknown");
        assert!(
            err.message
                .contains("firewall policy or rule group nope not found"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn fw_show_a_policy_lists_spoke_paths_and_disabled_groups() {
        let mut estate = demo().await;
        let text = run_line(&estate, "fw show egress-policy").to_text();
        assert!(text.contains("spoke paths to the firewall"), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains("spoke-a") && l.contains("us-east-1a"))
            .expect("spoke-a in us-east-1a");
        assert!(line.contains("tgw-rtb-"), "{line}");
        assert!(line.contains("→ vpce-0e1a2b3c4d5e6f791"), "{line}");
        assert!(
            text.lines()
                .any(|l| l.contains("spoke-b") && l.contains("bypasses inspection")),
            "{text}"
        );
        assert!(!text.contains("disabled rule groups"), "{text}");
        // Disable allow-amazon in the model, as the simulator would.
        for r in estate.regions.values_mut() {
            if let crate::model::RegionLoad::Loaded { estate: r } = r {
                for p in &mut r.firewall_policies {
                    let arn = p
                        .stateful_rule_groups
                        .iter()
                        .find(|g| g.arn.ends_with("/allow-amazon"))
                        .map(|g| g.arn.clone());
                    if let Some(arn) = arn {
                        p.disable_group(&arn, "allow-amazon").expect("disables");
                    }
                }
            }
        }
        let out = run_line(&estate, "fw show egress-policy");
        let text = out.to_text();
        let line = text
            .lines()
            .skip_while(|l| !l.contains("disabled rule groups"))
            .find(|l| l.contains("allow-amazon"))
            .expect("allow-amazon listed as disabled");
        assert!(line.contains("STATEFUL") && line.contains("20"), "{line}");
        assert_eq!(out.json["item"]["disabled"][0]["name"], "allow-amazon");
        assert!(out.json["spoke_paths"].is_array());
    }

    #[tokio::test]
    async fn fw_list_json_has_the_other_inspection_hops() {
        let estate = demo().await;
        let out = run_line(&estate, "fw list");
        assert_eq!(out.json["inspection_hops"], serde_json::json!([]));
    }
}
