//! Access data for the first letters: a personal link and an access code for each running case
//! of a creditor that has none, stored as hashes, in clear only in the mail-merge file.

use crate::db::Db;

/// How long the access data of a first letter opens the case.
const LETTER_VALIDITY_MS: i64 = 180 * 24 * 3_600_000;

/// One line of the mail-merge file for first letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterAccess {
    pub reference: String,
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub access_code: String,
    pub link: String,
}

/// Issues access data (a personal link and an access code, stored only as hashes) for every
/// running case of the creditor that has none yet. The codes exist in clear only once: `deliver`
/// gets them (to write the letters file) before the hashes are committed, all in one transaction.
/// If `deliver` fails nothing is stored; if the commit fails the caller learns it and must
/// discard what was delivered. A second run issues only what is missing.
pub async fn issue_access(
    db: &Db,
    creditor_id: i64,
    base_url: &str,
    now: i64,
    mut progress: impl FnMut(usize, usize),
    deliver: impl FnOnce(&[LetterAccess]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    use app::server::credentials::{hash_token, new_access_code, new_link_token};
    let cases: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.reference, d.name, d.street, d.postcode, d.city FROM cases c
         JOIN debtors d ON d.id = c.debtor_id
         WHERE c.creditor_id = $1 AND c.state NOT IN ('paid', 'closed')
           AND NOT EXISTS (SELECT 1 FROM access_credentials a WHERE a.case_id = c.id AND a.revoked_at IS NULL AND a.expires_at > $2
                             AND a.code_hash <> '-')
         ORDER BY c.reference",
    )
    .bind(creditor_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let total = cases.len();
    // The codes are hashed before the transaction opens: Argon2 takes tens of milliseconds per
    // code by design, and on SQLite the transaction holds the write lock every other write of
    // the portal waits for.
    let mut hashes = Vec::with_capacity(total);
    let mut letters = Vec::with_capacity(total);
    for (n, (case_id, reference, name, street, postcode, city)) in cases.into_iter().enumerate() {
        let (token, code) = (new_link_token(), new_access_code());
        let code_hash = crate::accounts::argon2_hash(code.clone()).await?;
        hashes.push((case_id, hash_token(&token), code_hash));
        letters.push(LetterAccess {
            reference,
            name,
            street,
            postcode,
            city,
            access_code: app::domain::access::format_access_code(&code),
            link: format!("{}/c/{token}", base_url.trim_end_matches('/')),
        });
        if (n + 1) % 100 == 0 {
            progress(n + 1, total);
        }
    }
    let mut tx = db.begin_write().await?;
    for (case_id, token_hash, code_hash) in hashes {
        sqlx::query(
            "INSERT INTO access_credentials (case_id, token_hash, code_hash, factor_kind, issued_at, expires_at,
                                             created_at, updated_at)
             VALUES ($1, $2, $3, 'postcode', $4, $5, $4, $4)",
        )
        .bind(case_id)
        .bind(token_hash)
        .bind(code_hash)
        .bind(now)
        .bind(now + LETTER_VALIDITY_MS)
        .execute(&mut *tx)
        .await?;
    }
    deliver(&letters)?;
    tx.commit().await?;
    Ok(letters.len())
}

/// The letters as a mail-merge CSV ([`crate::exports::mail_merge_csv`]: UTF-8 with a byte order
/// mark, `;` between columns, no cell a spreadsheet would run).
pub fn letters_csv(letters: &[LetterAccess]) -> Result<Vec<u8>, csv::Error> {
    crate::exports::mail_merge_csv(
        &[
            "reference",
            "name",
            "street",
            "postcode",
            "city",
            "access_code",
            "link",
        ],
        letters.iter().map(|l| {
            vec![
                l.reference.as_str(),
                &l.name,
                &l.street,
                &l.postcode,
                &l.city,
                &l.access_code,
                &l.link,
            ]
        }),
    )
}
