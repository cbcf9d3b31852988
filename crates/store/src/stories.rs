//! Authentic customer stories (B5): the story, the contacts who tell it, its media links.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use peerstage_core::account::Page;
use peerstage_core::story::{Approval, JourneyStage, Story, StoryContact, StoryData, StoryQuery};
use peerstage_core::FieldErrors;
use std::collections::HashMap;

const COLUMNS: &str =
    "s.id, s.title, s.account_id, s.stage, s.approval, s.challenge, s.context, s.result, \
    s.good, s.bad, s.ugly, s.not_a_fit, s.created_at, s.updated_at, a.name";
const DATA_COLUMNS: &[&str] = &[
    "title",
    "account_id",
    "stage",
    "approval",
    "challenge",
    "context",
    "result",
    "good",
    "bad",
    "ugly",
    "not_a_fit",
];

fn values(d: &StoryData) -> Vec<Value> {
    vec![
        Value::from(&d.title),
        Value::Int(d.account_id),
        Value::from(d.stage.as_str()),
        Value::from(d.approval.as_str()),
        Value::from(&d.challenge),
        Value::from(&d.context),
        Value::from(&d.result),
        Value::from(&d.good),
        Value::from(&d.bad),
        Value::from(&d.ugly),
        Value::from(&d.not_a_fit),
    ]
}

fn from_row(r: &Row) -> Story {
    Story {
        id: r.int(0),
        data: StoryData {
            title: r.text(1),
            account_id: r.int(2),
            contact_ids: Vec::new(),
            stage: JourneyStage::parse(&r.text(3)).unwrap_or(JourneyStage::Awareness),
            approval: Approval::parse(&r.text(4)).unwrap_or(Approval::Draft),
            challenge: r.opt_text(5),
            context: r.opt_text(6),
            result: r.opt_text(7),
            good: r.opt_text(8),
            bad: r.opt_text(9),
            ugly: r.opt_text(10),
            not_a_fit: r.opt_text(11),
            media_links: Vec::new(),
        },
        created_at: r.time(12),
        updated_at: r.time(13),
        account_name: r.text(14),
        contacts: Vec::new(),
    }
}

/// Stories matching `filter` (SQL after WHERE), with their contacts and media links.
fn load(c: &mut dyn Conn, filter: &str, params: &[Value]) -> Result<Vec<Story>> {
    let mut stories: Vec<Story> = c
        .query(
            &format!("SELECT {COLUMNS} FROM stories s JOIN accounts a ON a.id = s.account_id WHERE {filter} ORDER BY s.id"),
            params,
        )?
        .iter()
        .map(from_row)
        .collect();
    if stories.is_empty() {
        return Ok(stories);
    }
    let index: HashMap<i64, usize> = stories.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    // One query each for every story's contacts and links: stories are few.
    for r in c.query(
        &format!(
            "SELECT sc.story_id, ct.id, ct.name, ct.title FROM story_contacts sc JOIN contacts ct ON ct.id = sc.contact_id \
             WHERE sc.story_id IN (SELECT s.id FROM stories s JOIN accounts a ON a.id = s.account_id WHERE {filter}) ORDER BY lower(ct.name), ct.id"
        ),
        params,
    )? {
        if let Some(i) = index.get(&r.int(0)) {
            let s = &mut stories[*i];
            s.data.contact_ids.push(r.int(1));
            s.contacts.push(StoryContact {
                id: r.int(1),
                name: r.text(2),
                title: r.opt_text(3),
            });
        }
    }
    for r in c.query(
        &format!(
            "SELECT m.story_id, m.url FROM story_media m \
             WHERE m.story_id IN (SELECT s.id FROM stories s JOIN accounts a ON a.id = s.account_id WHERE {filter}) ORDER BY m.story_id, m.position"
        ),
        params,
    )? {
        if let Some(i) = index.get(&r.int(0)) {
            stories[*i].data.media_links.push(r.text(1));
        }
    }
    Ok(stories)
}

fn get(c: &mut dyn Conn, id: i64) -> Result<Story> {
    load(c, "s.id = ?", &[Value::Int(id)])?
        .pop()
        .ok_or(StoreError::NotFound { what: "story", id })
}

/// The story's account must exist and its contacts must work there.
fn check_links(c: &mut dyn Conn, d: &StoryData) -> Result<()> {
    let account = c.query_one(
        "SELECT name FROM accounts WHERE id = ?",
        &[Value::Int(d.account_id)],
    )?;
    let Some(account) = account else {
        return Err(FieldErrors::single(
            "account_id",
            format!("no account has id {}", d.account_id),
        )
        .into());
    };
    let mut e = FieldErrors::new();
    for cid in &d.contact_ids {
        let at = c.query_one(
            "SELECT account_id FROM contacts WHERE id = ?",
            &[Value::Int(*cid)],
        )?;
        match at {
            None => e.add("contact_ids", format!("no contact has id {cid}")),
            Some(r) if r.int(0) != d.account_id => e.add(
                "contact_ids",
                format!(
                    "contact {cid} does not work at {}; choose contacts of the story's customer",
                    account.text(0)
                ),
            ),
            Some(_) => {}
        }
    }
    e.into_result(|| ()).map_err(Into::into)
}

fn write_links(c: &mut dyn Conn, id: i64, d: &StoryData) -> Result<()> {
    c.execute(
        "DELETE FROM story_contacts WHERE story_id = ?",
        &[Value::Int(id)],
    )?;
    c.execute(
        "DELETE FROM story_media WHERE story_id = ?",
        &[Value::Int(id)],
    )?;
    for cid in &d.contact_ids {
        c.execute(
            "INSERT INTO story_contacts (story_id, contact_id) VALUES (?, ?)",
            &[Value::Int(id), Value::Int(*cid)],
        )?;
    }
    for (i, url) in d.media_links.iter().enumerate() {
        c.execute(
            "INSERT INTO story_media (story_id, position, url) VALUES (?, ?, ?)",
            &[Value::Int(id), Value::Int(i as i64), Value::from(url)],
        )?;
    }
    Ok(())
}

impl Store {
    /// Stories filtered, sorted and paged by the rules in `core::story`.
    pub fn list_stories(&self, q: &StoryQuery) -> Result<Page<Story>> {
        let all = self.with_conn(|c| load(c, "1 = 1", &[]))?;
        Ok(q.select(all))
    }

    /// How many stories there are, and how many of them read as spin.
    pub fn story_totals(&self) -> Result<(u64, u64)> {
        let all = self.with_conn(|c| load(c, "1 = 1", &[]))?;
        let spin = all
            .iter()
            .filter(|s| !peerstage_core::story::spin_flags(s).is_empty())
            .count();
        Ok((all.len() as u64, spin as u64))
    }

    /// The stories a contact tells, newest first.
    pub fn contact_stories(&self, contact_id: i64) -> Result<Vec<Story>> {
        let mut v = self.with_conn(|c| {
            load(
                c,
                "s.id IN (SELECT story_id FROM story_contacts WHERE contact_id = ?)",
                &[Value::Int(contact_id)],
            )
        })?;
        v.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        Ok(v)
    }

    pub fn get_story(&self, id: i64) -> Result<Story> {
        self.with_conn(|c| get(c, id))
    }

    pub fn create_story(&self, d: &StoryData) -> Result<Story> {
        self.transaction(|c| {
            check_links(c, d)?;
            let t = now();
            let mut params = values(d);
            params.push(Value::Time(t));
            params.push(Value::Time(t));
            let marks = vec!["?"; params.len()].join(", ");
            let id = c.query_int(
                &format!(
                    "INSERT INTO stories ({}, created_at, updated_at) VALUES ({marks}) RETURNING id",
                    DATA_COLUMNS.join(", ")
                ),
                &params,
            )?;
            write_links(c, id, d)?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "story", id, &after.data.title, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_story(&self, id: i64, d: &StoryData) -> Result<Story> {
        self.transaction(|c| {
            let before = get(c, id)?;
            check_links(c, d)?;
            let sets: Vec<String> = DATA_COLUMNS
                .iter()
                .map(|col| format!("{col} = ?"))
                .collect();
            let mut params = values(d);
            params.push(Value::Time(now()));
            params.push(Value::Int(id));
            c.execute(
                &format!(
                    "UPDATE stories SET {}, updated_at = ? WHERE id = ?",
                    sets.join(", ")
                ),
                &params,
            )?;
            write_links(c, id, d)?;
            let after = get(c, id)?;
            self.audit_change(
                c,
                "update",
                "story",
                id,
                &after.data.title,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    pub fn delete_story(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            c.execute("DELETE FROM stories WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "story",
                id,
                &before.data.title,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// Customer accounts by name, for choosing whose story or survey answer it is. `also`
    /// adds an account that is not (or no longer) a customer, so an edit form keeps it.
    pub fn customer_choices(&self, also: Option<i64>) -> Result<Vec<(i64, String)>> {
        self.with_conn(|c| {
            Ok(c.query(
                "SELECT id, name FROM accounts WHERE lifecycle = 'customer' OR id = ? ORDER BY lower(name), id",
                &[Value::Int(also.unwrap_or(0))],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1)))
            .collect())
        })
    }
}

/// F3: the stories a contact tells, for their privacy export.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let stories = load(
        c,
        "s.id IN (SELECT story_id FROM story_contacts WHERE contact_id = ?)",
        &[Value::Int(contact_id)],
    )?;
    Ok(serde_json::to_value(&stories).unwrap_or_default())
}

/// F3: takes an erased person's name out of the stories they tell. The stories stay: they
/// are the customer's, and other advocates may tell them too.
pub(crate) fn erase_contact(
    c: &mut dyn Conn,
    contact_id: i64,
    scrub: &dyn Fn(&str) -> String,
) -> Result<()> {
    let stories = load(
        c,
        "s.id IN (SELECT story_id FROM story_contacts WHERE contact_id = ?)",
        &[Value::Int(contact_id)],
    )?;
    for s in stories {
        let d = &s.data;
        let text = |t: &Option<String>| Value::from(t.as_deref().map(scrub));
        c.execute(
            "UPDATE stories SET title = ?, challenge = ?, context = ?, result = ?, good = ?, bad = ?, ugly = ?, not_a_fit = ? WHERE id = ?",
            &[
                Value::Text(scrub(&d.title)),
                text(&d.challenge),
                text(&d.context),
                text(&d.result),
                text(&d.good),
                text(&d.bad),
                text(&d.ugly),
                text(&d.not_a_fit),
                Value::Int(s.id),
            ],
        )?;
    }
    Ok(())
}
