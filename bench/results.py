"""Benchmark result records: what `make bench` writes to bench/results.json and prints.

Every record compares a measured value with its target, and with the physical limit measured in the
same run (for pages: the bare health view served by the same gunicorn through the same middleware).
`ratio` is always value / limit_value; `meets_target` says whether the value reaches the target in
the direction given by `better` ("lower" for times, "higher" for throughputs). A record without a
target is informational: its `meets_target` is None.
"""

import json
import math
from pathlib import Path

REQUIRED_KEYS = ("name", "value", "unit", "target", "better", "limit_name", "limit_value", "ratio", "meets_target")
BETTER = ("lower", "higher")


def _rounded(number: float | None, digits: int = 3) -> float | None:
    if number is None:
        return None
    return round(float(number), digits)


def make_result(
    *,
    name: str,
    value: float,
    unit: str,
    target: float | None,
    better: str,
    limit_name: str,
    limit_value: float | None,
) -> dict:
    """One record: the ratio to the limit and whether the target is met are derived here only."""
    if better not in BETTER:
        raise ValueError(f"better must be one of {BETTER}, not {better!r}")
    if value is None or math.isnan(value):
        raise ValueError(f"{name}: no value measured")
    ratio = None
    if limit_value:  # None or 0: no meaningful ratio
        ratio = value / limit_value
    if target is None:
        meets_target = None
    elif better == "lower":
        meets_target = value <= target
    else:
        meets_target = value >= target
    return {
        "name": name,
        "value": _rounded(value),
        "unit": unit,
        "target": _rounded(target),
        "better": better,
        "limit_name": limit_name,
        "limit_value": _rounded(limit_value),
        "ratio": _rounded(ratio, 4),
        "meets_target": meets_target,
    }


def write_results(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def format_table(records: list[dict]) -> str:
    """A plain-text table, one line per record."""
    rows = [("benchmark", "value", "target", "limit (same run)", "ratio", "ok")]
    for record in records:
        sign = "≤" if record["better"] == "lower" else "≥"
        target = f"{sign} {_number(record['target'])}" if record["target"] is not None else "(info)"
        ok = {True: "yes", False: "NO", None: "—"}[record["meets_target"]]
        rows.append(
            (
                record["name"],
                f"{_number(record['value'])} {record['unit']}",
                target,
                f"{record['limit_name']} = {_number(record['limit_value'])}",
                _number(record["ratio"]),
                ok,
            )
        )
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
