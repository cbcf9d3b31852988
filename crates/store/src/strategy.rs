//! Strategy sessions and action plans (C7): sessions with the recordings and evidence
//! reviewed in them and discussion notes per item; action items with the evidence and
//! themes that drove them; open actions by owner; done against open per month.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::NaiveDate;
use peerstage_core::evidence::Evidence;
use peerstage_core::media::Media;
use peerstage_core::strategy::{
    progress, Action, ActionData, ActionStatus, ItemData, ItemTarget, MonthProgress, SessionData,
};
use peerstage_core::FieldErrors;
use serde::Serialize;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategySession {
    pub id: i64,
    #[serde(flatten)]
    pub data: SessionData,
    pub item_count: i64,
    pub action_count: i64,
    pub open_actions: i64,
    pub created_by: String,
}

/// One thing reviewed in a session, with what it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionItem {
    pub id: i64,
    pub session_id: i64,
    pub position: i64,
    pub target: ItemTarget,
    pub discussion: Option<String>,
    pub media: Option<Media>,
    pub evidence: Option<Evidence>,
}

/// A theme an action names; `current` is false once the theme is gone (merged or re-run
/// away) and only its label at the time is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThemeLink {
    pub id: i64,
    pub label: String,
    pub current: bool,
}

/// An action with the evidence and themes behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDetail {
    #[serde(flatten)]
    pub action: Action,
    pub evidence: Vec<Evidence>,
    pub themes: Vec<ThemeLink>,
}

/// A session with its items and actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: StrategySession,
    pub items: Vec<SessionItem>,
    pub actions: Vec<ActionDetail>,
}

/// Filters for the action list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionFilter {
    pub status: Option<ActionStatus>,
    /// Open and in progress together.
    pub not_done: bool,
    pub owner: Option<String>,
    pub session_id: Option<i64>,
}

const SESSION_COLUMNS: &str = "s.id, s.title, s.held_on, s.attendees, s.notes, s.created_by, \
    (SELECT count(*) FROM strategy_items i WHERE i.session_id = s.id), \
    (SELECT count(*) FROM action_items x WHERE x.session_id = s.id), \
    (SELECT count(*) FROM action_items x WHERE x.session_id = s.id AND x.status <> 'done')";

fn session_row(r: &Row) -> StrategySession {
    StrategySession {
        id: r.int(0),
        data: SessionData {
            title: r.text(1),
            held_on: r.date(2),
            attendees: r.opt_text(3),
            notes: r.opt_text(4),
        },
        created_by: r.text(5),
        item_count: r.int(6),
        action_count: r.int(7),
        open_actions: r.int(8),
    }
}

fn get_session(c: &mut dyn Conn, id: i64) -> Result<StrategySession> {
    c.query_one(
        &format!("SELECT {SESSION_COLUMNS} FROM strategy_sessions s WHERE s.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| session_row(&r))
    .ok_or(StoreError::NotFound {
        what: "strategy session",
        id,
    })
}

const ACTION_COLUMNS: &str = "x.id, x.title, x.owner, x.due_on, x.status, x.session_id, x.notes, x.done_on, x.created_on, x.created_by, x.updated_at, s.title";
const ACTION_FROM: &str = "action_items x LEFT JOIN strategy_sessions s ON s.id = x.session_id";

fn action_row(r: &Row) -> Action {
    Action {
        id: r.int(0),
        data: ActionData {
            title: r.text(1),
            owner: r.text(2),
            due_on: r.opt_date(3),
            status: ActionStatus::parse(&r.text(4)).unwrap_or(ActionStatus::Open),
            session_id: r.opt_int(5),
            notes: r.opt_text(6),
            evidence_ids: Vec::new(),
            theme_ids: Vec::new(),
        },
        done_on: r.opt_date(7),
        created_on: r.date(8),
        created_by: r.text(9),
        updated_at: r.time(10),
        session_title: r.opt_text(11),
    }
}

/// Fills in the evidence and themes of each action.
fn details(c: &mut dyn Conn, actions: Vec<Action>) -> Result<Vec<ActionDetail>> {
    let mut out = Vec::with_capacity(actions.len());
    for mut a in actions {
        let ev_ids: Vec<i64> = c
            .query(
                "SELECT evidence_id FROM action_evidence WHERE action_id = ? ORDER BY evidence_id",
                &[Value::Int(a.id)],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        let evidence = ev_ids
            .iter()
            .map(|id| crate::evidence::get(c, *id))
            .collect::<Result<Vec<_>>>()?;
        let themes: Vec<ThemeLink> = c
            .query(
                "SELECT t.theme_id, COALESCE(th.label, t.label), CASE WHEN th.id IS NULL THEN 0 ELSE 1 END \
                 FROM action_themes t LEFT JOIN themes th ON th.id = t.theme_id WHERE t.action_id = ? ORDER BY t.theme_id",
                &[Value::Int(a.id)],
            )?
            .iter()
            .map(|r| ThemeLink {
                id: r.int(0),
                label: r.text(1),
                current: r.int(2) == 1,
            })
            .collect();
        a.data.evidence_ids = ev_ids;
        a.data.theme_ids = themes.iter().map(|t| t.id).collect();
        out.push(ActionDetail {
            action: a,
            evidence,
            themes,
        });
    }
    Ok(out)
}

fn get_action(c: &mut dyn Conn, id: i64) -> Result<ActionDetail> {
    let a = c
        .query_one(
            &format!("SELECT {ACTION_COLUMNS} FROM {ACTION_FROM} WHERE x.id = ?"),
            &[Value::Int(id)],
        )?
        .map(|r| action_row(&r))
        .ok_or(StoreError::NotFound {
            what: "action item",
            id,
        })?;
    Ok(details(c, vec![a])?.remove(0))
}

/// Checks the session, evidence and themes an action names, and returns the theme labels.
fn check_action_links(c: &mut dyn Conn, d: &ActionData) -> Result<Vec<(i64, String)>> {
    let mut e = FieldErrors::new();
    if let Some(s) = d.session_id {
        if c.query_int(
            "SELECT count(*) FROM strategy_sessions WHERE id = ?",
            &[Value::Int(s)],
        )? == 0
        {
            e.add("session_id", format!("there is no strategy session {s}"));
        }
    }
    let missing: Vec<String> = {
        let mut m = Vec::new();
        for id in &d.evidence_ids {
            if c.query_int(
                "SELECT count(*) FROM evidence WHERE id = ?",
                &[Value::Int(*id)],
            )? == 0
            {
                m.push(id.to_string());
            }
        }
        m
    };
    if !missing.is_empty() {
        e.add(
            "evidence_ids",
            format!("there is no evidence {}", missing.join(", ")),
        );
    }
    let mut labels = Vec::new();
    let mut gone = Vec::new();
    for id in &d.theme_ids {
        // A theme already linked keeps its remembered label even if it has gone since.
        let label = c
            .query_one("SELECT label FROM themes WHERE id = ?", &[Value::Int(*id)])?
            .map(|r| r.text(0));
        match label {
            Some(l) => labels.push((*id, l)),
            None => gone.push(*id),
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    Ok(labels
        .into_iter()
        .chain(gone.into_iter().map(|id| (id, String::new())))
        .collect())
}

fn write_action_links(
    c: &mut dyn Conn,
    id: i64,
    d: &ActionData,
    themes: &[(i64, String)],
) -> Result<()> {
    c.execute(
        "DELETE FROM action_evidence WHERE action_id = ?",
        &[Value::Int(id)],
    )?;
    let mut seen = std::collections::HashSet::new();
    for ev in d.evidence_ids.iter().filter(|id| seen.insert(**id)) {
        c.execute(
            "INSERT INTO action_evidence (action_id, evidence_id) VALUES (?, ?)",
            &[Value::Int(id), Value::Int(*ev)],
        )?;
    }
    // Themes still present are (re)written with their current label; a theme that has gone
    // keeps the label remembered when it was linked, and an unknown one is refused.
    let kept: Vec<(i64, String)> = c
        .query(
            "SELECT theme_id, label FROM action_themes WHERE action_id = ?",
            &[Value::Int(id)],
        )?
        .iter()
        .map(|r| (r.int(0), r.text(1)))
        .collect();
    c.execute(
        "DELETE FROM action_themes WHERE action_id = ?",
        &[Value::Int(id)],
    )?;
    let mut unknown = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (tid, label) in themes.iter().filter(|(id, _)| seen.insert(*id)) {
        let label = if label.is_empty() {
            match kept.iter().find(|(k, _)| k == tid) {
                Some((_, l)) => l.clone(),
                None => {
                    unknown.push(tid.to_string());
                    continue;
                }
            }
        } else {
            label.clone()
        };
        c.execute(
            "INSERT INTO action_themes (action_id, theme_id, label) VALUES (?, ?, ?)",
            &[Value::Int(id), Value::Int(*tid), Value::Text(label)],
        )?;
    }
    if !unknown.is_empty() {
        return Err(FieldErrors::single(
            "theme_ids",
            format!("there is no theme {}", unknown.join(", ")),
        )
        .into());
    }
    Ok(())
}

fn item_row(c: &mut dyn Conn, r: &Row) -> Result<SessionItem> {
    let media_id = r.opt_int(3);
    let evidence_id = r.opt_int(4);
    let target = match (media_id, evidence_id) {
        (Some(m), _) => ItemTarget::Media(m),
        (None, Some(e)) => ItemTarget::Evidence(e),
        (None, None) => ItemTarget::Evidence(0),
    };
    let media = match media_id {
        Some(m) => Some(crate::media::get(c, m)?),
        None => None,
    };
    let evidence = match evidence_id {
        Some(e) => Some(crate::evidence::get(c, e)?),
        None => None,
    };
    Ok(SessionItem {
        id: r.int(0),
        session_id: r.int(1),
        position: r.int(2),
        target,
        discussion: r.opt_text(5),
        media,
        evidence,
    })
}

fn get_item(c: &mut dyn Conn, id: i64) -> Result<SessionItem> {
    let r = c
        .query_one(
            "SELECT id, session_id, position, media_id, evidence_id, discussion FROM strategy_items WHERE id = ?",
            &[Value::Int(id)],
        )?
        .ok_or(StoreError::NotFound {
            what: "session item",
            id,
        })?;
    item_row(c, &r)
}

impl Store {
    pub fn create_strategy_session(&self, d: &SessionData) -> Result<StrategySession> {
        self.transaction(|c| {
            let t = now();
            let id = c.query_int(
                "INSERT INTO strategy_sessions (title, held_on, attendees, notes, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(d.title.as_str()),
                    Value::Date(d.held_on),
                    Value::from(&d.attendees),
                    Value::from(&d.notes),
                    Value::from(self.actor().label.as_str()),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            let after = get_session(c, id)?;
            self.audit_change(c, "create", "strategy_session", id, &d.title, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_strategy_session(&self, id: i64, d: &SessionData) -> Result<StrategySession> {
        self.transaction(|c| {
            let before = get_session(c, id)?;
            c.execute(
                "UPDATE strategy_sessions SET title = ?, held_on = ?, attendees = ?, notes = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::from(d.title.as_str()),
                    Value::Date(d.held_on),
                    Value::from(&d.attendees),
                    Value::from(&d.notes),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            let after = get_session(c, id)?;
            self.audit_change(c, "update", "strategy_session", id, &d.title, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes the session and its items; its actions stay, without a session.
    pub fn delete_strategy_session(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_session(c, id)?;
            c.execute(
                "DELETE FROM strategy_sessions WHERE id = ?",
                &[Value::Int(id)],
            )?;
            self.audit_change(
                c,
                "delete",
                "strategy_session",
                id,
                &before.data.title,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// Sessions, latest first.
    pub fn list_strategy_sessions(&self) -> Result<Vec<StrategySession>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {SESSION_COLUMNS} FROM strategy_sessions s ORDER BY s.held_on DESC, s.id DESC"),
                &[],
            )?
            .iter()
            .map(session_row)
            .collect())
        })
    }

    pub fn get_strategy_session(&self, id: i64) -> Result<SessionDetail> {
        self.with_conn(|c| {
            let session = get_session(c, id)?;
            let rows = c.query(
                "SELECT id, session_id, position, media_id, evidence_id, discussion FROM strategy_items WHERE session_id = ? ORDER BY position, id",
                &[Value::Int(id)],
            )?;
            let items = rows
                .iter()
                .map(|r| item_row(c, r))
                .collect::<Result<Vec<_>>>()?;
            let actions: Vec<Action> = c
                .query(
                    &format!("SELECT {ACTION_COLUMNS} FROM {ACTION_FROM} WHERE x.session_id = ? ORDER BY x.id"),
                    &[Value::Int(id)],
                )?
                .iter()
                .map(action_row)
                .collect();
            let actions = details(c, actions)?;
            Ok(SessionDetail {
                session,
                items,
                actions,
            })
        })
    }

    /// Adds a recording or a piece of evidence to review, at the end of the session.
    pub fn add_session_item(&self, session_id: i64, d: &ItemData) -> Result<SessionItem> {
        self.transaction(|c| {
            let session = get_session(c, session_id)?;
            let (media, evidence, field, table, what) = match d.target {
                ItemTarget::Media(m) => (Some(m), None, "media_id", "media", "recording"),
                ItemTarget::Evidence(e) => (None, Some(e), "evidence_id", "evidence", "evidence"),
            };
            let target = media.or(evidence).unwrap_or(0);
            if c.query_int(&format!("SELECT count(*) FROM {table} WHERE id = ?"), &[Value::Int(target)])? == 0 {
                return Err(FieldErrors::single(field, format!("there is no {what} {target}")).into());
            }
            // Showing a recording to colleagues needs the customer's consent to internal use.
            if let Some(m) = media {
                let consent = c
                    .query_one("SELECT consent FROM media WHERE id = ?", &[Value::Int(m)])?
                    .map(|r| r.text(0))
                    .unwrap_or_default();
                if consent == "none" {
                    return Err(FieldErrors::single(
                        "media_id",
                        format!("recording {m} has no consent recorded: record the customer's consent to internal use before showing it in a session"),
                    )
                    .into());
                }
            }
            let dup = c.query_int(
                &format!("SELECT count(*) FROM strategy_items WHERE session_id = ? AND {field} = ?"),
                &[Value::Int(session_id), Value::Int(target)],
            )?;
            if dup > 0 {
                return Err(StoreError::Conflict {
                    field: field.into(),
                    reason: format!("this {what} is already in the session"),
                });
            }
            let position = c.query_int(
                "SELECT COALESCE(max(position), 0) + 1 FROM strategy_items WHERE session_id = ?",
                &[Value::Int(session_id)],
            )?;
            let id = c.query_int(
                "INSERT INTO strategy_items (session_id, position, media_id, evidence_id, discussion) VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(session_id),
                    Value::Int(position),
                    Value::from(media),
                    Value::from(evidence),
                    Value::from(&d.discussion),
                ],
            )?;
            c.execute("UPDATE strategy_sessions SET updated_at = ? WHERE id = ?", &[Value::Time(now()), Value::Int(session_id)])?;
            self.audit(c, "add_item", "strategy_session", Some(session_id), &format!("{}: {what} {target}", session.data.title), None, None)?;
            get_item(c, id)
        })
    }

    /// Writes the discussion notes of one item.
    pub fn set_item_discussion(
        &self,
        item_id: i64,
        discussion: Option<&str>,
    ) -> Result<SessionItem> {
        if discussion.is_some_and(|d| d.chars().count() > 20_000) {
            return Err(
                FieldErrors::single("discussion", "is longer than 20000 characters").into(),
            );
        }
        self.transaction(|c| {
            let before = get_item(c, item_id)?;
            c.execute(
                "UPDATE strategy_items SET discussion = ? WHERE id = ?",
                &[
                    Value::from(discussion.map(str::trim).filter(|d| !d.is_empty())),
                    Value::Int(item_id),
                ],
            )?;
            let after = get_item(c, item_id)?;
            self.audit_change(
                c,
                "update",
                "session_item",
                item_id,
                "discussion notes",
                Some(&before.discussion),
                Some(&after.discussion),
            )?;
            Ok(after)
        })
    }

    pub fn remove_session_item(&self, item_id: i64) -> Result<i64> {
        self.transaction(|c| {
            let before = get_item(c, item_id)?;
            c.execute(
                "DELETE FROM strategy_items WHERE id = ?",
                &[Value::Int(item_id)],
            )?;
            self.audit_change(
                c,
                "delete",
                "session_item",
                item_id,
                "removed from the session",
                Some(&before.discussion),
                None,
            )?;
            Ok(before.session_id)
        })
    }

    pub fn create_action(&self, d: &ActionData, today: NaiveDate) -> Result<ActionDetail> {
        self.transaction(|c| {
            let themes = check_action_links(c, d)?;
            let t = now();
            let id = c.query_int(
                "INSERT INTO action_items (session_id, title, owner, due_on, status, done_on, notes, created_on, created_by, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(d.session_id),
                    Value::from(d.title.as_str()),
                    Value::from(d.owner.as_str()),
                    Value::from(d.due_on),
                    Value::from(d.status.as_str()),
                    Value::from((d.status == ActionStatus::Done).then_some(today)),
                    Value::from(&d.notes),
                    Value::Date(today),
                    Value::from(self.actor().label.as_str()),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            write_action_links(c, id, d, &themes)?;
            let after = get_action(c, id)?;
            self.audit_change(c, "create", "action_item", id, &d.title, None, Some(&after.action))?;
            Ok(after)
        })
    }

    /// Changes an action; marking it done records the day, reopening clears it.
    pub fn update_action(&self, id: i64, d: &ActionData, today: NaiveDate) -> Result<ActionDetail> {
        self.transaction(|c| {
            let before = get_action(c, id)?;
            let themes = check_action_links(c, d)?;
            let done_on = match (before.action.data.status, d.status) {
                (_, s) if s != ActionStatus::Done => None,
                (ActionStatus::Done, _) => before.action.done_on.or(Some(today)),
                _ => Some(today),
            };
            c.execute(
                "UPDATE action_items SET session_id = ?, title = ?, owner = ?, due_on = ?, status = ?, done_on = ?, notes = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::from(d.session_id),
                    Value::from(d.title.as_str()),
                    Value::from(d.owner.as_str()),
                    Value::from(d.due_on),
                    Value::from(d.status.as_str()),
                    Value::from(done_on),
                    Value::from(&d.notes),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            write_action_links(c, id, d, &themes)?;
            let after = get_action(c, id)?;
            self.audit_change(c, "update", "action_item", id, &d.title, Some(&before.action), Some(&after.action))?;
            Ok(after)
        })
    }

    pub fn delete_action(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_action(c, id)?;
            c.execute("DELETE FROM action_items WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "action_item",
                id,
                &before.action.data.title,
                Some(&before.action),
                None,
            )?;
            Ok(())
        })
    }

    pub fn get_action(&self, id: i64) -> Result<ActionDetail> {
        self.with_conn(|c| get_action(c, id))
    }

    /// Actions by owner, then due date (undated last), with what drove them.
    pub fn list_actions(&self, f: &ActionFilter) -> Result<Vec<ActionDetail>> {
        let mut conds = Vec::new();
        let mut params = Vec::new();
        if let Some(s) = f.status {
            conds.push("x.status = ?");
            params.push(Value::from(s.as_str()));
        }
        if f.not_done {
            conds.push("x.status <> 'done'");
        }
        if let Some(o) = &f.owner {
            conds.push("lower(x.owner) = lower(?)");
            params.push(Value::from(o.as_str()));
        }
        if let Some(s) = f.session_id {
            conds.push("x.session_id = ?");
            params.push(Value::Int(s));
        }
        let w = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        self.with_conn(|c| {
            let actions: Vec<Action> = c
                .query(
                    &format!("SELECT {ACTION_COLUMNS} FROM {ACTION_FROM} {w} ORDER BY lower(x.owner), CASE WHEN x.due_on IS NULL THEN 1 ELSE 0 END, x.due_on, x.id LIMIT 5000"),
                    &params,
                )?
                .iter()
                .map(action_row)
                .collect();
            details(c, actions)
        })
    }

    /// Open actions grouped by owner (owners with the most open first).
    pub fn open_actions_by_owner(&self) -> Result<Vec<(String, Vec<ActionDetail>)>> {
        let all = self.list_actions(&ActionFilter {
            not_done: true,
            ..Default::default()
        })?;
        let mut groups: Vec<(String, Vec<ActionDetail>)> = Vec::new();
        for a in all {
            match groups
                .iter_mut()
                .find(|(o, _)| o.to_lowercase() == a.action.data.owner.to_lowercase())
            {
                Some((_, v)) => v.push(a),
                None => groups.push((a.action.data.owner.clone(), vec![a])),
            }
        }
        groups.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
        });
        Ok(groups)
    }

    /// Done against open per month, for `months` months up to `today`.
    pub fn action_progress(&self, today: NaiveDate, months: u32) -> Result<Vec<MonthProgress>> {
        let rows = self.with_conn(|c| {
            Ok(
                c.query("SELECT created_on, done_on FROM action_items", &[])?
                    .iter()
                    .map(|r| (r.date(0), r.opt_date(1)))
                    .collect::<Vec<_>>(),
            )
        })?;
        Ok(progress(&rows, today, months))
    }

    /// The distinct owners, for forms.
    pub fn action_owners(&self) -> Result<Vec<String>> {
        self.with_conn(|c| {
            Ok(c.query(
                "SELECT DISTINCT owner FROM action_items ORDER BY owner",
                &[],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect())
        })
    }
}
