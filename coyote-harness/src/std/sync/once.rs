//! `Once` mirroring `std::sync::Once`, and the run-once state machine [`OnceLock`] and
//! [`LazyLock`](super::LazyLock) share.
//!
//! Production calls std's `Once`. In a test, `call_once` is a scheduling point
//! (`once_cell.get_or_init`, a write of the `Once`); the first caller runs the closure while
//! later callers block until it finishes (a closure that waits on one of them is a deadlock
//! naming both); a panic in the closure poisons the `Once` (later `call_once` calls panic,
//! `call_once_force` runs again and sees [`OnceState::is_poisoned`]).
//!
//! Statics: a `static` `Once` keeps its state from one test iteration to the next in std. In
//! a test the controlled state remembers the iteration that completed it and starts over in a
//! new iteration, so every iteration explores the first call (nothing was handed out that a
//! reset would invalidate).
//!
//! Invariant: the state is `Running` exactly while a closure runs, on the thread recorded in
//! it; waiters are woken whenever it leaves `Running`.

use super::wait::{block_until_now, WaitList};
use crate::rt::coro::sync_point;
use crate::rt::{in_test, with_executor, writes, OpKind};
use std::panic::Location;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Phase {
    Incomplete,
    Running,
    Complete,
    Poisoned,
}

/// The controlled run-once state: the phase, and the iteration it belongs to.
pub(super) struct Gate {
    state: std::sync::Mutex<(Phase, u32)>,
    waiters: WaitList,
}

/// What [`Gate::enter`] found.
pub(super) enum Entry {
    /// The caller runs the initialisation; it must call [`Gate::leave`].
    Run(Phase),
    /// It is done (in this iteration).
    Done,
}

fn generation() -> u32 {
    with_executor(|ex| ex.generation()).unwrap_or(0)
}

impl Gate {
    pub(super) const fn new() -> Self {
        Gate {
            state: std::sync::Mutex::new((Phase::Incomplete, 0)),
            waiters: WaitList::new(),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, (Phase, u32)> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = generation();
        if s.1 != now {
            *s = (Phase::Incomplete, now);
        }
        s
    }

    /// Whether the initialisation completed in this iteration.
    pub(super) fn is_completed(&self) -> bool {
        self.phase().0 == Phase::Complete
    }

    /// A scheduling point, then: done, or the caller's turn to run (waiting while another
    /// thread runs). `retry_poisoned`: a poisoned gate is the caller's to run again.
    pub(super) fn enter(
        &self,
        object: &impl ?Sized,
        loc: &'static Location<'static>,
        retry_poisoned: bool,
    ) -> Entry {
        let access = writes(object);
        sync_point(OpKind::OnceCellGetOrInit, access, loc);
        block_until_now(
            OpKind::OnceCellGetOrInit,
            access,
            loc,
            &self.waiters,
            || {
                let mut s = self.phase();
                match s.0 {
                    Phase::Complete => Some(Entry::Done),
                    Phase::Running => None,
                    Phase::Poisoned if !retry_poisoned => {
                        panic!("Once instance has previously been poisoned")
                    }
                    was => {
                        s.0 = Phase::Running;
                        Some(Entry::Run(was))
                    }
                }
            },
        )
    }

    /// The initialisation ended: `Complete`, or back to `to` (a panic: `Poisoned` for a
    /// `Once`, `Incomplete` for a `OnceLock`). Wakes the waiters.
    pub(super) fn leave(&self, to: Phase) {
        self.phase().0 = to;
        self.waiters.wake_all();
    }
}

/// Sets the gate to `to` if dropped while unwinding out of an initialisation.
pub(super) struct OnPanic<'a>(pub(super) &'a Gate, pub(super) Phase);

impl Drop for OnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.leave(self.1);
        }
    }
}

/// Runs a closure once; mirrors `std::sync::Once` (see the module docs).
pub struct Once {
    std: std::sync::Once,
    gate: Gate,
}

/// The state a [`Once::call_once_force`] closure sees; mirrors `std::sync::OnceState`.
#[derive(Debug)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// Whether an earlier call panicked.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

impl std::fmt::Debug for Once {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}

impl Default for Once {
    fn default() -> Self {
        Once::new()
    }
}

impl Once {
    /// A new `Once` (usable in a `static`).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Once {
            std: std::sync::Once::new(),
            gate: Gate::new(),
        }
    }

    /// Runs `f` if no call has completed; blocks while another thread runs it. A scheduling
    /// point in tests.
    ///
    /// # Panics
    /// If an earlier call panicked (the `Once` is poisoned), as std.
    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if !in_test() {
            return self.std.call_once(f);
        }
        self.controlled(Location::caller(), false, |_| f());
    }

    /// As [`Once::call_once`], but runs `f` on a poisoned `Once` too (it sees the state).
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if !in_test() {
            return self.std.call_once_force(|s| {
                f(&OnceState {
                    poisoned: s.is_poisoned(),
                })
            });
        }
        self.controlled(Location::caller(), true, f);
    }

    /// Whether a call completed (in this iteration, in tests).
    pub fn is_completed(&self) -> bool {
        if !in_test() {
            return self.std.is_completed();
        }
        self.gate.is_completed()
    }

    fn controlled(&self, loc: &'static Location<'static>, force: bool, f: impl FnOnce(&OnceState)) {
        if let Entry::Run(was) = self.gate.enter(self, loc, force) {
            let on_panic = OnPanic(&self.gate, Phase::Poisoned);
            f(&OnceState {
                poisoned: was == Phase::Poisoned,
            });
            std::mem::forget(on_panic);
            self.gate.leave(Phase::Complete);
        }
    }
}
