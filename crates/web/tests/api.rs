//! Black-box tests of the JSON API under /api/v1, on SQLite and (when configured) PostgreSQL.

mod common;

use axum::http::Method;
use common::{each_db, today, Resp, TestApp};
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

async fn listed(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/accounts{query}")).await;
    r.expect(200);
    r.json()
}

// ---- accounts ----

#[test]
fn an_account_is_created_read_updated_and_deleted() {
    each_db(|app| async move {
        let r = app
            .post_json(
                "/api/v1/accounts",
                &json!({
                    "name": "Northwind",
                    "external_id": "NW-1",
                    "industry": "Logistics",
                    "region": "emea",
                    "employees": 1200,
                    "segment": "enterprise",
                    "products": ["Core", "Insights"],
                    "annual_revenue": 250000,
                    "cost_to_serve": 100000,
                    "discount": 20000,
                    "customer_since": "2020-01-15",
                    "at_risk": false
                }),
            )
            .await;
        r.expect(201);
        let created = r.json();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["name"], "Northwind");
        assert_eq!(created["margin"], 130000);
        assert_eq!(created["products"], json!(["Core", "Insights"]));

        let r = app.get(&format!("/api/v1/accounts/{id}")).await;
        r.expect(200);
        assert!(r.content_type().starts_with("application/json"));
        let got = r.json();
        assert_eq!(got["external_id"], "NW-1");
        assert_eq!(got["region"], "emea");
        assert_eq!(got["employees"], 1200);
        assert_eq!(got["customer_since"], "2020-01-15");
        assert_eq!(got["lifecycle"], "customer");

        let r = app
            .put_json(
                &format!("/api/v1/accounts/{id}"),
                &json!({"city": "Bergen", "discount": 0, "region": null}),
            )
            .await;
        r.expect(200);
        let updated = r.json();
        assert_eq!(updated["city"], "Bergen");
        assert_eq!(updated["margin"], 150000);
        assert!(updated["region"].is_null(), "null clears a field");
        // Fields the PUT did not mention keep their values.
        assert_eq!(updated["name"], "Northwind");
        assert_eq!(updated["industry"], "Logistics");
        assert_eq!(updated["employees"], 1200);
        assert_eq!(updated["products"], json!(["Core", "Insights"]));
        assert_eq!(updated["customer_since"], "2020-01-15");
        let again = app.get(&format!("/api/v1/accounts/{id}")).await.json();
        assert_eq!(again["city"], "Bergen");
        assert_eq!(again["external_id"], "NW-1");

        let r = app.delete(&format!("/api/v1/accounts/{id}")).await;
        r.expect(204);
        assert!(r.body.is_empty());

        let r = app.get(&format!("/api/v1/accounts/{id}")).await;
        r.expect(404);
        assert!(r.content_type().starts_with("application/json"));
        assert!(r.json()["error"].as_str().unwrap().contains("not found"));
        app.delete(&format!("/api/v1/accounts/{id}"))
            .await
            .expect(404);
        app.put_json(&format!("/api/v1/accounts/{id}"), &json!({"city": "X"}))
            .await
            .expect(404);
    });
}

async fn three_accounts(app: &TestApp) {
    app.create_account(
        json!({"name": "Alpha Freight", "industry": "Logistics", "segment": "enterprise",
        "annual_revenue": 300000, "cost_to_serve": 50000}),
    )
    .await;
    app.create_account(json!({"name": "Beta Bank", "industry": "Finance", "segment": "smb",
        "annual_revenue": 50000, "cost_to_serve": 80000, "at_risk": true, "at_risk_reason": "budget cuts"}))
        .await;
    app.create_account(
        json!({"name": "Gamma Freight", "industry": "Logistics", "segment": "smb",
        "annual_revenue": 120000, "cost_to_serve": 10000, "discount": 5000}),
    )
    .await;
}

#[test]
fn listing_accounts_filters_by_search_industry_segment_risk_and_profit() {
    each_db(|app| async move {
        three_accounts(&app).await;
        let all = listed(&app, "").await;
        assert_eq!(all["total"], 3);
        assert_eq!(
            names(&all),
            ["Alpha Freight", "Beta Bank", "Gamma Freight"],
            "default sort is by name"
        );
        assert_eq!(
            names(&listed(&app, "?q=freight").await),
            ["Alpha Freight", "Gamma Freight"]
        );
        assert_eq!(
            names(&listed(&app, "?industry=Finance").await),
            ["Beta Bank"]
        );
        assert_eq!(
            names(&listed(&app, "?segment=smb").await),
            ["Beta Bank", "Gamma Freight"]
        );
        assert_eq!(names(&listed(&app, "?at_risk=yes").await), ["Beta Bank"]);
        assert_eq!(
            names(&listed(&app, "?at_risk=no").await),
            ["Alpha Freight", "Gamma Freight"]
        );
        assert_eq!(
            names(&listed(&app, "?unprofitable=yes").await),
            ["Beta Bank"]
        );
        let both = listed(&app, "?industry=Logistics&segment=smb").await;
        assert_eq!(names(&both), ["Gamma Freight"]);
        assert_eq!(both["total"], 1);
        // LIKE wildcards in the search are literal characters.
        app.create_account(json!({"name": "Per_cent 100%"})).await;
        assert_eq!(names(&listed(&app, "?q=_").await), ["Per_cent 100%"]);
        assert_eq!(names(&listed(&app, "?q=%25").await), ["Per_cent 100%"]);
        let none = listed(&app, "?q=nothing-like-this").await;
        assert_eq!(none["total"], 0);
        assert_eq!(none["items"], json!([]));
    });
}

#[test]
fn listing_accounts_sorts_by_revenue_descending_and_pages_with_a_total() {
    each_db(|app| async move {
        three_accounts(&app).await;
        assert_eq!(
            names(&listed(&app, "?sort=revenue&dir=desc").await),
            ["Alpha Freight", "Gamma Freight", "Beta Bank"]
        );
        assert_eq!(
            names(&listed(&app, "?sort=revenue").await),
            ["Beta Bank", "Gamma Freight", "Alpha Freight"]
        );
        assert_eq!(
            names(&listed(&app, "?sort=margin&dir=asc").await),
            ["Beta Bank", "Gamma Freight", "Alpha Freight"]
        );
        let p1 = listed(&app, "?sort=revenue&dir=desc&per_page=2").await;
        assert_eq!(names(&p1), ["Alpha Freight", "Gamma Freight"]);
        assert_eq!(p1["total"], 3);
        assert_eq!(p1["page"], 1);
        assert_eq!(p1["per_page"], 2);
        let p2 = listed(&app, "?sort=revenue&dir=desc&per_page=2&page=2").await;
        assert_eq!(names(&p2), ["Beta Bank"]);
        assert_eq!(p2["total"], 3);
        assert_eq!(p2["page"], 2);
        let p3 = listed(&app, "?per_page=2&page=3").await;
        assert_eq!(p3["items"], json!([]));
        assert_eq!(p3["total"], 3);
    });
}

// ---- validation ----

#[test]
fn a_field_of_the_wrong_json_type_returns_422_naming_the_field() {
    each_db(|app| async move {
        let r = app
            .post_json("/api/v1/accounts", &json!({"name": {"x": 1}}))
            .await;
        r.expect(422);
        let body = r.json();
        assert_eq!(body["fields"][0]["field"], "name");
        assert!(body["error"].is_string());
        let r = app
            .post_json(
                "/api/v1/accounts",
                &json!({"name": "A", "products": [["nested"]]}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["products"]);
        let r = app.post_json("/api/v1/accounts", &json!(["A"])).await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["body"]);
        // A text field sent as true, a number or a list is refused, not stored as "true".
        for body in [
            json!({"name": true}),
            json!({"name": 123}),
            json!({"name": ["a"]}),
        ] {
            let r = app.post_json("/api/v1/accounts", &body).await;
            r.expect(422);
            assert_eq!(r.error_fields(), ["name"], "{body}");
        }
        let acc = app.create_account(json!({"name": "Real"})).await;
        let r = app
            .put_json(&format!("/api/v1/accounts/{acc}"), &json!({"city": false}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["city"]);
        // Lists, numbers and true/false where the document says so.
        let c = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/contacts"),
                &json!({"name": "Ada", "languages": ["en", "de"], "topics": ["SSO"], "audience_size": 900}),
            )
            .await;
        c.expect(201);
        assert_eq!(c.json()["languages"], json!(["en", "de"]));
        app.post_json(
            "/api/v1/accounts",
            &json!({"name": "Typed", "employees": 12, "at_risk": true, "at_risk_reason": "late"}),
        )
        .await
        .expect(201);
        assert_eq!(app.account_total().await, 2);
    });
}

#[test]
fn malformed_json_returns_400() {
    each_db(|app| async move {
        let r = app
            .request(
                Method::POST,
                "/api/v1/accounts",
                Some("application/json"),
                "{\"name\": \"A\"",
            )
            .await;
        r.expect(400);
        assert!(r.json()["error"].as_str().unwrap().contains("JSON"));
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn a_body_without_a_json_content_type_returns_415() {
    each_db(|app| async move {
        let body = json!({"name": "A"}).to_string();
        let r = app
            .request(Method::POST, "/api/v1/accounts", None, body.clone())
            .await;
        r.expect(415);
        assert!(r.json()["error"].is_string());
        app.request(
            Method::POST,
            "/api/v1/accounts",
            Some("text/plain"),
            body.clone(),
        )
        .await
        .expect(415);
        assert_eq!(app.account_total().await, 0);
        // Media types are case-insensitive, and may carry a charset.
        app.request(
            Method::POST,
            "/api/v1/accounts",
            Some("Application/JSON; charset=utf-8"),
            body,
        )
        .await
        .expect(201);
        assert_eq!(app.account_total().await, 1);
    });
}

#[test]
fn an_unknown_field_returns_422_naming_it() {
    each_db(|app| async move {
        let r = app
            .post_json("/api/v1/accounts", &json!({"name": "A", "nmae": "typo"}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["nmae"]);
        let id = app.create_account(json!({"name": "A"})).await;
        let r = app
            .put_json(&format!("/api/v1/accounts/{id}"), &json!({"colour": "red"}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["colour"]);
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{id}/contacts"),
                &json!({"name": "Ada", "shoe_size": 40}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["shoe_size"]);
    });
}

#[test]
fn a_bad_enum_value_returns_422_naming_the_field() {
    each_db(|app| async move {
        let r = app
            .post_json("/api/v1/accounts", &json!({"name": "A", "segment": "huge"}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["segment"]);
        let reason = r.json()["fields"][0]["reason"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(reason.contains("enterprise"), "{reason}");
        let r = app
            .post_json("/api/v1/accounts", &json!({"name": "A", "region": "Mars"}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["region"]);
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn a_non_numeric_negative_or_unknown_id_in_the_path_returns_404_json() {
    each_db(|app| async move {
        let id = app.create_account(json!({"name": "A"})).await;
        for path in [
            "/api/v1/accounts/abc",
            "/api/v1/accounts/-1",
            "/api/v1/accounts/0",
            "/api/v1/accounts/1.5",
            "/api/v1/accounts/99999999999999999999",
            "/api/v1/accounts/9223372036854775807",
            "/api/v1/accounts/abc/contacts",
            "/api/v1/accounts/-3/touchpoints",
            "/api/v1/accounts/999999/commitments",
            "/api/v1/accounts/999999/nps",
            "/api/v1/contacts/x",
            "/api/v1/touchpoints/-2",
            "/api/v1/commitments/999999",
            "/api/v1/nps/abc",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status, 404, "GET {path}: {}", r.text());
            assert!(r.json()["error"].is_string(), "GET {path}");
        }
        for path in ["/api/v1/accounts/abc", "/api/v1/contacts/-1"] {
            let r = app.delete(path).await;
            assert_eq!(r.status, 404, "DELETE {path}");
            assert!(r.json()["error"].is_string());
            let r = app.put_json(path, &json!({"name": "B"})).await;
            assert_eq!(r.status, 404, "PUT {path}");
            assert!(r.json()["error"].is_string());
        }
        // The account is untouched.
        app.get(&format!("/api/v1/accounts/{id}")).await.expect(200);
    });
}

#[test]
fn an_unknown_query_value_returns_422_naming_the_parameter() {
    each_db(|app| async move {
        let r = app.get("/api/v1/accounts?sort=shoe").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["sort"]);
        for (query, field) in [
            ("dir=sideways", "dir"),
            ("segment=huge", "segment"),
            ("at_risk=maybe", "at_risk"),
            ("per_page=0", "per_page"),
            ("per_page=501", "per_page"),
            ("page=-1", "page"),
        ] {
            let r = app.get(&format!("/api/v1/accounts?{query}")).await;
            assert_eq!(r.status, 422, "{query}");
            assert_eq!(r.error_fields(), [field], "{query}");
        }
        app.get("/api/v1/nps?segment=huge").await.expect(422);
        app.get("/api/v1/nps?months=0").await.expect(422);
        app.get("/api/v1/value?sort=shoe").await.expect(422);
        app.post_csv("/api/v1/import/accounts?skip_invalid=perhaps", "name\nA\n")
            .await
            .expect(422);
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn a_duplicate_external_id_returns_409_naming_external_id() {
    each_db(|app| async move {
        app.create_account(json!({"name": "A", "external_id": "X-1"}))
            .await;
        let r = app
            .post_json(
                "/api/v1/accounts",
                &json!({"name": "B", "external_id": "X-1"}),
            )
            .await;
        r.expect(409);
        assert_eq!(r.error_fields(), ["external_id"]);
        assert!(r.json()["error"].is_string());
        let b = app
            .create_account(json!({"name": "B", "external_id": "X-2"}))
            .await;
        let r = app
            .put_json(
                &format!("/api/v1/accounts/{b}"),
                &json!({"external_id": "X-1"}),
            )
            .await;
        r.expect(409);
        assert_eq!(r.error_fields(), ["external_id"]);
        let got = app.get(&format!("/api/v1/accounts/{b}")).await.json();
        assert_eq!(got["external_id"], "X-2");
        assert_eq!(app.account_total().await, 2);
    });
}

#[test]
fn a_body_over_the_2_mib_limit_returns_413_and_writes_nothing() {
    each_db(|app| async move {
        let big = "x".repeat(peerstage_web::BODY_LIMIT + 1024);
        let body = json!({"name": "A", "at_risk_reason": big});
        let r = app.post_json("/api/v1/accounts", &body).await;
        r.expect(413);
        assert!(r.json()["error"].is_string());
        let id = app.create_account(json!({"name": "A"})).await;
        let r = app.put_json(&format!("/api/v1/accounts/{id}"), &body).await;
        r.expect(413);
        let r = app
            .post_json(&format!("/api/v1/accounts/{id}/contacts"), &body)
            .await;
        r.expect(413);
        // Not JSON at all, and over the limit: still 413, never 500.
        let r = app
            .request(
                Method::POST,
                "/api/v1/accounts",
                Some("application/json"),
                big,
            )
            .await;
        r.expect(413);
        assert_eq!(app.account_total().await, 1);
    });
}

// ---- records under an account ----

#[test]
fn contacts_are_created_listed_read_searched_updated_and_deleted() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/contacts"),
                &json!({"name": "Ada Lovelace", "email": "ada@example.com", "role": "champion",
                        "topics": ["analytics", "rust"], "reference_consent": "yes", "audience_size": 5000}),
            )
            .await;
        r.expect(201);
        let c = r.json();
        let cid = c["id"].as_i64().unwrap();
        assert_eq!(c["account_id"], acc);
        assert_eq!(c["account_name"], "Acme");
        assert_eq!(c["topics"], json!(["analytics", "rust"]));
        app.create_under(acc, "contacts", json!({"name": "Bob"}))
            .await;

        let list = app.get(&format!("/api/v1/accounts/{acc}/contacts")).await;
        list.expect(200);
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 2);

        let search = app.get("/api/v1/contacts?q=ada@").await;
        search.expect(200);
        let found = search.json();
        assert_eq!(found["total"], 1);
        assert_eq!(found["items"][0]["id"], cid);

        let got = app.get(&format!("/api/v1/contacts/{cid}")).await;
        got.expect(200);
        assert_eq!(got.json()["email"], "ada@example.com");

        let r = app
            .put_json(&format!("/api/v1/contacts/{cid}"), &json!({"title": "CTO"}))
            .await;
        r.expect(200);
        let upd = r.json();
        assert_eq!(upd["title"], "CTO");
        assert_eq!(upd["email"], "ada@example.com");
        assert_eq!(upd["reference_consent"], "yes");
        assert_eq!(upd["audience_size"], 5000);

        let r = app
            .put_json(
                &format!("/api/v1/contacts/{cid}"),
                &json!({"email": "nope"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["email"]);

        app.delete(&format!("/api/v1/contacts/{cid}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/contacts/{cid}"))
            .await
            .expect(404);
        let list = app.get(&format!("/api/v1/accounts/{acc}/contacts")).await;
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    });
}

#[test]
fn touchpoints_are_created_with_contacts_listed_read_updated_and_deleted() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let ada = app
            .create_under(acc, "contacts", json!({"name": "Ada"}))
            .await;
        let bob = app
            .create_under(acc, "contacts", json!({"name": "Bob"}))
            .await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/touchpoints"),
                &json!({"kind": "meeting", "occurred_on": "2025-03-04", "staff": "Kim",
                        "contact_ids": [ada, bob], "notes": "wants SSO"}),
            )
            .await;
        r.expect(201);
        let t = r.json();
        let tid = t["id"].as_i64().unwrap();
        let mut ids: Vec<i64> = t["contact_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![ada.min(bob), ada.max(bob)]);
        assert_eq!(t["contact_names"], json!(["Ada", "Bob"]));

        app.create_under(
            acc,
            "touchpoints",
            json!({"kind": "call", "occurred_on": "2025-03-10"}),
        )
        .await;
        let list = app
            .get(&format!("/api/v1/accounts/{acc}/touchpoints"))
            .await;
        list.expect(200);
        let list = list.json();
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["kind"], "call", "newest first");

        let r = app
            .put_json(
                &format!("/api/v1/touchpoints/{tid}"),
                &json!({"contact_ids": [bob], "kind": "site visit"}),
            )
            .await;
        r.expect(200);
        let upd = r.json();
        assert_eq!(upd["contact_ids"], json!([bob]));
        assert_eq!(upd["kind"], "site_visit");
        assert_eq!(upd["notes"], "wants SSO");
        assert_eq!(upd["occurred_on"], "2025-03-04");

        let r = app
            .put_json(
                &format!("/api/v1/touchpoints/{tid}"),
                &json!({"occurred_on": "yesterday"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["occurred_on"]);

        app.delete(&format!("/api/v1/touchpoints/{tid}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/touchpoints/{tid}"))
            .await
            .expect(404);
        let list = app
            .get(&format!("/api/v1/accounts/{acc}/touchpoints"))
            .await
            .json();
        assert_eq!(list["total"], 1);
    });
}

#[test]
fn a_touchpoint_with_a_contact_of_another_account_returns_422_on_contact_ids() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let other = app.create_account(json!({"name": "Other"})).await;
        let mine = app
            .create_under(acc, "contacts", json!({"name": "Ada"}))
            .await;
        let theirs = app
            .create_under(other, "contacts", json!({"name": "Eve"}))
            .await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/touchpoints"),
                &json!({"kind": "call", "occurred_on": "2025-01-01", "contact_ids": [mine, theirs]}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["contact_ids"]);
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/touchpoints"),
                &json!({"kind": "call", "occurred_on": "2025-01-01", "contact_ids": "abc"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["contact_ids"]);
        let list = app
            .get(&format!("/api/v1/accounts/{acc}/touchpoints"))
            .await
            .json();
        assert_eq!(list["total"], 0, "nothing was written");
    });
}

#[test]
fn commitments_are_created_listed_read_updated_and_deleted() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/commitments"),
                &json!({"description": "SSO by March", "owner": "Kim", "due_on": "2025-03-01"}),
            )
            .await;
        r.expect(201);
        let m = r.json();
        let mid = m["id"].as_i64().unwrap();
        assert_eq!(m["status"], "open");

        let list = app
            .get(&format!("/api/v1/accounts/{acc}/commitments"))
            .await;
        list.expect(200);
        assert_eq!(list.json()["items"][0]["id"], mid);

        let r = app
            .put_json(
                &format!("/api/v1/commitments/{mid}"),
                &json!({"status": "kept", "closed_on": "2025-02-20"}),
            )
            .await;
        r.expect(200);
        let upd = r.json();
        assert_eq!(upd["status"], "kept");
        assert_eq!(upd["closed_on"], "2025-02-20");
        assert_eq!(upd["description"], "SSO by March");
        assert_eq!(upd["owner"], "Kim");

        let r = app
            .put_json(
                &format!("/api/v1/commitments/{mid}"),
                &json!({"status": "open"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["closed_on"]);

        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/commitments"),
                &json!({"description": ""}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["description"]);

        app.get(&format!("/api/v1/commitments/{mid}"))
            .await
            .expect(200);
        app.delete(&format!("/api/v1/commitments/{mid}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/commitments/{mid}"))
            .await
            .expect(404);
    });
}

#[test]
fn nps_responses_are_created_listed_read_and_deleted_and_a_score_of_11_returns_422() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let ada = app
            .create_under(acc, "contacts", json!({"name": "Ada"}))
            .await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/nps"),
                &json!({"score": 9, "responded_on": "2025-02-01", "contact_id": ada, "comment": "great"}),
            )
            .await;
        r.expect(201);
        let n = r.json();
        let nid = n["id"].as_i64().unwrap();
        assert_eq!(n["bucket"], "promoter");
        assert_eq!(n["contact_name"], "Ada");

        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/nps"),
                &json!({"score": 11, "responded_on": "2025-02-01"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["score"]);
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{acc}/nps"),
                &json!({"score": -1, "responded_on": "2025-02-01"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["score"]);

        let other = app.create_account(json!({"name": "Other"})).await;
        let r = app
            .post_json(
                &format!("/api/v1/accounts/{other}/nps"),
                &json!({"score": 5, "responded_on": "2025-02-01", "contact_id": ada}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["contact_id"]);

        let list = app.get(&format!("/api/v1/accounts/{acc}/nps")).await;
        list.expect(200);
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
        let got = app.get(&format!("/api/v1/nps/{nid}")).await;
        got.expect(200);
        assert_eq!(got.json()["score"], 9);
        app.delete(&format!("/api/v1/nps/{nid}")).await.expect(204);
        app.get(&format!("/api/v1/nps/{nid}")).await.expect(404);
    });
}

#[test]
fn records_under_a_missing_account_return_404() {
    each_db(|app| async move {
        for what in ["contacts", "touchpoints", "commitments", "nps"] {
            let r = app.get(&format!("/api/v1/accounts/424242/{what}")).await;
            assert_eq!(r.status, 404, "GET {what}");
            assert!(r.json()["error"].is_string());
        }
        let r = app
            .post_json("/api/v1/accounts/424242/contacts", &json!({"name": "Ada"}))
            .await;
        r.expect(404);
        assert!(r.json()["error"].is_string());
    });
}

fn previous_month_mid() -> (String, String) {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let first = today.with_day(1).unwrap();
    let prev = first.pred_opt().unwrap().with_day(15).unwrap();
    (
        prev.format("%Y-%m-%d").to_string(),
        prev.format("%Y-%m").to_string(),
    )
}

fn group<'a>(groups: &'a Value, key: &str) -> &'a Value {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group '{key}' in {groups}"))
}

#[test]
fn the_nps_report_gives_overall_by_segment_and_by_month_numbers() {
    each_db(|app| async move {
        let ent = app
            .create_account(json!({"name": "Big", "segment": "enterprise"}))
            .await;
        let smb = app
            .create_account(json!({"name": "Small", "segment": "smb"}))
            .await;
        let none = app.create_account(json!({"name": "Unknown"})).await;
        let today = today();
        let this_month = &today[..7];
        let (prev_day, prev_month) = previous_month_mid();
        for (acc, score, day) in [
            (ent, 10, today.as_str()),
            (ent, 9, today.as_str()),
            (smb, 7, today.as_str()),
            (none, 3, prev_day.as_str()),
        ] {
            app.create_under(acc, "nps", json!({"score": score, "responded_on": day}))
                .await;
        }

        let r = app.get("/api/v1/nps").await;
        r.expect(200);
        let report = r.json();
        let overall = &report["overall"];
        assert_eq!(overall["responses"], 4);
        assert_eq!(overall["promoters"], 2);
        assert_eq!(overall["passives"], 1);
        assert_eq!(overall["detractors"], 1);
        assert_eq!(overall["nps"].as_f64(), Some(25.0));

        let seg = &report["by_segment"];
        assert_eq!(seg.as_array().unwrap().len(), 3);
        assert_eq!(group(seg, "enterprise")["nps"].as_f64(), Some(100.0));
        assert_eq!(group(seg, "enterprise")["responses"], 2);
        assert_eq!(group(seg, "smb")["nps"].as_f64(), Some(0.0));
        assert_eq!(group(seg, "smb")["passives"], 1);
        assert_eq!(group(seg, "unknown")["nps"].as_f64(), Some(-100.0));

        let months = &report["by_month"];
        assert_eq!(months.as_array().unwrap().len(), 12);
        let now = group(months, this_month);
        assert_eq!(now["responses"], 3);
        let nps = now["nps"].as_f64().unwrap();
        assert!((nps - 200.0 / 3.0).abs() < 1e-9, "{nps}");
        let before = group(months, &prev_month);
        assert_eq!(before["detractors"], 1);
        assert_eq!(before["nps"].as_f64(), Some(-100.0));
        let empty = months
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["responses"] == 0)
            .count();
        assert_eq!(empty, 10);
        assert!(months[0]["nps"].is_null() || months[0]["responses"] != 0);

        let r = app.get("/api/v1/nps?segment=enterprise&months=3").await;
        r.expect(200);
        let r = r.json();
        assert_eq!(r["segment"], "enterprise");
        assert_eq!(r["overall"]["responses"], 2);
        assert_eq!(r["overall"]["nps"].as_f64(), Some(100.0));
        assert_eq!(r["by_month"].as_array().unwrap().len(), 3);
        assert_eq!(group(&r["by_month"], this_month)["responses"], 2);
    });
}

#[test]
fn the_value_report_lists_unprofitable_accounts_worst_first_with_their_margin() {
    each_db(|app| async move {
        app.create_account(json!({"name": "Slight loss", "annual_revenue": 100000,
            "cost_to_serve": 70000, "discount": 40000}))
            .await;
        app.create_account(json!({"name": "Big loss", "annual_revenue": 50000,
            "cost_to_serve": 80000}))
            .await;
        app.create_account(json!({"name": "Earner", "annual_revenue": 200000,
            "cost_to_serve": 50000, "at_risk": true, "at_risk_reason": "champion left"}))
            .await;
        let r = app.get("/api/v1/value").await;
        r.expect(200);
        let v = r.json();
        let losers = v["unprofitable"]["items"].as_array().unwrap();
        let got: Vec<(&str, i64)> = losers
            .iter()
            .map(|a| (a["name"].as_str().unwrap(), a["margin"].as_i64().unwrap()))
            .collect();
        assert_eq!(got, [("Big loss", -30000), ("Slight loss", -10000)]);
        assert_eq!(v["unprofitable"]["total"], 2);
        let s = &v["summary"];
        assert_eq!(s["accounts"], 3);
        assert_eq!(s["revenue"], 350000);
        assert_eq!(s["margin"], 110000);
        assert_eq!(s["unprofitable_accounts"], 2);
        assert_eq!(s["unprofitable_revenue"], 150000);
        assert_eq!(s["unprofitable_loss"], -40000);
        assert_eq!(s["at_risk_accounts"], 1);
        assert_eq!(s["at_risk_revenue"], 200000);
    });
}

// ---- CSV over the API ----

const ACCOUNTS_CSV: &str = "external_id,name,industry,segment,annual_revenue,products\n\
A-1,Alpha,Logistics,enterprise,1000,Core;Insights\n\
A-2,Beta,Finance,smb,2000,\n\
A-3,Gamma,Retail,mid_market,3000,Core\n";

#[test]
fn importing_an_accounts_csv_inserts_rows_and_importing_it_again_changes_nothing() {
    each_db(|app| async move {
        let r = app.post_csv("/api/v1/import/accounts", ACCOUNTS_CSV).await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["committed"], true);
        assert_eq!(out["kind"], "accounts");
        assert_eq!(out["rows"], 3);
        assert_eq!(out["inserted"], 3);
        assert_eq!(out["updated"], 0);
        assert_eq!(out["rejected"], 0);
        assert_eq!(app.account_total().await, 3);
        let beta = app.get("/api/v1/accounts?q=beta").await.json();
        assert_eq!(beta["items"][0]["external_id"], "A-2");
        assert_eq!(beta["items"][0]["annual_revenue"], 2000);
        assert_eq!(beta["items"][0]["segment"], "smb");

        let r = app.post_csv("/api/v1/import/accounts", ACCOUNTS_CSV).await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["inserted"], 0);
        assert_eq!(out["updated"], 0);
        assert_eq!(out["unchanged"], 3);
        assert_eq!(app.account_total().await, 3);

        let changed = ACCOUNTS_CSV.replace("2000", "2500");
        let out = app
            .post_csv("/api/v1/import/accounts", &changed)
            .await
            .json();
        assert_eq!(
            (&out["inserted"], &out["updated"], &out["unchanged"]),
            (&json!(0), &json!(1), &json!(2))
        );
    });
}

/// Follows a background import over the API until it ends.
async fn finished_api_job(app: &TestApp, url: &str) -> Value {
    for _ in 0..500 {
        let r = app.get(url).await;
        r.expect(200);
        let job = r.json();
        match job["state"].as_str() {
            Some("done" | "failed") => return job,
            Some("reading" | "evidence") => {}
            _ => panic!("a job in no known state: {job}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import at {url} did not finish");
}

#[test]
fn an_import_can_run_in_the_background_and_be_followed_until_it_ends() {
    each_db(|app| async move {
        let r = app
            .post_csv(
                "/api/v1/import/accounts?background=yes&file_name=crm.csv",
                ACCOUNTS_CSV,
            )
            .await;
        r.expect(202);
        let url = r.location().to_string();
        assert!(url.starts_with("/api/v1/import-jobs/"), "{url}");
        let job = r.json();
        assert_eq!(job["url"], url);
        assert_eq!(job["kind"], "accounts");
        assert_eq!(job["file_name"], "crm.csv");
        assert_eq!(job["bytes"], ACCOUNTS_CSV.len());
        let done = finished_api_job(&app, &url).await;
        assert_eq!(done["state"], "done", "{done}");
        assert_eq!(done["committed"], true);
        assert_eq!(done["outcome"]["inserted"], 3);
        assert_eq!(app.account_total().await, 3);

        // A file with a bad row ends with nothing imported and the row's line and column.
        let bad = ACCOUNTS_CSV.replace("Finance,smb", "Finance,huge");
        let r = app
            .post_csv("/api/v1/import/accounts?background=true", &bad)
            .await;
        r.expect(202);
        let failed = finished_api_job(&app, r.location()).await;
        assert_eq!(failed["state"], "done");
        assert_eq!(failed["committed"], false);
        assert_eq!(failed["file_name"], "request body");
        assert_eq!(failed["outcome"]["errors"][0]["line"], 3);
        assert_eq!(failed["outcome"]["errors"][0]["column"], "segment");
        assert_eq!(app.account_total().await, 3);

        let mine = app.get("/api/v1/import-jobs").await.json();
        let ids: Vec<&Value> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| &j["id"])
            .collect();
        assert_eq!(ids, [&failed["id"], &job["id"]], "newest first");

        // Only the user who started a job sees it; roles without import not even that.
        app.get("/api/v1/import-jobs/nosuchjob").await.expect(404);
        let other = app
            .identity("other.importer@example.com", peerstage_core::Role::Admin)
            .await;
        app.as_user(&other).get(&url).await.expect(404);
        assert_eq!(
            app.as_user(&other).get("/api/v1/import-jobs").await.json()["items"],
            json!([])
        );
        let viewer = app
            .identity("viewer@example.com", peerstage_core::Role::Viewer)
            .await;
        app.as_user(&viewer).get(&url).await.expect(403);

        let r = app
            .post_csv("/api/v1/import/accounts?background=perhaps", ACCOUNTS_CSV)
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["background"]);
        assert_eq!(app.account_total().await, 3);
    });
}

#[test]
fn an_import_with_one_bad_row_returns_422_with_line_and_column_and_writes_nothing() {
    each_db(|app| async move {
        app.create_account(json!({"name": "Existing"})).await;
        let before = app.account_total().await;
        let bad = ACCOUNTS_CSV.replace("A-2,Beta,Finance,smb,2000,", "A-2,Beta,Finance,huge,2000,");
        let r = app.post_csv("/api/v1/import/accounts", &bad).await;
        r.expect(422);
        let out = r.json();
        assert_eq!(out["committed"], false);
        assert_eq!(out["rejected"], 1);
        assert_eq!(out["inserted"], 0);
        let errors = out["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["line"], 3);
        assert_eq!(errors[0]["column"], "segment");
        assert!(errors[0]["reason"].as_str().unwrap().contains("huge"));
        assert_eq!(
            out["error"],
            "nothing was imported: 1 of 3 rows are invalid (see errors; skip_invalid=true imports the rest)"
        );
        assert_eq!(app.account_total().await, before, "nothing was written");

        // A file whose header lacks a required column is refused as a whole.
        let r = app
            .post_csv("/api/v1/import/accounts", "industry\nRetail\n")
            .await;
        r.expect(422);
        let out = r.json();
        assert_eq!(out["committed"], false);
        assert!(out["file_error"].as_str().unwrap().contains("name"));
        assert!(out["error"]
            .as_str()
            .unwrap()
            .starts_with("nothing was imported: "));
        assert_eq!(app.account_total().await, before);
    });
}

#[test]
fn an_import_with_skip_invalid_writes_the_good_rows_and_counts_the_rejected_one() {
    each_db(|app| async move {
        let bad = ACCOUNTS_CSV.replace(
            "A-3,Gamma,Retail,mid_market,3000",
            "A-3,,Retail,mid_market,3000",
        );
        let r = app
            .post_csv("/api/v1/import/accounts?skip_invalid=yes", &bad)
            .await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["committed"], true);
        assert_eq!(out["rejected"], 1);
        assert_eq!(out["inserted"], 2);
        assert_eq!(out["errors"][0]["line"], 4);
        assert_eq!(out["errors"][0]["column"], "name");
        assert_eq!(app.account_total().await, 2);
        assert_eq!(names(&listed(&app, "").await), ["Alpha", "Beta"]);
    });
}

#[test]
fn an_import_with_the_salesforce_preset_reads_salesforce_columns() {
    each_db(|app| async move {
        let csv = "Account ID,Account Name,Industry,BillingCountry,AnnualRevenue,NumberOfEmployees,Type\n\
001A,Initech,Software,Norway,\"1,500,000\",250,Customer - Direct\n\
001B,Globex,Energy,Chile,90000,12,Prospect\n";
        let r = app
            .post_csv("/api/v1/import/accounts?preset=salesforce", csv)
            .await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["inserted"], 2, "{out}");
        assert_eq!(out["ignored_columns"], json!([]));
        let list = listed(&app, "").await;
        let globex = &list["items"][0];
        assert_eq!(globex["name"], "Globex");
        assert_eq!(globex["external_id"], "001B");
        assert_eq!(globex["lifecycle"], "prospect");
        assert_eq!(globex["country"], "Chile");
        let initech = &list["items"][1];
        assert_eq!(initech["external_id"], "001A");
        assert_eq!(initech["industry"], "Software");
        assert_eq!(initech["annual_revenue"], 1500000);
        assert_eq!(initech["employees"], 250);
        assert_eq!(initech["lifecycle"], "customer");

        let r = app
            .post_csv("/api/v1/import/accounts?preset=hubspot", csv)
            .await;
        r.expect(400);
        assert!(r.json()["error"].as_str().unwrap().contains("preset"));
    });
}

#[test]
fn an_import_with_a_column_mapping_reads_the_mapped_column() {
    each_db(|app| async move {
        let csv = "Company,ARR\nInitech,5000\nGlobex,7000\n";
        let r = app
            .post_csv(
                "/api/v1/import/accounts?map=name=Company&map=annual_revenue=ARR",
                csv,
            )
            .await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["inserted"], 2, "{out}");
        let list = listed(&app, "?sort=revenue&dir=desc").await;
        assert_eq!(names(&list), ["Globex", "Initech"]);
        assert_eq!(list["items"][0]["annual_revenue"], 7000);

        // Mapping to a column that is not in the file refuses the file.
        let r = app
            .post_csv("/api/v1/import/accounts?map=name=Firm", csv)
            .await;
        r.expect(422);
        assert!(r.json()["file_error"].as_str().unwrap().contains("Firm"));
        let r = app
            .post_csv("/api/v1/import/accounts?map=nonsense", csv)
            .await;
        r.expect(400);
        assert_eq!(app.account_total().await, 2);
    });
}

#[test]
fn an_export_is_csv_that_imports_back_without_changes() {
    each_db(|app| async move {
        let nw = app
            .create_account(
                json!({"name": "Northwind, Inc.", "external_id": "NW", "industry": "Logistics",
                "region": "emea", "country": "Norway", "city": "Oslo", "employees": 1200,
                "segment": "enterprise", "lifecycle": "customer", "products": ["Core", "Insights"],
                "annual_revenue": 250000, "cost_to_serve": 100000, "discount": 20000,
                "customer_since": "2020-01-15", "renewal_date": "2026-01-15", "owner": "Kim",
                "at_risk": true, "at_risk_reason": "said \"maybe\" on renewal"}),
            )
            .await;
        app.create_account(json!({"name": "Bare", "external_id": "B-1"}))
            .await;
        // Imported without an external id: the import gives it one from the name.
        app.post_csv("/api/v1/import/accounts", "name,lifecycle\nThird,former\n")
            .await
            .expect(200);
        app.create_under(
            nw,
            "contacts",
            json!({"name": "Ada", "external_id": "C-1", "email": "ada@example.com",
                   "do_not_contact": true, "topics": ["a", "b"], "reference_consent": "ask_first"}),
        )
        .await;

        let r = app.get("/api/v1/export/accounts").await;
        r.expect(200);
        assert!(
            r.content_type().starts_with("text/csv"),
            "{}",
            r.content_type()
        );
        let csv = r.text();
        let mut lines = csv.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with("external_id,name,industry"));
        assert_eq!(lines.count(), 3);
        assert!(csv.contains("\"Northwind, Inc.\""));

        let r = app.post_csv("/api/v1/import/accounts", &csv).await;
        r.expect(200);
        let out = r.json();
        assert_eq!(out["inserted"], 0, "{out}");
        assert_eq!(out["updated"], 0, "{out}");
        assert_eq!(out["unchanged"], 3, "{out}");
        assert_eq!(app.account_total().await, 3);

        let r = app.get("/api/v1/export/contacts.csv").await;
        r.expect(200);
        let contacts = r.text();
        let r = app.post_csv("/api/v1/import/contacts", &contacts).await;
        r.expect(200);
        let out = r.json();
        assert_eq!(
            (&out["inserted"], &out["updated"], &out["unchanged"]),
            (&json!(0), &json!(0), &json!(1)),
            "{out}"
        );

        let r = app.get("/api/v1/export/nope").await;
        r.expect(404);
        assert!(r.json()["error"].is_string());
        let r = app.post_csv("/api/v1/import/nope", "name\nA\n").await;
        r.expect(404);
        assert!(r.json()["error"].is_string());
    });
}

#[test]
fn every_kind_imported_from_csv_exports_in_a_layout_that_imports_back_unchanged() {
    each_db(|app| async move {
        let files = [
            (
                "accounts",
                "external_id,name,segment\nA1,Acme,smb\nA2,Beta,enterprise\n",
                2,
            ),
            (
                "contacts",
                "external_id,account_external_id,name,email,topics,do_not_contact\n\
                 C1,A1,Ada,ada@example.com,rust;sql,yes\n\
                 C2,A1,Bob,,,no\n",
                2,
            ),
            (
                "touchpoints",
                "account_external_id,kind,occurred_on,contact_external_ids,notes\n\
                 A1,meeting,2025-01-02,C1;C2,\"kick-off, with both\"\n\
                 A2,call,2025-01-03,,\n",
                2,
            ),
            (
                "commitments",
                "account_external_id,description,due_on,status,closed_on\n\
                 A1,Ship SSO,2025-03-01,kept,2025-02-27\n",
                1,
            ),
            (
                "nps",
                "account_external_id,contact_external_id,score,comment,responded_on\n\
                 A1,C1,9,great,2025-01-05\n\
                 A2,,4,,2025-01-06\n",
                2,
            ),
        ];
        for (kind, csv, rows) in files {
            let r = app.post_csv(&format!("/api/v1/import/{kind}"), csv).await;
            assert_eq!(r.status, 200, "import {kind}: {}", r.text());
            assert_eq!(r.json()["inserted"], rows, "import {kind}");
        }
        let found = app.get("/api/v1/accounts?q=acme").await.json();
        let acme = found["items"][0]["id"].as_i64().unwrap();
        let tp = app
            .get(&format!("/api/v1/accounts/{acme}/touchpoints"))
            .await
            .json();
        assert_eq!(tp["items"][0]["contact_names"], json!(["Ada", "Bob"]));

        for (kind, _, rows) in files {
            let r = app.get(&format!("/api/v1/export/{kind}")).await;
            r.expect(200);
            let csv = r.text();
            assert_eq!(csv.lines().count(), rows + 1, "export {kind}: {csv}");
            let r = app.post_csv(&format!("/api/v1/import/{kind}"), &csv).await;
            assert_eq!(r.status, 200, "re-import {kind}: {}", r.text());
            let out = r.json();
            assert_eq!(out["inserted"], 0, "re-import {kind}: {out}");
            assert_eq!(out["updated"], 0, "re-import {kind}: {out}");
            assert_eq!(out["unchanged"], rows, "re-import {kind}: {out}");
        }
        let tp = app
            .get(&format!("/api/v1/accounts/{acme}/touchpoints"))
            .await
            .json();
        assert_eq!(tp["total"], 1);
        assert_eq!(tp["items"][0]["contact_names"], json!(["Ada", "Bob"]));
    });
}

/// Known gap: records created through the forms or the API without an external id are
/// exported with an empty one, and importing that file again matches nothing and inserts
/// copies (accounts are matched by `name:…`, which a stored NULL never equals).
#[test]
fn an_export_of_accounts_created_without_external_ids_imports_back_without_duplicates() {
    each_db(|app| async move {
        app.create_account(json!({"name": "No external id"})).await;
        let csv = app.get("/api/v1/export/accounts").await.text();
        let out = app.post_csv("/api/v1/import/accounts", &csv).await.json();
        assert_eq!(out["inserted"], 0, "{out}");
        assert_eq!(app.account_total().await, 1);
    });
}

// ---- OpenAPI, health, unknown routes ----

#[test]
fn the_openapi_document_is_openapi_3_1_json() {
    each_db(|app| async move {
        let r = app.get("/api/openapi.json").await;
        r.expect(200);
        assert!(r.content_type().starts_with("application/json"));
        let doc = r.json();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["info"]["title"].is_string());
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/api/v1/accounts"));
        assert!(paths.contains_key("/api/v1/accounts/{id}"));
        for (path, method, summary) in [
            ("/api/v1/accounts/{id}", "get", "Get an account"),
            ("/api/v1/nps/{id}", "delete", "Delete an NPS response"),
            (
                "/api/v1/accounts/{id}/nps",
                "post",
                "Add to an account's NPS responses",
            ),
        ] {
            assert_eq!(doc["paths"][path][method]["summary"], summary);
        }
        // Every $ref points at a component that exists.
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/").skip(1) {
            let target = piece.split('"').next().unwrap();
            let (section, name) = target.split_once('/').unwrap();
            assert!(
                doc["components"][section][name].is_object(),
                "dangling $ref {target}"
            );
        }
        let props = doc["components"]["schemas"]["AccountInput"]["properties"]
            .as_object()
            .unwrap();
        assert!(props.contains_key("name"));
        assert!(props.contains_key("annual_revenue"));
    });
}

#[test]
fn every_documented_path_and_method_is_routed() {
    each_db(|app| async move {
        let acc = app
            .create_account(json!({"name": "Acme", "external_id": "ACME"}))
            .await;
        let ids = [
            (
                "contacts",
                app.create_under(acc, "contacts", json!({"name": "Ada"}))
                    .await,
            ),
            (
                "touchpoints",
                app.create_under(
                    acc,
                    "touchpoints",
                    json!({"kind": "call", "occurred_on": "2025-01-01"}),
                )
                .await,
            ),
            (
                "commitments",
                app.create_under(acc, "commitments", json!({"description": "SSO"}))
                    .await,
            ),
            (
                "nps",
                app.create_under(
                    acc,
                    "nps",
                    json!({"score": 9, "responded_on": "2025-01-01"}),
                )
                .await,
            ),
        ];
        // Stories and the buyer journey (B5, B6) hang off the account and a contact.
        let created = |r: Resp| {
            r.expect(201);
            r.json()["id"].as_i64().expect("an id")
        };
        let contact = ids[0].1;
        let site = created(
            app.post_json(
                "/api/v1/third-parties",
                &json!({"name": "PeerGrid", "kind": "review_site"}),
            )
            .await,
        );
        let review = created(
            app.post_json(
                "/api/v1/reviews",
                &json!({"contact_id": contact, "third_party_id": site, "reviewed_on": "2025-01-01", "rating": 5}),
            )
            .await,
        );
        let answer = created(
            app.post_json(
                "/api/v1/source-responses",
                &json!({"account_id": acc, "source": "PeerGrid", "responded_on": "2025-01-01"}),
            )
            .await,
        );
        let story = created(
            app.post_json(
                "/api/v1/stories",
                &json!({"title": "Acme story", "account_id": acc, "stage": "decision"}),
            )
            .await,
        );
        // An event (D1–D8) with a room, a session, a speaker and the contact as a guest.
        let event = created(
            app.post_json(
                "/api/v1/events",
                &json!({"name": "Summit", "kind": "conference", "starts_on": "2026-12-01"}),
            )
            .await,
        );
        let room = created(
            app.post_json(
                &format!("/api/v1/events/{event}/rooms"),
                &json!({"name": "Hall"}),
            )
            .await,
        );
        let session = created(
            app.post_json(
                &format!("/api/v1/events/{event}/sessions"),
                &json!({"room_id": room, "title": "Keynote", "format": "keynote", "start": "09:00", "end": "10:00"}),
            )
            .await,
        );
        let speaker = created(
            app.post_json(
                &format!("/api/v1/sessions/{session}/speakers"),
                &json!({"kind": "customer", "contact_id": contact}),
            )
            .await,
        );
        let guest = created(
            app.post_json(
                &format!("/api/v1/events/{event}/guests"),
                &json!({"contact_id": contact}),
            )
            .await,
        );
        let evidence = created(
            app.post_json(
                "/api/v1/evidence",
                &json!({"text": "Spec evidence: exports are slow", "date": "2026-01-02"}),
            )
            .await,
        );
        // A stored recording (C2), a strategy session with one item and an action (C7).
        let media_dir = std::env::temp_dir().join(format!(
            "peerstage-api-spec-media-{}-{}",
            std::process::id(),
            event
        ));
        let dir = media_dir.clone();
        app.db(move |s| {
            s.set_media_config(peerstage_store::MediaConfig {
                dir: Some(dir),
                max_bytes: 0,
            });
            Ok(())
        })
        .await;
        let boundary = "XSPECMEDIA";
        let media = created(
            app.request(
                Method::POST,
                "/api/v1/media",
                Some(&format!("multipart/form-data; boundary={boundary}")),
                common::multipart(
                    boundary,
                    &[
                        ("title", None, "Spec video"),
                        ("consent", None, "internal"),
                        ("file", Some("spec.mp4"), "not really a video"),
                    ],
                ),
            )
            .await,
        );
        let strategy = created(
            app.post_json(
                "/api/v1/strategy/sessions",
                &json!({"title": "Spec session", "held_on": "2026-01-01"}),
            )
            .await,
        );
        let strategy_item = created(
            app.post_json(
                &format!("/api/v1/strategy/sessions/{strategy}/items"),
                &json!({"media_id": media}),
            )
            .await,
        );
        let action = created(
            app.post_json(
                "/api/v1/actions",
                &json!({"title": "Spec action", "owner": "Spec"}),
            )
            .await,
        );
        // A reference request (B3), asked for the account's contact's kind of activity.
        let reference = created(
            app.post_json(
                "/api/v1/references",
                &json!({"activity": "reference_call", "prospect_name": "Spec prospect"}),
            )
            .await,
        );
        // A theme made by hand (C4).
        let theme = created(
            app.post_json("/api/v1/themes", &json!({"label": "Spec theme"}))
                .await,
        );
        let ids: Vec<(&str, i64)> = ids
            .into_iter()
            .chain([
                ("references", reference),
                ("advocates", contact),
                ("themes", theme),
                ("media", media),
                ("evidence", evidence),
                ("strategy/sessions", strategy),
                ("strategy/items", strategy_item),
                ("actions", action),
                ("third-parties", site),
                ("reviews", review),
                ("source-responses", answer),
                ("stories", story),
                ("events", event),
                ("sessions", session),
                ("speakers", speaker),
                ("guests", guest),
            ])
            .collect();
        // Background imports are named by a token, not a number.
        let job = app
            .post_csv("/api/v1/import/accounts?background=yes", "name\nSpec job\n")
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let doc = app.get("/api/openapi.json").await.json();
        let paths = doc["paths"].as_object().unwrap();
        let mut calls: Vec<(usize, String, String)> = Vec::new();
        for (path, item) in paths {
            let id = ids
                .iter()
                .find(|(what, _)| path.starts_with(&format!("/api/v1/{what}/")))
                .map(|(_, id)| *id)
                .unwrap_or(acc);
            let uri = path
                .replace("{id}", &id.to_string())
                .replace("{kind}", "accounts")
                .replace("{contact}", &contact.to_string())
                .replace("{room}", &room.to_string());
            // Search needs words (C3).
            let uri = if path == "/api/v1/search" {
                format!("{uri}?q=spec")
            } else if path == "/api/v1/import-jobs/{id}" {
                format!("/api/v1/import-jobs/{job}")
            } else {
                uri
            };
            for method in item.as_object().unwrap().keys() {
                let order = match method.as_str() {
                    "get" => 0,
                    "post" => 1,
                    "put" => 2,
                    // Delete the account last: it takes everything else with it.
                    "delete" if path == "/api/v1/accounts/{id}" => 4,
                    "delete" => 3,
                    _ => continue,
                };
                calls.push((order, method.clone(), uri.clone()));
            }
        }
        calls.sort();
        assert!(calls.len() >= 25, "{calls:?}");
        for (_, method, uri) in &calls {
            let r = match method.as_str() {
                "get" => app.get(uri).await,
                "post" if uri.contains("/import/") => app.post_csv(uri, "name\nFrom spec\n").await,
                "post" => app.post_json(uri, &json!({})).await,
                "put" => app.put_json(uri, &json!({})).await,
                "delete" => app.delete(uri).await,
                _ => unreachable!(),
            };
            let s = r.status.as_u16();
            assert_ne!(s, 405, "{method} {uri}");
            assert!(s < 500, "{method} {uri}: {s} {}", r.text());
            if method == "get" {
                assert_ne!(s, 404, "{method} {uri}: {}", r.text());
                assert_eq!(s, 200, "{method} {uri}: {}", r.text());
            }
        }
    });
}

#[test]
fn health_check_answers_ok() {
    each_db(|app| async move {
        let r = app.get("/healthz").await;
        r.expect(200);
        assert_eq!(r.json(), json!({"status": "ok"}));
    });
}

#[test]
fn an_unknown_api_route_returns_404_json() {
    each_db(|app| async move {
        for path in [
            "/api/v1/nope",
            "/api/v1/accounts/1/nope",
            "/api/v1/",
            "/api/v2/accounts",
            "/api",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status, 404, "{path}");
            assert!(r.content_type().starts_with("application/json"), "{path}");
            assert!(r.json()["error"].as_str().unwrap().contains("openapi"));
        }
        let r = app.post_json("/api/v1/nope", &json!({})).await;
        r.expect(404);
        assert!(r.json()["error"].is_string());
    });
}

#[test]
fn a_rep_sees_candidates_for_their_own_request_but_not_another_reps() {
    each_db(|app| async move {
        let ann = app
            .identity("ann.rep@example.com", peerstage_core::Role::Sales)
            .await;
        let bob = app
            .identity("bob.rep@example.com", peerstage_core::Role::Sales)
            .await;
        let created = app
            .as_user(&ann)
            .post_json(
                "/api/v1/references",
                &serde_json::json!({"prospect_name": "Ann's prospect", "activity": "reference_call"}),
            )
            .await;
        created.expect(201);
        let id = created.json()["id"].as_i64().unwrap();
        let uri = format!("/api/v1/references/{id}/candidates");
        app.as_user(&ann).get(&uri).await.expect(200);
        let refused = app.as_user(&bob).get(&uri).await;
        refused.expect(403);
        assert!(refused.text().contains("another rep"), "{}", refused.text());
        app.get(&uri).await.expect(200); // the admin sees every request
    });
}
