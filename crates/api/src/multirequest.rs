//! Multirequest: several calls in one request, later ones able to use earlier results
//! through `{N:result:path}` references.

use std::collections::BTreeMap;

use crate::params::Param;
use crate::wire::Out;

/// The sub-requests of a multirequest in the order they run, with the envelope's `ks`,
/// `partnerId` and `clientTag` copied into those that lack them. Numbering starts at 0 or
/// 1, as clients differ, and stops at the first gap or the first item without a service
/// and an action.
pub fn split(params: &Param) -> Vec<(String, Param)> {
    let Some(map) = params.as_map() else {
        return Vec::new();
    };
    let mut items: BTreeMap<i64, (&String, &Param)> = BTreeMap::new();
    for (key, value) in map {
        if let (Ok(index), Param::Map(_)) = (key.parse::<i64>(), value) {
            items.insert(index, (key, value));
        }
    }
    let Some(&first) = items.keys().next() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut index = first.min(1);
    while let Some((key, item)) = items.get(&index) {
        let has = |name: &str| {
            item.get(name)
                .and_then(Param::text)
                .is_some_and(|t| !t.is_empty())
        };
        if !has("service") || !has("action") {
            break;
        }
        let mut item = (*item).clone();
        for name in ["ks", "partnerId", "clientTag"] {
            if item.get(name).is_none()
                && let Some(value) = params.get(name)
            {
                item.set_path(&[name], value.clone());
            }
        }
        item.remove("format");
        out.push(((*key).clone(), item));
        index += 1;
    }
    out
}

/// Replaces every `{N:result}` or `{N:result:a:b}` in the params with the text of the
/// value it names in the results so far (1-based). A reference to nothing becomes "".
pub fn substitute(params: &mut Param, results: &[Out]) {
    params.rewrite_values(&mut |text: &str| {
        if !text.contains(":result") {
            return None;
        }
        Some(replace_references(text, results))
    });
}

fn replace_references(text: &str, results: &[Out]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let candidate = &rest[start + 1..];
        match candidate
            .find('}')
            .and_then(|end| resolve(&candidate[..end], results).map(|v| (end, v)))
        {
            Some((end, value)) => {
                out.push_str(&value);
                rest = &candidate[end + 1..];
            }
            None => {
                out.push('{');
                rest = candidate;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Resolves `N:result[:path]`; `None` when the text is not a reference at all.
fn resolve(reference: &str, results: &[Out]) -> Option<String> {
    let mut parts = reference.split(':');
    let n: usize = parts.next()?.parse().ok()?;
    if parts.next()? != "result" {
        return None;
    }
    let path: Vec<&str> = parts.collect();
    let value = n.checked_sub(1).and_then(|i| results.get(i));
    Some(
        value
            .and_then(|v| v.walk(&path))
            .map(Out::as_text)
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Obj;

    fn token() -> Out {
        let mut o = Obj::new("KalturaUploadToken");
        o.set("id", "0_tok");
        Out::Object(o)
    }

    #[test]
    fn python_style_zero_based_items_run_in_order_with_common_ks() {
        let mut p = Param::default();
        p.set_flat("ks", "KS");
        p.set_flat("0:service", "uploadtoken");
        p.set_flat("0:action", "add");
        p.set_flat("1:service", "media");
        p.set_flat("1:action", "add");
        p.set_flat("1:ks", "OWN");
        let items = split(&p);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].1.get("ks").and_then(Param::text), Some("KS"));
        assert_eq!(items[1].1.get("ks").and_then(Param::text), Some("OWN"));
    }

    #[test]
    fn processing_stops_at_an_item_without_an_action() {
        let mut p = Param::default();
        p.set_flat("1:service", "media");
        p.set_flat("1:action", "list");
        p.set_flat("2:service", "media");
        p.set_flat("3:service", "media");
        p.set_flat("3:action", "list");
        assert_eq!(split(&p).len(), 1);
    }

    #[test]
    fn references_are_replaced_inside_text_and_nested_values() {
        let mut p = Param::default();
        p.set_flat("resource:token", "{1:result:id}");
        p.set_flat("name", "x-{1:result:id}-{2:result}");
        substitute(&mut p, &[token()]);
        let token = p
            .get("resource")
            .and_then(|r| r.get("token"))
            .and_then(Param::text);
        assert_eq!(token, Some("0_tok"));
        assert_eq!(p.get("name").and_then(Param::text), Some("x-0_tok-"));
    }

    #[test]
    fn braces_that_are_not_references_stay() {
        assert_eq!(
            replace_references("{not a ref} {1:result", &[]),
            "{not a ref} {1:result"
        );
    }
}
