package dev.amos.eval.serve;

import com.google.gson.stream.JsonWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The core of {@code amos embed}: reads one text per line, embeds them in batches and writes one
 * JSON object per line, {@code {"text": ..., "embedding": [...]}}, in input order. Streaming: only
 * one batch of texts and vectors is held at a time, so memory does not grow with the input.
 */
public final class EmbedJob {

    private EmbedJob() {}

    /**
     * Embeds every line of {@code in} (empty lines included, as empty texts) and writes JSONL.
     *
     * @param embedder the model
     * @param in one text per line
     * @param out receives one JSON line per input line; flushed at the end, not closed
     * @param batchSize texts per batch (padded to the longest of the batch)
     * @param progress called with the number of texts written after every batch
     * @return the number of texts embedded
     */
    public static long run(TextEmbedder embedder, BufferedReader in, Writer out, int batchSize, LongConsumer progress)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<String> batch = new ArrayList<>(batchSize);
        long written = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            batch.add(line);
            if (batch.size() == batchSize) {
                written += writeBatch(embedder, batch, out);
                progress.accept(written);
            }
        }
        if (!batch.isEmpty()) {
            written += writeBatch(embedder, batch, out);
            progress.accept(written);
        }
        out.flush();
        return written;
    }

    private static int writeBatch(TextEmbedder embedder, List<String> batch, Writer out) throws IOException {
        float[][] vectors = embedder.embed(batch);
        for (int i = 0; i < batch.size(); i++) {
            writeLine(out, batch.get(i), vectors[i]);
        }
        int n = batch.size();
        batch.clear();
        return n;
    }

    /** One JSONL record: {@code {"text":"...","embedding":[f, ...]}} and a newline. */
    static void writeLine(Writer out, String text, float[] vector) throws IOException {
        JsonWriter json = new JsonWriter(out);
        json.setHtmlSafe(false);
        json.beginObject().name("text").value(text).name("embedding").beginArray();
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("non-finite embedding value " + v + " for text: " + text);
            }
            json.jsonValue(Float.toString(v)); // shortest exact float text, not widened to double
        }
        json.endArray().endObject(); // JsonWriter writes straight through: no flush per line
        out.write('\n');
    }
}
