//! `random`: at every scheduling point, a uniformly random enabled operation; every declared
//! choice uniformly random (its [`DataSource`] is its generator). Simple and unbiased: the
//! baseline the other strategies are measured against (it is not a portfolio member; see
//! `docs/portfolio.md`).
//!
//! Invariant: deterministic from the seed; scheduling draws and declared choices come from one
//! generator, in the order the executor asks.

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;

/// The uniform random walk.
#[derive(Debug)]
pub struct RandomWalk {
    rng: Rng,
}

impl RandomWalk {
    /// A random walk seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RandomWalk {
            rng: Rng::new(seed),
        }
    }
}

impl Strategy for RandomWalk {
    fn name(&self) -> String {
        "random".into()
    }

    fn begin_iteration(&mut self) -> bool {
        true
    }

    #[inline]
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let i = self.rng.below(point.enabled.len() as u64) as usize;
        Some(point.enabled[i])
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;

    #[test]
    fn explores_different_orders_and_is_seeded() {
        let mut s = RandomWalk::new(3);
        let runs: Vec<_> = (0..20).map(|_| run_once(&mut s, 3, 2).unwrap()).collect();
        let distinct: std::collections::HashSet<_> = runs.iter().collect();
        assert!(distinct.len() > 5, "random walk should vary: {distinct:?}");
        let mut again = RandomWalk::new(3);
        let runs2: Vec<_> = (0..20)
            .map(|_| run_once(&mut again, 3, 2).unwrap())
            .collect();
        assert_eq!(runs, runs2);
    }
}
