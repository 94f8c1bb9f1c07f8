"""Throughput of the aozora and pdf readers on the real samples, against their libraries' floor.

    python benchmarks/pdf_aozora_throughput.py              # 5 rounds
    python benchmarks/pdf_aozora_throughput.py --rounds 3

Inputs: the real files under tests/assets/corpus/real/ (Aozora Bunko Shift_JIS texts; a court
ruling and two vertical Japanese PDFs). One process, one core; each round reads every file once.

* ``aozora``  the reader (decode, header/footer, notes, gaiji, ruby, accents) vs. the floor
  ``decode``: ``bytes.decode('cp932')`` + ``splitlines()`` of the same files;
* ``pdf``     the reader (pdfminer.six layout + furniture/spacing/line joining) vs. the floor
  ``extract_text``: pdfminer.six's own ``extract_text`` with the reader's layout parameters.

Printed per step: docs/s and MB/s of input file bytes per CPU-second (min..max over rounds, median
used for the ratio), and the reader's ratio to its floor.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.corpus.config import SourceConfig  # noqa: E402
from jiniac_hpc.corpus.readers import read  # noqa: E402
from jiniac_hpc.paths import REPO_ROOT  # noqa: E402

REAL = REPO_ROOT / "tests" / "assets" / "corpus" / "real"


def reader_fn(reader: str) -> Callable[[Path], int]:
    src = SourceConfig(name="bench", reader=reader, paths=["-"])

    def run(path: Path) -> int:
        recs = list(read(path, src, 8_000_000))
        assert all(r.error is None for r in recs), [r.error for r in recs]
        return len(recs)
    return run


def decode_floor(path: Path) -> int:
    path.read_bytes().decode("cp932").splitlines()
    return 1


def pdfminer_floor(path: Path) -> int:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    from jiniac_hpc.corpus.readers.pdf import LAPARAMS
    extract_text(str(path), laparams=LAParams(**LAPARAMS))
    return 1


def measure(paths: list[Path], fn: Callable[[Path], int], rounds: int) -> tuple[list[float], list[float]]:
    """docs/s and MB/s per CPU-second, one value a round."""
    size = sum(p.stat().st_size for p in paths)
    dps, mbs = [], []
    for _ in range(rounds):
        t0 = time.process_time()
        docs = sum(fn(p) for p in paths)
        cpu = max(time.process_time() - t0, 1e-9)
        dps.append(docs / cpu)
        mbs.append(size / 1e6 / cpu)
    return dps, mbs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    sets = {"aozora": sorted(REAL.glob("aozora_*.txt")),
            "pdf": [p for p in sorted(REAL.glob("*.pdf")) if "encrypted" not in p.name]}
    steps = [("aozora", "decode (floor)", decode_floor), ("aozora", "aozora reader", reader_fn("aozora")),
             ("pdf", "extract_text (floor)", pdfminer_floor), ("pdf", "pdf reader", reader_fn("pdf"))]
    for kind, files in sets.items():
        print(f"{kind}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e3:.0f} kB")
    print(f"\n{'step':22s} {'docs/s/core':>20s} {'MB/s/core':>18s} {'vs floor':>9s}")
    floor = {}
    for kind, name, fn in steps:
        fn(sets[kind][0])   # warm-up: imports, pdfminer's CMaps
        dps, mbs = measure(sets[kind], fn, a.rounds)
        med = statistics.median(mbs)
        ratio = med / floor[kind] if kind in floor else 1.0
        floor.setdefault(kind, med)
        print(f"{name:22s} {min(dps):9,.1f}..{max(dps):<9,.1f} {min(mbs):8.3f}..{max(mbs):<8.3f} {ratio:8.3f}x")
    print(f"\n(min..max over {a.rounds} rounds; per core = per CPU-second of this process; "
          "the ratio compares medians)")


if __name__ == "__main__":
    main()
