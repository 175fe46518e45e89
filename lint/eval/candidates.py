#!/usr/bin/env python3
"""Print candidate retry loops for hand review: `loop`, `while` and `while let Err` loops whose
body mentions a sleep, a backoff, a retry or a timer tick, and (marked `hot?`) loops without any
of these whose body has an `Err(..) => continue` arm. This is a text search (brace matching
on lines, comments and strings not understood); every candidate is read and judged by hand.

Usage: candidates.py TREE_DIR [--all]
Without --all, loops whose body visibly compares an attempt counter or checks a deadline are
still printed but marked `bounded?` so they can be read last.
"""

import os
import re
import sys

# A loop starts its line, or is a value: `let x = loop {`, `=> loop {`, `return loop {`.
LOOP = re.compile(r"^\s*(?:(?:let\s+[^=]*=|return|break|[^=]*=>)\s*)?(?:'[a-z_]+:\s*)?"
                  r"(loop\s*\{|while\s+let\s+Err|while\s+.*\{\s*$)")
PACE = re.compile(r"sleep|backoff|retry|retries|retrying|\.tick\(\)|delay", re.I)
BOUND = re.compile(r"attempt|max_retr|retries\s*[<>=]|elapsed|deadline|timeout|\.take\(|"
                   r"remaining|exhaust|budget|give up|gave up", re.I)
HOT = re.compile(r"Err\([^)]*\)\s*=>\s*(\{\s*)?(continue|\{\s*$)|Err\(.*\)\s*=>\s*continue")
CANCEL = re.compile(r"cancel|shutdown|is_closed|stop", re.I)
SKIP_DIRS = ("/tests/", "/test/", "/benches/", "/examples/", "/fuzz/")


def body_of(lines, start):
    depth = 0
    seen = False
    for i in range(start, min(len(lines), start + 400)):
        code = lines[i].split("//", 1)[0]
        depth += code.count("{") - code.count("}")
        if "{" in code:
            seen = True
        if seen and depth <= 0:
            return lines[start:i + 1]
    return lines[start:start + 400]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if any(s in "/" + rel for s in SKIP_DIRS) or name.endswith("_test.rs") \
                    or name == "tests.rs":
                continue
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    lines = f.readlines()
            except OSError as err:
                print(f"# cannot read {rel}: {err}", file=sys.stderr)
                continue
            cut = len(lines)
            for i, line in enumerate(lines):
                # Only an inline test module ends the code read; `mod tests;` declares a
                # module held in another file.
                inline = lambda text: "mod " in text and not text.rstrip().endswith(";")
                if line.startswith("mod tests") and inline(line) or "#[cfg(test)]" in line \
                        and i + 1 < len(lines) and inline(lines[i + 1]):
                    cut = i
                    break
            for i in range(cut):
                if not LOOP.match(lines[i]):
                    continue
                body = "".join(body_of(lines, i))
                if "Err" not in body:
                    continue
                marks = []
                if not PACE.search(body):
                    # A loop that goes round after an error without any pacing word: a hot retry.
                    if not HOT.search(body):
                        continue
                    marks.append("hot?")
                if BOUND.search(body):
                    marks.append("bounded?")
                if CANCEL.search(body):
                    marks.append("cancel?")
                print(f"{rel}:{i + 1}\t{len(body.splitlines())} lines\t{' '.join(marks)}")


if __name__ == "__main__":
    main()
