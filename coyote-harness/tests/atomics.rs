//! Controlled atomics: every access is a scheduling point, in threads and in async tasks, so
//! the races between an atomic and the rest of the program are explored (and replayed).

mod common;

use common::{bug_report, dfs, written_trace};
use coyote_harness::std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use coyote_harness::{check, replay, sync::Notify, task, Config};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type Test = Pin<Box<dyn Future<Output = ()>>>;

/// The classic lost wake-up of two async tasks: the waiter checks the flag, then waits; the
/// notifier sets the flag and notifies the waiters there are. A notification between the
/// check and the wait is lost. Fixed: register (`enable`) before checking.
fn lost_wakeup(fixed: bool) -> impl Fn() -> Test {
    move || {
        Box::pin(async move {
            let flag = Arc::new(AtomicBool::new(false));
            let notify = Arc::new(Notify::new());
            let waiter = {
                let (flag, notify) = (flag.clone(), notify.clone());
                task::spawn(async move {
                    if fixed {
                        let notified = notify.notified();
                        let mut notified = std::pin::pin!(notified);
                        notified.as_mut().enable();
                        if !flag.load(SeqCst) {
                            notified.await;
                        }
                    } else if !flag.load(SeqCst) {
                        notify.notified().await;
                    }
                })
            };
            flag.store(true, SeqCst);
            notify.notify_waiters();
            waiter.await.unwrap();
        })
    }
}

#[test]
fn the_async_lost_wakeup_is_found_by_dfs_and_the_fixed_twin_passes() {
    let msg = bug_report(dfs(), lost_wakeup(false));
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(msg.contains("notify.notified"), "{msg}");
    // The log names the call that lost the wake-up (it stores no permit, unlike notify_one).
    assert!(msg.contains("notify.notify_waiters"), "{msg}");
    assert!(msg.contains("notify.notified (created)"), "{msg}");
    check(lost_wakeup(true), dfs());
}

#[test]
fn the_async_lost_wakeup_is_found_by_the_default_portfolio_and_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-lost-wakeup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(Config::new().trace_dir(&dir), lost_wakeup(false));
    assert!(msg.contains("deadlock"), "{msg}");
    // The trace replays to the same failure (the replay restarts on coroutines as the run did).
    let failure = replay(lost_wakeup(false), written_trace(&dir));
    assert_eq!(failure.kind.to_string(), "deadlock");
    let _ = std::fs::remove_dir_all(&dir);
    check(lost_wakeup(true), Config::new());
}

/// Check-then-act on an atomic in async tasks: two tasks each take the last ticket if
/// `load` says there is one; `compare_exchange` fixes it.
fn last_ticket(fixed: bool) -> impl Fn() -> Test {
    move || {
        Box::pin(async move {
            let tickets = Arc::new(AtomicUsize::new(1));
            let sold = Arc::new(AtomicUsize::new(0));
            let buyers: Vec<_> = (0..2)
                .map(|_| {
                    let (tickets, sold) = (tickets.clone(), sold.clone());
                    task::spawn(async move {
                        let got = if fixed {
                            tickets
                                .fetch_update(SeqCst, SeqCst, |t| t.checked_sub(1))
                                .is_ok()
                        } else if tickets.load(SeqCst) > 0 {
                            tickets.store(tickets.load(SeqCst).saturating_sub(1), SeqCst);
                            true
                        } else {
                            false
                        };
                        if got {
                            sold.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            for b in buyers {
                b.await.unwrap();
            }
            assert_eq!(sold.load(SeqCst), 1, "the last ticket was sold twice");
        })
    }
}

#[test]
fn check_then_act_on_an_atomic_in_tasks_is_found_and_fetch_update_fixes_it() {
    let msg = bug_report(dfs(), last_ticket(false));
    assert!(msg.contains("sold twice"), "{msg}");
    assert!(msg.contains("atomic.load"), "{msg}");
    check(last_ticket(true), dfs());
}

#[test]
fn in_production_they_are_std_atomics() {
    let a = AtomicUsize::new(1);
    assert_eq!(a.fetch_add(2, SeqCst), 1);
    assert_eq!(a.compare_exchange(3, 5, SeqCst, SeqCst), Ok(3));
    assert_eq!(a.load(SeqCst), 5);
    let b = AtomicBool::new(false);
    assert!(!b.swap(true, SeqCst));
    assert!(b.load(SeqCst));
}
