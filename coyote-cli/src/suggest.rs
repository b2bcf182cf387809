//! "Did you mean" suggestions for unknown test names.

/// The candidate closest to `wanted` by edit distance, if it is reasonably close.
pub(crate) fn closest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, c)| *d <= (c.len().max(wanted.len()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_near_name_only() {
        let names = vec!["shared_entry".to_string(), "shared_entry_fixed".to_string()];
        assert_eq!(closest("shared_entyr", &names), Some("shared_entry"));
        assert_eq!(closest("completely_else", &names), None);
    }
}
