//! Quad's media bytes: where they are kept, how they are read back in byte ranges, what a
//! probe of them says, and the pictures made of them. The database never holds media bytes.

mod ffmpeg;
pub mod flavor;
pub mod images;
pub mod probe;
pub mod range;
pub mod storage;

pub use ffmpeg::FfmpegError;
pub use probe::{Probe, ProbeOutcome, probe_file};
pub use range::{ByteRange, RangeError, parse_range};
pub use storage::{MediaStorage, StorageError, StoredObject, WorkCopy};
