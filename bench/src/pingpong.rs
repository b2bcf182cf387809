//! The ping-pong programs of the actor benchmark (`actors.rs` measures them): a pair of
//! coyote-harness actors, the same pair on raw tokio tasks and unbounded `mpsc` channels, and
//! the earlier actor pair whose every ping carries the pinger's address (a labelled extra row).
//!
//! Invariants:
//!
//! * every program exchanges exactly `2 * ROUND_TRIPS` messages per run (pings `1..=ROUND_TRIPS`
//!   and a pong for each) and checks the last one;
//! * [`actor_ping_pong`] and [`tokio_ping_pong`] do the same work per message: a `u64` in, a
//!   `u64` out, over addresses (senders) each side got once, when it was made. The structure
//!   differs only at the ends: the pinger makes the ponger in its `on_start` (handing it its
//!   own address: no setup message), and signals the end through a oneshot made with it, where
//!   the raw tokio program awaits the pinger's `JoinHandle` (and the ponger's);
//! * [`actor_ping_pong_reply_to`] is the program of the earlier figures (up to branch
//!   `actorprod`): a `Start` event carries the ponger's address and the oneshot, and every ping
//!   carries the pinger's address (`ctx.me()`: an `Arc` clone and an address count, both
//!   dropped by the ponger).

use coyote_harness::actor::{self, Actor, ActorRef, Context};
use coyote_harness::sync::oneshot;

/// Round trips per ping-pong run (two messages each).
pub(crate) const ROUND_TRIPS: u64 = 100;

// ----- the ping-pong pair on coyote-harness actors -----

/// What the ponger receives.
#[derive(Debug)]
pub(crate) struct Ping(u64);

/// What the pinger receives.
#[derive(Debug)]
pub(crate) struct Pong(u64);

/// Answers each ping to the pinger it was made with.
struct Ponger {
    pinger: ActorRef<Pong>,
}

impl Actor for Ponger {
    type Event = Ping;
    async fn handle(&mut self, _ctx: &mut Context<Ping>, Ping(n): Ping) {
        self.pinger.send(Pong(n)).await;
    }
}

/// Makes the ponger, pings it `ROUND_TRIPS` times, then reports the last pong and halts.
struct Pinger {
    ponger: Option<ActorRef<Ping>>,
    done: Option<oneshot::Sender<u64>>,
}

impl Actor for Pinger {
    type Event = Pong;

    async fn on_start(&mut self, ctx: &mut Context<Pong>) {
        let ponger = actor::create(Ponger { pinger: ctx.me() });
        ponger.send(Ping(1)).await;
        self.ponger = Some(ponger);
    }

    async fn handle(&mut self, ctx: &mut Context<Pong>, Pong(n): Pong) {
        if n < ROUND_TRIPS {
            let ponger = self.ponger.as_ref().expect("started");
            ponger.send(Ping(n + 1)).await;
            return;
        }
        // The pair ends: no address of the ponger is left, so it stops.
        self.ponger = None;
        if let Some(done) = self.done.take() {
            let _ = done.send(n);
        }
        ctx.halt();
    }
}

/// One ping-pong run on actors: `ROUND_TRIPS` round trips; checks the last pong.
pub(crate) async fn actor_ping_pong() {
    let (tx, rx) = oneshot::channel();
    // Held until the end, as the raw program holds its join handles.
    let pinger = actor::create(Pinger {
        ponger: None,
        done: Some(tx),
    });
    assert_eq!(rx.await.expect("the pinger finishes"), ROUND_TRIPS);
    drop(pinger);
}

// ----- the same pair on raw tokio -----

/// One ping-pong run on two raw tokio tasks over unbounded channels.
pub(crate) async fn tokio_ping_pong() {
    use tokio::sync::mpsc;
    let (to_ponger, mut ponger_rx) = mpsc::unbounded_channel::<u64>();
    let (to_pinger, mut pinger_rx) = mpsc::unbounded_channel::<u64>();
    let ponger = tokio::spawn(async move {
        while let Some(n) = ponger_rx.recv().await {
            if to_pinger.send(n).is_err() {
                break;
            }
        }
    });
    let pinger = tokio::spawn(async move {
        to_ponger.send(1).expect("ponger alive");
        while let Some(n) = pinger_rx.recv().await {
            if n == ROUND_TRIPS {
                return n;
            }
            to_ponger.send(n + 1).expect("ponger alive");
        }
        0
    });
    assert_eq!(pinger.await.expect("pinger"), ROUND_TRIPS);
    ponger.await.expect("ponger");
}

// ----- the earlier actor pair: the reply address in every ping -----

/// What the reply-address ponger receives.
#[derive(Debug)]
pub(crate) struct PingFrom(u64, ActorRef<ReplyToEvent>);

/// What the reply-address pinger receives.
#[derive(Debug)]
pub(crate) enum ReplyToEvent {
    Start(ActorRef<PingFrom>, Done),
    Pong(u64),
}

/// The pinger's completion signal (its `Debug` keeps the step log short).
pub(crate) struct Done(oneshot::Sender<u64>);

impl std::fmt::Debug for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("done")
    }
}

struct ReplyPonger;

impl Actor for ReplyPonger {
    type Event = PingFrom;
    async fn handle(&mut self, _ctx: &mut Context<PingFrom>, PingFrom(n, pinger): PingFrom) {
        pinger.send(ReplyToEvent::Pong(n)).await;
    }
}

#[derive(Default)]
struct ReplyPinger {
    ponger: Option<ActorRef<PingFrom>>,
    done: Option<Done>,
}

impl Actor for ReplyPinger {
    type Event = ReplyToEvent;
    async fn handle(&mut self, ctx: &mut Context<ReplyToEvent>, event: ReplyToEvent) {
        match event {
            ReplyToEvent::Start(ponger, done) => {
                ponger.send(PingFrom(1, ctx.me())).await;
                self.ponger = Some(ponger);
                self.done = Some(done);
            }
            ReplyToEvent::Pong(n) if n < ROUND_TRIPS => {
                let ponger = self.ponger.as_ref().expect("started");
                ponger.send(PingFrom(n + 1, ctx.me())).await;
            }
            ReplyToEvent::Pong(n) => {
                self.ponger = None;
                if let Some(Done(done)) = self.done.take() {
                    let _ = done.send(n);
                }
                ctx.halt();
            }
        }
    }
}

/// The earlier program: a `Start` event, then every ping carries the pinger's address.
pub(crate) async fn actor_ping_pong_reply_to() {
    let ponger = actor::create(ReplyPonger);
    let pinger = actor::create(ReplyPinger::default());
    let (tx, rx) = oneshot::channel();
    pinger.send(ReplyToEvent::Start(ponger, Done(tx))).await;
    assert_eq!(rx.await.expect("the pinger finishes"), ROUND_TRIPS);
}
