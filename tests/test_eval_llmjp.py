"""jaster scoring and prompts against llm-jp-eval v1.3.0's definitions, implemented here independently.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_eval_llmjp.py

The reference functions below are written from the definitions, not imported or copied:
llm-jp-eval v1.3.0 ``src/llm_jp_eval/utils.py`` (read in
swallow-llm/swallow-evaluation@78de0dba5324f9539b824cc1a4f08b9c4b8c181d under ``llm-jp-eval/``;
its lock file pins fuzzywuzzy 0.18.0 + python-Levenshtein 0.21.1) and fuzzywuzzy 0.18.0
(seatgeek/fuzzywuzzy@749d61ab2ea35498c4d04d74dafde9248f253fb4: ``fuzz.token_sort_ratio`` ->
``_process_and_sort`` -> ``utils.full_process(force_ascii=True)`` -> ``ratio`` with its
``check_for_equivalence`` / ``check_empty_string`` guards and ``utils.intr``). With
python-Levenshtein installed, fuzzywuzzy's ratio is ``Levenshtein.ratio``, which 0.21.1 documents
as the normalised Indel similarity, ``1 - normalized_distance`` (maxbachmann.github.io/Levenshtein;
seatgeek/thefuzz issue 53 on Indel vs Levenshtein). The pairs mix
real JGLUE answers (JSQuAD golds, JSTS labels) with the edge cases the issue lists. The same pairs
are also checked against fuzzywuzzy's own outputs, recorded with the pinned packages
(``tests/assets/eval/fuzzywuzzy_0.18.0/``).
"""
from __future__ import annotations

import json
import math
import re
import unicodedata

import pytest

from jiniac_hpc.eval import jaster
from jiniac_hpc.eval import metrics as M
from jiniac_hpc.eval.config import JasterConfig
from jiniac_hpc.paths import REPO_ROOT, jglue_dir

GOLDEN = REPO_ROOT / "tests" / "golden"


# ------------------------------------------------------------------ references, from the definitions


def ref_answer(generated: str) -> str:
    """get_evaluation_result: normalize(output.split("\\n\\n")[0]), normalize = NFKC."""
    return unicodedata.normalize("NFKC", generated.split("\n\n")[0])


def ref_full_process(s: str) -> str:
    """utils.full_process(s, force_ascii=True) under Python 3."""
    s = "".join(c for c in s if not 128 <= ord(c) <= 255)                  # asciidammit -> asciionly
    s = "".join(c if (c.isalnum() or c == "_") else " " for c in s)        # (?ui)\W -> " "
    return s.lower().strip()


def ref_indel_distance(a: str, b: str) -> int:
    """Insertions + deletions: len(a) + len(b) - 2 * LCS(a, b)."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return len(a) + len(b) - 2 * prev[-1]


def ref_token_sort_ratio(s1: str, s2: str) -> int:
    t1 = " ".join(sorted(ref_full_process(s1).split())).strip()
    t2 = " ".join(sorted(ref_full_process(s2).split())).strip()
    if t1 == t2:
        return 100                                # check_for_equivalence
    if not t1 or not t2:
        return 0                                  # check_empty_string
    lensum = len(t1) + len(t2)
    # python-Levenshtein 0.21.1's ratio: the normalised Indel similarity, 1 - distance / lensum
    return int(round(100 * (1.0 - ref_indel_distance(t1, t2) / lensum)))


def ref_parse_float(s: str) -> float:
    cleaned = "".join(c for c in str(s) if c in "0123456789.")
    try:
        return float(cleaned)
    except ValueError:
        return -2.0


def ref_pearson(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return 0.0 if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)    # NaN -> 0.0


def ref_ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


# ------------------------------------------------------------------ the pairs


def _jsquad_golds(n: int) -> list[str]:
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    out = []
    for art in data["data"]:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                out.append(q["answers"][0]["text"])
    return out[::max(1, len(out) // n)][:n]


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


HAND = [
    ("", ""), ("", "東京"), ("東京", ""), (" ", ""), ("  ", " "), ("\n", ""), ("\u3000", ""), ("\t東京 ", "東京"),
    ("「東京」", "東京"), ("『東京』", "東京"), ("（東京）", "東京"), ("【東京】です", "東京"), ("東京。", "東京"),
    ("。", "、"), ("・", ""), ("…", "東京"), ("〜", "~"), ("ー", "ー"), ("東京ー", "東京"), ("東京都", "東京"),
    ("ありあ", "あい"), ("小笠原諸島", "小笠原諸島を除く日本"), ("大阪", "東京"), ("東京 大阪", "大阪 東京"),
    ("東京、大阪", "大阪・東京"), ("ＡＢＣ", "abc"), ("ABC", "abc"), ("ｶﾀｶﾅ", "カタカナ"), ("１２３", "123"),
    ("3.0", "3"), ("3", "3.0"), ("3.5点", "3.5"), ("-1", "1"), ("−1", "-1"), ("1,000円", "1000円"),
    ("1 000", "1000"), ("2.5", "2.50"), ("１．５", "1.5"), ("½", "1/2"), ("²", "2"), ("café", "caf"),
    ("naïve", "naive"), ("a_b", "a b"), ("a·b", "ab"), ("×", ""), ("µ", "μ"), ("Straße", "strasse"),
    ("İstanbul", "istanbul"), ("ΣΊΣΥΦΟΣ", "σίσυφος"), ("Ⅷ", "VIII"), ("①", "1"), ("㈱", "(株)"),
    ("東京\n\n### 入力:", "東京"), ("東京\n大阪", "東京 大阪"), ("entailment", "entailment"),
    ("entail", "entailment"), ("neutral\n\n", "neutral"), (" neutral", "neutral"), ("Neutral", "neutral"),
    ("4", "4"), ("4 ", "4"), ("４", "4"), ("", "0"), ("abcdefgh", "aXYZWVUT"), ("a" + "b" * 39, "a" + "c" * 39),
    ("a" * 7, "a"), ("ab", "ba"), ("b a", "a b"), ("z y x", "x y z w"), ("一九四五年", "1945年"),
    ("平成２年", "平成2年"), ("約3割", "3割"), ("東京タワー", "東京 タワー"), ("ぜんぶ", "全部"),
]


def _pairs() -> list[tuple[str, str]]:
    pairs = list(HAND)
    for g in _jsquad_golds(40):        # real JSQuAD golds, as a model might echo them
        pairs += [(g, g), (f"「{g}」", g), (_fullwidth(g), g), (g[: max(1, len(g) // 2)], g),
                  (g + "です。", g), (f" {g}\n\n### 入力:\n文章：", g)]
    for label in ["0.0", "2.4", "3.8", "5.0", "1.2"]:     # JSTS labels as golds
        for pred in ["3.0", "3", "3.5点", "-1", "", " 4", "４", "2.5.1", "5です", "類似度: 3"]:
            pairs.append((pred, label))
    return pairs


PAIRS = _pairs()


def test_there_are_enough_pairs_of_every_kind():
    assert len(PAIRS) >= 200
    kinds = {"empty": any(p == "" or g == "" for p, g in PAIRS),
             "whitespace": any(p.strip() != p for p, _ in PAIRS),
             "full-width": any(any(0xFF01 <= ord(c) <= 0xFF5E for c in p) for p, _ in PAIRS),
             "brackets": any("「" in p for p, _ in PAIRS), "punctuation": ("。", "、") in PAIRS,
             "numbers": {"3.0", "3", "3.5点", "-1"} <= {p for p, _ in PAIRS}}
    assert all(kinds.values()), kinds


@pytest.mark.parametrize("pred,gold", PAIRS)
def test_metrics_equal_llm_jp_eval_definitions(pred, gold):
    ours_pred = M.postprocess(pred)
    assert ours_pred == ref_answer(pred)
    expected = ref_token_sort_ratio(ref_answer(pred), unicodedata.normalize("NFKC", gold)) / 100
    assert M.char_f1(ours_pred, gold) == pytest.approx(expected, abs=0.01)
    assert M.char_f1(ours_pred, gold) == expected            # in fact exact
    assert M.exact_match(ours_pred, gold) == float(ref_answer(pred) == unicodedata.normalize("NFKC", gold))
    assert M.parse_float(ours_pred) == ref_parse_float(ref_answer(pred))


def test_char_f1_equals_fuzzywuzzys_recorded_ratios():
    """The real fuzzywuzzy 0.18.0 + python-Levenshtein 0.21.1, run on the same pairs (see its SOURCE.md)."""
    path = REPO_ROOT / "tests" / "assets" / "eval" / "fuzzywuzzy_0.18.0" / "token_sort_ratio.jsonl"
    recorded = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["pred"], r["gold"]) for r in recorded] == PAIRS, "PAIRS changed: rerun tests/golden/make_fuzzywuzzy_ratios.py"
    off = [(r["pred"], r["gold"], r["token_sort_ratio"]) for r in recorded
           if M.char_f1(M.postprocess(r["pred"]), r["gold"]) != r["token_sort_ratio"] / 100]
    assert off == []
    assert len({r["token_sort_ratio"] for r in recorded}) > 20          # not only 0 and 100


def test_issue_examples_and_where_other_processors_differ():
    from rapidfuzz import fuzz, utils

    assert M.char_f1("「東京」", "東京") == 1.0 and M.char_f1("。", "、") == 1.0
    assert M.parse_float("3.5点") == 3.5 and M.parse_float("-1") == 1.0 and M.parse_float("似ている") == -2.0
    # rapidfuzz's default_process is not fuzzywuzzy's: '_' and Latin-1 letters are treated differently
    assert fuzz.token_sort_ratio("a_b", "a b", processor=utils.default_process) == 100
    assert M.char_f1("a_b", "a b") == ref_token_sort_ratio("a_b", "a b") / 100 < 1.0
    assert M.char_f1("café", "caf") == 1.0 and M.char_f1("a·b", "ab") == 1.0
    # a half-way float: rounded as llm-jp-eval's pinned Levenshtein computes it, 1 - 78/80 -> 2.500000000000002 -> 3
    assert M.char_f1("a" + "b" * 39, "a" + "c" * 39) == 0.03


def test_processor_equals_definition_on_every_code_point():
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    for i in range(0, len(text), 4096):
        chunk = text[i:i + 4096]
        assert M.fuzzywuzzy_process(chunk) == ref_full_process(chunk), i


def test_jsts_correlations_equal_the_definition():
    golds = ["0.0", "2.4", "3.8", "5.0", "1.2", "4.4", "3.0", "0.6"]
    preds = ["0", "3.5点", "4", "5です", "-1", "", "3.0", "1.2.1"]    # '' and '1.2.1' -> -2.0
    xs = [M.parse_float(M.postprocess(p)) for p in preds]
    assert xs == [0.0, 3.5, 4.0, 5.0, 1.0, -2.0, 3.0, -2.0]
    ys = [float(g) for g in golds]
    m = jaster.task_metrics("jsts", [M.postprocess(p) for p in preds], golds)
    assert m["pearson"] == pytest.approx(ref_pearson(ys, xs), abs=1e-12)
    assert m["spearman"] == pytest.approx(ref_pearson(ref_ranks(ys), ref_ranks(xs)), abs=1e-12)
    assert jaster.task_metrics("jsts", ["3"] * 4, golds[:4])["pearson"] == 0.0    # constant: NaN -> 0.0
    # plain float() would read '-1' as -1 and fail '3.5点' entirely; the definition gives a different r
    naive = [float(p) if re.fullmatch(r"-?[0-9.]+", p) and p.count(".") < 2 else -2.0 for p in preds]
    assert abs(ref_pearson(ys, naive) - m["pearson"]) > 0.05


def test_average_follows_the_category_table():
    tasks = {"jcommonsenseqa": {"exact_match": 0.5}, "jnli": {"exact_match": 0.25},
             "jsquad": {"char_f1": 0.75}, "jsts": {"pearson": 0.9, "spearman": 0.8}}
    a = M.average(tasks, JasterConfig().categories)
    assert a["categories"] == {"NLI": 0.25, "RC": 0.75, "MC": 0.5}
    assert a["AVG"] == pytest.approx(0.5)                     # JSTS is in no category
    assert a["avg_covers"] == {"NLI": ["jnli/exact_match"], "RC": ["jsquad/char_f1"],
                               "MC": ["jcommonsenseqa/exact_match"]}
    assert a["not_averaged"] == ["jsts"]
    assert a["AVG_llm_jp_eval_9"] == pytest.approx(1.5 / 9)   # llm-jp-eval: absent categories count 0.0
    assert list(M.LLM_JP_EVAL_CATEGORIES) == ["NLI", "QA", "RC", "MC", "HE", "EL", "FA", "MR", "MT"]
    assert not any(k.startswith("jsts/") for ks in M.LLM_JP_EVAL_CATEGORIES.values() for k in ks)


# ------------------------------------------------------------------ prompts


def _golden(task: str) -> tuple[list[str], str]:
    raw = (GOLDEN / f"jaster_{task}.txt").read_bytes().decode("utf-8")
    head, body = raw.split("#---8<---\n", 1)
    return head.splitlines(), body


@pytest.mark.parametrize("task", ["jcommonsenseqa", "jnli", "jsquad", "jsts"])
def test_prompt_equals_golden_file(task):
    cfg = JasterConfig()
    head, body = _golden(task)
    assert any("78de0dba5324f9539b824cc1a4f08b9c4b8c181d" in line for line in head)   # names its source
    samples = jaster.LOADERS[task](jaster.data_path(cfg, task))
    shots, scored, info = jaster.split(task, samples, cfg, seed=0)
    (ids_line,) = [line for line in head if line.startswith("# Shots (ids): ")]
    assert info["shots"] == ids_line.split(": ", 1)[1].split(" (")[0].split()
    assert scored[0].id == samples[0].id                        # the first validation item is scored
    assert jaster.build_prompt(task, shots, samples[0]).encode() == body.encode()


def test_task_definitions():
    cfg = JasterConfig()
    assert {t: cfg.max_new(t) for t in cfg.tasks} == {"jcommonsenseqa": 1, "jnli": 3, "jsquad": 25, "jsts": 3}
    first = jaster.LOADERS["jsquad"](jaster.data_path(cfg, "jsquad"))[0]
    assert first.output == "小笠原諸島"                          # the first answer is the gold, only it
    assert jaster.sample_score("jsquad", "小笠原諸島を除く日本", first.output) == {"char_f1": 0.67}


def test_jsquad_shots_come_from_different_articles():
    cfg = JasterConfig()
    samples = jaster.LOADERS["jsquad"](jaster.data_path(cfg, "jsquad"))
    shots, scored, info = jaster.split("jsquad", samples, cfg, seed=0)
    assert len({s.group for s in shots}) == len(shots) == 4
    assert not {s.group for s in shots} & {s.group for s in scored}
    assert info["pool_removed"] == len(samples) - len(scored) > 0


def test_shots_from_a_named_train_file_follow_llm_jp_eval(tmp_path):
    import random

    src = (jglue_dir() / "jnli-v1.3-valid.json").read_text(encoding="utf-8").splitlines()[:50]
    (tmp_path / "jnli-train.json").write_text("\n".join(src) + "\n", encoding="utf-8")
    cfg = JasterConfig(train_files={"jnli": str(tmp_path / "jnli-train.json")}, limit=5)
    samples = jaster.LOADERS["jnli"](jaster.data_path(cfg, "jnli"))
    shots, scored, info = jaster.split("jnli", samples, cfg, seed=123)
    rows = [json.loads(line) for line in src]
    random.seed(42)                                            # what the llm-jp-eval builder does
    random.shuffle(rows)
    expected = [str(r["sentence_pair_id"]) for r in rows[: int(len(rows) * 0.9)][:4]]
    assert [s.id for s in shots] == expected and info["pool_removed"] == 0
    assert [s.id for s in scored] == [s.id for s in samples[:5]]    # nothing held out


def test_zero_shot_holds_nothing_out():
    cfg = JasterConfig(num_fewshots=0)
    samples = jaster.LOADERS["jsts"](jaster.data_path(cfg, "jsts"))
    shots, scored, info = jaster.split("jsts", samples, cfg, seed=0)
    assert shots == [] and scored == samples and info["pool_removed"] == 0
    assert jaster.build_prompt("jsts", [], samples[0]).count("### 入力:") == 1


# ------------------------------------------------------------------ llm-jp-eval's own numbers


LLMJP_130 = REPO_ROOT / "tests" / "assets" / "eval" / "llm_jp_eval_1.3.0"


def _rescored_as_llm_jp_eval_keys() -> tuple[dict[str, float], dict]:
    """Our rescore of the recorded predictions, keyed as llm-jp-eval's score_results ('jnli_exact_match', 'NLI', 'AVG')."""
    from jiniac_hpc.eval.rescore import rescore_file

    ours = rescore_file(LLMJP_130 / "predictions.jsonl", [str(jglue_dir())])["jaster"]
    got = {f"{t}_{m}": v for t, ms in ours["tasks"].items() for m, v in ms.items() if m not in ("n", "truncated")}
    got.update(ours["categories"])
    got["AVG"] = ours["AVG_llm_jp_eval_9"]
    return got, ours


def test_rescored_predictions_equal_llm_jp_evals_recorded_scores(capsys):
    """The floats llm-jp-eval v1.3.0 computed on the same predictions with its pinned packages (see
    tests/assets/eval/llm_jp_eval_1.3.0/SOURCE.md): equal to the last bit, not approximately. Its
    char_f1 and category means are ``statistics.mean`` (exact, rounded once; a plain float sum is
    off in the last bits) and its Pearson r is scipy 1.12's."""
    recorded = json.loads((LLMJP_130 / "scores.json").read_text(encoding="utf-8"))
    ref = recorded["score_results"]
    got, ours = _rescored_as_llm_jp_eval_keys()
    want = {k: ref[k] for k in got}
    assert got == want
    assert {k: f"{v:.4f}" for k, v in got.items()} == {k: recorded["printed"][k] for k in got}
    assert ours["tasks"]["jsquad"]["n"] == 400 and ours["tasks"]["jsts"]["n"] == 400


@pytest.mark.parametrize("pins", ["v2-lock-scipy-1.15.2", "v2-lock-scipy-1.15.3", "v2-lock-scipy-1.16.1"])
def test_scores_on_the_packages_later_releases_resolve_to(pins):
    """v1.3.0's definitions run on the package versions that llm-jp-eval v2.0.0 and v2.1.2 are resolved
    with (llm-jp/llm-jp-eval-inference's lock files; llm_jp_eval_1.3.0/SOURCE.md): every score is the
    same float but JSTS Pearson, whose last bits follow the scipy release (1.12 here, as v1.3.0 pins)."""
    recorded = json.loads((LLMJP_130 / "pins" / f"{pins}.json").read_text(encoding="utf-8"))
    v130 = json.loads((LLMJP_130 / "scores.json").read_text(encoding="utf-8"))["score_results"]
    got, _ = _rescored_as_llm_jp_eval_keys()
    ref = recorded["score_results"]
    assert {k for k in got if got[k] != ref[k]} == {"jsts_pearson"}
    assert got["jsts_pearson"] == v130["jsts_pearson"] != ref["jsts_pearson"]
    assert abs(got["jsts_pearson"] - ref["jsts_pearson"]) < 1e-15
    assert {k: f"{v:.4f}" for k, v in got.items()} == {k: recorded["printed"][k] for k in got}


def test_v1_3_1s_published_average_is_the_nine_category_mean():
    """llm-jp-eval v1.3.1's own printed row (tests/assets/eval/llm_jp_eval_1.3.1_published/SOURCE.md):
    its average is the mean of the same nine categories that AVG_llm_jp_eval_9 averages."""
    row = json.loads((REPO_ROOT / "tests" / "assets" / "eval" / "llm_jp_eval_1.3.1_published" /
                      "llm-jp-3-1.8b.json").read_text(encoding="utf-8"))["printed"]
    # one task per category, carrying the category's printed score
    one_task = {"NLI": "jnli/exact_match", "QA": "niilc/char_f1", "RC": "jsquad/char_f1",
                "MC": "jcommonsenseqa/exact_match", "HE": "jmmlu/exact_match", "EL": "chabsa/set_f1",
                "FA": "wiki_reading/char_f1", "MR": "mawps/exact_match", "MT": "alt-e-to-j/comet_wmt22"}
    assert set(one_task) == set(M.LLM_JP_EVAL_CATEGORIES) == set(row) - {"average"}
    tasks = {k.split("/")[0]: {k.split("/")[1]: float(row[cat])} for cat, k in one_task.items()}
    assert f"{M.average(tasks, {})['AVG_llm_jp_eval_9']:.4f}" == row["average"]


def test_char_f1_equals_fuzzywuzzy_on_the_levenshtein_later_releases_resolve_to():
    """fuzzywuzzy 0.18.0 with python-Levenshtein 0.25.1 (llm-jp-eval v2.0.0 / v2.1.2 as resolved by
    llm-jp/llm-jp-eval-inference) gives every ratio that 0.21.1 (v1.3.0's pin) gives on PAIRS."""
    folder = REPO_ROOT / "tests" / "assets" / "eval" / "fuzzywuzzy_0.18.0"
    later = json.loads((folder / "levenshtein_0.25.1.json").read_text(encoding="utf-8"))
    assert (later["fuzzywuzzy"], later["python-Levenshtein"]) == ("0.18.0", "0.25.1")
    assert len(later["token_sort_ratio"]) == len(PAIRS)
    ours = [round(M.char_f1(M.postprocess(p), g) * 100) for p, g in PAIRS]
    assert ours == later["token_sort_ratio"]


# ------------------------------------------------------------------ generation as llm-jp-eval's pipeline


@pytest.fixture(scope="module")
def llama_style(tmp_path_factory):
    """A tiny random model whose tokenizer is built like Llama-2's tokenizer.json (what transformers'
    LlamaConverter writes): '▁' prepended and for every space, byte-fallback BPE, '<s>' added by the
    post-processor, and a decoder that drops one leading space (Replace, ByteFallback, Fuse, Strip)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, processors
    from transformers import PreTrainedTokenizerFast

    from jiniac_hpc.eval.generate import Generator
    from jiniac_hpc.eval.tiny import SPECIALS, build_model

    pieces = SPECIALS + ["▁"] + [chr(c) for c in range(33, 127)] + [f"<0x{b:02X}>" for b in range(256)]
    tok = Tokenizer(models.BPE({p: i for i, p in enumerate(pieces)}, [], unk_token="<unk>", byte_fallback=True,
                               fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    out = tmp_path_factory.mktemp("llama_style") / "model"
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                 pad_token="<pad>")
    hf.save_pretrained(str(out))
    build_model(out, len(hf))
    return Generator(out, device="cpu", dtype="float32")


def test_jaster_generates_as_transformers_4_38_pipeline_does(llama_style):
    """llm-jp-eval v1.3.0 generates through transformers' text-generation pipeline (4.38.2 in its lock
    file): the prompt tokenised with add_special_tokens=False (no BOS), stop at eos, and the text is
    decode(prompt + new)[len(decode(prompt)):] with skip_special_tokens and clean_up_tokenization_spaces."""
    import torch

    gen, tok = llama_style, llama_style.tokenizer
    prompts = ["### 入力:\n前提：a\n仮説：b\n\n### 応答:\n", "### 応答:\n"]
    got = gen.generate(prompts, 6, as_pipeline=True)
    for p, text in zip(prompts, got):
        ids = tok(p, add_special_tokens=False)["input_ids"]
        assert ids[0] != tok.bos_token_id and tok(p)["input_ids"][0] == tok.bos_token_id
        out = gen.model.generate(torch.tensor([ids]), max_new_tokens=6, do_sample=False,
                                 eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)[0].tolist()
        full = tok.decode(out, skip_special_tokens=True, clean_up_tokenization_spaces=True)
        assert text == full[len(tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)):]
    # a completion whose first token is '▁neutral' keeps its space there: llm-jp-eval's exact match is 0
    prompt_ids = tok(prompts[1], add_special_tokens=False)["input_ids"]
    new_ids = tok(" neutral", add_special_tokens=False)["input_ids"][1:] + [tok.eos_token_id, tok.pad_token_id]
    assert tok.convert_ids_to_tokens(new_ids[:2]) == ["▁", "n"]
    assert tok.decode(new_ids, skip_special_tokens=True) == "neutral"        # the new ids alone lose it
    answer = gen.pipeline_text(prompt_ids, new_ids)
    assert answer == " neutral" and M.exact_match(M.postprocess(answer), "neutral") == 0.0


def test_jaster_run_asks_for_pipeline_generation():
    class Recorder:
        def __init__(self):
            self.kwargs = []

        def generate(self, prompts, max_new_tokens, **kw):
            self.kwargs.append(kw)
            return ["0"] * len(prompts)

    rec = Recorder()
    jaster.run(JasterConfig(tasks=["jcommonsenseqa"], limit=2), rec, seed=0)
    assert rec.kwargs == [{"as_pipeline": True}]


@pytest.mark.parametrize("line, says", [
    ('{"task": "jnli", "id": "0", "raw": null}', "raw is null, not the generated text"),
    ('{"task": "jsts", "id": "0", "raw": 3.5}', "raw is 3.5, not the generated text"),
    ('{"task": "jnli", "id": "0", "prediction": ["entailment"]}', "prediction is [\"entailment\"], not"),
    ('"jcommonsenseqa 9734 1"', "a prediction is a JSON object (task, id, raw), this line is a str"),
])
def test_a_malformed_prediction_line_names_the_file_and_line(tmp_path, line, says):
    """The recorded predictions with a third line that a failed request or a hand edit leaves (a null or
    a number for the generation, a bare string): one error line naming the file and line, no traceback."""
    from click.testing import CliRunner

    from jiniac_hpc.cli import cli

    head = (LLMJP_130 / "predictions.jsonl").read_bytes().decode("utf-8").splitlines(keepends=True)[:2]
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(("".join(head) + line + "\n").encode("utf-8"))
    res = CliRunner().invoke(cli, ["eval", "rescore", str(path), "--gold", str(jglue_dir()),
                                   "--out", str(tmp_path / "o.json")])
    assert res.exit_code != 0 and f"{path}:3: {says}" in res.output, res.output
    assert "Traceback" not in res.output and not (tmp_path / "o.json").exists()
