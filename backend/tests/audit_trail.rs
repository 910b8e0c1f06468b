//! The keyed audit trail through the real binary (issue #15 item 7): with `DARS_AUDIT_KEY` set,
//! the morning run's rows are HMAC-chained and its desk email carries a checkpoint of the head;
//! `dars audit verify --against` that email passes, refuses without the key, and catches a trail
//! whose tail was cut and whose head was rewritten inside the database.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{ok, simulate_with, train_and_publish};

const KEY: &str = "a3f1c9e2b4d6f8a0c2e4f6a8b0d2f4e6-integration";

fn dars_keyed(dir: &Path, key: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dars"));
    cmd.args(args).current_dir(dir).env_remove("DARS_AUDIT_KEY");
    if let Some(k) = key {
        cmd.env("DARS_AUDIT_KEY", k);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("running dars {args:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_morning_email_carries_a_checkpoint_that_catches_a_cut_trail() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate_with(dir, 4, 80, 5, &["--max-drawdown", "1000000000"]);
    ok(dir, &["ingest", "sim/fills.csv"]);
    train_and_publish(dir, &[]);
    std::fs::write(
        dir.join("config.yaml"),
        "alerts:\n  channels: [email]\n  email_recipients: [desk@example.com]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // The rows before the key stay plain; the morning run's are keyed.
    let run = dars_keyed(dir, Some(KEY), &["predict", "--alert"]);
    assert!(run.status.success(), "{}", text(&run));
    let outbox = dir.join("data/outbox");
    let desk = std::fs::read_dir(&outbox)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-desk.eml"))
        .unwrap_or_else(|| panic!("no desk email in {}", outbox.display()));
    let email = std::fs::read_to_string(&desk).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        email.contains("Audit checkpoint (keep this line): dars-audit-checkpoint v1 "),
        "{email}"
    );
    // Kept outside data/, as a desk keeps its mail.
    let kept = dir.join("kept-desk.eml");
    std::fs::copy(&desk, &kept).unwrap_or_else(|e| panic!("{e}"));

    let v = dars_keyed(
        dir,
        Some(KEY),
        &["audit", "verify", "--against", "kept-desk.eml"],
    );
    let said = text(&v);
    assert!(v.status.success(), "{said}");
    assert!(
        said.contains("intact") && said.contains("1 checkpoint(s) found in the chain"),
        "{said}"
    );
    let printed = dars_keyed(dir, Some(KEY), &["audit", "checkpoint"]);
    assert!(
        text(&printed).starts_with("dars-audit-checkpoint v1 "),
        "{}",
        text(&printed)
    );

    // Without the key, the keyed rows cannot be checked, and the command says so.
    let v = dars_keyed(dir, None, &["audit", "verify"]);
    assert!(!v.status.success() && text(&v).contains("set DARS_AUDIT_KEY"));

    // Someone who can write data/ cuts the last rows and points the head at the new last row.
    let db =
        rusqlite::Connection::open(dir.join("data/audit.sqlite")).unwrap_or_else(|e| panic!("{e}"));
    let last: i64 = db
        .query_row("SELECT MAX(id) FROM audit", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    db.execute("DELETE FROM audit WHERE id > ?1", [last - 2])
        .unwrap_or_else(|e| panic!("{e}"));
    db.execute(
        "UPDATE head SET id = (SELECT MAX(id) FROM audit), hash = (SELECT hash FROM audit \
         ORDER BY id DESC LIMIT 1) WHERE one = 1",
        [],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    drop(db);
    // The head's MAC gives it away even without the checkpoint...
    let v = dars_keyed(dir, Some(KEY), &["audit", "verify"]);
    assert!(
        !v.status.success() && text(&v).contains("head's MAC"),
        "{}",
        text(&v)
    );
    // ...and the checkpoint from the email names what is gone.
    let v = dars_keyed(
        dir,
        Some(KEY),
        &["audit", "verify", "--against", "kept-desk.eml"],
    );
    assert!(!v.status.success(), "{}", text(&v));
}
