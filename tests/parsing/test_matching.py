import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.parsing.matching import (
    Candidate,
    MatchKind,
    Quality,
    damerau_levenshtein,
    match,
    match_leading,
    normalize,
)

PROJECTS = [
    Candidate(1, "Website", client="Acme Corp", code="ACM-01"),
    Candidate(2, "Mobile App", client="Acme Corp", code="ACM-02"),
    Candidate(3, "Café Rebrand", client="Bistro"),
    Candidate(4, "Internal"),
    Candidate(5, "Internal", client="Bistro"),
]
TASKS = [
    Candidate("design", "Design"),
    Candidate("review", "Design Review"),
    Candidate("dev", "Development"),
    Candidate("pm", "Project Management"),
]


@pytest.mark.parametrize(
    ("query", "value", "quality"),
    [
        ("Website", 1, Quality.EXACT),
        ("acme corp website", 1, Quality.EXACT),
        ("website acme corp", 1, Quality.EXACT),
        ("acm-01", 1, Quality.EXACT),
        ("ACM01", 1, Quality.EXACT),
        ("mob", 2, Quality.PREFIX),
        ("CAFE", 3, Quality.PREFIX),
        ("café reb", 3, Quality.PREFIX),
        ("app acme", 2, Quality.TOKENS),
        ("bistro cafe", 3, Quality.PREFIX),
        ("rebrand bistro", 3, Quality.TOKENS),
        ("site", 1, Quality.SUBSTRING),
        ("websiet", 1, Quality.FUZZY),
        ("moblie", 2, Quality.FUZZY),
        ("rebrnad", 3, Quality.FUZZY),
    ],
)
def test_one_project_is_meant(query: str, value: int, quality: Quality) -> None:
    found = match(query, PROJECTS)
    assert found.kind is MatchKind.UNIQUE
    assert found.best is not None and found.best.value == value
    assert found.quality is quality


def test_several_equally_good_candidates_are_ambiguous() -> None:
    found = match("acme", PROJECTS)
    assert found.kind is MatchKind.AMBIGUOUS
    assert found.best is None
    assert [c.value for c in found.tied] == [2, 1]  # ordered by name for the picker


def test_the_same_name_under_two_clients_is_ambiguous_until_the_client_is_said() -> (
    None
):
    assert match("internal", PROJECTS).kind is MatchKind.AMBIGUOUS
    found = match("bistro internal", PROJECTS)
    assert found.best is not None and found.best.value == 5


def test_a_better_kind_of_match_wins_over_a_worse_one() -> None:
    found = match("design", TASKS)
    assert found.best is not None and found.best.value == "design"
    assert [s.candidate.value for s in found.ranked] == ["design", "review"]


def test_nothing_matches() -> None:
    assert match("zzz", PROJECTS).kind is MatchKind.NONE
    assert match("", PROJECTS).kind is MatchKind.NONE
    assert match("  ", PROJECTS).ranked == ()
    assert match("acme", []).kind is MatchKind.NONE


def test_short_words_get_no_typo_allowance() -> None:
    assert match("dex", TASKS).kind is MatchKind.NONE


@pytest.mark.parametrize(
    ("text", "task", "rest"),
    [
        ("Design fixing the login", "design", "fixing the login"),
        ("design review of the PR", "review", "of the PR"),
        ("dev", "dev", ""),
        ("proj man weekly sync", "pm", "weekly sync"),
    ],
)
def test_leading_words_name_the_task_and_the_rest_are_notes(
    text: str, task: str, rest: str
):
    found, left = match_leading(text, TASKS)
    assert found.best is not None and found.best.value == task
    assert left == rest


def test_no_leading_match_leaves_all_words_as_rest() -> None:
    found, left = match_leading("zzz fixing things", TASKS)
    assert found.kind is MatchKind.NONE
    assert left == "zzz fixing things"


def test_normalize() -> None:
    assert normalize("  Café—Rebrand_2026! ") == "cafe rebrand 2026"
    assert normalize("ÅNGSTRÖM") == "angstrom"
    assert normalize("Straße") == "strasse"


# -- properties ---------------------------------------------------------------------------

ACCENTED = {"a": "á", "e": "é", "i": "î", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"}
letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
names = st.lists(letters, min_size=1, max_size=3).map(" ".join)


@st.composite
def distinct_candidates(draw: st.DrawFn) -> list[Candidate[int]]:
    chosen = draw(st.lists(names, min_size=1, max_size=8, unique_by=normalize))
    return [Candidate(n, name) for n, name in enumerate(chosen)]


def disguise(text: str, data: st.DataObject) -> str:
    """The same words as someone might type them: any case, some accents."""
    out = []
    for char in text:
        if char in ACCENTED and data.draw(st.booleans()):
            char = ACCENTED[char]
        out.append(char.upper() if data.draw(st.booleans()) else char)
    return "".join(out)


@given(distinct_candidates(), st.data())
def test_a_whole_name_finds_exactly_that_candidate(candidates, data) -> None:
    target = data.draw(st.sampled_from(candidates))
    found = match(disguise(target.name, data), candidates)
    assert found.kind is MatchKind.UNIQUE
    assert found.best == target
    assert found.quality is Quality.EXACT


@given(distinct_candidates(), names, st.data())
def test_case_and_accents_never_change_the_ranking(candidates, query, data) -> None:
    plain = match(query, candidates)
    disguised = match(disguise(query, data), candidates)
    assert disguised.kind is plain.kind
    assert [(s.candidate, s.quality, s.typos) for s in disguised.ranked] == [
        (s.candidate, s.quality, s.typos) for s in plain.ranked
    ]


@given(distinct_candidates(), st.data())
def test_a_prefix_of_a_name_finds_it_at_least_as_a_prefix(candidates, data) -> None:
    target = data.draw(st.sampled_from(candidates))
    size = data.draw(st.integers(min_value=1, max_value=len(target.name)))
    query = target.name[:size]
    assume(query.strip())
    found = match(query, candidates)
    mine = [s for s in found.ranked if s.candidate == target]
    assert mine and mine[0].quality >= Quality.PREFIX


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=12), st.data()
)
def test_one_typo_in_a_long_name_still_finds_it(name: str, data) -> None:
    at = data.draw(st.integers(min_value=1, max_value=len(name) - 2))
    typo = data.draw(
        st.sampled_from(
            [
                name[:at]
                + name[at + 1]
                + name[at]
                + name[at + 2 :],  # swapped neighbours
                name[:at] + name[at + 1 :],  # a letter dropped
                name[:at] + "x" + name[at + 1 :],  # a letter wrong
            ]
        )
    )
    found = match(
        typo, [Candidate("it", name), Candidate("other", "zzzzzzzzzzzzzz qq")]
    )
    assert found.best is not None and found.best.value == "it"


@given(distinct_candidates(), st.text(max_size=20))
def test_results_are_well_formed(candidates, query: str) -> None:
    found = match(query, candidates)
    assert (found.kind is MatchKind.NONE) == (found.ranked == ())
    ranks = [s.rank for s in found.ranked]
    assert ranks == sorted(ranks)
    if found.kind is MatchKind.UNIQUE:
        assert found.tied == (found.best,)
    if found.kind is MatchKind.AMBIGUOUS:
        assert len(found.tied) >= 2


words = st.text(alphabet="abcdef", max_size=8)


@given(words, words)
def test_edit_distance_basics(a: str, b: str) -> None:
    assert damerau_levenshtein(a, a) == 0
    assert damerau_levenshtein(a, b) == damerau_levenshtein(b, a)
    assert abs(len(a) - len(b)) <= damerau_levenshtein(a, b) <= max(len(a), len(b))


@given(st.text(alphabet="abcdef", min_size=2, max_size=8), st.data())
def test_swapping_neighbours_is_one_edit(word: str, data) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(word) - 2))
    swapped = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    assert damerau_levenshtein(word, swapped) == (0 if swapped == word else 1)
