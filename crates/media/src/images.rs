//! Pictures of a video made with ffmpeg: the poster (one frame, a tenth of the way in) and
//! the seekbar sprite the Kaltura player shows while seeking (100 frames side by side, each
//! 164 pixels wide).

use std::path::Path;

use crate::ffmpeg::{FfmpegError, ffmpeg};

/// How many frames the seekbar sprite holds, and how wide each is, as the player asks.
pub const SPRITE_FRAMES: u32 = 100;
pub const SPRITE_FRAME_WIDTH: u32 = 164;

/// Where the poster of the source stored under `source_key` is kept.
pub fn poster_key(source_key: &str) -> String {
    format!("{source_key}.poster.jpg")
}

/// Where the seekbar sprite of the source stored under `source_key` is kept.
pub fn sprite_key(source_key: &str) -> String {
    format!("{source_key}.sprite.jpg")
}

/// Where the poster scaled to fit `width` × `height` (0: any) is kept.
pub fn scaled_poster_key(source_key: &str, width: u32, height: u32) -> String {
    format!("{source_key}.poster.{width}x{height}.jpg")
}

/// The largest side a scaled poster may have.
pub const MAX_SIDE: u32 = 4096;

/// Writes one JPEG picture of `input` through the filter `filter`, at ffmpeg's JPEG quality
/// `quality` (2 best, 31 worst), seeking to `at` seconds first when given.
async fn one_jpeg(
    input: &Path,
    at: Option<&str>,
    filter: &str,
    quality: &str,
    out: &Path,
) -> Result<(), FfmpegError> {
    let before: Vec<&str> = at.map(|at| vec!["-ss", at]).unwrap_or_default();
    let after = [
        "-vf",
        filter,
        "-frames:v",
        "1",
        "-q:v",
        quality,
        "-f",
        "image2",
    ];
    ffmpeg(&before, input, &after, out).await
}

/// Writes the poster of `video` as a JPEG.
pub async fn poster(video: &Path, duration_ms: i64, out: &Path) -> Result<(), FfmpegError> {
    let at = format!("{:.3}", (duration_ms.max(0) as f64 / 10_000.0));
    one_jpeg(video, Some(&at), "null", "3", out).await
}

/// Writes the seekbar sprite of `video` as a JPEG: frames evenly spread over its duration.
pub async fn sprite(video: &Path, duration_ms: i64, out: &Path) -> Result<(), FfmpegError> {
    let seconds = (duration_ms.max(1) as f64) / 1000.0;
    let filter = format!(
        "fps={rate},scale={SPRITE_FRAME_WIDTH}:-2,tile={SPRITE_FRAMES}x1",
        rate = f64::from(SPRITE_FRAMES) / seconds
    );
    one_jpeg(video, None, &filter, "5", out).await
}

/// Writes `picture` scaled to fit within `width` × `height`, keeping its proportions; a side
/// of 0 follows from the other.
pub async fn scale(picture: &Path, width: u32, height: u32, out: &Path) -> Result<(), FfmpegError> {
    let filter = match (width, height) {
        (0, h) => format!("scale=-2:{h}"),
        (w, 0) => format!("scale={w}:-2"),
        (w, h) => format!("scale={w}:{h}:force_original_aspect_ratio=decrease"),
    };
    one_jpeg(picture, None, &filter, "3", out).await
}
