//! One file per page. Pages own their resources and actions and reach data only through `api`.

mod creditor;
mod debtor;
mod not_found;
pub(crate) mod staff;

pub use creditor::{
    ApiKeysPage, ClassPage, ClassesPage, ConsentPage, CreditorLoginPage, CreditorTeamPage,
    ImportJobPage, ImportPage, OverviewPage, WebhooksPage,
};
pub use debtor::{
    CasePage, CheckPage, ContactPage, DisputePage, MessagePage, PaidPage, PayPage, PlanPage,
    StartPage, VerifyPage,
};
pub use not_found::NotFoundPage;
pub use staff::{
    AccountPage, QueuePage, SettingsPage, StaffCasePage, StaffLoginPage, TeamPage, TemplatesPage,
};
