//! The candidates the search of [`search`](super::search) tries, made from the best run so
//! far: a run's scheduling decisions are taken apart from its declared choices, changed (a
//! prefix kept, preemptions undone or dropped, one or two task switches from scratch, a task
//! left out and run last), and put back together with the choices whole.
//!
//! Invariants: every candidate keeps all of the run's declared choices in their order (a
//! lenient replay takes the two streams apart again, so moving scheduling decisions never
//! shifts a random choice); the from-scratch moves make at most [`SCRATCH_LIMIT`] candidates.

use super::search::{Candidate, Run};
use coyote_core::strategy::Preemption;
use coyote_core::trace::Decision;

/// A candidate of `decisions` that runs last what `best` ran last.
pub(super) fn cand(best: &Run, decisions: Vec<Decision>) -> Candidate {
    Candidate {
        decisions,
        last: best.last.clone(),
    }
}

/// For each task but `main` that `best` ran (and does not run last already): `best` without
/// its decisions, with it run last (see the module docs).
pub(super) fn fewer_tasks(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    best.ran
        .iter()
        .copied()
        .filter(|&t| t != 0 && !best.last.contains(&t))
        .map(|t| {
            let d = s
                .iter()
                .map(|&d| if d == Decision::Schedule(t) { ANY } else { d })
                .collect();
            let mut last = best.last.clone();
            last.push(t);
            Candidate {
                decisions: with_choices(best, d),
                last,
            }
        })
        .collect()
}

/// Every schedule with two task switches whose first is one of `best`'s preemptions, as
/// candidates (at most [`SCRATCH_LIMIT`]).
pub(super) fn two_preemptions(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    let tasks = tasks_of(&s);
    let mut out = Vec::new();
    for p in &best.preemptions {
        for at in p.index + 1..s.len() {
            for &t in &tasks {
                let mut d = vec![ANY; p.index];
                d.push(s[p.index]);
                d.resize(at, ANY);
                d.push(Decision::Schedule(t));
                out.push(cand(best, with_choices(best, d)));
                if out.len() == SCRATCH_LIMIT {
                    return out;
                }
            }
        }
    }
    out
}

/// A scheduling decision no task matches: a lenient replay makes the non-preemptive choice.
pub(super) const ANY: Decision = Decision::Schedule(u32::MAX);

/// A run's scheduling decisions.
pub(super) fn schedules(run: &Run) -> Vec<Decision> {
    run.decisions
        .iter()
        .copied()
        .filter(|d| matches!(d, Decision::Schedule(_)))
        .collect()
}

/// `schedules` with `run`'s declared choices: a candidate (a lenient replay takes the two
/// streams apart again).
pub(super) fn with_choices(run: &Run, mut schedules: Vec<Decision>) -> Vec<Decision> {
    schedules.extend(
        run.decisions
            .iter()
            .copied()
            .filter(|d| !matches!(d, Decision::Schedule(_))),
    );
    schedules
}

/// `best`'s decisions with the preemptions of `chunk` undone: the running task goes on there.
pub(super) fn without(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let mut d = schedules(best);
    for p in chunk {
        if let Some(slot) = d.get_mut(p.index) {
            *slot = Decision::Schedule(p.running);
        }
    }
    with_choices(best, d)
}

/// `best`'s decisions without the preempting decisions of `chunk`.
pub(super) fn dropped(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let d = schedules(best)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !chunk.iter().any(|p| p.index == *i))
        .map(|(_, d)| d)
        .collect();
    with_choices(best, d)
}

/// The most candidates the one-preemption move tries.
pub(super) const SCRATCH_LIMIT: usize = 4096;

/// The tasks `run` schedules, ascending.
pub(super) fn tasks_of(s: &[Decision]) -> Vec<u32> {
    let mut tasks: Vec<u32> = s
        .iter()
        .filter_map(|d| match d {
            Decision::Schedule(t) => Some(*t),
            _ => None,
        })
        .collect();
    tasks.sort_unstable();
    tasks.dedup();
    tasks
}

/// Every schedule with a single task switch (see the module docs), as candidates.
pub(super) fn one_preemption(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    let tasks = tasks_of(&s);
    let mut out = Vec::new();
    for at in 0..s.len() {
        for &t in &tasks {
            let mut d = vec![ANY; at];
            d.push(Decision::Schedule(t));
            out.push(cand(best, with_choices(best, d)));
            if out.len() == SCRATCH_LIMIT {
                return out;
            }
        }
    }
    out
}
