"""The address of a running Dask scheduler (``--scheduler``): checked as text before anything
runs, then probed within a timeout before a Dask client is made.

``distributed`` itself bounds the connection but not the handshake that follows (its client
waits for the peer's first message for ever), and it reads a length prefix from whatever the
peer sends: an HTTP server, a socket that listens but never accepts, or a peer that answers
garbage would hang the run or be taken for a lack of memory. :func:`probe` speaks the first two
messages of the Dask protocol itself, over a plain socket with a deadline and a size cap on each
read: the handshake, then ``identity``, whose answer names a ``Scheduler``.
"""

from __future__ import annotations

import ipaddress
import pickle
import re
import socket
import struct
import sys
import time
from typing import Any

__all__ = ["SchedulerAddress", "SchedulerError", "probe"]

EXAMPLE = "tcp://10.0.0.5:8786"
MAX_MESSAGE_BYTES = 1 << 20
"""A handshake or an identity answer (asked for no worker list) is well under a kilobyte."""
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_-]+)*\.?$")


_HUNG_UP = "it closed the connection without a Dask handshake"


class SchedulerError(Exception):
    """The --scheduler address is malformed, unreachable, or not a Dask scheduler."""


class SchedulerAddress(str):
    """A checked scheduler address: ``tcp://HOST:PORT`` (``HOST:PORT`` with no scheme is Dask's
    default, tcp), or ``inproc://...``, the address of a scheduler running in this very process
    (a ``LocalCluster(processes=False)`` of a notebook or a test; ``host`` is then None and
    nothing is probed). ``timeout``: the seconds allowed to connect and, separately, to complete
    the handshake (None: the caller's default). ``given``: the text as written, for messages."""

    given: str
    host: str | None
    port: int | None
    timeout: float | None

    def __new__(cls, text: str, timeout: float | None = None) -> SchedulerAddress:
        if isinstance(text, SchedulerAddress):
            given, host, port = text.given, text.host, text.port
        else:
            given = str(text)
            host, port = _parse(given)
        if host is None:
            self = super().__new__(cls, given.strip())
        else:
            self = super().__new__(cls, f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}")
        self.given, self.host, self.port = given, host, port
        self.timeout = timeout if timeout is not None else getattr(text, "timeout", None)
        return self


def _bad(text: str, why: str) -> SchedulerError:
    return SchedulerError(
        f"--scheduler {text or repr(text)}: {why}; expected the address of a Dask scheduler, "
        f"tcp://HOST:PORT (e.g. {EXAMPLE})"
    )


def _parse(text: str) -> tuple[str | None, int | None]:
    rest = text.strip()
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
        if scheme.lower() == "inproc" and rest:
            return None, None
        if scheme.lower() != "tcp":
            raise _bad(text, f"the scheme {scheme + '://'!r} is not supported, only tcp://")
    if not rest:
        raise _bad(text, "no host and port")
    if any(c in rest for c in "/?#@ \t"):
        raise _bad(text, "a host and port only, with no path, user or spaces")
    if rest.startswith("["):
        host, sep, port = rest[1:].partition("]")
        if not sep:
            raise _bad(text, "an IPv6 address opened with [ is not closed with ]")
        if not port.startswith(":"):
            raise _bad(text, "no port after the IPv6 address")
        port = port[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _bad(text, f"{host!r} is not an IPv6 address") from None
    else:
        host, sep, port = rest.rpartition(":")
        if not sep:
            raise _bad(text, "no port")
        if ":" in host:
            raise _bad(text, "an IPv6 address needs brackets, e.g. tcp://[::1]:8786")
        if not _HOSTNAME.match(host):
            raise _bad(text, f"{host!r} is not a host name or an IP address")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _bad(text, f"the port {port!r} is not a whole number from 1 to 65535")
    return host, int(port)


def probe(address: SchedulerAddress, timeout: float) -> dict[str, Any]:
    """Connect to ``address`` (retrying a refused connection, as a scheduler may be starting)
    within ``timeout`` seconds, then exchange the Dask handshake and ask its identity within
    ``timeout`` seconds more. Returns the identity; raises SchedulerError saying what the peer
    did instead."""
    where = f"--scheduler {address.given}"
    deadline = time.monotonic() + timeout
    last: OSError | None = None
    sock = None
    while sock is None:
        left = deadline - time.monotonic()
        if left <= 0:
            why = "no answer" if last is None or isinstance(last, TimeoutError) else _os_words(last)
            raise SchedulerError(
                f"{where}: cannot connect to a Dask scheduler there within {timeout:g} s ({why}); "
                f"expected the address of a running scheduler, e.g. {EXAMPLE} "
                "(--scheduler-timeout sets the wait)"
            )
        try:
            sock = socket.create_connection((address.host, address.port), timeout=left)
        except socket.gaierror as e:
            raise SchedulerError(f"{where}: unknown host {address.host!r} ({e.strerror})") from None
        except OSError as e:
            last = e
            if not isinstance(e, ConnectionRefusedError | TimeoutError):
                raise SchedulerError(
                    f"{where}: cannot connect to a Dask scheduler there ({_os_words(e)}); "
                    f"expected the address of a running scheduler, e.g. {EXAMPLE}"
                ) from None
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    with sock:
        deadline = time.monotonic() + timeout
        not_dask = f"{where}: not a Dask scheduler:"
        try:
            _send(sock, _handshake())
            hello = _receive(sock, deadline)
            if not (isinstance(hello, dict) and "pickle-protocol" in hello):
                raise _NotDask(f"its first message is not a Dask handshake ({_show(hello)})")
            _send(sock, {"op": "identity", "n_workers": 0, "reply": True, "close": True})
            who = _receive(sock, deadline)
        except TimeoutError:
            raise SchedulerError(
                f"{not_dask} it accepted the connection but completed no Dask handshake within "
                f"{timeout:g} s (--scheduler-timeout sets the wait)"
            ) from None
        except _NotDask as e:
            raise SchedulerError(f"{not_dask} {e}") from None
        except (ConnectionResetError, BrokenPipeError):
            raise SchedulerError(f"{not_dask} {_HUNG_UP}") from None
        except OSError as e:
            raise SchedulerError(
                f"{not_dask} the connection failed during the handshake ({_os_words(e)})"
            ) from None
    kind = who.get("type") if isinstance(who, dict) else None
    if kind != "Scheduler":
        what = f"a Dask {kind}" if isinstance(kind, str) else "not a scheduler (a worker or a nanny?)"
        raise SchedulerError(f"{not_dask} it speaks the Dask protocol, but it is {what}")
    return who


class _NotDask(Exception):
    pass


def _handshake() -> dict[str, Any]:
    """What a Dask client says first (``Comm.handshake_info``), compression off."""
    return {
        "compression": None,
        "python": tuple(sys.version_info[:3]),
        "pickle-protocol": pickle.HIGHEST_PROTOCOL,
    }


def _send(sock: socket.socket, msg: dict[str, Any]) -> None:
    """One message as distributed's TCP comm frames it: the byte count of what follows, the
    frame count and sizes, then the frames."""
    from distributed.protocol import dumps
    from distributed.protocol.utils import pack_frames_prelude

    frames = [bytes(f) for f in dumps(msg)]
    prelude = pack_frames_prelude(frames)
    sock.sendall(struct.pack("Q", len(prelude) + sum(map(len, frames))) + prelude + b"".join(frames))


def _receive(sock: socket.socket, deadline: float) -> Any:
    from distributed.protocol import loads
    from distributed.protocol.utils import unpack_frames

    head = _read(sock, 8, deadline)
    (size,) = struct.unpack("Q", head)
    if not 16 <= size <= MAX_MESSAGE_BYTES:
        raise _garbled(head)
    body = _read(sock, size, deadline)
    try:
        frames, missing = unpack_frames(body, partial=True)
        if missing:
            raise ValueError("frames sent apart")
        return loads(frames, deserialize=False)
    except Exception:  # noqa: BLE001 - whatever the peer sent, it is not a Dask message
        raise _garbled(head) from None


def _garbled(head: bytes) -> _NotDask:
    return _NotDask(f"it answered, but not in the Dask protocol (its first bytes: {_show(head)})")


def _read(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            if buf:
                raise _NotDask(f"it closed the connection mid-message (its first bytes: {_show(bytes(buf))})")
            raise _NotDask(_HUNG_UP)
        buf += chunk
    return bytes(buf)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _os_words(e: OSError) -> str:
    return (e.strerror or type(e).__name__).lower()
