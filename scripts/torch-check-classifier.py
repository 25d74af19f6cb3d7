#!/usr/bin/env python3
"""Loads an exported classifier (`amos export` of a fine-tuned model) with torch.jit.load alone and
compares its predictions, line by line, with a GLUE submission file of `amos eval --split test`
and, optionally, with the JSON-lines output of `amos spark classify` on the same texts (there the
probability of the predicted label too, within 1e-4).

    python3 scripts/torch-check-classifier.py EXPORT_DIR TEST_TSV SUBMISSION_TSV [SPARK_OUTPUT_DIR]

TEST_TSV is the task's test.tsv (single-sentence tasks: column 'sentence'; pairs: the two sentence
columns of the GLUE file), SUBMISSION_TSV the 'index<TAB>prediction' file amos eval wrote,
SPARK_OUTPUT_DIR the folder of part files 'amos spark classify' wrote for the test sentences in file
order (one per line, or two columns for pairs). Needs
torch (1.13 or later). Tokenizes with the `tokenizers` package when it is installed, otherwise with
a small BERT-uncased WordPiece written here (the export's tokenizer.json vocabulary; same ids as the
HF tokenizer for BERT uncased). Exits 1 if any prediction differs.
"""
import csv
import json
import os
import sys
import unicodedata

import torch


class WordPiece:
    """BERT uncased: clean, lower-case, strip accents, split punctuation, greedy longest-match pieces."""

    def __init__(self, tokenizer_json):
        spec = json.load(open(tokenizer_json, encoding="utf-8"))
        self.vocab = spec["model"]["vocab"]
        self.unk = self.vocab[spec["model"].get("unk_token", "[UNK]")]
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    def _words(self, text):
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if not (ord(ch) in (0, 0xFFFD) or unicodedata.category(ch) in ("Cc", "Cf") and not ch.isspace()))
        text = "".join(ch for ch in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(ch) != "Mn")
        words = []
        for word in text.split():
            current = ""
            for ch in word:
                cp = ord(ch)
                if self._is_punct(ch) or 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
                    if current:
                        words.append(current)
                    words.append(ch)
                    current = ""
                else:
                    current += ch
            if current:
                words.append(current)
        return words

    def ids(self, text):
        out = []
        for word in self._words(text):
            if len(word) > 100:
                out.append(self.unk)
                continue
            pieces, start = [], 0
            while start < len(word):
                end, piece = len(word), None
                while start < end:
                    candidate = ("##" if start else "") + word[start:end]
                    if candidate in self.vocab:
                        piece = self.vocab[candidate]
                        break
                    end -= 1
                if piece is None:
                    pieces = [self.unk]
                    break
                pieces.append(piece)
                start = end
            out.extend(pieces)
        return out


def longest_first(la, lb, budget):
    """The lengths kept by HF's longest_first truncation (a port of GluePairEncoder.longestFirst)."""
    if la + lb <= budget:
        return la, lb
    swap = la > lb
    shorter = min(la, lb)
    longer = shorter if shorter > budget else max(shorter, budget - shorter)
    if shorter + longer > budget:
        shorter = budget // 2
        longer = shorter + budget % 2
    kept = (longer, shorter) if swap else (shorter, longer)
    return min(kept[0], la), min(kept[1], lb)


def encode(tok, a, b, max_length):
    ia, ib = tok.ids(a), (tok.ids(b) if b is not None else None)
    if ib is None:
        ia = ia[: max_length - 2]
        return [tok.cls] + ia + [tok.sep]
    la, lb = longest_first(len(ia), len(ib), max_length - 3)
    return [tok.cls] + ia[:la] + [tok.sep] + ib[:lb] + [tok.sep]


def main():
    export_dir, test_tsv, submission_tsv = sys.argv[1:4]
    spark_dir = sys.argv[4] if len(sys.argv) > 4 else None
    config = json.load(open(os.path.join(export_dir, "config.json")))
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    max_length = config["export"]["max_length"]
    model = torch.jit.load(os.path.join(export_dir, "amos-classifier.pt")).eval()
    tok = WordPiece(os.path.join(export_dir, "tokenizer.json"))
    with open(test_tsv, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, rows = rows[0], rows[1:]
    text_cols = [i for i, name in enumerate(header) if name in ("sentence", "sentence1", "sentence2", "question",
                                                                 "question1", "question2", "#1 String", "#2 String")]
    with open(submission_tsv, encoding="utf-8") as f:
        expected = {line.split("\t")[0]: line.rstrip("\n").split("\t")[1] for line in list(f)[1:]}
    spark = None
    if spark_dir:
        import glob
        spark = [json.loads(line) for part in sorted(glob.glob(os.path.join(spark_dir, "part-*")))
                 for line in open(part, encoding="utf-8")]
        assert len(spark) == len(rows), (len(spark), len(rows))
    differ = spark_differ = 0
    for n, row in enumerate(rows):
        texts = [row[i] for i in text_cols]
        ids = encode(tok, texts[0], texts[1] if len(texts) > 1 else None, max_length)
        input_ids = torch.tensor([ids], dtype=torch.int64)
        with torch.no_grad():
            logits = model(input_ids, torch.ones_like(input_ids))
        if labels == ["score"]:
            got = float(logits[0, 0])
            ok = abs(got - float(expected[row[0]])) <= 1e-3
        else:
            got = labels[int(torch.argmax(logits[0]))]
            ok = got == expected[row[0]]
        differ += 0 if ok else 1
        if spark is not None:
            if labels == ["score"]:
                same = abs(got - spark[n]["prediction"]) <= 1e-4
            else:
                p = float(torch.softmax(logits[0], 0).max())
                same = got == spark[n]["prediction"] and abs(p - spark[n]["score"]) <= 1e-4
            spark_differ += 0 if same else 1
    print(f"{len(rows)} test examples: {len(rows) - differ} torch.jit.load predictions equal amos eval's, {differ} differ")
    if spark is not None:
        print(f"  and {len(rows) - spark_differ} equal amos spark classify's (label and probability within 1e-4), "
              f"{spark_differ} differ")
    sys.exit(1 if differ or spark_differ else 0)


if __name__ == "__main__":
    main()
