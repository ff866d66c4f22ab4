"""French text analysis shared by the index and the query, so that both sides agree on every word.

A word is lower-cased, stripped of its accents, then stemmed with Snowball's French stemmer:
"Médiathèques", "médiathèque" and "mediatheque" all become "mediathequ". PostgreSQL does the same
with its `french_unaccent` configuration (unaccent, then french_stem); the highlighter below uses
this module on both databases.
"""

import html
import re
import unicodedata

import nh3
import snowballstemmer
from django.utils.html import escape

from territoires.core.markdown import render_markdown
from territoires.core.process_caches import process_cached

WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12

# Words that carry no meaning for a search; dropped on both sides (PostgreSQL's french config does too).
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "c",
        "j",
        "est",
        "sont",
        "ete",
        "etre",
    ]
)

_stemmer = snowballstemmer.stemmer("french")


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@process_cached(
    name="search.terms",
    bench="library.search",
    reason="each word's stem, worked out once (indexing and queries stem the same words again and again)",
    maxsize=100_000,
)
def term_of(word: str) -> str:
    """The index term of one word ('' for a stop word)."""
    plain = strip_accents(word.lower())
    if plain in STOP_WORDS or plain.isdigit() and len(plain) > 12:
        return ""
    return _stemmer.stemWord(plain)


def terms_of(text: str) -> list[str]:
    return [term for term in map(term_of, WORD_RE.findall(text or "")) if term]


def index_text(text: str) -> str:
    """What the SQLite full-text table stores: the terms, space-separated."""
    return " ".join(terms_of(text))


def query_terms(query: str) -> list[str]:
    """Distinct terms of a user's query, in order, at most MAX_QUERY_TERMS."""
    seen: list[str] = []
    for term in terms_of(query):
        if term not in seen:
            seen.append(term)
    return seen[:MAX_QUERY_TERMS]


# Block-level tags of rendered Markdown: each ends a sentence-like piece of text.
BLOCK_TAG_RE = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|tr|td|th|table|thead|tbody|blockquote|pre|br|hr)\b[^>]*>", re.I)


def markdown_to_text(text: str) -> str:
    """Markdown source to the plain text a reader sees: rendered (headings, lists, tables, links
    become their words), its tags dropped, entities decoded, blocks separated by a new line.
    What the index stores and what snippets are cut from; "Lieu\n------" reads "Lieu"."""
    if not text or not text.strip():
        return ""
    html_text = BLOCK_TAG_RE.sub("\n", render_markdown(text))
    plain = html.unescape(nh3.clean(html_text, tags=set()))
    lines = (" ".join(line.split()) for line in plain.splitlines())
    return "\n".join(line for line in lines if line)


SNIPPET_SOURCE_CHARS = 20_000


def highlight(text: str, terms, *, length: int = 240, whole: bool = False) -> str:
    """HTML: an excerpt of the (plain) text around the first matching word, matches in <mark>.

    Only the words up to the first match and those of the excerpt are analysed, so a long text costs
    little. The text is escaped piece by piece: whatever it contains is rendered inert.
    """
    text = " ".join((text if whole else (text or "")[:SNIPPET_SOURCE_CHARS]).split())
    wanted = set(terms)
    if whole:
        start, end = 0, len(text)
    else:
        anchor = next((m.start() for m in WORD_RE.finditer(text) if term_of(m.group()) in wanted), 0)
        start = max(0, anchor - length // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < anchor else start
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    excerpt = text[start:end]
    pieces, position = [], 0
    for match in WORD_RE.finditer(excerpt):
        if wanted and term_of(match.group()) in wanted:
            pieces.append(escape(excerpt[position : match.start()]))
            pieces.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    pieces.append(escape(excerpt[position:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + "".join(pieces) + suffix
