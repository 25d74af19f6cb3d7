package dev.amos.cli;

import dev.amos.eval.serve.ClassifierExporter;
import dev.amos.eval.serve.ExportedFolder;
import dev.amos.eval.serve.ModelExporter;
import dev.amos.eval.serve.OnnxExporter;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.importer.HfExporter;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos export}: a serving-ready DJL model folder from a pretraining run ({@code
 * amos-encoder.pt}, sentence vectors) or from a fine-tuned GLUE classifier ({@code
 * amos-classifier.pt}, logits or the STS-B score), each with {@code serving.properties}, {@code
 * tokenizer.json} and {@code config.json} ({@code synset.txt} too for a classifier); with {@code
 * --format onnx}, {@code model.onnx} ({@link OnnxExporter}) with {@code tokenizer.json} and {@code
 * config.json} instead; or, with {@code --format hf}, an encoder in the layout of Microsoft's
 * released Hugging Face repos ({@link HfExporter}).
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write a serving-ready model folder from a pretraining run, an import or a fine-tuned classifier.",
            "torchscript: loads with no amos code in DJL Criteria, DJL Serving, torch.jit.load and TorchServe;",
            "onnx: in ONNX Runtime, LangChain4j and Spring AI; see docs/serving.md.",
            "--format hf: the released AMOS layout (config.json, pytorch_model.bin, tokenizer) for Microsoft's code and 'amos import'."
        })
final class ExportCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description =
                    "Pretraining run folder (or its discriminator/), or an 'amos finetune' output (or its best/).")
    Path model;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = {
                "Output folder: new or empty (built beside it",
                "and renamed into place), or an earlier export with --overwrite."
            })
    Path out;

    @Option(
            names = "--overwrite",
            description = "Replace the export already at --out (never a folder of another kind).")
    boolean overwrite;

    @Option(
            names = "--format",
            description = {
                "torchscript (a DJL model folder), onnx (model.onnx for ONNX Runtime,",
                "LangChain4j, Spring AI), or hf (Microsoft's released layout; encoders only) (default: ${DEFAULT-VALUE})."
            })
    String format = "torchscript";

    @Option(
            names = "--weights",
            description =
                    "--format hf: bin (pytorch_model.bin, a torch.save zip, what the released code loads) or safetensors (model.safetensors) (default: bin).")
    String weights;

    @Range(min = 3)
    @Option(
            names = "--max-len",
            paramLabel = "N",
            description =
                    "Encoders: tokens kept per text (with the start and end markers), >= 3, at most the model's max_positions, recorded in the export (default: min(512, positions)).")
    Integer maxLength;

    @Option(
            names = "--pooling",
            description =
                    "Encoder exports: pooled output and serving translator, cls or mean (default: mean).")
    String pooling;

    @Option(names = "--normalize", description = "Encoder exports: L2-normalise the pooled output.")
    boolean normalize;

    @Option(
            names = "--token-type-ids",
            description =
                    "ONNX: declare an int64 token_type_ids input (ignored) for consumers that always send one.")
    boolean tokenTypeIds;

    @Override
    public Integer call() throws Exception {
        OptionChecks.ranges(this);
        boolean hf = "hf".equalsIgnoreCase(format);
        boolean onnx = "onnx".equalsIgnoreCase(format);
        if (!hf && !onnx && !"torchscript".equalsIgnoreCase(format)) {
            throw new BadInputException(
                    "--format: expected torchscript, onnx or hf, got \"" + format + "\"");
        }
        if (tokenTypeIds && !onnx) {
            throw new BadInputException("--token-type-ids: only with --format onnx");
        }
        if (weights != null && !hf) {
            throw new BadInputException(
                    "--weights: only with --format hf (the TorchScript export holds its weights in"
                            + " the archive)");
        }
        HfExporter.Weights weightFormat =
                HfExporter.Weights.fromName(weights == null ? "bin" : weights);
        if (pooling != null) {
            EmbedCommand.parsePooling(pooling);
        }
        AmosFolder input =
                AmosFolder.require(
                        model,
                        "--model",
                        "a pretraining run, its discriminator/, an amos import"
                                + " folder or an amos finetune output",
                        FolderKind.RUN,
                        FolderKind.ENCODER,
                        FolderKind.IMPORT,
                        FolderKind.FINETUNE,
                        FolderKind.CLASSIFIER);
        OutputFolder.check(out, FolderKind.EXPORT, overwrite, "--out", model);
        OptionChecks.outputFolder(out, "--out");
        if (input.is(FolderKind.FINETUNE) || input.is(FolderKind.CLASSIFIER)) {
            if (pooling != null || normalize || maxLength != null || hf) {
                throw new BadInputException(
                        "--pooling/--normalize/--max-len/--format hf: only for pretraining runs"
                                + " and imports (encoders); "
                                + model
                                + " is a fine-tuned classifier (exported as logits at its"
                                + " fine-tuning length)");
            }
            if (onnx) {
                return printed(OnnxExporter.exportClassifier(model, out, tokenTypeIds, overwrite));
            }
            ClassifierExporter.ExportedClassifier c =
                    ClassifierExporter.export(model, out, overwrite);
            System.out.println(
                    "exported "
                            + c.modelFile()
                            + " ("
                            + c.task()
                            + " classifier, labels "
                            + c.labels()
                            + ", max length "
                            + c.maxLength()
                            + ") + serving.properties, synset.txt, tokenizer.json, config.json in "
                            + c.dir());
            return 0;
        }
        if (maxLength != null) {
            EncoderFolder.checkMaxLength(maxLength, TextEmbedder.positions(model), "--max-len");
        }
        int length = maxLength == null ? 0 : maxLength;
        if (hf) {
            if (pooling != null || normalize) {
                throw new BadInputException(
                        "--pooling/--normalize: not part of --format hf (Microsoft's layout holds the"
                                + " encoder; pool its last hidden states as amos embed does)");
            }
            HfExporter.Exported e = HfExporter.export(model, out, weightFormat, length, overwrite);
            System.out.println(
                    "exported "
                            + e.modelType()
                            + " encoder ("
                            + e.tokenizer()
                            + " tokenizer, vocab_size "
                            + e.vocabSize()
                            + ", keys "
                            + (e.keyPrefix().isEmpty() ? "without prefix" : e.keyPrefix() + "*")
                            + ", max length "
                            + e.maxLength()
                            + "): "
                            + String.join(", ", e.files())
                            + " in "
                            + out);
            return 0;
        }
        if (onnx) {
            return printed(
                    OnnxExporter.exportEncoder(
                            model,
                            out,
                            EmbedCommand.parsePooling(pooling == null ? "mean" : pooling),
                            normalize,
                            length,
                            tokenTypeIds,
                            overwrite));
        }
        ExportedFolder folder =
                ModelExporter.exportTorchScript(
                        model,
                        out,
                        EmbedCommand.parsePooling(pooling == null ? "mean" : pooling),
                        normalize,
                        length,
                        overwrite);
        System.out.println(
                "exported "
                        + folder.modelFile()
                        + " (pooling "
                        + folder.pooling().externalName()
                        + (folder.normalize() ? ", normalized" : "")
                        + ", max length "
                        + folder.maxLength()
                        + ") + serving.properties, "
                        + "tokenizer.json, config.json in "
                        + folder.dir());
        return 0;
    }

    private static int printed(OnnxExporter.OnnxFolder folder) {
        System.out.println(
                "exported "
                        + folder.modelFile()
                        + " ("
                        + folder.outputs()
                        + ", max length "
                        + folder.maxLength()
                        + ") + tokenizer.json, config.json in "
                        + folder.dir());
        return 0;
    }
}
