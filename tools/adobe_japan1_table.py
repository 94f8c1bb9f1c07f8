"""Writes ``jiniac_hpc/assets/pdf/adobe_japan1_cids.txt``: the Adobe-Japan1 CIDs that pdfminer.six's own
CID-to-Unicode table leaves out, with the character Adobe's ``Adobe-Japan1-UCS2`` CMap gives each.

    python tools/adobe_japan1_table.py /usr/share/poppler/cMap/Adobe-Japan1/Adobe-Japan1-UCS2

The CMap is Adobe's (cmap-resources, BSD-3-Clause; Debian's poppler-data ships it under
``/usr/share/poppler/cMap/Adobe-Japan1/``). pdfminer builds its table from one column of Adobe's
cid2code and has no entry for about 8,000 of the 23,060 CIDs, among them the variant kanji of
names (CID 8443, 﨑 U+FA11, as in 尾﨑). Only CIDs that map to one character are written (a
variation selector after it dropped: U+FA11 U+E0101 is 﨑); CIDs that map to several (㈲ written
out as 有限会社, fractions) are left out. Runs of consecutive CIDs mapping to consecutive code
points are written as one ``cid:code:count`` token, all in hexadecimal but the count, after a head
of ``#`` lines: where the table comes from and Adobe's notice, copied from the CMap.
"""
from __future__ import annotations

import argparse
import re
import textwrap
from pathlib import Path

from pdfminer.cmapdb import CMapDB

OUT = Path(__file__).resolve().parent.parent / "jiniac_hpc" / "assets" / "pdf" / "adobe_japan1_cids.txt"
_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def cmap_entries(text: str) -> dict[int, str]:
    """CID to text from a PostScript CMap's bfchar and bfrange blocks."""
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for cid, code in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(cid, 16)] = bytes.fromhex(code).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, code in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = bytes.fromhex(code).decode("utf-16-be")
            for i in range(int(lo, 16), int(hi, 16) + 1):
                out[i] = first[:-1] + chr(ord(first[-1]) + i - int(lo, 16))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cmap", type=Path, help="Adobe's Adobe-Japan1-UCS2 CMap file")
    args = ap.parse_args()
    text = args.cmap.read_text(encoding="latin-1")
    version = re.search(r"%%Title: \((.*?)\)", text).group(1)
    known = CMapDB.get_unicode_map("Adobe-Japan1", False).cid2unichr
    runs: list[list[int]] = []       # [cid, code point, count]
    for cid, chars in sorted(cmap_entries(text).items()):
        chars = _SELECTOR.sub("", chars)
        if cid in known or len(chars) != 1:
            continue
        if runs and cid == runs[-1][0] + runs[-1][2] and ord(chars) == runs[-1][1] + runs[-1][2]:
            runs[-1][2] += 1
        else:
            runs.append([cid, ord(chars), 1])
    tokens = " ".join(f"{c:x}:{u:x}" + (f":{n}" if n > 1 else "") for c, u, n in runs)
    notice = [line[len("%%Copyright:"):].strip() for line in text.splitlines() if line.startswith("%%Copyright:")]
    head = [f"Adobe-Japan1 CIDs that pdfminer.six's CID-to-Unicode table leaves out, and their characters:",
            "cid:code point[:count], hexadecimal but the count (a run of CIDs mapping to consecutive code points).",
            f"Written by tools/adobe_japan1_table.py from Adobe's Adobe-Japan1-UCS2 CMap ({version}); do not edit.",
            "Adobe's notice, as the CMap carries it:", *notice]
    OUT.write_text("".join(f"# {line}".rstrip() + "\n" for line in head)
                   + "\n".join(textwrap.wrap(tokens, 116)) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(runs)} runs")


if __name__ == "__main__":
    main()
