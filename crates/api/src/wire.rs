//! Responses: the value model services answer with, and its XML (format 2, what the official
//! clients parse) and JSON (format 1, what players and JavaScript clients read) forms.

use std::fmt::Write;

use crate::error::ApiError;

/// A response value.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Object(Obj),
    Array(Vec<Out>),
    Error(ApiError),
    /// The result of an action that returns nothing.
    Void,
}

/// A typed object: its `objectType` and its properties, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    pub class: &'static str,
    pub fields: Vec<(&'static str, Out)>,
}

impl Obj {
    pub fn new(class: &'static str) -> Obj {
        Obj {
            class,
            fields: Vec::new(),
        }
    }

    pub fn set(&mut self, name: &'static str, value: impl Into<Out>) -> &mut Obj {
        self.fields.push((name, value.into()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Out> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

impl From<Obj> for Out {
    fn from(o: Obj) -> Out {
        Out::Object(o)
    }
}

impl From<i64> for Out {
    fn from(v: i64) -> Out {
        Out::Int(v)
    }
}

impl From<f64> for Out {
    fn from(v: f64) -> Out {
        Out::Float(v)
    }
}

impl From<bool> for Out {
    fn from(v: bool) -> Out {
        Out::Bool(v)
    }
}

impl From<String> for Out {
    fn from(v: String) -> Out {
        Out::Str(v)
    }
}

impl From<&str> for Out {
    fn from(v: &str) -> Out {
        Out::Str(v.to_owned())
    }
}

impl<T: Into<Out>> From<Option<T>> for Out {
    fn from(v: Option<T>) -> Out {
        v.map_or(Out::Null, Into::into)
    }
}

/// A list response: `objects` and `totalCount`.
pub fn list_response(class: &'static str, objects: Vec<Out>, total: i64) -> Out {
    let mut obj = Obj::new(class);
    obj.set("objects", Out::Array(objects))
        .set("totalCount", total);
    Out::Object(obj)
}

impl Out {
    /// Walks a multirequest reference path (`objects:0:id`) into the value.
    pub fn walk(&self, path: &[&str]) -> Option<&Out> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        let next = match self {
            Out::Object(o) => o.get(first)?,
            Out::Array(items) => items.get(first.parse::<usize>().ok()?)?,
            _ => return None,
        };
        next.walk(rest)
    }

    /// The text a reference to this value is replaced with.
    pub fn as_text(&self) -> String {
        match self {
            Out::Bool(b) => if *b { "1" } else { "" }.to_owned(),
            Out::Int(i) => i.to_string(),
            Out::Float(f) => f.to_string(),
            Out::Str(s) => s.clone(),
            _ => String::new(),
        }
    }

    /// Keeps (`include`) or drops the named fields of the object, and of the items of a list
    /// response, as a detached response profile asks.
    pub fn apply_profile(&mut self, fields: &[String], include: bool) {
        let Out::Object(obj) = self else {
            return;
        };
        if obj.class.ends_with("ListResponse") {
            for (name, value) in obj.fields.iter_mut() {
                if *name == "objects"
                    && let Out::Array(items) = value
                {
                    items
                        .iter_mut()
                        .for_each(|i| i.apply_profile(fields, include));
                }
            }
            return;
        }
        obj.fields
            .retain(|(name, _)| fields.iter().any(|f| f == name) == include);
    }
}

fn xml_escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped rather than breaking the document.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

fn write_xml_value(out: &mut String, value: &Out) {
    match value {
        Out::Null | Out::Void => {}
        Out::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Out::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Out::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Out::Str(s) => xml_escape(out, s),
        Out::Object(obj) => {
            out.push_str("<objectType>");
            out.push_str(obj.class);
            out.push_str("</objectType>");
            for (name, field) in &obj.fields {
                if matches!(field, Out::Null) {
                    continue;
                }
                let _ = write!(out, "<{name}>");
                write_xml_value(out, field);
                let _ = write!(out, "</{name}>");
            }
        }
        Out::Array(items) => {
            for item in items {
                out.push_str("<item>");
                write_xml_value(out, item);
                out.push_str("</item>");
            }
        }
        Out::Error(e) => {
            out.push_str("<error><objectType>KalturaAPIException</objectType><code>");
            xml_escape(out, e.code);
            out.push_str("</code><message>");
            xml_escape(out, &e.message);
            out.push_str("</message><args>");
            for (name, value) in &e.args {
                out.push_str("<item><objectType>KalturaApiExceptionArg</objectType><name>");
                xml_escape(out, name);
                out.push_str("</name><value>");
                xml_escape(out, value);
                out.push_str("</value></item>");
            }
            out.push_str("</args></error>");
        }
    }
}

/// The XML document for a result, as the real server writes it.
pub fn to_xml(result: &Out, seconds: f64) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?><xml><result>");
    write_xml_value(&mut out, result);
    let _ = write!(
        out,
        "</result><executionTime>{seconds:.6}</executionTime></xml>"
    );
    out
}

/// The XML document for a multirequest: one `<item>` per sub-request.
pub fn to_xml_multi(results: &[Out], seconds: f64) -> String {
    to_xml(&Out::Array(results.to_vec()), seconds)
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes JSON straight into the output, without building a document tree first: list
/// responses are the hot path of players and My Media.
fn write_json(out: &mut String, value: &Out) {
    match value {
        Out::Null | Out::Void => out.push_str("null"),
        Out::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Out::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Out::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        },
        Out::Str(s) => json_string(out, s),
        Out::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Out::Object(obj) => {
            out.push('{');
            for (name, field) in obj.fields.iter().filter(|(_, f)| !matches!(f, Out::Null)) {
                json_string(out, name);
                out.push(':');
                write_json(out, field);
                out.push(',');
            }
            out.push_str("\"objectType\":");
            json_string(out, obj.class);
            out.push('}');
        }
        Out::Error(e) => {
            out.push_str("{\"code\":");
            json_string(out, e.code);
            out.push_str(",\"message\":");
            json_string(out, &e.message);
            out.push_str(",\"objectType\":\"KalturaAPIException\",\"args\":");
            if e.args.is_empty() {
                out.push_str("[]");
            } else {
                out.push('{');
                for (i, (name, value)) in e.args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(out, name);
                    out.push(':');
                    json_string(out, value);
                }
                out.push('}');
            }
            out.push('}');
        }
    }
}

pub fn to_json(result: &Out) -> String {
    let mut out = String::with_capacity(1024);
    write_json(&mut out, result);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Out {
        let mut o = Obj::new("KalturaMediaEntry");
        o.set("id", "0_a")
            .set("name", "a & <b>")
            .set("description", Out::Null)
            .set("plays", 3);
        Out::Object(o)
    }

    #[test]
    fn xml_objects_start_with_their_type_and_omit_nulls() {
        let xml = to_xml(&entry(), 0.0);
        assert!(xml.contains(
            "<result><objectType>KalturaMediaEntry</objectType><id>0_a</id><name>a &amp; \
                &lt;b&gt;</name><plays>3</plays></result>"
        ));
    }

    #[test]
    fn xml_errors_carry_code_message_and_args() {
        let xml = to_xml(&Out::Error(ApiError::entry_not_found("0_x")), 0.0);
        assert!(xml.contains(concat!(
            "<error><objectType>KalturaAPIException</objectType><code>ENTRY_ID_NOT_FOUND</code>",
            "<message>Entry id &quot;0_x&quot; not found</message>"
        )));
        assert!(xml.contains("<name>ENTRY_ID</name><value>0_x</value>"));
    }

    #[test]
    fn json_objects_end_with_their_type() {
        let json = to_json(&entry());
        assert_eq!(
            json,
            r#"{"id":"0_a","name":"a & <b>","plays":3,"objectType":"KalturaMediaEntry"}"#
        );
    }

    #[test]
    fn json_strings_survive_quotes_backslashes_and_control_characters() {
        let text = "a\"b\\c\nd\u{1}\té 😀";
        let mut o = Obj::new("X");
        o.set("s", text).set("f", 1.5).set("b", true);
        let parsed: serde_json::Value =
            serde_json::from_str(&to_json(&Out::Object(o))).expect("JSON");
        assert_eq!(parsed["s"], text);
        assert_eq!(parsed["f"], 1.5);
        assert_eq!(parsed["b"], true);
    }

    #[test]
    fn json_errors_without_args_have_an_empty_array() {
        let json = to_json(&Out::Error(ApiError::missing_ks()));
        assert!(json.contains(r#""args":[]"#));
        assert!(json.contains(r#""objectType":"KalturaAPIException""#));
    }

    #[test]
    fn references_walk_objects_and_arrays() {
        let list = list_response("KalturaMediaListResponse", vec![entry()], 1);
        assert_eq!(
            list.walk(&["objects", "0", "id"]).map(Out::as_text),
            Some("0_a".to_owned())
        );
        assert_eq!(
            list.walk(&["totalCount"]).map(Out::as_text),
            Some("1".to_owned())
        );
        assert_eq!(list.walk(&["nothing"]), None);
    }

    #[test]
    fn include_profiles_keep_only_named_fields_of_list_items() {
        let mut list = list_response("KalturaMediaListResponse", vec![entry()], 1);
        list.apply_profile(&["id".to_owned()], true);
        assert_eq!(
            to_json(&list),
            concat!(
                r#"{"objects":[{"id":"0_a","objectType":"KalturaMediaEntry"}],"totalCount":1,"#,
                r#""objectType":"KalturaMediaListResponse"}"#
            )
        );
    }
}
