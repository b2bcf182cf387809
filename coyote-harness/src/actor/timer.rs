//! An actor's timers: one-shot and periodic timers that send the actor an event, each named by a
//! [`TimerId`] that the event carries into the inbox.
//!
//! The model (also in `docs/actors.md`, "Timers"):
//!
//! * a timer has a deadline in (virtual, in tests) time; it is *armed* from its start until it
//!   fires (one-shot) or is stopped; a periodic timer whose tick is still in the inbox is not
//!   armed: it is re-armed when the actor takes that tick out of its inbox, with the deadline
//!   `fired + period` (where `fired` is when the tick fired), so a periodic timer never runs
//!   ahead of the actor it feeds, and a tick that fired late does not make up for it in a burst;
//! * all of an actor's timers are served by one controlled task, spawned at the first
//!   `start_timer` and ended when the actor ends. Its timer in the virtual clock is the earliest
//!   deadline of the actor's armed timers, so the clock's rule (a timer fires only when no other
//!   pending timer has an earlier deadline; see `rt::clock`) orders the timers of every actor
//!   and every `sleep` together, and *when* the earliest fires, among the other tasks' steps, is
//!   the strategy's choice. Each firing is one step of that task, and it sends one event;
//! * every event a timer sends is queued with its timer's id: [`Context::timer_id`] names the
//!   timer of the event being handled, so a tick sent before
//!   [`stop_timer`](Context::stop_timer) can be told apart from one of the current timer;
//! * a stopped timer never sends again, but what it sent stays in the inbox (as in Coyote);
//!   an actor's live timers keep it alive when no address is left; halting stops them all.
//!
//! In production the same table is served by a tokio task that sleeps until the earliest
//! deadline (woken early when a timer is started, stopped or re-armed).
//!
//! [`Context::timer_id`]: super::Context::timer_id
//! [`Context::stop_timer`]: super::Context::stop_timer

mod id;
mod serve;

pub use id::TimerId;

use super::mailbox::Mailbox;
use crate::rt::{in_test, with_executor};
use crate::task::AbortHandle;
use crate::time::{self, Instant};
use serve::spawn_server;
use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

/// How an event came to be queued: sent by one of the receiver's timers (`timer`), or by an
/// actor handling a tick of its periodic timer (`origin`: that timer, held until the event is
/// taken). Two words, so that the production channel's slots stay small (an idle actor's channel
/// allocates a block of them at once).
#[derive(Default)]
pub(crate) struct Sent {
    pub(crate) timer: Option<TimerId>,
    pub(crate) origin: Option<Arc<Origin>>,
}

impl Sent {
    /// An event sent by the running task: tagged with the tick it is handling, if any (which
    /// it then holds).
    pub(crate) fn by_running_task() -> Sent {
        let origin = HANDLING.with(|h| {
            let h = h.borrow();
            if h.is_empty() {
                return None;
            }
            let task = with_executor(|ex| ex.current_task())?;
            h.iter().find(|(t, _)| *t == task).map(|(_, o)| o.clone())
        });
        if let Some(o) = &origin {
            if let Some(sink) = o.sink.upgrade() {
                sink.hold(o.id);
            }
        }
        Sent {
            timer: None,
            origin,
        }
    }

    /// The event was dropped, not taken: releases what it held.
    pub(crate) fn dropped(self) {
        if let Some(o) = self.origin {
            if let Some(sink) = o.sink.upgrade() {
                sink.release(o.id);
            }
        }
    }
}

/// A tick of a periodic timer, as the events its handler sends hold it (shared by them: made
/// once per tick taken, in test mode only).
pub(crate) struct Origin {
    sink: Weak<dyn Release>,
    id: TimerId,
}

/// The actor whose timer an [`Origin`] names (its mailbox), whatever its event type.
pub(crate) trait Release: Send + Sync {
    fn hold(&self, id: TimerId);
    fn release(&self, id: TimerId);
}

impl<E: Send + fmt::Debug + 'static> Release for Mailbox<E> {
    fn hold(&self, id: TimerId) {
        self.timers.hold(id);
    }
    fn release(&self, id: TimerId) {
        self.timers.release(id);
    }
}

thread_local! {
    /// In test mode, the tasks (actors) handling a tick of a periodic timer, with that tick.
    static HANDLING: RefCell<Vec<(u32, Arc<Origin>)>> = const { RefCell::new(Vec::new()) };
}

/// What a timer sends.
pub(crate) enum Make<E> {
    Once(Option<E>),
    Every(Box<dyn FnMut() -> E + Send>),
}

struct Timer<E> {
    id: TimerId,
    deadline: Instant,
    /// `Some` for a periodic timer.
    period: Option<Duration>,
    make: Make<E>,
    loc: &'static Location<'static>,
    /// What a periodic timer's last tick still holds (the tick until its handler returns, and
    /// each event that handler sent to an actor until that actor takes it): armed at 0.
    pending: u32,
}

/// The task that serves the timers.
struct Server {
    /// Its id in test mode.
    task: Option<u32>,
    abort: AbortHandle,
    /// Wakes it early, in production.
    notify: Option<Arc<tokio::sync::Notify>>,
}

struct Table<E> {
    timers: Vec<Timer<E>>,
    next_id: u64,
    server: Option<Server>,
    /// The timer of the event last taken from the inbox.
    current: Option<TimerId>,
    /// The periodic timer whose tick the actor is handling (test mode).
    handling: Option<TimerId>,
    /// The actor's mailbox, as what events sent while it handles a tick hold on to.
    me: Option<Weak<dyn Release>>,
    closed: bool,
}

/// An actor's timers; lives in its mailbox (the inbox tags events with their timer).
pub(crate) struct Timers<E> {
    table: Mutex<Table<E>>,
    /// Set by the first `start`: until then the table is known empty, and the per-event
    /// bookkeeping (`taken`, `handled`, `any_live`, `current`) skips its lock.
    used: AtomicBool,
}

impl<E: Send + fmt::Debug + 'static> Timers<E> {
    pub(crate) fn new() -> Self {
        Timers {
            table: Mutex::new(Table {
                timers: Vec::new(),
                next_id: 0,
                server: None,
                current: None,
                handling: None,
                me: None,
                closed: false,
            }),
            used: AtomicBool::new(false),
        }
    }

    /// Whether a timer was ever started (see `used`).
    #[inline]
    pub(crate) fn used(&self) -> bool {
        self.used.load(Ordering::Acquire)
    }

    fn table(&self) -> MutexGuard<'_, Table<E>> {
        // The lock is held around user code only in `make` (a panic there fails the test).
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether some timer may still send (it keeps the actor alive without addresses).
    pub(crate) fn any_live(&self) -> bool {
        self.used() && !self.table().timers.is_empty()
    }

    /// The timer of the event last taken from the inbox.
    pub(crate) fn current(&self) -> Option<TimerId> {
        if !self.used() {
            return None;
        }
        self.table().current
    }

    /// Starts a timer of `mailbox`'s actor (the running actor); its task is spawned at the
    /// caller's line.
    #[track_caller]
    pub(crate) fn start(
        mailbox: &Arc<Mailbox<E>>,
        after: Duration,
        period: Option<Duration>,
        make: Make<E>,
        loc: &'static Location<'static>,
    ) -> TimerId {
        let this = &mailbox.timers;
        let id = {
            let mut t = this.table();
            this.used.store(true, Ordering::Release);
            let id = TimerId::new(t.next_id);
            t.next_id += 1;
            t.timers.push(Timer {
                id,
                deadline: time::now() + after,
                period,
                make,
                loc,
                pending: 0,
            });
            if t.server.is_none() && !t.closed {
                t.server = Some(spawn_server(mailbox.clone()));
                let me: Arc<dyn Release> = mailbox.clone();
                t.me = Some(Arc::downgrade(&me));
            }
            id
        };
        this.rearm();
        id
    }

    /// Stops `id`; whether it was live (a one-shot timer that fired is not).
    pub(crate) fn stop(&self, id: TimerId) -> bool {
        let found = {
            let mut t = self.table();
            let at = t.timers.iter().position(|x| x.id == id);
            at.map(|at| t.timers.remove(at)).is_some()
        };
        if found {
            self.rearm();
        }
        found
    }

    /// The inbox gave the actor an event `sent` by one of its timers, by a handler of another
    /// actor's tick, or neither: the first makes that tick the one being handled (until
    /// [`handled`](Self::handled)); the second releases what it held of that timer.
    #[inline]
    pub(crate) fn taken(&self, sent: Sent) {
        if sent.origin.is_none() && !self.used() {
            return;
        }
        self.taken_slow(sent);
    }

    /// [`taken`](Self::taken) of an event no timer or tick sent.
    #[inline]
    pub(crate) fn taken_untimed(&self) {
        if self.used() {
            self.taken_slow(Sent::default());
        }
    }

    fn taken_slow(&self, sent: Sent) {
        if let Some(origin) = sent.origin {
            if let Some(sink) = origin.sink.upgrade() {
                sink.release(origin.id);
            }
        }
        if !self.used() {
            // No timer ever: `current` is `None` and no event names one.
            return;
        }
        let mut t = self.table();
        t.current = sent.timer;
        let Some(id) = sent.timer else { return };
        if !t.timers.iter().any(|x| x.id == id && x.pending > 0) {
            return;
        }
        if !in_test() {
            drop(t);
            // Real time paces production: the tick is released when taken.
            self.release(id);
            return;
        }
        // What the handler sends to actors holds the timer too, until they take it.
        t.handling = Some(id);
        let me = t.me.clone();
        drop(t);
        if let (Some(sink), Some(task)) = (me, with_executor(|ex| ex.current_task())) {
            HANDLING.with(|h| {
                let mut h = h.borrow_mut();
                // Entries of actors gone (an earlier iteration's) name nothing.
                h.retain(|(t, o)| *t != task && o.sink.strong_count() > 0);
                h.push((task, Arc::new(Origin { sink, id })));
            });
        }
    }

    /// The actor's handler returned (it asks its inbox for the next event): a tick it handled
    /// releases its timer.
    #[inline]
    pub(crate) fn handled(&self) {
        if self.used() {
            self.handled_slow();
        }
    }

    fn handled_slow(&self) {
        let Some(id) = self.table().handling.take() else {
            return;
        };
        if let Some(task) = with_executor(|ex| ex.current_task()) {
            HANDLING.with(|h| h.borrow_mut().retain(|(t, _)| *t != task));
        }
        self.release(id);
    }

    /// One thing `id`'s last tick held is done; at the last, the timer is armed again.
    fn release(&self, id: TimerId) {
        let armed = {
            let mut t = self.table();
            match t.timers.iter_mut().find(|x| x.id == id && x.pending > 0) {
                Some(x) => {
                    x.pending -= 1;
                    x.pending == 0
                }
                None => false,
            }
        };
        if armed {
            self.rearm();
        }
    }

    fn hold(&self, id: TimerId) {
        if let Some(x) = self
            .table()
            .timers
            .iter_mut()
            .find(|x| x.id == id && x.pending > 0)
        {
            x.pending += 1;
        }
    }

    /// Stops every timer and the task serving them (the actor ended).
    pub(crate) fn close(&self) {
        if !self.used() {
            // Nothing was started (only the actor itself starts timers, on this task): the
            // table is empty; closed, it spawns no server.
            self.table().closed = true;
            return;
        }
        if self.table().handling.take().is_some() {
            if let Some(task) = with_executor(|ex| ex.current_task()) {
                HANDLING.with(|h| h.borrow_mut().retain(|(t, _)| *t != task));
            }
        }
        let (server, timers) = {
            let mut t = self.table();
            t.closed = true;
            (t.server.take(), std::mem::take(&mut t.timers))
        };
        if let Some(s) = server {
            s.abort.abort();
        }
        // User values (unsent events, closures) dropped outside the lock.
        drop(timers);
    }

    /// Tells the serving task the earliest deadline changed.
    fn rearm(&self) {
        let t = self.table();
        let Some(server) = &t.server else { return };
        if let Some(n) = &server.notify {
            n.notify_one();
        } else if let Some(task) = server.task {
            let next = earliest(&t.timers).map(|x| (x.deadline.since_start(), x.loc));
            drop(t);
            with_executor(|ex| ex.set_timer_of(task, next));
        }
    }

    /// Fires the earliest armed timer if it is due: returns its event and id, to send outside
    /// the lock.
    fn fire_due(&self) -> Option<(E, TimerId)> {
        let now = time::now();
        let mut t = self.table();
        let at = t
            .timers
            .iter()
            .enumerate()
            .filter(|(_, x)| x.pending == 0 && x.deadline <= now)
            .min_by_key(|(_, x)| (x.deadline, x.id))
            .map(|(i, _)| i)?;
        let timer = &mut t.timers[at];
        let id = timer.id;
        let event = match (&mut timer.make, timer.period) {
            (Make::Every(make), Some(period)) => {
                timer.pending = 1;
                timer.deadline = now + period;
                make()
            }
            (Make::Once(event), _) => {
                let event = event.take().expect("a one-shot timer fires once");
                t.timers.remove(at);
                event
            }
            (Make::Every(_), None) => unreachable!("a periodic timer has a period"),
        };
        Some((event, id))
    }
}

impl<E> Make<E> {
    pub(crate) fn once(event: E) -> Self {
        Make::Once(Some(event))
    }

    pub(crate) fn every(make: impl FnMut() -> E + Send + 'static) -> Self {
        Make::Every(Box::new(make))
    }
}

/// The armed timer that fires first.
fn earliest<E>(timers: &[Timer<E>]) -> Option<&Timer<E>> {
    timers
        .iter()
        .filter(|x| x.pending == 0)
        .min_by_key(|x| (x.deadline, x.id))
}
