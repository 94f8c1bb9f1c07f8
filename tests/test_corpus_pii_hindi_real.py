"""PII removal on Hindi: real Hindi text stays as it is, Indian contact numbers and Aadhaar numbers go.

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/test_corpus_pii_hindi_real.py -q

The real text (tests/assets/corpus/real/, SOURCES.md): Leipzig news/web sentences (times, decimals,
years, Indian digit grouping), XQuAD's Hindi Wikipedia paragraphs, Swami Ramsukhdas's Gita
translation, the Hindi UDHR. None of them holds a phone number, an e-mail address or an Aadhaar
number; the contact details below are written into their sentences in the forms Indian text
uses (a 98765 43210 mobile, an STD-coded landline, Devanagari digits, UIDAI's published sample
Aadhaar number 4991 1866 5246), since no public corpus file found holds them without real people's.
"""
import json
import sys
from pathlib import Path

import pytest

from jiniac_hpc.config import from_dict, load_recipe, to_dict
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.pii import scrub_pii_counts, verhoeff_ok
from jiniac_hpc.corpus.stage import run_inline

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import lang_filter as samples  # noqa: E402

R = Path(__file__).parent / "assets" / "corpus" / "real"
NUMERIC = ["email", "ip", "card", "mynumber", "aadhaar", "phone", "address"]


def hindi_texts() -> list[str]:
    xquad = [p["context"] for a in json.loads((R / "xquad_hi_trimmed.json").read_text(encoding="utf-8"))["data"]
             for p in a["paragraphs"]]
    return (samples.lingua_documents("hi") + xquad + samples.gita_documents()["hi"] + samples.udhr_documents("hin"))


def test_real_hindi_text_is_left_as_it_is():
    # times (5:18 am), decimals (29.2), years, lakh grouping, Devanagari digits and danda stay
    texts = hindi_texts()
    assert any("5:18" in t for t in texts) and any("।।2.1।।" in t for t in texts)
    for t in texts:
        out, counts = scrub_pii_counts(t, NUMERIC)
        assert out == t and not counts, (t[:80], counts)


# (a real Leipzig/Gita sentence with a contact detail written into it, the expected output)
CONTACTS = [
    ("प्रदेश की 17 तहसीलों में नवीन कार्यालय भवनों का निर्माण किया जाएगा। संपर्क: 98765 43210",
     "प्रदेश की 17 तहसीलों में नवीन कार्यालय भवनों का निर्माण किया जाएगा। संपर्क: <PHONE>"),
    ("2009 में उन्होंने अपनी बेटी को लोकसभा में भेजा, मोबाइल 9876543210 पर बात हुई।",
     "2009 में उन्होंने अपनी बेटी को लोकसभा में भेजा, मोबाइल <PHONE> पर बात हुई।"),
    ("कार्यालय का दूरभाष 011-2345 6789 है और मो. 09876543210 है।",
     "कार्यालय का दूरभाष <PHONE> है और मो. <PHONE> है।"),
    ("फोन ९८७६५ ४३२१० पर, कार्यालय ०५२२-२२३७८७० पर।", "फोन <PHONE> पर, कार्यालय <PHONE> पर।"),
    ("आधार संख्या 4991 1866 5246 दर्ज करें।", "आधार संख्या <AADHAAR> दर्ज करें।"),
    ("आधार: 499118665246", "आधार: <AADHAAR>"),
    ("आधार ४९९१ १८६६ ५२४६ है", "आधार <AADHAAR> है"),
]


@pytest.mark.parametrize("text,expected", CONTACTS)
def test_indian_numbers_are_replaced(text, expected):
    # these had stayed: only '+91 ...' (the international form) was a phone number
    assert scrub_pii_counts(text, NUMERIC)[0] == expected


def test_numbers_that_are_no_contact_stay():
    for t in ["राशि 7500000000 रुपये है", "कुल 9876543210 लोग", "आधार संख्या 2345 6789 0123 (अमान्य)",
              "वर्ष 2021 में 1,23,456 लोग", "पिन कोड 110001 है", "दिनांक 12-05-2024 को"]:
        assert scrub_pii_counts(t, NUMERIC)[0] == t, t
    assert verhoeff_ok("2363") and verhoeff_ok("499118665246") and not verhoeff_ok("234567890123")


def test_stage_counts_each_type_on_a_hindi_source(tmp_path):
    docs = [t + " " + c for t, (c, _) in zip(samples.lingua_documents("hi"), CONTACTS)]
    p = tmp_path / "hi.jsonl"
    p.write_text("".join(json.dumps({"text": d}, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    src = load_recipe("corpus", CorpusConfig, "jiniac-phase1").source("hindi")
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    data["sources"] = [dict(to_dict(src), name="hi", paths=[str(p)], pii=["all"], dedup="none", filters=[])]
    run_inline(from_dict(CorpusConfig, data), tmp_path / "run")
    r = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["hi"]
    assert r["pii"] == {"phone": 6, "aadhaar": 3}, r["pii"]
    assert r["docs_out"] == len(docs) and r["pii_docs"] == len(docs)


def test_all_means_aadhaar_only_where_indian_numbers_occur():
    # Aadhaar's Verhoeff check digit passes one in ten 12-digit numbers: a Japanese source's
    # ['all'] leaves them to My Number's own check, a Hindi or English source replaces them
    from jiniac_hpc.corpus.config import SourceConfig

    kinds = {lang: SourceConfig(name="s", reader="jsonl", lang=lang, paths=["x"], pii=["all"]).pii
             for lang in ("ja", "hi", "en")}
    assert "aadhaar" not in kinds["ja"] and "mynumber" in kinds["ja"] and "person" in kinds["ja"]
    assert "aadhaar" in kinds["hi"] and "aadhaar" in kinds["en"]


def test_a_hindi_source_of_real_files_accounts_for_every_document(tmp_path):
    # the Gita's Hindi translations as their JSON array, XQuAD's Hindi paragraphs, Leipzig's Marathi
    # lines (a Hindi crawl's neighbour), each line a document: kept, or removed under a named reason
    src = load_recipe("corpus", CorpusConfig, "jiniac-phase1").source("hindi")
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    base = dict(to_dict(src), pii=["all"], filters=["length", "lang"])
    data["sources"] = [
        dict(base, name="gita", reader="jsonl", text_field="description",
             paths=[str(R / "gita_translation_hindi_ramsukhdas_2_1-30_trimmed.json")]),
        dict(base, name="xquad", reader="squad", paths=[str(R / "xquad_hi_trimmed.json")]),
        dict(base, name="leipzig", reader="text", doc_sep="line", paths=[str(R / "lingua_sentences_mr_trimmed.txt")]),
    ]
    data["filters"] = dict(data.get("filters", {}), min_chars=20)
    run_inline(from_dict(CorpusConfig, data), tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]
    for name, r in stats.items():
        assert not r["bad_input"], (name, r["bad_input"])
        assert r["docs_in"] == r["docs_out"] + sum(v["docs"] for v in r["removed"].values()), name
        assert r["chars_in"] == r["chars_out"] + sum(v["chars"] for v in r["removed"].values()), name
    assert stats["gita"]["docs_in"] == 30 and stats["gita"]["docs_out"] == 30
    assert stats["leipzig"]["docs_in"] == 60 and stats["leipzig"]["lang_found"]["mr"] >= 45
    assert stats["xquad"]["docs_out"] == stats["xquad"]["docs_in"]
