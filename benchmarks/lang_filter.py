"""The language filters (``lang``, ``ja_ratio``) on real text of the languages a ja / en / hi source holds.

    python benchmarks/lang_filter.py                 # per-language accept/reject rates and docs/s
    python benchmarks/lang_filter.py --script-only   # the same for the script-ratio test alone

The input is the real multilingual samples under tests/assets/corpus/real/ (see SOURCES.md): the
Universal Declaration of Human Rights in 20 languages (``udhr_*.html``: one document an article,
the preamble one more) and Leipzig news/web sentences (``lingua_sentences_*``: three consecutive
sentences a document). Each language is fed to the source language a user would find it in:
Chinese and Korean to a ``ja`` source, Marathi, Nepali, Sanskrit and Urdu to a ``hi`` source,
German, French, Spanish, Indonesian, Dutch, Portuguese, Italian, Polish, Turkish, Vietnamese,
Swedish, Finnish and Swahili to an ``en`` source, and each
source's own language to it. Printed per (source, language): documents, the share the filters
keep, and for the other languages the share they wrongly keep; then documents per second of
``reject_detail`` over everything (CPU time of this process). A Japanese web page with code
(``react_ja_rendering_lists.md``, whole and by blank-line block) and Hindi that quotes Sanskrit
(the Gita's verses each with its Hindi translation) are in the input too: they must be kept.
``--script-only`` sets ``lang_word_margin`` to 0 (no function-word test); a Japanese text's Latin
words still count one unit each, as the script test now counts them.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jiniac_hpc.corpus.config import FilterConfig  # noqa: E402
from jiniac_hpc.corpus.filters import reject_detail  # noqa: E402

REAL = ROOT / "tests" / "assets" / "corpus" / "real"
# sample file stem -> (the language it is in, the source language a user would find it in)
UDHR = {"jpn": ("ja", "ja"), "cmn_hans": ("zh-Hans", "ja"), "cmn_hant": ("zh-Hant", "ja"), "kor": ("ko", "ja"),
        "hin": ("hi", "hi"), "mar": ("mr", "hi"), "nep": ("ne", "hi"), "san": ("sa", "hi"), "urd": ("ur", "hi"),
        "eng": ("en", "en"), "deu_1996": ("de", "en"), "fra": ("fr", "en"), "spa": ("es", "en"), "ind": ("id", "en"),
        "pol": ("pl", "en"), "tur": ("tr", "en"), "vie": ("vi", "en"), "swe": ("sv", "en"), "fin": ("fi", "en"),
        "swh": ("sw", "en")}
LINGUA = {"ja": "ja", "zh": "ja", "ko": "ja", "hi": "hi", "mr": "hi", "en": "en", "de": "en", "fr": "en",
          "es": "en", "id": "en", "nl": "en", "pt": "en", "it": "en"}
FILTERS = ["lang", "ja_ratio"]


def _text(fragment: str) -> str:
    lines = [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
             for m in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", fragment, re.S)]
    return "\n".join(x for x in lines if x)


def udhr_documents(stem: str) -> list[str]:
    """The preamble and each article of ``udhr_<stem>.html``, their paragraphs one a line."""
    page = (REAL / f"udhr_{stem}.html").read_text(encoding="utf-8")
    parts = re.findall(r"<(header|article)\b[^>]*>(.*?)</\1>", page, re.S)
    return [t for t in (_text(body) for _, body in parts) if t]


def lingua_documents(lang: str, per_doc: int = 3) -> list[str]:
    """Consecutive sentences of ``lingua_sentences_<lang>_trimmed.txt``, ``per_doc`` a document."""
    lines = (REAL / f"lingua_sentences_{lang}_trimmed.txt").read_text(encoding="utf-8").splitlines()
    return [" ".join(lines[i:i + per_doc]) for i in range(0, len(lines), per_doc)]


def gita_documents() -> dict[str, list[str]]:
    """Bhagavad Gita 2.1-30: the Sanskrit verses (three a document), Swami Ramsukhdas's Hindi
    translations (three a document), and each translation after its verse (a Hindi text quoting Sanskrit)."""
    def rows(name: str) -> list[dict]:
        return json.loads((REAL / name).read_text(encoding="utf-8"))

    verses = [v["text"].strip() for v in rows("gita_verse_2_1-30_trimmed.json")]
    hindi = [t["description"].strip() for t in rows("gita_translation_hindi_ramsukhdas_2_1-30_trimmed.json")]
    return {"sa": ["\n".join(verses[i:i + 3]) for i in range(0, len(verses), 3)],
            "hi": ["\n".join(hindi[i:i + 3]) for i in range(0, len(hindi), 3)],
            "hi+sa": [v + "\n" + h for v, h in zip(verses, hindi)]}


def react_documents() -> list[str]:
    """The Japanese React guide page (markdown with its code blocks) whole, then each of its
    blank-line blocks that holds Japanese prose (a hiragana)."""
    page = (REAL / "react_ja_rendering_lists.md").read_text(encoding="utf-8")
    return [page] + [b.strip() for b in page.split("\n\n") if re.search("[ぁ-ゟ]", b)]


def labelled() -> list[tuple[str, str, str, str]]:
    """(sample, language, source language, text) of every document."""
    out = [(f"udhr_{s}", lang, src, t) for s, (lang, src) in UDHR.items() for t in udhr_documents(s)]
    out += [(f"lingua_{lang}", lang, src, t) for lang, src in LINGUA.items() for t in lingua_documents(lang)]
    out += [("gita", lang, "hi", t) for lang, docs in gita_documents().items() for t in docs]
    out += [("react_ja_md", "ja+code", "ja", t) for t in react_documents()]
    return out


def verdicts(docs, th: FilterConfig, filters=FILTERS) -> list[str | None]:
    """Per document: None (kept), the reason, or ``lang:<detail>``."""
    out = []
    for _, _, src, t in docs:
        reason, detail = reject_detail(t, src, filters, th)
        out.append(f"{reason}:{detail}" if detail else reason)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--script-only", action="store_true", help="the script-ratio test alone (lang_word_margin 0)")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    th = FilterConfig(min_chars=0, lang_word_margin=0 if a.script_only else FilterConfig.lang_word_margin)
    docs = labelled()
    got = verdicts(docs, th)
    print(f"{'sample':18s} {'lang':8s} {'source':6s} {'docs':>5s} {'kept':>6s}  wrong   reasons")
    rows: dict[tuple, list] = {}
    for (sample, lang, src, _), v in zip(docs, got):
        rows.setdefault((sample, lang, src), []).append(v)
    for (sample, lang, src), vs in rows.items():
        kept = sum(v is None for v in vs) / len(vs)
        own = re.split("[-+]", lang)[0] == src
        wrong = 1 - kept if own else kept
        reasons = {r: vs.count(r) for r in sorted({v for v in vs if v})}
        print(f"{sample:18s} {lang:8s} {src:6s} {len(vs):5d} {kept:6.0%}  {wrong:5.0%}   {reasons or ''}")
    times = []
    for _ in range(a.rounds):
        t0 = time.process_time()
        verdicts(docs, th)
        times.append(time.process_time() - t0)
    best = min(times)
    print(f"\n{len(docs)} documents, {sum(len(d[3]) for d in docs)} characters: "
          f"{len(docs) / best:,.0f} docs/s (best of {a.rounds} rounds, CPU time)")


if __name__ == "__main__":
    main()
