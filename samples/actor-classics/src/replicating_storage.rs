//! Replicating storage, the P# benchmark: a manager keeps every write on three storage
//! nodes, learns how far each node's log goes from the nodes' periodic sync reports, and on its
//! own periodic repair timer sends the missing entries to any node that lags. The test writes,
//! and at a moment it picks one node fails and the manager replaces it with an empty one.
//!
//! `replicating_storage` has the bug: the manager merges the sync reports of a slot with `max`
//! (a log only grows), also across a replacement, so the new, empty node inherits its
//! predecessor's length and is never repaired. The periodic timers tick on for ever and the
//! [`Replicated`] monitor stays hot: a liveness bug. `replicating_storage_fixed` forgets a
//! slot's length when it replaces the node; it must pass, timers and all (a correct model
//! that timers firing faster than their period would report as hot for too long).

use coyote_harness::actor::{self, Actor, ActorRef, Context};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::{random, time};
use std::time::Duration;

/// How many replicas of the log the manager keeps.
const REPLICAS: usize = 3;
/// How many writes the client makes.
const WRITES: u64 = 2;
/// A node's sync report period.
const SYNC_PERIOD: Duration = Duration::from_millis(500);
/// The manager's repair period.
const REPAIR_PERIOD: Duration = Duration::from_millis(1000);

/// What a storage node receives.
#[derive(Debug)]
pub enum NodeEvent {
    /// Append entries up to this length.
    Store(u64),
    /// The sync timer: report the log's length.
    Sync,
    /// Fail (the node halts).
    Fail,
}

/// A storage node of slot `slot`, incarnation `incarnation`.
pub struct StorageNode {
    slot: usize,
    incarnation: u32,
    log: u64,
    manager: ActorRef<ManagerEvent>,
}

impl Actor for StorageNode {
    type Event = NodeEvent;

    async fn on_start(&mut self, ctx: &mut Context<NodeEvent>) {
        spec::monitor::<Replicated>(Storage::Replica(self.slot, self.incarnation, self.log));
        ctx.start_periodic_timer(SYNC_PERIOD, || NodeEvent::Sync);
    }

    async fn handle(&mut self, ctx: &mut Context<NodeEvent>, event: NodeEvent) {
        match event {
            NodeEvent::Store(len) => {
                self.log = self.log.max(len);
                spec::monitor::<Replicated>(Storage::Replica(
                    self.slot,
                    self.incarnation,
                    self.log,
                ));
            }
            NodeEvent::Sync => {
                let report = ManagerEvent::Synced(self.slot, self.incarnation, self.log);
                self.manager.send(report).await;
            }
            NodeEvent::Fail => ctx.halt(),
        }
    }
}

/// What the manager receives.
#[derive(Debug)]
pub enum ManagerEvent {
    /// The client writes one more entry.
    Write,
    /// Slot `.0`'s node (incarnation `.1`) has a log of length `.2`.
    Synced(usize, u32, u64),
    /// The node of this slot failed: replace it.
    Failed(usize),
    /// The repair timer.
    Repair,
}

/// The storage manager.
pub struct Manager {
    nodes: Vec<(ActorRef<NodeEvent>, u32)>,
    /// What the manager believes each slot's log length is.
    known: Vec<u64>,
    written: u64,
    fixed: bool,
}

fn start_node(
    slot: usize,
    incarnation: u32,
    manager: ActorRef<ManagerEvent>,
) -> ActorRef<NodeEvent> {
    actor::create(StorageNode {
        slot,
        incarnation,
        log: 0,
        manager,
    })
}

impl Actor for Manager {
    type Event = ManagerEvent;

    async fn on_start(&mut self, ctx: &mut Context<ManagerEvent>) {
        self.nodes = (0..REPLICAS)
            .map(|s| (start_node(s, 0, ctx.me()), 0))
            .collect();
        ctx.start_periodic_timer(REPAIR_PERIOD, || ManagerEvent::Repair);
    }

    async fn handle(&mut self, ctx: &mut Context<ManagerEvent>, event: ManagerEvent) {
        match event {
            ManagerEvent::Write => {
                self.written += 1;
                spec::monitor::<Replicated>(Storage::Written(self.written));
                for (node, _) in &self.nodes {
                    node.send(NodeEvent::Store(self.written)).await;
                }
            }
            ManagerEvent::Synced(slot, incarnation, len) => {
                // A report of a node already replaced says nothing about the new one.
                if incarnation == self.nodes[slot].1 {
                    // BUG (when not fixed): merged with max also across a replacement.
                    self.known[slot] = self.known[slot].max(len);
                }
            }
            ManagerEvent::Failed(slot) => {
                let incarnation = self.nodes[slot].1 + 1;
                let new = start_node(slot, incarnation, ctx.me());
                let (old, _) = std::mem::replace(&mut self.nodes[slot], (new, incarnation));
                old.send(NodeEvent::Fail).await;
                if self.fixed {
                    self.known[slot] = 0;
                }
            }
            ManagerEvent::Repair => {
                for (slot, (node, _)) in self.nodes.iter().enumerate() {
                    if self.known[slot] < self.written {
                        node.send(NodeEvent::Store(self.written)).await;
                    }
                }
            }
        }
    }
}

/// What [`Replicated`] is told.
#[derive(Debug)]
pub enum Storage {
    /// The manager accepted this many writes.
    Written(u64),
    /// Slot `.0`'s node, incarnation `.1`, has a log of length `.2` (a new node starts at 0).
    Replica(usize, u32, u64),
}

/// Liveness: every replica eventually holds every write (hot while one lags).
#[derive(Debug, Default)]
pub struct Replicated {
    written: u64,
    /// Per slot: the newest incarnation heard of, and its log's length.
    replicas: [(u32, u64); REPLICAS],
}

impl Monitor for Replicated {
    type Event = Storage;

    fn on_event(&mut self, event: Storage) {
        match event {
            Storage::Written(n) => self.written = n,
            Storage::Replica(slot, incarnation, len) => {
                // What a replaced node still does no longer counts.
                if incarnation >= self.replicas[slot].0 {
                    self.replicas[slot] = (incarnation, len);
                }
            }
        }
    }

    fn temperature(&self) -> Temperature {
        if self.replicas.iter().all(|&(_, len)| len >= self.written) {
            Temperature::Cold
        } else {
            Temperature::Hot
        }
    }
}

/// The client writes; one node fails after a delay the test picks, and is replaced.
pub async fn scenario(fixed: bool) {
    let manager = actor::create(Manager {
        nodes: Vec::new(),
        known: vec![0; REPLICAS],
        written: 0,
        fixed,
    });
    for _ in 0..WRITES {
        manager.send(ManagerEvent::Write).await;
    }
    time::sleep(SYNC_PERIOD * random::int(4) as u32).await;
    let slot = random::int(REPLICAS as u64) as usize;
    manager.send(ManagerEvent::Failed(slot)).await;
}
