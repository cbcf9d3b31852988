//! The question linter (C6) over HTTP, on SQLite and (when configured) PostgreSQL: the page
//! with pasted text and an uploaded file, the JSON and text API, errors, and who may lint.

mod common;

use axum::http::Method;
use common::{each_db, multipart};
use peerstage_core::Role;
use serde_json::json;

const GUIDE: &str = "# Discovery\n\n1. Tell me about your role.\n2. Do you use spreadsheets for forecasting?\n- Don't you think the dashboard saves you time?\n- What features should we add next?\n- How satisfied are you with our pricing and support?\n";

#[test]
fn the_page_lints_a_pasted_guide_and_names_each_rule() {
    each_db(|app| async move {
        let home = app.get("/questions").await;
        home.expect(200);
        assert!(home.text().contains("Question linter"));
        let r = app.post_form("/questions", &[("guide", GUIDE)]).await;
        r.expect(200);
        let body = r.text();
        for rule in ["closed", "leading", "feature_shopping", "double_barrelled"] {
            assert!(
                body.contains(&format!(">{rule}<")),
                "{rule} missing in {body}"
            );
        }
        assert!(
            body.contains(
                "Tell me about the last time you used spreadsheets for forecasting. What happened?"
            ),
            "{body}"
        );
        // The guide is kept in the form for another round.
        assert!(body.contains("Do you use spreadsheets for forecasting?"));
        assert!(body.contains("4 flagged"), "{body}");
    });
}

#[test]
fn the_page_reads_an_uploaded_file_and_refuses_a_guide_without_questions() {
    each_db(|app| async move {
        let boundary = "XQUESTIONS";
        let body = multipart(
            boundary,
            &[
                ("guide", None, ""),
                (
                    "file",
                    Some("guide.md"),
                    "- Would you use a mobile app to approve expenses?\n",
                ),
            ],
        );
        let r = app
            .request(
                Method::POST,
                &format!("/questions?csrf={}", app.csrf()),
                Some(&format!("multipart/form-data; boundary={boundary}")),
                body,
            )
            .await;
        r.expect(200);
        let text = r.text();
        assert!(text.contains("feature_shopping"), "{text}");
        assert!(
            text.contains("Tell me about the last time you tried to approve expenses."),
            "{text}"
        );

        let r = app
            .post_form(
                "/questions",
                &[("guide", "# Just a heading\n\nNotes for the interviewer.\n")],
            )
            .await;
        r.expect(422);
        let text = r.text();
        assert!(text.contains("id=\"f-guide-error\""), "{text}");
        assert!(text.contains("no questions found"), "{text}");

        // Without the CSRF token the upload is refused.
        let body = multipart(boundary, &[("guide", None, "Do you like it?")]);
        let r = app
            .request(
                Method::POST,
                "/questions",
                Some(&format!("multipart/form-data; boundary={boundary}")),
                body,
            )
            .await;
        assert_eq!(r.status.as_u16(), 403);
    });
}

#[test]
fn the_api_lints_json_and_text_bodies() {
    each_db(|app| async move {
        let r = app
            .post_json("/api/v1/questions/lint", &json!({"guide": GUIDE}))
            .await;
        r.expect(200);
        let v = r.json();
        assert_eq!(v["total"], 5);
        assert_eq!(v["flagged"], 4);
        assert_eq!(v["counts"]["closed"], 2);
        let qs = v["questions"].as_array().unwrap();
        assert_eq!(qs[0]["line"], 3);
        assert_eq!(qs[0]["flagged"], false);
        assert_eq!(qs[1]["rules"], json!(["closed"]));
        assert_eq!(qs[2]["rules"], json!(["closed", "leading"]));
        assert!(qs[2]["flags"][1]["why"]
            .as_str()
            .unwrap()
            .contains("don't you"));
        assert!(qs[3]["rewrite"]
            .as_str()
            .unwrap()
            .starts_with("Tell me about"));

        let r = app
            .post_json("/api/v1/questions/lint", &json!({"questions": ["Isn't it frustrating to copy data by hand?", "How did you hear about us?"]}))
            .await;
        r.expect(200);
        let v = r.json();
        assert_eq!(v["questions"][0]["rules"], json!(["closed", "leading"]));
        assert_eq!(v["questions"][1]["line"], 2);
        assert_eq!(v["questions"][1]["rules"], json!([]));

        let r = app
            .request(
                Method::POST,
                "/api/v1/questions/lint",
                Some("text/markdown"),
                "* Would you pay for a forecasting module?\n",
            )
            .await;
        r.expect(200);
        assert_eq!(
            r.json()["questions"][0]["rules"],
            json!(["closed", "feature_shopping"])
        );

        // Errors name the field and say why; none is a 500.
        let r = app
            .post_json(
                "/api/v1/questions/lint",
                &json!({"guide": "## Only a heading"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["guide"]);
        let r = app
            .post_json("/api/v1/questions/lint", &json!({"text": "Do you?"}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["text"]);
        let r = app
            .post_json("/api/v1/questions/lint", &json!({"questions": [1]}))
            .await;
        r.expect(422);
        let r = app
            .request(
                Method::POST,
                "/api/v1/questions/lint",
                Some("application/json"),
                "{nope",
            )
            .await;
        r.expect(400);
        let r = app
            .request(
                Method::POST,
                "/api/v1/questions/lint",
                Some("image/png"),
                "x",
            )
            .await;
        r.expect(415);
    });
}

#[test]
fn every_signed_in_user_may_lint_and_nobody_else() {
    each_db(|app| async move {
        let viewer = app.identity("viewer-lints@example.com", Role::Viewer).await;
        let as_viewer = app.as_user(&viewer);
        as_viewer.get("/questions").await.expect(200);
        as_viewer
            .post_json(
                "/api/v1/questions/lint",
                &json!({"guide": "Do you like it?"}),
            )
            .await
            .expect(200);
        let anon = app.anonymous();
        anon.post_json(
            "/api/v1/questions/lint",
            &json!({"guide": "Do you like it?"}),
        )
        .await
        .expect(401);
    });
}
