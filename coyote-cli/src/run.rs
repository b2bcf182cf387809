//! `coyote list` and `coyote test`: plan the workers, drive them, keep every bug, write the
//! traces and reports.
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
//! Submodules: [`test_run`] (one test: drive its workers, settle its bugs, add up its
//! statistics), [`share`] (work shares, their replacements, stopping them), [`capture`] (crash
//! and hang capture re-runs), [`bugs`] (trace files and console lines), [`first`] (the first
//! bug), [`explored`] (the bugs of an `--explore` run), [`consumers`] (progress bar, summary,
//! JUnit), [`determinism`] (`--check-determinism`).

mod bugs;
mod capture;
mod consumers;
mod determinism;
mod explored;
mod first;
mod share;
mod test_run;

use consumers::{junit_xml, print_summary};
use test_run::run_one;

use crate::cli::{ListArgs, TestArgs};
use crate::library::Library;
use crate::output::write_atomic;
use crate::{signals, suggest, BadInput};
use anyhow::Context as _;
use coyote_core::coverage::Coverage;
use coyote_core::exit::ExitCode;
use coyote_core::report::Report;
use coyote_core::strategy::StrategySpec;
use coyote_core::trace::LibraryRef;
#[cfg(test)]
use coyote_core::trace::{BugKind, Trace};
use std::path::PathBuf;
use std::time::Instant;

pub(crate) fn list(args: &ListArgs) -> anyhow::Result<i32> {
    let lib = Library::open(&args.lib.resolve()?)?;
    for t in lib.list()?.tests {
        println!("{t}");
    }
    Ok(ExitCode::Ok.code())
}

/// Everything one `coyote test` invocation shares across its tests.
struct Session<'a> {
    args: &'a TestArgs,
    lib_path: PathBuf,
    lib_ref: LibraryRef,
    /// The harness version the library was built with (recorded in captured traces).
    harness_version: String,
    seed: u64,
    workers: u32,
    out: PathBuf,
    tmp: PathBuf,
    started: Instant,
    interrupted: bool,
    timed_out: bool,
}

pub(crate) fn test(args: &TestArgs) -> anyhow::Result<i32> {
    let spec: StrategySpec = args
        .strategy
        .parse()
        .map_err(|e| BadInput(format!("--strategy: {e}")))?;
    // For the in-process replays of --check-determinism; workers get it in their spec.
    crate::allow_real_clock(args.allow_real_clock);
    if args.iterations == 0 {
        return Err(BadInput("--iterations must be at least 1".into()).into());
    }
    if args.parallel == Some(0) {
        return Err(BadInput("--parallel must be at least 1".into()).into());
    }
    if args.max_steps == 0 {
        return Err(BadInput("--max-steps must be at least 1".into()).into());
    }
    if !(args.iteration_timeout > 0.0 && args.iteration_timeout.is_finite()) {
        return Err(
            BadInput("--iteration-timeout must be a positive number of seconds".into()).into(),
        );
    }
    if let Some(t) = args.timeout {
        if !(t > 0.0 && t.is_finite()) {
            return Err(BadInput("--timeout must be a positive number of seconds".into()).into());
        }
    }
    let lib_arg = args.lib.resolve()?;
    let lib = Library::open(&lib_arg)?;
    let listed = lib.list()?;
    let available = listed.tests;
    let tests: Vec<String> = if args.tests.is_empty() {
        available.clone()
    } else {
        suggest::select(
            &args.tests,
            &available,
            &format!("in {}", lib_arg.display()),
        )
        .map_err(BadInput)?
    };
    let lib_path = std::fs::canonicalize(&lib_arg).unwrap_or_else(|_| lib_arg.clone());
    let sha256 = coyote_core::hash::sha256_file(&lib_path)
        .with_context(|| format!("cannot read {}", lib_path.display()))?;
    let out = args.out.clone();
    std::fs::create_dir_all(&out).map_err(|e| {
        BadInput(format!(
            "cannot create the output directory {}: {e}",
            out.display()
        ))
    })?;
    let tmp = out.join(".coyote-tmp");
    std::fs::create_dir_all(&tmp)
        .and_then(|_| write_atomic(&tmp.join("probe"), b""))
        .map_err(|e| {
            BadInput(format!(
                "the output directory {} is not writable: {e}",
                out.display()
            ))
        })?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    let mut workers = args
        .parallel
        .unwrap_or(cores)
        .min(args.iterations.min(u32::MAX as u64) as u32);
    if spec.is_exhaustive() && workers > 1 {
        eprintln!(
            "coyote: {} is exhaustive and deterministic: running it on one worker",
            spec
        );
        workers = 1;
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64 % 1_000_000_000)
            .unwrap_or(0)
    });
    signals::install();
    let mut session = Session {
        args,
        lib_path: lib_path.clone(),
        lib_ref: LibraryRef {
            path: lib_path.display().to_string(),
            sha256: sha256.clone(),
        },
        harness_version: listed.harness_version,
        seed,
        workers,
        out: out.clone(),
        tmp,
        started: Instant::now(),
        interrupted: false,
        timed_out: false,
    };
    if !args.json {
        println!(
            "coyote: testing {} ({} test{}), {} iterations each, {} worker{}, strategy {}, seed {}",
            lib_arg.display(),
            tests.len(),
            if tests.len() == 1 { "" } else { "s" },
            args.iterations,
            workers,
            if workers == 1 { "" } else { "s" },
            spec,
            seed
        );
    }
    let mut reports = Vec::new();
    let mut coverage = Coverage::default();
    for test in &tests {
        let (report, cov) = run_one(&mut session, &lib, test, &spec)?;
        if let Some(cov) = cov {
            coverage.merge(&cov);
        }
        reports.push(report);
        if session.interrupted || session.timed_out {
            break;
        }
    }
    let report = Report {
        interrupted: session.interrupted,
        tests: reports,
        ..Report::new(lib_path.display().to_string(), sha256, seed, workers)
    };
    let report_json = report.to_json();
    write_atomic(&out.join("report.json"), report_json.as_bytes())
        .with_context(|| format!("cannot write {}", out.join("report.json").display()))?;
    if args.coverage {
        write_atomic(
            &out.join("coverage.json"),
            coyote_core::versioned::to_json(&coverage.into_file()).as_bytes(),
        )?;
    }
    if let Some(junit) = &args.junit {
        write_atomic(junit, junit_xml(&report)?.as_bytes())
            .map_err(|e| BadInput(format!("cannot write {}: {e}", junit.display())))?;
    }
    let bugs: usize = report.tests.iter().map(|t| t.bugs.len()).sum();
    if args.json {
        println!("{report_json}");
    } else {
        print_summary(&report, &out);
    }
    let _ = std::fs::remove_dir_all(&session.tmp);
    Ok(if bugs > 0 {
        ExitCode::BugFound.code()
    } else if session.interrupted {
        ExitCode::Interrupted.code()
    } else {
        ExitCode::Ok.code()
    })
}

/// A trace for the run's unit tests: a bug of `kind` at `iteration`.
#[cfg(test)]
fn test_trace(iteration: u64, kind: BugKind, message: &str) -> Trace {
    let failure = coyote_core::trace::Failure::new(kind, message);
    let origin = coyote_core::trace::Origin::strategy("portfolio", 1);
    Trace {
        steps: 1,
        ..Trace::new("t", origin, iteration, 10_000, &[], failure)
    }
}
