package dev.amos.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * Base of the amos blocks: every parameter has a fixed shape at construction, so initialization
 * needs no shape inference, and children are initialized with the parent. Blocks expose typed
 * forward methods (e.g. {@code Encoder.layers(...)}); the NDList {@code forward} of DJL is
 * implemented only where a block is used on its own.
 */
public abstract class AmosBlock extends AbstractBlock {

    protected AmosBlock() {
        super((byte) 1);
    }

    /** A weight matrix, initialized normal(0, std) as BERT does. */
    protected final Parameter weight(String name, float std, long... shape) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.WEIGHT)
                        .optShape(new Shape(shape))
                        .optInitializer(new NormalInitializer(std))
                        .build());
    }

    /** A bias vector, initialized to zero. */
    protected final Parameter bias(String name, long size) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(size))
                        .optInitializer(Initializer.ZEROS)
                        .build());
    }

    /** A LayerNorm gain (ones). */
    protected final Parameter gamma(String name, long size) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.GAMMA)
                        .optShape(new Shape(size))
                        .optInitializer(Initializer.ONES)
                        .build());
    }

    /** A LayerNorm shift (zeros). */
    protected final Parameter beta(String name, long size) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.BETA)
                        .optShape(new Shape(size))
                        .optInitializer(Initializer.ZEROS)
                        .build());
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " has typed forward methods");
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " has typed forward methods");
    }
}
