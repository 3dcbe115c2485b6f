"""Dates typed in a filter: every accepted form, the bounds of a month or year, and the refusals."""

import pytest

from rag.dates import DateInputError, date_bound, date_filter, date_range


@pytest.mark.parametrize(
    "typed",
    [
        "2024-01-01",
        "2024/1/1",
        "2024.1.1",
        "2024年1月1日",
        "2024年1月1号",
        "20240101",
        " 2024 / 01 / 01 ",
        "２０２４－０１－０１",
        "２０２４年１月１日",
    ],
)
def test_a_day_in_any_of_its_forms(typed):
    assert date_range(typed) == ("2024-01-01", "2024-01-01")
    assert date_bound(typed) == date_bound(typed, end=True) == "2024-01-01"


@pytest.mark.parametrize("typed", ["2024年1月", "2024-01", "2024/1", "2024.01", "２０２４年１月"])
def test_a_month_is_its_first_day_as_a_start_and_its_last_as_an_end(typed):
    assert date_bound(typed) == "2024-01-01"
    assert date_bound(typed, end=True) == "2024-01-31"


@pytest.mark.parametrize("typed", ["2024年", "2024", "２０２４"])
def test_a_year_is_the_whole_year(typed):
    assert date_range(typed) == ("2024-01-01", "2024-12-31")


def test_month_ends_know_leap_years():
    assert date_bound("2024年2月", end=True) == "2024-02-29"
    assert date_bound("2023-02", end=True) == "2023-02-28"
    assert date_bound("1900-02", end=True) == "1900-02-28"  # a century year that is not a leap year
    assert date_bound("2000/2", end=True) == "2000-02-29"
    assert date_bound("2024-04", end=True) == "2024-04-30"
    assert date_bound("2024年12月", end=True) == "2024-12-31"
    assert date_range("2024-02-29") == ("2024-02-29", "2024-02-29")


def test_an_empty_field_is_no_bound():
    assert date_bound("") is None
    assert date_bound("   ") is None
    assert date_bound(None, end=True) is None
    assert date_filter("", None) == (None, None)


@pytest.mark.parametrize(
    "typed",
    ["2024/13/01", "2024-00", "明天", "24-1-1", "2024-1/1", "2024年13月", "2024-01-01至2024-02-01", "一月", "0000"],
)
def test_anything_else_is_refused_with_a_chinese_message(typed):
    with pytest.raises(DateInputError) as caught:
        date_range(typed)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("无法识别的日期“")
    assert "2024-01-01" in message and "2024年1月" in message
    assert isinstance(caught.value, ValueError)


def test_the_message_quotes_what_was_typed():
    with pytest.raises(DateInputError, match="无法识别的日期“2024/13/01”：请写成 2024-01-01、2024年1月 或 2024"):
        date_bound("2024/13/01")
    with pytest.raises(DateInputError) as caught:
        date_bound("会议" * 500)
    assert len(str(caught.value)) < 80  # a long paste is cut in the message


def test_a_day_the_month_does_not_have_says_so():
    with pytest.raises(DateInputError, match="2023年2月只有28天"):
        date_bound("2023-02-29")
    with pytest.raises(DateInputError, match="2024年4月只有30天"):
        date_bound("2024年4月31日", end=True)


def test_a_filter_whose_start_is_after_its_end_is_refused():
    assert date_filter("2024年1月", "2024年1月") == ("2024-01-01", "2024-01-31")
    assert date_filter("2024/1/1", None) == ("2024-01-01", None)
    with pytest.raises(DateInputError, match="晚于"):
        date_filter("2024年3月", "2024-01")
