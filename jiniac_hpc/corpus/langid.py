"""Which neighbouring language a Devanagari or Latin-script document is in, from its function words.

    python -m jiniac_hpc.corpus.langid hi "मुंबईत काल पाऊस झाला आणि त्यामुळे लोकल सेवा बंद होती, असे रेल्वेने सांगितले."
    # prints the language found (mr) and the word counts of each list

The script-ratio test of :mod:`jiniac_hpc.corpus.filters` tells Japanese from English from Hindi,
but not Hindi from Marathi, Nepali or Sanskrit (all Devanagari), nor English from German, French,
Spanish, Polish, Turkish or any other Latin-script language. ``other_language(text, lang)`` does:
it counts, in the first words of the document (and as many from its middle), the words (and, for
Devanagari, word endings) on each language's short list of frequent function words (postpositions,
copulas, articles, conjunctions, case endings), and names the language whose words outnumber
those of ``lang`` by ``margin`` times.
A list holds only words that are rare in the other languages of its script (Hindi है / से / में,
Marathi आहे / आणि / मध्ये, Nepali छ / लाई / पनि, Sanskrit च / इति / एव; English the / of / which,
German der / und / nicht, ...). Text without such words (code, tables, lists of names, numbers)
is not called another language; for English the one exception is prose that has almost none of
English's function words and reads like another Latin-script language (``other_latin``, see
``other_language``).

Hinglish, decided: a ``hi`` source is Hindi in Devanagari. Devanagari prose with English words in
it ("मैं office जा रहा हूँ") is Hindi and kept (the script ratio counts letters, and the English words
are few); a source's ``char_allowlist`` (jiniac-phase1's hindi) then removes those Latin words,
counted as ``cleanup_char_allowlist``. Romanised Hindi ("main ghar ja raha hoon") has no Devanagari:
a ``hi`` source rejects it as ``lang`` (``script``), also where its allowlist removed the Latin words
first (``filters.reject_cleaned``); an ``en`` source keeps a short line of it (no
word list tells it from English) and rejects longer lowercase prose as ``other_latin``.

The lists are plain data below, so a reader can check every word; no model file, nothing at run
time but a split of at most ``2 * WINDOW`` characters and dict look-ups (and, for the rare English
text with few English words, two regex counts over the same sample).
"""
from __future__ import annotations

import sys
from collections import Counter
from typing import Optional

import regex

# characters of a document sampled: its start, and as much from its middle when it is long
WINDOW = 1000
_STRIP = " \t\n\r.,;:!?\"'()[]{}<>«»“”‘’„*#|/\\—–-…।॥॰0123456789०१२३४५६७८९"

# A sentence alone (IndicCorp and Leipzig corpora keep one a line) has few function words: in a hi
# text of under SHORT_WORDS words, a single word of another list and none of Hindi's decides, but for
# the words below, which Hindi also uses (the vocative हे: "हे अर्जुन!"). Not for en: English titles
# and names carry one foreign article (El Niño, Die Hard, La La Land).
SHORT_WORDS = {"hi": 20}
SHARED = {"hi": "हे"}
# en: another Latin-script language without a list (see other_language)
OTHER_MIN_WORDS, EN_MIN_SHARE, MARKED_MIN_SHARE = 15, 0.08, 0.015
PROSE_MIN_WORDS, PROSE_EN_MAX_SHARE, PROSE_MIN_LOWER = 30, 0.05, 0.8
_LATIN = regex.compile(r"\p{Latin}")
_MARKED = regex.compile(r"[\p{Latin}--[a-zA-Z]]", regex.V1)   # ä ł ş ő ệ ...: Latin letters beyond ASCII
_LOWER_WORD = regex.compile(r"(?<!\S)\p{Ll}+[,.;:!?]?(?!\S)")   # a word of prose: lowercase letters

# Function words by language, grouped by the source language they could pass as. No one-letter
# words (Spanish y and a, Portuguese o, Italian e: English has a and I, code its variables, names
# their initials) and none that English uses as often (in).
WORDS = {
    "hi": {
        "hi": "है हैं का की के में से को और ने पर यह था थे थी नहीं भी लिए कि तो जो साथ गया किया रहा करने "
              "वह इस उस कर कहा अपने होता होती होने जाता जाती गई रही रहे बहुत तक हुए हुआ कोई किसी सकता "
              "सकते करता करते करना हम आप इसके उनके लेकिन",
        "mr": "आहे आहेत आणि हे मध्ये त्या त्याच्या त्यांच्या त्यांनी त्याने केले केली केला झाले झाली झाला असे "
              "असून करण्यात येते येत येणार आली आला म्हणजे पण तसेच आपल्या त्यामुळे म्हणून हा ते कोणत्याही "
              "असलेल्या करून नाही आहोत होईल",
        "ne": "छ छन् र मा लाई पनि थियो थिए भएको गरेको गरेका छैन हुन्छ हुने यो त्यो गर्न रहेको भन्ने गरी "
              "उनले सबै हुन् गर्ने भने पर्छ पर्ने हुनेछ गर्दछ गरिने",
        "sa": "च अस्ति तु एव इति हि सः तत् अपि सह अथ स्म भवति तस्य इव यत् सर्वे कृत्वा तस्मात् यः सा मम "
              "अहम् अहं त्वम् वयम् अत्र तत्र सन्ति भवन्ति अस्य एतत् तेन यस्य येन वा सर्वेषां",
    },
    "en": {
        "en": "the of and to that for with are be by this from at have has had not which but were they you "
              "he she his her their its would been there can or it our if what when who all into than "
              "more about does did out up one them these those such only is was will shall any",
        "de": "der die und das ist nicht mit den von zu sich auf ein eine dem des auch es im für wird sind "
              "wie aber oder werden einer nach bei noch nur ich wir sie er vor durch über einen haben "
              "wurde kann um zum zur dass",
        "fr": "le la les de des et est un une du que qui dans pour pas sur au avec il elle ce sont par plus "
              "ne se en son sa ses aux nous vous ont été cette mais ou comme leur toute tout",
        "es": "el la los las de que en es un una por con para del se no al lo como su más pero sus le "
              "ha este esta son entre cuando muy sin sobre también fue hay ya toda todo",
        "pt": "os as de do da dos das que em no na um uma para com por não se mais ao pelo pela foi "
              "são como mas ou seu sua também está ser toda todo",
        "it": "il lo la gli le di che un una per con non del della dei delle è sono da al alla si come "
              "più ma anche questo questa nel nella essere ha stato ogni",
        "nl": "de het een en van is dat op te zijn met voor niet aan er om ook als bij door maar naar "
              "wordt dan nog worden kan uit wel hij zij deze werd tot",
        "sv": "och att det som är på av för med till den har inte ett jag vid också eller sina alla sig från",
        "pl": "nie się jest że od za po jak dla przez ich jego lub oraz być ze jako tym tego może są już",
        "vi": "và của là có được cho không những các một người này trong với để đã khi từ theo",
        "sw": "na ya wa za kwa ni katika cha vya kama au hii hiyo huo yake yao kila kuwa ana",
        "la": "et est cum ad sed quod ut qui quae enim autem atque etiam nec neque sunt esse iam nunc tamen ergo "
              "mihi tibi sibi eius",
        "tl": "ang ng mga sa na ay si ni nang kay ito iyon hindi para kung dahil siya sila kanilang bawat",
        "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada ke adalah juga ada oleh saya "
              "kami mereka sudah bisa atau karena sebagai telah dapat lebih hanya seperti setiap "
              "tersebut para kita harus",
    },
}
# Word endings, for the languages whose grammar sits in suffixes rather than separate words
# (Marathi कायद्याच्या / अधिकाराचा, Sanskrit जनः / प्रत्येकमपि, Nepali व्यक्तिहरू / गरेको): the last
# one to four characters of a word (an ending that ends in a shorter listed one adds nothing).
# Hindi's are its oblique plurals (लोगों, बातें); Nepali's -न्छ / -र्छ, not -्छ, which Hindi's स्वच्छ ends in.
ENDINGS = {
    "hi": {
        "hi": "ों ें ाएं ाएँ ियों ाओं",
        "mr": "च्या ाचा ाची ाचे ांना ांनी ळे ळा ळी ळ तील साठी पणे लेले लेला लेली ल्या णे ऊन",
        "ne": "हरू हरु लाई न्छ र्छ छन् ेको ेका ियो िएको नेछ दैन ्दछ ्दै ँदै",
        "sa": "ः स्य ानां ेषु ैः म् त् ऽपि मपि ेण",
    },
}
# word or ending -> bits of the languages it belongs to, per source language: one dict look-up each
_INDEX: dict[str, tuple[list[str], dict[str, int], dict[str, int]]] = {}


def _bits(lists: dict[str, str], names: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, name in enumerate(names):
        for w in lists.get(name, "").split():
            out[w] = out.get(w, 0) | 1 << i
    return out


for _src, _langs in WORDS.items():
    _INDEX[_src] = (list(_langs), _bits(_langs, list(_langs)), _bits(ENDINGS.get(_src, {}), list(_langs)))
    assert all(len(e) <= 4 for e in _INDEX[_src][2]), "word_counts looks at the last four characters"


def sample(text: str) -> str:
    """The part of ``text`` that is looked at: its first ``WINDOW`` characters, and ``WINDOW`` more
    from the middle of a text longer than three windows (a long page whose start is a menu)."""
    if len(text) <= 3 * WINDOW:
        return text[:2 * WINDOW]
    mid = len(text) // 2
    return text[:WINDOW] + " " + text[mid:mid + WINDOW]


def _count(text: str, lang: str) -> tuple[dict[str, int], int, str, dict[str, int]]:
    """(the words of ``sample(text)`` on each list of ``lang``'s group, the number of words, the sample,
    the counts again without the words in ``SHARED``)."""
    names, words, endings = _INDEX[lang]
    counts = [0] * len(names)
    plain = [0] * len(names)
    shared = set(SHARED.get(lang, "").split())
    s = sample(text)
    if lang == "en":
        s = s.lower()
    split = s.split()
    # (Counter counts the words in C: the look-ups below run once a distinct word)
    for w, n in Counter(split).items():
        b = words.get(w)
        if b is None:
            w = w.strip(_STRIP)
            b = words.get(w, 0)
            if not b and endings and len(w) > 2:   # (a one- or two-letter word is no stem + ending)
                b = endings.get(w[-1:], 0) | endings.get(w[-2:], 0) | endings.get(w[-3:], 0) | endings.get(w[-4:], 0)
        while b:   # (a word on several lists counts for each)
            low = b & -b
            counts[low.bit_length() - 1] += n
            if w not in shared:
                plain[low.bit_length() - 1] += n
            b ^= low
    return dict(zip(names, counts)), len(split), s, dict(zip(names, plain))


def word_counts(text: str, lang: str) -> dict[str, int]:
    """How many words of ``sample(text)`` are on each list of ``lang``'s group (``{}`` when ``lang``
    has no neighbours listed)."""
    return _count(text, lang)[0] if lang in _INDEX else {}


def other_language(text: str, lang: str, margin: float = 2.0, min_words: int = 2) -> Optional[str]:
    """The language of ``lang``'s group whose function words in the sample outnumber ``lang``'s own
    ``margin`` times (and number at least ``min_words``), else None. In a text of under
    ``SHORT_WORDS`` words (a sentence alone) with none of ``lang``'s words, one word of another list
    is enough for ``hi``, unless it is one Hindi also uses (``SHARED``).

    For ``en`` also ``other_latin``: prose in a Latin-script language without a list (Turkish,
    Finnish, Czech, Hungarian, Zulu, Somali, Basque, ...), told by few English function words
    (English prose has about 40% of its words on the list) together with either many letters with
    diacritics (under ``EN_MIN_SHARE`` English words of ``OTHER_MIN_WORDS`` or more, and
    ``MARKED_MIN_SHARE`` of the Latin letters marked) or, in plain ASCII, words that are nearly all
    lowercase letters (under ``PROSE_EN_MAX_SHARE`` English words of ``PROSE_MIN_WORDS`` or more,
    and ``PROSE_MIN_LOWER`` of the words lowercase). Code, tables and lists of names, which also
    have few English words, are plain ASCII and not lowercase prose."""
    if lang not in _INDEX:
        return None
    counts, n_words, s, plain = _count(text, lang)
    own = counts.pop(lang)
    best = max(counts, key=counts.get)
    if counts[best] >= min_words and counts[best] > margin * own:
        return best
    if own == 0 and n_words < SHORT_WORDS.get(lang, 0) and plain[best] >= 1:
        return best
    if lang == "en" and n_words >= OTHER_MIN_WORDS and own < EN_MIN_SHARE * n_words:
        if len(_MARKED.findall(s)) >= MARKED_MIN_SHARE * len(_LATIN.findall(s)):
            return "other_latin"
        if (n_words >= PROSE_MIN_WORDS and own < PROSE_EN_MAX_SHARE * n_words
                and len(_LOWER_WORD.findall(sample(text))) >= PROSE_MIN_LOWER * n_words):
            return "other_latin"
    return None


if __name__ == "__main__":
    print(other_language(sys.argv[2], sys.argv[1]), word_counts(sys.argv[2], sys.argv[1]))
