//! Object storage in a local folder: objects are files named by their key.
//!
//! Keys are made by Quad itself (`entries/<id>/source`, `uploads/<token>`), never taken from
//! a request, and are still checked so that no key can leave the folder.

use std::path::{Path, PathBuf};

use tokio::fs::{self, File, OpenOptions};
use tokio::io::{self, AsyncSeekExt, AsyncWriteExt};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    #[error("unsupported storage URL {0:?}")]
    UnsupportedUrl(String),
    #[error("storage I/O failed")]
    Io(#[from] io::Error),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct MediaStorage {
    root: PathBuf,
}

impl MediaStorage {
    /// Opens storage from a URL: a plain path or `file://path`.
    pub async fn open(url: &str) -> Result<MediaStorage> {
        let path = match url.strip_prefix("file://") {
            Some(path) => path,
            None if url.contains("://") => {
                return Err(StorageError::UnsupportedUrl(url.to_owned()));
            }
            None => url,
        };
        let root = PathBuf::from(path);
        fs::create_dir_all(root.join("tmp")).await?;
        Ok(MediaStorage { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        let valid = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != ".."
                    && part != "."
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            });
        if !valid {
            return Err(StorageError::InvalidKey(key.to_owned()));
        }
        Ok(self.root.join(key))
    }

    /// A fresh path for a temporary file inside the storage folder, so that moving it into
    /// place later is a rename.
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.root.join("tmp").join(name)
    }

    /// Moves a finished file into place under `key`.
    pub async fn put_file(&self, key: &str, from: &Path) -> Result<u64> {
        let to = self.path(key)?;
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).await?;
        }
        fs::rename(from, &to).await?;
        Ok(fs::metadata(&to).await?.len())
    }

    /// Appends the bytes of `chunk` to the object `key` after cutting it back to `keep`
    /// bytes, so that bytes from an earlier append that was never recorded are dropped.
    pub async fn append(&self, key: &str, keep: u64, chunk: &Path) -> Result<u64> {
        let path = self.path(key)?;
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

    /// Copies an object to another key.
    pub async fn copy(&self, from: &str, to: &str) -> Result<u64> {
        let (from, to) = (self.path(from)?, self.path(to)?);
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).await?;
        }
        Ok(fs::copy(from, to).await?)
    }

    /// Opens an object for reading, with its size; `None` when it does not exist.
    pub async fn open_object(&self, key: &str) -> Result<Option<(File, u64)>> {
        let path = self.path(key)?;
        match File::open(&path).await {
            Ok(file) => {
                let size = file.metadata().await?.len();
                Ok(Some((file, size)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The local path of an object, for tools such as ffprobe.
    pub fn local_path(&self, key: &str) -> Result<PathBuf> {
        self.path(key)
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        match fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Checks that the storage folder can be written, for health checks. Each check writes
    /// a file of its own, so that checks running at once do not remove each other's.
    pub async fn check(&self) -> Result<()> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = self
            .root
            .join("tmp")
            .join(format!(".health-{}-{n}", std::process::id()));
        fs::write(&probe, b"ok").await?;
        fs::remove_file(&probe).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("quad-media-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn keys_cannot_leave_the_storage_folder() {
        let storage = MediaStorage::open(temp_dir("keys").to_str().expect("utf-8"))
            .await
            .expect("open");
        for key in ["../x", "a/../../b", "/etc/passwd", "", "a//b", "a b"] {
            assert!(
                matches!(storage.path(key), Err(StorageError::InvalidKey(_))),
                "{key}"
            );
        }
        assert!(storage.path("entries/0_abc/source").is_ok());
    }

    #[tokio::test]
    async fn health_checks_running_at_once_all_succeed() {
        let storage = MediaStorage::open(temp_dir("health").to_str().expect("utf-8"))
            .await
            .expect("open");
        let checks: Vec<_> = (0..32).map(|_| storage.check()).collect();
        for result in futures_util::future::join_all(checks).await {
            assert!(result.is_ok(), "{result:?}");
        }
    }

    #[tokio::test]
    async fn append_drops_bytes_past_the_recorded_size() {
        let dir = temp_dir("append");
        let storage = MediaStorage::open(dir.to_str().expect("utf-8"))
            .await
            .expect("open");
        let chunk = storage.temp_path("chunk");
        fs::write(&chunk, b"abc").await.expect("write");
        assert_eq!(
            storage
                .append("uploads/t", 0, &chunk)
                .await
                .expect("append"),
            3
        );
        assert_eq!(
            storage
                .append("uploads/t", 3, &chunk)
                .await
                .expect("append"),
            6
        );
        // An append whose size was never recorded is cut away by the next one.
        assert_eq!(
            storage
                .append("uploads/t", 3, &chunk)
                .await
                .expect("append"),
            6
        );
        let bytes = fs::read(storage.path("uploads/t").expect("key"))
            .await
            .expect("read");
        assert_eq!(bytes, b"abcabc");
    }
}
