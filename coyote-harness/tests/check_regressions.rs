//! `check` replays the test's regression traces before it explores: a trace whose bug is fixed
//! passes, one that fails again fails the check, naming the trace, before any exploration.

mod common;

use common::panic_text;
use coyote_harness::{check, task, Config};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Whether `update` holds its lock across the yield (the fix).
static FIXED: AtomicBool = AtomicBool::new(false);

/// Two tasks increment a counter; unfixed, they read and write under two lock sections with a
/// yield between: a lost update.
async fn update() {
    let n = Arc::new(coyote_harness::sync::Mutex::new(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            task::spawn(async move {
                if FIXED.load(Ordering::Relaxed) {
                    let mut g = n.lock().await;
                    task::yield_now().await;
                    *g += 1;
                } else {
                    let v = *n.lock().await;
                    task::yield_now().await;
                    *n.lock().await = v + 1;
                }
            })
        })
        .collect();
    task::join_all(handles).await;
    assert_eq!(*n.lock().await, 2, "lost update");
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("coyote-regr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn regression_traces_replay_before_exploring() {
    let traces = dir("traces");
    let regressions = dir("kept");
    // Find the bug: check writes its trace and says where to keep it.
    FIXED.store(false, Ordering::Relaxed);
    let text = panic_text(
        catch_unwind(AssertUnwindSafe(|| {
            check(
                update,
                Config::new()
                    .trace_dir(&traces)
                    .regressions_dir(&regressions),
            )
        }))
        .unwrap_err(),
    );
    assert!(text.contains("lost update"), "{text}");
    assert!(text.contains("keep it as a regression"), "{text}");
    std::fs::create_dir_all(&regressions).unwrap();
    std::fs::copy(
        traces.join("update.trace"),
        regressions.join("lost-1.trace"),
    )
    .unwrap();
    // Fixed: the kept trace replays to a normal end, and exploring finds nothing.
    FIXED.store(true, Ordering::Relaxed);
    check(
        update,
        Config::new()
            .trace_dir(&traces)
            .regressions_dir(&regressions),
    );
    // Broken again: the regression fails the check before any iteration explores (one
    // iteration of the first probe could not find this bug).
    FIXED.store(false, Ordering::Relaxed);
    let text = panic_text(
        catch_unwind(AssertUnwindSafe(|| {
            check(
                update,
                Config::new()
                    .iterations(1)
                    .strategy("dfs")
                    .trace_dir(&traces)
                    .regressions_dir(&regressions),
            )
        }))
        .unwrap_err(),
    );
    assert!(text.starts_with("coyote check: regression "), "{text}");
    assert!(text.contains("lost-1.trace fails again: panic: "), "{text}");
    let _ = std::fs::remove_dir_all(&traces);
    let _ = std::fs::remove_dir_all(&regressions);
}
