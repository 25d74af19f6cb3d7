package dev.amos.spark;

import dev.amos.eval.serve.TextEmbedder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * {@link AmosSpark#embed} on one partition: the JVM's shared {@link TextEmbedder}, batches of
 * {@code batchSize} rows (non-null texts embedded together, padded to the longest), each row
 * returned with its vector appended (null for a null text).
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final ModelFolder model;
    private final int textIndex;
    private final AmosSpark.Options options;

    EmbedPartition(ModelFolder model, int textIndex, AmosSpark.Options options) {
        this.model = model;
        this.textIndex = textIndex;
        this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows; // an empty partition loads no model
        }
        TextEmbedder embedder = ExecutorModels.embedder(model, options.pooling, options.normalize);
        return new BatchingIterator<>(
                rows, options.batchSize, batch -> embedBatch(embedder, batch));
    }

    private List<Row> embedBatch(TextEmbedder embedder, List<Row> batch) {
        List<String> texts = new ArrayList<>(batch.size());
        for (Row row : batch) {
            if (!row.isNullAt(textIndex)) {
                texts.add(row.getString(textIndex));
            }
        }
        float[][] vectors = embedder.embed(texts);
        List<Row> out = new ArrayList<>(batch.size());
        int next = 0;
        for (Row row : batch) {
            out.add(append(row, row.isNullAt(textIndex) ? null : vectors[next++]));
        }
        return out;
    }

    /** {@code row} with {@code values} added at the end. */
    static Row append(Row row, Object... values) {
        Object[] all = new Object[row.length() + values.length];
        for (int i = 0; i < row.length(); i++) {
            all[i] = row.get(i);
        }
        System.arraycopy(values, 0, all, row.length(), values.length);
        return RowFactory.create(all);
    }
}
