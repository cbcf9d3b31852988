//! E1–E3 over HTTP, on SQLite and (when configured) PostgreSQL: the scorecard page, the
//! rows behind its figures and its JSON; the quarterly-review analyzer's pages and API; the
//! dashboard of each role.

mod common;

use chrono::{Datelike, Duration, NaiveDate};
use common::{each_db, multipart, Resp, TestApp};
use peerstage_core::scorecard::Quarter;
use peerstage_core::Role;
use serde_json::json;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Two customers and a former one, with one of everything in the last complete quarter:
/// "Steady" (enterprise, touched, a commitment kept on time, a promoter), "Quiet" (SMB,
/// untouched, a commitment missed, a detractor, unprofitable, at risk), "Gone" (left six
/// months before the quarter ended).
async fn seed(app: &TestApp) -> (Quarter, i64, i64) {
    let q = Quarter::last_complete(today());
    let mid = q.start() + Duration::days(40);
    let d = |x: NaiveDate| x.format("%Y-%m-%d").to_string();
    let long_ago = d(q.start() - Duration::days(900));
    let steady = app
        .create_account(
            json!({"name": "Steady Co", "segment": "enterprise", "customer_since": long_ago,
            "annual_revenue": 120000, "cost_to_serve": 40000, "discount": 0}),
        )
        .await;
    let quiet = app
        .create_account(json!({"name": "Quiet Co", "segment": "smb", "customer_since": long_ago,
            "annual_revenue": 30000, "cost_to_serve": 45000, "at_risk": true, "at_risk_reason": "no champion"}))
        .await;
    app.create_account(json!({"name": "Gone Co", "segment": "smb", "lifecycle": "former",
        "customer_since": long_ago, "renewal_date": d(q.end() - Duration::days(180)), "annual_revenue": 50000}))
        .await;
    app.create_under(
        steady,
        "touchpoints",
        json!({"kind": "meeting", "occurred_on": d(mid)}),
    )
    .await;
    app.create_under(steady, "commitments", json!({"description": "SSO", "due_on": d(mid), "status": "kept", "closed_on": d(mid - Duration::days(2))}))
        .await;
    app.create_under(
        quiet,
        "commitments",
        json!({"description": "Fix export", "due_on": d(mid), "status": "missed"}),
    )
    .await;
    app.create_under(steady, "nps", json!({"score": 10, "responded_on": d(mid)}))
        .await;
    app.create_under(quiet, "nps", json!({"score": 2, "responded_on": d(mid)}))
        .await;
    (q, steady, quiet)
}

fn no_financials(body: &str) -> bool {
    !body.contains("Customer lifetime value")
        && !body.contains("Average margin")
        && !body.contains("Unprofitable")
}

#[test]
fn the_scorecard_shows_each_figure_linked_to_its_rows() {
    each_db(|app| async move {
        let (q, steady, quiet) = seed(&app).await;
        let r = app.get("/scorecard").await;
        r.expect(200);
        let body = r.text();
        assert!(body.contains("<h1>Scorecard</h1>"));
        assert!(
            body.contains(&q.label()),
            "the last complete quarter by default"
        );
        // Two customers at the end; Steady touched → 50%; one of two commitments kept on
        // time → 50%; one promoter, one detractor → NPS 0; Gone left within the 12 months.
        assert!(body.contains("1 of 2 accounts"), "{body}");
        assert!(body.contains("1 of 2 due"));
        assert!(body.contains("1 promoters, 1 detractors of 2"));
        assert!(body.contains("2 of 3 accounts"), "logo retention: {body}");
        for figure in [
            "touchpoints",
            "coverage",
            "commitments",
            "nps",
            "logo_retention",
            "lifetime_value",
            "at_risk",
            "unprofitable",
        ] {
            assert!(
                body.contains(&format!("/scorecard/rows?figure={figure}&amp;period={q}")),
                "a link to the rows behind {figure}"
            );
        }
        assert!(
            body.contains("Customer lifetime value"),
            "admins see financial figures"
        );
        assert!(body.contains("<svg"), "the trend chart");

        let rows = app
            .get(&format!("/scorecard/rows?figure=coverage&period={q}"))
            .await;
        rows.expect(200);
        let text = rows.text();
        assert!(text.contains("Quiet Co") && text.contains("Steady Co"));
        assert!(
            text.find("Quiet Co").unwrap() < text.find("Steady Co").unwrap(),
            "untouched first"
        );
        assert!(text.contains("Not touched"));

        let rows = app
            .get(&format!("/scorecard/rows?figure=commitments&period={q}"))
            .await
            .text();
        assert!(rows.contains("Fix export") && rows.contains("SSO"));
        let rows = app
            .get(&format!("/scorecard/rows?figure=logo_retention&period={q}"))
            .await
            .text();
        assert!(rows.contains("Gone Co") && rows.contains("Left "));
        let rows = app
            .get(&format!("/scorecard/rows?figure=unprofitable&period={q}"))
            .await
            .text();
        assert!(
            rows.contains(&format!("/accounts/{quiet}"))
                && !rows.contains(&format!("/accounts/{steady}\""))
        );
        let rows = app
            .get(&format!(
                "/scorecard/rows?figure=nps&period={q}&segment=enterprise"
            ))
            .await
            .text();
        assert!(rows.contains("Steady Co") && !rows.contains("Quiet Co"));
        let cohort = (q.start() - Duration::days(900)).year();
        let rows = app
            .get(&format!(
                "/scorecard/rows?figure=cohort&cohort={cohort}&period={q}"
            ))
            .await;
        rows.expect(200);
        assert!(rows.text().contains("Gone Co"));
        app.get("/scorecard/rows?figure=shoe_size")
            .await
            .expect(404);

        // One segment.
        let smb = app
            .get(&format!("/scorecard?period={q}&segment=smb"))
            .await
            .text();
        assert!(
            smb.contains("0 of 1 accounts"),
            "only Quiet, untouched: {smb}"
        );
    });
}

#[test]
fn a_bad_quarter_is_shown_beside_its_field_and_kept() {
    each_db(|app| async move {
        let r = app.get("/scorecard?period=2026Q9").await;
        assert_eq!(r.status, 422);
        let body = r.text();
        assert!(body.contains("value=\"2026Q9\""), "the typed value is kept");
        assert!(body.contains("class=\"error\"") && body.contains("is not a quarter"));
        let next_year = today().year() + 1;
        let r = app.get(&format!("/scorecard?period={next_year}Q1")).await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("has not started yet"));
        let r = app.get("/api/v1/scorecard?period=soon").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["period"]);
    });
}

#[test]
fn roles_without_financial_access_see_no_margins_on_the_scorecard() {
    each_db(|app| async move {
        let (q, _, _) = seed(&app).await;
        for role in [Role::Sales, Role::Product, Role::Viewer] {
            let who = app
                .identity(&format!("{role}@scorecard.example"), role)
                .await;
            let as_role = app.as_user(&who);
            let body = as_role.get("/scorecard").await.text();
            assert!(body.contains("<h1>Scorecard</h1>"));
            assert!(no_financials(&body), "{role}");
            as_role
                .get(&format!("/scorecard/rows?figure=unprofitable&period={q}"))
                .await
                .expect(403);
            as_role
                .get("/scorecard/rows?figure=lifetime_value")
                .await
                .expect(403);
            let json = as_role.get("/api/v1/scorecard").await.json();
            let text = json.to_string();
            assert!(
                !text.contains("\"margin\"")
                    && !text.contains("lifetime_value")
                    && !text.contains("unprofitable"),
                "{role}: {text}"
            );
            assert!(json["figures"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["key"] != "average_margin"));
        }
        let json = app
            .get(&format!("/api/v1/scorecard?period={q}"))
            .await
            .json();
        assert_eq!(json["period"], q.to_string());
        let periods = json["periods"].as_array().unwrap();
        assert_eq!(periods.len(), 5);
        let last = &periods[4];
        assert_eq!(last["customers_at_end"], 2);
        assert_eq!(last["coverage"], 0.5);
        assert_eq!(last["kept_on_time"], 0.5);
        assert_eq!(last["nps"]["nps"], 0.0);
        assert_eq!(last["margin"], 80000 - 15000);
        assert_eq!(json["now"]["unprofitable"], 1);
        let coverage = json["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "coverage")
            .unwrap();
        assert_eq!(coverage["values"][4]["shown"], "50%");
        assert!(coverage["values"][4]["rows"]
            .as_str()
            .unwrap()
            .starts_with("/scorecard/rows?figure=coverage"));
    });
}

const AGENDA: &str = "item,minutes,notes\nWelcome,5,\nSales pipeline review,60,top deals\nPartner summit,30,\nCustomer retention and churn,25,NPS\n";

async fn analyze_upload(app: &TestApp, file_name: &str, content: &str) -> Resp {
    let boundary = "----peerstageAgendaBoundary";
    let body = multipart(
        boundary,
        &[
            ("title", None, "Q3 review"),
            ("agenda", None, ""),
            ("file", Some(file_name), content),
        ],
    );
    app.request(
        axum::http::Method::POST,
        &format!("/quarterly-reviews/analyze?csrf={}", app.csrf()),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body,
    )
    .await
}

#[test]
fn an_uploaded_or_pasted_agenda_is_analyzed() {
    each_db(|app| async move {
        let page = app.get("/quarterly-reviews").await;
        page.expect(200);
        assert!(page.text().contains("<h1>Quarterly reviews</h1>"));
        let r = analyze_upload(&app, "q3.csv", AGENDA).await;
        r.expect(200);
        let body = r.text();
        assert!(body.contains("sales-driven"), "{body}");
        assert!(body.contains("Sales-driven: sales got 50% of the time."));
        assert!(
            body.contains("<title>Share of the agenda&#39;s time, %</title>")
                || body.contains("<title>Share of the agenda's time, %</title>")
        );
        assert!(body.contains("Partner summit") && body.contains("no known word"));
        assert!(
            body.contains("Product</strong>: not on the agenda at all"),
            "cursory: {body}"
        );
        assert!(body.contains("Operations</strong>: not on the agenda at all"));
        assert!(body.contains("customer retention") || body.contains("retention, churn"));

        // Pasted Markdown.
        let r = app
            .post_form(
                "/quarterly-reviews/analyze",
                &[("agenda", "- Roadmap review (45 min)\n- Pipeline (15 min)\n")],
            )
            .await;
        r.expect(200);
        assert!(r.text().contains("product-driven"));
    });
}

#[test]
fn a_malformed_agenda_is_answered_with_its_lines_beside_the_field() {
    each_db(|app| async move {
        let bad = "item,minutes\nRoadmap,30\nPipeline,half an hour\n";
        let r = app
            .post_form(
                "/quarterly-reviews/analyze",
                &[("agenda", bad), ("title", "My review")],
            )
            .await;
        assert_eq!(r.status, 422);
        let body = r.text();
        assert!(
            body.contains("line 3: minutes: &#39;half an hour&#39; is not a number of minutes")
                || body.contains("line 3: minutes: 'half an hour' is not a number of minutes"),
            "{body}"
        );
        assert!(body.contains("id=\"f-agenda-error\""), "beside the field");
        assert!(
            body.contains("Pipeline,half an hour"),
            "the typed agenda is kept"
        );
        assert!(body.contains("value=\"My review\""));
        let r = analyze_upload(&app, "empty.csv", "").await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("the agenda is empty"));
        let r = analyze_upload(&app, "cols.csv", "topic,length\nA,1\n").await;
        assert_eq!(r.status, 422);
        assert!(r
            .text()
            .contains("line 1: the header needs the column minutes"));
        let r = app
            .post_form(
                "/quarterly-reviews/analyze",
                &[("agenda", "x"), ("format", "pdf")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("id=\"f-format-error\""));
    });
}

#[test]
fn saved_reviews_are_compared_and_corrections_remembered() {
    each_db(|app| async move {
        let r = app
            .post_form(
                "/quarterly-reviews",
                &[
                    ("agenda", AGENDA),
                    ("format", "csv"),
                    ("title", "Q2 review"),
                    ("held_on", "2026-04-15"),
                ],
            )
            .await;
        r.expect(303);
        let first = r.location().to_string();
        assert!(
            first.starts_with("/quarterly-reviews/") && first.ends_with("?notice=created"),
            "{first}"
        );
        let id: i64 = first
            .trim_start_matches("/quarterly-reviews/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let page = app.get(&first).await;
        page.expect(200);
        assert!(page.text().contains("<h1>Q2 review</h1>") && page.text().contains("Saved."));

        // A correction made on an unsaved analysis re-analyzes it at once…
        let r = app
            .post_form(
                "/quarterly-reviews/corrections",
                &[
                    ("item", "Partner summit"),
                    ("class", "customer_value"),
                    ("agenda", AGENDA),
                    ("format", "csv"),
                    ("title", ""),
                ],
            )
            .await;
        r.expect(200);
        let body = r.text();
        assert!(
            body.contains("Remembered: &quot;partner summit&quot; is customer value.")
                || body.contains("Remembered: \"partner summit\" is customer value."),
            "{body}"
        );
        assert!(body.contains("remembered"));
        // …and applies to the saved review: 55 of 120 minutes are now customer value.
        let saved = app.get(&format!("/quarterly-reviews/{id}")).await.text();
        assert!(saved.contains("46%"), "{saved}");

        // From a saved review's page the correction sends back to it.
        let r = app
            .post_form(
                "/quarterly-reviews/corrections",
                &[
                    ("item", "Welcome"),
                    ("class", "operations"),
                    ("review_id", &id.to_string()),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/quarterly-reviews/{id}?notice=corrected#items")
        );
        let r = app
            .post_form(
                "/quarterly-reviews/corrections",
                &[("item", ""), ("class", "sales")],
            )
            .await;
        assert_eq!(r.status, 422);

        // A second review is compared with the first.
        app.post_form(
            "/quarterly-reviews",
            &[
                ("agenda", "- Roadmap (60 min)\n- Pipeline (30 min)\n"),
                ("held_on", "2026-07-15"),
            ],
        )
        .await
        .expect(303);
        let home = app.get("/quarterly-reviews").await.text();
        assert!(home.contains("Q2 review") && home.contains("Quarterly review Q3 2026"));
        assert!(home.contains("<title>Shares of time per review</title>"));
        let list = app.get("/api/v1/quarterly-reviews").await.json();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["analysis"]["verdict"], "product");
        assert_eq!(items[1]["title"], "Q2 review");
        let vocab = app.get("/quarterly-reviews/vocabulary").await.text();
        assert!(vocab.contains("supply chain") && vocab.contains("partner summit"));

        // Viewers analyze but do not save or correct.
        let who = app.identity("viewer@agenda.example", Role::Viewer).await;
        let viewer = app.as_user(&who);
        viewer
            .post_form("/quarterly-reviews/analyze", &[("agenda", AGENDA)])
            .await
            .expect(200);
        viewer
            .post_form("/quarterly-reviews", &[("agenda", AGENDA)])
            .await
            .expect(403);
        viewer
            .post_form(
                "/quarterly-reviews/corrections",
                &[("item", "x"), ("class", "sales")],
            )
            .await
            .expect(403);
        assert!(!viewer
            .post_form("/quarterly-reviews/analyze", &[("agenda", AGENDA)])
            .await
            .text()
            .contains("Save this analysis"));
    });
}

#[test]
fn the_review_api_analyzes_saves_and_remembers() {
    each_db(|app| async move {
        let r = app
            .post_json("/api/v1/quarterly-reviews", &json!({"agenda": AGENDA}))
            .await;
        r.expect(200);
        let a = &r.json()["analysis"];
        assert_eq!(a["verdict"], "sales");
        assert_eq!(a["verdict_label"], "sales-driven");
        assert_eq!(a["total_minutes"], 120);
        assert_eq!(a["share_by_class"]["sales"], 0.5);
        assert_eq!(a["items"][1]["class"], "sales");
        assert_eq!(
            a["items"][1]["words"],
            json!(["sales", "pipeline", "deals"])
        );

        let r = app
            .post_json(
                "/api/v1/quarterly-reviews",
                &json!({"agenda": "item,minutes\nA,soon\n\nB,5\nC,\n"}),
            )
            .await;
        r.expect(422);
        let reasons: Vec<String> = r.json()["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["reason"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            reasons,
            [
                "line 2: minutes: 'soon' is not a number of minutes",
                "line 5: minutes: missing (give the minutes as a number, e.g. 30)"
            ]
        );
        app.post_json("/api/v1/quarterly-reviews", &json!({}))
            .await
            .expect(422);
        app.post_json(
            "/api/v1/quarterly-reviews",
            &json!({"agenda": "x", "colour": "red"}),
        )
        .await
        .expect(422);

        let r = app
            .post_json(
                "/api/v1/quarterly-reviews",
                &json!({"agenda": AGENDA, "save": true, "title": "API review"}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["title"], "API review");
        let r = app
            .post_json(
                "/api/v1/quarterly-reviews/corrections",
                &json!({"item": "Partner summit", "class": "customer_value"}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["phrase"], "partner summit");
        let r = app
            .post_json(
                "/api/v1/quarterly-reviews/corrections",
                &json!({"item": "x", "class": "marketing"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["class"]);
        let list = app.get("/api/v1/quarterly-reviews").await.json();
        assert_eq!(
            list["items"][0]["analysis"]["share_by_class"]["customer_value"],
            55.0 / 120.0
        );

        let who = app.identity("product@agenda.example", Role::Product).await;
        let product = app.as_user(&who);
        product
            .post_json("/api/v1/quarterly-reviews", &json!({"agenda": AGENDA}))
            .await
            .expect(200);
        product
            .post_json(
                "/api/v1/quarterly-reviews",
                &json!({"agenda": AGENDA, "save": true}),
            )
            .await
            .expect(403);
        product
            .post_json(
                "/api/v1/quarterly-reviews/corrections",
                &json!({"item": "x", "class": "sales"}),
            )
            .await
            .expect(403);
        assert_eq!(
            app.get("/api/v1/quarterly-reviews").await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    });
}

#[test]
fn each_role_has_its_dashboard() {
    each_db(|app| async move {
        seed(&app).await;
        let admin = app.get("/").await.text();
        for part in [
            "<title>NPS, last 12 months</title>",
            "<title>Customer accounts touched per month, %</title>",
            "<title>Revenue at risk, by segment</title>",
            "<title>Reference requests per month, by status now</title>",
            "Advocates near fatigue",
            "data-series=\"% detractors\"",
            "Unprofitable",
        ] {
            assert!(admin.contains(part), "admin dashboard: {part}");
        }
        // Each chart has the table of its numbers.
        assert_eq!(admin.matches("Numbers behind the chart").count(), 4);
        let month = today().format("%Y-%m").to_string();
        assert!(admin.contains(&format!("<td class=\"month\">{month}</td>")));

        let who = app.identity("sales@dash.example", Role::Sales).await;
        let sales = app.as_user(&who);
        sales
            .post_form(
                "/references",
                &[
                    ("prospect_name", "Dash Prospect"),
                    ("activity", "reference_call"),
                    ("deal_value", "1000"),
                ],
            )
            .await
            .expect(303);
        let body = sales.get("/").await.text().replace(&who.csrf, "");
        assert!(body.contains("Your reference requests") && body.contains("Dash Prospect"));
        assert!(!body.contains("Advocates near fatigue") && !body.contains("Unprofitable"));
        assert!(body.contains("<title>Revenue at risk, by segment</title>"));

        let who = app.identity("product@dash.example", Role::Product).await;
        let body = app.as_user(&who).get("/").await.text();
        assert!(
            body.contains("<title>NPS, last 12 months</title>")
                && body.contains("<title>Customer accounts touched per month, %</title>")
        );
        assert!(
            !body.contains("Revenue at risk")
                && !body.contains("Your reference requests")
                && !body.contains("Unprofitable")
        );

        let who = app.identity("viewer@dash.example", Role::Viewer).await;
        let body = app.as_user(&who).get("/").await.text();
        assert!(body.contains("read only") && body.contains("Revenue at risk"));
        assert!(!body.contains("Reference requests per month") && !body.contains("Unprofitable"));
        assert!(!body.contains("href=\"/accounts/new\""));
    });
}
