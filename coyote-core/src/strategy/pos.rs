//! `pos`: partial-order sampling (Yuan, Yang and Gu, CAV'18), the race-aware random scheduler.
//!
//! Every enabled operation holds a random priority and the highest runs. Before the next
//! decision, the operation that ran draws a fresh priority, and so does every enabled operation
//! whose next access *races* with the one that ran ([`Access::races`]: the same object, one of
//! them writing). The others keep theirs.
//!
//! Why it beats a random walk on races hidden behind private work: a random walk must win a coin
//! toss at every step for one task to run ahead of another, so reordering two accesses that are
//! `k` private steps apart costs about `2^-k`. Here a task's priority persists while it does work
//! that races with nothing, so long stretches run unbroken as in PCT, yet every pair of racing
//! accesses is ordered by a fresh draw, without a depth to guess. Accesses come from the harness's
//! primitives (a lock, a channel) and from `task::yield_read` / `task::yield_write`, with which a
//! program declares its own shared variables. With no accesses declared, only the running
//! operation redraws: a random walk biased towards letting it run on.
//!
//! A yield (`task::yield_now`, [`SchedulingPoint::yielded`]) is honoured: the operation that
//! yielded takes the lowest priority (1) instead of drawing again, and any other enabled
//! operation at that lowest priority draws again, so a task spinning on a yield lets the others
//! run (two spinners alternate) instead of winning fresh draws until `--max-steps`.
//!
//! Invariants: deterministic from the seed; declared choices are uniform (as in `random`); the
//! priority table is indexed by [`OpId`], grows only when an iteration has more operations than
//! any before it, and is zeroed (every priority to be drawn) at the start of each iteration.

use super::{Access, DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;

/// The priority of an operation that just yielded: below every drawn one.
const LOWEST: u64 = 1;

/// Partial-order sampling. See the module docs.
#[derive(Debug)]
pub struct Pos {
    rng: Rng,
    /// Each operation's priority; 0 means "draw one at the next decision it is enabled for".
    priority: Vec<u64>,
}

impl Pos {
    /// Partial-order sampling seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Pos {
            rng: Rng::new(seed),
            priority: Vec::with_capacity(16),
        }
    }
}

impl Strategy for Pos {
    fn name(&self) -> String {
        "pos".into()
    }

    fn begin_iteration(&mut self) -> bool {
        self.priority.fill(0);
        true
    }

    #[inline]
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        // `enabled` is sorted, so its last id bounds the table.
        let top = *point.enabled.last()? as usize;
        if top >= self.priority.len() {
            self.priority.resize(top + 1, 0);
        }
        if let (true, Some(current)) = (point.yielded, point.current) {
            for &op in point.enabled {
                if self.priority[op as usize] == LOWEST {
                    self.priority[op as usize] = 0;
                }
            }
            // `current` is enabled (see `SchedulingPoint::current`), so within the table.
            self.priority[current as usize] = LOWEST;
        }
        let (mut best, mut best_priority) = (0, 0);
        for (i, &op) in point.enabled.iter().enumerate() {
            let p = &mut self.priority[op as usize];
            if *p == 0 {
                // Odd and above `LOWEST`: a draw never ties with a yielder.
                *p = (self.rng.next_u64() | 1).max(LOWEST + 2);
            }
            if *p > best_priority {
                (best, best_priority) = (i, *p);
            }
        }
        let chosen = point.enabled[best];
        self.priority[chosen as usize] = 0;
        // Empty `accesses` (a caller that did not fill them in): nothing races.
        let access = point.accesses.get(best).copied().unwrap_or(Access::NONE);
        if access.object != 0 {
            for (i, &op) in point.enabled.iter().enumerate() {
                if access.races(point.accesses[i]) {
                    self.priority[op as usize] = 0;
                }
            }
        }
        Some(chosen)
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {}

    fn needs_accesses(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::RandomWalk;

    /// Runs one iteration of a program whose operations each run a fixed sequence of accesses;
    /// returns the order in which the accesses ran, as (op, index within op).
    fn run(s: &mut dyn Strategy, program: &[Vec<Access>]) -> Vec<(OpId, usize)> {
        assert!(s.begin_iteration());
        let mut next = vec![0; program.len()];
        let mut order = Vec::new();
        let (mut enabled, mut accesses) = (Vec::new(), Vec::new());
        loop {
            enabled.clear();
            accesses.clear();
            for (op, steps) in program.iter().enumerate() {
                if let Some(a) = steps.get(next[op]) {
                    enabled.push(op as OpId);
                    accesses.push(*a);
                }
            }
            let op = match enabled.len() {
                0 => break,
                1 => enabled[0],
                _ => s
                    .next_operation(&SchedulingPoint {
                        enabled: &enabled,
                        accesses: &accesses,
                        current: None,
                        step: order.len() as u32,
                        yielded: false,
                        state_hash: 0,
                    })
                    .unwrap(),
            };
            order.push((op, next[op as usize]));
            next[op as usize] += 1;
        }
        order
    }

    const X: Access = Access {
        object: 0x10,
        write: true,
    };
    const READ_X: Access = Access {
        object: 0x10,
        write: false,
    };

    #[test]
    fn reorders_a_race_behind_private_work_far_more_often_than_a_random_walk() {
        // Op 0 writes x at once; op 1 reads x after eight private steps. Reading first needs op 1
        // to run nine times before op 0 runs once: about 1 in 512 for a random walk, about 1 in
        // 10 here, as op 1's priority only has to beat op 0's, which persists.
        let mut reader = vec![Access::NONE; 8];
        reader.push(READ_X);
        let program = [vec![X, Access::NONE], reader];
        let read_first = |s: &mut dyn Strategy| {
            (0..2000)
                .filter(|_| {
                    let order = run(s, &program);
                    order.iter().position(|&a| a == (1, 8))
                        < order.iter().position(|&a| a == (0, 0))
                })
                .count()
        };
        let pos = read_first(&mut Pos::new(7));
        let walk = read_first(&mut RandomWalk::new(7));
        assert!(pos > 100, "pos read first {pos} times of 2000");
        assert!(walk < 20, "the random walk read first {walk} times of 2000");
    }

    #[test]
    fn the_operation_that_ran_and_those_racing_with_it_draw_again() {
        let mut s = Pos::new(3);
        assert!(s.begin_iteration());
        let other = Access {
            object: 0x20,
            write: true,
        };
        let point = SchedulingPoint {
            enabled: &[0, 1, 2, 3],
            accesses: &[X, READ_X, other, X],
            current: None,
            step: 0,
            yielded: false,
            state_hash: 0,
        };
        let chosen = s.next_operation(&point).unwrap() as usize;
        let redrawn: Vec<usize> = (0..4).filter(|&op| s.priority[op] == 0).collect();
        let expected: Vec<usize> = match chosen {
            2 => vec![2],
            _ => vec![0, 1, 3],
        };
        assert_eq!(redrawn, expected, "chose {chosen}");
        // Two reads do not race: choosing one leaves the other's priority alone.
        assert!(!READ_X.races(READ_X) && READ_X.races(X) && !Access::NONE.races(Access::NONE));
    }

    #[test]
    fn a_yielding_operation_lets_the_others_run_and_two_spinners_alternate() {
        for seed in 0..20 {
            let mut s = Pos::new(seed);
            assert!(s.begin_iteration());
            let enabled = [0, 1];
            let point = |current, yielded| SchedulingPoint {
                enabled: &enabled,
                accesses: &[],
                current,
                step: 0,
                yielded,
                state_hash: 0,
            };
            let mut last = s.next_operation(&point(None, false)).unwrap();
            for _ in 0..10 {
                let next = s.next_operation(&point(Some(last), true)).unwrap();
                assert_ne!(next, last, "seed {seed}");
                last = next;
            }
        }
    }

    #[test]
    fn is_deterministic_from_its_seed_and_varies_across_iterations() {
        let program = [
            vec![X, Access::NONE, READ_X],
            vec![READ_X, X],
            vec![Access::NONE; 3],
        ];
        let runs = |seed| {
            let mut s = Pos::new(seed);
            (0..30).map(|_| run(&mut s, &program)).collect::<Vec<_>>()
        };
        let first = runs(11);
        assert_eq!(first, runs(11));
        let distinct: std::collections::HashSet<_> = first.iter().collect();
        assert!(distinct.len() > 5, "{distinct:?}");
    }
}
