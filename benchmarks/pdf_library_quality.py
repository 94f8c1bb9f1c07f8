"""Which PDF library extracts Japanese best: pdfminer.six vs pypdf, pypdfium2 and pdfplumber.

    python benchmarks/pdf_library_quality.py
    PYTHONPATH=/path/with/pypdf python benchmarks/pdf_library_quality.py   # the others, if installed

Only pdfminer.six is a dependency; a library that is not importable is reported as such. PyMuPDF
is left out on licence grounds (AGPL). Samples: tests/assets/corpus/real/ (see SOURCES.md).

Measured per library and file, on the raw text each library returns:

* ``ja``: kana and kanji extracted (a font decoded into mojibake or dropped shows here);
* ``order`` (the vertical poem, 春と修羅 序): how many of six stanza openings, as Aozora Bunko's text
  of the poem has them, appear (whitespace ignored) and whether in that order;
* ``names`` (the ruling): how many of five letter-spaced names appear with their letters in order
  (whitespace ignored), i.e. not scattered column-wise;
* seconds of CPU for the file.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.paths import REPO_ROOT  # noqa: E402

REAL = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
FILES = ["hanrei_091743_trimmed.pdf", "pdfminer_jo_vertical.pdf", "pdfminer_kampo_vertical.pdf"]
STANZAS = ["（ひかりはたもち、その電燈は失はれ）", "これらは二十二箇月の", "これらについて人や銀河や修羅や海膽は",
           "けれどもこれら新世代沖積世の", "傾向としてはあり得ます", "すべてこれらの命題は"]
NAMES = ["重冨貴光", "黒田佑輝", "武宮英子", "杉浦一輝", "峯健一郎"]
JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def pdfminer_default(path: Path) -> str:
    from pdfminer.high_level import extract_text
    return extract_text(str(path))


def pdfminer_vertical(path: Path) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    return extract_text(str(path), laparams=LAParams(detect_vertical=True))


def pypdf_text(path: Path) -> str:
    import pypdf
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def pdfium_text(path: Path) -> str:
    import pypdfium2
    doc = pypdfium2.PdfDocument(str(path))
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def pdfplumber_text(path: Path) -> str:
    import pdfplumber
    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def reader_text(path: Path) -> str:
    from jiniac_hpc.corpus.readers.pdf import pdf_text
    return pdf_text(path)[0]


LIBS = [("pdfminer.six", pdfminer_default), ("pdfminer.six vertical", pdfminer_vertical), ("pypdf", pypdf_text),
        ("pypdfium2", pdfium_text), ("pdfplumber", pdfplumber_text), ("our pdf reader", reader_text)]


def scores(name: str, text: str) -> str:
    flat = re.sub(r"\s", "", text)
    out = f"ja={len(JA.findall(text)):5d}"
    if "jo" in name:
        pos = [flat.find(s) for s in STANZAS]
        found = [p for p in pos if p >= 0]
        order = "" if len(found) < 2 else "in order" if found == sorted(found) else "out of order"
        out += f"  order={len(found)}/6 {order}"
    if "hanrei" in name:
        out += f"  names={sum(n in flat for n in NAMES)}/5"
    return out


def main() -> None:
    import logging
    logging.disable(logging.WARNING)    # pdfminer and pypdf warn about every odd font
    for lib, fn in LIBS:
        print(lib)
        for f in FILES:
            t0 = time.process_time()
            try:
                text = fn(REAL / f)
            except ImportError:
                print("  not installed")
                break
            print(f"  {f:32s} {scores(f, text)}  {time.process_time() - t0:5.2f}s")


if __name__ == "__main__":
    main()
