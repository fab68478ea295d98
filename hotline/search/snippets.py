"""The few words around the matches, from the text as the municipality reads it."""

import html
from collections import Counter
from functools import lru_cache

from markdown_it import MarkdownIt

from hotline.search.analyzer import Analyzer, QueryTerm, Span, TermMatcher

WINDOW = 28  # words in a snippet
# Resolved texts an agent meets again and again (a municipality's view of an article): every
# article of the shipped knowledge base in ~50 municipalities fits, at a few KB each.
TEXTS_CACHED = 4096

# Parsing only (no rendering, no sanitising): the snippet is built from the words alone.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


@lru_cache(maxsize=TEXTS_CACHED)
def text_of(markdown: str) -> str:
    """The words of resolved Markdown without its markup, one line per block. Cached: the
    Markdown parse is the dearest part of a snippet, and a text changes only when edited."""
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


class Snippets:
    """Snippets for one query's page of results. What each stem matches is looked up once
    for the whole page: the texts share most of their words."""

    def __init__(self, analyzer: Analyzer, terms: list[QueryTerm]) -> None:
        self.analyzer = analyzer
        self._matcher = TermMatcher(terms)
        self._hits: dict[str, int | None] = {}

    def _term_of(self, stem: str) -> int | None:
        """The first term the stem matches, if any."""
        if stem not in self._hits:
            self._hits[stem] = next(iter(self._matcher.terms_of(stem)), None)
        return self._hits[stem]

    def _spans(self, text: str) -> list[tuple[int, int, int | None]]:
        """(start, end, matched term) of each indexed word, in text order."""
        term_of = self._term_of
        # A joined digit run ("89 40 20 00") goes before the first group it spans.
        spans = sorted(self.analyzer.spans(text), key=_text_order)
        return [(span.start, span.end, term_of(span.stem)) for span in spans]

    def of(self, text: str) -> str:
        """The window of ``WINDOW`` words with the most distinct matches, HTML-escaped, matches
        in ``<mark>``. Without a match in the body the text opens the snippet."""
        spans = self._spans(text)
        if not spans:
            return ""
        best = _best_window([(i, hit) for i, (_s, _e, hit) in enumerate(spans) if hit is not None])
        best = max(0, min(best - 3, len(spans) - WINDOW))  # a little lead-in
        window = range(best, min(best + WINDOW, len(spans)))
        begin = 0 if best == 0 else spans[best][0]
        end = len(text) if window.stop == len(spans) else spans[window.stop - 1][1]
        out, position = [], begin
        for index in window:
            start, stop, hit = spans[index]
            if hit is None or start < position:
                continue
            out.append(html.escape(text[position:start]))
            out.append(f"<mark>{html.escape(text[start:stop])}</mark>")
            position = stop
        out.append(html.escape(text[position:end]))
        prefix = "… " if begin > 0 else ""
        suffix = " …" if end < len(text) else ""
        return prefix + " ".join("".join(out).split()) + suffix


def _text_order(span: Span) -> tuple[int, int]:
    return span.start, -span.end


def _best_window(matches: list[tuple[int, int]]) -> int:
    """Where the first window of ``WINDOW`` words with the most distinct terms starts, from the
    (word index, term) of each match; 0 without matches. One pass: the window's end moves on
    as its start does."""
    best, best_count = 0, 0
    in_window: Counter[int] = Counter()
    end = 0
    for position, term in matches:
        while end < len(matches) and matches[end][0] < position + WINDOW:
            in_window[matches[end][1]] += 1
            end += 1
        if len(in_window) > best_count:
            best, best_count = position, len(in_window)
        in_window[term] -= 1
        if not in_window[term]:
            del in_window[term]
    return best
