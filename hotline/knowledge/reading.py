"""The order an agent reads a resolved article in: the local rule where it changes the answer.

``resolve`` keeps the shared text first and an appended local section last, as the text is
stored and mailed. On screen that put the local rule a long page below the shared text it
amends. Here the local section moves up:

- replace: the local text is the whole article, so it is first already;
- append: right after the shared section it amends, that is the one whose heading the local
  text opens with (``## Sådan gør du`` amends the shared "Sådan gør du"); otherwise right
  after the shared opening (the title and the first paragraph: the answer), before the
  details that follow.
"""

import re

from hotline.knowledge.resolve import ResolvedArticle, ResolvedPart, Source

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _heading(line: str) -> str | None:
    match = _HEADING.match(line)
    return match.group(2).strip().casefold() if match else None


def _sections(markdown: str) -> list[str]:
    """The text cut before each heading (never inside a fenced code block)."""
    sections: list[list[str]] = [[]]
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and _heading(line) is not None and any(s.strip() for s in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    return ["\n".join(section) for section in sections]


def _opening_end(markdown: str) -> int:
    """Where the opening ends: after the title heading (if any) and the first paragraph."""
    blocks = markdown.split("\n\n")
    count = 0
    for index, block in enumerate(blocks):
        count = index + 1
        if block.strip() and _heading(block.strip().split("\n")[0]) is None:
            break
    return len("\n\n".join(blocks[:count]))


def reading_order(article: ResolvedArticle) -> list[ResolvedPart]:
    """The parts to show, the local section placed where it changes the answer (see above)."""
    parts = article.parts
    if len(parts) != 2 or parts[0].source is not Source.SHARED:
        return list(parts)
    shared, local = parts
    first_line = local.markdown.strip().split("\n")[0]
    amended = _heading(first_line)
    sections = _sections(shared.markdown)
    if amended is not None:
        for index, section in enumerate(sections):
            if _heading(section.strip().split("\n")[0]) == amended:
                before = "\n".join(sections[: index + 1])
                after = "\n".join(sections[index + 1 :])
                return _split(before, local, after)
    cut = _opening_end(shared.markdown)
    return _split(shared.markdown[:cut], local, shared.markdown[cut:])


def _split(before: str, local: ResolvedPart, after: str) -> list[ResolvedPart]:
    pieces = [ResolvedPart(Source.SHARED, before), local, ResolvedPart(Source.SHARED, after)]
    return [piece for piece in pieces if piece.markdown.strip()]
