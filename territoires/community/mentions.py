"""@mentions: who a message names, among the people who may read its thread.

Syntax (shown under every message field):
- `@Prénom Nom` — the person's name as the platform shows it (first name, then last name; case is
  ignored, and accents too in a project's space);
- `@identifiant` — the part of the person's e-mail address before the "@" (for example
  `@referent.niort` for referent.niort@ville.demo), for homonyms or compound names.
The longest name that matches wins ("@Anne Marie Durand" names Anne-Marie Durand before Anne Marie);
a name or identifier that fits two readers names nobody (use the other form). People who cannot
read the thread are never mentioned, so a mention reveals nothing to them.
"""

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import Q

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
    """The users the text mentions who `can_read(user)` the thread, each once, in order of appearance.

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
        chosen = None
        for phrase in phrases:
            matches = [user for user in by_name.get(normalise(phrase), []) if allowed(user)]
            if matches:
                chosen = matches[0] if len(matches) == 1 else None
                break
        else:
            matches = [user for user in by_identifier.get(identifier.casefold(), []) if allowed(user)]
            chosen = matches[0] if len(matches) == 1 else None
        if chosen is not None and chosen not in mentioned:
            mentioned.append(chosen)
    return mentioned
