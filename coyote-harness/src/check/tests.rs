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

/// `check_as_file` of `test` under `config`, as `check` runs it: its summary.
fn summary_of<Fut: std::future::Future<Output = ()> + 'static>(
    test: fn() -> Fut,
    config: super::Config,
) -> super::Summary {
    let make = || {
        let fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(test());
        (fut, std::panic::Location::caller())
    };
    super::check_as_file("t", "t", &make, config, |_| String::new())
}

/// Two tasks that yield twice each, awaited by main.
async fn two_tasks() {
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            crate::task::spawn(async {
                crate::task::yield_now().await;
                crate::task::yield_now().await;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// A passing check's line counts distinct decision sequences: a program with exactly K
/// schedules under `dfs` prints K (six data choices; the schedules `dfs` itself counts for
/// two tasks), and another strategy prints no more than there are, nor than it ran.
#[test]
fn a_passing_check_prints_its_distinct_schedules() {
    let config = || super::Config::new().iterations(1000).strategy("dfs");
    let six = summary_of(
        || async {
            let _ = crate::random::bool();
            let _ = crate::random::int(3);
        },
        config(),
    );
    let line = six.to_string();
    assert!(
        line.starts_with("coyote: t: 0 bugs, 6 iterations, 6 distinct schedules, "),
        "{line}"
    );
    assert!(
        line.ends_with("(dfs, seed 0; every schedule explored)"),
        "{line}"
    );

    let all = summary_of(two_tasks, config());
    assert!(all.exhausted && all.iterations > 10, "{all}");
    assert_eq!(all.schedules, all.iterations, "{all}");
    // The count `dfs` itself keeps, running the same program to exhaustion.
    let spec = crate::runner::RunSpec {
        test_name: "t".into(),
        seed: 0,
        iterations: 1000,
        bounds: Default::default(),
        step_bound_is_bug: false,
        stop_on_first_bug: false,
        progress_every: std::time::Duration::from_secs(3600),
        capture_from: None,
        coverage: false,
        resume_after: None,
        saturation: false,
        until_saturated: None,
    };
    let make = || {
        let fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(two_tasks());
        (fut, std::panic::Location::caller())
    };
    let mut dfs = coyote_core::strategy::Dfs::new(None);
    let result = crate::runner::run(&make, &mut dfs, &spec, &mut |_| {}, None);
    assert_eq!(result.schedules, Some(all.schedules));

    let ran = 3 * all.iterations;
    let portfolio = summary_of(two_tasks, super::Config::new().iterations(ran));
    assert_eq!(portfolio.iterations, ran);
    assert!(
        (1..=all.schedules).contains(&portfolio.schedules),
        "{portfolio} (of {} schedules)",
        all.schedules
    );
    assert!(portfolio.to_string().contains(&format!(
        "{} iterations, {} distinct schedules",
        coyote_core::report::thousands(ran),
        portfolio.schedules
    )));
}
