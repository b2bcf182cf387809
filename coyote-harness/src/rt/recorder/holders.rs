//! Who holds each lock and semaphore now, and the release sub-lines of guards and permits.
//!
//! A guard (or permit) made while the step log is kept carries a [`Taken`]: who took it and
//! where. Its drop hands that back ([`Recorder::release`]), which logs `release mutex taken at
//! LINE` in the step it happens in and forgets the holder; a task that blocks on the object
//! meanwhile is told who holds it (not who last took it: a guard may have been dropped since).
//!
//! Invariants: an entry of `holders` exists exactly while its guard is alive and was made with
//! the log kept (one entry per guard, so several readers or permit holders are all named);
//! nothing here runs when the log is not kept (a guard made then carries no [`Taken`], so its
//! drop costs one branch); releases during teardown or while a thread unwinds are not logged
//! (they are the end of the iteration, not the program's story).

use super::{Record, Recorder, NO_TASK};
use crate::rt::op::OpKind;
use std::panic::Location;

/// What a guard or permit remembers of its acquisition, for its release line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Taken {
    /// The task that took it.
    pub(crate) task: u32,
    /// The acquiring operation's caller.
    pub(crate) loc: &'static Location<'static>,
    /// The lock's or semaphore's identity (its `Access::object`).
    pub(crate) object: u64,
}

impl Recorder {
    /// Task `task` took a guard or permits of `object` at `loc`: its [`Taken`], or `None` when
    /// the log is not kept.
    #[inline]
    pub(crate) fn hold(
        &self,
        object: u64,
        task: u32,
        loc: &'static Location<'static>,
    ) -> Option<Taken> {
        if !self.keep.get() {
            return None;
        }
        self.holders.borrow_mut().push((object, task));
        Some(Taken { task, loc, object })
    }

    /// A semaphore's free permits, as its acquire just saw them (taken by the next outcome).
    #[inline]
    pub(crate) fn set_left(&self, left: u32) {
        self.left.set(left);
    }

    /// The first task holding `object` and how many more do, for a blocked outcome
    /// (`NO_TASK`: none; `task` itself may be one, as when it locks a mutex it holds).
    pub(super) fn holders_of(&self, object: u64) -> (u32, u16) {
        let holders = self.holders.borrow();
        let mut them = holders
            .iter()
            .filter(|&&(o, _)| o == object && object != 0)
            .map(|&(_, t)| t);
        let Some(first) = them.next() else {
            return (NO_TASK, 0);
        };
        let mut more: Vec<u32> = them.filter(|&t| t != first).collect();
        more.sort_unstable();
        more.dedup();
        (first, more.len().min(u16::MAX as usize) as u16)
    }

    /// The guard `held` (taken by a `kind` operation) was released by `task`:
    /// `permits` of them with `left` free after, for a semaphore (`NO_COUNT` otherwise).
    pub(crate) fn release(&self, task: u32, held: Taken, kind: OpKind, permits: u32, left: u32) {
        let object = held.object;
        {
            let mut holders = self.holders.borrow_mut();
            if let Some(i) = holders
                .iter()
                .position(|&(o, t)| o == object && t == held.task)
            {
                holders.swap_remove(i);
            }
        }
        if std::thread::panicking() {
            return;
        }
        self.push(Record::Release {
            task,
            kind,
            loc: held.loc,
            permits,
            left,
        });
    }

    /// A guard left the log's sight without a release line (mapped into a tokio
    /// guard, or forgotten): it no longer counts as held.
    pub(crate) fn forget_holder(&self, held: Taken) {
        let mut holders = self.holders.borrow_mut();
        if let Some(i) = holders
            .iter()
            .position(|&(o, t)| o == held.object && t == held.task)
        {
            holders.swap_remove(i);
        }
    }
}
