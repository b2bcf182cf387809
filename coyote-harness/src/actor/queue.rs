//! The production inbox's queue: what an actor's addresses push and its own task pops outside
//! tests, kept in the actor's mailbox (no allocation of its own, and none until the first
//! letter). One lock around a `VecDeque` and the waiting task's waker: a push is a lock, a
//! `push_back` and the waiting task's wake-up; a pop a lock and a `pop_front`.
//!
//! It replaced a tokio unbounded `mpsc` channel, which paid per message for what an actor's
//! inbox does not need: lock-free pushes from many threads (a block list with per-slot ready
//! bits and a semaphore), a waker registration on every empty look, and the cooperative
//! budget of each receive (the actor's run loop keeps its own, see `running`).
//!
//! Invariants:
//!
//! * letters are popped in the order they were pushed (one lock orders every push);
//! * no code of the user runs under the lock: letters refused (the queue closed) are handed
//!   back to the caller, letters taken out by [`close`](Queue::close) are dropped by it after
//!   the lock is released, and a waker is woken, or dropped when replaced, outside it too;
//! * a pop that finds the queue empty stores the task's waker under the lock; a push takes it
//!   under the same lock and wakes it: a push after a look that found nothing always wakes the
//!   looking task (no lost wake-up), and a push that finds no waker stored wakes nobody (the
//!   task was woken already, or is running and will look again);
//! * once [`close`](Queue::close)d, pushes are refused and pops find nothing more.

use super::inbox::Letter;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};

/// An actor's production queue (see the module docs).
pub(crate) struct Queue<E> {
    state: Mutex<State<E>>,
}

struct State<E> {
    letters: VecDeque<Letter<E>>,
    /// The actor's task, when its last look found nothing (taken by the next push).
    waker: Option<Waker>,
    closed: bool,
}

impl<E> Queue<E> {
    pub(crate) fn new() -> Self {
        Queue {
            state: Mutex::new(State {
                letters: VecDeque::new(),
                waker: None,
                closed: false,
            }),
        }
    }

    /// The lock (no user code runs under it, so a poisoned lock's state is sound).
    #[inline(always)]
    fn lock(&self) -> MutexGuard<'_, State<E>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pushes `letter` and wakes the waiting actor; hands the letter back if the queue is
    /// closed (the caller drops it, outside the lock).
    #[inline(always)]
    pub(crate) fn push(&self, letter: Letter<E>) -> Result<(), Letter<E>> {
        let mut state = self.lock();
        if state.closed {
            return Err(letter);
        }
        state.letters.push_back(letter);
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// The first letter; `Pending` (the task's waker stored for the next push) when there is
    /// none; `Ready(None)` once closed.
    #[inline(always)]
    pub(crate) fn poll_pop(&self, cx: &mut TaskContext<'_>) -> Poll<Option<Letter<E>>> {
        let mut state = self.lock();
        if let Some(letter) = state.letters.pop_front() {
            return Poll::Ready(Some(letter));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        let replaced = match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => state.waker.replace(cx.waker().clone()),
        };
        drop(state);
        // A waker replaced is dropped outside the lock.
        drop(replaced);
        Poll::Pending
    }

    /// The first letter, if any (never waits).
    pub(crate) fn try_pop(&self) -> Option<Letter<E>> {
        self.lock().letters.pop_front()
    }

    /// Closes the queue: later pushes are refused. Returns what it held, for the caller to drop
    /// (outside the lock).
    pub(crate) fn close(&self) -> (VecDeque<Letter<E>>, Option<Waker>) {
        let mut state = self.lock();
        state.closed = true;
        (std::mem::take(&mut state.letters), state.waker.take())
    }
}
