"""The corpus stage end to end: plan, dedup chain, outputs, report, determinism, relaunch.

    .venv/bin/python -m pytest tests/test_corpus_stage.py -q            # local executor
    .venv/bin/python -m pytest tests/test_corpus_stage.py -q -m slurm   # + the test Slurm cluster
"""
import json
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, from_dict, load_recipe, to_dict
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.stage import plan, run_inline

STEPS = ["prepare", "signatures", "buckets", "clusters", "write", "report"]


@pytest.fixture(scope="module")
def debug_run(tmp_path_factory):
    cfg = load_recipe("corpus", CorpusConfig, "debug")
    run = tmp_path_factory.mktemp("corpus") / "debug"
    assert run_inline(cfg, run) == STEPS
    return cfg, run


def files(run: Path, *globs) -> dict[str, bytes]:
    return {str(p.relative_to(run)): p.read_bytes() for g in globs for p in sorted(run.glob(g))}


def test_outputs_schema_and_markers(debug_run):
    cfg, run = debug_run
    stats = json.loads((run / "stats.json").read_text())
    ids = set()
    for shard in sh.load_manifest(run):
        out = sh.output_path(run, shard)
        docs = list(fileio.read_jsonl(out))
        assert fileio.result(run, "write", shard.task)["docs_out"] == len(docs)   # the task's marker
        for d in docs:
            assert set(d) - {"meta"} == {"id", "text", "source", "lang"} and d["source"] == shard.source and d["text"]
            assert ("meta" in d) == (shard.source in ("diet", "laws"))   # readers with source metadata
            assert d["id"].startswith(f"{shard.source}-{shard.stem}-") and d["id"] not in ids
            ids.add(d["id"])
    assert len(ids) == stats["total"]["docs_out"] > 1000
    assert not list(run.rglob("*.tmp*"))


def test_report_numbers_add_up(debug_run):
    cfg, run = debug_run
    stats = json.loads((run / "stats.json").read_text())
    for name, r in stats["sources"].items():
        for unit in ("docs", "chars"):
            assert r[f"{unit}_in"] == r[f"{unit}_out"] + sum(v[unit] for v in r["removed"].values()), (name, unit)
        assert r["chars_read"] == r["chars_in"] + sum(r["unread"].values()) and r["bytes_in"] >= r["chars_read"]
        n_out = sum(1 for s in sh.load_manifest(run) if s.source == name
                    for _ in fileio.read_jsonl(sh.output_path(run, s)))
        assert n_out == r["docs_out"]
    web = stats["sources"]["web-ja"]
    for reason in ("bad_input", "empty", "too_short", "ja_ratio", "symbols", "repeated_lines", "exact_dup",
                   "near_dup"):
        assert web["removed"][reason]["docs"] >= 1, reason
    assert set(web["pii"]) >= {"email", "phone", "address", "card", "ip", "person"}
    assert stats["sources"]["diet"]["removed"]["procedural"]["docs"] == 2
    assert stats["sources"]["hindi"]["removed"]["exact_dup"]["docs"] == 1
    assert any("broken.jsonl:2: broken JSON" in x for x in web["bad_input"])
    assert any("broken.jsonl:3: invalid UTF-8" in x for x in web["bad_input"])
    assert any("web3.jsonl.zst:2: record of" in x for x in web["bad_input"])
    report = (run / "report.md").read_text()
    for s in cfg.sources:
        assert f"| {s.name} | {s.lang} |" in report
    assert "| **total** |" in report and "PII removal" in report and "dedup (MinHash)" in report


def test_buckets_run_as_an_array_over_lsh_bands(debug_run):
    """Task 0 = exact hashes, task b+1 = band b; together they find what one in-memory pass over
    all signatures finds, and a lost band marker reruns only that band."""
    import numpy as np

    from jiniac_hpc.corpus import dedup

    cfg, run = debug_run
    bands, rows = dedup.lsh_params(cfg.dedup)
    n = dedup.bucket_tasks(cfg)
    assert n == 1 + bands and bands > 2
    stats = [fileio.result(run, "buckets", t) for t in range(n)]
    assert stats[0]["exact_pairs"] >= 1 and sum(s["near_pairs"] for s in stats[1:]) >= 1
    got = {tuple(e) for t in range(1, n) for e in np.load(dedup.edges_path(run, t)).tolist()}

    files = dedup._minhash_files(run, dedup._global_docs(cfg, run)[0])   # the whole matrix at once
    sig = np.concatenate([np.load(p) for p, _, _ in files])
    gidx = np.concatenate([np.arange(off, off + k) for _, off, k in files])
    want = set()
    for b in range(bands):
        key = [sig[i, b * rows:(b + 1) * rows].tobytes() for i in range(len(sig))]
        first = {}
        for i, k in enumerate(key):
            j = first.setdefault(k, i)
            if j != i and (sig[i] == sig[j]).mean() >= cfg.dedup.threshold:
                want.add((int(gidx[j]), int(gidx[i])))
    assert got == want and want

    marker = fileio.marker_path(run, "buckets", 2)
    saved = marker.read_bytes()
    marker.unlink()
    try:
        buckets = {s.name: s for s in plan(cfg, run)}["buckets"]
        buckets.read_markers(run, fileio.config_digest(to_dict(cfg)))   # as the launcher does
        assert buckets.missing == [2]
    finally:
        marker.write_bytes(saved)


def test_dedup_across_shards_and_sources(debug_run):
    _, run = debug_run
    rej = {d["id"]: d for p in run.glob("rejects/*/*.dedup.jsonl.zst") for d in fileio.read_jsonl(p)}
    # web2.jsonl.gz (shard 2) repeats the first document of web.jsonl (shard 1): exact, across shards
    assert rej["web-ja-00002-0000001"] == {"id": "web-ja-00002-0000001", "reason": "exact_dup",
                                           "duplicate_of": "web-ja-00001-0000001"}
    # web.jsonl doc 6 is doc 5 with one word changed; web3 doc 1 is doc 5 with 図書館 -> 公民館
    assert rej["web-ja-00001-0000006"]["reason"] == "near_dup"
    assert rej["web-ja-00003-0000001"] == {"id": "web-ja-00003-0000001", "reason": "near_dup",
                                           "duplicate_of": "web-ja-00001-0000005"}
    out = "".join(d["text"] for p in run.glob("output/*/*.jsonl.zst") for d in fileio.read_jsonl(p))
    for pii in ("taro.yamada@example.co.jp", "03-1234-5678", "4111-1111-1111-1111", "山田太郎", "佐藤花子",
                "192.168.10.20", "support@example.jp"):
        assert pii not in out
    for kept in ("2024年6月1日", "1,234円", "第12条第3項", "令和6年度", "10:30"):
        assert kept in out


def test_pii_names_honorific_keeps_public_figures_of_an_encyclopedia(tmp_path):
    # a real Japanese Wikipedia paragraph (JSQuAD, 日本共産党) through a source with pii_names: honorific
    rows = (Path(__file__).parent / "assets" / "corpus" / "pii_real" / "labelled_jsquad.jsonl").read_text(encoding="utf-8")
    wiki = next(json.loads(x)["text"] for x in rows.splitlines() if "徳田球一" in x)
    (tmp_path / "wiki.jsonl").write_text(json.dumps({"text": wiki}, ensure_ascii=False) + "\n", encoding="utf-8")
    src = {"name": "wiki", "reader": "jsonl", "paths": [str(tmp_path / "wiki.jsonl")], "lang": "ja", "pii": ["all"]}
    for mode, kept in (("honorific", True), ("all", False)):
        cfg = from_dict(CorpusConfig, {"sources": [{**src, "pii_names": mode}]})
        run_inline(cfg, tmp_path / mode)
        out = "".join(d["text"] for p in (tmp_path / mode).glob("output/*/*.jsonl.zst") for d in fileio.read_jsonl(p))
        assert ("徳田球一" in out) is kept and ("野坂参三" in out) is kept, (mode, out[:200])


def test_rerun_is_byte_identical_and_skips_done(debug_run, tmp_path):
    cfg, run = debug_run
    again = tmp_path / "debug"
    run_inline(cfg, again)
    globs = ("output/*/*", "rejects/*/*", "stats.json", "report.md")
    a, b = files(run, *globs), files(again, *globs)
    assert a.keys() == b.keys() and len(a) > 30
    assert [k for k in a if a[k] != b[k]] == []
    assert run_inline(cfg, again) == []        # every marker present: nothing runs


def test_budget_cuts_tail(tmp_path):
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    data["sources"] = [dict(data["sources"][0], budget_bytes=20_000)]
    cfg = from_dict(CorpusConfig, data)
    run_inline(cfg, tmp_path / "b")
    r = json.loads((tmp_path / "b" / "stats.json").read_text())["sources"]["wikipedia-jsquad"]
    assert 18_000 < r["bytes_out"] <= 20_000 and r["removed"]["budget"]["docs"] > 900


def test_missing_data_path_fails_in_plan_naming_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("JINIAC_DATA", raising=False)
    cfg = load_recipe("corpus", CorpusConfig, "jiniac-phase1")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.paths\[0\] \(slimpajama\): no file matches"):
        plan(cfg, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"sources\[0\]\.reader"):
        from_dict(CorpusConfig, {"sources": [{"name": "a", "reader": "csv", "paths": ["x"]}]})
    with pytest.raises(ConfigError, match=r"sources\[0\]\.pii"):
        from_dict(CorpusConfig, {"sources": [{"name": "a", "reader": "text", "paths": ["x"], "pii": ["ssn"]}]})
    with pytest.raises(ConfigError, match=r"sources\[0\]\.pii_names"):
        from_dict(CorpusConfig, {"sources": [{"name": "a", "reader": "text", "paths": ["x"], "pii_names": "public"}]})
    with pytest.raises(ConfigError, match="source names must be unique"):
        from_dict(CorpusConfig, {"sources": [{"name": "a", "reader": "text", "paths": ["x"]}] * 2})


# --- through the launcher: kill one array task, relaunch, compare with a clean run -------------

SMALL = """base: debug
sources:
  - name: web-ja
    reader: jsonl
    paths: ["tests/assets/corpus/*.jsonl", "tests/assets/corpus/*.jsonl.gz"]
    lang: ja
    pii: [all]
    dedup: minhash
"""


def _kill_and_relaunch(tmp_path, monkeypatch, cluster, step, task, logs, wait=None):
    from jiniac_hpc.launch.runner import launch

    recipe = tmp_path / "small.yaml"
    recipe.write_text(SMALL)
    monkeypatch.setenv("JINIAC_LOGS", str(logs))
    clean_cfg = load_recipe("corpus", CorpusConfig, recipe)
    run_inline(clean_cfg, tmp_path / "clean")                       # reference: uninterrupted run

    monkeypatch.setenv("JINIAC_CORPUS_FAULT", f"{step}:{task}:1")    # SIGKILL after one record
    failed = None
    try:
        res = launch("corpus", str(recipe), cluster=cluster, run_name="kill")
        if wait:
            wait(res)
    except Exception as e:  # noqa: BLE001 - the killed task makes the launch fail
        failed = e
    assert failed is not None, "the killed task should make the run fail"
    run = Path(logs) / "corpus" / "kill"
    shard = sh.load_manifest(run)[task]
    target = sh.clean_path(run, shard) if step == "prepare" else sh.output_path(run, shard)
    assert not target.exists() and not fileio.marker_path(run, step, task).exists()   # no partial output, no marker
    assert list(target.parent.glob(f".{target.name}.*.tmp"))                # the killed writer's temp file
    others = [s for s in sh.load_manifest(run) if s.task != task]
    if step == "prepare":
        assert all(fileio.is_done(run, "prepare", s.task, fileio.config_digest(to_dict(clean_cfg))) for s in others)

    monkeypatch.delenv("JINIAC_CORPUS_FAULT")
    res = launch("corpus", str(recipe), cluster=cluster, run_name="kill")
    if wait:
        wait(res)
    assert len(res.jobs[step]) == 1 and res.steps[STEPS.index(step)].missing == [task]
    if step == "write":
        assert "prepare" in res.skipped and "signatures" in res.skipped
    globs = ("output/*/*", "rejects/*/*", "stats.json", "report.md")
    a, b = files(tmp_path / "clean", *globs), files(run, *globs)
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    assert not list(run.rglob("*.tmp*"))


def test_local_kill_one_task_relaunch_runs_only_it(tmp_path, monkeypatch):
    _kill_and_relaunch(tmp_path, monkeypatch, "local", "prepare", 1, tmp_path / "logs")


@pytest.mark.slurm
def test_slurm_kill_one_task_relaunch_runs_only_it(tmp_path, monkeypatch, slurm_cluster, logs_dir):
    import subprocess

    def wait(res):
        try:
            res.wait(timeout_s=600)   # the test cluster has 2 CPUs shared with other tests
        finally:  # steps after a failed array never start (afterok): cancel them
            ids = sorted({j.job_id.split("_")[0] for jobs in res.jobs.values() for j in jobs})
            subprocess.run(["scancel", *ids], check=False)

    _kill_and_relaunch(tmp_path, monkeypatch, slurm_cluster, "write", 2, logs_dir, wait)


def test_tiny_recipe_for_the_pipeline(tmp_path):
    cfg = load_recipe("corpus", CorpusConfig, "tiny")
    run_inline(cfg, tmp_path / "tiny")
    stats = json.loads((tmp_path / "tiny" / "stats.json").read_text())
    langs = {r["lang"] for r in stats["sources"].values() if r["docs_out"] > 0}
    assert langs == {"ja", "en", "hi"}
    assert 200_000 < stats["total"]["chars_out"] < 2_000_000
