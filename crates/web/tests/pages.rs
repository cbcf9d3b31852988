//! Black-box tests of the server-rendered pages, on SQLite and (when configured) PostgreSQL.

mod common;

use axum::http::Method;
use common::{each_db, multipart, today, Resp, TestApp};
use peerstage_core::Role;
use serde_json::json;

/// Ids of one account with one of everything hanging off it.
struct Seeded {
    account: i64,
    contact: i64,
    touchpoint: i64,
    commitment: i64,
}

async fn seed(app: &TestApp) -> Seeded {
    let account = app
        .create_account(
            json!({"name": "Acme", "external_id": "ACME", "industry": "Logistics",
            "segment": "enterprise", "annual_revenue": 100000, "cost_to_serve": 20000}),
        )
        .await;
    let contact = app
        .create_under(account, "contacts", json!({"name": "Ada Lovelace"}))
        .await;
    let touchpoint = app
        .create_under(
            account,
            "touchpoints",
            json!({"kind": "meeting", "occurred_on": "2025-01-10", "contact_ids": [contact]}),
        )
        .await;
    let commitment = app
        .create_under(account, "commitments", json!({"description": "Ship SSO"}))
        .await;
    app.create_under(account, "nps", json!({"score": 9, "responded_on": today()}))
        .await;
    Seeded {
        account,
        contact,
        touchpoint,
        commitment,
    }
}

#[track_caller]
fn assert_page(r: &Resp, path: &str, heading: &str) {
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    assert!(
        r.content_type().starts_with("text/html"),
        "GET {path}: {}",
        r.content_type()
    );
    let body = r.text();
    assert!(
        body.contains(&format!("<h1>{heading}</h1>")),
        "GET {path}: no <h1>{heading}</h1> in {body}"
    );
    assert!(body.contains("<nav class=\"main\""), "GET {path}: no nav");
}

/// The cell texts of the first table row whose first cell is `first`, tags removed.
fn row_cells(body: &str, first: &str) -> Vec<String> {
    let start = body
        .find(&format!("<tr><td>{first}</td>"))
        .unwrap_or_else(|| panic!("no row for '{first}' in {body}"));
    let row = &body[start..];
    let row = &row[..row.find("</tr>").expect("row ends")];
    row.split("</td>")
        .filter(|cell| cell.contains("<td"))
        .map(|cell| {
            let mut text = String::new();
            let mut in_tag = false;
            for ch in cell.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

/// Where `needle` first appears in `s`, for ordering checks.
fn position(s: &str, needle: &str) -> usize {
    s.find(needle)
        .unwrap_or_else(|| panic!("'{needle}' not in page"))
}

#[test]
fn every_page_answers_200_with_its_heading() {
    each_db(|app| async move {
        let s = seed(&app).await;
        let a = s.account;
        let pages = [
            ("/".to_string(), "Dashboard".to_string()),
            ("/accounts".into(), "Accounts".into()),
            (
                "/accounts?q=ac&industry=Logistics&segment=enterprise&at_risk=no&unprofitable=no&sort=revenue&dir=desc&page=1".into(),
                "Accounts".into(),
            ),
            (format!("/accounts/{a}"), "Acme".into()),
            (format!("/accounts/{a}?notice=created"), "Acme".into()),
            ("/contacts".into(), "Contacts".into()),
            ("/contacts?q=ada".into(), "Contacts".into()),
            ("/nps".into(), "Net Promoter Score".into()),
            ("/nps?segment=enterprise&months=6".into(), "Net Promoter Score".into()),
            ("/value".into(), "Value".into()),
            ("/transfer".into(), "Import &amp; export".into()),
            ("/accounts/new".into(), "New account".into()),
            (format!("/accounts/{a}/edit"), "Edit Acme".into()),
            (format!("/accounts/{a}/contacts/new"), "New contact".into()),
            (format!("/accounts/{a}/touchpoints/new"), "New touchpoint".into()),
            (format!("/accounts/{a}/commitments/new"), "New commitment".into()),
            (format!("/accounts/{a}/nps/new"), "Record an NPS response".into()),
            (format!("/contacts/{}/edit", s.contact), "Edit Ada Lovelace".into()),
            (format!("/touchpoints/{}/edit", s.touchpoint), "Edit touchpoint".into()),
            (format!("/commitments/{}/edit", s.commitment), "Edit commitment".into()),
        ];
        for (path, heading) in &pages {
            let r = app.get(path).await;
            assert_page(&r, path, heading);
        }
        // A stale touchpoints page says so and offers the pager to get back.
        let page = app.get(&format!("/accounts/{a}?tp_page=7")).await.text();
        assert!(page.contains("This page is past the last one"), "{page}");
        assert!(page.contains("class=\"pager\""), "{page}");
        // The account page shows what hangs off the account.
        let page = app.get(&format!("/accounts/{a}")).await.text();
        assert!(page.contains("Ada Lovelace"));
        assert!(page.contains("Ship SSO"));
        assert!(page.contains("Promoter"));
        // The edit form is prefilled.
        let edit = app.get(&format!("/accounts/{a}/edit")).await.text();
        assert!(edit.contains("value=\"ACME\""));
        assert!(edit.contains("value=\"100000\""));
        let css = app.get("/static/style.css").await;
        css.expect(200);
        assert!(css.content_type().starts_with("text/css"));
    });
}

#[test]
fn the_accounts_page_filters_and_sorts_by_its_parameters() {
    each_db(|app| async move {
        for (name, industry, segment, revenue) in [
            ("Alpha Freight", "Logistics", "smb", 1000),
            ("Beta Freight", "Logistics", "smb", 3000),
            ("Gamma Bank", "Finance", "smb", 2000),
            ("Delta Freight", "Logistics", "enterprise", 9000),
        ] {
            app.create_account(
                json!({"name": name, "industry": industry, "segment": segment,
                "annual_revenue": revenue}),
            )
            .await;
        }
        let r = app
            .get("/accounts?industry=Logistics&segment=smb&sort=revenue&dir=desc")
            .await;
        assert_page(&r, "/accounts", "Accounts");
        let body = r.text();
        assert!(body.contains("2 accounts match"), "{body}");
        assert!(!body.contains("Gamma Bank"));
        assert!(!body.contains("Delta Freight"));
        assert!(position(&body, "Beta Freight") < position(&body, "Alpha Freight"));
        assert!(body.contains("aria-sort=\"descending\""));

        let body = app.get("/accounts?q=freight&sort=name").await.text();
        assert!(body.contains("3 accounts match"));
        assert!(position(&body, "Alpha Freight") < position(&body, "Beta Freight"));
        assert!(position(&body, "Beta Freight") < position(&body, "Delta Freight"));

        let body = app
            .get("/accounts?per_page=2&page=2&sort=revenue")
            .await
            .text();
        assert!(body.contains("4 in all · page 2 of 2"), "{body}");
        assert!(body.contains("Beta Freight"));
        assert!(body.contains("Delta Freight"));
        assert!(!body.contains("Alpha Freight"));

        // Past the last page the table says so and the pager links back.
        let body = app.get("/accounts?per_page=2&page=99").await.text();
        assert!(
            body.contains("This page is past the last one: 4 in all."),
            "{body}"
        );
        assert!(!body.contains("No accounts match"));
        assert!(
            body.contains("href=\"/accounts?per_page=2&amp;page=2\" rel=\"prev\""),
            "previous is the last page there is: {body}"
        );
        let body = app.get("/accounts?q=nothing-like-it").await.text();
        assert!(body.contains("No accounts match these filters."));

        // A bad parameter is reported on the page, not answered with an error.
        let r = app.get("/accounts?sort=shoe").await;
        assert_page(&r, "/accounts?sort=shoe", "Accounts");
        assert!(r.text().contains("Some filters were ignored"));
        assert!(r.text().contains("4 accounts match"));
    });
}

#[test]
fn creating_an_account_with_the_form_redirects_to_its_page_with_a_notice() {
    each_db(|app| async move {
        let r = app
            .post_form(
                "/accounts",
                &[
                    ("name", "Formed"),
                    ("industry", "Retail"),
                    ("employees", "1,200"),
                    ("segment", "mid_market"),
                    ("lifecycle", "customer"),
                    ("annual_revenue", "50000"),
                    ("at_risk", "false"),
                ],
            )
            .await;
        r.expect(303);
        let location = r.location().to_string();
        let id: i64 = location
            .strip_prefix("/accounts/")
            .and_then(|rest| rest.strip_suffix("?notice=created"))
            .unwrap_or_else(|| panic!("unexpected Location {location}"))
            .parse()
            .expect("numeric id");
        let page = app.get(&location).await;
        assert_page(&page, &location, "Formed");
        assert!(page.text().contains("Created."));
        let a = app.get(&format!("/api/v1/accounts/{id}")).await.json();
        assert_eq!(a["employees"], 1200);
        assert_eq!(a["segment"], "mid_market");
        assert_eq!(a["industry"], "Retail");
    });
}

#[test]
fn an_invalid_account_form_returns_422_keeping_what_was_typed_with_errors_beside_the_fields() {
    each_db(|app| async move {
        let r = app
            .post_form(
                "/accounts",
                &[
                    ("name", ""),
                    ("employees", "abc"),
                    ("city", "Oslo \"centre\" <b>"),
                    ("lifecycle", "customer"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        assert!(body.contains("<h1>New account</h1>"));
        assert!(body.contains("value=\"abc\""), "typed value kept");
        assert!(
            body.contains("value=\"Oslo &quot;centre&quot; &lt;b&gt;\""),
            "{body}"
        );
        assert!(body.contains("class=\"error\" id=\"f-name-error\""));
        assert!(body.contains("class=\"error\" id=\"f-employees-error\""));
        assert!(body.contains("is not a whole number"));
        assert!(body.contains("aria-invalid=\"true\""));
        assert!(!body.contains("f-city-error"), "no error on a good field");
        assert!(body.contains("Please correct the highlighted fields."));
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn text_typed_into_forms_is_html_escaped_on_every_page() {
    each_db(|app| async move {
        let evil = "<script>alert(1)</script>";
        let r = app
            .post_form(
                "/accounts",
                &[
                    ("name", evil),
                    ("lifecycle", "customer"),
                    ("owner", "\"><img src=x>"),
                ],
            )
            .await;
        r.expect(303);
        let location = r.location().to_string();
        for path in [location.as_str(), "/accounts", "/value", "/"] {
            let body = app.get(path).await.text();
            assert!(!body.contains(evil), "raw tag on {path}");
            assert!(!body.contains("<img src=x>"), "raw tag on {path}");
        }
        let page = app.get(&location).await.text();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let list = app.get("/accounts").await.text();
        assert!(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

        // Also when the form is shown again with errors.
        let r = app
            .post_form("/accounts", &[("name", evil), ("employees", "abc")])
            .await;
        r.expect(422);
        let body = r.text();
        assert!(!body.contains(evil));
        assert!(body.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    });
}

#[test]
fn query_and_path_text_echoed_on_pages_is_html_escaped() {
    each_db(|app| async move {
        let r = app
            .get("/accounts?q=%3Cscript%3Ex%3C%2Fscript%3E&sort=%3Cb%3E&notice=%3Cscript%3E")
            .await;
        r.expect(200);
        let body = r.text();
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(body.contains("value=\"&lt;script&gt;x&lt;/script&gt;\""));
        assert!(body.contains("Some filters were ignored"));
        let r = app
            .get("/accounts/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            .await;
        r.expect(404);
        assert!(!r.text().contains("<script>"));
        assert!(r.text().contains("&lt;script&gt;"));
        let r = app.get("/contacts?q=%3Cscript%3E").await;
        r.expect(200);
        assert!(!r.text().contains("<script>"));
    });
}

#[test]
fn editing_an_account_with_the_form_saves_and_redirects() {
    each_db(|app| async move {
        let id = app
            .create_account(json!({"name": "Before", "city": "Oslo"}))
            .await;
        let r = app
            .post_form(
                &format!("/accounts/{id}"),
                &[
                    ("name", "After"),
                    ("city", "Bergen"),
                    ("lifecycle", "former"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(r.location(), format!("/accounts/{id}?notice=updated"));
        let a = app.get(&format!("/api/v1/accounts/{id}")).await.json();
        assert_eq!(a["name"], "After");
        assert_eq!(a["city"], "Bergen");
        assert_eq!(a["lifecycle"], "former");

        let r = app
            .post_form(
                &format!("/accounts/{id}"),
                &[("name", "After"), ("at_risk", "true")],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-at_risk_reason-error\""));
        let r = app
            .post_form("/accounts/424242", &[("name", "Ghost")])
            .await;
        r.expect(404);
    });
}

#[test]
fn a_touchpoint_form_with_two_contact_ids_links_both_contacts() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;
        let ada = app
            .create_under(acc, "contacts", json!({"name": "Ada"}))
            .await;
        let bob = app
            .create_under(acc, "contacts", json!({"name": "Bob"}))
            .await;
        let (ada_s, bob_s) = (ada.to_string(), bob.to_string());
        let r = app
            .post_form(
                &format!("/accounts/{acc}/touchpoints"),
                &[
                    ("kind", "meeting"),
                    ("occurred_on", "2025-02-03"),
                    ("contact_ids", &ada_s),
                    ("contact_ids", &bob_s),
                    ("notes", "both came"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/accounts/{acc}?notice=created#touchpoints")
        );
        let list = app
            .get(&format!("/api/v1/accounts/{acc}/touchpoints"))
            .await
            .json();
        assert_eq!(list["total"], 1);
        let t = &list["items"][0];
        let mut ids: Vec<i64> = t["contact_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        let mut want = vec![ada, bob];
        want.sort_unstable();
        assert_eq!(ids, want);
        let page = app.get(&format!("/accounts/{acc}")).await.text();
        assert!(page.contains("Ada, Bob"));

        // The edit form shows both as chosen.
        let tid = t["id"].as_i64().unwrap();
        let edit = app.get(&format!("/touchpoints/{tid}/edit")).await.text();
        assert!(
            edit.contains(&format!("<option value=\"{ada}\" selected>")),
            "{edit}"
        );
        assert!(edit.contains(&format!("<option value=\"{bob}\" selected>")));

        // Dropping one contact in the edit form unlinks it.
        let r = app
            .post_form(
                &format!("/touchpoints/{tid}"),
                &[
                    ("kind", "call"),
                    ("occurred_on", "2025-02-03"),
                    ("contact_ids", &bob_s),
                ],
            )
            .await;
        r.expect(303);
        let t = app.get(&format!("/api/v1/touchpoints/{tid}")).await.json();
        assert_eq!(t["contact_ids"], json!([bob]));
        assert_eq!(t["kind"], "call");

        // A contact of another account is refused beside the field.
        let other = app.create_account(json!({"name": "Other"})).await;
        let eve = app
            .create_under(other, "contacts", json!({"name": "Eve"}))
            .await
            .to_string();
        let r = app
            .post_form(
                &format!("/accounts/{acc}/touchpoints"),
                &[
                    ("kind", "call"),
                    ("occurred_on", "2025-02-03"),
                    ("contact_ids", &eve),
                ],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-contact_ids-error\""));
    });
}

#[test]
fn contact_commitment_and_nps_forms_create_update_and_delete_records() {
    each_db(|app| async move {
        let acc = app.create_account(json!({"name": "Acme"})).await;

        let r = app
            .post_form(
                &format!("/accounts/{acc}/contacts"),
                &[
                    ("name", "Ada"),
                    ("email", "ada@example.com"),
                    ("reference_consent", "yes"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/accounts/{acc}?notice=created#contacts")
        );
        let contacts = app
            .get(&format!("/api/v1/accounts/{acc}/contacts"))
            .await
            .json();
        let cid = contacts["items"][0]["id"].as_i64().unwrap();
        let r = app
            .post_form(
                &format!("/contacts/{cid}"),
                &[("name", "Ada L."), ("email", "not-an-email")],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("value=\"not-an-email\""));
        assert!(r.text().contains("id=\"f-email-error\""));
        let r = app
            .post_form(&format!("/contacts/{cid}"), &[("name", "Ada L.")])
            .await;
        r.expect(303);
        let c = app.get(&format!("/api/v1/contacts/{cid}")).await.json();
        assert_eq!(c["name"], "Ada L.");

        let r = app
            .post_form(
                &format!("/accounts/{acc}/commitments"),
                &[
                    ("description", "Ship SSO"),
                    ("status", "open"),
                    ("due_on", "2025-06-01"),
                ],
            )
            .await;
        r.expect(303);
        let mid = app
            .get(&format!("/api/v1/accounts/{acc}/commitments"))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let r = app
            .post_form(
                &format!("/commitments/{mid}"),
                &[
                    ("description", "Ship SSO"),
                    ("status", "kept"),
                    ("closed_on", "2025-05-30"),
                ],
            )
            .await;
        r.expect(303);
        let m = app.get(&format!("/api/v1/commitments/{mid}")).await.json();
        assert_eq!(m["status"], "kept");
        assert!(app
            .get(&format!("/accounts/{acc}"))
            .await
            .text()
            .contains("Kept on time"));

        let cid_s = cid.to_string();
        let r = app
            .post_form(
                &format!("/accounts/{acc}/nps"),
                &[("score", "11"), ("responded_on", "2025-02-01")],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-score-error\""));
        let r = app
            .post_form(
                &format!("/accounts/{acc}/nps"),
                &[
                    ("score", "3"),
                    ("responded_on", "2025-02-01"),
                    ("contact_id", &cid_s),
                ],
            )
            .await;
        r.expect(303);
        let nps = app.get(&format!("/api/v1/accounts/{acc}/nps")).await.json();
        let nid = nps["items"][0]["id"].as_i64().unwrap();
        assert_eq!(nps["items"][0]["contact_id"], cid);

        let r = app
            .post_form(
                &format!("/accounts/{acc}/touchpoints"),
                &[("kind", "call"), ("occurred_on", "2025-02-03")],
            )
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/accounts/{acc}?notice=created#touchpoints")
        );
        let tid = app
            .get(&format!("/api/v1/accounts/{acc}/touchpoints"))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();

        // Unknown records and accounts are not found on every form and action.
        for path in [
            "/accounts/999999/contacts/new",
            "/accounts/999999/nps/new",
            "/contacts/999999/edit",
            "/touchpoints/999999/edit",
            "/commitments/0/edit",
        ] {
            assert_eq!(app.get(path).await.status, 404, "GET {path}");
        }
        for path in [
            "/accounts/999999/touchpoints",
            "/accounts/999999/commitments",
            "/commitments/999999",
            "/touchpoints/999999",
            "/nps/999999/delete",
            "/touchpoints/abc/delete",
        ] {
            let r = app.post_form(path, &[("kind", "call")]).await;
            assert_eq!(r.status, 404, "POST {path}");
        }

        for (path, api) in [
            (
                format!("/touchpoints/{tid}/delete"),
                format!("/api/v1/touchpoints/{tid}"),
            ),
            (format!("/nps/{nid}/delete"), format!("/api/v1/nps/{nid}")),
            (
                format!("/commitments/{mid}/delete"),
                format!("/api/v1/commitments/{mid}"),
            ),
            (
                format!("/contacts/{cid}/delete"),
                format!("/api/v1/contacts/{cid}"),
            ),
        ] {
            let r = app.post_form(&path, &[]).await;
            assert_eq!(r.status, 303, "POST {path}");
            assert!(r
                .location()
                .starts_with(&format!("/accounts/{acc}?notice=deleted")));
            assert_eq!(app.get(&api).await.status, 404, "{api} is gone");
        }
    });
}

#[test]
fn deleting_an_account_from_its_page_redirects_and_removes_it() {
    each_db(|app| async move {
        let s = seed(&app).await;
        let r = app
            .post_form(&format!("/accounts/{}/delete", s.account), &[])
            .await;
        r.expect(303);
        assert_eq!(r.location(), "/accounts?notice=deleted");
        assert!(app.get(r.location()).await.text().contains("Deleted."));
        app.get(&format!("/api/v1/accounts/{}", s.account))
            .await
            .expect(404);
        app.get(&format!("/api/v1/contacts/{}", s.contact))
            .await
            .expect(404);
        let r = app.get(&format!("/accounts/{}", s.account)).await;
        r.expect(404);
        assert!(r.text().contains("<h1>Not found</h1>"));
        app.post_form(&format!("/accounts/{}/delete", s.account), &[])
            .await
            .expect(404);
        assert_eq!(app.account_total().await, 0);
    });
}

const BOUNDARY: &str = "----peerstageTestBoundary7MA4YWxk";

async fn upload(app: &TestApp, kind: &str, csv: &str, skip: bool) -> Resp {
    let mut parts = vec![
        ("kind", None, kind),
        ("file", Some("upload.csv"), csv),
        ("preset", None, ""),
        ("map", None, ""),
    ];
    if skip {
        parts.push(("skip_invalid", None, "true"));
    }
    let body = multipart(BOUNDARY, &parts);
    // Multipart forms carry the CSRF token in the URL, as the page's form does.
    app.request(
        Method::POST,
        &format!("/transfer?csrf={}", app.csrf()),
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        body,
    )
    .await
}

#[test]
fn uploading_a_csv_file_on_the_transfer_page_imports_it() {
    each_db(|app| async move {
        let csv = "external_id,name,segment\nU-1,Uploaded One,smb\nU-2,Uploaded Two,enterprise\n";
        let r = upload(&app, "accounts", csv, false).await;
        r.expect(200);
        let body = r.text();
        assert!(body.contains("<h1>Import &amp; export</h1>"));
        assert!(body.contains("Imported"), "{body}");
        assert!(body.contains("2 new, 0 updated, 0 unchanged"), "{body}");
        assert_eq!(app.account_total().await, 2);

        let r = upload(&app, "accounts", csv, false).await;
        r.expect(200);
        assert!(r.text().contains("0 new, 0 updated, 2 unchanged"));
        assert_eq!(app.account_total().await, 2);

        // A header and no rows (what exporting an empty list gives) imports nothing, calmly.
        let r = upload(
            &app,
            "contacts",
            "external_id,account_external_id,name\n",
            false,
        )
        .await;
        r.expect(200);
        assert!(
            r.text()
                .contains("Nothing to import: </strong>the file has a header but no rows."),
            "{}",
            r.text()
        );
    });
}

#[test]
fn uploading_a_bad_csv_file_returns_422_listing_the_bad_lines_and_imports_nothing() {
    each_db(|app| async move {
        let csv = "external_id,name,segment,employees\n\
B-1,Good,smb,10\n\
B-2,Bad segment,huge,10\n\
B-3,Good too,smb,10\n\
B-4,,smb,many\n";
        let r = upload(&app, "accounts", csv, false).await;
        r.expect(422);
        let body = r.text();
        assert!(body.contains("Nothing was imported"), "{body}");
        assert!(body.contains("2 of 4 rows are invalid"), "{body}");
        assert!(body.contains("<td>3</td><td>segment</td>"), "{body}");
        assert!(body.contains("<td>5</td><td>name</td>"), "{body}");
        assert!(body.contains("<td>5</td><td>employees</td>"), "{body}");
        assert_eq!(app.account_total().await, 0);

        let r = upload(&app, "accounts", csv, true).await;
        r.expect(200);
        assert!(r.text().contains("2 rejected rows skipped"));
        assert_eq!(app.account_total().await, 2);

        // The rejected rows download with their reasons, as the command line writes them.
        let page = r.text();
        let link = page
            .split("href=\"")
            .find(|p| p.contains("/rejects.csv"))
            .and_then(|p| p.split('"').next())
            .unwrap_or_else(|| panic!("no rejects link: {page}"))
            .to_string();
        assert!(page.contains("Download the 2 rejected rows with their reasons (CSV)"));
        let csv_back = app.get(&link).await;
        csv_back.expect(200);
        assert!(csv_back.content_type().starts_with("text/csv"));
        assert!(csv_back
            .header(axum::http::header::CONTENT_DISPOSITION)
            .contains("upload.rejects.csv"));
        let text = csv_back.text();
        assert!(
            text.starts_with("line,reasons,external_id,name,segment,employees"),
            "{text}"
        );
        assert!(text.contains("3,\"segment: unknown value 'huge'"), "{text}");
        assert!(text.contains("B-4,,smb,many"), "{text}");
        // Nobody else's to read.
        let other = app
            .identity("other-importer@example.com", peerstage_core::Role::Manager)
            .await;
        app.as_user(&other).get(&link).await.expect(404);
        let viewer = app
            .identity("viewer-importer@example.com", peerstage_core::Role::Viewer)
            .await;
        app.as_user(&viewer).get(&link).await.expect(403);

        let r = upload(&app, "planets", csv, false).await;
        r.expect(422);
        assert!(r.text().contains("What the file holds"));
        let r = upload(&app, "accounts", "", false).await;
        r.expect(422);
        assert!(r.text().contains("Choose a CSV file"));
        assert_eq!(app.account_total().await, 2);
    });
}

/// Follows a background import's page until it stops reloading itself; returns the last one.
async fn finished_job(app: &TestApp, job: &str) -> Resp {
    for _ in 0..500 {
        let r = app.get(job).await;
        if !r.text().contains("http-equiv=\"refresh\"") {
            return r;
        }
        r.expect(200);
        assert!(
            r.text().contains("<h1>Importing upload.csv</h1>"),
            "{}",
            r.text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import at {job} did not finish");
}

#[test]
fn a_background_import_over_the_users_limit_is_refused_and_nothing_is_imported() {
    each_db(|app| async move {
        let app = app.with_state(|s| {
            s.inline_import_limit = 0;
            s.running_imports_per_user = 0;
        });
        let r = upload(&app, "accounts", "external_id,name\nL-1,Limited\n", false).await;
        r.expect(429);
        assert!(r.text().contains("none may run now"), "{}", r.text());
        let r = app
            .post_csv("/api/v1/import/accounts?background=yes", "name\nLimited\n")
            .await;
        r.expect(429);
        assert!(r.json()["error"]
            .as_str()
            .unwrap()
            .contains("none may run now"));
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn a_large_upload_imports_in_the_background_and_its_page_shows_the_result() {
    each_db(|app| async move {
        let app = app.with_state(|s| s.inline_import_limit = 0);
        let csv = "external_id,name,segment\nU-1,Uploaded One,smb\nU-2,Uploaded Two,enterprise\n";
        let r = upload(&app, "accounts", csv, false).await;
        r.expect(303);
        let job = r.location().to_string();
        assert!(job.starts_with("/transfer/jobs/"), "{job}");
        let r = finished_job(&app, &job).await;
        r.expect(200);
        let body = r.text();
        assert!(body.contains("<h1>Import of upload.csv</h1>"), "{body}");
        assert!(body.contains("2 new, 0 updated, 0 unchanged"), "{body}");
        assert_eq!(app.account_total().await, 2);
        // The page stays readable, listed on the import page, and only to whoever started it.
        finished_job(&app, &job).await.expect(200);
        let listed = app.get("/transfer").await.text();
        assert!(listed.contains("Your recent imports"), "{listed}");
        assert!(
            listed.contains(&format!(r#"<a href="{job}">upload.csv</a>"#)),
            "{listed}"
        );
        let other = app.identity("other@test.example", Role::Admin).await;
        app.as_user(&other).get(&job).await.expect(404);
        assert!(!app
            .as_user(&other)
            .get("/transfer")
            .await
            .text()
            .contains("Your recent imports"));
        app.get("/transfer/jobs/nosuchjob").await.expect(404);
        let viewer = app.identity("viewer@test.example", Role::Viewer).await;
        app.as_user(&viewer).get(&job).await.expect(403);

        // A file with bad rows: nothing imported, the rows listed, 422 as in the request.
        let bad = "external_id,name,segment\nB-1,Good,smb\nB-2,Bad,huge\n";
        let r = upload(&app, "accounts", bad, false).await;
        r.expect(303);
        let r = finished_job(&app, r.location()).await;
        r.expect(422);
        assert!(
            r.text().contains("<td>3</td><td>segment</td>"),
            "{}",
            r.text()
        );
        assert_eq!(app.account_total().await, 2);

        // Touchpoints go on to become evidence before the job ends.
        let tp = "external_id,account_external_id,kind,occurred_on,notes\nT-1,U-1,call,2026-01-05,They want faster onboarding for new staff\n";
        let r = upload(&app, "touchpoints", tp, false).await;
        r.expect(303);
        let r = finished_job(&app, r.location()).await;
        r.expect(200);
        assert!(r.text().contains("1 new"), "{}", r.text());
        let found = app.get("/api/v1/evidence?q=onboarding").await;
        found.expect(200);
        assert!(
            found.text().contains("faster onboarding"),
            "{}",
            found.text()
        );
    });
}

#[test]
fn exports_download_as_csv_and_an_unknown_export_is_a_404_page() {
    each_db(|app| async move {
        seed(&app).await;
        let r = app.get("/export/accounts.csv").await;
        r.expect(200);
        assert!(r.content_type().starts_with("text/csv"));
        assert!(r
            .header(axum::http::header::CONTENT_DISPOSITION)
            .contains("attachment"));
        let body = r.text();
        let mut lines = body.lines();
        assert!(lines.next().unwrap().starts_with("external_id,name,"));
        assert!(lines.next().unwrap().starts_with("ACME,Acme,Logistics"));
        let r = app.get("/export/contacts.csv").await;
        r.expect(200);
        assert!(r.text().contains("Ada Lovelace"));

        for path in [
            "/export/nope.csv",
            "/export/accounts",
            "/export/accounts.txt",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status, 404, "{path}");
            assert!(r.content_type().starts_with("text/html"));
            assert!(r.text().contains("<h1>Not found</h1>"));
        }
    });
}

#[test]
fn an_unknown_page_is_a_404_page_in_the_site_layout() {
    each_db(|app| async move {
        for path in [
            "/no-such-page",
            "/accounts/abc",
            "/accounts/-1",
            "/accounts/0/edit",
            "/accounts/99999999999999999999",
            "/accounts/424242",
            "/accounts/424242/contacts/new",
            "/contacts/x/edit",
            "/touchpoints/424242/edit",
            "/commitments/-5/edit",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status, 404, "{path}");
            assert!(r.content_type().starts_with("text/html"), "{path}");
            let body = r.text();
            assert!(body.contains("<h1>Not found</h1>"), "{path}");
            assert!(body.contains("<nav class=\"main\""), "{path}: no nav");
            assert!(body.contains("href=\"/accounts\""), "{path}");
        }
    });
}

#[test]
fn a_form_body_over_the_limit_returns_413_and_never_500() {
    each_db(|app| async move {
        let big = "x".repeat(peerstage_web::BODY_LIMIT + 1024);
        let r = app.post_form("/accounts", &[("name", &big)]).await;
        r.expect(413);
        assert!(r.text().contains("<nav class=\"main\""));
        assert_eq!(app.account_total().await, 0);
    });
}

#[test]
fn the_nps_page_draws_charts_with_titles_series_and_the_numbers_table() {
    each_db(|app| async move {
        let ent = app
            .create_account(json!({"name": "Big", "segment": "enterprise"}))
            .await;
        let smb = app
            .create_account(json!({"name": "Small", "segment": "smb"}))
            .await;
        let day = today();
        for (acc, score) in [(ent, 10), (ent, 9), (smb, 7), (smb, 2)] {
            app.create_under(acc, "nps", json!({"score": score, "responded_on": day}))
                .await;
        }
        let r = app.get("/nps").await;
        assert_page(&r, "/nps", "Net Promoter Score");
        let body = r.text();
        assert!(body.contains("<svg"));
        assert!(body.contains("<title>NPS per month</title>"));
        assert!(body.contains("<title>NPS per segment</title>"));
        assert!(body.contains("data-series=\"NPS\""));
        assert!(body.contains("data-series=\"% promoters\""));
        assert!(body.contains("data-label=\"Enterprise\""));
        // Overall: 2 promoters, 1 passive, 1 detractor of 4 → +25.
        assert!(body.contains(">+25</span>"), "{body}");
        let month = &day[..7];
        assert_eq!(row_cells(&body, month), [month, "4", "2", "1", "1", "+25"]);
        assert_eq!(
            row_cells(&body, "Enterprise"),
            ["Enterprise", "2", "2", "0", "0", "+100"]
        );
        assert_eq!(
            row_cells(&body, "Small business"),
            ["Small business", "2", "0", "1", "1", "-50"]
        );

        let body = app.get("/nps?segment=smb").await.text();
        // Only the segment's responses: 1 passive, 1 detractor → −50.
        assert_eq!(row_cells(&body, month), [month, "2", "0", "1", "1", "-50"]);
    });
}

#[test]
fn the_dashboard_draws_the_nps_trend_with_a_title_series_and_the_numbers_table() {
    each_db(|app| async move {
        let empty = app.get("/").await;
        assert_page(&empty, "/", "Dashboard");
        assert!(empty.text().contains("Welcome to peerstage"));

        let acc = app
            .create_account(
                json!({"name": "Risky", "annual_revenue": 1000, "cost_to_serve": 5000,
                "at_risk": true, "at_risk_reason": "no champion"}),
            )
            .await;
        let day = today();
        for score in [10, 3] {
            app.create_under(acc, "nps", json!({"score": score, "responded_on": day}))
                .await;
        }
        let r = app.get("/").await;
        assert_page(&r, "/", "Dashboard");
        let body = r.text();
        assert!(!body.contains("Welcome to peerstage"));
        assert!(body.contains("<svg"));
        assert!(body.contains("<title>NPS, last 12 months</title>"));
        assert!(body.contains("data-series=\"NPS\""));
        let month = &day[..7];
        assert_eq!(
            row_cells(&body, month),
            [month, "2", "1", "0", "1", "+0"],
            "the numbers behind the chart"
        );
        assert!(body.contains("Risky"));
        assert!(body.contains("no champion"));
    });
}

/// While another change holds the database longer than the server waits (a large import),
/// a change through the API or a form answers 503 with Retry-After and a message saying
/// nothing was saved — not a 500 — and is saved once sent again after the import.
#[test]
fn a_change_while_the_database_is_held_answers_503_asking_to_retry_and_saves_nothing() {
    each_db(|app| async move {
        let url = app.url.clone();
        let impatient = app
            .db(move |_| {
                peerstage_store::Store::open_with(
                    &url,
                    peerstage_store::OpenOptions {
                        lock_wait: std::time::Duration::from_millis(300),
                    },
                )
            })
            .await;
        let kept = impatient.clone();
        let app = app.with_state(|s| s.store = impatient);
        // The session's renewal is due: a write, skipped while the database is held.
        app.db(|s| s.age_sessions_for_tests(10)).await;
        let url = app.url.clone();
        let holder = app
            .db(move |_| Ok(peerstage_store::testing::hold_database(&url)))
            .await;
        // Reading goes on: signing in records a token's use or renews a session only when
        // that does not have to wait.
        app.get("/api/v1/accounts").await.expect(200);
        app.get("/accounts").await.expect(200);
        let r = app
            .post_json("/api/v1/accounts", &json!({"name": "Held"}))
            .await;
        r.expect(503);
        assert_eq!(
            r.header(axum::http::header::RETRY_AFTER),
            "5",
            "{}",
            r.text()
        );
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("changed nothing"),
            "{}",
            r.text()
        );
        let r = app
            .post_form("/accounts", &[("name", "Held & Co"), ("city", "Lyon")])
            .await;
        r.expect(503);
        assert_eq!(r.header(axum::http::header::RETRY_AFTER), "5");
        // The page sends the same form again: every field kept, the CSRF token too.
        let body = r.text();
        assert!(body.contains("busy with another change"), "{body}");
        assert!(
            body.contains(r#"<form method="post" action="/accounts">"#),
            "{body}"
        );
        for (k, v) in [
            ("name", "Held &amp; Co"),
            ("city", "Lyon"),
            ("csrf", app.csrf().as_str()),
        ] {
            assert!(
                body.contains(&format!(r#"<input type="hidden" name="{k}" value="{v}">"#)),
                "{k}: {body}"
            );
        }
        assert!(body.contains("Send again"), "{body}");
        // A form with a password is never echoed into a page.
        if app.engine.starts_with("SQLite") {
            let r = app
                .anonymous()
                .post_form(
                    "/login",
                    &[
                        ("email", "admin@test.example"),
                        ("password", common::PASSWORD),
                    ],
                )
                .await;
            r.expect(503);
            assert!(!r.text().contains(common::PASSWORD), "{}", r.text());
        }
        app.db(move |_| {
            drop(holder);
            Ok(())
        })
        .await;
        assert_eq!(app.account_total().await, 0, "{}", app.engine);
        // What "Send again" posts.
        app.post_form("/accounts", &[("name", "Held & Co"), ("city", "Lyon")])
            .await
            .expect(303);
        assert_eq!(app.account_total().await, 1);
        // Its PostgreSQL connections must close outside the runtime, as the test database's.
        tokio::task::spawn_blocking(move || drop((app, kept)))
            .await
            .unwrap();
    });
}

/// Counts read as amounts do (20,000 rather than 20000) in the lists' and dashboard's headings.
#[test]
fn large_counts_are_grouped_by_thousands_on_the_dashboard_and_lists() {
    each_db(|app| async move {
        let mut csv = String::from("external_id,name\n");
        for i in 0..1200 {
            csv.push_str(&format!("G-{i},Grouped {i:04}\n"));
        }
        app.post_csv("/api/v1/import/accounts", &csv)
            .await
            .expect(200);
        let list = app.get("/accounts").await.text();
        assert!(list.contains("1,200 accounts match"), "{list}");
        let list = app.get("/accounts?q=Grouped%200007").await.text();
        assert!(list.contains("1 account matches"), "{list}");
        let home = app.get("/").await.text();
        assert!(home.contains("1,200 accounts · 0 contacts"), "{home}");
    });
}

/// The value page counts every account losing money and says how many of them are customers
/// today — the figure the dashboard's card shows and links to.
#[test]
fn the_value_page_and_the_dashboard_agree_on_unprofitable_customers() {
    each_db(|app| async move {
        for (name, lifecycle) in [("Loss Customer", "customer"), ("Loss Former", "former")] {
            app.create_account(json!({
                "name": name, "lifecycle": lifecycle, "annual_revenue": 100, "cost_to_serve": 400
            }))
            .await;
        }
        app.create_account(json!({"name": "Fine", "annual_revenue": 500, "cost_to_serve": 100}))
            .await;
        let value = app.get("/value").await.text();
        assert!(value.contains("3 accounts, 2 of them customers"), "{value}");
        assert!(
            value.contains("1 of them customers today · losing 600 on 200 revenue"),
            "{value}"
        );
        let home = app.get("/").await.text();
        assert!(home.contains("Unprofitable customers"), "{home}");
        assert!(home.contains(r#"<a href="/value">1</a>"#), "{home}");
    });
}

#[test]
fn the_account_page_offers_edit_and_delete_only_to_roles_that_may() {
    each_db(|app| async move {
        let a = app.create_account(json!({"name": "Guarded"})).await;
        let (edit, delete) = (
            format!("/accounts/{a}/edit"),
            format!("/accounts/{a}/delete"),
        );
        let page = app.get(&format!("/accounts/{a}")).await.text();
        assert!(page.contains(&edit) && page.contains(&delete), "{page}");
        for role in [Role::Viewer, Role::Sales, Role::Product] {
            let who = app.identity(&format!("{role}@guard.example"), role).await;
            let page = app
                .as_user(&who)
                .get(&format!("/accounts/{a}"))
                .await
                .text();
            assert!(
                !page.contains(&edit) && !page.contains(&delete),
                "{role}: {page}"
            );
        }
    });
}
