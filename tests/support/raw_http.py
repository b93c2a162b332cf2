"""HTTP/1.1 over a bare socket, for the requests urllib will not send: invalid UTF-8 or CR/LF/NUL inside a
header, the same header twice, headers trickled one byte at a time.

The request is written exactly as given (no normalisation, no added headers except what the caller puts in);
the answer is parsed just enough to test it: status, headers (every value of each, lower-cased names), body.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Header = tuple[bytes, bytes]


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    raw: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


def build(
    method: str,
    target: str,
    headers: Sequence[Header] = (),
    body: bytes = b"",
    *,
    host: bytes = b"127.0.0.1",
    close: bool = True,
    content_length: bool = True,
) -> bytes:
    """The request's bytes: request line, ``Host``, the given headers verbatim, ``Content-Length`` for a body
    (unless ``content_length`` is False: a chunked body is then the caller's to frame)."""
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: " + host]
    lines += [name + b": " + value for name, value in headers]
    if content_length and (body or method in ("POST", "PUT")):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def send(
    port: int,
    request: bytes,
    *,
    timeout: float = 30.0,
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
) -> RawAnswer:
    """Write the request at once and read the answer until the server closes (send ``Connection: close``)."""
    with _connect(host, port, timeout, tls) as connection:
        connection.sendall(request)
        return parse(_read_all(connection))


def trickle(port: int, chunks: Iterable[bytes], interval: float, *, deadline: float) -> tuple[RawAnswer | None, float]:
    """Send ``chunks`` one at a time, ``interval`` seconds apart, until the server answers or closes, or
    ``deadline`` seconds pass; returns the answer (None if none came) and the seconds from the first byte until
    the server had answered and closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=deadline) as connection:
        connection.setblocking(False)
        began = time.monotonic()
        received = b""
        closed = False
        for chunk in chunks:
            if time.monotonic() - began > deadline:
                break
            try:
                connection.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            received, closed = _drain(connection, received, interval)
            if closed:
                break
        while not closed and time.monotonic() - began < deadline:
            received, closed = _drain(connection, received, 0.1)
        took = time.monotonic() - began
    return (parse(received) if received else None), took


def _drain(connection: socket.socket, received: bytes, wait: float) -> tuple[bytes, bool]:
    """Whatever arrives within ``wait`` seconds; True once the server has closed."""
    end = time.monotonic() + wait
    while True:
        try:
            chunk = connection.recv(65536)
        except BlockingIOError:
            if time.monotonic() >= end:
                return received, False
            time.sleep(min(0.02, max(0.0, end - time.monotonic())))
            continue
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk


def _connect(host: str, port: int, timeout: float, tls: ssl.SSLContext | None) -> socket.socket:
    plain = socket.create_connection((host, port), timeout=timeout)
    if tls is None:
        return plain
    try:
        return tls.wrap_socket(plain, server_hostname=host)
    except BaseException:
        plain.close()
        raise


def _read_all(connection: socket.socket) -> bytes:
    received = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received


def parse(raw: bytes) -> RawAnswer:
    """One HTTP/1.1 answer (Content-Length or chunked body)."""
    head, separator, rest = raw.partition(b"\r\n\r\n")
    if not separator:
        raise ValueError(f"no complete HTTP answer: {raw[:200]!r}")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"not an HTTP answer: {status_line!r}")
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in (headers.get("transfer-encoding") or [""])[0].lower():
        body = _unchunk(rest)
    elif "content-length" in headers:
        body = rest[: int(headers["content-length"][0])]
    else:
        body = rest
    return RawAnswer(int(parts[1]), headers, body, raw)


def _unchunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body
