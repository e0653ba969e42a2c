use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quad-media-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn folder(name: &str) -> MediaStorage {
    let dir = temp_dir(name);
    MediaStorage::open(dir.to_str().expect("utf-8"), &dir)
        .await
        .expect("open")
}

async fn read_to_vec(object: &StoredObject, range: Range<u64>) -> Vec<u8> {
    let mut bytes = object.read(range).await.expect("open");
    let mut all = Vec::new();
    while let Some(chunk) = bytes.next().await {
        all.extend_from_slice(&chunk.expect("read"));
    }
    all
}

#[test]
fn keys_cannot_leave_the_storage_folder() {
    for key in ["../x", "a/../../b", "/etc/passwd", "", "a//b", "a b"] {
        assert!(
            matches!(check_key(key), Err(StorageError::InvalidKey(_))),
            "{key}"
        );
    }
    assert!(check_key("entries/0_abc/source").is_ok());
}

#[tokio::test]
async fn urls_of_other_kinds_are_refused() {
    let dir = temp_dir("urls");
    let opened = MediaStorage::open("ftp://example/media", &dir).await;
    assert!(matches!(opened, Err(StorageError::UnsupportedUrl(_))));
}

#[tokio::test]
async fn health_checks_running_at_once_all_succeed() {
    let storage = folder("health").await;
    let checks: Vec<_> = (0..32).map(|_| storage.check()).collect();
    for result in futures_util::future::join_all(checks).await {
        assert!(result.is_ok(), "{result:?}");
    }
}

#[tokio::test]
async fn append_drops_bytes_past_the_recorded_size() {
    let storage = folder("append").await;
    let chunk = storage.temp_path("chunk");
    fs::write(&chunk, b"abc").await.expect("write");

    let first = storage
        .append("uploads/t", 0, &chunk)
        .await
        .expect("append");
    let second = storage
        .append("uploads/t", 3, &chunk)
        .await
        .expect("append");
    // An append whose size was never recorded is cut away by the next one.
    let again = storage
        .append("uploads/t", 3, &chunk)
        .await
        .expect("append");

    assert_eq!((first, second, again), (3, 6, 6));
    let object = storage
        .open_object("uploads/t")
        .await
        .expect("open")
        .expect("exists");
    assert_eq!(read_to_vec(&object, 0..object.size).await, b"abcabc");
}

#[tokio::test]
async fn an_object_is_read_back_in_ranges() {
    let storage = folder("ranges").await;
    let file = storage.temp_path("file");
    let bytes: Vec<u8> = (0..READ_CHUNK * 3).map(|i| (i % 251) as u8).collect();
    fs::write(&file, &bytes).await.expect("write");
    storage
        .put_file("entries/x/source", &file)
        .await
        .expect("put");

    let object = storage
        .open_object("entries/x/source")
        .await
        .expect("open")
        .expect("exists");
    let middle = 1000..(READ_CHUNK as u64 * 2 + 7);

    assert_eq!(object.size, bytes.len() as u64);
    assert_eq!(
        read_to_vec(&object, middle.clone()).await,
        bytes[1000..middle.end as usize]
    );
    assert!(read_to_vec(&object, 5..5).await.is_empty());
}

#[tokio::test]
async fn a_missing_object_is_none_and_deleting_it_is_no_error() {
    let storage = folder("missing").await;

    assert!(
        storage
            .open_object("entries/none")
            .await
            .expect("open")
            .is_none()
    );
    assert!(
        storage
            .work_copy("entries/none")
            .await
            .expect("copy")
            .is_none()
    );
    assert!(storage.delete("entries/none").await.is_ok());
}

#[tokio::test]
async fn old_temporary_files_are_swept_and_fresh_ones_kept() {
    let storage = folder("sweep").await;
    let fresh = storage.temp_path("fresh");
    fs::write(&fresh, b"in use").await.expect("write");
    let old_dir = storage.temp_path("hls-old.d");
    fs::create_dir_all(&old_dir).await.expect("a folder");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    fs::write(&fresh, b"still in use").await.expect("write");

    let removed = storage
        .sweep_temporary(std::time::Duration::from_secs(1))
        .await
        .expect("sweep");

    assert_eq!(removed, 1);
    assert!(fs::try_exists(&fresh).await.expect("look"));
    assert!(!fs::try_exists(&old_dir).await.expect("look"));
}
