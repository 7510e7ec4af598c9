//! Splits a script into commands and words, each word with its line and column.
//!
//! What it accepts: one command per line; blank lines; lines whose first non-blank
//! character is `#`; `comment { ... }` with balanced braces, which may span lines (or
//! `comment` followed by free text to the end of the line). Words are separated by
//! whitespace; a `,` (the ACL rule separator) is a word of its own even when glued to
//! its neighbours. Columns count characters from 1.

use super::ErrorKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub line: u32,
    pub col: u32,
}

/// One command: its words, and where the line ends (for "found end of line" errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub tokens: Vec<Token>,
    pub line: u32,
    pub end_col: u32,
}

/// A lexing problem: line, column, what.
pub(crate) type LexError = (u32, u32, ErrorKind);

pub(crate) fn lex(text: &str) -> Result<Vec<Command>, LexError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < lines.len() {
        let line_no = n as u32 + 1;
        let tokens = words(lines[n], line_no);
        n += 1;
        let Some(first) = tokens.first() else {
            continue;
        };
        if first.text.starts_with('#') {
            continue;
        }
        if first.text == "comment" {
            n = skip_comment(&lines, n - 1, first)?;
            continue;
        }
        out.push(Command { end_col: lines[n - 1].chars().count() as u32 + 1, line: line_no, tokens });
    }
    Ok(out)
}

/// Skips `comment ...` starting on line index `at`; returns the index of the next line.
fn skip_comment(lines: &[&str], at: usize, word: &Token) -> Result<usize, LexError> {
    let after: String = lines[at].chars().skip(word.col as usize - 1 + "comment".len()).collect();
    let Some(brace) = after.find(|c: char| !c.is_whitespace()) else {
        return Ok(at + 1);
    };
    if !after[brace..].starts_with('{') {
        // `comment free text`: the rest of the line is the comment.
        return Ok(at + 1);
    }
    let open_col = word.col + "comment".len() as u32 + after[..brace].chars().count() as u32;
    let mut depth = 0u32;
    let mut n = at;
    let mut first_line = true;
    while n < lines.len() {
        let chars: Vec<char> = lines[n].chars().collect();
        let start = if first_line { open_col as usize - 1 } else { 0 };
        first_line = false;
        for (i, &c) in chars.iter().enumerate().skip(start) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let rest: String = chars[i + 1..].iter().collect();
                        if let Some(off) = rest.find(|c: char| !c.is_whitespace()) {
                            let col = (i + 2 + rest[..off].chars().count()) as u32;
                            return Err((
                                n as u32 + 1,
                                col,
                                ErrorKind::Expected {
                                    expected: "end of line after the comment's `}`".into(),
                                    found: format!("`{}`", rest[off..].split_whitespace().next().unwrap_or("")),
                                },
                            ));
                        }
                        return Ok(n + 1);
                    }
                }
                _ => {}
            }
        }
        n += 1;
    }
    Err((
        at as u32 + 1,
        open_col,
        ErrorKind::Expected { expected: "`}` closing this comment".into(), found: "end of file".into() },
    ))
}

fn words(line: &str, line_no: u32) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_col = 0;
    let flush = |cur: &mut String, cur_col: u32, out: &mut Vec<Token>| {
        if !cur.is_empty() {
            out.push(Token { text: std::mem::take(cur), line: line_no, col: cur_col });
        }
    };
    for (i, c) in line.chars().enumerate() {
        let col = i as u32 + 1;
        if c.is_whitespace() {
            flush(&mut cur, cur_col, &mut out);
        } else if c == ',' {
            flush(&mut cur, cur_col, &mut out);
            out.push(Token { text: ",".into(), line: line_no, col });
        } else {
            if cur.is_empty() {
                cur_col = col;
            }
            cur.push(c);
        }
    }
    flush(&mut cur, cur_col, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(c: &Command) -> Vec<&str> {
        c.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn words_comments_and_commas() {
        let cmds = lex("# a comment\n\n  set interface state loop0 up\ncomment { one\n { nested }\n}\n\
             set acl-plugin acl permit,deny src 1.2.3.0/24,permit\ncomment plain text\n")
        .unwrap();
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].line, 3);
        assert_eq!(cmds[0].tokens[0].col, 3);
        assert_eq!(
            texts(&cmds[1]),
            ["set", "acl-plugin", "acl", "permit", ",", "deny", "src", "1.2.3.0/24", ",", "permit"]
        );
        assert_eq!(cmds[1].line, 7);
        assert_eq!(cmds[1].tokens[4].col, 26);
    }

    #[test]
    fn unterminated_comment() {
        let e = lex("comment {\nnever closed\n").unwrap_err();
        assert_eq!((e.0, e.1), (1, 9));
        let e = lex("comment { x } trailing\n").unwrap_err();
        assert_eq!((e.0, e.1), (1, 15));
    }
}
