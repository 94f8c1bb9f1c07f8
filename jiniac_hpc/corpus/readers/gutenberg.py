"""Project Gutenberg reader: the work without PG's header, credits and licence.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_pg1080.txt

Reads the plain-text edition, the HTML edition (a page is first turned into lines by
:mod:`jiniac_hpc.corpus.readers.gutenberg_html`) and the EPUB (its spine documents in reading
order, :mod:`jiniac_hpc.corpus.readers.epub`, each read as a page); a page's counts are of
non-whitespace characters, and the record's ``edition`` says which was read. One document per
file: the lines between the start marker and the end of the work. Everything else is Project
Gutenberg's own text, counted as unread ``boilerplate``. The markers of every era of PG files are
recognised:

* start: ``*** START OF THE (THIS) PROJECT GUTENBERG EBOOK|ETEXT …`` (2002 on; a marker whose
  closing ``***`` is on the next line ends there), or the end of the 1990s-2001 licence at the
  top, ``*END*THE SMALL PRINT! …*END*`` (``*END THE SMALL PRINT!`` in 2001 files; ``*SMALL PRINT!
  Ver.03.17.02 FOR COPYRIGHT PROTECTED EBOOKS*END*`` in the books posted by leave of their
  copyright holders; in a 1994 HTML page, run into the end of the line before it), which also
  ends PG's part where a modern marker is followed by the old header and licence (the 2024
  edition of PG's first ebook);
* Project Gutenberg of Australia's texts, which have no markers: the header ends in its line "To
  contact Project Gutenberg of Australia go to …" (the "Title:"/"Author:" fields repeated after it
  are PG's too), the work ends at the line "Project Gutenberg Australia" (or "This site is full of
  FREE ebooks …") that closes the file;
* end: ``*** END OF THE (THIS) PROJECT GUTENBERG …``, or the ``(The) End of (the|this) Project
  Gutenberg('s) …`` line before it, which is all that older files have (in the German books
  Projekt Gutenberg-DE gave PG: ``Ende dieses Projekt Gutenberg Etextes …``), or, in the 2002-2003
  files that moved the licence to the end and may have no end line before it, the first line of
  that trailing part: ``******This file should be named …******`` (with the "The Project
  Gutenberg Etext of …" title lines just above it) or ``***START**THE SMALL PRINT!…``.

After the start marker, leading paragraphs that are PG's and not the work are dropped too: the
"Produced by …"/"This etext was prepared by …"/"Scanned and proofread by …"/"Transcribed from the …
edition by …"/"HTML file produced by …" credits (and the paragraph after a credit that ends in
"by", "and" or a comma, where the names went; a paragraph naming who scanned, proofread or typed
what, twice or more, is a credit too, as is a short one whose credit line, under the title, is signed
with the producer's e-mail address; a note in prose set flush left that names neither PG nor
the etext but stands between two paragraphs that do, as the 1991 edition's notes on its
copyright do; the signed notes of the 2000 First Folio etexts, "Executive Director's Notes:" to
"Michael S. Hart …", "Scanner's Notes:" to "David Reed"), notes such as "There is an illustrated
edition of this title …" (a note in brackets that such a paragraph opens, "[This e-text includes characters
that require UTF-8 …", is PG's to its closing bracket, paragraphs later), the header of a book
reissued from Distributed Proofreaders Canada (its licence, its "Title: …" fields), the producer's
thanks to the Bibliothèque nationale de France (in English, then in French) and, in older files,
the title line repeated from the header ("*******The Project Gutenberg Etext of …******", "#2 in
our series …") and an ornament such as "***" after it. The
first paragraph that is none of these starts the work. At the end, the colophon of the books
Jeroen Hellingman's tools made (a "Colophon" heading, then "Availability": licence, metadata,
revision history, corrections; headed in the book's language too, "Colofón", "Disponibilidad") is
PG's too. A note on the file's encoding among the leading paragraphs ("This text uses UTF-8
(Unicode) file encoding. If the apostrophes … appear as garbage …") is PG's like a credit.

The producers' own notes are counted apart, as ``transcriber_note``: a note in brackets inside
the book's lines ("p. 71 [Transcriber's Note: p. 73], that"), a paragraph that opens
"[Transcriber's Note …" (to its closing bracket) or "Transcriber's Notes:" (with the paragraphs
after it, up to the gap of blank lines that ends the note's section in a text edition, or the rule
under it; a heading alone takes the section after the blank lines under it; in a page the note's
section is found by its markup, see :mod:`jiniac_hpc.corpus.readers.gutenberg_html`; in French,
German, Spanish and Italian too: "Note du transcripteur", "Anmerkungen zur Transkription", "Nota del
transcriptor"), a producer's section among the front matter headed "Preface to the Project Gutenberg
Etext" or "Notes on this etext …:" (to its gap or rule), the work's first section where it is mostly
a note on the etext with no heading ("The listed errata have been corrected …, as have obvious
typos"; "Le texte en italiques dans l'original est indiqué ici comme _italiques_"; the book's title
above it stays), a note in brackets among the work's first paragraphs that speaks of PG or the
etext, a paragraph of prose among the title pages that speaks of this etext ("The oldest etext known
to Project Gutenberg", "released by Project Gutenberg"; naming PG alone is not enough, a book may be
about PG) or opens "This etext …"/"Digitized by …" (that paragraph alone: the title page may follow
it), the list of corrections after the book from its heading ("Transcriber's Notes.", "ERRATA (noted
by transcriber)", or a bare "Errata" over lines that give the book's reading in brackets, "Portae
nōn gehennae  [non]") and the ornament before it, or from an ornament before a paragraph in the
producer's words ("Ce livre électronique reproduit intégralement le texte original. Seules quelques
erreurs typographiques évidentes ont été corrigées"), and in a page the producers' boxes
(``class="mynote"``, ``"transnote"``: see :mod:`jiniac_hpc.corpus.readers.gutenberg_html`).

``encoding: auto`` reads what the page's ``<meta>`` or the header declares ("Character set
encoding: EUC-JP") as browsers read it, else guesses without ever turning a CJK book into Latin
mojibake (:mod:`jiniac_hpc.corpus.readers.charsets`): bytes no codec reads are a bad-input reject
that names the line, a few stray bytes in a UTF-8 file are dropped and counted as
``undecodable_byte``. A file with no start marker is not a Project Gutenberg text: a bad-input
reject (read it with the ``text`` reader), unless PG's end line is among its last lines or it ends
in Hellingman's colophon (a mirror that cut the header off and kept the rest: the work starts at
the file's start). An HTML page with no marker may be one page of a book PG split over several
(``76-h/main.htm`` with PG's header and licence, ``p1.htm`` … ``p8.htm`` the chapters): when a page
beside it with PG's header reaches it by links, the page is the work whole (``part_of`` in the
record names that page; its lines of links to the other pages, "Previous Part / Main Index", are
``navigation``), else it is a bad-input reject saying it is such a page and naming one it links
to (:func:`jiniac_hpc.corpus.readers.gutenberg_pages.book_main_page`).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import charsets
from jiniac_hpc.corpus.readers.aozora import aozora_clean
from jiniac_hpc.corpus.readers.base import (SPLITLINES_BREAKS, BadInput, Record, is_epub, open_binary, sniff_binary,
                                            sniff_markup, sniff_wiki)
from jiniac_hpc.corpus.readers.epub import off_spine_documents, spine_documents
from jiniac_hpc.corpus.readers.gutenberg_html import (PRODUCER_HEAD, TN_WORDS, declared_charset, inline_notes,
                                                      nonspace, page_lines)
from jiniac_hpc.corpus.readers.gutenberg_lilypond import lilypond_blocks
from jiniac_hpc.corpus.readers.gutenberg_pages import book_main_page, book_pages, not_in_book

# *END*THE, *END THE, **END THE; the licence for the books PG posted by their copyright holders' leave
# ends "*SMALL PRINT! Ver.03.17.02 FOR COPYRIGHT PROTECTED EBOOKS*END*" (the END last). In a page whose
# Small Print is paragraphs (1994's lglass18h.htm) the end line is run into the line before it: "… TEL:
# (212-254-5093) *END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*", the whole marker last
_SMALL_PRINT_END = re.compile(r"^\s*\*+\s*(END\*?\s*THE SMALL PRINT|SMALL PRINT!.*\*END\*+\s*$)"
                              r"|^.*\S\s+\*+END\*?\s*THE SMALL PRINT!.*\*END\*+\s*$", re.I)
# Project Gutenberg of Australia's texts have no markers: their header (the "* A Project Gutenberg of
# Australia eBook *" fields, its licence) ends "To contact Project Gutenberg of Australia go to …", and the
# file ends in a line "Project Gutenberg Australia" (newer ones: "This site is full of FREE ebooks - …")
_PGA_START = r"^\s*To contact Project Gutenberg (of )?Australia\b"
_PGA_END = r"^\s*Project Gutenberg (of )?Australia\s*$|^\s*This site is full of FREE ebooks"
_START = re.compile(r"^\s*\*{3}\s*START OF (THE |THIS )?PROJECT GUTENBERG E-?(BOOK|TEXT)|" + _PGA_START + "|"
                    + _SMALL_PRINT_END.pattern, re.I)
_END = re.compile(r"^\s*\*{3}\s*END OF (THE |THIS )?PROJECT GUTENBERG"
                  r"|^\s*(The )?End of (the |this )?Project Gutenberg|^\s*Ende dieses Projekt Gutenberg|"
                  + _PGA_END, re.I)
# the first line of a licence trailer with no end line before it: an end only after a start marker (the
# same lines stand in a header, which a file with no start marker may still have)
_TRAILER = re.compile(r"^\s*\*+\s*This file should be named|^\s*\*+\s*START\*+\s*THE SMALL PRINT", re.I)
# the title lines PG's trailing part opens with where it has no end line ("The Project Gutenberg Etext of …",
# "by …", then "******This file should be named …******")
_TITLE = re.compile(r"^\s*\**\s*(The )?Project Gutenberg('s)? E-?(text|book) of\b", re.I)
# A leading paragraph that is PG's: a credit, or any mention of PG or of the "etext" itself.
_CREDIT = re.compile(r"^\s*(Produced by|Prepared by|Scanned (and proof(-?read|ed) )?by|Transcribed (by|from)\b"
                     r"|E-?text (prepared|produced|scanned) by|(Text|HTML) (file|version|edition)s? (was )?produced by"
                     r"|(This )?(updated |corrected |revised )?(edition|version) (was )?produced by"
                     r"|HTML formatting( and [a-z ]+)? by|\(?Additional editing by"
                     r"|This e-?(text|book) (was|is)\b|There is an illustrated edition of this title"
                     r"|\[This (e-?)?text (uses|is intended for)\b"
                     r"|\*?\s*A Distributed Proofreaders Canada e-?book"
                     r"|Nous remercions la Biblioth[eè]que [Nn]ationale)", re.I)   # the thanks to Gallica, in French
# the volunteers' own credits of the early 1990s, written as notes ("[Chapters 1-6: mostly scanned by …,
# proofread, partially typed …"): two or more of these in one paragraph make it a credit
_CREDIT_PHRASE = re.compile(r"\b(scanned|proof-?read|re-?proofed|proofed|typed|digitized)( and [a-z-]+)? by\b", re.I)
_PG_TALK = re.compile(r"Project Gutenberg|Projekt Gutenberg|Gutenberg[ -]Projekt|\bE-?texts?\b|Distributed Proofread"
                      r"|pgdp(canada)?\.net|\bFaded Page\b|\bpublic domain\b", re.I)
# a header field line ("Title: …", "Date first posted: …") as PG's and DP Canada's headers have them
_FIELD = re.compile(r"^\s*(Title|Author|Translator|Illustrator|Editor|Language|Credits|Release date|Date of first "
                    r"publication|Date first posted|Date last updated|Character set encoding)\s*:", re.I)
# the producers' own notes in the work: a paragraph that opens "[Transcriber's Note: …" or "Transcriber's
# Notes:", and the list of corrections after the book ("Transcriber's Notes.", "Errata Noted by Transcriber:",
# "ERRATA (noted by transcriber)", "Typographical errors corrected by the etext transcriber:")
_TN = re.compile(r"^\s*\[?\s*" + TN_WORDS + r"\b", re.I)      # (French, German, Spanish and Italian too)
_TN_TAIL = re.compile(r"^\s*(" + TN_WORDS + r"_?[.:]?\s*$|(Errata|Errors|Corrections|Typographical "
                      r"errors)\b.*\btranscriber\b|.*\b(noted|corrected|made) by (the )?(e-?text )?transcriber\b)", re.I)
_ERRATA = re.compile(r"^\s*_?(Errat(a|um)|Corrigenda|Corrections|Typographical (errors|corrections))_?[.:]?\s*$", re.I)
# what a book's own list of errata says (a producer's list quotes the lines it corrected: a PG text has no pages)
_PRINTED_ERRATA = re.compile(r"\bfor\b.+\bread\b|\bshould be\b|\b(p|pp|page|line|l)\.?\s*\d+", re.I)
_TN_TAIL_SHARE = 0.05     # the list of corrections is a small part of the book: at most this share of its text
# a note on the file's encoding at the head of the work ("This text uses UTF-8 (Unicode) file encoding. If
# the apostrophes … appear as garbage, you may have an incompatible browser …")
_ENCODING_NOTE = re.compile(r"\b(UTF-?8|Unicode)\b|file encoding|display properly|appear as garbage"
                            r"|incompatible browser", re.I)
# the signed notes of 1999-2000 etexts (Shakespeare's First Folio): "Executive Director's Notes:" … signed
# "Michael S. Hart / Project Gutenberg / Executive Director", "Scanner's Notes: What this is and isn't" …
# signed "David Reed"; the signature is a paragraph opening with a name
_SIGNED_NOTE = re.compile(r"^\s*(Executive Director'?s Notes?|Scanner'?s Notes?|Preparer'?s Notes?)\b", re.I)
_NAME = re.compile(r"^\s*[A-Z][a-z]+( [A-Z]\.)*( [A-Z][a-z]+){1,2}\s*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CONTINUED = re.compile(r"(\bby|\band( the)?|&|,)\s*$", re.I)   # a credit that goes on in the next paragraph
_DECLARED = re.compile(rb"^Character set encoding:\s*([A-Za-z0-9_ -]+?)\s*$", re.M | re.I)
# the notation block at the head of PG's Japanese books (林清俊's translations): "《...》 shows ruby"
_NOTES = re.compile(r"^\s*(Notes on the signs in the text|【テキスト中に現れる記号について】)")
_RULE = re.compile(r"^\s*[-－─━=_]{10,}\s*$")
_ORNAMENT = re.compile(r"^\s*\*(\s+\*){2,}\s*$")     # "*       *       *"
_COLOPHON = {"Colophon", "Colofon", "Colofón", "Kolophon"}
_LICENCE = re.compile(r"This e-?book is for the use of anyone anywhere", re.I)   # the colophon's "Availability"
# the links a page of a multi-page book opens and ends with: "Previous Part   Main Index   Next Part", "Home"
# (a line of these words only, one of them a direction: a "Contents" heading alone is the page's)
_NAV = re.compile(r"^(?=.*\b(Previous|Next|Main|Home|Up|Back|Top)\b)"
                  r"(\s*(Previous|Next|Main|Home|Index|Part|Chapter|Book|Contents|Up|Back|Top|to)\b[\s|:.-]*)+$", re.I)
# the producers' paragraphs among the front matter, after the title ("This etext was originally created in
# 1964-1965 …", "Digitized by Dave Gowan. … None of the McPherson edition is included in the Etext below",
# "I would like to dedicate this etext to my mother …", "The oldest etext known to Project Gutenberg"):
# prose that speaks of this etext. Not of Project Gutenberg alone: a book about PG names it in its text
# (#43007, an essay on Michael Hart)
_PRODUCER_NOTE = re.compile(r"^\s*(This e-?text\b|Digitized by\b)", re.I)
_PRODUCER_TALK = re.compile(r"\b(this|the|our)\s+([\w,]+\s+){0,3}e-?text\b|released (by|as) Project Gutenberg"
                            r"|Project Gutenberg('s)? (e-?texts?|editions?|versions?|volunteers?)\b", re.I)
# what a producer's note on the etext itself says, unheaded, where a book's first section would be (#52834: "The
# listed errata have been corrected …, as have obvious typos. However, the original text contained inconsistencies
# … retained"; #44157: "Le texte en italiques dans l'original est indiqué ici comme _italiques_"; 8fau110: "two 7
# bit ASCII characters"): a paragraph that says two of these things is the producer's
_PRODUCER_WORD = re.compile(
    r"\b(underscores?|ASCII|Latin-1|UTF-?8|[78][- ]bit|HTML|plain[- ]text|text version|this version|e-?texts?"
    r"|e-?books?|livre électronique|transcri(ber|bed|ption)s?|transcripteur|typos?|errata|typographical errors?"
    r"|printer'?s? errors?|erreurs typographiques|Druckfehler|italics?|italiques|kursiv|gesperrt"
    r"|(in|dans|im) (the |l['’])?original|original (text|book|edition|printing)|texte original"
    r"|(have|has|were|was|ont été) (silently )?(corrected|retained|preserved|standardi[sz]ed|normali[sz]ed"
    r"|regulari[sz]ed|renumbered|moved|changed|corrigées?|conservées?))\b", re.I)
_PRODUCER_SHARE = 0.5     # a front section is the producer's note where such paragraphs are this share of it
_SECTION_CHARS = 6000     # … and it is no longer than this (a note, not a preface)
_FRONT_PARAGRAPHS = 40
_TAIL_LINES = 400         # PG's end line and licence after it: a file with no start marker ends so
_LEAD_PARAGRAPHS = 12     # look no further for PG's credits than this many paragraphs


def read_gutenberg(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One record: the work; the rest counted as unread boilerplate."""
    with open_binary(path) as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        yield Record(1, None, f"book larger than max_record_bytes={limit}")
        return
    why = sniff_binary(raw[:1 << 16]) or sniff_wiki(raw[:1 << 16])   # (Wikipedia is said so, not taken for HTML)
    edition = "epub" if why and is_epub(raw) else "html" if not why and sniff_markup(raw) else "text"
    if why and edition != "epub":
        raise BadInput(why)
    try:
        lines, unread, encoding = _lines(raw, src.encoding, edition)
    except UnicodeDecodeError as e:
        line = e.object[:e.start].count(b"\n") + 1
        yield Record(1, None, f"undecodable text ({e.encoding}) near line {line}: {e.reason}")
        return
    size = len if edition == "text" else nonspace   # a page's whitespace is not counted (see gutenberg_html)
    start = next((i for i, x in enumerate(lines) if _START.match(x)), None)
    if start is None and (any(_END.match(x) for x in lines[-_TAIL_LINES:]) or _colophon(lines) < len(lines)):
        start = -1     # a mirror that cut PG's header off (gutenbergbooks/*) but kept its end line or colophon
    main = None
    if start is None and edition == "html":     # one page of a book PG split over several pages?
        main, pages = book_main_page(path)
        if main is None and pages:
            yield Record(1, None, not_in_book(path, pages))
            return
        start = -1 if main else None
    if start is None:
        yield Record(1, None, "no '*** START OF THE PROJECT GUTENBERG EBOOK' marker: not a Project Gutenberg "
                              f"{'text' if edition == 'text' else edition} (read it with the text reader)")
        return
    start = _past_small_print(lines, start + _wrapped(lines, start))
    end = next((i for i in range(start + 1, len(lines))
                if _END.match(lines[i]) or (start >= 0 and _TRAILER.match(lines[i]))), len(lines))
    end = _title_above(lines, end)
    body = lines[start + 1:end]
    body = body[(0 if main else _lead(body)):_colophon(body)]    # a page after the main one is the work's
    nav = 0
    if main:
        body, nav = _navigation(body, size)
    body, notes = _transcriber_notes(body, size, edition == "text")
    unread["boilerplate"] = sum(map(size, lines)) - sum(map(size, body)) - notes - nav
    unread["navigation"] = unread.get("navigation", 0) + nav     # (a page's own navigation markup too)
    unread["transcriber_note"] = unread.get("transcriber_note", 0) + notes
    if edition == "text" and charsets.language(raw) == "japanese" and any("《" in x for x in body):
        notation: Counter = Counter()       # Aozora's, in PG's Japanese books: 帳《とばり》, ｜雲形線…《…》
        body = [aozora_clean(x, notation) for x in body]
        unread.update(notation)
    work = "\n".join(body).strip("\n")
    meta = {"encoding": encoding.replace("utf-8-sig", "utf-8"), "edition": edition}
    if main:
        meta["part_of"] = main       # the page with PG's header (read on its own as the book's first page)
    elif edition == "html":
        meta.update(book_pages(path, raw))   # a multi-page book's main page: where the rest of the work is
    yield Record(1, work, None, len(raw), meta=meta, unread={k: v for k, v in unread.items() if v})


def _lines(raw: bytes, encoding: str, edition: str) -> tuple[list[str], dict[str, int], str]:
    """(lines, unread counts, codec) of a text file, a page, or an EPUB's spine documents in order
    (each set off from the next by an empty line). Raises ``UnicodeDecodeError``."""
    if edition == "text":     # line ends are not counted
        text, codec, dropped = _decode(raw, encoding)
        # splitlines also breaks at a form feed (a page break in old etexts): counted, as aozora does
        breaks = sum(text.count(c) for c in SPLITLINES_BREAKS)
        return text.splitlines(), {"undecodable_byte": dropped, "markup": breaks}, codec
    if edition == "html":
        text, codec, dropped = _decode(raw, encoding, html=True)
        lines, unread, _ = page_lines(text)
        return lines, {**unread, "undecodable_byte": dropped}, codec
    lines: list[str] = []
    unread: Counter = Counter()
    codecs_used = []
    for _, doc in spine_documents(raw):
        text, codec, dropped = _decode(doc, encoding, html=True)
        doc_lines, doc_unread, _ = page_lines(text)
        lines += ([""] if lines and lines[-1] and doc_lines and doc_lines[0] else []) + doc_lines
        unread.update(doc_unread)
        unread["undecodable_byte"] += dropped
        codecs_used.append(codec)
    for _, doc, reason in off_spine_documents(raw):    # the contents lists (toc.xhtml, toc.ncx): counted, not read
        text, _, dropped = _decode(doc, encoding, html=True)
        _, doc_unread, total = page_lines(text)
        unread.update(doc_unread)
        unread[reason] += total - sum(doc_unread.values())
        unread["undecodable_byte"] += dropped
    return lines, dict(unread), "/".join(dict.fromkeys(codecs_used))


def _decode(raw: bytes, encoding: str, html: bool = False) -> tuple[str, str, int]:
    """(text, codec, stray bytes dropped): the encoding the source config names, else what the page's
    ``<meta>`` or the header declares, read as :mod:`charsets` says. Raises ``UnicodeDecodeError``."""
    if encoding != "auto":     # the user's own choice, as written (latin-1 reads every byte)
        enc = {"shift_jis": "cp932", "utf-8": "utf-8-sig"}.get(encoding, encoding)
        return raw.decode(enc), enc, 0
    declared = declared_charset(raw) if html else None
    if declared is None:
        m = _DECLARED.search(raw[:1 << 14])
        declared = m.group(1).decode("ascii") if m else None
    return charsets.decode(raw, declared, charsets.language(raw))


def _wrapped(lines: list[str], start: int) -> int:
    """1 if the start marker at ``start`` runs on into the next line (``*** START OF THIS PROJECT
    GUTENBERG EBOOK`` / ``THE STRANGE CASE OF DR. JEKYLL AND MR. HYDE ***``), else 0."""
    if start < 0 or not lines[start].lstrip().startswith("***") or lines[start].rstrip().endswith("***"):
        return 0
    nxt = lines[start + 1].rstrip() if start + 1 < len(lines) else ""
    return int(nxt.endswith("***") and not nxt.lstrip().startswith("*"))


def _past_small_print(lines: list[str], start: int) -> int:
    """``start``, or the first 1990s licence end ``*END*THE SMALL PRINT! …*END*`` after it that the
    work follows (PG's first ebook, whose 2024 edition kept the 1993 header and Small Print under the
    modern start marker). A Small Print at the end of the file (2002 files) is followed by nothing but PG's end
    line, and is left to the end search."""
    for k in range(start + 1, len(lines)):
        if _SMALL_PRINT_END.match(lines[k]):
            after = next((i for i in range(k + 1, len(lines)) if _END.match(lines[i])), len(lines))
            if any(x.strip() for x in lines[k + 1:after]):
                return k
    return start


def _title_above(lines: list[str], end: int) -> int:
    """Where PG's trailing part starts, given its first marker line ``end``: a title line ("The
    Project Gutenberg Etext of …") among the two lines just above it starts it instead."""
    for k in (end - 1, end - 2):
        if 0 <= k < len(lines) and lines[k].strip() and _TITLE.match(lines[k]):
            return k
    return end


def _lead(body: list[str]) -> int:
    """How many leading lines of ``body`` are PG's (credits and the paragraph a credit runs on
    into, header fields, a repeated title block): whole paragraphs, up to the first one that is the
    work's."""
    i, seen, continued, talk = 0, 0, False, False
    while i < len(body) and seen < _LEAD_PARAGRAPHS:
        i, j, para = _paragraph(body, i)
        if para and _RULE.match(para[0]) and len(para) > 1 and _NOTES.match(para[1]):
            k = next((k for k in range(i + 2, len(body)) if _RULE.match(body[k])), None)
            if k is not None:        # the notation block of PG's Japanese books, rule to rule
                i, seen = k + 1, seen + 1
                continue
        if para and (PRODUCER_HEAD.match(para[0]) or _TN.match(para[0])):
            return i                 # a producer's note, counted apart (_note_end)
        signed = _signature_end(body, j) if para and _SIGNED_NOTE.match(para[0]) else None
        if signed is not None:       # the note and its signature, whatever they say
            i, seen, continued, talk = signed, seen + 1, False, True
            continue
        credit = bool(para) and (bool(_CREDIT.match(para[0])) or len(_CREDIT_PHRASE.findall(" ".join(para))) >= 2
                                 or _signed_credit(para))
        ornament = seen > 0 and not any(c.isalnum() for x in para for c in x)   # "***" after PG's title block
        pg_talk = any(_PG_TALK.search(x) or _ENCODING_NOTE.search(x) for x in para)
        if not para or not (continued or credit or ornament or all(_FIELD.match(x) for x in para) or pg_talk
                            or (talk and _bridge(body, para, j))):
            return i
        continued = credit and bool(_CONTINUED.search(para[-1]))
        talk = pg_talk
        i, seen = _bracket_end(body, para, j), seen + 1
    return i


def _paragraph(body: list[str], i: int) -> tuple[int, int, list[str]]:
    """(first line, line after it, lines) of the paragraph at or after line ``i`` of ``body``."""
    while i < len(body) and not body[i].strip():
        i += 1
    j = i
    while j < len(body) and body[j].strip():
        j += 1
    return i, j, body[i:j]


def _signature_end(body: list[str], j: int) -> Optional[int]:
    """The line after the signature (a paragraph of at most three lines opening with a name, "David
    Reed") that ends a signed note whose first paragraph ends at line ``j``; None if none comes
    within a few dozen paragraphs."""
    for _ in range(40):
        k, j, para = _paragraph(body, j)
        if not para:
            return None
        if len(para) <= 3 and _NAME.match(para[0]):
            return j
    return None


def _bridge(body: list[str], para: list[str], j: int) -> bool:
    """Whether ``para`` (ending at line ``j``), which names neither PG nor the etext, is PG's note
    between two that do: the 1991 edition's notes, "This edition of Peter Pan … Public Domain …",
    "To assist in the preservation of this edition … claimed as copyright (c)1991 …", "Disclaimer: …
    this etext is perfectly accurate …". A note is prose set flush left (a title page is centred or
    short-lined), and the paragraph after it is PG's by its words."""
    prose = len(para) >= 2 and all(len(x) - len(x.lstrip()) < 4 for x in para) and \
        sum(len(x.strip()) for x in para) >= 40 * len(para)
    if not prose:
        return False
    _, _, nxt = _paragraph(body, j)
    return any(_PG_TALK.search(x) for x in nxt)


def _bracket_end(body: list[str], para: list[str], j: int, most: int = 4) -> int:
    """Where PG's paragraph ``para`` (ending at line ``j``) ends with the note it opens: a "[This
    e-text includes characters that require UTF-8 …" paragraph whose bracket the note's later
    paragraphs close (the characters, what to do if they show as garbage "…instead.]") runs to the
    line that closes it, so no half of the note is left as the work's start; ``j`` if it opens no
    bracket or none closes within ``most`` paragraphs."""
    depth = sum(x.count("[") - x.count("]") for x in para)
    if depth <= 0:
        return j
    paragraphs = 0
    for k in range(j, min(len(body), j + 15 * most)):
        depth += body[k].count("[") - body[k].count("]")
        paragraphs += not body[k].strip() and bool(body[k - 1].strip())
        if depth <= 0:
            return k + 1
        if paragraphs > most:
            break
    return j


def _signed_credit(para: list[str]) -> bool:
    """A short paragraph whose credit line is under the title and signed with the producer's e-mail
    address ("De Profundis by Oscar Wilde" / "Scanned and proofed by David Price, ccx074@…", 1997)."""
    return len(para) <= 3 and any(_CREDIT.match(x) for x in para[1:]) and any(_EMAIL.search(x) for x in para)


def _transcriber_notes(body: list[str], size, text: bool) -> tuple[list[str], int]:
    """``body`` without its producers' notes, and their size (``size`` of each line): the note that
    is the work's first section (:func:`_front_note`), each paragraph that opens "[Transcriber's
    Note …" (to its closing bracket) or "Transcriber's Notes:", a producer's section headed "Preface
    to the Project Gutenberg Etext", a note in
    brackets among the first paragraphs that speaks of PG or the etext, a producer's paragraph of
    prose among the title pages, and the list of corrections after the book, from its heading
    ("Transcriber's Notes.", "Errata Noted by Transcriber:") or the ornament before a producer's
    paragraph (:func:`_tail_note`) in the last quarter of the lines to the end."""
    n = len(body)
    tail = next((k for k in range(n * 3 // 4, n) if (k == 0 or not body[k - 1].strip())
                 and len(body[k].strip()) <= 80 and (_TN_TAIL.match(body[k]) or _tail_note(body, k))), n)
    if sum(map(size, body[tail:])) > max(3000, _TN_TAIL_SHARE * sum(map(size, body))):
        tail = n       # a heading so far from the end heads a note inside the book, not the list after it
    while tail < n and tail > 0 and not any(c.isalnum() for c in body[tail - 1]):
        tail -= 1      # the ornament ("*       *       *") that sets the list apart from the book
    kept, dropped, i, paragraphs = [], sum(map(size, body[tail:])), 0, 0
    front = _front_note(body, tail, text)
    while i < tail:
        if front and i == front[0]:
            dropped += sum(map(size, body[i:front[1]]))
            i = front[1]
            continue
        start = (i == 0 or not body[i - 1].strip()) and body[i].strip()
        paragraphs += bool(start)
        end = _note_end(body, i, paragraphs, tail, text) if start else None
        if end is not None:
            dropped += sum(map(size, body[i:end]))
            i = end
            continue
        kept.append(body[i])
        i += 1
    kept, inline = inline_notes(kept, size)     # "… p. 71 [Transcriber's Note: p. 73], that"
    kept, music = lilypond_blocks(kept, size)   # a score's LilyPond source the producers set in the text
    return kept, dropped + inline + music


def _tail_note(body: list[str], k: int) -> bool:
    """Whether the paragraph at line ``k``, set off from the book by an ornament or a rule, opens the
    producer's note after it: it, or the one after it if it is a short heading ("Au lecteur."), says
    two things only a producer says of the text ("Ce livre électronique reproduit intégralement le
    texte original. Seules quelques erreurs typographiques évidentes ont été corrigées …"); or it is
    a heading "Errata" (or "Erratum", "Corrections") over the producer's list of what they
    corrected, which quotes the corrected lines (#31894: "Portae nōn gehennae  [non]", the book's
    reading in brackets; #26060: "And all the luggage they took was a comb,"); a book's own list of
    errata names its pages and says "for … read …", and stays."""
    before = next((x for x in reversed(body[max(0, k - 6):k]) if x.strip()), "")
    if not (_ORNAMENT.match(before) or _RULE.match(before)):
        return False
    if _ERRATA.match(body[k]):
        return not any(_PRINTED_ERRATA.search(x) for x in body[k + 1:k + 200])
    _, j, para = _paragraph(body, k)
    if len(para) == 1 and len(para[0].strip()) <= 40:
        _, _, para = _paragraph(body, j)
    words = {m.group().lower() for m in _PRODUCER_WORD.finditer(" ".join(x.strip() for x in para))}
    return len(words) >= 2


def _note_end(body: list[str], i: int, paragraphs: int, tail: int, text: bool) -> Optional[int]:
    """Where the producers' note that the paragraph at line ``i`` (the work's ``paragraphs``-th)
    opens ends, or None if it opens none (see :func:`_transcriber_notes`)."""
    _, j, para = _paragraph(body, i)
    opens = sum(x.count("[") - x.count("]") for x in para) > 0
    front = paragraphs <= _LEAD_PARAGRAPHS
    if _TN.match(body[i]):
        if len(para) == 1 and _TN_TAIL.match(para[0]) and text:
            # a heading alone ("Original Transcriber's Notes:"): its note is the section after the
            # blank lines under it (#2701, five of them, then "This text is a combination of etexts …")
            j = next((k for k in range(j, min(len(body), j + 12)) if body[k].strip()), j)
        return min(_bracket_end(body, para, j, most=30) if opens else _section_end(body, j, front, text), tail)
    if paragraphs <= _FRONT_PARAGRAPHS and PRODUCER_HEAD.match(para[0]):
        return min(_section_end(body, j, True, text), tail)   # "Preface to the Project Gutenberg Etext" and its text
    if paragraphs <= _LEAD_PARAGRAPHS and body[i].lstrip().startswith("["):
        # a bracketed note near the top is PG's only where it speaks of PG or the etext (Kalevala's
        # "[This electronic edition has been copied verbatim … given Project Gutenberg permission …]")
        end = min(_bracket_end(body, para, j, most=30), tail)
        return end if any(_PG_TALK.search(x) for x in body[i:end]) else None
    if paragraphs <= _FRONT_PARAGRAPHS and max(len(x.strip()) for x in para) >= 50 and (
            _PRODUCER_NOTE.match(para[0]) or any(_PRODUCER_TALK.search(x) for x in para)):
        # a producer's paragraph among the title pages (prose, not a line of the contents); that
        # paragraph only: what follows it may be the title page (#7370's "TWO TREATISES OF GOVERNMENT")
        return j
    return None


def _section_end(body: list[str], j: int, front: bool, text: bool) -> int:
    """Where an unbracketed note that ends a paragraph at line ``j`` ends: its later paragraphs run
    to the next gap of three blank lines or more, as a plain-text edition sets its sections apart
    ("Transcriber's note:", the note's indented lines, five blank lines, the title page), to a
    rule ("-----") that closes it, rule included, or to an ornament ("*   *   *"); ``j`` where none
    comes within 60
    lines, 200 among the ``front`` paragraphs (#16351's legend of the music notation, #132's
    preface). In a page (not ``text``) it is the paragraph alone: a page sets its sections apart
    with its markup, not with blank lines, and the note's section is found there
    (:mod:`jiniac_hpc.corpus.readers.gutenberg_html`)."""
    if not text:
        return j
    blank = 0
    for k in range(j, min(len(body), j + (200 if front else 60))):
        blank = blank + 1 if not body[k].strip() else 0
        if blank >= 3:
            return k - 2
        if _ORNAMENT.match(body[k]):
            return k         # the ornament ("*       *       *") sets the next section off: the work's
        if _RULE.match(body[k]):
            return k + 1     # the producer's rule under the note
    return j


def _front_note(body: list[str], tail: int, text: bool) -> Optional[tuple[int, int]]:
    """(first line, line after it) of the producer's note in the work's first section (its lines up
    to a gap or a rule), or None. The section is the producer's note when it is no longer than a
    note, is not set as a title page (no line indented ten spaces or more), and at least half of it
    is paragraphs that speak of PG or the etext, or say two things only a producer says of the text
    (the errata it corrected, the original's italics set as _underscores_, its ASCII). The note
    starts at the first such paragraph, or at the one-line heading ending in "." or ":" just before
    it ("Au lecteur."): the book's title and author above it stay."""
    i, j, first = _paragraph(body, 0)
    end = min(_section_end(body, j, True, text), tail)
    section = body[i:end]
    size = sum(map(nonspace, section))
    if not first or size > _SECTION_CHARS or any(len(x) - len(x.lstrip()) >= 10 for x in section if x.strip()):
        return None
    paras, ours = [], 0
    while i < end:
        i, j, para = _paragraph(body, i)
        if not para:
            break
        text = " ".join(x.strip() for x in para)
        mine = len({m.group().lower() for m in _PRODUCER_WORD.finditer(text)}) >= 2 or any(
            _PG_TALK.search(x) or _PRODUCER_TALK.search(x) for x in para)
        paras.append((i, para, mine))
        ours += nonspace(text) if mine else 0
        i = j
    if not ours or ours < _PRODUCER_SHARE * size:
        return None
    k = next(n for n, (_, _, mine) in enumerate(paras) if mine)
    head = paras[k - 1][1] if k else None
    if head and len(head) == 1 and len(head[0].strip()) <= 40 and head[0].rstrip()[-1] in ".:":
        k -= 1
    while not body[end - 1].strip():
        end -= 1             # the blank lines after it stay the work's
    return paras[k][0], end


def _navigation(body: list[str], size) -> tuple[list[str], int]:
    """``body`` of a page of a multi-page book without the lines of links to the other pages it
    opens and ends with, and their size."""
    a, b = 0, len(body)
    while a < b and (not body[a].strip() or _NAV.match(body[a])):
        a += 1
    while b > a and (not body[b - 1].strip() or _NAV.match(body[b - 1])):
        b -= 1
    return body[a:b], sum(map(size, body[:a] + body[b:]))


def _colophon(body: list[str]) -> int:
    """Where the trailing colophon of Hellingman's books starts in ``body`` (``len(body)`` if none):
    the last "Colophon" heading (in the book's language: "Colofon", "Colofón") whose next non-empty
    line is "Availability", or another short heading ("Disponibilidad") and then PG's licence
    sentence."""
    for i in range(len(body) - 1, -1, -1):
        if body[i].strip() in _COLOPHON:
            nxt = [x.strip() for x in body[i + 1:i + 12] if x.strip()][:2]
            if nxt[:1] == ["Availability"] or (
                    len(nxt) == 2 and len(nxt[0]) <= 30 and _LICENCE.match(nxt[1])):
                return i
    return len(body)
