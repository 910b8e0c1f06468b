//! Encryption at rest of the data directory (issue #15 item 13), through the real binary: with
//! `DARS_DATA_KEY` every lake file is Parquet with an encrypted footer and columns, the raw
//! exports are sealed streams, the reconciliation, rejections, prediction runs and backtests are
//! sealed files, the audit database is SQLCipher, and no file under `data/` (but the alerts'
//! outbox) holds an account id in clear; the daily table reads back the same as a lake in the
//! clear, `dars cat` gives back what was sealed, a missing or wrong key is a clear error, a file
//! moved to another partition does not open, a file in the clear is refused, `dars keys rotate`
//! moves a data directory from the clear to a key and from one key to another, and a rotation
//! killed (SIGKILL) at 14 points leaves every file readable under one of the two keys.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{ok, simulate, with_fit};

const K1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const K2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// `dars ARGS` in `dir` with `env` set and the data-key variables otherwise unset.
fn dars_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dars"));
    for var in [
        "DARS_DATA_KEY",
        "DARS_DATA_KEY_FILE",
        "DARS_DATA_KEY_PREVIOUS",
        "DARS_DATA_KEY_PREVIOUS_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running dars {args:?}: {e}"))
}

fn ok_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = dars_env(dir, env, args);
    assert!(
        out.status.success(),
        "dars {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The error `dars ARGS` fails with.
fn refused(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = dars_env(dir, env, args);
    assert!(!out.status.success(), "dars {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn parquet_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_lake_is_encrypted_under_its_key_and_rotates() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 3, 100, 11);
    // A file with a rejected row, so that the lake lists rejections.
    std::fs::write(
        dir.join("odd.csv"),
        "Date/Time,Account,B/S,Qty,Symbol,Price\n\
         01/05/2026 10:00:00,QQQ77,B,10,XYZ,1.00\n\
         01/05/2026 10:05:00,QQQ77,S,10,XYZ,not-a-price\n\
         01/05/2026 10:06:00,QQQ77,S,10,XYZ,1.10\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let k1 = [("DARS_DATA_KEY", K1)];
    // The same exports into an encrypted lake and into one in the clear.
    let said = ok_env(
        dir,
        &k1,
        &["ingest", "sim/fills.csv", "sim/totals.csv", "odd.csv"],
    );
    assert!(said.contains("1 rejected"), "{said}");
    ok_env(
        dir,
        &[],
        &[
            "ingest",
            "sim/fills.csv",
            "sim/totals.csv",
            "odd.csv",
            "--data",
            "clear",
        ],
    );
    let accounts: Vec<String> = ok(dir, &["export", "daily", "--data", "clear"])
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
        .collect();
    assert!(!accounts.is_empty());

    // Every lake file has the encrypted footer's magic, and no account id in clear.
    let files = parquet_files(&dir.join("data/lake"));
    // Fills, totals and the daily table, a file a month each.
    assert!(files.len() > 12, "{} lake files", files.len());
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(bytes.ends_with(b"PARE"), "{} is not encrypted", f.display());
        for a in &accounts {
            assert!(
                !bytes.windows(a.len()).any(|w| w == a.as_bytes()),
                "{} holds {a} in clear",
                f.display()
            );
        }
    }
    // The files in the clear do hold them (the check above can fail).
    let clear: Vec<Vec<u8>> = parquet_files(&dir.join("clear/lake"))
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert!(clear.iter().all(|b| b.ends_with(b"PAR1")));
    assert!(clear.iter().any(|b| {
        accounts
            .iter()
            .any(|a| b.windows(a.len()).any(|w| w == a.as_bytes()))
    }));

    // Read back: the same daily table as the lake in the clear.
    let expected = ok(dir, &["export", "daily", "--data", "clear"]);
    assert_eq!(ok_env(dir, &k1, &["export", "daily"]), expected);

    // The morning run's file is sealed too, and reads back (the next run compares with it).
    ok_env(dir, &k1, &["predict"]);
    let runs: Vec<_> = std::fs::read_dir(dir.join("data/predictions"))
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|e| e.unwrap_or_else(|e| panic!("{e}")).path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let sealed = std::fs::read(&runs[0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(sealed.starts_with(b"DARS-SEALED-1"));
    for a in &accounts {
        assert!(
            !sealed.windows(a.len()).any(|w| w == a.as_bytes()),
            "{a} in clear"
        );
    }
    ok_env(dir, &k1, &["predict"]);
    let e = refused(dir, &[], &["predict"]);
    assert!(e.contains("encrypted"), "{e}");
    // A token, and the audit trail that holds it, under the key.
    let account = accounts[0].as_str();
    ok_env(
        dir,
        &k1,
        &[
            "token",
            "create",
            "--name",
            "t",
            "--role",
            "trader",
            "--account",
            account,
        ],
    );
    assert!(ok_env(dir, &k1, &["audit", "verify"]).contains("intact"));
    let e = refused(dir, &[], &["audit", "verify"]);
    assert!(e.contains("is encrypted: set DARS_DATA_KEY"), "{e}");
    let e = refused(dir, &[("DARS_DATA_KEY", K2)], &["audit", "verify"]);
    assert!(e.contains("does not open under data key"), "{e}");
    // A backtest's outputs; inside the data directory only under backtests/, where a
    // rotation finds them.
    ok_env(dir, &k1, &with_fit("backtest", &["--last-days", "10"]));
    let e = refused(
        dir,
        &k1,
        &with_fit(
            "backtest",
            &["--last-days", "10", "--out", "data/lake/x.csv"],
        ),
    );
    assert!(e.contains("outside its backtests/ folder"), "{e}");

    // Each kind of file is sealed its way.
    let raw = files_under(&dir.join("data/raw"));
    assert_eq!(raw.len(), 3, "{raw:?}");
    assert!(raw.iter().all(|p| starts(p, b"DARS-STREAM-1\n")));
    let sealed_whole: Vec<_> = [
        files_under(&dir.join("data/lake/rejections")),
        files_under(&dir.join("data/backtests")),
        vec![dir.join("data/lake/reconciliation.csv")],
    ]
    .concat();
    assert_eq!(sealed_whole.len(), 5, "{sealed_whole:?}");
    assert!(sealed_whole.iter().all(|p| starts(p, b"DARS-SEALED-1\n")));
    let audit = dir.join("data/audit.sqlite");
    assert!(audit.is_file() && !starts(&audit, b"SQLite format 3\0"));
    // `dars cat` gives back what was sealed; without the key it is refused.
    let fills = std::fs::read(dir.join("sim/fills.csv")).unwrap_or_else(|e| panic!("{e}"));
    let fills_raw = raw
        .iter()
        .find(|p| dars_env(dir, &k1, &["cat", &p.to_string_lossy()]).stdout == fills)
        .cloned()
        .unwrap_or_else(|| panic!("no raw file reads back as sim/fills.csv"));
    let rejections = ok_env(
        dir,
        &k1,
        &[
            "cat",
            &files_under(&dir.join("data/lake/rejections"))[0].to_string_lossy(),
        ],
    );
    assert!(rejections.contains("not-a-price"), "{rejections}");
    let e = refused(dir, &[], &["cat", "data/lake/reconciliation.csv"]);
    assert!(e.contains("is encrypted"), "{e}");
    let e = refused(dir, &k1, &["cat", "data/audit.sqlite"]);
    assert!(e.contains("dars audit verify"), "{e}");

    // Nothing under data/ holds an account id in clear but the alerts' outbox (mail as sent).
    let mut stack = vec![dir.join("data")];
    let mut checked = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{e}")) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == "outbox" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
            for a in &accounts {
                assert!(
                    !bytes.windows(a.len()).any(|w| w == a.as_bytes()),
                    "{} holds {a} in clear",
                    p.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > files.len() + raw.len() + sealed_whole.len(),
        "{checked} files checked"
    );
    let manifest =
        std::fs::read(dir.join("data/lake/manifest.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(manifest.starts_with(b"DARS-SEALED-1"));

    // No key, a wrong key: clear errors, never garbage.
    let e = refused(dir, &[], &["export", "daily"]);
    assert!(e.contains("is encrypted: set DARS_DATA_KEY"), "{e}");
    let e = refused(dir, &[("DARS_DATA_KEY", K2)], &["export", "daily"]);
    assert!(e.contains("encrypted under data key"), "{e}");
    let e = refused(dir, &[("DARS_DATA_KEY", "not hex")], &["export", "daily"]);
    assert!(e.contains("64 hex digits"), "{e}");

    // A partition moved to another day's name does not open.
    let daily: Vec<_> = files
        .iter()
        .filter(|p| p.to_string_lossy().contains("/daily/"))
        .cloned()
        .collect();
    let (a, b) = (&daily[0], &daily[1]);
    let spare = dir.join("spare.parquet");
    std::fs::rename(a, &spare).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(b, a).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(&spare, b).unwrap_or_else(|e| panic!("{e}"));
    let e = refused(dir, &k1, &["export", "daily"]);
    assert!(e.contains("was written as"), "{e}");
    std::fs::rename(a, &spare).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(b, a).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(&spare, b).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok_env(dir, &k1, &["export", "daily"]), expected);

    // Rotation to a new key: afterwards only the new key opens the lake.
    let rotating = [("DARS_DATA_KEY", K2), ("DARS_DATA_KEY_PREVIOUS", K1)];
    let said = ok_env(dir, &rotating, &["keys", "rotate"]);
    // Partitions and manifest, raw exports, reconciliation and rejections; runs; backtests.
    assert!(
        said.contains(&format!(
            "{} lake file(s), 1 prediction run(s), 3 backtest file(s) and the audit database",
            files.len() + 1 + raw.len() + 2
        )),
        "{said}"
    );
    let k2 = [("DARS_DATA_KEY", K2)];
    assert_eq!(ok_env(dir, &k2, &["export", "daily"]), expected);
    let e = refused(dir, &k1, &["export", "daily"]);
    assert!(e.contains("encrypted under data key"), "{e}");
    assert!(ok_env(dir, &k2, &["audit", "verify"]).contains("intact"));
    assert!(refused(dir, &k1, &["audit", "verify"]).contains("does not open under data key"));
    for p in raw.iter().chain(&sealed_whole) {
        let path = p.to_string_lossy();
        ok_env(dir, &k2, &["cat", &path]);
        let e = refused(dir, &k1, &["cat", &path]);
        assert!(e.contains("encrypted under data key"), "{path}: {e}");
    }
    assert_eq!(
        dars_env(dir, &k2, &["cat", &fills_raw.to_string_lossy()]).stdout,
        fills
    );

    // No file is ever added in the clear to the encrypted lake: without the key, ingest stops.
    std::fs::write(
        dir.join("more.csv"),
        "Date/Time,Account,B/S,Qty,Symbol,Price\n01/02/2026 10:00:00,ZZZ9,B,10,XYZ,1.00\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let e = refused(dir, &[], &["ingest", "more.csv"]);
    assert!(e.contains("is encrypted: set DARS_DATA_KEY"), "{e}");
    assert!(
        parquet_files(&dir.join("data/lake"))
            .iter()
            .all(|f| std::fs::read(f).is_ok_and(|b| b.ends_with(b"PARE")))
    );
    // A rotation does not launder a file planted in the clear.
    let planted = files
        .iter()
        .find(|p| p.to_string_lossy().contains("/totals/"))
        .cloned()
        .unwrap_or_else(|| panic!("a totals partition"));
    let clear_twin = dir
        .join("clear")
        .join(planted.strip_prefix(dir.join("data")).unwrap_or(&planted));
    let original = std::fs::read(&planted).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(&clear_twin, &planted).unwrap_or_else(|e| panic!("{e}"));
    let e = refused(
        dir,
        &[("DARS_DATA_KEY", K1), ("DARS_DATA_KEY_PREVIOUS", K2)],
        &["keys", "rotate"],
    );
    assert!(e.contains("is not encrypted"), "{e}");
    std::fs::write(&planted, original).unwrap_or_else(|e| panic!("{e}"));

    // A lake written in the clear is refused under a key, for reading and for writing, until
    // `keys rotate --from-clear` encrypts it as a whole.
    let e = refused(dir, &k1, &["export", "daily", "--data", "clear"]);
    assert!(e.contains("is not encrypted"), "{e}");
    let e = refused(dir, &k1, &["ingest", "more.csv", "--data", "clear"]);
    assert!(e.contains("--from-clear"), "{e}");
    let e = refused(dir, &k1, &["keys", "rotate", "--data", "clear"]);
    assert!(e.contains("--from-clear"), "{e}");
    ok_env(
        dir,
        &k1,
        &["keys", "rotate", "--data", "clear", "--from-clear"],
    );
    assert_eq!(
        ok_env(dir, &k1, &["export", "daily", "--data", "clear"]),
        expected
    );
    assert!(
        parquet_files(&dir.join("clear/lake"))
            .iter()
            .all(|f| std::fs::read(f).is_ok_and(|b| b.ends_with(b"PARE")))
    );
    assert!(
        files_under(&dir.join("clear/raw"))
            .iter()
            .all(|p| starts(p, b"DARS-STREAM-1\n"))
    );
    assert!(starts(
        &dir.join("clear/lake/reconciliation.csv"),
        b"DARS-SEALED-1\n"
    ));
}

/// Every file under `dir`, sorted (none when it does not exist).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether the file at `path` starts with `magic`.
fn starts(path: &Path, magic: &[u8]) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(magic))
}

/// `keys rotate` killed with SIGKILL at points spread over its run, alternating between two
/// keys: after every kill each file reads under one of the two (the daily table, the raw
/// exports, the audit trail), some kills leave the directory mixed (the kills land mid-way),
/// and the last rotation, let finish, leaves it all under one key.
#[test]
fn a_rotation_killed_at_any_point_leaves_every_file_readable() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 4, 120, 5);
    let k1 = [("DARS_DATA_KEY", K1)];
    ok_env(dir, &k1, &["ingest", "sim/fills.csv", "sim/totals.csv"]);
    ok_env(dir, &k1, &["predict"]);
    let expected = ok_env(dir, &k1, &["export", "daily"]);
    let fills = std::fs::read(dir.join("sim/fills.csv")).unwrap_or_else(|e| panic!("{e}"));
    let raw = files_under(&dir.join("data/raw"));
    // How long an uninterrupted rotation takes (K1 -> K1 rewrites every file).
    let started = std::time::Instant::now();
    ok_env(dir, &k1, &["keys", "rotate"]);
    let full = started.elapsed();
    let both = |current: &'static str, previous: &'static str| {
        [
            ("DARS_DATA_KEY", current),
            ("DARS_DATA_KEY_PREVIOUS", previous),
        ]
    };
    let mut mixed = 0;
    let mut current = K1;
    for i in 0..14u32 {
        let (to, from) = if current == K1 { (K2, K1) } else { (K1, K2) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dars"));
        cmd.env_remove("DARS_DATA_KEY_FILE")
            .env_remove("DARS_DATA_KEY_PREVIOUS_FILE")
            .envs(both(to, from))
            .args(["keys", "rotate"])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
        // From the start to past the end, 14 points.
        std::thread::sleep(full * i / 12);
        let _ = child.kill();
        let _ = child.wait();
        current = to;
        // Every file reads under one of the two keys.
        let env = both(to, from);
        assert_eq!(
            ok_env(dir, &env, &["export", "daily"]),
            expected,
            "kill {i}"
        );
        assert!(
            ok_env(dir, &env, &["audit", "verify"]).contains("intact"),
            "kill {i}"
        );
        for p in &raw {
            let out = dars_env(dir, &env, &["cat", &p.to_string_lossy()]);
            assert!(
                out.status.success(),
                "kill {i}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Mixed: neither key alone reads everything (the audit database, the partitions, the
        // raw exports and the small files are rewritten in that order).
        let reads_all = |k: &'static str| {
            let env = [("DARS_DATA_KEY", k)];
            let mut reads = vec![
                dars_env(dir, &env, &["audit", "verify"]),
                dars_env(dir, &env, &["export", "daily"]),
                dars_env(dir, &env, &["cat", "data/lake/reconciliation.csv"]),
            ];
            reads.extend(
                raw.iter()
                    .map(|p| dars_env(dir, &env, &["cat", &p.to_string_lossy()])),
            );
            reads.iter().all(|o| o.status.success())
        };
        if !reads_all(K1) && !reads_all(K2) {
            mixed += 1;
        }
    }
    eprintln!("{mixed} of 14 kills left the directory mixed (a rotation takes {full:?})");
    assert!(
        mixed > 0,
        "no kill landed mid-rotation (a rotation takes {full:?})"
    );
    // Finished: one key reads it all, the other nothing.
    let (to, from) = if current == K1 { (K2, K1) } else { (K1, K2) };
    ok_env(dir, &both(to, from), &["keys", "rotate"]);
    let only = [("DARS_DATA_KEY", to)];
    assert_eq!(ok_env(dir, &only, &["export", "daily"]), expected);
    assert!(ok_env(dir, &only, &["audit", "verify"]).contains("intact"));
    assert!(
        raw.iter()
            .any(|p| dars_env(dir, &only, &["cat", &p.to_string_lossy()]).stdout == fills)
    );
    let e = refused(dir, &[("DARS_DATA_KEY", from)], &["export", "daily"]);
    assert!(e.contains("encrypted under data key"), "{e}");
    // Nothing left behind by the killed runs but sealed files.
    for p in files_under(&dir.join("data")) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(!name.ends_with(".rekey"), "{name} left behind");
    }
}

/// Another engine reads the encrypted lake given the key: pyarrow's `CryptoFactory` with a KMS
/// client that unwraps DARS's data keys (`benches/read_encrypted_lake.py`) reads a daily and a
/// fills partition, with as many rows as `dars export daily` has for that day; a wrong key, or
/// the file read under another partition's name, fails. Runs the Python `DARS_PYTHON` names
/// (`scripts/test` sets it to the tools venv, where `scripts/setup` installs pyarrow).
#[test]
fn pyarrow_reads_an_encrypted_lake_file_given_the_key() {
    let Some(python) = std::env::var_os("DARS_PYTHON") else {
        eprintln!("DARS_PYTHON is not set: skipped (scripts/test sets it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 3, 30, 4);
    let k1 = [("DARS_DATA_KEY", K1)];
    ok_env(dir, &k1, &["ingest", "sim/fills.csv"]);
    let daily = ok_env(dir, &k1, &["export", "daily"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/read_encrypted_lake.py");
    let read = |key: &str, rel: &str| {
        Command::new(&python)
            .arg(&script)
            .arg(dir.join("data"))
            .arg(rel)
            .env("DARS_DATA_KEY", key)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()))
    };
    let parts = parquet_files(&dir.join("data/lake/daily"));
    let part = &parts[parts.len() / 2];
    let rel = part
        .strip_prefix(dir.join("data"))
        .unwrap_or(part)
        .to_string_lossy()
        .into_owned();
    // A month partition (`month=YYYY-MM`) holds the rows of that month's days.
    let month = rel
        .split("month=")
        .nth(1)
        .and_then(|d| d.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let rows = daily
        .lines()
        .filter(|l| l.starts_with(&format!("{month}-")))
        .count();
    assert!(rows > 0, "no daily rows in {month}");
    let out = read(K1, &rel);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.starts_with(&format!("{rows} rows,")), "{said}");
    let fills = parquet_files(&dir.join("data/lake/fills"));
    let fills_rel = fills[0]
        .strip_prefix(dir.join("data"))
        .unwrap_or(&fills[0])
        .to_string_lossy()
        .into_owned();
    assert!(read(K1, &fills_rel).status.success());
    // A wrong key: refused by the tag check, never garbage.
    let out = read(K2, &rel);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("InvalidTag"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The file under another partition's name: refused.
    let other = parts[0]
        .strip_prefix(dir.join("data"))
        .unwrap_or(&parts[0])
        .to_string_lossy()
        .into_owned();
    std::fs::copy(part, &parts[0]).unwrap_or_else(|e| panic!("{e}"));
    let out = read(K1, &other);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("written as"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
