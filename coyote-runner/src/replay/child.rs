//! Crash and hang traces replay in a child `coyote replay --in-process`, which the failure may
//! take down; this side judges how the child ended. A hang is judged by the replay's hang
//! timeout: `--hang-timeout`, else the `--iteration-timeout` of the run that recorded it, else
//! 10 seconds (a crash's child gets `--hang-timeout`, else 30 seconds, to crash). The timeout
//! counts from the child's first line of output (its replay has begun), not from its start: on a
//! loaded machine starting a process and loading the library can take longer than a short
//! timeout, and a hang replay killed before its first step would show nothing. A child that
//! prints nothing (a quiet suite) is timed from its start, plus [`STARTUP_GRACE`].

use crate::plan::ReplayPlan;
use crate::Error;
use coyote_core::exit::ExitCode;
use coyote_core::trace::{BugKind, Trace};
use std::path::Path;
use std::time::{Duration, Instant};

/// How much longer than the hang timeout a child that has printed nothing yet is given.
const STARTUP_GRACE: Duration = Duration::from_secs(10);

/// The hang timeout of a replay of `trace` (see the module docs).
pub(crate) fn hang_timeout(plan: &ReplayPlan, trace: &Trace) -> Duration {
    plan.hang_timeout
        .or(trace.iteration_timeout_ms.map(Duration::from_millis))
        .unwrap_or(Duration::from_secs(10))
}

/// Replays `trace` (at `path`) in a child process and judges its end; `quiet` (a suite): the
/// child prints its verdict only.
pub(super) fn replay_in_child(
    plan: &ReplayPlan,
    path: &Path,
    trace: &Trace,
    lib: &Path,
    quiet: bool,
) -> Result<ExitCode, Error> {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe().map_err(Error::io("cannot find the coyote executable"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("replay")
        .arg(path)
        .arg("--lib")
        .arg(lib)
        .arg("--in-process");
    // A hang's replay never ends to print its log: the child prints each step as it runs.
    if plan.verbose || (trace.failure.kind == BugKind::Hang && !quiet) {
        cmd.arg("--verbose");
    }
    if quiet {
        cmd.arg("--quiet");
    }
    cmd.arg("--hang-timeout")
        .arg(hang_timeout(plan, trace).as_secs_f64().to_string());
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(Error::io("cannot start the replay process"))?;
    // The child's output goes on to ours, line by line; its first line starts the clock.
    let (began_tx, began) = std::sync::mpsc::channel::<Instant>();
    let forward = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut began_tx = Some(began_tx);
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(tx) = began_tx.take() {
                    let _ = tx.send(Instant::now());
                }
                println!("{line}");
            }
        })
    });
    // A crash's replay is given as long as before hang timeouts were options: its child may
    // take a while to symbolise the crash's backtrace.
    let limit = match trace.failure.kind {
        BugKind::Hang => hang_timeout(plan, trace),
        _ => plan.hang_timeout.unwrap_or(Duration::from_secs(30)),
    };
    let spawned = Instant::now();
    let mut began_at: Option<Instant> = None;
    let status = loop {
        if let Some(st) = child
            .try_wait()
            .map_err(Error::io("cannot wait for the replay process"))?
        {
            break Some(st);
        }
        if began_at.is_none() {
            began_at = began.try_recv().ok();
        }
        let over = match began_at {
            Some(t) => t.elapsed() > limit,
            None => spawned.elapsed() > limit + STARTUP_GRACE,
        };
        if over {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Everything the child printed comes before the verdict.
    if let Some(forward) = forward {
        let _ = forward.join();
    }
    let secs = limit.as_secs_f64();
    match (trace.failure.kind, status) {
        (BugKind::Hang, None) => {
            println!(
                "coyote: reproduced the recorded hang: the replay ran for {secs}s without finishing (--hang-timeout)"
            );
            if !quiet {
                if let Some(last) = trace.log.iter().rev().find(|l| l.starts_with("step")) {
                    println!(
                        "coyote: the last scheduling point: {}",
                        last.split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                }
                if let Some(bt) = &trace.backtrace {
                    println!("coyote: the stuck thread, when the hang was found (user frames first):\n{bt}");
                }
            }
            Ok(ExitCode::BugFound)
        }
        (BugKind::Crash, Some(st))
            if st.signal().is_some()
                || st
                    .code()
                    .is_some_and(|c| c > 3 && c != ExitCode::Interrupted.code()) =>
        {
            let how = match st.signal() {
                Some(sig) => format!(
                    "killed by signal {sig} ({})",
                    crate::process::signal_name(sig)
                ),
                None => format!("exited with status {}", st.code().unwrap_or(-1)),
            };
            println!("coyote: reproduced the recorded crash: the replay was {how}");
            Ok(ExitCode::BugFound)
        }
        (_, Some(st)) => Ok(ExitCode::from_code(st.code()).unwrap_or(ExitCode::Internal)),
        (_, None) => {
            println!("coyote: the replay did not finish within {secs}s (--hang-timeout)");
            Ok(ExitCode::BugFound)
        }
    }
}
