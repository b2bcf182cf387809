//! The test-mode semantics users rely on, checked by exhaustive exploration (`dfs`).

mod common;

use common::{dfs, panic_text, written_trace};

use coyote_harness::{check, random, replay, spec, sync, task, time, Config};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

static SPAWN_ORDERS: Mutex<BTreeSet<bool>> = Mutex::new(BTreeSet::new());

/// `spawn` is not a scheduling point, but the spawner's next one is: there the strategy runs the
/// child first or the spawner first. DFS must see both.
#[test]
fn spawn_orders_are_both_explored() {
    SPAWN_ORDERS.lock().unwrap().clear();
    check(
        || async {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            let child = task::spawn(async move { f.store(true, Ordering::SeqCst) });
            // Atomic with the spawn: the child cannot have run yet.
            assert!(!flag.load(Ordering::SeqCst));
            task::yield_now().await;
            SPAWN_ORDERS
                .lock()
                .unwrap()
                .insert(flag.load(Ordering::SeqCst));
            child.await.unwrap();
        },
        dfs(),
    );
    assert_eq!(*SPAWN_ORDERS.lock().unwrap(), BTreeSet::from([false, true]));
}

static CHOICES: Mutex<BTreeSet<(bool, u64)>> = Mutex::new(BTreeSet::new());

#[test]
fn dfs_enumerates_declared_choices() {
    CHOICES.lock().unwrap().clear();
    check(
        || async {
            let b = random::bool();
            let i = random::int(3);
            CHOICES.lock().unwrap().insert((b, i));
        },
        dfs(),
    );
    assert_eq!(CHOICES.lock().unwrap().len(), 6);
}

static TIMEOUTS: Mutex<BTreeSet<bool>> = Mutex::new(BTreeSet::new());

/// A timeout around a reply that will come fires in some schedules and not in others.
#[test]
fn timeouts_fire_before_or_after_the_reply() {
    TIMEOUTS.lock().unwrap().clear();
    check(
        || async {
            let (tx, rx) = sync::oneshot::channel();
            let t = task::spawn(async move {
                time::sleep(Duration::from_millis(10)).await;
                let _ = tx.send(7);
            });
            let before = time::now();
            let r = time::timeout(Duration::from_secs(1), rx).await;
            TIMEOUTS.lock().unwrap().insert(r.is_ok());
            if r.is_err() {
                assert!(time::now().duration_since(before) >= Duration::from_secs(1));
            }
            t.await.unwrap();
        },
        dfs(),
    );
    assert_eq!(*TIMEOUTS.lock().unwrap(), BTreeSet::from([false, true]));
}

#[test]
fn deadlock_names_every_blocked_task() {
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                let a = Arc::new(sync::Mutex::new(()));
                let b = Arc::new(sync::Mutex::new(()));
                let (a2, b2) = (a.clone(), b.clone());
                let t = task::spawn(async move {
                    let _gb = b2.lock().await;
                    task::yield_now().await;
                    let _ga = a2.lock().await;
                });
                let _ga = a.lock().await;
                task::yield_now().await;
                let _gb = b.lock().await;
                drop(_gb);
                drop(_ga);
                t.await.unwrap();
            },
            Config::new().iterations(10_000).strategy("random"),
        )
    })
    .expect_err("the lock-order inversion deadlocks");
    let msg = panic_text(err);
    assert!(
        msg.contains("deadlock: no task can run, 2 blocked"),
        "{msg}"
    );
    assert!(
        msg.contains("main waits on mutex.lock at coyote-harness/tests/semantics.rs"),
        "{msg}"
    );
    assert!(
        msg.contains("task 1 (spawned at coyote-harness/tests/semantics.rs"),
        "{msg}"
    );
}

/// Without the `coyote` binary's watch (plain `cargo test`), an OS thread the test waits on is
/// still told apart from a deadlock when nothing controlled can run.
#[test]
fn waiting_on_an_os_thread_is_uncontrolled_not_a_deadlock() {
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                let (tx, rx) = sync::oneshot::channel::<u32>();
                let t = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = tx.send(1);
                });
                let _ = rx.await;
                t.join().unwrap();
            },
            Config::new().iterations(1).strategy("random"),
        )
    })
    .expect_err("the OS thread is outside coyote's control");
    let msg = panic_text(err);
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("OS thread(s) of its own"), "{msg}");
}

#[test]
fn spec_assert_is_an_assertion_bug_with_its_line() {
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                let x = random::int(4);
                spec::assert(x != 3, format!("x is {x}"));
            },
            dfs(),
        )
    })
    .expect_err("x = 3 is reachable");
    let msg = panic_text(err);
    assert!(msg.contains("assertion: x is 3"), "{msg}");
    assert!(msg.contains("semantics.rs"), "{msg}");
}

#[test]
fn step_bound_is_a_bug_only_when_asked() {
    let spin = || async {
        loop {
            task::yield_now().await;
        }
    };
    check(spin, Config::new().iterations(3).max_steps(100));
    let err = std::panic::catch_unwind(|| {
        check(
            spin,
            Config::new()
                .iterations(3)
                .max_steps(100)
                .step_bound_is_bug(true),
        )
    })
    .expect_err("the bound is a bug when asked");
    assert!(panic_text(err).contains("step-bound"));
}

/// A task spinning on `yield_now` until another task sets a flag: as in tokio, a yield lets the
/// other tasks run under every strategy, also the priority based ones (`pct`, `pos`) and the
/// round-robin based ones, which otherwise keep the running task going, so no iteration spins to
/// the step bound and the bounded searches end.
#[test]
fn a_yield_lets_the_others_run_under_every_strategy() {
    let spin_wait = || async {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let waiter = task::spawn(async move {
            while !f.load(Ordering::SeqCst) {
                task::yield_now().await;
            }
        });
        let setter = task::spawn(async move {
            task::yield_now().await;
            flag.store(true, Ordering::SeqCst);
        });
        waiter.await.unwrap();
        setter.await.unwrap();
    };
    for strategy in [
        "idb:2",
        "delay-bounding:3",
        "dfs:12",
        "pct:3",
        "pct:1",
        "fair-pct:3",
        "pos",
        "probabilistic",
        "random",
        "rl",
        "portfolio",
    ] {
        let iterations = if strategy.starts_with("dfs") {
            10_000
        } else {
            300
        };
        check(
            spin_wait,
            Config::new()
                .strategy(strategy)
                .iterations(iterations)
                .max_steps(1_000)
                .step_bound_is_bug(true),
        );
    }
}

/// A replay whose trace runs out at a declared choice stops there with a divergence, rather
/// than handing the test a made-up value: this test, looping until a choice comes up `true`,
/// would spin forever on a made-up `false`.
#[test]
fn a_replay_that_runs_out_at_a_choice_stops_there() {
    let dir = std::env::temp_dir().join(format!("coyote-sem-choice-{}", std::process::id()));
    let test = || async {
        while !random::bool() {}
        panic!("the choice came up true");
    };
    let config = Config::new()
        .strategy("random")
        .seed(3)
        .iterations(100)
        .trace_dir(&dir);
    let err = std::panic::catch_unwind(|| check(test, config)).expect_err("found at once");
    assert!(panic_text(err).contains("came up true"));
    let path = written_trace(&dir);
    let mut trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let decisions = trace["decisions"].as_str().unwrap().to_string();
    assert!(decisions.ends_with("b1"), "{decisions}");
    let cut = decisions.trim_end_matches("b1").trim_end().to_string();
    trace["decisions"] = cut.into();
    std::fs::write(&path, trace.to_string()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let replayed = std::panic::catch_unwind(|| replay(test, &path));
        let _ = tx.send(replayed.map_err(panic_text));
    });
    let replayed = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the replay stops instead of spinning");
    let msg = replayed.expect_err("the replay diverges");
    assert!(msg.contains("coyote replay diverged"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Replaying the trace `check` wrote reproduces the same failure.
#[test]
fn check_trace_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-sem-{}", std::process::id()));
    let test = || async {
        let v = Arc::new(sync::Mutex::new(0));
        let v2 = v.clone();
        let t = task::spawn(async move { *v2.lock().await += 1 });
        let read = *v.lock().await;
        *v.lock().await = read + 1;
        t.await.unwrap();
        assert_eq!(*v.lock().await, 2, "lost update");
    };
    let err =
        std::panic::catch_unwind(|| check(test, Config::new().iterations(10_000).trace_dir(&dir)))
            .expect_err("the lost update is found");
    assert!(panic_text(err).contains("lost update"));
    let trace = written_trace(&dir);
    let failure = coyote_harness::replay(test, &trace);
    assert!(failure.message.contains("lost update"));
}

/// Every scheduling point in the step log names the user's line, not the harness's.
#[test]
fn step_log_points_at_user_lines() {
    let err = std::panic::catch_unwind(|| {
        check(
            || async {
                task::yield_now().await;
                panic!("stop");
            },
            Config::new().iterations(1),
        )
    })
    .expect_err("panics");
    let msg = panic_text(err);
    let yield_line = msg
        .lines()
        .find(|l| l.contains(" yield "))
        .expect("a yield step");
    assert!(
        yield_line.contains("coyote-harness/tests/semantics.rs"),
        "{yield_line}"
    );
}
