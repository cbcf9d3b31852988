//! Search (C3), themes (C4) and customer language (C5) over HTTP, on SQLite and (when
//! configured) PostgreSQL: highlighted and escaped matches, filters and their errors, the JSON
//! API, theme pages with rename/merge/split/pin forms that show errors beside the fields,
//! revenue only for financial roles, and the glossary.

mod common;

use common::{each_db, TestApp};
use peerstage_core::Role;
use serde_json::{json, Value};

async fn evidence(app: &TestApp, account: i64, text: &str, date: &str, tags: &[&str]) -> i64 {
    let r = app
        .post_json(
            "/api/v1/evidence",
            &json!({"text": text, "date": date, "account_id": account, "kind": "problem", "tags": tags}),
        )
        .await;
    r.expect(201);
    r.json()["id"].as_i64().unwrap()
}

/// Three topics, five times each, from two accounts.
async fn topics(app: &TestApp) -> (i64, i64) {
    let a = app
        .create_account(json!({"name": "Alder Health", "industry": "Healthcare", "segment": "enterprise", "annual_revenue": 700000}))
        .await;
    let b = app
        .create_account(json!({"name": "Birch Retail", "industry": "Retail", "segment": "smb", "annual_revenue": 90000}))
        .await;
    let lines = [
        "The offline mode loses changes when the tablet reconnects",
        "Offline mode drops notes and the offline sync fails",
        "Offline sync fails after offline mode on the mobile app",
        "Monthly reports are slow and time out",
        "Slow reports every Monday on the dashboard",
        "Reports are slow when filtering by region",
        "Renewal price went up, the price per seat is too high",
        "The renewal price per seat is too expensive",
        "Per seat price at renewal is hard to justify",
    ];
    for i in 0..27 {
        let acc = if i % 2 == 0 { a } else { b };
        let tags: &[&str] = if i % 9 < 3 { &["mobile"] } else { &[] };
        evidence(
            app,
            acc,
            lines[i % 9],
            &format!("2025-0{}-1{}", 1 + i % 6, i % 10),
            tags,
        )
        .await;
    }
    (a, b)
}

#[test]
fn search_page_and_api_highlight_escape_and_filter() {
    each_db(|app| async move {
        let (a, _) = topics(&app).await;
        let x = evidence(
            &app,
            a,
            "Sync breaks <script>alert(1)</script> & loses data",
            "2025-02-02",
            &["xss"],
        )
        .await;

        // The page: matches marked, everything else escaped.
        let r = app.get("/search?q=sync").await;
        r.expect(200);
        let body = r.text();
        assert!(
            body.contains(
                "<mark>Sync</mark> breaks &lt;script&gt;alert(1)&lt;/script&gt; &amp; loses data"
            ),
            "{body}"
        );
        assert!(!body.contains("<script>alert"));
        assert!(body.contains("<mark>sync</mark>"));
        assert!(
            body.contains("10 items mention sync") || body.contains("items mention sync"),
            "{body}"
        );
        // Filters narrow; an unknown kind is an error beside its field, the form keeps input.
        let r = app
            .get(&format!("/search?q=sync&account_id={a}&tag=xss"))
            .await;
        let body = r.text();
        assert!(body.contains("1 item mention"), "{body}");
        assert!(body.contains(&format!("/evidence/{x}")));
        let r = app
            .get("/search?q=offline&kind=grumble&from=2025-03-01&to=2025-01-01")
            .await;
        let body = r.text();
        assert!(body.contains("id=\"f-kind-error\""), "{body}");
        assert!(body.contains("id=\"f-to-error\""));
        assert!(body.contains("value=\"offline\""));

        // The API.
        let r = app
            .get("/api/v1/search?q=offline%20sync&industry=Healthcare")
            .await;
        r.expect(200);
        let v = r.json();
        assert!(v["total"].as_u64().unwrap() >= 1);
        for h in v["hits"].as_array().unwrap() {
            assert_eq!(h["account_name"], "Alder Health");
            let marked: Vec<String> = h["fragments"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["hit"] == true)
                .map(|f| f["text"].as_str().unwrap().to_lowercase())
                .collect();
            assert!(
                marked.contains(&"offline".to_string()) && marked.contains(&"sync".to_string()),
                "{marked:?}"
            );
        }
        let r = app.get("/api/v1/search?q=").await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["q"]);
        let r = app.get("/api/v1/search?q=sync&level=9&colour=red").await;
        r.expect(422);
        let r = app.get("/api/v1/search?q=sync&level=9").await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["level"]);
    });
}

#[test]
fn themes_pages_and_api_refresh_rename_merge_split_and_pin() {
    each_db(|app| async move {
        topics(&app).await;
        let r = app
            .post_json("/api/v1/themes/refresh", &json!({"k": 3}))
            .await;
        r.expect(200);
        assert_eq!(r.json()["themes"], 3);
        let list = app.get("/api/v1/themes").await.json();
        let items = list["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 3);
        assert_eq!(list["last_run"]["items"], 27);
        let find = |word: &str| -> Value {
            items
                .iter()
                .find(|t| t["label"].as_str().unwrap().to_lowercase().contains(word))
                .cloned()
                .unwrap_or_else(|| panic!("no theme about {word}: {items:?}"))
        };
        let offline = find("offline");
        let price = find("price");
        let oid = offline["id"].as_i64().unwrap();
        let pid = price["id"].as_i64().unwrap();
        assert_eq!(offline["volume"], 9);
        assert_eq!(offline["accounts"], 2);
        assert_eq!(offline["revenue"], 790000);
        assert_eq!(offline["months"].as_array().unwrap().len(), 12);
        assert!(price["sentiment"].as_f64().unwrap() < 0.0);

        // The dashboard's top themes.
        let home = app.get("/").await.text();
        assert!(home.contains("Top themes in customer feedback"));
        assert!(home.contains(&format!("/themes/{oid}")));

        // The list page and a theme's page.
        let page = app.get("/themes").await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains(&format!("/themes/{oid}")));
        assert!(body.contains("790,000"));
        assert!(body.contains("<svg"));
        let page = app.get(&format!("/themes/{oid}")).await.text();
        assert!(page.contains("Representative quotes"));
        assert!(page.contains("Alder Health"));

        // A theme by hand: a blank name is an error beside the field.
        let r = app.post_form("/themes", &[("label", " ")]).await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-label-error\""));
        let r = app.post_form("/themes", &[("label", "Made by hand")]).await;
        r.expect(303);
        assert!(r.location().starts_with("/themes/"));

        // Rename by form: errors beside the field; then the name survives a re-run.
        let r = app
            .post_form(&format!("/themes/{oid}/rename"), &[("label", "  ")])
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-label-error\""));
        let r = app
            .post_form(
                &format!("/themes/{oid}/rename"),
                &[("label", "Field app offline")],
            )
            .await;
        r.expect(303);
        app.post_json("/api/v1/themes/refresh", &json!({"k": 3}))
            .await
            .expect(200);
        let t = app.get(&format!("/api/v1/themes/{oid}")).await.json();
        assert_eq!(t["label"], "Field app offline");
        assert_eq!(t["named"], true);
        assert_eq!(t["items"]["total"], 9);
        assert_eq!(t["accounts_affected"].as_array().unwrap().len(), 2);

        // Split by API, errors name the field.
        let r = app
            .post_json(
                &format!("/api/v1/themes/{oid}/split"),
                &json!({"words": "zeppelin", "label": "X"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["words"]);
        let r = app
            .post_json(
                &format!("/api/v1/themes/{oid}/split"),
                &json!({"words": "sync", "label": "Sync after offline"}),
            )
            .await;
        r.expect(201);
        let sid = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["volume"], 6);
        // Merge by form.
        let r = app
            .post_form(
                &format!("/themes/{oid}/merge"),
                &[("from", &sid.to_string())],
            )
            .await;
        r.expect(303);
        app.get(&format!("/api/v1/themes/{sid}")).await.expect(404);
        assert_eq!(
            app.get(&format!("/api/v1/themes/{oid}")).await.json()["volume"],
            9
        );
        // Pin a tag to the price theme; a second pin of the same tag conflicts.
        let r = app
            .post_json(
                &format!("/api/v1/themes/{pid}/tags"),
                &json!({"tag": "mobile"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["tags"], json!(["mobile"]));
        assert_eq!(r.json()["volume"], 18);
        let r = app
            .post_form(&format!("/themes/{oid}/pin-tag"), &[("tag", "mobile")])
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-tag-error\""));
        app.delete(&format!("/api/v1/themes/{pid}/tags/mobile"))
            .await
            .expect(200);
        // Search within a theme.
        let r = app
            .get(&format!("/api/v1/search?q=price&theme_id={pid}"))
            .await
            .json();
        assert_eq!(r["total"], 9);
        app.get("/api/v1/themes/99999").await.expect(404);
        app.get("/themes/99999").await.expect(404);

        // Revenue is hidden from roles without financial access.
        let viewer = app.identity("viewer@voc.example", Role::Viewer).await;
        let v = app.as_user(&viewer);
        let t = v.get(&format!("/api/v1/themes/{oid}")).await.json();
        assert!(t["revenue"].is_null());
        assert!(!v.get("/themes").await.text().contains("790,000"));
        v.post_json("/api/v1/themes/refresh", &json!({}))
            .await
            .expect(403);
    });
}

#[test]
fn language_page_and_glossary() {
    each_db(|app| async move {
        topics(&app).await;
        let r = app.post_json("/api/v1/glossary", &json!({"term": "Offline-first", "category": "marketing", "note": "Beacon Mobile tagline"})).await;
        r.expect(201);
        let gid = r.json()["id"].as_i64().unwrap();
        app.post_json("/api/v1/glossary", &json!({"term": "offline-FIRST"}))
            .await
            .expect(409);
        let r = app
            .post_json(
                "/api/v1/glossary",
                &json!({"term": "", "category": "slogan"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["term", "category"]);
        let r = app
            .post_form(
                "/language/glossary",
                &[("term", "Actionable insights"), ("category", "marketing")],
            )
            .await;
        r.expect(303);
        let r = app
            .post_form(
                "/language/glossary",
                &[("term", "Actionable INSIGHTS"), ("category", "marketing")],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-term-error\""));
        assert!(r.text().contains("value=\"Actionable INSIGHTS\""));

        let v = app.get("/api/v1/language").await.json();
        assert_eq!(v["texts"], 27);
        let never: Vec<&str> = v["ours_not_theirs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["term"].as_str().unwrap())
            .collect();
        assert_eq!(never, vec!["Actionable insights", "Offline-first"]);
        assert!(v["theirs_not_ours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["phrase"].as_str().unwrap().contains("price")));
        let page = app.get("/language").await.text();
        assert!(page.contains("Words customers use that we never do"));
        assert!(page.contains("Offline-first"));
        assert!(page.contains("offline mode"));
        app.delete(&format!("/api/v1/glossary/{gid}"))
            .await
            .expect(204);
        app.delete(&format!("/api/v1/glossary/{gid}"))
            .await
            .expect(404);
        assert_eq!(
            app.get("/api/v1/glossary").await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    });
}
