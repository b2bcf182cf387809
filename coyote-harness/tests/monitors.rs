//! `spec::Monitor`: safety checks across tasks, liveness at the end of an execution and in fair
//! executions that run on for ever, and replay of what they find.

mod common;

use common::{bug_report as bug, dfs, written_trace};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::sync::Mutex;
use coyote_harness::{check, random, task, time, Config};
use std::sync::Arc;
use std::time::Duration;

// ----- safety: at most one leader -----

#[derive(Debug, Default)]
struct OneLeader {
    leaders: u32,
}

impl Monitor for OneLeader {
    type Event = u32;

    fn on_event(&mut self, _candidate: u32) {
        self.leaders += 1;
        spec::assert(self.leaders <= 1, "two leaders were elected");
    }
}

async fn elect(fixed: bool) {
    let leader = Arc::new(Mutex::new(None::<u32>));
    let candidates: Vec<_> = (1..=2)
        .map(|me| {
            let leader = leader.clone();
            task::spawn(async move {
                if fixed {
                    let mut l = leader.lock().await;
                    if l.is_none() {
                        *l = Some(me);
                        spec::monitor::<OneLeader>(me);
                    }
                } else {
                    // Check, then act under a second lock: both may see no leader.
                    let free = leader.lock().await.is_none();
                    if free {
                        *leader.lock().await = Some(me);
                        spec::monitor::<OneLeader>(me);
                    }
                }
            })
        })
        .collect();
    task::join_all(candidates).await;
}

#[test]
fn a_monitor_assertion_spanning_tasks_is_found_and_the_fix_passes() {
    let msg = bug(dfs(), || elect(false));
    assert!(msg.contains("assertion: two leaders were elected"), "{msg}");
    assert!(msg.contains("tests/monitors.rs"), "{msg}");
    check(|| elect(true), dfs());
}

// ----- liveness at the end: every requested replica is made -----

/// Hot while fewer replicas exist than were requested.
#[derive(Debug, Default)]
struct Replicas {
    wanted: u32,
    made: u32,
}

enum ReplicaEvent {
    Requested(u32),
    Made,
}

impl Monitor for Replicas {
    type Event = ReplicaEvent;

    fn on_event(&mut self, e: ReplicaEvent) {
        match e {
            ReplicaEvent::Requested(n) => self.wanted += n,
            ReplicaEvent::Made => self.made += 1,
        }
    }

    fn temperature(&self) -> Temperature {
        if self.made < self.wanted {
            Temperature::Hot
        } else {
            Temperature::Cold
        }
    }
}

async fn replicate(retry: bool) {
    spec::monitor::<Replicas>(ReplicaEvent::Requested(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            task::spawn(async move {
                loop {
                    // A placement fails now and then; the buggy worker gives up on it.
                    if random::bool() {
                        spec::monitor::<Replicas>(ReplicaEvent::Made);
                        return;
                    }
                    if !retry {
                        return;
                    }
                    time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    task::join_all(workers).await;
}

#[test]
fn a_monitor_hot_when_the_execution_ends_is_a_liveness_bug_at_the_line_that_made_it_hot() {
    let msg = bug(dfs(), || replicate(false));
    assert!(
        msg.contains("liveness: monitor Replicas is hot at the end of the execution"),
        "{msg}"
    );
    assert!(msg.contains("Replicas { wanted: 2, made: "), "{msg}");
    // Where it became hot: the request, in `main`.
    let request_line = line_of("spec::monitor::<Replicas>(ReplicaEvent::Requested(2));");
    assert!(
        msg.contains(&format!(
            "(in main at coyote-harness/tests/monitors.rs:{request_line}:"
        )),
        "{msg}"
    );
    assert!(msg.contains("monitor Replicas: hot"), "the log: {msg}");
    // Retrying placements terminates in every schedule dfs can reach within its bound.
    check(
        || replicate(true),
        Config::new().strategy("random").iterations(2000),
    );
}

// ----- liveness in fair executions: a resize that a failover loses -----

/// Hot while the pool differs from the size last asked for.
#[derive(Debug, Default)]
struct Steady {
    target: usize,
    size: usize,
}

enum PoolEvent {
    Resize(usize),
    Size(usize),
}

impl Monitor for Steady {
    type Event = PoolEvent;

    fn on_event(&mut self, e: PoolEvent) {
        match e {
            PoolEvent::Resize(n) => self.target = n,
            PoolEvent::Size(n) => self.size = n,
        }
    }

    fn temperature(&self) -> Temperature {
        if self.size == self.target {
            Temperature::Cold
        } else {
            Temperature::Hot
        }
    }
}

#[derive(Default)]
struct Pool {
    /// The durable store: the requested size, when the fixed manager saves it.
    stored_target: Option<usize>,
    /// The manager's memory, lost at a failover.
    pending: Option<usize>,
    size: usize,
}

/// `main` asks for 2 VMs and returns; a reconciler polls forever. A failover may wipe the
/// manager's memory before it saved the request (buggy) or after (fixed).
async fn resize(fixed: bool) {
    let pool = Arc::new(Mutex::new(Pool::default()));
    {
        let mut p = pool.lock().await;
        p.pending = Some(2);
        if fixed {
            p.stored_target = Some(2);
        }
    }
    spec::monitor::<Steady>(PoolEvent::Resize(2));
    let reconciler = pool.clone();
    task::spawn(async move {
        loop {
            {
                let mut p = reconciler.lock().await;
                let want = p.pending.or(p.stored_target);
                if let Some(want) = want {
                    if p.size < want {
                        p.size += 1;
                        spec::monitor::<Steady>(PoolEvent::Size(p.size));
                    }
                }
            }
            time::sleep(Duration::from_millis(10)).await;
        }
    });
    task::spawn(async move {
        if random::bool() {
            pool.lock().await.pending = None; // the failover
        }
    });
}

fn fair() -> Config {
    Config::new()
        .strategy("fair-pct:3")
        .iterations(50)
        .max_fair_steps(2000)
}

#[test]
fn a_monitor_hot_for_too_long_in_a_fair_execution_is_a_liveness_bug() {
    let dir = std::env::temp_dir().join(format!("coyote-monitors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug(fair().trace_dir(&dir), || resize(false));
    assert!(
        msg.contains(
            "liveness: monitor Steady is hot and has not been cold for more than 1000 steps of a fair execution"
        ),
        "{msg}"
    );
    assert!(msg.contains("Steady { target: 2, size: "), "{msg}");
    // The reconciler's loop is folded in the log: its first and last rounds are shown, the
    // hundreds between them are one line.
    assert!(
        msg.contains("more rounds of the") && msg.contains("lines above: steps "),
        "{msg}"
    );
    assert!(msg.lines().count() < 100, "{msg}");
    // The trace replays to the same liveness failure (it records the threshold).
    let trace = written_trace(&dir);
    let json = std::fs::read_to_string(&trace).unwrap();
    assert!(json.contains("\"liveness_threshold\": 1000"), "{json}");
    let failure = coyote_harness::replay(|| resize(false), &trace);
    assert_eq!(failure.kind.to_string(), "liveness");
    assert!(failure.message.contains("has not been cold"), "{failure}");
    // After `main` returned, the reconciler's timers kept firing while the monitor was hot,
    // and the fixed manager's reconciler meets it.
    check(|| resize(true), fair());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unfair_strategies_do_not_call_a_long_hot_spell_a_liveness_bug() {
    // pct may starve the reconciler for ever; only the step bound ends its iterations, though
    // they run three times as long as a fair execution's liveness threshold.
    let pct = Config::new().strategy("pct:3").iterations(30);
    check(|| resize(false), pct.max_steps(3000).max_fair_steps(2000));
}

// ----- temperatures: plain keeps the heat, cold resets it -----

#[derive(Debug, Default)]
struct Flapping(Temperature);

impl Monitor for Flapping {
    type Event = Temperature;

    fn on_event(&mut self, t: Temperature) {
        self.0 = t;
    }

    fn temperature(&self) -> Temperature {
        self.0
    }
}

async fn flap(between: Temperature) {
    task::spawn(async move {
        loop {
            spec::monitor::<Flapping>(Temperature::Hot);
            task::yield_now().await;
            spec::monitor::<Flapping>(between);
            task::yield_now().await;
        }
    });
}

#[test]
fn hot_and_plain_for_ever_is_a_liveness_bug_but_hot_and_cold_is_not() {
    let msg = bug(fair(), || flap(Temperature::Plain));
    assert!(
        msg.contains("monitor Flapping is hot and has not been cold"),
        "{msg}"
    );
    check(|| flap(Temperature::Cold), fair());
}

// ----- register, and a monitor that notifies itself -----

#[derive(Debug)]
struct StartsHot;

impl Default for StartsHot {
    fn default() -> Self {
        StartsHot
    }
}

impl Monitor for StartsHot {
    type Event = ();

    fn on_event(&mut self, _: ()) {
        spec::monitor::<StartsHot>(());
    }

    fn temperature(&self) -> Temperature {
        Temperature::Hot
    }
}

#[test]
fn a_registered_monitor_that_starts_hot_is_checked_without_events() {
    let msg = bug(Config::new().iterations(1), || async {
        spec::register::<StartsHot>();
    });
    assert!(
        msg.contains("monitor StartsHot is hot at the end of the execution"),
        "{msg}"
    );
}

#[test]
fn a_monitor_notifying_itself_is_reported_clearly() {
    let msg = bug(Config::new().iterations(1), || async {
        spec::monitor::<StartsHot>(());
    });
    assert!(
        msg.contains("monitor StartsHot was notified while it handled an event"),
        "{msg}"
    );
}

/// The line number of the first line of this file that contains `needle`.
fn line_of(needle: &str) -> usize {
    include_str!("monitors.rs")
        .lines()
        .position(|l| l.contains(needle))
        .expect("the line exists")
        + 1
}

// ----- a handler that fails leaves the monitor in a state its temperature cannot read -----

#[derive(Debug, Default)]
struct Fragile {
    broken: bool,
}

impl Monitor for Fragile {
    type Event = ();

    fn on_event(&mut self, _: ()) {
        self.broken = true;
        panic!("the handler failed");
    }

    fn temperature(&self) -> Temperature {
        assert!(!self.broken, "asked a broken monitor");
        Temperature::Cold
    }
}

#[test]
fn a_panicking_handler_is_the_reported_bug() {
    let msg = bug(Config::new().iterations(1), || async {
        spec::monitor::<Fragile>(());
    });
    assert!(msg.contains("panic: the handler failed"), "{msg}");
}
