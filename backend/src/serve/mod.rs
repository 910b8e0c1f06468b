//! `dars serve`: one actix-web server for the built web app, the published model as a static
//! file, the demo firm's files (for the page's "load demo data" button) and the JSON API.
//!
//! The web app scores users' files in their browser; the server only hands out static assets
//! and, through the API, what the morning run already computed. Unknown paths outside `/api`,
//! `/models` and `/demo` fall back to `index.html` so deep links such as `/trader/NET001`
//! survive a reload.

pub mod api;
mod deadline;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{App, HttpServer, web};
use anyhow::{Context, Result};

/// What `dars serve` (and the demo's last step) serves, besides the resolved configuration.
#[derive(Debug, Clone)]
pub struct ServeRequest {
    /// Address to listen on; port 0 picks a free port (the URL is printed either way).
    pub addr: SocketAddr,
    /// The built web app (Trunk's output).
    pub web_dir: PathBuf,
    /// Demo firm files offered to the page's "load demo data" button, served at `/demo` only
    /// when set: a firm's own server never hands out a folder of fills to whoever asks.
    pub demo_dir: Option<PathBuf>,
    /// Do not run the scheduled morning prediction and weekly retrain in this process.
    pub no_schedule: bool,
}

/// Blocks serving until the process is stopped, with settings already resolved (`cfg`: data
/// and model directories, alerts, schedule).
pub fn run(args: &ServeRequest, cfg: crate::config::Config) -> Result<()> {
    init_log();
    let index = args.web_dir.join("index.html");
    if !index.is_file() {
        anyhow::bail!(
            "no web app at {} (build it with `trunk build --release`, or run `./dars demo`)",
            index.display()
        );
    }
    actix_web::rt::System::new().block_on(serve(args.clone(), cfg))
}

async fn serve(args: ServeRequest, cfg: crate::config::Config) -> Result<()> {
    let models_dir = cfg.paths.models.clone();
    // Directories that do not exist yet (no model published, no demo simulated) are created
    // empty so the static handlers answer 404 for their files instead of failing at start-up.
    for dir in std::iter::once(&models_dir).chain(&args.demo_dir) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let state = web::Data::new(api::ApiState::new(
        &cfg.paths.data,
        &models_dir,
        cfg.policy(),
    )?);
    let doc = web::Data::new(api::openapi());
    if !args.no_schedule {
        crate::schedule::spawn(cfg.clone(), models_dir.clone())?;
    }
    // Static mounts: never one that holds the lake, predictions or the audit database, and
    // never a file whose real path leaves its mount (issue #15 item 5).
    let models_root = static_root("/models", &models_dir, &cfg.paths.data)?;
    let web_root = static_root("/", &args.web_dir, &cfg.paths.data)?;
    let demo = match &args.demo_dir {
        Some(dir) => Some((dir.clone(), static_root("/demo", dir, &cfg.paths.data)?)),
        None => None,
    };
    let instruments = web::Data::new(cfg.instruments.clone());
    let lake = web::Data::new(PageLake(cfg.paths.data.clone()));
    let a = args.clone();
    let server = HttpServer::new(move || {
        let index = a.web_dir.join("index.html");
        App::new()
            .wrap(actix_web::middleware::from_fn(deadline::body_deadline))
            .app_data(state.clone())
            .app_data(doc.clone())
            .app_data(instruments.clone())
            .app_data(lake.clone())
            .app_data(web::JsonConfig::default().error_handler(api::json_error))
            .service(web::resource("/api/openapi.json").route(web::get().to(api::openapi_json)))
            .service(web::resource(INSTRUMENTS_PATH).route(web::get().to(instruments_json)))
            .service(web::resource(MARKET_PATH).route(web::get().to(market_json)))
            .service(
                utoipa_actix_web::scope("/api")
                    .configure(api::routes)
                    .default_service(web::to(api::no_such_endpoint)),
            )
            .service(
                // The registry's history names operators: managers read it through the API.
                Files::new("/models", &models_dir).path_filter({
                    let inside = confined(models_root.clone());
                    move |path, head| path != Path::new(HISTORY_FILE) && inside(path, head)
                }),
            )
            .configure(|c| {
                if let Some((dir, root)) = &demo {
                    c.service(Files::new("/demo", dir).path_filter(confined(root.clone())));
                }
            })
            .service(
                Files::new("/", &a.web_dir)
                    .index_file("index.html")
                    .path_filter(confined(web_root.clone()))
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

/// Where the page reads the server's futures table (`config.yaml`'s `instruments`), so that a
/// file dropped in the browser sizes futures as `dars ingest` does. Public like the page itself:
/// contract specifications are exchange facts, not a firm's data.
pub const INSTRUMENTS_PATH: &str = "/instruments.json";

/// `GET /instruments.json`: the futures table as JSON (`{"futures": {"ES": {"multiplier": 50.0,
/// "tick": 0.25}}}`): the one the lake's fills are sized with (its manifest's, from the last
/// ingest), so a dropped file gets the morning run's numbers; the configuration's while the lake
/// is empty.
async fn instruments_json(
    table: web::Data<dars_shared::instrument::Instruments>,
    lake: web::Data<PageLake>,
) -> actix_web::HttpResponse {
    let dir = lake.0.clone();
    let manifest = web::block(move || crate::lake::Lake::open(&dir).manifest()).await;
    match manifest {
        Ok(Ok(m)) if !m.files.is_empty() => actix_web::HttpResponse::Ok().json(m.instruments),
        Ok(Ok(_)) => actix_web::HttpResponse::Ok().json(table.get_ref()),
        Ok(Err(e)) => internal_error(&format!("{e:#}")),
        Err(e) => internal_error(&e.to_string()),
    }
}

/// A 500 for the page's static JSON, with the cause in the log only.
fn internal_error(cause: &str) -> actix_web::HttpResponse {
    tracing::error!("reading the lake for the page: {cause}");
    actix_web::HttpResponse::InternalServerError()
        .json(serde_json::json!({"error": "the lake could not be read"}))
}

/// Where the page reads the lake's market series (issue #16 item 7), so that a model trained
/// with one scores a dropped file with the same values as the morning run. Public: market data
/// is not a firm's data.
pub const MARKET_PATH: &str = "/market.json";

/// The data directory whose futures table and market series the page's JSON serves.
struct PageLake(PathBuf);

/// `GET /market.json`: the lake's market series (`{"name": "VIXCLS", "points": [["2025-03-03",
/// 22.78], …]}`), read afresh on each request (an ingest may add to it); 404 when the lake has
/// none, 500 when it cannot be read (logged).
async fn market_json(lake: web::Data<PageLake>) -> actix_web::HttpResponse {
    let dir = lake.0.clone();
    let read = web::block(move || crate::lake::Lake::open(&dir).market()).await;
    match read {
        Ok(Ok(Some(series))) => actix_web::HttpResponse::Ok().json(series),
        Ok(Ok(None)) => actix_web::HttpResponse::NotFound()
            .json(serde_json::json!({"error": "the lake has no market series"})),
        Ok(Err(e)) => internal_error(&format!("{e:#}")),
        Err(e) => internal_error(&e.to_string()),
    }
}

/// The server's log on stderr, with a timestamp and a level on every line: `info` by default,
/// `DARS_LOG` (e.g. `debug`, or `dars=debug,actix_server=warn`) to change it. The scheduled
/// jobs report their outcome at info and their detail (the retrain's training report) at
/// debug; the API logs unreadable runs at warn and its internal errors, with their reference,
/// at error.
fn init_log() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DARS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second server in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// The registry's record of `current` moves (it names operators): `/api/models` for managers,
/// never a static file.
const HISTORY_FILE: &str = "history.jsonl";

/// The real path of a static mount's folder, refused when the folder holds the data directory
/// (the lake, predictions, the audit database) or is inside it other than the demo's own files.
fn static_root(mount: &str, dir: &Path, data: &Path) -> Result<PathBuf> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("resolving the folder served at {mount}: {}", dir.display()))?;
    if let Ok(data) = data.canonicalize() {
        let sensitive: Vec<PathBuf> = ["lake", "predictions", "audit.sqlite", "raw"]
            .iter()
            .map(|p| data.join(p))
            .collect();
        // Neither a folder holding one of them, nor a folder inside one.
        let holds = sensitive.iter().any(|p| p.starts_with(&root) && p.exists());
        let inside = sensitive.iter().any(|p| root.starts_with(p));
        if data.starts_with(&root) || holds || inside {
            anyhow::bail!(
                "refusing to serve {} at {mount}: it holds the data directory {} (the lake, \
                 predictions and the audit database are never static files)",
                dir.display(),
                data.display()
            );
        }
    }
    Ok(root)
}

/// A filter for `Files` that serves a path only when its real path (links resolved) stays
/// inside the mount's folder `root`: a link inside it, like `models/current`, keeps working;
/// one that leads out (to `/etc/passwd`, to `data/audit.sqlite`) answers 404. A path that does
/// not exist passes, and `Files` answers 404 for it.
fn confined(root: PathBuf) -> impl Fn(&Path, &actix_web::dev::RequestHead) -> bool + 'static {
    move |path, _| match root.join(path).canonicalize() {
        Ok(real) => real.starts_with(&root),
        Err(_) => true,
    }
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
