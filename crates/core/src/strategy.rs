//! Strategy sessions and action plans (C7). A session gathers recordings and evidence to
//! review together — every rep's customer video shown to sales, engineering and support in
//! one room — with discussion notes per item; action items (owner, due date, status) link to
//! the evidence and themes behind them.

use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

crate::text_enum!(
    ActionStatus {
        Open => "open", "Open";
        InProgress => "in_progress", "In progress";
        Done => "done", "Done";
    }
);

/// A strategy session as entered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionData {
    pub title: String,
    pub held_on: NaiveDate,
    /// Who was in the room, as written ("Sales: Ana, Bo; Engineering: Cy").
    pub attendees: Option<String>,
    pub notes: Option<String>,
}

pub const SESSION_FIELDS: &[&str] = &["title", "held_on", "attendees", "notes"];

impl SessionData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.check("title", parse::required_text(f.get("title"), 200));
        let held_on = e.check("held_on", parse::required_date(f.get("held_on")));
        let attendees = e.check("attendees", parse::optional_text(f.get("attendees"), 2000));
        let notes = e.check("notes", parse::optional_text(f.get("notes"), 20_000));
        e.into_result(|| SessionData {
            title: title.unwrap(),
            held_on: held_on.unwrap(),
            attendees: attendees.unwrap(),
            notes: notes.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("title", self.title.clone()),
            ("held_on", date_text(Some(self.held_on))),
            ("attendees", self.attendees.clone().unwrap_or_default()),
            ("notes", self.notes.clone().unwrap_or_default()),
        ])
    }
}

/// What a session item shows: a recording or one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ItemTarget {
    Media(i64),
    Evidence(i64),
}

/// Adding an item: `media_id` or `evidence_id` (exactly one), and optional notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemData {
    pub target: ItemTarget,
    pub discussion: Option<String>,
}

pub const ITEM_FIELDS: &[&str] = &["media_id", "evidence_id", "discussion"];

impl ItemData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let media = e.check(
            "media_id",
            parse::optional_int(f.get("media_id"), 1, i64::MAX),
        );
        let evidence = e.check(
            "evidence_id",
            parse::optional_int(f.get("evidence_id"), 1, i64::MAX),
        );
        let discussion = e.check(
            "discussion",
            parse::optional_text(f.get("discussion"), 20_000),
        );
        let target = match (media.flatten(), evidence.flatten()) {
            (Some(m), None) => Some(ItemTarget::Media(m)),
            (None, Some(ev)) => Some(ItemTarget::Evidence(ev)),
            (Some(_), Some(_)) => {
                e.add(
                    "media_id",
                    "choose a recording or a piece of evidence, not both",
                );
                None
            }
            (None, None) => {
                if e.get("media_id").is_none() && e.get("evidence_id").is_none() {
                    e.add(
                        "media_id",
                        "is required: choose a recording or a piece of evidence",
                    );
                }
                None
            }
        };
        e.into_result(|| ItemData {
            target: target.unwrap(),
            discussion: discussion.unwrap(),
        })
    }
}

/// An action item as entered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionData {
    pub title: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub session_id: Option<i64>,
    pub notes: Option<String>,
    /// The evidence that drove it.
    pub evidence_ids: Vec<i64>,
    /// The themes (C4) behind it.
    pub theme_ids: Vec<i64>,
}

pub const ACTION_FIELDS: &[&str] = &[
    "title",
    "owner",
    "due_on",
    "status",
    "session_id",
    "notes",
    "evidence_ids",
    "theme_ids",
];

/// "12, 14;15" or repeated values as ids, without duplicates.
pub fn parse_ids<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for raw in values {
        for t in raw
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let t = t.trim_start_matches('#');
            let id: i64 = t
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("'{t}' is not an id"))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if ids.len() > 200 {
        return Err("at most 200 links".into());
    }
    Ok(ids)
}

impl ActionData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.check("title", parse::required_text(f.get("title"), 300));
        let owner = e.check("owner", parse::required_text(f.get("owner"), 100));
        let due_on = e.check("due_on", parse::optional_date(f.get("due_on")));
        let status = e.check(
            "status",
            optional_enum(f.get("status"), ActionStatus::parse)
                .map(|s| s.unwrap_or(ActionStatus::Open)),
        );
        let session_id = e.check(
            "session_id",
            parse::optional_int(f.get("session_id"), 1, i64::MAX),
        );
        let notes = e.check("notes", parse::optional_text(f.get("notes"), 20_000));
        let evidence_ids = e.check("evidence_ids", parse_ids(f.all("evidence_ids")));
        let theme_ids = e.check("theme_ids", parse_ids(f.all("theme_ids")));
        e.into_result(|| ActionData {
            title: title.unwrap(),
            owner: owner
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            due_on: due_on.unwrap(),
            status: status.unwrap(),
            session_id: session_id.unwrap(),
            notes: notes.unwrap(),
            evidence_ids: evidence_ids.unwrap(),
            theme_ids: theme_ids.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        let ids = |v: &[i64]| {
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Fields::from_pairs([
            ("title", self.title.clone()),
            ("owner", self.owner.clone()),
            ("due_on", date_text(self.due_on)),
            ("status", self.status.as_str().to_string()),
            (
                "session_id",
                self.session_id.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("notes", self.notes.clone().unwrap_or_default()),
            ("evidence_ids", ids(&self.evidence_ids)),
            ("theme_ids", ids(&self.theme_ids)),
        ])
    }
}

/// A stored action item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: i64,
    #[serde(flatten)]
    pub data: ActionData,
    pub session_title: Option<String>,
    /// When it was marked done (cleared when reopened).
    pub done_on: Option<NaiveDate>,
    pub created_on: NaiveDate,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Action {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.data.status != ActionStatus::Done && self.data.due_on.is_some_and(|d| d < today)
    }
}

/// One month of the action plan's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthProgress {
    /// "2026-03"
    pub month: String,
    /// Actions created in the month.
    pub created: u64,
    /// Actions marked done in the month.
    pub done: u64,
    /// Actions done by the end of the month (all time).
    pub done_total: u64,
    /// Actions still open (open or in progress) at the end of the month.
    pub open_at_end: u64,
}

fn month_key(d: NaiveDate) -> (i32, u32) {
    (d.year(), d.month())
}

/// Done against open per month for the `months` months up to and including `today`'s month.
/// An action counts as open at a month's end when it was created by then and not done by
/// then.
pub fn progress(
    actions: &[(NaiveDate, Option<NaiveDate>)],
    today: NaiveDate,
    months: u32,
) -> Vec<MonthProgress> {
    let mut keys: Vec<(i32, u32)> = Vec::new();
    let (mut y, mut m) = month_key(today);
    for _ in 0..months.max(1) {
        keys.push((y, m));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    keys.reverse();
    keys.iter()
        .map(|&k| {
            let created = actions.iter().filter(|(c, _)| month_key(*c) == k).count() as u64;
            let done = actions
                .iter()
                .filter(|(_, d)| d.is_some_and(|d| month_key(d) == k))
                .count() as u64;
            let done_total = actions
                .iter()
                .filter(|(_, d)| d.is_some_and(|d| month_key(d) <= k))
                .count() as u64;
            let open_at_end = actions
                .iter()
                .filter(|(c, d)| month_key(*c) <= k && !d.is_some_and(|d| month_key(d) <= k))
                .count() as u64;
            MonthProgress {
                month: format!("{}-{:02}", k.0, k.1),
                created,
                done,
                done_total,
                open_at_end,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn actions_read_their_fields() {
        let f = Fields::from_pairs([
            ("title", "Call every churned account"),
            ("owner", "  Ana   Lima "),
            ("due_on", "2026-03-01"),
            ("evidence_ids", "3, 4;4"),
            ("theme_ids", "9"),
        ]);
        let a = ActionData::from_fields(&f).unwrap();
        assert_eq!(a.owner, "Ana Lima");
        assert_eq!(a.status, ActionStatus::Open);
        assert_eq!(a.evidence_ids, vec![3, 4]);
        assert_eq!(ActionData::from_fields(&a.to_fields()).unwrap(), a);
        let e = ActionData::from_fields(&Fields::from_pairs([
            ("status", "finished"),
            ("evidence_ids", "x"),
        ]))
        .unwrap_err();
        for field in ["title", "owner", "status", "evidence_ids"] {
            assert!(e.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn an_item_is_a_recording_or_evidence() {
        let m = ItemData::from_fields(&Fields::from_pairs([("media_id", "2")])).unwrap();
        assert_eq!(m.target, ItemTarget::Media(2));
        let e = ItemData::from_fields(&Fields::from_pairs([
            ("media_id", "2"),
            ("evidence_id", "3"),
        ]))
        .unwrap_err();
        assert!(e.get("media_id").unwrap().contains("not both"));
        assert!(ItemData::from_fields(&Fields::new()).is_err());
    }

    #[test]
    fn progress_counts_done_and_open_per_month() {
        let actions = [
            (d("2026-01-10"), Some(d("2026-02-03"))),
            (d("2026-01-20"), None),
            (d("2026-02-01"), Some(d("2026-02-20"))),
            (d("2026-03-05"), None),
        ];
        let p = progress(&actions, d("2026-03-15"), 3);
        let months: Vec<&str> = p.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(months, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!((p[0].created, p[0].done, p[0].open_at_end), (2, 0, 2));
        assert_eq!((p[1].created, p[1].done, p[1].open_at_end), (1, 2, 1));
        assert_eq!((p[2].created, p[2].done_total, p[2].open_at_end), (1, 2, 2));
        let p = progress(&actions, d("2026-01-15"), 13);
        assert_eq!(p.len(), 13);
        assert_eq!(p[0].month, "2025-01");
    }
}
