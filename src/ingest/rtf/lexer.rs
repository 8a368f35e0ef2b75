//! RTF tokens: groups, control words with their parameter, control symbols, `\'xx` bytes,
//! `\binN` data and plain text, straight from the bytes (RTF is 7-bit ASCII with 8-bit text
//! escaped or, from loose writers, raw).

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token<'a> {
    /// `{`
    Open,
    /// `}`
    Close,
    /// `\word` or `\wordN` (N may be negative).
    Word(&'a str, Option<i32>),
    /// `\` followed by one non-letter (`\*`, `\~`, `\{`, `\\`…), except `\'`.
    Symbol(u8),
    /// `\'xx`: one byte of text in the current code page.
    Byte(u8),
    /// Text bytes (line ends removed by the caller's tokenizer).
    Text(&'a [u8]),
    /// `\binN` and its N bytes of binary data.
    Binary,
}

/// Walks the bytes of an RTF file into tokens.
pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Lexer<'a> {
        Lexer { bytes, at: 0 }
    }

    /// The next token, `None` at the end.
    pub(super) fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let b = *self.bytes.get(self.at)?;
            match b {
                b'{' => {
                    self.at += 1;
                    return Some(Token::Open);
                }
                b'}' => {
                    self.at += 1;
                    return Some(Token::Close);
                }
                b'\\' => return Some(self.control()),
                b'\r' | b'\n' => self.at += 1,
                _ => {
                    let start = self.at;
                    while let Some(&c) = self.bytes.get(self.at) {
                        if matches!(c, b'{' | b'}' | b'\\' | b'\r' | b'\n') {
                            break;
                        }
                        self.at += 1;
                    }
                    return Some(Token::Text(&self.bytes[start..self.at]));
                }
            }
        }
    }

    fn control(&mut self) -> Token<'a> {
        self.at += 1; // the backslash
        let Some(&c) = self.bytes.get(self.at) else {
            return Token::Text(b"");
        };
        if !c.is_ascii_alphabetic() {
            self.at += 1;
            if c == b'\'' {
                let hex = self.bytes.get(self.at..self.at + 2).unwrap_or(b"");
                let value = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                return match value {
                    Some(v) => {
                        self.at += 2;
                        Token::Byte(v)
                    }
                    None => Token::Text(b""),
                };
            }
            // `\` + line end is a paragraph mark in RTF 1.x.
            if c == b'\r' || c == b'\n' {
                return Token::Word("par", None);
            }
            return Token::Symbol(c);
        }
        let start = self.at;
        while self
            .bytes
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphabetic())
            && self.at - start < 32
        {
            self.at += 1;
        }
        let name = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("");
        let num_start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) && self.at - num_start < 11 {
            self.at += 1;
        }
        let param = std::str::from_utf8(&self.bytes[num_start..self.at])
            .ok()
            .and_then(|n| n.parse::<i64>().ok())
            .map(|n| n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
        // One space after a control word belongs to it.
        if self.bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        if name == "bin" {
            let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
            self.at = self.at.saturating_add(n).min(self.bytes.len());
            return Token::Binary;
        }
        Token::Word(name, param)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<Token<'_>> {
        let mut lexer = Lexer::new(bytes);
        std::iter::from_fn(|| lexer.next_token()).collect()
    }

    #[test]
    fn words_symbols_bytes_and_text() {
        assert_eq!(
            all(b"{\\rtf1\\ansicpg936 \\'b7\\'fe\\u-3913?\r\n\\~x\\bin3 {}}y}"),
            vec![
                Token::Open,
                Token::Word("rtf", Some(1)),
                Token::Word("ansicpg", Some(936)),
                Token::Byte(0xb7),
                Token::Byte(0xfe),
                Token::Word("u", Some(-3913)),
                Token::Text(b"?"),
                Token::Symbol(b'~'),
                Token::Text(b"x"),
                Token::Binary,
                Token::Text(b"y"),
                Token::Close,
            ]
        );
    }

    #[test]
    fn hostile_input_ends() {
        assert_eq!(all(b"\\"), vec![Token::Text(b"")]);
        assert_eq!(all(b"\\'z"), vec![Token::Text(b""), Token::Text(b"z")]);
        assert_eq!(all(b"\\bin99999999999"), vec![Token::Binary]);
        assert_eq!(
            all(b"\\u99999999999999"),
            vec![Token::Word("u", Some(i32::MAX)), Token::Text(b"999")]
        );
    }
}
