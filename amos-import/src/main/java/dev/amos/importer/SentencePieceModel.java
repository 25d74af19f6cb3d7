package dev.amos.importer;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code sp.model} (a {@code ModelProto} protobuf, <a
 * href="https://github.com/google/sentencepiece/blob/master/src/sentencepiece_model.proto">sentencepiece_model.proto</a>)
 * that tokenization needs: the pieces with scores and types, the model type (unigram or BPE) and
 * the normalizer (its precompiled character map and whitespace flags). Read by hand: the wire
 * format is a few varints and length-delimited fields.
 *
 * @param pieces the vocabulary in id order
 * @param type unigram or BPE
 * @param normalizerName e.g. {@code nmt_nfkc}
 * @param precompiledCharsmap the normalizer's compiled rules (empty for identity)
 * @param addDummyPrefix whether a space is prepended to the text
 * @param removeExtraWhitespaces whether runs of spaces collapse and the ends are stripped
 * @param byteFallback whether unknown characters become byte pieces
 */
public record SentencePieceModel(
        List<Piece> pieces,
        Type type,
        String normalizerName,
        byte[] precompiledCharsmap,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces,
        boolean byteFallback) {

    /** The model types; only unigram and BPE are tokenizers of sub-words. */
    public enum Type {
        UNIGRAM,
        BPE
    }

    /** One piece: its text (spaces as {@code U+2581}), score and kind. */
    public record Piece(String text, float score, int kind) {
        public static final int NORMAL = 1;
        public static final int UNKNOWN = 2;
        public static final int CONTROL = 3;
        public static final int USER_DEFINED = 4;
        public static final int UNUSED = 5;
        public static final int BYTE = 6;

        /** A piece text can produce (not a control, unknown or unused symbol). */
        public boolean isText() {
            return kind == NORMAL || kind == USER_DEFINED;
        }
    }

    /** Reads {@code file}. */
    public static SentencePieceModel load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file, "no such file (expected the released SentencePiece sp.model)");
        }
        try {
            return parse(Files.readAllBytes(file), file);
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        }
    }

    static SentencePieceModel parse(byte[] bytes, Path file) {
        Builder b = new Builder();
        try {
            Reader r = new Reader(bytes, 0, bytes.length);
            while (r.more()) {
                long key = r.varint();
                int field = (int) (key >>> 3);
                int wire = (int) (key & 7);
                if (field == 1 && wire == 2) {
                    b.pieces.add(piece(r.sub()));
                } else if (field == 2 && wire == 2) {
                    trainer(r.sub(), b);
                } else if (field == 3 && wire == 2) {
                    normalizer(r.sub(), b);
                } else {
                    r.skip(wire);
                }
            }
        } catch (IllegalStateException | IndexOutOfBoundsException e) {
            throw BadInputException.of(file, "not a SentencePiece model (" + e.getMessage() + ")");
        }
        if (b.pieces.isEmpty()) {
            throw BadInputException.of(file, "not a SentencePiece model (no pieces)");
        }
        if (b.modelType != 1 && b.modelType != 2) {
            throw BadInputException.of(
                    file,
                    "SentencePiece model_type "
                            + b.modelType
                            + " (expected 1 = unigram or 2 = bpe, what AMOS / COCO-LM release)");
        }
        if (b.byteFallback) {
            throw BadInputException.of(
                    file,
                    "byte_fallback SentencePiece models are not supported (AMOS / COCO-LM do not use it)");
        }
        return new SentencePieceModel(
                List.copyOf(b.pieces),
                b.modelType == 1 ? Type.UNIGRAM : Type.BPE,
                b.normalizerName,
                b.charsmap,
                b.addDummyPrefix,
                b.removeExtraWhitespaces,
                b.byteFallback);
    }

    private static Piece piece(Reader r) {
        String text = null;
        float score = 0;
        int kind = Piece.NORMAL;
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 1 && wire == 2) {
                text = utf8(r.bytes());
            } else if (field == 2 && wire == 5) {
                score = Float.intBitsToFloat(r.fixed32());
            } else if (field == 3 && wire == 0) {
                kind = (int) r.varint();
            } else {
                r.skip(wire);
            }
        }
        if (text == null || kind < 1 || kind > 6) {
            throw new IllegalStateException("a piece without text or with an unknown type");
        }
        return new Piece(text, score, kind);
    }

    private static void trainer(Reader r, Builder b) {
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 3 && wire == 0) {
                b.modelType = (int) r.varint();
            } else if (field == 35 && wire == 0) {
                b.byteFallback = r.varint() != 0;
            } else {
                r.skip(wire);
            }
        }
    }

    private static void normalizer(Reader r, Builder b) {
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 1 && wire == 2) {
                b.normalizerName = utf8(r.bytes());
            } else if (field == 2 && wire == 2) {
                b.charsmap = r.bytes();
            } else if (field == 3 && wire == 0) {
                b.addDummyPrefix = r.varint() != 0;
            } else if (field == 4 && wire == 0) {
                b.removeExtraWhitespaces = r.varint() != 0;
            } else {
                r.skip(wire);
            }
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a string field is not UTF-8");
        }
    }

    private static final class Builder {
        final List<Piece> pieces = new ArrayList<>();
        int modelType = 1; // the proto default: unigram
        boolean byteFallback;
        String normalizerName = "";
        byte[] charsmap = new byte[0];
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
    }

    /** Protobuf wire-format reader over a byte range; errors are IllegalStateExceptions. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalStateException("truncated varint at byte " + pos);
                }
                byte x = buf[pos++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalStateException("malformed varint at byte " + pos);
        }

        int fixed32() {
            if (pos + 4 > end) {
                throw new IllegalStateException("truncated fixed32 at byte " + pos);
            }
            int v =
                    (buf[pos] & 0xff)
                            | (buf[pos + 1] & 0xff) << 8
                            | (buf[pos + 2] & 0xff) << 16
                            | (buf[pos + 3] & 0xff) << 24;
            pos += 4;
            return v;
        }

        byte[] bytes() {
            int len = length();
            byte[] out = new byte[len];
            System.arraycopy(buf, pos, out, 0, len);
            pos += len;
            return out;
        }

        Reader sub() {
            int len = length();
            Reader r = new Reader(buf, pos, pos + len);
            pos += len;
            return r;
        }

        private int length() {
            long len = varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalStateException(
                        "a length-delimited field runs past its end at byte " + pos);
            }
            return (int) len;
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default ->
                        throw new IllegalStateException(
                                "invalid wire type " + wire + " at byte " + pos);
            }
        }

        private void advance(int n) {
            if (pos + n > end) {
                throw new IllegalStateException("truncated field at byte " + pos);
            }
            pos += n;
        }
    }
}
