//! Credence's own model: organizations, API keys, competency frameworks and
//! achievement definitions, with their validation. No SQL and no HTTP here.

pub mod achievement;
pub mod api_key;
pub mod audit;
pub mod award_evaluation;
pub mod award_rule;
pub mod award_wording;
pub mod credential;
pub mod email;
pub mod framework;
pub mod learner;
pub mod organization;
pub mod reason;
pub mod signoff;
pub mod staff;
pub mod totp;
pub mod validation;
