//! Actors and state machines: tasks that own their state and handle typed events from an
//! inbox, one at a time (Coyote's actor model).
//!
//! An [`Actor`] is any `Send` type with an event type and an async [`handle`](Actor::handle);
//! [`create`] starts it as a controlled task and returns its [`ActorRef`], the address any task
//! or actor sends events to with [`ActorRef::send`]. A [`StateMachine`] is an actor whose
//! handler depends on its current state, with Coyote's semantics: entry and exit actions (an
//! entry may transition and sees the event that caused it), goto, push (pushed states inherit
//! the handlers of the states below) and pop, deferred, ignored and raised events, a default
//! event, halt, and unhandled events as bugs; [`create_machine`] starts one. Every address has
//! an [`ActorId`] (`Server(2)`), and a [`Recipient`] addresses replies by what is sent. Handlers get a
//! [`Context`]: the actor's own address, [`halt`](Context::halt), [`receive`](Context::receive)
//! (wait for a particular event inside a handler), and timers whose firing is a scheduler choice.
//!
//! Under test, every send and every dequeue is a scheduling point, so the strategy explores
//! which sender's event comes first and what other tasks do between two events an actor
//! handles; events sent, handled, received, ignored and dropped, state changes and halts are in
//! the step log, named by the events' and states' `Debug`. In production the same code runs
//! on tokio: an actor is a `tokio::spawn`ed task and its timers are tokio timers.
//!
//! ```
//! use coyote_harness::actor::{self, Actor, ActorRef, Context};
//! use coyote_harness::sync::oneshot;
//!
//! /// A counter that answers `Get` with its value.
//! #[derive(Default)]
//! struct Counter(u64);
//!
//! #[derive(Debug)]
//! enum CounterEvent {
//!     Add(u64),
//!     Get(oneshot::Sender<u64>),
//! }
//!
//! impl Actor for Counter {
//!     type Event = CounterEvent;
//!     async fn handle(&mut self, _ctx: &mut Context<CounterEvent>, event: CounterEvent) {
//!         match event {
//!             CounterEvent::Add(n) => self.0 += n,
//!             CounterEvent::Get(reply) => { let _ = reply.send(self.0); }
//!         }
//!     }
//! }
//!
//! async fn two_clients() {
//!     let counter: ActorRef<CounterEvent> = actor::create(Counter::default());
//!     let c = counter.clone();
//!     let client = coyote_harness::task::spawn(async move { c.send(CounterEvent::Add(2)).await });
//!     counter.send(CounterEvent::Add(1)).await;
//!     client.await.unwrap();
//!     let (tx, rx) = oneshot::channel();
//!     counter.send(CounterEvent::Get(tx)).await;
//!     assert_eq!(rx.await.unwrap(), 3);
//! }
//!
//! coyote_harness::check(two_clients, coyote_harness::Config::new().iterations(100));
//! ```
//!
//! Invariants: see the submodules (`mailbox`: event order and scheduling points; `address`:
//! identity and recipients; `context`: timers; `dispatch`: states and transitions).

mod address;
mod context;
mod dispatch;
mod inbox;
mod machine;
mod mailbox;
mod queue;
mod running;
mod timer;

pub use address::{ActorId, ActorRef, Recipient};
pub use context::Context;
pub use machine::{create_machine, Handling, StateMachine, Transition, TransitionOf};
pub use timer::TimerId;

use crate::rt::Activity;
use crate::spec::short_name;
use crate::task;
use mailbox::{count, note, Dequeued, Mailbox, Wait};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

/// An actor: owns its state and handles its events one at a time.
pub trait Actor: Send + Sized + 'static {
    /// The events it receives (their `Debug` names them in the step log).
    type Event: Send + fmt::Debug + 'static;

    /// Runs once, when the actor starts, before its first event.
    fn on_start(&mut self, ctx: &mut Context<Self::Event>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Handles one event.
    fn handle(
        &mut self,
        ctx: &mut Context<Self::Event>,
        event: Self::Event,
    ) -> impl Future<Output = ()> + Send;
}

/// Starts `actor` as a controlled task (`tokio::spawn` in production) and returns its address.
/// Its dequeues are logged at this call's line.
#[track_caller]
pub fn create<A: Actor>(actor: A) -> ActorRef<A::Event> {
    start::<A, _, _, _, _>(actor, run, running::run)
}

/// Spawns the task that `test` (in a test) or `production` makes from `value` and the context
/// of a new actor named after `T`, attributed to the caller's caller; returns the actor's first
/// address. Two bodies, so that each mode's task is its own future type (no per-poll switch).
#[track_caller]
pub(crate) fn start<T, V, E, F, P>(
    value: V,
    test: impl FnOnce(V, Context<E>) -> F,
    production: impl FnOnce(V, Context<E>) -> P,
) -> ActorRef<E>
where
    E: Send + fmt::Debug + 'static,
    F: Future<Output = ()> + Send + 'static,
    P: Future<Output = ()> + Send + 'static,
{
    let loc = Location::caller();
    let (mailbox, inbox) = Mailbox::new(short_name::<T>());
    let mailbox = Arc::new(mailbox);
    let address = ActorRef::new(&mailbox);
    let ctx = Context::new(mailbox.clone(), inbox, loc);
    if mailbox.is_test() {
        let handle = task::spawn(test(value, ctx));
        mailbox.set_task(handle.controlled_id());
    } else {
        task::spawn(production(value, ctx));
    }
    address
}

/// The built-in halt event, as coverage names it.
#[derive(Debug)]
struct HaltEvent;
const HALT_EVENT: HaltEvent = HaltEvent;

/// The test-mode run loop (every dequeue a scheduling point, every event logged).
async fn run<A: Actor>(mut actor: A, mut ctx: Context<A::Event>) {
    let mailbox = ctx.mailbox.clone();
    actor.on_start(&mut ctx).await;
    let mut orphaned = false;
    let wait = Wait {
        until_orphaned: true,
        or_idle: false,
    };
    while !ctx.is_halting() {
        match ctx.next(wait, |_| true).await {
            Dequeued::Event(event) => {
                note(format_args!("{} handles {event:?}", mailbox.label()));
                count(mailbox.name, Activity::Handled, &event);
                actor.handle(&mut ctx, event).await;
            }
            Dequeued::Halt => {
                note(format_args!("{} handles HaltEvent", mailbox.label()));
                count(mailbox.name, Activity::Handled, &HALT_EVENT);
                ctx.halt();
            }
            Dequeued::Orphaned | Dequeued::Idle => {
                orphaned = true;
                break;
            }
        }
    }
    ctx.finish(orphaned);
}
