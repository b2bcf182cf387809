//! The loop: one iteration, step by step. Builds the enabled set, asks the strategy at every
//! decision (two or more schedulable tasks), records the step and polls the chosen task.
//!
//! Invariants: this is the hot path, so a step allocates nothing once the executor's buffers have
//! grown, and the state hash and the enabled tasks' accesses are computed only for strategies
//! that read them; a panic in a task (other than the executor's own payloads) becomes the
//! iteration's failure, and futures are dropped outside any borrow of the task table.

use super::{
    panics, task_waker, Executor, HaltPayload, Installed, IterationOutcome, LocalBoxFuture, Pause,
    Record, SpecFailurePayload, TaskState, CUT,
};
use crate::rt::OpKind;
use coyote_core::strategy::{Access, SchedulingPoint, Strategy};
use coyote_core::trace::{BugKind, Decision, Failure};
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::ptr::NonNull;
use std::task::{Context, Poll};
use std::time::Duration;

impl Executor {
    /// Runs one iteration of `main` under `strategy`. Returns the outcome and the steps taken.
    pub(crate) fn run_iteration(
        &self,
        main: LocalBoxFuture,
        entry: &'static Location<'static>,
        strategy: &mut dyn Strategy,
    ) -> (IterationOutcome, u32) {
        self.reset();
        // SAFETY: lifetime erasure only; the pointer is cleared below, before `strategy`'s borrow
        // ends, and is only dereferenced while the iteration runs.
        let ptr = unsafe {
            std::mem::transmute::<NonNull<dyn Strategy + '_>, NonNull<dyn Strategy>>(NonNull::from(
                strategy,
            ))
        };
        self.strategy.set(Some(ptr));
        let outcome = {
            let _installed = Installed::new(self);
            panics::set_capturing(true);
            self.spawn(main, entry);
            let outcome = self.run_loop();
            self.teardown();
            panics::set_capturing(false);
            outcome
        };
        self.strategy.set(None);
        self.generation.set(self.generation.get().wrapping_add(1));
        (outcome, self.step.get())
    }

    fn reset(&self) {
        self.tasks.borrow_mut().clear();
        self.futures.borrow_mut().clear();
        self.decisions.borrow_mut().clear();
        self.records.borrow_mut().clear();
        self.notes.borrow_mut().clear();
        *self.failure.borrow_mut() = None;
        *self.stop.borrow_mut() = None;
        self.current.set(0);
        self.step.set(0);
        self.now.set(Duration::ZERO);
        self.foreign_wakes_at_start
            .set(crate::rt::waker::FOREIGN_WAKES.load(std::sync::atomic::Ordering::Relaxed));
    }

    fn teardown(&self) {
        // Drop futures outside any borrow: their destructors may wake or even spawn.
        let futures: Vec<_> = self.futures.borrow_mut().drain(..).collect();
        for f in futures {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(f)));
        }
        let monitors = self.clear_monitors();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(monitors)));
        let outputs: Vec<_> = self
            .tasks
            .borrow_mut()
            .iter_mut()
            .filter_map(|t| t.output.take())
            .collect();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(outputs)));
    }

    fn run_loop(&self) -> IterationOutcome {
        if self.at_decision_limit() {
            // A limit of 0: what failed ran before the first decision.
            return IterationOutcome::Diverged(CUT.into());
        }
        let max_steps = self.config.borrow().max_steps;
        // Fixed for the iteration (a portfolio picks its member in `begin_iteration`), so one
        // virtual call per iteration instead of one per decision.
        let (wants_state_hash, wants_accesses) = {
            // SAFETY: the strategy pointer is set for the whole iteration and not otherwise
            // borrowed.
            let strategy = unsafe { &*self.strategy.get().expect("strategy").as_ptr() };
            (strategy.needs_state_hash(), strategy.needs_accesses())
        };
        let mut last: Option<u32> = None;
        loop {
            if let Some(why) = self.stop.borrow_mut().take() {
                return IterationOutcome::Diverged(why);
            }
            if let Some(f) = self.failure.borrow_mut().take() {
                return IterationOutcome::Bug(f);
            }
            let mut last_enabled = None;
            let chosen = {
                let mut enabled = self.enabled.borrow_mut();
                enabled.clear();
                {
                    let tasks = self.tasks.borrow();
                    let main_done = tasks[0].state.is_done();
                    // Timers fire while `main` runs, and after it while a monitor is hot: a
                    // background task may still meet what the monitor waits for.
                    let timers = !main_done || self.any_hot();
                    for (i, t) in tasks.iter().enumerate() {
                        if t.state == TaskState::Woken
                            || (timers && t.state == TaskState::Waiting && t.timer.is_some())
                        {
                            enabled.push(i as u32);
                            if last == Some(i as u32) {
                                last_enabled = last;
                            }
                        }
                    }
                    if enabled.is_empty() {
                        return if !main_done {
                            IterationOutcome::Bug(self.deadlock(&tasks))
                        } else if self.any_hot() {
                            IterationOutcome::Bug(self.hot_at_end())
                        } else {
                            IterationOutcome::Completed
                        };
                    }
                }
                let step = self.step.get();
                if step >= self.liveness_deadline.get() {
                    return IterationOutcome::Bug(self.hot_too_long());
                }
                if step >= max_steps {
                    return IterationOutcome::StepBound;
                }
                if enabled.len() == 1 {
                    enabled[0]
                } else {
                    // SAFETY: set for the iteration; no other reference is live here.
                    let strategy = unsafe { &mut *self.strategy.get().expect("strategy").as_ptr() };
                    // Only learning strategies read the state hash: a cheap FNV-1a over every
                    // task's id, flags and the location it runs or waits at.
                    let state_hash = if wants_state_hash {
                        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                        for (i, t) in self.tasks.borrow().iter().enumerate() {
                            let flags =
                                t.state.hash_bits() | (((t.pause == Pause::Blocked) as u64) << 2);
                            let loc = t.loc as *const Location<'static> as usize as u64;
                            for x in [i as u64, flags, loc] {
                                h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
                            }
                        }
                        h
                    } else {
                        0
                    };
                    // Only race-aware strategies read accesses; collected here, at decisions.
                    let mut collected;
                    let accesses: &[Access] = if wants_accesses {
                        collected = self.accesses.borrow_mut();
                        collected.clear();
                        let tasks = self.tasks.borrow();
                        collected.extend(enabled.iter().map(|&op| tasks[op as usize].access));
                        &collected
                    } else {
                        &[]
                    };
                    let yielded = last_enabled
                        .is_some_and(|op| self.tasks.borrow()[op as usize].kind == OpKind::Yield);
                    let point = SchedulingPoint {
                        enabled: &enabled,
                        accesses,
                        current: last_enabled,
                        step,
                        yielded,
                        state_hash,
                    };
                    match strategy.next_operation(&point) {
                        Some(op) => {
                            debug_assert!(enabled.binary_search(&op).is_ok());
                            self.decisions.borrow_mut().push(Decision::Schedule(op));
                            self.emit_decision(Decision::Schedule(op));
                            if self.at_decision_limit() {
                                return IterationOutcome::Diverged(CUT.into());
                            }
                            op
                        }
                        None => {
                            return IterationOutcome::Diverged(
                                strategy.divergence().unwrap_or_default(),
                            )
                        }
                    }
                }
            };
            self.begin_step(chosen);
            last = Some(chosen);
            self.poll_task(chosen);
        }
    }

    #[inline]
    fn begin_step(&self, chosen: u32) {
        let step = self.step.get();
        let record = {
            let mut tasks = self.tasks.borrow_mut();
            let t = &mut tasks[chosen as usize];
            let mut fired = None;
            if t.state != TaskState::Woken {
                // Chosen for its timer: fire it, moving virtual time forward if needed.
                let deadline = t.timer.expect("schedulable by timer");
                if deadline > self.now.get() {
                    self.now.set(deadline);
                }
                fired = Some(self.now.get());
            }
            t.timer = None;
            t.state = TaskState::Waiting;
            // It runs its pending operation now; until its next scheduling point, what it
            // touches next is unknown.
            t.access = Access::NONE;
            Record::Step {
                task: chosen,
                kind: t.kind,
                loc: t.loc,
                joins: t.joins,
                timer: fired,
            }
        };
        self.records.borrow_mut().push(record);
        let config = self.config.borrow();
        if config.coverage {
            if let Record::Step { loc, .. } = record {
                self.coverage
                    .borrow_mut()
                    .entry(loc as *const _ as usize)
                    .or_insert((loc, 0))
                    .1 += 1;
            }
        }
        if config.verbose {
            eprintln!("{}", self.format_record(&record, step + 1));
        }
        if config.break_at_step == Some(step) {
            eprintln!(
                "coyote: stopping before step {} (the failing step); breakpoint: coyote_breakpoint, pid {}",
                step + 1,
                std::process::id()
            );
            crate::abi::coyote_breakpoint(step + 1);
        }
        self.step.set(step + 1);
        self.current.set(chosen);
    }

    #[inline]
    fn poll_task(&self, id: u32) {
        let mut fut = self.futures.borrow_mut()[id as usize]
            .take()
            .expect("a schedulable task has its future");
        let waker = task_waker(self.generation.get(), id);
        let mut cx = Context::from_waker(&waker);
        if let Some(w) = &self.clock_watch {
            w.arm();
        }
        let polled = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
        if let Some(w) = &self.clock_watch {
            if w.disarm() {
                let failure = w.failure(self.task_label(id));
                self.failure.borrow_mut().get_or_insert(failure);
            }
        }
        match polled {
            Ok(Poll::Pending) => {
                self.futures.borrow_mut()[id as usize] = Some(fut);
            }
            Ok(Poll::Ready(())) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(fut)));
                let waker = {
                    let mut tasks = self.tasks.borrow_mut();
                    let t = &mut tasks[id as usize];
                    t.state = TaskState::Done;
                    t.timer = None;
                    t.join_waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            }
            Err(payload) => {
                let captured = panics::take_last();
                if payload.downcast_ref::<SpecFailurePayload>().is_none()
                    && payload.downcast_ref::<HaltPayload>().is_none()
                {
                    let (mut message, location) =
                        captured.unwrap_or_else(|| (panics::payload_message(&*payload), None));
                    let mut kind = BugKind::Panic;
                    if message.contains("Tokio 1.x runtime") {
                        kind = BugKind::Uncontrolled;
                        message = format!(
                            "tokio was called directly inside a coyote test (use coyote_harness::task, time and sync, which are tokio in production): {message}"
                        );
                    }
                    let mut f = self.failure.borrow_mut();
                    if f.is_none() {
                        *f = Some(Failure {
                            kind,
                            message,
                            task: Some(self.task_label(id)),
                            location,
                        });
                    }
                }
                let _ = catch_unwind(AssertUnwindSafe(move || drop(fut)));
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            }
        }
    }
}
