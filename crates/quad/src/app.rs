//! The HTTP application: the API routes, `/healthz`, the request log, and a server that
//! stops gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use quad_api::http::ApiOutcome;
use quad_api::{Api, ApiConfig};
use quad_media::MediaStorage;
use quad_store::{Store, StoreOptions};
use tokio::net::TcpListener;

use crate::config::{ServeConfig, StoreConfig};
use crate::connections::{Connections, PeerAddr};
use crate::processing::Worker;

/// Opens the store and the media storage of a configuration, creating the data folder.
pub async fn open(
    config: &StoreConfig,
    options: StoreOptions,
) -> anyhow_like::Result<(Store, MediaStorage)> {
    std::fs::create_dir_all(&config.data).map_err(anyhow_like::io("create the data folder"))?;
    let store = Store::open(&config.database_url(), options)
        .await
        .map_err(anyhow_like::store)?;
    let media = MediaStorage::open(&config.storage_url(), &config.media_work())
        .await
        .map_err(anyhow_like::media)?;
    Ok((store, media))
}

/// The whole application over an API state.
pub fn app(api: Arc<Api>) -> Router {
    app_with(api, false)
}

/// The application, with the demo's stand-in LMS page when `test_lms` is set.
pub fn app_with(api: Arc<Api>, test_lms: bool) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(api.clone())
        .merge(quad_api::router(api.clone()))
        .merge(crate::portal::router(api.clone()))
        .merge(crate::player::router(api.clone()))
        .merge(crate::lms::router(api, test_lms))
        .layer(middleware::from_fn(log_request))
}

/// 200 when the database and the media storage both answer.
async fn healthz(State(api): State<Arc<Api>>) -> Response {
    let database = api.store.ping().await;
    let storage = api.media.check().await;
    match (database, storage) {
        (Ok(()), Ok(())) => (StatusCode::OK, "ok").into_response(),
        (db, st) => {
            tracing::error!(database = ?db.err(), storage = ?st.err(), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response()
        }
    }
}

/// One log line per request: method, route (never the raw path, which may carry a KS),
/// the API call, status, duration and request id. Refused calls log at warn with the
/// error code as the reason.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(|| quad_store::random_token(12), str::to_owned);

    let mut response = next.run(request).await;

    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let outcome = response.extensions().get::<ApiOutcome>().cloned();
    let call = outcome.as_ref().map_or("", |o| o.call.as_str());
    match outcome.as_ref().and_then(|o| o.refused) {
        Some(reason) => {
            tracing::warn!(%method, %route, call, status, ms, request_id, reason, "refused")
        }
        None if route == "/healthz" => {
            tracing::debug!(%method, %route, status, ms, request_id, "request")
        }
        None => tracing::info!(%method, %route, call, status, ms, request_id, "request"),
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub api: Arc<Api>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: tokio::sync::oneshot::Sender<()>,
    /// The background job worker; a job it is in the middle of resumes at the next start.
    worker: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        let served = self.handle.await.map_err(std::io::Error::other);
        self.worker.abort();
        served?
    }

    /// Waits until the server ends by itself (after a shutdown signal).
    pub async fn wait(self) -> std::io::Result<()> {
        let _keep = self.stop;
        let served = self.handle.await.map_err(std::io::Error::other);
        self.worker.abort();
        served?
    }
}

/// The name of this node in the job queue, kept in its data folder so that a restart knows
/// which running jobs its previous run left.
fn node_id(data: &std::path::Path) -> std::io::Result<String> {
    let path = data.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => {
            let id = format!("node-{}", quad_store::random_token(12));
            std::fs::write(&path, &id)?;
            Ok(id)
        }
    }
}

/// Starts serving on `config.listen` (port 0 picks a free port). The server stops on
/// SIGINT or SIGTERM, or when [`Server::stop`] is called.
pub async fn start(
    config: &ServeConfig,
    store: Store,
    media: MediaStorage,
) -> std::io::Result<Server> {
    let api = Arc::new(Api {
        store,
        media,
        config: ApiConfig {
            max_request_bytes: config.max_request_bytes,
            max_upload_bytes: config.max_upload_bytes,
            hls: config.hls,
        },
    });
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app_with(api.clone(), config.test_lms);
    let send_timeout = config.send_timeout_seconds.max(1);
    let handle = tokio::spawn(async move {
        // The peer address decides whether a header login came through a trusted proxy.
        axum::serve(
            Connections::new(listener, Duration::from_secs(send_timeout)),
            router.into_make_service_with_connect_info::<PeerAddr>(),
        )
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = stopped => {}
                _ = shutdown_signal() => {}
            }
        })
        .await
    });
    let worker = crate::processing::spawn(
        api.clone(),
        Worker {
            node: node_id(&config.store.data)?,
            retry_seconds: config.job_retry_seconds.max(1),
        },
    );
    Ok(Server {
        addr,
        api,
        handle,
        stop,
        worker,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Start-up errors, with what was being attempted.
pub mod anyhow_like {
    use std::fmt;

    #[derive(Debug)]
    pub struct Error(pub String);

    impl fmt::Display for Error {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Error {}

    pub type Result<T> = std::result::Result<T, Error>;

    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    pub fn io(what: &'static str) -> impl Fn(std::io::Error) -> Error {
        move |e| Error(format!("could not {what}: {}", chain(&e)))
    }

    pub fn store(e: quad_store::StoreError) -> Error {
        Error(format!("could not open the database: {}", chain(&e)))
    }

    pub fn media(e: quad_media::StorageError) -> Error {
        Error(format!("could not open the media storage: {}", chain(&e)))
    }
}
