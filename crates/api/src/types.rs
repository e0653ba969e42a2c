//! The Kaltura classes the API accepts as input, their hierarchy, and `objectType`
//! polymorphism; plus the pager every list shares.

use crate::error::{ApiError, ApiResult};
use crate::params::{Fields, Param};

struct Class {
    name: &'static str,
    parent: Option<&'static str>,
    is_abstract: bool,
}

const fn class(name: &'static str, parent: Option<&'static str>, is_abstract: bool) -> Class {
    Class {
        name,
        parent,
        is_abstract,
    }
}

const CLASSES: &[Class] = &[
    class("KalturaObjectBase", None, true),
    class("KalturaBaseEntry", Some("KalturaObjectBase"), false),
    class("KalturaPlayableEntry", Some("KalturaBaseEntry"), false),
    class("KalturaMediaEntry", Some("KalturaPlayableEntry"), false),
    class("KalturaBaseUser", Some("KalturaObjectBase"), false),
    class("KalturaUser", Some("KalturaBaseUser"), false),
    class("KalturaCategory", Some("KalturaObjectBase"), false),
    class("KalturaCategoryEntry", Some("KalturaObjectBase"), false),
    class("KalturaCategoryUser", Some("KalturaObjectBase"), false),
    class("KalturaUploadToken", Some("KalturaObjectBase"), false),
    class("KalturaFilter", Some("KalturaObjectBase"), true),
    class("KalturaRelatedFilter", Some("KalturaFilter"), true),
    class(
        "KalturaBaseEntryBaseFilter",
        Some("KalturaRelatedFilter"),
        false,
    ),
    class(
        "KalturaBaseEntryFilter",
        Some("KalturaBaseEntryBaseFilter"),
        false,
    ),
    class(
        "KalturaPlayableEntryBaseFilter",
        Some("KalturaBaseEntryFilter"),
        false,
    ),
    class(
        "KalturaPlayableEntryFilter",
        Some("KalturaPlayableEntryBaseFilter"),
        false,
    ),
    class(
        "KalturaMediaEntryBaseFilter",
        Some("KalturaPlayableEntryFilter"),
        false,
    ),
    class(
        "KalturaMediaEntryFilter",
        Some("KalturaMediaEntryBaseFilter"),
        false,
    ),
    class(
        "KalturaBaseUserBaseFilter",
        Some("KalturaRelatedFilter"),
        false,
    ),
    class(
        "KalturaBaseUserFilter",
        Some("KalturaBaseUserBaseFilter"),
        false,
    ),
    class(
        "KalturaUserBaseFilter",
        Some("KalturaBaseUserFilter"),
        false,
    ),
    class("KalturaUserFilter", Some("KalturaUserBaseFilter"), false),
    class(
        "KalturaCategoryBaseFilter",
        Some("KalturaRelatedFilter"),
        false,
    ),
    class(
        "KalturaCategoryFilter",
        Some("KalturaCategoryBaseFilter"),
        false,
    ),
    class(
        "KalturaCategoryEntryBaseFilter",
        Some("KalturaRelatedFilter"),
        false,
    ),
    class(
        "KalturaCategoryEntryFilter",
        Some("KalturaCategoryEntryBaseFilter"),
        false,
    ),
    class(
        "KalturaCategoryUserBaseFilter",
        Some("KalturaRelatedFilter"),
        false,
    ),
    class(
        "KalturaCategoryUserFilter",
        Some("KalturaCategoryUserBaseFilter"),
        false,
    ),
    class("KalturaUploadTokenBaseFilter", Some("KalturaFilter"), false),
    class(
        "KalturaUploadTokenFilter",
        Some("KalturaUploadTokenBaseFilter"),
        false,
    ),
    class("KalturaPager", Some("KalturaObjectBase"), true),
    class("KalturaFilterPager", Some("KalturaPager"), false),
    class("KalturaResource", Some("KalturaObjectBase"), true),
    class("KalturaContentResource", Some("KalturaResource"), true),
    class(
        "KalturaDataCenterContentResource",
        Some("KalturaContentResource"),
        true,
    ),
    class(
        "KalturaUploadedFileTokenResource",
        Some("KalturaDataCenterContentResource"),
        false,
    ),
    class("KalturaUrlResource", Some("KalturaContentResource"), false),
    class(
        "KalturaEntryResource",
        Some("KalturaContentResource"),
        false,
    ),
    class(
        "KalturaBaseResponseProfile",
        Some("KalturaObjectBase"),
        true,
    ),
    class(
        "KalturaDetachedResponseProfile",
        Some("KalturaBaseResponseProfile"),
        false,
    ),
    class(
        "KalturaResponseProfileHolder",
        Some("KalturaBaseResponseProfile"),
        false,
    ),
];

fn find(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

fn is_subclass(class: &Class, of: &str) -> bool {
    let mut current = Some(class);
    while let Some(c) = current {
        if c.name == of {
            return true;
        }
        current = c.parent.and_then(find);
    }
    false
}

/// Resolves the class of an object param from its declared type and its `objectType`: a
/// subclass of the declared type is used as given, an unrelated class falls back to the
/// declared type, an unknown class is refused, and an abstract result is refused.
pub fn resolve(declared: &'static str, node: &Param) -> ApiResult<&'static str> {
    let declared_class = find(declared).ok_or_else(|| ApiError::invalid_object_type(declared))?;
    let given = node
        .get("objectType")
        .and_then(Param::text)
        .filter(|t| !t.is_empty());
    let chosen = match given {
        None => declared_class,
        Some(name) => {
            let class = find(name).ok_or_else(|| ApiError::invalid_object_type(name))?;
            if is_subclass(class, declared) {
                class
            } else {
                declared_class
            }
        }
    };
    if chosen.is_abstract {
        return Err(ApiError::object_type_abstract(chosen.name));
    }
    Ok(chosen.name)
}

/// An object param with its resolved class.
pub fn object<'a>(
    params: &Fields<'a>,
    name: &str,
    declared: &'static str,
) -> ApiResult<Option<Fields<'a>>> {
    match params.object(name) {
        None => Ok(None),
        Some(node) => Ok(Some(Fields::new(resolve(declared, node)?, node))),
    }
}

/// A mandatory object param.
pub fn required_object<'a>(
    params: &Fields<'a>,
    name: &str,
    declared: &'static str,
) -> ApiResult<Fields<'a>> {
    object(params, name, declared)?.ok_or_else(|| ApiError::missing_parameter(name))
}

/// `KalturaFilterPager` as a SQL limit and offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub fn from_params(params: &Fields<'_>, default_size: i64) -> ApiResult<Page> {
        let Some(pager) = object(params, "pager", "KalturaFilterPager")? else {
            return Ok(Page {
                limit: default_size,
                offset: 0,
            });
        };
        let size = pager.int("pageSize")?.value().unwrap_or(30);
        let size = if size < 0 { 30 } else { size.min(500) };
        let index = pager.int("pageIndex")?.value().unwrap_or(1).max(1);
        Ok(Page {
            limit: size,
            offset: (index - 1).saturating_mul(size),
        })
    }
}

/// An `orderBy` value such as `-createdAt`, checked against the allowed fields.
pub fn order_by(
    filter: &Fields<'_>,
    allowed: &[&str],
    enum_type: &str,
) -> ApiResult<Option<(String, bool)>> {
    let Some(raw) = filter.string("orderBy").value().filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let (desc, field) = match raw.as_bytes().first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw.as_str()),
    };
    if !allowed.contains(&field) {
        return Err(ApiError::invalid_enum(&raw, "orderBy", enum_type));
    }
    Ok(Some((field.to_owned(), desc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(object_type: Option<&str>) -> Param {
        let mut p = Param::default();
        if let Some(t) = object_type {
            p.set_flat("objectType", t);
        }
        p
    }

    #[test]
    fn subclasses_are_used_as_given() {
        let n = node(Some("KalturaMediaEntryFilter"));
        assert_eq!(
            resolve("KalturaBaseEntryFilter", &n),
            Ok("KalturaMediaEntryFilter")
        );
    }

    #[test]
    fn unrelated_classes_fall_back_to_the_declared_type() {
        let n = node(Some("KalturaCategoryFilter"));
        assert_eq!(
            resolve("KalturaMediaEntryFilter", &n),
            Ok("KalturaMediaEntryFilter")
        );
    }

    #[test]
    fn unknown_and_abstract_types_are_refused() {
        let unknown = resolve("KalturaMediaEntry", &node(Some("KalturaNoSuchThing")));
        assert_eq!(unknown.map_err(|e| e.code), Err("INVALID_OBJECT_TYPE"));
        let abstract_type = resolve("KalturaResource", &node(None));
        assert_eq!(
            abstract_type.map_err(|e| e.code),
            Err("OBJECT_TYPE_ABSTRACT")
        );
    }

    #[test]
    fn pager_defaults_and_clamps() {
        let mut p = Param::default();
        assert_eq!(
            Page::from_params(&Fields::new("", &p), 30),
            Ok(Page {
                limit: 30,
                offset: 0
            })
        );
        p.set_flat("pager:pageSize", "1000");
        p.set_flat("pager:pageIndex", "3");
        assert_eq!(
            Page::from_params(&Fields::new("", &p), 30),
            Ok(Page {
                limit: 500,
                offset: 1000
            })
        );
    }
}
