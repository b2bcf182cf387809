//! The drop-in under a controlled test: tokio's paths reach coyote's tasks, time and sync; what
//! coyote cannot control is reported, not run.

use coyote_harness::{check, Config};
use coyote_tokio as tokio;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::{Instant, MissedTickBehavior};

/// The panic message of `f`, which must panic.
fn failure(f: impl FnOnce()) -> String {
    let p = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a bug");
    p.downcast_ref::<String>().cloned().unwrap_or_default()
}

async fn lost_update() {
    let counter = Arc::new(Mutex::new(0));
    let c = counter.clone();
    let t = tokio::spawn(async move {
        let v = *c.lock().await;
        *c.lock().await = v + 1;
    });
    let v = *counter.lock().await;
    *counter.lock().await = v + 1;
    t.await.unwrap();
    assert_eq!(*counter.lock().await, 2, "lost update");
}

#[test]
fn a_lost_update_on_tokio_sync_is_found() {
    let msg = failure(|| check(lost_update, Config::new().iterations(200)));
    assert!(msg.contains("lost update"), "{msg}");
}

#[test]
fn time_is_virtual_and_instants_follow_it() {
    check(
        || async {
            let start = Instant::now();
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
            let until = Instant::now() + Duration::from_secs(5);
            tokio::time::sleep_until(until).await;
            assert_eq!(Instant::now(), until);
            tokio::time::advance(Duration::from_secs(1)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(3606));
        },
        Config::new().iterations(20),
    );
}

#[test]
fn timeouts_and_resets() {
    check(
        || async {
            let slow =
                tokio::time::timeout(Duration::from_millis(10), std::future::pending::<()>());
            assert!(slow.await.is_err());
            let deadline = Instant::now() + Duration::from_millis(10);
            assert_eq!(tokio::time::timeout_at(deadline, async { 7 }).await, Ok(7));
            let sleep = tokio::time::sleep(Duration::from_secs(100));
            tokio::pin!(sleep);
            let soon = Instant::now() + Duration::from_millis(1);
            sleep.as_mut().reset(soon);
            sleep.await;
            assert_eq!(Instant::now(), soon);
        },
        Config::new().iterations(50),
    );
}

#[test]
fn intervals_tick_on_virtual_time_by_their_missed_tick_rule() {
    check(
        || async {
            let start = Instant::now();
            let mut every = tokio::time::interval(Duration::from_millis(10));
            assert_eq!(every.tick().await, start);
            assert_eq!(every.tick().await, start + Duration::from_millis(10));
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            tokio::time::sleep(Duration::from_millis(35)).await; // now start + 45
            let late = every.tick().await;
            assert_eq!(late, start + Duration::from_millis(20));
            assert_eq!(every.tick().await, start + Duration::from_millis(55));
            let mut at = tokio::time::interval_at(
                Instant::now() + Duration::from_secs(1),
                Duration::from_secs(1),
            );
            let first = at.tick().await;
            assert_eq!(first.duration_since(start), Duration::from_millis(1055));
        },
        Config::new().iterations(20),
    );
}

#[test]
fn local_tasks_handles_and_macros() {
    tokio::task_local! { static REQUEST: u32; }
    check(
        || async {
            let local = tokio::task::LocalSet::new();
            let shared = Rc::new(5); // !Send
            let s = shared.clone();
            let out = local
                .run_until(async move { tokio::task::spawn_local(async move { *s + 1 }).await })
                .await;
            assert_eq!(out.unwrap(), 6);
            let h = tokio::runtime::Handle::current().spawn(async { 2 });
            let (a, b) = tokio::join!(h, async { 3 });
            assert_eq!(a.unwrap() + b, 5);
            let r: Result<(u8, u8), ()> = tokio::try_join!(async { Ok(1) }, async { Ok(2) });
            assert_eq!(r, Ok((1, 2)));
            let picked = tokio::select! {
                v = async { 1 } => v,
                v = async { 2 } => v,
            };
            assert!(picked == 1 || picked == 2);
            let v = REQUEST.scope(9, async { REQUEST.get() }).await;
            assert_eq!(v, 9);
            assert_eq!(tokio::task::block_in_place(|| 4), 4);
        },
        Config::new().iterations(30),
    );
}

#[test]
fn the_file_system_in_a_test_is_reported_uncontrolled_at_the_callers_line() {
    let msg = failure(|| {
        check(
            || async {
                let _ = tokio::fs::read_to_string("/etc/hostname").await;
            },
            Config::new().iterations(1),
        )
    });
    assert!(msg.contains("uncontrolled"), "{msg}");
    assert!(msg.contains("tokio::fs::read_to_string"), "{msg}");
    assert!(
        msg.contains("coyote-tokio/tests/dropin.rs:"),
        "the user's line: {msg}"
    );
}

#[test]
fn blocking_on_a_runtime_inside_a_test_is_an_error_naming_it() {
    let msg = failure(|| {
        check(
            || async {
                let rt = tokio::runtime::Runtime::new().unwrap();
                rt.block_on(async {});
            },
            Config::new().iterations(1),
        )
    });
    assert!(
        msg.contains("Runtime::block_on inside a coyote test"),
        "{msg}"
    );
}

#[test]
fn ctrl_c_never_arrives_in_a_test() {
    let msg = failure(|| {
        check(
            || async {
                let _ = tokio::signal::ctrl_c().await;
            },
            Config::new().iterations(1),
        )
    });
    assert!(
        msg.contains("deadlock") || msg.contains("no task can run"),
        "{msg}"
    );
}

#[test]
fn in_production_it_is_tokio() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
        let rc = Rc::new(1);
        let v = tokio::task::spawn_local(async move { *rc }).await.unwrap();
        assert_eq!(v, 1);
        assert_eq!(lost_update_free().await, 2);
        assert!(!coyote_harness::is_test_mode());
    });
}

async fn lost_update_free() -> i32 {
    let m = Arc::new(Mutex::new(0));
    let c = m.clone();
    tokio::spawn(async move { *c.lock().await += 1 })
        .await
        .unwrap();
    *m.lock().await += 1;
    let v = *m.lock().await;
    v
}
