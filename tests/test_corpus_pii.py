"""PII scrubber: every type with true cases (replaced) and false cases (left untouched).

    .venv/bin/python -m pytest tests/test_corpus_pii.py -q
"""
import pytest

from jiniac_hpc.corpus.pii import luhn_ok, mynumber_ok, scrub_pii, scrub_pii_counts

# (text, expected) — written by hand, not derived from the implementation.
TRUE_CASES = [
    # email
    ("連絡先は taro.yamada@example.co.jp です", "連絡先は <EMAIL> です"),
    ("mail:info+news@sub.example.org。", "mail:<EMAIL>。"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍまで", "<EMAIL>まで"),
    # IP
    ("サーバーは192.168.0.1です", "サーバーは<IP>です"),
    ("接続元 10.0.0.255 から", "接続元 <IP> から"),
    ("IPv6 2001:db8::1 を使う", "IPv6 <IP> を使う"),
    ("addr fe80:0:0:0:1ff:fe23:4567:890a end", "addr <IP> end"),
    # phone: Japanese, full-width, +81, foreign
    ("電話03-1234-5678まで", "電話<PHONE>まで"),
    ("携帯090-1234-5678", "携帯<PHONE>"),
    ("携帯は０９０－１２３４－５６７８です", "携帯は<PHONE>です"),
    ("TEL ０３ー１２３４ー５６７８", "TEL <PHONE>"),
    ("(03) 1234-5678に", "<PHONE>に"),
    ("03(1234)5678に", "<PHONE>に"),
    ("フリーダイヤル0120-123-456", "フリーダイヤル<PHONE>"),
    ("番号は09012345678です", "番号は<PHONE>です"),
    ("call +81-3-1234-5678 now", "call <PHONE> now"),
    ("call +81 90 1234 5678 now", "call <PHONE> now"),
    ("London +44 20 7946 0958.", "London <PHONE>."),
    ("US +1 (555) 010-0199.", "US <PHONE>."),
    ("office (555) 010-0199 today", "office <PHONE> today"),
    # postal codes and addresses
    ("〒100-8914", "<ADDRESS>"),
    ("〒１００－８９１４ 東京都", "<ADDRESS> 東京都"),
    ("郵便番号：123-4567", "<ADDRESS>"),
    ("123-4567 北海道札幌市", "<ADDRESS> 北海道札幌市"),
    ("住所は東京都千代田区永田町1-7-1です", "住所は<ADDRESS>です"),
    ("大阪府大阪市北区西天満2丁目1番10号に所在", "<ADDRESS>に所在"),
    ("新宿区西新宿二丁目8番1号の庁舎", "<ADDRESS>の庁舎"),
    # romaji addresses: number first or town first, a city between ward and prefecture, 1-chome
    ("Ltd., 2-7-1 Marunouchi, Chiyoda-ku, Tokyo 100-8388, Japan", "Ltd., <ADDRESS>, Japan"),
    ("Univ., 3-14-1 Hiyoshi, Kohoku-ku, Yokohama, Kanagawa 223-8522", "Univ., <ADDRESS>"),
    ("MUFG 4-5, Marunouchi 1-chome Chiyoda-ku, Tokyo", "MUFG <ADDRESS>"),
    ("Office: Marunouchi 2-7-1, Chiyoda-ku, Tokyo", "Office: <ADDRESS>"),
    # no block number: the ward and prefecture go only before a postal code, and no word before a comma
    # (an organisation's name ends with it)
    ("Tsukuba, Tsukuba-shi, Ibaraki 305-8573, Japan", "Tsukuba, <ADDRESS>, Japan"),
    ("The University of Tokyo, Bunkyo-ku, Tokyo 113-0033, Japan", "The University of Tokyo, <ADDRESS>, Japan"),
    # My Number (check digit valid) and cards (Luhn valid)
    ("個人番号123456789018を記載", "個人番号<MYNUMBER>を記載"),
    ("個人番号 1234 5678 9018 を記載", "個人番号 <MYNUMBER> を記載"),
    ("カード4111111111111111で", "カード<CARD>で"),
    ("カード 4111-1111-1111-1111 で", "カード <CARD> で"),
    ("MC 5555 5555 5555 4444.", "MC <CARD>."),
    ("Amex 3782 822463 10005.", "Amex <CARD>."),
    # person names (fugashi + unidic-lite), family + given name as one placeholder
    ("山田太郎さんが来た。", "<PERSON>さんが来た。"),
    ("担当は佐藤 花子です。", "担当は<PERSON>です。"),
    ("被告人鈴木一郎は", "被告人<PERSON>は"),
    ("森さんに聞いた。", "<PERSON>さんに聞いた。"),
    ("田中は来なかった。", "<PERSON>は来なかった。"),
]

FALSE_CASES = [
    "2024年6月1日に施行する。",
    "令和6年4月1日から適用する。",
    "平成31年4月30日",
    "料金は1,234円です。",
    "予算は12,345,678,901,234円。",
    "総額100000000000円を計上した。",      # 12 digits but an amount
    "第12条第3項の規定により",
    "第十二条第三項",
    "会議は10:30に始まり、10:30:45に終わった。",
    "日付 2024-06-01 の記録",
    "03-12-2024 と書かれた紙",
    "ISBN978-4-06-123456-7",
    "個人番号123456789012は無効",           # check digit wrong
    "カード4111111111111112は無効",          # Luhn fails
    "注文番号1234567890123456789012",        # too long for a card
    "バージョン3.11.2 をインストール",
    "999.1.1.1 は IP ではない",
    "user@example は宛先ではない",
    "東京都千代田区に所在する機関",
    "同市内の3-4件の事例",
    "第3-2表を参照",
    "森の中を歩く。",
    "松の木と桜の花。",
    "壊れた行があっても処理は続く。",
    "林業が盛んな地域",
    "明治天皇の時代",
    "東京と大阪と石川県",
    "人口は約123万人である。",
    "定員100人、参加費3000円",
    "Tokyo-based firms in Shibuya-ku and Chiyoda-ku",   # a ward with no street number
    "under Article 70 of the Cabinet Order, Chiyoda-ku",
]


@pytest.mark.parametrize("text,expected", TRUE_CASES)
def test_true_cases_replaced(text, expected):
    assert scrub_pii(text) == expected


@pytest.mark.parametrize("text", FALSE_CASES)
def test_false_cases_untouched(text):
    assert scrub_pii(text) == text


def test_counts_by_type_and_subset():
    text = "山田太郎さん(03-1234-5678, taro@example.jp)は〒100-0001に住む。"
    out, counts = scrub_pii_counts(text)
    assert out == "<PERSON>さん(<PHONE>, <EMAIL>)は<ADDRESS>に住む。"
    assert counts == {"person": 1, "phone": 1, "email": 1, "address": 1}
    out, counts = scrub_pii_counts(text, ["email"])
    assert out == "山田太郎さん(03-1234-5678, <EMAIL>)は〒100-0001に住む。" and counts == {"email": 1}
    with pytest.raises(ValueError, match="unknown PII types"):
        scrub_pii_counts(text, ["ssn"])


def test_check_digit_helpers():
    assert mynumber_ok("123456789018") and not mynumber_ok("123456789012")
    # a remainder <= 1 gives check digit 0: 00000000001 -> sum 2 -> 11-2 = 9; 00000000000 -> 0
    assert mynumber_ok("000000000000") and mynumber_ok("000000000019")
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")


def test_legal_text_is_left_alone():
    law = ("第二条　この法律において「図書館」とは、次に掲げる施設をいう。\n２　前項の規定にかかわらず、第十二条第三項に"
           "規定する施設は含まない。\n附則\nこの法律は、令和七年四月一日から施行する。予算額は1,234,567円とする。")
    assert scrub_pii(law) == law
