"""tools/house_counts.py: each count on a package where the answer is known, and the real tree's numbers.

    pytest tests/test_house_counts.py
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from house_counts import counts  # noqa: E402

FILES = {
    "__init__.py": "",
    "fileio.py": (  # the allowed home: nothing here counts
        "import json, os\n"
        "def atomic_write(p, t):\n    tmp = p + '.tmp'\n    open(tmp, 'w').write(t)\n    os.replace(tmp, p)\n"
        "def read_jsonl(f):\n    return [json.loads(x) for x in open(f)]\n"
        "def write_marker(p):\n    atomic_write(p + '.done', '')\n"),
    "a.py": (
        "import json, os\nfrom pathlib import Path\n"
        "def save(path, text):\n    tmp = Path(str(path) + '.tmp')\n    tmp.write_text(text)\n    tmp.replace(path)\n"
        "def also(path):\n    os.rename(path + '.tmp', path)\n    os.replace(path + '.t2', path)\n"
        "def not_a_rename(s):\n    return s.replace('a', 'b')\n"
        "def rows(path):\n    out = []\n    for line in open(path):\n        out.append(json.loads(line))\n"
        "    return out + [json.loads(x) for x in Path(path).read_text().splitlines()]\n"
        "def one_json(path):\n    return json.loads(Path(path).read_text())\n"
        "def mark_done(path):\n    Path(path + '.done').write_text('ok')\n"
        "def chat_markers():\n    return ['<|end|>']\n"
        "def ds(stage):\n    return {'zero_optimization': {'stage': stage}}\n"
        "def go(cfg):\n    if cfg.is_local:\n        return 1\n    return 2 if cfg.cluster.is_local else 3\n"),
    "b.py": "class LocalBackend:\n    def submit(self, cfg):\n        if cfg.is_local:\n            pass\n"
            "def f():\n    from . import c\n",
    "c.py": "from x.b import y\nimport json\n\ndef g():\n    from fake_pkg import b\n",
}


def test_every_count_on_a_known_package(tmp_path):
    pkg = tmp_path / "fake_pkg"
    pkg.mkdir()
    for name, text in FILES.items():
        (pkg / name).write_text(text)
    r = counts(pkg)
    c = r["counts"]
    assert c["atomic_write_sites"] == 3 and c["atomic_write_helpers"] == 2
    assert c["jsonl_readers"] == 2 and c["jsonl_reader_functions"] == 1
    assert c["marker_helpers"] == 1 and c["marker_file_names"] == 1          # mark_done and its '.done'
    assert c["deepspeed_config_builders"] == 1
    assert c["is_local_branches"] == 2                                         # not the backend's own
    assert c["import_cycles"] == 1 and r["where"]["import_cycles"] == ["fake_pkg.b <-> fake_pkg.c"]
    assert c["package_cycles"] == 1
    assert c["modules"] == 5 and c["lines"] == sum(len(t.splitlines()) for t in FILES.values())


def test_the_script_prints_every_count_of_the_tree_as_json():
    out = subprocess.run([sys.executable, str(REPO / "tools" / "house_counts.py"), "--json"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    c = json.loads(out)["counts"]
    for key in ("atomic_write_helpers", "jsonl_readers", "marker_helpers", "deepspeed_config_builders",
                "is_local_branches", "import_cycles", "package_cycles", "lines"):
        assert isinstance(c[key], int) and c[key] >= 0, key
    assert c["lines"] > 1000 and c["modules"] > 50
