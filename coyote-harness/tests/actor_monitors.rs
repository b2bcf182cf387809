//! Monitors registered per test (by `Config::monitor` and by `export_tests!`), so a monitor that
//! starts hot is checked without a first notification; and monitor states in the log.

#[path = "common/mod.rs"]
mod common;

use common::{bug_report, written_trace};
use coyote_harness::actor::{Actor, Context};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::sync::oneshot;
use coyote_harness::{actor, check, random, Config};
use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Waiting,
    Served,
}

/// Liveness: the request the test makes at its start is served. Hot from the start: the
/// program owes it before any event reaches it.
#[derive(Debug, Default)]
struct Served {
    phase: Phase,
}

struct Done;

impl Monitor for Served {
    type Event = Done;
    const STATES: &'static [&'static str] = &["Waiting", "Served"];

    fn on_event(&mut self, _: Done) {
        self.phase = Phase::Served;
    }

    fn temperature(&self) -> Temperature {
        match self.phase {
            Phase::Waiting => Temperature::Hot,
            Phase::Served => Temperature::Cold,
        }
    }

    fn state(&self) -> Option<&dyn fmt::Debug> {
        Some(&self.phase)
    }
}

/// A request, with where to say it was handled (if anywhere).
#[derive(Debug)]
struct Request(Option<oneshot::Sender<()>>);

/// Serves the request, unless (`fixed` false) a declared coin says the request was lost.
struct Server {
    fixed: bool,
}

impl Actor for Server {
    type Event = Request;
    async fn handle(&mut self, _: &mut Context<Request>, Request(handled): Request) {
        // BUG (unless fixed): the request is lost half the time, and nothing tells the monitor.
        if self.fixed || random::bool() {
            spec::monitor::<Served>(Done);
        }
        if let Some(handled) = handled {
            let _ = handled.send(());
        }
    }
}

async fn lossy(fixed: bool) {
    let server = actor::create(Server { fixed });
    server.send(Request(None)).await;
}

async fn lossy_bug() {
    lossy(false).await
}

async fn lossy_fixed() {
    lossy(true).await
}

async fn never_asks() {}

// What a cdylib exports; here only its table is used, as `coyote` would.
coyote_harness::export_tests!(
    lossy_bug with monitors(Served),
    lossy_fixed with monitors(Served,),
    never_asks with monitors(Served),
    lossy_unmonitored_bug,
);

async fn lossy_unmonitored_bug() {
    lossy(false).await
}

/// Runs the exported test `name` under `check`.
fn exported(name: &str, config: Config) {
    let test = __COYOTE_TESTS
        .iter()
        .find(|t| t.name == name)
        .expect("exported");
    let make = test.make;
    check(move || make().0, config);
}

#[test]
fn a_monitor_the_config_registers_is_hot_from_the_start_and_a_lost_request_is_found() {
    let dir = std::env::temp_dir().join(format!("coyote-per-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = || Config::new().iterations(50).monitor::<Served>();
    let msg = bug_report(config().trace_dir(&dir), || lossy(false));
    assert!(
        msg.contains("liveness: monitor Served is hot at the end of the execution"),
        "{msg}"
    );
    assert!(msg.contains("monitor Served starts in Waiting"), "{msg}");
    // Not notified once: the report names where the test declared it.
    assert!(msg.contains("tests/actor_monitors.rs:"), "{msg}");
    assert!(msg.contains("replay: <the same Config>.replay("), "{msg}");
    // The trace replays to the same failure with the same configuration.
    let failure = config().replay(|| lossy(false), written_trace(&dir));
    assert_eq!(failure.kind.to_string(), "liveness");
    assert!(
        failure.message.contains("monitor Served is hot"),
        "{failure}"
    );
    // Without the registration the monitor is made by the first notification only, which
    // the lost request never sends: the bug goes unseen.
    check(|| lossy(false), Config::new().iterations(50));
    // The fixed server serves it; the log shows the monitor's change of state.
    check(|| lossy(true), config());
    let msg = bug_report(config().iterations(1), || async {
        let server = actor::create(Server { fixed: true });
        let (tx, rx) = oneshot::channel();
        server.send(Request(Some(tx))).await;
        rx.await.unwrap();
        panic!("show the log");
    });
    assert!(msg.contains("monitor Served: Waiting -> Served"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_tests_registers_the_monitors_a_test_names() {
    let msg = bug_report(Config::new().iterations(50), || {
        let make = __COYOTE_TESTS[0].make;
        make().0
    });
    assert!(
        msg.contains("liveness: monitor Served is hot at the end of the execution"),
        "{msg}"
    );
    exported("lossy_fixed", Config::new().iterations(50));
    // A test that never serves: hot from its start, with no event at all.
    let never = __COYOTE_TESTS
        .iter()
        .find(|t| t.name == "never_asks")
        .unwrap()
        .make;
    let msg = bug_report(Config::new().iterations(1), move || never().0);
    assert!(msg.contains("monitor Served is hot at the end"), "{msg}");
    // Monitors are per test: the last one names none, and its lost request goes unseen.
    exported("lossy_unmonitored_bug", Config::new().iterations(50));
    let names: Vec<_> = __COYOTE_TESTS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "lossy_bug",
            "lossy_fixed",
            "never_asks",
            "lossy_unmonitored_bug"
        ]
    );
}

#[test]
fn spec_register_still_makes_a_monitor_at_the_start() {
    let msg = bug_report(Config::new().iterations(50), || async {
        spec::register::<Served>();
        lossy(false).await;
    });
    assert!(msg.contains("monitor Served is hot at the end"), "{msg}");
}
