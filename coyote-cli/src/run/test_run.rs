//! One test's run: spawn its workers, handle their messages until every share has finished,
//! then settle the bugs and add up the statistics.
//!
//! Invariants: a bug's trace is on disk (atomically) before the next message is handled; a
//! worker that dies or hangs without finishing becomes a crash or hang bug whose trace a capture
//! re-run provides, and under `--explore` its share is finished by a replacement; stopping
//! (Ctrl-C, `--timeout`) kills the work shares but lets the capture re-runs finish.

use super::bugs::{announce, record_bug, BugRecord};
use super::capture::{capture_trace, start_capture, Capture};
use super::consumers::Console;
use super::determinism::check_determinism;
use super::explored::Explored;
use super::first::FirstBug;
use super::share::{capturing, kill_all, new_share, read_heartbeat, replace, stop_past, Share};
use super::Session;
use crate::library::Library;
use crate::pool::{Pool, PoolEvent};
use crate::{signals, BadInput};
use anyhow::Context as _;
use coyote_core::abi::{Event, RunRequest, WorkerMessage};
use coyote_core::coverage::Coverage;
use coyote_core::report::{CoverageSummary, TestReport};
use coyote_core::rng::derive_seed;
use coyote_core::strategy::{Bounds, StrategySpec};
use coyote_core::trace::{BugKind, Trace};
use std::time::{Duration, Instant};

/// A test's run in progress.
struct TestRun<'r, 'a> {
    s: &'r mut Session<'a>,
    test: &'r str,
    spec: &'r StrategySpec,
    started: Instant,
    pool: Pool,
    shares: Vec<Share>,
    console: Console,
    first: FirstBug,
    explored: Explored,
}

/// Runs `test` under `spec`: its report, and its coverage when `--coverage` asks for it.
pub(super) fn run_one(
    s: &mut Session<'_>,
    lib: &Library,
    test: &str,
    spec: &StrategySpec,
) -> anyhow::Result<(TestReport, Option<Coverage>)> {
    let mut run = TestRun::start(s, test, spec)?;
    run.drive()?;
    run.finish(lib)
}

impl<'r, 'a> TestRun<'r, 'a> {
    /// Spawns the workers, each with its share of the iterations.
    fn start(
        s: &'r mut Session<'a>,
        test: &'r str,
        spec: &'r StrategySpec,
    ) -> anyhow::Result<Self> {
        let (args, started) = (s.args, Instant::now());
        let mut pool = Pool::new();
        let mut shares = Vec::new();
        let bounds = Bounds {
            max_steps: args.max_steps,
            max_fair_steps: args.max_fair_steps,
        };
        let per = args.iterations / s.workers as u64;
        let extra = args.iterations % s.workers as u64;
        for w in 0..s.workers {
            let request = RunRequest {
                test: test.to_string(),
                // Every worker gets the same name; the harness builds `portfolio` per worker.
                strategy: spec.to_string(),
                seed: derive_seed(s.seed, w as u64),
                iterations: per + u64::from((w as u64) < extra),
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
        Ok(TestRun {
            console: Console::new(args, test),
            s,
            test,
            spec,
            started,
            pool,
            shares,
            first: FirstBug::default(),
            explored: Explored::default(),
        })
    }

    /// Handles the workers' messages until every share has finished.
    fn drive(&mut self) -> anyhow::Result<()> {
        let deadline = (self.s.args.timeout).map(|t| self.s.started + Duration::from_secs_f64(t));
        while !self.shares.iter().all(|sh| sh.finished) {
            // Stopping early spares the capture re-runs: each is the only way to a found crash's
            // or hang's trace, and it is bounded (it re-runs one share up to that iteration,
            // under the iteration watchdog). A second Ctrl-C still quits at once.
            if signals::stop_requested() && !self.s.interrupted {
                self.s.interrupted = true;
                self.console.say(format!("coyote: interrupted: stopping workers and writing what was found{} (Ctrl-C again to quit now)", capturing(&self.shares)));
                kill_all(&mut self.pool, &mut self.shares, false);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) && !self.s.timed_out {
                self.s.timed_out = true;
                let why = format!(
                    "coyote: --timeout reached: stopping{}",
                    capturing(&self.shares)
                );
                self.console.say(why);
                kill_all(&mut self.pool, &mut self.shares, false);
            }
            let ev = match self.pool.events().recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => ev,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(_) => break,
            };
            match ev {
                PoolEvent::Msg(slot, WorkerMessage::Event { event }) => self.event(slot, event)?,
                PoolEvent::Msg(slot, WorkerMessage::Done { result }) => {
                    let sh = &mut self.shares[slot];
                    sh.iterations = result.iterations;
                    sh.steps = result.total_steps;
                    sh.result = Some(result);
                }
                PoolEvent::Msg(_, WorkerMessage::Error { message }) => {
                    kill_all(&mut self.pool, &mut self.shares, true);
                    return Err(BadInput(message).into());
                }
                PoolEvent::Msg(
                    slot,
                    WorkerMessage::Hang {
                        iteration,
                        elapsed_ms,
                    },
                ) => self.hang(slot, iteration, elapsed_ms),
                PoolEvent::Closed(slot) => self.closed(slot)?,
            }
        }
        Ok(())
    }

    /// A worker's event: progress, a bug, or (for a capture re-run) its decisions.
    fn event(&mut self, slot: usize, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Progress { iterations, steps } => {
                let sh = &mut self.shares[slot];
                if !sh.is_capture {
                    sh.iterations = iterations;
                    sh.steps = steps;
                    stop_past(&mut self.pool, &mut self.shares, self.first.at());
                    let total: u64 = self
                        .shares
                        .iter()
                        .filter(|x| !x.is_capture)
                        .map(|x| x.iterations)
                        .sum();
                    self.console.bar.set_position(total);
                }
            }
            Event::Bug { trace } => {
                // A capture re-run's bugs were reported by the share it re-runs.
                if !self.shares[slot].is_capture {
                    self.arrived(slot, *trace)?;
                }
            }
            Event::IterationStart { .. } => {
                if let Some(c) = self.shares[slot].capture.as_mut() {
                    c.decisions.clear();
                }
            }
            Event::Decision { decision } => {
                if let Some(c) = self.shares[slot].capture.as_mut() {
                    if let Ok(d) = coyote_core::trace::decode_decisions(&decision) {
                        c.decisions.extend(d);
                    }
                }
            }
        }
        Ok(())
    }

    /// A bug arrived from share `slot` (a capture re-run stands for the share it re-runs): with
    /// `--explore` it is counted at once, else it competes for the first bug, and the shares
    /// past its iteration stop.
    fn arrived(&mut self, slot: usize, trace: Trace) -> anyhow::Result<()> {
        let (worker, offset) = (self.shares[slot].index, self.shares[slot].offset);
        if self.s.args.explore {
            let order = offset + trace.iteration;
            let (s, test, console) = (&*self.s, self.test, &self.console);
            announce(s, test, trace, &mut self.explored, worker, order, console)
        } else {
            let at = self.first.add(&self.s.out, self.test, worker, trace)?;
            stop_past(&mut self.pool, &mut self.shares, Some(at));
            Ok(())
        }
    }

    /// The worker's watchdog says an iteration hangs; the worker exits next (see `closed`).
    fn hang(&mut self, slot: usize, iteration: u64, elapsed_ms: u64) {
        if let Some(c) = self.shares[slot].capture.as_mut() {
            c.message = format!("{} (reproduced in a fresh worker)", c.message);
            return;
        }
        let message = format!(
            "iteration {iteration} ran for {:.1}s without finishing (--iteration-timeout {}s): it spins without reaching a scheduling point, or blocks on something coyote does not control (a real sleep, a std lock, a thread join)",
            elapsed_ms as f64 / 1000.0,
            self.s.args.iteration_timeout
        );
        self.shares[slot].hung = Some(Capture::new(BugKind::Hang, message, iteration));
    }

    /// A worker exited: a capture re-run's end gives its bug's trace; a work share that ended
    /// without finishing crashed (or hung) and gets a capture re-run, and under `--explore` a
    /// replacement.
    fn closed(&mut self, slot: usize) -> anyhow::Result<()> {
        let (s, test, explore) = (&*self.s, self.test, self.s.args.explore);
        let info = self.pool.reap(slot);
        let sh = &mut self.shares[slot];
        sh.finished = true;
        if let Some(c) = sh.capture.take() {
            // A capture run ended (crashed or hung again, or was stopped): its bug.
            let (failed, decisions) = (c.iteration, c.decisions.len() as u32);
            let resumes = sh.resumes;
            let trace = capture_trace(s, test, c);
            self.arrived(slot, trace)?;
            if let Some(original) = resumes {
                let (s, pool, shares) = (&*self.s, &mut self.pool, &mut self.shares);
                replace(s, pool, shares, original, failed, Some(decisions))?;
            }
            return Ok(());
        }
        let c = if let Some(c) = sh.hung.take() {
            c
        } else if sh.result.is_some() || sh.killed {
            return Ok(());
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
        let worker = self.shares[original].index;
        self.shares[original].failed = true;
        // The capture of a hang takes another `--iteration-timeout`: say what the wait is.
        self.console.say(match c.kind {
            BugKind::Hang => format!("coyote: {test} hung in iteration {iteration} (worker {worker}): re-running it in a fresh worker to capture its trace (it should hang again, for --iteration-timeout {}s)", s.args.iteration_timeout),
            _ => format!("coyote: {test} crashed its worker in iteration {iteration} (worker {worker}): re-running it in a fresh worker to capture its trace"),
        });
        if !explore {
            // The bug's trace comes later, from the capture; its iteration is known now.
            self.first.expect(iteration);
            stop_past(&mut self.pool, &mut self.shares, self.first.at());
        }
        start_capture(s, &mut self.pool, &mut self.shares, original, c)?;
        if explore {
            if self.spec.is_exhaustive() {
                // Its place in the enumeration is rebuilt by re-running up to the failure,
                // which the capture is about to locate.
                let capture = self.shares.len() - 1;
                self.shares[capture].resumes = Some(original);
            } else {
                replace(
                    s,
                    &mut self.pool,
                    &mut self.shares,
                    original,
                    iteration,
                    None,
                )?;
            }
        }
        Ok(())
    }

    /// Settles the bugs (trace files, console lines) and adds up the statistics.
    fn finish(mut self, lib: &Library) -> anyhow::Result<(TestReport, Option<Coverage>)> {
        let (s, test) = (&*self.s, self.test);
        let mut bugs: Vec<BugRecord> = Vec::new();
        for trace in self.first.settle(s.interrupted || s.timed_out) {
            record_bug(s, test, trace, 1, &mut bugs, &self.console)?;
        }
        for b in self.explored.settle() {
            record_bug(s, test, b.trace, b.occurrences, &mut bugs, &self.console)?;
        }
        self.console.bar.finish_and_clear();
        let mut report = TestReport {
            test: test.to_string(),
            duration_secs: self.started.elapsed().as_secs_f64(),
            ..Default::default()
        };
        let mut coverage: Option<Coverage> = s.args.coverage.then(Coverage::default);
        for sh in self.shares.iter_mut().filter(|sh| !sh.is_capture) {
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
                if self.spec.is_exhaustive() {
                    report.exhausted = r.exhausted;
                    report.schedules_explored = r.schedules;
                }
                if let (Some(total), Some(c)) = (coverage.as_mut(), &r.coverage) {
                    total.merge(c);
                }
            }
        }
        if report.iterations > 0 {
            report.steps.mean = report.steps.total as f64 / report.iterations as f64;
        }
        report.coverage = coverage.as_ref().map(CoverageSummary::of);
        if s.args.check_determinism {
            for b in &mut bugs {
                b.summary.message = check_determinism(s, lib, &b.summary, &b.summary.message);
            }
        }
        report.bugs = bugs.into_iter().map(|b| b.summary).collect();
        Ok((report, coverage))
    }
}
