//! `--static` directories served over HTTP next to the WebSocket endpoints.

use std::sync::Arc;

use axum::Router;
use tower_http::services::ServeDir;

use crate::app::App;
use crate::config::StaticMount;

/// URL prefixes the server itself answers; a static mount may not shadow them.
pub const RESERVED_PREFIXES: [&str; 4] = ["/ws", "/control", "/healthz", "/charts"];

/// Adds each mount: `/` as the fallback (index.html for directories), others nested.
/// Content types come from the file extension; `http_layer` fixes the JavaScript and
/// WebAssembly ones that browsers are strict about.
pub fn mount(mut router: Router<Arc<App>>, mounts: &[StaticMount]) -> Router<Arc<App>> {
    for mount in mounts {
        let dir = ServeDir::new(&mount.dir).append_index_html_on_directories(true);
        router = if mount.prefix == "/" {
            router.fallback_service(dir)
        } else {
            router.nest_service(&mount.prefix, dir)
        };
    }
    router
}
