"""The digest's chart: hours per person and per project as horizontal bars, PNG bytes. Pure.

Drawn with matplotlib's object API on the Agg canvas (no ``pyplot``, so no global figure state
and safe in the Harvest threads). The longest lists are cut at :data:`BARS` bars, the rest
summed into one "others" bar, so the image stays readable for a 1,000-person account.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.digest_report import DigestReport, Line

BARS = 12
_WIDTH = 10.0
_BAR_HEIGHT = 0.32


def _bars(lines: Sequence[Line]) -> tuple[list[str], list[float], list[float]]:
    """Labels, hours and billable hours, largest on top."""
    shown = list(lines[:BARS])
    labels = [_short(line.name) for line in shown]
    hours = [line.centi / 100 for line in shown]
    billable = [line.billable / 100 for line in shown]
    rest = lines[BARS:]
    if rest:
        labels.append(f"{len(rest)} others")
        hours.append(sum(line.centi for line in rest) / 100)
        billable.append(sum(line.billable for line in rest) / 100)
    return labels[::-1], hours[::-1], billable[::-1]


def _short(name: str, limit: int = 32) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def chart_png(report: DigestReport, title: str = "") -> bytes:
    """Two bar charts, people above projects; billable hours shaded darker."""
    people = _bars(report.people)
    projects = _bars(report.projects)
    rows = max(len(people[0]), 1) + max(len(projects[0]), 1)
    figure = Figure(figsize=(_WIDTH, 1.6 + rows * _BAR_HEIGHT), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 1, height_ratios=[max(len(people[0]), 1),
                                                max(len(projects[0]), 1)])
    for ax, (labels, hours, billable), heading in ((axes[0], people, "Hours per person"),
                                                   (axes[1], projects, "Hours per project")):
        ax.barh(labels, hours, color="#fbc08f", label="non-billable")
        ax.barh(labels, billable, color="#f36c00", label="billable")
        ax.set_title(heading, loc="left", fontsize=10)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        for y, value in enumerate(hours):
            ax.text(value, y, f" {value:.2f}", va="center", fontsize=7)
        ax.margins(x=0.12)
    axes[0].legend(loc="lower right", fontsize=7, frameon=False)
    if title:
        figure.suptitle(title, fontsize=11, x=0.01, ha="left")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
