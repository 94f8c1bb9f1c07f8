"""Print the records a reader makes of one file (of each file, for a ZIP archive).

    python -m jiniac_hpc.corpus.readers READER FILE [TEXT_FIELD]
"""
import sys
import zipfile
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read, zip_members

if __name__ == "__main__":
    s = SourceConfig(name="cli", reader=sys.argv[1], paths=[sys.argv[2]],
                     text_field=sys.argv[3] if len(sys.argv) > 3 else "text")
    path = sys.argv[2]
    # (a ZIP archive that cannot be listed, or one with no files, is one bad-input record, as in a run)
    try:
        members = zip_members(path) if path.lower().endswith(".zip") and zipfile.is_zipfile(path) else []
    except zipfile.BadZipFile:
        members = []
    for f in members or [path]:
        for r in read(Path(f), s, 8_000_000):
            print(f"{f}:{r.pos}", repr(r.text[:80]) if r.text else r.error or f"dropped: {r.skip}")
