"""Mutation score per module of lib/, from mutmut's results (`make mutation` runs it after mutmut).

A mutant counts as killed when a test failed (or timed out) with it in place. Mutants listed in the
"Equivalent mutants" table of docs/testing.md, each with the reason no test can tell them apart from
the original, leave the denominator; every other survivor, and every mutant no test reaches, counts
against the module. `--write` puts the table into docs/testing.md between its markers.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
META = ROOT / "mutants" / "lib"
DOC = ROOT / "docs" / "testing.md"
BEGIN, END = "<!-- mutation-scores:begin -->", "<!-- mutation-scores:end -->"
# The modules issue 9 holds to 85 %: the rules, the write services, scoping and the statistics.
TARGETS = ["workflow", "validation", "vouchers", "settlement", "auth", "queries", "issuing", "review",
           "stats.scope", "stats.vouchers", "stats.evaluations", "risk"]
TARGET_SCORE = 85.0
KILLED = {1, 3, 24, -24, 36, 152, 255, 37}  # mutmut's exit codes for killed, timeout, caught by type check
SURVIVED, NO_TESTS, SKIPPED = {0}, {5, 33}, {34}
COUNTS = ["total", "killed", "survived", "no_tests", "equivalent", "postgresql", "unchecked", "skipped"]


# Whole classes of mutants that no test can tell from the original, recognised by the one line they change
# (a survivor whose changed line matches). docs/testing.md gives the reasons at length.
EQUIVALENT_RULES = [
    (re.compile(r"\bzip\(.*\bstrict=(None|False)\)|\bzip\((?!.*strict=).*\)"),
     "zip(strict=True) over columns of one frame: the lengths are equal by construction"),
    (re.compile(r"\.(join|outerjoin)\((\w+), (None)?\)"),
     "a join's ON clause dropped: SQLAlchemy infers the same join from the only foreign key"),
    (re.compile(r"with _acting\(None, now\) as session:"),
     "the expiry run before an action, without a number: it expires every overdue voucher, as the minute sweep does"),
    (re.compile(r"with _acting\(number, None\) as session:"),
     "the expiry run before an action, on the real clock: nothing changes for statuses without a deadline",
     ("x_activate__", "x_choose_product__")),  # their statuses have a deadline: tests hold them to `now`
    (re.compile(r"func\.sum\(case\(.*(else_=None\)|, \)\))"),
     "SUM over CASE without an ELSE: SUM skips the NULLs, and an empty sum is read as 0"),
    (re.compile(r"autoescape=(None|False)|\.(contains|startswith)\(.*, \)"),
     "LIKE escaping of a fixed pattern (an option word, a JSON key) that holds no % and no unintended _"),
]


def equivalents(doc: Path = DOC) -> dict[str, str]:
    """Mutant name -> reason, from the rows of docs/testing.md that start with a mutant's name."""
    rows = re.findall(r"^\|\s*`?(lib\.[\w.]+__mutmut_\d+)`?\s*\|\s*(.+?)\s*\|\s*$", doc.read_text("utf-8"), re.M)
    return dict(rows)


def module_of(name: str) -> str:
    """`lib.stats.vouchers.x_kpis__mutmut_3` -> `stats.vouchers` (mutmut names functions x_…, methods xǁ…)."""
    return re.match(r"lib\.(.+?)\.x[_ǁ]", name).group(1)


@cache
def _functions(module: str) -> dict[str, str]:
    """Source of every function (mutants and originals) in mutants/lib/<module path>.py."""
    source = (META / f"{module.replace('.', '/')}.py").read_text("utf-8")
    lines = source.splitlines()
    found = {}

    def walk(nodes, prefix=""):
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = "\n".join(lines[node.lineno - 1:node.end_lineno])
            elif isinstance(node, ast.ClassDef):
                walk(node.body, prefix + node.name + ".")

    walk(ast.parse(source).body)
    return found


def changed_lines(name: str, sign: str = "+") -> list[str]:
    """The lines a mutant adds (or, with sign "-", removes), compared with the original function."""
    module = module_of(name)
    short = name[len(f"lib.{module}."):]
    functions = _functions(module)
    original = functions.get(short.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    mutant = functions.get(short)
    if original is None or mutant is None:
        return []
    diff = difflib.unified_diff(original.splitlines()[1:], mutant.splitlines()[1:], lineterm="", n=0)
    return [line[1:].strip() for line in diff if line.startswith(sign) and not line.startswith(sign * 3)]


# SQL that only PostgreSQL runs (the dialect switches of lib.stats): the SQLite runner never executes it, and
# the same tests run it on PostgreSQL in CI. Counted apart, not as killed.
POSTGRESQL_ONLY = re.compile(r'func\.(to_char|timezone|extract|floor|greatest)\(|dialect\.name == "postgresql"')
SORTED_GROUPS = re.compile(r"\.group_by\(([\w.]+)\)\.order_by\(None\)")


def postgresql_only(name: str) -> bool:
    removed = changed_lines(name, "-")
    return bool(removed) and all(POSTGRESQL_ONLY.search(line) for line in removed)


def equivalent_by_rule(name: str) -> str | None:
    added = changed_lines(name)
    for pattern, reason, *excluded in EQUIVALENT_RULES:
        if any(f".{function}" in name for function in (excluded[0] if excluded else ())):
            continue  # functions the rule does not cover
        if added and all(pattern.search(line) for line in added):
            return reason
    grouped = [SORTED_GROUPS.search(line) for line in added]
    if added and all(grouped):
        removed = " ".join(changed_lines(name, "-"))
        if all(f".group_by({m[1]}).order_by({m[1]})" in removed for m in grouped):
            return "ORDER BY the GROUP BY key dropped: SQLite (the runner) returns groups in key order anyway"
    return None


def results(meta_dir: Path = META) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for path in sorted(meta_dir.rglob("*.py.meta")):
        out.update(json.loads(path.read_text("utf-8"))["exit_code_by_key"])
    return out


def scores(exit_codes: dict[str, int | None], equivalent: dict[str, str]) -> list[dict]:
    by_module: dict[str, Counter] = {}
    for name, code in exit_codes.items():
        module = module_of(name)
        c = by_module.setdefault(module, Counter())
        c["total"] += 1
        if code in SURVIVED and (name in equivalent or equivalent_by_rule(name)):  # a killed one is just killed
            c["equivalent"] += 1
        elif code in SURVIVED and postgresql_only(name):
            c["postgresql"] += 1
        elif code is None:
            c["unchecked"] += 1
        elif code in KILLED:
            c["killed"] += 1
        elif code in SKIPPED:
            c["skipped"] += 1
        elif code in NO_TESTS:
            c["no_tests"] += 1
        else:
            c["survived"] += 1
    rows = []
    for module, c in sorted(by_module.items()):
        counted = c["killed"] + c["survived"] + c["no_tests"]
        rows.append({"module": module, **{k: c[k] for k in COUNTS},
                     "score": round(100 * c["killed"] / counted, 1) if counted else None,
                     "target": module in TARGETS})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| module | mutants | killed | survived | no test reaches it | equivalent | PostgreSQL only | not run "
             "| score |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        score = "—" if r["score"] is None else f"{r['score']:.1f} %"
        name = f"**{r['module']}**" if r["target"] else r["module"]
        lines.append(f"| {name} | {r['total']} | {r['killed']} | {r['survived']} | {r['no_tests']} | {r['equivalent']} "
                     f"| {r['postgresql']} | {r['unchecked'] + r['skipped']} | {score} |")
    total = Counter()
    for r in rows:
        if r["target"]:
            total.update({k: r[k] for k in ("total", "killed", "survived", "no_tests", "equivalent", "postgresql")})
    counted = total["killed"] + total["survived"] + total["no_tests"]
    if counted:
        lines.append(f"| **target modules** | {total['total']} | {total['killed']} | {total['survived']} "
                     f"| {total['no_tests']} | {total['equivalent']} | {total['postgresql']} | "
                     f"| {100 * total['killed'] / counted:.1f} % |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the table into docs/testing.md")
    parser.add_argument("--pending", nargs="+", metavar="MODULE",
                        help="print the names of the mutants of these modules not checked yet, for mutmut run")
    parser.add_argument("--survivors", nargs="*", metavar="MODULE",
                        help="print the names of the surviving and unreached mutants (of these modules) instead, "
                             "for mutmut run")
    args = parser.parse_args()
    if not META.exists():
        print("没有 mutants/ 目录：请先运行 make mutation", file=sys.stderr)
        return 2
    if args.pending:
        print(" ".join(name for name, code in results().items() if code is None and module_of(name) in args.pending))
        return 0
    if args.survivors is not None:
        equivalent = equivalents()
        print(" ".join(name for name, code in results().items()
                       if (code in NO_TESTS or (code in SURVIVED and name not in equivalent
                                                  and not equivalent_by_rule(name) and not postgresql_only(name)))
                       and (not args.survivors or module_of(name) in args.survivors)))
        return 0
    rows = scores(results(), equivalents())
    text = table(rows)
    print(text)
    low = [r["module"] for r in rows if r["target"] and r["score"] is not None and r["score"] < TARGET_SCORE]
    if low:
        print(f"\nbelow {TARGET_SCORE:.0f} %: {', '.join(low)}")
    if args.write:
        doc = DOC.read_text("utf-8")
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[end:], "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
