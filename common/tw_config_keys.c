//  tw_config_keys - every configuration key, its type and its default: the
//  one place a key is declared (docs/design.md §8, contract for the keys listed there).
//
//  A service reads only keys that are here; a key that is not here is an
//  error in a file and a warning in the environment. Integer ranges are
//  sanity bounds that catch typos (an extra zero), not tuning advice.
//  Keep deploy/config/tradewire.ini in step: test_config checks that it
//  lists every key with its default.

#include "tw_config.h"

//  Kept as written: clang-format takes an initializer in a macro for a block.
// clang-format off
#define KEY_STR(s, k, v) {.section = s, .key = k, .type = TW_CONF_STR, .value = v}
#define KEY_CHOICE(s, k, v, c)                                                                     \
    {.section = s, .key = k, .type = TW_CONF_STR, .value = v, .choices = c}
#define KEY_INT(s, k, v, lo, hi)                                                                   \
    {.section = s, .key = k, .type = TW_CONF_INT, .value = v, .min = lo, .max = hi}
#define KEY_DOUBLE(s, k, v) {.section = s, .key = k, .type = TW_CONF_DOUBLE, .value = v}
#define KEY_BOOL(s, k, v) {.section = s, .key = k, .type = TW_CONF_BOOL, .value = v}
#define KEY_SECRET(s, k) {.section = s, .key = k, .type = TW_CONF_STR, .value = "", .secret = true}
// clang-format on

//  Milliseconds in an hour, the upper bound of most timeouts and delays.
#define HOUR_MS 3600000

const tw_conf_key_t tw_conf_keys[] = {
    KEY_CHOICE ("log", "level", "info", "debug|info|warn|error"),

    KEY_STR ("endpoints", "feed_pub", "tcp://127.0.0.1:5555"),
    KEY_STR ("endpoints", "gateway_rep", "tcp://127.0.0.1:5556"),
    KEY_STR ("endpoints", "gateway_pub", "tcp://127.0.0.1:5557"),
    KEY_STR ("endpoints", "signal_in", "tcp://127.0.0.1:5558"),
    KEY_STR ("endpoints", "feed_control", "tcp://127.0.0.1:5560"),
    KEY_STR ("endpoints", "risk_control", "tcp://127.0.0.1:5561"),
    KEY_STR ("endpoints", "signal_control", "tcp://127.0.0.1:5562"),
    KEY_STR ("endpoints", "notifier_control", "tcp://127.0.0.1:5563"),

    KEY_CHOICE ("gateway", "broker", "paper", "paper|fyers"),
    KEY_STR ("gateway", "db", "var/gateway.db"),
    KEY_STR ("gateway", "paper_db", "var/paper.db"),
    KEY_INT ("gateway", "exit_max_attempts", "3", 1, 10),
    KEY_INT ("gateway", "exit_retry_cooldown_ms", "5000", 0, HOUR_MS),
    //  The first retry delay; later ones double, with jitter.
    KEY_INT ("gateway", "exit_backoff_ms", "200", 1, 60000),
    //  Confirming a 201 ("exit placed, not yet filled") by reading positions.
    KEY_INT ("gateway", "exit_confirm_polls", "5", 1, 100),
    KEY_INT ("gateway", "exit_confirm_interval_ms", "500", 10, 60000),
    //  Opens: the same retry policy with their own settings (defaults as the
    //  exit's); lookups find an order by its tag after an unclear outcome.
    KEY_INT ("gateway", "open_max_attempts", "3", 1, 10),
    KEY_INT ("gateway", "open_backoff_ms", "200", 1, 60000),
    KEY_INT ("gateway", "open_lookup_polls", "5", 1, 100),
    KEY_INT ("gateway", "open_lookup_interval_ms", "500", 10, 60000),
    //  Reconciliation with the broker's positions while running (besides
    //  start-up and the order socket's reconnects); 0 turns it off.
    KEY_INT ("gateway", "reconcile_interval_ms", "10000", 0, HOUR_MS),
    KEY_INT ("gateway", "checkpoint_interval_ms", "1000", 0, 60000),
    //  Pre-trade checks of an open (gw_limits.h); 0 = no limit.
    KEY_INT ("limits", "max_qty", "0", 0, INT64_C (1000000000)),
    KEY_INT ("limits", "max_notional", "0", 0, INT64_C (1000000000000)),
    KEY_INT ("limits", "max_positions", "0", 0, 100000),
    KEY_INT ("limits", "daily_loss_limit", "0", 0, INT64_C (1000000000000)),
    KEY_INT ("limits", "max_orders_per_min", "0", 0, 100000),
    //  The market session (gw_session.h): the end-of-day square-off of
    //  INTRADAY positions and the market hours of opens. auto: on with
    //  [gateway] broker fyers, off with paper. Times are HH:MM IST.
    KEY_CHOICE ("session", "square_off", "auto", "auto|on|off"),
    KEY_STR ("session", "square_off_equity", "15:10"),
    KEY_STR ("session", "square_off_cds", "16:40"),
    KEY_STR ("session", "square_off_mcx", "23:10"),
    KEY_CHOICE ("session", "enforce_hours", "auto", "auto|on|off"),
    //  Opens in the equity pre-open (09:00-09:08 IST) too.
    KEY_BOOL ("session", "pre_open", "false"),
    //  One YYYY-MM-DD a line, # comments; "" = weekends only.
    KEY_STR ("session", "holidays_file", "deploy/config/holidays-2026.txt"),
    //  With the fyers broker and a rule on, the broker's market status
    //  (GET [fyers] data_base_url/marketStatus, gw_market_poll.h) is read
    //  this often and decides over the hours and the holidays file; 0: off.
    KEY_INT ("session", "market_status_interval_ms", "60000", 0, 120000),
    //  The fyers broker warns this many minutes before the access token's
    //  exp (0: no warning); opens are refused once it has passed.
    KEY_INT ("gateway", "token_warn_min", "60", 0, 1440),
    //  At most half of TW_CLONE_SILENCE_MS (3000), so that an idle subscriber
    //  always sees a heartbeat before it gives up on the gateway.
    KEY_INT ("gateway", "heartbeat_ms", "1000", 10, 1500),
    KEY_INT ("gateway", "req_table_max", "10000", 100, 10000000),
    //  How long a client of the gateway waits for one reply (client side).
    KEY_INT ("gateway", "command_timeout_ms", "2500", 10, HOUR_MS),

    KEY_STR ("fyers", "base_url", "https://api-t1.fyers.in/api/v3"),
    KEY_INT ("fyers", "request_timeout_ms", "3000", 100, 120000),
    //  The order/trade/position WebSocket (docs/fyers.md §7.3).
    KEY_STR ("fyers", "order_socket_url", "wss://socket.fyers.in/trade/v3"),
    //  The broker stop (docs/design.md §4.7): an SL-M order at the broker at
    //  every open position's stop-loss. The paper broker simulates it.
    KEY_CHOICE ("fyers", "broker_stop", "on", "on|off"),
    //  The daily login (docs/fyers.md §1, tw_token.h): where the browser is
    //  sent back to (the app's redirect URI, as registered with Fyers), and
    //  the file `tradectl login` writes the access token to (mode 0600).
    //  An empty redirect_uri makes `tradectl login` ask for one.
    KEY_STR ("fyers", "redirect_uri", ""),
    KEY_STR ("fyers", "token_file", "var/fyers.token"),
    //  Fyers allows 10/s and 200/min for the whole account (docs/design.md §4). The
    //  ranges go higher for a local fake (the benchmarks); the fyers broker
    //  refuses to start with rates above Fyers' limits when base_url is a
    //  Fyers host (gw_fyers_check_rates).
    KEY_INT ("fyers", "rate_per_sec", "8", 1, 10000),
    KEY_INT ("fyers", "rate_per_min", "150", 1, 600000),

    //  market-feed's fyers source (docs/fyers.md §7): the HSM data socket
    //  (wss:// verified, or ws:// for a local fake), the symbol-token base,
    //  how long a silent socket is trusted, and the socket's mode.
    KEY_STR ("fyers", "data_socket_url", "wss://socket.fyers.in/hsm/v1-5/prod"),
    KEY_STR ("fyers", "data_base_url", "https://api-t1.fyers.in/data"),
    //  The CA bundle (PEM) the wss:// data and order sockets trust instead
    //  of the system's CAs; "" = the system's.
    KEY_STR ("fyers", "data_ca_file", ""),
    KEY_INT ("fyers", "data_silence_ms", "15000", 100, HOUR_MS),
    KEY_CHOICE ("fyers", "data_mode", "full", "full|lite"),

    KEY_CHOICE ("feed", "source", "synthetic", "synthetic|replay|fyers"),
    KEY_STR ("feed", "replay_file", ""),
    KEY_DOUBLE ("feed", "replay_speed", "1.0"),
    KEY_STR ("feed", "symbols", "NSE:SBIN-EQ,NSE:RELIANCE-EQ,NSE:INFY-EQ"),

    KEY_STR ("notifier", "listen", "127.0.0.1:8080"),
    //  From TW_NOTIFIER_TOKEN only. Empty: the notifier refuses to start
    //  unless allow_anonymous is true.
    KEY_SECRET ("notifier", "token"),
    KEY_BOOL ("notifier", "allow_anonymous", "false"),

    //  Command clients (tradectl, and services that call the gateway).
    KEY_INT ("client", "timeout_ms", "2500", 10, HOUR_MS),
    KEY_INT ("client", "attempts", "3", 1, 10),

    // market-feed
    //  The synthetic source: a random walk that is the same for the same seed.
    KEY_INT ("feed", "seed", "42", 0, INT64_MAX),
    KEY_INT ("feed", "tick_interval_ms", "200", 1, 60000),
    //  Symbol i starts at start_price * (1 + i / 2).
    KEY_DOUBLE ("feed", "start_price", "100.0"),
    //  The relative standard deviation of one step, 0 .. 0.1.
    KEY_DOUBLE ("feed", "volatility", "0.0005"),
    //  The replay starts again from the top at the end of the file.
    KEY_BOOL ("feed", "replay_loop", "false"),

    // risk-monitor
    //  A close is refused by the gateway after this long (its expires_at).
    KEY_INT ("risk", "close_ttl_ms", "5000", 100, HOUR_MS),
    //  One command to the gateway: the wait for its reply, and sends in all.
    KEY_INT ("risk", "command_timeout_ms", "500", 10, 60000),
    KEY_INT ("risk", "command_attempts", "3", 1, 10),
    //  After a rejected close, no new close for that position for this long.
    KEY_INT ("risk", "reject_backoff_ms", "5000", 0, HOUR_MS),
    //  At most one trailing-stop modify per position per interval.
    KEY_INT ("risk", "trail_modify_interval_ms", "1000", 0, HOUR_MS),
    //  Simulated prices (synthetic, replay ticks) never drive a live account:
    //  refused while [gateway] broker is fyers unless this is true.
    KEY_BOOL ("risk", "allow_simulated_feed", "false"),
    //  A tick further than this from its symbol's last good price is
    //  ignored (tw_tickguard.h); 0 = no band (ticks <= 0 are always ignored).
    KEY_DOUBLE ("risk", "tick_band_pct", "20"),
    //  A symbol with an open position and no good tick for this long is stale.
    KEY_INT ("risk", "stale_feed_ms", "5000", 100, HOUR_MS),
    //  Ask the gateway to close a stale symbol's positions ("Kill Switch").
    KEY_BOOL ("risk", "flatten_on_stale_feed", "false"),

    // signal-engine
    //  The built-in model: none (external models only) or sma_cross.
    KEY_CHOICE ("signal", "strategy", "none", "none|sma_cross"),
    //  sma_cross: fast and slow moving averages, in ticks (fast < slow).
    KEY_INT ("signal", "fast", "5", 1, 10000),
    KEY_INT ("signal", "slow", "20", 2, 10000),
    KEY_INT ("signal", "qty", "1", 1, 1000000),
    //  Stops of a strategy open, in percent of its price; 0 = none.
    KEY_DOUBLE ("signal", "sl_pct", "0.5"),
    KEY_DOUBLE ("signal", "tp_pct", "1.0"),
    KEY_DOUBLE ("signal", "trail_pct", "0"),
    //  A command the gateway has not accepted this long after it was made is refused.
    KEY_INT ("signal", "order_ttl_ms", "5000", 100, HOUR_MS),
    //  Wait per attempt for the gateway's ack, and attempts in all (same req_id).
    KEY_INT ("signal", "command_timeout_ms", "1000", 10, 60000),
    KEY_INT ("signal", "command_attempts", "3", 1, 10),
    //  As [risk] allow_simulated_feed and tick_band_pct, for the strategy's ticks.
    KEY_BOOL ("signal", "allow_simulated_feed", "false"),
    KEY_DOUBLE ("signal", "tick_band_pct", "20"),

    // notifier
    //  WebSocket clients at once; one more is refused (HTTP 503).
    KEY_INT ("notifier", "max_clients", "64", 1, 10000),
    //  Frames queued for one client that is not reading; one more drops it
    //  (close 1008), so a slow client never holds up the others.
    KEY_INT ("notifier", "client_queue_max", "1024", 4, 1000000),
    //  The notifier pings the risk-monitor ([endpoints] risk_control) this
    //  often and raises the warning risk_unwatched when it does not answer
    //  in sync (nt_riskwatch.h); 0 turns the watch off.
    KEY_INT ("notifier", "risk_watch_interval_ms", "2000", 0, 60000),

    // notifier: alerts
    //  Telegram: the bot's token from TW_ALERTS_TELEGRAM_BOT_TOKEN only, and
    //  the chat it writes to; both are needed. The Bot API's base URL.
    KEY_SECRET ("alerts", "telegram_bot_token"),
    KEY_STR ("alerts", "telegram_chat_id", ""),
    KEY_STR ("alerts", "telegram_base_url", "https://api.telegram.org"),
    //  A URL that gets a JSON array of the alert events per message; "" = none.
    KEY_STR ("alerts", "webhook_url", ""),
    //  A message waits this long for more events (a burst is one message).
    KEY_INT ("alerts", "batch_ms", "2000", 0, HOUR_MS),
    //  Messages per endpoint per minute, at most.
    KEY_INT ("alerts", "max_per_minute", "20", 1, 1000),
    //  One message, connection included.
    KEY_INT ("alerts", "timeout_ms", "5000", 100, 60000),
};

const size_t tw_conf_key_count = sizeof tw_conf_keys / sizeof tw_conf_keys[0];
