#!/usr/bin/env bash
# deploy/demo.sh BUILD_DIR - runs the tradewire stack on the paper broker and the
# synthetic feed, with every service's log on this terminal. Ctrl-C stops it all.
# Use it through `deploy/dev demo`. It starts only the services that are built.
set -euo pipefail

BUILD=$(cd "${1:?usage: deploy/demo.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

RUN=var/demo
mkdir -p "$RUN"
export TW_GATEWAY_BROKER=paper
export TW_GATEWAY_DB="$RUN/gateway.db"
export TW_GATEWAY_PAPER_DB="$RUN/paper.db"
export TW_FEED_SOURCE=synthetic
# The signal-engine's built-in strategy, so that the demo trades by itself.
export TW_SIGNAL_STRATEGY=sma_cross

# The notifier needs a token: a fresh random one per demo run, in the
# environment only (DESIGN §8). This script prints it once, in the dashboard
# URL below, for the person running the demo; no service logs it.
TW_NOTIFIER_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export TW_NOTIFIER_TOKEN
LISTEN=${TW_NOTIFIER_LISTEN:-127.0.0.1:8080}

# The feed first (the paper broker fills at its prices), the gateway next,
# then whatever else is built.
SERVICES=(market-feed order-gateway risk-monitor signal-engine notifier)
pids=()

stop_all () {
    trap - INT TERM EXIT
    echo "==> stopping ${#pids[@]} services" >&2
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    echo "==> stopped" >&2
}
trap stop_all INT TERM EXIT

for s in "${SERVICES[@]}"; do
    bin="$BUILD/services/$s/$s"
    if [ -x "$bin" ]; then
        "$bin" &
        pids+=($!)
        echo "==> started $s (pid $!)" >&2
    else
        echo "==> $s is not built yet: skipped" >&2
    fi
done

TRADECTL="$BUILD/services/tradectl/tradectl"
if [ -x "$BUILD/services/notifier/notifier" ]; then
    DASHBOARD="http://$LISTEN/?token=$TW_NOTIFIER_TOKEN"
else
    DASHBOARD="(the notifier is not built)"
fi
cat >&2 <<MSG

==> tradewire demo is running on the paper broker (state in $RUN/).
    Dashboard: $DASHBOARD
    The signal-engine trades by itself (TW_SIGNAL_STRATEGY=sma_cross): a cross of
    the 5- and 20-tick moving averages opens, the next one closes ("Model Close").
    In another terminal:
      $TRADECTL status
      $TRADECTL open NSE:SBIN-EQ --side long --qty 10 --sl 95 --tp 105
      $TRADECTL positions
      $TRADECTL close NSE:SBIN-EQ-INTRADAY --reason "Manual Close"
      $TRADECTL flatten
      $TRADECTL ping signal-engine
      $TRADECTL ping notifier
    Every open, close and exit prints a line below. Ctrl-C stops everything.

MSG
wait -n "${pids[@]}" || true
echo "==> a service exited; stopping the rest" >&2
