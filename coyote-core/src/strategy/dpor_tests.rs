//! `dpor` on small simulated programs: schedule counts against the known numbers of
//! Mazurkiewicz traces, and every outcome `dfs` reaches is reached (locks, choices included).

use super::{Access, Dfs, Dpor, IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use std::collections::{BTreeSet, HashMap};

/// One instruction of a simulated operation; each is one step, except that `Unlock` runs in
/// the same step as the instruction after it (as a guard dropped between two points), and so
/// declares no access of its own.
#[derive(Clone, Copy, Debug)]
enum Ins {
    R(u64),
    W(u64),
    Lock(u64),
    Unlock(u64),
    /// A declared choice of `n` values; a 0 skips the operation's next instruction.
    Choice(u64),
}

fn access(ins: Ins) -> Access {
    match ins {
        Ins::R(o) => Access {
            object: o,
            write: false,
        },
        Ins::W(o) | Ins::Lock(o) => Access {
            object: o,
            write: true,
        },
        Ins::Unlock(_) | Ins::Choice(_) => Access::NONE,
    }
}

/// What an execution observed: every read's writer, the final writers, whether it deadlocked.
type Outcome = (Vec<Vec<(u32, u32)>>, Vec<(u64, (u32, u32))>, bool);

/// Runs one iteration; `None` once the strategy is exhausted.
fn run(s: &mut dyn Strategy, prog: &[Vec<Ins>]) -> Option<Outcome> {
    if !s.begin_iteration() {
        return None;
    }
    let n = prog.len();
    let mut pc = vec![0usize; n];
    let mut blocked = vec![false; n];
    let mut woken_by: Vec<Option<u32>> = vec![None; n];
    let mut held: HashMap<u64, u32> = HashMap::new();
    let mut values: HashMap<u64, (u32, u32)> = HashMap::new();
    let mut writes = vec![0u32; n];
    let mut reads = vec![Vec::new(); n];
    let mut last: Option<OpId> = None;
    let mut step = 0u32;
    let declared = |op: usize, pc: usize| {
        let ins = prog[op][pc];
        match ins {
            Ins::Unlock(_) => prog[op].get(pc + 1).map_or(Access::NONE, |i| access(*i)),
            _ => access(ins),
        }
    };
    let deadlock = loop {
        let enabled: Vec<OpId> = (0..n)
            .filter(|&i| pc[i] < prog[i].len() && !blocked[i])
            .map(|i| i as u32)
            .collect();
        if enabled.is_empty() {
            break (0..n).any(|i| pc[i] < prog[i].len());
        }
        let op = if enabled.len() == 1 {
            enabled[0]
        } else {
            let accesses: Vec<Access> = enabled
                .iter()
                .map(|&o| declared(o as usize, pc[o as usize]))
                .collect();
            let point = SchedulingPoint {
                enabled: &enabled,
                accesses: &accesses,
                current: last.filter(|l| enabled.contains(l)),
                yielded: false,
                step,
                state_hash: 0,
            };
            let op = s.next_operation(&point).unwrap();
            assert!(enabled.contains(&op));
            op
        };
        let o = op as usize;
        s.on_step(&Step {
            op,
            access: declared(o, pc[o]),
            woken_by: woken_by[o].take(),
            timer: false,
        });
        loop {
            match prog[o][pc[o]] {
                Ins::R(x) => reads[o].push(values.get(&x).copied().unwrap_or((u32::MAX, 0))),
                Ins::W(x) => {
                    writes[o] += 1;
                    values.insert(x, (op, writes[o]));
                }
                Ins::Lock(m) => match held.get(&m) {
                    Some(_) => {
                        blocked[o] = true;
                        break;
                    }
                    None => {
                        held.insert(m, op);
                    }
                },
                Ins::Unlock(m) => {
                    held.remove(&m);
                    for (i, b) in blocked.iter_mut().enumerate() {
                        if *b && matches!(prog[i][pc[i]], Ins::Lock(l) if l == m) {
                            *b = false;
                            woken_by[i] = Some(step);
                        }
                    }
                    pc[o] += 1;
                    if pc[o] < prog[o].len() {
                        continue;
                    }
                    break;
                }
                Ins::Choice(k) => {
                    let v = s.next_int(k, step).unwrap();
                    reads[o].push((u32::MAX - 1, v as u32));
                    if v == 0 {
                        pc[o] += 1;
                    }
                }
            }
            pc[o] += 1;
            break;
        }
        last = Some(op);
        step += 1;
    };
    s.end_iteration(&IterationEnd {
        steps: step,
        bug: false,
        hit_bound: false,
    });
    let mut finals: Vec<_> = values.into_iter().collect();
    finals.sort();
    Some((reads, finals, deadlock))
}

/// Every outcome and the number of schedules.
fn explore(s: &mut dyn Strategy, prog: &[Vec<Ins>]) -> (BTreeSet<Outcome>, u64) {
    let mut outcomes = BTreeSet::new();
    let mut n = 0;
    while let Some(o) = run(s, prog) {
        outcomes.insert(o);
        n += 1;
        assert!(n < 100_000, "no end");
    }
    assert!(s.exhausted());
    assert_eq!(s.schedules_explored(), Some(n));
    (outcomes, n)
}

fn dpor_count(prog: &[Vec<Ins>]) -> u64 {
    explore(&mut Dpor::new(None), prog).1
}

use Ins::*;

#[test]
fn independent_operations_take_one_schedule() {
    assert_eq!(dpor_count(&[vec![W(1), W(1)], vec![W(2), R(2)]]), 1);
    // Reads of one object commute too.
    assert_eq!(dpor_count(&[vec![R(1)], vec![R(1)], vec![R(1)]]), 1);
}

#[test]
fn two_writes_of_one_object_take_two() {
    assert_eq!(dpor_count(&[vec![W(1)], vec![W(1)]]), 2);
    // Three writers: 3! orders.
    assert_eq!(dpor_count(&[vec![W(1)], vec![W(1)], vec![W(1)]]), 6);
}

#[test]
fn writer_and_readers_take_two_to_the_readers() {
    // The paper's writer-readers: each reader sees the write or not, 2^n traces.
    for readers in 1..=5 {
        let mut prog = vec![vec![W(1)]];
        prog.extend((0..readers).map(|_| vec![R(1)]));
        assert_eq!(dpor_count(&prog), 1 << readers, "{readers} readers");
    }
}

#[test]
fn crossing_accesses_take_three() {
    // a: x then y; b: y then x. The orders of the two conflicts: three are consistent.
    assert_eq!(dpor_count(&[vec![W(1), W(2)], vec![W(2), W(1)]]), 3);
}

#[test]
fn lastzero_takes_fewer_schedules_than_dfs_and_reaches_every_outcome() {
    // The paper's lastzero(2): a writer of array[0..=2], and readers that each read their
    // left neighbour's cell and write their own.
    let prog = vec![
        vec![R(10), R(11), R(12)],
        vec![R(10), W(11)],
        vec![R(11), W(12)],
    ];
    let (dfs, dfs_n) = explore(&mut Dfs::new(None), &prog);
    let (dpor, dpor_n) = explore(&mut Dpor::new(None), &prog);
    assert_eq!(dfs, dpor);
    assert!(dpor_n < dfs_n / 4, "dpor {dpor_n}, dfs {dfs_n}");
}

#[test]
fn every_outcome_dfs_reaches_with_locks_and_choices() {
    let progs: Vec<Vec<Vec<Ins>>> = vec![
        // A lock-protected increment against an unprotected read.
        vec![
            vec![Lock(9), R(1), W(1), Unlock(9)],
            vec![Lock(9), R(1), W(1), Unlock(9)],
            vec![R(1)],
        ],
        // Lock order inversion: a deadlock in some schedules.
        vec![
            vec![Lock(8), Lock(9), W(1), Unlock(9), Unlock(8)],
            vec![Lock(9), Lock(8), W(1), Unlock(8), Unlock(9)],
        ],
        // A declared choice decides whether a write happens.
        vec![
            vec![Choice(2), W(1), R(2)],
            vec![R(1), W(2)],
            vec![Choice(3), R(1)],
        ],
        // The write after the unlock is declared by its own step only.
        vec![
            vec![Lock(9), W(2), Unlock(9), W(1)],
            vec![R(1), Lock(9), R(2), Unlock(9)],
        ],
    ];
    for prog in &progs {
        let (dfs, dfs_n) = explore(&mut Dfs::new(None), prog);
        let (dpor, dpor_n) = explore(&mut Dpor::new(None), prog);
        assert_eq!(dfs, dpor, "{prog:?}");
        assert!(dpor_n <= dfs_n, "{prog:?}: {dpor_n} > {dfs_n}");
    }
    let deadlocks = explore(&mut Dpor::new(None), &progs[1]).0;
    assert!(deadlocks.iter().any(|o| o.2) && deadlocks.iter().any(|o| !o.2));
}

#[test]
fn random_programs_reach_every_outcome_dfs_reaches() {
    let mut rng = crate::rng::Rng::new(7);
    for case in 0..150 {
        let ops = 2 + rng.below(2) as usize;
        let prog: Vec<Vec<Ins>> = (0..ops)
            .map(|_| {
                (0..1 + rng.below(3))
                    .map(|_| {
                        let o = 1 + rng.below(3);
                        if rng.below(2) == 0 {
                            R(o)
                        } else {
                            W(o)
                        }
                    })
                    .collect()
            })
            .collect();
        let (dfs, dfs_n) = explore(&mut Dfs::new(None), &prog);
        let (dpor, dpor_n) = explore(&mut Dpor::new(None), &prog);
        assert_eq!(dfs, dpor, "case {case}: {prog:?}");
        assert!(dpor_n <= dfs_n);
    }
}

#[test]
fn a_preemption_bound_limits_the_schedules() {
    // Three writers of one object with two steps each.
    let prog = vec![vec![W(1), W(1)], vec![W(1), W(1)], vec![W(1), W(1)]];
    let full = dpor_count(&prog);
    let (outcomes0, zero) = explore(&mut Dpor::new(Some(0)), &prog);
    let one = explore(&mut Dpor::new(Some(1)), &prog).1;
    assert_eq!(full, 90);
    // Without preemptions each operation runs to its end: the 3! orders.
    assert_eq!(zero, 6);
    assert_eq!(outcomes0.len(), 3, "the last writer decides");
    assert!(zero < one && one < full, "{zero} {one} {full}");
    assert_eq!(Dpor::new(Some(2)).name(), "dpor:2");
}

#[test]
fn a_blocked_attempt_is_an_event_of_its_own() {
    // Who locks first, and whether the other tries while the lock is held: 2 x 2 traces; and
    // the two last steps (the unlocks, declaring nothing) in either order when both run free.
    let prog = vec![
        vec![Lock(9), R(1), W(1), Unlock(9)],
        vec![Lock(9), R(1), W(1), Unlock(9)],
    ];
    let (outcomes, n) = explore(&mut Dpor::new(None), &prog);
    assert_eq!((n, outcomes.len()), (6, 2));
    assert_eq!(explore(&mut Dfs::new(None), &prog).1, 8);
}
