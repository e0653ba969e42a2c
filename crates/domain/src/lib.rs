//! Quad's rules: who may see, edit, publish and moderate, and the shape of the category tree.
//!
//! Nothing in this crate performs I/O. The adapters (API, portal, LMS, capture) parse their
//! protocol into these types, ask these functions, and hand the answer to the store.

pub mod app;
pub mod category;
pub mod channel;
pub mod display;
pub mod embed;
pub mod entitlement;
pub mod entry;
pub mod identity;
pub mod login;
pub mod lti;
pub mod lti13;
pub mod membership;
pub mod my_media;
pub mod publishing;
pub mod roles;
pub mod session;
pub mod user;

pub use category::{CategoryPath, CategoryRuleError, Privacy};
pub use entitlement::{CategoryAccess, EntitlementContext, EntryAccess, PublicationAccess};
pub use entry::{EntryStatus, MediaType};
pub use membership::{MemberStatus, PermissionLevel};
pub use publishing::PublicationStatus;
pub use session::{Privileges, Session, SessionType};
pub use user::UserId;
