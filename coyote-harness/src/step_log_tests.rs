//! The step log's sub-lines for locks and semaphores: releases at the step they happen in, the
//! holder a blocked task waits for (the current one, not the last to take it), and the permits
//! left. Each scenario deadlocks the same way under any schedule, so the lines are fixed.

use crate::rt::IterationOutcome;
use crate::rt_tests::run_logged;
use crate::sync::{Mutex, RwLock, Semaphore};
use crate::task;
use std::sync::Arc;

fn deadlocked(main: impl std::future::Future<Output = ()> + 'static) -> String {
    let (outcome, log) = run_logged(main);
    assert!(
        matches!(&outcome, IterationOutcome::Bug(f) if f.kind == coyote_core::trace::BugKind::Deadlock),
        "{outcome:?}\n{}",
        log.join("\n")
    );
    log.join("\n")
}

#[test]
fn a_blocked_lock_names_its_current_holder_and_each_release_is_a_sub_line() {
    let this = file!();
    let first = line!() + 5;
    let again = line!() + 10;
    let log = deadlocked(async {
        let m = Arc::new(Mutex::new(()));
        let m1 = m.clone();
        task::spawn(async move { drop(m1.lock().await) })
            .await
            .unwrap();
        // Not a scheduling point: the last `lock` outcome is still task 1's.
        let _held = m.try_lock().unwrap();
        let m2 = m.clone();
        task::spawn(async move { drop(m2.lock().await) })
            .await
            .unwrap();
    });
    assert!(
        log.contains(&format!(
            "task 1   release mutex    taken at {this}:{first}:"
        )),
        "{log}"
    );
    assert!(
        log.contains("task 2   -> blocked on mutex.lock: held by main"),
        "{log}"
    );
    assert!(!log.contains("held by task 1"), "{log}");
    assert!(
        log.contains(&format!(
            "task 2   parked: waits on mutex.lock at {this}:{again}:"
        )),
        "{log}"
    );
}

#[test]
fn a_semaphore_says_the_permits_left_and_who_holds_them() {
    let this = file!();
    let taken = line!() + 5;
    let log = deadlocked(async {
        let sem = Arc::new(Semaphore::new(3));
        let _one = sem.acquire().await.unwrap();
        let s = sem.clone();
        task::spawn(async move { drop(s.acquire_many(2).await.unwrap()) })
            .await
            .unwrap();
        let s = sem.clone();
        task::spawn(async move { drop(s.acquire_owned().await.unwrap()) })
            .await
            .unwrap();
        let _two = sem.acquire_many(2).await.unwrap();
        let s = sem.clone();
        task::spawn(async move { drop(s.acquire_many(1).await.unwrap()) })
            .await
            .unwrap();
    });
    assert!(log.contains("main     -> acquired (2 left)"), "{log}");
    assert!(log.contains("task 1   -> acquired (0 left)"), "{log}");
    assert!(
        log.lines().any(|l| l.contains(&format!(
            "task 1   release 2 permits taken at {this}:{taken}:"
        )) && l.ends_with(" (2 left)")),
        "{log}"
    );
    assert!(log.contains("task 2   release permit   taken at "), "{log}");
    assert!(
        log.contains("task 3   -> blocked on semaphore.acquire: held by main (0 left)"),
        "{log}"
    );
}

#[test]
fn a_writer_blocked_by_readers_names_them() {
    let log = deadlocked(async {
        let l = Arc::new(RwLock::new(0));
        let _r = l.read().await;
        let l2 = l.clone();
        task::spawn(async move {
            let _r = l2.read().await;
            let l3 = l2.clone();
            task::spawn(async move { *l3.write().await += 1 })
                .await
                .unwrap();
        })
        .await
        .unwrap();
    });
    assert!(
        log.contains("task 2   -> blocked on rwlock.write: held by main and 1 other"),
        "{log}"
    );
}
