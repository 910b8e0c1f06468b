//! `dars pull` (issue 16, item 1) against a local stand-in for a firm's PropReports API
//! (`propreports_api.py`, a real HTTP server on 127.0.0.1 started by each test): paging with
//! `Page k/n` trailers, a token that expires, a rate-limit refusal, a page cut short, the
//! documented rate limit kept, errors the API reports (not retried), and a pull that lands in the
//! lake exactly as `dars ingest` of the same export does.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::ok;
use common::python::python;
use serde_json::Value;

/// The API server process; killed and reaped on drop.
struct Api {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Api {
    /// Serves `fills` (a PropReports fills export) with the server's `flags`.
    fn start(dir: &Path, fills: &Path, flags: &[&str]) -> Api {
        let log = dir.join(format!("api-{}.log", std::process::id() ^ rand_suffix()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/propreports_api.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--fills")
            .arg(fills)
            .arg("--log")
            .arg(&log)
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the API server: {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("reading the port: {e}"));
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("the API server printed {line:?}: {e}"));
        Api {
            child,
            url: format!("http://127.0.0.1:{port}/api.php"),
            log,
        }
    }

    /// Every request the server saw: its fields (password removed), status and time.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// `dars ARGS` in `dir` with the API at `url` and the login `user`/`password` (nothing else of
/// the caller's PropReports settings leaks in).
fn dars_pull(dir: &Path, url: &str, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dars"))
        .args(args)
        .current_dir(dir)
        .env_remove("DARS_PROPREPORTS_USER")
        .env_remove("DARS_PROPREPORTS_PASSWORD")
        .env("DARS__PROPREPORTS__URL", url)
        .env("DARS_PROPREPORTS_USER", "jdoe")
        .env("DARS_PROPREPORTS_PASSWORD", password)
        .output()
        .unwrap_or_else(|e| panic!("running dars {args:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn action(r: &Value) -> &str {
    r["fields"]["action"].as_str().unwrap_or("")
}

const EVERYTHING: [&str; 4] = ["--from", "2000-01-01", "--to", "2099-12-31"];

/// A simulated firm's fills, pulled through every kind of trouble the API can cause, land in the
/// lake exactly as `dars ingest` of the same export: the same daily table; pulling again changes
/// nothing; the rate limit is kept.
#[test]
fn a_pull_pages_through_trouble_and_lands_as_the_export_would() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    common::simulate(dir, 3, 60, 7);
    let fills = dir.join("sim/fills.csv");
    let records = std::fs::read_to_string(&fills)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    // Small pages so that the pull needs more requests than the rate limit allows at once; the
    // token dies after 25 uses; request 5 is refused as over the rate and request 9 is cut short.
    let page_size = records.div_ceil(70).max(1).to_string();
    let api = Api::start(
        dir,
        &fills,
        &[
            "--page-size",
            &page_size,
            "--token-requests",
            "25",
            "--refuse-request",
            "5",
            "--truncate-request",
            "9",
        ],
    );
    let pulled_dir = dir.join("pulled");
    std::fs::create_dir_all(&pulled_dir).unwrap_or_else(|e| panic!("{e}"));
    let mut args = vec!["pull"];
    args.extend(EVERYTHING);
    args.extend(["--data", "data"]);
    let out = dars_pull(&pulled_dir, &api.url, "aardvark123", &args);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("pulled 1 export(s) ({records} fills)")),
        "{said}"
    );
    assert!(
        said.contains(" paced under the rate limit") && !said.contains(" 0 paced"),
        "more pages than the rate allows at once: the client waited: {said}"
    );

    let log = api.requests();
    let fills_asked: Vec<&Value> = log.iter().filter(|r| action(r) == "fills").collect();
    let pages = fills_asked
        .iter()
        .filter_map(|r| r["fields"]["page"].as_str()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    assert!(pages >= 60, "{pages} pages");
    // Every page asked for once, and once more after the rate refusal, the page cut short and
    // each refusal of an expired token (after which the client logged in again).
    let token_refusals = fills_asked.iter().filter(|r| r["status"] == 500).count();
    let logins = log.iter().filter(|r| action(r) == "login").count();
    assert!(
        token_refusals >= 2,
        "the token expired every 25 requests: {log:#?}"
    );
    assert_eq!(logins, token_refusals + 1, "one login, then one per expiry");
    assert_eq!(
        fills_asked.len(),
        pages as usize + 2 + token_refusals,
        "{log:#?}"
    );
    assert!(
        fills_asked
            .iter()
            .all(|r| r["fields"]["page"].as_str().is_some()),
        "a page is always asked for, so that a cut is seen"
    );
    assert_eq!(
        log.iter().filter(|r| r["status"] == 429).count(),
        1,
        "only the scripted refusal: the pull kept under the rate limit"
    );
    // Never more than the documented 40 requests in any 4 s, as the server saw them (the client
    // sends at most 30; the server's clock adds each answer's latency).
    let times: Vec<f64> = log.iter().filter_map(|r| r["t"].as_f64()).collect();
    let busiest = times
        .iter()
        .map(|&t| times.iter().filter(|&&u| u >= t && u < t + 4.0).count())
        .max()
        .unwrap_or(0);
    assert!(busiest <= 40, "{busiest} requests within 4 s");
    assert_eq!(log.last().map(action), Some("logout"));

    // The same export ingested as a file gives the same daily table.
    let filed_dir = dir.join("filed");
    std::fs::create_dir_all(&filed_dir).unwrap_or_else(|e| panic!("{e}"));
    let fills_arg = fills.display().to_string();
    ok(&filed_dir, &["ingest", &fills_arg]);
    let pulled = ok(&pulled_dir, &["export", "daily"]);
    let filed = ok(&filed_dir, &["export", "daily"]);
    assert!(pulled.lines().count() > 100, "{pulled}");
    assert_eq!(pulled, filed);

    // Pulling the same days again changes nothing.
    let again = dars_pull(&pulled_dir, &api.url, "aardvark123", &args);
    let said = text(&again);
    assert!(again.status.success(), "{said}");
    assert!(said.contains("nothing changed"), "{said}");
    assert!(said.contains("lake unchanged"), "{said}");
    assert_eq!(ok(&pulled_dir, &["export", "daily"]), filed);
}

/// What the API reports is shown as it said it and not retried; a page cut short twice, a
/// refused login, an unsafe address or a missing login stop the pull, and the lake stays as it
/// was (here: never created).
#[test]
fn errors_are_reported_as_the_api_said_them_and_leave_the_lake_alone() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    common::simulate(dir, 2, 30, 11);
    let fills = dir.join("sim/fills.csv");
    let mut args = vec!["pull"];
    args.extend(EVERYTHING);

    let api = Api::start(dir, &fills, &[]);
    // Days without fills: an empty answer (`Page 1/0`), nothing to ingest, not an error.
    let quiet = ["pull", "--from", "1990-01-01", "--to", "1990-01-31"];
    let out = dars_pull(dir, &api.url, "aardvark123", &quiet);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("no fills between 1990-01-01 and 1990-01-31")
            && said.contains("1 request(s) answered no fills"),
        "{said}"
    );
    let mut one = args.clone();
    one.extend(["--account", "NOPE01"]);
    let out = dars_pull(dir, &api.url, "aardvark123", &one);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("Invalid account: NOPE01"), "{said}");
    assert!(said.contains("account NOPE01"), "names the request: {said}");
    let log = api.requests();
    assert_eq!(
        log.iter().filter(|r| action(r) == "fills").count(),
        2,
        "the quiet month, then the unknown account once: an error the API reports is not \
         retried: {log:#?}"
    );

    let out = dars_pull(dir, &api.url, "Zq9-not-the-password", &args);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("refused the login of user jdoe")
            && said.contains("Invalid user or password"),
        "{said}"
    );
    assert!(
        !said.contains("Zq9-not-the-password"),
        "the password is never shown: {said}"
    );
    drop(api);

    let api = Api::start(dir, &fills, &["--always-truncate"]);
    let out = dars_pull(dir, &api.url, "aardvark123", &args);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("cut short"), "{said}");
    assert_eq!(
        api.requests()
            .iter()
            .filter(|r| action(r) == "fills")
            .count(),
        2,
        "a page cut short is asked for once more, then refused"
    );
    drop(api);

    let out = dars_pull(dir, "http://example.com/api.php", "aardvark123", &args);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("https://"), "{said}");

    let out = Command::new(env!("CARGO_BIN_EXE_dars"))
        .args(&args)
        .current_dir(dir)
        .env(
            "DARS__PROPREPORTS__URL",
            "https://firm.propreports.com/api.php",
        )
        .env_remove("DARS_PROPREPORTS_USER")
        .env_remove("DARS_PROPREPORTS_PASSWORD")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("DARS_PROPREPORTS_USER"), "{said}");

    assert!(
        !dir.join("data").exists(),
        "nothing was ingested, nothing was written"
    );
}
