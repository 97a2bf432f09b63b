#!/usr/bin/python3
"""example_model - a tiny external model for tradewire (docs/design.md §6).

It watches one symbol's ticks on ``feed_pub``, keeps a fast and a slow
simple moving average of the last traded price, and when the fast one
crosses the slow one while it is flat, sends ``open_long`` (fast above) or
``open_short`` (fast below) to the signal-engine's ``signal_in``, with a
stop-loss and a take-profit a percentage away. It learns from the
order-gateway's events on ``gateway_pub`` whether its open filled, and sends
``close`` after holding the position for ``--hold`` ticks or at the next
cross against it, whichever comes first. The gateway closes with reason
``Model Close``.

A signal that got no reply is sent again at the next tick with the same
``req_id`` (the engine then answers with the first verdict, and nothing is
done twice). SIGINT or SIGTERM stop it cleanly (exit 0); so does reaching
``--trades`` round trips.

Endpoints come from the flags, else from the same environment variables the
services read (TW_ENDPOINTS_SIGNAL_IN, TW_ENDPOINTS_FEED_PUB,
TW_ENDPOINTS_GATEWAY_PUB), else from the defaults of deploy/dev demo.

    clients/python/example_model.py --symbol NSE:INFY-EQ --qty 5 --trades 3
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import signal
import sys
from typing import Deque, List, Optional, Tuple

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tradewire_client as tw  # noqa: E402  (after the path is set)

LOG = logging.getLogger("example_model")
POLL_MS = 200
# The events that tell how an open ended.
OPEN_OUTCOMES = ("position_opened", "order_rejected")


def _env_or(name: str, default: str) -> str:
    return os.environ.get(name) or default


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    p = argparse.ArgumentParser(
        description="A moving-average-cross model that trades through tradewire's signal_in."
    )
    p.add_argument("--signal-in", default=_env_or("TW_ENDPOINTS_SIGNAL_IN", tw.DEFAULT_SIGNAL_IN))
    p.add_argument("--feed-pub", default=_env_or("TW_ENDPOINTS_FEED_PUB", tw.DEFAULT_FEED_PUB))
    p.add_argument(
        "--gateway-pub", default=_env_or("TW_ENDPOINTS_GATEWAY_PUB", tw.DEFAULT_GATEWAY_PUB)
    )
    p.add_argument("--symbol", default="NSE:SBIN-EQ", help="the instrument (default %(default)s)")
    p.add_argument("--qty", type=int, default=1, help="quantity per open (default %(default)s)")
    p.add_argument("--fast", type=int, default=5, help="fast average, ticks (default %(default)s)")
    p.add_argument("--slow", type=int, default=20, help="slow average, ticks (default %(default)s)")
    p.add_argument(
        "--hold", type=int, default=50, help="close after this many ticks (default %(default)s)"
    )
    p.add_argument("--sl-pct", type=float, default=0.5, help="stop-loss %% away (0: none)")
    p.add_argument("--tp-pct", type=float, default=1.0, help="take-profit %% away (0: none)")
    p.add_argument("--trades", type=int, default=0, help="exit after N round trips (0: never)")
    p.add_argument("--model", default="example-sma", help="the model's name in the engine's logs")
    p.add_argument("--timeout-ms", type=int, default=5000, help="patience per attempt")
    p.add_argument("--attempts", type=int, default=3, help="attempts per signal")
    p.add_argument("-v", "--verbose", action="store_true", help="log every tick")
    args = p.parse_args(argv)
    if args.qty <= 0 or args.fast <= 0 or args.slow <= args.fast or args.hold <= 0:
        p.error("need qty > 0, 0 < fast < slow, hold > 0")
    if not 0 <= args.sl_pct < 100 or not 0 <= args.tp_pct < 100:
        p.error("sl-pct and tp-pct are percentages in [0, 100)")
    return args


class Model:
    """The model's state: flat -> opening -> open -> closing -> flat.

    ``pending`` is the signal waiting for a reply (action, req_id): it is sent
    again, with the same req_id, until one comes.
    """

    def __init__(self, args: argparse.Namespace, client: tw.SignalClient) -> None:
        self.args = args
        self.client = client
        self.pos_id = tw.position_id(args.symbol)
        self.prices: Deque[float] = collections.deque(maxlen=args.slow)
        self.last_side = 0  # the sign of fast - slow at the previous tick
        self.state = "flat"
        self.side = ""  # "long" or "short" while not flat
        self.held = 0  # ticks since the position opened
        self.pending: Optional[Tuple[str, str]] = None
        self._stops = (0.0, 0.0)  # sl and tp of the open being sent
        self.trades = 0

    def done(self) -> bool:
        """True once --trades round trips are over."""
        return self.args.trades > 0 and self.trades >= self.args.trades

    def on_tick(self, ltp: float) -> None:
        """One tick: update the averages and act on a cross or the hold."""
        self.prices.append(ltp)
        cross = 0
        if len(self.prices) == self.args.slow:
            prices = list(self.prices)
            fast = sum(prices[-self.args.fast :]) / self.args.fast
            slow = sum(prices) / len(prices)
            now = (fast > slow) - (fast < slow)
            if now and self.last_side and now != self.last_side:
                cross = now
            if now:
                self.last_side = now
            LOG.debug("tick ltp=%.2f fast=%.4f slow=%.4f", ltp, fast, slow)
        if self.pending:
            self._send(*self.pending)
        elif self.state == "flat" and cross:
            self._open("open_long" if cross > 0 else "open_short", ltp)
        elif self.state == "open":
            self.held += 1
            against = (cross < 0) if self.side == "long" else (cross > 0)
            if self.held >= self.args.hold or against:
                self._send("close", tw.make_req_id(self.args.model))

    def _open(self, action: str, ltp: float) -> None:
        long = action == "open_long"
        sl = ltp * (1 - self.args.sl_pct / 100 if long else 1 + self.args.sl_pct / 100)
        tp = ltp * (1 + self.args.tp_pct / 100 if long else 1 - self.args.tp_pct / 100)
        self.side = "long" if long else "short"
        self._stops = (
            round(sl, 2) if self.args.sl_pct else 0.0,
            round(tp, 2) if self.args.tp_pct else 0.0,
        )
        self._send(action, tw.make_req_id(self.args.model))

    def _send(self, action: str, req_id: str) -> None:
        """Sends a signal. The state moves ahead at once (opening, closing),
        since the signal may take effect even when its reply is lost; only a
        rejected ack moves it back. The gateway's events do the rest."""
        if not self.pending:
            self.state = "closing" if action == "close" else "opening"
        try:
            if action == "close":
                ack = self.client.close(self.args.symbol, req_id=req_id)
            else:
                sl, tp = self._stops
                ack = self.client.signal(action, self.args.symbol, self.args.qty, sl, tp, req_id)
        except tw.NoReplyError as exc:
            LOG.warning("%s: %s; sending it again at the next tick", action, exc)
            self.pending = (action, req_id)
            return
        self.pending = None
        LOG.info(
            "signal %s req_id=%s status=%s id=%s attempts=%d%s",
            action, ack.req_id, ack.status, ack.id, ack.attempts,
            f' error="{ack.error}"' if ack.error else "",
        )
        # A duplicate close: already closing or closed; the event follows or
        # came. A duplicate open: the first verdict was accepted.
        if ack.status == "rejected" and action == "close" and self.state == "closing":
            self.state = "open"  # the next tick sends a new close
        elif ack.status == "rejected" and action != "close" and self.state == "opening":
            self.state = "flat"

    def on_event(self, event: tw.Message) -> None:
        """One gateway event: follow the position's life."""
        body = event.body
        if body.get("id") != self.pos_id and body.get("symbol") != self.args.symbol:
            return
        kind = event.type
        # There is one position per symbol, and others (the engine's own
        # strategy, a person with tradectl) may open it: the model follows
        # only the position it opened itself.
        if self.state == "flat" or (self.state == "opening") != (kind in OPEN_OUTCOMES):
            LOG.debug("not ours: %s %s", kind, body.get("id", ""))
            return
        if kind == "position_opened":
            LOG.info(
                "position opened id=%s side=%s qty=%s entry=%.2f sl=%.2f tp=%.2f",
                body["id"], body["side"], body["qty"], body["entry_price"], body["sl"], body["tp"],
            )
            self.state, self.side, self.held = "open", body["side"], 0
        elif kind == "order_rejected":
            LOG.warning("open rejected by the gateway: %s", body.get("error", ""))
            self.state = "flat"
        elif kind == "position_closed":
            LOG.info(
                "position closed id=%s reason=%s exit=%.2f pnl=%.2f",
                body["id"], body["reason"], body["exit_price"], body["pnl"],
            )
            self.trades += 1
            self.state = "flat"
        elif kind == "exit_failed":
            LOG.warning("exit failed id=%s error=%s", body["id"], body.get("error", ""))
            self.state = "open"  # the next tick sends close again


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the model until a signal, --trades round trips, or an error."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stdout,
    )
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda n, _frame: stopping.append(n))

    context = zmq.Context.instance()
    client = tw.SignalClient(args.signal_in, args.model, args.timeout_ms, args.attempts, context)
    ticks = tw.TickSubscriber(args.feed_pub, [args.symbol], context)
    events = tw.EventSubscriber(args.gateway_pub, context=context)
    model = Model(args, client)
    poller = zmq.Poller()
    poller.register(ticks.socket, zmq.POLLIN)
    poller.register(events.socket, zmq.POLLIN)
    LOG.info(
        "model %s on %s: signal_in=%s feed_pub=%s gateway_pub=%s",
        args.model, args.symbol, args.signal_in, args.feed_pub, args.gateway_pub,
    )
    try:
        while not stopping and not model.done():
            try:
                ready = dict(poller.poll(POLL_MS))
            except zmq.ZMQError as exc:  # EINTR on a signal
                if exc.errno == zmq.EINTR:
                    continue
                raise
            # Events first, so that a tick acts on the latest state.
            if events.socket in ready:
                while (event := events.recv(0)) is not None:
                    model.on_event(event)
            if ticks.socket in ready:
                while (tick := ticks.recv(0)) is not None:
                    model.on_tick(float(tick.body["ltp"]))
    finally:
        ticks.close()
        events.close()
        context.destroy(linger=0)
    why = f"signal {stopping[0]}" if stopping else f"{model.trades} trade(s) done"
    LOG.info("stopped (%s)", why)
    return 0


if __name__ == "__main__":
    sys.exit(main())
