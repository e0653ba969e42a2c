//! What a refused or failed page request shows: one error type for the portal, turned into
//! a page (or a redirect to the login page) in one place.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use quad_api::error::ApiError;

/// Why a page could not be shown or an action was refused. Every refusal leaves the library
/// unchanged.
#[derive(Debug)]
pub enum PortalError {
    /// No such app, entry or category, or one the visitor may not see.
    NotFound,
    /// The page needs a logged-in user; the location is where to come back to.
    LoginRequired(String),
    /// The visitor may not do this; the text says why.
    Forbidden(String),
    /// The form was not acceptable; the text says what to change.
    BadRequest(String),
    /// A fault of Quad itself, already logged.
    Internal,
}

pub type PortalResult<T> = Result<T, PortalError>;

impl PortalError {
    /// A store fault, logged once here with its causes.
    pub fn store(e: impl std::error::Error) -> PortalError {
        let mut chain = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "portal store fault");
        PortalError::Internal
    }

    /// An API refusal in words a person reads; faults stay opaque.
    pub fn api(e: ApiError) -> PortalError {
        let text = match e.code {
            "INTERNAL_SERVERL_ERROR" => return PortalError::Internal,
            "ENTRY_ID_NOT_FOUND" | "INVALID_ENTRY_ID" | "CATEGORY_NOT_FOUND" => {
                return PortalError::NotFound;
            }
            "INVALID_KS" if e.message.contains("INVALID_TYPE") => {
                "Only the owner or a co-editor may change this entry.".to_owned()
            }
            "INVALID_KS" => "Your session has ended. Log in again.".to_owned(),
            "CANNOT_ASSIGN_ENTRY_TO_CATEGORY" => {
                "You may not publish to that category, or may not publish this entry.".to_owned()
            }
            "CANNOT_REMOVE_ENTRY_FROM_CATEGORY" => {
                "You may not remove this entry from that category.".to_owned()
            }
            _ => e.message,
        };
        PortalError::Forbidden(text)
    }

    fn status(&self) -> StatusCode {
        match self {
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::LoginRequired(_) => StatusCode::SEE_OTHER,
            PortalError::Forbidden(_) => StatusCode::FORBIDDEN,
            PortalError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PortalError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message) = match &self {
            PortalError::LoginRequired(location) => {
                let mut response = status.into_response();
                if let Ok(value) = location.parse() {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                return response;
            }
            PortalError::NotFound => (
                "Not found",
                "There is nothing here, or nothing you may see.",
            ),
            PortalError::Forbidden(text) => ("Not allowed", text.as_str()),
            PortalError::BadRequest(text) => ("Please check the form", text.as_str()),
            PortalError::Internal => (
                "Something went wrong",
                "Quad could not complete this request. Nothing was changed; try again later.",
            ),
        };
        if let PortalError::Forbidden(reason) | PortalError::BadRequest(reason) = &self {
            tracing::warn!(status = status.as_u16(), reason, "portal request refused");
        }
        let page = ErrorPage { title, message };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message.to_owned()).into_response(),
        }
    }
}
