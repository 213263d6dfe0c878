//! The debtor's side of the dialogue: answering why they have not paid, writing to the case
//! handler, disputing the claim, reporting a payment already made. Every action checks the case
//! state through the domain's state machine, stores its documents only after checking them by
//! content, pauses dunning where the path requires it, and is recorded on the timeline and in
//! the audit log. A form submitted twice (double click, reload) is stored once.

use crate::domain::access::normalize_reference;
use crate::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use crate::domain::plan::add_business_days;
use crate::domain::reason::{NonPaymentReason, ReasonPath};
use crate::domain::text::{redact_card_numbers, safe_file_name, DocumentType};
use crate::domain::{Currency, Language, Money};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{AuditEntry, CaseStatus, Effects, NewAttachment};
use crate::server::ports::{AuditLog, CaseStatuses, Dialogue};
use crate::server::{today, AppState};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Documents per submission.
pub const MAX_FILES: usize = 5;
/// Size of one document.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Length of a message, dispute text or payment note.
pub const MAX_TEXT: usize = 5_000;

/// A file as received, before any check. `too_large` is set by the reader when it stopped reading
/// at the size limit (the content is then incomplete and discarded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub filename: String,
    pub content: Vec<u8>,
    pub too_large: bool,
}

async fn status<S: CaseStatuses + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
) -> Result<CaseStatus, AppError> {
    state
        .store
        .case_status(case_id)
        .await?
        .ok_or(AppError::NotFound)
}

fn audit<S: ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    action: &'static str,
    detail: String,
    request_id: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "debtor",
        actor_id: None,
        case_id: Some(case_id),
        action,
        detail,
        request_id,
    }
}

/// Checks uploads by content and size; the field errors name each bad file.
pub fn check_uploads(files: Vec<Upload>, field: &str) -> Result<Vec<NewAttachment>, FormErrors> {
    let files: Vec<Upload> = files
        .into_iter()
        .filter(|f| !(f.filename.is_empty() && f.content.is_empty()))
        .collect();
    let mut errors = FormErrors::default();
    if files.len() > MAX_FILES {
        return Err(errors.field(
            field,
            Problem::TooManyFiles {
                max: MAX_FILES as u32,
            },
        ));
    }
    let mut out = Vec::new();
    for f in files {
        let name = f
            .filename
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string();
        if f.too_large || f.content.len() > MAX_FILE_BYTES {
            errors = errors.field(
                field,
                Problem::FileTooLarge {
                    name,
                    max_mb: (MAX_FILE_BYTES / 1024 / 1024) as u32,
                },
            );
            continue;
        }
        match DocumentType::sniff(&f.content) {
            Some(kind) => out.push(NewAttachment {
                filename: safe_file_name(&f.filename, kind),
                kind,
                sha256: hex::encode(Sha256::digest(&f.content)),
                content: f.content,
            }),
            None => errors = errors.field(field, Problem::UnsupportedFile { name }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn required_text(errors: FormErrors, field: &str, value: &str) -> (FormErrors, String) {
    let text = value.trim();
    if text.is_empty() {
        (errors.field(field, Problem::Required), String::new())
    } else if text.chars().count() > MAX_TEXT {
        (
            errors.field(
                field,
                Problem::TooLong {
                    max: MAX_TEXT as u32,
                },
            ),
            String::new(),
        )
    } else {
        (errors, redact_card_numbers(text))
    }
}

/// Scans the checked documents with the configured virus scanner, if any. A finding refuses the
/// whole submission and names the file (and lands in the case's audit log); a scanner without a
/// verdict refuses it too — nothing unscanned is stored once scanning is configured.
async fn scan_documents<S: AuditLog + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    files: &[NewAttachment],
    kept: FormErrors,
    request_id: &Option<String>,
) -> Result<(), AppError> {
    let Some(scanner) = &state.scanner else {
        return Ok(());
    };
    let mut errors = kept;
    let mut found = Vec::new();
    for f in files {
        match scanner.scan(&f.content).await {
            Ok(None) => {}
            Ok(Some(signature)) => {
                tracing::warn!(case_id, %signature, "an uploaded document carries malware; refused");
                errors = errors.field(
                    "documents",
                    Problem::InfectedFile {
                        name: f.filename.clone(),
                    },
                );
                found.push(signature);
            }
            Err(reason) => {
                tracing::error!(case_id, %reason, "virus scanner without a verdict; upload refused");
                return Err(AppError::Validation(errors.form(Problem::ScanUnavailable)));
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let entry = audit(
        state,
        case_id,
        "debtor.upload_refused",
        serde_json::json!({ "malware": found }).to_string(),
        request_id.clone(),
    );
    state.store.append_audit(entry).await?;
    Err(AppError::Validation(errors))
}

/// A required text (card numbers redacted) and the checked documents, with every problem of both
/// reported at once and the text kept for the form.
fn text_and_documents(
    body: &str,
    files: Vec<Upload>,
) -> Result<(String, Vec<NewAttachment>), AppError> {
    let (mut errors, body) = required_text(FormErrors::default(), "body", body);
    let files = check_uploads(files, "documents");
    if let Err(e) = &files {
        errors.fields.extend(e.fields.clone());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors.keep("body", &body)));
    }
    Ok((body, files.map_err(AppError::Validation)?))
}

fn submission_key(key: &str) -> Result<&str, AppError> {
    let ok =
        (8..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(key)
    } else {
        Err(AppError::Validation(
            FormErrors::default().form(Problem::Malformed),
        ))
    }
}

/// Stores the debtor's answer to "why has this not been paid?" and returns the path it opens.
pub async fn choose_reason<S: CaseStatuses + Dialogue + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    reason: &str,
    request_id: Option<String>,
) -> Result<ReasonPath, AppError> {
    let reason = NonPaymentReason::from_code(reason).ok_or_else(|| {
        AppError::Validation(FormErrors::default().field("reason", Problem::Required))
    })?;
    let current = status(state, case_id).await?;
    if current.state == CaseState::Closed {
        return Err(AppError::Conflict);
    }
    let entry = audit(
        state,
        case_id,
        "debtor.reason",
        format!(r#"{{"reason":"{}"}}"#, reason.code()),
        request_id,
    );
    state.store.record_reason(case_id, reason, entry).await?;
    Ok(reason.path())
}

/// The debtor's answer to "How fairly were you treated?" once the case has ended: a score from
/// 1 to 5 and an optional comment. Asked once; a second answer changes nothing.
pub async fn answer_fairness<S: CaseStatuses + Dialogue + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    score: &str,
    comment: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let mut errors = FormErrors::default();
    let score = match score.trim().parse::<u8>() {
        Ok(s) if (1..=5).contains(&s) => s,
        _ => {
            errors = errors.field("score", Problem::Required);
            0
        }
    };
    let comment = crate::domain::text::redact_card_numbers(comment.trim());
    if comment.chars().count() > 2_000 {
        errors = errors
            .keep("comment", &comment)
            .field("comment", Problem::TooLong { max: 2_000 });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let current = status(state, case_id).await?;
    if !matches!(current.state, CaseState::Paid | CaseState::Closed) {
        return Err(AppError::Conflict);
    }
    let entry = audit(
        state,
        case_id,
        "debtor.fairness",
        serde_json::json!({ "score": score }).to_string(),
        request_id,
    );
    state
        .store
        .answer_fairness(case_id, score, &comment, entry)
        .await?;
    Ok(())
}

/// A message to the case handler, with documents.
pub async fn send_message<S: AuditLog + CaseStatuses + Dialogue + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    key: &str,
    body: &str,
    files: Vec<Upload>,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = submission_key(key)?;
    let (body, files) = text_and_documents(body, files)?;
    let kept = FormErrors::default().keep("body", &body);
    scan_documents(state, case_id, &files, kept, &request_id).await?;
    let current = status(state, case_id).await?;
    let next = transition(current.state, CaseEvent::MessageSent, Actor::Debtor)
        .map_err(|_| AppError::Conflict)?;
    let effects = Effects {
        expected_state: current.state,
        new_state: next,
        hold: None,
        event_kind: "message_sent",
        event_detail: format!(r#"{{"documents":{}}}"#, files.len()),
        audit: audit(
            state,
            case_id,
            "debtor.message",
            format!(r#"{{"documents":{}}}"#, files.len()),
            request_id,
        ),
    };
    state
        .store
        .add_message(case_id, key, &body, files, effects)
        .await?
        .into_result()
}

/// Disputes the claim. Reminders stop at once; returns the date by which an answer is promised.
pub async fn open_dispute<S: AuditLog + CaseStatuses + Dialogue + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    key: &str,
    kind: &str,
    body: &str,
    files: Vec<Upload>,
    request_id: Option<String>,
) -> Result<NaiveDate, AppError> {
    let key = submission_key(key)?;
    let kind = match kind {
        "complaint" | "claim_wrong" | "not_my_debt" => kind,
        _ => {
            return Err(AppError::Validation(
                FormErrors::default().form(Problem::Malformed),
            ))
        }
    };
    let (body, files) = text_and_documents(body, files)?;
    let kept = FormErrors::default().keep("body", &body);
    scan_documents(state, case_id, &files, kept, &request_id).await?;
    let current = status(state, case_id).await?;
    let next = transition(current.state, CaseEvent::DisputeOpened, Actor::Debtor)
        .map_err(|_| AppError::Conflict)?;
    let today = today(state)?;
    let answer_due = add_business_days(today, current.reply_days, &[]);
    let detail = format!(r#"{{"kind":"{kind}","documents":{}}}"#, files.len());
    let effects = Effects {
        expected_state: current.state,
        new_state: next,
        hold: Some((crate::domain::case_state::HoldReason::Dispute, today, None)),
        event_kind: "dispute_opened",
        event_detail: detail.clone(),
        audit: audit(state, case_id, "debtor.dispute", detail, request_id),
    };
    state
        .store
        .open_dispute(case_id, key, kind, &body, answer_due, files, effects)
        .await?
        .into_result()?;
    Ok(answer_due)
}

/// How long reminders pause while a reported payment is checked against the bank statements.
pub const PAYMENT_CHECK_DAYS: u64 = 14;

/// "I have already paid": date, amount, a note and proof. Reminders pause while it is checked.
#[allow(clippy::too_many_arguments)]
pub async fn claim_payment<S: AuditLog + CaseStatuses + Dialogue + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    key: &str,
    paid_on: &str,
    amount: &str,
    note: &str,
    files: Vec<Upload>,
    lang: Language,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = submission_key(key)?;
    let today = today(state)?;
    let mut errors = FormErrors::default()
        .keep("paid_on", paid_on)
        .keep("amount", amount);
    let paid_on_date = match NaiveDate::parse_from_str(paid_on.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors = errors.field("paid_on", Problem::DateInFuture);
            None
        }
        Ok(d) => Some(d),
        Err(_) if paid_on.trim().is_empty() => {
            errors = errors.field("paid_on", Problem::Required);
            None
        }
        Err(_) => {
            errors = errors.field("paid_on", Problem::InvalidFormat);
            None
        }
    };
    let money = match Money::parse(amount, lang, Currency::EUR) {
        Ok(m) if m.minor > 0 => Some(m),
        _ if amount.trim().is_empty() => {
            errors = errors.field("amount", Problem::Required);
            None
        }
        _ => {
            errors = errors.field("amount", Problem::InvalidAmount);
            None
        }
    };
    let note = redact_card_numbers(note.trim());
    if note.chars().count() > MAX_TEXT {
        errors = errors.field(
            "note",
            Problem::TooLong {
                max: MAX_TEXT as u32,
            },
        );
    }
    let files = check_uploads(files, "documents");
    if let Err(e) = &files {
        errors.fields.extend(e.fields.clone());
    }
    let (Some(paid_on), Some(money), true) = (paid_on_date, money, errors.is_empty()) else {
        return Err(AppError::Validation(errors.keep("note", &note)));
    };
    let files = files.map_err(AppError::Validation)?;
    let kept = FormErrors::default().keep("note", &note);
    scan_documents(state, case_id, &files, kept, &request_id).await?;
    let current = status(state, case_id).await?;
    let next = transition(current.state, CaseEvent::HoldPlaced, Actor::Debtor)
        .map_err(|_| AppError::Conflict)?;
    let until = today + chrono::Days::new(PAYMENT_CHECK_DAYS);
    let detail = format!(
        r#"{{"paid_on":"{paid_on}","amount_minor":{},"documents":{}}}"#,
        money.minor,
        files.len()
    );
    let effects = Effects {
        expected_state: current.state,
        new_state: next,
        hold: Some((
            crate::domain::case_state::HoldReason::AlreadyPaidCheck,
            today,
            Some(until),
        )),
        event_kind: "payment_claimed",
        event_detail: detail.clone(),
        audit: audit(state, case_id, "debtor.payment_claim", detail, request_id),
    };
    state
        .store
        .claim_payment(case_id, key, paid_on, money, &note, files, effects)
        .await?
        .into_result()
}

/// The public check: which creditor a reference belongs to, and nothing else.
pub async fn creditor_for_reference<S: Dialogue + ?Sized>(
    state: &AppState<S>,
    reference: &str,
) -> Result<Option<String>, AppError> {
    let reference = normalize_reference(reference);
    if reference.is_empty() || reference.len() > 40 {
        return Err(AppError::Validation(
            FormErrors::default().field("reference", Problem::Required),
        ));
    }
    state
        .store
        .creditor_for_reference(&reference)
        .await
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, content: &[u8]) -> Upload {
        Upload {
            filename: name.into(),
            content: content.to_vec(),
            too_large: false,
        }
    }

    #[test]
    fn uploads_are_checked_by_content_size_and_count() {
        let ok = check_uploads(
            vec![upload("Beleg.pdf", b"%PDF-1.4 x"), upload("", b"")],
            "documents",
        )
        .expect("ok");
        assert_eq!(ok.len(), 1, "an empty file input is ignored");
        assert_eq!(ok[0].filename, "Beleg.pdf");
        assert_eq!(ok[0].kind, DocumentType::Pdf);

        let e = check_uploads(
            vec![
                upload("virus.pdf", b"MZ\x90"),
                upload("big.png", b"\x89PNG\r\n\x1a\n"),
            ],
            "documents",
        );
        let mut big = upload("big.png", b"\x89PNG\r\n\x1a\n");
        big.too_large = true;
        let e2 = check_uploads(vec![big], "documents").expect_err("too large");
        assert_eq!(
            e.expect_err("bad type").fields["documents"],
            vec![Problem::UnsupportedFile {
                name: "virus.pdf".into()
            }]
        );
        assert_eq!(
            e2.fields["documents"],
            vec![Problem::FileTooLarge {
                name: "big.png".into(),
                max_mb: 10
            }]
        );
        let six = (0..6)
            .map(|i| upload(&format!("{i}.pdf"), b"%PDF-"))
            .collect();
        assert_eq!(
            check_uploads(six, "documents")
                .expect_err("too many")
                .fields["documents"],
            vec![Problem::TooManyFiles { max: 5 }]
        );
    }

    #[test]
    fn submission_keys_must_look_like_ours() {
        assert!(submission_key("0b14b4ec-6e3c-4db6").is_ok());
        assert!(submission_key("short").is_err());
        assert!(submission_key("<script>alert(1)</script>").is_err());
    }
}
