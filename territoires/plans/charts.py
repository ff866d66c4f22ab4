"""An indicator's measurements as a small server-rendered SVG line (its table is beside it)."""

WIDTH, HEIGHT, PAD = 600, 160, 12


def indicator_chart(indicator, measurements) -> dict | None:
    """Points scaled into the SVG's box, with the baseline and target lines; None without measurement."""
    if not measurements:
        return None
    values = [indicator.baseline_value, indicator.target_value, *(m.value for m in measurements)]
    low, high = min(values), max(values)
    span = (high - low) or 1
    start = indicator.baseline_on.toordinal()
    end = max(indicator.target_on.toordinal(), *(m.measured_on.toordinal() for m in measurements))
    days = (end - start) or 1

    def x(day):
        return PAD + (day.toordinal() - start) / days * (WIDTH - 2 * PAD)

    def y(value):
        return HEIGHT - PAD - float((value - low) / span) * (HEIGHT - 2 * PAD)

    points = [(x(indicator.baseline_on), y(indicator.baseline_value))] + [
        (x(m.measured_on), y(m.value)) for m in measurements
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        "dots": [{"x": f"{px:.1f}", "y": f"{py:.1f}"} for px, py in points],
        "target_y": f"{y(indicator.target_value):.1f}",
        "baseline_y": f"{y(indicator.baseline_value):.1f}",
    }
