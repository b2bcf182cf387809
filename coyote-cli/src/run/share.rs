//! Work shares: one worker process's part of a test's iterations, its replacements after a
//! crash or hang, and stopping them.
//!
//! Invariants: a share's iterations are numbered in its worker's sequence (`offset` plus its
//! own), so bugs from replacements sort with the original's; a capture re-run is a share too,
//! never counted in the statistics and never stopped early (it is the only way to its bug's
//! trace); every share is spawned with its own heartbeat file, which counts iterations started.

use super::capture::Capture;
use super::Session;
use crate::pool::Pool;
use crate::worker::WorkerSpec;
use anyhow::Context as _;
use coyote_core::abi::{ResumeAfter, RunRequest, RunResult};
use coyote_core::rng::derive_seed;
use std::path::Path;

/// One worker slot's share of the run.
pub(super) struct Share {
    pub(super) index: u32,
    /// Iterations of worker `index`'s sequence before this share's first: 0, or for a
    /// replacement of a crashed share, where that share stopped (a capture has its original's).
    pub(super) offset: u64,
    /// How many crashed shares this one's chain of replacements has replaced.
    pub(super) generation: u32,
    pub(super) spec: WorkerSpec,
    /// Iterations and steps reported so far (from progress events).
    pub(super) iterations: u64,
    pub(super) steps: u64,
    pub(super) result: Option<RunResult>,
    /// Whether this share is a capture re-run (not counted in the statistics).
    pub(super) is_capture: bool,
    /// For a capture re-run: the failure its decisions belong to, until the run ends.
    pub(super) capture: Option<Capture>,
    /// For a capture re-run under `--explore` with an exhaustive strategy: the share to resume
    /// right after the failure, once this run has captured where that is.
    pub(super) resumes: Option<usize>,
    /// Set when this work share hung: its capture run starts once the worker has exited.
    pub(super) hung: Option<Capture>,
    pub(super) killed: bool,
    /// Whether this share crashed or hung in its last iteration.
    pub(super) failed: bool,
    pub(super) finished: bool,
}

/// Finishes the share of a worker that crashed or hung in a replacement worker, unless the run
/// is stopping (or this share has been replaced 8 times: its test fails that way all the time).
/// A seed-independent (exhaustive) strategy resumes right after the failure, whose captured
/// trace made `resume_after_decisions` decisions (see [`ResumeAfter`]); any other goes on from
/// the next iteration with a seed derived from where the share stopped, so the same failure gets
/// the same replacement on every run.
pub(super) fn replace(
    s: &Session<'_>,
    pool: &mut Pool,
    shares: &mut Vec<Share>,
    original: usize,
    failed: u64,
    resume_after_decisions: Option<u32>,
) -> anyhow::Result<()> {
    let sh = &shares[original];
    let done = failed + 1;
    if s.interrupted || s.timed_out || sh.generation >= 8 || sh.spec.request.iterations <= done {
        return Ok(());
    }
    let mut request = sh.spec.request.clone();
    request.capture_from = None;
    let offset = match resume_after_decisions {
        Some(decisions) => {
            request.resume_after = Some(ResumeAfter {
                iteration: failed,
                decisions,
            });
            sh.offset
        }
        None => {
            request.iterations -= done;
            request.seed = derive_seed(request.seed, 1000 + done);
            sh.offset + done
        }
    };
    let share = Share {
        generation: sh.generation + 1,
        ..new_share(s, sh.index, offset, request, None)
    };
    pool.spawn(&share.spec)
        .context("cannot start a worker process")?;
    shares.push(share);
    Ok(())
}

pub(super) fn new_share(
    s: &Session<'_>,
    index: u32,
    offset: u64,
    request: RunRequest,
    capture: Option<Capture>,
) -> Share {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let heartbeat_file = s.tmp.join(format!("worker-{n}.hb"));
    let _ = std::fs::write(&heartbeat_file, [0u8; 8]);
    Share {
        index,
        offset,
        generation: 0,
        spec: WorkerSpec {
            lib: s.lib_path.clone(),
            request,
            heartbeat_file,
            iteration_timeout_ms: (s.args.iteration_timeout * 1000.0) as u64,
            allow_real_clock: s.args.allow_real_clock,
        },
        iterations: 0,
        steps: 0,
        result: None,
        is_capture: capture.is_some(),
        capture,
        resumes: None,
        hung: None,
        killed: false,
        failed: false,
        finished: false,
    }
}

/// Stops every running work share that has finished more iterations than `at`, the earliest
/// iteration with a bug: it can no longer find an earlier one.
pub(super) fn stop_past(pool: &mut Pool, shares: &mut [Share], at: Option<u64>) {
    let Some(at) = at else { return };
    for (slot, sh) in shares.iter_mut().enumerate() {
        if !sh.finished
            && !sh.is_capture
            && !sh.killed
            && sh.iterations > at
            && pool.is_running(slot)
        {
            sh.killed = true;
            pool.kill(slot);
        }
    }
}

/// What a stop message adds about the capture re-runs still running (they are let finish).
pub(super) fn capturing(shares: &[Share]) -> String {
    match shares
        .iter()
        .filter(|sh| sh.is_capture && !sh.finished)
        .count()
    {
        0 => String::new(),
        1 => "; first capturing the trace of a crash or hang already found".to_string(),
        n => format!("; first capturing the traces of {n} crashes or hangs already found"),
    }
}

pub(super) fn kill_all(pool: &mut Pool, shares: &mut [Share], captures_too: bool) {
    for (slot, sh) in shares.iter_mut().enumerate() {
        if sh.finished || (sh.is_capture && !captures_too) {
            continue;
        }
        if pool.is_running(slot) {
            sh.killed = true;
            pool.kill(slot);
        }
    }
}

pub(super) fn read_heartbeat(path: &Path) -> u64 {
    std::fs::read(path)
        .ok()
        .and_then(|b| {
            b.get(..8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        })
        .unwrap_or(0)
}
