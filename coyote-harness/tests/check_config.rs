//! `check`'s defaults: the portfolio, and `COYOTE_ITERATIONS`/`COYOTE_STRATEGY`/`COYOTE_SEED`
//! from the environment under setters called in the code.
//!
//! One test function, alone in its binary, because it sets environment variables.

mod common;

use common::panic_text;
use coyote_harness::{check, task, Config};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static RUNS: AtomicU64 = AtomicU64::new(0);

/// Where each "coyote found a bug" panic was raised (`file:line`).
static BUG_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

async fn counted() {
    RUNS.fetch_add(1, Ordering::Relaxed);
}

/// Two tasks increment without a lock: a lost update.
async fn lost_update() {
    let n = Arc::new(std::sync::Mutex::new(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            task::spawn(async move {
                let v = *n.lock().unwrap();
                task::yield_now().await;
                *n.lock().unwrap() = v + 1;
            })
        })
        .collect();
    task::join_all(handles).await;
    assert_eq!(*n.lock().unwrap(), 2);
}

/// The panic `check` raises for `lost_update` under `config`.
fn bug_line(config: Config) -> String {
    let dir = std::env::temp_dir().join(format!("coyote-check-config-{}", std::process::id()));
    let text = panic_text(
        catch_unwind(AssertUnwindSafe(|| {
            check(lost_update, config.trace_dir(&dir))
        }))
        .unwrap_err(),
    );
    text.lines().next().unwrap_or_default().to_string()
}

fn runs_of(config: Config) -> u64 {
    RUNS.store(0, Ordering::Relaxed);
    check(counted, config);
    RUNS.load(Ordering::Relaxed)
}

#[test]
fn defaults_come_from_the_portfolio_and_the_environment() {
    for var in ["COYOTE_ITERATIONS", "COYOTE_STRATEGY", "COYOTE_SEED"] {
        std::env::remove_var(var);
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        if let (true, Some(l)) = (text.starts_with("coyote found a bug"), info.location()) {
            let at = format!("{}:{}", l.file(), l.line());
            BUG_PANICS.lock().unwrap().push(at);
        }
        previous(info);
    }));
    // The default is the CLI's: the portfolio, worker 0 (its first iteration is a probe).
    let line = bug_line(Config::new());
    assert!(
        line.contains("(portfolio/sweep:newest-first seed 0)"),
        "{line}"
    );
    assert_eq!(runs_of(Config::new()), 1000);
    // The panic names the user's `check` call (in `bug_line`), as `assert!` would, not the
    // harness's own source.
    let at = BUG_PANICS.lock().unwrap().clone();
    assert_eq!(at.len(), 1, "{at:?}");
    assert!(
        at[0].starts_with("coyote-harness/tests/check_config.rs:"),
        "{at:?}"
    );

    std::env::set_var("COYOTE_ITERATIONS", "7");
    std::env::set_var("COYOTE_STRATEGY", "random");
    std::env::set_var("COYOTE_SEED", "42");
    assert_eq!(runs_of(Config::new()), 7);
    let line = bug_line(Config::new());
    assert!(line.contains("(random seed 42)"), "{line}");
    // A setter in the code wins over the environment.
    assert_eq!(runs_of(Config::new().iterations(3)), 3);
    let line = bug_line(Config::new().strategy("pct:3").seed(9));
    assert!(line.contains("(pct:3 seed 9)"), "{line}");

    // A value that does not parse is a clear panic, not a silent default.
    std::env::set_var("COYOTE_ITERATIONS", "lots");
    let err = panic_text(catch_unwind(Config::new).unwrap_err());
    assert_eq!(
        err,
        "coyote check: COYOTE_ITERATIONS=\"lots\" is not a number of iterations"
    );
    std::env::set_var("COYOTE_ITERATIONS", "7");
    std::env::set_var("COYOTE_STRATEGY", "pcct");
    let err = panic_text(catch_unwind(Config::new).unwrap_err());
    assert_eq!(
        err,
        "coyote check: COYOTE_STRATEGY=\"pcct\" is not a strategy such as pct:3"
    );
}
