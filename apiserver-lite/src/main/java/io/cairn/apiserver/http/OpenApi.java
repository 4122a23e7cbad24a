package io.cairn.apiserver.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code /openapi/v2} as the protobuf document kubectl accepts (gnostic's {@code openapi_v2.Document}): swagger "2.0",
 * an info block and empty paths, with no definitions, so that kubectl's client-side validation skips kinds it cannot
 * check instead of building wrong patches from a partial schema. Written with the protobuf wire format by hand: three
 * fields do not need the generated classes.
 */
final class OpenApi {
    private OpenApi() {
    }

    private static final byte[] V2 = build();

    static byte[] v2Document() {
        return V2.clone();
    }

    private static byte[] build() {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        field(info, 1, "Kubernetes".getBytes(StandardCharsets.UTF_8)); // Info.title
        field(info, 2, "v1.32.0".getBytes(StandardCharsets.UTF_8)); // Info.version
        ByteArrayOutputStream doc = new ByteArrayOutputStream();
        field(doc, 1, "2.0".getBytes(StandardCharsets.UTF_8)); // Document.swagger
        field(doc, 2, info.toByteArray()); // Document.info
        field(doc, 8, new byte[0]); // Document.paths
        return doc.toByteArray();
    }

    /** A length-delimited field (wire type 2). */
    private static void field(ByteArrayOutputStream out, int number, byte[] value) {
        varint(out, (number << 3) | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }
}
