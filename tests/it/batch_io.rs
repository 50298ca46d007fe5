//! The batch front end's output as the operating system sees it: a full disk, a
//! closed stdout, a reader that goes away, a log that cannot be written.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn netops_sh(script: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sh = Command::new("sh");
    super::support::isolate(&mut sh, dir.path());
    let mut child = sh
        .arg("-c")
        .arg(script)
        .env("NETOPS", env!("CARGO_BIN_EXE_netops"))
        .env("LOG", dir.path().join("netops.log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"tgws\nvpcs\n")
        .expect("stdin");
    // Bounded: a hang is a failure, not a stuck test run.
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("`{script}` did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn batch_output_to_a_full_disk_is_exit_1() {
    let out = netops_sh("\"$NETOPS\" --demo --log-file \"$LOG\" --batch - > /dev/full");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}

#[test]
fn batch_output_to_a_closed_stdout_is_exit_1() {
    let out = netops_sh("\"$NETOPS\" --demo --log-file \"$LOG\" --batch - >&-");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}

#[test]
fn batch_output_into_head_stays_quiet() {
    let out = netops_sh(
        "\"$NETOPS\" --demo --log-file \"$LOG\" --batch - | head -1; echo \"status ${PIPESTATUS:-}\"",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("REGION"));
}

fn netops_with_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netops"));
    super::support::isolate(&mut cmd, dir.path());
    let mut child = cmd
        .args(args)
        .arg("--log-file")
        .arg(dir.path().join("netops.log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netops");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("stdin");
    drop(input);
    child.wait_with_output().expect("output")
}

#[test]
fn the_console_without_a_terminal_says_so_and_exits_2() {
    let out = netops_with_stdin(&["--demo"], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the console needs a terminal") && stderr.contains("use --batch"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no colour codes: {stderr:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_huge_bad_line_is_quoted_cut_and_a_nul_is_named() {
    let huge = format!("show {}\n", "x".repeat(1_000_000));
    let out = netops_with_stdin(&["--demo", "--batch", "-"], huge.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &stderr[..stderr.len().min(500)]
    );
    assert!(stderr.len() < 2_000, "message is {} bytes", stderr.len());
    assert!(stderr.contains("characters)"), "{stderr}");

    let out = netops_with_stdin(&["--demo", "--batch", "-"], b"tgws\nshow \0vpc\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
}
