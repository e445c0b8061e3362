"""Self-service segments: a small, safe expression language over tags, tiers, groups, risk and scores.

``parse`` checks an expression against the vocabulary (no ``eval``); ``to_sql`` compiles it to a
portable SQL condition over the audience table; ``members`` is the same meaning in pandas.
"""

from serving.segments.errors import SegmentError, SegmentSyntaxError, SegmentTypeError, UnknownIdentifier
from serving.segments.evaluate import members
from serving.segments.parser import parse
from serving.segments.sql import to_sql, to_text
from serving.segments.vocabulary import Vocabulary, vocabulary

__all__ = [
    "SegmentError",
    "SegmentSyntaxError",
    "SegmentTypeError",
    "UnknownIdentifier",
    "Vocabulary",
    "members",
    "parse",
    "to_sql",
    "to_text",
    "vocabulary",
]
