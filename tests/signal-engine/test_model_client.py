#!/usr/bin/python3
"""Tests of the Python model client (clients/python/) against the real stack.

The real order-gateway (paper broker), the real signal-engine (no built-in
strategy) and the real market-feed (synthetic source, fast ticks) run as
processes in a scratch directory, on free loopback ports picked at run time.
The client's own behaviour (Lazy Pirate retries with the same req_id, a
bounded wait, refusing bad signals) is tested against a fake ROUTER first.
Every wait is a bounded poll of something observable, every process is
stopped at the end (SIGTERM, then SIGKILL), also when a test fails, and each
service must exit 0 after its SIGTERM.

The binaries come from the environment: GATEWAY, SIGNAL_ENGINE, MARKET_FEED
(meson sets them); CLIENT_DIR is clients/python.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Callable, Dict, List, Optional

import zmq

sys.path.insert(0, os.environ.get("CLIENT_DIR", ""))
import tradewire_client as tw  # noqa: E402  (after the path is set)

SYMBOL = "NSE:SBIN-EQ"
POS_ID = "NSE:SBIN-EQ-INTRADAY"
WAIT_S = 20.0  # the bound of every wait for the stack
STOP_S = 5.0  # the bound of a service's exit after SIGTERM
POLL_S = 0.05  # pacing of bounded polls
CLIENT_TIMEOUT_MS = 8000  # above the engine's 3 x 1000 ms for the gateway
EXAMPLE = os.path.join(os.environ.get("CLIENT_DIR", ""), "example_model.py")
ENDPOINT_KEYS = [
    "FEED_PUB",
    "GATEWAY_REP",
    "GATEWAY_PUB",
    "SIGNAL_IN",
    "FEED_CONTROL",
    "RISK_CONTROL",
    "SIGNAL_CONTROL",
    "NOTIFIER_CONTROL",
]


def free_ports(count: int) -> List[int]:
    """count distinct ports that were free on 127.0.0.1 a moment ago."""
    socks, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Polls check until it is true; fails the test after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(POLL_S)  # pacing a bounded poll of an observable state
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def tail(path: str, lines: int = 25) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as exc:
        return f"({exc})"


class Stack:
    """The scratch directory, the environment and the services started in it."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="tw-model-client-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TW_")}
        self.endpoints: Dict[str, str] = {}
        for key, port in zip(ENDPOINT_KEYS, free_ports(len(ENDPOINT_KEYS))):
            self.endpoints[key] = f"tcp://127.0.0.1:{port}"
            self.env["TW_ENDPOINTS_" + key] = self.endpoints[key]
        self.env.update(
            {
                "TW_GATEWAY_BROKER": "paper",
                "TW_GATEWAY_DB": "gateway.db",
                "TW_GATEWAY_PAPER_DB": "paper.db",
                "TW_GATEWAY_HEARTBEAT_MS": "100",
                "TW_FEED_SOURCE": "synthetic",
                "TW_FEED_SYMBOLS": SYMBOL,
                "TW_FEED_TICK_INTERVAL_MS": "20",
                "TW_SIGNAL_STRATEGY": "none",
            }
        )
        self.procs: Dict[str, subprocess.Popen] = {}
        self.failed_stops: List[str] = []

    def log(self, name: str) -> str:
        return os.path.join(self.dir, name + ".log")

    def start(self, name: str, argv: List[str]) -> subprocess.Popen:
        with open(self.log(name), "ab") as log:
            proc = subprocess.Popen(
                argv, cwd=self.dir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.procs[name] = proc
        return proc

    def start_service(self, name: str, variable: str) -> None:
        binary = os.environ.get(variable)
        if not binary:
            raise AssertionError(f"{variable} is not set (run the test through meson)")
        self.start(name, [os.path.abspath(binary)])

    def stop(self, name: str) -> Optional[int]:
        """SIGTERM, a bounded wait, then SIGKILL. Returns the exit code, or
        None when it had to be killed."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code: Optional[int] = proc.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = None
        if code != 0:
            self.failed_stops.append(f"{name} exit {code}:\n{tail(self.log(name))}")
        return code

    def destroy(self, keep: bool) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)
        if keep:
            sys.stderr.write(f"test_model_client: kept {self.dir}\n")
            for name in os.listdir(self.dir):
                if name.endswith(".log"):
                    sys.stderr.write(f"--- {name}\n{tail(os.path.join(self.dir, name))}\n")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def ask(self, key: str, msg_type: str) -> Optional[dict]:
        """A ping or status on endpoint key; None when nothing answered."""
        req_id = tw.make_req_id("test")
        frame = tw.encode(msg_type, {"req_id": req_id})
        try:
            return tw.request(self.endpoints[key], frame, req_id, timeout_ms=1000, attempts=1)
        except tw.NoReplyError:
            return None

    def counter(self, key: str, msg_type: str, name: str) -> int:
        pong = self.ask(key, msg_type)
        if pong is None:
            raise AssertionError(f"nothing answers {msg_type} on {key}")
        return int(pong["counters"].get(name, -1))


class ClientTest(unittest.TestCase):
    """The client alone, against a fake signal-engine (a ROUTER)."""

    def setUp(self) -> None:
        self.ctx = zmq.Context()
        self.router = self.ctx.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        port = self.router.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self.received: List[dict] = []
        self.stop = threading.Event()

    def tearDown(self) -> None:
        self.stop.set()
        if hasattr(self, "thread"):
            self.thread.join(WAIT_S)
        self.router.close(linger=0)
        self.ctx.term()

    def serve(self, answer_from: int) -> None:
        """Answers each request from the answer_from-th on (1-based) with an
        ack echoing its req_id, in a thread; records every request."""

        def run() -> None:
            while not self.stop.is_set():
                if not self.router.poll(50, zmq.POLLIN):
                    continue
                frames = self.router.recv_multipart()
                body = tw.decode(frames[-1])
                self.received.append(body)
                if len(self.received) >= answer_from:
                    ack = tw.encode(
                        "ack", {"req_id": body["req_id"], "status": "accepted", "id": POS_ID}
                    )
                    self.router.send_multipart(frames[:-1] + [ack])

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def test_retry_sends_the_same_req_id(self) -> None:
        self.serve(answer_from=2)
        # Patience enough that the answered second attempt is surely the last.
        client = tw.SignalClient(self.endpoint, "fake-test", timeout_ms=2000, attempts=3)
        ack = client.open_long(SYMBOL, qty=3, sl=95.5, tp=110, req_id="retry-1")
        self.assertEqual(ack.status, "accepted")
        self.assertEqual(ack.attempts, 2)
        self.assertEqual(ack.req_id, "retry-1")
        self.assertEqual(len(self.received), 2)
        first, second = self.received
        self.assertEqual(first, second)  # the same bytes, so the same ts too
        self.assertEqual(first["req_id"], "retry-1")
        # The exact keys and types of the signal (proto/README.md).
        self.assertEqual(
            sorted(first),
            sorted(["v", "type", "ts", "req_id", "symbol", "action", "qty", "sl", "tp", "model"]),
        )
        self.assertEqual(
            (first["type"], first["action"], first["model"]), ("signal", "open_long", "fake-test")
        )
        self.assertIsInstance(first["ts"], int)
        self.assertIsInstance(first["qty"], int)
        self.assertIsInstance(first["tp"], float)

    def test_close_has_no_qty_and_fresh_req_ids(self) -> None:
        self.serve(answer_from=1)
        client = tw.SignalClient(self.endpoint, "fake-test", timeout_ms=2000, attempts=1)
        client.close(SYMBOL)
        client.close(SYMBOL)
        self.assertEqual(len(self.received), 2)
        self.assertNotIn("qty", self.received[0])
        self.assertNotEqual(self.received[0]["req_id"], self.received[1]["req_id"])

    def test_no_reply_is_bounded(self) -> None:
        self.serve(answer_from=10**6)  # never answers
        client = tw.SignalClient(self.endpoint, "fake-test", timeout_ms=500, attempts=3)
        with self.assertRaises(tw.NoReplyError) as caught:
            client.close(SYMBOL, req_id="lost-1")
        self.assertEqual((caught.exception.req_id, caught.exception.attempts), ("lost-1", 3))
        # An attempt whose socket closed before its request left may never
        # arrive; those that did are the same request, at most three.
        wait_for("an attempt", lambda: len(self.received) >= 1)
        self.assertLessEqual(len(self.received), 3)
        self.assertEqual({body["req_id"] for body in self.received}, {"lost-1"})

    def test_bad_signals_are_refused_before_sending(self) -> None:
        client = tw.SignalClient(self.endpoint, "fake-test", timeout_ms=100, attempts=1)
        bad: List[Callable[[], object]] = [
            lambda: client.open_long(SYMBOL, qty=0),
            lambda: client.open_long(SYMBOL, qty=1.5),  # type: ignore[arg-type]
            lambda: client.open_short(SYMBOL, qty=1, sl=float("nan")),
            lambda: client.open_short("", qty=1),
            lambda: client.open_short("X" * 48, qty=1),
            lambda: client.signal("close", SYMBOL, qty=1),
            lambda: client.signal("flatten", SYMBOL),
            lambda: client.close(SYMBOL, req_id="r" * 64),
            lambda: tw.SignalClient(self.endpoint, "m" * 32),
        ]
        for call in bad:
            with self.assertRaises(ValueError):
                call()
        self.assertEqual(self.received, [])


class FakeClient:
    """Stands in for SignalClient in ModelTest: records each signal and
    answers from a script (an Ack status, or "lost" for NoReplyError)."""

    def __init__(self, script: List[str]) -> None:
        self.script = script
        self.sent: List[tuple] = []

    def signal(self, action: str, symbol: str, qty=None, sl=0.0, tp=0.0, req_id=""):  # type: ignore
        self.sent.append((action, req_id))
        status = self.script.pop(0) if self.script else "accepted"
        if status == "lost":
            raise tw.NoReplyError("fake", req_id, 1, 1)
        return tw.Ack(req_id, status, POS_ID)

    def close(self, symbol: str, req_id: str = ""):  # type: ignore
        return self.signal("close", symbol, req_id=req_id)


class ModelTest(unittest.TestCase):
    """The example model's decisions, fed ticks and events by hand."""

    def model(self, script: List[str]):  # type: ignore
        import example_model

        args = example_model.parse_args(
            ["--fast", "1", "--slow", "2", "--hold", "2", "--sl-pct", "1", "--tp-pct", "1"]
        )
        client = FakeClient(script)
        return example_model.Model(args, client), client  # type: ignore[arg-type]

    @staticmethod
    def event(kind: str, **fields: object) -> tw.Message:
        body = {"type": kind, "id": POS_ID, "symbol": SYMBOL, "side": "long", "qty": 1}
        body.update({"entry_price": 100.0, "sl": 0.0, "tp": 0.0, "reason": "Model Close"})
        body.update({"exit_price": 100.0, "pnl": 0.0})
        body.update(fields)
        return tw.Message("pos." + kind, body)

    def test_a_lost_reply_is_sent_again_with_its_req_id(self) -> None:
        model, client = self.model(["lost", "accepted"])
        for price in (100, 99, 101):  # the third tick crosses upwards
            model.on_tick(price)
        self.assertEqual(model.state, "opening")
        model.on_tick(101)
        self.assertEqual([a for a, _ in client.sent], ["open_long", "open_long"])
        self.assertEqual(client.sent[0][1], client.sent[1][1])
        model.on_event(self.event("position_opened"))
        self.assertEqual(model.state, "open")
        model.on_tick(101)
        model.on_tick(101)  # held 2 ticks: close
        self.assertEqual(client.sent[-1][0], "close")
        self.assertEqual(model.state, "closing")
        model.on_event(self.event("position_closed"))
        self.assertEqual((model.state, model.trades), ("flat", 1))

    def test_a_position_it_did_not_open_is_not_its_own(self) -> None:
        model, client = self.model(["rejected"])
        model.on_event(self.event("position_opened"))  # someone else's
        self.assertEqual(model.state, "flat")
        for price in (100, 99, 101):
            model.on_tick(price)
        self.assertEqual(model.state, "flat")  # "already open": rejected
        model.on_event(self.event("position_closed"))
        self.assertEqual(model.trades, 0)
        self.assertEqual([a for a, _ in client.sent], ["open_long"])


class StackTest(unittest.TestCase):
    """The client and the example model against the real processes."""

    stack: Stack
    events: tw.EventSubscriber

    @classmethod
    def setUpClass(cls) -> None:
        cls.stack = Stack()
        try:
            cls._start()
        except BaseException:
            cls.stack.destroy(keep=True)
            raise

    @classmethod
    def _start(cls) -> None:
        stack = cls.stack
        stack.start_service("market-feed", "MARKET_FEED")
        stack.start_service("order-gateway", "GATEWAY")
        stack.start_service("signal-engine", "SIGNAL_ENGINE")
        cls.events = tw.EventSubscriber(stack.endpoints["GATEWAY_PUB"], heartbeats=True)
        wait_for("the feed's pong", lambda: stack.ask("FEED_CONTROL", "ping") is not None)
        wait_for(
            "the gateway to reconcile",
            lambda: (stack.ask("GATEWAY_REP", "status") or {"counters": {}})["counters"].get(
                "reconciled"
            )
            == 1,
        )
        wait_for(
            "the engine to hear ticks",
            lambda: stack.counter("SIGNAL_CONTROL", "ping", "ticks") > 0,
        )
        wait_for("a gateway heartbeat", lambda: cls.events.recv(100) is not None)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.events.close()
        # TRADEWIRE_TEST_KEEP=1 keeps the directory and prints the logs' tails.
        keep = not cls._passed or bool(os.environ.get("TRADEWIRE_TEST_KEEP"))
        cls.stack.destroy(keep=keep)
        if cls.stack.failed_stops:
            raise AssertionError("; ".join(cls.stack.failed_stops))

    _passed = True

    def run(self, result=None):  # type: ignore[no-untyped-def]
        result = super().run(result)
        if result is not None and not result.wasSuccessful():
            type(self)._passed = False
        return result

    def next_event(self, types: List[str], timeout_s: float = WAIT_S) -> dict:
        """The next gateway event of one of types for POS_ID (or its symbol)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = self.events.recv(int(POLL_S * 1000))
            if msg and msg.type in types and (
                msg.body.get("id") == POS_ID or msg.body.get("symbol") == SYMBOL
            ):
                return msg.body
        raise AssertionError(f"no {' or '.join(types)} for {POS_ID} within {timeout_s:.0f} s")

    def gateway(self, name: str) -> int:
        return self.stack.counter("GATEWAY_REP", "status", name)

    def test_1_open_repeat_close(self) -> None:
        client = tw.SignalClient(
            self.stack.endpoints["SIGNAL_IN"], "pytest-model", CLIENT_TIMEOUT_MS, attempts=2
        )
        # The paper broker refuses an open until it has heard a tick of the
        # symbol: open again (a fresh req_id each time) until one fills.
        deadline = time.monotonic() + WAIT_S
        opened: Optional[dict] = None
        while opened is None and time.monotonic() < deadline:
            req_id = tw.make_req_id("open")
            ack = client.open_long(SYMBOL, qty=5, sl=50, tp=200, req_id=req_id)
            self.assertEqual(
                (ack.status, ack.id, ack.req_id), ("accepted", POS_ID, req_id), ack.error
            )
            event = self.next_event(["position_opened", "order_rejected"])
            opened = event if event["type"] == "position_opened" else None
        self.assertIsNotNone(opened, "the paper broker never filled")
        assert opened is not None
        self.assertEqual(
            (opened["side"], opened["qty"], opened["sl"], opened["tp"]), ("long", 5, 50.0, 200.0)
        )

        # The same signal again with the same req_id: the first verdict, and
        # no second open.
        duplicates = self.gateway("duplicates")
        filled = self.gateway("opens_filled")
        again = client.open_long(SYMBOL, qty=5, sl=50, tp=200, req_id=req_id)
        self.assertIn(again.status, ("accepted", "duplicate"), again.error)
        self.assertEqual(again.req_id, req_id)
        self.assertEqual(self.gateway("duplicates"), duplicates + 1)
        self.assertEqual(self.gateway("opens_filled"), filled)
        self.assertEqual(self.gateway("positions"), 1)

        # close -> Model Close; a second close is a duplicate.
        ack = client.close(SYMBOL)
        self.assertEqual((ack.status, ack.id), ("accepted", POS_ID), ack.error)
        closed = self.next_event(["position_closed", "exit_failed"])
        self.assertEqual((closed["type"], closed["reason"]), ("position_closed", "Model Close"))
        self.assertEqual(client.close(SYMBOL).status, "duplicate")

        # A signal the engine refuses comes back as a rejected ack.
        raw = tw.encode("signal", {"symbol": SYMBOL, "action": "close", "qty": 1, "model": "x"})
        reply = tw.request(self.stack.endpoints["SIGNAL_IN"], raw, "", CLIENT_TIMEOUT_MS, 1)
        self.assertEqual((reply["type"], reply["status"]), ("ack", "rejected"))

    def test_2_example_model_round_trip(self) -> None:
        self.assertEqual(self.gateway("positions"), 0)
        model = self.stack.start(
            "example-model",
            [sys.executable, EXAMPLE, "--symbol", SYMBOL, "--qty", "2", "--fast", "2",
             "--slow", "4", "--hold", "5", "--sl-pct", "5", "--tp-pct", "5", "--trades", "1",
             "--model", "example-test", "--timeout-ms", str(CLIENT_TIMEOUT_MS)],
        )
        opened = self.next_event(["position_opened"], timeout_s=WAIT_S * 2)
        self.assertEqual(opened["qty"], 2)
        self.assertGreater(opened["sl"], 0)
        self.assertGreater(opened["tp"], 0)
        closed = self.next_event(["position_closed"], timeout_s=WAIT_S * 2)
        self.assertEqual(closed["reason"], "Model Close", tail(self.stack.log("example-model")))
        try:
            code = model.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            code = None
        self.assertEqual(code, 0, tail(self.stack.log("example-model")))
        self.stack.procs.pop("example-model", None)
        log = tail(self.stack.log("example-model"), 200)
        self.assertIn("position closed id=" + POS_ID + " reason=Model Close", log)
        self.assertIn("stopped (1 trade(s) done)", log)
        self.assertEqual(self.gateway("positions"), 0)

    def test_3_example_model_stops_on_sigterm(self) -> None:
        # A slow average of 10000 ticks: it never trades while it runs.
        self.stack.start(
            "example-idle",
            [sys.executable, EXAMPLE, "--fast", "2", "--slow", "10000", "--model", "idle"],
        )
        log = self.stack.log("example-idle")
        wait_for("the model to start", lambda: "model idle on" in tail(log))
        self.assertEqual(self.stack.stop("example-idle"), 0, tail(log))
        self.assertIn("stopped (signal 15)", tail(log))


def main() -> int:
    # meson stops a test that runs too long with SIGTERM: stop the services
    # on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    suite = unittest.TestSuite()
    loader = unittest.defaultTestLoader
    suite.addTests(loader.loadTestsFromTestCase(ClientTest))
    suite.addTests(loader.loadTestsFromTestCase(ModelTest))
    suite.addTests(loader.loadTestsFromTestCase(StackTest))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"test_model_client: {result.testsRun - failed} passed, {failed} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
