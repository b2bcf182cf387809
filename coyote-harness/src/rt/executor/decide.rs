//! The decision at a scheduling point, and taking it inside the running task's poll.
//!
//! [`Executor::decide`] builds the enabled set and asks the strategy (or takes the only enabled
//! task); the run loop calls it between polls. [`Executor::point_in_poll`] calls it at an
//! operation's scheduling point *inside* the poll of the task that reached it (its first poll
//! of the operation): when the strategy lets that task go on, its next step begins there and the
//! operation is performed in the same poll, so a ready operation is `Ready` on its first poll,
//! as in tokio (`now_or_never()`, `futures::poll!`); when it picks another task, the operation
//! returns `Pending` and the run loop runs the chosen task next (the decision is kept "ahead").
//!
//! Invariants:
//! * the strategy is asked the same question either way: the in-poll decision is taken with the
//!   running task woken at the point, as the run loop would see it after the poll returned, so
//!   the decisions (and traces) of a task that awaits one operation at a time are the same;
//! * at most one decision is kept ahead, and once one is, no other point of that poll decides
//!   (they return `Pending`, as before); a decision ahead whose task is no longer schedulable
//!   when the poll returns (the rest of the poll aborted it) is dropped and the run loop decides
//!   again;
//! * a poll decides only while nothing is to end it first: no failure or stop recorded, no
//!   self-abort, no real tokio budget or real clock used in the step (those are handled where the
//!   poll returns, as before), the task was not woken in this poll (by a point that returned
//!   `Pending`, of a primitive that does not decide in its poll, or a sibling's wake: a step's
//!   start would swallow that wake) and has no timer set in it (a step's start clears it);
//!   `yield_now` never decides in its poll (tokio's yields once).

use super::{Executor, IterationOutcome, CUT};
use crate::rt::coop;
use crate::rt::op::OpKind;
use crate::rt::tasks::{push_ids, Task, TaskState};
use crate::rt::waker::task_waker;
use coyote_core::strategy::{Access, SchedulingPoint};
use coyote_core::trace::Decision;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::task::Waker;
use std::time::Duration;

/// [`Executor::ahead`] when no decision is kept ahead.
pub(super) const AHEAD_NONE: u32 = u32::MAX;
/// [`Executor::ahead`] when the in-poll decision ended the iteration (its outcome is kept in
/// `ahead_outcome`).
pub(super) const AHEAD_OUTCOME: u32 = u32::MAX - 1;

/// What the iteration's strategy reads, asked once per iteration.
#[derive(Clone, Copy, Default)]
pub(super) struct Wants {
    pub(super) state_hash: bool,
    pub(super) accesses: bool,
    pub(super) steps: bool,
    /// The strategy reads each step's memory state (`Strategy::needs_memory`).
    pub(super) memory: bool,
    /// A step does more than its own bookkeeping (the strategy reads steps, the log is kept,
    /// coverage is counted or a breakpoint is set): one test at each step's start when not.
    pub(super) step_extras: bool,
}

impl Executor {
    /// The running task reached the scheduling point before doing `kind` at `loc`, in its first
    /// poll of that operation; `waker` is its own. Returns whether it goes on in this poll (the
    /// strategy chose it again, or it is the only one enabled: its next step has begun) rather
    /// than return `Pending`. See the module docs.
    #[inline]
    pub(crate) fn point_in_poll(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
        waker: &Waker,
    ) -> bool {
        if kind == OpKind::Yield || !self.may_decide.get() {
            self.pause_and_self_wake(kind, loc, access, waker);
            return false;
        }
        // The point and the task's own wake for the decision (what its own waker does), in one
        // borrow, whatever waker the poll was given (a poll-once caller's no-op waker); a
        // combinator's own waker (which records what to poll again) is woken too when the
        // operation returns `Pending`. Woken already in this poll (a point of another kind, a
        // sibling's wake): a step begun here would swallow that wake, so the poll returns
        // `Pending`, as before.
        if !self
            .tasks
            .pause_and_wake_at_point(kind, loc, access, self.step.get())
            .0
        {
            waker.wake_by_ref();
            return false;
        }
        // tokio's budget, read once at the point: spent by a real tokio operation in this step.
        let spent = coop::empty();
        if spent {
            self.note_tokio_site();
        }
        let go_on = self.decide_in_poll(spent);
        if !go_on {
            // Only compared, never woken or dropped (dropping one of ours does nothing
            // outside a probe): no vtable call for it.
            let own = ManuallyDrop::new(task_waker(self.generation.get(), self.tasks.current()));
            if !waker.will_wake(&own) {
                waker.wake_by_ref();
            }
        }
        go_on
    }

    /// The point, and the wake `waker` makes: when it is the running task's own, what its wake
    /// does ([`Executor::wake`]) in the point's table borrow, without the call through it.
    #[inline]
    pub(super) fn pause_and_self_wake(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
        waker: &Waker,
    ) {
        let current = self.tasks.current();
        let own = ManuallyDrop::new(task_waker(self.generation.get(), current));
        if !waker.will_wake(&own) {
            self.tasks.pause_at_point(kind, loc, access);
            waker.wake_by_ref();
            return;
        }
        if coop::empty() {
            self.note_tokio_site();
        }
        if self
            .tasks
            .pause_and_wake_at_point(kind, loc, access, self.step.get())
            .1
        {
            self.woken_off_control(current);
        }
    }

    #[inline]
    fn decide_in_poll(&self, spent: bool) -> bool {
        let id = self.tasks.current();
        // A timer set earlier in this poll (a `select!` branch's sleep) belongs to a future
        // still waiting on it, and a step's start clears the task's timer: such a poll returns
        // `Pending` at its point, as before.
        let timer_set = self.clock.any_pending() && self.clock.timers()[id as usize].is_some();
        if timer_set || self.ending.any.get() || self.tasks.self_abort_pending() {
            self.may_decide.set(false);
            return false;
        }
        if spent && coop::spent_in_poll() {
            // A real tokio operation in the step that ends here: reported as the poll's end
            // would have.
            self.ending
                .fail(|| self.real_tokio_failure(id, self.resumed_at.get()));
            self.may_decide.set(false);
            return false;
        }
        if let Some(failure) = self.hooks.disarm(|| self.task_label(id)) {
            self.ending.fail(|| failure);
            self.may_decide.set(false);
            return false;
        }
        self.hooks.arm();
        let chosen = self.decide(Some(id));
        if chosen == id {
            self.begin_step(id);
            true
        } else {
            self.ahead.set(chosen);
            self.may_decide.set(false);
            false
        }
    }

    /// Whether `id`, chosen ahead during the last poll, may still be picked: it is woken, or
    /// waits with a timer that may fire now.
    #[inline]
    pub(super) fn still_schedulable(&self, id: u32) -> bool {
        let tasks = self.tasks.table();
        match tasks[id as usize].state {
            TaskState::Woken => true,
            TaskState::Done | TaskState::DoneThenWoken => false,
            TaskState::Waiting => {
                if !self.clock.any_pending() {
                    return false;
                }
                let timers = self.clock.timers();
                let main_done = tasks[0].state.is_done();
                let limit = firing_limit(
                    self.clock.now(),
                    &tasks,
                    &timers,
                    !main_done || self.monitors.any_hot(),
                );
                limit.is_some_and(|l| timers[id as usize].is_some_and(|at| at <= l))
            }
        }
    }

    /// The task that runs the next step: the only schedulable one, or the strategy's choice
    /// (recorded); [`AHEAD_OUTCOME`] when the iteration ends here instead (nothing schedulable,
    /// a bound, a stop), its outcome in `ahead_outcome`. `last` ran the step before.
    #[inline(always)]
    pub(super) fn decide(&self, last: Option<u32>) -> u32 {
        match self.pick(last) {
            Ok(chosen) => chosen,
            Err(end) => {
                *self.ahead_outcome.borrow_mut() = Some(end);
                AHEAD_OUTCOME
            }
        }
    }

    #[inline(always)]
    fn pick(&self, last: Option<u32>) -> Result<u32, IterationOutcome> {
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
            // No timer may fire (the common case): the woken tasks, read off their mask
            // (ascending, as the scan) unless there are too many tasks for it.
            if let Some(woken) = self.tasks.woken_mask(&tasks) {
                push_ids(woken, &mut enabled);
            } else {
                for (i, t) in tasks.iter().enumerate() {
                    if t.state == TaskState::Woken {
                        enabled.push(i as u32);
                    }
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
            return Err(if !main_done {
                // Outside every borrow: the probe drops task bodies (user code). Never in a
                // poll: a task deciding in its poll woke itself, so it is enabled.
                drop((tasks, timers, enabled));
                IterationOutcome::Bug(self.stuck())
            } else if let Some(panic) = self.threads.take_unjoined_panic() {
                IterationOutcome::Bug(panic)
            } else if self.monitors.any_hot() {
                IterationOutcome::Bug(self.monitors.hot_at_end(|t| self.task_label(t)))
            } else {
                IterationOutcome::Completed
            });
        }
        let step = self.step.get();
        if step >= self.monitors.deadline() {
            return Err(IterationOutcome::Bug(
                self.monitors.hot_too_long(|t| self.task_label(t)),
            ));
        }
        if step >= self.bound.get() {
            // An unfair strategy's bound with a monitor hot: on into the fair suffix.
            match self.fair_bound.get() {
                Some(fair)
                    if fair > step
                        && self.suffix_from.get().is_none()
                        && self.monitors.any_hot() =>
                {
                    self.bound.set(fair);
                    self.suffix_from.set(Some(step));
                    self.monitors.set_fair_from(step);
                }
                _ => return Err(IterationOutcome::StepBound),
            }
        }
        if enabled.len() == 1 {
            Ok(enabled[0])
        } else {
            // (As `last.filter(..)`, which was left out of line; no timer may fire: woken.)
            let last_enabled = match last {
                Some(l) if due.is_none() => {
                    (tasks[l as usize].state == TaskState::Woken).then_some(l)
                }
                Some(l) => schedulable(l as usize, &tasks[l as usize]).then_some(l),
                None => None,
            };
            drop(timers);
            // SAFETY: set for the iteration; no other reference is live here.
            let strategy = unsafe { &mut *self.strategy.get().expect("strategy").as_ptr() };
            // Only learning strategies read the state hash.
            let state_hash = if self.wants.get().state_hash {
                self.tasks.state_hash()
            } else {
                0
            };
            // Only race-aware strategies read accesses; collected here, at decisions.
            let mut collected;
            let accesses: &[Access] = if self.wants.get().accesses {
                collected = self.accesses.borrow_mut();
                collected.clear();
                collected.extend(enabled.iter().map(|&op| tasks[op as usize].access));
                &collected
            } else {
                &[]
            };
            let yielded = last_enabled.is_some_and(|op| tasks[op as usize].kind == OpKind::Yield);
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
            let next = if step >= self.suffix_at.get() {
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
                        return Err(IterationOutcome::Diverged(CUT.into()));
                    }
                    Ok(op)
                }
                None => Err(IterationOutcome::Diverged(
                    strategy.divergence().unwrap_or_default(),
                )),
            }
        }
    }
}

/// The latest deadline a timer may fire at now, given the task table and its `timers`: the
/// earliest deadline of a live task's timer, or now if that is earlier (every due timer
/// may fire). `None` when no timer may fire: none is pending, or `always` is false and no
/// task is woken (only timers are left; see the executor's docs), or a woken task was overtaken
/// by a timer already: virtual time moves past a runnable task at most once before it runs (a
/// timeout may still fire before the reply it guards, but an `interval` cannot tick on forever
/// while another task is ready, which would make every execution run to `--max-steps` and
/// `dfs` never finish).
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
            // Time moved past this runnable task once: it runs before time moves again.
            TaskState::Woken if t.overtaken => return None,
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
