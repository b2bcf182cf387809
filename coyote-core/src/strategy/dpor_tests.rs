//! `dpor` on small simulated programs: schedule counts against the known numbers of
//! Mazurkiewicz traces, and every outcome `dfs` reaches is reached (locks, choices, spawns and
//! joins included).

use super::{Dfs, Dpor, Strategy};

mod sim;

use sim::{explore, Ins, Ins::*};

fn dpor_count(prog: &[Vec<Ins>]) -> u64 {
    explore(&mut Dpor::new(None), prog).1
}

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

/// `main` spawns `n` tasks that each write object 1 `writes` times, joins them in order, reads.
fn spawn_write_join(n: u32, writes: usize) -> Vec<Vec<Ins>> {
    let mut main: Vec<Ins> = (1..=n).map(Spawn).collect();
    main.push(R(2));
    main.extend((1..=n).map(Join));
    main.push(R(1));
    let mut prog = vec![main];
    prog.extend((0..n).map(|_| [vec![Start], vec![W(1); writes]].concat()));
    prog
}

#[test]
fn spawns_and_joins_order_only_what_they_observe() {
    // Tasks that touch nothing shared but the log, at their starts: both orders of the starts.
    let alone = vec![
        vec![Spawn(1), Spawn(2), R(2)],
        vec![Start, W(3)],
        vec![Start, W(4)],
    ];
    let (outcomes, n) = explore(&mut Dpor::new(None), &alone);
    assert_eq!((n, outcomes.len()), (2, 2));
    // 2 tasks x 2 writes, as loom_vs's `fetch_add_2x2`. A join that blocks runs none of the
    // program's code, so it commutes with every step but the one that finishes the task it
    // joins (ordering it with every opaque step, and with every step of the joined task, took
    // 93 here, as on the real program); the starts, the joins that return and the retries,
    // which touch the log, stay in order with each other.
    let two = spawn_write_join(2, 2);
    let (outcomes, n) = explore(&mut Dpor::new(None), &two);
    let (dfs, dfs_n) = explore(&mut Dfs::new(None), &two);
    assert_eq!(outcomes, dfs);
    assert_eq!((n, dfs_n), (40, 308));
    // With a preemption bound: fewer, and none that dfs does not reach.
    let (bounded, zero) = explore(&mut Dpor::new(Some(0)), &two);
    let one = explore(&mut Dpor::new(Some(1)), &two).1;
    assert!(
        bounded.is_subset(&dfs) && zero < one && one < n,
        "{zero} {one} {n}"
    );
}

#[test]
fn random_programs_with_spawns_and_joins_reach_every_outcome_dfs_reaches() {
    let mut rng = crate::rng::Rng::new(11);
    for case in 0..150 {
        let tasks = 1 + rng.below(2) as u32;
        let mut prog: Vec<Vec<Ins>> = vec![Vec::new(); 1 + tasks as usize];
        let body = |rng: &mut crate::rng::Rng| -> Vec<Ins> {
            (0..rng.below(3))
                .map(|_| {
                    let o = 1 + rng.below(2);
                    [R(o), W(o), Lock(9)][rng.below(2) as usize]
                })
                .collect()
        };
        for k in 1..=tasks {
            // Spawned by main or by the task before, which may join it.
            let parent = rng.below(k as u64) as usize;
            prog[parent].push(Spawn(k));
            prog[parent].extend(body(&mut rng));
            if rng.below(3) > 0 {
                prog[parent].push(Join(k));
            }
            prog[parent].extend(body(&mut rng));
            prog[k as usize] = [vec![Start], body(&mut rng)].concat();
        }
        for ops in &mut prog {
            ops.push(R(1));
        }
        let (dfs, dfs_n) = explore(&mut Dfs::new(None), &prog);
        let (dpor, dpor_n) = explore(&mut Dpor::new(None), &prog);
        assert_eq!(dfs, dpor, "case {case}: {prog:?}");
        assert!(dpor_n <= dfs_n);
    }
}
