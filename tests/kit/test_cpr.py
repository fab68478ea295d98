"""The one CPR guard: every spelling people and paste buffers produce, and none of the
ordinary numbers agents write."""

import pytest

from hotline.kit.cpr import (
    CprNumberInReply,
    CprNumberInText,
    contains_cpr_number,
    danish_cpr_message,
    normalise_for_cpr,
    refuse_cpr_numbers,
)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")

MUST_BE_REFUSED = [
    "010190-1235",
    "0101901235",
    "010190 1235",
    "Dit CPR-nummer er 010190-1235.",
    "010190\u200b-1235",  # zero-width space
    "0101\u200b901235",  # zero-width space inside the date
    "010190\u200d1235",  # zero-width joiner
    "010190\u20601235",  # word joiner
    "\ufeff010190\ufeff-1235",  # byte order marks
    "0101\u00ad90-1235",  # soft hyphen
    "010190\u200e-1235",  # left-to-right mark
    "010190\u200f-\u202a1235\u202c",  # right-to-left mark and embedding
    "01.01.90-1235",
    "01.01.90 - 1235",
    "010190-\n1235",
    "010190-\r\n1235",
    "010190 - 1235",
    "010190\t1235",
    "010190_1235",
    "010190/1235",
    "010190.1235",
    "01/01/90-1235",
    "01-01-90-1235",
    "01-01-90 1235",
    "01.01.1990-1235",
    "01/01/1990 1235",
    "01-01-1990-1235",
    "0 1 0 1 9 0 1 2 3 5",
    "0 1 0 1 9 0 - 1 2 3 5",
    "01 01 90 12 35",
    "0101901235".translate(ARABIC_INDIC),
    "010190-1235".translate(EXTENDED_ARABIC_INDIC),
    "010190-1235".translate(DEVANAGARI),
    "０１０１９０－１２３５",  # full-width digits and hyphen
    "010190–1235",  # en dash
    "010190—1235",  # em dash
    "010190\u22121235",  # minus sign
    "010190\u00a01235",  # no-break space
    "**010190**-**1235**",  # Markdown emphasis
    "| 010190 | 1235 |",  # a Markdown table
    "cpr: 290200-4123",  # 29 February 2000
    "310858-5123",  # 7th digit 5 and year 58: born 1858
    "borger 010190.1235@example.dk",  # the local part of an address
    "(010190) 1235",
    "010190--1235",
    "010190 -\u200b\n 1235",
    "Jens, 010190-1235, ringede",
    "tlf. 12 010190-1235",  # a CPR number after another number still counts
]

MUST_PASS = [
    "Ring på 70 20 00 00.",
    "Ring på +45 89 40 22 22.",
    "Ring på +4589402222 eller 89402222.",
    "Prisen er 1.600,00 kr.",
    "Det koster kr. 1.234.567,89 i alt.",
    "Mødet er 01.01.2027 kl. 10.00.",
    "Mødet er 01.01.2027 10.00.",
    "Åbent 01-01-2027 10:00-14:00.",
    "Perioden 01.01.27-10.01.27.",
    "Sagsnummer 3213456789",  # 32nd day
    "Ordrenummer 0113901234",  # 13th month
    "290200-1234",  # 29 February 1900 did not exist (7th digit 1: 1900s)
    "Konto 12345678901",  # eleven digits
    "Reg.nr. 1234 kontonr. 0001234567",
    "Postnummer 8000 Aarhus C, tlf. 70 10 12 34",
    "CVR 29189846",
    "EAN 5798000123456",
    "Sag 2024-012345",
    "Sag 2027/0101/1234",
    "Faktura 123456-7890",
    "Telefontid 8-16, uge 1-52, 2027.",
    "01.01.2027 og 02.01.2027",
    "Vi svarer inden 14 dage, senest 15.01.2027.",
    "Kvittering nr. 20270101 1200",
]


@pytest.mark.parametrize("text", MUST_BE_REFUSED)
def test_every_spelling_of_a_cpr_number_is_found(text: str) -> None:
    assert contains_cpr_number(text)


@pytest.mark.parametrize("text", MUST_PASS)
def test_ordinary_numbers_agents_write_pass(text: str) -> None:
    assert not contains_cpr_number(text)


def test_the_lists_are_long_enough_to_guard_the_guard() -> None:
    assert len(MUST_BE_REFUSED) >= 40
    assert len(MUST_PASS) >= 20


def test_normalising_removes_invisible_characters_and_maps_digits() -> None:
    assert normalise_for_cpr("0\u200b1\u00ad٢\ufeff３") == "0123"


def test_refusing_names_the_problem_the_caller_asks_for() -> None:
    with pytest.raises(CprNumberInReply):
        refuse_cpr_numbers(None, "ok", "010190-1235", problem=CprNumberInReply)
    with pytest.raises(CprNumberInText) as raised:  # unnamed, a text is not called a reply
        refuse_cpr_numbers("010190-1235")
    assert raised.type is CprNumberInText
    assert "Digital Post" in raised.value.detail
    refuse_cpr_numbers(None, "", "Ring 70 20 00 00")


def _cpr_problems() -> list[type[CprNumberInText]]:
    import hotline.app  # noqa: F401 - every domain's CPR problem is defined once it is imported

    found, pending = [], [CprNumberInText]
    while pending:
        problem = pending.pop()
        found.append(problem)
        pending.extend(problem.__subclasses__())
    return found


def test_each_cpr_problem_names_its_own_text_in_danish_and_english() -> None:
    problems = _cpr_problems()
    assert len(problems) > 5
    assert len({problem.slug for problem in problems}) == len(problems)
    assert len({problem.danish for problem in problems}) == len(problems)
    assert len({problem.english for problem in problems}) == len(problems)
    for problem in problems:
        assert problem.status == 422
        assert danish_cpr_message(problem.slug) == problem.danish
        assert problem().detail == f"{problem.danish} / {problem.english}"
    assert danish_cpr_message("not-found") is None
