//! The executor: runs one iteration of a test, one task at a time, asking the strategy at every
//! scheduling point which enabled task goes next.
//!
//! It is a composition of owned parts, each with its own invariants: the task table
//! ([`Tasks`]), the virtual clock ([`Clock`]), the recorder of decisions and the step log
//! ([`Recorder`]), coverage ([`Coverage`]), the monitors ([`Monitors`]) and the debugger and
//! clock-watch hooks ([`Hooks`]). What it holds itself is the iteration's own state: the step,
//! the strategy, and why the iteration ends (the first failure, or a stop).
//!
//! Invariants:
//! * a task is *schedulable* when it is `Woken`, or (while `main` is unfinished or a monitor is
//!   hot) `Waiting` with a timer: firing a timer is a scheduler choice, and it moves virtual
//!   time forward to the timer's deadline;
//! * the iteration ends when `main` is done and nothing is schedulable (completed, or a liveness
//!   bug if a monitor is hot), when nothing is schedulable while `main` is unfinished (deadlock),
//!   at the first failure, when a hot monitor reaches its liveness deadline (fair iterations
//!   only), at the step bound, or when the strategy stops it (replay divergence);
//! * the hot loop allocates nothing once its buffers have grown: decisions, step records and the
//!   enabled set are reused across iterations.
//!
//! Submodules: [`run_loop`] (an iteration, step by step: the hot path), [`tasks_api`] (what
//! task handles call), [`resources`] (what primitives, time, actors and monitors call),
//! [`choices`] (declared choices and stopping from inside a task), [`threads_api`] (what
//! controlled threads call: spawn, join, panics, park, thread-locals; and the switch of a run to
//! coroutines), `diagnostics` (deadlock reports and results).

mod choices;
mod decide;
mod diagnostics;
mod real_tokio;
mod resources;
mod run_loop;
mod tasks_api;
mod threads_api;

use super::clock::Clock;
use super::coverage::Coverage;
use super::debug::Hooks;
use super::monitors::Monitors;
use super::panics;
use super::recorder::Recorder;
use super::tasks::Tasks;
use super::threads::Threads;
use coyote_core::strategy::{Access, FairSuffix, OpId, Strategy};
use coyote_core::trace::{Decision, Failure};
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

/// The payload `spec::assert` unwinds with after recording its failure.
pub(crate) struct SpecFailurePayload;

/// The payload a declared choice unwinds with when the iteration stops there (the strategy
/// has no value for it, as a replay past a divergence, or the iteration is cut right after it,
/// see [`Executor::set_decision_limit`]): the task's code must not go on with a made-up value.
struct HaltPayload;

/// The payload a scheduling point off a coroutine unwinds with when it asked for coroutines
/// (see [`Executor::request_coroutines`]): the iteration runs again, on coroutines.
struct RestartPayload;

/// Whether a panic payload is the harness's own (a recorded failure, a halt, a restart), to be
/// passed on rather than caught by a thread's `join`.
pub(crate) fn is_internal_payload(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<SpecFailurePayload>()
        || payload.is::<HaltPayload>()
        || payload.is::<RestartPayload>()
}

/// Why an iteration cut by [`Executor::set_decision_limit`] stopped.
const CUT: &str = "cut at its decision limit";

/// How an iteration ended.
#[derive(Debug)]
pub(crate) enum IterationOutcome {
    Completed,
    Bug(Failure),
    StepBound,
    Diverged(String),
    /// The iteration met a scheduling point in an async task not on a coroutine: it is to be run
    /// again from its start, its decisions so far replayed (every task is on a coroutine now).
    Restart,
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
    /// The step the threshold counts from (0: the start, a fair strategy's iteration).
    pub(crate) fair_from: u32,
}

/// Why the iteration ends before its loop runs out of tasks, set from inside a task (a failure,
/// or a stop: replay divergence, the decision limit) and read by the loop between steps. The
/// first failure and the first stop win; a stop ends the iteration before a failure does.
#[derive(Default)]
struct Ending {
    failure: RefCell<Option<Failure>>,
    stop: RefCell<Option<String>>,
    /// The iteration is to be run again (see [`IterationOutcome::Restart`]); wins over both.
    restart: Cell<bool>,
    /// Whether any is set (the one thing the loop reads at every step).
    pub(super) any: Cell<bool>,
}

impl Ending {
    fn reset(&self) {
        *self.failure.borrow_mut() = None;
        *self.stop.borrow_mut() = None;
        self.restart.set(false);
        self.any.set(false);
    }

    /// Records the failure `make` makes, unless there is one.
    fn fail(&self, make: impl FnOnce() -> Failure) {
        let mut f = self.failure.borrow_mut();
        if f.is_none() {
            *f = Some(make());
            self.any.set(true);
        }
    }

    /// Stops the iteration for `why`, unless it is stopped.
    fn stop(&self, why: impl FnOnce() -> String) {
        let mut stop = self.stop.borrow_mut();
        if stop.is_none() {
            *stop = Some(why());
            self.any.set(true);
        }
    }

    /// How the iteration ends now, if it does.
    #[inline]
    fn take(&self) -> Option<IterationOutcome> {
        if !self.any.get() {
            return None;
        }
        self.any.set(false);
        if self.restart.replace(false) {
            return Some(IterationOutcome::Restart);
        }
        if let Some(why) = self.stop.borrow_mut().take() {
            return Some(IterationOutcome::Diverged(why));
        }
        self.failure.borrow_mut().take().map(IterationOutcome::Bug)
    }
}

/// A generation no iteration of this process had: generations are unique across executors
/// (each `check` or run makes its own), so a handle, waker or network object of any earlier
/// iteration is told apart from the current one's. Never 0.
pub(crate) fn fresh_generation() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    loop {
        let g = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if g != 0 {
            return g;
        }
    }
}

/// See the module docs.
pub(crate) struct Executor {
    generation: Cell<u32>,
    step: Cell<u32>,
    max_steps: Cell<u32>,
    /// An unfair strategy's iterations: the bound of their fair suffix, entered at `max_steps`
    /// when a monitor is hot there.
    fair_bound: Cell<Option<u32>>,
    /// The step the liveness threshold counts from at the start of an iteration.
    fair_from: Cell<u32>,
    /// The step this iteration entered its fair suffix, if it did.
    suffix_from: Cell<Option<u32>>,
    /// How many decisions this iteration made before its fair suffix made its first one
    /// (`None`: the suffix made none).
    suffix_decisions: Cell<Option<u32>>,
    strategy: Cell<Option<NonNull<dyn Strategy>>>,
    /// The fair suffix of an exploring run (`set_fair_suffix`), which decides from step
    /// `suffix_at` of an iteration on instead of the strategy.
    fair_suffix: RefCell<Option<FairSuffix>>,
    /// This iteration's first step decided by the fair suffix (`u32::MAX`: none).
    suffix_at: Cell<u32>,
    ending: Ending,
    /// The step bound of this iteration (`max_steps`, raised to the fair bound when it enters
    /// its fair suffix).
    bound: Cell<u32>,
    /// What the iteration's strategy reads (asked once per iteration).
    wants: Cell<decide::Wants>,
    /// The running task may take the decision at its next scheduling point inside its poll
    /// (see `decide`): set for each poll, cleared once a decision is kept ahead.
    may_decide: Cell<bool>,
    /// The task chosen inside the last poll, or `decide::AHEAD_NONE`, or
    /// `decide::AHEAD_OUTCOME` (the iteration ended there: `ahead_outcome`).
    ahead: Cell<u32>,
    ahead_outcome: RefCell<Option<IterationOutcome>>,
    /// Where the running task's current step resumed it.
    resumed_at: Cell<&'static std::panic::Location<'static>>,
    /// The schedulable tasks at this step (reused).
    enabled: RefCell<Vec<OpId>>,
    /// At a decision of a strategy that reads them, what each enabled task is about to touch,
    /// index for index with `enabled` (reused, like `enabled`).
    accesses: RefCell<Vec<Access>>,
    /// OS threads of the process when the executor was made, and foreign wakes at iteration
    /// start: compared when a deadlock is found, to tell uncontrolled concurrency apart.
    threads_at_start: usize,
    foreign_wakes_at_start: Cell<u64>,
    /// Where user code first used the real tokio crate in this iteration, if a wake inside a
    /// tokio operation showed it (see `coop`).
    tokio_site: RefCell<Option<String>>,
    /// Wakes of tasks waiting off control found not to come from tokio, by (waiter, waker)
    /// location: not looked at again (see `real_tokio`).
    clean_wakes: RefCell<Vec<(usize, usize)>>,
    /// Every task runs on a coroutine (set for the rest of the run by the first scheduling point
    /// an async task reached off one; see `rt::coro`).
    coroutines: Cell<bool>,
    /// The iteration is being torn down (no point can restart it any more).
    tearing_down: Cell<bool>,
    /// The iteration's controlled threads: panics awaiting a join, park tokens, thread-locals.
    threads: Threads,
    tasks: Tasks,
    clock: Clock,
    recorder: Recorder,
    coverage: Coverage,
    monitors: Monitors,
    hooks: Hooks,
}

impl Executor {
    pub(crate) fn new() -> Executor {
        panics::install_hook();
        Executor {
            generation: Cell::new(fresh_generation()),
            step: Cell::new(0),
            max_steps: Cell::new(0),
            fair_bound: Cell::new(None),
            fair_from: Cell::new(0),
            suffix_from: Cell::new(None),
            suffix_decisions: Cell::new(None),
            strategy: Cell::new(None),
            fair_suffix: RefCell::new(None),
            suffix_at: Cell::new(u32::MAX),
            ending: Ending::default(),
            bound: Cell::new(0),
            wants: Cell::new(decide::Wants::default()),
            may_decide: Cell::new(false),
            ahead: Cell::new(decide::AHEAD_NONE),
            ahead_outcome: RefCell::new(None),
            resumed_at: Cell::new(std::panic::Location::caller()),
            enabled: RefCell::new(Vec::with_capacity(16)),
            accesses: RefCell::new(Vec::with_capacity(16)),
            threads_at_start: diagnostics::os_threads(),
            foreign_wakes_at_start: Cell::new(0),
            tokio_site: RefCell::new(None),
            clean_wakes: RefCell::new(Vec::new()),
            coroutines: Cell::new(false),
            tearing_down: Cell::new(false),
            threads: Threads::default(),
            tasks: Tasks::new(),
            clock: Clock::new(),
            recorder: Recorder::new(),
            coverage: Coverage::default(),
            monitors: Monitors::new(),
            hooks: Hooks::new(),
        }
    }

    pub(crate) fn set_config(&self, config: ExecConfig) {
        self.max_steps.set(config.max_steps);
        self.recorder.set_verbose(config.verbose);
        self.hooks.set_break(config.break_at_step);
        self.coverage.set_on(config.coverage);
        self.monitors.set_threshold(config.liveness_threshold);
        self.fair_from.set(config.fair_from);
    }

    /// The fair suffix of the next iterations (see [`FairSuffix`]); `None`: the strategy
    /// decides every step.
    pub(crate) fn set_fair_suffix(&self, suffix: Option<FairSuffix>) {
        *self.fair_suffix.borrow_mut() = suffix;
    }

    /// Takes the fair suffix out (to run an iteration without it).
    pub(crate) fn take_fair_suffix(&self) -> Option<FairSuffix> {
        self.fair_suffix.borrow_mut().take()
    }

    /// Whether the next iterations keep their step log (on by default; see `Recorder`).
    pub(crate) fn set_logging(&self, on: bool) {
        self.recorder.set_logging(on);
    }

    /// Whether this iteration keeps its step log (logging on, verbose, or a line sink).
    pub(crate) fn keeps_log(&self) -> bool {
        self.recorder.keeps_log()
    }

    /// Whether coverage is counted.
    pub(crate) fn coverage_on(&self) -> bool {
        self.coverage.is_on()
    }

    /// Counts coverage from now on, or not.
    pub(crate) fn set_coverage_on(&self, on: bool) {
        self.coverage.set_on(on);
    }

    /// The bounds of the next iterations: a fair strategy's (`fair_suffix: None`) run to
    /// `max_steps` (its fair bound); an unfair one's (`fair_suffix`: the fair bound) stop at
    /// `max_steps` unless a monitor is hot there, and then go on, under the strategy's fair
    /// suffix, to the fair bound. The liveness `threshold` counts from `fair_from` (the end of
    /// the unfair prefix) in the first, from the suffix's first step in the second.
    pub(crate) fn set_bounds(
        &self,
        max_steps: u32,
        threshold: u32,
        fair_from: u32,
        fair_suffix: Option<u32>,
    ) {
        self.max_steps.set(max_steps);
        self.monitors.set_threshold(Some(threshold));
        self.fair_bound.set(fair_suffix);
        self.fair_from.set(if fair_suffix.is_some() {
            u32::MAX
        } else {
            fair_from
        });
    }

    /// The liveness threshold of the last iteration, if some of its steps were fair.
    pub(crate) fn liveness_threshold(&self) -> Option<u32> {
        self.monitors
            .threshold()
            .filter(|_| self.fair_since().is_some())
    }

    /// The step the liveness threshold counted from in the last iteration, if it had fair
    /// steps: a fair strategy's, or an unfair one's that entered its fair suffix.
    pub(crate) fn fair_since(&self) -> Option<u32> {
        self.suffix_from.get().or_else(|| {
            let from = self.fair_from.get();
            (from != u32::MAX).then_some(from)
        })
    }

    /// Where the last iteration's fair suffix began, if it made any decision: the decisions
    /// before it, and its seed ([`SuffixSeed`](coyote_core::trace::SuffixSeed)).
    pub(crate) fn suffix_seed(&self) -> Option<(u32, coyote_core::trace::SuffixSeed)> {
        let before = self.suffix_decisions.get()?;
        let suffix = self.fair_suffix.borrow();
        let suffix = suffix.as_ref()?;
        Some((
            before,
            coyote_core::trace::SuffixSeed::new(suffix.from(), suffix.iteration_state()),
        ))
    }

    /// A decision of the fair suffix is being made: the first one marks where it began.
    #[inline]
    pub(crate) fn suffix_decides(&self) {
        if self.suffix_decisions.get().is_none() {
            self.suffix_decisions
                .set(Some(self.recorder.decisions().len() as u32));
        }
    }

    /// The step the last iteration entered its fair suffix at, if it did.
    pub(crate) fn suffix_from(&self) -> Option<u32> {
        self.suffix_from.get()
    }

    /// Stops the next iterations right after their `limit`-th decision (scheduling decision or
    /// declared choice), before the code after it runs: they end as
    /// [`IterationOutcome::Diverged`] with [`CUT`]. A replacement worker uses it to step over
    /// the iteration that crashed its predecessor (see `RunRequest::resume_after`).
    pub(crate) fn set_decision_limit(&self, limit: Option<u32>) {
        self.recorder.set_limit(limit);
    }

    /// Streams every decision to `sink` as it is made (crash capture); `None` turns it off.
    pub(crate) fn set_decision_sink(&self, sink: Option<&mut dyn FnMut(Decision)>) {
        self.recorder.set_sink(sink);
    }

    /// Streams every log line to `sink` as it is recorded (hang capture); `None` turns it off.
    pub(crate) fn set_line_sink(&self, sink: Option<&mut dyn FnMut(&str)>) {
        self.recorder.set_line_sink(sink);
    }

    /// The iteration's generation: wakers and handles of another one are stale.
    #[inline]
    pub(crate) fn generation(&self) -> u32 {
        self.generation.get()
    }

    /// The decisions of the last iteration.
    pub(crate) fn decisions(&self) -> std::cell::Ref<'_, Vec<Decision>> {
        self.recorder.decisions()
    }

    /// Tasks (and actors) the last iteration created, `main` included.
    pub(crate) fn tasks_created(&self) -> u32 {
        self.tasks.table().len() as u32
    }

    /// The tasks that took a step in the last iteration (by its step log), ascending.
    pub(crate) fn tasks_ran(&self) -> Vec<u32> {
        self.recorder.tasks_stepped()
    }

    /// The readable log of the last iteration, long loops folded.
    pub(crate) fn log(&self) -> Vec<String> {
        self.recorder.log()
    }

    /// The last iteration's log as data, line for line with [`Executor::log`].
    pub(crate) fn events(&self) -> Vec<coyote_core::trace::StepEvent> {
        self.recorder.events()
    }

    /// A number that changes whenever a coverage item is counted for the first time.
    #[inline]
    pub(crate) fn coverage_distinct(&self) -> u64 {
        if self.coverage.is_on() {
            self.coverage.distinct()
        } else {
            0
        }
    }

    /// Calls `found` with each coverage item counted and not yet known (see
    /// `Coverage::new_items`).
    pub(crate) fn new_coverage_items(
        &self,
        known: &mut std::collections::HashSet<String>,
        known_points: &mut std::collections::HashSet<usize>,
        found: &mut dyn FnMut(String),
    ) {
        self.coverage.new_items(known, known_points, found);
    }

    /// Coverage accumulated since the last call.
    pub(crate) fn take_coverage(&self) -> coyote_core::coverage::Coverage {
        self.coverage.take()
    }
}
