//! C2: the media library. Customer videos and audio (uploaded beside the database, or
//! linked), their consent, and transcripts split into evidence that jumps to its moment in
//! the player. Reading needs ReadCustomers; adding a recording or a transcript needs
//! WriteEvidence; consent, edits and deletion need ManageInsights.

use super::evidence::{kind_badge, voc_subnav};
use super::layout::{notice, page};
use super::widgets::{enum_options, error_summary, input, no_rows, pager, sort_header};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, csrf_token, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::media::{create, human_size, read_upload, transcript_of, Created, UploadError};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, PreEscaped};
use peerstage_core::account::{Page, Paging};
use peerstage_core::evidence::Evidence;
use peerstage_core::media::{Media, MediaConsent, MediaData, MediaKind, MediaSort};
use peerstage_core::transcript::{format_ms, fragment, TranscriptFormat};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::MediaQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/media",
            get(library).post(add).layer(DefaultBodyLimit::disable()),
        )
        .route("/media/{id}", get(show).post(update))
        .route("/media/{id}/file", get(file))
        .route(
            "/media/{id}/transcript",
            post(transcript).layer(DefaultBodyLimit::disable()),
        )
        .route("/media/{id}/delete", post(delete))
}

/// The consent badge, worded for what may be done with the recording.
pub(crate) fn consent_badge(c: MediaConsent) -> Markup {
    let (class, text) = match c {
        MediaConsent::External => ("badge good", "External use allowed"),
        MediaConsent::Internal => ("badge warn", "Internal use only"),
        MediaConsent::None => ("badge bad", "No consent: do not share"),
    };
    html! { span class=(class) title=(c.label()) { (text) } }
}

fn consent_notice(c: MediaConsent) -> Markup {
    html! {
        @match c {
            MediaConsent::External => div.notice.ok role="note" { "The customer agreed to external use: this recording may be shown to prospects and in public material." },
            MediaConsent::Internal => div.notice.warn role="note" { strong { "Internal use only." } " Show it to colleagues (strategy sessions, training) but never to prospects, partners or in public material." },
            MediaConsent::None => div.notice.error role="note" { strong { "No consent recorded." } " Do not share or show this recording, not even in a strategy session, until the customer's consent is recorded." },
        }
    }
}

fn duration(ms: Option<i64>) -> String {
    ms.map(format_ms).unwrap_or_default()
}

fn consent_options() -> Vec<(String, String)> {
    enum_options(MediaConsent::ALL, |c| c.as_str(), |c| c.label())
}

fn kind_options() -> Vec<(String, String)> {
    enum_options(MediaKind::ALL, |k| k.as_str(), |k| k.label())
}

fn format_options() -> Vec<(String, String)> {
    enum_options(TranscriptFormat::ALL, |k| k.as_str(), |k| k.label())
}

/// The details shared by the add and edit forms.
fn detail_fields(f: &Fields, e: &FieldErrors, consent: bool) -> Markup {
    html! {
        (input("title", "Title").required().hint("e.g. Acme: why they stayed").text(f, e))
        (input("kind", "Kind").hint("Left empty: from the file's type").select(f, e, &kind_options()))
        (input("account_id", "Account id").kind("number").text(f, e))
        (input("contact_id", "Contact id").kind("number").hint("Who speaks; their account is filled in").text(f, e))
        (input("recorded_on", "Recorded on").kind("date").text(f, e))
        (input("duration", "Duration").hint("12:30 or 1:02:03").text(f, e))
        (input("link", "Link").kind("url").hint("Where the recording lives, when it is not uploaded").text(f, e))
        @if consent {
            (input("consent", "Consent").select(f, e, &consent_options()))
        }
    }
}

fn transcript_fields(f: &Fields, e: &FieldErrors) -> Markup {
    html! {
        div.field.wide.has-error[e.get("transcript").is_some()] {
            label for="f-transcript_file" { "Transcript file" }
            input #f-transcript_file type="file" name="transcript_file" accept=".txt,.srt,.vtt,text/plain,text/vtt,application/x-subrip";
            span.hint { "Plain text (paragraphs, optionally starting with [00:01:23] and a speaker), SRT or WebVTT. Timestamps are kept; each part becomes evidence that links to its moment." }
        }
        (input("transcript", "…or paste the transcript").wide().textarea(f, e))
        (input("transcript_format", "Format").hint("Left empty: from the file name and content").select(f, e, &format_options()))
    }
}

fn library_page(
    items: &Page<Media>,
    paging: &Paging<MediaSort>,
    q: &Fields,
    f: &Fields,
    e: &FieldErrors,
    st: &AppState,
    message: Option<&str>,
) -> Markup {
    // Without a sort the store lists the latest recording first: show that on its header.
    let (sort, desc) = match paging.sort {
        Some(s) => (s.as_str(), paging.descending),
        None => (MediaSort::Recorded.as_str(), true),
    };
    let th = |key: MediaSort, numeric: bool| {
        sort_header("/media", q, key.as_str(), key.label(), sort, desc, numeric)
    };
    let limit = st.store.media_limit();
    let folder = st.store.media_dir();
    html! {
        (voc_subnav("media"))
        div.page-head { div {
            h1 { "Media library" }
            p.subtitle { "Customer videos and audio, with the consent they gave, and transcripts that become evidence linked to the moment it was said." }
        } }
        @if let Some(m) = message { div.notice.ok role="status" { (m) } }
        (notice(q.get("notice")))
        (error_summary(e))
        form.filters method="get" action="/media" {
            label { "Consent " select name="consent" {
                option value="" { "any" }
                @for c in MediaConsent::ALL { option value=(c.as_str()) selected[q.get("consent") == c.as_str()] { (c.label()) } }
            } }
            label { "Kind " select name="kind" {
                option value="" { "any" }
                @for k in MediaKind::ALL { option value=(k.as_str()) selected[q.get("kind") == k.as_str()] { (k.label()) } }
            } }
            @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
            @if !q.get("dir").is_empty() { input type="hidden" name="dir" value=(q.get("dir")); }
            button.secondary type="submit" { "Filter" }
        }
        div.card {
            @if items.items.is_empty() && items.total == 0 {
                @if q.get("consent").is_empty() && q.get("kind").is_empty() {
                    p.muted { "No recordings yet." }
                } @else {
                    p.muted { "No recordings match these filters. " a href="/media" { "Show all" } }
                }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        (th(MediaSort::Title, false))
                        (th(MediaSort::Customer, false))
                        (th(MediaSort::Kind, false))
                        (th(MediaSort::Recorded, false))
                        (th(MediaSort::Duration, true))
                        (th(MediaSort::Consent, false))
                        (th(MediaSort::Items, true))
                    } }
                    tbody { @for m in &items.items { tr {
                        td { a href=(format!("/media/{}", m.id)) { (m.data.title) } }
                        td { @if let (Some(a), Some(n)) = (m.data.account_id, &m.account_name) { a href=(format!("/accounts/{a}")) { (n) } } @if let Some(c) = &m.contact_name { br; span.small.muted { (c) } } }
                        td { (m.data.kind.label()) @if m.file_name.is_none() { " " span.small.muted { "(link)" } } }
                        td.nowrap { (m.data.recorded_on.map(|d| d.to_string()).unwrap_or_default()) }
                        td.num { (duration(m.data.duration_ms)) }
                        td { (consent_badge(m.data.consent)) }
                        td.num { (m.evidence_count) }
                    } }
                    @if items.items.is_empty() { (no_rows(7, items.total, "No recordings match.")) } }
                } }
                (pager("/media", q, "page", items.page, items.pages(), items.total))
            }
        }
        @if can(Permission::WriteEvidence) {
            details.card #add open[!e.is_empty()] {
                summary { "Add a recording" }
                form.stacked method="post" action=(format!("/media?csrf={}", csrf_token())) enctype="multipart/form-data" novalidate {
                    div.field.wide.has-error[e.get("file").is_some()] {
                        label for="f-file" { "Video or audio file" }
                        input #f-file type="file" name="file" accept="video/*,audio/*";
                        span.hint {
                            @match &folder {
                                Some(_) => { "Up to " (human_size(limit)) ". Or give a link below instead." }
                                None => { "No media folder is configured on this server (--media-dir): give a link instead." }
                            }
                        }
                        @if let Some(err) = e.get("file") { span.error id="f-file-error" { "File " (err) } }
                    }
                    (detail_fields(f, e, can(Permission::ManageInsights)))
                    @if !can(Permission::ManageInsights) { p.small.muted { "The recording starts without consent; an advocacy manager or product manager records the customer's consent." } }
                    (transcript_fields(f, e))
                    p.small.muted { "Files are not kept when the form has errors: choose them again." }
                    div.form-actions { button type="submit" { "Add" } }
                }
            }
        }
    }
}

fn media_query(q: &Fields) -> (MediaQuery, FieldErrors) {
    let mut e = FieldErrors::new();
    let consent = match q.get("consent").trim() {
        "" => None,
        c => e.check("consent", MediaConsent::parse(c)),
    };
    let kind = match q.get("kind").trim() {
        "" => None,
        k => e.check("kind", MediaKind::parse(k)),
    };
    let paging = Paging::from_fields(q, &mut e, MediaSort::parse);
    (
        MediaQuery {
            consent,
            kind,
            paging,
            ..Default::default()
        },
        e,
    )
}

async fn library(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (mq, e) = media_query(&q);
    let paging = mq.paging;
    let items = st.run(move |s| s.list_media_page(&mq)).await?;
    Ok(page(
        "Media",
        "voice",
        library_page(&items, &paging, &q, &Fields::new(), &e, &st, None),
    ))
}

fn upload_error(e: UploadError) -> PageError {
    PageError::new(e.status(), e.message())
}

async fn add(State(st): State<AppState>, req: Request) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let up = read_upload(&st, req).await.map_err(upload_error)?;
    let fields = up.fields.clone();
    match create(&st, up, can(Permission::ManageInsights)).await? {
        Created::Media(m, _) => Ok(redirect(format!("/media/{}?notice=created", m.id))),
        Created::Invalid(e) => {
            let items = st
                .run(|s| s.list_media_page(&MediaQuery::default()))
                .await?;
            Ok(invalid(page(
                "Media",
                "voice",
                library_page(
                    &items,
                    &Paging::default(),
                    &Fields::new(),
                    &fields,
                    &e,
                    &st,
                    None,
                ),
            )))
        }
    }
}

/// `?t=83.5` from the query, as milliseconds.
fn start_at(q: &Fields) -> Option<i64> {
    q.get("t")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| (v * 1000.0) as i64)
}

fn player(m: &Media, start: Option<i64>) -> Markup {
    let src = m.source_url().map(|u| match start {
        Some(ms) => format!("{u}{}", fragment(ms, None)),
        None => u,
    });
    html! {
        div #player.player {
            @match (&src, m.data.kind) {
                (Some(src), MediaKind::Video) => { video #media-player controls preload="metadata" src=(src) autoplay[start.is_some()] { "Your browser cannot play this video: " a href=(src) { "open it" } "." } }
                (Some(src), MediaKind::Audio) => { audio #media-player controls preload="metadata" src=(src) autoplay[start.is_some()] { "Your browser cannot play this audio: " a href=(src) { "open it" } "." } }
                (None, _) => { p.muted { "No file or link to play." } }
            }
            @if let Some(l) = &m.data.link { p.small { "Link: " a href=(l) rel="noopener" { (l) } } }
        }
        // Evidence pages link to "/media/ID#t=SECONDS": seek the player there.
        script { (PreEscaped(r#"(function(){var m=/^#t=([0-9.]+)/.exec(location.hash);var p=document.getElementById('media-player');if(m&&p){p.addEventListener('loadedmetadata',function(){p.currentTime=parseFloat(m[1]);},{once:true});}})();"#)) }
    }
}

fn moment_link(m: &Media, ev: &Evidence) -> Markup {
    match ev.data.media_start_ms {
        Some(ms) => {
            let secs = ms as f64 / 1000.0;
            let label = match ev.data.media_end_ms {
                Some(end) => format!("{}–{}", format_ms(ms), format_ms(end)),
                None => format_ms(ms),
            };
            html! { a.nowrap href=(format!("/media/{}?t={secs}#player", m.id)) title="Play from here" { "▶ " (label) } }
        }
        None => html! { span.muted { "—" } },
    }
}

fn show_page(
    m: &Media,
    items: &[Evidence],
    q: &Fields,
    f: &Fields,
    e: &FieldErrors,
    message: Option<&str>,
) -> Markup {
    let start = start_at(q);
    page(
        &m.data.title,
        "voice",
        html! {
            (voc_subnav("media"))
            p.subtitle { a href="/media" { "← Media library" } }
            div.page-head { div {
                h1 { (m.data.title) }
                p.subtitle {
                    (m.data.kind.label())
                    @if let (Some(a), Some(n)) = (m.data.account_id, &m.account_name) { " · " a href=(format!("/accounts/{a}")) { (n) } }
                    @if let (Some(c), Some(n)) = (m.data.contact_id, &m.contact_name) { " · " a href=(format!("/contacts/{c}")) { (n) } }
                    @if let Some(d) = m.data.recorded_on { " · recorded " (d.to_string()) }
                    @if let Some(ms) = m.data.duration_ms { " · " (format_ms(ms)) }
                    " · " (consent_badge(m.data.consent))
                }
            } }
            @if let Some(msg) = message { div.notice.ok role="status" { (msg) } }
            (notice(q.get("notice")))
            (consent_notice(m.data.consent))
            (error_summary(e))
            div.card { (player(m, start)) }
            div.card #transcript {
                h2 { "Transcript" @if let Some(fm) = m.transcript_format { " " span.small.muted { "(" (fm.label()) ")" } } }
                @if items.is_empty() {
                    p.muted { "No transcript yet." }
                } @else {
                    p.small.muted { (items.len()) " evidence items. Each time plays the recording from that moment." }
                    div.table-wrap { table {
                        thead { tr { th { "When" } th { "What was said" } th { "Kind" } th { "" } } }
                        tbody { @for ev in items { tr class=[start.filter(|s| ev.data.media_start_ms.is_some_and(|a| a <= *s) && ev.data.media_end_ms.is_some_and(|b| *s < b)).map(|_| "current")] {
                            td { (moment_link(m, ev)) }
                            td { (ev.data.body) @for t in ev.data.tags.iter().filter(|t| t.starts_with("speaker: ")) { br; span.small.muted { (t.trim_start_matches("speaker: ")) } } }
                            td { (kind_badge(ev.data.kind)) }
                            td { a.small href=(format!("/evidence/{}", ev.id)) { "evidence →" } }
                        } } }
                    } }
                }
                @if can(Permission::WriteEvidence) {
                    details open[e.get("transcript").is_some() || e.get("transcript_format").is_some()] {
                        summary { @if items.is_empty() { "Add a transcript" } @else { "Replace the transcript" } }
                        form.stacked method="post" action=(format!("/media/{}/transcript?csrf={}", m.id, csrf_token())) enctype="multipart/form-data" novalidate {
                            (transcript_fields(f, e))
                            @if !items.is_empty() { p.small.muted { "The items split from the current transcript are replaced; evidence added by hand stays." } }
                            div.form-actions { button type="submit" { "Split into evidence" } }
                        }
                    }
                }
            }
            div.card {
                h2 { "Details" }
                dl.facts {
                    dt { "Stored" } dd { @match (&m.file_name, m.file_size) { (Some(_), Some(sz)) => { "file, " (human_size(sz as u64)) " · " a href=(format!("/media/{}/file", m.id)) { "download" } }, _ => { "link only" } } }
                    dt { "Consent" } dd { (m.data.consent.label()) }
                    dt { "Added by" } dd { (m.created_by) " · " (m.created_at.format("%Y-%m-%d")) }
                }
                @if can(Permission::ManageInsights) {
                    details open[!e.is_empty() && e.get("transcript").is_none() && e.get("transcript_format").is_none()] {
                        summary { "Edit details and consent" }
                        form.stacked method="post" action=(format!("/media/{}", m.id)) novalidate {
                            (csrf_field())
                            (detail_fields(f, e, true))
                            div.form-actions { button type="submit" { "Save" } }
                        }
                        form.inline method="post" action=(format!("/media/{}/delete", m.id)) onsubmit="return confirm('Delete this recording, its file and its transcript evidence?')" {
                            (csrf_field())
                            button.secondary type="submit" { "Delete recording" }
                        }
                    }
                }
            }
        },
    )
}

async fn load(st: &AppState, id: i64) -> Result<(Media, Vec<Evidence>), PageError> {
    Ok(st
        .run(move |s| Ok((s.get_media(id)?, s.media_evidence(id)?)))
        .await?)
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (m, items) = load(&st, id).await?;
    let f = m.data.to_fields();
    Ok(show_page(&m, &items, &q, &f, &FieldErrors::new(), None))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let errors = match MediaData::from_fields_existing(&f) {
        Ok(d) => match st.run(move |s| s.update_media(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/media/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let (m, items) = load(&st, id).await?;
    Ok(invalid(show_page(
        &m,
        &items,
        &Fields::new(),
        &f,
        &errors,
        None,
    )))
}

async fn transcript(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    let up = read_upload(&st, req).await.map_err(upload_error)?;
    up.discard();
    let mut errors = up.errors.clone();
    match transcript_of(&up.fields, up.transcript_file.as_ref()) {
        Ok(Some((format, items))) => {
            let today = chrono::Utc::now().date_naive();
            match st
                .run(move |s| s.attach_transcript(id, format, &items, today))
                .await
            {
                Ok(n) => {
                    let (m, items) = load(&st, id).await?;
                    let msg = format!("The transcript was split into {n} evidence items.");
                    return Ok(show_page(
                        &m,
                        &items,
                        &Fields::new(),
                        &m.data.to_fields(),
                        &FieldErrors::new(),
                        Some(&msg),
                    )
                    .into_response());
                }
                Err(e) => errors.0.extend(form_errors(e)?.0),
            }
        }
        Ok(None) => errors.add("transcript", "is required: upload a file or paste the text"),
        Err(e) => errors.0.extend(e.0),
    }
    let (m, items) = load(&st, id).await?;
    Ok(invalid(show_page(
        &m,
        &items,
        &Fields::new(),
        &up.fields,
        &errors,
        None,
    )))
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_media(id)).await?;
    Ok(redirect("/media?notice=deleted".into()))
}

async fn file(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let m = st.run(move |s| s.get_media(id)).await?;
    Ok(crate::media::serve_file(&st, &m, &headers).await)
}
