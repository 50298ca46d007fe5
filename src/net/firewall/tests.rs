#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::model::{PortRange, RuleGroupKind};

const SEED_AMAZON: &str = "pass tcp any any <> $EXTERNAL_NET 443 (msg:\"Allowing TCP in port 443\"; flow:not_established; sid:892123; rev:1;)\n\
pass tls any any -> $EXTERNAL_NET 443 (tls.sni; dotprefix; content:\".amazon.com\"; endswith; msg:\"Allowing .amazon.com HTTPS requests\"; sid:892125; rev:1;)";

fn arn(name: &str) -> String {
    format!("arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/{name}")
}

fn stateful(name: &str, rules: &str) -> RuleGroup {
    RuleGroup {
        name: name.into(),
        arn: arn(name),
        kind: RuleGroupKind::Stateful,
        rules_string: Some(rules.into()),
        rule_order: Some("STRICT_ORDER".into()),
        ..RuleGroup::default()
    }
}

fn stateless_group(name: &str, rules: Vec<StatelessRule>) -> RuleGroup {
    RuleGroup {
        name: name.into(),
        arn: arn(name),
        kind: RuleGroupKind::Stateless,
        stateless_rules: rules,
        ..RuleGroup::default()
    }
}

fn reference(g: &RuleGroup, priority: i32) -> RuleGroupRef {
    RuleGroupRef {
        arn: g.arn.clone(),
        priority: Some(priority),
        ..RuleGroupRef::default()
    }
}

fn drop_ssh() -> RuleGroup {
    stateless_group(
        "drop-remote",
        vec![StatelessRule {
            priority: 1,
            actions: vec!["aws:drop".into()],
            protocols: vec![6],
            destination_ports: vec![PortRange { from: 22, to: 22 }],
            ..StatelessRule::default()
        }],
    )
}

/// The seed policy: forward to stateful, STRICT_ORDER, drop_strict + alert_strict.
fn seed() -> (FirewallPolicy, Vec<RuleGroup>) {
    let sl = drop_ssh();
    let icmp = stateful(
        "allow-icmp",
        "pass icmp $HOME_NET any -> any any (msg: \"Allow ICMP\"; sid:1; rev:1;)",
    );
    let amazon = stateful("allow-amazon", SEED_AMAZON);
    let mut vars = BTreeMap::new();
    vars.insert("HOME_NET".to_string(), vec!["10.0.0.0/8".to_string()]);
    let policy = FirewallPolicy {
        name: "seed".into(),
        stateless_default_actions: vec!["aws:forward_to_sfe".into()],
        stateful_rule_order: Some("STRICT_ORDER".into()),
        stateful_default_actions: vec!["aws:drop_strict".into(), "aws:alert_strict".into()],
        stateless_rule_groups: vec![reference(&sl, 1)],
        stateful_rule_groups: vec![reference(&icmp, 10), reference(&amazon, 20)],
        policy_variables: vars,
        ..FirewallPolicy::default()
    };
    (policy, vec![sl, icmp, amazon])
}

/// A strict-order policy with the given stateful groups (priorities 10, 20, …).
fn policy_with(groups: &[RuleGroup], defaults: &[&str]) -> FirewallPolicy {
    FirewallPolicy {
        stateless_default_actions: vec!["aws:forward_to_sfe".into()],
        stateful_rule_order: Some("STRICT_ORDER".into()),
        stateful_default_actions: defaults.iter().map(|s| (*s).to_string()).collect(),
        stateful_rule_groups: groups
            .iter()
            .zip(1..)
            .map(|(g, i)| reference(g, i * 10))
            .collect(),
        ..FirewallPolicy::default()
    }
}

fn vpc() -> Vec<IpNet> {
    vec!["10.100.0.0/22".parse().unwrap()]
}

fn tcp(dst_port: u16, sni: Option<&str>) -> FlowSpec {
    FlowSpec {
        protocol: Protocol::Tcp,
        src: "10.0.0.10".parse().unwrap(),
        dst: "52.94.236.248".parse().unwrap(),
        src_port: None,
        dst_port: Some(dst_port),
        sni: sni.map(Into::into),
        http_host: None,
    }
}

fn udp(dst_port: u16) -> FlowSpec {
    FlowSpec {
        protocol: Protocol::Udp,
        dst_port: Some(dst_port),
        ..tcp(0, None)
    }
}

fn icmp() -> FlowSpec {
    FlowSpec {
        protocol: Protocol::Icmp,
        dst_port: None,
        ..tcp(0, None)
    }
}

fn eval(policy: &FirewallPolicy, groups: &[RuleGroup], flow: &FlowSpec) -> Evaluation {
    let cidrs = vpc();
    let input = PolicyInput {
        policy,
        rule_groups: groups,
        firewall_vpc_cidrs: &cidrs,
    };
    evaluate(&input, flow)
}

fn eval_ret(
    policy: &FirewallPolicy,
    groups: &[RuleGroup],
    flow: &FlowSpec,
    saw: bool,
) -> Evaluation {
    let cidrs = vpc();
    let input = PolicyInput {
        policy,
        rule_groups: groups,
        firewall_vpc_cidrs: &cidrs,
    };
    evaluate_return(&input, flow, saw)
}

/// One strict group, drop_strict: whether the rules pass `flow`.
fn strict_one(rules: &str, flow: &FlowSpec) -> Evaluation {
    let g = stateful("g", rules);
    let p = policy_with(std::slice::from_ref(&g), &["aws:drop_strict"]);
    eval(&p, &[g], flow)
}

fn one(rule: &str) -> Rule {
    parse_rule(rule, 1).unwrap()
}

// ----- seed cases -----------------------------------------------------------------

#[test]
fn seed_amazon_sni_passes_by_sid_892125() {
    let (p, g) = seed();
    let e = eval(&p, &g, &tcp(443, Some("www.amazon.com")));
    assert_eq!(e.outcome, Outcome::Pass, "{e:#?}");
    assert!(e.decided_by.contains("sid 892125"), "{}", e.decided_by);
    assert!(
        e.decided_by
            .starts_with("stateful group allow-amazon (priority 20) sid 892125: pass tls")
    );
    assert!(
        e.steps
            .iter()
            .any(|s| s == "stateful handshake (client → server): pass by allow-amazon sid 892123"),
        "{:#?}",
        e.steps
    );
    assert!(e.steps.iter().any(|s| s.starts_with(
        "stateless (client → server): no rule matched in drop-remote; default aws:forward_to_sfe"
    )));
    assert_eq!(e.home_net_source, "policy variables");
    assert_eq!(e.home_net, vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]);
}

#[test]
fn seed_google_sni_dropped_by_drop_strict() {
    let (p, g) = seed();
    let e = eval(&p, &g, &tcp(443, Some("www.google.com")));
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(e.decided_by, "stateful default action aws:drop_strict");
    assert!(e.steps.iter().any(|s| s == "stateful application (tls sni www.google.com): no rule passed; aws:drop_strict drops it"), "{:#?}", e.steps);
    assert!(e.alerts.iter().any(|a| a.contains("aws:alert_strict")));
}

#[test]
fn seed_ssh_dropped_by_stateless() {
    let (p, g) = seed();
    let e = eval(&p, &g, &tcp(22, None));
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(
        e.decided_by,
        "stateless group drop-remote (priority 1) rule priority 1: aws:drop"
    );
    assert!(e.steps.iter().any(|s| s
        == "stateless (client → server): drop-remote (priority 1) rule priority 1 matched: aws:drop"));
}

#[test]
fn seed_icmp_passes_by_sid_1() {
    let (p, g) = seed();
    let e = eval(&p, &g, &icmp());
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(
        e.decided_by
            .starts_with("stateful group allow-icmp (priority 10) sid 1: pass icmp")
    );
}

#[test]
fn seed_icmp_without_home_net_override_is_external_and_dropped() {
    let (mut p, g) = seed();
    p.policy_variables.clear();
    let e = eval(&p, &g, &icmp());
    assert_eq!(e.outcome, Outcome::Drop, "{e:#?}");
    assert_eq!(e.decided_by, "stateful default action aws:drop_strict");
    assert_eq!(e.home_net, vpc());
    assert_eq!(e.home_net_source, "the firewall VPC's CIDR (default)");
}

#[test]
fn seed_unknown_keyword_before_drop_is_unverified() {
    let (mut p, mut g) = seed();
    let ja3 = stateful(
        "ja3",
        "pass tcp any any -> any 443 (ja3.hash; content:\"x\"; sid:9;)",
    );
    p.stateful_rule_groups.insert(0, reference(&ja3, 5));
    g.push(ja3);
    let e = eval(&p, &g, &tcp(443, Some("www.google.com")));
    assert_eq!(e.outcome, Outcome::Unverified, "{e:#?}");
    assert!(e.decided_by.contains("ja3.hash"), "{}", e.decided_by);
    assert!(
        e.not_evaluated
            .iter()
            .any(|n| n.contains("sid 9") && n.contains("ja3.hash"))
    );
}

#[test]
fn seed_unknown_keyword_with_header_that_cannot_match_is_skipped() {
    let (mut p, mut g) = seed();
    let ja3 = stateful(
        "ja3",
        "pass tcp any any -> any 8443 (ja3.hash; content:\"x\"; sid:9;)",
    );
    p.stateful_rule_groups.insert(0, reference(&ja3, 5));
    g.push(ja3);
    let e = eval(&p, &g, &tcp(443, Some("www.google.com")));
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(e.not_evaluated.is_empty(), "{:#?}", e.not_evaluated);
}

// ----- parser ---------------------------------------------------------------------

#[test]
fn parses_seed_rules() {
    let rules = parse_rules(SEED_AMAZON);
    assert_eq!(rules.len(), 2);
    let a = rules[0].as_ref().unwrap();
    assert_eq!(a.action, Action::Pass);
    assert_eq!(a.protocol, RuleProtocol::Tcp);
    assert!(a.bidirectional);
    assert_eq!(a.dst, AddrSpec::Var("EXTERNAL_NET".into()));
    assert_eq!(a.dst_ports, PortSpec::Range(443, 443));
    assert_eq!(a.sid, 892_123);
    assert!(a.flow.not_established);
    assert_eq!(a.msg.as_deref(), Some("Allowing TCP in port 443"));
    let b = rules[1].as_ref().unwrap();
    assert_eq!(b.protocol, RuleProtocol::Tls);
    assert_eq!(b.contents.len(), 1);
    let c = &b.contents[0];
    assert_eq!(c.buffer, Some(Buffer::TlsSni));
    assert_eq!(c.pattern, b".amazon.com");
    assert!(c.dotprefix && c.endswith && !c.startswith && !c.nocase);
    assert!(b.unsupported.is_empty());
}

#[test]
fn parses_address_forms() {
    let a = |s: &str| suricata::parse_addr(s, 0).unwrap();
    assert_eq!(a("any"), AddrSpec::Any);
    assert_eq!(a("$HOME_NET"), AddrSpec::Var("HOME_NET".into()));
    assert_eq!(
        a("10.0.0.0/8"),
        AddrSpec::Net("10.0.0.0/8".parse().unwrap())
    );
    assert_eq!(
        a("10.1.2.3/8"),
        AddrSpec::Net("10.0.0.0/8".parse().unwrap())
    );
    assert_eq!(a("10.0.0.1"), AddrSpec::Net("10.0.0.1/32".parse().unwrap()));
    assert_eq!(
        a("2001:db8::/32"),
        AddrSpec::Net("2001:db8::/32".parse().unwrap())
    );
    assert_eq!(a("!10.0.0.1"), AddrSpec::Not(Box::new(a("10.0.0.1"))));
    assert_eq!(
        a("[10.0.0.0/8, !10.1.0.0/16,[192.168.0.1]]"),
        AddrSpec::List(vec![
            a("10.0.0.0/8"),
            a("!10.1.0.0/16"),
            AddrSpec::List(vec![a("192.168.0.1")])
        ])
    );
    assert!(suricata::parse_addr("10.0.0.300", 0).is_err());
    assert!(suricata::parse_addr("[10.0.0.1", 0).is_err());
    assert!(suricata::parse_addr("$", 0).is_err());
}

#[test]
fn parses_port_forms() {
    let p = |s: &str| suricata::parse_port(s, 0).unwrap();
    assert_eq!(p("any"), PortSpec::Any);
    assert_eq!(p("443"), PortSpec::Range(443, 443));
    assert_eq!(p("1000:2000"), PortSpec::Range(1000, 2000));
    assert_eq!(p("1024:"), PortSpec::Range(1024, u16::MAX));
    assert_eq!(p(":1023"), PortSpec::Range(0, 1023));
    assert_eq!(p("!22"), PortSpec::Not(Box::new(PortSpec::Range(22, 22))));
    assert_eq!(p("$WEB"), PortSpec::Var("WEB".into()));
    assert_eq!(
        p("[80,443,8000:8080]"),
        PortSpec::List(vec![
            PortSpec::Range(80, 80),
            PortSpec::Range(443, 443),
            PortSpec::Range(8000, 8080)
        ])
    );
    assert!(suricata::parse_port("70000", 0).is_err());
    assert!(suricata::parse_port("2000:1000", 0).is_err());
    assert!(suricata::parse_port("http", 0).is_err());
}

#[test]
fn parses_options() {
    let r = one(
        "alert http $HOME_NET any -> any 80 (msg:\"semi\\;colon \\\"q\\\"\"; http.host; content:\"Example.COM\"; nocase; startswith; flow:established,to_server; classtype:policy; metadata:a b; priority:1; sid:7; rev:2;)",
    );
    assert_eq!(r.msg.as_deref(), Some("semi;colon \"q\""));
    assert_eq!(r.action, Action::Alert);
    assert!(r.flow.established && r.flow.to_server);
    let c = &r.contents[0];
    assert_eq!(c.buffer, Some(Buffer::HttpHost));
    assert!(c.nocase && c.startswith);
    assert!(r.unsupported.is_empty());
    let hex = one("pass tls any any -> any any (tls.sni; content:\"a|2e 62|c\"; sid:8;)");
    assert_eq!(hex.contents[0].pattern, b"a.bc");
    let neg = one("drop tls any any -> any any (tls.sni; content:!\"x\"; sid:8;)");
    assert!(neg.contents[0].negated);
    let legacy = one("drop tcp any any -> any 80 (content:\"evil.com\"; http_host; sid:3;)");
    assert_eq!(legacy.contents[0].buffer, Some(Buffer::HttpHost));
    assert!(legacy.unsupported.is_empty());
    let isdataat = one(
        "drop tls any any -> any any (tls_sni; content:\"x.com\"; isdataat:!1,relative; sid:4;)",
    );
    assert!(isdataat.contents[0].endswith);
    let ssl = one("pass tls any any -> any any (ssl_state:client_hello; sid:5;)");
    assert!(ssl.tls_client_hello);
}

#[test]
fn unknown_keywords_are_recorded_by_name() {
    let r = one(
        "pass tcp any any -> any 443 (ja3.hash; content:\"x\"; flow:only_stream; pcre:\"/a/\"; sid:9;)",
    );
    assert!(
        r.unsupported.contains(&"ja3.hash".to_string()),
        "{:?}",
        r.unsupported
    );
    assert!(r.unsupported.contains(&"flow:only_stream".to_string()));
    assert!(r.unsupported.contains(&"pcre".to_string()));
    assert!(r.unsupported.contains(&"content (payload)".to_string()));
    let dns = one("drop dns any any -> any any (dns.query; content:\"x\"; sid:10;)");
    assert_eq!(dns.protocol, RuleProtocol::Other("dns".into()));
}

#[test]
fn bad_syntax_is_an_error_with_a_reason() {
    for (text, why) in [
        ("pass tcp any any -> any 443", "no options"),
        ("pass tcp any any -> any 443 (sid:1;", "not closed"),
        ("pass tcp any any => any 443 (sid:1;)", "direction"),
        ("pass tcp any -> any 443 (sid:1;)", "6 fields"),
        ("allow tcp any any -> any 443 (sid:1;)", "action"),
        ("pass tcp any any -> any 99999 (sid:1;)", "bad port"),
        ("pass tcp any any -> any 443 (msg:\"x;)", "unterminated"),
        ("pass tcp any any -> any 443 (msg:\"no sid\";)", "sid"),
        ("pass tcp any any -> any 443 (sid:abc;)", "bad sid"),
        ("pass tcp any any -> any 443 (nocase; sid:1;)", "before any"),
        ("pass tcp any any -> any 443 (sid:1;) trailing", "after"),
    ] {
        let err = parse_rule(text, 1).unwrap_err();
        assert!(err.0.contains(why), "{text}: {err}");
    }
}

#[test]
fn comments_and_blank_lines_are_skipped_lines_kept() {
    let rules =
        parse_rules("# header\n\n  pass ip any any -> any any (sid:1;)\n   # more\nbogus\n");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].as_ref().unwrap().line, 3);
    let err = rules[1].as_ref().unwrap_err();
    assert_eq!(err.line, 5);
    assert_eq!(err.text, "bogus");
}

// ----- matching -------------------------------------------------------------------

#[test]
fn address_lists_and_negation() {
    let u = udp(53);
    assert_eq!(
        strict_one(
            "pass udp [10.0.0.0/8,!10.0.0.0/24] any -> any any (sid:1;)",
            &u
        )
        .outcome,
        Outcome::Drop
    );
    assert_eq!(
        strict_one(
            "pass udp [10.0.0.0/8,!10.1.0.0/16] any -> any any (sid:1;)",
            &u
        )
        .outcome,
        Outcome::Pass
    );
    assert_eq!(
        strict_one("pass udp !10.0.0.10 any -> any any (sid:1;)", &u).outcome,
        Outcome::Drop
    );
    assert_eq!(
        strict_one(
            "pass udp [!192.168.0.0/16] any -> 52.94.236.248 any (sid:1;)",
            &u
        )
        .outcome,
        Outcome::Pass
    );
    assert_eq!(
        strict_one("pass udp any any -> 52.94.236.0/24 any (sid:1;)", &u).outcome,
        Outcome::Pass
    );
}

#[test]
fn ports_ranges_lists_and_ephemeral_source() {
    let u = udp(53);
    for (rule, want) in [
        ("pass udp any any -> any [53,853] (sid:1;)", Outcome::Pass),
        ("pass udp any any -> any 50:60 (sid:1;)", Outcome::Pass),
        ("pass udp any any -> any :52 (sid:1;)", Outcome::Drop),
        ("pass udp any any -> any 54: (sid:1;)", Outcome::Drop),
        ("pass udp any any -> any !53 (sid:1;)", Outcome::Drop),
        (
            "pass udp any any -> any [1:100,!53] (sid:1;)",
            Outcome::Drop,
        ),
        // The client's port is ephemeral: only a spec covering 1024-65535 matches.
        ("pass udp any 1024: -> any 53 (sid:1;)", Outcome::Pass),
        ("pass udp any !22 -> any 53 (sid:1;)", Outcome::Pass),
        ("pass udp any 5000 -> any 53 (sid:1;)", Outcome::Drop),
    ] {
        assert_eq!(strict_one(rule, &u).outcome, want, "{rule}");
    }
    let exact = FlowSpec {
        src_port: Some(5000),
        ..udp(53)
    };
    assert_eq!(
        strict_one("pass udp any 5000 -> any 53 (sid:1;)", &exact).outcome,
        Outcome::Pass
    );
}

#[test]
fn rule_group_variables_resolve() {
    let mut g = stateful("g", "pass udp $CLIENTS any -> any $DNS (sid:1;)");
    g.ip_sets
        .insert("CLIENTS".into(), vec!["10.0.0.0/16".into()]);
    g.port_sets
        .insert("DNS".into(), vec!["53".into(), "853".into()]);
    let p = policy_with(std::slice::from_ref(&g), &["aws:drop_strict"]);
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &udp(53)).outcome,
        Outcome::Pass
    );
    assert_eq!(eval(&p, &[g], &udp(54)).outcome, Outcome::Drop);
    // An undefined variable: not evaluated, and it could decide first.
    let e = strict_one("pass udp $NOPE any -> any any (sid:1;)", &udp(53));
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(
        e.not_evaluated[0].contains("unknown variable $NOPE"),
        "{:?}",
        e.not_evaluated
    );
}

#[test]
fn sni_content_modifiers() {
    let m = |rule: &str, sni: &str| {
        strict_one(
            &format!("pass tcp any any <> any 443 (flow:not_established; sid:1;)\n{rule}"),
            &tcp(443, Some(sni)),
        )
        .outcome
    };
    let dot = "pass tls any any -> any 443 (tls.sni; dotprefix; content:\".amazon.com\"; endswith; sid:2;)";
    assert_eq!(m(dot, "www.amazon.com"), Outcome::Pass);
    assert_eq!(m(dot, "amazon.com"), Outcome::Pass);
    assert_eq!(m(dot, "fakeamazon.com"), Outcome::Drop);
    assert_eq!(m(dot, "amazon.com.evil.io"), Outcome::Drop);
    assert_eq!(m(dot, "WWW.AMAZON.COM"), Outcome::Drop);
    let nocase =
        "pass tls any any -> any 443 (tls.sni; content:\"amazon.com\"; nocase; endswith; sid:2;)";
    assert_eq!(m(nocase, "WWW.AMAZON.COM"), Outcome::Pass);
    let exact =
        "pass tls any any -> any 443 (tls.sni; content:\"a.com\"; startswith; endswith; sid:2;)";
    assert_eq!(m(exact, "a.com"), Outcome::Pass);
    assert_eq!(m(exact, "b.a.com"), Outcome::Drop);
    let start = "pass tls any any -> any 443 (tls.sni; content:\"ssm.\"; startswith; content:\".amazonaws.com\"; endswith; sid:2;)";
    assert_eq!(m(start, "ssm.us-east-1.amazonaws.com"), Outcome::Pass);
    assert_eq!(m(start, "ec2.us-east-1.amazonaws.com"), Outcome::Drop);
    let contains = "pass tls any any -> any 443 (tls.sni; content:\"zon\"; sid:2;)";
    assert_eq!(m(contains, "amazon.com"), Outcome::Pass);
}

#[test]
fn http_host_rule_matches_only_http_phase() {
    let rules = "pass tcp any any <> any 80 (flow:not_established; sid:1;)\npass http any any -> any 80 (http.host; content:\"example.com\"; endswith; sid:2;)";
    let mut f = tcp(80, None);
    f.http_host = Some("www.example.com".into());
    assert_eq!(strict_one(rules, &f).outcome, Outcome::Pass);
    f.http_host = Some("example.org".into());
    assert_eq!(strict_one(rules, &f).outcome, Outcome::Drop);
    // No Host at all: the application phase has no protocol; the http rule cannot match.
    assert_eq!(strict_one(rules, &tcp(80, None)).outcome, Outcome::Drop);
}

#[test]
fn flow_direction_keywords() {
    // to_client only: the client's SYN is not matched; drop_strict drops it.
    let e = strict_one(
        "pass tcp any any <> any 443 (flow:to_client; sid:1;)",
        &tcp(443, None),
    );
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(
        e.steps
            .iter()
            .any(|s| s.starts_with("stateful handshake (client → server): no rule passed"))
    );
    // `->` only: the server's SYN-ACK does not match the header.
    let e = strict_one("pass tcp any any -> any 443 (sid:1;)", &tcp(443, None));
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(
        e.steps
            .iter()
            .any(|s| s.starts_with("stateful handshake (server → client): no rule passed")),
        "{:#?}",
        e.steps
    );
    // `<>` without flow options passes all phases.
    assert_eq!(
        strict_one("pass tcp any any <> any 443 (sid:1;)", &tcp(443, None)).outcome,
        Outcome::Pass
    );
    // established only: the handshake is dropped.
    assert_eq!(
        strict_one(
            "pass tcp any any <> any 443 (flow:established; sid:1;)",
            &tcp(443, None)
        )
        .outcome,
        Outcome::Drop
    );
    // flow:stateless matches in every state.
    assert_eq!(
        strict_one(
            "pass tcp any any <> any 443 (flow:stateless; sid:1;)",
            &tcp(443, None)
        )
        .outcome,
        Outcome::Pass
    );
}

// ----- stateless ------------------------------------------------------------------

fn sl_rule(priority: i32, action: &str, f: impl FnOnce(&mut StatelessRule)) -> StatelessRule {
    let mut r = StatelessRule {
        priority,
        actions: vec![action.into()],
        ..StatelessRule::default()
    };
    f(&mut r);
    r
}

fn stateless_policy(groups: &[(&RuleGroup, i32)], default: &str) -> FirewallPolicy {
    FirewallPolicy {
        stateless_default_actions: vec![default.into()],
        stateless_rule_groups: groups.iter().map(|(g, p)| reference(g, *p)).collect(),
        stateful_rule_order: Some("STRICT_ORDER".into()),
        stateful_default_actions: vec!["aws:drop_strict".into()],
        ..FirewallPolicy::default()
    }
}

#[test]
fn stateless_group_and_rule_priority_order() {
    // Group priority 1 is checked before group 2 even when listed second; within a
    // group, rule priority 1 before 5.
    let a = stateless_group(
        "a",
        vec![
            sl_rule(5, "aws:drop", |_| {}),
            sl_rule(1, "aws:pass", |_| {}),
        ],
    );
    let b = stateless_group("b", vec![sl_rule(1, "aws:drop", |_| {})]);
    let p = stateless_policy(&[(&b, 2), (&a, 1)], "aws:forward_to_sfe");
    let e = eval(&p, &[a, b], &udp(53));
    assert_eq!(e.outcome, Outcome::Pass, "{e:#?}");
    assert_eq!(
        e.decided_by,
        "stateless group a (priority 1) rule priority 1: aws:pass"
    );
    assert!(
        e.steps
            .iter()
            .any(|s| s == "stateful udp: skipped (stateless aws:pass)")
    );
}

#[test]
fn stateless_match_fields() {
    let g = stateless_group(
        "g",
        vec![sl_rule(1, "aws:drop", |r| {
            r.sources = vec!["10.0.0.0/24".into()];
            r.destinations = vec!["52.94.0.0/16".into()];
            r.protocols = vec![17];
            r.destination_ports = vec![PortRange { from: 50, to: 60 }];
        })],
    );
    let p = stateless_policy(&[(&g, 1)], "aws:pass");
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &udp(53)).outcome,
        Outcome::Drop
    );
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &udp(61)).outcome,
        Outcome::Pass
    );
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &tcp(53, None)).outcome,
        Outcome::Pass
    );
    let mut other_src = udp(53);
    other_src.src = "10.0.1.1".parse().unwrap();
    assert_eq!(eval(&p, &[g], &other_src).outcome, Outcome::Pass);
    // Ports apply only to TCP/UDP: an any-protocol port rule matches ICMP.
    let any = stateless_group(
        "any",
        vec![sl_rule(1, "aws:drop", |r| {
            r.destination_ports = vec![PortRange { from: 22, to: 22 }];
        })],
    );
    let p = stateless_policy(&[(&any, 1)], "aws:pass");
    assert_eq!(eval(&p, &[any], &icmp()).outcome, Outcome::Drop);
}

#[test]
fn stateless_default_and_custom_actions() {
    let g = stateless_group("g", vec![sl_rule(1, "aws:drop", |r| r.protocols = vec![6])]);
    let mut p = stateless_policy(&[(&g, 1)], "aws:drop");
    p.stateless_default_actions.push("MetricOnly".into());
    let e = eval(&p, std::slice::from_ref(&g), &udp(53));
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(e.decided_by, "stateless default action aws:drop");
    assert!(
        e.steps
            .iter()
            .any(|s| s.contains("custom action MetricOnly publishes metrics only"))
    );
    let c = stateless_group(
        "c",
        vec![StatelessRule {
            priority: 1,
            actions: vec!["CountIt".into(), "aws:pass".into()],
            ..StatelessRule::default()
        }],
    );
    let p = stateless_policy(&[(&c, 1)], "aws:drop");
    let e = eval(&p, &[c], &udp(53));
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(
        e.steps
            .iter()
            .any(|s| s.contains("custom action CountIt (publishes metrics only)")),
        "{:#?}",
        e.steps
    );
}

#[test]
fn stateless_tcp_flags_rule_is_not_evaluated() {
    let g = stateless_group(
        "flags",
        vec![sl_rule(1, "aws:drop", |r| {
            r.protocols = vec![6];
            r.tcp_flags = true;
        })],
    );
    let p = stateless_policy(&[(&g, 1)], "aws:pass");
    let e = eval(&p, std::slice::from_ref(&g), &tcp(443, None));
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(e.not_evaluated.iter().any(|n| n.contains("TCP flags")));
    // Not TCP: the rule cannot match, nothing unverified.
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &udp(53)).outcome,
        Outcome::Pass
    );
    // The same action as the one that decides anyway: the outcome is certain.
    let p = stateless_policy(&[(&g, 1)], "aws:drop");
    assert_eq!(eval(&p, &[g], &tcp(443, None)).outcome, Outcome::Drop);
}

#[test]
fn stateless_missing_group_is_unverified_unless_decided_earlier() {
    let g = stateless_group(
        "g",
        vec![sl_rule(1, "aws:drop", |r| r.protocols = vec![17])],
    );
    let mut p = stateless_policy(&[(&g, 1)], "aws:pass");
    p.stateless_rule_groups.push(RuleGroupRef {
        arn: "arn:missing".into(),
        priority: Some(2),
        ..RuleGroupRef::default()
    });
    let e = eval(&p, std::slice::from_ref(&g), &tcp(443, None));
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(e.not_evaluated.iter().any(|n| n.contains("arn:missing")));
    // UDP is dropped by group g (priority 1) before the missing group.
    assert_eq!(eval(&p, &[g], &udp(53)).outcome, Outcome::Drop);
}

// ----- stateful -------------------------------------------------------------------

#[test]
fn strict_order_first_group_decides_and_alert_continues() {
    let alert = stateful("log", "alert udp any any -> any 53 (msg:\"dns\"; sid:1;)");
    let drop = stateful("deny", "drop udp any any -> any 53 (sid:2;)");
    let pass = stateful("allow", "pass udp any any -> any 53 (sid:3;)");
    let p = policy_with(&[alert.clone(), drop.clone(), pass.clone()], &[]);
    let e = eval(&p, &[alert.clone(), drop.clone(), pass.clone()], &udp(53));
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(
        e.decided_by,
        "stateful group deny (priority 20) sid 2: drop udp any any -> any 53 (sid:2;)"
    );
    assert_eq!(e.alerts.len(), 1, "{:?}", e.alerts);
    // Rules in the order written within a group.
    let g = stateful(
        "g",
        "reject udp any any -> any 53 (sid:1;)\npass udp any any -> any 53 (sid:2;)",
    );
    let p = policy_with(std::slice::from_ref(&g), &[]);
    assert_eq!(eval(&p, &[g], &udp(53)).outcome, Outcome::Reject);
}

#[test]
fn default_action_order_pass_before_drop() {
    let drop = stateful(
        "deny",
        "drop udp any any -> any 53 (sid:2;)\nreject udp any any -> any 53 (sid:4;)",
    );
    let pass = stateful("allow", "pass udp any any -> any 53 (sid:3;)");
    let mut p = policy_with(&[drop.clone(), pass.clone()], &[]);
    p.stateful_rule_order = Some("DEFAULT_ACTION_ORDER".into());
    let groups = [drop.clone(), pass];
    let e = eval(&p, &groups, &udp(53));
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(e.decided_by.contains("sid 3"));
    // Drop before reject.
    let p2 = FirewallPolicy {
        stateful_rule_groups: vec![reference(&drop, 1)],
        ..p.clone()
    };
    assert_eq!(eval(&p2, &[drop], &udp(53)).outcome, Outcome::Drop);
    // No match: pass (the stateful default actions apply to strict order only).
    let e = eval(&p, &groups, &udp(54));
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(e.decided_by.contains("DEFAULT_ACTION_ORDER"));
    // rule_order None is default action order.
    p.stateful_rule_order = None;
    assert_eq!(eval(&p, &groups, &udp(53)).outcome, Outcome::Pass);
}

#[test]
fn default_action_order_missing_group_cannot_change_a_pass() {
    let pass = stateful("allow", "pass udp any any -> any 53 (sid:3;)");
    let mut p = policy_with(std::slice::from_ref(&pass), &[]);
    p.stateful_rule_order = Some("DEFAULT_ACTION_ORDER".into());
    p.stateful_rule_groups.push(RuleGroupRef {
        arn: "arn:missing".into(),
        ..RuleGroupRef::default()
    });
    let groups = [pass];
    assert_eq!(eval(&p, &groups, &udp(53)).outcome, Outcome::Pass);
    // Nothing passes 54: the missing group might drop it.
    assert_eq!(eval(&p, &groups, &udp(54)).outcome, Outcome::Unverified);
}

#[test]
fn the_handshake_trap_under_drop_strict() {
    // Only an SNI pass rule: the handshake never passes under aws:drop_strict.
    let sni_only =
        "pass tls any any -> any 443 (tls.sni; content:\"amazon.com\"; endswith; sid:5;)";
    let e = strict_one(sni_only, &tcp(443, Some("www.amazon.com")));
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(
        e.steps.iter().any(|s| s
            == "stateful handshake (client → server): no rule passed; aws:drop_strict drops it"),
        "{:#?}",
        e.steps
    );
    // Under aws:drop_established the handshake gets through and the SNI rule decides.
    let g = stateful("g", sni_only);
    let p = policy_with(std::slice::from_ref(&g), &["aws:drop_established"]);
    let e = eval(
        &p,
        std::slice::from_ref(&g),
        &tcp(443, Some("www.amazon.com")),
    );
    assert_eq!(e.outcome, Outcome::Pass, "{e:#?}");
    assert!(e.decided_by.contains("sid 5"));
    let e = eval(&p, &[g], &tcp(443, Some("www.google.com")));
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(e.decided_by, "stateful default action aws:drop_established");
}

#[test]
fn alert_defaults_only_log() {
    let g = stateful("g", "drop udp any any -> any 9 (sid:1;)");
    let p = policy_with(std::slice::from_ref(&g), &["aws:alert_strict"]);
    let e = eval(&p, std::slice::from_ref(&g), &tcp(443, None));
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(
        e.alerts
            .contains(&"stateful default action aws:alert_strict".to_string())
    );
    let p = policy_with(std::slice::from_ref(&g), &["aws:alert_established"]);
    let e = eval(&p, &[g], &tcp(443, None));
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(
        e.alerts
            .contains(&"stateful default action aws:alert_established".to_string())
    );
}

#[test]
fn drop_to_alert_override() {
    let g = stateful("deny", "drop udp any any -> any 53 (sid:2;)");
    let mut p = policy_with(std::slice::from_ref(&g), &[]);
    p.stateful_rule_groups[0].override_action = Some("DROP_TO_ALERT".into());
    let e = eval(&p, &[g], &udp(53));
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.alerts.len(), 1);
}

#[test]
fn rule_group_home_net_takes_precedence_over_policy() {
    let (mut p, mut g) = seed();
    p.policy_variables.clear();
    // allow-icmp defines its own HOME_NET covering the spoke.
    g[1].ip_sets
        .insert("HOME_NET".into(), vec!["10.0.0.0/16".into()]);
    let e = eval(&p, &g, &icmp());
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.home_net_source, "rule group allow-icmp variables");
    assert!(
        e.steps
            .iter()
            .any(|s| s.contains("allow-icmp uses its own HOME_NET"))
    );
    // Even with a policy HOME_NET that excludes the spoke, the group's own wins.
    p.policy_variables
        .insert("HOME_NET".into(), vec!["192.168.0.0/16".into()]);
    assert_eq!(eval(&p, &g, &icmp()).outcome, Outcome::Pass);
}

#[test]
fn unusable_groups_and_rules_are_not_evaluated() {
    // A domain list group before the deciding rule: unverified.
    let mut dl = stateful("domains", "");
    dl.rules_string = None;
    dl.other_source = Some("RulesSourceList".into());
    let pass = stateful("allow", "pass udp any any -> any 53 (sid:3;)");
    let p = policy_with(&[dl.clone(), pass.clone()], &["aws:drop_strict"]);
    let e = eval(&p, &[dl.clone(), pass.clone()], &udp(53));
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(
        e.not_evaluated
            .iter()
            .any(|n| n.contains("RulesSourceList"))
    );
    // After the deciding rule: certain.
    let p = policy_with(&[pass.clone(), dl.clone()], &["aws:drop_strict"]);
    assert_eq!(
        eval(&p, &[dl, pass.clone()], &udp(53)).outcome,
        Outcome::Pass
    );
    // A group the estate does not hold.
    let p = policy_with(std::slice::from_ref(&pass), &["aws:drop_strict"]);
    let e = eval(&p, &[], &udp(53));
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(e.not_evaluated[0].contains("not in the estate"));
    // A rule that does not parse, before the deciding default.
    let e = strict_one(
        "pass udp any any -> any 53 (sid:1;\npass udp any any -> any 99 (sid:2;)",
        &udp(53),
    );
    assert_eq!(e.outcome, Outcome::Unverified);
    assert!(
        e.not_evaluated[0].contains("line 1: not parsed"),
        "{:?}",
        e.not_evaluated
    );
    // An unsupported alert rule never makes the outcome unverified.
    let e = strict_one(
        "alert udp any any -> any 53 (pcre:\"/x/\"; sid:1;)\npass udp any any -> any 53 (sid:2;)",
        &udp(53),
    );
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.not_evaluated.len(), 1);
    // An unsupported drop rule before a default drop: the outcome is the same.
    let e = strict_one(
        "drop udp any any -> any 53 (pcre:\"/x/\"; sid:1;)",
        &udp(53),
    );
    assert_eq!(e.outcome, Outcome::Drop);
    // An unsupported protocol whose addresses match: unverified.
    let e = strict_one(
        "pass dns any any -> any any (dns.query; content:\"x\"; sid:1;)",
        &udp(53),
    );
    assert_eq!(e.outcome, Outcome::Unverified);
}

// ----- return direction -----------------------------------------------------------

#[test]
fn return_of_a_passed_flow_passes() {
    let (p, g) = seed();
    let f = tcp(443, Some("www.amazon.com"));
    let e = eval_ret(&p, &g, &f, true);
    assert_eq!(e.outcome, Outcome::Pass, "{e:#?}");
    assert!(
        e.steps
            .iter()
            .any(|s| s.contains("belong to the established flow"))
    );
}

#[test]
fn return_of_a_dropped_flow_is_not_passed() {
    let (p, g) = seed();
    let e = eval_ret(&p, &g, &tcp(443, Some("www.google.com")), true);
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(e.decided_by.starts_with("forward direction not passed"));
}

#[test]
fn return_explicit_to_client_drop() {
    let g = stateful(
        "g",
        "pass tcp any any <> any 443 (sid:1;)\ndrop tcp any 443 -> any any (flow:to_client; sid:2;)",
    );
    let p = policy_with(std::slice::from_ref(&g), &["aws:drop_strict"]);
    let f = tcp(443, None);
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &f).outcome,
        Outcome::Pass
    );
    let e = eval_ret(&p, &[g], &f, true);
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(e.decided_by.contains("sid 2"));
}

#[test]
fn return_asymmetric_path_is_dropped_by_drop_default() {
    let (p, g) = seed();
    let e = eval_ret(&p, &g, &tcp(443, Some("www.amazon.com")), false);
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(
        e.steps
            .iter()
            .any(|s| s
                .contains("this endpoint never saw the flow's first packets (asymmetric path)"))
    );
    // Without a drop default the midstream packets pass.
    let g2 = stateful("g", "pass tcp any any -> any 443 (sid:1;)");
    let p2 = policy_with(std::slice::from_ref(&g2), &[]);
    let e = eval_ret(&p2, &[g2], &tcp(443, None), false);
    assert_eq!(e.outcome, Outcome::Pass);
    assert!(e.steps.iter().any(|s| s.contains("asymmetric path")));
}

#[test]
fn return_stateless_runs_on_the_swapped_tuple() {
    let g = stateless_group(
        "g",
        vec![sl_rule(1, "aws:drop", |r| {
            r.protocols = vec![6];
            r.source_ports = vec![PortRange { from: 443, to: 443 }];
        })],
    );
    let p = stateless_policy(&[(&g, 1)], "aws:pass");
    let f = tcp(443, None);
    // Forward: the client's SYN passes stateless; its SYN-ACK (source 443) is dropped.
    let e = eval(&p, std::slice::from_ref(&g), &f);
    assert_eq!(e.outcome, Outcome::Drop);
    let e = eval_ret(&p, &[g], &f, true);
    assert_eq!(e.outcome, Outcome::Drop);
    assert!(
        e.steps[1].starts_with("stateless (server → client)"),
        "{:#?}",
        e.steps
    );
}

#[test]
fn return_udp_under_drop_established_without_a_pass_rule() {
    let g = stateful("g", "drop udp any any -> any 9 (sid:1;)");
    let p = policy_with(std::slice::from_ref(&g), &["aws:drop_established"]);
    let f = udp(53);
    assert_eq!(
        eval(&p, std::slice::from_ref(&g), &f).outcome,
        Outcome::Pass
    );
    let e = eval_ret(&p, &[g], &f, true);
    assert_eq!(e.outcome, Outcome::Drop);
    assert_eq!(e.decided_by, "stateful default action aws:drop_established");
}

// ----- never panics ---------------------------------------------------------------

const TOKENS: &[&str] = &[
    "pass",
    "drop",
    "alert",
    "reject",
    "tcp",
    "udp",
    "icmp",
    "ip",
    "tls",
    "http",
    "dns",
    "any",
    "$HOME_NET",
    "$EXTERNAL_NET",
    "$X",
    "10.0.0.0/8",
    "10.0.0.10",
    "[10.0.0.0/8,!10.1.0.0/16]",
    "!",
    "[",
    "]",
    ",",
    "443",
    "1:",
    ":80",
    "[80,!81]",
    "->",
    "<>",
    "(",
    ")",
    ";",
    ":",
    "\"",
    "\\",
    "|",
    "sid:1;",
    "msg:\"x\";",
    "flow:to_server,established;",
    "flow:not_established;",
    "tls.sni;",
    "http.host;",
    "dotprefix;",
    "content:\".a.com\";",
    "content:!\"|2e|\";",
    "nocase;",
    "endswith;",
    "startswith;",
    "ja3.hash;",
    "isdataat:!1,relative;",
    "\n",
    "#",
];

fn flow_strategy() -> impl Strategy<Value = FlowSpec> {
    (
        0_u8..3,
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        proptest::option::of(any::<u16>()),
        proptest::option::of(any::<u16>()),
        proptest::option::of("[a-zA-Z.]{0,12}"),
        proptest::option::of("[a-zA-Z.]{0,12}"),
    )
        .prop_map(|(p, s, d, sp, dp, sni, host)| FlowSpec {
            protocol: [Protocol::Tcp, Protocol::Udp, Protocol::Icmp][usize::from(p)],
            src: IpAddr::from(s),
            dst: IpAddr::from(d),
            src_port: sp,
            dst_port: dp,
            sni,
            http_host: host,
        })
}

proptest! {
    #[test]
    fn evaluate_never_panics(
        tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..40),
        raw in "\\PC{0,120}",
        flow in flow_strategy(),
        strict in any::<bool>(),
        saw in any::<bool>(),
    ) {
        let text = format!("{}\n{raw}", tokens.join(" "));
        let mut g = stateful("fuzz", &text);
        g.port_sets.insert("X".into(), vec![raw.clone()]);
        g.ip_sets.insert("X".into(), vec![raw]);
        let mut p = seed().0;
        if !strict {
            p.stateful_rule_order = Some("DEFAULT_ACTION_ORDER".into());
        }
        p.stateful_rule_groups.push(reference(&g, 5));
        let groups = [seed().1, vec![g]].concat();
        let e = eval(&p, &groups, &flow);
        prop_assert!(!e.decided_by.is_empty());
        let _ = eval_ret(&p, &groups, &flow, saw);
    }
}
