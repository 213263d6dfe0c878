//! A streaming reader for ISO 20022 bank statements (camt.053) and credit notifications
//! (camt.054), versions .001.02 to .001.13, with prefixed or default namespaces.
//!
//! The file is read event by event (quick-xml) and each entry is handed to the caller as soon as it
//! is complete, so memory stays bounded by one entry whatever the file size. A DOCTYPE (and with it
//! any entity definition) is rejected, as are nesting deeper than [`MAX_DEPTH`] and texts longer than
//! [`MAX_TEXT`]. Elements Rapport does not need are skipped.

use chrono::NaiveDate;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::BufRead;

pub const MAX_DEPTH: usize = 48;
pub const MAX_TEXT: usize = 4_096;

/// Which message the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// `camt.053` or `camt.054`.
    pub message: String,
    /// e.g. `001.08`.
    pub version: String,
}

/// An amount as written: minor units and currency code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    pub currency: String,
}

/// One underlying payment of an entry (a batch booking has several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    pub amount: Option<Amount>,
    pub credit: Option<bool>,
    pub end_to_end_id: Option<String>,
    pub bank_ref: Option<String>,
    pub payer_name: Option<String>,
    pub payer_iban: Option<String>,
    /// Every `RmtInf/Ustrd` joined with a space (banks split long texts into 35-character chunks).
    pub remittance: String,
    /// `RmtInf/Strd/CdtrRefInf/Ref`: a structured creditor reference (RF).
    pub creditor_ref: Option<String>,
    pub additional_info: String,
}

/// One booking line of a statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The message id (`GrpHdr/MsgId`) and statement id (`Stmt/Id` or `Ntfctn/Id`).
    pub message_id: String,
    pub statement_id: String,
    /// Our account the statement is for.
    pub account_iban: Option<String>,
    /// 1-based position of the entry in its statement.
    pub position: u32,
    pub amount: Option<Amount>,
    pub credit: Option<bool>,
    pub reversal: bool,
    /// `BOOK`, `PDNG`, `INFO` … (`Sts` or `Sts/Cd`).
    pub status: String,
    pub booking_date: Option<NaiveDate>,
    pub value_date: Option<NaiveDate>,
    /// The bank's own unique reference of the entry (`AcctSvcrRef`).
    pub bank_ref: Option<String>,
    pub additional_info: String,
    /// `NtryDtls/Btch/NbOfTxs`, if given.
    pub batch_count: Option<u32>,
    pub transactions: Vec<Transaction>,
}

/// Why a file cannot be read; the message names the problem and, where known, the line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CamtError {
    #[error("the file is not well-formed XML near byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("the file declares a DOCTYPE; bank statements never do, so it is refused")]
    Doctype,
    #[error("the file nests elements deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("a text in the file is longer than {MAX_TEXT} characters")]
    TextTooLong,
    #[error("the file is not a camt.053 or camt.054 message (its namespace is {0:?})")]
    NotCamt(String),
    #[error("entry {position}: the amount {text:?} is not a valid amount")]
    BadAmount { position: u32, text: String },
    #[error("entry {position}: the date {text:?} is not a valid date")]
    BadDate { position: u32, text: String },
    #[error("the file holds no statement or notification")]
    Empty,
}

/// Parses an amount such as `123.45` (at most two decimals; never negative: the sign is CdtDbtInd).
fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 15
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

/// `Dt` (a date) or `DtTm` (a date-time: its date part).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

fn join(into: &mut String, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if !into.is_empty() {
        into.push(' ');
    }
    into.push_str(text);
}

/// Why reading stopped: the file, or the caller's handling of an entry.
#[derive(Debug)]
pub enum ReadError<E> {
    Camt(CamtError),
    Stopped(E),
}

/// Reads the file and calls `on_entry` for each entry, in order. Returns the format and the number
/// of entries. An error from `on_entry` stops reading and is returned as `Stopped`.
pub fn read<R: BufRead, E>(
    input: R,
    mut on_entry: impl FnMut(Entry) -> Result<(), E>,
) -> Result<(Format, u32), ReadError<E>> {
    use ReadError::{Camt as Left, Stopped as Right};
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut format: Option<Format> = None;
    let mut message_id = String::new();
    let mut statement_id = String::new();
    let mut account_iban: Option<String> = None;
    let mut position = 0u32;
    let mut count = 0u32;
    let mut statements = 0u32;
    let mut entry: Option<Entry> = None;
    let mut tx: Option<Transaction> = None;
    let mut text = String::new();
    let mut currency: Option<String> = None;
    // Where the current entry starts in the stack.
    let mut entry_depth = 0usize;

    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            Left(CamtError::Xml {
                position: reader.buffer_position(),
                message: e.to_string(),
            })
        })?;
        match event {
            Event::DocType(_) => return Err(Left(CamtError::Doctype)),
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    // The root: its namespace names message and version.
                    let mut ns = String::new();
                    for attr in e.attributes().flatten() {
                        let key = attr.key.as_ref();
                        if key == b"xmlns" || key.starts_with(b"xmlns:") {
                            let value = String::from_utf8_lossy(&attr.value).into_owned();
                            if value.contains("camt.05") {
                                ns = value;
                            }
                        }
                    }
                    let tail = ns.rsplit(':').next().unwrap_or_default();
                    let parts: Vec<&str> = tail.splitn(3, '.').collect();
                    match parts.as_slice() {
                        ["camt", m @ ("053" | "054"), v] => {
                            format = Some(Format {
                                message: format!("camt.{m}"),
                                version: v.to_string(),
                            })
                        }
                        _ => return Err(Left(CamtError::NotCamt(ns))),
                    }
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Left(CamtError::TooDeep));
                }
                match name.as_str() {
                    "Stmt" | "Ntfctn" => {
                        statements += 1;
                        statement_id.clear();
                        account_iban = None;
                        position = 0;
                    }
                    "Ntry" => {
                        position += 1;
                        entry = Some(Entry {
                            message_id: message_id.clone(),
                            statement_id: statement_id.clone(),
                            account_iban: account_iban.clone(),
                            position,
                            ..Entry::default()
                        });
                        entry_depth = stack.len() + 1;
                    }
                    "TxDtls" if entry.is_some() => tx = Some(Transaction::default()),
                    _ => {}
                }
                currency = e
                    .try_get_attribute("Ccy")
                    .ok()
                    .flatten()
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                stack.push(name);
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => {
                let part = t.decode().map_err(|e| {
                    Left(CamtError::Xml {
                        position: reader.buffer_position(),
                        message: e.to_string(),
                    })
                })?;
                text.push_str(&part);
                if text.len() > MAX_TEXT {
                    return Err(Left(CamtError::TextTooLong));
                }
            }
            Event::CData(t) => {
                text.push_str(&String::from_utf8_lossy(&t));
                if text.len() > MAX_TEXT {
                    return Err(Left(CamtError::TextTooLong));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(v) => v.to_string(),
                            None => {
                                return Err(Left(CamtError::Xml {
                                    position: reader.buffer_position(),
                                    message: format!("unknown entity &{name};"),
                                }))
                            }
                        }
                    }
                };
                text.push_str(&resolved);
            }
            Event::End(_) => {
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                let value = text.trim().to_string();
                let parent_is_statement =
                    path.len() >= 2 && matches!(path[path.len() - 2], "Stmt" | "Ntfctn");
                match path.as_slice() {
                    [.., "GrpHdr", "MsgId"] => message_id = value.clone(),
                    [.., "Id"] if parent_is_statement => statement_id = value.clone(),
                    [.., "Stmt" | "Ntfctn", "Acct", "Id", "IBAN"] => {
                        account_iban = Some(value.replace(' ', ""))
                    }
                    _ => {}
                }
                let closes_entry = entry.is_some() && path.len() == entry_depth;
                let closes_tx =
                    tx.is_some() && path.len() == entry_depth + 2 && path.last() == Some(&"TxDtls");
                if closes_tx {
                    if let (Some(en), Some(done)) = (entry.as_mut(), tx.take()) {
                        en.transactions.push(done);
                    }
                } else if closes_entry {
                    if let Some(done) = entry.take() {
                        count += 1;
                        on_entry(done).map_err(Right)?;
                    }
                } else if let Some(en) = entry.as_mut() {
                    let rel = &path[entry_depth.min(path.len())..];
                    let pos = en.position;
                    let amount = |v: &str| -> Result<Amount, CamtError> {
                        Ok(Amount {
                            minor: parse_amount(v).ok_or_else(|| CamtError::BadAmount {
                                position: pos,
                                text: v.to_string(),
                            })?,
                            currency: currency.clone().unwrap_or_default(),
                        })
                    };
                    let date = |v: &str| -> Result<NaiveDate, CamtError> {
                        parse_date(v).ok_or_else(|| CamtError::BadDate {
                            position: pos,
                            text: v.to_string(),
                        })
                    };
                    match rel {
                        ["Amt"] => en.amount = Some(amount(&value).map_err(Left)?),
                        ["CdtDbtInd"] => en.credit = Some(value == "CRDT"),
                        ["RvslInd"] => en.reversal = value == "true" || value == "1",
                        // `Sts` (up to .001.06) or `Sts/Cd`; the closing `Sts` of the latter has no text.
                        ["Sts"] | ["Sts", "Cd"] if !value.is_empty() => en.status = value.clone(),
                        ["BookgDt", "Dt" | "DtTm"] => {
                            en.booking_date = Some(date(&value).map_err(Left)?)
                        }
                        ["ValDt", "Dt" | "DtTm"] => {
                            en.value_date = Some(date(&value).map_err(Left)?)
                        }
                        ["AcctSvcrRef"] => {
                            en.bank_ref = Some(value.clone()).filter(|v| !v.is_empty())
                        }
                        ["AddtlNtryInf"] => join(&mut en.additional_info, &value),
                        ["NtryDtls", "Btch", "NbOfTxs"] => en.batch_count = value.parse().ok(),
                        ["NtryDtls", "TxDtls", rest @ ..] => {
                            if let Some(t) = tx.as_mut() {
                                match rest {
                                    ["Amt"] | ["AmtDtls", "TxAmt", "Amt"] => {
                                        t.amount = Some(amount(&value).map_err(Left)?)
                                    }
                                    ["AmtDtls", "InstdAmt", "Amt"] if t.amount.is_none() => {
                                        t.amount = Some(amount(&value).map_err(Left)?)
                                    }
                                    ["CdtDbtInd"] => t.credit = Some(value == "CRDT"),
                                    ["Refs", "EndToEndId"] => {
                                        t.end_to_end_id = Some(value.clone())
                                            .filter(|v| !v.is_empty() && v != "NOTPROVIDED")
                                    }
                                    ["Refs", "AcctSvcrRef"] => {
                                        t.bank_ref = Some(value.clone()).filter(|v| !v.is_empty())
                                    }
                                    ["RltdPties", "Dbtr", "Nm"]
                                    | ["RltdPties", "Dbtr", "Pty", "Nm"] => {
                                        t.payer_name = Some(value.clone())
                                    }
                                    ["RltdPties", "DbtrAcct", "Id", "IBAN"] => {
                                        t.payer_iban = Some(value.replace(' ', ""))
                                    }
                                    ["RmtInf", "Ustrd"] => join(&mut t.remittance, &value),
                                    ["RmtInf", "Strd", "CdtrRefInf", "Ref"] => {
                                        t.creditor_ref = Some(value.clone())
                                    }
                                    ["AddtlTxInf"] => join(&mut t.additional_info, &value),
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
                stack.pop();
                text.clear();
                currency = None;
            }
            Event::Eof => {
                // A file cut off in the middle (an interrupted download) must not pass as a
                // shorter statement.
                if !stack.is_empty() {
                    return Err(Left(CamtError::Xml {
                        position: reader.buffer_position(),
                        message: format!("the file ends inside <{}>", stack.join("/")),
                    }));
                }
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    let format = format.ok_or(ReadError::Camt(CamtError::Empty))?;
    if statements == 0 {
        return Err(ReadError::Camt(CamtError::Empty));
    }
    Ok((format, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_never_negative() {
        assert_eq!(parse_amount("123.45"), Some(12_345));
        assert_eq!(parse_amount("7.5"), Some(750));
        assert_eq!(parse_amount("10"), Some(1_000));
        assert_eq!(parse_amount("-1.00"), None);
        assert_eq!(parse_amount("1.005"), None);
        assert_eq!(parse_amount("1,00"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn dates_and_date_times_give_the_day() {
        assert_eq!(
            parse_date("2026-03-03"),
            NaiveDate::from_ymd_opt(2026, 3, 3)
        );
        assert_eq!(
            parse_date("2026-03-03T10:15:00+01:00"),
            NaiveDate::from_ymd_opt(2026, 3, 3)
        );
        assert_eq!(parse_date("03.03.2026"), None);
    }
}
