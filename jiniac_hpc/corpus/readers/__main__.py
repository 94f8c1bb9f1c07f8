"""Print the records a reader makes of one file (of each file, for a ZIP archive or a ``datasets``
save_to_disk folder).

    python -m jiniac_hpc.corpus.readers READER FILE [TEXT_FIELD] [--doc-sep line] [--column N|NAME]
    python -m jiniac_hpc.corpus.readers aozora tests/assets/corpus/real/aozora_1077_ruby.txt
    python -m jiniac_hpc.corpus.readers hf_disk tests/assets/corpus/real/hf_disk_elyza_tasks_100_slice10 input
"""
import argparse
import zipfile
from pathlib import Path

from jiniac_hpc.config import ConfigError
from jiniac_hpc.corpus.config import READERS, SourceConfig
from jiniac_hpc.corpus.readers import hf_disk_files, read, zip_members


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jiniac_hpc.corpus.readers", description=__doc__.split("\n")[0])
    ap.add_argument("reader", help=f"one of {sorted(READERS)}")
    ap.add_argument("file")
    ap.add_argument("text_field", nargs="?", default="text",
                    help="jsonl/parquet/hf_disk: the text column (a dotted name: a field inside an object or struct)")
    ap.add_argument("--doc-sep", choices=["file", "blank_line", "line"], default=None,
                    help="text: one document a file, blank-line block or line (line with --column)")
    ap.add_argument("--column", default=None,
                    help="text: the tab-separated column to read (a number from 1, or the header's name)")
    a = ap.parse_args(argv)
    column = int(a.column) if a.column and a.column.isdigit() else a.column
    try:
        s = SourceConfig(name="cli", reader=a.reader, paths=[a.file], text_field=a.text_field, column=column,
                         doc_sep=a.doc_sep or ("line" if column is not None else "blank_line"))
    except (ConfigError, ValueError) as e:
        ap.error(str(e))
    # (a ZIP archive that cannot be listed, or one with no files, is one bad-input record, as in a run)
    try:
        members = zip_members(a.file) if a.file.lower().endswith(".zip") and zipfile.is_zipfile(a.file) else []
    except zipfile.BadZipFile:
        members = []
    if a.reader == "hf_disk":       # a folder is its Arrow files, as in a run
        try:
            members = [str(f) for f in hf_disk_files(Path(a.file))]
        except ValueError as e:
            print(e)
            return 1
    for f in members or [a.file]:
        for r in read(Path(f), s, 8_000_000):
            print(f"{f}:{r.pos}", repr(r.text[:80]) if r.text else r.error or f"dropped: {r.skip}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
