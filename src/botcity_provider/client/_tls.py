"""What a refused certificate means and how to fix it, read from the ``ssl`` error in a transport's exception.

No I/O: both drivers hand over what their HTTP library raised (requests nests it in urllib3's errors, httpx
chains it), and get one sentence back. A bare ``SSLError`` says "certificate verify failed"; a user needs to
hear which of the three usual causes it is, and which setting of the connection fixes it.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

__all__ = ["BUNDLE_VARIABLES", "ssl_error_in", "tls_failure", "trusted"]

BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
"""Where a machine names the bundle it trusts: requests reads the first two, httpx the last, each alone."""

# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code carries them.
_UNKNOWN_AUTHORITY = {2, 18, 19, 20, 21, 27}
_EXPIRED = {10}
_NOT_YET_VALID = {9}
_WRONG_NAME = {62, 64}
_TRUST_HINT = (
    "set the connection's CA bundle extra (ca_bundle) to the PEM file of the authority that signed it, or "
    "name a bundle that holds it in $REQUESTS_CA_BUNDLE"
)


def trusted(verify: bool | str, environ: Mapping[str, str]) -> bool | str:
    """What both clients check certificates against: ``verify`` as given, or for ``True`` the machine's.

    requests and httpx each read a different variable, so an operator (requests, on a worker) and its wait
    (httpx, in the triggerer) could trust different authorities on one machine. Both read all three here;
    ``True`` is left for neither being set (then each uses certifi's bundle of public authorities).
    """
    if verify is not True:
        return verify
    return next((environ[name] for name in BUNDLE_VARIABLES if environ.get(name)), True)


def tls_failure(exc: BaseException) -> str:
    """Say why the handshake failed and what to change; ``exc`` is the HTTP library's exception."""
    found = ssl_error_in(exc)
    if isinstance(found, ssl.SSLCertVerificationError):
        return _verification(found)
    if found is not None:
        reason = found.reason or str(found)
        return f"the TLS handshake failed ({reason}); is the server speaking HTTPS on this port?"
    return f"the TLS handshake failed ({exc}); check the server's certificate and the verify setting"


def _verification(error: ssl.SSLCertVerificationError) -> str:
    code, said = error.verify_code, error.verify_message or error.reason or "certificate refused"
    if code in _UNKNOWN_AUTHORITY:
        return (
            f"the server's certificate is signed by an authority this machine does not trust ({said}); "
            + _TRUST_HINT
        )
    if code in _EXPIRED:
        return (
            f"the server's certificate has expired ({said}); the server needs a renewed certificate "
            "(or this machine's clock is wrong)"
        )
    if code in _NOT_YET_VALID:
        return f"the server's certificate is not valid yet ({said}); check this machine's clock"
    if code in _WRONG_NAME:
        return (
            f"the server's certificate is for another host name ({said}); connect with a name the "
            "certificate lists, or have it reissued for this one"
        )
    return f"the server's certificate was refused ({said}); {_TRUST_HINT}"


def ssl_error_in(exc: BaseException) -> ssl.SSLError | None:
    """The ``ssl`` error inside ``exc``: in its cause chain (httpx) or its arguments (urllib3's wrapping)."""
    pending: list[object] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 50:
        current = pending.pop()
        if id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return None
