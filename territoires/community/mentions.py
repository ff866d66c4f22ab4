"""@mentions: who a message names, among the people who may read its thread.

Syntax (shown under every message field):
- `@Prénom Nom` — the person's name as the platform shows it (first name, then last name; case is
  ignored, and accents too in a project's space);
- `@identifiant` — the part of the person's e-mail address before the "@" (for example
  `@referent.niort` for referent.niort@ville.demo), for homonyms or compound names.
The longest name that matches wins ("@Anne Marie Durand" names Anne-Marie Durand before Anne Marie);
a name or identifier that fits two readers names nobody (use the other form). People who cannot
read the thread are never mentioned, so a mention reveals nothing to them.

In the rendered message (highlight_mentions), each resolved mention shows as `@Prénom Nom` in a
highlighted span; nothing else a user types can produce that span (the sanitiser drops any span
of the source), and the name is escaped.
"""

import html
import re
import unicodedata

import nh3
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import escape

from territoires.core.markdown import ALLOWED_TAGS

MAX_MENTIONS = 20
MAX_NAME_WORDS = 4
# "@" not preceded by a word character (so e-mail addresses in the text are not mentions).
MENTION_RE = re.compile(r"(?<![\w@])@([^\s@]+(?:[ \t]+[^\s@]+){0,3})")  # 3 = MAX_NAME_WORDS - 1
TRAILING_PUNCTUATION = ".,;:!?)]}»\"'’"
IDENTIFIER_RE = re.compile(r"^[\w.+-]+$")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.replace("-", " ").split())


def _candidates(body: str) -> list[tuple[str, list[str]]]:
    """For each @ in the text: (identifier, [name phrases of 2..4 words, longest first])."""
    found = []
    for match in MENTION_RE.finditer(body or ""):
        words = match.group(1).split()
        identifier = words[0].rstrip(TRAILING_PUNCTUATION)
        phrases = []
        for count in range(min(len(words), MAX_NAME_WORDS), 1, -1):
            chosen = words[:count]
            chosen[-1] = chosen[-1].rstrip(TRAILING_PUNCTUATION)
            if chosen[-1]:
                phrases.append(" ".join(chosen))
        found.append((identifier, phrases))
        if len(found) >= MAX_MENTIONS:
            break
    return found


def _lookup_query(candidates) -> Q | None:
    query = Q()
    empty = True
    for identifier, phrases in candidates:
        if identifier and IDENTIFIER_RE.match(identifier):
            query |= Q(email__istartswith=f"{identifier}@")
            empty = False
        for phrase in phrases:
            words = phrase.split()
            # Every split of the words into first name + last name ("Anne Marie" + "Durand", …).
            for cut in range(1, len(words)):
                query |= Q(first_name__iexact=" ".join(words[:cut]), last_name__iexact=" ".join(words[cut:]))
                empty = False
            # Compound names typed with a hyphen or without: also look up by the first word.
            query |= Q(first_name__istartswith=words[0].split("-")[0], last_name__iendswith=words[-1].split("-")[-1])
    return None if empty else query


def resolve_mentions(body: str, *, can_read, people=None) -> list:
    """The users the text mentions who `can_read(user)` the thread, each once, in order of appearance."""
    mentioned = []
    for _typed, user in resolve_mention_texts(body, can_read=can_read, people=people):
        if user not in mentioned:
            mentioned.append(user)
    return mentioned


def resolve_mention_texts(body: str, *, can_read, people=None) -> list[tuple[str, object]]:
    """(the words typed after "@", the user they name) for each resolved mention, in order.

    `people`: a queryset of everyone who might read the thread (a project's members and observers),
    compared in Python so that accents are ignored too; without it (the open space, where anybody
    reads) the names are looked up in the database, where only the case is ignored.
    """
    candidates = _candidates(body)
    if not candidates:
        return []
    if people is not None:
        users = list(people.filter(is_active=True)[:5000])
    else:
        query = _lookup_query(candidates)
        if query is None:
            return []
        users = list(get_user_model().objects.filter(query, is_active=True)[:200])
    by_name: dict[str, list] = {}
    by_identifier: dict[str, list] = {}
    for user in users:
        by_name.setdefault(normalise(f"{user.first_name} {user.last_name}"), []).append(user)
        by_identifier.setdefault(user.email.split("@")[0].casefold(), []).append(user)
    readable: dict[int, bool] = {}

    def allowed(user) -> bool:
        if user.pk not in readable:
            readable[user.pk] = bool(can_read(user))
        return readable[user.pk]

    mentioned = []
    for identifier, phrases in candidates:
        chosen, typed = None, identifier
        for phrase in phrases:
            matches = [user for user in by_name.get(normalise(phrase), []) if allowed(user)]
            if matches:
                chosen, typed = (matches[0] if len(matches) == 1 else None), phrase
                break
        else:
            matches = [user for user in by_identifier.get(identifier.casefold(), []) if allowed(user)]
            chosen = matches[0] if len(matches) == 1 else None
        if chosen is not None:
            mentioned.append((typed, chosen))
    return mentioned


# Tags whose text is left as typed: a mention inside a link or a code sample is not one.
_UNTOUCHED_TAGS = {"a", "code", "pre"}
_TAG_RE = re.compile(r"(<[^>]*>)")
_TAG_NAME_RE = re.compile(r"^</?\s*([a-zA-Z0-9]+)")


def _display_name(user, typed: str) -> str:
    # Never the e-mail address: a person without a name shows as typed (their identifier).
    return f"{user.first_name} {user.last_name}".strip() or typed


def highlight_mentions(body_html: str, mentions) -> str:
    """Sanitised message HTML with each resolved mention (from resolve_mention_texts) in a
    `<span class="mention">@Prénom Nom</span>`; the result is sanitised again, span.mention allowed."""
    names = {}
    for typed, user in mentions:
        # The text as the sanitiser wrote it (it escapes &, < and > only).
        names.setdefault(html.escape(typed, quote=False), _display_name(user, typed))
    if not names:
        return body_html
    alternatives = "|".join(re.escape(text) for text in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w@])@({alternatives})(?!\w)")

    def wrap(match):
        return f'<span class="mention">@{escape(names[match.group(1)])}</span>'

    pieces, inside = [], 0
    for piece in _TAG_RE.split(body_html):
        if piece.startswith("<"):
            tag = _TAG_NAME_RE.match(piece)
            if tag and tag.group(1).lower() in _UNTOUCHED_TAGS and not piece.endswith("/>"):
                inside = max(0, inside + (-1 if piece.startswith("</") else 1))
            pieces.append(piece)
        else:
            pieces.append(piece if inside else pattern.sub(wrap, piece))
    return nh3.clean(
        "".join(pieces),
        tags=ALLOWED_TAGS | {"span"},
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        allowed_classes={"span": {"mention"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
