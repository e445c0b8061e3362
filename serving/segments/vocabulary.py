"""The names a segment may use, and what each one is.

- tags of the tag catalog: bare boolean names (``dormant``, ``not holds_fund``);
- ``tier`` T1..T5 and ``risk_level`` C1..C5: ordered, so ``tier >= 'T4'`` and ``risk_level >= 'C3'``
  mean what they say. ``risk_level`` is the level of a *valid* assessment (at most 24 months old):
  a client whose assessment is missing or expired has none, and every comparison on it is false;
- ``preference_group``: one of the 15 groups (equality and ``in`` only), ``preference_group_code`` 1..15;
- scores: ``churn_60d`` and ``intent_<need>`` for the six needs, probabilities compared with numbers.

Each name maps to a column of the audience table (``AUDIENCE_COLUMNS``), so the vocabulary is what
the table can answer. The tag list comes from the catalog (or from the table's ``tag_*`` columns).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from wealthpulse.domain import NEEDS, RISK_LEVELS, TIERS

PROFILES = ("dormant_saver", "self_directed_trader", "wealth_builder", "all_round_investor", "casual_investor")
STYLES = ("conservative", "balanced", "aggressive")
# The order of the warehouse's preference_group_code (mart_client_tiers): profile-major, 1..15.
PREFERENCE_GROUPS = tuple(f"{profile}_{style}" for profile in PROFILES for style in STYLES)
SCORES = ("churn_60d", *(f"intent_{need}" for need in NEEDS))
TAG_PREFIX = "tag_"


class Kind(Enum):
    TAG = "tag"  # boolean, used bare
    ORDERED = "ordered"  # labels with an order, compared through their code 1..n
    CATEGORY = "category"  # labels without an order: = != in
    NUMBER = "number"  # compared with numbers


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    column: str
    values: tuple[str, ...] = ()

    def code(self, label: str) -> int:
        return self.values.index(label) + 1


@dataclass(frozen=True)
class Vocabulary:
    fields: dict[str, Field] = field(default_factory=dict)

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self.fields)

    @property
    def tags(self) -> list[str]:
        return sorted(f.name for f in self.fields.values() if f.kind is Kind.TAG)


# Audience columns beyond the tags, in table order.
AUDIENCE_COLUMNS = (
    "client_id",
    "as_of_date",
    "tier",
    "tier_code",
    "preference_group",
    "preference_group_code",
    "risk_level",
    "risk_level_code",
    *SCORES,
)


def vocabulary(tags: Iterable[str]) -> Vocabulary:
    """The vocabulary over the given tag names; a tag that shadows a field name is an error."""
    fields = {
        "tier": Field("tier", Kind.ORDERED, "tier_code", TIERS),
        "risk_level": Field("risk_level", Kind.ORDERED, "risk_level_code", RISK_LEVELS),
        "preference_group": Field("preference_group", Kind.CATEGORY, "preference_group", PREFERENCE_GROUPS),
        "preference_group_code": Field("preference_group_code", Kind.NUMBER, "preference_group_code"),
        **{score: Field(score, Kind.NUMBER, score) for score in SCORES},
    }
    for tag in tags:
        if tag in fields:
            raise ValueError(f"tag {tag!r} has the name of a segment field; rename the tag")
        fields[tag] = Field(tag, Kind.TAG, f"{TAG_PREFIX}{tag}")
    return Vocabulary(fields)


def tags_of_columns(columns: Iterable[str]) -> list[str]:
    """The tag names of an audience table, from its ``tag_*`` columns."""
    return [c[len(TAG_PREFIX) :] for c in columns if c.startswith(TAG_PREFIX)]
