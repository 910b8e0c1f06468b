//! The Python that runs the tests' local servers (the SMTP sink, the PropReports API stand-in).

use std::path::Path;

/// Debian's interpreter: python3-aiosmtpd is installed for it, and PATH may put another python3
/// first (`scripts/env.sh` adds the cmake venv, developers have pyenv). `DARS_TEST_PYTHON`
/// overrides it.
pub fn python() -> String {
    if let Ok(p) = std::env::var("DARS_TEST_PYTHON") {
        return p;
    }
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3".into()
    } else {
        "python3".into()
    }
}
