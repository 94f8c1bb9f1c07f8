"""The aozora reader on the forms mirrors re-encode Aozora Bunko's Shift_JIS files to.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_aozora_encodings.py

The site ships Shift_JIS (cp932); mirrors and Unix tools re-encode the same files: UTF-8
(wkei/aozorabunko_text_utf8, P4suta/aozorabunko_text's 作品/), EUC-JP (``nkf -e``, ``iconv -t
EUC-JP``) and ISO-2022-JP (``nkf -j``, the form of mail and news). Each real file under
tests/assets/corpus/real (SOURCES.md) is re-encoded here as such a tool writes it, and must give
what the file itself gives, character for character, every count the same. Read as Shift_JIS, an
EUC-JP file was a bad input (or, short, half-width katakana), and an ISO-2022-JP file, 7-bit,
read as UTF-8 with its escapes, had no footer to find: the whole work was lost.
"""
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
#: ruby and notes; a line only Shift_JIS-2004 reads (栱, JIS X 0213); gaiji notes and 〓; an XHTML page
FILES = ["aozora_1077_ruby.txt", "aozora_1872_ruby_trimmed.txt", "aozora_1328_ruby.txt", "aozora_52944_42917.html"]


def record(path: Path):
    (rec,) = read(path, SourceConfig(name="t", reader="aozora", paths=[str(path)], normalize="none"), 1 << 24)
    return rec


def text_of(path: Path) -> str:
    """The file's text, each line as the reader decodes it (cp932, else Shift_JIS-2004)."""
    return "\n".join(map(_line, path.read_bytes().split(b"\n")))


def _line(raw: bytes) -> str:
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        return raw.decode("shift_jis_2004")


@pytest.mark.parametrize("codec", ["euc_jis_2004", "iso2022_jp_2004", "utf-8"])
@pytest.mark.parametrize("name", FILES)
def test_a_re_encoded_file_reads_as_the_file(tmp_path, name, codec):
    ref = record(R / name)
    assert ref.error is None, ref.error
    path = tmp_path / name
    path.write_bytes(text_of(R / name).encode(codec))
    rec = record(path)
    assert rec.error is None, rec.error
    assert (rec.text, rec.unread) == (ref.text, ref.unread)
    assert rec.meta.get("encoding") == (codec if codec != "utf-8" else None)
    assert rec.meta.get("jis_x0213_lines") is None      # (those lines are JIS X 0213 of the codec now)
