//! peerstage domain: customers, touchpoints, commitments, NPS and value.
//! Pure Rust with no I/O: the store, web and CLI crates are thin layers around it.

pub mod access;
pub mod account;
pub mod advocacy;
pub mod agenda;
pub mod commitment;
pub mod contact;
pub mod demo;
pub mod error;
pub mod event;
pub mod evidence;
pub mod fields;
pub mod ical;
pub mod import;
pub mod journey;
pub mod language;
pub mod media;
pub mod money;
pub mod nps;
pub mod parse;
pub mod questions;
pub mod reference;
pub mod refops;
pub mod rng;
pub mod scorecard;
pub mod search;
pub mod sentiment;
pub mod story;
pub mod story_demo;
pub mod strategy;
pub mod text;
pub mod themes;
pub mod touchpoint;
pub mod transcript;
pub mod voc_demo;

pub use access::{Actor, Permission, Role};
pub use account::{
    Account, AccountData, AccountQuery, AccountSort, Lifecycle, Page, Region, Segment,
};
pub use commitment::{Commitment, CommitmentData, CommitmentStatus};
pub use contact::{Contact, ContactData, ContactRole, ReferenceConsent};
pub use error::{FieldError, FieldErrors};
pub use fields::Fields;
pub use import::{ImportKind, Preset};
pub use nps::{NpsBucket, NpsData, NpsGroup, NpsSummary};
pub use touchpoint::{Touchpoint, TouchpointData, TouchpointKind};
