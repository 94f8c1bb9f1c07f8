"""Checkpoint folders: atomic commit, `latest`, keep last k, corrupt/truncated detection, resume auto.

    pytest tests/test_checkpoint.py
"""
import json

import pytest

from jiniac_hpc.train import checkpoint as ckpt


def save(root, step, payload=b"x" * 1000, keep=None):
    tmp = ckpt.tmp_path(root, step)
    (tmp / "global_step").mkdir(parents=True)
    (tmp / "model.bin").write_bytes(payload)
    (tmp / "global_step" / "rank0.pt").write_bytes(payload[::-1])
    return ckpt.commit(tmp, {"step": step, "tokens_seen": step * 10}, keep_last=keep)


def test_commit_is_atomic_and_pointer_follows(tmp_path):
    p = save(tmp_path, 5)
    assert p.name == "step-00000005" and not ckpt.tmp_path(tmp_path, 5).exists()
    assert (tmp_path / "latest").read_text().strip() == "step-00000005"
    meta = ckpt.read_meta(p)
    assert meta["complete"] and meta["tokens_seen"] == 50 and set(meta["files"]) == {"model.bin", "global_step/rank0.pt"}
    assert ckpt.verify(p) == (True, "ok")
    save(tmp_path, 9)
    assert ckpt.find_resume_path(tmp_path) == tmp_path / "step-00000009"


def test_keep_last(tmp_path):
    for s in (1, 2, 3, 4, 5):
        save(tmp_path, s, keep=2)
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step-00000004", "step-00000005"]


def test_unfinished_save_is_ignored_and_cleaned(tmp_path):
    save(tmp_path, 3)
    tmp = ckpt.tmp_path(tmp_path, 4)
    tmp.mkdir()
    (tmp / "model.bin").write_bytes(b"half")
    assert ckpt.find_resume_path(tmp_path) == tmp_path / "step-00000003"
    assert ckpt.clean_tmp(tmp_path) == [tmp] and not tmp.exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "no_meta", "delete"])
def test_damaged_checkpoint_falls_back_with_warning(tmp_path, damage):
    save(tmp_path, 10)
    bad = save(tmp_path, 20)
    f = bad / "global_step" / "rank0.pt"
    if damage == "truncate":
        f.write_bytes(f.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(f.read_bytes())
        data[7] ^= 0xFF
        f.write_bytes(bytes(data))
    elif damage == "no_meta":
        (bad / "meta.json").unlink()
    else:
        f.unlink()
    warnings = []
    assert ckpt.find_resume_path(tmp_path, warn=warnings.append) == tmp_path / "step-00000010"
    assert len(warnings) >= 1 and "step-00000020" in " ".join(warnings)
    assert not ckpt.verify(bad)[0]


def test_safetensors_header_checked(tmp_path):
    tmp = ckpt.tmp_path(tmp_path, 1)
    tmp.mkdir()
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    big = len(header).to_bytes(8, "little") + header + b"\0" * 16
    (tmp / "model.safetensors").write_bytes(big)
    old = ckpt.HASH_MAX_BYTES
    ckpt.HASH_MAX_BYTES = 0     # size-only entry, as for a multi-GB weight file
    try:
        p = ckpt.commit(tmp, {"step": 1})
    finally:
        ckpt.HASH_MAX_BYTES = old
    assert ckpt.verify(p)[0]
    # Same size, but the header claims more data than the file has.
    bad_header = json.dumps({"w": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}).encode()
    body = len(bad_header).to_bytes(8, "little") + bad_header
    (p / "model.safetensors").write_bytes(body + b"\0" * (len(big) - len(body)))
    ok, why = ckpt.verify(p)
    assert not ok and "safetensors" in why


def test_resume_modes(tmp_path):
    assert ckpt.find_resume_path(tmp_path / "none") is None
    p = save(tmp_path, 2)
    assert ckpt.find_resume_path(tmp_path, "none") is None
    assert ckpt.find_resume_path(tmp_path, str(p)) == p
    (p / "model.bin").write_bytes(b"short")
    with pytest.raises(ValueError, match="not usable"):
        ckpt.find_resume_path(tmp_path, str(p))
