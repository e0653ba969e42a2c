//! The Quad server: configuration, start-up, the HTTP application and its request log.

pub mod app;
pub mod apps;
pub mod config;
pub mod connections;
pub mod demo;
pub mod identity;
pub mod lms;
pub mod platforms;
pub mod player;
pub mod portal;
pub mod processing;

pub use app::{Server, start};
pub use config::StoreConfig;
