//! `peerstage media` (C2) and `peerstage actions` (C7) through the real binary, on SQLite and
//! (when configured) PostgreSQL: a recording copied into the media folder with its
//! transcript, a broken transcript refused with its line, the library listed; open actions
//! by owner with the evidence behind them.

mod common;

use common::{s, Db};
use serde_json::Value;

const VTT: &str = "WEBVTT\n\n00:01.000 --> 00:04.000\n<v Dana>Month-end close used to take nine days.\n\n00:30.000 --> 00:33.000\n<v Sam>What would make you leave?\n";

#[test]
fn media_add_copies_the_file_and_splits_the_transcript() {
    for db in Db::all() {
        let media_dir = db.dir.join("recordings");
        let video = db.file("acme call.mp4", b"not really a video");
        let vtt = db.file("acme.vtt", VTT);
        let out = db
            .run(&[
                "--media-dir",
                s(&media_dir),
                "media",
                "add",
                "--title",
                "Acme call",
                "--file",
                s(&video),
                "--consent",
                "internal",
                "--transcript",
                s(&vtt),
                "--duration",
                "2:00",
            ])
            .ok();
        let id: i64 = out.stdout.trim().parse().expect("the new id");
        assert!(out.stderr.contains("2 transcript items"), "{}", out.stderr);
        let stored: Vec<_> = std::fs::read_dir(&media_dir).unwrap().collect();
        assert_eq!(stored.len(), 1, "{}", db.name());

        let list: Value =
            serde_json::from_str(&db.run(&["media", "list", "--json"]).ok().stdout).unwrap();
        assert_eq!(list[0]["id"], id);
        assert_eq!(list[0]["consent"], "internal");
        assert_eq!(list[0]["evidence_count"], 2);
        assert_eq!(list[0]["duration_ms"], 120_000);
        let text = db.run(&["media", "list"]).ok().stdout;
        assert!(text.contains("Acme call"), "{text}");

        // A broken transcript names the line and changes nothing.
        let broken = db.file(
            "broken.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nHi\n\nnot a number\n",
        );
        db.run(&["media", "transcript", &id.to_string(), s(&broken)])
            .fails()
            .says(&["line 5", "expected a cue number"]);
        let list: Value =
            serde_json::from_str(&db.run(&["media", "list", "--json"]).ok().stdout).unwrap();
        assert_eq!(list[0]["evidence_count"], 2);

        let plain = db.file("notes.txt", "[00:00:10] Dana: We stayed for the support.\n");
        let out = db
            .run(&["media", "transcript", &id.to_string(), s(&plain)])
            .ok();
        assert!(out.stderr.contains("1 transcript items"), "{}", out.stderr);

        // A link needs no folder; neither file nor link is an error.
        db.run(&[
            "media",
            "add",
            "--title",
            "Globex",
            "--link",
            "https://v.example/g.mp3",
            "--kind",
            "audio",
        ])
        .ok();
        db.run(&["media", "add", "--title", "Nothing"])
            .fails()
            .says(&["link"]);
        db.run(&["media", "list", "--consent", "maybe"])
            .fails()
            .says(&["--consent"]);
    }
}

#[test]
fn actions_lists_open_actions_by_owner_with_their_evidence() {
    for db in Db::all() {
        let out = db.run(&["actions"]).ok();
        assert!(out.stderr.contains("0 actions"), "{}", out.stderr);
        // The demo seeds a strategy session with actions driven by evidence.
        db.run(&["demo", "--scale", "0.02"]).ok();
        let out = db.run(&["actions"]).ok();
        assert!(out.stdout.contains("evidence #"), "{}", out.stdout);
        let json: Value =
            serde_json::from_str(&db.run(&["actions", "--all", "--json"]).ok().stdout).unwrap();
        let items = json["items"].as_array().unwrap();
        assert!(items.len() >= 3, "{}", db.name());
        assert!(items.iter().any(|a| a["status"] == "done"));
        let owner = items[0]["owner"].as_str().unwrap().to_string();
        let mine: Value = serde_json::from_str(
            &db.run(&["actions", "--owner", &owner, "--all", "--json"])
                .ok()
                .stdout,
        )
        .unwrap();
        assert!(mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["owner"] == owner.as_str()));
    }
}
