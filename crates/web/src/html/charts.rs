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
    } else {
        // Rounded first, so 60.96 reads "61" like 61 does, not "61.0".
        let r = (v * 10.0).round() / 10.0;
        if r.fract() == 0.0 {
            format!("{r:.0}")
        } else {
            format!("{r:.1}")
        }
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

/// The top of a value axis: the first "nice" tick at or above `hi` (at least 1).
fn axis_top(hi: f64) -> (f64, Vec<f64>) {
    let hi = if hi.is_finite() && hi > 0.0 { hi } else { 1.0 };
    let mut top = hi;
    for _ in 0..3 {
        let ticks = nice_ticks(0.0, top);
        match ticks.last() {
            Some(t) if *t >= hi - 1e-9 => return (*t, ticks),
            Some(t) => top = hi + (hi - t),
            None => top = hi * 1.2,
        }
    }
    (top, nice_ticks(0.0, top))
}

fn legend(series: &[(&str, &str)], y: f64) -> Markup {
    html! {
        @for (i, (name, color)) in series.iter().enumerate() {
            @let lx = LEFT + i as f64 * 150.0;
            rect x=(lx) y=(y - 5.0) width="12" height="8" fill=(color) {}
            text x=(lx + 16.0) y=(y + 2.0) { (name) }
        }
    }
}

/// Vertical bars over categorical x labels (e.g. months): one bar per label and series,
/// side by side, or stacked when `stacked`. Missing values draw nothing.
pub fn column_chart(title: &str, labels: &[String], series: &[Series], stacked: bool) -> Markup {
    let n = labels.len().max(1);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten().unwrap_or(0.0).max(0.0);
    let hi = (0..n)
        .map(|i| {
            if stacked {
                series.iter().map(|s| value(s, i)).sum::<f64>()
            } else {
                series.iter().map(|s| value(s, i)).fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (top, ticks) = axis_top(hi);
    let yv = |v: f64| TOP + plot_h * (1.0 - v / top);
    let group = plot_w / n as f64;
    let bar_w = if stacked || series.is_empty() {
        group * 0.7
    } else {
        group * 0.8 / series.len() as f64
    };
    // Month labels are as wide as a column: every other one from eight columns on.
    let label_every = n.div_ceil(7).max(1);
    let legend_items: Vec<(&str, &str)> = series.iter().map(|s| (s.name, s.color)).collect();
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text.title x=(LEFT) y="16" { (title) }
            @for t in &ticks {
                line x1=(LEFT) x2=(W - RIGHT) y1=(format!("{:.1}", yv(*t))) y2=(format!("{:.1}", yv(*t))) stroke="#e3e6ec" stroke-width="1" {}
                text x=(LEFT - 6.0) y=(format!("{:.1}", yv(*t) + 4.0)) text-anchor="end" { (fmt_tick(*t)) }
            }
            line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(TOP + plot_h) stroke="#9aa3b2" {}
            line x1=(LEFT) x2=(W - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) stroke="#9aa3b2" {}
            @for (i, l) in labels.iter().enumerate() {
                @if i % label_every == 0 || i == n - 1 {
                    text x=(format!("{:.1}", LEFT + group * (i as f64 + 0.5))) y=(TOP + plot_h + 16.0) text-anchor="middle" { (l) }
                }
            }
            @for (i, l) in labels.iter().enumerate() {
                @for (k, s) in series.iter().enumerate() {
                    @if let Some(v) = s.values.get(i).copied().flatten() {
                        @let v = v.max(0.0);
                        @let x = if stacked { LEFT + group * i as f64 + (group - bar_w) / 2.0 } else { LEFT + group * i as f64 + group * 0.1 + bar_w * k as f64 };
                        @let base: f64 = if stacked { series[..k].iter().map(|p| value(p, i)).sum() } else { 0.0 };
                        @let (y0, y1) = (yv(base + v), yv(base));
                        rect class="bar" data-series=(s.name) x=(format!("{x:.1}")) y=(format!("{y0:.1}")) width=(format!("{:.1}", bar_w.max(1.0))) height=(format!("{:.1}", (y1 - y0).max(0.0))) fill=(s.color) {
                            title { (s.name) " " (l) ": " (fmt_tick(v)) }
                        }
                    }
                }
            }
            (legend(&legend_items, H - 12.0))
        }
    }
}

/// Horizontal bars split into parts, one bar per row (e.g. one per segment, or per review).
/// With `percent`, each row is scaled to 100% and parts are labelled with their share;
/// otherwise bars share one scale and show their total.
pub fn stacked_bars(
    title: &str,
    rows: &[(String, Vec<f64>)],
    parts: &[(&str, &str)],
    percent: bool,
) -> Markup {
    let row_h = 26.0;
    let top = 44.0;
    let h = top + row_h * rows.len().max(1) as f64 + 12.0;
    let label_w = 150.0;
    let plot_w = W - label_w - RIGHT - 56.0;
    let total = |v: &[f64]| v.iter().map(|x| x.max(0.0)).sum::<f64>();
    let max = rows
        .iter()
        .map(|(_, v)| total(v))
        .fold(0.0, f64::max)
        .max(1e-9);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text.title x="0" y="16" { (title) }
            @for (i, (name, color)) in parts.iter().enumerate() {
                @let lx = label_w + i as f64 * 120.0;
                rect x=(lx) y="24" width="12" height="8" fill=(color) {}
                text x=(lx + 16.0) y="32" { (name) }
            }
            @for (r, (label, values)) in rows.iter().enumerate() {
                @let y = top + r as f64 * row_h;
                @let sum = total(values);
                @let scale = if percent { if sum > 0.0 { plot_w / sum } else { 0.0 } } else { plot_w / max };
                text x=(label_w - 8.0) y=(y + 15.0) text-anchor="end" { (label) }
                line x1=(label_w) x2=(label_w) y1=(y + 2.0) y2=(y + row_h - 2.0) stroke="#9aa3b2" {}
                @for (k, (name, color)) in parts.iter().enumerate() {
                    @let v = values.get(k).copied().unwrap_or(0.0).max(0.0);
                    @let x = label_w + values.iter().take(k).map(|p| p.max(0.0) * scale).sum::<f64>();
                    @if v > 0.0 {
                        @let w = v * scale;
                        rect class="bar" data-series=(name) data-label=(label) x=(format!("{x:.1}")) y=(y + 4.0) width=(format!("{:.1}", w.max(0.5))) height=(row_h - 8.0) fill=(color) {
                            title { (label) ", " (name) ": " @if percent { (format!("{:.0}%", v * 100.0 / sum)) } @else { (fmt_tick(v)) } }
                        }
                        @if percent && w > 30.0 {
                            text x=(format!("{:.1}", x + w / 2.0)) y=(y + 16.0) text-anchor="middle" fill="#fff" style="fill:#fff" { (format!("{:.0}%", v * 100.0 / sum)) }
                        }
                    }
                }
                @if !percent {
                    text x=(format!("{:.1}", label_w + sum * scale + 4.0)) y=(y + 15.0) { (fmt_tick(sum)) }
                }
            }
        }
    }
}

/// A small line without axes for a table cell; the numbers are in the row beside it.
pub fn sparkline(title: &str, values: &[Option<f64>]) -> Markup {
    let (w, h) = (96.0, 24.0);
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = values.len().max(2);
    let x = |i: usize| 2.0 + (w - 4.0) * i as f64 / (n - 1) as f64;
    let y = |v: f64| {
        if hi > lo {
            h - 3.0 - (h - 6.0) * (v - lo) / span
        } else {
            h / 2.0
        }
    };
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
        .collect();
    html! {
        svg.spark width=(w) height=(h) viewBox=(format!("0 0 {w} {h}")) role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            polyline class="series" data-series=(title) points=(pts.join(" ")) fill="none" stroke="#2f5bd3" stroke-width="1.5" {}
            @if let Some((i, Some(v))) = values.iter().enumerate().rev().find(|(_, v)| v.is_some()) {
                circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(*v))) r="2.5" fill="#2f5bd3" {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_whether_whole_or_nearly() {
        assert_eq!(fmt_tick(61.0), "61");
        assert_eq!(fmt_tick(60.96), "61");
        assert_eq!(fmt_tick(41.34), "41.3");
        assert_eq!(fmt_tick(-12.04), "-12");
        assert_eq!(fmt_tick(25_000.0), "25k");
    }

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

    /// A tiny XML well-formedness check: tags nest and close, attributes are quoted, text
    /// holds no raw `<` or stray `&`. Returns the element names in document order.
    pub(crate) fn well_formed(xml: &str) -> Result<Vec<String>, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = xml;
        let check_text = |t: &str| -> Result<(), String> {
            let mut r = t;
            while let Some(i) = r.find('&') {
                let after = &r[i + 1..];
                let end = after.find(';').ok_or_else(|| format!("bare & in {t:?}"))?;
                let ent = &after[..end];
                let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                    || (ent.starts_with('#')
                        && ent[1..]
                            .trim_start_matches('x')
                            .chars()
                            .all(|c| c.is_ascii_hexdigit())
                        && end > 1);
                if !ok {
                    return Err(format!("unknown entity &{ent};"));
                }
                r = &after[end + 1..];
            }
            Ok(())
        };
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open])?;
            let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
            let tag = &rest[open + 1..close];
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack
                    .pop()
                    .ok_or_else(|| format!("</{name}> without an opening tag"))?;
                if top != name.trim() {
                    return Err(format!("<{top}> closed by </{name}>"));
                }
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == ':')
                {
                    return Err(format!("bad tag name in <{tag}>"));
                }
                // Attributes: name="value" pairs.
                let mut attrs = body[name.len()..].trim();
                while !attrs.is_empty() {
                    let eq = attrs
                        .find('=')
                        .ok_or_else(|| format!("attribute without a value in <{tag}>"))?;
                    let value = attrs[eq + 1..].trim_start();
                    let quote = value
                        .chars()
                        .next()
                        .filter(|c| *c == '"' || *c == '\'')
                        .ok_or_else(|| format!("unquoted attribute in <{tag}>"))?;
                    let end = value[1..]
                        .find(quote)
                        .ok_or_else(|| format!("unterminated attribute in <{tag}>"))?;
                    check_text(&value[1..1 + end])?;
                    if value[1..1 + end].contains('<') {
                        return Err(format!("< in an attribute of <{tag}>"));
                    }
                    attrs = value[end + 2..].trim_start();
                }
                names.push(name.clone());
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[close + 1..];
        }
        check_text(rest)?;
        match stack.pop() {
            Some(open) => Err(format!("<{open}> is never closed")),
            None => Ok(names),
        }
    }

    #[test]
    fn the_checker_rejects_broken_xml() {
        assert!(well_formed("<svg><title>a &amp; b</title></svg>").is_ok());
        assert!(well_formed("<svg><title>a & b</title></svg>").is_err());
        assert!(well_formed("<svg><rect></svg>").is_err());
        assert!(well_formed("<svg x=1></svg>").is_err());
        assert!(well_formed("<svg>").is_err());
    }

    fn months() -> Vec<String> {
        (1..=12).map(|m| format!("2026-{m:02}")).collect()
    }

    #[test]
    fn every_chart_is_well_formed_svg_with_a_title_and_its_series() {
        let labels = months();
        let nps = Series {
            name: "NPS",
            color: "#2f5bd3",
            values: (0..12)
                .map(|i| (i % 3 != 0).then_some(i as f64 * 5.0 - 20.0))
                .collect(),
        };
        let promoters = Series {
            name: "% promoters",
            color: "#1f8a4c",
            values: vec![Some(40.0); 12],
        };
        let charts = [
            (
                line_chart(
                    "NPS & promoters",
                    &labels,
                    &[nps, promoters],
                    (-100.0, 100.0),
                )
                .into_string(),
                vec!["NPS", "% promoters"],
                "NPS &amp; promoters",
            ),
            (
                column_chart(
                    "Requests <by status>",
                    &labels,
                    &[
                        Series {
                            name: "Open",
                            color: "#2f5bd3",
                            values: vec![Some(2.0); 12],
                        },
                        Series {
                            name: "Completed",
                            color: "#1f8a4c",
                            values: (0..12).map(|i| Some(i as f64)).collect(),
                        },
                    ],
                    true,
                )
                .into_string(),
                vec!["Open", "Completed"],
                "Requests &lt;by status&gt;",
            ),
            (
                column_chart(
                    "Coverage",
                    &labels,
                    &[Series {
                        name: "% touched",
                        color: "#000",
                        values: vec![None, Some(0.0), Some(55.5)],
                    }],
                    false,
                )
                .into_string(),
                vec!["% touched"],
                "Coverage",
            ),
            (
                stacked_bars(
                    "Revenue at risk",
                    &[
                        ("Enterprise".into(), vec![100.0, 900.0]),
                        ("SMB".into(), vec![0.0, 50.0]),
                    ],
                    &[("At risk", "#c0392b"), ("Not at risk", "#9aa3b2")],
                    false,
                )
                .into_string(),
                vec!["At risk", "Not at risk"],
                "Revenue at risk",
            ),
            (
                stacked_bars(
                    "Shares of time",
                    &[("Q3 review".into(), vec![30.0, 60.0, 0.0, 10.0])],
                    &[
                        ("Product", "#1"),
                        ("Sales", "#2"),
                        ("Operations", "#3"),
                        ("Customer value", "#4"),
                    ],
                    true,
                )
                .into_string(),
                vec!["Product", "Sales", "Customer value"],
                "Shares of time",
            ),
            (
                bar_chart(
                    "NPS per segment",
                    &[("SMB".into(), -20.0), ("Enterprise".into(), 35.0)],
                    "#2f5bd3",
                )
                .into_string(),
                vec![],
                "NPS per segment",
            ),
            (
                sparkline("Coverage trend", &[Some(0.4), None, Some(0.5)]).into_string(),
                vec!["Coverage trend"],
                "Coverage trend",
            ),
        ];
        for (svg, series, title) in charts {
            let names = well_formed(&svg).unwrap_or_else(|e| panic!("{title}: {e}\n{svg}"));
            assert_eq!(names.first().map(String::as_str), Some("svg"), "{title}");
            assert_eq!(
                names.get(1).map(String::as_str),
                Some("title"),
                "{title}: the first child is its <title>"
            );
            assert!(svg.contains(&format!("<title>{title}</title>")), "{title}");
            assert!(svg.contains("role=\"img\""), "{title}");
            for s in series {
                assert!(
                    svg.contains(&format!("data-series=\"{s}\"")),
                    "{title}: series {s}\n{svg}"
                );
            }
        }
    }

    #[test]
    fn stacked_columns_add_up_and_axes_cover_the_tallest() {
        let svg = column_chart(
            "Stacked",
            &["A".into()],
            &[
                Series {
                    name: "x",
                    color: "#000",
                    values: vec![Some(3.0)],
                },
                Series {
                    name: "y",
                    color: "#111",
                    values: vec![Some(4.0)],
                },
            ],
            true,
        )
        .into_string();
        // The axis reaches 8 (the first nice tick at or above 7).
        assert!(svg.contains(">8</text>"), "{svg}");
        assert_eq!(axis_top(7.0).0, 8.0);
        assert_eq!(axis_top(0.0).0, 1.0);
        assert_eq!(axis_top(100.0).0, 100.0);
        assert!(svg.contains("x A: 3") && svg.contains("y A: 4"));
    }
}
