"""Errors that services raise and views turn into messages a person can act on."""


class ApplicationError(Exception):
    """A business rule refused the request. `message` is shown to the user as it is."""

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
