"""Readers (every format, on the fixtures in tests/assets/corpus/), cleaning and filters.

    .venv/bin/python -m pytest tests/test_corpus_readers.py -q
"""
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import FilterConfig, SourceConfig
from jiniac_hpc.corpus.filters import clean, reject_reason
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.jsondoc import TooLarge, iter_json_array, iter_json_list
from jiniac_hpc.paths import REPO_ROOT, jglue_dir

A = REPO_ROOT / "tests" / "assets" / "corpus"


def recs(reader, path, limit=1_000_000, **kw):
    src = SourceConfig(name="t", reader=reader, paths=[str(path)], **kw)
    return list(read(Path(path), src, limit))


@pytest.mark.parametrize("name", ["web.jsonl", "web2.jsonl.gz", "web3.jsonl.zst"])
def test_jsonl_plain_gz_zst(name):
    rs = recs("jsonl", A / name)
    expected = [json.loads(x)["text"] for x in _decompressed(A / name).splitlines()
                if len(x.encode()) < 1_000_000]
    good = [r.text for r in rs if r.text is not None]
    assert good == expected and len(good) >= 2
    assert [r.pos for r in rs] == list(range(1, len(rs) + 1))


def _decompressed(p: Path) -> str:
    import gzip

    import zstandard

    data = p.read_bytes()
    if p.suffix == ".gz":
        data = gzip.decompress(data)
    elif p.suffix == ".zst":
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data.decode()


def test_jsonl_bad_lines_reported_rest_processed():
    rs = recs("jsonl", A / "broken.jsonl")
    by = {r.pos: r for r in rs}
    assert by[1].text.startswith("当社の所在地は")
    assert "broken JSON" in by[2].error
    assert "at at" not in by[2].error and "column 24" in by[2].error, by[2].error   # json's msg ends in "at"
    assert "invalid UTF-8" in by[3].error
    assert "no field 'text'" in by[4].error
    assert "not a string" in by[5].error
    assert by[6].text == ""                      # empty: read fine, rejected later by the filters
    assert by[7].text.startswith("この行は正しく")  # after the broken lines


def test_huge_record_skipped_without_decoding():
    rs = recs("jsonl", A / "web3.jsonl.zst", limit=100_000)
    assert [r.error is None for r in rs] == [True, False, True]
    assert "exceeds max_record_bytes=100000" in rs[1].error and rs[1].nbytes > 1_000_000
    assert rs[2].text.startswith("お問い合わせは")


def test_parquet_and_hf_disk():
    rs = recs("parquet", A / "web.parquet", text_field="content")
    assert len(rs) == 2 and rs[0].text.startswith("市民マラソン")
    (bad,) = recs("parquet", A / "web.parquet")    # a wrong text_field is bad input naming the columns
    assert bad.text is None and "no column 'text'" in bad.error and "content" in bad.error
    arrow = next((A / "hf_english").glob("*.arrow"))
    rs = recs("hf_disk", arrow)
    assert [r.text.split()[0] for r in rs] == ["The", "Local"]


def test_aozora_shift_jis_ruby_notes_header_footer():
    (r,) = recs("aozora", A / "aozora_sjis.txt")
    t = r.text
    assert t.startswith("一\n") and "吾輩は猫である。名前はまだ無い。" in t
    for gone in ("《", "》", "｜", "［＃", "※", "底本", "夏目漱石", "テキスト中に現れる記号", "-----"):
        assert gone not in t, gone
    assert "一番獰悪な種族" in t and "掌の裏で" in t


def test_diet_drops_header_and_chair():
    rs = recs("diet", A / "diet_speech.json")
    assert [r.skip for r in rs] == ["procedural", "procedural", None, None]
    assert rs[2].text.startswith("おはようございます。") and not rs[2].text.startswith("○")
    assert rs[3].text.startswith("お答えいたします。")


def test_egov_law_keeps_article_structure():
    (r,) = recs("egov_xml", A / "egov_law.xml")
    lines = r.text.split("\n")
    assert lines[:5] == ["試験用図書館振興法", "令和六年法律第九百九十九号", "第一章　総則", "（目的）", lines[4]]
    assert lines[4].startswith("第一条\u3000この法律は、地域における")
    assert "一\u3000地方公共団体が設置する図書館" in lines
    assert any(x.startswith("２\u3000前項の規定にかかわらず") for x in lines)
    assert lines[-2:] == ["附則", "この法律は、令和七年四月一日から施行する。"]


def test_egov_schema_corners_no_real_sample_shows(tmp_path):
    """Schema-valid shapes a sweep of 13 real laws never met: text after a leading <Line>/<Sup>
    in a table cell or an EnactStatement, and a new table of contents inside an amendment (the
    amending text itself, unlike the law's own TOC, which repeats its titles)."""
    law = ("<Law Era='Reiwa' Year='6' Num='1' LawType='Act' Lang='ja'><LawNum>令和六年法律第一号</LawNum><LawBody>"
           "<LawTitle>試験法</LawTitle><TOC><TOCLabel>目次</TOCLabel></TOC>"
           "<EnactStatement><Sup>注</Sup>この法律を公布する。</EnactStatement>"
           "<MainProvision><Paragraph Num='1'><ParagraphNum/><ParagraphSentence><Sentence>本則。</Sentence>"
           "</ParagraphSentence></Paragraph></MainProvision>"
           "<SupplProvision><AmendProvision><AmendProvisionSentence><Sentence>目次を次のように改める。</Sentence>"
           "</AmendProvisionSentence><NewProvision><TOC><TOCChapter Num='1'><ChapterTitle>第一章　総則</ChapterTitle>"
           "<ArticleRange>（第一条）</ArticleRange></TOCChapter></TOC></NewProvision></AmendProvision>"
           "<TableStruct><Table><TableRow><TableColumn><Line>傍線</Line>の後の文字</TableColumn>"
           "<TableColumn><Ruby>漢<Rt>かん</Rt></Ruby><Sub>2</Sub></TableColumn></TableRow></Table></TableStruct>"
           "</SupplProvision></LawBody></Law>")
    f = tmp_path / "law.xml"
    f.write_text(law, encoding="utf-8")
    (r,) = recs("egov_xml", f)
    lines = r.text.split("\n")
    assert "注この法律を公布する。" in lines
    assert lines[-4:] == ["目次を次のように改める。", "第一章\u3000総則", "（第一条）", "傍線の後の文字\u3000漢2"]
    assert r.unread == {"toc": 2, "ruby": 2}          # the law's own 目次 label, the reading かん


# The QuoteStruct of 電波法 附則第十六項 (two items, the second with イ/ロ subitems), e-Gov markup as
# a detectVariableReferences test of yamachig/Lawtext embeds it in its law text;
# the law around it is written here.
DENPA_QUOTE = (
    "<QuoteStruct><Item Num=\"12_4\"><ItemTitle>十二の四</ItemTitle><ItemSentence><Sentence>大規模な自然災害が発生した場合"
    "においても、地上基幹放送又は移動受信用地上基幹放送の業務に用いられる電気通信設備の損壊又は故障により当該業務に著しい支障を"
    "及ぼさないようにするために行われる当該電気通信設備（当該電気通信設備と一体として設置される総務省令で定める附属設備並びに"
    "当該電気通信設備及び当該附属設備を設置するために必要な工作物を含む。）の整備（放送法第百十一条第一項の総務省令で定める技術"
    "基準又は同法第百二十一条第一項の総務省令で定める技術基準に適合させるために行われるものを除く。）のための補助金の交付"
    "</Sentence></ItemSentence></Item><Item Num=\"12_5\"><ItemTitle>十二の五</ItemTitle><ItemSentence><Sentence>電波法及び"
    "電気通信事業法の一部を改正する法律（平成二十九年法律第二十七号）附則第一条第一号に掲げる規定の施行の日の前日（以下この号に"
    "おいて「基準日」という。）において設置されているイに掲げる衛星基幹放送（放送法第二条第十三号の衛星基幹放送をいう。以下この"
    "号において同じ。）の受信を目的とする受信設備（基準日において第三章に定める技術基準に適合していないものを除き、増幅器及び配線"
    "並びに分配器、接続子その他の配線のために必要な器具に限る。）であつて、ロに掲げる衛星基幹放送の電波を受けるための空中線を接続"
    "した場合に当該技術基準に適合しないこととなるものについて、当該技術基準に適合させるために行われる改修のための補助金の交付"
    "その他の必要な援助</Sentence></ItemSentence><Subitem1 Num=\"1\"><Subitem1Title>イ</Subitem1Title><Subitem1Sentence>"
    "<Sentence>基準日において行われている衛星基幹放送であつて、基準日の翌日以後引き続き行われるもの（実験等無線局を用いて行われる"
    "ものを除く。）</Sentence></Subitem1Sentence></Subitem1><Subitem1 Num=\"2\"><Subitem1Title>ロ</Subitem1Title>"
    "<Subitem1Sentence><Sentence>基準日の翌日以後にイに掲げる衛星基幹放送と同時に行われる衛星基幹放送であつて、イに掲げる衛星"
    "基幹放送に使用される電波と周波数が同一で、かつ、電界の回転の方向が反対である電波を使用して行われるもの</Sentence>"
    "</Subitem1Sentence></Subitem1></Item></QuoteStruct>")


def test_egov_quoted_items_keep_their_titles_apart(tmp_path):
    law = ("<Law Era='Showa' Year='25' Num='131' LawType='Act' Lang='ja'><LawNum>昭和二十五年法律第百三十一号</LawNum>"
           "<LawBody><LawTitle>電波法</LawTitle><MainProvision><Paragraph Num='1'><ParagraphNum/><ParagraphSentence>"
           "<Sentence>本則。</Sentence></ParagraphSentence></Paragraph></MainProvision><SupplProvision Extract='true'>"
           "<Paragraph Num='16'><ParagraphNum>１６</ParagraphNum><ParagraphSentence><Sentence>同項中「補助金の交付」"
           f"とあるのは、「{DENPA_QUOTE}」とする。</Sentence></ParagraphSentence></Paragraph></SupplProvision></LawBody></Law>")
    f = tmp_path / "denpa.xml"
    f.write_text(law, encoding="utf-8")
    (r,) = recs("egov_xml", f)
    line = r.text.split("\n")[-1]
    assert line.startswith("１６\u3000同項中「補助金の交付」とあるのは、「十二の四\u3000大規模な自然災害")
    assert "のための補助金の交付\u3000十二の五\u3000電波法及び" in line
    assert "必要な援助\u3000イ\u3000基準日において" in line and "除く。）\u3000ロ\u3000基準日の翌日" in line
    assert line.endswith("反対である電波を使用して行われるもの」とする。")
    quoted = "".join(ET.fromstring(DENPA_QUOTE).itertext())
    assert line.replace("\u3000", "").count(quoted) == 1            # every character, in order


def test_squad_jsquad_contexts():
    rs = recs("squad", jglue_dir() / "jsquad-v1.3-valid.json")
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text())
    n = sum(len(a["paragraphs"]) for a in data["data"])
    assert len(rs) == n > 1000 and all(r.error is None for r in rs)
    assert rs[0].text.startswith("梅雨\n梅雨")


def test_text_reader_blank_line_blocks():
    rs = recs("text", A / "english.txt", lang="en")
    assert len(rs) == 4 and rs[2].text.startswith("For questions")


def test_json_array_stream_one_element_at_a_time():
    doc = json.dumps({"a": {"x": [1, 2]}, "items": [{"k": i, "s": "あ" * 50} for i in range(100)], "z": 1})
    fh = io.StringIO(doc)
    got = [obj["k"] for _, obj in iter_json_array(fh, ("items",), limit=10_000)]
    assert got == list(range(100))
    # an element over the limit is reported (TooLarge) and the stream goes on
    big = json.dumps({"items": [{"k": 0}, {"k": 1, "s": "x" * 5000}, {"k": 2}]})
    got = [obj for _, obj in iter_json_array(io.StringIO(big), ("items",), limit=1000)]
    assert got[0] == {"k": 0} and isinstance(got[1], TooLarge) and got[1] > 5000 and got[2] == {"k": 2}
    # one larger than the buffer is skipped without decoding (brackets and escaped quotes in its strings
    # do not end it early), and measured in UTF-8 bytes as the file has them (it had ended the file)
    huge = {"k": 1, "s": "あ]}\\\"x{[" * 30_000, "n": [[{"t": "\\"}]] * 1000}
    text = json.dumps({"items": [{"k": 0}, huge, {"k": 2}], "z": 3}, ensure_ascii=False)
    others: dict = {}
    got = [obj for _, obj in iter_json_array(io.StringIO(text), ("items",), 100_000, others)]
    assert got[0] == {"k": 0} and got[2] == {"k": 2} and others == {"z": 3} and isinstance(got[1], TooLarge)
    assert got[1] == len(json.dumps(huge, ensure_ascii=False).encode())
    assert [x for x in iter_json_list(io.StringIO(json.dumps([huge, 7])), 100_000)][1] == 7
    # one that cannot be decoded within the limit (unterminated) ends the stream with an error
    with pytest.raises(ValueError, match="larger than max_record_bytes"):
        list(iter_json_array(io.StringIO('{"items": [{"s": "' + "x" * 200_000), ("items",), limit=1000))


# --- cleaning and filters ----------------------------------------------------------------------

def src(**kw):
    return SourceConfig(name="t", reader="text", paths=["x"], **kw)


def test_clean_nfkc_controls_allowlist():
    assert clean("ＡＢＣ１２３\x00\x07テスト\u200b", src()) == "ABC123テスト"
    assert clean("ＡＢＣ", src(normalize="none")) == "ＡＢＣ"
    hi = src(lang="hi", char_allowlist=r"[\p{Devanagari}\p{P}\p{Nd}\u200c\u200d]")
    # (a removed word between spaces goes with one of them: no double space is left)
    assert clean("नमस्ते ☺ दुनिया abc ✦।", hi) == "नमस्ते दुनिया ।"


@pytest.mark.parametrize("text,lang,reason", [
    ("日本語の文章です。" * 10, "ja", None),
    ("短い。", "ja", "too_short"),
    ("这是一段中文文本，用于测试语言过滤器是否能够正确识别并排除非日语的内容。", "ja", "ja_ratio"),
    ("This is an English sentence that is long enough to pass the length filter.", "ja", "lang"),
    ("This is an English sentence that is long enough to pass the length filter.", "en", None),
    ("यह हिंदी का एक लंबा वाक्य है जो लंबाई की जाँच को पार करने के लिए पर्याप्त है।", "hi", None),
    ("यह हिंदी का एक लंबा वाक्य है जो लंबाई की जाँच को पार करने के लिए पर्याप्त है।", "en", "lang"),
    ("お得な情報はこちら！★★★★★★★★★★★★★★★★★★★★ 今すぐクリック ■■■■■■■■■■■■", "ja", "symbols"),
    ("ログインしてください\n" * 5 + "トップページへ戻る", "ja", "repeated_lines"),
    ("", "ja", "empty"),
])
def test_filters(text, lang, reason):
    assert reject_reason(text, lang, ["length", "lang", "ja_ratio", "symbols", "repeated_lines"],
                         FilterConfig(min_chars=20)) == reason


def test_thresholds_are_config():
    t = "短いが十分。"
    assert reject_reason(t, "ja", ["length"], FilterConfig(min_chars=20)) == "too_short"
    assert reject_reason(t, "ja", ["length"], FilterConfig(min_chars=5)) is None
    s = src(thresholds={"min_chars": 5})
    assert s.filter_config(FilterConfig(min_chars=20)).min_chars == 5
    with pytest.raises(ValueError, match="thresholds: unknown threshold"):
        src(thresholds={"min_char": 5})


def test_markup_is_not_plain_text(tmp_path):
    """An HTML page given to the text reader is a bad-input record, not tags in the corpus; the
    gutenberg reader reads PG's HTML edition as a page (tests/test_corpus_gutenberg_html.py)."""
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><title>The Project Gutenberg eBook of X</title></head><body>\n"
            "<section id=\"pg-header\"><div>*** START OF THE PROJECT GUTENBERG EBOOK X ***</div></section>\n"
            "<p>It was a <i>dark</i> night.</p></body></html>\n")
    for name, data in (("pg.html", page.encode()), ("law.xml", "\ufeff<?xml version='1.0'?><Law/>".encode())):
        f = tmp_path / name
        f.write_bytes(data)
        (t,) = recs("text", f)
        assert t.text is None and "XML/HTML document" in t.error, name
    (g,) = recs("gutenberg", tmp_path / "pg.html")
    assert g.text == "It was a dark night." and g.meta["edition"] == "html"
    plain = tmp_path / "note.txt"
    plain.write_text("<3 is a heart, and <html> is a tag name.\n")
    assert [r.text for r in recs("text", plain)] == ["<3 is a heart, and <html> is a tag name."]


def test_the_readers_command_line_prints_records_and_says_what_is_wrong(capsys):
    """``python -m jiniac_hpc.corpus.readers READER FILE``: a record a line; no arguments or an unknown
    reader is a usage error naming it (they had been IndexError and ValueError tracebacks)."""
    import pytest

    from jiniac_hpc.corpus.readers.__main__ import main
    from jiniac_hpc.paths import REPO_ROOT

    f = REPO_ROOT / "tests" / "assets" / "corpus" / "real" / "aozora_1077_ruby.txt"
    assert main(["aozora", str(f)]) == 0
    assert capsys.readouterr().out.startswith(f"{f}:1 '")
    for argv, said in (([], "the following arguments are required: reader, file"), (["aozra", str(f)], "'aozra'")):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2 and said in capsys.readouterr().err
