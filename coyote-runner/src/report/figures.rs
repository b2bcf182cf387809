//! Numbers as people read them: `16,099`, `16,099/s`, `0.48%`, and the hit-rate line of the
//! summary.
//!
//! Invariant: every figure is an integer with thousands separators, or a percentage with at
//! most two decimals; no figure prints more digits than it means.

use coyote_core::report::TestReport;

pub(crate) use coyote_core::report::thousands;

/// A rate per second, rounded: `16,099/s`, or `0.5/s` below 10.
pub(crate) fn per_second(rate: f64) -> String {
    if !rate.is_finite() || rate < 0.0 {
        return "-".into();
    }
    if rate < 10.0 {
        format!("{rate:.1}/s")
    } else {
        format!("{}/s", thousands(rate.round() as u64))
    }
}

/// `hits` of `of` as a percentage: `0.48%`, `100%`, `<0.01%`.
pub(crate) fn percent(hits: u64, of: u64) -> String {
    if of == 0 {
        return "-".into();
    }
    let p = hits as f64 * 100.0 / of as f64;
    if hits > 0 && p < 0.01 {
        "<0.01%".into()
    } else if p >= 10.0 || p == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.2}%")
    }
}

/// The summary's hit-rate line of an `--explore` run: how often each strategy's iterations hit
/// a bug, the best first (none without per-strategy counts).
pub(crate) fn hit_rates(t: &TestReport) -> Option<String> {
    if t.hit_rate_by_strategy.is_empty() || t.bugs.is_empty() {
        return None;
    }
    let mut rates: Vec<_> = t.hit_rate_by_strategy.iter().collect();
    rates.sort_by(|a, b| {
        let r = |h: &coyote_core::report::HitRate| h.hits as f64 / h.iterations.max(1) as f64;
        r(b.1).total_cmp(&r(a.1)).then(a.0.cmp(b.0))
    });
    let parts: Vec<String> = rates
        .iter()
        .map(|(name, h)| {
            format!(
                "{name} {} ({} of {})",
                percent(h.hits, h.iterations),
                thousands(h.hits),
                thousands(h.iterations)
            )
        })
        .collect();
    Some(format!("  hit rate: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_core::report::HitRate;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(16_099), "16,099");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(per_second(16_098.952_1), "16,099/s");
        assert_eq!(per_second(3.25), "3.2/s");
        assert_eq!(percent(12, 2500), "0.48%");
        assert_eq!(percent(1, 1_000_000), "<0.01%");
        assert_eq!(percent(5, 5), "100%");
        assert_eq!(percent(0, 5), "0%");
    }

    #[test]
    fn hit_rates_best_first() {
        let mut t = TestReport::default();
        t.hit_rate_by_strategy.insert(
            "portfolio/pct:3".into(),
            HitRate {
                iterations: 2500,
                hits: 12,
            },
        );
        t.hit_rate_by_strategy.insert(
            "portfolio/pos".into(),
            HitRate {
                iterations: 2500,
                hits: 1250,
            },
        );
        assert_eq!(hit_rates(&t), None, "no bug, no line");
        t.bugs.push(coyote_core::report::BugSummary {
            kind: coyote_core::trace::BugKind::Panic,
            message: "m".into(),
            location: None,
            trace: "t-1.trace".into(),
            origin: coyote_core::trace::Origin::Captured,
            iteration: 0,
            occurrences: 1262,
            worker: None,
            order: None,
        });
        assert_eq!(
            hit_rates(&t).unwrap(),
            "  hit rate: portfolio/pos 50% (1,250 of 2,500), portfolio/pct:3 0.48% (12 of 2,500)"
        );
    }
}
