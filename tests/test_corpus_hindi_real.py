"""The Hindi source's cleanup on real Hindi text: XQuAD's Hindi Wikipedia paragraphs.

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/test_corpus_hindi_real.py -q

The XQuAD sample (tests/assets/corpus/real/xquad_hi_trimmed.json, see SOURCES.md) holds precomposed
nukta letters (U+0958-U+095F, which NFKC splits into letter + U+093C), a vulgar fraction
("8 ½ इंच", which NFKC writes 1⁄2), Latin ("मार्क II"), ZERO WIDTH SPACE and a BOM inside the
text; the Rigveda sample (1.1.1-3 with their udatta/anudatta accents) is the Sanskrit a Hindi text
quotes. The source is configured as jiniac-phase1's ``hindi`` source (its character allowlist).
"""
import json
import unicodedata
from pathlib import Path

import regex

from jiniac_hpc.config import from_dict, load_recipe, to_dict
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.filters import class_counts, clean, clean_counts
from jiniac_hpc.corpus.stage import run_inline

SAMPLE = Path(__file__).parent / "assets/corpus/real/xquad_hi_trimmed.json"
PHASE1 = load_recipe("corpus", CorpusConfig, "jiniac-phase1").source("hindi")


def contexts() -> list[str]:
    return [p["context"] for a in json.loads(SAMPLE.read_text(encoding="utf-8"))["data"] for p in a["paragraphs"]]


def test_a_fraction_does_not_become_another_number():
    # NFKC: "8 ½" -> "8 1⁄2"; the allowlist drops U+2044 (Sm), which left "8 12 इंच"
    [text] = [t for t in contexts() if "8 ½ इंच" in t]
    out = clean(text, PHASE1)
    assert "(4 फुट 8 1/2 इंच)" in out and "8 12" not in out


def test_each_cleanup_step_is_counted_on_its_own():
    total = {}
    for t in contexts():
        out, steps = clean_counts(t, PHASE1)
        assert sum(steps.values()) == len(t) - len(out)
        for k, v in steps.items():
            total[k] = total.get(k, 0) + v
    # counted independently: NFKC's change of length; the BOM and the two ZERO WIDTH SPACEs;
    # the Latin "II" with the space before it (the fraction slash became "/", nothing removed)
    nfkc_delta = sum(len(t) - len(unicodedata.normalize("NFKC", t)) for t in contexts())
    assert nfkc_delta < 0                      # NFKC lengthened the text (nukta letters, ½)
    assert total["nfkc"] == nfkc_delta
    assert total["control"] == sum(t.count("\u200b") + t.count("\ufeff") for t in contexts()) == 3
    allow = regex.compile(PHASE1.char_allowlist)
    dropped = [c for t in contexts() for c in unicodedata.normalize("NFKC", t)
               if not c.isspace() and not allow.match(c) and c not in "\u200b\ufeff\u2044"]
    assert len(dropped) == 2 and total["char_allowlist"] == len(" II")


def test_stage_report_names_every_removed_character(tmp_path):
    # the stage's net "cleanup" figure was -4 on this file: NFKC's longer nukta letters hid the
    # characters the allowlist and the control-character pass removed
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    src = dict(to_dict(PHASE1), name="hindi-xquad", reader="squad", paths=[str(SAMPLE)], dedup="none")
    data["sources"] = [src]
    run_inline(from_dict(CorpusConfig, data), tmp_path / "run")
    r = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["hindi-xquad"]
    removed = {k: v["chars"] for k, v in r["removed"].items()}
    assert removed["cleanup_control"] == 3 and removed["cleanup_char_allowlist"] == len(" II")
    assert removed["cleanup_nfkc"] < 0 and "cleanup" not in removed
    assert r["chars_in"] == r["chars_out"] + sum(removed.values())


def vedic_verses() -> list[str]:
    data = json.loads((SAMPLE.parent / "rigveda_samhita_1_1_1-3_trimmed.json").read_text(encoding="utf-8"))
    return [v["samh_dev_acc"] for v in data.values()]


def test_vedic_accents_of_a_sanskrit_quote_are_kept():
    # udatta U+0951 and anudatta U+0952 are Script=Inherited: '\p{Devanagari}' (Script) removed them
    for verse in vedic_verses():
        assert "\u0951" in verse and "\u0952" in verse
        assert clean(verse, PHASE1) == verse, verse


def test_vedic_accents_count_as_devanagari_for_the_language_filter():
    for verse in vedic_verses():
        c = class_counts(verse)
        assert c["hi"] == c["letter"], verse            # every letter and mark of the verse is Devanagari


def test_a_removed_english_word_leaves_no_double_space():
    # XQuAD's "Force": "है। GR में", "अतिरिक्त ct आयाम": the allowlist drops the Latin word; its
    # two spaces became a double space the source text never had
    data = json.loads((SAMPLE.parent / "xquad_hi_force_trimmed.json").read_text(encoding="utf-8"))
    for p in data["data"][0]["paragraphs"]:
        out = clean(p["context"], PHASE1)
        assert "  " not in out and ("GR" not in p["context"] or "है। में," in out), out


def test_a_removed_english_word_takes_its_punctuation_not_the_sentences():
    # XQuAD "टोयोटा कोरोना मार्क II, टोयोटा क्रेसिडा": the allowlist left "मार्क , टोयोटा" (the word's
    # space before the list's comma); "(Prime Minister)" and a URL left "()" and "://..//1"
    [text] = [t for t in contexts() if "मार्क II," in t]
    out = clean(text, PHASE1)
    assert "टोयोटा कोरोना मार्क, टोयोटा क्रेसिडा" in out and " ," not in out
    assert clean("प्रधानमंत्री (Prime Minister) ने कहा।", PHASE1) == "प्रधानमंत्री ने कहा।"
    assert clean("स्रोत https://www.example.in/news/1 देखें।", PHASE1) == "स्रोत देखें।"


def test_a_parallel_tsv_line_leaves_its_hindi_side():
    # one line of an English-Hindi parallel corpus (Samanantar / CCAligned style: URL, English, URL,
    # Hindi, tab-separated) read as text: the English side and the URLs had left "://..//1\t .\t"
    line = ("https://www.example.in/news/1\tThe Prime Minister inaugurated the building.\t"
            "https://www.example.in/hi/news/1\tप्रधानमंत्री ने आज जिला न्यायालय के नए भवन का उद्घाटन किया।")
    assert clean(line, PHASE1) == "प्रधानमंत्री ने आज जिला न्यायालय के नए भवन का उद्घाटन किया।"


def test_lines_before_the_first_english_word_are_kept_once():
    text = "\n".join(contexts()[:2]) + "\nप्रधानमंत्री (Prime Minister) ने कहा।"
    out = clean(text, PHASE1)
    assert out.count(clean(contexts()[0], PHASE1)[:40]) == 1 and out.endswith("प्रधानमंत्री ने कहा।")


def test_a_long_latin_token_glued_to_devanagari_costs_one_pass():
    # (a base64 blob or a URL run into Hindi: the word pattern had tried every split of the token)
    import time

    blob = "A" * 30000 + "क"
    t = time.process_time()
    out = clean(blob + " है। (Prime Minister) ने", PHASE1)
    assert out == "क है। ने" and time.process_time() - t < 1.0
