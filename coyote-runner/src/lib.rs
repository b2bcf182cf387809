//! # coyote-runner
//!
//! The orchestration behind the `coyote` command, as a library: the `coyote` binary parses its
//! arguments into a typed plan ([`TestPlan`], [`ReplayPlan`], [`ListPlan`]) and calls
//! [`test()`], [`replay()`] or [`list()`]; the worker processes it starts run [`worker_main`].
//!
//! * planning: [`plan`] (the typed plans), `cargo` (finding the library with cargo), `suggest`
//!   (choosing tests by name);
//! * the library: `library` (loading a test library and calling its C ABI);
//! * the workers: `process` (worker processes), `worker` (the worker side), `run` (shares, the
//!   pool, crash and hang capture, settling the bugs);
//! * `merge`: `coyote merge`, the shards of a run (`--shard K/N`) put back together;
//! * the event stream: [`events`] (what a run emits) and `report` (its consumers: console,
//!   progress bar, trace files, `report.json`, `coverage.json`, JUnit, the HTML report).
//!
//! Invariants: the runner depends on `coyote-core` for every contract (ABI, trace, report, exit
//! codes) and never on the harness; its errors are one [`Error`] whose
//! [`exit_code`](Error::exit_code) is the documented one; it prints only through its consumers
//! (and `list`, `replay`, whose output is their result).

#![warn(missing_docs)]

mod cargo;
mod error;
pub mod events;
mod host;
mod library;
mod merge;
mod minimize;
mod output;
pub mod plan;
mod process;
mod replay;
mod report;
mod run;
mod signals;
mod stuck;
mod style;
mod suggest;
mod worker;

pub use cargo::CargoError;
pub use error::Error;
pub use host::Host;
pub use library::LoadError;
pub use merge::{merge, MergePlan};
pub use minimize::{minimize, replay_worker_main, Minimized};
pub use output::default_out_dir;
pub use plan::{LibSource, ListPlan, MinimizePlan, ReplayLib, ReplayPlan, TestPlan};
pub use replay::replay;
pub use report::html::write_html_report;
pub use run::{list, test, test_with};
pub use style::{set_color, Color};
pub use worker::worker_main;
