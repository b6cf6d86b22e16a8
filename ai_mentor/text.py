"""Words and sentences of English text, for the AI mentor's retrieval and its backends.

A unit of text is a paragraph (separated by a blank line), then a sentence. A single line
break is a soft wrap (track files fold long lines), so it never ends a unit; a list has one
item per line. Words are lower-cased and lightly stemmed ("deploying" and "deployed" match);
stop words and words that say nothing about a question's topic ("explain", "use") are set
apart.
"""

import re

# English stop words, and words that say nothing about the topic of a question.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
GENERIC_WORDS = STOP_WORDS | frozenset(
    """
    explain explained explaining mean means meaning tell please help understand
    example examples thing things know get got make need needs learn learning use used using
    good better best way ways really actually also want like much many one ones give show
    phase phases track mentor question questions answer answers first take taking start
    important work works someone anything something every ever new people still become
    becoming
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

TOKEN = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#]*")


def terms_of(text: str) -> list[str]:
    """The topical words of a question, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for token in tokens_of(text):
        if token not in GENERIC_WORDS and (len(token) > 1 or token.isdigit()):
            seen.setdefault(token, None)
    return list(seen)[:30]


def names_in(text: str) -> list[str]:
    """Words of `text` written as names: capitalised inside a sentence, or with capitals
    inside the word ("FastAPI", "GraphQL", "How do I use Terraform?" → Terraform)."""
    names: dict[str, None] = {}
    for sentence in re.split(r"(?<=[.!?:])\s+", text.strip()):
        for index, match in enumerate(WORD.finditer(sentence)):
            word = match.group()
            inner_capital = any(c.isupper() for c in word[1:]) and not word.isupper()
            capitalised = index > 0 and word[0].isupper() and word.lower() not in GENERIC_WORDS
            if (capitalised or inner_capital) and len(word) > 2 and word.upper() != word:
                names.setdefault(word, None)
    return list(names)


# --- Units ------------------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "Dr.", "Mr.", "Ms.")
# A sentence ends with a stop, maybe closing quotes or brackets, before a space and a new
# sentence's first letter (or figure, or opening quote).
STOP = re.compile(r"[.!?][\"\u201d\u2019')\]]*$")
STARTS = re.compile(r"[\"\u201c\u2018(\[]?[A-Z0-9$]")
SPACE = re.compile(r"\s+")
BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")


def paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by a blank line; single line breaks are soft wraps,
    except in lists (one item per line)."""
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(BULLET.match(line) for line in lines):
            result.extend(BULLET.sub("", line).strip() for line in lines)
        elif lines:
            result.append(" ".join(" ".join(lines).split()))
    return result


def sentences(text: str) -> list[str]:
    """The sentences of `text`, whole, in order (see `paragraphs` for line breaks)."""
    result: list[str] = []
    for paragraph in paragraphs(text):
        start = 0
        for space in SPACE.finditer(paragraph):
            before = paragraph[start : space.start()]
            if (
                STOP.search(before)
                and not before.endswith(ABBREVIATIONS)
                and STARTS.match(paragraph, space.end())
            ):
                result.append(before)
                start = space.end()
        if paragraph[start:].strip():
            result.append(paragraph[start:].strip())
    return result


def as_sentence(text: str) -> str:
    """`text` ending as a sentence does (a key action is written without a full stop)."""
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


# --- Words --------------------------------------------------------------------------------------

SUFFIXES = (
    "izations", "isations", "ization", "isation", "ational", "ations", "ation", "nesses",
    "ness", "ments", "ment", "ities", "ity", "ings", "ing", "ised", "ized", "ises", "izes",
    "ise", "ize", "ies", "ied", "edly", "ed", "ers", "er", "ly", "es", "s",
)  # fmt: skip


def word_stem(word: str) -> str:
    """A light English stemmer: enough to match "deploying" with "deployed", "containerise"
    with "containers", "leakage" with "leak", "engineering" with "engineers" (two passes)."""
    return _strip(_strip(word))


def _strip(word: str) -> str:
    if word.endswith("age") and len(word) > 6:
        return word[:-3]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied", "ities"):
                stem += "y"
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]  # "running" → "run"
            return stem.rstrip("e") if len(stem) > 4 else stem
    return word.rstrip("e") if len(word) > 4 else word


COMPOUND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def tokens_of(text: str) -> list[str]:
    """The words of `text`, lower-cased, and its hyphenated compounds joined ("p-value" gives
    "p", "value" and "pvalue"; "k-fold" gives "kfold")."""
    lowered = text.lower()
    return TOKEN.findall(lowered) + [c.replace("-", "") for c in COMPOUND.findall(lowered)]


def stems_of(text: str) -> list[str]:
    return [word_stem(t) for t in tokens_of(text) if t not in GENERIC_WORDS]


def content_words(text: str) -> set[str]:
    """The stems of the words of `text` that carry meaning (English stop words dropped;
    unlike `terms_of`, words such as "explain" or "use" are kept)."""
    return {word_stem(t) for t in TOKEN.findall(text.lower()) if t not in STOP_WORDS}
