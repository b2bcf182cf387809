//! Hooks for the outside world around each step: the debugger breakpoint of `coyote replay
//! --break` ([`coyote_breakpoint`]) and the `coyote` binary's real-clock watch (see
//! [`clock_watch`](super::clock_watch)), armed around every poll.
//!
//! Invariants: the breakpoint is called at most once per iteration, before the step it names
//! runs; the watch is armed only while a task is polled; with neither asked for, a step pays one
//! compare and two `None` checks.

use super::clock_watch::ClockWatch;
use coyote_core::trace::Failure;
use std::cell::Cell;

/// Called right before the failing step when replaying with `--break`: set a debugger breakpoint
/// on this function (`break coyote_breakpoint`).
#[no_mangle]
#[inline(never)]
pub extern "C" fn coyote_breakpoint(step: u32) {
    std::hint::black_box(step);
}

/// See the module docs.
pub(crate) struct Hooks {
    /// The `coyote` binary's real-clock watch (`None` outside it).
    watch: Option<ClockWatch>,
    /// Stop before this step (0-based: the number of steps taken before it).
    break_at: Cell<Option<u32>>,
}

impl Hooks {
    pub(crate) fn new() -> Hooks {
        Hooks {
            watch: ClockWatch::find(),
            break_at: Cell::new(None),
        }
    }

    pub(crate) fn set_break(&self, step: Option<u32>) {
        self.break_at.set(step);
    }

    /// Whether a breakpoint is set ([`Hooks::before_step`] may stop).
    #[inline]
    pub(crate) fn breaks(&self) -> bool {
        self.break_at.get().is_some()
    }

    /// Before step `step + 1` runs: stops there for the debugger if asked.
    #[inline]
    pub(crate) fn before_step(&self, step: u32) {
        if self.break_at.get() == Some(step) {
            eprintln!(
                "coyote: stopping before step {} (the failing step); breakpoint: coyote_breakpoint, pid {}",
                step + 1,
                std::process::id()
            );
            coyote_breakpoint(step + 1);
        }
    }

    /// Right before a poll.
    #[inline]
    pub(crate) fn arm(&self) {
        if let Some(w) = &self.watch {
            w.arm();
        }
    }

    /// Right after a poll: the failure if the task used the real clock (`task` names it).
    #[inline]
    pub(crate) fn disarm(&self, task: impl FnOnce() -> String) -> Option<Failure> {
        match &self.watch {
            Some(w) if w.disarm() => Some(w.failure(task())),
            _ => None,
        }
    }
}
