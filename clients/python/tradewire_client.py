"""tradewire_client - a small client for external models (docs/design.md §6).

An external model sends *signals* to the signal-engine's ``signal_in``
endpoint and gets an *ack* back; it may also listen to the market feed's
ticks (``feed_pub``) and to the order-gateway's events (``gateway_pub``).
Every message is one msgpack map with string keys (proto/README.md is the
contract). This module needs only Debian's ``python3-zmq`` and
``python3-msgpack``.

Signals are sent Lazy-Pirate style: a REQ socket with LINGER 0, a bounded
wait for the reply, and on silence the socket is thrown away, a fresh one
made, and the *same bytes* (so the same ``req_id``) sent again, for a
bounded number of attempts. The signal-engine derives the gateway command's
id from the model's ``req_id``, so a repeat gets the gateway's first verdict
and nothing is done twice. A call never waits longer than
``timeout_ms * attempts`` (plus the time to connect), and when no reply came
it raises :class:`NoReplyError` naming the ``req_id`` to send again.

Signals carry no ``expires_at``: the signal-engine stamps the gateway command
with its own ``[signal] order_ttl_ms`` (default 5 s) when it forwards it, and
the gateway refuses a command after that. A model therefore bounds its own
patience with ``timeout_ms`` and ``attempts``; the default per-attempt
patience (5 s) is above what the engine can take to give up on the gateway
(``[signal] command_timeout_ms`` x ``command_attempts``, 3 s by default), so
a slow gateway shows as a ``rejected`` ack ("gateway did not answer") rather
than as a retry.

Example::

    client = SignalClient("tcp://127.0.0.1:5558", model="meanrev")
    ack = client.open_long("NSE:SBIN-EQ", qty=10, sl=595.5, tp=610)
    if not ack.ok:
        print("refused:", ack.error)
    ...
    client.close("NSE:SBIN-EQ")
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

import msgpack
import zmq

__all__ = [
    "PROTOCOL_VERSION",
    "DEFAULT_SIGNAL_IN",
    "DEFAULT_FEED_PUB",
    "DEFAULT_GATEWAY_PUB",
    "TradewireError",
    "NoReplyError",
    "ProtocolError",
    "Ack",
    "Message",
    "SignalClient",
    "TickSubscriber",
    "EventSubscriber",
    "encode",
    "decode",
    "make_req_id",
    "position_id",
    "request",
]

PROTOCOL_VERSION = 1
DEFAULT_SIGNAL_IN = "tcp://127.0.0.1:5558"
DEFAULT_FEED_PUB = "tcp://127.0.0.1:5555"
DEFAULT_GATEWAY_PUB = "tcp://127.0.0.1:5557"

# The wire's limits (proto/README.md, "Limits"): the longest string, in
# UTF-8 bytes, that each field may hold.
REQ_ID_MAX = 63
SYMBOL_MAX = 47
MODEL_MAX = 31
# The decoder refuses a frame above this (TW_MAX_FRAME).
MAX_FRAME = 4 * 1024 * 1024

ACTIONS = ("open_long", "open_short", "close")
STATUSES = ("accepted", "duplicate", "rejected")
# Every position the signal-engine opens is of this product, so a symbol's
# position id is "<symbol>-INTRADAY".
PRODUCT = "INTRADAY"


class TradewireError(Exception):
    """Base class of this module's errors."""


class NoReplyError(TradewireError, TimeoutError):
    """No reply came after every attempt.

    The request may or may not have taken effect: send it again with the same
    ``req_id`` (kept in :attr:`req_id`) to learn the verdict without doing
    anything twice.
    """

    def __init__(self, endpoint: str, req_id: str, attempts: int, timeout_ms: int) -> None:
        super().__init__(
            f"no reply from {endpoint} to req_id={req_id!r} after {attempts} attempt(s) "
            f"of {timeout_ms} ms; it may still take effect: send it again with the same req_id"
        )
        self.endpoint = endpoint
        self.req_id = req_id
        self.attempts = attempts
        self.timeout_ms = timeout_ms


class ProtocolError(TradewireError):
    """A frame that is not a tradewire message of the expected type."""


@dataclass(frozen=True)
class Ack:
    """The signal-engine's answer to a signal (the ``ack`` message).

    ``status`` is ``accepted`` (the gateway recorded the command; the outcome
    follows as gateway events), ``duplicate`` (already done or in progress:
    nothing was done twice) or ``rejected`` (``error`` says why). ``id`` is
    the position the signal concerns (``NSE:SBIN-EQ-INTRADAY``) when known.
    ``attempts`` is how many times this client sent the signal.
    """

    req_id: str
    status: str
    id: str = ""
    error: str = ""
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True unless the signal was rejected."""
        return self.status != "rejected"


@dataclass(frozen=True)
class Message:
    """A message heard on a PUB socket: its topic and its decoded map."""

    topic: str
    body: Dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        """The message's ``type`` (``tick``, ``position_opened``, ...)."""
        return str(self.body.get("type", ""))


# ---------------------------------------------------------------------------
# Encoding.

_counter = itertools.count(1)


def make_req_id(prefix: str = "py") -> str:
    """A fresh request id: ``<prefix>-<pid>-<ms since epoch>-<n>``.

    Unique across the processes of a machine and across restarts of one, and
    short enough for the wire (63 bytes) with a prefix of up to 20 bytes.
    """
    return f"{prefix[:20]}-{os.getpid()}-{time.time_ns() // 1_000_000}-{next(_counter)}"


def position_id(symbol: str) -> str:
    """The id of the position that signals on symbol open and close."""
    return f"{symbol}-{PRODUCT}"


def encode(msg_type: str, fields: Dict[str, Any]) -> bytes:
    """One frame: the map ``{"v": 1, "type": msg_type, "ts": now_ns, **fields}``.

    Strings go as msgpack str, Python floats as float64, ints as integers.
    Fields whose value is None are left out.
    """
    body: Dict[str, Any] = {"v": PROTOCOL_VERSION, "type": msg_type, "ts": time.time_ns()}
    body.update({k: v for k, v in fields.items() if v is not None})
    return msgpack.packb(body, use_bin_type=True)


def decode(frame: bytes) -> Dict[str, Any]:
    """The map in one frame. Raises :class:`ProtocolError` when the frame is
    not one msgpack map with string keys, ``v`` = 1 and a string ``type``."""
    if len(frame) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    try:
        body = msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types
        raise ProtocolError(f"malformed msgpack: {exc}") from exc
    if not isinstance(body, dict):
        raise ProtocolError(f"expected a map, got {type(body).__name__}")
    if body.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {body.get('v')!r}")
    if not isinstance(body.get("type"), str):
        raise ProtocolError("missing field 'type'")
    return body


def _check_str(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if "\0" in value or len(value.encode("utf-8")) > limit:
        raise ValueError(f"{name} must be at most {limit} bytes without NUL, got {value!r}")
    return value


def _check_price(name: str, value: Any) -> Optional[float]:
    """A price for the wire, or None (left out) for 0 ("not set")."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    price = float(value)
    if not math.isfinite(price) or price < 0:
        raise ValueError(f"{name} must be a finite price >= 0, got {value!r}")
    return price if price > 0 else None


# ---------------------------------------------------------------------------
# Requests.


def _exchange(
    context: zmq.Context, endpoint: str, frame: bytes, req_id: str, timeout_ms: int, attempts: int
) -> Tuple[Dict[str, Any], int]:
    """The Lazy Pirate loop: (the decoded reply, the attempt that got it)."""
    if timeout_ms <= 0 or attempts <= 0:
        raise ValueError("timeout_ms and attempts must be positive")
    for attempt in range(1, attempts + 1):
        # A REQ socket that got no reply is stuck (it may not send again):
        # throw it away, with whatever it still queues (LINGER 0).
        sock = context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            sock.connect(endpoint)
            sock.send(frame)
            if sock.poll(timeout_ms, zmq.POLLIN):
                return decode(sock.recv()), attempt
        finally:
            sock.close(linger=0)
    raise NoReplyError(endpoint, req_id, attempts, timeout_ms)


def request(
    endpoint: str,
    frame: bytes,
    req_id: str = "",
    timeout_ms: int = 5000,
    attempts: int = 3,
    context: Optional[zmq.Context] = None,
) -> Dict[str, Any]:
    """Sends frame to endpoint on a REQ socket and returns the decoded reply.

    Lazy Pirate: each attempt uses a fresh REQ socket (LINGER 0) and waits
    up to timeout_ms; after attempts silent attempts it raises
    :class:`NoReplyError` (req_id names the request in its message). Every
    attempt sends the same frame. Raises :class:`ProtocolError` when the
    reply cannot be decoded. Good for any request of proto/README.md, for
    example a ``ping`` to a control endpoint.
    """
    ctx = context or zmq.Context.instance()
    return _exchange(ctx, endpoint, frame, req_id, timeout_ms, attempts)[0]


class SignalClient:
    """A model's connection to the signal-engine's ``signal_in``.

    model names the model in the engine's logs (at most 31 bytes). Each call
    waits at most ``timeout_ms`` per attempt for ``attempts`` attempts (see
    :func:`request`). Not thread-safe: use one client per thread.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_SIGNAL_IN,
        model: str = "python-model",
        timeout_ms: int = 5000,
        attempts: int = 3,
        context: Optional[zmq.Context] = None,
    ) -> None:
        self.endpoint = endpoint
        self.model = _check_str("model", model, MODEL_MAX)
        if timeout_ms <= 0 or attempts <= 0:
            raise ValueError("timeout_ms and attempts must be positive")
        self.timeout_ms = timeout_ms
        self.attempts = attempts
        self._context = context or zmq.Context.instance()

    def open_long(
        self, symbol: str, qty: int, sl: float = 0, tp: float = 0, req_id: Optional[str] = None
    ) -> Ack:
        """Asks to open a long position of qty on symbol, with optional
        stop-loss and take-profit prices in rupees (0: none)."""
        return self.signal("open_long", symbol, qty=qty, sl=sl, tp=tp, req_id=req_id)

    def open_short(
        self, symbol: str, qty: int, sl: float = 0, tp: float = 0, req_id: Optional[str] = None
    ) -> Ack:
        """Asks to open a short position of qty on symbol (see open_long)."""
        return self.signal("open_short", symbol, qty=qty, sl=sl, tp=tp, req_id=req_id)

    def close(self, symbol: str, req_id: Optional[str] = None) -> Ack:
        """Asks to close the position on symbol (reason ``Model Close``). A
        close of a flat or closing position is acked ``duplicate``."""
        return self.signal("close", symbol, req_id=req_id)

    def signal(
        self,
        action: str,
        symbol: str,
        qty: Optional[int] = None,
        sl: float = 0,
        tp: float = 0,
        req_id: Optional[str] = None,
    ) -> Ack:
        """Sends one signal and returns the engine's ack.

        req_id defaults to a fresh one (:func:`make_req_id`); pass the same
        one again to repeat a signal whose reply was lost. Raises ValueError
        for a signal the engine would refuse (a bad action, symbol, qty or
        price, or qty/sl/tp on a close), :class:`NoReplyError` when the engine
        never answered and :class:`ProtocolError` when it answered with
        something that is not an ack.
        """
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        req_id = _check_str("req_id", req_id or make_req_id(self.model), REQ_ID_MAX)
        fields: Dict[str, Any] = {
            "req_id": req_id,
            "symbol": _check_str("symbol", symbol, SYMBOL_MAX),
            "action": action,
        }
        if action == "close":
            if qty is not None or sl or tp:
                raise ValueError("a close carries no qty, sl or tp")
        else:
            if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
                raise ValueError(f"qty must be an integer > 0, got {qty!r}")
            fields["qty"] = qty
            fields["sl"] = _check_price("sl", sl)
            fields["tp"] = _check_price("tp", tp)
        fields["model"] = self.model
        frame = encode("signal", fields)
        body, attempt = _exchange(
            self._context, self.endpoint, frame, req_id, self.timeout_ms, self.attempts
        )
        return _ack(body, attempt)


def _ack(body: Dict[str, Any], attempts: int) -> Ack:
    if body["type"] != "ack":
        raise ProtocolError(f"expected an ack, got {body['type']!r}")
    status = body.get("status")
    if status not in STATUSES:
        raise ProtocolError(f"ack with an invalid status {status!r}")
    return Ack(
        req_id=str(body.get("req_id", "")),
        status=status,
        id=str(body.get("id", "")),
        error=str(body.get("error", "")),
        attempts=attempts,
    )


# ---------------------------------------------------------------------------
# Subscribers.


class _Subscriber:
    """A SUB socket on a PUB endpoint whose messages are two frames: the
    topic and the map."""

    def __init__(
        self, endpoint: str, topics: Iterable[str], context: Optional[zmq.Context] = None
    ) -> None:
        self.endpoint = endpoint
        self._sock = (context or zmq.Context.instance()).socket(zmq.SUB)
        self._sock.setsockopt(zmq.LINGER, 0)
        for topic in topics:
            self._sock.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))
        self._sock.connect(endpoint)
        self.malformed = 0  # messages dropped because they did not decode

    def __enter__(self) -> "_Subscriber":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the socket; safe to call twice."""
        self._sock.close(linger=0)

    @property
    def socket(self) -> zmq.Socket:
        """The SUB socket, to register with a ``zmq.Poller`` (then call
        :meth:`recv` with timeout 0 when it is readable)."""
        return self._sock

    def _accept(self, msg: Message) -> bool:
        return True

    def recv(self, timeout_ms: int = 0) -> Optional[Message]:
        """The next message, waiting up to timeout_ms (0: do not wait);
        None when none came. Malformed messages are counted and skipped."""
        deadline = time.monotonic() + timeout_ms / 1000.0
        while True:
            left = max(0, int((deadline - time.monotonic()) * 1000))
            if not self._sock.poll(left, zmq.POLLIN):
                return None
            frames: List[bytes] = self._sock.recv_multipart()
            try:
                if len(frames) != 2:
                    raise ProtocolError(f"expected 2 frames, got {len(frames)}")
                msg = Message(frames[0].decode("utf-8", "replace"), decode(frames[1]))
            except ProtocolError:
                self.malformed += 1
                continue
            if self._accept(msg):
                return msg


class TickSubscriber(_Subscriber):
    """The market feed's ticks for the given symbols (topic
    ``tick.<symbol>``), or for every symbol when symbols is empty. A tick's
    body has ``symbol`` and ``ltp`` (and ``bid``, ``ask``, ``volume`` when
    the source has them)."""

    def __init__(
        self,
        endpoint: str = DEFAULT_FEED_PUB,
        symbols: Iterable[str] = (),
        context: Optional[zmq.Context] = None,
    ) -> None:
        self.symbols = frozenset(symbols)
        topics = [f"tick.{s}" for s in self.symbols] or ["tick."]
        super().__init__(endpoint, topics, context)

    def _accept(self, msg: Message) -> bool:
        # ZeroMQ matches by prefix: tick.NSE:SBIN also gets tick.NSE:SBIN-EQ.
        return msg.type == "tick" and (
            not self.symbols or msg.body.get("symbol") in self.symbols
        )


class EventSubscriber(_Subscriber):
    """The order-gateway's events (topic ``pos.<type>``): position_opened,
    position_updated, position_closing, position_closed, exit_failed and
    order_rejected, their fields flat in the body (proto/README.md); with
    heartbeats=True also the ``heartbeat`` (topic ``hb``) it sends every
    second or so."""

    def __init__(
        self,
        endpoint: str = DEFAULT_GATEWAY_PUB,
        heartbeats: bool = False,
        context: Optional[zmq.Context] = None,
    ) -> None:
        super().__init__(endpoint, ["pos.", "hb"] if heartbeats else ["pos."], context)
