//! The production run loop of an [`Actor`]: one hand-written future per actor, whose `poll`
//! drains the inbox and runs the handlers in a loop, with no `async` layer, allocation or
//! dynamic call per event (test mode keeps the `async` loop in `actor.rs`, with its scheduling
//! points and step log).
//!
//! The handlers' futures borrow the actor and its context, so both live in a heap block of
//! their own ([`Parts`], allocated once per actor), which the future points to; a handler's
//! future, typed for `'static` borrows of that block, is kept in the loop's own state.
//!
//! Invariants:
//!
//! * `parts` is a `Box<Parts<A>>` turned into a pointer by [`Running::new`] and freed by `drop`,
//!   after the start or handler future in `step` (which borrows it) is dropped;
//! * while `step` holds a start or handler future, that future is the only user of `parts`:
//!   the loop reads the context (halting, the inbox) only in [`Step::Idle`], between two
//!   handlers, and makes a handler's two borrows from the pointer, disjoint;
//! * the futures in `step` are pinned: `Running` is `!Unpin`, a future is polled in place, and
//!   leaves `step` only by being dropped in place (an assignment to `step`);
//! * the semantics are those of the test-mode loop: `on_start` first, then one event at a time
//!   until the actor halts (its context, or the halt event) or nothing can reach it; the timers
//!   are told when a handler returned, once per dequeue;
//! * while the context's `care` is 0 (not halting, no timer started, nothing deferred) the
//!   loop takes the queue's next letter directly (`Context::poll_plain`) and skips the
//!   timers; otherwise it takes the general path (`Context::poll_next`). The start and the end
//!   are out of line (`poll_start`, `Context::finish`);
//! * a poll makes at most [`BUDGET`] dequeues, then wakes its task and returns `Pending`: the
//!   production queue has no cooperative budget, and an actor that always finds an event
//!   must still let the other tasks of its thread run.

use super::context::{Context, TIMERS};
use super::mailbox::Dequeued;
use super::Actor;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context as TaskContext, Poll};

/// Dequeues per poll of an actor's task before it yields (as tokio's cooperative budget of
/// 128 units per poll, which a receive from a tokio channel consumes).
const BUDGET: u32 = 128;

/// The production body of `actor`'s task.
pub(crate) fn run<A: Actor>(
    actor: A,
    ctx: Context<A::Event>,
) -> impl Future<Output = ()> + Send + 'static {
    Running::new(
        actor,
        ctx,
        |a: &'static mut A, c| a.on_start(c),
        |a: &'static mut A, c, e| a.handle(c, e),
    )
}

/// What the actor's future owns on the heap: the actor and its context.
struct Parts<A: Actor> {
    actor: A,
    ctx: Context<A::Event>,
}

/// Where the loop is.
enum Step<S, F> {
    /// `on_start` has not been called.
    Start,
    /// `on_start`'s future runs.
    Starting(S),
    /// Between two handlers: the next poll looks at the inbox.
    Idle,
    /// A handler's future runs.
    Handling(F),
    /// The actor ended.
    Done,
}

/// An actor's production task (see the module docs).
struct Running<A: Actor, S, F, MS, MF> {
    parts: NonNull<Parts<A>>,
    step: Step<S, F>,
    /// Makes `on_start`'s future (taken at the first poll).
    start: Option<MS>,
    /// Makes a handler's future.
    handle: MF,
    _pinned: PhantomPinned,
}

// SAFETY: `Running` owns `parts` (a `Box` held as a pointer) and the futures that borrow it;
// sending it sends them all, and each is `Send`.
unsafe impl<A: Actor, S: Send, F: Send, MS: Send, MF: Send> Send for Running<A, S, F, MS, MF> {}

type Borrowed<A> = (&'static mut A, &'static mut Context<<A as Actor>::Event>);

impl<A, S, F, MS, MF> Running<A, S, F, MS, MF>
where
    A: Actor,
    S: Future<Output = ()>,
    F: Future<Output = ()>,
    MS: FnOnce(&'static mut A, &'static mut Context<A::Event>) -> S,
    MF: FnMut(&'static mut A, &'static mut Context<A::Event>, A::Event) -> F,
{
    fn new(actor: A, ctx: Context<A::Event>, start: MS, handle: MF) -> Self {
        let parts = Box::new(Parts { actor, ctx });
        Running {
            parts: NonNull::from(Box::leak(parts)),
            step: Step::Start,
            start: Some(start),
            handle,
            _pinned: PhantomPinned,
        }
    }

    /// The actor and its context, for a start or handler future to borrow.
    ///
    /// SAFETY: only while `step` holds no future (the previous borrows were dropped with it),
    /// and the borrows must be dropped before `parts` is freed (they go into `step`, which
    /// `drop` clears first).
    unsafe fn borrow(&mut self) -> Borrowed<A> {
        let p = self.parts.as_ptr();
        // SAFETY: `p` is the live, exclusively owned `Box` (see the caller's contract); the two
        // borrows are of disjoint fields.
        unsafe { (&mut (*p).actor, &mut (*p).ctx) }
    }

    /// The context, between two handlers.
    ///
    /// SAFETY: only while `step` holds no future.
    unsafe fn ctx(&mut self) -> &mut Context<A::Event> {
        // SAFETY: as `borrow`.
        unsafe { &mut (*self.parts.as_ptr()).ctx }
    }

    /// The handler (or `on_start`) in `step` returned: drops it in place, leaves `Idle`, and
    /// tells the timers if the actor has any.
    #[inline(always)]
    fn handled(&mut self) {
        idle(&mut self.step);
        // SAFETY: the finished future, and its borrows, were just dropped.
        let ctx = unsafe { self.ctx() };
        if ctx.care() & TIMERS != 0 {
            ctx.mailbox.timers.handled();
        }
    }

    /// A dequeue that found no event (out of the hot path): the halt event halts the actor;
    /// an orphaned actor ends (`true`).
    #[inline(never)]
    fn other(&mut self, found: Dequeued<A::Event>) -> bool {
        // SAFETY: called between two handlers (no future in `step`).
        let ctx = unsafe { self.ctx() };
        match found {
            Dequeued::Halt => {
                ctx.halt();
                false
            }
            Dequeued::Orphaned | Dequeued::Idle => {
                ctx.finish(true);
                self.step = Step::Done;
                true
            }
            Dequeued::Event(_) => unreachable!("events are handled in `poll`"),
        }
    }

    /// The steps before the first event (out of the hot path): runs `on_start`; ready with
    /// whether the loop goes on (`false` once the actor is done).
    #[inline(never)]
    fn poll_start(&mut self, cx: &mut TaskContext<'_>) -> Poll<bool> {
        loop {
            match &mut self.step {
                Step::Start => {
                    let start = self.start.take().expect("started once");
                    // SAFETY: no future in `step`; the borrows go into it.
                    let (actor, ctx) = unsafe { self.borrow() };
                    self.step = Step::Starting(start(actor, ctx));
                }
                Step::Starting(start) => {
                    // SAFETY: as a handler's (the module's invariants).
                    ready!(unsafe { Pin::new_unchecked(start) }.poll(cx));
                    self.handled();
                    return Poll::Ready(true);
                }
                Step::Idle | Step::Handling(_) => return Poll::Ready(true),
                Step::Done => return Poll::Ready(false),
            }
        }
    }
}

impl<A, S, F, MS, MF> Future for Running<A, S, F, MS, MF>
where
    A: Actor,
    S: Future<Output = ()>,
    F: Future<Output = ()>,
    MS: FnOnce(&'static mut A, &'static mut Context<A::Event>) -> S,
    MF: FnMut(&'static mut A, &'static mut Context<A::Event>, A::Event) -> F,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self`; the futures in `step` are polled in place
        // and only dropped in place (the module's invariants).
        let this = unsafe { self.get_unchecked_mut() };
        // The dequeues this poll may make before it yields (see the module docs).
        let mut budget = BUDGET;
        loop {
            // One place polls a handler's future (so that the compiler may inline it): a new
            // one comes back here from the dequeue below.
            match &mut this.step {
                Step::Handling(handler) => {
                    // SAFETY: `handler` is pinned in `step` (the module's invariants).
                    ready!(unsafe { Pin::new_unchecked(handler) }.poll(cx));
                    this.handled();
                }
                Step::Idle => {}
                Step::Start | Step::Starting(_) | Step::Done => {
                    if !ready!(this.poll_start(cx)) {
                        return Poll::Ready(());
                    }
                }
            }
            // `step` is `Idle` here, between two handlers.
            if budget == 0 {
                // Let the other tasks run; this one is polled again.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            budget -= 1;
            // SAFETY: no future in `step`.
            let ctx = unsafe { this.ctx() };
            let next = if ctx.care() == 0 {
                // SAFETY: this loop is the production one (see `run`'s caller, `actor::start`).
                unsafe { ctx.poll_plain(cx) }
            } else {
                if ctx.is_halting() {
                    ctx.finish(false);
                    this.step = Step::Done;
                    return Poll::Ready(());
                }
                ctx.poll_next(cx, true, &mut |_| true)
            };
            // Two plain branches for the usual cases (an event, or nothing yet); the rest out
            // of line.
            let event = match next {
                Poll::Ready(Dequeued::Event(event)) => event,
                Poll::Pending => return Poll::Pending,
                Poll::Ready(other) => {
                    if this.other(other) {
                        return Poll::Ready(());
                    }
                    continue;
                }
            };
            // SAFETY: no future in `step`; the borrows go into it.
            let (actor, ctx) = unsafe { this.borrow() };
            let handler = (this.handle)(actor, ctx, event);
            // SAFETY: `step` is `Idle` (nothing to drop) and the handler's future is written in
            // place, where it is pinned from now on (polled at the top of the loop).
            unsafe { std::ptr::write(&mut this.step, Step::Handling(handler)) };
        }
    }
}

/// Drops the finished future in `step` in place and leaves [`Step::Idle`] there (also when the
/// future's destructor panics). What `*step = Step::Idle` does, without the drop of a whole
/// `Step` (a call per event).
#[inline]
fn idle<S, F>(step: &mut Step<S, F>) {
    /// Writes `Idle` over the step whose future was dropped.
    struct Overwrite<'a, S, F>(&'a mut Step<S, F>);
    impl<S, F> Drop for Overwrite<'_, S, F> {
        fn drop(&mut self) {
            // SAFETY: the future in the step was dropped in place (below): it is overwritten
            // without being dropped again.
            unsafe { std::ptr::write(self.0, Step::Idle) }
        }
    }
    let step = Overwrite(step);
    match &mut *step.0 {
        // SAFETY: pinned futures are dropped in place, once (`Overwrite` replaces them).
        Step::Handling(handler) => unsafe { std::ptr::drop_in_place(handler) },
        // SAFETY: as a handler's.
        Step::Starting(start) => unsafe { std::ptr::drop_in_place(start) },
        Step::Start | Step::Idle | Step::Done => {}
    }
}

impl<A: Actor, S, F, MS, MF> Drop for Running<A, S, F, MS, MF> {
    fn drop(&mut self) {
        // The futures that borrow `parts` first (dropped in place), then `parts`.
        self.step = Step::Done;
        // SAFETY: made by `Box::leak` in `new`, freed only here, and nothing borrows it now.
        drop(unsafe { Box::from_raw(self.parts.as_ptr()) });
    }
}
