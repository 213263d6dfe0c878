//! Storage facts that hold for both backends: identical migration folders, idempotent demo data.

use crate::helpers::TestApp;
use crate::on_both_backends;
use server::db::migration_versions;
use server::demo::ensure_demo;

#[test]
fn both_migration_folders_list_the_same_versions() {
    let (sqlite, postgres) = migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

async fn seeding_the_demo_twice_changes_nothing(app: &TestApp) {
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM staff_users)",
        )
        .fetch_one(app.db.pool())
        .await
        .expect("count")
    };
    let before = count().await;
    let again = ensure_demo(&app.db, &app.address, app_now(app))
        .await
        .expect("seed again");
    assert!(!again.created);
    assert_eq!(count().await, before);
    assert_eq!(before, 5 + 3);
    assert_eq!(
        again.debtors[0].access_code, app.demo.debtors[0].access_code,
        "the same codes are printed"
    );
}
on_both_backends!(demo_is_idempotent, seeding_the_demo_twice_changes_nothing);

fn app_now(app: &TestApp) -> i64 {
    use app::server::ports::Clock;
    app.clock.now_ms()
}
