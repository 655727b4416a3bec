"""Write the chapter-4 notebooks from nb_4_*.py, and optionally execute them in place.

    python notebooks/build/build.py             # write the .ipynb files (no outputs)
    python notebooks/build/build.py --execute   # write, then run each on the `rust` kernel, save outputs
    python notebooks/build/build.py --execute 4.3   # only the notebooks whose name contains "4.3"

Execution: nbclient, kernel "rust" (evcxr_jupyter), cwd = notebooks/, no timing metadata, so a
rerun changes nothing but the timings printed by the notebooks themselves.
"""
import argparse
import importlib
import pathlib
import sys
import time

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent
sys.path.insert(0, str(HERE))

from nbkit import notebook  # noqa: E402

MODULES = ["nb_4_2", "nb_4_3", "nb_4_4", "nb_4_5"]


def execute(nb, path, allow_errors=False):
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        kernel_name="rust",
        timeout=900,
        record_timing=False,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    t0 = time.time()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t = time.time()
            client.execute_cell(cell, i)
            print(f"  cell {i:2d}: {time.time() - t:6.1f} s", flush=True)
            for out in cell.outputs:
                if out.output_type == "error":
                    print(f"  ERROR in cell {i}: {out.ename}: {out.evalue[:500]}", flush=True)
            for out in cell.outputs:
                if out.output_type == "stream" and out.name == "stderr" and out.text.strip() and not allow_errors:
                    raise RuntimeError(f"{path.name} cell {i} wrote to stderr:\n{out.text}")
    print(f"  total {time.time() - t0:.1f} s")


def show(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        print(f"--- [{i}]")
        for out in cell.outputs:
            if out.output_type == "stream":
                print(out.text, end="")
            elif out.output_type == "error":
                print("ERROR", out.evalue[:800])
            else:
                data = out.get("data", {})
                print({k: (v[:200] if isinstance(v, str) else "...") for k, v in data.items()})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--execute", action="store_true")
    ap.add_argument("--allow-errors", action="store_true", help="keep going after a failing cell (development)")
    ap.add_argument("--show", action="store_true", help="print every cell's text output")
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    for modname in MODULES:
        mod = importlib.import_module(modname)
        if args.only and not any(o in mod.NAME for o in args.only):
            continue
        path = NOTEBOOKS / mod.NAME
        nb = notebook(mod.NAME, mod.CELLS)
        if args.execute:
            print(f"executing {mod.NAME}", flush=True)
            execute(nb, path, args.allow_errors)
            if args.show:
                show(nb)
        nbformat.write(nb, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
