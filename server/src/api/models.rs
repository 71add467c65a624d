//! `/api/v1/models`: CTR predictions from the workspace's champion model, for
//! systems that score creatives before they spend (the same answer, log row and
//! model as the Studio's form).

use super::ApiState;
use super::caller::Caller;
use super::json::Body;
use super::problem::ApiResult;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use std::collections::BTreeMap;
use titan::accounts::Actor;
use titan::domain::api_key::Scope;
use titan::domain::model::CtrPrediction;

use titan::ml::predict::MAX_INPUTS;

/// One input value: a number, or text (a category, or a number written as text).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum InputValue {
    Number(f64),
    Text(String),
}

/// The inputs of one CTR prediction.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct CtrInputs {
    /// The champion model's input columns by name (see the Studio's model
    /// card); a column left out counts as empty.
    #[schemars(length(max = MAX_INPUTS))]
    pub inputs: BTreeMap<String, InputValue>,
}

/// `POST /api/v1/models/ctr/predict`: the champion CTR model's prediction with
/// its interval and the three inputs that moved it most; 404 when the workspace
/// has trained none from an export.
pub async fn predict_ctr(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Body(body): Body<CtrInputs>,
) -> ApiResult<Json<CtrPrediction>> {
    actor.require(Scope::Read)?;
    let inputs: Vec<(String, String)> = body
        .inputs
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                InputValue::Number(n) => n.to_string(),
                InputValue::Text(t) => t,
            };
            (name, text)
        })
        .collect();
    let user_id = match &actor {
        Actor::User(user) => Some(user.id),
        Actor::Key(_) => None,
    };
    Ok(Json(
        titan::ml::predict::predict_ctr(
            &state.db,
            &state.ctr,
            actor.workspace_id(),
            user_id,
            &inputs,
        )
        .await?,
    ))
}
