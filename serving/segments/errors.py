"""What can be wrong with a segment expression; every message names the offending text and where it is."""

from __future__ import annotations


class SegmentError(ValueError):
    """Any problem with a segment expression. ``position`` is the 1-based character, when known."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at character {position})")


class SegmentSyntaxError(SegmentError):
    """The text is not a well-formed expression: a stray character, a missing value or parenthesis."""


class UnknownIdentifier(SegmentError):
    """A name that is neither a tag of the catalog nor a known field or score."""

    def __init__(self, name: str, position: int, suggestion: str | None = None) -> None:
        self.name = name
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(f"unknown identifier {name!r}{hint}", position)


class SegmentTypeError(SegmentError):
    """A known name used the wrong way: a tag compared, a tier against a number, a value out of range."""
