//! The deterministic executor behind test mode.
//!
//! * [`executor`]: the [`Executor`], a composition of the parts below, and its run loop.
//! * [`tasks`]: the task table (states, what each task does next, joins) and task bodies.
//! * [`clock`]: virtual time and the tasks' timers.
//! * [`recorder`]: decisions, the step log and its readable form, the decision sink.
//! * [`coverage`]: scheduling points stepped through, and actor activity.
//! * [`monitors`]: the iteration's monitors, their temperatures and the liveness checks.
//! * [`debug`]: the debugger breakpoint and the real-clock watch hooks around each step.
//! * [`clock_watch`]: tells the `coyote` binary when user code runs, so it can report the real
//!   clock.
//! * [`coop`]: tokio's cooperative budget, given to every task poll, which shows the real tokio
//!   crate used inside a controlled task.
//! * [`context`]: the thread-local pointer to the active executor (test mode iff it is set).
//! * [`op`]: what a controlled operation is ([`OpKind`]), with its label for the log.
//! * [`point`]: the futures every controlled operation is built from (scheduling points).
//! * [`waker`]: allocation-free wakers that name a task.
//! * [`panics`]: the panic hook that captures messages and locations in test mode.
//!
//! Invariant: exactly one task is polled at a time, on the thread that runs the iteration; the
//! executor never holds a `RefCell` borrow while user code (a poll, a waker, a drop) runs.
//!
//! Layering: `rt` imports nothing of the crate above it (`spec`, `task`, `sync`, `time`, `actor`,
//! `runner`, `abi`); they build on it. Within `rt`, the parts know nothing of the executor; the
//! executor knows the parts.
//!
//! # How to add a kind of task
//!
//! A task's body is a [`TaskBody`](tasks::TaskBody); the run loop only polls it (to its next
//! scheduling point) and drops it. A new kind (an OS thread on a stackful coroutine) is a new
//! variant whose `poll` resumes the coroutine and returns `Pending` when it stops at a scheduling
//! point, `Ready` when it returns; it is spawned with `Executor::spawn` like any other, gets a
//! waker from [`waker`], and is scheduled by the same decision logic, which reads only
//! [`TaskState`](tasks::TaskState)s.
//!
//! # How to add a kind of resource
//!
//! A resource (a primitive, a simulated network) reaches the executor only through the calls in
//! `executor/resources.rs`: a scheduling point before each operation, decided in its first
//! poll (`point_in_poll`, usually through [`YieldPoint`] or [`Controlled`]), blocking while it
//! is not ready (`blocked_on`), waking the tasks it releases (their [`Waker`](std::task::Waker),
//! which calls `wake`), virtual time (`now`, `register_timer`), a line in the log (`note`) and a
//! failure (`fail`). Give each operation an [`OpKind`] variant (its label is what the log shows)
//! and an [`Access`](coyote_core::strategy::Access) naming the object it touches, so race-aware
//! strategies see it. Nothing in the run loop changes.

pub(crate) mod clock;
pub(crate) mod clock_watch;
pub(crate) mod context;
pub(crate) mod coop;
pub(crate) mod coro;
pub(crate) mod coverage;
pub(crate) mod debug;
pub(crate) mod executor;
pub(crate) mod held;
pub(crate) mod memory;
pub(crate) mod monitors;
pub(crate) mod op;
pub(crate) mod panics;
pub(crate) mod point;
pub(crate) mod recorder;
pub(crate) mod tasks;
pub(crate) mod threads;
pub(crate) mod waker;

pub use debug::coyote_breakpoint;
pub use monitors::Temperature;

pub(crate) use context::{in_test, with_executor};
pub(crate) use coverage::Activity;
pub(crate) use executor::{Executor, IterationOutcome};
pub(crate) use monitors::ErasedMonitor;
pub(crate) use op::OpKind;
pub(crate) use point::{reads, writes, Controlled, YieldPoint};
pub(crate) use recorder::ChoiceOf;
pub(crate) use tasks::TaskBody;
