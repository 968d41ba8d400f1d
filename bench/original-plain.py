"""The original system's plain synthesis (qa.py), written again from its documented behaviour, to time it
side by side with ours on the same corpus and tokenizer: the global document-count search on the first
question, then per sample a random draw of fillers, the whole context tokenised, and 10 documents fewer on
each retry while it is over L - G. Not part of the tests; run by bench/original-ratio.mjs.

    python3 bench/original-plain.py CORPUS.jsonl TOKENIZER.json L N

CORPUS is generic JSONL (`id`, `question`, `answers`, `documents: [{title, text}]`), as the bench corpus
generator writes it. Prints one JSON line: samples, loop seconds (the per-sample loop only, as ours is timed),
search seconds and load seconds.
"""

import json
import random
import sys
import time

from tokenizers import Tokenizer

G = 128
SEED = 42


def main():
    corpus_path, tokenizer_path, length, num_samples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    t0 = time.perf_counter()
    tokenizer = Tokenizer.from_file(tokenizer_path)

    def ntok(text):
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    random.seed(SEED)
    docs, doc_ids, qas = [], {}, []
    with open(corpus_path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            context = []
            for d in record["documents"]:
                text = f"{d['title']}\n{d['text']}" if d.get("title") else d["text"]
                if text not in doc_ids:
                    doc_ids[text] = len(docs)
                    docs.append(text)
                if doc_ids[text] not in context:
                    context.append(doc_ids[text])
            qas.append({"query": record["question"], "outputs": record["answers"], "context": context})
    load_s = time.perf_counter() - t0

    def generate(index, num_docs):
        curr_docs = qas[index]["context"]
        curr_more = []
        if num_docs < len(docs):
            if len(curr_docs) > num_docs:
                all_docs = random.sample(curr_docs, num_docs)
            elif num_docs - len(curr_docs) > len(curr_more):
                # As the original: the excluded list is rebuilt for every corpus id it tests.
                addition = [i for i in range(len(docs)) if i not in curr_docs + curr_more]
                all_docs = curr_docs + curr_more + random.sample(addition, num_docs - len(curr_docs) - len(curr_more))
            else:
                all_docs = curr_docs + random.sample(curr_more, num_docs - len(curr_docs))
            all_docs = [docs[i] for i in all_docs]
        else:
            all_docs = docs
        random.Random(SEED).shuffle(all_docs)
        context = "\n\n".join(f"Passage {k + 1}:\n{d}" for k, d in enumerate(all_docs))
        return context, qas[index]["outputs"], qas[index]["query"]

    t1 = time.perf_counter()
    num_docs, total = 10, 0
    while total + G < length:
        text, answers, _ = generate(0, num_docs)
        total = ntok(text + " " + str(answers))
        if total + G > length:
            num_docs -= 10
            break
        num_docs += 10
        if num_docs > len(docs):
            num_docs = len(docs)
            break
    search_s = time.perf_counter() - t1

    t2 = time.perf_counter()
    out = []
    for index in range(num_samples):
        used = num_docs
        while True:
            text, answers, query = generate(index, used)
            n = ntok(text) + G
            if n <= length:
                break
            used -= 10
        out.append(
            json.dumps(
                {"index": index, "source_index": index, "input": query, "context": text, "answers": answers, "length": n}
            )
        )
    loop_s = time.perf_counter() - t2
    print(json.dumps({"samples": len(out), "loop_s": loop_s, "search_s": search_s, "load_s": load_s, "num_docs": num_docs}))


main()
