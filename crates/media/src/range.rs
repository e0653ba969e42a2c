//! HTTP byte ranges (RFC 9110 §14): which bytes of an object a `Range` header asks for.

/// An inclusive byte range within an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeError {
    /// The header is not a byte-range request Quad understands; serve the whole object.
    Ignored,
    /// No requested range overlaps the object: answer 416.
    Unsatisfiable,
}

/// Parses a `Range` header against an object of `size` bytes. Ranges are clipped to the
/// object, overlapping or adjacent ones merged, and ones past the end dropped.
pub fn parse_range(header: &str, size: u64) -> Result<Vec<ByteRange>, RangeError> {
    let spec = header
        .trim()
        .strip_prefix("bytes=")
        .ok_or(RangeError::Ignored)?;
    let mut ranges = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let (first, last) = part.split_once('-').ok_or(RangeError::Ignored)?;
        let (first, last) = (first.trim(), last.trim());
        let range = if first.is_empty() {
            let suffix: u64 = last.parse().map_err(|_| RangeError::Ignored)?;
            if suffix == 0 || size == 0 {
                continue;
            }
            ByteRange {
                start: size.saturating_sub(suffix),
                end: size - 1,
            }
        } else {
            let start: u64 = first.parse().map_err(|_| RangeError::Ignored)?;
            let end = match last {
                "" => u64::MAX,
                l => l.parse().map_err(|_| RangeError::Ignored)?,
            };
            if end < start {
                return Err(RangeError::Ignored);
            }
            if start >= size {
                continue;
            }
            ByteRange {
                start,
                end: end.min(size - 1),
            }
        };
        ranges.push(range);
    }
    if ranges.is_empty() {
        return Err(RangeError::Unsatisfiable);
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<ByteRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(prev) if r.start <= prev.end.saturating_add(1) => prev.end = prev.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    #[test]
    fn open_ended_and_closed_ranges_are_clipped_to_the_object() {
        assert_eq!(parse_range("bytes=0-99", 1000), Ok(vec![r(0, 99)]));
        assert_eq!(parse_range("bytes=900-", 1000), Ok(vec![r(900, 999)]));
        assert_eq!(parse_range("bytes=900-5000", 1000), Ok(vec![r(900, 999)]));
    }

    #[test]
    fn suffix_ranges_count_from_the_end() {
        assert_eq!(parse_range("bytes=-100", 1000), Ok(vec![r(900, 999)]));
        assert_eq!(parse_range("bytes=-5000", 1000), Ok(vec![r(0, 999)]));
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(
            parse_range("bytes=1000-", 1000),
            Err(RangeError::Unsatisfiable)
        );
        assert_eq!(
            parse_range("bytes=-0", 1000),
            Err(RangeError::Unsatisfiable)
        );
    }

    #[test]
    fn several_ranges_are_sorted_and_merged() {
        assert_eq!(
            parse_range("bytes=500-599, 0-9, 5-20, 2000-", 1000),
            Ok(vec![r(0, 20), r(500, 599)])
        );
    }

    #[test]
    fn malformed_headers_are_ignored() {
        assert_eq!(parse_range("items=0-1", 10), Err(RangeError::Ignored));
        assert_eq!(parse_range("bytes=5-1", 10), Err(RangeError::Ignored));
        assert_eq!(parse_range("bytes=a-b", 10), Err(RangeError::Ignored));
    }
}
