"""keychain-synth's rule-based reward for verl, in one standard-library Python file (Python 3.8+).

Stock verl does not score the ``data_source`` values keychain-synth writes
(``custom_longcontext_needle_qa_<stem>`` for KeyChain rows, ``custom_longcontextqa_<stem>`` for plain
rows). Point verl's custom reward hook at this file::

    custom_reward_function.path=/path/to/node_modules/keychain-synth/python/keychain_synth_reward.py
    custom_reward_function.name=compute_score

verl then calls ``compute_score(data_source, solution_str, ground_truth, extra_info)`` for every rollout.
The result is a dict: ``score`` (the reward, = ``sub_em`` as a float), ``sub_em``, ``em``, ``f1`` and
``extracted_answer`` (``""`` when nothing was extracted); verl logs the extra keys.

It computes exactly what keychain-synth's TypeScript scorer computes (``keychain-synth score``,
``scoreTrajectory``), and a test of the package checks that it does, case by case:

- extraction, "thinking" (the default): the content of the last ``\\boxed{...}`` (nested braces kept) after
  the LAST ``</think>``, with every ``*`` removed; no ``</think>`` or no closed box -> nothing extracted.
  "answer-is": the text after the last case-insensitive "the answer is", cut at the first newline or the
  first ``.`` followed by whitespace or the end.
- metrics over the golds (each the max over golds): ``sub_em`` (two-way containment), ``em``, token ``f1``
  rounded to 4 places like Python's ``round``.
- mode "default" (the original's reward holes fixed: a prediction without tokens scores 0, containment is
  over whole tokens so "no" does not match "Norway") or "compat" (the original LoongRL scorer exactly,
  holes included: ``\\boxed{a}`` scores sub_em 1 against any gold).

Options, each read from the row's ``extra_info`` first, then from the environment:

- mode: ``extra_info["reward_mode"]``, else ``KEYCHAIN_SYNTH_REWARD_MODE``, else ``"default"``.
- extractor: ``extra_info["extractor"]``, else ``KEYCHAIN_SYNTH_REWARD_EXTRACTOR``, else ``"thinking"``.

An unknown mode or extractor raises ``ValueError`` (a typo would otherwise silently train on a wrong
reward). ``ground_truth`` may be a list of strings (keychain-synth's rows), a numpy array of strings or a
single string (one gold). Rows whose ``data_source`` is not keychain-synth's are scored the same way, so
this file can be the whole reward of a mixed run of QA data; ``data_source`` is not consulted.

keychain-synth's rows carry the answer aliases (when exported with them) inside ``ground_truth``, so they
count as golds in both modes here; ``score_answer(..., aliases=...)`` takes separate aliases, which count
in default mode only, as in the TypeScript scorer.

Known limit: lowercasing and the word characters of the article rule come from Python's Unicode database,
the TypeScript from Node's, so characters added to Unicode after your Python's version can differ.
"""

import os
import re

__all__ = ["compute_score", "extract_answer", "score_answer"]

MODES = ("default", "compat")
EXTRACTORS = ("thinking", "answer-is")

_THINK_END = "</think>"
_ANSWER_IS = "the answer is"
_BOXED = "\\boxed"

# The characters for which str.isspace() is true, spelled out so the rule does not depend on the Python
# version (the TypeScript scorer uses the same list).
_WS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_WS_CLASS = "[" + re.escape(_WS) + "]"
_WS_RUN = re.compile(_WS_CLASS + "+")
_LINE_OR_SENTENCE_END = re.compile("\n|\\.(?:" + _WS_CLASS + "|\\Z)")
# string.punctuation: the 32 ASCII punctuation characters.
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Python 3's Unicode \b: a word character is a letter, a number or "_".
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# --- Python str behaviour, pinned -------------------------------------------------------------------


def _strip(s):
    return s.strip(_WS)


def _split(s):
    return [piece for piece in _WS_RUN.split(s) if piece != ""]


def _remove_punctuation(s):
    return "".join(ch for ch in s if ch not in _PUNCTUATION)


def _remove_articles(s):
    return _ARTICLES.sub(" ", s)


# --- extraction --------------------------------------------------------------------------------------


def _last_boxed_only_string(s):
    """The last ``\\boxed...`` of ``s`` through its matching closing brace, or None."""
    start = s.rfind(_BOXED)
    if start < 0:
        return None
    depth = 0
    for i in range(start, len(s)):
        ch = s[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return s[start : i + 1]
    return None


def _remove_boxed(s):
    if s.startswith("\\boxed "):
        return s[len("\\boxed ") :]
    if s.startswith("\\boxed{") and s.endswith("}"):
        return s[len("\\boxed{") : -1]
    return s


def _extract_thinking(text):
    end = text.rfind(_THINK_END)
    if end < 0:
        return None
    after = _strip(text[end + len(_THINK_END) :]).replace("*", "")
    boxed = _last_boxed_only_string(after)
    return None if boxed is None else _remove_boxed(boxed)


def _extract_answer_is(text):
    clean = text.replace("*", "")
    lower = clean.lower()
    pos = lower.rfind(_ANSWER_IS)
    if pos < 0:
        return None
    # Offsets found in `lower` applied to `clean`, in code points, as the original does ("İ" lowercases
    # to two characters and shifts the cut).
    tail = _strip(_strip(clean[pos + len(_ANSWER_IS) :]).lstrip(":"))
    match = _LINE_OR_SENTENCE_END.search(tail)
    answer = _strip(tail if match is None else tail[: match.start()])
    return None if answer == "" else answer


def extract_answer(text, extractor="thinking"):
    """The answer in a model output, or None when there is none.

    ``extractor`` is ``"thinking"`` (last ``\\boxed{...}`` after the last ``</think>``) or ``"answer-is"``
    (the text after the last "the answer is").
    """
    if extractor == "thinking":
        return _extract_thinking(text)
    if extractor == "answer-is":
        return _extract_answer_is(text)
    raise ValueError("extractor must be thinking or answer-is, got %r" % (extractor,))


# --- normalisation and metrics -----------------------------------------------------------------------


def _normalize_compat(s):
    """The original trajectory scorer's normalisation: articles removed before punctuation."""
    return " ".join(_split(_remove_punctuation(_remove_articles(s.lower()))))


def _answer_tokens(s):
    """SQuAD-normalised tokens, except that normalisation never erases an answer completely."""
    lower = s.lower()
    no_punctuation = _remove_punctuation(lower)
    squad = _split(_remove_articles(no_punctuation))
    if squad:
        return squad
    with_articles = _split(no_punctuation)
    if with_articles:
        return with_articles
    return _split(lower)


def _contains_run(haystack, needle):
    n = len(needle)
    if n == 0 or n > len(haystack):
        return False
    return any(haystack[start : start + n] == needle for start in range(len(haystack) - n + 1))


def _token_f1(pred, gold):
    counts = {}
    for token in gold:
        counts[token] = counts.get(token, 0) + 1
    same = 0
    for token in pred:
        left = counts.get(token, 0)
        if left > 0:
            same += 1
            counts[token] = left - 1
    if same == 0:
        return 0.0
    precision = same / len(pred)
    recall = same / len(gold)
    return (2 * precision * recall) / (precision + recall)


def _zero():
    return {"sub_em": 0, "em": 0, "f1": 0.0}


def _score_compat(prediction, golds):
    if not prediction or len(golds) == 0:
        return _zero()
    pred = _normalize_compat(prediction)
    sub_em = em = 0
    f1 = 0.0
    for gold_answer in golds:
        gold = _normalize_compat(gold_answer)
        if pred in gold or gold in pred:
            sub_em = 1
        if pred == gold:
            em = 1
        f1 = max(f1, _token_f1(_split(pred), _split(gold)))
    return {"sub_em": sub_em, "em": em, "f1": round(f1, 4)}


def _score_default(prediction, golds):
    if prediction is None:
        return _zero()
    pred = _answer_tokens(prediction)
    if not pred:
        return _zero()
    sub_em = em = 0
    f1 = 0.0
    for gold in (_answer_tokens(g) for g in golds):
        if not gold:
            continue
        if _contains_run(pred, gold) or _contains_run(gold, pred):
            sub_em = 1
        if pred == gold:
            em = 1
        f1 = max(f1, _token_f1(pred, gold))
    return {"sub_em": sub_em, "em": em, "f1": round(f1, 4)}


def score_answer(prediction, golds, mode="default", aliases=()):
    """``{"sub_em": 0|1, "em": 0|1, "f1": float}`` of an extracted answer (None: nothing extracted).

    ``aliases`` count as further golds in default mode; compat mode ignores them, as the original does.
    """
    golds = _as_strings(golds)
    if mode == "compat":
        return _score_compat(prediction, golds)
    if mode == "default":
        return _score_default(prediction, golds + _as_strings(aliases))
    raise ValueError("reward mode must be default or compat, got %r" % (mode,))


# --- verl entry point --------------------------------------------------------------------------------


def _as_string(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _as_strings(value):
    """A list of strings from a list, tuple, numpy array, single string or None."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        return [_as_string(value)]
    if hasattr(value, "tolist"):  # numpy arrays (and numpy scalars)
        value = value.tolist()
        if isinstance(value, (str, bytes)):
            return [_as_string(value)]
    return [_as_string(v) for v in value]


def _option(extra_info, key, env, default):
    if extra_info is not None and hasattr(extra_info, "get"):
        value = extra_info.get(key)
        if value is not None:
            return _as_string(value)
    value = os.environ.get(env)
    return value if value else default


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    """verl's custom reward: ``{"score", "sub_em", "em", "f1", "extracted_answer"}`` of one rollout.

    ``data_source`` is not consulted: every row is scored the same way.
    """
    mode = _option(extra_info, "reward_mode", "KEYCHAIN_SYNTH_REWARD_MODE", "default")
    extractor = _option(extra_info, "extractor", "KEYCHAIN_SYNTH_REWARD_EXTRACTOR", "thinking")
    if mode not in MODES:
        raise ValueError("reward mode must be default or compat, got %r" % (mode,))
    extracted = extract_answer(_as_string(solution_str), extractor)
    scores = score_answer(extracted, _as_strings(ground_truth), mode)
    return {
        "score": float(scores["sub_em"]),
        "sub_em": scores["sub_em"],
        "em": scores["em"],
        "f1": scores["f1"],
        "extracted_answer": "" if extracted is None else extracted,
    }
