//! The happens-before analysis behind `dpor`: one iteration's steps, their vector clocks, the
//! races between them, and for each race the operations that could start its reversal.
//!
//! Happens-before is the transitive closure of: program order (the steps of one operation),
//! wake-ups (the step that woke an operation precedes its next step, so an operation blocked on
//! a lock, a channel or a join is ordered after the step that released it), creation (the step
//! that spawned an operation precedes its first), and dependence: two steps that touch the same
//! object, one writing it; a join and the last step of the operation it joins (the one that
//! finishes it: the earlier ones do not change what the join sees); two *opaque* steps, whose
//! code may touch state shared outside the primitives: those that declare no object (a task's
//! start, a yield, a sleep, the retry of a lock or join that blocked) and joins that return (the
//! code after them runs in the same step); a timer firing and every step, as the clock decides
//! which timer may fire. A join that blocks runs no code of the task's, so it is not opaque. A
//! *race* `i ⋖ j` is a dependent pair of steps of different operations with no other
//! happens-before path from `i` to `j`: only then may the two run the other way round.
//!
//! Invariant: [`Trace::races`] is a function of the recorded steps and the enabled sets alone.

use super::{Access, OpId, Step};
use std::collections::HashMap;

/// One recorded step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub(crate) step: Step,
    /// The search node the step was chosen at.
    pub(crate) node: usize,
    /// How many earlier steps its operation took.
    local: u32,
}

/// A race `first ⋖ second`, with the operations that may begin its reversal from the state
/// before `first` (the initials of `notdep(first).second`).
#[derive(Debug)]
pub(crate) struct Race {
    pub(crate) first: usize,
    pub(crate) initials: Vec<OpId>,
}

/// The steps of one iteration.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    events: Vec<Event>,
    locals: Vec<u32>,
}

/// Whether two steps of different operations are dependent, given whether each is opaque: a
/// timer fires in one, they race on an object, both are opaque, or one joins the other (reads
/// its completion; [`Trace::races`] pairs a join only with the joined operation's last step).
fn dependent(a: &Step, b: &Step, opaque_a: bool, opaque_b: bool) -> bool {
    a.timer
        || b.timer
        || a.access.races(b.access)
        || (opaque_a && opaque_b)
        || a.access.completion() == Some(b.op)
        || b.access.completion() == Some(a.op)
}

/// Whether a step with `access` is opaque (see the module docs); `running(op)` says whether
/// `op` has surely not finished when the step runs (a join of it then blocks).
pub(crate) fn opaque(access: Access, running: impl Fn(OpId) -> bool) -> bool {
    match access.completion() {
        Some(joined) => !running(joined),
        None => access.object == 0,
    }
}

impl Trace {
    pub(crate) fn clear(&mut self) {
        self.events.clear();
        self.locals.clear();
    }

    pub(crate) fn node_of(&self, event: usize) -> usize {
        self.events[event].node
    }

    pub(crate) fn last_op(&self) -> Option<OpId> {
        self.events.last().map(|e| e.step.op)
    }

    pub(crate) fn push(&mut self, step: Step, node: usize) {
        let op = step.op as usize;
        if self.locals.len() <= op {
            self.locals.resize(op + 1, 0);
        }
        let local = self.locals[op];
        self.locals[op] += 1;
        self.events.push(Event { step, node, local });
    }

    /// Every race of the iteration. `enabled_at(node, op)` says whether `op` was enabled at a
    /// search node (used to find the step that created an operation: the last one before its
    /// first step at whose node it was not yet enabled).
    pub(crate) fn races(&self, enabled_at: impl Fn(usize, OpId) -> bool) -> Vec<Race> {
        let n = self.events.len();
        let ops = self.locals.len();
        // clocks[k][r]: how many steps of operation r happen before step k (k's own included).
        let mut clocks: Vec<Vec<u32>> = Vec::with_capacity(n);
        let mut last_of: Vec<Option<usize>> = vec![None; ops];
        let mut by_object: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut final_of: Vec<usize> = vec![usize::MAX; ops];
        for (k, e) in self.events.iter().enumerate() {
            final_of[e.step.op as usize] = k;
        }
        let opaque = self.opaque_steps();
        let mut timers: Vec<usize> = Vec::new();
        let mut opaques: Vec<usize> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for j in 0..n {
            let e = &self.events[j];
            let mut c = vec![0u32; ops];
            let join = |c: &mut Vec<u32>, k: usize| {
                for (x, y) in c.iter_mut().zip(&clocks[k]) {
                    *x = (*x).max(*y);
                }
            };
            match last_of[e.step.op as usize] {
                Some(p) => join(&mut c, p),
                None => {
                    let creator = (0..j)
                        .rev()
                        .find(|&k| !enabled_at(self.events[k].node, e.step.op));
                    if let Some(k) = creator {
                        join(&mut c, k);
                    }
                }
            }
            if let Some(w) = e.step.woken_by.filter(|&w| (w as usize) < j) {
                join(&mut c, w as usize);
            }
            // Dependent earlier steps, latest first: one already ordered before `j` is no race.
            let mut candidates: Vec<usize> = if e.step.timer {
                (0..j).collect()
            } else {
                let mut v = timers.clone();
                if opaque[j] {
                    v.extend(&opaques);
                }
                if e.step.access.object != 0 {
                    v.extend(by_object.get(&e.step.access.object).into_iter().flatten());
                }
                // A join depends on the step that finishes what it joins: the last one.
                if final_of[e.step.op as usize] == j {
                    let joins = Access::completion_of(e.step.op).object;
                    v.extend(by_object.get(&joins).into_iter().flatten());
                }
                if let Some(t) = e.step.access.completion() {
                    v.extend(final_of.get(t as usize).filter(|&&f| f < j));
                }
                v.sort_unstable();
                v.dedup();
                v
            };
            while let Some(i) = candidates.pop() {
                let d = &self.events[i];
                if d.step.op == e.step.op || !dependent(&d.step, &e.step, opaque[i], opaque[j]) {
                    continue;
                }
                if c[d.step.op as usize] <= d.local {
                    pairs.push((i, j));
                    join(&mut c, i);
                }
            }
            c[e.step.op as usize] = e.local + 1;
            clocks.push(c);
            last_of[e.step.op as usize] = Some(j);
            if opaque[j] {
                opaques.push(j);
            }
            if e.step.timer {
                timers.push(j);
            } else if e.step.access.object != 0 {
                by_object.entry(e.step.access.object).or_default().push(j);
            }
        }
        pairs
            .into_iter()
            .map(|(i, j)| Race {
                first: i,
                initials: self.initials(&clocks, i, j),
            })
            .collect()
    }

    /// Whether each step is opaque: it declares no object, or it is a join that returned (the
    /// operation's next step was not the retry the joined operation's last step woke).
    fn opaque_steps(&self) -> Vec<bool> {
        let mut next: Vec<Option<usize>> = vec![None; self.locals.len()];
        let mut out = vec![false; self.events.len()];
        for (k, e) in self.events.iter().enumerate().rev() {
            let op = e.step.op as usize;
            out[k] = match e.step.access.completion() {
                Some(joined) => !next[op].is_some_and(|m| {
                    let w = self.events[m].step.woken_by.map(|w| w as usize);
                    w.is_some_and(|w| w > k && self.events[w].step.op == joined)
                }),
                None => e.step.access.object == 0,
            };
            next[op] = Some(k);
        }
        out
    }

    /// The operations whose first step in `notdep(i).j` (the steps after `i` not ordered after
    /// it, then `j`) has no happens-before predecessor among those steps.
    fn initials(&self, clocks: &[Vec<u32>], i: usize, j: usize) -> Vec<OpId> {
        let (op_i, local_i) = (self.events[i].step.op as usize, self.events[i].local);
        let mut first: Vec<Option<u32>> = vec![None; self.locals.len()];
        let mut out = Vec::new();
        let after = (i + 1..j).filter(|&k| clocks[k][op_i] <= local_i);
        for k in after.chain(std::iter::once(j)) {
            let e = &self.events[k];
            let p = e.step.op as usize;
            if first[p].is_some() {
                continue;
            }
            let preceded = first
                .iter()
                .zip(&clocks[k])
                .any(|(f, c)| f.is_some_and(|f| *c > f));
            first[p] = Some(e.local);
            if !preceded {
                out.push(e.step.op);
            }
        }
        out
    }
}

/// What becomes of a sleep set's entry after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asleep {
    /// Independent of the step: it stays asleep.
    Stays,
    /// A join of the step's operation: it stays asleep unless the step finished that operation,
    /// which the next scheduling point tells (the operation is still enabled there, or not).
    UnlessFinished,
    /// Dependent: it wakes.
    Wakes,
}

/// What becomes of `asleep` (an operation and its next access) after `step`; `running(op)`
/// says whether `op` had surely not finished before the step (it was enabled).
pub(crate) fn after_step(
    asleep: &(OpId, Access),
    step: &Step,
    running: impl Fn(OpId) -> bool,
) -> Asleep {
    let (op, access) = *asleep;
    if op == step.op || step.timer || access.races(step.access) {
        Asleep::Wakes
    } else if access.completion() == Some(step.op) {
        // The joined operation is running, so the join would block, running nothing.
        Asleep::UnlessFinished
    } else if step.access.completion() == Some(op) {
        // A join of `op`, whose next step may be the one that finishes it.
        Asleep::Wakes
    } else if opaque(access, &running) && opaque(step.access, &running) {
        Asleep::Wakes
    } else {
        Asleep::Stays
    }
}
