//! Writes camt.053 and camt.054 files for the tests, in the shapes banks send: several schema
//! versions (from .001.07 `Sts` is `Sts/Cd` and parties sit in a `Pty` wrapper), a default or a
//! prefixed namespace, batch bookings with one `TxDtls` per payment, long remittance texts split
//! into 35-character `Ustrd` chunks.

/// One underlying payment.
#[derive(Debug, Clone, Default)]
pub struct Tx {
    /// Minor units; `None` leaves the transaction amount out (the entry's amount applies).
    pub amount: Option<i64>,
    pub rf: Option<String>,
    pub text: String,
    pub payer: Option<String>,
    pub payer_iban: Option<String>,
}

/// One booking line.
#[derive(Debug, Clone)]
pub struct Entry {
    pub amount: i64,
    pub credit: bool,
    pub status: &'static str,
    pub reversal: bool,
    pub date: &'static str,
    pub bank_ref: Option<String>,
    pub txs: Vec<Tx>,
}

impl Entry {
    /// A booked credit of one payment.
    pub fn credit(amount: i64, date: &'static str, bank_ref: &str, tx: Tx) -> Entry {
        Entry {
            amount,
            credit: true,
            status: "BOOK",
            reversal: false,
            date,
            bank_ref: Some(bank_ref.to_string()),
            txs: vec![tx],
        }
    }
}

/// The file's message and namespace style.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// `053` or `054`.
    pub message: &'static str,
    /// e.g. `02`, `08`.
    pub version: &'static str,
    /// Write every element with a `ns2:` prefix.
    pub prefixed: bool,
}

pub const CAMT053_V02: Shape = Shape {
    message: "053",
    version: "02",
    prefixed: false,
};
pub const CAMT053_V08_PREFIXED: Shape = Shape {
    message: "053",
    version: "08",
    prefixed: true,
};
pub const CAMT054_V08: Shape = Shape {
    message: "054",
    version: "08",
    prefixed: false,
};

fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The whole file for our account `account` with the statement id `id`.
pub fn file(shape: Shape, id: &str, account: &str, entries: &[Entry]) -> String {
    let p = if shape.prefixed { "ns2:" } else { "" };
    let v07 = shape.version >= "07";
    let (doc, stmt) = if shape.message == "053" {
        ("BkToCstmrStmt", "Stmt")
    } else {
        ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    };
    let ns = format!(
        "urn:iso:std:iso:20022:tech:xsd:camt.{}.001.{}",
        shape.message, shape.version
    );
    let xmlns = if shape.prefixed {
        format!("xmlns:ns2=\"{ns}\"")
    } else {
        format!("xmlns=\"{ns}\"")
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{p}Document {xmlns}><{p}{doc}>\
         <{p}GrpHdr><{p}MsgId>{id}-MSG</{p}MsgId><{p}CreDtTm>2027-01-01T10:00:00</{p}CreDtTm></{p}GrpHdr>\
         <{p}{stmt}><{p}Id>{id}</{p}Id><{p}Acct><{p}Id><{p}IBAN>{account}</{p}IBAN></{p}Id></{p}Acct>"
    );
    for e in entries {
        let status = if v07 {
            format!("<{p}Sts><{p}Cd>{}</{p}Cd></{p}Sts>", e.status)
        } else {
            format!("<{p}Sts>{}</{p}Sts>", e.status)
        };
        out.push_str(&format!(
            "<{p}Ntry><{p}Amt Ccy=\"EUR\">{}</{p}Amt><{p}CdtDbtInd>{}</{p}CdtDbtInd>{}{status}\
             <{p}BookgDt><{p}Dt>{}</{p}Dt></{p}BookgDt><{p}ValDt><{p}DtTm>{}T09:30:00+01:00</{p}DtTm></{p}ValDt>",
            amount(e.amount),
            if e.credit { "CRDT" } else { "DBIT" },
            if e.reversal {
                format!("<{p}RvslInd>true</{p}RvslInd>")
            } else {
                String::new()
            },
            e.date,
            e.date,
        ));
        if let Some(r) = &e.bank_ref {
            out.push_str(&format!("<{p}AcctSvcrRef>{r}</{p}AcctSvcrRef>"));
        }
        out.push_str(&format!("<{p}NtryDtls>"));
        if e.txs.len() > 1 {
            out.push_str(&format!(
                "<{p}Btch><{p}NbOfTxs>{}</{p}NbOfTxs></{p}Btch>",
                e.txs.len()
            ));
        }
        for t in &e.txs {
            out.push_str(&format!(
                "<{p}TxDtls><{p}Refs><{p}EndToEndId>NOTPROVIDED</{p}EndToEndId></{p}Refs>"
            ));
            if let Some(a) = t.amount {
                out.push_str(&format!(
                    "<{p}AmtDtls><{p}TxAmt><{p}Amt Ccy=\"EUR\">{}</{p}Amt></{p}TxAmt></{p}AmtDtls>",
                    amount(a)
                ));
            }
            out.push_str(&format!("<{p}RltdPties>"));
            if let Some(name) = &t.payer {
                if v07 {
                    out.push_str(&format!(
                        "<{p}Dbtr><{p}Pty><{p}Nm>{}</{p}Nm></{p}Pty></{p}Dbtr>",
                        escape(name)
                    ));
                } else {
                    out.push_str(&format!(
                        "<{p}Dbtr><{p}Nm>{}</{p}Nm></{p}Dbtr>",
                        escape(name)
                    ));
                }
            }
            if let Some(iban) = &t.payer_iban {
                out.push_str(&format!(
                    "<{p}DbtrAcct><{p}Id><{p}IBAN>{iban}</{p}IBAN></{p}Id></{p}DbtrAcct>"
                ));
            }
            out.push_str(&format!("</{p}RltdPties><{p}RmtInf>"));
            // Banks split long texts into chunks of 35 characters.
            let chars: Vec<char> = t.text.chars().collect();
            for chunk in chars.chunks(35) {
                let chunk: String = chunk.iter().collect();
                out.push_str(&format!("<{p}Ustrd>{}</{p}Ustrd>", escape(&chunk)));
            }
            if let Some(rf) = &t.rf {
                out.push_str(&format!(
                    "<{p}Strd><{p}CdtrRefInf><{p}Tp><{p}CdOrPrtry><{p}Cd>SCOR</{p}Cd></{p}CdOrPrtry><{p}Issr>ISO</{p}Issr></{p}Tp>\
                     <{p}Ref>{rf}</{p}Ref></{p}CdtrRefInf></{p}Strd>"
                ));
            }
            out.push_str(&format!("</{p}RmtInf></{p}TxDtls>"));
        }
        out.push_str(&format!("</{p}NtryDtls></{p}Ntry>"));
    }
    out.push_str(&format!("</{p}{stmt}></{p}{doc}></{p}Document>\n"));
    out
}

/// The RF reference the pay page shows for a case.
pub fn rf_for(reference: &str) -> String {
    app::domain::references::RfReference::for_case(reference)
        .expect("a case reference makes an RF reference")
        .as_str()
        .to_string()
}
