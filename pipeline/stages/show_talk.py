"""The show's own talk: its intro and outro, ad breaks and sponsor reads, and talk
about the talk (what the episode covers, a call for guests).

None of it is what a conversation says: a point is never asked on a sponsor read, a
welcome is no key point (``pipeline.stages.map_stage``), and what the episode covers or
where a speaker lives is no point a brief carries (``pipeline.stages.points``) and no
subject the sources share (``pipeline.stages.cross_statements``) nor a theme's sentence
(``pipeline.stages.reduce_stage``); nor is who talks about what a later sentence of a
source's overview (``pipeline.stages.overview``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from pipeline.models import Passage, Sentence
from pipeline.stages.spoken import without_fillers

# the show's intro and outro, ads and sponsor reads: never a key point
_PROMO = re.compile(
    r"\b(welcome (back )?to|thanks? (you )?for (listening|watching|tuning in)|subscribe|"
    r"(our|this week's|today's) sponsors?|sponsored by|brought to you by|promo code|"
    r"patreon|rate (and|&) review|free (trial|test drive)|(\.|dot )com (slash|/)|"
    # a greeting: "I'm really excited for this conversation", "thanks for having me"
    r"(excited|glad|happy|thrilled|delighted) (for|about|to (have|be|do)) (this|our|the) "
    r"(conversation|episode|chat|interview)|thanks? (you )?(so much )?for having me|"
    r"(great|good|nice) to (be here|have you)|"
    # a guest welcomed: "I'm very pleased to welcome Huw Irranca-Davies, Minister for
    # Children and Social Care" (a committee's chair; education_22's first key fact), "I'll
    # take this opportunity to welcome Dawn formally to the committee" (education_18's)
    r"(pleased|delighted|happy|glad) to welcome|welcome (?-i:[A-Z])[\w'’-]+|"
    # the send-off: "Thank you so much for coming on and sharing all this fascinating ..."
    r"thanks? (you )?(so much |very much )?for (coming on|joining (us|me)|being (here|on))|"
    # the host's send-off into the interview: "Now, I hope you enjoy this insider's view"
    r"hope you (all )?enjoy (this|the|our|today's)|"
    # the same in Spanish, French, German, Italian and Portuguese: "Bienvenidos a
    # Tecnología Abierta.", "Gracias por invitarme." (the first point of a Spanish
    # interview's brief), "Merci de m'avoir invité", "Danke für die Einladung"
    r"bienvenid[oa]s? a|gracias por (invitarme|tenerme|venir|escuchar)|"
    r"bienvenue (à|dans|sur)|merci (de m'avoir invitée?|pour l'invitation|de votre écoute)|"
    r"willkommen (bei|zu|im)|danke für (die einladung|ihre aufmerksamkeit|das zuhören)|"
    r"benvenut[ioae] (a|al|nel)|grazie per (l'invito|avermi invitat[oa])|"
    r"bem-vind[oa]s? (a|ao)|obrigad[oa] pelo convite)\b",
    re.IGNORECASE,
)
# an ad break, and an ad's call to action (a web address, an offer, a code to mention)
_AD_BREAK = re.compile(
    r"\b(word from (our|this week's|today's) sponsors?|sponsored by|brought to you by|"
    # "So we're going to take a quick break and come back right after this." (003)
    r"take a (quick|short) break|(be|come) (right )?back (right )?after this)\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION = re.compile(
    r"(\w\.com\b|\bdot com\b|\bpromo code\b|\b\d+% (off|discount)\b|\bdiscount code\b|"
    r"\bfree (trial|test drive)\b|\bmention [A-Z]\w* (when|to)\b)",
    re.IGNORECASE,
)
# ends a read, never starts one: another show's read, "search for The Hustle Daily Show
# and your favorite podcast app" (003), runs on into the host's return to the guest
_READ_END = re.compile(
    r"\b(in|on|and) your favou?rite podcast app\b|"
    r"\bwherever you (get|listen to) (your )?podcasts\b",
    re.IGNORECASE,
)
AD_CHARS = 2000  # at most this far from an ad break or a call to action to the next call


@functools.lru_cache(maxsize=16)
def sponsor_reads(source_text: str) -> tuple[tuple[int, int], ...]:
    """The character spans of a source's sponsor reads: from an ad break ("after a word
    from our sponsors") or a call to action ("brave.com slash ads", "a 25% discount")
    through the next call to action (or another show's "in your favorite podcast app")
    within ``AD_CHARS``. Ad reads run back to back
    between the break and the return to the conversation, each ending on its address or
    code; a web address said once in a conversation ("dot substack.com") is no read."""
    calls = [(m.start(), m.end()) for m in _CALL_TO_ACTION.finditer(source_text)]
    starts = sorted([m.start() for m in _AD_BREAK.finditer(source_text)] + [a for a, _ in calls])
    ends = sorted(calls + [(m.start(), m.end()) for m in _READ_END.finditer(source_text)])
    spans: list[tuple[int, int]] = []
    for start in starts:
        end = next((e for a, e in ends if a > start), None)  # the next call to action
        if end is not None and end - start <= AD_CHARS:
            spans.append((start, end))
    return tuple(spans)


def in_sponsor_read(sentence: Sentence, reads: Iterable[tuple[int, int]]) -> bool:
    return any(sentence.char_start < end and start < sentence.char_end for start, end in reads)


# a sentence that only thanks someone: the send-off "Vielen Dank, Herr Keller." (a German
# interview's second key point of two), "Thank you, Jonas.", "Muchas gracias, Lucía."
_THANKS_ALONE = re.compile(
    r"^\W*(thank you|thanks|many thanks|vielen dank|danke( schön| sehr)?|(muchas )?gracias|"
    r"merci( beaucoup)?|grazie( mille)?|(muito )?obrigad[oa])( (so|very) much)?"
    r"(\W+(?-i:[A-Z])[\w'’.-]*){0,4}\W*$",
    re.IGNORECASE,
)


def is_promo(text: str) -> bool:
    return bool(_PROMO.search(text) or _THANKS_ALONE.match(text))


# talk about the talk: what the episode covers, who is invited to discuss, a call for
# guests, the show or a committee's chair keeping time and order ("The conversation
# discusses the differences between ...", "We're discussing China's AI positioning", "I
# would love to work with you to make an episode about it", "Folks, we're pushing past 10
# p.m. now")
# the talk itself, as a sentence's subject ("the notes": the reduce prompt's word for the
# points it is shown)
_TALK_NOUNS = r"conversation|episode|podcast|show|interview|discussion|notes"
_ABOUT_THE_TALK = re.compile(
    r"^(?:so,?\s+|in\s+)?(?:the|this|our|today's)\s+(?:[\w-]+\s+){0,2}"
    rf"(?:{_TALK_NOUNS})\s+(?:we\s+)?"
    r"(?:discuss|cover|explore|look|focus|touch)|"
    r"^(?:so,?\s+)?(?:we're|we are|we'll|we will|let's)\s+(?:be\s+)?"
    r"(?:discussing|talking about|going to (?:talk|discuss)|delivering|covering)\b|"
    # the host looking back on the episode: "We really examined why China had to go with
    # a AI monetization strategy ..." (003's key fact), "I have just been discussing with
    # Yuan Li." (000's)
    r"^(?:so,?\s+)?we\s+(?:really\s+|also\s+)?(?:examined|explored|looked\s+(?:at|into)|"
    r"discussed|talked\s+about|covered|dug\s+into)\s+(?:why|how|what|whether)\b|"
    r"^(?:I|we)(?:'ve|\s+have)?\s+(?:just\s+)?been\s+(?:discussing|talking)\s+with\b|"
    r"\b(?:make|do|record) an episode\b|"
    # the host steering the talk: "... we haven't really talked about the export controls
    # and the shortages of GPUs within China.", "We have the big labs in the US doing so
    # before I jump into a couple of the reasons why ..." (key facts of 003 and 001)
    r"\bwe (?:haven't|have not|didn't|did not) (?:really |yet |even )?"
    r"(?:talked|discussed|touched|covered|gotten|got) (?:about|on|to|into)\b|"
    r"\bbefore (?:I|we) (?:jump|dive|get|go|move) (?:in|into|on)\b|"
    # ... and the questions to come: "I want to definitely ask some questions about how
    # much the chip ban ... are already having an effect" (004's host; the theme made it
    # "The chip ban ... have already had an effect on chat GPT usage in the US.")
    r"\b(?:I|we)(?:'d|\s+would)?\s+(?:\w+ly\s+)?(?:want|wanted|like|love|'m\s+going|"
    r"am\s+going|'ll|will)\s+(?:to\s+)?(?:\w+ly\s+)?ask\b|"
    # the show keeping time: "Folks, we're pushing past 10 p.m. now", "we're running out of time"
    r"\b(?:we're|we are)\s+(?:running out of time|pushing past\s+\d)|"
    # a committee's chair keeping its order: "The next questions are from Hefin David.",
    # "Paper to note 2: a letter from the Minister ...", "we'll move on to item 3"
    r"\bnext questions?\s+(?:are|is|comes?|will come)\s+from\b|"
    r"\bpapers?\s+to\s+note\b|"
    r"\b(?:we(?:'ll|\s+will|'re going to)?|let's)\s+move\s+(?:on\s+)?to\s+(?:the\s+next\s+)?item\b",
    re.IGNORECASE,
)


def about_the_talk(text: str) -> bool:
    """Whether a statement says what the conversation covers rather than what it says, as
    said or without its speech fillers: "you know, we really examined why China had to
    kind of go with ..." (a map point as the 1.5B copied it) is "We really examined why
    China had to go with ..."."""
    return any(_ABOUT_THE_TALK.search(t.strip()) for t in (text, without_fillers(text)))


# a pronoun's sentence after one about the talk is about it too: "The notes discuss the
# differences between AI ecosystems in China and the United States. It highlights the lack
# of jailbreaking rituals ..." (a theme of 004)
_ITS_SEQUEL = re.compile(
    r"^(?:it|they|this)\s+(?:also\s+)?(?:highlights?|mentions?|notes?|discuss(?:es)?|"
    r"emphasi[sz]es?|explains?|covers?|describes?|touches\s+on)\b",
    re.IGNORECASE,
)


def cites_only_the_talk(passages: Sequence[Passage]) -> bool:
    """Whether every one of a sentence's passages (one at least) is talk about the talk:
    what the sentence says, the conversation does not."""
    return bool(passages) and all(about_the_talk(p.text) for p in passages)


def without_talk_about_the_talk(sentences: Sequence[str]) -> list[str]:
    """``sentences`` (a summary's, in order) without those about the talk
    (``about_the_talk``: "We're delivering a China episode on AI positioning.", "The
    conversation discusses the relationship between ...") and a pronoun's sequel to one
    ("It highlights ...")."""
    kept, after_talk = [], False
    for sentence in sentences:
        after_talk = about_the_talk(sentence) or (
            after_talk and bool(_ITS_SEQUEL.match(sentence.strip()))
        )
        if not after_talk:
            kept.append(sentence)
    return kept


# who talks about what, in a brief's words: "Afra Wang discusses Silicon Valley's envy of
# China", "The host mentions Kai Fu Lee's comments on ...", "The article discusses ..." (not
# a claim reported: "Kai Fu Lee mentions that apps ...")
_TELLS_THE_TALK = re.compile(
    r"^(?:(?i:the|this|our)\s+(?:[\w-]+\s+)?"
    rf"(?:host|guest|speakers?|author|analyst|article|book|video|thread|post|{_TALK_NOUNS})|"
    # a cross-source sentence: "Source 004 covers various aspects of AI technology in China."
    r"(?i:sources?)\s+[\w-]+(?:(?:,\s*|\s+and\s+)[\w-]+)*|"
    r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})\s+(?:also\s+)?"
    r"(?:discuss(?:es|ed)?|talks?\s+about|mentions?|covers?|explores?|explains?|touches\s+on|"
    r"delves\s+into|shares?\s+(?:insights|thoughts|views))\b(?!\s+that\b)"
)


# ... or that something is talked about, and no more: "Danwang's book, Breakneck, is
# discussed." (000's overview)
_IS_DISCUSSED = re.compile(
    r"^[^.;:]{0,80}\b(?:is|are|was|were|gets?|got)\s+(?:also\s+|briefly\s+)?"
    r"(?:discussed|mentioned|covered|explored|touched\s+on|talked\s+about)\W*$",
    re.IGNORECASE,
)


def tells_the_talk(text: str) -> bool:
    """Whether a statement tells who talks about what rather than what is said: talk
    about the talk (``about_the_talk``), "Afra Wang discusses Silicon Valley's envy of
    China", as a small model writes an overview, or "Danwang's book is discussed."."""
    said = text.strip()
    return bool(_TELLS_THE_TALK.match(said) or _IS_DISCUSSED.match(said)) or about_the_talk(text)


# a speaker on their own whereabouts and career: "Now I'm in Hong Kong, but I've spent time
# in Singapore, Beijing and Shanghai", "I've now been working in Beijing for the past five
# years" (two sources' such remarks made the cross-source theme "China's Economic Growth":
# "Source 003: Hong Kong is part of China. Source 004: Beijing has been growing rapidly")
_ABOUT_THE_SPEAKER = re.compile(
    r"\bI(?:'m|\s+am|'ve|\s+have|\s+had|'d)?\s+(?:now\s+|also\s+|actually\s+|just\s+)?"
    r"(?:been\s+)?(?:living|lived|live|working|worked|based|born|grew up|moved|spent|studied)\s+"
    r"(?:in|at|for|time|a\s+day|\w+\s+years?)\b|"
    r"\bI(?:'m|\s+am)\s+(?:now\s+)?(?:in|based in|from)\s+[A-Z]",
)


def about_the_speaker(text: str) -> bool:
    """Whether a statement tells where a speaker lives, works or has been (who they are,
    not what they say about the subject). "I" only: a company's "we have been working
    for five years on chips" is a claim."""
    return bool(_ABOUT_THE_SPEAKER.search(text))


# who the 1.5B says spoke when it does not read the label: "The host discusses plastic
# and touch screens." of a meeting's Project Manager (the map prompt's own example of a
# point that says nothing is "The host discusses chips")
_GENERIC_SPEAKER = re.compile(
    r"^(?:the|our)\s+(host|speaker|presenter|narrator|author|analyst)\b", re.IGNORECASE
)
_LABEL_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more


def by_label(point: str, label: str | None, source_text: str) -> str:
    """``point`` with its opening "The host" (speaker, presenter, narrator, author,
    analyst: ``_GENERIC_SPEAKER``) replaced by ``label``, the speaker of the sentence it
    states (a map point) or of the passages it rests on (a sentence of the brief's prose,
    ``speakers.named_in``), when the transcript labels its speakers and never says "host"
    (nor the word the point uses): in a meeting there is no host. A label of one letter or
    number ("A") reads as no name and is not used; "PhD C" and "Speaker 2" are (an academic
    meeting's brief said "The host discusses bugs in the program." nine times)."""
    found = _GENERIC_SPEAKER.match(point)
    label = (label or "").strip()
    if found is None or not _LABEL_WORD.search(label):
        return point
    word = found.group(1).lower()
    if word in label.lower() or re.search(rf"\b{word}s?\b", source_text, re.IGNORECASE):
        return point
    return label + point[found.end() :]
