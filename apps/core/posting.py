"""The posting-date guard: stock and money are written only on dates the books accept.

Finance registers its open-period check here; the stock ledger and the outbox call
`check_posting_date` before they write, so a refused date leaves nothing half-written and no
module has to import finance.
"""

from collections.abc import Callable
from datetime import date

PostingDateGuard = Callable[..., None]

_guards: list[PostingDateGuard] = []


def register_posting_date_guard(guard: PostingDateGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def check_posting_date(*, company_id: int, on_date: date) -> None:
    for guard in _guards:
        guard(company_id=company_id, on_date=on_date)
