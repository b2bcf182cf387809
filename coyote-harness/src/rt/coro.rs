//! Stackful coroutines: the task bodies of controlled threads (and of async tasks once a test
//! needs them), so that a blocking call anywhere in their code is a scheduling point.
//!
//! A [`Coro`] runs a closure on its own stack (`corosensei`). The executor resumes it where an
//! async body would be polled; it runs until it *suspends* (its poll returns `Pending`) or
//! returns (`Ready`). Code on a coroutine reaches the scheduler through two calls:
//!
//! * [`block_on_current`]: polls a future with the task's own waker and, while it is
//!   `Pending`, suspends the coroutine; the task is resumed when that waker fires and the
//!   strategy picks it, so the suspension is an ordinary scheduling point (a controlled
//!   primitive's future blocks the task on its kind, and a deadlock report names it). A
//!   blocking primitive (a `std::sync::Mutex` mirror) is its async twin's future under
//!   `block_on_current`.
//! * [`sync_point`]: a scheduling point declaring what the caller is about to do and what it
//!   touches (an atomic load reads its atomic), for code with no future to wait on.
//!
//! Called from an async task that is not on a coroutine (the executor runs async tasks as plain
//! futures until a test needs more, see `Executor::request_coroutines`), a point cannot
//! suspend in the middle of a poll: the executor is asked to run every task on a coroutine and
//! to run the iteration again from its start (its decisions so far replayed), so no schedule is
//! lost. In production (no executor) `sync_point` does nothing and `block_on_current` parks the
//! OS thread until the future's waker fires.
//!
//! A switch costs few instructions but many return mispredictions: the CPU predicts a `ret`
//! from the calls it saw, and across a switch every frame returned through on the other stack
//! is mispredicted. So the suspension of a [`sync_point`] is inlined into its caller (an atomic
//! access, `yield_now`), with the bookkeeping out of line (a balanced call): resuming returns
//! straight into user code; `block_on_current` is `#[inline]` for the same reason (a
//! `Mutex::lock` is inlined down to it). (On the run loop's side the resume is one frame, `Coro::poll`,
//! under the boxed future's virtual call; inlining it into the run loop as a second kind of
//! body measured no faster and cost the async path instructions.)
//!
//! Invariants: [`CURRENT`] is set exactly while a coroutine runs (restored when it suspends,
//! returns or panics, by a guard) and points at that coroutine's yielder and its context, which
//! live on the coroutine's own stack; a coroutine's context holds its task's waker, fixed for
//! the iteration, so a `Context` a poll borrowed stays valid across a suspension. Stacks are
//! reused through a small per-thread pool: spawning a thread maps no memory once the pool is
//! warm. A coroutine dropped before it returned is unwound (its destructors run, with no
//! scheduling point: see `sync_point`).

use super::op::OpKind;
use super::point::YieldPoint;
use super::waker::task_waker;
use super::with_executor;
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use coyote_core::strategy::Access;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::task::{Context, Poll};

/// Stack size of a coroutine (virtual memory; pages are touched only as used).
pub(crate) const STACK_SIZE: usize = 1 << 20;

/// Stacks kept for reuse per OS thread.
const POOL: usize = 256;

type Co = Coroutine<(), (), (), DefaultStack>;

/// The running coroutine: its yielder and its context (on its own stack).
#[derive(Clone, Copy)]
struct Running {
    yielder: *const Yielder<(), ()>,
    cx: *mut Context<'static>,
}

const NONE: Running = Running {
    yielder: std::ptr::null(),
    cx: std::ptr::null_mut(),
};

thread_local! {
    static CURRENT: Cell<Running> = const { Cell::new(NONE) };
    static STACKS: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
}

/// A task body on its own stack. See the module docs.
pub(crate) struct Coro {
    co: Option<Co>,
}

impl Coro {
    /// A coroutine that will run `body`, for task `task` of iteration `generation` (its waker).
    pub(crate) fn new(generation: u32, task: u32, body: Box<dyn FnOnce()>) -> Coro {
        let stack = STACKS
            .with(|s| s.borrow_mut().pop())
            .unwrap_or_else(|| DefaultStack::new(STACK_SIZE).expect("a coroutine stack"));
        let co = Coroutine::with_stack(stack, move |yielder: &Yielder<(), ()>, ()| {
            let waker = task_waker(generation, task);
            let mut cx = Context::from_waker(&waker);
            CURRENT.with(|c| {
                c.set(Running {
                    yielder,
                    cx: (&mut cx as *mut Context<'_>).cast::<Context<'static>>(),
                })
            });
            body();
        });
        Coro { co: Some(co) }
    }

    /// Runs the coroutine to its next suspension (`Pending`) or its end (`Ready`); a panic in
    /// it propagates to the caller (and the coroutine is done).
    #[inline(always)]
    pub(crate) fn resume(&mut self) -> Poll<()> {
        let co = self.co.as_mut().expect("a live coroutine");
        let _restore = Restore(CURRENT.with(|c| c.replace(NONE)));
        match co.resume(()) {
            CoroutineResult::Yield(()) => Poll::Pending,
            CoroutineResult::Return(()) => Poll::Ready(()),
        }
    }
}

impl Future for Coro {
    type Output = ();

    /// Resumes the coroutine (its own context holds the task's waker, so `cx` is not used).
    #[inline]
    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().resume()
    }
}

/// Puts back the coroutine that was running before a resume (none, in the run loop).
struct Restore(Running);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

impl Drop for Coro {
    fn drop(&mut self) {
        let Some(mut co) = self.co.take() else { return };
        // Unwinds a suspended coroutine (its destructors run), then keeps its stack.
        co.force_unwind();
        let stack = co.into_stack();
        STACKS.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < POOL {
                s.push(stack);
            }
        });
    }
}

/// Whether the caller runs on a coroutine (a controlled thread, or a task on one).
#[inline]
pub(crate) fn on_coroutine() -> bool {
    !CURRENT.with(|c| c.get()).yielder.is_null()
}

/// Suspends the running coroutine; returns when it is resumed.
#[inline(always)]
fn suspend(running: Running) {
    // SAFETY: `running` was read from `CURRENT` while this coroutine runs: its yielder and
    // context live on this coroutine's stack, which outlives this call.
    unsafe { (*running.yielder).suspend(()) };
    CURRENT.with(|c| c.set(running));
}

/// Drives `f` to completion from synchronous code: on a coroutine, each `Pending` suspends it
/// until the task's waker fires (an ordinary scheduling point). See the module docs for the
/// other cases.
#[inline]
#[track_caller]
pub(crate) fn block_on_current<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    loop {
        let running = CURRENT.with(|c| c.get());
        if running.yielder.is_null() {
            return block_off_coroutine(f);
        }
        // SAFETY: see `suspend`; the context is this coroutine's, valid while it runs.
        let cx = unsafe { &mut *running.cx };
        match f.as_mut().poll(cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => suspend(running),
        }
    }
}

/// `block_on_current` off a coroutine: in production, parks the thread between polls; in a
/// test, in an async task not on a coroutine, asks for coroutines (which restarts the
/// iteration) if `f` is not ready at once.
#[cold]
#[track_caller]
fn block_off_coroutine<F: Future>(mut f: std::pin::Pin<&mut F>) -> F::Output {
    if super::in_test() {
        let waker = futures_util::task::noop_waker_ref();
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(waker)) {
            return v;
        }
        with_executor(|ex| ex.request_coroutines());
        panic!(
            "a blocking operation at {} cannot wait here: it is not on a controlled thread or task (coyote_harness::thread::spawn)",
            Location::caller()
        );
    }
    let thread = std::thread::current();
    let waker = std::task::Waker::from(std::sync::Arc::new(Unparker(thread)));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

struct Unparker(std::thread::Thread);

impl std::task::Wake for Unparker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// A scheduling point in synchronous code before the caller does `kind` at `loc`, touching
/// `access` (see the module docs). Nothing in production, nor while a coroutine is unwound.
///
/// On a coroutine this is the point of `block_on_current(YieldPoint)` without the future: the
/// task declares the point and wakes itself ([`declare_point`], out of line), then suspends
/// right here, inlined into the caller, so that no frame of the harness lies between the
/// caller's code and the switch (see the module docs).
#[inline(always)]
pub(crate) fn sync_point(kind: OpKind, access: Access, loc: &'static Location<'static>) {
    if !super::in_test() {
        return;
    }
    let running = CURRENT.with(|c| c.get());
    if running.yielder.is_null() {
        off_coroutine_point();
    } else if declare_point(kind, access, loc) {
        suspend(running);
    }
}

/// The running task, on a coroutine, stops at a point before `kind` at `loc` touching `access`
/// and wakes itself (what a [`YieldPoint`]'s first poll does); false while it is unwound or
/// with no executor (nothing to suspend for).
#[inline(never)]
fn declare_point(kind: OpKind, access: Access, loc: &'static Location<'static>) -> bool {
    if std::thread::panicking() {
        return false;
    }
    with_executor(|ex| ex.point_and_wake_current(kind, loc, access)).is_some()
}

/// A point reached off a coroutine in test mode: asks for coroutines (restarting the iteration)
/// when an async task is being polled.
#[cold]
fn off_coroutine_point() {
    if std::thread::panicking() {
        return;
    }
    with_executor(|ex| ex.request_coroutines());
}

/// A scheduling point only where it costs no restart: on a coroutine (a thread, or a task of a
/// run on coroutines). For operations of the async primitives that are no points in plain async
/// tests (making a `Notified`, `notify_waiters`), but race with an atomic's access once the
/// test has them.
#[inline]
pub(crate) fn point_on_coroutine(kind: OpKind, access: Access, loc: &'static Location<'static>) {
    if on_coroutine() && !std::thread::panicking() {
        block_on_current(YieldPoint::with_access(kind, loc, access));
    }
}
