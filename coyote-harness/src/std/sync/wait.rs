//! How the blocking primitives wait in tests: a list of parked threads' wakers, and the one
//! call that blocks a controlled thread until a condition holds.
//!
//! A primitive keeps its state in std types (the data behind a std `Mutex`, an `RwLock`, a
//! small state word) and a [`WaitList`] of the wakers of the threads that found it busy. An
//! operation that may wait is [`block_until`]: a scheduling point declaring the operation's
//! [`Access`], then `attempt` (the non-blocking form: `try_lock`, a pop), and while it fails, the
//! thread is blocked on the operation's kind at the caller's line (a deadlock report names it)
//! until a release wakes the list; then it tries again. Releases wake every waiter: who gets the
//! lock next is the strategy's choice among them, as the OS's is.
//!
//! Invariants: only test mode uses these (production calls the std item); every attempt and
//! every wake runs with no other controlled code in between (one thread runs at a time), so a
//! waiter registered by a failed attempt cannot miss the release that follows; the list's std
//! lock is held only to push or drain, never while user code runs.

use crate::rt::coro::block_on_current;
use crate::rt::{Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::task::{Context, Poll, Waker};

/// The wakers of the threads waiting on one primitive.
#[derive(Default)]
pub(crate) struct WaitList {
    wakers: StdMutex<Vec<Waker>>,
}

impl WaitList {
    /// An empty list (in a `const` context too: primitives can be statics).
    pub(crate) const fn new() -> Self {
        WaitList {
            wakers: StdMutex::new(Vec::new()),
        }
    }

    /// Adds `waker` unless it is there already.
    pub(crate) fn register(&self, waker: &Waker) {
        let mut w = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        if !w.iter().any(|x| x.will_wake(waker)) {
            w.push(waker.clone());
        }
    }

    /// Wakes every waiter (each tries again when it runs).
    pub(crate) fn wake_all(&self) {
        let wakers = {
            let mut w = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
            if w.is_empty() {
                return;
            }
            std::mem::take(&mut *w)
        };
        for w in wakers {
            w.wake();
        }
    }
}

/// A future ready when `attempt` succeeds; registers on `list` while it fails.
pub(crate) struct Until<'a, F> {
    list: &'a WaitList,
    attempt: F,
}

impl<'a, F> Until<'a, F> {
    pub(crate) fn new(list: &'a WaitList, attempt: F) -> Self {
        Until { list, attempt }
    }
}

impl<T, F: FnMut() -> Option<T> + Unpin> Future for Until<'_, F> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match (self.attempt)() {
            Some(v) => Poll::Ready(v),
            None => {
                self.list.register(cx.waker());
                Poll::Pending
            }
        }
    }
}

/// A scheduling point before `kind` on `access` at `loc`, then `attempt` until it succeeds,
/// blocked on `list` between attempts (see the module docs). Test mode only. Inlined, as
/// `block_on_current` is, so that a resumed thread returns into its caller's code (see `coro`).
#[inline]
pub(crate) fn block_until<T>(
    kind: OpKind,
    access: Access,
    loc: &'static Location<'static>,
    list: &WaitList,
    mut attempt: impl FnMut() -> Option<T> + Unpin,
) -> T {
    if std::thread::panicking() {
        return while_unwinding(attempt);
    }
    block_on_current(Controlled::new(
        Until::new(list, &mut attempt),
        kind,
        loc,
        access,
    ))
}

/// An operation in a destructor that runs while its thread unwinds (its own panic, or the end
/// of an iteration that failed elsewhere): no scheduling point and no suspension (a coroutine
/// cannot suspend while it is unwound); it retries until the primitive is free, which it is
/// unless a thread that never runs again holds it (then the worker's hang watch reports it).
#[cold]
fn while_unwinding<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(v) = attempt() {
            return v;
        }
        std::thread::yield_now();
    }
}

/// As [`block_until`] without the scheduling point first (the caller made one).
pub(crate) fn block_until_now<T>(
    kind: OpKind,
    access: Access,
    loc: &'static Location<'static>,
    list: &WaitList,
    mut attempt: impl FnMut() -> Option<T> + Unpin,
) -> T {
    if std::thread::panicking() {
        return while_unwinding(attempt);
    }
    block_on_current(Controlled::blocking(
        Until::new(list, &mut attempt),
        kind,
        loc,
        access,
    ))
}
