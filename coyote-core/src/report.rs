//! `report.json`: what a `coyote test` run did, per test. Versioned like the trace.
//!
//! Invariant: bugs are deduplicated by [`Failure::dedup_key`](crate::trace::Failure::dedup_key);
//! each distinct bug names its trace file, and `occurrences` counts how often it was hit.

use crate::trace::BugKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report format version this build writes.
pub const REPORT_FORMAT_VERSION: u32 = 1;
/// The `format` tag of a report.
pub const REPORT_FORMAT: &str = "coyote-report";

/// The whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// Always [`REPORT_FORMAT_VERSION`].
    pub format_version: u32,
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
    /// Coverage summary, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSummary>,
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
    /// The strategy that first found it.
    pub strategy: String,
    /// The seed of that strategy.
    pub seed: u64,
    /// The iteration that first found it.
    pub iteration: u64,
    /// How many times it was found.
    pub occurrences: u64,
}

/// Coverage in numbers (the counts are in `coverage.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    /// Distinct scheduling points visited.
    pub points: usize,
    /// Visits over all points.
    pub visits: u64,
    /// Actor types that ran.
    #[serde(default)]
    pub actor_types: usize,
    /// State-machine states entered, of those declared or entered.
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
            actor_types: coverage.actors.len(),
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
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not JSON, or truncated.
    #[error("report is not valid JSON ({0}); is it truncated?")]
    NotJson(String),
    /// JSON, but not a coyote report.
    #[error("not a coyote report (no \"format\": \"coyote-report\" field)")]
    NotAReport,
    /// A report of another major version.
    #[error(
        "report format version {found} is not supported (this coyote reads version {supported})"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u64,
        /// Ours.
        supported: u32,
    },
    /// A field is missing or holds an impossible value.
    #[error("invalid report: {0}")]
    Invalid(String),
}

impl Report {
    /// Parses and validates a report (for tools that read `report.json`).
    pub fn from_json(text: &str) -> Result<Report, ReportError> {
        use crate::versioned::{check_header, HeaderError};
        let value =
            check_header(text, REPORT_FORMAT, REPORT_FORMAT_VERSION).map_err(|e| match e {
                HeaderError::NotJson(m) => ReportError::NotJson(m),
                HeaderError::WrongFormat => ReportError::NotAReport,
                HeaderError::Unsupported(found) => ReportError::UnsupportedVersion {
                    found,
                    supported: REPORT_FORMAT_VERSION,
                },
                HeaderError::MissingVersion => {
                    ReportError::Invalid("format_version is missing".into())
                }
            })?;
        serde_json::from_value(value).map_err(|e| ReportError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Report {
        Report {
            format: REPORT_FORMAT.into(),
            format_version: REPORT_FORMAT_VERSION,
            coyote_version: "0.1.0".into(),
            library: "target/debug/libshared_entry.so".into(),
            library_sha256: "ab".repeat(32),
            seed: 7,
            workers: 2,
            interrupted: false,
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
                    strategy: "portfolio/pct:3".into(),
                    seed: 99,
                    iteration: 2,
                    occurrences: 1,
                }],
                coverage: Some(CoverageSummary {
                    points: 5,
                    visits: 36,
                    actor_types: 2,
                    states_entered: 3,
                    states: 4,
                    never_entered: vec!["Coordinator::Committed".into()],
                }),
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
            Err(ReportError::NotJson(_))
        ));
        assert!(matches!(
            Report::from_json("{}"),
            Err(ReportError::NotAReport)
        ));
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
