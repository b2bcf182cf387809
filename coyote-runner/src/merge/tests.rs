use super::*;
use coyote_core::report::{BugSummary, TestReport};
use coyote_core::trace::{BugKind, Origin};

fn bug(message: &str, order: u64, worker: u32, occurrences: u64) -> BugSummary {
    BugSummary {
        kind: BugKind::Panic,
        message: message.into(),
        location: Some("src/lib.rs:3:5".into()),
        trace: format!("t-{}.trace", order),
        origin: Origin::strategy("random", 1),
        iteration: order,
        occurrences,
        worker: Some(worker),
        order: Some(order),
    }
}

fn shard(number: u32, count: u32, explore: bool, bugs: Vec<BugSummary>) -> ShardDir {
    let mut report = Report::new("l.so".into(), "ab".into(), 7, 2);
    report.shard = Some(ShardRun {
        number,
        count,
        workers_per_shard: 2,
        iterations: 100,
        strategy: "random".into(),
        explore,
        tests: vec!["t".into()],
        max_steps: 10,
        max_fair_steps: 100,
    });
    report.tests.push(TestReport {
        test: "t".into(),
        iterations: 50,
        duration_secs: number as f64,
        bugs,
        ..Default::default()
    });
    ShardDir {
        dir: format!("s{number}").into(),
        run: report.shard.clone().unwrap(),
        report,
    }
}

#[test]
fn explored_bugs_are_numbered_by_earliest_occurrence_across_shards() {
    // Shard 2 runs workers 2 and 3; its "x" (order 1) comes before shard 1's (order 4).
    let shards = [
        shard(1, 2, true, vec![bug("x 1", 4, 0, 2), bug("y", 9, 1, 1)]),
        shard(2, 2, true, vec![bug("x 22", 1, 3, 5), bug("z", 1, 2, 1)]),
    ];
    let m = combine(&shards);
    let t = &m.report.tests[0];
    let got: Vec<_> = t
        .bugs
        .iter()
        .map(|b| (b.message.as_str(), b.trace.as_str(), b.occurrences))
        .collect();
    assert_eq!(
        got,
        [
            ("z", "t-1.trace", 1),
            ("x 22", "t-2.trace", 7),
            ("y", "t-3.trace", 1)
        ],
        "(order, worker): z at (1, 2), x at (1, 3), y at (9, 1); x's hits summed"
    );
    assert_eq!(m.sources[0][1].shard, 1, "x's trace is shard 2's");
    assert_eq!((t.iterations, t.duration_secs), (100, 2.0));
    assert_eq!((m.report.workers, m.report.merged_shards), (4, Some(2)));
}

#[test]
fn without_explore_only_the_earliest_iteration_counts() {
    let shards = [
        shard(1, 2, false, vec![bug("late", 7, 1, 1)]),
        shard(2, 2, false, vec![bug("b", 3, 3, 1), bug("a", 3, 2, 1)]),
    ];
    let m = combine(&shards);
    let msgs: Vec<_> = m.report.tests[0]
        .bugs
        .iter()
        .map(|b| b.message.as_str())
        .collect();
    assert_eq!(msgs, ["a", "b"]);
}
