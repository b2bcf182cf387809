//! The search of `coyote minimize`: delta debugging over a failing execution's decisions, for
//! fewer preemptions first, then fewer steps and decisions.
//!
//! Candidates replay leniently (see `coyote_core::strategy::Replay::lenient`): their scheduling
//! decisions are a guide followed where they fit, the rest runs without preemptions, and the
//! declared choices (random booleans and integers) are a separate stream the moves keep whole.
//! Three moves on the scheduling decisions, each evaluated a batch at a time (the batch runs in
//! parallel, see `workers`):
//!
//! * truncation: keep a prefix and let the execution complete without preemptions; the prefix
//!   lengths of a batch are spread over the range still in question, which narrows like a
//!   many-way bisection;
//! * preemption removal (ddmin): replace a chunk of the preemptions by "the running task goes
//!   on", or drop their decisions, with chunks halving in size until single preemptions, as
//!   Zeller's ddmin does for input bytes;
//! * one or two preemptions from scratch: while more than one is left, every schedule that
//!   runs without preemptions but for one task switch at one decision (the many bugs that need
//!   a single preemption are found this way whatever the original interleaving was); while
//!   more than two are left, every schedule with two switches, the first at one of the
//!   preemptions left.
//!
//! Invariants: a candidate is accepted only if its execution reproduced the same bug (the
//! evaluator's judgement), its [`Size::key`] is smaller than the best so far (so the search
//! ends) and it is not much longer (at most half as many steps and decisions again, plus 10), and the result is never larger than the start; the result is the execution's own
//! decisions (what the lenient replay chose), which a strict replay follows exactly. Among a
//! batch's accepted candidates the smallest wins, the first on a tie, so the search does not
//! depend on which worker finishes first.

use crate::Error;
use coyote_core::strategy::Preemption;
use coyote_core::trace::Decision;

/// A candidate's execution that reproduced the bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// The decisions the execution made.
    pub(crate) decisions: Vec<Decision>,
    /// Its preemptions.
    pub(crate) preemptions: Vec<Preemption>,
    /// Steps it took.
    pub(crate) steps: u32,
    /// Tasks it created.
    pub(crate) tasks: u32,
}

/// The sizes `coyote minimize` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) steps: u32,
    pub(crate) decisions: usize,
    pub(crate) preemptions: usize,
    pub(crate) tasks: u32,
}

impl Size {
    pub(crate) fn of(run: &Run) -> Size {
        Size {
            steps: run.steps,
            decisions: run.decisions.len(),
            preemptions: run.preemptions.len(),
            tasks: run.tasks,
        }
    }

    /// What the search makes smaller: preemptions, then steps, then decisions, then tasks.
    fn key(&self) -> (usize, u32, usize, u32) {
        (self.preemptions, self.steps, self.decisions, self.tasks)
    }
}

/// Evaluates a batch of candidate decision lists: for each, its run if it reproduced the bug.
pub(crate) type Eval<'a> = dyn FnMut(&[Vec<Decision>]) -> Result<Vec<Option<Run>>, Error> + 'a;

/// The best of a batch that beats `best`, if any (the first on a tie).
fn pick(best: &Run, runs: Vec<Option<Run>>) -> Option<(usize, Run)> {
    let mut winner: Option<(usize, Run)> = None;
    let best_key = Size::of(best).key();
    for (i, run) in runs.into_iter().enumerate() {
        let Some(run) = run else { continue };
        let k = Size::of(&run).key();
        let better = match &winner {
            None => true,
            Some((_, w)) => k < Size::of(w).key(),
        };
        // Fewer preemptions are not worth a much longer execution (a liveness trace completed
        // without preemptions can run to the step bound).
        let bounded = |n: usize, of: usize| n <= of + of / 2 + 10;
        let close = bounded(run.steps as usize, best.steps as usize)
            && bounded(run.decisions.len(), best.decisions.len());
        if k < best_key && better && close {
            winner = Some((i, run));
        }
    }
    winner
}

/// Every schedule with two task switches whose first is one of `best`'s preemptions, as
/// candidates (at most [`SCRATCH_LIMIT`]).
fn two_preemptions(best: &Run) -> Vec<Vec<Decision>> {
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
                out.push(with_choices(best, d));
                if out.len() == SCRATCH_LIMIT {
                    return out;
                }
            }
        }
    }
    out
}

/// Shortens `best` by truncation (see the module docs), `width` candidates a batch.
fn truncate(mut best: Run, eval: &mut Eval<'_>, width: usize) -> Result<Run, Error> {
    let (mut lo, mut hi) = (0usize, schedules(&best).len());
    // `hi`: a prefix length known to reproduce; `lo`: one below which nothing was found.
    let mut tried_zero = false;
    while hi > lo + 1 || (!tried_zero && hi > 0 && lo == 0) {
        let mut points: Vec<usize> = if !tried_zero {
            tried_zero = true;
            vec![0]
        } else {
            Vec::new()
        };
        let k = width.min(hi - lo - 1).max(1);
        for j in 1..=k {
            let p = lo + (hi - lo) * j / (k + 1);
            if p > lo && p < hi && !points.contains(&p) {
                points.push(p);
            }
        }
        if points.is_empty() {
            break;
        }
        let s = schedules(&best);
        let cands: Vec<Vec<Decision>> = points
            .iter()
            .map(|&p| with_choices(&best, s[..p].to_vec()))
            .collect();
        match pick(&best, eval(&cands)?) {
            Some((i, run)) => {
                let p = points[i];
                lo = points
                    .iter()
                    .copied()
                    .filter(|&q| q < p)
                    .max()
                    .unwrap_or(lo);
                hi = p;
                best = run;
            }
            None => lo = points.iter().copied().max().unwrap_or(lo).max(lo),
        }
    }
    Ok(best)
}

/// A scheduling decision no task matches: a lenient replay makes the non-preemptive choice.
const ANY: Decision = Decision::Schedule(u32::MAX);

/// A run's scheduling decisions.
fn schedules(run: &Run) -> Vec<Decision> {
    run.decisions
        .iter()
        .copied()
        .filter(|d| matches!(d, Decision::Schedule(_)))
        .collect()
}

/// `schedules` with `run`'s declared choices: a candidate (a lenient replay takes the two
/// streams apart again).
fn with_choices(run: &Run, mut schedules: Vec<Decision>) -> Vec<Decision> {
    schedules.extend(
        run.decisions
            .iter()
            .copied()
            .filter(|d| !matches!(d, Decision::Schedule(_))),
    );
    schedules
}

/// `best`'s decisions with the preemptions of `chunk` undone: the running task goes on there.
fn without(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let mut d = schedules(best);
    for p in chunk {
        if let Some(slot) = d.get_mut(p.index) {
            *slot = Decision::Schedule(p.running);
        }
    }
    with_choices(best, d)
}

/// `best`'s decisions without the preempting decisions of `chunk`.
fn dropped(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let d = schedules(best)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !chunk.iter().any(|p| p.index == *i))
        .map(|(_, d)| d)
        .collect();
    with_choices(best, d)
}

/// The most candidates the one-preemption move tries.
const SCRATCH_LIMIT: usize = 4096;

/// The tasks `run` schedules, ascending.
fn tasks_of(s: &[Decision]) -> Vec<u32> {
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
fn one_preemption(best: &Run) -> Vec<Vec<Decision>> {
    let s = schedules(best);
    let tasks = tasks_of(&s);
    let mut out = Vec::new();
    for at in 0..s.len() {
        for &t in &tasks {
            let mut d = vec![ANY; at];
            d.push(Decision::Schedule(t));
            out.push(with_choices(best, d));
            if out.len() == SCRATCH_LIMIT {
                return out;
            }
        }
    }
    out
}

/// Removes preemptions from `best` by ddmin (see the module docs).
fn remove_preemptions(mut best: Run, eval: &mut Eval<'_>) -> Result<Run, Error> {
    let mut n = 1usize;
    while !best.preemptions.is_empty() {
        let ps = best.preemptions.clone();
        let n_now = n.min(ps.len());
        let size = ps.len().div_ceil(n_now);
        // Each chunk twice: the running task goes on in place of each preemption, or the
        // preempting decision is dropped (the later decisions move up one, which realigns them
        // when the running task's extra step used up the choice).
        let cands: Vec<Vec<Decision>> = ps
            .chunks(size)
            .flat_map(|c| [without(&best, c), dropped(&best, c)])
            .collect();
        match pick(&best, eval(&cands)?) {
            Some((_, run)) => {
                best = run;
                n = n.saturating_sub(1).max(1);
            }
            None if n_now >= ps.len() => break,
            None => n = (n * 2).min(ps.len()),
        }
    }
    Ok(best)
}

/// Minimises `start` (a run that reproduced the bug): truncation and preemption removal until
/// neither helps.
pub(crate) fn minimize(start: Run, eval: &mut Eval<'_>, width: usize) -> Result<Run, Error> {
    let mut best = start;
    loop {
        let before = Size::of(&best).key();
        best = truncate(best, eval, width)?;
        best = remove_preemptions(best, eval)?;
        if best.preemptions.len() > 1 {
            if let Some((_, run)) = pick(&best, eval(&one_preemption(&best))?) {
                best = run;
            }
        }
        if best.preemptions.len() > 2 {
            if let Some((_, run)) = pick(&best, eval(&two_preemptions(&best))?) {
                best = run;
            }
        }
        if Size::of(&best).key() >= before {
            return Ok(best);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy program: 10 decisions between tasks 0, 1 and 2; past the given ones, the running
    /// task goes on. It fails when task 2 runs among the first five decisions.
    fn run(given: &[Decision]) -> Option<Run> {
        let mut decisions: Vec<Decision> = Vec::new();
        for i in 0..10 {
            let last = decisions.last().copied().unwrap_or(Decision::Schedule(0));
            decisions.push(match given.get(i) {
                Some(&d) if d != ANY => d,
                _ => last,
            });
        }
        let ops: Vec<u32> = decisions
            .iter()
            .map(|d| match d {
                Decision::Schedule(t) => *t,
                _ => 0,
            })
            .collect();
        let preemptions: Vec<Preemption> = (1..ops.len())
            .filter(|&i| ops[i] != ops[i - 1])
            .map(|i| Preemption {
                index: i,
                running: ops[i - 1],
            })
            .collect();
        ops[..5].contains(&2).then_some(Run {
            decisions,
            preemptions,
            steps: 10,
            tasks: 3,
        })
    }

    #[test]
    fn removes_every_preemption_the_bug_does_not_need() {
        let start: Vec<Decision> = [0, 1, 0, 1, 2, 0, 1, 0, 1, 0]
            .into_iter()
            .map(Decision::Schedule)
            .collect();
        let first = run(&start).unwrap();
        assert_eq!(first.preemptions.len(), 9);
        let mut batches = 0;
        let mut eval = |cands: &[Vec<Decision>]| {
            batches += 1;
            Ok(cands.iter().map(|c| run(c)).collect())
        };
        let best = minimize(first, &mut eval, 4).unwrap();
        assert!(run(&best.decisions).is_some(), "still fails");
        assert!(best.preemptions.len() <= 1, "{:?}", best.decisions);
        assert!(batches > 1);
    }

    #[test]
    fn a_bug_that_needs_its_preemptions_keeps_them() {
        // Fails only with exactly the alternation 0 1 0 1 0 1 ...: nothing can be removed.
        let alternating = |d: &[Decision]| -> Option<Run> {
            let r = run(d)?;
            let ok = r
                .decisions
                .iter()
                .enumerate()
                .all(|(i, x)| *x == Decision::Schedule([0, 2][i % 2]));
            ok.then_some(r)
        };
        let start: Vec<Decision> = (0..10).map(|i| Decision::Schedule([0, 2][i % 2])).collect();
        let first = alternating(&start).unwrap();
        let mut eval = |cands: &[Vec<Decision>]| Ok(cands.iter().map(|c| alternating(c)).collect());
        let best = minimize(first.clone(), &mut eval, 3).unwrap();
        assert_eq!(best, first);
    }
}
