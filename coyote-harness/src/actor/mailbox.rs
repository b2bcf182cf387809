//! An actor's inbox: the queue its addresses fill and its run loop empties.
//!
//! Invariants:
//!
//! * events of one sender arrive in the order it sent them; the order of events from several
//!   senders is the order of their sends, and every send is a scheduling point (declared as a
//!   write of the inbox, by the address that sends), so the strategy explores which sender's
//!   event comes first;
//! * every dequeue is a scheduling point too (a write of the inbox), also when an event is
//!   already waiting, so another task may run between two events an actor handles; a dequeue
//!   that may find the inbox empty without waiting (a state with a default handler) makes its
//!   point *before* it looks, so what other tasks send meanwhile is seen;
//! * the built-in halt event ([`Envelope::Halt`]) is queued in order like any event; only the
//!   run loop takes it (a `receive` inside a handler skips it);
//! * the queue's `std` mutex is only held to push or take an event, never across an `.await`
//!   or user code (a `wanted` filter is a pure function of the event, declared as such);
//! * `senders` counts the live addresses; when it drops to zero the actor is woken, and it
//!   stops once its inbox is empty (nothing could ever reach it again);
//! * after the actor halts, its queued events and every later send are dropped (logged, and
//!   counted as dropped for `--coverage`); in production a send does not look at `halted`: the
//!   actor's `finish` sets it, then closes the queue and drains it (what was sent meanwhile
//!   is dropped there), and a send to a closed queue drops its event;
//! * in production the queue and waker are not used: events go into the mailbox's production
//!   queue (`queue`), which only the actor's task pops (see `inbox`), and a "changed" is a
//!   wake-up letter pushed on it;
//! * `id` is the actor's id: its task's id in tests (deterministic, so a replay shows the same
//!   ids), a process-wide counter in production; it is set before any address is handed out.

use super::inbox::{Inbox, Letter};
use super::queue::Queue;
use super::timer::{Sent, Timers};
use crate::rt::{in_test, with_executor, writes, Activity, Controlled, OpKind, YieldPoint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};

/// What a test-mode inbox holds: a user event (with who sent it, for the timers), or the
/// built-in halt event. (The production queue carries [`Letter`]s.)
pub(crate) enum Envelope<E> {
    Event(E, Sent),
    Halt,
}

/// An envelope taken out of the inbox (the timers told).
enum Taken<E> {
    Event(E),
    Halt,
}

/// What a dequeue found.
pub(crate) enum Dequeued<E> {
    /// An event the filter accepted.
    Event(E),
    /// The built-in halt event.
    Halt,
    /// Nothing accepted was queued (only when the dequeue asked not to wait).
    Idle,
    /// No address is left and nothing accepted is queued.
    Orphaned,
}

/// How a dequeue waits.
#[derive(Clone, Copy)]
pub(crate) struct Wait {
    /// Return [`Dequeued::Orphaned`] when no address is left (instead of waiting for ever).
    pub(crate) until_orphaned: bool,
    /// Return [`Dequeued::Idle`] instead of waiting (the state has a default handler).
    pub(crate) or_idle: bool,
}

/// Ids of actors made outside tests (in tests an actor's id is its task's).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What an actor's addresses and its own context share.
pub(crate) struct Mailbox<E> {
    /// The actor's type name, for the log.
    pub(crate) name: &'static str,
    id: AtomicU64,
    /// Each event with the timer (or tick's handler) that sent it, if one did (test mode).
    queue: Mutex<VecDeque<Envelope<E>>>,
    /// In production, the inbox is this queue instead (popped by the actor's `Inbox` only).
    pub(crate) prod: Option<Queue<E>>,
    /// The actor's timers (see `timer`).
    pub(crate) timers: Timers<E>,
    halted: AtomicBool,
    pub(crate) senders: AtomicUsize,
    /// Bumped by every delivery and when the last address goes: a waiting actor wakes when
    /// it changed since it looked at its inbox.
    version: AtomicU64,
    waiter: Mutex<Option<Waker>>,
}

impl<E> Mailbox<E> {
    /// Something the waiting actor must look at happened: wake it.
    pub(crate) fn changed(&self) {
        if let Some(queue) = &self.prod {
            let _ = queue.push(Letter::Wake);
            return;
        }
        self.version.fetch_add(1, Ordering::AcqRel);
        let waiter = self.waiter.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(waker) = waiter {
            waker.wake();
        }
    }

    /// The actor's id (see the module docs).
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        self.id.load(Ordering::Relaxed)
    }

    /// `Name(id)`, as the log names the actor.
    pub(crate) fn label(&self) -> Label<'_, E> {
        Label(self)
    }

    pub(crate) fn is_halted(&self) -> bool {
        self.halted.load(Ordering::Acquire)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Envelope<E>>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<E: Send + fmt::Debug + 'static> Mailbox<E> {
    /// A mailbox, and in production the actor's side of its inbox.
    pub(crate) fn new(name: &'static str) -> (Self, Option<Inbox<E>>) {
        let test = in_test();
        let (prod, inbox) = if test {
            (None, None)
        } else {
            (Some(Queue::new()), Some(Inbox::new()))
        };
        let mailbox = Mailbox {
            name,
            id: AtomicU64::new(if test {
                0
            } else {
                NEXT_ID.fetch_add(1, Ordering::Relaxed)
            }),
            queue: Mutex::new(VecDeque::new()),
            prod,
            timers: Timers::new(),
            halted: AtomicBool::new(false),
            senders: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            waiter: Mutex::new(None),
        };
        (mailbox, inbox)
    }

    /// Queues `env`: on the production queue (dropped if the actor ended), else in `queue`.
    #[inline(always)]
    fn push(&self, env: Envelope<E>) {
        match &self.prod {
            // Production: the tick an event holds is test-mode only (see `Sent`).
            Some(queue) => {
                let _ = queue.push(Letter::from(env));
            }
            None => {
                self.queue().push_back(env);
                self.changed();
            }
        }
    }

    /// In tests, the actor's id becomes its task's.
    pub(crate) fn set_task(&self, task: Option<u32>) {
        if let Some(task) = task {
            self.id.store(u64::from(task), Ordering::Relaxed);
        }
    }

    /// Puts `event` in the inbox (or drops it if the actor halted) and wakes the actor.
    #[inline]
    pub(crate) fn deliver(&self, event: E) {
        if let Some(queue) = &self.prod {
            // Production: no step log, no coverage, and no tick is held (real time paces it).
            // No halted check either: the queue drops what a halted actor is sent (see the
            // module docs).
            let _ = queue.push(Letter::Event(event));
            return;
        }
        self.deliver_from(event, Sent::by_running_task());
    }

    /// A production send: delivers what `event` holds (taken out, if anything) and returns
    /// `true`; `false` (nothing taken) for a test-mode inbox, whose sends are scheduling points.
    #[inline(always)]
    pub(crate) fn deliver_now(&self, event: &mut Option<E>) -> bool {
        let Some(queue) = &self.prod else {
            return false;
        };
        if let Some(event) = event.take() {
            // As `deliver`: no halted check (see the module docs).
            let _ = queue.push(Letter::Event(event));
        }
        true
    }

    /// Whether this inbox belongs to a controlled test (else to a production actor).
    #[inline]
    pub(crate) fn is_test(&self) -> bool {
        self.prod.is_none()
    }

    /// [`deliver`](Self::deliver) of an event `sent` by a timer, or by a tick's handler.
    #[inline(always)]
    pub(crate) fn deliver_from(&self, event: E, sent: Sent) {
        if self.is_halted() {
            sent.dropped();
            note(format_args!("drop {event:?}: {} halted", self.label()));
            count(self.name, Activity::Dropped, &event);
            return;
        }
        note(format_args!("send {event:?} to {}", self.label()));
        self.push(Envelope::Event(event, sent));
    }

    /// Queues the built-in halt event (nothing if the actor halted already).
    pub(crate) fn deliver_halt(&self) {
        if self.is_halted() {
            note(format_args!("drop HaltEvent: {} halted", self.label()));
            return;
        }
        note(format_args!("send HaltEvent to {}", self.label()));
        self.push(Envelope::Halt);
    }

    /// Puts `event` back at the front of the inbox (a raised event its state defers).
    pub(crate) fn requeue_front(&self, event: E) {
        let sent = Sent {
            timer: None,
            origin: None,
        };
        self.queue().push_front(Envelope::Event(event, sent));
        self.changed();
    }

    /// The first queued envelope `wanted` accepts (the halt event if `halts`), taken out; the
    /// timers learn who sent it.
    fn take(&self, halts: bool, wanted: &mut impl FnMut(&E) -> bool) -> Option<Taken<E>> {
        let env = {
            let mut queue = self.queue();
            let at = queue.iter().position(|env| match env {
                Envelope::Event(e, _) => wanted(e),
                Envelope::Halt => halts,
            })?;
            queue.remove(at)?
        };
        Some(match env {
            Envelope::Event(e, sent) => {
                self.timers.taken(sent);
                Taken::Event(e)
            }
            Envelope::Halt => Taken::Halt,
        })
    }

    /// The run loop's dequeue: the first event `wanted` accepts, or the halt event (others
    /// stay queued, in order). A scheduling point at `loc`: the wait, when nothing it accepts
    /// is queued (the task resumes when the strategy picks it after a send); else a point right
    /// after the take (only this actor takes from its inbox, so taking first changes nothing
    /// another task can see, and scans the queue once); with `or_idle`, a point before it looks.
    pub(crate) async fn next(
        &self,
        loc: &'static Location<'static>,
        wait: Wait,
        mut wanted: impl FnMut(&E) -> bool,
    ) -> Dequeued<E> {
        let test = in_test();
        if wait.until_orphaned {
            // The dispatcher asks for the next event: the handler of the last one returned.
            self.timers.handled();
        }
        if wait.or_idle {
            if test {
                YieldPoint::with_access(OpKind::ActorReceive, loc, writes(self)).await;
            }
            return match self.take(true, &mut wanted) {
                Some(Taken::Event(e)) => Dequeued::Event(e),
                Some(Taken::Halt) => Dequeued::Halt,
                None => {
                    if !test {
                        // A default handler runs in a loop: let other tokio tasks run.
                        tokio::task::yield_now().await;
                    }
                    Dequeued::Idle
                }
            };
        }
        let mut waited = false;
        loop {
            let seen = self.version.load(Ordering::Acquire);
            if let Some(env) = self.take(true, &mut wanted) {
                if !waited && test {
                    YieldPoint::with_access(OpKind::ActorReceive, loc, writes(self)).await;
                }
                return match env {
                    Taken::Event(e) => Dequeued::Event(e),
                    Taken::Halt => Dequeued::Halt,
                };
            }
            if wait.until_orphaned
                && self.senders.load(Ordering::Acquire) == 0
                && !self.timers.any_live()
            {
                return Dequeued::Orphaned;
            }
            self.arrival(seen, loc).await;
            waited = true;
        }
    }

    /// `Context::receive`'s dequeue: waits for the first event `wanted` accepts, skipping the
    /// halt event (handled by the run loop after the handler). Points as [`Mailbox::next`].
    pub(crate) async fn receive(
        &self,
        loc: &'static Location<'static>,
        mut wanted: impl FnMut(&E) -> bool,
    ) -> E {
        let mut waited = false;
        loop {
            let seen = self.version.load(Ordering::Acquire);
            if let Some(Taken::Event(e)) = self.take(false, &mut wanted) {
                if !waited && in_test() {
                    YieldPoint::with_access(OpKind::ActorReceive, loc, writes(self)).await;
                }
                return e;
            }
            self.arrival(seen, loc).await;
            waited = true;
        }
    }

    /// Blocks until the inbox changes after version `seen` (a scheduling point in tests).
    fn arrival(&self, seen: u64, loc: &'static Location<'static>) -> impl Future<Output = ()> + '_ {
        let arrival = Arrival {
            mailbox: self,
            seen,
        };
        Controlled::blocking(arrival, OpKind::ActorReceive, loc, writes(self))
    }

    /// Marks the actor halted and takes its queued events out, for the caller to drop (outside
    /// the lock: the events' destructors are user code).
    pub(crate) fn halt(&self) -> Vec<E> {
        self.halted.store(true, Ordering::Release);
        self.timers.close();
        if !self.is_test() {
            // The production inbox is the queue, which the actor's `finish` drains.
            return Vec::new();
        }
        let queued = std::mem::take(&mut *self.queue());
        queued
            .into_iter()
            .filter_map(|env| match env {
                Envelope::Event(e, sent) => {
                    sent.dropped();
                    Some(e)
                }
                Envelope::Halt => None,
            })
            .collect()
    }
}

/// The [`Display`](fmt::Display) of [`Mailbox::label`] (formats without allocating).
pub(crate) struct Label<'a, E>(&'a Mailbox<E>);

impl<E> fmt::Display for Label<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.0.name, self.0.id())
    }
}

/// Ready once the mailbox changed since version `seen`.
struct Arrival<'a, E> {
    mailbox: &'a Mailbox<E>,
    seen: u64,
}

impl<E> Future for Arrival<'_, E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let mailbox = self.mailbox;
        if mailbox.version.load(Ordering::Acquire) != self.seen {
            return Poll::Ready(());
        }
        *mailbox.waiter.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        // A delivery between the check and the registration found no waker: look again.
        if mailbox.version.load(Ordering::Acquire) != self.seen {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Adds a line to the step log in test mode; nothing (not even formatting) in production.
pub(crate) fn note(text: fmt::Arguments<'_>) {
    with_executor(|ex| ex.note(text));
}

/// Counts, for coverage, what an actor of type `actor` did with `name` (an event or state).
pub(crate) fn count(actor: &str, what: Activity, name: &dyn fmt::Debug) {
    count_n(actor, what, name, 1);
}

/// [`count`] with a number: 0 declares a state (listed, never entered, if it stays at 0).
pub(crate) fn count_n(actor: &str, what: Activity, name: &dyn fmt::Debug, n: u64) {
    with_executor(|ex| {
        if ex.counts_activity() {
            ex.count_activity(actor, what, name, n);
        }
    });
}

/// Counts, for coverage, a transition of a machine of type `actor`.
pub(crate) fn count_transition(actor: &str, from: &dyn fmt::Debug, to: &dyn fmt::Debug) {
    with_executor(|ex| {
        if ex.counts_activity() {
            ex.count_transition(actor, from, to);
        }
    });
}

/// Shares `mailbox` as the inbox of one more address.
pub(crate) fn share<E>(mailbox: &Arc<Mailbox<E>>) -> Arc<Mailbox<E>> {
    mailbox.senders.fetch_add(1, Ordering::AcqRel);
    mailbox.clone()
}

/// One address of `mailbox` is gone.
pub(crate) fn unshare<E>(mailbox: &Mailbox<E>) {
    if mailbox.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
        // The actor may wait on an empty inbox that nothing can fill now.
        mailbox.changed();
    }
}
