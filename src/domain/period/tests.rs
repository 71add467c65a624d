use super::*;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, StrDeserializer};
use time::Weekday;
use time::macros::date;

const TODAY: Date = date!(2024 - 11 - 14);

fn custom(today: Date, from: &str, to: &str) -> Result<Period, FieldError> {
    Period::resolve(RangePreset::Custom, today, Some(from), Some(to))
}

fn err_field(result: Result<Period, FieldError>) -> &'static str {
    match result {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => {
            assert!(!e.message.is_empty());
            e.field
        }
    }
}

#[test]
fn preset_url_values_round_trip() {
    let expected = ["24h", "7d", "30d", "90d", "custom"];
    for (preset, text) in RangePreset::ALL.into_iter().zip(expected) {
        assert_eq!(preset.as_str(), text);
        assert_eq!(preset.to_string(), text);
        assert_eq!(RangePreset::parse(text), Some(preset));
    }
    for bad in ["", "7D", "1d", " 7d", "week", "Custom"] {
        assert_eq!(RangePreset::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn preset_deserializes_from_url_value() {
    for preset in RangePreset::ALL {
        let de: StrDeserializer<'_, DeError> = preset.as_str().into_deserializer();
        assert_eq!(RangePreset::deserialize(de), Ok(preset));
    }
    let de: StrDeserializer<'_, DeError> = "Week".into_deserializer();
    assert!(RangePreset::deserialize(de).is_err());
}

#[test]
fn period_dates_use_iso_strings_in_serde() {
    let de: StrDeserializer<'_, DeError> = "2024-02-29".into_deserializer();
    assert_eq!(iso_date::deserialize(de), Ok(date!(2024 - 02 - 29)));
    assert_eq!(format_iso(date!(2024 - 02 - 09)), "2024-02-09");
}

#[test]
fn presets_end_today_inclusive() {
    let cases = [
        (RangePreset::Day, TODAY, 1),
        (RangePreset::Week, date!(2024 - 11 - 08), 7),
        (RangePreset::Month, date!(2024 - 10 - 16), 30),
        (RangePreset::Quarter, date!(2024 - 08 - 17), 90),
    ];
    for (preset, from, days) in cases {
        // Custom values are ignored for fixed presets, even when invalid.
        let p = Period::resolve(preset, TODAY, Some("junk"), None).unwrap();
        assert_eq!(p, Period { from, to: TODAY }, "{preset}");
        assert_eq!(p.days(), days, "{preset}");
        assert_eq!(Some(days), preset.fixed_days());
    }
    assert_eq!(RangePreset::Custom.fixed_days(), None);
}

#[test]
fn custom_range_parses_and_trims() {
    let p = custom(TODAY, " 2024-01-01 ", "2024-01-31").unwrap();
    assert_eq!(p.from, date!(2024 - 01 - 01));
    assert_eq!(p.to, date!(2024 - 01 - 31));
    assert_eq!(p.days(), 31);
    assert!(p.contains(date!(2024 - 01 - 15)));
    assert!(!p.contains(date!(2024 - 02 - 01)));
    // A single day is fine.
    assert_eq!(custom(TODAY, "2024-05-05", "2024-05-05").unwrap().days(), 1);
}

#[test]
fn custom_missing_values_name_their_field() {
    let r = Period::resolve(RangePreset::Custom, TODAY, None, Some("2024-01-01"));
    assert_eq!(err_field(r), "from");
    let r = Period::resolve(RangePreset::Custom, TODAY, Some("2024-01-01"), None);
    assert_eq!(err_field(r), "to");
    assert_eq!(err_field(custom(TODAY, "  ", "2024-01-01")), "from");
    assert_eq!(err_field(custom(TODAY, "2024-01-01", "")), "to");
}

#[test]
fn custom_bad_format_names_its_field() {
    let bad = [
        "2024/01/01",
        "2024-1-01",
        "2024-01-1",
        "24-01-01",
        "+2024-01-01",
        "2024-01-01T00:00",
        "2024-13-01",
        "2024-00-10",
        "2023-02-29",
        "2024-04-31",
        "abcd-ef-gh",
        "２０２４-01-01",
    ];
    for value in bad {
        assert_eq!(
            err_field(custom(TODAY, value, "2024-02-01")),
            "from",
            "{value}"
        );
        assert_eq!(
            err_field(custom(TODAY, "2024-01-01", value)),
            "to",
            "{value}"
        );
    }
    let e = custom(TODAY, "2024/01/01", "2024-02-01").unwrap_err();
    assert!(e.message.contains("YYYY-MM-DD"), "{}", e.message);
    assert!(e.to_string().starts_with("from: "));
}

#[test]
fn custom_from_after_to_is_a_range_error() {
    assert_eq!(
        err_field(custom(TODAY, "2024-03-02", "2024-03-01")),
        "range"
    );
}

#[test]
fn custom_span_limit() {
    // 2024 is a leap year: the whole year is exactly 366 days and allowed.
    let today = date!(2025 - 06 - 01);
    let year = custom(today, "2024-01-01", "2024-12-31");
    assert_eq!(year.map(|p| p.days()), Ok(366));
    assert_eq!(
        custom(today, "2023-01-01", "2024-01-01").unwrap().days(),
        366
    );
    let e = custom(today, "2023-01-01", "2024-01-02").unwrap_err();
    assert_eq!(e.field, "range");
    assert!(e.message.contains("367"), "{}", e.message);
}

#[test]
fn custom_future_dates() {
    // today + 1 is tolerated (time zones ahead of the server); + 2 is not.
    assert!(custom(TODAY, "2024-11-01", "2024-11-15").is_ok());
    let e = custom(TODAY, "2024-11-01", "2024-11-16").unwrap_err();
    assert_eq!(e.field, "to");
    assert!(e.message.contains("2024-11-15"), "{}", e.message);
    assert_eq!(err_field(custom(TODAY, "2024-11-16", "2024-11-20")), "from");
    assert_eq!(err_field(custom(TODAY, "2025-01-01", "2024-11-01")), "from");
}

#[test]
fn previous_period_of_each_preset() {
    let prev = |preset| {
        Period::resolve(preset, TODAY, None, None)
            .unwrap()
            .previous()
    };
    let expected = [
        (
            RangePreset::Day,
            date!(2024 - 11 - 13),
            date!(2024 - 11 - 13),
        ),
        (
            RangePreset::Week,
            date!(2024 - 11 - 01),
            date!(2024 - 11 - 07),
        ),
        (
            RangePreset::Month,
            date!(2024 - 09 - 16),
            date!(2024 - 10 - 15),
        ),
        (
            RangePreset::Quarter,
            date!(2024 - 05 - 19),
            date!(2024 - 08 - 16),
        ),
    ];
    for (preset, from, to) in expected {
        let p = prev(preset);
        assert_eq!(p, Period { from, to }, "{preset}");
        assert_eq!(Some(p.days()), preset.fixed_days());
    }
}

#[test]
fn previous_of_custom_crosses_year() {
    let p = custom(TODAY, "2024-01-01", "2024-01-10").unwrap();
    let prev = p.previous();
    assert_eq!(prev.from, date!(2023 - 12 - 22));
    assert_eq!(prev.to, date!(2023 - 12 - 31));
    assert_eq!(prev.days(), p.days());
}

#[test]
fn leap_years() {
    let leap = Period::resolve(RangePreset::Month, date!(2024 - 03 - 01), None, None).unwrap();
    assert_eq!(leap.from, date!(2024 - 02 - 01));
    let common = Period::resolve(RangePreset::Month, date!(2023 - 03 - 01), None, None).unwrap();
    assert_eq!(common.from, date!(2023 - 01 - 31));
    let day = Period::resolve(RangePreset::Day, date!(2024 - 03 - 01), None, None).unwrap();
    assert_eq!(day.previous().from, date!(2024 - 02 - 29));
    let feb = custom(TODAY, "2024-02-01", "2024-02-29").unwrap();
    assert_eq!(feb.days(), 29);
    assert_eq!(feb.previous().from, date!(2024 - 01 - 03));
    assert_eq!(feb.buckets().len(), 29);
}

#[test]
fn granularity_threshold() {
    let p = |from, to| Period { from, to };
    assert_eq!(p(TODAY, TODAY).granularity(), Granularity::Daily);
    let d45 = p(date!(2024 - 01 - 01), date!(2024 - 02 - 14));
    assert_eq!((d45.days(), d45.granularity()), (45, Granularity::Daily));
    let d46 = p(date!(2024 - 01 - 01), date!(2024 - 02 - 15));
    assert_eq!((d46.days(), d46.granularity()), (46, Granularity::Weekly));
    let month = Period::resolve(RangePreset::Month, TODAY, None, None).unwrap();
    assert_eq!(month.granularity(), Granularity::Daily);
    let quarter = Period::resolve(RangePreset::Quarter, TODAY, None, None).unwrap();
    assert_eq!(quarter.granularity(), Granularity::Weekly);
}

#[test]
fn bucket_start_is_monday() {
    let w = Granularity::Weekly;
    assert_eq!(w.bucket_start(date!(2024 - 11 - 11)), date!(2024 - 11 - 11));
    assert_eq!(w.bucket_start(date!(2024 - 11 - 17)), date!(2024 - 11 - 11));
    assert_eq!(w.bucket_start(date!(2023 - 01 - 01)), date!(2022 - 12 - 26));
    assert_eq!(w.bucket_start(date!(2024 - 03 - 03)), date!(2024 - 02 - 26));
    assert_eq!(Granularity::Daily.bucket_start(TODAY), TODAY);
}

#[test]
fn daily_buckets_list_every_day() {
    let week = Period::resolve(RangePreset::Week, TODAY, None, None).unwrap();
    let buckets = week.buckets();
    assert_eq!(buckets.len(), 7);
    assert_eq!(buckets.first(), Some(&week.from));
    assert_eq!(buckets.last(), Some(&TODAY));
    assert!(buckets.windows(2).all(|w| (w[1] - w[0]).whole_days() == 1));
    let day = Period::resolve(RangePreset::Day, TODAY, None, None).unwrap();
    assert_eq!(day.buckets(), vec![TODAY]);
}

#[test]
fn weekly_buckets_across_year_boundary() {
    // 2024-12-01 is a Sunday, so the first bucket is Monday 2024-11-25.
    let p = custom(date!(2025 - 03 - 01), "2024-12-01", "2025-02-28").unwrap();
    assert_eq!(p.granularity(), Granularity::Weekly);
    let buckets = p.buckets();
    assert_eq!(buckets.len(), 14);
    assert_eq!(buckets[0], date!(2024 - 11 - 25));
    assert!(buckets.contains(&date!(2024 - 12 - 30)));
    assert!(buckets.contains(&date!(2025 - 01 - 06)));
    assert_eq!(buckets[13], date!(2025 - 02 - 24));
    assert!(buckets.iter().all(|d| d.weekday() == Weekday::Monday));
    assert!(buckets.windows(2).all(|w| (w[1] - w[0]).whole_days() == 7));
    // Every day of the period falls in exactly one listed bucket.
    let mut day = p.from;
    while day <= p.to {
        assert!(buckets.contains(&Granularity::Weekly.bucket_start(day)));
        day = day.next_day().unwrap();
    }
}

#[test]
fn weekly_buckets_for_quarter_preset() {
    // TODAY is a Thursday; 90 days back is Saturday 2024-08-17.
    let q = Period::resolve(RangePreset::Quarter, TODAY, None, None).unwrap();
    let buckets = q.buckets();
    assert_eq!(buckets[0], date!(2024 - 08 - 12));
    assert_eq!(buckets.last(), Some(&date!(2024 - 11 - 11)));
    assert_eq!(buckets.len(), 14);
}
