#!/usr/bin/env python3
"""bench/instructions/where.py A B N: where one request's instructions go, by kind of work.

A and B are callgrind outputs of the same gateway serving N1 and N1 + N requests; each
function's own (self) instructions in B less those in A, over N, is its cost per request.
The functions are put into kinds by name (the first pattern that matches wins), so that a
target such as "as fast as nginx" can be judged against what the gateway does that nginx
does not (the kinds marked "gateway only") and against the HTTP and I/O stack itself.
The patterns are a judgment; what no pattern matches is printed as "other" with its
largest functions, so that a new cost shows up rather than hides.
"""
import re
import subprocess
import sys

KINDS = [
    ("reply usage scan, for token accounting (gateway only)", r"UsageHandler|scan_reply_usage"),
    ("request body check: model, limits, token estimate (gateway only)",
     r"parse_client_json|check_body|json::basic_parser<boost::json::detail::handler>|"
     r"json::parser|value_stack|boost::json::|estimate_input|parse_bounded|count_valid|from_chars"),
    ("HTTP parsing: client request and upstream response (Beast)",
     r"basic_parser|parse_field|parse_token|parse_start|parse_crlf|find_eol|UpstreamParser|"
     r"RequestReader|parse_header|field_name|header_rules|iless|string_to_field|string_to_verb|"
     r"on_field|on_request|on_response|UpstreamHeaders|to_field|parse_rfc3339|parse_dec|parse_hex"),
    ("HTTP heads written: response and upstream request",
     r"relayed_head|basic_fields|serializer|write_header|append_fields|upstream_request_headers|"
     r"finish_head|chunk|gw::\(anonymous namespace\)::field\("),
    ("admission queue and retries (gateway only)", r"Admission|RateBudget|Retry|Ticket|bstree|rbtree|upstream_limits"),
    ("metrics (gateway only)", r"Metric|Histogram|observe"),
    ("access log (gateway only)", r"access_log|RequestLog|time_format|millis|log::"),
    ("ids, routing, keys (gateway only)", r"make_id|Router|Caller|auth|split_path|path_of|only_uri|mersenne"),
    ("allocation", r"malloc|free|operator new|operator delete|aligned_alloc|jemalloc|sdallocx|mallocx"),
    ("memcpy, memchr, memcmp, memset", r"mem(cpy|move|chr|cmp|set)|strlen"),
    ("locks", r"pthread_mutex|mutex"),
    ("system call wrappers", r"\bsend|recv|epoll|syscall|clock_gettime|vdso|__GI_|ioctl|accept|libc\.so"),
    ("I/O machinery: Asio, Beast streams, coroutines, the gateway's exchange and relay",
     r"boost::asio|boost::beast|awaitable|co_spawn|executor|scheduler|timer|Exchange|HttpServer|"
     r"serve|UpstreamCall|UpstreamDispatcher|relay|forward|Passthrough|UpstreamConnection|"
     r"UpstreamClient|variant|shared_ptr|_Sp_"),
]


def self_costs(path):
    """Function -> self instructions, with the object file's own name for unnamed ones."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in m.group(2):
            costs[m.group(2)] = costs.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    a, b, n = self_costs(sys.argv[1]), self_costs(sys.argv[2]), int(sys.argv[3])
    per = {k: (b.get(k, 0) - a.get(k, 0)) / n for k in set(a) | set(b)}
    total = sum(per.values())
    kinds, other = {name: 0.0 for name, _ in KINDS}, []
    for fn, cost in per.items():
        # An unnamed function of a library is named by its object file: jemalloc's count as
        # allocation, libc's as system call wrappers.
        for name, pattern in KINDS:
            if re.search(pattern, fn):
                kinds[name] += cost
                break
        else:
            other.append((cost, fn))
    kinds["other"] = sum(c for c, _ in other)
    width = max(len(k) for k in kinds)
    for name, cost in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<{width}} {cost:>9,.0f}  {100 * cost / total:5.1f}%")
    only = sum(c for k, c in kinds.items() if "(gateway only)" in k)
    print(f"  {'all of it':<{width}} {total:>9,.0f}; gateway-only kinds together: {only:,.0f}")
    for cost, fn in sorted(other, reverse=True)[:5]:
        name = " ".join(fn.split())[:110]
        print(f"    other, largest: {cost:>7,.0f}  {name}")


if __name__ == "__main__":
    main()
