"""The words around a person name that the name pass reads: titles and honorifics after it, katakana
titles before it, the last characters of person nouns, organisation and place suffixes and prefixes.

    python -m jiniac_hpc.corpus.name_words      # prints the titles

Used by :mod:`jiniac_hpc.corpus.names`; kept apart so that the rules there stay readable.
"""
import re
import sys

# Honorifics and titles that follow a name (longest first, so 委員長 wins over 委員).
TITLES = ("代表取締役", "事務総長", "裁判長", "裁判官", "委員長", "副大臣", "政務官", "理事長", "副議長",
          "准教授", "弁護士", "被告人", "参考人", "取締役", "さん", "さま", "くん", "ちゃん", "先生", "議員",
          "委員", "大臣", "長官", "議長", "総理", "首相", "知事", "市長", "町長", "村長", "社長", "会長",
          "部長", "課長", "教授", "博士", "判事", "検事", "被告", "原告", "証人", "局長", "様", "氏", "君", "殿")
# Katakana names: UniDic reads many loanwords, units, places and eponyms as foreign names (グラム,
# コンゴ, アポロ, クレブス|回路), and foreign names in Japanese text are mostly those of public or
# historical figures (作曲家グスタフ・マーラー): a katakana name counts only before an honorific or
# a title, or after a katakana title (ミスター・スミス, ゼネラル・ホイツトニイ). Its parts joined by ・
# or ＝ are one name.
JOINS = ("・", "＝", "=")
KANA_TITLE = re.compile(r"(?:ミスター|ミセス|ミズ|ミス|ドクター|ゼネラル|キャプテン|プロフェッサー|ムッシュ|マダム|"
                        r"ミセス|ミスタ)[・ ]?[ァ-ヴー・＝]*\Z")
# The last characters of the person nouns that may follow a family name inside one kanji word
# (容疑者, 選手, 議員, 夫妻, 兄弟, 自身, 宅, 邸, 監督, 一家, 家族, 幹事, 代表, 巡査, 九段, 横綱):
# a family name before any other noun is the first part of a compound that names no one (日影規制,
# 安倍政権, 徳川幕府), and so is an emperor's name before 天皇 or 上皇 (崇徳天皇: a name given after death).
PERSON_END = frozenset("者手員長官師士人将王妃后氏様君殿妻夫子女兄弟姉妹母父宅邸身督家族衆友事表査諭授職司伯翁嬢史段綱関結匠方")
# One-kanji words that stand before a name and are no part of it: references (同 "the same": 同井野直幸 in
# a ruling's list of counsel; 各, 両, 本, 当), prefixes of status or time (故, 元, 前, 現, 新, 旧, 亡, 副, 兼,
# 対) and the roles of a credit line (文, 絵, 訳, 作, 曲, 詞, 編, 著, 画, 演).
NOT_NAME_START = frozenset("同各両本当故元前現新旧亡副兼対主計他外等及並文絵訳作曲詞編著画演")
PERSON_HON = re.compile("[ \u3000]?(?:委員長|委員|議員|先生|教授|弁護士|判事|裁判官|さん|さま|くん|ちゃん|様|氏|君)")
# What a name never sits right before: organisations, places, facilities, stations.
ORG_SUFFIX = re.compile(
    r"[ \u3000]?(?:株式会社|有限会社|合同会社|合資会社|ホールディングス|グループ|コーポレーション|学園|学院|学校|大学|高校|"
    r"高等学校|中学校|小学校|幼稚園|保育園|工務店|商店|商会|商事|産業|工業|建設|製作所|製薬|電機|電気|物産|銀行|証券|"
    r"保険|病院|医院|診療所|薬局|協会|協同組合|組合|財団|法人|研究所|事務所|新聞|書店|出版|美術館|博物館|記念館|"
    r"会館|神社|神宮|寺|駅|線|港|空港|橋|川|湖|島|郡|県|通り|公園|ホテル|旅館|賞|間|[町村市区社](?!長)|組(?![合長織]))")
ORG_PREFIX = re.compile(r"(?:株式会社|有限会社|合同会社|合資会社|（株）|\(株\)|㈱|㈲|学校法人|医療法人|社会福祉法人|"
                        r"宗教法人|財団法人|社団法人|独立行政法人|国立大学法人)[ \u3000]?$")


if __name__ == "__main__":
    print(" ".join(TITLES), file=sys.stdout)
