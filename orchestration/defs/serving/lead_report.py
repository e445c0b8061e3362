"""The lead backtest as the Dagster UI shows it: Markdown with the plot embedded as a base64 PNG."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def backtest_png(bands: pd.DataFrame, table: pd.DataFrame, min_lift: float) -> bytes:
    """Left: each need's expected conversion lift by score band (top share of its contacts), with the lift a
    band needs to make leads. Right: leads a client a day against the walked-forward lift, one point per
    threshold setting."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for need, group in bands.groupby("need"):
        left.step(group["top_share"] * 100, group["lift"], where="pre", marker="o", label=need.replace("_", " "))
    left.axhline(min_lift, linestyle=":", color="grey", label=f"{min_lift:g}x the base rate (the rule)")
    left.set_xscale("log")
    left.set(xlabel="score band: top % of the need's contacts", ylabel="expected conversion / base rate")
    left.set_title("past campaign contacts")
    left.legend(fontsize=7)
    right.plot(table["per_client"], table["lift"], marker="o")
    for row in table.itertuples():
        right.annotate(f"{row.min_lift:g}x", (row.per_client, row.lift), fontsize=8)
    right.axhline(3.0, linestyle=":", color="grey", label="goal: 3x the base rate")
    right.axvline(0.01, linestyle="--", color="lightgrey", label="0.01 lead a client a day")
    right.set_xscale("log")
    right.set(xlabel="leads a client a day (newest day)", ylabel="walked-forward conversion / base rate")
    right.set_title("threshold setting (min lift)")
    right.legend(fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def markdown_with_png(title: str, png: bytes, table: pd.DataFrame) -> str:
    image = base64.b64encode(png).decode("ascii")
    return f"![{title}](data:image/png;base64,{image})\n\n{table.to_markdown(index=False, floatfmt='.3f')}"
