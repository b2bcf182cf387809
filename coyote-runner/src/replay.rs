//! `coyote replay`: run a trace's decisions again, in-process, and judge the recorded failure,
//! printing the readable step log. Crash and hang traces replay in a child process (they would
//! take this process down); `--break` always replays in-process for a debugger. A folder replays
//! as a regression suite (see [`suite`]).
//!
//! The verdicts and their exit codes (`coyote_core::abi::Verdict`): the recorded failure
//! reproduced (1); another failure (1); fixed, the execution ended normally (0); diverged, the
//! program left the trace before its failure could be judged (2).
//!
//! Invariant: against the library the trace was recorded with, the replay is strict (any
//! difference is non-determinism, a divergence); against another build of it (`--lib`, `-p`,
//! or a regression suite after a fix) it is lenient: the decisions are followed where they still
//! fit and the rest completes without preemptions, so a fix reads as "fixed", not "diverged".

mod child;
mod suite;

use crate::library::Library;
use crate::plan::{ReplayLib, ReplayPlan};
use crate::style::{paint, Paint};
use crate::{Error, Host};
use coyote_core::abi::{ReplayRequest, ReplayResult, Verdict};
use coyote_core::exit::ExitCode;
use coyote_core::trace::{BugKind, Origin, Trace};
use std::path::{Path, PathBuf};

/// `coyote replay`: the exit code says whether the recorded failure reproduced.
pub fn replay(plan: &ReplayPlan, host: Host) -> Result<ExitCode, Error> {
    if plan.trace.is_dir() {
        return suite::replay_dir(plan, host);
    }
    let trace = Trace::read(&plan.trace)?;
    let given = given_library(plan)?;
    let (lib_path, lenient) = library_for(&trace, given.as_deref(), false)?;
    replay_trace(
        plan,
        &plan.trace,
        &trace,
        &lib_path,
        lenient,
        host,
        plan.quiet,
    )
}

/// The library `--lib` or `-p` names, if one does.
fn given_library(plan: &ReplayPlan) -> Result<Option<PathBuf>, Error> {
    Ok(match &plan.lib {
        ReplayLib::Given(source) => Some(source.resolve()?),
        ReplayLib::Recorded => None,
    })
}

/// The library to replay `trace` against, and whether the replay is lenient (the library is not
/// the one recorded). A recorded library that changed is an error, unless `changed_ok` (a
/// regression suite: it changed because the bug was fixed).
pub(crate) fn library_for(
    trace: &Trace,
    given: Option<&Path>,
    changed_ok: bool,
) -> Result<(PathBuf, bool), Error> {
    let sha = |p: &Path| coyote_core::hash::sha256_file(p);
    match (given, &trace.library) {
        (Some(p), Some(l)) => Ok((p.to_path_buf(), sha(p).is_ok_and(|h| h != l.sha256))),
        (Some(p), None) => Ok((p.to_path_buf(), true)),
        (None, Some(l)) => {
            let p = PathBuf::from(&l.path);
            let actual = sha(&p).map_err(|e| {
                Error::BadInput(format!(
                    "the trace's library {} cannot be read ({e}); pass --lib",
                    p.display()
                ))
            })?;
            if actual != l.sha256 && !changed_ok {
                return Err(Error::BadInput(format!(
                    "{} changed since the trace was recorded (sha256 differs): rebuild the same code, or pass --lib (or -p PACKAGE) to replay against it anyway",
                    p.display()
                )));
            }
            Ok((p, actual != l.sha256))
        }
        (None, None) => Err(Error::BadInput(
            "the trace names no library: pass --lib".into(),
        )),
    }
}

/// Replays one trace; `quiet` (a suite) prints no header and no step log.
fn replay_trace(
    plan: &ReplayPlan,
    path: &Path,
    trace: &Trace,
    lib_path: &Path,
    lenient: bool,
    host: Host,
    quiet: bool,
) -> Result<ExitCode, Error> {
    let crashy = matches!(trace.failure.kind, BugKind::Crash | BugKind::Hang);
    if crashy && !plan.in_process && !plan.break_before_failure {
        return child::replay_in_child(plan, path, trace, lib_path, quiet);
    }
    if lenient && !quiet {
        println!(
            "coyote: {} is not the library the trace was recorded with: its decisions are followed where they fit, the rest runs without preemptions",
            lib_path.display()
        );
    }
    let lib = Library::open(lib_path)?;
    if !quiet {
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
    }
    (host.allow_real_clock)(trace.allow_real_clock);
    let result = lib.replay(&ReplayRequest {
        trace: trace.clone(),
        verbose: plan.verbose && !quiet,
        break_before_failure: plan.break_before_failure,
        lenient,
        run_last: Vec::new(),
        skip_log: false,
    })?;
    if let Some(e) = result.error {
        return Err(Error::BadInput(e));
    }
    if !plan.verbose && !quiet {
        for line in &result.log {
            println!("{line}");
        }
    }
    if !quiet {
        if let Some(f) = &result.failure {
            println!("{} {f}", paint("failure:", Paint::Bad));
        }
    }
    Ok(judge(trace, &result, quiet))
}

/// Prints the verdict on `result` (one line, or the suite's short form) and its exit code.
fn judge(trace: &Trace, result: &ReplayResult, quiet: bool) -> ExitCode {
    let left = result
        .deviation
        .as_deref()
        .map(|d| format!(" (the program left the trace at {d})"))
        .unwrap_or_default();
    let (code, line) = match result.verdict() {
        Verdict::Diverged(d) => {
            let mut line = format!(
                "coyote: {}: {d}",
                paint("the execution diverged from the trace", Paint::Bold)
            );
            if !quiet {
                line.push_str("\ncoyote: the program behaves differently on replay: it uses non-determinism coyote does not control (threads, the real clock, HashMap order, statics kept between iterations), or the library changed");
            }
            (ExitCode::BadInput, line)
        }
        Verdict::Reproduced => (
            ExitCode::BugFound,
            format!(
                "coyote: {} at step {}{left}",
                paint("reproduced the recorded failure", Paint::Bad),
                result.steps
            ),
        ),
        Verdict::FailsDifferently(f) => (
            ExitCode::BugFound,
            format!(
                "coyote: {} {f} at step {} (the trace recorded {}){left}",
                paint("fails differently:", Paint::Bad),
                result.steps,
                trace.failure
            ),
        ),
        Verdict::Fixed => {
            let how = if result.hit_step_bound {
                "reached the step bound without failing"
            } else {
                "ended normally"
            };
            (
                ExitCode::Ok,
                format!(
                    "coyote: {} the recorded failure no longer happens; the execution {how} at step {}{left}",
                    paint("fixed:", Paint::Good),
                    result.steps
                ),
            )
        }
    };
    println!("{line}");
    code
}
