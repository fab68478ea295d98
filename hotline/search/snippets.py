"""The few words around the matches, from the text as the municipality reads it."""

import html

from markdown_it import MarkdownIt

from hotline.search.analyzer import Analyzer, QueryTerm

WINDOW = 28  # words in a snippet

# Parsing only (no rendering, no sanitising): the snippet is built from the words alone.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def text_of(markdown: str) -> str:
    """The words of resolved Markdown without its markup, one line per block."""
    lines = []
    for token in _markdown.parse(markdown):
        if token.type == "inline" and token.children is not None:
            lines.append(
                "".join(
                    " " if child.type in ("softbreak", "hardbreak") else child.content
                    for child in token.children
                )
            )
    return "\n".join(lines)


def snippet(text: str, analyzer: Analyzer, terms: list[QueryTerm]) -> str:
    """The window of ``WINDOW`` words with the most distinct matches, HTML-escaped, matches in
    ``<mark>``. Without a match in the body the text opens the snippet."""
    spans = sorted(analyzer.spans(text), key=lambda span: (span.start, -span.end))
    if not spans:
        return ""
    term_of: dict[str, int | None] = {}  # words repeat: match each distinct stem once
    for stem in {span.stem for span in spans}:
        term_of[stem] = next((i for i, term in enumerate(terms) if term.matches(stem)), None)
    hits = [term_of[span.stem] for span in spans]
    best, best_count = 0, 0
    for start, hit in enumerate(hits):  # a best window starts at a match
        if hit is not None:
            count = len({h for h in hits[start : start + WINDOW] if h is not None})
            if count > best_count:
                best, best_count = start, count
    best = max(0, min(best - 3, len(spans) - WINDOW))  # a little lead-in
    window = range(best, min(best + WINDOW, len(spans)))
    begin = 0 if best == 0 else spans[best].start
    end = len(text) if window.stop == len(spans) else spans[window.stop - 1].end
    out, position = [], begin
    for index in window:
        span = spans[index]
        if hits[index] is None or span.start < position:
            continue
        out.append(html.escape(text[position : span.start]))
        out.append(f"<mark>{html.escape(text[span.start : span.end])}</mark>")
        position = span.end
    out.append(html.escape(text[position:end]))
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + " ".join("".join(out).split()) + suffix
