//! Voice-of-customer evidence (C1) over HTTP on SQLite and (when configured) PostgreSQL: the
//! pages with their filters and forms (input kept, errors beside fields), the JSON API with
//! wrong types and unknown fields, touchpoint notes turning into evidence, CSV import through
//! the API, and roles that may read but not write.

mod common;

use common::{each_db, TestApp};
use peerstage_core::Role;
use serde_json::json;

#[track_caller]
fn has_error_beside(body: &str, field: &str) {
    assert!(
        body.contains(&format!("id=\"f-{field}-error\"")),
        "no error beside {field} in {body}"
    );
}

async fn acme(app: &TestApp) -> (i64, i64) {
    let account = app
        .create_account(json!({"name": "Acme", "external_id": "acme"}))
        .await;
    let contact = app
        .create_under(
            account,
            "contacts",
            json!({"name": "Ada Lovelace", "external_id": "ada"}),
        )
        .await;
    (account, contact)
}

#[test]
fn evidence_is_added_listed_filtered_and_edited_with_the_pages() {
    each_db(|app| async move {
        let (account, contact) = acme(&app).await;
        // A bad form comes back with what was typed and each error beside its field.
        let r = app
            .post_form(
                "/evidence",
                &[
                    ("text", "Closing the month is painful"),
                    ("date", "last week"),
                    ("level", "7"),
                    ("contact_id", "999999"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "date");
        has_error_beside(&body, "level");
        assert!(
            body.contains("Closing the month is painful"),
            "typed text kept"
        );
        let r = app
            .post_form(
                "/evidence",
                &[
                    ("text", "Closing the month is painful"),
                    ("date", "2026-02-01"),
                    ("contact_id", "999999"),
                ],
            )
            .await;
        r.expect(422);
        has_error_beside(&r.text(), "contact_id");
        // A good one is created, suggested and explained.
        let r = app
            .post_form(
                "/evidence",
                &[
                    ("text", "Closing the month is painful and slow"),
                    ("date", "2026-02-01"),
                    ("contact_id", &contact.to_string()),
                    ("tags", "Close, Finance"),
                ],
            )
            .await;
        r.expect(303);
        let location = r.location().split('?').next().unwrap().to_string();
        assert!(location.starts_with("/evidence/"), "{location}");
        let page = app.get(&location).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("Closing the month is painful and slow"));
        assert!(
            body.contains("Problem") && body.contains("because of"),
            "the suggestion is explained"
        );
        assert!(body.contains("Acme") && body.contains("Ada Lovelace"));
        // A touchpoint note becomes evidence by itself.
        app.create_under(
            account,
            "touchpoints",
            json!({"kind": "call", "occurred_on": "2026-03-01", "notes": "We chose you because of the audit trail"}),
        )
        .await;
        let list = app.get("/evidence").await;
        list.expect(200);
        let body = list.text();
        assert!(body.contains("We chose you because of the audit trail"));
        assert!(body.contains("Why they bought"));
        // Filters and sorting narrow the list; a bad filter is an error beside it, not a 500.
        let only = app.get("/evidence?kind=why_bought").await.text();
        assert!(only.contains("audit trail") && !only.contains("painful and slow"));
        let tagged = app
            .get("/evidence?tag=finance&sort=level&dir=asc")
            .await
            .text();
        assert!(tagged.contains("painful and slow") && !tagged.contains("audit trail"));
        let bad = app.get("/evidence?level=12").await;
        bad.expect(422);
        has_error_beside(&bad.text(), "level");
        // Editing the kind ends the suggestion.
        let r = app
            .post_form(
                &location,
                &[
                    ("text", "Closing the month is painful and slow"),
                    ("date", "2026-02-01"),
                    ("contact_id", &contact.to_string()),
                    ("kind", "wish"),
                    ("level", "3"),
                    ("tags", "close"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let body = app.get(&location).await.text();
        assert!(body.contains("a person chose otherwise"), "{body}");
        // Deleting.
        let r = app.post_form(&format!("{location}/delete"), &[]).await;
        r.expect(303);
        app.get(&location).await.expect(404);
    });
}

#[test]
fn the_api_validates_suggests_and_imports() {
    each_db(|app| async move {
        let (account, _) = acme(&app).await;
        let r = app
            .post_json(
                "/api/v1/evidence",
                &json!({"text": 12, "date": "2026-02-30", "kind": "rant", "colour": "red"}),
            )
            .await;
        assert!(r.status == 400 || r.status == 422, "{}", r.text());
        let r = app
            .post_json("/api/v1/evidence", &json!({"text": "I wish reports were scheduled", "date": "2026-02-28", "kind": "rant"}))
            .await;
        r.expect(422);
        assert!(
            r.error_fields().contains(&"kind".to_string()),
            "{}",
            r.text()
        );
        let r = app
            .post_json(
                "/api/v1/evidence",
                &json!({"text": "I wish reports were scheduled", "date": "2026-02-28", "account_id": account, "tags": ["reports", "Scheduling"]}),
            )
            .await;
        r.expect(201);
        let item = r.json();
        assert_eq!(item["kind"], "wish");
        assert_eq!(item["level"], 2);
        assert_eq!(item["suggested"], true);
        assert_eq!(item["text"], "I wish reports were scheduled");
        assert_eq!(item["tags"], json!(["reports", "scheduling"]));
        let id = item["id"].as_i64().unwrap();
        let r = app
            .put_json(&format!("/api/v1/evidence/{id}"), &json!({"level": 4}))
            .await;
        r.expect(200);
        assert_eq!(
            (r.json()["level"].as_i64(), r.json()["suggested"].as_bool()),
            (Some(4), Some(false))
        );
        app.get("/api/v1/evidence/999999").await.expect(404);
        app.get("/api/v1/evidence/abc").await.expect(404);
        let r = app
            .post_json(
                "/api/v1/evidence/suggest",
                &json!({"text": "We are not happy, we will cancel"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["suggestion"]["kind"], "existential_threat");
        assert!(r.json()["sentiment"].as_f64().unwrap() < 0.0);
        // CSV import through the API, then the list and its filters.
        let r = app
            .post_csv(
                "/api/v1/import/evidence",
                "text,date,account_external_id,tags\nThe sync is broken,2026-03-01,acme,sync\nWe follow your blog,2026-03-02,,\n",
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["inserted"], 2, "{}", r.text());
        let r = app.get("/api/v1/evidence?tag=sync").await;
        r.expect(200);
        assert_eq!(r.json()["total"], 1);
        assert_eq!(r.json()["items"][0]["kind"], "problem");
        let r = app
            .get("/api/v1/evidence?sort=kind&dir=asc&per_page=1")
            .await;
        assert_eq!(r.json()["total"], 3);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
        app.delete(&format!("/api/v1/evidence/{id}"))
            .await
            .expect(204);
    });
}

#[test]
fn viewers_read_evidence_but_do_not_write_it() {
    each_db(|app| async move {
        let (account, _) = acme(&app).await;
        app.post_json(
            "/api/v1/evidence",
            &json!({"text": "Praise for the team", "date": "2026-01-01", "account_id": account}),
        )
        .await
        .expect(201);
        let viewer = app.identity("viewer@example.com", Role::Viewer).await;
        let v = app.as_user(&viewer);
        v.get("/evidence").await.expect(200);
        v.get("/api/v1/evidence").await.expect(200);
        assert!(!v.get("/evidence").await.text().contains("Add evidence"));
        v.get("/evidence/new").await.expect(403);
        v.post_json(
            "/api/v1/evidence",
            &json!({"text": "x", "date": "2026-01-01"}),
        )
        .await
        .expect(403);
        let sales = app.identity("rep@example.com", Role::Sales).await;
        app.as_user(&sales)
            .post_json(
                "/api/v1/evidence",
                &json!({"text": "Heard at lunch: reports are slow", "date": "2026-01-02"}),
            )
            .await
            .expect(201);
    });
}
