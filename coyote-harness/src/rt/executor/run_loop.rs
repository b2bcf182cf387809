//! The loop: one iteration, step by step. Builds the enabled set, asks the strategy at every
//! decision (two or more schedulable tasks), records the step and polls the chosen task.
//!
//! Invariants: this is the hot path, so a step allocates nothing once the executor's buffers have
//! grown, and the state hash and the enabled tasks' accesses are computed only for strategies
//! that read them; a panic in a task (other than the executor's own payloads) becomes the
//! iteration's failure, and bodies are dropped outside any borrow of the task table. The loop
//! decides on task states only: what a task's body is (see [`TaskBody`]) is not its concern.

use super::decide::{Wants, AHEAD_NONE, AHEAD_OUTCOME};
use super::real_tokio::USE_THE_DROP_IN;
use super::{Executor, IterationOutcome, CUT};
use crate::rt::context::Installed;
use crate::rt::coop;
use crate::rt::panics;
use crate::rt::recorder::Record;
use crate::rt::tasks::{LocalBoxFuture, TaskBody};
use crate::rt::waker::{task_waker, FOREIGN_WAKES};
use coyote_core::strategy::{Step, Strategy};
use coyote_core::trace::{BugKind, Failure};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

impl Executor {
    /// Runs one iteration of `main` under `strategy`. Returns the outcome and the steps taken.
    pub(crate) fn run_iteration(
        &self,
        main: LocalBoxFuture,
        entry: &'static Location<'static>,
        strategy: &mut dyn Strategy,
    ) -> (IterationOutcome, u32) {
        self.reset();
        let suffix_at = match self.fair_suffix.borrow_mut().as_mut() {
            Some(suffix) => {
                suffix.begin_iteration(strategy);
                suffix.from()
            }
            None => u32::MAX,
        };
        self.suffix_at.set(suffix_at);
        // SAFETY: lifetime erasure only; the pointer is cleared below, before `strategy`'s borrow
        // ends, and is only dereferenced while the iteration runs.
        let ptr = unsafe {
            std::mem::transmute::<NonNull<dyn Strategy + '_>, NonNull<dyn Strategy>>(NonNull::from(
                strategy,
            ))
        };
        self.strategy.set(Some(ptr));
        // Under tokio's coop budget, so that a real tokio operation in a task shows (see
        // `coop`).
        let outcome = coop::budgeted(|| {
            let _installed = Installed::new(self);
            panics::set_capturing(true);
            self.spawn(TaskBody::Future(main), entry);
            let outcome = self.run_loop();
            self.teardown();
            panics::set_capturing(false);
            outcome
        });
        self.strategy.set(None);
        self.generation.set(super::fresh_generation());
        (outcome, self.step.get())
    }

    fn reset(&self) {
        self.tasks.reset();
        // (The thread table was emptied by the last teardown.)
        self.tearing_down.set(false);
        self.ahead.set(AHEAD_NONE);
        *self.ahead_outcome.borrow_mut() = None;
        self.may_decide.set(false);
        self.clock.reset();
        self.recorder.reset();
        self.ending.reset();
        *self.tokio_site.borrow_mut() = None;
        self.step.set(0);
        self.suffix_from.set(None);
        self.suffix_decisions.set(None);
        self.monitors.set_fair_from(self.fair_from.get());
        self.foreign_wakes_at_start
            .set(FOREIGN_WAKES.load(Ordering::Relaxed));
    }

    fn teardown(&self) {
        self.tearing_down.set(true);
        // Dropped outside any borrow: their destructors may wake or even spawn.
        let (bodies, outputs) = self.tasks.take_remains();
        // Later tasks first: a scoped thread borrows from the thread that spawned it.
        for b in bodies.into_iter().rev() {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(b)));
        }
        let monitors = self.monitors.clear();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(monitors)));
        let _ = catch_unwind(AssertUnwindSafe(move || drop(outputs)));
        let locals = self.threads.reset();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(locals)));
    }

    fn run_loop(&self) -> IterationOutcome {
        if self.recorder.at_limit() {
            // A limit of 0: what failed ran before the first decision.
            return IterationOutcome::Diverged(CUT.into());
        }
        self.bound.set(self.max_steps.get());
        // Fixed for the iteration (a portfolio picks its member in `begin_iteration`), so one
        // virtual call per iteration instead of one per decision.
        {
            // SAFETY: the strategy pointer is set for the whole iteration and not otherwise
            // borrowed.
            let strategy = unsafe { &*self.strategy.get().expect("strategy").as_ptr() };
            let steps = strategy.needs_steps();
            let memory = strategy.needs_memory();
            crate::rt::memory::reset(memory);
            // (The log, coverage and the breakpoint are set between iterations.)
            self.wants.set(Wants {
                state_hash: strategy.needs_state_hash(),
                accesses: strategy.needs_accesses(),
                steps,
                memory,
                step_extras: steps
                    || self.recorder.keeps_log()
                    || self.coverage.is_on()
                    || self.hooks.breaks(),
            });
        }
        let mut last: Option<u32> = None;
        loop {
            if let Some(end) = self.ending.take() {
                return end;
            }
            // Chosen during the last poll (see `decide::point_in_poll`), unless what ran after
            // it in that poll made it unschedulable.
            let mut chosen = self.ahead.replace(AHEAD_NONE);
            if chosen == AHEAD_NONE || (chosen != AHEAD_OUTCOME && !self.still_schedulable(chosen))
            {
                chosen = self.decide(last);
            }
            if chosen == AHEAD_OUTCOME {
                return self
                    .ahead_outcome
                    .borrow_mut()
                    .take()
                    .expect("an outcome ahead");
            }
            self.begin_step(chosen);
            last = Some(chosen);
            self.poll_task(chosen);
        }
    }

    /// Starts `chosen`'s step (between polls, or inside its own poll: see `decide`); where it
    /// resumes is kept in `resumed_at`.
    #[inline(always)]
    pub(super) fn begin_step(&self, chosen: u32) {
        let step = self.step.get();
        let wants = self.wants.get();
        // The fair suffix's steps are its own, not the strategy's.
        if wants.step_extras && wants.steps && step < self.suffix_at.get() {
            self.show_step(chosen);
        }
        let begun = self.tasks.begin(chosen);
        // Chosen for its timer (not woken): it fires, moving virtual time forward if needed.
        let timer = if self.clock.any_pending() {
            let before = self.clock.now();
            let fired = self.clock.chosen(chosen, !begun.woken);
            if fired.is_some_and(|now| now > before) {
                self.tasks.overtake_woken();
            }
            fired
        } else {
            None
        };
        if wants.step_extras {
            if self.recorder.keeps_log() {
                self.recorder.push_shown(
                    Record::Step {
                        task: chosen,
                        kind: begun.kind,
                        loc: begun.loc,
                        joins: begun.joins,
                        timer,
                        woken_by: begun.woken_by,
                    },
                    step + 1,
                );
            }
            self.coverage.step_at(begun.loc);
            self.hooks.before_step(step);
        }
        self.step.set(step + 1);
        self.tasks.set_current(chosen);
        self.resumed_at.set(begun.loc);
    }

    /// Shows the strategy the step `chosen` begins (only strategies that ask, such as `dpor`).
    #[inline(never)]
    fn show_step(&self, chosen: u32) {
        let (access, woken, woken_by) = self.tasks.before_step(chosen);
        // The waker's step is packed as the executor's step count during it (its index + 1); a
        // wake before any step (at spawn) or by the task itself (a yield) orders nothing new.
        let woken_by = crate::rt::tasks::unpack_woken_by(woken_by)
            .filter(|&(task, _)| task != chosen)
            .and_then(|(_, step)| step.checked_sub(1));
        // SAFETY: set for the iteration; no other reference is live here.
        let strategy = unsafe { &mut *self.strategy.get().expect("strategy").as_ptr() };
        strategy.on_step(&Step {
            op: chosen,
            access,
            woken_by,
            timer: !woken,
            memory: if self.wants.get().memory {
                crate::rt::memory::get()
            } else {
                0
            },
        });
    }

    #[inline]
    fn poll_task(&self, id: u32) {
        let mut body = self.tasks.take_body(id);
        // Never dropped: dropping one of ours does nothing outside a probe (`waker.rs`), and no
        // probe runs around a poll, so no call through its vtable at every step.
        let waker = ManuallyDrop::new(task_waker(self.generation.get(), id));
        let mut cx = Context::from_waker(&waker);
        self.hooks.arm();
        self.may_decide.set(true);
        let polled = catch_unwind(AssertUnwindSafe(|| body.poll(&mut cx)));
        self.may_decide.set(false);
        if coop::spent_in_poll() {
            self.ending
                .fail(|| self.real_tokio_failure(id, self.resumed_at.get()));
        }
        if let Some(failure) = self.hooks.disarm(|| self.task_label(id)) {
            self.ending.fail(|| failure);
        }
        // A task that aborted itself is cancelled at the `.await` that returned `Pending` (as
        // in tokio); one that finished in the same poll finished.
        let self_aborted = self.tasks.take_self_abort();
        match polled {
            Ok(Poll::Pending) if !self_aborted => {
                self.tasks.put_body(id, body);
                // Waiting on a future coyote does not control: whoever wakes it is looked at
                // (see `real_tokio`).
                self.tasks.paused_off_control(id);
            }
            Ok(Poll::Pending) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(body)));
                let joiner = self.tasks.finish(id);
                self.clock.cancel(id);
                if let Some(w) = joiner {
                    w.wake();
                }
            }
            Ok(Poll::Ready(())) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(body)));
                let joiner = self.tasks.finish(id);
                self.clock.cancel(id);
                if let Some(w) = joiner {
                    w.wake();
                }
            }
            Err(payload) => {
                let captured = panics::take_last();
                if !super::is_internal_payload(&*payload) {
                    let (mut message, location) =
                        captured.unwrap_or_else(|| (panics::payload_message(&*payload), None));
                    let mut kind = BugKind::Panic;
                    if message.contains("Tokio 1.x runtime") {
                        kind = BugKind::Uncontrolled;
                        message = format!(
                            "the test called the real tokio crate inside a controlled task (tokio::spawn, tokio::time and tokio::net need a tokio runtime, which a coyote test does not run, and coyote would not control them); {USE_THE_DROP_IN} (tokio said: {message})"
                        );
                    }
                    self.ending.fail(|| Failure {
                        kind,
                        message,
                        task: Some(self.task_label(id)),
                        location,
                    });
                }
                let _ = catch_unwind(AssertUnwindSafe(move || drop(body)));
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            }
        }
    }
}
