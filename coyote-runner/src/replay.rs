//! `coyote replay`: run a trace's decisions again, in-process, and say whether the same failure
//! happens, printing the readable step log. Crash and hang traces replay in a child process
//! (they would take this process down); `--break` always replays in-process for a debugger.

use crate::library::Library;
use crate::plan::{ReplayLib, ReplayPlan};
use crate::{Error, Host};
use coyote_core::abi::ReplayRequest;
use coyote_core::exit::ExitCode;
use coyote_core::trace::{BugKind, Origin, Trace};
use std::path::PathBuf;

/// `coyote replay`: the exit code says whether the recorded failure reproduced.
pub fn replay(plan: &ReplayPlan, host: Host) -> Result<ExitCode, Error> {
    let trace = Trace::read(&plan.trace)?;
    let given = match &plan.lib {
        ReplayLib::Given(source) => Some(source.resolve()?),
        ReplayLib::Recorded => None,
    };
    let lib_path = match (&given, &trace.library) {
        (Some(p), _) => p.clone(),
        (None, Some(l)) => {
            let p = PathBuf::from(&l.path);
            let actual = coyote_core::hash::sha256_file(&p).map_err(|e| {
                Error::BadInput(format!(
                    "the trace's library {} cannot be read ({e}); pass --lib",
                    p.display()
                ))
            })?;
            if actual != l.sha256 {
                return Err(Error::BadInput(format!(
                    "{} changed since the trace was recorded (sha256 differs): rebuild the same code, or pass --lib (or -p PACKAGE) to replay against it anyway",
                    p.display()
                )));
            }
            p
        }
        (None, None) => {
            return Err(Error::BadInput(
                "the trace names no library: pass --lib".into(),
            ));
        }
    };
    if let (Some(_), Some(l)) = (&given, &trace.library) {
        if let Ok(actual) = coyote_core::hash::sha256_file(&lib_path) {
            if actual != l.sha256 {
                eprintln!("coyote: warning: {} is not the library the trace was recorded with (sha256 differs); replaying anyway", lib_path.display());
            }
        }
    }
    let crashy = matches!(trace.failure.kind, BugKind::Crash | BugKind::Hang);
    if crashy && !plan.in_process && !plan.break_before_failure {
        return replay_in_child(plan, &trace, &lib_path);
    }
    let lib = Library::open(&lib_path)?;
    println!(
        "coyote: replaying {} ({} decisions; found by {} in iteration {})",
        trace.test,
        trace.decisions()?.len(),
        match &trace.origin {
            Origin::Strategy { .. } => trace.origin.to_string(),
            // As traces captured from a crash have always been announced.
            Origin::Captured => "a captured run seed 0".to_string(),
        },
        trace.iteration
    );
    (host.allow_real_clock)(trace.allow_real_clock);
    let result = lib.replay(&ReplayRequest {
        trace: trace.clone(),
        verbose: plan.verbose,
        break_before_failure: plan.break_before_failure,
    })?;
    if let Some(e) = result.error {
        return Err(Error::BadInput(e));
    }
    if !plan.verbose {
        for line in &result.log {
            println!("{line}");
        }
    }
    if let Some(f) = &result.failure {
        println!("failure: {f}");
    }
    if let Some(d) = &result.divergence {
        println!("coyote: the execution diverged from the trace: {d}");
        println!("coyote: the program behaves differently on replay: it uses non-determinism coyote does not control (threads, the real clock, HashMap order, statics kept between iterations), or the library changed");
        return Ok(ExitCode::BadInput);
    }
    if result.reproduced {
        println!(
            "coyote: reproduced the recorded failure at step {}",
            result.steps
        );
        Ok(ExitCode::BugFound)
    } else {
        println!("coyote: the recorded failure did not reproduce");
        Ok(ExitCode::Ok)
    }
}

/// Replays a crash or hang trace in a child `coyote replay --in-process`, which the failure may
/// take down, and judges how the child ended.
fn replay_in_child(
    plan: &ReplayPlan,
    trace: &Trace,
    lib: &std::path::Path,
) -> Result<ExitCode, Error> {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe().map_err(Error::io("cannot find the coyote executable"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("replay")
        .arg(&plan.trace)
        .arg("--lib")
        .arg(lib)
        .arg("--in-process");
    if plan.verbose {
        cmd.arg("--verbose");
    }
    let mut child = cmd
        .spawn()
        .map_err(Error::io("cannot start the replay process"))?;
    let limit = std::time::Duration::from_secs(30);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child
            .try_wait()
            .map_err(Error::io("cannot wait for the replay process"))?
        {
            break Some(st);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    match (trace.failure.kind, status) {
        (BugKind::Hang, None) => {
            println!(
                "coyote: reproduced the recorded hang: the replay ran for {}s without finishing",
                limit.as_secs()
            );
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
            println!(
                "coyote: the replay did not finish within {}s",
                limit.as_secs()
            );
            Ok(ExitCode::BugFound)
        }
    }
}
