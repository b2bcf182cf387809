//! Seed 003's `SharedEntry`: two tasks each sleep, then write their value into a shared entry.
//! The test expects the last write to be 5, but the writers race: when the writer of 5 goes
//! first, the entry ends up 3. `shared_entry` has the bug; `shared_entry_fixed` awaits the first
//! writer before starting the second, so the value is always 5.

use coyote_harness::{sync::Mutex, task, time};
use std::sync::Arc;
use std::time::Duration;

/// The service code: wait a little, then write.
pub async fn write_with_delay(entry: Arc<Mutex<i32>>, value: i32) {
    time::sleep(Duration::from_millis(100)).await;
    *entry.lock().await = value;
}

/// Planted bug: the two writes race, so the value can be 3.
pub async fn shared_entry() {
    let entry = Arc::new(Mutex::new(0));
    let t1 = task::spawn(write_with_delay(entry.clone(), 3));
    let t2 = task::spawn(write_with_delay(entry.clone(), 5));
    task::join_all([t1, t2]).await;
    let v = *entry.lock().await;
    assert_eq!(v, 5, "Value is '{v}' instead of 5.");
}

/// Fixed: the writes are ordered, so the value is always 5.
pub async fn shared_entry_fixed() {
    let entry = Arc::new(Mutex::new(0));
    task::spawn(write_with_delay(entry.clone(), 3))
        .await
        .unwrap();
    task::spawn(write_with_delay(entry.clone(), 5))
        .await
        .unwrap();
    let v = *entry.lock().await;
    assert_eq!(v, 5, "Value is '{v}' instead of 5.");
}

coyote_harness::export_tests!(shared_entry, shared_entry_fixed);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn check_finds_the_race() {
        let err = std::panic::catch_unwind(|| {
            check(
                shared_entry,
                Config::new()
                    .iterations(1000)
                    .trace_dir(std::env::temp_dir().join("coyote-shared-entry")),
            )
        })
        .expect_err("the bug must be found");
        let msg = coyote_harness_panic_text(&err);
        assert!(msg.contains("Value is '3' instead of 5."), "{msg}");
    }

    #[test]
    fn fixed_passes_every_strategy() {
        for s in ["random", "pct:3", "dfs"] {
            check(
                shared_entry_fixed,
                Config::new().iterations(2000).strategy(s),
            );
        }
    }

    /// Production mode: the same service code under a real tokio runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_tokio() {
        for _ in 0..10 {
            shared_entry_fixed().await;
        }
    }

    fn coyote_harness_panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }
}
