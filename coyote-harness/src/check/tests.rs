use super::shown_log;

/// `until_saturated` stops `check` once iterations stop covering anything new; without it
/// every iteration runs.
#[test]
fn until_saturated_stops_check_when_coverage_stops_growing() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SMALL: AtomicU64 = AtomicU64::new(0);
    static GROWING: AtomicU64 = AtomicU64::new(0);
    let config = || super::Config::new().iterations(20_000).until_saturated(50);
    super::check(
        || async {
            SMALL.fetch_add(1, Ordering::Relaxed);
            let t = crate::task::spawn(crate::task::yield_now());
            crate::task::yield_now().await;
            t.await.unwrap();
        },
        config(),
    );
    let small = SMALL.load(Ordering::Relaxed);
    assert!((50..500).contains(&small), "{small} iterations");
    // Without it, every iteration runs.
    super::check(
        || async {
            GROWING.fetch_add(1, Ordering::Relaxed);
            crate::task::yield_now().await;
        },
        super::Config::new().iterations(300),
    );
    assert_eq!(
        GROWING.load(Ordering::Relaxed),
        300,
        "without it, all iterations"
    );
}

#[test]
fn long_logs_show_both_ends() {
    let log: Vec<String> = (1..=1000).map(|i| format!("step {i}")).collect();
    let shown = shown_log(&log);
    assert_eq!(shown.lines().count(), 201);
    assert!(shown.starts_with("step 1\n"));
    assert!(shown.ends_with("\nstep 1000"));
    assert!(shown.contains("\nstep 100\n... 800 more lines"));
    assert!(shown.contains("...\nstep 901\n"));
    let short: Vec<String> = log[..201].to_vec();
    assert_eq!(shown_log(&short), short.join("\n"));
}
