"""Derive the API v2 and multi-page forms of the real samples here (see SOURCES.md).

    python tests/assets/corpus/real/make_derived.py

- ``egov_405AC0000000088_api_v2.json``: the bulk XML of 行政手続法 in the shape e-Gov 法令API v2
  ``GET /law_data/{id}`` returns (``law_info``, ``revision_info``, ``law_full_text`` as the
  ``{"tag", "attr", "children"}`` tree, text nodes as strings in ``children``);
- ``egov_405AC0000000088_api_v2_b64.json``: the same with ``law_full_text_format=xml``
  (``law_full_text`` is the law XML in base64);
- ``kokkai_pages.json``: the five recorded Kokkai/Imperial Diet API responses saved as one JSON array;
- ``kokkai_speeches.jsonl``: their speech records, one a line (meeting fields copied into the
  speeches of a meeting response, as a harvester that saves speeches does);
- ``kokkai_old_api_error_19011_19028.json``: the API's XML error body turned into JSON as a client of
  the API before 2.0 saved its pages (``kokkai_old_api_speech_result.json``: each element an object of
  its children, a leaf its text), ``{"data": {"diagnostics": {"diagnostic": {"message", "details"}}}}``.

Deterministic: rerunning rewrites the same bytes.
"""
from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).parent
LAW = HERE / "egov_405AC0000000088.xml"
RESPONSES = ["kokkai_speech_api.json", "kokkai_meeting_api.json", "teikoku_speech_api.json",
             "teikoku_meeting_api.json", "kokkai_speech_api_full.json"]
MEETING_KEYS = ("issueID", "imageKind", "session", "nameOfHouse", "nameOfMeeting", "issue", "date")


def tree(el: ET.Element) -> dict:
    children: list = [el.text] if el.text else []
    for c in el:
        children.append(tree(c))
        if c.tail:
            children.append(c.tail)
    return {"tag": el.tag, "attr": dict(el.attrib), "children": children}


def as_hash(el: ET.Element):
    """An XML element as an XML-to-hash client gives it: a leaf's text, else an object of its children."""
    return {c.tag: as_hash(c) for c in el} if len(el) else el.text


def law_info(law: ET.Element) -> tuple[dict, dict]:
    num = law.findtext("LawNum")
    title = law.findtext("LawBody/LawTitle")
    info = {"law_type": law.get("LawType"), "law_id": "405AC0000000088", "law_num": num,
            "law_num_era": law.get("Era"), "law_num_year": int(law.get("Year")), "law_num_type": law.get("LawType"),
            "law_num_num": law.get("Num"), "promulgation_date": "1993-11-12"}
    rev = {"law_revision_id": "405AC0000000088_20240401_504AC0100000052", "law_type": law.get("LawType"),
           "law_title": title, "law_title_kana": law.find("LawBody/LawTitle").get("Kana"),
           "abbrev": law.find("LawBody/LawTitle").get("Abbrev"), "amendment_enforcement_date": "2024-04-01",
           "current_revision_status": "CurrentEnforced"}
    return info, rev


def main() -> None:
    raw = LAW.read_bytes()
    law = ET.fromstring(raw)
    info, rev = law_info(law)
    for name, full in (("egov_405AC0000000088_api_v2.json", tree(law)),
                       ("egov_405AC0000000088_api_v2_b64.json", base64.b64encode(raw).decode("ascii"))):
        doc = {"attached_files_info": None, "law_info": info, "revision_info": rev, "law_full_text": full}
        (HERE / name).write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    pages = [json.loads((HERE / f).read_text(encoding="utf-8")) for f in RESPONSES]
    (HERE / "kokkai_pages.json").write_text(json.dumps(pages, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = []
    for page in pages:
        lines += page.get("speechRecord", [])
        for m in page.get("meetingRecord", []):
            lines += [{**{k: m[k] for k in MEETING_KEYS if k in m}, **sp} for sp in m["speechRecord"]]
    (HERE / "kokkai_speeches.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                                               encoding="utf-8")
    error = ET.parse(HERE / "kokkai_api_error_19011_19028.xml").getroot()
    (HERE / "kokkai_old_api_error_19011_19028.json").write_text(
        json.dumps({error.tag: as_hash(error)}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
