#!/usr/bin/env python3
"""Fails on a function body longer than LIMIT lines in nabla/ and apps/ (the house rule: a
function reads as one step). Lambdas and local classes count toward their enclosing function.
A heuristic brace matcher over the source with comments and string literals blanked out; it
knows namespaces, classes/structs/enums and function bodies, and treats any other brace (an
initializer list, a control block) as part of whatever encloses it."""
import pathlib
import re
import sys

LIMIT = 80
top = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ("nabla", "apps")

# comments, raw strings R"d(...)d", ordinary strings and chars -> spaces (newlines kept)
TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(\s]*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                   re.S)


def blank(src):
    return TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), src)


def kind_of(header):
    h = " ".join(header.split())
    if re.search(r"\bnamespace\b", h) or re.match(r'extern\s*$', h):
        return "ns"
    if re.search(r"\b(class|struct|union|enum)\b", h) and "(" not in h.split("=")[0]:
        return "class"
    # a function: parameters, then at most qualifiers/initializers before the brace, and no '='
    # before the parameter list (that would be an initialized variable)
    if "(" in h and "=" not in h.split("(")[0] and not re.match(r"(if|for|while|switch)\b", h):
        return "func"
    return "other"


def long_functions(path):
    src = blank(path.read_text())
    stack, header, line, out = [], "", 1, []
    for ch in src:
        if ch == "\n":
            line += 1
        if ch == "{":
            outer = stack[-1][0] if stack else "ns"
            kind = kind_of(header) if outer in ("ns", "class") else "inner"
            stack.append((kind, line, header.strip()))
            header = ""
        elif ch == "}":
            if stack:
                kind, start, head = stack.pop()
                if kind == "func" and line - start - 1 > LIMIT:
                    name = re.findall(r"([~\w:]+)\s*\(", head)
                    out.append((start, line - start - 1, name[0] if name else head[:40]))
            header = ""
        elif ch == ";":
            header = ""
        else:
            header += ch
    return out


bad = []
for folder in FOLDERS:
    for f in sorted((top / folder).rglob("*.cpp")) + sorted((top / folder).rglob("*.hpp")):
        for start, n, name in long_functions(f):
            bad.append(f"{f.relative_to(top)}:{start}: {name} is {n} lines (at most {LIMIT})")
if bad:
    print("functions too long (split them into named steps):\n" + "\n".join(bad))
    sys.exit(1)
print(f"function length: ok (at most {LIMIT} lines in {', '.join(FOLDERS)}/)")
