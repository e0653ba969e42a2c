//! Running ffmpeg, and why a run failed: not installed, or its own last word.

use std::path::Path;

use tokio::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum FfmpegError {
    #[error("ffmpeg is not installed")]
    Missing,
    #[error("ffmpeg failed: {0}")]
    Failed(String),
}

/// Runs ffmpeg with the options that go before the input and those that go before the
/// output. The process is killed if the caller stops waiting.
pub(crate) async fn ffmpeg(
    before: &[&str],
    input: &Path,
    after: &[&str],
    output: &Path,
) -> Result<(), FfmpegError> {
    let ran = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(before)
        .arg("-i")
        .arg(input)
        .args(after)
        .arg(output)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|_| FfmpegError::Missing)?;
    if !ran.status.success() {
        let why = String::from_utf8_lossy(&ran.stderr);
        let last = why.lines().last().unwrap_or("no message").to_owned();
        return Err(FfmpegError::Failed(last));
    }
    Ok(())
}
