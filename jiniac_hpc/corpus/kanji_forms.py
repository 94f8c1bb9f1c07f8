"""Old character forms (旧字体) and variant forms of names (異体字) with the 常用漢字 form each stands for, one for one.

    python -m jiniac_hpc.corpus.kanji_forms "團體の條文"      # -> 団体の条文

``NEW_FORMS`` is a ``str.translate`` table, ``OLD_FORM`` a regex matching any old form. The name
pass (:mod:`jiniac_hpc.corpus.names`) analyses text with old forms through this table, so spans
found in the translated text are spans of the original.
"""
import re
import sys

# Old character forms (旧字体, pre-1949 print: Diet minutes of 1947-49, Aozora, old rulings) and
# the 常用漢字表 form each stands for, as pairs. UniDic knows few words in the old forms and reads
# a lone old character as a family name (團|體, 條|文, 宣|傳): the text is analysed with them
# replaced one-to-one (spans keep their offsets), so 團體 is read as 団体 and 澤田 as 沢田.
NEW_FORMS = str.maketrans(*(lambda s: (s[0::2], s[1::2]))(
    "亞亜惡悪壓圧圍囲爲為醫医壹壱稻稲飮飲隱隠營営榮栄衞衛驛駅圓円鹽塩緣縁艷艶應応歐欧毆殴櫻桜奧奥假仮價価畫画會会囘回壞壊懷懐繪絵擴拡殼殻覺覚學学嶽岳樂楽渴渇卷巻陷陥寬寛關関歡歓觀観巖巌顏顔歸帰氣気龜亀僞偽"
    "戲戯犧犠舊旧據拠擧挙峽峡挾挟狹狭曉暁區区驅駆勳勲徑径惠恵溪渓經経繼継莖茎螢蛍輕軽鷄鶏藝芸缺欠儉倹劍剣圈圏檢検權権獻献縣県險険顯顕驗験嚴厳效効廣広恆恒鑛鉱號号國国濟済碎砕齋斎劑剤雜雑參参棧桟蠶蚕慘惨贊賛"
    "殘残絲糸齒歯兒児辭辞濕湿實実舍舎寫写釋釈壽寿收収從従澁渋獸獣縱縦肅粛處処緖緒敍叙奬奨將将燒焼稱称證証乘乗剩剰壤壌孃嬢條条淨浄疊畳穰穣讓譲釀醸囑嘱觸触寢寝愼慎眞真盡尽圖図粹粋醉酔隨随髓髄數数樞枢聲声靜静"
    "齊斉攝摂竊窃專専戰戦淺浅潛潜纖繊踐践錢銭禪禅雙双壯壮搜捜插挿爭争總総聰聡莊荘裝装騷騒藏蔵臟臓卽即屬属續続墮堕體体對対帶帯滯滞臺台擇択澤沢單単擔担膽胆團団彈弾斷断癡痴遲遅晝昼蟲虫鑄鋳廳庁聽聴敕勅鎭鎮遞逓"
    "鐵鉄轉転點点傳伝黨党盜盗燈灯當当鬪闘德徳獨独讀読屆届繩縄貳弐惱悩腦脳廢廃拜拝賣売麥麦發発髮髪拔抜蠻蛮祕秘濱浜甁瓶拂払佛仏倂併竝並變変邊辺辨弁瓣弁辯弁舖舗寶宝豐豊沒没飜翻每毎萬万滿満默黙彌弥譯訳藥薬與与"
    "豫予餘余譽誉搖揺樣様謠謡來来賴頼亂乱覽覧兩両獵猟綠緑壘塁勵励禮礼隸隷靈霊齡齢戀恋爐炉勞労樓楼錄録灣湾勸勧黑黒"
    # variant forms (異体字) that family names keep and UniDic does not know, with the common form it
    # does: 尾﨑達夫 and 髙橋 are read as 尾崎達夫 and 高橋 (a ruling's counsel, 抗告代理人尾﨑達夫)
    "﨑崎嵜崎髙高𠮷吉濵浜栁柳邉辺"))
OLD_FORM = re.compile("[" + "".join(map(chr, NEW_FORMS)) + "]")


if __name__ == "__main__":
    for arg in sys.argv[1:] or [sys.stdin.read()]:
        print(arg.translate(NEW_FORMS))
