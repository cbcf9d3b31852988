//! E2: the quarterly-review analyzer. Paste or upload an agenda; see what each item is
//! about, the shares of time, the verdict, what got cursory time, and how it compares with
//! earlier reviews. Analyzing needs ReadCustomers; saving agendas and correcting classes
//! needs WriteCustomers.

use super::charts::{bar_chart, stacked_bars};
use super::layout::page;
use super::scorecard::subnav;
use super::widgets::{error_summary, input};
use super::{id_of, invalid, redirect};
use crate::auth::{can, csrf_field, csrf_token, require_page};
use crate::error::PageError;
use crate::extract::parse_urlencoded;
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::agenda::{
    errors_text, parse_format, share_changes, AgendaInput, Analysis, Correction, Minutes,
    ReviewClass, Vocabulary, CURSORY_MINUTES, CURSORY_SHARE, VOCABULARY,
};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::{AgendaCorrection, QuarterlyReview};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quarterly-reviews", get(home).post(save))
        .route("/quarterly-reviews/analyze", post(analyze))
        .route("/quarterly-reviews/corrections", post(correct))
        .route("/quarterly-reviews/vocabulary", get(vocabulary))
        .route("/quarterly-reviews/{id}", get(show))
}

/// How many earlier reviews are compared.
const EARLIER: u32 = 12;

pub(crate) fn class_color(c: Option<ReviewClass>) -> &'static str {
    match c {
        Some(ReviewClass::Product) => "#2f5bd3",
        Some(ReviewClass::Sales) => "#b7791f",
        Some(ReviewClass::Operations) => "#6b7280",
        Some(ReviewClass::CustomerValue) => "#1f8a4c",
        None => "#c5cbd6",
    }
}

fn class_badge(c: Option<ReviewClass>) -> Markup {
    html! {
        span.class-badge {
            span.swatch style=(format!("background: {}", class_color(c))) {}
            (c.map(|c| c.label()).unwrap_or("Not classified"))
        }
    }
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn class_parts() -> Vec<(&'static str, &'static str)> {
    ReviewClass::ALL
        .iter()
        .map(|c| (c.label(), class_color(Some(*c))))
        .chain([("Not classified", class_color(None))])
        .collect()
}

fn minute_parts(m: &Minutes) -> Vec<f64> {
    ReviewClass::ALL
        .iter()
        .map(|c| m.of(*c) as f64)
        .chain([m.unclassified as f64])
        .collect()
}

fn review_label(r: &QuarterlyReview) -> String {
    match r.held_on {
        Some(d) => format!("{} ({d})", r.title),
        None => r.title.clone(),
    }
}

fn notice(text: &str) -> Markup {
    html! { div.notice.ok role="status" { (text) } }
}

/// The analyzer form: paste or upload; typed values are kept.
fn agenda_form(f: &Fields, e: &FieldErrors) -> Markup {
    let formats = [
        ("csv".to_string(), "CSV".to_string()),
        ("markdown".to_string(), "Markdown".to_string()),
    ];
    html! {
        form.stacked method="post" action=(format!("/quarterly-reviews/analyze?csrf={}", csrf_token())) enctype="multipart/form-data" novalidate {
            (input("title", "Title").hint("e.g. Q3 2026 business review").text(f, e))
            (input("held_on", "Held on").kind("date").text(f, e))
            (input("format", "Format").hint("CSV: columns item, minutes, notes. Markdown: a table with the same columns, or a list like '- Pipeline review (45 min)'.").select(f, e, &formats))
            (input("agenda", "Agenda").wide().hint("Paste the agenda here, or choose a file below.").textarea(f, e))
            div.field.wide {
                label for="f-file" { "…or upload a file" }
                input #f-file type="file" name="file" accept=".csv,.md,.markdown,.txt,text/csv,text/markdown,text/plain";
                span.hint { "A CSV or Markdown file; it takes the place of the pasted text." }
            }
            div.form-actions { button type="submit" { "Analyze" } }
        }
    }
}

const EXAMPLE: &str = "item,minutes,notes\nWelcome and agenda,5,\nSales pipeline and Q4 forecast,50,top 20 deals\nProduct roadmap and release schedule,40,\nHeadcount and budget,25,\nCustomer satisfaction and churn,10,NPS trend\n";

/// The vocabulary and the saved reviews analyzed with it, latest meeting first.
async fn vocab_of(
    st: &AppState,
) -> Result<(Vocabulary, Vec<(QuarterlyReview, Analysis)>), PageError> {
    Ok(st
        .run(|s| {
            let vocab = s.agenda_vocabulary()?;
            let earlier = s
                .list_quarterly_reviews(EARLIER)?
                .into_iter()
                .filter_map(|r| r.analyze(&vocab).map(|a| (r, a)))
                .collect();
            Ok((vocab, earlier))
        })
        .await?)
}

fn comparison(
    earlier: &[(QuarterlyReview, Analysis)],
    current: Option<(&str, &Analysis)>,
) -> Markup {
    // Oldest first, this agenda last.
    let mut rows: Vec<(String, Vec<f64>)> = earlier
        .iter()
        .rev()
        .map(|(r, a)| {
            (
                r.held_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| r.title.clone()),
                minute_parts(&a.minutes),
            )
        })
        .collect();
    if let Some((label, a)) = current {
        rows.push((label.to_string(), minute_parts(&a.minutes)));
    }
    html! {
        @if rows.is_empty() {
            p.muted { "No saved reviews yet. Save an analysis to compare the next one with it." }
        } @else {
            (stacked_bars("Shares of time per review", &rows, &class_parts(), true))
            div.table-wrap { table {
                thead { tr { th { "Review" } th { "Verdict" } @for c in ReviewClass::ALL { th.num { (c.label()) } } th.num { "Not classified" } th.num { "Minutes" } } }
                tbody {
                    @if let Some((label, a)) = current {
                        tr.current {
                            td { strong { (label) } }
                            td { (a.verdict.map(|v| v.driven()).unwrap_or("undetermined")) }
                            @for c in ReviewClass::ALL { td.num { (pct(a.minutes.share(*c))) } }
                            td.num { (pct(share_of_unclassified(&a.minutes))) }
                            td.num { (a.total_minutes) }
                        }
                    }
                    @for (r, a) in earlier {
                        tr {
                            td { a href=(format!("/quarterly-reviews/{}", r.id)) { (review_label(r)) } }
                            td { (a.verdict.map(|v| v.driven()).unwrap_or("undetermined")) }
                            @for c in ReviewClass::ALL { td.num { (pct(a.minutes.share(*c))) } }
                            td.num { (pct(share_of_unclassified(&a.minutes))) }
                            td.num { (a.total_minutes) }
                        }
                    }
                }
            } }
        }
    }
}

fn share_of_unclassified(m: &Minutes) -> f64 {
    if m.total() == 0 {
        0.0
    } else {
        m.unclassified as f64 / m.total() as f64
    }
}

/// Where a correction form sends its result.
enum Context<'a> {
    /// An unsaved analysis: the agenda travels with the form.
    Unsaved(&'a Fields),
    Saved(&'a QuarterlyReview),
}

fn correction_form(ctx: &Context, item: &str, current: Option<ReviewClass>) -> Markup {
    html! {
        form.inline.correct method="post" action="/quarterly-reviews/corrections" {
            (csrf_field())
            input type="hidden" name="item" value=(item);
            @match ctx {
                Context::Saved(r) => { input type="hidden" name="review_id" value=(r.id); }
                Context::Unsaved(f) => {
                    @for k in ["title", "held_on", "format", "agenda"] { input type="hidden" name=(k) value=(f.get(k)); }
                }
            }
            select name="class" aria-label=(format!("Class of {item}")) {
                @for c in ReviewClass::ALL { option value=(c.as_str()) selected[Some(*c) == current] { (c.label()) } }
            }
            input type="text" name="phrase" placeholder="words to remember (optional)" size="18" aria-label="Words to remember";
            button.secondary type="submit" { "Correct" }
        }
    }
}

fn analysis_view(a: &Analysis, ctx: &Context, earlier: &[(QuarterlyReview, Analysis)]) -> Markup {
    let writer = can(Permission::WriteCustomers);
    let bars: Vec<(String, f64)> = a
        .shares
        .iter()
        .map(|s| (s.class.label().to_string(), s.share * 100.0))
        .collect();
    let others: Vec<(QuarterlyReview, Analysis)> = match ctx {
        Context::Saved(r) => earlier
            .iter()
            .filter(|(e, _)| e.id != r.id)
            .cloned()
            .collect(),
        Context::Unsaved(_) => earlier.to_vec(),
    };
    let before = others.first();
    let changes = before.map(|(_, b)| share_changes(&b.minutes, &a.minutes));
    let label = match ctx {
        Context::Saved(r) => review_label(r),
        Context::Unsaved(f) => {
            let t = f.get("title").trim();
            if t.is_empty() {
                "This agenda".to_string()
            } else {
                t.to_string()
            }
        }
    };
    html! {
        div.grid.two {
            div.card.verdict {
                div.label.muted { "Verdict" }
                div.value.big style=(format!("color: {}", class_color(a.verdict))) { (a.verdict.map(|v| v.driven()).unwrap_or("Undetermined")) }
                p { (a.summary()) }
                p.small.muted { (a.items.len()) " items, " (a.total_minutes) " minutes. The verdict is the class with the most minutes; on a tie, the class that came first on the agenda." }
                h3 { "Cursory time" }
                @if a.cursory.is_empty() && a.short_items.is_empty() {
                    p.muted { "Every class got at least " (pct(CURSORY_SHARE)) " of the time, and no item under " (CURSORY_MINUTES) " minutes." }
                }
                ul {
                    @for c in &a.cursory {
                        @let s = &a.shares[ReviewClass::ALL.iter().position(|x| x == c).unwrap_or(0)];
                        li { strong { (c.label()) } ": "
                            @if s.minutes == 0 { "not on the agenda at all" } @else { (s.minutes) " minutes, " (pct(s.share)) " of the time" } }
                    }
                    @for i in &a.short_items {
                        @let it = &a.items[*i];
                        li { (it.item.item) ": " (it.item.minutes) " min (" (it.classification.class.map(|c| c.label()).unwrap_or("not classified")) ")" }
                    }
                }
            }
            div.card {
                (bar_chart("Share of the agenda's time, %", &bars, "#2f5bd3"))
                div.table-wrap { table {
                    thead { tr { th { "Class" } th.num { "Items" } th.num { "Minutes" } th.num { "Share" } @if changes.is_some() { th.num { "Change" } } } }
                    tbody {
                        @for s in &a.shares {
                            tr {
                                td { (class_badge(Some(s.class))) @if s.cursory { " " span.badge.warn { "cursory" } } }
                                td.num { (s.items) }
                                td.num { (s.minutes) }
                                td.num { (pct(s.share)) }
                                @if let Some(ch) = changes { td.num { (format!("{:+.0} pts", ch[ReviewClass::ALL.iter().position(|c| *c == s.class).unwrap_or(0)])) } }
                            }
                        }
                        tr { td { (class_badge(None)) } td.num { (a.items.iter().filter(|i| i.classification.class.is_none()).count()) } td.num { (a.minutes.unclassified) } td.num { (pct(share_of_unclassified(&a.minutes))) } @if changes.is_some() { td {} } }
                    }
                } }
                @if let Some((b, _)) = before { p.small.muted { "Change: in percentage points against " a href=(format!("/quarterly-reviews/{}", b.id)) { (review_label(b)) } "." } }
            }
        }
        div.card #items {
            h2 { "Items" }
            p.small.muted {
                "Each item is classed by the words of its title (counted twice) and notes. "
                @if writer { "If a class is wrong, correct it: the item's words (or the words you give) are remembered and used for every agenda, earlier ones included." }
                " " a href="/quarterly-reviews/vocabulary" { "The vocabulary" }
            }
            div.table-wrap { table.items {
                thead { tr { th.num { "Line" } th { "Item" } th.num { "Min" } th { "Class" } th { "Decided by" } @if writer { th { "Correct" } } } }
                tbody {
                    @for it in &a.items {
                        tr {
                            td.num.muted { (it.item.line) }
                            td { (it.item.item) @if let Some(n) = &it.item.notes { br; span.small.muted { (n) } } }
                            td.num { (it.item.minutes) }
                            td { (class_badge(it.classification.class)) }
                            td.small {
                                @if it.classification.words.is_empty() { span.muted { "no known word" } }
                                @else { (it.classification.words.join(", ")) @if it.classification.learned { " " span.badge { "remembered" } } }
                            }
                            @if writer { td { (correction_form(ctx, &it.item.item, it.classification.class)) } }
                        }
                    }
                }
            } }
        }
        div.card {
            h2 { "Compared with earlier reviews" }
            (comparison(&others, Some((&label, a))))
        }
    }
}

async fn home(
    State(st): State<AppState>,
    crate::extract::Query(q): crate::extract::Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (_, earlier) = vocab_of(&st).await?;
    let corrections = st.run(|s| s.agenda_corrections()).await?;
    let mut f = Fields::new();
    f.push("agenda", EXAMPLE);
    Ok(home_page(
        &f,
        &FieldErrors::new(),
        &earlier,
        &corrections,
        q.get("notice"),
    ))
}

fn home_page(
    f: &Fields,
    e: &FieldErrors,
    earlier: &[(QuarterlyReview, Analysis)],
    corrections: &[AgendaCorrection],
    notice_key: &str,
) -> Markup {
    page(
        "Quarterly reviews",
        "scorecard",
        html! {
            (subnav("reviews"))
            div.page-head { div {
                h1 { "Quarterly reviews" }
                p.subtitle { "What really drives the company shows in how a quarterly review spends its time." }
            } }
            @if notice_key == "corrected" { (notice("Correction remembered.")) }
            (error_summary(e))
            div.grid.two {
                div.card {
                    h2 { "Analyze an agenda" }
                    p.small.muted { "Each item is classed as product, sales, operations or customer value. Product-driven reviews dwell on definitions and schedules, sales-driven ones on the funnel, production-driven ones on productivity and inventory; value-driven ones on satisfaction, retention, loyalty, the whole product and the customer's experience." }
                    (agenda_form(f, e))
                }
                div.card {
                    h2 { "Earlier reviews" }
                    (comparison(earlier, None))
                }
            }
            div.card #vocabulary {
                h2 { "Remembered corrections" }
                @if corrections.is_empty() {
                    p.muted { "None yet. Correct an item's class on an analysis and its words are remembered here." }
                } @else {
                    div.table-wrap { table {
                        thead { tr { th { "Words" } th { "Class" } th { "From the item" } th { "By" } th { "When" } } }
                        tbody { @for c in corrections { tr {
                            td { code { (c.phrase) } } td { (class_badge(Some(c.class))) } td.small { (c.example.as_deref().unwrap_or("")) }
                            td.small { (c.created_by) } td.small.nowrap { (c.created_at.format("%Y-%m-%d")) }
                        } } }
                    } }
                }
                p.small { a href="/quarterly-reviews/vocabulary" { "The built-in vocabulary →" } }
            }
        },
    )
}

/// The fields of a posted agenda form: multipart (with an optional file) or urlencoded.
async fn read_form(st: &AppState, req: Request) -> Result<Fields, PageError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.starts_with("multipart/form-data") {
        let bytes = axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT)
            .await
            .map_err(|_| PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
        return Ok(parse_urlencoded(&bytes));
    }
    let mut mp = Multipart::from_request(req, st).await.map_err(|e| {
        PageError::new(
            e.status(),
            format!("The upload could not be read: {}", e.body_text()),
        )
    })?;
    let mut f = Fields::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Err(PageError::new(
                    e.status(),
                    format!("The upload could not be read: {}", e.body_text()),
                ))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            PageError::new(
                e.status(),
                format!("The upload could not be read: {}", e.body_text()),
            )
        })?;
        if name == "file" {
            if bytes.is_empty() {
                continue;
            }
            match String::from_utf8(bytes.to_vec()) {
                Ok(text) => {
                    f.set("agenda", text);
                    let lower = file_name.unwrap_or_default().to_lowercase();
                    if f.get("format").is_empty() {
                        if lower.ends_with(".csv") {
                            f.set("format", "csv");
                        } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
                            f.set("format", "markdown");
                        }
                    }
                    f.set("uploaded", "yes");
                }
                Err(_) => f.set(
                    "file_error",
                    "The file is not UTF-8 text; save it as UTF-8 (CSV or Markdown) and try again.",
                ),
            }
        } else {
            let uploaded = f.get("uploaded") == "yes";
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // A file takes the place of the pasted text, and its name tells the format.
            let replaced = name == "agenda" && uploaded;
            let detected = name == "format" && uploaded && text.trim().is_empty();
            if !(replaced || detected) {
                f.set(&name, text);
            }
        }
    }
    Ok(f)
}

async fn analyze(State(st): State<AppState>, req: Request) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let mut f = read_form(&st, req).await?;
    let (vocab, earlier) = vocab_of(&st).await?;
    let mut e = FieldErrors::new();
    if !f.get("file_error").is_empty() {
        e.add("agenda", f.get("file_error").to_string());
    }
    let format = e.check("format", parse_format(f.get("format"))).flatten();
    if e.is_empty() {
        match peerstage_core::agenda::analyze_text(f.get("agenda"), format, &vocab) {
            Ok(a) => {
                f.set("format", a.format.as_str());
                return Ok(result_page(&f, &a, &earlier, None, &FieldErrors::new()).into_response());
            }
            Err(errors) => e.add("agenda", errors_text(&errors)),
        }
    }
    let corrections = st.run(|s| s.agenda_corrections()).await?;
    Ok(invalid(home_page(&f, &e, &earlier, &corrections, "")))
}

/// An unsaved analysis, with the form to save it.
fn result_page(
    f: &Fields,
    a: &Analysis,
    earlier: &[(QuarterlyReview, Analysis)],
    message: Option<&str>,
    e: &FieldErrors,
) -> Markup {
    let ctx = Context::Unsaved(f);
    page(
        "Agenda analysis",
        "scorecard",
        html! {
            (subnav("reviews"))
            p.subtitle { a href="/quarterly-reviews" { "← Quarterly reviews" } }
            div.page-head { div {
                h1 { "Agenda analysis" }
                p.subtitle { @if f.get("title").trim().is_empty() { "Not saved" } @else { (f.get("title")) " · not saved" } }
            } }
            @if let Some(m) = message { (notice(m)) }
            (error_summary(e))
            (analysis_view(a, &ctx, earlier))
            @if can(Permission::WriteCustomers) {
                div.card #save {
                    h2 { "Save this analysis" }
                    p.small.muted { "Saved agendas are compared with later ones. Their analysis follows the vocabulary, corrections included." }
                    form.stacked method="post" action="/quarterly-reviews" novalidate {
                        (csrf_field())
                        input type="hidden" name="agenda" value=(f.get("agenda"));
                        input type="hidden" name="format" value=(f.get("format"));
                        (input("title", "Title").hint("Left empty: \"Quarterly review\" and the quarter it was held in").text(f, e))
                        (input("held_on", "Held on").kind("date").text(f, e))
                        div.form-actions { button type="submit" { "Save" } }
                    }
                }
            }
        },
    )
}

async fn save(State(st): State<AppState>, req: Request) -> Result<Response, PageError> {
    require_page(Permission::WriteCustomers)?;
    let f = read_form(&st, req).await?;
    let (input, _) = match AgendaInput::from_fields(&f) {
        Ok(ok) => ok,
        Err(e) => return redisplay(&st, f, e).await,
    };
    match st.run(move |s| s.save_quarterly_review(&input)).await {
        Ok(r) => Ok(redirect(format!(
            "/quarterly-reviews/{}?notice=created",
            r.id
        ))),
        Err(err) => {
            let e = super::form_errors(err)?;
            redisplay(&st, f, e).await
        }
    }
}

/// The analysis again with the problems of a save or correction beside their fields; the
/// analyzer form when the agenda itself does not read.
async fn redisplay(st: &AppState, f: Fields, e: FieldErrors) -> Result<Response, PageError> {
    let (vocab, earlier) = vocab_of(st).await?;
    let format = parse_format(f.get("format")).ok().flatten();
    match peerstage_core::agenda::analyze_text(f.get("agenda"), format, &vocab) {
        Ok(a) if e.get("agenda").is_none() => Ok(invalid(result_page(&f, &a, &earlier, None, &e))),
        _ => {
            let corrections = st.run(|s| s.agenda_corrections()).await?;
            Ok(invalid(home_page(&f, &e, &earlier, &corrections, "")))
        }
    }
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    crate::extract::Query(q): crate::extract::Query,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let review = st.run(move |s| s.get_quarterly_review(id)).await?;
    let (vocab, earlier) = vocab_of(&st).await?;
    let a = review.analyze(&vocab).ok_or_else(|| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This saved agenda no longer reads.",
        )
    })?;
    // Compare with reviews held before this one.
    let before: Vec<(QuarterlyReview, Analysis)> = earlier
        .into_iter()
        .filter(|(r, _)| {
            r.id != review.id && (r.held_on, r.created_at) <= (review.held_on, review.created_at)
        })
        .collect();
    let message = match q.get("notice") {
        "created" => Some("Saved."),
        "corrected" => Some("Correction remembered; the analysis uses it now."),
        _ => None,
    };
    Ok(page(
        &review.title,
        "scorecard",
        html! {
            (subnav("reviews"))
            p.subtitle { a href="/quarterly-reviews" { "← Quarterly reviews" } }
            div.page-head { div {
                h1 { (review.title) }
                p.subtitle { @if let Some(d) = review.held_on { "Held on " (d) " · " } (review.format.label()) " agenda saved by " (review.created_by) " on " (review.created_at.format("%Y-%m-%d")) }
            } }
            @if let Some(m) = message { (notice(m)) }
            (analysis_view(&a, &Context::Saved(&review), &before))
            details.card { summary { "The agenda as saved" } pre.json { (review.agenda) } }
        },
    )
    .into_response())
}

async fn correct(State(st): State<AppState>, req: Request) -> Result<Response, PageError> {
    require_page(Permission::WriteCustomers)?;
    let f = read_form(&st, req).await?;
    let correction = Correction::from_fields(&f);
    let review_id = match f.get("review_id") {
        "" => None,
        raw => Some(id_of(raw)?),
    };
    let correction = match correction {
        Ok(c) => c,
        Err(e) => {
            if let Some(id) = review_id {
                return Err(PageError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "The correction was not saved: {e}. Go back to review {id} and try again."
                    ),
                ));
            }
            if !f.get("agenda").is_empty() {
                return redisplay(&st, f, e).await;
            }
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The correction was not saved: {e}."),
            ));
        }
    };
    if let Some(id) = review_id {
        st.run(move |s| s.get_quarterly_review(id)).await?;
    }
    let c = correction.clone();
    st.run(move |s| s.save_agenda_correction(&c)).await?;
    if let Some(id) = review_id {
        return Ok(redirect(format!(
            "/quarterly-reviews/{id}?notice=corrected#items"
        )));
    }
    if f.get("agenda").trim().is_empty() {
        return Ok(redirect(
            "/quarterly-reviews?notice=corrected#vocabulary".into(),
        ));
    }
    let (vocab, earlier) = vocab_of(&st).await?;
    let format = parse_format(f.get("format")).ok().flatten();
    match peerstage_core::agenda::analyze_text(f.get("agenda"), format, &vocab) {
        Ok(a) => {
            let msg = format!(
                "Remembered: \"{}\" is {}.",
                correction.phrase,
                correction.class.label().to_lowercase()
            );
            Ok(result_page(&f, &a, &earlier, Some(&msg), &FieldErrors::new()).into_response())
        }
        Err(_) => Ok(redirect(
            "/quarterly-reviews?notice=corrected#vocabulary".into(),
        )),
    }
}

async fn vocabulary(State(st): State<AppState>) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let corrections = st.run(|s| s.agenda_corrections()).await?;
    let weight = |w: u32| match w {
        3 => "settles it",
        2 => "typical",
        _ => "leans",
    };
    Ok(page(
        "Agenda vocabulary",
        "scorecard",
        html! {
            (subnav("reviews"))
            p.subtitle { a href="/quarterly-reviews" { "← Quarterly reviews" } }
            div.page-head { div {
                h1 { "Agenda vocabulary" }
                p.subtitle { "The words that class agenda items. Words are compared in lower case and singular; a phrase is matched before the words in it; words in an item's title count twice." }
            } }
            div.grid.two {
                @for c in ReviewClass::ALL {
                    div.card {
                        h2 { (class_badge(Some(*c))) " → " (c.driven()) }
                        p.small {
                            @for (i, (p, _, w)) in VOCABULARY.iter().filter(|(_, k, _)| k == c).enumerate() {
                                @if i > 0 { ", " }
                                span title=(format!("weight {w}: {}", weight(*w))) { @if *w == 3 { strong { (p) } } @else if *w == 1 { span.muted { (p) } } @else { (p) } }
                            }
                        }
                        @let learned: Vec<&AgendaCorrection> = corrections.iter().filter(|k| k.class == *c).collect();
                        @if !learned.is_empty() {
                            p.small { "Remembered: " @for (i, k) in learned.iter().enumerate() { @if i > 0 { ", " } code { (k.phrase) } } }
                        }
                    }
                }
            }
            p.small.muted { strong { "Bold" } ": settles it (weight 3); plain: typical (2); " span.muted { "grey" } ": leans (1). Remembered corrections come before all of them." }
        },
    ))
}
