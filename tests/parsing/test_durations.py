import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing.durations import DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1.5", 1.5),
        ("1:30", 1.5),
        ("1h30", 1.5),
        ("1h 30m", 1.5),
        ("90m", 1.5),
        ("2h 15m", 2.25),
        (".25", 0.25),
        ("0:05", 5 / 60),
        ("1,5", 1.5),
        ("2h", 2),
        ("1.5 hours", 1.5),
        ("45 mins", 0.75),
        ("2hrs 15min", 2.25),
        ("  1H30M ", 1.5),
        ("24", 24),
        ("1h 0m", 1),
    ],
)
def test_accepted_forms(text: str, hours: float) -> None:
    assert math.isclose(parse_duration(text), hours)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "How long?"),
        ("abc", "couldn't read “abc”"),
        ("1:60", "couldn't read"),
        ("1h30h", "couldn't read"),
        ("30m 1h", "couldn't read"),
        ("h", "couldn't read"),
        (".", "couldn't read"),
        ("0", "more than zero"),
        ("0:00", "more than zero"),
        ("-1", "more than zero"),
        ("-1h", "more than zero"),
        ("25h", "more than a day"),
        ("24:01", "more than a day"),
    ],
)
def test_rejected_with_a_helpful_message(text: str, says: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(text)
    assert says in raised.value.message
    assert raised.value.text == text


def test_a_bare_large_number_suggests_minutes() -> None:
    with pytest.raises(DurationError, match="Did you mean `90m`"):
        parse_duration("90")


minutes = st.integers(min_value=1, max_value=24 * 60)


@given(minutes)
def test_every_spelling_of_the_same_minutes_agrees(total: int) -> None:
    h, m = divmod(total, 60)
    spellings = [f"{h}:{m:02d}", f"{total}m", f"{total} minutes"]
    if h:
        spellings += [f"{h}h{m}", f"{h}h {m}m", f"{h} hours {m} min"]
    for text in spellings:
        assert math.isclose(parse_duration(text), total / 60), text


@given(st.decimals(min_value="0.01", max_value="24", places=2))
def test_decimal_hours_read_back_exactly(value) -> None:
    assert math.isclose(parse_duration(str(value)), float(value))
    assert math.isclose(parse_duration(f"{value}h"), float(value))


@given(st.text(max_size=20))
def test_any_text_gives_hours_in_range_or_a_duration_error(text: str) -> None:
    try:
        hours = parse_duration(text)
    except DurationError as error:
        assert error.message
    else:
        assert 0 < hours <= 24


@given(st.integers(min_value=24 * 60 + 1, max_value=10**6))
def test_more_than_a_day_is_refused(total: int) -> None:
    with pytest.raises(DurationError, match="more than a day"):
        parse_duration(f"{total}m")
