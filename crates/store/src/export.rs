//! CSV export in the canonical layout of each kind, so an export imports back unchanged.

use crate::db::Value;
use crate::{Result, Store};
use peerstage_core::import::ImportKind;

fn select(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Accounts => "SELECT a.id, external_id, name, industry, region, country, city, employees, segment, lifecycle, products, annual_revenue, cost_to_serve, discount, customer_since, renewal_date, owner, at_risk, at_risk_reason, private_notes, competitor_replaced FROM accounts a WHERE a.id > ? ORDER BY a.id LIMIT 5000",
        ImportKind::Contacts => "SELECT c.id, c.external_id, a.external_id, c.name, c.title, c.role, c.email, c.phone, c.city, c.topics, c.reference_consent, c.do_not_contact, c.public_link, c.audience_size, c.languages FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id > ? ORDER BY c.id LIMIT 5000",
        ImportKind::Touchpoints => "SELECT t.id, t.external_id, a.external_id, t.kind, t.occurred_on, t.staff, \
            (SELECT {agg} FROM touchpoint_contacts tc JOIN contacts c ON c.id = tc.contact_id WHERE tc.touchpoint_id = t.id), t.notes \
            FROM touchpoints t JOIN accounts a ON a.id = t.account_id WHERE t.id > ? ORDER BY t.id LIMIT 5000",
        ImportKind::Commitments => "SELECT m.id, m.external_id, a.external_id, m.description, m.owner, m.due_on, m.status, m.closed_on FROM commitments m JOIN accounts a ON a.id = m.account_id WHERE m.id > ? ORDER BY m.id LIMIT 5000",
        ImportKind::Nps => "SELECT n.id, n.external_id, a.external_id, c.external_id, n.score, n.comment, n.responded_on FROM nps_responses n JOIN accounts a ON a.id = n.account_id LEFT JOIN contacts c ON c.id = n.contact_id WHERE n.id > ? ORDER BY n.id LIMIT 5000",
        ImportKind::Reviews => "SELECT r.id, r.external_id, c.external_id, t.name, r.reviewed_on, r.rating, r.title, r.link FROM reviews r JOIN contacts c ON c.id = r.contact_id JOIN third_parties t ON t.id = r.third_party_id WHERE r.id > ? ORDER BY r.id LIMIT 5000",
        ImportKind::Evidence => "SELECT e.id, e.external_id, e.body, e.occurred_on, a.external_id, c.external_id, e.kind, e.level, e.source, \
            (SELECT {tags} FROM evidence_tags g WHERE g.evidence_id = e.id) \
            FROM evidence e LEFT JOIN accounts a ON a.id = e.account_id LEFT JOIN contacts c ON c.id = e.contact_id WHERE e.id > ? ORDER BY e.id LIMIT 5000",
        ImportKind::Sources => "SELECT s.id, s.external_id, a.external_id, coalesce(t.name, s.other_source), s.responded_on FROM source_responses s JOIN accounts a ON a.id = s.account_id LEFT JOIN third_parties t ON t.id = s.third_party_id WHERE s.id > ? ORDER BY s.id LIMIT 5000",
    }
}

/// Writes every record of `kind` as CSV, in pages so memory stays flat. Returns the row count.
pub fn export_csv<W: std::io::Write>(store: &Store, kind: ImportKind, out: W) -> Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| crate::StoreError::Database(format!("cannot write CSV: {e}"));
    w.write_record(kind.header()).map_err(io)?;
    let sql = select(kind)
        .replace("{agg}", &store.dialect().group_concat("c.external_id", ";"))
        .replace("{tags}", &store.dialect().group_concat("g.tag", ";"));
    let mut last = 0i64;
    let mut n = 0u64;
    loop {
        let rows = store.with_conn(|c| Ok(c.query(&sql, &[Value::Int(last)])?))?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let cells: Vec<String> = (1..r.0.len())
                .map(|i| match &r.0[i] {
                    Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
                    Value::Int(v) if is_bool_column(kind, i) => {
                        if *v != 0 { "yes" } else { "no" }.to_string()
                    }
                    _ => r.opt_text(i).unwrap_or_default(),
                })
                .collect();
            w.write_record(&cells).map_err(io)?;
            n += 1;
        }
        last = rows.last().map(|r| r.int(0)).unwrap_or(last);
    }
    w.flush()
        .map_err(|e| crate::StoreError::Database(format!("cannot write CSV: {e}")))?;
    Ok(n)
}

/// SQLite returns booleans as integers; these positions hold booleans.
fn is_bool_column(kind: ImportKind, i: usize) -> bool {
    matches!(
        (kind, i),
        (ImportKind::Accounts, 17) | (ImportKind::Contacts, 11)
    )
}
