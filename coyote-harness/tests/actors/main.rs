//! Actors and state machines: the races between senders and handlers are explored, state
//! machines follow their transitions, timers fire as scheduler choices, and the step log names
//! events and states.

#[path = "../common/mod.rs"]
mod common;
mod machines;
mod production;
mod timers;

use common::{bug_report, dfs};
use coyote_harness::actor::{
    self, Actor, ActorRef, Context, Handling, StateMachine, Transition, TransitionOf,
};
use coyote_harness::sync::{oneshot, Mutex};
use coyote_harness::{check, task, time, Config};
use std::sync::Arc;
use std::time::Duration;

// ----- the order of events from two senders -----

/// A store that must be opened before it is written.
#[derive(Default)]
struct Store {
    open: bool,
}

#[derive(Debug)]
enum StoreEvent {
    Open(oneshot::Sender<()>),
    Write(u32),
}

impl Actor for Store {
    type Event = StoreEvent;
    async fn handle(&mut self, _ctx: &mut Context<StoreEvent>, event: StoreEvent) {
        match event {
            StoreEvent::Open(ack) => {
                self.open = true;
                let _ = ack.send(());
            }
            StoreEvent::Write(v) => assert!(self.open, "write {v} to a store that is not open"),
        }
    }
}

/// An opener and a writer race to the store; `fixed`: the writer waits for the open's ack.
async fn open_and_write(fixed: bool) {
    let store = actor::create(Store::default());
    let (ack, acked) = oneshot::channel();
    let opener = {
        let store = store.clone();
        task::spawn(async move { store.send(StoreEvent::Open(ack)).await })
    };
    if fixed {
        acked.await.unwrap();
    }
    store.send(StoreEvent::Write(7)).await;
    opener.await.unwrap();
}

/// An event that carries where to answer.
#[derive(Debug)]
enum Ask {
    Both(
        oneshot::Sender<u32>,
        coyote_harness::sync::mpsc::UnboundedSender<u32>,
    ),
}

struct Answerer;

impl Actor for Answerer {
    type Event = Ask;
    async fn handle(&mut self, _ctx: &mut Context<Ask>, Ask::Both(reply, more): Ask) {
        let _ = reply.send(1);
        let _ = more.send(2);
    }
}

#[test]
fn reply_channels_in_an_event_read_as_one_short_line_in_the_log() {
    let msg = bug_report(Config::new().iterations(1), || async {
        let a = actor::create(Answerer);
        let (tx, rx) = oneshot::channel();
        let (more, mut more_rx) = coyote_harness::sync::mpsc::unbounded_channel();
        a.send(Ask::Both(tx, more)).await;
        assert_eq!(
            rx.await.unwrap() + more_rx.recv().await.unwrap(),
            4,
            "the answers"
        );
    });
    assert!(msg.contains("the answers"), "{msg}");
    assert!(
        msg.contains(
            "Answerer(1) handles Both(oneshot::Sender { .. }, mpsc::UnboundedSender { .. })"
        ),
        "{msg}"
    );
    // Not tokio's internals (a channel's state, which changes with the schedule).
    assert!(!msg.contains("inner"), "{msg}");
}

#[test]
fn the_order_of_two_senders_events_is_explored_and_the_log_names_them() {
    let msg = bug_report(dfs(), || open_and_write(false));
    assert!(msg.contains("write 7 to a store that is not open"), "{msg}");
    // The log names the events, the actor and its task.
    assert!(msg.contains("send Write(7) to Store(1)"), "{msg}");
    assert!(msg.contains("Store(1) handles Write(7)"), "{msg}");
    assert!(msg.contains("actor.send"), "{msg}");
    assert!(msg.contains("actor.receive"), "{msg}");
    // Sends, dequeues and the actor's task are attributed to this file's lines, never to the
    // harness's own source.
    assert!(!msg.contains("coyote-harness/src/"), "{msg}");
    assert!(
        msg.contains(&format!("spawn task 1     at {}:", file!())),
        "{msg}"
    );
    check(|| open_and_write(true), dfs());
}

// ----- a handler's sends are scheduling points -----

/// Forwards every event it gets to `to`, as `Relayed`.
struct Relay {
    to: ActorRef<Seen>,
}

#[derive(Debug)]
enum Seen {
    Direct,
    Relayed,
}

impl Actor for Relay {
    type Event = ();
    async fn handle(&mut self, _ctx: &mut Context<()>, _: ()) {
        self.to.send(Seen::Relayed).await;
    }
}

/// Records the order it saw events in.
struct Sink(Arc<std::sync::Mutex<Vec<String>>>);

impl Actor for Sink {
    type Event = Seen;
    async fn handle(&mut self, _ctx: &mut Context<Seen>, event: Seen) {
        self.0.lock().unwrap().push(format!("{event:?}"));
    }
}

/// An originator that sends to the relay first, then straight to the sink.
struct Origin {
    relay: ActorRef<()>,
    sink: ActorRef<Seen>,
}

impl Actor for Origin {
    type Event = ();
    async fn handle(&mut self, _ctx: &mut Context<()>, _: ()) {
        self.relay.send(()).await;
        self.sink.send(Seen::Direct).await;
    }
}

#[test]
fn another_actor_may_run_between_two_sends_of_one_handler() {
    // If a handler ran its sends atomically, the sink would always see Direct first.
    let orders = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = orders.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let log = Arc::new(std::sync::Mutex::new(Vec::new()));
                let sink = actor::create(Sink(log.clone()));
                let relay = actor::create(Relay { to: sink.clone() });
                let origin = actor::create(Origin { relay, sink });
                origin.send(()).await;
                drop(origin);
                // Let everything drain: the actors stop when idle and unreachable.
                for _ in 0..20 {
                    task::yield_now().await;
                }
                let got = log.lock().unwrap().join(",");
                if got.len() > 7 {
                    seen.lock().unwrap().insert(got);
                }
            }
        },
        Config::new().strategy("random").iterations(2000),
    );
    let orders = orders.lock().unwrap();
    assert!(orders.contains("Direct,Relayed"), "{orders:?}");
    assert!(orders.contains("Relayed,Direct"), "{orders:?}");
}

// ----- lifetime -----

/// Tells `gone` when it is dropped.
struct Watched {
    gone: Option<oneshot::Sender<()>>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(gone) = self.gone.take() {
            let _ = gone.send(());
        }
    }
}

impl Actor for Watched {
    type Event = u8;
    async fn handle(&mut self, _ctx: &mut Context<u8>, _: u8) {}
}

#[test]
fn an_actor_stops_when_no_address_is_left_and_its_inbox_is_empty() {
    check(
        || async {
            let (gone, stopped) = oneshot::channel();
            let a = actor::create(Watched { gone: Some(gone) });
            a.send(1).await;
            drop(a);
            // A deadlock if the actor waited for ever.
            stopped.await.unwrap();
        },
        dfs(),
    );
}

#[test]
fn waiting_for_an_actor_that_never_answers_is_a_deadlock_naming_its_inbox() {
    let msg = bug_report(Config::new().iterations(1), || async {
        let a = actor::create(Watched { gone: None });
        let (_tx, rx) = oneshot::channel::<()>();
        a.send(1).await;
        // `a` stays alive: the actor waits on its inbox, main on a reply nobody sends.
        let _ = rx.await;
    });
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(msg.contains("waits on actor.receive at"), "{msg}");
}

#[test]
fn actors_run_on_tokio_in_production() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        open_and_write(true).await;
        timers::three_ticks().await;
        let (gone, stopped) = oneshot::channel();
        let a = actor::create(Watched { gone: Some(gone) });
        a.send(1).await;
        drop(a);
        stopped.await.unwrap();
    });
}
