"""A model's learning curve: its test metric against training rows, as ``benchmarks/learning_curve.py``
measures it on a state, kept beside that state and shown in the model card.

One file per model in the state's learning-curve folder (``Settings.learning_curve_dir``):

    <folder>/<model>.json    every measured (sample size, head): rows, clients, test metric, oracle, seconds
    <folder>/<model>.png     the curve drawn from those rows

A (head, sample size) measured again replaces its row and the others stay (a curve can be measured a
head or a size at a time); each row carries the day it was measured. The card shows the plot, a table of
sizes against heads and the days; without a curve it says how to measure one.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from models.cards import thumbnail_png  # noqa: E402

# How a curve of a state is measured (its folder is the state's, from WEALTHPULSE_HOME).
MEASURE_COMMAND = "uv run --frozen python -m benchmarks.learning_curve --models {model}"
# A sample whose test metric is within this of the largest sample's is as good as it (the budget rule).
TOLERANCE = 0.002
# The curve is one plot per model, wider than a head's: scaled down less in a markdown view.
CURVE_THUMBNAIL_SCALE = 0.8
# The fields a curve row must carry to be shown.
ROW_FIELDS = ("head", "fit_rows", "fit_rows_total", "clients", "test_rows", "metric", "value")


@dataclass(frozen=True)
class LearningCurve:
    """The measured curve of one model: its rows (one per sample size and head) and its plot."""

    model: str
    rows: list[dict[str, object]]
    png: bytes

    @property
    def measured_on(self) -> tuple[str, ...]:
        """The days its rows were measured on, oldest first."""
        return tuple(sorted({str(row["measured_on"]) for row in self.rows}))


def curve_paths(folder: Path, model: str) -> tuple[Path, Path]:
    """The figures and the plot of one model's curve."""
    return Path(folder) / f"{model}.json", Path(folder) / f"{model}.png"


def _points(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows the curve is drawn from: the model's own inputs (not the with-calendar comparison)."""
    return [row for row in rows if not row.get("calendar")]


def _key(row: dict[str, object]) -> tuple[object, ...]:
    return row["head"], row.get("budget"), bool(row.get("calendar"))


def merge_rows(old: list[dict[str, object]], new: list[dict[str, object]]) -> list[dict[str, object]]:
    """``new`` replaces the rows of the (head, sample size) it measures; the other rows stay."""
    measured = {_key(row) for row in new}
    return [row for row in old if _key(row) not in measured] + list(new)


def write_curve(
    folder: Path, model: str, rows: list[dict[str, object]], measured_on: date | None = None
) -> LearningCurve:
    """Add freshly measured rows to a model's curve (replacing the rows of the same head and sample
    size), redraw its plot and write both; returns the whole curve."""
    if not rows:
        raise ValueError(f"no learning-curve rows to write for {model!r}")
    others = sorted({str(row.get("model", model)) for row in rows} - {model})
    if others:
        raise ValueError(f"rows of {', '.join(others)} given as the learning curve of {model!r}")
    day = (measured_on or date.today()).isoformat()
    fresh = [{**row, "measured_on": str(row.get("measured_on") or day)} for row in rows]
    json_path, png_path = curve_paths(folder, model)
    old = read_curve(folder, model)
    merged = merge_rows(old.rows if old else [], fresh)
    png = plot_curve(model, merged)
    Path(folder).mkdir(parents=True, exist_ok=True)
    for path, write in (
        (json_path, lambda p: p.write_text(json.dumps({"model": model, "rows": merged}, indent=2))),
        (png_path, lambda p: p.write_bytes(png)),
    ):
        tmp = path.with_suffix(path.suffix + ".tmp")
        write(tmp)
        tmp.replace(path)
    return LearningCurve(model=model, rows=merged, png=png)


def read_curve(folder: Path | None, model: str) -> LearningCurve | None:
    """The curve measured for ``model`` in ``folder``; None when none was (no file, or no rows)."""
    if folder is None:
        return None
    json_path, png_path = curve_paths(folder, model)
    if not json_path.exists():
        return None
    payload = json.loads(json_path.read_text())
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{json_path}: expected an object with a list of 'rows'")
    for number, row in enumerate(rows):
        missing = [name for name in (*ROW_FIELDS, "measured_on") if name not in row]
        if missing:
            raise ValueError(f"{json_path}: row {number} lacks {', '.join(missing)}")
    if not _points(rows):
        return None
    png = png_path.read_bytes() if png_path.exists() else plot_curve(model, rows)
    return LearningCurve(model=model, rows=rows, png=png)


def budget_rows(rows: list[dict[str, object]], tolerance: float = TOLERANCE) -> int:
    """The smallest sample whose metric is within ``tolerance`` of the largest sample's, for every head
    (AUC: higher is better; log-loss: lower is)."""
    points = _points(rows)
    largest = max(int(row["fit_rows"]) for row in points)
    best = {row["head"]: float(row["value"]) for row in points if row["fit_rows"] == largest}
    for size in sorted({int(row["fit_rows"]) for row in points}):
        at = [row for row in points if row["fit_rows"] == size and row["head"] in best]
        gaps = [
            best[row["head"]] - float(row["value"])
            if row["metric"] == "auc"
            else float(row["value"]) - best[row["head"]]
            for row in at
        ]
        if len(at) == len(best) and all(gap <= tolerance for gap in gaps):
            return size
    return largest


def plot_curve(model: str, rows: list[dict[str, object]]) -> bytes:
    """Test metric against training rows (log scale) per head, the oracle's AUC dotted in the head's
    color; for a multiclass model, log-loss beside macro-F1."""
    points = _points(rows)
    heads = list(dict.fromkeys(row["head"] for row in points))
    multiclass = any(row["metric"] != "auc" for row in points)
    figure, axes = plt.subplots(1, 2 if multiclass else 1, figsize=(9 if multiclass else 5.5, 3.8), squeeze=False)
    first = axes[0][0]
    for head in heads:
        line = sorted((row for row in points if row["head"] == head), key=lambda row: row["fit_rows"])
        sizes = [row["fit_rows"] for row in line]
        drawn = first.plot(sizes, [row["value"] for row in line], marker="o", label=head)[0]
        oracle = line[-1].get("oracle_auc")
        if oracle is not None and not multiclass:
            first.axhline(float(oracle), color=drawn.get_color(), linestyle=":", linewidth=1)
        if multiclass:
            f1 = [(size, row["macro_f1"]) for size, row in zip(sizes, line, strict=True) if row.get("macro_f1")]
            axes[0][1].plot([s for s, _ in f1], [v for _, v in f1], marker="o", color=drawn.get_color(), label=head)
    first.set_ylabel("test log-loss" if multiclass else "test AUC")
    first.set_title(f"{model}: learning curve" + ("" if multiclass else " (dotted: oracle AUC)"), fontsize=10)
    first.legend(fontsize=7)
    if multiclass:
        axes[0][1].set_ylabel("test macro-F1")
        axes[0][1].set_title("macro-F1", fontsize=10)
    sizes = sorted({int(row["fit_rows"]) for row in points})
    for axis in axes[0]:
        # The measured sizes as the ticks (25k, 100k, ...), not the log scale's powers of ten.
        axis.set_xscale("log")
        axis.set_xticks(sizes, [f"{size / 1000:.0f}k" for size in sizes], fontsize=8)
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel("training rows (fitting dates)")
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def _size_label(row: dict[str, object]) -> str:
    label = f"{int(row['fit_rows']):,}"
    return f"{label} (all)" if int(row["fit_rows"]) >= int(row["fit_rows_total"]) else label


def curve_table(curve: LearningCurve) -> tuple[list[str], list[list[str]]]:
    """Sizes against heads: a header and one row of cells per sample size, then the oracle's row."""
    points = _points(curve.rows)
    heads = list(dict.fromkeys(row["head"] for row in points))
    multiclass = any(row["metric"] != "auc" for row in points)
    columns = [
        f"{head} {row_metric}"
        for head in heads
        for row_metric in (("log-loss", "macro-F1") if multiclass else ("AUC",))
    ]
    header = ["training rows", "clients", *columns]
    body = []
    for size in sorted({int(row["fit_rows"]) for row in points}):
        at = {row["head"]: row for row in points if int(row["fit_rows"]) == size}
        any_row = next(iter(at.values()))
        cells = [_size_label(any_row), f"{int(any_row['clients']):,}"]
        for head in heads:
            row = at.get(head)
            values = (row["value"], row.get("macro_f1")) if multiclass and row else ((row["value"],) if row else ())
            width = 2 if multiclass else 1
            cells += [f"{float(v):.4f}" if v is not None else "–" for v in values] or ["–"] * width
        body.append(cells)
    if not multiclass:
        # The oracle's AUC on the same test rows; tiering's oracle is the simulated tier itself (macro-F1 1).
        largest = {head: max((r for r in points if r["head"] == head), key=lambda r: r["fit_rows"]) for head in heads}
        body.append(["oracle (same test rows)", "", *(_number(largest[h].get("oracle_auc")) for h in heads)])
    return header, body


def _number(value: object) -> str:
    return "–" if value is None else f"{float(value):.4f}"


def _about(curve: LearningCurve) -> str:
    points = _points(curve.rows)
    days = curve.measured_on
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    test_rows = max(int(row["test_rows"]) for row in points)
    return (
        f"Measured {when} on this state: each head trained on nested samples of whole clients, graded on all "
        f"{test_rows:,} test rows. Smallest sample within {TOLERANCE} of the largest: "
        f"{budget_rows(curve.rows):,} rows."
    )


def measure_hint(model: str) -> str:
    return f"Measure it with `{MEASURE_COMMAND.format(model=model)}` (WEALTHPULSE_HOME naming this state)."


def how_to_measure(model: str) -> str:
    return f"No learning curve measured for {model} on this state. {measure_hint(model)}"


def curve_markdown(model: str, curve: LearningCurve | None) -> str:
    """The curve for a markdown view: the plot as a PNG data URI (a smaller copy, as the other plots),
    the table and the day measured; without a curve, the command that measures one."""
    lines = [f"#### {model} learning curve", ""]
    if curve is None:
        return "\n".join([*lines, how_to_measure(model)])
    data = base64.b64encode(thumbnail_png(curve.png, scale=CURVE_THUMBNAIL_SCALE)).decode()
    header, body = curve_table(curve)
    lines += [f"![{model} learning curve](data:image/png;base64,{data})", "", _about(curve), ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def curve_html(model: str, curve: LearningCurve | None) -> str:
    """The model card's learning-curve section: plot, table and day, or the command that measures one."""
    if curve is None:
        message = html.escape(how_to_measure(model)).replace("`", "")
        return f"<section><h2>Learning curve</h2><p>{message}</p></section>"
    header, body = curve_table(curve)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
    data = base64.b64encode(curve.png).decode()
    return (
        f"<section><h2>Learning curve</h2><p>{html.escape(_about(curve))}</p>"
        f'<figure><img alt="learning curve" src="data:image/png;base64,{data}">'
        f"<figcaption>learning curve</figcaption></figure><table><tr>{head}</tr>{cells}</table></section>"
    )


@dataclass(frozen=True)
class CurveSections:
    """What a model card and its markdown view show of the model's learning curve."""

    html: str
    markdown: str
    curve: LearningCurve | None


def curve_sections(folder: Path | None, model: str) -> CurveSections:
    """The learning-curve sections of a model's card, from the curve measured in ``folder``: the plot
    and table, or the command that measures one. A curve file that cannot be read is said so in the
    card (with the command to measure it again) rather than failing the model that shows it."""
    try:
        curve = read_curve(folder, model)
    except (ValueError, TypeError, OSError) as error:
        problem = f"The learning curve of {model} could not be read ({error}). {measure_hint(model)}"
        return CurveSections(
            html=f"<section><h2>Learning curve</h2><p>{html.escape(problem).replace('`', '')}</p></section>",
            markdown="\n".join([f"#### {model} learning curve", "", problem]),
            curve=None,
        )
    return CurveSections(html=curve_html(model, curve), markdown=curve_markdown(model, curve), curve=curve)
