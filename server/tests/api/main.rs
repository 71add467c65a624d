//! Integration tests of the running server over HTTP, against a real SQLite file,
//! or PostgreSQL when TITAN_TEST_POSTGRES_URL is set (`make test` runs both).

mod access;
mod campaigns;
mod creatives;
mod dashboard;
mod demo;
mod experiment_lifecycle;
mod experiments;
mod fake_hubspot;
mod flash;
mod fuzz;
mod headers;
mod helpers;
mod hostile_media;
mod learning;
mod models;
mod openapi;
mod pagination;
mod people;
mod people_links;
mod queue;
mod quotas;
mod renders;
mod results;
mod retries;
mod security;
mod session_end;
mod sessions;
mod sign_in;
mod stills;
mod tenancy;
mod training;
