"""Regenerate the binary corpus fixtures from the text written in this file.

    python tests/assets/corpus/make_fixtures.py

Everything here was written for these tests (names, numbers and addresses are fictional; the
law text imitates the e-Gov XML schema; the Aozora excerpt is the public-domain opening of
夏目漱石「吾輩は猫である」 in Aozora's markup). Output is deterministic (gzip mtime 0, fixed
zstd level) so regenerating does not change committed files.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

HERE = Path(__file__).parent

# Japanese web-like documents; a few carry PII, a few are (near) duplicates of each other.
WEB = [
    "昨日、駅前の小さなパン屋で焼きたてのクロワッサンを買いました。外はさくさく、中はしっとりしていて、"
    "コーヒーとの相性が抜群でした。週末にはまた別のパンも試してみたいと思います。",
    "お問い合わせは山田太郎（担当）まで、メール taro.yamada@example.co.jp または電話 03-1234-5678 にご連絡ください。"
    "受付時間は平日の10:30から17:00までです。",
    "当社の所在地は〒100-0014 東京都千代田区永田町9-9-9です。最寄り駅から徒歩5分ほどの場所にあり、"
    "2024年6月1日から新しい窓口を開設しました。料金は1,234円からとなっています。",
    "会員登録の際にはクレジットカード番号 4111-1111-1111-1111 を入力してください。この番号は説明用のテスト番号であり、"
    "実際の決済には使用できません。サーバーのアドレスは192.168.10.20です。",
    "地方の図書館では、子ども向けの読み聞かせ会が毎月開かれている。参加者は年々増えており、"
    "令和6年度には延べ三百人を超える親子が集まった。職員は今後も内容を充実させたいと話している。",
    # near duplicate of the previous one (one word changed)
    "地方の図書館では、子ども向けの読み聞かせ会が毎月開かれている。参加者は年々増えており、"
    "令和6年度には延べ三百人を超える親子が集まった。職員は今後も内容を充実させたいと語っている。",
    # exact duplicate of the first document
    "昨日、駅前の小さなパン屋で焼きたてのクロワッサンを買いました。外はさくさく、中はしっとりしていて、"
    "コーヒーとの相性が抜群でした。週末にはまた別のパンも試してみたいと思います。",
    "这是一段中文文本，用于测试语言过滤器是否能够正确识别并排除非日语的内容。中文文本中没有假名。",
    "お得な情報はこちら！★★★★★★★★★★★★★★★★★★★★ 今すぐクリック ■■■■■■■■■■■■",
    "ログイン\nログイン\nログイン\nトップページへ戻る\nトップページへ戻る\nトップページへ戻る\nお知らせ一覧を見る",
    "短い。",
    "担当の佐藤花子さんによると、申請書は第12条第3項に基づいて受理され、審査には通常10日ほどかかるという。"
    "なお、問い合わせ先の携帯番号は０９０－９８７６－５４３２である。",
]

ENGLISH = """The river town woke slowly on Sunday mornings. Fishermen checked their nets while the bakery on
the corner filled the street with the smell of fresh bread.

Children walked to the library, where a volunteer read stories aloud every week. The reading group
had grown from five children to more than forty in two years.

For questions about the program, write to library.desk@example.org or call +1 555 010 0199 during
opening hours. Volunteers are always welcome.

Local farmers sell vegetables at the market square from early spring until the first frost. Prices
are modest, and most stalls accept cash and cards.
"""

HINDI = """भारत एक विशाल देश है जहाँ अनेक भाषाएँ बोली जाती हैं। हिंदी देश की सबसे अधिक बोली जाने वाली भाषा है।
लोग अपने त्योहार बड़े उत्साह से मनाते हैं। \u200b दीपावली पर घरों को दीयों से सजाया जाता है। ✦✦

गाँव के विद्यालय में हर सुबह प्रार्थना होती है। बच्चे किताबें पढ़ते हैं और खेल के मैदान में खेलते हैं।
शिक्षक उन्हें विज्ञान और गणित के नए विषय सिखाते हैं।

किसान खेतों में गेहूँ और धान उगाते हैं। बारिश का मौसम खेती के लिए बहुत महत्वपूर्ण होता है।
अच्छी बारिश से फसल अच्छी होती है और गाँव में खुशहाली आती है। ☺☺

गाँव के विद्यालय में हर सुबह प्रार्थना होती है। बच्चे किताबें पढ़ते हैं और खेल के मैदान में खेलते हैं।
शिक्षक उन्हें विज्ञान और गणित के नए विषय सिखाते हैं।
"""

AOZORA = """吾輩は猫である
夏目漱石

-------------------------------------------------------
【テキスト中に現れる記号について】

《》：ルビ
（例）吾輩《わがはい》

｜：ルビの付く文字列の始まりを特定する記号
（例）一番｜獰悪《どうあく》

［＃］：入力者注　主に外字の説明や、傍点の位置の指定
-------------------------------------------------------

［＃８字下げ］一［＃「一」は中見出し］

　吾輩《わがはい》は猫である。名前はまだ無い。
　どこで生れたかとんと見当《けんとう》がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という人間中で一番｜獰悪《どうあく》な種族であったそうだ。
　この書生の掌《てのひら》の裏《うち》でしばらくはよい心持に坐っておったが、しばらくすると非常な速力で運転し始めた。※［＃「てへん＋劣」、第3水準1-84-77］


底本：「夏目漱石全集1」ちくま文庫、筑摩書房
　　　1987（昭和62）年9月29日第1刷発行
入力：（テスト用）
校正：（テスト用）
青空文庫作成ファイル：
このファイルは、インターネットの図書館、青空文庫（http://www.aozora.gr.jp/）で作られました。
"""

DIET = {
    "numberOfRecords": 4, "numberOfReturn": 4, "startRecord": 1, "nextRecordPosition": None,
    "speechRecord": [
        {"speechID": "121004024X00120240201_000", "speechOrder": 0, "speaker": "会議録情報",
         "speakerPosition": None, "speakerRole": None,
         "speech": "令和六年二月一日（木曜日）\n出席委員\n委員長　架空一郎君\n理事　試験花子君"},
        {"speechID": "121004024X00120240201_001", "speechOrder": 1, "speaker": "架空一郎",
         "speakerPosition": "委員長", "speakerRole": None,
         "speech": "○委員長（架空一郎君）　これより会議を開きます。\n　質疑の申出がありますので、順次これを許します。試験花子君。"},
        {"speechID": "121004024X00120240201_002", "speechOrder": 2, "speaker": "試験花子",
         "speakerPosition": None, "speakerRole": None,
         "speech": "○試験花子君　おはようございます。本日は地域の公共交通について質問いたします。地方の路線バスは利用者の減少と運転手不足により"
                   "減便が続いており、通院や買い物に不便を感じる住民が増えております。政府として、どのような支援策を検討しているのか伺います。"},
        {"speechID": "121004024X00120240201_003", "speechOrder": 3, "speaker": "見本次郎",
         "speakerPosition": "国土交通大臣", "speakerRole": None,
         "speech": "○見本国務大臣　お答えいたします。地域の公共交通は住民の暮らしを支える重要な基盤でございます。令和六年度予算においては、"
                   "運行費の補助を拡充するとともに、自治体と事業者が連携して路線を再編する取組を支援してまいります。"},
    ],
}

EGOV = """<?xml version="1.0" encoding="UTF-8"?>
<Law Era="Reiwa" Lang="ja" LawType="Act" Num="999" Year="06">
  <LawNum>令和六年法律第九百九十九号</LawNum>
  <LawBody>
    <LawTitle>試験用図書館振興法</LawTitle>
    <MainProvision>
      <Chapter Num="1">
        <ChapterTitle>第一章　総則</ChapterTitle>
        <Article Num="1">
          <ArticleCaption>（目的）</ArticleCaption>
          <ArticleTitle>第一条</ArticleTitle>
          <Paragraph Num="1">
            <ParagraphNum/>
            <ParagraphSentence>
              <Sentence Num="1">この法律は、地域における図書館の振興に関し必要な事項を定めることにより、住民の学習機会の充実を図り、もって文化の発展に寄与することを目的とする。</Sentence>
            </ParagraphSentence>
          </Paragraph>
        </Article>
        <Article Num="2">
          <ArticleCaption>（定義）</ArticleCaption>
          <ArticleTitle>第二条</ArticleTitle>
          <Paragraph Num="1">
            <ParagraphNum/>
            <ParagraphSentence>
              <Sentence Num="1">この法律において「図書館」とは、次に掲げる施設をいう。</Sentence>
            </ParagraphSentence>
            <Item Num="1">
              <ItemTitle>一</ItemTitle>
              <ItemSentence><Sentence Num="1">地方公共団体が設置する図書館</Sentence></ItemSentence>
            </Item>
            <Item Num="2">
              <ItemTitle>二</ItemTitle>
              <ItemSentence><Sentence Num="1">一般社団法人又は一般財団法人が設置する図書館</Sentence></ItemSentence>
            </Item>
          </Paragraph>
          <Paragraph Num="2">
            <ParagraphNum>２</ParagraphNum>
            <ParagraphSentence>
              <Sentence Num="1">前項の規定にかかわらず、第十二条第三項に規定する施設は、図書館に含まれないものとする。</Sentence>
            </ParagraphSentence>
          </Paragraph>
        </Article>
      </Chapter>
    </MainProvision>
    <SupplProvision>
      <Paragraph Num="1">
        <ParagraphNum/>
        <ParagraphSentence><Sentence Num="1">この法律は、令和七年四月一日から施行する。</Sentence></ParagraphSentence>
      </Paragraph>
    </SupplProvision>
  </LawBody>
</Law>
"""


def rows(texts):
    return [{"text": t, "meta": {"n": i}} for i, t in enumerate(texts)]


def write_jsonl(path: Path, recs) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    if path.suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as fh:
            fh.write(data)
    elif path.suffix == ".zst":
        import zstandard

        path.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
    else:
        path.write_bytes(data)


def main() -> None:
    write_jsonl(HERE / "web.jsonl", rows(WEB[:6]))
    # .gz repeats one document of web.jsonl: an exact duplicate across shards
    write_jsonl(HERE / "web2.jsonl.gz", rows(WEB[6:]))
    # .zst holds one huge record (> the debug recipe's max_record_bytes) between good ones
    write_jsonl(HERE / "web3.jsonl.zst", rows([WEB[4].replace("図書館", "公民館"), "あ" * 400000,
                                               WEB[1].replace("山田太郎", "鈴木一郎")]))
    # bad input: broken JSON, invalid UTF-8, missing field, non-string, empty text; good lines around them
    good = json.dumps({"text": WEB[2].replace("永田町", "霞が関")}, ensure_ascii=False).encode()
    bad = b"\n".join([
        good,
        b'{"text": "\xe3\x81\x82 broken json',
        b'{"text": "' + "正しい文字".encode() + b'\xff\xfe' + '後半"}'.encode(),
        b'{"body": "no text field"}',
        b'{"text": 12345}',
        b'{"text": ""}',
        json.dumps({"text": "この行は正しく読み込まれるべき文書であり、前の壊れた行があっても処理は続く。"
                            "壊れた行はファイル名と行番号つきで報告される。"}, ensure_ascii=False).encode(),
    ]) + b"\n"
    (HERE / "broken.jsonl").write_bytes(bad)

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"content": [
        "市民マラソン大会の参加申込は、事務局の高橋健一さん（電話 06-6123-4567）が受け付けています。"
        "当日は朝8時に受付を開始し、9時にスタートします。雨天でも開催します。",
        "決済テスト用のカード番号 5555 5555 5555 4444 は本番環境では使えません。接続先は 2001:db8::1 です。"
        "問い合わせは support@example.jp へ。"],
                             "url": ["https://example.com/a", "https://example.com/b"]}),
                   HERE / "web.parquet", compression="zstd")

    import datasets

    datasets.Dataset.from_dict({"text": [ENGLISH.split("\n\n")[0].replace("\n", " "),
                                         ENGLISH.split("\n\n")[3].replace("\n", " ")]}).save_to_disk(
        str(HERE / "hf_english"))

    (HERE / "english.txt").write_text(ENGLISH, encoding="utf-8")
    (HERE / "hindi.txt").write_text(HINDI, encoding="utf-8")
    (HERE / "aozora_sjis.txt").write_bytes(AOZORA.replace("\n", "\r\n").encode("cp932"))
    (HERE / "diet_speech.json").write_text(json.dumps(DIET, ensure_ascii=False, indent=1), encoding="utf-8")
    (HERE / "egov_law.xml").write_text(EGOV, encoding="utf-8")


if __name__ == "__main__":
    main()
