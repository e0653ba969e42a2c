//! Request parameters: the tree that every body encoding, the query string and `/key/value`
//! path pairs are merged into, and typed access to it.
//!
//! Kaltura clients send every scalar as a string, nest with `a:b` or `a[b]`, mark explicit
//! nulls with a `__null` suffix and empty arrays with a `-` key. All of that is undone here,
//! so that services see plain values.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Value(String),
    Null,
    Map(BTreeMap<String, Param>),
}

impl Default for Param {
    fn default() -> Param {
        Param::Map(BTreeMap::new())
    }
}

/// A field of an object param: absent, explicitly null, or present.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Null,
    Set(T),
}

impl<T> Field<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, treating an explicit null like an absent value.
    pub fn value(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Applies the field to a stored optional value: absent keeps it, null clears it.
    pub fn apply(self, current: &mut Option<T>) {
        match self {
            Field::Absent => {}
            Field::Null => *current = None,
            Field::Set(v) => *current = Some(v),
        }
    }
}

impl Param {
    /// Sets the value at `path`, creating maps on the way. A last segment of `-` makes an
    /// empty map, and a `__null` suffix on the last segment sets an explicit null.
    pub fn set_path(&mut self, path: &[&str], value: Param) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for segment in parents {
            node = node.child_map(segment);
        }
        if *last == "-" {
            if !matches!(node, Param::Map(_)) {
                *node = Param::default();
            }
            return;
        }
        let Param::Map(map) = node else {
            return;
        };
        match last.strip_suffix("__null") {
            Some(name) => {
                map.insert(name.to_owned(), Param::Null);
            }
            None => match (map.get_mut(*last), value) {
                (Some(existing @ Param::Map(_)), Param::Map(incoming)) => {
                    existing.merge(Param::Map(incoming))
                }
                (_, value) => {
                    map.insert((*last).to_owned(), value);
                }
            },
        }
    }

    /// The map child `name`, made a map if it was anything else; a value or a null on the
    /// way is replaced, as a later, deeper key wins over an earlier scalar.
    fn child_map(&mut self, name: &str) -> &mut Param {
        if !matches!(self, Param::Map(_)) {
            *self = Param::default();
        }
        match self {
            Param::Map(map) => {
                let child = map.entry(name.to_owned()).or_default();
                if !matches!(child, Param::Map(_)) {
                    *child = Param::default();
                }
                child
            }
            other => other,
        }
    }

    /// Merges another tree in; its values win, maps merge recursively.
    pub fn merge(&mut self, other: Param) {
        match (self, other) {
            (Param::Map(mine), Param::Map(theirs)) => {
                for (key, value) in theirs {
                    match mine.get_mut(&key) {
                        Some(existing) => existing.merge(value),
                        None => {
                            mine.insert(key, value);
                        }
                    }
                }
            }
            (me, other) => *me = other,
        }
    }

    /// Adds a flat key such as `filter:statusIn`, `filter[statusIn]` or `1:entryId`.
    pub fn set_flat(&mut self, key: &str, value: &str) {
        let path = split_key(key);
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        self.set_path(&refs, Param::Value(value.to_owned()));
    }

    /// Builds a tree from decoded JSON. Numbers and booleans become strings, as the rest of
    /// the wire carries them; arrays become maps keyed by position.
    pub fn from_json(value: serde_json::Value) -> Param {
        use serde_json::Value as J;
        match value {
            J::Null => Param::Null,
            J::Bool(b) => Param::Value(if b { "1" } else { "0" }.to_owned()),
            J::Number(n) => Param::Value(n.to_string()),
            J::String(s) => Param::Value(s),
            J::Array(items) => Param::Map(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), Param::from_json(v)))
                    .collect(),
            ),
            J::Object(fields) => {
                let mut node = Param::default();
                for (key, value) in fields {
                    let path = split_key(&key);
                    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                    node.set_path(&refs, Param::from_json(value));
                }
                node
            }
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Param>> {
        match self {
            Param::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Looks a child up by name, falling back to a case-insensitive match.
    pub fn get(&self, name: &str) -> Option<&Param> {
        let map = self.as_map()?;
        map.get(name).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Param> {
        match self {
            Param::Map(map) => map.get_mut(name),
            _ => None,
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Param> {
        match self {
            Param::Map(map) => map.remove(name),
            _ => None,
        }
    }

    /// The text of a scalar param.
    pub fn text(&self) -> Option<&str> {
        match self {
            Param::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The items of an array param, ordered by their numeric keys.
    pub fn items(&self) -> Vec<&Param> {
        let Some(map) = self.as_map() else {
            return Vec::new();
        };
        let mut items: Vec<(i64, &Param)> = map
            .iter()
            .filter_map(|(k, v)| k.parse::<i64>().ok().map(|i| (i, v)))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// Rewrites every string value in place.
    pub fn rewrite_values(&mut self, f: &mut impl FnMut(&str) -> Option<String>) {
        match self {
            Param::Value(v) => {
                if let Some(new) = f(v) {
                    *v = new;
                }
            }
            Param::Map(map) => map.values_mut().for_each(|p| p.rewrite_values(f)),
            Param::Null => {}
        }
    }
}

/// Splits `a:b:c` and `a[b][c]` into path segments.
pub fn split_key(key: &str) -> Vec<String> {
    let mut segments = Vec::new();
    for part in key.split(':') {
        match part.find('[') {
            Some(open) if part.ends_with(']') => {
                segments.push(part[..open].to_owned());
                let inner = &part[open + 1..part.len() - 1];
                segments.extend(inner.split("][").map(str::to_owned));
            }
            _ => segments.push(part.to_owned()),
        }
    }
    segments.retain(|s| !s.is_empty());
    segments
}

/// Parses a Kaltura boolean: `false` in any case, `0` and the empty string are false.
pub fn parse_bool(text: &str) -> bool {
    !(text.is_empty() || text == "0" || text.eq_ignore_ascii_case("false"))
}

/// Reads a Kaltura integer, which may also come as a boolean word.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        return Some(1);
    }
    if t.eq_ignore_ascii_case("false") {
        return Some(0);
    }
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0)
            .map(|f| f as i64)
    })
}

/// Kaltura's relative times: values within ±10 years count from now.
pub fn resolve_time(value: i64, now: i64) -> i64 {
    const MAX_RELATIVE: i64 = 315_360_000;
    if (-MAX_RELATIVE..=MAX_RELATIVE).contains(&value) {
        now + value
    } else {
        value
    }
}

/// Typed access to the params of one object (an action's params, or an object param).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The class name used in error messages (`KalturaMediaEntry::name`).
    pub class: &'a str,
    pub node: &'a Param,
}

impl<'a> Fields<'a> {
    pub fn new(class: &'a str, node: &'a Param) -> Fields<'a> {
        Fields { class, node }
    }

    fn raw(&self, name: &str) -> Field<&'a Param> {
        match self.node.get(name) {
            None => Field::Absent,
            Some(Param::Null) => Field::Null,
            Some(p) => Field::Set(p),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        !self.raw(name).is_absent()
    }

    pub fn string(&self, name: &str) -> Field<String> {
        match self.raw(name) {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Set(Param::Value(v)) => Field::Set(v.clone()),
            Field::Set(_) => Field::Null,
        }
    }

    pub fn int(&self, name: &str) -> ApiResult<Field<i64>> {
        Ok(match self.string(name) {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Set(v) if v.is_empty() => Field::Null,
            Field::Set(v) => {
                Field::Set(parse_int(&v).ok_or_else(|| ApiError::invalid_field_value(name))?)
            }
        })
    }

    pub fn float(&self, name: &str) -> ApiResult<Field<f64>> {
        Ok(match self.string(name) {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Set(v) if v.is_empty() => Field::Null,
            Field::Set(v) => Field::Set(
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| ApiError::invalid_field_value(name))?,
            ),
        })
    }

    pub fn bool(&self, name: &str) -> Field<bool> {
        match self.string(name) {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Set(v) => Field::Set(parse_bool(&v)),
        }
    }

    /// An integer enum value, checked against the allowed codes.
    pub fn int_enum(&self, name: &str, enum_type: &str, allowed: &[i64]) -> ApiResult<Field<i64>> {
        let raw = self.string(name);
        let value = self.int(name).map_err(|_| {
            ApiError::invalid_enum(
                raw.clone().value().as_deref().unwrap_or(""),
                name,
                enum_type,
            )
        })?;
        if let Field::Set(v) = value
            && !allowed.contains(&v)
        {
            return Err(ApiError::invalid_enum(&v.to_string(), name, enum_type));
        }
        Ok(value)
    }

    /// A comma-separated list of strings.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.string(name).value().map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// A comma-separated list of integers.
    pub fn int_list(&self, name: &str) -> ApiResult<Option<Vec<i64>>> {
        match self.list(name) {
            None => Ok(None),
            Some(items) => items
                .iter()
                .map(|i| parse_int(i).ok_or_else(|| ApiError::invalid_field_value(name)))
                .collect::<ApiResult<Vec<i64>>>()
                .map(Some),
        }
    }

    /// A time field, resolving Kaltura's relative times.
    pub fn time(&self, name: &str, now: i64) -> ApiResult<Field<i64>> {
        Ok(match self.int(name)? {
            Field::Set(v) => Field::Set(resolve_time(v, now)),
            other => other,
        })
    }

    /// A mandatory scalar action param.
    pub fn required(&self, name: &str) -> ApiResult<String> {
        match self.string(name) {
            Field::Set(v) => Ok(v),
            _ => Err(ApiError::missing_parameter(name)),
        }
    }

    pub fn required_int(&self, name: &str) -> ApiResult<i64> {
        match self.int(name)? {
            Field::Set(v) => Ok(v),
            _ => Err(ApiError::missing_parameter(name)),
        }
    }

    /// A nested object param, if present.
    pub fn object(&self, name: &str) -> Option<&'a Param> {
        match self.node.get(name) {
            Some(p @ Param::Map(_)) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_and_bracket_keys_nest_the_same_way() {
        let mut a = Param::default();
        a.set_flat("filter:statusIn", "2,7");
        let mut b = Param::default();
        b.set_flat("filter[statusIn]", "2,7");
        assert_eq!(a, b);
        assert_eq!(
            a.get("filter")
                .and_then(|f| f.get("statusIn"))
                .and_then(Param::text),
            Some("2,7")
        );
    }

    #[test]
    fn null_suffix_sets_an_explicit_null() {
        let json = serde_json::json!({"mediaEntry": {"description__null": "", "name": "n"}});
        let p = Param::from_json(json);
        let entry = p.get("mediaEntry").expect("object");
        let fields = Fields::new("KalturaMediaEntry", entry);
        assert_eq!(fields.string("description"), Field::Null);
        assert_eq!(fields.string("name"), Field::Set("n".to_owned()));
        assert_eq!(fields.string("tags"), Field::Absent);
    }

    #[test]
    fn dash_key_is_an_empty_array() {
        let p = Param::from_json(serde_json::json!({"list": {"-": ""}}));
        assert_eq!(p.get("list"), Some(&Param::default()));
    }

    #[test]
    fn json_numbers_and_booleans_read_as_strings() {
        let p = Param::from_json(serde_json::json!({"format": 1, "flag": true}));
        assert_eq!(p.get("format").and_then(Param::text), Some("1"));
        assert!(parse_bool(
            p.get("flag").and_then(Param::text).unwrap_or("")
        ));
    }

    #[test]
    fn kaltura_booleans() {
        assert!(parse_bool("True"));
        assert!(parse_bool("1"));
        assert!(!parse_bool("False"));
        assert!(!parse_bool("0"));
        assert!(!parse_bool(""));
    }

    #[test]
    fn array_items_sort_numerically() {
        let mut p = Param::default();
        for i in [10, 2, 1] {
            p.set_flat(&format!("{i}"), &i.to_string());
        }
        let items: Vec<&str> = p.items().into_iter().filter_map(Param::text).collect();
        assert_eq!(items, ["1", "2", "10"]);
    }

    #[test]
    fn relative_times_count_from_now() {
        assert_eq!(resolve_time(-60, 1_000_000_000), 999_999_940);
        assert_eq!(resolve_time(1_700_000_000, 5), 1_700_000_000);
    }

    proptest::proptest! {
        #[test]
        fn any_keys_and_values_build_a_tree_without_panicking(
            pairs in proptest::collection::vec(("[a-z0-9:\\[\\]_\\-]{0,12}", ".{0,8}"), 0..12)
        ) {
            let mut p = Param::default();
            for (key, value) in &pairs {
                p.set_flat(key, value);
            }
            let fields = Fields::new("KalturaMediaEntry", &p);
            for (key, _) in &pairs {
                let _ = (fields.int(key), fields.bool(key), fields.list(key), p.items());
            }
        }
    }

    #[test]
    fn later_sources_win_when_merged() {
        let mut body = Param::default();
        body.set_flat("filter:nameLike", "a");
        body.set_flat("format", "2");
        let mut query = Param::default();
        query.set_flat("format", "1");
        body.merge(query);
        assert_eq!(body.get("format").and_then(Param::text), Some("1"));
        assert!(body.get("filter").is_some());
    }
}
