//! `peerstage lint-questions FILE` (C6) through the real binary: rule names, rewrites,
//! JSON, Markdown guides and exit codes (0 clean, 1 flagged, 2 unreadable).

mod common;

use common::{run, s, TempDir};
use serde_json::Value;

#[test]
fn lint_questions_names_each_rule_and_proposes_rewrites() {
    let dir = TempDir::new();
    let f = dir.file(
        "guide.txt",
        "Do you use spreadsheets for forecasting?\nWouldn't you like it if we added automatic reminders?\nHow satisfied are you with our pricing and support?\nTell me about the last time you prepared a renewal.\n",
    );
    let out = run(&["lint-questions", s(&f)]);
    assert_eq!(out.code, Some(1), "flagged questions exit with 1: {out:?}");
    for part in [
        ":1: Do you use spreadsheets for forecasting?  [closed]",
        ":2: Wouldn't you like it if we added automatic reminders?  [closed, leading, feature_shopping]",
        "[double_barrelled]",
        "    leading: opens with the negative \"wouldn't you\"",
        "    rewrite: Tell me about the last time you used spreadsheets for forecasting. What happened?",
        "4 questions, 3 flagged (closed 2, leading 1, feature_shopping 1, double_barrelled 1)",
    ] {
        assert!(out.stdout.contains(part), "{part:?} in\n{}", out.stdout);
    }
    assert!(
        !out.stdout.contains(":4:"),
        "a clean question is not listed"
    );

    let out = run(&["lint-questions", s(&f), "--json"]);
    assert_eq!(out.code, Some(1));
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["total"], 4);
    assert_eq!(v["flagged"], 3);
    assert_eq!(v["questions"][1]["flags"][1]["rule"], "leading");
    assert_eq!(v["questions"][3]["flags"], serde_json::json!([]));
}

#[test]
fn a_markdown_guide_and_the_exit_codes() {
    let dir = TempDir::new();
    let clean = dir.file(
        "clean.md",
        "# Interview\n\nThank them for their time.\n\n1. Tell me about your role.\n2. **What happened the last time a renewal slipped?**\n",
    );
    let out = run(&["lint-questions", s(&clean)]).ok();
    assert!(
        out.stdout.contains("2 questions, 0 flagged"),
        "{}",
        out.stdout
    );

    let empty = dir.file("empty.md", "# Only a heading\n\nNotes.\n");
    let out = run(&["lint-questions", s(&empty)]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("no questions found"), "{}", out.stderr);

    let out = run(&["lint-questions", s(&dir.join("missing.txt"))]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("cannot read"), "{}", out.stderr);

    let binary = dir.file("bin.txt", [0xffu8, 0xfe, 0x00]);
    let out = run(&["lint-questions", s(&binary)]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("not UTF-8"), "{}", out.stderr);
}
