//! The tests a library offers to `coyote list` and `coyote test`: every `export_tests!` list and
//! every registered `#[tokio::test]` (coyote-tokio), gathered at load time with `inventory`, so a
//! crate needs no central list.
//!
//! Invariant: [`all`] is computed once per process and never changes afterwards; the
//! `export_tests!` lists come first, each in its own order, then the registered tests sorted by
//! name; a name already taken keeps its first entry.

use crate::runner::{MakeTest, Test};
use std::sync::OnceLock;

/// One `export_tests!` list.
#[doc(hidden)]
pub struct TestSet(pub &'static &'static [Test]);

/// One test registered by an attribute (`#[tokio::test]`): its module path
/// (`module_path!()`), its function's name and its maker.
#[doc(hidden)]
pub struct Registered {
    /// `module_path!()` where the test is defined; its first segment (the crate) is dropped from
    /// the listed name.
    pub module: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// Makes the test's future.
    pub make: MakeTest,
}

inventory::collect!(TestSet);
inventory::collect!(Registered);

impl Registered {
    /// The name `coyote list` shows: the module path below the crate, then the function.
    pub fn listed_name(module: &str, name: &str) -> String {
        match module.split_once("::") {
            Some((_, below)) => format!("{below}::{name}"),
            None => name.to_string(),
        }
    }
}

/// Every test of the process (see the module docs for the order).
pub(crate) fn all() -> &'static [Test] {
    static ALL: OnceLock<Vec<Test>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut tests: Vec<Test> = Vec::new();
        for set in inventory::iter::<TestSet> {
            tests.extend(set.0.iter().copied());
        }
        let mut registered: Vec<Test> = inventory::iter::<Registered>
            .into_iter()
            .map(|r| Test {
                name: Box::leak(Registered::listed_name(r.module, r.name).into_boxed_str()),
                make: r.make,
            })
            .collect();
        registered.sort_by(|a, b| a.name.cmp(b.name));
        for t in registered {
            if !tests.iter().any(|e| e.name == t.name) {
                tests.push(t);
            }
        }
        tests
    })
}
