//! `coyote minimize TRACE`: a trace with fewer preemptions, tasks involved, steps and
//! decisions that fails the same way (the same [`BugKey`](coyote_core::trace::BugKey)), by
//! delta debugging over its decisions ([`search`]), each batch of candidates replayed in
//! parallel by worker processes ([`workers`]). `coyote test --minimize` runs it on every bug
//! it finds.
//!
//! Invariants: every candidate replays leniently and counts only if it reproduced the recorded
//! bug; the result is then replayed strictly once more, in a fresh worker process (as `coyote
//! replay` will run it: no state left by the candidates' replays), and written only if that
//! reproduces the same bug (the same `BugKey`) at the same step, so a minimised trace never
//! fails differently from its original (else the original is written unchanged and the command
//! says so); crash and hang traces are refused (each candidate would take its worker down or
//! wait out a timeout).

mod candidates;
mod search;
mod workers;

pub use workers::replay_worker_main;

use crate::plan::{MinimizePlan, ReplayLib};
use crate::Error;
use coyote_core::abi::{ReplayRequest, ReplayResult, Verdict};
use coyote_core::exit::ExitCode;
use coyote_core::trace::{encode_decisions, BugKind, Decision, Trace};
use search::{Candidate, Run, Size};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use workers::Workers;

/// What a minimisation did.
#[derive(Clone, Debug)]
pub struct Minimized {
    /// Where the minimised trace was written.
    pub out: PathBuf,
    /// One line: the sizes before and after.
    pub summary: String,
}

fn describe(s: Size) -> String {
    let n = |k: usize, one: &str| format!("{k} {one}{}", if k == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}, {} of {} ran",
        n(s.steps as usize, "step"),
        n(s.decisions, "decision"),
        n(s.preemptions, "preemption"),
        s.tasks,
        n(s.created as usize, "task")
    )
}

/// The default output of minimising `trace`: `<stem>.min.trace` beside it.
pub(crate) fn default_out(trace: &Path) -> PathBuf {
    let stem = trace
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".into());
    trace.with_file_name(format!("{stem}.min.trace"))
}

fn request(trace: &Trace, decisions: &[Decision], lenient: bool) -> ReplayRequest {
    ReplayRequest {
        trace: Trace {
            decisions: encode_decisions(decisions),
            // Every decision is the candidate's (see `minimize_file`).
            fair_suffix: None,
            ..trace.clone()
        },
        verbose: false,
        break_before_failure: false,
        lenient,
        run_last: Vec::new(),
        // Only the check's log goes into the minimised trace.
        skip_log: lenient,
    }
}

/// The strict replay of `run` that checks it: its decisions, at its step count.
fn check_request(trace: &Trace, run: &Run) -> ReplayRequest {
    let mut req = request(trace, &run.decisions, false);
    req.trace.steps = run.steps;
    req
}

/// The run of a replay that reproduced the bug, the candidate's `last` kept.
fn as_run(r: &ReplayResult, last: &[u32]) -> Option<Run> {
    (r.verdict() == Verdict::Reproduced).then(|| Run {
        decisions: coyote_core::trace::decode_decisions(&r.decisions).unwrap_or_default(),
        preemptions: r.preemptions.clone(),
        steps: r.steps,
        tasks: r.tasks,
        ran: r.tasks_ran.clone(),
        last: last.to_vec(),
    })
}

/// Minimises the trace at `path` against `lib` with `parallel` workers and the per-candidate
/// `timeout`; writes the result to `out` (default `<stem>.min.trace`).
pub(crate) fn minimize_file(
    path: &Path,
    lib: &Path,
    out: Option<&Path>,
    parallel: usize,
    timeout: Duration,
) -> Result<Minimized, Error> {
    let mut trace = Trace::read(path)?;
    if matches!(trace.failure.kind, BugKind::Crash | BugKind::Hang) {
        return Err(Error::BadInput(format!(
            "{} is a {} trace: minimize works on panics, assertions, deadlocks, liveness, uncontrolled and step-bound bugs (each candidate of a {} would take its worker down or wait out a timeout)",
            path.display(),
            trace.failure.kind,
            trace.failure.kind
        )));
    }
    let started = Instant::now();
    let mut pool = Workers::new(lib, parallel, timeout);
    if trace.fair_suffix.is_some() {
        // The candidates edit every decision: first have replay make the suffix's.
        let req = ReplayRequest {
            skip_log: true,
            ..request(&trace, &trace.decisions()?, false)
        };
        let whole = pool.eval(&[ReplayRequest {
            trace: trace.clone(),
            ..req
        }])?;
        if let Some(r) = whole[0]
            .as_ref()
            .filter(|r| r.verdict() == Verdict::Reproduced)
        {
            trace.decisions = r.decisions.clone();
            trace.fair_suffix = None;
        }
    }
    let original = trace.decisions()?;
    let first = pool.eval(&[request(&trace, &original, true)])?;
    let first = first[0].as_ref().and_then(|r| as_run(r, &[])).ok_or_else(|| {
        Error::BadInput(format!(
            "{} does not reproduce its failure against {}: nothing to minimise (coyote replay says why)",
            path.display(),
            lib.display()
        ))
    })?;
    let before = Size::of(&first);
    let mut eval = |cands: &[Candidate]| -> Result<Vec<Option<Run>>, Error> {
        let reqs: Vec<_> = cands
            .iter()
            .map(|c| ReplayRequest {
                run_last: c.last.clone(),
                ..request(&trace, &c.decisions, true)
            })
            .collect();
        Ok(pool
            .eval(&reqs)?
            .iter()
            .zip(cands)
            .map(|(r, c)| r.as_ref().and_then(|r| as_run(r, &c.last)))
            .collect())
    };
    let best = search::minimize(first, &mut eval, parallel.max(2))?;
    let pool_evaluated = pool.evaluated;
    drop(pool);
    // The check that matters: a strict replay of the result, in a fresh process as `coyote
    // replay` runs it (not in a worker that replayed hundreds of candidates before), fails the
    // same way at its step. Else the original trace is written unchanged.
    let mut fresh = Workers::new(lib, 1, timeout);
    let check = fresh.eval(&[check_request(&trace, &best)])?;
    let checked = check
        .into_iter()
        .next()
        .flatten()
        .filter(|r| same_bug(&trace, r, best.steps));
    let evaluated = pool_evaluated + fresh.evaluated;
    let out = out.map_or_else(|| default_out(path), Path::to_path_buf);
    let (after, minimized, kept) = match checked {
        Some(result) => (
            Size::of(&best),
            Trace {
                decisions: encode_decisions(&best.decisions),
                steps: best.steps,
                log: result.log,
                failure: result.failure.unwrap_or(trace.failure.clone()),
                ..trace.clone()
            },
            "",
        ),
        None => (
            before,
            trace.clone(),
            "; the minimised trace did not replay to the same bug in a fresh process, so the original is kept",
        ),
    };
    crate::output::write_atomic(&out, minimized.to_json().as_bytes())
        .map_err(Error::io(format!("cannot write {}", out.display())))?;
    Ok(Minimized {
        summary: format!(
            "before: {}; after: {} ({} candidates replayed in {:.1}s on {} worker{}){kept}",
            describe(before),
            describe(after),
            evaluated,
            started.elapsed().as_secs_f64(),
            parallel,
            if parallel == 1 { "" } else { "s" }
        ),
        out,
    })
}

/// Whether the strict replay `r` failed with `trace`'s bug (the same [`BugKey`]), at step
/// `steps`, without diverging.
///
/// [`BugKey`]: coyote_core::trace::BugKey
fn same_bug(trace: &Trace, r: &ReplayResult, steps: u32) -> bool {
    r.verdict() == Verdict::Reproduced
        && r.steps == steps
        && r.failure
            .as_ref()
            .is_some_and(|f| f.dedup_key() == trace.failure.dedup_key())
}
/// Worker processes for a minimisation: `-j`, else the available cores.
pub(crate) fn workers(parallel: Option<std::num::NonZeroU32>) -> usize {
    parallel.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |p| p.get() as usize,
    )
}

/// `coyote minimize`.
pub fn minimize(plan: &MinimizePlan) -> Result<ExitCode, Error> {
    let trace = Trace::read(&plan.trace)?;
    let given = match &plan.lib {
        ReplayLib::Given(source) => Some(source.resolve()?),
        ReplayLib::Recorded => None,
    };
    let (lib, _) = crate::replay::library_for(&trace, given.as_deref(), false)?;
    println!(
        "coyote: minimizing {} ({})",
        plan.trace.display(),
        trace.failure
    );
    let m = minimize_file(
        &plan.trace,
        &lib,
        plan.out.as_deref(),
        workers(plan.parallel),
        plan.timeout,
    )?;
    println!("coyote: {}", m.summary);
    println!(
        "coyote: wrote {}\n  replay: coyote replay {}",
        m.out.display(),
        m.out.display()
    );
    Ok(ExitCode::Ok)
}
