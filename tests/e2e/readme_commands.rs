//! The samples' READMEs, run as a user would paste them: in each `sh` block, every
//! `coyote replay PATH` line is run after the `coyote test` line before it, and `PATH` must be
//! the trace that test wrote (a README naming another folder sends the user to a missing file).

use super::*;

/// A command line of a README's `sh` block, without its comment, split into words (single
/// quotes removed).
fn words(line: &str) -> Vec<String> {
    let line = line.split(" #").next().unwrap_or_default();
    line.split_whitespace()
        .map(|w| w.trim_matches('\'').to_string())
        .collect()
}

/// The `coyote` subcommand of a line (`coyote test ...`, `./target/debug/coyote replay ...`).
fn coyote_args(line: &str) -> Option<Vec<String>> {
    let w = words(line);
    let first = w.first()?;
    (first == "coyote" || first.ends_with("/coyote")).then(|| w[1..].to_vec())
}

/// The `sh` blocks of a README.
fn sh_blocks(readme: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match (&mut current, line.trim()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(b), l) => b.push(l),
            _ => {}
        }
    }
    blocks
}

#[test]
fn every_sample_readme_replays_the_trace_its_test_writes() {
    built();
    let mut replayed = Vec::new();
    let mut samples: Vec<_> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    samples.sort();
    for dir in samples {
        let Ok(readme) = std::fs::read_to_string(dir.join("README.md")) else {
            continue;
        };
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for block in sh_blocks(&readme) {
            let mut last_test: Option<Vec<String>> = None;
            for line in block {
                let Some(args) = coyote_args(line) else {
                    continue;
                };
                match args.first().map(String::as_str) {
                    Some("test") => last_test = Some(args),
                    Some("replay") => {
                        let test = last_test.clone().unwrap_or_else(|| {
                            panic!("{name}: `{line}` has no `coyote test` before it")
                        });
                        replayed.push(format!("{name}: {}", run_pair(&name, test, &args)));
                    }
                    _ => {}
                }
            }
        }
    }
    // The samples whose READMEs show a replay (a README that loses its block fails here).
    assert!(replayed.len() >= 12, "{replayed:#?}");
}

/// Runs `test` (its output folder moved into the scratch folder), then `replay`'s trace there;
/// returns the trace's README path.
fn run_pair(name: &str, mut test: Vec<String>, replay: &[String]) -> String {
    let readme_trace = replay.get(1).cloned().expect("replay names a trace");
    // The folder the README's test writes: its `-o`, else the default in a workspace.
    let o = test.iter().position(|a| a == "-o" || a == "--out");
    let readme_out = match o {
        Some(i) => test[i + 1].trim_end_matches('/').to_string(),
        None => "target/coyote".to_string(),
    };
    let out = out_dir(&format!("readme-{name}"));
    match o {
        Some(i) => test[i + 1] = s(&out).to_string(),
        None => test.extend(["-o".to_string(), s(&out).to_string()]),
    }
    let rest = readme_trace
        .strip_prefix(&format!("{readme_out}/"))
        .unwrap_or_else(|| {
            panic!("{name}: `replay {readme_trace}` is not in the folder its test writes, {readme_out}/")
        });
    let o = Command::new(target().join("coyote"))
        .current_dir(root())
        .args(&test)
        .output()
        .expect("coyote runs");
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{name}: `coyote {}`: {t}",
        test.join(" ")
    );
    let trace = out.join(rest);
    assert!(
        trace.is_file(),
        "{name}: the README replays {readme_trace}, but its test wrote: {t}"
    );
    let o = coyote(&["replay", s(&trace)]);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{name}: replay {readme_trace}: {t}"
    );
    assert!(t.contains("coyote: reproduced the recorded"), "{name}: {t}");
    readme_trace
}
