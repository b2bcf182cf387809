//! The failure detector of the P# and Coyote benchmarks: a detector pings every node each
//! round and declares failed a node that misses two rounds in a row; the test crashes one node
//! at a moment it picks.
//!
//! A round: the detector sends `Ping(round)` to every node it watches and starts a timeout
//! timer. It ends when every watched node has answered (the timer is stopped) or when the
//! timeout fires; a pause timer then starts the next round. A node that misses a round is
//! suspected; one that misses two in a row is declared failed; an answer clears a suspicion.
//!
//! Two planted bugs, each with the fixed detector as twin:
//!
//! * `failure_detector_stale_timeout` (safety): the timeout may already be in the inbox when
//!   the last answer ends the round (stopping a timer that fired sends nothing more, but what
//!   it sent stays queued). The buggy detector acts on that stale timeout as if it ended the
//!   current round, and starts a second round on top of the first. The [`FailureDetection`]
//!   monitor checks that rounds never overlap. The fixed detector compares the event's
//!   [`Context::timer_id`] with the running round's timer.
//! * `failure_detector_lost_suspect` (liveness): the buggy detector stops pinging a node once
//!   it is suspected, so a crashed node, suspected after its first missed round, never misses
//!   a second one and is never declared. Rounds go on for ever with the monitor hot: a
//!   liveness bug ("hot for too long").

use coyote_harness::actor::{self, Actor, ActorRef, Context, TimerId};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::{random, time};
use std::collections::BTreeSet;
use std::time::Duration;

/// How many nodes are watched.
const NODES: usize = 3;
/// How long a round waits for answers.
const ROUND_TIMEOUT: Duration = Duration::from_millis(200);
/// The pause between two rounds.
const ROUND_PAUSE: Duration = Duration::from_millis(300);

/// Which detector runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Acts on a timeout that fired before the round ended (rounds overlap).
    StaleTimeout,
    /// Stops pinging suspected nodes (a crashed node is never declared).
    LostSuspect,
    /// Both fixed.
    Fixed,
}

/// What a node receives.
#[derive(Debug)]
pub enum NodeEvent {
    /// Answer this round's ping to the detector.
    Ping(u64, ActorRef<DetectorEvent>),
    /// Crash (the node halts).
    Crash,
}

/// A watched node: answers pings until it crashes.
pub struct Node {
    id: usize,
}

impl Actor for Node {
    type Event = NodeEvent;

    async fn handle(&mut self, ctx: &mut Context<NodeEvent>, event: NodeEvent) {
        match event {
            NodeEvent::Ping(round, detector) => {
                detector.send(DetectorEvent::Pong(self.id, round)).await;
            }
            NodeEvent::Crash => ctx.halt(),
        }
    }
}

/// What the detector receives.
#[derive(Debug)]
pub enum DetectorEvent {
    /// Node `.0` answers round `.1`.
    Pong(usize, u64),
    /// The round timer fired (which timer: [`Context::timer_id`]).
    Timeout,
    /// The pause is over: start the next round.
    NextRound,
}

/// The failure detector.
pub struct Detector {
    nodes: Vec<ActorRef<NodeEvent>>,
    variant: Variant,
    /// Nodes not declared failed.
    watched: BTreeSet<usize>,
    /// Nodes that missed the last round.
    suspected: BTreeSet<usize>,
    answered: BTreeSet<usize>,
    round: u64,
    /// The running round's timeout, while the round runs.
    timeout: Option<TimerId>,
}

impl Detector {
    /// The nodes this round pings: the buggy `LostSuspect` leaves the suspected out.
    fn pinged(&self) -> BTreeSet<usize> {
        match self.variant {
            Variant::LostSuspect => self.watched.difference(&self.suspected).copied().collect(),
            _ => self.watched.clone(),
        }
    }

    async fn begin_round(&mut self, ctx: &mut Context<DetectorEvent>) {
        self.round += 1;
        spec::monitor::<FailureDetection>(Observed::RoundStarted(self.round));
        self.answered.clear();
        for n in self.pinged() {
            self.nodes[n]
                .send(NodeEvent::Ping(self.round, ctx.me()))
                .await;
        }
        self.timeout = Some(ctx.start_timer(ROUND_TIMEOUT, DetectorEvent::Timeout));
    }

    fn end_round(&mut self, ctx: &mut Context<DetectorEvent>) {
        spec::monitor::<FailureDetection>(Observed::RoundEnded(self.round));
        ctx.start_timer(ROUND_PAUSE, DetectorEvent::NextRound);
    }
}

impl Actor for Detector {
    type Event = DetectorEvent;

    async fn on_start(&mut self, ctx: &mut Context<DetectorEvent>) {
        self.begin_round(ctx).await;
    }

    async fn handle(&mut self, ctx: &mut Context<DetectorEvent>, event: DetectorEvent) {
        match event {
            DetectorEvent::Pong(node, round) => {
                if round != self.round {
                    return;
                }
                self.answered.insert(node);
                self.suspected.remove(&node);
                if self.timeout.is_some() && self.pinged().is_subset(&self.answered) {
                    // Every node answered: the round ends early. The timeout may have fired
                    // already, its event still queued.
                    if let Some(t) = self.timeout.take() {
                        ctx.stop_timer(t);
                    }
                    self.end_round(ctx);
                }
            }
            DetectorEvent::Timeout => {
                // BUG (StaleTimeout): a timeout of a round that already ended is acted upon.
                // The fix tells the running round's timer from a stale one by its id.
                let current = self.timeout.is_some() && ctx.timer_id() == self.timeout;
                if !current && self.variant != Variant::StaleTimeout {
                    return;
                }
                self.timeout = None;
                for n in self.pinged().difference(&self.answered.clone()) {
                    if !self.suspected.insert(*n) {
                        self.watched.remove(n);
                        self.suspected.remove(n);
                        spec::monitor::<FailureDetection>(Observed::Declared(*n));
                    }
                }
                self.end_round(ctx);
            }
            DetectorEvent::NextRound => self.begin_round(ctx).await,
        }
    }
}

/// What [`FailureDetection`] is told.
#[derive(Debug)]
pub enum Observed {
    /// The test crashed this node.
    Crashed(usize),
    /// The detector declared this node failed.
    Declared(usize),
    /// The detector started this round.
    RoundStarted(u64),
    /// The detector ended this round.
    RoundEnded(u64),
}

/// Safety: rounds never overlap. Liveness: every crashed node is eventually declared failed
/// (hot while one is not).
#[derive(Debug, Default)]
pub struct FailureDetection {
    crashed: BTreeSet<usize>,
    declared: BTreeSet<usize>,
    running: Option<u64>,
}

impl Monitor for FailureDetection {
    type Event = Observed;

    fn on_event(&mut self, event: Observed) {
        match event {
            Observed::Crashed(n) => {
                self.crashed.insert(n);
            }
            Observed::Declared(n) => {
                self.declared.insert(n);
            }
            Observed::RoundStarted(r) => {
                if let Some(running) = self.running {
                    spec::assert(
                        false,
                        format!("round {r} started while round {running} was still running"),
                    );
                }
                self.running = Some(r);
            }
            Observed::RoundEnded(_) => self.running = None,
        }
    }

    fn temperature(&self) -> Temperature {
        if self.crashed.is_subset(&self.declared) {
            Temperature::Cold
        } else {
            Temperature::Hot
        }
    }
}

/// Starts the nodes and the detector, then crashes one node after a delay the test picks.
pub async fn scenario(variant: Variant) {
    let nodes: Vec<_> = (0..NODES).map(|id| actor::create(Node { id })).collect();
    let _detector = actor::create(Detector {
        nodes: nodes.clone(),
        variant,
        watched: (0..NODES).collect(),
        suspected: BTreeSet::new(),
        answered: BTreeSet::new(),
        round: 0,
        timeout: None,
    });
    time::sleep(ROUND_PAUSE * random::int(4) as u32).await;
    let victim = random::int(NODES as u64) as usize;
    spec::monitor::<FailureDetection>(Observed::Crashed(victim));
    nodes[victim].send(NodeEvent::Crash).await;
}
