"""A debug-sized evaluation of a tiny random model on a JGLUE slice writes consistent files.

    .venv/bin/python -m pytest tests/test_eval_run.py -q

Checks: every sample has a prediction; scores.json equals the metrics recomputed from
predictions.jsonl; the TensorBoard scalars (read back with tensorboard's own reader) sit at the
checkpoint's step; batched left-padded generation gives what one-at-a-time generation gives;
the language table counts every prompt; and the project's debug MoE model evaluates too.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc.config import from_dict
from jiniac_hpc.eval import jaster
from jiniac_hpc.eval.config import EvalConfig
from jiniac_hpc.eval.jaster import LOADERS, data_path, rescore, split
from jiniac_hpc.eval.report import read_log, scalars

LIMIT = 8


def _cfg(model: Path, **over) -> EvalConfig:
    data = {"model": str(model), "device": "cpu", "dtype": "float32", "batch_size": 8,
            "jaster": {"limit": LIMIT, "num_fewshots": 2, "fewshot_pool": 8,
                       "max_new_tokens": {"jcommonsenseqa": 3, "jnli": 4, "jsquad": 10, "jsts": 4}},
            "mtbench": {"limit": 2, "max_new_tokens": 8, "judge": {"kind": "none"}},
            "langtest": {"limit": 2, "max_new_tokens": 8}, "job": {"gpus": False}}
    for k, v in over.items():
        data[k] = v
    return from_dict(EvalConfig, data)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    from jiniac_hpc.eval.tiny import build

    d = build(tmp_path_factory.mktemp("tiny") / "step-00000042")
    (d / "meta.json").write_text(json.dumps({"step": 42, "tokens_seen": 1000}))
    return d


@pytest.fixture(scope="module")
def result(tiny, tmp_path_factory):
    from jiniac_hpc.eval.run import evaluate

    out = tmp_path_factory.mktemp("out")
    scores = evaluate(_cfg(tiny), tiny, out, out / "tb")
    return out, scores


def test_every_sample_has_a_prediction(result):
    out, _ = result
    records = read_log(out / "predictions.jsonl")
    cfg = _cfg(Path("x")).jaster
    for task in cfg.tasks:
        _, scored, _ = split(task, LOADERS[task](data_path(cfg, task)), cfg, seed=0)
        got = [r for r in records if r["task"] == task]
        assert [r["id"] for r in got] == [s.id for s in scored] and len(got) == LIMIT
        for r in got:
            assert set(r) >= {"task", "id", "prompt", "prediction", "gold", "score"}
            assert isinstance(r["prediction"], str) and r["prompt"].endswith("### 応答:\n")
            assert r["score"] == jaster.sample_score(task, r["prediction"], r["gold"])


def test_scores_equal_metrics_recomputed_from_predictions(result):
    out, scores = result
    on_disk = json.loads((out / "scores.json").read_text())
    assert on_disk["jaster"] == json.loads(json.dumps(scores["jaster"]))
    again = rescore(read_log(out / "predictions.jsonl"), _cfg(Path("x")).jaster.categories)
    for task, ms in again["tasks"].items():
        for k, v in ms.items():
            assert on_disk["jaster"]["tasks"][task][k] == pytest.approx(v), (task, k)
    assert on_disk["jaster"]["categories"] == pytest.approx(again["categories"])
    assert on_disk["jaster"]["AVG"] == pytest.approx(again["AVG"])
    assert set(on_disk["jaster"]["categories"]) == {"MC", "NLI", "RC"}
    assert on_disk["jaster"]["not_averaged"] == ["jsts"]
    assert on_disk["step"] == 42 and scores["model"] == on_disk["model"]   # the task's result names its model


def test_tensorboard_scalars_at_checkpoint_step(result):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, scores = result
    acc = EventAccumulator(str(out / "tb"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    expected = scalars(scores)
    assert "eval/jaster/AVG" in tags and "eval/jaster/jsquad/char_f1" in tags
    assert tags == set(expected)
    for tag, v in expected.items():
        (ev,) = acc.Scalars(tag)
        assert ev.step == 42 and ev.value == pytest.approx(v, abs=1e-6)


def test_language_table_counts_every_prompt(result):
    out, scores = result
    t = json.loads((out / "langtest" / "table.json").read_text())["table"]
    assert {q: sum(row.values()) for q, row in t.items()} == {"ja": 2, "en": 2, "hi": 2}
    rows = read_log(out / "langtest" / "responses.jsonl")
    assert len(rows) == 6 and (out / "langtest" / "table.md").read_text().startswith("| question")
    answers = read_log(out / "mtbench" / "answers.jsonl")
    assert [len(a["turns"]) for a in answers] == [2, 2]          # two-turn generation
    assert scores["mtbench"] is None                              # judge 'none': answers only


def test_rerun_skips_finished_suites(result, tiny):
    from jiniac_hpc.eval.run import evaluate

    out, scores = result
    before = (out / "predictions.jsonl").stat().st_mtime_ns
    again = evaluate(_cfg(tiny), tiny, out, None)
    assert (out / "predictions.jsonl").stat().st_mtime_ns == before
    assert again["jaster"] == json.loads(json.dumps(scores["jaster"]))
    assert len(read_log(out / "mtbench" / "answers.jsonl")) == 2    # not answered twice


def test_batched_generation_matches_one_at_a_time(tiny):
    from jiniac_hpc.eval.generate import Generator

    g = Generator(tiny, device="cpu", dtype="float32", batch_size=4)
    prompts = ["日本の首都は", "The capital of Japan is", "質問：子供向けのメニューは？\n選択肢：0.ピクルス,1.お子様ランチ", "あ"]
    batched = g.generate(prompts, 6)
    single = [g.generate([p], 6)[0] for p in prompts]
    assert batched == single


def test_repetition_penalty_and_top_p_reach_transformers_generate(tiny):
    """MT-bench answers sample as FastChat jp-stable's gen_model_answer.py (top_p 0.9,
    repetition_penalty 1.1): the generator's result equals transformers' own generate with them."""
    import torch

    from jiniac_hpc.eval.generate import Generator

    g = Generator(tiny, device="cpu", dtype="float32")
    prompt = "日本の首都は"
    ids = g._encode([prompt], 12)[0]
    def ref(**kw):
        out = g.model.generate(torch.tensor([ids]), max_new_tokens=12, pad_token_id=g.tokenizer.pad_token_id,
                               eos_token_id=g.stop_ids, **kw)
        return g.tokenizer.decode(out[0, len(ids):], skip_special_tokens=True)
    greedy = ref(do_sample=False)
    penalised = g.generate([prompt], 12, repetition_penalty=5.0)[0]
    assert penalised == ref(do_sample=False, repetition_penalty=5.0) and penalised != greedy
    torch.manual_seed(3)
    want = ref(do_sample=True, temperature=0.9, top_p=0.9, repetition_penalty=1.1)   # top_k: the model's config
    assert g.generate([prompt], 12, temperature=0.9, seed=3, top_p=0.9, top_k=None, repetition_penalty=1.1)[0] == want


def test_answer_settings_equal_those_of_the_recorded_jp_stable_answers():
    """The three models' answers recorded with Japanese MT-bench carry the generate_params FastChat
    jp-stable's gen_model_answer.py sampled them with; the default config gives those for each."""
    from jiniac_hpc.eval.config import MTBenchConfig
    from jiniac_hpc.eval.mtbench_data import load_questions, qid
    from jiniac_hpc.paths import resolve_path, shared_dir

    cfg, lm_sys = MTBenchConfig(), MTBenchConfig(sampling="lm-sys")
    category = {q["question_id"]: q["category"] for q in load_questions(resolve_path(cfg.questions))}
    answers = [json.loads(line) for f in sorted((shared_dir() / "data" / "japanese_mt_bench" / "model_answer")
                                                .glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(answers) == 3 * 80 and len(category) == 80
    for a in answers:
        want = {k: v for k, v in a["generate_params"].items() if k != "prompt"}
        assert cfg.params_of(category[qid(a["question_id"])]) == want, (a["model_id"], a["question_id"])
        assert lm_sys.params_of(category[qid(a["question_id"])]) != want   # lm-sys's settings match none


def test_long_prompt_keeps_its_end(tiny):
    from jiniac_hpc.eval.generate import Generator

    g = Generator(tiny, device="cpu", dtype="float32", max_prompt_tokens=16)
    ids = g._encode(["あいうえお" * 50 + "### 応答:\n"], 4)[0]
    assert len(ids) == 16 and g.truncated == 1
    assert g.tokenizer.decode(ids).endswith("### 応答:\n")


def test_project_debug_moe_model_evaluates(tiny, tmp_path):
    """The DeepSeekMoE debug model, saved with save_pretrained, goes through the same evaluation."""
    import torch

    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.eval.run import evaluate
    from jiniac_hpc.model import build_model
    from jiniac_hpc.model.config import ModelConfig

    mcfg = load_recipe("model", ModelConfig, "debug", [f"vocab_size={len(_tok(tiny))}"])
    model = build_model(mcfg, torch.float32)
    mdir = tmp_path / "moe"
    model.save_pretrained(str(mdir))
    out = tmp_path / "out"
    scores = evaluate(_cfg(mdir, tokenizer=str(tiny), suites=["jaster"]), mdir, out, None)
    assert len(read_log(out / "predictions.jsonl")) == 4 * LIMIT
    assert scores["jaster"]["AVG"] is not None
    # expert routing is per token, so left padding must not change what a row generates
    from jiniac_hpc.eval.generate import Generator

    g = Generator(mdir, tiny, device="cpu", dtype="float32", batch_size=3)
    prompts = ["日本の首都は", "The capital of Japan is", "質問：子供向けのメニューは？"]
    assert g.generate(prompts, 5) == [g.generate([p], 5)[0] for p in prompts]


def _tok(d: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(d))


def _invoke(args: list[str]):
    from click.testing import CliRunner

    from jiniac_hpc.cli import cli

    return CliRunner().invoke(cli, args)


def test_rescore_cli_gives_back_the_runs_scores(result, tmp_path):
    """`jiniac eval rescore PREDICTIONS --gold DIR` recomputes scores.json's jaster part from the files alone."""
    from jiniac_hpc.paths import jglue_dir

    out, _ = result
    res = _invoke(["eval", "rescore", str(out / "predictions.jsonl"), "--gold", str(jglue_dir()),
                   "--out", str(tmp_path / "rescored.json")])
    assert res.exit_code == 0, res.output
    assert "rescore jsquad: 8 predictions scored" in res.output
    rescored = json.loads((tmp_path / "rescored.json").read_text())["jaster"]
    original = json.loads((out / "scores.json").read_text())["jaster"]
    assert set(original) - set(rescored) == {"fewshots"}        # how the prompts were made: not a score
    original.pop("fewshots")
    assert rescored == original


def test_rescore_uses_the_gold_file_not_the_stored_gold(result, tmp_path):
    out, _ = result
    records = [r for r in read_log(out / "predictions.jsonl") if r["task"] == "jsquad"]
    assert records[0]["score"]["char_f1"] < 1.0
    preds = tmp_path / "predictions.jsonl"
    preds.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    cfg = _cfg(Path("x")).jaster
    data = json.loads(data_path(cfg, "jsquad").read_text(encoding="utf-8"))
    for art in data["data"]:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                if q["id"] == records[0]["id"]:
                    q["answers"][0]["text"] = records[0]["prediction"]     # now the first answer is right
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = _invoke(["eval", "rescore", str(preds), "--gold", f"jsquad={gold}", "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    got = json.loads((tmp_path / "r.json").read_text())["jaster"]["tasks"]["jsquad"]["char_f1"]
    expected = (1.0 + sum(r["score"]["char_f1"] for r in records[1:])) / len(records)
    assert got == pytest.approx(expected)


def test_rescore_errors_name_file_line_and_key(result, tmp_path):
    out, _ = result
    first = read_log(out / "predictions.jsonl")[0]
    bad = tmp_path / "predictions.jsonl"
    bad.write_text(json.dumps(first, ensure_ascii=False) + "\n" + json.dumps({**first, "id": "nope"}) + "\n")
    gold = str(data_path(_cfg(Path("x")).jaster, first["task"]))
    res = _invoke(["eval", "rescore", str(bad), "--gold", gold])
    assert res.exit_code != 0 and f"predictions.jsonl:2: {first['task']} id 'nope' is not in" in res.output
    res = _invoke(["eval", "rescore", str(bad), "--gold", str(tmp_path / "predictions.jsonl")])
    assert res.exit_code != 0 and "does not say its task; pass TASK=FILE" in res.output
    res = _invoke(["eval", "rescore", str(bad), "--gold", str(tmp_path / "no" / "jglue")])   # a folder not there
    assert res.exit_code != 0 and "jglue: no such file or folder" in res.output, res.output
    bad.write_text('{"task": "jnli", "raw": "x"}\n')
    res = _invoke(["eval", "rescore", str(bad), "--gold", gold])
    assert res.exit_code != 0 and "predictions.jsonl:1: missing key(s) ['id']" in res.output
    # without a subcommand, `jiniac eval` is still the stage
    res = _invoke(["eval", "--cluster", "local", "--recipe", "no-such-recipe", "--dry-run"])
    assert res.exit_code != 0 and "no-such-recipe" in res.output


@pytest.mark.parametrize("task,answer,ok", [
    ("jcommonsenseqa", "3", True), ("jcommonsenseqa", "5", False), ("jcommonsenseqa", " 3", False),
    ("jcommonsenseqa", "3.", False), ("jcommonsenseqa", "", False),
    ("jnli", "neutral", True), ("jnli", "Neutral", False), ("jnli", "entailment。", False),
    ("jsts", "3", True), ("jsts", "2.4", True), ("jsts", "5.0", True), ("jsts", "5.5", False),
    ("jsts", "-1", False), ("jsts", "3点", False), ("jsts", "", False),
    ("jsquad", "東京", True), ("jsquad", " ", False), ("jsquad", "東京\n大阪", False)])
def test_well_formed_answers(task, answer, ok):
    from jiniac_hpc.eval.validity import well_formed

    assert well_formed(task, answer) is ok


def test_compare_models_get_their_own_tasks_and_folders(result, tiny, tmp_path):
    """`compare` adds one task a model, written to run_dir/<label>/; the pipeline report's
    before/after tables read them back, with the well-formed share beside each score."""
    from jiniac_hpc.config import ConfigError
    from jiniac_hpc.eval.run import evaluate
    from jiniac_hpc.eval.stage import plan, targets
    from jiniac_hpc.eval.validity import well_formed
    from jiniac_hpc.pipeline.report import eval_runs, jaster_table, language_table

    out, _ = result
    cfg = _cfg(tiny, compare={"before": str(tiny)})
    assert [(m, o) for m, o in targets(cfg, tmp_path)] == [(tiny, tmp_path), (tiny, tmp_path / "before")]
    assert plan(cfg, tmp_path)[0].tasks == 2
    (tiny.parent / "latest").write_text(tiny.name + "\n")     # a run's checkpoints/latest pointer file
    ptr = _cfg(tiny, compare={"before": str(tiny.parent / "latest")})
    assert [m for m, _ in targets(ptr, tmp_path)] == [tiny, tiny]
    with pytest.raises(ConfigError, match="compare.gone"):
        plan(_cfg(tiny, compare={"gone": str(tmp_path / "nothing")}), tmp_path)
    with pytest.raises(ValueError, match="compare"):
        _cfg(tiny, compare={"langtest": str(tiny)})

    short = _cfg(tiny, jaster={"limit": 3, "num_fewshots": 2, "fewshot_pool": 8}, suites=["jaster", "langtest"],
                 langtest={"limit": 1, "max_new_tokens": 4})
    evaluate(short, tiny, out / "before")
    runs = eval_runs(out, ["before"])
    assert [lb for lb, _ in runs] == ["before", "final"]
    table = jaster_table(runs)
    assert table[0].startswith("| jaster task (metric) | n | before: score / well-formed / distinct | final:")
    records = read_log(out / "predictions.jsonl")
    scores = json.loads((out / "scores.json").read_text())["jaster"]
    for task in ("jcommonsenseqa", "jnli", "jsquad", "jsts"):
        row = next(r for r in table if r.startswith(f"| {task} ("))
        got = [r for r in records if r["task"] == task]
        share = sum(well_formed(task, r["prediction"]) for r in got) / len(got)
        metric = row.split("(")[1].split(")")[0]
        kinds = len({r["prediction"] for r in got})
        assert row.split(" | ")[-1] == f"{scores['tasks'][task][metric]:.3f} / {share:.0%} / {kinds} |"
    assert table[-1].endswith(f"**{scores['AVG']:.3f}** |")
    lang = language_table(runs)
    assert len(lang) == 2 + 3 * 2 and lang[2].startswith("| before | Japanese |")
    counts = [sum(int(c) for c in r.strip("|").split("|")[2:]) for r in lang[2:]]
    assert counts == [1, 1, 1, 2, 2, 2]


def test_plan_refuses_a_tokenizer_with_more_ids_than_the_model(tiny, tmp_path):
    """``tokenizer:`` a user's own HF folder (torchtitan's real test tokenizer, 2,020 ids) for a model
    with fewer embedding rows: the plan let it through to the GPU job, where the first id past the
    embedding fails; it is refused now, naming the folder and the model's config.json."""
    from jiniac_hpc.config import ConfigError
    from jiniac_hpc.eval.stage import plan

    rows = json.loads((tiny / "config.json").read_text())["vocab_size"]
    outside = Path(__file__).resolve().parent / "assets/corpus/real/torchtitan_hf_tokenizer"
    assert rows < 2020
    with pytest.raises(ConfigError, match=rf"tokenizer: .*torchtitan_hf_tokenizer has 2020 token ids, more than the "
                                          rf"{rows} rows of the model's embedding"):
        plan(_cfg(tiny, tokenizer=str(outside), suites=["langtest"]), tmp_path)
    assert plan(_cfg(tiny, suites=["langtest"]), tmp_path)[0].tasks == 1
