//! The replayable trace: versioned JSON, one file per distinct bug.
//!
//! ```json
//! { "format": "coyote-trace", "format_version": 1, "test": "shared_entry",
//!   "strategy": "pct:3", "seed": 42, "iteration": 17, "steps": 9,
//!   "decisions": "t1 t2 b1 i3", "failure": { "kind": "panic", ... }, "log": [ ... ] }
//! ```
//!
//! Invariants: `decisions` alone determines the execution (with the same library); every other
//! field is context for people and checks. A trace is made by [`Trace::new`] (so its format tag
//! and version are this build's) and says where its decisions came from with an [`Origin`].
//! Readers accept any minor addition (unknown fields are ignored) and reject another
//! `format_version`, malformed JSON and impossible values with a [`TraceError`] whose message
//! fits on one line.
//!
//! Submodules: `decision` (the decisions and their encoding), `failure` (failures and their
//! [`BugKey`]), `origin` (the [`Origin`] of the decisions), `events` (the step log as data).

mod decision;
mod events;
mod failure;
mod origin;
mod packed;
mod suffix;

pub use decision::{decode_decisions, encode_decisions, Decision};
pub use events::StepEvent;
pub use failure::{BugKey, BugKind, Failure};
pub use origin::Origin;
pub use suffix::SuffixSeed;

use crate::versioned::{FormatError, Versioned};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The trace format version this build writes and reads.
pub const TRACE_FORMAT_VERSION: u32 = 1;
/// The `format` tag of a trace file.
pub const TRACE_FORMAT: &str = "coyote-trace";
/// The largest trace file readers accept.
pub const MAX_TRACE_BYTES: u64 = 256 << 20;

/// The library a trace was recorded against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryRef {
    /// The path the library was loaded from.
    pub path: String,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
}

/// A replayable trace. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Always [`TRACE_FORMAT`].
    pub format: String,
    /// Always [`TRACE_FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The test entry point.
    pub test: String,
    /// The library, when the trace was written by the CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<LibraryRef>,
    /// The harness version that recorded the trace.
    pub harness_version: String,
    /// Where the decisions came from (on disk: the `strategy` and `seed` fields).
    #[serde(flatten)]
    pub origin: Origin,
    /// The iteration (0-based, within its worker) that found the bug.
    pub iteration: u64,
    /// The step bound in force.
    pub max_steps: u32,
    /// Scheduling steps the iteration took (0 when a capture re-run recorded the decisions:
    /// the worker died before it could count them).
    pub steps: u32,
    /// The decisions, encoded by [`encode_decisions`] (in a file whose token text is long, empty,
    /// and `decisions_deflated` has them; in memory, always here).
    #[serde(default)]
    pub decisions: String,
    /// On disk only: a long `decisions` deflated and base64-encoded (see the `packed` module).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions_deflated: Option<String>,
    /// What went wrong.
    pub failure: Failure,
    /// A readable log: a line per scheduling step (and per spawn, declared choice and monitor
    /// change), with long loops folded into their first and last rounds and one line for the
    /// rounds between (replay regenerates the log; `decisions` is never folded).
    #[serde(default)]
    pub log: Vec<String>,
    /// The step log as data, line for line (see [`StepEvent`]); empty in traces written before
    /// it existed and in captured traces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<StepEvent>,
    /// Recorded with `coyote test --allow-real-clock`: replay allows reading the real clock too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_real_clock: bool,
    /// Steps a monitor could stay hot in the iteration (`spec::Monitor`), when a fair strategy
    /// ran it; replay applies the same limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_threshold: Option<u32>,
    /// The `--iteration-timeout` of the recording run, in milliseconds: replaying a hang waits
    /// this long before it counts as the hang reproduced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration_timeout_ms: Option<u64>,
    /// A hang's stuck thread, as the watchdog saw it: its backtrace, user frames first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backtrace: Option<String>,
    /// The step the liveness threshold counted from: the end of the unfair prefix (`--max-steps`)
    /// of a fair strategy, or the first step of the fair suffix an unfair strategy's iteration
    /// went on into (a monitor was hot at `--max-steps`); replay applies the same. Absent in
    /// older traces: the threshold counted from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fair_from: Option<u32>,
    /// The iteration went on into a fair suffix: `decisions` holds only those before its first
    /// step, and replay makes the suffix's from this ([`SuffixSeed`]). Absent: `decisions` has
    /// every decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fair_suffix: Option<SuffixSeed>,
}

/// A trace that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be read.
    #[error("cannot read trace {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than any trace we write.
    #[error("trace is {size} bytes, more than the {max} bytes a trace may have")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Not JSON, not a trace, another major version, or an impossible value.
    #[error(transparent)]
    Format(#[from] FormatError),
}

impl TraceError {
    /// An invalid-trace error.
    pub fn invalid(message: impl Into<String>) -> TraceError {
        TraceError::Format(FormatError::invalid::<Trace>(message))
    }
}

impl Versioned for Trace {
    const FORMAT: &'static str = TRACE_FORMAT;
    const VERSION: u32 = TRACE_FORMAT_VERSION;
    const NOUN: &'static str = "trace";
}

impl Trace {
    /// The trace of `failure` in iteration `iteration` of `test`, whose `decisions` came from
    /// `origin`, under the step bound `max_steps`. The rest starts empty: no library (the CLI
    /// adds it), no steps counted, no log, the real clock not allowed, no liveness threshold,
    /// recorded by this crate's version of the harness.
    pub fn new(
        test: impl Into<String>,
        origin: Origin,
        iteration: u64,
        max_steps: u32,
        decisions: &[Decision],
        failure: Failure,
    ) -> Trace {
        Trace {
            format: TRACE_FORMAT.into(),
            format_version: TRACE_FORMAT_VERSION,
            test: test.into(),
            library: None,
            harness_version: crate::VERSION.into(),
            origin,
            iteration,
            max_steps,
            steps: 0,
            decisions: encode_decisions(decisions),
            failure,
            log: Vec::new(),
            events: Vec::new(),
            allow_real_clock: false,
            liveness_threshold: None,
            iteration_timeout_ms: None,
            backtrace: None,
            fair_from: None,
            fair_suffix: None,
            decisions_deflated: None,
        }
    }

    /// The decoded decisions.
    pub fn decisions(&self) -> Result<Vec<Decision>, TraceError> {
        decode_decisions(&self.decisions)
    }

    /// Serialises the trace as pretty JSON (long decisions deflated).
    pub fn to_json(&self) -> String {
        if self.decisions.len() < packed::PACK_FROM {
            return crate::versioned::to_json(self);
        }
        crate::versioned::to_json(&Trace {
            decisions: String::new(),
            decisions_deflated: Some(packed::pack(&self.decisions)),
            ..self.clone()
        })
    }

    /// Parses and validates a trace from JSON text.
    pub fn from_json(text: &str) -> Result<Trace, TraceError> {
        let mut trace: Trace = crate::versioned::from_json(text)?;
        if let Some(packed) = trace.decisions_deflated.take() {
            if !trace.decisions.is_empty() {
                return Err(TraceError::invalid(
                    "both decisions and decisions_deflated are set",
                ));
            }
            trace.decisions = packed::unpack(&packed)?;
        }
        trace.decisions()?;
        if let Some(seed) = &trace.fair_suffix {
            seed.state()?;
        }
        if trace.test.is_empty() {
            return Err(TraceError::invalid("the test name is empty"));
        }
        Ok(trace)
    }

    /// Reads and validates a trace file.
    pub fn read(path: &Path) -> Result<Trace, TraceError> {
        let io = |source| TraceError::Io {
            path: path.display().to_string(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_TRACE_BYTES {
            return Err(TraceError::TooLarge {
                size,
                max: MAX_TRACE_BYTES,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Trace::from_json(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_of_any_length_are_one_bug() {
        let crash = |message: &str| Failure {
            kind: BugKind::Crash,
            message: message.into(),
            task: None,
            location: None,
        };
        let key = |m| crash(m).dedup_key();
        assert_eq!(
            key("killed by signal 6 during iteration 0"),
            key("killed by signal 6 during iteration 12")
        );
        assert_ne!(key("value 3"), key("value 3 of 4"));
        assert_ne!(
            key("value 3"),
            Failure {
                kind: BugKind::Panic,
                ..crash("value 3")
            }
            .dedup_key()
        );
    }

    pub(crate) fn sample() -> Trace {
        Trace {
            format: TRACE_FORMAT.into(),
            format_version: TRACE_FORMAT_VERSION,
            test: "shared_entry".into(),
            library: Some(LibraryRef {
                path: "target/debug/libshared_entry.so".into(),
                sha256: "ab".repeat(32),
            }),
            harness_version: "0.1.0".into(),
            origin: Origin::strategy("pct:3", 42),
            iteration: 3,
            max_steps: 10_000,
            steps: 4,
            decisions: "t1 t2 b1 i7".into(),
            failure: Failure {
                kind: BugKind::Panic,
                message: "Value is '3' instead of 5.".into(),
                task: Some("task 0 (main)".into()),
                location: Some("samples/shared-entry/src/lib.rs:20:5".into()),
            },
            log: vec!["step 1  task 0 (main)  spawn  at src/lib.rs:1:1".into()],
            events: Vec::new(),
            allow_real_clock: false,
            liveness_threshold: None,
            iteration_timeout_ms: None,
            backtrace: None,
            fair_from: None,
            fair_suffix: None,
            decisions_deflated: None,
        }
    }

    #[test]
    fn long_decisions_are_deflated_on_disk_and_tokens_in_memory() {
        let long = vec!["t1 t2 t3 b1"; 10_000].join(" ");
        let t = Trace {
            decisions: long.clone(),
            ..sample()
        };
        let json = t.to_json();
        assert!(json.contains("decisions_deflated") && !json.contains("t1 t2 t3"));
        assert!(json.len() < long.len() / 4, "{}", json.len());
        assert_eq!(Trace::from_json(&json).unwrap(), t);
    }

    #[test]
    fn snapshot_of_the_format() {
        insta::assert_snapshot!(sample().to_json());
    }

    #[test]
    fn rejects_bad_input_with_clear_messages() {
        let good = sample().to_json();
        let truncated = &good[..good.len() / 2];
        assert!(matches!(
            Trace::from_json(truncated),
            Err(TraceError::Format(FormatError::NotJson { .. }))
        ));
        assert_eq!(
            Trace::from_json("[1,2]").unwrap_err().to_string(),
            "not a coyote trace (no \"format\": \"coyote-trace\" field)"
        );
        let future = good.replace("\"format_version\": 1", "\"format_version\": 2");
        let err = Trace::from_json(&future).unwrap_err();
        assert_eq!(
            err.to_string(),
            "trace format version 2 is not supported (this coyote reads version 1)"
        );
        let edited = good.replace("t1 t2 b1 i7", "t1 x2");
        assert!(Trace::from_json(&edited)
            .unwrap_err()
            .to_string()
            .contains("decision #1 'x2'"));
        let no_seed = good.replace("\"seed\": 42,", "");
        assert!(matches!(
            Trace::from_json(&no_seed),
            Err(TraceError::Format(FormatError::Invalid { .. }))
        ));
        let no_version = good.replace("\"format_version\": 1,", "");
        assert_eq!(
            Trace::from_json(&no_version).unwrap_err().to_string(),
            "invalid trace: format_version is missing"
        );
    }

    #[test]
    fn rejects_oversized_files_without_reading_them() {
        let p = std::env::temp_dir().join(format!("coyote-big-{}.trace", std::process::id()));
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_TRACE_BYTES + 1).unwrap(); // sparse: costs no disk
        let err = Trace::read(&p).unwrap_err();
        std::fs::remove_file(&p).unwrap();
        assert!(matches!(err, TraceError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn a_captured_trace_reads_and_writes_as_version_1_did() {
        let mut t = sample();
        t.origin = Origin::Captured;
        let json = t.to_json();
        assert!(
            json.contains("\"strategy\": \"\",\n  \"seed\": 0,"),
            "{json}"
        );
        assert_eq!(Trace::from_json(&json).unwrap().origin, Origin::Captured);
        // A version-1 trace written before origins were typed reads the same.
        let old = sample().to_json().replace("\"pct:3\"", "\"\"");
        assert_eq!(Trace::from_json(&old).unwrap().origin, Origin::Captured);
        assert_eq!(Origin::Captured.to_string(), "captured in a fresh worker");
        assert_eq!(sample().origin.to_string(), "pct:3 seed 42");
    }

    #[test]
    fn the_constructor_fills_this_build_s_header() {
        let f = Failure::new(BugKind::Crash, "killed");
        let t = Trace::new("t", Origin::Captured, 3, 100, &[Decision::Schedule(1)], f);
        assert_eq!((t.format.as_str(), t.format_version), (TRACE_FORMAT, 1));
        assert_eq!(t.decisions, "t1");
        assert_eq!(Trace::from_json(&t.to_json()).unwrap(), t);
    }

    fn decision() -> impl Strategy<Value = Decision> {
        prop_oneof![
            any::<u32>().prop_map(Decision::Schedule),
            any::<bool>().prop_map(Decision::Bool),
            any::<u64>().prop_map(Decision::Int),
        ]
    }

    proptest! {
        #[test]
        fn decisions_round_trip(ds in proptest::collection::vec(decision(), 0..200)) {
            prop_assert_eq!(decode_decisions(&encode_decisions(&ds)).unwrap(), ds);
        }

        #[test]
        fn traces_round_trip(ds in proptest::collection::vec(decision(), 0..50), seed: u64, msg in ".*") {
            let mut t = sample();
            t.decisions = encode_decisions(&ds);
            t.origin = if seed % 5 == 0 { Origin::Captured } else { Origin::strategy("portfolio/pct:5", seed) };
            t.failure.message = msg;
            let back = Trace::from_json(&t.to_json()).unwrap();
            prop_assert_eq!(back, t);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,400}") {
            let _ = Trace::from_json(&s);
        }

        #[test]
        fn mutated_traces_never_panic(at in 0usize..2000, byte in any::<u8>()) {
            let mut bytes = sample().to_json().into_bytes();
            let i = at % bytes.len();
            bytes[i] = byte;
            if let Ok(s) = String::from_utf8(bytes) {
                let _ = Trace::from_json(&s);
            }
        }
    }
}
