"""Small helpers to assemble the chapter-4 notebooks from Python lists of cells.

Each notebook module (nb_4_2.py, ...) defines NAME (the .ipynb file name) and CELLS, a list of
("md" | "code", source) pairs. build.py writes the notebooks, and with --execute runs them on
the `rust` (evcxr) kernel and stores the outputs in place.
"""
import hashlib
import textwrap

import nbformat

KERNELSPEC = {"name": "rust", "display_name": "Rust", "language": "rust"}
LANGUAGE_INFO = {
    "name": "rust",
    "file_extension": ".rs",
    "mimetype": "text/rust",
    "codemirror_mode": "rust",
    "pygment_lexer": "rust",
}

# The first lines of every notebook: same optimisation level and dependency everywhere, so
# that one warm evcxr build cache serves all four notebooks.
PREAMBLE = """\
:opt 2
:cache 2000
:dep dlfs = { path = "../crate", default-features = false }"""

# Glob-importing the prelude also brings in `dlfs::Result<T>`, which would shadow the std
# `Result<T, E>` that evcxr's generated code uses for `?`: import std's explicitly after it.
IMPORTS = """\
use dlfs::prelude::*;
// `use dlfs::prelude::*` 는 dlfs::Result<T> 도 가져오는데, evcxr 가 `?` 를 처리할 때 쓰는
// std 의 Result<T, E> 를 가리게 됩니다. 그래서 std 의 Result 를 명시적으로 다시 가져옵니다.
use std::result::Result;"""


def md(text):
    return ("md", textwrap.dedent(text).strip("\n"))


def code(text):
    return ("code", textwrap.dedent(text).strip("\n"))


def notebook(name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    for i, (kind, src) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        # Deterministic ids, so that regenerating a notebook changes nothing but outputs/timings.
        digest = hashlib.sha1(f"{name}:{i}:{kind}".encode()).hexdigest()[:8]
        cell["id"] = f"c{i:02d}-{digest}"
        nb.cells.append(cell)
    return nb
