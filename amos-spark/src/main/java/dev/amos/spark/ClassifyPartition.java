package dev.amos.spark;

import ai.djl.ndarray.NDManager;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueDataset;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * {@link AmosSpark#classify} on one partition: the JVM's shared fine-tuned model, batches of {@code
 * batchSize} rows encoded and run exactly as {@code amos eval} runs a dev split ({@link
 * GlueDataset} + {@link FineTunedModel#outputs}), each row returned with its prediction.
 */
final class ClassifyPartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final ModelFolder model;
    private final GlueTask task;
    private final int textIndex;
    private final int textBIndex;
    private final int batchSize;

    ClassifyPartition(
            ModelFolder model, GlueTask task, int textIndex, int textBIndex, int batchSize) {
        this.model = model;
        this.task = task;
        this.textIndex = textIndex;
        this.textBIndex = textBIndex;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows;
        }
        ExecutorModels.LoadedClassifier classifier = ExecutorModels.classifier(model);
        return new BatchingIterator<>(rows, batchSize, batch -> classifyBatch(classifier, batch));
    }

    private boolean hasInput(Row row) {
        return !row.isNullAt(textIndex) && (textBIndex < 0 || !row.isNullAt(textBIndex));
    }

    private List<Row> classifyBatch(ExecutorModels.LoadedClassifier classifier, List<Row> batch) {
        List<GlueExample> examples = new ArrayList<>(batch.size());
        for (Row row : batch) {
            if (hasInput(row)) {
                examples.add(
                        new GlueExample(
                                "",
                                row.getString(textIndex),
                                textBIndex < 0 ? null : row.getString(textBIndex),
                                -1,
                                Float.NaN));
            }
        }
        float[][] outputs = outputs(classifier, examples);
        List<Row> out = new ArrayList<>(batch.size());
        int next = 0;
        for (Row row : batch) {
            if (!hasInput(row)) {
                out.add(
                        task.isRegression()
                                ? EmbedPartition.append(row, (Object) null)
                                : EmbedPartition.append(row, null, null));
            } else if (task.isRegression()) {
                out.add(EmbedPartition.append(row, outputs[next++][0]));
            } else {
                float[] logits = outputs[next++];
                int label = FineTunedModel.labels(new float[][] {logits})[0];
                out.add(
                        EmbedPartition.append(
                                row,
                                task.labels().get(label),
                                FineTunedModel.probabilities(logits)[label]));
            }
        }
        return out;
    }

    private float[][] outputs(
            ExecutorModels.LoadedClassifier classifier, List<GlueExample> examples) {
        if (examples.isEmpty()) {
            return new float[0][];
        }
        GlueDataset dataset =
                GlueDataset.builder()
                        .setExamples(task, examples)
                        .setEncoder(classifier.encoder())
                        .setSampling(examples.size(), false)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            return FineTunedModel.outputs(classifier.model().classifier(), dataset, manager);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
