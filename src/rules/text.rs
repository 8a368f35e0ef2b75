//! The extra folding rules apply on top of the matching form ([`crate::normalize::for_matching`]):
//! ASCII lower case, `〇` → `零`, and common traditional characters → simplified.
//!
//! Applicants from Hong Kong, Taiwan or Macau, or a PDF producer that picked a traditional font,
//! give `售後服務` where the rules say `售后服务`; staff write `ISO 9001` where the text has
//! `iso 9001`. Folding both sides the same way lets a rule be written once, naturally.
//!
//! Every replacement maps one Basic-Multilingual-Plane character to another of the same UTF-8
//! length (ASCII → ASCII, 3-byte Han → 3-byte Han), so **byte offsets into the folded text are
//! byte offsets into the input** as well. The matcher relies on that; the unit test
//! `folding_keeps_byte_length` pins it for the whole table.

use std::sync::OnceLock;

/// Traditional → simplified pairs, two characters at a time (traditional first). Chosen for
/// the vocabulary of after-sales, certification, company and product documents; a character
/// whose traditional and simplified forms coincide is absent. Characters with several
/// simplified readings in general text (`乾`, `後` as a surname…) are mapped to their reading in
/// this domain.
const TRAD_SIMP: &str = "\
務务訴诉業业體体係系報报證证認认書书華华電电機机產产銷销點点網网絡络門门們们個个來来時时間间\
問问題题處处員员責责負负組组織织構构圖图單单說说話话訊讯號号碼码質质檢检驗验測测試试範范規规\
則则標标準准廠厂場场維维護护換换貨货買买賣卖價价費费財财資资經经營营許许執执記记錄录檔档調调\
滿满訪访戶户顧顾關关廢废舊旧環环裝装運运達达線线熱热術术訓训練练師师獎奖勵励監监評评審审計计\
專专項项預预險险庫库備备設设儀仪車车輛辆總总辦办會会議议談谈講讲讀读寫写為为與与於于從从對对\
將将應应當当現现實实際际發发開开進进還还這这種种類类樣样麼么廣广東东蘇苏蘭兰陽阳灣湾區区縣县\
鄉乡鎮镇園园樓楼層层國国語语風风雲云氣气溫温凍冻櫃柜變变頻频壓压縮缩傳传動动導导燈灯鍋锅鐵铁\
鋼钢銅铜鋁铝錶表鐘钟滅灭災灾損损壞坏傷伤異异糾纠紛纷爭争賠赔償偿補补額额幣币萬万億亿職职崗岗\
編编級级優优勢势績绩權权義义條条約约協协簽签歸归紀纪禮礼態态誠诚譽誉榮荣獲获頒颁狀状況况嚴严\
響响聯联郵邮遞递簡简歷历稅税虧亏據据憑凭惠惠養养倉仓儲储輸输隊队後后衛卫儘尽盡尽務务臺台颱台\
條条隨随雙双產产貿贸銀银險险層层廳厅這这邊边遠远鄰邻購购訂订貸贷賬账賴赖贈赠負负擔担據据屬属\
齊齐齡龄齒齿黨党點点麥麦黃黄齊齐黑黑錯错鍵键鎖锁鏈链長长門门閉闭問问閱阅隊队陳陈陸陆險险隱隐\
雜杂雞鸡離离難难電电靈灵靜静韓韩頁页頂顶項项順顺須须預预領领頭头頻频顆颗題题顏颜願愿類类顯显\
飛飞飯饭飲饮館馆馬马驅驱驗验體体髮发鬥斗魚鱼鮮鲜鳥鸟鹽盐麗丽龍龙龜龟\
專专業业廠厂廣广廳厅張张彈弹徑径從从復复徵征德德態态懷怀戰战戲戏據据攜携擇择擊击擬拟擴扩擁拥\
敗败數数斷断無无舊旧時时晉晋曉晓曆历書书會会東东條条來来極极構构標标樣样樹树橋桥機机檢检歡欢\
歲岁歷历歸归殘残殺杀氣气漢汉滿满準准溝沟滅灭潔洁潤润濟济灣湾災灾為为烏乌無无煙烟熱热燈灯營营\
爾尔牆墙狀状獨独獲获現现環环產产畫画異异療疗發发盤盘監监盡尽確确碼码礎础離离種种稱称穩稳積积\
窮穷競竞筆笔節节範范築筑簽签簡简糧粮緊紧純纯紙纸級级紀纪約约紅红納纳紐纽組组細细終终結结絕绝\
給给統统絲丝綜综綠绿維维網网緒绪線线編编緣缘練练縣县縮缩績绩總总織织繳缴繼继續续罰罚羅罗義义\
習习聖圣聞闻聯联聲声聽听職职腦脑興兴與与舉举艙舱藝艺藥药蘋苹蘇苏處处號号蟲虫術术衛卫補补製制\
複复襲袭見见規规視视親亲覺觉覽览觀观角角計计訂订討讨訓训託托記记設设許许診诊註注評评詞词詢询\
試试詳详誤误說说課课調调談谈請请諮谘謝谢證证識识譯译議议護护讀读變变讓让豐丰豬猪貓猫貝贝負负\
財财貢贡貨货貴贵貸贷費费貼贴資资賓宾質质購购賽赛贊赞趕赶趨趋跡迹軍军軟软較较載载輔辅輕轻輪轮\
輯辑轉转辦办農农這这連连週周進进遊游運运過过達达違违遞递適适選选遺遗還还邊边郵邮鄉乡醫医釋释\
針针鈔钞銀银鋪铺錄录錢钱鍵键鏡镜鐘钟鑑鉴門门開开閒闲間间閱阅關关陽阳階阶際际隨随險险隸隶雙双\
雖虽雜杂電电需需靜静面面響响頁页頒颁預预領领頻频題题額额顧顾風风餘余館馆驗验體体";

/// The folding table, sorted by traditional character for binary search; built on first use.
fn table() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let chars: Vec<char> = TRAD_SIMP.chars().filter(|c| !c.is_whitespace()).collect();
        let mut pairs: Vec<(char, char)> = chars
            .chunks_exact(2)
            .map(|p| (p[0], p[1]))
            .filter(|(t, s)| t != s)
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|p| p.0);
        pairs
    })
}

/// Folds one character (see the module docs); characters without a folding come back as is.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '〇' {
        return '零';
    }
    let table = table();
    match table.binary_search_by_key(&c, |p| p.0) {
        Ok(i) => table[i].1,
        Err(_) => c,
    }
}

/// The text the rules see: `normalized` (already in matching form, as in
/// [`crate::model::Passage::normalized`]) with ASCII lower-cased, `〇` → `零` and common
/// traditional characters simplified.
///
/// The result has exactly the byte length of the input, and a byte offset into it is a byte
/// offset into the input (every mapping keeps the UTF-8 length). Idempotent. Empty in, empty out.
pub fn fold(normalized: &str) -> String {
    normalized.chars().map(fold_char).collect()
}

/// Folds text as found (not yet in matching form): [`crate::normalize::for_matching`] then
/// [`fold`]. Used for rule terms, headings, file names and examples.
pub fn fold_raw(text: &str) -> String {
    fold(&crate::normalize::for_matching(text))
}

/// The text the rules see for one passage: its matching form folded, or its text folded when
/// the reader left no matching form.
pub fn fold_passage(p: &crate::model::Passage) -> String {
    if p.normalized.is_empty() {
        fold_raw(&p.text)
    } else {
        fold(&p.normalized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_byte_length() {
        for &(t, s) in table() {
            assert_eq!(t.len_utf8(), s.len_utf8(), "{t}→{s}");
            assert_ne!(fold_char(s), t);
        }
        assert_eq!(fold_char('〇').len_utf8(), '〇'.len_utf8());
    }

    #[test]
    fn table_is_big_enough_and_consistent() {
        assert!(table().len() > 300, "{}", table().len());
        // No simplified character is itself folded again (idempotence).
        for &(_, s) in table() {
            assert_eq!(fold_char(s), s, "{s} would fold twice");
        }
    }

    #[test]
    fn folds_domain_words() {
        assert_eq!(fold("顧客投訴處理"), "顾客投诉处理");
        assert_eq!(fold("售後服務網點一覽表"), "售后服务网点一览表");
        assert_eq!(fold("GB/T 27922"), "gb/t 27922");
        assert_eq!(fold(""), "");
        let once = fold("維修記錄 CRM 〇");
        assert_eq!(fold(&once), once);
    }

    #[test]
    fn raw_text_is_normalized_first() {
        assert_eq!(fold_raw("ＩＳＯ　９００１ 售後\n服務"), "iso 9001 售后服务");
    }

    /// The example that documented `fold`.
    #[test]
    fn example_of_fold() {
        use crate::rules::text::fold;
        assert_eq!(fold("ISO 9001售後服務"), "iso 9001售后服务");
        assert_eq!(fold("二〇二六年"), "二零二六年");
    }
}
