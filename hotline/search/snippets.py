"""The few words around the matches, from the text as the municipality reads it.

Nothing is analysed per hit: the query's matching surface words (from the index's vocabulary:
every word it holds and its stem) become one regular expression, compiled once per query, and
each hit's text is scanned by it in C. The window is the stretch of ``WINDOW_CHARS`` characters
holding the most distinct query terms.
"""

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from hotline.search.analyzer import WORD, Analyzer, QueryTerm

WINDOW = 28  # words in a snippet
WINDOW_CHARS = 180  # where the most distinct terms are looked for (about WINDOW words)
LEAD_IN = 3  # words shown before the first match
TEXTS_CACHED = 4096
_LETTER = r"[^\W_]"
_DIGIT_GAP = r"[ .\-\u00a0]?"

# Markdown markup a snippet leaves out: images and links keep their text, emphasis, code,
# headings, quotes, list markers and table rules go.
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARKUP = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+)(?=\S)(.+?)(?<=\S)\1")


@lru_cache(maxsize=TEXTS_CACHED)
def text_of(markdown: str) -> str:
    """The words of resolved Markdown without its markup; cached by content."""
    text = _IMAGE_OR_LINK.sub(r"\1", markdown) if "](" in markdown else markdown
    if "|" in text:
        text = _TABLE_RULE.sub("", text).replace("|", " ")
    text = _LINE_MARKUP.sub("", text)
    if "*" in text or "_" in text or "`" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return text


def _word_pattern(word: str) -> str:
    """A normalised word as it may be written: any case (the flag), ``å`` also as ``aa``."""
    return "".join("(?:å|aa)" if char == "å" else re.escape(char) for char in word)


def _digits_pattern(digits: str) -> str:
    """A number as written in groups ("89 40 20 00", "89.40.20.00") or joined."""
    return _DIGIT_GAP.join(digits)


@lru_cache(maxsize=20_000)
def _pattern(words: tuple[str, ...], numbers: tuple[str, ...]) -> re.Pattern[str]:
    """One term's surface words (and numbers) found anywhere in a text, as whole words.
    Cached: common words come back query after query, and compiling is the dear part."""
    alternatives = [_digits_pattern(n) for n in sorted(numbers, key=len, reverse=True)]
    alternatives += [_word_pattern(w) for w in sorted(words, key=len, reverse=True)]
    return re.compile(rf"(?<!{_LETTER})(?:{'|'.join(alternatives)})(?!{_LETTER})", re.IGNORECASE)


class Snippets:
    """Snippets for one query's page: ``words[i]`` are the surface words (normalised) and
    ``numbers[i]`` the digit strings matching the query's i-th term."""

    def __init__(self, words: list[Iterable[str]], numbers: list[Iterable[str]]) -> None:
        self._patterns = [
            (i, _pattern(tuple(sorted(w)), tuple(sorted(n))))
            for i, (w, n) in enumerate(zip(words, numbers, strict=True))
            if w or n
        ]

    @classmethod
    def for_query(
        cls,
        terms: list[QueryTerm],
        stems_per_term: list[list[str]],
        words_of: Callable[[str], Iterable[str]],
    ) -> "Snippets":
        """From the index's vocabulary: the surface words of each term's indexed stems."""
        words = [{w for stem in stems for w in words_of(stem)} for stems in stems_per_term]
        numbers = [
            {stem for stem in stems if stem.isdigit()}
            | {a.stem for a in term.alternatives if a.stem.isdigit()}
            for term, stems in zip(terms, stems_per_term, strict=True)
        ]
        return cls(list(words), list(numbers))

    @classmethod
    def for_text(cls, analyzer: Analyzer, terms: list[QueryTerm], text: str) -> "Snippets":
        """Without an index: the words of ``text`` that match (for tests and previews)."""
        words: list[set[str]] = [set() for _ in terms]
        numbers: list[set[str]] = [set() for _ in terms]
        for word, stem in analyzer.analyse(text):
            for i, term in enumerate(terms):
                if term.matches(stem):
                    (numbers if word.isdigit() else words)[i].add(word)
                    break
        return cls(list(words), list(numbers))

    def _matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, term) of every match in text order; where two overlap, the first
        (the longer, of two starting together) stays."""
        found = sorted(
            (match.start(), -match.end(), i)
            for i, pattern in self._patterns
            for match in pattern.finditer(text)
        )
        matches: list[tuple[int, int, int]] = []
        for start, negative_end, term in found:
            if not matches or start >= matches[-1][1]:
                matches.append((start, -negative_end, term))
        return matches

    def of(self, text: str) -> str:
        """About ``WINDOW`` words around the most distinct matches, HTML-escaped, matches in
        ``<mark>``. Without a match the text opens the snippet."""
        matches = self._matches(text)
        start = _lead_in(text, _best_window(matches)) if matches else 0
        end = len(text)
        for count, word in enumerate(WORD.finditer(text, start), start=1):
            if count == WINDOW:
                end = word.end()
                break
        out, position = [], start
        for match_start, match_end, _term in matches:
            if match_start < position or match_end > end:
                continue
            out.append(html.escape(text[position:match_start]))
            out.append(f"<mark>{html.escape(text[match_start:match_end])}</mark>")
            position = match_end
        out.append(html.escape(text[position:end]))
        prefix = "… " if start > 0 else ""
        suffix = " …" if text[end:].strip() else ""
        return prefix + " ".join("".join(out).split()) + suffix


def _lead_in(text: str, position: int) -> int:
    """A few words before ``position``, from the start of a word."""
    starts = [m.start() for m in WORD.finditer(text, max(0, position - 80), position)]
    return starts[-LEAD_IN] if len(starts) >= LEAD_IN else (starts[0] if starts else position)


def _best_window(matches: list[tuple[int, int, int]]) -> int:
    """Where the first stretch of ``WINDOW_CHARS`` with the most distinct terms begins, from
    (start, end, term) of each match in text order. One pass: the end moves on as the start
    does."""
    best, best_count = matches[0][0], 0
    in_window: Counter[int] = Counter()
    end = 0
    for start, _stop, term in matches:
        while end < len(matches) and matches[end][0] < start + WINDOW_CHARS:
            in_window[matches[end][2]] += 1
            end += 1
        if len(in_window) > best_count:
            best, best_count = start, len(in_window)
        in_window[term] -= 1
        if not in_window[term]:
            del in_window[term]
    return best
