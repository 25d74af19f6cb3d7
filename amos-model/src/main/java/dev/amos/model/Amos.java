package dev.amos.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The AMOS pretraining network, and its baselines, in one file: read this top to bottom against the
 * paper (<a href="https://arxiv.org/abs/2204.03243">Meng et al., ICLR 2022</a>, section 3) and the
 * released {@code fairseq/models/amos/model.py} of github.com/microsoft/AMOS.
 *
 * <pre>
 * generator (8 layers, width H, dropout 0, shares E):   f^(4), f^(6), f^(8)   (stop-grad at input of L5, L7)
 * shared MLM head:              logits^k = LN(gelu(W f^k)) E^T + b          -> MLM_k losses
 * mixture:                      gamma = softmax_k(v . f^k)
 *                               mixed = sum_k gamma^k stopgrad(logits^k)
 * Gumbel-softmax + reversal:    y = ST-Gumbel(mixed, tau = 0.3), gradient x(-1)
 * discriminator input:          y E at masked positions, E[x] elsewhere
 * discriminator:                12 layers, Linear(H, 1) per token        -> RTD loss
 * loss = sum_k MLM_k + 50 RTD   (one backward pass)
 * </pre>
 *
 * <p>Input NDList: [input_ids (B, S) with masked positions replaced, attention_mask (B, S),
 * original_ids (B, S), masked_positions (M,) flat indices b*S+s], all int64. Output: {@link
 * PretrainOutput#toList()}.
 */
public final class Amos extends AmosBlock {

    // ------------------------------------------------------------------ heads

    /**
     * The MLM head shared by every MLM layer: dense -> GELU -> LayerNorm -> logits against the tied
     * token embedding E plus the head's own bias (BERT's {@code cls.predictions}).
     */
    public static final class MlmHead extends AmosBlock {
        final Encoder.Linear dense;
        final Encoder.LayerNorm norm;
        final Parameter outputBias;
        final Parameter tokenEmbedding;

        MlmHead(
                int hidden,
                int embeddingSize,
                int vocab,
                float eps,
                float std,
                Parameter tokenEmbedding) {
            dense = addChildBlock("dense", new Encoder.Linear(hidden, embeddingSize, std, true));
            norm = addChildBlock("ln", new Encoder.LayerNorm(embeddingSize, eps));
            outputBias = bias("output_bias", vocab);
            this.tokenEmbedding = tokenEmbedding;
        }

        /** Features (M, H) -> vocabulary logits (M, V). */
        NDArray apply(ParameterStore ps, NDArray features, boolean training) {
            NDArray x =
                    norm.apply(ps, Activation.gelu(dense.apply(ps, features, training)), training);
            NDArray e = ps.getValue(tokenEmbedding, x.getDevice(), training);
            return ai.djl.nn.core.Linear.linear(
                            x, e, ps.getValue(outputBias, x.getDevice(), training))
                    .head();
        }
    }

    /**
     * The discriminator head: Linear(H, 1) per token (AMOS), or dense -> GELU -> Linear (ELECTRA).
     */
    public static final class RtdHead extends AmosBlock {
        final Encoder.Linear dense;
        final Encoder.Linear out;

        RtdHead(int hidden, float std, boolean withDense) {
            dense =
                    withDense
                            ? addChildBlock("dense", new Encoder.Linear(hidden, hidden, std, true))
                            : null;
            out = addChildBlock("out", new Encoder.Linear(hidden, 1, std, true));
        }

        /** Hidden states (B, S, H) -> logits (B, S); positive means "original". */
        NDArray apply(ParameterStore ps, NDArray h, boolean training) {
            if (dense != null) {
                h = Activation.gelu(dense.apply(ps, h, training));
            }
            return out.apply(ps, h, training).squeeze(-1);
        }
    }

    /** The mixture scorer: s^k = v . f^k, a Linear(H, 1) without bias (AMOS eq. 4). */
    public static final class MixtureScorer extends AmosBlock {
        final Encoder.Linear v;

        MixtureScorer(int hidden, float std) {
            v = addChildBlock("v", new Encoder.Linear(hidden, 1, std, false));
        }

        /** gamma = softmax_k(v . f^k): features K x (M, H) -> weights (M, K). */
        NDArray apply(ParameterStore ps, List<NDArray> features, boolean training) {
            NDList scores = new NDList();
            for (NDArray f : features) {
                scores.add(v.apply(ps, f, training));
            }
            return NDArrays.concat(scores, 1).softmax(-1);
        }
    }

    // ------------------------------------------------------------------ the network

    private final ModelConfig config;
    private final Objective objective;
    private final int[] mlmLayers;
    private final Encoder discriminator;
    private final RtdHead rtdHead;
    private final Encoder generator;
    private final MlmHead mlmHead;
    private final MixtureScorer mixture;
    private final GumbelSoftmaxReversal sampler;
    private float trainingProgress;

    /** The network for {@code objective} on the shapes of {@code config}. */
    public Amos(ModelConfig config, Objective objective) {
        this.config = config;
        this.objective = objective;
        this.mlmLayers = objective.mlmLayers(config);
        discriminator = addChildBlock("discriminator", Encoder.owning(config.discriminator()));
        Parameter e = discriminator.tokenEmbedding();
        EncoderConfig gen =
                switch (objective.kind()) {
                    case AMOS -> config.amosGenerator(mlmLayers[mlmLayers.length - 1]);
                    case ELECTRA -> config.electraGenerator();
                    case MLM -> null;
                };
        if (gen != null && gen.numLayers() < mlmLayers[mlmLayers.length - 1]) {
            throw new BadInputException(
                    "MLM layer "
                            + mlmLayers[mlmLayers.length - 1]
                            + " is deeper than the generator ("
                            + gen.numLayers()
                            + " layers)");
        }
        rtdHead =
                gen == null
                        ? null
                        : addChildBlock(
                                "rtd_head",
                                new RtdHead(
                                        config.hiddenSize(),
                                        config.initStd(),
                                        objective.kind() == Objective.Kind.ELECTRA));
        generator = gen == null ? null : addChildBlock("generator", Encoder.sharing(gen, e));
        int headIn = gen == null ? config.hiddenSize() : gen.hiddenSize();
        mlmHead =
                addChildBlock(
                        "mlm_head",
                        new MlmHead(
                                headIn,
                                config.tokenEmbeddingSize(),
                                config.vocabSize(),
                                config.layerNormEps(),
                                config.initStd(),
                                e));
        mixture =
                objective.adversarial()
                        ? addChildBlock("mixture", new MixtureScorer(headIn, config.initStd()))
                        : null;
        sampler = new GumbelSoftmaxReversal(config.gumbelTau());
    }

    public ModelConfig config() {
        return config;
    }

    public Objective objective() {
        return objective;
    }

    /** The discriminator encoder: what users keep for fine-tuning, embedding and serving. */
    public Encoder discriminator() {
        return discriminator;
    }

    /** The generator encoder, or null for {@code mlm}. */
    public Encoder generator() {
        return generator;
    }

    /** The shared MLM head. */
    MlmHead mlmHead() {
        return mlmHead;
    }

    /** The mixture scorer v, or null when the mixture is fixed. */
    MixtureScorer mixtureScorer() {
        return mixture;
    }

    /** The discriminator's head, or null for {@code mlm}. */
    RtdHead rtdHead() {
        return rtdHead;
    }

    /** The 1-based generator layers read by the MLM head. */
    public int[] mlmLayers() {
        return mlmLayers.clone();
    }

    /** The Gumbel/reversal step (the tests of this package switch its reversal off). */
    GumbelSoftmaxReversal sampler() {
        return sampler;
    }

    /** Fraction of training done, in [0, 1]; only the layer-switch ablation reads it. */
    public void setTrainingProgress(float progress) {
        this.trainingProgress = progress;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return forward(ps, in.get(0), in.get(1), in.get(2), in.get(3), training).toList();
    }

    /** The pretraining forward pass; see the class comment for the shapes. */
    public PretrainOutput forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray attentionMask,
            NDArray originalIds,
            NDArray maskedPositions,
            boolean training) {
        NDArray labels = originalIds.flatten().get(maskedPositions);
        if (objective.kind() == Objective.Kind.MLM) {
            NDArray h = discriminator.encode(ps, inputIds, attentionMask, training);
            NDArray logits = mlmHead.apply(ps, TensorOps.gatherRows(h, maskedPositions), training);
            return new PretrainOutput(logits, labels, null, null, attentionMask, null, null);
        }

        // 1. Generator: hidden states of every layer; gradient stopped at the input of the layer
        //    after each MLM layer but the last, so each MLM loss trains only its own block.
        List<NDArray> hidden =
                generator.layers(
                        ps,
                        generator.embed(ps, generator.lookup(ps, inputIds, training), training),
                        attentionMask,
                        training,
                        detachedInputs());
        List<NDArray> features = new ArrayList<>();
        for (int layer : mlmLayers) {
            features.add(
                    TensorOps.gatherRows(
                            hidden.get(layer - 1), maskedPositions)); // f^(k), before any detach
        }
        // The shared head (E tied) reads the K layers' features as one (K M, H) batch: one
        // (K M, H) x (H, V) product instead of K, and one (K M, V) logits array (PretrainOutput).
        NDArray logits =
                features.size() == 1
                        ? mlmHead.apply(ps, features.get(0), training)
                        : mlmHead.apply(ps, NDArrays.concat(new NDList(features), 0), training);
        NDArray detachedLogits = logits.stopGradient();

        // 2. Mixture weights gamma (M, K) and the mixture of the DETACHED logits.
        NDArray gamma = mixtureWeights(ps, features, training);

        // 3. Sample x'_i. AMOS: straight-through Gumbel-softmax + gradient reversal, and the
        //    discriminator reads y @ E at masked positions (value E[x'_i]).
        NDArray sampled;
        NDArray replacedEmbeddings = null;
        if (objective.adversarial()) {
            // The sampler wants mixed / tau: gamma / tau (M, K) mixes to it with no pass over the
            // (M, V) mixture. y E with y = one_hot(x') + delta (delta = 0 in value, the reversed
            // straight-through gradient): E[x'] + delta E. E's gradient is the ordinary one, as
            // from y E.
            NDArray tempered =
                    mix(detachedLogits, gamma.mul(ScalarConstants.of(gamma, 1.0 / sampler.tau())));
            NDList y = sampler.sampleStraightThroughTempered(tempered);
            sampled = y.get(1);
            NDArray e = ps.getValue(discriminator.tokenEmbedding(), sampled.getDevice(), training);
            replacedEmbeddings = e.get(sampled).add(y.get(0).matMul(e.stopGradient()));
        } else {
            // ELECTRA's one head has gamma = 1: its detached logits are the mixture.
            sampled =
                    TensorOps.gumbelMax(
                            features.size() == 1 && mixture == null
                                    ? detachedLogits
                                    : mix(detachedLogits, gamma));
        }

        // 4. Discriminator on the corrupted sequence; labels 1 = original (also when the sample
        //    equals the original), 0 = replaced.
        NDArray corrupted = TensorOps.scatterIds(inputIds, maskedPositions, sampled);
        NDArray tokens = discriminator.lookup(ps, corrupted, training);
        if (replacedEmbeddings != null) {
            tokens = TensorOps.scatterRows(tokens, maskedPositions, replacedEmbeddings);
        }
        List<NDArray> dh =
                discriminator.layers(
                        ps,
                        discriminator.embed(ps, tokens, training),
                        attentionMask,
                        training,
                        Set.of());
        NDArray rtdLogits = rtdHead.apply(ps, dh.get(dh.size() - 1), training);
        NDArray rtdLabels = corrupted.eq(originalIds).toType(DataType.FLOAT32, false);
        NDArray reportedGamma =
                objective.kind() == Objective.Kind.AMOS ? gamma : null; // ELECTRA has no mixture
        return new PretrainOutput(
                logits, labels, rtdLogits, rtdLabels, attentionMask, reportedGamma, sampled);
    }

    /**
     * sum_k weights[:, k] * logits^k: (M, V) from the K layers' detached logits stacked (K M, V)
     * and weights (M, K), as a batch of M (1, K) x (K, V) products over a strided view of the
     * stack: one read of the K logits and one write of the mixture, and in the backward pass one
     * read of each for the weights' gradient, where K elementwise products and sums took about
     * three times the passes.
     */
    static NDArray mix(NDArray detachedLogits, NDArray weights) {
        Shape ws = weights.getShape();
        long m = ws.get(0), k = ws.get(1), v = detachedLogits.getShape().get(1);
        if (k == 1) {
            return detachedLogits.mul(weights);
        }
        NDArray perRow = detachedLogits.reshape(k, m, v).transpose(1, 0, 2); // (M, K, V) view
        return weights.reshape(m, 1, k).matMul(perRow).reshape(m, v);
    }

    /**
     * 1-based generator layers whose input is detached: the one after each MLM layer but the last.
     */
    Set<Integer> detachedInputs() {
        Set<Integer> set = new HashSet<>();
        if (objective.ablation() != Objective.Ablation.FULL_GRADIENT) {
            for (int i = 0; i < mlmLayers.length - 1; i++) {
                set.add(mlmLayers[i] + 1);
            }
        }
        return set;
    }

    /** gamma (M, K): learned softmax(v . f) for AMOS, fixed for the ablations. */
    private NDArray mixtureWeights(ParameterStore ps, List<NDArray> features, boolean training) {
        int k = features.size();
        long m = features.get(0).getShape().get(0);
        NDManager nd = features.get(0).getManager();
        if (mixture != null) {
            return mixture.apply(ps, features, training);
        }
        return switch (objective.ablation()) {
            case RANDOM_LAYER ->
                    nd.randomInteger(0, k, new Shape(m), DataType.INT64)
                            .oneHot(k, DataType.FLOAT32);
            case LAYER_SWITCH ->
                    nd.full(
                                    new Shape(m),
                                    Math.min(k - 1, (int) (trainingProgress * k)),
                                    DataType.INT64)
                            .oneHot(k, DataType.FLOAT32);
            default ->
                    nd.full(
                            new Shape(m, k),
                            1f / k,
                            DataType.FLOAT32,
                            features.get(0).getDevice()); // uniform, single layer, electra
        };
    }
}
