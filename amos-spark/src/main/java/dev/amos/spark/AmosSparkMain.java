package dev.amos.spark;

import com.google.gson.JsonObject;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.Failures;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point ({@code ./amos spark} runs it in local mode):
 *
 * <pre>
 * spark-submit --class dev.amos.spark.AmosSparkMain amos-spark.jar embed --model DIR --input texts.txt --output out/
 * spark-submit --class dev.amos.spark.AmosSparkMain amos-spark.jar classify --model FT --input in.parquet --text-col sentence --output out.parquet
 * </pre>
 *
 * Input: a text file or folder (one text per line, column {@code text}) or Parquet. Output: a
 * folder of JSON-lines part files ({@code {"text": ..., "embedding": [...]}} or {@code
 * "prediction"}, in input order when the part files are read in name order) or Parquet, written
 * beside the target and renamed into place when complete. Bad input: one line, exit code 2.
 */
@Command(
        name = "amos spark",
        mixinStandardHelpOptions = true,
        subcommands = {AmosSparkMain.Embed.class, AmosSparkMain.Classify.class},
        description = "Batch embeddings or GLUE predictions on Apache Spark (see docs/serving.md).")
public final class AmosSparkMain {

    /** Exit code for bad input. */
    static final int BAD_INPUT = 2;

    /** The master URLs Spark takes (its own patterns, checked before a session starts). */
    static final Pattern MASTER =
            Pattern.compile(
                    "local|local\\[([1-9][0-9]*|\\*)(,[1-9][0-9]*)?\\]|local-cluster\\[[0-9]+, *[0-9]+, *[0-9]+\\]|yarn"
                            + "|spark://[^\\s]+:[0-9]+(,[^\\s]+:[0-9]+)*|k8s://[^\\s]+|mesos://[^\\s]+");

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0, 1 for a failure, 2 for bad input). */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new AmosSparkMain());
        boolean verbose = Arrays.asList(args).contains("--verbose");
        cli.setExecutionExceptionHandler(
                (e, line, parsed) ->
                        Failures.report(
                                e,
                                "amos spark",
                                line.getCommandSpec().qualifiedName(),
                                verbose,
                                new PrintWriter(System.err, true)));
        cli.setParameterExceptionHandler(
                (e, a) -> {
                    System.err.println(
                            "amos spark: "
                                    + Failures.withoutClassNames(Failures.firstLine(e.getMessage()))
                                    + " (see '"
                                    + e.getCommandLine().getCommandSpec().qualifiedName()
                                    + " --help')");
                    return BAD_INPUT;
                });
        return cli.execute(args);
    }

    /** Options of both subcommands. */
    static final class Common {
        @Option(
                names = "--model",
                required = true,
                paramLabel = "DIR|URI",
                description = "Model folder: a local path every executor sees, or hdfs:/s3a:/... .")
        String model;

        @Option(
                names = "--input",
                required = true,
                paramLabel = "PATH",
                description = "Text file/folder (one text per line) or Parquet.")
        String input;

        @Option(
                names = "--input-format",
                description =
                        "auto, text or parquet (auto: parquet when PATH ends with .parquet; default: ${DEFAULT-VALUE}).")
        String inputFormat = "auto";

        @Option(
                names = "--text-col",
                description =
                        "Text column of a Parquet input; a text input gets this name (default: ${DEFAULT-VALUE}).")
        String textCol = "text";

        @Option(
                names = "--output",
                required = true,
                paramLabel = "PATH",
                description = {
                    "Output folder, JSON lines or Parquet: new or",
                    "empty (written beside it and renamed into place), or an earlier amos spark output with --overwrite."
                })
        String output;

        @Option(
                names = "--overwrite",
                description =
                        "Replace the amos spark output already at --output (never a folder of another kind).")
        boolean overwrite;

        @Option(
                names = "--output-format",
                description =
                        "auto, json or parquet (auto: parquet when PATH ends with .parquet; default: ${DEFAULT-VALUE}).")
        String outputFormat = "auto";

        @Option(
                names = "--batch-size",
                description =
                        "Rows per forward pass within a partition, >= 1 (default: ${DEFAULT-VALUE}).")
        int batchSize = AmosSpark.DEFAULT_BATCH_SIZE;

        @Option(names = "--verbose", description = "Print stack traces for errors.")
        boolean verbose;

        @Option(
                names = "--master",
                description = "Spark master, e.g. local[2] (default: what spark-submit sets).")
        String master;

        /**
         * The checks of both subcommands before a Spark session starts: --batch-size, the formats,
         * --master, a local --input (it exists) and --model (a folder of one of {@code
         * modelKinds}), and a local --output ({@link OutputFolder#check}: never the input, the
         * model, a folder of another kind or a foreign one).
         */
        void validate(String modelTakes, FolderKind... modelKinds) {
            if (batchSize < 1) {
                throw new BadInputException(
                        "--batch-size: expected an integer >= 1, got " + batchSize);
            }
            isParquet(inputFormat, input, "input");
            isParquet(outputFormat, output, "output");
            if (master != null && !MASTER.matcher(master).matches()) {
                throw new BadInputException(
                        "--master: expected local, local[N], local[*], local[N,F], spark://HOST:PORT,"
                                + " yarn, k8s://URL or mesos://HOST:PORT, got \""
                                + master
                                + "\"");
            }
            java.nio.file.Path localInput = localPath(input);
            if (localInput != null && !Files.exists(localInput)) {
                throw BadInputException.of(localInput, "--input: no such file or folder");
            }
            java.nio.file.Path localModel = localPath(model);
            if (localModel != null) {
                AmosFolder.require(localModel, "--model", modelTakes, modelKinds);
            }
            java.nio.file.Path localOutput = localPath(output);
            if (localOutput != null) {
                requireLocalOutput(localOutput.toAbsolutePath().normalize());
                OutputFolder.check(
                        localOutput,
                        FolderKind.SPARK_OUTPUT,
                        overwrite,
                        "--output",
                        localInput,
                        localModel);
            }
        }

        private void requireLocalOutput(java.nio.file.Path target) {
            java.nio.file.Path existing = target.getParent();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null || !Files.isDirectory(existing)) {
                throw new BadInputException(
                        output
                                + ": --output is not writable: "
                                + existing
                                + " is a file, not a folder");
            }
            try {
                Files.delete(Files.createTempFile(existing, ".amos-write-test", ".tmp"));
            } catch (IOException | RuntimeException e) {
                throw new BadInputException(
                        output + ": --output is not writable: cannot create a file in " + existing);
            }
        }

        /**
         * The local file-system path of {@code location}, or null for another scheme (hdfs:, s3a:,
         * ...).
         */
        static java.nio.file.Path localPath(String location) {
            URI uri = new Path(location).toUri();
            return uri.getScheme() == null || "file".equals(uri.getScheme())
                    ? java.nio.file.Path.of(uri.getPath())
                    : null;
        }

        SparkSession session(String name) {
            SparkSession.Builder builder = SparkSession.builder().appName(name);
            if (master != null) {
                builder.master(master);
            }
            return builder.getOrCreate();
        }

        Dataset<Row> read(SparkSession spark) {
            if (isParquet(inputFormat, input, "input")) {
                return spark.read().parquet(input);
            }
            return spark.read().text(input).withColumnRenamed("value", textCol);
        }

        /**
         * Writes {@code result} to --output: built in a staging folder beside it (Spark's overwrite
         * mode only ever sees that folder, which is amos's) and renamed into place, marked as an
         * amos spark output ({@value AmosFolder#SPARK_MARKER}, which Spark's readers skip).
         */
        void write(SparkSession spark, Dataset<Row> result) throws IOException {
            java.nio.file.Path local = localPath(output);
            JsonObject fields = new JsonObject();
            fields.addProperty(
                    "format", isParquet(outputFormat, output, "output") ? "parquet" : "json");
            fields.addProperty("model", model);
            if (local != null) {
                try (OutputFolder folder =
                        OutputFolder.staged(
                                local,
                                FolderKind.SPARK_OUTPUT,
                                overwrite,
                                "--output",
                                localPath(input),
                                localPath(model))) {
                    save(result, folder.dir().toUri().toString());
                    folder.commit(fields);
                }
                return;
            }
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(target)) { // another scheme: the same rules, through Hadoop's file system
                Path marker = new Path(target, AmosFolder.SPARK_MARKER);
                if (!fs.exists(marker)) {
                    throw new BadInputException(
                            output
                                    + ": --output exists and is not an amos spark output; amos spark"
                                    + " writes only into a new folder (or an earlier amos spark output with --overwrite)");
                }
                if (!overwrite) {
                    throw new BadInputException(
                            output
                                    + ": --output already holds an amos spark output; add --overwrite"
                                    + " to replace it, or choose another --output");
                }
            }
            Path staging =
                    new Path(
                            target.getParent() == null ? new Path(".") : target.getParent(),
                            "."
                                    + target.getName()
                                    + ".amos-staging-"
                                    + spark.sparkContext().applicationId());
            save(result, staging.toString());
            try (OutputStream out = fs.create(new Path(staging, AmosFolder.SPARK_MARKER), true)) {
                fields.addProperty("kind", FolderKind.SPARK_OUTPUT.id());
                out.write((fields + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (fs.exists(target)) {
                fs.delete(target, true); // an amos spark output, with --overwrite (checked above)
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot rename " + staging + " to " + target);
            }
        }

        private void save(Dataset<Row> result, String path) {
            if (isParquet(outputFormat, output, "output")) {
                result.write()
                        .mode(SaveMode.Overwrite)
                        .parquet(path); // only ever amos's staging folder
            } else {
                result.write().mode(SaveMode.Overwrite).json(path);
            }
        }

        private static boolean isParquet(String format, String path, String what) {
            return switch (format.toLowerCase(Locale.ROOT)) {
                case "auto" -> path.toLowerCase(Locale.ROOT).endsWith(".parquet");
                case "parquet" -> true;
                case "text", "json" -> false;
                default ->
                        throw new BadInputException(
                                "--"
                                        + what
                                        + "-format: expected auto, "
                                        + ("input".equals(what) ? "text" : "json")
                                        + " or parquet, got \""
                                        + format
                                        + "\"");
            };
        }
    }

    @Command(
            name = "embed",
            mixinStandardHelpOptions = true,
            description = "Adds an 'embedding' column (as amos embed).")
    static final class Embed implements Callable<Integer> {
        @Mixin Common common;

        @Option(names = "--pooling", description = "cls or mean (default: ${DEFAULT-VALUE}).")
        String pooling = "mean";

        @Option(names = "--normalize", description = "L2-normalise the vectors.")
        boolean normalize;

        @Override
        public Integer call() throws IOException {
            Pooling pool;
            try {
                pool = Pooling.fromName(pooling);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(
                        "--pooling: expected cls or mean, got \"" + pooling + "\"");
            }
            common.validate(
                    "a pretraining run, its discriminator/ or an amos import folder",
                    FolderKind.RUN,
                    FolderKind.ENCODER,
                    FolderKind.IMPORT);
            AmosSpark.Options options =
                    AmosSpark.options()
                            .optPooling(pool)
                            .optNormalize(normalize)
                            .optBatchSize(common.batchSize)
                            .build();
            SparkSession spark = common.session("amos spark embed");
            try {
                Dataset<Row> result =
                        AmosSpark.embed(common.read(spark), common.textCol, common.model, options);
                common.write(spark, result);
                System.err.println("amos spark embed: " + common.output);
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(
            name = "classify",
            mixinStandardHelpOptions = true,
            description =
                    "Adds 'prediction' (label; STS-B: score) and 'score' (probability) columns (as amos eval).")
    static final class Classify implements Callable<Integer> {
        @Mixin Common common;

        @Option(
                names = "--text-b-col",
                description = "Second sentence column, for pair tasks (MRPC, RTE, STS-B, ...).")
        String textBCol;

        @Override
        public Integer call() throws IOException {
            common.validate(
                    "a fine-tuned classifier (amos finetune --out, or its best/)",
                    FolderKind.FINETUNE,
                    FolderKind.CLASSIFIER);
            AmosSpark.Options options =
                    AmosSpark.options()
                            .optBatchSize(common.batchSize)
                            .optTextBCol(textBCol)
                            .build();
            SparkSession spark = common.session("amos spark classify");
            try {
                Dataset<Row> result =
                        AmosSpark.classify(
                                common.read(spark), common.textCol, common.model, options);
                common.write(spark, result);
                System.err.println("amos spark classify: " + common.output);
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
