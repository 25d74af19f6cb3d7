package dev.amos.eval.serve;

import com.google.gson.stream.JsonWriter;
import dev.amos.io.NativeHeap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The core of {@code amos embed}: reads one text per line, embeds them in batches and writes one
 * JSON object per line, {@code {"text": ..., "embedding": [...]}}, in input order. Streaming: at
 * most one window of {@link #WINDOW_BATCHES} batches of texts and vectors is held at a time, so
 * memory does not grow with the input. Within a window the texts are embedded in order of their
 * length (longest first), so each batch is padded to a length close to all of its texts, and the
 * vectors are written back in input order (docs/performance.md, "Embedding").
 */
public final class EmbedJob {

    /**
     * Batches per length-sorting window: bounds memory and the delay before the first output line.
     */
    public static final int WINDOW_BATCHES = 16;

    private EmbedJob() {}

    /**
     * Embeds every line of {@code in} (empty lines included, as empty texts) and writes JSONL.
     *
     * @param embedder the model
     * @param in one text per line
     * @param out receives one JSON line per input line; flushed at the end, not closed
     * @param batchSize texts per batch (padded to the longest of the batch)
     * @param progress called with the number of texts written after every window
     * @return the number of texts embedded
     */
    public static long run(
            TextEmbedder embedder,
            BufferedReader in,
            Writer out,
            int batchSize,
            LongConsumer progress)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int window = (int) Math.min(Integer.MAX_VALUE / 2, (long) batchSize * WINDOW_BATCHES);
        List<String> texts = new ArrayList<>(Math.min(window, 4096));
        long written = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            texts.add(line);
            if (texts.size() == window) {
                written += writeWindow(embedder, texts, batchSize, out);
                progress.accept(written);
            }
        }
        if (!texts.isEmpty()) {
            written += writeWindow(embedder, texts, batchSize, out);
            progress.accept(written);
        }
        out.flush();
        return written;
    }

    /**
     * Embeds {@code texts} in batches of similar length, writes them in their order, clears the
     * list.
     */
    private static int writeWindow(
            TextEmbedder embedder, List<String> texts, int batchSize, Writer out)
            throws IOException {
        Integer[] order = lengthOrder(texts);
        float[][] vectors = new float[texts.size()][];
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            List<String> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                batch.add(texts.get(order[i]));
            }
            float[][] v = embedder.embed(batch);
            for (int i = from; i < to; i++) {
                vectors[order[i]] = v[i - from];
            }
        }
        for (int i = 0; i < texts.size(); i++) {
            writeLine(out, texts.get(i), vectors[i]);
        }
        int n = texts.size();
        texts.clear();
        NativeHeap.trim(); // a long embed job holds a flat RSS under AMOS_MALLOC=heap too
        return n;
    }

    /**
     * Indices of {@code texts}, longest first (by UTF-16 length, a cheap stand-in for tokens); ties
     * keep input order.
     */
    static Integer[] lengthOrder(List<String> texts) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(texts.get(b).length(), texts.get(a).length()));
        return order;
    }

    /** One JSONL record: {@code {"text":"...","embedding":[f, ...]}} and a newline. */
    static void writeLine(Writer out, String text, float[] vector) throws IOException {
        JsonWriter json = new JsonWriter(out);
        json.setHtmlSafe(false);
        json.beginObject().name("text").value(text).name("embedding").beginArray();
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException(
                        "non-finite embedding value " + v + " for text: " + text);
            }
            json.jsonValue(Float.toString(v)); // shortest exact float text, not widened to double
        }
        json.endArray().endObject(); // JsonWriter writes straight through: no flush per line
        out.write('\n');
    }
}
