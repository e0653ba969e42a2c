//! Quad's Kaltura API v3 adapter: it reads the wire format into params, establishes the
//! session, asks the domain what is allowed, calls the store, and writes the answer back in
//! the format the client asked for.

pub mod call;
pub mod error;
pub mod ks;
pub mod objects;
pub mod params;
pub mod services;
pub mod types;
pub mod wire;
