//! Running the reference program day to day: the program manager's operations queue, consent
//! per activity type and consents about to expire, nominations, feedback after an activity
//! (the rep's form, one-time links for advocates that need no sign-in) and confirmation.

use super::layout::{bare_page, page};
use super::widgets::{count, date, enum_options, error_summary, input, pager, sort_header};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, current, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::account::{Page, Paging};
use peerstage_core::refops::{
    ConsentActivity, ConsentData, ExpiringSort, FeedbackData, NewNomination, NominationSort,
    NominationStatus, OpsList, OpsSort, EXPIRING_DAYS,
};
use peerstage_core::{parse, FieldErrors, Fields, Permission, ReferenceConsent};
use peerstage_store::{
    ActivityConsent, ExpiringConsent, LinkState, NewLink, Nomination, NominationPage, OpsRequest,
    ReferenceRequest,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/references/ops", get(ops))
        .route("/consents", get(expiring))
        .route("/contacts/{id}/consents", get(consents).post(set_consent))
        .route("/contacts/{id}/consents/clear", post(clear_consent))
        .route("/nominations", get(nominations).post(nominate))
        .route("/nominations/{id}/status", post(advance_nomination))
        .route("/references/{id}/feedback", post(rep_feedback))
        .route("/references/{id}/feedback-link", post(feedback_link))
        .route("/references/{id}/confirm", post(confirm))
        .route("/feedback/{token}", get(public_form).post(public_submit))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn consent_badge(c: ReferenceConsent, expired: bool) -> Markup {
    let class = match c {
        _ if expired => "badge warn",
        ReferenceConsent::Yes => "badge good",
        ReferenceConsent::AskFirst => "badge warn",
        ReferenceConsent::No => "badge bad",
    };
    html! { span class=(class) { (c.label()) @if expired { " (expired)" } } }
}

fn message(text: &str) -> Markup {
    html! { div.notice.ok role="status" { (text) } }
}

// ---- the operations queue ----

/// `sorting`: the query, sort key and direction when the headers sort (one list on its own).
fn request_rows(
    rows: &[OpsRequest],
    days_label: &str,
    empty: &str,
    sorting: Sorting<'_>,
) -> Markup {
    let head = |key: OpsSort, label: &str, numeric: bool| match sorting {
        Some((q, current, desc)) => sort_header(
            "/references/ops",
            q,
            key.as_str(),
            label,
            current,
            desc,
            numeric,
        ),
        None => html! { th.num[numeric] { (label) } },
    };
    html! {
        div.table-wrap { table.small {
            thead { tr {
                (head(OpsSort::Request, "Request", false))
                (head(OpsSort::Activity, "Activity", false))
                (head(OpsSort::Status, "Status", false))
                (head(OpsSort::Advocate, "Advocate", false))
                (head(OpsSort::Needed, "Needed by", false))
                (head(OpsSort::Days, days_label, true))
                th.hide-narrow { "Asked by" }
            } }
            tbody {
                @for r in rows { tr {
                    td { a href=(format!("/references/{}", r.id)) { "#" (r.id) " " (r.prospect_name) } }
                    td { (r.activity) }
                    td { span.badge { (r.status.label()) } }
                    td { @if let (Some(id), Some(n)) = (r.advocate_contact_id, &r.advocate_name) { a href=(format!("/advocates/{id}")) { (n) } } }
                    td.nowrap { (date(r.needed_by)) }
                    td.num { @if r.days < 0 { span.badge.bad { (r.days.abs()) " overdue" } } @else { (r.days) } }
                    td.hide-narrow { (r.requested_by) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (empty) } } }
            }
        } }
    }
}

/// What each list of requests is called and says, as (days column, when empty).
fn ops_list_text(list: OpsList) -> (&'static str, &'static str) {
    match list {
        OpsList::Due => ("Days left", "Nothing is due in the next 72 hours."),
        OpsList::NoCandidate => ("Days open", "Every open request has candidates."),
        OpsList::Waiting => ("Days waiting", "Nobody has kept a request waiting."),
        OpsList::Unconfirmed => ("Days since", "Every completed activity is confirmed."),
    }
}

/// A list on the queue's overview (unsorted; its heading links to the full list).
fn overview_rows(rows: &[OpsRequest], total: u64, list: OpsList) -> Markup {
    let (days, empty) = ops_list_text(list);
    html! {
        (request_rows(rows, days, empty, None))
        @if total > rows.len() as u64 {
            p.small.muted {
                "The first " (count(rows.len())) " of " (count(total)) ". "
                a href=(format!("/references/ops?list={}", list.as_str())) { "Sort and page all " (count(total)) " →" }
            }
        }
    }
}

/// A list's heading on the queue, linking to the list on its own to sort and page.
fn ops_heading(list: OpsList, anchor: &str) -> Markup {
    html! {
        h2 id=(anchor) { (list.label()) " " a.small href=(format!("/references/ops?list={}", list.as_str())) { "sort and page all →" } }
    }
}

/// `/references/ops?list=…`: one list of requests, sorted by its headers and paged.
async fn ops_list(st: &AppState, list: OpsList, q: &Fields) -> Result<Markup, PageError> {
    let mut errors = FieldErrors::new();
    let paging = Paging::from_fields(q, &mut errors, OpsSort::parse);
    if !errors.is_empty() {
        return Err(PageError::bad_request(errors.to_string()));
    }
    let rows = st
        .run(move |s| s.ops_requests_page(list, today(), &paging))
        .await?;
    let sort = paging.sort.map(|s| s.as_str()).unwrap_or("");
    let (days_label, empty) = ops_list_text(list);
    Ok(page(
        list.label(),
        "references",
        html! {
            p.subtitle { a href="/references/ops" { "← Operations" } }
            div.page-head { div { h1 { (list.label()) } p.subtitle { (count(rows.total)) @if rows.total == 1 { " request · " } @else { " requests · " } (today().format("%Y-%m-%d").to_string()) } } }
            (request_rows(&rows.items, days_label, empty, Some((q, sort, paging.descending))))
            (pager("/references/ops", q, "page", rows.page, rows.pages(), rows.total))
        },
    ))
}

fn people(rows: &[peerstage_store::OpsAdvocate], empty: &str) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (empty) } }
        ul { @for a in rows.iter().take(50) { li { a href=(format!("/advocates/{}", a.contact_id)) { (a.name) } " (" (a.account_name) "): " (a.detail) } } }
        @if rows.len() > 50 { p.small.muted { "and " (rows.len() - 50) " more" } }
    }
}

async fn ops(State(st): State<AppState>, Query(query): Query) -> Result<Markup, PageError> {
    require_page(Permission::ManageAdvocates)?;
    if !query.get("list").is_empty() {
        let list = OpsList::parse(query.get("list"))
            .map_err(|e| PageError::bad_request(format!("list: {e}")))?;
        return ops_list(&st, list, &query).await;
    }
    let q = st.run(|s| s.ops_queue(today())).await?;
    let d = &q.data;
    let stat = |label: &str, n: u64, note: &str, anchor: &str| {
        html! { a.card.stat href=(format!("#{anchor}")) { div.label { (label) } div.value { (count(n)) } div.note { (note) } } }
    };
    Ok(page(
        "Reference operations",
        "references",
        html! {
            p.subtitle { a href="/references" { "← Reference requests" } }
            div.page-head {
                div { h1 { "Operations" } p.subtitle { "What needs the program manager today, " (today().format("%Y-%m-%d").to_string()) } }
                div.actions {
                    a.btn.secondary href="/nominations" { "Nominations" }
                    a.btn.secondary href="/consents" { "Expiring consents" }
                    a.btn.secondary href="/references/report" { "Program report" }
                }
            }
            div.grid {
                (stat("Due in 72 hours", q.due_soon_total, "or overdue", "due"))
                (stat("No candidate", q.no_candidate_total, "matching found nobody", "gaps"))
                (stat("Waiting on an advocate", q.waiting_total, &format!("asked more than {} days ago", q.ask_wait_days), "waiting"))
                (stat("Unconfirmed", q.unconfirmed_total, "completed, no feedback", "unconfirmed"))
                (stat("Stale nominations", q.stale_nominations.len() as u64, "untouched too long", "nominations"))
                (stat("Consents expiring", q.expiring_consents_total, "next 30 days or just expired", "consents"))
            }
            (ops_heading(OpsList::Due, "due"))
            (overview_rows(&q.due_soon, q.due_soon_total, OpsList::Due))
            (ops_heading(OpsList::NoCandidate, "gaps"))
            p.muted { "Open each to see which criterion blocked it and who would match if it were loosened." }
            (overview_rows(&q.no_candidate, q.no_candidate_total, OpsList::NoCandidate))
            (ops_heading(OpsList::Waiting, "waiting"))
            (overview_rows(&q.waiting, q.waiting_total, OpsList::Waiting))
            (ops_heading(OpsList::Unconfirmed, "unconfirmed"))
            p.muted { "A completed activity counts as confirmed with feedback from the rep or the advocate, or your confirmation." }
            (overview_rows(&q.unconfirmed, q.unconfirmed_total, OpsList::Unconfirmed))
            div.grid.two {
                div.card {
                    h3 { "Busy on another request" }
                    p.small.muted { "Named on a request that is asked or accepted; matching shows them as busy." }
                    (people(&q.busy, "Nobody is busy."))
                }
                div.card {
                    h3 { "Near the fatigue limit" }
                    (people(&q.near_fatigue, "Nobody is close to the limit."))
                }
            }
            h2 id="nominations" { "Nominations untouched too long" }
            @if q.stale_nominations.is_empty() { p.muted { "No nomination is waiting too long." } }
            @else { (nomination_table(&q.stale_nominations, false, None)) }
            h2 id="consents" { "Consents expiring" " " a.small href="/consents" { "sort and page all →" } }
            (expiring_table(&q.expiring_consents, None))
            @if q.expiring_consents_total > q.expiring_consents.len() as u64 {
                p.small.muted {
                    "The " (count(q.expiring_consents.len())) " expiring soonest of " (count(q.expiring_consents_total)) ". "
                    a href="/consents" { "Sort and page all " (count(q.expiring_consents_total)) " →" }
                }
            }
            h2 id="data" { "Data quality" }
            div.grid.two {
                div.card {
                    h3 { "Advocates with no activity type consented" }
                    (people(&d.advocates_without_consent, "Every advocate has consented to something."))
                    h3 { "Accounts with no industry or size (" (count(d.accounts_missing_total)) ")" }
                    @if d.accounts_missing_facts.is_empty() { p.muted { "Every customer account has both." } }
                    ul { @for a in &d.accounts_missing_facts { li { a href=(format!("/accounts/{}", a.account_id)) { (a.name) } ": no " (a.missing.join(", no ")) } } }
                }
                div.card {
                    h3 { "Contacts not touched in a year (" (count(d.untouched_total)) ")" }
                    @if d.untouched_contacts.is_empty() { p.muted { "Everyone was touched in the last year." } }
                    table.small { tbody { @for c in &d.untouched_contacts { tr {
                        td { a href=(format!("/contacts/{}", c.contact_id)) { (c.name) } }
                        td { (c.account_name) }
                        td.nowrap { @match c.last_touched { Some(d) => (d.format("%Y-%m-%d").to_string()), None => span.muted { "never" } } }
                    } } } }
                    @if d.untouched_total as usize > d.untouched_contacts.len() { p.small.muted { "The " (d.untouched_contacts.len()) " touched longest ago." } }
                }
            }
        },
    ))
}

// ---- consent ----

/// `sorting`: the query, sort key and direction when the headers sort (on /consents).
fn expiring_table(rows: &[ExpiringConsent], sorting: Sorting<'_>) -> Markup {
    let head = |key: ExpiringSort| match sorting {
        Some((q, current, desc)) => sort_header(
            "/consents",
            q,
            key.as_str(),
            key.label(),
            current,
            desc,
            false,
        ),
        None => html! { th { (key.label()) } },
    };
    html! {
        div.table-wrap { table.small {
            thead { tr { (head(ExpiringSort::Contact)) (head(ExpiringSort::Account)) (head(ExpiringSort::Activity)) (head(ExpiringSort::Consent)) (head(ExpiringSort::Expires)) th.num { "Days" } th.hide-narrow { "Recorded by" } } }
            tbody {
                @for c in rows { tr {
                    td { a href=(format!("/contacts/{}/consents", c.contact_id)) { (c.contact_name) } }
                    td { a href=(format!("/accounts/{}", c.account_id)) { (c.account_name) } }
                    td { (c.activity.label()) " " span.small.muted { (c.activity.kind_label()) } }
                    td { (consent_badge(c.consent, c.days_left < 0)) }
                    td.nowrap { (c.expires_on.format("%Y-%m-%d").to_string()) }
                    td.num { @if c.days_left < 0 { span.badge.warn { "expired " (c.days_left.abs()) " days ago" } } @else { (c.days_left) } }
                    td.hide-narrow { (c.recorded_by) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { "No consent expires soon." } } }
            }
        } }
    }
}

async fn expiring(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let days = match parse::optional_int(q.get("days"), 1, 365) {
        Ok(d) => d.unwrap_or(EXPIRING_DAYS),
        Err(e) => return Err(PageError::bad_request(format!("days: {e}"))),
    };
    let mut errors = FieldErrors::new();
    let paging = Paging::from_fields(&q, &mut errors, ExpiringSort::parse);
    if !errors.is_empty() {
        return Err(PageError::bad_request(errors.to_string()));
    }
    let rows: Page<ExpiringConsent> = st
        .run(move |s| s.expiring_consents_page(today(), days, &paging))
        .await?;
    // Without a sort the store lists the soonest expiry first.
    let sort = paging.sort.unwrap_or(ExpiringSort::Expires).as_str();
    Ok(page(
        "Expiring consents",
        "advocates",
        html! {
            p.subtitle { a href="/advocates" { "← Advocates" } }
            h1 { "Consents expiring" }
            p.muted { "Consent per activity type that ends in the next " (days) " days, and consent that ended in the last " (days) ". Expired consent counts as \"ask first\" in matching: renew it with the customer." }
            form.filters method="get" action="/consents" {
                label { "Days ahead " input type="number" name="days" min="1" max="365" value=(days); }
                @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
                @if !q.get("dir").is_empty() { input type="hidden" name="dir" value=(q.get("dir")); }
                button type="submit" { "Show" }
            }
            (expiring_table(&rows.items, Some((&q, sort, paging.descending))))
            (pager("/consents", &q, "page", rows.page, rows.pages(), rows.total))
        },
    )
    .into_response())
}

fn consents_page(
    contact_id: i64,
    name: &str,
    rows: &[ActivityConsent],
    f: &Fields,
    e: &FieldErrors,
    notice: &str,
) -> Markup {
    let manage = can(Permission::ManageConsent);
    let acts = enum_options(
        ConsentActivity::ALL,
        ConsentActivity::as_str,
        ConsentActivity::label,
    );
    let answers = enum_options(
        ReferenceConsent::ALL,
        ReferenceConsent::as_str,
        ReferenceConsent::label,
    );
    page(
        &format!("Consent of {name}"),
        "contacts",
        html! {
            p.subtitle { a href=(format!("/contacts/{contact_id}")) { "← " (name) } }
            h1 { "Consent per activity type" }
            @if !notice.is_empty() { (message(notice)) }
            (error_summary(e))
            p.muted { "A customer may allow live activities (calls, visits, speaking, interviews) and not published content (case study, video, review, logo, quote), or the other way round. An activity without a record of its own follows the contact's general reference consent. Expired consent counts as \"ask first\"." }
            div.table-wrap { table {
                thead { tr { th { "Activity" } th { "Kind" } th { "Applies today" } th { "Given" } th { "Expires" } th { "Recorded by" } th { "Note" } @if manage { th {} } } }
                tbody { @for r in rows { tr {
                    td { (r.activity.label()) }
                    td.small { (r.kind) }
                    td { (consent_badge(r.effective, r.expired)) @if !r.recorded { " " span.small.muted { "general consent" } } }
                    td.nowrap { (date(r.given_on)) }
                    td.nowrap { (date(r.expires_on)) }
                    td.small { (r.recorded_by.as_deref().unwrap_or("")) }
                    td.small { (r.note.as_deref().unwrap_or("")) }
                    @if manage { td { @if r.recorded {
                        form.inline method="post" action=(format!("/contacts/{contact_id}/consents/clear")) {
                            (csrf_field())
                            input type="hidden" name="activity" value=(r.activity.as_str());
                            button.link type="submit" { "Use general consent" }
                        }
                    } } }
                } } }
            } }
            @if manage {
                h2 { "Record consent" }
                div.card {
                    form.stacked method="post" action=(format!("/contacts/{contact_id}/consents")) novalidate {
                        (csrf_field())
                        (input("activity", "Activity").required().select(f, e, &acts))
                        (input("consent", "Consent").required().select(f, e, &answers))
                        (input("given_on", "Given on").kind("date").hint("Default today").text(f, e))
                        (input("expires_on", "Expires on").kind("date").hint("Optional").text(f, e))
                        (input("note", "Note").hint("e.g. approved by their legal team").wide().text(f, e))
                        div.form-actions { button type="submit" { "Save consent" } }
                    }
                }
            } @else {
                p.small.muted { "Only advocacy managers and administrators may change consent." }
            }
        },
    )
}

async fn load_consents(
    st: &AppState,
    id: i64,
) -> Result<(String, Vec<ActivityConsent>), PageError> {
    Ok(st
        .run(move |s| {
            Ok((
                s.get_contact(id)?.data.name,
                s.contact_consents(id, today())?,
            ))
        })
        .await?)
}

async fn consents(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (name, rows) = load_consents(&st, id).await?;
    let notice = if q.get("notice") == "updated" {
        "Consent saved."
    } else {
        ""
    };
    Ok(consents_page(
        id,
        &name,
        &rows,
        &Fields::from_pairs([("consent", "yes")]),
        &FieldErrors::new(),
        notice,
    ))
}

async fn set_consent(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageConsent)?;
    let id = id_of(&id)?;
    let result = match ConsentData::from_fields(&f, today()) {
        Ok(d) => st.run(move |s| s.set_activity_consent(id, &d)).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(redirect(format!("/contacts/{id}/consents?notice=updated"))),
        Err(err) => {
            let e = form_errors(err)?;
            let (name, rows) = load_consents(&st, id).await?;
            Ok(invalid(consents_page(id, &name, &rows, &f, &e, "")))
        }
    }
}

async fn clear_consent(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageConsent)?;
    let id = id_of(&id)?;
    let a = ConsentActivity::parse(f.get("activity"))
        .map_err(|e| PageError::bad_request(format!("activity: {e}")))?;
    st.run(move |s| s.clear_activity_consent(id, a)).await?;
    Ok(redirect(format!("/contacts/{id}/consents?notice=updated")))
}

// ---- nominations ----

/// How a nominations table is sorted, when its headers sort (the query, key, descending).
type Sorting<'a> = Option<(&'a Fields, &'a str, bool)>;

fn nomination_table(rows: &[Nomination], actions: bool, sorting: Sorting<'_>) -> Markup {
    let manage = actions && can(Permission::ManageAdvocates);
    let head = |key: &str, label: &str, numeric: bool| match sorting {
        Some((q, current, desc)) => {
            sort_header("/nominations", q, key, label, current, desc, numeric)
        }
        None => html! { th.num[numeric] { (label) } },
    };
    html! {
        div.table-wrap { table {
            thead { tr { (head("contact", "Contact", false)) (head("account", "Account", false)) th { "Why" } (head("status", "Status", false)) (head("untouched", "Untouched", true)) th.hide-narrow { "By" } @if manage { th {} } } }
            tbody {
                @for n in rows { tr {
                    td { a href=(format!("/contacts/{}", n.contact_id)) { (n.contact_name) } }
                    td { a href=(format!("/accounts/{}", n.account_id)) { (n.account_name) } }
                    td { (n.reason) br; span.small.muted { (n.source.label()) } }
                    td { span.badge.good[n.status == NominationStatus::Active].bad[n.status == NominationStatus::Declined] { (n.status.label()) } }
                    td.num { (n.days_untouched) " d" @if n.stale { " " span.badge.warn { "stale" } } }
                    td.hide-narrow.small { (n.nominated_by) }
                    @if manage { td.nowrap {
                        @for to in NominationStatus::ALL.iter().filter(|t| n.status.can_move_to(**t)) {
                            form.inline method="post" action=(format!("/nominations/{}/status", n.id)) {
                                (csrf_field())
                                input type="hidden" name="status" value=(to.as_str());
                                button.secondary[*to != NominationStatus::Declined].danger[*to == NominationStatus::Declined] type="submit" { (to.label()) }
                            }
                            " "
                        }
                    } }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { "No nominations." } } }
            }
        } }
    }
}

/// `q` carries the list's filter, sort, direction and page (`status`, `sort`, `dir`, `page`);
/// `list` is the page the store found for them.
fn nominations_page(
    list: &NominationPage,
    paging: &Paging<NominationSort>,
    q: &Fields,
    f: &Fields,
    e: &FieldErrors,
    notice: &str,
) -> Markup {
    let rows = &list.page;
    let sort = paging.sort.map(|s| s.as_str()).unwrap_or("");
    let desc = paging.descending;
    let statuses = enum_options(
        NominationStatus::ALL,
        NominationStatus::as_str,
        NominationStatus::label,
    );
    page(
        "Nominations",
        "advocates",
        html! {
            p.subtitle { a href="/advocates" { "← Advocates" } }
            div.page-head {
                div { h1 { "Nominations" } p.subtitle { (count(rows.total)) @if rows.total == 1 { " nomination · " } @else { " nominations · " } (count(list.stale)) " untouched too long" } }
            }
            @if !notice.is_empty() { (message(notice)) }
            (error_summary(e))
            p.muted { "Anyone can nominate a customer contact as a potential advocate. NPS promoters (9–10) and contacts whose evidence is praise are proposed automatically when they have no advocate record yet. Nominations move nominated → contacted → recruited → active, or declined." }
            div.card {
                h3 { "Nominate someone" }
                form.stacked method="post" action="/nominations" novalidate {
                    (csrf_field())
                    (input("contact_id", "Contact id").kind("number").required().hint("From the contact's page").text(f, e))
                    (input("reason", "Why they would make a good advocate").required().wide().textarea(f, e))
                    div.form-actions { button type="submit" { "Nominate" } }
                }
            }
            form.filters method="get" action="/nominations" {
                label { "Status" select name="status" {
                    option value="" { "Any" }
                    @for (v, l) in &statuses { option value=(v) selected[f.get("filter") == v] { (l) } }
                } }
                @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
                @if !q.get("dir").is_empty() { input type="hidden" name="dir" value=(q.get("dir")); }
                button type="submit" { "Filter" }
            }
            (nomination_table(&rows.items, true, Some((q, sort, desc))))
            (pager("/nominations", q, "page", rows.page, rows.pages(), rows.total))
        },
    )
}

async fn nominations(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let status = match q.get("status") {
        "" => None,
        s => Some(
            NominationStatus::parse(s)
                .map_err(|e| PageError::bad_request(format!("status: {e}")))?,
        ),
    };
    let mut errors = FieldErrors::new();
    let paging = Paging::from_fields(&q, &mut errors, NominationSort::parse);
    if !errors.is_empty() {
        return Err(PageError::bad_request(errors.to_string()));
    }
    let list = st
        .run(move |s| s.list_nominations_page(status, today(), &paging))
        .await?;
    let f = Fields::from_pairs([
        ("contact_id", q.get("contact_id")),
        ("filter", q.get("status")),
    ]);
    let notice = match q.get("notice") {
        "created" => "Nominated. The advocacy manager will take it from here.",
        "updated" => "Saved.",
        _ => "",
    };
    Ok(nominations_page(
        &list,
        &paging,
        &q,
        &f,
        &FieldErrors::new(),
        notice,
    ))
}

/// The first page in the default order, for a form answered with errors.
async fn first_nominations(st: &AppState) -> Result<NominationPage, PageError> {
    Ok(st
        .run(|s| s.list_nominations_page(None, today(), &Paging::default()))
        .await?)
}

async fn nominate(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let result = match NewNomination::from_fields(&f) {
        Ok(n) => st.run(move |s| s.nominate(&n, today())).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(redirect("/nominations?notice=created".into())),
        Err(err) => {
            let e = form_errors(err)?;
            let list = first_nominations(&st).await?;
            Ok(invalid(nominations_page(
                &list,
                &Paging::default(),
                &Fields::new(),
                &f,
                &e,
                "",
            )))
        }
    }
}

async fn advance_nomination(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let to = NominationStatus::parse(f.get("status"))
        .map_err(|e| PageError::bad_request(format!("status: {e}")))?;
    let note = parse::optional_text(f.get("note"), 1000)
        .map_err(|e| PageError::bad_request(format!("note: {e}")))?;
    match st
        .run(move |s| s.advance_nomination(id, to, note, today()))
        .await
    {
        Ok(_) => Ok(redirect("/nominations?notice=updated".into())),
        Err(err) => {
            let e = form_errors(err)?;
            let list = first_nominations(&st).await?;
            Ok(invalid(nominations_page(
                &list,
                &Paging::default(),
                &Fields::new(),
                &Fields::new(),
                &e,
                "",
            )))
        }
    }
}

// ---- after the activity ----

/// The feedback section of a request's page: what each side said, the rep's form, the
/// manager's confirmation and one-time link. `link` is a link just made (shown once).
pub(crate) fn after_section(
    r: &ReferenceRequest,
    f: &Fields,
    e: &FieldErrors,
    link: Option<&NewLink>,
) -> Markup {
    use peerstage_core::reference::RequestStatus;
    if r.status != RequestStatus::Completed {
        return html! {};
    }
    let manage = can(Permission::ManageAdvocates);
    let owner = current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id));
    let yes_no = [
        ("yes".to_string(), "Yes".to_string()),
        ("no".to_string(), "No".to_string()),
    ];
    html! {
        h2 id="feedback" { "After the activity" }
        p {
            @if r.confirmed { span.badge.good { "Confirmed" } } @else { span.badge.warn { "Unconfirmed" } }
            " "
            span.muted { "An activity counts as confirmed with feedback from either side, or a manager's confirmation." }
            @if let (Some(by), Some(at)) = (&r.confirmed_by, &r.confirmed_at) { " Confirmed by " (by) " on " (at.format("%Y-%m-%d").to_string()) "." }
        }
        @if let Some(l) = link {
            div.notice.ok role="status" {
                strong { "One-time feedback link for " (r.advocate_name.as_deref().unwrap_or("the advocate")) ": " }
                code { (l.path) }
                p.small { "Send it to the advocate now: it is shown only once, works once, needs no sign-in and expires on " (l.expires_at.format("%Y-%m-%d").to_string()) ". Making a new one stops the old one." }
            }
        }
        div.grid.two {
            @for fb in &r.feedback {
                div.card {
                    h3 { (fb.side.label()) " feedback" }
                    dl.facts {
                        dt { @if fb.side == peerstage_core::refops::FeedbackSide::Rep { "Did it help?" } @else { "Worth their time?" } }
                        dd { @if fb.helped { span.badge.good { "Yes" } } @else { span.badge.bad { "No" } } }
                        @if let Some(q) = &fb.prospect_asked { dt { "Prospect asked about" } dd { (q) } }
                        @if let Some(c) = &fb.comments { dt { "Comments" } dd { (c) } }
                        @if let Some(w) = fb.would_repeat { dt { "Would do it again" } dd { @if w { "Yes" } @else { "No" } } }
                        dt { "From" } dd { (fb.author) " · " (fb.created_at.format("%Y-%m-%d").to_string()) }
                    }
                }
            }
        }
        div.grid.two {
            @if owner || manage {
                div.card {
                    h3 { "Rep feedback" }
                    form.stacked method="post" action=(format!("/references/{}/feedback", r.id)) novalidate {
                        (csrf_field())
                        (input("helped", "Did it help the deal?").required().select(f, e, &yes_no))
                        (input("prospect_asked", "What did the prospect ask?").wide().textarea(f, e))
                        (input("comments", "Anything else").wide().textarea(f, e))
                        div.form-actions { button type="submit" { "Save feedback" } }
                    }
                }
            }
            @if manage {
                div.card {
                    h3 { "Advocate feedback and confirmation" }
                    p.small.muted { "Make a one-time link for the advocate: a short form with no sign-in." }
                    form.inline method="post" action=(format!("/references/{}/feedback-link", r.id)) {
                        (csrf_field())
                        button.secondary type="submit" { "Make a feedback link" }
                    }
                    @if !r.confirmed {
                        p.small.muted { "Or confirm it happened yourself:" }
                        form.inline method="post" action=(format!("/references/{}/confirm", r.id)) {
                            (csrf_field())
                            button type="submit" { "Confirm it happened" }
                        }
                    }
                }
            }
        }
    }
}

async fn request_page(
    st: &AppState,
    id: i64,
    f: &Fields,
    e: &FieldErrors,
    link: Option<&NewLink>,
) -> Result<Markup, PageError> {
    super::references::render(st, id, after_section_owned(f, e, link)).await
}

/// `after_section` bound to its form values, for the request page to call with its request.
fn after_section_owned<'a>(
    f: &'a Fields,
    e: &'a FieldErrors,
    link: Option<&'a NewLink>,
) -> impl FnOnce(&ReferenceRequest) -> Markup + 'a {
    move |r| after_section(r, f, e, link)
}

async fn rep_feedback(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    let r = st.run(move |s| s.get_request(id)).await?;
    let owner = current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id));
    if !owner && !can(Permission::ManageAdvocates) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Only the rep who asked for this reference, or a manager, can leave rep feedback.",
        ));
    }
    let result = match FeedbackData::from_fields(&f) {
        Ok(d) => st.run(move |s| s.leave_rep_feedback(id, &d)).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(redirect(format!(
            "/references/{id}?notice=updated#feedback"
        ))),
        Err(err) => {
            let e = form_errors(err)?;
            Ok(invalid(request_page(&st, id, &f, &e, None).await?))
        }
    }
}

async fn feedback_link(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    match st.run(move |s| s.create_feedback_link(id)).await {
        Ok(link) => {
            let body =
                request_page(&st, id, &Fields::new(), &FieldErrors::new(), Some(&link)).await?;
            // The page holds a secret: keep it out of caches.
            Ok(([(header::CACHE_CONTROL, "no-store")], body).into_response())
        }
        Err(err) => {
            let e = form_errors(err)?;
            Ok(invalid(
                request_page(&st, id, &Fields::new(), &e, None).await?,
            ))
        }
    }
}

async fn confirm(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    match st.run(move |s| s.confirm_request(id)).await {
        Ok(()) => Ok(redirect(format!(
            "/references/{id}?notice=updated#feedback"
        ))),
        Err(err) => {
            let e = form_errors(err)?;
            Ok(invalid(
                request_page(&st, id, &Fields::new(), &e, None).await?,
            ))
        }
    }
}

// ---- the advocate's one-time form (no sign-in) ----

fn public_page(status: StatusCode, title: &str, body: Markup) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        bare_page(title, html! { div.card { (body) } }),
    )
        .into_response()
}

fn link_problem(state: &LinkState) -> Option<Response> {
    let (status, title, text) = match state {
        LinkState::Valid { .. } => return None,
        LinkState::Used => (
            StatusCode::GONE,
            "Already answered",
            "This feedback link has already been used: each link works once. Thank you — your answer was recorded.",
        ),
        LinkState::Expired => (
            StatusCode::GONE,
            "Link expired",
            "This feedback link has expired. If you still want to tell us how it went, ask your contact for a new link.",
        ),
        LinkState::Unknown => (
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This feedback link is not valid. Check that you copied the whole address.",
        ),
    };
    Some(public_page(
        status,
        title,
        html! { h1 { (title) } p { (text) } },
    ))
}

fn public_form_page(token: &str, state: &LinkState, f: &Fields, e: &FieldErrors) -> Response {
    let LinkState::Valid {
        activity,
        prospect_name,
        advocate_name,
        ..
    } = state
    else {
        return link_problem(state).expect("not valid");
    };
    let yes_no = [
        ("yes".to_string(), "Yes".to_string()),
        ("no".to_string(), "No".to_string()),
    ];
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    public_page(
        status,
        "How did it go?",
        html! {
            h1 { "How did it go?" }
            p { "Thank you, " (advocate_name) ", for the " (activity.to_lowercase()) " with " (prospect_name) ". Two minutes of your feedback helps us ask you only for what is worth your time." }
            (error_summary(e))
            form.stacked method="post" action=(format!("/feedback/{token}")) novalidate {
                (input("helped", "Was it worth your time?").required().select(f, e, &yes_no))
                (input("prospect_asked", "What did they ask you about?").wide().textarea(f, e))
                (input("would_repeat", "Would you do it again?").select(f, e, &yes_no))
                (input("comments", "Anything else we should know").wide().textarea(f, e))
                div.form-actions { button type="submit" { "Send feedback" } }
            }
            p.small.muted { "This link works once and needs no account." }
        },
    )
}

async fn public_form(
    State(st): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let t = token.clone();
    let state = st
        .run(move |s| s.feedback_link(&t, chrono::Utc::now()))
        .await?;
    Ok(public_form_page(
        &token,
        &state,
        &Fields::from_pairs([("helped", "yes")]),
        &FieldErrors::new(),
    ))
}

async fn public_submit(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    let d = match FeedbackData::from_fields(&f) {
        Ok(d) => d,
        Err(e) => {
            let t = token.clone();
            let state = st
                .run(move |s| s.feedback_link(&t, chrono::Utc::now()))
                .await?;
            return Ok(public_form_page(&token, &state, &f, &e));
        }
    };
    let t = token.clone();
    let state = st
        .run(move |s| s.submit_link_feedback(&t, &d, chrono::Utc::now()))
        .await?;
    if let Some(problem) = link_problem(&state) {
        return Ok(problem);
    }
    Ok(public_page(
        StatusCode::OK,
        "Thank you",
        html! { h1 { "Thank you" } p { "Your feedback was recorded. You can close this page." } },
    ))
}
