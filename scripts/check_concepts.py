#!/usr/bin/env python3
"""Checks that docs/CONCEPTS.md names only things that exist.

Every backticked span is split on whitespace (so paths inside a command such as
`nabla train configs/optim_adam.toml` count too); a token is a repo-relative path when it starts
with nabla/, tests/, examples/, configs/, apps/, scripts/, bench/, docs/ or fuzz/, or contains a
`/` and ends in an extension. Run outputs (build/..., runs/...), absolute paths, URLs and
placeholders are not paths. Each named file (or folder) must exist.

A GoogleTest name written as `Suite.Name` belongs to the test file (tests/....cpp) named before
it in the same table cell (or line), else to the first one after it; that file must contain
TEST(Suite, Name), TEST_F(Suite, Name), TEST_P(Suite, Name) or a TYPED_TEST form of it.

  python3 scripts/check_concepts.py [docs/CONCEPTS.md]     exit 0: all found; 1: lists what is not
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PREFIXES = ("nabla/", "tests/", "examples/", "configs/", "apps/", "scripts/", "bench/", "docs/", "fuzz/")
NOT_PATHS = ("build/", "build-asan/", "runs/", "/", "~", "http://", "https://")
BACKTICK = re.compile(r"`([^`\n]+)`")
EXTENSION = re.compile(r"\.[A-Za-z0-9]+$")
GTEST_NAME = re.compile(r"^([A-Z][A-Za-z0-9_]*)\.([A-Z][A-Za-z0-9_]*)$")


def as_path(token):
    """The repo-relative path a token names, or None."""
    t = token.strip("'\"(),;")
    t = re.sub(r":\d+(-\d+)?$", "", t)  # file.cpp:12 -> file.cpp
    if t.startswith("./"):
        t = t[2:]
    if not t or t.startswith(NOT_PATHS) or any(c in t for c in "*<>{}$=[]|"):
        return None
    if t.startswith(PREFIXES):
        return t
    if "/" in t and EXTENSION.search(t.rstrip("/").rsplit("/", 1)[-1]):
        return t
    return None


def gtest_defined(test_file, suite, name):
    text = (ROOT / test_file).read_text(errors="replace")
    pattern = r"\b(?:TYPED_)?TEST(?:_F|_P)?\(\s*" + re.escape(suite) + r"\s*,\s*" + re.escape(name) + r"\s*\)"
    return re.search(pattern, text) is not None


def units(markdown):
    """(line number, text) of each table cell, or of each line outside tables."""
    for n, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("|"):
            for cell in line.strip().strip("|").split("|"):
                yield n, cell
        else:
            yield n, line


def check(doc):
    problems, paths, tests = [], set(), 0
    for n, text in units(doc.read_text()):
        items = []  # ("path", p) or ("test", suite, name), in order of appearance
        for span in BACKTICK.findall(text):
            span = span.strip()
            m = GTEST_NAME.match(span)
            if m:
                items.append(("test", m.group(1), m.group(2)))
                continue
            for token in span.split():
                p = as_path(token)
                if p:
                    items.append(("path", p))
        last_test_file = None
        pending = []  # names seen before any test file in this unit
        for item in items:
            if item[0] == "path":
                p = item[1]
                paths.add(p)
                exists = (ROOT / p).is_file() or ((ROOT / p).is_dir() and not EXTENSION.search(p.rstrip("/")))
                if not exists:
                    problems.append(f"{doc.name}:{n}: `{p}` does not exist")
                elif p.startswith("tests/") and p.endswith(".cpp"):
                    last_test_file = p
                    for suite, name in pending:
                        tests += 1
                        if not gtest_defined(p, suite, name):
                            problems.append(f"{doc.name}:{n}: {suite}.{name} is not a test in `{p}`")
                    pending = []
            else:
                _, suite, name = item
                if last_test_file is None:
                    pending.append((suite, name))
                    continue
                tests += 1
                if not gtest_defined(last_test_file, suite, name):
                    problems.append(f"{doc.name}:{n}: {suite}.{name} is not a test in `{last_test_file}`")
        for suite, name in pending:
            # a missing test file is already reported above; a name with no file at all is too
            if not any(i[0] == "path" and i[1].startswith("tests/") for i in items):
                problems.append(f"{doc.name}:{n}: {suite}.{name} has no test file (tests/....cpp) next to it")
    return problems, len(paths), tests


def main():
    doc = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "CONCEPTS.md"
    if not doc.is_file():
        print(f"check_concepts: {doc} not found")
        return 1
    problems, n_paths, n_tests = check(doc)
    if problems:
        print(f"check_concepts: {len(problems)} problem(s) in {doc}:")
        print("\n".join("  " + p for p in problems))
        return 1
    print(f"concepts: ok ({n_paths} paths and {n_tests} test names in {doc.name} found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
