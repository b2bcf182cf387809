//! Addresses: actor ids (deterministic, compared, hashed, ordered, in the log), replies through
//! typed `Recipient`s to clients of different event types, and the built-in halt event.

#[path = "common/mod.rs"]
mod common;

use common::{bug_report, deadlock_report, dfs, on_tokio};
use coyote_harness::actor::{
    self, Actor, ActorId, ActorRef, Context, Recipient, StateMachine, Transition, TransitionOf,
};
use coyote_harness::sync::oneshot;
use coyote_harness::{check, task, Config};
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct Nothing;

struct Sink;

impl Actor for Sink {
    type Event = Nothing;
    async fn handle(&mut self, _: &mut Context<Nothing>, _: Nothing) {}
}

// ----- ids -----

#[test]
fn ids_are_the_actors_task_numbers_compare_hash_order_and_show_in_the_log() {
    let seen: Arc<Mutex<Vec<Vec<ActorId>>>> = Arc::default();
    let s = seen.clone();
    check(
        move || {
            let s = s.clone();
            async move {
                let a = actor::create(Sink);
                let helper = task::spawn(async {});
                let b = actor::create(Sink);
                helper.await.unwrap();
                assert_eq!(a, a.clone());
                assert_ne!(a, b);
                assert!(a < b, "ids order by creation");
                // The id hashed never changes; clippy cannot know (key by `ActorId` to avoid
                // the lint).
                #[allow(clippy::mutable_key_type)]
                // An address hashes by its id, which never changes (the atomics inside do not
                // take part).
                #[allow(clippy::mutable_key_type)]
                let set: HashSet<ActorRef<Nothing>> = [a.clone(), b.clone(), a.clone()].into();
                assert_eq!(set.len(), 2);
                let ordered: BTreeSet<ActorId> = [b.id(), a.id()].into();
                assert_eq!(ordered.into_iter().collect::<Vec<_>>(), [a.id(), b.id()]);
                assert_eq!(a.id().name(), "Sink");
                s.lock().unwrap().push(vec![a.id(), b.id()]);
            }
        },
        Config::new().iterations(20),
    );
    // The same ids in every iteration: task 1 is `a`, task 2 the helper, task 3 `b`.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 20);
    for ids in seen.iter() {
        assert_eq!(format!("{:?}", ids), "[Sink(1), Sink(3)]");
        assert_eq!(ids[1].number(), 3);
    }
    let msg = bug_report(Config::new().iterations(1), || async {
        let a = actor::create(Sink);
        a.send(Nothing).await;
        panic!("show {a} and {a:?}");
    });
    assert!(msg.contains("show Sink(1) and ActorRef(Sink(1))"), "{msg}");
    assert!(msg.contains("send Nothing to Sink(1)"), "{msg}");
}

#[test]
fn ids_are_distinct_in_production_too() {
    on_tokio(async {
        let a = actor::create(Sink);
        let b = actor::create(Sink);
        assert_ne!(a.id(), b.id());
        assert!(a.id() < b.id());
        assert_eq!(a.recipient::<Nothing>().id(), a.id());
    });
}

// ----- replies through typed recipients -----

/// What the server answers.
#[derive(Debug)]
struct Pong(u32);

/// A request: the server replies to `reply_to` (any actor whose events convert from `Pong`).
#[derive(Debug)]
enum ServerEvent {
    Ping(u32, Recipient<Pong>),
    /// The buggy server remembers the last client instead.
    Hello(Recipient<Pong>),
    PingLast(u32),
}

#[derive(Default)]
struct Server {
    last: Option<Recipient<Pong>>,
}

impl Actor for Server {
    type Event = ServerEvent;
    async fn handle(&mut self, _: &mut Context<ServerEvent>, event: ServerEvent) {
        match event {
            ServerEvent::Ping(n, reply_to) => reply_to.send(Pong(n)).await,
            ServerEvent::Hello(client) => self.last = Some(client),
            ServerEvent::PingLast(n) => {
                if let Some(client) = &self.last {
                    client.send(Pong(n)).await;
                }
            }
        }
    }
}

/// Two kinds of client, with event types of their own.
#[derive(Debug)]
enum Browser {
    Pong(u32),
}

impl From<Pong> for Browser {
    fn from(p: Pong) -> Self {
        Browser::Pong(p.0)
    }
}

#[derive(Debug)]
enum Monitor {
    Answer(u32),
}

impl From<Pong> for Monitor {
    fn from(p: Pong) -> Self {
        Monitor::Answer(p.0)
    }
}

/// A client that tells `done` what it got.
struct Client<E> {
    done: Option<oneshot::Sender<u32>>,
    unwrap: fn(E) -> u32,
}

impl<E: Send + std::fmt::Debug + 'static> Actor for Client<E> {
    type Event = E;
    async fn handle(&mut self, _: &mut Context<E>, event: E) {
        let n = (self.unwrap)(event);
        if let Some(done) = self.done.take() {
            let _ = done.send(n);
        }
    }
}

async fn two_kinds_of_client(fixed: bool) {
    let server = actor::create(Server::default());
    let (b_done, b_got) = oneshot::channel();
    let (m_done, m_got) = oneshot::channel();
    let browser = actor::create(Client::<Browser> {
        done: Some(b_done),
        unwrap: |Browser::Pong(n)| n,
    });
    let monitor = actor::create(Client::<Monitor> {
        done: Some(m_done),
        unwrap: |Monitor::Answer(n)| n,
    });
    let asks = |client: Recipient<Pong>, n: u32| {
        let server = server.clone();
        task::spawn(async move {
            if fixed {
                server.send(ServerEvent::Ping(n, client)).await;
            } else {
                // BUG: the server answers whoever said hello last.
                server.send(ServerEvent::Hello(client)).await;
                server.send(ServerEvent::PingLast(n)).await;
            }
        })
    };
    let b = asks(browser.recipient(), 1);
    let m = asks((&monitor).into(), 2);
    b.await.unwrap();
    m.await.unwrap();
    assert_eq!(b_got.await.unwrap(), 1);
    assert_eq!(m_got.await.unwrap(), 2);
}

#[test]
fn a_server_answers_clients_of_different_event_types_through_recipients() {
    check(|| two_kinds_of_client(true), Config::new().iterations(500));
    // Answering the last client that said hello: one client is answered twice, the other
    // waits for ever.
    let msg = bug_report(Config::new().iterations(200), || two_kinds_of_client(false));
    assert!(
        msg.contains("deadlock") || msg.contains("assertion `left == right` failed"),
        "{msg}"
    );
    // The log shows the converted events reaching each client.
    let msg = bug_report(Config::new().iterations(1), || async {
        two_kinds_of_client(true).await;
        panic!("show the log");
    });
    assert!(msg.contains("send Pong(1) to Client(2)"), "{msg}");
    assert!(msg.contains("send Answer(2) to Client(3)"), "{msg}");
}

#[test]
fn recipients_are_addresses_compared_by_actor() {
    check(
        || async {
            let c = actor::create(Client::<Browser> {
                done: None,
                unwrap: |Browser::Pong(n)| n,
            });
            let r1: Recipient<Pong> = c.recipient();
            let r2: Recipient<Pong> = c.clone().into();
            assert_eq!(r1, r2);
            assert_eq!(format!("{r1} {r1:?}"), "Client(1) Recipient(Client(1))");
            // A recipient keeps the actor alive after its last ActorRef is gone.
            drop(c);
            r1.send(Pong(5)).await;
            assert!(!r1.is_halted());
        },
        dfs(),
    );
}

// ----- the built-in halt event -----

#[derive(Debug)]
enum Work {
    Job(u32),
    Done(oneshot::Sender<u32>),
}

#[derive(Default)]
struct Counter {
    jobs: u32,
}

impl Actor for Counter {
    type Event = Work;
    async fn handle(&mut self, _: &mut Context<Work>, event: Work) {
        match event {
            Work::Job(n) => self.jobs += n,
            Work::Done(reply) => {
                let _ = reply.send(self.jobs);
            }
        }
    }
}

/// Another task halts the counter; `fixed`: only after it answered. `late`: wait for the halt,
/// then send once more.
async fn halted_from_outside(fixed: bool, late: bool) {
    let counter = actor::create(Counter::default());
    let (tx, rx) = oneshot::channel();
    let c = counter.clone();
    let stopper = task::spawn(async move {
        if fixed {
            // Wait for the answer before halting.
            let jobs = rx.await.unwrap();
            c.send_halt().await;
            jobs
        } else {
            c.send_halt().await;
            rx.await.unwrap()
        }
    });
    counter.send(Work::Job(3)).await;
    counter.send(Work::Done(tx)).await;
    assert_eq!(stopper.await.unwrap(), 3);
    if late {
        while !counter.is_halted() {
            task::yield_now().await;
        }
        counter.send(Work::Job(1)).await;
    }
}

#[test]
fn the_halt_event_halts_an_actor_from_outside_in_inbox_order() {
    // Halted before it answered: the reply sender is dropped, unwrap fails.
    let msg = bug_report(dfs(), || halted_from_outside(false, false));
    assert!(msg.contains("Counter(1) handles HaltEvent"), "{msg}");
    assert!(msg.contains("Counter(1) halts, dropping "), "{msg}");
    check(|| halted_from_outside(true, false), dfs());
    let msg = bug_report(Config::new().iterations(1), || async {
        halted_from_outside(true, true).await;
        panic!("show the log");
    });
    assert!(msg.contains("send HaltEvent to Counter(1)"), "{msg}");
    assert!(msg.contains("drop Job(1): Counter(1) halted"), "{msg}");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Bottom,
    Top,
}

/// Pushes `Top` on `Bottom` at once; records its exits.
struct Layered(Arc<Mutex<Vec<Layer>>>);

impl StateMachine for Layered {
    type Event = Nothing;
    type State = Layer;
    fn initial(&self) -> Layer {
        Layer::Bottom
    }
    async fn on_entry(
        &mut self,
        _: &mut Context<Nothing>,
        s: Layer,
        _: Option<Nothing>,
    ) -> TransitionOf<Self> {
        match s {
            Layer::Bottom => Transition::Push(Layer::Top),
            Layer::Top => Transition::Stay,
        }
    }
    async fn on_exit(&mut self, _: &mut Context<Nothing>, s: Layer) {
        self.0.lock().unwrap().push(s);
    }
    async fn on_event(
        &mut self,
        _: &mut Context<Nothing>,
        _: Layer,
        e: Nothing,
    ) -> TransitionOf<Self> {
        Transition::Unhandled(e)
    }
}

#[test]
fn the_halt_event_runs_a_machines_exits_top_first() {
    let exits: Arc<Mutex<Vec<Layer>>> = Arc::default();
    let e = exits.clone();
    check(
        move || {
            let e = e.clone();
            async move {
                e.lock().unwrap().clear();
                let m = actor::create_machine(Layered(e.clone()));
                m.send_halt().await;
            }
        },
        dfs(),
    );
    assert_eq!(*exits.lock().unwrap(), [Layer::Top, Layer::Bottom]);
}

#[test]
fn a_receive_inside_a_handler_does_not_take_the_halt_event() {
    #[derive(Debug)]
    enum Ask {
        Start(oneshot::Sender<()>),
        Answer,
    }
    struct Asker;
    impl Actor for Asker {
        type Event = Ask;
        async fn handle(&mut self, ctx: &mut Context<Ask>, e: Ask) {
            if let Ask::Start(done) = e {
                ctx.receive(|e| matches!(e, Ask::Answer)).await;
                let _ = done.send(());
            }
        }
    }
    // The halt is queued before the answer; the handler still gets its answer, then halts.
    check(
        || async {
            let a = actor::create(Asker);
            let (tx, rx) = oneshot::channel();
            a.send(Ask::Start(tx)).await;
            a.send_halt().await;
            a.send(Ask::Answer).await;
            rx.await.unwrap();
        },
        dfs(),
    );
    // Without the answer it waits for ever, though a halt is queued.
    let msg = deadlock_report(|| async {
        let a = actor::create(Asker);
        let (tx, rx) = oneshot::channel();
        a.send(Ask::Start(tx)).await;
        a.send_halt().await;
        let _ = rx.await;
    });
    assert!(msg.contains("actor.receive"), "{msg}");
}
