//! Liveness under every strategy: an unfair strategy's iteration that reaches `--max-steps`
//! with a monitor hot goes on under a fair suffix (a random walk) to `--max-fair-steps`, so
//! every strategy, and every member of the portfolio, can report a monitor hot for too long.
//! And honest timers: a correct system driven by periodic timers is not reported.

mod common;

use common::{bug_report, written_trace};
use coyote_harness::actor::{self, Actor, ActorRef, Context};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::sync::{mpsc, Mutex};
use coyote_harness::{check, task, time, Config};
use std::sync::Arc;
use std::time::Duration;

// ----- the process scheduler's lost wakeup (Coyote's ProcessScheduler benchmark) -----

/// Hot while a process waits for a job it was promised.
#[derive(Debug, Default)]
struct Progress {
    waiting: bool,
}

#[derive(Debug)]
enum ProgressEvent {
    Waits,
    Runs,
}

impl Monitor for Progress {
    type Event = ProgressEvent;
    fn on_event(&mut self, e: ProgressEvent) {
        self.waiting = matches!(e, ProgressEvent::Waits);
    }
    fn temperature(&self) -> Temperature {
        if self.waiting {
            Temperature::Hot
        } else {
            Temperature::Cold
        }
    }
}

/// The kernel's view of the process: a job is ready (`cond`), the process sleeps.
#[derive(Default)]
struct Sched {
    cond: bool,
    sleeping: bool,
}

/// The scheduler tick: a periodic timer that keeps the system running for ever, so a process
/// that sleeps for ever is not a deadlock: only a fair execution can tell.
struct Ticker {
    ticks: u64,
}

#[derive(Debug)]
enum TickerEvent {
    Start,
    Tick,
}

impl Actor for Ticker {
    type Event = TickerEvent;
    async fn handle(&mut self, ctx: &mut Context<TickerEvent>, e: TickerEvent) {
        match e {
            TickerEvent::Start => {
                ctx.start_periodic_timer(Duration::from_millis(1), || TickerEvent::Tick);
            }
            TickerEvent::Tick => self.ticks += 1,
        }
    }
}

const ROUNDS: u32 = 2;

/// A process waits for `ROUNDS` jobs; a waker posts each, waking it if it sleeps. The buggy
/// process checks for a job and goes to sleep under two acquisitions of the lock: a job posted
/// between them sees no sleeper, so its wakeup is lost and the process sleeps for ever.
async fn process_scheduler(fixed: bool) {
    let ticker: ActorRef<TickerEvent> = actor::create(Ticker { ticks: 0 });
    ticker.send(TickerEvent::Start).await;
    let st = Arc::new(Mutex::new(Sched::default()));
    let (wake_tx, mut wake_rx) = mpsc::unbounded_channel::<()>();
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<()>();
    let process = {
        let st = st.clone();
        task::spawn(async move {
            for _ in 0..ROUNDS {
                spec::monitor::<Progress>(ProgressEvent::Waits);
                loop {
                    if fixed {
                        let mut s = st.lock().await;
                        if s.cond {
                            break;
                        }
                        s.sleeping = true;
                    } else {
                        if st.lock().await.cond {
                            break;
                        }
                        st.lock().await.sleeping = true;
                    }
                    wake_rx.recv().await.expect("the waker lives");
                }
                st.lock().await.cond = false;
                spec::monitor::<Progress>(ProgressEvent::Runs);
                ack_tx.send(()).unwrap();
            }
        })
    };
    let waker = task::spawn(async move {
        for _ in 0..ROUNDS {
            {
                let mut s = st.lock().await;
                s.cond = true;
                if s.sleeping {
                    s.sleeping = false;
                    wake_tx.send(()).unwrap();
                }
            }
            ack_rx.recv().await.expect("the process acknowledges");
        }
    });
    process.await.unwrap();
    waker.await.unwrap();
    // `main` returns with the ticker still ticking: the execution ends there, as nothing but
    // its timer could run and no monitor is hot.
}

fn lost_wakeup_config(strategy: &str, seed: u64, dir: &std::path::Path) -> Config {
    Config::new()
        .strategy(strategy)
        .seed(seed)
        .iterations(10_000)
        .max_steps(2_000)
        .max_fair_steps(20_000)
        .trace_dir(dir)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("coyote-liveness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_lost_wakeup_is_found_by_the_portfolio_on_every_seed() {
    for seed in 0..12 {
        let dir = temp_dir(&format!("portfolio-{seed}"));
        let msg = bug_report(lost_wakeup_config("portfolio", seed, &dir), || {
            process_scheduler(false)
        });
        assert!(
            msg.contains("monitor Progress is hot and has not been cold for more than 10000 steps"),
            "seed {seed}: {msg}"
        );
        let trace = written_trace(&dir);
        let size = std::fs::metadata(&trace).unwrap().len();
        assert!(size < 100_000, "seed {seed}: the trace has {size} bytes");
        let t = coyote_core::trace::Trace::read(&trace).unwrap();
        assert!(t.log.len() < 200, "seed {seed}: {} log lines", t.log.len());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn pos_alone_reports_the_lost_wakeup_in_its_fair_suffix_and_the_trace_replays() {
    let dir = temp_dir("pos");
    let msg = bug_report(lost_wakeup_config("pos", 1, &dir), || {
        process_scheduler(false)
    });
    assert!(msg.contains("liveness: monitor Progress is hot"), "{msg}");
    assert!(msg.contains("where the fair suffix began"), "{msg}");
    let path = written_trace(&dir);
    let trace = coyote_core::trace::Trace::read(&path).unwrap();
    assert_eq!(trace.origin.strategy_name(), Some("pos"));
    let from = trace.fair_from.expect("found in the fair suffix");
    assert_eq!(from, 2_000);
    assert_eq!(trace.max_steps, 20_000);
    assert_eq!(trace.steps, from + 10_000 + 1);
    // Replayed, it fails the same way at the same step (`replay` panics on any divergence,
    // a different step included).
    let failure = coyote_harness::replay(|| process_scheduler(false), &path);
    assert_eq!(failure.dedup_key(), trace.failure.dedup_key());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fixed_process_scheduler_passes_every_strategy() {
    for strategy in ["portfolio", "pos", "pct", "random"] {
        check(
            || process_scheduler(true),
            Config::new()
                .strategy(strategy)
                .iterations(300)
                .max_steps(2_000)
                .max_fair_steps(20_000),
        );
    }
}

#[test]
fn the_liveness_threshold_is_configurable() {
    let dir = temp_dir("threshold");
    let msg = bug_report(
        lost_wakeup_config("pos", 1, &dir).liveness_threshold(500),
        || process_scheduler(false),
    );
    assert!(msg.contains("for more than 500 steps"), "{msg}");
    let trace = coyote_core::trace::Trace::read(&written_trace(&dir)).unwrap();
    assert_eq!(trace.liveness_threshold, Some(500));
    assert_eq!(trace.steps, 2_000 + 500 + 1);
    let _ = std::fs::remove_dir_all(&dir);
}

// ----- a correct replicated storage driven by periodic timers -----

const NODES: usize = 3;

/// Hot from a write until every replica reported it.
#[derive(Debug, Default)]
struct Replicated {
    written: u64,
    synced: u64,
}

#[derive(Debug)]
enum ReplicatedEvent {
    Written(u64),
    Synced(u64),
}

impl Monitor for Replicated {
    type Event = ReplicatedEvent;
    fn on_event(&mut self, e: ReplicatedEvent) {
        match e {
            ReplicatedEvent::Written(v) => self.written = v,
            ReplicatedEvent::Synced(v) => self.synced = self.synced.max(v),
        }
    }
    fn temperature(&self) -> Temperature {
        if self.synced < self.written {
            Temperature::Hot
        } else {
            Temperature::Cold
        }
    }
}

#[derive(Debug)]
enum ManagerEvent {
    Write(u64),
    Report(usize, u64),
}

struct Manager {
    nodes: Vec<ActorRef<NodeEvent>>,
    latest: u64,
    replicas: [u64; NODES],
}

impl Actor for Manager {
    type Event = ManagerEvent;
    async fn handle(&mut self, _ctx: &mut Context<ManagerEvent>, e: ManagerEvent) {
        match e {
            ManagerEvent::Write(v) => {
                self.latest = v;
                spec::monitor::<Replicated>(ReplicatedEvent::Written(v));
                for node in &self.nodes {
                    node.send(NodeEvent::Store(v)).await;
                }
            }
            ManagerEvent::Report(i, v) => {
                self.replicas[i] = v;
                if self.replicas.iter().all(|&r| r == self.latest) {
                    spec::monitor::<Replicated>(ReplicatedEvent::Synced(self.latest));
                }
            }
        }
    }
}

#[derive(Debug)]
enum NodeEvent {
    Start(usize, ActorRef<ManagerEvent>),
    Store(u64),
    Sync,
}

#[derive(Default)]
struct Node {
    me: usize,
    manager: Option<ActorRef<ManagerEvent>>,
    data: u64,
}

impl Actor for Node {
    type Event = NodeEvent;
    async fn handle(&mut self, ctx: &mut Context<NodeEvent>, e: NodeEvent) {
        match e {
            NodeEvent::Start(me, manager) => {
                self.me = me;
                self.manager = Some(manager);
                ctx.start_periodic_timer(Duration::from_millis(10), || NodeEvent::Sync);
            }
            NodeEvent::Store(v) => self.data = v,
            NodeEvent::Sync => {
                let manager = self.manager.as_ref().expect("started");
                manager.send(ManagerEvent::Report(self.me, self.data)).await;
            }
        }
    }
}

/// Three writes, 50 ms apart; the nodes report their data every 10 ms for ever.
async fn replicated_storage() {
    let nodes: Vec<ActorRef<NodeEvent>> =
        (0..NODES).map(|_| actor::create(Node::default())).collect();
    let manager = actor::create(Manager {
        nodes: nodes.clone(),
        latest: 0,
        replicas: [0; NODES],
    });
    for (i, node) in nodes.iter().enumerate() {
        node.send(NodeEvent::Start(i, manager.clone())).await;
    }
    for v in 1..=3 {
        manager.send(ManagerEvent::Write(v)).await;
        time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_correct_storage_with_periodic_timers_is_not_a_liveness_bug() {
    for strategy in ["portfolio", "fair-pct", "pos", "random"] {
        check(
            replicated_storage,
            Config::new()
                .strategy(strategy)
                .iterations(30)
                .max_steps(2_000)
                .max_fair_steps(20_000)
                .liveness_threshold(2_000),
        );
    }
}
