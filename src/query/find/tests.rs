use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::backend::sim::Simulator;
use crate::command::parse_line;
use crate::discovery::{DiscoveryPlan, discover};
use crate::model::{RegionLoad, RouteState, VpcRoute, VpcRouteTarget};
use crate::query::{Output, run};

async fn estate_of(sim: Simulator) -> Estate {
    discover(
        Arc::new(sim),
        DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        },
    )
    .await
}

/// The demo, both regions (us-east-1, and eu-west-1 through the peering).
async fn demo() -> Estate {
    estate_of(Simulator::demo().expect("demo")).await
}

fn exec(estate: &Estate, line: &str) -> Result<Output, CommandError> {
    run(
        estate,
        &parse_line(line).expect("parses").expect("a command"),
    )
}

fn json(estate: &Estate, line: &str) -> Value {
    exec(estate, line).expect(line).to_json()
}

fn use1(estate: &mut Estate) -> &mut crate::model::RegionEstate {
    match estate.regions.get_mut("us-east-1") {
        Some(RegionLoad::Loaded { estate }) => estate,
        _ => panic!("us-east-1 not loaded"),
    }
}

/// The route row of a table.
fn route<'v>(doc: &'v Value, table: &str) -> &'v Value {
    doc["routes"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["route_table_id"] == table))
        .unwrap_or_else(|| panic!("no row for {table}: {doc:#}"))
}

#[tokio::test]
async fn an_instances_private_ip_names_the_instance_where_it_is_and_how_each_table_routes_it() {
    let estate = demo().await;
    let doc = json(&estate, "find 10.0.0.10");
    assert_eq!(doc["as"], "address");
    let objects = doc["objects"].as_array().expect("objects");
    assert_eq!(objects[0]["kind"], "instance");
    assert_eq!(objects[0]["id"], "i-0e1a2b3c4d5e6f7d1");
    assert_eq!(objects[0]["how"], "private IP");
    assert_eq!(objects[0]["vpc_id"], "vpc-0e1a2b3c4d5e6f732");
    assert_eq!(objects[0]["vpc_name"], "spoke-a");
    assert_eq!(objects[0]["subnet_id"], "subnet-0e1a2b3c4d5e6f751");
    assert_eq!(objects[0]["region"], "us-east-1");
    assert_eq!(objects[0]["show"], "show i-0e1a2b3c4d5e6f7d1");
    // The demo reads no instance owner (not guessed: a participant's, in a shared
    // VPC); an organization read stamps it.
    assert_eq!(objects[0]["owner_id"], Value::Null);
    assert_eq!(objects[1]["kind"], "subnet");
    assert_eq!(objects[1]["how"], "10.0.0.0/24 contains it");
    assert_eq!(objects[1]["owner_id"], "111122223333", "its VPC owner's");
    assert_eq!(objects.len(), 2, "{objects:#?}");
    assert_eq!(doc["vpc_cidrs"][0]["cidr"], "10.0.0.0/16");
    assert_eq!(doc["vpc_cidrs"][0]["relation"], "covers");
    // The VPC's own table: local; the TGW tables in both regions, each decided.
    let local = route(&doc, "rtb-0e1a2b3c4d5e6f787");
    assert_eq!(local["result"], "forward");
    assert_eq!(local["targets"][0]["id"], "local");
    let post = route(&doc, "tgw-rtb-0e1a2b3c4d5e6f712");
    assert_eq!(post["result"], "forward");
    assert_eq!(post["destination"], "10.0.0.0/16");
    assert_eq!(post["route_type"], "propagated");
    assert_eq!(post["targets"][0]["id"], "tgw-attach-0e1a2b3c4d5e6f722");
    assert_eq!(
        post["targets"][0]["leads_to"],
        "VPC spoke-a (vpc-0e1a2b3c4d5e6f732)"
    );
    assert_eq!(
        route(&doc, "tgw-rtb-0e1a2b3c4d5e6f711")["destination"],
        "0.0.0.0/0"
    );
    let euw1 = route(&doc, "tgw-rtb-0f9e8d7c6b5a4f311");
    assert_eq!(
        (&euw1["result"], &euw1["region"]),
        (&json!("no_route"), &json!("eu-west-1"))
    );
    // Only the holding VPC's tables, and every TGW table.
    assert_eq!(doc["routes"].as_array().map(Vec::len), Some(4), "{doc:#}");

    let text = exec(&estate, "find 10.0.0.10").expect("find").to_text();
    assert!(text.contains("10.0.0.10 is held by 2 objects"), "{text}");
    assert!(
        text.contains("vpc-0e1a2b3c4d5e6f732 (spoke-a)")
            && text.contains("subnet-0e1a2b3c4d5e6f751 (spoke-a-isolated-a)"),
        "{text}"
    );
    assert!(text.contains("no route"), "{text}");
}

#[tokio::test]
async fn a_nat_gateways_elastic_ip_and_an_instances_public_ip_name_their_holder() {
    let estate = demo().await;
    let doc = json(&estate, "find 198.51.100.10");
    let nat = &doc["objects"][0];
    assert_eq!(nat["kind"], "nat_gateway");
    assert_eq!(nat["id"], "nat-0e1a2b3c4d5e6f7b1");
    assert_eq!(nat["how"], "Elastic IP");
    assert_eq!(nat["vpc_name"], "inspection");
    assert!(doc["vpc_cidrs"].as_array().is_some_and(Vec::is_empty));
    // The NAT's VPC's tables answer for it too.
    assert_eq!(
        route(&doc, "rtb-0e1a2b3c4d5e6f785")["targets"][0]["id"],
        "igw-0e1a2b3c4d5e6f7c1"
    );
    // Its private side.
    let doc = json(&estate, "find 10.100.2.5");
    assert_eq!(doc["objects"][0]["id"], "nat-0e1a2b3c4d5e6f7b1");
    assert_eq!(doc["objects"][0]["how"], "private IP");
    // The leaky instance's public IP.
    let doc = json(&estate, "find 203.0.113.25");
    assert_eq!(doc["objects"][0]["id"], "i-0e1a2b3c4d5e6f7d2");
    assert_eq!(doc["objects"][0]["how"], "public IP");
}

#[tokio::test]
async fn an_address_in_no_subnet_is_still_routed_blackhole_included() {
    let estate = demo().await;
    // 10.2.0.0/16 was a decommissioned spoke: nothing holds it, post-inspection drops it.
    let doc = json(&estate, "find 10.2.0.5");
    assert!(
        doc["objects"].as_array().is_some_and(Vec::is_empty),
        "{doc:#}"
    );
    assert!(doc["vpc_cidrs"].as_array().is_some_and(Vec::is_empty));
    let post = route(&doc, "tgw-rtb-0e1a2b3c4d5e6f712");
    assert_eq!(post["result"], "blackhole");
    assert_eq!(post["destination"], "10.2.0.0/16");
    assert_eq!(
        route(&doc, "tgw-rtb-0e1a2b3c4d5e6f711")["result"],
        "forward"
    );
    let text = exec(&estate, "find 10.2.0.5").expect("answered").to_text();
    assert!(
        text.contains("held by nothing in the loaded regions"),
        "{text}"
    );
    assert!(text.contains("blackhole"), "{text}");

    // Inside spoke-a's CIDR but in none of its subnets: the VPC and its table answer.
    let doc = json(&estate, "find 10.0.200.5");
    assert!(doc["objects"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(doc["vpc_cidrs"][0]["vpc_id"], "vpc-0e1a2b3c4d5e6f732");
    assert_eq!(
        route(&doc, "rtb-0e1a2b3c4d5e6f787")["targets"][0]["id"],
        "local"
    );
}

#[tokio::test]
async fn routes_to_prefix_lists_are_matched_by_entry_or_said_not_evaluated() {
    let mut estate = demo().await;
    let r = use1(&mut estate);
    r.prefix_lists.push(crate::model::PrefixList {
        id: "pl-0read".into(),
        entries: Some(vec!["192.168.0.0/16".parse().expect("cidr")]),
        ..crate::model::PrefixList::default()
    });
    r.prefix_lists.push(crate::model::PrefixList {
        id: "pl-0unread".into(),
        entries: None,
        ..crate::model::PrefixList::default()
    });
    let table = r
        .vpc_route_tables
        .iter_mut()
        .find(|t| t.id == "rtb-0e1a2b3c4d5e6f787")
        .expect("spoke-a's table");
    for pl in ["pl-0read", "pl-0unread"] {
        table.routes.push(VpcRoute {
            destination: Destination::PrefixList(pl.into()),
            target: VpcRouteTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            state: RouteState::Active,
        });
    }
    let doc = json(&estate, "find 10.0.0.10");
    let ne = doc["not_evaluated"].as_array().expect("not evaluated");
    assert_eq!(ne.len(), 1, "{ne:#?}");
    assert_eq!(ne[0]["prefix_list"], "pl-0unread");
    assert_eq!(ne[0]["route_table_id"], "rtb-0e1a2b3c4d5e6f787");
    let text = exec(&estate, "find 10.0.0.10").expect("find").to_text();
    assert!(text.contains("not evaluated"), "{text}");

    // The read list's entry is a CIDR the table's routes cover.
    let doc = json(&estate, "find 192.168.1.0/24");
    let hit = doc["routes"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["prefix_list"] == "pl-0read"))
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(hit["destination"], "pl-0read (entry 192.168.0.0/16)");
    assert_eq!(hit["relation"], "covers");
    assert!(
        doc["not_evaluated"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["prefix_list"] == "pl-0unread"))
    );
}

#[tokio::test]
async fn a_cidr_lists_subnets_vpc_cidrs_and_routes_inside_it_and_covering_it() {
    let estate = demo().await;
    let doc = json(&estate, "find 10.1.0.0/16");
    assert_eq!(doc["as"], "cidr");
    let subnets: Vec<&str> = doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(
        subnets,
        ["subnet-0e1a2b3c4d5e6f761", "subnet-0e1a2b3c4d5e6f762"]
    );
    assert_eq!(doc["objects"][0]["how"], "10.1.0.0/24 inside it");
    assert_eq!(doc["vpc_cidrs"][0]["relation"], "same");
    let routes = doc["routes"].as_array().expect("routes");
    // The same prefix first (the propagated route, spoke-b's local routes), then
    // covering routes, most specific first.
    assert_eq!(routes[0]["relation"], "same");
    let post = route(&doc, "tgw-rtb-0e1a2b3c4d5e6f712");
    assert_eq!(post["destination"], "10.1.0.0/16");
    assert_eq!(post["route_type"], "propagated");
    assert_eq!(post["state"], "active");
    let relations: Vec<&str> = routes
        .iter()
        .filter_map(|r| r["relation"].as_str())
        .collect();
    let first_cover = relations
        .iter()
        .position(|r| *r == "covers")
        .expect("covers");
    assert!(relations[first_cover..].iter().all(|r| *r == "covers"));
    assert_eq!(routes[first_cover]["destination"], "10.0.0.0/8");
    assert_eq!(
        routes.last().map(|r| &r["destination"]),
        Some(&json!("0.0.0.0/0"))
    );

    // A supernet: every subnet of us-east-1 (spokes and inspection) lies inside it.
    let doc = json(&estate, "find 10.0.0.0/8");
    assert!(
        doc["objects"].as_array().is_some_and(|o| o.len() == 10),
        "{doc:#}"
    );
    assert!(doc["routes"].as_array().is_some_and(|r| {
        r.iter().any(|r| {
            r["destination"] == "10.2.0.0/16"
                && r["state"] == "blackhole"
                && r["relation"] == "inside"
        })
    }));
}

#[tokio::test]
async fn an_id_or_its_beginning_says_what_it_is_and_where() {
    let estate = demo().await;
    let doc = json(&estate, "find subnet-0e1a2b3c4d5e6f762");
    assert_eq!(doc["as"], "id");
    let o = &doc["objects"][0];
    assert_eq!(o["kind"], "subnet");
    assert_eq!(o["vpc_name"], "spoke-b");
    assert_eq!(o["owner_id"], "111122223333");
    assert_eq!(o["detail"], "10.1.1.0/24 in us-east-1b");
    let text = exec(&estate, "find subnet-0e1a2b3c4d5e6f762")
        .expect("find")
        .to_text();
    assert!(
        text.contains("show subnet-0e1a2b3c4d5e6f762: the whole object"),
        "{text}"
    );
    // Upper case is the same id.
    assert_eq!(
        json(&estate, "find I-0E1A2B3C4D5E6F7D1")["objects"][0]["kind"],
        "instance"
    );

    // A peering is seen from both of its regions: both are listed.
    let doc = json(&estate, "find tgw-attach-0e1a2b3c4d5e6f7a1");
    let regions: Vec<&str> = doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| {
            assert_eq!(o["kind"], "peering");
            o["region"].as_str().unwrap_or_default()
        })
        .collect();
    assert_eq!(regions, ["eu-west-1", "us-east-1"]);

    // Its first 6 characters after the dash: every id starting so, in id order.
    let doc = json(&estate, "find tgw-rtb-0e1a2b");
    assert_eq!(doc["as"], "id_prefix");
    let ids: Vec<&str> = doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["tgw-rtb-0e1a2b3c4d5e6f711", "tgw-rtb-0e1a2b3c4d5e6f712"]
    );
    // Fewer characters are not a prefix search.
    let e = exec(&estate, "find tgw-rtb-0e1a").expect_err("too short");
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(
        e.message.contains("6 characters after the dash"),
        "{}",
        e.message
    );

    // A firewall policy's id is a UUID; an EC2 ARN is its id.
    assert_eq!(
        json(&estate, "find 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9")["objects"][0]["kind"],
        "firewall_policy"
    );
    assert_eq!(
        json(
            &estate,
            "find arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0e1a2b3c4d5e6f731"
        )["objects"][0]["name"],
        "inspection"
    );
}

#[tokio::test]
async fn a_name_matches_any_case_and_every_kind() {
    let estate = demo().await;
    let doc = json(&estate, "find SPOKE-B");
    assert_eq!(doc["as"], "name");
    let kinds: Vec<&str> = doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    for kind in [
        "instance",
        "subnet",
        "vpc",
        "vpc_route_table",
        "internet_gateway",
        "tgw_attachment",
    ] {
        assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
    }
    assert!(doc["objects"].as_array().is_some_and(|o| {
        o.iter()
            .all(|o| o["name"].as_str().is_some_and(|n| n.contains("spoke-b")))
    }));
    // Shorter than a trigram: the same answer by a scan of the names.
    let doc = json(&estate, "find Ub");
    assert!(
        doc["objects"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o["name"] == "hub-use1")
                && o.iter().any(|o| o["name"] == "hub-euw1")),
        "{doc:#}"
    );
    // Firewall objects by their names.
    assert_eq!(
        json(&estate, "find allow-amaz")["objects"][0]["kind"],
        "rule_group"
    );
}

#[tokio::test]
async fn nothing_found_is_the_not_found_error() {
    let estate = demo().await;
    for line in [
        "find no-such-thing",
        "find vpc-0123456789abcdef0",
        "find 2001:db8::/32",
        "find 2001:db8::1",
    ] {
        let e = exec(&estate, line).expect_err(line);
        assert_eq!(e.kind, ErrorKind::NotFound, "{line}: {e}");
        assert!(
            e.message.contains("loaded regions (eu-west-1, us-east-1)"),
            "{line}: {e}"
        );
    }
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    for (line, why) in [
        ("find ''", "needs something to look for"),
        ("find '   '", "needs something to look for"),
        ("find 10.0.0.0/33", "prefix length must be 0 to 32"),
        ("find 10.0.0.0/x", "prefix length must be 0 to 32"),
        ("find 2001:db8::/129", "0 to 128"),
        ("find 10.0.0.256", "is not an IP address"),
        ("find 10.050.0.1", "is not an IP address"),
        ("find 10.0.0.1/16", "the network is 10.0.0.0/16"),
        ("find 10.0.0.300/16", "is not an IP address"),
    ] {
        let e = parse_line(line).expect_err(line);
        assert!(e.bad_argument, "{line}: {e:?}");
        assert!(e.message.contains(why), "{line}: {}", e.message);
    }
    let long = format!("find {}", "a".repeat(300));
    assert!(
        parse_line(&long)
            .expect_err("long")
            .message
            .contains("at most 256")
    );
    // What parses is read as it looks.
    for (text, read) in [
        (
            "10.42.7.19",
            FindQuery::Address("10.42.7.19".parse().expect("ip")),
        ),
        (
            "2001:db8::1",
            FindQuery::Address("2001:db8::1".parse().expect("ip")),
        ),
        (
            "10.42.0.0/16",
            FindQuery::Cidr("10.42.0.0/16".parse().expect("cidr")),
        ),
        ("eni-0ABC123", FindQuery::Id("eni-0abc123".into())),
        ("vpc-prod", FindQuery::Id("vpc-prod".into())),
        ("spoke-a", FindQuery::Name("spoke-a".into())),
        ("10.42", FindQuery::Name("10.42".into())),
    ] {
        assert_eq!(FindQuery::parse(text), Ok(read), "{text}");
    }
    assert_eq!(
        parse_line("find 'two words'")
            .expect("ok")
            .map(|c| c.to_line()),
        Some("find 'two words'".into())
    );
}

#[tokio::test]
async fn json_has_one_shape_for_every_question() {
    let estate = demo().await;
    for line in [
        "find 10.0.0.10",
        "find 10.1.0.0/16",
        "find nat-0e1a2b3c4d5e6f7b1",
        "find egress",
    ] {
        let doc = json(&estate, line);
        assert_eq!(doc["command"], line);
        for key in [
            "query",
            "as",
            "objects",
            "vpc_cidrs",
            "routes",
            "not_evaluated",
            "omitted",
        ] {
            assert!(doc.get(key).is_some(), "{line}: no {key}: {doc:#}");
        }
        for key in ["objects", "vpc_cidrs", "routes", "not_evaluated"] {
            assert_eq!(doc["omitted"][key], 0, "{line}");
        }
        for o in doc["objects"].as_array().expect("objects") {
            for key in [
                "kind",
                "id",
                "name",
                "how",
                "region",
                "owner_id",
                "vpc_id",
                "vpc_name",
                "subnet_id",
                "detail",
                "show",
            ] {
                assert!(o.get(key).is_some(), "{line}: object without {key}: {o:#}");
            }
        }
        for r in doc["routes"].as_array().expect("routes") {
            for key in [
                "table_kind",
                "route_table_id",
                "name",
                "of",
                "of_name",
                "region",
                "owner_id",
                "result",
                "state",
                "relation",
                "destination",
                "prefix_list",
                "route_type",
                "targets",
            ] {
                assert!(r.get(key).is_some(), "{line}: route without {key}: {r:#}");
            }
        }
    }
}

/// Interfaces, security groups and network ACLs (the `filters` scenario), and what an
/// interface belongs to.
#[tokio::test]
async fn an_interface_names_what_it_belongs_to() {
    let text = include_str!("../../../tests/scenarios/filters.toml");
    let scenario =
        crate::backend::sim::scenario::Scenario::parse(text, "filters.toml").expect("scenario");
    let mut estate = estate_of(Simulator::from_scenario(scenario).expect("sim")).await;
    let doc = json(&estate, "find 10.1.1.20");
    assert_eq!(doc["objects"][0]["kind"], "network_interface");
    assert_eq!(doc["objects"][0]["show"], Value::Null, "show has no ENIs");
    assert!(
        doc["objects"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("lambda 10.1.1.20")),
        "{doc:#}"
    );
    assert_eq!(
        json(&estate, "find sg-0e1a2b3c4d5e6f7e2")["objects"][0]["kind"],
        "security_group"
    );

    // An interface endpoint's interface: the endpoint is named through it.
    let r = use1(&mut estate);
    r.network_interfaces.push(crate::model::NetworkInterface {
        id: "eni-0e1a2b3c4d5e6f7f9".into(),
        region: "us-east-1".into(),
        vpc_id: "vpc-0e1a2b3c4d5e6f733".into(),
        subnet_id: "subnet-0e1a2b3c4d5e6f761".into(),
        availability_zone: "us-east-1a".into(),
        interface_type: "vpc_endpoint".into(),
        private_ips: vec!["10.1.0.50".parse().expect("ip")],
        description: Some("VPC Endpoint Interface vpce-0e1a2b3c4d5e6f796".into()),
        ..crate::model::NetworkInterface::default()
    });
    let doc = json(&estate, "find 10.1.0.50");
    let objects = doc["objects"].as_array().expect("objects");
    assert_eq!(objects[0]["id"], "eni-0e1a2b3c4d5e6f7f9");
    let endpoint = objects
        .iter()
        .find(|o| o["kind"] == "vpc_endpoint")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(endpoint["id"], "vpce-0e1a2b3c4d5e6f796");
    assert_eq!(
        endpoint["how"],
        "through its interface eni-0e1a2b3c4d5e6f7f9"
    );
}

/// An index built for one version of the estate, used with another, leaves out what
/// moved; it never names a wrong object.
#[tokio::test]
async fn a_stale_index_never_names_a_wrong_object() {
    let before = demo().await;
    let index = crate::net::EstateIndex::build(&before);
    Net::with_index(&before, &index).prepare_find();
    let mut after = before.clone();
    let r = use1(&mut after);
    assert_eq!(
        r.instances[0].private_ip,
        Some("10.0.0.10".parse().expect("ip"))
    );
    r.instances[0].private_ip = Some("10.0.0.99".parse().expect("ip"));
    r.instances[0].name = Some("renamed".into());
    let net = Net::with_index(&after, &index);
    assert!(
        net.address_holders("10.0.0.10".parse().expect("ip"))
            .is_empty()
    );
    assert!(
        !net.objects_named("spoke-a-workload")
            .iter()
            .any(|f| f.kind() == FoundKind::Instance)
    );
}

/// More than [`LIMIT`] matches: the first are listed, the rest counted.
#[tokio::test]
async fn a_long_answer_is_cut_and_counted() {
    let scenario = crate::backend::sim::generate::generate(300, 0).expect("within quotas");
    let estate = estate_of(Simulator::from_scenario(scenario).expect("sim")).await;
    let doc = json(&estate, "find 10.0.0.0/8");
    let routes = doc["routes"].as_array().map_or(0, Vec::len);
    assert_eq!(routes, LIMIT);
    // 300 propagated routes and 300 local routes inside it, then the covering ones.
    assert!(
        doc["omitted"]["routes"].as_u64().is_some_and(|n| n >= 400),
        "{}",
        doc["omitted"]
    );
    let text = exec(&estate, "find 10.0.0.0/8").expect("find").to_text();
    assert!(
        text.contains("more (narrow the question)"),
        "{}",
        &text[text.len() - 400..]
    );
    // An address among 300 spokes: its holder, its spoke's table, every TGW table.
    let doc = json(&estate, "find 10.0.44.9");
    assert_eq!(doc["objects"][0]["id"], "subnet-1000000000000002c");
    assert_eq!(doc["routes"].as_array().map(Vec::len), Some(3), "{doc:#}");
}
