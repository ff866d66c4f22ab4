"""The records `make bench` writes: required keys, ratio to the limit, target met or not (no server)."""

import json

import pytest

from bench.results import REQUIRED_KEYS, format_table, make_result, write_results


def _result(**overrides):
    values = {
        "name": "pages.home.p95_ms",
        "value": 40.0,
        "unit": "ms",
        "target": 100.0,
        "better": "lower",
        "limit_name": "bare view p95 (ms)",
        "limit_value": 20.0,
    }
    return make_result(**{**values, **overrides})


def test_a_record_has_exactly_the_required_keys():
    record = _result()
    assert set(record) == set(REQUIRED_KEYS)
    assert set(REQUIRED_KEYS) == {
        "name",
        "value",
        "unit",
        "target",
        "better",
        "limit_name",
        "limit_value",
        "ratio",
        "meets_target",
    }


def test_ratio_is_value_over_limit():
    assert _result(value=40.0, limit_value=20.0)["ratio"] == 2.0
    assert _result(value=300.0, limit_value=1200.0, better="higher", target=360.0)["ratio"] == 0.25


@pytest.mark.parametrize(
    ("value", "met"),
    [(40.0, True), (100.0, True), (100.5, False), (1500.0, False)],
)
def test_lower_is_better_meets_the_target_at_or_below_it(value, met):
    assert _result(value=value, target=100.0, better="lower")["meets_target"] is met


@pytest.mark.parametrize(
    ("value", "met"),
    [(1000.0, True), (360.0, True), (359.9, False), (20.0, False)],
)
def test_higher_is_better_meets_the_target_at_or_above_it(value, met):
    record = _result(
        name="pages.home.rps",
        unit="req/s",
        value=value,
        target=360.0,
        better="higher",
        limit_name="bare view rps",
        limit_value=1200.0,
    )
    assert record["meets_target"] is met
    assert record["ratio"] == pytest.approx(value / 1200.0, abs=1e-4)


def test_a_record_without_target_is_informational():
    record = _result(name="pages.project_referent.rps", target=None, better="higher")
    assert record["meets_target"] is None
    assert record["ratio"] == 2.0


def test_no_limit_gives_no_ratio_but_still_a_verdict():
    record = _result(limit_value=None)
    assert record["ratio"] is None
    assert record["meets_target"] is True


def test_better_must_be_lower_or_higher():
    with pytest.raises(ValueError, match="better"):
        _result(better="faster")


def test_results_are_written_as_a_json_list_and_printed(tmp_path):
    records = [_result(), _result(name="pages.home.rps", value=500.0, unit="req/s", target=360.0, better="higher")]
    path = tmp_path / "results.json"
    write_results(records, path)
    assert json.loads(path.read_text(encoding="utf-8")) == records
    table = format_table(records)
    assert "pages.home.p95_ms" in table and "pages.home.rps" in table
    assert "≤ 100" in table and "≥ 360" in table
