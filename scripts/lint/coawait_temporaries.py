#!/usr/bin/env python3
"""Fails when a statement that suspends (co_await / co_yield) also brace-initializes
something, or makes a lambda that captures by value.

Why: GCC 12 destroys such objects twice when the statement suspends. Seen here (ASan,
g++ 12.2, -O1): `co_await f(Agg{...})`, `co_await f({...})`, `Agg a{co_await g()}`,
`auto a = Agg{co_await g()}`, `h(Agg{x}) + co_await g()`, `co_return Agg{co_await g()}`,
and `co_await f([s] {...})` / `[s = std::move(s)]` all free the aggregate's (or the
closure's) members twice; the same objects made by a constructor call `T(...)`, returned
by a function, or named in a local before the statement are fine. Telling an aggregate from
a class with constructors needs a compiler, so the rule is the simple, safe superset:
no braces in a suspending statement (lambda bodies aside) and no by-value captures in it.
Name the object in a statement of its own, then co_await.

usage: coawait_temporaries.py [--expect] PATH...
  PATH: files or folders (*.cpp, *.hpp, *.h, *.cc searched).
  --expect: self-test; the flagged lines must be exactly those marked LINT-EXPECT.
"""

import os
import re
import sys

SUSPEND = {"co_await", "co_yield"}
BLOCK_AFTER = {")", ";", "}", "else", "do", "try", ":", "mutable", "noexcept", "const",
               "override", "final", "constexpr", "consteval"}
TYPE_TOKENS = {"::", "<", ">", ">>", ",", "*", "&", "&&", "const", "typename", "volatile"}
HEAD_KEYWORDS = {"namespace", "struct", "class", "union", "enum"}
NOT_LAMBDA_BEFORE = {")", "]", ">", "auto", "NUM", "STR", "operator", "delete", "new"}

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<raw>(?:u8|u|U|L)?R"(?P<delim>[^()\\\s]{0,16})\()
  | (?P<str>(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*")
  | (?P<chr>(?:u8|u|U|L)?'(?:\\.|[^'\\\n])+')
  | (?P<num>\.?\d(?:[\w.']|[eEpP][+-])*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<punct>->\*?|::|&&|\|\||<<=?|>>=?|[<>!=+\-*/%&|^]=|\+\+|--|\.\.\.|.)
""", re.VERBOSE | re.DOTALL)


def strip(text):
    """Blanks comments and preprocessor lines, keeping line numbers."""
    out, i, n = [], 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and text[i:].lstrip(" \t").startswith("#"):
            # A directive, with its continuation lines.
            while i < n:
                j = text.find("\n", i)
                j = n if j < 0 else j
                seg = text[i:j]
                out.append(" " * len(seg))
                i = j
                if seg.rstrip().endswith("\\") and i < n:
                    out.append("\n")
                    i += 1
                    continue
                break
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        m = re.match(r'(?:u8|u|U|L)?R"([^()\\\s]{0,16})\(', text[i:i + 40])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            body = text[i:end]
            out.append('""' + re.sub(r"[^\n]", " ", body[2:]))
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            prev = text[i - 1] if i else ""
            if c == "'" and prev.isalnum():  # a digit separator: 1'000
                out.append(c)
                i += 1
                continue
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else text[i:j])
            i = j
            continue
        out.append(c)
        line_start = c == "\n" or (line_start and c in " \t")
        i += 1
    return "".join(out)


def tokenize(text):
    tokens, line = [], 1
    for m in TOKEN_RE.finditer(strip(text)):
        kind = m.lastgroup
        s = m.group(0)
        if kind == "ws":
            line += s.count("\n")
            continue
        if kind in ("str", "chr", "raw"):
            tokens.append(("STR", line))
        elif kind == "num":
            tokens.append(("NUM", line))
        else:
            tokens.append((s, line))
        line += s.count("\n")
    return tokens


class Statement:
    def __init__(self):
        self.suspend_line = None
        self.problems = []  # (line, what)
        self.depth = 0  # ( and [ nesting
        self.lambda_depth = None  # a lambda introducer seen at this depth, body pending


def preceded_by_trailing_return(tokens, i):
    """Whether the `{` at i follows `-> Type` (a lambda's or function's body)."""
    j = i - 1
    while j >= 0 and (tokens[j][0] in TYPE_TOKENS or re.match(r"\w", tokens[j][0])):
        if tokens[j][0] in HEAD_KEYWORDS:
            return True
        j -= 1
    return j >= 0 and tokens[j][0] == "->"


def follows_head_keyword(tokens, i):
    j = i - 1
    while j >= 0 and (tokens[j][0] in TYPE_TOKENS or tokens[j][0] in (":", "public", "private",
                                                                       "protected")
                      or re.match(r"\w", tokens[j][0])):
        if tokens[j][0] in HEAD_KEYWORDS:
            return True
        if tokens[j][0] in ("return", "co_return", "co_await"):
            return False
        j -= 1
    return False


def captures_by_value(tokens, start, end):
    """Captures between tokens[start] == '[' and tokens[end] == ']'."""
    parts, cur, depth = [], [], 0
    for tok, _ in tokens[start + 1:end]:
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth -= 1
        if tok == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        parts.append(cur)
    for p in parts:
        if p == ["this"] or (p and p[0] == "&"):
            continue
        return True
    return False


def matching(tokens, i, open_tok, close_tok):
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j][0] == open_tok:
            depth += 1
        elif tokens[j][0] == close_tok:
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def is_lambda_introducer(tokens, i):
    if i + 1 < len(tokens) and tokens[i + 1][0] == "[":
        return False  # [[attribute]]
    prev = tokens[i - 1][0] if i else ";"
    if prev in NOT_LAMBDA_BEFORE or (re.match(r"\w", prev) and prev not in (
            "return", "co_return", "co_await", "co_yield")):
        return False
    if prev in ("&", "&&"):  # auto& [a, b] = ... is a structured binding
        j = i - 2
        while j >= 0 and tokens[j][0] in ("const", "volatile"):
            j -= 1
        if j >= 0 and tokens[j][0] == "auto":
            return False
    return True


def check(tokens):
    """Returns [(line, message)] for each suspending statement that breaks the rule."""
    found = []
    stack = []  # (kind, saved statement) for each open brace; kind: block, lambda, init
    st = Statement()

    def finish():
        nonlocal st
        if st.suspend_line is not None and st.problems:
            what = "; ".join(sorted({w for _, w in st.problems}))
            lines = ",".join(str(l) for l in sorted({l for l, _ in st.problems}))
            found.append((st.suspend_line,
                          f"suspends in a statement that {what} (line {lines}): GCC 12 "
                          "destroys it twice; name it in a statement of its own"))
        st = Statement()

    i = 0
    while i < len(tokens):
        tok, line = tokens[i]
        prev = tokens[i - 1][0] if i else ";"
        in_init = bool(stack) and stack[-1][0] == "init"
        if tok in SUSPEND and st.suspend_line is None:
            st.suspend_line = line
        elif tok in ("(", "["):
            if tok == "[" and is_lambda_introducer(tokens, i):
                close = matching(tokens, i, "[", "]")
                if captures_by_value(tokens, i, close):
                    st.problems.append((line, "captures by value in a lambda"))
                st.lambda_depth = st.depth
                i = close + 1
                continue
            st.depth += 1
        elif tok in (")", "]"):
            st.depth = max(0, st.depth - 1)
        elif tok == ";" and st.depth == 0 and not in_init:
            finish()
        elif tok == "{":
            if st.lambda_depth is not None and st.lambda_depth == st.depth:
                st.lambda_depth = None
                stack.append(("lambda", st))
                st = Statement()
            elif (not in_init and (prev in BLOCK_AFTER or prev in ("{", "STR")
                                   or preceded_by_trailing_return(tokens, i)
                                   or follows_head_keyword(tokens, i))):
                finish()
                stack.append(("block", None))
            else:
                st.problems.append((line, "brace-initializes an object"))
                stack.append(("init", None))
        elif tok == "}":
            kind, saved = stack.pop() if stack else ("block", None)
            if kind == "lambda":
                finish()
                st = saved
            elif kind == "block":
                finish()
        i += 1
    finish()
    return found


def sources(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    if f.endswith((".cpp", ".hpp", ".h", ".cc")):
                        yield os.path.join(root, f)
        else:
            yield p


def main(argv):
    expect = "--expect" in argv
    paths = [a for a in argv if a != "--expect"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for path in sources(paths):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        found = check(tokenize(text))
        if expect:
            wanted = {n for n, l in enumerate(text.splitlines(), 1) if "LINT-EXPECT" in l}
            got = {line for line, _ in found}
            for line in sorted(wanted - got):
                print(f"{path}:{line}: expected a finding, got none")
                failed = True
            for line in sorted(got - wanted):
                print(f"{path}:{line}: unexpected finding")
                failed = True
        else:
            for line, msg in found:
                print(f"{path}:{line}: {msg}")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
