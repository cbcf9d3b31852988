use super::charts::{bar_chart, line_chart, Series};
use super::layout::page;
use super::widgets::{count, enum_options, nps_value};
use crate::error::PageError;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::{NpsGroup, Segment};

pub fn router() -> Router<AppState> {
    Router::new().route("/nps", get(overview))
}

fn segment_label(key: &str) -> String {
    Segment::parse(key)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| "No segment".into())
}

async fn overview(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadCustomers)?;
    let segment = Segment::parse(q.get("segment")).ok();
    let months: u32 = q
        .get("months")
        .parse()
        .ok()
        .filter(|m| (3..=60).contains(m))
        .unwrap_or(12);
    let today = chrono::Utc::now().date_naive();
    let seg = segment.map(|s| s.as_str());
    let report = st.run(move |s| s.nps_report(seg, months, today)).await?;
    let (overall, by_segment, by_month) = (
        report.overall,
        report.by_segment.clone(),
        report.by_month.clone(),
    );
    let labels: Vec<String> = by_month.iter().map(|g| g.key.clone()).collect();
    let trend = line_chart(
        "NPS per month",
        &labels,
        &[
            Series {
                name: "NPS",
                color: "#2f5bd3",
                values: by_month.iter().map(|g| g.summary.nps).collect(),
            },
            Series {
                name: "% promoters",
                color: "#1f8a4c",
                values: by_month
                    .iter()
                    .map(|g| {
                        (g.summary.responses > 0).then(|| g.summary.share(g.summary.promoters))
                    })
                    .collect(),
            },
            Series {
                name: "% detractors",
                color: "#c0392b",
                values: by_month
                    .iter()
                    .map(|g| {
                        (g.summary.responses > 0).then(|| g.summary.share(g.summary.detractors))
                    })
                    .collect(),
            },
        ],
        (-100.0, 100.0),
    );
    let seg_bars: Vec<(String, f64)> = by_segment
        .iter()
        .filter_map(|g| g.summary.nps.map(|n| (segment_label(&g.key), n)))
        .collect();
    let table = |rows: &[NpsGroup], label: &dyn Fn(&str) -> String| {
        html! {
            div.table-wrap { table {
                thead { tr { th { "" } th.num { "Responses" } th.num { "Promoters" } th.num { "Passives" } th.num { "Detractors" } th.num { "NPS" } } }
                tbody { @for g in rows { tr {
                    td { (label(&g.key)) }
                    td.num { (count(g.summary.responses)) }
                    td.num { (count(g.summary.promoters)) }
                    td.num { (count(g.summary.passives)) }
                    td.num { (count(g.summary.detractors)) }
                    td.num { (nps_value(g.summary.nps)) }
                } } }
            } }
        }
    };
    Ok(page(
        "NPS",
        "nps",
        html! {
            div.page-head {
                div { h1 { "Net Promoter Score" } p.subtitle { "% promoters (9–10) − % detractors (0–6); passives (7–8) count only in the total." } }
            }
            form.filters method="get" action="/nps" {
                label { "Segment" select name="segment" {
                    option value="" { "All segments" }
                    @for (v, l) in enum_options(Segment::ALL, Segment::as_str, Segment::label) { option value=(v) selected[q.get("segment") == v] { (l) } }
                } }
                label { "Months" select name="months" {
                    @for m in [6u32, 12, 24, 36] { option value=(m) selected[m == months] { (m) } }
                } }
                button type="submit" { "Show" }
            }
            div.grid {
                div.card.stat { div.label { "NPS" @if let Some(s) = segment { " · " (s.label()) } } div.value { (nps_value(overall.nps)) } div.note { (count(overall.responses)) " responses" } }
                div.card.stat { div.label { "Promoters" } div.value { (format!("{:.0}%", overall.share(overall.promoters))) } div.note { (count(overall.promoters)) " responses" } }
                div.card.stat { div.label { "Passives" } div.value { (format!("{:.0}%", overall.share(overall.passives))) } div.note { (count(overall.passives)) " responses" } }
                div.card.stat { div.label { "Detractors" } div.value { (format!("{:.0}%", overall.share(overall.detractors))) } div.note { (count(overall.detractors)) " responses" } }
            }
            div.card { (trend) details { summary { "Numbers behind the chart" } (table(&by_month, &|k: &str| k.to_string())) } }
            div.card {
                (bar_chart("NPS per segment", &seg_bars, "#2f5bd3"))
                (table(&by_segment, &segment_label))
            }
        },
    ))
}
