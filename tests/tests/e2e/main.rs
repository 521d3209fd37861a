//! End to end: the bot's HTTP server on 127.0.0.1 with its database (SQLite
//! in memory), signed webhooks of both providers, and fake Twilio and Meta
//! servers that receive the replies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod api_campaigns;
mod api_customers;
mod api_rules;
mod campaign_cost;
mod campaigns;
mod conformance;
mod consent;
mod delivery;
mod hostile;
mod http_edge;
mod invoices;
mod languages_and_handoff;
mod meta_flow;
mod phone_rule;
mod rules;
mod support;
mod support_answers;
mod template_languages;
mod twilio_flow;
mod zoho;
