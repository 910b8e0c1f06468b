//! Browser entry point: installs the panic hook (so a bug shows in the console instead of a
//! silent blank page) and mounts the app. Everything else lives in the library.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(dars_web::App);
}
