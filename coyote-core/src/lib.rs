//! # coyote-core
//!
//! The engine's contracts and brains, shared by the harness (linked into the user's library) and
//! the `coyote` CLI. Nothing here runs user code.
//!
//! * [`strategy`]: the [`Strategy`](strategy::Strategy) trait and one file per search strategy.
//! * [`trace`]: the versioned, replayable trace format.
//! * [`abi`]: the C ABI between the CLI and a user's library (symbols, JSON requests and events).
//! * [`report`]: the versioned `report.json` schema.
//! * [`coverage`]: the versioned `coverage.json` schema.
//! * [`saturation`]: coverage growth per iteration, merged across workers ("when to stop").
//! * [`shard`]: shards of one run (`--shard K/N`) and what `coyote merge` needs from each.
//! * [`exit`]: the documented exit codes.
//! * [`versioned`]: the one reader and writer of the versioned file formats.
//!
//! Invariant: every type that crosses a process or library boundary lives here, once, with a
//! format version, so the harness and the CLI can never disagree about its shape.
#![warn(missing_docs)]

pub mod abi;
pub mod backtrace;
pub mod coverage;
pub mod exit;
pub mod fasthash;
pub mod hash;
pub mod report;
pub mod rng;
pub mod saturation;
pub mod shard;
pub mod strategy;
pub mod trace;
pub mod versioned;

/// The version of this crate, recorded in traces and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
