//! `rl`: Q-learning over program states (Mukherjee, Deligiannis, Biswas, Lal, "Learning-based
//! controlled concurrency testing", OOPSLA'20), as Coyote's `QLearningStrategy` runs it.
//!
//! Algorithm: at each scheduling point the state `s` is an FNV-1a hash of
//! [`SchedulingPoint::state_hash`] (which the executor fills in because
//! [`Strategy::needs_state_hash`] is true: every task's id, enabled/done/blocked flags and where
//! it waits) and the enabled set; an action is an enabled operation id. The strategy
//!
//! 1. counts a visit to `s` and, if it chose action `a` in state `p` at the previous scheduling
//!    point of this iteration, updates
//!    `Q(p, a) <- (1 - 0.3) Q(p, a) + 0.3 (r + 0.7 max_b Q(s, b))`, with reward
//!    `r = -visits(s)` (rarely visited states are preferred) and the max over the actions
//!    enabled in `s`;
//! 2. picks the next action by softmax (Boltzmann, temperature 1) over `Q(s, b)` for the enabled
//!    `b`, drawing from the seeded generator.
//!
//! Unseen `Q` values are 0, so untried actions look better than ones that led to known states.
//! The last transition of an iteration has no successor state and is not learned from. Q-values
//! and visit counts persist across iterations; that is the learning.
//!
//! Declared boolean and integer choices are uniformly random (not learned): integer bounds may
//! be large, and the scheduling decisions dominate the state space.
//!
//! Invariants: decisions never depend on hash-map iteration order (only on lookups, walking
//! `point.enabled` in its sorted order), so the strategy is deterministic from its seed given
//! the same state hashes. State hashes include code addresses, which can differ between
//! processes; only equality of states matters to learning, so that changes nothing but hash
//! collisions.

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;
use std::collections::HashMap;

const LEARNING_RATE: f64 = 0.3;
const DISCOUNT: f64 = 0.7;

/// Q-learning guided scheduling.
#[derive(Debug)]
pub struct QLearning {
    rng: Rng,
    q: HashMap<(u64, u32), f64>,
    visits: HashMap<u64, u64>,
    /// The state and action chosen at the previous scheduling point of this iteration.
    pending: Option<(u64, OpId)>,
    weights: Vec<f64>,
}

fn fnv(mut h: u64, x: u64) -> u64 {
    for b in x.to_le_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl QLearning {
    /// A Q-learning strategy seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        QLearning {
            rng: Rng::new(seed),
            q: HashMap::new(),
            visits: HashMap::new(),
            pending: None,
            weights: Vec::new(),
        }
    }

    fn state_of(point: &SchedulingPoint<'_>) -> u64 {
        let mut h = fnv(0xcbf2_9ce4_8422_2325, point.state_hash);
        for op in point.enabled {
            h = fnv(h, *op as u64);
        }
        h
    }

    fn q(&self, state: u64, action: OpId) -> f64 {
        self.q.get(&(state, action)).copied().unwrap_or(0.0)
    }
}

impl Strategy for QLearning {
    fn name(&self) -> String {
        "rl".into()
    }

    fn begin_iteration(&mut self) -> bool {
        self.pending = None;
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let state = Self::state_of(point);
        let visits = self.visits.entry(state).or_insert(0);
        *visits += 1;
        let reward = -(*visits as f64);

        let max_q = point
            .enabled
            .iter()
            .map(|b| self.q(state, *b))
            .fold(f64::NEG_INFINITY, f64::max);
        if let Some((prev, action)) = self.pending.take() {
            let old = self.q(prev, action);
            let new = (1.0 - LEARNING_RATE) * old + LEARNING_RATE * (reward + DISCOUNT * max_q);
            self.q.insert((prev, action), new);
        }

        // Softmax, shifted by the max for numerical stability.
        let mut weights = std::mem::take(&mut self.weights);
        weights.clear();
        weights.extend(
            point
                .enabled
                .iter()
                .map(|b| (self.q(state, *b) - max_q).exp()),
        );
        let total: f64 = weights.iter().sum();
        let mut x = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let mut at = point.enabled.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                at = i;
                break;
            }
            x -= w;
        }
        self.weights = weights;

        let action = point.enabled[at];
        self.pending = Some((state, action));
        Some(action)
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        self.pending = None;
    }

    fn needs_state_hash(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::{run_observed, run_once};
    use crate::strategy::RandomWalk;
    use std::collections::HashSet;

    /// Runs `iters` iterations of `n` ops with `len` steps each; the state hash is every op's
    /// progress, as a harness would see it. Returns how many distinct states were reached.
    fn states_covered(s: &mut dyn Strategy, n: u32, len: u32, iters: usize) -> usize {
        let mut seen = HashSet::new();
        for _ in 0..iters {
            run_observed(s, n, len, &mut |left| {
                seen.insert(left.to_vec());
            })
            .expect("never stops");
        }
        seen.len()
    }

    #[test]
    fn picks_enabled_ops_deterministically_from_seed() {
        let mut a = QLearning::new(21);
        let mut b = QLearning::new(21);
        let runs: Vec<_> = (0..30).map(|_| run_once(&mut a, 3, 3).unwrap()).collect();
        let again: Vec<_> = (0..30).map(|_| run_once(&mut b, 3, 3).unwrap()).collect();
        assert_eq!(runs, again);
        let mut c = QLearning::new(22);
        let other: Vec<_> = (0..30).map(|_| run_once(&mut c, 3, 3).unwrap()).collect();
        assert_ne!(runs, other);
        assert!(a.needs_state_hash());
        assert!(a.q.values().all(|v| *v < 0.0), "rewards are negative");
    }

    #[test]
    fn learning_covers_more_states_than_random() {
        // 3 ops x 6 steps: 7^3 = 343 progress states. Rewarding rarely visited states should
        // reach more of them in 100 iterations than a random walk does.
        let (mut learned, mut random) = (0, 0);
        for seed in 0..4 {
            learned += states_covered(&mut QLearning::new(seed), 3, 6, 100);
            random += states_covered(&mut RandomWalk::new(seed), 3, 6, 100);
        }
        assert!(learned > random, "rl {learned} vs random {random}");
    }
}
