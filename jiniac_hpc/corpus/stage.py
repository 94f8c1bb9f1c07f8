"""The corpus stage: plan and the per-shard steps.

    python jobs/corpus.py --recipe debug                        # local executor or --cluster NAME
    python -c "from jiniac_hpc.launch.runner import launch; launch('corpus', 'debug', cluster='local')"

Steps (each depends on the one before, afterok):

1. ``prepare``    array, one task per input shard: read, clean (NFKC, control characters,
                  allowlist; counted per step), filter, replace PII -> work/clean + rejects.
2. ``signatures`` array: exact hash, sizes and MinHash signatures of every kept document.
3. ``buckets``    single: LSH bands -> candidate duplicate pairs (plus exact-hash pairs).
4. ``clusters``   single: connected components; the first document (recipe source order,
                  shard, position) of a cluster is kept; per-source budgets are applied.
5. ``write``      array: the final shards output/<source>/<shard>.jsonl.zst.
6. ``report``     single: stats.json + report.md.

``plan`` checks every input path (a missing one raises ConfigError naming
``sources[i].paths[j]``) and pins the task -> input file manifest. The executor marks each
finished task (``completions/<step>/<task>.json``, holding the stats the task returned, which
the report adds up), so a relaunch submits only what is missing.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.dedup import bucket_tasks
from jiniac_hpc.stages import Step, TaskContext

M = "jiniac_hpc.corpus"


def plan(cfg: CorpusConfig, run_dir: Path) -> list[Step]:
    n = len(sh.write_manifest(Path(run_dir), sh.expand_inputs(cfg)))
    return [
        Step("prepare", f"{M}.stage:prepare_task", tasks=n),
        Step("signatures", f"{M}.dedup:signature_task", tasks=n),
        Step("buckets", f"{M}.dedup:buckets_task", tasks=bucket_tasks(cfg)),
        Step("clusters", f"{M}.dedup:clusters_task"),
        Step("write", f"{M}.stage:write_task", tasks=n),
        Step("report", f"{M}.report:report_task"),
    ]


#: metadata a reader sets on a document whose text is less sure than the rest -> (flag, meaning):
#: the report counts the documents that carry it, by flag (their text is kept: the user decides)
FLAGS = {"ocr_layer_pages": ("ocr_layer", "PDF text from a scanned page's OCR layer"),
         "image_only_pages": ("image_only_page", "a PDF page that is a picture and no text (a scan without an OCR "
                              "layer), its text not read"),
         "missing": ("missing_metadata", "a Diet record without its date, house or meeting name"),
         "pages": ("multi_page_book", "the main page of an HTML book PG split over several pages: the rest of "
                   "the work is in the pages it links to, each read as its own record (its part_of names this "
                   "page) where it is among the inputs"),
         "pages_absent": ("pages_not_given", "the main page of a multi-page HTML book whose pages it links to are not "
                          "beside it: the rest of the work was not read"),
         "placeholders": ("gaiji_placeholder", "an Aozora Bunko work with a character no character set has, "
                          "written 〓 (GETA MARK) where its note stood")}


def doc_id(shard: sh.Shard, pos: int) -> str:
    return f"{shard.source}-{shard.stem}-{pos:07d}"


def _add(removed: dict, reason: str, docs: int, chars: int) -> None:
    r = removed.setdefault(reason, {"docs": 0, "chars": 0})
    r["docs"] += docs
    r["chars"] += chars


def prepare_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    """Read one input shard; clean, filter and scrub it; write work/clean and rejects.

    Loss accounting starts at the raw bytes: ``bytes_in`` is the decompressed size of the input
    file, ``chars_read`` the characters of text-bearing content the reader saw (what it emitted
    plus what it deliberately left ``unread``, by reason), ``chars_in`` what it emitted.
    ``bytes_no_text`` is ``{reason: bytes_in}`` for a file of which not one character was read
    (no text, nothing counted unread), else empty: ``bad_input`` for a file the reader could not
    read, the reader's reason for a file it drops whole (an archive's ``image``, ``pdf`` or
    ``office`` file), ``empty`` for one whose records held no characters. Those bytes hold no
    characters the report could count, so it shows them apart.
    """
    from jiniac_hpc.corpus.filters import clean_counts, reject_cleaned
    from jiniac_hpc.corpus.pii import scrub_pii_counts
    from jiniac_hpc.corpus.readers import read
    from jiniac_hpc.corpus.readers.base import count_raw

    t0 = time.time()
    shard = sh.load_manifest(ctx.run_dir)[ctx.task]
    src = cfg.source(shard.source)
    th = src.filter_config(cfg.filters)
    out_path, rej_path = sh.clean_path(ctx.run_dir, shard), sh.rejects_path(ctx.run_dir, shard)
    for p in (out_path, rej_path):
        fileio.remove_temps(p)
    raw_bytes = count_raw(Path(shard.path))
    stats = {"source": src.name, "shard": shard.index, "input": shard.path, "docs_in": 0, "chars_in": 0,
             "bytes_in": raw_bytes, "bytes_no_text": {}, "chars_read": 0, "unread": Counter(), "removed": {}, "pii": Counter(),
             "pii_docs": 0, "bad_input": [], "bad_input_count": 0, "docs_out": 0, "chars_out": 0,
             "flagged": Counter(), "lang_found": Counter()}

    def bad(pos: int, error: str, docs: int = 1) -> None:
        _add(stats["removed"], "bad_input", docs, 0)
        stats["bad_input_count"] += 1
        where = f"{shard.path}:{pos}"
        if len(stats["bad_input"]) < 100:
            stats["bad_input"].append(f"{where}: {error}")
        print(f"bad input {where}: {error}", flush=True)
        rej.write({"id": doc_id(shard, pos), "reason": "bad_input", "detail": error, "file": shard.path, "line": pos})

    skips = set()     # the reader's reasons for the documents it dropped whole
    with fileio.JsonlWriter(out_path, cfg.zstd_level) as out, fileio.JsonlWriter(rej_path, cfg.zstd_level) as rej:
        for rec in read(Path(shard.path), src, cfg.max_record_bytes):
            skips.update([rec.skip] if rec.skip else [])
            stats["docs_in"] += rec.docs
            stats["unread"].update(rec.unread)
            stats["chars_read"] += sum(rec.unread.values()) + len(rec.text or "")
            rid = doc_id(shard, rec.pos)
            if rec.text is None:
                if rec.error or not rec.skip:
                    bad(rec.pos, rec.error or "reader gave no text", rec.docs)
                else:
                    _add(stats["removed"], rec.skip, 1, 0)
                    rej.write({"id": rid, "reason": rec.skip})
                continue
            stats["chars_in"] += len(rec.text)
            stats["flagged"].update(flag for key, (flag, _) in FLAGS.items() if rec.meta.get(key))
            # a record's speaker (Kokkai ``meta['speaker']``) is a name known to be in its text
            known = [rec.meta.get("speaker") or ""]
            if rec.skip:   # a whole document the reader drops on purpose (e.g. procedural speeches)
                _add(stats["removed"], rec.skip, 1, len(rec.text))
                text = (scrub_pii_counts(rec.text, src.pii, known_names=known, names=src.pii_names)[0]
                        if src.pii else rec.text)
                rej.write({"id": rid, "reason": rec.skip, **({"text": text} if cfg.rejects_text else {})})
                continue
            # each cleanup step under its own reason (cleanup_nfkc, cleanup_control,
            # cleanup_char_allowlist, cleanup_whitespace): a net figure would let NFKC's longer
            # text (Hindi nukta letters) hide the characters the allowlist removed
            text, steps = clean_counts(rec.text, src)
            for step, n in steps.items():
                _add(stats["removed"], f"cleanup_{step}", 0, n)
            reason, detail = reject_cleaned(rec.text, text, steps, src, th)
            if reason is None and src.pii:
                scrubbed, counts = scrub_pii_counts(text, src.pii, known_names=known, names=src.pii_names)
                if counts:
                    stats["pii"].update(counts)
                    stats["pii_docs"] += 1
                    _add(stats["removed"], "pii_placeholders", 0, len(text) - len(scrubbed))
                    text = scrubbed
            if reason is not None:
                _add(stats["removed"], reason, 1, len(text))
                if detail:   # 'lang': what the text is instead (script, or the language langid found)
                    stats["lang_found"][detail] += 1
                if cfg.rejects_text and src.pii:   # rejects of a PII source are scrubbed too
                    text = scrub_pii_counts(text, src.pii, known_names=known, names=src.pii_names)[0]
                rej.write({"id": rid, "reason": reason, **({"detail": detail} if detail else {}),
                           **({"text": text} if cfg.rejects_text else {})})
                continue
            out.write({"id": rid, "text": text, "source": src.name, "lang": src.lang,
                       **({"meta": rec.meta} if rec.meta else {})})
            stats["docs_out"] += 1
            stats["chars_out"] += len(text)
            sh.maybe_fault("prepare", ctx.task, out.count)
        if stats["docs_in"] == 0 and raw_bytes:   # a reader must never turn a file into nothing silently
            stats["docs_in"] += 1
            bad(1, f"no documents from a non-empty file ({raw_bytes} bytes) with reader {src.reader!r}")
        if raw_bytes and not stats["chars_read"]:     # the file's bytes gave no character: say why
            why = "bad_input" if stats["bad_input_count"] else next(iter(skips)) if len(skips) == 1 else "empty"
            stats["bytes_no_text"] = {why: raw_bytes}
    stats["pii"] = dict(sorted(stats["pii"].items()))
    stats["unread"] = dict(sorted(stats["unread"].items()))
    stats["flagged"] = dict(sorted(stats["flagged"].items()))
    stats["lang_found"] = dict(sorted(stats["lang_found"].items()))
    print(f"[prepare] {src.name}/{shard.stem}: {stats['docs_in']} in, {stats['docs_out']} kept, "
          f"{stats['bad_input_count']} bad input, {time.time() - t0:.1f}s", flush=True)
    return stats   # the executor's marker keeps it: the report adds these up


def write_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    """Drop this shard's duplicates and budget cuts; write output/<source>/<shard>.jsonl.zst."""
    shard = sh.load_manifest(ctx.run_dir)[ctx.task]
    src = cfg.source(shard.source)
    out_path, rej_path = sh.output_path(ctx.run_dir, shard), sh.rejects_path(ctx.run_dir, shard, "dedup")
    for p in (out_path, rej_path):
        fileio.remove_temps(p)
    drops = {int(i): (reason, of) for i, reason, of in
             fileio.read_json(sh.drop_path(ctx.run_dir, shard))["drop"]}
    stats = {"source": src.name, "shard": shard.index, "docs_in": 0, "chars_in": 0, "removed": {},
             "docs_out": 0, "chars_out": 0, "bytes_out": 0}
    with fileio.JsonlWriter(out_path, cfg.zstd_level) as out, fileio.JsonlWriter(rej_path, cfg.zstd_level) as rej:
        for i, doc in enumerate(fileio.read_jsonl(sh.clean_path(ctx.run_dir, shard))):
            n = len(doc["text"])
            stats["docs_in"] += 1
            stats["chars_in"] += n
            if i in drops:
                reason, of = drops[i]
                _add(stats["removed"], reason, 1, n)
                rej.write({"id": doc["id"], "reason": reason, "duplicate_of": of})
                continue
            out.write(doc)
            stats["docs_out"] += 1
            stats["chars_out"] += n
            stats["bytes_out"] += len(doc["text"].encode("utf-8"))
            sh.maybe_fault("write", ctx.task, out.count)
    return stats


def run_inline(cfg: CorpusConfig, run_dir: Path, cluster=None) -> list[str]:
    """Run every missing task of every step in this process, in order (tests, quick looks),
    marking each finished task as the executor does. Returns the names of the steps that ran.

    ``python -m jiniac_hpc.corpus.stage debug /tmp/corpus-debug`` does the same from a shell.
    """
    from jiniac_hpc.job.step import run_inline as run_steps

    return run_steps("corpus", cfg, run_dir, plan(cfg, run_dir), cluster)


if __name__ == "__main__":
    import sys

    from jiniac_hpc.config import load_recipe

    c = load_recipe("corpus", CorpusConfig, sys.argv[1] if len(sys.argv) > 1 else "debug", sys.argv[3:])
    print("ran:", run_inline(c, Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/corpus-inline")))
