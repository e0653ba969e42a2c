//! Placeholder while the service is written.

use crate::call::Call;
use crate::error::{ApiError, ApiResult};
use crate::params::Fields;
use crate::wire::Out;

pub const ACTIONS: &[&str] = &[];

pub async fn handle(call: &Call<'_>, _params: &Fields<'_>) -> ApiResult<Out> {
    Err(ApiError::unknown_action(&call.service, &call.action))
}
