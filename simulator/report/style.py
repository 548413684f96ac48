"""The look shared by collectsim's HTML pages (the MIS report and the calibration report)."""

from __future__ import annotations

PAGE_CSS = """
body{font-family:"Liberation Sans",Arial,Helvetica,sans-serif;margin:0;background:#f4f5f7;color:#1d2633}
header{background:#1f3a5f;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#c9d6e8;font-size:13px}
main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border-radius:6px;padding:14px 20px;margin:16px 0;\
box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-x:auto}
h2{font-size:19px;margin:4px 0 10px;color:#1f3a5f;border-bottom:2px solid #e1e6ee;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{padding:4px 10px;border-bottom:1px solid #e3e7ed;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.text{text-align:left}
td.text{white-space:normal;overflow-wrap:break-word;min-width:16em}
thead th{background:#eef2f7;color:#33465e}
.note{color:#5a6b80;font-size:13px}
.breach{color:#b03a2e;font-weight:bold} .pass{color:#1e7a46;font-weight:bold}
img{max-width:100%;height:auto;display:block;margin:8px 0}
code{font-size:12px;background:#eef2f7;padding:1px 4px;border-radius:3px;word-break:break-all}
"""
"""The page, header, sections, tables and notes of every collectsim HTML page."""
