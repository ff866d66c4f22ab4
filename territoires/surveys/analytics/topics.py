"""Topics of the free-text answers of one question, found automatically, in French, offline.

Method: words (letters only, lower case; a hyphenated compound such as "week-end", "peut-être" or
"Saint-Martin" is one word, an elided article "l'" or "qu'" is dropped) minus a French stop-word
list shipped here, reduced to their Snowball stem; TF-IDF over stems (words in at least 2 answers,
at most 60 % of them); non-negative matrix factorisation (scikit-learn NMF, fixed seed so that a
recomputation on the same answers gives the same topics). Each answer belongs to its strongest
topic; a topic is named by its three strongest stems, shown as the word most often written for
each stem; its examples are its most typical answers, each text once. Runs in a background task
(tasks.py); the result is stored in TextTopics.

Topics are computed on the answers of a scope, the territories (deployments) that the reader
looks at: a referent's are computed on their own territory's answers, a facilitator's on every
territory's or on the one they picked, so that "computed on N answers" is the reader's N.
"""

import datetime
import re
import unicodedata
import warnings
from collections import Counter, defaultdict

import numpy as np
import snowballstemmer
from django.db import transaction
from django.utils import timezone

from territoires.surveys.models import Question, Response, Survey, TextTopics

MAX_ANSWERS = 50_000
MAX_TOPICS = 8
EXAMPLES_PER_TOPIC = 5
# Letters joined by hyphens or apostrophes: "week-end", "c'est-à-dire", "aujourd'hui".
WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*", re.UNICODE)
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})
# Elided words before an apostrophe ("l'été", "qu'on"): the word after it is kept.
ELISIONS = frozenset(["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"])
# Pronouns glued by a hyphen after a verb or a demonstrative ("pensez-vous", "y a-t-il",
# "celle-ci"): not part of a compound word.
HYPHEN_SUFFIXES = frozenset(
    ["je", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "ce", "t", "moi", "toi", "lui", "leur"]
    + ["eux", "y", "en", "le", "la", "les", "ci", "là", "même", "mêmes"]
)

FRENCH_STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "afin",
        "ai",
        "aie",
        "aient",
        "aies",
        "ait",
        "alors",
        "as",
        "au",
        "aucun",
        "aucune",
        "aupres",
        "auprès",
        "aura",
        "aurai",
        "auraient",
        "aurais",
        "aurait",
        "auras",
        "aurez",
        "auriez",
        "aurions",
        "aurons",
        "auront",
        "aussi",
        "autre",
        "autres",
        "aux",
        "avaient",
        "avais",
        "avait",
        "avant",
        "avec",
        "avez",
        "aviez",
        "avions",
        "avoir",
        "avons",
        "ayant",
        "ayez",
        "ayons",
        "bah",
        "beaucoup",
        "bien",
        "c",
        "ça",
        "car",
        "ce",
        "ceci",
        "cela",
        "celle",
        "celles",
        "celui",
        "cependant",
        "certain",
        "certaine",
        "certaines",
        "certains",
        "ces",
        "cet",
        "cette",
        "ceux",
        "chaque",
        "chez",
        "ci",
        "comme",
        "comment",
        "contre",
        "d",
        "dans",
        "de",
        "dedans",
        "dehors",
        "depuis",
        "des",
        "dès",
        "deux",
        "devant",
        "doit",
        "donc",
        "dont",
        "du",
        "elle",
        "elles",
        "en",
        "encore",
        "entre",
        "es",
        "est",
        "et",
        "étaient",
        "étais",
        "était",
        "étant",
        "été",
        "êtes",
        "étiez",
        "étions",
        "être",
        "eu",
        "eue",
        "eues",
        "eûmes",
        "eurent",
        "eus",
        "eusse",
        "eussent",
        "eusses",
        "eussiez",
        "eussions",
        "eut",
        "eût",
        "eûtes",
        "eux",
        "fait",
        "faire",
        "fais",
        "faut",
        "fois",
        "font",
        "furent",
        "fus",
        "fusse",
        "fussent",
        "fusses",
        "fussiez",
        "fussions",
        "fut",
        "fût",
        "fûtes",
        "hors",
        "ici",
        "il",
        "ils",
        "j",
        "je",
        "jusqu",
        "jusque",
        "l",
        "la",
        "là",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "même",
        "mêmes",
        "mes",
        "moi",
        "moins",
        "mon",
        "n",
        "ne",
        "ni",
        "non",
        "nos",
        "notre",
        "nous",
        "on",
        "ont",
        "ou",
        "où",
        "par",
        "parce",
        "pas",
        "peu",
        "peut",
        "plus",
        "plutôt",
        "pour",
        "pourquoi",
        "qu",
        "quand",
        "que",
        "quel",
        "quelle",
        "quelles",
        "quels",
        "qui",
        "quoi",
        "s",
        "sa",
        "sans",
        "se",
        "sera",
        "serai",
        "seraient",
        "serais",
        "serait",
        "seras",
        "serez",
        "seriez",
        "serions",
        "serons",
        "seront",
        "ses",
        "si",
        "sien",
        "soi",
        "soient",
        "sois",
        "soit",
        "sommes",
        "son",
        "sont",
        "sous",
        "soyez",
        "soyons",
        "suis",
        "sur",
        "t",
        "ta",
        "tandis",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "toute",
        "toutes",
        "très",
        "tu",
        "un",
        "une",
        "unes",
        "uns",
        "vers",
        "voici",
        "voilà",
        "vos",
        "votre",
        "vous",
        "vu",
        "y",
        "oui",
        "rien",
        "chose",
        "choses",
        "trop",
        "tres",
        "etc",
        "ceux",
        "cela",
        "ça",
        "vraiment",
        "aussi",
        "faudrait",
        "serait",
        "pourrait",
        "plus",
    ]
)


def _strip_accents(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


# Compounds whose last part looks like a glued pronoun.
WHOLE_COMPOUNDS = frozenset(["rendez-vous", "tête-à-tête", "vis-à-vis"])

# Adverbs and fillers frequent in residents' answers that name no topic.
ANSWER_FILLERS = frozenset(
    [
        "après",
        "avant",
        "seulement",
        "davantage",
        "toujours",
        "jamais",
        "souvent",
        "parfois",
        "encore",
        "déjà",
        "aussi",
        "autant",
        "vraiment",
        "surtout",
        "moins",
        "mieux",
        "peut",
        "être",
        "avoir",
        "faire",
        "fait",
        "sent",
        "ya",
        "il",
        "y",
        "aurait",
        "faudrait",
        # Hyphenated fillers, kept whole by the tokenizer.
        "peut-être",
        "c'est-à-dire",
        "est-à-dire",
        "au-delà",
        "là-bas",
        "là-dedans",
        "grand-chose",
        "vis-à-vis",
        "quelques-uns",
        "quelques-unes",
        "aujourd'hui",
        "quelqu'un",
    ]
)
_ALL_STOP_WORDS = FRENCH_STOP_WORDS | ANSWER_FILLERS
STOP_WORDS = _ALL_STOP_WORDS | {_strip_accents(word) for word in _ALL_STOP_WORDS}


def words_of(text: str) -> list[str]:
    """The words of an answer, lower case, of two letters or more, stop words left out: hyphenated
    compounds kept whole ("week-end", "saint-martin"), elided articles and glued pronouns dropped."""
    words = []
    for token in WORD.findall(text.lower().translate(APOSTROPHES)):
        if token in STOP_WORDS:  # "c'est-à-dire", "aujourd'hui": whole fillers
            continue
        if "'" in token:
            head, _apostrophe, rest = token.partition("'")
            if head in ELISIONS:
                token = rest
        parts = [part for part in token.split("-") if part]
        while len(parts) > 1 and parts[-1] in HYPHEN_SUFFIXES and token not in WHOLE_COMPOUNDS:
            parts.pop()  # "pensez-vous" → "pensez", "a-t-il" → "a"
        word = "-".join(parts)
        if len(word) >= 2 and word not in STOP_WORDS:
            words.append(word)
    return words


def example_key(text: str) -> str:
    """Two answers that differ only by case, accents, punctuation or spacing are the same example."""
    return " ".join(re.sub(r"[\W_]+", " ", _strip_accents(text.casefold())).split())


class FrenchAnalyzer:
    """Text -> stems, remembering which written word each stem came from most often."""

    def __init__(self):
        self.stemmer = snowballstemmer.stemmer("french")
        self.surface = defaultdict(Counter)
        self._cache = {}

    def __call__(self, text: str) -> list[str]:
        stems = []
        for word in words_of(text):
            if word in STOP_WORDS:
                continue
            stem = self._cache.get(word)
            if stem is None:
                # A compound is stemmed part by part: "week-ends" and "week-end" meet.
                stem = self._cache[word] = "-".join(
                    _strip_accents(self.stemmer.stemWord(part)) for part in word.split("-")
                )
            if len(stem) < 2 or stem in STOP_WORDS:
                continue
            self.surface[stem][word] += 1
            stems.append(stem)
        return stems

    def word_for(self, stem: str) -> str:
        counter = self.surface.get(stem)
        return counter.most_common(1)[0][0] if counter else stem


def find_topics(texts: list[str], deployments: list[int] | None = None, *, max_topics: int = MAX_TOPICS) -> list[dict]:
    """[{label, keywords, count, counts: {deployment id: n}, examples: [{text, deployment}]}],
    largest topic first. Fewer than 10 usable answers: no topic."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    deployments = deployments or [0] * len(texts)
    analyzer = FrenchAnalyzer()
    if len(texts) < 10:
        return []
    vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=2, max_df=0.6, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word left (every answer empty or made of stop words)
        return []
    vocabulary = vectorizer.get_feature_names_out()
    if matrix.shape[1] < 2:
        return []
    topic_count = int(min(max_topics, max(2, round(len(texts) ** 0.5 / 3)), matrix.shape[1]))
    model = NMF(n_components=topic_count, init="nndsvda", random_state=0, max_iter=400)
    with warnings.catch_warnings():
        # A near-perfect fit rounds the reconstruction error below zero (sqrt warning) and few
        # answers may stop before convergence: neither changes the topics found.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        document_topics = model.fit_transform(matrix)
    strongest = document_topics.argmax(axis=1)
    has_topic = document_topics.max(axis=1) > 0
    topics = []
    for topic in range(topic_count):
        members = np.flatnonzero((strongest == topic) & has_topic)
        if not members.size:
            continue
        weights = model.components_[topic]
        top_terms = [index for index in weights.argsort()[::-1][:6] if weights[index] >= 0.1 * weights.max()]
        keywords = [analyzer.word_for(vocabulary[index]) for index in top_terms]
        order = members[np.argsort(-document_topics[members, topic])]
        counts = Counter(int(deployments[index]) for index in members)
        examples, per_deployment, seen = [], Counter(), set()
        for index in order:
            deployment = int(deployments[index])
            key = example_key(texts[index])
            # Each text once (residents often write the same sentence), a few for each territory.
            if key in seen or per_deployment[deployment] >= EXAMPLES_PER_TOPIC:
                continue
            seen.add(key)
            per_deployment[deployment] += 1
            examples.append({"text": texts[index][:400], "deployment": deployment})
        topics.append(
            {
                "label": ", ".join(keywords[:3]),
                "keywords": keywords,
                "count": int(members.size),
                "counts": {str(key): value for key, value in counts.items()},
                "examples": examples,
            }
        )
    topics.sort(key=lambda item: -item["count"])
    return topics


def topics_scope(deployment_ids) -> str:
    """The key of a set of deployments in TextTopics.scope: "3,5,8"."""
    return ",".join(str(pk) for pk in sorted({int(pk) for pk in deployment_ids}))


def text_answers(
    survey: Survey, question_code: str, deployment_ids: list[int], *, limit: int = MAX_ANSWERS
) -> tuple[list[str], list[int]]:
    """The most recent non-empty answers of a text question in these deployments (and their ids)."""
    texts, deployments = [], []
    rows = (
        Response.objects.filter(survey=survey, deployment_id__in=deployment_ids, answers__has_key=question_code)
        .order_by("-id")
        .values_list("deployment_id", "answers")[:limit]
    )
    for deployment_id, answers in rows.iterator(chunk_size=2000):
        value = answers.get(question_code) if isinstance(answers, dict) else None
        if isinstance(value, str) and value.strip():
            texts.append(value.strip())
            deployments.append(deployment_id)
    return texts, deployments


TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)


def text_topics_request(*, survey: Survey, question_code: str, deployment_ids: list[int]) -> TextTopics:
    """Mark the topics of these deployments' answers to recompute and start the background task
    after commit. The caller passes only deployments whose results the user may see."""
    from territoires.surveys.analytics.tasks import compute_text_topics

    scope = topics_scope(deployment_ids)
    with transaction.atomic():
        topics, created = TextTopics.objects.select_for_update().get_or_create(
            survey=survey, question_code=question_code, scope=scope
        )
        recent = timezone.now() - datetime.timedelta(minutes=10)
        if not created and topics.status == TextTopics.Status.QUEUED and topics.updated_at > recent:
            return topics  # already on its way: a second click starts nothing more
        topics.status = TextTopics.Status.QUEUED
        topics.save(update_fields=["status", "updated_at"])
        ids = [int(pk) for pk in scope.split(",") if pk]
        transaction.on_commit(lambda: compute_text_topics.enqueue(survey.pk, question_code, ids))
    return topics


def text_topics_compute(*, survey_id: int, question_code: str, deployment_ids: list[int]) -> TextTopics | None:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return None
    topics, _created = TextTopics.objects.get_or_create(
        survey=survey, question_code=question_code, scope=topics_scope(deployment_ids)
    )
    try:
        texts, deployments = text_answers(survey, question_code, deployment_ids)
        found = find_topics(texts, deployments)
    except Exception:
        topics.status = TextTopics.Status.FAILED
        topics.save(update_fields=["status", "updated_at"])
        raise
    topics.topics = found
    topics.response_count = len(texts)
    topics.status = TextTopics.Status.DONE
    topics.save(update_fields=["topics", "response_count", "status", "updated_at"])
    return topics
