#!/usr/bin/env python3
"""Runs shell test cases: each tests/shell/NAME.sql against NAME.expected.

    run_scripts.py SHELL CASE.sql [CASE.sql ...] [--update]

A case is a script piped into the shell, with directives in its leading comments:

    -- args: ARGS    the arguments of the run that reads the script (shell words)
    -- run: ARGS     a run before it with these arguments and no standard input; may repeat.
                     A case with only run directives pipes nothing in.
    -- show: FILE    after the runs, "---- FILE ----" and the file's text (or "(no file)")
                     are added to the output; may repeat.

In arguments and in the script, {db} is a database file in a fresh temporary folder, {dir}
that folder (also the working directory) and {cases} the folder of the cases. The output
compared is standard output and standard error together, run after run, with those paths
written back as {dir} and {cases}; a run that exits with a non-zero status adds "[exit N]".

In a .expected file a line /REGEX/ must match its output line as a whole (for versions and
timings); every other line must be equal. --update writes the output as the expected file.
"""
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile

TIMEOUT_S = 20


def parse(text):
    """The run directives, the args directive (or None), and whether a script is piped."""
    runs, args, shows = [], None, []
    for line in text.splitlines():
        m = re.match(r"--\s*(run|args|show):(.*)$", line)
        if m and m.group(1) == "run":
            runs.append(m.group(2).strip())
        elif m and m.group(1) == "show":
            shows.append(m.group(2).strip())
        elif m:
            args = m.group(2).strip()
    body = [l for l in text.splitlines() if l.strip() and not re.match(r"--\s*(run|args|show):", l)]
    return runs, args, shows, bool(body) or args is not None or not runs


def run_case(shell, case, update):
    with open(case, encoding="utf-8") as f:
        text = f.read()
    runs, args, shows, piped = parse(text)
    output = []
    with tempfile.TemporaryDirectory(prefix="duckcore-shell-") as tmp:
        subst = {"{db}": os.path.join(tmp, "test.db"), "{dir}": tmp,
                 "{cases}": os.path.dirname(os.path.abspath(case))}

        def expand(s):
            for k, v in subst.items():
                s = s.replace(k, v)
            return s

        env = dict(os.environ, HOME=tmp)
        invocations = [(r, None) for r in runs]
        if piped:
            invocations.append((args or "", expand(text)))
        for argline, stdin in invocations:
            argv = [shell] + [expand(a) for a in shlex.split(argline)]
            try:
                p = subprocess.run(argv, input=stdin.encode() if stdin is not None else None,
                                   stdin=subprocess.DEVNULL if stdin is None else None,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=tmp, env=env, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                print(f"{case}: timed out after {TIMEOUT_S} s: {argline}")
                return False
            out = p.stdout.decode("utf-8", errors="replace")
            output.extend(out.replace(tmp, "{dir}").replace(subst["{cases}"], "{cases}").splitlines())
            if p.returncode != 0:
                output.append(f"[exit {p.returncode}]")
        for name in shows:
            output.append(f"---- {name} ----")
            try:
                with open(expand(name), encoding="utf-8", errors="replace") as f:
                    output.extend(f.read().replace(tmp, "{dir}").splitlines())
            except FileNotFoundError:
                output.append("(no file)")

    expected_path = os.path.splitext(case)[0] + ".expected"
    if update:
        with open(expected_path, "w", encoding="utf-8") as f:
            f.write("".join(l + "\n" for l in output))
        print(f"{expected_path}: written")
        return True
    try:
        with open(expected_path, encoding="utf-8") as f:
            expected = f.read().splitlines()
    except FileNotFoundError:
        print(f"{case}: no {expected_path}")
        return False

    def same(e, a):
        if len(e) >= 2 and e.startswith("/") and e.endswith("/"):
            return re.fullmatch(e[1:-1], a) is not None
        return e == a

    if len(expected) == len(output) and all(same(e, a) for e, a in zip(expected, output)):
        print(f"{os.path.basename(case)}: ok ({len(output)} lines)")
        return True
    print(f"{case}: output differs from {expected_path}")
    sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in expected], [l + "\n" for l in output],
                                               "expected", "actual"))
    return False


def main():
    update = "--update" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--update"]
    if len(args) < 2:
        sys.exit(__doc__)
    shell, cases = os.path.abspath(args[0]), args[1:]
    results = [run_case(shell, c, update) for c in cases]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
