//! Checks on what debtors send: card numbers are redacted from free text before it is stored, and
//! uploaded documents are identified by their content, never by their name or claimed type.

use serde::{Deserialize, Serialize};

fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 {
                    dd - 9
                } else {
                    dd
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Replaces every payment card number (13 to 19 digits, optionally grouped by spaces or hyphens,
/// passing the Luhn check) with `[card number removed]`. Other numbers, such as IBANs without
/// their country code or invoice numbers, stay unless they happen to pass the check.
pub fn redact_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number =
            chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if starts_number {
            // Longest run of digits with single spaces or hyphens between them.
            let mut digits = Vec::new();
            let mut ends = Vec::new(); // (digit count, end index) after each digit
            let mut j = i;
            while j < chars.len() {
                if chars[j].is_ascii_digit() {
                    digits.push(chars[j] as u8 - b'0');
                    ends.push((digits.len(), j + 1));
                    j += 1;
                } else if matches!(chars[j], ' ' | '-')
                    && j + 1 < chars.len()
                    && chars[j + 1].is_ascii_digit()
                {
                    j += 1;
                } else {
                    break;
                }
            }
            let boundary_ok =
                |end: usize| end >= chars.len() || !chars[end].is_ascii_alphanumeric();
            let hit = ends.iter().rev().find(|(n, end)| {
                (13..=19).contains(n) && boundary_ok(*end) && luhn_valid(&digits[..*n])
            });
            if let Some((_, end)) = hit {
                out.push_str("[card number removed]");
                i = *end;
                continue;
            }
            let (_, end) = ends.last().copied().unwrap_or((0, i + 1));
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The document types debtors may upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentType {
    /// A PDF document (`%PDF-`).
    Pdf,
    /// A JPEG photo or scan.
    Jpeg,
    /// A PNG image or screenshot.
    Png,
}

impl DocumentType {
    /// Identifies a document by its first bytes (its "magic number").
    pub fn sniff(content: &[u8]) -> Option<DocumentType> {
        if content.starts_with(b"%PDF-") {
            Some(DocumentType::Pdf)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocumentType::Jpeg)
        } else if content.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(DocumentType::Png)
        } else {
            None
        }
    }

    /// The content type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Jpeg => "image/jpeg",
            DocumentType::Png => "image/png",
        }
    }

    /// The extension a download gets, whatever the uploaded name said.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentType::Pdf => "pdf",
            DocumentType::Jpeg => "jpg",
            DocumentType::Png => "png",
        }
    }
}

/// A file name safe to put in a `Content-Disposition` header: letters, digits, `.-_` and spaces
/// only, no path, at most 80 characters, and the extension of the sniffed type.
pub fn safe_file_name(uploaded: &str, kind: DocumentType) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_matches('_');
    let stem = if cleaned.is_empty() {
        "document"
    } else {
        cleaned
    };
    format!("{stem}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_removed_and_other_numbers_stay() {
        let cases = [
            (
                "Meine Karte 4111 1111 1111 1111 bitte abbuchen",
                "Meine Karte [card number removed] bitte abbuchen",
            ),
            ("5500-0000-0000-0004", "[card number removed]"),
            ("amex 378282246310005.", "amex [card number removed]."),
            (
                "Rechnung 2026-40112 vom 14.08.",
                "Rechnung 2026-40112 vom 14.08.",
            ),
            ("IBAN DE89370400440532013000", "IBAN DE89370400440532013000"),
            ("4111111111111112 fails Luhn", "4111111111111112 fails Luhn"),
            ("Tel. 0171 2345678", "Tel. 0171 2345678"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_card_numbers(input), expected, "{input}");
        }
    }

    #[test]
    fn documents_are_recognised_by_content_not_by_name() {
        assert_eq!(
            DocumentType::sniff(b"%PDF-1.7\n..."),
            Some(DocumentType::Pdf)
        );
        assert_eq!(
            DocumentType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some(DocumentType::Jpeg)
        );
        assert_eq!(
            DocumentType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(DocumentType::Png)
        );
        assert_eq!(
            DocumentType::sniff(b"<html><script>alert(1)</script>"),
            None
        );
        assert_eq!(
            DocumentType::sniff(b"MZ\x90\x00"),
            None,
            "an executable named invoice.pdf"
        );
        assert_eq!(DocumentType::sniff(b""), None);
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(
            safe_file_name("../../etc/passwd", DocumentType::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            safe_file_name("C:\\Users\\x\\Quittung März.jpeg", DocumentType::Jpeg),
            "Quittung M_rz.jpg"
        );
        assert_eq!(
            safe_file_name("invoice.pdf.exe", DocumentType::Png),
            "invoice_pdf.png"
        );
        assert_eq!(
            safe_file_name("\"><script>.pdf", DocumentType::Pdf),
            "script.pdf"
        );
        assert_eq!(safe_file_name("", DocumentType::Pdf), "document.pdf");
    }
}
