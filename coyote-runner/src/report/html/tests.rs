//! The page's structure, from a run made up here: what the browser test looks for is written,
//! text from the run is escaped, and a trace without structured events still gets its diagram.

use super::*;
use coyote_core::coverage::ActorActivity;
use coyote_core::report::{BugSummary, CoverageSummary, StepStats, TestReport};
use coyote_core::saturation::{item_key, Growth, ItemKind};
use coyote_core::trace::{BugKind, Failure, Origin, StepEvent};

fn step(step: u32, task: u32, op: &str, woken_by: Option<(u32, u32)>) -> StepEvent {
    StepEvent::Step {
        step,
        task,
        op: op.into(),
        at: format!("src/lib.rs:{}:5", 10 + step),
        woken_by: woken_by.map(|w| w.0),
        woken_at: woken_by.map(|w| w.1),
        joins: None,
        timer_ms: None,
    }
}

fn trace() -> Trace {
    let failure = Failure {
        kind: BugKind::Panic,
        message: "<b>boom</b> & \"gone\"".into(),
        task: Some("task 1".into()),
        location: Some("src/lib.rs:40:9".into()),
    };
    let mut t = Trace::new(
        "pool<script>",
        Origin::strategy("random", 7),
        3,
        1000,
        &[],
        failure,
    );
    t.steps = 6;
    t.events = vec![
        step(1, 0, "start", None),
        StepEvent::Spawn {
            task: 0,
            child: 1,
            at: "src/lib.rs:5:13".into(),
        },
        step(2, 1, "start", None),
        step(3, 0, "mutex.lock", None),
        StepEvent::Note {
            task: 0,
            text: "send Ping(3) to Pinger (task 1)".into(),
        },
        step(4, 1, "actor.receive", Some((0, 3))),
        StepEvent::Fold {
            rounds: 40,
            period: 2,
            first_step: 5,
            last_step: 84,
        },
        step(5, 0, "semaphore.acquire", Some((1, 4))),
        StepEvent::Monitor {
            task: 0,
            monitor: "Steady".into(),
            temperature: "hot".into(),
            at: "src/lib.rs:60:1".into(),
        },
        step(6, 1, "mutex.lock", Some((0, 5))),
    ];
    t.log = vec!["step    1  main     start            at src/lib.rs:11:5".into()];
    t
}

fn input() -> Input {
    let trace = trace();
    let mut g = Growth::new();
    g.add_item(1, &item_key(ItemKind::Point, "src/lib.rs:11:5"));
    g.add_item(4, &item_key(ItemKind::State, "Pinger::Idle"));
    g.add_schedule(1, 1);
    g.add_schedule(9, 2);
    let mut report = Report::new("target/debug/libpool.so".into(), "ab".repeat(32), 7, 2);
    report.tests.push(TestReport {
        test: "pool<script>".into(),
        iterations: 100,
        iterations_by_strategy: [("random".to_string(), 100)].into(),
        duration_secs: 0.5,
        steps: StepStats {
            total: 600,
            max: 9,
            mean: 6.0,
        },
        bugs: vec![BugSummary {
            kind: BugKind::Panic,
            message: trace.failure.message.clone(),
            location: trace.failure.location.clone(),
            trace: "pool_script_-1.trace".into(),
            origin: trace.origin.clone(),
            iteration: 3,
            occurrences: 4,
            worker: None,
            order: None,
        }],
        coverage: Some(CoverageSummary::default()),
        saturation: Some(g.finish(100, None, false)),
        ..Default::default()
    });
    let map = |kv: &[(&str, u64)]| kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let coverage = Coverage {
        points: BTreeMap::new(),
        actors: [(
            "Pinger".to_string(),
            ActorActivity {
                states: map(&[("Idle", 5), ("Busy", 2), ("Broken", 0)]),
                transitions: map(&[("Idle -> Busy", 2), ("Busy -> Idle", 2)]),
                ..Default::default()
            },
        )]
        .into(),
    };
    Input {
        report,
        coverage: Some(coverage),
        traces: [("pool_script_-1.trace".to_string(), trace)].into(),
    }
}

#[test]
fn the_page_has_every_part_and_escapes_what_the_run_wrote() {
    let html = render(&input());
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>"));
    for part in [
        r#"<section id="summary">"#,
        r#"<section class="test" id="test-0" data-test="pool&lt;script&gt;">"#,
        r#"<article class="bug" id="bug-0-1" data-kind="panic">"#,
        r#"<svg class="sequence""#,
        r#"<svg class="machine" data-actor="Pinger""#,
        r#"<svg class="saturation""#,
        r#"<p class="saturation-verdict">New coverage stopped appearing at iteration 4 of 100"#,
        "coyote replay pool_script_-1.trace",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // Nothing the run wrote becomes markup.
    assert!(!html.contains("<b>boom</b>") && !html.contains("pool<script>"));
    assert!(html.contains("&lt;b&gt;boom&lt;/b&gt; &amp; &quot;gone&quot;"));
    // One set of arrow heads per page, so ids stay unique.
    assert_eq!(html.matches(r#"id="arrow""#).count(), 1);
}

#[test]
fn the_sequence_diagram_draws_lanes_hand_offs_folds_and_the_failing_step() {
    let svg = sequence::diagram(&trace()).unwrap();
    assert_eq!(svg.matches(r#"<g class="lane-head""#).count(), 2);
    assert!(
        svg.contains(">main<") && svg.contains(">Pinger (task 1)<"),
        "{svg}"
    );
    assert_eq!(svg.matches(r#"class="ev step failing""#).count(), 1);
    assert!(svg.contains(r#"class="ev step failing" data-step="6""#));
    // The receive's wake-up is the send arrow already drawn; the permit and the lock are
    // hand-offs of their own.
    assert_eq!(svg.matches(r#"class="arrow send""#).count(), 1);
    assert!(svg.contains(">send Ping<"));
    assert_eq!(svg.matches(r#"class="arrow wake""#).count(), 2);
    assert!(svg.contains(">permit released<") && svg.contains(">lock released<"));
    assert!(svg.contains(r#"class="arrow spawn""#));
    assert!(svg.contains("40 more rounds of the 2 lines above: steps 5 to 84, folded"));
    assert!(svg.contains(r#"class="ev monitor hot""#));
    // Source lines on hover: every step says where it is.
    assert_eq!(svg.matches(r#"data-at="src/lib.rs:"#).count(), 8);
    assert!(svg.contains("&lt;b&gt;boom"), "the failure, escaped");
}

#[test]
fn the_state_machine_marks_the_states_never_entered() {
    let cov = input().coverage.unwrap();
    let svg = machines::graph("Pinger", &cov.actors["Pinger"]).unwrap();
    assert_eq!(svg.matches(r#"<g class="state""#).count(), 2);
    assert_eq!(svg.matches(r#"<g class="state never""#).count(), 1);
    assert!(svg.contains(r#"data-state="Broken" data-count="0""#));
    assert_eq!(svg.matches(r#"<g class="edge""#).count(), 2);
    let no_states = ActorActivity::default();
    assert!(machines::graph("Plain", &no_states).is_none());
}

#[test]
fn a_trace_without_events_is_drawn_from_its_text_log() {
    let log = [
        "step    1  main     start            at src/lib.rs:20:1",
        "           main     spawn task 1     at src/lib.rs:21:13",
        "step    2  task 1   mutex.lock       at src/lib.rs:30:9",
        "step    3  task 1   join task 2      spawned at src/lib.rs:31:9",
        "           task 1   monitor Steady: hot at src/lib.rs:32:9",
        "           ... 7 more rounds of the 3 lines above: steps 4 to 24, folded",
        "           task 1   Pinger (task 1) handles Ping",
    ];
    let events = log_read::parse_log(&log.map(String::from));
    assert_eq!(events.len(), log.len());
    assert!(
        matches!(&events[0], StepEvent::Step { step: 1, task: 0, op, at, .. }
        if op == "start" && at == "src/lib.rs:20:1")
    );
    assert!(matches!(
        events[1],
        StepEvent::Spawn {
            task: 0,
            child: 1,
            ..
        }
    ));
    assert!(
        matches!(&events[2], StepEvent::Step { step: 2, task: 1, op, .. } if op == "mutex.lock")
    );
    assert!(matches!(&events[3], StepEvent::Step { joins: Some(2), op, .. } if op == "join"));
    assert!(
        matches!(&events[4], StepEvent::Monitor { monitor, temperature, .. }
        if monitor == "Steady" && temperature == "hot")
    );
    assert_eq!(
        events[5],
        StepEvent::Fold {
            rounds: 7,
            period: 3,
            first_step: 4,
            last_step: 24
        }
    );
    assert!(
        matches!(&events[6], StepEvent::Note { text, .. } if text == "Pinger (task 1) handles Ping")
    );
    let mut t = trace();
    t.events.clear();
    t.log = log.map(String::from).to_vec();
    let svg = sequence::diagram(&t).unwrap();
    assert!(svg.contains(">Pinger (task 1)<"));
}

#[test]
fn a_huge_trace_is_drawn_in_part_with_a_gap() {
    let mut t = trace();
    t.events = (1..=5000).map(|i| step(i, i % 3, "yield", None)).collect();
    t.steps = 5000;
    let svg = sequence::diagram(&t).unwrap();
    assert_eq!(
        svg.matches(r#"<g class="ev step"#).count(),
        sequence::MAX_ROWS - 1
    );
    assert!(svg.contains("4401 more lines not drawn here"));
    assert!(
        svg.contains(r#"data-step="5000""#),
        "the end, with the failure, is drawn"
    );
}

#[test]
fn the_sequence_diagram_snapshot() {
    insta::assert_snapshot!(sequence::diagram(&trace()).unwrap().replace("><", ">\n<"));
}

#[test]
fn the_verdict_says_whether_coverage_stopped_growing() {
    let at = |last: u64, iterations: u64, until: Option<u64>| {
        let mut g = Growth::new();
        g.add_item(last, "p:a.rs:1:1");
        let saturated = until.is_some_and(|k| iterations >= last + k);
        page::verdict(&g.finish(iterations, until, saturated), iterations)
    };
    assert!(at(4, 1000, None).starts_with("New coverage stopped appearing at iteration 4 of 1000"));
    assert!(at(700, 1000, None).starts_with("Still growing"));
    assert!(at(1, 7, None).starts_with("Too soon to tell"));
    assert!(at(10, 400, Some(300)).starts_with("Saturated: no new coverage in 390 iterations"));
    let nothing = page::verdict(&Growth::new().finish(100, None, false), 100);
    assert!(nothing.starts_with("No coverage items were counted"));
}
