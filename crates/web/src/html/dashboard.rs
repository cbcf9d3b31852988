use super::charts::{line_chart, Series};
use super::layout::page;
use super::widgets::{money, nps_value};
use crate::error::PageError;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::account::{AccountQuery, AccountSort};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(st): State<AppState>) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadCustomers)?;
    let today = chrono::Utc::now().date_naive();
    let at_risk = AccountQuery {
        at_risk: Some(true),
        sort: AccountSort::Revenue,
        descending: true,
        per_page: 8,
        ..Default::default()
    };
    let (counts, value, nps, trend, risky) = st
        .run(move |s| {
            Ok((
                s.counts()?,
                s.value_summary()?,
                s.nps_summary(None, None)?,
                s.nps_by_month(today, 12, None)?,
                s.list_accounts(&at_risk)?,
            ))
        })
        .await?;
    let labels: Vec<String> = trend.iter().map(|g| g.key.clone()).collect();
    Ok(page(
        "Dashboard",
        "dashboard",
        html! {
            div.page-head { div { h1 { "Dashboard" } p.subtitle { (counts.accounts) " accounts · " (counts.contacts) " contacts · " (counts.touchpoints) " touchpoints" } } }
            @if counts.accounts == 0 {
                div.card { h2 { "Welcome to peerstage" } p { "Start by " a href="/accounts/new" { "adding an account" } " or " a href="/transfer" { "importing a CSV export from your CRM" } ". To explore with a realistic demo company, run " code { "peerstage demo" } "." } }
            }
            div.grid {
                div.card.stat { div.label { "NPS" } div.value { (nps_value(nps.nps)) } div.note { (nps.responses) " responses" } }
                div.card.stat { div.label { "Revenue" } div.value { (money(value.revenue)) }
                    @if crate::auth::can(peerstage_core::Permission::ReadFinancials) { div.note { "margin " (money(value.margin)) } } }
                div.card.stat { div.label { "At risk" } div.value { (value.at_risk_accounts) } div.note { (money(value.at_risk_revenue)) " revenue" } }
                @if crate::auth::can(peerstage_core::Permission::ReadFinancials) {
                    div.card.stat { div.label { "Unprofitable" } div.value { (value.unprofitable_accounts) } div.note { a href="/value" { "see accounts" } } }
                } @else {
                    div.card.stat { div.label { "Contacts" } div.value { (counts.contacts) } div.note { a href="/contacts" { "search contacts" } } }
                }
            }
            div.grid.two {
                div.card {
                    (line_chart("NPS, last 12 months", &labels, &[Series { name: "NPS", color: "#2f5bd3", values: trend.iter().map(|g| g.summary.nps).collect() }], (-100.0, 100.0)))
                    details { summary { "Numbers behind the chart" }
                        div.table-wrap { table {
                            thead { tr { th { "Month" } th.num { "Responses" } th.num { "Promoters" } th.num { "Passives" } th.num { "Detractors" } th.num { "NPS" } } }
                            tbody { @for g in &trend { tr {
                                td { (g.key) }
                                td.num { (g.summary.responses) }
                                td.num { (g.summary.promoters) }
                                td.num { (g.summary.passives) }
                                td.num { (g.summary.detractors) }
                                td.num { (nps_value(g.summary.nps)) }
                            } } }
                        } }
                    }
                    p.small { a href="/nps" { "NPS by segment and month →" } }
                }
                div.card {
                    h3 { "Accounts at risk, by revenue" }
                    table {
                        tbody {
                            @for a in &risky.items { tr {
                                td { a href=(format!("/accounts/{}", a.id)) { (a.data.name) } br; span.small.muted { (a.data.at_risk_reason.as_deref().unwrap_or("")) } }
                                td.num { (money(a.data.annual_revenue)) }
                            } }
                            @if risky.items.is_empty() { tr { td.muted { "No account is flagged at risk." } } }
                        }
                    }
                    p.small { a href="/accounts?at_risk=yes&sort=revenue&dir=desc" { "All at-risk accounts →" } }
                }
            }
        },
    ))
}
