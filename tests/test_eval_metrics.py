"""Metric functions, answer normalisation, the language classifier, the judge's rating parser, the
few-shot split, against hand-computed values (the sweep's selection rule: tests/test_eval_sweep.py).

    .venv/bin/python -m pytest tests/test_eval_metrics.py -q
"""
from __future__ import annotations

import math

import pytest

from jiniac_hpc.config import ConfigError, from_dict
from jiniac_hpc.eval import metrics as M
from jiniac_hpc.eval.config import EvalConfig, JasterConfig
from jiniac_hpc.eval.jaster import LOADERS, Sample, build_prompt, data_path, split, task_metrics
from jiniac_hpc.eval.langtest import classify, table, to_markdown


def test_normalize_and_postprocess():
    assert M.normalize("２") == "2"                        # NFKC: full-width digit
    assert M.normalize("ｅｎｔａｉｌｍｅｎｔ") == "entailment"
    assert M.normalize(" 2 ") == " 2 "                     # llm-jp-eval strips nothing
    assert M.postprocess("neutral\n\n### 入力:\n前提：...") == "neutral"   # cut at the first blank line
    assert M.postprocess(" 2\n次") == " 2\n次"              # a single newline is kept


def test_exact_match():
    assert M.exact_match("２", "2") == 1.0
    assert M.exact_match("2 ", "2") == 0.0
    assert M.exact_match("3", "2") == 0.0


def test_char_f1_hand_computed():
    # token_sort_ratio: one token each; Indel distance 1 (delete 都), lengths 3 + 2 -> 1 - 1/5 = 0.8
    assert M.char_f1("東京都", "東京") == pytest.approx(0.8)
    # ありあ vs あい: LCS 1 -> distance 3 of 5 -> 0.4
    assert M.char_f1("ありあ", "あい") == pytest.approx(0.4)
    assert M.char_f1("", "") == 1.0
    assert M.char_f1("", "東京") == 0.0
    assert M.char_f1("大阪", "東京") == 0.0
    # 5 of 10 + 5 chars in common: 1 - 5/15 = 66.7 -> rounded to 67
    assert M.char_f1("小笠原諸島", "小笠原諸島を除く日本") == 0.67
    assert M.char_f1("東京 大阪", "大阪、東京") == 1.0            # tokens sorted, punctuation a separator


def test_correlations_hand_computed():
    xs, ys = [1.0, 2.0, 3.0], [1.0, 2.0, 4.0]
    # Pearson: dx = (-1, 0, 1), dy = (-4/3, -1/3, 5/3): sum dxdy = 3, |dx|^2 = 2, |dy|^2 = 42/9
    assert M.pearson(xs, ys) == pytest.approx(3 / math.sqrt(2 * 42 / 9))
    assert M.spearman(xs, ys) == pytest.approx(1.0)            # same order
    assert M.spearman([1.0, 2.0, 3.0], [3.0, 1.0, 2.0]) == pytest.approx(-0.5)
    assert M.pearson([2.0, 2.0, 2.0], ys) == 0.0               # constant predictions: NaN -> 0.0
    assert M.parse_float("３.５") == -2.0                       # not NFKC'd here: only ASCII digits count
    assert M.parse_float(M.postprocess("３.５")) == 3.5
    assert M.parse_float("似ている") == M.UNPARSABLE_FLOAT


def test_task_metrics_and_category_average():
    m = task_metrics("jsquad", ["東京都", "大阪"], ["東京", "大阪"])
    assert m["char_f1"] == pytest.approx((0.8 + 1.0) / 2) and "exact_match" not in m
    s = task_metrics("jsts", ["1", "2", "x"], ["1.0", "2.0", "4.0"])   # x -> -2.0
    assert s["pearson"] == pytest.approx(M.pearson([1, 2, -2], [1, 2, 4]))
    a = M.average({"jsquad": m, "jsts": s, "jnli": {"exact_match": 1.0}}, JasterConfig().categories)
    assert set(a["categories"]) == {"RC", "NLI"}                # MC did not run; JSTS is in no category
    assert a["AVG"] == pytest.approx((a["categories"]["RC"] + 1.0) / 2)
    assert a["not_averaged"] == ["jsts"]


def test_fewshot_split_is_deterministic_and_disjoint():
    cfg = JasterConfig(num_fewshots=4, fewshot_pool=20, limit=None)
    samples = LOADERS["jsquad"](data_path(cfg, "jsquad"))
    shots, scored, _ = split("jsquad", samples, cfg, seed=0)
    shots2, scored2, _ = split("jsquad", samples, cfg, seed=0)
    assert [s.id for s in shots] == [s.id for s in shots2] and [s.id for s in scored] == [s.id for s in scored2]
    assert len(shots) == 4
    shot_groups = {s.group for s in shots}
    assert not shot_groups & {s.group for s in scored}        # no scored question shares an article with a shot
    assert len(scored) < len(samples) - 20 + 1
    other, _, _ = split("jsquad", samples, cfg, seed=1)
    assert [s.id for s in other] != [s.id for s in shots]


def test_prompt_format():
    shot = Sample("a", "質問：x\n選択肢：0.a,1.b", "1", "a")
    p = build_prompt("jcommonsenseqa", [shot], Sample("b", "質問：y", "0", "b"))
    assert p.startswith("以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。\n\n### 指示:\n")
    assert "\n\n### 入力:\n質問：x\n選択肢：0.a,1.b\n\n### 応答:\n1\n\n### 入力:\n質問：y\n\n### 応答:\n" in p
    assert p.endswith("### 応答:\n")


@pytest.mark.parametrize("text,lang", [
    ("日本で一番高い山は富士山です。", "ja"),
    ("The tallest mountain in Japan is Mount Fuji.", "en"),
    ("जापान का सबसे ऊँचा पहाड़ फ़ूजी है।", "hi"),
    ("中国最高的山是珠穆朗玛峰", "other"),      # han without kana: Chinese, not Japanese
    ("", "other"),
    ("12345 !!!", "other"),
    ("Réponse très élégante, déjà précisée où ça", "en"),   # Latin script, few accents: counted as en
    ("富士山 is the tallest です", "en"),     # 12 latin letters vs 5 japanese ones
])
def test_language_classifier(text, lang):
    assert classify(text) == lang


def test_language_table():
    t = table([("ja", "ja"), ("en", "ja"), ("en", "en"), ("hi", "other")])
    assert t["en"] == {"ja": 1, "en": 1, "hi": 0, "other": 0}
    md = to_markdown(t)
    assert "| English | 1 | 1 | 0 | 0 | 2 |" in md and "| Hindi | 0 | 0 | 0 | 1 | 1 |" in md


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="model"):
        from_dict(EvalConfig, {"model": "a", "checkpoints": "b"})
    with pytest.raises(ConfigError, match="jaster.tasks"):
        from_dict(EvalConfig, {"model": "a", "jaster": {"tasks": ["jcola"]}})
    with pytest.raises(ConfigError, match="mtbench.judge.kind"):
        from_dict(EvalConfig, {"model": "a", "mtbench": {"judge": {"kind": "gpt"}}})
    with pytest.raises(ConfigError, match="select.rule"):
        from_dict(EvalConfig, {"model": "a", "select": {"rule": "best"}})


def test_bad_data_file_names_file_and_line(tmp_path):
    p = tmp_path / "jnli.json"
    p.write_text('{"sentence_pair_id": "0", "sentence1": "a", "sentence2": "b", "label": "neutral"}\n'
                 '{"sentence_pair_id": "1", "sentence1": "a", "label": "neutral"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"jnli.json:2: missing key\(s\) \['sentence2'\]"):
        LOADERS["jnli"](p)
    p.write_text('{"sentence_pair_id": "0", "sentence1": "a", "sentence2": "b", "label": "maybe"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="jnli.json:1: label 'maybe'"):
        LOADERS["jnli"](p)


def test_per_task_overrides_merge_with_defaults():
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.eval.config import SAMPLING

    cfg = load_recipe("eval", EvalConfig, "debug", ["jaster.files.jnli=jnli-v1.1-test.json",
                                                    "mtbench.temperatures.writing=0.3"])
    assert cfg.jaster.file_of("jnli") == "jnli-v1.1-test.json"
    assert cfg.jaster.file_of("jsts") == "jsts-v1.3-valid.json"
    assert cfg.jaster.max_new("jsquad") == 12 and cfg.jaster.max_new("jcommonsenseqa") == 1   # recipe, default
    assert cfg.mtbench.temperature_of("writing") == 0.3
    assert cfg.mtbench.temperature_of("math") == SAMPLING["jp-stable"]["temperatures"]["math"] == 0.1
    assert cfg.mtbench.temperature_of("poetry") == cfg.mtbench.default_temperature
    with pytest.raises(ConfigError, match="jaster.max_new_tokens: unknown task 'jcola'"):
        load_recipe("eval", EvalConfig, "debug", ["jaster.max_new_tokens.jcola=3"])


@pytest.mark.parametrize("recipe", ["debug", "tiny", "sft-sweep", "model"])
def test_recipes_load(recipe):
    from jiniac_hpc.config import load_recipe

    cfg = load_recipe("eval", EvalConfig, recipe)
    assert (cfg.model is None) != (cfg.checkpoints is None)
