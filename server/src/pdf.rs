//! A small PDF writer for the debtor's statement: A4 pages of left-aligned text in the standard
//! Helvetica fonts (every PDF reader has them, nothing is embedded), WinAnsi-encoded so German
//! umlauts, ß and € print correctly. Streams are uncompressed: the files are small and can be
//! inspected as text.

/// One line of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Large bold text.
    Title(String),
    /// Bold text.
    Heading(String),
    /// Regular text.
    Text(String),
    /// Smaller, indented text under the line before (dates, legal basis, calculations).
    Detail(String),
    /// Regular text on the left, an amount right-aligned.
    Row(String, String),
    /// Vertical space.
    Gap,
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const MAX_CHARS: usize = 95;

/// Windows-1252 for the characters a statement uses; anything else becomes `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}' => b' ',
            '€' => 0x80,
            '–' => 0x96,
            '—' => 0x97,
            '„' => 0x84,
            '“' => 0x93,
            '”' => 0x94,
            '‘' => 0x91,
            '’' => 0x92,
            '§' => 0xA7,
            '·' => 0xB7,
            c if (c as u32) >= 0xA0 && (c as u32) <= 0xFF => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// A PDF string literal with `(`, `)` and `\` escaped.
fn literal(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for b in win_ansi(text) {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// Splits text longer than a line at spaces.
fn wrap(text: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().map(|l| l.chars().count()).unwrap_or(0);
        if current > 0 && current + 1 + word.chars().count() > MAX_CHARS {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    lines
}

/// Approximate width of Helvetica text at `size` (average glyph width), for right alignment.
fn text_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.5
}

/// Appends one text run at (`x`, `y`) to a page's content stream.
fn emit(page: &mut Vec<u8>, y: f32, font: &str, size: f32, x: f32, text: &str) {
    page.extend_from_slice(format!("BT /{font} {size} Tf {x:.1} {y:.1} Td ").as_bytes());
    page.extend_from_slice(&literal(text));
    page.extend_from_slice(b" Tj ET\n");
}

/// Lays the lines out on pages and returns the content stream of each page.
fn paginate(lines: &[Line]) -> Vec<Vec<u8>> {
    let mut pages = Vec::new();
    let mut page = Vec::new();
    let mut y = HEIGHT - MARGIN;
    for line in lines {
        let (font, size, parts): (&str, f32, Vec<String>) = match line {
            Line::Title(t) => ("F2", 16.0, wrap(t)),
            Line::Heading(t) => ("F2", 11.0, wrap(t)),
            Line::Text(t) => ("F1", 10.0, wrap(t)),
            Line::Detail(t) => ("F1", 8.5, wrap(t)),
            Line::Row(t, _) => ("F1", 10.0, wrap(t)),
            Line::Gap => ("F1", 10.0, Vec::new()),
        };
        let step = size * 1.45;
        if parts.is_empty() {
            y -= step * 0.6;
            continue;
        }
        for (i, part) in parts.iter().enumerate() {
            if y < MARGIN + step {
                pages.push(std::mem::take(&mut page));
                y = HEIGHT - MARGIN;
            }
            let indent = if matches!(line, Line::Detail(_)) {
                14.0
            } else {
                0.0
            };
            emit(&mut page, y, font, size, MARGIN + indent, part);
            if let (Line::Row(_, amount), 0) = (line, i) {
                let x = WIDTH - MARGIN - text_width(amount, size);
                emit(&mut page, y, font, size, x, amount);
            }
            y -= step;
        }
    }
    pages.push(page);
    pages
}

/// Renders the lines as a PDF document.
pub fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    let pages = paginate(lines);
    let n = pages.len();
    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a page and its content per page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    let mut info = b"<< /Producer (Rapport) /Title ".to_vec();
    info.extend_from_slice(&literal(title));
    info.extend_from_slice(b" >>");
    objects.push(info);
    for (i, content) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Whether every cross-reference entry points at the start of its object (readers reject a file
/// whose offsets are off); a self-check for tests.
pub fn xref_is_exact(pdf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(pdf);
    let Some(start) = text.rfind("startxref\n") else {
        return false;
    };
    let xref: usize = text[start + 10..]
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    let table = &text[xref..];
    table
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .enumerate()
        .all(|(i, l)| {
            let offset: usize = l[..10].parse().unwrap_or(usize::MAX);
            pdf.get(offset..)
                .is_some_and(|rest| rest.starts_with(format!("{} 0 obj", i + 1).as_bytes()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_and_the_euro_sign_are_encoded_and_brackets_escaped() {
        assert_eq!(
            win_ansi("Gläubiger 1.234,56 €"),
            b"Gl\xE4ubiger 1.234,56 \x80".to_vec()
        );
        assert_eq!(literal("a (b) \\"), b"(a \\(b\\) \\\\)".to_vec());
        assert_eq!(win_ansi("漢"), b"?".to_vec());
    }

    #[test]
    fn long_documents_break_into_pages_with_an_exact_cross_reference() {
        let lines: Vec<Line> = (0..200)
            .map(|i| Line::Row(format!("Posten {i}"), "1,00 €".into()))
            .collect();
        let pdf = render("Test", &lines);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.matches("/Type /Page ").count() >= 4,
            "200 rows need several pages"
        );
        assert!(xref_is_exact(&pdf));
        assert!(text.contains("(Posten 199) Tj"));
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        let long = "wort ".repeat(40);
        let parts = wrap(long.trim());
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_CHARS));
    }
}
