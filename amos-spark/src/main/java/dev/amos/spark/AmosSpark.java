package dev.amos.spark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueTask;
import dev.amos.eval.serve.ExportedFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference on Apache Spark with amos models: sentence embeddings of a text column ({@link
 * #embed}) and GLUE classifier predictions ({@link #classify}), as new columns beside the input's.
 *
 * <p>The model folder is checked on the driver (a missing or malformed folder fails with one {@link
 * BadInputException} line before any task is scheduled), then loaded <em>once per executor JVM</em>
 * on first use and shared by all its tasks ({@link ExecutorModels}). Within a partition rows are
 * taken {@code batchSize} at a time and run as one batch padded to its longest text, so the vectors
 * equal {@code amos embed}'s and the predictions {@code amos eval}'s (padding is masked out). Null
 * texts give null outputs; empty texts the vector of an empty text; long texts are truncated as by
 * {@code amos embed} / {@code amos eval}.
 *
 * <pre>{@code
 * Dataset<Row> vectors = AmosSpark.embed(texts, "text", "hdfs:///models/my-run",
 *         AmosSpark.options().optPooling(Pooling.MEAN).optBatchSize(64).build());
 * }</pre>
 *
 * Both methods are lazy: nothing runs until an action (write, count, ...).
 */
public final class AmosSpark {

    /** Default texts per forward pass (as {@code amos embed}). */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /** Default column of the vectors. */
    public static final String EMBEDDING_COL = "embedding";

    /** Column of the predicted label (or the STS-B score). */
    public static final String PREDICTION_COL = "prediction";

    /** Column of the predicted label's softmax probability (classification tasks). */
    public static final String SCORE_COL = "score";

    private AmosSpark() {}

    /** A builder of {@link Options}. */
    public static Options.Builder options() {
        return new Options.Builder();
    }

    /**
     * Adds a column {@code embedding} (array of float, null for a null text) to {@code input}.
     *
     * @param input any dataset with a string column {@code textCol}
     * @param modelDir a pretraining run (or its {@code discriminator/}) or an encoder export, as a
     *     local path visible to every executor or a URI Spark reads ({@code hdfs:}, {@code s3a:})
     * @param options pooling, normalisation, batch size, output column
     * @throws BadInputException before any task runs, if the column or model folder is wrong
     */
    public static Dataset<Row> embed(
            Dataset<Row> input, String textCol, String modelDir, Options options) {
        int textIndex = stringColumn(input.schema(), textCol);
        ModelFolder folder;
        try (ModelFolder.Resolved model = ModelFolder.resolve(input.sparkSession(), modelDir)) {
            checkEncoder(model.driverDir());
            folder = model.folder();
        }
        StructType schema =
                withColumns(
                        input.schema(),
                        DataTypes.createStructField(
                                options.outputCol,
                                DataTypes.createArrayType(DataTypes.FloatType, false),
                                true));
        return input.mapPartitions(
                new EmbedPartition(folder, textIndex, options), Encoders.row(schema));
    }

    /**
     * Adds the predictions of a fine-tuned GLUE classifier: {@code prediction} (the label, a string
     * in the task's label set) and {@code score} (its softmax probability); for STS-B only {@code
     * prediction}, the similarity score (float). Null texts give nulls.
     *
     * @param input any dataset with a string column {@code textCol} (and for pair tasks the second
     *     sentence in {@link Options.Builder#optTextBCol})
     * @param modelDir an {@code amos finetune} output or its {@code best/}, local or a URI
     * @throws BadInputException before any task runs, if the columns or model folder are wrong
     */
    public static Dataset<Row> classify(
            Dataset<Row> input, String textCol, String modelDir, Options options) {
        int textIndex = stringColumn(input.schema(), textCol);
        ModelFolder folder;
        GlueTask task;
        try (ModelFolder.Resolved model = ModelFolder.resolve(input.sparkSession(), modelDir)) {
            task = fineTunedConfig(model.driverDir()).task();
            folder = model.folder();
        }
        int textBIndex = -1;
        if (task.isPair() != (options.textBCol != null)) {
            throw new BadInputException(
                    task.isPair()
                            ? modelDir
                                    + " is a "
                                    + task
                                    + " (sentence-pair) classifier: name the second sentence column"
                                    + " (--text-b-col / optTextBCol)"
                            : modelDir
                                    + " is a "
                                    + task
                                    + " (single-sentence) classifier: no second text column expected");
        }
        if (task.isPair()) {
            textBIndex = stringColumn(input.schema(), options.textBCol);
        }
        StructType schema =
                task.isRegression()
                        ? withColumns(
                                input.schema(),
                                DataTypes.createStructField(
                                        PREDICTION_COL, DataTypes.FloatType, true))
                        : withColumns(
                                input.schema(),
                                DataTypes.createStructField(
                                        PREDICTION_COL, DataTypes.StringType, true),
                                DataTypes.createStructField(SCORE_COL, DataTypes.FloatType, true));
        return input.mapPartitions(
                new ClassifyPartition(folder, task, textIndex, textBIndex, options.batchSize),
                Encoders.row(schema));
    }

    /** Checks on the driver that {@code dir} is something {@code amos embed} reads. */
    static void checkEncoder(Path dir) {
        if (ExportedFolder.isExported(dir)) {
            ExportedFolder.open(dir);
        } else {
            EncoderFolder.open(dir);
        }
    }

    /** Reads the classifier config on the driver (as {@link FineTunedModel#load} finds it). */
    static ClassifierConfig fineTunedConfig(Path dir) {
        Path folder =
                Files.isRegularFile(dir.resolve(FineTunedModel.PARAMS)) ? dir : dir.resolve("best");
        for (String name :
                new String[] {
                    FineTunedModel.PARAMS, FineTunedModel.CONFIG, FineTunedModel.TOKENIZER
                }) {
            if (!Files.isRegularFile(folder.resolve(name))) {
                throw BadInputException.of(
                        folder.resolve(name),
                        "no such file (expected a fine-tuned model folder"
                                + " written by 'amos finetune': OUT/best or OUT/seed-N/best)");
            }
        }
        Path configFile = folder.resolve(FineTunedModel.CONFIG);
        try {
            JsonObject json =
                    JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
            return ClassifierConfig.fromJson(json, configFile);
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw BadInputException.of(
                    configFile, "not a fine-tuned model config (" + e.getMessage() + ")");
        }
    }

    private static int stringColumn(StructType schema, String name) {
        if (name == null || !Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new BadInputException(
                    "no column \""
                            + name
                            + "\" in the input (columns: "
                            + String.join(", ", schema.fieldNames())
                            + ")");
        }
        int index = schema.fieldIndex(name);
        DataType type = schema.fields()[index].dataType();
        if (!DataTypes.StringType.equals(type)) {
            throw new BadInputException(
                    "column \"" + name + "\": expected strings, got " + type.simpleString());
        }
        return index;
    }

    private static StructType withColumns(StructType schema, StructField... added) {
        StructType result = schema;
        for (StructField field : added) {
            if (Arrays.asList(schema.fieldNames()).contains(field.name())) {
                throw new BadInputException(
                        "the input already has a column \"" + field.name() + "\"");
            }
            result = result.add(field);
        }
        return result;
    }

    /** How {@link #embed} and {@link #classify} run; build with {@link AmosSpark#options()}. */
    public static final class Options implements Serializable {

        private static final long serialVersionUID = 1L;

        final Pooling pooling;
        final boolean normalize;
        final int batchSize;
        final String outputCol;
        final String textBCol;

        private Options(Builder b) {
            pooling = b.pooling;
            normalize = b.normalize;
            batchSize = b.batchSize;
            outputCol = b.outputCol;
            textBCol = b.textBCol;
        }

        /** Builder; every setting is optional. */
        public static final class Builder {
            private Pooling pooling = Pooling.MEAN;
            private boolean normalize;
            private int batchSize = DEFAULT_BATCH_SIZE;
            private String outputCol = EMBEDDING_COL;
            private String textBCol;

            Builder() {}

            /** cls or mean (default mean), as {@code amos embed --pooling}. */
            public Builder optPooling(Pooling pooling) {
                this.pooling = pooling;
                return this;
            }

            /** L2-normalise the vectors (default false). */
            public Builder optNormalize(boolean normalize) {
                this.normalize = normalize;
                return this;
            }

            /**
             * Rows per forward pass within a partition (default {@value
             * AmosSpark#DEFAULT_BATCH_SIZE}).
             */
            public Builder optBatchSize(int batchSize) {
                if (batchSize < 1) {
                    throw new BadInputException(
                            "batch size: expected a positive integer, got " + batchSize);
                }
                this.batchSize = batchSize;
                return this;
            }

            /** Name of the vector column (default {@value AmosSpark#EMBEDDING_COL}). */
            public Builder optOutputCol(String outputCol) {
                this.outputCol = outputCol;
                return this;
            }

            /**
             * The second-sentence column, for sentence-pair classifiers (MRPC, RTE, STS-B, ...).
             */
            public Builder optTextBCol(String textBCol) {
                this.textBCol = textBCol;
                return this;
            }

            public Options build() {
                return new Options(this);
            }
        }
    }
}
