package dev.amos.eval.serve;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.gson.stream.JsonWriter;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime Java peer of {@code amos embed}, for scripts/measure/embed-ratios.sh: the same
 * work on an {@code amos export --format onnx} folder with no amos code (ONNX Runtime, DJL's
 * HuggingFace tokenizer, Gson). Not a test and not part of the product: ONNX Runtime stays a test
 * dependency.
 *
 * <p>Same work as {@code amos embed}: one text per line, the folder's {@code tokenizer.json}
 * truncating at {@code maxLength} tokens, windows of 16 batches embedded longest first (UTF-16
 * length, ties in input order), each batch padded with id 0 to its longest text, the graph's {@code
 * sentence_embedding} output (the export's pooling), one JSON line {@code {"text", "embedding"}}
 * per text in input order. The session has the default options but for the intra-op thread count.
 *
 * <pre>
 * java -cp ... dev.amos.eval.serve.OnnxRuntimeEmbedPeer EXPORT_DIR TEXTS OUT.jsonl BATCH THREADS MAX_LEN
 * </pre>
 */
public final class OnnxRuntimeEmbedPeer {

    private static final int WINDOW_BATCHES = 16;

    private OnnxRuntimeEmbedPeer() {}

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length != 6) {
            System.err.println(
                    "usage: OnnxRuntimeEmbedPeer EXPORT_DIR TEXTS OUT.jsonl BATCH THREADS MAX_LEN");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Path input = Path.of(args[1]);
        Path output = Path.of(args[2]);
        int batch = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        String maxLen = args[5];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            try (OrtSession session =
                            env.createSession(dir.resolve("model.onnx").toString(), options);
                    HuggingFaceTokenizer tokenizer =
                            HuggingFaceTokenizer.newInstance(
                                    dir.resolve("tokenizer.json"),
                                    Map.of(
                                            "truncation",
                                            "true",
                                            "maxLength",
                                            maxLen,
                                            "padding",
                                            "false"));
                    BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
                    Writer out =
                            new BufferedWriter(
                                    Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
                List<String> texts = new ArrayList<>();
                int window = batch * WINDOW_BATCHES;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    texts.add(line);
                    if (texts.size() == window) {
                        writeWindow(env, session, tokenizer, texts, batch, out);
                    }
                }
                if (!texts.isEmpty()) {
                    writeWindow(env, session, tokenizer, texts, batch, out);
                }
            }
        }
    }

    private static void writeWindow(
            OrtEnvironment env,
            OrtSession session,
            HuggingFaceTokenizer tokenizer,
            List<String> texts,
            int batch,
            Writer out)
            throws IOException, OrtException {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(texts.get(b).length(), texts.get(a).length()));
        float[][] vectors = new float[texts.size()][];
        for (int from = 0; from < order.length; from += batch) {
            int to = Math.min(order.length, from + batch);
            long[][] ids = new long[to - from][];
            int longest = 1;
            for (int i = from; i < to; i++) {
                ids[i - from] = tokenizer.encode(texts.get(order[i])).getIds();
                longest = Math.max(longest, ids[i - from].length);
            }
            long[] padded = new long[ids.length * longest];
            long[] mask = new long[ids.length * longest];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(ids[i], 0, padded, i * longest, ids[i].length);
                Arrays.fill(mask, i * longest, i * longest + ids[i].length, 1L);
            }
            long[] shape = {ids.length, longest};
            try (OnnxTensor idTensor =
                            OnnxTensor.createTensor(env, LongBuffer.wrap(padded), shape);
                    OnnxTensor maskTensor =
                            OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                    OrtSession.Result result =
                            session.run(
                                    Map.of("input_ids", idTensor, "attention_mask", maskTensor))) {
                float[][] pooled =
                        (float[][]) result.get("sentence_embedding").orElseThrow().getValue();
                for (int i = from; i < to; i++) {
                    vectors[order[i]] = pooled[i - from];
                }
            }
        }
        for (int i = 0; i < texts.size(); i++) {
            JsonWriter json = new JsonWriter(out);
            json.setHtmlSafe(false);
            json.beginObject().name("text").value(texts.get(i)).name("embedding").beginArray();
            for (float v : vectors[i]) {
                json.jsonValue(Float.toString(v));
            }
            json.endArray().endObject();
            out.write('\n');
        }
        texts.clear();
    }
}
