"""Errors the store raises; each names the field and says what is wrong (in Indonesian)."""

from __future__ import annotations


class StoreError(ValueError):
    """Bad input to a store function; nothing was written."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AccessDenied(PermissionError):
    """The requesting user may not see or change this."""


class NoLongerAllowed(StoreError):
    """The acting user's account, read again inside the write's own transaction, is disabled
    or no longer holds a role the write needs (the page was opened before the change).
    Nothing was written."""

    def __init__(self, what: str):
        super().__init__(
            "akses",
            f"Anda tidak lagi memiliki hak {what}; tidak ada yang disimpan. "
            "Muat ulang halaman.",
        )
        self.what = what
