//! The real binary in a real terminal: `netops --demo` inside tmux, driven with
//! `send-keys`, read with `capture-pane`. Skipped (with a message) only when tmux is
//! not installed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("tmux");
        for (k, v) in super::support::TEST_ENV {
            cmd.env(k, v);
        }
        cmd.arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn start(name: &str, width: u16, height: u16, command: &str, env: &[(&str, &Path)]) -> Self {
        let t = Self {
            socket: format!("netops-test-{}-{name}", std::process::id()),
            session: name.to_string(),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let env: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", v.display()))
            .chain(
                super::support::TEST_ENV
                    .iter()
                    .map(|(k, v)| format!("{k}={v}")),
            )
            .collect();
        let mut args = vec!["new-session", "-d", "-s", name, "-x", &w, "-y", &h];
        for e in &env {
            args.push("-e");
            args.push(e);
        }
        args.push(command);
        let out = t.tmux(&args);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        let out = self.tmux(&args);
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    /// Escape, then a pause: Escape and the next key in one read are Alt-that-key
    /// to the terminal (an Escape then q would not quit).
    fn escape(&self) {
        self.send(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    fn type_text(&self, text: &str) {
        let out = self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
        assert!(out.status.success(), "send-keys -l {text}");
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Polls the pane until every needle is on screen (at most [`WAIT`]).
    fn wait_for(&self, needles: &[&str]) -> String {
        self.wait_longer(needles, WAIT)
    }

    /// Polls the pane until every needle is on screen (at most `wait`).
    fn wait_longer(&self, needles: &[&str], wait: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                start.elapsed() < wait,
                "waited {wait:?} for {needles:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn session_alive(&self) -> bool {
        self.tmux(&["has-session", "-t", &self.session])
            .status
            .success()
    }
}

/// The demo console with its log in `home`, then its exit code on the screen.
fn demo_command(home: &Path) -> String {
    format!(
        "{} --demo --log-file {}; echo \"netops exited with $?\"; sleep 1",
        env!("CARGO_BIN_EXE_netops"),
        home.join("netops.log").display()
    )
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn demo_console_in_tmux() {
    if !Tmux::available() {
        eprintln!("SKIPPED demo_console_in_tmux: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_netops");
    let log = home.path().join("netops.log");
    let command = format!(
        "{bin} --demo --log-file {}; echo \"netops exited with $?\"; sleep 2",
        log.display()
    );
    let config = home.path().join("config");
    let t = Tmux::start(
        "console",
        120,
        40,
        &command,
        &[("HOME", home.path()), ("XDG_CONFIG_HOME", &config)],
    );

    // The estate tree, with the blackhole flagged.
    let screen = t.wait_for(&[
        "Estate",
        "TGW hub-use1",
        "post-inspection",
        "✗ 1 blackhole",
        "us-east-1 ✓",
    ]);
    assert!(screen.contains("TGW hub-euw1"), "{screen}");

    // The blackhole route in the detail pane.
    t.send(&["j", "j", "j", "j", "j"]);
    t.wait_for(&[
        "Route table post-inspection",
        "10.2.0.0/16",
        "blackhole",
        "attachment gone",
    ]);

    // Jump from hub-use1 across the pending peering to eu-west-1, and back.
    t.send(&["g", "j", "j", "p"]);
    t.wait_for(&["┌ TGW hub-euw1", "jumped across use1-to-euw1"]);
    t.send(&["["]);
    t.wait_for(&["┌ TGW hub-use1"]);
    t.send(&["]"]);
    t.wait_for(&["┌ TGW hub-euw1"]);

    // Filter to 10.1.0.0/16: spoke-b and the routes that contain it stay.
    t.send(&["/"]);
    t.type_text("10.1.0.0/16");
    t.send(&["Enter"]);
    let screen = t.wait_for(&["filter: 10.1.0.0/16", "spoke-b-isolated-a", "0.0.0.0/0"]);
    assert!(!screen.contains("spoke-a-isolated-a"), "{screen}");
    t.send(&["Escape"]);
    t.wait_for(&["filter cleared"]);

    // Help, generated from the keymap.
    t.send(&["?"]);
    t.wait_for(&[
        "Help: keys of the active keymap",
        "Jump across the peering to the peer TGW",
    ]);
    t.send(&["Escape"]);

    // The command prompt runs the --batch vocabulary.
    t.send(&[":"]);
    t.type_text("tgws");
    t.send(&["Enter"]);
    t.wait_for(&["┌ :tgws", "64513"]);
    t.send(&["q"]);

    // `:audit-log` opens its popup (issue 18: it showed nothing and swallowed the
    // next keys, as the front end ran its file read only when other messages came);
    // q closes it, and the next q quits.
    t.send(&[":"]);
    t.type_text("audit-log");
    t.send(&["Enter"]);
    t.wait_for(&["┌ :audit-log", "no change has been logged yet"]);
    t.send(&["q"]);

    // q quits and leaves a clean terminal: the shell's output, no console.
    t.send(&["q"]);
    let screen = t.wait_for(&["netops exited with 0"]);
    assert!(
        !screen.contains("Estate"),
        "alternate screen left behind:\n{screen}"
    );
    let start = Instant::now();
    while t.session_alive() {
        assert!(start.elapsed() < WAIT, "the session did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `:trace` at the prompt opens the trace view over the real binary's screen.
#[test]
fn trace_view_in_tmux() {
    if !Tmux::available() {
        eprintln!("SKIPPED trace_view_in_tmux: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = demo_command(home.path());
    let t = Tmux::start("trace", 120, 40, &command, &[("HOME", home.path())]);
    t.wait_for(&["TGW hub-use1", "us-east-1 ✓"]);
    t.send(&[":"]);
    t.type_text("trace i-0e1a2b3c4d5e6f7d2 internet");
    t.send(&["Enter"]);
    t.wait_for(&[
        "┌ :trace i-0e1a2b3c4d5e6f7d2 internet",
        "reaches internet as 203.0.113.25",
    ]);
    t.escape();
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
}

/// `E` on the real demo: the probe matrix fills in live (SSM through the
/// simulator's prober), with symbols beside the verdicts; selecting spoke-b explains
/// its leak by the IGW route.
#[test]
fn probe_matrix_in_tmux() {
    if !Tmux::available() {
        eprintln!("SKIPPED probe_matrix_in_tmux: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = demo_command(home.path());
    let t = Tmux::start("probe", 120, 40, &command, &[("HOME", home.path())]);
    t.wait_for(&["TGW hub-use1", "us-east-1 ✓", "E probe egress"]);
    t.send(&["E"]);
    let screen = t.wait_for(&["egress probe:", "✓ centralized", "✗ leak", "○ isolated"]);
    assert!(screen.contains("198.51.100.10"), "{screen}");
    assert!(screen.contains("SPOKE"), "{screen}");
    // Rows: workload-euw1, spoke-a, spoke-b; the explanation follows the selection.
    t.send(&["j", "j"]);
    let screen = t.wait_for(&["› spoke-b", "igw-0e1a2b3c4d5e6f7c2"]);
    assert!(screen.contains("engine: leaks as 203.0.113.25"), "{screen}");
    t.escape();
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
}

/// The peering wizard on the real demo (its clock is real: the accept takes ~10 s):
/// `:peer connect`, Enter on each step, the done screen with the traces delivered,
/// and the audit log beside the log file.
#[test]
fn peering_wizard_in_tmux() {
    if !Tmux::available() {
        eprintln!("SKIPPED peering_wizard_in_tmux: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = demo_command(home.path());
    let t = Tmux::start("wizard", 120, 40, &command, &[("HOME", home.path())]);
    t.wait_for(&["TGW hub-use1", "us-east-1 ✓"]);
    t.send(&[":"]);
    t.type_text("peer connect tgw-attach-0e1a2b3c4d5e6f7a1");
    t.send(&["Enter"]);
    t.wait_for(&["Peering wizard", "▶ 2 accept", "Enter applies it"]);
    t.send(&["Enter"]);
    // pending → available takes the demo ~10 s; then the routes step is proposed.
    let long = Duration::from_secs(40);
    t.wait_longer(&["▶ 3 routes", "Enter applies it"], long);
    t.send(&["Enter"]);
    // Both on one capture: under load tmux can be caught mid-redraw.
    t.wait_longer(&["✓ 4 verified", "delivered"], long);
    t.escape();
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
    let audit = std::fs::read_to_string(
        home.path()
            .join(".local/state/netops")
            .join(netops::ops::log::SIMULATED_FILE_NAME),
    )
    .expect("audit log");
    assert!(
        audit.contains("AcceptTransitGatewayPeeringAttachment"),
        "{audit}"
    );
}

#[test]
fn broken_user_keymap_still_starts_with_defaults() {
    if !Tmux::available() {
        eprintln!("SKIPPED broken_user_keymap_still_starts_with_defaults: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let keymap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keymaps/unknown_action.toml");
    let bin = env!("CARGO_BIN_EXE_netops");
    let command = format!(
        "{bin} --demo --keymap {} --log-file {}; echo \"netops exited with $?\"; sleep 1",
        keymap.display(),
        home.path().join("netops.log").display()
    );
    let t = Tmux::start("keymap", 120, 40, &command, &[("HOME", home.path())]);
    t.wait_for(&["TGW hub-use1", "unknown action \"upp\"", "1 error"]);
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
}

#[test]
fn a_panic_restores_the_terminal_before_the_report() {
    if !Tmux::available() {
        eprintln!("SKIPPED a_panic_restores_the_terminal_before_the_report: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_netops");
    let command = format!(
        "NETOPS_TEST_PANIC_AFTER_FIRST_FRAME=1 RUST_BACKTRACE=0 {bin} --demo --log-file {}; echo \"netops exited\"; sleep 3",
        home.path().join("netops.log").display()
    );
    let t = Tmux::start("panic", 120, 40, &command, &[("HOME", home.path())]);
    let screen = t.wait_for(&[
        "netops exited",
        "NETOPS_TEST_PANIC_AFTER_FIRST_FRAME is set",
    ]);
    assert!(screen.contains("panicked"), "{screen}");
    assert!(
        !screen.contains("Estate"),
        "alternate screen left behind:\n{screen}"
    );
    // Raw mode is off again: the shell echoes typed text with a newline as usual.
    let mode = Command::new("tmux")
        .args([
            "-L",
            &t.socket,
            "display-message",
            "-p",
            "-t",
            &t.session,
            "#{alternate_on}",
        ])
        .output()
        .expect("tmux");
    assert_eq!(
        String::from_utf8_lossy(&mode.stdout).trim(),
        "0",
        "alternate screen still on"
    );
}

/// SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to the console restore the terminal (no
/// raw mode, no alternate screen, cursor shown) and exit with 128 + the signal number.
#[test]
fn signals_restore_the_terminal_and_exit_with_the_conventional_code() {
    if !Tmux::available() {
        eprintln!("SKIPPED signals_restore_the_terminal: tmux is not installed");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_netops");
    for (signal, number) in [("TERM", 15), ("INT", 2), ("HUP", 1), ("QUIT", 3)] {
        let home = tempfile::tempdir().expect("tempdir");
        let log = home.path().join(format!("signal-{signal}.log"));
        let command = format!(
            "{bin} --demo --log-file {}; echo \"netops exited with $?\"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 3",
            log.display()
        );
        let t = Tmux::start(
            &format!("sig{signal}"),
            100,
            30,
            &command,
            &[("HOME", home.path())],
        );
        t.wait_for(&["TGW hub-use1"]);
        let sent = Command::new("pkill")
            // Anchored on the binary, so the shell running it (whose command line
            // holds the same text) is not signalled.
            .args([
                &format!("-{signal}"),
                "-f",
                &format!("^{bin} --demo --log-file {}", log.display()),
            ])
            .status()
            .expect("pkill");
        assert!(sent.success(), "pkill -{signal} found the console");
        let screen = t.wait_for(&[&format!("netops exited with {}", 128 + number)]);
        let screen = if screen.contains("icanon") {
            screen
        } else {
            t.wait_for(&["icanon"])
        };
        assert!(
            !screen.contains("-icanon"),
            "SIG{signal} left the terminal raw:\n{screen}"
        );
        assert!(
            !screen.contains("Estate"),
            "alternate screen left:\n{screen}"
        );
        let mode = t.tmux(&[
            "display-message",
            "-p",
            "-t",
            &t.session,
            "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
        ]);
        assert_eq!(
            String::from_utf8_lossy(&mode.stdout).trim(),
            "0 1 0",
            "SIG{signal}: alternate screen, cursor, mouse tracking"
        );
    }
}

/// Ctrl-Z gives the shell back (job stopped, terminal restored) and `fg` brings the
/// console back, redrawn whole and still taking keys.
#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    if !Tmux::available() {
        eprintln!("SKIPPED ctrl_z_suspends_and_fg_resumes: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_netops");
    let t = Tmux::start(
        "suspend",
        110,
        32,
        "bash --norc --noprofile -i",
        &[("HOME", home.path())],
    );
    t.type_text(&format!(
        "{bin} --demo --log-file {}",
        home.path().join("netops.log").display()
    ));
    t.send(&["Enter"]);
    t.wait_for(&["TGW hub-use1"]);
    t.send(&["C-z"]);
    let screen = t.wait_for(&["Stopped"]);
    assert!(
        !screen.contains("Estate"),
        "alternate screen left:\n{screen}"
    );
    t.type_text("fg; echo \"netops exited with $?\"");
    t.send(&["Enter"]);
    t.wait_for(&["Estate", "TGW hub-use1", "us-east-1 ✓"]);
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
}

/// When the terminal goes away (the tmux server, or an SSH session, dies), the console
/// leaves at once: no report written to a dead stderr, no reader spinning on it.
#[test]
fn a_lost_terminal_ends_the_console() {
    if !Tmux::available() {
        eprintln!("SKIPPED a_lost_terminal_ends_the_console: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_netops");
    let log = home.path().join("lost-terminal.log");
    let t = Tmux::start(
        "lost",
        100,
        30,
        &format!("{bin} --demo --log-file {}", log.display()),
        &[("HOME", home.path())],
    );
    t.wait_for(&["TGW hub-use1"]);
    let pattern = format!("^{bin} --demo --log-file {}", log.display());
    let _ = t.tmux(&["kill-server"]);
    let start = Instant::now();
    loop {
        let alive = Command::new("pgrep")
            .args(["-f", &pattern])
            .status()
            .expect("pgrep")
            .success();
        if !alive {
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "netops still running {WAIT:?} after its terminal went away"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The `:` prompt's history outlives the session (issue 18 #9): a line run in one
/// console comes back with Up in the next, and Ctrl-R searches for it as you type.
#[test]
fn prompt_history_survives_a_restart() {
    if !Tmux::available() {
        eprintln!("SKIPPED prompt_history_survives_a_restart: tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = demo_command(home.path());
    {
        let t = Tmux::start("history1", 120, 40, &command, &[("HOME", home.path())]);
        t.wait_for(&["TGW hub-use1", "us-east-1 ✓"]);
        for line in ["peerings", "tgws"] {
            t.send(&[":"]);
            t.type_text(line);
            t.send(&["Enter"]);
            t.wait_for(&[&format!("┌ :{line}")]);
            t.escape();
        }
        t.send(&["q"]);
        t.wait_for(&["netops exited with 0"]);
    }
    let t = Tmux::start("history2", 120, 40, &command, &[("HOME", home.path())]);
    t.wait_for(&["TGW hub-use1", "us-east-1 ✓"]);
    t.send(&[":", "Up"]);
    t.wait_for(&[":tgws"]);
    t.send(&["Up"]);
    t.wait_for(&[":peerings"]);
    t.send(&["C-u"]);
    t.type_text("ee");
    t.send(&["C-r"]);
    t.wait_for(&["history \"ee\": peerings"]);
    // Incremental: each letter narrows it; no match is said so.
    t.type_text("z");
    t.wait_for(&["history (no match) \"eez\": peerings"]);
    t.send(&["BSpace"]);
    t.wait_for(&["history \"ee\": peerings"]);
    // Esc goes back to what was typed; a second Esc closes the prompt.
    t.escape();
    t.wait_for(&[":ee"]);
    t.escape();
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
}

/// Start from the last known state (issue 19 #5): a console keeps what it read; the
/// next one with the same profile and regions shows it at once, marked as a snapshot
/// and refreshing, refuses changes until the live read is in, then says what
/// changed since. `--no-cache` shows nothing before the live read.
#[test]
fn the_last_known_estate_shows_at_once_then_the_live_one() {
    if !Tmux::available() {
        eprintln!(
            "SKIPPED the_last_known_estate_shows_at_once_then_the_live_one: tmux is not installed"
        );
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = demo_command(home.path());
    {
        let t = Tmux::start("cache1", 120, 40, &command, &[("HOME", home.path())]);
        t.wait_for(&["TGW hub-use1", "us-east-1 ✓", "eu-west-1 ✓"]);
        // The capture is written when the full read is done.
        let cache = home.path().join(".local/state/netops/cache/demo/us-east-1");
        let start = Instant::now();
        while std::fs::read_dir(&cache).map_or(0, |d| d.count()) == 0 {
            assert!(start.elapsed() < WAIT, "no capture in {}", cache.display());
            std::thread::sleep(Duration::from_millis(100));
        }
        t.send(&["q"]);
        t.wait_for(&["netops exited with 0"]);
    }
    // Slow now: every call takes 3 s, so what shows first is the cache.
    let slow = command.replace("--demo", "--demo --sim-latency-ms 3000");
    let t = Tmux::start("cache2", 120, 40, &slow, &[("HOME", home.path())]);
    let screen = t.wait_for(&["snapshot from just now — refreshing", "TGW hub-use1"]);
    assert!(screen.contains("post-inspection  ✗ 1"), "{screen}");
    t.send(&[":"]);
    t.type_text("route del tgw-rtb-0e1a2b3c4d5e6f712 10.2.0.0/16");
    t.send(&["Enter"]);
    t.wait_for(&["waits for the live read"]);
    let screen = t.wait_longer(
        &["live estate read; since the snapshot from"],
        Duration::from_secs(60),
    );
    assert!(screen.contains("no change"), "{screen}");
    assert!(!screen.contains("refreshing "), "{screen}");
    t.send(&["q"]);
    t.wait_for(&["netops exited with 0"]);
    drop(t);
    let bare = command.replace("--demo", "--demo --no-cache --sim-latency-ms 3000");
    let t = Tmux::start("cache3", 120, 40, &bare, &[("HOME", home.path())]);
    std::thread::sleep(Duration::from_millis(1500));
    let screen = t.capture();
    assert!(!screen.contains("snapshot from"), "{screen}");
    assert!(
        !screen.contains("TGW hub-use1"),
        "nothing before the live read: {screen}"
    );
}
