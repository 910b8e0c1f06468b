//! `dars serve`: one actix-web server for the built web app, the published model as a static
//! file, the demo firm's files (for the page's "load demo data" button) and the JSON API.
//!
//! The web app scores users' files in their browser; the server only hands out static assets
//! and, through the API, what the morning run already computed. Unknown paths outside `/api`,
//! `/models` and `/demo` fall back to `index.html` so deep links such as `/trader/NET001`
//! survive a reload.

pub mod api;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{App, HttpServer, web};
use anyhow::{Context, Result};

/// Flags of `dars serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the URL is printed either way).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The built web app (Trunk's output).
    #[arg(long, default_value = "target/site")]
    pub web_dir: PathBuf,
    /// Model registry; `current/model.json` inside it is what the browser loads.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Demo firm files offered to the page's "load demo data" button.
    #[arg(long, default_value = "data/demo")]
    pub demo_dir: PathBuf,
    /// Configuration (data directory for the API and audit trail, alerts, schedule).
    #[arg(long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Do not run the scheduled morning prediction and weekly retrain in this process.
    #[arg(long)]
    pub no_schedule: bool,
}

/// Blocks serving until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<()> {
    let index = args.web_dir.join("index.html");
    if !index.is_file() {
        anyhow::bail!(
            "no web app at {} (build it with `trunk build --release`, or run `./dars demo`)",
            index.display()
        );
    }
    actix_web::rt::System::new().block_on(serve(args.clone()))
}

async fn serve(args: ServeArgs) -> Result<()> {
    // Directories that do not exist yet (no model published, no demo simulated) are created
    // empty so the static handlers answer 404 for their files instead of failing at start-up.
    for dir in [&args.models_dir, &args.demo_dir] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let cfg = crate::config::Config::load(&args.config, false)?;
    let state = web::Data::new(api::ApiState::new(
        &cfg.paths.data,
        &args.models_dir,
        cfg.policy(),
    )?);
    let doc = web::Data::new(api::openapi());
    if !args.no_schedule {
        crate::schedule::spawn(cfg.clone(), args.models_dir.clone())?;
    }
    let a = args.clone();
    let server = HttpServer::new(move || {
        let index = a.web_dir.join("index.html");
        App::new()
            .app_data(state.clone())
            .app_data(doc.clone())
            .app_data(web::JsonConfig::default().error_handler(api::json_error))
            .service(web::resource("/api/openapi.json").route(web::get().to(api::openapi_json)))
            .service(
                utoipa_actix_web::scope("/api")
                    .configure(api::routes)
                    .default_service(web::to(api::no_such_endpoint)),
            )
            .service(Files::new("/models", &a.models_dir))
            .service(Files::new("/demo", &a.demo_dir))
            .service(
                Files::new("/", &a.web_dir)
                    .index_file("index.html")
                    .default_handler(spa_fallback(index)),
            )
    })
    .workers(2)
    .bind(args.addr)
    .with_context(|| format!("binding {}", args.addr))?;
    for addr in server.addrs() {
        println!("DARS is serving on http://{addr}/");
    }
    server.run().await.context("server stopped with an error")
}

/// Serves `index.html` for client-side routes (`/trader/NET001`) so a reload of a deep link
/// renders the app, which then routes on its own.
fn spa_fallback(
    index: PathBuf,
) -> impl actix_web::dev::ServiceFactory<
    ServiceRequest,
    Config = (),
    Response = ServiceResponse,
    Error = actix_web::Error,
    InitError = (),
> {
    fn_service(move |req: ServiceRequest| {
        let index = index.clone();
        async move {
            let (req, _) = req.into_parts();
            let file = open_index(&index)?;
            let res = file.into_response(&req);
            Ok(ServiceResponse::new(req, res))
        }
    })
}

fn open_index(index: &Path) -> actix_web::Result<NamedFile> {
    Ok(NamedFile::open(index)?)
}
