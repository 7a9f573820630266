"""Domain errors: each names what went wrong in words a caller can show."""


class DomainError(Exception):
    code = "domain_error"
    status = 409

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class Closed(DomainError):
    """The evening no longer takes this action (e.g. sign-ups after it closed)."""
    code = "meeting_closed"
    status = 409


class Invalid(DomainError):
    code = "validation_error"
    status = 422
