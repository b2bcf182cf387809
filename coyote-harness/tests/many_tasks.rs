//! More tasks in one iteration than the executor's mask of woken tasks covers (64 ids; past
//! that a decision scans the task table): every task runs, a lost update between two of the
//! tasks spawned past the mask's reach is found, and its trace replays.

mod common;

use common::{bug_report, written_trace};
use coyote_harness::sync::Mutex;
use coyote_harness::{check, task, Config};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

const TASKS: u64 = 100;

/// `TASKS` tasks add one to a counter each; the last two (ids 99 and 100, `main` is 0) read it
/// under one lock and write it under another when `racy`.
fn counters(racy: bool) -> impl Fn() -> Pin<Box<dyn Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let n = Arc::new(Mutex::new(0u64));
            let handles: Vec<_> = (0..TASKS)
                .map(|i| {
                    let n = n.clone();
                    task::spawn(async move {
                        task::yield_now().await;
                        if racy && i >= TASKS - 2 {
                            let v = *n.lock().await;
                            task::yield_now().await;
                            *n.lock().await = v + 1;
                        } else {
                            *n.lock().await += 1;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.expect("the task finished");
            }
            assert_eq!(*n.lock().await, TASKS, "lost update");
        })
    }
}

#[test]
fn a_hundred_tasks_all_run_to_their_end() {
    check(counters(false), Config::new().iterations(50).seed(1));
}

#[test]
fn a_lost_update_between_tasks_past_the_sixty_fourth_is_found_and_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-many-tasks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(
        Config::new().iterations(2000).seed(1).trace_dir(&dir),
        counters(true),
    );
    assert!(msg.contains("lost update"), "{msg}");
    let failure = coyote_harness::replay(counters(true), written_trace(&dir));
    assert!(
        failure.message.contains("lost update"),
        "{}",
        failure.message
    );
    let _ = std::fs::remove_dir_all(&dir);
}
