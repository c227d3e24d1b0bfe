from typing import Any


class DomainError(Exception):
    """A business rule refused an operation.

    `code` is stable and machine-readable (clients branch on it); `message` is translated text for
    people; `field` names the input at fault when there is one.
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.field = field
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code

    def __str__(self) -> str:
        return self.message


class NotVisible(DomainError):
    """The row does not exist for this user; answered as 404 so its existence does not leak."""

    status_code = 404
