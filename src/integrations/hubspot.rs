//! HubSpot's CRM API, read-only: a deal (its pipeline, stage and contacts), a
//! contact (the identifiers Titan can attribute by), and the account a token
//! belongs to. Every call goes through the shared outbound layer as the
//! `hubspot` dependency; GETs are idempotent, so they are retried.

use crate::outbound::{Outbound, OutboundError};
use serde::Deserialize;
use std::collections::HashMap;

/// The dependency's name in breakers, metrics and messages.
pub const DEPENDENCY: &str = "hubspot";
/// HubSpot's API, unless configured otherwise (tests point it at a fake).
pub const DEFAULT_API: &str = "https://api.hubapi.com";

/// Contact properties Titan reads: a form field holding Titan's click id, the
/// first page the contact saw (carries fbclid/gclid), and HubSpot's own click ids.
pub const CONTACT_PROPERTIES: &str =
    "email,titan_click_id,hs_analytics_first_url,hs_facebook_click_id,hs_google_click_id";

#[derive(Debug, Deserialize)]
struct Properties {
    #[serde(default)]
    properties: HashMap<String, Option<String>>,
}

#[derive(Debug, Deserialize)]
struct AssociationList {
    #[serde(default)]
    results: Vec<AssociationId>,
}

#[derive(Debug, Deserialize)]
struct AssociationId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct DealBody {
    #[serde(default)]
    properties: HashMap<String, Option<String>>,
    #[serde(default)]
    associations: HashMap<String, AssociationList>,
}

/// A deal as Titan needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Deal {
    pub pipeline: String,
    pub stage: String,
    pub contact_ids: Vec<String>,
}

/// A contact's identifiers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contact {
    pub id: String,
    pub email: Option<String>,
    pub titan_click_id: Option<String>,
    pub first_url: Option<String>,
    pub facebook_click_id: Option<String>,
    pub google_click_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AccountBody {
    #[serde(rename = "portalId")]
    portal_id: i64,
}

/// HubSpot's API at `base` with a private-app token.
#[derive(Clone, Debug)]
pub struct HubSpotApi<'a> {
    pub outbound: &'a Outbound,
    pub base: &'a str,
    pub token: &'a str,
}

fn prop(map: &HashMap<String, Option<String>>, name: &str) -> Option<String> {
    map.get(name)
        .cloned()
        .flatten()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// An id HubSpot gave us, safe to put in a path.
fn path_id(id: &str) -> Result<&str, OutboundError> {
    if !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(id)
    } else {
        Err(OutboundError::Decode {
            dependency: DEPENDENCY,
            message: format!(
                "object id {:?} is not a HubSpot id",
                id.chars().take(70).collect::<String>()
            ),
        })
    }
}

impl HubSpotApi<'_> {
    pub async fn deal(&self, deal_id: &str) -> Result<Deal, OutboundError> {
        let url = format!(
            "{}/crm/v3/objects/deals/{}?properties=dealstage,pipeline&associations=contacts",
            self.base,
            path_id(deal_id)?
        );
        let body: DealBody = self.outbound.get_json(DEPENDENCY, &url, self.token).await?;
        let contact_ids = body
            .associations
            .get("contacts")
            .map(|list| list.results.iter().map(|a| a.id.clone()).collect())
            .unwrap_or_default();
        Ok(Deal {
            pipeline: prop(&body.properties, "pipeline").unwrap_or_else(|| "default".to_owned()),
            stage: prop(&body.properties, "dealstage").unwrap_or_default(),
            contact_ids,
        })
    }

    pub async fn contact(&self, contact_id: &str) -> Result<Contact, OutboundError> {
        let url = format!(
            "{}/crm/v3/objects/contacts/{}?properties={CONTACT_PROPERTIES}",
            self.base,
            path_id(contact_id)?
        );
        let body: Properties = self.outbound.get_json(DEPENDENCY, &url, self.token).await?;
        let p = &body.properties;
        Ok(Contact {
            id: contact_id.to_owned(),
            email: prop(p, "email"),
            titan_click_id: prop(p, "titan_click_id"),
            first_url: prop(p, "hs_analytics_first_url"),
            facebook_click_id: prop(p, "hs_facebook_click_id"),
            google_click_id: prop(p, "hs_google_click_id"),
        })
    }

    /// The HubSpot account (portal) id the token belongs to.
    pub async fn portal_id(&self) -> Result<i64, OutboundError> {
        let url = format!("{}/account-info/v3/details", self.base);
        let body: AccountBody = self.outbound.get_json(DEPENDENCY, &url, self.token).await?;
        Ok(body.portal_id)
    }
}
