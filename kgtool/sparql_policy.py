"""Read-only, offline-by-default safety checks for SPARQL text, done on tokens, never on raw text.

Why tokens: a regex over the query text is fooled both ways. `# SERVICE` in a comment, `"FROM"` in
a string or `ex:service` as a prefixed name are harmless, while `sErViCe`, `SERVICE#x\\n<...>` or
`FROM <f:etc>` after `PREFIX f: <file:///>` are not. This module has a small SPARQL 1.1 lexer that
knows strings (all four quote forms, with escapes), IRIs, comments, variables, prefixed names,
blank-node labels, language tags and numbers, so a keyword is only a keyword where the grammar
would read one. Keywords are case-insensitive, as in SPARQL.

What is refused (exit 4, `PolicyError`, message naming the clause):
- any update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY, WITH): `query` is read-only;
- SERVICE (pyoxigraph would POST to any URL, loopback included), unless `allow_service`;
- FROM / FROM NAMED, unless `allow_from` (pyoxigraph only selects graphs of the in-memory store
  with them and never dereferences them, but another engine would; refusing keeps queries
  portable-safe and the policy engine-independent).

The same lexer gives the query form, the declared prefixes (to name an undeclared prefix in an
error, and to compact names in tables) and the variables (to check `--param` names).
This module imports nothing heavy: the query path must start fast.
"""
from __future__ import annotations

import re

from kgtool.errors import InputError, PolicyError

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                             "COPY", "WITH"})
FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})

# Token kinds.
WS, COMMENT, IRI, STRING, VAR, PNAME, BNODE, LANGTAG, NUMBER, WORD, PUNCT = (
    "ws", "comment", "iri", "string", "var", "pname", "bnode", "langtag", "number", "word", "punct")

def _ascii_only(allowed: str) -> str:
    """A character class: the given ASCII characters, or any non-ASCII character.

    SPARQL's name characters are ASCII letters (plus `_`, digits, `-` in places) and most of
    non-ASCII. Outside strings, IRIs and comments, non-ASCII is only valid inside names, so
    counting all of it as name characters can only glue what the engine would reject anyway,
    and keeps `re.compile` cheap (huge Unicode ranges cost ~10 ms each, on every start-up)."""
    excluded = [c for c in range(128) if chr(c) not in allowed]
    parts, i = [], 0
    while i < len(excluded):
        j = i
        while j + 1 < len(excluded) and excluded[j + 1] == excluded[j] + 1:
            j += 1
        parts.append(f"\\x{excluded[i]:02x}" + (f"-\\x{excluded[j]:02x}" if j > i else ""))
        i = j + 1
    return "[^" + "".join(parts) + "]"


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE = _ascii_only(_LETTERS)                       # PN_CHARS_BASE
_U = _ascii_only(_LETTERS + "_")                    # PN_CHARS_U
_CH = _ascii_only(_LETTERS + "_-0123456789")        # PN_CHARS
_CH_DOT = _ascii_only(_LETTERS + "_-0123456789.")
_VARCH = _ascii_only(_LETTERS + "_0123456789")
# Prefixed names are matched greedily and trailing dots given back afterwards (a local name
# cannot end with `.`, which is then the triple's full stop): simpler and cheaper to compile
# than the grammar's exact "no dot at the end" pattern.
_PNAME_RE = (f"(?:{_BASE}{_CH_DOT}*)?:(?:{_ascii_only(_LETTERS + '_-0123456789.:')}"
             f"|%[0-9A-Fa-f]{{2}}|\\\\[_~.\\-!$&'()*+,;=/?#@%])*")

_TOKEN_RES: list[tuple[str, str]] = [
    (WS, r"[ \t\r\n]+"),
    (COMMENT, r"#[^\r\n]*"),
    (STRING, r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                        r'|"(?:[^"\\\r\n]|\\.)*"|\'(?:[^\'\\\r\n]|\\.)*\''),
    (IRI, r'<[^<>"{}|^`\\\x00-\x20]*>'),
    (VAR, f"[?$]{_VARCH}+"),
    (BNODE, f"_:{_VARCH}(?:{_CH_DOT}*{_CH})?"),
    (PNAME, _PNAME_RE),
    (LANGTAG, r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    (NUMBER, r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?"),
    (WORD, r"[A-Za-z_][A-Za-z0-9_]*"),
    (PUNCT, r"\^\^|\|\||&&|!=|<=|>=|[{}()\[\];,.*=<>!+\-/|^?$@a-zA-Z]|."),
]
# One alternation of the above, in the same order (first alternative wins, as in the loop a
# lexer would write): one regex call per token instead of up to eleven.
_MASTER = re.compile("|".join(f"(?P<{kind}>{rx})" for kind, rx in _TOKEN_RES), re.S)


class Token:
    """One lexical token; `line` and `column` are 1-based, the column in code points."""

    __slots__ = ("kind", "text", "line", "column")

    def __init__(self, kind: str, text: str, line: int, column: int) -> None:
        self.kind, self.text, self.line, self.column = kind, text, line, column

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.line}:{self.column})"


class QueryInfo:
    """What the lexer learnt about a query: its form (SELECT, CONSTRUCT, DESCRIBE, ASK or None),
    the PREFIX declarations, the variables, the significant tokens and the deepest nesting of
    ( { [ (`depth`)."""

    def __init__(self, form: str | None, tokens: list[Token]) -> None:
        self.form = form
        self.prefixes: dict[str, str] = {}
        self.variables: set[str] = set()
        self.tokens = tokens
        self.depth = 0


# Nesting bound. pyoxigraph's SPARQL parser and optimiser recurse on the native stack and a
# stack overflow kills the process (SIGSEGV, no message): measured with pyoxigraph 0.5 on an
# 8 MiB stack, ~290 nested collections `( ( ...` , ~2,000 nested `{`, ~4,400 nested `(` crash,
# and parse time grows steeply with depth (64 nested collections: 0.6 s). 64 levels is far above
# any hand-written query and far below every measured crash.
MAX_DEPTH = 64
# Within this envelope (depth and significant-token count) every measured crash vector is at
# least 3x away, so the query is parsed in-process; beyond it, the parse runs in a forked child
# whose death is contained (kgtool.contained). Flat chains crash too: ~900 `a/b/...` path steps,
# a few thousand MINUS/BIND/FILTER/triple patterns in one group.
SAFE_DEPTH = 24
SAFE_TOKENS = 1000
_OPENERS = {"(": ")", "{": "}", "[": "]"}


def check_nesting(tokens: list[Token], source: str = "<query>", limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of ( { [ in `tokens`; InputError (exit 3) at the opening bracket that
    goes past `limit`, before any parser that could overflow its stack sees the text."""
    depth = deepest = 0
    for tok in tokens:
        if tok.kind != PUNCT:
            continue
        if tok.text in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    raise InputError(f"nesting deeper than {limit} levels of ( {{ [ refused "
                                     "(the query engine's parser would overflow its stack); "
                                     "simplify the query", source=source, line=tok.line,
                                     column=tok.column)
        elif tok.text in ")}]" and depth:
            depth -= 1
    return deepest


def within_safe_envelope(info: QueryInfo) -> bool:
    """True when the query is small and shallow enough to parse in-process (see SAFE_TOKENS)."""
    return info.depth <= SAFE_DEPTH and len(info.tokens) <= SAFE_TOKENS


def tokenize(text: str, source: str = "<query>") -> list[Token]:
    """Split SPARQL text into tokens (comments and whitespace included), with positions.

    Raises InputError for an unterminated string or IRI (the engine would reject it too, and a
    lexer that guessed past it could misread what follows)."""
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        m = _MASTER.match(text, pos)
        assert m is not None and m.lastgroup is not None  # the last pattern matches anything
        kind = m.lastgroup
        tok_text = m.group(0)
        end = m.end()
        if kind in (PNAME, BNODE) and tok_text.endswith("."):
            tok_text = tok_text.rstrip(".")
            end = pos + len(tok_text)
        if kind == PUNCT and ch in "\"'":
            raise InputError("unterminated string", source=source, line=line,
                             column=pos - line_start + 1)
        tokens.append(Token(kind, tok_text, line, pos - line_start + 1))
        newlines = tok_text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + tok_text.rfind("\n") + 1
        pos = end
    return tokens


def analyse(text: str, source: str = "<query>") -> QueryInfo:
    """Lex a query and collect its form, PREFIX declarations and variables; InputError for
    nesting deeper than MAX_DEPTH."""
    tokens = tokenize(text, source)
    sig = [t for t in tokens if t.kind not in (WS, COMMENT)]
    info = QueryInfo(form=None, tokens=sig)
    info.depth = check_nesting(sig, source)
    for i, tok in enumerate(sig):
        if tok.kind == WORD:
            up = tok.text.upper()
            if up == "PREFIX" and i + 2 < len(sig) and sig[i + 1].kind == PNAME \
                    and sig[i + 2].kind == IRI and sig[i + 1].text.endswith(":"):
                info.prefixes[sig[i + 1].text[:-1]] = sig[i + 2].text[1:-1]
            elif up in FORMS and info.form is None:
                info.form = up
        elif tok.kind == VAR:
            info.variables.add(tok.text[1:])
    return info


_MIXED_CASE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})+")


def lang_case_trap(info: QueryInfo) -> Token | None:
    """A string like "zh-Hans" compared with = or != in a query that calls lang(), if any.

    The engine (pyoxigraph) stores language tags in lower case, so `lang(?l) = "zh-Hans"` is never
    true there, while rdflib or the source data would say it is: worth a note, not an error."""
    sig = info.tokens
    if not any(t.kind == WORD and t.text.lower() == "lang" for t in sig):
        return None
    for i, tok in enumerate(sig):
        if tok.kind != STRING or tok.text[:1] not in "\"'":
            continue
        body = tok.text.strip("\"'")
        if not _MIXED_CASE_TAG.fullmatch(body) or body == body.lower():
            continue
        neighbours = [sig[j].text for j in (i - 1, i + 1) if 0 <= j < len(sig)]
        if "=" in neighbours or "!=" in neighbours:
            return tok
    return None


def _keyword_head(tok: Token) -> str:
    """The keyword an engine might read at the start of this token, upper-cased.

    pyoxigraph's parser is a PEG parser that matches keywords without a word boundary: it reads
    `SERVICESILENT<x>` as `SERVICE SILENT <x>`, `FROMage:x` as `FROM age:x` and (with an empty
    prefix declared) `SERVICE:x` as `SERVICE :x`. So a word or a prefix that merely *starts* with
    SERVICE or FROM is treated as that keyword. Over-refusing a prefix named `service:` is the
    price; the message says what to rename."""
    if tok.kind == WORD:
        return tok.text.upper()
    if tok.kind == PNAME:
        return tok.text.split(":", 1)[0].upper()
    return ""


def check(info: QueryInfo, *, allow_service: bool = False, allow_from: bool = False,
          source: str = "<query>") -> None:
    """Raise PolicyError (exit 4) for the first clause the policy refuses."""
    sig = info.tokens
    for i, tok in enumerate(sig):
        up = _keyword_head(tok)
        if not up:
            continue
        if up.startswith("SERVICE"):
            up = "SERVICE"
        elif up.startswith("FROM"):
            named = up.startswith("FROMNAMED") or (
                i + 1 < len(sig) and sig[i + 1].kind == WORD and sig[i + 1].text.upper() == "NAMED")
            up = "FROM NAMED" if named else "FROM"
        elif tok.kind != WORD:
            continue
        if up in UPDATE_KEYWORDS:
            what = "LOAD" if up == "LOAD" else f"update ({up})"
            raise PolicyError(f"{what} refused: kgtool query is read-only and never runs SPARQL "
                              "Update", source=source, line=tok.line, column=tok.column)
        if up == "SERVICE" and not allow_service:
            raise PolicyError("SERVICE refused: a federated query would contact another server; "
                              "pass --allow-service to permit it", source=source, line=tok.line,
                              column=tok.column)
        if up in ("FROM", "FROM NAMED") and not allow_from:
            raise PolicyError(f"{up} refused: a dataset clause can make an engine read files or "
                              "URLs; pass --allow-from to select graphs of the loaded data with it",
                              source=source, line=tok.line, column=tok.column)


def undeclared_prefix(info: QueryInfo, predeclared: dict[str, str]) -> Token | None:
    """The first prefixed name whose prefix is declared neither in the query nor in `predeclared`."""
    known = set(info.prefixes) | set(predeclared)
    for tok in info.tokens:
        if tok.kind == PNAME:
            prefix = tok.text.split(":", 1)[0]
            if prefix not in known:
                return tok
    return None
