//! The morning run and the REST API through the real binary: predict → tokens → `dars serve`
//! on loopback, then every endpoint with no token (401), a trader's token (own account only,
//! 403 otherwise and audited) and a manager's; the OpenAPI document against the checked-in
//! `docs/openapi.json`; overrides; and the audit chain, intact and then tampered with.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod common;
use common::{ok as dars, simulate_with, train_and_publish};

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> (Server, String) {
    std::fs::create_dir_all(dir.join("site")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("site/index.html"), "<html></html>").unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_dars"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--web-dir",
            "site",
            "--no-schedule",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting dars serve: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("dars serve exited before printing its URL"))
            .unwrap_or_default();
        if let Some(rest) = line.strip_prefix("DARS is serving on ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    (server, url)
}

struct Reply {
    status: u16,
    body: serde_json::Value,
}

fn call(method: &str, url: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let res = match (method, body) {
        ("POST", Some(b)) => {
            let mut req = agent.post(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send_json(&b)
        }
        _ => {
            let mut req = agent.get(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
    };
    let mut res = res.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {url} answered non-JSON ({e}): {text}"));
    Reply { status, body }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[test]
fn api_roles_openapi_overrides_and_audit() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    // No maximum drawdown: the simulated traders lose fast enough that the firm's $25,000 rule
    // would leave a four-trader firm with new hires only, and this test needs traders the
    // model scores.
    simulate_with(dir, 4, 150, 3, &["--max-drawdown", "1000000000"]);
    dars(dir, &["ingest", "sim/fills.csv"]);
    // A four-trader firm rarely beats the rules with an interval above zero: publish by hand.
    train_and_publish(dir, &[]);
    // A short backtest, for `/api/backtest`.
    dars(dir, &common::with_fit("backtest", &["--last-days", "20"]));
    let printed = dars(dir, &["predict"]);
    let run: serde_json::Value =
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("predict JSON: {e}\n{printed}"));
    let traders = run["traders"].as_array().cloned().unwrap_or_default();
    assert!(traders.len() >= 3, "{printed}");
    assert!(
        traders
            .iter()
            .all(|t| t.get("explanation").is_none() && t["decision"]["text"].is_string()),
        "printed traders carry decisions, not the full SHAP detail"
    );
    // Every trader's decision is coherent: tier and cut agree, the sentence states it, a rule is
    // named only when it cut, no reason twice, and the system column is the decision's.
    for t in &traders {
        let d: dars_shared::decision::Decision = serde_json::from_value(t["decision"].clone())
            .unwrap_or_else(|e| panic!("decision of {t}: {e}"));
        assert!(d.check().is_empty(), "{}: {:?}", t["account_id"], d.check());
        assert_eq!(t["system"].as_str(), Some(d.decided_by.system().as_str()));
    }
    // Two traders the model scored (a trader hired a few days ago, after the firm let someone
    // go, is decided by the rules alone and has no SHAP explanation to serve).
    let scored: Vec<String> = traders
        .iter()
        .filter(|t| t["probability"].is_number())
        .filter_map(|t| t["account_id"].as_str().map(str::to_owned))
        .collect();
    assert!(scored.len() >= 2, "{printed}");
    let (me, other) = (scored[0].clone(), scored[1].clone());

    let manager = dars(
        dir,
        &["token", "create", "--role", "manager", "--name", "desk"],
    );
    let manager = manager.trim();
    let trader = dars(
        dir,
        &[
            "token",
            "create",
            "--role",
            "trader",
            "--account",
            &me,
            "--name",
            "alice",
        ],
    );
    let trader = trader.trim();
    let (_server, base) = serve(dir);
    // The promotion history names operators: a manager sees it, a trader an empty list, and
    // the registry's file is not a static file (issue #15 item 10).
    let models = format!("{base}/api/models");
    let seen = call("GET", &models, Some(manager), None);
    assert!(
        seen.body["history"]
            .as_array()
            .is_some_and(|h| !h.is_empty()),
        "{}",
        seen.body
    );
    let hidden = call("GET", &models, Some(trader), None);
    assert_eq!(
        hidden.body["history"],
        serde_json::json!([]),
        "{}",
        hidden.body
    );
    let version = run["model_version"].as_str().unwrap_or_default().to_owned();

    // The document served is the one checked in: an API change is always a reviewed diff.
    let doc = call("GET", &format!("{base}/api/openapi.json"), None, None);
    assert_eq!(doc.status, 200);
    let golden = repo_root().join("docs/openapi.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(&doc.body).unwrap_or_default() + "\n";
        std::fs::write(&golden, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let checked_in: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        doc.body, checked_in,
        "the API changed: review it and refresh docs/openapi.json with UPDATE_GOLDEN=1 cargo test -p dars --test api"
    );

    // Every schema is typed: no bare `{"type": "object"}` (issue #14 item 4).
    let mut untyped = Vec::new();
    untyped_objects(&doc.body, "", &mut untyped);
    assert!(
        untyped.is_empty(),
        "untyped objects in the API: {untyped:?}"
    );

    // Every documented operation, under every role.
    let paths = doc.body["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 7, "{paths:?}");
    for (path, ops) in &paths {
        let concrete = |account: &str| {
            path.replace("{account}", account)
                .replace("{version}", &version)
        };
        for method in ops
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_else(Vec::<String>::new)
        {
            // A path documented with "For managers only" refuses trader tokens.
            let manager_only = ops[&method]["responses"]["403"]["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("For managers only"));
            let method = method.to_uppercase();
            let body = (method == "POST").then(
                || serde_json::json!({ "account_id": other, "new_limit": 2500, "reason": "test" }),
            );
            let public = path == "/api/health";
            let anon = call(
                &method,
                &format!("{base}{}", concrete(&me)),
                None,
                body.clone(),
            );
            if public {
                assert_eq!(anon.status, 200, "{method} {path}");
                continue;
            }
            assert_eq!(anon.status, 401, "{method} {path} without a token");
            assert!(anon.body["error"].is_string());
            let bad = call(
                &method,
                &format!("{base}{}", concrete(&me)),
                Some("dars_wrong"),
                body.clone(),
            );
            assert_eq!(bad.status, 401, "{method} {path} with an unknown token");

            let as_manager = call(
                &method,
                &format!("{base}{}", concrete(&other)),
                Some(manager),
                body.clone(),
            );
            assert!(
                matches!(as_manager.status, 200 | 201),
                "{method} {path} as manager: {} {}",
                as_manager.status,
                as_manager.body
            );
            conforms(&doc.body, path, &method, &as_manager);
            let own = call(
                &method,
                &format!("{base}{}", concrete(&me)),
                Some(trader),
                body.clone(),
            );
            if own.status == 200 {
                conforms(&doc.body, path, &method, &own);
            }
            let others = call(
                &method,
                &format!("{base}{}", concrete(&other)),
                Some(trader),
                body,
            );
            if path.contains("{account}") {
                assert_eq!(own.status, 200, "{method} {path} own account: {}", own.body);
                assert_eq!(
                    others.status, 403,
                    "{method} {path} another trader's account"
                );
            } else if method == "POST" || manager_only {
                assert_eq!(others.status, 403, "{method} {path}: for managers only");
            } else {
                assert_eq!(own.status, 200, "{method} {path} as trader: {}", own.body);
            }
        }
    }

    // A trader's firm-wide view holds only their own account.
    let mine = call("GET", &format!("{base}/api/risk"), Some(trader), None);
    let ids: Vec<&str> = mine.body["traders"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["account_id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![me.as_str()]);
    let all = call("GET", &format!("{base}/api/risk"), Some(manager), None);
    assert_eq!(
        all.body["traders"].as_array().map(Vec::len),
        Some(traders.len())
    );

    // The manager's override shows on the trader's page data.
    let page = call(
        "GET",
        &format!("{base}/api/traders/{other}"),
        Some(manager),
        None,
    );
    assert_eq!(
        page.body["overrides"][0]["new_limit"], 2500.0,
        "{}",
        page.body
    );
    let shap = call(
        "GET",
        &format!("{base}/api/traders/{me}/explanation"),
        Some(trader),
        None,
    );
    let sum: f64 = shap.body["margin_contributions"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).sum())
        .unwrap_or(f64::NAN);
    let margin = shap.body["margin"].as_f64().unwrap_or(f64::NAN)
        - shap.body["margin_base"].as_f64().unwrap_or(f64::NAN);
    assert!((sum - margin).abs() < 1e-9, "SHAP values sum to the margin");
    let missing = call(
        "GET",
        &format!("{base}/api/nothing-here"),
        Some(manager),
        None,
    );
    assert_eq!(missing.status, 404);
    assert!(missing.body["error"].is_string());

    // The audit trail holds predictions, the override and the refusals, and verifies.
    let verified = dars(dir, &["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    let db =
        rusqlite::Connection::open(dir.join("data/audit.sqlite")).unwrap_or_else(|e| panic!("{e}"));
    let count = |kind: &str| -> i64 {
        db.query_row("SELECT COUNT(*) FROM audit WHERE kind = ?1", [kind], |r| {
            r.get(0)
        })
        .unwrap_or(0)
    };
    assert_eq!(count("prediction"), traders.len() as i64);
    assert!(count("access_denied") >= 3);
    assert!(count("override") >= 1);
    assert_eq!(count("promotion"), 1);
    db.execute("UPDATE audit SET actor = 'someone else' WHERE id = 2", [])
        .unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_dars"))
        .args(["audit", "verify"])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("row 2"), "{err}");
}

/// `GET /api/policy` hands out the policy the morning run decides with: a manager gets every
/// per-account loss limit of `config.yaml`, a trader only its own accounts', no token is 401;
/// the rest is the policy published with the current model.
#[test]
fn policy_endpoint_gives_each_role_its_loss_limits() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate_with(dir, 4, 150, 5, &["--max-drawdown", "1000000000"]);
    std::fs::write(
        dir.join("config.yaml"),
        "risk:\n  restrict_share: 0.40\n  high_share: 0.15\n  base_loss_limit: 4000\n  \
         loss_limits:\n    NET001: 8000\n    NET002: 2500\n  tiers:\n    moderate_cut: 0.3\n    \
         high_cut: 0.6\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    dars(dir, &["ingest", "sim/fills.csv"]);
    // `--config config.yaml` is the default: training publishes this policy's public copy.
    train_and_publish(dir, &[]);
    let printed = dars(dir, &["predict"]);
    let run: serde_json::Value =
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("predict JSON: {e}\n{printed}"));
    let manager = dars(dir, &["token", "create", "--role", "manager"]);
    let manager = manager.trim();
    let trader = dars(
        dir,
        &["token", "create", "--role", "trader", "--account", "NET001"],
    );
    let trader = trader.trim();
    let other = dars(
        dir,
        &["token", "create", "--role", "trader", "--account", "NET003"],
    );
    let other = other.trim();
    let (_server, base) = serve(dir);
    let url = format!("{base}/api/policy");

    let anon = call("GET", &url, None, None);
    assert_eq!(anon.status, 401, "{}", anon.body);
    assert!(anon.body["error"].is_string());
    assert_eq!(call("GET", &url, Some("dars_wrong"), None).status, 401);

    let all = call("GET", &url, Some(manager), None);
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["loss_limits"], "all");
    assert_eq!(all.body["published"], true, "{}", all.body);
    let current = std::fs::read_link(dir.join("models/current")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        all.body["model_version"].as_str(),
        current.file_name().and_then(|n| n.to_str())
    );
    let policy = &all.body["policy"];
    assert_eq!(
        policy["loss_limits"],
        serde_json::json!({ "NET001": 8000.0, "NET002": 2500.0 })
    );
    assert_eq!(policy["base_loss_limit"], 4000.0);
    assert_eq!(policy["threshold"]["rule"], "restrict_share");
    assert_eq!(policy["threshold"]["share"], 0.4);
    assert_eq!(policy["tiers"]["high_cut"], 0.6);
    // Without its per-account limits it is exactly the policy published with the model.
    let mut public = policy.clone();
    public.as_object_mut().map(|o| o.remove("loss_limits"));
    let published: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("models/current/policy.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(public, published);
    // ... and the limits are the ones the morning run decided with.
    for t in run["traders"].as_array().cloned().unwrap_or_default() {
        let account = t["account_id"].as_str().unwrap_or_default();
        let want = policy["loss_limits"][account].as_f64().unwrap_or(4000.0);
        assert_eq!(
            t["decision"]["base_limit"].as_f64(),
            Some(want),
            "{account}"
        );
    }

    let mine = call("GET", &url, Some(trader), None);
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["loss_limits"], "own");
    assert_eq!(
        mine.body["policy"]["loss_limits"],
        serde_json::json!({ "NET001": 8000.0 })
    );
    assert_eq!(mine.body["policy"]["threshold"], policy["threshold"]);
    // A trader without a limit of their own sees none of anyone else's.
    let theirs = call("GET", &url, Some(other), None);
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(
        theirs.body["policy"].get("loss_limits").is_none(),
        "{}",
        theirs.body
    );
    assert!(
        !theirs.body.to_string().contains("NET00"),
        "{}",
        theirs.body
    );
}

/// Raw GET: (status, body).
fn get_raw(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = res.status().as_u16();
    (status, res.body_mut().read_to_string().unwrap_or_default())
}

/// Static files never leave their folder (issue #15 item 5): a link inside a mount that leads
/// out of it (to a raw export in the data directory, to /etc/passwd) is not served, while `models/current`,
/// a link inside the registry, is; `/demo` is served only when a demo folder is given; and a
/// mount that holds the data directory is refused at start-up.
#[cfg(unix)]
#[test]
fn static_files_never_leave_their_folder() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let write = |p: &str, text: &str| {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("models/v1/model.json", "{\"model\": 1}");
    write("data/raw/export.csv", "SECRET-RAW-EXPORT");
    write("data/demo/fills.csv", "Date/Time,Account\nSECRET-FILLS");
    symlink("v1", dir.join("models/current")).unwrap_or_else(|e| panic!("{e}"));
    symlink(dir.join("data/raw/export.csv"), dir.join("models/audit"))
        .unwrap_or_else(|e| panic!("{e}"));
    symlink("/etc/passwd", dir.join("models/passwd")).unwrap_or_else(|e| panic!("{e}"));
    symlink(dir.join("data"), dir.join("models/data")).unwrap_or_else(|e| panic!("{e}"));
    let (_server, base) = serve(dir);
    let (status, body) = get_raw(&format!("{base}/models/current/model.json"));
    assert_eq!((status, body.as_str()), (200, "{\"model\": 1}"));
    for path in [
        "/models/audit",
        "/models/passwd",
        "/models/data/raw/export.csv",
        "/demo/fills.csv",
    ] {
        let (status, body) = get_raw(&format!("{base}{path}"));
        assert!(
            !body.contains("SECRET") && !body.contains("root:"),
            "{path} served {status}: {body}"
        );
    }
    drop(_server);
    // A static mount holding the data directory is refused, and so is one inside the lake's
    // raw exports.
    write("index.html", "<html></html>");
    for mount in [
        &["--web-dir", "."][..],
        &["--web-dir", "site", "--demo-dir", "data/raw"],
    ] {
        let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--no-schedule"];
        args.extend_from_slice(mount);
        let out = common::dars(dir, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("refusing to serve"),
            "{mount:?}: {err}"
        );
    }
}

/// Issue #15 item 6: revoking a token with `dars token revoke` refuses it from the next request
/// to a server that is already running; `dars token list` shows it revoked.
#[test]
fn a_revoked_token_is_refused_from_the_next_request() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let token = dars(
        dir,
        &["token", "create", "--role", "manager", "--name", "desk"],
    );
    let token = token.trim();
    let (_server, base) = serve(dir);
    let url = format!("{base}/api/models");
    assert_eq!(call("GET", &url, Some(token), None).status, 200);
    let listed = dars(dir, &["token", "list"]);
    let id = listed
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("no token listed: {listed}"))
        .to_owned();
    assert!(
        listed.contains("active") && listed.contains("desk"),
        "{listed}"
    );
    dars(dir, &["token", "revoke", &id, "--by", "test"]);
    let refused = call("GET", &url, Some(token), None);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(dars(dir, &["token", "list"]).contains("revoked"));
}

/// Issue #15 item 12: a client that announces a body and sends it a few bytes at a time gets
/// `408` once the body deadline (5 s) has passed, and the connection is closed, instead of
/// holding it open for as long as it trickles.
#[test]
fn a_slow_body_is_cut_off() {
    use std::io::{Read as _, Write as _};
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let token = dars(
        dir,
        &["token", "create", "--role", "manager", "--name", "desk"],
    );
    let (_server, base) = serve(dir);
    let addr = base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    conn.set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/overrides HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 400\r\n\r\n",
        token.trim()
    );
    conn.write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut closed = false;
    // One byte every 200 ms, for up to 20 s: the server must answer and close long before.
    while started.elapsed() < std::time::Duration::from_secs(20) {
        if conn.write_all(b" ").is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 4096];
        match conn.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    let waited = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "after {waited:?}: {text}");
    assert!(text.contains("did not arrive within 5 s"), "{text}");
    assert!(closed, "the connection stayed open for {waited:?}");
    assert!(waited < std::time::Duration::from_secs(10), "{waited:?}");
    // A body sent at once is unaffected.
    let quick = call(
        "POST",
        &format!("{base}/api/overrides"),
        Some(token.trim()),
        Some(serde_json::json!({"account_id": "NET001", "new_limit": 1000.0, "reason": "test"})),
    );
    assert_ne!(quick.status, 408, "{}", quick.body);
}

/// Issue #15 item 12: a stray or unreadable file in `data/predictions/` is skipped, not a 500
/// (nor a server that will not start).
#[test]
fn a_stray_file_among_the_runs_is_skipped() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("data/predictions")).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in [("notes.json", "{}"), ("2025-01-02.json", "{not json")] {
        std::fs::write(dir.join("data/predictions").join(name), text)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let token = dars(dir, &["token", "create", "--role", "manager"]);
    let (_server, base) = serve(dir);
    let reply = call("GET", &format!("{base}/api/risk"), Some(token.trim()), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.is_null(), "{}", reply.body);
}

/// Our failures are 500 with a reference only: the cause (here an unreadable model file and
/// its path) goes to the server's log, never to the client (issue #14 item 4).
#[test]
fn an_internal_error_gives_a_reference_not_the_cause() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let token = dars(dir, &["token", "create", "--role", "manager"]);
    let version = dir.join("models/20260101-000000-deadbeef");
    std::fs::create_dir_all(&version).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(version.join("model.json"), "{not json").unwrap_or_else(|e| panic!("{e}"));
    let (_server, base) = serve(dir);
    let reply = call(
        "GET",
        &format!("{base}/api/models"),
        Some(token.trim()),
        None,
    );
    assert_eq!(reply.status, 500, "{}", reply.body);
    let text = reply.body["error"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("internal error (reference ") && text.ends_with(" in the server's log)"),
        "{text}"
    );
    for leak in ["model.json", "deadbeef", &dir.display().to_string()] {
        assert!(!text.contains(leak), "{text} names {leak}");
    }
    // The caller's mistakes still say what is wrong.
    let reply = call(
        "POST",
        &format!("{base}/api/overrides"),
        Some(token.trim()),
        Some(serde_json::json!({ "account_id": "NET001", "new_limit": -5, "reason": "x" })),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("at least 0")),
        "{}",
        reply.body
    );
    let reply = call(
        "POST",
        &format!("{base}/api/overrides"),
        Some(token.trim()),
        Some(serde_json::json!({
            "account_id": "NET001", "new_limit": 100, "reason": "x", "date": "2024-01-02"
        })),
    );
    assert_eq!(reply.status, 404, "{}", reply.body);
}

/// JSON pointers of the schemas in `v` that say `"type": "object"` and nothing of their shape
/// (no properties, no additional properties, no reference or composition).
fn untyped_objects(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            let is_object = map.get("type").is_some_and(|t| {
                t == "object"
                    || t.as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "object"))
            });
            let shaped = [
                "properties",
                "additionalProperties",
                "$ref",
                "allOf",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| map.contains_key(*k));
            if is_object && !shaped {
                out.push(at.to_owned());
            }
            for (k, x) in map {
                untyped_objects(x, &format!("{at}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                untyped_objects(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Asserts that an answer is what the document promises: its body validates against the JSON
/// schema documented for that path, method and status (OpenAPI 3.1 schemas are JSON Schema
/// 2020-12), so a typed schema cannot drift from what a handler sends.
fn conforms(doc: &serde_json::Value, path: &str, method: &str, answer: &Reply) {
    let documented = &doc["paths"][path][method.to_lowercase()]["responses"]
        [answer.status.to_string()]["content"]["application/json"]["schema"];
    let Some(schema) = documented.as_object() else {
        panic!(
            "{method} {path}: no JSON schema documented for {}",
            answer.status
        );
    };
    // References point into the document's components: carry them along.
    let mut root = schema.clone();
    root.insert("components".into(), doc["components"].clone());
    let validator = jsonschema::draft202012::new(&serde_json::Value::Object(root))
        .unwrap_or_else(|e| panic!("{method} {path}: the schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&answer.body)
        .take(5)
        .map(|e| format!("{e} (at {})", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} answered {} off its schema: {errors:#?}",
        answer.status
    );
}

/// The page sizes futures with the server's table (issue #16 item 3) and scores with the lake's
/// market series (item 7): `GET /instruments.json` answers `config.yaml`'s `instruments`, `GET
/// /market.json` the series, both with no token (exchange facts, not a firm's data).
#[test]
fn the_futures_table_and_the_market_series_are_served_to_the_page() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    std::fs::write(
        dir.join("config.yaml"),
        "instruments:\n  futures:\n    ES: {multiplier: 50, tick: 0.25}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (server, base) = serve(dir);
    let (status, body) = get_raw(&format!("{base}/instruments.json"));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["futures"]["ES"]["multiplier"], 50.0, "{body}");
    assert_eq!(v["futures"]["ES"]["tick"], 0.25, "{body}");
    // No market series in the lake yet: 404, which the page reads as "none".
    assert_eq!(get_raw(&format!("{base}/market.json")).0, 404);
    drop(server);
    // The lake's market series, as ingested (issue #16 item 7).
    std::fs::write(
        dir.join("vix.csv"),
        "DATE,VIXCLS\n2025-03-03,22.78\n2025-03-04,.\n2025-03-05,21.93\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    common::ok(dir, &["ingest", "vix.csv"]);
    let (_server, base) = serve(dir);
    let (status, body) = get_raw(&format!("{base}/market.json"));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["name"], "VIXCLS", "{body}");
    assert_eq!(
        v["points"][1],
        serde_json::json!(["2025-03-05", 21.93]),
        "{body}"
    );
}
