//! One test's run: spawn its workers, handle their messages until every share has ended, then
//! settle (see [`settle`](super::settle)).
//!
//! Invariants: a bug's trace is on disk (atomically) before the next message is handled; a
//! worker that dies or hangs without finishing becomes a crash or hang bug whose trace a capture
//! re-run provides (see [`closed`](super::closed)); stopping (Ctrl-C, `--timeout`) stops the work
//! shares but lets the capture re-runs finish.

use super::arrivals::Arrivals;
use super::closed::closed;
use super::pool::Pool;
use super::saturation::Saturating;
use super::session::Session;
use super::settle::{finish, Ended};
use super::share::{Capture, Share};
use crate::events::{RunEvent, StopReason};
use crate::library::Library;
use crate::process::PoolEvent;
use crate::{signals, Error};
use coyote_core::abi::{Event, RunRequest, WorkerMessage};
use coyote_core::report::TestReport;
use coyote_core::rng::derive_seed;
use coyote_core::trace::BugKind;
use std::time::{Duration, Instant};

/// The last lines of a captured iteration's step log kept for its trace.
const CAPTURED_LOG_LINES: usize = 500;

/// A test's run in progress.
pub(super) struct TestRun<'r, 'a> {
    s: &'r mut Session<'a>,
    test: &'r str,
    started: Instant,
    pool: Pool,
    arrivals: Arrivals,
    saturation: Saturating,
}

/// Runs `test` under the plan's strategy: its report.
pub(super) fn run_one(s: &mut Session<'_>, lib: &Library, test: &str) -> Result<TestReport, Error> {
    let mut run = TestRun::start(s, test)?;
    run.drive()?;
    let ended = Ended {
        test,
        started: run.started,
        pool: run.pool,
        arrivals: run.arrivals,
        saturation: run.saturation,
    };
    finish(s, lib, ended)
}

impl<'r, 'a> TestRun<'r, 'a> {
    /// Spawns the workers, each with its share of the iterations.
    fn start(s: &'r mut Session<'a>, test: &'r str) -> Result<Self, Error> {
        let (plan, started) = (s.plan, Instant::now());
        s.reporter.emit(RunEvent::TestStarted {
            test,
            iterations: plan.iterations.get(),
        })?;
        let mut pool = Pool::new();
        // This invocation runs workers `first..first + workers` of the whole run (all of them
        // unless it is a shard), each with the share and seed it has in the whole run.
        let iterations = plan.iterations.get();
        let total = u64::from(s.total_workers);
        let per = iterations / total;
        let extra = iterations % total;
        let exhaustive = plan.strategy.is_exhaustive();
        for w in s.first_worker..s.first_worker + s.workers {
            // An exhaustive strategy's shard explores its part of the space (the iterations
            // bound that part, as they bound the whole).
            let share = if exhaustive && plan.shard.is_some() {
                iterations
            } else {
                per + u64::from((w as u64) < extra)
            };
            if share == 0 {
                continue;
            }
            let request = RunRequest {
                test: test.to_string(),
                // Every worker gets the same name; the harness builds `portfolio` per worker.
                strategy: plan.strategy.to_string(),
                seed: derive_seed(s.seed, w as u64),
                iterations: share,
                bounds: plan.bounds(),
                step_bound_is_bug: plan.step_bound_is_bug,
                stop_on_first_bug: !plan.explore,
                // `--until-saturated` judges from progress: report often enough to stop close
                // to the K-th iteration without new coverage.
                progress_ms: if plan.until_saturated.is_some() {
                    20
                } else {
                    100
                },
                capture_from: None,
                worker: w,
                coverage: plan.counts_coverage(),
                resume_after: None,
                saturation: true,
                stop_word: plan.until_saturated.is_some(),
                split: plan
                    .shard
                    .filter(|_| exhaustive)
                    .map(coyote_core::shard::Split::from),
            };
            pool.spawn(Share::new(s, w, 0, request, None))?;
        }
        Ok(TestRun {
            s,
            test,
            started,
            pool,
            arrivals: Arrivals::default(),
            saturation: Saturating::new(plan.until_saturated.map(|k| k.get())),
        })
    }

    /// Stops the work shares for `reason` (the capture re-runs are let finish).
    fn stop(&mut self, reason: StopReason) -> Result<(), Error> {
        let capturing = self.pool.capturing();
        self.s
            .reporter
            .emit(RunEvent::Stopping { reason, capturing })?;
        self.pool.kill_all(false);
        Ok(())
    }

    /// Handles the workers' messages until every share has ended.
    fn drive(&mut self) -> Result<(), Error> {
        let deadline = self
            .s
            .plan
            .timeout
            .and_then(|t| self.s.started.checked_add(t));
        while !self.pool.all_ended() {
            // Stopping early spares the capture re-runs: each is the only way to a found crash's
            // or hang's trace, and it is bounded (it re-runs one share up to that iteration,
            // under the iteration watchdog). A second Ctrl-C still quits at once.
            if signals::stop_requested() && !self.s.interrupted {
                self.s.interrupted = true;
                self.stop(StopReason::Interrupted)?;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) && !self.s.timed_out {
                self.s.timed_out = true;
                self.stop(StopReason::TimedOut)?;
            }
            let ev = match self.pool.events().recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => ev,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(_) => break,
            };
            match ev {
                PoolEvent::Msg(slot, WorkerMessage::Event { event }) => self.event(slot, event)?,
                PoolEvent::Msg(slot, WorkerMessage::Done { result }) => {
                    self.pool.share_mut(slot).reported(result);
                }
                PoolEvent::Msg(_, WorkerMessage::Error { message }) => {
                    self.pool.kill_all(true);
                    return Err(Error::BadInput(message));
                }
                PoolEvent::Msg(
                    slot,
                    WorkerMessage::Hang {
                        iteration,
                        elapsed_ms,
                        backtrace,
                        location,
                    },
                ) => self.hang(slot, iteration, elapsed_ms, backtrace, location),
                PoolEvent::Closed(slot) => {
                    closed(self.s, &mut self.pool, &mut self.arrivals, self.test, slot)?
                }
            }
        }
        Ok(())
    }

    /// A worker's event: progress, a bug, or (for a capture re-run) its decisions.
    fn event(&mut self, slot: usize, event: Event) -> Result<(), Error> {
        match event {
            Event::Progress {
                iterations,
                steps,
                max_steps,
            } => {
                let sh = self.pool.share_mut(slot);
                if !sh.is_capture() {
                    sh.iterations = iterations;
                    sh.steps = steps;
                    sh.max_steps = sh.max_steps.max(max_steps);
                    self.pool.stop_past(self.arrivals.first_at());
                    let total: u64 = self
                        .pool
                        .shares()
                        .filter(|x| !x.is_capture())
                        .map(|x| x.iterations)
                        .sum();
                    self.s
                        .reporter
                        .emit(RunEvent::Progress { iterations: total })?;
                    if self.saturation.check(&mut self.pool, total) {
                        self.s.reporter.emit(RunEvent::Saturated {
                            test: self.test,
                            iterations: total,
                            last_new_at: self.saturation.last_new_at(),
                        })?;
                    }
                }
            }
            Event::Novelty {
                iterations,
                items,
                schedules,
            } => {
                self.saturation
                    .novelty(&self.pool, slot, iterations, &items, &schedules);
            }
            Event::Bug { trace } => {
                // A capture re-run's bugs were reported by the share it re-runs.
                if !self.pool.share(slot).is_capture() {
                    let (s, pool, test) = (&mut *self.s, &mut self.pool, self.test);
                    self.arrivals.arrived(s, pool, test, slot, *trace)?;
                }
            }
            Event::IterationStart { .. } => {
                if let Some(c) = self.pool.share_mut(slot).capture_mut() {
                    c.decisions.clear();
                    c.log.clear();
                }
            }
            Event::Log { line } => {
                if let Some(c) = self.pool.share_mut(slot).capture_mut() {
                    if c.log.len() == CAPTURED_LOG_LINES {
                        c.log.pop_front();
                    }
                    c.log.push_back(line);
                }
            }
            Event::Decision { decision } => {
                if let Some(c) = self.pool.share_mut(slot).capture_mut() {
                    if let Ok(d) = coyote_core::trace::decode_decisions(&decision) {
                        c.decisions.extend(d);
                    }
                }
            }
        }
        Ok(())
    }

    /// The worker's watchdog says an iteration hangs; the worker exits next (see `closed`).
    fn hang(
        &mut self,
        slot: usize,
        iteration: u64,
        elapsed_ms: u64,
        backtrace: Option<String>,
        location: Option<String>,
    ) {
        if let Some(c) = self.pool.share_mut(slot).capture_mut() {
            c.message = format!("{} (reproduced in a fresh worker)", c.message);
            if c.backtrace.is_none() {
                (c.backtrace, c.location) = (backtrace, location);
            }
            return;
        }
        let message = format!(
            "iteration {iteration} ran for {:.1}s without finishing (--iteration-timeout {}s): it spins without reaching a scheduling point, or blocks on something coyote does not control (a real sleep, a std lock, a thread join)",
            elapsed_ms as f64 / 1000.0,
            self.s.plan.iteration_timeout.as_secs_f64()
        );
        let mut capture = Capture::new(BugKind::Hang, message, iteration);
        (capture.backtrace, capture.location) = (backtrace, location);
        self.pool.share_mut(slot).hung(capture);
    }
}
