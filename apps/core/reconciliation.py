"""Subledgers that a control account must agree with: registered by the modules that keep them
(purchasing: payables and goods received not invoiced; sales: receivables), checked by finance."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Subledger:
    role: str  # the posting role whose accounts hold the control balance
    label: str
    total: Callable[..., Decimal]  # (company=...) -> the subledger's total, in the account's normal direction
    credit_normal: bool


_subledgers: dict[str, Subledger] = {}


def register_subledger(subledger: Subledger) -> None:
    _subledgers[subledger.role] = subledger


def subledgers() -> list[Subledger]:
    return list(_subledgers.values())
