"""The segment catalog: segments declared in YAML, each checked and compiled when it is loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from serving.segments.errors import SegmentError
from serving.segments.parser import Node, parse
from serving.segments.sql import to_sql
from serving.segments.vocabulary import Vocabulary

CATALOG = Path(__file__).with_name("catalog.yml")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
KEYS = ("name", "description", "owner", "expression")


class SegmentCatalogError(ValueError):
    """A catalog entry that is malformed or does not compile; the message names the segment."""


@dataclass(frozen=True)
class Segment:
    name: str
    description: str
    owner: str
    expression: str
    tree: Node
    sql: str


def load_segments(vocabulary: Vocabulary, path: Path = CATALOG) -> list[Segment]:
    """Every segment of the catalog, compiled; the first bad entry raises SegmentCatalogError naming it."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SegmentCatalogError(f"segment catalog {Path(path).name} is not valid YAML: {error}") from error
    entries = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SegmentCatalogError(f"segment catalog {Path(path).name} needs a top-level list 'segments'")
    segments: list[Segment] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        segment = _segment(entry, index, vocabulary)
        if segment.name in seen:
            raise SegmentCatalogError(f"segment {segment.name!r} is declared twice")
        seen.add(segment.name)
        segments.append(segment)
    return segments


def _segment(entry: object, index: int, vocabulary: Vocabulary) -> Segment:
    label = f"segment #{index}"
    if not isinstance(entry, dict):
        raise SegmentCatalogError(f"{label} must be a mapping with {', '.join(KEYS)}")
    name = entry.get("name")
    if isinstance(name, str) and name:
        label = f"segment {name!r}"
    unknown = sorted(set(map(str, entry)) - set(KEYS))
    if unknown:
        raise SegmentCatalogError(f"{label}: unknown key(s) {unknown}; a segment has {', '.join(KEYS)}")
    for key in KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SegmentCatalogError(f"{label}: {key!r} is missing or empty")
    if not NAME.match(name):
        raise SegmentCatalogError(f"{label}: the name must be lower_snake_case (letters, digits, _), at most 63 long")
    try:
        tree = parse(entry["expression"], vocabulary)
    except SegmentError as error:
        raise SegmentCatalogError(f"{label}: {error}") from error
    return Segment(
        name=name,
        description=entry["description"].strip(),
        owner=entry["owner"].strip(),
        expression=entry["expression"].strip(),
        tree=tree,
        sql=to_sql(tree, vocabulary),
    )
