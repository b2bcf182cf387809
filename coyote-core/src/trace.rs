//! The replayable trace: versioned JSON, one file per distinct bug.
//!
//! ```json
//! { "format": "coyote-trace", "format_version": 1, "test": "shared_entry",
//!   "strategy": "pct:3", "seed": 42, "iteration": 17, "steps": 9,
//!   "decisions": "t1 t2 b1 i3", "failure": { "kind": "panic", ... }, "log": [ ... ] }
//! ```
//!
//! Invariants: `decisions` alone determines the execution (with the same library); every other
//! field is context for people and checks. Readers accept any minor addition (unknown fields are
//! ignored) and reject another `format_version`, malformed JSON and impossible values with a
//! [`TraceError`] whose message fits on one line.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The trace format version this build writes and reads.
pub const TRACE_FORMAT_VERSION: u32 = 1;
/// The `format` tag of a trace file.
pub const TRACE_FORMAT: &str = "coyote-trace";
/// The largest trace file readers accept.
pub const MAX_TRACE_BYTES: u64 = 256 << 20;

/// One recorded decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// At a scheduling point, this operation ran (`t<id>`).
    Schedule(u32),
    /// A declared boolean choice (`b0`, `b1`).
    Bool(bool),
    /// A declared integer choice (`i<n>`).
    Int(u64),
}

impl Decision {
    /// A short description for divergence messages.
    pub fn describe(&self) -> String {
        match self {
            Decision::Schedule(t) => format!("a scheduling choice (task {t})"),
            Decision::Bool(b) => format!("a random boolean ({b})"),
            Decision::Int(v) => format!("a random integer ({v})"),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Schedule(t) => write!(f, "t{t}"),
            Decision::Bool(b) => write!(f, "b{}", u8::from(*b)),
            Decision::Int(v) => write!(f, "i{v}"),
        }
    }
}

/// Encodes decisions as the compact, readable token string stored in traces.
pub fn encode_decisions(decisions: &[Decision]) -> String {
    let mut out = String::with_capacity(decisions.len() * 3);
    for (i, d) in decisions.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        use fmt::Write;
        let _ = write!(out, "{d}");
    }
    out
}

/// Parses the token string of [`encode_decisions`].
pub fn decode_decisions(s: &str) -> Result<Vec<Decision>, TraceError> {
    s.split_ascii_whitespace()
        .enumerate()
        .map(|(i, tok)| {
            let bad = || {
                TraceError::Invalid(format!(
                    "decision #{i} '{tok}' is not t<task>, b0, b1 or i<number>"
                ))
            };
            let (kind, num) = tok.split_at(1.min(tok.len()));
            match kind {
                "t" => num.parse().map(Decision::Schedule).map_err(|_| bad()),
                "b" => match num {
                    "0" => Ok(Decision::Bool(false)),
                    "1" => Ok(Decision::Bool(true)),
                    _ => Err(bad()),
                },
                "i" => num.parse().map(Decision::Int).map_err(|_| bad()),
                _ => Err(bad()),
            }
        })
        .collect()
}

/// What kind of bug a failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BugKind {
    /// A panic in a controlled operation (`assert!`, `unwrap`, ...).
    Panic,
    /// A failed `spec::assert`.
    Assertion,
    /// Nothing enabled while something is unfinished.
    Deadlock,
    /// A monitor stayed hot.
    Liveness,
    /// The worker process died (abort, signal, stack overflow).
    Crash,
    /// An iteration exceeded its wall-clock budget.
    Hang,
    /// The step bound was hit and the user asked to treat that as a bug.
    StepBound,
    /// The program used concurrency or non-determinism coyote does not control.
    Uncontrolled,
}

impl fmt::Display for BugKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            BugKind::Panic => "panic",
            BugKind::Assertion => "assertion",
            BugKind::Deadlock => "deadlock",
            BugKind::Liveness => "liveness",
            BugKind::Crash => "crash",
            BugKind::Hang => "hang",
            BugKind::StepBound => "step-bound",
            BugKind::Uncontrolled => "uncontrolled",
        };
        f.write_str(s)
    }
}

/// Why an iteration failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The kind of bug.
    pub kind: BugKind,
    /// The message (panic payload, assertion text, the blocked tasks of a deadlock).
    pub message: String,
    /// The task that failed, e.g. `task 2 (writer)`, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The source location of the failure, `file:line:col`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Failure {
    /// A key that identifies the same bug across iterations: kind, location, and the message
    /// with each run of digits masked as one `#` (so `value 3` and `value 14` at one assert,
    /// or a crash `during iteration 0` and `during iteration 12`, are one bug).
    pub fn dedup_key(&self) -> String {
        let mut msg = String::with_capacity(self.message.len());
        for c in self.message.chars() {
            if !c.is_ascii_digit() {
                msg.push(c);
            } else if !msg.ends_with('#') {
                msg.push('#');
            }
        }
        format!(
            "{}|{}|{}",
            self.kind,
            self.location.as_deref().unwrap_or(""),
            msg
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(t) = &self.task {
            write!(f, " (in {t}")?;
            if let Some(l) = &self.location {
                write!(f, " at {l}")?;
            }
            write!(f, ")")?;
        } else if let Some(l) = &self.location {
            write!(f, " (at {l})")?;
        }
        Ok(())
    }
}

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
    /// The strategy that found the bug.
    pub strategy: String,
    /// The strategy's seed.
    pub seed: u64,
    /// The iteration (0-based, within its worker) that found the bug.
    pub iteration: u64,
    /// The step bound in force.
    pub max_steps: u32,
    /// Scheduling steps the iteration took.
    pub steps: u32,
    /// The decisions, encoded by [`encode_decisions`].
    pub decisions: String,
    /// What went wrong.
    pub failure: Failure,
    /// A readable log: a line per scheduling step (and per spawn, declared choice and monitor
    /// change), with long loops folded into their first and last rounds and one line for the
    /// rounds between (replay regenerates the log; `decisions` is never folded).
    #[serde(default)]
    pub log: Vec<String>,
    /// Recorded with `coyote test --allow-real-clock`: replay allows reading the real clock too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_real_clock: bool,
    /// Steps a monitor could stay hot in the iteration (`spec::Monitor`), when a fair strategy
    /// ran it; replay applies the same limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_threshold: Option<u32>,
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
    /// Not JSON, or truncated.
    #[error("trace is not valid JSON ({0}); is it truncated?")]
    NotJson(String),
    /// JSON, but not a coyote trace.
    #[error("not a coyote trace (no \"format\": \"coyote-trace\" field)")]
    NotATrace,
    /// A trace of another major version.
    #[error(
        "trace format version {found} is not supported (this coyote reads version {supported})"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u64,
        /// Ours.
        supported: u32,
    },
    /// A field is missing or holds an impossible value.
    #[error("invalid trace: {0}")]
    Invalid(String),
}

impl Trace {
    /// The decoded decisions.
    pub fn decisions(&self) -> Result<Vec<Decision>, TraceError> {
        decode_decisions(&self.decisions)
    }

    /// Serialises the trace as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a trace always serialises")
    }

    /// Parses and validates a trace from JSON text.
    pub fn from_json(text: &str) -> Result<Trace, TraceError> {
        use crate::versioned::{check_header, HeaderError};
        let value =
            check_header(text, TRACE_FORMAT, TRACE_FORMAT_VERSION).map_err(|e| match e {
                HeaderError::NotJson(m) => TraceError::NotJson(m),
                HeaderError::WrongFormat => TraceError::NotATrace,
                HeaderError::Unsupported(found) => TraceError::UnsupportedVersion {
                    found,
                    supported: TRACE_FORMAT_VERSION,
                },
                HeaderError::MissingVersion => {
                    TraceError::Invalid("format_version is missing".into())
                }
            })?;
        let trace: Trace =
            serde_json::from_value(value).map_err(|e| TraceError::Invalid(e.to_string()))?;
        trace.decisions()?;
        if trace.test.is_empty() {
            return Err(TraceError::Invalid("the test name is empty".into()));
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
            strategy: "pct:3".into(),
            seed: 42,
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
            allow_real_clock: false,
            liveness_threshold: None,
        }
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
            Err(TraceError::NotJson(_))
        ));
        assert!(matches!(
            Trace::from_json("[1,2]"),
            Err(TraceError::NotATrace)
        ));
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
            Err(TraceError::Invalid(_))
        ));
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
            t.seed = seed;
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
