//! Backfill task metadata: reading the reference system's JSON, round trips, bad input.

use proptest::prelude::*;
use triage::backfill::{
    validate_backfill_task_meta, BackfillError, BackfillJob, BackfillOptions, BackfillTaskMeta,
    Element, MetaField, ReorgInfo, BACKFILL_TASK_META_VERSION_1, COLUMN_ELEMENT_KEY,
};
use triage::task::TaskId;
use triage::Classify;

const FIXTURE: &[u8] = include_bytes!("fixtures/backfill_task_meta.json");

fn fixture_meta() -> BackfillTaskMeta {
    BackfillTaskMeta::decode(TaskId(1), FIXTURE).unwrap()
}

#[test]
fn fixture_reads_with_the_reference_field_names() {
    let meta = fixture_meta();
    assert_eq!(
        meta,
        BackfillTaskMeta {
            job: BackfillJob {
                id: 112,
                schema_id: 2,
                table_id: 104
            },
            ele_ids: vec![5, 6],
            ele_type_key: b"_idx_".to_vec(),
            cloud_storage_uri: "s3://backfill-staging/ddl/112?region=us-west-2".into(),
            estimate_row_size: 48,
            merge_temp_index: false,
            version: BACKFILL_TASK_META_VERSION_1,
        }
    );
}

#[test]
fn fixture_round_trips_through_encode() {
    let meta = fixture_meta();
    let encoded = meta.encode().unwrap();
    assert_eq!(BackfillTaskMeta::decode(TaskId(1), &encoded).unwrap(), meta);
    // The encoding uses the reference names and Go's base64 for bytes.
    let json: serde_json::Value = serde_json::from_slice(&encoded).unwrap();
    assert_eq!(json["ele_type_key"], "X2lkeF8=");
    assert_eq!(json["job"]["table_id"], 104);
    assert_eq!(json["ele_ids"], serde_json::json!([5, 6]));
    assert_eq!(json["version"], 1);
}

#[test]
fn fixture_validates_against_its_own_job_in_any_element_order() {
    let meta = fixture_meta();
    assert!(
        validate_backfill_task_meta(&meta, &ReorgInfo::for_indexes(112, 2, 104, &[6, 5])).is_ok()
    );
}

#[test]
fn nulls_read_as_empty_like_go_nil_slices() {
    let json = br#"{"job":{"id":1,"schema_id":2,"table_id":3},"ele_ids":null,"ele_type_key":null,
        "cloud_storage_uri":"","estimate_row_size":0,"merge_temp_index":true,"version":0}"#;
    let meta = BackfillTaskMeta::decode(TaskId(3), json).unwrap();
    assert!(meta.ele_ids.is_empty());
    assert!(meta.ele_type_key.is_empty());
    assert!(meta.merge_temp_index);
    assert_eq!(meta.version, 0);
}

#[test]
fn missing_optional_fields_take_defaults_and_unknown_fields_are_ignored() {
    let json = br#"{"job":{"id":1,"schema_id":2,"table_id":3,"future":{"x":1}},"ele_ids":[9],
        "added_in_a_later_release":[1,2,3]}"#;
    let meta = BackfillTaskMeta::decode(TaskId(3), json).unwrap();
    assert_eq!(meta.ele_ids, [9]);
    assert_eq!(meta.version, 0);
    assert_eq!(meta.cloud_storage_uri, "");
}

#[test]
fn unknown_version_is_terminal_and_names_the_task() {
    let json = br#"{"job":{"id":1,"schema_id":2,"table_id":3},"ele_ids":[9],"version":7}"#;
    let error = BackfillTaskMeta::decode(TaskId(41), json).unwrap_err();
    assert_eq!(
        error,
        BackfillError::UnknownMetaVersion {
            task_id: TaskId(41),
            version: 7
        }
    );
    assert!(error.is_terminal());
    let text = error.to_string();
    assert!(
        text.contains("task 41") && text.contains("version 7"),
        "{text}"
    );
}

#[test]
fn corrupt_json_is_terminal_and_names_the_task() {
    for bad in [
        &b"{\"job\": {\"id\": 1"[..],
        b"[]",
        b"",
        br#"{"job":{"id":"one","schema_id":2,"table_id":3}}"#,
        br#"{"ele_ids":[1]}"#,
        br#"{"job":{"id":1,"schema_id":2,"table_id":3},"ele_type_key":"not base64!"}"#,
    ] {
        let error = BackfillTaskMeta::decode(TaskId(8), bad).unwrap_err();
        assert!(
            matches!(
                error,
                BackfillError::CorruptTaskMeta {
                    task_id: TaskId(8),
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_terminal());
        assert!(
            error
                .to_string()
                .starts_with("backfill task 8 has undecodable metadata"),
            "{error}"
        );
    }
}

#[test]
fn each_mismatched_field_is_named_with_both_values() {
    let meta = fixture_meta();
    let current = ReorgInfo::for_indexes(112, 2, 104, &[5, 6]);
    let mut column = current.clone();
    column.current_element = Element {
        id: 5,
        type_key: COLUMN_ELEMENT_KEY.to_vec(),
    };
    let cases = [
        (
            ReorgInfo {
                job_id: 113,
                ..current.clone()
            },
            MetaField::JobId,
            "112",
            "113",
        ),
        (
            ReorgInfo {
                schema_id: 3,
                ..current.clone()
            },
            MetaField::SchemaId,
            "2",
            "3",
        ),
        (
            ReorgInfo {
                table_id: 105,
                ..current.clone()
            },
            MetaField::TableId,
            "104",
            "105",
        ),
        (column, MetaField::ElementType, "`_idx_`", "`_col_`"),
        (
            ReorgInfo::for_indexes(112, 2, 104, &[5, 7]),
            MetaField::ElementIds,
            "[5, 6]",
            "[5, 7]",
        ),
        (
            ReorgInfo::for_indexes(112, 2, 104, &[5]),
            MetaField::ElementIds,
            "[5, 6]",
            "[5]",
        ),
    ];
    for (reorg, expected_field, expected_persisted, expected_current) in cases {
        let error = validate_backfill_task_meta(&meta, &reorg).unwrap_err();
        assert!(error.is_terminal());
        let BackfillError::StaleTaskMeta {
            task_id,
            index_ids,
            table_id,
            job_id,
            field,
            persisted,
            current,
        } = &error
        else {
            panic!("not a stale-meta error: {error:?}");
        };
        assert_eq!(*task_id, None);
        assert_eq!(*field, expected_field);
        assert_eq!(persisted, expected_persisted);
        assert_eq!(current, expected_current);
        assert_eq!(*index_ids, reorg.element_ids());
        assert_eq!((*table_id, *job_id), (reorg.table_id, reorg.job_id));
        let text = error.to_string();
        assert!(text.contains(expected_field.json_name()), "{text}");
        assert!(text.contains(&format!("job {}", reorg.job_id)), "{text}");
        assert!(
            text.contains(&format!("table {}", reorg.table_id)),
            "{text}"
        );
    }
}

#[test]
fn duplicate_element_ids_are_not_the_same_set() {
    let reorg = ReorgInfo::for_indexes(1, 2, 3, &[5, 5]);
    let mut meta = BackfillTaskMeta::for_job(&reorg, &BackfillOptions::default());
    assert!(validate_backfill_task_meta(&meta, &reorg).is_ok());
    meta.ele_ids = vec![5];
    assert!(validate_backfill_task_meta(&meta, &reorg).is_err());
}

proptest! {
    #[test]
    fn any_metadata_round_trips(
        id in any::<i64>(), schema_id in any::<i64>(), table_id in any::<i64>(),
        ele_ids in proptest::collection::vec(any::<i64>(), 0..8),
        ele_type_key in proptest::collection::vec(any::<u8>(), 0..16),
        cloud_storage_uri in ".*",
        estimate_row_size in any::<i64>(),
        merge_temp_index in any::<bool>(),
        version in 0i64..=1,
    ) {
        let meta = BackfillTaskMeta {
            job: BackfillJob { id, schema_id, table_id },
            ele_ids, ele_type_key, cloud_storage_uri, estimate_row_size, merge_temp_index, version,
        };
        let encoded = meta.encode().unwrap();
        prop_assert_eq!(BackfillTaskMeta::decode(TaskId(1), &encoded).unwrap(), meta);
    }

    #[test]
    fn element_order_never_matters(mut ids in proptest::collection::vec(-50i64..50, 1..8)) {
        let reorg = ReorgInfo::for_indexes(1, 2, 3, &ids);
        let meta = BackfillTaskMeta::for_job(&reorg, &BackfillOptions::default());
        ids.reverse();
        let mut reordered = ReorgInfo::for_indexes(1, 2, 3, &ids);
        reordered.current_element = reorg.current_element.clone();
        prop_assert!(validate_backfill_task_meta(&meta, &reordered).is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = BackfillTaskMeta::decode(TaskId(1), &bytes);
    }
}
