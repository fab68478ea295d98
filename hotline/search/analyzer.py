"""The one analyzer: the same words go into the index and into every query.

Text is normalised (NFKC, case folding, ``aa`` -> ``å``), stop words dropped, and each word
stemmed with the Snowball stemmer of the locale's language. Queries also get the editors'
synonyms, prefix matching for long words (Danish compounds: "parkering" finds
"parkeringstilladelse") and the joined form of two adjacent words ("nem konto" -> "nemkonto").
"""

import itertools
import re
import unicodedata
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import snowballstemmer
from stop_words import get_stop_words

# Letters and digits; underscores and punctuation separate words (as in FTS5 and PostgreSQL).
WORD = re.compile(r"[^\W_]+")
# Digit groups written apart ("89 40 20 00", "1.234") are also indexed joined ("89402000").
DIGIT_RUN = re.compile(r"(?<![^\W_])\d+(?:[ .\-\u00a0]\d+)+(?![^\W_])")
# A query word this long (after stemming) also matches longer words it begins: "kort" is too
# short to mean anything specific, "sundhedskort" is not.
MIN_PREFIX = 5
MAX_WORD = 60
_HAS_DIGIT = re.compile(r"\d")
CACHE_SIZE = 500_000

_LANGUAGES = {"da": "danish", "sv": "swedish", "no": "norwegian", "nb": "norwegian"}


def language_of(locale: str) -> str:
    """``da``, ``da-DK``, ``sv_SE``, ``nb`` ... -> the Snowball language; Danish by default."""
    code = re.split(r"[-_]", locale.lower(), maxsplit=1)[0]
    return _LANGUAGES.get("no" if code == "nn" else code, "danish")


def normalise(text: str) -> str:
    """Unicode NFKC and case folding; the old spelling ``aa`` is the letter ``å``."""
    return unicodedata.normalize("NFKC", text).casefold().replace("aa", "å")


class Span(NamedTuple):
    """A word of a text: where it is (for snippets) and what it is indexed as. A tuple: a
    snippet makes hundreds of them per article, at a third of a dataclass's cost."""

    start: int
    end: int
    word: str
    stem: str


@dataclass(frozen=True)
class Alternative:
    stem: str
    prefix: bool

    def matches(self, stem: str) -> bool:
        return stem.startswith(self.stem) if self.prefix else stem == self.stem


@dataclass(frozen=True)
class QueryTerm:
    """One thing the agent typed: matched by any of its alternatives (stem, synonyms)."""

    word: str
    alternatives: tuple[Alternative, ...]
    joined: bool = False  # two typed words read as one compound; never "misspelt"

    def matches(self, stem: str) -> bool:
        return any(alternative.matches(stem) for alternative in self.alternatives)


class Analyzer:
    def __init__(self, language: str, synonym_groups: list[list[str]]) -> None:
        self.language = language
        self._stemmer = snowballstemmer.stemmer(language)
        self._stems: dict[str, str] = {}
        self._words: dict[str, tuple[tuple[str, str], ...]] = {}
        self.stop_words = frozenset(normalise(word) for word in get_stop_words(language))
        self._synonyms: dict[str, frozenset[str]] = {}
        for group in synonym_groups:
            stems = frozenset(stem for member in group if (stem := self._single_stem(member)))
            for stem in stems:
                self._synonyms[stem] = self._synonyms.get(stem, frozenset()) | stems
        # Only words of texts and queries from here on (``stemmed_since``: the vocabulary).
        self._stems.clear()
        self._words.clear()
        self._indexed: dict[str, str] = {}  # word -> stem, "" for a stop word

    def _single_stem(self, text: str) -> str | None:
        spans = list(self.spans(text))
        return spans[0].stem if len(spans) == 1 else None

    def stem(self, word: str) -> str:
        """Stem of a normalised word; cached, the vocabulary is small next to the text."""
        stem = self._stems.get(word)
        if stem is None:
            # Twice: Danish inflections stem unevenly ("genbrugspladsen" -> "genbrugsplads",
            # "genbrugsplads" -> "genbrugsplad"); a second pass brings them together.
            stem = word if word.isdigit() else self._stemmer.stemWord(self._stemmer.stemWord(word))
            if len(self._stems) < CACHE_SIZE:
                self._stems[word] = stem
        return stem

    def stemmed_since(self, count: int) -> list[tuple[str, str]]:
        """(word, stem) of the words stemmed after the first ``count``, in the order they were
        first met: an analyzer used only for indexing knows the indexed vocabulary this way."""
        return list(itertools.islice(self._stems.items(), count, None))

    @property
    def stemmed(self) -> int:
        return len(self._stems)

    def _analyse(self, raw: str) -> tuple[tuple[str, str], ...]:
        """(word, stem) pairs of one word as written (none for a stop word); cached, as words
        repeat."""
        pairs = self._words.get(raw)
        if pairs is None:
            pairs = tuple(
                (word, self.stem(word))
                for word in (w[:MAX_WORD] for w in WORD.findall(normalise(raw)))
                if word not in self.stop_words
            )
            if len(self._words) < CACHE_SIZE:
                self._words[raw] = pairs
        return pairs

    def _digit_runs(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        for match in DIGIT_RUN.finditer(text):
            groups = re.split(r"\D+", normalise(match.group()))
            # "+45 89 40 20 00" is also found as "89402000": the country code is often left out.
            forms = {"".join(groups), "".join(groups[1:]) if len(groups) > 2 else ""} - {""}
            for joined in sorted(forms):
                yield match, joined[:MAX_WORD]

    def spans(self, text: str) -> list[Span]:
        """Every indexed word of ``text`` with its place in ``text``, stop words left out; the
        joined digit runs come last."""
        analyse = self._analyse
        spans = [
            Span(match.start(), match.end(), word, stem)
            for match in WORD.finditer(text)
            for word, stem in analyse(match.group())
        ]
        spans += (Span(m.start(), m.end(), joined, joined) for m, joined in self._digit_runs(text))
        return spans

    def analyse(self, text: str) -> list[tuple[str, str]]:
        """(word, stem) of every indexed word: ``spans`` without positions, for indexing."""
        # The whole text normalised at once (one C call), not word by word: indexing reads
        # millions of words. Normalising never joins or splits words, so the pairs are the same.
        stems, stem, stop_words = self._stems, self.stem, self.stop_words
        pairs = [
            (word, stems.get(word) or stem(word))
            for word in (w[:MAX_WORD] for w in WORD.findall(normalise(text)))
            if word not in stop_words
        ]
        pairs += [(joined, joined) for _match, joined in self._digit_runs(text)]
        return pairs

    def index_text(self, text: str) -> str:
        """What the index stores: the stems, space separated. The indexing path: each distinct
        word is stemmed once for the life of the analyzer, then a text costs a few C calls."""
        words = WORD.findall(normalise(text))
        lookup: Mapping[str, str] = self._indexed
        if missing := set(words).difference(lookup):
            found = {w: "" if w in self.stop_words else self.stem(w[:MAX_WORD]) for w in missing}
            if len(self._indexed) < CACHE_SIZE:
                self._indexed.update(found)
            else:
                lookup = ChainMap(found, self._indexed)
        out = " ".join(filter(None, map(lookup.__getitem__, words)))
        if _HAS_DIGIT.search(text):
            joined = " ".join(joined for _match, joined in self._digit_runs(text))
            if joined:
                out = f"{out} {joined}" if out else joined
        return out

    def _alternative(self, stem: str) -> Alternative:
        return Alternative(stem, prefix=len(stem) >= MIN_PREFIX and not stem.isdigit())

    def query_terms(self, query: str) -> list[QueryTerm]:
        spans = list(self.spans(query))
        terms = []
        for span in spans:
            stems = self._synonyms.get(span.stem, frozenset()) | {span.stem}
            alternatives = tuple(self._alternative(stem) for stem in sorted(stems))
            terms.append(QueryTerm(span.word, alternatives))
        # "nem konto" means "nemkonto", "parkerings tilladelse" "parkeringstilladelse".
        words = [span for span in spans if not span.word.isdigit()]
        for first, second in itertools.pairwise(words):
            if second.start > first.end:
                joined = first.word + second.word
                alternative = self._alternative(self.stem(joined))
                terms.append(QueryTerm(joined, (alternative,), joined=True))
        return terms


def read_synonyms(path: Path) -> list[list[str]]:
    """``knowledge_base/synonyms.txt``: one group of equivalent words per line, comma separated."""
    if not path.exists():
        return []
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        members = [member.strip() for member in line.split(",") if member.strip()]
        if len(members) > 1:
            groups.append(members)
    return groups


@cache
def analyzer_for(locale: str, synonyms_path: Path) -> Analyzer:
    """One analyzer per language and synonyms file for the life of the process."""
    return Analyzer(language_of(locale), read_synonyms(synonyms_path))
