//! Value shapes after a label: a person, a company, money, a certificate number. Each function
//! takes the text right after the label (already in matching form) and returns the byte length
//! of the value at its start, so the caller can map it back to the text as found.

use regex::Regex;
use std::sync::LazyLock;

static PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\p{Han}{1,6}[·•・]\p{Han}{1,10}|\p{Han}{2,4})").expect("static regex")
});

/// Words that sit in a label's value slot but are not names (a table header, a placeholder).
const NOT_A_NAME: [&str; 24] = [
    "电话",
    "地址",
    "名称",
    "日期",
    "方式",
    "类型",
    "范围",
    "职务",
    "部门",
    "备注",
    "签字",
    "签名",
    "姓名",
    "序号",
    "手机",
    "人数",
    "时间",
    "见附件",
    "同上",
    "暂无",
    "不适用",
    "未填写",
    "无",
    "待定",
];

/// A person's name at the start of `value`: 2–4 Han characters, or a transliterated name with
/// `·`, not followed by more Han (a longer run is a phrase, not a name).
pub fn person(value: &str) -> Option<usize> {
    let m = PERSON.find(value)?;
    let next = value[m.end()..].chars().next();
    if next.is_some_and(crate::normalize::is_han) {
        return None;
    }
    let name = m.as_str();
    if NOT_A_NAME.iter().any(|w| name.contains(w)) {
        return None;
    }
    Some(m.end())
}

static COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[\p{Han}A-Za-z0-9()（）·&]{2,48}(?:股份有限公司|有限责任公司|有限公司|分公司|公司|集团|厂|店|中心|研究院|研究所|事务所|合作社|商行|经营部|门市部|超市|医院|学校|协会)",
    )
    .expect("static regex")
});

/// A company name at the start of `value`, up to the longest legal-form ending (so a
/// `…有限公司天津分公司` keeps its branch); brackets are allowed inside.
pub fn company(value: &str) -> Option<usize> {
    const BARE: [&str; 7] = [
        "有限公司",
        "股份有限公司",
        "有限责任公司",
        "分公司",
        "集团公司",
        "公司",
        "集团",
    ];
    let m = COMPANY.find(value)?;
    (!BARE.contains(&m.as_str())).then_some(m.end())
}

static CERT_NO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9\-/()]{5,40}").expect("static regex"));

/// A certificate number at the start of `value`: letters, digits, `-/()`, 6–41 characters,
/// with at least four digits (so a word such as `见附件` or `ISO` is not one).
pub fn certificate_number(value: &str) -> Option<usize> {
    let m = CERT_NO.find(value)?;
    let s = m.as_str().trim_end_matches(['-', '/', '(']);
    (s.chars().filter(char::is_ascii_digit).count() >= 4).then_some(s.len())
}

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:人民币)?\s*(?:[0-9][0-9,]*(?:\.[0-9]+)?|[零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿一二三四五六七八九十百千两]+)\s*(?:万元|万|亿元|元)(?:人民币|美元|港元|欧元|日元)?(?:整)?|^(?:[0-9][0-9,]*(?:\.[0-9]+)?)\s*万?(?:美元|港元|欧元|日元)",
    )
    .expect("static regex")
});

/// An amount of money at the start of `value` (`捌仟万元整`, `5000万元人民币`, `1,000.00万元`,
/// `500万美元`).
pub fn money(value: &str) -> Option<usize> {
    MONEY.find(value).map(|m| m.end())
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '壹' | '一' => 1,
        '贰' | '二' | '两' => 2,
        '叁' | '三' => 3,
        '肆' | '四' => 4,
        '伍' | '五' => 5,
        '陆' | '六' => 6,
        '柒' | '七' => 7,
        '捌' | '八' => 8,
        '玖' | '九' => 9,
        _ => return None,
    })
}

/// Parses Chinese (financial or ordinary) numerals: `捌仟` → 8000, `壹仟贰佰` → 1200,
/// `拾伍` → 15, `叁亿伍仟万` → 350 000 000.
pub fn chinese_number(s: &str) -> Option<u64> {
    let mut total: u64 = 0; // completed 亿 groups
    let mut section: u64 = 0; // completed 万 groups within the current 亿
    let mut small: u64 = 0; // below 万
    let mut digit: Option<u64> = None;
    let mut any = false;
    for c in s.chars() {
        any = true;
        if let Some(d) = cn_digit(c) {
            digit = Some(d);
            continue;
        }
        let unit = match c {
            '拾' | '十' => 10,
            '佰' | '百' => 100,
            '仟' | '千' => 1000,
            '万' => {
                section = section
                    .checked_add((small + digit.take().unwrap_or(0)).checked_mul(10_000)?)?;
                small = 0;
                continue;
            }
            '亿' => {
                let v = section + small + digit.take().unwrap_or(0);
                total = total.checked_add(v.checked_mul(100_000_000)?)?;
                section = 0;
                small = 0;
                continue;
            }
            _ => return None,
        };
        small += digit.take().unwrap_or(1) * unit;
    }
    any.then(|| total + section + small + digit.unwrap_or(0))
}

/// The normal form of an amount: in 万 with its currency, e.g. `捌仟万元整` → `8000万元人民币`,
/// `1,000.00万元` → `1000万元人民币`, `500万美元` → `500万美元`.
pub fn normalize_money(value: &str) -> Option<String> {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect();
    let currency = ["美元", "港元", "欧元", "日元"]
        .into_iter()
        .find(|c| v.contains(c))
        .unwrap_or("元人民币");
    let body = v.trim_start_matches("人民币");
    let end = body
        .find(|c: char| {
            !(c.is_ascii_digit()
                || c == '.'
                || cn_digit(c).is_some()
                || "拾十佰百仟千万亿".contains(c))
        })
        .unwrap_or(body.len());
    let number = &body[..end];
    // Amount in 元 (×100 to keep two decimals exact).
    let cents: u128 = if number.starts_with(|c: char| c.is_ascii_digit()) {
        let (digits, unit) = match number.strip_suffix('万') {
            Some(d) => (d, 10_000u128),
            None => match number.strip_suffix('亿') {
                Some(d) => (d, 100_000_000u128),
                None => (number, 1u128),
            },
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac2: String = frac.chars().chain("00".chars()).take(2).collect();
        let int: u128 = int.parse().ok()?;
        let frac: u128 = frac2.parse().ok()?;
        (int * 100 + frac) * unit
    } else {
        u128::from(chinese_number(number)?) * 100
    };
    let wan_cents = cents / 10_000; // hundredths of 万
    let whole = wan_cents / 100;
    let frac = wan_cents % 100;
    let amount = if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:02}")
            .trim_end_matches('0')
            .to_string()
    };
    let suffix = if currency == "元人民币" {
        "万元人民币".to_string()
    } else {
        format!("万{currency}")
    };
    Some(format!("{amount}{suffix}"))
}

/// The comparison key of a company name: matching form (full-width → half-width), brackets
/// unified, spaces and punctuation removed. `鼎盛机电（北京）科技有限公司` and
/// `鼎盛机电(北京)科技有限公司` share a key; `…科技有限公司` and `…有限公司` do not, nor does a
/// `…分公司`.
pub fn name_key(name: &str) -> String {
    crate::normalize::for_matching(name)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '.' | '"' | '\''))
        .map(|c| match c {
            '[' | '{' | '【' | '〔' => '(',
            ']' | '}' | '】' | '〕' => ')',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn company_endings_and_brackets() {
        for v in [
            "苏州华信智能家电有限公司",
            "鼎盛机电(北京)科技有限公司",
            "成都优选生活百货连锁有限公司",
            "某某电器股份有限公司",
            "某某家电维修中心",
            "某某五金店",
        ] {
            assert_eq!(company(v), Some(v.len()), "{v}");
        }
        assert_eq!(company("有限公司"), None);
    }

    #[test]
    fn money_forms() {
        assert_eq!(
            normalize_money("1200万元").as_deref(),
            Some("1200万元人民币")
        );
        assert_eq!(
            normalize_money("壹亿元整").as_deref(),
            Some("10000万元人民币")
        );
        assert_eq!(
            normalize_money("50.5万元").as_deref(),
            Some("50.5万元人民币")
        );
        assert_eq!(chinese_number("十"), Some(10));
        assert_eq!(chinese_number("abc"), None);
    }

    proptest! {
        #[test]
        fn arabic_wan_round_trips(n in 1u32..100000) {
            prop_assert_eq!(normalize_money(&format!("{n}万元")), Some(format!("{n}万元人民币")));
        }

        #[test]
        fn name_key_is_idempotent_and_width_blind(s in "[\\p{Han}()（）A-Z ]{0,20}") {
            let k = name_key(&s);
            prop_assert_eq!(name_key(&k), k.clone());
            let wide: String = s.chars().map(|c| match c { '(' => '（', ')' => '）', c => c }).collect();
            prop_assert_eq!(name_key(&wide), k);
        }

        #[test]
        fn never_panics(s in ".{0,30}") {
            let _ = person(&s);
            let _ = company(&s);
            let _ = money(&s);
            let _ = normalize_money(&s);
            let _ = certificate_number(&s);
            let _ = chinese_number(&s);
        }
    }

    /// The example that documented `person`.
    #[test]
    fn example_of_person() {
        use crate::rules::fields::values::person;
        assert_eq!(person("陈志远"), Some(9));
        assert_eq!(person("陈志远 (董事长)"), Some(9));
        assert_eq!(person("买买提·艾力"), Some("买买提·艾力".len()));
        assert_eq!(person("由总经理担任"), None);
        assert_eq!(person("联系电话"), None);
    }

    /// The example that documented `company`.
    #[test]
    fn example_of_company() {
        use crate::rules::fields::values::company;
        let v = "鼎盛机电(北京)科技有限公司天津分公司";
        assert_eq!(company(v), Some(v.len()));
        let v = "苏州华信智能家电有限公司编制:售后服务部";
        assert_eq!(
            company(v).map(|n| &v[..n]),
            Some("苏州华信智能家电有限公司")
        );
        assert_eq!(company("及文号/标准号"), None);
    }

    /// The example that documented `certificate_number`.
    #[test]
    fn example_of_certificate_number() {
        use crate::rules::fields::values::certificate_number;
        assert_eq!(certificate_number("03410Q10286R0S 有效期"), Some(14));
        assert_eq!(certificate_number("2024010701123456"), Some(16));
        assert_eq!(certificate_number("见附件"), None);
    }

    /// The example that documented `money`.
    #[test]
    fn example_of_money() {
        use crate::rules::fields::values::money;
        assert_eq!(money("捌仟万元整"), Some("捌仟万元整".len()));
        assert_eq!(money("500万美元"), Some("500万美元".len()));
        assert_eq!(money("见附件"), None);
    }

    /// The example that documented `chinese_number`.
    #[test]
    fn example_of_chinese_number() {
        use crate::rules::fields::values::chinese_number;
        assert_eq!(chinese_number("捌仟"), Some(8000));
        assert_eq!(chinese_number("壹仟贰佰万"), Some(12_000_000));
        assert_eq!(chinese_number("拾伍"), Some(15));
        assert_eq!(chinese_number("叁佰零伍"), Some(305));
    }

    /// The example that documented `normalize_money`.
    #[test]
    fn example_of_normalize_money() {
        use crate::rules::fields::values::normalize_money;
        assert_eq!(
            normalize_money("捌仟万元整").as_deref(),
            Some("8000万元人民币")
        );
        assert_eq!(
            normalize_money("壹仟贰佰万元整").as_deref(),
            Some("1200万元人民币")
        );
        assert_eq!(
            normalize_money("1,000.00万元").as_deref(),
            Some("1000万元人民币")
        );
        assert_eq!(
            normalize_money("5000万元人民币").as_deref(),
            Some("5000万元人民币")
        );
        assert_eq!(normalize_money("500万美元").as_deref(), Some("500万美元"));
        assert_eq!(
            normalize_money("人民币伍佰万元").as_deref(),
            Some("500万元人民币")
        );
        assert_eq!(
            normalize_money("3000000元").as_deref(),
            Some("300万元人民币")
        );
    }

    /// The example that documented `name_key`.
    #[test]
    fn example_of_name_key() {
        use crate::rules::fields::values::name_key;
        assert_eq!(
            name_key("鼎盛机电（北京）科技有限公司"),
            name_key("鼎盛机电(北京) 科技有限公司")
        );
        assert_ne!(
            name_key("鼎盛机电（北京）科技有限公司"),
            name_key("鼎盛机电（北京）有限公司")
        );
    }
}
