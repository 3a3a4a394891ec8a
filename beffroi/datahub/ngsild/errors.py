"""NGSI-LD error types and ProblemDetails bodies (ETSI GS CIM 009 §5.5.2 and §6.3.2, IETF RFC 7807).

Every error of the NGSI-LD API is answered with a ProblemDetails JSON body whose ``type`` is one of the ETSI
URIs ``https://uri.etsi.org/ngsi-ld/errors/<Name>``. The pure modules of the data hub raise
:class:`NgsiLdError` (or a subclass); the API layer turns it into a response with :meth:`NgsiLdError.status`
and :meth:`NgsiLdError.problem_details`.

The ETSI test suite asserts that ``title`` and ``detail`` are non-empty and differ from each other, so
:func:`problem_details` guarantees both.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

ERROR_TYPE_BASE = "https://uri.etsi.org/ngsi-ld/errors/"

#: Media type of a ProblemDetails body (RFC 7807). NGSI-LD brokers commonly answer ``application/json``;
#: the API layer chooses.
PROBLEM_JSON = "application/problem+json"


class ErrorType(StrEnum):
    """The ETSI NGSI-LD error types (CIM 009 Table 5.5.2-1), valued by their short name."""

    INVALID_REQUEST = "InvalidRequest"
    BAD_REQUEST_DATA = "BadRequestData"
    OPERATION_NOT_SUPPORTED = "OperationNotSupported"
    ALREADY_EXISTS = "AlreadyExists"
    CONFLICT = "Conflict"
    RESOURCE_NOT_FOUND = "ResourceNotFound"
    NONEXISTENT_TENANT = "NonexistentTenant"
    TOO_COMPLEX_QUERY = "TooComplexQuery"
    TOO_MANY_RESULTS = "TooManyResults"
    ACCESS_DENIED = "AccessDenied"
    NOT_ACCEPTABLE = "NotAcceptable"
    UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType"
    LD_CONTEXT_NOT_AVAILABLE = "LdContextNotAvailable"
    INTERNAL_ERROR = "InternalError"
    NOT_IMPLEMENTED = "NotImplemented"
    BAD_GATEWAY = "BadGateway"
    GATEWAY_TIMEOUT = "GatewayTimeout"
    MULTI_STATUS = "MultiStatus"
    # (Not an ETSI type: HTTP's 411, RFC 9110 §15.5.12, for a write whose body came chunked without a
    # Content-Length; the ETSI suite expects that status.)
    LENGTH_REQUIRED = "LengthRequired"

    @property
    def uri(self) -> str:
        return ERROR_TYPE_BASE + self.value

    @property
    def status(self) -> int:
        return _STATUS[self]

    @property
    def title(self) -> str:  # type: ignore[override]  # the ETSI title, not str.title()
        return _TITLE[self]

    @classmethod
    def from_uri(cls, uri: str) -> ErrorType:
        """The error type named by a full ETSI URI or by its short name; ValueError otherwise."""
        name = uri.removeprefix(ERROR_TYPE_BASE)
        return cls(name)


_STATUS: dict[ErrorType, int] = {
    ErrorType.INVALID_REQUEST: 400,
    ErrorType.BAD_REQUEST_DATA: 400,
    ErrorType.OPERATION_NOT_SUPPORTED: 400,
    ErrorType.ALREADY_EXISTS: 409,
    ErrorType.CONFLICT: 409,
    ErrorType.RESOURCE_NOT_FOUND: 404,
    ErrorType.NONEXISTENT_TENANT: 404,
    ErrorType.TOO_COMPLEX_QUERY: 403,
    ErrorType.TOO_MANY_RESULTS: 403,
    ErrorType.ACCESS_DENIED: 403,
    ErrorType.NOT_ACCEPTABLE: 406,
    ErrorType.UNSUPPORTED_MEDIA_TYPE: 415,
    # The ETSI test suite (043_01) expects 504; Stellio answers 503. We follow the conformance suite.
    ErrorType.LD_CONTEXT_NOT_AVAILABLE: 504,
    ErrorType.INTERNAL_ERROR: 500,
    ErrorType.NOT_IMPLEMENTED: 501,
    ErrorType.BAD_GATEWAY: 502,
    ErrorType.GATEWAY_TIMEOUT: 504,
    ErrorType.MULTI_STATUS: 207,
    ErrorType.LENGTH_REQUIRED: 411,
}

_TITLE: dict[ErrorType, str] = {
    ErrorType.INVALID_REQUEST: "The request is syntactically invalid",
    ErrorType.BAD_REQUEST_DATA: "The request includes invalid input data",
    ErrorType.OPERATION_NOT_SUPPORTED: "The operation is not supported",
    ErrorType.ALREADY_EXISTS: "The resource already exists",
    ErrorType.CONFLICT: "The request conflicts with the current state of the resource",
    ErrorType.RESOURCE_NOT_FOUND: "The resource was not found",
    ErrorType.NONEXISTENT_TENANT: "The tenant does not exist",
    ErrorType.TOO_COMPLEX_QUERY: "The query is too complex",
    ErrorType.TOO_MANY_RESULTS: "The query would give too many results",
    ErrorType.ACCESS_DENIED: "Access denied",
    ErrorType.NOT_ACCEPTABLE: "None of the media types in Accept can be produced",
    ErrorType.UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    ErrorType.LD_CONTEXT_NOT_AVAILABLE: "A JSON-LD @context could not be retrieved",
    ErrorType.INTERNAL_ERROR: "Internal error",
    ErrorType.NOT_IMPLEMENTED: "Not implemented",
    ErrorType.BAD_GATEWAY: "Bad gateway",
    ErrorType.GATEWAY_TIMEOUT: "Gateway timeout",
    ErrorType.MULTI_STATUS: "Partial success",
    ErrorType.LENGTH_REQUIRED: "The request has no Content-Length header",
}


def problem_details(
    error_type: ErrorType | str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    include_status: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a ProblemDetails body (RFC 7807) for an ETSI NGSI-LD error type.

    ``title`` defaults to the standard title of the type; ``detail`` says what was wrong with this request.
    Both end up non-empty and different, as the ETSI test suite requires.
    """
    kind = error_type if isinstance(error_type, ErrorType) else ErrorType.from_uri(error_type)
    title = (title or kind.title).strip() or kind.value
    detail = (detail or "").strip() or title
    if detail == title:
        detail = f"{title} ({kind.value})"
    body: dict[str, Any] = {"type": kind.uri, "title": title, "detail": detail}
    if include_status:
        body["status"] = kind.status
    if instance:
        body["instance"] = instance
    if extra:
        for key, value in extra.items():
            body.setdefault(key, value)
    return body


class NgsiLdError(Exception):
    """An error of the NGSI-LD API, carrying its ETSI error type.

    Subclasses fix the default type; any instance may override it (``error_type=``) so one exception class
    can cover a family of errors (the query parser raises ``BadRequestData`` or ``TooComplexQuery``).
    """

    default_type: ErrorType = ErrorType.INTERNAL_ERROR

    def __init__(self, detail: str, *, error_type: ErrorType | None = None, title: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.error_type = error_type or self.default_type
        self.title = title

    @property
    def status(self) -> int:
        return self.error_type.status

    def problem_details(self, *, instance: str | None = None) -> dict[str, Any]:
        return problem_details(self.error_type, self.detail, title=self.title, instance=instance)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error_type.value}: {self.detail!r})"


class InvalidRequest(NgsiLdError):
    default_type = ErrorType.INVALID_REQUEST


class BadRequestData(NgsiLdError):
    default_type = ErrorType.BAD_REQUEST_DATA


class OperationNotSupported(NgsiLdError):
    default_type = ErrorType.OPERATION_NOT_SUPPORTED


class AlreadyExists(NgsiLdError):
    default_type = ErrorType.ALREADY_EXISTS


class ResourceNotFound(NgsiLdError):
    default_type = ErrorType.RESOURCE_NOT_FOUND


class NonexistentTenant(NgsiLdError):
    default_type = ErrorType.NONEXISTENT_TENANT


class TooComplexQuery(NgsiLdError):
    default_type = ErrorType.TOO_COMPLEX_QUERY


class TooManyResults(NgsiLdError):
    default_type = ErrorType.TOO_MANY_RESULTS


class AccessDenied(NgsiLdError):
    default_type = ErrorType.ACCESS_DENIED


class NotAcceptable(NgsiLdError):
    default_type = ErrorType.NOT_ACCEPTABLE


class UnsupportedMediaType(NgsiLdError):
    default_type = ErrorType.UNSUPPORTED_MEDIA_TYPE


class LdContextNotAvailable(NgsiLdError):
    default_type = ErrorType.LD_CONTEXT_NOT_AVAILABLE


class LengthRequired(NgsiLdError):
    default_type = ErrorType.LENGTH_REQUIRED


class NotImplementedFeature(NgsiLdError):
    """A part of NGSI-LD that Beffroi does not implement (ETSI ``NotImplemented``, 501)."""

    default_type = ErrorType.NOT_IMPLEMENTED
