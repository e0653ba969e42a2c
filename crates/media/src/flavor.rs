//! The flavors made from a source: the web flavor, a copy of a source that browsers cannot
//! play as it is, in H.264 and AAC in an MP4 whose index comes first, so that playback
//! starts before the whole file is read; and the HLS packaging of a playable H.264 video,
//! its segments as byte ranges of one fragmented MP4 file.

use std::path::Path;

use crate::ffmpeg::{FfmpegError, ffmpeg};

/// Where the web flavor of the source stored under `source_key` is kept.
pub fn web_flavor_key(source_key: &str) -> String {
    format!("{source_key}.web.mp4")
}

/// Writes the web flavor of `source`: its first picture, at most 1920 pixels wide, and its
/// first sound in stereo; sound alone when it has no picture.
pub async fn web_flavor(source: &Path, has_video: bool, out: &Path) -> Result<(), FfmpegError> {
    let sound = ["-map", "0:a:0?", "-c:a", "aac", "-b:a", "128k", "-ac", "2"];
    let container = ["-movflags", "+faststart", "-f", "mp4"];
    let picture = [
        "-map",
        "0:v:0",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-vf",
        "scale='trunc(min(1920,iw)/2)*2':-2",
    ];
    let mut after: Vec<&str> = Vec::new();
    if has_video {
        after.extend(picture);
    } else {
        after.push("-vn");
    }
    after.extend(sound);
    after.extend(container);
    ffmpeg(&[], source, &after, out).await
}

/// Where the HLS packaging of the source stored under `source_key` is kept: the media
/// playlist at `{key}.m3u8`, the segments at `{key}.m4s`.
pub fn hls_key(source_key: &str) -> String {
    format!("{source_key}.hls")
}

/// The name the media playlist written by [`hls`] gives its segment file.
pub const HLS_SEGMENT_FILE: &str = "media.m4s";

/// Packages the H.264 video `playable` as HLS into the folder `out`, without converting
/// it: `index.m3u8` and [`HLS_SEGMENT_FILE`], in segments of about six seconds.
pub async fn hls(playable: &Path, out: &Path) -> Result<(), FfmpegError> {
    let segments = out.join(HLS_SEGMENT_FILE);
    let segments = segments.to_string_lossy();
    let after = [
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "single_file",
        "-hls_segment_filename",
        &segments,
    ];
    ffmpeg(&[], playable, &after, &out.join("index.m3u8")).await
}
