package dev.amos.importer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, safe reader of the Python pickle subset that {@code torch.save} writes (protocols 2 to
 * 5, <a href="https://docs.python.org/3/library/pickle.html">pickle</a>): it builds plain Java
 * values and never runs code. A {@code GLOBAL} becomes a {@link Global} marker; {@code REDUCE} of a
 * global becomes a {@link Call}; a persistent id (torch's storage reference) becomes a {@link
 * PersistentId}. The caller decides what those mean; anything unknown fails with a message.
 */
final class PickleReader {

    /** A Python global named in the pickle, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** {@code callable(*args)} where callable is a {@link Global}. */
    record Call(Global callable, List<Object> args) {}

    /** The tuple given to {@code persistent_load}. */
    record PersistentId(List<Object> fields) {}

    /** Python's None. */
    static final Object NONE =
            new Object() {
                @Override
                public String toString() {
                    return "None";
                }
            };

    private static final Object MARK = new Object();

    private final InputStream in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleReader(InputStream in) {
        this.in = in;
    }

    /** Reads one pickle (up to and including STOP) from {@code in}. */
    static Object read(InputStream in) throws IOException {
        return new PickleReader(in).run();
    }

    @SuppressWarnings("unchecked")
    private Object run() throws IOException {
        while (true) {
            int op = in.read();
            if (op < 0) {
                throw new EOFException("the pickle ends before its STOP opcode");
            }
            switch (op) {
                case 0x80 -> u8(); // PROTO
                case 0x95 -> bytes(8); // FRAME: the length only
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> stack.add(MARK);
                case ')' -> stack.add(new ArrayList<>()); // EMPTY_TUPLE
                case ']' -> stack.add(new ArrayList<>()); // EMPTY_LIST
                case '}' -> stack.add(new LinkedHashMap<>()); // EMPTY_DICT
                case 't', 'l' -> stack.add(popToMark()); // TUPLE, LIST
                case 'd' -> { // DICT
                    List<Object> items = popToMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                    stack.add(m);
                }
                case 0x85 -> stack.add(new ArrayList<>(List.of(pop()))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    stack.add(new ArrayList<>(List.of(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    stack.add(new ArrayList<>(List.of(a, b, c)));
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    ((List<Object>) peek(List.class)).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popToMark();
                    ((List<Object>) peek(List.class)).addAll(items);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    ((Map<Object, Object>) peek(Map.class)).put(k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popToMark();
                    Map<Object, Object> m = (Map<Object, Object>) peek(Map.class);
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'q' -> memo.put((long) u8(), peek(Object.class)); // BINPUT
                case 'r' -> memo.put(u32(), peek(Object.class)); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek(Object.class)); // MEMOIZE
                case 'p' -> memo.put(Long.parseLong(line()), peek(Object.class)); // PUT
                case 'h' -> stack.add(memoGet(u8())); // BINGET
                case 'j' -> stack.add(memoGet(u32())); // LONG_BINGET
                case 'g' -> stack.add(memoGet(Long.parseLong(line()))); // GET
                case 'K' -> stack.add((long) u8()); // BININT1
                case 'M' -> stack.add((long) (u8() | (u8() << 8))); // BININT2
                case 'J' -> stack.add((long) (int) u32()); // BININT
                case 'I' -> { // INT (protocol 0, also True/False as 01/00)
                    String s = line();
                    stack.add(
                            s.equals("01")
                                    ? Boolean.TRUE
                                    : s.equals("00") ? Boolean.FALSE : (Object) Long.parseLong(s));
                }
                case 0x8a -> stack.add(longN(u8())); // LONG1
                case 0x8b -> stack.add(longN((int) u32())); // LONG4
                case 'G' ->
                        stack.add(
                                Double.longBitsToDouble(
                                        new BigInteger(1, bytes(8)).longValue())); // BINFLOAT
                case 'X' -> stack.add(utf8((int) u32())); // BINUNICODE
                case 0x8c -> stack.add(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> stack.add(utf8(Math.toIntExact(u64()))); // BINUNICODE8
                case 'C' -> stack.add(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> stack.add(bytes((int) u32())); // BINBYTES
                case 'U' ->
                        stack.add(
                                new String(
                                        bytes(u8()),
                                        StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 'T' ->
                        stack.add(
                                new String(
                                        bytes((int) u32()),
                                        StandardCharsets.ISO_8859_1)); // BINSTRING
                case 'N' -> stack.add(NONE);
                case 0x88 -> stack.add(Boolean.TRUE); // NEWTRUE
                case 0x89 -> stack.add(Boolean.FALSE); // NEWFALSE
                case 'c' -> stack.add(new Global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    stack.add(new Global(String.valueOf(module), String.valueOf(name)));
                }
                case 'R', 0x81 -> { // REDUCE, NEWOBJ
                    Object args = pop();
                    Object callable = pop();
                    if (!(callable instanceof Global g) || !(args instanceof List<?> list)) {
                        throw new IOException("unsupported pickle: REDUCE of " + callable);
                    }
                    stack.add(call(g, (List<Object>) list));
                }
                case 'b' -> pop(); // BUILD: state of an object (e.g. an OrderedDict's _metadata);
                // ignored
                case 'Q' -> stack.add(new PersistentId(asList(pop()))); // BINPERSID
                default ->
                        throw new IOException(
                                String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    /** An OrderedDict call becomes a map; other calls stay {@link Call}s for the caller. */
    private static Object call(Global g, List<Object> args) {
        if (g.qualified().equals("collections.OrderedDict") && args.isEmpty()) {
            return new LinkedHashMap<>();
        }
        return new Call(g, args);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) throws IOException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IOException("unsupported pickle: persistent id " + o);
    }

    private Object memoGet(long key) throws IOException {
        if (!memo.containsKey(key)) {
            throw new IOException("corrupt pickle: memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private Object pop() throws IOException {
        if (stack.isEmpty()) {
            throw new IOException("corrupt pickle: pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(Class<?> type) throws IOException {
        if (stack.isEmpty() || !type.isInstance(stack.get(stack.size() - 1))) {
            throw new IOException(
                    "corrupt pickle: expected a " + type.getSimpleName() + " on the stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws IOException {
        int i = stack.size() - 1;
        while (i >= 0 && stack.get(i) != MARK) {
            i--;
        }
        if (i < 0) {
            throw new IOException("corrupt pickle: no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
        stack.subList(i, stack.size()).clear();
        return items;
    }

    private int u8() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the pickle is truncated");
        }
        return b;
    }

    private long u32() throws IOException {
        return u8() | (u8() << 8) | (u8() << 16) | ((long) u8() << 24);
    }

    private long u64() throws IOException {
        return u32() | (u32() << 32);
    }

    private byte[] bytes(int n) throws IOException {
        if (n < 0) {
            throw new IOException("corrupt pickle: negative length");
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("the pickle is truncated");
        }
        return b;
    }

    private String utf8(int n) throws IOException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = u8(); b != '\n'; b = u8()) {
            out.write(b);
            if (out.size() > 4096) {
                throw new IOException("corrupt pickle: text argument longer than 4096 bytes");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Object longN(int n) throws IOException {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
