use super::layout::{page, refreshing_page};
use super::widgets::{count, enum_options};
use crate::error::PageError;
use crate::jobs::{ImportJob, Phase};
use crate::transfer::{export_response, import_options, run_import};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::import::{ImportKind, Preset};
use peerstage_store::ImportOutcome;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/transfer",
            get(form)
                .post(upload)
                .layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/transfer/jobs/{id}", get(job_page))
        .route("/transfer/jobs/{id}/rejects.csv", get(rejects_download))
        .route("/export/{file}", get(download))
}

fn form_page(st: &AppState, message: Option<(&str, Markup)>) -> Markup {
    let mine = crate::auth::current()
        .map(|u| st.imports.for_user(u.user.id))
        .unwrap_or_default();
    let kinds = enum_options(ImportKind::ALL, ImportKind::as_str, ImportKind::label);
    let presets = enum_options(Preset::ALL, Preset::as_str, Preset::label);
    page(
        "Import & export",
        "transfer",
        html! {
            h1 { "Import & export" }
            @if let Some((class, m)) = message { div class=(format!("notice {class}")) { (m) } }
            @if !mine.is_empty() {
                div.card {
                    h2 { "Your recent imports" }
                    div.table-wrap { table.small {
                        thead { tr { th { "File" } th { "What" } th.num { "Size" } th { "Status" } } }
                        tbody { @for j in &mine { tr {
                            td { a href=(format!("/transfer/jobs/{}", j.id)) { (j.file_name) } }
                            td { (j.kind.label()) }
                            td.num { (megabytes(j.bytes)) }
                            td { (job_status(j)) }
                        } } }
                    } }
                }
            }
            div.grid.two {
                div.card {
                    h2 { "Import a CSV file" }
                    p.muted.small { "Rows are matched on external id: importing the same file again changes nothing. If any row is invalid, nothing is imported unless you choose to skip invalid rows." }
                    form.stacked method="post" action=(format!("/transfer?csrf={}", crate::auth::csrf_token())) enctype="multipart/form-data" {
                        div.field { label for="kind" { "What the file holds" }
                            select id="kind" name="kind" { @for (v, l) in &kinds { option value=(v) { (l) } } } }
                        div.field { label for="file" { "CSV file" } input id="file" type="file" name="file" accept=".csv,text/csv" required; span.hint { "UTF-8, comma or semicolon separated, up to 64 MB; large files import in the background with their progress shown" } }
                        div.field { label for="preset" { "Column layout" }
                            select id="preset" name="preset" { option value="" { "peerstage columns" } @for (v, l) in &presets { option value=(v) { (l) } } } }
                        div.field { label { input type="checkbox" name="skip_invalid" value="true"; " Skip invalid rows and import the rest" } }
                        div.field.wide { label for="map" { "Column mapping (optional)" }
                            textarea id="map" name="map" placeholder="name=Company\nannual_revenue=ARR" {}
                            span.hint { "One FIELD=COLUMN per line, for columns named differently in your file." } }
                        div.form-actions { button type="submit" { "Import" } }
                    }
                }
                div.card {
                    h2 { "Export" }
                    p.muted.small { "Exports use the same columns imports read, so a file can go out, be edited, and come back." }
                    ul { @for kind in ImportKind::ALL { li { a href=(format!("/export/{}.csv", kind.as_str())) { (kind.label()) } } } }
                    h3 { "Columns" }
                    @for kind in ImportKind::ALL {
                        details { summary { (kind.label()) }
                            table { tbody { @for f in kind.fields() { tr { td { code { (f.name) } @if f.required { " *" } } td.small.muted { (f.help) } } } } }
                        }
                    }
                }
            }
        },
    )
}

async fn form(State(st): State<AppState>) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ImportExport)?;
    Ok(form_page(&st, None))
}

/// What an import did. `rejects`: where its rejected rows download, when it kept them.
pub(crate) fn report(outcome: &ImportOutcome, rejects: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = &outcome.file_error {
            strong { "Nothing was imported: " } (e)
        } @else if outcome.committed && outcome.rows == 0 {
            strong { "Nothing to import: " } "the file has a header but no rows."
        } @else if outcome.committed {
            strong { "Imported " (outcome.kind) ": " }
            (outcome.counts.inserted) " new, " (outcome.counts.updated) " updated, " (outcome.counts.unchanged) " unchanged"
            @if outcome.rejected > 0 { ", " (outcome.rejected) " rejected rows skipped" } "."
        } @else {
            strong { "Nothing was imported: " (outcome.rejected) " of " (outcome.rows) " rows are invalid. " }
            "Fix them and import again, or choose to skip invalid rows."
        }
        @if let Some(e) = &outcome.evidence_error {
            p { "The rows are saved, but turning their text into evidence failed (" (e) "). It is tried again when the server next starts or at the next import." }
        }
        @if let Some(url) = rejects.filter(|_| !outcome.rejected_rows.is_empty()) {
            p { a href=(url) download { "Download the " (count(outcome.rejected_rows.len() as u64)) " rejected rows with their reasons (CSV)" } }
        }
        @if !outcome.ignored_columns.is_empty() { p.small { "Columns not used: " (outcome.ignored_columns.join(", ")) } }
        @if !outcome.errors.is_empty() {
            table.small {
                thead { tr { th { "Line" } th { "Column" } th { "Problem" } } }
                tbody { @for e in outcome.errors.iter().take(1000) { tr { td { (e.line) } td { (e.column) } td { (e.reason) } } } }
            }
            @if outcome.errors.len() > 1000 { p { "… and " (outcome.errors.len() - 1000) " more." } }
        }
    }
}

async fn upload(
    State(st): State<AppState>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ImportExport)?;
    let (mut kind, mut preset, mut map, mut skip, mut file, mut file_name) = (
        String::new(),
        String::new(),
        String::new(),
        false,
        None::<Vec<u8>>,
        String::new(),
    );
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(PageError::new(
                    e.status(),
                    format!("The upload could not be read: {}", e.body_text()),
                ))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            file_name = field.file_name().unwrap_or("").to_string();
        }
        let bytes = field.bytes().await.map_err(|e| {
            PageError::new(
                e.status(),
                format!("The upload could not be read: {}", e.body_text()),
            )
        })?;
        match name.as_str() {
            "kind" => kind = String::from_utf8_lossy(&bytes).into_owned(),
            "preset" => preset = String::from_utf8_lossy(&bytes).into_owned(),
            "map" => map = String::from_utf8_lossy(&bytes).into_owned(),
            "skip_invalid" => skip = true,
            "file" => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    let fail = |m: String| {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&st, Some(("error", html! { (m) }))),
        )
            .into_response())
    };
    let kind = match ImportKind::parse(&kind) {
        Ok(k) => k,
        Err(e) => return fail(format!("What the file holds: {e}")),
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return fail("Choose a CSV file to import.".into());
    };
    let options = match import_options(kind, &preset, &[map.as_str()]) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if bytes.len() > st.inline_import_limit {
        let user = crate::auth::current()
            .ok_or_else(|| PageError::new(StatusCode::UNAUTHORIZED, "Sign in first."))?;
        let store = st.store.acting_as(user.actor());
        let name = if file_name.trim().is_empty() {
            "the uploaded file".to_string()
        } else {
            file_name
        };
        return Ok(
            match st.imports.start(
                store,
                user.user.id,
                crate::jobs::Upload {
                    file_name: name,
                    bytes,
                    options,
                    skip_invalid: skip,
                },
                st.running_imports_per_user,
            ) {
                Ok(job) => Redirect::to(&format!("/transfer/jobs/{}", job.id)).into_response(),
                Err(busy) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    form_page(&st, Some(("error", html! { (busy) }))),
                )
                    .into_response(),
            },
        );
    }
    let size = bytes.len() as u64;
    let outcome = run_import(&st, bytes, options, skip).await?;
    let class = if outcome.committed { "ok" } else { "error" };
    let status = if outcome.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // Rejected rows stay downloadable for a while, as a background import's do.
    let kept = match crate::auth::current() {
        Some(u) if !outcome.rejected_rows.is_empty() => {
            let name = if file_name.trim().is_empty() {
                "the uploaded file".to_string()
            } else {
                file_name
            };
            Some(st.imports.record(u.user.id, name, size, outcome.clone()))
        }
        _ => None,
    };
    let link = kept.map(|j| rejects_url(&j));
    Ok((
        status,
        form_page(&st, Some((class, report(&outcome, link.as_deref())))),
    )
        .into_response())
}

/// `/transfer/jobs/{id}`: a background import's progress, reloading itself each second until
/// it ends, then its result (422 when nothing was imported, as for an import in the request).
async fn job_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = my_job(&st, &id)?;
    Ok(job_view(&job))
}

/// The signed-in user's import `id` (404 for anybody else's), for those who may import.
fn my_job(st: &AppState, id: &str) -> Result<std::sync::Arc<ImportJob>, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ImportExport)?;
    st.imports
        .mine(id)
        .map_err(|why| PageError::not_found(why.to_string()))
}

/// A background import as a page: its progress (reloading itself) or its result.
fn job_view(job: &ImportJob) -> Response {
    let elapsed = job.elapsed();
    let secs = elapsed.as_secs();
    let took = if secs < 10 {
        format!("{:.1} s", elapsed.as_secs_f64())
    } else if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min {} s", secs / 60, secs % 60)
    };
    let heading = html! {
        p.subtitle { (job.kind.label()) " · " (megabytes(job.bytes)) " · " (took) }
    };
    let bar = |percent: u64, text: String| {
        html! {
            div.progress role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=(percent) aria-label="Progress" {
                div.fill style=(format!("width: {percent}%")) {}
            }
            p { (text) }
            p.muted.small { "You can leave this page: the import goes on without it. Nothing is saved until every row is written, so an import cut short saves nothing." }
        }
    };
    let title = format!("Importing {}", job.file_name);
    let running = |body: Markup| {
        refreshing_page(
            &title,
            "transfer",
            1,
            html! { div.card { h1 { (title) } (heading) (body) } },
        )
        .into_response()
    };
    let finished = |status: StatusCode, result: Markup| {
        let title = format!("Import of {}", job.file_name);
        let body = html! {
            h1 { (title) }
            (heading)
            (result)
            p { a href="/transfer" { "Import another file" } }
        };
        (status, page(&title, "transfer", body)).into_response()
    };
    match job.phase() {
        Phase::Rows { read } => {
            let percent = (read * 100).checked_div(job.bytes).unwrap_or(0).min(99);
            let text = if read >= job.bytes {
                "Every row read and checked; saving them all at once…".to_string()
            } else {
                format!(
                    "Reading and checking rows: {percent}% ({} of {})",
                    megabytes(read),
                    megabytes(job.bytes)
                )
            };
            running(bar(percent, text))
        }
        Phase::Evidence { done, of } => {
            let percent = (done * 100).checked_div(of).unwrap_or(0).min(99);
            running(bar(
                percent,
                format!("Rows saved. Turning notes and comments into evidence for search and themes: {done} of {of}"),
            ))
        }
        Phase::Failed(e) => finished(
            StatusCode::INTERNAL_SERVER_ERROR,
            html! { div.notice.error { strong { "Nothing was imported: " } (e) } },
        ),
        Phase::Done(outcome) => {
            let (class, status) = if outcome.committed {
                ("ok", StatusCode::OK)
            } else {
                ("error", StatusCode::UNPROCESSABLE_ENTITY)
            };
            finished(
                status,
                html! { div class=(format!("notice {class}")) { (report(&outcome, Some(&rejects_url(job)))) } },
            )
        }
    }
}

fn rejects_url(job: &ImportJob) -> String {
    format!("/transfer/jobs/{}/rejects.csv", job.id)
}

/// `/transfer/jobs/{id}/rejects.csv`: an import's rejected rows with their reasons, the file
/// the command line writes with `--skip-invalid`.
async fn rejects_download(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = my_job(&st, &id)?;
    let Phase::Done(outcome) = job.phase() else {
        return Err(PageError::not_found(
            "This import has no rejected rows (yet).",
        ));
    };
    if outcome.rejected_rows.is_empty() {
        return Err(PageError::not_found("This import rejected no rows."));
    }
    // Off the request threads: a large import's rejects take a while to write out.
    let csv = tokio::task::spawn_blocking(move || {
        let mut csv = Vec::new();
        outcome.write_rejects(&mut csv).map(|_| csv)
    })
    .await
    .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let stem = job.file_name.trim_end_matches(".csv");
    let name: String = format!("{stem}.rejects.csv")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// A job's state in a word or two, for the list of recent imports.
fn job_status(job: &ImportJob) -> Markup {
    match job.phase() {
        Phase::Rows { .. } => html! { span.badge { "reading rows" } },
        Phase::Evidence { .. } => html! { span.badge { "making evidence" } },
        Phase::Failed(_) => html! { span.badge.bad { "failed" } },
        Phase::Done(outcome) if outcome.committed => html! {
            span.badge.good { "imported" } " " (outcome.counts.inserted) " new, " (outcome.counts.updated) " updated"
        },
        Phase::Done(_) => html! { span.badge.bad { "nothing imported" } },
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

async fn download(
    State(st): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ImportExport)?;
    let kind = file
        .strip_suffix(".csv")
        .and_then(|k| ImportKind::parse(k).ok())
        .ok_or_else(|| PageError::not_found(format!("There is no export called '{file}'.")))?;
    Ok(export_response(&st, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(phase: Phase) -> (StatusCode, String) {
        let job = ImportJob::for_test(ImportKind::Touchpoints, "big.csv", 2_000_000, phase);
        let r = job_view(&job);
        let status = r.status();
        let body = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(axum::body::to_bytes(r.into_body(), 1 << 20))
            .expect("page body");
        (status, String::from_utf8(body.to_vec()).expect("utf-8"))
    }

    #[test]
    fn a_running_import_shows_its_progress_and_reloads_itself() {
        let (status, body) = view(Phase::Rows { read: 500_000 });
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(r#"<meta http-equiv="refresh" content="1">"#),
            "{body}"
        );
        assert!(body.contains("<h1>Importing big.csv</h1>"), "{body}");
        assert!(body.contains(r#"aria-valuenow="25""#), "{body}");
        assert!(body.contains("width: 25%"), "{body}");
        assert!(
            body.contains("Reading and checking rows: 25% (0.5 MB of 2.0 MB)"),
            "{body}"
        );

        let (_, body) = view(Phase::Rows { read: 2_000_000 });
        assert!(
            body.contains("Every row read and checked; saving them"),
            "{body}"
        );
        let (_, body) = view(Phase::Evidence { done: 30, of: 40 });
        assert!(body.contains("width: 75%"), "{body}");
        assert!(
            body.contains("into evidence for search and themes: 30 of 40"),
            "{body}"
        );
        assert!(body.contains("http-equiv=\"refresh\""), "{body}");
    }

    #[test]
    fn a_finished_import_shows_its_result_and_stops_reloading() {
        let outcome = ImportOutcome {
            kind: "touchpoints".into(),
            rows: 3,
            committed: true,
            ..Default::default()
        };
        let (status, body) = view(Phase::Done(Box::new(ImportOutcome {
            evidence_error: Some("disk full".into()),
            ..outcome
        })));
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("http-equiv"), "{body}");
        assert!(body.contains("Imported touchpoints"), "{body}");
        assert!(
            body.contains("turning their text into evidence failed (disk full)"),
            "{body}"
        );

        let (status, body) = view(Phase::Failed("the database went away".into()));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            body.contains("Nothing was imported: </strong>the database went away"),
            "{body}"
        );
        assert!(!body.contains("http-equiv"), "{body}");
    }
}
