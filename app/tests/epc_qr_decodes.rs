//! An EPC QR code rendered by Rapport is read back by a real decoder (zbarimg from Debian's
//! zbar-tools) to exactly the payload it encodes.

use app::domain::epc::{EpcPayment, Remittance};
use app::domain::references::{Iban, RfReference};
use app::domain::{Currency, Money};
use std::io::Write;
use std::process::Command;

/// Writes the modules as a binary PGM image: 8 pixels per module, 4 modules of quiet zone.
fn write_pgm(path: &std::path::Path, width: usize, modules: &[bool]) {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, dark) in modules.iter().enumerate() {
        if !dark {
            continue;
        }
        let (row, col) = (i / width + QUIET, i % width + QUIET);
        for y in row * SCALE..(row + 1) * SCALE {
            pixels[y * side + col * SCALE..y * side + (col + 1) * SCALE].fill(0);
        }
    }
    let mut file = std::fs::File::create(path).expect("create image");
    write!(file, "P5\n{side} {side}\n255\n").expect("header");
    file.write_all(&pixels).expect("pixels");
}

fn decode(payment: &EpcPayment) -> Option<String> {
    let (width, modules) = payment.qr_modules().expect("QR code");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("epc.pgm");
    write_pgm(&path, width, &modules);
    let out = match Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var("CI").is_err() => {
            eprintln!(
                "zbarimg is not installed (apt-get install zbar-tools): skipping the decode check"
            );
            return None;
        }
        Err(e) => panic!("CI must have zbarimg (zbar-tools): {e}"),
    };
    assert!(
        out.status.success(),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim_end_matches('\n')
            .to_string(),
    )
}

#[test]
fn a_rendered_epc_qr_code_decodes_to_its_exact_payload() {
    let iban = Iban::parse("DE89 3704 0044 0532 0130 00").expect("valid IBAN");
    let with_reference = EpcPayment::new(
        "Nordlicht Inkasso GmbH",
        iban.clone(),
        None,
        Some(Money::new(27_222, Currency::EUR)),
        None,
        Remittance::Reference(RfReference::for_case("AKTE-2026-000101").expect("valid")),
        Some("Danke für Ihre Zahlung"),
    )
    .expect("valid payment");
    let with_text = EpcPayment::new(
        "Müller & Söhne",
        iban,
        Some("COBADEFFXXX"),
        None,
        Some("GDDS"),
        Remittance::Text("Akte AKTE-2026-000101, Rate 1 von 6 – Größe 42".into()),
        None,
    )
    .expect("valid payment");
    for payment in [with_reference, with_text] {
        if let Some(decoded) = decode(&payment) {
            assert_eq!(decoded, payment.payload());
            assert_eq!(EpcPayment::parse(&decoded), Ok(payment));
        }
    }
}
