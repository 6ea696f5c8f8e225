"""Cheap detectors the relationship measures need, applied to every scored message.

* ``is_question(text)``: the text asks something: it contains a question mark (``?``, ``？``,
  ``¿``, ``؟``), a sentence opens like a question (English, Spanish, Portuguese, Italian, French,
  German, Dutch: "how do I", "are you", "est-ce que", "hast du", "heb je", ...) or, in Chinese,
  a clause ends in 吗/呢 or holds an interrogative (什么, 为什么, 怎么, 有没有, ...).
* ``addresses_you(text)``: the text speaks to the reader ("you", "tu", "vous", "você", "du",
  "Sie", "jij", "heb je", "你", ...). The measures' SQL calls this very function (a DuckDB UDF).
* ``asks_personal(text, intimacy)``: a personal question: a question addressed to the reader that
  asks about them - its intimacy score is at least ``PERSONAL_THRESHOLD``, or it names a sensitive
  topic (health, death, divorce, sex, debt, loneliness, family; see ``SENSITIVE``).
  "What's your lowest point while being broke?" is one; "What anime is this?" is not (no "you"),
  and neither is "Can you send me the report?" (addressed to you, but impersonal).
* ``discloses(text)``: the writer says something about themselves (a first-person word: I, my,
  yo, mi, je, ich, eu, io, ik, 我, ...) *and* names a sensitive private topic (``SENSITIVE``, in
  en, es, fr, de, pt, it, nl, zh). ``topics(text)`` names the English ``TOPICS`` (feelings,
  health, relationships, money, family, location) a text touches, for explanations.

They are lexical rules, deliberately simple and fast (a few µs a text); the models do the graded
part. One definition each: everything else (the scorer, the measures' SQL) calls these.
"""

from __future__ import annotations

import re

__all__ = [
    "counted_disclosure","is_question", "addresses_you", "asks_personal", "discloses", "private_topic", "topics",
           "PERSONAL_THRESHOLD", "TOPICS", "SENSITIVE"]

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
    # German: a question word, or a verb first with its subject ("hast du", "haben Sie", "gibt es")
    r"|(?:wie|was|warum|wieso|weshalb|wann|wo|woher|wohin|wer|wen|wem|wessen|welche[rsnm]?)\b"
    r"|(?:hast|bist|kannst|willst|möchtest|gehst|kommst|weißt|warst|hattest|hättest|würdest|magst|fühlst|denkst"
    r"|glaubst|musst|sollst|darfst|haben|sind|können|wollen|möchten|würden|waren|hatten|gibt|geht|ist|war)"
    r"\s+(?:du|sie|ihr|es|er|wir|man)\b"
    # Dutch: a question word, or a verb first with its subject ("heb je", "bent u")
    r"|(?:wat|waarom|hoe|wanneer|waar|wie|welk|welke|hoeveel)\b"
    r"|(?:heb|ben|kun|kan|wil|ga|kom|weet|zou|moet|mag|doe|voel|heeft|bent|kunt|wilt|gaat|komt|zijn|hebben"
    r"|was|waren|had|hadden|denk)\s+(?:je|jij|u|jullie|we|wij|ze|zij|hij|het)\b"
    r")",
    re.IGNORECASE,
)
# Chinese asks with a final particle or an interrogative word (no spaces, no capitals).
_ZH_QUESTION = re.compile(r"[吗嗎呢][\s。！!～~]*(?:$|[，,。])|为什么|為什麼|怎么|怎麼|什么|什麼|哪|谁|誰|多少|几[个點点岁歲天]"
                          r"|是不是|有没有|有沒有|能不能|会不会|會不會|要不要|好不好|可不可以")
_YOU = re.compile(
    r"\b(?:you|your|yours|yourself|yourselves|u|ur|ya|y'all|"
    r"tu|tú|te|ti|tuo|tua|tuoi|tue|vous|votre|vos|toi|ton|ta|tes|você|vocês|voce|usted|ustedes|tus|teu|tua|seu|"
    r"contigo|convosco|"
    # Spanish and Italian leave the pronoun out: the common verbs in the second person singular
    r"tienes|estás|eres|vas|quieres|puedes|sabes|sientes|vienes|crees|necesitas|hiciste|fuiste|"
    r"hai|sei|stai|vuoi|puoi|sai|senti|vieni|fai|pensi|"
    # German (informal; the formal "Sie" is below) and Dutch ("je" alone is also French "I": below)
    r"du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|euren|eurem|eurer|ihnen|"
    r"jij|jou|jouw|jullie|uw)\b",
    re.IGNORECASE,
)
# German formal "Sie"/"Ihr..." is "you" when capitalised inside a sentence ("Haben Sie ...", "Ihre Mutter").
_DE_FORMAL = re.compile(r"(?<![.!?:]\s)(?<!^)\b(?:Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")
_DE_FORMAL_START = re.compile(r"(?:^|[.!?]\s+)(?:Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\s+\w")
# Dutch "je" after its verb ("heb je", "ben je"); "je" alone would catch French "je" (I).
_NL_JE = re.compile(r"\b(?:heb|ben|kun|kan|wil|ga|kom|weet|zou|moet|mag|doe|voel|had|was|denk|vind|zie|hoor"
                    r"|wist|zag|ging|kwam|ligt|lig|werk|woon|slaap|eet|heet)\s+je\b|\bje\s+(?:moeder|vader|"
                    r"ouders|broer|zus|vriend|vriendin|man|vrouw|kinderen|baan|werk|huis|gezondheid)\b", re.IGNORECASE)
_ZH_YOU = re.compile(r"[你您妳]")

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


#: Sensitive private topics per language - health, death, divorce and break-ups, sex, debt and
#: losing work, loneliness, fear and grief, family - (a trailing * matches any ending; Chinese
#: words match anywhere). A first-person text naming one discloses; a question to the reader
#: naming one is personal. Everyday words that also name work or errands ("pay", "job", "date",
#: "feel") are left out: they are only named by ``topics`` (for explanations).
SENSITIVE: dict[str, tuple[str, ...]] = {
    "en": (
        "lonely", "loneliness", "depress*", "anxiety", "anxious", "scared", "afraid", "cry*", "cried", "tears",
        "heartbroken", "hopeless", "suicid*", "panic*", "ashamed", "grief", "grieving", "sick", "ill", "illness",
        "hospital*", "diagnos*", "therapy", "therapist", "cancer", "tumour", "tumor", "surgery", "chemo", "disease",
        "pregnan*", "miscarriage", "died", "dead", "death", "dying", "funeral", "passed away", "divorce*", "broke up",
        "breakup", "break up", "cheat*", "affair", "sex", "sexual*", "virgin*", "debt*", "broke", "bankrupt*",
        "unemployed", "fired", "laid off", "evicted", "mother", "father", "mom", "mum", "dad", "parents", "sister",
        "brother", "son", "daughter", "kids", "children", "family", "boyfriend", "girlfriend", "husband", "wife",
        "salary", "mental health", "can't afford", "cannot afford", "my savings", "living alone", "live alone",
    ),
    "es": (
        "triste*", "soledad", "deprimid*", "depresión", "ansiedad", "miedo", "llor*", "enferm*", "cáncer", "hospital*",
        "médico", "terapia", "diagnostic*", "murió", "muerto", "muerta", "muerte", "falleci*", "funeral", "entierro",
        "divorci*", "divorcio", "separad*", "novio", "novia", "sexo", "sexual*", "deuda*", "despid*", "paro",
        "madre", "padre", "mamá", "papá", "hermano", "hermana", "hermanos", "hijo", "hija", "hijos", "hijas",
        "familia", "embaraz*", "salud", "sueldo", "salario", "enamorad*", "solo", "sola",
    ),
    "fr": (
        "triste*", "seul", "seule", "solitude", "déprim*", "dépression", "angoiss*", "anxiété", "peur", "pleur*",
        "malade*", "maladie", "cancer", "hôpital", "médecin", "thérapie", "diagnostiqu*", "mort", "morte", "décéd*",
        "décès", "enterrement", "funérailles", "divorc*", "séparé*", "rupture", "copain", "copine", "sexe", "sexuel*",
        "dette*", "licenci*", "chômage", "mère", "père", "maman", "papa", "frère", "sœur", "soeur", "enfants",
        "fils", "fille", "famille", "enceinte", "santé", "salaire", "amoureu*",
    ),
    "de": (
        "traurig*", "einsam*", "depression*", "depressiv*", "angst", "ängste", "weine", "weinen", "weinte", "geweint",
        "krank*", "krebs", "krankenhaus", "arzt", "ärztin", "therapie", "diagnose*", "diagnostiziert", "gestorben",
        "tod", "tot", "verstorben", "beerdigung", "scheidung", "geschieden", "getrennt", "trennung", "sex", "sexuell*",
        "schulden", "gekündigt", "arbeitslos", "mutter", "vater", "mama", "papa", "bruder", "schwester", "kinder",
        "sohn", "tochter", "familie", "schwanger*", "gesundheit", "gehalt", "verliebt", "allein", "freundin",
    ),
    "pt": (
        "triste*", "sozinh*", "solidão", "deprimid*", "depressão", "ansiedade", "medo", "chorando", "chorei", "chorar",
        "choro", "doente*", "doença", "câncer", "cancro", "hospital", "médico", "terapia", "diagnosticad*", "morreu",
        "morte", "faleceu", "funeral", "enterro", "divórcio", "divorciad*", "separad*", "namorad*", "sexo", "sexual*",
        "dívida*", "demitid*", "desempregad*", "mãe", "pai", "irmã", "irmão", "filho", "filha", "filhos", "família",
        "grávida", "saúde", "salário", "apaixonad*",
    ),
    "it": (
        "trist*", "sola", "solitudine", "depress*", "ansia", "paura", "piang*", "malat*", "cancro", "tumore",
        "ospedale", "medico", "terapia", "diagnos*", "morto", "morta", "morte", "funerale", "divorzi*", "separat*",
        "ragazza", "fidanzat*", "sesso", "sessual*", "debiti", "licenziat*", "disoccupat*", "madre", "padre", "mamma",
        "papà", "fratello", "sorella", "figlio", "figlia", "figli", "famiglia", "incinta", "salute", "stipendio",
        "innamorat*",
    ),
    "nl": (
        "verdrietig", "eenzaam*", "depressie*", "depressief", "angst*", "huil*", "ziek*", "kanker", "ziekenhuis",
        "dokter", "therapie", "diagnose", "overleden", "dood", "begrafenis", "scheiding", "gescheiden", "seks",
        "schulden", "ontslagen", "werkloos", "moeder", "vader", "mama", "papa", "broer", "zus", "kinderen", "zoon",
        "dochter", "familie", "zwanger", "gezondheid", "salaris", "verliefd", "vriendin",
    ),
    "zh": (
        "难过", "難過", "伤心", "傷心", "孤独", "孤獨", "寂寞", "抑郁", "憂鬱", "焦虑", "害怕", "哭", "生病", "病了", "癌",
        "医院", "醫院", "医生", "醫生", "治疗", "诊断", "診斷", "去世", "死了", "葬礼", "離婚", "离婚", "分手", "男朋友",
        "女朋友", "性生活", "做爱", "债", "債", "失业", "被裁", "妈妈", "媽媽", "爸爸", "母亲", "父亲", "孩子", "儿子",
        "女儿", "家人", "怀孕", "懷孕", "健康", "工资", "薪水",
    ),
}

#: First-person words per language (the writer speaks of themselves); Chinese: 我 anywhere.
FIRST_PERSON: frozenset[str] = frozenset(
    "i i'm im i've ive i'd i'll me my mine myself we we're our ours us i’m i’ve i’d i’ll we’re "  # en
    "yo me mi mis mí conmigo estoy soy tengo siento nosotros nuestro nuestra "  # es
    "j'ai j’ai moi mon ma mes suis "  # fr ("je" is Dutch "you" after a verb: see discloses)
    "ich mich mir mein meine meinen meinem meiner meines wir uns unser unsere "  # de
    "eu meu minha meus minhas mim comigo estou sou "  # pt
    "io mio mia miei mie sono ho sto "  # it
    "ik mij mijn m'n wij ons onze".split()  # nl
)
_ZH_FIRST = "我"


def _word_lexicon(words) -> tuple[frozenset[str], tuple[str, ...], re.Pattern[str] | None]:
    """(single words, prefixes of starred words, a regex of the multi-word phrases) of a word list."""
    words = list(words)
    phrases = sorted({w for w in words if " " in w}, key=len, reverse=True)
    rx = re.compile(r"\b(?:" + "|".join(re.escape(p).replace("'", "['’]") for p in phrases) + r")\b") if phrases else None
    return (frozenset(w for w in words if " " not in w and not w.endswith("*")),
            tuple(w[:-1] for w in words if w.endswith("*")), rx)


_SENS_WORDS, _SENS_PREFIXES, _SENS_PHRASES = _word_lexicon(w for k, ws in SENSITIVE.items() if k != "zh" for w in ws)
_ZH_SENSITIVE = SENSITIVE["zh"]
_WORD = re.compile(r"\w+(?:['’]\w+)?")


def _has_any(low: str, words: list[str], lexicon) -> bool:
    single, prefixes, phrases = lexicon
    if not single.isdisjoint(words):
        return True
    if prefixes and any(w.startswith(prefixes) for w in words):
        return True
    return bool(phrases and phrases.search(low))


def is_question(text: str) -> bool:
    """True when the text asks something (question mark, a sentence opening like a question, or a
    Chinese question particle or interrogative).

    >>> is_question("Hast du morgen Zeit"), is_question("你明天来吗"), is_question("Ik kom morgen.")
    (True, True, False)
    """
    if not text:
        return False
    return bool(_QMARK.search(text) or _OPENERS.search(text) or _ZH_QUESTION.search(text))


def addresses_you(text: str) -> bool:
    """True when the text speaks to the reader ("you", "tu", "vous", "du", "Sie", "jij", "你", ...).

    >>> addresses_you("¿Tú vienes mañana?"), addresses_you("Haben Sie Kinder?"), addresses_you("Sie kommt morgen.")
    (True, True, False)
    """
    return bool(text) and bool(_YOU.search(text) or _ZH_YOU.search(text) or _DE_FORMAL.search(text)
                               or _DE_FORMAL_START.search(text) or _NL_JE.search(text))


def private_topic(text: str) -> bool:
    """True when the text names a sensitive private topic (``SENSITIVE``, any language)."""
    if not text:
        return False
    low = text.lower()
    return _has_any(low, _WORD.findall(low), _SENS_LEX) or any(w in text for w in _ZH_SENSITIVE)


def asks_personal(text: str, intimacy: float, threshold: float = PERSONAL_THRESHOLD) -> bool:
    """A question to the reader about themselves: its intimacy (0..1) is at least ``threshold``, or
    it names a sensitive topic (``SENSITIVE``).

    >>> asks_personal("Wie geht es deiner Mutter nach der Operation?", 0.0), asks_personal("Kannst du mir die Datei schicken?", 0.2)
    (True, False)
    """
    if not (is_question(text) and addresses_you(text)):
        return False
    return intimacy >= threshold or private_topic(text)


_SENS_LEX = (_SENS_WORDS, _SENS_PREFIXES, _SENS_PHRASES)


def counted_disclosure(text: str | None, disclosure: float | None) -> float | None:
    """The disclosure the relationship measures and ``check`` count: the model's ``disclosure``
    where the text is on a sensitive private topic (``discloses``), else 0. The models learnt
    disclosure on CL-Aff, where saying "I enjoyed your talk" is a (small) emotional disclosure;
    what runs ahead of a relationship is a disclosure about health, death, money, love, sex,
    family, loneliness and the like. ``None`` (an unscored text) stays ``None``.

    >>> counted_disclosure("I was diagnosed with cancer last month", 0.9), counted_disclosure("I enjoyed your talk", 0.85)
    (0.9, 0.0)
    """
    if disclosure is None:
        return None
    return float(disclosure) if text and discloses(text) else 0.0


def discloses(text: str) -> bool:
    """The writer speaks about themselves (a first-person word, any of our languages) on a
    sensitive private topic (``SENSITIVE``; everyday words such as "happy", "job" or "pay" do not
    count, so that "I'm happy to help" discloses nothing).

    >>> discloses("Mi padre murió anoche"), discloses("Ich habe die Datei hochgeladen"), discloses("我很孤独")
    (True, False, True)
    """
    if not text:
        return False
    low = text.lower()
    words = _WORD.findall(low)
    french_je = "je" in words and not _NL_JE.search(text)
    if FIRST_PERSON.isdisjoint(words) and not french_je and _ZH_FIRST not in text:
        return False
    return _has_any(low, words, _SENS_LEX) or any(w in text for w in _ZH_SENSITIVE)


def topics(text: str) -> list[str]:
    """The private topics a text touches (English ``TOPICS``, for explanations); empty when none."""
    found = []
    for name, words in TOPICS.items():
        for w in words:
            pat = (re.escape(w[:-1]) + r"\w*") if w.endswith("*") else re.escape(w)
            if re.search(r"\b" + pat + r"\b", text, re.IGNORECASE):
                found.append(name)
                break
    return found
