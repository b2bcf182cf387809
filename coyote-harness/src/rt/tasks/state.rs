//! What a task is made of and where it stands: its [`TaskBody`] and [`TaskState`], and how its
//! last poll stopped ([`Pause`]).
//!
//! Invariants: a done task never becomes schedulable again (a wake after it is remembered only
//! for the state hash); the state hash's bits of a state are fixed, since learning strategies key
//! their decisions by them.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) type LocalBoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// What a task runs. The run loop only polls a body and drops it.
pub(crate) enum TaskBody {
    /// An async task: `main`, `task::spawn`, an actor's handler loop.
    /// Also a body on its own stack (a controlled thread, or an async task once the test
    /// needs coroutines): a [`Coro`](super::super::coro::Coro) is a future whose poll resumes
    /// it, so the hot path has one kind of body.
    Future(LocalBoxFuture),
}

impl TaskBody {
    /// Runs the body up to its next scheduling point (or to its end).
    #[inline]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            TaskBody::Future(f) => f.as_mut().poll(cx),
        }
    }
}

/// Where a task stands with the scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskState {
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
    pub(crate) fn is_done(self) -> bool {
        matches!(self, TaskState::Done | TaskState::DoneThenWoken)
    }

    /// The state after a wake.
    #[inline]
    pub(super) fn woken(self) -> TaskState {
        match self {
            TaskState::Woken | TaskState::Waiting => TaskState::Woken,
            TaskState::Done | TaskState::DoneThenWoken => TaskState::DoneThenWoken,
        }
    }

    /// The bits the state hash has always mixed in (woken: 1, done: 2); part of what learning
    /// strategies see, so of their decisions.
    #[inline]
    pub(super) fn hash_bits(self) -> u64 {
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
pub(crate) enum Pause {
    /// At a scheduling point of its own (or it has not run yet), or on a future coyote does not
    /// control.
    Point,
    /// Inside a controlled primitive that was not ready (a deadlock report names it).
    Blocked,
}
