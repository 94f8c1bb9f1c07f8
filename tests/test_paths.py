"""Recipe paths and bundled data."""
from __future__ import annotations

import filecmp

from jiniac_hpc.paths import BUNDLED_JGLUE, REPO_ROOT, jglue_dir, resolve_path


def test_logs_paths_follow_jiniac_logs(monkeypatch, tmp_path):
    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    assert resolve_path("logs/corpus/tiny/output") == tmp_path / "corpus" / "tiny" / "output"
    assert resolve_path("tests/assets") == REPO_ROOT / "tests" / "assets"
    assert resolve_path("/abs/x") == resolve_path("/abs/x").resolve()


def test_bundled_jglue_is_the_shared_copy(monkeypatch, tmp_path):
    shared = jglue_dir()
    monkeypatch.setenv("JINIAC_SHARED", str(tmp_path))  # no shared folder: the bundled copy is used
    assert jglue_dir() == BUNDLED_JGLUE
    for name in ("jcommonsenseqa-v1.3-valid.json", "jnli-v1.3-valid.json", "jsquad-v1.3-valid.json",
                 "jsts-v1.3-valid.json", "LICENSE"):
        assert (BUNDLED_JGLUE / name).exists()
        if shared != BUNDLED_JGLUE:
            assert filecmp.cmp(shared / name, BUNDLED_JGLUE / name, shallow=False)
    assert "Creative Commons" in (BUNDLED_JGLUE / "ATTRIBUTION.md").read_text()
