//! The creditor's treatment classes: how differently each kind of customer is treated. An owner
//! sets, per class, the reply time promised to debtors, whether court dunning needs the creditor's
//! consent, the reminders (tone, rhythm, channels) and per balance band the plan rules of the
//! domain core (bounds, auto-accept, what happens outside them, missed instalments). The debtor flow reads the class at the moment of
//! each decision, so a change applies to the next proposal.

use crate::domain::intake::amount;
use crate::domain::plan::PolicyBand;
use crate::domain::work::PlanConsentDefault;
use crate::dto::{ClassSettings, ClassesPage, CreditorMember};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::AuditEntry;
use crate::server::ports::Classes;
use crate::server::AppState;

/// The creditor's classes.
pub async fn page<S: Classes + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<ClassesPage, AppError> {
    let store = &state.store;
    let classes = store.classes(member.creditor_id).await?;
    Ok(ClassesPage { member, classes })
}

/// A band's fields as the form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BandForm {
    /// The band's upper limit in euro; ignored for the last band (any balance).
    pub up_to: String,
    pub min_instalment: String,
    pub max_months: String,
    pub max_count: String,
    /// Percent of the balance.
    pub down_payment: String,
    pub max_deferral_days: String,
    pub auto_accept: bool,
    pub review_outside_bounds: bool,
    pub grace_days: String,
    pub misses_to_break: String,
}

/// What a change is: the class settings or one band's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassChange {
    Settings {
        reply_days: String,
        escalation_needs_consent: bool,
        /// Days the creditor has to answer an escalation request.
        consent_days: String,
        /// `approve` or `decline`: what applies without an answer.
        consent_default: String,
        /// `recommendation`, `decline` or `approve`: what applies to a plan approval without an
        /// answer.
        plan_consent_default: String,
        /// `handed_over`, `statutory` (runs until paid) or `none` (the waiver); `None` (a form
        /// without the choice) keeps the group's.
        interest: Option<String>,
        /// Costs handed over are not charged.
        waive_costs: bool,
    },
    Band {
        index: usize,
        form: BandForm,
    },
    Reminders(ReminderForm),
}

/// The reminder fields as the form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderForm {
    /// `friendly`, `neutral` or `firm`.
    pub tone: String,
    pub first_after: String,
    pub further: String,
    pub further_after: String,
    pub final_notice: bool,
    pub final_after: String,
    pub escalation: bool,
    pub escalation_after: String,
    pub instalment_reminder_days: String,
    pub email: bool,
    pub letter: bool,
}

fn whole(errors: &mut FormErrors, field: &str, value: &str, min: i64, max: i64) -> u32 {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => u32::try_from(n).unwrap_or(0),
        _ => {
            *errors = std::mem::take(errors).field(field, Problem::Range { min, max });
            0
        }
    }
}

/// Applies `change` to `class`, or names every problem.
pub fn apply(class: &ClassSettings, change: &ClassChange) -> Result<ClassSettings, FormErrors> {
    let mut errors = FormErrors::default();
    let mut next = class.clone();
    match change {
        ClassChange::Settings {
            reply_days,
            escalation_needs_consent,
            consent_days,
            consent_default,
            plan_consent_default,
            interest,
            waive_costs,
        } => {
            match interest.as_deref() {
                None => {}
                Some("handed_over") => {
                    (next.waive_interest, next.running_interest) = (false, false)
                }
                Some("statutory") => (next.waive_interest, next.running_interest) = (false, true),
                Some("none") => (next.waive_interest, next.running_interest) = (true, false),
                Some(_) => {
                    errors = std::mem::take(&mut errors).field("interest", Problem::InvalidFormat)
                }
            }
            next.waive_costs = *waive_costs;
            next.reply_days = whole(&mut errors, "reply_days", reply_days, 1, 30);
            next.escalation_needs_consent = *escalation_needs_consent;
            next.consent_days = whole(&mut errors, "consent_days", consent_days, 1, 60);
            match consent_default.as_str() {
                "approve" => next.consent_default_approve = true,
                "decline" => next.consent_default_approve = false,
                _ => errors = errors.field("consent_default", Problem::Required),
            }
            // Not sent (an older form): the class keeps what it has.
            match PlanConsentDefault::from_code(plan_consent_default) {
                Some(d) => next.plan_consent_default = d,
                None if plan_consent_default.is_empty() => {}
                None => errors = errors.field("plan_consent_default", Problem::Required),
            }
        }
        ClassChange::Reminders(form) => {
            use crate::domain::dunning::{CadenceOutline, Channels, Tone, MAX_GAP_DAYS};
            let gap = i64::from(MAX_GAP_DAYS);
            let tone = Tone::from_code(form.tone.trim());
            if tone.is_none() {
                errors = errors.field("tone", Problem::Required);
            }
            let outline = CadenceOutline {
                tone: tone.unwrap_or(Tone::Neutral),
                first_after: whole(&mut errors, "first_after", &form.first_after, 0, gap),
                further: whole(&mut errors, "further", &form.further, 0, 5),
                further_after: whole(&mut errors, "further_after", &form.further_after, 1, gap),
                final_after: form
                    .final_notice
                    .then(|| whole(&mut errors, "final_after", &form.final_after, 1, gap)),
                escalation_after: form.escalation.then(|| {
                    whole(
                        &mut errors,
                        "escalation_after",
                        &form.escalation_after,
                        1,
                        gap,
                    )
                }),
                instalment_reminder_days: whole(
                    &mut errors,
                    "instalment_reminder_days",
                    &form.instalment_reminder_days,
                    0,
                    30,
                ),
                channels: Channels {
                    email: form.email,
                    letter: form.letter,
                },
            };
            if !form.email && !form.letter {
                errors = errors.field("channels", Problem::Required);
            }
            let cadence = outline.cadence();
            if errors.is_empty() && cadence.validate().is_err() {
                errors = errors.form(Problem::OutOfRange);
            }
            next.cadence = cadence;
        }
        ClassChange::Band { index, form } => {
            let Some(band) = class.bands.get(*index) else {
                return Err(errors.form(Problem::Malformed));
            };
            let mut policy = band.policy;
            match amount(&form.min_instalment) {
                Some(m) if m.minor <= 10_000_000 => policy.min_instalment = m,
                _ => errors = errors.field("min_instalment", Problem::InvalidAmount),
            }
            policy.max_months = whole(&mut errors, "max_months", &form.max_months, 1, 120);
            policy.max_count = whole(&mut errors, "max_count", &form.max_count, 1, 120);
            policy.min_down_payment_bp =
                whole(&mut errors, "down_payment", &form.down_payment, 0, 90) * 100;
            policy.max_deferral_days = whole(
                &mut errors,
                "max_deferral_days",
                &form.max_deferral_days,
                0,
                365,
            );
            policy.auto_accept = form.auto_accept;
            policy.review_outside_bounds = form.review_outside_bounds;
            policy.missed.grace_days = whole(&mut errors, "grace_days", &form.grace_days, 0, 60);
            policy.missed.misses_to_break =
                whole(&mut errors, "misses_to_break", &form.misses_to_break, 1, 12);
            let last = *index + 1 == class.bands.len();
            let up_to = if last || band.up_to.is_none() {
                band.up_to
            } else {
                match amount(&form.up_to) {
                    Some(limit) => {
                        let above_previous = index
                            .checked_sub(1)
                            .and_then(|i| class.bands.get(i))
                            .and_then(|b| b.up_to)
                            .is_none_or(|prev| limit.minor > prev.minor);
                        let below_next = class
                            .bands
                            .get(index + 1)
                            .and_then(|b| b.up_to)
                            .is_none_or(|next| limit.minor < next.minor);
                        if !(above_previous && below_next) {
                            errors = errors.field("up_to", Problem::BandOrder);
                        }
                        Some(limit)
                    }
                    None => {
                        errors = errors.field("up_to", Problem::InvalidAmount);
                        band.up_to
                    }
                }
            };
            next.bands[*index] = PolicyBand { up_to, policy };
        }
    }
    if errors.is_empty() {
        return Ok(next);
    }
    // A form posted without JavaScript is shown again as it was sent.
    let sent: Vec<(&str, &str)> = match change {
        ClassChange::Settings {
            reply_days,
            consent_days,
            ..
        } => vec![("reply_days", reply_days), ("consent_days", consent_days)],
        ClassChange::Reminders(form) => vec![
            ("first_after", &form.first_after),
            ("further", &form.further),
            ("further_after", &form.further_after),
            ("final_after", &form.final_after),
            ("escalation_after", &form.escalation_after),
            ("instalment_reminder_days", &form.instalment_reminder_days),
        ],
        ClassChange::Band { form, .. } => vec![
            ("up_to", &form.up_to),
            ("min_instalment", &form.min_instalment),
            ("max_months", &form.max_months),
            ("max_count", &form.max_count),
            ("down_payment", &form.down_payment),
            ("max_deferral_days", &form.max_deferral_days),
            ("grace_days", &form.grace_days),
            ("misses_to_break", &form.misses_to_break),
        ],
    };
    Err(sent
        .into_iter()
        .fold(errors, |e, (field, value)| e.keep(field, value)))
}

/// An owner changes one of the creditor's classes. Another creditor's class is "not found"; a
/// class changed by someone else since the page was loaded is a conflict (reload and repeat).
pub async fn change<S: Classes + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    class_id: i64,
    change: &ClassChange,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let classes = state.store.classes(member.creditor_id).await?;
    let class = classes
        .iter()
        .find(|c| c.id == class_id)
        .ok_or(AppError::NotFound)?;
    let next = apply(class, change).map_err(AppError::Validation)?;
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "creditor",
        actor_id: Some(member.id.to_string()),
        case_id: None,
        action: "treatment_class.changed",
        detail: serde_json::json!({
            "class": next.key,
            "reply_days": next.reply_days,
            "escalation_needs_consent": next.escalation_needs_consent,
            "consent_days": next.consent_days,
            "consent_default": if next.consent_default_approve { "approve" } else { "decline" },
            "plan_consent_default": next.plan_consent_default.code(),
            "waive_interest": next.waive_interest,
            "running_interest": next.running_interest,
            "waive_costs": next.waive_costs,
            "bands": next.bands,
            "cadence": next.cadence,
        })
        .to_string(),
        request_id,
    };
    let stored = state
        .store
        .update_class(member.creditor_id, &next, class, audit)
        .await?;
    if stored {
        Ok(())
    } else {
        Err(AppError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::defaults::default_classes;

    fn standard() -> ClassSettings {
        let class = default_classes()
            .into_iter()
            .find(|c| c.key == "standard")
            .expect("standard");
        ClassSettings {
            id: 2,
            key: class.key.into(),
            name_de: class.name_de.into(),
            name_en: class.name_en.into(),
            reply_days: class.reply_days,
            escalation_needs_consent: true,
            consent_days: 10,
            consent_default_approve: false,
            plan_consent_default: PlanConsentDefault::Recommendation,
            waive_interest: false,
            running_interest: false,
            waive_costs: false,
            bands: class.bands,
            cadence: crate::domain::dunning::Cadence::default_for(class.key),
            running_cases: 0,
        }
    }

    fn form() -> BandForm {
        BandForm {
            up_to: "300,00".into(),
            min_instalment: "30".into(),
            max_months: "9".into(),
            max_count: "9".into(),
            down_payment: "10".into(),
            max_deferral_days: "21".into(),
            auto_accept: false,
            review_outside_bounds: true,
            grace_days: "5".into(),
            misses_to_break: "2".into(),
        }
    }

    fn reminders() -> ReminderForm {
        ReminderForm {
            tone: "friendly".into(),
            first_after: "3".into(),
            further: "2".into(),
            further_after: "10".into(),
            final_notice: true,
            final_after: "14".into(),
            escalation: false,
            escalation_after: "".into(),
            instalment_reminder_days: "4".into(),
            email: true,
            letter: false,
        }
    }

    #[test]
    fn the_reminders_take_tone_rhythm_and_channels_of_the_form() {
        use crate::domain::dunning::{CadenceStep, Channels, StepKind, Tone};
        let next = apply(&standard(), &ClassChange::Reminders(reminders())).expect("valid");
        let step = |kind, after_days| CadenceStep { kind, after_days };
        assert_eq!(next.cadence.tone, Tone::Friendly);
        assert_eq!(
            next.cadence.steps,
            vec![
                step(StepKind::Reminder, 3),
                step(StepKind::Reminder, 10),
                step(StepKind::Reminder, 10),
                step(StepKind::FinalNotice, 14),
            ],
            "no escalation request at all"
        );
        assert_eq!(next.cadence.instalment_reminder_days, 4);
        assert_eq!(
            next.cadence.channels,
            Channels {
                email: true,
                letter: false
            }
        );
    }

    #[test]
    fn bad_reminder_values_are_each_named_and_kept() {
        let form = ReminderForm {
            tone: "rude".into(),
            first_after: "-1".into(),
            further: "9".into(),
            final_after: "0".into(),
            email: false,
            letter: false,
            ..reminders()
        };
        let errors = apply(&standard(), &ClassChange::Reminders(form)).expect_err("invalid");
        for field in ["tone", "first_after", "further", "final_after", "channels"] {
            assert!(errors.fields.contains_key(field), "{field}: {errors:?}");
        }
        assert!(
            !errors.fields.contains_key("escalation_after"),
            "not asked for"
        );
        assert_eq!(
            errors.values.get("first_after").map(String::as_str),
            Some("-1")
        );
    }

    #[test]
    fn a_band_takes_every_rule_of_the_form() {
        let next = apply(
            &standard(),
            &ClassChange::Band {
                index: 0,
                form: form(),
            },
        )
        .expect("valid");
        let band = next.bands[0];
        assert_eq!(band.up_to.map(|m| m.minor), Some(30_000));
        assert_eq!(band.policy.min_instalment.minor, 3_000);
        assert_eq!(band.policy.max_months, 9);
        assert_eq!(band.policy.min_down_payment_bp, 1_000);
        assert!(!band.policy.auto_accept);
        assert_eq!(band.policy.missed.grace_days, 5);
        assert_eq!(
            next.bands[1],
            standard().bands[1],
            "the other band is unchanged"
        );
    }

    #[test]
    fn every_bad_value_is_named() {
        let bad = BandForm {
            up_to: "viel".into(),
            min_instalment: "0".into(),
            max_months: "0".into(),
            max_count: "121".into(),
            down_payment: "95".into(),
            max_deferral_days: "-1".into(),
            grace_days: "x".into(),
            misses_to_break: "0".into(),
            ..form()
        };
        let errors = apply(
            &standard(),
            &ClassChange::Band {
                index: 0,
                form: bad,
            },
        )
        .expect_err("invalid");
        for field in [
            "up_to",
            "min_instalment",
            "max_months",
            "max_count",
            "down_payment",
            "max_deferral_days",
            "grace_days",
            "misses_to_break",
        ] {
            assert!(errors.fields.contains_key(field), "{field} named");
        }
        assert_eq!(
            errors.fields.get("max_count"),
            Some(&vec![Problem::Range { min: 1, max: 120 }])
        );
        assert_eq!(
            errors.values.get("max_count").map(String::as_str),
            Some("121"),
            "kept for the form"
        );
    }

    #[test]
    fn the_last_band_covers_any_balance_whatever_the_form_says() {
        let next = apply(
            &standard(),
            &ClassChange::Band {
                index: 1,
                form: form(),
            },
        )
        .expect("valid");
        assert_eq!(next.bands[1].up_to, None);
    }

    #[test]
    fn settings_are_bounded() {
        let change = |days: &str, consent_days: &str, default: &str| ClassChange::Settings {
            reply_days: days.into(),
            escalation_needs_consent: false,
            consent_days: consent_days.into(),
            consent_default: default.into(),
            plan_consent_default: "decline".into(),
            interest: Some("none".into()),
            waive_costs: false,
        };
        let next = apply(&standard(), &change("3", "5", "approve")).expect("valid");
        assert_eq!(next.reply_days, 3);
        assert!(!next.escalation_needs_consent);
        assert_eq!(next.consent_days, 5);
        assert!(next.consent_default_approve);
        assert_eq!(next.plan_consent_default, PlanConsentDefault::Decline);
        assert!(next.waive_interest && !next.waive_costs && !next.running_interest);
        let interest = |choice: &str| ClassChange::Settings {
            reply_days: "3".into(),
            escalation_needs_consent: false,
            consent_days: "5".into(),
            consent_default: "decline".into(),
            plan_consent_default: "decline".into(),
            interest: Some(choice.into()),
            waive_costs: false,
        };
        let next = apply(&next, &interest("statutory")).expect("valid");
        assert!(next.running_interest && !next.waive_interest);
        let unknown = interest("some");
        let errors = apply(&standard(), &unknown).expect_err("unknown interest choice");
        assert!(format!("{errors:?}").contains("interest"));
        assert!(apply(&standard(), &change("0", "5", "decline")).is_err());
        assert!(apply(&standard(), &change("31", "5", "decline")).is_err());
        assert!(apply(&standard(), &change("3", "61", "decline")).is_err());
        assert!(apply(&standard(), &change("3", "5", "maybe")).is_err());
    }

    #[test]
    fn a_band_that_does_not_exist_is_refused() {
        let errors = apply(
            &standard(),
            &ClassChange::Band {
                index: 7,
                form: form(),
            },
        )
        .expect_err("no such band");
        assert!(!errors.is_empty());
    }
}
