//! Headers applied around every HTTP response: strict MIME types for static JavaScript and
//! WebAssembly, no caching of static files (a rebuilt wasm must not be served stale), and CORS
//! on the control API so a page served from elsewhere (another test server) can drive it, and on
//! `POST /agui`, which AG-UI frontends call from their own origin (a continued stream sends
//! `Last-Event-ID`, which needs the preflight's consent).

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    CACHE_CONTROL, CONTENT_TYPE,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_api = path.starts_with("/control") || path == "/healthz" || path == "/agui";
    if is_api && req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, last-event-id, authorization"),
        );
        return res;
    }
    let content_type = strict_content_type(path);
    let is_ws = path.starts_with("/ws/");

    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if is_api {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    } else if !is_ws && h.contains_key(CONTENT_TYPE) {
        if let Some(content_type) = content_type {
            h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

/// Browsers refuse module scripts and `instantiateStreaming` without these exact types.
fn strict_content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1;
    match ext {
        "js" | "mjs" => Some("text/javascript"),
        "wasm" => Some("application/wasm"),
        _ => None,
    }
}
