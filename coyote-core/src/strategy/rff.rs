//! `rff`: reads-from guided schedule fuzzing, after Wolff, Shi and Roychoudhury's RFF
//! (*Greybox Fuzzing for Concurrency Testing*, ASPLOS 2024).
//!
//! Greybox fuzzing with schedules as inputs: an iteration either walks at random or *mutates a
//! seed*, a schedule kept because it showed something new; the feedback that decides what is new
//! is the set of *reads-from pairs* the iteration produced. Every step declares what it touches
//! ([`Step::access`]); a step touching object `o` reads from the last step that wrote `o` (none:
//! the initial value), and the pair (that write's site, this step's site) is its coverage. A
//! schedule whose iteration produced a pair no earlier iteration produced joins the corpus.
//!
//! A site must name the same program point across iterations, and an address does not (the
//! strategy sees no source location, and objects are allocated afresh). So a site is named from
//! the operation's own view: (operation, the rank of the object among those the operation has
//! touched so far in this iteration, read or write, how often the operation touched that object
//! so far, bucketed as 1, 2, 3-4, 5-8, ...). It depends only on what the operation did, not on
//! where the allocator put things, so the corpus, hence the run, is a function of the seed.
//!
//! A mutation picks a seed uniformly and one of the decisions at which it produced a new pair,
//! keeps the seed's decisions up to it and up to [`WINDOW`]` - 1` more, makes the next decision
//! differently (another enabled operation) and walks at random from there: the new schedule
//! keeps the interleaving that made the seed new and explores what follows it. If the program
//! diverges from the seed (its operation is not enabled), the walk takes over at once. One
//! iteration in [`FRESH_ONE_IN`] walks from scratch, so the corpus keeps growing from new ground.
//!
//! What it does not do (see `samples/sctbench/README.md` for the measurements): RFF proper names
//! sites by source location and mutates a seed's reads-from *constraints* (a read forced to read
//! from a given write, or not to); here a mutation keeps a prefix, which is cheaper to follow and
//! needs no solver, but cannot combine two seeds' interleavings.
//!
//! Invariants: deterministic from the seed and the calls it receives; declared choices are
//! uniform from the same generator; per step, work is a few hash-map operations on tables whose
//! capacity is kept across iterations (no allocation once they have grown); a schedule is copied
//! only when it joins the corpus, which is bounded by [`MAX_CORPUS`] (the oldest seeds leave).

use std::collections::{HashMap, HashSet};

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use crate::fasthash::Fast;
use crate::rng::Rng;

/// One iteration in this many walks at random from the start instead of mutating a seed.
const FRESH_ONE_IN: u64 = 4;

/// The most seeds kept; beyond it the oldest is dropped.
const MAX_CORPUS: usize = 4096;

/// A mutation keeps the seed's decisions up to one of its new pairs and up to this many more,
/// less one.
const WINDOW: u64 = 8;

/// How many new-pair positions of an iteration are kept.
const NOVEL_KEPT: usize = 8;

/// Reads-from guided schedule fuzzing. See the module docs.
#[derive(Debug)]
pub struct Rff {
    rng: Rng,
    /// Every reads-from pair seen in any iteration.
    seen: HashSet<u64, Fast>,
    /// Schedules (the operation chosen at each decision) that produced a new pair.
    corpus: Vec<Seed>,
    /// The seed being mutated this iteration (an index into `corpus`), if any.
    seed: Option<usize>,
    /// Whether this iteration still follows its seed.
    following: bool,
    /// Decisions of this iteration that copy the seed; the one after them differs from it.
    keep: usize,
    /// This iteration's decisions.
    decisions: Vec<OpId>,
    /// Per object address: the site of the last step that wrote it, this iteration.
    last_write: HashMap<u64, u64, Fast>,
    /// Per (operation, object address): the object's rank among the operation's objects and
    /// how often the operation touched it, this iteration.
    touched: HashMap<(OpId, u64), (u32, u32), Fast>,
    /// Per operation: how many distinct objects it touched, this iteration.
    objects: Vec<u32>,
    /// The decision counts when this iteration produced new pairs (at most [`NOVEL_KEPT`]); the
    /// decision of the step that produced it is the last one counted.
    novel: Vec<u32>,
}

/// A schedule kept in the corpus.
#[derive(Debug)]
struct Seed {
    /// The operation chosen at each decision.
    decisions: Vec<OpId>,
    /// How many decisions had been made when its new pairs appeared.
    novel: Vec<u32>,
}

impl Rff {
    /// Reads-from guided fuzzing seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rff {
            rng: Rng::new(seed),
            seen: HashSet::default(),
            corpus: Vec::new(),
            seed: None,
            following: false,
            keep: 0,
            decisions: Vec::with_capacity(256),
            last_write: HashMap::default(),
            touched: HashMap::default(),
            objects: Vec::with_capacity(16),
            novel: Vec::with_capacity(NOVEL_KEPT),
        }
    }

    /// Seeds in the corpus (for tests).
    #[cfg(test)]
    pub(crate) fn corpus_len(&self) -> usize {
        self.corpus.len()
    }

    /// The seed the last iteration mutated (for tests).
    #[cfg(test)]
    fn seed_of_last(&self) -> Option<usize> {
        self.seed
    }

    /// The site of `op`'s step touching `object`: see the module docs.
    #[inline]
    fn site(&mut self, op: OpId, object: u64, write: bool) -> u64 {
        let i = op as usize;
        if i >= self.objects.len() {
            self.objects.resize(i + 1, 0);
        }
        let fresh = self.objects[i];
        let entry = self.touched.entry((op, object)).or_insert((fresh, 0));
        if entry.1 == 0 {
            self.objects[i] += 1;
        }
        entry.1 += 1;
        // 1, 2, 3-4, 5-8, ...: the bucket of the count (as AFL buckets hit counts).
        let bucket = 32 - (entry.1 - 1).leading_zeros();
        (op as u64) << 40 | (entry.0 as u64) << 8 | (bucket as u64) << 1 | write as u64
    }
}

impl Strategy for Rff {
    fn name(&self) -> String {
        "rff".into()
    }

    fn begin_iteration(&mut self) -> bool {
        self.decisions.clear();
        self.last_write.clear();
        self.touched.clear();
        self.objects.fill(0);
        self.novel.clear();
        self.seed = None;
        if !self.corpus.is_empty() && self.rng.below(FRESH_ONE_IN) != 0 {
            let k = self.rng.below(self.corpus.len() as u64) as usize;
            let seed = &self.corpus[k];
            // Keep the decisions up to one of the seed's new pairs and up to `WINDOW - 1` more.
            let at = seed.novel[self.rng.below(seed.novel.len() as u64) as usize] as usize;
            self.keep = (at + self.rng.below(WINDOW) as usize).min(seed.decisions.len() - 1);
            self.seed = Some(k);
        }
        self.following = self.seed.is_some();
        true
    }

    #[inline]
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let at = self.decisions.len();
        let mut chosen = None;
        if let (true, Some(seed)) = (self.following, self.seed.map(|k| &self.corpus[k].decisions)) {
            match seed.get(at) {
                Some(&op) if point.enabled.contains(&op) => {
                    if at < self.keep {
                        chosen = Some(op);
                    } else {
                        // The mutated decision: any other enabled operation.
                        let n = point.enabled.len() as u64;
                        let skip = point.enabled.iter().position(|&e| e == op).unwrap_or(0);
                        let i = (skip as u64 + 1 + self.rng.below(n - 1)) % n;
                        chosen = Some(point.enabled[i as usize]);
                        self.following = false;
                    }
                }
                _ => self.following = false,
            }
        }
        let chosen = chosen
            .unwrap_or_else(|| point.enabled[self.rng.below(point.enabled.len() as u64) as usize]);
        self.decisions.push(chosen);
        Some(chosen)
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        if !self.novel.is_empty() && !self.decisions.is_empty() {
            let last = self.decisions.len() as u32 - 1;
            if self.corpus.len() == MAX_CORPUS {
                self.corpus.remove(0);
            }
            self.corpus.push(Seed {
                decisions: self.decisions.clone(),
                novel: self.novel.iter().map(|&n| n.min(last)).collect(),
            });
        }
    }

    fn needs_steps(&self) -> bool {
        true
    }

    #[inline]
    fn on_step(&mut self, step: &Step) {
        let object = step.access.object;
        if object == 0 {
            return;
        }
        let site = self.site(step.op, object, step.access.write);
        let from = self.last_write.get(&object).copied().unwrap_or(0);
        if self.seen.insert(mix(from, site)) && self.novel.len() < NOVEL_KEPT {
            self.novel.push(self.decisions.len() as u32);
        }
        if step.access.write {
            self.last_write.insert(object, site);
        }
    }
}

/// A 64-bit mix of a pair of sites.
#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let mut state = a ^ b.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    crate::rng::splitmix64(&mut state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::Access;

    /// Runs one iteration of a program whose operations each run a fixed sequence of accesses,
    /// showing the strategy every step; returns the order of the operations.
    fn run(s: &mut Rff, program: &[Vec<Access>]) -> Vec<OpId> {
        assert!(s.begin_iteration());
        let mut next = vec![0; program.len()];
        let (mut order, mut enabled) = (Vec::new(), Vec::new());
        loop {
            enabled.clear();
            enabled.extend(
                (0..program.len() as OpId)
                    .filter(|&op| next[op as usize] < program[op as usize].len()),
            );
            let op = match enabled.len() {
                0 => break,
                1 => enabled[0],
                _ => s
                    .next_operation(&SchedulingPoint {
                        enabled: &enabled,
                        accesses: &[],
                        current: order.last().copied(),
                        step: order.len() as u32,
                        yielded: false,
                        state_hash: 0,
                    })
                    .unwrap(),
            };
            let access = program[op as usize][next[op as usize]];
            s.on_step(&Step {
                op,
                access,
                woken_by: None,
                timer: false,
                memory: 0,
            });
            next[op as usize] += 1;
            order.push(op);
        }
        s.end_iteration(&IterationEnd {
            steps: order.len() as u32,
            bug: false,
            hit_bound: false,
            wrote_atomics: false,
        });
        order
    }

    const fn at(object: u64, write: bool) -> Access {
        Access { object, write }
    }

    /// Two operations each writing then reading `x`, and one touching nothing.
    fn program() -> Vec<Vec<Access>> {
        let x = 0x40;
        vec![
            vec![at(x, true), at(x, false), at(x, true)],
            vec![at(x, false), at(x, true), at(x, false)],
            vec![Access::NONE; 3],
        ]
    }

    #[test]
    fn is_deterministic_from_its_seed_and_varies_across_iterations() {
        let runs = |seed| {
            let mut s = Rff::new(seed);
            (0..200)
                .map(|_| run(&mut s, &program()))
                .collect::<Vec<_>>()
        };
        let first = runs(5);
        assert_eq!(first, runs(5));
        assert_ne!(first, runs(6));
        let distinct: HashSet<_> = first.iter().collect();
        assert!(distinct.len() > 20, "{}", distinct.len());
    }

    #[test]
    fn keeps_a_schedule_only_when_it_shows_a_new_reads_from_pair() {
        let mut s = Rff::new(1);
        run(&mut s, &program());
        assert_eq!(s.corpus_len(), 1, "the first iteration's pairs are all new");
        // A program with no declared accesses shows no pair at all.
        let mut quiet = Rff::new(1);
        for _ in 0..50 {
            run(&mut quiet, &[vec![Access::NONE; 3], vec![Access::NONE; 3]]);
        }
        assert_eq!(quiet.corpus_len(), 0);
        // The pairs of this program are finite: the corpus stops growing.
        for _ in 0..2000 {
            run(&mut s, &program());
        }
        let grown = s.corpus_len();
        for _ in 0..2000 {
            run(&mut s, &program());
        }
        assert_eq!(s.corpus_len(), grown, "no pair is new any more");
        assert!(grown > 3, "{grown}");
    }

    #[test]
    fn a_mutation_follows_its_seed_up_to_the_cut_and_differs_right_after() {
        let mut s = Rff::new(9);
        let mut mutated = 0;
        for _ in 0..300 {
            let order = run(&mut s, &program());
            let (Some(k), keep) = (s.seed_of_last(), s.keep) else {
                continue;
            };
            let seed = &s.corpus[k].decisions;
            // Compare decisions, not steps: `order` also holds steps with one operation enabled.
            assert_eq!(&s.decisions[..keep], &seed[..keep]);
            if keep < s.decisions.len() && keep < seed.len() {
                assert_ne!(s.decisions[keep], seed[keep], "{order:?}");
                mutated += 1;
            }
        }
        assert!(mutated > 100, "{mutated}");
    }

    #[test]
    fn site_names_do_not_depend_on_addresses() {
        // The same program with its object at a new address in every iteration (as a fresh
        // allocation may be) gives the same schedules: with sites named by address, every
        // iteration's pairs would be new and every schedule a seed.
        let moved = |i: u64| -> Vec<Vec<Access>> {
            let object = 0x9000 + 8 * i;
            program()
                .into_iter()
                .map(|steps| {
                    let at_new = |a: Access| {
                        if a.object == 0 {
                            a
                        } else {
                            at(object, a.write)
                        }
                    };
                    steps.into_iter().map(at_new).collect()
                })
                .collect()
        };
        let (mut a, mut b) = (Rff::new(3), Rff::new(3));
        for i in 0..300 {
            assert_eq!(run(&mut a, &program()), run(&mut b, &moved(i)));
        }
        assert_eq!(a.corpus_len(), b.corpus_len());
        assert!(b.corpus_len() < 100, "{}", b.corpus_len());
    }
}
