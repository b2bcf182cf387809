//! The simulated programs `dpor`'s tests run: operations of instructions, each one step, with
//! the executor's rules for what a step declares, who wakes whom, spawns and joins.
//!
//! Invariant: a step declares what the executor would: its instruction's access, nothing for a
//! task's first step (`Start`) or the retry of a join that blocked, and the completion of the
//! joined operation for a `Join`. The steps that run code of the program's own there (a start,
//! a join that returns, a retry) append to a log shared outside the primitives, as a
//! `std::sync::Mutex` would be: its order is part of the outcome.

use super::super::{Access, IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use std::collections::{BTreeSet, HashMap};

/// One instruction of a simulated operation; each is one step, except that `Unlock` and
/// `Spawn` run in the same step as the instruction after them (as a guard dropped, or a task
/// spawned, between two points), and so declare no access of their own.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ins {
    R(u64),
    W(u64),
    Lock(u64),
    Unlock(u64),
    /// A declared choice of `n` values; a 0 skips the operation's next instruction.
    Choice(u64),
    /// Creates operation `k`; an operation some `Spawn` names exists only from then on.
    Spawn(u32),
    /// The first step of a task: it declares nothing, and appends to the log.
    Start,
    /// Waits for operation `k` to finish; a blocked join is retried, declaring nothing, in the
    /// step after the one that finished `k`. The step it returns in appends to the log.
    Join(u32),
}

use Ins::*;

fn access(ins: Ins) -> Access {
    match ins {
        R(o) => Access {
            object: o,
            write: false,
        },
        W(o) | Lock(o) => Access {
            object: o,
            write: true,
        },
        Join(k) => Access::completion_of(k),
        Unlock(_) | Choice(_) | Spawn(_) | Start => Access::NONE,
    }
}

/// What an execution observed: every read's writer, the final writers, whether it deadlocked,
/// and the log.
pub(super) type Outcome = (Vec<Vec<(u32, u32)>>, Vec<(u64, (u32, u32))>, bool, Vec<u32>);

/// What `op` at `pc` declares: an instruction that rides on the next declares the next's.
fn declared(prog: &[Vec<Ins>], op: usize, pc: usize) -> Access {
    match prog[op].get(pc) {
        Some(Unlock(_) | Spawn(_)) => declared(prog, op, pc + 1),
        Some(ins) => access(*ins),
        None => Access::NONE,
    }
}

/// Runs one iteration; `None` once the strategy is exhausted.
pub(super) fn run(s: &mut dyn Strategy, prog: &[Vec<Ins>]) -> Option<Outcome> {
    if !s.begin_iteration() {
        return None;
    }
    let n = prog.len();
    let spawned: BTreeSet<u32> = (prog.iter().flatten())
        .filter_map(|i| match i {
            Spawn(k) => Some(*k),
            _ => None,
        })
        .collect();
    let mut created: Vec<bool> = (0..n).map(|i| !spawned.contains(&(i as u32))).collect();
    let mut pc = vec![0usize; n];
    let mut blocked = vec![false; n];
    // A join that blocked, retried (declaring nothing) once woken.
    let mut retry = vec![false; n];
    let mut woken_by: Vec<Option<u32>> = vec![None; n];
    let mut held: HashMap<u64, u32> = HashMap::new();
    let mut values: HashMap<u64, (u32, u32)> = HashMap::new();
    let mut writes = vec![0u32; n];
    let mut reads = vec![Vec::new(); n];
    let mut log = Vec::new();
    let mut last: Option<OpId> = None;
    let mut step = 0u32;
    let declares = |retry: &[bool], pc: &[usize], op: usize| match retry[op] {
        true => Access::NONE,
        false => declared(prog, op, pc[op]),
    };
    let deadlock = loop {
        let enabled: Vec<OpId> = (0..n)
            .filter(|&i| created[i] && pc[i] < prog[i].len() && !blocked[i])
            .map(|i| i as u32)
            .collect();
        if enabled.is_empty() {
            break (0..n).any(|i| pc[i] < prog[i].len());
        }
        let op = if enabled.len() == 1 {
            enabled[0]
        } else {
            let accesses: Vec<Access> = (enabled.iter())
                .map(|&o| declares(&retry, &pc, o as usize))
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
            access: declares(&retry, &pc, o),
            woken_by: woken_by[o].take(),
            timer: false,
            memory: 0,
        });
        if std::mem::take(&mut retry[o]) {
            log.push(op);
            pc[o] += 1;
        } else {
            loop {
                let rides = matches!(prog[o][pc[o]], Unlock(_) | Spawn(_));
                match prog[o][pc[o]] {
                    R(x) => reads[o].push(values.get(&x).copied().unwrap_or((u32::MAX, 0))),
                    W(x) => {
                        writes[o] += 1;
                        values.insert(x, (op, writes[o]));
                    }
                    Lock(m) => match held.get(&m) {
                        Some(_) => {
                            blocked[o] = true;
                            break;
                        }
                        None => {
                            held.insert(m, op);
                        }
                    },
                    Unlock(m) => {
                        held.remove(&m);
                        for (i, b) in blocked.iter_mut().enumerate() {
                            if *b && matches!(prog[i][pc[i]], Lock(l) if l == m) {
                                *b = false;
                                woken_by[i] = Some(step);
                            }
                        }
                    }
                    Spawn(k) => created[k as usize] = true,
                    Choice(k) => {
                        let v = s.next_int(k, step).unwrap();
                        reads[o].push((u32::MAX - 1, v as u32));
                        if v == 0 {
                            pc[o] += 1;
                        }
                    }
                    Start => log.push(op),
                    Join(k) => {
                        if pc[k as usize] < prog[k as usize].len() {
                            blocked[o] = true;
                            retry[o] = true;
                            break;
                        }
                        log.push(op);
                    }
                }
                pc[o] += 1;
                if !(rides && pc[o] < prog[o].len()) {
                    break;
                }
            }
        }
        if pc[o] == prog[o].len() {
            // Finished: its joiners are woken.
            for i in 0..n {
                if retry[i] && blocked[i] && matches!(prog[i][pc[i]], Join(k) if k == op) {
                    blocked[i] = false;
                    woken_by[i] = Some(step);
                }
            }
        }
        last = Some(op);
        step += 1;
    };
    s.end_iteration(&IterationEnd {
        steps: step,
        bug: false,
        hit_bound: false,
        wrote_atomics: false,
    });
    let mut finals: Vec<_> = values.into_iter().collect();
    finals.sort();
    Some((reads, finals, deadlock, log))
}

/// Every outcome and the number of schedules.
pub(super) fn explore(s: &mut dyn Strategy, prog: &[Vec<Ins>]) -> (BTreeSet<Outcome>, u64) {
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
