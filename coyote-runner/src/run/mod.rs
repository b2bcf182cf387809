//! `coyote list` and `coyote test`: plan the workers, drive them, keep every bug, and emit the
//! run's events for the consumers (console, progress bar, trace files, reports).
//!
//! Invariants: a bug's trace is on disk (atomically) before the next message is handled; a
//! worker that crashes or hangs becomes a bug whose trace is captured by re-running its seed in
//! a fresh worker that streams decisions from the failing iteration on; `report.json` is
//! written however the run ends (finished, first bug, timeout, Ctrl-C).
//!
//! Without `--explore` the run reports its first bug in iteration order, not arrival order
//! (see [`first`]); with it, the distinct bugs are numbered by their earliest occurrence (see
//! [`explored`]); either way what it reports is a function of `--seed` and `-j` only.
//!
//! Submodules, each depending only on those after it: [`test_run`] (one test: drive its
//! workers), [`closed`] (a worker that exited: capture, replacement), [`settle`] (settle the
//! bugs, add up the statistics), [`determinism`] (`--check-determinism`), [`bugs`] (the
//! distinct bugs of a test), [`arrivals`] (bugs as they arrive), [`first`] (the first bug),
//! [`explored`] (the bugs of an `--explore` run), [`capture`] (crash and hang capture re-runs),
//! [`saturation`] (coverage growth, `--until-saturated`), [`pool`] (the shares and their
//! processes), [`share`] (a work share and its life),
//! [`session`] (what the tests of one run share).

mod arrivals;
mod bugs;
mod capture;
mod closed;
mod determinism;
mod explored;
mod first;
mod pool;
mod saturation;
mod session;
mod settle;
mod share;
mod test_run;

use crate::events::{Reporter, RunEvent};
use crate::library::Library;
use crate::output::write_atomic;
use crate::plan::{ListPlan, TestPlan};
use crate::{signals, suggest, Error, Host};
use coyote_core::exit::ExitCode;
use coyote_core::report::Report;
use coyote_core::trace::LibraryRef;
use session::Session;
use std::time::Instant;

/// `coyote list`: prints the tests the library exports.
pub fn list(plan: &ListPlan) -> Result<ExitCode, Error> {
    let lib = Library::open(&plan.lib.resolve()?)?;
    for t in lib.list()?.tests {
        println!("{t}");
    }
    Ok(ExitCode::Ok)
}

/// `coyote test` with the standard consumers (console, progress bar, files, JUnit).
pub fn test(plan: &TestPlan, host: Host) -> Result<ExitCode, Error> {
    test_with(plan, host, crate::report::standard(plan))
}

/// `coyote test`, its events going to `reporter`.
pub fn test_with(plan: &TestPlan, host: Host, reporter: Reporter) -> Result<ExitCode, Error> {
    // For the in-process replays of --check-determinism; workers get it in their spec.
    (host.allow_real_clock)(plan.allow_real_clock);
    let lib_arg = plan.lib.resolve()?;
    let lib = Library::open(&lib_arg)?;
    let listed = lib.list()?;
    let tests: Vec<String> = if plan.tests.is_empty() {
        if listed.tests.is_empty() {
            // Nothing to explore is never a pass: a test in a `#[cfg(test)]` module is not in
            // the cdylib, and "0 bugs" would hide that.
            return Err(Error::BadInput(format!(
                "{} exports no tests: register them with `export_tests!` or `#[tokio::test]` \
                 (coyote-tokio) in a module the library build compiles (tests in a \
                 `#[cfg(test)]` module or in `tests/` run under `cargo test` only)",
                lib_arg.display()
            )));
        }
        listed.tests.clone()
    } else {
        suggest::select(
            &plan.tests,
            &listed.tests,
            &format!("in {}", lib_arg.display()),
        )
        .map_err(Error::BadInput)?
    };
    let lib_path = std::fs::canonicalize(&lib_arg).unwrap_or_else(|_| lib_arg.clone());
    let sha256 = coyote_core::hash::sha256_file(&lib_path)
        .map_err(Error::io(format!("cannot read {}", lib_path.display())))?;
    let out = &plan.out;
    std::fs::create_dir_all(out).map_err(|e| {
        Error::BadInput(format!(
            "cannot create the output directory {}: {e}",
            out.display()
        ))
    })?;
    let tmp = out.join(".coyote-tmp");
    std::fs::create_dir_all(&tmp)
        .and_then(|_| write_atomic(&tmp.join("probe"), b""))
        .map_err(|e| {
            Error::BadInput(format!(
                "the output directory {} is not writable: {e}",
                out.display()
            ))
        })?;
    let removed = crate::output::clear_old_traces(out, &tests).map_err(|e| {
        Error::BadInput(format!(
            "cannot remove the old traces in {}: {e}",
            out.display()
        ))
    })?;
    let workers = plan_workers(plan);
    let shard = plan.shard.unwrap_or(coyote_core::shard::Shard::WHOLE);
    if plan.shard.is_some() && plan.seed.is_none() {
        return Err(Error::BadInput(
            "--shard needs --seed: every shard of a run must use the same seed".into(),
        ));
    }
    let seed = plan.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64 % 1_000_000_000)
            .unwrap_or(0)
    });
    signals::install().map_err(Error::io("cannot install the signal handlers"))?;
    let mut s = Session {
        plan,
        lib_path: lib_path.clone(),
        lib_ref: LibraryRef {
            path: lib_path.display().to_string(),
            sha256: sha256.clone(),
        },
        harness_version: listed.harness_version,
        seed,
        workers,
        first_worker: shard.workers(workers).start,
        total_workers: workers * shard.count,
        tmp,
        started: Instant::now(),
        interrupted: false,
        timed_out: false,
        reporter,
    };
    s.reporter.emit(RunEvent::RunStarted {
        library: &lib_arg,
        tests: &tests,
        iterations: plan.iterations.get(),
        workers,
        strategy: &plan.strategy,
        seed,
        shard: plan.shard.map(|sh| (sh, s.first_worker)),
    })?;
    if removed > 0 {
        s.reporter.emit(RunEvent::OldTracesRemoved {
            out,
            count: removed,
        })?;
    }
    let mut report = Report::new(lib_path.display().to_string(), sha256, seed, workers);
    report.shard = plan.shard.map(|sh| coyote_core::shard::ShardRun {
        number: sh.number(),
        count: sh.count,
        workers_per_shard: workers,
        iterations: plan.iterations.get(),
        strategy: plan.strategy.to_string(),
        explore: plan.explore,
        tests: tests.clone(),
        max_steps: plan.max_steps.get(),
        max_fair_steps: plan.max_fair_steps,
    });
    for test in &tests {
        report.tests.push(test_run::run_one(&mut s, &lib, test)?);
        if s.cut_short() {
            break;
        }
    }
    if plan.minimize && !s.interrupted {
        minimize_bugs(&mut s, &report)?;
    }
    report.interrupted = s.interrupted;
    s.reporter.emit(RunEvent::RunFinished {
        report: &report,
        out,
    })?;
    let _ = std::fs::remove_dir_all(&s.tmp);
    let bugs: usize = report.tests.iter().map(|t| t.bugs.len()).sum();
    Ok(if bugs > 0 {
        ExitCode::BugFound
    } else if s.interrupted {
        ExitCode::Interrupted
    } else {
        ExitCode::Ok
    })
}

/// `--minimize`: shrinks each bug's trace, the run's workers replaying the candidates.
fn minimize_bugs(s: &mut Session<'_>, report: &Report) -> Result<(), Error> {
    for t in &report.tests {
        for b in &t.bugs {
            let trace = s.plan.out.join(&b.trace);
            let result = crate::minimize::minimize_file(
                &trace,
                &s.lib_path,
                None,
                s.workers as usize,
                s.plan.iteration_timeout,
            )
            .map_err(|e| e.to_string());
            s.reporter.emit(RunEvent::Minimized {
                trace: &trace,
                result: &result,
            })?;
        }
    }
    Ok(())
}

/// Worker processes: `-j` or the cores, no more than the iterations (of this shard's part of
/// them), and one for an exhaustive strategy (it is deterministic: more would repeat its
/// enumeration; shards split its space instead).
fn plan_workers(plan: &TestPlan) -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    let shards = plan.shard.map_or(1, |s| u64::from(s.count));
    let workers = plan
        .parallel
        .map_or(cores, |p| p.get())
        .min((plan.iterations.get() / shards).clamp(1, u32::MAX as u64) as u32);
    if plan.strategy.is_exhaustive() && workers > 1 {
        eprintln!(
            "coyote: {} is exhaustive and deterministic: running it on one worker",
            plan.strategy
        );
        return 1;
    }
    workers
}
