"""Who may ask the preview server, and for what: the Host and Origin values it answers
to (a defence against DNS rebinding: a page on some other site must not be able to read
the preview), and the request paths it serves, each a file inside the output folder,
checked on the resolved real path. Every other form of path (`..`, encoded or not,
backslashes, NUL bytes, symlinks leading out) is refused, never normalised, and never
raises anything but `Refused`. No networking here: http.py asks these questions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote


@dataclass(frozen=True)
class AllowedHosts:
    """The Host header values this server answers to: its own names, with its port."""

    port: int
    names: frozenset[str] = field(default_factory=frozenset)
    any_ip: bool = False  # bound to every interface: any IP literal is fine (no DNS involved)

    @classmethod
    def for_address(cls, host: str, port: int) -> "AllowedHosts":
        names = {"127.0.0.1", "localhost", "[::1]", _bracketed(host).lower()}
        return cls(port, frozenset(names), host in ("0.0.0.0", "::", ""))

    def allows(self, value: str | None) -> bool:
        if not value:
            return False
        name, port = _split_host(value.strip().lower())
        if port != self.port and not (port is None and self.port == 80):
            return False
        if name in self.names:
            return True
        return self.any_ip and _is_ip(name)

    def allows_origin(self, origin: str) -> bool:
        scheme, _, rest = origin.partition("://")
        return scheme == "http" and "/" not in rest and self.allows(rest)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _split_host(value: str) -> tuple[str, int | None]:
    """'name:port' or '[v6]:port' -> (name, port); a malformed port is port -1."""
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[: end + 1], value[end + 1:]
    else:
        colon = value.find(":")
        name, rest = (value, "") if colon < 0 else (value[:colon], value[colon:])
    if not rest:
        return name, None
    if not rest.startswith(":") or not rest[1:].isdigit():
        return name, -1
    return name, int(rest[1:])


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class Refused(Exception):
    """A request path that names nothing servable; carries the status to answer with."""

    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status.phrase)
        self.status = status


def url_segments(raw: str) -> tuple[list[str], bool]:
    """The decoded segments of a request path and whether it ends in '/'.

    Decoded once: '%252e' stays the literal name '%2e'. Any '.' or '..' segment,
    backslash, NUL or control character, hidden name, or path not starting with '/'
    is refused outright rather than normalised, since no link sitegen writes has them.
    """
    path = raw.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        raise Refused(HTTPStatus.FORBIDDEN)
    decoded = unquote(path, errors="strict") if "%" in path else path
    if "\\" in decoded or any(ord(c) < 32 or c == "\x7f" for c in decoded):
        raise Refused(HTTPStatus.FORBIDDEN)
    segments = decoded.split("/")[1:]
    trailing = decoded.endswith("/")
    if trailing:
        segments = segments[:-1]
    for segment in segments:
        if segment in ("", ".", ".."):
            raise Refused(HTTPStatus.FORBIDDEN)
        if segment.startswith("."):  # the output marker and any other hidden file
            raise Refused(HTTPStatus.NOT_FOUND)
    return segments, trailing


def resolve_inside(root: Path, segments: list[str]) -> Path:
    """The real path `segments` name under `root`; refused if it leads outside it."""
    real_root = root.resolve()
    candidate = real_root.joinpath(*segments) if segments else real_root
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise Refused(HTTPStatus.NOT_FOUND) from None
    except (OSError, RuntimeError, ValueError):  # loops, names too long, ...
        raise Refused(HTTPStatus.NOT_FOUND) from None
    if not real.is_relative_to(real_root):
        raise Refused(HTTPStatus.FORBIDDEN)
    return real
