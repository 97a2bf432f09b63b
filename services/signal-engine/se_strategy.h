//  se_strategy - the built-in model `sma_cross` of the signal-engine. Pure:
//  no sockets and no clock of its own; the caller passes the prices, what it
//  knows of the gateway's positions, and the time.
//
//  For each of its symbols it keeps the last `slow` prices and compares the
//  simple moving average of the last `fast` prices with that of the last
//  `slow`. Each price from the slow-th on gives a reading: fast above slow,
//  below, or level (equal within SE_STRATEGY_LEVEL, relative). A cross up is
//  the first reading above after a level reading or a reading below, since
//  the last reading above; a cross down likewise. So fast touching slow and
//  going back is no cross, and the very first reading is none either (there
//  is nothing before it). Before `slow` prices (the warm-up) there is no
//  reading at all.
//
//  What a cross asks for depends on the symbol's position at the gateway:
//
//      position   cross up     cross down
//      none       open_long    open_short
//      long       -            close
//      short      close        -
//      closing    -            -
//
//  A close and the opposite open never come from the same cross: the open
//  waits for the next one.
//
//  One signal per symbol in flight: after an action the symbol is busy until
//  the position shows its effect (after an open a position exists, after a
//  close none does), until se_strategy_release (the command was refused or
//  not answered), or until settle_ms have passed. A cross while the symbol
//  is busy, or while the positions are unknown, is not acted on: it is
//  spent, and the next cross decides again.

#ifndef SE_STRATEGY_H_INCLUDED
#define SE_STRATEGY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw_proto.h"

//  The most symbols one strategy follows.
#define SE_STRATEGY_MAX_SYMBOLS 256
//  Two averages closer than this fraction of the slow one are level.
#define SE_STRATEGY_LEVEL 1e-9
//  NSE's tick size is 0.05 rupees: stops are rounded to it.
#define SE_STRATEGY_TICKS_PER_RUPEE 20

typedef enum { SE_CROSS_NONE = 0, SE_CROSS_UP, SE_CROSS_DOWN } se_cross_t;

typedef struct _se_strategy_t se_strategy_t;

//  Creates a strategy with no symbols. fast and slow are counts of prices,
//  1 <= fast < slow (anything else is a programmer error: the caller checks
//  its configuration first); settle_ms >= 0 bounds how long one action keeps
//  its symbol busy. Returns NULL when out of memory.
se_strategy_t *se_strategy_new (int fast, int slow, int64_t settle_ms);

//  Destroys the strategy and nulls *self_p; safe on NULL.
void se_strategy_destroy (se_strategy_t **self_p);

//  Adds the symbols of a comma-separated list such as [feed] symbols
//  (spaces around names are ignored). Returns 0, or -1 with a one-line
//  reason in err (an empty or too long name, a name listed twice, more than
//  SE_STRATEGY_MAX_SYMBOLS) and no symbol added.
int se_strategy_add_symbols (se_strategy_t *self, const char *list, char *err, size_t err_size);

//  How many symbols the strategy follows.
size_t se_strategy_size (se_strategy_t *self);

//  Feeds one price of symbol and returns the action it calls for, or
//  TW_ACTION_NONE. known says whether pos is the gateway's view: pos is the
//  symbol's open or closing position, NULL when it has none. now_ms is a
//  monotonic time. A price of a symbol the strategy does not follow, or a
//  price that is not finite and > 0, is ignored. An action marks the symbol
//  busy (see above).
tw_action_t se_strategy_tick (se_strategy_t *self, const char *symbol, double price, bool known,
                              const tw_position_t *pos, int64_t now_ms);

//  Frees symbol for the next action: its command was refused or not
//  answered. Nothing happens when it is not busy or not followed.
void se_strategy_release (se_strategy_t *self, const char *symbol);

//  True while symbol has an action in flight.
bool se_strategy_busy (se_strategy_t *self, const char *symbol);

//  The two averages of symbol after its last price. Returns false during the
//  warm-up, or when the symbol is not followed.
bool se_strategy_averages (se_strategy_t *self, const char *symbol, double *fast, double *slow);

//  The action a cross calls for given the position (NULL: none), by the
//  table above.
tw_action_t se_strategy_decide (se_cross_t cross, const tw_position_t *pos);

//  The stops of an open (action open_long or open_short) at price, from
//  percentages of the price (0 = none, which gives 0), rounded to the
//  0.05 tick: the stop-loss on the losing side, the take-profit on
//  the winning side, each at least one tick away from price; the trailing
//  distance at least one tick. A level that would be <= 0 is left out (0).
void se_strategy_stops (tw_action_t action, double price, double sl_pct, double tp_pct,
                        double trail_pct, double *sl, double *tp, double *trail);

#endif
