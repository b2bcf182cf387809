//! Actors and state machines: the races between senders and handlers are explored, state
//! machines follow their transitions, timers fire as scheduler choices, and the step log names
//! events and states.

mod common;

use common::{bug_report, dfs};
use coyote_harness::actor::{self, Actor, ActorRef, Context, Handling, StateMachine, Transition};
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

#[test]
fn the_order_of_two_senders_events_is_explored_and_the_log_names_them() {
    let msg = bug_report(dfs(), || open_and_write(false));
    assert!(msg.contains("write 7 to a store that is not open"), "{msg}");
    // The log names the events, the actor and its task.
    assert!(msg.contains("send Write(7) to Store (task 1)"), "{msg}");
    assert!(msg.contains("Store (task 1) handles Write(7)"), "{msg}");
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

// ----- state machines -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    Closed,
    Opened,
    Locked,
    Alarm,
}

#[derive(Debug)]
enum DoorEvent {
    Open,
    Close,
    Lock,
    Unlock,
    Knock,
    Trip,
    Reset,
    Stop,
}

/// A door: `Lock` is deferred while open; `Knock` is ignored when locked; `Trip` pushes the
/// alarm state over any other, `Reset` pops it; `Stop` halts.
struct DoorMachine {
    trail: Arc<std::sync::Mutex<Vec<String>>>,
}

impl DoorMachine {
    fn mark(&self, what: String) {
        self.trail.lock().unwrap().push(what);
    }
}

impl StateMachine for DoorMachine {
    type Event = DoorEvent;
    type State = Door;

    fn initial(&self) -> Door {
        Door::Closed
    }

    fn handling(state: Door, event: &DoorEvent) -> Handling {
        match (state, event) {
            (Door::Opened, DoorEvent::Lock) => Handling::Defer,
            (Door::Locked, DoorEvent::Knock) => Handling::Ignore,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(&mut self, _ctx: &mut Context<DoorEvent>, state: Door) {
        self.mark(format!("enter {state:?}"));
    }

    async fn on_exit(&mut self, _ctx: &mut Context<DoorEvent>, state: Door) {
        self.mark(format!("exit {state:?}"));
    }

    async fn on_event(
        &mut self,
        _ctx: &mut Context<DoorEvent>,
        state: Door,
        event: DoorEvent,
    ) -> Transition<Door> {
        self.mark(format!("{event:?} in {state:?}"));
        match (state, event) {
            (_, DoorEvent::Trip) => Transition::Push(Door::Alarm),
            (Door::Alarm, DoorEvent::Reset) => Transition::Pop,
            (_, DoorEvent::Stop) => Transition::Halt,
            (Door::Closed, DoorEvent::Open) => Transition::Goto(Door::Opened),
            (Door::Opened, DoorEvent::Close) => Transition::Goto(Door::Closed),
            (Door::Closed, DoorEvent::Lock) => Transition::Goto(Door::Locked),
            (Door::Locked, DoorEvent::Unlock) => Transition::Goto(Door::Closed),
            _ => Transition::Stay,
        }
    }
}

#[test]
fn a_state_machine_defers_ignores_pushes_pops_and_halts() {
    check(
        || async {
            let trail = Arc::new(std::sync::Mutex::new(Vec::new()));
            let door = actor::create_machine(DoorMachine {
                trail: trail.clone(),
            });
            use DoorEvent::*;
            for e in [
                Open, Lock, Knock, Close, Knock, Trip, Knock, Reset, Unlock, Stop,
            ] {
                door.send(e).await;
            }
            // Sent after the halt is handled, or before: dropped either way, never handled.
            let late = door.clone();
            while !door.is_halted() {
                task::yield_now().await;
            }
            late.send(Open).await;
            let trail = trail.lock().unwrap().join(", ");
            assert_eq!(
                trail,
                "enter Closed, Open in Closed, exit Closed, enter Opened, \
                 Knock in Opened, Close in Opened, exit Opened, enter Closed, \
                 Lock in Closed, exit Closed, enter Locked, \
                 Trip in Locked, enter Alarm, Knock in Alarm, Reset in Alarm, exit Alarm, \
                 Unlock in Locked, exit Locked, enter Closed, Stop in Closed"
            );
        },
        Config::new().iterations(200),
    );
}

#[test]
fn the_log_shows_transitions_deferred_and_ignored_events_and_the_halt() {
    let msg = bug_report(Config::new().iterations(1), || async {
        let trail = Arc::new(std::sync::Mutex::new(Vec::new()));
        let door = actor::create_machine(DoorMachine { trail });
        use DoorEvent::*;
        for e in [Open, Lock, Close, Lock, Knock, Stop, Open] {
            door.send(e).await;
        }
        while !door.is_halted() {
            task::yield_now().await;
        }
        door.send(Open).await;
        panic!("show the log");
    });
    for line in [
        "DoorMachine (task 1) enters Closed",
        "DoorMachine (task 1) handles Open in Closed",
        "DoorMachine (task 1): goto Closed -> Opened",
        "DoorMachine (task 1) handles Close in Opened",
        // The deferred Lock is handled once the door is closed.
        "DoorMachine (task 1) handles Lock in Closed",
        "DoorMachine (task 1) ignores Knock in Locked",
        "DoorMachine (task 1) halts",
        "drop Open: DoorMachine (task 1) halted",
    ] {
        assert!(msg.contains(line), "{line:?} missing from: {msg}");
    }
}

struct PopsTooFar;

impl StateMachine for PopsTooFar {
    type Event = ();
    type State = Door;
    fn initial(&self) -> Door {
        Door::Closed
    }
    async fn on_event(&mut self, _: &mut Context<()>, _: Door, _: ()) -> Transition<Door> {
        Transition::Pop
    }
}

#[test]
fn popping_the_last_state_is_a_bug_in_the_machine() {
    let msg = bug_report(Config::new().iterations(5), || async {
        let m = actor::create_machine(PopsTooFar);
        m.send(()).await;
        task::yield_now().await;
        task::yield_now().await;
    });
    assert!(
        msg.contains("state machine PopsTooFar popped its last state Closed"),
        "{msg}"
    );
}

// ----- timers and receive -----

/// A client that asks the server and waits, inside its handler, for the reply or its timeout.
struct Client {
    server: ActorRef<Request>,
    outcome: Arc<Mutex<Option<&'static str>>>,
}

#[derive(Debug)]
enum ClientEvent {
    Start,
    Reply,
    Timeout,
}

#[derive(Debug)]
struct Request(ActorRef<ClientEvent>);

struct Server;

impl Actor for Server {
    type Event = Request;
    async fn handle(&mut self, _ctx: &mut Context<Request>, Request(client): Request) {
        time::sleep(Duration::from_millis(10)).await;
        client.send(ClientEvent::Reply).await;
    }
}

impl Actor for Client {
    type Event = ClientEvent;
    async fn handle(&mut self, ctx: &mut Context<ClientEvent>, event: ClientEvent) {
        if let ClientEvent::Start = event {
            let timer = ctx.start_timer(Duration::from_millis(50), ClientEvent::Timeout);
            self.server.send(Request(ctx.me())).await;
            let got = ctx
                .receive(|e| matches!(e, ClientEvent::Reply | ClientEvent::Timeout))
                .await;
            ctx.stop_timer(timer);
            *self.outcome.lock().await = Some(match got {
                ClientEvent::Reply => "reply",
                _ => "timeout",
            });
            ctx.halt();
        }
    }
}

/// What the client got: the reply or the timeout (a timer is a scheduler choice).
async fn request() -> &'static str {
    let outcome = Arc::new(Mutex::new(None));
    let server = actor::create(Server);
    let client = actor::create(Client {
        server,
        outcome: outcome.clone(),
    });
    client.send(ClientEvent::Start).await;
    while !client.is_halted() {
        time::sleep(Duration::from_millis(1)).await;
    }
    let got = *outcome.lock().await;
    got.expect("the client halts after it got one")
}

#[test]
fn a_timer_may_fire_before_the_reply_and_receive_waits_for_either() {
    let msg = bug_report(
        Config::new().strategy("random").iterations(1000),
        || async {
            assert_eq!(request().await, "reply", "the request timed out");
        },
    );
    assert!(msg.contains("the request timed out"), "{msg}");
    assert!(msg.contains("actor.timer"), "{msg}");
    assert!(msg.contains("Client (task 2) receives Timeout"), "{msg}");
    // Both orders are explored.
    let outcomes = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = outcomes.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let got = request().await;
                seen.lock().unwrap().insert(got);
            }
        },
        Config::new().strategy("random").iterations(200),
    );
    assert_eq!(outcomes.lock().unwrap().len(), 2);
}

/// Ticks until it has seen three, then stops its periodic timer; a one-shot timer it stops at
/// once never fires.
#[derive(Default)]
struct Ticker {
    ticks: u32,
    done: Option<oneshot::Sender<u32>>,
}

#[derive(Debug)]
enum TickerEvent {
    Start(oneshot::Sender<u32>),
    Beat,
    Never,
}

impl Actor for Ticker {
    type Event = TickerEvent;
    async fn handle(&mut self, ctx: &mut Context<TickerEvent>, event: TickerEvent) {
        match event {
            TickerEvent::Start(done) => {
                self.done = Some(done);
                ctx.start_periodic_timer(Duration::from_millis(10), || TickerEvent::Beat);
                let never = ctx.start_timer(Duration::from_millis(1), TickerEvent::Never);
                assert!(ctx.stop_timer(never));
            }
            TickerEvent::Beat => {
                self.ticks += 1;
                if self.ticks == 3 {
                    let _ = self.done.take().unwrap().send(self.ticks);
                    ctx.halt();
                }
            }
            TickerEvent::Never => panic!("a stopped timer fired"),
        }
    }
}

async fn three_ticks() {
    let ticker = actor::create(Ticker::default());
    let (tx, rx) = oneshot::channel();
    ticker.send(TickerEvent::Start(tx)).await;
    assert_eq!(rx.await.unwrap(), 3);
    let start = time::now();
    while !ticker.is_halted() {
        time::sleep(Duration::from_millis(1)).await;
    }
    assert!(time::now() - start < Duration::from_secs(1));
}

#[test]
fn periodic_timers_tick_and_stopped_timers_never_fire() {
    check(three_ticks, Config::new().iterations(300));
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
        three_ticks().await;
        let (gone, stopped) = oneshot::channel();
        let a = actor::create(Watched { gone: Some(gone) });
        a.send(1).await;
        drop(a);
        stopped.await.unwrap();
    });
}
