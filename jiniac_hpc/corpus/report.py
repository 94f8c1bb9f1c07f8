"""The corpus report: ``stats.json`` and ``report.md`` (a table like JINIAC's corpus slide).

    python -m jiniac_hpc.corpus.report logs/corpus/debug          # re-render from the task markers

Per source: documents and characters in and out, documents removed by each filter (for
``lang`` also what the text was instead: ``script`` or the language langid found), PII
replacements by type, the duplicate rate and an estimate of tokens, and the loss accounting from
the raw input: raw bytes read (and of them, by reason, the bytes of files that gave no character) ->
characters read -> unread by the reader (by reason: markup, ruby, toc, boilerplate, ...) ->
characters into the filters -> kept + removed (by reason). The numbers add up by construction
and are checked here before writing: ``docs_in = docs_out + sum(removed docs)``, ``chars_read =
chars_in + sum(unread)`` and ``chars_in = chars_out + sum(removed chars)`` (character changes
made by each cleanup step and by PII placeholders are listed as removals with 0 documents). The
documents table has a column for every reason a source removed documents for (the usual ones
always, a reader's own, such as ``image`` or ``empty_article``, where one occurs), so each row
adds up too. No timestamps: reruns are identical.
"""
from __future__ import annotations

import sys
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.stage import FLAGS
from jiniac_hpc.stages import TaskContext

DOC_REASONS = ("bad_input", "procedural", "empty", "too_short", "too_long", "lang", "ja_ratio", "symbols",
               "repeated_lines", "speech_id_dup", "exact_dup", "near_dup", "budget")
DUP_REASONS = ("speech_id_dup", "exact_dup", "near_dup")
DEDUP_REASONS = DUP_REASONS + ("budget",)


def _merge_removed(dst: dict, src: dict) -> None:
    for k, v in src.items():
        d = dst.setdefault(k, {"docs": 0, "chars": 0})
        d["docs"] += v["docs"]
        d["chars"] += v["chars"]


def collect(cfg: CorpusConfig, run_dir: Path) -> dict:
    """Per-source totals from the stats every shard's prepare and write tasks returned (their markers)."""
    per: dict[str, dict] = {}
    for s in cfg.sources:
        per[s.name] = {"lang": s.lang, "reader": s.reader, "pii_policy": list(s.pii), "dedup": s.dedup,
                       "shards": 0, "docs_in": 0, "chars_in": 0, "bytes_in": 0, "bytes_no_text": {}, "chars_read": 0,
                       "unread": {},
                       "docs_out": 0, "chars_out": 0, "bytes_out": 0, "removed": {}, "pii": {}, "pii_docs": 0,
                       "bad_input_count": 0, "bad_input": [], "flagged": {}, "lang_found": {}}
    for shard in sh.load_manifest(run_dir):
        p = fileio.result(run_dir, "prepare", shard.task)
        w = fileio.result(run_dir, "write", shard.task)
        r = per[shard.source]
        r["shards"] += 1
        for k in ("docs_in", "chars_in", "bytes_in", "pii_docs", "bad_input_count"):
            r[k] += p[k]
        for k in ("docs_out", "chars_out", "bytes_out"):
            r[k] += w[k]
        r["chars_read"] += p.get("chars_read", p["chars_in"])
        r["bad_input"] += p["bad_input"]
        for key in ("pii", "unread", "flagged", "lang_found", "bytes_no_text"):
            for k, v in p.get(key, {}).items():
                r[key][k] = r[key].get(k, 0) + v
        _merge_removed(r["removed"], p["removed"])
        _merge_removed(r["removed"], w["removed"])
        if w["docs_in"] != p["docs_out"]:
            raise RuntimeError(f"{shard.source}/{shard.stem}: write step read {w['docs_in']} documents, "
                               f"prepare wrote {p['docs_out']}")
    for name, r in per.items():
        r["removed"] = {k: r["removed"][k] for k in sorted(r["removed"])}
        r["pii"] = dict(sorted(r["pii"].items()))
        r["unread"] = dict(sorted(r["unread"].items()))
        r["bytes_no_text"] = dict(sorted(r["bytes_no_text"].items()))
        r["flagged"] = dict(sorted(r["flagged"].items()))
        r["lang_found"] = dict(sorted(r["lang_found"].items()))
        dedup_in = r["docs_out"] + sum(r["removed"].get(k, {"docs": 0})["docs"] for k in DEDUP_REASONS)
        dups = sum(r["removed"].get(k, {"docs": 0})["docs"] for k in DUP_REASONS)
        r["duplicate_rate"] = round(dups / dedup_in, 6) if dedup_in else 0.0
        r["tokens_est"] = int(round(r["chars_out"] / cfg.chars_per_token[r["lang"]]))
        check_balance(name, r)
    total = {k: sum(r[k] for r in per.values()) for k in
             ("docs_in", "docs_out", "bytes_in", "chars_read", "chars_in", "chars_out", "bytes_out", "tokens_est")}
    return {"sources": per, "total": total}


def check_balance(name: str, r: dict) -> None:
    """in = out + removed, for documents and for characters; read = in + unread, for characters."""
    unread = sum(r["unread"].values())
    if r["chars_read"] != r["chars_in"] + unread:
        raise RuntimeError(f"source {name}: chars_read {r['chars_read']} != chars_in {r['chars_in']} "
                           f"+ unread {unread}")
    for unit in ("docs", "chars"):
        removed = sum(v[unit] for v in r["removed"].values())
        if r[f"{unit}_in"] != r[f"{unit}_out"] + removed:
            raise RuntimeError(f"source {name}: {unit}_in {r[f'{unit}_in']} != {unit}_out {r[f'{unit}_out']} "
                               f"+ removed {removed}")


def _fmt(n: float) -> str:
    for unit, d in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= d:
            return f"{n / d:.2f}{unit}"
    return f"{n:g}"


def render(cfg: CorpusConfig, stats: dict) -> str:
    lines = ["# Corpus report", "",
             "| source | lang | processing | docs in | docs out | chars out | est. tokens | dup rate | PII replaced |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for s in cfg.sources:
        r = stats["sources"][s.name]
        proc = []
        if "lang" in s.filters:
            proc.append(f"keep {s.lang} only")
        if s.dedup != "none":
            proc.append("dedup" if s.dedup == "exact" else "dedup (MinHash)")
        if s.reader == "diet" and s.one_copy_a_speech:
            proc.append("one copy a speechID")
        if s.pii:
            proc.append("PII removal")
        if s.char_allowlist:
            proc.append("unwanted characters removed")
        pii = ", ".join(f"{k} {v}" for k, v in r["pii"].items()) or "-"
        lines.append(f"| {s.name} | {s.lang} | {'; '.join(proc) or '-'} | {r['docs_in']} | {r['docs_out']} | "
                     f"{_fmt(r['chars_out'])} | {_fmt(r['tokens_est'])} | {100 * r['duplicate_rate']:.1f}% | {pii} |")
    t = stats["total"]
    lines.append(f"| **total** | | | {t['docs_in']} | {t['docs_out']} | {_fmt(t['chars_out'])} | "
                 f"{_fmt(t['tokens_est'])} | | |")
    # a reader's own reasons (image, pdf, office, empty_article, ...) get columns too: each row adds up
    reasons = list(DOC_REASONS) + sorted({k for r in stats["sources"].values() for k, v in r["removed"].items()
                                          if v["docs"] and k not in DOC_REASONS})
    lines += ["", "## Documents removed, by reason", "",
              "| source | docs in | docs out | " + " | ".join(reasons) + " |", "|---|---:|---:|" + "---:|" * len(reasons)]
    for s in cfg.sources:
        r = stats["sources"][s.name]
        lines.append(f"| {s.name} | {r['docs_in']} | {r['docs_out']} | "
                     + " | ".join(str(r["removed"].get(k, {"docs": 0})["docs"]) for k in reasons) + " |")
    found = [(s.name, stats["sources"][s.name].get("lang_found", {})) for s in cfg.sources]
    if any(f for _, f in found):
        lines += ["", "'lang' rejects by what the text is: script (too few letters of the source's script) or the "
                  "language its function words say (corpus/langid.py).", ""]
        lines += [f"- {name}: " + ", ".join(f"{k} {v}" for k, v in f.items()) for name, f in found if f]
    lines += ["", "## Loss accounting (raw input -> read -> kept)", "",
              "| source | reader | raw bytes read | of them files with no text | chars read | unread by the reader | "
              "chars into filters | chars kept | chars removed |", "|---|---|---:|---|---:|---|---:|---:|---|"]
    for s in cfg.sources:
        r = stats["sources"][s.name]
        # exact counts, not rounded ones: the reader of the report can add each row up
        unread = ", ".join(f"{k} {v:,}" for k, v in r["unread"].items()) or "-"
        removed = ", ".join(f"{k} {v['chars']:,}" for k, v in r["removed"].items() if v["chars"]) or "-"
        no_text = ", ".join(f"{k} {v:,}" for k, v in r["bytes_no_text"].items()) or "-"
        lines.append(f"| {s.name} | {s.reader} | {r['bytes_in']:,} | {no_text} | {r['chars_read']:,} | "
                     f"{unread} | {r['chars_in']:,} | {r['chars_out']:,} | {removed} |")
    flagged = [(s.name, stats["sources"][s.name].get("flagged", {})) for s in cfg.sources]
    if any(f for _, f in flagged):
        lines += ["", "## Documents the reader flagged (of those read, before the filters)", "",
                  "; ".join(f"{flag}: {meaning}" for flag, meaning in FLAGS.values()) + ".", ""]
        lines += [f"- {name}: " + ", ".join(f"{k} {v}" for k, v in f.items()) for name, f in flagged if f]
    bad = [(s.name, x) for s in cfg.sources for x in stats["sources"][s.name]["bad_input"]]
    if bad:
        lines += ["", "## Bad input (first 100 a shard)", ""] + [f"- {name}: `{x}`" for name, x in bad]
    lines += ["", "Chars read = chars into filters + unread; chars into filters = chars kept + removed (exact counts). "
              "Cleanup is counted per step (cleanup_nfkc is negative where NFKC made the text longer, "
              "e.g. a precomposed nukta letter split into letter + nukta). "
              "Raw bytes are the decompressed input files (markup, encoding and line ends included; a file that "
              "could not be decompressed, its size); 'files with no text' are the raw bytes of the files that gave not one "
              "character, by why: bad_input (listed below), a file the reader drops whole (an archive's image, pdf, "
              "office), empty. Bytes and "
              "characters are not the same unit: the rest of the raw bytes is the format (markup, JSON/XML syntax, "
              "the encoding's bytes per character, line ends), not text.",
              "", "Token estimate: output characters / chars_per_token "
              f"({', '.join(f'{k} {v}' for k, v in cfg.chars_per_token.items())}). "
              "Duplicate rate: second copies of a speech (speechID) + exact + near duplicates / documents "
              "entering dedup.", ""]
    return "\n".join(lines)


def report_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    stats = collect(cfg, ctx.run_dir)
    fileio.write_json(ctx.run_dir / "stats.json", stats)
    text = render(cfg, stats)
    fileio.atomic_write(ctx.run_dir / "report.md", text)
    print(text, flush=True)
    return stats["total"]


if __name__ == "__main__":
    from jiniac_hpc.config import from_dict
    import yaml

    run = Path(sys.argv[1])
    cfg = from_dict(CorpusConfig, yaml.safe_load((run / "config.yaml").read_text()), origin=str(run / "config.yaml"))
    print(render(cfg, collect(cfg, run)))
