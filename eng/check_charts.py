#!/usr/bin/python3
"""Counts Plotly charts in an HTML report and how many of them a browser drew; checks an executed notebook's
charts and its Plotly.NET.Interactive.

usage: check_charts.py expected REPORT.html    -> prints N (distinct ids passed to Plotly.newPlot/react)
       check_charts.py drawn DOM.html           -> prints N (elements with class js-plotly-plot)
       check_charts.py notebook EXECUTED.ipynb  -> prints one note; exit 1 (the note says why) unless
           - the notebook loaded Plotly.NET.Interactive: notebooks/setup.csx printed
             'setup: Plotly.NET.Interactive <version> loaded ...' (it loads the extension, then registers the
             offline formatter after it and checks that the offline one wins), and
           - every chart output is the offline kind (Snn.Charts.ChartHtml: <div class="snn-chart">), none is
             Plotly.NET's CDN/require.js kind, and plotly.js itself is inlined in the notebook.
"""
import json
import re
import sys

CALL = re.compile(r"""Plotly\.(?:newPlot|react|plot)\(\s*(?:document\.getElementById\(\s*)?['"]([^'"]+)['"]""")
DRAWN = re.compile(r"""class="[^"]*\bjs-plotly-plot\b""")

# notebook mode (the markers of lib/Snn.Charts/ChartHtml.cs and of Plotly.NET's HTML templates)
SETUP_LINE = re.compile(r"^setup: Plotly\.NET\.Interactive (\S+) loaded\b.*$", re.M)
OFFLINE_CHART = re.compile(r"""<div id="snn-chart-[0-9a-f]+" class="snn-chart">""")
INLINED_LIBRARY = re.compile(r"plotly\.js v\d+\.\d+\.\d+.*?window\.dispatchEvent\(new Event\('snn-plotly-ready'\)\)", re.S)
CDN_CHART = re.compile(r"""renderPlotly_|Plotly chart will be drawn inside this DIV|<script[^>]+src=["']https?://cdn\.plot\.ly""")


def joined(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def check_notebook(path):
    """Returns (ok, note) for an executed notebook."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    version = None
    offline = cdn = 0
    inlined = False
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                m = SETUP_LINE.search(joined(out.get("text")))
                version = version or (m and m.group(1))
            elif kind in ("display_data", "execute_result"):
                data = out.get("data", {})
                m = SETUP_LINE.search(joined(data.get("text/plain")))
                version = version or (m and m.group(1))
                html = joined(data.get("text/html"))
                offline += len(OFFLINE_CHART.findall(html))
                cdn += 1 if CDN_CHART.search(html) else 0
                inlined = inlined or bool(INLINED_LIBRARY.search(html))
    problems = []
    if not version:
        problems.append("Plotly.NET.Interactive not loaded (no 'setup: Plotly.NET.Interactive ... loaded' line: "
                        "does the first cell #load \"setup.csx\"?)")
    if cdn:
        problems.append(f"{cdn} chart output(s) from Plotly.NET's CDN formatter (blank offline): "
                        "the offline formatter must be registered after Plotly.NET.Interactive loads")
    if offline and not inlined:
        problems.append(f"{offline} offline chart(s) but plotly.js is not inlined in any output")
    if problems:
        return False, "; ".join(problems)
    charts = f"{offline} chart(s) offline, plotly.js inlined" if offline else "no charts"
    return True, f"Plotly.NET.Interactive {version} loaded; {charts}"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_charts.py expected|drawn|notebook FILE")
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "notebook":
        ok, note = check_notebook(path)
        print(note)
        sys.exit(0 if ok else 1)
    text = open(path, encoding="utf-8", errors="replace").read()
    if mode == "expected":
        ids = {m.group(1) for m in CALL.finditer(text)}
        # only ids that have a div in the report (skips code that merely mentions Plotly.newPlot)
        ids = {i for i in ids if re.search(r"""id=["']%s["']""" % re.escape(i), text)}
        print(len(ids))
    elif mode == "drawn":
        print(len(DRAWN.findall(text)))
    else:
        sys.exit("usage: check_charts.py expected|drawn|notebook FILE")


if __name__ == "__main__":
    main()
