"""Aozora reader on real Aozora Bunko files (Shift_JIS, tests/assets/corpus/real/, see SOURCES.md).

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_aozora.py
"""
import json
import re
import unicodedata
from collections import Counter
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


# Where the work starts and its footer begins, read by eye from files whose header or footer is
# not the common form (title/author, the 記号 block between two rules; footer from 底本：).
ANCHORS = {"aozora_652_ruby.txt": ("漂泊詩集", "底本："),              # a separator rule under the title
           "aozora_395_ruby.txt": ("　海", "=========="),             # ［収録作品］［表記について］; footer glued to a rule
           "aozora_906_ruby.txt": ("　私達を養っていてくれた", "・河出書房新社"),   # author apart; credits-only footer
           "aozora_764_ruby.txt": ("　　上", "底本："),                # short rules
           "aozora_455_ruby_1471.txt": ("　ハックニー馬", "底本："),    # ［表記について］ closed by a rule
           "aozora_1328_ruby.txt": ("【やきものの歴史】", "底本："),
           "aozora_24456_ruby_11349_teihon_shoshutsu.txt": ("誰も知つた", "底本・初出："),  # the footer's rarer heads
           "aozora_43035_ruby_16997_teihon.txt": ("　青みどろ", "定本："),
           "aozora_kantou_syogo_sagyou_rireki.txt": ('"Not till', "作業履歴："),
           "aozora_1871_ruby_17551_teihon_no_colon.txt": ("［＃ページの左右中央］", "底本「")}


# Notes whose brackets an inputter's slip left unbalanced, put right by eye for the simple extraction.
SLIPS = {"aozora_1556_ruby_trimmed.txt": [("、7-5」然", "、7-5］然"), ("、44-2」計", "、44-2］計")],
         "aozora_1754_ruby.txt": [("に傍点」山", "に傍点］山")],
         "aozora_662_ruby_trimmed.txt": [("［＃［愛」", "［＃「愛」")],
         # not a slip: a ］ quoted alone in a note, which a simple [^］]* cannot see past
         "aozora_58142_ruby_62063_quoted_bracket_trimmed.txt": [("底本では「］」］", "底本では「」］")]}


def decode(raw: bytes) -> str:
    """cp932, and a line it cannot read as Shift_JIS-2004 (JIS X 0213, which Aozora's notes cite)."""
    out = []
    for line in raw.split(b"\n"):
        try:
            out.append(line.decode("cp932"))
        except UnicodeDecodeError:
            out.append(line.decode("shift_jis_2004"))
    return "\n".join(out)


def independent_body(raw: bytes, name: str = "") -> str:
    """A deliberately simple extraction: header up to the second rule (else the first blank line),
    footer from the first 底本/入力/［＃本文終わり］ line (or the ANCHORS read by eye), rules of
    dashes dropped, notes removed innermost first, ruby removed, くの字点 ／＼ written 〳〵."""
    text = decode(raw)
    for slip, fix in SLIPS.get(name, []):
        text = text.replace(slip, fix)
    lines = text.splitlines()
    if name in ANCHORS:
        first, foot = ANCHORS[name]
        start = next(i for i, x in enumerate(lines) if x.startswith(first))
        end = next(i for i in range(start, len(lines)) if lines[i].startswith(foot))
    else:
        rules = [i for i, x in enumerate(lines) if x.startswith("-----")]
        start = rules[1] + 1 if len(rules) >= 2 else lines.index("") + 1
        end = next(i for i in range(start, len(lines))
                   if re.match(r"(翻訳の)?底本：|入力：|［＃本文終わり］", lines[i]))
    body = "\n".join(x for x in lines[start:end] if not re.fullmatch(r"-{8,}|={8,}", x.strip()))
    while True:
        shorter = re.sub(r"※?(?:［＃[^［］]*］|【＃[^【】]*】)", "", body)     # (【＃…】: 1755_ruby.txt's notes)
        if shorter == body:
            break
        body = shorter
    body = body.replace("／″＼", "〴〵").replace("／＼", "〳〵")     # くの字点, voiced and not
    return re.sub(r"《[^》]*》", "", body).replace("｜", "").replace("〔", "").replace("〕", "")


def bare(s: str) -> str:
    """No whitespace, accents taken off letters and no ASCII accent marks (the independent side
    keeps e' for é)."""
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return re.sub(r"[\s'`^~:&_,]", "", s)


@pytest.mark.parametrize("path", WORKS, ids=lambda p: p.stem)
def test_real_work_loses_nothing_and_leaks_no_markup(path):
    rs = recs(path)
    assert len(rs) == 1 and rs[0].error is None          # one work per file
    text, raw = rs[0].text, path.read_bytes()
    ref = bare(independent_body(raw, path.name))
    kept = LCSseq.similarity(ref, bare(text)) / len(ref)
    assert kept >= 0.995, f"{path.name}: only {kept:.4f} of the text kept"
    plain = re.sub(r"\s", "", independent_body(raw, path.name))       # kana with their sound marks
    for leak in ("《", "》", "［＃", "｜", "底本", "入力：", "校正：", "青空文庫", "テキスト中に現れる記号", "-----"):
        assert leak not in text or leak in plain, leak   # in plain: the source's own (「［＊底本は…］」, a typo)
    # ruby readings are gone (those that occur nowhere else in the text)
    body_src = decode(raw)
    for reading in set(re.findall(r"《([^》]{3,})》", body_src)):
        if reading not in plain:
            assert reading not in text, reading
    # the accounting adds up: source characters == emitted + unread (newlines aside)
    n_src = len(body_src.replace("\r", "").replace("\n", ""))     # a form feed is a character too
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
    # (the 〓 is text: it is flagged in meta, not counted unread)
    assert r.meta["placeholders"] == r.text.count("〓") == 1 and "placeholder" not in r.unread
    line = "又｜兼而《（かねて）》高名なる幕府人物［＃注記付き］勝安房守［＃「本ト麟太郎※［＃コト、1-2-24］」の注記付き終わり］も"
    assert aozora_clean(line) == "又兼而高名なる幕府人物勝安房守も"
    assert aozora_clean("早※［＃二の字点、1-2-22］《はやばや》下の関") == "早〻下の関"   # ruby on a gaiji goes
    assert aozora_clean("本文［＃「本文《ほんぶん》」に傍点］続き") == "本文続き"          # ruby inside a note
    assert aozora_clean("字《じ※［＃「てへん＋劣」、第3水準1-84-77］》と") == "字と"        # a note inside ruby
    assert aozora_clean("閉じない［＃注記") == "閉じない注記"                              # no ］: opener dropped
    # a 割り注's two halves kept apart (a real line; ［＃改行］ is in 43 works of aozorabunko_text)
    unread = Counter()
    assert aozora_clean("（［＃割り注］皇紀九四五［＃改行］西暦二八五［＃割り注終わり］）", unread) == \
        "（皇紀九四五\u3000西暦二八五）"
    assert unread["markup"] == len("［＃割り注］［＃改行］［＃割り注終わり］") - 1
    # Gaiji notes whose ＃ the inputter left out, as they stand in real files of aozorabunko_text:
    # 371_ruby.txt (森鴎外), 46158_ruby_47185.txt, 1704_ruby_6918.txt. A code is read as with ＃, a
    # note with only the base text's page becomes 〓; a ［ after ※ that is no such note stays text.
    line = "　予は座について一通り久※［「※」は「さんずい＋闊」、第4水準2-79-45、73-12］《きゅうかつ》の挨拶をするつもり"
    assert aozora_clean(line) == "　予は座について一通り久" + jis_x0213(2, 79, 45) + "の挨拶をするつもり"
    assert aozora_clean("「この畜生！　畜生！　畜生※［感嘆符二つ、1-8-75］」") == "「この畜生！　畜生！　畜生‼」"
    unread = Counter()
    line = "入口は西にあって、墓は※［横線に長い縦線四本の記号、上巻-241-12］形に並んで居る。"
    assert aozora_clean(line, unread) == "入口は西にあって、墓は〓形に並んで居る。" and unread["placeholder"] == 1
    assert aozora_clean("※［注意］を見よ") == "※［注意］を見よ"


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


def test_headers_and_footers_of_other_forms():
    """Files whose header or footer is not the common form (found by a sweep of every file of
    aozorahack/aozorabunko_text): each work starts and ends where it does."""
    poems = recs(R / "aozora_652_ruby.txt")[0].text   # a rule under the title is a separator, not a block
    assert poems.startswith("漂泊詩集\n\n\n月は地上を見てゐる") and poems.endswith("それは訓練された主観だらう。")
    prose = recs(R / "aozora_395_ruby.txt")[0].text   # ［収録作品］, ［表記について］, ====…底本：
    assert prose.startswith("　海\n") and prose.endswith("（『いのち』1937年10月号）")
    assert "収録作品" not in prose and "表記について" not in prose and "====" not in prose
    (r,) = recs(R / "aozora_906_ruby.txt")               # 「時間」, blank, 「横光利一」; credits-only footer
    assert r.text.startswith("　私達を養っていてくれた座長が") and "横光利一" not in r.text
    assert "底本とした" not in r.text and "入力者" not in r.text
    assert recs(R / "aozora_764_ruby.txt")[0].text.startswith("　　上\n\n　うと〳〵したと思ふうちに")
    assert recs(R / "aozora_455_ruby_1471.txt")[0].text.startswith("　ハックニー馬［※１］のしっぽ")
    # the footer's first block opens 「底本・初出：」 or 「定本：」 (入力： below it), or 「作業履歴：」 (底本： below)
    for name, last in (("aozora_24456_ruby_11349_teihon_shoshutsu.txt", "獨逸童話其他に多く見えて、歐亞諸邦に瀰漫した譚である。（南方熊楠）"),
                       ("aozora_43035_ruby_16997_teihon.txt", "桂子それ自身が一つの大きな花体となつて佇つてゐるのであつた。"),
                       ("aozora_kantou_syogo_sagyou_rireki.txt", "モデルに累を及ぼしたくないから一言します。\n　　　一九一九　五月十一日")):
        (r,) = recs(R / name)
        assert r.text.endswith(last), name


def test_credits_right_under_the_header_give_an_empty_work(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes("題名\n作者\n\nテキスト入力者：某\n".encode("cp932"))
    (r,) = recs(f)
    assert r.text == "" and r.error is None and r.unread == {"boilerplate": len("題名作者テキスト入力者：某")}


def test_gaiji_code_after_quoted_text_and_accent_bracket_around_a_note():
    raw = (R / "aozora_1328_ruby.txt").read_bytes().decode("cp932")
    notes = re.findall(r"※［＃(.*?)］", raw)
    # independent count: notes with no 水準 or U+ code anywhere stay 〓; the others are characters
    (r,) = recs(R / "aozora_1328_ruby.txt")
    assert r.text.count("〓") == sum(not re.search(r"水準|U\+", n) for n in notes) == 3
    # 「※」は「「疑」のへんの部分＋欠」、第3水準1-86-31、「款」の俗字、35-6: the code before a quote
    assert r.text.count("欵") == raw.count("第3水準1-86-31") == 10
    (r,) = recs(R / "aozora_789_ruby_5639_trimmed.txt")   # 〔… amicitiae&［＃「〔amicitiae&〕」は底本では…］ inimica〕
    assert "Quid aliud est mulier nisi amicitiæ inimica……" in r.text and "底本" not in r.text


def test_a_line_cp932_cannot_read_is_read_as_jis_x0213():
    """One byte pair (0xEB 0x81) of 穂積陳重「法窓夜話」 is not cp932; Shift_JIS-2004 reads it as 栱.
    Before, the whole 121 KB work was a reject."""
    (r,) = recs(R / "aozora_1872_ruby_trimmed.txt")
    assert r.error is None and r.meta == {"jis_x0213_lines": 1, "placeholders": 5} and "ニシテ、栱アル者ハ" in r.text


def test_a_bar_that_starts_no_ruby_is_text():
    """｜ marks where a ruby's base starts; a ｜ with no 《…》 after it on its line is drawn text (a box in
    夢野久作's 47288: "　│　針助の家の中　｜"), and had been dropped as markup."""
    unread = Counter()
    assert aozora_clean("　│　針助の家の中　｜", unread) == "　│　針助の家の中　｜" and not unread
    assert aozora_clean("｜雲形線《バーリイ》の楯", unread) == "雲形線の楯" and unread == {"ruby": 4, "markup": 3}


def test_a_file_that_declares_its_notes_as_brackets_of_another_kind():
    # 西田幾多郎「絶対矛盾的自己同一」(2001): its 記号 block declares 【＃】：入力者注, and one gaiji has its ruby
    # before the note (益※《ますます》【＃「※」は二の字点、第3水準1-2-22、66-4】明): the ※s had stayed, the notes leaked
    (rec,) = recs(R / "aozora_1755_ruby_trimmed.txt")
    assert "益〻明となる" in rec.text and "即心是仏の宗教である。儞祇今聴法者、不是儞四大" in rec.text
    assert "【＃" not in rec.text and "※" not in rec.text and "字下げ" not in rec.text
    unread = Counter()       # ※《reading》［＃…］: the reading is ruby, the rest markup; no code gives 〓
    line = "琅※《かん》［＃「※」は「王へん」に「干」、第3水準1-87-83、P61-下段5首目］の亭"     # 2165_ruby_4942.txt
    assert aozora_clean(line, unread) == "琅玕の亭" and unread["ruby"] == 2
    assert len(line) == len("琅玕の亭") + unread["ruby"] + unread["markup"]
    assert aozora_clean("a※《よみ》［＃「※」は「木＋余」、61-5］b", unread) == "a〓b" and unread["placeholder"] == 1
    assert aozora_clean("※《こめ》は米", Counter()) == "※は米"     # no note after the ruby: the ※ is text


def test_notes_left_unclosed_by_an_inputters_slip_are_still_notes():
    """Notes whose brackets do not balance (a handful of aozorabunko_text's 17k files): their words
    had been read as the work's text, and a gaiji's character lost."""
    (r,) = recs(R / "aozora_1556_ruby_trimmed.txt")   # 」 typed for ］: ※［＃「※」は…、第3水準1-85-25、44-2」
    assert "半" + jis_x0213(1, 85, 25) + "計り經て還り去りしが" in r.text
    assert "見る人" + jis_x0213(2, 12, 81) + "然として醉へるが如く" in r.text
    (r,) = recs(R / "aozora_1754_ruby.txt")           # ［＃「ろっかん」に傍点」
    assert "ろっかん山のきつねにばかされて" in r.text
    (r,) = recs(R / "aozora_662_ruby_trimmed.txt")    # ［ typed for 「: ［＃［愛」に「ママ」の注記］
    assert "野原に寝て味はつた可愛さうなサクラ子" in r.text
    (r,) = recs(R / "aozora_1328_ruby.txt")           # an opener typed twice: 茶※［※［＃…第3水準1-88-72…］
    assert "申分のない黄瀬戸茶" + jis_x0213(1, 88, 72) + "である。" in r.text
    for name in ("aozora_1556_ruby_trimmed.txt", "aozora_1754_ruby.txt", "aozora_662_ruby_trimmed.txt",
                 "aozora_1328_ruby.txt"):
        (r,) = recs(R / name)
        assert not re.search("読みは|に傍点|の注記|※［|」は", r.text), name


def test_an_accent_span_left_open_on_its_line():
    """A 〔 whose 〕 the inputter left out runs to the end of its line, as aozora2html reads it (the
    e' had stayed e' and the 〔 stood in the text); one closed on the next line is read whole."""
    (r,) = recs(R / "aozora_45210_ruby_23043_trimmed.txt")
    assert "Léon Walras, dans la Revue d'histoire des doctrines économiques et sociales, 1910" in r.text
    assert "Manuel d'économie politique trad. de l'italien" in r.text and "〔" not in r.text
    (r,) = recs(R / "aozora_4363_ruby_5763_trimmed.txt")
    assert "Pardonnez à mon bavardage\nJ'en suis à mon premier voyage." in r.text and "〕" not in r.text


def test_a_teihon_line_whose_colon_is_left_out_heads_the_footer():
    """「底本「モルグ街の殺人事件」新潮文庫、新潮社」 (no ：) right above 入力：: the 底本 and its printings
    had been read as the end of the work (two of the 17k files, both this translator's Poe)."""
    (r,) = recs(R / "aozora_1871_ruby_17551_teihon_no_colon.txt")
    assert r.text.endswith("――ナポレオン一世の部下の有名な将軍。彼がスペインに攻め入ったのは一八〇八年である。")
    assert "新潮文庫" not in r.text and "78刷" not in r.text and "表題は底本では" not in r.text


def test_a_gaiji_described_with_another_gaiji_is_not_that_one():
    """「姉」の正字、「※［＃第3水準1-85-57］」の「木」に代えて「女」: the 水準 code is the quoted part's (柹);
    the character itself is in no set, 〓 (the published page has no code for it either)."""
    (r,) = recs(R / "aozora_24455_ruby_11238_gaiji_in_description.txt")
    assert "ソオニアに我々の〓妹を感じてゐる" in r.text and jis_x0213(1, 85, 57) not in r.text
    assert r.meta["placeholders"] == 1


@pytest.mark.parametrize("name, note, char, n", [
    # 橋本進吉「国語音韻の変遷」: ク※［＃小書き片仮名ヰ、163-1］, small kana JIS X 0213 lacks (Unicode 12 has them)
    ("aozora_377_ruby_2753_small_kana_trimmed.txt", "※［＃小書き片仮名ヰ、", "\U0001B164", 4),
    ("aozora_377_ruby_2753_small_kana_trimmed.txt", "※［＃小書き片仮名ヱ、", "\U0001B165", 4),
    # 二葉亭四迷「浮雲」: 前回参看※［＃白ゴマ点、169-10］, JIS X 0213 1-3-29 named without its code
    ("aozora_1869_ruby_33306_sesame_dot_trimmed.txt", "※［＃白ゴマ点、", "\uFE46", 1)])
def test_a_gaiji_note_that_names_its_character_in_words(name, note, char, n):
    """A note with no code that names a character Unicode has is that character, not 〓 (they
    had been 〓 each, counted as placeholders); a description naming a glyph no set has stays 〓."""
    raw = decode((R / name).read_bytes())
    assert raw.count(note) == n
    (rec,) = recs(R / name)
    assert rec.text.count(char) == n and "〓" not in rec.text and "placeholders" not in rec.meta
    assert gaiji_char("小書き片仮名ヰ、163-1") == "\U0001B164" and gaiji_char("ト音記号、48-12") == "\U0001D11E"
    assert gaiji_char("「口＋斗」、50-11") is None and gaiji_char("小書き片仮名ガ、3-4") is None


def test_an_accent_span_inside_a_translators_bracket():
    """モース「日本その日その日」 (石川欣一訳): 〔George Innes, 1825―1894.〔Albert Biersta`dt〕, 1830―1902.
    いずれも米国の風景画家〕. The outer 〔 had been taken for the accent span, closed at the inner 〕:
    the outer 〔 and inner 〕 went, the inner 〔 and outer 〕 stayed, unbalanced."""
    (rec,) = recs(R / "aozora_55990_ruby_60177_nested_accent_trimmed.txt")
    assert "ビヤスタット〔George Innes, 1825―1894.Albert Bierstàdt, 1830―1902.　いずれも米国の風景画家〕を" in rec.text
    assert aozora_clean("〔e'tiquette〕") == "étiquette"


def test_a_bracket_quoted_alone_inside_a_note():
    """小穴隆一「二つの繪」: …ないか？〕［＃「〕」は底本では「］」］. The quoted ］ had closed the note,
    leaving 」］ in the work's text."""
    (rec,) = recs(R / "aozora_58142_ruby_62063_quoted_bracket_trimmed.txt")
    assert rec.text.endswith("香を焚かれてゐるのではないか？〕") and "］" not in rec.text
    assert aozora_clean("〕［＃「〕」は底本では「］」］と") == "〕と"
