use super::layout::page;
use super::widgets::enum_options;
use crate::error::PageError;
use crate::transfer::{export_response, import_options, run_import};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
        .route("/export/{file}", get(download))
}

fn form_page(message: Option<(&str, Markup)>) -> Markup {
    let kinds = enum_options(ImportKind::ALL, ImportKind::as_str, ImportKind::label);
    let presets = enum_options(Preset::ALL, Preset::as_str, Preset::label);
    page(
        "Import & export",
        "transfer",
        html! {
            h1 { "Import & export" }
            @if let Some((class, m)) = message { div class=(format!("notice {class}")) { (m) } }
            div.grid.two {
                div.card {
                    h2 { "Import a CSV file" }
                    p.muted.small { "Rows are matched on external id: importing the same file again changes nothing. If any row is invalid, nothing is imported unless you choose to skip invalid rows." }
                    form.stacked method="post" action=(format!("/transfer?csrf={}", crate::auth::csrf_token())) enctype="multipart/form-data" {
                        div.field { label for="kind" { "What the file holds" }
                            select id="kind" name="kind" { @for (v, l) in &kinds { option value=(v) { (l) } } } }
                        div.field { label for="file" { "CSV file" } input id="file" type="file" name="file" accept=".csv,text/csv" required; span.hint { "UTF-8, comma or semicolon separated, up to 64 MB" } }
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

async fn form() -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ImportExport)?;
    Ok(form_page(None))
}

pub(crate) fn report(outcome: &ImportOutcome) -> Markup {
    html! {
        @if let Some(e) = &outcome.file_error {
            strong { "Nothing was imported. " } (e)
        } @else if outcome.committed {
            strong { "Imported " (outcome.kind) ": " }
            (outcome.counts.inserted) " new, " (outcome.counts.updated) " updated, " (outcome.counts.unchanged) " unchanged"
            @if outcome.rejected > 0 { ", " (outcome.rejected) " rejected rows skipped" } "."
        } @else {
            strong { "Nothing was imported: " (outcome.rejected) " of " (outcome.rows) " rows are invalid. " }
            "Fix them and import again, or choose to skip invalid rows."
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
    let (mut kind, mut preset, mut map, mut skip, mut file) = (
        String::new(),
        String::new(),
        String::new(),
        false,
        None::<Vec<u8>>,
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
            form_page(Some(("error", html! { (m) }))),
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
    let outcome = run_import(&st, bytes, options, skip).await?;
    let class = if outcome.committed { "ok" } else { "error" };
    let status = if outcome.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, form_page(Some((class, report(&outcome))))).into_response())
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
