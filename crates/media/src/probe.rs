//! What a media file is: duration, picture size and kind, as ffprobe reports it.

use std::path::Path;

use tokio::process::Command;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub duration_ms: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub has_video: bool,
    pub has_audio: bool,
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
            Some("video") if !probe.has_video => {
                probe.has_video = true;
                probe.width = stream.get("width").and_then(serde_json::Value::as_i64);
                probe.height = stream.get("height").and_then(serde_json::Value::as_i64);
            }
            Some("audio") => probe.has_audio = true,
            _ => {}
        }
    }
    if !probe.has_video && !probe.has_audio {
        return None;
    }
    let seconds = doc
        .get("format")
        .and_then(|f| f.get("duration"))
        .and_then(|d| d.as_str())
        .and_then(|d| d.parse::<f64>().ok());
    probe.duration_ms = seconds.map(|s| (s * 1000.0).round() as i64);
    Some(probe)
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

    #[test]
    fn a_file_without_streams_is_not_media() {
        assert_eq!(parse_ffprobe(br#"{"streams":[],"format":{}}"#), None);
    }
}
