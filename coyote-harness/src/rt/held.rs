//! What a guard or permit does for the step log: remember who took it and where when it is
//! made ([`hold`]), and log its release when it drops ([`release`]).
//!
//! Invariant: [`hold`] gives `Some` only in a test whose step log is kept, so a guard's drop in
//! production or in an exploring iteration costs one branch on a field it carries, and no
//! thread-local read.

pub(crate) use super::recorder::Taken;
use super::{with_executor, OpKind};
use std::panic::Location;

/// A guard or permits of `object` taken at `loc` by the running task: `Some` when the step log
/// is kept.
#[inline]
pub(crate) fn hold(object: u64, loc: &'static Location<'static>) -> Option<Taken> {
    with_executor(|ex| ex.hold(object, loc)).flatten()
}

/// The release of `held` (a guard taken by `kind`; `permits` with `left` free after, for a
/// semaphore, else `NO_COUNT`), logged as a sub-line of the running step.
#[cold]
#[inline(never)]
pub(crate) fn release(held: Taken, kind: OpKind, permits: u32, left: u32) {
    with_executor(|ex| ex.release(held, kind, permits, left));
}

/// `held` is no longer seen (mapped into a guard of tokio's, or forgotten): no release line.
#[cold]
pub(crate) fn forget(held: Taken) {
    with_executor(|ex| ex.forget_holder(held));
}

/// A semaphore's free permits as its acquire sees them, for the step's outcome line.
#[inline]
pub(crate) fn permits_left(left: usize) {
    with_executor(|ex| ex.permits_left(left));
}

/// No count (a release that is not a semaphore's).
pub(crate) const NO_COUNT: u32 = super::recorder::NO_COUNT;
