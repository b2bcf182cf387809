//! Saturation, "when to stop": how coverage grew over a test's iterations, merged across its
//! workers, and the [`Growth`] that merges it.
//!
//! A worker reports what each of its iterations found that the worker had not seen before (an
//! [`Event::Novelty`](crate::abi::Event::Novelty)): coverage items, named by [`item_key`]
//! (scheduling points, actor states, events and transitions, monitor states), and distinct
//! schedules, named by the hash of their decisions ([`schedule_hash`]). The parent merges them
//! into one [`Growth`] per test, placing each at the iteration count of the whole run when it
//! was found, and the report carries the resulting [`Saturation`].
//!
//! Invariants: an item counts once per test however many workers find it; the growth curve is
//! cumulative and sorted by iteration and holds at most [`MAX_CURVE`] samples (memory is bounded
//! however long the run: samples are kept in buckets whose width doubles as needed); schedules
//! never count as new *coverage* for [`Growth::saturated`] (under a random strategy almost every
//! schedule is new), but are charted beside it.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The most samples a [`Saturation::curve`] holds.
pub const MAX_CURVE: usize = 256;

/// What kind of coverage an item is (the first letter of its key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A scheduling point, by `file:line:col`.
    Point,
    /// A state machine state entered, `Machine::State`.
    State,
    /// An event handled or dropped by an actor type, `Actor::Event`.
    Event,
    /// A state machine transition, `Machine::From -> To`.
    Transition,
    /// A monitor state, `Monitor::State`.
    Monitor,
}

impl ItemKind {
    fn tag(self) -> char {
        match self {
            ItemKind::Point => 'p',
            ItemKind::State => 's',
            ItemKind::Event => 'e',
            ItemKind::Transition => 't',
            ItemKind::Monitor => 'm',
        }
    }

    /// The kind of a key made by [`item_key`].
    pub fn of_key(key: &str) -> Option<ItemKind> {
        Some(match key.as_bytes().first()? {
            b'p' => ItemKind::Point,
            b's' => ItemKind::State,
            b'e' => ItemKind::Event,
            b't' => ItemKind::Transition,
            b'm' => ItemKind::Monitor,
            _ => return None,
        })
    }
}

/// The key of a coverage item: its kind's letter, `:`, its name.
pub fn item_key(kind: ItemKind, name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 2);
    key.push(kind.tag());
    key.push(':');
    key.push_str(name);
    key
}

/// The hash that names a schedule: an FxHash-style hash of its decisions (stable across builds
/// and platforms, so workers' hashes merge).
pub fn schedule_hash(decisions: &[crate::trace::Decision]) -> u64 {
    use crate::trace::Decision;
    // FxHash's round (a rotate, a xor, a multiply) per decision: this runs once per iteration
    // over all of its decisions, so it is kept to a few instructions each.
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for d in decisions {
        let v = match *d {
            Decision::Schedule(t) => u64::from(t),
            Decision::Bool(b) => (1 << 40) | u64::from(b),
            // An integer choice is marked off from the others by a round of its own.
            Decision::Int(v) => {
                h = (h.rotate_left(5) ^ (2 << 40)).wrapping_mul(K);
                v
            }
        };
        h = (h.rotate_left(5) ^ v).wrapping_mul(K);
    }
    h
}

/// Distinct items by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageCounts {
    /// Scheduling points.
    #[serde(default)]
    pub points: u64,
    /// State machine states entered.
    #[serde(default)]
    pub states: u64,
    /// Actor events handled or dropped.
    #[serde(default)]
    pub events: u64,
    /// State machine transitions.
    #[serde(default)]
    pub transitions: u64,
    /// Monitor states.
    #[serde(default)]
    pub monitor_states: u64,
    /// Distinct schedules (by the hash of their decisions).
    #[serde(default)]
    pub schedules: u64,
}

impl CoverageCounts {
    /// Coverage items of every kind but schedules.
    pub fn items(&self) -> u64 {
        self.points + self.states + self.events + self.transitions + self.monitor_states
    }

    fn add(&mut self, other: &CoverageCounts) {
        self.points += other.points;
        self.states += other.states;
        self.events += other.events;
        self.transitions += other.transitions;
        self.monitor_states += other.monitor_states;
        self.schedules += other.schedules;
    }

    fn count(&mut self, kind: ItemKind) {
        *match kind {
            ItemKind::Point => &mut self.points,
            ItemKind::State => &mut self.states,
            ItemKind::Event => &mut self.events,
            ItemKind::Transition => &mut self.transitions,
            ItemKind::Monitor => &mut self.monitor_states,
        } += 1;
    }
}

/// One point of the growth curve: the distinct items after `iteration` iterations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaturationSample {
    /// Iterations run (over all workers).
    pub iteration: u64,
    /// Distinct items by then.
    #[serde(flatten)]
    pub counts: CoverageCounts,
}

/// A test's coverage growth, in `report.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saturation {
    /// Distinct items at the end.
    pub total: CoverageCounts,
    /// The iteration (1-based, over all workers) that found the last new coverage item; 0 if
    /// none was found.
    pub last_new_at: u64,
    /// The iteration that found the last new schedule.
    #[serde(default)]
    pub last_new_schedule_at: u64,
    /// Iterations run after the last new coverage item.
    pub iterations_since_new: u64,
    /// `--until-saturated K`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_saturated: Option<u64>,
    /// Whether the test stopped because `until_saturated` iterations found nothing new.
    #[serde(default)]
    pub saturated: bool,
    /// The cumulative growth curve, sorted by iteration (at most [`MAX_CURVE`] samples).
    #[serde(default)]
    pub curve: Vec<SaturationSample>,
}

/// Merges the items and schedules a test's workers found into its [`Saturation`].
#[derive(Debug, Default)]
pub struct Growth {
    /// Each item, by the iteration that first found it.
    items: HashMap<String, u64>,
    /// Each distinct schedule's hash, by the iteration that first found it.
    schedules: HashMap<u64, u64>,
    total: CoverageCounts,
    last_new_at: u64,
    last_new_schedule_at: u64,
    /// New items per bucket of `width` iterations: bucket `i` covers `i*width+1 ..= (i+1)*width`.
    buckets: Vec<CoverageCounts>,
    width: u64,
}

/// Schedules remembered at most (beyond this, new schedules are no longer counted).
const MAX_SCHEDULES: usize = 1 << 22;

impl Growth {
    /// An empty growth.
    pub fn new() -> Growth {
        Growth {
            width: 1,
            ..Default::default()
        }
    }

    fn bucket(&mut self, at: u64) -> &mut CoverageCounts {
        let at = at.max(1);
        while (at - 1) / self.width >= MAX_CURVE as u64 {
            // Halve the resolution: merge pairs of buckets.
            let merged: Vec<CoverageCounts> = self
                .buckets
                .chunks(2)
                .map(|pair| {
                    let mut c = pair[0];
                    if let Some(b) = pair.get(1) {
                        c.add(b);
                    }
                    c
                })
                .collect();
            self.buckets = merged;
            self.width *= 2;
        }
        let i = ((at - 1) / self.width) as usize;
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, CoverageCounts::default());
        }
        &mut self.buckets[i]
    }

    /// Adds the item `key` (see [`item_key`]) found in iteration `at` (1-based); whether it was
    /// new to the test.
    pub fn add_item(&mut self, at: u64, key: &str) -> bool {
        let Some(kind) = ItemKind::of_key(key) else {
            return false;
        };
        if let Some(first) = self.items.get_mut(key) {
            *first = (*first).min(at);
            return false;
        }
        self.items.insert(key.to_string(), at);
        self.total.count(kind);
        self.last_new_at = self.last_new_at.max(at);
        self.bucket(at).count(kind);
        true
    }

    /// Adds the schedule `hash` found in iteration `at`; whether it was new to the test.
    pub fn add_schedule(&mut self, at: u64, hash: u64) -> bool {
        if let Some(first) = self.schedules.get_mut(&hash) {
            *first = (*first).min(at);
            return false;
        }
        if self.schedules.len() >= MAX_SCHEDULES {
            return false;
        }
        self.schedules.insert(hash, at);
        self.total.schedules += 1;
        self.last_new_schedule_at = self.last_new_schedule_at.max(at);
        self.bucket(at).schedules += 1;
        true
    }

    /// Adds `n` schedules found in iteration `at`, counted elsewhere as distinct (a shard's, when
    /// shards are merged: their schedules are not known one by one).
    pub fn add_schedules(&mut self, at: u64, n: u64) {
        self.total.schedules += n;
        if n > 0 {
            self.last_new_schedule_at = self.last_new_schedule_at.max(at);
            self.bucket(at).schedules += n;
        }
    }

    /// Every item found, with the iteration that first found it, sorted by iteration.
    pub fn items(&self) -> Vec<(u64, String)> {
        let mut v: Vec<(u64, String)> = self.items.iter().map(|(k, &at)| (at, k.clone())).collect();
        v.sort();
        v
    }

    /// Every distinct schedule's hash, with the iteration that first found it, sorted by
    /// iteration (what a shard keeps for the merge, which counts a schedule two shards both
    /// ran once, as one run counts it across its workers).
    pub fn schedules(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self.schedules.iter().map(|(&h, &at)| (at, h)).collect();
        v.sort_unstable();
        v
    }

    /// Distinct items so far.
    pub fn total(&self) -> CoverageCounts {
        self.total
    }

    /// The iteration that found the last new coverage item (0: none yet).
    pub fn last_new_at(&self) -> u64 {
        self.last_new_at
    }

    /// Whether `k` iterations have run, after `iterations` in all, since the last new coverage
    /// item (schedules do not count: see the module docs).
    pub fn saturated(&self, iterations: u64, k: u64) -> bool {
        iterations >= self.last_new_at.saturating_add(k)
    }

    /// The report of a test that ran `iterations` iterations; `until` is `--until-saturated`,
    /// `saturated` whether it stopped the test.
    pub fn finish(&self, iterations: u64, until: Option<u64>, saturated: bool) -> Saturation {
        let mut curve = Vec::with_capacity(self.buckets.len() + 2);
        curve.push(SaturationSample::default());
        let mut acc = CoverageCounts::default();
        for (i, b) in self.buckets.iter().enumerate() {
            acc.add(b);
            let end = (i as u64 + 1) * self.width;
            curve.push(SaturationSample {
                iteration: end.min(iterations.max(self.last_new_at)),
                counts: acc,
            });
        }
        let end = iterations.max(curve.last().map_or(0, |s| s.iteration));
        if curve.last().map_or(true, |s| s.iteration < end) {
            curve.push(SaturationSample {
                iteration: end,
                counts: acc,
            });
        }
        Saturation {
            total: self.total,
            last_new_at: self.last_new_at,
            last_new_schedule_at: self.last_new_schedule_at,
            iterations_since_new: iterations.saturating_sub(self.last_new_at),
            until_saturated: until,
            saturated,
            curve,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Decision;

    #[test]
    fn items_count_once_across_workers_and_the_curve_is_cumulative() {
        let mut g = Growth::new();
        assert!(g.add_item(1, &item_key(ItemKind::Point, "a.rs:1:1")));
        assert!(g.add_item(2, &item_key(ItemKind::State, "M::Idle")));
        // Another worker finds the same point later: not new.
        assert!(!g.add_item(5, &item_key(ItemKind::Point, "a.rs:1:1")));
        assert!(g.add_item(7, &item_key(ItemKind::Transition, "M::Idle -> Busy")));
        assert!(!g.add_item(9, "x:unknown kind"));
        assert!(g.add_schedule(8, 42));
        assert!(!g.add_schedule(9, 42));
        assert_eq!(g.total().items(), 3);
        let items: Vec<u64> = g.items().into_iter().map(|(at, _)| at).collect();
        assert_eq!(
            items,
            [1, 2, 7],
            "each item at the iteration that first found it"
        );
        assert!(!g.saturated(10, 5));
        assert!(g.saturated(12, 5));
        let s = g.finish(20, Some(5), true);
        assert_eq!((s.last_new_at, s.last_new_schedule_at), (7, 8));
        assert_eq!(s.iterations_since_new, 13);
        assert_eq!(s.curve.first().unwrap().iteration, 0);
        let last = s.curve.last().unwrap();
        assert_eq!((last.iteration, last.counts), (20, s.total));
        assert!(s.curve.windows(2).all(
            |w| w[0].iteration <= w[1].iteration && w[0].counts.items() <= w[1].counts.items()
        ));
    }

    #[test]
    fn a_schedule_counts_once_at_the_iteration_that_first_ran_it() {
        let mut g = Growth::new();
        assert!(g.add_schedule(9, 0xab));
        assert!(!g.add_schedule(4, 0xab), "a repeat is not new");
        assert!(g.add_schedule(6, 0xcd));
        assert_eq!(g.schedules(), [(4, 0xab), (6, 0xcd)]);
        assert_eq!(g.total().schedules, 2);
    }

    #[test]
    fn counted_schedules_add_to_the_total_and_the_curve() {
        let mut g = Growth::new();
        g.add_schedules(4, 10);
        g.add_schedules(9, 0);
        g.add_schedules(8, 5);
        let s = g.finish(10, None, false);
        assert_eq!((s.total.schedules, s.last_new_schedule_at), (15, 8));
        assert_eq!(s.curve.last().unwrap().counts.schedules, 15);
    }

    #[test]
    fn the_curve_stays_bounded_however_long_the_run() {
        let mut g = Growth::new();
        for at in 1..=100_000u64 {
            g.add_schedule(at, at * 7919);
            if at % 1000 == 0 {
                g.add_item(at, &item_key(ItemKind::Point, &format!("p{at}")));
            }
        }
        let s = g.finish(100_000, None, false);
        assert!(s.curve.len() <= MAX_CURVE + 2, "{}", s.curve.len());
        assert_eq!(s.total.schedules, 100_000);
        assert_eq!(s.curve.last().unwrap().counts.points, 100);
        assert_eq!(s.last_new_at, 100_000);
    }

    #[test]
    fn schedule_hashes_tell_decisions_apart() {
        let a = schedule_hash(&[Decision::Schedule(1), Decision::Schedule(2)]);
        let b = schedule_hash(&[Decision::Schedule(2), Decision::Schedule(1)]);
        let c = schedule_hash(&[Decision::Bool(true), Decision::Schedule(1)]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a,
            schedule_hash(&[Decision::Schedule(1), Decision::Schedule(2)])
        );
        assert_ne!(schedule_hash(&[Decision::Int(0)]), schedule_hash(&[]));
    }

    #[test]
    fn saturation_round_trips_and_old_reports_read_without_it() {
        let mut g = Growth::new();
        g.add_item(3, "p:a.rs:1:1");
        let s = g.finish(10, Some(4), true);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Saturation>(&json).unwrap(), s);
    }
}
