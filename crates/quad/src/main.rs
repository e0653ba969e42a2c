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
    /// Runs the server over a demo library: two portals, an LMS app with a course, users
    /// and sample media. Prints the demo's logins as one JSON line once it listens.
    Demo(ServeConfig),
    /// Fills a partner with synthetic data at a chosen scale, for benchmarks.
    Seed(seed::SeedConfig),
    /// Manages partners (accounts).
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// Manages applications: the video portal and LMS apps of a partner.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Reports identity mismatches across apps.
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Manages the courses of LMS apps.
    Course {
        #[command(subcommand)]
        command: CourseCommand,
    },
    /// Manages user ids.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Lists user ids that look like one person seen in different apps (same email, or the
    /// same id but for case or a domain suffix), with the apps and last logins of each.
    Report {
        #[arg(long)]
        partner: i64,
        #[command(flatten)]
        store: StoreConfig,
    },
}

#[derive(Subcommand)]
enum CourseCommand {
    /// Creates a course's Media Gallery and InContext categories ahead of its first launch,
    /// so that schedules and bulk publishing can target them; prints them as JSON.
    Add {
        /// The LMS app's slug.
        #[arg(long)]
        app: String,
        /// The LMS's context id of the course (`context_id` in its launches).
        #[arg(long)]
        context: String,
        /// The course title people know it by; the context id when left out.
        #[arg(long, default_value = "")]
        title: String,
        #[command(flatten)]
        store: StoreConfig,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Sets the portal password of a user (local logins), read from standard input so that
    /// it stays out of shell history and process lists.
    SetPassword {
        #[arg(long)]
        partner: i64,
        user: String,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Moves ownership, collaboration, memberships and logins from OLD to NEW in one
    /// transaction, merging into NEW if it exists.
    Rename {
        #[arg(long)]
        partner: i64,
        old: String,
        new: String,
        #[command(flatten)]
        store: StoreConfig,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    /// Creates an app with its category tree and prints it as JSON.
    Create {
        #[arg(long)]
        partner: i64,
        /// `portal` or `kaf` (an LMS app).
        #[arg(long, value_parser = ["portal", "kaf"])]
        kind: String,
        #[arg(long)]
        name: String,
        /// The app's path segment in URLs; made from the name when left out.
        #[arg(long)]
        slug: Option<String>,
        /// Where Quad is reached by browsers and LMSs.
        #[arg(long, env = "QUAD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Lists apps as JSON.
    List {
        #[arg(long)]
        partner: Option<i64>,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Prints an app as JSON: every setting and the URLs an LMS administrator pastes.
    Show {
        slug: String,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Sets one module setting, e.g. `categories.showExternalPublish true`.
    Set {
        slug: String,
        /// `MODULE.SETTING`
        setting: String,
        value: String,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Registers LMS platforms for LTI 1.3 and rotates the app's signing key.
    Lti13 {
        #[command(subcommand)]
        command: Lti13Command,
    },
}

#[derive(Subcommand)]
enum Lti13Command {
    /// Registers a platform (or updates the one with the same issuer and client id) and
    /// prints it as JSON.
    AddPlatform {
        slug: String,
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// Repeat for each deployment of this registration.
        #[arg(long = "deployment-id", required = true)]
        deployment_ids: Vec<String>,
        /// Where the platform publishes its keys (its JWKS).
        #[arg(long, default_value = "", required_unless_present = "jwks_file")]
        jwks_url: String,
        /// A JWKS file, for a platform that publishes no key set URL.
        #[arg(long)]
        jwks_file: Option<std::path::PathBuf>,
        /// The platform's OIDC authorization endpoint.
        #[arg(long)]
        auth_url: String,
        #[arg(long, default_value = "")]
        token_url: String,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Removes a platform registration by its id (see `quad app show`).
    RemovePlatform {
        slug: String,
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Makes a new signing key; the old one stays published for a week.
    RotateKey {
        slug: String,
        #[command(flatten)]
        store: StoreConfig,
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
        // Colours only for a person at a terminal; a log file gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Command::Serve(config) => serve(config, false).await,
        Command::Demo(mut config) => {
            config.test_lms = true;
            serve(config, true).await
        }
        Command::Seed(config) => seed::run(config).await,
        Command::Partner {
            command: PartnerCommand::Create { name, store },
        } => create_partner(&name, &store).await,
        Command::App { command } => app_command(command).await,
        Command::Identity {
            command: IdentityCommand::Report { partner, store },
        } => {
            let report = quad::identity::report(&open_store(&store).await?, partner).await?;
            print_json(&report)
        }
        Command::Course {
            command:
                CourseCommand::Add {
                    app,
                    context,
                    title,
                    store,
                },
        } => {
            let added =
                quad::lms::courses::add(&open_store(&store).await?, &app, &context, &title).await?;
            print_json(&added)
        }
        Command::User {
            command:
                UserCommand::SetPassword {
                    partner,
                    user,
                    store,
                },
        } => {
            let set = set_password(&open_store(&store).await?, partner, &user).await?;
            print_json(&set)
        }
        Command::User {
            command:
                UserCommand::Rename {
                    partner,
                    old,
                    new,
                    store,
                },
        } => {
            let renamed =
                quad::identity::rename(&open_store(&store).await?, partner, &old, &new).await?;
            print_json(&renamed)
        }
    }
}

async fn serve(config: ServeConfig, demo: bool) -> Result<(), String> {
    let options = StoreOptions {
        max_connections: config.database_connections,
        ..StoreOptions::default()
    };
    let (store, media) = quad::app::open(&config.store, options)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(storage = media.describe(), "media storage opened");
    let server = quad::start(&config, store.clone(), media)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", config.listen))?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", server.addr));
    tracing::info!(addr = %server.addr, "Quad is listening");
    if demo {
        let info = quad::demo::seed(&store, &public_url).await?;
        println!("{info}");
    } else {
        println!("Quad is listening on {public_url}");
        first_run(&store, &config.store, &public_url).await?;
    }
    server
        .wait()
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// On an empty database, creates a first partner, a portal and its administrator, keeping
/// the secrets and the password in a file that only the current user can read.
async fn first_run(
    store: &quad_store::Store,
    config: &StoreConfig,
    public_url: &str,
) -> Result<(), String> {
    let Some((partner, portal, password)) = quad::demo::first_run(store, public_url).await? else {
        return Ok(());
    };
    let path = config.data.join("first-partner.json");
    let json = serde_json::json!({
        "id": partner.id,
        "name": partner.name,
        "adminSecret": partner.admin_secret,
        "secret": partner.secret,
        "portal": portal["baseUrl"],
        "login": {"user": "admin", "password": password},
    });
    write_private(&path, &json.to_string())
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    println!(
        "Created partner {} with a portal. Log in at {}/login as admin; the password and the \
         partner's secrets are in {}",
        partner.id,
        portal["baseUrl"].as_str().unwrap_or_default(),
        path.display()
    );
    Ok(())
}

fn partner_json(p: &partners::Partner) -> String {
    serde_json::json!({
        "id": p.id,
        "name": p.name,
        "adminSecret": p.admin_secret,
        "secret": p.secret,
    })
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

async fn open_store(config: &StoreConfig) -> Result<quad_store::Store, String> {
    let (store, _media) = quad::app::open(config, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok(store)
}

async fn app_command(command: AppCommand) -> Result<(), String> {
    let out = match command {
        AppCommand::Create {
            partner,
            kind,
            name,
            slug,
            public_url,
            store,
        } => {
            let kind = quad_domain::app::AppKind::parse(&kind).ok_or("kind is portal or kaf")?;
            let new = quad::apps::NewApp {
                partner_id: partner,
                kind,
                name: &name,
                slug: slug.as_deref(),
                public_url: &public_url,
            };
            quad::apps::create(&open_store(&store).await?, &new).await?
        }
        AppCommand::List { partner, store } => {
            quad::apps::list(&open_store(&store).await?, partner).await?
        }
        AppCommand::Show { slug, store } => {
            quad::apps::show(&open_store(&store).await?, &slug).await?
        }
        AppCommand::Set {
            slug,
            setting,
            value,
            store,
        } => quad::apps::set(&open_store(&store).await?, &slug, &setting, &value).await?,
        AppCommand::Lti13 { command } => lti13_command(command).await?,
    };
    print_json(&out)
}

async fn lti13_command(command: Lti13Command) -> Result<serde_json::Value, String> {
    match command {
        Lti13Command::AddPlatform {
            slug,
            issuer,
            client_id,
            deployment_ids,
            jwks_url,
            jwks_file,
            auth_url,
            token_url,
            store,
        } => {
            let jwks = match jwks_file {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                ),
                None => None,
            };
            let new = quad::platforms::NewPlatform {
                issuer,
                client_id,
                deployment_ids,
                jwks_url,
                auth_url,
                token_url,
                jwks,
            };
            quad::platforms::add(&open_store(&store).await?, &slug, &new).await
        }
        Lti13Command::RemovePlatform { slug, id, store } => {
            quad::platforms::remove(&open_store(&store).await?, &slug, id).await
        }
        Lti13Command::RotateKey { slug, store } => {
            quad::platforms::rotate_key(&open_store(&store).await?, &slug).await
        }
    }
}

fn print_json(value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    // A reader that stops early (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout(), "{text}");
    Ok(())
}

/// Reads a password from standard input and stores its Argon2id hash for the user.
async fn set_password(
    store: &quad_store::Store,
    partner: i64,
    user: &str,
) -> Result<serde_json::Value, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("could not read the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    quad::identity::set_password(store, partner, user, password).await?;
    Ok(serde_json::json!({"partnerId": partner, "userId": user, "passwordSet": true}))
}
