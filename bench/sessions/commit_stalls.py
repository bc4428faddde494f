#!/usr/bin/env python3
"""bench/sessions/commit_stalls.py DIR NAME=LABEL...: how long the store's turn commits took in
each measured run, for issue 17's "no commit longer than 5 ms".

DIR holds two scrapes of the gateway's /metrics per run, NAME.before and NAME.after, taken
right around it. gateway_store_duration_seconds{op="commit"} counts since the gateway
started, so after - before is the run's own histogram, whatever ran earlier (warm-ups,
other runs). Prints a table, one row per run: commits per bucket, those over 5 ms, and the
longest as "<= the upper bound of the highest non-empty bucket" (a histogram keeps no
maximum). If the gateway also exports the exact maximum, gateway_store_duration_max_seconds
{op="commit"}, its value after the run is printed beside it (its window is the gateway's,
so it is not necessarily the run's own).

Where the gateway exports them, the split of a commit's time is printed too: how many of the
run's commits waited more than 5 ms for the store's write lock (other commits, a checkpoint
pass; gateway_store_lock_wait_seconds) and the longest commit less its lock wait
(gateway_store_own_duration_max_seconds, gateway-lifetime like the exact max): a commit's
own work against the queue in front of the one writer. And the run's WAL checkpoint passes
that held every write back (gateway_store_checkpoint_hold_seconds): how many, and how many
of them over 5 ms, the likeliest thing a commit's long lock wait waited for.

With RESULTS_FILE set, appends NAME.commits, NAME.over_5ms, NAME.max_le_ms and (when the
gauge exists) NAME.max_ms as "commit." KEY=VALUE lines, and commit.over_5ms / commit.max_le_ms
/ commit.max_ms over all the runs given.
"""
import math
import os
import re
import sys

HIST = "gateway_store_duration_seconds_bucket"
MAX = "gateway_store_duration_max_seconds"
WAIT = "gateway_store_lock_wait_seconds_bucket"
OWN = "gateway_store_own_duration_max_seconds"
HOLD = "gateway_store_checkpoint_hold_seconds_bucket"
LIMIT_S = 0.005
LINE = re.compile(r"^(\w+)\{([^}]*)\}\s+(\S+)")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(path):
    """op="commit": (cumulative count by upper bound, exact max or None, cumulative lock-wait
    count by upper bound, own-work max or None, cumulative checkpoint holds by upper bound)."""
    buckets, exact, waits, own, holds = {}, None, {}, None, {}
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        return buckets, exact, waits, own, holds
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m.group(1) not in (HIST, MAX, WAIT, OWN, HOLD):
            continue
        labels = dict(LABEL.findall(m.group(2)))
        if m.group(1) == HOLD:
            holds[float(labels["le"])] = float(m.group(3))
            continue
        if labels.get("op") != "commit":
            continue
        if m.group(1) == MAX:
            exact = float(m.group(3))
        elif m.group(1) == OWN:
            own = float(m.group(3))
        elif m.group(1) == WAIT:
            waits[float(labels["le"])] = float(m.group(3))
        else:
            buckets[float(labels["le"])] = float(m.group(3))   # "+Inf" parses as inf
    return buckets, exact, waits, own, holds


def over_limit(cumulative):
    """Of a run's cumulative histogram, the count above 5 ms."""
    total = cumulative.get(math.inf, 0)
    under = max((c for b, c in cumulative.items() if b <= LIMIT_S + 1e-12), default=0)
    return int(total - under)


def ms(seconds):
    return "inf" if math.isinf(seconds) else f"{seconds * 1000:g}"


def main():
    folder, runs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
    rows, bounds, any_exact = [], set(), False
    any_split = any_holds = False
    for name, label in runs:
        before, _, waits_before, _, holds_before = scrape(os.path.join(folder, name + ".before"))
        after, exact, waits_after, own, holds_after = scrape(os.path.join(folder, name + ".after"))
        cumulative = {le: after[le] - before.get(le, 0) for le in after}
        waits = {le: waits_after[le] - waits_before.get(le, 0) for le in waits_after}
        holds = {le: holds_after[le] - holds_before.get(le, 0) for le in holds_after}
        bounds.update(cumulative)
        any_exact = any_exact or exact is not None
        any_split = any_split or own is not None
        any_holds = any_holds or bool(holds_after)
        rows.append((name, label, cumulative, exact, waits, own, holds))
    bounds = sorted(bounds) or [math.inf]

    head = ["<=" + ms(b) + "ms" if not math.isinf(b) else ">" + ms(bounds[-2]) + "ms"
            for b in bounds] if len(bounds) > 1 else ["all"]
    print('store commits per measured turn run (gateway_store_duration_seconds{op="commit"},'
          " each run's own: /metrics after - before)")
    header = f"{'run':<30} {'commits':>8} | " + " ".join(f"{h:>8}" for h in head)
    header += f" | {'>5ms':>5} | {'max':>10}" + (f" | {'exact max':>9}" if any_exact else "")
    header += f" | {'waited>5ms':>10} | {'own max':>9}" if any_split else ""
    header += f" | {'ckpt holds':>10} | {'>5ms':>5}" if any_holds else ""
    print(header)
    print("-" * len(header))

    out = []
    total_over, total_max_le, total_exact, total_waited, total_own = 0, None, None, 0, None
    total_holds, total_holds_over = 0, 0
    for name, label, cumulative, exact, waits, own, holds in rows:
        counts, previous = [], 0
        for b in bounds:
            c = cumulative.get(b, previous)
            counts.append(int(c - previous))
            previous = c
        commits = int(cumulative.get(math.inf, previous))
        under_limit = max((cumulative[b] for b in cumulative if b <= LIMIT_S + 1e-12), default=0)
        over = int(commits - under_limit)
        nonempty = [b for b, c in zip(bounds, counts) if c > 0]
        if not nonempty:
            max_le, max_text = None, "-"
        elif math.isinf(nonempty[-1]):
            max_le, max_text = math.inf, "> " + ms(bounds[-2]) + " ms"
        else:
            max_le, max_text = nonempty[-1], "<= " + ms(nonempty[-1]) + " ms"
        line = f"{label:<30} {commits:>8} | " + " ".join(f"{c:>8}" for c in counts)
        line += f" | {over:>5} | {max_text:>10}"
        if any_exact:
            line += f" | {ms(exact) + ' ms' if exact is not None else '-':>9}"
        if any_split:
            waited = over_limit(waits) if waits else None
            line += f" | {'-' if waited is None else waited:>10}"
            line += f" | {ms(own) + ' ms' if own is not None else '-':>9}"
            if waited is not None:
                total_waited += waited
                out.append((f"commit.{name}.waited_over_5ms", waited))
            if own is not None:
                total_own = own if total_own is None else max(total_own, own)
        if any_holds:
            held, held_over = int(holds.get(math.inf, 0)), over_limit(holds) if holds else 0
            line += f" | {held:>10} | {held_over:>5}"
            total_holds += held
            total_holds_over += held_over
            out += [(f"commit.{name}.checkpoint_holds", held),
                    (f"commit.{name}.checkpoint_holds_over_5ms", held_over)]
        print(line)
        total_over += over
        if max_le is not None:
            total_max_le = max_le if total_max_le is None else max(total_max_le, max_le)
        if exact is not None:
            total_exact = exact if total_exact is None else max(total_exact, exact)
        out += [(f"commit.{name}.commits", commits), (f"commit.{name}.over_5ms", over),
                (f"commit.{name}.max_le_ms", "" if max_le is None else ms(max_le))]
        if exact is not None:
            out.append((f"commit.{name}.max_ms", ms(exact)))
    out += [("commit.over_5ms", total_over), ("commit.max_le_ms", "" if total_max_le is None else ms(total_max_le))]
    if total_exact is not None:
        out.append(("commit.max_ms", ms(total_exact)))
    if total_own is not None:
        out += [("commit.waited_over_5ms", total_waited), ("commit.own_max_ms", ms(total_own))]
    if any_holds:
        out += [("commit.checkpoint_holds", total_holds),
                ("commit.checkpoint_holds_over_5ms", total_holds_over)]

    if os.environ.get("RESULTS_FILE"):
        with open(os.environ["RESULTS_FILE"], "a", encoding="utf-8") as f:
            f.writelines(f"{k}={v}\n" for k, v in out)


if __name__ == "__main__":
    main()
