//! Recordings (C2) shared by the pages and the API: multipart uploads streamed to the media
//! folder under a size limit, transcripts parsed into evidence, and stored files served with
//! byte ranges so players can seek to a moment.

use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use peerstage_core::media::{media_type, Media, MediaData};
use peerstage_core::transcript::{detect_format, items, TranscriptFormat};
use peerstage_core::{FieldErrors, Fields};
use peerstage_store::{StoreError, StoredFile};
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

/// Why an upload could not be read at all (as opposed to a field being wrong).
#[derive(Debug)]
pub enum UploadError {
    TooLarge(u64),
    Unreadable(String),
    NoFolder,
}

impl UploadError {
    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::Unreadable(_) => StatusCode::BAD_REQUEST,
            UploadError::NoFolder => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
    pub fn message(&self) -> String {
        match self {
            UploadError::TooLarge(limit) => format!(
                "The recording is larger than the limit of {}; compress it, or store it elsewhere and give a link.",
                human_size(*limit)
            ),
            UploadError::Unreadable(m) => format!("The upload could not be read: {m}"),
            UploadError::NoFolder => "Files cannot be stored: no media folder is configured (start the server with --media-dir). Give a link to the recording instead.".into(),
        }
    }
}

pub fn human_size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= 1024.0 * MB {
        format!("{:.1} GB", bytes as f64 / (1024.0 * MB))
    } else if bytes as f64 >= MB {
        format!("{:.1} MB", bytes as f64 / MB)
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
    }
}

/// A recording saved under a temporary name until its record is written.
#[derive(Debug)]
pub struct TempFile {
    pub path: PathBuf,
    pub original_name: String,
    pub size: u64,
}

impl TempFile {
    fn discard(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A read multipart form: text fields, the recording (streamed to disk) and a transcript.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Fields,
    pub file: Option<TempFile>,
    /// (file name, text) of an uploaded transcript file.
    pub transcript_file: Option<(String, String)>,
    pub errors: FieldErrors,
}

impl Upload {
    pub fn discard(&self) {
        if let Some(f) = &self.file {
            f.discard();
        }
    }
}

fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    let s: String = s
        .chars()
        .rev()
        .take(80)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if s.is_empty() {
        "recording".into()
    } else {
        s
    }
}

fn stamp() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{n:x}")
}

/// Reads a multipart form: the `file` field is streamed to the media folder (refused past
/// the limit), a `transcript_file` is read as UTF-8 text, other fields become `fields`.
pub async fn read_upload(st: &AppState, req: Request) -> Result<Upload, UploadError> {
    let limit = st.store.media_limit();
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        // A plain form: a link and pasted transcript, no files.
        let bytes = axum::body::to_bytes(req.into_body(), crate::UPLOAD_LIMIT)
            .await
            .map_err(|_| UploadError::Unreadable("the form is too large".into()))?;
        return Ok(Upload {
            fields: crate::extract::parse_urlencoded(&bytes),
            ..Default::default()
        });
    }
    let mut mp = Multipart::from_request(req, st)
        .await
        .map_err(|e| UploadError::Unreadable(e.body_text()))?;
    let mut up = Upload::default();
    let result = async {
        loop {
            let mut field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(UploadError::Unreadable(e.body_text())),
            };
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            match name.as_str() {
                "file" => {
                    let Some(original) = file_name.filter(|n| !n.is_empty()) else {
                        // An empty file input.
                        while let Ok(Some(_)) = field.chunk().await {}
                        continue;
                    };
                    let dir = st.store.media_dir().ok_or(UploadError::NoFolder)?;
                    std::fs::create_dir_all(&dir).map_err(|e| UploadError::Unreadable(format!("the media folder cannot be created: {e}")))?;
                    let path = dir.join(format!(".upload-{}", stamp()));
                    let mut out = std::fs::File::create(&path).map_err(|e| UploadError::Unreadable(format!("the file cannot be saved: {e}")))?;
                    let temp = TempFile { path: path.clone(), original_name: original, size: 0 };
                    up.file = Some(temp);
                    let mut size: u64 = 0;
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                size += chunk.len() as u64;
                                if size > limit {
                                    return Err(UploadError::TooLarge(limit));
                                }
                                out.write_all(&chunk).map_err(|e| UploadError::Unreadable(format!("the file cannot be saved: {e}")))?;
                            }
                            Ok(None) => break,
                            Err(e) => return Err(UploadError::Unreadable(e.body_text())),
                        }
                    }
                    out.flush().map_err(|e| UploadError::Unreadable(e.to_string()))?;
                    if let Some(f) = up.file.as_mut() {
                        f.size = size;
                    }
                    if size == 0 {
                        up.errors.add("file", "is empty");
                    }
                }
                "transcript_file" => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| UploadError::Unreadable(e.body_text()))?;
                    if bytes.is_empty() {
                        continue;
                    }
                    if bytes.len() > crate::UPLOAD_LIMIT {
                        return Err(UploadError::Unreadable(format!(
                            "the transcript is larger than {}",
                            human_size(crate::UPLOAD_LIMIT as u64)
                        )));
                    }
                    match String::from_utf8(bytes.to_vec()) {
                        Ok(t) => up.transcript_file = Some((file_name.unwrap_or_default(), t)),
                        Err(_) => up.errors.add(
                            "transcript",
                            "the transcript file is not UTF-8 text; save it as UTF-8 (plain text, SRT or WebVTT)",
                        ),
                    }
                }
                _ => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| UploadError::Unreadable(e.body_text()))?;
                    if bytes.len() > crate::BODY_LIMIT {
                        return Err(UploadError::Unreadable(format!("the field {name} is too large")));
                    }
                    up.fields.push(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(up),
        Err(e) => {
            up.discard();
            Err(e)
        }
    }
}

/// The transcript of a form or body: an uploaded file wins over pasted `transcript` text;
/// `transcript_format` (text, srt, vtt) or else the file name and content tell the format.
/// `Ok(None)` when there is none.
pub fn transcript_of(
    fields: &Fields,
    file: Option<&(String, String)>,
) -> Result<
    Option<(
        TranscriptFormat,
        Vec<peerstage_core::transcript::TranscriptItem>,
    )>,
    FieldErrors,
> {
    let (name, text) = match file {
        Some((n, t)) => (n.as_str(), t.as_str()),
        None => ("", fields.get("transcript")),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let format = match fields.get("transcript_format").trim() {
        "" => detect_format(name, text),
        f => TranscriptFormat::parse(f).map_err(|e| FieldErrors::single("transcript_format", e))?,
    };
    match items(text, format) {
        Ok(it) => Ok(Some((format, it))),
        Err(e) => Err(FieldErrors::single(
            "transcript",
            format!("could not be read as {}: {e}", format.label()),
        )),
    }
}

/// Errors of a new recording, or what to write.
pub enum Created {
    Media(Box<Media>, usize),
    Invalid(FieldErrors),
}

/// Validates an upload (or a link), parses its transcript, moves the file into place and
/// writes the record and its transcript evidence. `allow_consent`: without ManageInsights
/// a new recording starts without consent.
pub async fn create(st: &AppState, up: Upload, allow_consent: bool) -> Result<Created, StoreError> {
    let mut fields = up.fields.clone();
    if !allow_consent {
        fields.set("consent", "none");
    }
    let mut errors = up.errors.clone();
    let data =
        match MediaData::from_fields(&fields, up.file.as_ref().map(|f| f.original_name.as_str())) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
    let transcript = match transcript_of(&fields, up.transcript_file.as_ref()) {
        Ok(t) => t,
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let (Some(data), true) = (data, errors.is_empty()) else {
        up.discard();
        return Ok(Created::Invalid(errors));
    };
    let stored = match &up.file {
        Some(f) => {
            let (_, _, content_type) =
                media_type(&f.original_name).unwrap_or(("", data.kind, "application/octet-stream"));
            let final_name = format!("{}-{}", stamp(), safe_name(&f.original_name));
            let target = st
                .store
                .media_path(&final_name)
                .ok_or_else(|| StoreError::Database("no media folder".into()))?;
            if let Err(e) = std::fs::rename(&f.path, &target) {
                f.discard();
                return Err(StoreError::Database(format!(
                    "cannot move the upload into place: {e}"
                )));
            }
            Some((
                StoredFile {
                    file_name: final_name,
                    size: f.size as i64,
                    content_type: content_type.to_string(),
                },
                target,
            ))
        }
        None => None,
    };
    let file = stored.as_ref().map(|(s, _)| s.clone());
    let today = chrono::Utc::now().date_naive();
    let result = st
        .run(move |s| {
            let m = s.create_media(&data, file.as_ref())?;
            let n = match &transcript {
                Some((format, items)) => s.attach_transcript(m.id, *format, items, today)?,
                None => 0,
            };
            Ok((s.get_media(m.id)?, n))
        })
        .await;
    match result {
        Ok((m, n)) => Ok(Created::Media(Box::new(m), n)),
        Err(e) => {
            if let Some((_, path)) = stored {
                let _ = std::fs::remove_file(path);
            }
            match e {
                StoreError::Invalid(errors) => Ok(Created::Invalid(errors)),
                other => Err(other),
            }
        }
    }
}

/// Serves a stored recording, honouring a single `Range: bytes=a-b` so players can seek.
pub async fn serve_file(st: &AppState, m: &Media, headers: &HeaderMap) -> Response {
    if m.file_name.is_none() {
        if let Some(link) = &m.data.link {
            // A linked recording plays from where it lives.
            return axum::response::Redirect::to(link).into_response();
        }
    }
    let Some(path) = m.file_name.as_deref().and_then(|f| st.store.media_path(f)) else {
        return (
            StatusCode::NOT_FOUND,
            "This recording has no stored file; it is a link.",
        )
            .into_response();
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "stored recording missing");
            return (
                StatusCode::NOT_FOUND,
                "The stored file is missing from the media folder.",
            )
                .into_response();
        }
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let ct = m
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| {
            let (a, b) = v.split_once('-')?;
            if v.contains(',') {
                return None;
            }
            match (a.trim(), b.trim()) {
                ("", suffix) => {
                    let n: u64 = suffix.parse().ok()?;
                    Some((len.saturating_sub(n), len.checked_sub(1)?))
                }
                (start, "") => Some((start.parse().ok()?, len.checked_sub(1)?)),
                (start, end) => Some((
                    start.parse().ok()?,
                    end.parse::<u64>().ok()?.min(len.checked_sub(1)?),
                )),
            }
        });
    let common = [
        (header::CONTENT_TYPE, ct),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
    ];
    match range {
        Some((start, end)) if start <= end && end < len => {
            let body = stream_body(file, start, end - start + 1);
            let mut r = (StatusCode::PARTIAL_CONTENT, common, body).into_response();
            if let Ok(v) = format!("bytes {start}-{end}/{len}").parse() {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        Some(_) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = format!("bytes */{len}").parse() {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        None => (StatusCode::OK, common, stream_body(file, 0, len)).into_response(),
    }
}

/// A response body of `len` bytes of a file from `start`, read on a blocking thread in
/// 64 KiB chunks.
fn stream_body(mut file: std::fs::File, start: u64, len: u64) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(8);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = file.seek(std::io::SeekFrom::Start(start)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut r = file.take(len);
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(buf)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Body::from_stream(stream)
}
