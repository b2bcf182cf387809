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
