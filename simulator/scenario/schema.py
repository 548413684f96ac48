"""The scenario schema: typed, frozen models with strict keys and cross-field checks.

Components of the world never read raw dicts: they receive these models. Every quantity carries
its unit in its name (``_s`` seconds, ``_min`` minutes, ``_h`` hours, ``_days`` days, ``_usd``
US dollars; probabilities are fractions in [0, 1]; clock times are ``"HH:MM"`` local to the center).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .calendar_model import Calendar, Meta
from .calibration_model import Calibration
from .channels import Channels
from .clock import clock_minutes
from .compliance import Compliance
from .costs import Costs
from .dialing import Attempts, Dialer
from .fields import NAME as _NAME
from .fields import OUTCOMES, WEEKDAYS, _Model
from .inbound import Inbound
from .phones import phone_problems
from .portfolio import LivingPortfolio
from .routing import Routing
from .segments import ContactCurve, Outcome, Outcomes, Schedule, Segment, TimeZones, Window
from .special_tasks import (
    PaymentPlan,
    Placement,
    Reage,
    Rearrangement,
    RearrangeOption,
    RollRates,
    Settlement,
    SkipTrace,
    Tracking,
)
from .strategy import Strategy, strategy_problems
from .teams import SkillTier, Targets, Team, TeamSkill
from .workforce import Block, Shift

__all__ = [
    "Scenario",
    "Meta",
    "Calendar",
    "Block",
    "Shift",
    "Team",
    "Outcome",
    "Outcomes",
    "Segment",
    "ContactCurve",
    "TimeZones",
    "Schedule",
    "Window",
    "Attempts",
    "Dialer",
    "Compliance",
    "SkillTier",
    "TeamSkill",
    "Targets",
    "Routing",
    "SkipTrace",
    "RearrangeOption",
    "Settlement",
    "PaymentPlan",
    "Reage",
    "Rearrangement",
    "Tracking",
    "RollRates",
    "Placement",
    "Costs",
    "OUTCOMES",
    "WEEKDAYS",
    "clock_minutes",
]


class Scenario(_Model):
    """A whole scenario file."""

    scenario: Meta = Field(description="name and description")
    calendar: Calendar = Field(description="working days and hours")
    teams: dict[str, Team] = Field(min_length=1, description="teams of collectors, by name")
    segments: dict[str, Segment] = Field(min_length=1, description="portfolio segments, by name")
    attempts: Attempts = Field(Attempts(), description="attempt rules")
    dialer: Dialer = Field(Dialer(), description="dialer settings")
    compliance: Compliance = Field(Compliance(), description="calling rules")
    skill_tiers: dict[str, SkillTier] = Field(
        {}, description="named skill tiers (e.g. junior, senior, expert)"
    )
    routing: Routing = Field(Routing(), description="case matching")
    targets: Targets | None = Field(
        None,
        description=(
            "center targets (omit to derive them from the teams' targets weighted by planned paid hours)"
        ),
    )
    skip_trace: SkipTrace | None = Field(None, description="skip tracing (special task; omit: off)")
    rearrangement: Rearrangement | None = Field(
        None, description="account rearrangement options (special task; omit: off)"
    )
    tracking: Tracking | None = Field(
        None, description="tracking series for the MIS (special task; omit: off)"
    )
    roll_rates: RollRates | None = Field(
        None, description="days-past-due aging and roll rates (special task; omit: off)"
    )
    placement: Placement | None = Field(None, description="agency placement (special task; omit: off)")
    portfolio: LivingPortfolio | None = Field(
        None,
        description=(
            "the living portfolio: partial payments, cures, charge-off, inflow, self-cure, account-level "
            "behaviour (omit: a closed portfolio where one kept promise pays an account off)"
        ),
    )
    calibration: Calibration | None = Field(
        None,
        description=(
            "provenance of a fitted scenario: what `collectsim calibrate` estimated, from which files (omit: "
            "none)"
        ),
    )
    costs: Costs = Field(
        Costs(), description="costs beyond wages: loading, supervision, telecom, dialer seats"
    )
    inbound: Inbound | None = Field(
        None, description="inbound calls and their queue, answered by inbound teams (omit: off)"
    )
    strategy: Strategy | None = Field(
        None,
        description=(
            "champion/challenger arms and the strategy tree: list order, hold and priority by account "
            "(omit: one treatment for the whole book)"
        ),
    )
    channels: Channels | None = Field(
        None, description="messages, contact paths and suppressions (omit: off)"
    )

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        problems = self.cross_problems()
        if problems:
            # One line per problem, each opening with its key path; load.py splits them again.
            raise ValueError("\n".join(f"{path}: {msg}" for path, msg in problems))
        return self

    def cross_problems(self) -> list[tuple[str, str]]:
        """Rules that tie sections together, as (key path, message) pairs."""
        out: list[tuple[str, str]] = []
        roles = {n: t.role for n, t in self.teams.items()}
        out.extend(phone_problems(self))
        if self.inbound is not None:
            out.extend(self.inbound.problems(list(self.segments), roles))
        elif {"inbound", "blend"} & set(roles.values()):
            out.append(("teams", 'a team has role = "inbound" or "blend" but there is no [inbound] block'))
        if self.channels is not None:
            out.extend(self.channels.problems(list(self.segments)))
            out.extend(self.channels.window_problems(self.compliance))
        out.extend(strategy_problems(self))
        for kind, names in (("teams", self.teams), ("segments", self.segments)):
            for n in names:
                if not _NAME.match(n):
                    out.append(
                        (
                            f"{kind}.{n}",
                            f"name {n!r} must start with a letter and hold only letters, "
                            "digits, '_' and '-' (at most 64 characters)",
                        )
                    )
        open_m, close_m = clock_minutes(self.calendar.open_time), clock_minutes(self.calendar.close_time)
        worked: set[str] = set()
        for tname, team in self.teams.items():
            unknown = [s for s in team.segments if s not in self.segments]
            if unknown:
                out.append(
                    (
                        f"teams.{tname}.segments",
                        f"unknown segment(s) {unknown}; "
                        f"expected names from [segments]: {sorted(self.segments)}",
                    )
                )
            worked.update(team.segments)
            for k, plan in enumerate(team.shift_plans()):
                if plan.start_min >= open_m and plan.end_min <= close_m:
                    continue
                out.append(
                    (
                        f"teams.{tname}.shifts.{k}" if team.shifts else f"teams.{tname}.shift_start_time",
                        f"shift {plan.label} is outside the "
                        f"center's hours {self.calendar.open_time}-{self.calendar.close_time} (calendar)",
                    )
                )
        for s in self.segments:
            if s not in worked:
                out.append((f"segments.{s}", "no team works this segment; list it in some team's segments"))
        for tname, team in self.teams.items():
            for tier in team.skill.tiers:
                if tier not in self.skill_tiers:
                    out.append(
                        (
                            f"teams.{tname}.skill.tiers.{tier}",
                            f"unknown tier; expected one of [skill_tiers]: {sorted(self.skill_tiers)}",
                        )
                    )
            if team.skill.tiers and sum(team.skill.tiers.values()) <= 0:
                out.append((f"teams.{tname}.skill.tiers", "shares must not all be 0"))
            for num, tier in team.skill.collectors.items():
                if tier not in self.skill_tiers:
                    out.append(
                        (
                            f"teams.{tname}.skill.collectors.{num}",
                            f"unknown tier {tier!r}; expected one of {sorted(self.skill_tiers)}",
                        )
                    )
                if not num.isdigit() or not 1 <= int(num) <= max(team.headcount, 1):
                    out.append(
                        (
                            f"teams.{tname}.skill.collectors.{num}",
                            f"expected a collector number 1-{team.headcount}",
                        )
                    )
        if self.routing.policy == "mapping":
            if not self.routing.mapping:
                out.append(("routing.mapping", 'policy "mapping" needs a mapping of teams to segments'))
            for tname, segs in self.routing.mapping.items():
                if tname not in self.teams:
                    out.append(
                        (f"routing.mapping.{tname}", f"unknown team; expected one of {sorted(self.teams)}")
                    )
                bad = [x for x in segs if x not in self.segments]
                if bad or not segs:
                    out.append(
                        (
                            f"routing.mapping.{tname}",
                            f"unknown or no segment(s) {bad}; expected names from {sorted(self.segments)}",
                        )
                    )
        if sum(t.headcount for t in self.teams.values()) == 0:
            out.append(("teams", "every team has headcount 0: nobody to make calls"))
        out += self._special_problems()
        out += self._portfolio_problems()
        return out

    @property
    def last_calling_day(self) -> int:
        """The calendar day (0 = the first day of the run) of the last calling day."""
        return self.calendar.work_days()[-1]

    @property
    def portfolio_on(self) -> bool:
        """Whether the living portfolio is on (a [portfolio] block, enabled)."""
        return self.portfolio is not None and self.portfolio.enabled

    def _portfolio_problems(self) -> list[tuple[str, str]]:
        """The living portfolio's keys are used only with the block on; with it on, the roll-rates
        block measures the portfolio's own aging and takes no payment rule of its own."""
        out: list[tuple[str, str]] = []
        if not self.portfolio_on:
            for name, seg in self.segments.items():
                for key in ("inflow", "self_cure_per_day"):
                    if key in seg.model_fields_set and getattr(seg, key):
                        out.append(
                            (f"segments.{name}.{key}", "needs the living portfolio: add a [portfolio] block")
                        )
            return out
        last_day = self.last_calling_day
        for name, seg in self.segments.items():
            if seg.inflow is not None:
                late = [d.day for d in seg.inflow.dated if d.day > last_day]
                if late:
                    out.append(
                        (
                            f"segments.{name}.inflow.dated",
                            f"day(s) {late} after the last calling day "
                            f"({last_day}); new accounts enter up to the last calling day",
                        )
                    )
            if seg.days_past_due.lower < 1:
                out.append(
                    (
                        f"segments.{name}.days_past_due",
                        "can be below 1; in a living portfolio every account "
                        "is delinquent (at least 1 day past due)",
                    )
                )
        rr = self.roll_rates
        if rr is not None:
            for key in ("min_payment_usd", "min_payment_share"):
                if key in rr.model_fields_set:
                    out.append(
                        (
                            f"roll_rates.{key}",
                            "with [portfolio] on, minimum payments are set in "
                            f"[portfolio] (portfolio.{key}); roll_rates only measures",
                        )
                    )
        return out

    def _special_problems(self) -> list[tuple[str, str]]:
        """Rules of the special-task blocks: segment names exist, options are configured, the
        recovery curve is increasing and as long as its days."""
        out: list[tuple[str, str]] = []
        segs = sorted(self.segments)
        st = self.skip_trace
        if st is not None:
            for name in st.bad_number_share_by_segment:
                if name not in self.segments:
                    out.append(
                        (
                            f"skip_trace.bad_number_share_by_segment.{name}",
                            f"unknown segment; expected one of {segs}",
                        )
                    )
        r = self.rearrangement
        if r is not None:
            if len(set(r.order)) != len(r.order):
                out.append(("rearrangement.order", f"lists an option twice: {r.order}"))
            for opt in ("settlement", "plan", "reage"):
                o = getattr(r, opt)
                if o is None:
                    continue
                if opt not in r.order:
                    out.append(
                        (f"rearrangement.{opt}", f"configured but not in rearrangement.order {r.order}")
                    )
                if o.max_days_past_due < o.min_days_past_due:
                    out.append(
                        (
                            f"rearrangement.{opt}.max_days_past_due",
                            f"{o.max_days_past_due:g} is below min_days_past_due {o.min_days_past_due:g}",
                        )
                    )
                for name in o.acceptance_by_segment:
                    if name not in self.segments:
                        out.append(
                            (
                                f"rearrangement.{opt}.acceptance_by_segment.{name}",
                                f"unknown segment; expected one of {segs}",
                            )
                        )
            if r.enabled and all(getattr(r, o) is None for o in ("settlement", "plan", "reage")):
                out.append(
                    ("rearrangement", "no option configured: add [rearrangement.plan], .settlement or .reage")
                )
        pl = self.placement
        if pl is not None:
            d, c = pl.recovery_curve_days, pl.recovery_curve_share
            if len(d) != len(c):
                out.append(
                    (
                        "placement.recovery_curve_share",
                        f"has {len(c)} points but recovery_curve_days has {len(d)}",
                    )
                )
            if any(b <= a for a, b in zip(d, d[1:])):
                out.append(("placement.recovery_curve_days", f"must be increasing, got {d}"))
            if any(b < a for a, b in zip(c, c[1:])):
                out.append(
                    ("placement.recovery_curve_share", f"must not decrease (a cumulative share), got {c}")
                )
        return out

    def special_on(self, name: str) -> bool:
        """Whether the special-task block ``name`` (skip_trace, rearrangement, ...) is present and enabled."""
        b = getattr(self, name)
        return b is not None and b.enabled

    @property
    def segment_names(self) -> list[str]:
        return list(self.segments)

    @property
    def team_names(self) -> list[str]:
        return list(self.teams)


Scenario.model_rebuild()
