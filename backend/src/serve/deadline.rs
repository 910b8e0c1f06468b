//! A deadline on request bodies (issue #15 item 12). actix-web bounds how long a client may take
//! to send a request's head (`client_request_timeout`, 5 s by default) but not its body: a client
//! that announces a body and sends it a byte at a time keeps a connection, and a worker's
//! attention, for as long as it likes. Every request's body must arrive whole within
//! [`BODY_TIMEOUT`] of the head; after that the body stream ends in an error, which the JSON
//! extractor turns into `408 Request Timeout` ([`is_timeout`]) and the connection is closed.
//!
//! Why by hand: actix-web has no body timeout setting, and the few lines here wrap the payload
//! stream with its own runtime's timer.

use std::time::Duration;

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, timeout};
use futures_util::StreamExt as _;

/// How long a request's body may take to arrive, from when its head was read.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// What the body stream ends with when the deadline passes.
const TIMED_OUT: &str = "the request body did not arrive within the time allowed";

/// Whether a payload error is the deadline's.
pub fn is_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// The middleware: replaces the request's payload by the same stream under a deadline.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let deadline = Instant::now() + BODY_TIMEOUT;
    let payload = req.take_payload();
    let timed = futures_util::stream::unfold(Some(payload), move |state| async move {
        let mut payload = state?;
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            // The error, then the end: nothing more is read from this client.
            Err(_) => Some((
                Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    TIMED_OUT,
                ))),
                None,
            )),
        }
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
    next.call(req).await
}
