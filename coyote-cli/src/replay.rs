//! `coyote replay`: run a trace's decisions again, in-process, and say whether the same failure
//! happens, printing the readable step log. Crash and hang traces replay in a child process
//! (they would take this process down); `--break` always replays in-process for a debugger.

use crate::cli::ReplayArgs;
use crate::library::Library;
use crate::BadInput;
use coyote_core::abi::ReplayRequest;
use coyote_core::exit::ExitCode;
use coyote_core::trace::{BugKind, Origin, Trace};
use std::path::PathBuf;

pub(crate) fn replay(args: &ReplayArgs) -> anyhow::Result<i32> {
    let trace = Trace::read(&args.trace)?;
    let given = match &args.package {
        Some(package) => Some(crate::cargo::build_library(Some(package), args.release)?),
        None => args.lib.clone(),
    };
    let lib_path = match (&given, &trace.library) {
        (Some(p), _) => p.clone(),
        (None, Some(l)) => {
            let p = PathBuf::from(&l.path);
            let actual = coyote_core::hash::sha256_file(&p).map_err(|e| {
                BadInput(format!(
                    "the trace's library {} cannot be read ({e}); pass --lib",
                    p.display()
                ))
            })?;
            if actual != l.sha256 {
                return Err(BadInput(format!(
                    "{} changed since the trace was recorded (sha256 differs): rebuild the same code, or pass --lib (or -p PACKAGE) to replay against it anyway",
                    p.display()
                ))
                .into());
            }
            p
        }
        (None, None) => {
            return Err(BadInput("the trace names no library: pass --lib".into()).into());
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
    if crashy && !args.in_process && !args.break_ {
        return replay_in_child(args, &trace, &lib_path);
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
    crate::allow_real_clock(trace.allow_real_clock);
    let result = lib.replay(&ReplayRequest {
        trace: trace.clone(),
        verbose: args.verbose,
        break_before_failure: args.break_,
    })?;
    if let Some(e) = result.error {
        return Err(BadInput(e).into());
    }
    if !args.verbose {
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
        return Ok(ExitCode::BadInput.code());
    }
    if result.reproduced {
        println!(
            "coyote: reproduced the recorded failure at step {}",
            result.steps
        );
        Ok(ExitCode::BugFound.code())
    } else {
        println!("coyote: the recorded failure did not reproduce");
        Ok(ExitCode::Ok.code())
    }
}

fn replay_in_child(args: &ReplayArgs, trace: &Trace, lib: &std::path::Path) -> anyhow::Result<i32> {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("replay")
        .arg(&args.trace)
        .arg("--lib")
        .arg(lib)
        .arg("--in-process");
    if args.verbose {
        cmd.arg("--verbose");
    }
    let mut child = cmd.spawn()?;
    let limit = std::time::Duration::from_secs(30);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait()? {
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
            Ok(ExitCode::BugFound.code())
        }
        (BugKind::Crash, Some(st))
            if st.signal().is_some()
                || st
                    .code()
                    .is_some_and(|c| c > 3 && c != ExitCode::Interrupted.code()) =>
        {
            let how = match st.signal() {
                Some(sig) => format!("killed by signal {sig} ({})", crate::pool::signal_name(sig)),
                None => format!("exited with status {}", st.code().unwrap_or(-1)),
            };
            println!("coyote: reproduced the recorded crash: the replay was {how}");
            Ok(ExitCode::BugFound.code())
        }
        (_, Some(st)) => Ok(st.code().unwrap_or(ExitCode::Internal.code())),
        (_, None) => {
            println!(
                "coyote: the replay did not finish within {}s",
                limit.as_secs()
            );
            Ok(ExitCode::BugFound.code())
        }
    }
}
