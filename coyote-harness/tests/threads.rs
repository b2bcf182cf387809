//! Controlled threads: spawn and join, races between threads found and replayed, fixed twins
//! passing, deadlocks and panics reported, `park`/`unpark`, scoped threads and thread-locals.

mod common;

use common::{bug_report, deadlock_report, dfs};
use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
use coyote_harness::std::thread;
use coyote_harness::{check, Config};
use std::sync::Arc;

/// Two threads increment a counter with a load and a store (a lost update), or with
/// `fetch_add` (fixed).
fn counter(fixed: bool) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let n = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let n = n.clone();
                    thread::spawn(move || {
                        if fixed {
                            n.fetch_add(1, Ordering::SeqCst);
                        } else {
                            let v = n.load(Ordering::SeqCst);
                            n.store(v + 1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
        })
    }
}

#[test]
fn a_lost_update_between_threads_is_found_and_fetch_add_fixes_it() {
    let msg = bug_report(dfs(), counter(false));
    assert!(msg.contains("lost update"), "{msg}");
    check(counter(true), dfs());
}

#[test]
fn a_thread_parked_forever_is_a_deadlock_that_names_it() {
    let msg = deadlock_report(|| async {
        let h = thread::Builder::new()
            .name("sleeper".into())
            .spawn(thread::park)
            .unwrap();
        h.join().unwrap();
    });
    assert!(msg.contains("thread 1 'sleeper'"), "{msg}");
    assert!(msg.contains("thread.park"), "{msg}");
    assert!(
        msg.contains("main waits to join thread 1 'sleeper'"),
        "{msg}"
    );
}

#[test]
fn unpark_wakes_a_parked_thread_in_every_schedule() {
    check(
        || async {
            let h = thread::spawn(thread::park);
            h.thread().unpark();
            h.join().unwrap();
        },
        dfs(),
    );
}

#[test]
fn a_joined_panic_is_the_joiners_and_an_unjoined_one_is_a_bug() {
    check(
        || async {
            let h = thread::spawn(|| panic!("boom"));
            let err = h.join().expect_err("the panic");
            assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
        },
        Config::new().iterations(10),
    );
    let msg = bug_report(Config::new().iterations(10), || async {
        drop(thread::spawn(|| panic!("nobody joins me")));
    });
    assert!(msg.contains("nobody joins me"), "{msg}");
    assert!(msg.contains("thread 1"), "{msg}");
}

#[test]
fn a_race_between_threads_replays_from_its_trace() {
    let dir = std::env::temp_dir().join(format!("coyote-threads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(Config::new().trace_dir(&dir), counter(false));
    assert!(msg.contains("lost update"), "{msg}");
    let failure = coyote_harness::replay(counter(false), common::written_trace(&dir));
    assert!(
        failure.message.contains("lost update"),
        "{}",
        failure.message
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Scoped threads borrow the caller's data; a race between two of them is found.
fn scoped(fixed: bool) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let n = AtomicUsize::new(0);
            let names = thread::scope(|s| {
                let a = s.spawn(|| {
                    if fixed {
                        n.fetch_add(1, Ordering::SeqCst);
                    } else {
                        let v = n.load(Ordering::SeqCst);
                        n.store(v + 1, Ordering::SeqCst);
                    }
                    thread::current().name().map(str::to_string)
                });
                thread::Builder::new()
                    .name("b".into())
                    .spawn_scoped(s, || {
                        n.fetch_add(1, Ordering::SeqCst);
                    })
                    .unwrap();
                a.join().unwrap()
            });
            assert_eq!(names, None);
            assert_eq!(n.load(Ordering::SeqCst), 2, "lost update in a scope");
        })
    }
}

#[test]
fn scoped_threads_borrow_and_are_joined_at_the_scope_end() {
    let msg = bug_report(dfs(), scoped(false));
    assert!(msg.contains("lost update in a scope"), "{msg}");
    check(scoped(true), dfs());
}

#[test]
fn an_unjoined_scoped_panic_panics_the_scope() {
    let msg = bug_report(Config::new().iterations(5), || async {
        thread::scope(|s| {
            s.spawn(|| panic!("inner"));
        });
    });
    assert!(msg.contains("a scoped thread panicked"), "{msg}");
}

coyote_harness::thread_local! {
    static SEEN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[test]
fn thread_locals_are_per_thread_and_fresh_every_iteration() {
    check(
        || async {
            // Each iteration starts from the initial value, in main and in each thread.
            assert_eq!(
                SEEN.get(),
                0,
                "a thread-local kept its value from an earlier iteration"
            );
            SEEN.set(1);
            let h = thread::spawn(|| {
                assert_eq!(SEEN.get(), 0, "a thread saw another thread's value");
                SEEN.set(7);
                SEEN.get()
            });
            assert_eq!(h.join().unwrap(), 7);
            assert_eq!(SEEN.get(), 1);
        },
        Config::new().iterations(20),
    );
}

#[test]
fn in_production_they_are_std_threads() {
    let n = Arc::new(AtomicUsize::new(0));
    let h = {
        let n = n.clone();
        thread::Builder::new()
            .name("worker".into())
            .spawn(move || {
                n.fetch_add(1, Ordering::SeqCst);
                thread::current().name().map(str::to_string)
            })
            .unwrap()
    };
    assert_eq!(h.join().unwrap().as_deref(), Some("worker"));
    let v = thread::scope(|s| s.spawn(|| n.load(Ordering::SeqCst) + 1).join().unwrap());
    assert_eq!(v, 2);
    assert!(thread::spawn(|| panic!("err")).join().is_err());
    SEEN.set(3);
    assert_eq!(SEEN.get(), 3);
}

#[test]
fn a_thread_blocks_on_a_future_and_spawn_blocking_is_a_thread() {
    // A lock held by a task across a yield; a spawn_blocking thread waits for it with
    // block_on, each wait a scheduling point; a missing release is a deadlock naming it.
    let msg = deadlock_report(|| async {
        let m = Arc::new(coyote_harness::sync::Mutex::new(0));
        let guard = m.clone().lock_owned().await;
        let h = coyote_harness::task::spawn_blocking(move || {
            *thread::block_on(m.lock()) += 1;
        });
        h.await.unwrap();
        drop(guard);
    });
    assert!(msg.contains("thread 1 'spawn_blocking'"), "{msg}");
    assert!(msg.contains("mutex.lock"), "{msg}");
    check(
        || async {
            let m = Arc::new(coyote_harness::sync::Mutex::new(0));
            let h = {
                let m = m.clone();
                coyote_harness::task::spawn_blocking(move || {
                    *thread::block_on(m.lock()) += 1;
                })
            };
            *m.lock().await += 1;
            h.await.unwrap();
            assert_eq!(*m.lock().await, 2);
        },
        dfs(),
    );
}
