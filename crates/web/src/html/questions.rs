//! C6: the interview-question linter page. Paste an interview guide or upload a file; every
//! question is shown with the rules it breaks, why, and an outcome-oriented rewrite. Any
//! signed-in user may lint (every role reads customers).

use super::invalid;
use super::layout::page;
use super::widgets::{error_summary, input};
use crate::auth::{csrf_token, require_page};
use crate::error::PageError;
use crate::extract::parse_urlencoded;
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::questions::{lint_guide, GuideReport, QuestionRule};
use peerstage_core::{FieldErrors, Fields, Permission};

pub fn router() -> Router<AppState> {
    Router::new().route("/questions", get(home).post(lint))
}

const EXAMPLE: &str = "# Customer interview\n\n\
## Background\n\
1. Tell me about your role and your team.\n\
2. Do you use spreadsheets for forecasting?\n\
3. Don't you think the dashboard saves you time?\n\n\
## The product\n\
- What features should we add next?\n\
- How satisfied are you with our pricing and support?\n\
- Walk me through the last time you prepared a renewal.\n";

pub(crate) fn rule_badge(rule: QuestionRule) -> Markup {
    let class = match rule {
        QuestionRule::Closed => "badge warn",
        _ => "badge bad",
    };
    html! { span class=(class) title=(rule.advice()) { (rule.as_str()) } }
}

fn guide_form(f: &Fields, e: &FieldErrors) -> Markup {
    html! {
        form.stacked method="post" action=(format!("/questions?csrf={}", csrf_token())) enctype="multipart/form-data" novalidate {
            (input("guide", "Interview guide").wide().hint("One question a line, or Markdown: headings and notes are skipped, list markers and numbering are understood.").textarea(f, e))
            div.field.wide {
                label for="f-file" { "…or upload a file" }
                input #f-file type="file" name="file" accept=".txt,.md,.markdown,text/plain,text/markdown";
                span.hint { "A text or Markdown file (UTF-8); it takes the place of the pasted text." }
            }
            div.form-actions { button type="submit" { "Check the questions" } }
        }
    }
}

fn legend() -> Markup {
    html! {
        div.card {
            h2 { "The rules" }
            dl.legend {
                @for r in QuestionRule::ALL {
                    dt { (rule_badge(*r)) " " (r.label()) }
                    dd.small { (r.advice()) }
                }
            }
            p.small.muted { "Good interview questions ask about a real, recent episode in the customer's own words: \"Tell me about the last time you tried to…\". The rewrite proposed for a flagged question is one of those." }
        }
    }
}

fn report_view(r: &GuideReport) -> Markup {
    html! {
        div.grid.two {
            div.card.verdict {
                div.label.muted { "Questions" }
                div.value.big { (r.questions.len()) }
                p { (r.flagged()) " flagged, " (r.questions.len() - r.flagged()) " fine." @if r.skipped_lines > 0 { " " (r.skipped_lines) " other lines (headings, notes, blank lines) skipped." } }
            }
            div.card {
                div.table-wrap { table {
                    thead { tr { th { "Rule" } th.num { "Questions" } } }
                    tbody { @for (rule, n) in r.counts() { tr { td { (rule_badge(rule)) " " (rule.label()) } td.num { (n) } } } }
                } }
            }
        }
        div.card #results {
            h2 { "Each question" }
            div.table-wrap { table.questions {
                thead { tr { th.num { "Line" } th { "Question" } th { "Flags" } th { "Why" } th { "Ask instead" } } }
                tbody {
                    @for q in &r.questions {
                        tr class=[(!q.flags.is_empty()).then_some("flagged")] {
                            td.num.muted { (q.line) }
                            td { (q.text) }
                            td {
                                @if q.flags.is_empty() { span.badge.good { "ok" } }
                                @for f in &q.flags { (rule_badge(f.rule)) " " }
                            }
                            td.small {
                                @for f in &q.flags { div { strong { (f.rule.as_str()) } ": " (f.why) } }
                            }
                            td { @if let Some(rw) = q.rewrite() { em { (rw) } } }
                        }
                    }
                }
            } }
        }
    }
}

fn lint_page(f: &Fields, e: &FieldErrors, report: Option<&GuideReport>) -> Markup {
    page(
        "Question linter",
        "voice",
        html! {
            (super::evidence::voc_subnav("questions"))
            div.page-head { div {
                h1 { "Question linter" }
                p.subtitle { "Check an interview guide before you talk to customers: closed, leading, feature-shopping and double-barrelled questions get what we want to hear, not what happened." }
            } }
            (error_summary(e))
            @if let Some(r) = report { (report_view(r)) }
            div.grid.two {
                div.card {
                    h2 { @if report.is_some() { "Check again" } @else { "Check a guide" } }
                    (guide_form(f, e))
                }
                (legend())
            }
        },
    )
}

async fn home() -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let mut f = Fields::new();
    f.push("guide", EXAMPLE);
    Ok(lint_page(&f, &FieldErrors::new(), None))
}

/// The posted guide: multipart (with an optional file) or urlencoded.
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
    let unreadable = |status: StatusCode, text: String| {
        PageError::new(status, format!("The upload could not be read: {text}"))
    };
    let mut mp = Multipart::from_request(req, st)
        .await
        .map_err(|e| unreadable(e.status(), e.body_text()))?;
    let mut f = Fields::new();
    let mut uploaded = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(unreadable(e.status(), e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| unreadable(e.status(), e.body_text()))?;
        if name == "file" {
            if bytes.is_empty() {
                continue;
            }
            match String::from_utf8(bytes.to_vec()) {
                Ok(text) => {
                    f.set("guide", text);
                    uploaded = true;
                }
                Err(_) => f.set(
                    "file_error",
                    "The file is not UTF-8 text; save it as UTF-8 text or Markdown and try again.",
                ),
            }
        } else if !(name == "guide" && uploaded) {
            f.set(&name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(f)
}

async fn lint(State(st): State<AppState>, req: Request) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let f = read_form(&st, req).await?;
    let mut e = FieldErrors::new();
    if !f.get("file_error").is_empty() {
        e.add("guide", f.get("file_error").to_string());
        return Ok(invalid(lint_page(&f, &e, None)));
    }
    match lint_guide(f.get("guide")) {
        Ok(report) => Ok(lint_page(&f, &e, Some(&report)).into_response()),
        Err(err) => {
            e.add("guide", err);
            Ok(invalid(lint_page(&f, &e, None)))
        }
    }
}
