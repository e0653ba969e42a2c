//! The `quad` command: serve, and manage partners.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use quad::config::{ServeConfig, StoreConfig};
use quad_store::{StoreOptions, partners};
use tracing_subscriber::EnvFilter;

mod seed;

#[derive(Parser)]
#[command(
    name = "quad",
    version,
    about = "Quad: one media library behind a video portal and LMS apps"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve(ServeConfig),
    /// Fills a partner with synthetic data at a chosen scale, for benchmarks.
    Seed(seed::SeedConfig),
    /// Manages partners (accounts).
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
}

#[derive(Subcommand)]
enum PartnerCommand {
    /// Creates a partner and prints it as JSON, secrets included.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        store: StoreConfig,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("QUAD_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("quad: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quad: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(config) => serve(config).await,
        Command::Seed(config) => seed::run(config).await,
        Command::Partner {
            command: PartnerCommand::Create { name, store },
        } => create_partner(&name, &store).await,
    }
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    let (store, media) = quad::app::open(&config.store, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    first_partner(&store, &config.store).await?;
    let server = quad::start(&config, store, media)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", config.listen))?;
    tracing::info!(addr = %server.addr, "Quad is listening");
    println!("Quad is listening on http://{}", server.addr);
    server
        .wait()
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// On an empty database, creates a first partner and keeps its secrets in a file that only
/// the current user can read, printing where it is rather than the secrets themselves.
async fn first_partner(store: &quad_store::Store, config: &StoreConfig) -> Result<(), String> {
    let mut tx = store.write().await.map_err(|e| e.to_string())?;
    if partners::count(&mut tx).await.map_err(|e| e.to_string())? > 0 {
        return Ok(());
    }
    let partner = partners::create(&mut tx, "Default")
        .await
        .map_err(|e| e.to_string())?;
    let path = config.data.join("first-partner.json");
    let json = partner_json(&partner);
    write_private(&path, &json).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    tx.commit().await.map_err(|e| e.to_string())?;
    println!(
        "Created partner {} ({}). Its admin and user secrets are in {}",
        partner.id,
        partner.name,
        path.display()
    );
    Ok(())
}

fn partner_json(p: &partners::Partner) -> String {
    serde_json::json!({"id": p.id, "name": p.name, "adminSecret": p.admin_secret, "secret": p.secret})
        .to_string()
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

async fn create_partner(name: &str, config: &StoreConfig) -> Result<(), String> {
    let (store, _media) = quad::app::open(config, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut tx = store.write().await.map_err(|e| e.to_string())?;
    let partner = partners::create(&mut tx, name)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    println!("{}", partner_json(&partner));
    Ok(())
}
