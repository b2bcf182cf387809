//! Where a strategy's answers to declared choices (`random::bool()`, `random::int(n)`) come from.
//!
//! A strategy has two jobs: pick the next operation at a scheduling point, and answer the
//! program's declared choices. Most strategies answer the second the same way, uniformly from
//! their seeded generator, so that answer lives here once, as the [`DataSource`] of a
//! [`Rng`], and a strategy names its source with [`Strategy::data_source`](super::Strategy::data_source)
//! instead of implementing [`Strategy::next_bool`](super::Strategy::next_bool) and
//! [`Strategy::next_int`](super::Strategy::next_int) itself. The strategies whose answers
//! depend on their search state (replay, `dfs`, `idb`, the probes, the portfolio, which asks its
//! running member) answer those two calls themselves.
//!
//! Invariants:
//!
//! * a data source always answers: `next_int(bound)` is below `bound` (a bound of 0 is taken
//!   as 1), and the same sequence of calls on the same seeded source gives the same answers;
//! * a random strategy draws its scheduling decisions and its answers from *one* generator, in
//!   the order the executor asks for them. That interleaving is part of what a seed means:
//!   giving the answers a generator of their own would change every decision after a program's
//!   first declared choice, so recorded seeds would no longer find the same bugs.

use crate::rng::Rng;

/// A source of answers to declared choices.
pub trait DataSource: Send {
    /// The value of a declared boolean.
    fn next_bool(&mut self) -> bool;

    /// The value of a declared integer below `bound` (`bound >= 1`; 0 is taken as 1).
    fn next_int(&mut self, bound: u64) -> u64;
}

/// Uniform answers: a fair coin, and a uniform integer below the bound.
impl DataSource for Rng {
    #[inline]
    fn next_bool(&mut self) -> bool {
        self.coin()
    }

    #[inline]
    fn next_int(&mut self, bound: u64) -> u64 {
        self.below(bound.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_answers_stay_in_range_and_follow_the_seed() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        for bound in [0u64, 1, 2, 7, 1000] {
            for _ in 0..50 {
                let v = a.next_int(bound);
                assert!(v < bound.max(1), "{v} not below {bound}");
                assert_eq!(v, b.next_int(bound));
                assert_eq!(a.next_bool(), b.next_bool());
            }
        }
        assert_eq!(Rng::new(9).next_int(1), 0, "a bound of 1 has one answer");
    }

    #[test]
    fn answers_draw_from_the_generator_as_the_strategies_always_did() {
        // The trace contract: an answer consumes exactly the draw `coin` / `below` consume.
        let mut source = Rng::new(11);
        let mut direct = Rng::new(11);
        assert_eq!(source.next_bool(), direct.coin());
        assert_eq!(source.next_int(6), direct.below(6));
        assert_eq!(source.next_u64(), direct.next_u64());
    }
}
