//! Named rows: a struct whose fields are decoded by position by both kinds of read (sqlx's `Any`
//! rows and rusqlite's rows), so a query's columns get names instead of a tuple's positions.
//!
//! ```ignore
//! row! {
//!     /// A staff account as the team page shows it.
//!     struct StaffRow { id: i64, email: String, active: i64 }
//! }
//! let rows: Vec<StaffRow> = sqlx::query_as("SELECT id, email, active FROM staff_users")…;
//! ```
//!
//! The columns must come in the order of the fields; the types are those a tuple would take.

macro_rules! row {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        $vis struct $name {
            $($(#[$fmeta])* $fvis $field: $ty),*
        }

        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $name {
            #[allow(unused_assignments)]
            fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                let mut at = 0usize;
                Ok(Self {
                    $($field: {
                        let value = row.try_get(at)?;
                        at += 1;
                        value
                    }),*
                })
            }
        }

        impl<'r> TryFrom<&'r rusqlite::Row<'r>> for $name {
            type Error = rusqlite::Error;

            #[allow(unused_assignments)]
            fn try_from(row: &'r rusqlite::Row<'r>) -> Result<Self, rusqlite::Error> {
                let mut at = 0usize;
                Ok(Self {
                    $($field: {
                        let value = row.get(at)?;
                        at += 1;
                        value
                    }),*
                })
            }
        }
    };
}

pub(crate) use row;

#[cfg(test)]
mod tests {
    use crate::db::Db;

    row! {
        struct Sample {
            id: i64,
            name: String,
            note: Option<String>,
        }
    }

    #[tokio::test]
    async fn a_named_row_reads_its_columns_in_order_on_both_kinds_of_read() {
        let dir = tempfile::tempdir().expect("dir");
        let db: Db = crate::db::test_sqlite_file(&dir, "SELECT 1").await;
        let sql = "SELECT 7, 'Erika', NULL UNION ALL SELECT 8, 'Max', 'zweite Zeile' ORDER BY 1";
        let pooled: Vec<Sample> = sqlx::query_as(sql)
            .fetch_all(db.pool())
            .await
            .expect("pooled");
        let mut direct = db.read_conn("test").await.expect("calling thread");
        let direct: Vec<Sample> = direct.all(sql, &[]).await.expect("direct");
        for rows in [pooled, direct] {
            let seen: Vec<_> = rows.into_iter().map(|r| (r.id, r.name, r.note)).collect();
            assert_eq!(
                seen,
                vec![
                    (7, "Erika".to_string(), None),
                    (8, "Max".to_string(), Some("zweite Zeile".to_string()))
                ]
            );
        }
    }
}
