//! Coverage (`coyote test --coverage`): how often each scheduling point was stepped through, by
//! source location, and actor activity ([`activity`]).
//!
//! Invariants: nothing is counted unless coverage is on; counts accumulate over the iterations of
//! a run until [`Coverage::take`]; counting a location seen before allocates nothing.

mod activity;

pub(crate) use activity::Activity;

use super::tasks::fmt_loc;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::Location;

/// See the module docs.
#[derive(Default)]
pub(crate) struct Coverage {
    on: Cell<bool>,
    /// Steps by the address of their location (one `Location` per call site).
    points: RefCell<HashMap<usize, (&'static Location<'static>, u64)>>,
    activity: activity::Activities,
}

impl Coverage {
    pub(crate) fn set_on(&self, on: bool) {
        self.on.set(on);
    }

    /// Whether coverage is counted (it was asked for).
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        self.on.get()
    }

    /// A step went through `loc` (counted only when coverage is on).
    #[inline]
    pub(crate) fn step_at(&self, loc: &'static Location<'static>) {
        if self.on.get() {
            self.points
                .borrow_mut()
                .entry(loc as *const _ as usize)
                .or_insert((loc, 0))
                .1 += 1;
        }
    }

    /// Adds `n` to what `actor` did with `name` (an event or a state).
    pub(crate) fn count_activity(
        &self,
        actor: &str,
        what: Activity,
        name: &dyn fmt::Debug,
        n: u64,
    ) {
        self.activity.count(actor, what, name, n);
    }

    /// Counts a transition of a machine of type `actor` from state `from` to `to`.
    pub(crate) fn count_transition(&self, actor: &str, from: &dyn fmt::Debug, to: &dyn fmt::Debug) {
        self.activity.transition(actor, from, to);
    }

    /// Coverage accumulated since the last call: scheduling points by `file:line:col`, and
    /// actor activity.
    pub(crate) fn take(&self) -> coyote_core::coverage::Coverage {
        let points = self
            .points
            .borrow_mut()
            .drain()
            .map(|(_, (loc, n))| (fmt_loc(loc), n))
            .fold(BTreeMap::new(), |mut m, (k, n)| {
                *m.entry(k).or_insert(0) += n;
                m
            });
        coyote_core::coverage::Coverage {
            points,
            actors: self.activity.take(),
        }
    }
}
