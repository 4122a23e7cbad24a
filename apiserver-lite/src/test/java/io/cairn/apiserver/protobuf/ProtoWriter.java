package io.cairn.apiserver.protobuf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes protobuf wire format for tests: the bytes a Go client would send, field by field, so that a test can build
 * a body with exactly the fields (and the odd ones: unknown numbers, packed lists, wrong wire types) it is about.
 */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter value) {
        return bytes(field, value.toBytes());
    }

    ProtoWriter fixed64(int field, long value) {
        tag(field, 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    ProtoWriter fixed32(int field, int value) {
        tag(field, 5);
        for (int i = 0; i < 4; i++) {
            out.write((value >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    /** A map entry ({@code key} = 1, {@code value} = 2) of a {@code map<string, string>} field. */
    ProtoWriter entry(int field, String key, String value) {
        return message(field, new ProtoWriter().string(1, key).string(2, value));
    }

    /** A packed repeated varint field. */
    ProtoWriter packed(int field, long... values) {
        ProtoWriter p = new ProtoWriter();
        for (long v : values) {
            p.rawVarint(v);
        }
        return bytes(field, p.toBytes());
    }

    ProtoWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    /** A whole request body: the magic and a {@code runtime.Unknown} holding {@code object}. */
    static byte[] body(String apiVersion, String kind, ProtoWriter object) {
        ProtoWriter unknown = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, apiVersion).string(2, kind))
                .message(2, object)
                .string(3, "")
                .string(4, "");
        return new ProtoWriter().raw(new byte[] {'k', '8', 's', 0}).raw(unknown.toBytes()).toBytes();
    }

    /** A metav1.Time or MicroTime. */
    static ProtoWriter time(long seconds, int nanos) {
        return new ProtoWriter().varint(1, seconds).varint(2, nanos);
    }

    /** An IntOrString holding a number. */
    static ProtoWriter intValue(int v) {
        return new ProtoWriter().varint(1, 0).varint(2, v).string(3, "");
    }

    /** An IntOrString holding a name. */
    static ProtoWriter stringValue(String v) {
        return new ProtoWriter().varint(1, 1).varint(2, 0).string(3, v);
    }

    /** A resource.Quantity. */
    static ProtoWriter quantity(String v) {
        return new ProtoWriter().string(1, v);
    }

    static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    private void tag(int field, int wire) {
        rawVarint(((long) field << 3) | wire);
    }

    private void rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
