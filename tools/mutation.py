"""Mutation testing of the report's computations with mutmut (`make mutation`).

mutmut changes one small thing at a time in a module of code/ or in builder/number.py
(an operator, a constant, a comparison, an argument) and runs the tests that reach the
changed function; a mutant
that no test notices ("survived") is a bug the tests would miss.  Every survivor must be
killed by a stronger test or listed in tools/mutation_equivalent.toml with the reason it
changes nothing observable; at least 90% of the other mutants of each module must be
killed.

The report's modules import each other by bare name (`from images import quantize`),
which mutmut cannot map to a file in `code/`, so each module is tested in a staging
folder of its own, `.cache/mutation/<module>/`: `src/` holds a copy of `code/`, `tests/`
the module's test files, and only `src/<module>.py` is mutated.  Figure-drawing
functions (layout, judged by looking at the PDF) are not mutated: see NOT_MUTATED.

    .venv/bin/python tools/mutation.py                  # every module (about an hour)
    .venv/bin/python tools/mutation.py attention        # one module
    .venv/bin/python tools/mutation.py --report         # the summary of the last runs
    .venv/bin/python tools/mutation.py --resume language_model  # go on after a stop

`--resume` keeps the staging folder and mutmut's results of the mutants already run
(mutmut re-runs a mutant only if its function changed), refreshes the test files, runs
the rest, and then runs the survivors again against the refreshed tests.

Runs one process at a time (`--max-children 1`; `--children 2` on an idle 2-core
machine), each with OMP_NUM_THREADS=1 and nice, and writes
the summary table (per module: mutants, killed, survived, equivalent, score) to
.cache/mutation/summary.md.  Exits non-zero if a survivor is not listed as equivalent
or a module scores below 90%."""

import argparse
import ast
import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the toml package mutmut itself needs there
    import toml as tomllib

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".cache" / "mutation"
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.toml")
THRESHOLD = 0.90

# module -> the test files that check it (the fastest set that reaches every function)
MODULES = {
    "receptive_field": ["test_receptive_field.py"],
    "predictions": ["test_images_and_labels.py"],
    "images": ["test_images_and_labels.py", "test_adversarial.py"],
    "imagenet_model": ["test_images_and_labels.py"],
    "adversarial": ["test_adversarial.py"],
    "language_model": ["test_language_model.py"],
    "truncated_bptt": ["test_language_model.py"],
    "text_generation": ["test_language_model.py"],
    "rnn_gradients": ["test_rnn_gradients.py"],
    "attention": ["test_attention.py"],
    "number": ["test_number.py", "test_crossref_export.py"],
}
# Modules of the build tool (builder/number.py: the numbering of cross-references),
# staged as the whole package in src/builder/ so that its relative imports work.
PACKAGE = {"number": "builder"}
# The tests of a shared file that reach the module (a pytest -k expression).
SELECT = {
    "text_generation": "greedy or multinomial or cosine or text_helpers or "
    "carries_the_state or generation_defaults or nearest_words",
    "truncated_bptt": "detach or graph_memory or meter or backward_costs",
}
# Tests too slow to run once per mutant (each is also run by `make test`).
DESELECT = {
    "adversarial": ["test_targeted_success_after_quantisation"],
    "language_model": [
        "test_short_training_on_real_ptb_lowers_perplexity_far_below_the_vocabulary",
        "test_training_is_deterministic[bfloat16]",
    ],
}
# Functions that draw figures: mutating a colour or a font size is observable only by
# looking at the page, so these are left out of the mutation score.
NOT_MUTATED = {
    "receptive_field": ["plot_network_and_windows"],
    "predictions": ["show_prediction", "prediction_figure"],
    "adversarial": ["attack_figure", "zoom_figure"],
    "truncated_bptt": ["draw_truncated_graph", "memory_figure"],
    "rnn_gradients": ["violated_figure"],
}
STATUS = {  # mutmut's words -> ours
    "killed": "killed",
    "survived": "survived",
    "timeout": "killed",  # the mutant made the tests hang: noticed
    "suspicious": "killed",
    "segfault": "killed",
    "no tests": "survived",  # no test reaches the function: nothing would notice
    "skipped": "skipped",
    "not checked": "not run",
    "check was interrupted by user": "not run",
}


def relative(module):
    """The mutated file of `module`, relative to the staging folder's src/."""
    package = PACKAGE.get(module)
    return f"{package}/{module}.py" if package else f"{module}.py"


def stage(module):
    """The staging folder of `module`: code/ as src/ (a builder module: builder/ as
    src/builder/), its tests, a mutmut config."""
    folder = WORK / module
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    package = PACKAGE.get(module)
    shutil.copytree(
        ROOT / (package or "code"),
        folder / "src" / (package or ""),
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    source = folder / "src" / relative(module)
    source.write_text(fence(source.read_text(), NOT_MUTATED.get(module, [])))
    for name in ["conftest.py", *MODULES[module]]:
        shutil.copy(ROOT / "tests" / name, folder / "tests" / name)
    tests = [f"tests/{name}" for name in MODULES[module]]
    deselect = [
        f"--deselect=tests/{MODULES[module][0]}::{t}" for t in DESELECT.get(module, [])
    ]
    select = ["-k", SELECT[module]] if module in SELECT else []
    (folder / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f'only_mutate = ["src/{relative(module)}"]\n'
        f"pytest_add_cli_args_test_selection = {tests + deselect + select!r}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        "use_git_change_detection = false\n"
        "mutate_only_covered_lines = false\n"
    )
    return folder


def fence(text, functions):
    """`text` with each named top-level function between mutmut's `no mutate` fences."""
    lines = text.splitlines()
    spans = [
        (min([n.lineno, *(d.lineno for d in n.decorator_list)]), n.end_lineno)
        for n in ast.parse(text).body
        if isinstance(n, ast.FunctionDef) and n.name in functions
    ]
    missing = set(functions) - {
        n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)
    }
    if missing:
        raise SystemExit(f"tools/mutation.py: NOT_MUTATED names {missing}: not found")
    for start, end in sorted(spans, reverse=True):
        lines.insert(end, "# pragma: no mutate end")
        lines.insert(start - 1, "# pragma: no mutate start")
    return "\n".join(lines) + "\n"


def environment():
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.setdefault("REPORT_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    env["REPORT_OFFLINE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def mutmut(folder, *args, capture=True):
    exe = Path(sys.executable).with_name("mutmut")
    command = ["nice", "-n", "10", str(exe), *args]
    return subprocess.run(
        command,
        cwd=folder,
        env=environment(),
        capture_output=capture,
        text=True,
        check=False,
    )


def run(module, resume=False, children=1):
    folder = WORK / module
    staged = folder / "src" / relative(module)
    source = ROOT / PACKAGE.get(module, "code") / f"{module}.py"
    survivors = []  # of the stopped run: tried again against the refreshed tests
    if not resume or not (folder / "mutants").exists():
        folder = stage(module)
    elif fence(source.read_text(), NOT_MUTATED.get(module, [])) != staged.read_text():
        raise SystemExit(f"--resume {module}: {source} changed since it was staged")
    else:
        for name in ["conftest.py", *MODULES[module]]:
            shutil.copy(ROOT / "tests" / name, folder / "tests" / name)
        survivors = [n for n, s in results(module).items() if s == "survived"]
    where = PACKAGE.get(module, "code")
    print(f"== {module}: mutating {where}/{module}.py", flush=True)
    for names in [[], survivors] if survivors else [[]]:
        result = mutmut(
            folder, "run", "--max-children", str(children), *names, capture=False
        )
        if result.returncode:
            raise SystemExit(f"mutmut failed on {module} (exit {result.returncode})")


def results(module):
    """{mutant name: our status} of the last run of `module`."""
    folder = WORK / module
    out = mutmut(folder, "results", "--all", "true").stdout
    found = {}
    for line in out.splitlines():
        match = re.match(r"\s+(\S+): (.+)$", line)
        if match:
            found[match[1]] = STATUS.get(match[2].strip(), match[2].strip())
    return found


def changes(module):
    """{mutant name: (function, removed lines, added lines)} of `module`'s mutants,
    read from the mutated copy mutmut writes (each mutant is a function beside the
    original, `x_<function>__mutmut_<n>` and `x_<function>__mutmut_orig`)."""
    text = (WORK / module / "mutants" / "src" / relative(module)).read_text()
    lines = text.splitlines()  # (ast.get_source_segment is quadratic on this file)
    functions = {
        node.name: lines[node.lineno - 1 : node.end_lineno]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef) and "__mutmut_" in node.name
    }
    found = {}
    for name, lines in functions.items():
        base, _, n = name.rpartition("__mutmut_")
        if n == "orig":
            continue
        original = [
            line.replace(f"{base}__mutmut_orig", base)
            for line in functions[f"{base}__mutmut_orig"]
        ]
        mutated = [line.replace(name, base) for line in lines]
        diff = list(difflib.unified_diff(original, mutated, lineterm="", n=0))
        function = base.removeprefix("x_").removeprefix("xǁ").replace("ǁ", ".")
        dotted = f"{PACKAGE[module]}.{module}" if module in PACKAGE else module
        found[f"{dotted}.{name}"] = (
            function,
            [d[1:].strip() for d in diff if d[:1] == "-" and d[:3] != "---"],
            [d[1:].strip() for d in diff if d[:1] == "+" and d[:3] != "+++"],
        )
    return found


def equivalents():
    """[(module, function, before, after, reason)] from mutation_equivalent.toml."""
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return [
        (e["module"], e["function"], e["before"].strip(), e["after"].strip(), e["why"])
        for e in data.get("equivalent", [])
    ]


def summarise(modules):
    """Print and save the table; return the unexplained survivors."""
    known = equivalents()
    rows, unexplained, used, low = [], [], set(), []
    for module in modules:
        if not (WORK / module / "mutants").exists():
            rows.append(f"| {module} | not run | | | | | |")
            continue
        status, diffs = results(module), changes(module)
        counts = {s: list(status.values()).count(s) for s in set(status.values())}
        equivalent = 0
        for name, state in status.items():
            if state != "survived":
                continue
            function, removed, added = diffs[name]
            for i, (m, f, before, after, _) in enumerate(known):
                if (m, f) == (module, function) and before in removed:
                    if after in added:
                        equivalent += 1
                        used.add(i)
                        break
            else:
                unexplained.append((module, name, function, removed, added))
        killed, survived = counts.get("killed", 0), counts.get("survived", 0)
        scored = killed + survived - equivalent
        score = killed / scored if scored else 1.0
        other = len(status) - killed - survived
        if score < THRESHOLD:
            low.append(module)
        rows.append(
            f"| {module} | {len(status)} | {killed} | {survived - equivalent} | "
            f"{equivalent} | {other} | {100 * score:.1f}% |"
        )
    table = "\n".join(
        [
            "| module | mutants | killed | survived | equivalent | not run | score |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "summary.md").write_text(table + "\n")
    for module, name, function, removed, added in unexplained:
        print(f"\nSURVIVED {name} ({module}.{function})")
        print("  - " + "\n  - ".join(removed) + "\n  + " + "\n  + ".join(added))
    stale = [e for i, e in enumerate(known) if i not in used and e[0] in modules]
    for module, function, before, after, _ in stale:
        print(f"\nnot seen (stale entry?): {module}.{function}: {before} -> {after}")
    return unexplained, low


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument(
        "--report", action="store_true", help="only summarise the last runs"
    )
    parser.add_argument(
        "--children",
        type=int,
        default=1,
        help="mutants tested at once (1; 2 on an idle 2-core machine)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the results of a stopped run, run the rest and the survivors again",
    )
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    unknown = set(modules) - set(MODULES)
    if unknown:
        parser.error(
            f"unknown module(s) {sorted(unknown)}: choose from {list(MODULES)}"
        )
    if not args.report:
        for module in modules:
            run(module, resume=args.resume, children=args.children)
    unexplained, low = summarise(modules)
    if unexplained or low:
        raise SystemExit(
            f"{len(unexplained)} surviving mutant(s) neither killed nor listed as "
            f"equivalent; modules under {THRESHOLD:.0%}: {len(low)}"
        )


if __name__ == "__main__":
    main()
