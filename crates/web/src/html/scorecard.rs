//! E1: the customer-centricity scorecard, its trend, and the rows behind every figure.

use super::charts::{line_chart, sparkline, Series};
use super::layout::page;
use super::widgets::{date, money, no_rows, nps_value, pager, with_params};
use crate::auth::{can, require_page};
use crate::error::PageError;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup};
use peerstage_core::account::Page;
use peerstage_core::scorecard::{
    cohort_members, customers_at, format_change, format_value, retention_base, year_before,
    AccountFacts, Figure, Quarter, Unit,
};
use peerstage_core::{FieldErrors, Fields, Lifecycle, Permission, Segment};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scorecard", get(scorecard))
        .route("/scorecard/rows", get(rows))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The scorecard section's sub-navigation.
pub(crate) fn subnav(active: &str) -> Markup {
    html! {
        nav.subnav aria-label="Scorecard" {
            @for (key, href, label) in [("scorecard", "/scorecard", "Scorecard"), ("reviews", "/quarterly-reviews", "Quarterly reviews")] {
                a href=(href) class=[(key == active).then_some("active")] aria-current=[(key == active).then_some("page")] { (label) }
            }
        }
    }
}

/// Period and segment from the query; problems are reported beside their fields and the
/// defaults used instead.
pub(crate) fn choice(q: &Fields, today: NaiveDate) -> (Quarter, Option<Segment>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let period = match q.get("period").trim() {
        "" => Quarter::last_complete(today),
        text => match Quarter::parse(text) {
            Ok(p) if p.start() > today => {
                errors.add("period", format!("{} has not started yet", p.label()));
                Quarter::last_complete(today)
            }
            Ok(p) => p,
            Err(e) => {
                errors.add("period", e);
                Quarter::last_complete(today)
            }
        },
    };
    let segment = match q.get("segment").trim() {
        "" | "all" => None,
        s => match Segment::parse(s) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.add("segment", e);
                None
            }
        },
    };
    (period, segment, errors)
}

fn segment_label(s: Option<Segment>) -> &'static str {
    s.map(|s| s.label()).unwrap_or("All segments")
}

/// The address of the rows behind a figure.
pub(crate) fn rows_link(figure: &str, period: Quarter, segment: Option<Segment>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("figure", figure);
    s.append_pair("period", &period.to_string());
    if let Some(seg) = segment {
        s.append_pair("segment", seg.as_str());
    }
    format!("/scorecard/rows?{}", s.finish())
}

pub(crate) fn accounts_link(filter: &str, segment: Option<Segment>) -> String {
    match segment {
        Some(s) => format!("/accounts?{filter}&segment={}", s.as_str()),
        None => format!("/accounts?{filter}"),
    }
}

fn card_link(period: Quarter, segment: Option<Segment>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("period", &period.to_string());
    if let Some(seg) = segment {
        s.append_pair("segment", seg.as_str());
    }
    format!("/scorecard?{}", s.finish())
}

/// The figures a role may see, in order.
pub(crate) fn visible_figures() -> Vec<Figure> {
    let financial = can(Permission::ReadFinancials);
    Figure::ALL
        .iter()
        .copied()
        .filter(|f| financial || !f.financial())
        .collect()
}

/// The period and segment filter; the quarter shown is the one typed, or the one chosen.
fn filter_form(
    q: &Fields,
    errors: &FieldErrors,
    action: &str,
    extra: &[(&str, &str)],
    period: Quarter,
) -> Markup {
    let shown_period = if q.get("period").is_empty() {
        period.to_string()
    } else {
        q.get("period").to_string()
    };
    let field_error = |name: &str, label: &str| {
        html! { @if let Some(e) = errors.get(name) { span.error id=(format!("f-{name}-error")) { (label) " " (e) } } }
    };
    html! {
        form.filters method="get" action=(action) {
            @for (k, v) in extra { input type="hidden" name=(k) value=(v); }
            div.field.has-error[errors.get("period").is_some()] {
                label for="f-period" { "Quarter" }
                input #f-period type="text" name="period" value=(shown_period) placeholder="e.g. 2026Q3" size="9"
                    aria-invalid=[errors.get("period").map(|_| "true")];
                (field_error("period", "Quarter"))
            }
            div.field.has-error[errors.get("segment").is_some()] {
                label for="f-segment" { "Segment" }
                select #f-segment name="segment" {
                    option value="" { "All segments" }
                    @for s in Segment::ALL { option value=(s.as_str()) selected[q.get("segment") == s.as_str()] { (s.label()) } }
                }
                (field_error("segment", "Segment"))
            }
            button type="submit" { "Show" }
        }
    }
}

fn change_badge(f: Figure, before: Option<f64>, after: Option<f64>) -> Markup {
    match format_change(f.unit(), before, after) {
        None => html! { span.muted { "—" } },
        Some(text) => {
            let d = after.unwrap_or(0.0) - before.unwrap_or(0.0);
            let good = (d > 0.0) == f.higher_is_better();
            html! { span.pos[d != 0.0 && good].neg[d != 0.0 && !good] { (text) } }
        }
    }
}

fn value_text(f: Figure, v: Option<f64>) -> Markup {
    match f.unit() {
        Unit::Nps => nps_value(v),
        _ => html! { (format_value(f.unit(), v)) },
    }
}

async fn scorecard(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let today = today();
    let (period, segment, errors) = choice(&q, today);
    let card = st.run(move |s| s.scorecard(period, segment, today)).await?;
    let financial = can(Permission::ReadFinancials);
    let figures = visible_figures();
    let chosen = card.chosen();
    let previous = card.previous();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let labels: Vec<String> = card.periods.iter().map(|p| p.period.label()).collect();
    let pct = |f: Figure| -> Vec<Option<f64>> {
        card.periods
            .iter()
            .map(|p| f.value(p).map(|v| v * 100.0))
            .collect()
    };
    let chart = line_chart(
        "Coverage, commitments kept and retention, %",
        &labels,
        &[
            Series {
                name: "Touched in 90 days",
                color: "#2f5bd3",
                values: pct(Figure::Coverage),
            },
            Series {
                name: "Kept on time",
                color: "#b7791f",
                values: pct(Figure::KeptOnTime),
            },
            Series {
                name: "Logo retention",
                color: "#1f8a4c",
                values: pct(Figure::LogoRetention),
            },
        ],
        (0.0, 100.0),
    );
    let kpis = [
        Figure::Coverage,
        Figure::KeptOnTime,
        Figure::Nps,
        Figure::LogoRetention,
        Figure::LifetimeValue,
    ];
    let body = html! {
        (subnav("scorecard"))
        div.page-head {
            div {
                h1 { "Scorecard" }
                p.subtitle { "Customer-centricity, " (period.label()) @if chosen.end < period.end() { " so far (to " (chosen.end) ")" } " · " (segment_label(segment)) " · compared with the four quarters before" }
            }
        }
        (filter_form(&q, &errors, "/scorecard", &[], period))
        div.grid {
            @for f in kpis.iter().filter(|f| figures.contains(f)) {
                div.card.stat {
                    div.label { (f.label()) }
                    div.value { a href=(rows_link(f.as_str(), period, segment)) { (value_text(*f, f.value(chosen))) } }
                    div.note { (f.basis(chosen)) " · " (change_badge(*f, previous.and_then(|p| f.value(p)), f.value(chosen))) " on " (previous.map(|p| p.period.label()).unwrap_or_default()) }
                }
            }
        }
        div.card {
            h2 { "Trend" }
            p.small.muted { "Each figure links to the accounts, commitments or responses behind it. Click a quarter to make it the one compared." }
            div.table-wrap { table.scorecard {
                thead { tr {
                    th { "Figure" }
                    @for p in &card.periods {
                        th.num { a href=(card_link(p.period, segment)) aria-current=[(p.period == period).then_some("true")] { (p.period.label()) } }
                    }
                    th.num { "Change" }
                    th.hide-narrow { "Trend" }
                } }
                tbody {
                    @for f in &figures {
                        tr {
                            td { strong { (f.label()) } br; span.small.muted { (f.definition()) } }
                            @for p in &card.periods {
                                td.num.current[p.period == period] {
                                    a href=(rows_link(f.as_str(), p.period, segment)) { (value_text(*f, f.value(p))) }
                                    br; span.small.muted { (f.basis(p)) }
                                }
                            }
                            td.num { (change_badge(*f, previous.and_then(|p| f.value(p)), f.value(chosen))) }
                            td.hide-narrow { (sparkline(&format!("{}, {} to {}", f.label(), labels[0], labels[labels.len() - 1]), &card.periods.iter().map(|p| f.value(p)).collect::<Vec<_>>())) }
                        }
                    }
                }
            } }
        }
        div.grid.two {
            div.card {
                h2 { "Accounts at risk and unprofitable accounts" }
                p.small.muted { "Today's customers; these flags and figures have no history, so they have no trend." }
                table { tbody {
                    tr {
                        td { "At risk" }
                        td.num { a href=(rows_link("at_risk", period, segment)) { (card.now.at_risk) " accounts" } }
                        td.num { (money(card.now.at_risk_revenue)) " revenue" }
                    }
                    @if financial {
                        tr {
                            td { "Unprofitable" }
                            td.num { a href=(rows_link("unprofitable", period, segment)) { (card.now.unprofitable) " accounts" } }
                            td.num { (money(card.now.unprofitable_revenue)) " revenue, losing " (money(-card.now.unprofitable_margin)) }
                        }
                    }
                    tr {
                        td { "All customers" }
                        td.num { a href=(accounts_link("lifecycle=customer", segment)) { (card.now.customers) " accounts" } }
                        td.num { (money(card.now.revenue)) " revenue" }
                    }
                } }
                p.small { a href=(accounts_link("at_risk=yes&lifecycle=customer&sort=revenue&dir=desc", segment)) { "At-risk accounts in the accounts list →" } }
            }
            div.card {
                (chart)
                details { summary { "Numbers behind the chart" }
                    div.table-wrap { table {
                        thead { tr { th { "Quarter" } th.num { "Touched in 90 days" } th.num { "Kept on time" } th.num { "Logo retention" } } }
                        tbody { @for p in &card.periods { tr {
                            td { (p.period.label()) }
                            td.num { (format_value(Unit::Share, p.coverage)) }
                            td.num { (format_value(Unit::Share, p.kept_on_time)) }
                            td.num { (format_value(Unit::Share, p.retention.logo)) }
                        } } }
                    } }
                }
            }
        }
        div.card {
            h2 { "Retention by cohort at " (chosen.end) }
            p.small.muted { "A cohort is the year accounts became customers. An account is lost when it is a former customer; the day it left is its renewal date." }
            div.table-wrap { table {
                thead { tr { th { "Cohort" } th.num { "Accounts" } th.num { "Still customers" } th.num { "Lost" } th.num { "Logo retention" } th.num { "Revenue retention" } } }
                tbody {
                    @for c in &card.cohorts {
                        @let key = c.cohort.map(|y| y.to_string()).unwrap_or_else(|| "none".into());
                        tr {
                            td { a href=(format!("{}&cohort={key}", rows_link("cohort", period, segment))) { (c.cohort.map(|y| y.to_string()).unwrap_or_else(|| "No start date".into())) } }
                            td.num { (c.accounts) }
                            td.num { (c.still_customers) }
                            td.num { (c.lost) }
                            td.num { (format_value(Unit::Share, c.logo)) }
                            td.num { (format_value(Unit::Share, c.revenue_retention)) }
                        }
                    }
                    @if card.cohorts.is_empty() { tr { td colspan="6" .muted { "No customers yet in this segment." } } }
                }
            } }
        }
        details.card {
            summary { "How the figures are made" }
            ul.small {
                li { "Customer accounts are those whose lifecycle is customer or former. An account became a customer on its customer-since date (unknown: it always was) and, if former, left on its renewal date. Former customers without a renewal date are left out." }
                li { "Touchpoints count when the account was a customer on the day; a quarter under way counts up to today." }
                li { "Retention compares the customers of the day one year before the quarter's end with those at its end. Revenue and margin are today's figures: peerstage keeps no history of them." }
                @if financial {
                    li { "Customer lifetime value = average annual margin per customer account × expected lifetime; expected lifetime = 1 ÷ annual logo churn (1 − logo retention), at most 10 years." }
                }
                li { "Definitions in full: docs/SCORECARD.md; the same figures as JSON: " a href=(format!("/api/v1/scorecard?period={period}{}", segment.map(|s| format!("&segment={}", s.as_str())).unwrap_or_default())) { "/api/v1/scorecard" } "." }
            }
        }
    };
    Ok((status, page("Scorecard", "scorecard", body)).into_response())
}

const PER_PAGE: u32 = 50;

fn slice<T: Clone>(items: &[T], page: u32) -> Page<T> {
    let page = page.max(1);
    let start = ((page - 1) * PER_PAGE) as usize;
    Page {
        items: items
            .iter()
            .skip(start)
            .take(PER_PAGE as usize)
            .cloned()
            .collect(),
        total: items.len() as u64,
        page,
        per_page: PER_PAGE,
    }
}

fn account_cell(id: i64, name: &str) -> Markup {
    html! { a href=(format!("/accounts/{id}")) { (name) } }
}

fn seg_cell(s: Option<Segment>) -> &'static str {
    s.map(|s| s.label()).unwrap_or("—")
}

/// Where an account stood at a day: still a customer, or the day it left.
fn standing(a: &AccountFacts, end: NaiveDate) -> Markup {
    if a.customer_on(end) {
        html! { span.badge.good { "Customer" } }
    } else {
        html! { span.badge.bad { "Left " (date(a.left_on)) } }
    }
}

async fn rows(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let today = today();
    let (period, segment, errors) = choice(&q, today);
    if !errors.is_empty() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors.to_string(),
        ));
    }
    let figure = q.get("figure").to_string();
    let page_no: u32 = q.get("page").parse().unwrap_or(1);
    let financial = can(Permission::ReadFinancials);
    if matches!(
        figure.as_str(),
        "average_margin" | "lifetime_value" | "unprofitable"
    ) && !financial
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Your role may not see margins or profitability.",
        ));
    }
    let end = period.end_by(today);
    let card = st.run(move |s| s.scorecard(period, segment, today)).await?;
    let chosen = card.chosen().clone();
    let back = card_link(period, segment);
    let path = "/scorecard/rows";
    let (title, intro, table): (String, Markup, Markup) = match figure.as_str() {
        "touchpoints" => {
            let rows = st
                .run(move |s| s.scorecard_touch_rows(period, segment, today, page_no, PER_PAGE))
                .await?;
            (
                Figure::TouchpointsPerAccount.label().into(),
                html! { (format_value(Unit::PerAccount, chosen.touchpoints_per_account)) " touchpoints per account: " (Figure::TouchpointsPerAccount.basis(&chosen)) ". Fewest first." },
                html! {
                    div.table-wrap { table {
                        thead { tr { th { "Account" } th { "Segment" } th.num { "Touchpoints in " (period.label()) } } }
                        tbody { @for r in &rows.items { tr { td { (account_cell(r.account_id, &r.name)) } td { (seg_cell(r.segment)) } td.num { (r.touchpoints) } } } }
                    } }
                    (pager(path, &q, "page", rows.page, rows.pages(), rows.total))
                },
            )
        }
        "coverage" => {
            let rows = st
                .run(move |s| s.scorecard_coverage_rows(period, segment, today, page_no, PER_PAGE))
                .await?;
            (
                Figure::Coverage.label().into(),
                html! { (format_value(Unit::Share, chosen.coverage)) " of the customer accounts at " (end) " were touched since " (peerstage_store::scorecard::recent_from(end)) ": " (Figure::Coverage.basis(&chosen)) ". Longest untouched first." },
                html! {
                    div.table-wrap { table {
                        thead { tr { th { "Account" } th { "Segment" } th { "Last touchpoint" } th { "In the last 90 days" } } }
                        tbody { @for r in &rows.items { tr {
                            td { (account_cell(r.account_id, &r.name)) } td { (seg_cell(r.segment)) } td.nowrap { (date(r.last_touch)) }
                            td { @if r.touched_recently { span.badge.good { "Touched" } } @else { span.badge.bad { "Not touched" } } }
                        } } }
                    } }
                    (pager(path, &q, "page", rows.page, rows.pages(), rows.total))
                },
            )
        }
        "commitments" => {
            let rows = st
                .run(move |s| {
                    s.scorecard_commitment_rows(period, segment, today, page_no, PER_PAGE)
                })
                .await?;
            (
                Figure::KeptOnTime.label().into(),
                html! { (format_value(Unit::Share, chosen.kept_on_time)) " of the commitments due in " (period.label()) " were kept on or before their due date: " (Figure::KeptOnTime.basis(&chosen)) ". Not kept on time first." },
                html! {
                    div.table-wrap { table {
                        thead { tr { th { "Commitment" } th { "Account" } th { "Owner" } th { "Due" } th { "Status" } th { "Closed" } th { "On time" } } }
                        tbody { @for r in &rows.items { tr {
                            td { a href=(format!("/accounts/{}#commitments", r.account_id)) { (r.description) } }
                            td { (account_cell(r.account_id, &r.account_name)) }
                            td { (r.owner.as_deref().unwrap_or("")) }
                            td.nowrap { (r.due_on) }
                            td { (r.status.label()) }
                            td.nowrap { (date(r.closed_on)) }
                            td { @if r.kept_on_time { span.badge.good { "Yes" } } @else { span.badge.bad { "No" } } }
                        } } }
                    } }
                    (pager(path, &q, "page", rows.page, rows.pages(), rows.total))
                },
            )
        }
        "nps" => {
            let rows = st
                .run(move |s| s.scorecard_nps_rows(period, segment, today, page_no, PER_PAGE))
                .await?;
            (
                "NPS responses".into(),
                html! { "NPS " (nps_value(chosen.nps.nps)) " in " (period.label()) ": " (Figure::Nps.basis(&chosen)) ". Lowest scores first." },
                html! {
                    div.table-wrap { table {
                        thead { tr { th { "Account" } th { "Contact" } th.num { "Score" } th { "" } th { "Date" } th { "Comment" } } }
                        tbody { @for r in &rows.items { tr {
                            td { (account_cell(r.account_id, &r.account_name)) }
                            td { (r.contact_name.as_deref().unwrap_or("")) }
                            td.num { (r.score) }
                            td { (peerstage_core::NpsBucket::of(r.score).label()) }
                            td.nowrap { (r.responded_on) }
                            td.small { (r.comment.as_deref().unwrap_or("")) }
                        } } }
                    } }
                    (pager(path, &q, "page", rows.page, rows.pages(), rows.total))
                },
            )
        }
        other => {
            let facts = st.run(move |s| s.account_facts(today)).await?;
            let cohort_param = q.get("cohort").to_string();
            let (title, intro, mut list): (String, Markup, Vec<AccountFacts>) = match other {
                "logo_retention" | "revenue_retention" => {
                    let from = year_before(end);
                    let mut v: Vec<AccountFacts> = retention_base(&facts, segment, end)
                        .into_iter()
                        .cloned()
                        .collect();
                    v.sort_by_key(|a| (a.customer_on(end), std::cmp::Reverse(a.revenue)));
                    (
                        "Retention over 12 months".into(),
                        html! { "Customers on " (from) ", and whether they still were on " (end) ": " (Figure::LogoRetention.basis(&chosen)) " (" (format_value(Unit::Share, chosen.retention.logo)) "), " (Figure::RevenueRetention.basis(&chosen)) " of revenue (" (format_value(Unit::Share, chosen.retention.revenue)) "). Lost first." },
                        v,
                    )
                }
                "average_margin" | "lifetime_value" => {
                    let mut v: Vec<AccountFacts> = customers_at(&facts, segment, end)
                        .into_iter()
                        .cloned()
                        .collect();
                    v.sort_by_key(|a| (a.margin, a.id));
                    (
                        "Margin of the customer accounts".into(),
                        html! { "Customer accounts at " (end) ": average margin " (format_value(Unit::Money, chosen.average_margin)) ", expected lifetime " (chosen.expected_lifetime_years.map(|y| format!("{y:.1} years")).unwrap_or_else(|| "—".into())) ", lifetime value " (format_value(Unit::Money, chosen.lifetime_value)) ". Lowest margin first." },
                        v,
                    )
                }
                "at_risk" => {
                    let mut v: Vec<AccountFacts> = facts
                        .iter()
                        .filter(|a| {
                            a.in_segment(segment) && a.lifecycle == Lifecycle::Customer && a.at_risk
                        })
                        .cloned()
                        .collect();
                    v.sort_by_key(|a| (std::cmp::Reverse(a.revenue), a.id));
                    (
                        "Accounts at risk".into(),
                        html! { (card.now.at_risk) " customer accounts are flagged at risk today, with " (money(card.now.at_risk_revenue)) " revenue. Largest first. " a href=(accounts_link("at_risk=yes&lifecycle=customer&sort=revenue&dir=desc", segment)) { "See them with their reasons →" } },
                        v,
                    )
                }
                "unprofitable" => {
                    let mut v: Vec<AccountFacts> = facts
                        .iter()
                        .filter(|a| {
                            a.in_segment(segment)
                                && a.lifecycle == Lifecycle::Customer
                                && a.margin < 0
                        })
                        .cloned()
                        .collect();
                    v.sort_by_key(|a| (a.margin, a.id));
                    (
                        "Unprofitable accounts".into(),
                        html! { (card.now.unprofitable) " customer accounts lose money today: " (money(card.now.unprofitable_revenue)) " revenue, " (money(card.now.unprofitable_margin)) " margin. Worst first." },
                        v,
                    )
                }
                "cohort" => {
                    let cohort = match cohort_param.as_str() {
                        "none" => None,
                        y => Some(y.parse::<i32>().map_err(|_| {
                            PageError::not_found(format!("'{y}' is not a cohort year"))
                        })?),
                    };
                    let mut v: Vec<AccountFacts> = cohort_members(&facts, segment, cohort, end)
                        .into_iter()
                        .cloned()
                        .collect();
                    v.sort_by_key(|a| (a.customer_on(end), a.id));
                    let row = card.cohorts.iter().find(|c| c.cohort == cohort);
                    (
                        format!(
                            "Cohort {}",
                            cohort
                                .map(|y| y.to_string())
                                .unwrap_or_else(|| "without a start date".into())
                        ),
                        html! { "Accounts that became customers " (cohort.map(|y| format!("in {y}")).unwrap_or_else(|| "on an unknown date".into())) ", at " (end) ": " @if let Some(r) = row { (r.still_customers) " of " (r.accounts) " still customers (" (format_value(Unit::Share, r.logo)) ")." } " Lost first." },
                        v,
                    )
                }
                _ => {
                    return Err(PageError::not_found(format!(
                        "The scorecard has no figure called '{other}'."
                    )))
                }
            };
            let show_margin = financial;
            list.dedup_by_key(|a| a.id);
            let p = slice(&list, page_no);
            (
                title,
                intro,
                html! {
                    div.table-wrap { table {
                        thead { tr { th { "Account" } th { "Segment" } th { "Customer since" } th { "At " (end) } th.num { "Revenue" } @if show_margin { th.num { "Margin" } } } }
                        tbody {
                            @for a in &p.items { tr {
                                td { (account_cell(a.id, &a.name)) @if a.at_risk && a.lifecycle == Lifecycle::Customer { " " span.badge.bad { "At risk" } } }
                                td { (seg_cell(a.segment)) }
                                td.nowrap { (date(a.customer_since)) }
                                td { (standing(a, end)) }
                                td.num { (money(a.revenue)) }
                                @if show_margin { td.num { (money(a.margin)) } }
                            } }
                            @if p.items.is_empty() { (no_rows(6, p.total, "No accounts.")) }
                        }
                    } }
                    (pager(path, &q, "page", p.page, p.pages(), p.total))
                },
            )
        }
    };
    let body = html! {
        (subnav("scorecard"))
        p.subtitle { a href=(back) { "← Scorecard, " (period.label()) } }
        div.page-head {
            div { h1 { (title) } p.subtitle { (period.label()) " · " (segment_label(segment)) } }
        }
        (filter_form(&q, &FieldErrors::new(), path, &[("figure", figure.as_str()), ("cohort", q.get("cohort"))], period))
        p { (intro) }
        (table)
        p.small { a href=(with_params("/scorecard", &q, &[("figure", String::new()), ("cohort", String::new()), ("page", String::new())])) { "Back to the scorecard" } }
    };
    Ok(page(&title, "scorecard", body).into_response())
}
