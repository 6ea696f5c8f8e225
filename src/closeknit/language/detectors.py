"""Cheap detectors the relationship measures need, applied to every scored message.

* ``is_question(text)``: the text asks something: it contains a question mark (``?``, ``？``,
  ``¿``, ``؟``) or a sentence opens like a question in English, Spanish, Portuguese, Italian or
  French ("how do I", "are you", "est-ce que", ...).
* ``asks_personal(text, intimacy)``: a question addressed to the reader ("you", "your", "tu",
  "vous", "você", "tú", "ti", ...) whose intimacy score is at least ``PERSONAL_THRESHOLD``.
  "What's your lowest point while being broke?" is one; "What anime is this?" is not (no "you"),
  and neither is "Can you send me the report?" (addressed to you, but impersonal).
* ``discloses(text)``: the writer says something about themselves (a first-person pronoun:
  I, my, me, I'm, ...) *and* touches one of the private topics: feelings, health, relationships,
  money, family, where they are or live. English only for now (other languages return False).

They are lexical rules, deliberately simple and fast (about 5 µs a text); the intimacy model does
the graded part.
"""

from __future__ import annotations

import re

__all__ = ["is_question", "asks_personal", "discloses", "PERSONAL_THRESHOLD", "TOPICS"]

#: Intimacy (0..1 scale) from which a question to "you" counts as personal.
PERSONAL_THRESHOLD = 0.45

_QMARK = re.compile(r"[?？¿؟]")
_OPENERS = re.compile(
    r"(?:^|[.!\n]\s*)(?:"
    # English
    r"(?:what|why|how|when|where|who|whom|whose|which)\b"
    r"|(?:do|does|did|are|is|was|were|am|can|could|would|will|should|shall|may|might|have|has|had|must)"
    r"(?:n'?t)?\s+(?:you|u|i|we|they|he|she|it|there|this|that|anyone|anybody|someone|somebody|your|my)\b"
    # Spanish / Portuguese / Italian / French
    r"|(?:qué|que|cómo|como|cuándo|quando|dónde|onde|dove|por qué|porque|perché|quién|quem|chi|cosa)\s"
    r"|(?:est-ce que|pourquoi|comment|quand|où|qui|quel|quelle|quels|quelles)\b"
    r")",
    re.IGNORECASE,
)
_YOU = re.compile(
    r"\b(?:you|your|yours|yourself|yourselves|u|ur|ya|y'all|"
    r"tu|tú|te|ti|tuo|tua|tuoi|tue|vous|votre|vos|toi|ton|ta|tes|você|vocês|voce|usted|ustedes|tus|teu|tua|seu)\b",
    re.IGNORECASE,
)
_ZH_YOU = re.compile(r"[你您妳]")
_FIRST = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|mine|myself|we|we're|our|ours|us)\b", re.IGNORECASE)
_I_CONTRACTED = re.compile(r"\bi[’'](?:m|ve|d|ll)\b", re.IGNORECASE)

#: Topic -> words (lowercase; a word matches at a word boundary, a trailing * matches any ending).
TOPICS: dict[str, tuple[str, ...]] = {
    "feelings": (
        "feel*", "felt", "sad*", "happy", "happier", "lonely", "alone", "anxious", "anxiety", "depress*", "scared",
        "afraid", "fear*", "cry*", "cried", "tears", "hurt*", "heartbroken", "upset", "angry", "ashamed", "embarrassed",
        "miss", "missing", "love", "loved", "hate", "stressed", "stress", "overwhelmed", "worried", "worry", "excited",
        "grateful", "proud", "jealous", "insecure", "empty", "hopeless", "suicid*", "panic*", "mood",
    ),
    "health": (
        "sick", "ill", "illness", "doctor*", "hospital*", "pain", "hurts", "diagnos*", "therapy", "therapist",
        "medication*", "meds", "pregnan*", "cancer", "surgery", "symptom*", "disease", "covid", "fever", "injur*",
        "mental health", "adhd", "autism", "autistic", "insomnia", "migraine*", "disabilit*", "chemo", "recovery",
        "period", "weight",
    ),
    "relationships": (
        "boyfriend", "girlfriend", "bf", "gf", "husband", "wife", "partner", "ex", "crush", "dating", "date",
        "divorce*", "broke up", "breakup", "break up", "married", "marriage", "wedding", "engaged", "relationship*",
        "sex", "virgin*", "kiss*", "cheat*", "single", "fiance*",
    ),
    "money": (
        "money", "salary", "paycheck", "debt*", "broke", "rent", "loan*", "mortgage", "bills", "afford", "savings",
        "income", "paid", "pay", "bank", "credit card", "poor", "unemployed", "fired", "laid off", "job", "budget",
    ),
    "family": (
        "mom", "mum", "mother", "dad", "father", "parents", "parent", "sister", "brother", "sibling*", "son",
        "daughter", "kids", "kid", "child", "children", "baby", "grandma", "grandpa", "grandmother", "grandfather",
        "family", "aunt", "uncle", "cousin*", "nephew", "niece", "stepmom", "stepdad",
    ),
    "location": (
        "i live", "i'm living", "im living", "moved to", "move to", "moving to", "my address", "my apartment",
        "my flat", "my house", "my home", "at home", "my hometown", "my neighborhood", "my neighbourhood",
        "i'm in", "im in", "i am in", "i'm at", "im at", "i am at", "my room", "my city",
    ),
}


def _topic_regex() -> re.Pattern[str]:
    parts = []
    for words in TOPICS.values():
        for w in words:
            w = w.replace("'", "['’]")
            parts.append(re.escape(w[:-1]).replace("\\[\\'’\\]", "['’]") + r"\w*" if w.endswith("*") else re.escape(w).replace("\\[\\'’\\]", "['’]"))
    parts.sort(key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


_TOPIC = _topic_regex()


def is_question(text: str) -> bool:
    """True when the text asks something (question mark, or a sentence opening like a question)."""
    if not text:
        return False
    return bool(_QMARK.search(text) or _OPENERS.search(text))


def addresses_you(text: str) -> bool:
    """True when the text speaks to the reader ("you", "your", "tu", "vous", "你", ...)."""
    return bool(text) and bool(_YOU.search(text) or _ZH_YOU.search(text))


def asks_personal(text: str, intimacy: float, threshold: float = PERSONAL_THRESHOLD) -> bool:
    """A question to the reader whose intimacy (0..1) is at least ``threshold``."""
    return intimacy >= threshold and is_question(text) and addresses_you(text)


_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")
_FIRST_WORDS = frozenset("i i'm im i've ive i'd i'll me my mine myself we we're our ours us".split()) | frozenset(
    "i’m i’ve i’d i’ll we’re".split())
_TOPIC_WORDS = frozenset(w for ws in TOPICS.values() for w in ws if " " not in w and not w.endswith("*"))
_TOPIC_PREFIXES = tuple(w[:-1] for ws in TOPICS.values() for w in ws if w.endswith("*"))
_TOPIC_PHRASES = tuple(w for ws in TOPICS.values() for w in ws if " " in w)


def discloses(text: str) -> bool:
    """The writer speaks about themselves (first person) on a private topic (see ``TOPICS``)."""
    if not text:
        return False
    low = text.lower()
    words = _WORD.findall(low)
    if _FIRST_WORDS.isdisjoint(words):
        return False
    if not _TOPIC_WORDS.isdisjoint(words):
        return True
    if any(w.startswith(_TOPIC_PREFIXES) for w in words):
        return True
    return any(p in low for p in _TOPIC_PHRASES) and bool(_TOPIC.search(text))


def topics(text: str) -> list[str]:
    """The private topics a text touches (for explanations); empty when none."""
    found = []
    for name, words in TOPICS.items():
        for w in words:
            pat = (re.escape(w[:-1]) + r"\w*") if w.endswith("*") else re.escape(w)
            if re.search(r"\b" + pat + r"\b", text, re.IGNORECASE):
                found.append(name)
                break
    return found
