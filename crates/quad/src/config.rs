//! Where Quad keeps its data, and how to reach its database and media storage.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// The data folder, database and storage options every command shares.
#[derive(Debug, Clone, Args)]
pub struct StoreConfig {
    /// The data folder: the SQLite database and media live here unless set otherwise.
    #[arg(long = "data", env = "QUAD_DATA", default_value = "./quad-data")]
    pub data: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; default: SQLite in the data folder.
    #[arg(long = "database-url", env = "QUAD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where media is kept: a folder, or an S3-compatible bucket as `s3://BUCKET/PREFIX`
    /// (endpoint and credentials from the usual `AWS_*` variables); default: `media` in the
    /// data folder.
    #[arg(long = "storage-url", env = "QUAD_STORAGE_URL")]
    pub storage_url: Option<String>,
}

impl StoreConfig {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data.join("quad.db").display()),
        }
    }

    pub fn storage_url(&self) -> String {
        match &self.storage_url {
            Some(url) => url.clone(),
            None => self.data.join("media").display().to_string(),
        }
    }

    /// The local folder for temporary media files and uploads in progress when media is
    /// kept in a bucket.
    pub fn media_work(&self) -> PathBuf {
        self.data.join("media-work")
    }
}

/// Options of `quad serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// The address to listen on.
    #[arg(long, env = "QUAD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreConfig,
    /// Where browsers and LMSs reach Quad, for the URLs of new apps; default: the listen
    /// address.
    #[arg(long, env = "QUAD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The largest API request body accepted, uploads excluded, in bytes.
    #[arg(long, env = "QUAD_MAX_REQUEST_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_request_bytes: usize,
    /// The largest file accepted in one upload request, in bytes.
    #[arg(long, env = "QUAD_MAX_UPLOAD_BYTES", default_value_t = 8 * 1024 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// Whether to serve the stand-in LMS page (`quad demo` only, since it signs launches
    /// with the apps' secrets for anyone).
    #[arg(skip)]
    pub test_lms: bool,
    /// Also package each video as HLS (fragmented MP4 segments in one file), which the
    /// Kaltura player prefers to progressive download; takes about as much storage again.
    #[arg(long, env = "QUAD_HLS")]
    pub hls: bool,
    /// How long a failed media job (web flavor, poster) waits before its next attempt, in
    /// seconds; each attempt waits that much longer than the one before.
    #[arg(long, env = "QUAD_JOB_RETRY_SECONDS", default_value_t = 30)]
    pub job_retry_seconds: i64,
    /// How long a connection may wait for its peer to take the bytes of an answer before
    /// it is closed, in seconds; a paused player asks again when it resumes.
    #[arg(long, env = "QUAD_SEND_TIMEOUT_SECONDS", default_value_t = 60)]
    pub send_timeout_seconds: u64,
    /// How many database connections to keep; default 4 on SQLite, 8 on PostgreSQL.
    #[arg(long, env = "QUAD_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,
}
