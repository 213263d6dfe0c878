//! Robustness of the readers of files from outside: camt.053/054 statements (arbitrary bytes,
//! and real files cut short or with bytes changed) and CSV files (hand-over and activity). They
//! must read or refuse, never panic. Property-based with a bounded number of cases.

use crate::camt_fixture::{file, Entry, Tx, CAMT053_V02, CAMT054_V08};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn read(bytes: &[u8]) {
    let _ = server::camt::read(std::io::BufReader::new(bytes), |_| Ok::<(), ()>(()));
}

fn statement(shape: crate::camt_fixture::Shape) -> Vec<u8> {
    let tx = Tx {
        amount: Some(12_345),
        rf: Some("RF18539007547034".into()),
        text: "Rechnung <RE-1> & Mahnung".into(),
        payer: Some("Anna Beispiel".into()),
        payer_iban: Some("DE89370400440532013000".into()),
    };
    file(
        shape,
        "STMT-1",
        "DE02120300000000202051",
        &[Entry::credit(12_345, "2026-11-30", "B-1", tx)],
    )
    .into_bytes()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_are_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        read(&bytes);
    }

    #[test]
    fn real_statements_cut_short_or_changed_are_read_or_refused(
        cut in 0usize..4_000,
        changes in proptest::collection::vec((0usize..4_000, any::<u8>()), 0..8),
        v2 in any::<bool>(),
    ) {
        let mut bytes = statement(if v2 { CAMT053_V02 } else { CAMT054_V08 });
        for (at, b) in changes {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        bytes.truncate(cut.min(bytes.len()));
        read(&bytes);
    }

    #[test]
    fn csv_files_are_read_or_refused(
        header in "[a-z_;,]{0,80}",
        lines in proptest::collection::vec(".{0,120}", 0..20),
    ) {
        let raw = format!("{header}\n{}", lines.join("\n"));
        if let Ok((mut reader, columns)) = server::intake::open_csv(raw.as_bytes()) {
            for record in reader.records().flatten() {
                let row: std::collections::BTreeMap<String, String> = columns
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect();
                let _ = app::domain::intake::check_row(&row);
            }
        }
    }
}

#[test]
fn a_billion_laughs_statement_is_refused_without_expanding() {
    // quick-xml does not expand entities declared in a DTD; the reader must refuse or ignore
    // them and stay small.
    let hostile = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>&lol3;</MsgId></GrpHdr></BkToCstmrStmt></Document>"#;
    let mut ids = Vec::new();
    let result = server::camt::read(std::io::BufReader::new(&hostile[..]), |e| {
        ids.push(format!("{e:?}").len());
        Ok::<(), ()>(())
    });
    assert!(ids.is_empty(), "no entry comes out of it");
    let _ = result;
}
