//! The calling thread and handles to threads: [`Thread`], [`ThreadId`], [`current`], [`park`]
//! and [`park_timeout`], [`yield_now`], [`sleep`], mirrors of `std::thread`'s.
//!
//! Invariant: a controlled [`Thread`] names its task by id and iteration (`generation`), so
//! an `unpark` of a handle kept from an earlier iteration wakes nothing. A thread's park
//! token is one object per task for race-aware strategies (`park_access`), written by both
//! `park` and `unpark`.

use crate::rt::coro::{block_on_current, sync_point};
use crate::rt::{in_test, with_executor, Controlled, OpKind};
use coyote_core::strategy::Access;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A handle to a thread; mirrors `std::thread::Thread`.
#[derive(Clone, Debug)]
pub struct Thread {
    pub(super) inner: ThreadInner,
}

#[derive(Clone, Debug)]
pub(super) enum ThreadInner {
    Std(std::thread::Thread),
    Controlled {
        id: u32,
        generation: u32,
        name: Option<Arc<str>>,
    },
}

impl Thread {
    /// The thread's id.
    pub fn id(&self) -> ThreadId {
        match &self.inner {
            ThreadInner::Std(t) => ThreadId(IdInner::Std(t.id())),
            ThreadInner::Controlled { id, generation, .. } => {
                ThreadId(IdInner::Controlled(*generation, *id))
            }
        }
    }

    /// The thread's name, if it has one (`main` for the test's entry in tests).
    pub fn name(&self) -> Option<&str> {
        match &self.inner {
            ThreadInner::Std(t) => t.name(),
            ThreadInner::Controlled { name, .. } => name.as_deref(),
        }
    }

    /// Wakes the thread if it is parked, or makes its next [`park`] return at once; a
    /// scheduling point in tests.
    #[track_caller]
    pub fn unpark(&self) {
        match &self.inner {
            ThreadInner::Std(t) => t.unpark(),
            ThreadInner::Controlled { id, generation, .. } => {
                sync_point(OpKind::ThreadUnpark, park_access(*id), Location::caller());
                with_executor(|ex| ex.unpark(*id, *generation));
            }
        }
    }
}

/// A thread's identifier; mirrors `std::thread::ThreadId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThreadId(IdInner);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum IdInner {
    Std(std::thread::ThreadId),
    Controlled(u32, u32),
}

/// The calling thread's handle; mirrors `std::thread::current`. In tests, an async task has a
/// handle too (its task id; `main` is named `main`).
pub fn current() -> Thread {
    with_executor(|ex| {
        let id = ex.current_task();
        Thread {
            inner: ThreadInner::Controlled {
                id,
                generation: ex.generation(),
                name: ex.thread_name(id),
            },
        }
    })
    .unwrap_or_else(|| Thread {
        inner: ThreadInner::Std(std::thread::current()),
    })
}

/// The object a thread's park token is, for race-aware strategies (no address is this high).
fn park_access(task: u32) -> Access {
    Access {
        object: 0xC0A0_0000_0000_0000 | u64::from(task),
        write: true,
    }
}

/// Blocks until the thread's token is made available by [`Thread::unpark`]; mirrors
/// `std::thread::park` (no spurious wake-ups in tests).
#[track_caller]
pub fn park() {
    if !in_test() {
        return std::thread::park();
    }
    let task = with_executor(|ex| ex.current_task()).unwrap_or(0);
    block_on_current(Controlled::new(
        Parked,
        OpKind::ThreadPark,
        Location::caller(),
        park_access(task),
    ));
}

/// `park`'s wait for the token.
struct Parked;

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if with_executor(|ex| ex.park(cx.waker())).unwrap_or(true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// As [`park`], giving up after `dur` (virtual time in tests); mirrors `std::thread::park_timeout`.
#[track_caller]
pub fn park_timeout(dur: Duration) {
    if !in_test() {
        return std::thread::park_timeout(dur);
    }
    let task = with_executor(|ex| ex.current_task()).unwrap_or(0);
    let wait = Controlled::new(
        Parked,
        OpKind::ThreadPark,
        Location::caller(),
        park_access(task),
    );
    let _ = block_on_current(crate::time::timeout(dur, wait));
}

/// Lets the other threads run; mirrors `std::thread::yield_now` (a scheduling point in tests).
#[inline]
#[track_caller]
pub fn yield_now() {
    if in_test() {
        sync_point(OpKind::Yield, Access::NONE, Location::caller());
    } else {
        std::thread::yield_now();
    }
}

/// Sleeps for `dur`; mirrors `std::thread::sleep`. In tests it sleeps on virtual time (the
/// strategy decides when the timer fires; no wall-clock wait).
#[track_caller]
pub fn sleep(dur: Duration) {
    if in_test() {
        block_on_current(crate::time::sleep(dur));
    } else {
        std::thread::sleep(dur);
    }
}
