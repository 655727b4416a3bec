"""Run a few cells on a fresh rust kernel and print outputs + timings (developer helper)."""
import sys, time, json, nbformat
from nbclient import NotebookClient
cells = json.load(open(sys.argv[1]))
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
client = NotebookClient(nb, kernel_name="rust", timeout=1800, resources={"metadata": {"path": sys.argv[2] if len(sys.argv) > 2 else "."}}, allow_errors=True)
with client.setup_kernel():
    for i, cell in enumerate(nb.cells):
        t = time.time()
        client.execute_cell(cell, i)
        print(f"--- cell {i} ({time.time()-t:.1f}s)")
        for o in cell.outputs:
            if o.output_type == "stream": print(o.text[:3000])
            elif o.output_type == "error": print("ERROR", o.ename, o.evalue, "\n".join(o.traceback)[:3000])
            else: print({k: (v[:300] if isinstance(v, str) else v) for k, v in o.get("data", {}).items()})
