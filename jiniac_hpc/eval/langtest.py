"""Response-language test: ask in ja/en/hi, classify each answer's language, count a 3x3(+other) table.

    python -m jiniac_hpc.eval.langtest "これは日本語です" "This is English" "यह हिंदी है"   # classify texts

JINIAC asked 100 questions in each of Hindi, English and Japanese and counted the language of
the answers: a model trained on Hindi last answered in Hindi almost always. The classifier is
script statistics over the letters of the answer (digits, punctuation, spaces do not count):

- kana (hiragana, katakana) and, *when kana is present*, kanji count as ja; kanji without any
  kana is more likely Chinese and counts as other;
- Devanagari counts as hi;
- basic Latin letters count as en (Latin with many accented letters counts as other);
- the language with the most letters wins if it holds at least ``min_share`` of them; an empty
  answer, or no clear majority, is "other".
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.config import LangTestConfig
from jiniac_hpc.eval.report import markdown_table
from jiniac_hpc.paths import resolve_path

LANGS = ("ja", "en", "hi")
COLUMNS = LANGS + ("other",)
NAMES = {"ja": "Japanese", "en": "English", "hi": "Hindi", "other": "other"}


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` by script: kana, han, devanagari, latin (ASCII), latin_ext, other."""
    c = dict(kana=0, han=0, devanagari=0, latin=0, latin_ext=0, other=0)
    for ch in text:
        cp = ord(ch)
        if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9D:
            c["kana"] += 1
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or ch == "々":
            c["han"] += 1
        elif 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF:
            c["devanagari"] += 1
        elif ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            c["latin"] += 1
        elif unicodedata.category(ch).startswith("L") or unicodedata.category(ch) == "Mn":
            name = unicodedata.name(ch, "")
            c["latin_ext" if name.startswith("LATIN") else "other"] += 1
    return c


def classify(text: str, min_share: float = 0.5) -> str:
    c = script_counts(text)
    ja = c["kana"] + (c["han"] if c["kana"] else 0)
    votes = {"ja": ja, "en": c["latin"], "hi": c["devanagari"],
             "other": c["other"] + c["latin_ext"] + (0 if c["kana"] else c["han"])}
    total = sum(votes.values())
    if total == 0:
        return "other"
    best = max(LANGS, key=lambda k: votes[k])
    return best if votes[best] > votes["other"] and votes[best] >= min_share * total else "other"


def load_prompts(path: Path, limit: Optional[int]) -> list[dict]:
    if not path.is_file():
        raise ConfigError(f"langtest.prompts: {path} does not exist")
    rows: dict[str, list[dict]] = {k: [] for k in LANGS}
    for n, o in fileio.read_jsonl(path, numbered=True):
        if o.get("lang") not in LANGS or not isinstance(o.get("text"), str):
            raise ConfigError(f"{path}:{n}: need 'lang' in {list(LANGS)} and a string 'text'")
        rows[o["lang"]].append(o)
    return [o for k in LANGS for o in (rows[k][:limit] if limit else rows[k])]


def table(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """(question language, answer language) pairs -> counts[q][a], every row and column present."""
    t = {q: {a: 0 for a in COLUMNS} for q in LANGS}
    for q, a in pairs:
        t[q][a] += 1
    return t


def to_markdown(t: dict[str, dict[str, int]]) -> str:
    header = ["question \\ answer"] + [NAMES[a] for a in COLUMNS] + ["total"]
    rows = [[NAMES[q]] + [t[q][a] for a in COLUMNS] + [sum(t[q].values())] for q in LANGS]
    return markdown_table(header, rows)


def run(cfg: LangTestConfig, generator, out_dir: Path) -> dict:
    """Generate (greedy), classify, write responses.jsonl, table.md, table.json; return the summary."""
    prompts = load_prompts(resolve_path(cfg.prompts), cfg.limit)
    texts = generator.generate([generator.chat_prompt([{"role": "user", "content": p["text"]}]) for p in prompts],
                               cfg.max_new_tokens)
    rows = [{"lang": p["lang"], "prompt": p["text"], "response": r, "response_lang": classify(r)}
            for p, r in zip(prompts, texts)]
    t = table([(r["lang"], r["response_lang"]) for r in rows])
    summary = {"table": t, "fraction_same": {q: (t[q][q] / n if (n := sum(t[q].values())) else None) for q in LANGS}}
    fileio.write_jsonl(out_dir / "responses.jsonl", rows)
    fileio.write_json(out_dir / "table.json", summary)
    fileio.atomic_write(out_dir / "table.md", to_markdown(t))
    return summary


if __name__ == "__main__":
    for s in sys.argv[1:]:
        print(classify(s), script_counts(s), s)
