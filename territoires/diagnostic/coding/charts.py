"""The analysis page's charts as data for small server-rendered SVGs, each beside its table (the
table carries every figure; the chart only shows their shape).

- frequencies: one horizontal bar per code, cut into its columns (territories or profiles), each
  part with its own colour *and* its number written in it when it fits, and a legend;
- co-occurrence: a matrix of codes, each cell shaded by its count and showing the count itself.
"""


def _n(value) -> str:
    """A coordinate as SVG reads it: never through the template's localisation ("24,6", "1 024")."""
    return f"{value:.1f}"


PALETTE = ("#000091", "#c9191e", "#18753c", "#b34000", "#6e445a", "#0063cb", "#716043", "#3a3a3a")
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT, TOP = 220, 420, 24, 8


def _short(name: str, size: int = 30) -> str:
    return name if len(name) <= size else name[: size - 1] + "…"


def frequency_table(codes, table, columns) -> dict:
    """`codes`: [(Code, depth)] in codebook order; `table`: analysis.FrequencyTable; `columns`:
    [(key, label)]."""
    rows = []
    for code, depth in codes:
        counts = [table.count(code.pk, key) for key, _label in columns]
        rows.append({"code": code, "depth": depth, "counts": counts, "total": sum(counts)})
    column_totals = [table.column_total(key) for key, _label in columns]
    legend = [{"label": label, "colour": PALETTE[index % len(PALETTE)]} for index, (_key, label) in enumerate(columns)]
    shown = [row for row in rows if row["total"]]
    largest = max((row["total"] for row in shown), default=0) or 1
    bars = []
    for index, row in enumerate(shown):
        y = TOP + index * ROW_HEIGHT
        x = LABEL_WIDTH
        parts = []
        for column_index, count in enumerate(row["counts"]):
            if not count:
                continue
            width = count / largest * BAR_WIDTH
            parts.append(
                {
                    "x": f"{x:.1f}", "width": f"{width:.1f}", "colour": legend[column_index]["colour"],
                    "count": count, "label": legend[column_index]["label"], "text_x": f"{x + width / 2:.1f}",
                    "fits": width >= 8 * len(str(count)) + 4,
                }
            )  # fmt: skip
            x += width
        bars.append(
            {"y": _n(y), "text_y": _n(y + ROW_HEIGHT * 0.65), "bar_y": _n(y + 3), "name": _short(row["code"].name),
             "full_name": row["code"].name, "parts": parts, "total": row["total"], "total_x": f"{x + 6:.1f}"}
        )  # fmt: skip
    return {
        "columns": columns,
        "rows": rows,
        "column_totals": column_totals,
        "total": sum(column_totals),
        "legend": legend,
        "bars": bars,
        "width": _n(LABEL_WIDTH + BAR_WIDTH + 60),
        "height": _n(TOP * 2 + len(bars) * ROW_HEIGHT),
    }


CELL = 34


def cooccurrence_table(codes, table) -> dict:
    """Only the codes that co-occur with another one (the others would be rows of zeros)."""
    present = table.code_ids
    shown = [(code, depth) for code, depth in codes if code.pk in present]
    rows = [
        {"code": code, "depth": depth, "counts": [table.count(code.pk, other.pk) for other, _d in shown]}
        for code, depth in shown
    ]
    largest = max((n for row in rows for n in row["counts"]), default=0) or 1
    cells = []
    for i, row in enumerate(rows):
        for j, count in enumerate(row["counts"]):
            if i == j:
                continue
            level = count / largest
            cells.append(
                {
                    "x": _n(LABEL_WIDTH + j * CELL), "y": _n(TOP + i * CELL), "count": count,
                    "opacity": f"{0.08 + 0.92 * level:.2f}" if count else "0",
                    "dark": level > 0.5, "text_x": _n(LABEL_WIDTH + j * CELL + CELL / 2),
                    "text_y": _n(TOP + i * CELL + CELL * 0.62),
                    "label": f"{row['code'].name} × {shown[j][0].name}",
                }
            )  # fmt: skip
    labels = [
        {"name": _short(code.name), "full_name": code.name, "y": _n(TOP + i * CELL + CELL * 0.62),
         "number": i + 1, "x": _n(LABEL_WIDTH + i * CELL + CELL / 2)}
        for i, (code, _depth) in enumerate(shown)
    ]  # fmt: skip
    return {
        "rows": rows,
        "codes": [code for code, _depth in shown],
        "cells": cells,
        "labels": labels,
        "cell": _n(CELL),
        "width": _n(LABEL_WIDTH + len(shown) * CELL + 10),
        "height": _n(TOP * 2 + len(shown) * CELL + 24),
        "axis_y": _n(TOP + len(shown) * CELL + 16),
    }
