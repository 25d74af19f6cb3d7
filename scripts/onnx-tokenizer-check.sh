#!/usr/bin/env bash
# What an ONNX consumer that has only tokenizer.json feeds an imported SentencePiece model, against
# what amos feeds it (tokenizer.json + the two steps of AmosPieceRules, which equal Microsoft's
# AMOSTokenizer on every GLUE dev text: docs/import.md), over the distinct GLUE dev texts.
# See docs/serving.md, "Imported SentencePiece models".
#
#   scripts/onnx-tokenizer-check.sh RELEASED_DIR GLUE_DIR [WORK_DIR]
#
# Two consumer paths, both run with LangChain4j's own class path (DJL 0.36 tokenizers, from the
# integration/langchain4j module; no amos class):
#   plain       HuggingFaceTokenizer.encode(text): <s> text </s> (Spring AI, HF tokenizers in Python)
#   langchain4j OnnxBertBiEncoder's path (langchain4j-embeddings 1.19.0-beta29): tokenize, drop the
#               first and last token, decode the rest with buildSentence, re-encode that text with
#               special tokens (or the joined pieces when re-tokenizing does not give them back)
# Ids are compared with the importer's alias ids read as the ids they copy (same embedding rows).
# Texts are not truncated (amos embed cuts at min(512, positions); LangChain4j splits at 510 tokens).
set -euo pipefail
released=$(realpath "$1"); glue=$(realpath "$2"); work=${3:-$(mktemp -d)}
mkdir -p "$work"; work=$(realpath "$work")
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn -B -q -o -pl amos-cli -am package -DskipTests >/dev/null
cp="amos-cli/target/amos-cli.jar:$(ls amos-cli/target/lib/*.jar | tr '\n' ':')"
rm -rf "$work/model"
java -cp "$cp" -Doffline=true dev.amos.cli.AmosCommand import --from "$released" --out "$work/model" >/dev/null

# 1. every distinct GLUE dev text and amos's ids (amos class path)
cat > "$work/amos-ids.jsh" <<JSH
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
    m.put("amos", rules.single(tok, text, Integer.MAX_VALUE));
    out.write(gson.toJson(m)); out.write("\n");
  }
}
System.out.println(texts.size() + " distinct GLUE dev texts");
/exit
JSH
jshell --class-path "$cp" -R-Doffline=true "$work/amos-ids.jsh"

# 2. the consumers' ids (LangChain4j's class path) and the comparison
mvn -B -q -o -pl integration/langchain4j -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt >/dev/null
consumer_cp=$(tr ':' '\n' < integration/langchain4j/target/test-classpath.txt | grep '\.jar$' | paste -sd:)
cat > "$work/consumers.jsh" <<JSH
import ai.djl.huggingface.tokenizers.*;
import com.google.gson.*;
import java.nio.file.*;
import java.util.*;
var tok = HuggingFaceTokenizer.newInstance(Path.of("$work/model/tokenizer.json"), Map.of("padding", "false"));
var imp = JsonParser.parseString(Files.readString(Path.of("$work/model/config.json"))).getAsJsonObject().getAsJsonObject("import");
long aliasFrom = imp.get("aliases_from").getAsLong();
var aliasRows = new ArrayList<Long>();
for (var e : imp.getAsJsonArray("alias_rows")) aliasRows.add(e.getAsLong());
long[] norm(long[] ids) { long[] o = ids.clone(); for (int i = 0; i < o.length; i++) if (o[i] >= aliasFrom) o[i] = aliasRows.get((int) (o[i] - aliasFrom)); return o; }
String toText(List<String> tokens) { // OnnxBertBiEncoder.toText, langchain4j-embeddings 1.19.0-beta29
  String text = tok.buildSentence(tokens);
  var again = new LinkedList<>(tok.tokenize(text)); again.remove(0); again.remove(again.size() - 1);
  return again.equals(tokens) ? text : String.join("", tokens);
}
int total = 0, plainDiff = 0, lc4jDiff = 0, lc4jEmpty = 0, lc4jSplit = 0;
var examples = new ArrayList<String>();
for (String line : Files.readAllLines(Path.of("$work/amos-ids.jsonl"))) {
  var row = JsonParser.parseString(line).getAsJsonObject();
  String text = row.get("text").getAsString();
  long[] amos = norm(new Gson().fromJson(row.get("amos"), long[].class));
  total++;
  if (!Arrays.equals(amos, norm(tok.encode(text).getIds()))) plainDiff++;
  List<String> tokens = tok.tokenize(text);
  if (tokens.size() <= 2) { lc4jEmpty++; continue; }           // LangChain4j refuses the text
  if (tokens.size() - 2 > 510) { lc4jSplit++; continue; }      // embedded in parts, then averaged
  long[] lc4j = norm(tok.encode(toText(tokens.subList(1, tokens.size() - 1)), true, false).getIds());
  if (!Arrays.equals(amos, lc4j)) { lc4jDiff++; if (examples.size() < 5) examples.add(text); }
}
System.out.printf("%d texts: tokenizer.json plain encode differs from amos on %d (%.2f%%); LangChain4j's path on %d (%.2f%%), %d refused as empty, %d split%n",
    total, plainDiff, 100.0 * plainDiff / total, lc4jDiff, 100.0 * lc4jDiff / total, lc4jEmpty, lc4jSplit);
for (String e : examples) System.out.println("  LangChain4j differs: " + e);
/exit
JSH
jshell --class-path "$consumer_cp" -R-Doffline=true "$work/consumers.jsh"
