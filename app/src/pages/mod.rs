//! One file per page. Pages own their resources and actions and reach data only through `api`.

mod debtor;
mod not_found;

pub use debtor::{
    CasePage, CheckPage, ContactPage, DisputePage, MessagePage, PaidPage, PayPage, PlanPage,
    StartPage, VerifyPage,
};
pub use not_found::NotFoundPage;
