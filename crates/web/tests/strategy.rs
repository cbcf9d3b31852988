//! Strategy sessions and action plans (C7) over HTTP, on SQLite and (when configured)
//! PostgreSQL: a session gathers recordings (with consent) and evidence with discussion
//! notes, actions link the evidence behind them, the action plan shows open actions by owner
//! with what drove them and a chart of done against open; the JSON API does the same.

mod common;

use common::{each_db, TestApp};
use peerstage_core::Role;
use serde_json::{json, Value};

fn created_id(r: &common::Resp) -> i64 {
    r.expect(201);
    r.json()["id"].as_i64().expect("an id")
}

async fn evidence(app: &TestApp, text: &str) -> i64 {
    created_id(
        &app.post_json(
            "/api/v1/evidence",
            &json!({"text": text, "date": "2026-01-20"}),
        )
        .await,
    )
}

#[test]
fn a_session_is_run_with_the_pages_and_its_actions_show_by_owner() {
    each_db(|app| async move {
        let video = created_id(
            &app.post_json(
                "/api/v1/media",
                &json!({"title": "Rep video: Acme CFO", "kind": "video", "link": "https://v.example/acme.mp4", "consent": "internal"}),
            )
            .await,
        );
        let secret = created_id(
            &app.post_json(
                "/api/v1/media",
                &json!({"title": "Not agreed yet", "kind": "audio", "link": "https://v.example/x.mp3"}),
            )
            .await,
        );
        let slow = evidence(
            &app,
            "Month-end close takes nine days because exports are slow.",
        )
        .await;

        // Create a session; errors stay beside their fields.
        let bad = app
            .post_form("/strategy", &[("title", ""), ("held_on", "someday")])
            .await;
        bad.expect(422);
        assert!(bad.text().contains("id=\"f-title-error\""));
        assert!(bad.text().contains("id=\"f-held_on-error\""));
        let r = app
            .post_form(
                "/strategy",
                &[
                    ("title", "Q1 customer video day"),
                    ("held_on", "2026-02-20"),
                    ("attendees", "Sales, engineering, support"),
                ],
            )
            .await;
        r.expect(303);
        let sid: i64 = r
            .location()
            .trim_start_matches("/strategy/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();

        // Add the video and the evidence; a recording without consent is refused.
        app.post_form(
            &format!("/strategy/{sid}/items"),
            &[("media_id", &video.to_string())],
        )
        .await
        .expect(303);
        app.post_form(
            &format!("/strategy/{sid}/items"),
            &[
                ("evidence_id", &slow.to_string()),
                ("discussion", "Support hears this every week"),
            ],
        )
        .await
        .expect(303);
        let refused = app
            .post_form(
                &format!("/strategy/{sid}/items"),
                &[("media_id", &secret.to_string())],
            )
            .await;
        refused.expect(422);
        assert!(
            refused.text().contains("no consent recorded"),
            "{}",
            refused.text()
        );
        let page = app.get(&format!("/strategy/{sid}")).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("Rep video: Acme CFO"));
        assert!(
            body.contains("src=\"https://v.example/acme.mp4\""),
            "{body}"
        );
        assert!(body.contains("Support hears this every week"));
        // Only recordings with consent are offered.
        assert!(!body.contains(">Not agreed yet<"), "{body}");

        // Discussion notes per item.
        let detail = app
            .get(&format!("/api/v1/strategy/sessions/{sid}"))
            .await
            .json();
        let item = detail["items"][0]["id"].as_i64().unwrap();
        app.post_form(
            &format!("/strategy/items/{item}/discussion"),
            &[(
                "discussion",
                "Engineering had never heard the close described",
            )],
        )
        .await
        .expect(303);

        // An action from the session, driven by the evidence.
        let bad = app
            .post_form(
                "/strategy/actions",
                &[
                    ("session_id", &sid.to_string()),
                    ("title", "Nightly reconciliation"),
                    ("evidence_ids", "999999"),
                ],
            )
            .await;
        bad.expect(422);
        assert!(
            bad.text().contains("id=\"f-owner-error\""),
            "{}",
            bad.text()
        );
        assert!(
            bad.text().contains("value=\"Nightly reconciliation\""),
            "typed values are kept"
        );
        let bad = app
            .post_form(
                "/strategy/actions",
                &[
                    ("session_id", &sid.to_string()),
                    ("title", "Nightly reconciliation"),
                    ("owner", "Cy"),
                    ("evidence_ids", "999999"),
                ],
            )
            .await;
        bad.expect(422);
        assert!(
            bad.text().contains("there is no evidence 999999"),
            "{}",
            bad.text()
        );
        let r = app
            .post_form(
                "/strategy/actions",
                &[
                    ("session_id", &sid.to_string()),
                    ("title", "Nightly reconciliation"),
                    ("owner", "Cy"),
                    ("due_on", "2020-01-31"),
                    ("evidence_ids", &slow.to_string()),
                ],
            )
            .await;
        r.expect(303);
        assert!(r.location().starts_with(&format!("/strategy/{sid}")));
        app.post_form(
            "/strategy/actions",
            &[
                ("title", "Weekly export digest"),
                ("owner", "Ana"),
                ("status", "in_progress"),
            ],
        )
        .await
        .expect(303);

        let plan = app.get("/strategy/actions").await;
        plan.expect(200);
        let body = plan.text();
        assert!(body.contains("id=\"owner-cy\""), "{body}");
        assert!(
            body.contains("Month-end close takes nine days"),
            "the evidence that drove it: {body}"
        );
        assert!(body.contains("overdue"));
        assert!(body.contains("<svg"), "a chart of done against open");
        assert!(body.contains("Open at month end"));

        let session_page = app.get(&format!("/strategy/{sid}")).await.text();
        assert!(session_page.contains("Engineering had never heard the close described"));
        assert!(session_page.contains("Nightly reconciliation"));

        // Editing the session shows its form with the current values, alone.
        let edit = app.get(&format!("/strategy/{sid}?edit=1")).await;
        edit.expect(200);
        let body = edit.text();
        assert!(body.contains("value=\"Q1 customer video day\""), "{body}");
        assert!(
            !body.contains("New action"),
            "one form with these field ids at a time"
        );
        assert_eq!(body.matches("id=\"f-title\"").count(), 1);
        let bad = app
            .post_form(
                &format!("/strategy/{sid}"),
                &[("title", "Renamed"), ("held_on", "31/02/2026")],
            )
            .await;
        bad.expect(422);
        assert!(
            bad.text().contains("value=\"Renamed\""),
            "typed values are kept"
        );
        assert!(bad.text().contains("id=\"f-held_on-error\""));

        // Marking done moves it out of the open list.
        let actions = app.get("/api/v1/actions?owner=cy").await.json();
        let aid = actions["items"][0]["id"].as_i64().unwrap();
        let r = app
            .post_form(
                &format!("/strategy/actions/{aid}"),
                &[
                    ("title", "Nightly reconciliation"),
                    ("owner", "Cy"),
                    ("status", "done"),
                    ("evidence_ids", &slow.to_string()),
                    ("session_id", &sid.to_string()),
                ],
            )
            .await;
        r.expect(303);
        let a = app.get(&format!("/api/v1/actions/{aid}")).await.json();
        assert_eq!(a["status"], "done");
        assert!(a["done_on"].is_string());
        let owners = app.get("/api/v1/actions/by-owner").await.json();
        assert_eq!(owners["owners"].as_array().unwrap().len(), 1);
        assert_eq!(owners["owners"][0]["owner"], "Ana");
    });
}

#[test]
fn the_api_runs_sessions_and_actions_and_only_insight_managers_edit() {
    each_db(|app| async move {
        let ev = evidence(&app, "We would leave if the export stays this slow.").await;
        let s = app
            .post_json(
                "/api/v1/strategy/sessions",
                &json!({"title": "Support day", "held_on": "2026-03-03"}),
            )
            .await;
        let sid = created_id(&s);
        let item = app
            .post_json(
                &format!("/api/v1/strategy/sessions/{sid}/items"),
                &json!({"evidence_id": ev, "discussion": "First"}),
            )
            .await;
        let item_id = created_id(&item);
        assert_eq!(item.json()["target"], json!({"type": "evidence", "id": ev}));
        let dup = app
            .post_json(
                &format!("/api/v1/strategy/sessions/{sid}/items"),
                &json!({"evidence_id": ev}),
            )
            .await;
        dup.expect(409);
        app.post_json(
            &format!("/api/v1/strategy/sessions/{sid}/items"),
            &json!({}),
        )
        .await
        .expect(422);
        let up = app
            .put_json(
                &format!("/api/v1/strategy/items/{item_id}"),
                &json!({"discussion": "Second thoughts"}),
            )
            .await;
        up.expect(200);
        assert_eq!(up.json()["discussion"], "Second thoughts");

        let a = app
            .post_json("/api/v1/actions", &json!({"title": "Fix export", "owner": "Bo", "session_id": sid, "evidence_ids": [ev], "due_on": "2026-04-01"}))
            .await;
        let aid = created_id(&a);
        assert_eq!(a.json()["evidence"][0]["id"], ev);
        assert_eq!(a.json()["status"], "open");
        app.post_json(
            "/api/v1/actions",
            &json!({"title": "x", "owner": "y", "theme_ids": [424242]}),
        )
        .await
        .expect(422);
        app.post_json(
            "/api/v1/actions",
            &json!({"title": "x", "owner": "y", "status": "someday"}),
        )
        .await
        .expect(422);
        app.post_json(
            "/api/v1/actions",
            &json!({"title": "x", "owner": "y", "colour": "red"}),
        )
        .await
        .expect(422);

        let done = app
            .put_json(
                &format!("/api/v1/actions/{aid}"),
                &json!({"status": "done"}),
            )
            .await;
        done.expect(200);
        assert_eq!(
            done.json()["title"],
            "Fix export",
            "omitted fields keep their values"
        );
        assert_eq!(done.json()["evidence_ids"], json!([ev]));
        let p: Value = app.get("/api/v1/actions/progress?months=3").await.json();
        let months = p["months"].as_array().unwrap();
        assert_eq!(months.len(), 3);
        assert_eq!(months[2]["done_total"], 1);
        app.get("/api/v1/actions/progress?months=0")
            .await
            .expect(422);
        app.get("/api/v1/actions?status=nope").await.expect(422);
        assert_eq!(
            app.get("/api/v1/actions?open=yes").await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        let session = app
            .get(&format!("/api/v1/strategy/sessions/{sid}"))
            .await
            .json();
        assert_eq!(session["actions"][0]["status"], "done");
        assert_eq!(session["items"][0]["discussion"], "Second thoughts");

        // Sales read, product edits (ManageInsights), viewers only read.
        let sales = app.as_user(&app.identity("rep@example.com", Role::Sales).await);
        sales.get("/api/v1/actions").await.expect(200);
        sales.get("/strategy/actions").await.expect(200);
        sales
            .post_json("/api/v1/actions", &json!({"title": "x", "owner": "y"}))
            .await
            .expect(403);
        sales
            .post_form("/strategy", &[("title", "x"), ("held_on", "2026-01-01")])
            .await
            .expect(403);
        let product = app.as_user(&app.identity("pm@example.com", Role::Product).await);
        product
            .post_json(
                "/api/v1/actions",
                &json!({"title": "Roadmap review", "owner": "Pia"}),
            )
            .await
            .expect(201);

        app.delete(&format!("/api/v1/strategy/items/{item_id}"))
            .await
            .expect(204);
        app.delete(&format!("/api/v1/strategy/sessions/{sid}"))
            .await
            .expect(204);
        let kept = app.get(&format!("/api/v1/actions/{aid}")).await.json();
        assert_eq!(
            kept["session_id"],
            Value::Null,
            "the action outlives its session"
        );
        app.delete(&format!("/api/v1/actions/{aid}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/actions/{aid}")).await.expect(404);
        app.get("/strategy/999999").await.expect(404);
    });
}
