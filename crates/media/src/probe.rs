//! What a media file is: duration, picture size, container and codecs, as ffprobe reports
//! it, and whether browsers can play it as it is.

use std::path::Path;

use tokio::process::Command;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub duration_ms: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub has_video: bool,
    pub has_audio: bool,
    /// ffprobe's names: the container (`mov,mp4,m4a,3gp,3g2,mj2`), codecs (`h264`, `aac`)
    /// and the picture's pixel format (`yuv420p`).
    pub container: String,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub pixel_format: Option<String>,
}

impl Probe {
    /// Whether the common browsers (Chromium, Firefox, Safari) play the file as it is:
    /// H.264 in 8-bit 4:2:0, VP8, VP9 or AV1 video, and AAC, MP3, Opus or Vorbis sound, in
    /// an MP4 or WebM container, or sound alone in MP3, Ogg or WAV. Anything else (a phone's
    /// HEVC, AVI, WMV, 10-bit H.264) gets a web flavor.
    pub fn plays_in_browsers(&self) -> bool {
        let formats: Vec<&str> = self.container.split(',').collect();
        let mp4 = formats.contains(&"mp4") || formats.contains(&"mov");
        let webm = formats.contains(&"webm");
        let video_ok = match self.video_codec.as_deref() {
            None => true,
            Some("h264") => matches!(self.pixel_format.as_deref(), Some("yuv420p" | "yuvj420p")),
            Some("vp8" | "vp9" | "av1") => mp4 || webm,
            Some(_) => false,
        };
        let wav = formats.contains(&"wav") && !self.has_video;
        let audio_ok = match self.audio_codec.as_deref() {
            None | Some("aac" | "mp3" | "opus" | "vorbis") => true,
            Some(pcm) => wav && pcm.starts_with("pcm_"),
        };
        let container_ok = mp4
            || webm
            || !self.has_video && formats.iter().any(|f| matches!(*f, "mp3" | "ogg" | "wav"));
        container_ok && video_ok && audio_ok
    }

    /// Whether the file can be packaged as HLS as it is: H.264 video browsers play, with AAC
    /// sound or none, in an MP4.
    pub fn packs_as_hls(&self) -> bool {
        self.plays_in_browsers()
            && self.video_codec.as_deref() == Some("h264")
            && matches!(self.audio_codec.as_deref(), None | Some("aac"))
    }
}

/// What probing a file found out.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    Media(Probe),
    /// ffprobe ran and found no audio or video in the file.
    NotMedia,
    /// ffprobe is not installed, so nothing is known.
    Unavailable,
}

/// Probes a file with ffprobe.
pub async fn probe_file(path: &Path) -> ProbeOutcome {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await;
    match output {
        Err(_) => ProbeOutcome::Unavailable,
        Ok(out) if !out.status.success() => ProbeOutcome::NotMedia,
        Ok(out) => parse_ffprobe(&out.stdout).map_or(ProbeOutcome::NotMedia, ProbeOutcome::Media),
    }
}

fn parse_ffprobe(json: &[u8]) -> Option<Probe> {
    let doc: serde_json::Value = serde_json::from_slice(json).ok()?;
    let streams = doc.get("streams")?.as_array()?;
    let mut probe = Probe::default();
    for stream in streams {
        match stream.get("codec_type").and_then(|t| t.as_str()) {
            Some("video") if !probe.has_video && !is_cover_art(stream) => {
                probe.has_video = true;
                probe.width = stream.get("width").and_then(serde_json::Value::as_i64);
                probe.height = stream.get("height").and_then(serde_json::Value::as_i64);
                probe.video_codec = text(stream, "codec_name");
                probe.pixel_format = text(stream, "pix_fmt");
            }
            Some("audio") if !probe.has_audio => {
                probe.has_audio = true;
                probe.audio_codec = text(stream, "codec_name");
            }
            _ => {}
        }
    }
    if !probe.has_video && !probe.has_audio {
        return None;
    }
    probe.container = doc
        .get("format")
        .and_then(|f| text(f, "format_name"))
        .unwrap_or_default();
    let seconds = doc
        .get("format")
        .and_then(|f| f.get("duration"))
        .and_then(|d| d.as_str())
        .and_then(|d| d.parse::<f64>().ok());
    probe.duration_ms = seconds.map(|s| (s * 1000.0).round() as i64);
    Some(probe)
}

fn text(value: &serde_json::Value, name: &str) -> Option<String> {
    value.get(name).and_then(|v| v.as_str()).map(str::to_owned)
}

/// An MP3's or M4A's album picture shows up as a one-frame video stream; it is no video.
fn is_cover_art(stream: &serde_json::Value) -> bool {
    stream
        .get("disposition")
        .and_then(|d| d.get("attached_pic"))
        .and_then(serde_json::Value::as_i64)
        == Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_duration_and_picture_size() {
        let json = br#"{"streams":[{"codec_type":"video","width":640,"height":360},
            {"codec_type":"audio"}],"format":{"duration":"12.345"}}"#;
        let probe = parse_ffprobe(json).expect("media");
        assert_eq!(probe.duration_ms, Some(12345));
        assert_eq!((probe.width, probe.height), (Some(640), Some(360)));
        assert!(probe.has_video && probe.has_audio);
    }

    fn probe(container: &str, video: Option<&str>, pix: &str, audio: Option<&str>) -> Probe {
        Probe {
            has_video: video.is_some(),
            has_audio: audio.is_some(),
            container: container.to_owned(),
            video_codec: video.map(str::to_owned),
            audio_codec: audio.map(str::to_owned),
            pixel_format: video.map(|_| pix.to_owned()),
            ..Probe::default()
        }
    }

    const MP4: &str = "mov,mp4,m4a,3gp,3g2,mj2";

    #[test]
    fn h264_and_aac_in_mp4_play_as_they_are() {
        assert!(probe(MP4, Some("h264"), "yuv420p", Some("aac")).plays_in_browsers());
        assert!(probe("matroska,webm", Some("vp9"), "yuv420p", Some("opus")).plays_in_browsers());
        assert!(probe("mp3", None, "", Some("mp3")).plays_in_browsers());
        assert!(probe("wav", None, "", Some("pcm_s16le")).plays_in_browsers());
    }

    #[test]
    fn a_phones_hevc_and_other_codecs_need_a_web_flavor() {
        assert!(!probe(MP4, Some("hevc"), "yuv420p", Some("aac")).plays_in_browsers());
        assert!(!probe(MP4, Some("h264"), "yuv420p10le", Some("aac")).plays_in_browsers());
        assert!(!probe("avi", Some("mpeg4"), "yuv420p", Some("mp3")).plays_in_browsers());
        assert!(!probe("asf", Some("wmv2"), "yuv420p", Some("wmav2")).plays_in_browsers());
        assert!(!probe("matroska,webm", Some("h264"), "yuv420p", Some("ac3")).plays_in_browsers());
        assert!(!probe(MP4, Some("h264"), "yuv420p", Some("pcm_s16le")).plays_in_browsers());
    }

    #[test]
    fn only_h264_with_aac_or_no_sound_is_packaged_as_hls_unconverted() {
        assert!(probe(MP4, Some("h264"), "yuv420p", Some("aac")).packs_as_hls());
        assert!(probe(MP4, Some("h264"), "yuv420p", None).packs_as_hls());
        assert!(!probe(MP4, Some("h264"), "yuv420p", Some("mp3")).packs_as_hls());
        assert!(!probe("matroska,webm", Some("vp9"), "yuv420p", Some("opus")).packs_as_hls());
        assert!(!probe("mp3", None, "", Some("mp3")).packs_as_hls());
    }

    #[test]
    fn reads_container_and_codecs_and_skips_cover_art() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"mjpeg",
            "disposition":{"attached_pic":1}},{"codec_type":"audio","codec_name":"mp3"}],
            "format":{"format_name":"mp3","duration":"3.0"}}"#;
        let probe = parse_ffprobe(json).expect("media");
        assert!(!probe.has_video && probe.has_audio);
        assert_eq!(probe.container, "mp3");
        assert_eq!(probe.audio_codec.as_deref(), Some("mp3"));
        assert!(probe.plays_in_browsers());
    }

    #[test]
    fn a_file_without_streams_is_not_media() {
        assert_eq!(parse_ffprobe(br#"{"streams":[],"format":{}}"#), None);
    }
}
