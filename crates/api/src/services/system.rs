//! `system`: liveness for API clients.

use crate::call::Call;
use crate::error::ApiResult;
use crate::params::Fields;
use crate::wire::Out;

pub const ACTIONS: &[&str] = &["ping"];

pub async fn handle(_call: &Call<'_>, _params: &Fields<'_>) -> ApiResult<Out> {
    Ok(Out::Bool(true))
}
