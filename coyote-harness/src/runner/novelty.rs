//! The saturation signal: what each iteration found that this worker had not seen before
//! (coverage items and distinct schedules), gathered for the next
//! [`Event::Novelty`](coyote_core::abi::Event::Novelty); see [`coyote_core::saturation`].
//!
//! Invariants: computed once per iteration, after it ends, never per step: one hash over the
//! iteration's decisions and one set lookup; coverage items are looked for only when the
//! executor's count of distinct items changed (it grows only the first time something is
//! counted), so a saturated run pays a comparison; each item and schedule is reported at most
//! once per worker, with the worker's count of iterations run when it was found; memory is
//! bounded ([`MAX_SCHEDULES`] schedules remembered).

use crate::rt::Executor;
use coyote_core::abi::Event;
use coyote_core::saturation::schedule_hash;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Schedules one worker remembers at most; beyond that new ones are no longer reported.
pub(crate) const MAX_SCHEDULES: usize = 1 << 20;

/// The hash of a schedule is already a hash: the set uses it as it is.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// See the module docs.
pub(crate) struct Novelty {
    on: bool,
    schedules: HashSet<u64, BuildHasherDefault<Identity>>,
    known: HashSet<String>,
    known_points: HashSet<usize>,
    /// The executor's count of distinct items when last looked at.
    distinct: u64,
    items: Vec<(u64, String)>,
    new_schedules: Vec<u64>,
    /// The iteration count when last told (for the event).
    count: u64,
    /// The iteration count at the last new coverage item (0: none yet).
    pub(crate) last_new: u64,
}

impl Novelty {
    /// A tracker; `on: false` tracks nothing.
    pub(crate) fn new(on: bool) -> Novelty {
        Novelty {
            on,
            schedules: HashSet::default(),
            known: HashSet::new(),
            known_points: HashSet::new(),
            distinct: 0,
            items: Vec::new(),
            new_schedules: Vec::new(),
            count: 0,
            last_new: 0,
        }
    }

    /// Iteration number `count` (1-based) of this worker ended: notes what it found.
    #[inline]
    pub(crate) fn after_iteration(&mut self, ex: &Executor, count: u64) {
        if !self.on {
            return;
        }
        self.count = count;
        let hash = schedule_hash(&ex.decisions());
        if self.schedules.len() < MAX_SCHEDULES && self.schedules.insert(hash) {
            self.new_schedules.push(hash);
        }
        let distinct = ex.coverage_distinct();
        if distinct == self.distinct {
            return;
        }
        self.distinct = distinct;
        let before = self.items.len();
        let items = &mut self.items;
        ex.new_coverage_items(&mut self.known, &mut self.known_points, &mut |key| {
            items.push((count, key))
        });
        if self.items.len() > before {
            self.last_new = count;
        }
    }

    /// Whether `k` iterations have ended, of `count`, since the last new coverage item.
    pub(crate) fn saturated(&self, count: u64, k: u64) -> bool {
        self.on && count >= self.last_new.saturating_add(k)
    }

    /// The event of what was found since the last call, if anything was.
    pub(crate) fn take_event(&mut self) -> Option<Event> {
        if self.items.is_empty() && self.new_schedules.is_empty() {
            return None;
        }
        Some(Event::Novelty {
            iterations: self.count,
            items: std::mem::take(&mut self.items),
            schedules: std::mem::take(&mut self.new_schedules),
        })
    }
}
