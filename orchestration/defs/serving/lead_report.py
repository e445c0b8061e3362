"""The lead backtest as the Dagster UI shows it: Markdown with the plot embedded as a base64 PNG."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def backtest_png(deciles: pd.DataFrame, table: pd.DataFrame, min_lift: float) -> bytes:
    """Left: each need's conversion lift by score decile, with the lift a decile needs to pass.
    Right: leads per 1,000 clients a day against the held-out lift, one point per threshold setting."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for need, group in deciles.groupby("need"):
        left.plot(group["decile"], group["lift"], marker="o", label=need.replace("_", " "))
    left.axhline(min_lift, linestyle=":", color="grey", label=f"{min_lift:g}x the need's base")
    left.set(xlabel="intent-score decile of the contacts (10 = highest)", ylabel="conversion / base rate")
    left.set_title("past campaign contacts")
    left.legend(fontsize=7)
    right.plot(table["per_1000_clients"], table["lift"], marker="o")
    for row in table.itertuples():
        right.annotate(f"{row.min_lift:g}x", (row.per_1000_clients, row.lift), fontsize=8)
    right.axhline(3.0, linestyle=":", color="grey", label="goal: 3x the base rate")
    right.set_xscale("symlog")
    right.set(xlabel="leads a day per 1,000 clients", ylabel="held-out conversion / base rate")
    right.set_title("threshold setting (min lift)")
    right.legend(fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def markdown_with_png(title: str, png: bytes, table: pd.DataFrame) -> str:
    image = base64.b64encode(png).decode("ascii")
    return f"![{title}](data:image/png;base64,{image})\n\n{table.to_markdown(index=False, floatfmt='.3f')}"
