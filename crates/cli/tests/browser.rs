//! End to end in a real browser: headless Chromium, driven through chromedriver with the
//! W3C WebDriver protocol, against `peerstage serve` on a fresh SQLite demo database.
//!
//! Sign in, open an account, record a touchpoint, see it on the account page; look at the
//! dashboard, the scorecard and an analyzed quarterly-review agenda; sign out. Screenshots
//! go to `target/test-output/browser/`.
//!
//! Without Chromium or chromedriver the test prints a notice and passes, except when `CI`
//! is set: `.ci/run` installs both, so there a missing browser is a failure.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_peerstage");
const ADMIN: &str = "admin@demo.peerstage.example";
const PASSWORD: &str = "peerstage-demo";
/// How long to wait for an element, a page or a process before failing.
const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn sign_in_record_a_touchpoint_and_sign_out_in_a_browser() {
    let Some((chromium, chromedriver)) = browser_or_skip() else {
        return;
    };
    let tmp = TempDir::new();
    let shots = screenshot_dir();

    // A fresh demo database and the server on it.
    let db = format!("sqlite://{}", tmp.join("browser.db").display());
    let demo = Command::new(BIN)
        .args(["--database-url", &db, "demo", "--scale", "0.01"])
        .output()
        .expect("run peerstage demo");
    assert!(
        demo.status.success(),
        "peerstage demo failed:\n{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server_log = tmp.join("server.log");
    let _server = Proc::spawn(
        Command::new(BIN).args([
            "--database-url",
            &db,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ]),
        &server_log,
    );
    wait_until_answers(port, "/healthz", &server_log);

    // chromedriver, and a browser session through it.
    let driver_port = free_port();
    let driver_log = tmp.join("chromedriver.log");
    let _driver = Proc::spawn(
        Command::new(&chromedriver).arg(format!("--port={driver_port}")),
        &driver_log,
    );
    wait_until_answers(driver_port, "/status", &driver_log);
    let b = Browser::new(driver_port, &chromium, &tmp.join("chrome-profile"));

    // Signed out, /accounts sends us to the sign-in page.
    b.go(&format!("{base}/accounts"));
    b.wait_for_path("/login");
    b.wait_for_text("h1", "Sign in to peerstage");
    b.find("input[name=email]").send_keys(ADMIN);
    b.find("input[name=password]").send_keys(PASSWORD);
    b.find("form[action='/login'] button[type=submit]").click();

    // ... and back to /accounts once signed in.
    b.wait_for_path("/accounts");
    b.wait_for_text("h1", "Accounts");
    b.screenshot(&shots.join("01-accounts-after-login.png"));

    // The first account in the list.
    let first = b.find("table tbody tr td a[href^='/accounts/']");
    let name = first.text();
    assert!(
        !name.is_empty(),
        "the first account has no name\n{}",
        b.context()
    );
    first.click();
    b.wait_for(&format!("the page of account {name:?}"), || {
        Ok(b.path()?.starts_with("/accounts/") && b.try_text("h1")?.as_deref() == Some(&name))
    });
    let account_path = b.path().unwrap();

    // Add touchpoint: kind, date and a note we can recognise.
    b.find_link("Add touchpoint").click();
    b.wait_for_path(&format!("{account_path}/touchpoints/new"));
    b.wait_for_text("h1", "New touchpoint");
    let note = format!(
        "Browser test {}: wants the quarterly review moved to Tuesdays",
        std::process::id()
    );
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    b.find("#f-kind option[value='call']").click();
    // Typing into a date input depends on the browser's locale; set the value instead.
    b.script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
        json!([b.find("#f-occurred_on").0, today]),
    );
    b.find("#f-staff").send_keys("Browser Bot");
    b.find("#f-notes").send_keys(&note);

    // The filled form at phone width.
    b.set_window_size(390, 844);
    b.wait_for("the phone-width layout", || {
        let width = b.script("return window.innerWidth;", json!([]));
        Ok(width.as_u64().is_some_and(|w| w <= 400))
    });
    b.screenshot(&shots.join("03-touchpoint-form-phone.png"));
    let overflow = b.script(
        "return document.documentElement.scrollWidth - window.innerWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().is_some_and(|px| px <= 0),
        "at phone width the form scrolls sideways by {overflow} pixels\n{}",
        b.context()
    );
    b.set_window_size(1280, 900);

    b.find("form.stacked button[type=submit]").click();

    // Back on the account page, the new touchpoint is listed with its kind and date.
    b.wait_for("the account page after saving", || {
        Ok(b.path()? == account_path && b.url()?.contains("notice=created"))
    });
    let row = b.wait_for("the new touchpoint in the list", || {
        let row = b.script(
            "for (const tr of document.querySelectorAll('#touchpoints ~ .table-wrap tbody tr')) \
               if (tr.innerText.includes(arguments[0])) return tr.innerText; \
             return null;",
            json!([note]),
        );
        Ok(row.as_str().map(str::to_string))
    });
    assert!(
        row.contains("Call") && row.contains(&today) && row.contains("Browser Bot"),
        "the touchpoint row should show the kind, date and staff, got {row:?}\n{}",
        b.context()
    );
    b.screenshot(&shots.join("02-account-with-touchpoint.png"));

    // The dashboard (E3): charts drawn on the server, each with a title and its numbers.
    b.go(&format!("{base}/"));
    b.wait_for_text("h1", "Dashboard");
    let charts = b.script(
        "return Array.from(document.querySelectorAll('svg.chart')).map(s => { \
           const r = s.getBoundingClientRect(); \
           return [s.querySelector('title') ? s.querySelector('title').textContent : '', r.width, r.height, s.querySelectorAll('[data-series]').length]; });",
        json!([]),
    );
    let charts = charts.as_array().cloned().unwrap_or_default();
    assert!(
        charts.len() >= 4
            && charts.iter().all(|c| {
                c[0].as_str().is_some_and(|t| !t.is_empty())
                    && c[1].as_f64().unwrap_or(0.0) > 200.0
                    && c[2].as_f64().unwrap_or(0.0) > 40.0
                    && c[3].as_u64().unwrap_or(0) > 0
            }),
        "the dashboard should draw at least four titled charts with their series, got {charts:?}\n{}",
        b.context()
    );
    b.screenshot(&shots.join("04-dashboard.png"));
    b.script(
        "document.querySelector('svg[aria-label=\"Reference requests per month, by status now\"]').scrollIntoView();",
        json!([]),
    );
    b.screenshot(&shots.join("04b-dashboard-references-and-risk.png"));

    // The scorecard (E1), and the rows behind one of its figures.
    b.find_link("Scorecard").click();
    b.wait_for_path("/scorecard");
    b.wait_for_text("h1", "Scorecard");
    b.screenshot(&shots.join("05-scorecard.png"));
    b.find("a[href^='/scorecard/rows?figure=coverage']").click();
    b.wait_for_path("/scorecard/rows");
    b.wait_for_text("h1", "Accounts touched in the last 90 days");

    // The quarterly-review analyzer (E2): paste an agenda, see the verdict.
    b.go(&format!("{base}/quarterly-reviews"));
    b.wait_for_text("h1", "Quarterly reviews");
    b.script(
        "arguments[0].value = arguments[1];",
        json!([b.find("#f-agenda").0, "- Welcome (5 min)\n- Sales pipeline and forecast (50 min)\n- Product roadmap (40 min)\n- Customer satisfaction and churn (15 min)\n"]),
    );
    b.find("form[action^='/quarterly-reviews/analyze'] button[type=submit]")
        .click();
    b.wait_for_text("h1", "Agenda analysis");
    b.wait_for("the verdict", || {
        Ok(b.try_text(".verdict .value")?.as_deref() == Some("sales-driven"))
    });
    b.screenshot(&shots.join("06-quarterly-review.png"));

    // Sign out: back to the sign-in page, and /accounts is closed again.
    b.find("form[action='/logout'] button[type=submit]").click();
    b.wait_for_path("/login");
    b.wait_for_text("h1", "Sign in to peerstage");
    b.go(&format!("{base}/accounts"));
    b.wait_for_path("/login");
    b.wait_for_text("h1", "Sign in to peerstage");
    assert!(
        !b.source().contains(&note) && !b.source().contains("Sign out"),
        "signed out, the sign-in page shows nothing of the session\n{}",
        b.context()
    );

    for (file, min_width, max_width) in [
        ("01-accounts-after-login.png", 1000, 2000),
        ("02-account-with-touchpoint.png", 1000, 2000),
        ("03-touchpoint-form-phone.png", 300, 500),
        ("04-dashboard.png", 1000, 2000),
        ("04b-dashboard-references-and-risk.png", 1000, 2000),
        ("05-scorecard.png", 1000, 2000),
        ("06-quarterly-review.png", 1000, 2000),
    ] {
        let path = shots.join(file);
        let png = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (width, height) =
            png_size(&png).unwrap_or_else(|| panic!("{} is not a PNG image", path.display()));
        assert!(
            png.len() > 10_000 && (min_width..=max_width).contains(&width) && height > 500,
            "{}: {} bytes, {width}x{height} pixels; expected a real screenshot {min_width} to {max_width} pixels wide",
            path.display(),
            png.len()
        );
    }
}

/// Quick capture at an event (D5) on a phone-sized screen: the form fits without sideways
/// scrolling, the kinds are big enough to tap, and a saved note is listed as evidence.
#[test]
fn capture_a_note_about_a_guest_on_a_phone() {
    let Some((chromium, chromedriver)) = browser_or_skip() else {
        return;
    };
    let tmp = TempDir::new();
    let shots = screenshot_dir();
    let db = format!("sqlite://{}", tmp.join("capture.db").display());
    let demo = Command::new(BIN)
        .args(["--database-url", &db, "demo", "--scale", "0.01"])
        .output()
        .expect("run peerstage demo");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    // An event of our own with one guest on its list.
    let (event, guest_name) = {
        use peerstage_core::event::{EventData, GuestData};
        use peerstage_core::Fields;
        let store = peerstage_store::Store::open(&db).expect("open the demo database");
        let contact = store
            .search_contacts(None, 1, 1)
            .expect("contacts")
            .items
            .remove(0);
        let ev = store
            .create_event(
                &EventData::from_fields(&Fields::from_pairs([
                    ("name", "Phone capture summit"),
                    ("kind", "user_group"),
                    ("starts_on", "2026-12-01"),
                    ("time_zone", "Europe/London"),
                ]))
                .unwrap(),
            )
            .unwrap();
        store
            .add_guest(
                ev.id,
                &GuestData::from_fields(&Fields::from_pairs([
                    ("contact_id", contact.id.to_string()),
                    ("rsvp", "yes".to_string()),
                ]))
                .unwrap(),
            )
            .unwrap();
        (ev.id, contact.data.name)
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server_log = tmp.join("server.log");
    let _server = Proc::spawn(
        Command::new(BIN).args([
            "--database-url",
            &db,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ]),
        &server_log,
    );
    wait_until_answers(port, "/healthz", &server_log);
    let driver_port = free_port();
    let driver_log = tmp.join("chromedriver.log");
    let _driver = Proc::spawn(
        Command::new(&chromedriver).arg(format!("--port={driver_port}")),
        &driver_log,
    );
    wait_until_answers(driver_port, "/status", &driver_log);
    let b = Browser::new(driver_port, &chromium, &tmp.join("chrome-profile"));
    b.set_window_size(390, 844);
    b.wait_for("the phone-width layout", || {
        let width = b.script("return window.innerWidth;", json!([]));
        Ok(width.as_u64().is_some_and(|w| w <= 400))
    });

    b.go(&format!("{base}/events/{event}/capture"));
    b.wait_for_path("/login");
    b.find("input[name=email]").send_keys(ADMIN);
    b.find("input[name=password]").send_keys(PASSWORD);
    b.find("form[action='/login'] button[type=submit]").click();
    b.wait_for_path(&format!("/events/{event}/capture"));
    b.wait_for_text("h1", "Phone capture summit");

    let overflow = b.script(
        "return document.documentElement.scrollWidth - window.innerWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().is_some_and(|px| px <= 0),
        "at phone width the capture page scrolls sideways by {overflow} pixels\n{}",
        b.context()
    );
    // Every kind is a tap target at least 44 pixels high, and fits on the screen.
    let sizes = b.script(
        "return Array.from(document.querySelectorAll('label.kind')).map(l => { const r = l.getBoundingClientRect(); return [r.height, r.right]; });",
        json!([]),
    );
    let sizes = sizes.as_array().expect("kind labels");
    assert!(sizes.len() >= 6, "the capture kinds: {sizes:?}");
    for s in sizes {
        let (h, right) = (s[0].as_f64().unwrap(), s[1].as_f64().unwrap());
        assert!(
            h >= 44.0 && right <= 390.0,
            "a kind of {h}px high ending at {right}px\n{}",
            b.context()
        );
    }
    b.find("#f-contact_id option:nth-child(2)").click();
    b.find("label.kind input[value='existential_threat']")
        .click();
    let note = format!(
        "Phone note {}: a marketplace rival could take their customers",
        std::process::id()
    );
    b.find("#f-text").send_keys(&note);
    b.screenshot(&shots.join("07-event-capture-phone.png"));
    b.find("button.capture-save").click();
    b.wait_for("the saved note", || Ok(b.url()?.contains("notice=created")));
    let listed = b.wait_for("the note in the list", || {
        Ok(b.try_text("ul.notes li")?.filter(|t| t.contains(&note)))
    });
    assert!(
        listed.contains(&guest_name) && listed.contains("existential threat"),
        "{listed}"
    );
    // The guest stays chosen for the next note.
    let chosen = b.script(
        "return document.querySelector('#f-contact_id').selectedIndex;",
        json!([]),
    );
    assert_eq!(chosen.as_i64(), Some(1), "{}", b.context());
    b.screenshot(&shots.join("08-event-capture-saved-phone.png"));
    let png = std::fs::read(shots.join("08-event-capture-saved-phone.png")).expect("screenshot");
    let (w, _) = png_size(&png).expect("a PNG");
    assert!(
        (300..=500).contains(&w),
        "a phone-width screenshot, not {w} pixels"
    );
}

// ---------------------------------------------------------------------------------------
// Finding the browser
// ---------------------------------------------------------------------------------------

/// Chromium and chromedriver, or `None` (after a notice) when they are missing outside CI.
fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    let chromium = in_path(&["chromium", "chromium-browser"]);
    let chromedriver = in_path(&["chromedriver"]);
    if let (Some(c), Some(d)) = (&chromium, &chromedriver) {
        return Some((c.clone(), d.clone()));
    }
    let missing = [("chromium", &chromium), ("chromedriver", &chromedriver)]
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(" and ");
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if ci {
        panic!("CI is set but {missing} not found in PATH; .ci/run installs both (apt-get install chromium chromium-driver)");
    }
    // Straight to stderr, past the test harness's capture, so the skip is visible.
    let _ = std::io::stderr().write_all(
        format!(
            "\nNOTICE: browser test skipped: {missing} not found in PATH \
             (apt-get install chromium chromium-driver to run it)\n\n"
        )
        .as_bytes(),
    );
    None
}

fn in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/browser");
    std::fs::create_dir_all(&dir).expect("create target/test-output/browser");
    dir
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

// ---------------------------------------------------------------------------------------
// Processes and folders that clean up after themselves, also when the test panics
// ---------------------------------------------------------------------------------------

/// A child process, killed when dropped; its output goes to a log file.
struct Proc(Child);

impl Proc {
    fn spawn(cmd: &mut Command, log: &Path) -> Proc {
        let out = std::fs::File::create(log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Proc(child)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir()
            .join("peerstage-browser-tests")
            .join(format!("{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// Polls `GET path` until it answers 200; on timeout, fails with the process's log.
fn wait_until_answers(port: u16, path: &str, log: &Path) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match http(port, "GET", path, None) {
            Ok((200, _)) => return,
            last if Instant::now() > deadline => panic!(
                "127.0.0.1:{port}{path} did not answer 200 within {TIMEOUT:?} (last: {last:?}); log {}:\n{}",
                log.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            ),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1, just enough for chromedriver and /healthz
// ---------------------------------------------------------------------------------------

/// One request on a fresh connection; returns the status and the body (JSON, or a string
/// when the body is not JSON).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open despite `Connection: close`, so read the
    // head line by line and then exactly Content-Length bytes of body.
    let err = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(err)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} {path}: bad status line {status_line:?}"))?;
    let (mut length, mut chunked) = (None, false);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(err)? == 0 || line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).map_err(err)?;
        }
        None => {
            reader.read_to_end(&mut body).map_err(err)?;
            if chunked {
                body = unchunk(&body);
            }
        }
    }
    let text = String::from_utf8_lossy(&body);
    let value = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()));
    Ok((status, value))
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

// ---------------------------------------------------------------------------------------
// A small W3C WebDriver client
// ---------------------------------------------------------------------------------------

/// The key of an element reference in W3C WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; deleted (closing Chromium) when dropped.
struct Browser {
    port: u16,
    session: String,
}

/// An element reference: its WebDriver JSON and the browser it lives in.
struct Element<'a>(Value, &'a Browser);

impl Browser {
    fn new(port: u16, chromium: &Path, profile: &Path) -> Browser {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "implicit": 0, "pageLoad": 15000, "script": 5000 },
            "goog:chromeOptions": { "binary": chromium, "args": args },
        } } });
        let (status, value) = http(port, "POST", "/session", Some(&caps))
            .unwrap_or_else(|e| panic!("chromedriver: new session: {e}"));
        let session = value["value"]["sessionId"].as_str().unwrap_or_else(|| {
            panic!("chromedriver could not start Chromium (HTTP {status}): {value}")
        });
        Browser {
            port,
            session: session.to_string(),
        }
    }

    /// A WebDriver command on this session; `Err` carries the WebDriver error code and
    /// message.
    fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.session);
        let (status, mut value) = http(self.port, method, &path, body.as_ref())?;
        if status == 200 {
            return Ok(value["value"].take());
        }
        let v = &value["value"];
        Err(format!(
            "{} ({method} {path}, HTTP {status}): {}",
            v["error"].as_str().unwrap_or("error"),
            v["message"].as_str().unwrap_or(&value.to_string())
        ))
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver: {e}\n{}", self.context()))
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> Result<String, String> {
        let v = self.try_cmd("GET", "/url", None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The current URL's path, without query or fragment.
    fn path(&self) -> Result<String, String> {
        let url = self.url()?;
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        Ok(path.split(['?', '#']).next().unwrap_or("/").to_string())
    }

    fn source(&self) -> String {
        self.try_cmd("GET", "/source", None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Where the browser is and what it shows, for failure messages.
    fn context(&self) -> String {
        let source = self.source();
        let body = source.find("<main").map_or(&source[..], |i| &source[i..]);
        let snippet: String = body.chars().take(1500).collect();
        format!(
            "  at URL: {}\n  page source (from <main>):\n{snippet}",
            self.url().unwrap_or_else(|e| e)
        )
    }

    /// Polls `check` until it gives `Some`/`true`, or fails after `TIMEOUT` saying what it
    /// waited for, where the browser is, and the last error.
    fn wait_for<T: Waitable>(
        &self,
        what: &str,
        mut check: impl FnMut() -> Result<T, String>,
    ) -> T::Out {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let last = match check() {
                Ok(v) => match v.done() {
                    Some(out) => return out,
                    None => None,
                },
                Err(e) => Some(e),
            };
            if Instant::now() > deadline {
                panic!(
                    "timed out after {TIMEOUT:?} waiting for {what}{}\n{}",
                    last.map(|e| format!(" (last error: {e})"))
                        .unwrap_or_default(),
                    self.context()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_path(&self, path: &str) {
        self.wait_for(&format!("the URL path {path}"), || Ok(self.path()? == path));
    }

    fn wait_for_text(&self, css: &str, text: &str) {
        self.wait_for(&format!("{css} to read {text:?}"), || {
            Ok(self.try_text(css)?.as_deref() == Some(text))
        });
    }

    fn try_find(&self, using: &str, value: &str) -> Result<Option<Element<'_>>, String> {
        match self.try_cmd(
            "POST",
            "/element",
            Some(json!({ "using": using, "value": value })),
        ) {
            Ok(v) => Ok(Some(Element(v, self))),
            Err(e) if e.starts_with("no such element") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    fn find(&self, css: &str) -> Element<'_> {
        self.wait_for(&format!("an element matching {css:?}"), || {
            self.try_find("css selector", css)
        })
    }

    /// A link by its exact text, waiting for it to appear.
    fn find_link(&self, text: &str) -> Element<'_> {
        self.wait_for(&format!("a link {text:?}"), || {
            self.try_find("link text", text)
        })
    }

    /// The text of the first element matching `css`, if there is one.
    fn try_text(&self, css: &str) -> Result<Option<String>, String> {
        match self.try_find("css selector", css)? {
            Some(e) => e.try_text().map(Some),
            None => Ok(None),
        }
    }

    /// Runs JavaScript in the page; `args` is a JSON array (elements may be passed).
    fn script(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    fn set_window_size(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Saves a PNG of the viewport.
    fn screenshot(&self, path: &Path) {
        let data = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(data.as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("the screenshot is not base64"));
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = http(self.port, "DELETE", &path, None);
    }
}

impl Element<'_> {
    fn path(&self, action: &str) -> String {
        format!(
            "/element/{}/{action}",
            self.0[ELEMENT_KEY].as_str().unwrap_or_default()
        )
    }

    fn click(&self) {
        self.1.cmd("POST", &self.path("click"), Some(json!({})));
    }

    fn send_keys(&self, text: &str) {
        self.1
            .cmd("POST", &self.path("value"), Some(json!({ "text": text })));
    }

    fn try_text(&self) -> Result<String, String> {
        let v = self.1.try_cmd("GET", &self.path("text"), None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    fn text(&self) -> String {
        self.try_text()
            .unwrap_or_else(|e| panic!("WebDriver: {e}\n{}", self.1.context()))
    }
}

/// What `Browser::wait_for` accepts: `true`, or `Some(value)`.
trait Waitable {
    type Out;
    fn done(self) -> Option<Self::Out>;
}

impl Waitable for bool {
    type Out = ();
    fn done(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Waitable for Option<T> {
    type Out = T;
    fn done(self) -> Option<T> {
        self
    }
}

/// Standard base64 (with or without padding); `None` on any other character.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut nbits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = ((bits << 6) | u32::from(v)) & 0xFFFF;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
        }
    }
    Some(out)
}

#[test]
fn base64_decodes_padded_and_unpadded_text() {
    assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
    assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
    assert_eq!(base64_decode("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
    assert!(base64_decode("not*base64").is_none());
}
