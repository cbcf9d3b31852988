//! Voice-of-customer evidence (C1): the list with filters, one item with why its kind and
//! level were suggested, and the forms to add and edit items.

use super::layout::{notice, page};
use super::widgets::{
    count, enum_options, error_summary, input, no_rows, pager, sort_header, with_params,
};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::account::Page;
use peerstage_core::evidence::{
    level_label, suggest, Evidence, EvidenceData, EvidenceKind, EvidenceQuery, EvidenceSource,
    LEVELS,
};
use peerstage_core::{FieldErrors, Fields, Permission};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evidence", get(list).post(create))
        .route("/evidence/new", get(new_form))
        .route("/evidence/{id}", get(show).post(update))
        .route("/evidence/{id}/delete", post(delete))
}

/// The tabs of the voice-of-customer section; each tab shows only when its page exists for
/// the user.
pub(crate) fn voc_subnav(active: &str) -> Markup {
    let tab = |key: &str, href: &str, label: &str| {
        html! { a href=(href) class=[(active == key).then_some("active")] { (label) } }
    };
    html! {
        nav.subnav aria-label="Voice of the customer" {
            (tab("evidence", "/evidence", "Evidence"))
            (tab("search", "/search", "Search"))
            (tab("themes", "/themes", "Themes"))
            (tab("language", "/language", "Customer language"))
            (tab("media", "/media", "Media"))
            (tab("sessions", "/strategy", "Sessions and actions"))
            (tab("questions", "/questions", "Question linter"))
        }
    }
}

pub(crate) fn kind_badge(kind: EvidenceKind) -> Markup {
    html! { span class=(format!("badge kind-{}", kind.as_str())) { (kind.label()) } }
}

pub(crate) fn level_badge(level: u8) -> Markup {
    html! { span.badge.level title=(level_label(level)) { "L" (level) } }
}

fn sentiment_cell(s: f64) -> Markup {
    let label = peerstage_core::sentiment::label(s);
    html! { span class=(format!("sentiment {label}")) title=(format!("{s:.2}")) { (label) } }
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

fn level_options() -> Vec<(String, String)> {
    LEVELS
        .iter()
        .map(|(l, label)| (l.to_string(), format!("{l} — {label}")))
        .collect()
}

fn kind_options() -> Vec<(String, String)> {
    enum_options(EvidenceKind::ALL, EvidenceKind::as_str, EvidenceKind::label)
}

/// The form's fields; kind and level may be left empty to take the suggestion.
fn form_fields(f: &Fields, e: &FieldErrors, editing_source: Option<&Evidence>) -> Markup {
    let follows = editing_source.is_some_and(|ev| {
        ev.touchpoint_id.is_some() || ev.nps_response_id.is_some() || ev.review_id.is_some()
    });
    html! {
        @if follows {
            p.muted.small { "This item follows its " (editing_source.map(|e| e.data.source.label().to_lowercase()).unwrap_or_default()) ": its text, date and customer change there. Kind, level and tags can be set here." }
            input type="hidden" name="text" value=(f.get("text"));
            input type="hidden" name="date" value=(f.get("date"));
        } @else {
            (input("text", "What the customer said").required().wide().textarea(f, e))
            (input("date", "Date").kind("date").required().text(f, e))
            (input("account_id", "Account id").hint("from the account's page address, /accounts/ID").text(f, e))
            (input("contact_id", "Contact id").hint("who said it; fills in the account").text(f, e))
            (input("source", "Source").select(f, e, &enum_options(EvidenceSource::ALL, EvidenceSource::as_str, EvidenceSource::label)))
        }
        (input("kind", "Kind").hint("leave empty to take the suggestion").select(f, e, &kind_options()))
        (input("level", "Research level").hint("leave empty to take the suggestion").select(f, e, &level_options()))
        (input("tags", "Tags").hint("separated by commas").text(f, e))
    }
}

fn list_page(
    q: &Fields,
    result: &Page<Evidence>,
    counts: &[(EvidenceKind, u64)],
    tags: &[(String, u64)],
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    let path = "/evidence";
    let sort = q.get("sort");
    let sort = if sort.is_empty() { "date" } else { sort };
    let desc = q.get("dir") != "asc";
    let pages = result.total.div_ceil(result.per_page as u64).max(1) as u32;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    page(
        "Evidence",
        "voice",
        html! {
            (voc_subnav("evidence"))
            div.page-head {
                div { h1 { "Evidence" } p.subtitle { "Everything customers said: notes, NPS comments, reviews, transcripts, event notes and pasted text" } }
                @if can(Permission::WriteEvidence) { a.btn href="/evidence/new" { "Add evidence" } }
            }
            (notice(notice_key))
            (error_summary(e))
            div.grid.compact {
                @for k in EvidenceKind::ALL {
                    @let n = counts.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n);
                    a.card.stat href=(with_params(path, q, &[("kind", k.as_str().to_string()), ("page", String::new())])) {
                        div.label { (k.label()) }
                        div.value { (count(n)) }
                        div.note { @if total > 0 { (format!("{:.0}%", n as f64 * 100.0 / total as f64)) " of all" } }
                    }
                }
            }
            form.filters method="get" action=(path) {
                (input("kind", "Kind").select(q, e, &kind_options()))
                (input("source", "Source").select(q, e, &enum_options(EvidenceSource::ALL, EvidenceSource::as_str, EvidenceSource::label)))
                (input("level", "Level").select(q, e, &level_options()))
                (input("tag", "Tag").select(q, e, &tags.iter().map(|(t, n)| (t.clone(), format!("{t} ({n})"))).collect::<Vec<_>>()))
                (input("from", "From").kind("date").text(q, e))
                (input("to", "To").kind("date").text(q, e))
                (input("account_id", "Account id").text(q, e))
                div.form-actions { button type="submit" { "Filter" } a href=(path) { "Clear" } }
            }
            div.table-wrap { table {
                thead { tr {
                    (sort_header(path, q, "date", "Date", sort, desc, false))
                    th { "What they said" }
                    (sort_header(path, q, "kind", "Kind", sort, desc, false))
                    (sort_header(path, q, "level", "Level", sort, desc, true))
                    (sort_header(path, q, "sentiment", "Sentiment", sort, desc, false))
                    (sort_header(path, q, "account", "Customer", sort, desc, false))
                    th.hide-narrow { "Source" }
                    th.hide-narrow { "Tags" }
                } }
                tbody {
                    @for ev in &result.items {
                        tr {
                            td.nowrap { (ev.data.occurred_on.format("%Y-%m-%d").to_string()) }
                            td { a href=(format!("/evidence/{}", ev.id)) { (excerpt(&ev.data.body, 160)) } }
                            td { (kind_badge(ev.data.kind)) @if ev.data.suggested { " " span.muted.small title="suggested by the rules; edit to confirm or change" { "suggested" } } }
                            td.num { (level_badge(ev.data.level)) }
                            td { (sentiment_cell(ev.sentiment)) }
                            td { @if let (Some(id), Some(name)) = (ev.data.account_id, &ev.account_name) { a href=(format!("/accounts/{id}")) { (name) } } @if let Some(c) = &ev.contact_name { br; span.small.muted { (c) } } }
                            td.hide-narrow { (ev.data.source.label()) }
                            td.hide-narrow { @for t in &ev.data.tags { a.tag href=(with_params(path, q, &[("tag", t.clone()), ("page", String::new())])) { (t) } " " } }
                        }
                    }
                    @if result.items.is_empty() { (no_rows(8, result.total, "No evidence matches. Notes on touchpoints, NPS comments and reviews become evidence by themselves; add or import more.")) }
                }
            } }
            (pager(path, q, "page", result.page, pages, result.total))
        },
    )
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (query, errors) = match EvidenceQuery::from_fields(&q) {
        Ok(query) => (query, FieldErrors::new()),
        Err(e) => (
            EvidenceQuery {
                page: 1,
                per_page: 50,
                descending: true,
                ..Default::default()
            },
            e,
        ),
    };
    let (result, counts, tags) = st
        .run(move |s| {
            Ok((
                s.list_evidence(&query)?,
                s.evidence_by_kind()?,
                s.evidence_tags()?,
            ))
        })
        .await?;
    let markup = list_page(&q, &result, &counts, &tags, &errors, q.get("notice"));
    Ok(if errors.is_empty() {
        axum::response::IntoResponse::into_response(markup)
    } else {
        invalid(markup)
    })
}

fn new_page(f: &Fields, e: &FieldErrors) -> Markup {
    page(
        "Add evidence",
        "voice",
        html! {
            (voc_subnav("evidence"))
            p.subtitle { a href="/evidence" { "← Evidence" } }
            h1 { "Add evidence" }
            p.muted { "Paste what a customer said or wrote, in their words. To bring in many items at once, use Import (CSV) with the kind \"evidence\", or " code { "peerstage import evidence FILE --map text=COLUMN" } "." }
            (error_summary(e))
            form.stacked.card method="post" action="/evidence" novalidate {
                (csrf_field())
                (form_fields(f, e, None))
                div.form-actions { button type="submit" { "Add" } }
            }
            (rules_help())
        },
    )
}

fn rules_help() -> Markup {
    html! {
        details.card {
            summary { "How kind and level are suggested" }
            p.small { "Kind: the first rule whose phrase occurs decides — existential threat (\"cancel\", \"switch to\", \"looking at alternatives\"…), why they bought (\"we chose\", \"what sold us\"…), recommendation (\"conference\", \"blog\", \"community\"…), wish (\"I wish\", \"would love\", \"please add\"…), problem (\"hard to\", \"can't\", \"slow\", \"broken\"…); otherwise praise when the sentiment is positive (negation counts: \"not easy\" is not praise), else language. Level: 5 lived as the customer (\"I spent a day\"…), 4 observed (\"we watched\", \"on site\"…, and transcripts of recordings), 1 confirming our idea (\"sounds good\"…), 2 asking for features (\"feature\", \"add a\", \"integration with\"… and wishes), else 3 the customer's problem or outcome. The full lists are in docs/VOC.md." }
        }
    }
}

async fn new_form(Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::WriteEvidence)?;
    let mut f = Fields::new();
    f.push("date", chrono::Utc::now().date_naive().to_string());
    f.push("source", "pasted");
    for key in ["account_id", "contact_id", "text"] {
        if !q.get(key).is_empty() {
            f.push(key, q.get(key));
        }
    }
    Ok(new_page(&f, &FieldErrors::new()))
}

async fn create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let errors = match EvidenceData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_evidence(&d)).await {
            Ok(ev) => return Ok(redirect(format!("/evidence/{}?notice=created", ev.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    Ok(invalid(new_page(&f, &errors)))
}

fn show_page(ev: &Evidence, f: &Fields, e: &FieldErrors, notice_key: &str) -> Markup {
    let s = suggest(&ev.data.body, ev.data.source);
    let follows =
        ev.touchpoint_id.is_some() || ev.nps_response_id.is_some() || ev.review_id.is_some();
    page(
        "Evidence",
        "voice",
        html! {
            (voc_subnav("evidence"))
            p.subtitle { a href="/evidence" { "← Evidence" } }
            (notice(notice_key))
            (error_summary(e))
            div.card {
                blockquote.quote { (ev.data.body) }
                p {
                    (kind_badge(ev.data.kind)) " " (level_badge(ev.data.level)) " " (level_label(ev.data.level)) " · " (sentiment_cell(ev.sentiment))
                }
                dl.facts {
                    dt { "Date" } dd { (ev.data.occurred_on.format("%Y-%m-%d").to_string()) }
                    dt { "Customer" } dd { @match (ev.data.account_id, &ev.account_name) { (Some(id), Some(n)) => { a href=(format!("/accounts/{id}")) { (n) } }, _ => { span.muted { "not linked to an account" } } } }
                    dt { "Who" } dd { @match (ev.data.contact_id, &ev.contact_name) { (Some(id), Some(n)) => { a href=(format!("/contacts/{id}")) { (n) } }, _ => { span.muted { "—" } } } }
                    dt { "Source" } dd {
                        (ev.data.source.label())
                        @if let (Some(_), Some(a)) = (ev.touchpoint_id, ev.data.account_id) { " · " a href=(format!("/accounts/{a}#touchpoints")) { "on the account's touchpoints" } }
                        @if let (Some(m), Some(t)) = (ev.data.media_id, &ev.media_title) {
                            " · " a href=(format!("/media/{m}{}", ev.data.media_start_ms.map(|ms| format!("#t={}", ms as f64 / 1000.0)).unwrap_or_default())) { (t) }
                        }
                    }
                    dt { "Tags" } dd { @for t in &ev.data.tags { a.tag href=(format!("/evidence?tag={t}")) { (t) } " " } @if ev.data.tags.is_empty() { span.muted { "none" } } }
                    dt { "Recorded by" } dd { (ev.created_by) }
                    dt { "Suggested" } dd {
                        (s.kind.label()) @if let Some(p) = s.kind_because { " (because of \"" (p) "\")" }
                        ", level " (s.level) @if let Some(p) = s.level_because { " (because of \"" (p) "\")" }
                        @if ev.data.suggested { " — in use" } @else { " — a person chose otherwise" }
                    }
                }
            }
            @if can(Permission::WriteEvidence) {
                details.card open[!e.is_empty()] {
                    summary { "Edit" }
                    form.stacked method="post" action=(format!("/evidence/{}", ev.id)) novalidate {
                        (csrf_field())
                        (form_fields(f, e, Some(ev)))
                        div.form-actions { button type="submit" { "Save" } }
                    }
                    @if !follows {
                        form.inline method="post" action=(format!("/evidence/{}/delete", ev.id)) onsubmit="return confirm('Delete this item?')" {
                            (csrf_field())
                            button.secondary type="submit" { "Delete" }
                        }
                    }
                }
            }
        },
    )
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let ev = st.run(move |s| s.get_evidence(id)).await?;
    let f = ev.data.to_fields();
    Ok(show_page(&ev, &f, &FieldErrors::new(), q.get("notice")))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    let errors = match EvidenceData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_evidence(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/evidence/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let ev = st.run(move |s| s.get_evidence(id)).await?;
    Ok(invalid(show_page(&ev, &f, &errors, "")))
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    match st.run(move |s| s.delete_evidence(id)).await {
        Ok(()) => Ok(redirect("/evidence?notice=deleted".into())),
        Err(peerstage_store::StoreError::Conflict { reason, .. }) => {
            let ev = st.run(move |s| s.get_evidence(id)).await?;
            Ok(invalid(show_page(
                &ev,
                &ev.data.to_fields(),
                &FieldErrors::single("source", reason),
                "",
            )))
        }
        Err(e) => Err(e.into()),
    }
}
