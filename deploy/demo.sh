#!/usr/bin/env bash
# deploy/demo.sh BUILD_DIR - runs the tradewire stack on the paper broker and the
# synthetic feed, with every service's log on this terminal. Ctrl-C stops it all.
# Use it through `deploy/dev demo`. It starts only the services that are built.
#
# Exit status: 0 after Ctrl-C (or SIGTERM); 1 when a service cannot start (the
# reason is printed last, e.g. the dashboard's port already in use) or stops by
# itself while the demo runs.
set -euo pipefail

BUILD=$(cd "${1:?usage: deploy/demo.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# Not TW_*: every TW_ variable must name a configuration key (docs/design.md §8.1).
RUN=${DEMO_DIR:-var/demo}
mkdir -p "$RUN"
export TW_GATEWAY_BROKER=paper
export TW_GATEWAY_DB="$RUN/gateway.db"
export TW_GATEWAY_PAPER_DB="$RUN/paper.db"
export TW_FEED_SOURCE=synthetic
# The signal-engine's built-in strategy, so that the demo trades by itself.
export TW_SIGNAL_STRATEGY=sma_cross

# The notifier needs a token. It is made once and kept in $RUN/notifier.token
# (mode 0600), so that the dashboard URL, and a tab that has it open, keep
# working across demo runs; it reaches the notifier through the environment
# only (docs/design.md §8.1), and no service logs it.
TOKEN_FILE="$RUN/notifier.token"
if [ ! -s "$TOKEN_FILE" ] || ! grep -qxE '[0-9a-f]{32}' "$TOKEN_FILE"; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$TOKEN_FILE")
fi
chmod 600 "$TOKEN_FILE"
TW_NOTIFIER_TOKEN=$(cat "$TOKEN_FILE")
export TW_NOTIFIER_TOKEN
LISTEN=${TW_NOTIFIER_LISTEN:-127.0.0.1:8080}

TRADECTL="$BUILD/services/tradectl/tradectl"
# One short try per call: the demo polls.
quick () { TW_CLIENT_TIMEOUT_MS=300 TW_CLIENT_ATTEMPTS=1 "$TRADECTL" "$@"; }

# answers SERVICE: the service answers a ping (exit 5, answering but not yet
# healthy -- a subscriber before its first snapshot -- counts: it is up).
answers () {
    local rc=0
    quick ping "$1" > /dev/null 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]
}

# How long a service has to answer its first ping.
START_WAIT_S=10

# The feed first (the paper broker fills at its prices), the gateway next,
# then whatever else is built.
SERVICES=(market-feed order-gateway risk-monitor signal-engine notifier)
pids=()
names=()
status=0

# Lists the gateway's open positions (they stay in $RUN/ for the next run).
list_open () {
    local i
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" = order-gateway ] && kill -0 "${pids[$i]}" 2>/dev/null \
            && [ -x "$TRADECTL" ]; then
            local open
            if open=$(quick positions 2>&1); then
                echo "==> positions left open (kept in $RUN/ for the next run):" >&2
                echo "$open" >&2
                # What protects them while the stack is down (README, "What
                # protects a position when tradewire is down").
                if quick --json positions 2>/dev/null | grep -q '"id"'; then
                    cat >&2 <<'PROTECT'
==> while the demo is stopped NOTHING protects these positions: the paper broker keeps
    their broker stops (SL-M orders at each stop-loss) in its own book, inside the
    gateway, so they act again only when the demo runs again. On Fyers the broker
    stops rest at the broker ([fyers] broker_stop = on): the gateway's log lines
    "stopping with an open position ... protected_by=..." below say which are guarded.
PROTECT
                else
                    echo "==> none: nothing is left to protect" >&2
                fi
            else
                echo "==> could not list the positions left open: $open" >&2
            fi
        fi
    done
}

# Stops everything; the reason of a failure ($failure) comes last.
failure=""
stop_all () {
    trap - INT TERM EXIT
    list_open
    echo "==> stopping ${#pids[@]} services" >&2
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    echo "==> stopped" >&2
    if [ -n "$failure" ]; then
        echo "==> demo failed: $failure" >&2
    fi
    exit "$status"
}
trap stop_all INT TERM EXIT

# Fails the demo: prints why, last, and stops what runs.
fail () {
    status=1
    failure="$*"
    stop_all
}

# Waits until service $1 (pid $2) answers a ping; fails the demo when it ends
# first or does not answer in time.
wait_up () {
    local name=$1 pid=$2 deadline=$((SECONDS + START_WAIT_S))
    [ -x "$TRADECTL" ] || return 0
    while ! answers "$name"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            local rc=0
            wait "$pid" || rc=$?
            fail "$name could not start (exit $rc; its log is above)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$name did not answer a ping within ${START_WAIT_S} s (its log is above)"
        fi
        sleep 0.2
    done
}

for s in "${SERVICES[@]}"; do
    bin="$BUILD/services/$s/$s"
    if [ -x "$bin" ]; then
        # Its own session: a Ctrl-C on the terminal reaches only this script,
        # which lists the open positions before it stops the services.
        setsid "$bin" &
        pids+=($!)
        names+=("$s")
        echo "==> started $s (pid $!)" >&2
        wait_up "$s" "$!"
    else
        echo "==> $s is not built yet: skipped" >&2
    fi
done

if [ -x "$BUILD/services/notifier/notifier" ]; then
    DASHBOARD="http://$LISTEN/?token=$TW_NOTIFIER_TOKEN"
else
    DASHBOARD="(the notifier is not built)"
fi
cat >&2 <<MSG

==> tradewire demo is running on the paper broker (state in $RUN/).
    The signal-engine trades by itself (TW_SIGNAL_STRATEGY=sma_cross): a cross of
    the 5- and 20-tick moving averages opens, the next one closes ("Model Close").
    In another terminal:
      $TRADECTL status
      $TRADECTL open NSE:SBIN-EQ --side long --qty 10 --sl 95 --tp 105
      $TRADECTL positions
      $TRADECTL close NSE:SBIN-EQ-INTRADAY --reason "Manual Close"
      $TRADECTL flatten
      $TRADECTL ping order-gateway
      $TRADECTL ping notifier
    Every open, close and exit prints a line below. Ctrl-C stops everything.
    Dashboard (the same URL every run; token in $TOKEN_FILE):
    $DASHBOARD

MSG
rc=0
wait -n "${pids[@]}" || rc=$?
status=1
echo "==> a service exited (status $rc); stopping the rest" >&2
failure="a service stopped by itself (status $rc; its log is above)"
