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

use super::mailbox::Mailbox;
use crate::rt::{in_test, with_executor};
use crate::task::{self, AbortHandle};
use crate::time::{self, Instant};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

/// Names a timer started by [`Context::start_timer`](super::Context::start_timer) or
/// [`Context::start_periodic_timer`](super::Context::start_periodic_timer); the events it sends
/// carry it ([`Context::timer_id`](super::Context::timer_id)). Ids are given in start order
/// per actor, from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(u64);

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer {}", self.0)
    }
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
    /// A periodic timer's tick is in the inbox: not armed until the actor takes it.
    outstanding: bool,
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
    closed: bool,
}

/// An actor's timers; lives in its mailbox (the inbox tags events with their timer).
pub(crate) struct Timers<E> {
    table: Mutex<Table<E>>,
}

impl<E: Send + fmt::Debug + 'static> Timers<E> {
    pub(crate) fn new() -> Self {
        Timers {
            table: Mutex::new(Table {
                timers: Vec::new(),
                next_id: 0,
                server: None,
                current: None,
                closed: false,
            }),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table<E>> {
        // The lock is held around user code only in `make` (a panic there fails the test).
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether some timer may still send (it keeps the actor alive without addresses).
    pub(crate) fn any_live(&self) -> bool {
        !self.table().timers.is_empty()
    }

    /// The timer of the event last taken from the inbox.
    pub(crate) fn current(&self) -> Option<TimerId> {
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
            let id = TimerId(t.next_id);
            t.next_id += 1;
            t.timers.push(Timer {
                id,
                deadline: time::now() + after,
                period,
                make,
                loc,
                outstanding: false,
            });
            if t.server.is_none() && !t.closed {
                t.server = Some(spawn_server(mailbox.clone()));
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

    /// The inbox gave the actor an event sent by `timer` (or by no timer): a periodic timer
    /// whose tick it was is armed again.
    pub(crate) fn taken(&self, timer: Option<TimerId>) {
        let rearm = {
            let mut t = self.table();
            t.current = timer;
            let Some(id) = timer else { return };
            match t.timers.iter_mut().find(|x| x.id == id && x.outstanding) {
                Some(x) => {
                    x.outstanding = false;
                    true
                }
                None => false,
            }
        };
        if rearm {
            self.rearm();
        }
    }

    /// Stops every timer and the task serving them (the actor ended).
    pub(crate) fn close(&self) {
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
            .filter(|(_, x)| !x.outstanding && x.deadline <= now)
            .min_by_key(|(_, x)| (x.deadline, x.id))
            .map(|(i, _)| i)?;
        let timer = &mut t.timers[at];
        let id = timer.id;
        let event = match (&mut timer.make, timer.period) {
            (Make::Every(make), Some(period)) => {
                timer.outstanding = true;
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
        .filter(|x| !x.outstanding)
        .min_by_key(|x| (x.deadline, x.id))
}

#[track_caller]
fn spawn_server<E: Send + fmt::Debug + 'static>(mailbox: Arc<Mailbox<E>>) -> Server {
    if in_test() {
        let handle = task::spawn(TestServer { mailbox });
        Server {
            task: handle.controlled_id(),
            abort: handle.abort_handle(),
            notify: None,
        }
    } else {
        let notify = Arc::new(tokio::sync::Notify::new());
        let wake = notify.clone();
        let handle = task::spawn(async move {
            loop {
                let next = earliest(&mailbox.timers.table().timers).map(|x| x.deadline);
                match next {
                    None => wake.notified().await,
                    Some(deadline) => {
                        tokio::select! {
                            _ = time::sleep_until(deadline) => {}
                            _ = wake.notified() => {}
                        }
                    }
                }
                while let Some((event, id)) = mailbox.timers.fire_due() {
                    mailbox.deliver_from(event, Some(id));
                }
            }
        });
        Server {
            task: None,
            abort: handle.abort_handle(),
            notify: Some(notify),
        }
    }
}

/// The test-mode serving task: picked only for its timer (the earliest armed deadline), it
/// fires that timer and sets its timer to the next one. Never woken otherwise.
struct TestServer<E> {
    mailbox: Arc<Mailbox<E>>,
}

impl<E: Send + fmt::Debug + 'static> Future for TestServer<E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
        let timers = &self.mailbox.timers;
        if timers.table().closed {
            return Poll::Ready(());
        }
        if let Some((event, id)) = timers.fire_due() {
            self.mailbox.deliver_from(event, Some(id));
        }
        let next = earliest(&timers.table().timers).map(|x| (x.deadline.since_start(), x.loc));
        with_executor(|ex| ex.set_timer_of(ex.current_task(), next));
        Poll::Pending
    }
}
