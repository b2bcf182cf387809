//! State machines coloured by coverage (SVG), from `coverage.json`'s actor states and
//! transitions: a node per state (declared or entered), an edge per transition taken, a state
//! never entered drawn as such (red, dashed), the others shaded by how often they were entered.
//!
//! Invariants: only actor types with states are drawn; nodes sit on a circle in name order, so
//! the same coverage always gives the same picture; counts are on hover.

use super::svg::{clip, esc, text};
use coyote_core::coverage::ActorActivity;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The graph of one actor type, or `None` if it has no states.
pub(super) fn graph(actor: &str, a: &ActorActivity) -> Option<String> {
    if a.states.is_empty() {
        return None;
    }
    let names: Vec<&String> = a.states.keys().collect();
    let n = names.len();
    let radius = (n as f64 * 34.0).max(90.0);
    let (cx, cy) = (radius + 90.0, radius + 50.0);
    let (w, h) = (2.0 * cx, 2.0 * cy + 10.0);
    let pos: BTreeMap<&str, (f64, f64)> = names
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let angle = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
            (
                s.as_str(),
                (cx + radius * angle.cos(), cy + radius * angle.sin()),
            )
        })
        .collect();
    let max = a.states.values().copied().max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="machine" data-actor="{}" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="state machine {}">"#,
        esc(actor),
        esc(actor)
    );
    for (t, &count) in &a.transitions {
        let Some((from, to)) = t.split_once(" -> ") else {
            continue;
        };
        let (Some(&(x0, y0)), Some(&(x1, y1))) = (pos.get(from), pos.get(to)) else {
            continue;
        };
        let _ = write!(
            svg,
            r#"<g class="edge" data-from="{}" data-to="{}"><title>{} -> {}: taken {count} times</title>"#,
            esc(from),
            esc(to),
            esc(from),
            esc(to)
        );
        if from == to {
            let _ = write!(
                svg,
                r#"<path d="M{:.1},{:.1} c-30,-46 30,-46 12,-2" class="transition" marker-end="url(#arrow)"/>"#,
                x0 - 6.0,
                y0 - 22.0
            );
        } else {
            // Curved a little, so A -> B and B -> A do not overlap; shortened to the circles.
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            let (sx, sy) = (x0 + ux * 28.0, y0 + uy * 28.0);
            let (ex, ey) = (x1 - ux * 30.0, y1 - uy * 30.0);
            let (mx, my) = ((sx + ex) / 2.0 - uy * 18.0, (sy + ey) / 2.0 + ux * 18.0);
            let width = 1.0 + (count as f64).ln_1p().min(4.0);
            let _ = write!(
                svg,
                r#"<path d="M{sx:.1},{sy:.1} Q{mx:.1},{my:.1} {ex:.1},{ey:.1}" class="transition" style="stroke-width:{width:.1}" marker-end="url(#arrow)"/>"#
            );
            text(&mut svg, mx, my, "edge-count", "middle", &count.to_string());
        }
        svg.push_str("</g>");
    }
    for (state, &count) in &a.states {
        let (x, y) = pos[state.as_str()];
        let class = if count == 0 { "state never" } else { "state" };
        // Shade: light for rare states, dark for the most entered.
        let shade = if count == 0 {
            0.0
        } else {
            0.25 + 0.75 * (count as f64).ln_1p() / (max as f64).ln_1p()
        };
        let _ = write!(
            svg,
            r#"<g class="{class}" data-state="{}" data-count="{count}"><title>{}: entered {count} times{}</title><circle cx="{x:.1}" cy="{y:.1}" r="26" style="fill-opacity:{:.2}"/>"#,
            esc(state),
            esc(state),
            if count == 0 { " (never entered)" } else { "" },
            if count == 0 { 1.0 } else { shade }
        );
        text(
            &mut svg,
            x,
            y + 4.0,
            "state-name",
            "middle",
            &clip(state, 14),
        );
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    Some(svg)
}
