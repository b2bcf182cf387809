//! `report.json`: what a `coyote test` run did, per test. Versioned like the trace.
//!
//! Invariant: bugs are deduplicated by [`BugKey`](crate::trace::BugKey); each distinct bug names
//! its trace file, and `occurrences` counts how often it was hit. A report is read and written
//! by [`crate::versioned`], like the trace.
//!
//! Versions: the major version ([`REPORT_FORMAT_VERSION`]) changes only incompatibly; additions
//! that older readers can ignore bump [`REPORT_FORMAT_MINOR`]. Minor 1 added the shard fields
//! (`shard`, `merged_shards`, a test's `shard`, a bug's `worker` and `order`; see
//! `docs/sharding.md`).

use crate::trace::{BugKind, Origin};
use crate::versioned::{FormatError, Versioned};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report format version this build writes.
pub const REPORT_FORMAT_VERSION: u32 = 1;
/// The minor version this build writes: additions a reader of an older minor ignores.
pub const REPORT_FORMAT_MINOR: u32 = 1;
/// The `format` tag of a report.
pub const REPORT_FORMAT: &str = "coyote-report";

/// The whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// Always [`REPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// [`REPORT_FORMAT_MINOR`] of the writer (0: written before minor versions existed).
    #[serde(default)]
    pub format_minor: u32,
    /// The coyote version that wrote it.
    pub coyote_version: String,
    /// The library tested.
    pub library: String,
    /// Hex SHA-256 of the library.
    pub library_sha256: String,
    /// The base seed.
    pub seed: u64,
    /// Worker processes.
    pub workers: u32,
    /// Whether the run was interrupted (Ctrl-C) before it finished.
    #[serde(default)]
    pub interrupted: bool,
    /// A shard's report (`coyote test --shard K/N`): which shard, and the run it is part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardRun>,
    /// A merged report (`coyote merge`): how many shards it was merged from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_shards: Option<u32>,
    /// One entry per test run.
    pub tests: Vec<TestReport>,
}

/// One test's results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    /// The test name.
    pub test: String,
    /// Iterations run.
    pub iterations: u64,
    /// Iterations run per strategy.
    pub iterations_by_strategy: BTreeMap<String, u64>,
    /// Wall time, seconds.
    pub duration_secs: f64,
    /// Steps per iteration.
    pub steps: StepStats,
    /// Iterations cut short by the step bound.
    pub step_bound_hits: u64,
    /// For exhaustive strategies: whether the space was exhausted, and its schedule count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules_explored: Option<u64>,
    /// Whether an exhaustive strategy explored the whole space.
    #[serde(default)]
    pub exhausted: bool,
    /// Distinct bugs.
    pub bugs: Vec<BugSummary>,
    /// With `--explore`: how often each strategy's iterations hit a bug (a portfolio's members
    /// by name, `portfolio/pct:3`), summed over the workers that finished their share.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hit_rate_by_strategy: BTreeMap<String, HitRate>,
    /// Coverage summary, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSummary>,
    /// How coverage grew over the iterations, and whether it stopped growing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturation: Option<crate::saturation::Saturation>,
    /// In a shard's report only: what `coyote merge` needs beyond the summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardTest>,
}

/// Steps per iteration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// All steps.
    pub total: u64,
    /// The longest iteration.
    pub max: u32,
    /// Mean steps per iteration.
    pub mean: f64,
}

/// Iterations a strategy ran, and how many of them hit a bug.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitRate {
    /// Iterations run.
    pub iterations: u64,
    /// Iterations that hit a bug (any bug).
    pub hits: u64,
}

impl HitRate {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: HitRate) {
        self.iterations += other.iterations;
        self.hits += other.hits;
    }
}

/// One distinct bug.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BugSummary {
    /// Its kind.
    pub kind: BugKind,
    /// The failure message of its first occurrence.
    pub message: String,
    /// Where, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The trace file (relative to the report).
    pub trace: String,
    /// The strategy and seed that first found it, or the capture re-run (on disk: the
    /// `strategy` and `seed` fields, as in the trace).
    #[serde(flatten)]
    pub origin: Origin,
    /// The iteration that first found it.
    pub iteration: u64,
    /// Iterations that hit it, over every worker (with `--explore`, each hit counts; without,
    /// the run stops at the first).
    pub occurrences: u64,
    /// The worker (its index in the whole run, across shards) whose iteration is the one kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<u32>,
    /// Where that iteration falls in its worker's sequence (with `--explore`: counted from the
    /// worker's first iteration, across a crashed worker's replacements). Bugs are numbered by
    /// `(order, worker)`; `coyote merge` numbers them so too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u64>,
}

/// Coverage in numbers (the counts are in `coverage.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    /// Distinct scheduling points visited.
    pub points: usize,
    /// Visits over all points.
    pub visits: u64,
    /// Actor types that ran (monitors are not counted here, their states are below).
    #[serde(default)]
    pub actor_types: usize,
    /// State-machine and monitor states entered, of those declared or entered.
    #[serde(default)]
    pub states_entered: usize,
    /// State-machine states declared or entered.
    #[serde(default)]
    pub states: usize,
    /// Declared states never entered, as `Machine::State`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_entered: Vec<String>,
}

impl CoverageSummary {
    /// The summary of `coverage`.
    pub fn of(coverage: &crate::coverage::Coverage) -> Self {
        let states = coverage.actors.values().flat_map(|a| a.states.values());
        CoverageSummary {
            points: coverage.points.len(),
            visits: coverage.points.values().sum(),
            actor_types: coverage.actors.values().filter(|a| !a.monitor).count(),
            states_entered: states.clone().filter(|&&n| n > 0).count(),
            states: states.count(),
            never_entered: coverage
                .actors
                .iter()
                .flat_map(|(m, a)| a.never_entered().map(move |s| format!("{m}::{s}")))
                .collect(),
        }
    }
}

/// A report that cannot be read.
pub type ReportError = FormatError;

impl Versioned for Report {
    const FORMAT: &'static str = REPORT_FORMAT;
    const VERSION: u32 = REPORT_FORMAT_VERSION;
    const NOUN: &'static str = "report";
}

impl Report {
    /// The report of a run of `library` (with its hex SHA-256) with base seed `seed` on
    /// `workers` workers, tagged with this build's format and version.
    pub fn new(library: String, library_sha256: String, seed: u64, workers: u32) -> Report {
        Report {
            format: REPORT_FORMAT.into(),
            format_version: REPORT_FORMAT_VERSION,
            format_minor: REPORT_FORMAT_MINOR,
            coyote_version: crate::VERSION.into(),
            library,
            library_sha256,
            seed,
            workers,
            interrupted: false,
            shard: None,
            merged_shards: None,
            tests: Vec::new(),
        }
    }

    /// Parses and validates a report (for tools that read `report.json`).
    pub fn from_json(text: &str) -> Result<Report, ReportError> {
        crate::versioned::from_json(text)
    }

    /// Serialises the report as pretty JSON.
    pub fn to_json(&self) -> String {
        crate::versioned::to_json(self)
    }
}

/// `1234567` as `1,234,567`: counts in reports, summaries and the console.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        let shown: Vec<String> = [0, 999, 1000, 38_112, 1_234_567]
            .map(super::thousands)
            .into();
        assert_eq!(shown, ["0", "999", "1,000", "38,112", "1,234,567"]);
    }

    use super::*;
    use proptest::prelude::*;

    fn sample() -> Report {
        Report {
            format: REPORT_FORMAT.into(),
            format_version: REPORT_FORMAT_VERSION,
            format_minor: REPORT_FORMAT_MINOR,
            coyote_version: "0.1.0".into(),
            library: "target/debug/libshared_entry.so".into(),
            library_sha256: "ab".repeat(32),
            seed: 7,
            workers: 2,
            interrupted: false,
            shard: None,
            merged_shards: None,
            tests: vec![TestReport {
                test: "shared_entry".into(),
                iterations: 3,
                iterations_by_strategy: BTreeMap::from([("portfolio".into(), 3)]),
                duration_secs: 0.5,
                steps: StepStats {
                    total: 36,
                    max: 13,
                    mean: 12.0,
                },
                step_bound_hits: 0,
                schedules_explored: None,
                exhausted: false,
                bugs: vec![BugSummary {
                    kind: BugKind::Panic,
                    message: "Value is '3' instead of 5.".into(),
                    location: Some("samples/shared-entry/src/lib.rs:23:5".into()),
                    trace: "shared_entry-1.trace".into(),
                    origin: Origin::strategy("portfolio/pct:3", 99),
                    iteration: 2,
                    occurrences: 2,
                    worker: Some(1),
                    order: Some(2),
                }],
                hit_rate_by_strategy: BTreeMap::from([(
                    "portfolio/pct:3".into(),
                    HitRate {
                        iterations: 3,
                        hits: 2,
                    },
                )]),
                coverage: Some(CoverageSummary {
                    points: 5,
                    visits: 36,
                    actor_types: 2,
                    states_entered: 3,
                    states: 4,
                    never_entered: vec!["Coordinator::Committed".into()],
                }),
                saturation: None,
                shard: None,
            }],
        }
    }

    #[test]
    fn snapshot_of_the_format() {
        insta::assert_snapshot!(serde_json::to_string_pretty(&sample()).unwrap());
    }

    #[test]
    fn rejects_foreign_versions_and_garbage() {
        let good = serde_json::to_string_pretty(&sample()).unwrap();
        assert_eq!(Report::from_json(&good).unwrap(), sample());
        let v2 = good.replace("\"format_version\": 1", "\"format_version\": 2");
        assert!(matches!(
            Report::from_json(&v2),
            Err(ReportError::UnsupportedVersion { found: 2, .. })
        ));
        assert!(matches!(
            Report::from_json(&good[..good.len() / 3]),
            Err(ReportError::NotJson { .. })
        ));
        assert_eq!(
            Report::from_json("{}").unwrap_err().to_string(),
            "not a coyote report (no \"format\": \"coyote-report\" field)"
        );
    }

    #[test]
    fn saturation_is_an_optional_addition_to_version_1() {
        let mut r = sample();
        let mut g = crate::saturation::Growth::new();
        g.add_item(2, "p:src/lib.rs:3:9");
        g.add_schedule(2, 77);
        r.tests[0].saturation = Some(g.finish(3, Some(10), false));
        let json = r.to_json();
        assert!(json.contains("\"saturation\": {"), "{json}");
        assert!(json.contains("\"format_version\": 1"));
        assert_eq!(Report::from_json(&json).unwrap(), r);
        // A report written before saturation existed reads with none.
        let old = serde_json::to_string_pretty(&sample()).unwrap();
        assert!(!old.contains("saturation"));
        assert_eq!(Report::from_json(&old).unwrap().tests[0].saturation, None);
    }

    #[test]
    fn the_shard_fields_are_a_minor_addition_to_version_1() {
        let mut r = sample();
        r.shard = Some(crate::shard::ShardRun {
            number: 2,
            count: 4,
            workers_per_shard: 2,
            iterations: 100,
            strategy: "portfolio".into(),
            explore: true,
            tests: vec!["shared_entry".into()],
            max_steps: 10_000,
            max_fair_steps: 100_000,
        });
        r.tests[0].shard = Some(crate::shard::ShardTest {
            coverage: Some(Default::default()),
            items: vec![(3, "p:src/lib.rs:1:1".into())],
            schedules: vec![(3, u64::MAX)],
        });
        let json = r.to_json();
        assert!(json.contains("\"format_version\": 1") && json.contains("\"format_minor\": 1"));
        assert_eq!(Report::from_json(&json).unwrap(), r);
        // A report of minor 0 (no minor, no shard fields) still reads.
        let mut old: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        let obj = old.as_object_mut().unwrap();
        obj.remove("format_minor");
        let bug = &mut obj["tests"][0]["bugs"][0];
        bug.as_object_mut().unwrap().remove("worker");
        bug.as_object_mut().unwrap().remove("order");
        let read = Report::from_json(&old.to_string()).unwrap();
        assert_eq!((read.format_minor, read.shard.clone()), (0, None));
        assert_eq!(read.tests[0].bugs[0].order, None);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,400}") {
            let _ = Report::from_json(&s);
        }

        #[test]
        fn mutated_reports_never_panic(at in 0usize..4000, byte in any::<u8>()) {
            let mut bytes = serde_json::to_string_pretty(&sample()).unwrap().into_bytes();
            let i = at % bytes.len();
            bytes[i] = byte;
            if let Ok(s) = String::from_utf8(bytes) {
                let _ = Report::from_json(&s);
            }
        }

        #[test]
        fn round_trips(seed: u64, iterations: u64, msg in ".*") {
            let mut r = sample();
            r.seed = seed;
            r.tests[0].iterations = iterations;
            r.tests[0].bugs[0].message = msg;
            let text = serde_json::to_string(&r).unwrap();
            prop_assert_eq!(Report::from_json(&text).unwrap(), r);
        }
    }
}
