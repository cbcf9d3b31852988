//! E3: the home page, a dashboard for each role. Charts are SVG drawn on the server, each
//! with a title, axes, a legend and the table of its numbers.
//!
//! - Everyone: NPS, touchpoint coverage, accounts at risk.
//! - Managers and administrators: also revenue at risk per segment, reference activity per
//!   month and the advocates near fatigue.
//! - Sales: also their own reference requests.
//! - Product: NPS and touchpoints.
//! - Viewers: a read-only overview.

use super::charts::{column_chart, line_chart, stacked_bars, Series};
use super::layout::page;
use super::scorecard::{accounts_link, rows_link};
use super::widgets::{count, money, nps_value};
use crate::auth::{can, current};
use crate::error::PageError;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::scorecard::Quarter;
use peerstage_core::{Permission, Role};
use peerstage_store::{DashboardData, ProgramReport, ReferenceRequest, RequestFilter};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

fn share_text(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

async fn home(State(st): State<AppState>) -> Result<Markup, PageError> {
    crate::auth::require_page(Permission::ReadCustomers)?;
    let today = chrono::Utc::now().date_naive();
    let role = current().map(|u| u.user.role).unwrap_or(Role::Viewer);
    let user_id = current().map(|u| u.user.id);
    let managing = can(Permission::ManageAdvocates);
    let requesting = can(Permission::RequestReferences) && !managing;
    let financial = can(Permission::ReadFinancials);
    let (data, own_requests, program) = st
        .run(move |s| {
            let own = if requesting {
                Some(s.list_requests(&RequestFilter {
                    requested_by_user_id: user_id,
                    status: None,
                })?)
            } else {
                None
            };
            let program = if managing {
                Some(s.dashboard_program(today)?)
            } else {
                None
            };
            Ok((s.dashboard_data(today)?, own, program))
        })
        .await?;
    // Customers' share of the main stage at recent events (D2), for those who plan them.
    let stage_balance = if can(Permission::ManageEvents) {
        Some(st.run(|s| s.stage_balance(8)).await?)
    } else {
        None
    };
    // The largest themes in customer feedback (C4), cached per database revision.
    let top_themes = st.run(|s| s.top_themes_cached(5)).await?;
    let counts = &data.counts;
    let quarter = Quarter::containing(today);
    let coverage_now = (data.customers_today > 0)
        .then(|| data.touched_recently as f64 / data.customers_today as f64);
    let subtitle = match role {
        Role::Admin | Role::Manager => "Customers, advocates and references",
        Role::Sales => "Your customers and your reference requests",
        Role::Product => "What customers say and how often we talk with them",
        Role::Viewer => "An overview (read only)",
    };
    let product = role == Role::Product;
    Ok(page(
        "Dashboard",
        "dashboard",
        html! {
            div.page-head {
                div { h1 { "Dashboard" } p.subtitle { (subtitle) " · " (count(counts.accounts)) " accounts · " (count(counts.contacts)) " contacts · " (count(counts.touchpoints)) " touchpoints" } }
                div.actions { a.btn.secondary href="/scorecard" { "Scorecard" } }
            }
            @if counts.accounts == 0 {
                div.card { h2 { "Welcome to peerstage" }
                    p { @if can(Permission::WriteCustomers) { "Start by " a href="/accounts/new" { "adding an account" } " or " a href="/transfer" { "importing a CSV export from your CRM" } ". " } "To explore with a realistic demo company, run " code { "peerstage demo" } "." } }
            }
            div.grid {
                div.card.stat {
                    div.label { "NPS, last 12 months" }
                    div.value { a href="/nps" { (nps_value(data.nps.nps)) } }
                    div.note { (format!("{:.0}%", data.nps.share(data.nps.promoters))) " promoters, " (format!("{:.0}%", data.nps.share(data.nps.detractors))) " detractors of " (count(data.nps.responses)) }
                }
                div.card.stat {
                    div.label { "Touched in the last 90 days" }
                    div.value { a href=(rows_link("coverage", quarter, None)) { (share_text(coverage_now)) } }
                    div.note { (count(data.touched_recently)) " of " (count(data.customers_today)) " customer accounts" }
                }
                @if !product {
                    div.card.stat {
                        div.label { "At risk" }
                        div.value { a href=(accounts_link("at_risk=yes&lifecycle=customer&sort=revenue&dir=desc", None)) { (count(data.now.at_risk)) } }
                        div.note { (money(data.now.at_risk_revenue)) " revenue" }
                    }
                }
                @if financial {
                    div.card.stat {
                        div.label { "Unprofitable customers" }
                        div.value { a href="/value" { (count(data.now.unprofitable)) } }
                        div.note { (money(data.now.unprofitable_revenue)) " revenue" }
                    }
                } @else if requesting {
                    div.card.stat {
                        div.label { "Your reference requests" }
                        div.value { a href="/references" { (own_requests.as_ref().map(|r| r.len()).unwrap_or(0)) } }
                        div.note { a href="/references/new" { "ask for a reference" } }
                    }
                } @else {
                    div.card.stat { div.label { "Contacts" } div.value { (count(counts.contacts)) } div.note { a href="/contacts" { "search contacts" } } }
                }
            }
            div.grid.two {
                (nps_card(&data))
                (coverage_card(&data))
            }
            @if let Some(requests) = &own_requests { (own_requests_card(requests)) }
            @if managing {
                div.grid.two {
                    (references_card(&data))
                    @if let Some(p) = &program { (fatigue_card(&p.0, p.1)) }
                }
            }
            @if let Some(rows) = &stage_balance { (super::events::stage_balance_card(rows)) }
            (super::voc::top_themes_card(&top_themes))
            @if !product {
                div.grid.two {
                    (risk_revenue_card(&data))
                    div.card {
                        h3 { "Accounts at risk, by revenue" }
                        table {
                            tbody {
                                @for a in &data.top_at_risk { tr {
                                    td { a href=(format!("/accounts/{}", a.id)) { (a.data.name) } br; span.small.muted { (a.data.at_risk_reason.as_deref().unwrap_or("")) } }
                                    td.num { (money(a.data.annual_revenue)) }
                                } }
                                @if data.top_at_risk.is_empty() { tr { td.muted { "No account is flagged at risk." } } }
                            }
                        }
                        p.small { a href="/accounts?at_risk=yes&sort=revenue&dir=desc" { "All at-risk accounts →" } }
                    }
                }
            }
            @if product {
                p.small { a href="/nps" { "NPS by segment and month →" } " · " a href="/scorecard" { "The scorecard →" } }
            }
        },
    ))
}

fn nps_card(data: &DashboardData) -> Markup {
    let trend = &data.nps_months;
    let labels: Vec<String> = trend.iter().map(|g| g.key.clone()).collect();
    let share = |count: fn(&peerstage_core::NpsSummary) -> u64| -> Vec<Option<f64>> {
        trend
            .iter()
            .map(|g| (g.summary.responses > 0).then(|| g.summary.share(count(&g.summary))))
            .collect()
    };
    html! {
        div.card {
            (line_chart("NPS, last 12 months", &labels, &[
                Series { name: "NPS", color: "#2f5bd3", values: trend.iter().map(|g| g.summary.nps).collect() },
                Series { name: "% promoters", color: "#1f8a4c", values: share(|s| s.promoters) },
                Series { name: "% detractors", color: "#c0392b", values: share(|s| s.detractors) },
            ], (-100.0, 100.0)))
            details { summary { "Numbers behind the chart" }
                div.table-wrap { table {
                    thead { tr { th { "Month" } th.num { "Responses" } th.num { "Promoters" } th.num { "Passives" } th.num { "Detractors" } th.num { "NPS" } } }
                    tbody { @for g in trend { tr {
                        td { (g.key) }
                        td.num { (count(g.summary.responses)) }
                        td.num { (count(g.summary.promoters)) }
                        td.num { (count(g.summary.passives)) }
                        td.num { (count(g.summary.detractors)) }
                        td.num { (nps_value(g.summary.nps)) }
                    } } }
                } }
            }
            p.small { a href="/nps" { "NPS by segment and month →" } }
        }
    }
}

fn coverage_card(data: &DashboardData) -> Markup {
    let months = &data.coverage_months;
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    html! {
        div.card {
            (column_chart("Customer accounts touched per month, %", &labels, &[
                Series { name: "% of customer accounts touched", color: "#2f5bd3", values: months.iter().map(|m| m.share.map(|s| s * 100.0)).collect() },
            ], false))
            details { summary { "Numbers behind the chart" }
                div.table-wrap { table {
                    thead { tr { th { "Month" } th.num { "Customer accounts" } th.num { "Touched" } th.num { "Share" } } }
                    tbody { @for m in months { tr {
                        td.month { (m.month) }
                        td.num { (m.customers) }
                        td.num { (m.touched) }
                        td.num { (share_text(m.share)) }
                    } } }
                } }
            }
            p.small { a href="/scorecard" { "Touchpoints per account and coverage per quarter →" } }
        }
    }
}

fn risk_revenue_card(data: &DashboardData) -> Markup {
    let rows: Vec<(String, Vec<f64>)> = data
        .revenue_by_segment
        .iter()
        .map(|s| {
            (
                s.segment
                    .map(|x| x.label())
                    .unwrap_or("No segment")
                    .to_string(),
                vec![
                    s.at_risk_revenue as f64,
                    (s.revenue - s.at_risk_revenue) as f64,
                ],
            )
        })
        .collect();
    html! {
        div.card {
            (stacked_bars("Revenue at risk, by segment", &rows, &[("At risk", "#c0392b"), ("Not at risk", "#9fb3e6")], false))
            details { summary { "Numbers behind the chart" }
                div.table-wrap { table {
                    thead { tr { th { "Segment" } th.num { "Customers" } th.num { "Revenue" } th.num { "At risk" } th.num { "Revenue at risk" } } }
                    tbody { @for s in &data.revenue_by_segment { tr {
                        td { (s.segment.map(|x| x.label()).unwrap_or("No segment")) }
                        td.num { (s.customers) }
                        td.num { (money(s.revenue)) }
                        td.num { a href=(accounts_link("at_risk=yes&lifecycle=customer", s.segment)) { (s.at_risk) } }
                        td.num { (money(s.at_risk_revenue)) }
                    } } }
                } }
            }
        }
    }
}

fn references_card(data: &DashboardData) -> Markup {
    let m = &data.reference_months;
    let labels: Vec<String> = m.iter().map(|x| x.month.clone()).collect();
    let series = |name: &'static str,
                  color: &'static str,
                  f: fn(&peerstage_store::MonthRequests) -> u64| Series {
        name,
        color,
        values: m.iter().map(|x| Some(f(x) as f64)).collect(),
    };
    html! {
        div.card {
            (column_chart("Reference requests per month, by status now", &labels, &[
                series("Open", "#2f5bd3", |x| x.open),
                series("Accepted", "#b7791f", |x| x.accepted),
                series("Completed", "#1f8a4c", |x| x.completed),
                series("Declined or cancelled", "#9aa3b2", |x| x.closed),
            ], true))
            details { summary { "Numbers behind the chart" }
                div.table-wrap { table {
                    thead { tr { th { "Month asked" } th.num { "Open" } th.num { "Accepted" } th.num { "Completed" } th.num { "Declined or cancelled" } th.num { "All" } } }
                    tbody { @for x in m { tr {
                        td.month { (x.month) }
                        td.num { (x.open) } td.num { (x.accepted) } td.num { (x.completed) } td.num { (x.closed) } td.num { (x.total()) }
                    } } }
                } }
            }
            p.small { a href="/references" { "All requests →" } " · " a href="/references/report" { "Program report →" } }
        }
    }
}

fn fatigue_card(p: &ProgramReport, limit: u32) -> Markup {
    let bars: Vec<(String, Vec<f64>)> = p
        .near_fatigue
        .iter()
        .take(10)
        .map(|a| (a.name.clone(), vec![a.recent as f64]))
        .collect();
    html! {
        div.card {
            h3 { "Advocates near fatigue" }
            p.small.muted { "Reference activities in the fatigue window; the limit is " (limit) ". Rest them, or ask someone else." }
            @if p.near_fatigue.is_empty() {
                p.muted { "Nobody is near the limit." }
            } @else {
                (stacked_bars("Recent reference activities per advocate", &bars, &[("Recent activities", "#b7791f")], false))
                div.table-wrap { table {
                    thead { tr { th { "Advocate" } th { "Account" } th.num { "Recent" } th.num { "All time" } } }
                    tbody { @for a in &p.near_fatigue { tr {
                        td { a href=(format!("/advocates/{}", a.id)) { (a.name) } }
                        td { (a.account_name) }
                        td.num { (a.recent) }
                        td.num { (count(a.total)) }
                    } } }
                } }
            }
        }
    }
}

fn own_requests_card(requests: &[ReferenceRequest]) -> Markup {
    use peerstage_core::reference::RequestStatus;
    let count =
        |f: &dyn Fn(RequestStatus) -> bool| requests.iter().filter(|r| f(r.status)).count() as f64;
    let rows = vec![(
        "Your requests".to_string(),
        vec![
            count(&|s| {
                matches!(
                    s,
                    RequestStatus::Requested | RequestStatus::Proposed | RequestStatus::Asked
                )
            }),
            count(&|s| s == RequestStatus::Accepted),
            count(&|s| s == RequestStatus::Completed),
            count(&|s| matches!(s, RequestStatus::Declined | RequestStatus::Cancelled)),
        ],
    )];
    html! {
        div.card {
            h3 { "Your reference requests" }
            @if requests.is_empty() {
                p.muted { "None yet. " a href="/references/new" { "Ask for a reference" } " for one of your deals." }
            } @else {
                (stacked_bars("Your reference requests by status", &rows, &[("Open", "#2f5bd3"), ("Accepted", "#b7791f"), ("Completed", "#1f8a4c"), ("Declined or cancelled", "#9aa3b2")], false))
                div.table-wrap { table {
                    thead { tr { th { "Prospect" } th { "Activity" } th { "Status" } th { "Advocate" } } }
                    tbody { @for r in requests.iter().take(8) { tr {
                        td { a href=(format!("/references/{}", r.id)) { (r.prospect_name) } }
                        td { (r.activity.label()) }
                        td { (r.status.label()) }
                        td { (r.advocate_name.as_deref().unwrap_or("")) }
                    } } }
                } }
                p.small { a href="/references" { "All your requests →" } }
            }
        }
    }
}
