"""The numbers and the rule packs of the channels' messages (world/channels.py): which number a
text or a pre-recorded call goes to under the TCPA's consent rule for cells
(AccountPhones.message_to), and which messages the rule packs permit (RuleEngine.permit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .phone_numbers import AccountPhones
    from .rule_engine import RuleEngine

Message = tuple[float, str, int, int, str, bool]
"""A message of the trace: (seconds, channel, account, phone type code or -1, rule action,
delivered)."""


def numbers_of_messages(
    phones: AccountPhones, sms: bool, a: np.ndarray, measuring: bool
) -> tuple[np.ndarray, list[int]]:
    """A text (``sms``) or pre-recorded call to each of accounts ``a``: each goes to the number
    AccountPhones.message_to gives; an account with none the message may use (its only numbers
    cells without consent, the consent rule enforced) is left out and, ``measuring``, counted
    (``messages_held``). Returns the accounts sent to and each one's number (flat index)."""
    keep: list[int] = []
    to: list[int] = []
    for acct in a.tolist():
        i = phones.message_to(acct, sms)
        if i < 0:
            if measuring:
                phones.messages_held += 1
            continue
        keep.append(acct)
        to.append(i)
    return np.asarray(keep, dtype=np.int64), to


def ask_rules(
    engine: RuleEngine,
    name: str,
    kind: str,
    now: float,
    a: np.ndarray,
    to: list[int] | None,
    messages: list[Message] | None,
) -> tuple[np.ndarray, list[tuple[str, int, str]], list[int] | None]:
    """Channel ``name``'s sends (rule kind ``kind``) at ``now`` (s) to accounts ``a`` (to numbers
    ``to``, flat indices, or None), asked of the rule packs (RuleEngine.permit, the message's kind and
    number): those a pack does not permit are noted (RuleEngine.blocked, and in ``messages``
    with their rule action) and, the packs enforced, left out. Returns the accounts sent to,
    for each its number's class and phone type (RuleEngine.message_number) and its rule action
    (sent, or not_enforced: a pack did not permit it, the packs not enforced), and their
    numbers."""
    keep: list[int] = []
    kept_to: list[int] = []
    numbers: list[tuple[str, int, str]] = []
    for j, acct in enumerate(a.tolist()):
        i = -1 if to is None else to[j]
        number = engine.message_number(acct, kind, i)
        rule = engine.permit(acct, kind, now, number[0])
        if rule is not None:
            engine.blocked(acct, kind, now, rule)
            if engine.enforce:
                if messages is not None:
                    messages.append((now, name, acct, number[1], "blocked", False))
                continue
        keep.append(acct)
        kept_to.append(i)
        numbers.append((*number, "sent" if rule is None else "not_enforced"))
    return np.asarray(keep, dtype=np.int64), numbers, None if to is None else kept_to
