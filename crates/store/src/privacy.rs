//! Everything stored about a person, and erasing it (F3).

use crate::db::{Conn, Row, Value};
use crate::{now, AuditFilter, Result, Store};
use serde_json::json;

impl Store {
    /// A JSON document with everything stored about a contact.
    pub fn privacy_export(&self, contact_id: i64) -> Result<serde_json::Value> {
        let contact = self.get_contact(contact_id)?;
        let (touchpoints, nps) = self.with_conn(|c| {
            let tps: Vec<serde_json::Value> = c
                .query(
                    "SELECT t.id, t.kind, t.occurred_on, t.staff, t.notes FROM touchpoints t \
                     JOIN touchpoint_contacts tc ON tc.touchpoint_id = t.id WHERE tc.contact_id = ? ORDER BY t.occurred_on, t.id",
                    &[Value::Int(contact_id)],
                )?
                .iter()
                .map(|r| json!({"id": r.int(0), "kind": r.text(1), "occurred_on": r.opt_text(2), "staff": r.opt_text(3), "notes": r.opt_text(4)}))
                .collect();
            let nps: Vec<serde_json::Value> = c
                .query(
                    "SELECT id, score, comment, responded_on FROM nps_responses WHERE contact_id = ? ORDER BY responded_on, id",
                    &[Value::Int(contact_id)],
                )?
                .iter()
                .map(|r| json!({"id": r.int(0), "score": r.int(1), "comment": r.opt_text(2), "responded_on": r.opt_text(3)}))
                .collect();
            Ok((tps, nps))
        })?;
        let advocacy = self.with_conn(|c| {
            let rows = |c: &mut dyn crate::db::Conn, sql: &str, cols: &[&str]| -> Result<Vec<serde_json::Value>> {
                Ok(c.query(sql, &[Value::Int(contact_id)])?
                    .iter()
                    .map(|r| {
                        let mut m = serde_json::Map::new();
                        for (i, name) in cols.iter().enumerate() {
                            m.insert(name.to_string(), r.0[i].to_json());
                        }
                        serde_json::Value::Object(m)
                    })
                    .collect())
            };
            Ok(json!({
                "profile": rows(c, "SELECT CASE WHEN lead_user THEN 'yes' ELSE 'no' END, CASE WHEN modifies_product THEN 'yes' ELSE 'no' END, notes FROM advocate_profiles WHERE contact_id = ?", &["lead_user", "modifies_product", "notes"])?,
                "motivations": rows(c, "SELECT motivation, recorded_by FROM advocate_motivations WHERE contact_id = ? ORDER BY motivation", &["motivation", "recorded_by"])?,
                "activities": rows(c, "SELECT opportunity, status, occurred_on, notes FROM advocate_activities WHERE contact_id = ? ORDER BY occurred_on, id", &["opportunity", "status", "occurred_on", "notes"])?,
                "gifts_and_deals": rows(c, "SELECT kind, given_on, description, value FROM incentives WHERE contact_id = ? ORDER BY given_on, id", &["kind", "given_on", "description", "value"])?,
                "reference_requests": rows(c, "SELECT DISTINCT r.id, r.prospect_name, r.activity, r.status FROM reference_requests r JOIN reference_steps s ON s.request_id = r.id WHERE s.contact_id = ? ORDER BY r.id", &["id", "prospect_name", "activity", "status"])?,
                "stories": crate::stories::privacy_export(c, contact_id)?,
                "reviews": crate::journey::privacy_export(c, contact_id)?,
                "reference_program": crate::refops::privacy_export(c, contact_id)?,
                "events": crate::events::privacy_export(c, contact_id)?,
            }))
        })?;
        let evidence = self.with_conn(|c| crate::evidence::privacy_export(c, contact_id))?;
        let media = self.with_conn(|c| crate::media::privacy_export(c, contact_id))?;
        let history = self.list_audit(&AuditFilter {
            entity: Some("contact".into()),
            entity_id: Some(contact_id),
            per_page: 500,
            ..Default::default()
        })?;
        Ok(json!({
            "exported_at": now(),
            "contact": contact,
            "touchpoints": touchpoints,
            "nps_responses": nps,
            "advocacy": advocacy,
            "evidence": evidence,
            "media": media,
            "history": history.items,
        }))
    }

    /// Removes a contact's personal data. The record, its touchpoints and NPS responses stay
    /// (so counts and scores are unchanged) with the person's name taken out of their text;
    /// earlier audit entries about the contact lose their values, and those about their
    /// touchpoints and NPS responses lose the person's name, email and phone.
    pub fn erase_contact(&self, contact_id: i64) -> Result<()> {
        let contact = self.get_contact(contact_id)?;
        if contact.erased_at.is_some() {
            // Erasing again would scrub the placeholder name's words ("contact") from notes.
            return Err(crate::StoreError::Conflict {
                field: "contact".into(),
                reason: "was already erased".into(),
            });
        }
        // The name and its parts go as whole words only ("Ann" leaves "Annual" alone, "Will"
        // leaves "Willow"); email, phone and link wherever they appear.
        let mut words: Vec<String> = vec![contact.data.name.clone()];
        words.extend(
            contact
                .data
                .name
                .split_whitespace()
                .filter(|p| p.chars().count() >= 3)
                .map(str::to_string),
        );
        words.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let strings: Vec<String> = [
            &contact.data.email,
            &contact.data.phone,
            &contact.data.public_link,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        let scrub = |text: &str| -> String {
            let mut out = text.to_string();
            for n in &strings {
                out = out.replace(n.as_str(), "[erased]");
            }
            for w in &words {
                out = replace_word(&out, w);
            }
            out
        };
        let mut media_files: Vec<String> = Vec::new();
        self.transaction(|c| {
            let updated = c.execute(
                "UPDATE contacts SET name = ?, title = NULL, email = NULL, phone = NULL, city = NULL, topics = '', \
                 public_link = NULL, audience_size = NULL, languages = '', reference_consent = 'no', do_not_contact = ?, \
                 erased_at = ?, consent_changed_at = ?, consent_changed_by = ?, updated_at = ? WHERE id = ? AND erased_at IS NULL",
                &[
                    Value::Text(format!("Erased contact {contact_id}")),
                    Value::Bool(true),
                    Value::Time(now()),
                    Value::Time(now()),
                    Value::from(&self.actor().label),
                    Value::Time(now()),
                    Value::Int(contact_id),
                ],
            )?;
            if updated == 0 {
                return Err(crate::StoreError::Conflict { field: "contact".into(), reason: "was already erased".into() });
            }
            // What colleagues wrote about the person goes; the record of activities stays
            // (anonymous) so program counts and fatigue remain right.
            c.execute("DELETE FROM advocate_motivations WHERE contact_id = ?", &[Value::Int(contact_id)])?;
            c.execute("UPDATE advocate_profiles SET notes = NULL WHERE contact_id = ?", &[Value::Int(contact_id)])?;
            c.execute("UPDATE advocate_activities SET notes = NULL WHERE contact_id = ?", &[Value::Int(contact_id)])?;
            c.execute("UPDATE reference_steps SET note = NULL WHERE contact_id = ?", &[Value::Int(contact_id)])?;
            crate::refops::erase(c, contact_id)?;
            // Every note, comment and commitment of their account that names them, whether
            // or not it is linked to them ("Paula would love higher limits", "Introduce Paula
            // to…"), and those linked to them at any account (they may have moved); only those
            // the scrub changes are written, and remembered for the audit log below.
            let (account, me) = (Value::Int(contact.data.account_id), Value::Int(contact_id));
            let no_sync: fn(&mut dyn Conn, i64) -> Result<()> = |_, _| Ok(());
            let rewritten: Vec<(&str, Vec<i64>)> = vec![
                ("touchpoint", scrub_texts(
                    c,
                    "SELECT id, notes FROM touchpoints WHERE notes IS NOT NULL AND (account_id = ? \
                     OR id IN (SELECT touchpoint_id FROM touchpoint_contacts WHERE contact_id = ?))",
                    &[account.clone(), me.clone()],
                    "UPDATE touchpoints SET notes = ? WHERE id = ?",
                    &scrub,
                    crate::evidence::sync_touchpoint,
                )?),
                ("nps_response", scrub_texts(
                    c,
                    "SELECT id, comment FROM nps_responses WHERE comment IS NOT NULL AND (account_id = ? OR contact_id = ?)",
                    &[account.clone(), me],
                    "UPDATE nps_responses SET comment = ? WHERE id = ?",
                    &scrub,
                    crate::evidence::sync_nps,
                )?),
                ("commitment", scrub_texts(
                    c,
                    "SELECT id, description FROM commitments WHERE account_id = ?",
                    &[account],
                    "UPDATE commitments SET description = ? WHERE id = ?",
                    &scrub,
                    no_sync,
                )?),
            ];
            // Their own words kept as evidence (pasted, imported, transcribed, captured) go;
            // evidence that follows a note or comment was scrubbed with it above.
            // Recordings of the person go with their transcript evidence; files after commit.
            media_files = crate::media::erase_contact(c, contact_id)?;
            crate::evidence::erase_contact(c, contact_id, &scrub)?;
            crate::stories::erase_contact(c, contact_id, &scrub)?;
            crate::journey::erase_contact(c, contact_id, &scrub)?;
            crate::events::erase_contact(c, contact_id, &scrub)?;
            // Earlier entries about their touchpoints and NPS responses name them too (contact
            // names, notes, comments): take the person out of those values as well.
            let related = c.query(
                "SELECT a.id, a.summary, a.before_json, a.after_json FROM audit_log a WHERE \
                 (a.entity = 'touchpoint' AND a.entity_id IN (SELECT touchpoint_id FROM touchpoint_contacts WHERE contact_id = ?)) \
                 OR (a.entity = 'nps_response' AND a.entity_id IN (SELECT id FROM nps_responses WHERE contact_id = ?)) \
                 OR (a.entity = 'story' AND a.entity_id IN (SELECT story_id FROM story_contacts WHERE contact_id = ?)) \
                 OR (a.entity = 'review' AND a.entity_id IN (SELECT id FROM reviews WHERE contact_id = ?))",
                &[Value::Int(contact_id), Value::Int(contact_id), Value::Int(contact_id), Value::Int(contact_id)],
            )?;
            scrub_audit_entries(c, related, &scrub)?;
            // And the entries of the texts scrubbed above that were not linked to them, with
            // the evidence that follows those notes and comments.
            for (entity, ids) in &rewritten {
                for chunk in ids.chunks(500) {
                    let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                    let follows = match *entity {
                        "touchpoint" => Some("touchpoint_id"),
                        "nps_response" => Some("nps_response_id"),
                        _ => None,
                    };
                    let mut sql = format!(
                        "SELECT a.id, a.summary, a.before_json, a.after_json FROM audit_log a WHERE (a.entity = '{entity}' AND a.entity_id IN ({list}))"
                    );
                    if let Some(col) = follows {
                        sql.push_str(&format!(" OR (a.entity = 'evidence' AND a.entity_id IN (SELECT id FROM evidence WHERE {col} IN ({list})))"));
                    }
                    let entries = c.query(&sql, &[])?;
                    scrub_audit_entries(c, entries, &scrub)?;
                }
            }
            c.execute(
                "UPDATE audit_log SET before_json = NULL, after_json = NULL, summary = ? WHERE entity = 'contact' AND entity_id = ?",
                &[Value::from("(erased)"), Value::Int(contact_id)],
            )?;
            self.audit(c, "erase", "contact", Some(contact_id), "personal data erased", None, None)?;
            Ok(())
        })?;
        self.remove_media_files(&media_files);
        Ok(())
    }
}

/// Runs `select` (rows of id, text), writes back with `update` each text the scrub changes and
/// calls `then` for its id (the evidence that follows it); returns the ids rewritten.
fn scrub_texts(
    c: &mut dyn Conn,
    select: &str,
    params: &[Value],
    update: &str,
    scrub: &dyn Fn(&str) -> String,
    then: fn(&mut dyn Conn, i64) -> Result<()>,
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for r in c.query(select, params)? {
        let (before, after) = (r.text(1), scrub(&r.text(1)));
        if after != before {
            c.execute(update, &[Value::Text(after), Value::Int(r.int(0))])?;
            then(c, r.int(0))?;
            ids.push(r.int(0));
        }
    }
    Ok(ids)
}

/// Rewrites audit entries (rows of id, summary, before_json, after_json) through `scrub`.
fn scrub_audit_entries(
    c: &mut dyn Conn,
    entries: Vec<Row>,
    scrub: &dyn Fn(&str) -> String,
) -> Result<()> {
    for r in entries {
        let json = |text: Option<String>| {
            text.map(|t| match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(mut v) => {
                    scrub_strings(&mut v, scrub);
                    v.to_string()
                }
                Err(_) => scrub(&t),
            })
        };
        c.execute(
            "UPDATE audit_log SET summary = ?, before_json = ?, after_json = ? WHERE id = ?",
            &[
                Value::Text(scrub(&r.text(1))),
                Value::from(json(r.opt_text(2))),
                Value::from(json(r.opt_text(3))),
                Value::Int(r.int(0)),
            ],
        )?;
    }
    Ok(())
}

/// `text` with each occurrence of `word` that stands alone (no letter or digit touching it on
/// either side) replaced by `[erased]`.
fn replace_word(text: &str, word: &str) -> String {
    if word.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut from) = (0, 0);
    while let Some(p) = text[from..].find(word) {
        let (start, end) = (from + p, from + p + word.len());
        let touches = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if !touches(text[..start].chars().next_back()) && !touches(text[end..].chars().next()) {
            out.push_str(&text[copied..start]);
            out.push_str("[erased]");
            copied = end;
            from = end;
        } else {
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Applies `scrub` to every string in a JSON value, keys excepted.
fn scrub_strings(v: &mut serde_json::Value, scrub: &dyn Fn(&str) -> String) {
    match v {
        serde_json::Value::String(s) => *s = scrub(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| scrub_strings(i, scrub)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| scrub_strings(i, scrub)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::replace_word;

    #[test]
    fn only_whole_words_are_erased() {
        assert_eq!(
            replace_word("Ann asked about the Annual plan", "Ann"),
            "[erased] asked about the Annual plan"
        );
        assert_eq!(
            replace_word("Ask Ann. Ann's team; (Ann)", "Ann"),
            "Ask [erased]. [erased]'s team; ([erased])"
        );
        assert_eq!(
            replace_word("Marketing will ship", "Mark"),
            "Marketing will ship"
        );
        assert_eq!(
            replace_word("Zoë said hi to Zoë", "Zoë"),
            "[erased] said hi to [erased]"
        );
        assert_eq!(replace_word("JoAnn and Ann", "Ann"), "JoAnn and [erased]");
    }
}
