//! The `netops` binary: parses options, sets up logging and the backend, then runs the
//! batch front end or the interactive console. Exit codes are listed in `--help`.

use std::io::Write;

use clap::Parser;
use netops::batch::{self, BatchOptions, exit};
use netops::cli::{self, Cli};

/// True when stdout was closed (`netops … >&-`). Rust's runtime reopens a closed
/// standard descriptor on `/dev/null` (read-write) before `main`, so writes would
/// vanish with success; a shell's `> /dev/null` opens it write-only. So a read-write
/// `/dev/null` on descriptor 1 is taken as "closed" (or a plain EBADF, should a
/// runtime ever leave it closed).
fn stdout_is_closed() -> bool {
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let fd = stdout.as_fd();
    let Ok(stat) = rustix::fs::fstat(fd) else {
        return true;
    };
    let Ok(null) = rustix::fs::stat("/dev/null") else {
        return false;
    };
    let read_write = rustix::fs::fcntl_getfl(fd)
        .is_ok_and(|flags| flags & rustix::fs::OFlags::ACCMODE == rustix::fs::OFlags::RDWR);
    stat.st_rdev == null.st_rdev && stat.st_ino == null.st_ino && read_write
}

/// A [`batch::Stop`] that the first SIGTERM, SIGINT or SIGHUP requests (the batch
/// then finishes the change in flight, writes its audit line, prints what it has and
/// exits 128 + n); a second one exits at once (the audit log's intent lines are
/// already on disk).
fn stop_on_signals() -> batch::Stop {
    use tokio::signal::unix::{SignalKind, signal};
    let stop = batch::Stop::default();
    let kinds = [
        (SignalKind::terminate(), 15),
        (SignalKind::interrupt(), 2),
        (SignalKind::hangup(), 1),
    ];
    for (kind, number) in kinds {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let stop = stop.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if stop.requested().is_some() {
                    let _ = writeln!(
                        std::io::stderr(),
                        "netops: stopped at once by signal {number}"
                    );
                    std::process::exit(128 + number);
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "netops: signal {number}: stopping after the change in flight (send it again to stop at once)"
                );
                stop.request(number);
            }
        });
    }
    stop
}

fn main() {
    netops::logging::mark_start();
    let closed_stdout = stdout_is_closed();
    let cli = Cli::parse();
    if closed_stdout && cli.batch.is_some() {
        eprintln!("netops: cannot write the output: standard output is closed");
        std::process::exit(exit::COMMAND_FAILED);
    }
    if let Err(e) = color_eyre::install() {
        eprintln!("netops: cannot install the error reporter: {e}");
    }
    let log_path = match netops::logging::init(cli.log_file.as_deref()) {
        Ok(path) => Some(path),
        Err(e) => {
            eprintln!("netops: {} (logging disabled)", e.message);
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("netops: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(run(cli, log_path));
    std::process::exit(code);
}

/// A failure before the first command (no region, a script that cannot be read):
/// said on stderr, and in `--batch --output json` also as one JSON document on
/// stdout, shaped as a command's error, so a script reading stdout sees it. Exit 2.
fn early_failure(cli: &Cli, message: &str) -> i32 {
    eprintln!("netops: {message}");
    if cli.batch.is_some() && cli.output == netops::cli::OutputFormat::Json {
        println!(
            "{}",
            serde_json::json!({ "error": { "kind": "usage", "message": message } })
        );
    }
    exit::USAGE
}

async fn run(cli: Cli, _log_path: Option<std::path::PathBuf>) -> i32 {
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "netops starting");
    let setup = match cli::setup(&cli).await {
        Ok(s) => s,
        Err(message) => return early_failure(&cli, &message),
    };
    // The audit log is not the debug log: its own file, its own checks; opened only
    // when changes can be made (a read-only session sends none).
    let audit = if setup.changer.is_some() {
        let path = cli
            .audit_log
            .clone()
            .or_else(|| netops::ops::log::default_path(cli.simulated()));
        netops::ops::log::Audit::open(path.as_deref())
    } else {
        netops::ops::log::Audit::Off
    };
    let audit = match (audit, &cli.audit_log) {
        // `audit-log` reads the file even in a read-only session.
        (netops::ops::log::Audit::Off, _) => match cli
            .audit_log
            .clone()
            .or_else(|| netops::ops::log::default_path(cli.simulated()))
        {
            Some(path) => netops::ops::log::Audit::Broken {
                path: Some(path),
                reason: "read-only: nothing is written".into(),
            },
            None => netops::ops::log::Audit::Off,
        },
        (audit, _) => audit,
    };
    if let Some(source) = &cli.batch {
        let script = match cli::read_script(source) {
            Ok(s) => s,
            Err(message) => return early_failure(&cli, &message),
        };
        let opts = BatchOptions {
            output: cli.output,
            keep_going: cli.keep_going,
            progress: batch::stderr_is_terminal(),
            changes: batch::ChangeOptions {
                changer: batch::ChangerHandle(setup.changer.clone()),
                prober: batch::ProberHandle(setup.prober.clone()),
                yes: cli.yes,
                dry_run: cli.dry_run,
                accept_impact: cli.accept_impact,
                read_only: setup.changer.is_none(),
                audit: audit.clone(),
                profile: setup.profile.clone(),
                retry_base_ms: None,
            },
            stop: stop_on_signals(),
        };
        // stdout is locked for the whole script (results only); stderr is not: a
        // background task that must report (a failing log write) would block on it.
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut err = std::io::stderr();
        let code = batch::run_script(
            &script,
            setup.backend,
            setup.plan,
            &opts,
            &mut out,
            &mut err,
        )
        .await;
        if let Some(problem) = netops::logging::take_write_failure() {
            eprintln!("netops: warning: the log cannot be written ({problem})");
        }
        return code;
    }
    if let Err(message) = cli::require_terminal() {
        eprintln!("netops: {message}");
        return exit::USAGE;
    }
    // The last known estate (not for a snapshot, which is one already).
    let cache_dir = if cli.no_cache || cli.snapshot.is_some() {
        None
    } else {
        netops::tui::cache::dir(&setup.profile, &setup.plan.regions)
    };
    let opts = netops::tui::TuiOptions {
        cache_dir,
        read_only: setup.changer.is_none(),
        changer: setup.changer,
        prober: setup.prober,
        keymap_file: cli.keymap.clone(),
        backend_label: setup.label,
        audit,
        profile: setup.profile.clone(),
    };
    match netops::tui::run(setup.backend, setup.plan, opts).await {
        Ok(netops::tui::Ending::Quit) => exit::OK,
        Ok(netops::tui::Ending::Signal(number)) => 128 + number,
        Ok(netops::tui::Ending::TerminalLost) => 128 + 1,
        Err(report) => {
            // Not eprintln!: with the terminal gone, a failed write must not panic.
            let _ = writeln!(std::io::stderr(), "netops: {report:?}");
            exit::COMMAND_FAILED
        }
    }
}
