package dev.amos.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Why a generator learns or does not, measured on one masked batch: the gradient norm of every
 * parameter group under each loss term, how much the generator's features and predictions at masked
 * positions differ from one position to the next, and how spread out its attention is. A generator
 * on the unigram plateau predicts the same distribution at every masked position: its prediction
 * spread is near 0 and its attention near uniform.
 *
 * <p>Loss terms: {@code mlm} (sum of the MLM losses, gradient stopped between the generator blocks
 * as trained), {@code mlm-full-gradient} (the same losses without the stops), {@code rtd} (lambda x
 * RTD) and {@code total}. Each is one forward and backward pass with the same Gumbel noise (the
 * engine is re-seeded before each), starting from zero gradients; gradients are zeroed after.
 */
public final class GeneratorDiagnostics {

    private GeneratorDiagnostics() {}

    /**
     * @param gradientNorms loss term -> parameter group -> L2 norm of that group's gradient
     * @param mlmLosses MLM loss per MLM layer, over every masked position
     * @param mlmLossesAtMask MLM loss per MLM layer over the masked positions whose input is {@code
     *     [MASK]} (the same as {@code mlmLosses} under AMOS's masking; under ELECTRA's and BERT's
     *     the others' input can be copied)
     * @param rtdLoss the RTD loss (NaN for mlm)
     * @param rtdConstantLoss the RTD loss of the best constant prediction on the same batch ({@link
     *     PretrainOutput#rtdConstantLoss()}; NaN for mlm)
     * @param featureSpread per MLM layer: variance of f^k across masked positions over its mean
     *     square (0 = every masked position has the same features)
     * @param predictionSpread per MLM layer: mean total-variation distance of each masked
     *     position's predicted distribution from the mean prediction (0 = the same prediction
     *     everywhere, the unigram plateau)
     * @param attentionEntropy per generator layer: mean attention entropy (nats) of the masked
     *     queries, over heads
     * @param uniformEntropy the entropy of uniform attention over the real keys, for comparison
     */
    public record Report(
            Map<String, Map<String, Double>> gradientNorms,
            List<Double> mlmLosses,
            List<Double> mlmLossesAtMask,
            double rtdLoss,
            double rtdConstantLoss,
            List<Double> featureSpread,
            List<Double> predictionSpread,
            List<Double> attentionEntropy,
            double uniformEntropy) {}

    /**
     * Measures {@code amos} on one batch (the NDList of {@link Amos#forward}: corrupted ids,
     * attention mask, original ids, masked positions). The parameters must have gradients attached
     * (initialized for training or loaded and then set to require gradients).
     *
     * @param maskId the id of {@code [MASK]} (for the loss at the positions that hold it)
     */
    public static Report measure(
            Amos amos, NDManager manager, NDList batch, float rtdWeight, long maskId, long seed) {
        ParameterStore ps = new ParameterStore(manager, false);
        Map<String, List<Parameter>> groups = groups(amos);
        Map<String, Map<String, Double>> norms = new LinkedHashMap<>();
        norms.put(
                "mlm",
                gradientNorms(amos, groups, seed, () -> sum(forward(amos, ps, batch).mlmLosses())));
        if (amos.generator() != null) {
            norms.put(
                    "mlm-full-gradient",
                    gradientNorms(amos, groups, seed, () -> sum(fullGradientMlm(amos, ps, batch))));
        }
        if (amos.objective().kind() != Objective.Kind.MLM) {
            norms.put(
                    "rtd",
                    gradientNorms(
                            amos,
                            groups,
                            seed,
                            () -> forward(amos, ps, batch).rtdLoss().mul(rtdWeight)));
            norms.put(
                    "total",
                    gradientNorms(
                            amos, groups, seed, () -> forward(amos, ps, batch).loss(rtdWeight)));
        }
        try (NDScope scope = new NDScope()) {
            Engine.getInstance().setRandomSeed((int) seed);
            PretrainOutput out = forward(amos, ps, batch);
            PretrainOutput.Losses terms = out.losses(rtdWeight);
            List<NDArray> atMask = terms.mlmWhere(PretrainOutput.maskedInputIs(batch, maskId));
            List<Double> losses = new ArrayList<>();
            List<Double> lossesAtMask = new ArrayList<>();
            List<Double> predictionSpread = new ArrayList<>();
            for (int k = 0; k < out.mlmLayerCount(); k++) {
                losses.add((double) terms.mlm().get(k).getFloat());
                lossesAtMask.add((double) atMask.get(k).getFloat());
                predictionSpread.add(predictionSpread(out.mlmLogits(k)));
            }
            double rtd = terms.rtd() == null ? Double.NaN : terms.rtd().getFloat();
            double rtdConstant =
                    terms.rtd() == null ? Double.NaN : out.rtdConstantLoss().getFloat();
            List<Double> featureSpread = new ArrayList<>();
            List<Double> entropy = new ArrayList<>();
            double uniform = attention(amos, ps, batch, featureSpread, entropy);
            return new Report(
                    norms,
                    losses,
                    lossesAtMask,
                    rtd,
                    rtdConstant,
                    featureSpread,
                    predictionSpread,
                    entropy,
                    uniform);
        }
    }

    /**
     * Parameter groups: E, the generator's embeddings and each of its blocks, the head, v, the
     * discriminator.
     */
    static Map<String, List<Parameter>> groups(Amos amos) {
        Map<String, List<Parameter>> g = new LinkedHashMap<>();
        Parameter e = amos.discriminator().tokenEmbedding();
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        seen.put(e, true);
        g.put("E (shared token embedding)", List.of(e));
        Encoder gen = amos.generator();
        if (gen != null) {
            int[] mlm = amos.mlmLayers();
            int from = 1;
            boolean full = amos.detachedInputs().isEmpty();
            for (int k = 0; k < mlm.length; k++) {
                List<Parameter> block = new ArrayList<>();
                for (int layer = from; layer <= mlm[k]; layer++) {
                    block.addAll(unseen(gen.layer(layer - 1), seen));
                }
                g.put(
                        (full ? "generator layers " : "generator block ") + from + "-" + mlm[k],
                        block);
                from = mlm[k] + 1;
            }
            g.put("generator embeddings", unseen(gen, seen));
        }
        g.put("MLM head", unseen(amos.mlmHead(), seen));
        if (amos.mixtureScorer() != null) {
            g.put("mixture v", unseen(amos.mixtureScorer(), seen));
        }
        if (amos.rtdHead() != null) {
            g.put("discriminator", unseen(amos.discriminator(), seen));
            g.put("RTD head", unseen(amos.rtdHead(), seen));
        } else {
            g.put("encoder", unseen(amos.discriminator(), seen));
        }
        return g;
    }

    private static List<Parameter> unseen(Block block, Map<Parameter, Boolean> seen) {
        List<Parameter> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (seen.put(p.getValue(), true) == null) {
                out.add(p.getValue());
            }
        }
        return out;
    }

    private static Map<String, Double> gradientNorms(
            Amos amos, Map<String, List<Parameter>> groups, long seed, Supplier<NDArray> loss) {
        zeroGradients(amos);
        try (NDScope scope = new NDScope();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Engine.getInstance().setRandomSeed((int) seed);
            gc.backward(loss.get());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Parameter>> e : groups.entrySet()) {
            double sq = 0;
            for (Parameter p : e.getValue()) {
                try (NDArray g = p.getArray().getGradient()) {
                    sq += g.square().sum().getFloat();
                }
            }
            out.put(e.getKey(), Math.sqrt(sq));
        }
        zeroGradients(amos);
        return out;
    }

    private static void zeroGradients(Amos amos) {
        for (Pair<String, Parameter> p : amos.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient()) {
                    g.muli(0f);
                }
            }
        }
    }

    private static PretrainOutput forward(Amos amos, ParameterStore ps, NDList b) {
        return amos.forward(ps, b.get(0), b.get(1), b.get(2), b.get(3), true);
    }

    /** The MLM losses of the generator with no gradient stop between its blocks. */
    private static List<NDArray> fullGradientMlm(Amos amos, ParameterStore ps, NDList b) {
        Encoder gen = amos.generator();
        List<NDArray> hidden =
                gen.layers(
                        ps,
                        gen.embed(ps, gen.lookup(ps, b.get(0), true), true),
                        b.get(1),
                        true,
                        Set.of());
        NDArray labels = b.get(2).flatten().get(b.get(3));
        List<NDArray> losses = new ArrayList<>();
        for (int layer : amos.mlmLayers()) {
            NDArray f = TensorOps.gatherRows(hidden.get(layer - 1), b.get(3));
            losses.add(TensorOps.crossEntropy(amos.mlmHead().apply(ps, f, true), labels));
        }
        return losses;
    }

    private static NDArray sum(List<NDArray> xs) {
        NDArray total = xs.get(0);
        for (int i = 1; i < xs.size(); i++) {
            total = total.add(xs.get(i));
        }
        return total;
    }

    /** Mean over rows of TV(p_i, mean p): 0 when every row predicts the same distribution. */
    static double predictionSpread(NDArray logits) {
        NDArray p = logits.softmax(-1);
        NDArray mean = p.mean(new int[] {0}, true);
        return p.sub(mean).abs().sum(new int[] {1}).mean().getFloat() / 2;
    }

    /** Variance of the rows of f (M, H) over their mean square, averaged over columns. */
    static double featureSpread(NDArray f) {
        NDArray var = f.sub(f.mean(new int[] {0}, true)).square().mean(new int[] {0});
        NDArray meanSquare = f.square().mean(new int[] {0});
        return var.sum().getFloat() / meanSquare.sum().getFloat();
    }

    /**
     * Fills the feature spread per MLM layer and the attention entropy per generator layer (of the
     * encoder for mlm) at the masked queries; returns the uniform-attention entropy.
     */
    private static double attention(
            Amos amos,
            ParameterStore ps,
            NDList b,
            List<Double> featureSpread,
            List<Double> entropy) {
        Encoder enc = amos.generator() != null ? amos.generator() : amos.discriminator();
        NDArray ids = b.get(0);
        NDArray mask = b.get(1);
        NDArray positions = b.get(3);
        NDArray x = enc.embed(ps, enc.lookup(ps, ids, false), false);
        List<NDArray> hidden = enc.layers(ps, x, mask, false, Set.of());
        for (int layer :
                amos.generator() != null
                        ? amos.mlmLayers()
                        : new int[] {enc.config().numLayers()}) {
            featureSpread.add(
                    featureSpread(TensorOps.gatherRows(hidden.get(layer - 1), positions)));
        }
        Shape s = ids.getShape();
        long batch = s.get(0), seq = s.get(1);
        for (int i = 0; i < hidden.size(); i++) {
            NDArray in = i == 0 ? x : hidden.get(i - 1);
            NDArray p = enc.attentionProbabilities(ps, i, in, mask); // (B, heads, S, S)
            long heads = p.getShape().get(1);
            NDArray rows =
                    p.transpose(0, 2, 1, 3)
                            .reshape(batch * seq, heads, seq)
                            .get(positions); // (M, heads, S)
            NDArray h = rows.mul(rows.add(1e-12f).log()).sum(new int[] {2}).neg().mean();
            entropy.add((double) h.getFloat());
        }
        NDArray lengths = mask.toType(DataType.FLOAT32, false).sum(new int[] {1}); // (B,)
        NDArray rowOf = positions.div(seq); // integer division of int64
        return lengths.get(rowOf).log().mean().getFloat();
    }

    /** The report as aligned text lines. */
    public static List<String> format(Report r, Function<Double, String> number) {
        List<String> lines = new ArrayList<>();
        lines.add(
                "MLM loss at [MASK] per MLM layer: "
                        + join(r.mlmLossesAtMask(), number)
                        + "   all masked positions: "
                        + join(r.mlmLosses(), number)
                        + (Double.isNaN(r.rtdLoss())
                                ? ""
                                : "   RTD loss: "
                                        + number.apply(r.rtdLoss())
                                        + " (constant prediction: "
                                        + number.apply(r.rtdConstantLoss())
                                        + ")"));
        lines.add(
                "feature spread at masked positions (0 = identical): "
                        + join(r.featureSpread(), number));
        lines.add(
                "prediction spread (TV from the mean prediction; 0 = unigram plateau): "
                        + join(r.predictionSpread(), number));
        lines.add(
                "attention entropy per layer at masked queries (nats): "
                        + join(r.attentionEntropy(), number)
                        + "   uniform: "
                        + number.apply(r.uniformEntropy()));
        List<String> terms = new ArrayList<>(r.gradientNorms().keySet());
        lines.add(
                String.format("%-32s", "gradient L2 norm")
                        + terms.stream()
                                .map(t -> String.format("%18s", t))
                                .reduce("", String::concat));
        for (String group : r.gradientNorms().get(terms.get(0)).keySet()) {
            StringBuilder sb = new StringBuilder(String.format("%-32s", group));
            for (String t : terms) {
                sb.append(String.format("%18s", number.apply(r.gradientNorms().get(t).get(group))));
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    private static String join(List<Double> xs, Function<Double, String> number) {
        return String.join(" / ", xs.stream().map(number).toList());
    }
}
