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
//! Submodules: [`capture`] (crash and hang capture re-runs), [`consumers`] (progress bar,
//! summary, JUnit), [`determinism`] (`--check-determinism`), [`explored`] (the bugs of an
//! `--explore` run), [`first`] (the first bug).

mod capture;
mod consumers;
mod determinism;
mod explored;
mod first;

use capture::{capture_trace, start_capture, Capture};
use consumers::{junit_xml, print_summary, progress_bar, say};
use determinism::check_determinism;
use explored::Explored;
use first::FirstBug;

use crate::cli::{ListArgs, TestArgs};
use crate::library::Library;
use crate::output::{self, write_atomic};
use crate::pool::{Pool, PoolEvent};
use crate::worker::WorkerSpec;
use crate::{signals, suggest, BadInput};
use anyhow::Context as _;
use coyote_core::abi::{Event, ResumeAfter, RunRequest, RunResult, WorkerMessage};
use coyote_core::exit::ExitCode;
use coyote_core::report::{
    BugSummary, CoverageSummary, Report, TestReport, REPORT_FORMAT, REPORT_FORMAT_VERSION,
};
use coyote_core::rng::derive_seed;
use coyote_core::strategy::{Bounds, StrategySpec};
use coyote_core::trace::{BugKind, LibraryRef, Trace};
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) fn list(args: &ListArgs) -> anyhow::Result<i32> {
    let lib = Library::open(&args.lib)?;
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
    let lib = Library::open(&args.lib)?;
    let available = lib.list()?.tests;
    let tests: Vec<String> = if args.tests.is_empty() {
        available.clone()
    } else {
        for t in &args.tests {
            if !available.contains(t) {
                let hint = match suggest::closest(t, &available) {
                    Some(c) => format!("; did you mean '{c}'?"),
                    None => format!(" (it has: {})", available.join(", ")),
                };
                return Err(BadInput(format!(
                    "no test named '{t}' in {}{hint}",
                    args.lib.display()
                ))
                .into());
            }
        }
        args.tests.clone()
    };
    let lib_path = std::fs::canonicalize(&args.lib).unwrap_or_else(|_| args.lib.clone());
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
            args.lib.display(),
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
    let mut coverage: BTreeMap<String, u64> = BTreeMap::new();
    for test in &tests {
        let (report, cov) = run_one(&mut session, &lib, test, &spec)?;
        if let Some(cov) = cov {
            for (k, v) in cov {
                *coverage.entry(k).or_insert(0) += v;
            }
        }
        reports.push(report);
        if session.interrupted || session.timed_out {
            break;
        }
    }
    let report = Report {
        format: REPORT_FORMAT.into(),
        format_version: REPORT_FORMAT_VERSION,
        coyote_version: coyote_core::VERSION.into(),
        library: lib_path.display().to_string(),
        library_sha256: sha256,
        seed,
        workers,
        interrupted: session.interrupted,
        tests: reports,
    };
    let report_json = serde_json::to_string_pretty(&report)?;
    write_atomic(&out.join("report.json"), report_json.as_bytes())
        .with_context(|| format!("cannot write {}", out.join("report.json").display()))?;
    if args.coverage {
        let doc = serde_json::json!({
            "format": "coyote-coverage",
            "format_version": 1,
            "points": coverage,
        });
        write_atomic(
            &out.join("coverage.json"),
            serde_json::to_string_pretty(&doc)?.as_bytes(),
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
        130
    } else {
        ExitCode::Ok.code()
    })
}

/// One worker slot's share of the run.
struct Share {
    index: u32,
    /// Iterations of worker `index`'s sequence before this share's first: 0, or for a
    /// replacement of a crashed share, where that share stopped (a capture has its original's).
    offset: u64,
    /// How many crashed shares this one's chain of replacements has replaced.
    generation: u32,
    spec: WorkerSpec,
    /// Iterations and steps reported so far (from progress events).
    iterations: u64,
    steps: u64,
    result: Option<RunResult>,
    /// Whether this share is a capture re-run (not counted in the statistics).
    is_capture: bool,
    /// For a capture re-run: the failure its decisions belong to, until the run ends.
    capture: Option<Capture>,
    /// For a capture re-run under `--explore` with an exhaustive strategy: the share to resume
    /// right after the failure, once this run has captured where that is.
    resumes: Option<usize>,
    /// Set when this work share hung: its capture run starts once the worker has exited.
    hung: Option<Capture>,
    killed: bool,
    /// Whether this share crashed or hung in its last iteration.
    failed: bool,
    finished: bool,
}

struct BugRecord {
    key: String,
    summary: BugSummary,
}

fn run_one(
    s: &mut Session<'_>,
    lib: &Library,
    test: &str,
    spec: &StrategySpec,
) -> anyhow::Result<(TestReport, Option<BTreeMap<String, u64>>)> {
    let args = s.args;
    let started = Instant::now();
    let mut pool = Pool::new();
    let mut shares: Vec<Share> = Vec::new();
    let bounds = Bounds {
        max_steps: args.max_steps,
        max_fair_steps: args.max_fair_steps,
    };
    let per = args.iterations / s.workers as u64;
    let extra = args.iterations % s.workers as u64;
    for w in 0..s.workers {
        let iterations = per + u64::from((w as u64) < extra);
        let request = RunRequest {
            test: test.to_string(),
            strategy: worker_strategy(spec, w),
            seed: derive_seed(s.seed, w as u64),
            iterations,
            bounds,
            step_bound_is_bug: args.step_bound_is_bug,
            stop_on_first_bug: !args.explore,
            progress_ms: 100,
            capture_from: None,
            worker: w,
            coverage: args.coverage,
            resume_after: None,
        };
        let share = new_share(s, w, 0, request, None);
        pool.spawn(&share.spec)
            .context("cannot start a worker process")?;
        shares.push(share);
    }
    let bar = progress_bar(args, test);
    let mut bugs: Vec<BugRecord> = Vec::new();
    let mut first = FirstBug::default();
    let mut explored = Explored::default();
    let deadline = args.timeout.map(|t| s.started + Duration::from_secs_f64(t));
    loop {
        if shares.iter().all(|sh| sh.finished) {
            break;
        }
        // Stopping early spares the capture re-runs: each is the only way to a found crash's or
        // hang's trace, and it is bounded (it re-runs one share up to that iteration, under the
        // iteration watchdog). A second Ctrl-C still quits at once.
        if signals::stop_requested() && !s.interrupted {
            s.interrupted = true;
            say(&bar, format!("coyote: interrupted: stopping workers and writing what was found{} (Ctrl-C again to quit now)", capturing(&shares)));
            kill_all(&mut pool, &mut shares, false);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) && !s.timed_out {
            s.timed_out = true;
            say(
                &bar,
                format!("coyote: --timeout reached: stopping{}", capturing(&shares)),
            );
            kill_all(&mut pool, &mut shares, false);
        }
        let ev = match pool.events().recv_timeout(Duration::from_millis(100)) {
            Ok(ev) => ev,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(_) => break,
        };
        match ev {
            PoolEvent::Msg(slot, WorkerMessage::Event { event }) => match event {
                Event::Progress { iterations, steps } => {
                    let sh = &mut shares[slot];
                    if !sh.is_capture {
                        sh.iterations = iterations;
                        sh.steps = steps;
                        stop_past(&mut pool, &mut shares, first.at());
                        let total: u64 = shares
                            .iter()
                            .filter(|x| !x.is_capture)
                            .map(|x| x.iterations)
                            .sum();
                        bar.set_position(total);
                    }
                }
                Event::Bug { trace } => {
                    if shares[slot].is_capture {
                        continue;
                    }
                    if args.explore {
                        let (worker, offset) = (shares[slot].index, shares[slot].offset);
                        let order = offset + trace.iteration;
                        announce(s, test, *trace, &mut explored, worker, order, &bar)?;
                    } else {
                        let at = first.add(&s.out, test, shares[slot].index, *trace)?;
                        stop_past(&mut pool, &mut shares, Some(at));
                    }
                }
                Event::IterationStart { .. } => {
                    if let Some(c) = shares[slot].capture.as_mut() {
                        c.decisions.clear();
                    }
                }
                Event::Decision { decision } => {
                    if let Some(c) = shares[slot].capture.as_mut() {
                        if let Ok(d) = coyote_core::trace::decode_decisions(&decision) {
                            c.decisions.extend(d);
                        }
                    }
                }
            },
            PoolEvent::Msg(slot, WorkerMessage::Done { result }) => {
                let sh = &mut shares[slot];
                sh.iterations = result.iterations;
                sh.steps = result.total_steps;
                sh.result = Some(result);
            }
            PoolEvent::Msg(_, WorkerMessage::Error { message }) => {
                kill_all(&mut pool, &mut shares, true);
                return Err(BadInput(message).into());
            }
            PoolEvent::Msg(
                slot,
                WorkerMessage::Hang {
                    iteration,
                    elapsed_ms,
                },
            ) => {
                if let Some(c) = shares[slot].capture.as_mut() {
                    c.message = format!("{} (reproduced in a fresh worker)", c.message);
                    continue;
                }
                let message = format!(
                    "iteration {iteration} ran for {:.1}s without finishing (--iteration-timeout {}s): it spins without reaching a scheduling point, or blocks on something coyote does not control (a real sleep, a std lock, a thread join)",
                    elapsed_ms as f64 / 1000.0,
                    args.iteration_timeout
                );
                shares[slot].hung = Some(Capture::new(BugKind::Hang, message, iteration));
            }
            PoolEvent::Closed(slot) => {
                let info = pool.reap(slot);
                let sh = &mut shares[slot];
                sh.finished = true;
                if let Some(c) = sh.capture.take() {
                    // A capture run ended (crashed or hung again, or was stopped): its bug.
                    let (failed, decisions) = (c.iteration, c.decisions.len() as u32);
                    let resumes = sh.resumes;
                    let (worker, trace) = (sh.index, capture_trace(s, test, c));
                    if args.explore {
                        let order = sh.offset + trace.iteration;
                        announce(s, test, trace, &mut explored, worker, order, &bar)?;
                        if let Some(original) = resumes {
                            let resume = Some(decisions);
                            replace(s, &mut pool, &mut shares, original, failed, resume)?;
                        }
                    } else {
                        let at = first.add(&s.out, test, worker, trace)?;
                        stop_past(&mut pool, &mut shares, Some(at));
                    }
                    continue;
                }
                let c = if let Some(c) = sh.hung.take() {
                    c
                } else if sh.result.is_some() || sh.killed {
                    continue;
                } else {
                    // The worker died without finishing: a crash in the user's code.
                    let iteration = read_heartbeat(&sh.spec.heartbeat_file).saturating_sub(1);
                    let mut message = format!(
                        "the worker process {} during iteration {iteration}",
                        info.describe()
                    );
                    if !info.stderr_tail.is_empty() {
                        message.push_str("; its last output: ");
                        message.push_str(&info.stderr_tail.join(" | "));
                    }
                    Capture::new(BugKind::Crash, message, iteration)
                };
                let (original, iteration) = (slot, c.iteration);
                shares[original].failed = true;
                if !args.explore {
                    // The bug's trace comes later, from the capture; its iteration is known now.
                    first.expect(iteration);
                    stop_past(&mut pool, &mut shares, first.at());
                }
                start_capture(s, &mut pool, &mut shares, original, c)?;
                if args.explore {
                    if spec.is_exhaustive() {
                        // Its place in the enumeration is rebuilt by re-running up to the
                        // failure, which the capture is about to locate.
                        let capture = shares.len() - 1;
                        shares[capture].resumes = Some(original);
                    } else {
                        replace(s, &mut pool, &mut shares, original, iteration, None)?;
                    }
                }
            }
        }
    }
    for trace in first.settle(s.interrupted || s.timed_out) {
        record_bug(s, test, trace, 1, &mut bugs, &bar)?;
    }
    for b in explored.settle() {
        record_bug(s, test, b.trace, b.occurrences, &mut bugs, &bar)?;
    }
    bar.finish_and_clear();
    // Statistics.
    let mut report = TestReport {
        test: test.to_string(),
        duration_secs: started.elapsed().as_secs_f64(),
        ..Default::default()
    };
    let mut coverage: Option<BTreeMap<String, u64>> = args.coverage.then(BTreeMap::new);
    for sh in shares.iter_mut().filter(|sh| !sh.is_capture) {
        if sh.result.is_none() {
            // Killed, crashed or hung: the heartbeat counts iterations started. The last one
            // counts if it crashed or hung (it ran, into a bug), not if we stopped it.
            let started = read_heartbeat(&sh.spec.heartbeat_file);
            let ran = if sh.failed {
                started
            } else {
                started.saturating_sub(1)
            };
            // A resumed share's re-run of its predecessor's iterations is not new work.
            let rerun = sh.spec.request.resume_after.map_or(0, |r| r.iteration + 1);
            sh.iterations = sh.iterations.max(ran.saturating_sub(rerun));
        }
        report.iterations += sh.iterations;
        report.steps.total += sh.steps;
        *report
            .iterations_by_strategy
            .entry(sh.spec.request.strategy.clone())
            .or_insert(0) += sh.iterations;
        if let Some(r) = &sh.result {
            report.steps.max = report.steps.max.max(r.max_steps_seen);
            report.step_bound_hits += r.step_bound_hits;
            if spec.is_exhaustive() {
                report.exhausted = r.exhausted;
                report.schedules_explored = r.schedules;
            }
            if let (Some(total), Some(c)) = (coverage.as_mut(), &r.coverage) {
                for (k, v) in c {
                    *total.entry(k.clone()).or_insert(0) += v;
                }
            }
        }
    }
    if report.iterations > 0 {
        report.steps.mean = report.steps.total as f64 / report.iterations as f64;
    }
    if let Some(c) = &coverage {
        report.coverage = Some(CoverageSummary {
            points: c.len(),
            visits: c.values().sum(),
        });
    }
    if args.check_determinism {
        for b in &mut bugs {
            b.summary.message = check_determinism(s, lib, &b.summary, &b.summary.message);
        }
    }
    report.bugs = bugs.into_iter().map(|b| b.summary).collect();
    Ok((report, coverage))
}

/// Finishes the share of a worker that crashed or hung in a replacement worker, unless the run
/// is stopping (or this share has been replaced 8 times: its test fails that way all the time).
/// A seed-independent (exhaustive) strategy resumes right after the failure, whose captured
/// trace made `resume_after_decisions` decisions (see [`ResumeAfter`]); any other goes on from
/// the next iteration with a seed derived from where the share stopped, so the same failure gets
/// the same replacement on every run.
fn replace(
    s: &Session<'_>,
    pool: &mut Pool,
    shares: &mut Vec<Share>,
    original: usize,
    failed: u64,
    resume_after_decisions: Option<u32>,
) -> anyhow::Result<()> {
    let sh = &shares[original];
    let done = failed + 1;
    if s.interrupted || s.timed_out || sh.generation >= 8 || sh.spec.request.iterations <= done {
        return Ok(());
    }
    let mut request = sh.spec.request.clone();
    request.capture_from = None;
    let offset = match resume_after_decisions {
        Some(decisions) => {
            request.resume_after = Some(ResumeAfter {
                iteration: failed,
                decisions,
            });
            sh.offset
        }
        None => {
            request.iterations -= done;
            request.seed = derive_seed(request.seed, 1000 + done);
            sh.offset + done
        }
    };
    let share = Share {
        generation: sh.generation + 1,
        ..new_share(s, sh.index, offset, request, None)
    };
    pool.spawn(&share.spec)
        .context("cannot start a worker process")?;
    shares.push(share);
    Ok(())
}

fn new_share(
    s: &Session<'_>,
    index: u32,
    offset: u64,
    request: RunRequest,
    capture: Option<Capture>,
) -> Share {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let heartbeat_file = s.tmp.join(format!("worker-{n}.hb"));
    let _ = std::fs::write(&heartbeat_file, [0u8; 8]);
    Share {
        index,
        offset,
        generation: 0,
        spec: WorkerSpec {
            lib: s.lib_path.clone(),
            request,
            heartbeat_file,
            iteration_timeout_ms: (s.args.iteration_timeout * 1000.0) as u64,
            allow_real_clock: s.args.allow_real_clock,
        },
        iterations: 0,
        steps: 0,
        result: None,
        is_capture: capture.is_some(),
        capture,
        resumes: None,
        hung: None,
        killed: false,
        failed: false,
        finished: false,
    }
}

/// Every worker runs the same strategy name; the harness builds `portfolio` per worker index.
fn worker_strategy(spec: &StrategySpec, _w: u32) -> String {
    spec.to_string()
}

/// A bug's origin for the console: the strategy and seed, or the capture run.
fn origin(trace: &Trace) -> String {
    if trace.strategy.is_empty() {
        "captured in a fresh worker".to_string()
    } else {
        format!("{} seed {}", trace.strategy, trace.seed)
    }
}

/// With `--explore`: counts an occurrence of a bug as it arrives (pending on disk at once) and
/// prints a line for a new one; its trace file is named when the run settles.
fn announce(
    s: &Session<'_>,
    test: &str,
    trace: Trace,
    explored: &mut Explored,
    worker: u32,
    order: u64,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    if let Some(trace) = explored.add(&s.out, test, worker, order, trace)? {
        if !s.args.json {
            say(
                bar,
                format!(
                    "bug found in {test}, iteration {} ({}): {}\n  (its trace is named when the run ends)",
                    trace.iteration,
                    origin(trace),
                    trace.failure
                ),
            );
        }
    }
    Ok(())
}

/// Records a settled bug, in order: a new one gets its trace file (numbered in that order) and a
/// console line; a repeat (two workers' first bugs in the same iteration) counts as occurrences.
fn record_bug(
    s: &Session<'_>,
    test: &str,
    mut trace: Trace,
    occurrences: u64,
    bugs: &mut Vec<BugRecord>,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    trace.library = Some(s.lib_ref.clone());
    trace.allow_real_clock = s.args.allow_real_clock;
    let key = trace.failure.dedup_key();
    if let Some(b) = bugs.iter_mut().find(|b| b.key == key) {
        b.summary.occurrences += occurrences;
        return Ok(());
    }
    let path = output::trace_path(&s.out, test, bugs.len() + 1);
    write_atomic(&path, trace.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let shown = path.display().to_string();
    if !s.args.json {
        let head = if s.args.explore {
            format!("bug {} of {test}", bugs.len() + 1)
        } else {
            format!("bug found in {test}")
        };
        say(
            bar,
            format!(
                "{head}, iteration {} ({}): {}\n  trace:  {shown}\n  replay: coyote replay {shown}",
                trace.iteration,
                origin(&trace),
                trace.failure
            ),
        );
    }
    bar.set_message(format!(
        "{} bug{}",
        bugs.len() + 1,
        if bugs.is_empty() { "" } else { "s" }
    ));
    bugs.push(BugRecord {
        key,
        summary: BugSummary {
            kind: trace.failure.kind,
            message: trace.failure.message.clone(),
            location: trace.failure.location.clone(),
            trace: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            strategy: trace.strategy.clone(),
            seed: trace.seed,
            iteration: trace.iteration,
            occurrences,
        },
    });
    Ok(())
}

/// Stops every running work share that has finished more iterations than `at`, the earliest
/// iteration with a bug: it can no longer find an earlier one.
fn stop_past(pool: &mut Pool, shares: &mut [Share], at: Option<u64>) {
    let Some(at) = at else { return };
    for (slot, sh) in shares.iter_mut().enumerate() {
        if !sh.finished
            && !sh.is_capture
            && !sh.killed
            && sh.iterations > at
            && pool.is_running(slot)
        {
            sh.killed = true;
            pool.kill(slot);
        }
    }
}

/// What a stop message adds about the capture re-runs still running (they are let finish).
fn capturing(shares: &[Share]) -> String {
    match shares
        .iter()
        .filter(|sh| sh.is_capture && !sh.finished)
        .count()
    {
        0 => String::new(),
        1 => "; first capturing the trace of a crash or hang already found".to_string(),
        n => format!("; first capturing the traces of {n} crashes or hangs already found"),
    }
}

fn kill_all(pool: &mut Pool, shares: &mut [Share], captures_too: bool) {
    for (slot, sh) in shares.iter_mut().enumerate() {
        if sh.finished || (sh.is_capture && !captures_too) {
            continue;
        }
        if pool.is_running(slot) {
            sh.killed = true;
            pool.kill(slot);
        }
    }
}

fn read_heartbeat(path: &Path) -> u64 {
    std::fs::read(path)
        .ok()
        .and_then(|b| {
            b.get(..8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        })
        .unwrap_or(0)
}

/// A trace for the run's unit tests: a bug of `kind` at `iteration`.
#[cfg(test)]
fn test_trace(iteration: u64, kind: BugKind, message: &str) -> Trace {
    Trace {
        format: coyote_core::trace::TRACE_FORMAT.into(),
        format_version: coyote_core::trace::TRACE_FORMAT_VERSION,
        test: "t".into(),
        library: None,
        harness_version: "0.1.0".into(),
        strategy: "portfolio".into(),
        seed: 1,
        iteration,
        max_steps: 10_000,
        steps: 1,
        decisions: String::new(),
        failure: coyote_core::trace::Failure {
            kind,
            message: message.into(),
            task: None,
            location: None,
        },
        log: Vec::new(),
        allow_real_clock: false,
    }
}
