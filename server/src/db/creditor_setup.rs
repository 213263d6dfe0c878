//! A new creditor: its row and the three default treatment classes it starts with.

use crate::db::Db;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// Writes the three default treatment classes of a new creditor; returns their ids by key.
pub async fn insert_default_classes(
    tx: &mut Transaction<'_, Any>,
    creditor_id: i64,
    now: i64,
) -> Result<HashMap<&'static str, i64>, sqlx::Error> {
    let mut ids = HashMap::new();
    for class in app::server::defaults::default_classes() {
        let policy =
            serde_json::to_string(&class.bands).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let cadence = serde_json::to_string(&app::domain::dunning::Cadence::default_for(class.key))
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO treatment_classes (creditor_id, key, name_de, name_en, policy, reply_days, cadence, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(creditor_id)
        .bind(class.key)
        .bind(class.name_de)
        .bind(class.name_en)
        .bind(policy)
        .bind(i64::from(class.reply_days))
        .bind(cadence)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(class.key, id);
    }
    Ok(ids)
}

/// A new creditor of the first agency.
#[derive(Debug, Clone)]
pub struct NewCreditor {
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub email: Option<String>,
    pub website: Option<String>,
}

/// Creates a creditor with the default treatment classes (key account, standard, strict).
pub async fn create_creditor(db: &Db, c: &NewCreditor, now: i64) -> anyhow::Result<i64> {
    for (field, value) in [
        ("--name", &c.name),
        ("--street", &c.street),
        ("--postcode", &c.postcode),
        ("--city", &c.city),
    ] {
        if value.trim().is_empty() {
            anyhow::bail!("{field} must not be empty");
        }
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO creditors (name, street, postcode, city, country, email, website, agency_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    )
    .bind(c.name.trim())
    .bind(c.street.trim())
    .bind(c.postcode.trim())
    .bind(c.city.trim())
    .bind(c.country.trim())
    .bind(c.email.as_deref())
    .bind(c.website.as_deref())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_default_classes(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(id)
}

impl Db {
    /// Whether the creditor exists.
    pub(crate) async fn creditor_exists(&self, creditor_id: i64) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM creditors WHERE id = $1")
            .bind(creditor_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }
}
