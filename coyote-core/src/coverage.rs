//! `coverage.json`: what a `coyote test --coverage` run exercised. Versioned like the trace.
//!
//! Two parts, both summed over every iteration of every worker and every test of the run:
//!
//! * `points`: scheduling points by source line (`file:line:col` -> visits);
//! * `actors`: by actor type (its short type name), the events each handled and dropped, and for
//!   state machines the states entered and the transitions taken; monitors that name their
//!   states are listed here too, marked `"monitor": true`, with the states they were in. A machine that declares its
//!   states (`coyote_harness::actor::StateMachine::STATES`) lists the ones never entered with 0:
//!   a state the test never reaches is a state it never tests.
//!
//! Events and states are named by their `Debug` up to the first `(`, `{`, `[` or space, so
//! `Vote(true)` and `Vote(false)` count as `Vote`; a transition is named `From -> To`.
//!
//! Invariant: merging is a sum per key, so the result does not depend on the order in which
//! workers or tests finish.

use crate::versioned::Versioned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The coverage format version this build writes.
pub const COVERAGE_FORMAT_VERSION: u32 = 1;
/// The `format` tag of a coverage file.
pub const COVERAGE_FORMAT: &str = "coyote-coverage";

/// Actor coverage by actor type.
pub type ActorCoverage = BTreeMap<String, ActorActivity>;

/// What the actors of one type did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorActivity {
    /// Events dequeued and handled, by event name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub handled: BTreeMap<String, u64>,
    /// Events dropped, by name: ignored by a state, or sent to or queued at a halted actor.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<String, u64>,
    /// State machines: times each state was entered (declared states never entered: 0).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub states: BTreeMap<String, u64>,
    /// State machines: transitions taken (goto, push and pop), by `From -> To`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transitions: BTreeMap<String, u64>,
    /// Whether this is a monitor (`spec::Monitor`) rather than an actor: its `states` are the
    /// states it was in (by `Monitor::state`) and its `transitions` the changes between them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub monitor: bool,
}

impl ActorActivity {
    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &ActorActivity) {
        self.monitor |= other.monitor;
        for (mine, theirs) in [
            (&mut self.handled, &other.handled),
            (&mut self.dropped, &other.dropped),
            (&mut self.states, &other.states),
            (&mut self.transitions, &other.transitions),
        ] {
            add_counts(mine, theirs);
        }
    }

    /// The states declared or entered that were never entered, in name order.
    pub fn never_entered(&self) -> impl Iterator<Item = &str> {
        self.states
            .iter()
            .filter(|(_, &n)| n == 0)
            .map(|(s, _)| s.as_str())
    }
}

/// The coverage file, and the coverage a worker sends back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Scheduling points visited, `file:line:col` -> visits.
    #[serde(default)]
    pub points: BTreeMap<String, u64>,
    /// Actor coverage by actor type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actors: ActorCoverage,
}

impl Coverage {
    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Coverage) {
        add_counts(&mut self.points, &other.points);
        for (name, activity) in &other.actors {
            self.actors.entry(name.clone()).or_default().merge(activity);
        }
    }

    /// The file `--coverage` writes: this coverage under a format tag and version.
    pub fn into_file(self) -> CoverageFile {
        CoverageFile {
            format: COVERAGE_FORMAT.into(),
            format_version: COVERAGE_FORMAT_VERSION,
            coverage: self,
        }
    }
}

/// `coverage.json`: [`Coverage`] with its format tag and version, read and written by
/// [`crate::versioned`] like the trace and the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageFile {
    /// Always [`COVERAGE_FORMAT`].
    pub format: String,
    /// Always [`COVERAGE_FORMAT_VERSION`].
    pub format_version: u32,
    /// The counts.
    #[serde(flatten)]
    pub coverage: Coverage,
}

impl Versioned for CoverageFile {
    const FORMAT: &'static str = COVERAGE_FORMAT;
    const VERSION: u32 = COVERAGE_FORMAT_VERSION;
    const NOUN: &'static str = "coverage";
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_insert(0) += v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(states: &[(&str, u64)], transitions: &[(&str, u64)]) -> ActorActivity {
        let map = |kv: &[(&str, u64)]| kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        ActorActivity {
            handled: map(&[("Vote", 2)]),
            dropped: BTreeMap::new(),
            states: map(states),
            transitions: map(transitions),
            monitor: false,
        }
    }

    #[test]
    fn merging_sums_per_key_in_any_order() {
        let a = Coverage {
            points: [("a.rs:1:1".to_string(), 3)].into(),
            actors: [(
                "Coordinator".to_string(),
                machine(&[("Init", 1), ("Done", 0)], &[("Init -> Done", 0)]),
            )]
            .into(),
        };
        let b = Coverage {
            points: [("a.rs:1:1".to_string(), 1), ("b.rs:2:2".to_string(), 5)].into(),
            actors: [(
                "Coordinator".to_string(),
                machine(&[("Init", 1), ("Done", 1)], &[("Init -> Done", 1)]),
            )]
            .into(),
        };
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(&b);
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.points["a.rs:1:1"], 4);
        let c = &ab.actors["Coordinator"];
        assert_eq!(c.states["Done"], 1);
        assert_eq!(c.handled["Vote"], 4);
        assert_eq!(c.never_entered().count(), 0);
    }

    #[test]
    fn never_entered_lists_the_states_at_zero() {
        let a = machine(&[("Aborted", 0), ("Collecting", 3), ("Committed", 0)], &[]);
        assert_eq!(
            a.never_entered().collect::<Vec<_>>(),
            ["Aborted", "Committed"]
        );
    }

    #[test]
    fn the_file_is_tagged_and_round_trips() {
        let cov = Coverage {
            points: [("src/lib.rs:12:5".to_string(), 3)].into(),
            actors: [(
                "Coordinator".to_string(),
                machine(
                    &[("Idle", 2), ("Voting", 2), ("Aborted", 0)],
                    &[("Idle -> Voting", 2)],
                ),
            )]
            .into(),
        };
        let text = crate::versioned::to_json(&cov.clone().into_file());
        insta::assert_snapshot!(text);
        let back: CoverageFile = crate::versioned::from_json(&text).unwrap();
        assert_eq!(back.coverage, cov);
        let v2 = text.replace("\"format_version\": 1", "\"format_version\": 2");
        assert_eq!(
            crate::versioned::from_json::<CoverageFile>(&v2)
                .unwrap_err()
                .to_string(),
            "coverage format version 2 is not supported (this coyote reads version 1)"
        );
    }
}
