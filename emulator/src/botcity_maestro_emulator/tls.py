"""HTTPS for the emulator: a certificate given as PEM files, or a throwaway authority made at start-up.

Every real Maestro is reached over HTTPS, often with a certificate that a company's own authority signed;
serving TLS here is what lets a test make the handshake a user's DAG makes. The files are checked before the
server starts, so a wrong path or a key of another certificate is one clear line, not a traceback from
inside uvicorn's start-up.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TLSFiles", "TLSSetupError", "check_files", "chosen", "throwaway"]

AUTHORITY_FILE = "authority.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


class TLSSetupError(ValueError):
    """A certificate or key file that cannot serve HTTPS; the message names the file and what is wrong."""


@dataclass(frozen=True)
class TLSFiles:
    """The PEM files the server presents, and the authority that signed them when the emulator made it."""

    certfile: Path
    keyfile: Path
    authority: Path | None = None
    """The throwaway authority's certificate (``--tls``): what a client trusts to reach this server."""


def check_files(certfile: Path, keyfile: Path) -> TLSFiles:
    """Return the pair once it is known to load: both files readable PEM, the key that of the certificate.

    :raises TLSSetupError: naming the file that is missing, unreadable or not PEM, or the mismatch.
    """
    _read_pem(certfile, "certificate", "CERTIFICATE-----")
    _read_pem(keyfile, "key", "PRIVATE KEY-----")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile)
    except ssl.SSLError as exc:
        if "KEY_VALUES_MISMATCH" in str(exc):
            raise TLSSetupError(
                f"the key in {keyfile} is not the key of the certificate in {certfile}"
            ) from None
        raise TLSSetupError(
            f"{certfile} and {keyfile} do not load as a certificate and its key ({exc})"
        ) from None
    return TLSFiles(certfile, keyfile)


def chosen(
    host: str, directory: Path, *, tls: bool, certfile: Path | None, keyfile: Path | None
) -> TLSFiles | None:
    """The files to serve HTTPS with: a given pair (checked), a throwaway one in ``directory``, or none.

    :raises ValueError: for half a pair or both ways at once; :class:`TLSSetupError` for a bad file.
    """
    if tls and (certfile or keyfile):
        raise ValueError("--tls makes its own certificate: give it or --certfile and --keyfile, not both")
    if bool(certfile) != bool(keyfile):
        raise ValueError("--certfile and --keyfile go together: give both PEM files")
    if certfile and keyfile:
        return check_files(certfile, keyfile)
    return throwaway(host, directory) if tls else None


def _read_pem(path: Path, what: str, marker: str) -> None:
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise TLSSetupError(f"the {what} file {path} does not exist") from None
    except OSError as exc:
        raise TLSSetupError(f"the {what} file {path} cannot be read ({exc.strerror})") from None
    if marker not in text:
        raise TLSSetupError(f"the {what} file {path} is not PEM (no '-----BEGIN ...{marker}' line)")


def throwaway(host: str, directory: Path) -> TLSFiles:
    """Make an authority and a certificate it signed for ``host``; write the three PEM files in ``directory``.

    The authority lives only as long as the files: a client trusts it by its file (the connection's CA
    bundle), never by a system store, so nothing outside this run can be fooled by it.
    """
    import trustme  # only --tls needs it; it pulls in cryptography

    authority = trustme.CA(organization_name="BotCity Maestro emulator")
    server = authority.issue_cert(*names_for(host))
    files = TLSFiles(directory / CERT_FILE, directory / KEY_FILE, directory / AUTHORITY_FILE)
    authority.cert_pem.write_to_path(str(files.authority))
    server.private_key_pem.write_to_path(str(files.keyfile))
    server.cert_chain_pems[0].write_to_path(str(files.certfile))
    files.keyfile.chmod(0o600)
    return files


def names_for(host: str) -> list[str]:
    """The names a client may use for ``host``: itself, and for loopback or every address, the local names."""
    if host in _WILDCARD_HOSTS:
        return [socket.gethostname(), "localhost", "127.0.0.1", "::1"]
    names = [host]
    if is_loopback(host):
        names += [name for name in ("localhost", "127.0.0.1", "::1") if name != host]
    return names


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` is reachable only from this machine (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
