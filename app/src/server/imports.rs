//! Hand-over files uploaded in the creditor portal: checked for size, imported in the background
//! with the rules of the command-line import (all rows, or the valid ones when asked, never a
//! silent partial import), with progress and the report on the job's page.

use crate::dto::{CreditorMember, ImportJobView, ImportsPage};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::Imports;
use crate::server::ports::{AuditEntry, ImportUpload};
use crate::server::AppState;

/// The largest file accepted (about 60,000 rows).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The creditor's recent imports.
pub async fn page<S: Imports + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<ImportsPage, AppError> {
    let store = &state.store;
    let jobs = store.import_jobs(member.creditor_id, 20).await?;
    Ok(ImportsPage { member, jobs })
}

/// One import of the creditor, with its report; another creditor's is "not found".
pub async fn job<S: Imports + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    job_id: i64,
) -> Result<ImportJobView, AppError> {
    state
        .store
        .import_job(member.creditor_id, job_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The uploaded file (name, content), or the problem with it named for the `file` field: none
/// chosen, empty, or larger than `max_bytes`.
pub fn uploaded(
    file: Option<(String, Vec<u8>, bool)>,
    max_bytes: usize,
) -> Result<(String, Vec<u8>), AppError> {
    let problem = match &file {
        None => Some(Problem::Required),
        Some((name, _, true)) => Some(Problem::FileTooLarge {
            name: name.clone(),
            max_mb: (max_bytes / (1024 * 1024)) as u32,
        }),
        Some((_, content, _)) if content.is_empty() => Some(Problem::Required),
        _ => None,
    };
    match (problem, file) {
        (None, Some((name, content, _))) => Ok((name, content)),
        (p, _) => Err(AppError::Validation(
            FormErrors::default().field("file", p.unwrap_or(Problem::Required)),
        )),
    }
}

/// Starts the import of an uploaded file; returns the job to follow.
pub async fn upload<S: Imports + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    file: Option<(String, Vec<u8>, bool)>,
    partial: bool,
    request_id: Option<String>,
) -> Result<i64, AppError> {
    let (filename, content) = uploaded(file, MAX_BYTES)?;
    let filename: String = filename
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let now = state.clock.now_ms();
    let audit = AuditEntry {
        at_ms: now,
        actor_kind: "creditor",
        actor_id: Some(member.id.to_string()),
        case_id: None,
        action: "claims.upload",
        detail: serde_json::json!({ "file": filename, "bytes": content.len(), "partial": partial })
            .to_string(),
        request_id,
    };
    state
        .store
        .start_import(
            ImportUpload {
                creditor_id: member.creditor_id,
                user_id: member.id,
                filename,
                content,
                partial,
                at_ms: now,
            },
            audit,
        )
        .await
        .map_err(AppError::from)
}
