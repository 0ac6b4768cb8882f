"""Word lists behind the scorer's features: filler, buzzwords, vagueness, conflicts, essentials.

Data, not code paths. The lists are general English prompt-writing vocabulary (drawn from prompt
linters and vendor prompting guides), not phrases taken from our labelled pairs; the weights that
decide how much each feature matters are learned from data.
"""

from __future__ import annotations

import re

from ..vocab import STOP_WORDS


def word_list(text: str) -> list[str]:
    """The whitespace-separated words of a text block (keeps long word lists compact)."""
    return text.split()


def _alt(words: str) -> str:
    """A regex alternation of whitespace-separated words (underscores stand for spaces)."""
    return "|".join(sorted((w.replace("_", r"\s+") for w in words.split()), key=len, reverse=True))


# Filler: words that add length, not meaning.
FILLER = re.compile(
    r"\b(?:"
    + _alt(
        """it_is_(?:very_|really_|extremely_|absolutely_|super_)?(?:important|essential|crucial|vital|critical)_that
        please_(?:make_sure|ensure|be_sure) make_sure_(?:that_)?(?:you|to|it) be_sure_to kindly
        in_order_to as_much_as_(?:you_can|possible) to_the_best_of_your_ability
        at_the_end_of_the_day needless_to_say it_goes_without_saying first_and_foremost
        thank_you(?:_very_much|_so_much)? thanks_in_advance i_would_(?:really_)?(?:like|love)_(?:you_)?to
        we_would_(?:really_)?(?:like|love)_(?:you_)?to feel_free_to do_your_best go_above_and_beyond
        take_your_time (?:a|the)_(?:whole_|entire_)?(?:lot|range|host)_of all_kinds_of
        and_(?:so_on|so_forth|more|anything_else) and_other_(?:things|stuff|relevant_\\w+)
        you_know basically essentially literally honestly actually obviously clearly
        in_terms_of with_regard(?:s)?_to when_it_comes_to the_fact_that
        really_(?:good|great|nice|important) very_(?:good|great|nice|important)"""
    )
    + r")\b",
    re.I,
)
INTENSIFIERS = re.compile(
    r"\b(?:very|really|extremely|super|absolutely|truly|highly|incredibly|totally|amazingly)\b",
    re.I,
)
BUZZWORDS = re.compile(
    r"\b(?:"
    + _alt(
        """synerg\\w* leverag\\w* cutting-edge cutting_edge world-class world_class best-in-class
        state-of-the-art state_of_the_art next-level next_level game-?changing game-?changer
        paradigm(?:_shift)? holistic\\w* disruptive disrupt innovative innovation seamless\\w*
        robust\\w* scalable revolutionary best_practices? thought_leadership mission-critical
        value-add(?:ed)? empower\\w* actionable_insights deep_dive move_the_needle low-hanging_fruit
        circle_back bleeding-edge top-notch top_talent rockstar ninja unicorn supercharge\\w*
        turbocharge\\w* unlock(?:ing)?_(?:the_)?(?:full_)?potential elevate\\w* transformative
        world_of dynamic\\w*_landscape ever-changing ever-evolving fast-paced
        excellent outstanding exceptional stellar amazing awesome fantastic incredible
        high-quality top-quality premium engaging compelling impactful"""
    )
    + r")\b",
    re.I,
)
VAGUE = re.compile(
    r"\b(?:"
    + _alt(
        """etc stuff things something somehow some_sort_of kind_of sort_of various
        appropriate(?:ly)? as_needed if_needed where_relevant as_appropriate relevant_details?
        good_quality nice properly suitable adequate(?:ly)? reasonable(?:_amount)? whatever
        anything_else everything_important all_the_important_things the_usual_(?:stuff|things)"""
    )
    + r")\b",
    re.I,
)
HEDGES = re.compile(
    r"\b(?:"
    + _alt(
        """maybe perhaps possibly if_possible if_you_can try_to attempt_to might_want_to
        could_perhaps you_may_want_to ideally hopefully somewhat more_or_less roughly_speaking"""
    )
    + r")\b",
    re.I,
)

# The task: an instruction addressed to the model.
TASK_VERBS = set(
    word_list(
        """
        write create draft compose produce generate build implement design develop make code
        program summarise summarize explain describe analyse analyze compare evaluate assess
        review critique rewrite edit translate convert refactor debug fix test list outline plan
        propose recommend suggest identify find extract classify categorise categorize rank
        score estimate calculate compute forecast predict model simulate prepare give provide
        return answer respond reply tell help teach show prove derive solve optimise optimize
        audit check verify validate clean merge format structure organize organise map schedule
        brainstorm name research investigate study collect gather design define specify document
        report visualise visualize chart plot"""
    )
)
TASK_OPENERS = re.compile(
    r"\b(?:your\s+(?:task|job|goal)\s+is|you\s+(?:will|are\s+to|should|must)|i\s+need\s+you\s+to"
    r"|please\s+\w+|we\s+need|the\s+task\s+is|task:)",
    re.I,
)
# Instructions about the answer's content that state a task as well as a task verb does.
INSTRUCTION_VERBS = TASK_VERBS | set(word_list("add include mention output flag group sort"))
# Words that may come before a task verb ("Please write", "Then list", "Finally, explain").
TASK_LEADS = word_list("please kindly then now also next finally first and so just briefly")
# Headings or labels that name the task, so that the body under them states it.
TASK_HEADINGS = re.compile(
    r"(?:the\s+|your\s+|my\s+|main\s+)?(?:task|tasks|ask|the\s+ask|goal|goals|objective|"
    r"request|deliverables?|assignment|instructions?|output|outputs|expected\s+output|"
    r"what\s+(?:i|we)\s+(?:want|need)(?:\s+from\s+you)?|what\s+to\s+(?:do|write|produce)|"
    r"questions?|to\s+do)",
    re.I,
)

# An output format, where one is needed.
FORMAT = re.compile(
    r"\b(?:format(?:ted)?|output|return|respond\s+(?:with|in)|structure[ds]?|json|yaml|csv|xml|"
    r"markdown|table|tabular|bullet(?:ed|s)?|numbered|list\s+of|headings?|sections?|paragraphs?|"
    r"sentences?|words?|characters?|pages?|template|schema|fields?|columns?|code\s+block|"
    r"fenced|diagram|chart|subject\s+line|one-liner|tl;?dr|h[1-3]|lines?|stanzas?|verses?|"
    r"rhym\w*|checklist|rows?|slides?|steps?|srt|docstring|doctests?|snippet|"
    r"(?:a|an|the|one)\s+(?:[\w-]+\s+){0,2}list)\b",
    re.I,
)
AUDIENCE = re.compile(
    r"\b(?:audience|readers?|reader's|for\s+(?:a|an|the|our|my|your)?\s*(?:\w+\s+){0,3}"
    r"(?:users?|customers?|clients?|team|teams|engineers?|developers?|students?|beginners?|"
    r"experts?|managers?|executives?|stakeholders?|parents?|children|kids|patients?|staff|"
    r"employees?|founders?|investors?|colleagues|members?|owners?|buyers?|visitors?|people|"
    r"newcomers?|novices?|adults?|teens?|teenagers?|volunteers?|candidates?|recruiters?|board|"
    r"leadership|analysts?|scientists?|researchers?|non-?specialists?|non-?technical|laypeople)|"
    r"written\s+for|aimed\s+at|targeted\s+at|who\s+(?:will\s+)?reads?|level\s+of\s+expertise|"
    r"assume\s+(?:the\s+)?reader|non-?technical|beginner|expert|junior|senior|tone|voice)\b",
    re.I,
)

# Units a limit or count can apply to, singular stems.
UNITS = word_list(
    """
    word sentence paragraph bullet point line character page item question example idea tip
    step slide section row record entry option name title headline answer minute second hour
    day week month year user customer product test case variant suggestion reason keyword
    anecdote story fact benefit feature quote chart table"""
)
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "a_dozen": 12, "dozen": 12}
LIMIT_MAX = re.compile(
    r"\b(?:under|below|fewer\s+than|less\s+than|at\s+most|no\s+more\s+than|not\s+more\s+than|"
    r"maximum(?:\s+of)?|max\.?|up\s+to|within|not\s+(?:to\s+)?exceed(?:ing)?|limit(?:ed)?\s+to|"
    r"no\s+longer\s+than|shorter\s+than|cap(?:ped)?\s+at)\s*$",
    re.I,
)
LIMIT_MIN = re.compile(
    r"\b(?:at\s+least|minimum(?:\s+of)?|min\.?|no\s+fewer\s+than|no\s+less\s+than|more\s+than|"
    r"over|longer\s+than)\s*$",
    re.I,
)
LIMIT_EXACT = re.compile(r"\b(?:exactly|precisely|just|only)\s*$", re.I)

BREVITY = re.compile(
    r"\b(?:brief(?:ly)?|short|concise(?:ly)?|succinct(?:ly)?|terse|crisp|one-liner|tl;?dr|"
    r"keep\s+it\s+(?:short|brief|tight)|to\s+the\s+point|minimal|in\s+a\s+(?:single|few)\s+"
    r"(?:words?|sentences?|lines?))\b",
    re.I,
)
EXHAUSTIVE = re.compile(
    r"\b(?:exhaustive(?:ly)?|comprehensive(?:ly)?|in\s+(?:great|full|exhaustive|extensive|"
    r"complete|depth|detail)(?:\s+detail)?|thorough(?:ly)?|extensive(?:ly)?|leave\s+nothing\s+out|"
    r"as\s+(?:much\s+detail|detailed|long)\s+as\s+possible|every\s+(?:single\s+)?(?:detail|aspect)|"
    r"all\s+(?:the\s+)?(?:details|aspects)|long-?form|in-depth|deep\s+dive|elaborate(?:ly)?|"
    r"cover\s+(?:all|every|each)\b)",
    re.I,
)
NEGATION = re.compile(
    r"\b(?:never|do\s+not|don't|does\s+not|must\s+not|mustn't|should\s+not|shouldn't|avoid(?:ing)?|"
    r"without|no|not|refrain\s+from|exclude|omit|skip|leave\s+out|forbid(?:den)?|prohibited)\b",
    re.I,
)
# Verbs that put something into the output: an affirmative instruction to use a thing.
USE_VERBS = set(
    word_list(
        """
        use uses using include includes including add adds adding give gives giving show shows
        showing write writes writing list lists listing provide provides providing report
        reports reporting insert cite cites citing mention mentions put format formatted return
        returns output outputs present presents start end begin finish attach embed append
        prepend quote quotes reference references link links make always"""
    )
)
EXCLUSIVE = re.compile(
    r"\b(?:(?:return|output|respond\s+with|reply\s+with|give|print)\s+(?:only|just)|"
    r"only\s+(?:the|a|an)?\s*(?:json|yaml|csv|xml|code|sql|table|list|answer|result|array|object)|"
    r"nothing\s+else|no\s+(?:other\s+)?(?:commentary|explanation|prose|preamble|introduction|"
    r"extra\s+text|additional\s+text|text\s+outside)|without\s+(?:any\s+)?(?:commentary|"
    r"explanation|prose|preamble))\b",
    re.I,
)
DISCURSIVE = re.compile(
    r"\b(?:explain|explanation|describe\s+your|walk\s+(?:me\s+)?through|reasoning|rationale|"
    r"commentary|discussion|discuss|narrative|in\s+prose|a\s+paragraph|introduction|intro\b|"
    r"preamble|justify|justification|think\s+(?:out\s+loud|aloud)|step-by-step\s+explanation)\b",
    re.I,
)
PROGRAMMING_LANGUAGES = {
    "python": "python",
    "javascript": "javascript",
    "js": "javascript",
    "node.js": "javascript",
    "nodejs": "javascript",
    "typescript": "typescript",
    "ts": "typescript",
    "java": "java",
    "kotlin": "kotlin",
    "scala": "scala",
    "golang": "go",
    "rust": "rust",
    "c++": "c++",
    "c#": "c#",
    "ruby": "ruby",
    "php": "php",
    "swift": "swift",
    "perl": "perl",
    "haskell": "haskell",
    "elixir": "elixir",
    "bash": "bash",
    "powershell": "powershell",
    "r": "r",
    "julia": "julia",
    "matlab": "matlab",
    "dart": "dart",
    "lua": "lua",
}
HUMAN_LANGUAGES = set(
    word_list(
        """
        english french spanish german italian portuguese dutch polish russian ukrainian chinese
        mandarin cantonese japanese korean arabic hindi bengali turkish greek swedish norwegian
        danish finnish czech hungarian romanian hebrew indonesian vietnamese thai"""
    )
)
# Opposed styles: a prompt asking for both halves of a pair contradicts itself.
# (Both halves may be phrased negatively: "take no position" is the neutral end.)
OPPOSED: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(
            r"\b(?:formal(?:ly)?|professional\s+tone|business\s+tone|academic\s+tone)\b", re.I
        ),
        re.compile(
            r"\b(?:casual(?:ly)?|informal(?:ly)?|slang|chatty|laid-back|colloquial)\b", re.I
        ),
    ),
    (
        re.compile(r"\b(?:serious\s+tone|solemn|no\s+jokes|sober\s+tone)\b", re.I),
        re.compile(r"\b(?:funny|humou?rous|jokes?|playful|witty|light-hearted)\b", re.I),
    ),
    (
        re.compile(
            r"\b(?:beginners?|novices?|non-?technical|no\s+prior\s+knowledge|laypeople|"
            r"children|kids|newcomers)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:experts?\s+only|advanced\s+(?:readers|audience)|assume\s+(?:deep|expert|"
            r"advanced)|highly\s+technical|for\s+specialists)\b",
            re.I,
        ),
    ),
    (
        re.compile(r"\b(?:first\s+person|use\s+[\"“]?i[\"”]?\b)", re.I),
        re.compile(r"\b(?:third\s+person|never\s+(?:say|use)\s+[\"“]?i[\"”]?\b)", re.I),
    ),
    (
        re.compile(r"\b(?:present\s+tense)\b", re.I),
        re.compile(r"\b(?:past\s+tense)\b", re.I),
    ),
    (
        re.compile(r"\b(?:title\s+case)\b", re.I),
        re.compile(r"\b(?:sentence\s+case)\b", re.I),
    ),
    (  # take a side, or stay neutral
        re.compile(
            r"\b(?:persuasive|persuade|(?:firm|clear|strong|single|final)\s+(?:\S+\s+)?"
            r"recommendation|take\s+a\s+(?:clear\s+|firm\s+)?"
            r"(?:side|position|stand)|argue\s+(?:for|that))\b",
            re.I,
        ),
        re.compile(
            r"\b(?:neutral(?:ity)?|impartial|balanced|(?:perfect|equal)\s+balance|"
            r"no\s+(?:position|recommendation|opinion)|"
            r"take\s+no\s+(?:position|side)|do\s+not\s+recommend)\b",
            re.I,
        ),
    ),
    (  # say nothing of the plot, or reveal it
        re.compile(
            r"\b(?:spoiler-free|no\s+spoilers|without\s+spoil\w*|don't\s+spoil|do\s+not\s+"
            r"(?:spoil|reveal))\b",
            re.I,
        ),
        re.compile(
            r"\b(?:reveal\w*\s+(?:the\s+)?(?:ending|twist|killer|outcome)|how\s+(?:the\s+\w+\s+)"
            r"?ends)\b",
            re.I,
        ),
    ),
    (  # anonymous, or named
        re.compile(r"\b(?:anonymi[sz]\w*|anonymous(?:ly)?|de-?identif\w*|no\s+names)\b", re.I),
        re.compile(
            r"\b(?:by\s+(?:full\s+)?name|nam(?:e|ing)\s+(?:each|every|all)|full\s+names?)\b", re.I
        ),
    ),
    (  # plain words, or rich vocabulary
        re.compile(r"\b(?:simple|plain|everyday|easy)\s+(?:words|language|vocabulary)\b", re.I),
        re.compile(
            r"\b(?:rich|sophisticated|challenging|advanced|elevated)\s+(?:words|language|"
            r"vocabulary)|(?:expert|technical)\s+terminology\b",
            re.I,
        ),
    ),
]
STOPWORDS = STOP_WORDS  # the one list (vocab.py)

# English words that other European languages do not share (so "in", "a", "die" are left out):
# their share tells English prose from code and from other languages.
ENGLISH_FUNCTION_WORDS = frozenset(
    word_list(
        """
        the and of to is are was were be been that this these those for with it its you your
        not by from at or have has had which each should must do does if than into about them
        they we our what when where how who will would can could there their then only any all
        one more some such other also but because while after before over under between without
        through upon just every most same few both its it's don't doesn't isn't"""
    )
)
# Stop words of the other languages the scorer meets most, so their content words can be compared
# (only to pick content words; nothing here judges quality).
OTHER_STOPWORDS = frozenset(
    word_list(
        """
        le la les un une des du de et en au aux ce cet cette ces que qui est sont pour par sur
        dans avec pas plus ne se sa son ses leur leurs il elle ils elles nous vous votre vos mon
        ma mes tout tous toute toutes comme mais ou donc être avoir fait chaque
        der die das den dem des ein eine einen einem einer und oder nicht ist sind mit für auf
        von zu im am aus bei nach wie auch als dass sich sie er es wir ihr ihre ihren unser
        unsere jede jeden jeder zum zur über unter kein keine noch nur so
        el los las del y o es son para por con sin una unos unas su sus lo al que se como más
        pero cada este esta estos estas ese esa muy ya también hasta entre sobre
        il lo gli le uno una di da dei delle degli della del nel nella con per su tra fra che
        non più ogni questo questa sono anche come
        os as um uma uns umas do da dos das no na nos nas em ao aos com por para sem seu sua
        seus suas mais cada este esta isso não também
        de het een en van op te voor met aan bij door naar om uit tot als dat die dit deze zijn
        was waren wordt worden werd niet geen ook nog maar dus wel er hier daar ons onze je jouw
        jij uw wij zij ze hij hem zich wie wat waar hoe welke elk elke alle meer dan per"""
    )
)
# Phrases that hand a decision back to the model ("choose a sensible length", "as you see fit"):
# a prompt that says them where the idea implies a value leaves the value to chance.
DELEGATION = re.compile(
    r"\b(?:as\s+you\s+see\s+fit|at\s+your\s+(?:own\s+)?discretion|(?:use\s+)?your\s+(?:own\s+|best\s+)?"
    r"judg(?:e)?ment|up\s+to\s+you|your\s+(?:own\s+)?choice|of\s+your\s+choos\w+|of\s+choice|"
    r"(?:you|we)\s+(?:think|feel|judge|consider|find|believe|deem|see\s+as)\b|"
    r"(?:feels?|seems?|looks?)\s+(?:most\s+)?(?:right|natural|sensible|reasonable|appropriate|"
    r"useful|best|likely|typical|wise|worthwhile|helpful|fit(?:ting)?|promising|important)|"
    r"makes?\s+(?:the\s+most\s+)?sense|works?\s+(?:best|well)|"
    r"(?:if|where|when|as)\s+(?:it\s+)?(?:seems?\s+)?(?:appropriate|needed|necessary|relevant|"
    r"applicable|useful|helpful|warranted|required|possible)|if\s+(?:you\s+think|it\s+helps)|"
    r"wherever\s+(?:it\s+)?(?:helps|makes\s+sense|useful|helpful)|"
    r"(?:whatever|whichever|however)\s+(?:\w+\s+){0,4}?(?:you|seems?|feels?|works?|suits?|is\s+"
    r"(?:best|easiest|clearest|most))|"
    r"(?:choose|pick|decide|select|determine|settle\s+on|work\s+out|figure\s+out|find)\s+"
    r"(?:on\s+)?(?:a|an|the|which|whichever|what|how|whether|whatever)\b(?:\s+\w+){0,3}?\s+"
    r"(?:that|you|to\s+use|works?|fits?|suits?|makes|seems?|feels?|is|are|best|right|"
    r"appropriate|sensible|reasonable|suitable)|"
    r"(?:sensible|reasonable|suitable|appropriate|proper|adequate|right|typical|standard|usual)"
    r"\s+(?:length|number|amount|level|threshold|values?|limit|size|window|format|tone|"
    r"structure|defaults?|settings?|policy|budget|pace|detail|proportion|depth|time|timing))\b",
    re.I,
)
# Bodies that stand in for content: "TBD", "N/A", "[insert …]", "to be decided", "see above".
PLACEHOLDER = re.compile(
    r"^\W*(?:tb[dca]|n/?a|none|nil|null|todo|tk|xxx+|\?+|…|\.\.\.+|-+|—|–|etc\.?|"
    r"lorem\s+ipsum.*|placeholder|pending|coming\s+soon|to\s+(?:follow|come)|"
    r"(?:details?|info(?:rmation)?|more)?\s*(?:to\s+be\s+|tbd|tbc|pending)\s*\w*|"
    r"(?:\w+\s+){0,3}(?:to\s+be\s+|tbc|tbd)\s*\w*.*|(?:\w+\s+){0,3}(?:here|pending|tbd|tbc)|"
    r"see\s+(?:above|below|attached\??|\w+(?:\s+\w+)?)|as\s+(?:discussed|above|below|agreed|usual|"
    r"needed|appropriate|applicable|required|specified)|if\s+(?:any|applicable|needed|relevant)|"
    r"details\s+to\s+follow|same\s+as\s+above|ditto|optional|yes|no|maybe|some(?:\s+\w+)?)\W*$",
    re.I,
)
# Words that fit any prompt on any subject: a section or sentence made only of these (and of its
# heading's or the idea's words) says nothing.
GENERIC = frozenset(
    word_list(
        """
        appropriate appropriately relevant suitable sensible reasonable standard usual typical
        common normal general generic good great nice clear clearly concise helpful useful
        accurate correct proper properly quality high professional friendly polite formal
        simple short long brief detailed thorough complete comprehensive best practice practices
        needed necessary required requirement requirements applicable possible relevant details
        detail information info content output outputs result results response answer format
        formatted structure structured style tone voice length size level approach method
        methods way ways manner something things stuff various several some any etc usual
        overall key main important essential ensure make sure sure provide give include write
        create produce deliver deliverable deliverables task goal goals objective objectives
        purpose context background notes note additional extra other others misc miscellaneous
        consider considerations account keep mind well work works working focus aspect aspects
        user users reader readers audience target specified specific given desired expected
        according based follow following followed above below described mentioned listed
        explain explanation summary overview section sections part parts point points item
        items example examples instructions instruction guidance guidelines guideline rules
        rule constraints constraint criteria success quality check checks review final
        """
    )
)
# A restriction, then something it excludes ("vegan" and "parmesan"). The second half counts only
# in an instruction that does not itself restrict ("a peanut allergy" names peanuts to avoid them).
RESTRICTIONS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (  # a dietary restriction, then what it excludes
        re.compile(r"\b(?:vegan|plant-based|dairy-free|no\s+dairy)\b", re.I),
        re.compile(
            r"\b(?:butter|cheese|parmesan|cream|milk|yogh?urt|eggs?|honey|meat|chicken|beef|"
            r"pork|fish|salmon|prawns?|bacon|gelatine?)\b(?!\s*(?:-free|substitute|alternative))",
            re.I,
        ),
    ),
    (
        re.compile(
            r"\b(?:nut-free|no\s+nuts|(?:pea)?nut\s+allerg\w*|allergic\s+to\s+(?:pea)?nuts)\b", re.I
        ),
        re.compile(
            r"\b(?:peanuts?|almonds?|walnuts?|pecans?|cashews?|hazelnuts?|pistachios?|"
            r"pine\s+nuts?|macadamias?|satay|praline|marzipan|nutella)\b",
            re.I,
        ),
    ),
]
