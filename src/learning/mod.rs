//! The learning loop: what happens after an ad is clicked. Clicks through
//! tracking links and leads from the landing-page snippet ([`clicks`]), CRM
//! deal stages delivered by webhooks ([`webhooks`], verified by [`signature`]),
//! the job that prices each stage ([`stages`]) and attributes it to a click
//! ([`attribution`], [`conversions`]), and the schedules ([`schedule`],
//! [`scheduler`]) that scan creatives for fatigue ([`fatigue`]) into [`alerts`].
//!
//! The pure rules (signature, stages, attribution, fatigue, schedule, privacy)
//! take no clock and do no I/O; the rest stores and reads.

pub mod alerts;
pub mod attribution;
pub mod clicks;
pub mod conversions;
pub mod credit;
pub mod events;
pub mod fatigue;
pub mod fatigue_scan;
pub mod ledger;
pub mod privacy;
pub mod schedule;
pub mod scheduler;
pub mod signature;
pub mod stages;
pub mod webhooks;
