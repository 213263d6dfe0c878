//! Dunning letters: the notices of the dunning engine for debtors reached by post wait in
//! `dunning_steps` (subject and text) until an export writes them to a mail-merge file for the
//! print shop. A letter is exported once: the rows are marked in the same transaction that is
//! committed only after the file is written and synced, so an interrupted export lists the same
//! letters again next time — never none.

use super::Db;

/// One letter as the mail merge needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub reference: String,
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub language: String,
    pub due_on: String,
    pub subject: String,
    pub body: String,
}

/// The letters not exported yet (of one creditor, or all), oldest first; `deliver` writes them,
/// and only when it succeeds are they marked exported. Returns how many there were.
pub async fn export_letters(
    db: &Db,
    creditor: Option<i64>,
    now_ms: i64,
    deliver: impl FnOnce(&[Letter]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let mut tx = db.begin_write().await?;
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.id, c.reference, d.name, d.street, d.postcode, d.city, d.country, d.language, s.due_on,
                s.letter_subject, s.letter_body
         FROM dunning_steps s JOIN cases c ON c.id = s.case_id JOIN debtors d ON d.id = c.debtor_id
         WHERE s.channel = 'letter' AND s.exported_at IS NULL AND ($1 = 0 OR c.creditor_id = $1)
         ORDER BY s.id",
    )
    .bind(creditor.unwrap_or(0))
    .fetch_all(&mut *tx)
    .await?;
    let letters: Vec<Letter> = rows
        .iter()
        .map(|r| Letter {
            reference: r.1.clone(),
            name: r.2.clone(),
            street: r.3.clone(),
            postcode: r.4.clone(),
            city: r.5.clone(),
            country: r.6.clone(),
            language: r.7.clone(),
            due_on: r.8.clone(),
            subject: r.9.clone().unwrap_or_default(),
            body: r.10.clone().unwrap_or_default(),
        })
        .collect();
    for (id, ..) in &rows {
        sqlx::query("UPDATE dunning_steps SET exported_at = $2, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
    }
    deliver(&letters)?;
    tx.commit().await?;
    Ok(letters.len())
}

/// The letters as a `;`-separated UTF-8 file, one row per letter ([`crate::exports::mail_merge_csv`]:
/// a byte order mark, and no cell a spreadsheet would run).
pub fn letters_csv(letters: &[Letter]) -> Result<Vec<u8>, csv::Error> {
    crate::exports::mail_merge_csv(
        &[
            "reference",
            "name",
            "street",
            "postcode",
            "city",
            "country",
            "language",
            "date",
            "subject",
            "text",
        ],
        letters.iter().map(|l| {
            vec![
                l.reference.as_str(),
                &l.name,
                &l.street,
                &l.postcode,
                &l.city,
                &l.country,
                &l.language,
                &l.due_on,
                &l.subject,
                &l.body,
            ]
        }),
    )
}
