"""What wikiextractor leaves in an article besides its text, on real output (tests/assets/corpus/real/,
SOURCES.md): tags it let through, formulas and footnotes whose start or end tag it dropped, table
ends, behaviour switches, the entities and tags of --html output.

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/test_corpus_wiki_markup_real.py -q

The Korean sample is 3.0-style <doc> output (--html-safe escapes: '&lt;chem&gt;O2&lt;/chem&gt;'), the
Navajo sample --json output of a version before 3.0 (unescaped: '<br>', '|}</div>', a title written
'(*&quot;asia&quot;)').
"""
import re
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
KO = R / "wikiextractor_kowiki_wiki_00_trimmed"
NV = R / "wikiextractor_json_nvwiki_wiki_00_trimmed"
ANY_TAG = re.compile(r"</?(?:br|div|ref|math|chem|poem|h[1-6]|ul|li|b)\b[^<>]*>")


def recs(path):
    return list(read(Path(path), SourceConfig(name="t", reader="wikiextractor", paths=[str(path)]), 8_000_000))


def by_title(path):
    return {r.meta["title"]: r for r in recs(path)}


def test_tags_left_in_a_doc_file_are_markup_and_title_marks_stay():
    ko = by_title(KO)
    texts = "\n".join(r.text for r in ko.values())
    assert not ANY_TAG.search(texts), ANY_TAG.search(texts)
    # '&lt;chem&gt;CO2&lt;/chem&gt;': the tags go, the formula stays
    assert "C(흑연) + O2-> CO2 ΔH=C(흑연) 연소열 = CO2 생성열" in ko["엔탈피"].text
    # Korean writes a work's title in angle brackets: text, not a tag
    assert "<영웅본색>의 주제가인 <당년정>과 1995년 발매한 싱글 앨범 <Thousand Dreams of You>" in ko["장국영"].text
    # a formula whose <math> start wikiextractor lost: its line (LaTeX up to '&lt;/math&gt;') is markup
    assert "\\exp" not in ko["정규 분포"].text and ko["정규 분포"].text.startswith("확률론과 통계학에서 정규 분포")
    # a footnote whose </ref> it lost: '&lt;ref&gt;' and the Macedonian note after it
    ua = ko["우크라이나"].text
    assert "дека името" not in ua and "벨리키 크냐지라는 호칭이 자주 쓰이게 된다." in ua
    # every character of every non-blank line is kept or counted (title, markup)
    lines = [x for x in KO.read_text(encoding="utf-8").split("\n") if x.strip()]
    seen = sum(sum(r.unread.values()) + sum(len(x) for x in r.text.split("\n") if x.strip()) for r in ko.values())
    assert seen == sum(map(len, lines))


def test_tags_left_in_json_rows_are_markup():
    nv = by_title(NV)
    assert "<br>" not in nv["Diné Bizaad"].text and nv["Diné Bizaad"].unread["markup"] == len("<br>")
    assert nv["Diné Bizaad"].text.endswith("saad ałkééʼ sinil.")
    # an article that is only what a dropped table left ('|}</div>') has no text
    table = nv["Diné (Ałtsʼáʼáztiin)"]
    assert table.text is None and table.skip == "empty_article" and table.unread["markup"] == len("|}</div>")
    # a title the dump had escaped: decoded in the metadata; its repetition in 'text' counted as the title
    asia = nv['(*"asia")']
    assert asia.skip == "empty_article" and asia.unread == {"title": len("(*&quot;asia&quot;)")}


def _as_html(doc_text: str, headings: list[str]) -> str:
    """The <doc> text as ``--html`` writes it (wikiextractor 3.0's compact with HtmlFormatting, --html-safe):
    each section heading line as '<h2>X</h2>' where its '== X ==' stood, before the 'X.' line that
    keepSections writes ahead of the section's first paragraph; '&quot;' and '&#x27;' as 2.x's
    html.escape(quote=True) wrote them."""
    out = []
    for line in doc_text.split("\n"):
        if line.rstrip(".") in headings:
            out.append(f"&lt;h2&gt;{line.rstrip('.')}&lt;/h2&gt;")
        out.append(line if line.startswith(("<doc ", "</doc>")) else line.replace('"', "&quot;"))
    return "\n".join(out)


def test_html_output_reads_as_the_plain_output(tmp_path):
    # the tags, the heading lines and '&quot;' had been kept as text ('<h2>사망</h2>' then '사망.')
    src = KO.read_text(encoding="utf-8")
    heads = ["연기 활동", "가수 활동", "개인사", "사망", "자살 관련 논란"]
    assert all(f"\n{h}.\n" in src for h in heads)
    p = tmp_path / "wiki_00"
    p.write_text(_as_html(src, heads), encoding="utf-8")
    plain, html = recs(KO), recs(p)
    assert [r.text for r in html] == [r.text for r in plain]
    assert "&quot;" not in "".join(r.text for r in html)


def test_json_rows_wrapped_into_an_array_are_read_as_rows():
    # --json rows a user wrapped into '[{...},' ... '{...}]' (markoeltermann/CourseProject): had been
    # 'not wikiextractor output'; now each element is an article as a --json line would be
    import json

    path = R / "wikiextractor_json_array_enwiki_trimmed.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    rs = recs(path)
    assert [(r.pos, r.meta["title"], r.meta["page_id"]) for r in rs] == \
        [(i, x["title"], x["id"]) for i, x in enumerate(rows, 1)]
    # this version repeats the title as the first line of 'text': counted as the title, not kept
    assert all(r.text and not r.text.startswith(x["title"] + "\n") and r.unread["title"] == len(x["title"])
               for r, x in zip(rs, rows))
    assert rs[0].text.startswith("Ville d’Avray is an 1865 oil painting")


def test_a_line_break_tag_inside_a_line_keeps_the_words_apart():
    # English Wikipedia's Panasonic Lumix DMC-LX10: a list of video modes wikiextractor wrote as one
    # line, 'p - 100Mbps&lt;br&gt;H.264 - ...': the tag dropped, '100MbpsH.264' was one word
    (r,) = recs(R / "wikiextractor_enwiki_wiki_02_br_trimmed")
    lines = r.text.split("\n")
    assert "MbpsH.264" not in r.text and "MbpsAVCHD" not in r.text and "&lt;" not in r.text
    assert lines[1] == "Video Capture Quality"          # a tag at a line's end: no empty line after it
    assert lines[2] == "The DMC-LX10 (PAL) version provides the following video capture quality"
    assert lines[3] == "H.264 - 3840 x 2160 p - 30p - 100Mbps"
    assert lines[-3] == "AVCHD - 1920 x 1080 p - 24p - 24Mbps"     # the list's last item, then the next line
    # every character is text or markup: the tags (with the spaces around them) out, a newline in for each
    # tag inside a line (14 of the 15: one ends its line)
    raw = (R / "wikiextractor_enwiki_wiki_02_br_trimmed").read_text(encoding="utf-8").split("\n")
    article = [x for x in raw[2:] if x.strip() and x != "</doc>"]
    tags = sum(len(m) for m in re.findall(r" *&lt;br&gt; *", "\n".join(raw)))
    breaks = r.text.count("\n") - (len(article) - 1)
    assert breaks == 14 and r.unread["markup"] == len(raw[0]) + len("</doc>") + tags - breaks


V2 = {k: R / f"wikiextractor2_viwiki_{k}_wiki_00" for k in ("sections_lists", "sections", "json_sections_lists")}


def test_section_and_bullet_marks_of_wikiextractor_2_are_markup():
    # wikiextractor 2.x (--sections --lists) wrote 'Section::::Xem thêm.' and 'BULLET::::- ISOC Việt Nam'
    doc, rows = by_title(V2["sections_lists"]), by_title(V2["json_sections_lists"])
    text = doc["Internet Society"].text
    assert "::::" not in text and "Section" not in text and "BULLET" not in text
    lines = text.split("\n")
    assert lines[lines.index("Nhiệm vụ và mục đích hoạt động.") + 1].startswith("Bảo đảm, cổ vũ")
    assert lines[-7:-5] == ["Xem thêm.", "- Lịch sử Internet"] and lines[-1] == "- Public Interest Registry"
    # the marks are counted with the <doc>/</doc> lines: 3 sections, 5 list items
    head = len('<doc id="4" url="https://vi.wikipedia.org/wiki?curid=4" title="Internet Society">')
    assert doc["Internet Society"].unread["markup"] == head + len("</doc>") + 3 * len("Section::::") + 5 * len(
        "BULLET::::")
    # --json rows of the same run: the same text
    assert rows["Internet Society"].text == text


def test_a_section_title_is_the_same_line_in_wikiextractor_2_and_3_output():
    # the same dump (mediawiki_viwiki_pages_articles_trimmed.xml) through 2.x --sections and through 3.0:
    # 3.0 writes the title 'Nhiệm vụ và mục đích hoạt động.' as it is, 2.x after 'Section::::'; 2.x also
    # sets paragraphs apart with a blank line, which 3.0 does not
    old, new = by_title(V2["sections"])["Internet Society"], by_title(R / "wikiextractor_viwiki_wiki_00_trimmed")[
        "Internet Society"]
    assert old.text.replace("\n\n", "\n") == new.text
    assert "Nhiệm vụ và mục đích hoạt động." in new.text.split("\n")


def test_wiki_links_wikiextractor_3_left_are_what_the_tool_makes_of_links():
    # Korean Wikipedia's 윤보선 through wikiextractor 3.0: '[[아산시|아산군]]', a file whose caption links
    # '[[윤치호]]', 47 '[[분류:…]]' category lines
    (r,) = recs(R / "wikiextractor_kowiki_wiki_01_links_trimmed")
    assert "[[" not in r.text and "]]" not in r.text and "분류" not in r.text and "Yunchiho1945" not in r.text
    assert "충남 아산군 음봉면" in r.text and "사촌 형제로는 윤일선," in r.text
    assert r.text.split("\n")[-2:] == [r.text.split("\n")[-2], "외부 링크."]    # the category lines: markup
    raw = (R / "wikiextractor_kowiki_wiki_01_links_trimmed").read_text(encoding="utf-8")
    # every character of the lines is text or counted (the newlines between the kept lines are the text's own)
    assert sum(len(x) for x in raw.split("\n")) == r.unread["markup"] + r.unread["title"] + len(r.text) - r.text.count(
        "\n")


def test_hindi_article_through_wikiextractor_2_and_3_gives_one_text():
    # hiwiki's हिन्दी (a real page export) through 2.x --sections and 3.0: 2.x wrote 'Section::::' titles,
    # a blank line between paragraphs, and resolved every link; 3.0 wrote the titles bare and left the links after a malformed one in the
    # page ('[[२०१७|2017]', one bracket) as wikitext: '[[विश्व हिन्दी सम्मेलन|विश्व हिन्दी सम्मेलनों]]'
    old = [x for x in by_title(R / "wikiextractor2_hiwiki_hindi_sections_wiki_00")["हिन्दी"].text.split("\n") if x]
    new = by_title(R / "wikiextractor3_hiwiki_hindi_wiki_00")["हिन्दी"].text.split("\n")
    assert "भाषायी उत्पत्ति और इतिहास." in old and "भाषायी उत्पत्ति और इतिहास." in new   # a section title
    assert new[55].replace("[[२०१७|2017]", "2017") == old[55]          # the page's own broken link stays
    # 3.0 keeps the title of the last section, whose only content was category links (now markup)
    assert new[:55] + new[56:-1] == old[:55] + old[56:] and new[-1] == "बाहरी कड़ियाँ."
    assert "[[" not in "\n".join(new[:55] + new[56:])
