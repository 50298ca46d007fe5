//! Shared test helpers.

/// What a batch run printed, and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// stdout as JSON Lines.
    pub fn docs(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{self:?}"))
            })
            .collect()
    }
}

/// What every child process of the tests gets (issue 16, item 13): none of the
/// caller's AWS settings, explicit test credentials, and the instance-metadata
/// lookup off, so the SDK's credential chain never reaches for 169.254.169.254 (or
/// any address beyond 127.0.0.1); HOME (and so the state and config dirs) in `home`.
pub fn isolate(cmd: &mut std::process::Command, home: &std::path::Path) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("AWS_") || k.starts_with("XDG_") {
            cmd.env_remove(&key);
        }
    }
    for (k, v) in TEST_ENV {
        cmd.env(k, v);
    }
    cmd.env("HOME", home).env_remove("RUST_LOG");
}

/// The environment [`isolate`] sets, for children started another way (tmux).
pub const TEST_ENV: [(&str, &str); 4] = [
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_SESSION_TOKEN", "testing"),
];

/// The binary under test: `NETOPS_TEST_BIN` when set (worktrees sharing a target
/// dir), else cargo's.
pub fn netops_bin() -> std::ffi::OsString {
    std::env::var_os("NETOPS_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_netops").into())
}

/// The binary, isolated ([`isolate`]) with HOME in `home`.
pub fn netops_command(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(netops_bin());
    isolate(&mut cmd, home);
    cmd
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run_with_stdin(mut cmd: std::process::Command, stdin: &str) -> Run {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start netops");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("netops ran");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every test that starts a process starts it isolated: a test file that runs the
/// binary, a shell or tmux without [`isolate`] (or [`TEST_ENV`]) fails here.
#[test]
fn every_child_process_of_the_tests_is_isolated() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    for entry in std::fs::read_dir(&dir).expect("tests/it") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("support.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let spawns = text.contains("CARGO_BIN_EXE_netops")
            || text.contains("netops_bin()")
            || text.contains("Command::new(\"sh\")")
            || text.contains("Command::new(\"tmux\")");
        if spawns {
            assert!(
                text.contains("isolate(")
                    || text.contains("TEST_ENV")
                    || text.contains("netops_command("),
                "{} starts processes without support::isolate",
                path.display()
            );
        }
    }
    // And the environment itself.
    let home = tempfile::tempdir().expect("tempdir");
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg("env");
    isolate(&mut sh, home.path());
    let out = sh.output().expect("sh");
    let env = String::from_utf8_lossy(&out.stdout);
    assert!(env.contains("AWS_EC2_METADATA_DISABLED=true"), "{env}");
    assert!(env.contains("AWS_ACCESS_KEY_ID=testing"), "{env}");
}
