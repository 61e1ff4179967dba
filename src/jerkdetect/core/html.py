"""Tiny HTML helpers shared by the notebook reprs and the static reports (no template engine)."""
from __future__ import annotations

import math
from html import escape
from typing import Iterable, Sequence

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;
color:#1d1d1f;line-height:1.4;padding:0 16px}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table.jd{border-collapse:collapse;font-size:13px;margin:6px 0}
table.jd th,table.jd td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
table.jd th{background:#f4f4f6}table.jd td.num{text-align:right;font-variant-numeric:tabular-nums}
.null{color:#a33}.muted{color:#666;font-size:12px}.warn{color:#8a5a00}
figure{margin:10px 0}figcaption{font-size:12px;color:#555}img.fig{max-width:100%;height:auto;border:1px solid #eee}
"""


def fmt(v, digits: int = 2) -> str:
    """A value as table text: null for None/NaN, rounded floats, ``a, b`` for lists."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "null"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt(x, digits) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}={fmt(x, digits)}" for k, x in v.items()) or "-"
    return str(v)


def _cell(v, digits: int) -> str:
    num = (isinstance(v, (int, float)) and not isinstance(v, bool)) or isinstance(v, Num)
    text = v.html if isinstance(v, Raw) else escape(fmt(v, digits))
    cls = ' class="null"' if v is None else ' class="num"' if num else ""
    return f"<td{cls}>{text}</td>"


class Num(str):
    """A number already written as text (with its unit): right-aligned like a number."""


class Raw(str):
    """Text already in HTML (a link), put in a table cell unescaped."""

    @property
    def html(self) -> str:
        return str(self)


def table(rows: Iterable[Sequence], header: Sequence[str] | None = None, digits: int = 2) -> str:
    """An HTML table from rows of values (escaped, numbers right-aligned, None shown as null)."""
    out = ['<table class="jd">']
    if header:
        out.append("<tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in header) + "</tr>")
    for r in rows:
        out.append("<tr>" + "".join(_cell(v, digits) for v in r) + "</tr>")
    out.append("</table>")
    return "".join(out)


def kv_table(pairs: Iterable[tuple[str, object]], digits: int = 2) -> str:
    """Two-column table: name, value."""
    return table([(Raw(f"<b>{escape(str(k))}</b>"), v) for k, v in pairs], digits=digits)


def page(title: str, body: str) -> str:
    """A whole self-contained HTML page (inline CSS; no scripts, no network)."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def img(png_b64: str, alt: str, width: int, height: int, caption: str = "") -> str:
    """An inline base64 PNG figure with its pixel size (so a browser lays it out before decoding)."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (f'<figure><img class="fig" alt="{escape(alt)}" width="{width}" height="{height}" '
            f'src="data:image/png;base64,{png_b64}">{cap}</figure>')
