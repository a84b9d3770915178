"""Charts as inline SVG (matplotlib, text kept as text so it is searchable and legible)."""

from __future__ import annotations

import io
import re

from mineaction.render.document import Chart, FanChart, tr
from mineaction.render.labels import BASELINE, number

#: Colour-blind-safe palette (Okabe–Ito), in series order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000")
WIDTH_IN, HEIGHT_IN = 7.2, 3.2


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "mineaction",  # the same chart gives the same SVG
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _svg(figure) -> str:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # Let the page size the chart: keep the viewBox, drop the fixed size.
    sized = r'<svg([^>]*?) width="[^"]*" height="[^"]*"'
    return re.sub(sized, r'<svg\1 class="chart"', text, count=1)


def _axis_formatter(lang: str):  # type: ignore[no-untyped-def]
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: number(v, lang, 0 if float(v).is_integer() else 1))


def chart_svg(chart: Chart, lang: str) -> str:
    """Return ``chart`` as an SVG element."""
    plt = _pyplot()
    labels = [tr(c, lang) for c in chart.categories]
    figure, axes = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    positions = list(range(len(labels)))
    if chart.kind == "line":
        for i, series in enumerate(chart.series):
            axes.plot(
                positions, series.values, marker="o", ms=3, color=PALETTE[i % len(PALETTE)],
                label=tr(series.label, lang),
            )  # fmt: skip
    else:
        stacked = chart.kind == "stacked_bar"
        # Long names (operators, districts) read better along horizontal bars.
        horizontal = max((len(s) for s in labels), default=0) > 14
        if horizontal:
            figure.set_size_inches(WIDTH_IN, max(1.6, 0.32 * len(labels) + 0.8))
        count = max(len(chart.series), 1)
        width = 0.8 if stacked else 0.8 / count
        base = [0.0] * len(labels)
        for i, series in enumerate(chart.series):
            offset = 0.0 if stacked else (i - (count - 1) / 2) * width
            spots = [p + offset for p in positions]
            colour, label = PALETTE[i % len(PALETTE)], tr(series.label, lang)
            if horizontal:
                axes.barh(spots, series.values, width, left=base if stacked else None,
                          color=colour, label=label)  # fmt: skip
            else:
                axes.bar(spots, series.values, width, bottom=base if stacked else None,
                         color=colour, label=label)  # fmt: skip
            if stacked:
                base = [b + v for b, v in zip(base, series.values, strict=True)]
        if horizontal:
            axes.set_yticks(positions)
            axes.set_yticklabels(labels)
            axes.invert_yaxis()
            _finish(axes, chart.title, None, lang, legend=len(chart.series) > 1, axis="x")
            if chart.unit:
                axes.set_xlabel(tr(chart.unit, lang))
            return _svg(figure)
    _finish(axes, chart.title, chart.unit, lang, legend=len(chart.series) > 1)
    return _svg(figure)


def fan_svg(chart: FanChart, lang: str) -> str:
    """Return a fan chart: observed line, P10–P90 band and the P50 line (and a what-if's)."""
    plt = _pyplot()
    labels = [tr(x, lang) for x in chart.x]
    positions = list(range(len(labels)))
    figure, axes = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN))
    compare = chart.compare
    baseline = f" ({tr(BASELINE, lang)})" if compare else ""
    _band(axes, positions, chart.p10, chart.p50, chart.p90, PALETTE[0], "--", baseline)
    if compare:
        # The what-if in the palette's vermilion, its P50 dotted so that it stays
        # distinct from the baseline in grey print too.
        what_if = f" ({tr(compare.label, lang)})"
        _band(axes, positions, compare.p10, compare.p50, compare.p90, PALETTE[3], ":", what_if)
    seen = [(p, v) for p, v in zip(positions, chart.observed, strict=True) if v is not None]
    if seen:
        axes.plot(
            [s[0] for s in seen], [s[1] for s in seen], color="#222", lw=1.6,
            label=tr(chart.observed_label, lang),
        )  # fmt: skip
    step = max(1, len(labels) // 12)
    axes.set_xticks(positions[::step])
    axes.set_xticklabels(labels[::step], rotation=45, ha="right")
    _finish(axes, chart.title, chart.unit, lang, legend=True)
    return _svg(figure)


def _band(axes, positions, p10, p50, p90, colour: str, style: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    band = [
        (p, lo, hi)
        for p, lo, hi in zip(positions, p10, p90, strict=True)
        if lo is not None and hi is not None
    ]
    if band:
        axes.fill_between(
            [b[0] for b in band], [b[1] for b in band], [b[2] for b in band],
            color=colour, alpha=0.2, label=f"P10–P90{suffix}",
        )  # fmt: skip
    mid = [(p, v) for p, v in zip(positions, p50, strict=True) if v is not None]
    if mid:
        axes.plot([m[0] for m in mid], [m[1] for m in mid], color=colour, ls=style,
                  label=f"P50{suffix}")  # fmt: skip


def _finish(axes, title, unit, lang: str, *, legend: bool, axis: str = "y") -> None:  # type: ignore[no-untyped-def]
    axes.set_title(tr(title, lang), loc="left", fontsize=10, fontweight="bold")
    if unit:
        axes.set_ylabel(tr(unit, lang))
    (axes.xaxis if axis == "x" else axes.yaxis).set_major_formatter(_axis_formatter(lang))
    axes.grid(axis=axis, color="#ddd", lw=0.6)
    axes.set_axisbelow(True)
    if legend:
        axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
