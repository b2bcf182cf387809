//! `OnceLock` and `LazyLock` mirroring std's, on the run-once [`Gate`] of `Once`.
//!
//! The value is stored in a std `OnceLock` (production uses only that). In a test, every
//! access is a scheduling point (`once_cell.get_or_init`; `get` reads, the rest write); the
//! first initialiser runs its closure while the others block until it finishes; a panic in the
//! closure leaves the cell empty (`OnceLock`, as std) or poisons it (`LazyLock`, as std: later
//! forcing panics).
//!
//! Statics: a `static` `OnceLock` or `LazyLock` keeps its value from one iteration to the
//! next (its references may still be held): the initialisation race is explored only in the
//! iteration that first initialises it. Build the cell inside the test (behind an `Arc`) to
//! explore it in every iteration.
//!
//! Invariant: the std cell is set only by the thread the gate let run, before it leaves the
//! gate `Complete`.

use super::once::{Entry, Gate, OnPanic, Phase};
use crate::rt::coro::sync_point;
use crate::rt::{in_test, reads, OpKind};
use std::fmt;
use std::ops::Deref;
use std::panic::Location;

/// A cell written once; mirrors `std::sync::OnceLock` (see the module docs).
pub struct OnceLock<T> {
    std: std::sync::OnceLock<T>,
    gate: Gate,
}

impl<T> OnceLock<T> {
    /// An empty cell (usable in a `static`).
    pub const fn new() -> Self {
        OnceLock {
            std: std::sync::OnceLock::new(),
            gate: Gate::new(),
        }
    }

    /// The value, if set. A scheduling point in tests (a read).
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        if in_test() {
            sync_point(OpKind::OnceCellGetOrInit, reads(self), Location::caller());
        }
        self.std.get()
    }

    /// The value through a unique reference.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.std.get_mut()
    }

    /// Sets the value if the cell is empty (waiting while another thread initialises it);
    /// gives `value` back otherwise.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        if !in_test() {
            return self.std.set(value);
        }
        let mut value = Some(value);
        self.init_at(Location::caller(), || value.take().expect("one value"));
        match value {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, initialised by `f` if the cell is empty (while one thread runs `f`, the
    /// others wait). A scheduling point in tests.
    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        if !in_test() {
            return self.std.get_or_init(f);
        }
        self.init_at(Location::caller(), f)
    }

    pub(super) fn init_at(&self, loc: &'static Location<'static>, f: impl FnOnce() -> T) -> &T {
        if let Some(v) = self.std.get() {
            sync_point(OpKind::OnceCellGetOrInit, reads(self), loc);
            return v;
        }
        if let Entry::Run(_) = self.gate.enter(self, loc, true) {
            if self.std.get().is_none() {
                let on_panic = OnPanic(&self.gate, Phase::Incomplete);
                let v = f();
                std::mem::forget(on_panic);
                let _ = self.std.set(v);
            }
            self.gate.leave(Phase::Complete);
        }
        self.std.get().expect("an initialised cell")
    }

    /// The value, emptying the cell.
    pub fn take(&mut self) -> Option<T> {
        self.std.take()
    }

    /// The value, if set.
    pub fn into_inner(self) -> Option<T> {
        self.std.into_inner()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> Self {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> Self {
        OnceLock {
            std: std::sync::OnceLock::from(value),
            gate: Gate::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

/// A value initialised on first access; mirrors `std::sync::LazyLock` (see the module docs).
///
/// ```
/// use coyote_harness::std::{sync::{Arc, LazyLock}, thread};
/// # coyote_harness::check(|| async {
/// let cfg = Arc::new(LazyLock::new(|| String::from("ready")));
/// let c = cfg.clone();
/// let t = thread::spawn(move || c.len());
/// assert_eq!(cfg.as_str(), "ready");
/// assert_eq!(t.join().unwrap(), 5);
/// # }, coyote_harness::Config::new().iterations(20));
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
    init: std::sync::Mutex<Option<F>>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A lazy value that `f` will compute (usable in a `static`).
    pub const fn new(f: F) -> Self {
        LazyLock {
            cell: OnceLock::new(),
            init: std::sync::Mutex::new(Some(f)),
        }
    }

    /// The value, computed on the first call (the others wait for it). A scheduling point in
    /// tests.
    ///
    /// # Panics
    /// If an earlier initialisation panicked (std's poisoning).
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.force_at(Location::caller())
    }

    fn force_at(&self, loc: &'static Location<'static>) -> &T {
        let init = || {
            let f = self
                .init
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("LazyLock instance has previously been poisoned");
            f()
        };
        if !in_test() {
            return self.cell.std.get_or_init(init);
        }
        self.cell.init_at(loc, init)
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        self.force_at(Location::caller())
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> Self {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.std.get() {
            Some(v) => f.debug_tuple("LazyLock").field(v).finish(),
            None => f.write_str("LazyLock(<uninit>)"),
        }
    }
}
