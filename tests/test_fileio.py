"""fileio: atomic writes, JSON Lines (plain and zstd), completion markers.

    .venv/bin/python -m pytest tests/test_fileio.py -q
"""
import json

import pytest
import zstandard

from jiniac_hpc import fileio


class Boom(Exception):
    pass


def test_atomic_write_leaves_old_file_and_no_temp_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "a" / "stats.json"
    fileio.write_json(path, {"v": 1})
    assert json.loads(path.read_text()) == {"v": 1}

    def fail(*a, **k):   # the rename fails (disk full, killed) after the temp file was written
        raise Boom

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(Boom):
        fileio.write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["stats.json"]


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path):
    out = tmp_path / "model"
    with fileio.atomic_dir(out) as d:
        (d / "w.bin").write_bytes(b"1")
    with pytest.raises(Boom):
        with fileio.atomic_dir(out) as d:
            (d / "w.bin").write_bytes(b"2")
            raise Boom
    assert (out / "w.bin").read_bytes() == b"1" and sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.zst"])
def test_jsonl_round_trip(tmp_path, name):
    rows = [{"id": i, "text": "日本語 😀 " * i} for i in range(50)]
    path = tmp_path / name
    assert fileio.write_jsonl(path, rows) == 50
    if name.endswith(".zst"):   # a real zstd frame, readable by zstandard itself
        text = zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read().decode("utf-8")
        assert [json.loads(x) for x in text.splitlines()] == rows
    assert list(fileio.read_jsonl(path)) == rows
    assert list(fileio.read_jsonl(path, numbered=True))[3] == (4, rows[3])
    first = path.read_bytes()
    fileio.write_jsonl(path, rows)
    assert path.read_bytes() == first   # reruns are byte-identical


def test_streaming_writer_aborts_on_error_and_temps_are_removable(tmp_path):
    path = tmp_path / "out.jsonl.zst"
    with pytest.raises(Boom):
        with fileio.JsonlWriter(path) as w:
            w.write({"a": 1})
            raise Boom
    assert list(tmp_path.iterdir()) == []
    killed = fileio.JsonlWriter(path)            # a writer killed before commit leaves its temp file
    killed.write({"a": 1})
    killed._close()
    assert [p.name.endswith(".tmp") for p in tmp_path.iterdir()] == [True]
    fileio.remove_temps(path)
    assert list(tmp_path.iterdir()) == []


def test_read_jsonl_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(b'{"a": 1}\n\n{"a": 2\n'))
    with pytest.raises(fileio.JsonlError, match=r"bad\.jsonl\.zst:3: invalid JSON"):
        list(fileio.read_jsonl(path))


def test_marker_digest_mismatch_is_not_done(tmp_path):
    cfg = {"a": 1, "job": {"nodes": 1}}
    digest = fileio.config_digest(cfg)
    assert fileio.config_digest({**cfg, "job": {"nodes": 8}}) == digest      # resources do not count
    assert not fileio.is_done(tmp_path, "prepare", 3, digest)
    fileio.write_marker(tmp_path, "prepare", 3, {"docs": 7}, digest)
    assert (tmp_path / "completions" / "prepare" / "00003.json").exists()
    assert fileio.is_done(tmp_path, "prepare", 3, digest)
    assert fileio.result(tmp_path, "prepare", 3, digest) == {"docs": 7}
    other = fileio.config_digest({**cfg, "a": 2})
    assert not fileio.is_done(tmp_path, "prepare", 3, other)
    assert fileio.result(tmp_path, "prepare", 3, other) is None
    fileio.marker_path(tmp_path, "prepare", 3).write_text("{torn")
    assert not fileio.is_done(tmp_path, "prepare", 3, digest)   # an unreadable marker is no marker


def test_done_after_clears_a_merge_whose_inputs_reran(tmp_path):
    fileio.write_marker(tmp_path, "merge", 0, {}, "d")
    assert fileio.done_after(tmp_path, "merge", "d", [True, True]) == [True]
    assert fileio.done_after(tmp_path, "merge", "d", [True, False]) == [False]
    # the merge's marker is gone: a merge that then fails is not "done" on the next launch
    assert fileio.done_after(tmp_path, "merge", "d", [True, True]) == [False]


def test_torn_tail_and_text_key(tmp_path):
    log = tmp_path / "answers.jsonl"
    log.write_text('{"q": 1}\n{"q": 2}\n{"q": 3, "tu\n', encoding="utf-8")   # killed mid-append
    assert list(fileio.read_jsonl(log, torn_tail=True)) == [{"q": 1}, {"q": 2}]
    with pytest.raises(fileio.JsonlError, match=r"answers\.jsonl:3: invalid JSON"):
        list(fileio.read_jsonl(log))
    log.write_text('{"q": 1}\n{"q": \n{"q": 3}\n', encoding="utf-8")       # a bad line that is not the last
    with pytest.raises(fileio.JsonlError, match=r"answers\.jsonl:2: invalid JSON"):
        list(fileio.read_jsonl(log, torn_tail=True))
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "a"}\n{"text": 5}\n', encoding="utf-8")
    with pytest.raises(fileio.JsonlError, match=r"docs\.jsonl:2: expected an object with a string 'text'"):
        list(fileio.read_jsonl(docs, text_key="text"))


def test_lines_that_are_not_utf8_are_named(tmp_path):
    """A real Japanese answer line (FastChat's ELYZA answers, tests/assets/eval/fastchat_real): written
    as cp932 in the middle of a file, cut in the middle of a character as the last line of a log."""
    from jiniac_hpc.paths import REPO_ROOT

    real = REPO_ROOT / "tests/assets/eval/fastchat_real/lmsys_japanese_elyza/question.jsonl"
    lines = real.read_bytes().splitlines(keepends=True)
    text = lines[1].decode("utf-8")
    assert not text.isascii()
    mixed = tmp_path / "mixed.jsonl.zst"                       # 3000 good lines first: past a decode chunk
    mixed.write_bytes(zstandard.ZstdCompressor().compress(lines[0] * 3000 + text.encode("cp932") + lines[2]))
    with pytest.raises(fileio.JsonlError, match=r"mixed\.jsonl\.zst:3001: not UTF-8 \(invalid start byte"):
        list(fileio.read_jsonl(mixed))
    kept = list(fileio.read_jsonl(mixed, numbered=True, keep_bad=True))
    assert len(kept) == 3002 and isinstance(kept[3000][1], fileio.JsonlError)
    assert kept[3001] == (3002, json.loads(lines[2]))                # read on past it
    assert list(fileio.read_jsonl(mixed, errors="replace"))[3000]["turns"]
    log = tmp_path / "answers.jsonl"
    cut = lines[1][:lines[1].index("。".encode()) + 1]                 # killed mid-append, mid-character
    log.write_bytes(lines[0] + cut)
    assert list(fileio.read_jsonl(log, torn_tail=True)) == [json.loads(lines[0])]
    with pytest.raises(fileio.JsonlError, match=r"answers\.jsonl:2: not UTF-8 \(unexpected end of data"):
        list(fileio.read_jsonl(log))
