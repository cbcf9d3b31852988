//! Customer recordings (C2): the media table, where uploaded files live on disk, and
//! transcripts turned into evidence that links back to the moment in the recording.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::NaiveDate;
use peerstage_core::account::{Page, Paging};
use peerstage_core::evidence::{Evidence, EvidenceData, EvidenceSource};
use peerstage_core::media::{Media, MediaConsent, MediaData, MediaKind, MediaSort};
use peerstage_core::transcript::{TranscriptFormat, TranscriptItem};
use peerstage_core::FieldErrors;
use std::path::PathBuf;

/// Where uploaded recordings are kept, and how large one may be.
#[derive(Debug, Clone, Default)]
pub struct MediaConfig {
    /// Set with `--media-dir`; otherwise a folder beside the SQLite file.
    pub dir: Option<PathBuf>,
    /// Largest upload in bytes; 0 means `DEFAULT_MEDIA_LIMIT`.
    pub max_bytes: u64,
}

/// Largest recording accepted when nothing else is configured: 2 GiB.
pub const DEFAULT_MEDIA_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// A file saved in the media folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub file_name: String,
    pub size: i64,
    pub content_type: String,
}

const COLUMNS: &str = "m.id, m.title, m.kind, m.account_id, m.contact_id, m.recorded_on, m.file_name, m.link, m.duration_ms, m.consent, m.transcript_format, m.created_by, m.created_at, m.file_size, m.content_type, a.name, c.name, (SELECT count(*) FROM evidence e WHERE e.media_id = m.id)";
const FROM: &str =
    "media m LEFT JOIN accounts a ON a.id = m.account_id LEFT JOIN contacts c ON c.id = m.contact_id";

fn from_row(r: &Row) -> Media {
    Media {
        id: r.int(0),
        data: MediaData {
            title: r.text(1),
            kind: MediaKind::parse(&r.text(2)).unwrap_or(MediaKind::Video),
            account_id: r.opt_int(3),
            contact_id: r.opt_int(4),
            recorded_on: r.opt_date(5),
            link: r.opt_text(7),
            duration_ms: r.opt_int(8),
            consent: MediaConsent::parse(&r.text(9)).unwrap_or(MediaConsent::None),
        },
        file_name: r.opt_text(6),
        transcript_format: r
            .opt_text(10)
            .and_then(|t| TranscriptFormat::parse(&t).ok()),
        created_by: r.text(11),
        created_at: r.time(12),
        file_size: r.opt_int(13),
        content_type: r.opt_text(14),
        account_name: r.opt_text(15),
        contact_name: r.opt_text(16),
        evidence_count: r.int(17),
    }
}

pub(crate) fn get(c: &mut dyn Conn, id: i64) -> Result<Media> {
    c.query_one(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE m.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| from_row(&r))
    .ok_or(StoreError::NotFound { what: "media", id })
}

/// The account must exist; a contact must exist and belong to the account (which it
/// supplies when none is given).
fn resolve_links(c: &mut dyn Conn, d: &mut MediaData) -> Result<()> {
    if let Some(cid) = d.contact_id {
        let account = c
            .query_one(
                "SELECT account_id FROM contacts WHERE id = ?",
                &[Value::Int(cid)],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| {
                StoreError::Invalid(FieldErrors::single(
                    "contact_id",
                    format!("there is no contact {cid}"),
                ))
            })?;
        match d.account_id {
            None => d.account_id = Some(account),
            Some(a) if a != account => {
                return Err(FieldErrors::single(
                    "contact_id",
                    format!("contact {cid} is not a contact of account {a}"),
                )
                .into())
            }
            Some(_) => {}
        }
    }
    if let Some(a) = d.account_id {
        if c.query_int(
            "SELECT count(*) FROM accounts WHERE id = ?",
            &[Value::Int(a)],
        )? == 0
        {
            return Err(
                FieldErrors::single("account_id", format!("there is no account {a}")).into(),
            );
        }
    }
    Ok(())
}

/// Filters for the media library, and (for `list_media_page`) its sort and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaQuery {
    pub account_id: Option<i64>,
    pub consent: Option<MediaConsent>,
    pub kind: Option<MediaKind>,
    pub paging: Paging<MediaSort>,
}

impl MediaQuery {
    fn filter(&self) -> (String, Vec<Value>) {
        let mut conds = Vec::new();
        let mut params = Vec::new();
        if let Some(a) = self.account_id {
            conds.push("m.account_id = ?");
            params.push(Value::Int(a));
        }
        if let Some(k) = self.consent {
            conds.push("m.consent = ?");
            params.push(Value::from(k.as_str()));
        }
        if let Some(k) = self.kind {
            conds.push("m.kind = ?");
            params.push(Value::from(k.as_str()));
        }
        let w = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        (w, params)
    }
}

/// A transcript tag naming who spoke, within the evidence tag length.
fn speaker_tag(name: &str) -> String {
    let t: String = format!("speaker: {}", name.to_lowercase())
        .chars()
        .take(40)
        .collect();
    t.replace([',', ';'], " ")
}

impl Store {
    /// Configures where uploads go and how large they may be.
    pub fn set_media_config(&self, cfg: MediaConfig) {
        if let Ok(mut m) = self.shared.media.lock() {
            *m = cfg;
        }
    }

    /// The media folder: configured, or `<database>-media` beside an SQLite file; `None`
    /// for PostgreSQL without `--media-dir` (then only links can be recorded).
    pub fn media_dir(&self) -> Option<PathBuf> {
        if let Some(d) = self.shared.media.lock().ok().and_then(|m| m.dir.clone()) {
            return Some(d);
        }
        match &*self.engine {
            crate::Engine::Sqlite { path, .. } if path != ":memory:" => {
                let p = std::path::Path::new(path);
                let stem = p.file_stem()?.to_string_lossy().to_string();
                Some(p.with_file_name(format!("{stem}-media")))
            }
            _ => None,
        }
    }

    pub fn media_limit(&self) -> u64 {
        match self.shared.media.lock().map(|m| m.max_bytes) {
            Ok(n) if n > 0 => n,
            _ => DEFAULT_MEDIA_LIMIT,
        }
    }

    /// Where a stored file is on disk.
    pub fn media_path(&self, file_name: &str) -> Option<PathBuf> {
        // Names are ours ("<stamp>-<safe name>"), but never follow a path out of the folder.
        if file_name.contains(['/', '\\']) || file_name.starts_with('.') {
            return None;
        }
        self.media_dir().map(|d| d.join(file_name))
    }

    /// Removes stored files, logging (not failing on) files already gone.
    pub fn remove_media_files(&self, names: &[String]) {
        for n in names {
            if let Some(p) = self.media_path(n) {
                if let Err(e) = std::fs::remove_file(&p) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(file = %p.display(), error = %e, "could not remove a media file");
                    }
                }
            }
        }
    }

    pub fn create_media(&self, d: &MediaData, file: Option<&StoredFile>) -> Result<Media> {
        let mut d = d.clone();
        self.transaction(|c| {
            resolve_links(c, &mut d)?;
            let id = c.query_int(
                "INSERT INTO media (title, kind, account_id, contact_id, recorded_on, file_name, link, duration_ms, consent, file_size, content_type, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(d.title.as_str()),
                    Value::from(d.kind.as_str()),
                    Value::from(d.account_id),
                    Value::from(d.contact_id),
                    d.recorded_on.map(Value::Date).unwrap_or(Value::Null),
                    Value::from(file.map(|f| f.file_name.clone())),
                    Value::from(&d.link),
                    Value::from(d.duration_ms),
                    Value::from(d.consent.as_str()),
                    Value::from(file.map(|f| f.size)),
                    Value::from(file.map(|f| f.content_type.clone())),
                    Value::from(self.actor().label.as_str()),
                    Value::Time(now()),
                ],
            )?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "media", id, &after.data.title, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn get_media(&self, id: i64) -> Result<Media> {
        self.with_conn(|c| get(c, id))
    }

    /// The library, latest recording first (up to `LIST_CAP`, ignoring `q.paging`), for pickers
    /// and the command line.
    pub fn list_media(&self, q: &MediaQuery) -> Result<Vec<Media>> {
        let (w, params) = q.filter();
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {COLUMNS} FROM {FROM} {w} ORDER BY (m.recorded_on IS NULL), m.recorded_on DESC, m.id DESC LIMIT {}", crate::refops::LIST_CAP),
                &params,
            )?
            .iter()
            .map(from_row)
            .collect())
        })
    }

    /// One page of the library, sorted by `q.paging` (latest recording first without a
    /// sort), with the number of recordings that match the filters.
    pub fn list_media_page(&self, q: &MediaQuery) -> Result<Page<Media>> {
        let (w, params) = q.filter();
        let p = &q.paging;
        // Column expressions only: the sort key is an enum, never text from the request.
        let (order, desc) = match p.sort {
            None => ("m.recorded_on", true),
            Some(MediaSort::Title) => ("lower(m.title)", p.descending),
            Some(MediaSort::Customer) => ("lower(a.name)", p.descending),
            Some(MediaSort::Kind) => ("m.kind", p.descending),
            Some(MediaSort::Recorded) => ("m.recorded_on", p.descending),
            Some(MediaSort::Duration) => ("m.duration_ms", p.descending),
            Some(MediaSort::Consent) => ("m.consent", p.descending),
            Some(MediaSort::Items) => (
                "(SELECT count(*) FROM evidence e WHERE e.media_id = m.id)",
                p.descending,
            ),
        };
        let dir = if desc { "DESC" } else { "ASC" };
        // NULLs last in both directions, on both engines.
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} {w} ORDER BY ({order} IS NULL), {order} {dir}, m.id {dir} LIMIT {} OFFSET {}",
            p.per_page(),
            p.offset()
        );
        self.with_conn(|c| {
            let total = c.query_int(&format!("SELECT count(*) FROM media m {w}"), &params)? as u64;
            let items = c.query(&sql, &params)?.iter().map(from_row).collect();
            Ok(p.page_of(items, total))
        })
    }

    /// Changes the details and consent; the stored file stays. A link may only be cleared
    /// when a file is stored.
    pub fn update_media(&self, id: i64, d: &MediaData) -> Result<Media> {
        let mut d = d.clone();
        self.transaction(|c| {
            let before = get(c, id)?;
            resolve_links(c, &mut d)?;
            if d.link.is_none() && before.file_name.is_none() {
                return Err(FieldErrors::single(
                    "link",
                    "is required: this recording has no uploaded file",
                )
                .into());
            }
            c.execute(
                "UPDATE media SET title = ?, kind = ?, account_id = ?, contact_id = ?, recorded_on = ?, link = ?, duration_ms = ?, consent = ? WHERE id = ?",
                &[
                    Value::from(d.title.as_str()),
                    Value::from(d.kind.as_str()),
                    Value::from(d.account_id),
                    Value::from(d.contact_id),
                    d.recorded_on.map(Value::Date).unwrap_or(Value::Null),
                    Value::from(&d.link),
                    Value::from(d.duration_ms),
                    Value::from(d.consent.as_str()),
                    Value::Int(id),
                ],
            )?;
            // Evidence split from the transcript follows the recording's customer.
            c.execute(
                "UPDATE evidence SET account_id = ?, contact_id = ? WHERE media_id = ? AND source = 'transcript'",
                &[Value::from(d.account_id), Value::from(d.contact_id), Value::Int(id)],
            )?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "media", id, &after.data.title, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes the record (its transcript evidence and session items go with it) and its
    /// stored file.
    pub fn delete_media(&self, id: i64) -> Result<()> {
        let file = self.transaction(|c| {
            let before = get(c, id)?;
            c.execute("DELETE FROM media WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "media",
                id,
                &before.data.title,
                Some(&before),
                None,
            )?;
            Ok(before.file_name)
        })?;
        if let Some(f) = file {
            self.remove_media_files(&[f]);
        }
        Ok(())
    }

    /// Replaces the recording's transcript: the items become evidence (source transcript)
    /// linked to their moment, in one transaction; earlier transcript evidence of this
    /// recording is removed. Returns how many items were written.
    pub fn attach_transcript(
        &self,
        media_id: i64,
        format: TranscriptFormat,
        items: &[TranscriptItem],
        today: NaiveDate,
    ) -> Result<usize> {
        self.transaction(|c| {
            let m = get(c, media_id)?;
            let removed = c.execute(
                "DELETE FROM evidence WHERE media_id = ? AND source = 'transcript'",
                &[Value::Int(media_id)],
            )?;
            let day = m.data.recorded_on.unwrap_or(today);
            for it in items {
                let mut d = EvidenceData::new(it.text.clone(), EvidenceSource::Transcript, day);
                d.account_id = m.data.account_id;
                d.contact_id = m.data.contact_id;
                d.media_id = Some(media_id);
                d.media_start_ms = it.start_ms;
                d.media_end_ms = it.end_ms;
                if let Some(s) = &it.speaker {
                    d.tags.push(speaker_tag(s));
                }
                crate::evidence::insert_evidence(c, &d, &self.actor().label)?;
            }
            c.execute(
                "UPDATE media SET transcript_format = ? WHERE id = ?",
                &[Value::from(format.as_str()), Value::Int(media_id)],
            )?;
            self.audit(
                c,
                "transcript",
                "media",
                Some(media_id),
                &format!(
                    "{}: {} transcript items ({}){}",
                    m.data.title,
                    items.len(),
                    format.as_str(),
                    if removed > 0 {
                        format!(", replacing {removed}")
                    } else {
                        String::new()
                    }
                ),
                None,
                None,
            )?;
            Ok(items.len())
        })
    }

    /// The evidence split from a recording's transcript, in the order it was said.
    pub fn media_evidence(&self, media_id: i64) -> Result<Vec<Evidence>> {
        self.with_conn(|c| {
            let ids: Vec<i64> = c
                .query(
                    "SELECT id FROM evidence WHERE media_id = ? ORDER BY media_start_ms, id",
                    &[Value::Int(media_id)],
                )?
                .iter()
                .map(|r| r.int(0))
                .collect();
            ids.into_iter()
                .map(|id| crate::evidence::get(c, id))
                .collect()
        })
    }
}

/// F3: recordings of an erased person are deleted (their transcript evidence goes with them)
/// and the audit entries that described them lose their values. Returns the stored files to
/// remove once the erasure is committed.
pub(crate) fn erase_contact(c: &mut dyn Conn, contact_id: i64) -> Result<Vec<String>> {
    let rows = c.query(
        "SELECT id, file_name FROM media WHERE contact_id = ?",
        &[Value::Int(contact_id)],
    )?;
    let mut files = Vec::new();
    for r in rows {
        c.execute(
            "UPDATE audit_log SET before_json = NULL, after_json = NULL, summary = 'recording of an erased person' WHERE entity = 'media' AND entity_id = ?",
            &[Value::Int(r.int(0))],
        )?;
        c.execute("DELETE FROM media WHERE id = ?", &[Value::Int(r.int(0))])?;
        if let Some(f) = r.opt_text(1) {
            files.push(f);
        }
    }
    Ok(files)
}

/// F3: the recordings of a person.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let items: Vec<Media> = c
        .query(
            &format!("SELECT {COLUMNS} FROM {FROM} WHERE m.contact_id = ? ORDER BY m.id"),
            &[Value::Int(contact_id)],
        )?
        .iter()
        .map(from_row)
        .collect();
    Ok(serde_json::to_value(items).unwrap_or_default())
}
