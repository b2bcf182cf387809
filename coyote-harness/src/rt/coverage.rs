//! Coverage (`coyote test --coverage`): how often each scheduling point was stepped through, by
//! source location, and actor activity ([`activity`]).
//!
//! Invariants: nothing is counted unless coverage is on; counts accumulate over the iterations of
//! a run until [`Coverage::take`]; counting a location seen before allocates nothing;
//! [`Coverage::distinct`] changes whenever something is counted for the first time, so the run
//! loop looks for new items ([`Coverage::new_items`], for saturation) only after an iteration
//! that found some.

mod activity;

pub(crate) use activity::Activity;

use super::tasks::fmt_loc;
use coyote_core::saturation::{item_key, ItemKind};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;

/// Hashes an address (a `Location`'s, unique per call site, so no attacker picks the keys):
/// a multiply by the golden ratio, its high half folded into the low one (the table indexes by
/// the low bits, and addresses are aligned).
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        let h = (v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct Coverage {
    on: Cell<bool>,
    /// Steps by the address of their location (one `Location` per call site), hashed by
    /// [`AddrHasher`]: a step of a run with coverage on pays a multiply, not SipHash.
    points:
        RefCell<HashMap<usize, (&'static Location<'static>, u64), BuildHasherDefault<AddrHasher>>>,
    activity: activity::Activities,
    /// Monitor states seen, `Monitor::State` (for saturation; not in `coverage.json`).
    monitor_states: RefCell<HashSet<String>>,
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

    /// A monitor `name` is in state `state` (counted only when coverage is on; the caller
    /// checks).
    pub(crate) fn monitor_state(&self, name: &str, state: &str) {
        let state = state.split(['(', '{', '[', ' ']).next().unwrap_or("");
        let key = format!("{name}::{state}");
        let mut seen = self.monitor_states.borrow_mut();
        if !seen.contains(&key) {
            seen.insert(key);
        }
    }

    /// A number that changes whenever an item is counted for the first time.
    #[inline]
    pub(crate) fn distinct(&self) -> u64 {
        self.points.borrow().len() as u64
            + self.activity.distinct()
            + self.monitor_states.borrow().len() as u64
    }

    /// Calls `found` with the key ([`item_key`]) of every item counted and not yet in `known`
    /// (points are known by address in `known_points`), adding it there.
    pub(crate) fn new_items(
        &self,
        known: &mut HashSet<String>,
        known_points: &mut HashSet<usize>,
        found: &mut dyn FnMut(String),
    ) {
        for (&addr, &(loc, _)) in self.points.borrow().iter() {
            if known_points.insert(addr) {
                found(item_key(ItemKind::Point, &fmt_loc(loc)));
            }
        }
        let mut fresh = |key: String| {
            if !known.contains(&key) {
                known.insert(key.clone());
                found(key);
            }
        };
        self.activity.for_each_entered(&mut fresh);
        for m in self.monitor_states.borrow().iter() {
            fresh(item_key(ItemKind::Monitor, m));
        }
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
        self.monitor_states.borrow_mut().clear();
        coyote_core::coverage::Coverage {
            points,
            actors: self.activity.take(),
        }
    }
}
