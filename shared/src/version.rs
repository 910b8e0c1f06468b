//! Build identity shared by the backend, the web app and every artifact they write, so a number
//! on screen can always be traced to the code that computed it.

/// The workspace version, stamped into model artifacts and shown in the web app's footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
