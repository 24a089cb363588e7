//! `GET /charts/{SYMBOL}.svg`: the chart a `chart` event points at, a deterministic
//! sparkline so the demo shows an image without any outside service.

use std::fmt::Write as _;

use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::agent_script::{fnv1a, mix, quote};

pub async fn handler(Path(file): Path<String>) -> Response {
    let Some(symbol) = file.strip_suffix(".svg") else {
        return (StatusCode::NOT_FOUND, "charts are /charts/<SYMBOL>.svg").into_response();
    };
    if symbol.is_empty() || symbol.len() > 6 || !symbol.bytes().all(|b| b.is_ascii_uppercase()) {
        return (StatusCode::NOT_FOUND, "unknown symbol").into_response();
    }
    ([(CONTENT_TYPE, "image/svg+xml")], sparkline(symbol)).into_response()
}

fn sparkline(symbol: &str) -> String {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    const POINTS: u64 = 40;
    let seed = fnv1a(symbol.as_bytes());
    let mut price = quote(symbol);
    let mut prices = Vec::with_capacity(POINTS as usize);
    for i in 0..POINTS {
        // A bounded random walk: up to ±2% per step.
        price *= 1.0 + ((mix(seed.wrapping_add(i)) % 401) as f64 - 200.0) / 10_000.0;
        prices.push(price);
    }
    let (lo, hi) = prices
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    let span = (hi - lo).max(f64::EPSILON);
    let mut points = String::new();
    for (i, p) in prices.iter().enumerate() {
        let x = i as f64 * W / (POINTS - 1) as f64;
        let y = 20.0 + (hi - p) / span * (H - 30.0);
        let _ = write!(points, "{x:.1},{y:.1} ");
    }
    let last = prices.last().copied().unwrap_or(price);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">\
<rect width=\"100%\" height=\"100%\" fill=\"#0f172a\"/>\
<text x=\"8\" y=\"16\" fill=\"#e2e8f0\" font-family=\"sans-serif\" font-size=\"12\">{symbol} {last:.2} (simulated)</text>\
<polyline fill=\"none\" stroke=\"#38bdf8\" stroke-width=\"2\" points=\"{points}\"/></svg>"
    )
}
