//! The media library (C2) over HTTP, on SQLite and (when configured) PostgreSQL: uploading a
//! recording with its transcript, the size limit, malformed subtitles named by line, the
//! player jumping to a moment, byte ranges, consent shown and exposed, and the JSON API.

mod common;

use axum::http::{header, Method, Request};
use common::{each_db, multipart, texts_in, TestApp};
use peerstage_core::Role;
use peerstage_store::MediaConfig;
use serde_json::json;

const SRT: &str = "1\n00:00:01,000 --> 00:00:04,000\nDana: Month-end close used to take us nine days.\n\n2\n00:00:04,100 --> 00:00:07,000\nNow it takes three, because reconciliation runs every night.\n\n3\n00:00:20,000 --> 00:00:24,500\nSam: What would make you leave us?\n";
const BOUNDARY: &str = "XMEDIAXBOUNDARY";

/// A media folder of the test's own, and a small upload limit.
async fn configure(app: &TestApp, max_bytes: u64) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "peerstage-web-media-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let d = dir.clone();
    app.db(move |s| {
        s.set_media_config(MediaConfig {
            dir: Some(d),
            max_bytes,
        });
        Ok(())
    })
    .await;
    dir
}

async fn upload(app: &TestApp, path: &str, parts: &[(&str, Option<&str>, &str)]) -> common::Resp {
    let body = multipart(BOUNDARY, parts);
    let sep = if path.contains('?') { '&' } else { '?' };
    app.request(
        Method::POST,
        &format!("{path}{sep}csrf={}", app.csrf()),
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        body,
    )
    .await
}

fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/media/")
        .split(['?', '#'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

#[test]
fn a_recording_is_uploaded_with_its_transcript_and_plays_from_each_moment() {
    each_db(|app| async move {
        let dir = configure(&app, 10_000).await;
        let acme = app.create_account(json!({"name": "Acme"})).await;
        let video = "0123456789".repeat(100);
        let r = upload(
            &app,
            "/media",
            &[
                ("title", None, "Acme: why we stayed"),
                ("account_id", None, &acme.to_string()),
                ("recorded_on", None, "2026-02-10"),
                ("consent", None, "internal"),
                ("duration", None, "0:30"),
                ("file", Some("acme interview.mp4"), &video),
                ("transcript_file", Some("acme.srt"), SRT),
            ],
        )
        .await;
        r.expect(303);
        let id = id_in(r.location());
        let page = app.get(&format!("/media/{id}")).await;
        page.expect(200);
        let body = page.text();
        assert!(
            body.contains(&format!(
                "<video id=\"media-player\" controls preload=\"metadata\" src=\"/media/{id}/file\""
            )),
            "{body}"
        );
        assert!(body.contains("Internal use only"), "{body}");
        assert!(
            body.contains(&format!("href=\"/media/{id}?t=1#player\"")),
            "{body}"
        );
        assert!(body.contains("▶ 0:01–0:07"), "{body}");
        assert!(body.contains("Month-end close used to take us nine days. Now it takes three"));
        assert!(body.contains("dana"), "the speaker is shown");
        // Following a moment starts the player there.
        let at = app.get(&format!("/media/{id}?t=20")).await;
        assert!(
            at.text()
                .contains(&format!("src=\"/media/{id}/file#t=20\"")),
            "{}",
            at.text()
        );

        // The file is stored in the media folder and served whole or by range.
        let stored: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(stored.len(), 1);
        let f = app.get(&format!("/media/{id}/file")).await;
        f.expect(200);
        assert_eq!(f.content_type(), "video/mp4");
        assert_eq!(f.text(), video);
        let req = Request::builder()
            .uri(format!("/media/{id}/file"))
            .header(header::RANGE, "bytes=10-19")
            .body(axum::body::Body::empty())
            .unwrap();
        let part = app.send(req).await;
        part.expect(206);
        assert_eq!(part.text(), "0123456789");
        assert_eq!(part.header(header::CONTENT_RANGE), "bytes 10-19/1000");

        // The API exposes the consent and each item's moment.
        let v = app.get(&format!("/api/v1/media/{id}")).await;
        v.expect(200);
        let v = v.json();
        assert_eq!(v["consent"], "internal");
        assert_eq!(v["internal_use_allowed"], true);
        assert_eq!(v["external_use_allowed"], false);
        assert_eq!(v["transcript"].as_array().unwrap().len(), 2);
        assert_eq!(v["transcript"][0]["media_start_ms"], 1000);
        assert_eq!(
            v["transcript"][1]["play_url"],
            format!("/media/{id}/file#t=20,24.5")
        );
        assert_eq!(v["transcript"][0]["source"], "transcript");
        let ev_id = v["transcript"][0]["id"].as_i64().unwrap();
        let ev = app.get(&format!("/api/v1/evidence/{ev_id}")).await;
        ev.expect(200);
        assert_eq!(ev.json()["account_id"], acme);

        // Deleting the recording removes its file.
        app.post_form(&format!("/media/{id}/delete"), &[])
            .await
            .expect(303);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[test]
fn uploads_past_the_limit_and_malformed_subtitles_get_clear_errors() {
    each_db(|app| async move {
        let dir = configure(&app, 100).await;
        let r = upload(
            &app,
            "/media",
            &[
                ("title", None, "Too big"),
                ("file", Some("big.mp4"), &"x".repeat(500)),
            ],
        )
        .await;
        r.expect(413);
        assert!(
            r.text().contains("larger than the limit of 1 KB"),
            "{}",
            r.text()
        );
        assert_eq!(
            std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0),
            0,
            "nothing is left behind"
        );

        // A malformed SRT names the line; nothing is saved.
        let broken =
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03.000 --> 00:00:04,000\nWorld\n";
        let r = upload(
            &app,
            "/media",
            &[
                ("title", None, "Broken"),
                ("link", None, "https://v.example/a.mp4"),
                ("kind", None, "video"),
                ("transcript_file", Some("a.srt"), broken),
            ],
        )
        .await;
        r.expect(422);
        let text = r.text();
        assert!(
            text.contains("line 6: &#39;00:00:03.000&#39; is not a timestamp")
                || text.contains("line 6: '00:00:03.000' is not a timestamp"),
            "{text}"
        );
        assert!(text.contains("id=\"f-transcript-error\""), "{text}");
        assert!(app.get("/api/v1/media").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty());

        // Neither file nor link; a file that is not a recording.
        let r = upload(&app, "/media", &[("title", None, "Nothing")]).await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-link-error\""));
        let r = upload(
            &app,
            "/media",
            &[("title", None, "Exe"), ("file", Some("tool.exe"), "MZ")],
        )
        .await;
        r.expect(422);
        assert!(
            r.text().contains("not a video or audio file"),
            "{}",
            r.text()
        );
        assert_eq!(std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 0);

        // Over the API: the transcript of a linked recording, as a WebVTT body.
        let m = app
            .post_json("/api/v1/media", &json!({"title": "Globex call", "kind": "audio", "link": "https://a.example/g.mp3", "consent": "external", "duration": 754}))
            .await;
        m.expect(201);
        assert_eq!(m.json()["duration_ms"], 754_000, "{}", m.text());
        let id = m.json()["id"].as_i64().unwrap();
        assert_eq!(m.json()["external_use_allowed"], true);
        let bad = app
            .request(
                Method::POST,
                &format!("/api/v1/media/{id}/transcript"),
                Some("text/vtt"),
                "WEBVTT\n\n00:01.000 --> 00:00.500\nBackwards\n",
            )
            .await;
        bad.expect(422);
        assert_eq!(bad.error_fields(), ["transcript"]);
        assert!(
            bad.json()["error"].as_str().unwrap().contains("line 3"),
            "{}",
            bad.text()
        );
        let ok = app
            .request(Method::POST, &format!("/api/v1/media/{id}/transcript"), Some("text/vtt"), "WEBVTT\n\n00:01.000 --> 00:04.000\n<v Ana>We switched because support answered in minutes.\n")
            .await;
        ok.expect(200);
        assert_eq!(ok.json()["items_written"], 1);
        assert_eq!(
            ok.json()["transcript"][0]["play_url"],
            "https://a.example/g.mp3#t=1,4"
        );
        // The page's transcript form shows parse errors beside the field.
        let r = upload(
            &app,
            &format!("/media/{id}/transcript"),
            &[
                ("transcript", None, "WEBVTT\n00:01.000 --> 00:02.000\nx\n"),
                ("transcript_format", None, "vtt"),
            ],
        )
        .await;
        r.expect(422);
        assert!(
            r.text()
                .contains("leave a blank line between the WEBVTT header"),
            "{}",
            r.text()
        );
        let _ = std::fs::remove_dir_all(&dir);
    });
}

#[test]
fn consent_is_set_by_insight_managers_and_files_need_a_folder() {
    each_db(|app| async move {
        let sales = app.identity("rep@example.com", Role::Sales).await;
        let rep = app.as_user(&sales);
        // A rep may add a recording, but it starts without consent.
        let r = rep
            .post_json("/api/v1/media", &json!({"title": "Rep video", "kind": "video", "link": "https://v.example/r.mp4", "consent": "external"}))
            .await;
        r.expect(403);
        let r = rep
            .post_json(
                "/api/v1/media",
                &json!({"title": "Rep video", "kind": "video", "link": "https://v.example/r.mp4"}),
            )
            .await;
        r.expect(201);
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["consent"], "none");
        rep.put_json(
            &format!("/api/v1/media/{id}"),
            &json!({"consent": "internal"}),
        )
        .await
        .expect(403);
        let up = app
            .put_json(
                &format!("/api/v1/media/{id}"),
                &json!({"consent": "internal"}),
            )
            .await;
        up.expect(200);
        assert_eq!(up.json()["consent"], "internal");
        assert_eq!(up.json()["title"], "Rep video");
        let list = app.get("/api/v1/media?consent=internal").await;
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
        app.get("/api/v1/media?consent=secret").await.expect(422);
        let page = app.get("/media").await;
        page.expect(200);
        assert!(page.text().contains("Rep video"));
        let page = app.get(&format!("/media/{id}")).await;
        assert!(
            page.text().contains("Internal use only."),
            "{}",
            page.text()
        );
        let unknown = app.get("/media/999999").await;
        unknown.expect(404);

        // Without a media folder (PostgreSQL without --media-dir), uploads are refused clearly.
        app.db(|s| {
            s.set_media_config(MediaConfig::default());
            Ok(())
        })
        .await;
        let has_default = app.db(|s| Ok(s.media_dir().is_some())).await;
        if !has_default {
            let r = upload(
                &app,
                "/media",
                &[("title", None, "No folder"), ("file", Some("a.mp4"), "abc")],
            )
            .await;
            r.expect(422);
            assert!(r.text().contains("--media-dir"), "{}", r.text());
        }
    });
}

#[test]
fn the_library_sorts_by_its_headers_and_pages_keeping_its_filters() {
    each_db(|app| async move {
        for (title, on, consent) in [
            ("rec bravo", "2026-01-03", "internal"),
            ("Rec Alpha", "2026-01-01", "internal"),
            ("Rec Charlie", "2026-01-02", "internal"),
            ("Rec Delta", "2026-01-04", "external"),
        ] {
            app.post_json(
                "/api/v1/media",
                &json!({"title": title, "kind": "video", "link": "https://v.example/x.mp4", "recorded_on": on, "consent": consent}),
            )
            .await
            .expect(201);
        }
        let all = ["Rec Alpha", "rec bravo", "Rec Charlie", "Rec Delta"];
        // Latest recording first without a sort, and its header shows it.
        let body = app.get("/media").await.text();
        assert_eq!(
            texts_in(&body, &all),
            ["Rec Delta", "rec bravo", "Rec Charlie", "Rec Alpha"]
        );
        assert!(body.contains("aria-sort=\"descending\""), "{body}");

        // Pages of two by title (case ignored), with the filter kept in every link.
        let body = app
            .get("/media?consent=internal&sort=title&per_page=2")
            .await
            .text();
        assert_eq!(texts_in(&body, &all), ["Rec Alpha", "rec bravo"]);
        assert!(body.contains("3 in all · page 1 of 2"), "{body}");
        assert!(
            body.contains(
                "href=\"/media?consent=internal&amp;sort=title&amp;per_page=2&amp;page=2\""
            ),
            "{body}"
        );
        // The active header turns the order round, back to page 1, filter kept.
        assert!(
            body.contains(
                "href=\"/media?consent=internal&amp;per_page=2&amp;sort=title&amp;dir=desc\""
            ),
            "{body}"
        );
        let body = app
            .get("/media?consent=internal&sort=title&per_page=2&page=2")
            .await
            .text();
        assert_eq!(texts_in(&body, &all), ["Rec Charlie"]);
        let body = app
            .get("/media?consent=internal&per_page=2&sort=title&dir=desc")
            .await
            .text();
        assert_eq!(texts_in(&body, &all), ["Rec Charlie", "rec bravo"]);
        let body = app.get("/media?sort=recorded&dir=asc").await.text();
        assert_eq!(
            texts_in(&body, &all),
            ["Rec Alpha", "Rec Charlie", "rec bravo", "Rec Delta"]
        );
        // The filter form keeps the sort.
        assert!(body.contains("name=\"sort\" value=\"recorded\""));
        // Filters that match nothing say so, rather than that the library is empty.
        let body = app.get("/media?kind=audio").await.text();
        assert!(body.contains("No recordings match these filters"), "{body}");
        assert!(!body.contains("No recordings yet"));
        // A sort that is no column is reported, not run.
        let body = app.get("/media?sort=file_name;drop").await;
        body.expect(200);
        assert!(body.text().contains("Please correct"));

        // The JSON API pages and sorts the same way, with the total.
        let v = app
            .get("/api/v1/media?sort=title&dir=desc&per_page=3&page=2")
            .await
            .json();
        assert_eq!(v["total"], 4);
        assert_eq!(
            (v["page"].as_i64(), v["per_page"].as_i64()),
            (Some(2), Some(3))
        );
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["title"], "Rec Alpha");
        let v = app
            .get("/api/v1/media?consent=internal&per_page=1")
            .await
            .json();
        assert_eq!(
            (v["total"].as_i64(), v["items"][0]["title"].as_str()),
            (Some(3), Some("rec bravo"))
        );
        let r = app.get("/api/v1/media?sort=shoe").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["sort"]);
        app.get("/api/v1/media?per_page=501").await.expect(422);
    });
}
