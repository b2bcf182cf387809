//! The loop: one iteration, step by step. Builds the enabled set, asks the strategy at every
//! decision (two or more schedulable tasks), records the step and polls the chosen task.
//!
//! Invariants: this is the hot path, so a step allocates nothing once the executor's buffers have
//! grown, and the state hash and the enabled tasks' accesses are computed only for strategies
//! that read them; a panic in a task (other than the executor's own payloads) becomes the
//! iteration's failure, and bodies are dropped outside any borrow of the task table. The loop
//! decides on task states only: what a task's body is (see [`TaskBody`]) is not its concern.

use super::real_tokio::USE_THE_DROP_IN;
use super::{Executor, IterationOutcome, CUT};
use crate::rt::context::Installed;
use crate::rt::coop;
use crate::rt::op::OpKind;
use crate::rt::panics;
use crate::rt::recorder::Record;
use crate::rt::tasks::{LocalBoxFuture, Task, TaskBody, TaskState};
use crate::rt::waker::{task_waker, FOREIGN_WAKES};
use coyote_core::strategy::{Access, SchedulingPoint, Step, Strategy};
use coyote_core::trace::{BugKind, Decision, Failure};
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
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
        let mut max_steps = self.max_steps.get();
        // Fixed for the iteration (a portfolio picks its member in `begin_iteration`), so one
        // virtual call per iteration instead of one per decision.
        let (wants_state_hash, wants_accesses, wants_steps) = {
            // SAFETY: the strategy pointer is set for the whole iteration and not otherwise
            // borrowed.
            let strategy = unsafe { &*self.strategy.get().expect("strategy").as_ptr() };
            (
                strategy.needs_state_hash(),
                strategy.needs_accesses(),
                strategy.needs_steps(),
            )
        };
        let suffix_at = self.suffix_at.get();
        let mut last: Option<u32> = None;
        loop {
            if let Some(end) = self.ending.take() {
                return end;
            }
            let chosen = {
                let mut enabled = self.enabled.borrow_mut();
                enabled.clear();
                let tasks = self.tasks.table();
                let main_done = tasks[0].state.is_done();
                let hot = self.monitors.any_hot();
                let timers = self.clock.any_pending().then(|| self.clock.timers());
                // Which timers may fire: those due by the earliest deadline (or now), so no
                // timer fires before one with an earlier deadline; none once only timers are
                // left after `main`, unless a monitor is hot (see the module docs).
                let due = timers
                    .as_ref()
                    .and_then(|d| firing_limit(self.clock.now(), &tasks, d, !main_done || hot));
                let schedulable = |i: usize, t: &Task| match t.state {
                    TaskState::Woken => true,
                    TaskState::Waiting => due.is_some_and(|limit| {
                        timers
                            .as_ref()
                            .is_some_and(|d| d[i].is_some_and(|at| at <= limit))
                    }),
                    TaskState::Done | TaskState::DoneThenWoken => false,
                };
                if due.is_none() {
                    // No timer may fire (the common case): the woken tasks.
                    for (i, t) in tasks.iter().enumerate() {
                        if t.state == TaskState::Woken {
                            enabled.push(i as u32);
                        }
                    }
                } else {
                    for (i, t) in tasks.iter().enumerate() {
                        if schedulable(i, t) {
                            enabled.push(i as u32);
                        }
                    }
                }
                if enabled.is_empty() {
                    return if !main_done {
                        // Outside every borrow: the probe drops task bodies (user code).
                        drop((tasks, timers, enabled));
                        IterationOutcome::Bug(self.stuck())
                    } else if let Some(panic) = self.threads.take_unjoined_panic() {
                        IterationOutcome::Bug(panic)
                    } else if self.monitors.any_hot() {
                        IterationOutcome::Bug(self.monitors.hot_at_end(|t| self.task_label(t)))
                    } else {
                        IterationOutcome::Completed
                    };
                }
                let step = self.step.get();
                if step >= self.monitors.deadline() {
                    return IterationOutcome::Bug(
                        self.monitors.hot_too_long(|t| self.task_label(t)),
                    );
                }
                if step >= max_steps {
                    // An unfair strategy's bound with a monitor hot: on into the fair suffix.
                    match self.fair_bound.get() {
                        Some(fair)
                            if fair > step
                                && self.suffix_from.get().is_none()
                                && self.monitors.any_hot() =>
                        {
                            max_steps = fair;
                            self.suffix_from.set(Some(step));
                            self.monitors.set_fair_from(step);
                        }
                        _ => return IterationOutcome::StepBound,
                    }
                }
                if enabled.len() == 1 {
                    enabled[0]
                } else {
                    let last_enabled =
                        last.filter(|&l| schedulable(l as usize, &tasks[l as usize]));
                    drop(timers);
                    // SAFETY: set for the iteration; no other reference is live here.
                    let strategy = unsafe { &mut *self.strategy.get().expect("strategy").as_ptr() };
                    // Only learning strategies read the state hash.
                    let state_hash = if wants_state_hash {
                        self.tasks.state_hash()
                    } else {
                        0
                    };
                    // Only race-aware strategies read accesses; collected here, at decisions.
                    let mut collected;
                    let accesses: &[Access] = if wants_accesses {
                        collected = self.accesses.borrow_mut();
                        collected.clear();
                        collected.extend(enabled.iter().map(|&op| tasks[op as usize].access));
                        &collected
                    } else {
                        &[]
                    };
                    let yielded =
                        last_enabled.is_some_and(|op| tasks[op as usize].kind == OpKind::Yield);
                    drop(tasks);
                    let point = SchedulingPoint {
                        enabled: &enabled,
                        accesses,
                        current: last_enabled,
                        step,
                        yielded,
                        state_hash,
                    };
                    // The fair suffix decides past its first step (one comparison; see
                    // `FairSuffix`), the strategy before it.
                    let next = if step >= suffix_at {
                        self.suffix_decides();
                        self.fair_suffix
                            .borrow_mut()
                            .as_mut()
                            .map(|s| s.next_operation(&point))
                    } else {
                        strategy.next_operation(&point)
                    };
                    match next {
                        Some(op) => {
                            debug_assert!(enabled.binary_search(&op).is_ok());
                            if self.recorder.decide(Decision::Schedule(op)) {
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
            let resumed_at = self.begin_step(chosen, wants_steps);
            last = Some(chosen);
            self.poll_task(chosen, resumed_at);
        }
    }

    /// Starts `chosen`'s step; returns where it resumes.
    #[inline]
    fn begin_step(&self, chosen: u32, wants_steps: bool) -> &'static Location<'static> {
        let step = self.step.get();
        // The fair suffix's steps are its own, not the strategy's.
        if wants_steps && step < self.suffix_at.get() {
            self.show_step(chosen);
        }
        let begun = self.tasks.begin(chosen);
        // Chosen for its timer (not woken): it fires, moving virtual time forward if needed.
        let timer = if self.clock.any_pending() {
            self.clock.chosen(chosen, !begun.woken)
        } else {
            None
        };
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
        self.step.set(step + 1);
        self.tasks.set_current(chosen);
        begun.loc
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
        });
    }

    #[inline]
    fn poll_task(&self, id: u32, resumed_at: &'static Location<'static>) {
        let mut body = self.tasks.take_body(id);
        let waker = task_waker(self.generation.get(), id);
        let mut cx = Context::from_waker(&waker);
        self.hooks.arm();
        let polled = catch_unwind(AssertUnwindSafe(|| body.poll(&mut cx)));
        if coop::spent_in_poll() {
            self.ending.fail(|| self.real_tokio_failure(id, resumed_at));
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

/// The latest deadline a timer may fire at now, given the task table and its `timers`: the
/// earliest deadline of a live task's timer, or now if that is earlier (every due timer
/// may fire). `None` when no timer may fire: none is pending, or `always` is false and no
/// task is woken (only timers are left; see the executor's docs).
#[inline]
fn firing_limit(
    now: Duration,
    tasks: &[Task],
    timers: &[Option<Duration>],
    always: bool,
) -> Option<Duration> {
    let mut earliest: Option<Duration> = None;
    let mut woken = false;
    for (t, d) in tasks.iter().zip(timers) {
        match t.state {
            TaskState::Done | TaskState::DoneThenWoken => continue,
            TaskState::Woken => woken = true,
            TaskState::Waiting => {}
        }
        // A woken task's timer counts too: it may fire when that task next runs (an actor's
        // timer task before its first poll), so no later one may fire before it.
        if let Some(d) = *d {
            earliest = Some(earliest.map_or(d, |e| e.min(d)));
        }
    }
    (always || woken)
        .then_some(earliest)
        .flatten()
        .map(|e| e.max(now))
}
