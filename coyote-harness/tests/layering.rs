//! The harness's modules import one way only: `rt` (the executor) imports nothing of the crate
//! above it, and the modules users call (`spec`, `sync`, `task`, `time`, `random`, `actor`)
//! import nothing of the runner side (`runner`, `check`, `abi`). Checked on the source text:
//! every `crate::<module>` path outside comments.

use std::path::Path;

/// Every `(file, line, module)` for a `crate::module` path in code (not comments) of `path`, a
/// source file or a directory of them.
fn crate_paths(path: &Path, out: &mut Vec<(String, usize, String)>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("source dir") {
            crate_paths(&entry.expect("entry").path(), out);
        }
        return;
    }
    if path.extension().map_or(true, |e| e != "rs") {
        return;
    }
    let text = std::fs::read_to_string(path).expect("source file");
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((path.display().to_string(), n + 1, module));
        }
    }
}

/// The `crate::` paths of `module` (its file and its directory).
fn imports_of(module: &str) -> Vec<(String, usize, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut found = false;
    for path in [src.join(module), src.join(format!("{module}.rs"))] {
        if path.exists() {
            found = true;
            crate_paths(&path, &mut out);
        }
    }
    assert!(found, "no source found for {module}");
    out
}

#[test]
fn rt_imports_nothing_above_it() {
    let upward: Vec<_> = imports_of("rt")
        .into_iter()
        .filter(|(_, _, m)| m != "rt")
        .collect();
    assert!(upward.is_empty(), "rt imports upwards: {upward:?}");
}

#[test]
fn user_modules_import_nothing_of_the_runner_side() {
    for module in [
        "spec", "sync", "task", "time", "random", "actor", "select", "thread", "std",
    ] {
        let upward: Vec<_> = imports_of(module)
            .into_iter()
            .filter(|(_, _, m)| ["runner", "check", "abi"].contains(&m.as_str()))
            .collect();
        assert!(
            upward.is_empty(),
            "{module} imports the runner side: {upward:?}"
        );
    }
}
