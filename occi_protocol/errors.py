"""The two kinds of error the protocol layer raises.

As in h11, an error is either the peer's fault (it sent something the specification does not
allow: :class:`RemoteProtocolError` and its subclasses) or ours (we were asked to render a
value the specification cannot express: :class:`LocalProtocolError`). A server answers the
first with a 4xx naming what was wrong; a client (the conformance suite) turns it into a
failed requirement. The second is a programming error.
"""

from __future__ import annotations


class OCCIProtocolError(Exception):
    """Base class of every error raised by :mod:`occi_protocol`."""


class LocalProtocolError(OCCIProtocolError):
    """We tried to render something the specification has no form for."""


class RemoteProtocolError(OCCIProtocolError):
    """The peer sent something the specification does not allow.

    Attributes:
        message: what was wrong, in a sentence.
        status: the HTTP status a server should answer with (400 unless stated).
        rule: the grammar rule or requirement broken, e.g. ``"T12 §4.1 Category"``.
        line: the 1-based line (text/plain body) or header index (text/occi) that broke it.
        text: the offending line itself, for the error message.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        rule: str | None = None,
        line: int | None = None,
        text: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.rule = rule
        self.line = line
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        shown = f" in {self.text!r}" if self.text is not None else ""
        rule = f" ({self.rule})" if self.rule else ""
        return f"{where}{self.message}{shown}{rule}"


class ParseError(RemoteProtocolError):
    """A message does not match the grammar of its rendering."""


class ValidationError(RemoteProtocolError):
    """A well-formed message breaks the model: unknown category, wrong type, immutable value...

    Attributes:
        attribute: the attribute name concerned, when there is one.
    """

    def __init__(self, message: str, *, attribute: str | None = None, **kwargs: object) -> None:
        self.attribute = attribute
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class NotAcceptable(RemoteProtocolError):
    """No offered media type satisfies the ``Accept`` header (HTTP 406)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=406, rule="H12 §3.7 content negotiation")


class UnsupportedMediaType(RemoteProtocolError):
    """The request body's ``Content-Type`` is not a rendering we parse (HTTP 415)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=415, rule="H12 §3.7 content negotiation")
