"""Aozora reader on real Aozora Bunko files (Shift_JIS, tests/assets/corpus/real/, see SOURCES.md).

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_aozora.py
"""
import json
import re
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz.distance import LCSseq

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.aozora import ACCENTS, aozora_clean, gaiji_char, jis_x0213
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
WORKS = sorted(R.glob("aozora_*.txt"))


def recs(path, **kw):
    src = SourceConfig(name="t", reader="aozora", paths=[str(path)], **kw)
    return list(read(Path(path), src, 8_000_000))


def independent_body(raw: bytes) -> str:
    """A deliberately simple extraction: header up to the second rule (else the first blank line),
    footer from the first 底本/入力/［＃本文終わり］ line, notes removed innermost first, ruby removed."""
    lines = raw.decode("cp932").splitlines()
    rules = [i for i, x in enumerate(lines) if x.startswith("-----")]
    start = rules[1] + 1 if len(rules) >= 2 else lines.index("") + 1
    end = next(i for i in range(start, len(lines))
               if re.match(r"(翻訳の)?底本：|入力：|［＃本文終わり］", lines[i]))
    body = "\n".join(lines[start:end])
    while True:
        shorter = re.sub(r"※?［＃[^［］]*］", "", body)
        if shorter == body:
            break
        body = shorter
    return re.sub(r"《[^》]*》", "", body).replace("｜", "").replace("〔", "").replace("〕", "")


def bare(s: str) -> str:
    """No whitespace, accents taken off letters (the independent side keeps e' for é)."""
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return re.sub(r"\s", "", s)


@pytest.mark.parametrize("path", WORKS, ids=lambda p: p.stem)
def test_real_work_loses_nothing_and_leaks_no_markup(path):
    rs = recs(path)
    assert len(rs) == 1 and rs[0].error is None          # one work per file
    text, raw = rs[0].text, path.read_bytes()
    ref = bare(independent_body(raw))
    kept = LCSseq.similarity(ref, bare(text)) / len(ref)
    assert kept >= 0.995, f"{path.name}: only {kept:.4f} of the text kept"
    for leak in ("《", "》", "［＃", "｜", "底本", "入力：", "校正：", "青空文庫", "テキスト中に現れる記号", "-----"):
        assert leak not in text, leak
    # ruby readings are gone (those that occur nowhere else in the text)
    body_src = raw.decode("cp932")
    for reading in set(re.findall(r"《([^》]{3,})》", body_src)):
        if reading not in ref:
            assert reading not in text, reading
    # the accounting adds up: source characters == emitted + unread (newlines aside)
    n_src = sum(len(x) for x in body_src.splitlines())
    u = rs[0].unread
    assert n_src == len(text.replace("\n", "")) + u.get("markup", 0) + u.get("ruby", 0) + u["boilerplate"]
    assert rs[0].nbytes == len(raw)                        # raw bytes, not characters


def test_gaiji_become_characters():
    (r,) = recs(R / "aozora_52944_txt_42720.txt")
    # 第3水準1-87-25, 第4水準2-1-77, 第4水準2-92-38, U+98C0 (the note also names a page: 75-下-16)
    assert r.text.startswith("濹上子晩酌シテ酔ヘリ。") and "壮丁有リ傖父有リ" in r.text
    assert "颼然飀然" in r.text and "叱咜ノ声" in r.text and "〓" not in r.text
    (r,) = recs(R / "aozora_52938_txt_61446.txt")
    assert "語毗沙門天王曰、拘鞸羅（クベラ）" in r.text          # 返り点/訓点 notes dropped, gaiji kept


def test_nested_notes_and_placeholder():
    (r,) = recs(R / "aozora_49810_ruby_43431.txt")
    # ［＃注記付き］「※［＃…、236-20］［＃「（まゝ）」の注記付き終わり］: the gaiji note gives a page, no code
    assert "新篇会津風土記に、「〓五郎三郎入道・同舎弟孫四郎・同七郎（鎌田孫太郎入道従父兄弟）は名誉の悪党なり」" in r.text
    assert r.unread["placeholder"] == r.text.count("〓") == 1
    line = "又｜兼而《（かねて）》高名なる幕府人物［＃注記付き］勝安房守［＃「本ト麟太郎※［＃コト、1-2-24］」の注記付き終わり］も"
    assert aozora_clean(line) == "又兼而高名なる幕府人物勝安房守も"
    assert aozora_clean("早※［＃二の字点、1-2-22］《はやばや》下の関") == "早〻下の関"   # ruby on a gaiji goes
    assert aozora_clean("本文［＃「本文《ほんぶん》」に傍点］続き") == "本文続き"          # ruby inside a note
    assert aozora_clean("字《じ※［＃「てへん＋劣」、第3水準1-84-77］》と") == "字と"        # a note inside ruby
    assert aozora_clean("閉じない［＃注記") == "閉じない注記"                              # no ］: opener dropped


def test_accent_decomposition():
    (r,) = recs(R / "aozora_112_ruby_3165.txt")
    assert "繁雑な日本の étiquette も" in r.text and "étranger の感があった" in r.text
    assert aozora_clean("〔Cafe'《カフエ》 Minerva《ミネルワ》〕") == "Café Minerva"
    assert aozora_clean("〔本全集第一巻所収〕") == "〔本全集第一巻所収〕"      # an ordinary bracket stays
    assert aozora_clean("〔Le Coe&ur〕〔Gra^ces a^〕") == "Le CœurGrâces â"
    assert aozora_clean("なみ／＼の旅、しみ／″＼と") == "なみ〳〵の旅、しみ〴〵と"       # くの字点


def test_accent_table_matches_aozoras():
    """Every letter + mark of Aozora's table (recorded with its JIS X 0213 code) gives that letter."""
    ref = json.loads((R / "aozora_accent_table.json").read_text())
    assert len(ref) == len(ACCENTS) == 72
    for key, code in ref.items():
        assert ACCENTS[key] == jis_x0213(*map(int, code.split("-"))), key


# JIS X 0213 plane-row-cell -> Unicode as recorded in a published table (see SOURCES.md)
JIS_REF = {"1-02-22": "\u303b", "1-02-24": "\u30ff", "1-04-87": "\u304b\u309a", "1-06-57": "\u03c2",
           "1-09-63": "\u00e9", "1-13-22": "\u2161", "1-14-88": "\u549c", "1-84-77": "\u6318",
           "1-86-44": "\u6bd7", "1-87-25": "\u6ff9", "2-01-77": "\u5096", "2-15-94": "\u6b81",
           "2-92-38": "\u98bc", "2-94-86": "\U0002a6b2"}


def test_jis_x0213_codes():
    for code, ch in JIS_REF.items():
        assert jis_x0213(*map(int, code.split("-"))) == ch, code
    assert gaiji_char("「歹＋殳」、第4水準2-15-94") == "殁"
    assert gaiji_char("「義」の「我」に代えて「咨－口」、U+7FA1、6-1-14") == "\u7fa1"
    assert gaiji_char("「口＋世」、135-7") is None and gaiji_char("「1-2-3」の誤り、135-7") is None
    assert jis_x0213(1, 95, 1) is None and jis_x0213(3, 1, 1) is None


def test_bad_input_becomes_reject(tmp_path):
    pdf = tmp_path / "ruling.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x80\x81 first line\r\n" + "本文".encode("cp932"))   # undecodable first line
    nofoot = tmp_path / "plain.txt"
    nofoot.write_bytes("題名\n作者\n\n本文だけで底本の記載がない。\n".encode("cp932"))
    out = {p.name: recs(p, encoding="cp932") for p in (pdf, bad, nofoot)}
    assert all(len(rs) == 1 and rs[0].text is None for rs in out.values())   # read = kept + rejected
    assert "a PDF file" in out["ruling.pdf"][0].error
    assert "undecodable text (cp932) at line 1" in out["bad.txt"][0].error
    assert "no Aozora footer" in out["plain.txt"][0].error
