//! `quad seed`: fills a partner with synthetic data at a chosen scale, for benchmarks.

use std::time::Instant;

use clap::Args;
use quad::config::StoreConfig;
use quad_store::StoreOptions;
use quad_store::seed::{self, Scale, SeedReport};
use serde_json::{Map, Value, json};

/// Options of `quad seed`. The defaults are the scale the benchmarks are judged at.
#[derive(Debug, Clone, Args)]
pub struct SeedConfig {
    /// The partner to fill; it must not have any users, entries or categories yet.
    #[arg(long)]
    pub partner: i64,
    #[arg(long, default_value_t = Scale::default().users)]
    pub users: i64,
    #[arg(long, default_value_t = Scale::default().entries)]
    pub entries: i64,
    /// Categories, the root included.
    #[arg(long, default_value_t = Scale::default().categories)]
    pub categories: i64,
    /// Entries in categories; unique (category, entry) pairs.
    #[arg(long, default_value_t = Scale::default().publications)]
    pub publications: i64,
    /// Co-editors, co-publishers and co-viewers of entries.
    #[arg(long, default_value_t = Scale::default().collaborations)]
    pub collaborations: i64,
    #[command(flatten)]
    pub store: StoreConfig,
}

impl SeedConfig {
    fn scale(&self) -> Scale {
        Scale {
            users: self.users,
            entries: self.entries,
            categories: self.categories,
            publications: self.publications,
            collaborations: self.collaborations,
        }
    }
}

/// Seeds and prints what was made as JSON, with the seconds the seed itself took (opening
/// and migrating the database excluded).
pub async fn run(config: SeedConfig) -> Result<(), String> {
    let (store, _media) = quad::app::open(&config.store, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report = seed::seed(&store, config.partner, config.scale())
        .await
        .map_err(|e| match e {
            seed::SeedError::Store(e) => format!("the seed failed: {}", chain(&e)),
            other => other.to_string(),
        })?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    tracing::info!(phases = %seed::phases_summary(&report), "seeded");
    println!("{}", report_json(&report, seconds));
    Ok(())
}

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

fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn report_json(r: &SeedReport, seconds: f64) -> Value {
    let phases: Map<String, Value> = r
        .phases
        .iter()
        .map(|(name, s)| ((*name).to_owned(), json!(round(*s))))
        .collect();
    json!({
        "partnerId": r.partner_id,
        "users": r.scale.users,
        "entries": r.scale.entries,
        "categories": r.scale.categories,
        "publications": r.scale.publications,
        "collaborations": r.scale.collaborations,
        "members": r.members,
        "rootCategoryId": r.root_category_id,
        "privacyContext": seed::PRIVACY_CONTEXT,
        "heavyUser": r.heaviest_user.0,
        "heavyUserEntries": r.heaviest_user.1,
        "typicalUser": r.typical_user.0,
        "typicalUserEntries": r.typical_user.1,
        "sampleEntry": r.sample_entry,
        "seconds": round(seconds),
        "phases": phases,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use quad_api::{Api, ApiConfig};
    use quad_media::MediaStorage;
    use quad_store::{Store, partners};
    use tower::ServiceExt;

    use super::*;

    async fn call(api: &Arc<Api>, body: String) -> Value {
        let request = Request::post("/api_v3/")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a request");
        let response = quad::app::app(api.clone())
            .oneshot(request)
            .await
            .expect("a response");
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// The three benchmarked reads answer from seeded data through the real API.
    #[tokio::test]
    async fn the_api_serves_a_seeded_partner() {
        let dir = std::env::temp_dir().join(format!("quad_seed_api_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let url = format!("sqlite://{}?mode=rwc", dir.join("quad.db").display());
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("the store opens");
        let mut tx = store.write().await.expect("a transaction");
        let partner = partners::create(&mut tx, "Bench").await.expect("a partner");
        tx.commit().await.expect("commit");
        let scale = Scale {
            users: 50,
            entries: 200,
            categories: 20,
            publications: 400,
            collaborations: 30,
        };
        let report = seed::seed(&store, partner.id, scale)
            .await
            .expect("the seed runs");
        let media = MediaStorage::open(&dir.join("media").display().to_string(), &dir.join("work"))
            .await
            .expect("the media folder opens");
        let api = Arc::new(Api {
            store,
            media,
            config: ApiConfig::default(),
        });

        let start = |privileges: &str| {
            format!(
                "service=session&action=start&format=1&partnerId={}&secret={}&type=0\
                 &userId={}&privileges={privileges}",
                partner.id, partner.secret, report.heaviest_user.0
            )
        };
        let ks = call(&api, start("privacycontext:BenchPortal,enableentitlement")).await;
        let ks = ks.as_str().expect("a KS").to_owned();
        let my_media = call(
            &api,
            format!(
                "service=media&action=list&format=1&ks={ks}&filter[objectType]=\
                 KalturaMediaEntryFilter&filter[orderBy]=-createdAt&pager[pageSize]=50"
            ),
        )
        .await;
        let total = my_media["totalCount"].as_i64().expect("a count");
        assert_eq!(total, report.heaviest_user.1, "{my_media}");
        let objects = my_media["objects"].as_array().expect("objects");
        assert_eq!(objects.len() as i64, total.min(50));
        assert!(objects.iter().all(|o| o["userId"] == "user1"));

        let ks = call(
            &api,
            start("privacycontext:BenchPortal,enableentitlement,list:*"),
        )
        .await;
        let ks = ks.as_str().expect("a KS").to_owned();
        let listed = call(
            &api,
            format!("service=category&action=list&format=1&ks={ks}&pager[pageSize]=50"),
        )
        .await;
        let total = listed["totalCount"].as_i64().expect("a count");
        assert!(total > 0 && total <= 20, "{listed}");
        let sample = report.sample_entry.clone().expect("a sample entry");
        let published = call(
            &api,
            format!(
                "service=categoryEntry&action=list&format=1&ks={ks}\
                 &filter[objectType]=KalturaCategoryEntryFilter&filter[entryIdEqual]={sample}"
            ),
        )
        .await;
        assert!(
            published["totalCount"].as_i64().expect("a count") > 0,
            "{published}"
        );
        api.store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
