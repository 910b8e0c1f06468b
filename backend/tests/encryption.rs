//! Encryption at rest of the lake (issue #15 item 13), through the real binary: with
//! `DARS_DATA_KEY` every lake file is Parquet with an encrypted footer and columns, no account id
//! is in clear in any of them, the daily table reads back the same as a lake in the clear, a
//! missing or wrong key is a clear error, a file moved to another partition does not open, a
//! file in the clear is refused, and `dars keys rotate` moves a lake from the clear to a key and
//! from one key to another.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{ok, simulate};

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
    simulate(dir, 3, 40, 11);
    let k1 = [("DARS_DATA_KEY", K1)];
    // The same exports into an encrypted lake and into one in the clear.
    ok_env(dir, &k1, &["ingest", "sim/fills.csv", "sim/totals.csv"]);
    ok_env(
        dir,
        &[],
        &[
            "ingest",
            "sim/fills.csv",
            "sim/totals.csv",
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
    assert!(files.len() > 40, "{} lake files", files.len());
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

    // Nothing under data/ holds an account id in clear but what is not encrypted yet (the raw
    // exports, the reconciliation, the rejections and the audit database; README).
    let mut stack = vec![dir.join("data")];
    let mut checked = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{e}")) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if ["raw", "rejections", "reconciliation.csv"].contains(&name.as_str())
                || name.starts_with("audit.sqlite")
            {
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
    assert!(checked > files.len(), "{checked} files checked");
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
    assert!(
        said.contains(&format!(
            "{} lake file(s) and 1 prediction run(s)",
            files.len() + 1
        )),
        "{said}"
    );
    assert_eq!(
        ok_env(dir, &[("DARS_DATA_KEY", K2)], &["export", "daily"]),
        expected
    );
    let e = refused(dir, &k1, &["export", "daily"]);
    assert!(e.contains("encrypted under data key"), "{e}");

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
}
