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

/// Scheduling-point coverage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    /// Distinct scheduling points visited.
    pub points: usize,
    /// Visits over all points.
    pub visits: u64,
}
