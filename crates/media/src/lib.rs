//! Quad's media bytes: where they are kept, how they are read back in byte ranges, and what
//! a probe of them says. The database never holds media bytes.

pub mod probe;
pub mod range;
pub mod storage;

pub use probe::{Probe, ProbeOutcome, probe_file};
pub use range::{ByteRange, RangeError, parse_range};
pub use storage::{MediaStorage, StorageError};
