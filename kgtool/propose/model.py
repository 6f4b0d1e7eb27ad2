"""What a draft holds: proposals with their verified quotes, before they are rendered as Turtle."""
from __future__ import annotations

from dataclasses import dataclass, field

from kgtool.provenance import Span


def literal(text: str, lang: str | None = "zh-Hans") -> str:
    """A Turtle string literal (escaped), tagged `lang` unless None."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


@dataclass
class Proposal:
    """One proposed fact node: its IRI key (`{type}/{key}`), class, properties and evidence.

    `props` maps a property CURIE to a list of already-rendered Turtle objects (IRIs as
    `<type/key>`, literals as Turtle literals), so rendering is a plain, ordered print.
    """

    key: str
    kind: str                               # statistic | mention | entity | event | concept
    classes: list[str]
    props: dict[str, list[str]] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    confidence: float = 0.5
    label: str | None = None                # the zh-Hans name, for matching and the diff
    note: str = ""                          # why it was proposed (a comment in the draft)
    value: tuple[str, str, str | None] | None = None   # statistics: (value, unit, period key)
    existing: bool = False                  # an entity already in the curated graph

    def add(self, prop: str, obj: str) -> None:
        values = self.props.setdefault(prop, [])
        if obj not in values:
            values.append(obj)


@dataclass
class Draft:
    """Every proposal of one source, in a stable order, with what the run skipped."""

    source_key: str
    source_label: str
    published: str | None
    proposals: list[Proposal]
    skipped: list[str] = field(default_factory=list)   # candidates whose quote was not unique

    def turtle(self) -> str:
        """The draft as Turtle for review (kgtool.propose.render)."""
        from kgtool.propose.render import turtle  # noqa: PLC0415 - render imports this module

        return turtle(self)
