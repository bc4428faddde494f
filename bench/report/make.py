#!/usr/bin/env python3
"""bench/report/make.py RUN_DIR OUT: bench/run's report, from the figures the benches wrote.

RUN_DIR holds meta.kv (bench/run's header facts) and NAME.kv, NAME.log for each bench
(KEY=VALUE lines, bench/lib/results.sh). Writes OUT.md (targets table, chart, each
bench's own report verbatim), OUT.png (bench/report/chart.gp) and OUT.results (every
figure as bench.KEY=VALUE, to compare runs later).

Each target is judged here from the figures alone, the way the benches word it, so the
table and the reports below it agree; a figure that is missing (bench failed or skipped)
is "not measured", never "met".
"""
import os
import subprocess
import sys

BENCHES = ["passthrough", "sessions", "instructions", "queue"]
HERE = os.path.dirname(os.path.abspath(__file__))


def read_kv(path):
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                out[key] = value
    return out


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, ValueError):
        return None


def fmt(x, unit="", digits=3):
    if x is None:
        return "n/a"
    if digits == 0:
        return f"{x:,.0f}{unit}"
    return f"{x:.{digits}f}{unit}"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, target, figure, gateway, baseline, compare, goal, ok):
        if isinstance(ok, str):   # no threshold: shown as is
            verdict = ok
        else:
            verdict = "not measured" if ok is None else ("met" if ok else "**NOT met**")
        self.rows.append((target, figure, gateway, baseline, compare, goal, verdict))

    def markdown(self):
        head = ("#", "figure", "gateway", "baseline (same run)", "ratio / difference",
                "target", "result")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def ratio(a, b):
    return None if a is None or not b else a / b


def diff(a, b):
    return None if a is None or b is None else a - b


def fixed_rate(t, ss, key, base, offered):
    """One row of turn vs pass-through p99 at a fixed offered rate (bench/sessions/run's KEY)."""
    tp, pp = num(ss, f"{key}.turn.p99_ms"), num(ss, f"{key}.pass.p99_ms")
    at, ap = num(ss, f"{key}.turn.rps"), num(ss, f"{key}.pass.rps")
    d = diff(tp, pp)
    kept = None if None in (offered, at, ap) else (at >= 0.95 * offered and ap >= 0.95 * offered)
    ok = None if d is None or kept is None else (d <= 2 and kept)
    # How busy the machine was in each run: a tail of a run that keeps it near full is CPU
    # queueing, which a turn's higher CPU cost per request brings on at a lower rate.
    bt, bp = num(ss, f"{key}.turn.machine_busy_pct"), num(ss, f"{key}.pass.machine_busy_pct")
    busy = "" if None in (bt, bp) else f"; machine busy: turns {bt:.0f}%, pass-through {bp:.0f}%"
    qt, qp = num(ss, f"{key}.turn.runqueue_wait_ms"), num(ss, f"{key}.pass.runqueue_wait_ms")
    if None not in (qt, qp):
        busy += f"; gateway threads waiting for a CPU: turns {qt:.0f} ms, pass-through {qp:.0f} ms"
    t.add("2", f"turn p99 at a fixed {fmt(offered, ' req/s', 0)} ({base};"
          f" achieved: turns {fmt(at, '', 0)}, pass-through {fmt(ap, '', 0)}{busy})",
          fmt(tp, " ms"), f"pass-through {fmt(pp, ' ms')}",
          "n/a" if d is None else f"{d:+.3f} ms", "<= +2 ms, rate kept", ok)


def targets(pt, ss, ins, q):
    t = Table()
    # 1. pass-through
    for kind, name in (("json", "JSON"), ("stream", "SSE")):
        g, n = num(pt, f"gateway.{kind}.64.rps"), num(pt, f"nginx.{kind}.64.rps")
        r = ratio(g, n)
        t.add("1", f"pass-through {name}, req/s at 64 connections", fmt(g, digits=0),
              f"nginx {fmt(n, digits=0)}", fmt(r, "x", 2), ">= 1x nginx", None if r is None else r >= 1)
    for kind, name in (("json", "JSON"), ("stream", "SSE")):
        d = num(pt, f"direct.{kind}.1.p50_ms")
        ag = diff(num(pt, f"gateway.{kind}.1.p50_ms"), d)
        an = diff(num(pt, f"nginx.{kind}.1.p50_ms"), d)
        dd = diff(ag, an)
        t.add("1", f"pass-through {name}, p50 added over direct at 1 connection",
              fmt(ag, " ms"), f"nginx {fmt(an, ' ms')}", "n/a" if dd is None else f"{dd:+.3f} ms",
              "<= nginx's + 0.05 ms", None if dd is None else dd <= 0.05)
    # 2. session turns
    conns = ss.get("conns", "32")
    tc, pc = num(ss, "small.turn.cpu_us"), num(ss, "small.pass.cpu_us")
    r = ratio(tc, pc)
    t.add("2", f"gateway CPU per turn vs pass-through with the same body ({conns} conns)",
          fmt(tc, " us", 0), f"pass-through {fmt(pc, ' us', 0)}", fmt(r, "x", 2), "<= 1.5x",
          None if r is None else r <= 1.5)
    tp, pp = num(ss, "small.turn1.p99_ms"), num(ss, "small.pass1.p99_ms")
    d = diff(tp, pp)
    t.add("2", "turn p99 at 1 connection", fmt(tp, " ms"), f"pass-through {fmt(pp, ' ms')}",
          "n/a" if d is None else f"{d:+.3f} ms", "<= +1 ms", None if d is None else d <= 1)
    # The target's own row (half the pass-through capacity), flagged when that rate is more than
    # the turns reached in this run: it then measures a queue. The second row offers both half
    # the turns' capacity, a load both can carry.
    capacity = num(ss, "small.turn.rps")
    f = num(ss, "rate.fraction")
    share = "half" if f in (None, 0.5) else f"{f:g} x"
    for key, base in (("rate", f"{share} the pass-through capacity"), ("turnrate", f"{share} the turn capacity")):
        offered = num(ss, f"{key}.offered")
        overload = None not in (offered, capacity) and offered > capacity
        note = f"; **overload: turns peak at {fmt(capacity, '/s', 0)}**" if overload else ""
        fixed_rate(t, ss, key, f"{base}{note}", offered)
    over = num(ss, "commit.over_5ms")
    max_le = ss.get("commit.max_le_ms", "")
    exact = ss.get("commit.max_ms", "")
    shown = "n/a" if over is None else (f"{over:.0f} over 5 ms; max <= {max_le} ms" if max_le
                                        else f"{over:.0f} (no commit seen)")
    if exact:
        shown += f" (exact max {exact} ms)"
    own = ss.get("commit.own_max_ms", "")
    if own:
        shown += (f"; {ss.get('commit.waited_over_5ms', '?')} waited > 5 ms for the write lock;"
                  f" longest less its lock wait {own} ms")
    holds = ss.get("commit.checkpoint_holds", "")
    if holds:
        shown += (f"; WAL checkpoints that held writes: {holds}, of them over 5 ms:"
                  f" {ss.get('commit.checkpoint_holds_over_5ms', '?')}")
    t.add("2", "store commits longer than 5 ms (every measured turn run)", shown, "-", "-",
          "0", None if over is None or not max_le else over == 0)
    # 3. instructions (no threshold: tracked so a change can be judged on a noisy machine)
    for kind, name in (("json", "JSON"), ("stream", "streamed")):
        g, n = num(ins, f"{kind}.gateway"), num(ins, f"{kind}.nginx")
        t.add("3", f"instructions per {name} pass-through request (callgrind)", fmt(g, "", 0),
              f"nginx {fmt(n, '', 0)}", fmt(ratio(g, n), "x", 2), "tracked", "not measured" if g is None else "-")
    g, n = num(ins, "turn"), num(ins, "turn_same_body")
    r = ratio(g, n)
    t.add("3", "instructions per streamed turn vs pass-through with its upstream body", fmt(g, "", 0),
          f"pass-through {fmt(n, '', 0)}", fmt(r, "x", 2), "tracked (CPU target: <= 1.5x)",
          "not measured" if r is None else "-")
    # 4. memory
    s, i = num(pt, "rss_start_mb"), num(pt, "rss_idle_mb")
    t.add("4", "gateway RSS after start", fmt(s, " MB", 1), "-", "-", "< 30 MB", None if s is None else s < 30)
    t.add("4", "gateway RSS idle after the pass-through load", fmt(i, " MB", 1), "-", "-", "< 30 MB",
          None if i is None else i < 30)
    w, idle = num(q, "rss_waiting_mb"), num(q, "rss_idle_mb")
    depth, waiters = num(q, "depth"), num(q, "waiters")
    d = diff(w, idle)
    ok = None if d is None else (d < 20 and depth is not None and waiters is not None and depth >= waiters)
    t.add("4", f"gateway RSS with {fmt(waiters, '', 0)} requests waiting (queue depth seen:"
          f" {fmt(depth, '', 0)})", fmt(w, " MB", 1), f"idle {fmt(idle, ' MB', 1)}",
          "n/a" if d is None else f"{d:+.1f} MB", "< +20 MB", ok)
    return t


def chart(pt, ss, run_dir, out):
    """The data file and the gnuplot call. Columns: group, then requests/s of the gateway, its
    baseline (nginx for pass-through, pass-through with the same body for turns) and the fake
    called directly, then p99 of the same three."""
    rows = []
    for kind, name in (("json", "JSON"), ("stream", "SSE")):
        for c in ("64", "1"):
            rows.append((f"{name}, {c} conn", f"gateway.{kind}.{c}", f"nginx.{kind}.{c}",
                         f"direct.{kind}.{c}", pt))
    conns = ss.get("conns", "32")
    for key, name in (("small.turn1", "turn, 1 conn"), ("small.turn", f"turn, {conns} conn"),
                      ("turnrate.turn", "turn @ turn cap/2"),
                      ("rate.turn", "turn @ pass cap/2")):
        rows.append((name, key, key.replace(".turn", ".pass"), None, ss))
    data = os.path.join(run_dir, "chart.dat")
    with open(data, "w", encoding="utf-8") as f:
        f.write("# group gateway_rps baseline_rps direct_rps gateway_p99 baseline_p99 direct_p99\n")
        for name, *keys, d in rows:
            def v(key, what):
                x = num(d, f"{key}.{what}") if key else None
                return "-" if x is None else f"{x:g}"
            f.write(f'"{name}" ' + " ".join(v(k, "rps") for k in keys) + " "
                    + " ".join(v(k, "p99_ms") for k in keys) + "\n")
    if all(v == "-" for line in open(data, encoding="utf-8") if not line.startswith("#")
           for v in line.rsplit('"', 1)[1].split()):
        return False   # nothing measured: no chart
    terms = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    term = "pngcairo" if "pngcairo" in terms.stdout + terms.stderr else "png"
    r = subprocess.run(["gnuplot", "-e", f"datafile='{data}'; outfile='{out}.png'; term='{term}'",
                        os.path.join(HERE, "chart.gp")], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"[bench/report] gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
        if os.path.exists(out + ".png"):
            os.remove(out + ".png")   # a half-drawn chart would pass for a report's
        return False
    return True


def main():
    run_dir, out = sys.argv[1], sys.argv[2]
    meta = read_kv(os.path.join(run_dir, "meta.kv"))
    kv = {b: read_kv(os.path.join(run_dir, b + ".kv")) for b in BENCHES}
    table = targets(kv["passthrough"], kv["sessions"], kv["instructions"], kv["queue"])
    have_png = chart(kv["passthrough"], kv["sessions"], run_dir, out)

    with open(out + ".results", "w", encoding="utf-8") as f:
        for key, value in meta.items():
            f.write(f"run.{key}={value}\n")
        for b in BENCHES:
            for key, value in kv[b].items():
                f.write(f"{b}.{key}={value}\n")

    md = [f"# claude-gateway benchmarks, {meta.get('date', '?')}", ""]
    md += [f"- commit: {meta.get('commit', '?')}; binaries: `{meta.get('binaries', '?')}`",
           f"- machine: {meta.get('machine', '?')}",
           f"- load average (1, 5, 15 min): {meta.get('load_start', '?')} at the start,"
           f" {meta.get('load_end', '?')} at the end",
           f"- knobs: {meta.get('knobs', 'defaults')}; whole run {meta.get('seconds', '?')} s"]
    runs = []
    for b in BENCHES:
        status = meta.get(f"{b}.status", "not run")
        if status == "0":
            runs.append(f"{b} {meta.get(b + '.seconds', '?')} s")
        elif status == "skipped":
            runs.append(f"{b} skipped")
        else:
            runs.append(f"{b} **failed** (exit {status})")
    md += ["- benches: " + ", ".join(runs), ""]
    md += ["## Issue 17's targets", "",
           "Every figure and its baseline come from this one run on this machine; a shared or"
           " busy machine moves the wall-clock ones (the load average above says how busy it was),"
           " the callgrind counts (target 3) do not.", "", table.markdown(), ""]
    if have_png:
        name = os.path.basename(out) + ".png"
        md += [f"![throughput and p99: gateway vs baselines]({name})", "",
               f"[{name}]({name}): requests/s (top) and p99 (bottom, log scale) of each figure above"
               " that has them; baselines: nginx and the fake called directly for pass-through,"
               " pass-through with the same body for session turns; \"@ turn cap/2\" and \"@ pass cap/2\":"
               " both offered a fixed rate of half the turns' or the pass-through's capacity.", ""]
    for b in BENCHES:
        md += [f"## {b}", ""]
        report = kv[b].get("report")
        if report and os.path.exists(report):
            md += [f"`{os.path.relpath(report, os.path.dirname(os.path.abspath(out)))}`", "", "```text",
                   open(report, encoding="utf-8").read().rstrip("\n"), "```", ""]
        else:
            status = meta.get(f"{b}.status", "not run")
            md.append("skipped" if status == "skipped" else f"no report (exit {status}); the end of its output:")
            log = os.path.join(run_dir, b + ".log")
            if status != "skipped" and os.path.exists(log):
                tail = open(log, encoding="utf-8", errors="replace").read().splitlines()[-15:]
                md += ["", "```text", *tail, "```"]
            md.append("")
    with open(out + ".md", "w", encoding="utf-8") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
