//! The C ABI between the `coyote` CLI and a user's library, and the JSON messages it carries.
//!
//! A library built with `coyote_harness::export_tests!` exports these symbols:
//!
//! | symbol | signature | what it does |
//! | --- | --- | --- |
//! | `coyote_abi_version` | [`AbiVersionFn`] | [`ABI_VERSION`] of the harness it was built with |
//! | `coyote_list` | [`ListFn`] | [`TestList`] as JSON |
//! | `coyote_run` | [`RunFn`] | runs a [`RunRequest`]; streams [`Event`]s; returns [`RunResult`] |
//! | `coyote_replay` | [`RunFn`] | runs a [`ReplayRequest`]; returns [`ReplayResult`] |
//! | `coyote_free` | [`FreeFn`] | frees a string the library returned |
//!
//! Invariants: all strings are NUL-terminated UTF-8 JSON; strings the library returns are freed
//! only by `coyote_free`; no call lets a panic cross the boundary; the CLI calls
//! `coyote_abi_version` before anything else and refuses a mismatch. Iterations run inside the
//! library, so there is no FFI call per scheduling step.

use crate::strategy::Bounds;
use crate::trace::{Decision, Failure, Trace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize};

/// Bumped whenever a symbol, signature or message changes incompatibly.
pub const ABI_VERSION: u32 = 2;

/// `coyote_abi_version`.
pub const SYM_ABI_VERSION: &[u8] = b"coyote_abi_version\0";
/// `coyote_list`.
pub const SYM_LIST: &[u8] = b"coyote_list\0";
/// `coyote_run`.
pub const SYM_RUN: &[u8] = b"coyote_run\0";
/// `coyote_replay`.
pub const SYM_REPLAY: &[u8] = b"coyote_replay\0";
/// `coyote_free`.
pub const SYM_FREE: &[u8] = b"coyote_free\0";

/// `coyote_host_watch_v1`: a [`HostWatch`] exported by the `coyote` binary (not by libraries).
pub const SYM_HOST_WATCH: &[u8] = b"coyote_host_watch_v1\0";

/// The real-clock watch shared by the `coyote` binary and the harness in a loaded library.
///
/// The `coyote` binary exports `clock_gettime`, `clock_nanosleep`, `nanosleep` and
/// `pthread_create` to the libraries it loads (so `std::time::Instant::now`, `SystemTime::now`,
/// `std::thread::sleep` and `std::thread::spawn` in user code reach it before libc), and exports
/// this struct as [`SYM_HOST_WATCH`]. The harness
/// finds it with `dlsym` when an iteration starts; outside the `coyote` binary (a plain
/// `cargo test`) it is absent and nothing is watched.
///
/// Protocol: while the harness polls a controlled task it stores its thread's `pthread_self()`
/// in `polling_thread` (0 otherwise). A watched call made on that thread while it is set
/// increments `hits`, and the binary keeps a description of the first one: `clock <site>`,
/// `sleep <site>` or `thread <site>`, where `<site>` is the user's `file:line:col` when the binary could find one
/// in the stack. After each poll the harness reads `hits`; when it is not 0 it calls `take_hit`,
/// which copies that description (UTF-8, truncated to `cap`), returns its length and resets
/// `hits` to 0. Every watched call still does what it was asked: only the report changes.
#[repr(C)]
#[derive(Debug)]
pub struct HostWatch {
    /// `pthread_self()` of the thread polling a controlled task, or 0.
    pub polling_thread: AtomicUsize,
    /// Watched calls since the last `take_hit`.
    pub hits: AtomicU32,
    /// Copies the first hit's description into `buf`; returns its length; resets `hits`.
    pub take_hit: unsafe extern "C" fn(buf: *mut u8, cap: usize) -> usize,
}

/// Returns the library's [`ABI_VERSION`].
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;
/// Returns a [`TestList`] as JSON; free with [`FreeFn`].
pub type ListFn = unsafe extern "C" fn() -> *mut c_char;
/// Receives one [`Event`] as JSON (`len` bytes, NUL-terminated); `ctx` is the caller's pointer.
pub type EventCallback = unsafe extern "C" fn(ctx: *mut c_void, json: *const c_char, len: usize);
/// Runs a request (JSON). `heartbeat`, when not null, is incremented at the start of every
/// iteration so a watchdog can tell a hang from slow progress. Returns the result as JSON; free
/// with [`FreeFn`].
pub type RunFn = unsafe extern "C" fn(
    request: *const c_char,
    callback: EventCallback,
    ctx: *mut c_void,
    heartbeat: *const AtomicU64,
) -> *mut c_char;
/// Frees a string returned by the library.
pub type FreeFn = unsafe extern "C" fn(*mut c_char);

/// What `coyote_list` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestList {
    /// The harness version the library was built with.
    pub harness_version: String,
    /// The exported test names, in declaration order.
    pub tests: Vec<String>,
}

/// A request to run iterations of one test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    /// The test entry point.
    pub test: String,
    /// The strategy (`random`, `pct:3`, ...).
    pub strategy: String,
    /// The strategy's seed.
    pub seed: u64,
    /// How many iterations to run at most.
    pub iterations: u64,
    /// Step bounds.
    pub bounds: Bounds,
    /// Treat hitting the step bound as a bug.
    #[serde(default)]
    pub step_bound_is_bug: bool,
    /// Stop at the first bug (otherwise keep exploring and report each distinct bug once).
    #[serde(default = "yes")]
    pub stop_on_first_bug: bool,
    /// Minimum milliseconds between progress events.
    #[serde(default = "default_progress_ms")]
    pub progress_ms: u64,
    /// Stream an `iteration-start` event and every decision, as they happen, for each
    /// iteration from this index on (used to capture the trace of an iteration that crashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_from: Option<u64>,
    /// The worker's index in the run (the portfolio gives each worker its own strategy).
    #[serde(default)]
    pub worker: u32,
    /// Collect coverage of scheduling points.
    #[serde(default)]
    pub coverage: bool,
    /// Resume this request after a worker running it crashed or hung (see [`ResumeAfter`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_after: Option<ResumeAfter>,
    /// Report coverage growth as [`Event::Novelty`] events (default: yes; see
    /// [`crate::saturation`]).
    #[serde(default = "yes")]
    pub saturation: bool,
    /// The heartbeat points at two counters, not one: the second, once not 0, asks the run to
    /// stop after its current iteration and return its result as if its iterations were done
    /// (`--until-saturated` stops the workers so).
    #[serde(default)]
    pub stop_word: bool,
    /// For an exhaustive strategy (`dfs`, `idb`): explore only this part of its space (a shard
    /// of a run split over machines, see [`crate::shard`]). Other strategies ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<crate::shard::Split>,
}

/// Where a replacement worker resumes a request whose worker crashed or hung in iteration
/// `iteration`, after `decisions` scheduling decisions and choices (the length of the failure's
/// captured trace).
///
/// The worker re-runs iterations `0..iteration` without reporting them (they ran before: their
/// bugs were reported), then runs iteration `iteration` only up to its `decisions`-th decision
/// and stops it there, before the code that failed runs, and then goes on from iteration
/// `iteration + 1`, numbering iterations as the request always does. An exhaustive strategy
/// (`dfs`, `idb`) can only rebuild its place in the enumeration this way; the iteration it cut
/// counts as explored, so the search goes on with the next schedule, not the failing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeAfter {
    /// The iteration that failed.
    pub iteration: u64,
    /// How many decisions of it to make before stopping it.
    pub decisions: u32,
}

fn yes() -> bool {
    true
}

fn default_progress_ms() -> u64 {
    100
}

/// Streamed through the [`EventCallback`] while a request runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// Periodic progress.
    Progress {
        /// Iterations finished so far.
        iterations: u64,
        /// Scheduling steps taken so far.
        steps: u64,
        /// The longest iteration so far, in steps.
        #[serde(default)]
        max_steps: u32,
    },
    /// A bug, with its trace, the moment it is found.
    Bug {
        /// The trace (without library information; the CLI adds it).
        trace: Box<Trace>,
    },
    /// An iteration is starting (capture mode only; decisions that follow belong to it).
    IterationStart {
        /// Its index.
        iteration: u64,
    },
    /// One decision of the captured iteration (capture mode only).
    Decision {
        /// The decision, encoded as in traces (`t3`, `b1`, `i7`).
        decision: String,
    },
    /// What the iterations since the last such event found that this worker had not seen
    /// before, sent right before a progress event when there is something (see
    /// [`crate::saturation`]).
    Novelty {
        /// The worker's count of iterations run when it sent this.
        iterations: u64,
        /// Coverage items ([`crate::saturation::item_key`]), each with the worker's count of
        /// iterations run (1-based) when it was found (they are rare: each is exact).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<(u64, String)>,
        /// The hashes of the new schedules since the last event
        /// ([`crate::saturation::schedule_hash`]); each counts as found at `iterations` (one
        /// number each keeps the event small: nearly every schedule is new).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        schedules: Vec<u64>,
    },
    /// One line of the captured iteration's step log, as it is recorded (capture mode only: a
    /// hang never ends to hand over its log).
    Log {
        /// The line.
        line: String,
    },
}

impl Event {
    /// A decision event.
    pub fn decision(d: Decision) -> Event {
        Event::Decision {
            decision: d.to_string(),
        }
    }
}

/// What `coyote_run` returns when it finishes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Iterations run.
    pub iterations: u64,
    /// Scheduling steps over all iterations.
    pub total_steps: u64,
    /// The longest iteration, in steps.
    pub max_steps_seen: u32,
    /// Iterations cut short by the step bound.
    pub step_bound_hits: u64,
    /// Bugs reported through events.
    pub bugs: u64,
    /// Iterations that hit each distinct bug, by the bug's key (its [`BugKey`](crate::trace::BugKey)
    /// as text): every occurrence, not only the one reported.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bug_hits: BTreeMap<String, u64>,
    /// When exploring past the first bug: iterations and iterations that hit a bug, by the
    /// strategy that ran them (a portfolio's member, `portfolio/pct:3`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_strategy: BTreeMap<String, crate::report::HitRate>,
    /// Whether an exhaustive strategy explored its whole space.
    pub exhausted: bool,
    /// Schedules explored, for exhaustive strategies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<u64>,
    /// Scheduling points and actor activity, when coverage was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<crate::coverage::Coverage>,
    /// Set when the request itself was bad (unknown test, bad strategy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The request's [`RunRequest::split`] as the library applied it: a library built with a
    /// harness that predates splitting answers `None`, and the runner refuses its result
    /// rather than count its whole space once per shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<crate::shard::Split>,
}

/// A request to replay a trace in-process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayRequest {
    /// The trace.
    pub trace: Trace,
    /// Print each step as it runs (to stderr).
    #[serde(default)]
    pub verbose: bool,
    /// Call the `coyote_breakpoint` function right before the failing step.
    #[serde(default)]
    pub break_before_failure: bool,
    /// Follow the decisions where they fit and complete non-preemptively, instead of stopping
    /// at the first mismatch (see [`crate::strategy::Replay::lenient`]): for a library that
    /// changed since the trace, and for minimising.
    #[serde(default)]
    pub lenient: bool,
    /// Lenient replay: tasks run last, only when no other task is enabled, where the execution
    /// leaves the decisions (see [`crate::strategy::Replay::run_last`]); `coyote minimize`'s
    /// way to find a failing schedule that involves fewer tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_last: Vec<u32>,
    /// Leave the step log out of the result (`coyote minimize`'s candidates, thousands of
    /// replays of which only the last one's log is kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_log: bool,
}

/// What `coyote_replay` returns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayResult {
    /// The failure of the replayed execution, if it failed.
    pub failure: Option<Failure>,
    /// Whether that failure is the one the trace recorded.
    pub reproduced: bool,
    /// Where and how the execution left the trace, if it did.
    pub divergence: Option<String>,
    /// Steps taken.
    pub steps: u32,
    /// The readable step log of the replayed execution.
    pub log: Vec<String>,
    /// Set when the request itself was bad (unknown test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Lenient replay: where the execution first left the trace's decisions, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
    /// The decisions the execution made, encoded as in traces.
    #[serde(default)]
    pub decisions: String,
    /// Lenient replay: the preemptions the execution made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preemptions: Vec<crate::strategy::Preemption>,
    /// Tasks (and actors) the execution created, `main` included.
    #[serde(default)]
    pub tasks: u32,
    /// The tasks that took at least one step before the execution ended, ascending (the tasks
    /// the failure involves; `main` is 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks_ran: Vec<u32>,
    /// The execution reached the step bound (and the trace recorded no step-bound bug).
    #[serde(default)]
    pub hit_step_bound: bool,
}

/// What a replay says about the recorded failure (see [`ReplayResult::verdict`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The recorded failure happened again.
    Reproduced,
    /// Another failure happened.
    FailsDifferently(Failure),
    /// The execution ended without failing: the recorded failure no longer happens.
    Fixed,
    /// The execution left the trace before its failure could be judged.
    Diverged(String),
}

impl ReplayResult {
    /// The verdict on the recorded failure.
    pub fn verdict(&self) -> Verdict {
        match (&self.divergence, &self.failure) {
            (Some(d), _) => Verdict::Diverged(d.clone()),
            (None, Some(_)) if self.reproduced => Verdict::Reproduced,
            (None, Some(f)) => Verdict::FailsDifferently(f.clone()),
            (None, None) => Verdict::Fixed,
        }
    }
}

/// One line of the worker protocol: what a `coyote` worker process writes to its parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "kebab-case")]
pub enum WorkerMessage {
    /// An event from the library.
    Event {
        /// The event.
        event: Event,
    },
    /// The worker finished its share.
    Done {
        /// The library's result.
        result: RunResult,
    },
    /// The worker could not run (bad library, bad request).
    Error {
        /// One line.
        message: String,
    },
    /// The worker's watchdog saw an iteration run longer than the iteration timeout; the worker
    /// exits right after this message.
    Hang {
        /// The iteration that hung (0-based, within the worker).
        iteration: u64,
        /// How long it had run, in milliseconds.
        elapsed_ms: u64,
        /// The stuck thread's backtrace, user frames first, when it could be taken.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backtrace: Option<String>,
        /// The first user frame's `file:line:col`, when there is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_defaults_fill_in() {
        let r: RunRequest = serde_json::from_str(
            r#"{"test":"t","strategy":"random","seed":1,"iterations":5,
                "bounds":{"max_steps":10,"max_fair_steps":100}}"#,
        )
        .unwrap();
        assert!(r.stop_on_first_bug);
        assert_eq!(r.progress_ms, 100);
        assert_eq!(r.capture_from, None);
        assert_eq!(r.worker, 0);
        assert!(
            r.saturation,
            "coverage growth is reported unless turned off"
        );
        assert!(!r.stop_word);
    }

    #[test]
    fn events_are_tagged() {
        let e = Event::Progress {
            iterations: 3,
            steps: 9,
            max_steps: 4,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"progress","iterations":3,"steps":9,"max_steps":4}"#
        );
    }
}
