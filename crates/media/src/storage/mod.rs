//! Object storage for media: objects named by key, kept in a local folder or in an
//! S3-compatible bucket, always streamed in both directions.
//!
//! Keys are made by Quad itself (`uploads/<token>`, `<source>.poster.jpg`), never taken from
//! a request, and are still checked so that no key can leave the folder. Beside the objects
//! there is a local work folder: temporary files, and uploads in progress, whose chunks are
//! appended until the upload is attached to an entry and the object is sealed.

mod bucket;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{self, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use bucket::Bucket;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    #[error("unsupported storage URL {0:?}: give a folder, file://PATH or s3://BUCKET/PREFIX")]
    UnsupportedUrl(String),
    #[error("storage I/O failed: {0}")]
    Io(#[from] io::Error),
    #[error("the bucket refused or failed: {0}")]
    Bucket(#[from] object_store::Error),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// How many bytes a read of a stored file yields at a time: each read is a trip to a
/// blocking thread, so small reads cap the speed (4 KB reads gave about 140 MB/s) while a
/// few hundred kilobytes per connection keep memory flat.
const READ_CHUNK: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct MediaStorage {
    /// Temporary files and uploads in progress; with a folder store, the objects too, so
    /// that moving a finished file into place is a rename.
    work: PathBuf,
    bucket: Option<Arc<Bucket>>,
}

impl MediaStorage {
    /// Opens storage from a URL: a plain path or `file://PATH` (objects in that folder), or
    /// `s3://BUCKET/PREFIX` (objects in the bucket, with the work folder at `work`).
    pub async fn open(url: &str, work: &Path) -> Result<MediaStorage> {
        let (work, bucket) = if url.starts_with("s3://") {
            (work.to_owned(), Some(Arc::new(Bucket::open(url)?)))
        } else {
            let path = match url.strip_prefix("file://") {
                Some(path) => path,
                None if url.contains("://") => {
                    return Err(StorageError::UnsupportedUrl(url.to_owned()));
                }
                None => url,
            };
            (PathBuf::from(path), None)
        };
        fs::create_dir_all(work.join("tmp")).await?;
        Ok(MediaStorage { work, bucket })
    }

    /// Where the objects are, for messages: a folder path or the bucket's URL.
    pub fn describe(&self) -> String {
        match &self.bucket {
            Some(bucket) => bucket.describe(),
            None => self.work.display().to_string(),
        }
    }

    fn work_path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.work.join(key))
    }

    /// A fresh path for a temporary file in the work folder.
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.work.join("tmp").join(name)
    }

    /// Stores a finished file under `key`, taking the file away (also when sending it to
    /// the bucket fails); returns its size.
    pub async fn put_file(&self, key: &str, from: &Path) -> Result<u64> {
        check_key(key)?;
        if let Some(bucket) = &self.bucket {
            let sent = bucket.upload(key, from).await;
            fs::remove_file(from).await?;
            return sent;
        }
        let to = self.work_path(key)?;
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).await?;
        }
        fs::rename(from, &to).await?;
        Ok(fs::metadata(&to).await?.len())
    }

    /// Appends the bytes of `chunk` to the upload in progress `key` after cutting it back to
    /// `keep` bytes, so that bytes from an earlier append that was never recorded are
    /// dropped.
    pub async fn append(&self, key: &str, keep: u64, chunk: &Path) -> Result<u64> {
        let path = self.work_path(key)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).await?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .await?;
        file.set_len(keep).await?;
        file.seek(io::SeekFrom::Start(keep)).await?;
        let mut source = File::open(chunk).await?;
        io::copy(&mut source, &mut file).await?;
        file.flush().await?;
        file.sync_data().await?;
        Ok(file.metadata().await?.len())
    }

    /// Makes the finished upload `key` a stored object. In a folder it already is one; with
    /// a bucket it is sent there and leaves the work folder. Sealing twice is harmless.
    pub async fn seal(&self, key: &str) -> Result<()> {
        let Some(bucket) = &self.bucket else {
            return Ok(());
        };
        let staged = self.work_path(key)?;
        if !fs::try_exists(&staged).await? {
            return Ok(());
        }
        bucket.upload(key, &staged).await?;
        fs::remove_file(&staged).await?;
        Ok(())
    }

    /// The stored object `key`, ready to be read; `None` when it does not exist.
    pub async fn open_object(&self, key: &str) -> Result<Option<StoredObject>> {
        check_key(key)?;
        if let Some(bucket) = &self.bucket {
            return Ok(bucket.size(key).await?.map(|size| StoredObject {
                size,
                place: Place::Bucket(bucket.clone(), key.to_owned()),
            }));
        }
        let path = self.work_path(key)?;
        match fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Some(StoredObject {
                size: meta.len(),
                place: Place::File(path),
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A local file with the bytes of `key`, for tools such as ffmpeg: the object itself in
    /// a folder or an upload still in the work folder, else a copy fetched from the bucket
    /// that goes away with the returned value. `None` when the object does not exist.
    pub async fn work_copy(&self, key: &str) -> Result<Option<WorkCopy>> {
        let path = self.work_path(key)?;
        if fs::try_exists(&path).await? {
            return Ok(Some(WorkCopy {
                path,
                temporary: false,
            }));
        }
        let Some(bucket) = &self.bucket else {
            return Ok(None);
        };
        let temp = self.temp_path(&format!("fetch-{}", unique()));
        let copy = WorkCopy {
            path: temp,
            temporary: true,
        };
        match bucket.download(key, &copy.path).await? {
            true => Ok(Some(copy)),
            false => Ok(None),
        }
    }

    /// Deletes an object, or an upload in progress; deleting what is not there is no error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match fs::remove_file(self.work_path(key)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        if let Some(bucket) = &self.bucket {
            bucket.delete(key).await?;
        }
        Ok(())
    }

    /// Removes temporary files older than `age`: those of a server that was killed, or of
    /// an ffmpeg run it left behind. Returns how many.
    pub async fn sweep_temporary(&self, age: std::time::Duration) -> Result<u64> {
        let mut removed = 0;
        let mut entries = fs::read_dir(self.work.join("tmp")).await?;
        while let Some(entry) = entries.next_entry().await? {
            let meta = entry.metadata().await?;
            let old = meta
                .modified()
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|elapsed| elapsed > age);
            if !old {
                continue;
            }
            let gone = match meta.is_dir() {
                true => fs::remove_dir_all(entry.path()).await,
                false => fs::remove_file(entry.path()).await,
            };
            if gone.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Checks that the work folder can be written and the bucket answers, for health
    /// checks. Each check writes a file of its own, so that checks running at once do not
    /// remove each other's.
    pub async fn check(&self) -> Result<()> {
        let probe = self.temp_path(&format!(".health-{}", unique()));
        fs::write(&probe, b"ok").await?;
        fs::remove_file(&probe).await?;
        if let Some(bucket) = &self.bucket {
            bucket.check().await?;
        }
        Ok(())
    }
}

fn check_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != ".."
                && part != "."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        });
    if valid {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.to_owned()))
    }
}

/// A name no other temporary file of any process on this folder has.
fn unique() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

/// A stored object of known size, whose bytes can be read in ranges.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub size: u64,
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    File(PathBuf),
    Bucket(Arc<Bucket>, String),
}

impl StoredObject {
    /// Streams the bytes in `range` (within the object), a chunk at a time, so that memory
    /// stays flat however large the range is and however slowly it is read.
    pub async fn read(
        &self,
        range: Range<u64>,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        match &self.place {
            Place::File(path) => {
                let mut file = File::open(path).await?;
                file.seek(io::SeekFrom::Start(range.start)).await?;
                let limited = file.take(range.end.saturating_sub(range.start));
                Ok(ReaderStream::with_capacity(limited, READ_CHUNK).boxed())
            }
            Place::Bucket(bucket, key) => bucket.read(key, range).await.map_err(io::Error::other),
        }
    }
}

/// A local file holding an object's bytes; a temporary copy is removed when dropped.
#[derive(Debug)]
pub struct WorkCopy {
    path: PathBuf,
    temporary: bool,
}

impl WorkCopy {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkCopy {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests;
