//! The `netops` binary as a user runs it: `--batch` scripts on the demo estate, exit
//! codes, scenario errors, and the AWS backend built the real way
//! (`AwsBackend::connect` from options and environment) against moto.
//!
//! Every run gets `--log-file` and `HOME` in a temporary directory, and no `AWS_*`
//! variable of the caller's environment, so a test never writes to the home
//! directory nor reads the developer's AWS configuration.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use netops::backend::Backend;
use netops::backend::aws::AwsBackend;
use netops::backend::sim::scenario::Scenario;
use netops::batch::{BatchOptions, exit, run_script};
use netops::cli::OutputFormat;
use netops::discovery::DiscoveryPlan;
use serde_json::Value;

use super::support::Run;
use tempfile::TempDir;

use super::moto::{clients_at, free_port, fresh_account, moto, moto_backend};
use super::moto_seed::{IdMap, seed};

/// The script a user would try first on the demo estate.
const SCRIPT: &str = "tgws\nroute-tables\nroutes tgw-rtb-0e1a2b3c4d5e6f712\nattachments\npeerings\nnat-gateways\nvpcs\nshow vpc-0e1a2b3c4d5e6f732\n";

/// The binary under test: `NETOPS_TEST_BIN` when set (the target dir is shared between
/// worktrees, so `target/debug/netops` may be another branch's build by the time the
/// tests run), else cargo's.
fn netops_bin() -> std::ffi::OsString {
    super::support::netops_bin()
}

/// The binary with a log file and HOME in `dir`, and none of the caller's AWS settings.
fn netops(dir: &Path) -> Command {
    let mut cmd = Command::new(netops_bin());
    cmd.arg("--log-file").arg(dir.join("netops.log"));
    super::support::isolate(&mut cmd, dir);
    cmd
}

/// Runs `cmd` with `stdin` as standard input.
fn run(mut cmd: Command, stdin: &str) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start netops");
    // netops may exit before reading its input (a usage error): a broken pipe is fine.
    if let Err(e) = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    let out = child.wait_with_output().expect("netops runs");
    Run {
        code: out.status.code().expect("exit code, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

fn demo(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut cmd = netops(dir);
    cmd.arg("--demo").args(args);
    run(cmd, stdin)
}

fn tmp() -> TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn cli_demo_batch_prints_what_an_operator_looks_for() {
    let dir = tmp();
    let r = demo(dir.path(), &["--batch", "-"], SCRIPT);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(!r.stderr.contains("warning"), "{r:?}");
    let out = &r.stdout;
    for want in [
        // Both TGWs, with their ASNs.
        "hub-use1",
        "64512",
        "hub-euw1",
        "64513",
        // Route tables by name.
        "post-inspection",
        // The peering, still waiting.
        "use1-to-euw1",
        "pendingAcceptance",
        // The egress IPs.
        "198.51.100.10",
        "198.51.100.20",
        // `show vpc-…`: the spoke and its subnets.
        "spoke-a-isolated-a",
        "10.0.0.0/16",
    ] {
        assert!(out.contains(want), "{want} missing:\n{r:?}");
    }
    let blackhole = out
        .lines()
        .find(|l| l.starts_with("10.2.0.0/16"))
        .unwrap_or_else(|| panic!("no 10.2.0.0/16 route row:\n{r:?}"));
    assert!(blackhole.contains("blackhole"), "{blackhole}");
    // The row of each TGW names its region.
    assert!(
        out.lines()
            .any(|l| l.starts_with("us-east-1") && l.contains("tgw-0e1a2b3c4d5e6f701")),
        "{r:?}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("eu-west-1") && l.contains("tgw-0f9e8d7c6b5a4f301")),
        "{r:?}"
    );
}

/// Issue 18: with `--output json`, a failure before the first command (a script
/// that cannot be read, a profile that does not exist) is one JSON document on
/// stdout too, shaped as a command's error; stderr says it as before; exit 2.
#[test]
fn cli_json_output_says_an_early_failure_as_json_too() {
    let dir = tmp();
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().expect("utf-8 path");
    for args in [
        vec!["--demo", "--batch", missing, "--output", "json"],
        vec![
            "--profile",
            "no-such-profile",
            "--batch",
            "-",
            "--output",
            "json",
        ],
    ] {
        let mut cmd = netops(dir.path());
        cmd.args(&args);
        let r = run(cmd, "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{args:?}: {r:?}");
        let doc: Value = serde_json::from_str(r.stdout.trim()).expect("one JSON document");
        assert_eq!(doc["error"]["kind"], "usage", "{doc}");
        let message = doc["error"]["message"].as_str().expect("message");
        assert!(r.stderr.contains(message), "{args:?}: {r:?}");
    }
    // Text output keeps stdout empty.
    let r = demo(dir.path(), &["--batch", missing], "");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn cli_demo_batch_json_is_one_document_per_command() {
    let dir = tmp();
    let r = demo(dir.path(), &["--batch", "-", "--output", "json"], SCRIPT);
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    let commands: Vec<&str> = SCRIPT.lines().collect();
    assert_eq!(docs.len(), commands.len(), "{r:?}");
    for (i, (doc, command)) in docs.iter().zip(&commands).enumerate() {
        assert_eq!(doc["command"], *command, "{doc}");
        assert_eq!(doc["line"], i + 1, "{doc}");
        assert!(doc.get("incomplete_regions").is_none(), "{doc}");
        assert!(doc.get("error").is_none(), "{doc}");
        let items: Vec<&Value> = match doc.get("items") {
            Some(items) => items
                .as_array()
                .expect("items is an array")
                .iter()
                .collect(),
            None => vec![&doc["item"]],
        };
        assert!(!items.is_empty(), "{doc}");
        for item in items {
            // Routes are identified by their table and destination.
            let key = if command.starts_with("routes ") {
                "route_table_id"
            } else {
                "id"
            };
            assert!(item[key].is_string(), "{key} in {item}");
            assert!(
                matches!(item["region"].as_str(), Some("us-east-1" | "eu-west-1")),
                "region in {item}"
            );
        }
    }
    let ids = |doc: &Value| -> BTreeSet<String> {
        doc["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(
        ids(&docs[0]),
        BTreeSet::from([
            "tgw-0e1a2b3c4d5e6f701".to_string(),
            "tgw-0f9e8d7c6b5a4f301".to_string()
        ])
    );
    let blackhole = docs[2]["items"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|x| x["destination"]["cidr"] == "10.2.0.0/16")
        .expect("the blackhole route");
    assert_eq!(blackhole["state"], "blackhole");
    assert_eq!(docs[4]["items"][0]["state"], "pendingAcceptance");
    let ips: Vec<&Value> = docs[5]["items"]
        .as_array()
        .expect("NAT gateways")
        .iter()
        .map(|n| &n["public_ips"][0])
        .collect();
    assert_eq!(ips, vec!["198.51.100.10", "198.51.100.20"]);
    assert_eq!(docs[7]["kind"], "vpc");
    assert_eq!(docs[7]["item"]["name"], "spoke-a");
}

/// Issue 8's "done when", as a batch script on the demo.
#[test]
fn cli_demo_trace_and_audit_give_the_verdicts_an_operator_expects() {
    let dir = tmp();
    let script = "trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com\n\
                  trace i-0e1a2b3c4d5e6f7d1 internet --sni www.google.com\n\
                  trace i-0e1a2b3c4d5e6f7d2 internet\n\
                  trace subnet-0e1a2b3c4d5e6f743 10.2.0.5\n\
                  audit\n";
    let r = demo(dir.path(), &["--batch", "-", "--output", "json"], script);
    assert_eq!(r.code, 3, "audit finds errors: {r:?}");
    let docs = r.docs();
    assert_eq!(docs.len(), 5, "{r:?}");
    let amazon = &docs[0];
    assert_eq!(amazon["verdict"]["result"], "reaches_internet", "{amazon}");
    assert_eq!(amazon["verdict"]["egress_ip"], "198.51.100.10");
    assert_eq!(amazon["symmetric"], true);
    assert_eq!(amazon["firewalls"][0], "vpce-0e1a2b3c4d5e6f791");
    let hops = amazon["hops"].as_array().expect("hops");
    for h in hops {
        for key in ["kind", "id", "region", "az", "decision", "rule"] {
            assert!(h.get(key).is_some(), "{key} in {h}");
        }
    }
    assert!(
        hops.iter()
            .any(|h| h["kind"] == "firewall" && h["decision"] == "pass"),
        "{amazon}"
    );
    assert!(
        hops.iter()
            .any(|h| h["rule"].as_str().unwrap_or("").contains("flow hash")),
        "{amazon}"
    );
    assert!(!amazon["return_hops"].as_array().expect("return").is_empty());
    let google = &docs[1];
    assert_eq!(google["verdict"]["result"], "dropped", "{google}");
    assert!(
        google["verdict"]["reason"]
            .as_str()
            .expect("test value")
            .contains("aws:drop_strict"),
        "{google}"
    );
    let leaky = &docs[2];
    assert_eq!(leaky["verdict"]["egress_ip"], "203.0.113.25", "{leaky}");
    assert!(
        leaky["firewalls"]
            .as_array()
            .expect("test value")
            .is_empty()
    );
    let blackhole = &docs[3];
    assert_eq!(
        blackhole["verdict"]["at"], "tgw-rtb-0e1a2b3c4d5e6f712",
        "{blackhole}"
    );
    let kinds: Vec<&str> = docs[4]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["kind"].as_str().expect("test value"))
        .collect();
    for k in [
        "blackhole_route",
        "egress_bypasses_inspection",
        "peering_not_available",
    ] {
        assert!(kinds.contains(&k), "{k}: {kinds:?}");
    }
    for f in docs[4]["findings"].as_array().expect("test value") {
        for key in ["kind", "severity", "objects", "message"] {
            assert!(f.get(key).is_some(), "{key} in {f}");
        }
    }

    // Text: numbered hops with the deciding rule, and the verdict line.
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("reaches internet as 198.51.100.10 via igw-0e1a2b3c4d5e6f7c1"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("yes (both directions cross vpce-0e1a2b3c4d5e6f791)"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("if the flow hash picks us-east-1b"),
        "{r:?}"
    );

    // audit --fail-on info: every finding counts.
    let r = demo(dir.path(), &["--batch", "-"], "audit --fail-on info\n");
    assert_eq!(r.code, 3, "{r:?}");
}

#[test]
fn cli_snapshot_save_then_diff_and_open() {
    let dir = tmp();
    let snap = dir.path().join("monday");
    let script = format!(
        "snapshot save {}\ndiff {}\n",
        snap.display(),
        snap.display()
    );
    let r = demo(dir.path(), &["--batch", "-"], &script);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("no differences"), "{r:?}");
    // The saved folder opens as the estate, read-only.
    let mut cmd = netops(dir.path());
    cmd.args(["--snapshot"]).arg(&snap).args(["--batch", "-"]);
    let r = run(
        cmd,
        "audit\nroute del tgw-rtb-0e1a2b3c4d5e6f712 10.2.0.0/16\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("blackhole route 10.2.0.0/16"), "{r:?}");
    assert!(r.stderr.contains("a snapshot cannot be changed"), "{r:?}");
    // probe egress: the engine's expectations, nothing run.
    let mut cmd = netops(dir.path());
    cmd.args(["--snapshot"]).arg(&snap).args(["--batch", "-"]);
    let r = run(cmd, "probe egress\n");
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("3 not probed"), "{r:?}");
    // --account is for a snapshot: refused beside the simulator, before anything runs.
    let r = demo(dir.path(), &["--account", "1", "--batch", "-"], "regions\n");
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--account"), "{r:?}");
    // No capture there: named, exit 1.
    let r = demo(dir.path(), &["--batch", "-"], "diff nowhere\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("cannot read the snapshot folder nowhere"),
        "{r:?}"
    );
    let r = demo(dir.path(), &["--batch", "-"], "diff --help\n");
    assert!(
        r.stdout.contains("Compare two snapshots") || r.stderr.contains("Compare two snapshots"),
        "{r:?}"
    );
}

#[test]
fn cli_trace_bad_input_names_what_is_wrong() {
    let dir = tmp();
    let r = demo(dir.path(), &["--batch", "-"], "trace i-nope internet\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("no instance i-nope"), "{r:?}");
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "trace i-0e1a2b3c4d5e6f7d1 internet --proto gre\n",
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("gre"), "{r:?}");
}

#[test]
fn cli_parse_error_exits_2_and_runs_nothing() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "tgws\nroutes\nnat-gateways\n",
    );
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert_eq!(r.stdout, "", "nothing runs: {r:?}");
    assert!(r.stderr.contains("line 2: `routes`"), "{r:?}");
    assert!(r.stderr.contains("nothing was run"), "{r:?}");
}

#[test]
fn cli_unknown_id_exits_1_naming_the_line_and_the_id() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "tgws\nshow vpc-0000000000000dead\nvpcs\n",
    );
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("line 2"), "{r:?}");
    assert!(r.stderr.contains("vpc-0000000000000dead"), "{r:?}");
    assert!(r.stdout.contains("hub-use1"), "line 1 ran: {r:?}");
    assert!(!r.stdout.contains("spoke-b"), "line 3 did not run: {r:?}");
}

#[test]
fn cli_region_down_exits_4_with_the_rest_printed() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--sim-region-down", "eu-west-1", "--batch", "-"],
        "tgws\n",
    );
    assert_eq!(r.code, exit::PARTIAL, "{r:?}");
    assert!(r.stdout.contains("tgw-0e1a2b3c4d5e6f701"), "{r:?}");
    assert!(!r.stdout.contains("tgw-0f9e8d7c6b5a4f301"), "{r:?}");
    assert!(r.stderr.contains("eu-west-1"), "{r:?}");
    assert!(r.stderr.contains("could not be read"), "{r:?}");
}

#[test]
fn cli_missing_batch_file_exits_2_naming_it() {
    let dir = tmp();
    let missing = dir.path().join("no-such-script.txt");
    let r = demo(
        dir.path(),
        &["--batch", missing.to_str().expect("utf-8 path")],
        "",
    );
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stderr.contains("no-such-script.txt"), "{r:?}");
    assert_eq!(r.stdout, "");
}

#[test]
fn cli_help_lists_the_exit_codes() {
    let dir = tmp();
    let mut cmd = netops(dir.path());
    cmd.arg("--help");
    let r = run(cmd, "");
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("--batch"), "{r:?}");
    assert!(r.stdout.contains("Exit codes"), "{r:?}");
    for code in [
        "0  success",
        "1  a command failed",
        "2  usage",
        "3  audit found",
        "4  partial",
    ] {
        assert!(r.stdout.contains(code), "{code}: {r:?}");
    }
}

#[test]
fn cli_bad_scenario_files_exit_2_naming_the_file_and_the_problem() {
    let dir = tmp();
    let not_toml = dir.path().join("broken.toml");
    std::fs::write(
        &not_toml,
        "name = \"broken\"\n[[regions]\nregion = \"us-east-1\"\n",
    )
    .expect("write");
    let dangling = dir.path().join("dangling.toml");
    std::fs::write(
        &dangling,
        r#"name = "dangling"
[[regions]]
region = "us-east-1"
[[regions.tgws]]
id = "tgw-1"
[[regions.tgw_route_tables]]
id = "tgw-rtb-1"
tgw_id = "tgw-missing"
"#,
    )
    .expect("write");
    for (path, problem) in [
        (&not_toml, "not valid TOML"),
        (&dangling, "unknown TGW tgw-missing"),
    ] {
        let mut cmd = netops(dir.path());
        cmd.arg("--scenario").arg(path).args(["--batch", "-"]);
        let r = run(cmd, "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{r:?}");
        assert_eq!(r.stdout, "", "{r:?}");
        assert!(
            r.stderr.contains(path.to_str().expect("utf-8 path")),
            "names the file: {r:?}"
        );
        assert!(r.stderr.contains(problem), "{problem}: {r:?}");
    }
}

/// One HTTP POST of a query-protocol form to moto (IAM), as `account`.
fn moto_post(port: u16, account: &str, form: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
    // moto reads the service from the credential scope; the signature is not checked.
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         x-moto-account-id: {account}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    s.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{form}: {answer}");
    answer
}

fn xml_text<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no {tag} in {xml}"))
        + open.len();
    let end = xml[start..].find('<').expect("closing tag") + start;
    &xml[start..end]
}

/// An access key that moto maps to `account`. The binary cannot send moto's
/// `x-moto-account-id` header; without it moto takes the account from the access key
/// (the account of the IAM user that owns it), else its default 123456789012. A key
/// of its own keeps this test in a fresh account, away from every other test.
fn moto_access_key(port: u16, account: &str) -> (String, String) {
    moto_post(
        port,
        account,
        "Action=CreateUser&UserName=netops-cli&Version=2010-05-08",
    );
    let answer = moto_post(
        port,
        account,
        "Action=CreateAccessKey&UserName=netops-cli&Version=2010-05-08",
    );
    (
        xml_text(&answer, "AccessKeyId").to_string(),
        xml_text(&answer, "SecretAccessKey").to_string(),
    )
}

fn items<'a>(doc: &'a Value, command: &str) -> &'a Vec<Value> {
    assert_eq!(doc["command"], command, "{doc}");
    doc["items"].as_array().expect("items")
}

fn item_ids(items: &[Value]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_string(),
                i["region"].as_str().expect("region").to_string(),
            )
        })
        .collect()
}

fn pairs(ids: &IdMap, expected: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    expected
        .iter()
        .map(|(s, r)| (ids.get(s).to_string(), (*r).to_string()))
        .collect()
}

#[tokio::test]
async fn cli_moto_through_the_real_sdk_construction_path() {
    let account = fresh_account();
    let (_, clients) = moto_backend(&["us-east-1", "eu-west-1"], &account).await;
    let ids = seed(&Scenario::builtin().expect("builtin"), &clients).await;
    let port = moto().port;
    let (key, secret) = tokio::task::spawn_blocking(move || moto_access_key(port, &account))
        .await
        .expect("IAM key");

    let dir = tmp();
    let config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(&config, "").expect("write");
    std::fs::write(&credentials, "").expect("write");
    let post = ids.get("tgw-rtb-0e1a2b3c4d5e6f712");
    let script =
        format!("tgws\nroute-tables\nroutes {post}\nattachments\npeerings\nnat-gateways\n");
    let mut cmd = netops(dir.path());
    cmd.env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["--region", "us-east-1", "--endpoint-url"])
        .arg(moto().endpoint())
        .args(["--max-attempts", "1", "--call-timeout", "20"])
        .args(["--batch", "-", "--output", "json"]);
    let r = tokio::task::spawn_blocking(move || run(cmd, &script))
        .await
        .expect("netops run");
    eprintln!("netops over moto, stderr:\n{}", r.stderr);
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    assert_eq!(docs.len(), 6, "{r:?}");
    for doc in &docs {
        assert!(doc.get("incomplete_regions").is_none(), "{doc}");
    }
    // What moto does not implement is a warning, not a failed region.
    assert!(
        r.stderr.contains("warning: ssm in us-east-1 not read"),
        "{r:?}"
    );

    // eu-west-1 was read because the peering leads there.
    assert_eq!(
        item_ids(items(&docs[0], "tgws")),
        pairs(
            &ids,
            &[
                ("tgw-0e1a2b3c4d5e6f701", "us-east-1"),
                ("tgw-0f9e8d7c6b5a4f301", "eu-west-1")
            ]
        )
    );
    // moto adds an unnamed default route table per TGW (moto gap, see aws_moto).
    let named: BTreeSet<(String, String)> = items(&docs[1], "route-tables")
        .iter()
        .filter(|t| t["name"].is_string())
        .map(|t| {
            (
                t["id"].as_str().expect("id").to_string(),
                t["region"].as_str().expect("region").to_string(),
            )
        })
        .collect();
    assert_eq!(
        named,
        pairs(
            &ids,
            &[
                ("tgw-rtb-0e1a2b3c4d5e6f711", "us-east-1"),
                ("tgw-rtb-0e1a2b3c4d5e6f712", "us-east-1"),
                ("tgw-rtb-0f9e8d7c6b5a4f311", "eu-west-1"),
            ]
        )
    );
    let routes = items(&docs[2], &format!("routes {post}"));
    assert_eq!(
        routes.len(),
        1,
        "moto has only the static route: {routes:?}"
    );
    assert_eq!(routes[0]["route_table_id"], post);
    assert_eq!(routes[0]["region"], "us-east-1");
    assert_eq!(routes[0]["destination"]["cidr"], "10.2.0.0/16");
    assert_eq!(routes[0]["state"], "blackhole");
    assert_eq!(
        item_ids(items(&docs[3], "attachments")),
        pairs(
            &ids,
            &[
                ("tgw-attach-0e1a2b3c4d5e6f721", "us-east-1"),
                ("tgw-attach-0e1a2b3c4d5e6f722", "us-east-1"),
                ("tgw-attach-0e1a2b3c4d5e6f723", "us-east-1"),
                ("tgw-attach-0e1a2b3c4d5e6f7a1", "us-east-1"),
                ("tgw-attach-0f9e8d7c6b5a4f321", "eu-west-1"),
                ("tgw-attach-0e1a2b3c4d5e6f7a1", "eu-west-1"),
            ]
        )
    );
    let peerings = items(&docs[4], "peerings");
    assert_eq!(peerings.len(), 1, "one peering, seen twice: {peerings:?}");
    let p = &peerings[0];
    assert_eq!(p["id"], ids.get("tgw-attach-0e1a2b3c4d5e6f7a1"));
    assert_eq!(p["state"], "pendingAcceptance");
    assert_eq!(p["requester"]["tgw_id"], ids.get("tgw-0e1a2b3c4d5e6f701"));
    assert_eq!(p["accepter"]["tgw_id"], ids.get("tgw-0f9e8d7c6b5a4f301"));
    assert_eq!(p["accepter"]["region"], "eu-west-1");
    assert_eq!(p["requester"]["account_id"], ids.account);
    let seen: BTreeSet<&str> = p["seen_in"]
        .as_array()
        .expect("seen_in")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(seen, BTreeSet::from(["eu-west-1", "us-east-1"]));
    let nats = items(&docs[5], "nat-gateways");
    assert_eq!(
        item_ids(nats),
        pairs(
            &ids,
            &[
                ("nat-0e1a2b3c4d5e6f7b1", "us-east-1"),
                ("nat-0e1a2b3c4d5e6f7b2", "us-east-1"),
            ]
        )
    );
    let ips: BTreeSet<&str> = nats
        .iter()
        .filter_map(|n| n["public_ips"][0].as_str())
        .collect();
    assert_eq!(ips, BTreeSet::from(["198.51.100.10", "198.51.100.20"]));
}

#[tokio::test]
async fn cli_dead_region_endpoint_is_partial_exit_4_through_the_batch_front_end() {
    let account = fresh_account();
    let (_, mut clients) = moto_backend(&["us-east-1"], &account).await;
    // Only us-east-1 is seeded (the peering needs both sides, so it is skipped).
    let ids = seed(&Scenario::builtin().expect("builtin"), &clients).await;
    let dead = format!("http://127.0.0.1:{}", free_port());
    clients.push((
        "eu-west-1".to_string(),
        clients_at(&dead, "eu-west-1", &account),
    ));
    let backend: Arc<dyn Backend> = Arc::new(AwsBackend::from_clients("moto", clients));
    let plan = DiscoveryPlan {
        regions: vec!["us-east-1".to_string(), "eu-west-1".to_string()],
        follow_peers: true,
        concurrency: 2,
    };
    let opts = BatchOptions {
        output: OutputFormat::Json,
        keep_going: false,
        progress: false,
        changes: netops::batch::ChangeOptions::default(),
        stop: netops::batch::Stop::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_script("tgws\npeerings\n", backend, plan, &opts, &mut out, &mut err).await;
    let r = Run {
        code,
        stdout: String::from_utf8(out).expect("utf-8"),
        stderr: String::from_utf8(err).expect("utf-8"),
    };
    assert_eq!(r.code, exit::PARTIAL, "{r:?}");
    let docs = r.docs();
    assert_eq!(docs.len(), 2, "{r:?}");
    assert_eq!(
        item_ids(items(&docs[0], "tgws")),
        pairs(&ids, &[("tgw-0e1a2b3c4d5e6f701", "us-east-1")])
    );
    for doc in &docs {
        let incomplete = doc["incomplete_regions"]
            .as_array()
            .expect("incomplete_regions");
        assert_eq!(incomplete.len(), 1, "{doc}");
        assert_eq!(incomplete[0]["region"], "eu-west-1");
        let why = incomplete[0]["error"].as_str().expect("error");
        assert!(why.contains("cannot reach"), "{why}");
    }
    assert!(
        r.stderr
            .contains("region eu-west-1 could not be read: cannot reach"),
        "{r:?}"
    );
    assert!(r.stderr.contains("partial"), "{r:?}");
}

// ---------------------------------------------------------------- hardening (issue 7)

/// Runs `--scenario FILE --batch -` with `tgws` and returns the run.
fn scenario_run(dir: &Path, name: &str, text: &str, args: &[&str]) -> (Run, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario");
    let mut cmd = netops(dir);
    cmd.arg("--scenario")
        .arg(&path)
        .args(["--batch", "-"])
        .args(args);
    (
        run(cmd, "tgws\n"),
        path.to_str().expect("utf-8 path").to_string(),
    )
}

const TGW_HEAD: &str =
    "name = \"t\"\n[[regions]]\nregion = \"us-east-1\"\n[[regions.tgws]]\nid = \"tgw-1\"\n";

/// Defect 4: every level rejects an unknown key, naming file, line (caret) and key,
/// with the nearest valid key as a hint.
#[test]
fn cli_misspelled_scenario_keys_are_refused_with_line_caret_and_hint() {
    let dir = tmp();
    for (name, text, key, hint, line) in [
        (
            "asm.toml",
            format!("{TGW_HEAD}asm = 64512\n"),
            "asm",
            "did you mean `asn`?",
            "6 | asm = 64512",
        ),
        (
            "cidr_block.toml",
            format!("{TGW_HEAD}[[regions.vpcs]]\nid = \"vpc-1\"\ncidr_block = [\"10.0.0.0/16\"]\n"),
            "cidr_block",
            "did you mean `cidr_blocks`?",
            "8 | cidr_block",
        ),
        (
            "route.toml",
            format!(
                "{TGW_HEAD}[[regions.tgw_route_tables]]\nid = \"tgw-rtb-1\"\ntgw_id = \"tgw-1\"\nroute = [{{ destination = {{ cidr = \"10.0.0.0/8\" }} }}]\n"
            ),
            "route",
            "did you mean `routes`?",
            "9 | route = ",
        ),
        (
            "target.toml",
            format!(
                "{TGW_HEAD}[[regions.tgw_route_tables]]\nid = \"tgw-rtb-1\"\ntgw_id = \"tgw-1\"\nroutes = [{{ destination = {{ cidr = \"10.0.0.0/8\" }}, targets = [{{ attachment = \"x\" }}] }}]\n"
            ),
            "attachment",
            "did you mean `attachment_id`?",
            "9 | routes = ",
        ),
    ] {
        let (r, path) = scenario_run(dir.path(), name, &text, &[]);
        assert_eq!(r.code, exit::USAGE, "{name}: {r:?}");
        assert_eq!(r.stdout, "", "{r:?}");
        assert!(r.stderr.contains(&path), "names the file: {r:?}");
        assert!(r.stderr.contains(&format!("`{key}`")), "names {key}: {r:?}");
        assert!(r.stderr.contains(hint), "{hint}: {r:?}");
        assert!(r.stderr.contains(line), "quotes the line: {r:?}");
        assert!(r.stderr.contains('^'), "caret: {r:?}");
        assert!(
            !r.stderr.contains("not valid TOML"),
            "it is valid TOML: {r:?}"
        );
    }
    // JSON: the same, with the line, a caret, and a type error is not "not valid JSON".
    let json = "{\n  \"name\": \"t\",\n  \"regions\": [{\"region\": \"us-east-1\",\n    \"tgws\": [{\"id\": \"tgw-1\", \"asm\": 64512}]}]\n}\n";
    let (r, path) = scenario_run(dir.path(), "asm.json", json, &[]);
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    for want in [path.as_str(), "line 4", "`asm`", "did you mean `asn`?", "^"] {
        assert!(r.stderr.contains(want), "{want}: {r:?}");
    }
    assert!(!r.stderr.contains("not valid JSON"), "{r:?}");
    let json = json.replace("\"asm\": 64512", "\"asn\": \"high\"");
    let (r, _) = scenario_run(dir.path(), "type.json", &json, &[]);
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stderr.contains("invalid type"), "{r:?}");
    assert!(r.stderr.contains("line 4"), "{r:?}");
    assert!(!r.stderr.contains("not valid JSON"), "{r:?}");
    // Broken syntax is still called that.
    let (r, _) = scenario_run(dir.path(), "broken.json", "{\"name\": ", &[]);
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stderr.contains("not valid JSON"), "{r:?}");
}

/// Defect 5: what AWS refuses is refused at startup (exit 2), every problem at once,
/// each naming the object.
#[test]
fn cli_scenario_host_bits_bad_ranges_and_dangling_references_exit_2_all_named() {
    let dir = tmp();
    let text = r#"name = "bad"
[[regions]]
region = "us-east-1"
[[regions.tgws]]
id = "tgw-1"
asn = 100
[[regions.tgw_route_tables]]
id = "tgw-rtb-1"
tgw_id = "tgw-1"
routes = [{ destination = { cidr = "10.0.0.1/16" } }]
[[regions.vpcs]]
id = "vpc-1"
cidr_blocks = ["10.1.2.3/16"]
[[regions.vpcs]]
id = "vpc-2"
cidr_blocks = ["10.2.0.0/16"]
[[regions.subnets]]
id = "subnet-out"
vpc_id = "vpc-2"
cidr = "10.9.0.0/24"
[[regions.subnets]]
id = "subnet-bits"
vpc_id = "vpc-2"
cidr = "10.2.0.5/24"
[[regions.nat_gateways]]
id = "nat-1"
vpc_id = "vpc-2"
subnet_id = "subnet-gone"
[[regions.instances]]
id = "i-1"
vpc_id = "vpc-gone"
security_group_ids = ["sg-typo"]
[[regions.security_groups]]
id = "sg-1"
vpc_id = "vpc-2"
ingress = [{ protocol = "tcp", from_port = 22, to_port = 22, cidrs = ["10.2.0.1/16"] }]
[[regions.network_acls]]
id = "acl-1"
vpc_id = "vpc-2"
subnet_ids = ["subnet-elsewhere"]
[[regions.vpc_route_tables]]
id = "rtb-1"
vpc_id = "vpc-2"
routes = [
  { destination = { cidr = "0.0.0.0/0" }, target = { kind = "nat_gateway", id = "nat-gone" } },
  { destination = { cidr = "192.168.1.1/24" }, target = { kind = "transit_gateway", id = "tgw-1" } },
]
[[regions]]
region = "eu-west-1"
[[regions.tgws]]
id = "tgw-1"
asn = 64513
"#;
    let (r, path) = scenario_run(dir.path(), "bad.toml", text, &[]);
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert_eq!(r.stdout, "", "{r:?}");
    assert!(r.stderr.contains(&path), "{r:?}");
    for want in [
        "TGW route table tgw-rtb-1 in us-east-1: CIDR 10.0.0.1/16 has host bits set",
        "write 10.0.0.0/16",
        "VPC vpc-1 in us-east-1: CIDR 10.1.2.3/16 has host bits set (AWS refuses it); write 10.1.0.0/16",
        "subnet subnet-bits in us-east-1: CIDR 10.2.0.5/24 has host bits set (AWS refuses it); write 10.2.0.0/24",
        "subnet subnet-out in us-east-1: CIDR 10.9.0.0/24 is outside its VPC vpc-2 (10.2.0.0/16)",
        "TGW tgw-1 in us-east-1: ASN 100 is outside AWS's private ranges",
        "NAT gateway nat-1 in us-east-1: subnet subnet-gone does not exist",
        "instance i-1 in us-east-1: VPC vpc-gone does not exist",
        "instance i-1 in us-east-1: security group sg-typo does not exist",
        "security group sg-1 in us-east-1: CIDR 10.2.0.1/16 has host bits set",
        "network ACL acl-1 in us-east-1: association: subnet subnet-elsewhere does not exist",
        "VPC route table rtb-1 in us-east-1: route 0.0.0.0/0: NAT gateway nat-gone does not exist",
        "write 192.168.1.0/24",
        "id tgw-1 is used in both us-east-1 and eu-west-1",
    ] {
        assert!(r.stderr.contains(want), "{want}:\n{r:?}");
    }
    // A TGW without `asn` gets AWS's default (64512) and passes.
    let (r, _) = scenario_run(dir.path(), "default-asn.toml", TGW_HEAD, &[]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("64512"), "{r:?}");
}

/// Defect 7: control characters in names reach the terminal escaped in text output;
/// JSON carries them as they are (escaped by JSON itself).
#[test]
fn cli_control_characters_in_names_are_escaped_in_text_output() {
    let dir = tmp();
    let text = format!("{TGW_HEAD}name = \"evil\\u001b]0;pwned\\u0007\\u001b[31mred\\u009b2J\"\n");
    let (r, _) = scenario_run(dir.path(), "evil.toml", &text, &[]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(
        !r.stdout.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "raw control characters: {r:?}"
    );
    assert!(
        r.stdout
            .contains("evil\\x1b]0;pwned\\x07\\x1b[31mred\\u{9b}2J"),
        "{r:?}"
    );
    let (r, _) = scenario_run(dir.path(), "evil2.toml", &text, &["--output", "json"]);
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(
        r.docs()[0]["items"][0]["name"],
        "evil\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{9b}2J"
    );
}

/// Error messages cut huge inputs with an ellipsis and the length.
#[test]
fn cli_huge_scenario_line_is_not_repeated_in_full() {
    let dir = tmp();
    let text = format!("{TGW_HEAD}asm = \"{}\"\n", "x".repeat(1_048_576));
    let (r, _) = scenario_run(dir.path(), "huge.toml", &text, &[]);
    assert_eq!(r.code, exit::USAGE, "exit {}", r.code);
    assert!(r.stderr.len() < 4_000, "{} bytes of stderr", r.stderr.len());
    assert!(r.stderr.contains("bytes)"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `asn`?"), "{}", r.stderr);
}

/// `find` (issue 20 #6) through the batch binary: who holds an address and a name,
/// in text and JSON; a bad CIDR refused before anything runs; nothing found is exit 1.
#[test]
fn cli_find_says_who_holds_an_address_and_refuses_bad_input() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "find 10.1.1.10\nfind spoke-b-igw\n",
    );
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("10.1.1.10 is held by 2 objects"), "{r:?}");
    assert!(
        r.stdout.contains("i-0e1a2b3c4d5e6f7d2") && r.stdout.contains("spoke-b-workload"),
        "{r:?}"
    );
    assert!(r.stdout.contains("igw-0e1a2b3c4d5e6f7c2"), "{r:?}");
    let r = demo(
        dir.path(),
        &["--batch", "-", "--output", "json"],
        "find 198.51.100.20\n",
    );
    assert_eq!(r.code, exit::OK, "{r:?}");
    let doc: Value = serde_json::from_str(r.stdout.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {r:?}"));
    assert_eq!(doc["command"], "find 198.51.100.20");
    assert_eq!(doc["objects"][0]["kind"], "nat_gateway");
    assert_eq!(doc["objects"][0]["id"], "nat-0e1a2b3c4d5e6f7b2");
    assert_eq!(doc["objects"][0]["how"], "Elastic IP");
    let r = demo(dir.path(), &["--batch", "-"], "tgws\nfind 10.0.0.0/33\n");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert_eq!(r.stdout, "", "nothing runs: {r:?}");
    assert!(
        r.stderr.contains("line 2") && r.stderr.contains("0 to 32"),
        "{r:?}"
    );
    let r = demo(dir.path(), &["--batch", "-"], "find no-such-name\n");
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("no object has the id"), "{r:?}");
}

/// "not found in the loaded regions (…)" lists only regions that loaded.
#[test]
fn cli_not_found_lists_only_regions_that_loaded() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--sim-region-down", "eu-west-1", "--batch", "-"],
        "show vpc-0000000000000dead\n",
    );
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(
        r.stderr
            .contains("not found in the loaded regions (us-east-1)"),
        "{r:?}"
    );
    assert!(r.stderr.contains("eu-west-1 could not be read"), "{r:?}");
}

/// Defect 1: a log that cannot be written neither blocks nor fails the batch.
#[cfg(target_os = "linux")]
#[test]
fn cli_unwritable_log_does_not_block_the_batch() {
    let dir = tmp();
    let mut cmd = Command::new(netops_bin());
    super::support::isolate(&mut cmd, dir.path());
    let mut child = cmd
        .env("RUST_LOG", "netops=debug")
        .args(["--demo", "--log-file", "/dev/full", "--batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start netops");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"tgws\n")
        .expect("write stdin");
    // Generous: this is about never returning, not about speed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let status = status.expect("netops hung with an unwritable log (killed after 60 s)");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    assert_eq!(status.code(), Some(exit::OK), "{stdout}");
    assert!(stdout.contains("hub-use1"), "{stdout}");
}

/// Rough edges: region names, options without effect in the mode, unknown profiles.
#[test]
fn cli_bad_regions_and_options_without_effect_exit_2() {
    let dir = tmp();
    for (args, want) in [
        (&["--regions", ""][..], "empty region name"),
        (
            &["--regions", "us-east-1,,eu-west-1"][..],
            "empty region name",
        ),
        (
            &["--region", "mars-1"][..],
            "`mars-1` is not an AWS region name",
        ),
        (
            &["--sim-region-down", "nowhere"][..],
            "`nowhere` is not an AWS region name",
        ),
        (&["--scenario-routes", "5"][..], "--scenario-scale"),
        (&["--call-timeout", "0"][..], "--call-timeout"),
    ] {
        let r = demo(dir.path(), &[args, &["--batch", "-"]].concat(), "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{args:?}: {r:?}");
        assert!(r.stderr.contains(want), "{args:?}: {want}: {r:?}");
        assert_eq!(r.stdout, "", "{r:?}");
    }
    // Batch-only options without --batch; simulator options without the simulator.
    for (args, want) in [
        (&["--demo", "--output", "json"][..], "--batch"),
        (&["--demo", "--keep-going"][..], "--batch"),
        (
            &["--sim-latency-ms", "5", "--batch", "-"][..],
            "--sim-latency-ms",
        ),
    ] {
        let mut cmd = netops(dir.path());
        cmd.args(args);
        let r = run(cmd, "tgws\n");
        assert_eq!(r.code, exit::USAGE, "{args:?}: {r:?}");
        assert!(r.stderr.contains(want), "{args:?}: {want}: {r:?}");
    }
}

#[test]
fn cli_unknown_profile_says_so_and_lists_the_profiles_that_exist() {
    let dir = tmp();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n",
    )
    .expect("write");
    std::fs::write(&credentials, "[ci]\naws_access_key_id = AKIDEXAMPLE\n").expect("write");
    let mut cmd = netops(dir.path());
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["--profile", "prdo", "--region", "us-east-1", "--batch", "-"]);
    let r = run(cmd, "tgws\n");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(
        r.stderr.contains("AWS profile `prdo` does not exist"),
        "{r:?}"
    );
    assert!(r.stderr.contains("ci, default, dev"), "{r:?}");
    assert!(!r.stderr.contains("sso login"), "{r:?}");
}

/// A proxy on loopback in front of moto that holds back the answer to one kind of
/// call for `delay` (the call reaches moto and is carried out; its answer comes
/// late): an answer lost in the network, on cue. Ends with the test process.
fn delaying_proxy(upstream: u16, action: &'static str, delay: std::time::Duration) -> u16 {
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                return;
            };
            let hold = Arc::new(AtomicBool::new(false));
            let (mut c_in, mut s_out) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            let flag = Arc::clone(&hold);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = c_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if String::from_utf8_lossy(&buf[..n]).contains(&format!("Action={action}")) {
                        flag.store(true, Ordering::SeqCst);
                    }
                    if s_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = s_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if hold.swap(false, Ordering::SeqCst) {
                        std::thread::sleep(delay);
                    }
                    if c_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// Issue 16 against moto through the real SDK: CreateTransitGatewayRoute reaches
/// moto but its answer is held back past `--call-timeout`. Before the fix: "failed …
/// nothing was changed" while the route existed. Now: outcome unknown, re-read,
/// reported and logged as applied, not sent again.
#[tokio::test]
async fn cli_moto_a_lost_answer_through_a_delaying_proxy_is_settled_as_applied() {
    let account = fresh_account();
    let (_, clients) = moto_backend(&["us-east-1", "eu-west-1"], &account).await;
    let ids = seed(&Scenario::builtin().expect("builtin"), &clients).await;
    let port = moto().port;
    let (key, secret) = tokio::task::spawn_blocking(move || moto_access_key(port, &account))
        .await
        .expect("IAM key");
    let proxy = delaying_proxy(
        port,
        "CreateTransitGatewayRoute",
        std::time::Duration::from_secs(5),
    );
    let dir = tmp();
    let config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(&config, "").expect("write");
    std::fs::write(&credentials, "").expect("write");
    let audit = dir.path().join("audit.jsonl");
    let spoke = ids.get("tgw-rtb-0e1a2b3c4d5e6f711").to_string();
    let att = ids.get("tgw-attach-0e1a2b3c4d5e6f722").to_string();
    let script = format!("route add {spoke} 10.50.0.0/16 {att}\n");
    let mut cmd = netops(dir.path());
    cmd.env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env_remove("AWS_SESSION_TOKEN")
        .args(["--regions", "us-east-1", "--endpoint-url"])
        .arg(format!("http://127.0.0.1:{proxy}"))
        .args(["--max-attempts", "3", "--call-timeout", "2", "--yes"])
        .arg("--audit-log")
        .arg(&audit)
        .args(["--batch", "-"]);
    let r = tokio::task::spawn_blocking(move || run(cmd, &script))
        .await
        .expect("netops run");
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert!(r.stdout.contains("applied: the answer was lost"), "{r:?}");
    assert!(r.stdout.contains("the re-read shows it"), "{r:?}");
    let (changes, _) = netops::ops::log::read(&audit, None).expect("audit log");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].applied, Some(true), "{changes:#?}");
}

/// The binary refuses a VPC route to another VPC's NAT gateway before sending it,
/// as AWS would (issue 16): exit 1, "refused, nothing was sent", both VPCs named.
#[test]
fn cli_a_vpc_route_to_another_vpcs_nat_gateway_is_refused() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--batch", "-", "--yes"],
        "vpc-route add rtb-0e1a2b3c4d5e6f787 192.168.0.0/16 nat-0e1a2b3c4d5e6f7b1\n",
    );
    assert_eq!(r.code, exit::COMMAND_FAILED, "{r:?}");
    assert!(r.stderr.contains("refused, nothing was sent"), "{r:?}");
    assert!(
        r.stderr.contains("vpc-0e1a2b3c4d5e6f732") && r.stderr.contains("vpc-0e1a2b3c4d5e6f731"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("applied:"), "{r:?}");
}

/// The instance metadata service is link-local: answered on the instance's host,
/// never routed to the internet (issue 16).
#[test]
fn cli_trace_to_the_instance_metadata_service_stays_on_the_instance() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--batch", "-"],
        "trace i-0e1a2b3c4d5e6f7d1 169.254.169.254\n",
    );
    assert_eq!(r.code, exit::OK, "{r:?}");
    let out = r.stdout.to_lowercase();
    assert!(out.contains("link-local"), "{r:?}");
    assert!(out.contains("instance metadata"), "{r:?}");
    for absent in ["internet", "nat gateway", "nat-", "igw-", "vpce-", "tgw-"] {
        assert!(!out.contains(absent), "{absent}: {r:?}");
    }
}

/// A 1,000,000-character id makes a short error, not a 1 MB one (issue 16).
#[test]
fn cli_a_huge_id_is_cut_in_the_error() {
    let dir = tmp();
    let huge = "a".repeat(1_000_000);
    for line in [
        format!("trace i-{huge} internet"),
        format!("trace i-0e1a2b3c4d5e6f7d1 {huge}"),
        format!("show vpc-{huge}"),
        format!("routes tgw-rtb-{huge}"),
        format!("route add tgw-rtb-{huge} 10.9.0.0/16 tgw-attach-0e1a2b3c4d5e6f722"),
        format!("vpc-route add rtb-0e1a2b3c4d5e6f787 10.9.0.0/16 nat-{huge}"),
        format!("fw show {huge}"),
    ] {
        let r = demo(dir.path(), &["--batch", "-", "--yes"], &format!("{line}\n"));
        let head = &r.stderr[..r.stderr.len().min(600)];
        assert_ne!(r.code, exit::OK, "{head}");
        assert!(
            r.stderr.len() < 4_096,
            "{} bytes of stderr: {head}",
            r.stderr.len()
        );
        assert!(r.stderr.contains("characters)"), "{head}");
        assert!(
            r.stdout.len() < 65_536,
            "{} bytes of stdout",
            r.stdout.len()
        );
    }
}

/// Makes a TGW, a VPC with a subnet, and the VPC's attachment in `region` of
/// `account`; answers the TGW's and the VPC's ids.
async fn moto_account_network(
    endpoint: &str,
    region: &str,
    account: &str,
    cidr: &str,
) -> (String, String) {
    let ec2 = clients_at(endpoint, region, account).ec2;
    let tgw = ec2
        .create_transit_gateway()
        .description(format!("hub of {account}"))
        .send()
        .await
        .expect("CreateTransitGateway")
        .transit_gateway()
        .and_then(|t| t.transit_gateway_id())
        .expect("tgw id")
        .to_string();
    let vpc = ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .expect("CreateVpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(cidr)
        .availability_zone(format!("{region}a"))
        .send()
        .await
        .expect("CreateSubnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    ec2.create_transit_gateway_vpc_attachment()
        .transit_gateway_id(&tgw)
        .vpc_id(&vpc)
        .subnet_ids(subnet)
        .send()
        .await
        .expect("CreateTransitGatewayVpcAttachment");
    (tgw, vpc)
}

/// `--org --role-name …` against moto: an organization with a management account and
/// two member accounts, each with a TGW, a VPC and its attachment in two regions. The
/// binary lists the accounts (Organizations ListAccounts), reads the management
/// account with its own credentials and each member through AssumeRole, and shows
/// one estate with every object's owner right; `--accounts` reads exactly those named.
/// (moto 5.2.5 separates accounts by the assumed role's credentials and implements
/// Organizations; it does not check that the role exists, so a refused AssumeRole is
/// covered on the simulator: `backend::accounts::tests`.)
#[tokio::test]
async fn cli_moto_an_organization_read_with_org_and_with_accounts() {
    let endpoint = tokio::task::spawn_blocking(|| moto().endpoint())
        .await
        .expect("moto start task");
    let management = fresh_account();
    let org = super::moto::organizations_at(&endpoint, &management);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let mut members = Vec::new();
    for name in ["bu-a", "bu-b"] {
        let status = org
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .expect("CreateAccount");
        members.push(
            status
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("account id")
                .to_string(),
        );
    }
    let mut owned = BTreeSet::new();
    for (i, account) in std::iter::once(&management).chain(&members).enumerate() {
        for (j, region) in ["us-east-1", "eu-west-1"].into_iter().enumerate() {
            let cidr = format!("10.{}.0.0/16", 10 * (i + 1) + j);
            let (tgw, vpc) = moto_account_network(&endpoint, region, account, &cidr).await;
            owned.insert((tgw, account.clone()));
            owned.insert((vpc, account.clone()));
        }
    }
    let port = moto().port;
    let m = management.clone();
    let (key, secret) = tokio::task::spawn_blocking(move || moto_access_key(port, &m))
        .await
        .expect("IAM key");

    let dir = tmp();
    let config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(&config, "").expect("write");
    std::fs::write(&credentials, "").expect("write");
    let binary = |accounts: &[&str]| {
        let mut cmd = netops(dir.path());
        cmd.env("AWS_ACCESS_KEY_ID", &key)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args(["--regions", "us-east-1,eu-west-1", "--endpoint-url"])
            .arg(&endpoint)
            .args(["--max-attempts", "1", "--call-timeout", "20"])
            .args(accounts)
            .args(["--batch", "-", "--output", "json"]);
        cmd
    };
    let owners = |r: &Run| -> BTreeSet<(String, String)> {
        let docs = r.docs();
        let mut seen = BTreeSet::new();
        for (doc, command) in docs.iter().zip(["tgws", "vpcs"]) {
            for item in items(doc, command) {
                seen.insert((
                    item["id"].as_str().expect("id").to_string(),
                    item["owner_id"].as_str().expect("owner").to_string(),
                ));
            }
        }
        seen
    };

    let cmd = binary(&["--org", "--role-name", "OrganizationAccountAccessRole"]);
    let r = tokio::task::spawn_blocking(move || run(cmd, "tgws\nvpcs\n"))
        .await
        .expect("netops run");
    assert_eq!(r.code, exit::OK, "{r:?}");
    let seen = owners(&r);
    for o in &owned {
        assert!(seen.contains(o), "{o:?} missing from {seen:?}");
    }
    // moto's default VPCs of each account are read too; nothing but these accounts'.
    let accounts: BTreeSet<&str> = seen.iter().map(|(_, a)| a.as_str()).collect();
    let mut want: BTreeSet<&str> = members.iter().map(String::as_str).collect();
    want.insert(&management);
    assert_eq!(accounts, want, "{seen:?}");

    let only = members[1].clone();
    let cmd = binary(&["--accounts", &only]);
    let r = tokio::task::spawn_blocking(move || run(cmd, "tgws\nvpcs\n"))
        .await
        .expect("netops run");
    assert_eq!(r.code, exit::OK, "{r:?}");
    let accounts: BTreeSet<String> = owners(&r).into_iter().map(|(_, a)| a).collect();
    assert_eq!(accounts, BTreeSet::from([only]), "{r:?}");
}

#[test]
fn cli_demo_org_names_the_denied_account_and_exits_4() {
    let dir = tmp();
    let r = demo(
        dir.path(),
        &["--org", "--batch", "-", "--output", "json"],
        "vpcs\naudit\n",
    );
    // The audit finds errors (exit 3 comes before partial's 4).
    assert_eq!(r.code, exit::FINDINGS, "{r:?}");
    assert!(
        r.stderr.contains("read accounts 5/6, regions 12/12"),
        "{r:?}"
    );
    // Findings name the account that owns what they are about.
    let audit = &r.docs()[1];
    let account_of = |kind: &str| {
        audit["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["kind"] == kind)
            .map(|f| f["account"].clone())
    };
    assert_eq!(
        account_of("egress_bypasses_inspection"),
        Some(Value::from("444455556666")),
        "{audit}"
    );
    assert_eq!(
        account_of("blackhole_route"),
        Some(Value::from("111122223333")),
        "{audit}"
    );
    assert_eq!(
        account_of("part_not_read"),
        Some(Value::from("555566667777")),
        "{audit}"
    );
    assert!(
        r.stderr.contains(
            "account 555566667777 in us-east-1 not read: role OrganizationAccountAccessRole cannot be assumed in 555566667777: AccessDenied"
        ),
        "{r:?}"
    );
    let doc = &r.docs()[0];
    let incomplete = doc["incomplete_regions"].as_array().expect("incomplete");
    assert!(
        incomplete.iter().any(|i| i["account"] == "555566667777"),
        "{doc}"
    );
    let owners: BTreeSet<&str> = items(doc, "vpcs")
        .iter()
        .map(|v| v["owner_id"].as_str().expect("owner"))
        .collect();
    assert_eq!(
        owners,
        BTreeSet::from([
            "111122223333",
            "222233334444",
            "444455556666",
            "666677778888"
        ]),
        "{doc}"
    );

    let r = demo(
        dir.path(),
        &["--org", "--batch", "-", "--output", "json"],
        "vpcs\n",
    );
    assert_eq!(r.code, exit::PARTIAL, "{r:?}");

    // Exactly the accounts named: business unit B alone sees its VPC and the TGW
    // shared with it, not the network account's VPCs.
    let r = demo(
        dir.path(),
        &[
            "--accounts",
            "444455556666",
            "--batch",
            "-",
            "--output",
            "json",
        ],
        "vpcs\ntgws\n",
    );
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    let vpcs: Vec<&str> = items(&docs[0], "vpcs")
        .iter()
        .map(|v| v["name"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(vpcs, ["spoke-b"], "{r:?}");
    assert_eq!(
        items(&docs[1], "tgws").len(),
        1,
        "the shared hub in us-east-1: {r:?}"
    );
}

/// `--scenario-accounts N`: a generated organization, read account by account as
/// `--org` reads one: each workload account's spokes in both regions, owned by it,
/// attached to the network account's hubs; the audit finds nothing wrong. Sizes over
/// AWS's quotas are refused, naming the quota.
#[test]
fn cli_scenario_accounts_reads_a_generated_organization() {
    let dir = tmp();
    let mut cmd = netops(dir.path());
    cmd.args([
        "--scenario-accounts",
        "4",
        "--scenario-spokes-per-account",
        "2",
        "--batch",
        "-",
        "--output",
        "json",
    ]);
    let r = run(cmd, "vpcs\ntgws\naudit\n");
    assert_eq!(r.code, exit::OK, "{r:?}");
    let docs = r.docs();
    let vpcs = items(&docs[0], "vpcs");
    // Per region: inspection (the network account's) and 4 × 2 spokes.
    assert_eq!(vpcs.len(), 18, "{r:?}");
    let mut per_owner: std::collections::BTreeMap<&str, usize> = Default::default();
    for v in vpcs {
        *per_owner
            .entry(v["owner_id"].as_str().expect("owner"))
            .or_default() += 1;
    }
    assert_eq!(
        per_owner,
        [
            ("100000000001", 2),
            ("200000000001", 4),
            ("200000000002", 4),
            ("200000000003", 4),
            ("200000000004", 4)
        ]
        .into_iter()
        .collect(),
        "{r:?}"
    );
    let tgws = items(&docs[1], "tgws");
    assert_eq!(tgws.len(), 2, "a hub in each region: {r:?}");
    assert!(
        tgws.iter().all(|t| t["owner_id"] == "100000000001"),
        "{r:?}"
    );
    assert_eq!(docs[2]["command"], "audit", "{r:?}");
    assert_eq!(
        docs[2]["findings"].as_array().map(Vec::len),
        Some(0),
        "{r:?}"
    );

    let mut cmd = netops(dir.path());
    cmd.args(["--scenario-accounts", "500", "--batch", "-"]);
    let r = run(cmd, "tgws\n");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(
        r.stderr
            .contains("AWS allows 5000 attachments per transit gateway"),
        "{r:?}"
    );
    let mut cmd = netops(dir.path());
    cmd.args([
        "--demo",
        "--scenario-spokes-per-account",
        "3",
        "--batch",
        "-",
    ]);
    let r = run(cmd, "tgws\n");
    assert_eq!(r.code, exit::USAGE, "{r:?}");
    assert!(r.stderr.contains("--scenario-accounts"), "{r:?}");
}

/// Each change is sent from the account that owns its object, and every audit line
/// of it (intent, answer, settled) names that account and the role used there.
#[test]
fn cli_demo_org_changes_run_and_are_audited_in_the_owners_account() {
    let dir = tmp();
    let audit = dir.path().join("audit.jsonl");
    let r = demo(
        dir.path(),
        &[
            "--org",
            "--yes",
            "--audit-log",
            audit.to_str().expect("utf-8 path"),
            "--batch",
            "-",
        ],
        "route del tgw-rtb-0e1a2b3c4d5e6f712 10.2.0.0/16\nvpc-route add rtb-0e1a2b3c4d5e6f789 10.99.0.0/16 tgw-0e1a2b3c4d5e6f701\n",
    );
    // Partial (the denied account), every change verified.
    assert_eq!(r.code, exit::PARTIAL, "{r:?}");
    assert_eq!(r.stdout.matches("verified").count(), 2, "{r:?}");
    let lines: Vec<Value> = std::fs::read_to_string(&audit)
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let seen: Vec<(String, String, String)> = lines
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_string(),
                e["record"].as_str().expect("record").to_string(),
                e["account"].as_str().expect("account").to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("DeleteTransitGatewayRoute", "111122223333"),
        ("CreateRoute", "444455556666"),
    ]
    .iter()
    .flat_map(|(action, account)| {
        ["intent", "answer", "settled"]
            .iter()
            .map(move |record| (action.to_string(), record.to_string(), account.to_string()))
    })
    .collect();
    assert_eq!(seen, want);
    assert!(
        lines
            .iter()
            .all(|e| e["via"] == "role OrganizationAccountAccessRole"),
        "{lines:?}"
    );
}

/// `peer connect` across accounts (seed 002's organization: the peering from the
/// network account's hub is accepted by the European network account) goes to the
/// end: accepted in the accepter's account, each side's routes in its owner's, every
/// step verified and the path traced both ways.
#[test]
fn cli_demo_org_peer_connect_across_accounts_is_verified_on_both_sides() {
    let dir = tmp();
    let audit = dir.path().join("audit.jsonl");
    let r = demo(
        dir.path(),
        &[
            "--org",
            "--yes",
            "--audit-log",
            audit.to_str().expect("utf-8 path"),
            "--batch",
            "-",
        ],
        "peer connect tgw-attach-0e1a2b3c4d5e6f7a1\n",
    );
    // Partial: the denied account; the connection itself is complete.
    assert_eq!(r.code, exit::PARTIAL, "{r:?}");
    assert!(
        r.stdout
            .contains("tgw-attach-0e1a2b3c4d5e6f7a1 is available with routes on both sides"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("✓ trace i-0e1a2b3c4d5e6f7d1 → 172.16.1.10"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("NOT verified"), "{r:?}");
    let sent: Vec<(String, String, String)> = std::fs::read_to_string(&audit)
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|e| e["record"] == "intent")
        .map(|e| {
            (
                e["region"].as_str().expect("region").to_string(),
                e["action"].as_str().expect("action").to_string(),
                e["account"].as_str().expect("account").to_string(),
            )
        })
        .collect();
    let accept = sent
        .iter()
        .find(|(_, a, _)| a == "AcceptTransitGatewayPeeringAttachment")
        .expect("accepted");
    assert_eq!(accept.2, "666677778888", "{sent:?}");
    for (region, action, account) in &sent {
        let want = match (region.as_str(), action.as_str()) {
            ("eu-west-1", _) => "666677778888",
            // The firewall subnets' routes: the security account's inspection VPC.
            ("us-east-1", "CreateRoute") => "222233334444",
            _ => "111122223333",
        };
        assert_eq!(account, want, "{region} {action}: {sent:?}");
    }
}
