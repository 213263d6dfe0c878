//! Bank statements in the staff workspace: the upload of a camt.053/054 file, the entries that
//! could not be matched to a case (or were matched to one that needs a look), and the handler's
//! decision on each: book it on a case, or close it without booking and say why. Everything is
//! scoped to the staff member's agency; the matching itself lives in the adapter.

use crate::dto::{PaymentsPage, StatementImportView};
use crate::error::{AppError, FormErrors, Problem, StatementProblem};
use crate::server::ports::Bank;
use crate::server::ports::{Assigned, AuditEntry, StatementFailure};
use crate::server::staff::Staff;
use crate::server::AppState;

/// The largest statement the portal takes (larger ones go through `server import-statement`).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Entries per page.
pub const PER_PAGE: u32 = 25;
/// Imports listed on the page.
const RECENT_IMPORTS: u32 = 10;
/// The longest reason for closing an entry without booking.
const MAX_NOTE: usize = 500;

fn statement_error(p: StatementProblem) -> AppError {
    AppError::Validation(
        FormErrors::default()
            .field("statement", Problem::Statement(p.clone()))
            .form(Problem::Statement(p)),
    )
}

fn audit<S: ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    action: &'static str,
    detail: serde_json::Value,
    request_id: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "staff",
        actor_id: Some(staff.id.to_string()),
        case_id: None,
        action,
        detail: detail.to_string(),
        request_id,
    }
}

/// Imports an uploaded statement: `(file name, content, too large)`.
pub async fn upload<S: Bank + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    file: Option<(String, Vec<u8>, bool)>,
) -> Result<StatementImportView, AppError> {
    let Some((name, content, too_large)) = file.filter(|(n, _, _)| !n.trim().is_empty()) else {
        return Err(statement_error(StatementProblem::NoFile));
    };
    if too_large {
        return Err(statement_error(StatementProblem::TooLarge {
            max_mb: (MAX_UPLOAD_BYTES / (1024 * 1024)) as u32,
        }));
    }
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let result = state
        .store
        .import_statement(
            &crate::server::ports::StatementAccount {
                agency_id: staff.agency_id,
                iban: state
                    .settings
                    .agency
                    .payee_iban
                    .as_ref()
                    .map(|i| i.as_str().to_string()),
            },
            &name,
            content.into(),
            &format!("staff:{}", staff.id),
            state.clock.now_ms(),
            &state.settings.base_url,
        )
        .await;
    match result {
        Ok(view) => Ok(view),
        Err(StatementFailure::File(p)) => Err(statement_error(p)),
        Err(StatementFailure::Store) => Err(AppError::Internal),
    }
}

/// The page: open entries (oldest first, `page` from 1) and the recent imports.
pub async fn page<S: Bank + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    page: u32,
) -> Result<PaymentsPage, AppError> {
    let page = page.max(1);
    let (entries, total) = state
        .store
        .open_entries(staff.agency_id, page - 1, PER_PAGE)
        .await?;
    let imports = state
        .store
        .recent_imports(staff.agency_id, RECENT_IMPORTS)
        .await?;
    Ok(PaymentsPage {
        entries,
        total,
        page,
        per_page: PER_PAGE,
        imports,
        form_key: String::new(),
    })
}

/// Books an open entry on the agency's running case with `reference`.
pub async fn assign<S: Bank + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    entry_id: i64,
    reference: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let reference = crate::domain::access::normalize_reference(reference);
    if reference.is_empty() {
        return Err(AppError::Validation(
            FormErrors::default()
                .field("reference", Problem::Required)
                .form(Problem::Required),
        ));
    }
    let entry = audit(
        state,
        staff,
        "bank_entry.assigned",
        serde_json::json!({ "entry": entry_id, "reference": reference }),
        request_id,
    );
    match state
        .store
        .assign_entry(
            staff.agency_id,
            entry_id,
            &reference,
            &state.settings.base_url,
            entry,
        )
        .await?
    {
        Assigned::Booked => Ok(()),
        Assigned::NoSuchCase => Err(AppError::Validation(
            FormErrors::default()
                .keep("reference", &reference)
                .field("reference", Problem::UnknownReference)
                .form(Problem::UnknownReference),
        )),
        Assigned::AlreadyDecided => Err(AppError::Conflict),
        Assigned::NoSuchEntry => Err(AppError::NotFound),
    }
}

/// Closes an open entry without booking, with the reason (required).
pub async fn dismiss<S: Bank + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    entry_id: i64,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let note = note.trim();
    let problem = if note.is_empty() {
        Some(Problem::Required)
    } else if note.chars().count() > MAX_NOTE {
        Some(Problem::TooLong {
            max: MAX_NOTE as u32,
        })
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(AppError::Validation(
            FormErrors::default()
                .keep("note", note)
                .field("note", p.clone())
                .form(p),
        ));
    }
    let note = crate::domain::text::redact_card_numbers(note);
    let entry = audit(
        state,
        staff,
        "bank_entry.dismissed",
        // The note stays with the entry (erasable); the audit log learns that there was one.
        serde_json::json!({ "entry": entry_id, "note": !note.trim().is_empty() }),
        request_id,
    );
    match state
        .store
        .dismiss_entry(staff.agency_id, entry_id, &note, entry)
        .await?
    {
        Some(true) => Ok(()),
        Some(false) => Err(AppError::Conflict),
        None => Err(AppError::NotFound),
    }
}
