"""Tokenizer recipes, config validation and plan() (no training here).

    .venv/bin/python -m pytest tests/test_tokenizer_config.py -q
"""
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError, from_dict, load_recipe, to_dict
from jiniac_hpc.stages import get_stage, plan_function
from jiniac_hpc.tokenizer.config import TokenizerConfig

REPO = Path(__file__).resolve().parents[1]
SMALL = str(REPO / "tests/assets/tokenizer/small.yaml")


def _debug_dict() -> dict:
    return to_dict(load_recipe("tokenizer", TokenizerConfig, "debug"))


@pytest.mark.parametrize("name", ["debug", "tiny", "jiniac", SMALL])
def test_recipes_load(name):
    cfg = load_recipe("tokenizer", TokenizerConfig, name)
    assert cfg.languages[0].name == "ja"
    assert cfg.languages[0].presplit == "mecab" and cfg.languages[0].strip_prefix
    assert cfg.languages[0].max_piece_length == 8
    assert all(lg.max_piece_length == 16 for lg in cfg.languages[1:])
    assert cfg.special_tokens.core == ["<unk>", "<s>", "</s>", "<pad>"]


def test_tiny_recipe_reads_corpus_tiny_output():
    cfg = load_recipe("tokenizer", TokenizerConfig, "tiny")
    for lg in cfg.languages:
        inp = lg.inputs[0]
        assert inp.kind == "jsonl" and inp.lang == lg.name
        assert inp.paths == ["logs:corpus/tiny/output/*/*.jsonl.zst"]
    assert cfg.pad_to_multiple == 64 and cfg.vocab_size == 8192


def test_logs_prefix_follows_jiniac_logs(tmp_path, monkeypatch):
    from jiniac_hpc.tokenizer.inputs import resolve_glob

    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    assert resolve_glob("logs:corpus/tiny/output/*/*.jsonl.zst") == tmp_path / "corpus/tiny/output/*/*.jsonl.zst"
    assert resolve_glob("tests/x.jsonl") == REPO / "tests/x.jsonl"


@pytest.mark.parametrize("path, value, key", [
    (("languages", 0, "thinning", "rate"), 1.5, "languages[0].thinning.rate"),
    (("languages", 1, "max_piece_length"), 0, "languages[1].max_piece_length"),
    (("languages", 2, "vocab_size"), 100, "languages[2].vocab_size"),
    (("languages", 1, "thinning", "rate"), 0.5, "languages[1].thinning"),
    (("languages", 0, "trainer_args"), {"vocab_size": 5}, "languages[0].trainer_args"),
    (("languages", 0, "inputs", 0, "kind"), "parquet", "languages[0].inputs[0].kind"),
    (("vocab_size",), 1000, "vocab_size"),
    (("special_tokens", "user_defined"), ["<s>"], "special_tokens.chat"),
])
def test_bad_values_name_their_key(path, value, key):
    data = _debug_dict()
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    with pytest.raises(ConfigError) as e:
        from_dict(TokenizerConfig, data, origin="my-recipe.yaml")
    assert key in str(e.value) and "my-recipe.yaml" in str(e.value)


def test_duplicate_language_names_rejected():
    data = _debug_dict()
    data["languages"][1]["name"] = "ja"
    with pytest.raises(ConfigError, match="duplicate language"):
        from_dict(TokenizerConfig, data)


def test_plan_steps_and_missing_input(tmp_path):
    plan = plan_function(get_stage("tokenizer"))
    cfg = load_recipe("tokenizer", TokenizerConfig, SMALL)
    steps = plan(cfg, tmp_path / "run")
    assert [s.name for s in steps] == ["train", "merge"]
    assert steps[0].tasks == len(cfg.languages) and steps[0].missing == list(range(len(cfg.languages)))
    assert steps[1].tasks == 1 and steps[1].missing == [0]
    assert steps[0].fn == "jiniac_hpc.tokenizer.train:train_language"

    data = to_dict(cfg)
    data["languages"][1]["inputs"][0]["paths"] = ["tests/assets/tokenizer/nope-*.jsonl"]
    bad = from_dict(TokenizerConfig, data)
    with pytest.raises(ConfigError, match=r"languages\[1\]\.inputs\[0\]\.paths: 'tests/assets/tokenizer/nope"):
        plan(bad, tmp_path / "run")
    data["check_inputs"] = False   # a pipeline whose corpus stage has not run yet
    assert len(plan(from_dict(TokenizerConfig, data), tmp_path / "run")) == 2


def test_language_digest_changes_with_config():
    cfg = load_recipe("tokenizer", TokenizerConfig, "debug")
    a = cfg.languages[1].digest()
    cfg.languages[1].vocab_size += 1
    assert cfg.languages[1].digest() != a
