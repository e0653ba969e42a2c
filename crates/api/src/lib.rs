//! Quad's Kaltura API v3 adapter: it reads the wire format into params, establishes the
//! session, asks the domain what is allowed, calls the store, and writes the answer back in
//! the format the client asked for.

pub mod call;
pub mod error;
mod hls;
pub mod http;
pub mod ks;
pub mod local;
pub mod multirequest;
pub mod objects;
pub mod params;
pub mod playback;
mod ranges;
pub mod services;
pub mod types;
pub mod wire;

pub use call::{Api, ApiConfig};

/// Every route of the API adapter: `/api_v3/…` and the media URLs.
pub fn router(api: std::sync::Arc<Api>) -> axum::Router {
    http::router(api.clone()).merge(playback::router(api))
}
