#!/usr/bin/env python3
"""Join lint findings with the hand-checked sites and print precision and recall.

Usage: score.py SITES COMMITS FINDINGS_DIR [--tolerance N]

SITES is the table of hand-checked sites (tab-separated, header row: tree, path, line, rule,
expected, reason). COMMITS lists the tree name, repository and commit the table was made for.
FINDINGS_DIR holds one `<tree>.jsonl` per tree, the lint's `--format json` output.

A finding matches a site when the tree, path and rule are equal and the lines differ by at most
the tolerance (default 3). Expected `hazard` is a true positive; `not-hazard` and `intended` are
false positives. A `hazard` row that no finding matches is a miss. Rule names in the findings can
be mapped to the table's names with RULE_MAP (env var: `found=table,found2=table2`).
"""

import json
import os
import sys
from collections import defaultdict

EXPECTED = ("hazard", "not-hazard", "intended")


def read_sites(path):
    sites = []
    with open(path, encoding="utf-8") as f:
        header = None
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            if len(cols) < 6:
                sys.exit(f"{path}:{number}: expected 6 tab-separated columns, found {len(cols)}")
            tree, rel, lineno, rule, expected = cols[:5]
            if expected not in EXPECTED:
                sys.exit(f"{path}:{number}: expected must be one of {EXPECTED}, found {expected!r}")
            try:
                lineno = int(lineno)
            except ValueError:
                sys.exit(f"{path}:{number}: line must be a number, found {lineno!r}")
            sites.append({"tree": tree, "path": rel, "line": lineno, "rule": rule,
                          "expected": expected, "reason": cols[5], "row": number})
    # One site judged twice counts twice among the hazards but one finding matches only one of
    # its rows: say so, so that the table can be corrected by hand.
    seen = {}
    for s in sites:
        key = (s["tree"], s["path"], s["line"], s["rule"])
        if key in seen:
            print(f"{path}:{s['row']}: warning: same site as row {seen[key]} "
                  f"({s['tree']} {s['path']} {s['line']} {s['rule']})", file=sys.stderr)
        else:
            seen[key] = s["row"]
    return sites


def read_commits(path):
    commits = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 3 and not line.startswith("#"):
                commits[cols[0]] = (cols[1], cols[2])
    return commits


def read_findings(path, tree_root, rule_map):
    findings = []
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                sys.exit(f"{path}:{number}: not JSON: {err}")
            rel = obj.get("path", "")
            # Paths are reported as given on the command line: make them relative to the tree.
            if rel.startswith(tree_root):
                rel = rel[len(tree_root):]
            rel = rel.lstrip("./") if rel.startswith("./") else rel.lstrip("/")
            rule = rule_map.get(obj.get("rule"), obj.get("rule"))
            findings.append({"path": rel, "line": int(obj.get("line", 0)), "rule": rule,
                             "severity": obj.get("severity", "")})
    return findings


def pct(num, den):
    return f"{100.0 * num / den:5.1f}%" if den else "    -"


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    tolerance = 3
    for a in argv[1:]:
        if a.startswith("--tolerance="):
            tolerance = int(a.split("=", 1)[1])
    if len(args) != 3:
        sys.exit(__doc__)
    sites_path, commits_path, findings_dir = args
    rule_map = {}
    for pair in os.environ.get("RULE_MAP", "").split(","):
        if "=" in pair:
            found, table = pair.split("=", 1)
            rule_map[found.strip()] = table.strip()
    sites = read_sites(sites_path)
    commits = read_commits(commits_path)
    trees_root = os.environ.get("TREES_ROOT", "")

    # counts[(tree, rule)] = [findings, tp, fp, unjudged, hazards, found_hazards, fp_intended]
    counts = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    unjudged_list = []
    missed_list = []
    fp_list = []
    trees = sorted({s["tree"] for s in sites} | set(commits))
    ran = []
    for tree in trees:
        root = os.path.join(trees_root, tree) + "/" if trees_root else ""
        findings = read_findings(os.path.join(findings_dir, tree + ".jsonl"), root, rule_map)
        if findings is None:
            continue
        ran.append(tree)
        tree_sites = [s for s in sites if s["tree"] == tree]
        matched_sites = set()
        for f in findings:
            key = (tree, f["rule"])
            counts[key][0] += 1
            best = None
            for s in tree_sites:
                if s["path"] == f["path"] and s["rule"] == f["rule"] \
                        and abs(s["line"] - f["line"]) <= tolerance:
                    if best is None or abs(s["line"] - f["line"]) < abs(best["line"] - f["line"]):
                        best = s
            if best is None:
                counts[key][3] += 1
                unjudged_list.append((tree, f["path"], f["line"], f["rule"]))
                continue
            matched_sites.add(best["row"])
            if best["expected"] == "hazard":
                counts[key][1] += 1
            else:
                counts[key][2] += 1
                if best["expected"] == "intended":
                    counts[key][6] += 1
                fp_list.append((tree, f["path"], f["line"], f["rule"], best["expected"]))
        for s in tree_sites:
            if s["expected"] != "hazard":
                continue
            key = (tree, s["rule"])
            counts[key][4] += 1
            if s["row"] in matched_sites:
                counts[key][5] += 1
            else:
                missed_list.append((tree, s["path"], s["line"], s["rule"]))

    print("Table made for these commits (check out each tree at its commit before comparing):")
    for tree in trees:
        repo, commit = commits.get(tree, ("?", "?"))
        state = "linted" if tree in ran else "no findings file (not run)"
        print(f"  {tree:<16} {repo:<32} {commit}  {state}")
    print()

    header = f"{'':<28}{'findings':>9}{'TP':>5}{'FP':>5}{'(intended)':>11}{'unjudged':>9}" \
             f"{'hazards':>8}{'missed':>7}{'precision':>10}{'recall':>8}"

    def row(label, c):
        findings, tp, fp, unj, hazards, found, intended = c
        missed = hazards - found
        return f"{label:<28}{findings:>9}{tp:>5}{fp:>5}{intended:>11}{unj:>9}" \
               f"{hazards:>8}{missed:>7}{pct(tp, tp + fp):>10}{pct(found, hazards):>8}"

    rules = sorted({r for (_, r) in counts})
    print("Per tree")
    print(header)
    total = [0] * 7
    for tree in ran:
        c = [0] * 7
        for (t, _), v in counts.items():
            if t == tree:
                c = [a + b for a, b in zip(c, v)]
        total = [a + b for a, b in zip(total, c)]
        print(row(tree, c))
    print(row("all trees", total))
    print()
    print("Per rule (all trees)")
    print(header)
    for rule in rules:
        c = [0] * 7
        for (_, r), v in counts.items():
            if r == rule:
                c = [a + b for a, b in zip(c, v)]
        print(row(rule, c))
    print(row("all rules", total))
    print()
    print("Precision = TP / (TP + FP) over judged findings (unjudged ones excluded: judge them);")
    print("recall = hazard rows found / hazard rows. (intended) = FP on documented deliberate retries.")
    print(f"Matching: same tree, path and rule, line within +-{tolerance}.")
    if os.environ.get("VERBOSE"):
        for title, items in (("False positives", fp_list), ("Unjudged findings", unjudged_list),
                             ("Missed hazards", missed_list)):
            print()
            print(f"{title} ({len(items)})")
            for item in items:
                print("  " + "  ".join(str(x) for x in item))
    else:
        print("Set VERBOSE=1 to list false positives, unjudged findings and missed hazards.")


if __name__ == "__main__":
    main(sys.argv)
