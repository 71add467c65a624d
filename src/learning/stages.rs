//! Pipeline value credited to a deal as it moves through CRM stages, so the
//! ads that produced it can be rewarded for downstream value, not just leads.
//!
//! Policy: a deal is credited the high-water mark of the stage values it has
//! reached. Each stage change credits `max(0, stage value − credited so far)`,
//! so moving backwards credits nothing (never negative) and moving forward
//! again only credits above the old mark; replaying a stage credits 0. A
//! closed-lost stage (flagged lost, or valued 0 or less) credits 0 and marks the
//! deal lost, but never takes back what was already credited. Moving a lost deal
//! to a valued stage again reopens it (`lost` becomes false).
//!
//! Stage values come from a workspace table keyed by (pipeline id, stage id);
//! [`fitness_studio_defaults`] is the starting table for fitness studios.

/// What a deal has been credited so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DealProgress {
    /// The high-water mark of stage values reached, in cents.
    pub credited_cents: i64,
    /// The deal's latest stage is closed-lost.
    pub lost: bool,
}

/// A default stage value for a HubSpot deal stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageDefault {
    /// HubSpot's internal stage id.
    pub stage: &'static str,
    /// The label shown to the advertiser.
    pub label: &'static str,
    /// What reaching this stage is worth, in cents.
    pub value_cents: i64,
    /// Reaching this stage means the deal is lost.
    pub lost: bool,
}

/// The deal after moving to a stage worth `stage_value_cents` (`is_lost` for a
/// closed-lost stage), and the increment to credit for this move (≥ 0).
pub fn apply_stage(
    progress: DealProgress,
    stage_value_cents: i64,
    is_lost: bool,
) -> (DealProgress, i64) {
    if is_lost || stage_value_cents <= 0 {
        let lost = DealProgress {
            lost: true,
            ..progress
        };
        return (lost, 0);
    }
    let increment = stage_value_cents
        .saturating_sub(progress.credited_cents)
        .max(0);
    let next = DealProgress {
        credited_cents: progress.credited_cents.max(stage_value_cents),
        lost: false,
    };
    (next, increment)
}

/// Stage values for a fitness studio's default HubSpot sales pipeline.
pub fn fitness_studio_defaults() -> Vec<StageDefault> {
    vec![
        StageDefault {
            stage: "appointmentscheduled",
            label: "Appointment booked",
            value_cents: 225_000,
            lost: false,
        },
        StageDefault {
            stage: "qualifiedtobuy",
            label: "Showed up",
            value_cents: 900_000,
            lost: false,
        },
        StageDefault {
            stage: "closedwon",
            label: "Closed won",
            value_cents: 1_500_000,
            lost: false,
        },
        StageDefault {
            stage: "closedlost",
            label: "Closed lost",
            value_cents: 0,
            lost: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(stage: &str) -> (i64, bool) {
        let found = fitness_studio_defaults()
            .into_iter()
            .find(|d| d.stage == stage)
            .unwrap();
        (found.value_cents, found.lost)
    }

    /// Applies stages in order; returns the final progress and each increment.
    fn walk(stages: &[&str]) -> (DealProgress, Vec<i64>) {
        let mut progress = DealProgress::default();
        let mut increments = Vec::new();
        for stage in stages {
            let (cents, lost) = value(stage);
            let (next, inc) = apply_stage(progress, cents, lost);
            progress = next;
            increments.push(inc);
        }
        (progress, increments)
    }

    #[test]
    fn forward_path_credits_differences() {
        let (p, inc) = walk(&["appointmentscheduled", "qualifiedtobuy", "closedwon"]);
        assert_eq!(inc, vec![225_000, 675_000, 600_000]);
        assert_eq!(
            p,
            DealProgress {
                credited_cents: 1_500_000,
                lost: false
            }
        );
    }

    #[test]
    fn backwards_then_forward_credits_once() {
        let (p, inc) = walk(&["qualifiedtobuy", "appointmentscheduled", "qualifiedtobuy"]);
        assert_eq!(inc, vec![900_000, 0, 0]);
        assert_eq!(inc.iter().sum::<i64>(), 900_000);
        assert_eq!(p.credited_cents, 900_000);
    }

    #[test]
    fn lost_keeps_credit_and_credits_nothing() {
        let (p, inc) = walk(&["appointmentscheduled", "qualifiedtobuy", "closedlost"]);
        assert_eq!(inc, vec![225_000, 675_000, 0]);
        assert_eq!(
            p,
            DealProgress {
                credited_cents: 900_000,
                lost: true
            }
        );
    }

    #[test]
    fn skipping_to_won_credits_once() {
        let (p, inc) = walk(&["closedwon", "closedwon", "qualifiedtobuy", "closedwon"]);
        assert_eq!(inc, vec![1_500_000, 0, 0, 0]);
        assert_eq!(p.credited_cents, 1_500_000);
    }

    #[test]
    fn replaying_a_stage_credits_zero() {
        let (_, inc) = walk(&["appointmentscheduled", "appointmentscheduled"]);
        assert_eq!(inc, vec![225_000, 0]);
        let (_, inc) = walk(&["closedlost", "closedlost"]);
        assert_eq!(inc, vec![0, 0]);
    }

    #[test]
    fn reopened_deal_credits_only_above_mark() {
        let (p, inc) = walk(&[
            "qualifiedtobuy",
            "closedlost",
            "appointmentscheduled",
            "closedwon",
        ]);
        assert_eq!(inc, vec![900_000, 0, 0, 600_000]);
        assert_eq!(
            p,
            DealProgress {
                credited_cents: 1_500_000,
                lost: false
            }
        );
    }

    #[test]
    fn one_cent_above_mark_credits_one_cent() {
        let start = DealProgress {
            credited_cents: 900_000,
            lost: false,
        };
        assert_eq!(apply_stage(start, 900_000, false).1, 0);
        assert_eq!(apply_stage(start, 900_001, false).1, 1);
        assert_eq!(apply_stage(start, 899_999, false), (start, 0));
    }

    #[test]
    fn lost_flag_wins_over_value_and_zero_or_negative_is_lost() {
        let start = DealProgress {
            credited_cents: 100,
            lost: false,
        };
        let lost = DealProgress {
            credited_cents: 100,
            lost: true,
        };
        assert_eq!(apply_stage(start, 5_000, true), (lost, 0));
        assert_eq!(apply_stage(start, 0, false), (lost, 0));
        assert_eq!(apply_stage(start, -5_000, false), (lost, 0));
    }

    #[test]
    fn extreme_values_never_overflow_or_go_negative() {
        let negative = DealProgress {
            credited_cents: i64::MIN,
            lost: false,
        };
        let (p, inc) = apply_stage(negative, i64::MAX, false);
        assert_eq!(inc, i64::MAX);
        assert_eq!(p.credited_cents, i64::MAX);
        let (_, inc) = apply_stage(p, i64::MAX, false);
        assert_eq!(inc, 0);
    }

    #[test]
    fn defaults_table() {
        let defaults = fitness_studio_defaults();
        assert_eq!(defaults.len(), 4);
        assert_eq!(defaults[1].label, "Showed up");
        assert_eq!(value("closedlost"), (0, true));
        assert_eq!(value("closedwon"), (1_500_000, false));
        assert!(
            defaults
                .windows(2)
                .take(2)
                .all(|w| w[0].value_cents < w[1].value_cents)
        );
    }
}
