//! Customer recordings (C2): videos and audio stored as files beside the database or as
//! links, with their duration and the customer's consent to show them internally or
//! externally. Transcripts are parsed by `transcript` and become evidence.

use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse;
use crate::transcript::TranscriptFormat;
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

crate::text_enum!(
    MediaKind {
        Video => "video", "Video";
        Audio => "audio", "Audio";
    }
);

crate::text_enum!(
    /// What the customer agreed to: nobody outside the recording's own team (none), people
    /// inside the company (internal, e.g. a strategy session), or anyone (external, e.g. a
    /// public case study or a prospect).
    MediaConsent {
        None => "none", "No consent yet";
        Internal => "internal", "Internal use";
        External => "external", "External use";
    }
);

crate::text_enum!(
    /// The media library's sortable columns; without one it lists the latest recording first.
    MediaSort {
        Title => "title", "Title";
        Customer => "customer", "Customer";
        Kind => "kind", "Kind";
        Recorded => "recorded", "Recorded";
        Duration => "duration", "Duration";
        Consent => "consent", "Consent";
        Items => "items", "Transcript items";
    }
);

impl MediaConsent {
    /// May the recording be played to colleagues?
    pub fn internal_ok(self) -> bool {
        matches!(self, MediaConsent::Internal | MediaConsent::External)
    }
    /// May it be shown outside the company (prospects, public pages)?
    pub fn external_ok(self) -> bool {
        self == MediaConsent::External
    }
}

/// File extensions accepted for upload, with the kind they imply and their content type.
pub const MEDIA_TYPES: &[(&str, MediaKind, &str)] = &[
    ("mp4", MediaKind::Video, "video/mp4"),
    ("m4v", MediaKind::Video, "video/mp4"),
    ("webm", MediaKind::Video, "video/webm"),
    ("mov", MediaKind::Video, "video/quicktime"),
    ("ogv", MediaKind::Video, "video/ogg"),
    ("mp3", MediaKind::Audio, "audio/mpeg"),
    ("m4a", MediaKind::Audio, "audio/mp4"),
    ("wav", MediaKind::Audio, "audio/wav"),
    ("ogg", MediaKind::Audio, "audio/ogg"),
    ("oga", MediaKind::Audio, "audio/ogg"),
    ("opus", MediaKind::Audio, "audio/ogg"),
    ("flac", MediaKind::Audio, "audio/flac"),
    ("weba", MediaKind::Audio, "audio/webm"),
];

/// The extension of a file name, lower-cased, if it is one we accept.
pub fn media_type(file_name: &str) -> Option<(&'static str, MediaKind, &'static str)> {
    let ext = file_name.rsplit_once('.')?.1.to_lowercase();
    MEDIA_TYPES.iter().copied().find(|(e, _, _)| *e == ext)
}

/// "1:02:03", "12:30", "95" (seconds) or "95s" as milliseconds.
pub fn parse_duration(input: &str) -> Result<Option<i64>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("'{t}' is not a duration like 12:30 or 1:02:03 (or seconds)");
    let t2 = t.trim_end_matches('s');
    let parts: Vec<&str> = t2.split(':').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    let mut secs: f64 = 0.0;
    for (i, p) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        let v: f64 = if last {
            p.parse().map_err(|_| bad())?
        } else {
            p.parse::<u32>().map_err(|_| bad())? as f64
        };
        if !v.is_finite() || v < 0.0 || (i > 0 && v >= 60.0) {
            return Err(bad());
        }
        secs = secs * 60.0 + v;
    }
    if secs > 24.0 * 3600.0 {
        return Err("is longer than 24 hours".into());
    }
    Ok(Some((secs * 1000.0).round() as i64))
}

/// A recording's details as entered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaData {
    pub title: String,
    pub kind: MediaKind,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub recorded_on: Option<NaiveDate>,
    pub link: Option<String>,
    pub duration_ms: Option<i64>,
    pub consent: MediaConsent,
}

pub const MEDIA_FIELDS: &[&str] = &[
    "title",
    "kind",
    "account_id",
    "contact_id",
    "recorded_on",
    "link",
    "duration",
    "consent",
];

impl MediaData {
    /// `kind` may be left out when `file_name` (an upload) tells it; `duration` reads
    /// "12:30", "1:02:03" or seconds. Either an upload or a link is needed: the caller says
    /// whether a file came with the form.
    pub fn from_fields(f: &Fields, file_name: Option<&str>) -> Result<Self, FieldErrors> {
        Self::read(f, file_name, true)
    }

    /// For a stored recording: kind is required, a link is not (storage checks that a
    /// recording without a file keeps its link).
    pub fn from_fields_existing(f: &Fields) -> Result<Self, FieldErrors> {
        Self::read(f, None, false)
    }

    fn read(f: &Fields, file_name: Option<&str>, needs_source: bool) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.check("title", parse::required_text(f.get("title"), 200));
        let from_file = file_name.and_then(media_type).map(|(_, k, _)| k);
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), MediaKind::parse).and_then(|k| {
                k.or(from_file)
                    .ok_or_else(|| "is required: video or audio".to_string())
            }),
        );
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let recorded_on = e.check("recorded_on", parse::optional_date(f.get("recorded_on")));
        let link = e.check("link", parse::optional_url(f.get("link")));
        let duration_ms = e.check("duration", parse_duration(f.get("duration")));
        let consent = e.check(
            "consent",
            optional_enum(f.get("consent"), MediaConsent::parse)
                .map(|c| c.unwrap_or(MediaConsent::None)),
        );
        if let Some(name) = file_name {
            if media_type(name).is_none() {
                let exts: Vec<&str> = MEDIA_TYPES.iter().map(|(e, _, _)| *e).collect();
                e.add(
                    "file",
                    format!(
                        "'{name}' is not a video or audio file we can play (accepted: {})",
                        exts.join(", ")
                    ),
                );
            }
        } else if needs_source && matches!(link, Some(None)) {
            e.add(
                "link",
                "is required: upload a file or give a link to the recording",
            );
        }
        e.into_result(|| MediaData {
            title: title.unwrap(),
            kind: kind.unwrap(),
            account_id: account_id.unwrap(),
            contact_id: contact_id.unwrap(),
            recorded_on: recorded_on.unwrap(),
            link: link.unwrap(),
            duration_ms: duration_ms.unwrap(),
            consent: consent.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("title", self.title.clone()),
            ("kind", self.kind.as_str().to_string()),
            (
                "account_id",
                self.account_id.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "contact_id",
                self.contact_id.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("recorded_on", date_text(self.recorded_on)),
            ("link", self.link.clone().unwrap_or_default()),
            (
                "duration",
                self.duration_ms
                    .map(crate::transcript::format_ms)
                    .unwrap_or_default(),
            ),
            ("consent", self.consent.as_str().to_string()),
        ])
    }
}

/// A stored recording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Media {
    pub id: i64,
    #[serde(flatten)]
    pub data: MediaData,
    /// The stored file's name inside the media folder, when uploaded.
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub content_type: Option<String>,
    pub transcript_format: Option<TranscriptFormat>,
    pub evidence_count: i64,
    pub account_name: Option<String>,
    pub contact_name: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Media {
    /// Where the recording plays from: the served file, or the link.
    pub fn source_url(&self) -> Option<String> {
        if self.file_name.is_some() {
            Some(format!("/media/{}/file", self.id))
        } else {
            self.data.link.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("12:30"), Ok(Some(750_000)));
        assert_eq!(parse_duration("1:02:03"), Ok(Some(3_723_000)));
        assert_eq!(parse_duration("95"), Ok(Some(95_000)));
        assert_eq!(parse_duration("95s"), Ok(Some(95_000)));
        assert_eq!(parse_duration(""), Ok(None));
        assert!(parse_duration("1:75").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("-3").is_err());
    }

    #[test]
    fn media_needs_a_file_or_a_link_and_a_playable_type() {
        let f = Fields::from_pairs([("title", "Acme interview")]);
        let e = MediaData::from_fields(&f, None).unwrap_err();
        assert!(e.get("link").is_some());
        assert!(e.get("kind").is_some());
        let m = MediaData::from_fields(&f, Some("acme.MP4")).unwrap();
        assert_eq!(m.kind, MediaKind::Video);
        assert_eq!(m.consent, MediaConsent::None);
        let e = MediaData::from_fields(&f, Some("acme.exe")).unwrap_err();
        assert!(e.get("file").unwrap().contains("not a video or audio file"));
        let f = Fields::from_pairs([
            ("title", "Call"),
            ("kind", "audio"),
            ("link", "https://example.com/call.mp3"),
            ("consent", "external"),
            ("duration", "3:00"),
        ]);
        let m = MediaData::from_fields(&f, None).unwrap();
        assert!(m.consent.external_ok() && m.consent.internal_ok());
        assert_eq!(MediaData::from_fields(&m.to_fields(), None).unwrap(), m);
    }
}
