//! Shared by the core integration tests: a migrated database, SQLite by default
//! or a fresh PostgreSQL database when TITAN_TEST_POSTGRES_URL is set.

use std::time::Duration;
use titan::db::{Db, DbOptions};

pub async fn open(url: &str) -> Db {
    let db = Db::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connect");
    db.migrate().await.expect("migrate");
    db
}

pub async fn database_url(dir: &std::path::Path, tag: &str) -> String {
    match std::env::var("TITAN_TEST_POSTGRES_URL") {
        Ok(admin) => {
            use sqlx::Connection;
            let name = format!("titan_core_{tag}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
        }
        Err(_) => format!("sqlite:{}", dir.join("titan.db").display()),
    }
}
