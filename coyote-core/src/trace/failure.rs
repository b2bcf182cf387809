//! Failures: what kind of bug an iteration hit, its message and place, and the [`BugKey`] that
//! says when two failures are the same bug.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of bug a failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// A failure with no task or location.
    pub fn new(kind: BugKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            task: None,
            location: None,
        }
    }

    /// The identity of this bug across iterations (see [`BugKey`]).
    pub fn dedup_key(&self) -> BugKey {
        BugKey::of(self)
    }
}

/// What makes two failures the same bug: their kind, their location, and their message with
/// each run of digits masked as one `#` (so `value 3` and `value 14` at one assert, or a crash
/// `during iteration 0` and `during iteration 12`, are one bug).
///
/// Invariant: `a.dedup_key() == b.dedup_key()` exactly when the two failures have the same kind
/// and location and their messages differ only in the digits of their numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BugKey {
    kind: BugKind,
    location: Option<String>,
    masked_message: String,
}

impl BugKey {
    /// The key of `failure`.
    pub fn of(failure: &Failure) -> BugKey {
        let mut masked_message = String::with_capacity(failure.message.len());
        for c in failure.message.chars() {
            if !c.is_ascii_digit() {
                masked_message.push(c);
            } else if !masked_message.ends_with('#') {
                masked_message.push('#');
            }
        }
        BugKey {
            kind: failure.kind,
            location: failure.location.clone(),
            masked_message,
        }
    }
}

impl fmt::Display for BugKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(l) = &self.location {
            write!(f, " at {l}")?;
        }
        write!(f, ": {}", self.masked_message)
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
