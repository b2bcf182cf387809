//! The search of `coyote minimize`: delta debugging over a failing execution's decisions, for
//! fewer preemptions first, then fewer tasks involved (tasks that take a step before the
//! failure), then fewer steps and decisions.
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
//!   preemptions left;
//! * fewer tasks: for each task but `main` that ran, the schedule without its decisions and
//!   with it run last (`Replay::run_last`: only when no other task can run), so a failure that
//!   does not need it happens before it runs. Spawns are the program's, so a task is never
//!   removed, only left out of the failing schedule (it may still be created).
//!
//! The candidates themselves are made in [`candidates`](super::candidates).
//!
//! Invariants: a candidate is accepted only if its execution reproduced the same bug (the
//! evaluator's judgement), its [`Size::key`] is smaller than the best so far (so the search
//! ends) and it is not much longer (at most half as many steps and decisions again, plus 10),
//! and the result is never larger than the start; the result is the execution's own
//! decisions (what the lenient replay chose), which a strict replay follows exactly. Among a
//! batch's accepted candidates the smallest wins, the first on a tie, so the search does not
//! depend on which worker finishes first.

use super::candidates::{
    cand, dropped, fewer_tasks, one_preemption, schedules, two_preemptions, with_choices, without,
};
use crate::Error;
use coyote_core::strategy::Preemption;
use coyote_core::trace::Decision;

/// A schedule to try: decisions to follow, and tasks to run last where they leave off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) decisions: Vec<Decision>,
    pub(crate) last: Vec<u32>,
}

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
    /// Tasks that took a step, ascending.
    pub(crate) ran: Vec<u32>,
    /// The tasks its candidate ran last (kept for the candidates made from it).
    pub(crate) last: Vec<u32>,
}

/// The sizes `coyote minimize` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) steps: u32,
    pub(crate) decisions: usize,
    pub(crate) preemptions: usize,
    /// Tasks that took a step.
    pub(crate) tasks: usize,
    /// Tasks created.
    pub(crate) created: u32,
}

impl Size {
    pub(crate) fn of(run: &Run) -> Size {
        Size {
            steps: run.steps,
            decisions: run.decisions.len(),
            preemptions: run.preemptions.len(),
            tasks: run.ran.len(),
            created: run.tasks,
        }
    }

    /// What the search makes smaller: preemptions, then tasks that ran, then steps, then
    /// decisions.
    fn key(&self) -> (usize, usize, u32, usize) {
        (self.preemptions, self.tasks, self.steps, self.decisions)
    }
}

/// Evaluates a batch of candidates: for each, its run if it reproduced the bug.
pub(crate) type Eval<'a> = dyn FnMut(&[Candidate]) -> Result<Vec<Option<Run>>, Error> + 'a;

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
        let cands: Vec<Candidate> = points
            .iter()
            .map(|&p| cand(&best, with_choices(&best, s[..p].to_vec())))
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
        let cands: Vec<Candidate> = ps
            .chunks(size)
            .flat_map(|c| [without(&best, c), dropped(&best, c)])
            .map(|d| cand(&best, d))
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

/// Minimises `start` (a run that reproduced the bug): truncation, preemption removal and
/// fewer tasks until none helps.
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
        if best.ran.len() > 1 {
            if let Some((_, run)) = pick(&best, eval(&fewer_tasks(&best))?) {
                best = run;
            }
        }
        if Size::of(&best).key() >= before {
            return Ok(best);
        }
    }
}

#[cfg(test)]
mod tests;
