//! What an actor's handlers get: its own address, halting, receiving inside a handler, and
//! timers.
//!
//! Invariants:
//!
//! * timers are the actor's own (see `timer` for their model): the context starts and stops
//!   them, and names the timer of the event being handled; halting stops every timer;
//! * a context holds the actor's inbox but is not one of its addresses: an actor whose last
//!   [`ActorRef`] is gone stops even though its context lives on;
//! * `care` is a superset of what the production run loop must look at between two events:
//!   [`HALTING`] once `halt` was called, [`TIMERS`] once a timer was started, [`DEFERRED`] once
//!   an event may wait in the inbox's own queue (a `receive` or a requeue). A bit, once set,
//!   stays; while `care` is 0 the loop takes the queue's events as they come (`poll_plain`);
//! * in production, the mailbox's queue is closed when the context goes (the actor's task
//!   ended or was dropped): nothing is sent to an actor that cannot run.

use super::address::{ActorId, ActorRef};
use super::inbox::Inbox;
use super::mailbox::{count, note, Dequeued, Mailbox, Wait};
use super::timer::{Make as TimerEvent, TimerId, Timers};
use crate::rt::Activity;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

/// An actor's view of itself, passed to its handlers.
pub struct Context<E> {
    pub(crate) mailbox: Arc<Mailbox<E>>,
    /// The receiving end of the inbox in production (`None` in tests, where the mailbox queues).
    inbox: Option<Inbox<E>>,
    /// Where the actor was created: its dequeues are logged there.
    pub(crate) loc: &'static Location<'static>,
    /// What the run loop must look at between two events (see the module docs).
    care: u8,
}

/// [`Context::halt`] was called.
pub(crate) const HALTING: u8 = 1;
/// A timer was started: the timers are told of every dequeue and handler's end.
pub(crate) const TIMERS: u8 = 2;
/// Events may wait in the production inbox's own queue.
pub(crate) const DEFERRED: u8 = 4;

impl<E: Send + fmt::Debug + 'static> Context<E> {
    pub(crate) fn new(
        mailbox: Arc<Mailbox<E>>,
        inbox: Option<Inbox<E>>,
        loc: &'static Location<'static>,
    ) -> Self {
        Context {
            mailbox,
            inbox,
            loc,
            care: 0,
        }
    }

    /// The actor's own address (to hand to other actors, or to send itself an event).
    pub fn me(&self) -> ActorRef<E> {
        ActorRef::new(&self.mailbox)
    }

    /// The actor's identity (`Server(2)`, as the step log names it).
    pub fn id(&self) -> ActorId {
        self.me().id()
    }

    /// Halts the actor when the running handler returns: its timers stop, its queued events
    /// and every event sent to it later are dropped. (A state machine can also return
    /// `Transition::Halt`; another task halts an actor with [`ActorRef::send_halt`].)
    pub fn halt(&mut self) {
        self.care |= HALTING;
    }

    /// Whether [`halt`](Context::halt) was called.
    #[inline]
    pub fn is_halting(&self) -> bool {
        self.care & HALTING != 0
    }

    /// What the run loop must look at between two events (see the module docs).
    #[inline]
    pub(crate) fn care(&self) -> u8 {
        self.care
    }

    /// Waits, inside a handler, for the first event `wanted` accepts; the events it skips stay
    /// in the inbox, in order, for the handlers after this one. A scheduling point.
    #[track_caller]
    pub fn receive<'a>(
        &'a mut self,
        wanted: impl FnMut(&E) -> bool + Send + 'a,
    ) -> impl Future<Output = E> + Send + 'a {
        let loc = Location::caller();
        // What the production inbox skips now waits in its own queue.
        self.care |= DEFERRED;
        async move {
            let event = match &mut self.inbox {
                None => self.mailbox.receive(loc, wanted).await,
                Some(inbox) => match inbox.receive(&self.mailbox, wanted).await {
                    Some(event) => event,
                    None => std::future::pending().await,
                },
            };
            note(format_args!("{} receives {event:?}", self.mailbox.label()));
            event
        }
    }

    /// Sends `event` to the actor itself after `after`; returns the timer's id, which the event
    /// carries ([`timer_id`](Context::timer_id)) and [`stop_timer`](Context::stop_timer) takes.
    /// In tests `after` is virtual time, and the timer fires when the strategy picks it, once no
    /// timer with an earlier deadline is pending (see [`TimerId`] and `docs/actors.md`).
    #[track_caller]
    pub fn start_timer(&mut self, after: Duration, event: E) -> TimerId {
        self.care |= TIMERS;
        Timers::start(
            &self.mailbox,
            after,
            None,
            TimerEvent::once(event),
            Location::caller(),
        )
    }

    /// Sends `make()` to the actor itself every `period`, until the timer is stopped or the
    /// actor halts. A tick is not sent again while the last one is still in the inbox: the
    /// timer is re-armed, for `period` after that tick fired, when the actor takes the tick.
    #[track_caller]
    pub fn start_periodic_timer(
        &mut self,
        period: Duration,
        make: impl FnMut() -> E + Send + 'static,
    ) -> TimerId {
        self.care |= TIMERS;
        Timers::start(
            &self.mailbox,
            period,
            Some(period),
            TimerEvent::every(make),
            Location::caller(),
        )
    }

    /// Stops a timer; returns whether it was running (a one-shot timer that fired is not). It
    /// sends nothing more, but what it sent stays in the inbox: compare
    /// [`timer_id`](Context::timer_id) to tell a stale tick from a current one.
    pub fn stop_timer(&mut self, id: TimerId) -> bool {
        self.mailbox.timers.stop(id)
    }

    /// The timer that sent the event this actor last took from its inbox (the one its handler
    /// is handling, or the one [`receive`](Context::receive) returned); `None` if another actor
    /// or task sent it.
    pub fn timer_id(&self) -> Option<TimerId> {
        self.mailbox.timers.current()
    }

    /// Ends the actor (it halted, or `orphaned`: no address is left): stops its timers, drops
    /// its queued events, and in tests logs it (and counts the dropped events).
    pub(crate) fn finish(&mut self, orphaned: bool) {
        let dropped = self.mailbox.halt();
        if let Some(inbox) = &mut self.inbox {
            // Production: nothing logs or counts the dropped events.
            inbox.discard(&self.mailbox);
            return;
        }
        for event in &dropped {
            count(self.mailbox.name, Activity::Dropped, event);
        }
        let dropped = dropped.len();
        let how = if orphaned {
            "stops: no address is left"
        } else {
            "halts"
        };
        match dropped {
            0 => note(format_args!("{} {how}", self.mailbox.label())),
            n => note(format_args!(
                "{} {how}, dropping {n} queued event(s)",
                self.mailbox.label()
            )),
        }
    }
}

impl<E: Send + fmt::Debug + 'static> Context<E> {
    /// The run loop's dequeue (see `Mailbox::next`, and `Inbox::next` in production).
    pub(crate) async fn next(&mut self, wait: Wait, wanted: impl FnMut(&E) -> bool) -> Dequeued<E> {
        match &mut self.inbox {
            None => self.mailbox.next(self.loc, wait, wanted).await,
            Some(inbox) => inbox.next(&self.mailbox, wait, wanted).await,
        }
    }

    /// Production only: the run loop's dequeue when it may wait, as one poll (see
    /// `Inbox::poll_next`; the caller tells the timers the last handler returned).
    #[inline]
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut TaskContext<'_>,
        until_orphaned: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Poll<Dequeued<E>> {
        match &mut self.inbox {
            Some(inbox) => inbox.poll_next(cx, &self.mailbox, until_orphaned, wanted),
            None => unreachable!("only a production actor polls its inbox"),
        }
    }

    /// Production only, while [`care`](Self::care) is 0: the run loop's dequeue of whatever
    /// comes next (see `Inbox::poll_plain`).
    ///
    /// SAFETY: only for a production actor's context (made with an inbox: `actor::start` runs
    /// the production loop only for a mailbox that is not a test's, whose `Mailbox::new`
    /// returned the inbox). Unchecked, as this runs twice per event.
    #[inline]
    pub(crate) unsafe fn poll_plain(&mut self, cx: &mut TaskContext<'_>) -> Poll<Dequeued<E>> {
        debug_assert!(
            self.inbox.is_some(),
            "only a production actor polls its inbox"
        );
        // SAFETY: the caller's contract.
        let inbox = unsafe { self.inbox.as_mut().unwrap_unchecked() };
        inbox.poll_plain(cx, &self.mailbox)
    }

    /// Puts `event` back at the front of the inbox (a raised event its state defers).
    pub(crate) fn requeue_front(&mut self, event: E) {
        self.care |= DEFERRED;
        match &mut self.inbox {
            None => self.mailbox.requeue_front(event),
            Some(inbox) => inbox.requeue_front(event),
        }
    }
}

impl<E> Drop for Context<E> {
    /// In production, the queue closes with the actor's task, also when it did not end through
    /// `finish` (a handler panicked, the runtime shut down): later sends are dropped, and what
    /// is queued (maybe addresses of the actor itself) is dropped now.
    fn drop(&mut self) {
        if let Some(inbox) = &mut self.inbox {
            inbox.discard(&self.mailbox);
        }
    }
}

impl<E> fmt::Debug for Context<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("actor", &self.mailbox.name)
            .field("halt", &(self.care & HALTING != 0))
            .finish()
    }
}
