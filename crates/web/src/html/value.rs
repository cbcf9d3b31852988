use super::layout::page;
use super::widgets::{count, money, no_rows, pager};
use crate::error::PageError;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::account::{margin_ratio, AccountQuery, AccountSort};

pub fn router() -> Router<AppState> {
    Router::new().route("/value", get(overview))
}

/// A6: margin per account and the unprofitable ones, worst first.
async fn overview(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadFinancials)?;
    let page_no: u32 = q.get("page").parse().unwrap_or(1);
    let query = AccountQuery {
        unprofitable: Some(true),
        sort: AccountSort::Margin,
        page: page_no,
        per_page: 50,
        ..Default::default()
    };
    let (summary, losers) = st
        .run(move |s| Ok((s.value_summary()?, s.list_accounts(&query)?)))
        .await?;
    let ratio = margin_ratio(summary.revenue, summary.margin)
        .map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into());
    Ok(page(
        "Value",
        "value",
        html! {
            div.page-head { div { h1 { "Value" } p.subtitle { "Margin = revenue − cost to serve − discount, per account." } } }
            div.grid {
                div.card.stat { div.label { "Revenue" } div.value { (money(summary.revenue)) } div.note { (count(summary.accounts)) " accounts, " (count(summary.customers)) " of them customers" } }
                div.card.stat { div.label { "Margin" } div.value { (money(summary.margin)) } div.note { (ratio) " of revenue" } }
                div.card.stat { div.label { "Unprofitable accounts" } div.value { (count(summary.unprofitable_accounts)) } div.note { (count(summary.unprofitable_customers)) " of them customers today · losing " (money(-summary.unprofitable_loss)) " on " (money(summary.unprofitable_revenue)) " revenue" } }
                div.card.stat { div.label { "At risk" } div.value { (count(summary.at_risk_accounts)) } div.note { (money(summary.at_risk_revenue)) " revenue" } }
            }
            h2 { "Unprofitable accounts" }
            p.muted { "For each: make it profitable (cost to serve, discount) or decide to let it go." }
            div.table-wrap { table {
                thead { tr { th { "Account" } th.num { "Revenue" } th.num { "Cost to serve" } th.num { "Discount" } th.num { "Margin" } th { "Status" } } }
                tbody {
                    @for a in &losers.items { tr {
                        td { a href=(format!("/accounts/{}", a.id)) { (a.data.name) } }
                        td.num { (money(a.data.annual_revenue)) }
                        td.num { (money(a.data.cost_to_serve)) }
                        td.num { (money(a.data.discount)) }
                        td.num { (money(a.margin)) }
                        td { @if a.data.at_risk { span.badge.bad { "At risk" } } }
                    } }
                    @if losers.items.is_empty() { (no_rows(6, losers.total, "No unprofitable accounts.")) }
                }
            } }
            (pager("/value", &q, "page", losers.page, losers.pages(), losers.total))
            p { a href="/accounts?sort=margin" { "All accounts by margin →" } }
        },
    ))
}
