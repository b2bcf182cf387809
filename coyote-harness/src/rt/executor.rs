//! The executor: runs one iteration of a test, one task at a time, asking the strategy at every
//! scheduling point which enabled task goes next.
//!
//! Invariants:
//! * task ids are dense and given in spawn order; task 0 is the test's entry future (`main`);
//! * a task is *enabled* when its waker was called since it was last polled, and *schedulable*
//!   when enabled or (while `main` is unfinished or a monitor is hot) holding an unfired timer:
//!   firing a timer is a scheduler choice, and it moves virtual time forward to the timer's
//!   deadline;
//! * the iteration ends when `main` is done and nothing is schedulable (completed, or a liveness
//!   bug if a monitor is hot), when nothing is schedulable while `main` is unfinished (deadlock),
//!   at the first failure, when a hot monitor reaches its liveness deadline (fair iterations
//!   only, see `monitors.rs`), at the step bound, or when the strategy stops it (replay
//!   divergence);
//! * the hot loop allocates nothing once its buffers have grown: decisions, step records and the
//!   enabled set are reused across iterations.
//!
//! This file holds the executor's state and what controlled operations call during a poll;
//! submodules: [`run_loop`] (an iteration, step by step: the hot path), [`choices`] (declared
//! choices and stopping from inside a task), `diagnostics` (deadlock reports, step logs, folded by
//! `fold`), `activity` (actor coverage).

mod activity;
mod choices;
mod diagnostics;
mod fold;
mod monitors;
mod run_loop;
#[cfg(test)]
mod tests;

pub(crate) use activity::Activity;

use super::clock_watch::ClockWatch;
use super::context::Installed;
use super::op::OpKind;
use super::panics;
use super::waker::task_waker;
use crate::spec::Temperature;
use coyote_core::strategy::{Access, OpId, Strategy};
use coyote_core::trace::{BugKind, Decision, Failure};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Poll, Waker};
use std::time::Duration;

pub(crate) type LocalBoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// The payload `spec::assert` unwinds with after recording its failure.
pub(crate) struct SpecFailurePayload;

/// The payload a declared choice unwinds with when the iteration stops there (the strategy
/// has no value for it, as a replay past a divergence, or the iteration is cut right after it,
/// see [`Executor::set_decision_limit`]): the task's code must not go on with a made-up value.
struct HaltPayload;

/// Why an iteration cut by [`Executor::set_decision_limit`] stopped.
const CUT: &str = "cut at its decision limit";

/// How an iteration ended.
#[derive(Debug)]
pub(crate) enum IterationOutcome {
    Completed,
    Bug(Failure),
    StepBound,
    Diverged(String),
}

/// Per-run settings of the executor.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExecConfig {
    pub(crate) max_steps: u32,
    pub(crate) verbose: bool,
    pub(crate) break_at_step: Option<u32>,
    pub(crate) coverage: bool,
    /// Steps a hot monitor may go without being cold in this iteration (`None`: no limit, an
    /// unfair strategy).
    pub(crate) liveness_threshold: Option<u32>,
}

/// Where a task stands with the scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskState {
    /// Woken since it was last polled (a new task is): the strategy may pick it.
    Woken,
    /// Not woken since it was last polled: it waits for a wake (or for its timer).
    Waiting,
    /// Finished or aborted: never polled again.
    Done,
    /// Finished or aborted, then woken by a waker it left with a primitive: never polled again,
    /// told apart from `Done` only by the state hash (see [`TaskState::hash_bits`]).
    DoneThenWoken,
}

impl TaskState {
    #[inline]
    fn is_done(self) -> bool {
        matches!(self, TaskState::Done | TaskState::DoneThenWoken)
    }

    /// The state after a wake.
    #[inline]
    fn woken(self) -> TaskState {
        match self {
            TaskState::Woken | TaskState::Waiting => TaskState::Woken,
            TaskState::Done | TaskState::DoneThenWoken => TaskState::DoneThenWoken,
        }
    }

    /// The bits the state hash has always mixed in (woken: 1, done: 2); part of what learning
    /// strategies see, so of their decisions.
    #[inline]
    fn hash_bits(self) -> u64 {
        match self {
            TaskState::Woken => 1,
            TaskState::Waiting => 0,
            TaskState::Done => 2,
            TaskState::DoneThenWoken => 3,
        }
    }
}

/// How a task's last poll stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pause {
    /// At a scheduling point of its own (or it has not run yet), or on a future coyote does not
    /// control.
    Point,
    /// Inside a controlled primitive that was not ready (a deadlock report names it).
    Blocked,
}

struct Task {
    state: TaskState,
    pause: Pause,
    /// What the task does next (or waits on), and where, and the object it touches.
    kind: OpKind,
    access: Access,
    loc: &'static Location<'static>,
    /// For a `join`: the task it joins (main is never joined), set in the step `joins_step`;
    /// only meaningful while `kind` is [`OpKind::Join`].
    joins: u32,
    joins_step: u32,
    spawned_at: &'static Location<'static>,
    timer: Option<Duration>,
    join_waker: Option<Waker>,
    output: Option<Box<dyn Any>>,
}

/// [`Task::joins`] of a task waiting for several tasks at once (`join_all`).
const JOINS_SEVERAL: u32 = u32::MAX;

/// Task `t`, running step `step`, is about to join (or waits for) `task`; joining several in
/// one step (`join_all`) makes it [`JOINS_SEVERAL`]. (Tracking the step instead of resetting
/// `joins` at every step keeps the hot path free of it.)
#[inline]
fn joining(t: &mut Task, task: u32, step: u32) {
    t.joins = if t.joins_step != step || t.joins == task {
        task
    } else {
        JOINS_SEVERAL
    };
    t.joins_step = step;
}

/// What a declared choice decides, for the step log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChoiceOf {
    /// A value of `random::bool`, `random::int` or `random::choose`.
    Random,
    /// The branch a `select!` polls first.
    SelectStart,
}

#[derive(Clone, Copy, PartialEq)]
enum Record {
    Step {
        task: u32,
        kind: OpKind,
        loc: &'static Location<'static>,
        /// For a `join` step, the task it joins or [`JOINS_SEVERAL`] (stale for other kinds).
        joins: u32,
        timer: Option<Duration>,
    },
    Choice {
        task: u32,
        decision: Decision,
        loc: &'static Location<'static>,
        of: ChoiceOf,
    },
    Spawn {
        parent: u32,
        child: u32,
        loc: &'static Location<'static>,
    },
    /// A monitor's temperature changed.
    Monitor {
        task: u32,
        name: &'static str,
        temperature: Temperature,
        loc: &'static Location<'static>,
    },
    /// A line of text for the log (`Executor::note`): `notes[start..end]`.
    Note { task: u32, start: u32, end: u32 },
}

type DecisionSink = NonNull<dyn FnMut(Decision)>;

/// See the module docs.
pub(crate) struct Executor {
    generation: Cell<u32>,
    tasks: RefCell<Vec<Task>>,
    futures: RefCell<Vec<Option<LocalBoxFuture>>>,
    current: Cell<u32>,
    step: Cell<u32>,
    now: Cell<Duration>,
    strategy: Cell<Option<NonNull<dyn Strategy>>>,
    decision_sink: Cell<Option<DecisionSink>>,
    decisions: RefCell<Vec<Decision>>,
    records: RefCell<Vec<Record>>,
    /// The text of this iteration's [`Record::Note`]s, one after another (reused).
    notes: RefCell<String>,
    enabled: RefCell<Vec<OpId>>,
    /// At a decision of a strategy that reads them, what each enabled task is about to touch,
    /// index for index with `enabled` (reused, like `enabled`).
    accesses: RefCell<Vec<Access>>,
    failure: RefCell<Option<Failure>>,
    stop: RefCell<Option<String>>,
    /// Stop the iteration right after this many decisions (`None`: no limit).
    decision_limit: Cell<Option<u32>>,
    config: RefCell<ExecConfig>,
    coverage: RefCell<HashMap<usize, (&'static Location<'static>, u64)>>,
    /// Actor coverage, counted with `coverage` (see `activity.rs`).
    activity: RefCell<activity::Counts>,
    /// OS threads of the process when the executor was made, and foreign wakes at iteration
    /// start: compared when a deadlock is found, to tell uncontrolled concurrency apart.
    threads_at_start: usize,
    foreign_wakes_at_start: Cell<u64>,
    /// The `coyote` binary's real-clock watch, armed around every poll (`None` outside it).
    clock_watch: Option<ClockWatch>,
    /// The iteration's monitors (see `monitors.rs`), how many are hot, and the step at which
    /// one has been hot too long.
    monitors: RefCell<Vec<monitors::Slot>>,
    hot: Cell<u32>,
    liveness_deadline: Cell<u32>,
}

impl Executor {
    pub(crate) fn new() -> Executor {
        panics::install_hook();
        Executor {
            generation: Cell::new(1),
            tasks: RefCell::new(Vec::with_capacity(16)),
            futures: RefCell::new(Vec::with_capacity(16)),
            current: Cell::new(0),
            step: Cell::new(0),
            now: Cell::new(Duration::ZERO),
            strategy: Cell::new(None),
            decision_sink: Cell::new(None),
            decisions: RefCell::new(Vec::with_capacity(256)),
            records: RefCell::new(Vec::with_capacity(256)),
            notes: RefCell::new(String::new()),
            enabled: RefCell::new(Vec::with_capacity(16)),
            accesses: RefCell::new(Vec::with_capacity(16)),
            failure: RefCell::new(None),
            stop: RefCell::new(None),
            decision_limit: Cell::new(None),
            config: RefCell::new(ExecConfig::default()),
            coverage: RefCell::new(HashMap::new()),
            activity: RefCell::default(),
            threads_at_start: diagnostics::os_threads(),
            foreign_wakes_at_start: Cell::new(0),
            clock_watch: ClockWatch::find(),
            monitors: RefCell::new(Vec::new()),
            hot: Cell::new(0),
            liveness_deadline: Cell::new(u32::MAX),
        }
    }

    pub(crate) fn set_config(&self, config: ExecConfig) {
        *self.config.borrow_mut() = config;
    }

    /// The step bound of the next iterations (fair strategies get the fair bound), and how
    /// many steps a hot monitor may go without being cold in them (`None` for unfair ones).
    pub(crate) fn set_bounds(&self, max_steps: u32, liveness_threshold: Option<u32>) {
        let mut config = self.config.borrow_mut();
        config.max_steps = max_steps;
        config.liveness_threshold = liveness_threshold;
    }

    /// The liveness threshold of the current iteration (see `set_bounds`).
    pub(crate) fn liveness_threshold(&self) -> Option<u32> {
        self.config.borrow().liveness_threshold
    }

    /// Stops the next iterations right after their `limit`-th decision (scheduling decision or
    /// declared choice), before the code after it runs: they end as
    /// [`IterationOutcome::Diverged`] with [`CUT`]. A replacement worker uses it to step over
    /// the iteration that crashed its predecessor (see `RunRequest::resume_after`).
    pub(crate) fn set_decision_limit(&self, limit: Option<u32>) {
        self.decision_limit.set(limit);
    }

    /// Streams every decision to `sink` as it is made (crash capture); `None` turns it off.
    pub(crate) fn set_decision_sink(&self, sink: Option<&mut dyn FnMut(Decision)>) {
        let sink = sink.map(|s| {
            // SAFETY: lifetime erasure only; the runner clears the sink (sets `None`) right after
            // the iteration, before the borrow of `s` ends.
            unsafe {
                std::mem::transmute::<NonNull<dyn FnMut(Decision) + '_>, DecisionSink>(
                    NonNull::from(s),
                )
            }
        });
        self.decision_sink.set(sink);
    }

    // ----- called by controlled operations (during a poll) -----

    /// The running task reached a scheduling point before doing `kind` at `loc`.
    #[inline]
    pub(crate) fn at_scheduling_point(
        &self,
        kind: OpKind,
        loc: &'static Location<'static>,
        access: Access,
    ) {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[self.current.get() as usize];
        t.kind = kind;
        t.loc = loc;
        t.access = access;
        t.pause = Pause::Point;
    }

    /// The running task reached the scheduling point before joining `task` (of iteration
    /// `generation`; a handle from an earlier iteration joins nothing).
    #[inline]
    pub(crate) fn at_join_point(
        &self,
        task: u32,
        generation: u32,
        loc: &'static Location<'static>,
    ) {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[self.current.get() as usize];
        t.kind = OpKind::Join;
        t.loc = loc;
        t.access = Access::NONE;
        t.pause = Pause::Point;
        if generation == self.generation.get() {
            joining(t, task, self.step.get());
        }
    }

    /// The running task's pending wait for several tasks (see [`joining`]) was made at `loc`
    /// (`join_all`'s caller).
    pub(crate) fn join_site(&self, loc: &'static Location<'static>) {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[self.current.get() as usize];
        if t.joins == JOINS_SEVERAL {
            t.loc = loc;
        }
    }

    /// The running task waits on a primitive for `kind` at `loc`.
    #[inline]
    pub(crate) fn blocked_on(&self, kind: OpKind, loc: &'static Location<'static>, access: Access) {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[self.current.get() as usize];
        t.kind = kind;
        t.loc = loc;
        t.access = access;
        t.pause = Pause::Blocked;
    }

    /// Wakes `task` if the waker belongs to this iteration; false otherwise.
    #[inline]
    pub(crate) fn wake(&self, generation: u32, task: u32) -> bool {
        if generation != self.generation.get() {
            return false;
        }
        if let Some(t) = self.tasks.borrow_mut().get_mut(task as usize) {
            t.state = t.state.woken();
        }
        true
    }

    pub(crate) fn generation(&self) -> u32 {
        self.generation.get()
    }

    /// Adds a task; it is enabled and starts at the next scheduling point that picks it.
    pub(crate) fn spawn(&self, fut: LocalBoxFuture, loc: &'static Location<'static>) -> u32 {
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let id = tasks.len() as u32;
            tasks.push(Task {
                state: TaskState::Woken,
                pause: Pause::Point,
                kind: OpKind::Start,
                access: Access::NONE,
                loc,
                joins: 0,
                joins_step: 0,
                spawned_at: loc,
                timer: None,
                join_waker: None,
                output: None,
            });
            id
        };
        self.futures.borrow_mut().push(Some(fut));
        if id > 0 {
            self.records.borrow_mut().push(Record::Spawn {
                parent: self.current.get(),
                child: id,
                loc,
            });
        }
        id
    }

    /// Adds a line to the step log, in the running task (an actor's event sent or handled, a
    /// state machine's transition). The text goes into one reused buffer, so a note allocates
    /// nothing once the buffer has grown; `text` is formatted outside any borrow (it may
    /// format user types).
    pub(crate) fn note(&self, text: std::fmt::Arguments<'_>) {
        let mut notes = std::mem::take(&mut *self.notes.borrow_mut());
        let start = notes.len() as u32;
        let _ = std::fmt::Write::write_fmt(&mut notes, text);
        let end = notes.len() as u32;
        *self.notes.borrow_mut() = notes;
        let record = Record::Note {
            task: self.current.get(),
            start,
            end,
        };
        self.records.borrow_mut().push(record);
        if self.config.borrow().verbose {
            eprintln!("{}", self.format_record(&record, self.step.get()));
        }
    }

    /// Stores the running task's result for its `JoinHandle`.
    pub(crate) fn set_output(&self, output: Box<dyn Any>) {
        let mut tasks = self.tasks.borrow_mut();
        tasks[self.current.get() as usize].output = Some(output);
    }

    /// Polls a join: the output if `task` finished, else registers the waker.
    pub(crate) fn poll_join(
        &self,
        task: u32,
        waker: &Waker,
        loc: &'static Location<'static>,
    ) -> Poll<Option<Box<dyn Any>>> {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[task as usize];
        if t.state.is_done() {
            return Poll::Ready(t.output.take());
        }
        t.join_waker = Some(waker.clone());
        let me = &mut tasks[self.current.get() as usize];
        me.kind = OpKind::Join;
        me.loc = loc;
        me.pause = Pause::Blocked;
        joining(me, task, self.step.get());
        Poll::Pending
    }

    /// Whether `task` finished or was aborted (`JoinHandle::is_finished`).
    pub(crate) fn is_done(&self, task: u32) -> bool {
        self.tasks
            .borrow()
            .get(task as usize)
            .map_or(true, |t| t.state.is_done())
    }

    /// Cancels `task` (JoinHandle::abort): it never runs again; its joiner sees a cancellation.
    pub(crate) fn abort(&self, task: u32) {
        let (fut, waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(t) = tasks.get_mut(task as usize) else {
                return;
            };
            if t.state.is_done() || task == self.current.get() {
                return;
            }
            t.state = TaskState::Done;
            t.timer = None;
            (
                // `get_mut`: at teardown the futures are already gone (a dropped `JoinSet`
                // aborts its tasks then).
                self.futures
                    .borrow_mut()
                    .get_mut(task as usize)
                    .and_then(Option::take),
                t.join_waker.take(),
            )
        };
        drop(fut);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Virtual time since the iteration started.
    pub(crate) fn now(&self) -> Duration {
        self.now.get()
    }

    /// The running task sleeps until `deadline` (virtual).
    /// `what` names the wait for logs; `None` keeps what the task already waits on (a timeout
    /// around another operation).
    pub(crate) fn register_timer(
        &self,
        deadline: Duration,
        what: Option<(OpKind, &'static Location<'static>)>,
    ) {
        let mut tasks = self.tasks.borrow_mut();
        let t = &mut tasks[self.current.get() as usize];
        t.timer = Some(t.timer.map_or(deadline, |d| d.min(deadline)));
        if let Some((kind, loc)) = what {
            t.kind = kind;
            t.loc = loc;
            t.pause = Pause::Blocked;
        }
    }

    /// Records a failure (a failed `spec::assert`, a monitor); the first one wins.
    pub(crate) fn fail(
        &self,
        kind: BugKind,
        message: String,
        loc: Option<&'static Location<'static>>,
    ) {
        let mut f = self.failure.borrow_mut();
        if f.is_none() {
            *f = Some(Failure {
                kind,
                message,
                task: Some(self.task_label(self.current.get())),
                location: loc.map(fmt_loc),
            });
        }
    }
}

pub(crate) fn fmt_loc(loc: &Location<'_>) -> String {
    format!("{}:{}:{}", loc.file(), loc.line(), loc.column())
}
