package dev.amos.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A post-LayerNorm BERT encoder with T5-style relative-position bias, written from DJL primitives:
 * the discriminator of AMOS and, with dropout 0, its generator.
 *
 * <p>Input embedding = LayerNorm(E[ids] + P[0:S]) then dropout, then a projection De -> H when the
 * embedding is narrower (ELECTRA-small). Every layer: attention -> add -> LayerNorm -> GELU FFN ->
 * add -> LayerNorm (<a href="https://arxiv.org/abs/1810.04805">BERT</a>). On top of the absolute
 * positions, one relative-position bias table per encoder is added to the attention logits of every
 * layer (<a href="https://arxiv.org/abs/1910.10683">T5</a>; AMOS/COCO-LM released code, see {@link
 * RelativePositionBuckets}). No segment embeddings.
 *
 * <p>The token embedding E is either owned (the discriminator) or shared from another encoder (the
 * generator reads the discriminator's E, <a href="https://arxiv.org/abs/2204.03243">AMOS</a>
 * section 3). {@link #layers} can stop the gradient at the input of chosen layers, which is how the
 * generator splits into independently trained blocks.
 */
public final class Encoder extends AmosBlock {

    /** Additive attention-logit bias on padded keys. */
    static final float MASK_BIAS = -10000f;

    // ------------------------------------------------------------------ building blocks

    /** y = x W^T + b over the last axis; W is (out, in) as in torch.nn.Linear. */
    public static final class Linear extends AmosBlock {
        final Parameter weight;
        final Parameter bias;

        Linear(long in, long out, float std, boolean withBias) {
            weight = weight("weight", std, out, in);
            bias = withBias ? bias("bias", out) : null;
        }

        NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            Device d = x.getDevice();
            NDArray w = ps.getValue(weight, d, training);
            if (bias == null) {
                return ai.djl.nn.core.Linear.linear(x, w).head();
            }
            NDArray b = ps.getValue(bias, d, training);
            Shape s = x.getShape();
            if (training || s.dimension() <= 2) {
                return ai.djl.nn.core.Linear.linear(x, w, b).head();
            }
            // Inference: libtorch runs a 3-D linear as mm then a separate add_ of the bias; on the
            // (B*S, in) view it is one addmm with the bias folded into the GEMM.
            NDArray y =
                    ai.djl.nn.core.Linear.linear(x.reshape(-1, s.get(s.dimension() - 1)), w, b)
                            .head();
            return y.reshape(s.slice(0, s.dimension() - 1).add(w.getShape().get(0)));
        }
    }

    /** LayerNorm over the last axis (explicitly: DJL's default normalizes all non-batch axes). */
    public static final class LayerNorm extends AmosBlock {
        final Parameter gamma;
        final Parameter beta;
        final float eps;

        LayerNorm(long size, float eps) {
            gamma = gamma("gamma", size);
            beta = beta("beta", size);
            this.eps = eps;
        }

        NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            Device d = x.getDevice();
            return ai.djl.nn.norm.LayerNorm.layerNorm(
                            x,
                            new Shape(x.getShape().tail()),
                            ps.getValue(gamma, d, training),
                            ps.getValue(beta, d, training),
                            eps)
                    .head();
        }
    }

    /**
     * T5-style bucketed relative-position bias: one scalar per head per bucket, one table per
     * encoder, computed once per forward and added to the logits of every layer.
     */
    public static final class RelativePositionBias extends AmosBlock {
        final Parameter table;
        final int maxPositions;
        final int numBuckets;
        final int maxDistance;
        private final Map<Device, NDArray> bucketGrid = new ConcurrentHashMap<>();

        RelativePositionBias(EncoderConfig c) {
            table = weight("table", c.initStd(), c.relPosBuckets(), c.numHeads());
            maxPositions = c.maxPositions();
            numBuckets = c.relPosBuckets();
            maxDistance = c.maxRelPos();
        }

        /** The bias (1, heads, S, S) for sequence length S. */
        NDArray apply(ParameterStore ps, int seqLen, Device device, boolean training) {
            NDArray t = ps.getValue(table, device, training);
            NDArray grid = bucketGrid.computeIfAbsent(device, d -> constantGrid(t.getManager(), d));
            NDArray idx = grid.get(":{},:{}", seqLen, seqLen);
            return t.get(idx).transpose(2, 0, 1).expandDims(0);
        }

        private NDArray constantGrid(NDManager owner, Device device) {
            NDArray g =
                    owner.create(
                            RelativePositionBuckets.bucketMatrix(
                                    maxPositions, numBuckets, maxDistance),
                            new Shape(maxPositions, maxPositions));
            NDArray onDevice = g.toDevice(device, false);
            NDScope.unregister(onDevice);
            NDScope.unregister(g);
            return onDevice;
        }
    }

    /** Multi-head self-attention with padding mask and the shared relative bias. */
    public static final class SelfAttention extends AmosBlock {
        final Linear qkv;
        final Linear out;
        final int heads;
        final float attentionDropout;

        SelfAttention(EncoderConfig c) {
            qkv =
                    addChildBlock(
                            "qkv",
                            new Linear(c.hiddenSize(), 3L * c.hiddenSize(), c.initStd(), true));
            out =
                    addChildBlock(
                            "out", new Linear(c.hiddenSize(), c.hiddenSize(), c.initStd(), true));
            heads = c.numHeads();
            attentionDropout = c.attentionDropout();
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray bias, boolean training) {
            Shape s = x.getShape();
            long b = s.get(0), t = s.get(1), h = s.get(2);
            NDList qkv = projections(ps, x, training);
            NDArray p = dropout(probabilities(qkv, bias), attentionDropout, training);
            NDArray ctx = p.matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(b, t, h);
            return out.apply(ps, ctx, training);
        }

        /**
         * Queries, keys and values, each (B, heads, S, d), of {@code x} (B, S, H): views of the one
         * fused projection, split (not indexed) so that the backward pass concatenates their
         * gradients in one pass instead of zero-filling the fused gradient once per view.
         */
        NDList projections(ParameterStore ps, NDArray x, boolean training) {
            Shape s = x.getShape();
            long b = s.get(0), t = s.get(1), h = s.get(2), d = h / heads;
            NDList parts =
                    qkv.apply(ps, x, training)
                            .reshape(b, t, 3, heads, d)
                            .transpose(2, 0, 3, 1, 4)
                            .split(3, 0);
            return new NDList(
                    parts.get(0).squeeze(0), parts.get(1).squeeze(0), parts.get(2).squeeze(0));
        }

        /**
         * Attention probabilities (B, heads, S, S) before dropout: softmax(q k^T / sqrt(d) + bias).
         * The 1/sqrt(d) scale goes on the queries when S > d (the smaller array, forward and
         * backward; for a power-of-4 d the scale is a power of 2 and the logits are the same bits),
         * else on the logits; the bias is added in place (no backward reads the logits: matmul's
         * reads q and k, a scalar product's its scalar).
         */
        static NDArray probabilities(NDList projections, NDArray bias) {
            NDArray q = projections.get(0), k = projections.get(1);
            Shape qs = q.getShape();
            long seq = qs.get(2), d = qs.get(3);
            NDArray scale = ScalarConstants.of(q, 1.0 / Math.sqrt(d));
            NDArray logits =
                    seq > d
                            ? q.mul(scale).matMul(k.transpose(0, 1, 3, 2))
                            : q.matMul(k.transpose(0, 1, 3, 2)).muli(scale);
            return logits.addi(bias).softmax(-1);
        }
    }

    /** The GELU feed-forward network (H -> F -> H). */
    public static final class FeedForward extends AmosBlock {
        final Linear in;
        final Linear out;

        FeedForward(EncoderConfig c) {
            in = addChildBlock("in", new Linear(c.hiddenSize(), c.ffnSize(), c.initStd(), true));
            out = addChildBlock("out", new Linear(c.ffnSize(), c.hiddenSize(), c.initStd(), true));
        }

        NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            return out.apply(ps, Activation.gelu(in.apply(ps, x, training)), training);
        }
    }

    /** One post-LN transformer layer. */
    public static final class Layer extends AmosBlock {
        final SelfAttention attention;
        final LayerNorm ln1;
        final FeedForward ffn;
        final LayerNorm ln2;
        final float dropout;

        Layer(EncoderConfig c) {
            attention = addChildBlock("attn", new SelfAttention(c));
            ln1 = addChildBlock("ln1", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            ffn = addChildBlock("ffn", new FeedForward(c));
            ln2 = addChildBlock("ln2", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            dropout = c.dropout();
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray bias, boolean training) {
            if (!training) { // the residual sums in place, in the sublayers' fresh outputs: two
                // arrays fewer
                x = ln1.apply(ps, attention.apply(ps, x, bias, false).addi(x), false);
                return ln2.apply(ps, ffn.apply(ps, x, false).addi(x), false);
            }
            NDArray a = dropout(attention.apply(ps, x, bias, training), dropout, training);
            x = ln1.apply(ps, x.add(a), training);
            NDArray f = dropout(ffn.apply(ps, x, training), dropout, training);
            return ln2.apply(ps, x.add(f), training);
        }
    }

    // ------------------------------------------------------------------ the encoder

    private final EncoderConfig config;
    private final Parameter tokenEmbedding;
    private final boolean ownsTokenEmbedding;
    private final Parameter positionEmbedding;
    private final LayerNorm embeddingNorm;
    private final Linear projection;
    private final RelativePositionBias relativeBias;
    private final List<Layer> layers = new ArrayList<>();

    private Encoder(EncoderConfig c, Parameter sharedTokenEmbedding) {
        config = c;
        ownsTokenEmbedding = sharedTokenEmbedding == null;
        tokenEmbedding =
                ownsTokenEmbedding
                        ? weight("token_embedding", c.initStd(), c.vocabSize(), c.embeddingSize())
                        : sharedTokenEmbedding;
        positionEmbedding =
                weight("position_embedding", c.initStd(), c.maxPositions(), c.embeddingSize());
        embeddingNorm =
                addChildBlock("embedding_ln", new LayerNorm(c.embeddingSize(), c.layerNormEps()));
        projection =
                c.projectsEmbeddings()
                        ? addChildBlock(
                                "embedding_projection",
                                new Linear(c.embeddingSize(), c.hiddenSize(), c.initStd(), true))
                        : null;
        relativeBias = addChildBlock("relative_bias", new RelativePositionBias(c));
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(addChildBlock("layer" + i, new Layer(c)));
        }
    }

    /** An encoder that owns its token embedding (the discriminator; fine-tuning; serving). */
    public static Encoder owning(EncoderConfig config) {
        return new Encoder(config, null);
    }

    /** An encoder that reads another encoder's token embedding E (the generator). */
    public static Encoder sharing(EncoderConfig config, Parameter tokenEmbedding) {
        return new Encoder(config, tokenEmbedding);
    }

    public EncoderConfig config() {
        return config;
    }

    /** The token embedding E (V, De), owned or shared. */
    public Parameter tokenEmbedding() {
        return tokenEmbedding;
    }

    /** E[ids]: (B, S) int64 -> (B, S, De). */
    public NDArray lookup(ParameterStore ps, NDArray ids, boolean training) {
        return ps.getValue(tokenEmbedding, ids.getDevice(), training).get(ids);
    }

    /**
     * Token embeddings (B, S, De) -> layer input (B, S, H): + positions, LayerNorm, dropout,
     * projection.
     */
    public NDArray embed(ParameterStore ps, NDArray tokenEmbeddings, boolean training) {
        long seq = tokenEmbeddings.getShape().get(1);
        if (seq > config.maxPositions()) {
            throw new IllegalArgumentException(
                    "sequence length " + seq + " > max_positions " + config.maxPositions());
        }
        NDArray pos =
                ps.getValue(positionEmbedding, tokenEmbeddings.getDevice(), training)
                        .get(":{}", seq);
        NDArray x = embeddingNorm.apply(ps, tokenEmbeddings.add(pos), training);
        x = dropout(x, config.dropout(), training);
        return projection == null ? x : projection.apply(ps, x, training);
    }

    /**
     * Runs the layers on {@code x} (B, S, H) and returns the hidden state after every layer (index
     * i holds layer i+1). The gradient is stopped at the input of every 1-based layer number in
     * {@code detachInputOf}: parameters below such a layer get no gradient from losses above it.
     */
    public List<NDArray> layers(
            ParameterStore ps,
            NDArray x,
            NDArray attentionMask,
            boolean training,
            Set<Integer> detachInputOf) {
        NDArray bias = attentionBias(ps, attentionMask, training);
        List<NDArray> hidden = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            if (detachInputOf.contains(i + 1)) {
                x = x.stopGradient();
            }
            x = layers.get(i).apply(ps, x, bias, training);
            hidden.add(x);
        }
        return hidden;
    }

    /** Layer {@code index} (0-based). */
    Layer layer(int index) {
        return layers.get(index);
    }

    /**
     * The bias added to every layer's attention logits: relative positions plus padded keys, (B,
     * heads, S, S).
     */
    NDArray attentionBias(ParameterStore ps, NDArray attentionMask, boolean training) {
        return relativeBias
                .apply(
                        ps,
                        (int) attentionMask.getShape().get(1),
                        attentionMask.getDevice(),
                        training)
                .add(maskBias(attentionMask));
    }

    /**
     * Attention probabilities (B, heads, S, S) of layer {@code index} (0-based) on its input {@code
     * x}.
     */
    NDArray attentionProbabilities(ParameterStore ps, int index, NDArray x, NDArray attentionMask) {
        SelfAttention a = layers.get(index).attention;
        return SelfAttention.probabilities(
                a.projections(ps, x, false), attentionBias(ps, attentionMask, false));
    }

    /**
     * The last hidden state (B, S, H) of token ids (B, S) with attention mask (B, S). Outside
     * training every layer runs in its own {@link NDScope} and the previous layer's output is
     * closed as soon as the next one exists, so inference holds one layer's intermediates at a time
     * instead of all of them until the caller's scope closes (at amos-base, batch 32 x 512, that is
     * ~2 GB instead of over 24 GB).
     */
    public NDArray encode(ParameterStore ps, NDArray ids, NDArray attentionMask, boolean training) {
        NDArray x = embed(ps, lookup(ps, ids, training), training);
        if (training) {
            List<NDArray> hidden = layers(ps, x, attentionMask, true, Set.of());
            return hidden.get(hidden.size() - 1);
        }
        NDArray bias = attentionBias(ps, attentionMask, false);
        NDArray input = x;
        for (Layer layer : layers) {
            NDArray next;
            try (NDScope scope = new NDScope()) {
                next = layer.apply(ps, x, bias, false);
                NDScope.unregister(next);
            }
            if (x != input) {
                x.close();
            }
            x = next;
        }
        if (x != input) {
            NDScope.register(x); // back in the caller's scope, as the training path's result is
        }
        return x;
    }

    /** (1 - mask) * -10000 shaped (B, 1, 1, S), added to the attention logits. */
    static NDArray maskBias(NDArray attentionMask) {
        Shape s = attentionMask.getShape();
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
        return mask.sub(ScalarConstants.of(mask, 1f))
                .mul(ScalarConstants.of(mask, -MASK_BIAS))
                .reshape(s.get(0), 1, 1, s.get(1));
    }

    static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(x, rate, true).head() : x;
    }

    /**
     * The weights under the names of the export format ({@code embeddings.word}, {@code
     * layers.0.attn.qkv.weight}, ...): the contract between this class and the TorchScript writer.
     */
    public Map<String, NDArray> namedTensors() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("embeddings.word", tokenEmbedding.getArray());
        m.put("embeddings.position", positionEmbedding.getArray());
        m.put("embeddings.ln.weight", embeddingNorm.gamma.getArray());
        m.put("embeddings.ln.bias", embeddingNorm.beta.getArray());
        if (projection != null) {
            m.put("embeddings.project.weight", projection.weight.getArray());
            m.put("embeddings.project.bias", projection.bias.getArray());
        }
        m.put("rel_bias.table", relativeBias.table.getArray());
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "layers." + i + ".";
            m.put(p + "attn.qkv.weight", l.attention.qkv.weight.getArray());
            m.put(p + "attn.qkv.bias", l.attention.qkv.bias.getArray());
            m.put(p + "attn.out.weight", l.attention.out.weight.getArray());
            m.put(p + "attn.out.bias", l.attention.out.bias.getArray());
            m.put(p + "ln1.weight", l.ln1.gamma.getArray());
            m.put(p + "ln1.bias", l.ln1.beta.getArray());
            m.put(p + "ffn.in.weight", l.ffn.in.weight.getArray());
            m.put(p + "ffn.in.bias", l.ffn.in.bias.getArray());
            m.put(p + "ffn.out.weight", l.ffn.out.weight.getArray());
            m.put(p + "ffn.out.bias", l.ffn.out.bias.getArray());
            m.put(p + "ln2.weight", l.ln2.gamma.getArray());
            m.put(p + "ln2.bias", l.ln2.beta.getArray());
        }
        return m;
    }
}
