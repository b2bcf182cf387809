//! Choosing tests by name: exact names, `*` patterns, and "did you mean" suggestions for names
//! that match nothing.

/// The tests `wanted` names, in the order asked, each once: a name is taken exactly, a pattern
/// with `*` (any run of characters) takes every test it matches, in `available`'s order. The
/// error (one line; `place` says where the tests are, "in lib.so") says what matched nothing and
/// what would have.
pub(crate) fn select(
    wanted: &[String],
    available: &[String],
    place: &str,
) -> Result<Vec<String>, String> {
    let mut chosen: Vec<String> = Vec::new();
    for w in wanted {
        let matched: Vec<&String> = if w.contains('*') {
            available.iter().filter(|t| glob(w, t)).collect()
        } else {
            available.iter().filter(|t| *t == w).collect()
        };
        if matched.is_empty() {
            let what = if w.contains('*') { "matches" } else { "named" };
            let hint = match closest(w, available).filter(|_| !w.contains('*')) {
                Some(c) => format!("; did you mean '{c}'?"),
                None => format!(" (it has: {})", available.join(", ")),
            };
            return Err(format!("no test {what} '{w}' {place}{hint}"));
        }
        for t in matched {
            if !chosen.contains(t) {
                chosen.push(t.clone());
            }
        }
    }
    Ok(chosen)
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters.
fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no `*`: an exact match
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The candidate closest to `wanted` by edit distance (Levenshtein), if it is reasonably close.
pub(crate) fn closest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(wanted, c), c))
        .filter(|(d, c)| *d <= (c.len().max(wanted.len()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_match_runs_of_characters() {
        assert!(glob("shared_*", "shared_entry"));
        assert!(glob("*_fixed", "shared_entry_fixed"));
        assert!(!glob("*_fixed", "shared_entry"));
        assert!(glob("*entry*", "shared_entry_fixed"));
        assert!(glob("s*d*y", "shared_entry"));
        assert!(!glob("s*d*yy", "shared_entry"));
        assert!(glob("*", "anything"));
        assert!(glob("a*a", "aa"));
        assert!(!glob("ab*ba", "aba"));
    }

    #[test]
    fn selection_keeps_the_order_asked_and_takes_each_test_once() {
        let all = names(&["a_bug", "a_fixed", "b_bug", "b_fixed"]);
        assert_eq!(
            select(&names(&["b_bug", "*_fixed", "a_fixed"]), &all, "in l.so"),
            Ok(names(&["b_bug", "a_fixed", "b_fixed"]))
        );
        assert_eq!(
            select(&names(&["*_bugg"]), &all, "in l.so"),
            Err("no test matches '*_bugg' in l.so (it has: a_bug, a_fixed, b_bug, b_fixed)".into())
        );
        assert_eq!(
            select(&names(&["a_bugg"]), &all, "in l.so"),
            Err("no test named 'a_bugg' in l.so; did you mean 'a_bug'?".into())
        );
    }

    #[test]
    fn suggests_the_near_name_only() {
        let names = vec!["shared_entry".to_string(), "shared_entry_fixed".to_string()];
        assert_eq!(closest("shared_entyr", &names), Some("shared_entry"));
        assert_eq!(closest("completely_else", &names), None);
    }
}
