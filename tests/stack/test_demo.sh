#!/usr/bin/env bash
# test_demo.sh ROOT BUILD - deploy/demo.sh on free ports, in a scratch folder:
# (1) the dashboard's port busy: the demo exits non-zero and says why, last;
# (2) a run stopped with SIGTERM: exit 0, the token file is 0600 and the same
# as in (1), the dashboard URL ends the banner, and the open position is
# listed at the stop.
set -u
ROOT=$1
BUILD=$2
work=$(mktemp -d)
busy_pid=""
demo=""
cleanup () {
    [ -n "$busy_pid" ] && kill "$busy_pid" 2> /dev/null
    [ -n "$demo" ] && kill "$demo" 2> /dev/null
    rm -rf "$work"
}
trap cleanup EXIT
# Ten distinct free ports at once: every socket is held until all are
# chosen, so that no two endpoints (nor the busy port) can get the same one.
read -r -a ports <<< "$(python3 -c '
import socket
held = [socket.socket() for _ in range(10)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))')"
i=0
for k in FEED_PUB GATEWAY_REP GATEWAY_PUB SIGNAL_IN FEED_CONTROL RISK_CONTROL SIGNAL_CONTROL \
    NOTIFIER_CONTROL; do
    export "TW_ENDPOINTS_$k=tcp://127.0.0.1:${ports[$i]}"
    i=$((i + 1))
done
export DEMO_DIR="$work/demo"
fail=0
check () { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what"
        fail=1
    fi
}

# (1) The notifier's port is taken.
port=${ports[8]}
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(120)" &
busy_pid=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2> /dev/null && break
    sleep 0.1
done
export TW_NOTIFIER_LISTEN=127.0.0.1:$port
timeout 60 "$ROOT/deploy/demo.sh" "$BUILD" > "$work/busy.log" 2>&1
rc=$?
kill "$busy_pid"
busy_pid=""
check "a busy port ends the demo with a non-zero status (got $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "the reason is the last line" \
    grep -q '^==> demo failed: notifier could not start' <(tail -1 "$work/busy.log")
check "the token file exists" [ -s "$DEMO_DIR/notifier.token" ]
token=$(cat "$DEMO_DIR/notifier.token")
check "the token file is 0600" [ "$(stat -c %a "$DEMO_DIR/notifier.token")" = 600 ]

# (2) A run with an open position, stopped with SIGTERM.
export TW_NOTIFIER_LISTEN=127.0.0.1:${ports[9]}
"$ROOT/deploy/demo.sh" "$BUILD" > "$work/run.log" 2>&1 &
demo=$!
for _ in $(seq 300); do
    grep -q 'Dashboard' "$work/run.log" && break
    kill -0 "$demo" 2> /dev/null || break
    sleep 0.1
done
check "the demo came up" grep -q 'Dashboard' "$work/run.log"
check "a position opens" "$BUILD/services/tradectl/tradectl" open NSE:SBIN-EQ --side long --qty 1
# The open is acked at once and fills at the next tick: wait (bounded) until
# the gateway holds it, so that the stop has something to list.
for _ in $(seq 100); do
    "$BUILD/services/tradectl/tradectl" positions 2> /dev/null | grep -q '^NSE:SBIN-EQ-INTRADAY ' && break
    sleep 0.1
done
check "the position is held" \
    grep -q '^NSE:SBIN-EQ-INTRADAY ' <("$BUILD/services/tradectl/tradectl" positions)
kill -TERM "$demo"
wait "$demo"
rc=$?
demo=""
check "SIGTERM stops the demo with status 0 (got $rc)" [ "$rc" -eq 0 ]
check "the token is the same across runs" [ "$(cat "$DEMO_DIR/notifier.token")" = "$token" ]
check "the URL ends the banner" \
    grep -q "^    http://$TW_NOTIFIER_LISTEN/?token=$token\$" <(grep -A1 'Dashboard' "$work/run.log")
check "the open position is listed at the stop" \
    grep -q '^NSE:SBIN-EQ-INTRADAY ' <(sed -n '/positions left open/,/stopping/p' "$work/run.log")
if [ "$fail" != 0 ]; then
    echo "--- busy run"
    tail -20 "$work/busy.log"
    echo "--- normal run"
    tail -40 "$work/run.log"
fi
exit "$fail"
