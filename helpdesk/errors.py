"""One exception tree for the whole product; `helpdesk.api` maps it to HTTP in one place."""

from __future__ import annotations


class HelpdeskError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(HelpdeskError):
    """A setting is missing or has a bad value; the message names the setting."""


class NotFound(HelpdeskError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Forbidden(HelpdeskError):
    """The caller is known but may not do this."""


class Unauthorized(HelpdeskError):
    """The caller could not be identified."""


class Conflict(HelpdeskError):
    """The change contradicts the current state (a disallowed status move, a duplicate name)."""


class TooManyRequests(HelpdeskError):
    """The caller tried too often (sign-in attempts); `retry_after` is in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ValidationFailed(HelpdeskError):
    """Input broke a rule; `errors` maps a field name to a message the user can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ParseError(HelpdeskError, ValueError):
    """Raw input (an email, an update) holds nothing usable; the caller quarantines it."""


class Inconsistent(HelpdeskError):
    """Stored data broke an invariant the product keeps (a missing counter row, a merge chain
    that never ends, a concurrent writer that keeps winning). A bug or a damaged database, not
    bad input: it is logged and answered as a server error."""


class DeliveryError(HelpdeskError):
    """A channel could not deliver a message. `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
