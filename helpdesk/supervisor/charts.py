"""Charts drawn on the server as SVG (no chart script to load); each page shows the same
numbers as a table next to the chart, which is the chart's text alternative."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 220, 36
# Dark enough for text contrast on white; dashes tell the lines apart without colour.
COLOURS = ("#0b5cad", "#a34400", "#00704f", "#8e3b78")
DASHES = ("", "6 3", "2 3", "8 3 2 3")


def lines(
    title: str, days: Sequence[str], series: Mapping[str, Sequence[float | None]], *, top: float
) -> Markup:
    """One line per series over `days`; values from 0 to `top`; gaps where a value is None."""
    if not days:
        return Markup("")
    step = (WIDTH - 2 * PAD) / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return PAD + i * step

    def y(v: float) -> float:
        return HEIGHT - PAD - (v / top if top else 0) * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg class="sv-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#57606a"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#57606a"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD + 4}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{PAD}" y="{HEIGHT - 12}" font-size="11">{escape(days[0])}</text>',
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 12}" text-anchor="end" font-size="11">'
        f"{escape(days[-1])}</text>",
    ]
    legend_x = PAD
    for n, (name, values) in enumerate(series.items()):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        points = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None]
        if points:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}" points="{" ".join(points)}"/>'
            )
        # A dot per value, so a lone day (or a day between gaps) still shows.
        parts.extend(
            f'<circle cx="{point.split(",")[0]}" cy="{point.split(",")[1]}" r="3" fill="{colour}"/>'
            for point in points
        )
        # The legend is a row above the plot, where no line can run through it.
        parts.append(
            f'<line x1="{legend_x}" y1="12" x2="{legend_x + 18}" y2="12" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 22}" y="16" font-size="11" fill="{colour}">{escape(name)}</text>'
        )
        legend_x += 40 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text part went through escape)
