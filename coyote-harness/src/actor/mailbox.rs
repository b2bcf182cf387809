//! An actor's inbox and the address that sends to it.
//!
//! Invariants:
//!
//! * events of one sender arrive in the order it sent them; the order of events from several
//!   senders is the order of their sends, and every send is a scheduling point (declared as a
//!   write of the inbox), so the strategy explores which sender's event comes first;
//! * every dequeue is a scheduling point too (a write of the inbox), also when an event is
//!   already waiting, so another task may run between two events an actor handles;
//! * the queue's `std` mutex is only held to push or take an event, never across an `.await`
//!   or user code;
//! * `senders` counts the live [`ActorRef`]s; when it drops to zero the actor is woken, and it
//!   stops once its inbox is empty (nothing could ever reach it again);
//! * after the actor halts, its queued events and every later send are dropped (logged, and
//!   counted as dropped for `--coverage`).

use super::timer::{Sent, Timers};
use crate::rt::{in_test, with_executor, writes, Activity, Controlled, OpKind, YieldPoint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};

/// What an actor's address and its own context share.
pub(crate) struct Mailbox<E> {
    /// The actor's type name, for the log.
    pub(crate) name: &'static str,
    /// The actor's task in test mode (`u32::MAX` before it is known, and in production).
    task: AtomicU32,
    /// Each event with the timer that sent it, if one did.
    queue: Mutex<VecDeque<(E, Sent)>>,
    /// The actor's timers (see `timer`).
    pub(crate) timers: Timers<E>,
    halted: AtomicBool,
    senders: AtomicUsize,
    /// Bumped by every delivery and when the last address goes: a waiting actor wakes when
    /// it changed since it looked at its inbox.
    version: AtomicU64,
    waiter: Mutex<Option<Waker>>,
}

impl<E> Mailbox<E> {
    /// `Name (task N)` in tests, `Name` in production.
    pub(crate) fn label(&self) -> Label<'_, E> {
        Label(self)
    }

    /// Something the waiting actor must look at happened: wake it.
    fn changed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        let waiter = self.waiter.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(waker) = waiter {
            waker.wake();
        }
    }
}

impl<E: Send + fmt::Debug + 'static> Mailbox<E> {
    pub(crate) fn new(name: &'static str) -> Self {
        Mailbox {
            name,
            task: AtomicU32::new(u32::MAX),
            queue: Mutex::new(VecDeque::new()),
            timers: Timers::new(),
            halted: AtomicBool::new(false),
            senders: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            waiter: Mutex::new(None),
        }
    }

    pub(crate) fn set_task(&self, task: Option<u32>) {
        if let Some(task) = task {
            self.task.store(task, Ordering::Relaxed);
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<(E, Sent)>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts `event` in the inbox (or drops it if the actor halted) and wakes the actor.
    pub(crate) fn deliver(&self, event: E) {
        self.deliver_from(event, Sent::by_running_task());
    }

    /// [`deliver`](Self::deliver) of an event `sent` by a timer, or by a tick's handler.
    pub(crate) fn deliver_from(&self, event: E, sent: Sent) {
        if self.halted.load(Ordering::Acquire) {
            sent.dropped();
            note(format_args!("drop {event:?}: {} halted", self.label()));
            count(self.name, Activity::Dropped, &event);
            return;
        }
        note(format_args!("send {event:?} to {}", self.label()));
        self.queue().push_back((event, sent));
        self.changed();
    }

    /// The first queued event `wanted` accepts, taken out of the inbox.
    fn take(&self, wanted: &mut impl FnMut(&E) -> bool) -> Option<E> {
        let (event, sent) = {
            let mut queue = self.queue();
            let at = queue.iter().position(|(e, _)| wanted(e))?;
            queue.remove(at)?
        };
        self.timers.taken(sent);
        Some(event)
    }

    /// Waits for the first event `wanted` accepts (others stay queued, in order); `None` when
    /// no address is left and nothing it accepts is queued, if `until_orphaned`. The dequeue is
    /// a scheduling point at `loc`: the wait, when nothing it accepts is queued (the task
    /// resumes when the strategy picks it after a send); else a point right after the take
    /// (only this actor takes from its inbox, so taking first changes nothing another task
    /// can see, and scans the queue once).
    pub(crate) async fn next(
        &self,
        loc: &'static Location<'static>,
        until_orphaned: bool,
        mut wanted: impl FnMut(&E) -> bool,
    ) -> Option<E> {
        if until_orphaned {
            // The dispatcher asks for the next event: the handler of the last one returned.
            self.timers.handled();
        }
        let mut waited = false;
        loop {
            let seen = self.version.load(Ordering::Acquire);
            if let Some(event) = self.take(&mut wanted) {
                if !waited && in_test() {
                    YieldPoint::with_access(OpKind::ActorReceive, loc, writes(self)).await;
                }
                return Some(event);
            }
            if until_orphaned
                && self.senders.load(Ordering::Acquire) == 0
                && !self.timers.any_live()
            {
                return None;
            }
            let arrival = Arrival {
                mailbox: self,
                seen,
            };
            Controlled::blocking(arrival, OpKind::ActorReceive, loc, writes(self)).await;
            waited = true;
        }
    }

    /// Marks the actor halted and takes what is queued out, for the caller to drop (outside
    /// the lock: the events' destructors are user code).
    pub(crate) fn halt(&self) -> Vec<E> {
        self.halted.store(true, Ordering::Release);
        self.timers.close();
        let queued = std::mem::take(&mut *self.queue());
        queued
            .into_iter()
            .map(|(e, sent)| {
                sent.dropped();
                e
            })
            .collect()
    }

    pub(crate) fn is_halted(&self) -> bool {
        self.halted.load(Ordering::Acquire)
    }
}

/// The [`Display`](fmt::Display) of [`Mailbox::label`] (formats without allocating).
pub(crate) struct Label<'a, E>(&'a Mailbox<E>);

impl<E> fmt::Display for Label<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.task.load(Ordering::Relaxed) {
            u32::MAX => f.write_str(self.0.name),
            task => write!(f, "{} (task {task})", self.0.name),
        }
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

/// The address of an actor whose events are `E`: send it events from any task. Cheap to clone;
/// when the last address of an actor is dropped and its inbox is empty, the actor stops.
pub struct ActorRef<E> {
    pub(crate) mailbox: Arc<Mailbox<E>>,
}

impl<E: Send + fmt::Debug + 'static> ActorRef<E> {
    pub(crate) fn new(mailbox: Arc<Mailbox<E>>) -> Self {
        mailbox.senders.fetch_add(1, Ordering::AcqRel);
        ActorRef { mailbox }
    }

    /// Sends `event`: it joins the end of the actor's inbox. A scheduling point in tests (so
    /// the order of events from different senders is explored); ready at once in production.
    /// An event sent to a halted actor is dropped, as Coyote does.
    #[track_caller]
    pub fn send(&self, event: E) -> impl Future<Output = ()> + Send + '_ {
        let loc = Location::caller();
        let point = in_test()
            .then(|| YieldPoint::with_access(OpKind::ActorSend, loc, writes(&*self.mailbox)));
        async move {
            if let Some(point) = point {
                point.await;
            }
            self.mailbox.deliver(event);
        }
    }

    /// Whether the actor has halted (its events are dropped).
    pub fn is_halted(&self) -> bool {
        self.mailbox.is_halted()
    }

    /// The actor's type name (as in the step log).
    pub fn name(&self) -> &'static str {
        self.mailbox.name
    }
}

impl<E> Clone for ActorRef<E> {
    fn clone(&self) -> Self {
        self.mailbox.senders.fetch_add(1, Ordering::AcqRel);
        ActorRef {
            mailbox: self.mailbox.clone(),
        }
    }
}

impl<E> Drop for ActorRef<E> {
    fn drop(&mut self) {
        if self.mailbox.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The actor may wait on an empty inbox that nothing can fill now.
            self.mailbox.changed();
        }
    }
}

impl<E> fmt::Debug for ActorRef<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorRef")
            .field("actor", &self.mailbox.name)
            .field("task", &self.mailbox.task.load(Ordering::Relaxed))
            .finish()
    }
}
