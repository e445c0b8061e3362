"""Model cards: one self-contained HTML page per model (plots embedded as PNG) and a markdown summary.

Plots are drawn with matplotlib's Agg backend (no display) and also written as PNG files. For places
that show markdown (an orchestrator's asset metadata), ``plots_markdown`` embeds small copies of the
main plots as PNG data URIs: scaled down and reduced to a small palette, a few kilobytes each.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from models.evaluation import calibration_bins, confusion, top_label  # noqa: E402


@dataclass
class CardInputs:
    """What a card shows for one head. ``scores`` is P(positive) (binary) or class probabilities."""

    name: str
    task: str
    y_true: np.ndarray
    scores: np.ndarray
    metrics: dict[str, float]
    importance: pd.Series
    classes: tuple[str, ...] = ()
    oracle: dict[str, float] | None = None
    goals: list[dict] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def plot_roc(y: np.ndarray, scores: np.ndarray) -> bytes:
    fpr, tpr, _ = roc_curve(y, scores)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.plot(fpr, tpr, label="model")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="random")
    axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    axes.legend(loc="lower right")
    return _png(figure)


def plot_pr(y: np.ndarray, scores: np.ndarray) -> bytes:
    precision, recall, _ = precision_recall_curve(y, scores)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.plot(recall, precision)
    axes.axhline(float(np.mean(y)), linestyle=":", color="grey", label="base rate")
    axes.set(xlabel="recall", ylabel="precision", title="Precision-recall")
    axes.legend(loc="upper right")
    return _png(figure)


def lift_by_decile(y: np.ndarray, scores: np.ndarray) -> pd.Series:
    """Observed rate of each score decile (1 = highest scores) over the base rate."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    deciles = np.array_split(np.asarray(y, dtype=np.float64)[order], 10)
    base = float(np.mean(y))
    return pd.Series([chunk.mean() / base if len(chunk) else np.nan for chunk in deciles], index=range(1, 11))


def plot_lift(y: np.ndarray, scores: np.ndarray) -> bytes:
    lift = lift_by_decile(y, scores)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.bar(lift.index, lift.to_numpy())
    axes.axhline(1.0, linestyle=":", color="grey")
    axes.set(xlabel="score decile (1 = highest)", ylabel="lift over base rate", title="Lift by decile")
    return _png(figure)


def plot_calibration(y: np.ndarray, scores: np.ndarray) -> bytes:
    table = calibration_bins(y, scores)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect")
    axes.plot(table["mean_predicted"], table["observed_rate"], marker="o", label="model")
    top = float(max(table["mean_predicted"].max(), table["observed_rate"].max(), 0.05))
    axes.set(xlim=(0, top * 1.05), ylim=(0, top * 1.05), xlabel="mean predicted", ylabel="observed rate")
    axes.set_title("Calibration (15 bins)")
    axes.legend(loc="upper left")
    return _png(figure)


def plot_importance(importance: pd.Series, top: int = 15) -> bytes:
    head = importance.sort_values(ascending=False).head(top)[::-1]
    figure, axes = plt.subplots(figsize=(5, 0.3 * len(head) + 1))
    axes.barh([str(name) for name in head.index], head.to_numpy())
    axes.set(xlabel=importance.name or "importance", title="Feature importance")
    return _png(figure)


def plot_confusion(table: pd.DataFrame) -> bytes:
    figure, axes = plt.subplots(figsize=(4.5, 4))
    image = axes.imshow(table.to_numpy(), cmap="Blues")
    axes.set_xticks(range(len(table.columns)), table.columns)
    axes.set_yticks(range(len(table.index)), table.index)
    for (i, j), count in np.ndenumerate(table.to_numpy()):
        axes.text(j, i, str(count), ha="center", va="center", fontsize=8)
    axes.set(xlabel="predicted tier", ylabel="tier 90 days ahead", title="Tier confusion matrix")
    figure.colorbar(image, ax=axes)
    return _png(figure)


def card_plots(inputs: CardInputs) -> dict[str, bytes]:
    """Plot name -> PNG bytes for one head."""
    plots: dict[str, bytes] = {}
    if inputs.task == "binary":
        plots["roc"] = plot_roc(inputs.y_true, inputs.scores)
        plots["pr"] = plot_pr(inputs.y_true, inputs.scores)
        plots["lift"] = plot_lift(inputs.y_true, inputs.scores)
        plots["calibration"] = plot_calibration(inputs.y_true, inputs.scores)
    else:
        predicted = np.argmax(inputs.scores, axis=1) + 1
        plots["confusion"] = plot_confusion(confusion(inputs.y_true, predicted, inputs.classes))
        correct, confidence = top_label(np.asarray(inputs.y_true) - 1, inputs.scores)
        plots["calibration"] = plot_calibration(correct, confidence)
    plots["importance"] = plot_importance(inputs.importance)
    return plots


# What a markdown view shows per head (the model card has every plot).
MARKDOWN_PLOTS = ("roc", "lift", "calibration", "confusion", "importance")
THUMBNAIL_SCALE = 0.6
THUMBNAIL_COLORS = 64


def thumbnail_png(png: bytes, scale: float = THUMBNAIL_SCALE, colors: int = THUMBNAIL_COLORS) -> bytes:
    """A smaller copy of a plot: scaled down and reduced to a palette of ``colors`` colors."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS).quantize(colors=colors)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _base64(png: bytes) -> str:
    return base64.b64encode(png).decode()


def plots_markdown(
    cards: list[CardInputs], plots: list[dict[str, bytes]], names: tuple[str, ...] = MARKDOWN_PLOTS
) -> str:
    """Markdown with each head's main plots embedded as PNG data URIs (thumbnails), a heading per head."""
    sections = []
    for inputs, head_plots in zip(cards, plots, strict=True):
        images = [
            f"![{inputs.name} {name}](data:image/png;base64,{_base64(thumbnail_png(head_plots[name]))})"
            for name in names
            if name in head_plots
        ]
        sections.append("\n".join([f"#### {inputs.name}", "", " ".join(images)]))
    return "\n\n".join(sections)


def _table(rows: dict[str, object]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def card_markdown(inputs: CardInputs) -> str:
    """A short markdown summary: metrics, oracle gap and goals (for asset metadata)."""
    lines = [f"### {inputs.name}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {key} | {_fmt(value)} |" for key, value in inputs.metrics.items()]
    if inputs.oracle:
        lines += ["", "| oracle gap | value |", "|---|---|"]
        lines += [f"| {key} | {_fmt(value)} |" for key, value in inputs.oracle.items()]
    if inputs.goals:
        lines += ["", "| goal | value | target | met |", "|---|---|---|---|"]
        lines += [
            f"| {g['goal']} | {_fmt(g['value'])} | {g['target']} | {'yes' if g['met'] else 'NO'} |"
            for g in inputs.goals
        ]
    return "\n".join(lines)


def card_html(cards: list[CardInputs], plots: list[dict[str, bytes]], title: str, learning_curve: str = "") -> str:
    """One self-contained page: a section per head with its tables and embedded plots, after the
    model's ``learning_curve`` section when given (HTML, ``models/learning_curve.py``)."""
    sections = []
    for inputs, head_plots in zip(cards, plots, strict=True):
        images = "".join(
            f'<figure><img alt="{name}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            f"<figcaption>{name}</figcaption></figure>"
            for name, png in head_plots.items()
        )
        goals = "".join(
            f"<tr><th>{g['goal']}</th><td>{_fmt(g['value'])}</td><td>{html.escape(g['target'])}</td>"
            f"<td>{'met' if g['met'] else 'missed'}</td></tr>"
            for g in inputs.goals
        )
        sections.append(
            f"<section><h2>{html.escape(inputs.name)}</h2>"
            f"<h3>Test metrics</h3>{_table(inputs.metrics)}"
            + (f"<h3>Oracle on the same rows</h3>{_table(inputs.oracle)}" if inputs.oracle else "")
            + (f"<h3>Goals</h3><table>{goals}</table>" if goals else "")
            + (f"<h3>Details</h3>{_table(inputs.details)}" if inputs.details else "")
            + f'<div class="plots">{images}</div></section>'
        )
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:.5em 0}"
        "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}.plots{display:flex;flex-wrap:wrap;gap:1em}"
        "figure{margin:0}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{learning_curve}{''.join(sections)}"
        "</body></html>"
    )


def write_model_card(
    folder: Path,
    cards: list[CardInputs],
    title: str,
    plots: list[dict[str, bytes]] | None = None,
    learning_curve: str = "",
) -> dict[str, Path]:
    """Write ``model_card.html`` and every plot as ``<head>_<plot>.png``; returns name -> path.
    ``plots``: each head's ``card_plots`` when already drawn; ``learning_curve``: the model's
    learning-curve section of the page."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = plots if plots is not None else [card_plots(inputs) for inputs in cards]
    paths: dict[str, Path] = {}
    for inputs, head_plots in zip(cards, plots, strict=True):
        for name, png in head_plots.items():
            path = folder / f"{inputs.name}_{name}.png"
            path.write_bytes(png)
            paths[f"{inputs.name}_{name}"] = path
    page = folder / "model_card.html"
    tmp = page.with_suffix(".tmp")
    tmp.write_text(card_html(cards, plots, title, learning_curve), encoding="utf-8")
    tmp.replace(page)
    paths["html"] = page
    return paths
