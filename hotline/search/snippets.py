"""The few words around the matches, from the text as the municipality reads it.

Nothing is analysed per hit: the query's matching surface words (from the index's vocabulary:
every word it holds and its stem) and its prefixes are looked for in each hit's text with
``str.find``. The window is the stretch of ``WINDOW_CHARS`` characters holding the most
distinct query terms.
"""

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from hotline.knowledge.resolve import (
    Placeholder,
    interleaved,
    shown_with_values,
    split_at_placeholders,
)
from hotline.search.analyzer import WORD, Analyzer, QueryTerm

WINDOW = 28  # words in a snippet
WINDOW_CHARS = 180  # where the most distinct terms are looked for (about WINDOW words)
LEAD_IN = 3  # words shown before the first match
_LEAD_IN_CHARS = 80  # where they are looked for
_DIGIT_GAP = r"[ .\-\u00a0]?"
# A word as the analyzer reads one (``WORD``), and what lies between two words.
_LETTER = WORD.pattern.removesuffix("+")
_BETWEEN = r"[\W_]"
# Up to LEAD_IN words from the start, whole (possessive: a word is never split).
_FIRST_WORDS = re.compile(rf"(?:{_BETWEEN}*+{_LETTER}++){{1,{LEAD_IN}}}")
# The first WINDOW words from where a snippet begins (possessive: a word is never split).
_WINDOW_WORDS = re.compile(rf"{_BETWEEN}*+{_LETTER}++(?:{_BETWEEN}++{_LETTER}++){{{WINDOW - 1}}}")

_ESCAPED = re.compile(r"[&<>\"']")  # what html.escape replaces
_NOT_SPACE = re.compile(r"\S")  # what ``str.strip`` keeps
Matches = list[tuple[int, int, int]]  # (start, end, term) in text order

# Markdown markup a snippet leaves out: images and links keep their text, emphasis, code,
# headings, quotes, list markers and table rules go.
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_OPENING = r"\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)"
_LINE_MARKUP = re.compile("^" + _LINE_OPENING, re.MULTILINE)
_LINE_MARKUP_HERE = re.compile(_LINE_OPENING)
_LINE_MARKUP_AFTER_NEWLINE = re.compile("\n" + _LINE_OPENING)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+)(?=\S)(.+?)(?<=\S)\1")


def text_of(markdown: str) -> str:
    """The words of Markdown without its markup (``plain_text`` keeps them per text)."""
    text = _IMAGE_OR_LINK.sub(r"\1", markdown) if "](" in markdown else markdown
    if "|" in text:
        text = _TABLE_RULE.sub("", text).replace("|", " ")
    if _opens_a_line(text):
        text = _LINE_MARKUP.sub("", text)
    if "*" in text or "_" in text or "`" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return text


# Characters of private use stand for a text's placeholders while its markup is taken out
# (``plain_text``): no markup pattern reads them. One character for all of them
# (``_STAND_IN``), where the text does not hold that one itself and the markup takes none away
# (a placeholder in a link's address goes with the address); else one character each, which
# the two planes have for more placeholders than a body of ``MAX_BODY_CHARS`` can hold.
_PRIVATE_USE = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))
_STAND_IN = chr(_PRIVATE_USE[0].start)
_AT_PRIVATE_USE = re.compile(
    "([" + "".join(f"{chr(codes.start)}-{chr(codes.stop - 1)}" for codes in _PRIVATE_USE) + "])"
)
PLAIN_TEXTS_KEPT = 8_192  # ~1.5 KB each at the scale benchmark's article size


@dataclass(frozen=True, slots=True)
class PlainText:
    """A text's words without its markup (``text_of``), its fact placeholders left open: made
    once per text, filled with each municipality's values as a snippet needs it. A value is
    put in as written, after the markup is gone: a value is data, never markup."""

    pieces: tuple[str | Placeholder, ...]

    def filled(self, values: Mapping[str, str], gaps: Mapping[str, str]) -> str:
        return shown_with_values(self.pieces, values, gaps)


@lru_cache(maxsize=PLAIN_TEXTS_KEPT)
def plain_text(markdown: str) -> PlainText:
    """``text_of`` the Markdown, its placeholders standing in as characters of private use
    while the markup is taken out. Kept by the text alone: the shared texts, which most hits
    show, are made plain once for every municipality (at 5,000 articles and 98
    municipalities, a text filled first and made plain after cost ~28 us per hit)."""
    pieces, placeholders = split_at_placeholders(markdown)
    if not placeholders:
        return PlainText((text_of(markdown),))
    if _STAND_IN not in markdown:
        plain = text_of(_STAND_IN.join(pieces)).split(_STAND_IN)
        if len(plain) == len(pieces):  # none taken away: each stands where it stood
            return PlainText(tuple(interleaved(plain, placeholders)))
    return _plain_text_told_apart(pieces, placeholders, set(_AT_PRIVATE_USE.findall(markdown)))


def _plain_text_told_apart(
    pieces: list[str], placeholders: list[Placeholder], taken: set[str]
) -> PlainText:
    """``plain_text`` with a character of its own for each placeholder, none of ``taken``
    (those the text holds itself): where the markup takes some away, the others are still
    known."""
    stand_ins = (chr(code) for code in chain(*_PRIVATE_USE))
    of_stand_in = dict(zip((c for c in stand_ins if c not in taken), placeholders, strict=False))
    marked = iter(pieces[1:])
    text = text_of(pieces[0] + "".join(char + next(marked) for char in of_stand_in))
    plain: list[str | Placeholder] = []
    for piece in _AT_PRIVATE_USE.split(text):
        placeholder = of_stand_in.get(piece)
        if placeholder is not None:
            plain.append(placeholder)
        elif plain and isinstance(plain[-1], str):
            plain[-1] += piece
        elif piece:
            plain.append(piece)
    return PlainText(tuple(plain))


def _opens_a_line(text: str) -> bool:
    """Whether markup opens any line (where ``^`` matches: at the start and after a newline).
    The multi-line pattern is tried at every character; a pattern that begins with the newline
    itself is found by a fast scan for it (a text of 2,600 characters: 16 us -> 2 us)."""
    return bool(_LINE_MARKUP_HERE.match(text) or _LINE_MARKUP_AFTER_NEWLINE.search(text))


# Each Latin-1 character's lower case, one Latin-1 character too (as ``str.lower`` gives it).
_LATIN_1_LOWER = bytes(ord(chr(code).lower()) for code in range(256))


def lowered(text: str) -> str:
    """The text in lower case, where the query's words are looked for; the text itself if a
    letter's lower case is longer (the places found must be the text's).

    Text that is all Latin-1 (Danish without typographic dashes) is lowered through a byte
    table, 2,700 characters in 2 us; ``str.lower`` looks up each letter's Unicode case (10 us).
    Other text fails to encode at its first other character, and is lowered as Unicode."""
    try:
        return text.encode("latin-1").translate(_LATIN_1_LOWER).decode("latin-1")
    except UnicodeEncodeError:
        low = text.lower()
        return low if len(low) == len(text) else text


def _digits_pattern(digits: str) -> str:
    """A number as written in groups ("89 40 20 00", "89.40.20.00") or joined."""
    return _DIGIT_GAP.join(digits)


@lru_cache(maxsize=4096)
def _numbers_pattern(numbers: tuple[str, ...]) -> re.Pattern[str]:
    """Numbers as written in groups ("89 40 20 00") or joined, up to a word's end. Where one
    begins a word is checked apart (``_numbers_in``): a pattern that opens with a look-behind
    is tried at every character (60 us a text at 5,000 articles), one that opens with the
    numbers' digits jumps from digit to digit (14 us)."""
    alternatives = "|".join(_digits_pattern(n) for n in sorted(numbers, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?![\d\w])")


def _numbers_in(text: str, numbers: tuple[str, ...]) -> Iterator[re.Match[str]]:
    """Each place where one of the numbers is a whole word, in text order; as ``finditer``
    with a look-behind for a word character before: a place that has one is passed over by
    one character, so a number starting inside it is still found."""
    pattern = _numbers_pattern(numbers)
    at = 0
    while (match := pattern.search(text, at)) is not None:
        start = match.start()
        before = text[start - 1] if start else " "
        if before.isalnum() or before == "_":
            at = start + 1
            continue
        yield match
        at = match.end()


def _without_covered(needles: set[tuple[str, int, bool]]) -> list[tuple[str, int, bool]]:
    """The needles, sorted, without the whole words that a prefix of the same term finds: a
    prefix matches from a word's start to its end, so where the whole word stands the prefix
    finds the same (start, end, term). A prefix term's own stem and its indexed words are both
    needles ("glemt" as a prefix and as a word, "flytte" beside "flyt"): each looked for once
    costs about a microsecond a text."""
    prefixes = [(needle, term) for needle, term, prefix in needles if prefix]
    return sorted(
        (needle, term, prefix)
        for needle, term, prefix in needles
        if prefix or not any(t == term and needle.startswith(p) for p, t in prefixes)
    )


def _spellings(word: str) -> set[str]:
    """A normalised word as it may be written in lower case: ``å`` also as ``aa``."""
    return {word, word.replace("å", "aa")}


class Snippets:
    """Snippets for one query's page. ``needles`` are (lower-case text, term, is a prefix):
    the surface words that match each term, and its prefixes (the start of a compound); the
    text is searched for each with ``str.find``, in C, never word by word."""

    def __init__(
        self, needles: Iterable[tuple[str, int, bool]], numbers: Iterable[tuple[str, int]]
    ) -> None:
        self._needles = _without_covered(set(needles))
        self._numbers = dict(numbers)
        self._number_keys = tuple(sorted(self._numbers))  # the key of their pattern's cache
        self._terms = len({term for _, term, _ in self._needles} | set(self._numbers.values()))

    @classmethod
    def for_query(
        cls, terms: list[QueryTerm], words_of: Callable[[str], Iterable[str]]
    ) -> "Snippets":
        """From the index's vocabulary: the surface words of each term's stems."""
        needles: set[tuple[str, int, bool]] = set()
        numbers: dict[str, int] = {}
        for i, term in enumerate(terms):
            for alternative in term.alternatives:
                if alternative.stem.isdigit():
                    numbers.setdefault(alternative.stem, i)
                    continue
                words = {alternative.stem} if alternative.prefix else {*words_of(alternative.stem)}
                if not alternative.prefix and alternative.stem == term.word:
                    words.add(term.word)
                for word in words:
                    needles.update(
                        (spelling, i, alternative.prefix) for spelling in _spellings(word)
                    )
            if not term.joined and not term.word.isdigit():
                needles.update((spelling, i, False) for spelling in _spellings(term.word))
        return cls(needles, numbers.items())

    @classmethod
    def for_text(cls, analyzer: Analyzer, terms: list[QueryTerm], text: str) -> "Snippets":
        """Without an index: the words of ``text`` that match (for tests and previews)."""
        needles: set[tuple[str, int, bool]] = set()
        numbers: dict[str, int] = {}
        for word, stem in analyzer.analyse(text):
            for i, term in enumerate(terms):
                if term.matches(stem):
                    if word.isdigit():
                        numbers.setdefault(word, i)
                    else:
                        needles.update((spelling, i, False) for spelling in _spellings(word))
                    break
        return cls(needles, numbers.items())

    def _matches(self, text: str, low: str, begin: int = 0, stop: int | None = None) -> Matches:
        """(start, end, term) of every match that starts in ``begin..stop``, in text order;
        where two overlap, the first (the longer, of two starting together) stays. A word
        matches whole (or from its start, for a prefix), so two matches that overlap start
        together, and a stretch of the text holds the matches the whole text holds there."""
        stop = len(low) if stop is None else stop
        found = []
        for needle, term, prefix in self._needles:
            # Not past ``stop``: a window's needles are not looked for in the rest of the text.
            limit = stop + len(needle)
            at = low.find(needle, begin, limit)
            while at != -1 and at < stop:
                end = at + len(needle)
                if at == 0 or not low[at - 1].isalnum():
                    if prefix:
                        while end < len(low) and low[end].isalnum():
                            end += 1
                        found.append((at, -end, term))
                    elif end == len(low) or not low[end].isalnum():
                        found.append((at, -end, term))
                at = low.find(needle, end, limit)
        for match, number_term in self._number_matches(text):
            if match.start() >= stop:
                break
            if match.start() >= begin:
                found.append((match.start(), -match.end(), number_term))
        matches: Matches = []
        for start, negative_end, term in sorted(found):
            if not matches or start >= matches[-1][1]:
                matches.append((start, -negative_end, term))
        return matches

    def _number_matches(self, text: str) -> Iterator[tuple[re.Match[str], int]]:
        """The searched numbers in the text (from its start: digit groups are read whole)."""
        if not self._numbers:
            return
        for match in _numbers_in(text, self._number_keys):
            number_term = self._numbers.get(re.sub(r"\D", "", match.group()))
            if number_term is not None:
                yield match, number_term

    def _first_match(self, text: str, low: str) -> int | None:
        """Where the first match begins. With one term, the window with the most distinct
        terms is the one the first match opens: only the first place of each word is looked
        for, not every place in the text."""
        first: int | None = None
        for needle, _term, prefix in self._needles:
            at = low.find(needle)
            while at != -1 and (first is None or at < first):
                end = at + len(needle)
                if (at == 0 or not low[at - 1].isalnum()) and (
                    prefix or end == len(low) or not low[end].isalnum()
                ):
                    first = at
                    break
                at = low.find(needle, at + 1)
        for match, _number_term in self._number_matches(text):
            if first is None or match.start() < first:
                first = match.start()
            break
        return first

    def of(self, text: str) -> str:
        """About ``WINDOW`` words around the most distinct matches, HTML-escaped, matches in
        ``<mark>``. Without a match the text opens the snippet."""
        low = lowered(text)
        everywhere: Matches | None = None
        if self._terms > 1:
            everywhere = self._matches(text, low)
            start = _lead_in(text, _best_window(everywhere)) if everywhere else 0
        else:
            first = self._first_match(text, low)
            start = 0 if first is None else _lead_in(text, first)
        window = _WINDOW_WORDS.match(text, start)
        end = window.end() if window else len(text)
        if everywhere is None:
            shown = self._matches(text, low, start, end)
        else:
            shown = [match for match in everywhere if start <= match[0] < end]
        # Most windows hold nothing to escape: html.escape is five replacements a piece.
        escape = html.escape if _ESCAPED.search(text, start, end) else str
        out, position = [], start
        for match_start, match_end, _term in shown:
            if match_end > end:
                continue
            out.append(escape(text[position:match_start]))
            out.append(f"<mark>{escape(text[match_start:match_end])}</mark>")
            position = match_end
        out.append(escape(text[position:end]))
        prefix = "… " if start > 0 else ""
        suffix = " …" if _NOT_SPACE.search(text, end) else ""
        return prefix + " ".join("".join(out).split()) + suffix


def _lead_in(text: str, position: int) -> int:
    """Where the ``LEAD_IN`` words before ``position`` begin (of the words in the 80
    characters before it: as many as there are). Read backwards, the words are the first
    ones: one match, instead of finding every word of the stretch from its start."""
    backwards = text[max(0, position - _LEAD_IN_CHARS) : position][::-1]
    words = _FIRST_WORDS.match(backwards)
    return position - words.end() if words else position


def _best_window(matches: list[tuple[int, int, int]]) -> int:
    """Where the first stretch of ``WINDOW_CHARS`` with the most distinct terms begins, from
    (start, end, term) of each match in text order. One pass: the end moves on as the start
    does; it stops at the first stretch holding every term found."""
    terms = [term for _, _, term in matches]
    everything = len(set(terms))
    in_window = [0] * (max(terms) + 1)  # matches of each term in the stretch
    best, best_count, distinct, end = matches[0][0], 0, 0, 0
    for start, _stop, term in matches:
        while end < len(matches) and matches[end][0] < start + WINDOW_CHARS:
            distinct += not in_window[terms[end]]
            in_window[terms[end]] += 1
            end += 1
        if distinct > best_count:
            best, best_count = start, distinct
            if distinct == everything:
                break
        in_window[term] -= 1
        distinct -= not in_window[term]
    return best
