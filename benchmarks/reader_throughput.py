"""Per-reader throughput on the real samples: documents/s and MB/s (raw input bytes) per core.

    python benchmarks/reader_throughput.py              # 5 rounds, ~2 MB of input a reader and round
    python benchmarks/reader_throughput.py --rounds 3 --mb 0.5

Each reader reads its real sample files (tests/assets/corpus/real/, see SOURCES.md) over and over
until ``--mb`` MB of raw input went through it, in this one process. The baseline for each reader is
reading the same files' bytes (``open_binary`` + ``read``): the ratio says how much slower than I/O
the reader's parsing is. Printed per reader: the median and the [min, max] over ``--rounds`` rounds.
To add a reader, add a row to ``SAMPLES``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.corpus.config import SourceConfig  # noqa: E402
from jiniac_hpc.corpus.readers import read  # noqa: E402
from jiniac_hpc.corpus.readers.base import count_raw, open_binary  # noqa: E402
from jiniac_hpc.paths import REPO_ROOT  # noqa: E402

REAL = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
ASSETS = REPO_ROOT / "tests" / "assets" / "corpus"
# reader -> (sample files, extra SourceConfig keys)
SAMPLES = {
    "egov_xml (bulk XML)": ("egov_xml", [REAL / "egov_405AC0000000088.xml"], {}),
    "egov_xml (API v2 JSON)": ("egov_xml", [REAL / "egov_405AC0000000088_api_v2.json"], {}),
    "diet (speech+meeting)": ("diet", [REAL / "kokkai_pages.json", REAL / "kokkai_speeches.jsonl",
                                       ASSETS / "diet_speech.json"], {"keep_procedural": True}),
    "gutenberg (2012, 1997 files)": ("gutenberg", [REAL / "gutenberg_pg1080.txt", REAL / "gutenberg_wssnt10_1997.txt"],
                                     {"lang": "en"}),
    "gutenberg (HTML pages)": ("gutenberg", [REAL / "gutenberg_17773-h.htm", REAL / "gutenberg_18131-h.htm",
                                             REAL / "gutenberg_pg11-images_trimmed.html"], {"lang": "en"}),
    "gutenberg (EPUB)": ("gutenberg", [REAL / "gutenberg_pg1064-images-3.epub"], {"lang": "en"}),
    "aozora (real, gaiji)": ("aozora", sorted(REAL.glob("aozora_*.txt")), {"normalize": "none"}),
    "pdf (ruling, vertical)": ("pdf", [REAL / "hanrei_091743_trimmed.pdf", REAL / "pdfminer_jo_vertical.pdf",
                                       REAL / "pdfminer_kampo_vertical.pdf"], {}),
    "jsonl": ("jsonl", [ASSETS / "web.jsonl"], {}),
    "text": ("text", [ASSETS / "english.txt"], {"lang": "en"}),
    "wikiextractor (<doc> files)": ("wikiextractor", [REAL / "wikiextractor_viwiki_wiki_00_trimmed",
                                                      REAL / "wikiextractor_enwiki_wiki_00_trimmed"], {"lang": "en"}),
}


def one_round(reader: str, files: list[Path], extra: dict, target: int) -> tuple[float, float, float]:
    """(docs/s, MB/s, baseline MB/s) reading ``files`` repeatedly until ``target`` raw bytes."""
    src = SourceConfig(name="bench", reader=reader, paths=[str(f) for f in files], **extra)
    sizes = {f: count_raw(f) for f in files}
    done = docs = 0
    t0 = time.perf_counter()
    while done < target:
        for f in files:
            docs += sum(1 for r in read(f, src, 8_000_000) if r.text is not None)
            done += sizes[f]
    t_read = time.perf_counter() - t0
    base = 0
    t0 = time.perf_counter()
    while base < target:
        for f in files:
            with open_binary(f) as fh:
                base += len(fh.read())
    t_base = time.perf_counter() - t0
    return docs / t_read, done / t_read / 1e6, base / t_base / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--mb", type=float, default=2.0, help="raw input MB a reader reads each round")
    args = ap.parse_args()
    print(f"{'reader':26s} {'docs/s':>18s} {'MB/s':>20s} {'bytes-read MB/s':>18s} {'reader/baseline':>16s}")
    for label, (reader, files, extra) in SAMPLES.items():
        rows = [one_round(reader, files, extra, int(args.mb * 1e6)) for _ in range(args.rounds)]
        d, m, b = ([r[i] for r in rows] for i in range(3))
        ratio = [x / y for x, y in zip(m, b)]

        def fmt(v: list[float], digits: int = 1) -> str:
            return f"{statistics.median(v):.{digits}f} [{min(v):.{digits}f}-{max(v):.{digits}f}]"

        print(f"{label:26s} {fmt(d, 0):>18s} {fmt(m, 2):>20s} {fmt(b, 0):>18s} {fmt(ratio, 4):>16s}")


if __name__ == "__main__":
    main()
