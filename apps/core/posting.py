"""The posting-date guard: stock and money are written only on dates the books accept.

Finance registers its open-period check here; the stock ledger and the outbox call
`check_posting_date` before they write, so a refused date leaves nothing half-written and no
module has to import finance.

Within `one_check_per_date()` (one document's transaction), a company and date that passed are not
checked again: the ledger and the outbox event of the same posting ask the same question.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

PostingDateGuard = Callable[..., None]

_guards: list[PostingDateGuard] = []
_passed: ContextVar[set[tuple[int, date]] | None] = ContextVar("posting_dates_passed", default=None)


def register_posting_date_guard(guard: PostingDateGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


@contextmanager
def one_check_per_date() -> Iterator[None]:
    """Remember, for the block, the company and dates already found open (use it inside the transaction)."""
    token = _passed.set(set())
    try:
        yield
    finally:
        _passed.reset(token)


def check_posting_date(*, company_id: int, on_date: date) -> None:
    passed = _passed.get()
    if passed is not None and (company_id, on_date) in passed:
        return
    for guard in _guards:
        guard(company_id=company_id, on_date=on_date)
    if passed is not None:
        passed.add((company_id, on_date))
