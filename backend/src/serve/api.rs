//! The JSON API under `/api`: what the morning run computed, behind bearer tokens with roles.
//! A `manager` token sees every trader; a `trader` token only its own account(s) — asking for
//! anyone else's data is answered 403 and written to the audit trail; no or an unknown token is
//! 401. Every error is JSON (`{"error": "…"}`).
//!
//! Authentication cannot be forgotten: a handler gets its caller only through the [`Caller`]
//! (any valid token) or [`Manager`] (a manager's token; others get an audited 403) extractor,
//! which answer 401/403 before the handler runs, and a test walks every path of the OpenAPI
//! document without a token. Errors are mapped to a status in one place ([`ApiError`]): 4xx
//! name the caller's mistake; a 5xx says only "internal error" and a reference that the
//! server's log carries with the cause, so paths and internals never reach a client.
//!
//! Handlers are registered through `utoipa-actix-web`, so the OpenAPI document served at
//! `/api/openapi.json` is collected from the very routes the server runs (a test compares it
//! with the checked-in `docs/openapi.json`, so an API change is always a visible diff).
//!
//! `GET /api/policy` hands the page the policy the morning run decides with, per-account loss
//! limits included as far as the token may see them, so a manager's page decides exactly as
//! `dars predict` does.
//!
//! Reads are served from memory: the latest run (pre-serialised for managers) and every
//! trader's history are loaded once and reloaded when `data/predictions/` changes, which is
//! what keeps the risk endpoint at thousands of requests per second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use chrono::NaiveDate;
use dars_shared::analytics::PromotionEntry;
use dars_shared::artifact::{
    FeatureImportance, MetricsReport, Scores, ThresholdChoice, TrainingInfo,
};
use dars_shared::decision::System;
use dars_shared::metrics::ReliabilityBin;
use dars_shared::policy::Policy;
use dars_shared::rules::Tier;
use dars_shared::score::Explanation;
use serde::{Deserialize, Serialize};

use crate::audit::{Audit, Kind, Role, TokenInfo};
use crate::overrides::{self, Override};
use crate::registry::Registry;
use crate::runs::{self, PredictionRun, RunStore, TraderPrediction};
use crate::train::BacktestReport;

pub struct ApiState {
    pub version: &'static str,
    data: PathBuf,
    models: PathBuf,
    /// The policy of the server's configuration, per-account limits included: what its
    /// scheduled morning run decides with.
    policy: Policy,
    audit: Mutex<Audit>,
    runs: RwLock<Arc<Runs>>,
    /// Seconds since the epoch of the last look at `data/predictions/`.
    checked: AtomicU64,
}

/// Every run in the lake, indexed for the endpoints.
#[derive(Default)]
struct Runs {
    /// (modified time, file count) of the predictions directory when loaded.
    stamp: Option<(SystemTime, usize)>,
    latest: Option<PredictionRun>,
    /// `/api/risk` for managers, serialised once per load.
    latest_json: Arc<Vec<u8>>,
    /// Per account, its prediction in each run, oldest first.
    history: HashMap<String, Vec<HistoryPoint>>,
}

/// One past prediction of a trader.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryPoint {
    pub as_of: NaiveDate,
    pub status: runs::Status,
    pub system: System,
    pub probability: Option<f64>,
    pub tier: Option<Tier>,
    pub cut: Option<f64>,
    pub new_limit: Option<f64>,
}

impl ApiState {
    /// The API over the lake under `data` and the registry under `models`; `policy` is the
    /// configuration's (`Config::policy`), per-account limits included.
    pub fn new(data: &Path, models: &Path, policy: Policy) -> anyhow::Result<ApiState> {
        let state = ApiState {
            version: dars_shared::VERSION,
            data: data.to_owned(),
            models: models.to_owned(),
            policy,
            audit: Mutex::new(Audit::open(data)?),
            runs: RwLock::new(Arc::new(Runs::default())),
            checked: AtomicU64::new(0),
        };
        state.reload(true)?;
        Ok(state)
    }

    /// Reloads the runs when the predictions directory changed (looked at once a second at
    /// most, or now when `force`).
    fn reload(&self, force: bool) -> anyhow::Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if !force && self.checked.swap(now, Ordering::Relaxed) == now {
            return Ok(());
        }
        let store = RunStore::new(&self.data);
        let dir = store.dir();
        let stamp = std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .map(|t| {
                let n = std::fs::read_dir(dir).map_or(0, |d| d.count());
                (t, n)
            });
        if !force && self.runs().stamp == stamp {
            return Ok(());
        }
        let runs = load_runs(&store, stamp)?;
        if let Ok(mut w) = self.runs.write() {
            *w = Arc::new(runs);
        }
        Ok(())
    }

    fn runs(&self) -> Arc<Runs> {
        self.runs.read().map(|r| Arc::clone(&r)).unwrap_or_default()
    }

    /// The rights of the request's bearer token (tokens created while the server runs work at
    /// once; revoked or expired ones stop at once).
    fn auth(&self, req: &HttpRequest) -> Result<TokenInfo, ApiError> {
        let token = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing bearer token: send `Authorization: Bearer <token>` (create one with \
                     `dars token create`)",
                )
            })?;
        // Looked up on every request (a primary-key read), so a revoked or expired token is
        // refused from the next request on.
        let found = self
            .audit
            .lock()
            .map_err(|_| ApiError::internal("the audit database lock is poisoned"))?
            .token(token)
            .map_err(ApiError::from)?;
        match found {
            Some(info) => Ok(info),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown, expired or revoked token (see `dars token list`)",
            )),
        }
    }

    /// 403, recorded in the audit trail.
    fn deny(&self, who: &TokenInfo, account: Option<&str>, req: &HttpRequest) -> ApiError {
        // Bounded and rate-limited per token (`Audit::append_denied`): a flood of refusals
        // cannot flood the trail.
        if let Ok(mut audit) = self.audit.lock() {
            let _ = audit.append_denied(who, account, req.method().as_str(), req.path());
        }
        ApiError::new(
            StatusCode::FORBIDDEN,
            match account {
                Some(a) => format!(
                    "this token may not see account {}",
                    a.chars().take(64).collect::<String>()
                ),
                None => "this endpoint is for managers".into(),
            },
        )
    }

    fn require_account(
        &self,
        who: &TokenInfo,
        account: &str,
        req: &HttpRequest,
    ) -> Result<(), ApiError> {
        if who.may_see(account) {
            Ok(())
        } else {
            Err(self.deny(who, Some(account), req))
        }
    }
}

fn load_runs(store: &RunStore, stamp: Option<(SystemTime, usize)>) -> anyhow::Result<Runs> {
    let mut runs = Runs {
        stamp,
        ..Runs::default()
    };
    for run in store.all() {
        // One unreadable run (corrupt, or written by a version whose format this one does not
        // read) must not take the API down: it is skipped and said, the others are served.
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                tracing::warn!("api: skipping {e:#}");
                continue;
            }
        };
        for t in &run.traders {
            runs.history
                .entry(t.account_id.to_string())
                .or_default()
                .push(HistoryPoint {
                    as_of: run.as_of,
                    status: t.status,
                    system: t.system,
                    probability: t.probability,
                    tier: t.tier(),
                    cut: (t.status == runs::Status::Scored).then_some(t.decision.cut),
                    new_limit: (t.status == runs::Status::Scored).then_some(t.decision.new_limit),
                });
        }
        runs.latest = Some(run);
    }
    runs.latest_json = Arc::new(serde_json::to_vec(
        &runs.latest.as_ref().map(PredictionRun::compact),
    )?);
    Ok(runs)
}

/// A JSON error with a status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// A failure of ours: the cause goes to the server's log under a reference, the client
    /// gets the reference only.
    fn internal(cause: impl Into<String>) -> ApiError {
        let reference = format!("{:08x}", rand::random::<u32>());
        tracing::error!("error {reference}: {}", cause.into());
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error (reference {reference} in the server's log)"),
        )
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError::internal(format!("{e:#}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(ErrorBody {
            error: self.message.clone(),
        })
    }
}

type ApiResult = Result<HttpResponse, ApiError>;

/// The caller of an endpoint: any valid token. Extracting it answers 401 for a missing,
/// unknown, expired or revoked token before the handler runs.
pub struct Caller(pub TokenInfo);

impl actix_web::FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(state_of(req).and_then(|s| s.auth(req)).map(Caller))
    }
}

/// A caller with a manager's token; a trader's token is refused with an audited 403.
pub struct Manager(pub TokenInfo);

impl actix_web::FromRequest for Manager {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Manager, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(state_of(req).and_then(|s| {
            let who = s.auth(req)?;
            if who.role == Role::Manager {
                Ok(Manager(who))
            } else {
                Err(s.deny(&who, None, req))
            }
        }))
    }
}

fn state_of(req: &HttpRequest) -> Result<&ApiState, ApiError> {
    req.app_data::<web::Data<ApiState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| ApiError::internal("the API state is not registered with the app"))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Liveness and version; no token needed.
#[utoipa::path(tag = "service", responses((status = 200, body = Health)))]
#[get("/health")]
async fn health(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: state.version,
    })
}

/// The latest morning run: every active trader's risk (a trader token gets its own accounts).
#[utoipa::path(
    tag = "risk",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest run without SHAP detail (`null` before the first run)", body = Option<PredictionRun>),
        (status = 401, body = ErrorBody)
    )
)]
#[get("/risk")]
async fn risk(Caller(who): Caller, state: web::Data<ApiState>) -> ApiResult {
    state.reload(false)?;
    let runs = state.runs();
    if who.role == Role::Manager {
        return Ok(HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(runs.latest_json.as_ref().clone()));
    }
    let mine = runs.latest.as_ref().map(|r| {
        let mut r = r.compact();
        r.traders.retain(|t| who.may_see(&t.account_id));
        r.active_traders = r.traders.len();
        r.stale_traders = r
            .traders
            .iter()
            .filter(|t| t.status == runs::Status::Stale)
            .count();
        r
    });
    Ok(HttpResponse::Ok().json(mine))
}

/// One trader's risk: the latest prediction, every past one, and managers' overrides.
#[derive(Serialize, utoipa::ToSchema)]
struct TraderView {
    account_id: String,
    /// The latest run's prediction, without its SHAP detail (`/explanation` has it).
    latest: Option<TraderPrediction>,
    history: Vec<HistoryPoint>,
    overrides: Vec<Override>,
}

#[utoipa::path(
    tag = "risk",
    security(("bearer" = [])),
    params(("account" = String, Path, description = "Account id, e.g. NET001")),
    responses(
        (status = 200, body = TraderView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Another trader's account (audited)", body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
#[get("/traders/{account}")]
async fn trader(
    Caller(who): Caller,
    state: web::Data<ApiState>,
    req: HttpRequest,
    account: web::Path<String>,
) -> ApiResult {
    let account = account.into_inner();
    state.require_account(&who, &account, &req)?;
    state.reload(false)?;
    let runs = state.runs();
    let history = runs.history.get(&account).cloned().unwrap_or_default();
    let latest = runs.latest.as_ref().and_then(|r| {
        r.traders
            .iter()
            .find(|t| t.account_id == account)
            .map(|t| TraderPrediction {
                explanation: None,
                ..t.clone()
            })
    });
    if history.is_empty() && latest.is_none() {
        return Err(ApiError::not_found(format!(
            "no prediction for account {account}"
        )));
    }
    let overrides = state
        .audit
        .lock()
        .map_err(|_| ApiError::internal("the audit database lock is poisoned"))?
        .entries(Some(Kind::Override), Some(&account))
        .map_err(ApiError::from)?
        .into_iter()
        .filter_map(|e| serde_json::from_str(&e.detail).ok())
        .collect();
    Ok(HttpResponse::Ok().json(TraderView {
        account_id: account,
        latest,
        history,
        overrides,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ExplanationQuery {
    /// The run's date (its `as_of`); default: the latest run.
    date: Option<NaiveDate>,
}

/// The SHAP explanation behind one prediction (margin and probability scales).
#[utoipa::path(
    tag = "risk",
    security(("bearer" = [])),
    params(("account" = String, Path, description = "Account id"), ExplanationQuery),
    responses(
        (status = 200, body = Explanation),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such run, or the rules decided (no SHAP)", body = ErrorBody)
    )
)]
#[get("/traders/{account}/explanation")]
async fn explanation(
    Caller(who): Caller,
    state: web::Data<ApiState>,
    req: HttpRequest,
    account: web::Path<String>,
    query: web::Query<ExplanationQuery>,
) -> ApiResult {
    let account = account.into_inner();
    state.require_account(&who, &account, &req)?;
    let run = match query.date {
        Some(d) => RunStore::new(&state.data)
            .read(d)?
            .ok_or_else(|| ApiError::not_found(format!("no prediction run for {d}")))?,
        None => {
            state.reload(false)?;
            state
                .runs()
                .latest
                .clone()
                .ok_or_else(|| ApiError::not_found("no prediction run yet"))?
        }
    };
    let t = run
        .traders
        .into_iter()
        .find(|t| t.account_id == account)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "account {account} is not in the run for {}",
                run.as_of
            ))
        })?;
    match t.explanation {
        Some(e) => Ok(HttpResponse::Ok().json(e)),
        None => Err(ApiError::not_found(format!(
            "the {} decided for {account} on {}: there is no SHAP explanation",
            t.system, run.as_of
        ))),
    }
}

/// One published model version, as `GET /api/models` lists it.
#[derive(Serialize, utoipa::ToSchema)]
struct ModelSummary {
    version: String,
    /// RFC 3339 time of training.
    created_at: String,
    /// Whether `models/current` points at it.
    current: bool,
    training: TrainingWindow,
    threshold: ThresholdChoice,
    /// The calibrated model's out-of-fold scores.
    calibrated: Scores,
    /// The rules baseline on the same out-of-fold rows.
    rules: Scores,
}

/// The labelled rows a version was trained on.
#[derive(Serialize, utoipa::ToSchema)]
struct TrainingWindow {
    /// First and last feature dates.
    from: NaiveDate,
    to: NaiveDate,
    rows: u64,
}

/// `GET /api/models`: the versions and the moves of the `current` pointer.
#[derive(Serialize, utoipa::ToSchema)]
struct ModelList {
    /// The version `models/current` points at, `null` before the first publish.
    current: Option<String>,
    versions: Vec<ModelSummary>,
    /// Promotions and rollbacks, newest first: for managers only (it names the operators);
    /// empty for a trader's token.
    history: Vec<PromotionEntry>,
}

/// Published model versions with their metrics, and every promotion and rollback.
#[utoipa::path(
    tag = "models",
    security(("bearer" = [])),
    responses((status = 200, body = ModelList), (status = 401, body = ErrorBody))
)]
#[get("/models")]
async fn list_models(Caller(who): Caller, state: web::Data<ApiState>) -> ApiResult {
    let reg = Registry::open(&state.models);
    let current = reg.current().map_err(ApiError::from)?;
    let mut versions = Vec::new();
    for v in reg.versions().map_err(ApiError::from)? {
        let a = reg.load(&v).map_err(ApiError::from)?;
        versions.push(ModelSummary {
            current: current.as_deref() == Some(v.as_str()),
            training: TrainingWindow {
                from: a.training.from,
                to: a.training.to,
                rows: a.training.rows,
            },
            version: a.version,
            created_at: a.created_at,
            threshold: a.threshold,
            calibrated: a.metrics.calibrated,
            rules: a.metrics.rules,
        });
    }
    let history = if who.role == Role::Manager {
        reg.history().map_err(ApiError::from)?
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok().json(ModelList {
        current,
        versions,
        history,
    }))
}

/// `GET /api/models/{version}`: one version's validation report.
#[derive(Serialize, utoipa::ToSchema)]
struct ModelReport {
    version: String,
    /// RFC 3339 time of training.
    created_at: String,
    /// The `dars` version that trained it.
    code_version: String,
    training: TrainingInfo,
    threshold: ThresholdChoice,
    /// `none`, `platt` or `isotonic`.
    calibration: String,
    metrics: MetricsReport,
    reliability: Vec<ReliabilityBin>,
    feature_importance: Vec<FeatureImportance>,
}

/// One version's full validation report (folds, baselines, calibration, importance).
#[utoipa::path(
    tag = "models",
    security(("bearer" = [])),
    params(("version" = String, Path, description = "Model version")),
    responses((status = 200, body = ModelReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/models/{version}")]
async fn model_report(
    _: Caller,
    state: web::Data<ApiState>,
    version: web::Path<String>,
) -> ApiResult {
    let reg = Registry::open(&state.models);
    let version = version.into_inner();
    if !reg.versions().map_err(ApiError::from)?.contains(&version) {
        return Err(ApiError::not_found(format!("no model version {version}")));
    }
    let a = reg.load(&version).map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(ModelReport {
        calibration: a.calibration.method().to_owned(),
        version: a.version,
        created_at: a.created_at,
        code_version: a.code_version,
        training: a.training,
        threshold: a.threshold,
        metrics: a.metrics,
        reliability: a.reliability,
        feature_importance: a.feature_importance,
    }))
}

/// The latest backtest's report (`dars backtest`'s JSON beside its CSV): out-of-sample metrics,
/// the restriction rate, each rule on its own, and the decisions replayed on the fills against
/// random days at the same budget, the rules alone and, with an oracle, the oracle. For
/// managers: firm-wide dollar figures.
#[utoipa::path(
    tag = "models",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report of the most recent `dars backtest`", body = BacktestReport),
        (status = 401, body = ErrorBody),
        (status = 403, description = "For managers only (audited)", body = ErrorBody),
        (status = 404, description = "No backtest has been run", body = ErrorBody)
    )
)]
#[get("/backtest")]
async fn latest_backtest(_: Manager, state: web::Data<ApiState>) -> ApiResult {
    let dir = state.data.join("backtests");
    let newest = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .max()
        })
        .ok()
        .flatten();
    let Some((_, path)) = newest else {
        return Err(ApiError::not_found(
            "no backtest has been run (`dars backtest`)",
        ));
    };
    let text = crate::crypto::Sealer::configured(&state.data)
        .read_file(&path)
        .map_err(|e| ApiError::internal(format!("{e:#}")))?;
    // Read into the documented type, so what is served is what the schema says.
    let report: BacktestReport = serde_json::from_slice(&text)
        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    Ok(HttpResponse::Ok().json(report))
}

/// Whose per-account loss limits a policy answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum LimitsScope {
    /// Every account's (a manager's token).
    All,
    /// Only the token's own accounts' (a trader's token).
    Own,
}

/// The policy the decisions use, as `GET /api/policy` answers it.
#[derive(Serialize, utoipa::ToSchema)]
struct PolicyView {
    /// The published model version (`models/current`), `null` before the first.
    model_version: Option<String>,
    /// Whose entries `policy.loss_limits` holds.
    loss_limits: LimitsScope,
    /// Whether the policy without per-account limits is the one published with
    /// `model_version` (`policy.json`). False when the server's configuration changed since
    /// (its next morning run publishes it) or another configuration published that version.
    published: bool,
    /// Thresholds, tiers, rules, `base_loss_limit` and `loss_limits` in dollars, cuts and
    /// shares as fractions 0-1.
    policy: Policy,
}

/// The policy of the morning run: thresholds, tier cuts, rules and loss limits, with every
/// per-account limit for a manager and only its own accounts' for a trader.
#[utoipa::path(
    tag = "models",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PolicyView),
        (status = 401, body = ErrorBody)
    )
)]
#[get("/policy")]
async fn current_policy(Caller(who): Caller, state: web::Data<ApiState>) -> ApiResult {
    let reg = Registry::open(&state.models);
    let model_version = reg.current().map_err(ApiError::from)?;
    let published = match &model_version {
        Some(v) => reg.load_policy(v).map_err(ApiError::from)?,
        None => None,
    };
    let mut policy = state.policy.clone();
    let published = published.as_ref() == Some(&policy.public());
    let loss_limits = if who.role == Role::Manager {
        LimitsScope::All
    } else {
        policy.loss_limits.retain(|account, _| who.may_see(account));
        LimitsScope::Own
    };
    Ok(HttpResponse::Ok().json(PolicyView {
        model_version,
        loss_limits,
        published,
        policy,
    }))
}

/// A manager's override of a recommended limit.
#[derive(Deserialize, utoipa::ToSchema)]
struct OverrideRequest {
    account_id: String,
    /// The limit the manager sets, in dollars.
    new_limit: f64,
    reason: String,
    /// The run overridden (default: the latest).
    date: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct OverrideCreated {
    audit_id: i64,
    r#override: Override,
}

/// Records an override in the audit trail (managers only).
#[utoipa::path(
    tag = "overrides",
    security(("bearer" = [])),
    request_body = OverrideRequest,
    responses(
        (status = 201, body = OverrideCreated),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Trader tokens may not override (audited)", body = ErrorBody),
        (status = 408, description = "The body did not arrive within 5 s of the request's head", body = ErrorBody)
    )
)]
#[post("/overrides")]
async fn create_override(
    Manager(who): Manager,
    state: web::Data<ApiState>,
    body: web::Json<OverrideRequest>,
) -> ApiResult {
    // The audit lock also serialises overrides with the API's other audit writes.
    let _guard = state
        .audit
        .lock()
        .map_err(|_| ApiError::internal("the audit database lock is poisoned"))?;
    let (audit_id, o) = overrides::record_override(
        &state.data,
        &body.account_id,
        body.new_limit,
        &body.reason,
        &who.name,
        body.date,
    )
    .map_err(|e| match e {
        overrides::OverrideError::Invalid(why) => ApiError::bad_request(why),
        overrides::OverrideError::NoRun(why) => ApiError::not_found(why),
        overrides::OverrideError::Storage(cause) => ApiError::internal(format!("{cause:#}")),
    })?;
    Ok(HttpResponse::Created().json(OverrideCreated {
        audit_id,
        r#override: o,
    }))
}

/// The document itself, at `/api/openapi.json` (registered before the `/api` scope).
pub async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}

/// Unknown `/api` paths answer JSON too, not the web app's HTML.
pub async fn no_such_endpoint(req: HttpRequest) -> ApiResult {
    Err(ApiError::not_found(format!(
        "no endpoint {} {} (see /api/openapi.json)",
        req.method(),
        req.path()
    )))
}

/// Malformed request bodies get a JSON error naming the problem.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    if let JsonPayloadError::Payload(p) = &err
        && super::deadline::is_timeout(p)
    {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s",
                super::deadline::BODY_TIMEOUT.as_secs()
            ),
        )
        .into();
    }
    ApiError::bad_request(format!("invalid JSON body: {err}")).into()
}

/// Registers the documented routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(health)
        .service(risk)
        .service(trader)
        .service(explanation)
        .service(list_models)
        .service(model_report)
        .service(current_policy)
        .service(latest_backtest)
        .service(create_override);
}

/// Title, version and the bearer scheme around the collected paths.
pub fn finish_doc(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    doc.info.title = "Day-Ahead Risk Scout API".into();
    doc.info.version = dars_shared::VERSION.into();
    doc.info.description = Some(
        "Risk predictions of the morning run. Bearer tokens (`dars token create`): `manager` \
         sees every trader, `trader` only its own accounts (403 otherwise, audited); no token \
         is 401. Errors are `{\"error\": \"...\"}`."
            .into(),
    );
    doc.info.license = None;
    doc.info.contact = None;
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    doc
}

/// The API as an actix scope plus its OpenAPI document (also served at `/api/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .service(utoipa_actix_web::scope("/api").configure(routes))
        .split_for_parts();
    finish_doc(doc)
}
