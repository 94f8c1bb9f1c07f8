"""The merged tokenizer: vocabulary layout, round trips, NFKC at the door, HF == sentencepiece ids, chat template.

    .venv/bin/python -m pytest tests/test_tokenizer_model.py -q

One small tokenizer (tests/assets/tokenizer/small.yaml: JSQuAD ja + en/hi fixtures + code) is
trained in-process once for the module (~5 s); transformers is imported once (~10 s).
"""
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiniac_hpc.config import load_recipe
from jiniac_hpc.cluster import load_cluster
from jiniac_hpc.stages import TaskContext
from jiniac_hpc.tokenizer import spmodel
from jiniac_hpc.tokenizer.config import TokenizerConfig
from jiniac_hpc.tokenizer.stage import merge_step
from jiniac_hpc.tokenizer.train import train_language

REPO = Path(__file__).resolve().parents[1]
SMALL = str(REPO / "tests/assets/tokenizer/small.yaml")
HYP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _build(run: Path, **overrides):
    cfg = load_recipe("tokenizer", TokenizerConfig, SMALL)
    for key, value in overrides.items():
        setattr(cfg, key, value)
    prof = load_cluster("local")
    for i in range(len(cfg.languages)):
        train_language(cfg, TaskContext("tokenizer", "train", run, i, len(cfg.languages), prof))
    merge_step(cfg, TaskContext("tokenizer", "merge", run, 0, 1, prof))
    return cfg, run


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("tok") / "small")


@pytest.fixture(scope="module")
def norm(built):
    normalize = spmodel.normalizer(spmodel.load_proto(built[1] / "tokenizer.model"))
    return lambda text: normalize(text)   # (hypothesis prints a failing example's arguments)


@pytest.fixture(scope="module")
def sp(built):
    return spmodel.processor(spmodel.load_proto(built[1] / "tokenizer.model"))


@pytest.fixture(scope="module")
def hf(built):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(built[1] / "hf"))


# Text generators: every script the tokenizer serves, whitespace of all kinds, emoji, code,
# the markers, and arbitrary Unicode. "▁" (U+2581) is excluded: see test_known_limitation_u2581.
CHAR = st.one_of(
    st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),     # kana
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),     # kanji
    st.characters(min_codepoint=0x0900, max_codepoint=0x097F),     # Devanagari
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),         # ASCII
    st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\r", "\u3000", "\xa0", "\u200b", "\x00", "\x7f"]),
    st.sampled_from(["😀", "👍🏽", "🇯🇵", "👨‍👩‍👧", "𠮷", "é", "ñ", "Ω"]),
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\u2581"),
)
FRAGMENT = st.sampled_from([
    "東京都の山田太郎さん", "です。", "नमस्ते दुनिया", "The quick brown fox", "def f(x):\n    return x * 2\n",
    "    ", "\n\n", "### 指示:\n", "### 応答:", "<|user|>", "<|assistant|>\n", "<|end|>", "<0x41>", "<|reserved_0|>",
    "12345", "3.14", "https://example.com/a?b=c", "\t}\n",
])
TEXT = st.lists(st.one_of(CHAR, FRAGMENT), max_size=30).map("".join)
CONTROL = ("<unk>", "<s>", "</s>", "<pad>")


def test_layout(built, sp):
    cfg, run = built
    proto = spmodel.load_proto(run / "tokenizer.model")
    pieces = [p.piece for p in proto.pieces]
    assert pieces[:4] == ["<unk>", "<s>", "</s>", "<pad>"]
    assert pieces[4:8] == ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
    assert pieces[8:12] == ["###▁指示:", "###▁入力:", "###▁応答:", "\n"]
    assert pieces[12:268] == spmodel.BYTES
    assert len(pieces) % cfg.pad_to_multiple == 0 and len(set(pieces)) == len(pieces)
    assert pieces[-1].startswith("<|reserved_") and proto.pieces[-1].type == spmodel.SP.USER_DEFINED
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (0, 1, 2, 3)
    assert all(c in pieces for c in spmodel.REQUIRED)
    nspec = proto.normalizer_spec
    assert nspec.name == cfg.normalization == "nfkc" and nspec.precompiled_charsmap
    assert not nspec.add_dummy_prefix and not nspec.remove_extra_whitespaces


def test_merge_counts_and_ja_pieces_unprefixed(built):
    cfg, run = built
    rep = json.loads((run / "report.json").read_text())
    proto = spmodel.load_proto(run / "tokenizer.model")
    normal = [p.piece for p in proto.pieces if p.type == spmodel.SP.NORMAL]
    assert sum(c["after_dedup"] for c in rep["merge"].values()) == len(normal) == rep["vocab"]["normal"]
    ja = spmodel.normal_pieces(spmodel.load_proto(run / "langs/ja/sp.model"), strip_prefix=True)
    assert not any(p.startswith("▁") for p, _ in ja)
    assert [p for p, _ in ja] == normal[:len(ja)]                  # ja first, in its own order
    en = rep["merge"]["en"]
    assert en["duplicates"] > 0 and en["after_dedup"] + en["duplicates"] == en["after_strip"]


def test_markers_are_single_tokens(sp, hf):
    for t, want in [("### 指示:", 8), ("\n", 11), ("<|user|>", 5), ("<|end|>", 7)]:
        assert sp.encode(t) == [want] and hf(t, add_special_tokens=False)["input_ids"] == [want]


@HYP
@given(TEXT)
def test_sentencepiece_round_trip(sp, norm, text):
    assert sp.decode(sp.encode(text)) == norm(text)


@HYP
@given(TEXT)
def test_hf_ids_equal_sentencepiece_and_round_trip(sp, hf, norm, text):
    ids = hf(text, add_special_tokens=False)["input_ids"]
    assert hf.decode(ids) == norm(text)
    if not any(c in text for c in CONTROL):
        assert ids == sp.encode(text)


# Text as SFT data, MT-bench questions and jaster prompts write it, and as the NFKC corpus has it.
FORMS = [("日本の首都はどこですか？", "日本の首都はどこですか?"), ("（東京）！", "(東京)!"), ("１２３．５％", "123.5%"),
         ("日本\u3000東京", "日本 東京"), ("ｶﾞｲﾄﾞ", "ガイド"), ("\u095c\u0958", "\u0921\u093c\u0915\u093c"), ("①…ｍｇ", "1...mg")]


def test_text_meets_the_tokenizer_as_the_corpus_wrote_it(sp, hf):
    """The corpus stage NFKC-normalises by default, so the tokenizer never learnt ？（）！１ and
    would give them byte pieces; the tokenizer's own normalisation gives them the corpus's pieces,
    in sentencepiece, in the HF folder and in its offsets (SFT's loss spans)."""
    byte = {i for i in range(sp.get_piece_size()) if sp.is_byte(i)}
    for raw, corpus in FORMS:
        assert sp.encode(raw) == sp.encode(corpus), raw
        assert hf(raw, add_special_tokens=False)["input_ids"] == sp.encode(corpus), raw
        assert not byte & set(sp.encode(raw)), raw
    enc = hf("質問：何？", add_special_tokens=False, return_offsets_mapping=True)
    assert enc["offset_mapping"][-1] == (4, 5)                 # offsets index the raw text


def test_identity_normalisation_round_trips_exactly(tmp_path):
    """``normalization: identity`` (llm-jp-tokenizer v2) keeps every character: exact round trip,
    and the full-width forms are not the corpus's pieces."""
    cfg, run = _build(tmp_path / "identity", normalization="identity", baseline=False)
    proto = spmodel.load_proto(run / "tokenizer.model")
    assert proto.normalizer_spec.name == "identity" and not proto.normalizer_spec.precompiled_charsmap
    sp = spmodel.processor(proto)
    for raw, corpus in FORMS:
        assert sp.decode(sp.encode(raw)) == raw and sp.encode(raw) != sp.encode(corpus)
    rep = json.loads((run / "report.json").read_text())
    assert rep["normalization"]["docs_changed"] == 0 and rep["roundtrip"]["failures"] == 0


def _runs(seed: int) -> list[str]:
    """Runs of repeated characters, whose segmentations tie (same pieces, another order), alone
    and inside long code-like documents (up to ~20K characters)."""
    import random

    rng = random.Random(seed)
    texts = [c * n + "x" for c in (" ", "\t", "=", "-", "ー", "\n") for n in range(1, 120)]
    parts = [" " * 4, " " * 13, " " * 31, "\t\t", "if x:\n", "def f(a, b):\n", "# ====\n", "東京", "abc", "\n", "हिन्दी"]
    for size in (20, 200, 2000, 6000):
        texts += ["".join(rng.choice(parts) for _ in range(size)) for _ in range(4)]
    return texts


def test_hf_ids_equal_sentencepiece_on_repeated_runs(sp, hf):
    """Long indentation and other runs: sentencepiece (float32) and HF (float64) agree on ties
    because the scores are quantised (spmodel.SCORE_QUANTUM); without it about 1% of these differ."""
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    assert sum(set(p) == {"▁"} and len(p) > 4 for p in pieces) >= 3, "code vocabulary lacks space runs"
    texts = _runs(0)
    bad = [t for t in texts if hf(t, add_special_tokens=False)["input_ids"] != sp.encode(t)]
    assert not bad, f"{len(bad)} of {len(texts)} differ, e.g. {bad[0][:80]!r}"


def test_byte_fallback_equal(sp, hf):
    text = "絵文字😀と稀な字𪚲"
    ids = sp.encode(text)
    byte = {i for i in range(sp.get_piece_size()) if sp.is_byte(i)}
    assert byte & set(ids), "expected byte-fallback pieces"
    assert hf(text, add_special_tokens=False)["input_ids"] == ids
    assert hf.convert_ids_to_tokens([i for i in ids if i in byte])[0].startswith("<0x")


REAL = REPO / "tests/assets/corpus/real"


def test_hf_ids_equal_sentencepiece_on_a_real_character_table(sp, hf, norm):
    """A real table of Japanese characters (kana, full- and half-width forms, enclosed and squared
    CJK, U+32FF ㋿ SQUARE ERA NAME REIWA): tokenizers' NFKC predates ㋿ and kept it, while
    sentencepiece writes 令和, so the two doors gave that line other ids."""
    text = (REAL / "kana_unicode_reference_japanese_characters.md").read_text(encoding="utf-8")
    bad = [ln for ln in text.split("\n") if hf(ln, add_special_tokens=False)["input_ids"] != sp.encode(ln)]
    assert not bad, f"{len(bad)} lines differ, e.g. {bad[0]!r}"
    assert hf.decode(hf(text, add_special_tokens=False)["input_ids"]) == sp.decode(sp.encode(text)) == norm(text)
    assert norm("㋿元年") == "令和元年"


REAL_DOCS = [("diet", "kokkai_meeting_api_1947_shugiin.xml"), ("aozora", "aozora_24455_ruby_11238_gaiji_in_description.txt"),
             ("aozora", "aozora_53960_ruby_57549.txt"), ("egov_xml", "egov_129AC0000000089_minpo_trimmed.xml"),
             ("wikiextractor", "wikiextractor3_hiwiki_hindi_wiki_00"), ("squad", "xquad_hi_trimmed.json")]


def test_real_documents_round_trip_and_doors_agree(sp, hf, norm):
    """Documents the corpus readers make of real samples (Diet minutes of 1947 in old kanji, Aozora
    gaiji and JIS X 0213 characters, e-Gov law text, Hindi with nukta letters, ZWJ/ZWNJ): decode gives
    back the normalised text, and HF gives sentencepiece's ids."""
    from jiniac_hpc.corpus.config import SourceConfig
    from jiniac_hpc.corpus.readers import read

    docs = [r.text for reader, name in REAL_DOCS
            for r in read(REAL / name, SourceConfig(name="t", reader=reader, paths=[str(REAL / name)]), 8_000_000)
            if r.text]
    assert len(docs) > 80 and any("\u200d" in d or "\u200c" in d for d in docs)
    for d in docs:
        ids = sp.encode(d)
        assert sp.decode(ids) == norm(d) and hf(d, add_special_tokens=False)["input_ids"] == ids, d[:80]


def test_hf_normaliser_equals_sentencepiece_on_every_code_point(sp, hf):
    """Every code point alone (but "\n", the separator) normalises the same in both doors."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and c != 0x0A]
    ours = sp.normalize(chars)
    theirs = hf.backend_tokenizer.normalizer.normalize_str("\n".join(chars)).split("\n")
    bad = [f"U+{ord(c):04X}" for c, o, h in zip(chars, ours, theirs) if o != h]
    assert len(theirs) == len(chars) and not bad, bad[:20]


def test_hf_export_refuses_an_outside_model_it_would_get_wrong(built):
    """sentencepiece's own Japanese test model (dummy prefix, whitespace folding, no byte pieces):
    an HF folder built from it gave other ids than sentencepiece ("吾輩は猫である。" with a "▁" between
    every piece) and no error; the export now names each setting it does not reproduce."""
    from jiniac_hpc.tokenizer.hf import build_tokenizer

    proto = spmodel.load_proto(REAL / "sentencepiece_test_ja_model.model")
    with pytest.raises(ValueError, match="add_dummy_prefix; remove_extra_whitespaces; no 256 byte pieces"):
        build_tokenizer(proto, built[0].special_tokens)


def test_control_strings_documented_difference(sp, hf):
    """HF parses the text "<s>" as bos (chat templates rely on it); sentencepiece never does.
    With split_special_tokens=True, HF matches sentencepiece again."""
    text = "a<s>b</s>"
    assert hf(text, add_special_tokens=False)["input_ids"][1] == 1
    assert 1 not in sp.encode(text) and 2 not in sp.encode(text)
    assert hf(text, add_special_tokens=False, split_special_tokens=True)["input_ids"] == sp.encode(text)


def test_known_limitation_u2581(sp, hf):
    """A literal "▁" in the input comes back as a space (sentencepiece escapes spaces as "▁")."""
    assert sp.decode(sp.encode("a▁b")) == "a b"
    assert hf(("a▁b"), add_special_tokens=False)["input_ids"] == sp.encode("a▁b")


def test_hf_special_tokens_and_bos(hf):
    assert (hf.unk_token_id, hf.bos_token_id, hf.eos_token_id, hf.pad_token_id) == (0, 1, 2, 3)
    assert {"<|system|>", "<|user|>", "<|assistant|>", "<|end|>"} <= set(hf.all_special_tokens)
    assert "### 指示:" not in hf.all_special_tokens          # user-defined, but not special
    assert hf.decode(hf("<|user|>x<|end|>")["input_ids"], skip_special_tokens=True) == "x"
    assert hf("東京")["input_ids"][0] == 1 and hf("東京")["input_ids"][-1] != 2
    assert len(hf) % 64 == 0


def test_chat_template(hf, sp):
    msgs = [{"role": "system", "content": "あなたは親切です。"}, {"role": "user", "content": "こんにちは"},
            {"role": "assistant", "content": "はい、どうぞ。"}]
    text = hf.apply_chat_template(msgs, tokenize=False)
    assert text == ("<s><|system|>\nあなたは親切です。<|end|>\n<|user|>\nこんにちは<|end|>\n"
                    "<|assistant|>\nはい、どうぞ。<|end|></s>\n")
    out = hf.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert ids[:2] == [1, 4] and ids.count(2) == 1
    learned = [i for i, m in zip(ids, mask) if m]
    assert learned == sp.encode("はい、どうぞ。") + [7, 2]   # content + <|end|> + </s>
    prompt = hf.apply_chat_template(msgs[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|user|>\nこんにちは<|end|>\n<|assistant|>\n")
    with pytest.raises(Exception, match="unknown chat role"):
        hf.apply_chat_template([{"role": "tool", "content": "x"}], tokenize=False)


def test_report_has_every_section(built):
    cfg, run = built
    md = (run / "report.md").read_text(encoding="utf-8")
    for head in ("## Merge", "## EM re-estimation", "## Held-out text", "## UniDic thinning", "## Checks"):
        assert head in md
    rep = json.loads((run / "report.json").read_text())
    assert set(rep["heldout"]) == {lg.name for lg in cfg.languages}
    for name, m in rep["heldout"].items():
        for key in ("final", "final_no_em", "baseline"):
            r = m[key]
            assert r["chars"] > 0 and r["chars_per_token"] == pytest.approx(r["chars"] / r["tokens"])
            assert 0 <= r["byte_rate"] < 0.5 and r["unk_rate"] == 0.0
    th = rep["thinning"]
    assert th["lang"] == "ja" and th["rate"] == 0.5 and th["unidic"]["dropped"] > 0
    for key in ("thinned", "not_thinned", "final", "baseline"):
        assert th[key]["tokens"] > 0 and 0.0 <= th[key]["split_rate"] <= 1.0
    assert rep["hf_check"]["mismatches"] == 0 and rep["roundtrip"]["failures"] == 0
    nz = rep["normalization"]   # JSQuAD is raw Wikipedia text: NFKC changes some of it
    assert nz["rule"] == "nfkc" and 0 < nz["docs_changed"] <= nz["docs"] and nz["chars_changed"] > 0
    assert "normalisation `nfkc` changes" in md
    assert rep["baseline"]["vocab"] == rep["vocab"]["size"]
    assert all((run / "langs" / lg.name / "sp.model").exists() for lg in cfg.languages)


def test_export_command_takes_the_recipe_the_model_was_built_with(built, tmp_path):
    """``python -m jiniac_hpc.tokenizer.hf MODEL OUT --recipe R`` exports with R's special tokens and
    checks the ids; an unknown recipe is one line naming it, with the known ones."""
    import subprocess
    import sys

    model = built[1] / "tokenizer.model"
    cmd = [sys.executable, "-m", "jiniac_hpc.tokenizer.hf", str(model), str(tmp_path / "hf")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run(cmd + ["--recipe", SMALL], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert r.returncode == 0 and "mismatches: []" in r.stdout, r.stderr[-2000:]
    assert (tmp_path / "hf" / "tokenizer.json").is_file()
    r = subprocess.run(cmd + ["--recipe", "nosuch"], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        "no recipe 'nosuch' for stage 'tokenizer'; known recipes: ['debug', 'jiniac', 'tiny'] "
        "(or pass a path to a .yaml file)"]
