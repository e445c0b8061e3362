"""The platform's shared vocabulary: the six needs, the five value tiers and the two risk scales.

The one source for the Python layers (simulator, features, models, serving, orchestration); the
warehouse spells the same lists in its macros (``dbt_project/macros/needs.sql``, the tier thresholds
in ``dbt_project.yml``), and a test keeps the two equal. Order matters: it is the order of every
(clients x needs) array, of the intent heads and of the tiering model's classes.
"""

from __future__ import annotations

# What a client may want next (the intent model has one head per need).
NEEDS: tuple[str, ...] = ("equity_fund", "fixed_income", "margin_financing", "options", "advisory", "transfer_in")
# Value tiers, lowest first (the tiering model's classes 0..4).
TIERS: tuple[str, ...] = ("T1", "T2", "T3", "T4", "T5")
# A client's assessed risk tolerance, C1 (most cautious) .. C5.
RISK_LEVELS: tuple[str, ...] = ("C1", "C2", "C3", "C4", "C5")
# A product's risk rating, R1 (safest) .. R5: a client at Ck may be offered products up to Rk.
RISK_RATINGS: tuple[str, ...] = ("R1", "R2", "R3", "R4", "R5")
