//! What an actor's handlers get: its own address, halting, receiving inside a handler, and
//! timers.
//!
//! Invariants:
//!
//! * a timer is a controlled task that sleeps (a virtual-time timer in tests, so when it fires
//!   is a scheduler choice) and then sends its event to the actor like any sender; stopping a
//!   timer aborts that task, so a stopped timer never delivers; halting stops every timer;
//! * a context holds the actor's inbox but is not one of its addresses: an actor whose last
//!   [`ActorRef`] is gone stops even though its context lives on.

use super::address::{ActorId, ActorRef};
use super::mailbox::{count, note, Mailbox};
use crate::rt::{Activity, OpKind};
use crate::task::{self, AbortHandle};
use crate::time;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// Names a timer started by [`Context::start_timer`] or [`Context::start_periodic_timer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId(u64);

/// An actor's view of itself, passed to its handlers.
pub struct Context<E> {
    pub(crate) mailbox: Arc<Mailbox<E>>,
    /// Where the actor was created: its dequeues are logged there.
    pub(crate) loc: &'static Location<'static>,
    halt: bool,
    timers: Vec<(TimerId, AbortHandle)>,
    next_timer: u64,
}

impl<E: Send + fmt::Debug + 'static> Context<E> {
    pub(crate) fn new(mailbox: Arc<Mailbox<E>>, loc: &'static Location<'static>) -> Self {
        Context {
            mailbox,
            loc,
            halt: false,
            timers: Vec::new(),
            next_timer: 0,
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
        self.halt = true;
    }

    /// Whether [`halt`](Context::halt) was called.
    pub fn is_halting(&self) -> bool {
        self.halt
    }

    /// Waits, inside a handler, for the first event `wanted` accepts; the events it skips stay
    /// in the inbox, in order, for the handlers after this one. A scheduling point.
    #[track_caller]
    pub fn receive<'a>(
        &'a mut self,
        wanted: impl FnMut(&E) -> bool + Send + 'a,
    ) -> impl Future<Output = E> + Send + 'a {
        let loc = Location::caller();
        async move {
            let event = self.mailbox.receive(loc, wanted).await;
            note(format_args!("{} receives {event:?}", self.mailbox.label()));
            event
        }
    }

    /// Sends `event` to the actor itself after `after` (virtual time in tests: the timer may
    /// fire at any later scheduling point the strategy picks, once `main` waits or time moves
    /// on). Returns an id for [`stop_timer`](Context::stop_timer).
    #[track_caller]
    pub fn start_timer(&mut self, after: Duration, event: E) -> TimerId {
        let me = self.me();
        let sleep = time::sleep_at(after, OpKind::ActorTimer, Location::caller());
        let handle = task::spawn(async move {
            sleep.await;
            me.mailbox.deliver(event);
        });
        self.add_timer(handle.abort_handle())
    }

    /// Sends `make()` to the actor itself every `period`, until the timer is stopped or the
    /// actor halts.
    #[track_caller]
    pub fn start_periodic_timer(
        &mut self,
        period: Duration,
        mut make: impl FnMut() -> E + Send + 'static,
    ) -> TimerId {
        let loc = Location::caller();
        let me = self.me();
        let handle = task::spawn(async move {
            loop {
                time::sleep_at(period, OpKind::ActorTimer, loc).await;
                me.mailbox.deliver(make());
            }
        });
        self.add_timer(handle.abort_handle())
    }

    /// Stops a timer; returns whether it was running (a one-shot timer that fired is not).
    pub fn stop_timer(&mut self, id: TimerId) -> bool {
        match self.timers.iter().position(|(t, _)| *t == id) {
            Some(at) => {
                let (_, handle) = self.timers.swap_remove(at);
                let running = !handle.is_finished();
                handle.abort();
                running
            }
            None => false,
        }
    }

    fn add_timer(&mut self, handle: AbortHandle) -> TimerId {
        self.timers.retain(|(_, h)| !h.is_finished());
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        self.timers.push((id, handle));
        id
    }

    /// Ends the actor (it halted, or `orphaned`: no address is left): stops its timers, drops
    /// its queued events, logs it.
    pub(crate) fn finish(&mut self, orphaned: bool) {
        for (_, timer) in self.timers.drain(..) {
            timer.abort();
        }
        let dropped = self.mailbox.halt();
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

impl<E> fmt::Debug for Context<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("actor", &self.mailbox.name)
            .field("halt", &self.halt)
            .field("timers", &self.timers.len())
            .finish()
    }
}
