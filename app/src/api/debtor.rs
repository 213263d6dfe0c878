//! Server functions of the debtor portal.

use crate::dto::CaseView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{fresh_form_key, request_id, session, state},
    crate::server::debtor_access::{verify, Attempt, Credentials},
    crate::server::session::{current_debtor, end_session, start_debtor_session},
};

/// Verifies a personal link's token with the postcode and opens the case.
#[server(endpoint = "verify_link")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn verify_link(token: String, postcode: String) -> Result<(), AppError> {
    let state = state()?;
    let attempt = Attempt {
        credentials: Credentials::Link { token },
        postcode,
        request_id: request_id(),
        client: super::support::client_address().await,
    };
    let case_id = verify(&state, attempt).await?;
    start_debtor_session(&session().await?, case_id, state.clock.now_ms()).await?;
    leptos_axum::redirect("/case");
    Ok(())
}

/// Verifies a typed case reference and access code with the postcode and opens the case.
#[server(endpoint = "verify_reference")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn verify_reference(
    reference: String,
    access_code: String,
    postcode: String,
) -> Result<(), AppError> {
    let state = state()?;
    let attempt = Attempt {
        credentials: Credentials::Reference {
            reference,
            access_code,
        },
        postcode,
        request_id: request_id(),
        client: super::support::client_address().await,
    };
    let case_id = verify(&state, attempt).await?;
    start_debtor_session(&session().await?, case_id, state.clock.now_ms()).await?;
    leptos_axum::redirect("/case");
    Ok(())
}

/// The case of the verified debtor of this session.
#[server(endpoint = "get_case")]
pub async fn get_case() -> Result<CaseView, AppError> {
    let (state, case_id) = verified_case().await?;
    let case = state
        .store
        .case_view(case_id, today(&state)?)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    Ok(with_authority(&state, case))
}

/// The case page's data: the case and its dialogue, read together (see
/// `DebtorStore::case_page`).
#[server(endpoint = "get_case_page")]
pub async fn get_case_page() -> Result<(CaseView, crate::dto::DialogueView), AppError> {
    let (state, case_id) = verified_case().await?;
    let today = today(&state)?;
    let page = state
        .store
        .case_page(case_id, today)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    Ok((
        with_authority(&state, page.case),
        for_debtor(page.dialogue, page.dunning.as_ref(), today),
    ))
}

/// The day of the state's clock.
#[cfg(feature = "ssr")]
fn today(state: &crate::server::AppState) -> Result<chrono::NaiveDate, AppError> {
    chrono::DateTime::from_timestamp_millis(state.clock.now_ms())
        .map(|t| t.date_naive())
        .ok_or(AppError::Internal)
}

/// The case view with the agency's supervisory authority, which the disclosure names.
#[cfg(feature = "ssr")]
fn with_authority(state: &crate::server::AppState, mut case: CaseView) -> CaseView {
    case.supervisory_authority = state.settings.agency.supervisory_authority.clone();
    case
}

/// The dialogue as the debtor sees it: the timeline without what stays inside the agency, what
/// happens next, and a fresh key for the page's forms.
#[cfg(feature = "ssr")]
fn for_debtor(
    mut view: crate::dto::DialogueView,
    dunning: Option<&crate::server::ports::DunningCase>,
    today: chrono::NaiveDate,
) -> crate::dto::DialogueView {
    view.events
        .retain(|e| crate::domain::work::shown_to_debtor(&e.kind));
    view.next = dunning.and_then(|c| crate::server::dunning::what_next(c, today));
    view.form_key = fresh_form_key();
    view
}

/// Ends the debtor's session and returns to the start page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    end_session(&session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}

use leptos::server_fn::codec::MultipartData;

#[cfg(feature = "ssr")]
use crate::server::dialogue::{self, Upload};

#[cfg(feature = "ssr")]
async fn verified_case() -> Result<(crate::server::AppState, i64), AppError> {
    let state = state()?;
    let debtor = current_debtor(
        &session().await?,
        state.clock.now_ms(),
        state.settings.debtor_session_absolute_ms,
    )
    .await?;
    Ok((state, debtor.case_id))
}

/// Reads a multipart form: text fields (at most 64 KiB each) and files. A file is read as a stream
/// and dropped as soon as it passes the size limit, so a huge upload never sits in memory.
#[cfg(feature = "ssr")]
async fn read_form(
    data: MultipartData,
    known: &[&str],
) -> Result<(std::collections::HashMap<String, String>, Vec<Upload>), AppError> {
    read_form_limited(data, dialogue::MAX_FILE_BYTES, known).await
}

/// Text fields one multipart form may hold at most (each of its known names once, and room for a
/// browser that sends a field twice).
#[cfg(feature = "ssr")]
const MAX_TEXT_FIELDS: usize = 12;

/// [`read_form`] with a size limit per file of the caller's choice.
#[cfg(feature = "ssr")]
///
/// Only the fields named in `known` are accepted, and at most [`MAX_TEXT_FIELDS`] text fields: a
/// request with other parts is refused at the first of them, before it is read further, so that
/// nobody can fill the server's memory with parts no form has.
pub(crate) async fn read_form_limited(
    data: MultipartData,
    max_file_bytes: usize,
    known: &[&str],
) -> Result<(std::collections::HashMap<String, String>, Vec<Upload>), AppError> {
    use crate::error::{FormErrors, Problem};
    let malformed = |_| AppError::Validation(FormErrors::default().form(Problem::Malformed));
    let refused = || AppError::Validation(FormErrors::default().form(Problem::Malformed));
    let mut form = data.into_inner().ok_or(AppError::Internal)?;
    let (mut fields, mut files) = (std::collections::HashMap::new(), Vec::new());
    let mut text_fields = 0;
    while let Some(mut field) = form.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        if !known.contains(&name.as_str()) {
            return Err(refused());
        }
        if let Some(filename) = field.file_name().map(str::to_string) {
            let (mut content, mut too_large) = (Vec::new(), false);
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if too_large || content.len() + chunk.len() > max_file_bytes {
                    too_large = true;
                    content = Vec::new();
                    continue;
                }
                content.extend_from_slice(&chunk);
            }
            if files.len() > dialogue::MAX_FILES * 2 {
                return Err(AppError::Validation(FormErrors::default().field(
                    "documents",
                    Problem::TooManyFiles {
                        max: dialogue::MAX_FILES as u32,
                    },
                )));
            }
            files.push(Upload {
                filename,
                content,
                too_large,
            });
        } else {
            text_fields += 1;
            if text_fields > MAX_TEXT_FIELDS {
                return Err(refused());
            }
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if text.len() + chunk.len() > 64 * 1024 {
                    return Err(AppError::Validation(FormErrors::default().field(
                        &name,
                        Problem::TooLong {
                            max: dialogue::MAX_TEXT as u32,
                        },
                    )));
                }
                text.extend_from_slice(&chunk);
            }
            fields.insert(
                name,
                String::from_utf8(text).map_err(|_| {
                    AppError::Validation(FormErrors::default().form(Problem::Malformed))
                })?,
            );
        }
    }
    Ok((fields, files))
}

/// Where each path continues.
pub fn path_url(path: crate::domain::reason::ReasonPath, reason: &str) -> String {
    use crate::domain::reason::ReasonPath;
    match path {
        ReasonPath::PayNow => "/case/pay".into(),
        ReasonPath::PlanOrDeferral => "/case/plan".into(),
        ReasonPath::Dispute => format!("/case/dispute?kind={reason}"),
        ReasonPath::IdentityDispute => "/case/dispute?kind=not_my_debt".into(),
        ReasonPath::ProofOfPayment => "/case/paid".into(),
        ReasonPath::Message => "/case/message".into(),
    }
}

/// Stores why the debtor has not paid and continues on the path that answer opens.
#[server(endpoint = "choose_reason")]
pub async fn choose_reason(reason: String) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let path = dialogue::choose_reason(&state, case_id, &reason, request_id()).await?;
    let reason = if reason == "claim_wrong" {
        "claim_wrong"
    } else {
        "complaint"
    };
    leptos_axum::redirect(&path_url(path, reason));
    Ok(())
}

/// Answers "How fairly were you treated?" after the case ended.
#[server(endpoint = "answer_fairness")]
pub async fn answer_fairness(
    score: Option<String>,
    comment: Option<String>,
) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    dialogue::answer_fairness(
        &state,
        case_id,
        &score.unwrap_or_default(),
        &comment.unwrap_or_default(),
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/case?done=fairness#fairness");
    Ok(())
}

/// Messages, disputes, reported payments and the timeline of the debtor's case.
#[server(endpoint = "get_dialogue")]
pub async fn get_dialogue() -> Result<crate::dto::DialogueView, AppError> {
    let (state, case_id) = verified_case().await?;
    let today = today(&state)?;
    let view = state
        .store
        .dialogue(case_id, today)
        .await
        .map_err(|_| AppError::Internal)?;
    let dunning = state
        .store
        .dunning_case_by_id(case_id, today)
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(for_debtor(view, dunning.as_ref(), today))
}

/// A message to the case handler, with up to five documents.
#[server(endpoint = "send_message", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn send_message(data: MultipartData) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let (fields, files) = read_form(data, &["form_key", "body", "documents"]).await?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    dialogue::send_message(
        &state,
        case_id,
        get("form_key"),
        get("body"),
        files,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/case/message#sent");
    Ok(())
}

/// Disputes the claim, with up to five documents.
#[server(endpoint = "open_dispute", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn open_dispute(data: MultipartData) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let (fields, files) = read_form(data, &["form_key", "kind", "body", "documents"]).await?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    dialogue::open_dispute(
        &state,
        case_id,
        get("form_key"),
        get("kind"),
        get("body"),
        files,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/case#status");
    Ok(())
}

/// Reports a payment already made, with proof.
#[server(endpoint = "claim_payment", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn claim_payment(data: MultipartData) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let (fields, files) = read_form(
        data,
        &["form_key", "paid_on", "amount", "note", "documents"],
    )
    .await?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    let lang = crate::i18n::request_language();
    dialogue::claim_payment(
        &state,
        case_id,
        get("form_key"),
        get("paid_on"),
        get("amount"),
        get("note"),
        files,
        lang,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/case#status");
    Ok(())
}

/// Everything needed for a bank transfer of the balance, with the EPC QR code.
#[server(endpoint = "get_payment_details")]
pub async fn get_payment_details() -> Result<Option<crate::dto::PaymentDetails>, AppError> {
    use crate::domain::epc::{EpcPayment, Remittance};
    use crate::domain::references::RfReference;
    let (state, case_id) = verified_case().await?;
    let agency = &state.settings.agency;
    let Some(iban) = agency.payee_iban.clone() else {
        return Ok(None);
    };
    let today = chrono::DateTime::from_timestamp_millis(state.clock.now_ms())
        .map(|t| t.date_naive())
        .ok_or(AppError::Internal)?;
    let case = state
        .store
        .case_view(case_id, today)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let reference = RfReference::for_case(&case.reference).map_err(|_| AppError::Internal)?;
    let amount = case.summary.balance;
    let qr_svg = if amount.minor > 0 {
        let payment = EpcPayment::new(
            &agency.name,
            iban.clone(),
            agency.payee_bic.as_deref(),
            Some(amount),
            None,
            Remittance::Reference(reference.clone()),
            None,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "cannot build the EPC QR code");
            AppError::Internal
        })?;
        Some(payment.qr_svg().map_err(|_| AppError::Internal)?)
    } else {
        None
    };
    Ok(Some(crate::dto::PaymentDetails {
        payee: agency.name.clone(),
        iban: iban.paper(),
        bic: agency.payee_bic.clone(),
        amount,
        reference: reference.paper(),
        qr_svg,
        online: state.provider.is_some(),
    }))
}

/// The public "is this genuine?" check: which creditor a reference belongs to, and the agency's
/// contact data. Nothing else about the case is revealed.
#[server(endpoint = "check_reference")]
pub async fn check_reference(reference: String) -> Result<crate::dto::ReferenceCheck, AppError> {
    let state = state()?;
    // Every lookup counts, found or not: the limit is what keeps the references from being walked.
    let client = super::support::client_address().await;
    let now = state.clock.now_ms();
    let check = crate::server::limits::reserve(
        state.attempts.as_ref(),
        crate::server::limits::REFERENCE_CHECKS,
        &client,
        now,
    )
    .await?;
    if !check.allowed() {
        return Err(AppError::TooManyRequests {
            minutes: check.minutes_left(),
        });
    }
    let creditor = dialogue::creditor_for_reference(&state, &reference).await?;
    let a = &state.settings.agency;
    Ok(crate::dto::ReferenceCheck {
        creditor,
        agency_name: a.name.clone(),
        agency_address: a.address.clone(),
        agency_email: a.email.clone(),
        agency_phone: a.phone.clone(),
    })
}

/// The plan page's data: balance, the creditor's rules for it, any open plan.
#[server(endpoint = "get_plan_page")]
pub async fn get_plan_page() -> Result<crate::dto::PlanPageData, AppError> {
    let (state, case_id) = verified_case().await?;
    let mut page = crate::server::plans::page(&state, case_id).await?;
    page.form_key = fresh_form_key();
    Ok(page)
}

/// Proposes an instalment plan or a deferral; the creditor's policy decides at once or a handler
/// does. Posted by a plain form, so it works the same with and without JavaScript.
#[server(endpoint = "propose_plan")]
#[allow(clippy::too_many_arguments)]
pub async fn propose_plan(
    form_key: String,
    kind: String,
    down_payment: Option<String>,
    first_due: String,
    count: Option<String>,
    frequency: Option<String>,
    cost_notice_seen: Option<String>,
) -> Result<(), AppError> {
    use crate::server::plans::{propose, PlanInput, Proposed};
    let (state, case_id) = verified_case().await?;
    let input = PlanInput {
        form_key,
        kind,
        down_payment: down_payment.unwrap_or_default(),
        first_due,
        count: count.unwrap_or_default(),
        frequency: frequency.unwrap_or_default(),
        cost_notice_seen: cost_notice_seen.is_some(),
    };
    let lang = crate::i18n::request_language();
    match propose(&state, case_id, input, lang, request_id()).await? {
        Proposed::Agreed | Proposed::Pending(_) => leptos_axum::redirect("/case/plan#result"),
    }
    Ok(())
}

/// Accepts (`accept=yes`) or declines a handler's counter-offer with one action.
#[server(endpoint = "answer_counter_offer")]
pub async fn answer_counter_offer(plan_id: i64, accept: String) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    crate::server::plans::answer_counter(&state, case_id, plan_id, accept == "yes", request_id())
        .await?;
    leptos_axum::redirect("/case/plan#result");
    Ok(())
}

/// The debtor's contact data.
#[server(endpoint = "get_contact")]
pub async fn get_contact() -> Result<crate::dto::ContactView, AppError> {
    let (state, case_id) = verified_case().await?;
    state
        .store
        .contact(case_id)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)
}

/// Corrects the debtor's contact data; every change is audited.
#[server(endpoint = "update_contact")]
#[allow(clippy::too_many_arguments)]
pub async fn update_contact(
    email: String,
    phone: String,
    street: String,
    postcode: String,
    city: String,
    language: String,
    channel: String,
) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let input = crate::dto::ContactView {
        email,
        phone,
        street,
        postcode,
        city,
        language,
        channel,
        form_key: String::new(),
    };
    crate::server::contact::save(&state, case_id, input, request_id()).await?;
    leptos_axum::redirect("/case#timeline-heading");
    Ok(())
}

/// Opens the payment provider's hosted checkout for all or part of the balance and sends the
/// debtor there. A plain form posts here, so the redirect leaves the site the same way with and
/// without JavaScript.
#[server(endpoint = "start_online_payment")]
pub async fn start_online_payment(amount: Option<String>) -> Result<(), AppError> {
    let (state, case_id) = verified_case().await?;
    let lang = crate::i18n::request_language();
    let url =
        crate::server::payments::start(&state, case_id, &amount.unwrap_or_default(), lang).await?;
    leptos_axum::redirect(&url);
    Ok(())
}
