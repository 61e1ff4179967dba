"""Write the README's screenshots: ``docs/report_example.png`` (the sample night's report) and
``docs/notebook_example.png`` (section 3 of the tutorial as saved, with its outputs).

    python docs/make_screenshots.py      # needs matplotlib and Chromium (apt-get install chromium)

Both are rendered by headless Chromium from HTML: the report as ``jerkdetect score --report``
writes it, the notebook section from the cells and outputs saved in ``examples/tutorial.ipynb``
(code, tables and figures as a notebook viewer shows them; refresh the notebook first with
``python tests/test_tutorial.py``).
"""
from __future__ import annotations

import html
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CSS = ("body{font-family:system-ui,Helvetica,Arial,sans-serif;max-width:1060px;margin:20px auto;color:#1d1d1f}"
       "pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:8px 10px;font-size:13px;margin:6px 0}"
       ".out{margin:4px 0 18px 0;font-size:12px}.out table{border-collapse:collapse}"
       ".out td,.out th{border:1px solid #ddd;padding:2px 6px;text-align:right}.prompt{color:#888;font-size:11px}"
       "img{max-width:100%}code{background:#f0f0f0;padding:0 3px}")


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("Chromium is needed: apt-get install chromium")
    return exe


def shoot(page: pathlib.Path, png: pathlib.Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={width},{height}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
    print(f"wrote {png}")


def _markdown(text: str) -> str:
    out = html.escape(text)
    out = re.sub(r"^## (.*)$", r"<h2>\1</h2>", out, flags=re.M)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", out)
    return f"<p>{out}</p>"


def notebook_section(first: str, last: str) -> str:
    """HTML of the tutorial's cells from the markdown cell starting with ``first`` up to (excluding)
    the one starting with ``last``, outputs as saved."""
    nb = json.loads((ROOT / "examples" / "tutorial.ipynb").read_text(encoding="utf-8"))
    parts, on = [], False
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown" and src.startswith(first):
            on = True
        elif c["cell_type"] == "markdown" and src.startswith(last):
            break
        if not on:
            continue
        if c["cell_type"] == "markdown":
            parts.append(_markdown(src))
            continue
        parts.append(f'<div class="prompt">In [{c["execution_count"]}]:</div><pre>{html.escape(src)}</pre>')
        for o in c["outputs"]:
            data = o.get("data", {})
            if "image/png" in data:
                parts.append(f'<div class="out"><img src="data:image/png;base64,{data["image/png"]}"></div>')
            elif "text/html" in data:
                parts.append(f'<div class="out">{"".join(data["text/html"])}</div>')
            elif "text/plain" in data:
                parts.append(f'<pre class="out">{html.escape("".join(data["text/plain"]))}</pre>')
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{CSS}</style></head><body>{''.join(parts)}" \
           "</body></html>"


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import os

    import jerkdetect as jd
    os.chdir(ROOT)  # paths in the report as the README's command gives them
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        res = jd.score("sample_data/sample_night.edf", annotations="sample_data/sample_night.xml")
        report = pathlib.Path(res.report(str(d / "sample_night_report.html")))
        shoot(report, DOCS / "report_example.png", 1200, 2600)
        page = d / "notebook.html"
        page.write_text(notebook_section("## 3.", "Zoom in"), encoding="utf-8")
        shoot(page, DOCS / "notebook_example.png", 1100, 1180)


if __name__ == "__main__":
    main()
