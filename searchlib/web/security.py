"""What every request and response of the web view gets, whatever Flask did.

The Host header is checked before Flask sees it (a DNS-rebinding page names its own host and gets a
400), every answer carries the security headers and a relative ``Location``, and werkzeug's own
answers (a malformed request line, an over-long header) are one line of text like the app's.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable
from urllib.parse import urlsplit

from ..errors import BadValue

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))


# ----------------------------------------------------------------------------- Host names

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::([0-9]{1,5}))?")


def parse_host(text: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a Host header value, or None when it is not a host name or address.

    Names are lower-cased and lose one trailing dot; IPv6 addresses keep their brackets, in short form.
    """
    match = _HOST.fullmatch(text.lower()) if text.isascii() else None  # "\u212a".lower() is "k"
    if not match:
        return None
    name, port = match.group(1), match.group(2)
    if name.startswith("["):
        try:
            name = f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            return None
    else:
        name = name[:-1] if name.endswith(".") else name
        if len(name) > 253 or not all(1 <= len(label) <= 63 for label in name.split(".")):  # a..b, .a
            return None
    if port is not None and not 1 <= int(port) <= 65535:
        return None
    return name, None if port is None else int(port)


def host_name(value: str) -> str:
    """``value`` (a host name or address, IPv6 with or without brackets) as the Host header names it.

    Raises:
        BadValue: if it is not a host name or address, or carries a port.
    """
    try:
        if ":" in value and not value.startswith("["):
            value = f"[{ipaddress.IPv6Address(value).compressed}]"
    except ValueError:
        pass
    parsed = parse_host(value)
    if parsed is None or parsed[1] is not None:
        raise BadValue(f"Invalid host name {value!r}: give a name or address without a port, "
                       "such as archive.example.org or 192.168.1.20")
    return parsed[0]


def host_names(bind_host: str, allow: Iterable[str] = ()) -> tuple[str, ...]:
    """The names a browser may use for a server listening on ``bind_host``.

    That is ``bind_host`` itself, the loopback names (``localhost``, ``127.0.0.1``, ``[::1]``) when it is
    a loopback or wildcard address, and each ``allow`` name (``*``: any name).

    Raises:
        BadValue: for an ``allow`` entry that is not a host name or address.
    """
    names: list[str] = []
    try:
        names.append(host_name(bind_host))
    except BadValue:
        pass  # not a name a browser can use; binding to it will say what is wrong
    try:
        address = ipaddress.ip_address(bind_host.strip("[]"))
        local = address.is_loopback or address.is_unspecified
    except ValueError:
        local = bind_host.lower() == "localhost"
    if local:
        names += LOOPBACK_NAMES
    names += ["*" if value == "*" else host_name(value) for value in allow]
    return tuple(dict.fromkeys(names))


class HostCheck:
    """Which Host headers the app answers: a page that a DNS-rebinding attack loads in a local browser
    names its own host, and gets a 400 instead of the archive."""

    def __init__(self, names: Iterable[str] = LOOPBACK_NAMES, port: int | None = None) -> None:
        names = tuple(names)
        self.any = "*" in names
        self.names = tuple(dict.fromkeys(host_name(n) for n in names if n != "*"))
        self.port = port  # None: any port (behind a WSGI server the app is not told its port)

    def problem(self, header: str | None) -> str | None:
        """None when ``header`` is acceptable, else the one-line message of the 400."""
        if header is None:  # HTTP/1.0 without Host: werkzeug uses the bound address
            return None
        shown = header[:100]
        parsed = parse_host(header)
        if parsed is None:
            return f"Bad Host header {shown!r}: expected a host name or address, with an optional :PORT"
        name, port = parsed
        if self.any or (name in self.names and (port is None or self.port is None or port == self.port)):
            return None
        if name in self.names:
            return f"Host {shown!r} names port {port}, but this server listens on port {self.port}"
        return (f"Host {shown!r} is not a name this server answers to ({', '.join(self.names)}); "
                f"to serve it, start searchlib serve with --allow-host {name}")


# ----------------------------------------------------------------------------- every response

def relative_location(url: str) -> str:
    """The path and query of ``url``.

    A redirect then never names a host (the Host header is the client's word, and werkzeug builds its
    redirects from it), and never starts with ``//`` or ``/\\``, which a browser reads as another host.
    """
    parts = urlsplit(url)
    return "/" + parts.path.lstrip("/\\") + (f"?{parts.query}" if parts.query else "")


def with_security_headers(headers) -> list[tuple[str, str]]:
    """``headers`` with the security headers set once each (replacing any earlier value), and any
    ``Location`` made relative."""
    ours = {name.lower() for name, _value in SECURITY_HEADERS}
    kept = [(k, relative_location(v) if k.lower() == "location" else v) for k, v in headers if k.lower() not in ours]
    return kept + list(SECURITY_HEADERS)


def plain_answer(environ, start_response, status: str, message: str) -> list[bytes]:
    """A one-line ``Error: ...`` text answer made without Flask."""
    body = f"Error: {message}\n".encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]


class Guard:
    """WSGI middleware in front of the Flask app: what every request and response gets, whatever Flask did.

    It answers a Host header that is malformed or not an accepted name with a one-line 400 before Flask
    sees it (Flask would build URLs from it). It sets the security headers on every response (pages,
    static files, redirects, every error), and makes redirect Locations relative. It answers a one-line
    500 when an exception escapes Flask itself, as when the error page cannot be rendered; werkzeug's
    server would otherwise send its own bare 500.
    """

    def __init__(self, wsgi_app, logger, hosts: HostCheck) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.hosts = hosts

    def __call__(self, environ, start_response):
        started = False

        def start(status, headers, exc_info=None):
            nonlocal started
            started = True
            return start_response(status, with_security_headers(headers), exc_info)

        problem = self.hosts.problem(environ.get("HTTP_HOST"))  # werkzeug puts an absolute URL's host here
        if problem:
            return plain_answer(environ, start, "400 BAD REQUEST", problem)
        try:
            return self.wsgi_app(environ, start)
        except Exception:  # the last resort: the traceback goes to the log, never to the client
            if started:
                raise
            self.logger.exception("unanswered error on %s", environ.get("PATH_INFO"))
            return plain_answer(environ, start, "500 INTERNAL SERVER ERROR",
                                "Something went wrong while answering this page; the server log has the details.")


def request_handler():
    """werkzeug's request handler, whose own answers (a malformed request line, an over-long line or
    header) are one line of text with the security headers, like the app's."""
    from werkzeug.serving import WSGIRequestHandler

    class RequestHandler(WSGIRequestHandler):
        error_message_format = "Error: %(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"
        _own_error = False

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if self.request_version == "HTTP/0.9":  # its answers are a bare body, with no headers at all
                self.send_error(505, "HTTP/0.9 is not served; use HTTP/1.0 or later")
                return False
            return True

        def send_error(self, code, message=None, explain=None):
            if self.request_version == "HTTP/0.9":  # also what http.server assumes of a line it cannot read
                self.request_version = "HTTP/1.0"  # so that the status line and the headers are sent
            self._own_error = True
            try:
                super().send_error(code, message, explain)
            finally:
                self._own_error = False

        def end_headers(self):
            if self._own_error:  # the app's responses already carry them (Guard)
                for name, value in SECURITY_HEADERS:
                    self.send_header(name, value)
            super().end_headers()

    return RequestHandler


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` value for ``methods`` in the usual order ("GET, HEAD"), whatever order werkzeug kept."""
    return ", ".join(sorted(set(methods), key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))


_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])(?:/[\w.~@+-]+){2,}/?")  # /srv/archive/index, not a URL's path


def without_paths(message: str, index_dir: str) -> str:
    """A message a page may show: the index folder (as given, absolute or real) written INDEX, so
    a damaged file still shows by its place in the index (``INDEX/gen-000001/x.seg``), and any
    other absolute file-system path replaced by words, so that no page tells where the server
    keeps its files (the server log has the whole message)."""
    import os

    for root in sorted({os.path.realpath(index_dir), os.path.abspath(index_dir)}, key=len, reverse=True):
        message = re.sub(re.escape(root) + r"(?=$|[/\s'\",;:)])", "INDEX", message)
    return _ABSOLUTE_PATH.sub("(a server path)", message)
