//! CSV import and export shared by the pages and the API.

use crate::AppState;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use peerstage_core::import::{parse_mapping, ImportKind, ImportOptions, Preset};
use peerstage_store::{export_csv, ImportOutcome, StoreError};

/// Import options from user text: preset name and `FIELD=COLUMN` mappings.
pub fn import_options(
    kind: ImportKind,
    preset: &str,
    mappings: &[&str],
) -> Result<ImportOptions, String> {
    let preset = if preset.trim().is_empty() {
        None
    } else {
        Some(Preset::parse(preset).map_err(|e| format!("preset: {e}"))?)
    };
    let mut overrides = Vec::new();
    for m in mappings
        .iter()
        .flat_map(|m| m.lines())
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        overrides.push(parse_mapping(m).map_err(|e| format!("mapping: {e}"))?);
    }
    Ok(ImportOptions {
        kind,
        preset,
        overrides,
    })
}

pub async fn run_import(
    st: &AppState,
    bytes: Vec<u8>,
    options: ImportOptions,
    skip_invalid: bool,
) -> Result<ImportOutcome, StoreError> {
    st.run(move |s| {
        let mut outcome = s.import_csv(&bytes[..], &options, skip_invalid, |_| {})?;
        if outcome.committed {
            // Imported notes, comments and reviews become evidence (C1) right away.
            if let Err(e) = s.sync_evidence_after(options.kind) {
                tracing::error!(error = %e, "evidence sync after an import failed");
                outcome.evidence_error = Some(crate::error::shown(&e));
            }
        }
        Ok(outcome)
    })
    .await
}

/// Streams a CSV export without holding it all in memory.
pub fn export_response(st: &AppState, kind: ImportKind) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || {
        let writer = ChannelWriter {
            tx,
            buf: Vec::with_capacity(1 << 16),
        };
        if let Err(e) = export_csv(&store, kind, writer) {
            tracing::error!(error = %e, "export failed");
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
    });
    let filename = format!(
        "peerstage-{}-{}.csv",
        kind.as_str(),
        chrono::Utc::now().format("%Y%m%d")
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(1 << 16));
            self.tx.blocking_send(chunk).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away")
            })?;
        }
        Ok(())
    }
}
