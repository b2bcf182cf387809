//! The deterministic executor behind test mode.
//!
//! * [`clock_watch`]: tells the `coyote` binary when user code runs, so it can report the real clock.
//! * [`context`]: the thread-local pointer to the active executor (test mode iff it is set).
//! * [`executor`]: tasks, the scheduling loop, failures, the step log.
//! * [`op`]: what a controlled operation is ([`OpKind`]), with its label for the log.
//! * [`point`]: the futures every controlled operation is built from (scheduling points).
//! * [`waker`]: allocation-free wakers that name a task.
//! * [`panics`]: the panic hook that captures messages and locations in test mode.
//!
//! Invariant: exactly one task is polled at a time, on the thread that runs the iteration; the
//! executor never holds a `RefCell` borrow while user code (a poll, a waker, a drop) runs.

pub(crate) mod clock_watch;
pub(crate) mod context;
pub(crate) mod executor;
pub(crate) mod op;
pub(crate) mod panics;
pub(crate) mod point;
pub(crate) mod waker;

pub(crate) use context::{in_test, with_executor};
pub(crate) use executor::{Activity, ChoiceOf, Executor, IterationOutcome};
pub(crate) use op::OpKind;
pub(crate) use point::{reads, writes, Controlled, YieldPoint};
