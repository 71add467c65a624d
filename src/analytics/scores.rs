//! Hook, Hold, Click and Convert scores: each creative's rate as a percentile
//! (1–100) among the creatives of its campaign over the same range, so "good"
//! means good for this offer and audience, not against a global average.
//! A rate on too little data is not scored (see `SCORE_MIN_*`).

use super::creative_table;
use crate::db::Db;
use crate::domain::analytics::{
    CreativeScores, DashboardFilter, SCORE_MIN_CLICKS, SCORE_MIN_IMPRESSIONS, SortKey, Totals,
};
use crate::domain::scores::percentile_scores;
use crate::error::Result;

/// Most creatives of one campaign scored together.
pub const SCORED_PER_CAMPAIGN: i64 = 2000;

/// The rates scored, each with the data it needs.
fn rates(t: &Totals) -> [Option<f64>; 4] {
    let seen = t.impressions >= SCORE_MIN_IMPRESSIONS;
    [
        t.hook_rate().filter(|_| seen),
        t.hold_rate()
            .filter(|_| t.thruplay_impressions >= SCORE_MIN_IMPRESSIONS),
        t.ctr().filter(|_| seen),
        t.conversion_rate().filter(|_| t.clicks >= SCORE_MIN_CLICKS),
    ]
}

/// Scores of every creative of campaign `campaign_id` over `filter`'s range (its
/// other filters are replaced by the campaign), by spend.
pub async fn campaign_scores(
    db: &Db,
    workspace_id: i64,
    campaign_id: i64,
    filter: &DashboardFilter,
) -> Result<Vec<CreativeScores>> {
    let filter = DashboardFilter {
        campaign_id: Some(campaign_id),
        platform: None,
        placement: None,
        niche: None,
        ..filter.clone()
    };
    let table = creative_table(
        db,
        workspace_id,
        &filter,
        SortKey::Spend,
        true,
        SCORED_PER_CAMPAIGN,
        0,
    )
    .await?;
    Ok(score_lines(table.lines))
}

/// Scores lines against each other.
pub fn score_lines(lines: Vec<crate::domain::analytics::CreativeLine>) -> Vec<CreativeScores> {
    let all: Vec<[Option<f64>; 4]> = lines.iter().map(|l| rates(&l.totals)).collect();
    let column = |i: usize| percentile_scores(&all.iter().map(|r| r[i]).collect::<Vec<_>>());
    let (hook, hold, click, convert) = (column(0), column(1), column(2), column(3));
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| CreativeScores {
            line,
            hook: hook[i],
            hold: hold[i],
            click: click[i],
            convert: convert[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analytics::CreativeLine;
    use crate::domain::creative::Placement;
    use crate::domain::{Currency, Platform};

    fn line(id: i64, impressions: i64, clicks: i64, conversions: i64) -> CreativeLine {
        CreativeLine {
            id,
            name: format!("c{id}"),
            campaign_id: 1,
            campaign_name: "k".into(),
            platform: Platform::Meta,
            placement: Placement::Feed,
            currency: Currency::USD,
            asset_id: None,
            hook_class: None,
            hook_probability: None,
            predicted_ctr: None,
            predicted_roas: None,
            totals: Totals {
                impressions,
                views_3s: impressions / 4,
                clicks,
                conversions,
                ..Default::default()
            },
        }
    }

    #[test]
    fn scores_are_percentiles_among_the_campaign_and_need_data() {
        // CTRs 1 %, 2 %, 3 %; the fourth has too few impressions to be scored.
        let scored = score_lines(vec![
            line(1, 1000, 10, 2),
            line(2, 2000, 40, 4),
            line(3, 1000, 30, 15),
            line(4, 999, 500, 0),
        ]);
        let click: Vec<Option<u8>> = scored.iter().map(|s| s.click).collect();
        // (below + 0.5 x equal) / n: 0.5/3, 1.5/3, 2.5/3.
        assert_eq!(click, [Some(17), Some(50), Some(83), None]);
        // Equal hook rates (a quarter each) tie at the middle.
        assert!(scored[..3].iter().all(|s| s.hook == Some(50)));
        // Convert needs 20 clicks, not impressions: creative 1 (10 clicks) is
        // out; 4 (0 of 500) < 2 (10 %) < 3 (50 %).
        let convert: Vec<Option<u8>> = scored.iter().map(|s| s.convert).collect();
        assert_eq!(convert, [None, Some(50), Some(83), Some(17)]);
        // No thruplays reported: no Hold score.
        assert!(scored.iter().all(|s| s.hold.is_none()));
    }
}
