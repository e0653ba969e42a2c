//! Objects in an S3-compatible bucket, under a prefix. The endpoint, region and
//! credentials come from the usual `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); an endpoint given
//! as `http://` is taken as consent to talk to it without TLS.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig};
use tokio::fs::File;
use tokio::io::{self, AsyncWriteExt};

use super::{Result, StorageError};

/// Objects up to this size are sent in one request, larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// How many parts of one object are sent at once.
const PARTS_AT_ONCE: usize = 4;

#[derive(Debug)]
pub struct Bucket {
    store: Arc<AmazonS3>,
    name: String,
    prefix: String,
}

impl Bucket {
    /// Opens `s3://BUCKET/PREFIX`. Nothing is sent until the first request.
    pub fn open(url: &str) -> Result<Bucket> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StorageError::UnsupportedUrl(url.to_owned()))?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if name.is_empty() {
            return Err(StorageError::UnsupportedUrl(url.to_owned()));
        }
        // reqwest is built without a TLS provider of its own; this one is shared by the
        // process, and installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .unwrap_or_default();
        // No limit on a whole request, since a media answer streams for as long as its
        // viewer watches; a bucket that stops sending is noticed by the read timeout.
        let client = ClientOptions::new()
            .with_allow_http(endpoint.starts_with("http://"))
            .with_timeout_disabled()
            .with_connect_timeout(Duration::from_secs(5))
            .with_read_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(name)
            .with_client_options(client)
            .with_retry(retry);
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        Ok(Bucket {
            store: Arc::new(builder.build()?),
            name: name.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    pub fn describe(&self) -> String {
        format!("s3://{}/{}", self.name, self.prefix)
    }

    fn path(&self, key: &str) -> ObjectPath {
        match self.prefix.as_str() {
            "" => ObjectPath::from(key),
            prefix => ObjectPath::from(format!("{prefix}/{key}")),
        }
    }

    /// Sends a local file to `key`, in parts when it is large; returns its size. A failed
    /// upload leaves no object behind.
    pub async fn upload(&self, key: &str, from: &Path) -> Result<u64> {
        let mut file = File::open(from).await?;
        let size = file.metadata().await?.len();
        let mut writer = BufWriter::with_capacity(self.store.clone(), self.path(key), PART_BYTES)
            .with_max_concurrency(PARTS_AT_ONCE);
        let sent = async {
            io::copy(&mut file, &mut writer).await?;
            writer.shutdown().await
        }
        .await;
        if let Err(e) = sent {
            let _ = writer.abort().await;
            return Err(e.into());
        }
        Ok(size)
    }

    /// The size of `key`; `None` when there is no such object.
    pub async fn size(&self, key: &str) -> Result<Option<u64>> {
        match self.store.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Streams the bytes of `key` in `range`, as the bucket sends them.
    pub async fn read(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> Result<BoxStream<'static, io::Result<Bytes>>, object_store::Error> {
        if range.is_empty() {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions::new().with_range(Some(GetRange::Bounded(range)));
        let got = self.store.get_opts(&self.path(key), options).await?;
        Ok(got.into_stream().map_err(io::Error::from).boxed())
    }

    /// Copies `key` into the local file `to`; false when there is no such object.
    pub async fn download(&self, key: &str, to: &Path) -> Result<bool> {
        let got = match self.store.get(&self.path(key)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let mut file = File::create(to).await?;
        let mut bytes = got.into_stream();
        while let Some(chunk) = bytes.try_next().await? {
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(true)
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Asks the bucket about an object that is never written: any answer but an error
    /// shows that the bucket is reachable and the credentials are accepted.
    pub async fn check(&self) -> Result<()> {
        self.size(".health").await.map(|_| ())
    }
}
