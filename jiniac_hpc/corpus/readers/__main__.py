"""Print the records a reader makes of one file.

    python -m jiniac_hpc.corpus.readers READER FILE [TEXT_FIELD]
"""
import sys
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read

if __name__ == "__main__":
    s = SourceConfig(name="cli", reader=sys.argv[1], paths=[sys.argv[2]],
                     text_field=sys.argv[3] if len(sys.argv) > 3 else "text")
    for r in read(Path(sys.argv[2]), s, 8_000_000):
        print(r.pos, repr(r.text[:80]) if r.text else r.error)
