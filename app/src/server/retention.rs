//! The creditor's retention dashboard: the figures of [`crate::domain::retention`] for the
//! creditor's own cases, filtered by the period in which the cases ended and by treatment class,
//! drawn as charts (each with a table holding the same data), the debtors' answers to the
//! fairness question, and the upload of customer activity as CSV.

use crate::domain::retention::{self, Group, Report, WINDOWS};
use crate::domain::Language;
use crate::dto::{
    ActivityImportView, Chart, CreditorMember, RetentionFilter, RetentionPage, SatisfactionGroup,
};
use crate::error::AppError;
use crate::server::charts::{self, Caption, Line};
use crate::server::ports::RetentionSource;
use crate::server::ports::{
    AuditLog, Classes, Consents, Creditors, Overview, PlanApprovals, Retention, StaffDigest,
};
use crate::server::{today, AppState};
use chrono::NaiveDate;

/// The largest activity file taken in the portal.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The filter as sent; empty fields mean "all".
pub fn filter(from: Option<String>, to: Option<String>, class: Option<String>) -> RetentionFilter {
    let some = |v: Option<String>| {
        v.map(|s| s.trim().chars().take(40).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    RetentionFilter {
        from: some(from),
        to: some(to),
        class: some(class),
    }
}

/// The period's days, or the names of the fields that are not dates.
fn period(f: &RetentionFilter) -> (Option<NaiveDate>, Option<NaiveDate>, Vec<String>) {
    let mut problems = Vec::new();
    let mut day = |field: &str, v: &Option<String>| match v {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(field.to_string());
                None
            }
        },
    };
    let from = day("from", &f.from);
    let to = day("to", &f.to);
    (from, to, problems)
}

/// The report for the filter: cases that ended in the period and, if given, in the class.
pub fn report_for(source: &RetentionSource, f: &RetentionFilter, as_of: NaiveDate) -> Report {
    let (from, to, _) = period(f);
    let cases: Vec<retention::EndedCase> = source
        .cases
        .iter()
        .filter(|c| from.is_none_or(|d| c.ended_on >= d))
        .filter(|c| to.is_none_or(|d| c.ended_on <= d))
        .filter(|c| f.class.as_ref().is_none_or(|k| &c.class_key == k))
        .cloned()
        .collect();
    retention::report(&cases, &source.activities, as_of)
}

/// Average scores by class and by path of the cases in the report's filter.
fn satisfaction(source: &RetentionSource, f: &RetentionFilter) -> Vec<SatisfactionGroup> {
    let (from, to, _) = period(f);
    let mut groups: std::collections::BTreeMap<(String, String), (usize, u32)> =
        std::collections::BTreeMap::new();
    let by_id: std::collections::HashMap<i64, &retention::EndedCase> =
        source.cases.iter().map(|c| (c.case_id, c)).collect();
    for (case_id, score) in &source.scores {
        let Some(c) = by_id.get(case_id) else {
            continue;
        };
        let inside = from.is_none_or(|d| c.ended_on >= d)
            && to.is_none_or(|d| c.ended_on <= d)
            && f.class.as_ref().is_none_or(|k| &c.class_key == k);
        if !inside {
            continue;
        }
        for key in [
            ("class".to_string(), c.class_key.clone()),
            ("path".to_string(), c.path.code().to_string()),
        ] {
            let e = groups.entry(key).or_default();
            e.0 += 1;
            e.1 += u32::from(*score);
        }
    }
    groups
        .into_iter()
        .map(|((dimension, key), (answers, sum))| SatisfactionGroup {
            dimension,
            key,
            answers,
            average_tenths: (answers > 0).then(|| (sum * 10 + answers as u32 / 2) / answers as u32),
        })
        .collect()
}

fn percent(g: &Group, window: usize) -> Option<f64> {
    g.windows
        .get(window)
        .and_then(|w| w.per_mille())
        .map(|p| f64::from(p) / 10.0)
}

/// The charts: cohort curves, bars by class and by reason.
fn charts(report: &Report, lang: Language, class_name: impl Fn(&str) -> String) -> Vec<Chart> {
    let t = crate::i18n::creditor_tr(lang);
    let windows: Vec<String> = WINDOWS.iter().map(|d| (t.retention_window)(*d)).collect();
    let mut out = Vec::new();
    let cohort_lines: Vec<Line> = report
        .cohorts
        .iter()
        .map(|g| Line {
            label: g.key.clone(),
            points: WINDOWS
                .iter()
                .enumerate()
                .filter_map(|(i, d)| percent(g, i).map(|p| (*d, p)))
                .collect(),
        })
        .filter(|l| !l.points.is_empty())
        .collect();
    let caption = Caption {
        id: "chart-cohorts",
        title: t.chart_cohorts_title,
        desc: t.chart_cohorts_desc,
        x_label: t.chart_days_after,
        y_label: t.chart_share,
    };
    if let Ok(svg) = charts::lines(&caption, 365, &cohort_lines) {
        out.push(Chart {
            id: caption.id.into(),
            title: caption.title.into(),
            svg,
            table_id: "table-cohorts".into(),
        });
    }
    for (id, title, desc, table, groups, name) in [
        (
            "chart-classes",
            t.chart_classes_title,
            t.chart_classes_desc,
            "table-classes",
            &report.by_class,
            &class_name as &dyn Fn(&str) -> String,
        ),
        (
            "chart-reasons",
            t.chart_reasons_title,
            t.chart_reasons_desc,
            "table-reasons",
            &report.by_reason,
            &|k: &str| crate::i18n::reason_or_none(lang, k),
        ),
    ] {
        let bars: Vec<(String, Vec<Option<f64>>)> = groups
            .iter()
            .map(|g| {
                (
                    name(&g.key),
                    (0..WINDOWS.len()).map(|i| percent(g, i)).collect(),
                )
            })
            .collect();
        let caption = Caption {
            id,
            title,
            desc,
            x_label: "",
            y_label: t.chart_share,
        };
        if let Ok(svg) = charts::bars(&caption, &bars, &windows) {
            out.push(Chart {
                id: id.into(),
                title: title.into(),
                svg,
                table_id: table.into(),
            });
        }
    }
    out
}

/// The dashboard for the filter; `upload` is the result of an upload a moment ago.
pub async fn page<S: Classes + Retention + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
    filter: RetentionFilter,
    upload: Option<ActivityImportView>,
) -> Result<RetentionPage, AppError> {
    let lang = crate::i18n::request_language();
    let as_of = today(state)?;
    let source = state.store.retention_data(member.creditor_id).await?;
    let classes: Vec<(String, String)> = state
        .store
        .classes(member.creditor_id)
        .await?
        .into_iter()
        .map(|c| {
            let name = if lang == Language::En {
                c.name_en
            } else {
                c.name_de
            };
            (c.key, name)
        })
        .collect();
    let (_, _, filter_problems) = period(&filter);
    let report = report_for(&source, &filter, as_of);
    let class_name = |k: &str| {
        classes
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, n)| n.clone())
    };
    let charts = charts(&report, lang, class_name);
    let satisfaction = satisfaction(&source, &filter);
    Ok(RetentionPage {
        member,
        filter,
        filter_problems,
        classes,
        report,
        charts,
        upload,
        satisfaction,
    })
}

/// The report of the creditor's cases for the filter, as of today (for the CSV download).
pub async fn report<S: Retention + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    filter: &RetentionFilter,
) -> Result<Report, AppError> {
    let source = state.store.retention_data(member.creditor_id).await?;
    Ok(report_for(&source, filter, today(state)?))
}

/// A customer's relationship page; 404 for a debtor of another creditor.
///
/// Who at the creditor reads what a debtor wrote to the agency: owners only (they decide on the
/// customer and need the reasons); viewers see when messages were written, not their texts. Every
/// view of the page is audited, and debtors are told on the page where they write.
pub async fn customer<S: AuditLog + Retention + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
    debtor_id: i64,
    request_id: Option<String>,
) -> Result<crate::dto::CustomerPage, AppError> {
    use crate::domain::{Currency, Money};
    let record = state
        .store
        .customer_record(member.creditor_id, debtor_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let texts = member.role == "owner";
    state
        .store
        .append_audit(crate::server::creditor_audit(
            state,
            &member,
            "customer.viewed",
            serde_json::json!({ "debtor_id": debtor_id, "message_texts": texts }),
            request_id,
        ))
        .await?;
    let eur = |minor| Money::new(minor, Currency::EUR);
    let cases: Vec<crate::dto::CustomerCase> = record
        .cases
        .iter()
        .map(|c| {
            let ended_on = c
                .ended_ms
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.date_naive());
            let paid_in_full = c.paid_minor > 0 && c.paid_minor >= c.claimed_minor;
            let paid_on = c.last_paid_on.filter(|_| paid_in_full);
            let path = (paid_in_full && ended_on.is_some()).then(|| {
                if c.plans > 0 {
                    "plan"
                } else if c.disputes > 0 {
                    "dispute"
                } else {
                    "at_once"
                }
                .to_string()
            });
            let returns = ended_on
                .map(|end| {
                    record
                        .activities
                        .iter()
                        .filter(|a| a.kind.is_return())
                        .filter_map(|a| {
                            let days = (a.on - end).num_days();
                            (1..=i64::from(WINDOWS[WINDOWS.len() - 1]))
                                .contains(&days)
                                .then(|| {
                                    (
                                        a.kind.code().to_string(),
                                        a.on,
                                        a.amount_minor.map(eur),
                                        days,
                                    )
                                })
                        })
                        .collect()
                })
                .unwrap_or_default();
            crate::dto::CustomerCase {
                reference: c.reference.clone(),
                state: c.state.clone(),
                class_key: c.class_key.clone(),
                reason: c.reason.clone(),
                handed_over_ms: c.handed_over_ms,
                claimed: eur(c.claimed_minor),
                paid: eur(c.paid_minor),
                due_on: c.due_on,
                paid_on,
                days_late: paid_on.zip(c.due_on).map(|(p, d)| (p - d).num_days()),
                ended_on,
                path,
                reminders: c.reminders,
                returns,
            }
        })
        .collect();
    let late: Vec<i64> = cases.iter().filter_map(|c| c.days_late).collect();
    let trend = match late.as_slice() {
        [.., before, last] => Some(
            match last.cmp(before) {
                std::cmp::Ordering::Less => "better",
                std::cmp::Ordering::Greater => "worse",
                std::cmp::Ordering::Equal => "same",
            }
            .to_string(),
        ),
        _ => None,
    };
    Ok(crate::dto::CustomerPage {
        member,
        name: record.name,
        customer_number: record.customer_number,
        key_account: cases
            .last()
            .is_some_and(|c| c.class_key.as_deref() == Some("key_account")),
        cases,
        trend,
        messages: record
            .messages
            .into_iter()
            .map(|(reference, author, body, at)| {
                (
                    reference,
                    author,
                    if texts { body } else { String::new() },
                    at,
                )
            })
            .collect(),
        message_texts: texts,
        activities: record
            .activities
            .iter()
            .map(|a| (a.kind.code().to_string(), a.on, a.amount_minor.map(eur)))
            .collect(),
    })
}

/// Stores an uploaded activity file (owners): all rows or none.
pub async fn upload<S: Retention + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    file: Option<(String, Vec<u8>, bool)>,
) -> Result<ActivityImportView, AppError> {
    let (_, content) =
        crate::server::imports::uploaded(file.filter(|(name, _, _)| !name.is_empty()), MAX_BYTES)?;
    let today = today(state)?;
    state
        .store
        .import_activities(member.creditor_id, content, today, state.clock.now_ms())
        .await
        .map_err(AppError::from)
}

/// The weekly digest: on Mondays from 07:00 Berlin time, one email per active owner of each
/// creditor with the money received in the last seven days, the decisions waiting (consents and
/// plan approvals) and the 90-day retention of paid cases now and a week ago. Once per owner and
/// week (the outbox refuses a second email with the same key).
pub async fn queue_weekly_digests<S>(
    store: &S,
    now_ms: i64,
    base_url: &str,
) -> Result<u32, AppError>
where
    S: Creditors + Overview + Consents + PlanApprovals + Retention + Classes + StaffDigest + ?Sized,
{
    use chrono::{Datelike, Timelike};
    let zone = chrono_tz::Europe::Berlin;
    let Some(local) =
        chrono::DateTime::from_timestamp_millis(now_ms).map(|t| t.with_timezone(&zone))
    else {
        return Ok(0);
    };
    if local.weekday() != chrono::Weekday::Mon
        || local.hour() < crate::server::handling::DIGEST_HOUR
    {
        return Ok(0);
    }
    let week = local.iso_week();
    let today = local.date_naive();
    let lang = Language::De;
    let t = crate::i18n::creditor_tr(lang);
    let mut queued = 0;
    let mut done_creditor: Option<(i64, Vec<(String, String)>)> = None;
    for owner in store.creditor_owners().await? {
        let dedupe_key = format!(
            "creditor-digest:{}:{}-W{:02}",
            owner.user_id,
            week.year(),
            week.week()
        );
        if store.email_queued(&dedupe_key).await? {
            continue;
        }
        let lines = match &done_creditor {
            Some((id, lines)) if *id == owner.creditor_id => lines.clone(),
            _ => {
                let figures = store
                    .overview_figures(owner.creditor_id, now_ms - 7 * 86_400_000)
                    .await?;
                let decisions = store.consent_requests(owner.creditor_id).await?.len()
                    + store.plan_approval_requests(owner.creditor_id).await?.len();
                let source = store.retention_data(owner.creditor_id).await?;
                let share = |as_of: NaiveDate| {
                    let r = retention::report(&source.cases, &source.activities, as_of);
                    let w = r.paid.windows[0];
                    (t.digest_share)(w.per_mille(), w.retained, w.cases)
                };
                let lines = vec![
                    (
                        t.digest_recovered.to_string(),
                        crate::domain::Money::new(
                            figures.recovered_recent_minor,
                            crate::domain::Currency::EUR,
                        )
                        .format(lang),
                    ),
                    (t.digest_decisions.to_string(), decisions.to_string()),
                    (t.digest_retention.to_string(), share(today)),
                    (
                        t.digest_retention_before.to_string(),
                        share(today - chrono::Days::new(7)),
                    ),
                ];
                done_creditor = Some((owner.creditor_id, lines.clone()));
                lines
            }
        };
        let link = format!("{}/creditor/retention", base_url.trim_end_matches('/'));
        let (subject, text, html) = crate::server::emails::creditor_digest(
            lang,
            &owner.display_name,
            &owner.creditor_name,
            &lines,
            &link,
        );
        let email = crate::server::ports::StaffEmail {
            dedupe_key,
            to: owner.email.clone(),
            time_zone: zone.name().to_string(),
            subject,
            text,
            html,
            host: crate::server::host_of(base_url),
        };
        if store.queue_staff_email(email, now_ms).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The figures as CSV rows (`;`-separated, German decimal comma): one row per group and window.
pub fn csv_rows(report: &Report) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    let parts: [(&str, &[Group]); 8] = [
        ("outcome", std::slice::from_ref(&report.paid)),
        ("outcome", std::slice::from_ref(&report.other)),
        ("class", &report.by_class),
        ("reason", &report.by_reason),
        ("path", &report.by_path),
        ("reminders", &report.by_reminders),
        ("conversation", &report.by_conversation),
        ("cohort", &report.cohorts),
    ];
    for (dimension, groups) in parts {
        for g in groups {
            for w in &g.windows {
                rows.push([
                    dimension.to_string(),
                    g.key.clone(),
                    g.cases.to_string(),
                    w.days.to_string(),
                    w.cases.to_string(),
                    w.retained.to_string(),
                    w.per_mille()
                        .map(|p| format!("{},{}", p / 10, p % 10))
                        .unwrap_or_default(),
                    if w.significant() { "yes" } else { "no" }.to_string(),
                    crate::domain::Money::new(g.revenue_minor, crate::domain::Currency::EUR)
                        .decimal()
                        .replace('.', ","),
                ]);
            }
        }
    }
    rows
}

/// The header of [`csv_rows`].
pub const CSV_HEADER: [&str; 9] = [
    "breakdown",
    "group",
    "cases",
    "window_days",
    "cases_in_window",
    "retained",
    "retained_percent",
    "significant",
    "revenue_after_eur",
];

#[cfg(test)]
mod tests;
