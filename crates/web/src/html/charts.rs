//! Charts drawn as SVG on the server: axes, labels, a legend and a <title>; the page shows
//! the numbers in a table beside each chart.

use maud::{html, Markup};

pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub values: Vec<Option<f64>>,
}

const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 28.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 48.0;

fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(mag * 10.0);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-6 {
        out.push((t * 1e6).round() / 1e6);
        t += step;
    }
    out
}

fn fmt_tick(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v.abs() >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A line chart over categorical x labels (e.g. months). `y` is the fixed value range.
pub fn line_chart(title: &str, labels: &[String], series: &[Series], y: (f64, f64)) -> Markup {
    let n = labels.len().max(1);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| {
        LEFT + if n == 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (n - 1) as f64
        }
    };
    let yv = |v: f64| TOP + plot_h * (1.0 - (v - y.0) / (y.1 - y.0).max(1e-9));
    let ticks = nice_ticks(y.0, y.1);
    let label_every = n.div_ceil(12).max(1);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text.title x=(LEFT) y="16" { (title) }
            @for t in &ticks {
                line x1=(LEFT) x2=(W - RIGHT) y1=(yv(*t)) y2=(yv(*t)) stroke="#e3e6ec" stroke-width="1" {}
                text x=(LEFT - 6.0) y=(yv(*t) + 4.0) text-anchor="end" { (fmt_tick(*t)) }
            }
            @if y.0 < 0.0 && y.1 > 0.0 {
                line x1=(LEFT) x2=(W - RIGHT) y1=(yv(0.0)) y2=(yv(0.0)) stroke="#9aa3b2" stroke-width="1" {}
            }
            line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(TOP + plot_h) stroke="#9aa3b2" {}
            @for (i, l) in labels.iter().enumerate() {
                @if i % label_every == 0 || i == n - 1 {
                    text x=(x(i)) y=(TOP + plot_h + 16.0) text-anchor="middle" { (l) }
                }
            }
            @for s in series {
                @let pts: Vec<String> = s.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), yv(v)))).collect();
                polyline class="series" data-series=(s.name) points=(pts.join(" ")) fill="none" stroke=(s.color) stroke-width="2" {}
                @for (i, v) in s.values.iter().enumerate() {
                    @if let Some(v) = v {
                        circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", yv(*v))) r="2.5" fill=(s.color) {
                            title { (s.name) " " (labels.get(i).map(String::as_str).unwrap_or("")) ": " (fmt_tick(*v)) }
                        }
                    }
                }
            }
            @for (i, s) in series.iter().enumerate() {
                @let lx = LEFT + i as f64 * 150.0;
                rect x=(lx) y=(H - 16.0) width="12" height="4" fill=(s.color) {}
                text x=(lx + 16.0) y=(H - 11.0) { (s.name) }
            }
        }
    }
}

/// Horizontal bars, one per labelled value; negative values extend left of zero.
pub fn bar_chart(title: &str, bars: &[(String, f64)], color: &str) -> Markup {
    let row = 24.0;
    let h = TOP + row * bars.len().max(1) as f64 + 24.0;
    let label_w = 140.0;
    let lo = bars.iter().map(|b| b.1).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(lo + 1.0);
    let plot_w = W - label_w - RIGHT - 50.0;
    let xv = |v: f64| label_w + plot_w * (v - lo) / (hi - lo);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text.title x="0" y="16" { (title) }
            line x1=(xv(0.0)) x2=(xv(0.0)) y1=(TOP - 4.0) y2=(h - 20.0) stroke="#9aa3b2" {}
            @for (i, (label, v)) in bars.iter().enumerate() {
                @let y = TOP + i as f64 * row;
                @let (x0, x1) = if *v >= 0.0 { (xv(0.0), xv(*v)) } else { (xv(*v), xv(0.0)) };
                text x=(label_w - 8.0) y=(y + 15.0) text-anchor="end" { (label) }
                rect class="bar" data-label=(label) x=(format!("{x0:.1}")) y=(y + 4.0) width=(format!("{:.1}", (x1 - x0).max(1.0))) height=(row - 8.0) fill=(color) {
                    title { (label) ": " (fmt_tick(*v)) }
                }
                text x=(format!("{:.1}", x1 + 4.0)) y=(y + 15.0) { (fmt_tick(*v)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range() {
        assert_eq!(
            nice_ticks(-100.0, 100.0),
            vec![-100.0, -50.0, 0.0, 50.0, 100.0]
        );
        assert_eq!(nice_ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    }

    #[test]
    fn line_chart_has_title_and_each_series() {
        let svg = line_chart(
            "NPS",
            &["2025-01".into(), "2025-02".into()],
            &[Series {
                name: "NPS",
                color: "#000",
                values: vec![Some(10.0), None],
            }],
            (-100.0, 100.0),
        )
        .into_string();
        assert!(svg.contains("<title>NPS</title>"));
        assert!(svg.contains("data-series=\"NPS\""));
    }
}
