package dev.amos.train;

import dev.amos.model.EncoderConfig;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;

/**
 * Model FLOPs per token of a pretraining step, counted analytically (a multiply-add = 2 FLOPs; the
 * backward pass = 2x the forward, so a training step = 3x forward; elementwise work, softmax,
 * LayerNorm and the optimizer are not counted). Formulas, per token, for sequence length S:
 *
 * <pre>
 * encoder layer       2 (4 H^2 + 2 H F) + 4 S H          (q,k,v,out + FFN; QK^T and PV)
 * embedding proj.     2 De H                             (only when De != H)
 * MLM head, per head  p 2 (Hg De + De V)                 (p = masked share: only masked tokens are projected)
 * AMOS mixture input  p 2 V De                           (y E, straight-through)
 * RTD head            2 H   (+ 2 H^2 for ELECTRA's dense layer)
 * </pre>
 *
 * The generator's layers count up to its deepest MLM layer.
 */
public final class Flops {

    private Flops() {}

    /** Forward FLOPs per token of one encoder's layers (and embedding projection). */
    static double encoder(EncoderConfig c, int seqLen) {
        double h = c.hiddenSize();
        double layer = 2 * (4 * h * h + 2 * h * c.ffnSize()) + 4.0 * seqLen * h;
        double projection = c.projectsEmbeddings() ? 2.0 * c.embeddingSize() * h : 0;
        return c.numLayers() * layer + projection;
    }

    /** Training FLOPs per token (3x forward) of a step of {@code objective}. */
    public static double trainingPerToken(
            ModelConfig c, Objective objective, int seqLen, double maskShare) {
        double de = c.tokenEmbeddingSize();
        double v = c.vocabSize();
        double disc = encoder(c.discriminator(), seqLen);
        int[] heads = objective.mlmLayers(c);
        double forward =
                switch (objective.kind()) {
                    case MLM -> disc + maskShare * 2 * (c.hiddenSize() * de + de * v);
                    case ELECTRA -> {
                        EncoderConfig g = c.electraGenerator();
                        yield encoder(g, seqLen)
                                + maskShare * 2 * (g.hiddenSize() * de + de * v)
                                + disc
                                + 2.0 * c.hiddenSize() * c.hiddenSize()
                                + 2.0 * c.hiddenSize();
                    }
                    case AMOS -> {
                        EncoderConfig g = c.amosGenerator(heads[heads.length - 1]);
                        yield encoder(g, seqLen)
                                + heads.length * maskShare * 2 * (g.hiddenSize() * de + de * v)
                                + maskShare * 2 * v * de
                                + disc
                                + 2.0 * c.hiddenSize();
                    }
                };
        return 3 * forward;
    }

    /** Inference FLOPs per token of the discriminator encoder (embeddings). */
    public static double encoderForwardPerToken(ModelConfig c, int seqLen) {
        return encoder(c.discriminator(), seqLen);
    }
}
