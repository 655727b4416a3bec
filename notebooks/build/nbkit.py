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

# The prelude leaves `Result` out on purpose: evcxr's generated code for `?` uses the
# two-parameter std `Result<T, E>`, which a glob-imported `dlfs::Result<T>` would shadow.
IMPORTS = """\
use dlfs::prelude::*;"""


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
