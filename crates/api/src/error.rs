//! API errors: `KalturaAPIException` with a code, a message and named arguments. Every error
//! a service can answer is built here, so codes and wording live in one place.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    pub args: Vec<(&'static str, String)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

fn err(code: &'static str, message: String, args: Vec<(&'static str, String)>) -> ApiError {
    ApiError {
        code,
        message,
        args,
    }
}

impl ApiError {
    pub fn internal() -> ApiError {
        // The misspelling is Kaltura's own code, which clients compare against.
        err(
            "INTERNAL_SERVERL_ERROR",
            "Internal server error occurred".into(),
            vec![],
        )
    }

    pub fn invalid_ks(ks: &str, code: i64, description: &str) -> ApiError {
        err(
            "INVALID_KS",
            format!("Invalid KS \"{ks}\", Error \"{code},{description}\""),
            vec![
                ("KSID", ks.into()),
                ("ERR_CODE", code.to_string()),
                ("ERR_DESC", description.into()),
            ],
        )
    }

    /// The refusal for acting on someone else's object without the right to.
    pub fn not_owner() -> ApiError {
        ApiError::invalid_ks("", -4, "INVALID_TYPE")
    }

    pub fn missing_ks() -> ApiError {
        err(
            "MISSING_KS",
            "Missing KS, session not established".into(),
            vec![],
        )
    }

    pub fn service_forbidden(service: &str, action: &str) -> ApiError {
        let name = format!("{service}->{action}");
        err(
            "SERVICE_FORBIDDEN",
            format!("The access to service [{name}] is forbidden"),
            vec![("SERVICE", name)],
        )
    }

    pub fn unknown_service(service: &str) -> ApiError {
        err(
            "SERVICE_DOES_NOT_EXISTS",
            format!("Service \"{service}\" does not exists"),
            vec![("SRV_NAME", service.into())],
        )
    }

    pub fn unknown_action(service: &str, action: &str) -> ApiError {
        err(
            "ACTION_DOES_NOT_EXISTS",
            format!("Action \"{action}\" does not exists for service \"{service}\""),
            vec![
                ("ACTION_NAME", action.into()),
                ("SERVICE_NAME", service.into()),
            ],
        )
    }

    pub fn service_not_specified() -> ApiError {
        err(
            "SERVICE_NOT_SPECIFIED",
            "Service name was not specified, please specify one".into(),
            vec![],
        )
    }

    pub fn missing_parameter(name: &str) -> ApiError {
        err(
            "MISSING_MANDATORY_PARAMETER",
            format!("Missing parameter \"{name}\""),
            vec![("PARAM_NAME", name.into())],
        )
    }

    pub fn cannot_be_null(class: &str, property: &str) -> ApiError {
        let name = format!("{class}::{property}");
        err(
            "PROPERTY_VALIDATION_CANNOT_BE_NULL",
            format!("The property \"{name}\" cannot be null"),
            vec![("PROP_NAME", name)],
        )
    }

    pub fn not_updatable(class: &str, property: &str) -> ApiError {
        let name = format!("{class}::{property}");
        err(
            "PROPERTY_VALIDATION_NOT_UPDATABLE",
            format!("The property \"{name}\" cannot be updated"),
            vec![("PROP_NAME", name)],
        )
    }

    pub fn admin_property(class: &str, property: &str) -> ApiError {
        let name = format!("{class}::{property}");
        err(
            "PROPERTY_VALIDATION_ADMIN_PROPERTY",
            format!("The property \"{name}\" is updatable with admin session only"),
            vec![("PROP_NAME", name)],
        )
    }

    pub fn max_length(class: &str, property: &str, max: usize) -> ApiError {
        let name = format!("{class}::{property}");
        err(
            "PROPERTY_VALIDATION_MAX_LENGTH",
            format!("The property \"{name}\" must have a maximum length of {max} characters"),
            vec![("PROP_NAME", name), ("MAX_LEN", max.to_string())],
        )
    }

    pub fn invalid_enum(value: &str, param: &str, enum_type: &str) -> ApiError {
        err(
            "INVALID_ENUM_VALUE",
            format!(
                "Invalid enumeration value \"{value}\" for parameter \"{param}\", expecting \
                    enumeration type \"{enum_type}\""
            ),
            vec![
                ("ENUM_VAL", value.into()),
                ("PARAM_NAME", param.into()),
                ("ENUM_TYPE", enum_type.into()),
            ],
        )
    }

    pub fn invalid_field_value(field: &str) -> ApiError {
        err(
            "INVALID_FIELD_VALUE",
            format!("value in field [{field}] is not valid"),
            vec![("FIELD_NAME", field.into())],
        )
    }

    pub fn object_type_abstract(class: &str) -> ApiError {
        err(
            "OBJECT_TYPE_ABSTRACT",
            format!("The object type \"{class}\" is abstract, use a concrete type"),
            vec![("OBJECT_TYPE", class.into())],
        )
    }

    pub fn invalid_object_type(class: &str) -> ApiError {
        err(
            "INVALID_OBJECT_TYPE",
            format!("Invalid object type \"{class}\""),
            vec![("OBJECT_TYPE", class.into())],
        )
    }

    pub fn unknown_format(format: &str) -> ApiError {
        err(
            "UNKNOWN_RESPONSE_FORMAT",
            format!("Response format provided [{format}] is not supported"),
            vec![("FORMAT", format.into())],
        )
    }

    pub fn body_too_large(max: usize) -> ApiError {
        err(
            "REQUEST_BODY_TOO_LARGE",
            format!("The request body is larger than the maximum of {max} bytes"),
            vec![("MAX_SIZE", max.to_string())],
        )
    }

    pub fn bad_request(reason: &str) -> ApiError {
        err(
            "INVALID_REQUEST",
            format!("The request could not be read: {reason}"),
            vec![],
        )
    }

    pub fn start_session_error(partner: &str) -> ApiError {
        err(
            "START_SESSION_ERROR",
            format!("Error while starting session for partner [{partner}]"),
            vec![("PID", partner.into())],
        )
    }

    pub fn invalid_partner(partner: &str) -> ApiError {
        err(
            "INVALID_PARTNER_ID",
            format!("Invalid partner id \"{partner}\""),
            vec![("PID", partner.into())],
        )
    }

    pub fn invalid_actions_limit() -> ApiError {
        err(
            "INVALID_ACTIONS_LIMIT",
            "Actions limit must be a positive number".into(),
            vec![],
        )
    }

    pub fn entry_not_found(id: &str) -> ApiError {
        err(
            "ENTRY_ID_NOT_FOUND",
            format!("Entry id \"{id}\" not found"),
            vec![("ENTRY_ID", id.into())],
        )
    }

    pub fn invalid_entry_id(id: &str) -> ApiError {
        err(
            "INVALID_ENTRY_ID",
            format!("Invalid entry id [\"{id}\"]"),
            vec![("ID", id.into())],
        )
    }

    pub fn entry_already_with_content() -> ApiError {
        err(
            "ENTRY_ALREADY_WITH_CONTENT",
            "Entry already associated with content".into(),
            vec![],
        )
    }

    pub fn resource_type_not_supported(class: &str) -> ApiError {
        err(
            "RESOURCE_TYPE_NOT_SUPPORTED",
            format!("Resource type [{class}] is not supported"),
            vec![("RESOURCE_TYPE", class.into())],
        )
    }

    pub fn category_not_found(id: &str) -> ApiError {
        err(
            "CATEGORY_NOT_FOUND",
            format!("Category id \"{id}\" not found"),
            vec![("ID", id.into())],
        )
    }

    pub fn parent_category_not_found(id: i64) -> ApiError {
        err(
            "PARENT_CATEGORY_NOT_FOUND",
            format!("Parent category id \"{id}\" not found"),
            vec![("ID", id.to_string())],
        )
    }

    pub fn parent_is_child(parent: i64, id: i64) -> ApiError {
        err(
            "PARENT_CATEGORY_IS_CHILD",
            format!("Parent category \"{parent}\" is a child of category \"{id}\""),
            vec![
                ("PARENT_ID", parent.to_string()),
                ("CATEGORY_ID", id.to_string()),
            ],
        )
    }

    pub fn duplicate_category(full_name: &str) -> ApiError {
        err(
            "DUPLICATE_CATEGORY",
            format!("The category \"{full_name}\" already exists"),
            vec![("CATEGORY", full_name.into())],
        )
    }

    pub fn category_name_invalid() -> ApiError {
        err(
            "CATEGORY_NAME_CONTAINS_INVALID_CHARS",
            "Category name contains invalid characters (<, > or ,), or is empty or longer than \
                200 characters"
                .into(),
            vec![],
        )
    }

    pub fn privacy_context_invalid(value: &str) -> ApiError {
        err(
            "PRIVACY_CONTEXT_INVALID_STRING",
            format!(
                "Privacy context [{value}] is invalid: labels are letters and digits, at least \
                    4 long"
            ),
            vec![("PRIVACY_CONTEXT", value.into())],
        )
    }

    pub fn cannot_update_privacy_context() -> ApiError {
        err(
            "CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT",
            "Privacy context can only be set by a session with entitlement disabled".into(),
            vec![],
        )
    }

    pub fn needs_privacy_context(field: &str) -> ApiError {
        let code = match field {
            "appearInList" => "CANNOT_SET_APPEAR_IN_LIST_FIELD_WITH_NO_PRIVACY_CONTEXT",
            "inheritanceType" => "CANNOT_SET_INHERITANCE_TYPE_FIELD_WITH_NO_PRIVACY_CONTEXT",
            "privacy" => "CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT",
            "owner" => "CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT",
            "userJoinPolicy" => "CANNOT_SET_USER_JOIN_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT",
            "contributionPolicy" => "CANNOT_SET_CONTRIBUTION_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT",
            _ => "CANNOT_SET_DEFAULT_PERMISSION_LEVEL_FIELD_WITH_NO_PRIVACY_CONTEXT",
        };
        err(
            code,
            format!("The field {field} can only be set on a category with a privacy context"),
            vec![],
        )
    }

    pub fn inherit_without_parent() -> ApiError {
        err(
            "CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET",
            "A category without a parent cannot inherit members".into(),
            vec![],
        )
    }

    pub fn set_on_inheriting(field: &str) -> ApiError {
        let code = match field {
            "owner" => "CANNOT_SET_OWNER_WHEN_CATEGORY_INHERIT_MEMBERS",
            "userJoinPolicy" => "CANNOT_SET_USER_JOIN_POLICY_WHEN_CATEGORY_INHERIT_MEMBERS",
            _ => "CANNOT_SET_DEFAULT_PERMISSION_LEVEL_WHEN_CATEGORY_INHERIT_MEMBERS",
        };
        err(
            code,
            format!("The field {field} cannot be set on a category that inherits its members"),
            vec![],
        )
    }

    pub fn not_entitled_to_update_category() -> ApiError {
        err(
            "NOT_ENTITLED_TO_UPDATE_CATEGORY",
            "Only category managers may update or delete it".into(),
            vec![],
        )
    }

    pub fn category_entry_exists() -> ApiError {
        err(
            "CATEGORY_ENTRY_ALREADY_EXISTS",
            "Entry already assigned to this category".into(),
            vec![],
        )
    }

    pub fn entry_not_in_category() -> ApiError {
        err(
            "ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY",
            "Entry is not assigned to this category".into(),
            vec![],
        )
    }

    pub fn cannot_assign_entry() -> ApiError {
        err(
            "CANNOT_ASSIGN_ENTRY_TO_CATEGORY",
            "This user may not assign this entry to this category".into(),
            vec![],
        )
    }

    pub fn cannot_remove_entry() -> ApiError {
        err(
            "CANNOT_REMOVE_ENTRY_FROM_CATEGORY",
            "This user may not remove this entry from this category".into(),
            vec![],
        )
    }

    pub fn max_categories_for_entry(max: i64) -> ApiError {
        err(
            "MAX_CATEGORIES_FOR_ENTRY_REACHED",
            format!("Entry can be assigned to at most {max} categories"),
            vec![("MAX_CATEGORIES", max.to_string())],
        )
    }

    pub fn cannot_activate_not_pending() -> ApiError {
        err(
            "CANNOT_ACTIVATE_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING",
            "The category entry is not pending".into(),
            vec![],
        )
    }

    pub fn cannot_reject_not_pending() -> ApiError {
        err(
            "CANNOT_REJECT_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING",
            "The category entry is not pending".into(),
            vec![],
        )
    }

    pub fn cannot_moderate() -> ApiError {
        err(
            "CANNOT_ACTIVATE_CATEGORY_ENTRY",
            "Only category managers and moderators may moderate it".into(),
            vec![],
        )
    }

    pub fn must_filter_entry_or_category() -> ApiError {
        err(
            "MUST_FILTER_ON_ENTRY_OR_CATEGORY",
            "Filter must name an entry or a category".into(),
            vec![],
        )
    }

    pub fn must_filter_users_or_category() -> ApiError {
        err(
            "MUST_FILTER_USERS_OR_CATEGORY",
            "Filter must name users or a category".into(),
            vec![],
        )
    }

    pub fn category_user_exists() -> ApiError {
        err(
            "CATEGORY_USER_ALREADY_EXISTS",
            "User is already a member of this category".into(),
            vec![],
        )
    }

    pub fn invalid_category_user(category: i64, user: &str) -> ApiError {
        err(
            "INVALID_CATEGORY_USER_ID",
            format!("Invalid CategoryUser for category [\"{category}\"] and for user [\"{user}\"]"),
            vec![("CATEGORY", category.to_string()), ("USER", user.into())],
        )
    }

    pub fn category_inherits_members(id: i64) -> ApiError {
        err(
            "CATEGORY_INHERIT_MEMBERS",
            format!("Category \"{id}\" inherits its members from its parent"),
            vec![("CATEGORY_ID", id.to_string())],
        )
    }

    pub fn join_not_allowed(id: i64) -> ApiError {
        err(
            "CATEGORY_USER_JOIN_NOT_ALLOWED",
            format!("Category \"{id}\" does not allow users to join"),
            vec![("CATEGORY_ID", id.to_string())],
        )
    }

    pub fn cannot_override_manual_changes() -> ApiError {
        err(
            "CANNOT_OVERRIDE_MANUAL_CHANGES",
            "Manual changes can only be overridden with override=true".into(),
            vec![],
        )
    }

    pub fn cannot_update_category_user() -> ApiError {
        err(
            "CANNOT_UPDATE_CATEGORY_USER",
            "Only category managers may change other members".into(),
            vec![],
        )
    }

    pub fn cannot_update_category_owner() -> ApiError {
        err(
            "CANNOT_UPDATE_CATEGORY_USER_OWNER",
            "The category owner must stay a manager".into(),
            vec![],
        )
    }

    pub fn duplicate_user(id: &str) -> ApiError {
        err(
            "DUPLICATE_USER_BY_ID",
            format!("User with id [{id}] already exists in system"),
            vec![("UID", id.into())],
        )
    }

    pub fn invalid_user_id() -> ApiError {
        err("INVALID_USER_ID", "Invalid user id".into(), vec![])
    }

    pub fn cannot_retrieve_another_user() -> ApiError {
        err(
            "CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION",
            "Only an admin session may retrieve another user".into(),
            vec![],
        )
    }

    pub fn upload_token_not_found() -> ApiError {
        err(
            "UPLOAD_TOKEN_NOT_FOUND",
            "Upload token not found".into(),
            vec![],
        )
    }

    pub fn upload_token_invalid_status_for_upload() -> ApiError {
        err(
            "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD",
            "Upload token is in an invalid status for uploading a file".into(),
            vec![],
        )
    }

    pub fn upload_token_invalid_status_for_add_entry() -> ApiError {
        err(
            "UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY",
            "Upload token is in an invalid status for adding entry".into(),
            vec![],
        )
    }

    pub fn upload_token_cannot_resume(expected: i64, given: i64) -> ApiError {
        err(
            "UPLOAD_TOKEN_CANNOT_RESUME",
            format!("Upload cannot resume at byte {given}: {expected} bytes were received so far"),
            vec![
                ("EXPECTED", expected.to_string()),
                ("RESUME_AT", given.to_string()),
            ],
        )
    }

    pub fn upload_size_mismatch(expected: f64, actual: i64) -> ApiError {
        err(
            "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE",
            format!("Uploaded size {actual} does not match the expected file size {expected}"),
            vec![],
        )
    }

    pub fn upload_error() -> ApiError {
        err(
            "UPLOAD_ERROR",
            "Upload failed: no file was sent".into(),
            vec![],
        )
    }

    pub fn upload_too_large(max: u64) -> ApiError {
        err(
            "UPLOAD_ERROR",
            format!("Upload failed: the file is larger than {max} bytes"),
            vec![],
        )
    }
}
