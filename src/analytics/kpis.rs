//! KPI sums of a range and of the range of the same length before it, and the
//! daily or weekly series, both from the rollups (see `rollup_source`).

use super::{FilterArgs, ROLLUP_SUMS, TotalsRow, currency, rollup_source};
use crate::db::Db;
use crate::domain::analytics::{CurrencyKpis, DashboardFilter, SeriesPoint, Totals};
use crate::domain::period::Granularity;
use crate::error::Result;
use crate::on_pool;
use time::{Date, Duration};

#[derive(sqlx::FromRow)]
struct KpiRow {
    currency: String,
    current_period: bool,
    #[sqlx(flatten)]
    sums: TotalsRow,
}

/// The filtered sums of `filter`'s range and of the range of the same length
/// just before it, per currency (currencies ordered by code).
pub async fn kpis(
    db: &Db,
    workspace_id: i64,
    filter: &DashboardFilter,
) -> Result<Vec<CurrencyKpis>> {
    let length = (filter.to - filter.from).whole_days() + 1;
    let previous_from = filter.from - Duration::days(length);
    let (from, currency_column, filters) = rollup_source(filter);
    let sql = format!(
        "SELECT {currency_column} AS currency, (r.day >= $8) AS current_period, {ROLLUP_SUMS} \
         FROM {from} WHERE r.workspace_id = $1 AND r.day >= $2 AND r.day <= $3 AND {filters} \
         GROUP BY 1, 2 ORDER BY 1"
    );
    let args = FilterArgs::of(filter);
    let rows = on_pool!(db, pool => bind_filter!(
        sqlx::query_as::<_, KpiRow>(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        previous_from,
        filter,
        args
    )
        .bind(filter.from)
        .fetch_all(pool)
        .await?);
    let mut out: Vec<CurrencyKpis> = Vec::new();
    for row in rows {
        let code = currency(&row.currency)?;
        let index = match out.iter().position(|k| k.currency == code) {
            Some(i) => i,
            None => {
                out.push(CurrencyKpis {
                    currency: code,
                    current: Totals::default(),
                    previous: Totals::default(),
                });
                out.len() - 1
            }
        };
        let target = if row.current_period {
            &mut out[index].current
        } else {
            &mut out[index].previous
        };
        target.add(&row.sums.totals());
    }
    // Rows of zeros (days reported with nothing delivered, sums moved to another
    // currency) are not a currency with results.
    out.retain(|k| k.current != Totals::default() || k.previous != Totals::default());
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: Date,
    currency: String,
    #[sqlx(flatten)]
    sums: TotalsRow,
}

/// The filtered sums per bucket of `granularity` (days, or weeks starting on
/// Monday, as [`crate::domain::period::Period::buckets`] lists them) and
/// currency, in order.
/// Buckets without results are absent.
pub async fn series(
    db: &Db,
    workspace_id: i64,
    filter: &DashboardFilter,
    granularity: Granularity,
) -> Result<Vec<SeriesPoint>> {
    let (from, currency_column, filters) = rollup_source(filter);
    let sql = format!(
        "SELECT r.day AS day, {currency_column} AS currency, {ROLLUP_SUMS} \
         FROM {from} WHERE r.workspace_id = $1 AND r.day >= $2 AND r.day <= $3 AND {filters} \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    let args = FilterArgs::of(filter);
    let rows = on_pool!(db, pool => bind_filter!(
        sqlx::query_as::<_, DayRow>(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        filter.from,
        filter,
        args
    )
        .fetch_all(pool)
        .await?);
    let mut out: Vec<SeriesPoint> = Vec::new();
    for row in rows {
        let start = granularity.bucket_start(row.day);
        let code = currency(&row.currency)?;
        match out
            .iter_mut()
            .find(|p| p.start == start && p.currency == code)
        {
            Some(point) => point.totals.add(&row.sums.totals()),
            None => out.push(SeriesPoint {
                start,
                currency: code,
                totals: row.sums.totals(),
            }),
        }
    }
    Ok(out)
}
