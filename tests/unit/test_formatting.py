"""The one number formatter and table renderer of the terminal output."""

from simulator.base.formatting import NA, number, stat, stat_of, table


def test_decimals_follow_the_size_of_the_number():
    assert [number(x) for x in (0.12345, 0, 12.345, 1234.56, 123456.7)] == [
        "0.1235",
        "0.00",
        "12.35",
        "1,234.6",
        "123,457",
    ]
    assert number(0.8512, percent=True) == "85.1"
    assert [number(x, money=True) for x in (141, 1234.5)] == ["141.00", "1,234"]
    assert number(657.475, decimals=3) == "657.475"
    assert number(None) == number(float("nan")) == NA


def test_mean_and_half_width_share_the_decimals():
    assert stat(10.0, 9.5, 10.7) == "10.00 ± 0.60"
    assert stat(0.85, 0.84, 0.86, percent=True) == "85.0 ± 1.0"
    assert stat(5.0) == "5.00" and stat(None, 1, 2) == NA
    assert stat_of({"mean": 20000.0, "ci95_low": 19700.0, "ci95_high": 20300.0}) == "20,000 ± 300"
    assert stat_of(None) == NA


def test_table_aligns_text_left_and_numbers_right():
    assert table([["name", "value"], ["a", "1.00"], ["long name", "12.50"]]) == (
        "name       value\n---------  -----\na           1.00\nlong name  12.50"
    )
    assert table([["x", "note"], ["1", "ok"]], left=(1,)).splitlines()[2] == "1  ok"
