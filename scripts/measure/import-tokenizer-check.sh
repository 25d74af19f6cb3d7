#!/usr/bin/env bash
# How many GLUE dev sentences get other ids than Microsoft's AMOSTokenizer, through an imported
# folder's tokenizer.json alone (what DJL Serving runs) and through amos (tokenizer.json + the two
# steps of AmosPieceRules, what finetune/glue/eval/embed use). See docs/import.md.
#
#   scripts/measure/import-tokenizer-check.sh RELEASED_DIR GLUE_DIR [WORK_DIR]
#
# RELEASED_DIR holds sp.model, dict.txt, config.json, pytorch_model.bin (a released HF repo or a
# folder of the same layout). The oracle is the reference tokenizer itself: the Python below is
# SentencepiecePreTokenizer / skip_space / Dictionary of microsoft/AMOS huggingface/amos
# (tokenization_amos.py, tokenization_utils.py; MIT licence) on the sentencepiece Python package
# (Debian: apt-get install python3-sentencepiece). Python is a tool here, never a dependency of amos.
set -euo pipefail
released=$(realpath "$1"); glue=$(realpath "$2"); work=${3:-$(mktemp -d)}
mkdir -p "$work"; work=$(realpath "$work")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn -B -q -o -pl amos-cli -am package -DskipTests >/dev/null
cp="amos-cli/target/amos-cli.jar:$(ls amos-cli/target/lib/*.jar | tr '\n' ':')"
rm -rf "$work/model"
java -cp "$cp" -Doffline=true dev.amos.cli.AmosCommand import --from "$released" --out "$work/model" >/dev/null

# 1. every distinct GLUE dev text, and its ids through amos (alone / with the rules)
cat > "$work/dump.jsh" <<JSH
import dev.amos.eval.glue.*;
import ai.djl.huggingface.tokenizers.*;
import java.nio.file.*;
var texts = new java.util.LinkedHashSet<String>();
for (GlueTask t : GlueTask.values()) for (GlueSplit s : GlueSplit.values()) {
  if (!s.isDev()) continue;
  try { for (GlueExample e : GlueReader.read(Path.of("$glue"), t, s)) { texts.add(e.textA()); if (e.isPair()) texts.add(e.textB()); } }
  catch (Exception ignored) {}
}
var file = Path.of("$work/model/tokenizer.json");
var tok = HuggingFaceTokenizer.newInstance(file, java.util.Map.of("truncation", "false", "padding", "false"));
var rules = AmosPieceRules.of(file).orElseThrow();
var gson = new com.google.gson.Gson();
try (var out = Files.newBufferedWriter(Path.of("$work/amos-ids.jsonl"))) {
  for (String text : texts) {
    var m = new java.util.LinkedHashMap<String, Object>();
    m.put("text", text);
    m.put("alone", tok.encode(text, false).getIds());
    m.put("amos", rules.ids(tok.encode(text, false), text));
    out.write(gson.toJson(m)); out.write("\n");
  }
}
System.out.println(texts.size() + " distinct GLUE dev texts");
/exit
JSH
# jshell reads unknown .isDev(): fall back to name matching if needed
sed -i 's/if (!s.isDev()) continue;/if (!s.name().startsWith("DEV")) continue;/' "$work/dump.jsh"
jshell --class-path "$cp" -R-Doffline=true "$work/dump.jsh"

# 2. the reference's ids and the comparison
/usr/bin/python3 - "$released" "$work/amos-ids.jsonl" "$work/model/config.json" <<'PY'
import json, re, sys, unicodedata
import sentencepiece as spm

def _is_punctuation(char):
    cp = ord(char)
    if ((cp >= 33 and cp <= 47) or (cp >= 58 and cp <= 64) or (cp >= 91 and cp <= 96) or (cp >= 123 and cp <= 126)):
        return True
    return unicodedata.category(char).startswith("P")

class SentencepiecePreTokenizer(object):  # microsoft/AMOS huggingface/amos/tokenization_amos.py
    def __init__(self):
        self.transl_table = dict([(ord(x), ord(y)) for x, y in zip(u"‘’´“”—–-", u"'''\"\"---")])
    def handle_single_quote(self, tokens):
        line = ' '.join(tokens)
        line = re.sub(r"' ([smdSMDtT])\b", r"'\1", line)
        line = re.sub(r"' ll\b", "'ll", line)
        line = re.sub(r"' re\b", "'re", line)
        line = re.sub(r"' ve\b", "'ve", line)
        line = re.sub(r"' LL\b", "'LL ", line)
        line = re.sub(r"' RE\b", "'RE ", line)
        line = re.sub(r"' VE\b", "'VE ", line)
        return line.split()
    def split_pre_and_post_punc(self, tokens):
        def pre_punc(token):
            last_j = 0
            for j in range(1, len(token)):
                if not _is_punctuation(token[j]):
                    last_j = j
                    break
            return token[:last_j], token[last_j:]
        def post_punc(token):
            last_j = len(token)
            for j in range(len(token) - 2, -1, -1):
                if not _is_punctuation(token[j]):
                    last_j = j + 1
                    break
            return token[:last_j], token[last_j:]
        new_tokens = []
        for token in tokens:
            if len(token) > 1 and _is_punctuation(token[0]):
                a, b = pre_punc(token)
                if a:
                    new_tokens.append(a)
                if b:
                    if _is_punctuation(b[-1]):
                        c, d = post_punc(b)
                        if c:
                            new_tokens.append(c)
                        if d:
                            new_tokens.append(d)
                    else:
                        new_tokens.append(b)
            elif len(token) > 1 and _is_punctuation(token[-1]):
                a, b = post_punc(token)
                if a:
                    new_tokens.append(a)
                if b:
                    new_tokens.append(b)
            else:
                new_tokens.append(token)
        return new_tokens
    def tokenize(self, line):
        line = line.strip()
        line = line.replace("``", '"').replace("''", '"')
        line = line.translate(self.transl_table)
        tokens = line.split()
        tokens = self.split_pre_and_post_punc(tokens)
        return self.handle_single_quote(tokens)

def skip_space(tokens):
    return [t for i, t in enumerate(tokens)
            if not (t == '\u2581' and (i == len(tokens) - 1 or _is_punctuation(tokens[i + 1][0])))]

released, dump, config = sys.argv[1:4]
sp = spm.SentencePieceProcessor(); sp.Load(released + "/sp.model")
alias = {'<s>': '[CLS]', '<pad>': '[PAD]', '</s>': '[SEP]', '<unk>': '[UNK]', '<mask>': '[MASK]'}
symbols = ['[CLS]', '[PAD]', '[SEP]', '[UNK]']; index = {s: i for i, s in enumerate(symbols)}
lines = open(released + "/dict.txt", encoding="utf-8").readlines()
for n, line in enumerate(lines):
    word = line.rstrip().rsplit(" ", 1)[0]
    word = alias.get(word, word)
    if word not in index:
        index[word] = len(symbols); symbols.append(word)
index.setdefault('[MASK]', len(symbols))
imp = json.load(open(config))["import"]
alias_from, alias_rows = imp["aliases_from"], imp["alias_rows"]
pre = SentencepiecePreTokenizer()
total = alone_diff = amos_diff = 0; examples = []
for line in open(dump, encoding="utf-8"):
    row = json.loads(line)
    pieces = skip_space(sp.EncodeAsPieces(' '.join(pre.tokenize(row["text"]))))
    ref = [index.get(alias.get(p, p), 3) for p in pieces]
    norm = lambda ids: [alias_rows[i - alias_from] if i >= alias_from else i for i in ids]
    total += 1
    alone_diff += norm(row["alone"]) != ref
    if norm(row["amos"]) != ref:
        amos_diff += 1
        if len(examples) < 5: examples.append(row["text"])
print(f"{total} texts: tokenizer.json alone differs on {alone_diff} (ids compared with aliases read as the ids they copy), amos (tokenizer.json + AmosPieceRules) on {amos_diff}")
for e in examples: print("  amos differs:", repr(e))
PY
