#!/usr/bin/python3
"""Counts Plotly charts in an HTML report and how many of them a browser drew.

usage: check_charts.py expected REPORT.html   -> prints N (distinct ids passed to Plotly.newPlot/react)
       check_charts.py drawn DOM.html          -> prints N (elements with class js-plotly-plot)
"""
import re
import sys

CALL = re.compile(r"""Plotly\.(?:newPlot|react|plot)\(\s*(?:document\.getElementById\(\s*)?['"]([^'"]+)['"]""")
DRAWN = re.compile(r"""class="[^"]*\bjs-plotly-plot\b""")


def main():
    mode, path = sys.argv[1], sys.argv[2]
    text = open(path, encoding="utf-8", errors="replace").read()
    if mode == "expected":
        ids = {m.group(1) for m in CALL.finditer(text)}
        # only ids that have a div in the report (skips code that merely mentions Plotly.newPlot)
        ids = {i for i in ids if re.search(r"""id=["']%s["']""" % re.escape(i), text)}
        print(len(ids))
    elif mode == "drawn":
        print(len(DRAWN.findall(text)))
    else:
        sys.exit("usage: check_charts.py expected|drawn FILE")


if __name__ == "__main__":
    main()
