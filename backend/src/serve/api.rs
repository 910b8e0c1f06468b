//! The JSON API under `/api`. Starts with the health probe the integration tests and the
//! web app's footer use; the risk endpoints of the morning run are added beside it.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

pub struct ApiState {
    pub version: &'static str,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

#[get("/health")]
async fn health(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: state.version,
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}
