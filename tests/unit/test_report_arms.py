"""The champion/challenger tables: a difference and its CI read with the same decimals, the arms'
shares head their columns, and the verdict column is named."""

from simulator.report.arms import arms_html, arms_table


def _doc(lo: float, hi: float, challengers: tuple[str, ...] = ("challenger",)) -> dict:
    stat = {"mean": 1.0, "ci95_low": 0.9, "ci95_high": 1.1}
    paired = {
        "a_mean": 3.16,
        "b_mean": 2.77,
        "diff_mean": (lo + hi) / 2,
        "diff_ci95_low": lo,
        "diff_ci95_high": hi,
        "relative_lift": -0.12,
        "relative_lift_ci95_low": -0.17,
        "relative_lift_ci95_high": -0.07,
    }
    arms = {"champion": {"cost_per_account": stat}, **{c: {"cost_per_account": stat} for c in challengers}}
    return {
        "arms": arms,
        "challengers": {
            c: {
                "champion": "champion",
                "share": 0.2,
                "champion_share": 0.6,
                "metrics": {"cost_per_account": paired},
            }
            for c in challengers
        },
    }


def test_difference_and_interval_share_their_decimals():
    text = arms_table(_doc(-0.5491, -0.2262))
    assert "-0.388 [-0.549, -0.226]" in text  # width 0.32: three decimals for all three
    text = arms_table(_doc(-20.53, 7.53))
    assert "-6.5 [-20.5, 7.5]" in text  # width 28: one decimal


def test_shares_head_the_columns_and_the_verdict_is_named():
    doc = _doc(-0.5491, -0.2262)
    text = arms_table(doc)
    assert "champion (60%)" in text and "challenger (20%)" in text and "verdict" in text
    html = arms_html(doc)
    assert "<th>champion (60%)</th>" in html and ">verdict</th>" in html and "<b>lower</b>" in html
    # one challenger: its name heads the column, the rows do not repeat it
    assert "<td>cost per account $</td>" in html
    two = arms_html(_doc(-0.5, 0.2, ("b", "c")))
    assert "<td>b: cost per account $</td>" in two and "no difference shown" in two
