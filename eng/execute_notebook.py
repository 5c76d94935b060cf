#!/usr/bin/python3
"""Executes one notebook with nbclient (the engine of `jupyter nbconvert --execute`) and always writes the
executed copy, also when a cell fails (then up to and including the failing cell), so that the HTML
report shows the error. Run with $SNN_PY (default /usr/bin/python3, Debian's: it has nbclient and nbformat).

usage: execute_notebook.py IN.ipynb OUT.ipynb --kernel NAME --cwd DIR [--timeout S] [--startup-timeout S] [--kernel-env K=V]...
exit:  0 all cells ran; 1 a cell raised; 2 the kernel failed (start, death, timeout)
--summary-out FILE: gets every output line that starts with 'summary:' (stream or text/plain), in order.
"""
import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def summaries(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts = []
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append(out.get("text", ""))
            elif out.get("output_type") in ("display_data", "execute_result"):
                texts.append(out.get("data", {}).get("text/plain", ""))
            for t in texts:
                if isinstance(t, list):
                    t = "".join(t)
                for line in t.splitlines():
                    if line.strip().startswith("summary:"):
                        yield line.strip()


def first_error(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i, f"{out.get('ename', '')}: {out.get('evalue', '')}".strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--startup-timeout", type=int, default=300)
    ap.add_argument("--summary-out")
    ap.add_argument("--kernel-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for the kernel only (e.g. LD_PRELOAD of the allocation counter)")
    a = ap.parse_args()
    kernel_env = dict(os.environ)
    for item in a.kernel_env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            ap.error(f"--kernel-env expects KEY=VALUE, got '{item}'")
        kernel_env[key] = value

    nb = nbformat.read(a.src, as_version=4)
    client = NotebookClient(nb, kernel_name=a.kernel, timeout=None if a.timeout <= 0 else a.timeout,
                            startup_timeout=a.startup_timeout, allow_errors=False,
                            resources={"metadata": {"path": a.cwd}})
    rc = 0
    try:
        client.execute(env=kernel_env)
    except CellTimeoutError as e:
        print(f"error: cell timed out after {a.timeout} s: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
        rc = 2
    except CellExecutionError as e:
        err = first_error(nb)
        where = f"cell {err[0]}: {err[1]}" if err else str(e).strip().splitlines()[-1]
        print(f"error: {where}", file=sys.stderr)
        rc = 1
    except DeadKernelError as e:
        print(f"error: kernel died: {e}", file=sys.stderr)
        rc = 2
    except Exception as e:  # kernel start failure, missing kernelspec, ...
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        rc = 2
    if rc == 0 and first_error(nb):  # an error output without a raise (should not happen)
        i, msg = first_error(nb)
        print(f"error: cell {i}: {msg}", file=sys.stderr)
        rc = 1
    nbformat.write(nb, a.dst)
    if a.summary_out:
        with open(a.summary_out, "w") as f:
            f.writelines(line + "\n" for line in summaries(nb))
    return rc


if __name__ == "__main__":
    sys.exit(main())
