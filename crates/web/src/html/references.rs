//! Reference requests (B3) and the program report (B4). Reps create requests and see
//! candidates themselves; managers see every request and move them along.

use super::charts::bar_chart;
use super::layout::{notice, page};
use super::widgets::{count, enum_options, error_summary, input, money};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, current, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::reference::{
    reference_activities, DealOutcome, MatchResult, NewRequest, RequestStatus, Seniority, SizeBand,
};
use peerstage_core::{parse, ContactRole, FieldErrors, Fields, Permission, Region};
use peerstage_store::{ReferenceRequest, RequestFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/references", get(list).post(create))
        .route("/references/new", get(new_form))
        .route("/references/report", get(report))
        .route("/references/{id}", get(show))
        .route("/references/{id}/status", post(advance))
        .route("/references/{id}/outcome", post(outcome))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Reps see their own requests; managers see all.
fn may_see(r: &ReferenceRequest) -> bool {
    can(Permission::ManageAdvocates)
        || current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id))
}

fn status_badge(s: RequestStatus) -> Markup {
    let class = match s {
        RequestStatus::Completed | RequestStatus::Accepted => "badge good",
        RequestStatus::Declined | RequestStatus::Cancelled => "badge bad",
        _ => "badge",
    };
    html! { span class=(class) { (s.label()) } }
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::RequestReferences)?;
    let all = can(Permission::ManageAdvocates);
    let mut filter = RequestFilter {
        status: RequestStatus::parse(q.get("status")).ok(),
        ..Default::default()
    };
    if !all {
        filter.requested_by_user_id = current().map(|u| u.user.id);
    }
    let requests = st.run(move |s| s.list_requests(&filter)).await?;
    let statuses = enum_options(
        RequestStatus::ALL,
        RequestStatus::as_str,
        RequestStatus::label,
    );
    Ok(page(
        "Reference requests",
        "references",
        html! {
            div.page-head {
                div { h1 { "Reference requests" } p.subtitle { @if all { "All requests" } @else { "Your requests" } " · " (count(requests.len())) } }
                div.actions {
                    a.btn href="/references/new" { "Ask for a reference" }
                    @if all { a.btn.secondary href="/references/ops" { "Operations" } a.btn.secondary href="/references/report" { "Program report" } }
                }
            }
            (notice(q.get("notice")))
            form.filters method="get" action="/references" {
                label { "Status" select name="status" {
                    option value="" { "Any" }
                    @for (v, l) in &statuses { option value=(v) selected[q.get("status") == v] { (l) } }
                } }
                button type="submit" { "Filter" }
            }
            div.table-wrap { table {
                thead { tr { th { "#" } th { "Prospect" } th { "Activity" } th { "Needed by" } th.num { "Deal" } th { "Status" } th { "Advocate" } th.hide-narrow { "Asked by" } } }
                tbody {
                    @for r in &requests { tr {
                        td { a href=(format!("/references/{}", r.id)) { (r.id) } }
                        td { a href=(format!("/references/{}", r.id)) { (r.prospect_name) } br; span.small.muted { (r.criteria.describe()) } }
                        td { (r.activity.label()) }
                        td.nowrap { (super::widgets::date(r.needed_by)) }
                        td.num { (money(r.deal_value)) }
                        td { (status_badge(r.status)) @if r.outcome != DealOutcome::Open { " " span.badge { (r.outcome.label()) } } }
                        td { (r.advocate_name.as_deref().unwrap_or("")) }
                        td.hide-narrow { (r.requested_by) }
                    } }
                    @if requests.is_empty() { tr { td colspan="8" .muted { "No requests yet. Ask for a reference for one of your deals." } } }
                }
            } }
        },
    ))
}

fn request_form(f: &Fields, e: &FieldErrors) -> Markup {
    let acts: Vec<(String, String)> = reference_activities()
        .iter()
        .map(|o| (o.as_str().to_string(), o.label().to_string()))
        .collect();
    let crit = |name: &str, label: &str, control: Markup| {
        let req = format!("{name}_required");
        html! {
            div.field.has-error[e.get(name).is_some()] {
                label for=(format!("f-{name}")) { (label) }
                (control)
                label.small { input type="checkbox" name=(req) value="yes" checked[parse::bool_or(f.get(&req), false).unwrap_or(false)]; " required" }
                @if let Some(err) = e.get(name) { span.error { (label) " " (err) } }
            }
        }
    };
    let select = |name: &str, opts: Vec<(String, String)>| {
        html! { select id=(format!("f-{name}")) name=(name) { option value="" { "—" } @for (v, l) in &opts { option value=(v) selected[f.get(name) == v] { (l) } } } }
    };
    let text = |name: &str, hint: &str| html! { input id=(format!("f-{name}")) name=(name) type="text" value=(f.get(name)) placeholder=(hint); };
    page(
        "Ask for a reference",
        "references",
        html! {
            p.subtitle { a href="/references" { "← Reference requests" } }
            h1 { "Ask for a reference" }
            p.muted { "Describe the prospect: buyers want a peer with an equivalent vantage point, not just the same industry. Mark what must match; the rest only ranks." }
            (error_summary(e))
            div.card {
                form.stacked method="post" action="/references" novalidate {
                    (csrf_field())
                    (input("prospect_name", "Prospect").hint("Company name (or give its account id)").text(f, e))
                    (input("prospect_account_id", "Prospect account id").kind("number").text(f, e))
                    (input("activity", "Activity").required().select(f, e, &acts))
                    (input("deal_value", "Deal value").text(f, e))
                    (input("needed_by", "Needed by").kind("date").text(f, e))
                    (crit("industry", "Industry", text("industry", "e.g. Healthcare")))
                    (crit("region", "Region", select("region", enum_options(Region::ALL, Region::as_str, Region::label))))
                    (crit("country", "Country", text("country", "")))
                    (crit("size", "Company size", select("size", enum_options(SizeBand::ALL, SizeBand::as_str, SizeBand::label))))
                    (crit("products", "Products", text("products", "separate with ;")))
                    (crit("topics", "Topics / use case", text("topics", "separate with ;")))
                    (crit("persona_role", "Prospect contact's role", select("persona_role", enum_options(ContactRole::ALL, ContactRole::as_str, ContactRole::label))))
                    (crit("seniority", "Prospect contact's seniority", select("seniority", enum_options(Seniority::ALL, Seniority::as_str, Seniority::label))))
                    (crit("language", "Language", text("language", "e.g. German")))
                    (crit("competitor_replaced", "Competitor replaced", text("competitor_replaced", "the product the advocate's company switched from")))
                    (input("notes", "Notes").wide().textarea(f, e))
                    div.form-actions { button type="submit" { "Create request and find advocates" } }
                }
            }
        },
    )
}

async fn new_form(Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::RequestReferences)?;
    let mut f = Fields::from_pairs([("activity", "reference_call"), ("industry_required", "yes")]);
    if !q.get("prospect_account_id").is_empty() {
        f.set("prospect_account_id", q.get("prospect_account_id"));
    }
    Ok(request_form(&f, &FieldErrors::new()))
}

async fn create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::RequestReferences)?;
    let req = match NewRequest::from_fields(&f) {
        Ok(r) => r,
        Err(e) => return Ok(invalid(request_form(&f, &e))),
    };
    match st.run(move |s| s.create_request(&req)).await {
        Ok(r) => Ok(redirect(format!("/references/{}?notice=created", r.id))),
        Err(e) => Ok(invalid(request_form(&f, &form_errors(e)?))),
    }
}

async fn load(st: &AppState, id: i64) -> Result<(ReferenceRequest, MatchResult), PageError> {
    let (r, m) = st
        .run(move |s| Ok((s.get_request(id)?, s.match_request(id, today(), 10)?)))
        .await?;
    if !may_see(&r) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "This request belongs to another rep; your role does not allow you to see it.",
        ));
    }
    Ok((r, m))
}

/// A request's page with `after` (the feedback section, built for this request) under it.
pub(crate) async fn render(
    st: &AppState,
    id: i64,
    after: impl FnOnce(&ReferenceRequest) -> Markup,
) -> Result<Markup, PageError> {
    let (r, m) = load(st, id).await?;
    let after = after(&r);
    Ok(page(
        &format!("Request #{}", r.id),
        "references",
        show_page(&r, &m, "", &FieldErrors::new(), after),
    ))
}

fn no_extra(r: &ReferenceRequest) -> Markup {
    super::refops::after_section(r, &Fields::new(), &FieldErrors::new(), None)
}

fn show_page(
    r: &ReferenceRequest,
    m: &MatchResult,
    notice_key: &str,
    e: &FieldErrors,
    after: Markup,
) -> Markup {
    let manage = can(Permission::ManageAdvocates);
    let owner = current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id));
    let open = !matches!(
        r.status,
        RequestStatus::Completed | RequestStatus::Cancelled
    );
    let step_form = |to: RequestStatus, label: &str, contact: Option<i64>, class: &str| {
        html! {
            form.inline method="post" action=(format!("/references/{}/status", r.id)) {
                (csrf_field())
                input type="hidden" name="status" value=(to.as_str());
                @if let Some(c) = contact { input type="hidden" name="contact_id" value=(c); }
                @else { input type="text" name="note" placeholder="Note (optional)" aria-label=(format!("Note for {label}")) size="18"; " " }
                button class=(class) type="submit" { (label) }
            }
        }
    };
    html! {
        p.subtitle { a href="/references" { "← Reference requests" } }
        div.page-head {
            div {
                h1 { (r.activity.label()) " for " (r.prospect_name) }
                p.subtitle { "Request #" (r.id) " by " (r.requested_by) " · " (status_badge(r.status)) " · deal " (money(r.deal_value)) @if let Some(d) = r.needed_by { " · needed by " (d.format("%Y-%m-%d").to_string()) } }
            }
        }
        (notice(notice_key))
        (error_summary(e))
        div.card {
            dl.facts {
                dt { "Looking for" } dd { (r.criteria.describe()) }
                dt { "Advocate" } dd { (r.advocate_name.as_deref().unwrap_or("not chosen yet")) }
                dt { "Outcome" } dd { (r.outcome.label()) @if r.revenue_influenced > 0 { " · revenue influenced " (money(r.revenue_influenced)) } }
                @if let Some(n) = &r.notes { dt { "Notes" } dd { (n) } }
            }
            @if manage && open {
                div.actions {
                    @match r.status {
                        RequestStatus::Proposed => { (step_form(RequestStatus::Asked, "Mark asked", None, "")) }
                        RequestStatus::Asked => { (step_form(RequestStatus::Accepted, "Advocate accepted", None, "")) (step_form(RequestStatus::Declined, "Advocate declined", None, "secondary")) }
                        RequestStatus::Accepted => { (step_form(RequestStatus::Completed, "Mark completed", None, "")) }
                        _ => {}
                    }
                    (step_form(RequestStatus::Cancelled, "Cancel request", None, "danger"))
                }
            } @else if owner && open {
                div.actions { (step_form(RequestStatus::Cancelled, "Cancel request", None, "danger")) }
            }
            @if manage || owner {
                form.inline method="post" action=(format!("/references/{}/outcome", r.id)) {
                    (csrf_field())
                    label { "Deal outcome " select name="outcome" { @for o in DealOutcome::ALL { option value=(o.as_str()) selected[*o == r.outcome] { (o.label()) } } } }
                    " "
                    label { "Revenue influenced " input type="text" name="revenue_influenced" value=(r.revenue_influenced) size="10"; }
                    " " button.secondary type="submit" { "Save outcome" }
                }
            }
        }
        (after)
        h2 { "Candidates" }
        @if m.candidates.is_empty() {
            div.notice.error {
                "No advocate fits every required criterion and the program's rules."
                @if !m.blocked_by.is_empty() { " Blocked by:" ul { @for b in &m.blocked_by { li { (b) } } } }
            }
            @if !m.loosened.is_empty() {
                h3 { "With one criterion loosened" }
                @for l in &m.loosened {
                    div.card {
                        strong { (l.summary()) }
                        ul.small { @for c in &l.best { li { a href=(format!("/advocates/{}", c.contact_id)) { (c.contact_name) } " (" (c.account_name) ") · score " (format!("{:.1}", c.score)) } } }
                    }
                }
            }
        }
        div.table-wrap { table {
            thead { tr { th { "Advocate" } th { "Account" } th.num { "Score" } th { "Why" } th {} } }
            tbody {
                @for c in &m.candidates { tr {
                    td { a href=(format!("/advocates/{}", c.contact_id)) { (c.contact_name) } br; span.small.muted { (c.title.as_deref().unwrap_or("")) } @if c.consent_expired { " " span.badge.warn { "Consent expired: ask first" } } @else if c.ask_first { " " span.badge.warn { "Ask first" } } @if !c.busy_on.is_empty() { " " span.badge.bad title=(c.busy_on.iter().map(|x| format!("#{x}")).collect::<Vec<_>>().join(", ")) { "Busy on another request" } } }
                    td { (c.account_name) }
                    td.num { (format!("{:.1}", c.score)) }
                    td.small { ul { @for reason in &c.reasons { li { (reason) } } } }
                    td { @if manage && matches!(r.status, RequestStatus::Requested | RequestStatus::Proposed | RequestStatus::Declined) { (step_form(RequestStatus::Proposed, "Propose", Some(c.contact_id), "secondary")) } }
                } }
            }
        } }
        @if !m.excluded.is_empty() {
            h3 { "Left out" }
            div.table-wrap { table.small {
                thead { tr { th { "Contact" } th { "Account" } th { "Why" } } }
                tbody { @for x in &m.excluded { tr { td { (x.contact_name) } td { (x.account_name) } td { (x.reasons.join("; ")) } } } }
            } }
        }
        h2 { "Timeline" }
        ol {
            @for s in &r.steps {
                li { strong { (s.status.label()) } " · " (s.at.format("%Y-%m-%d %H:%M").to_string()) " · " (s.actor)
                    @if let Some(n) = &s.contact_name { " · " (n) }
                    @if let Some(n) = &s.note { " — " (n) } }
            }
        }
    }
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::RequestReferences)?;
    let (r, m) = load(&st, id_of(&id)?).await?;
    Ok(page(
        &format!("Request #{}", r.id),
        "references",
        show_page(&r, &m, q.get("notice"), &FieldErrors::new(), no_extra(&r)),
    ))
}

async fn advance(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    let to = RequestStatus::parse(f.get("status")).map_err(PageError::bad_request)?;
    let (r, _) = load(&st, id).await?;
    let owner_cancelling = to == RequestStatus::Cancelled
        && current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id));
    if !can(Permission::ManageAdvocates) && !owner_cancelling {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Only the advocacy manager moves requests along; you can cancel your own.",
        ));
    }
    let contact = parse::optional_int(f.get("contact_id"), 1, i64::MAX)
        .ok()
        .flatten();
    let note = parse::optional_text(f.get("note"), 2000).ok().flatten();
    match st
        .run(move |s| s.advance_request(id, to, contact, note, today()))
        .await
    {
        Ok(_) => Ok(redirect(format!("/references/{id}?notice=updated"))),
        Err(e) => {
            let e = form_errors(e)?;
            let (r, m) = load(&st, id).await?;
            let after = no_extra(&r);
            Ok(invalid(page(
                &format!("Request #{id}"),
                "references",
                show_page(&r, &m, "", &e, after),
            )))
        }
    }
}

async fn outcome(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    let (r, m) = load(&st, id).await?;
    let mut e = FieldErrors::new();
    let o = e.check("outcome", DealOutcome::parse(f.get("outcome")));
    let rev = e
        .check(
            "revenue_influenced",
            parse::optional_money(f.get("revenue_influenced")),
        )
        .flatten()
        .unwrap_or(0);
    match o {
        Some(o) if e.is_empty() => {
            st.run(move |s| s.set_request_outcome(id, o, rev)).await?;
            Ok(redirect(format!("/references/{id}?notice=updated")))
        }
        _ => Ok(invalid(page(
            &format!("Request #{id}"),
            "references",
            show_page(&r, &m, "", &e, no_extra(&r)),
        ))),
    }
}

async fn report(State(st): State<AppState>) -> Result<Markup, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let rep = st.run(|s| s.program_report(today())).await?;
    let rate = |r: Option<f64>| r.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "—".into());
    let bars: Vec<(String, f64)> = rep
        .per_advocate
        .iter()
        .take(12)
        .map(|a| (a.name.clone(), a.total as f64))
        .collect();
    Ok(page(
        "Program report",
        "references",
        html! {
            p.subtitle { a href="/references" { "← Reference requests" } }
            h1 { "Reference program" }
            div.grid {
                div.card.stat { div.label { "Requests" } div.value { (count(rep.requests)) } div.note { (count(rep.completed)) " completed" } }
                div.card.stat { div.label { "Influenced pipeline" } div.value { (money(rep.influenced_pipeline)) } div.note { "open deals with an advocate" } }
                div.card.stat { div.label { "Won revenue" } div.value { (money(rep.won_revenue)) } div.note { "with a completed reference" } }
                div.card.stat { div.label { "Win rate" } div.value { (rate(rep.win_rate_with())) } div.note { "with a reference · " (rate(rep.win_rate_without())) " without" } }
                div.card.stat { div.label { "Confirmed activities" } div.value { (rep.confirmed) } div.note { (rep.unconfirmed) " completed but unconfirmed · " (money(rep.won_revenue_confirmed)) " won with confirmed ones" } }
            }
            div.grid.two {
                div.card {
                    (bar_chart("Reference activities per advocate", &bars, "#2f5bd3"))
                    details { summary { "Numbers behind the chart" }
                        table.small { thead { tr { th { "Advocate" } th { "Account" } th.num { "All" } th.num { "Last 90 days" } } }
                            tbody { @for a in &rep.per_advocate { tr { td { a href=(format!("/advocates/{}", a.id)) { (a.name) } } td { (a.account_name) } td.num { (a.total) } td.num { (a.recent) } } } } }
                    }
                }
                div.card {
                    h3 { "Near the fatigue limit" }
                    @if rep.near_fatigue.is_empty() { p.muted { "Nobody is close to the limit." } }
                    ul { @for a in &rep.near_fatigue { li { a href=(format!("/advocates/{}", a.id)) { (a.name) } " (" (a.account_name) "): " (a.recent) " in the window" } } }
                    h3 { "Activity per account" }
                    table.small { tbody { @for a in rep.per_account.iter().take(10) { tr { td { (a.name) } td.num { (a.total) } } } } }
                }
            }
            h2 { "Gaps: requests that found nobody" }
            p.muted { "What the program lacks: recruit advocates who fit these." }
            div.table-wrap { table {
                thead { tr { th { "Request" } th { "Activity" } th { "Looking for" } } }
                tbody {
                    @for g in &rep.gaps { tr { td { a href=(format!("/references/{}", g.request_id)) { "#" (g.request_id) " " (g.prospect_name) } } td { (g.activity.label()) } td { (g.criteria) } } }
                    @if rep.gaps.is_empty() { tr { td colspan="3" .muted { "Every matched request found candidates." } } }
                }
            } }
        },
    ))
}
