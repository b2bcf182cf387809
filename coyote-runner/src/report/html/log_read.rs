//! Reading a trace's step log for the sequence diagram: the lanes (tasks, named after the
//! actors they run, from the log's `Name(N)` labels) and, for traces written before structured
//! events, the events parsed back from the text log.

use coyote_core::trace::StepEvent;
use std::collections::BTreeMap;

/// The lanes by task id, named `main`, `task N`, or the actor running in the task (from the
/// log's `Name (task N)`).
pub(super) fn lanes(events: &[StepEvent]) -> BTreeMap<u32, String> {
    let mut lanes = BTreeMap::new();
    for e in events {
        if let Some(t) = e.task() {
            lanes.entry(t).or_insert_with(|| task_name(t));
        }
        if let StepEvent::Spawn { child, .. } = e {
            lanes.entry(*child).or_insert_with(|| task_name(*child));
        }
    }
    for e in events {
        if let StepEvent::Note { text, .. } = e {
            for (name, task) in actor_labels(text) {
                if let Some(lane) = lanes.get_mut(&task) {
                    *lane = format!("{name} ({})", task_name(task));
                }
            }
        }
    }
    lanes
}

pub(super) fn task_name(t: u32) -> String {
    if t == 0 {
        "main".into()
    } else {
        format!("task {t}")
    }
}

/// The actor labels in a log note, in order: `Name(N)` (N is the actor's task in tests) where
/// the log puts an actor (the note's first word, the word after its last ` to `, the word
/// before ` halted`), and the older `Name (task N)` anywhere.
pub(super) fn actor_labels(text: &str) -> Vec<(&str, u32)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(" (task ") {
        let before = &rest[..i];
        let name = before.rsplit(' ').next().unwrap_or("");
        let after = &rest[i + 7..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let (false, Ok(task)) = (name.is_empty(), digits.parse()) {
            out.push((name, task));
        }
        rest = &after[digits.len()..];
    }
    if !out.is_empty() {
        return out;
    }
    let first = text.split(' ').next();
    let halted = text
        .find(" halted")
        .map(|i| text[..i].rsplit(' ').next().unwrap_or(""));
    let to = text
        .rfind(" to ")
        .map(|i| text[i + 4..].split(' ').next().unwrap_or(""));
    for word in [first, halted, to].into_iter().flatten() {
        if let Some(label) = id_label(word.trim_end_matches([':', ',', '.'])) {
            out.push(label);
        }
    }
    out
}

/// `Name(N)` as a whole word: an actor's name and its task.
fn id_label(word: &str) -> Option<(&str, u32)> {
    let (name, rest) = word.split_once('(')?;
    let digits = rest.strip_suffix(')')?;
    let starts = name.chars().next()?;
    if !(starts.is_alphabetic() || starts == '_') || digits.is_empty() {
        return None;
    }
    Some((name, digits.parse().ok()?))
}

/// The events of a text step log (a trace written before traces had `events`).
pub(super) fn parse_log(log: &[String]) -> Vec<StepEvent> {
    let mut out = Vec::new();
    for line in log {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("... ") {
            // `... R more rounds of the P lines above: steps A to B, folded`
            let num = |s: &str| {
                s.trim_matches(|c: char| !c.is_ascii_digit())
                    .parse()
                    .unwrap_or(0)
            };
            let words: Vec<&str> = rest.split_whitespace().collect();
            let at = |w: &str| words.iter().position(|x| *x == w);
            let rounds = words.first().map_or(0, |w| num(w));
            let period = at("the")
                .and_then(|i| words.get(i + 1))
                .map_or(0, |w| num(w));
            let (first_step, last_step) = match at("steps") {
                Some(i) => (
                    words.get(i + 1).map_or(0, |w| num(w)),
                    words.get(i + 3).map_or(0, |w| num(w)),
                ),
                None => (0, 0),
            };
            out.push(StepEvent::Fold {
                rounds,
                period,
                first_step,
                last_step,
            });
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let (step, rest) = match words.as_slice() {
            ["step", n, rest @ ..] => (n.parse::<u32>().ok(), rest),
            rest => (None, rest),
        };
        let (task, rest) = match rest {
            ["main", rest @ ..] => (0, rest),
            ["task", n, rest @ ..] => match n.parse() {
                Ok(n) => (n, rest),
                Err(_) => continue,
            },
            _ => continue,
        };
        let at_i = rest.iter().rposition(|w| *w == "at");
        let at = at_i
            .and_then(|i| rest.get(i + 1))
            .unwrap_or(&"")
            .to_string();
        let head = |end: usize| rest[..end.min(rest.len())].join(" ");
        match step {
            Some(step) => {
                let end = rest
                    .iter()
                    .position(|w| *w == "spawned")
                    .or(at_i)
                    .unwrap_or(rest.len());
                let what = head(end);
                let joins = what.strip_prefix("join task ").and_then(|n| n.parse().ok());
                out.push(StepEvent::Step {
                    step,
                    task,
                    op: if joins.is_some() { "join".into() } else { what },
                    at,
                    woken_by: None,
                    woken_at: None,
                    joins,
                    timer_ms: None,
                });
            }
            None => {
                let what = head(at_i.unwrap_or(rest.len()));
                if let Some(child) = what
                    .strip_prefix("spawn task ")
                    .and_then(|n| n.parse().ok())
                {
                    out.push(StepEvent::Spawn { task, child, at });
                } else if let Some(m) = what.strip_prefix("monitor ") {
                    let (monitor, temperature) = m.split_once(": ").unwrap_or((m, ""));
                    out.push(StepEvent::Monitor {
                        task,
                        monitor: monitor.into(),
                        temperature: temperature.into(),
                        at,
                    });
                } else if what.starts_with("random -> ") || what.starts_with("select: ") {
                    out.push(StepEvent::Choice {
                        task,
                        value: what,
                        at,
                    });
                } else {
                    out.push(StepEvent::Note {
                        task,
                        text: rest.join(" "),
                    });
                }
            }
        }
    }
    out
}

/// What a wake-up hands over, by the operation the woken task was waiting in.
pub(super) fn handoff(op: &str) -> &'static str {
    match op {
        "mutex.lock" | "rwlock.read" | "rwlock.write" => "lock released",
        "semaphore.acquire" => "permit released",
        "mpsc.recv" | "oneshot.recv" | "broadcast.recv" | "watch.changed" | "watch.wait_for" => {
            "message"
        }
        "actor.receive" => "event",
        "join" | "joinset.join_next" => "finished",
        "notify.notified" | "condvar.wait" | "condvar.wait_timeout" => "notified",
        "barrier.wait" => "barrier",
        _ => "woke",
    }
}

#[cfg(test)]
mod label_tests {
    use super::actor_labels;

    #[test]
    fn actor_ids_are_read_where_the_log_puts_an_actor_and_payloads_are_not() {
        assert_eq!(actor_labels("send Ping(3) to Pinger(1)"), [("Pinger", 1)]);
        assert_eq!(actor_labels("Pinger(1) handles Ping(3)"), [("Pinger", 1)]);
        assert_eq!(
            actor_labels("drop Ping(3): Pinger(1) halted"),
            [("Pinger", 1)]
        );
        assert_eq!(
            actor_labels("send Ping(3) to Pinger (task 1)"),
            [("Pinger", 1)]
        );
        assert!(actor_labels("random -> 3").is_empty());
    }
}
