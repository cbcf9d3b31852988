//! The `peerstage` binary, run as a user would: every test gets a fresh SQLite file, and a
//! fresh PostgreSQL database too when `PEERSTAGE_TEST_POSTGRES_URL` is set.

mod common;

use common::{by_id, raw_rows, records, run, s, sorted_list, Db, Engine, Run, KINDS};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const ACCOUNTS: &str = "\
external_id,name,industry,region,country,employees,customer_since
A1,Acme Robotics,Manufacturing,emea,Germany,1200,2021-03-01
A2,Globex,Energy,north_america,USA,300,
A3,Initech,Software,apac,Japan,45,2019-11-15
";

const ACCOUNTS_HEADER: &str = "external_id,name,industry,region,country,employees,customer_since";

const CONTACTS: &str = "\
external_id,account_external_id,name,email,role
C1,A1,Ada Lovelace,ada@acme.example,champion
C2,A1,Bob Byte,bob@acme.example,user
C3,A2,Cy Globe,cy@globex.example,
";

const TOUCHPOINTS: &str = "\
external_id,account_external_id,kind,occurred_on,staff,contact_external_ids,notes
T1,A1,meeting,2024-03-01,Sam,C1;C2,Quarterly review
T2,A1,call,2024-03-05,,C2,
T3,A2,email,2024-03-07,Kim,C3,Sent the roadmap
";

fn seed_accounts(db: &Db) {
    db.import_ok("accounts", "seed-accounts.csv", ACCOUNTS);
}

fn seed_all(db: &Db) {
    seed_accounts(db);
    db.import_ok("contacts", "seed-contacts.csv", CONTACTS);
    db.import_ok("touchpoints", "seed-touchpoints.csv", TOUCHPOINTS);
}

/// The import must fail, say every fragment, and leave every kind exactly as it was.
fn assert_refused(db: &Db, kind: &str, file: &Path, extra: &[&str], fragments: &[&str]) -> Run {
    let before = db.snapshot();
    let run = db.import(kind, file, extra).fails().says(fragments);
    assert_eq!(
        db.snapshot(),
        before,
        "{}: a refused import must write nothing",
        run.what
    );
    run
}

// ---------------------------------------------------------------------------------------
// Import and export round trip
// ---------------------------------------------------------------------------------------

#[test]
fn import_accounts_reports_counts_and_its_export_reimports_as_unchanged() {
    for db in Db::all() {
        let file = db.file("accounts.csv", ACCOUNTS);
        db.import("accounts", &file, &[])
            .ok()
            .says(&["imported accounts: 3 rows, 3 new, 0 updated, 0 unchanged, 0 rejected"]);

        // Export to a file, then import that file back: nothing changes.
        let out = db.dir.join("exported.csv");
        db.run(&["export", "accounts", "--out", s(&out)])
            .ok()
            .says(&["exported 3 accounts"]);
        let exported = std::fs::read_to_string(&out).unwrap();
        db.import("accounts", &out, &[])
            .ok()
            .says(&["3 rows, 0 new, 0 updated, 3 unchanged, 0 rejected"]);

        // Export to standard output gives the same CSV, with the canonical header.
        let stdout = db.run(&["export", "accounts"]).ok();
        assert_eq!(stdout.stdout, exported, "{}", db.name());
        assert!(
            stdout
                .stdout
                .starts_with("external_id,name,industry,region,"),
            "{}",
            stdout.stdout
        );
        let rows = records(&stdout.stdout);
        assert_eq!(rows.len(), 3);
        let acme = by_id(&rows, "A1");
        assert_eq!(acme["name"], "Acme Robotics");
        assert_eq!(acme["region"], "emea");
        assert_eq!(acme["employees"], "1200");
        assert_eq!(acme["customer_since"], "2021-03-01");
        assert_eq!(acme["lifecycle"], "customer");
        assert_eq!(by_id(&rows, "A2")["customer_since"], "");
    }
}

#[test]
fn reimporting_the_same_file_changes_nothing_and_a_changed_row_counts_as_updated() {
    for db in Db::all() {
        let file = db.file("accounts.csv", ACCOUNTS);
        db.import("accounts", &file, &[]).ok();
        let before = db.snapshot();
        db.import("accounts", &file, &[])
            .ok()
            .says(&["3 rows, 0 new, 0 updated, 3 unchanged, 0 rejected"]);
        assert_eq!(db.snapshot(), before, "{}", db.name());

        // The counts are not stuck at "unchanged": one edited row and one new row.
        let edited = ACCOUNTS.replace("Globex,Energy", "Globex,Utilities")
            + "A4,Hooli,Software,north_america,USA,80,2020-05-05\n";
        let file = db.file("accounts-edited.csv", edited);
        db.import("accounts", &file, &[])
            .ok()
            .says(&["4 rows, 1 new, 1 updated, 2 unchanged, 0 rejected"]);
        let rows = db.rows("accounts");
        assert_eq!(rows.len(), 4);
        assert_eq!(by_id(&rows, "A2")["industry"], "Utilities");
    }
}

#[test]
fn export_of_an_unknown_kind_fails_and_names_the_kinds() {
    for db in Db::all() {
        let r = db
            .run(&["export", "widgets"])
            .fails()
            .says(&["unknown value 'widgets'", "accounts, contacts, touchpoints"]);
        assert!(r.stdout.is_empty(), "no CSV on a failed export");
        db.import("widgets", &db.file("w.csv", ACCOUNTS), &[])
            .fails()
            .says(&["unknown value 'widgets'"]);
    }
}

#[test]
fn every_kind_exports_with_its_header_even_when_empty() {
    for db in Db::all() {
        for kind in KINDS {
            let out = db.export(kind);
            let rows = raw_rows(&out);
            assert_eq!(rows.len(), 1, "{kind}: only the header: {out}");
            assert_eq!(rows[0][0], "external_id", "{kind}");
        }
    }
}

#[test]
fn export_to_a_folder_that_does_not_exist_names_the_path_given_and_why() {
    for db in Db::all() {
        let out = db.dir.join("no-such-folder").join("x.csv");
        let r = db
            .run(&["export", "accounts", "--out", s(&out)])
            .fails()
            .says(&[
                &format!("cannot write {}", s(&out)),
                "the folder",
                "does not exist",
            ]);
        assert!(!r.stderr.contains(".partial"), "{}", r.stderr);
        assert!(!out.exists());

        // A folder as the output is named as one, and left alone.
        let folder = db.dir.join("a-folder");
        std::fs::create_dir(&folder).unwrap();
        db.run(&["export", "accounts", "--out", s(&folder)])
            .fails()
            .says(&[&format!("cannot write {}: it is a folder", s(&folder))]);
        assert!(folder.is_dir());
        let leftovers: Vec<_> = std::fs::read_dir(db.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn counts_of_one_row_read_in_the_singular() {
    for db in Db::all() {
        let mixed = db.file(
            "one-bad.csv",
            "external_id,name,region\nA1,Acme,emea\nA2,Globex,Mars\n",
        );
        let r = db
            .import("accounts", &mixed, &["--skip-invalid"])
            .ok()
            .says(&[
                "1 of 2 rows are invalid:",
                "1 rejected row written with their reasons to",
                "imported accounts: 2 rows, 1 new, 0 updated, 0 unchanged, 1 rejected",
            ]);
        assert!(!r.stderr.contains("1 rejected rows"), "{}", r.stderr);

        let one = db.file("one.csv", "external_id,name\nA3,Initech\n");
        db.import("accounts", &one, &[])
            .ok()
            .says(&["imported accounts: 1 row, 1 new, 0 updated, 0 unchanged, 0 rejected"]);

        let bad = db.file("bad.csv", "external_id,name,region\nA4,Hooli,Mars\n");
        db.import("accounts", &bad, &[])
            .fails()
            .says(&["1 of 1 row is invalid:"]);

        let contacts = db.file(
            "contact.csv",
            "external_id,account_external_id,name\nC1,A1,Ada\n",
        );
        db.import("contacts", &contacts, &[]).ok();
        let exported = db.run(&["export", "contacts"]).ok();
        assert!(
            exported.stderr.lines().any(|l| l == "exported 1 contact"),
            "{}",
            exported.stderr
        );
        db.run(&["export", "accounts"])
            .ok()
            .says(&["exported 2 accounts"]);
    }
}

#[test]
fn importing_a_missing_file_fails_clearly() {
    for db in Db::all() {
        let missing = db.dir.join("no-such-file.csv");
        db.import("accounts", &missing, &[])
            .fails()
            .says(&["cannot open", "no-such-file.csv"]);
    }
}

// ---------------------------------------------------------------------------------------
// Malformed files: the whole import is refused, with line, column and reason
// ---------------------------------------------------------------------------------------

#[test]
fn a_row_with_the_wrong_number_of_values_rejects_the_whole_import() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "bad.csv",
            format!(
                "{ACCOUNTS_HEADER}\n\
                 A1,Acme Renamed,Manufacturing,emea,Germany,1200,2021-03-01\n\
                 A4,Hooli,Software,north_america\n\
                 A5,Umbrella,Pharma,emea,UK,5000,2001-01-01\n\
                 A6,Wonka,Food,emea,UK,10,2001-01-01,surplus\n"
            ),
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &[
                "line 3: has 4 values, the header has 7 columns",
                "line 5: has 8 values, the header has 7 columns",
                "nothing was imported",
                "--skip-invalid",
            ],
        );
        assert_eq!(db.count("accounts"), 3);
    }
}

#[test]
fn a_value_that_is_not_a_number_rejects_the_whole_import_naming_line_and_column() {
    for db in Db::all() {
        seed_accounts(&db);
        // The quoted cell spans lines 2–3, so the bad row is on line 4 of the file.
        let f = db.file(
            "bad.csv",
            format!(
                "{ACCOUNTS_HEADER}\n\
                 A4,Hooli,\"Software\nand services\",north_america,USA,80,2020-05-05\n\
                 A5,Umbrella,Pharma,emea,UK,many,2001-01-01\n"
            ),
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &[
                "1 of 2 rows are invalid",
                "line 4, column employees: 'many' is not a whole number",
                "nothing was imported",
            ],
        );
    }
}

#[test]
fn an_impossible_date_rejects_the_whole_import() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "bad.csv",
            format!(
                "{ACCOUNTS_HEADER}\n\
                 A4,Hooli,Software,north_america,USA,80,2024-13-40\n\
                 A5,Umbrella,Pharma,emea,UK,5000,2001-01-01\n"
            ),
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &["line 2, column customer_since: '2024-13-40' is not a date (expected YYYY-MM-DD)"],
        );
    }
}

#[test]
fn an_unknown_enum_value_rejects_the_whole_import_and_lists_the_allowed_values() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "bad.csv",
            format!(
                "{ACCOUNTS_HEADER}\n\
                 A4,Hooli,Software,north_america,USA,80,2020-05-05\n\
                 A5,Umbrella,Pharma,Mars,UK,5000,2001-01-01\n"
            ),
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &["line 3, column region: unknown value 'Mars' (expected one of: north_america, emea, apac, latam)"],
        );
    }
}

#[test]
fn invalid_utf8_in_a_cell_rejects_the_whole_import() {
    for db in Db::all() {
        seed_accounts(&db);
        let mut bytes = format!(
            "{ACCOUNTS_HEADER}\nA4,Hooli,Software,north_america,USA,80,2020-05-05\nA5,Umbrella,Pharma,emea,"
        )
        .into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(b",5000,2001-01-01\n");
        let f = db.file("latin1.csv", bytes);
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &[
                "line 3, column country: is not valid UTF-8",
                "nothing was imported",
            ],
        );
    }
}

#[test]
fn an_empty_file_is_refused_with_a_clear_message() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("empty.csv", "");
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &["empty.csv", "the file is empty", "nothing was imported"],
        );
    }
}

#[test]
fn a_bad_row_after_many_good_ones_still_rejects_the_whole_import() {
    for db in Db::all() {
        seed_all(&db);
        // Far more good rows than are read before any are written.
        let mut text = String::from("external_id,account_external_id,kind,occurred_on\n");
        for i in 0..20_000 {
            text.push_str(&format!("G{i:05},A1,call,2024-01-{:02}\n", i % 28 + 1));
        }
        text.push_str("G-bad,A1,call,2024-02-30\n");
        let f = db.file("long.csv", &text);
        assert_refused(
            &db,
            "touchpoints",
            &f,
            &[],
            &[
                "1 of 20001 rows are invalid",
                "line 20002, column occurred_on: '2024-02-30' is not a date",
            ],
        );
        db.import("touchpoints", &f, &["--skip-invalid"])
            .ok()
            .says(&["20001 rows, 20000 new, 0 updated, 0 unchanged, 1 rejected"]);
        assert_eq!(db.count("touchpoints"), 20_003);
    }
}

#[test]
fn a_header_only_file_imports_nothing_and_succeeds_so_empty_exports_round_trip() {
    for db in Db::all() {
        seed_accounts(&db);
        let before = db.snapshot();
        let f = db.file("header.csv", format!("{ACCOUNTS_HEADER}\n"));
        db.import("accounts", &f, &[])
            .ok()
            .says(&["the file has a header but no rows: nothing to import"]);
        assert_eq!(db.snapshot(), before);
        // Every kind's export of nothing imports back.
        for kind in KINDS {
            let f = db.file(&format!("empty-{kind}.csv"), db.export(kind));
            db.import(kind, &f, &[]).ok();
        }
        assert_eq!(db.snapshot(), before);
    }
}

#[test]
fn a_duplicate_external_id_in_one_file_names_the_line_of_the_first() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "dupes.csv",
            format!(
                "{ACCOUNTS_HEADER}\n\
                 A4,Hooli,Software,north_america,USA,80,2020-05-05\n\
                 A5,Umbrella,Pharma,emea,UK,5000,2001-01-01\n\
                 A4,Hooli Two,Software,north_america,USA,81,2020-05-05\n"
            ),
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &["line 4, column external_id: duplicate external id 'A4' (first on line 2)"],
        );
    }
}

#[test]
fn contacts_of_an_unknown_account_are_refused() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "contacts.csv",
            "external_id,account_external_id,name,email\n\
             C1,A1,Ada Lovelace,ada@acme.example\n\
             C2,NOPE,Bob Byte,bob@nope.example\n",
        );
        assert_refused(
            &db,
            "contacts",
            &f,
            &[],
            &["line 3, column account_external_id: no account has external id 'NOPE'"],
        );
        assert_eq!(db.count("contacts"), 0);
    }
}

#[test]
fn a_missing_required_column_is_named_and_map_is_suggested() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file(
            "nameless.csv",
            "external_id,company,country\nA9,Foo,France\n",
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &[],
            &[
                "line 1",
                "no column for required field 'name'",
                "--map name=COLUMN",
            ],
        );
        let f = db.file(
            "orphans.csv",
            "external_id,name,email\nC9,Ann,ann@x.example\n",
        );
        assert_refused(
            &db,
            "contacts",
            &f,
            &[],
            &["no column for required field 'account_external_id'"],
        );
    }
}

// ---------------------------------------------------------------------------------------
// --skip-invalid and the rejects file
// ---------------------------------------------------------------------------------------

const MIXED: &str = "\
external_id,name,industry,region,country,employees,customer_since
A4,Hooli,Software,north_america,USA,80,2020-05-05
A5,Umbrella,Pharma,Mars,UK,many,2001-01-01
A6,Soylent
A7,Wonka,Food,emea,UK,\"1,000\",
A8,Stark,Defense,emea,USA,10,2020-01-01,surplus
";

/// The rejects file of `MIXED`: the header, then lines 3, 4 and 6 with reasons and cells.
fn check_mixed_rejects(text: &str) {
    let rows = raw_rows(text);
    let mut expected_header = vec!["line".to_string(), "reasons".to_string()];
    expected_header.extend(ACCOUNTS_HEADER.split(',').map(str::to_string));
    assert_eq!(rows[0], expected_header, "rejects header:\n{text}");
    assert_eq!(rows.len(), 4, "three rejected rows:\n{text}");

    assert_eq!(rows[1][0], "3");
    assert!(
        rows[1][1].contains("region: unknown value 'Mars'")
            && rows[1][1].contains("employees: 'many' is not a whole number"),
        "{:?}",
        rows[1]
    );
    assert_eq!(
        rows[1][2..],
        [
            "A5",
            "Umbrella",
            "Pharma",
            "Mars",
            "UK",
            "many",
            "2001-01-01"
        ]
    );

    assert_eq!(rows[2][0], "4");
    assert!(
        rows[2][1].contains("has 2 values, the header has 7 columns"),
        "{:?}",
        rows[2]
    );
    assert_eq!(rows[2][2..], ["A6", "Soylent"]);

    assert_eq!(rows[3][0], "6");
    assert!(rows[3][1].contains("has 8 values"), "{:?}", rows[3]);
    assert_eq!(
        rows[3][2..],
        [
            "A8",
            "Stark",
            "Defense",
            "emea",
            "USA",
            "10",
            "2020-01-01",
            "surplus"
        ]
    );
}

#[test]
fn skip_invalid_imports_the_good_rows_and_writes_the_bad_ones_beside_the_file() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("mixed.csv", MIXED);
        db.import("accounts", &f, &["--skip-invalid"]).ok().says(&[
            "3 of 5 rows are invalid",
            "line 3, column region",
            "3 rejected rows written",
            "mixed.csv.rejects.csv",
            "imported accounts: 5 rows, 2 new, 0 updated, 0 unchanged, 3 rejected",
        ]);
        let rows = db.rows("accounts");
        let mut ids: Vec<&str> = rows.iter().map(|r| r["external_id"].as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["A1", "A2", "A3", "A4", "A7"], "{}", db.name());
        assert_eq!(by_id(&rows, "A7")["employees"], "1000");

        let rejects = db.dir.join("mixed.csv.rejects.csv");
        check_mixed_rejects(&std::fs::read_to_string(&rejects).unwrap());
    }
}

#[test]
fn skip_invalid_writes_rejects_to_the_path_given() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("mixed.csv", MIXED);
        let target = db.dir.join("bad-rows.csv");
        db.import("accounts", &f, &["--skip-invalid", "--rejects", s(&target)])
            .ok()
            .says(&["bad-rows.csv"]);
        check_mixed_rejects(&std::fs::read_to_string(&target).unwrap());
        assert!(
            !db.dir.join("mixed.csv.rejects.csv").exists(),
            "only the named rejects file is written"
        );
        assert_eq!(db.count("accounts"), 5);
    }
}

#[test]
fn skip_invalid_with_every_row_rejected_fails_but_writes_the_rejects() {
    for db in Db::all() {
        seed_accounts(&db);
        let before = db.snapshot();
        let f = db.file(
            "all-bad.csv",
            "external_id,name,region\nB1,Bad One,Mars\nB2,Bad Two,Venus\n",
        );
        let run = db
            .import("accounts", &f, &["--skip-invalid"])
            .fails()
            .says(&["2 of 2 rows are invalid", "every row was rejected"]);
        assert!(
            run.stderr.contains("2 rejected rows written"),
            "{}",
            run.stderr
        );
        assert_eq!(db.snapshot(), before);
    }
}

#[test]
fn skip_invalid_with_only_good_rows_writes_no_rejects_file() {
    for db in Db::all() {
        let f = db.file("good.csv", ACCOUNTS);
        db.import("accounts", &f, &["--skip-invalid"])
            .ok()
            .says(&["3 new", "0 rejected"]);
        assert!(!db.dir.join("good.csv.rejects.csv").exists());
        assert!(!db.dir.join("good.csv.rejects.csv.partial").exists());
    }
}

#[test]
fn skip_invalid_with_a_rejects_file_that_cannot_be_written_imports_nothing() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("mixed.csv", MIXED);
        let target = db.dir.join("no-such-folder").join("rej.csv");
        assert_refused(
            &db,
            "accounts",
            &f,
            &["--skip-invalid", "--rejects", s(&target)],
            &[
                &format!("cannot write {}", s(&target)),
                "the folder",
                "does not exist",
                "nothing was imported",
            ],
        );
        assert!(!target.exists());

        // Written, the rejects file is whole and nothing is left beside it.
        let target = db.dir.join("rej.csv");
        db.import("accounts", &f, &["--skip-invalid", "--rejects", s(&target)])
            .ok()
            .says(&["3 rejected rows written", "rej.csv"]);
        check_mixed_rejects(&std::fs::read_to_string(&target).unwrap());
        assert!(!db.dir.join("rej.csv.partial").exists());

        // Rejects aimed at the file being imported would replace it: refused, file intact.
        let run = assert_refused(
            &db,
            "accounts",
            &f,
            &["--skip-invalid", "--rejects", s(&f)],
            &["is the file being imported", "nothing was imported"],
        );
        assert_eq!(std::fs::read_to_string(&f).unwrap(), MIXED, "{}", run.what);
    }
}

#[test]
fn skip_invalid_still_refuses_a_file_that_cannot_be_read_at_all() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("nameless.csv", "external_id,company\nA9,Foo\n");
        assert_refused(
            &db,
            "accounts",
            &f,
            &["--skip-invalid"],
            &["no column for required field 'name'"],
        );
        assert!(!db.dir.join("nameless.csv.rejects.csv").exists());
    }
}

// ---------------------------------------------------------------------------------------
// Column mapping: presets, --map, separators and BOM
// ---------------------------------------------------------------------------------------

const SALESFORCE_ACCOUNTS: &str = "\
Account ID,Account Name,Industry,BillingCountry,AnnualRevenue,NumberOfEmployees,Type
001A000001,Sales One,Technology,Germany,\"1,500,000\",250,Customer - Direct
001A000002,Sales Two,Retail,France,5000,10,Prospect
001A000003,Sales Three,Energy,Norway,,80,Customer - Channel
";

#[test]
fn the_salesforce_preset_reads_a_salesforce_account_export() {
    for db in Db::all() {
        let f = db.file("salesforce.csv", SALESFORCE_ACCOUNTS);
        db.import("accounts", &f, &["--preset", "salesforce"])
            .ok()
            .says(&["3 rows, 3 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = db.rows("accounts");
        assert_eq!(rows.len(), 3);
        let one = by_id(&rows, "001A000001");
        assert_eq!(one["name"], "Sales One");
        assert_eq!(one["industry"], "Technology");
        assert_eq!(one["country"], "Germany");
        assert_eq!(one["annual_revenue"], "1500000");
        assert_eq!(one["employees"], "250");
        assert_eq!(one["lifecycle"], "customer");
        assert_eq!(by_id(&rows, "001A000002")["lifecycle"], "prospect");
        assert_eq!(by_id(&rows, "001A000003")["lifecycle"], "customer");

        db.import("accounts", &f, &["--preset", "salesforce"])
            .ok()
            .says(&["0 new, 0 updated, 3 unchanged"]);
        // Without the preset the same file has no name column, and says so.
        db.import("accounts", &f, &[])
            .fails()
            .says(&["no column for required field 'name'", "--map name=COLUMN"]);
        db.import("accounts", &f, &["--preset", "hubspot"])
            .fails()
            .says(&["--preset", "hubspot", "salesforce"]);
    }
}

#[test]
fn map_reads_a_field_from_a_differently_named_column() {
    for db in Db::all() {
        let f = db.file(
            "companies.csv",
            "Company,Country,Staff\nAcme Corp,France,\"1,200\"\nBeta GmbH,Austria,7\n",
        );
        db.import(
            "accounts",
            &f,
            &["--map", "name=Company", "--map", "employees=Staff"],
        )
        .ok()
        .says(&["2 rows, 2 new"]);
        let rows = db.rows("accounts");
        let acme = rows
            .iter()
            .find(|r| r["name"] == "Acme Corp")
            .expect("Acme Corp imported");
        assert_eq!(acme["country"], "France");
        assert_eq!(acme["employees"], "1200");
        // Without an external id the name identifies the account: a second import updates.
        db.import(
            "accounts",
            &f,
            &["--map", "name=Company", "--map", "employees=Staff"],
        )
        .ok()
        .says(&["0 new, 0 updated, 2 unchanged"]);
    }
}

#[test]
fn map_naming_a_column_or_field_that_does_not_exist_fails_clearly() {
    for db in Db::all() {
        seed_accounts(&db);
        let f = db.file("companies.csv", "Company,Country\nAcme Corp,France\n");
        assert_refused(
            &db,
            "accounts",
            &f,
            &["--map", "name=Firm"],
            &["--map name=Firm: the header has no column 'Firm'"],
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &["--map", "boss=Company"],
            &["no field 'boss'"],
        );
        assert_refused(
            &db,
            "accounts",
            &f,
            &["--map", "Company"],
            &["--map", "'Company' is not FIELD=COLUMN"],
        );
    }
}

#[test]
fn a_semicolon_separated_file_with_a_byte_order_mark_imports() {
    for db in Db::all() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(
            "external_id;name;industry;country;employees;annual_revenue;cost_to_serve\r\n\
             S1;Smørrebrød ApS;Food;Denmark;12;1.234.567,80;1.000\r\n\
             S2;\"Quote; Semi, Comma\";Retail;France;7;12,5;950\r\n"
                .as_bytes(),
        );
        let f = db.file("excel.csv", bytes);
        db.import("accounts", &f, &[])
            .ok()
            .says(&["2 rows, 2 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = db.rows("accounts");
        // external_id is the first column: it is only recognised if the BOM was removed.
        let s1 = by_id(&rows, "S1");
        assert_eq!(s1["name"], "Smørrebrød ApS");
        assert_eq!(s1["employees"], "12");
        assert_eq!(s1["country"], "Denmark");
        assert_eq!(by_id(&rows, "S2")["name"], "Quote; Semi, Comma");
        // Numbers the European way, as such files write them: decimal comma, dots between
        // thousands.
        assert_eq!(s1["annual_revenue"], "1234568");
        assert_eq!(s1["cost_to_serve"], "1000");
        assert_eq!(by_id(&rows, "S2")["annual_revenue"], "13");
        assert_eq!(by_id(&rows, "S2")["cost_to_serve"], "950");
    }
}

// ---------------------------------------------------------------------------------------
// Touchpoints and NPS refer to contacts by external id
// ---------------------------------------------------------------------------------------

#[test]
fn touchpoints_and_nps_responses_link_contacts_by_external_id() {
    for db in Db::all() {
        seed_accounts(&db);
        db.import_ok("contacts", "contacts.csv", CONTACTS)
            .says(&["3 rows, 3 new"]);
        let tp = db.file("touchpoints.csv", TOUCHPOINTS);
        db.import("touchpoints", &tp, &[])
            .ok()
            .says(&["3 rows, 3 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = db.rows("touchpoints");
        assert_eq!(rows.len(), 3);
        let t1 = by_id(&rows, "T1");
        assert_eq!(sorted_list(&t1["contact_external_ids"]), ["C1", "C2"]);
        assert_eq!(t1["account_external_id"], "A1");
        assert_eq!(t1["kind"], "meeting");
        assert_eq!(t1["occurred_on"], "2024-03-01");
        assert_eq!(t1["notes"], "Quarterly review");
        assert_eq!(by_id(&rows, "T2")["contact_external_ids"], "C2");
        assert_eq!(by_id(&rows, "T3")["contact_external_ids"], "C3");

        db.import("touchpoints", &tp, &[])
            .ok()
            .says(&["0 new, 0 updated, 3 unchanged"]);
        let export = db.dir.join("touchpoints-export.csv");
        db.run(&["export", "touchpoints", "--out", s(&export)]).ok();
        db.import("touchpoints", &export, &[])
            .ok()
            .says(&["0 new, 0 updated, 3 unchanged"]);

        let nps = db.file(
            "nps.csv",
            "external_id,account_external_id,contact_external_id,score,comment,responded_on\n\
             N1,A1,C1,9,Love it,2024-04-01\n\
             N2,A2,,4,Too slow,2024-04-02\n",
        );
        db.import("nps", &nps, &[])
            .ok()
            .says(&["2 rows, 2 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = db.rows("nps");
        assert_eq!(by_id(&rows, "N1")["contact_external_id"], "C1");
        assert_eq!(by_id(&rows, "N1")["score"], "9");
        assert_eq!(by_id(&rows, "N2")["contact_external_id"], "");
        db.import("nps", &nps, &[])
            .ok()
            .says(&["0 new, 0 updated, 2 unchanged"]);
    }
}

#[test]
fn touchpoints_and_nps_with_unknown_or_foreign_contacts_are_refused() {
    for db in Db::all() {
        seed_all(&db);
        let f = db.file(
            "tp-bad.csv",
            "external_id,account_external_id,kind,occurred_on,contact_external_ids\n\
             T7,A1,call,2024-05-01,C1\n\
             T8,A1,call,2024-05-02,C1;C9\n\
             T9,A2,call,2024-05-03,C1\n",
        );
        assert_refused(
            &db,
            "touchpoints",
            &f,
            &[],
            &[
                "line 3, column contact_external_ids: no contact has external id 'C9'",
                "line 4, column contact_external_ids: contact 'C1' belongs to another account",
            ],
        );
        let f = db.file(
            "nps-bad.csv",
            "account_external_id,contact_external_id,score,responded_on\n\
             A2,C1,8,2024-05-01\n\
             A1,C1,11,2024-05-01\n",
        );
        assert_refused(
            &db,
            "nps",
            &f,
            &[],
            &[
                "line 2, column contact_external_id: contact 'C1' belongs to another account",
                "line 3, column score",
            ],
        );
    }
}

#[test]
fn reimporting_touchpoints_with_different_contacts_counts_them_as_updated() {
    for db in Db::all() {
        seed_all(&db);
        let changed = TOUCHPOINTS.replace("C1;C2,Quarterly", "C1,Quarterly");
        let f = db.file("tp-changed.csv", changed);
        db.import("touchpoints", &f, &[])
            .ok()
            .says(&["0 new, 1 updated, 2 unchanged"]);
        assert_eq!(
            by_id(&db.rows("touchpoints"), "T1")["contact_external_ids"],
            "C1"
        );
    }
}

// ---------------------------------------------------------------------------------------
// demo
// ---------------------------------------------------------------------------------------

fn fresh(engine: Engine) -> Db {
    match engine {
        Engine::Sqlite => Db::sqlite(),
        Engine::Postgres => Db::postgres().expect("PostgreSQL is configured"),
    }
}

#[test]
fn demo_is_deterministic_for_a_seed_and_differs_for_another_seed() {
    for first in Db::all() {
        let second = fresh(first.engine);
        let other = fresh(first.engine);
        let demo = |db: &Db, seed: &str| {
            db.run(&["demo", "--scale", "0.01", "--seed", seed])
                .ok()
                .says(&["demo company (seed"]);
        };
        demo(&first, "7");
        demo(&second, "7");
        demo(&other, "8");
        for kind in ["accounts", "touchpoints"] {
            let a = first.export(kind);
            assert!(records(&a).len() > 1, "{}: demo makes {kind}", first.name());
            assert_eq!(
                a,
                second.export(kind),
                "{}: the same seed must give the same {kind}",
                first.name()
            );
            assert_ne!(
                a,
                other.export(kind),
                "{}: another seed must give other {kind}",
                first.name()
            );
        }
    }
}

#[test]
fn demo_refuses_a_scale_of_zero() {
    for db in Db::all() {
        db.run(&["demo", "--scale", "0"])
            .fails()
            .says(&["--scale must be a number above 0"]);
        db.run(&["demo", "--scale", "1000"])
            .fails()
            .says(&["--scale"]);
        assert_eq!(db.count("accounts"), 0);
    }
}

// ---------------------------------------------------------------------------------------
// backup
// ---------------------------------------------------------------------------------------

#[test]
fn backup_makes_a_copy_that_opens_and_never_overwrites_a_file() {
    let db = Db::sqlite();
    seed_all(&db);
    let original = db.snapshot();
    let target = db.dir.join("backup.db");
    db.run(&["backup", s(&target)])
        .ok()
        .says(&["backed up", "backup.db"]);
    assert!(target.exists());

    // The copy opens, and holds the same data.
    let copy_url = format!("sqlite://{}", target.display());
    let copy: Vec<String> = KINDS
        .iter()
        .map(|k| {
            common::run(&["--database-url", &copy_url, "export", k])
                .ok()
                .stdout
        })
        .collect();
    assert_eq!(copy, original);
    assert_eq!(records(&copy[0]).len(), 3);

    // A second backup to the same file is refused and leaves the file alone.
    let before = std::fs::read(&target).unwrap();
    db.run(&["backup", s(&target)])
        .fails()
        .says(&["already exists"]);
    assert_eq!(std::fs::read(&target).unwrap(), before);

    // Any existing file is safe, not only databases.
    let notes = db.file("notes.txt", "keep me");
    db.run(&["backup", s(&notes)])
        .fails()
        .says(&["already exists"]);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "keep me");
}

#[test]
fn backup_of_a_sqlite_file_that_does_not_exist_is_refused_and_creates_nothing() {
    let db = Db::sqlite();
    let source = db.sqlite_path.clone().unwrap();
    let target = db.dir.join("backup.db");
    let r = db
        .run(&["backup", s(&target)])
        .fails()
        .says(&["there is no database at", s(&source)]);
    assert!(!r.stderr.contains("created a new database"), "{}", r.stderr);
    assert!(!source.exists(), "backup must not create the database");
    assert!(!target.exists(), "nothing to back up, so no backup");
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let Some(db) = Db::postgres() else { return };
    let target = db.dir.join("backup.db");
    db.run(&["backup", s(&target)]).fails().says(&["pg_dump"]);
    assert!(!target.exists());
}

// ---------------------------------------------------------------------------------------
// --help and argument errors
// ---------------------------------------------------------------------------------------

#[test]
fn help_works_for_the_top_level_and_every_subcommand() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--help"],
            &[
                "--database-url",
                "demo",
                "serve",
                "import",
                "export",
                "backup",
            ],
        ),
        (&["demo", "--help"], &["--seed", "--scale", "--reset"]),
        (&["serve", "--help"], &["--bind"]),
        (
            &["import", "--help"],
            &[
                "<KIND>",
                "<FILE>",
                "--skip-invalid",
                "--rejects",
                "--preset",
                "--map",
                "--database-url",
            ],
        ),
        (&["export", "--help"], &["<KIND>", "--out"]),
        (&["backup", "--help"], &["<FILE>", "must not exist"]),
        (&["help", "import"], &["--skip-invalid"]),
    ];
    for (args, mentions) in cases {
        let r = run(args).ok();
        for m in *mentions {
            assert!(
                r.stdout.contains(m),
                "{}: expected {m:?} in:\n{}",
                r.what,
                r.stdout
            );
        }
    }
    let r = run(&["--version"]).ok();
    assert!(r.stdout.starts_with("peerstage "), "{}", r.stdout);
}

#[test]
fn an_unknown_subcommand_or_missing_argument_fails() {
    run(&["frobnicate"])
        .fails()
        .says(&["unrecognized subcommand 'frobnicate'"]);
    let bare = run(&[]);
    assert!(
        matches!(bare.code, Some(c) if c != 0) && bare.stderr.contains("Usage"),
        "{bare:?}"
    );
    run(&["import", "accounts"]).fails().says(&["<FILE>"]);
}

// ---------------------------------------------------------------------------------------
// Durability: a killed import leaves all of it or none of it
// ---------------------------------------------------------------------------------------

const BIG_ROWS: usize = 300_000;
const REWRITTEN: &str = "rewritten by the big import";

/// 300,000 touchpoints: T1–T3 (already stored) with new notes, then new ones, each linked
/// to contacts of its account.
fn write_big_touchpoints(path: &Path) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "external_id,account_external_id,kind,occurred_on,staff,contact_external_ids,notes"
    )
    .unwrap();
    writeln!(w, "T1,A1,meeting,2024-03-01,Sam,C1;C2,{REWRITTEN}").unwrap();
    writeln!(w, "T2,A1,call,2024-03-05,,C2,{REWRITTEN}").unwrap();
    writeln!(w, "T3,A2,email,2024-03-07,Kim,C3,{REWRITTEN}").unwrap();
    for i in 3..BIG_ROWS {
        let (account, contacts) = if i % 2 == 0 {
            ("A1", "C1;C2")
        } else {
            ("A2", "C3")
        };
        writeln!(
            w,
            "B{i:06},{account},call,2024-{:02}-{:02},Sam,{contacts},bulk row {i}",
            i % 12 + 1,
            i % 28 + 1
        )
        .unwrap();
    }
    w.flush().unwrap();
}

enum KillAt {
    /// After a fixed delay from the start.
    Delay(Duration),
    /// As soon as the import is seen writing to the database.
    Writing,
}

/// Waits until the child is seen writing (or has finished). Returns whether writing was seen.
fn wait_until_writing(db: &Db, child: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut pg = match db.engine {
        Engine::Postgres => Some(
            postgres::Client::connect(&db.url, postgres::NoTls)
                .expect("connect to watch the import"),
        ),
        Engine::Sqlite => None,
    };
    let wal = db
        .sqlite_path
        .as_ref()
        .map(|p| format!("{}-wal", p.display()));
    loop {
        if child.try_wait().expect("child status").is_some() {
            return false;
        }
        let writing = match (&mut pg, &wal) {
            // The links are written last: by then the touchpoints are written too.
            (Some(client), _) => {
                let row = client
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                         AND pid <> pg_backend_pid() AND state = 'active' \
                         AND query LIKE 'INSERT INTO touchpoint_contacts%'",
                        &[],
                    )
                    .expect("watch pg_stat_activity");
                row.get::<_, i64>(0) > 0
            }
            // SQLite writes a transaction's pages to the WAL once they no longer fit in the
            // cache or at commit; the seed data is far below 1 MB.
            (None, Some(wal)) => std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0) > (1 << 20),
            (None, None) => unreachable!(),
        };
        if writing {
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "the import neither wrote nor finished"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn killed_import_leaves_all_or_nothing(db: &Db, kill_at: KillAt) {
    seed_all(db);
    let before = db.snapshot();
    let before_tps = &before[2];
    let big = db.dir.join("big-touchpoints.csv");
    write_big_touchpoints(&big);

    let mut child = db
        .command(&["import", "touchpoints", s(&big)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the import");
    let seen_writing = match kill_at {
        KillAt::Delay(d) => {
            std::thread::sleep(d);
            false
        }
        KillAt::Writing => wait_until_writing(db, &mut child),
    };
    let _ = child.kill();
    let status = child.wait().expect("wait for the killed import");

    // The database opens, and what was committed before is intact.
    let after = db.snapshot();
    assert_eq!(after[0], before[0], "{}: accounts changed", db.name());
    assert_eq!(after[1], before[1], "{}: contacts changed", db.name());
    let tps = records(&after[2]);
    let outcome = if &after[2] == before_tps {
        "none"
    } else {
        // Otherwise the import must be complete: every row, every link, every update.
        assert_eq!(
            tps.len(),
            BIG_ROWS,
            "{}: a killed import left {} of {} touchpoints (was {}): half-written",
            db.name(),
            tps.len(),
            BIG_ROWS,
            records(before_tps).len()
        );
        for t in ["T1", "T2", "T3"] {
            assert_eq!(by_id(&tps, t)["notes"], REWRITTEN, "{}: {t}", db.name());
        }
        for row in &tps {
            let expected: &[&str] = if row["account_external_id"] == "A1" {
                &["C1", "C2"]
            } else {
                &["C3"]
            };
            if row["external_id"] != "T2" {
                assert_eq!(
                    sorted_list(&row["contact_external_ids"]),
                    expected,
                    "{}: links of {}",
                    db.name(),
                    row["external_id"]
                );
            }
        }
        "all"
    };
    if status.success() {
        assert_eq!(
            outcome,
            "all",
            "{}: the import finished, so all of it is there",
            db.name()
        );
    }
    eprintln!(
        "{}: import {} (writing seen: {seen_writing}); outcome: {outcome} of it committed",
        db.name(),
        if status.success() {
            "finished before the kill"
        } else {
            "killed"
        },
    );

    // And it still takes writes: no stale lock or half-open transaction is left behind.
    let f = db.file(
        "after.csv",
        "external_id,account_external_id,kind,occurred_on,contact_external_ids\n\
         T-after,A1,call,2024-06-01,C1\n",
    );
    db.import("touchpoints", &f, &[]).ok().says(&["1 new"]);
    let tps = db.rows("touchpoints");
    assert_eq!(by_id(&tps, "T-after")["contact_external_ids"], "C1");
    let expected = if outcome == "all" { BIG_ROWS + 1 } else { 4 };
    assert_eq!(tps.len(), expected, "{}", db.name());
}

#[test]
fn an_import_killed_after_200ms_on_sqlite_leaves_committed_data_and_nothing_half_written() {
    killed_import_leaves_all_or_nothing(&Db::sqlite(), KillAt::Delay(Duration::from_millis(200)));
}

#[test]
fn an_import_killed_after_200ms_on_postgres_leaves_committed_data_and_nothing_half_written() {
    if let Some(db) = Db::postgres() {
        killed_import_leaves_all_or_nothing(&db, KillAt::Delay(Duration::from_millis(200)));
    }
}

#[test]
fn an_import_killed_while_writing_on_sqlite_commits_all_or_nothing() {
    killed_import_leaves_all_or_nothing(&Db::sqlite(), KillAt::Writing);
}

#[test]
fn an_import_killed_while_writing_on_postgres_commits_all_or_nothing() {
    if let Some(db) = Db::postgres() {
        killed_import_leaves_all_or_nothing(&db, KillAt::Writing);
    }
}

#[test]
fn a_new_sqlite_file_is_announced_so_a_mistyped_path_is_noticed() {
    let dir = std::env::temp_dir().join(format!("peerstage-new-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("peerstag.db");
    let url = format!("sqlite://{}", s(&path));
    let first = run(&["--database-url", &url, "export", "accounts"])
        .ok()
        .says(&["note: created a new database at", "peerstag.db"]);
    assert_eq!(first.stdout.lines().count(), 1, "just the header");
    let again = run(&["--database-url", &url, "export", "accounts"]).ok();
    assert!(
        !again.stderr.contains("created a new database"),
        "an existing file is not announced: {}",
        again.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_postgres_database_that_does_not_exist_is_named_by_the_servers_message() {
    let Ok(admin) = std::env::var(peerstage_store::testing::POSTGRES_ENV) else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("peerstage_no_such_db_{}_{nanos}", std::process::id());
    // The admin URL with its database replaced.
    let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
    let authority = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let url = format!("{base}/{name}{query}");
    let r = run(&["--database-url", &url, "export", "accounts"])
        .fails()
        .says(&[
            "cannot connect to PostgreSQL",
            &format!("database \"{name}\" does not exist"),
        ]);
    assert!(!r.stderr.contains("db error"), "{}", r.stderr);
}

#[test]
fn import_and_export_help_name_every_kind() {
    for command in ["import", "export"] {
        let help = run(&[command, "--help"]).ok();
        for kind in peerstage_core::ImportKind::ALL {
            assert!(
                help.stdout.contains(kind.as_str()),
                "`{command} --help` does not name {}: {}",
                kind.as_str(),
                help.stdout
            );
        }
    }
}

/// While another process holds the database (a large import), a command that changes it
/// waits `--lock-wait` seconds, then fails as busy and writes nothing; reading (and opening
/// the database) does not wait. A wrong `--lock-wait` is refused up front.
#[test]
fn an_import_while_the_database_is_held_fails_as_busy_and_writes_nothing() {
    for db in Db::all() {
        db.import_ok("accounts", "first.csv", "external_id,name\nA-1,Acme\n");
        let file = db.file("second.csv", "external_id,name\nA-2,Bolt\n");
        let holder = peerstage_store::testing::hold_database(&db.url);
        db.run(&["--lock-wait", "0.3", "import", "accounts", s(&file)])
            .fails()
            .says(&["busy", "changed nothing", "try again"]);
        assert_eq!(db.count("accounts"), 1, "{}: read while held", db.name());
        drop(holder);
        db.run(&["--lock-wait", "0.3", "import", "accounts", s(&file)])
            .ok();
        assert_eq!(db.count("accounts"), 2, "{}", db.name());
        db.run(&["--lock-wait", "soon", "export", "accounts"])
            .fails()
            .says(&["'soon' is not a number of seconds"]);
    }
}
